/*
 * check_chain — the served chain as Windows builds it (model/chain.c): the intermediate
 * store read from a directory (PEM bundles, DER, a bad file named, 0 files), and the
 * builder's choices: issuer by name, by key identifier, one valid now preferred, the one
 * issued last among equals, the root never sent, a PFX's or PEM's extras imported, a loop
 * that stops; then the verdicts on what is sent (stale-intermediate, untrusted without AIA)
 * and their fixes.  Certificates are minted in memory (cli/mint) into a temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/mint.h"
#include "model/certstore.h"
#include "model/chain.h"

#define DAY  (24L * 3600)
#define YEAR (365L * DAY)

static char dir[64];
static char err[1024];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_chain.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(err, sizeof(err), "%s/store", dir);
	ck_assert_int_eq(mkdir(err, 0755), 0);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

/* A CA named cn for key, issued by issuer (NULL: self-signed), valid [nb, na] from now. */
static X509 *
ca(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long nb, long na)
{
	const char *names[1] = { cn };
	struct mint_spec s = { names, 1, 1, nb, na };
	X509 *x = mint_issue(&s, key, issuer, ikey, err, sizeof(err));

	ck_assert_msg(x != NULL, "%s", err);
	return x;
}

static X509 *
leaf(const char *name, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
	const char *names[1] = { name };
	struct mint_spec s = { names, 1, 0, -3600, YEAR };
	X509 *x = mint_issue(&s, key, issuer, ikey, err, sizeof(err));

	ck_assert_msg(x != NULL, "%s", err);
	return x;
}

/* DIR/store/NAME holding x (PEM). */
static void
put(const char *name, X509 *x)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/store/%s", dir, name);
	ck_assert_int_eq(mint_write_chain(&x, 1, NULL, path, NULL, err, sizeof(err)), 0);
}

/* DIR/NAME.pem: x then extras, with key. */
static struct cert *
load(const char *name, X509 *x, X509 **extra, size_t n, EVP_PKEY *key)
{
	X509 *all[8];
	char path[256], kpath[256];
	struct cert *c;

	all[0] = x;
	for (size_t i = 0; i < n; i++)
		all[1 + i] = extra[i];
	snprintf(path, sizeof(path), "%s/%s.pem", dir, name);
	snprintf(kpath, sizeof(kpath), "%s/%s.key", dir, name);
	ck_assert_int_eq(mint_write_chain(all, 1 + n, key, path, kpath, err, sizeof(err)), 0);
	c = certstore_load_pem(path, kpath, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

static struct chain_store *
store(void)
{
	char path[256];
	struct chain_store *s;

	snprintf(path, sizeof(path), "%s/store", dir);
	s = chain_store_load(path, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The keys and CAs most tests share: root R, its intermediate I. */
struct pki {
	EVP_PKEY *kr, *ki, *kl;
	X509     *r, *i;
};

static void
pki_make(struct pki *p)
{
	p->kr = mint_key_new();
	p->ki = mint_key_new();
	p->kl = mint_key_new();
	p->r = ca("Test Root", p->kr, NULL, NULL, -YEAR, 10 * YEAR);
	p->i = ca("Test Issuing CA", p->ki, p->r, p->kr, -30 * DAY, 5 * YEAR);
}

static void
pki_free(struct pki *p)
{
	X509_free(p->r);
	X509_free(p->i);
	EVP_PKEY_free(p->kr);
	EVP_PKEY_free(p->ki);
	EVP_PKEY_free(p->kl);
}

/* Through the store by name; the root, in the store too, is left out. */
START_TEST(test_chain_by_name_root_never_sent)
{
	struct pki p;
	struct chain_store *s;
	struct cert *c;
	X509 *l;

	pki_make(&p);
	put("i.pem", p.i);
	put("r.pem", p.r);
	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_uint_eq(chain_store_count(s), 2);
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), p.i), 0);
	ck_assert_str_eq(c->built->root, "CN=Test Root,O=sysbind");
	ck_assert_str_eq(c->built->missing, "");
	ck_assert(ends_with(c->built->links[0].from, "/store/i.pem"));
	ck_assert_int_eq(c->built->links[0].from_store, 1);
	ck_assert_ptr_null(c->built->links[0].passed_over);
	certstore_cert_free(c);
	chain_store_free(s);
	X509_free(l);
	pki_free(&p);
}
END_TEST

/* Two CAs of the same name, other keys: the leaf's authority key identifier decides, even
 * against the one issued last. */
START_TEST(test_chain_by_key_id)
{
	struct pki p;
	EVP_PKEY *k2 = mint_key_new();
	X509 *other, *l;
	struct chain_store *s;
	struct cert *c;

	pki_make(&p);
	other = ca("Test Issuing CA", k2, p.r, p.kr, -DAY, 5 * YEAR);   /* newer, other key */
	put("i.pem", p.i);
	put("other.pem", other);
	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), p.i), 0);
	ck_assert_ptr_null(c->built->links[0].passed_over);
	certstore_cert_free(c);
	chain_store_free(s);
	X509_free(l);
	X509_free(other);
	EVP_PKEY_free(k2);
	pki_free(&p);
}
END_TEST

/* Same name and key: one valid now beats one issued later but expired; among the valid,
 * the one issued last wins and the other is remembered as passed over. */
START_TEST(test_chain_valid_preferred_then_newest)
{
	struct pki p;
	X509 *expired, *newer, *l;
	struct chain_store *s;
	struct cert *c;
	time_t now = time(NULL);

	pki_make(&p);
	expired = ca("Test Issuing CA", p.ki, p.r, p.kr, -2 * DAY, -DAY);
	put("a-current.pem", p.i);
	put("b-expired.pem", expired);
	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, now), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), p.i), 0);
	ck_assert(ends_with(c->built->links[0].passed_over, "/store/b-expired.pem"));
	certstore_cert_free(c);
	chain_store_free(s);

	newer = ca("Test Issuing CA", p.ki, p.r, p.kr, -DAY, 5 * YEAR);
	put("c-newer.pem", newer);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, now), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), newer), 0);
	ck_assert(ends_with(c->built->links[0].from, "/store/c-newer.pem"));
	ck_assert(ends_with(c->built->links[0].passed_over, "/store/a-current.pem"));
	certstore_cert_free(c);
	chain_store_free(s);
	X509_free(l);
	X509_free(expired);
	X509_free(newer);
	pki_free(&p);
}
END_TEST

/* A PFX's and a PEM's extra certificates count as imported: an empty store still gives
 * the full chain, the root the file carries is left out. */
START_TEST(test_chain_extras_imported)
{
	struct pki p;
	X509 *l, *extra[2];
	struct chain_store *s;
	struct cert *c;
	char path[256];

	pki_make(&p);
	l = leaf("a.test", p.kl, p.i, p.ki);
	s = store();
	ck_assert_uint_eq(chain_store_count(s), 0);
	/* the file's order is root first: the built chain is leaf-first anyway */
	extra[0] = p.r;
	extra[1] = p.i;
	c = load("a", l, extra, 2, p.kl);
	ck_assert_int_eq(sk_X509_num(c->chain), 2);
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), p.i), 0);
	ck_assert_int_eq(c->built->links[0].from_store, 0);
	ck_assert(ends_with(c->built->links[0].from, "/a.pem"));
	ck_assert_str_eq(c->built->root, "CN=Test Root,O=sysbind");
	certstore_cert_free(c);

	snprintf(path, sizeof(path), "%s/a.pfx", dir);
	ck_assert_int_eq(mint_write_pfx(l, p.kl, &p.i, 1, "pw", path, err, sizeof(err)), 0);
	c = certstore_load_pfx(path, "pw", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), p.i), 0);
	ck_assert(ends_with(c->built->links[0].from, "/a.pfx"));
	certstore_cert_free(c);
	chain_store_free(s);
	X509_free(l);
	pki_free(&p);
}
END_TEST

/* Two CAs that issued each other: the path stops instead of going round. */
START_TEST(test_chain_loop_stops)
{
	EVP_PKEY *ka = mint_key_new(), *kb = mint_key_new(), *kl = mint_key_new();
	X509 *seed = ca("Loop A", ka, NULL, NULL, -DAY, YEAR);
	X509 *b = ca("Loop B", kb, seed, ka, -DAY, YEAR);   /* B by A */
	X509 *a = ca("Loop A", ka, b, kb, -DAY, YEAR);      /* A by B */
	X509 *l = leaf("loop.test", kl, a, ka);
	struct chain_store *s;
	struct cert *c;

	put("a.pem", a);
	put("b.pem", b);
	c = load("loop", l, NULL, 0, kl);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 2);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), a), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 1), b), 0);
	ck_assert_str_eq(c->built->missing, "CN=Loop A,O=sysbind");
	certstore_cert_free(c);
	chain_store_free(s);
	X509_free(seed);
	X509_free(a);
	X509_free(b);
	X509_free(l);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kl);
}
END_TEST

/* The store: PEM bundles and DER read, other names ignored, a bad file named. */
START_TEST(test_chain_store_files)
{
	struct pki p;
	struct chain_store *s;
	char path[256];
	unsigned char *der = NULL;
	int n;
	FILE *f;
	X509 *two[2];
	const char *file = NULL;

	pki_make(&p);
	two[0] = p.i;
	two[1] = p.r;
	snprintf(path, sizeof(path), "%s/store/bundle.crt", dir);
	ck_assert_int_eq(mint_write_chain(two, 2, NULL, path, NULL, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/store/one.der", dir);
	n = i2d_X509(p.i, &der);
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(der, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	OPENSSL_free(der);
	snprintf(path, sizeof(path), "%s/store/readme.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("not read\n", f);
	fclose(f);
	s = store();
	ck_assert_uint_eq(chain_store_count(s), 3);
	ck_assert_ptr_nonnull(chain_store_cert(s, 0, &file));
	ck_assert(ends_with(file, "/store/bundle.crt"));
	ck_assert(ends_with(chain_store_dir(s), "/store"));
	ck_assert_ptr_null(chain_store_cert(s, 3, NULL));
	chain_store_free(s);

	/* two DER certificates one after the other: refused, not read as the first */
	snprintf(path, sizeof(path), "%s/store/two.der", dir);
	der = NULL;
	n = i2d_X509(p.r, &der);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(der, 1, (size_t)n, f), (size_t)n);
	ck_assert_uint_eq(fwrite(der, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	OPENSSL_free(der);
	snprintf(path, sizeof(path), "%s/store", dir);
	ck_assert_ptr_null(chain_store_load(path, err, sizeof(err)));
	snprintf(path, sizeof(path), "/store/two.der: %d bytes follow its DER certificate", n);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	snprintf(path, sizeof(path), "%s/store/two.der", dir);
	ck_assert_int_eq(unlink(path), 0);

	snprintf(path, sizeof(path), "%s/store/zz.pem", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("-----BEGIN NOTHING-----\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/store", dir);
	ck_assert_ptr_null(chain_store_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "/store/zz.pem: no certificate in it (PEM, DER or PKCS#7)") != NULL,
	    "%s", err);
	snprintf(path, sizeof(path), "%s/nowhere", dir);
	ck_assert_ptr_null(chain_store_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
	chain_store_free(NULL);
	pki_free(&p);
}
END_TEST

/* PKCS#7 bundles (.p7b, Windows' usual export of a chain), DER and PEM, as
 * `openssl crl2pkcs7 -nocrl` writes them: each certificate read, and the chain built
 * through them; a file of another name is listed as skipped (for conf to warn), a hidden
 * one is not. */
START_TEST(test_chain_store_p7b)
{
	struct pki p;
	struct chain_store *s;
	struct cert *c;
	char path[256], cmd[1024];
	const char *file = NULL;
	FILE *f;
	X509 *two[2], *l;

	pki_make(&p);
	two[0] = p.i;
	two[1] = p.r;
	snprintf(path, sizeof(path), "%s/both.pem", dir);
	ck_assert_int_eq(mint_write_chain(two, 2, NULL, path, NULL, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "openssl crl2pkcs7 -nocrl -certfile %s/both.pem -outform DER "
	    "-out %s/store/chain.p7b && openssl crl2pkcs7 -nocrl -certfile %s/both.pem "
	    "-out %s/store/pem.P7C", dir, dir, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/store/notes.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("not read\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/store/.hidden", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);

	s = store();
	ck_assert_uint_eq(chain_store_count(s), 4);
	ck_assert_int_eq(X509_cmp(chain_store_cert(s, 0, &file), p.i), 0);
	ck_assert(ends_with(file, "/store/chain.p7b"));
	ck_assert_int_eq(X509_cmp(chain_store_cert(s, 1, NULL), p.r), 0);
	ck_assert_int_eq(X509_cmp(chain_store_cert(s, 2, &file), p.i), 0);
	ck_assert(ends_with(file, "/store/pem.P7C"));
	ck_assert_ptr_nonnull(chain_store_skipped(s, 0));
	ck_assert(ends_with(chain_store_skipped(s, 0), "/store/notes.txt"));
	ck_assert_ptr_null(chain_store_skipped(s, 1));

	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), p.i), 0);
	ck_assert_str_eq(c->built->missing, "");
	certstore_cert_free(c);
	X509_free(l);
	chain_store_free(s);
	pki_free(&p);
}
END_TEST

/* A bundle whose second certificate is damaged (a line of its base64 cut): the file is
 * refused at that certificate's line, not read as its first one alone (the rest lost
 * without a word). */
START_TEST(test_chain_store_damaged_bundle)
{
	struct pki p;
	char path[256], *pem, *cut;
	char want[64];
	long len;
	int line = 1;
	FILE *f;
	X509 *two[2];

	pki_make(&p);
	two[0] = p.i;
	two[1] = p.r;
	snprintf(path, sizeof(path), "%s/store/bundle.pem", dir);
	ck_assert_int_eq(mint_write_chain(two, 2, NULL, path, NULL, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r+"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	pem = calloc(1, (size_t)len + 1);
	ck_assert_uint_eq(fread(pem, 1, (size_t)len, f), (size_t)len);
	/* the second block's first base64 line loses its first 8 characters */
	cut = strstr(strstr(pem, "-----END CERTIFICATE-----"), "-----BEGIN CERTIFICATE-----");
	ck_assert_ptr_nonnull(cut);
	for (const char *q = pem; q < cut; q++)
		line += *q == '\n';
	cut = strchr(cut, '\n') + 1;
	memmove(cut, cut + 8, strlen(cut + 8) + 1);
	rewind(f);
	ck_assert_int_eq(ftruncate(fileno(f), 0), 0);
	fputs(pem, f);
	fclose(f);
	free(pem);
	snprintf(path, sizeof(path), "%s/store", dir);
	ck_assert_ptr_null(chain_store_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "/store/bundle.pem:%d: certificate 2 cannot be read", line);
	ck_assert_msg(line > 1 && strstr(err, want) != NULL, "%s (want %s)", err, want);
	pki_free(&p);
}
END_TEST

/* A store of 0 files and no extras: the leaf alone, its issuer named as missing; without
 * an AIA URL the verdict is untrusted for every client, and the fix names the issuer. */
START_TEST(test_chain_empty_store_untrusted)
{
	struct pki p;
	struct chain_store *s;
	struct cert *c;
	X509 *l;
	X509_STORE *trust = X509_STORE_new();
	char why[512], fix[1024], lines[4][CHAIN_LINE_MAX];

	pki_make(&p);
	X509_STORE_add_cert(trust, p.r);
	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 0);
	ck_assert_str_eq(c->built->missing, "CN=Test Issuing CA,O=sysbind");
	ck_assert_int_eq(certstore_verdict(c, "a.test", trust, time(NULL), why, sizeof(why)),
	    VERDICT_UNTRUSTED);
	ck_assert_msg(strstr(why, "names no AIA URL") != NULL, "%s", why);
	chain_fix(c, VERDICT_UNTRUSTED, fix, sizeof(fix));
	ck_assert_msg(strstr(fix, "CN=Test Issuing CA") != NULL, "%s", fix);
	ck_assert_uint_eq(chain_sent_lines(c, lines, 4), 2);
	ck_assert_str_eq(lines[1], "then CN=Test Issuing CA,O=sysbind: not found");
	/* the issuer put in the store: ok */
	put("i.pem", p.i);
	chain_store_free(s);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(certstore_verdict(c, "a.test", trust, time(NULL), why, sizeof(why)),
	    VERDICT_OK);
	certstore_cert_free(c);
	chain_store_free(s);
	X509_STORE_free(trust);
	X509_free(l);
	pki_free(&p);
}
END_TEST

/* The stale intermediate: the same name and key cross-signed by an expired old root and
 * issued last is chosen; a client trusting the new root only, or the old one too, gets
 * stale-intermediate, and the fix names the file to remove. */
START_TEST(test_chain_stale_intermediate)
{
	struct pki p;
	EVP_PKEY *ko = mint_key_new();
	X509 *old, *cross, *l;
	struct chain_store *s;
	struct cert *c;
	X509_STORE *trust = X509_STORE_new(), *both = X509_STORE_new();
	char why[1024], fix[1024];
	size_t n;

	pki_make(&p);
	old = ca("Test Old Root", ko, NULL, NULL, -20 * YEAR, -DAY);
	cross = ca("Test Issuing CA", p.ki, old, ko, -DAY, 5 * YEAR);
	X509_STORE_add_cert(trust, p.r);
	X509_STORE_add_cert(both, p.r);
	X509_STORE_add_cert(both, old);
	put("current.pem", p.i);
	put("cross.pem", cross);
	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), cross), 0);
	ck_assert_int_eq(certstore_verdict(c, "a.test", trust, time(NULL), why, sizeof(why)),
	    VERDICT_STALE_INTERMEDIATE);
	ck_assert_msg(strstr(why, "/store/cross.pem") != NULL, "%s", why);
	ck_assert_int_eq(certstore_verdict(c, "a.test", both, time(NULL), why, sizeof(why)),
	    VERDICT_STALE_INTERMEDIATE);
	ck_assert_msg(strstr(why, "CN=Test Old Root,O=sysbind, which expired on") != NULL, "%s", why);
	chain_fix(c, VERDICT_STALE_INTERMEDIATE, fix, sizeof(fix));
	ck_assert_msg(strstr(fix, "remove the stale ") != NULL && strstr(fix, "/store/cross.pem")
	    != NULL && strstr(fix, "/store/current.pem") != NULL, "%s", fix);
	ck_assert_str_eq(certstore_verdict_name(VERDICT_STALE_INTERMEDIATE), "stale-intermediate");
	ck_assert_str_eq(certstore_verdict_name(VERDICT_INCOMPLETE_CHAIN), "incomplete-chain");
	ck_assert_ptr_nonnull(chain_clients(VERDICT_INCOMPLETE_CHAIN, &n));
	ck_assert_uint_eq(n, 4);
	ck_assert_ptr_null(chain_clients(VERDICT_OK, &n));
	ck_assert_uint_eq(n, 0);
	certstore_cert_free(c);
	chain_store_free(s);
	X509_STORE_free(trust);
	X509_STORE_free(both);
	X509_free(l);
	X509_free(old);
	X509_free(cross);
	EVP_PKEY_free(ko);
	pki_free(&p);
}
END_TEST

/* The same intermediate in two store files (i.pem and a copy i.cer, as an admin who
 * imported it twice has): one certificate, no rival.  A client that does not trust the
 * root gets untrusted (the root named), never "stale intermediate ... chosen over" its
 * own copy; the chain sends it once. */
START_TEST(test_chain_same_intermediate_twice)
{
	struct pki p;
	struct chain_store *s;
	struct cert *c;
	X509 *l;
	X509_STORE *other = X509_STORE_new();
	char why[1024];

	pki_make(&p);
	put("i.pem", p.i);
	put("i.cer", p.i);
	put("root.pem", p.r);
	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_uint_eq(chain_store_count(s), 3);
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_ptr_null(c->built->links[0].passed_over);
	ck_assert_int_eq(certstore_verdict(c, "a.test", other, time(NULL), why, sizeof(why)),
	    VERDICT_UNTRUSTED);
	ck_assert_msg(strstr(why, "the chain ends at the root CN=Test Root") != NULL, "%s", why);
	certstore_cert_free(c);
	chain_store_free(s);
	X509_STORE_free(other);
	X509_free(l);
	pki_free(&p);
}
END_TEST

/* A dup keeps the record; free(NULL) is a no-op. */
START_TEST(test_chain_dup)
{
	struct pki p;
	struct chain_store *s;
	struct cert *c, *d;
	X509 *l;

	pki_make(&p);
	put("i.pem", p.i);
	l = leaf("a.test", p.kl, p.i, p.ki);
	c = load("a", l, NULL, 0, p.kl);
	s = store();
	ck_assert_int_eq(chain_serve(c, s, time(NULL)), 0);
	d = certstore_cert_dup(c);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(d->built);
	ck_assert_str_eq(d->built->links[0].from, c->built->links[0].from);
	certstore_cert_free(d);
	certstore_cert_free(c);
	chain_built_free(NULL);
	chain_store_free(s);
	X509_free(l);
	pki_free(&p);
}
END_TEST

static Suite *
chain_suite(void)
{
	Suite *s = suite_create("chain");
	TCase *tc = tcase_create("chain");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_chain_by_name_root_never_sent);
	tcase_add_test(tc, test_chain_by_key_id);
	tcase_add_test(tc, test_chain_valid_preferred_then_newest);
	tcase_add_test(tc, test_chain_extras_imported);
	tcase_add_test(tc, test_chain_loop_stops);
	tcase_add_test(tc, test_chain_store_files);
	tcase_add_test(tc, test_chain_empty_store_untrusted);
	tcase_add_test(tc, test_chain_stale_intermediate);
	tcase_add_test(tc, test_chain_dup);
	tcase_add_test(tc, test_chain_store_damaged_bundle);
	tcase_add_test(tc, test_chain_store_p7b);
	tcase_add_test(tc, test_chain_same_intermediate_twice);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(chain_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
