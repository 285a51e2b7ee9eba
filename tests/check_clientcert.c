/*
 * check_clientcert — the client-certificate decisions (clientcert.c): every row of
 * clientcert_decide, the access flags of a request's path (IIS's longest <location>, the
 * canonicalisation HTTP.SYS applies first, the paths a client could try to slip past a
 * location with), the answers each action is, and the chain verdict under an entry's
 * checks with certificates made by scripts/mkcerts.sh --demo (run from the repository
 * root).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/tls1.h>

#include "model/clientcert.h"
#include "model/conf.h"

static char certdir[256];

#define NEGO CONF_ACCESS_NEGOTIATE_CERT
#define REQ  CONF_ACCESS_REQUIRE_CERT
#define SSLF CONF_ACCESS_SSL

/* One row: the facts that differ from an https TLS 1.2 HTTP/1.1 request without a body
 * or a certificate, on a binding that does not negotiate in its handshake. */
struct row {
	const char            *name;
	unsigned               access;
	int                    http, tls13, h2, negotiated, asked, has_cert;
	enum cert_chain_verdict chain;
	int                    e500;
	long long              cl;
	int                    chunked, complete, expect;
	unsigned long long     read;
	enum clientcert_action want;
	const char            *why;   /* a part of the sentence */
};

static const struct row rows[] = {
	/* 1. plain http */
	{ "http, Ssl", SSLF | NEGO, 1, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_4, "/p requires SSL (ssl_flags Ssl, SslNegotiateCert) and the "
	  "request came over plain http: 403.4" },
	{ "http, Ssl128", CONF_ACCESS_SSL128, 1, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_4, "403.4" },
	{ "http, SslRequireCert alone", REQ, 1, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_7, "a plain-http request cannot carry one: 403.7" },
	{ "http, SslNegotiateCert alone", NEGO, 1, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_SERVE, "asks nothing of a plain-http request" },
	{ "http, None", 0, 1, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0, CLIENTCERT_SERVE,
	  "(ssl_flags None)" },
	/* 2. nothing wanted */
	{ "https, Ssl", SSLF, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0, CLIENTCERT_SERVE,
	  "/p wants no client certificate (ssl_flags Ssl)" },
	{ "https, None, a certificate held", 0, 0, 0, 0, 0, 0, 1, CHAIN_UNTRUSTED, 0, -1, 0, 0,
	  0, 0, CLIENTCERT_SERVE, "the one the connection holds is forwarded" },
	/* 3. a certificate held: its verdict */
	{ "good certificate", SSLF | NEGO | REQ, 0, 1, 1, 1, 0, 1, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_SERVE, "the client's is good: chain ok: served, the certificate forwarded" },
	{ "revoked", NEGO | REQ, 0, 0, 0, 0, 1, 1, CHAIN_REVOKED, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_13, "the client's certificate is revoked: chain ok: 403.13" },
	{ "untrusted", NEGO | REQ, 0, 0, 0, 0, 1, 1, CHAIN_UNTRUSTED, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_16, "untrusted or invalid: chain ok: 403.16" },
	{ "expired", NEGO | REQ, 0, 0, 0, 0, 1, 1, CHAIN_EXPIRED, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_17, "is expired: chain ok: 403.17" },
	{ "not yet valid", NEGO, 0, 0, 0, 1, 0, 1, CHAIN_NOT_YET_VALID, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_17, "is not yet valid" },
	{ "Accept (Negotiate alone) with a bad certificate", NEGO, 0, 0, 0, 0, 1, 1,
	  CHAIN_UNTRUSTED, 0, -1, 0, 0, 0, 0, CLIENTCERT_DENY_403_16, "403.16" },
	{ "Require alone, a certificate from the handshake", REQ, 0, 1, 0, 1, 0, 1, CHAIN_OK, 0,
	  -1, 0, 0, 0, 0, CLIENTCERT_SERVE, "served" },
	/* 4. asked, none sent */
	{ "Require, the handshake asked", NEGO | REQ, 0, 1, 1, 1, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0,
	  0, CLIENTCERT_DENY_403_7, "sent none when the handshake asked "
	  "(clientcertnegotiation = enable): 403.7" },
	{ "Require, the renegotiation asked", NEGO | REQ, 0, 0, 0, 0, 1, 0, CHAIN_OK, 0, -1, 0,
	  0, 0, 0, CLIENTCERT_DENY_403_7, "sent none when the renegotiation asked: 403.7" },
	{ "Accept, asked, none", SSLF | NEGO, 0, 0, 0, 0, 1, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_SERVE_NO_CERT, "accepts a client certificate (ssl_flags Ssl, "
	  "SslNegotiateCert) and the client sent none when the renegotiation asked: served "
	  "without one" },
	/* 5. required, never requested */
	{ "Require without Negotiate", SSLF | REQ, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_DENY_403_7, "does not negotiate one (no SslNegotiateCert)" },
	/* 6. ask now */
	{ "HTTP/2", NEGO | REQ, 0, 1, 1, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_H2_HTTP_1_1_REQUIRED, "reset with HTTP_1_1_REQUIRED" },
	{ "HTTP/2 over TLS 1.2", NEGO, 0, 0, 1, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_H2_HTTP_1_1_REQUIRED, "RFC 7540 9.2.1" },
	{ "TLS 1.3, Server 2022", NEGO | REQ, 0, 1, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_TLS13_RESET, "Windows Server 2022 resets the connection "
	  "(tls13_delayed_client_cert = reset)" },
	{ "TLS 1.3, Server 2025", NEGO, 0, 1, 0, 0, 0, 0, CHAIN_OK, 1, -1, 0, 0, 0, 0,
	  CLIENTCERT_TLS13_500, "answers 500.0 with 0x80070032 (ERROR_NOT_SUPPORTED)" },
	{ "TLS 1.2, no body", NEGO | REQ, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 0, 0, 0, 0,
	  CLIENTCERT_RENEGOTIATE, "over TLS 1.2 HTTP.SYS renegotiates inside the connection to "
	  "ask for it now" },
	{ "TLS 1.2, 10 KB body", NEGO | REQ, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, 10240, 0, 0, 0, 0,
	  CLIENTCERT_RENEGOTIATE, "reads the request body ahead (all of it, "
	  "upload_read_ahead_size 49152)" },
	{ "TLS 1.2, body of exactly the limit", NEGO, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, 49152, 0,
	  0, 0, 0, CLIENTCERT_RENEGOTIATE, "reads the request body ahead" },
	{ "TLS 1.2, 100 KB body", NEGO | REQ, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, 102400, 0, 0, 0, 0,
	  CLIENTCERT_TOO_LARGE_413, "the request body (102400 bytes) is larger than "
	  "upload_read_ahead_size (49152)" },
	{ "TLS 1.2, one byte over", NEGO, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, 49153, 0, 0, 0, 0,
	  CLIENTCERT_TOO_LARGE_413, "413 and the connection closed" },
	{ "TLS 1.2, 100 KB body with Expect: 100-continue", NEGO, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0,
	  102400, 0, 0, 1, 0, CLIENTCERT_RENEGOTIATE, "before the client sends its body" },
	{ "TLS 1.2, chunked, being read", NEGO, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 1, 0, 0,
	  30000, CLIENTCERT_RENEGOTIATE, "(chunked, to its end, upload_read_ahead_size 49152)" },
	{ "TLS 1.2, chunked, past the limit", NEGO, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 1, 0, 0,
	  49153, CLIENTCERT_TOO_LARGE_413, "the chunked request body passed "
	  "upload_read_ahead_size (49152 bytes) before its end" },
	{ "TLS 1.2, chunked, whole and small", NEGO, 0, 0, 0, 0, 0, 0, CHAIN_OK, 0, -1, 1, 1, 0,
	  100, CLIENTCERT_RENEGOTIATE, "reads the request body ahead" },
};

static void
row_facts(const struct row *r, struct clientcert_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->access = r->access;
	f->path = "/p";
	f->https = !r->http;
	f->tls_version = r->tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
	f->http2 = r->h2;
	f->negotiated = r->negotiated;
	f->asked = r->asked;
	f->has_cert = r->has_cert;
	f->chain = r->chain;
	f->chain_why = r->has_cert ? "chain ok" : NULL;
	f->tls13_delayed = r->e500 ? CONF_TLS13_DELAYED_ERROR500 : CONF_TLS13_DELAYED_RESET;
	f->upload_read_ahead_size = 49152;
	f->content_length = r->cl;
	f->chunked = r->chunked;
	f->body_complete = r->complete;
	f->expect_continue = r->expect;
	f->body_read = r->read;
}

START_TEST(test_clientcert_decide_rows)
{
	const struct row *r = &rows[_i];
	struct clientcert_facts f;
	char why[600];
	enum clientcert_action a;

	row_facts(r, &f);
	a = clientcert_decide(&f, why, sizeof(why));
	ck_assert_msg(a == r->want, "%s: got %s, want %s (%s)", r->name,
	    clientcert_action_name(a), clientcert_action_name(r->want), why);
	ck_assert_msg(strstr(why, r->why) != NULL, "%s: [%s] not in [%s]", r->name, r->why, why);
	/* no sentence buffer: the same decision */
	ck_assert_int_eq(clientcert_decide(&f, NULL, 0), r->want);
}
END_TEST

START_TEST(test_clientcert_status)
{
	static const struct { enum clientcert_action a; int st, sub; unsigned long w; int err;
	    const char *name; } t[] = {
		{ CLIENTCERT_SERVE, 0, 0, 0, 0, "serve" },
		{ CLIENTCERT_SERVE_NO_CERT, 0, 0, 0, 0, "serve-no-cert" },
		{ CLIENTCERT_DENY_403_4, 403, 4, 0, 1, "403.4" },
		{ CLIENTCERT_DENY_403_7, 403, 7, 0, 1, "403.7" },
		{ CLIENTCERT_DENY_403_13, 403, 13, 0x80092010UL, 1, "403.13" },
		{ CLIENTCERT_DENY_403_16, 403, 16, 2148204809UL, 1, "403.16" },
		{ CLIENTCERT_DENY_403_17, 403, 17, 0x800B0101UL, 1, "403.17" },
		{ CLIENTCERT_RENEGOTIATE, 0, 0, 0, 0, "renegotiate" },
		{ CLIENTCERT_TOO_LARGE_413, 413, 0, 0, 1, "413" },
		{ CLIENTCERT_TLS13_RESET, 0, 0, 0, 1, "tls13-reset" },
		{ CLIENTCERT_TLS13_500, 500, 0, 0x80070032UL, 1, "tls13-500" },
		{ CLIENTCERT_H2_HTTP_1_1_REQUIRED, 0, 0, 0, 0, "h2-http-1.1-required" },
	};
	size_t i;
	int st, sub;
	unsigned long w;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		clientcert_status(t[i].a, &st, &sub, &w);
		ck_assert_int_eq(st, t[i].st);
		ck_assert_int_eq(sub, t[i].sub);
		ck_assert_uint_eq(w, t[i].w);
		ck_assert_int_eq(clientcert_is_error(t[i].a), t[i].err);
		ck_assert_str_eq(clientcert_action_name(t[i].a), t[i].name);
	}
	clientcert_status(CLIENTCERT_DENY_403_7, NULL, NULL, NULL);
}
END_TEST

/* Facts from the configuration: the entry's negotiation, the server's settings. */
START_TEST(test_clientcert_facts_init)
{
	char err[1024];
	struct conf *c = conf_parse("[server]\nupload_read_ahead_size = 1000\n"
	    "tls13_delayed_client_cert = error500\n[sslcert 0.0.0.0:443]\ncertificate = a.pem\n"
	    "clientcertnegotiation = enable\n[site A]\nid = 1\nbindings = https/*:443:\n",
	    "t.ini", 0, err, sizeof(err));
	struct clientcert_facts f;

	ck_assert_msg(c != NULL, "%s", err);
	clientcert_facts_init(&f, c, &c->sslcerts[0]);
	ck_assert_int_eq(f.negotiated, 1);
	ck_assert_int_eq(f.tls13_delayed, CONF_TLS13_DELAYED_ERROR500);
	ck_assert_uint_eq(f.upload_read_ahead_size, 1000);
	ck_assert_int_eq(f.content_length, -1);
	ck_assert_int_eq(f.has_cert, 0);
	clientcert_facts_init(&f, c, NULL);
	ck_assert_int_eq(f.negotiated, 0);
	conf_free(c);
}
END_TEST

static const char access_ini[] =
	"[site MySite V2]\nid = 2\nbindings = https/*:443:v2\nssl_flags = Ssl\n"
	"[location MySite V2/secure]\nssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n"
	"[location MySite V2/secure/open]\nssl_flags = Ssl, SslNegotiateCert\n"
	"[location MySite V2/a b]\nssl_flags = SslRequireCert\n"
	"[site Plain]\nid = 1\nbindings = http/*:80:\n";

/* The longest location wins; the site's flags otherwise; a client cannot slip past a
 * location by spelling its path another way. */
START_TEST(test_clientcert_access_paths)
{
	static const struct { const char *target; unsigned want; const char *loc; } t[] = {
		{ "/", SSLF, NULL },
		{ "/index.html", SSLF, NULL },
		{ "/secure", SSLF | NEGO | REQ, "/secure" },
		{ "/secure/", SSLF | NEGO | REQ, "/secure" },
		{ "/secure/x/y?z=1", SSLF | NEGO | REQ, "/secure" },
		{ "/SECURE/x", SSLF | NEGO | REQ, "/secure" },
		{ "/securex", SSLF, NULL },
		{ "/secure/open/file", SSLF | NEGO, "/secure/open" },
		{ "/secure/opener", SSLF | NEGO | REQ, "/secure" },
		/* what HTTP.SYS canonicalises before IIS matches */
		{ "/%73ecure/x", SSLF | NEGO | REQ, "/secure" },
		{ "/public/../secure/x", SSLF | NEGO | REQ, "/secure" },
		{ "/public/%2e%2e/secure", SSLF | NEGO | REQ, "/secure" },
		{ "/./secure", SSLF | NEGO | REQ, "/secure" },
		{ "//secure//x", SSLF | NEGO | REQ, "/secure" },
		{ "\\secure\\x", SSLF | NEGO | REQ, "/secure" },
		{ "/x%5c..%5csecure", SSLF | NEGO | REQ, "/secure" },
		{ "/secure./x", SSLF | NEGO | REQ, "/secure" },
		{ "/secure%20/x", SSLF | NEGO | REQ, "/secure" },
		{ "/secure%2Fopen/f", SSLF | NEGO, "/secure/open" },
		{ "/../../secure", SSLF | NEGO | REQ, "/secure" },
		{ "/public%00/../secure", SSLF | NEGO | REQ, "/secure" },
		{ "/secure/../public", SSLF, NULL },
		{ "/public?/secure", SSLF, NULL },
		{ "/public#/secure", SSLF, NULL },
		{ "http://v2/secure/x", SSLF | NEGO | REQ, "/secure" },
		{ "https://v2:443/secure", SSLF | NEGO | REQ, "/secure" },
		{ "/a%20b/c", REQ, "/a b" },
		{ "/bad%zzescape", SSLF, NULL },
		{ "/secure%", SSLF, NULL },
		{ "*", SSLF, NULL },
		{ "", SSLF, NULL },
	};
	char err[1024];
	struct conf *c = conf_parse(access_ini, "t.ini", 0, err, sizeof(err));
	const struct conf_location *loc;
	size_t i;

	ck_assert_msg(c != NULL, "%s", err);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned got = clientcert_access(c, &c->sites[0], t[i].target, &loc);

		ck_assert_msg(got == t[i].want, "%s: flags %u, want %u", t[i].target, got,
		    t[i].want);
		if (t[i].loc == NULL)
			ck_assert_msg(loc == NULL, "%s: matched %s", t[i].target, loc->path);
		else
			ck_assert_msg(loc != NULL && strcmp(loc->path, t[i].loc) == 0, "%s: want %s",
			    t[i].target, t[i].loc);
	}
	/* a site without locations: its flags, whatever the path */
	ck_assert_uint_eq(clientcert_access(c, &c->sites[1], "/secure", &loc), 0);
	ck_assert_ptr_null(loc);
	ck_assert_uint_eq(clientcert_access(c, &c->sites[0], "/secure", NULL),
	    SSLF | NEGO | REQ);
	conf_free(c);
}
END_TEST

/* IIS's inheritance (issue 24 item 6): the server level's flags ([server] ssl_flags, IIS's
 * <location path=".">) for a site with none of its own; a site's own (None too) wins over
 * them; a [location] wins over both; and the decision follows: a site that says nothing
 * requires the certificate the server level requires. */
START_TEST(test_clientcert_server_site_path_precedence)
{
	static const char ini[] =
	    "[server]\nssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n"
	    "[site Inherits]\nid = 1\nbindings = https/*:443:a\n"
	    "[location Inherits/open]\nssl_flags = Ssl\n"
	    "[site Own]\nid = 2\nbindings = https/*:443:b\nssl_flags = Ssl\n"
	    "[location Own/secure]\nssl_flags = Ssl, SslNegotiateCert\n"
	    "[site OwnNone]\nid = 3\nbindings = https/*:443:c\nssl_flags = None\n"
	    "[site WholeSite]\nid = 4\nbindings = https/*:443:d\n"
	    "[location WholeSite]\nssl_flags = SslNegotiateCert\n";
	static const struct { size_t site; const char *target; unsigned want; int loc; } t[] = {
		{ 0, "/", SSLF | NEGO | REQ, 0 },            /* server */
		{ 0, "/x/y", SSLF | NEGO | REQ, 0 },
		{ 0, "/open/x", SSLF, 1 },                   /* path over server */
		{ 1, "/", SSLF, 0 },                         /* site over server */
		{ 1, "/secure/x", SSLF | NEGO, 1 },          /* path over site */
		{ 2, "/x", 0, 0 },                           /* the site's own None */
		{ 3, "/x", NEGO, 1 },                        /* [location SITE] over server */
	};
	char err[1024], why[600];
	struct conf *c = conf_parse(ini, "t.ini", 0, err, sizeof(err));
	const struct conf_location *loc;
	struct clientcert_facts f;
	size_t i;

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->ssl_flags, SSLF | NEGO | REQ);
	ck_assert_int_eq(c->sites[0].ssl_flags_server, 1);
	ck_assert_int_eq(c->sites[1].ssl_flags_server, 0);
	ck_assert_int_eq(c->sites[2].ssl_flags_server, 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned got = clientcert_access(c, &c->sites[t[i].site], t[i].target, &loc);

		ck_assert_msg(got == t[i].want, "%s of %s: flags %u, want %u", t[i].target,
		    c->sites[t[i].site].name, got, t[i].want);
		ck_assert_msg((loc != NULL) == t[i].loc, "%s of %s: location %s", t[i].target,
		    c->sites[t[i].site].name, loc != NULL ? loc->name : "none");
	}
	/* what a TLS 1.2 client without a certificate gets, where the handshake asked */
	for (i = 0; i < 4; i++) {
		static const enum clientcert_action want[4] = { CLIENTCERT_DENY_403_7,
		    CLIENTCERT_DENY_403_7, CLIENTCERT_SERVE, CLIENTCERT_SERVE };

		clientcert_facts_init(&f, c, NULL);
		f.https = 1;
		f.tls_version = TLS1_2_VERSION;
		f.asked = 1;
		f.access = clientcert_access(c, &c->sites[i == 3 ? 1 : 0], i == 2 ? "/open" :
		    i == 3 ? "/" : "/x", NULL);
		ck_assert_int_eq(clientcert_decide(&f, why, sizeof(why)), want[i]);
	}
	conf_free(c);
	/* without [server] ssl_flags: None, as before */
	c = conf_parse(access_ini, "t.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->ssl_flags, 0);
	ck_assert_uint_eq(clientcert_access(c, &c->sites[1], "/", NULL), 0);
	ck_assert_int_eq(c->sites[1].ssl_flags_server, 1);
	conf_free(c);
}
END_TEST

/* A path longer than the stack buffer is canonicalised whole: ".." far along still
 * climbs back into the location. */
START_TEST(test_clientcert_access_long_path)
{
	char err[1024], *target;
	struct conf *c = conf_parse(access_ini, "t.ini", 0, err, sizeof(err));
	size_t i, n = 0;

	ck_assert_msg(c != NULL, "%s", err);
	target = malloc(20000);
	ck_assert_ptr_nonnull(target);
	n += (size_t)sprintf(target + n, "/public");
	for (i = 0; i < 3000; i++)
		n += (size_t)sprintf(target + n, "/x");
	for (i = 0; i < 3001; i++)
		n += (size_t)sprintf(target + n, "/..");
	sprintf(target + n, "/secure/f");
	ck_assert_uint_eq(clientcert_access(c, &c->sites[0], target, NULL), SSLF | NEGO | REQ);
	free(target);
	conf_free(c);
}
END_TEST

/* The chain verdict under an entry's checks: usagecheck and verifyclientcertrevocation
 * turn their checks off; the server's trust and CRLs are used. */
START_TEST(test_clientcert_chain_verdict_entry_checks)
{
	char text[2048], err[4096], why[600], path[600];
	struct conf *c;
	struct cert *client, *revoked, *serverauth;

	snprintf(text, sizeof(text), "[server]\ntrust = %s/ca.pem\ncrl = %s/clientca.crl\n"
	    "[sslcert 0.0.0.0:443]\ncertificate = %s/sitev1.pem\nkey = %s/sitev1.key\n"
	    "[sslcert 0.0.0.0:444]\ncertificate = %s/sitev1.pem\nkey = %s/sitev1.key\n"
	    "usagecheck = disable\nverifyclientcertrevocation = disable\n"
	    "[site A]\nid = 1\nbindings = https/*:443:\n", certdir, certdir, certdir, certdir,
	    certdir, certdir);
	c = conf_parse(text, "t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	snprintf(path, sizeof(path), "%s/client.pem", certdir);
	client = certstore_load_public(path, err, sizeof(err));
	snprintf(path, sizeof(path), "%s/client-revoked.pem", certdir);
	revoked = certstore_load_public(path, err, sizeof(err));
	snprintf(path, sizeof(path), "%s/client-serverauth.pem", certdir);
	serverauth = certstore_load_public(path, err, sizeof(err));
	ck_assert(client != NULL && revoked != NULL && serverauth != NULL);
	ck_assert_int_eq(clientcert_chain_verdict(c, &c->sslcerts[0], client->x509,
	    client->chain, time(NULL), why, sizeof(why)), CHAIN_OK);
	ck_assert_int_eq(clientcert_chain_verdict(c, &c->sslcerts[0], revoked->x509,
	    revoked->chain, time(NULL), why, sizeof(why)), CHAIN_REVOKED);
	ck_assert_int_eq(clientcert_chain_verdict(c, &c->sslcerts[0], serverauth->x509,
	    serverauth->chain, time(NULL), why, sizeof(why)), CHAIN_UNTRUSTED);
	ck_assert_int_eq(clientcert_chain_verdict(c, &c->sslcerts[1], revoked->x509,
	    revoked->chain, time(NULL), why, sizeof(why)), CHAIN_OK);
	ck_assert_int_eq(clientcert_chain_verdict(c, &c->sslcerts[1], serverauth->x509,
	    serverauth->chain, time(NULL), why, sizeof(why)), CHAIN_OK);
	/* no entry: netsh's defaults (both checks on) */
	ck_assert_int_eq(clientcert_chain_verdict(c, NULL, revoked->x509, revoked->chain,
	    time(NULL), why, sizeof(why)), CHAIN_REVOKED);
	certstore_cert_free(client);
	certstore_cert_free(revoked);
	certstore_cert_free(serverauth);
	conf_free(c);
}
END_TEST

static Suite *
clientcert_suite(void)
{
	Suite *s = suite_create("clientcert");
	TCase *tc = tcase_create("clientcert");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_clientcert_decide_rows, 0,
	    (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_clientcert_status);
	tcase_add_test(tc, test_clientcert_facts_init);
	tcase_add_test(tc, test_clientcert_access_paths);
	tcase_add_test(tc, test_clientcert_access_long_path);
	tcase_add_test(tc, test_clientcert_server_site_path_precedence);
	tcase_add_test(tc, test_clientcert_chain_verdict_entry_checks);
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

	snprintf(certdir, sizeof(certdir), "%s/check_clientcert.XXXXXX",
	    tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(certdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "scripts/mkcerts.sh --demo '%s' >/dev/null", certdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "check_clientcert: %s failed (run from the repository root)\n", cmd);
		return 1;
	}
	sr = srunner_create(clientcert_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", certdir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_clientcert: could not remove %s\n", certdir);
	return failed == 0 ? 0 : 1;
}
