/*
 * check_mint — the local CA of `sysbind reverse-proxy`: a CA made once (modes 0600 for
 * the key), never replaced, loaded back only from files of the user's own; a leaf that
 * verifies against it with the extensions a browser requires; what is refused (a file
 * that is not a CA, a symlink, a key of another certificate) is left byte for byte; the
 * pieces of `sysbind scenarios` (any validity, a cross-signed intermediate, chains, PFX).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <check.h>
#include <time.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
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

/* mint_issue: an intermediate re-issued by another (expired) root for the same key keeps
 * its subject key identifier; a leaf's chain verifies through one issuance and fails as
 * expired through the other; the dates asked for are the dates written; a chain file and
 * a PFX read back. */
START_TEST(test_mint_issue_cross_signed)
{
	const char *rn[] = { "Root" }, *on[] = { "Old root" }, *in[] = { "Inter" },
	    *ln[] = { "leaf.test", "127.0.0.9" };
	struct mint_spec root = { rn, 1, 1, -3600, 3650 * 86400L };
	struct mint_spec old = { on, 1, 1, -7300 * 86400L, -86400 };
	struct mint_spec inter = { in, 1, 1, -3600, 365 * 86400L };
	struct mint_spec leaf = { ln, 2, 0, 30 * 86400L, 60 * 86400L };
	EVP_PKEY *rk = mint_key_new(), *ok = mint_key_new(), *ik = mint_key_new(),
	    *lk = mint_key_new();
	X509 *r, *o, *i1, *i2, *l, *chain[2];
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	FILE *f;

	ck_assert_ptr_nonnull(r = mint_issue(&root, rk, NULL, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(o = mint_issue(&old, ok, NULL, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(i1 = mint_issue(&inter, ik, r, rk, err, sizeof(err)));
	ck_assert_ptr_nonnull(i2 = mint_issue(&inter, ik, o, ok, err, sizeof(err)));
	ck_assert_ptr_nonnull(l = mint_issue(&leaf, lk, i1, ik, err, sizeof(err)));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(i1),
	    X509_get0_subject_key_id(i2)), 0);
	ck_assert_int_eq(X509_check_ca(i2), 1);
	ck_assert_int_eq(X509_check_ca(l), 0);
	ck_assert_int_eq(X509_check_host(l, "leaf.test", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_ip_asc(l, "127.0.0.9", 0), 1);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(l), time(NULL) + 29 * 86400L), 1);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(o), time(NULL)), -1);
	/* verified at a time when the leaf is valid: through i1 to Root it is */
	X509_STORE_add_cert(st, r);
	X509_STORE_add_cert(st, o);
	sk_X509_push(untrusted, i1);
	X509_STORE_CTX_init(ctx, st, l, untrusted);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), time(NULL) + 45 * 86400L);
	ck_assert_int_eq(X509_verify_cert(ctx), 1);
	/* through i2 (same key, issued by the expired root) it is "certificate has expired" */
	X509_STORE_CTX_cleanup(ctx);
	sk_X509_pop(untrusted);
	sk_X509_push(untrusted, i2);
	X509_STORE_CTX_init(ctx, st, l, untrusted);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), time(NULL) + 45 * 86400L);
	ck_assert_int_eq(X509_verify_cert(ctx), 0);
	ck_assert_int_eq(X509_STORE_CTX_get_error(ctx), X509_V_ERR_CERT_HAS_EXPIRED);

	chain[0] = l;
	chain[1] = i2;
	ck_assert_int_eq(mint_write_chain(chain, 2, lk, path("c.pem"), path("c.key"), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(mode_of(path("c.key")), 0600);
	ck_assert_ptr_nonnull(f = fopen(path("c.pem"), "r"));
	{
		X509 *a = PEM_read_X509(f, NULL, NULL, NULL), *b = PEM_read_X509(f, NULL, NULL, NULL);

		ck_assert_int_eq(X509_cmp(a, l), 0);
		ck_assert_int_eq(X509_cmp(b, i2), 0);
		ck_assert_ptr_null(PEM_read_X509(f, NULL, NULL, NULL));
		X509_free(a);
		X509_free(b);
	}
	fclose(f);
	ck_assert_int_eq(mint_write_pfx(l, lk, &i1, 1, "pw", path("c.pfx"), err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(f = fopen(path("c.pfx"), "rb"));
	{
		PKCS12 *p = d2i_PKCS12_fp(f, NULL);
		EVP_PKEY *k = NULL;
		X509 *c = NULL;
		STACK_OF(X509) *ca = NULL;

		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(PKCS12_parse(p, "pw", &k, &c, &ca), 1);
		ck_assert_int_eq(X509_cmp(c, l), 0);
		ck_assert_int_eq(sk_X509_num(ca), 1);
		EVP_PKEY_free(k);
		X509_free(c);
		sk_X509_pop_free(ca, X509_free);
		PKCS12_free(p);
	}
	fclose(f);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	sk_X509_free(untrusted);
	X509_free(r); X509_free(o); X509_free(i1); X509_free(i2); X509_free(l);
	EVP_PKEY_free(rk); EVP_PKEY_free(ok); EVP_PKEY_free(ik); EVP_PKEY_free(lk);
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
	tcase_add_test(tc, test_mint_issue_cross_signed);
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
