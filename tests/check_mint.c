/*
 * check_mint — the local CA of `sysbind reverse-proxy`: a CA made once (modes 0600 for
 * the key), never replaced, loaded back only from files of the user's own; a leaf that
 * verifies against it with the extensions a browser requires; what is refused (a file
 * that is not a CA, a symlink, a key of another certificate) is left byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <check.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cli/mint.h"

static char dir[] = "/tmp/check_mint.XXXXXX";
static char err[4096];

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

static const char *
path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void
write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static int
same_text(const char *p, const char *text)
{
	char buf[256];
	FILE *f = fopen(p, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

static mode_t
mode_of(const char *p)
{
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_mode & 07777;
}

START_TEST(test_mint_ca_made_once)
{
	X509 *ca, *again;
	EVP_PKEY *key, *key2;
	char fp1[128], fp2[128];

	ck_assert_msg(mint_ca_new(path("ca.pem"), path("ca.key"), "test CA", err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(mode_of(path("ca.key")), 0600);
	ck_assert_uint_eq(mode_of(path("ca.pem")), 0644);
	ck_assert_msg(mint_ca_load(path("ca.pem"), path("ca.key"), &ca, &key, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(X509_check_ca(ca), 1);
	ck_assert_int_eq(X509_check_issued(ca, ca), X509_V_OK);

	/* never replaced: a second one is refused and the first loads as before */
	ck_assert_int_eq(mint_ca_new(path("ca.pem"), path("ca.key"), "other", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "already exists; never replaced"));
	ck_assert_int_eq(mint_ca_load(path("ca.pem"), path("ca.key"), &again, &key2, err,
	    sizeof(err)), 0);
	mint_fingerprint(ca, fp1, sizeof(fp1));
	mint_fingerprint(again, fp2, sizeof(fp2));
	ck_assert_uint_eq(strlen(fp1), 95);
	ck_assert_str_eq(fp1, fp2);
	X509_free(ca);
	X509_free(again);
	EVP_PKEY_free(key);
	EVP_PKEY_free(key2);
}
END_TEST

START_TEST(test_mint_leaf_verifies)
{
	const char *names[] = { "app.test", "localhost", "127.0.0.1", "::1" };
	X509_STORE *store;
	X509_STORE_CTX *ctx;
	X509 *ca, *leaf;
	EVP_PKEY *key;
	GENERAL_NAMES *san;
	FILE *f;

	ck_assert_int_eq(mint_ca_new(path("ca.pem"), path("ca.key"), "test CA", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(mint_ca_load(path("ca.pem"), path("ca.key"), &ca, &key, err,
	    sizeof(err)), 0);
	ck_assert_msg(mint_leaf(ca, key, names, 4, path("app.pem"), path("app-key.pem"), err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(mode_of(path("app-key.pem")), 0600);
	f = fopen(path("app.pem"), "r");
	ck_assert_ptr_nonnull(f);
	leaf = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(leaf);

	store = X509_STORE_new();
	X509_STORE_add_cert(store, ca);
	ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, leaf, NULL);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	ck_assert_int_eq(X509_verify_cert(ctx), 1);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);

	ck_assert_int_eq(X509_check_host(leaf, "app.test", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_host(leaf, "localhost", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(leaf, "::1", 0), 1);
	ck_assert_int_eq(X509_check_host(leaf, "other.test", 0, 0, NULL), 0);
	san = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	ck_assert_int_eq(sk_GENERAL_NAME_num(san), 4);
	GENERAL_NAMES_free(san);
	ck_assert_int_eq(X509_check_ca(leaf), 0);
	ck_assert_uint_ne(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER, 0);
	ck_assert_ptr_nonnull(X509_get0_authority_key_id(leaf));

	/* issued again over the old pair */
	ck_assert_int_eq(mint_leaf(ca, key, names, 1, path("app.pem"), path("app-key.pem"), err,
	    sizeof(err)), 0);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_mint_refuses_and_leaves)
{
	X509 *ca;
	EVP_PKEY *key;

	/* a file that is not a CA at the CA's path */
	write_file(path("ca.pem"), "not a certificate\n");
	write_file(path("ca.key"), "not a key\n");
	ck_assert_int_eq(mint_ca_load(path("ca.pem"), path("ca.key"), &ca, &key, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a PEM certificate; not sysbind's CA, left as it "
	    "is"));
	ck_assert_int_eq(mint_ca_new(path("ca.pem"), path("ca.key"), "x", err, sizeof(err)), -1);
	ck_assert(same_text(path("ca.pem"), "not a certificate\n"));
	ck_assert(same_text(path("ca.key"), "not a key\n"));

	/* a symlink to a real CA is not read */
	ck_assert_int_eq(mint_ca_new(path("real.pem"), path("real.key"), "x", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(symlink(path("real.pem"), path("link.pem")), 0);
	ck_assert_int_eq(mint_ca_load(path("link.pem"), path("real.key"), &ca, &key, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a symlink"));

	/* the key of another CA */
	ck_assert_int_eq(mint_ca_new(path("b.pem"), path("b.key"), "y", err, sizeof(err)), 0);
	ck_assert_int_eq(mint_ca_load(path("real.pem"), path("b.key"), &ca, &key, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is not the key of"));

	/* a leaf is not written through a symlink */
	ck_assert_int_eq(mint_ca_load(path("real.pem"), path("real.key"), &ca, &key, err,
	    sizeof(err)), 0);
	write_file(path("target"), "keep\n");
	ck_assert_int_eq(symlink(path("target"), path("leaf.pem")), 0);
	{
		const char *names[] = { "a.test" };

		ck_assert_int_eq(mint_leaf(ca, key, names, 1, path("leaf.pem"),
		    path("leaf-key.pem"), err, sizeof(err)), -1);
	}
	ck_assert_ptr_nonnull(strstr(err, "a symlink"));
	ck_assert(same_text(path("target"), "keep\n"));
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

static Suite *
mint_suite(void)
{
	Suite *s = suite_create("mint");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mint_ca_made_once);
	tcase_add_test(tc, test_mint_leaf_verifies);
	tcase_add_test(tc, test_mint_refuses_and_leaves);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mint_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
