/*
 * Unit tests for binding: triplet and sslcert-key parsing, the §1.1 certificate table in
 * both modes and the §1.2 routing tiers.  Configurations are built by hand; the CCS tests
 * use a real store made by scripts/mkcerts.sh.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"

static char certdir[256];

/* ---- building configurations ---- */

static struct conf cfg;
static struct conf_sslcert entries[16];
static struct conf_site sites[8];
static struct binding binds[8][8];
static struct cert certs[16];

static void
cfg_reset(enum conf_mode mode)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(entries, 0, sizeof(entries));
	memset(sites, 0, sizeof(sites));
	memset(binds, 0, sizeof(binds));
	memset(certs, 0, sizeof(certs));
	cfg.mode = mode;
	cfg.sslcerts = entries;
	cfg.sites = sites;
}

/* Add [sslcert KEY] whose certificate is a dummy named after the key. */
static struct conf_sslcert *
add_cert(const char *key)
{
	char err[256];
	size_t i = cfg.nsslcerts++;

	ck_assert_int_eq(binding_sslkey_parse(key, &entries[i].key, err, sizeof(err)), 0);
	snprintf(certs[i].subject, sizeof(certs[i].subject), "CN=%s", key);
	entries[i].cert = &certs[i];
	entries[i].name = (char *)key;
	return &entries[i];
}

static struct conf_site *
add_site(const char *name, const char *b1, const char *b2, const char *b3)
{
	const char *bs[3] = { b1, b2, b3 };
	size_t i = cfg.nsites++, j;
	char err[256];

	sites[i].name = (char *)name;
	sites[i].id = (long)i + 1;
	sites[i].bindings = binds[i];
	for (j = 0; j < 3 && bs[j] != NULL; j++) {
		ck_assert_msg(binding_parse(bs[j], &binds[i][j], err, sizeof(err)) == 0, "%s", err);
		sites[i].nbindings++;
	}
	return &sites[i];
}

static struct binding_addr
ip(const char *text)
{
	struct binding_addr a;

	ck_assert_int_eq(binding_addr_parse(text, &a), 0);
	return a;
}

static const char *
resolve(const char *local, unsigned port, const char *sni, struct cert_choice *c)
{
	struct binding_addr a = ip(local);
	static struct cert_choice quiet;
	int rc = binding_resolve_cert(&cfg, &a, port, sni, c);

	/* the handshake's quiet variant decides exactly the same, and writes no sentence */
	ck_assert_int_eq(binding_choose_cert(&cfg, &a, port, sni, &quiet), rc);
	ck_assert_int_eq(quiet.step, c->step);
	ck_assert_ptr_eq(quiet.entry, c->entry);
	ck_assert_ptr_eq(quiet.cert, c->cert);
	ck_assert_int_eq(quiet.sni_used, c->sni_used);
	ck_assert_int_eq(quiet.nsteps, c->nsteps);
	ck_assert_str_eq(quiet.ccs_file, c->ccs_file);
	ck_assert_str_eq(quiet.steps[0], "");
	if (rc != 0) {
		ck_assert_int_eq(c->step, CERT_STEP_NONE);
		ck_assert_ptr_null(c->cert);
		return NULL;
	}
	ck_assert_ptr_nonnull(c->entry);
	return c->entry->name;
}

static int
steps_mention(const struct cert_choice *c, const char *needle)
{
	int i;

	for (i = 0; i < c->nsteps; i++)
		if (strstr(c->steps[i], needle) != NULL)
			return 1;
	return 0;
}

/* ---- parsing ---- */

/* binding_addr_format writes what inet_ntop writes: IPv4 (formatted by hand) for every
 * octet value in each place, IPv6 (::1, a v4-mapped one kept as IPv6, a full one), and
 * "*" for none; a buffer too short for the address is cut, never overrun. */
START_TEST(test_binding_addr_format_as_inet_ntop)
{
	struct binding_addr a;
	char got[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN], small[8];
	static const char *const six[] = {
		"::1", "::ffff:10.0.0.1", "2001:db8::8:800:200c:417a", "fe80::1:0:0:1",
		"1:2:3:4:5:6:7:8",
	};

	for (int place = 0; place < 4; place++)
		for (unsigned v = 0; v < 256; v++) {
			memset(&a, 0, sizeof(a));
			a.family = AF_INET;
			a.ip[0] = 127; a.ip[1] = 9; a.ip[2] = 100; a.ip[3] = 255;
			a.ip[place] = (unsigned char)v;
			binding_addr_format(&a, got, sizeof(got));
			ck_assert_ptr_nonnull(inet_ntop(AF_INET, a.ip, want, sizeof(want)));
			ck_assert_str_eq(got, want);
		}
	for (size_t i = 0; i < sizeof(six) / sizeof(six[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, six[i], a.ip), 1);
		binding_addr_format(&a, got, sizeof(got));
		ck_assert_str_eq(got, six[i]);
	}
	memset(&a, 0, sizeof(a));
	binding_addr_format(&a, got, sizeof(got));
	ck_assert_str_eq(got, "*");
	a.family = AF_INET;
	a.ip[0] = 192; a.ip[1] = 168; a.ip[2] = 100; a.ip[3] = 200;
	binding_addr_format(&a, small, sizeof(small));
	ck_assert_str_eq(small, "192.168");
}
END_TEST

START_TEST(test_binding_parse_triplets)
{
	struct binding b;
	char err[256], out[300];

	ck_assert_int_eq(binding_parse("https/*:443:SiteV2.MySite.com", &b, err, sizeof(err)), 0);
	ck_assert_int_eq(b.proto, BINDING_HTTPS);
	ck_assert_int_eq(b.addr.family, AF_UNSPEC);
	ck_assert_uint_eq(b.port, 443);
	ck_assert_str_eq(b.host, "sitev2.mysite.com");
	binding_format(&b, out, sizeof(out));
	ck_assert_str_eq(out, "https/*:443:sitev2.mysite.com");

	ck_assert_int_eq(binding_parse("http/127.0.0.1:80:", &b, err, sizeof(err)), 0);
	ck_assert_int_eq(b.addr.family, AF_INET);
	ck_assert_str_eq(b.host, "");
	binding_format(&b, out, sizeof(out));
	ck_assert_str_eq(out, "http/127.0.0.1:80:");

	ck_assert_int_eq(binding_parse("HTTPS/[::1]:8443:*.example.com", &b, err, sizeof(err)), 0);
	ck_assert_int_eq(b.addr.family, AF_INET6);
	ck_assert_str_eq(b.host, "*.example.com");
	binding_format(&b, out, sizeof(out));
	ck_assert_str_eq(out, "https/[::1]:8443:*.example.com");
}
END_TEST

START_TEST(test_binding_parse_rejects)
{
	static const char *bad[] = {
		"ftp/*:21:", "https*:443:", "https/*:443", "https/*:0:", "https/*:65536:",
		"https/*:x:", "https/1.2.3:443:", "https/::1:443:", "https/[::1:443:",
		"https/*:443:www.foo.com.", "https/*:443:a/b", "https/*:443:www.*.com",
		"https/*:443:*", "https/*:443:a..b", "https/*:443:a b",
	};
	struct binding b;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(binding_parse(bad[i], &b, err, sizeof(err)) == -1, "%s accepted", bad[i]);
		ck_assert_msg(strstr(err, bad[i]) != NULL, "message for %s: %s", bad[i], err);
	}
	ck_assert_int_eq(binding_parse("https/*:443:www.foo.com.", &b, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "ends with a dot"));
}
END_TEST

/* binding_sslkey_equal: one entry exactly when the hash keys agree (conf's duplicate
 * sections, edit.c's netsh add/delete/update find the same entry). */
START_TEST(test_binding_sslkey_equal)
{
	static const struct { const char *a, *b; int eq; } cases[] = {
		{ "0.0.0.0:443", "0.0.0.0:443", 1 },
		{ "0.0.0.0:443", "0.0.0.0:444", 0 },
		{ "0.0.0.0:443", "[::]:443", 0 },
		{ "10.0.0.1:443", "[::ffff:10.0.0.1]:443", 1 },  /* the same address, canonical */
		{ "10.0.0.1:443", "10.0.0.2:443", 0 },
		{ "Www.Example.com:443", "www.example.COM:443", 1 },
		{ "www.example.com:443", "example.com:443", 0 },
		{ "ccs:443", "ccs:443", 1 },
		{ "ccs:443", "ccs:8443", 0 },
		{ "ccs:443", "0.0.0.0:443", 0 },
		{ "www.example.com:443", "0.0.0.0:443", 0 },
	};
	struct sslcert_key a, b;
	char err[256], ha[300], hb[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(binding_sslkey_parse(cases[i].a, &a, err, sizeof(err)), 0);
		ck_assert_int_eq(binding_sslkey_parse(cases[i].b, &b, err, sizeof(err)), 0);
		ck_assert_msg(binding_sslkey_equal(&a, &b) == cases[i].eq, "%s vs %s", cases[i].a,
		    cases[i].b);
		ck_assert_int_eq(binding_sslkey_equal(&b, &a), cases[i].eq);
		binding_sslkey_hashkey(&a, ha, sizeof(ha));
		binding_sslkey_hashkey(&b, hb, sizeof(hb));
		ck_assert_int_eq(strcmp(ha, hb) == 0, cases[i].eq);
	}
}
END_TEST

/* The keys the sslcert index is built and searched with, as written (built by hand, not
 * snprintf: the same text the earlier snprintf made), and bounded by the buffer. */
START_TEST(test_binding_sslkey_hashkey_text)
{
	static const struct { const char *key, *hash; } cases[] = {
		{ "0.0.0.0:443", "i|00000000|443" },
		{ "10.0.0.1:8443", "i|0a000001|8443" },
		{ "[::ffff:10.0.0.1]:1", "i|0a000001|1" },
		{ "[::]:65535", "i|00000000000000000000000000000000|65535" },
		{ "[2001:db8::aB]:443", "i|20010db80000000000000000000000ab|443" },
		{ "Www.Example.com:443", "h|443|www.example.com" },
		{ "*.example.com:10", "h|10|*.example.com" },
		{ "ccs:443", "c|443" },
	};
	struct sslcert_key k;
	char err[256], out[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(binding_sslkey_parse(cases[i].key, &k, err, sizeof(err)), 0);
		binding_sslkey_hashkey(&k, out, sizeof(out));
		ck_assert_str_eq(out, cases[i].hash);
	}
	ck_assert_int_eq(binding_sslkey_parse("10.0.0.1:8443", &k, err, sizeof(err)), 0);
	binding_sslkey_hashkey(&k, out, 6);
	ck_assert_str_eq(out, "i|0a0");
	binding_sslkey_hashkey(&k, out, 1);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_binding_sslkey_kinds)
{
	struct sslcert_key k;
	char err[256], out[300];

	ck_assert_int_eq(binding_sslkey_parse("0.0.0.0:443", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.kind, SSLCERT_IPPORT);
	ck_assert(binding_addr_is_wildcard(&k.addr));
	binding_sslkey_format(&k, out, sizeof(out));
	ck_assert_str_eq(out, "0.0.0.0:443");

	ck_assert_int_eq(binding_sslkey_parse("[::]:443", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.kind, SSLCERT_IPPORT);
	ck_assert_int_eq(k.addr.family, AF_INET6);
	ck_assert(binding_addr_is_wildcard(&k.addr));
	binding_sslkey_format(&k, out, sizeof(out));
	ck_assert_str_eq(out, "[::]:443");

	ck_assert_int_eq(binding_sslkey_parse("127.0.0.1:8443", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.kind, SSLCERT_IPPORT);
	ck_assert(!binding_addr_is_wildcard(&k.addr));

	ck_assert_int_eq(binding_sslkey_parse("SiteV2.mysite.com:443", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.kind, SSLCERT_HOSTNAMEPORT);
	ck_assert_str_eq(k.host, "sitev2.mysite.com");
	binding_sslkey_format(&k, out, sizeof(out));
	ck_assert_str_eq(out, "sitev2.mysite.com:443");

	ck_assert_int_eq(binding_sslkey_parse("ccs:443", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.kind, SSLCERT_CCS);
	binding_sslkey_format(&k, out, sizeof(out));
	ck_assert_str_eq(out, "443");

	ck_assert_int_eq(binding_sslkey_parse("*:443", &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "0.0.0.0:443"));
	ck_assert_int_eq(binding_sslkey_parse("::1:443", &k, err, sizeof(err)), -1);
	ck_assert_int_eq(binding_sslkey_parse("0.0.0.0", &k, err, sizeof(err)), -1);
	ck_assert_int_eq(binding_sslkey_parse("0.0.0.0:99999", &k, err, sizeof(err)), -1);
	ck_assert_int_eq(binding_sslkey_parse("www.x.com.:443", &k, err, sizeof(err)), -1);

	/* IIS 10's wildcard SNI entry, as netsh shows it */
	ck_assert_int_eq(binding_sslkey_parse("*.Example.fr:443", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.kind, SSLCERT_HOSTNAMEPORT);
	ck_assert_str_eq(k.host, "*.example.fr");
	binding_sslkey_format(&k, out, sizeof(out));
	ck_assert_str_eq(out, "*.example.fr:443");
	/* the wildcard anywhere else, or not a whole label, is refused, and said so */
	ck_assert_int_eq(binding_sslkey_parse("www.*.fr:443", &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "only as the whole left-most label"));
	ck_assert_int_eq(binding_sslkey_parse("*a.example.fr:443", &k, err, sizeof(err)), -1);
	ck_assert_int_eq(binding_sslkey_parse("*:443", &k, err, sizeof(err)), -1);
	ck_assert_int_eq(binding_sslkey_parse("*.:443", &k, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_binding_host_normalize)
{
	char out[BINDING_HOST_MAX];

	ck_assert_int_eq(binding_host_normalize("SiteV2.MySite.COM:8443", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "sitev2.mysite.com");
	ck_assert_int_eq(binding_host_normalize("localhost", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "localhost");
	ck_assert_int_eq(binding_host_normalize("[::1]:443", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[::1]");
	ck_assert_int_eq(binding_host_normalize("127.0.0.1:80", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "127.0.0.1");
	ck_assert_int_eq(binding_host_normalize("www.foo.com.", out, sizeof(out)), -1);
	ck_assert_int_eq(binding_host_normalize("www.foo.com.:443", out, sizeof(out)), -1);
	ck_assert_int_eq(binding_host_normalize("a/b", out, sizeof(out)), -1);
	ck_assert_int_eq(binding_host_normalize("", out, sizeof(out)), -1);
	ck_assert_int_eq(binding_host_normalize("a:b", out, sizeof(out)), -1);
	ck_assert_int_eq(binding_host_normalize("a:1:2", out, sizeof(out)), -1);
	ck_assert_int_eq(binding_host_normalize("[::1", out, sizeof(out)), -1);
	ck_assert_int_eq(binding_host_normalize("*.x.com", out, sizeof(out)), -1);
}
END_TEST

/* ---- §1.1 ---- */

START_TEST(test_binding_cert_iis7_ipport_whatever_the_sni)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS7);
	add_cert("0.0.0.0:443");
	ck_assert_str_eq(resolve("127.0.0.1", 443, NULL, &c), "0.0.0.0:443");
	ck_assert_int_eq(c.step, CERT_STEP_IPPORT_WILDCARD);
	ck_assert_str_eq(c.selected_by, "ipport 0.0.0.0:443");
	ck_assert(steps_mention(&c, "no SNI"));
	ck_assert_int_eq(c.sni_used, 0);

	ck_assert_str_eq(resolve("127.0.0.1", 443, "sitev2.mysite.com", &c), "0.0.0.0:443");
	ck_assert_int_eq(c.step, CERT_STEP_IPPORT_WILDCARD);
	ck_assert_int_eq(c.sni_used, 0);
	ck_assert(steps_mention(&c, "ignored, iis7"));
}
END_TEST

START_TEST(test_binding_cert_iis7_exact_ip_first)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS7);
	add_cert("0.0.0.0:443");
	add_cert("127.0.0.2:443");
	ck_assert_str_eq(resolve("127.0.0.2", 443, NULL, &c), "127.0.0.2:443");
	ck_assert_int_eq(c.step, CERT_STEP_IPPORT_EXACT);
	ck_assert_str_eq(c.selected_by, "ipport 127.0.0.2:443");
	ck_assert_str_eq(resolve("127.0.0.1", 443, NULL, &c), "0.0.0.0:443");
	/* an IPv4-mapped local address is the IPv4 address */
	ck_assert_str_eq(resolve("::ffff:127.0.0.2", 443, NULL, &c), "127.0.0.2:443");
}
END_TEST

START_TEST(test_binding_cert_iis7_nothing)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS7);
	add_cert("0.0.0.0:443");
	ck_assert_ptr_null(resolve("127.0.0.1", 8443, "sitev1.mysite.com", &c));
	ck_assert_str_eq(c.selected_by, "none");
	ck_assert(steps_mention(&c, "step 5"));
}
END_TEST

/*
 * Step 4 for both families (HTTP_SERVICE_CONFIG_SSL_KEY: 0.0.0.0 "is applicable to all
 * IPv4 and IPv6 addresses", [::] "to all IPv6 addresses"): IPv4 → 0.0.0.0:port; IPv6 →
 * [::]:port, then 0.0.0.0:port; an IPv4 client never gets [::].  Each row runs in iis7 and
 * iis8 (the loop index's low bit), with and without SNI (no hostnameport entry here, so the
 * name changes nothing).
 */
static const struct {
	const char    *entries[4];  /* [sslcert] keys, NULL-terminated */
	const char    *client;      /* the connection's local address */
	const char    *want;        /* the entry chosen, NULL: the handshake fails */
	enum cert_step step;
	const char    *note;        /* a step line the narration must hold, or NULL */
} family_rows[] = {
	/* only 0.0.0.0 */
	{ { "0.0.0.0:443" }, "127.0.0.1", "0.0.0.0:443", CERT_STEP_IPPORT_WILDCARD,
	  "step 4 ipport 0.0.0.0:443: entry found: chosen" },
	{ { "0.0.0.0:443" }, "::1", "0.0.0.0:443", CERT_STEP_IPPORT_WILDCARD,
	  "step 4 ipport 0.0.0.0:443 (0.0.0.0 applies to IPv6 clients too when no [::] entry "
	  "exists): entry found: chosen" },
	{ { "0.0.0.0:443" }, "2001:db8::7", "0.0.0.0:443", CERT_STEP_IPPORT_WILDCARD,
	  "step 4 ipport [::]:443: no entry" },
	/* only [::] */
	{ { "[::]:443" }, "127.0.0.1", NULL, CERT_STEP_NONE, "step 4 ipport 0.0.0.0:443: no entry" },
	{ { "[::]:443" }, "::ffff:127.0.0.1", NULL, CERT_STEP_NONE, NULL },  /* mapped = IPv4 */
	{ { "[::]:443" }, "::1", "[::]:443", CERT_STEP_IPPORT_WILDCARD,
	  "step 4 ipport [::]:443: entry found: chosen" },
	/* both: each family its own */
	{ { "0.0.0.0:443", "[::]:443" }, "127.0.0.1", "0.0.0.0:443", CERT_STEP_IPPORT_WILDCARD, NULL },
	{ { "[::]:443", "0.0.0.0:443" }, "::1", "[::]:443", CERT_STEP_IPPORT_WILDCARD, NULL },
	/* exact entries first, each for its own address only */
	{ { "127.0.0.1:443", "[::1]:443", "0.0.0.0:443", "[::]:443" }, "127.0.0.1",
	  "127.0.0.1:443", CERT_STEP_IPPORT_EXACT, "step 1 ipport 127.0.0.1:443: entry found" },
	{ { "127.0.0.1:443", "[::1]:443", "0.0.0.0:443", "[::]:443" }, "::1",
	  "[::1]:443", CERT_STEP_IPPORT_EXACT, "step 1 ipport [::1]:443: entry found" },
	{ { "127.0.0.1:443", "0.0.0.0:443" }, "::1", "0.0.0.0:443", CERT_STEP_IPPORT_WILDCARD,
	  "step 1 ipport [::1]:443: no entry" },
	{ { "[::1]:443", "0.0.0.0:443" }, "::2", "0.0.0.0:443", CERT_STEP_IPPORT_WILDCARD, NULL },
	{ { "[::1]:443", "[::]:443" }, "127.0.0.1", NULL, CERT_STEP_NONE, NULL },
	/* nothing: both wildcards tried, then step 5 */
	{ { "0.0.0.0:8443", "[::]:8443" }, "::1", NULL, CERT_STEP_NONE,
	  "step 4 ipport 0.0.0.0:443: no entry" },
};
#define NFAMILY_ROWS (int)(sizeof(family_rows) / sizeof(family_rows[0]))

START_TEST(test_binding_cert_wildcard_families)
{
	int row = _i / 4, iis8 = _i & 1, with_sni = (_i >> 1) & 1, k;
	const char *sni = with_sni ? "sitev1.mysite.com" : NULL, *got;
	struct cert_choice c;
	char want_by[128];

	cfg_reset(iis8 ? CONF_MODE_IIS8 : CONF_MODE_IIS7);
	for (k = 0; k < 4 && family_rows[row].entries[k] != NULL; k++)
		add_cert(family_rows[row].entries[k]);
	got = resolve(family_rows[row].client, 443, sni, &c);
	if (family_rows[row].want == NULL) {
		ck_assert_msg(got == NULL, "row %d (%s): got %s", row, family_rows[row].client, got);
		ck_assert_str_eq(c.selected_by, "none");
		ck_assert(steps_mention(&c, "step 5: no certificate"));
	} else {
		ck_assert_msg(got != NULL && strcmp(got, family_rows[row].want) == 0,
		    "row %d (%s): got %s, want %s", row, family_rows[row].client,
		    got != NULL ? got : "none", family_rows[row].want);
		snprintf(want_by, sizeof(want_by), "ipport %s", family_rows[row].want);
		ck_assert_str_eq(c.selected_by, want_by);
	}
	ck_assert_int_eq(c.step, family_rows[row].step);
	ck_assert_int_eq(c.sni_used, 0);
	if (family_rows[row].note != NULL)
		ck_assert_msg(steps_mention(&c, family_rows[row].note), "row %d: no \"%s\"", row,
		    family_rows[row].note);
}
END_TEST

/* With SNI in iis8 the name's entry still comes before either wildcard, over IPv6 too. */
START_TEST(test_binding_cert_iis8_ipv6_sni_before_wildcard)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS8);
	add_cert("0.0.0.0:443");
	add_cert("sitev2.mysite.com:443");
	ck_assert_str_eq(resolve("::1", 443, "sitev2.mysite.com", &c), "sitev2.mysite.com:443");
	ck_assert_int_eq(c.step, CERT_STEP_HOSTNAMEPORT);
	ck_assert_str_eq(resolve("::1", 443, "sitev1.mysite.com", &c), "0.0.0.0:443");
	ck_assert_int_eq(c.step, CERT_STEP_IPPORT_WILDCARD);
	ck_assert(steps_mention(&c, "step 2 hostnameport sitev1.mysite.com:443: no entry"));
	ck_assert(steps_mention(&c, "applies to IPv6 clients too"));
}
END_TEST

START_TEST(test_binding_cert_iis8_sni)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS8);
	add_cert("sitev1.mysite.com:443");
	add_cert("sitev2.mysite.com:443");
	add_cert("0.0.0.0:443");
	ck_assert_str_eq(resolve("127.0.0.1", 443, "SiteV2.MySite.com", &c), "sitev2.mysite.com:443");
	ck_assert_int_eq(c.step, CERT_STEP_HOSTNAMEPORT);
	ck_assert_int_eq(c.sni_used, 1);
	ck_assert_str_eq(c.selected_by, "hostnameport sitev2.mysite.com:443");
	ck_assert_str_eq(resolve("127.0.0.1", 443, "sitev1.mysite.com", &c), "sitev1.mysite.com:443");
	/* no SNI: steps 2 and 3 are skipped, the wildcard answers */
	ck_assert_str_eq(resolve("127.0.0.1", 443, NULL, &c), "0.0.0.0:443");
	ck_assert_int_eq(c.step, CERT_STEP_IPPORT_WILDCARD);
	ck_assert(steps_mention(&c, "no SNI"));
	/* an unknown name falls back to the wildcard */
	ck_assert_str_eq(resolve("127.0.0.1", 443, "other.mysite.com", &c), "0.0.0.0:443");
	/* an exact key is not a suffix: x.sitev1 is not sitev1; other ports apart */
	ck_assert_str_eq(resolve("127.0.0.1", 443, "x.sitev1.mysite.com", &c), "0.0.0.0:443");
	ck_assert_ptr_null(resolve("127.0.0.1", 8443, "sitev1.mysite.com", &c));
}
END_TEST

/*
 * Wildcard hostnameport entries ("*.example.fr:443", as IIS 10 writes for a wildcard host
 * with Require SNI): one left-most label, case-insensitive, after every exact hostnameport
 * entry and before ccs and the ipport wildcards; an exact ipport still first.  Each row in
 * both [server] hostnameport_wildcard settings: off never looks the wildcard up.
 */
static const struct {
	const char    *entries[5];  /* [sslcert] keys, NULL-terminated */
	const char    *client;      /* the connection's local address */
	unsigned       port;
	const char    *sni;
	const char    *want;        /* after-exact: the entry chosen, NULL: the handshake fails */
	const char    *want_off;    /* off: the same */
	const char    *note;        /* after-exact: a step line the narration must hold */
} sni_wild_rows[] = {
	/* one label under example.fr */
	{ { "*.example.fr:443", "0.0.0.0:443" }, "127.0.0.1", 443, "a.example.fr",
	  "*.example.fr:443", "0.0.0.0:443",
	  "step 2 hostnameport *.example.fr:443 (wildcard, covers a.example.fr): entry found: "
	  "chosen" },
	/* the apex is not under itself; two labels are under *.b.example.fr, not this */
	{ { "*.example.fr:443", "0.0.0.0:443" }, "127.0.0.1", 443, "example.fr",
	  "0.0.0.0:443", "0.0.0.0:443",
	  "step 2 hostnameport example.fr:443: no entry, nor *.fr:443 (wildcard)" },
	{ { "*.example.fr:443", "0.0.0.0:443" }, "127.0.0.1", 443, "a.b.example.fr",
	  "0.0.0.0:443", "0.0.0.0:443",
	  "step 2 hostnameport a.b.example.fr:443: no entry, nor *.b.example.fr:443 (wildcard)" },
	/* case-insensitive both ways */
	{ { "*.Example.FR:443" }, "127.0.0.1", 443, "WWW.example.Fr", "*.Example.FR:443", NULL,
	  NULL },
	/* every exact entry first, whatever the file order */
	{ { "*.example.fr:443", "www.example.fr:443" }, "127.0.0.1", 443, "www.example.fr",
	  "www.example.fr:443", "www.example.fr:443", "step 2 hostnameport www.example.fr:443: "
	  "entry found" },
	{ { "www.example.fr:443", "*.example.fr:443" }, "127.0.0.1", 443, "api.example.fr",
	  "*.example.fr:443", NULL, "step 2 hostnameport api.example.fr:443: no entry" },
	/* the port is part of the key */
	{ { "*.example.fr:8443", "0.0.0.0:443" }, "127.0.0.1", 443, "a.example.fr",
	  "0.0.0.0:443", "0.0.0.0:443", NULL },
	/* an exact ipport still comes first; the wildcard ipport after */
	{ { "*.example.fr:443", "127.0.0.1:443" }, "127.0.0.1", 443, "a.example.fr",
	  "127.0.0.1:443", "127.0.0.1:443", NULL },
	{ { "*.example.fr:443", "[::]:443" }, "::1", 443, "a.example.fr", "*.example.fr:443",
	  "[::]:443", NULL },
	/* a name with no dot has no parent to look up */
	{ { "*.example.fr:443", "0.0.0.0:443" }, "127.0.0.1", 443, "localhost", "0.0.0.0:443",
	  "0.0.0.0:443", NULL },
};
#define NSNI_WILD_ROWS (int)(sizeof(sni_wild_rows) / sizeof(sni_wild_rows[0]))

START_TEST(test_binding_cert_iis8_wildcard_sni)
{
	int row = _i / 2, off = _i & 1, k;
	const char *got, *want = off ? sni_wild_rows[row].want_off : sni_wild_rows[row].want;
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS8);
	cfg.hostnameport_wildcard = off ? CONF_SNI_WILDCARD_OFF : CONF_SNI_WILDCARD_AFTER_EXACT;
	for (k = 0; sni_wild_rows[row].entries[k] != NULL; k++)
		add_cert(sni_wild_rows[row].entries[k]);
	got = resolve(sni_wild_rows[row].client, sni_wild_rows[row].port, sni_wild_rows[row].sni,
	    &c);
	ck_assert_msg(want == NULL ? got == NULL : got != NULL && strcmp(got, want) == 0,
	    "row %d (%s): %s, want %s", row, off ? "off" : "after-exact", got ? got : "none",
	    want ? want : "none");
	if (!off && sni_wild_rows[row].note != NULL)
		ck_assert_msg(steps_mention(&c, sni_wild_rows[row].note), "row %d: no \"%s\"", row,
		    sni_wild_rows[row].note);
	if (got != NULL && got[0] == '*') {
		ck_assert_int_eq(c.step, CERT_STEP_HOSTNAMEPORT);
		ck_assert_int_eq(c.sni_used, 1);
		ck_assert_ptr_nonnull(strstr(c.selected_by, " (wildcard)"));
	}
}
END_TEST

START_TEST(test_binding_cert_wildcard_selected_by)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS8);
	add_cert("*.example.fr:443");
	ck_assert_str_eq(resolve("127.0.0.1", 443, "a.example.fr", &c), "*.example.fr:443");
	ck_assert_str_eq(c.selected_by, "hostnameport *.example.fr:443 (wildcard)");
	/* off: the entry stays, the narration says why it was passed over */
	cfg.hostnameport_wildcard = CONF_SNI_WILDCARD_OFF;
	ck_assert_ptr_null(resolve("127.0.0.1", 443, "a.example.fr", &c));
	ck_assert(steps_mention(&c, "step 2 hostnameport a.example.fr:443: no entry "
	    "(*.example.fr:443 not looked up: hostnameport_wildcard = off)"));
	cfg.hostnameport_wildcard = CONF_SNI_WILDCARD_AFTER_EXACT;
	/* iis7 reads no SNI at all */
	cfg.mode = CONF_MODE_IIS7;
	ck_assert_ptr_null(resolve("127.0.0.1", 443, "a.example.fr", &c));
}
END_TEST

START_TEST(test_binding_cert_iis8_exact_ip_beats_sni)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS8);
	add_cert("sitev2.mysite.com:443");
	add_cert("127.0.0.3:443");
	ck_assert_str_eq(resolve("127.0.0.3", 443, "sitev2.mysite.com", &c), "127.0.0.3:443");
	ck_assert_int_eq(c.step, CERT_STEP_IPPORT_EXACT);
	ck_assert_int_eq(c.sni_used, 0);
	ck_assert_str_eq(resolve("127.0.0.1", 443, "sitev2.mysite.com", &c), "sitev2.mysite.com:443");
}
END_TEST

START_TEST(test_binding_cert_iis8_no_fallback_fails)
{
	struct cert_choice c;

	cfg_reset(CONF_MODE_IIS8);
	add_cert("sitev1.mysite.com:443");
	ck_assert_ptr_null(resolve("127.0.0.1", 443, NULL, &c));
	ck_assert_int_eq(c.step, CERT_STEP_NONE);
	ck_assert_ptr_null(resolve("127.0.0.1", 443, "sitev2.mysite.com", &c));
	ck_assert(steps_mention(&c, "step 3 ccs 443: no Central Certificate Store"));
}
END_TEST

static struct ccs *
load_ccs(void)
{
	char dir[300], err[512];
	struct ccs *s;

	snprintf(dir, sizeof(dir), "%s/ccs", certdir);
	s = certstore_ccs_load(dir, "ccs-secret", err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

START_TEST(test_binding_cert_iis8_ccs)
{
	struct cert_choice c;
	struct conf_sslcert *e;
	struct ccs *store = load_ccs();

	cfg_reset(CONF_MODE_IIS8);
	e = add_cert("ccs:443");
	e->cert = NULL;
	e->ccs = store;
	add_cert("0.0.0.0:443");

	/* <name>.pfx first, even though _.mysite.com.pfx would match too */
	ck_assert_str_eq(resolve("127.0.0.1", 443, "SITEV2.mysite.com", &c), "ccs:443");
	ck_assert_int_eq(c.step, CERT_STEP_CCS);
	ck_assert_str_eq(c.ccs_file, "sitev2.mysite.com.pfx");
	ck_assert_str_eq(c.selected_by, "ccs 443 -> sitev2.mysite.com.pfx");
	ck_assert_ptr_nonnull(c.cert);
	ck_assert_int_eq(c.sni_used, 1);

	/* then _.<parent>.pfx */
	ck_assert_str_eq(resolve("127.0.0.1", 443, "shop.mysite.com", &c), "ccs:443");
	ck_assert_str_eq(c.ccs_file, "_.mysite.com.pfx");
	ck_assert_str_eq(c.selected_by, "ccs 443 -> _.mysite.com.pfx");

	/* one label only: a.b.mysite.com looks for _.b.mysite.com.pfx, then falls back */
	ck_assert_str_eq(resolve("127.0.0.1", 443, "a.b.mysite.com", &c), "0.0.0.0:443");
	ck_assert(steps_mention(&c, "_.b.mysite.com.pfx"));

	/* no SNI: CCS needs a name */
	ck_assert_str_eq(resolve("127.0.0.1", 443, NULL, &c), "0.0.0.0:443");
	certstore_ccs_free(store);
}
END_TEST

START_TEST(test_binding_cert_iis8_sni_before_ccs)
{
	struct cert_choice c;
	struct conf_sslcert *e;
	struct ccs *store = load_ccs();

	cfg_reset(CONF_MODE_IIS8);
	e = add_cert("ccs:443");
	e->cert = NULL;
	e->ccs = store;
	add_cert("sitev2.mysite.com:443");
	ck_assert_str_eq(resolve("127.0.0.1", 443, "sitev2.mysite.com", &c), "sitev2.mysite.com:443");
	ck_assert_int_eq(c.step, CERT_STEP_HOSTNAMEPORT);
	certstore_ccs_free(store);
}
END_TEST

/* ---- §1.2 ---- */

static const char *
route(enum binding_proto proto, const char *local, unsigned port, const char *host,
    int http10, struct route *r)
{
	struct binding_addr a = ip(local);
	int rc = binding_route(&cfg, proto, &a, port, host, http10, r);

	if (r->site == NULL) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(r->status, 400);
		ck_assert_str_eq(r->reason, "Hostname");
		ck_assert_int_eq(r->tier, ROUTE_NONE);
		return NULL;
	}
	return r->site->name;
}

static void
two_sites(void)
{
	cfg_reset(CONF_MODE_IIS7);
	add_site("MySite V1", "https/*:443:sitev1.mysite.com", "http/*:80:sitev1.mysite.com", NULL);
	add_site("MySite V2", "https/*:443:sitev2.mysite.com", "http/*:80:sitev2.mysite.com", NULL);
}

START_TEST(test_binding_route_host)
{
	struct route r;

	two_sites();
	ck_assert_str_eq(route(BINDING_HTTPS, "127.0.0.1", 443, "sitev2.mysite.com", 0, &r), "MySite V2");
	ck_assert_int_eq(r.tier, ROUTE_HOST_EXACT);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_eq(r.binding, &binds[1][0]);
	/* letter case and port in Host do not matter */
	ck_assert_str_eq(route(BINDING_HTTPS, "127.0.0.1", 443, "SiteV1.MySite.Com:443", 0, &r), "MySite V1");
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "sitev2.mysite.com", 0, &r), "MySite V2");
	ck_assert_ptr_eq(r.binding, &binds[1][1]);
	/* no binding for the host, a trailing dot, a bad character, a wrong port */
	ck_assert_ptr_null(route(BINDING_HTTPS, "127.0.0.1", 443, "sitev3.mysite.com", 0, &r));
	ck_assert_ptr_nonnull(strstr(r.explain, "sitev3.mysite.com"));
	ck_assert_ptr_null(route(BINDING_HTTPS, "127.0.0.1", 443, "sitev1.mysite.com.", 0, &r));
	ck_assert_ptr_null(route(BINDING_HTTPS, "127.0.0.1", 443, "sitev1.mysite.com/x", 0, &r));
	ck_assert_ptr_null(route(BINDING_HTTPS, "127.0.0.1", 8443, "sitev1.mysite.com", 0, &r));
}
END_TEST

START_TEST(test_binding_route_exact_ip_beats_any)
{
	struct route r;

	cfg_reset(CONF_MODE_IIS7);
	add_site("Any", "https/*:443:www.x.com", NULL, NULL);
	add_site("Exact", "https/127.0.0.5:443:www.x.com", NULL, NULL);
	ck_assert_str_eq(route(BINDING_HTTPS, "127.0.0.5", 443, "www.x.com", 0, &r), "Exact");
	ck_assert_int_eq(r.tier, ROUTE_HOST_EXACT);
	ck_assert_str_eq(route(BINDING_HTTPS, "127.0.0.1", 443, "www.x.com", 0, &r), "Any");
	/* a binding on another IP is not a candidate at all */
	cfg_reset(CONF_MODE_IIS7);
	add_site("Exact", "https/127.0.0.5:443:www.x.com", NULL, NULL);
	ck_assert_ptr_null(route(BINDING_HTTPS, "127.0.0.1", 443, "www.x.com", 0, &r));
}
END_TEST

START_TEST(test_binding_route_wildcard_host)
{
	struct route r;

	cfg_reset(CONF_MODE_IIS7);
	add_site("Wild", "http/*:80:*.example.com", NULL, NULL);
	add_site("Blog", "http/*:80:blog.example.com", NULL, NULL);
	add_site("Blank", "http/*:80:", NULL, NULL);
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "intranet.example.com", 0, &r), "Wild");
	ck_assert_int_eq(r.tier, ROUTE_HOST_WILDCARD);
	/* explicit beats wildcard */
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "BLOG.example.com", 0, &r), "Blog");
	ck_assert_int_eq(r.tier, ROUTE_HOST_EXACT);
	/* one label deep only, and not the apex: those go to the blank binding */
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "a.b.example.com", 0, &r), "Blank");
	ck_assert_int_eq(r.tier, ROUTE_BLANK_ANY);
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "example.com", 0, &r), "Blank");
}
END_TEST

START_TEST(test_binding_route_blank_hosts)
{
	struct route r;

	cfg_reset(CONF_MODE_IIS7);
	add_site("BlankAny", "http/*:80:", NULL, NULL);
	add_site("BlankIP", "http/127.0.0.7:80:", NULL, NULL);
	add_site("Named", "http/*:80:named.x.com", NULL, NULL);
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.7", 80, "whatever.com", 0, &r), "BlankIP");
	ck_assert_int_eq(r.tier, ROUTE_BLANK_IP);
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "whatever.com", 0, &r), "BlankAny");
	ck_assert_int_eq(r.tier, ROUTE_BLANK_ANY);
	/* a host binding beats a blank one on the exact IP */
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.7", 80, "named.x.com", 0, &r), "Named");
	/* HTTP/1.0 without Host: blank-host bindings only */
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.7", 80, NULL, 1, &r), "BlankIP");
	/* HTTP/1.1 without Host: 400 */
	ck_assert_ptr_null(route(BINDING_HTTP, "127.0.0.7", 80, NULL, 0, &r));
	/* a trailing dot matches nothing, not even a blank binding */
	ck_assert_ptr_null(route(BINDING_HTTP, "127.0.0.1", 80, "whatever.com.", 0, &r));
	/* https requests do not use http bindings */
	ck_assert_ptr_null(route(BINDING_HTTPS, "127.0.0.1", 80, "whatever.com", 0, &r));
}
END_TEST

START_TEST(test_binding_route_http10_without_blank)
{
	struct route r;

	two_sites();
	ck_assert_ptr_null(route(BINDING_HTTP, "127.0.0.1", 80, NULL, 1, &r));
	ck_assert_ptr_nonnull(strstr(r.explain, "HTTP/1.0"));
}
END_TEST

START_TEST(test_binding_route_stopped_site)
{
	struct route r;
	struct binding_addr a = ip("127.0.0.1");

	two_sites();
	sites[1].stopped = 1;
	ck_assert_int_eq(binding_route(&cfg, BINDING_HTTPS, &a, 443, "sitev2.mysite.com", 0, &r), -1);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(r.reason, "Disabled");
	ck_assert_ptr_eq(r.site, &sites[1]);
	ck_assert_str_eq(r.explain, "binding https/*:443:sitev2.mysite.com of site \"MySite V2\" "
	    "(host name): the site is stopped, 503");
	ck_assert_int_eq(binding_route(&cfg, BINDING_HTTPS, &a, 443, "sitev1.mysite.com", 0, &r), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.explain, "");
}
END_TEST

START_TEST(test_binding_route_ipv6)
{
	struct route r;

	cfg_reset(CONF_MODE_IIS7);
	add_site("Six", "https/[::1]:443:", NULL, NULL);
	add_site("Four", "https/127.0.0.1:443:", NULL, NULL);
	ck_assert_str_eq(route(BINDING_HTTPS, "::1", 443, "[::1]:443", 0, &r), "Six");
	ck_assert_int_eq(r.tier, ROUTE_BLANK_IP);
	ck_assert_str_eq(route(BINDING_HTTPS, "::ffff:127.0.0.1", 443, "x", 0, &r), "Four");
}
END_TEST


/* A matched entry whose certificate is not available (not in the store, no private key):
 * the handshake fails there, HTTP.SYS does not go on to the wildcard. */
START_TEST(test_binding_cert_unavailable_fails_at_its_step)
{
	struct cert_choice c;
	struct binding_addr a = ip("127.0.0.2");
	struct conf_sslcert *e;

	cfg_reset(CONF_MODE_IIS8);
	add_cert("0.0.0.0:443");
	e = add_cert("127.0.0.2:443");
	e->cert = NULL;
	e->unavailable = (char *)"no certificate with thumbprint 5e53... in certs";
	ck_assert_int_eq(binding_resolve_cert(&cfg, &a, 443, NULL, &c), -1);
	ck_assert_ptr_eq(c.entry, e);
	ck_assert_ptr_null(c.cert);
	ck_assert_int_eq(c.step, CERT_STEP_IPPORT_EXACT);
	ck_assert_str_eq(c.selected_by, "ipport 127.0.0.2:443");
	ck_assert(steps_mention(&c, "step 1 ipport 127.0.0.2:443: entry found, but its "
	    "certificate is not available (no certificate with thumbprint 5e53... in certs): the "
	    "handshake fails"));
	e = add_cert("sitev2.mysite.com:443");
	e->cert = NULL;
	a = ip("127.0.0.1");
	ck_assert_int_eq(binding_resolve_cert(&cfg, &a, 443, "SITEV2.mysite.com", &c), -1);
	ck_assert_int_eq(c.step, CERT_STEP_HOSTNAMEPORT);
	ck_assert(steps_mention(&c, "(not loaded): the handshake fails"));
}
END_TEST

/* The same binding on a stopped site and a started one: the started site answers,
 * whichever comes first in the file. */
START_TEST(test_binding_route_started_site_wins_a_shared_binding)
{
	struct route r;

	cfg_reset(CONF_MODE_IIS7);
	add_site("Old", "http/*:80:shop.example.com", NULL, NULL);
	add_site("New", "http/*:80:shop.example.com", NULL, NULL);
	sites[0].stopped = 1;
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "shop.example.com", 0, &r), "New");
	sites[0].stopped = 0;
	sites[1].stopped = 1;
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "shop.example.com", 0, &r), "Old");
	/* both stopped: the first answers 503 */
	sites[0].stopped = 1;
	ck_assert_str_eq(route(BINDING_HTTP, "127.0.0.1", 80, "shop.example.com", 0, &r), "Old");
	ck_assert_int_eq(r.status, 503);
}
END_TEST

/* ---- sites sharing one HTTPS binding ---- */

static size_t
shares(struct binding_share **sh)
{
	size_t n = 99;

	ck_assert_int_eq(binding_shares(&cfg, sh, &n), 0);
	return n;
}

START_TEST(test_binding_shares_two_sites_two_hosts)
{
	struct binding_share *sh;
	struct conf_sslcert *e;
	struct conf_site *a, *b;

	cfg_reset(CONF_MODE_IIS7);
	add_cert("127.0.0.9:8443");
	e = add_cert("0.0.0.0:8443");
	a = add_site("MySite V1", "https/127.0.0.1:8443:sitev1.mysite.com",
	    "http/127.0.0.1:8080:sitev1.mysite.com", NULL);
	b = add_site("MySite V2", "https/*:8443:sitev2.mysite.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 1);
	ck_assert_ptr_eq(sh[0].entry, e);
	ck_assert_ptr_eq(binding_share_of(sh, 1, e), &sh[0]);
	ck_assert_ptr_null(binding_share_of(sh, 1, &entries[0]));
	ck_assert_uint_eq(sh[0].nmembers, 2);
	ck_assert_ptr_eq(sh[0].members[0].site, a);
	ck_assert_ptr_eq(sh[0].members[0].binding, &a->bindings[0]);
	ck_assert_ptr_eq(sh[0].members[1].site, b);
	ck_assert_ptr_eq(sh[0].members[1].binding, &b->bindings[0]);
	binding_shares_free(sh, 1);

	/* a third site on its own exact entry takes no part */
	add_site("Other", "https/127.0.0.9:8443:www.example.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 1);
	ck_assert_uint_eq(sh[0].nmembers, 2);
	binding_shares_free(sh, 1);
}
END_TEST

START_TEST(test_binding_shares_none)
{
	struct binding_share *sh;

	/* one site with two names: no other site */
	cfg_reset(CONF_MODE_IIS7);
	add_cert("0.0.0.0:8443");
	add_site("A", "https/*:8443:a.example.com", "https/*:8443:b.example.com", NULL);
	ck_assert_uint_eq(shares(&sh), 0);
	ck_assert_ptr_null(sh);

	/* two sites, one host name (on two addresses) */
	cfg_reset(CONF_MODE_IIS7);
	add_cert("0.0.0.0:8443");
	add_site("A", "https/127.0.0.1:8443:a.example.com", NULL, NULL);
	add_site("B", "https/127.0.0.2:8443:a.example.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 0);

	/* each address its own exact entry */
	cfg_reset(CONF_MODE_IIS7);
	add_cert("127.0.0.1:8443");
	add_cert("127.0.0.2:8443");
	add_site("A", "https/127.0.0.1:8443:a.example.com", NULL, NULL);
	add_site("B", "https/127.0.0.2:8443:b.example.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 0);

	/* iis8: names a *.example.com entry covers use SNI, they share no ipport entry;
	 * with hostnameport_wildcard = off they do */
	cfg_reset(CONF_MODE_IIS8);
	add_cert("*.example.com:8443");
	add_cert("0.0.0.0:8443");
	add_site("A", "https/*:8443:a.example.com", NULL, NULL);
	add_site("B", "https/*:8443:b.example.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 0);
	cfg.hostnameport_wildcard = CONF_SNI_WILDCARD_OFF;
	ck_assert_uint_eq(shares(&sh), 1);
	binding_shares_free(sh, 1);

	/* no entry at all: nothing is shared, the handshakes fail */
	cfg_reset(CONF_MODE_IIS7);
	add_site("A", "https/*:8443:a.example.com", NULL, NULL);
	add_site("B", "https/*:8443:b.example.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 0);

	/* iis8 with a hostnameport entry per site ("Require SNI") */
	cfg_reset(CONF_MODE_IIS8);
	add_cert("0.0.0.0:8443");
	add_cert("sitev1.mysite.com:8443");
	add_cert("sitev2.mysite.com:8443");
	add_site("MySite V1", "https/*:8443:sitev1.mysite.com", NULL, NULL);
	add_site("MySite V2", "https/*:8443:sitev2.mysite.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 0);

	/* iis8, only one of them with SNI: the other shares with nobody */
	cfg_reset(CONF_MODE_IIS8);
	add_cert("0.0.0.0:8443");
	add_cert("sitev1.mysite.com:8443");
	add_site("MySite V1", "https/*:8443:sitev1.mysite.com", NULL, NULL);
	add_site("MySite V2", "https/*:8443:sitev2.mysite.com", NULL, NULL);
	ck_assert_uint_eq(shares(&sh), 0);

	/* the same configuration in iis7: the hostnameport entry is not consulted */
	cfg.mode = CONF_MODE_IIS7;
	ck_assert_uint_eq(shares(&sh), 1);
	binding_shares_free(sh, 1);
}
END_TEST

/* ---- the configuration's index ---- */

/*
 * A loaded configuration finds its sslcert entries through a binary index (conf.c); a
 * conf without one scans.  Both must choose the same entry, by the same steps, with the
 * same sentences, for every local address, port and SNI: IP:port, hostname:port (case
 * folded), wildcard, CCS, IPv6, IPv4-mapped, and the 0.0.0.0 / [::] fallbacks, in both
 * modes and with the wildcard look-up on and off.  300 more IP:port entries make the
 * index's probes collide.
 */
START_TEST(test_binding_cert_index_same_choice)
{
	static const char *locals[] = { "127.0.0.1", "127.0.0.2", "::1", "::2",
	    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "10.0.0.1", "10.0.1.44", "fe80::1" };
	static const unsigned ports[] = { 443, 8443, 9443, 10443 };
	static const char *snis[] = { NULL, "www.a.com", "WWW.A.com", "x.b.com", "a.x.b.com",
	    "b.com", "mixed.case.com", "y.c.com", "other.com", "ccs.test", "*.b.com" };
	static const char *const text_head =
	    "[server]\nmode = iis8\n[site A]\nid = 1\nbindings = https/*:443:\n"
	    "[sslcert 127.0.0.1:443]\ncertificate = a.pem\n"
	    "[sslcert [::1]:443]\ncertificate = a.pem\n"
	    "[sslcert 0.0.0.0:443]\ncertificate = a.pem\n"
	    "[sslcert [::]:443]\ncertificate = a.pem\n"
	    "[sslcert [::]:8443]\ncertificate = a.pem\n"
	    "[sslcert 0.0.0.0:9443]\ncertificate = a.pem\n"
	    "[sslcert [::ffff:10.0.0.1]:9443]\ncertificate = a.pem\n"
	    "[sslcert www.a.com:443]\ncertificate = a.pem\n"
	    "[sslcert *.b.com:443]\ncertificate = a.pem\n"
	    "[sslcert www.a.com:8443]\ncertificate = a.pem\n"
	    "[sslcert *.c.com:9443]\ncertificate = a.pem\n"
	    "[sslcert Mixed.Case.com:443]\ncertificate = a.pem\n"
	    "[sslcert ccs:8443]\ndirectory = ccs\npassword = x\n";
	char *text, err[512], name[64];
	size_t len = strlen(text_head) + 300 * 64, off, i, l, p, n, m, w, checked = 0;
	struct conf *c, scan;
	struct cert_choice *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct binding_addr addr;
	struct sslcert_key k;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(text = malloc(len));
	off = (size_t)snprintf(text, len, "%s", text_head);
	for (i = 0; i < 300; i++)
		off += (size_t)snprintf(text + off, len - off, "[sslcert 10.0.%zu.%zu:%u]\n"
		    "certificate = a.pem\n", i / 10, i % 10 + 40, 443 + (unsigned)(i % 3) * 1000);
	c = conf_parse(text, "t.ini", 0, err, sizeof(err));
	free(text);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_nonnull(c->index);
	scan = *c;
	scan.index = NULL;   /* the same entries, found by a scan */

	/* every entry finds itself, and each key's variants find what a scan finds */
	for (i = 0; i < c->nsslcerts; i++) {
		k = c->sslcerts[i].key;
		ck_assert_ptr_eq(conf_find_sslcert(c, &k), &c->sslcerts[i]);
		ck_assert_ptr_eq(conf_find_sslcert(&scan, &k), &c->sslcerts[i]);
		if (k.kind == SSLCERT_IPPORT && k.addr.family == AF_INET) {
			/* the same address written IPv4-mapped */
			k.addr.family = AF_INET6;
			memmove(k.addr.ip + 12, k.addr.ip, 4);
			memset(k.addr.ip, 0, 10);
			k.addr.ip[10] = k.addr.ip[11] = 0xff;
			ck_assert_ptr_eq(conf_find_sslcert(c, &k), &c->sslcerts[i]);
		}
		if (k.kind == SSLCERT_HOSTNAMEPORT)
			for (n = 0; k.host[n] != '\0'; n++)
				k.host[n] = (char)toupper((unsigned char)k.host[n]);
		k.port++;
		ck_assert_ptr_eq(conf_find_sslcert(c, &k), conf_find_sslcert(&scan, &k));
		k.port--;
		ck_assert_ptr_eq(conf_find_sslcert(c, &k), conf_find_sslcert(&scan, &k));
	}
	for (m = 0; m < 2; m++)
		for (w = 0; w < 2; w++)
			for (l = 0; l < sizeof(locals) / sizeof(locals[0]); l++)
				for (p = 0; p < sizeof(ports) / sizeof(ports[0]); p++)
					for (n = 0; n < sizeof(snis) / sizeof(snis[0]); n++) {
		int ra, rb, s;

		c->mode = scan.mode = m ? CONF_MODE_IIS7 : CONF_MODE_IIS8;
		c->hostnameport_wildcard = scan.hostnameport_wildcard =
		    w ? CONF_SNI_WILDCARD_OFF : CONF_SNI_WILDCARD_AFTER_EXACT;
		ck_assert_int_eq(binding_addr_parse(locals[l], &addr), 0);
		ra = binding_resolve_cert(c, &addr, ports[p], snis[n], a);
		rb = binding_resolve_cert(&scan, &addr, ports[p], snis[n], b);
		snprintf(name, sizeof(name), "%s port %u sni %s", locals[l], ports[p],
		    snis[n] != NULL ? snis[n] : "-");
		ck_assert_msg(ra == rb && a->step == b->step && a->entry == b->entry &&
		    a->sni_used == b->sni_used && a->nsteps == b->nsteps, "%s", name);
		ck_assert_str_eq(a->selected_by, b->selected_by);
		for (s = 0; s < a->nsteps; s++)
			ck_assert_str_eq(a->steps[s], b->steps[s]);
		ck_assert_int_eq(binding_choose_cert(c, &addr, ports[p], snis[n], b), ra);
		ck_assert_ptr_eq(b->entry, a->entry);
		checked += a->entry != NULL;
	}
	/* the grid reached entries, not only failures */
	ck_assert_uint_gt(checked, 100);
	conf_free(c);
	free(a);
	free(b);
}
END_TEST

static Suite *
binding_suite(void)
{
	Suite *s = suite_create("binding");
	TCase *p = tcase_create("parse"), *c = tcase_create("cert"), *r = tcase_create("route");

	tcase_add_test(p, test_binding_parse_triplets);
	tcase_add_test(p, test_binding_parse_rejects);
	tcase_add_test(p, test_binding_sslkey_kinds);
	tcase_add_test(p, test_binding_sslkey_equal);
	tcase_add_test(p, test_binding_sslkey_hashkey_text);
	tcase_add_test(p, test_binding_host_normalize);
	tcase_add_test(c, test_binding_cert_iis7_ipport_whatever_the_sni);
	tcase_add_test(c, test_binding_cert_iis7_exact_ip_first);
	tcase_add_test(c, test_binding_cert_iis7_nothing);
	tcase_add_loop_test(c, test_binding_cert_wildcard_families, 0, NFAMILY_ROWS * 4);
	tcase_add_test(c, test_binding_cert_iis8_ipv6_sni_before_wildcard);
	tcase_add_test(c, test_binding_cert_iis8_sni);
	tcase_add_loop_test(c, test_binding_cert_iis8_wildcard_sni, 0, NSNI_WILD_ROWS * 2);
	tcase_add_test(c, test_binding_cert_wildcard_selected_by);
	tcase_add_test(c, test_binding_cert_iis8_exact_ip_beats_sni);
	tcase_add_test(c, test_binding_cert_iis8_no_fallback_fails);
	tcase_add_test(c, test_binding_cert_iis8_ccs);
	tcase_add_test(c, test_binding_cert_iis8_sni_before_ccs);
	tcase_add_test(c, test_binding_cert_unavailable_fails_at_its_step);
	tcase_add_test(c, test_binding_cert_index_same_choice);
	tcase_add_test(r, test_binding_route_host);
	tcase_add_test(r, test_binding_route_exact_ip_beats_any);
	tcase_add_test(r, test_binding_route_wildcard_host);
	tcase_add_test(r, test_binding_route_blank_hosts);
	tcase_add_test(r, test_binding_route_http10_without_blank);
	tcase_add_test(r, test_binding_route_stopped_site);
	tcase_add_test(r, test_binding_route_ipv6);
	tcase_add_test(r, test_binding_route_started_site_wins_a_shared_binding);
	tcase_add_test(r, test_binding_shares_two_sites_two_hosts);
	tcase_add_test(r, test_binding_shares_none);
	tcase_add_test(r, test_binding_addr_format_as_inet_ntop);
	suite_add_tcase(s, p);
	suite_add_tcase(s, c);
	suite_add_tcase(s, r);
	return s;
}

int
main(void)
{
	char cmd[400];
	SRunner *sr;
	int failed;

	snprintf(certdir, sizeof(certdir), "/tmp/sysbind-check-binding.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "scripts/mkcerts.sh --demo %s >/dev/null", certdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "check_binding: %s failed (run from the repository root)\n", cmd);
		return 1;
	}
	sr = srunner_create(binding_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", certdir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_binding: could not remove %s\n", certdir);
	return failed == 0 ? 0 : 1;
}
