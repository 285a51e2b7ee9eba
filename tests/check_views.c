/*
 * check_views — the offline outputs (views.c) and the command line (cli.c): exact bytes
 * of `show sslcert`, `list site`, the `check` table and JSON, the `explain` narration,
 * and cli_parse for every command and the bad-usage cases.  Configurations are parsed
 * with conf_parse from text whose certificate paths point at a demo set made once by
 * `scripts/mkcerts.sh --demo` in a temporary directory (run from the repository root).
 */
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "cli/cli.h"
#include "core/control.h"
#include "model/conf.h"
#include "model/certstore.h"
#include "iis/views.h"

static char certdir[256];

/* ---- fixtures ---- */

/* A printf format: the certificate's base name twice (certificate, key). */
#define TWO_SITES_INI \
	"[server]\n" \
	"mode = iis7\n" \
	"trust = ca.pem\n" \
	"\n" \
	"[sslcert 0.0.0.0:8443]\n" \
	"certificate = %s.pem\n" \
	"key = %s.key\n" \
	"appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n" \
	"\n" \
	"[site MySite V1]\n" \
	"id = 1\n" \
	"bindings = https/127.0.0.1:8443:sitev1.mysite.com, http/127.0.0.1:8080:sitev1.mysite.com\n" \
	"\n" \
	"[site MySite V2]\n" \
	"id = 2\n" \
	"bindings = https/127.0.0.1:8443:sitev2.mysite.com, http/127.0.0.1:8080:sitev2.mysite.com\n"

static const char iis8_ini[] =
	"[server]\n"
	"mode = iis8\n"
	"trust = ca.pem\n"
	"\n"
	"[sslcert sitev2.mysite.com:8443]\n"
	"certificate = sitev2.pem\n"
	"key = sitev2.key\n"
	"appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"
	"\n"
	"[sslcert ccs:8443]\n"
	"directory = ccs\n"
	"password = ccs-secret\n"
	"\n"
	"[site MySite V1]\n"
	"id = 1\n"
	"bindings = https/*:8443:sitev1.mysite.com\n"
	"\n"
	"[site MySite V2]\n"
	"id = 2\n"
	"bindings = https/*:8443:sitev2.mysite.com\n"
	"\n"
	"[site Other]\n"
	"id = 3\n"
	"bindings = https/*:8443:www.example.com\n";

/* Parse text (a printf format) as <certdir>/test.ini. */
static struct conf *load_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct conf *
load_text(const char *fmt, ...)
{
	char text[4096], name[512], err[4096];
	struct conf *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(name, sizeof(name), "%s/test.ini", certdir);
	c = conf_parse(text, name, CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err));
	ck_assert_msg(c != NULL, "conf_parse: %s", err);
	return c;
}

static struct conf *
two_sites(const char *cert)
{
	return load_text(TWO_SITES_INI, cert, cert);
}

/* Run one view into a string (caller frees). */
enum which { SHOW, LIST, CHECK, CHECK_JSON, SHOW_JSON, LIST_JSON };

static char *
capture(const struct conf *cfg, enum which w, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = -1;

	ck_assert_ptr_nonnull(f);
	switch (w) {
	case SHOW:       r = views_show_sslcert(cfg, f, NULL); break;
	case LIST:       r = views_list_site(cfg, f); break;
	case CHECK:      r = views_check(cfg, time(NULL), 0, f); break;
	case CHECK_JSON: r = views_check(cfg, time(NULL), 1, f); break;
	case SHOW_JSON:  r = views_show_sslcert_json(cfg, f); break;
	case LIST_JSON:  r = views_list_site_json(cfg, f); break;
	}
	fclose(f);
	if (rc != NULL)
		*rc = r;
	return buf;
}

static char *
explain(const struct conf *cfg, const char *local, unsigned port, const char *host,
    const char *sni, int no_sni, int http)
{
	struct views_conn c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(binding_addr_parse(local, &c.local), 0);
	c.port = port;
	c.host = host;
	c.sni = sni;
	c.no_sni = no_sni;
	c.http = http;
	ck_assert_int_eq(views_explain(cfg, &c, time(NULL), 0, f), 0);
	fclose(f);
	return buf;
}

/* The loaded certificate of the first sslcert entry. */
static const struct cert *
first_cert(const struct conf *cfg)
{
	ck_assert_uint_ge(cfg->nsslcerts, 1);
	ck_assert_ptr_nonnull(cfg->sslcerts[0].cert);
	return cfg->sslcerts[0].cert;
}

/* The tail every netsh entry shares after Certificate Store Name. */
static const char netsh_tail[] =
	"    Verify Client Certificate Revocation : Enabled\r\n"
	"    Verify Revocation Using Cached Client Certificate Only : Disabled\r\n"
	"    Usage Check                  : Enabled\r\n"
	"    Revocation Freshness Time    : 0\r\n"
	"    URL Retrieval Timeout        : 0\r\n"
	"    Ctl Identifier               : (null)\r\n"
	"    Ctl Store Name               : (null)\r\n"
	"    DS Mapper Usage              : Disabled\r\n"
	"    Negotiate Client Certificate : Disabled\r\n"
	"    Reject Connections           : Disabled\r\n"
	"    Disable HTTP2                : Not Set\r\n"
	"    Disable QUIC                 : Not Set\r\n"
	"    Disable TLS1.2               : Not Set\r\n"
	"    Disable TLS1.3               : Not Set\r\n"
	"    Disable OCSP Stapling        : Not Set\r\n"
	"    Enable Token Binding         : Not Set\r\n"
	"    Log Extended Events          : Not Set\r\n"
	"    Disable Legacy TLS Versions  : Not Set\r\n"
	"    Enable Session Ticket        : Not Set\r\n"
	" Extended Properties:\r\n"
	"    PropertyId                   : 0\r\n"
	"    Receive Window               : 1048576\r\n"
	" Extended Properties:\r\n"
	"    PropertyId                   : 1\r\n"
	"    Max Settings Per Frame       : 2796202\r\n"
	"    Max Settings Per Minute      : 4294967295\r\n"
	"\r\n";

/* Compare whole outputs; on a difference print both (Check's messages are bounded). */
#define assert_text(got, want) do { \
	if (strcmp((got), (want)) != 0) { \
		fprintf(stderr, "---- got:\n%s---- want:\n%s----\n", (got), (want)); \
		ck_abort_msg("output differs (both printed above)"); \
	} \
} while (0)

/* ---- show sslcert ---- */

START_TEST(test_views_show_sslcert_ipport_bytes)
{
	struct conf *cfg = two_sites("sitev1");
	char want[4096];
	char *got = capture(cfg, SHOW, NULL);

	snprintf(want, sizeof(want),
	    "\r\n"
	    "SSL Certificate bindings:\r\n"
	    "-------------------------\r\n"
	    "\r\n"
	    "    IP:port                      : 0.0.0.0:8443\r\n"
	    "    Certificate Hash             : %s\r\n"
	    "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\r\n"
	    "    Certificate Store Name       : (null)\r\n"
	    "%s", first_cert(cfg)->thumbprint, netsh_tail);
	assert_text(got, want);
	ck_assert_int_eq((int)strlen(first_cert(cfg)->thumbprint), 40);
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_show_sslcert_hostnameport_and_ccs)
{
	struct conf *cfg = load_text("%s", iis8_ini);
	char want[8192];
	char *got = capture(cfg, SHOW, NULL);
	const char *p;

	ck_assert_ptr_nonnull(cfg->sslcerts[0].cert);
	snprintf(want, sizeof(want),
	    "\r\n"
	    "SSL Certificate bindings:\r\n"
	    "-------------------------\r\n"
	    "\r\n"
	    "    Hostname:port                : sitev2.mysite.com:8443\r\n"
	    "    Certificate Hash             : %s\r\n"
	    "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\r\n"
	    "    Certificate Store Name       : (null)\r\n"
	    "%s"
	    "    Central Certificate Store    : 8443\r\n"
	    "    Certificate Hash             : (null)\r\n"
	    "    Application ID               : (null)\r\n"
	    "    Certificate Store Name       : (null)\r\n"
	    "%s", cfg->sslcerts[0].cert->thumbprint, netsh_tail, netsh_tail);
	assert_text(got, want);
	/* Windows console line ends: no LF without its CR. */
	for (p = got; *p != '\0'; p++)
		if (*p == '\n')
			ck_assert_msg(p > got && p[-1] == '\r', "bare LF at offset %td", p - got);
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_show_sslcert_empty_table)
{
	struct conf *cfg = load_text("[site A]\nid = 1\nbindings = http/*:8080:\n");
	char *got = capture(cfg, SHOW, NULL);

	ck_assert_str_eq(got, "\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n");
	free(got);
	conf_free(cfg);
}
END_TEST

/* ---- list site ---- */

START_TEST(test_views_list_site_appcmd_layout)
{
	struct conf *cfg = load_text(
	    "[sslcert 0.0.0.0:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[site MySite V1]\nid = 1\n"
	    "bindings = https/*:8443:sitev1.mysite.com, http/*:8080:sitev1.mysite.com\n"
	    "[site Old]\nid = 7\nbindings = http/127.0.0.1:8081:, https/[::1]:8443:\n"
	    "state = stopped\n");
	char *got = capture(cfg, LIST, NULL);

	ck_assert_str_eq(got,
	    "SITE \"MySite V1\" (id:1,bindings:https/*:8443:sitev1.mysite.com,"
	    "http/*:8080:sitev1.mysite.com,state:Started)\n"
	    "SITE \"Old\" (id:7,bindings:http/127.0.0.1:8081:,https/[::1]:8443:,state:Stopped)\n");
	free(got);
	got = capture(cfg, LIST_JSON, NULL);
	ck_assert_str_eq(got, "[\n"
	    "  {\"name\": \"MySite V1\", \"id\": 1, \"bindings\": [\"https/*:8443:sitev1.mysite.com\", "
	    "\"http/*:8080:sitev1.mysite.com\"], \"state\": \"Started\", \"backend\": null, "
	    "\"hsts\": {\"enabled\": false, \"max-age\": 0, \"includeSubDomains\": false, "
	    "\"preload\": false, \"redirectHttpToHttps\": false}},\n"
	    "  {\"name\": \"Old\", \"id\": 7, \"bindings\": [\"http/127.0.0.1:8081:\", "
	    "\"https/[::1]:8443:\"], \"state\": \"Stopped\", \"backend\": null, "
	    "\"hsts\": {\"enabled\": false, \"max-age\": 0, \"includeSubDomains\": false, "
	    "\"preload\": false, \"redirectHttpToHttps\": false}}\n]\n");
	free(got);
	conf_free(cfg);
	cfg = load_text("[site \"A \\\"q\\\"\"]\nid = 2\nbindings = http/*:80:\n"
	    "backend = http://127.0.0.1:81\n");
	got = capture(cfg, LIST_JSON, NULL);
	ck_assert_str_eq(got, "[\n  {\"name\": \"A \\\"q\\\"\", \"id\": 2, \"bindings\": "
	    "[\"http/*:80:\"], \"state\": \"Started\", \"backend\": \"http://127.0.0.1:81\", "
	    "\"hsts\": {\"enabled\": false, \"max-age\": 0, \"includeSubDomains\": false, "
	    "\"preload\": false, \"redirectHttpToHttps\": false}}\n]\n");
	free(got);
	conf_free(cfg);
}
END_TEST

/* show sslcert --json: one object per entry, keys by their file names, typed; never a
 * password; an empty table is []. */
START_TEST(test_views_show_sslcert_json)
{
	struct conf *cfg = load_text(
	    "[sslcert 0.0.0.0:8443]\npfx = sitev1.pfx\npfx_password = sysbind\n"
	    "clientcertnegotiation = enable\nrevocationfreshnesstime = 60\n"
	    "[site A]\nid = 1\nbindings = https/*:8443:\n");
	char *got = capture(cfg, SHOW_JSON, NULL), want[160];

	const char *head = "[\n  {\"kind\": \"ipport\", \"name\": \"0.0.0.0:8443\", "
	    "\"certificate\": null, \"key\": null, \"pfx\": \"";

	ck_assert_msg(strncmp(got, head, strlen(head)) == 0, "%s", got);
	snprintf(want, sizeof(want), "\"certhash\": \"%s\"", first_cert(cfg)->thumbprint);
	ck_assert_ptr_nonnull(strstr(got, want));
	ck_assert_ptr_nonnull(strstr(got, "\"clientcertnegotiation\": true, "));
	ck_assert_ptr_nonnull(strstr(got, "\"usagecheck\": true, "));
	ck_assert_ptr_nonnull(strstr(got, "\"revocationfreshnesstime\": 60, "));
	ck_assert_ptr_null(strstr(got, "password"));
	ck_assert_ptr_null(strstr(got, "sysbind\""));
	ck_assert_str_eq(got + strlen(got) - 4, "}\n]\n");
	free(got);
	conf_free(cfg);
	cfg = load_text("[site A]\nid = 1\nbindings = http/*:80:\n");
	got = capture(cfg, SHOW_JSON, NULL);
	ck_assert_str_eq(got, "[]\n");
	free(got);
	conf_free(cfg);
}
END_TEST

/* ---- check ---- */

START_TEST(test_views_check_two_sites_table)
{
	struct conf *cfg = two_sites("sitev1");
	int rc;
	char *got = capture(cfg, CHECK, &rc);

	ck_assert_int_eq(rc, 2);
	assert_text(got,
	    "mode iis7: HTTP.SYS before SNI: the certificate is chosen by IP:Port alone\n"
	    "\n"
	    "  client                      certificate        selected by          verdict\n"
	    "MySite V1 (id:1) https/127.0.0.1:8443:sitev1.mysite.com on 127.0.0.1:8443\n"
	    "  with SNI sitev1.mysite.com  sitev1.mysite.com  ipport 0.0.0.0:8443  ok\n"
	    "  without SNI                 sitev1.mysite.com  ipport 0.0.0.0:8443  ok\n"
	    "MySite V2 (id:2) https/127.0.0.1:8443:sitev2.mysite.com on 127.0.0.1:8443\n"
	    "  with SNI sitev2.mysite.com  sitev1.mysite.com  ipport 0.0.0.0:8443  name-mismatch "
	    "(certificate names sitev1.mysite.com, not sitev2.mysite.com)\n"
	    "  without SNI                 sitev1.mysite.com  ipport 0.0.0.0:8443  name-mismatch "
	    "(certificate names sitev1.mysite.com, not sitev2.mysite.com)\n"
	    "\n"
	    "4 predictions: 2 ok, 2 name-mismatch\n"
	    "note: MySite V1 and MySite V2 share the HTTPS binding 0.0.0.0:8443: one certificate, "
	    "sitev1.mysite.com, for https/127.0.0.1:8443:sitev1.mysite.com of [site MySite V1] and "
	    "https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2]; it does not name "
	    "sitev2.mysite.com. Giving one of these sites a different certificate gives it to all "
	    "of them, and IIS Manager asks first: \"" VIEWS_IIS_SHARED_TEXT "\" The fix: one "
	    "certificate naming every host, or SNI (mode = iis8 and a hostnameport entry per "
	    "host).\n"
	    "client errors:\n"
	    "  MySite V2 (https/127.0.0.1:8443:sitev2.mysite.com): sitev2.mysite.com with and without SNI "
	    "is served sitev1.mysite.com's certificate (ipport 0.0.0.0:8443): name-mismatch: "
	    "certificate names sitev1.mysite.com, not sitev2.mysite.com\n"
	    "    fix: bind a certificate that names sitev2.mysite.com and every other host served "
	    "there to ipport 0.0.0.0:8443 (netsh http update sslcert ipport=0.0.0.0:8443 "
	    "certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate =, pfx = or certhash "
	    "= in [sslcert 0.0.0.0:8443]), or add an SNI binding for sitev2.mysite.com (mode = "
	    "iis8, then netsh http add sslcert hostnameport=sitev2.mysite.com:8443 "
	    "certhash=<thumbprint> appid=<guid> certstorename=MY; in sysbind.ini: [sslcert "
	    "sitev2.mysite.com:8443])\n");
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_check_two_names_all_ok)
{
	struct conf *cfg = two_sites("both");
	int rc;
	char *got = capture(cfg, CHECK, &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(got,
	    "  with SNI sitev2.mysite.com  sitev1.mysite.com  ipport 0.0.0.0:8443  ok\n"));
	ck_assert_ptr_nonnull(strstr(got, "\n4 predictions: 4 ok\n"));
	ck_assert_ptr_null(strstr(got, "client errors"));
	/* the one-certificate fix: the sites still share the binding, in sysbind's words;
	 * IIS Manager's "different certificate" is not true of it */
	ck_assert_ptr_nonnull(strstr(got, "\n4 predictions: 4 ok\nnote: MySite V1 and MySite V2 "
	    "share the HTTPS binding 0.0.0.0:8443: one certificate, sitev1.mysite.com, for "
	    "https/127.0.0.1:8443:sitev1.mysite.com of [site MySite V1] and "
	    "https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2]; it names every host of "
	    "theirs (a new certificate for [sslcert 0.0.0.0:8443] is a new certificate for all of "
	    "them).\n"));
	ck_assert_ptr_null(strstr(got, "IIS Manager"));
	free(got);
	conf_free(cfg);
}
END_TEST

/* views_share_note for each occasion: IIS Manager's dialog only where it is true. */
static char *
share_note(const struct conf *cfg, enum views_share_when when, const struct binding *joined,
    int *written)
{
	struct binding_share *sh;
	size_t nsh;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(binding_shares(cfg, &sh, &nsh), 0);
	ck_assert_uint_eq(nsh, 1);
	*written = views_share_note(&sh[0], when, joined, time(NULL), f);
	fclose(f);
	binding_shares_free(sh, nsh);
	return buf;
}

START_TEST(test_views_share_notes)
{
	struct conf *one = two_sites("sitev1"), *both = two_sites("both");
	const struct binding *v2 = &one->sites[1].bindings[0];
	int w;
	char *got;

	got = share_note(one, VIEWS_SHARE_JOINED, v2, &w);
	ck_assert_int_eq(w, 1);
	assert_text(got, "note: https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2] "
	    "reuses the HTTPS binding 0.0.0.0:8443 of MySite V1 and its one certificate, "
	    "sitev1.mysite.com, which does not name sitev2.mysite.com (name-mismatch). Giving "
	    "MySite V2 a different certificate gives it to MySite V1 too, and IIS Manager asks "
	    "first: \"" VIEWS_IIS_SHARED_TEXT "\"\n");
	free(got);
	got = share_note(both, VIEWS_SHARE_JOINED, &both->sites[1].bindings[0], &w);
	assert_text(got, "note: https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2] "
	    "reuses the HTTPS binding 0.0.0.0:8443 of MySite V1 and its one certificate, "
	    "sitev1.mysite.com, which names sitev2.mysite.com too.\n");
	free(got);
	/* an http binding is no member: nothing */
	got = share_note(one, VIEWS_SHARE_JOINED, &one->sites[1].bindings[1], &w);
	ck_assert_int_eq(w, 0);
	assert_text(got, "");
	free(got);

	got = share_note(both, VIEWS_SHARE_NEW_CERT, NULL, &w);
	assert_text(got, "note: IIS Manager asks here: \"" VIEWS_IIS_SHARED_TEXT "\" netsh does "
	    "not ask: the certificate of [sslcert 0.0.0.0:8443], sitev1.mysite.com, is now the "
	    "one certificate of https/127.0.0.1:8443:sitev1.mysite.com of [site MySite V1] and "
	    "https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2].\n");
	free(got);
	got = share_note(one, VIEWS_SHARE_FIRST_CERT, NULL, &w);
	assert_text(got, "note: the certificate of [sslcert 0.0.0.0:8443], sitev1.mysite.com, is "
	    "now the one certificate of https/127.0.0.1:8443:sitev1.mysite.com of [site MySite V1] "
	    "and https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2]; it does not name "
	    "sitev2.mysite.com.\n");
	free(got);

	/* the daemon's start: only a host left unnamed is news */
	got = share_note(one, VIEWS_SHARE_START, NULL, &w);
	ck_assert_int_eq(w, 1);
	assert_text(got, "MySite V1 and MySite V2 share the HTTPS binding 0.0.0.0:8443 and its "
	    "one certificate, sitev1.mysite.com, which does not name sitev2.mysite.com: visitors "
	    "of that name get a certificate error (sysbind check)\n");
	free(got);
	got = share_note(both, VIEWS_SHARE_START, NULL, &w);
	ck_assert_int_eq(w, 0);
	assert_text(got, "");
	free(got);
	conf_free(one);
	conf_free(both);
}
END_TEST

/* The JSON object check writes for one prediction with a certificate. */
static void
json_row(char *buf, size_t len, const char *site, int id, const char *binding,
    const char *sni, const struct cert *c, const char *verdict, const char *why,
    const char *fix)
{
	char na[32], sans[256] = "";
	struct tm tm;
	size_t i;

	gmtime_r(&c->not_after, &tm);
	strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (i = 0; i < c->nsans; i++)
		snprintf(sans + strlen(sans), sizeof(sans) - strlen(sans), "%s\"%s\"",
		    i ? ", " : "", c->sans[i]);
	snprintf(buf, len, "{\"site\": \"%s\", \"site_id\": %d, \"binding\": \"%s\", "
	    "\"local\": \"127.0.0.1:8443\", \"sni\": %s%s%s, \"certificate\": {\"subject\": \"%s\", "
	    "\"sans\": [%s], \"thumbprint\": \"%s\", \"not_after\": \"%s\", "
	    "\"selected_by\": \"ipport 0.0.0.0:8443\"}, \"verdict\": \"%s\", \"why\": \"%s\", "
	    "\"fix\": \"%s\"}",
	    site, id, binding, sni ? "\"" : "", sni ? sni : "null", sni ? "\"" : "",
	    c->subject, sans, c->thumbprint, na, verdict, why, fix);
}

START_TEST(test_views_check_two_sites_json)
{
	struct conf *cfg = two_sites("sitev1");
	const struct cert *c = first_cert(cfg);
	char okwhy[512], r[4][2048], want[10000];
	int rc;
	char *got = capture(cfg, CHECK_JSON, &rc);
	const char *mm = "certificate names sitev1.mysite.com, not sitev2.mysite.com";
	const char *okfix = "none needed: a client accepts this certificate";
	const char *mmfix = "bind a certificate that names sitev2.mysite.com and every other "
	    "host served there to ipport 0.0.0.0:8443 (netsh http update sslcert "
	    "ipport=0.0.0.0:8443 certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate "
	    "=, pfx = or certhash = in [sslcert 0.0.0.0:8443]), or add an SNI binding for "
	    "sitev2.mysite.com (mode = iis8, then netsh http add sslcert "
	    "hostnameport=sitev2.mysite.com:8443 certhash=<thumbprint> appid=<guid> "
	    "certstorename=MY; in sysbind.ini: [sslcert sitev2.mysite.com:8443])";
	/* a client without SNI: an SNI binding would not reach it */
	const char *mmfix_nosni = "bind a certificate that names sitev2.mysite.com and every "
	    "other host served there to ipport 0.0.0.0:8443 (netsh http update sslcert "
	    "ipport=0.0.0.0:8443 certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate "
	    "=, pfx = or certhash = in [sslcert 0.0.0.0:8443])";

	ck_assert_int_eq(rc, 2);
	ck_assert_int_eq(certstore_verdict(c, "sitev1.mysite.com", cfg->trust_store, time(NULL),
	    okwhy, sizeof(okwhy)), VERDICT_OK);
	json_row(r[0], sizeof(r[0]), "MySite V1", 1, "https/127.0.0.1:8443:sitev1.mysite.com",
	    "sitev1.mysite.com", c, "ok", okwhy, okfix);
	json_row(r[1], sizeof(r[1]), "MySite V1", 1, "https/127.0.0.1:8443:sitev1.mysite.com", NULL, c,
	    "ok", okwhy, okfix);
	json_row(r[2], sizeof(r[2]), "MySite V2", 2, "https/127.0.0.1:8443:sitev2.mysite.com",
	    "sitev2.mysite.com", c, "name-mismatch", mm, mmfix);
	json_row(r[3], sizeof(r[3]), "MySite V2", 2, "https/127.0.0.1:8443:sitev2.mysite.com", NULL, c,
	    "name-mismatch", mm, mmfix_nosni);
	snprintf(want, sizeof(want), "[\n  %s,\n  %s,\n  %s,\n  %s\n]\n", r[0], r[1], r[2], r[3]);
	assert_text(got, want);
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_check_json_escapes_strings)
{
	struct conf *cfg = load_text(
	    "[sslcert 0.0.0.0:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[site Say \"hi\" \\ there]\nid = 4\nbindings = https/*:8443:sitev1.mysite.com\n");
	char *got = capture(cfg, CHECK_JSON, NULL);

	ck_assert_ptr_nonnull(strstr(got, "{\"site\": \"Say \\\"hi\\\" \\\\ there\", \"site_id\": 4,"));
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_check_no_certificate_is_an_error)
{
	/* iis8 with SNI entries only: a client without SNI gets no certificate. */
	struct conf *cfg = load_text("%s", iis8_ini);
	int rc;
	char *got = capture(cfg, CHECK, &rc);
	char *json = capture(cfg, CHECK_JSON, NULL);

	/* three rows without SNI + www.example.com's ccs miss, each for IPv4 and IPv6 (the
	 * families agree, so the table shows each row once) */
	ck_assert_int_eq(rc, 8);
	ck_assert_ptr_nonnull(strstr(got,
	    "  with SNI sitev1.mysite.com  sitev1.mysite.com  ccs 8443 -> sitev1.mysite.com.pfx"));
	ck_assert_ptr_nonnull(strstr(got,
	    "  with SNI sitev2.mysite.com  sitev2.mysite.com  hostnameport sitev2.mysite.com:8443"));
	ck_assert_ptr_nonnull(strstr(got, "  without SNI                 (none)"));
	ck_assert_ptr_nonnull(strstr(got, "6 predictions: 2 ok, 4 no-certificate\n"));
	ck_assert_ptr_nonnull(strstr(got,
	    "  MySite V1 (https/*:8443:sitev1.mysite.com): sitev1.mysite.com without SNI gets no "
	    "certificate: the handshake fails (no-certificate)\n"));
	ck_assert_ptr_nonnull(strstr(json, "\"sni\": null, \"certificate\": null, "
	    "\"verdict\": \"no-certificate\", \"why\": \"no certificate binding matches "
	    "0.0.0.0:8443 without SNI: the handshake fails\", \"fix\": \"add a certificate "
	    "binding for port 8443: netsh http add sslcert ipport=0.0.0.0:8443 "
	    "certhash=<thumbprint> appid=<guid> (in sysbind.ini: [sslcert 0.0.0.0:8443] with "
	    "certificate =, pfx = or certhash =)\"}"));
	ck_assert_ptr_nonnull(strstr(json, "\"local\": \"[::]:8443\", \"sni\": null, "
	    "\"certificate\": null, \"verdict\": \"no-certificate\", \"why\": \"no certificate "
	    "binding matches [::]:8443 without SNI: the handshake fails\", \"fix\": \"add a "));
	free(got);
	free(json);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_check_blank_host_is_not_an_error)
{
	struct conf *cfg = load_text(
	    "[sslcert 0.0.0.0:8443]\ncertificate = %s.pem\nkey = %s.key\n"
	    "[sslcert [::]:8443]\ncertificate = %s.pem\nkey = %s.key\n"
	    "[site Any]\nid = 1\nbindings = https/*:8443:\n", "sitev1", "sitev1", "sitev1",
	    "sitev1");
	int rc;
	char *got = capture(cfg, CHECK, &rc);

	ck_assert_int_eq(rc, 0);
	/* both families get the same certificate: one row */
	ck_assert_ptr_nonnull(strstr(got, "Any (id:1) https/*:8443: on 0.0.0.0:8443 and [::]:8443\n"
	    "  without SNI  sitev1.mysite.com  ipport 0.0.0.0:8443 and [::]:8443  n/a (any host)\n"));
	ck_assert_ptr_null(strstr(got, "with SNI"));
	ck_assert_ptr_nonnull(strstr(got, "\n1 prediction: 1 n/a (any host)\n"));
	free(got);
	conf_free(cfg);

	/* An expired certificate is still an error on a blank-host binding. */
	cfg = load_text("[sslcert 0.0.0.0:8443]\ncertificate = %s.pem\nkey = %s.key\n"
	    "[sslcert [::]:8443]\ncertificate = %s.pem\nkey = %s.key\n"
	    "[site Any]\nid = 1\nbindings = https/*:8443:\n", "expired", "expired", "expired",
	    "expired");
	got = capture(cfg, CHECK, &rc);
	ck_assert_int_eq(rc, 2); /* IPv4 and IPv6 clients */
	ck_assert_ptr_nonnull(strstr(got, "1 prediction: 1 expired\n"));
	free(got);
	conf_free(cfg);
}
END_TEST

/* One concrete line per verdict, naming the entry that chose and how to rebind it: the
 * words `check` and the diagnostic page share. */
START_TEST(test_views_verdict_fix_each_verdict)
{
	struct conf_sslcert e;
	struct cert_choice ch;
	char buf[1024];

	memset(&e, 0, sizeof(e));
	memset(&ch, 0, sizeof(ch));
	e.name = "0.0.0.0:443";
	ch.entry = &e;
	ch.step = CERT_STEP_IPPORT_WILDCARD;
	ck_assert_str_eq(views_verdict_fix(VERDICT_OK, &ch, "a.test", 1, 443, CONF_MODE_IIS7,
	    buf, sizeof(buf)), "none needed: a client accepts this certificate");
	ck_assert_str_eq(views_verdict_fix(VERDICT_EXPIRED, &ch, "a.test", 1, 443,
	    CONF_MODE_IIS7, buf, sizeof(buf)), "renew the certificate and bind the new one to "
	    "ipport 0.0.0.0:443 (netsh http update sslcert ipport=0.0.0.0:443 "
	    "certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate =, pfx = or certhash "
	    "= in [sslcert 0.0.0.0:443])");
	ck_assert_ptr_eq(strstr(views_verdict_fix(VERDICT_NOT_YET_VALID, &ch, "a.test", 1, 443,
	    CONF_MODE_IIS7, buf, sizeof(buf)), "check this machine's and the client's clocks, "
	    "or bind a certificate valid now to ipport 0.0.0.0:443 "), buf);
	ck_assert_ptr_nonnull(strstr(views_verdict_fix(VERDICT_UNTRUSTED, &ch, "a.test", 1, 443,
	    CONF_MODE_IIS7, buf, sizeof(buf)), ", or make the clients trust its issuer "
	    "(import the CA certificate into the browser's or the system's authorities; curl "
	    "--cacert CA.pem)"));
	/* iis8: the SNI binding for the host needs no mode change */
	ck_assert_ptr_nonnull(strstr(views_verdict_fix(VERDICT_NAME_MISMATCH, &ch, "a.test", 1,
	    443, CONF_MODE_IIS8, buf, sizeof(buf)), ", or add an SNI binding for a.test (netsh "
	    "http add sslcert hostnameport=a.test:443 "));
	/* a hostnameport entry that chose a certificate not naming the host: rebind it */
	e.name = "a.test:443";
	ch.step = CERT_STEP_HOSTNAMEPORT;
	ck_assert_str_eq(views_verdict_fix(VERDICT_NAME_MISMATCH, &ch, "a.test", 1, 443,
	    CONF_MODE_IIS8, buf, sizeof(buf)), "bind a certificate that names a.test to "
	    "hostnameport a.test:443 (netsh http update sslcert hostnameport=a.test:443 "
	    "certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate =, pfx = or certhash "
	    "= in [sslcert a.test:443])");
	/* ccs: the file to put in the store */
	e.name = "ccs:443";
	ch.step = CERT_STEP_CCS;
	snprintf(ch.ccs_file, sizeof(ch.ccs_file), "_.test.pfx");
	ck_assert_str_eq(views_verdict_fix(VERDICT_NAME_MISMATCH, &ch, "a.test", 1, 443,
	    CONF_MODE_IIS8, buf, sizeof(buf)), "put a certificate that names a.test in the "
	    "Central Certificate Store directory of [sslcert ccs:443] as a.test.pfx (it served "
	    "_.test.pfx)");
	/* no entry at all: which one to add; the SNI one only for a client that sends SNI */
	ck_assert_str_eq(views_verdict_fix(VERDICT_NO_CERTIFICATE, NULL, "a.test", 0, 443,
	    CONF_MODE_IIS8, buf, sizeof(buf)), "add a certificate binding for port 443: netsh "
	    "http add sslcert ipport=0.0.0.0:443 certhash=<thumbprint> appid=<guid> (in "
	    "sysbind.ini: [sslcert 0.0.0.0:443] with certificate =, pfx = or certhash =)");
	ck_assert_ptr_nonnull(strstr(views_verdict_fix(VERDICT_NO_CERTIFICATE, NULL, "a.test", 1,
	    443, CONF_MODE_IIS8, buf, sizeof(buf)), "), or add an SNI binding for a.test "));
	/* a buffer too small is cut, never overrun */
	ck_assert_str_eq(views_verdict_fix(VERDICT_OK, NULL, NULL, 0, 443, CONF_MODE_IIS7, buf,
	    8), "none ne");
}
END_TEST

/*
 * A "*" binding listens on 0.0.0.0 and [::]: clients of each family get the entry of
 * their own wildcard (issue 12 item 5).  Different certificates: two rows and the
 * IPv6 client's mismatch is an error; no [::] entry: IPv6 clients get the 0.0.0.0 one,
 * which "is applicable to all IPv4 and IPv6 addresses" (issue 19); [::] alone serves no
 * IPv4 client.
 */
START_TEST(test_views_check_both_families)
{
	struct conf *cfg = load_text(
	    "[sslcert 0.0.0.0:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[sslcert [::]:8443]\ncertificate = sitev2.pem\nkey = sitev2.key\n"
	    "[site V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n");
	int rc;
	char *got = capture(cfg, CHECK, &rc), *json;

	ck_assert_int_eq(rc, 2);
	assert_text(strstr(got, "V1 (id:1)"),
	    "V1 (id:1) https/*:8443:sitev1.mysite.com on 0.0.0.0:8443 and [::]:8443\n"
	    "  with SNI sitev1.mysite.com (IPv4)  sitev1.mysite.com  ipport 0.0.0.0:8443  ok\n"
	    "  with SNI sitev1.mysite.com (IPv6)  sitev2.mysite.com  ipport [::]:8443     "
	    "name-mismatch (certificate names sitev2.mysite.com, not sitev1.mysite.com)\n"
	    "  without SNI (IPv4)                 sitev1.mysite.com  ipport 0.0.0.0:8443  ok\n"
	    "  without SNI (IPv6)                 sitev2.mysite.com  ipport [::]:8443     "
	    "name-mismatch (certificate names sitev2.mysite.com, not sitev1.mysite.com)\n"
	    "\n"
	    "4 predictions: 2 ok, 2 name-mismatch\n"
	    "chains not checked ([server] trust is unset): ok means the names and dates are "
	    "right; whether a client accepts a chain depends on its own trusted roots\n"
	    "  sitev1.mysite.com: the chain sent stops at CN=sysbind demo CA, not found: a "
	    "client without it among its trusted roots fails (curl: (60) SSL certificate "
	    "problem: unable to get local issuer certificate)\n"
	    "client errors:\n"
	    "  V1 (https/*:8443:sitev1.mysite.com): sitev1.mysite.com with and without SNI over "
	    "IPv6 is served sitev2.mysite.com's certificate (ipport [::]:8443): name-mismatch: "
	    "certificate names sitev2.mysite.com, not sitev1.mysite.com\n"
	    "    fix: bind a certificate that names sitev1.mysite.com and every other host served "
	    "there to ipport [::]:8443 (netsh http update sslcert ipport=[::]:8443 "
	    "certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate =, pfx = or certhash "
	    "= in [sslcert [::]:8443]), or add an SNI binding for sitev1.mysite.com (mode = "
	    "iis8, then netsh http add sslcert hostnameport=sitev1.mysite.com:8443 "
	    "certhash=<thumbprint> appid=<guid> certstorename=MY; in sysbind.ini: [sslcert "
	    "sitev1.mysite.com:8443])\n");
	json = capture(cfg, CHECK_JSON, NULL);
	ck_assert_ptr_nonnull(strstr(json, "\"local\": \"[::]:8443\", \"sni\": \"sitev1.mysite.com\""));
	ck_assert_ptr_nonnull(strstr(json, "\"local\": \"0.0.0.0:8443\", \"sni\": null"));
	free(json);
	free(got);
	conf_free(cfg);

	/* the usual IIS table, 0.0.0.0 only: it applies to IPv6 clients too (S48), so both
	 * families get sitev1 and the rows merge */
	cfg = load_text("[sslcert 0.0.0.0:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[site V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n");
	got = capture(cfg, CHECK, &rc);
	ck_assert_int_eq(rc, 0);
	assert_text(strstr(got, "V1 (id:1)"),
	    "V1 (id:1) https/*:8443:sitev1.mysite.com on 0.0.0.0:8443 and [::]:8443\n"
	    "  with SNI sitev1.mysite.com  sitev1.mysite.com  ipport 0.0.0.0:8443  ok\n"
	    "  without SNI                 sitev1.mysite.com  ipport 0.0.0.0:8443  ok\n"
	    "\n"
	    "2 predictions: 2 ok\n"
	    "chains not checked ([server] trust is unset): ok means the names and dates are "
	    "right; whether a client accepts a chain depends on its own trusted roots\n"
	    "  sitev1.mysite.com: the chain sent stops at CN=sysbind demo CA, not found: a "
	    "client without it among its trusted roots fails (curl: (60) SSL certificate "
	    "problem: unable to get local issuer certificate)\n");
	json = capture(cfg, CHECK_JSON, NULL);
	ck_assert_ptr_nonnull(strstr(json, "\"local\": \"[::]:8443\", \"sni\": null, "
	    "\"certificate\": {\"subject\": \"CN=sitev1.mysite.com\""));
	ck_assert_ptr_nonnull(strstr(json, "\"selected_by\": \"ipport 0.0.0.0:8443\"}, "
	    "\"verdict\": \"ok\""));
	ck_assert_ptr_null(strstr(json, "no-certificate"));
	free(json);
	free(got);
	conf_free(cfg);

	/* [::] only: it is for IPv6 clients alone; IPv4 clients get no certificate */
	cfg = load_text("[sslcert [::]:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[site V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n");
	got = capture(cfg, CHECK, &rc);
	ck_assert_int_eq(rc, 2);
	ck_assert_ptr_nonnull(strstr(got, "  without SNI (IPv4)                 (none)             "
	    "none              no-certificate (no certificate binding matches 0.0.0.0:8443 "
	    "without SNI: the handshake fails)\n"
	    "  without SNI (IPv6)                 sitev1.mysite.com  ipport [::]:8443  ok\n"));
	ck_assert_ptr_nonnull(strstr(got, "  V1 (https/*:8443:sitev1.mysite.com): sitev1.mysite.com "
	    "with and without SNI over IPv4 gets no certificate: the handshake fails "
	    "(no-certificate)\n"));
	free(got);
	conf_free(cfg);

	/* an exact address is one family: one row each */
	cfg = load_text("[sslcert [::1]:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[site V1]\nid = 1\nbindings = https/[::1]:8443:sitev1.mysite.com\n");
	got = capture(cfg, CHECK, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(got, "V1 (id:1) https/[::1]:8443:sitev1.mysite.com on "
	    "[::1]:8443\n  with SNI sitev1.mysite.com  sitev1.mysite.com  ipport [::1]:8443  ok\n"));
	free(got);
	conf_free(cfg);
}
END_TEST

/*
 * An import whose certificates are not at hand (issue 12 item 4): the views load without
 * them; check names the entry and its thumbprint, the verdict is "unknown" (not a client
 * error: the IIS server has the certificate), and show sslcert prints the thumbprint.
 */
START_TEST(test_views_check_certificate_not_available)
{
	char text[1024], name[512], err[4096];
	struct conf *cfg;
	int rc;
	char *got, *json, *show;

	snprintf(text, sizeof(text), "[server]\ncert_store = %s/nothing\n"
	    "[sslcert 0.0.0.0:8443]\ncerthash = 5E53 7858 f558b101c877dd9a442344dd7f110794\n"
	    "[site V1]\nid = 1\nbindings = https/127.0.0.1:8443:sitev1.mysite.com\n", certdir);
	snprintf(name, sizeof(name), "%s/test.ini", certdir);
	/* served, the missing certificate is a warning; for the views too */
	cfg = conf_parse(text, name, CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nwarnings, 1);
	got = capture(cfg, CHECK, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(got, "  with SNI sitev1.mysite.com  (not available)  "
	    "ipport 0.0.0.0:8443  unknown ([sslcert 0.0.0.0:8443] names certificate "
	    "5e537858f558b101c877dd9a442344dd7f110794, not available here ("));
	ck_assert_ptr_nonnull(strstr(got, "2 predictions: 2 unknown (certificate not available)\n"));
	ck_assert_ptr_null(strstr(got, "client errors"));
	json = capture(cfg, CHECK_JSON, NULL);
	ck_assert_ptr_nonnull(strstr(json, "\"certificate\": {\"subject\": null, \"sans\": [], "
	    "\"thumbprint\": \"5e537858f558b101c877dd9a442344dd7f110794\", \"not_after\": null, "
	    "\"selected_by\": \"ipport 0.0.0.0:8443\", \"available\": false}, \"verdict\": "
	    "\"unknown\""));
	show = capture(cfg, SHOW, NULL);
	ck_assert_ptr_nonnull(strstr(show, "    Certificate Hash             : "
	    "5e537858f558b101c877dd9a442344dd7f110794\r\n"));
	free(show);
	free(json);
	free(got);
	conf_free(cfg);
}
END_TEST

/* ---- explain ---- */

START_TEST(test_views_explain_two_sites_mismatch)
{
	struct conf *cfg = two_sites("sitev1");
	char *got = explain(cfg, "127.0.0.1", 8443, "sitev2.mysite.com", NULL, 0, 0);
	char want[512];

	ck_assert_ptr_nonnull(strstr(got, "1. accepted a connection on 127.0.0.1:8443 (https)\n"));
	ck_assert_ptr_nonnull(strstr(got, "2. ClientHello with SNI \"sitev2.mysite.com\": ignored "
	    "in mode iis7: HTTP.SYS before SNI: the certificate is chosen by IP:Port alone\n"));
	ck_assert_ptr_nonnull(strstr(got, "3. certificate lookup (mode iis7):\n"
	    "     step 1 ipport 127.0.0.1:8443: no entry\n"));
	snprintf(want, sizeof(want), "   chosen: CN=sitev1.mysite.com, thumbprint %s, selected by "
	    "ipport 0.0.0.0:8443\n", first_cert(cfg)->thumbprint);
	ck_assert_ptr_nonnull(strstr(got, want));
	ck_assert_ptr_nonnull(strstr(got, "4. decrypted request Host \"sitev2.mysite.com\": site "
	    "\"MySite V2\" (id:2) by binding https/127.0.0.1:8443:sitev2.mysite.com (routing "
	    "rule 1: host name)\n"));
	ck_assert_ptr_nonnull(strstr(got, "   answered by the built-in diagnostic page\n"));
	ck_assert_ptr_nonnull(strstr(got, "5. verdict for sitev2.mysite.com: name-mismatch: "
	    "certificate names sitev1.mysite.com, not sitev2.mysite.com\n"));
	ck_assert_ptr_nonnull(strstr(got, "   curl: (60) SSL: no alternative certificate subject "
	    "name matches target host name 'sitev2.mysite.com'\n"));
	free(got);
	conf_free(cfg);
}
END_TEST

/* explain --json: the facts as fields, the narration as steps, strings escaped. */
START_TEST(test_views_explain_json)
{
	struct conf *cfg = two_sites("sitev1");
	struct views_conn c;
	char *buf = NULL, want[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(binding_addr_parse("127.0.0.1", &c.local), 0);
	c.port = 8443;
	c.host = "sitev2.mysite.com";
	ck_assert_int_eq(views_explain(cfg, &c, time(NULL), 1, f), 0);
	fclose(f);
	const char *head = "{\"mode\": \"iis7\", \"local\": \"127.0.0.1:8443\", \"scheme\": "
	    "\"https\", \"host\": \"sitev2.mysite.com\", \"sni\": \"sitev2.mysite.com\",\n "
	    "\"certificate\": {\"subject\": \"CN=sitev1.mysite.com\", ";

	ck_assert_msg(strncmp(buf, head, strlen(head)) == 0, "%s", buf);
	snprintf(want, sizeof(want), "\"thumbprint\": \"%s\"", first_cert(cfg)->thumbprint);
	ck_assert_ptr_nonnull(strstr(buf, want));
	ck_assert_ptr_nonnull(strstr(buf, "\"selected_by\": \"ipport 0.0.0.0:8443\"},\n \"site\": "
	    "\"MySite V2\", \"site_id\": 2, \"backend\": null, \"status\": null, \"reason\": null,\n "
	    "\"verdict\": \"name-mismatch\", \"why\": \"certificate names sitev1.mysite.com, not "
	    "sitev2.mysite.com\",\n \"steps\": [\n  \"1. accepted a connection on 127.0.0.1:8443 "
	    "(https)\",\n  \"2. ClientHello with SNI \\\"sitev2.mysite.com\\\": ignored"));
	ck_assert_str_eq(buf + strlen(buf) - 6, "\"\n ]}\n");
	free(buf);

	/* plain HTTP to an unknown host: HTTP.SYS's 400, no certificate, no verdict */
	buf = NULL;
	f = open_memstream(&buf, &len);
	c.http = 1;
	c.port = 8080;
	c.host = "nope";
	ck_assert_int_eq(views_explain(cfg, &c, time(NULL), 1, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"sni\": null,\n \"certificate\": null,\n \"site\": "
	    "null, \"site_id\": null, \"backend\": null, \"status\": 400, \"reason\": "
	    "\"Hostname\",\n \"verdict\": null, \"why\": null,\n"));
	free(buf);
	conf_free(cfg);
}
END_TEST

/* An IPv6 client of a "*" binding with only [sslcert 0.0.0.0:P]: step 4 tries [::], then
 * takes 0.0.0.0, and says why (issue 19); with a [::] entry too, that one. */
START_TEST(test_views_explain_ipv6_client_of_ipv4_wildcard)
{
	struct conf *cfg = load_text("[server]\nmode = iis8\n"
	    "[sslcert 0.0.0.0:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[site V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n");
	char *got = explain(cfg, "::1", 8443, "sitev1.mysite.com", NULL, 0, 0);
	char want[512];

	ck_assert_ptr_nonnull(strstr(got, "1. accepted a connection on [::1]:8443 (https)\n"));
	ck_assert_ptr_nonnull(strstr(got, "3. certificate lookup (mode iis8):\n"
	    "     step 1 ipport [::1]:8443: no entry\n"
	    "     step 2 hostnameport sitev1.mysite.com:8443: no entry, nor *.mysite.com:8443 "
	    "(wildcard)\n"
	    "     step 3 ccs 8443: no Central Certificate Store entry for port 8443\n"
	    "     step 4 ipport [::]:8443: no entry\n"
	    "     step 4 ipport 0.0.0.0:8443 (0.0.0.0 applies to IPv6 clients too when no [::] "
	    "entry exists): entry found: chosen\n"));
	snprintf(want, sizeof(want), "   chosen: CN=sitev1.mysite.com, thumbprint %s, selected by "
	    "ipport 0.0.0.0:8443\n", first_cert(cfg)->thumbprint);
	ck_assert_ptr_nonnull(strstr(got, want));
	ck_assert_ptr_nonnull(strstr(got, "5. verdict for sitev1.mysite.com: ok"));
	free(got);
	conf_free(cfg);

	cfg = load_text("[sslcert 0.0.0.0:8443]\ncertificate = sitev1.pem\nkey = sitev1.key\n"
	    "[sslcert [::]:8443]\ncertificate = sitev2.pem\nkey = sitev2.key\n"
	    "[site V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n");
	got = explain(cfg, "::1", 8443, "sitev1.mysite.com", NULL, 1, 0);
	ck_assert_ptr_nonnull(strstr(got, "     step 4 ipport [::]:8443: entry found: chosen\n"));
	ck_assert_ptr_nonnull(strstr(got, "selected by ipport [::]:8443\n"));
	free(got);
	got = explain(cfg, "127.0.0.1", 8443, "sitev1.mysite.com", NULL, 1, 0);
	ck_assert_ptr_nonnull(strstr(got, "     step 4 ipport 0.0.0.0:8443: entry found: chosen\n"));
	ck_assert_ptr_null(strstr(got, "[::]"));
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_explain_iis8_sni_used_and_missing)
{
	struct conf *cfg = load_text("%s", iis8_ini);
	char *got = explain(cfg, "127.0.0.1", 8443, "sitev2.mysite.com:8443", NULL, 0, 0);

	ck_assert_ptr_nonnull(strstr(got, "2. ClientHello with SNI \"sitev2.mysite.com\": used in "
	    "mode iis8: the name chose the certificate\n"));
	ck_assert_ptr_nonnull(strstr(got, "selected by hostnameport sitev2.mysite.com:8443\n"));
	ck_assert_ptr_nonnull(strstr(got, "5. verdict for sitev2.mysite.com: ok"));
	free(got);

	got = explain(cfg, "127.0.0.1", 8443, "sitev2.mysite.com", NULL, 1, 0);
	ck_assert_ptr_nonnull(strstr(got, "2. ClientHello without SNI: only the ipport entries "
	    "can match"));
	ck_assert_ptr_nonnull(strstr(got, "   no certificate: the handshake fails"));
	ck_assert_ptr_nonnull(strstr(got, "4. no request: the Host header is inside the TLS "
	    "stream that never started\n"));
	ck_assert_ptr_nonnull(strstr(got, "5. verdict for sitev2.mysite.com: no-certificate"));
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_explain_http_and_unknown_host)
{
	struct conf *cfg = two_sites("sitev1");
	char *got = explain(cfg, "127.0.0.1", 8080, "nobody.example.com", NULL, 0, 1);
	char want[2048];

	snprintf(want, sizeof(want),
	    "mode iis7, configuration %s/test.ini\n"
	    "1. accepted a connection on 127.0.0.1:8080 (http)\n"
	    "2. request Host \"nobody.example.com\": HTTP.SYS answers 400 Bad Request - Invalid "
	    "Hostname and closes the connection (HTTPERR reason Hostname): no http binding on "
	    "port 8080 matches host \"nobody.example.com\": 400 Invalid Hostname\n"
	    "3. verdict: n/a (plain HTTP: no certificate)\n", certdir);
	assert_text(got, want);
	free(got);

	got = explain(cfg, "127.0.0.1", 8080, "SiteV1.mysite.com:8080", NULL, 0, 1);
	ck_assert_ptr_nonnull(strstr(got, "2. request Host \"SiteV1.mysite.com:8080\": site "
	    "\"MySite V1\" (id:1) by binding http/127.0.0.1:8080:sitev1.mysite.com (routing "
	    "rule 1: host name)\n"));
	free(got);
	conf_free(cfg);

	/* A stopped site: HTTP.SYS's 503, as a stopped application pool. */
	cfg = load_text("[site Down]\nid = 9\nbindings = http/*:8080:\nstate = stopped\n");
	got = explain(cfg, "127.0.0.1", 8080, "anything.example", NULL, 0, 1);
	ck_assert_ptr_nonnull(strstr(got, "2. request Host \"anything.example\": site \"Down\" is "
	    "stopped: HTTP.SYS answers 503 Service Unavailable (HTTPERR reason Disabled)"));
	free(got);
	conf_free(cfg);
}
END_TEST

/* explain narrates the pool of a proxied site; check lists the pools set away from IIS's
 * defaults, each once (two sites of one pool: one line). */
START_TEST(test_views_pool_explain_and_check)
{
	struct conf *cfg = load_text(
	    "[site Shop]\nid = 1\nbindings = http/*:8080:shop\nbackend = http://127.0.0.1:9001\n"
	    "app_pool = Web\nqueue_length = 10\nbackend_max_connections = 2\nverbosity = full\n"
	    "[site Blog]\nid = 2\nbindings = http/*:8080:blog\nbackend = http://127.0.0.1:9002\n"
	    "app_pool = web\nqueue_length = 10\nbackend_max_connections = 2\nverbosity = full\n"
	    "[site Api]\nid = 3\nbindings = http/*:8080:api\nbackend = http://127.0.0.1:9003\n");
	char *got = explain(cfg, "127.0.0.1", 8080, "api", NULL, 0, 1);

	ck_assert_ptr_nonnull(strstr(got, "   proxied to http://127.0.0.1:9003\n"
	    "   application pool \"Api\": queue_length 1000, backend_max_connections 0 (no limit: "
	    "no request waits), rapid_fail on (5 failures within 5 minutes stop it), "
	    "load_balancer http, verbosity limited: a refused request (QueueFull, AppOffline) "
	    "gets 503 Service Unavailable\n3. "));
	free(got);
	got = capture(cfg, CHECK, NULL);
	ck_assert_ptr_nonnull(strstr(got, "0 predictions: no https bindings\n"
	    "application pools set away from IIS's defaults:\n"
	    "  application pool \"Web\": queue_length 10, backend_max_connections 2, rapid_fail on "
	    "(5 failures within 5 minutes stop it), load_balancer http, verbosity full: a refused "
	    "request (QueueFull, AppOffline) gets 503 with the detailed reason phrase "
	    "(unverified)\n"));
	ck_assert_ptr_null(strstr(got, "\"Api\""));
	ck_assert_ptr_null(strstr(got, "\"web\""));
	free(got);
	conf_free(cfg);
}
END_TEST

/* ---- cli_parse ---- */

static int
parse(struct cli_opts *o, char *err, size_t errlen, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = "sysbind";
	va_start(ap, errlen);
	while ((a = va_arg(ap, char *)) != NULL && argc < 15)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return cli_parse(argc, argv, o, err, errlen);
}

START_TEST(test_cli_parse_commands)
{
	struct cli_opts o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_RUN);
	ck_assert_str_eq(o.conf_path, "conf/sysbind.ini");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "-c", "x.ini", "-v", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_RUN);
	ck_assert_str_eq(o.conf_path, "x.ini");
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "-t", "-c", "y.ini", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_TEST);
	ck_assert_str_eq(o.conf_path, "y.ini");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "check", "--json", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_CHECK);
	ck_assert_int_eq(o.json, 1);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "-c", "z.ini", "check", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_CHECK);
	ck_assert_str_eq(o.conf_path, "z.ini");
	ck_assert_int_eq(o.json, 0);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "show", "sslcert", "-c", "a.ini", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_SHOW_SSLCERT);
	ck_assert_str_eq(o.conf_path, "a.ini");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "list", "site", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_LIST_SITE);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "--version", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_VERSION_CMD);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "--help", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_HELP);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "check", "--help", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_HELP);
	ck_assert_str_eq(o.topic, "check");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "help", "import", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_HELP);
	ck_assert_str_eq(o.topic, "import");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "help", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_HELP);
	ck_assert_ptr_null(o.topic);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "-s", "--help", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_HELP);
	ck_assert_str_eq(o.topic, "-s");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "-s", "reload", "-c", "a.ini", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_SIGNAL);
	ck_assert_str_eq(o.action->name, "reload");
	ck_assert_int_eq(o.action->signo, SIGHUP);
	ck_assert_str_eq(o.conf_path, "a.ini");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "-s", "quit", NULL), 0);
	ck_assert_int_eq(o.action->signo, SIGTERM);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--json", "--local",
	    "127.0.0.1:1", "--host", "x", NULL), 0);
	ck_assert_int_eq(o.json, 1);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "list", "site", "--json", NULL), 0);
	ck_assert_int_eq(o.json, 1);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "show", "sslcert", "--json", NULL), 0);
	ck_assert_int_eq(o.json, 1);
}
END_TEST

START_TEST(test_cli_parse_import_appcmd_netsh)
{
	struct cli_opts o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), "import", "--applicationhost", "a.config",
	    "--sslcert", "s.txt", "--cert-store", "certs", "-o", "out.ini", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_IMPORT);
	ck_assert_str_eq(o.applicationhost, "a.config");
	ck_assert_str_eq(o.sslcert_path, "s.txt");
	ck_assert_str_eq(o.cert_store, "certs");
	ck_assert_str_eq(o.out_path, "out.ini");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "import", "--applicationhost", "a", NULL), 0);
	ck_assert_ptr_null(o.sslcert_path);
	ck_assert_ptr_null(o.out_path);

	/* the words after appcmd reach it in order, the options taken out */
	ck_assert_int_eq(parse(&o, err, sizeof(err), "appcmd", "set", "site",
	    "/site.name:MySite V2", "-c", "x.ini",
	    "/+bindings.[protocol='https',bindingInformation='*:443:sitev2.mysite.com']", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_APPCMD);
	ck_assert_str_eq(o.conf_path, "x.ini");
	ck_assert_int_eq(o.nargs, 4);
	ck_assert_str_eq(o.args[0], "set");
	ck_assert_str_eq(o.args[2], "/site.name:MySite V2");
	ck_assert_str_eq(o.args[3],
	    "/+bindings.[protocol='https',bindingInformation='*:443:sitev2.mysite.com']");

	ck_assert_int_eq(parse(&o, err, sizeof(err), "netsh", "http", "add", "sslcert",
	    "ipport=0.0.0.0:443", "certhash=ab", "appid={x}", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_NETSH);
	ck_assert_str_eq(o.conf_path, "conf/sysbind.ini");
	ck_assert_int_eq(o.nargs, 6);
	ck_assert_str_eq(o.args[0], "http");
	ck_assert_str_eq(o.args[5], "appid={x}");
}
END_TEST

START_TEST(test_cli_parse_explain)
{
	struct cli_opts o;
	char err[256], ip[64];

	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--local", "127.0.0.1:8443",
	    "--host", "sitev2.mysite.com", NULL), 0);
	ck_assert_int_eq(o.cmd, CLI_EXPLAIN);
	ck_assert_int_eq(o.local_port, 8443);
	binding_addr_format(&o.local, ip, sizeof(ip));
	ck_assert_str_eq(ip, "127.0.0.1");
	ck_assert_str_eq(o.host, "sitev2.mysite.com");
	ck_assert_ptr_null(o.sni);
	ck_assert_int_eq(o.no_sni, 0);
	ck_assert_int_eq(o.http, 0);

	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--local", "[::1]:443", "--host",
	    "x", "--sni", "y.example", "-c", "c.ini", NULL), 0);
	ck_assert_int_eq(o.local.family, AF_INET6);
	ck_assert_int_eq(o.local_port, 443);
	ck_assert_str_eq(o.sni, "y.example");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--no-sni", "--local",
	    "127.0.0.1:1", "--host", "x", NULL), 0);
	ck_assert_int_eq(o.no_sni, 1);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--http", "--local",
	    "127.0.0.1:8080", "--host", "x", NULL), 0);
	ck_assert_int_eq(o.http, 1);
	ck_assert_ptr_null(o.path);
	ck_assert_int_eq(o.tls, 0);
	ck_assert_int_eq(o.h2, 0);
	/* client certificates: a path, a TLS version, HTTP/2 */
	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--local", "127.0.0.1:443",
	    "--host", "x", "--path", "/secure/a", "--tls", "1.2", "--h2", NULL), 0);
	ck_assert_str_eq(o.path, "/secure/a");
	ck_assert_int_eq(o.tls, 12);
	ck_assert_int_eq(o.h2, 1);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--local", "127.0.0.1:443",
	    "--host", "x", "--tls", "1.3", NULL), 0);
	ck_assert_int_eq(o.tls, 13);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "explain", "--http", "--local",
	    "127.0.0.1:80", "--host", "x", "--path", "/p", NULL), 0);
	/* appcmd's -section: reaches appcmd */
	ck_assert_int_eq(parse(&o, err, sizeof(err), "appcmd", "list", "config", "Site/p",
	    "-section:system.webServer/security/access", NULL), 0);
	ck_assert_int_eq(o.nargs, 4);
	ck_assert_str_eq(o.args[3], "-section:system.webServer/security/access");
}
END_TEST

/* Each bad command line fails with the given reason. */
static void
bad(const char *want, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	char *a, err[256];
	struct cli_opts o;

	argv[argc++] = "sysbind";
	va_start(ap, want);
	while ((a = va_arg(ap, char *)) != NULL && argc < 15)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	ck_assert_int_eq(cli_parse(argc, argv, &o, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
}

START_TEST(test_cli_parse_bad_usage)
{
	bad("--tls \"1.1\": 1.2 or 1.3", "explain", "--local", "127.0.0.1:1", "--host", "x",
	    "--tls", "1.1", NULL);
	bad("--http has no TLS: --sni, --no-sni, --tls and --h2 do not apply", "explain", "--http",
	    "--local", "127.0.0.1:1", "--host", "x", "--h2", NULL);
	bad("--path \"secure\": a request path starts with /", "explain", "--local",
	    "127.0.0.1:1", "--host", "x", "--path", "secure", NULL);
	bad("option --h2 is not valid with check", "check", "--h2", NULL);
	bad("unknown option \"-section:x\"", "check", "-section:x", NULL);
	bad("unknown command \"iisreset\"", "iisreset", NULL);
	bad("import needs --applicationhost FILE", "import", "--sslcert", "x", NULL);
	bad("option --applicationhost is not valid with run", "--applicationhost", "x", NULL);
	bad("option -c is not valid with import", "import", "--applicationhost", "x", "-c", "y",
	    NULL);
	bad("option --cert-store is not valid with check", "check", "--cert-store", "d", NULL);
	bad("unexpected argument \"extra\"", "import", "extra", "--applicationhost", "x", NULL);
	bad("appcmd needs a command, e.g. appcmd list site", "appcmd", NULL);
	bad("netsh takes one context: http (netsh http show sslcert)", "netsh", "show", NULL);
	bad("option --json is not valid with netsh", "netsh", "http", "show", "sslcert", "--json",
	    NULL);
	bad("unknown option \"--bogus\"", "check", "--bogus", NULL);
	bad("option -c needs a value", "check", "-c", NULL);
	bad("option -c given twice", "-c", "a", "-c", "b", NULL);
	bad("option --json is not valid with import", "import", "--applicationhost", "x",
	    "--json", NULL);
	bad("unknown command \"improt\"; did you mean \"import\"?", "improt", NULL);
	bad("unknown command \"chek\"; did you mean \"check\"?", "chek", "-c", "x", NULL);
	bad("unknown command \"lsit\"; did you mean \"list\"?", "lsit", "site", NULL);
	bad("unknown command \"x\"", "x", NULL);
	bad("unknown command \"improt\"; did you mean \"import\"?", "help", "improt", NULL);
	bad("unknown command \"improt\"; did you mean \"import\"?", "improt", "--help", NULL);
	bad("-s \"restart\": one of reload|reopen|stop|quit", "-s", "restart", NULL);
	bad("option -s needs a value", "-s", NULL);
	bad("-s takes no command (got \"check\")", "-s", "stop", "check", NULL);
	bad("option -v is not valid with -s", "-s", "stop", "-v", NULL);
	bad("option -v is not valid with check", "check", "-v", NULL);
	bad("option -v is not valid with -t", "-t", "-v", NULL);
	bad("-t takes no command (got \"check\")", "-t", "check", NULL);
	bad("--version takes no command (got \"check\")", "--version", "check", NULL);
	bad("option -c is not valid with --version", "--version", "-c", "x", NULL);
	bad("\"show\" takes one object: sslcert or certs", "show", NULL);
	bad("\"show\" takes one object: sslcert or certs", "show", "site", NULL);
	bad("\"list\" takes one object: site", "list", "sslcert", NULL);
	bad("unexpected argument \"extra\"", "check", "extra", NULL);
	bad("unexpected argument \"extra\"", "list", "site", "extra", NULL);
	bad("explain needs --local IP:PORT", "explain", "--host", "x", NULL);
	bad("explain needs --host NAME", "explain", "--local", "127.0.0.1:1", NULL);
	bad("--sni and --no-sni exclude each other", "explain", "--local", "127.0.0.1:1",
	    "--host", "x", "--sni", "y", "--no-sni", NULL);
	bad("--http has no TLS: --sni, --no-sni, --tls and --h2 do not apply", "explain",
	    "--local",
	    "127.0.0.1:1", "--host", "x", "--http", "--no-sni", NULL);
	bad("--local \"*:443\": expected IP:PORT, e.g. 127.0.0.1:443 or [::1]:443", "explain",
	    "--local", "*:443", "--host", "x", NULL);
	bad("--local \"::1:443\": expected IP:PORT, e.g. 127.0.0.1:443 or [::1]:443", "explain",
	    "--local", "::1:443", "--host", "x", NULL);
	bad("--local \"127.0.0.1:0\": expected IP:PORT, e.g. 127.0.0.1:443 or [::1]:443",
	    "explain", "--local", "127.0.0.1:0", "--host", "x", NULL);
	bad("--local \"127.0.0.1\": expected IP:PORT, e.g. 127.0.0.1:443 or [::1]:443",
	    "explain", "--local", "127.0.0.1", "--host", "x", NULL);
	bad("--local \"127.0.0.1:99999\": expected IP:PORT, e.g. 127.0.0.1:443 or [::1]:443",
	    "explain", "--local", "127.0.0.1:99999", "--host", "x", NULL);
}
END_TEST

START_TEST(test_cli_usage_lists_only_current_commands)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cli_usage(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "sysbind check [-c FILE] [--json]"));
	ck_assert_ptr_nonnull(strstr(buf, "sysbind explain [-c FILE] --local IP:PORT --host NAME "
	    "[--sni NAME | --no-sni] [--http]"));
	ck_assert_ptr_nonnull(strstr(buf, "sysbind show sslcert [-c FILE]"));
	ck_assert_ptr_nonnull(strstr(buf, "sysbind list site [-c FILE]"));
	ck_assert_ptr_nonnull(strstr(buf, "sysbind import --applicationhost F [--sslcert F] "
	    "[--cert-store D] [-o OUT]"));
	ck_assert_ptr_nonnull(strstr(buf, "sysbind appcmd … [-c FILE]"));
	ck_assert_ptr_nonnull(strstr(buf, "sysbind netsh http … [-c FILE]"));
	ck_assert_ptr_nonnull(strstr(buf, "sysbind -s reload|reopen|stop|quit [-c FILE]"));
	free(buf);
}
END_TEST

/* One command's help: its usage lines and the options it takes, nothing else. */
START_TEST(test_cli_help_one_command)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(cli_help(f, "import"), 0);
	fclose(f);
	ck_assert_msg(strncmp(buf, "usage: sysbind import --applicationhost F", 41) == 0, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "\n  --cert-store DIR "));
	ck_assert_ptr_null(strstr(buf, "check"));
	ck_assert_ptr_null(strstr(buf, "-c FILE"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(cli_help(f, "-s"), 0);
	ck_assert_int_eq(cli_help(f, "nope"), -1);
	fclose(f);
	ck_assert_msg(strncmp(buf, "usage: sysbind -s reload|reopen|stop|quit", 41) == 0, "%s", buf);
	free(buf);
}
END_TEST

/* ---- show sslcert: the four Windows layouts, byte for byte ---- */

/* A file of tests/fixtures/iis/ whole (caller frees). */
static char *
fixture(const char *name)
{
	char path[256], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "tests/fixtures/iis/%s", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* show sslcert of text (no certificates loaded: the hashes are certhash as written). */
static char *
show_of(const char *text, char **note)
{
	char err[4096], *buf = NULL, *nbuf = NULL;
	size_t len = 0, nlen = 0;
	struct conf *c = conf_parse(text, "layout.ini", 0, err, sizeof(err));
	FILE *f, *nf;

	ck_assert_msg(c != NULL, "%s", err);
	f = open_memstream(&buf, &len);
	nf = open_memstream(&nbuf, &nlen);
	ck_assert_int_eq(views_show_sslcert(c, f, nf), 0);
	fclose(f);
	fclose(nf);
	conf_free(c);
	if (note != NULL)
		*note = nbuf;
	else
		free(nbuf);
	return buf;
}

#define APPID "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"

static void
assert_layout(const char *fixture_name, const char *text)
{
	char *want = fixture(fixture_name), *got = show_of(text, NULL);

	assert_text(got, want);
	free(got);
	free(want);
}

START_TEST(test_views_show_sslcert_layout_2012)
{
	/* the hostnameport entry's thumbprint as Windows' dialog copies it: upper case, spaced */
	assert_layout("netsh-2012.txt", "[server]\nmode = iis8\nshow_layout = 2012\n"
	    "[sslcert 0.0.0.0:443]\ncerthash = a74ce0a0d9a7035c3487162286654f45e5b81084\n" APPID
	    "certstorename = MY\n"
	    "[sslcert sni.iis8.com:443]\n"
	    "certhash = E5614040 C21D60B4 C78C327C FE3B731D 59B76E0D\n" APPID "certstorename = My\n"
	    "[sslcert ccs:443]\ndirectory = ccs\n" APPID);
}
END_TEST

/* Windows Server 2008 R2: each label in a field of its own width, a space after some
 * values; a Hostname:port entry (2012's) is shown all the same and said. */
START_TEST(test_views_show_sslcert_layout_2008)
{
	char *note, *got;

	assert_layout("netsh-2008r2.txt", "[server]\nshow_layout = 2008\n"
	    "[sslcert 0.0.0.0:443]\ncerthash = a74ce0a0d9a7035c3487162286654f45e5b81084\n" APPID
	    "certstorename = MY\n"
	    "[sslcert 0.0.0.0:50000]\ncerthash = e5614040c21d60b4c78c327cfe3b731d59b76e0d\n"
	    "appid = {e57e408e-c377-41e9-83d8-d1cdaae4d55c}\ncertstorename = My\n"
	    "verifyclientcertrevocation = disable\nverifyrevocationwithcachedclientcertonly = "
	    "enable\nusagecheck = disable\nrevocationfreshnesstime = 60\n"
	    "urlretrievaltimeout = 5000\ndsmapperusage = enable\nclientcertnegotiation = enable\n");
	got = show_of("[server]\nmode = iis8\nshow_layout = 2008\n[sslcert www.example.com:443]\n"
	    "certhash = a74ce0a0d9a7035c3487162286654f45e5b81084\n", &note);
	ck_assert_ptr_nonnull(strstr(got, "\r\n    Hostname:port           : www.example.com:443"
	    "\r\n    Certificate Hash        : a74ce0a0d9a7035c3487162286654f45e5b81084\r\n"));
	ck_assert_str_eq(note, "sysbind: [sslcert www.example.com:443]: show_layout = 2008 has "
	    "no Hostname:port entries (they came with Windows Server 2012): shown in its layout "
	    "all the same\n");
	free(got);
	free(note);
}
END_TEST

/* Windows Server 2016: 2012's lines and Reject Connections, no Disable HTTP2 yet. */
START_TEST(test_views_show_sslcert_layout_2016)
{
	char *note, *got;

	assert_layout("netsh-2016.txt", "[server]\nmode = iis8\nshow_layout = 2016\n"
	    "[sslcert 0.0.0.0:8080]\ncerthash = 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b\n" APPID
	    "certstorename = My\n"
	    "[sslcert somehost:8080]\ncerthash = 3b5d5c3712955042212316173ccf37be80008f4d\n" APPID
	    "certstorename = MY\n");
	got = show_of("[server]\nshow_layout = 2016\n[sslcert 0.0.0.0:443]\n"
	    "certhash = a74ce0a0d9a7035c3487162286654f45e5b81084\ndisablehttp2 = enable\n"
	    "reject = enable\n", &note);
	ck_assert_ptr_nonnull(strstr(got, "\r\n    Reject Connections           : Enabled\r\n"
	    "\r\n"));
	ck_assert_str_eq(note, "sysbind: [sslcert 0.0.0.0:443]: disablehttp2 = enable is not "
	    "shown: show_layout = 2016 has no \"Disable HTTP2\" line (it came with Windows "
	    "Server 2019)\n");
	free(got);
	free(note);
}
END_TEST

START_TEST(test_views_show_sslcert_layout_2019)
{
	static const char entry[] =
	    "certhash = be22839cfff71bab0b118b69b0c8a2e33f02f04d\n"
	    "appid = {5d89a20c-beab-4389-9447-324788eb944a}\ncertstorename = MY\n"
	    "sslctlstorename = AdfsTrustedDevices\n";
	char text[1024];

	snprintf(text, sizeof(text), "[server]\nmode = iis8\nshow_layout = 2019\n"
	    "[sslcert sts.aadtesting.info:443]\n%s[sslcert 0.0.0.0:443]\n%s", entry, entry);
	assert_layout("netsh-2019.txt", text);
}
END_TEST

START_TEST(test_views_show_sslcert_layout_2022)
{
	/* the default layout */
	assert_layout("netsh-2022.txt",
	    "[sslcert 0.0.0.0:443]\ncerthash = 2ACE368A 90D2117B E7A0065D FE259B2E 8C94F538\n"
	    APPID "certstorename = My\ndisabletls13 = enable\n"
	    "[sslcert 0.0.0.0:44307]\ncerthash = 61d34f532da121bbab64723c4871e72c92f03735\n"
	    "appid = {214124cd-d05b-4309-9af9-9caa44b2b74a}\ncertstorename = MY\n");
}
END_TEST

START_TEST(test_views_show_sslcert_layout_2025)
{
	assert_layout("netsh-2025.txt", "[server]\nshow_layout = 2025\n"
	    "[sslcert 0.0.0.0:21443]\ncerthash = 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b\n"
	    APPID "certstorename = My\ndisablehttp2 = enable\ndisablequic = enable\n"
	    "enabletokenbinding = enable\nlogextendedevents = enable\n"
	    "disablelegacytls = enable\nenablesessionticket = enable\ndisablesessionid = enable\n"
	    "[sslcert 0.0.0.0:7048]\ncerthash = 3b5d5c3712955042212316173ccf37be80008f4d\n"
	    "appid = {a0a0a0a0-b1b1-c2c2-d3d3-e4e4e4e4e4e4}\n");
}
END_TEST

/* Windows 11 (issue 24): Enable Caching Client Hello without Disable Session ID, and the
 * empty Extended Properties blocks of PropertyId 2 to 4 (show_property_blocks = 5). */
START_TEST(test_views_show_sslcert_layout_win11)
{
	char *note, *got;

	assert_layout("netsh-win11.txt", "[server]\nshow_layout = win11\n"
	    "show_property_blocks = 5\n"
	    "[sslcert 0.0.0.0:7048]\ncerthash = 3b5d5c3712955042212316173ccf37be80008f4d\n"
	    "appid = {a0a0a0a0-b1b1-c2c2-d3d3-e4e4e4e4e4e4}\n");
	/* Disable Session ID came with Server 2025: said, not printed */
	got = show_of("[server]\nshow_layout = win11\n[sslcert 0.0.0.0:443]\n"
	    "certhash = a74ce0a0d9a7035c3487162286654f45e5b81084\ndisablesessionid = enable\n",
	    &note);
	ck_assert_ptr_null(strstr(got, "Disable Session ID"));
	ck_assert_ptr_nonnull(strstr(got, "    Enable Caching Client Hello  : Not Set\r\n"
	    " Extended Properties:\r\n"));
	ck_assert_str_eq(note, "sysbind: [sslcert 0.0.0.0:443]: disablesessionid = enable is not "
	    "shown: show_layout = win11 has no \"Disable Session ID\" line (it came with Windows "
	    "Server 2025)\n");
	free(got);
	free(note);
}
END_TEST

/* Every parameter away from its default, in the 2022 layout: each line netsh has. */
START_TEST(test_views_show_sslcert_every_flag)
{
	assert_layout("netsh-2022-every-flag.txt", "[server]\nmode = iis8\n"
	    "[sslcert 0.0.0.0:443]\ncerthash = a74ce0a0d9a7035c3487162286654f45e5b81084\n" APPID
	    "certstorename = My\nverifyclientcertrevocation = disable\n"
	    "verifyrevocationwithcachedclientcertonly = enable\nusagecheck = disable\n"
	    "revocationfreshnesstime = 3600\nurlretrievaltimeout = 15000\n"
	    "sslctlidentifier = MyCtl\nsslctlstorename = ClientAuthIssuer\n"
	    "dsmapperusage = enable\nclientcertnegotiation = enable\nreject = enable\n"
	    "disablehttp2 = enable\ndisablequic = enable\ndisabletls12 = enable\n"
	    "disabletls13 = enable\ndisableocspstapling = enable\nenabletokenbinding = enable\n"
	    "logextendedevents = enable\ndisablelegacytls = enable\nenablesessionticket = enable\n"
	    "receivewindow = 65535\nmaxsettingsperframe = 100\nmaxsettingsperminute = 1000\n"
	    "[sslcert sitev2.mysite.com:443]\n"
	    "certhash = e5614040c21d60b4c78c327cfe3b731d59b76e0d\n" APPID
	    "certstorename = WebHosting\nclientcertnegotiation = enable\n"
	    "sslctlstorename = ClientAuthIssuer\ndisabletls13 = enable\n"
	    "disablelegacytls = enable\n");
}
END_TEST

/* A parameter the layout has no line for is named, not dropped silently; the long labels
 * keep one space before the colon; the 28-column padding. */
START_TEST(test_views_show_sslcert_hidden_and_padding)
{
	char *note, *got = show_of("[server]\nshow_layout = 2012\n[sslcert 0.0.0.0:443]\n"
	    "certhash = a74ce0a0d9a7035c3487162286654f45e5b81084\ndisabletls13 = enable\n"
	    "reject = enable\nreceivewindow = 70000\ndisablesessionid = disable\n", &note);

	ck_assert_str_eq(note,
	    "sysbind: [sslcert 0.0.0.0:443]: reject = enable is not shown: show_layout = 2012 has "
	    "no \"Reject Connections\" line (it came with Windows Server 2016)\n"
	    "sysbind: [sslcert 0.0.0.0:443]: disabletls13 = enable is not shown: show_layout = "
	    "2012 has no \"Disable TLS1.3\" line (it came with Windows Server 2022)\n"
	    "sysbind: [sslcert 0.0.0.0:443]: receivewindow = 70000 is not shown: show_layout = "
	    "2012 has no \"Receive Window\" line (it came with Windows Server 2022)\n");
	ck_assert_ptr_nonnull(strstr(got, "\r\n    Verify Client Certificate Revocation : "
	    "Enabled\r\n    Verify Revocation Using Cached Client Certificate Only : Disabled\r\n"));
	ck_assert_ptr_nonnull(strstr(got, "\r\n    Negotiate Client Certificate : Disabled\r\n"
	    "\r\n"));
	ck_assert_ptr_null(strstr(got, "Extended"));
	free(note);
	free(got);
	got = show_of("[sslcert 0.0.0.0:443]\ncerthash = a74ce0a0d9a7035c3487162286654f45e5b81084\n"
	    "disabletls13 = enable\n", &note);
	ck_assert_str_eq(note, "");
	ck_assert_ptr_nonnull(strstr(got, "\r\n    Disable TLS1.3               : Set\r\n"));
	free(note);
	free(got);
}
END_TEST

/* ---- client certificates in check and explain ---- */

/* A site whose paths ask for client certificates in the three ways IIS knows, on a
 * binding that does not negotiate in its handshake and one that does. */
#define CC_INI \
	"[server]\n" \
	"trust = ca.pem\n" \
	"[sslcert 0.0.0.0:8443]\n" \
	"certificate = sitev1.pem\n" \
	"key = sitev1.key\n" \
	"[sslcert 127.0.0.1:9443]\n" \
	"certificate = localhost.pem\n" \
	"key = localhost.key\n" \
	"clientcertnegotiation = enable\n" \
	"[sslcert 127.0.0.2:9443]\n" \
	"certificate = localhost.pem\n" \
	"key = localhost.key\n" \
	"disabletls13 = enable\n" \
	"[site MySite V1]\n" \
	"id = 1\n" \
	"bindings = https/127.0.0.1:8443:sitev1.mysite.com, http/127.0.0.1:8080:sitev1.mysite.com\n" \
	"[location MySite V1/secure]\n" \
	"ssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n" \
	"[location MySite V1/partners]\n" \
	"ssl_flags = Ssl, SslRequireCert\n" \
	"[site Fixed]\n" \
	"id = 2\n" \
	"bindings = https/127.0.0.1:9443:localhost\n" \
	"ssl_flags = Ssl, SslNegotiateCert\n" \
	"[site Old]\n" \
	"id = 3\n" \
	"bindings = https/127.0.0.2:9443:localhost\n" \
	"ssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n"

START_TEST(test_views_check_client_certificates)
{
	struct conf *cfg = load_text("%s", CC_INI);
	int rc;
	char *got = capture(cfg, CHECK, &rc);

	/* 2 + 3 client errors at /secure and /partners; Fixed and Old are fine */
	ck_assert_int_eq(rc, 5);
	ck_assert_msg(strstr(got,
	    "\nclient certificates (IIS access sslFlags; each client holds a good certificate and "
	    "sends it when asked):\n"
	    "MySite V1 /secure (Ssl, SslNegotiateCert, SslRequireCert, [location MySite V1/secure]) "
	    "on https/127.0.0.1:8443:sitev1.mysite.com via [sslcert 0.0.0.0:8443] "
	    "(clientcertnegotiation = disable)\n"
	    "  TLS 1.2 client              renegotiates, then served\n"
	    "  TLS 1.3 browser (HTTP/1.1)  connection reset  <- client error\n"
	    "  HTTP/2 browser              HTTP_1_1_REQUIRED, then connection reset  <- client "
	    "error\n"
	    "  fix: clientcertnegotiation = enable in [sslcert 0.0.0.0:8443] (the first handshake "
	    "asks for the certificate, so TLS 1.3 and HTTP/2 clients send it), or disabletls13 = "
	    "enable there (TLS 1.2 renegotiates; HTTP/2 browsers retry over HTTP/1.1)\n"
	    "MySite V1 /partners (Ssl, SslRequireCert, [location MySite V1/partners]) on "
	    "https/127.0.0.1:8443:sitev1.mysite.com via [sslcert 0.0.0.0:8443] "
	    "(clientcertnegotiation = disable)\n"
	    "  TLS 1.2 client              403.7 (client certificate required)  <- client error\n")
	    != NULL, "%s", got);
	ck_assert_msg(strstr(got, "  fix: clientcertnegotiation = enable in [sslcert 0.0.0.0:8443] "
	    "(the handshake asks for the certificate), or add SslNegotiateCert to the path's "
	    "ssl_flags (a TLS 1.2 renegotiation asks for it)\n") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "Fixed / (Ssl, SslNegotiateCert) on https/127.0.0.1:9443:"
	    "localhost via [sslcert 127.0.0.1:9443] (clientcertnegotiation = enable)\n"
	    "  TLS 1.2 client              served\n"
	    "  TLS 1.3 browser (HTTP/1.1)  served\n"
	    "  HTTP/2 browser              served\n") != NULL, "%s", got);
	/* TLS 1.3 disabled: everyone renegotiates over TLS 1.2, HTTP/2 after its retry */
	ck_assert_msg(strstr(got, "Old / (Ssl, SslNegotiateCert, SslRequireCert) on "
	    "https/127.0.0.2:9443:localhost via [sslcert 127.0.0.2:9443] (clientcertnegotiation = "
	    "disable)\n"
	    "  TLS 1.2 client              renegotiates, then served\n"
	    "  TLS 1.3 browser (HTTP/1.1)  renegotiates, then served\n"
	    "  HTTP/2 browser              HTTP_1_1_REQUIRED, then renegotiates, then served\n"
	    "client errors:\n") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "  MySite V1 /secure: an HTTP/2 browser gets HTTP_1_1_REQUIRED, "
	    "then connection reset: /secure wants a client certificate") != NULL, "%s", got);
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_check_client_certificates_json)
{
	struct conf *cfg = load_text("%s", CC_INI);
	int rc;
	char *got = capture(cfg, CHECK_JSON, &rc);

	ck_assert_int_eq(rc, 5);
	ck_assert_msg(strstr(got, "\"client_certificates\": [{\"path\": \"/secure\", \"ssl_flags\": "
	    "\"Ssl, SslNegotiateCert, SslRequireCert\", \"location\": \"MySite V1/secure\", "
	    "\"server_level\": false, \"sslcert\": \"0.0.0.0:8443\", \"clientcertnegotiation\": false, \"clients\": "
	    "[{\"client\": \"TLS 1.2 client\", \"action\": \"serve\", \"outcome\": \"renegotiates, "
	    "then served\", \"error\": false, \"why\": ") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "{\"client\": \"TLS 1.3 browser (HTTP/1.1)\", \"action\": "
	    "\"tls13-reset\", \"outcome\": \"connection reset\", \"error\": true, \"why\": ") !=
	    NULL, "%s", got);
	ck_assert_msg(strstr(got, "\"fix\": \"clientcertnegotiation = enable in [sslcert "
	    "0.0.0.0:8443]") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "\"fix\": null}]") != NULL, "%s", got);
	free(got);
	/* Server 2025's answer instead of the reset */
	conf_free(cfg);
	cfg = load_text("[server]\ntls13_delayed_client_cert = error500\n%s", CC_INI + 9);
	got = capture(cfg, CHECK, &rc);
	ck_assert_msg(strstr(got, "  TLS 1.3 browser (HTTP/1.1)  500.0 (0x80070032)  <- client "
	    "error\n") != NULL, "%s", got);
	free(got);
	conf_free(cfg);
}
END_TEST

static char *
explain_cc(const struct conf *cfg, const char *local, unsigned port, const char *host,
    const char *path, int tls, int h2, int http)
{
	struct views_conn c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(binding_addr_parse(local, &c.local), 0);
	c.port = port;
	c.host = host;
	c.path = path;
	c.tls = tls;
	c.h2 = h2;
	c.http = http;
	ck_assert_int_eq(views_explain(cfg, &c, time(NULL), 0, f), 0);
	fclose(f);
	return buf;
}

/* The server level (issue 24 item 6): a site with no ssl_flags of its own has [server]'s;
 * check's table and explain say so, its own and its [location] say theirs. */
START_TEST(test_views_client_certificate_server_level)
{
	struct conf *cfg = load_text("[server]\nssl_flags = Ssl, SslNegotiateCert, "
	    "SslRequireCert\n%s", CC_INI + 9);
	int rc;
	char *got = capture(cfg, CHECK, &rc);

	/* MySite V1's own root now asks, from the server level; its [location]s as before */
	ck_assert_msg(strstr(got, "MySite V1 / (Ssl, SslNegotiateCert, SslRequireCert, [server]) "
	    "on https/127.0.0.1:8443:sitev1.mysite.com via [sslcert 0.0.0.0:8443] "
	    "(clientcertnegotiation = disable)\n") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "MySite V1 /secure (Ssl, SslNegotiateCert, SslRequireCert, "
	    "[location MySite V1/secure]) on") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "Fixed / (Ssl, SslNegotiateCert) on") != NULL, "%s", got);
	free(got);
	got = capture(cfg, CHECK_JSON, &rc);
	ck_assert_msg(strstr(got, "{\"path\": \"/\", \"ssl_flags\": \"Ssl, SslNegotiateCert, "
	    "SslRequireCert\", \"location\": null, \"server_level\": true, \"sslcert\": "
	    "\"0.0.0.0:8443\"") != NULL, "%s", got);
	free(got);
	got = explain_cc(cfg, "127.0.0.1", 8443, "sitev1.mysite.com", "/public", 12, 0, 0);
	ck_assert_msg(strstr(got, "6. client certificate for /public: ssl_flags Ssl, "
	    "SslNegotiateCert, SslRequireCert ([server], as [site MySite V1] sets none); TLS 1.2")
	    != NULL, "%s", got);
	free(got);
	got = explain_cc(cfg, "127.0.0.1", 9443, "localhost", "/x", 12, 0, 0);
	ck_assert_msg(strstr(got, "client certificate for /x: ssl_flags Ssl, SslNegotiateCert "
	    "([site Fixed])") != NULL, "%s", got);
	free(got);
	conf_free(cfg);
}
END_TEST

START_TEST(test_views_explain_client_certificate)
{
	struct conf *cfg = load_text("%s", CC_INI);
	char *got;

	got = explain_cc(cfg, "127.0.0.1", 8443, "sitev1.mysite.com", "/Secure/report", 12, 0, 0);
	ck_assert_msg(strstr(got, "\n6. client certificate for /Secure/report: ssl_flags Ssl, "
	    "SslNegotiateCert, SslRequireCert ([location MySite V1/secure]); TLS 1.2, HTTP/1.1, "
	    "[sslcert 0.0.0.0:8443] clientcertnegotiation = disable\n"
	    "   renegotiate: /Secure/report wants a client certificate (ssl_flags Ssl, "
	    "SslNegotiateCert, SslRequireCert) the handshake did not ask for "
	    "(clientcertnegotiation = disable): over TLS 1.2 HTTP.SYS renegotiates inside the "
	    "connection to ask for it now\n"
	    "   the renegotiation's CertificateRequest: a client holding a good certificate sends "
	    "it\n"
	    "   then: serve: /Secure/report wants a client certificate (ssl_flags Ssl, "
	    "SslNegotiateCert, SslRequireCert) and the client's is good: served, the certificate "
	    "forwarded\n") != NULL, "%s", got);
	free(got);
	/* the binding's highest version by default: TLS 1.3, reset */
	got = explain_cc(cfg, "127.0.0.1", 8443, "sitev1.mysite.com", "/secure", 0, 0, 0);
	ck_assert_msg(strstr(got, "TLS 1.3, HTTP/1.1, [sslcert 0.0.0.0:8443]") != NULL &&
	    strstr(got, "   tls13-reset: /secure wants a client certificate") != NULL, "%s", got);
	free(got);
	/* HTTP/2, then its retry over HTTP/1.1 */
	got = explain_cc(cfg, "127.0.0.1", 8443, "sitev1.mysite.com", "/secure", 0, 1, 0);
	ck_assert_msg(strstr(got, "   h2-http-1.1-required: ") != NULL &&
	    strstr(got, "   the browser retries the request on a new HTTP/1.1 connection\n"
	    "   then: tls13-reset: ") != NULL, "%s", got);
	free(got);
	/* a path with no location: the site's flags (none) */
	got = explain_cc(cfg, "127.0.0.1", 8443, "sitev1.mysite.com", "/public", 0, 0, 0);
	ck_assert_msg(strstr(got, "6. client certificate for /public: ssl_flags None ([site "
	    "MySite V1]: none set); TLS 1.3") != NULL && strstr(got, "   serve: /public wants no "
	    "client certificate (ssl_flags None)\n") != NULL, "%s", got);
	free(got);
	/* plain http to an Ssl path: 403.4 */
	got = explain_cc(cfg, "127.0.0.1", 8080, "sitev1.mysite.com", "/secure", 0, 0, 1);
	ck_assert_msg(strstr(got, "4. client certificate for /secure: ssl_flags Ssl, "
	    "SslNegotiateCert, SslRequireCert ([location MySite V1/secure]); plain http\n"
	    "   403.4: /secure requires SSL") != NULL, "%s", got);
	free(got);
	/* a version the binding refuses */
	got = explain_cc(cfg, "127.0.0.2", 9443, "localhost", NULL, 13, 0, 0);
	ck_assert_msg(strstr(got, "   the handshake fails before any request: [sslcert "
	    "127.0.0.2:9443] refuses TLS 1.3 (tls_profile and its disable flags)\n") != NULL,
	    "%s", got);
	free(got);
	/* asked in the handshake: served, whatever the version */
	got = explain_cc(cfg, "127.0.0.1", 9443, "localhost", "/", 13, 1, 0);
	ck_assert_msg(strstr(got, "TLS 1.3, HTTP/2, [sslcert 127.0.0.1:9443] "
	    "clientcertnegotiation = enable\n   serve: / wants a client certificate") != NULL,
	    "%s", got);
	free(got);
	conf_free(cfg);
}
END_TEST

static Suite *
views_suite(void)
{
	Suite *s = suite_create("views");
	TCase *tc = tcase_create("views");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_views_show_sslcert_ipport_bytes);
	tcase_add_test(tc, test_views_show_sslcert_hostnameport_and_ccs);
	tcase_add_test(tc, test_views_show_sslcert_empty_table);
	tcase_add_test(tc, test_views_show_sslcert_layout_2008);
	tcase_add_test(tc, test_views_show_sslcert_layout_2012);
	tcase_add_test(tc, test_views_show_sslcert_layout_2016);
	tcase_add_test(tc, test_views_show_sslcert_layout_2019);
	tcase_add_test(tc, test_views_show_sslcert_layout_2022);
	tcase_add_test(tc, test_views_show_sslcert_layout_2025);
	tcase_add_test(tc, test_views_show_sslcert_every_flag);
	tcase_add_test(tc, test_views_show_sslcert_layout_win11);
	tcase_add_test(tc, test_views_show_sslcert_hidden_and_padding);
	tcase_add_test(tc, test_views_check_client_certificates);
	tcase_add_test(tc, test_views_check_client_certificates_json);
	tcase_add_test(tc, test_views_explain_client_certificate);
	tcase_add_test(tc, test_views_client_certificate_server_level);
	tcase_add_test(tc, test_views_list_site_appcmd_layout);
	tcase_add_test(tc, test_views_check_two_sites_table);
	tcase_add_test(tc, test_views_check_two_names_all_ok);
	tcase_add_test(tc, test_views_share_notes);
	tcase_add_test(tc, test_views_check_two_sites_json);
	tcase_add_test(tc, test_views_check_json_escapes_strings);
	tcase_add_test(tc, test_views_check_no_certificate_is_an_error);
	tcase_add_test(tc, test_views_check_blank_host_is_not_an_error);
	tcase_add_test(tc, test_views_check_both_families);
	tcase_add_test(tc, test_views_verdict_fix_each_verdict);
	tcase_add_test(tc, test_views_check_certificate_not_available);
	tcase_add_test(tc, test_views_explain_two_sites_mismatch);
	tcase_add_test(tc, test_views_explain_iis8_sni_used_and_missing);
	tcase_add_test(tc, test_views_explain_ipv6_client_of_ipv4_wildcard);
	tcase_add_test(tc, test_views_explain_http_and_unknown_host);
	tcase_add_test(tc, test_views_pool_explain_and_check);
	tcase_add_test(tc, test_cli_parse_commands);
	tcase_add_test(tc, test_cli_parse_explain);
	tcase_add_test(tc, test_cli_parse_import_appcmd_netsh);
	tcase_add_test(tc, test_cli_parse_bad_usage);
	tcase_add_test(tc, test_cli_usage_lists_only_current_commands);
	tcase_add_test(tc, test_cli_help_one_command);
	tcase_add_test(tc, test_views_show_sslcert_json);
	tcase_add_test(tc, test_views_explain_json);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char cmd[512];
	SRunner *sr;
	int failed;

	snprintf(certdir, sizeof(certdir), "/tmp/sysbind-check-views.XXXXXX");
	if (mkdtemp(certdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "scripts/mkcerts.sh --demo %s >/dev/null", certdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "check_views: %s failed (run from the repository root)\n", cmd);
		return 1;
	}
	sr = srunner_create(views_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", certdir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_views: could not remove %s\n", certdir);
	return failed == 0 ? 0 : 1;
}
