/*
 * check_viewscerts — `show certs` (viewscerts.c) and check's expiry warning: certificates
 * minted here with chosen dates and names (mint.c: expiring in 12 days, expired 3 days
 * ago, not yet valid, names no binding's host, no key, a key of another certificate),
 * loaded by conf_parse as the offline views load them, and the inventory's exact lines,
 * its order, its JSON keys and its return value (the certificates with an error).
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/mint.h"
#include "iis/views.h"
#include "iis/viewscerts.h"
#include "model/conf.h"

static char dir[] = "/tmp/check_viewscerts.XXXXXX";
static X509 *ca;
static EVP_PKEY *ca_key;

#define DAY 86400L

/* Mint DIR/NAME.pem (and NAME.key unless nokey) for names, valid from nb to na seconds
 * from now, signed by the test CA. */
static void
mint(const char *name, const char *const *names, size_t n, long nb, long na, int nokey)
{
	struct mint_spec s = { .names = names, .n = n, .not_before = nb, .not_after = na };
	EVP_PKEY *k = mint_key_new();
	char pem[512], key[512], err[512];
	X509 *x;

	ck_assert_ptr_nonnull(k);
	x = mint_issue(&s, k, ca, ca_key, err, sizeof(err));
	ck_assert_msg(x != NULL, "%s", err);
	snprintf(pem, sizeof(pem), "%s/%s.pem", dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	ck_assert_msg(mint_write_chain(&x, 1, k, pem, nokey ? NULL : key, err, sizeof(err)) == 0,
	    "%s", err);
	X509_free(x);
	EVP_PKEY_free(k);
}

static struct conf *
load(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct conf *
load(const char *fmt, ...)
{
	char text[4096], name[512], err[4096];
	struct conf *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(name, sizeof(name), "%s/test.ini", dir);
	c = conf_parse(text, name, CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err));
	ck_assert_msg(c != NULL, "conf_parse: %s", err);
	return c;
}

/* One site, one https binding for host, one [sslcert] with certificate and key. */
static struct conf *
one(const char *host, const char *cert, const char *key)
{
	return load("[server]\nmode = iis8\n\n[sslcert 0.0.0.0:8443]\ncertificate = %s.pem\n"
	    "%s%s%s\n[site S]\nid = 1\nbindings = https/127.0.0.1:8443:%s\n", cert,
	    key != NULL ? "key = " : "", key != NULL ? key : "", key != NULL ? ".key\n" : "",
	    host);
}

static char *
inventory(const struct conf *cfg, int json, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	*rc = views_certs(cfg, time(NULL), json, f);
	fclose(f);
	return buf;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

START_TEST(test_viewscerts_expires_in_12_days_leads)
{
	static const char *const names[] = { "soon.example" };
	struct conf *c;
	char *out, want[512], date[64];
	struct tm tm;
	int rc;

	mint("soon", names, 1, -DAY, 12 * DAY + 3600, 0);
	c = one("soon.example", "soon", "soon");
	out = inventory(c, 0, &rc);
	gmtime_r(&c->sslcerts[0].cert->not_after, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(want, sizeof(want), "warning: soon.example (%s) expires in 12 days (not after "
	    "%s)\n\nsoon.example [served]: 0 errors, 1 warning\n  thumbprint  %s\n",
	    c->sslcerts[0].cert->thumbprint, date, c->sslcerts[0].cert->thumbprint);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got:\n%s\nwant:\n%s", out, want);
	ck_assert_int_eq(rc, 0);   /* a warning: exit 0 */
	ck_assert_ptr_nonnull(strstr(out, "  warning     expires-soon: expires in 12 days"));
	ck_assert_ptr_nonnull(strstr(out, "  used by     [sslcert 0.0.0.0:8443]\n"
	    "              S (id:1) https/127.0.0.1:8443:soon.example, with and without SNI\n"));
	ck_assert_ptr_nonnull(strstr(out, "1 certificate: 0 with errors, 1 with warnings only, "
	    "0 ok\n"));
	free(out);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_expired_not_yet_valid_and_order)
{
	static const char *const a[] = { "old.example" }, *const b[] = { "new.example" };
	static const char *const g[] = { "good.example" };
	struct conf *c;
	char *out;
	int rc;

	mint("old", a, 1, -400 * DAY, -3 * DAY - 3600, 0);
	mint("new", b, 1, 5 * DAY + 3600, 400 * DAY, 0);
	mint("good", g, 1, -DAY, 300 * DAY, 0);
	c = load("[server]\nmode = iis8\n\n"
	    "[sslcert good.example:443]\ncertificate = good.pem\nkey = good.key\n\n"
	    "[sslcert old.example:443]\ncertificate = old.pem\nkey = old.key\n\n"
	    "[sslcert new.example:443]\ncertificate = new.pem\nkey = new.key\n\n"
	    "[site S]\nid = 1\nbindings = https/*:443:good.example, https/*:443:old.example, "
	    "https/*:443:new.example\n");
	out = inventory(c, 0, &rc);
	ck_assert_int_eq(rc, 2);
	ck_assert_msg(strncmp(out, "error: old.example (", 20) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, ") EXPIRED 3 days ago (not after "));
	ck_assert_ptr_nonnull(strstr(out, "  error       expired: EXPIRED 3 days ago"));
	ck_assert_ptr_nonnull(strstr(out, "  error       not-yet-valid: not valid for 5 more days"));
	/* errors first, by expiry; then the good one */
	ck_assert_ptr_nonnull(strstr(out, "\nold.example [served]: 1 error"));
	ck_assert_ptr_nonnull(strstr(out, "\nnew.example [served]: 1 error"));
	ck_assert_ptr_nonnull(strstr(out, "\ngood.example [served]: ok"));
	ck_assert(strstr(out, "\nold.example [served]") < strstr(out, "\nnew.example [served]"));
	ck_assert(strstr(out, "\nnew.example [served]") < strstr(out, "\ngood.example [served]"));
	ck_assert_ptr_nonnull(strstr(out, "3 certificates: 2 with errors, 0 with warnings only, "
	    "1 ok\n"));
	free(out);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_name_no_binding_matches)
{
	static const char *const names[] = { "one.example", "two.example" };
	struct conf *c;
	char *out;
	int rc;

	mint("two", names, 2, -DAY, 300 * DAY, 0);
	c = one("three.example", "two", "two");
	out = inventory(c, 0, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(out, "  names       DNS:one.example, DNS:two.example\n"));
	ck_assert_ptr_nonnull(strstr(out, "  error       name-mismatch: S "
	    "(https/127.0.0.1:8443:three.example) gets it with SNI three.example, a name it does "
	    "not hold\n"));
	free(out);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_no_key_and_key_mismatch)
{
	static const char *const a[] = { "nokey.example" }, *const b[] = { "other.example" };
	struct conf *c;
	char *out;
	int rc;

	mint("nokey", a, 1, -DAY, 300 * DAY, 1);
	mint("other", b, 1, -DAY, 300 * DAY, 0);
	c = one("nokey.example", "nokey", NULL);
	out = inventory(c, 0, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(out, "  private key no\n"));
	ck_assert_ptr_nonnull(strstr(out, "  error       no-private-key: "));
	free(out);
	conf_free(c);

	c = one("nokey.example", "nokey", "other");   /* another certificate's key */
	out = inventory(c, 0, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(out, "  error       key-mismatch: "));
	ck_assert_ptr_nonnull(strstr(out, "private key does not match"));
	free(out);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_shared_listed_once_with_users)
{
	static const char *const names[] = { "a.example", "b.example" };
	struct conf *c;
	char *out;
	int rc;

	mint("ab", names, 2, -DAY, 300 * DAY, 0);
	c = load("[server]\nmode = iis8\n\n"
	    "[sslcert a.example:443]\ncertificate = ab.pem\nkey = ab.key\n\n"
	    "[sslcert b.example:443]\ncertificate = ab.pem\nkey = ab.key\n\n"
	    "[site A]\nid = 1\nbindings = https/*:443:a.example\n\n"
	    "[site B]\nid = 2\nbindings = https/*:443:b.example\n");
	out = inventory(c, 0, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(count(out, "  thumbprint  "), 1);
	ck_assert_ptr_nonnull(strstr(out, "  used by     [sslcert a.example:443]\n"
	    "              [sslcert b.example:443]\n"
	    "              A (id:1) https/*:443:a.example, with SNI\n"
	    "              B (id:2) https/*:443:b.example, with SNI\n"));
	ck_assert_ptr_nonnull(strstr(out, "a.example [served]: ok\n"));
	free(out);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_unavailable_and_unused)
{
	static const char *const names[] = { "spare.example" };
	struct conf *c;
	char *out;
	int rc;

	mint("spare", names, 1, -DAY, 300 * DAY, 0);
	c = load("[server]\nmode = iis8\n\n"
	    "[sslcert 0.0.0.0:443]\ncertificate = spare.pem\nkey = spare.key\n\n"
	    "[sslcert x.example:443]\ncerthash = 00112233445566778899aabbccddeeff00112233\n\n"
	    "[site X]\nid = 1\nbindings = https/*:443:x.example\n");
	out = inventory(c, 0, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strncmp(out, "(not available) [served]: 1 error, 0 warnings\n"
	    "  thumbprint  00112233445566778899aabbccddeeff00112233\n"
	    "  used by     [sslcert x.example:443]\n", 120) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "  error       not-available: [sslcert x.example:443] "
	    "names it, and it is not here: "));
	/* spare: only clients without SNI on IPv4 get it (x.example has its own entry) */
	ck_assert_ptr_nonnull(strstr(out, "spare.example [served]: ok\n"));
	free(out);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_json_keys)
{
	static const char *const names[] = { "soon.example" };
	static const char *const keys[] = {
		"{\"now\": \"", "\"soon_days\": 30, \"certificates_count\": 1, \"with_errors\": 0, "
		"\"with_warnings\": 1, \"certificates\": [\n  {\"name\": \"soon.example\", "
		"\"thumbprint\": \"", "\"available\": true, \"roles\": [\"served\"], "
		"\"subject\": \"CN=soon.example,O=sysbind\", \"issuer\": \"CN=check CA,O=sysbind\", "
		"\"sans\": [\"DNS:soon.example\"], \"serial\": \"", "\"days_left\": 12, "
		"\"expiry\": \"expires in 12 days\", \"file\": \"", "\"private_key\": true, "
		"\"chain\": [\"CN=soon.example,O=sysbind\"], \"sslcert\": [\"0.0.0.0:8443\"], "
		"\"bindings\": [{\"site\": \"S\", \"site_id\": 1, \"binding\": "
		"\"https/127.0.0.1:8443:soon.example\", \"with_sni\": true, \"without_sni\": true}], "
		"\"lists\": [], \"problems\": [{\"problem\": \"expires-soon\", \"severity\": "
		"\"warning\", \"why\": \"expires in 12 days (not after ",
	};
	struct conf *c;
	char *out;
	size_t i;
	int rc;

	mint("soon", names, 1, -DAY, 12 * DAY + 3600, 0);
	c = one("soon.example", "soon", "soon");
	out = inventory(c, 1, &rc);
	ck_assert_int_eq(rc, 0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(strstr(out, keys[i]) != NULL, "no %s in\n%s", keys[i], out);
	free(out);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_check_warns_expiring)
{
	static const char *const names[] = { "soon.example" };
	struct conf *c;
	char *buf = NULL, want[512];
	size_t len = 0;
	FILE *f;
	int rc;

	mint("soon", names, 1, -DAY, 12 * DAY + 3600, 0);
	c = one("soon.example", "soon", "soon");
	f = open_memstream(&buf, &len);
	rc = views_check(c, time(NULL), 0, f);
	fclose(f);
	ck_assert_int_eq(rc, 0);   /* a warning does not change check's status */
	snprintf(want, sizeof(want), "\nwarnings:\n  certificate soon.example (%s) expires in 12 "
	    "days (not after ", c->sslcerts[0].cert->thumbprint);
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
	ck_assert_uint_eq(count(buf, "expires in 12 days"), 1);   /* once, two predictions */
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	rc = views_check(c, time(NULL), 1, f);
	fclose(f);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(count(buf, ", \"warning\": \"certificate soon.example ("), 2);
	free(buf);
	conf_free(c);
}
END_TEST

START_TEST(test_viewscerts_days)
{
	ck_assert_int_eq(views_certs_days(1000 + 12 * DAY + 5, 1000), 12);
	ck_assert_int_eq(views_certs_days(1000 + 12 * DAY - 5, 1000), 11);
	ck_assert_int_eq(views_certs_days(1000 - 5, 1000), -1);
	ck_assert_int_eq(views_certs_days(1000 - 3 * DAY - 5, 1000), -4);
}
END_TEST

START_TEST(test_viewscerts_cli_parse)
{
	char *argv[] = { "sysbind", "show", "certs", "--json", "-c", "a.ini", NULL };
	char *bad[] = { "sysbind", "show", NULL };
	struct cli_opts o;
	char err[256];

	ck_assert_int_eq(cli_parse(6, argv, &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.cmd, CLI_SHOW_CERTS);
	ck_assert_int_eq(o.json, 1);
	ck_assert_str_eq(o.conf_path, "a.ini");
	ck_assert_int_eq(cli_parse(2, bad, &o, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "\"show\" takes one object: sslcert or certs");
}
END_TEST

static Suite *
viewscerts_suite(void)
{
	Suite *s = suite_create("viewscerts");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_viewscerts_expires_in_12_days_leads);
	tcase_add_test(tc, test_viewscerts_expired_not_yet_valid_and_order);
	tcase_add_test(tc, test_viewscerts_name_no_binding_matches);
	tcase_add_test(tc, test_viewscerts_no_key_and_key_mismatch);
	tcase_add_test(tc, test_viewscerts_shared_listed_once_with_users);
	tcase_add_test(tc, test_viewscerts_unavailable_and_unused);
	tcase_add_test(tc, test_viewscerts_json_keys);
	tcase_add_test(tc, test_viewscerts_check_warns_expiring);
	tcase_add_test(tc, test_viewscerts_days);
	tcase_add_test(tc, test_viewscerts_cli_parse);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	static const char *const cn[] = { "check CA" };
	struct mint_spec s = { .names = cn, .n = 1, .ca = 1, .not_before = -10 * DAY,
	    .not_after = 3650 * DAY };
	char err[512], cmd[256];
	SRunner *sr;
	int failed;

	if (mkdtemp(dir) == NULL || (ca_key = mint_key_new()) == NULL ||
	    (ca = mint_issue(&s, ca_key, NULL, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "check_viewscerts: cannot make the test CA\n");
		return 1;
	}
	sr = srunner_create(viewscerts_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_viewscerts: could not remove %s\n", dir);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return failed == 0 ? 0 : 1;
}
