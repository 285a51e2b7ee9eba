/*
 * Unit tests for certstore: loading PEM/PFX/thumbprint/CCS certificates, the facts
 * reported about them and the verdict a client would reach.  main() makes the demo
 * certificate set once with scripts/mkcerts.sh --demo in a temporary directory (tests run
 * from the repository root); every test then reads it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "model/certstore.h"

static char certdir[256];

/* DIR/name, from a small ring of buffers so several may appear in one call. */
static const char *
fx(const char *name)
{
	static char ring[8][512];
	static int next;
	char *p = ring[next++ % 8];

	snprintf(p, 512, "%.250s/%.250s", certdir, name);
	return p;
}

/* The thumbprint thumbprints.txt lists for a demo leaf. */
static void
thumb_of(const char *leaf, char out[41])
{
	FILE *f = fopen(fx("thumbprints.txt"), "r");
	char name[64], hash[64];

	ck_assert_ptr_nonnull(f);
	out[0] = '\0';
	while (fscanf(f, "%63s %63s", name, hash) == 2)
		if (strcmp(name, leaf) == 0)
			snprintf(out, 41, "%.40s", hash);
	fclose(f);
	ck_assert_uint_eq(strlen(out), 40);
}

/* What `openssl x509 -fingerprint -sha1` says, reduced to lowercase hex. */
static void
openssl_fingerprint(const char *path, char out[41])
{
	char cmd[600], line[256];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -fingerprint -sha1", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	pclose(p);
	for (const char *s = strchr(line, '=') + 1; *s && *s != '\n' && n < 40; s++)
		if (*s != ':')
			out[n++] = (char)(*s >= 'A' && *s <= 'F' ? *s - 'A' + 'a' : *s);
	out[n] = '\0';
}

static struct cert *
load(const char *leaf)
{
	char err[512] = "", pem[64], key[64];
	struct cert *c;

	snprintf(pem, sizeof(pem), "%s.pem", leaf);
	snprintf(key, sizeof(key), "%s.key", leaf);
	c = certstore_load_pem(fx(pem), fx(key), err, sizeof(err));
	ck_assert_msg(c != NULL, "loading %s: %s", leaf, err);
	return c;
}

/* ---------------------------------------------------------------- loading */

START_TEST(test_certstore_load_pem_separate_key)
{
	char err[512] = "";
	struct cert *c = certstore_load_pem(fx("sitev1.pem"), fx("sitev1.key"), err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_nonnull(c->x509);
	ck_assert_ptr_nonnull(c->key);
	ck_assert_ptr_nonnull(c->chain);
	ck_assert_int_eq(sk_X509_num(c->chain), 0);
	ck_assert_str_eq(c->path, fx("sitev1.pem"));
	ck_assert_str_eq(c->common_name, "sitev1.mysite.com");
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_load_pem_combined_file)
{
	char err[512] = "", want[41];
	struct cert *c = certstore_load_pem(fx("sitev1-combined.pem"), NULL, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_nonnull(c->key);
	thumb_of("sitev1", want);
	ck_assert_str_eq(c->thumbprint, want);
	certstore_cert_free(c);

	/* key_path equal to chain_path means the same thing. */
	c = certstore_load_pem(fx("sitev1-combined.pem"), fx("sitev1-combined.pem"), err,
	    sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_load_pem_key_mismatch_names_file)
{
	char err[512] = "", want[512];
	struct cert *c = certstore_load_pem(fx("sitev1.pem"), fx("sitev2.key"), err, sizeof(err));

	ck_assert_ptr_null(c);
	snprintf(want, sizeof(want), "%s: private key does not match certificate %s",
	    fx("sitev2.key"), fx("sitev1.pem"));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_certstore_load_pem_missing_file)
{
	char err[512] = "", want[512];

	ck_assert_ptr_null(certstore_load_pem(fx("nope.pem"), fx("sitev1.key"), err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", fx("nope.pem"));
	ck_assert_str_eq(err, want);

	ck_assert_ptr_null(certstore_load_pem(fx("sitev1.pem"), fx("nope.key"), err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", fx("nope.key"));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_certstore_load_pem_without_key_names_file)
{
	char err[512] = "";

	ck_assert_ptr_null(certstore_load_pem(fx("sitev1.pem"), NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, fx("sitev1.pem")) == err, "%s", err);
	ck_assert_msg(strstr(err, "no private key") != NULL, "%s", err);

	/* A key file is not a certificate file. */
	ck_assert_ptr_null(certstore_load_pem(fx("sitev1.key"), fx("sitev1.key"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "no PEM certificate") != NULL, "%s", err);
}
END_TEST

START_TEST(test_certstore_load_pfx_right_password)
{
	char err[512] = "", want[41];
	struct cert *c = certstore_load_pfx(fx("both.pfx"), "sysbind", err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_nonnull(c->key);
	ck_assert_str_eq(c->path, fx("both.pfx"));
	ck_assert_str_eq(c->common_name, "sitev1.mysite.com");
	ck_assert_uint_eq(c->nsans, 2);
	thumb_of("both", want);
	ck_assert_str_eq(c->thumbprint, want);
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_load_pfx_wrong_password)
{
	char err[512] = "", want[512];

	ck_assert_ptr_null(certstore_load_pfx(fx("both.pfx"), "wrong", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: wrong password or corrupt PKCS#12 file", fx("both.pfx"));
	ck_assert_str_eq(err, want);

	ck_assert_ptr_null(certstore_load_pfx(fx("both.pfx"), NULL, err, sizeof(err)));
	ck_assert_str_eq(err, want);

	ck_assert_ptr_null(certstore_load_pfx(fx("nope.pfx"), "sysbind", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", fx("nope.pfx"));
	ck_assert_str_eq(err, want);

	ck_assert_ptr_null(certstore_load_pfx(fx("sitev1.pem"), "sysbind", err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a PKCS#12") != NULL, "%s", err);
}
END_TEST

START_TEST(test_certstore_load_pfx_legacy_windows_ciphers)
{
	/* Older Windows exports PFX files with RC2/3DES, OpenSSL 3.0's "legacy" ciphers. */
	char err[512] = "", cmd[1200], want[41];
	struct cert *c;

	snprintf(cmd, sizeof(cmd), "openssl pkcs12 -export -legacy -in '%s' -inkey '%s' "
	    "-passout pass:old -out '%s/legacy-%d.pfx' 2>/dev/null", fx("sitev2.pem"),
	    fx("sitev2.key"), certdir, (int)getpid());
	if (system(cmd) != 0)
		return; /* this openssl cannot write one either: nothing to read */
	snprintf(cmd, sizeof(cmd), "legacy-%d.pfx", (int)getpid());
	c = certstore_load_pfx(fx(cmd), "old", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	thumb_of("sitev2", want);
	ck_assert_str_eq(c->thumbprint, want);
	certstore_cert_free(c);
	/* Twice, and a modern file after it: the legacy ciphers come and go cleanly. */
	c = certstore_load_pfx(fx(cmd), "old", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	certstore_cert_free(c);
	ck_assert_ptr_null(certstore_load_pfx(fx(cmd), "wrong", err, sizeof(err)));
	ck_assert_msg(strstr(err, "wrong password") != NULL, "%s", err);
	unlink(fx(cmd));
	c = certstore_load_pfx(fx("both.pfx"), "sysbind", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	certstore_cert_free(c);
}
END_TEST

/* ---------------------------------------------------------------- thumbprints */

START_TEST(test_certstore_find_thumbprint_upper_case)
{
	char err[512] = "", hash[41];
	struct cert *c;

	thumb_of("both", hash);
	for (char *p = hash; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	c = certstore_find_thumbprint(fx("store"), hash, "sysbind", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->path, fx("store/both.pem"));
	ck_assert_ptr_nonnull(c->key);
	ck_assert_uint_eq(c->nsans, 2);
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_find_thumbprint_with_spaces_and_colons)
{
	char err[512] = "", hash[41], spaced[200], coloned[200];
	struct cert *c;
	size_t n = 0, m = 0;

	thumb_of("sitev1", hash);
	/* As netsh users paste them: "7a bb 92 …", and as openssl prints them: "7A:BB:…". */
	for (int i = 0; i < 40; i += 2) {
		n += (size_t)snprintf(spaced + n, sizeof(spaced) - n, "%s%.2s", i ? " " : "  ",
		    hash + i);
		m += (size_t)snprintf(coloned + m, sizeof(coloned) - m, "%s%.2s", i ? ":" : "",
		    hash + i);
	}
	c = certstore_find_thumbprint(fx("store"), spaced, NULL, 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->path, fx("store/sitev1.pem"));
	ck_assert_str_eq(c->thumbprint, hash);
	certstore_cert_free(c);

	c = certstore_find_thumbprint(fx("store"), coloned, "sysbind", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_find_thumbprint_in_pfx)
{
	char err[512] = "", hash[41];
	struct cert *c;

	thumb_of("sitev2", hash);
	c = certstore_find_thumbprint(fx("store"), hash, "sysbind", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->path, fx("store/sitev2.pfx"));
	ck_assert_str_eq(c->common_name, "sitev2.mysite.com");
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_find_thumbprint_not_found)
{
	char err[512] = "", hash[41], want[512];

	thumb_of("expired", hash);
	ck_assert_ptr_null(certstore_find_thumbprint(fx("store"), hash, "sysbind", 0, err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "no certificate with thumbprint %s in %s", hash,
	    fx("store"));
	ck_assert_str_eq(err, want);

	ck_assert_ptr_null(certstore_find_thumbprint(fx("store"), "12345", NULL, 0, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "40 hexadecimal digits") != NULL, "%s", err);

	ck_assert_ptr_null(certstore_find_thumbprint(fx("nodir"), hash, NULL, 0, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", fx("nodir"));
	ck_assert_str_eq(err, want);
}
END_TEST

/* ---------------------------------------------------------------- CCS */

START_TEST(test_certstore_ccs_get_exact_and_case_insensitive)
{
	char err[512] = "";
	struct ccs *s = certstore_ccs_load(fx("ccs"), "ccs-secret", err, sizeof(err));
	const struct cert *c, *w;

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(certstore_ccs_dir(s), fx("ccs"));
	c = certstore_ccs_get(s, "sitev2.mysite.com");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->common_name, "sitev2.mysite.com");
	ck_assert_ptr_nonnull(c->key);
	ck_assert_ptr_eq(certstore_ccs_get(s, "SiteV2.MySite.COM"), c);
	w = certstore_ccs_get(s, "_.mysite.com");
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(w->nsans, 1);
	ck_assert_str_eq(w->sans[0], "*.mysite.com");
	ck_assert_ptr_nonnull(certstore_ccs_get(s, "sitev1.mysite.com"));
	certstore_ccs_free(s);
}
END_TEST

START_TEST(test_certstore_ccs_get_missing)
{
	char err[512] = "";
	struct ccs *s = certstore_ccs_load(fx("ccs"), "ccs-secret", err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_ptr_null(certstore_ccs_get(s, "sitev3.mysite.com"));
	ck_assert_ptr_null(certstore_ccs_get(s, "sitev2.mysite"));
	ck_assert_ptr_null(certstore_ccs_get(s, "sitev2.mysite.com.pfx"));
	ck_assert_ptr_null(certstore_ccs_get(NULL, "sitev2.mysite.com"));
	certstore_ccs_free(s);
	certstore_ccs_free(NULL);
}
END_TEST

START_TEST(test_certstore_ccs_load_wrong_password_names_file)
{
	char err[512] = "";

	ck_assert_ptr_null(certstore_ccs_load(fx("ccs"), "sysbind", err, sizeof(err)));
	ck_assert_msg(strstr(err, fx("ccs/")) == err, "%s", err);
	ck_assert_msg(strstr(err, ".pfx: wrong password or corrupt PKCS#12 file") != NULL,
	    "%s", err);

	ck_assert_ptr_null(certstore_ccs_load(fx("noccs"), "x", err, sizeof(err)));
	ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
}
END_TEST

/* ---------------------------------------------------------------- facts */

START_TEST(test_certstore_facts)
{
	struct cert *c = load("both");
	char fp[41];
	time_t now = time(NULL);

	ck_assert_str_eq(c->subject, "CN=sitev1.mysite.com");
	ck_assert_str_eq(c->issuer, "CN=sysbind demo CA");
	ck_assert_str_eq(c->common_name, "sitev1.mysite.com");
	ck_assert_uint_eq(c->nsans, 2);
	ck_assert_str_eq(c->sans[0], "sitev1.mysite.com");
	ck_assert_str_eq(c->sans[1], "sitev2.mysite.com");
	openssl_fingerprint(fx("both.pem"), fp);
	ck_assert_uint_eq(strlen(fp), 40);
	ck_assert_str_eq(c->thumbprint, fp);
	ck_assert(c->not_before <= now && now < c->not_after);
	certstore_cert_free(c);

	c = load("wildcard");
	ck_assert_str_eq(c->common_name, "*.mysite.com");
	ck_assert_uint_eq(c->nsans, 1);
	ck_assert_str_eq(c->sans[0], "*.mysite.com");
	certstore_cert_free(c);

	c = load("localhost");
	ck_assert_uint_eq(c->nsans, 1); /* DNS names only: the IP SAN is not listed */
	ck_assert_str_eq(c->sans[0], "localhost");
	certstore_cert_free(c);

	c = load("cnonly");
	ck_assert_uint_eq(c->nsans, 0);
	ck_assert_str_eq(c->common_name, "sitev1.mysite.com");
	certstore_cert_free(c);

	c = load("selfsigned");
	ck_assert_str_eq(c->issuer, "CN=sitev1.mysite.com");
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_facts_dates)
{
	struct cert *c = load("expired");

	ck_assert_int_eq((long long)c->not_before, 1577836800LL); /* 2020-01-01 00:00:00Z */
	ck_assert_int_eq((long long)c->not_after, 1609459200LL);  /* 2021-01-01 00:00:00Z */
	certstore_cert_free(c);

	c = load("notyet");
	ck_assert_int_eq((long long)c->not_before, 3786912000LL); /* 2090-01-01 00:00:00Z */
	certstore_cert_free(c);
}
END_TEST

/* ---------------------------------------------------------------- verdicts */

static X509_STORE *
trust_ca(void)
{
	char err[512] = "";
	X509_STORE *st = certstore_trust_load(fx("ca.pem"), err, sizeof(err));

	ck_assert_msg(st != NULL, "%s", err);
	return st;
}

START_TEST(test_certstore_verdict_ok)
{
	struct cert *c = load("sitev1");
	X509_STORE *st = trust_ca();
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_OK);
	ck_assert_msg(strstr(why, "sitev1.mysite.com") != NULL, "%s", why);
	/* Host names compare case-insensitively, and why may be NULL. */
	ck_assert_int_eq(certstore_verdict(c, "SITEV1.mysite.com", st, time(NULL), NULL, 0),
	    VERDICT_OK);
	X509_STORE_free(st);
	certstore_cert_free(c);

	c = load("both");
	ck_assert_int_eq(certstore_verdict(c, "sitev2.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_OK);
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_verdict_name_mismatch)
{
	struct cert *c = load("sitev1");
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(c, "sitev2.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_NAME_MISMATCH);
	ck_assert_str_eq(why, "certificate names sitev1.mysite.com, not sitev2.mysite.com");
	certstore_cert_free(c);

	c = load("both");
	ck_assert_int_eq(certstore_verdict(c, "sitev3.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_NAME_MISMATCH);
	ck_assert_str_eq(why, "certificate names sitev1.mysite.com and sitev2.mysite.com, "
	    "not sitev3.mysite.com");
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_verdict_wildcard)
{
	struct cert *c = load("wildcard");
	X509_STORE *st = trust_ca();
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(c, "a.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_OK);
	ck_assert_int_eq(certstore_verdict(c, "sitev2.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_OK);
	ck_assert_int_eq(certstore_verdict(c, "a.b.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_NAME_MISMATCH);
	ck_assert_msg(strstr(why, "*.mysite.com") != NULL && strstr(why, "a.b.mysite.com"),
	    "%s", why);
	ck_assert_int_eq(certstore_verdict(c, "mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_NAME_MISMATCH);
	ck_assert_msg(strstr(why, "not mysite.com") != NULL, "%s", why);
	X509_STORE_free(st);
	certstore_cert_free(c);
}
END_TEST

/* The last name check is remembered per thread (keyed by thumbprint and host): asking
 * again, with another host, another certificate, or the same host after others, answers
 * as the first time. */
START_TEST(test_certstore_verdict_repeated)
{
	struct cert *a = load("sitev1"), *b = load("both");

	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(certstore_verdict(a, "sitev1.mysite.com", NULL, time(NULL), NULL,
		    0), VERDICT_OK);
		ck_assert_int_eq(certstore_verdict(a, "sitev1.mysite.com", NULL, time(NULL), NULL,
		    0), VERDICT_OK);
		ck_assert_int_eq(certstore_verdict(a, "sitev2.mysite.com", NULL, time(NULL), NULL,
		    0), VERDICT_NAME_MISMATCH);
		ck_assert_int_eq(certstore_verdict(b, "sitev2.mysite.com", NULL, time(NULL), NULL,
		    0), VERDICT_OK);
		ck_assert_int_eq(certstore_verdict(a, "sitev2.mysite.com", NULL, time(NULL), NULL,
		    0), VERDICT_NAME_MISMATCH);
		ck_assert_int_eq(certstore_verdict(a, "127.0.0.1", NULL, time(NULL), NULL, 0),
		    VERDICT_NAME_MISMATCH);
	}
	certstore_cert_free(a);
	certstore_cert_free(b);
}
END_TEST

START_TEST(test_certstore_verdict_cn_only)
{
	struct cert *c = load("cnonly");
	char why[256] = "";

	/* With no subjectAltName at all, the CN is the name. */
	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_OK);
	ck_assert_int_eq(certstore_verdict(c, "sitev2.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_NAME_MISMATCH);
	ck_assert_str_eq(why, "certificate names sitev1.mysite.com, not sitev2.mysite.com");
	certstore_cert_free(c);

	/* An IP literal is checked against the IP subjectAltNames. */
	c = load("localhost");
	ck_assert_int_eq(certstore_verdict(c, "127.0.0.1", NULL, time(NULL), why, sizeof(why)),
	    VERDICT_OK);
	ck_assert_int_eq(certstore_verdict(c, "127.0.0.2", NULL, time(NULL), why, sizeof(why)),
	    VERDICT_NAME_MISMATCH);
	ck_assert_str_eq(why, "certificate names 127.0.0.1, not 127.0.0.2");
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_verdict_expired)
{
	struct cert *c = load("expired");
	X509_STORE *st = trust_ca();
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_EXPIRED);
	ck_assert_str_eq(why, "certificate expired on 2021-01-01 00:00:00 UTC");
	/* The name is judged first. */
	ck_assert_int_eq(certstore_verdict(c, "sitev2.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_NAME_MISMATCH);
	/* At a time inside its dates the same certificate is fine, chain included. */
	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", st, 1590000000, why,
	    sizeof(why)), VERDICT_OK);
	X509_STORE_free(st);
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_verdict_not_yet_valid)
{
	struct cert *c = load("notyet");
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_NOT_YET_VALID);
	ck_assert_str_eq(why, "certificate is not valid before 2090-01-01 00:00:00 UTC");
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_verdict_untrusted)
{
	struct cert *c = load("selfsigned");
	X509_STORE *st = trust_ca();
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_UNTRUSTED);
	ck_assert_msg(strstr(why, "self-signed") != NULL, "%s", why);
	/* Trust NULL: the chain is not checked at all. */
	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_OK);
	X509_STORE_free(st);
	certstore_cert_free(c);

	/* A CA-signed leaf judged against roots that do not include the CA. */
	c = load("sitev1");
	{
		char err[512] = "";

		st = certstore_trust_load(fx("selfsigned.pem"), err, sizeof(err));
		ck_assert_msg(st != NULL, "%s", err);
	}
	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", st, time(NULL), why,
	    sizeof(why)), VERDICT_UNTRUSTED);
	ck_assert_msg(strstr(why, "CN=sysbind demo CA") != NULL, "%s", why);
	X509_STORE_free(st);
	certstore_cert_free(c);
}
END_TEST

/* Without why the verdict is decided without its sentence: the same verdict, every case. */
START_TEST(test_certstore_verdict_same_without_why)
{
	static const char *const leaves[] = { "sitev1", "both", "expired", "notyet",
	    "selfsigned", "cnonly", "wildcard" };
	static const char *const hosts[] = { "sitev1.mysite.com", "sitev2.mysite.com",
	    "a.mysite.com", "a.b.mysite.com", "127.0.0.1", "", NULL };
	static const time_t times[] = { 0, 1590000000 };
	X509_STORE *st = trust_ca();
	char why[512];

	for (size_t l = 0; l < sizeof(leaves) / sizeof(leaves[0]); l++) {
		struct cert *c = load(leaves[l]);

		for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++)
			for (size_t t = 0; t < 2; t++)
				for (int tr = 0; tr < 2; tr++) {
					time_t now = times[t] != 0 ? times[t] : time(NULL);
					X509_STORE *s = tr ? st : NULL;

					ck_assert_int_eq(certstore_verdict(c, hosts[h], s, now, NULL, 0),
					    certstore_verdict(c, hosts[h], s, now, why, sizeof(why)));
				}
		certstore_cert_free(c);
	}
	ck_assert_int_eq(certstore_verdict(NULL, "sitev1.mysite.com", st, time(NULL), NULL, 0),
	    VERDICT_NO_CERTIFICATE);
	X509_STORE_free(st);
}
END_TEST

START_TEST(test_certstore_verdict_empty_host_skips_name)
{
	struct cert *c = load("sitev1");
	X509_STORE *st = trust_ca();
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(c, "", st, time(NULL), why, sizeof(why)),
	    VERDICT_OK);
	ck_assert_msg(strstr(why, "chains to a trusted root") != NULL, "%s", why);
	ck_assert_int_eq(certstore_verdict(c, NULL, NULL, time(NULL), why, sizeof(why)),
	    VERDICT_OK);
	ck_assert_msg(strstr(why, "chain not checked") != NULL, "%s", why);
	X509_STORE_free(st);
	certstore_cert_free(c);

	c = load("expired");
	ck_assert_int_eq(certstore_verdict(c, "", NULL, time(NULL), why, sizeof(why)),
	    VERDICT_EXPIRED);
	certstore_cert_free(c);
}
END_TEST

START_TEST(test_certstore_verdict_no_certificate)
{
	char why[256] = "";

	ck_assert_int_eq(certstore_verdict(NULL, "sitev1.mysite.com", NULL, time(NULL), why,
	    sizeof(why)), VERDICT_NO_CERTIFICATE);
	ck_assert_msg(why[0] != '\0', "empty why");
}
END_TEST

START_TEST(test_certstore_verdict_names)
{
	ck_assert_str_eq(certstore_verdict_name(VERDICT_OK), "ok");
	ck_assert_str_eq(certstore_verdict_name(VERDICT_NAME_MISMATCH), "name-mismatch");
	ck_assert_str_eq(certstore_verdict_name(VERDICT_EXPIRED), "expired");
	ck_assert_str_eq(certstore_verdict_name(VERDICT_NOT_YET_VALID), "not-yet-valid");
	ck_assert_str_eq(certstore_verdict_name(VERDICT_UNTRUSTED), "untrusted");
	ck_assert_str_eq(certstore_verdict_name(VERDICT_NO_CERTIFICATE), "no-certificate");
}
END_TEST

/* ---------------------------------------------------------------- trust, errors */

START_TEST(test_certstore_trust_load_directory)
{
	char err[512] = "", cmd[1200];
	X509_STORE *st;
	struct cert *c;

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/roots-%d' && cp '%s' '%s/roots-%d/'",
	    certdir, (int)getpid(), fx("ca.pem"), certdir, (int)getpid());
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "roots-%d", (int)getpid());
	st = certstore_trust_load(fx(cmd), err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	c = load("sitev1");
	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", st, time(NULL), NULL, 0),
	    VERDICT_OK);
	certstore_cert_free(c);
	X509_STORE_free(st);

	ck_assert_ptr_null(certstore_trust_load(fx("nope.pem"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
	ck_assert_ptr_null(certstore_trust_load(fx("ca.key"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "no PEM certificate") != NULL, "%s", err);
}
END_TEST

START_TEST(test_certstore_ssl_errors_drains_queue)
{
	char buf[256] = "x";
	BIO *b = BIO_new_mem_buf("-----BEGIN CERTIFICATE-----\nnot base64!\n"
	    "-----END CERTIFICATE-----\n", -1);

	ck_assert_ptr_null(PEM_read_bio_X509(b, NULL, NULL, NULL));
	BIO_free(b);
	certstore_ssl_errors(buf, sizeof(buf));
	ck_assert_msg(buf[0] != '\0', "no reasons drained");
	ck_assert_uint_eq(ERR_peek_error(), 0);
	certstore_ssl_errors(buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	certstore_ssl_errors(buf, 0); /* nothing written, nothing crashes */
}
END_TEST

/* ---- client certificates (issue 14) ---- */

/* The verdict on a demo client certificate, its chain as the client sends it. */
static enum cert_chain_verdict
client_verdict(const char *leaf, X509_STORE *trust, STACK_OF(X509_CRL) *crls,
    unsigned flags, unsigned long freshness, time_t now, char *why, size_t whylen)
{
	struct cert *c = load(leaf);
	enum cert_chain_verdict v;

	ck_assert_int_ge(sk_X509_num(c->chain), strcmp(leaf, "client-unknown") == 0 ? 0 : 1);
	v = certstore_client_verdict(c->x509, c->chain, trust, crls, flags, freshness, now,
	    why, whylen);
	certstore_cert_free(c);
	return v;
}

static X509_STORE *
demo_trust(void)
{
	char err[512];
	X509_STORE *t = certstore_trust_load(fx("ca.pem"), err, sizeof(err));

	ck_assert_msg(t != NULL, "%s", err);
	return t;
}

static STACK_OF(X509_CRL) *
demo_crls(void)
{
	char err[512];
	STACK_OF(X509_CRL) *s = certstore_crl_load(fx("clientca.crl"), err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sk_X509_CRL_num(s), 1);
	return s;
}

#define ALL_CHECKS (CERTSTORE_CHECK_REVOCATION | CERTSTORE_CHECK_USAGE)

START_TEST(test_certstore_client_verdict_ok)
{
	X509_STORE *t = demo_trust();
	STACK_OF(X509_CRL) *crls = demo_crls();
	char why[512];

	ck_assert_int_eq(client_verdict("client", t, crls, ALL_CHECKS, 0, time(NULL), why,
	    sizeof(why)), CHAIN_OK);
	ck_assert_msg(strstr(why, "CN=client.alice chains to a trusted root") != NULL, "%s", why);
	ck_assert_msg(strstr(why, "; not revoked") != NULL, "%s", why);
	/* no CRL at all: good, and said not checked */
	ck_assert_int_eq(client_verdict("client", t, NULL, ALL_CHECKS, 0, time(NULL), why,
	    sizeof(why)), CHAIN_OK);
	ck_assert_msg(strstr(why, "revocation not checked (no [server] crl") != NULL, "%s", why);
	X509_STORE_free(t);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
}
END_TEST

START_TEST(test_certstore_client_verdict_expired)
{
	X509_STORE *t = demo_trust();
	char why[512];

	ck_assert_int_eq(client_verdict("client-expired", t, NULL, ALL_CHECKS, 0, time(NULL),
	    why, sizeof(why)), CHAIN_EXPIRED);
	ck_assert_msg(strstr(why, "the certificate CN=client.expired expired on 2021-01-01") !=
	    NULL, "%s", why);
	/* before its notBefore: not yet valid */
	ck_assert_int_eq(client_verdict("client-expired", t, NULL, ALL_CHECKS, 0,
	    (time_t)1500000000, why, sizeof(why)), CHAIN_NOT_YET_VALID);
	ck_assert_msg(strstr(why, "is not valid before 2020-01-01") != NULL, "%s", why);
	ck_assert_uint_eq(certstore_chain_verdict_win32(CHAIN_EXPIRED), 2148204801UL);
	ck_assert_uint_eq(certstore_chain_verdict_win32(CHAIN_NOT_YET_VALID), 2148204801UL);
	X509_STORE_free(t);
}
END_TEST

START_TEST(test_certstore_client_verdict_untrusted)
{
	X509_STORE *t = demo_trust();
	X509_STORE *other;
	char why[512], err[512];

	ck_assert_int_eq(client_verdict("client-unknown", t, NULL, ALL_CHECKS, 0, time(NULL),
	    why, sizeof(why)), CHAIN_UNTRUSTED);
	ck_assert_msg(strstr(why, "issued by CN=sysbind unknown CA, which is not trusted") !=
	    NULL, "%s", why);
	ck_assert_uint_eq(certstore_chain_verdict_win32(CHAIN_UNTRUSTED), 2148204809UL);
	/* nothing trusted at all */
	ck_assert_int_eq(client_verdict("client", NULL, NULL, ALL_CHECKS, 0, time(NULL), why,
	    sizeof(why)), CHAIN_UNTRUSTED);
	ck_assert_msg(strstr(why, "no trusted roots are configured") != NULL, "%s", why);
	/* untrusted wins over expired: the dates of a chain nobody vouches for say nothing */
	other = certstore_trust_load(fx("sitev1.pem"), err, sizeof(err));
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(client_verdict("client-expired", other, NULL, ALL_CHECKS, 0,
	    time(NULL), why, sizeof(why)), CHAIN_UNTRUSTED);
	X509_STORE_free(other);
	X509_STORE_free(t);
}
END_TEST

START_TEST(test_certstore_client_verdict_revoked)
{
	X509_STORE *t = demo_trust();
	STACK_OF(X509_CRL) *crls = demo_crls();
	char why[512];

	ck_assert_int_eq(client_verdict("client-revoked", t, crls, ALL_CHECKS, 0, time(NULL),
	    why, sizeof(why)), CHAIN_REVOKED);
	ck_assert_msg(strstr(why, "the certificate CN=client.revoked was revoked on ") != NULL &&
	    strstr(why, "(the CRL of CN=sysbind demo client CA lists it)") != NULL, "%s", why);
	ck_assert_uint_eq(certstore_chain_verdict_win32(CHAIN_REVOKED), 2148081680UL);
	ck_assert_str_eq(certstore_chain_verdict_name(CHAIN_REVOKED), "revoked");
	/* verifyclientcertrevocation = disable: not looked at */
	ck_assert_int_eq(client_verdict("client-revoked", t, crls, CERTSTORE_CHECK_USAGE, 0,
	    time(NULL), why, sizeof(why)), CHAIN_OK);
	ck_assert_msg(strstr(why, "revocation not checked (verifyclientcertrevocation = "
	    "disable)") != NULL, "%s", why);
	/* no CRL given: sysbind fetches none, so it cannot know */
	ck_assert_int_eq(client_verdict("client-revoked", t, NULL, ALL_CHECKS, 0, time(NULL),
	    why, sizeof(why)), CHAIN_OK);
	X509_STORE_free(t);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
}
END_TEST

/* revocationfreshnesstime: a CRL issued longer ago than that is stale, and what it covers
 * has an unknown revocation status (Windows: CRYPT_E_REVOCATION_OFFLINE, a 403.16). */
START_TEST(test_certstore_client_verdict_stale_crl)
{
	X509_STORE *t = demo_trust();
	STACK_OF(X509_CRL) *crls = demo_crls();
	char why[600];
	time_t later = time(NULL) + 7200;

	ck_assert_int_eq(client_verdict("client", t, crls, ALL_CHECKS, 60, later, why,
	    sizeof(why)), CHAIN_UNTRUSTED);
	ck_assert_msg(strstr(why, "the revocation status of CN=client.alice cannot be known: the "
	    "CRL of CN=sysbind demo client CA is older than revocationfreshnesstime (60 s)") !=
	    NULL, "%s", why);
	/* fresh enough */
	ck_assert_int_eq(client_verdict("client", t, crls, ALL_CHECKS, 86400, later, why,
	    sizeof(why)), CHAIN_OK);
	/* 0: good until its nextUpdate */
	ck_assert_int_eq(client_verdict("client", t, crls, ALL_CHECKS, 0, later, why,
	    sizeof(why)), CHAIN_OK);
	X509_STORE_free(t);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
}
END_TEST

START_TEST(test_certstore_client_verdict_usage)
{
	X509_STORE *t = demo_trust();
	char why[600];

	ck_assert_int_eq(client_verdict("client-serverauth", t, NULL, ALL_CHECKS, 0,
	    time(NULL), why, sizeof(why)), CHAIN_UNTRUSTED);
	ck_assert_msg(strstr(why, "CN=client.serverauth is not allowed for client "
	    "authentication") != NULL, "%s", why);
	ck_assert_int_eq(client_verdict("client-serverauth", t, NULL,
	    CERTSTORE_CHECK_REVOCATION, 0, time(NULL), why, sizeof(why)), CHAIN_OK);
	/* a server certificate (serverAuth only) from the server CA, likewise */
	ck_assert_int_eq(certstore_client_verdict(NULL, NULL, t, NULL, 0, 0, time(NULL), why,
	    sizeof(why)), CHAIN_UNTRUSTED);
	ck_assert_str_eq(why, "no client certificate");
	X509_STORE_free(t);
}
END_TEST

START_TEST(test_certstore_crl_load_forms)
{
	char err[600], dir[600], cmd[3000];
	STACK_OF(X509_CRL) *s;

	/* a file without a CRL, a missing file */
	ck_assert_ptr_null(certstore_crl_load(fx("ca.pem"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "ca.pem: no certificate revocation list in it") != NULL, "%s",
	    err);
	ck_assert_ptr_null(certstore_crl_load(fx("nope.crl"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
	/* DER, and a directory of CRLs */
	snprintf(dir, sizeof(dir), "%s", fx("crls"));
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && openssl crl -in '%s' -outform DER -out "
	    "'%s/clientca.der' && cp '%s' '%s/a.r0'", dir, fx("clientca.crl"), dir,
	    fx("clientca.crl"), dir);
	ck_assert_int_eq(system(cmd), 0);
	s = certstore_crl_load(dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sk_X509_CRL_num(s), 2);
	sk_X509_CRL_pop_free(s, X509_CRL_free);
	/* an empty directory is an error */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/empty'", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/empty", dir);
	ck_assert_ptr_null(certstore_crl_load(cmd, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no certificate revocation lists") != NULL, "%s", err);
}
END_TEST

START_TEST(test_certstore_ca_names_load)
{
	char err[600], name[256];
	STACK_OF(X509_NAME) *s = certstore_ca_names_load(fx("ClientAuthIssuer"), err,
	    sizeof(err));
	char *one;

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sk_X509_NAME_num(s), 1);
	one = X509_NAME_oneline(sk_X509_NAME_value(s, 0), name, sizeof(name));
	ck_assert_str_eq(one, "/CN=sysbind demo client CA");
	sk_X509_NAME_pop_free(s, X509_NAME_free);
	/* a bundle file, its repeats left out */
	s = certstore_ca_names_load(fx("client.pem"), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sk_X509_NAME_num(s), 2);
	sk_X509_NAME_pop_free(s, X509_NAME_free);
	ck_assert_ptr_null(certstore_ca_names_load(fx("store/nope"), err, sizeof(err)));
	ck_assert_ptr_null(certstore_ca_names_load(fx("ccs"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "no CA certificates") != NULL, "%s", err);
}
END_TEST

/* nginx's ssl_session_ticket_key files: 48 or 80 bytes a key, one or more a file. */
START_TEST(test_certstore_ticket_keys_sizes)
{
	static const struct { size_t len; int ok; size_t keys; } cases[] = {
		{ 48, 1, 1 }, { 80, 1, 1 }, { 96, 1, 2 }, { 160, 1, 2 }, { 400, 1, 5 },
		{ 240, 0, 0 }, { 50, 0, 0 }, { 0, 0, 0 },
	};
	struct certstore_ticket_key *k = NULL;
	size_t n = 0, i, total = 0, b;
	char path[600], err[600];
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s", fx("tickets.key"));
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		for (b = 0; b < cases[i].len; b++)
			fputc((int)(b % 251), f);
		fclose(f);
		err[0] = '\0';
		ck_assert_int_eq(certstore_ticket_keys_load(path, &k, &n, err, sizeof(err)),
		    cases[i].ok ? 0 : -1);
		total += cases[i].keys;
		ck_assert_uint_eq(n, total);
		if (!cases[i].ok)
			ck_assert_msg(strstr(err, "tickets.key: ") != NULL, "%s", err);
	}
	ck_assert_msg(strstr(err, "0 bytes") != NULL, "%s", err);
	/* the first file's key: name, AES, HMAC (48); the second's: name, HMAC, AES (80) */
	ck_assert_uint_eq(k[0].size, 48);
	ck_assert_uint_eq(k[0].aes_len, 16);
	ck_assert_int_eq(k[0].name[15], 15);
	ck_assert_int_eq(k[0].aes[0], 16);
	ck_assert_int_eq(k[0].hmac[0], 32);
	ck_assert_uint_eq(k[1].size, 80);
	ck_assert_uint_eq(k[1].aes_len, 32);
	ck_assert_int_eq(k[1].hmac[0], 16);
	ck_assert_int_eq(k[1].aes[0], 48);
	/* the third: two 48-byte keys one after the other */
	ck_assert_uint_eq(k[2].size, 48);
	ck_assert_int_eq(k[3].name[0], 48);
	certstore_ticket_keys_free(k, n);
	certstore_ticket_keys_free(NULL, 0);
	/* 240 bytes: said why */
	f = fopen(path, "w");
	for (b = 0; b < 240; b++)
		fputc(1, f);
	fclose(f);
	k = NULL;
	n = 0;
	ck_assert_int_eq(certstore_ticket_keys_load(path, &k, &n, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "could be 5 keys of 48 bytes or 3 of 80") != NULL, "%s", err);
	ck_assert_ptr_null(k);
}
END_TEST

/* A PEM file whose second certificate is damaged (a line of its base64 cut): the leaf's
 * file and a trust bundle are refused at that certificate's line, not read as their first
 * certificate alone (a chain sent short, a root left out, without a word). */
START_TEST(test_certstore_pem_damaged_block)
{
	char path[] = "/tmp/check_certstore_damaged.XXXXXX", want[128], err[1024], *pem, *cut;
	FILE *in = fopen(fx("sitev1.pem"), "r");
	size_t n;
	int fd, line = 1;
	struct cert *c;

	ck_assert_ptr_nonnull(in);
	pem = calloc(1, 65536);
	n = fread(pem, 1, 32767, in);
	fclose(in);
	ck_assert_uint_gt(n, 0);
	memcpy(pem + n, pem, n);   /* the certificate twice: the second stands for a CA */
	cut = strstr(pem + n, "-----BEGIN CERTIFICATE-----");
	ck_assert_ptr_nonnull(cut);
	for (const char *q = pem; q < cut; q++)
		line += *q == '\n';
	cut = strchr(cut, '\n') + 1;
	memmove(cut, cut + 8, strlen(cut + 8) + 1);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, pem, strlen(pem)), (int)strlen(pem));
	close(fd);
	free(pem);
	snprintf(want, sizeof(want), "%s:%d: certificate 2 cannot be read", path, line);
	c = certstore_load_pem(path, fx("sitev1.key"), err, sizeof(err));
	ck_assert_msg(c == NULL && strstr(err, want) != NULL, "%s (want %s)", err, want);
	err[0] = '\0';
	c = certstore_load_public(path, err, sizeof(err));
	ck_assert_msg(c == NULL && strstr(err, want) != NULL, "%s (want %s)", err, want);
	err[0] = '\0';
	ck_assert_ptr_null(certstore_trust_load(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, want) != NULL, "%s (want %s)", err, want);
	unlink(path);
}
END_TEST

static Suite *
certstore_suite(void)
{
	Suite *s = suite_create("certstore");
	TCase *tc = tcase_create("certstore");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_certstore_load_pem_separate_key);
	tcase_add_test(tc, test_certstore_load_pem_combined_file);
	tcase_add_test(tc, test_certstore_load_pem_key_mismatch_names_file);
	tcase_add_test(tc, test_certstore_load_pem_missing_file);
	tcase_add_test(tc, test_certstore_load_pem_without_key_names_file);
	tcase_add_test(tc, test_certstore_load_pfx_right_password);
	tcase_add_test(tc, test_certstore_load_pfx_wrong_password);
	tcase_add_test(tc, test_certstore_load_pfx_legacy_windows_ciphers);
	tcase_add_test(tc, test_certstore_find_thumbprint_upper_case);
	tcase_add_test(tc, test_certstore_find_thumbprint_with_spaces_and_colons);
	tcase_add_test(tc, test_certstore_find_thumbprint_in_pfx);
	tcase_add_test(tc, test_certstore_find_thumbprint_not_found);
	tcase_add_test(tc, test_certstore_ccs_get_exact_and_case_insensitive);
	tcase_add_test(tc, test_certstore_ccs_get_missing);
	tcase_add_test(tc, test_certstore_ccs_load_wrong_password_names_file);
	tcase_add_test(tc, test_certstore_facts);
	tcase_add_test(tc, test_certstore_facts_dates);
	tcase_add_test(tc, test_certstore_verdict_ok);
	tcase_add_test(tc, test_certstore_verdict_name_mismatch);
	tcase_add_test(tc, test_certstore_verdict_wildcard);
	tcase_add_test(tc, test_certstore_verdict_repeated);
	tcase_add_test(tc, test_certstore_verdict_cn_only);
	tcase_add_test(tc, test_certstore_verdict_expired);
	tcase_add_test(tc, test_certstore_verdict_not_yet_valid);
	tcase_add_test(tc, test_certstore_verdict_untrusted);
	tcase_add_test(tc, test_certstore_verdict_empty_host_skips_name);
	tcase_add_test(tc, test_certstore_verdict_same_without_why);
	tcase_add_test(tc, test_certstore_verdict_no_certificate);
	tcase_add_test(tc, test_certstore_verdict_names);
	tcase_add_test(tc, test_certstore_trust_load_directory);
	tcase_add_test(tc, test_certstore_ssl_errors_drains_queue);
	tcase_add_test(tc, test_certstore_client_verdict_ok);
	tcase_add_test(tc, test_certstore_client_verdict_expired);
	tcase_add_test(tc, test_certstore_client_verdict_untrusted);
	tcase_add_test(tc, test_certstore_client_verdict_revoked);
	tcase_add_test(tc, test_certstore_client_verdict_stale_crl);
	tcase_add_test(tc, test_certstore_client_verdict_usage);
	tcase_add_test(tc, test_certstore_crl_load_forms);
	tcase_add_test(tc, test_certstore_ca_names_load);
	tcase_add_test(tc, test_certstore_ticket_keys_sizes);
	tcase_add_test(tc, test_certstore_pem_damaged_block);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char cmd[600];
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	snprintf(certdir, sizeof(certdir), "%s/check_certstore.XXXXXX",
	    tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(certdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* Made once, before any test forks: every test reads the same set. */
	snprintf(cmd, sizeof(cmd), "scripts/mkcerts.sh --demo '%s' >/dev/null", certdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "check_certstore: %s failed (run from the repository root)\n", cmd);
		return 1;
	}
	sr = srunner_create(certstore_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", certdir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_certstore: could not remove %s\n", certdir);
	return failed == 0 ? 0 : 1;
}
