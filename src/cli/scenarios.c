/*
 * scenarios — `sysbind scenarios` (see scenarios.h).  Owns the scenario table (the single
 * source of the INI, the manifest and the printed table), the certificates each scenario
 * needs, the scenarios directory (made, or reused only when it is one of ours: never a
 * user's directory with other files in it) and what is printed before serving.  The
 * certificates themselves are mint.c's, the configuration conf.c's, serving daemon.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "model/conf.h"
#include "core/daemon.h"
#include "cli/mint.h"
#include "cli/scenarios.h"
#include "model/respond.h"

#define SCEN_PATH_MAX 4096
#define SCEN_NPORTS   18          /* ports base .. base+17 */
#define SCEN_PFX_PASSWORD "scenarios"
#define DAY  86400L
#define YEAR (365L * DAY)

static const char scen_usage_text[] =
"usage: sysbind scenarios --dir DIR [--port-base N] [-v]\n"
"\n"
"  Bring up local hosts that each break (or work, as a control) because of one HTTP.SYS\n"
"  rule, as badssl.com does for TLS: certificates, DIR/sysbind.ini and the manifest\n"
"  DIR/scenarios.json (the CA to trust, each scenario's address, host, SNI, what breaks,\n"
"  the fix, and what curl, openssl s_client and Chromium see) are written, the table is\n"
"  printed, and the daemon serves in the foreground until SIGINT or SIGTERM.\n"
"\n"
"  --dir DIR        where everything is written: a new or empty directory, or one a\n"
"                   previous `sysbind scenarios` made (its CA is kept)\n"
"  --port-base N    the first of 18 ports (default 9400); addresses are 127.0.0.1-3 and ::1\n"
"  -v               trace every connection's decisions\n";

void
scen_usage(FILE *f)
{
	fputs(scen_usage_text, f);
}

/*
 * The scenarios.  Every outcome in .expect was measured against Debian 12's curl 7.88,
 * OpenSSL 3.0 and Chromium (tests/integration/test_scenarios.sh checks them on each run).
 * The ports are offsets from --port-base; the INI text below binds the same offsets.
 */
static const struct scen scen_list[] = {
	{ "ok", "127.0.0.1", 0, "ok.test", 1, "/", "", "",
	  "nothing: the 0.0.0.0:port certificate names the site's host (a control)",
	  "every client: 200",
	  "-",
	  { 0, 200, 0, "ok.test", "200" } },
	{ "unknown-host", "127.0.0.1", 1, "nosite.test", 1, "/", "", "",
	  "no site binds the Host (the certificate names it, no binding does): HTTP.SYS "
	  "itself answers, before any site (README §1.2 tier 5)",
	  "400 Bad Request - Invalid Hostname, from HTTP.SYS (HTTPERR reason Hostname)",
	  "add a binding for the host to a site (appcmd set site /+bindings), or a blank-host "
	  "binding",
	  { 0, 400, 0, "known.test", "400" } },
	{ "stopped-site", "127.0.0.1", 2, "stopped.test", 1, "/", "", "",
	  "the site is stopped (state = stopped, as a stopped application pool): HTTP.SYS "
	  "answers for it",
	  "503 Service Unavailable from HTTP.SYS",
	  "start the site (appcmd start site) or its application pool",
	  { 0, 503, 0, "stopped.test", "503" } },
	{ "shared-ipport", "127.0.0.1", 3, "sitev2.test", 1, "/", "", "",
	  "sitev2 shares sitev1's IP:Port; the certificate is chosen by IP:Port in the "
	  "handshake, before the Host is known, so sitev2 gets sitev1's (§1.1 step 4)",
	  "curl 60 (no alternative certificate subject name matches); s_client: CN "
	  "sitev1.test; Chromium ERR_CERT_COMMON_NAME_INVALID",
	  "one certificate naming both hosts on 0.0.0.0:port, or an SNI (hostnameport) "
	  "binding for sitev2",
	  { 60, 0, 0, "sitev1.test", "ERR_CERT_COMMON_NAME_INVALID" } },
	{ "ok-sni", "127.0.0.1", 4, "ok-sni.test", 1, "/", "", "",
	  "nothing: the host has its SNI (hostnameport) binding (a control)",
	  "every client sending SNI: 200",
	  "-",
	  { 0, 200, 0, "ok-sni.test", "200" } },
	{ "sni-less-client", "127.0.0.1", 4, "127.0.0.1", 0, "/", "", "",
	  "a client without SNI (an IP-literal URL, an old client) on a port with only "
	  "hostnameport bindings: no step finds a certificate and the handshake fails "
	  "(§1.1 step 5; IIS Manager warns of it)",
	  "curl 35 (SSL_ERROR_SYSCALL: the connection closes in the handshake, no alert); "
	  "s_client: no certificate",
	  "add a fallback binding 0.0.0.0:port (IIS: an https binding without Require Server "
	  "Name Indication)",
	  { 35, 0, -1, NULL, "ERR_CONNECTION_CLOSED" } },
	{ "no-sni-fallback", "127.0.0.2", 5, "127.0.0.2", 0, "/", "", "",
	  "the fix of sni-less-client: a client without SNI gets the 0.0.0.0:port "
	  "certificate (§1.1 step 4); clients with SNI get theirs (sni.test); here the "
	  "fallback names 127.0.0.2 (a control)",
	  "curl 200; s_client -noservername: CN 127.0.0.2, with -servername sni.test: CN "
	  "sni.test",
	  "-",
	  { 0, 200, 0, "127.0.0.2", "200" } },
	{ "specific-ip-beats-sni", "127.0.0.3", 6, "beats.test", 1, "/", "", "",
	  "an ipport binding on the exact IP 127.0.0.3:port (a forgotten IP-bound "
	  "certificate) is step 1: it wins over the host's SNI binding (step 2)",
	  "curl 60 (name mismatch); s_client: CN old-ip.test although SNI is beats.test; "
	  "Chromium ERR_CERT_COMMON_NAME_INVALID",
	  "delete the IP-specific binding (netsh http delete sslcert ipport=127.0.0.3:port) or "
	  "give it the right certificate",
	  { 60, 0, 0, "old-ip.test", "ERR_CERT_COMMON_NAME_INVALID" } },
	{ "ccs-parent-wildcard", "127.0.0.1", 7, "www.ccs.test", 1, "/", "", "",
	  "the Central Certificate Store has no www.ccs.test.pfx: HTTP.SYS takes "
	  "_.ccs.test.pfx, the wildcard *.ccs.test (§1.1 step 3; a control)",
	  "every client: 200 with CN *.ccs.test",
	  "-",
	  { 0, 200, 0, "*.ccs.test", "200" } },
	{ "missing-intermediate", "127.0.0.1", 8, "missing.test", 1, "/", "", "",
	  "the server sends the leaf without its intermediate CA. Chrome, Edge and Safari "
	  "fetch it by AIA and work on the Internet (this local chain has no AIA URL, so "
	  "here Chromium fails too); Firefox works only with it cached; curl, OpenSSL, Java, "
	  "Python, Android fail; SSL Labs: Incomplete Chain",
	  "curl 60 (unable to get local issuer certificate); s_client verify 21 (unable to "
	  "verify the first certificate); Chromium ERR_CERT_AUTHORITY_INVALID",
	  "put the intermediate (DIR/certs/missing-intermediate.pem) into the machine's "
	  "Intermediate Certification Authorities store (intermediate_store = intermediates: "
	  "copy it to DIR/intermediates/) and reload",
	  { 60, 0, 21, "missing.test", "ERR_CERT_AUTHORITY_INVALID" } },
	{ "chain-ok", "127.0.0.1", 9, "chain.test", 1, "/", "", "",
	  "the fix of missing-intermediate: leaf and intermediate are sent (a control)",
	  "every client: 200",
	  "-",
	  { 0, 200, 0, "chain.test", "200" } },
	{ "stale-intermediate", "127.0.0.1", 10, "stale.test", 1, "/", "", "",
	  "the intermediate sent is the one cross-signed by the old root, issued most "
	  "recently, whose root has expired (Let's Encrypt R3 and DST Root CA X3, 2021); a "
	  "client that still trusts the old root (DIR/certs/ca.pem holds both) rejects it",
	  "curl 60 (certificate has expired); s_client verify 10; Chromium "
	  "ERR_CERT_AUTHORITY_INVALID",
	  "remove the stale cross-signed intermediate (DIR/intermediates/cross.pem) from the "
	  "machine's intermediate store, leaving the current one",
	  { 60, 0, 10, "stale.test", "ERR_CERT_AUTHORITY_INVALID" } },
	{ "expired", "127.0.0.1", 11, "expired.test", 1, "/", "", "",
	  "the certificate's notAfter is yesterday: HTTP.SYS serves it anyway",
	  "curl 60 (certificate has expired); s_client verify 10; Chromium "
	  "ERR_CERT_DATE_INVALID",
	  "renew the certificate and update the binding's hash (netsh http update sslcert)",
	  { 60, 0, 10, "expired.test", "ERR_CERT_DATE_INVALID" } },
	{ "not-yet-valid", "127.0.0.1", 12, "not-yet-valid.test", 1, "/", "", "",
	  "the certificate's notBefore is 30 days ahead (a clock, or a certificate issued "
	  "for later): HTTP.SYS serves it anyway",
	  "curl 60 (certificate is not yet valid); s_client verify 9; Chromium "
	  "ERR_CERT_DATE_INVALID",
	  "fix the clock, or bind a certificate valid now",
	  { 60, 0, 9, "not-yet-valid.test", "ERR_CERT_DATE_INVALID" } },
	{ "ipv6-entry", "::1", 13, "dual.test", 1, "/", "", "",
	  "a [::]:port entry beside 0.0.0.0:port: an IPv6 client gets [::]'s certificate "
	  "(old-v6.test), an IPv4 client 0.0.0.0's (§1.1 step 4); a browser reaching "
	  "localhost over ::1 sees the other one",
	  "curl 60 over ::1 (name mismatch); s_client: CN old-v6.test",
	  "delete the [::]:port entry (0.0.0.0:port applies to IPv6 too) or give it the same "
	  "certificate",
	  { 60, 0, 0, "old-v6.test", NULL } },
	{ "ipv4-beside-ipv6", "127.0.0.1", 13, "dual.test", 1, "/", "", "",
	  "the same host over IPv4: 0.0.0.0:port's certificate names it (a control)",
	  "every client over IPv4: 200",
	  "-",
	  { 0, 200, 0, "dual.test", NULL } },
	{ "legacy-tls-ok", "127.0.0.1", 14, "legacy.test", 1, "/",
	  "--tlsv1.1 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0",
	  "-tls1_1 -cipher DEFAULT@SECLEVEL=0",
	  "a TLS 1.1 client on Server 2022's defaults (tls_profile = server2022: TLS 1.0 to "
	  "1.3) is served (a control)",
	  "curl and s_client limited to TLS 1.1: 200 (browsers no longer speak TLS 1.1)",
	  "-",
	  { 0, 200, 0, "legacy.test", NULL } },
	{ "disablelegacytls", "127.0.0.1", 15, "nolegacy.test", 1, "/",
	  "--tlsv1.1 --tls-max 1.1 --ciphers DEFAULT@SECLEVEL=0",
	  "-tls1_1 -cipher DEFAULT@SECLEVEL=0",
	  "the binding has disablelegacytls = enable: a TLS 1.0 or 1.1 client is refused "
	  "in the handshake",
	  "curl 35 (tlsv1 alert protocol version); s_client: no certificate",
	  "upgrade the client to TLS 1.2, or (on the server) drop disablelegacytls",
	  { 35, 0, -1, NULL, NULL } },
	{ "http11-required", "127.0.0.1", 16, "h11.test", 1, "/secure", "", "",
	  "/secure needs a client certificate (SslNegotiateCert, SslRequireCert), asked "
	  "only after routing; over HTTP/2 the stream is reset HTTP_1_1_REQUIRED, the client "
	  "retries over HTTP/1.1 and TLS 1.2 renegotiates (disabletls13 on this binding)",
	  "curl: h2 reset, retried over HTTP/1.1, renegotiation without a certificate: 403 "
	  "(403.7); Chromium the same",
	  "clientcertnegotiation = enable on the binding (ask in the first handshake), or "
	  "disablehttp2",
	  { 0, 403, 0, "h11.test", "403" } },
	{ "tls13-client-cert", "127.0.0.1", 17, "tls13.test", 1, "/secure", "", "",
	  "/secure needs a client certificate over TLS 1.3, which has no renegotiation: "
	  "Server 2022 resets the connection (Server 2025 answers 500)",
	  "curl 56 (empty reply: the HTTP/2 stream is reset HTTP_1_1_REQUIRED, the HTTP/1.1 "
	  "retry's connection is closed); "
	  "Chromium ERR_CONNECTION_RESET",
	  "clientcertnegotiation = enable on the binding, or disabletls13",
	  { 56, 0, 0, "tls13.test", "ERR_CONNECTION_RESET" } },
};

const struct scen *
scen_table(size_t *n)
{
	*n = sizeof(scen_list) / sizeof(scen_list[0]);
	return scen_list;
}

/*
 * The configuration, its ports written @NN@ (offset NN from the port base).  One site per
 * scenario port, none with a backend: the diagnostic page answers 200.
 */
static const char scen_ini_text[] =
"; written by `sysbind scenarios`: every port is one HTTP.SYS rule (scenarios.json)\n"
"[server]\n"
"mode = iis8\n"
"tls_profile = server2022\n"
"trust = certs/ca.pem\n"
"intermediate_store = intermediates\n"
"access_log = access.log\n"
"httperr_log = httperr.log\n"
"\n"
"[sslcert 0.0.0.0:@00@]\ncertificate = certs/ok.pem\nkey = certs/ok.key\n"
"[site OK]\nid = 1\nbindings = https/*:@00@:ok.test\n\n"
"[sslcert 0.0.0.0:@01@]\ncertificate = certs/known.pem\nkey = certs/known.key\n"
"[site Known]\nid = 2\nbindings = https/*:@01@:known.test\n\n"
"[sslcert 0.0.0.0:@02@]\ncertificate = certs/stopped.pem\nkey = certs/stopped.key\n"
"[site Stopped]\nid = 3\nbindings = https/*:@02@:stopped.test\nstate = stopped\n\n"
"[sslcert 0.0.0.0:@03@]\ncertificate = certs/sitev1.pem\nkey = certs/sitev1.key\n"
"[site SiteV1]\nid = 4\nbindings = https/*:@03@:sitev1.test\n"
"[site SiteV2]\nid = 5\nbindings = https/*:@03@:sitev2.test\n\n"
"[sslcert ok-sni.test:@04@]\ncertificate = certs/ok-sni.pem\nkey = certs/ok-sni.key\n"
"[site SNI only]\nid = 6\nbindings = https/*:@04@:ok-sni.test, https/*:@04@:\n\n"
"[sslcert sni.test:@05@]\ncertificate = certs/sni.pem\nkey = certs/sni.key\n"
"[sslcert 0.0.0.0:@05@]\ncertificate = certs/fallback.pem\nkey = certs/fallback.key\n"
"[site Fallback]\nid = 7\nbindings = https/*:@05@:\n\n"
"[sslcert 127.0.0.3:@06@]\ncertificate = certs/old-ip.pem\nkey = certs/old-ip.key\n"
"[sslcert beats.test:@06@]\ncertificate = certs/beats.pem\nkey = certs/beats.key\n"
"[site Beats]\nid = 8\nbindings = https/127.0.0.3:@06@:beats.test\n\n"
"[sslcert ccs:@07@]\ndirectory = ccs\npassword = " SCEN_PFX_PASSWORD "\n"
"[site CCS]\nid = 9\nbindings = https/*:@07@:www.ccs.test\n\n"
"[sslcert 0.0.0.0:@08@]\ncertificate = certs/missing.pem\nkey = certs/missing.key\n"
"[site Missing]\nid = 10\nbindings = https/*:@08@:missing.test\n\n"
"[sslcert 0.0.0.0:@09@]\ncertificate = certs/chain.pem\nkey = certs/chain.key\n"
"[site Chain]\nid = 11\nbindings = https/*:@09@:chain.test\n\n"
"[sslcert 0.0.0.0:@10@]\ncertificate = certs/stale.pem\nkey = certs/stale.key\n"
"[site Stale]\nid = 12\nbindings = https/*:@10@:stale.test\n\n"
"[sslcert 0.0.0.0:@11@]\ncertificate = certs/expired.pem\nkey = certs/expired.key\n"
"[site Expired]\nid = 13\nbindings = https/*:@11@:expired.test\n\n"
"[sslcert 0.0.0.0:@12@]\ncertificate = certs/future.pem\nkey = certs/future.key\n"
"[site Future]\nid = 14\nbindings = https/*:@12@:not-yet-valid.test\n\n"
"[sslcert 0.0.0.0:@13@]\ncertificate = certs/dual.pem\nkey = certs/dual.key\n"
"[sslcert [::]:@13@]\ncertificate = certs/old-v6.pem\nkey = certs/old-v6.key\n"
"[site Dual]\nid = 15\nbindings = https/*:@13@:dual.test\n\n"
"[sslcert 0.0.0.0:@14@]\ncertificate = certs/legacy.pem\nkey = certs/legacy.key\n"
"[site Legacy]\nid = 16\nbindings = https/*:@14@:legacy.test\n\n"
"[sslcert 0.0.0.0:@15@]\ncertificate = certs/nolegacy.pem\nkey = certs/nolegacy.key\n"
"disablelegacytls = enable\n"
"[site No legacy]\nid = 17\nbindings = https/*:@15@:nolegacy.test\n\n"
"[sslcert 0.0.0.0:@16@]\ncertificate = certs/h11.pem\nkey = certs/h11.key\n"
"disabletls13 = enable\n"
"[site H11]\nid = 18\nbindings = https/*:@16@:h11.test\n"
"[location H11/secure]\nssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n\n"
"[sslcert 0.0.0.0:@17@]\ncertificate = certs/tls13.pem\nkey = certs/tls13.key\n"
"[site TLS13]\nid = 19\nbindings = https/*:@17@:tls13.test\n"
"[location TLS13/secure]\nssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n";

char *
scen_ini(unsigned port_base)
{
	const char *p = scen_ini_text;
	char *out, *q;

	/* each @NN@ (4 bytes) becomes a port of at most 5 digits */
	if ((out = malloc(sizeof(scen_ini_text) * 2)) == NULL)
		return NULL;
	for (q = out; *p != '\0'; p++) {
		if (p[0] == '@' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
		    p[3] == '@') {
			q += sprintf(q, "%u", port_base + (unsigned)((p[1] - '0') * 10 + p[2] - '0'));
			p += 3;
		} else
			*q++ = *p;
	}
	*q = '\0';
	return out;
}

int
scen_parse(int argc, char **argv, struct scen_opts *o, char *err, size_t errlen)
{
	char *end;
	unsigned long v;
	int i, have_base = 0;

	memset(o, 0, sizeof(*o));
	o->port_base = SCEN_PORT_BASE;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = 1;
		} else if (strcmp(a, "-v") == 0) {
			o->verbose = 1;
		} else if (strcmp(a, "--dir") == 0 || strcmp(a, "--port-base") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				snprintf(err, errlen, "%s needs a value", a);
				return -1;
			}
			if ((a[2] == 'd' && o->dir != NULL) || (a[2] == 'p' && have_base)) {
				snprintf(err, errlen, "%s given twice", a);
				return -1;
			}
			if (a[2] == 'd') {
				o->dir = argv[++i];
				continue;
			}
			errno = 0;
			v = strtoul(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || argv[i][0] < '1' || argv[i][0] > '9' ||
			    v < 1024 || v > 65535 - (SCEN_NPORTS - 1)) {
				snprintf(err, errlen, "--port-base \"%s\": a port from 1024 to %d (the "
				    "scenarios use %d ports from it)", argv[i], 65535 - (SCEN_NPORTS - 1),
				    SCEN_NPORTS);
				return -1;
			}
			o->port_base = (unsigned)v;
			have_base = 1;
		} else {
			snprintf(err, errlen, "unknown option \"%s\"", a);
			return -1;
		}
	}
	if (!o->help && o->dir == NULL) {
		snprintf(err, errlen, "--dir DIR is required (where the certificates, the "
		    "configuration and scenarios.json are written)");
		return -1;
	}
	return 0;
}

static void
scen_json_put(void *arg, const char *p, size_t n)
{
	fwrite(p, 1, n, arg);
}

/* s as a JSON string, or null: the one escaper (respond_json_escape), so a path from
 * --dir that is not UTF-8 still makes valid JSON. */
static void
scen_json_str(FILE *f, const char *s)
{
	respond_json_escape(s, scen_json_put, f);
}

/* A blank-separated argument list as a JSON array of strings. */
static void
scen_json_args(FILE *f, const char *args)
{
	const char *p = args, *e;
	char word[128];
	int first = 1;

	fputc('[', f);
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		snprintf(word, sizeof(word), "%.*s", (int)(e - p), p);
		fputs(first ? "" : ", ", f);
		scen_json_str(f, word);
		first = 0;
		p = e;
	}
	fputc(']', f);
}

/* "127.0.0.1:9400" or "[::1]:9400"; the URL's authority the same way. */
static void
scen_addr(char *buf, size_t len, const char *ip, unsigned port)
{
	if (strchr(ip, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
}

/* One scenario's manifest object. */
static void
scen_manifest_one(FILE *f, const struct scen *s, unsigned base)
{
	char addr[80], url[300];
	unsigned port = base + s->port;

	scen_addr(addr, sizeof(addr), s->ip, port);
	snprintf(url, sizeof(url), "https://%s:%u%s", s->host, port, s->path);
	fputs("    {\"name\": ", f);
	scen_json_str(f, s->name);
	fputs(", \"address\": ", f);
	scen_json_str(f, addr);
	fputs(", \"ip\": ", f);
	scen_json_str(f, s->ip);
	fprintf(f, ", \"port\": %u, \"host\": ", port);
	scen_json_str(f, s->host);
	fputs(", \"sni\": ", f);
	scen_json_str(f, s->sni ? s->host : NULL);
	fputs(", \"url\": ", f);
	scen_json_str(f, url);
	fputs(",\n     \"curl_args\": ", f);
	scen_json_args(f, s->curl_args);
	fputs(", \"openssl_args\": ", f);
	scen_json_args(f, s->ossl_args);
	fputs(",\n     \"what\": ", f);
	scen_json_str(f, s->what);
	fputs(",\n     \"sees\": ", f);
	scen_json_str(f, s->sees);
	fputs(",\n     \"fix\": ", f);
	scen_json_str(f, strcmp(s->fix, "-") == 0 ? NULL : s->fix);
	fprintf(f, ",\n     \"expect\": {\"curl\": %d, \"http\": ", s->expect.curl);
	if (s->expect.http != 0)
		fprintf(f, "%d", s->expect.http);
	else
		fputs("null", f);
	fputs(", \"openssl\": {\"verify\": ", f);
	if (s->expect.verify >= 0)
		fprintf(f, "%d", s->expect.verify);
	else
		fputs("null", f);
	fputs(", \"subject\": ", f);
	scen_json_str(f, s->expect.subject);
	fputs("}, \"chromium\": ", f);
	scen_json_str(f, s->expect.chromium);
	fputs("}}", f);
}

int
scen_manifest(FILE *f, unsigned port_base, const char *ca)
{
	size_t i, n;
	const struct scen *s = scen_table(&n);

	fputs("{\n  \"ca\": ", f);
	scen_json_str(f, ca);
	fprintf(f, ",\n  \"port_base\": %u,\n  \"curl\": \"curl -s -o /dev/null --cacert CA "
	    "--resolve HOST:PORT:IP CURL_ARGS URL\",\n  \"scenarios\": [\n", port_base);
	for (i = 0; i < n; i++) {
		scen_manifest_one(f, &s[i], port_base);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
	return ferror(f) ? -1 : 0;
}

/* The curl command of s, as the manifest says to run it. */
static void
scen_print_curl(FILE *f, const struct scen *s, unsigned base, const char *ca)
{
	unsigned port = base + s->port;

	fprintf(f, "curl -s -o /dev/null --cacert %s --resolve %s:%u:%s%s%s https://%s:%u%s",
	    ca, s->host, port, s->ip, s->curl_args[0] != '\0' ? " " : "", s->curl_args,
	    s->host, port, s->path);
}

void
scen_print_table(FILE *f, unsigned port_base, const char *ca)
{
	size_t i, n;
	const struct scen *s = scen_table(&n);
	char addr[80], url[300], out[32];

	fprintf(f, "%-22s %-38s %-17s %-6s %s\n", "SCENARIO", "URL", "ADDRESS", "SNI",
	    "CURL");
	for (i = 0; i < n; i++) {
		scen_addr(addr, sizeof(addr), s[i].ip, port_base + s[i].port);
		snprintf(url, sizeof(url), "https://%s:%u%s", s[i].host,
		    port_base + s[i].port, s[i].path);
		if (s[i].expect.curl == 0)
			snprintf(out, sizeof(out), "HTTP %d", s[i].expect.http);
		else
			snprintf(out, sizeof(out), "exit %d", s[i].expect.curl);
		fprintf(f, "%-22s %-38s %-17s %-6s %s\n", s[i].name, url, addr,
		    s[i].sni ? "yes" : "none", out);
	}
	fputs("\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n  breaks: %s\n  sees:   %s\n", s[i].name, s[i].what, s[i].sees);
		if (strcmp(s[i].fix, "-") != 0)
			fprintf(f, "  fix:    %s\n", s[i].fix);
		fputs("  try:    ", f);
		scen_print_curl(f, &s[i], port_base, ca);
		fputs("\n", f);
	}
}

/* ---- the files ---- */

/* BY_INTER: R3, in the store twice (current.pem, cross.pem); BY_E1: E1, in the store once
 * (e1.pem); BY_M1: M1, kept out of the store (certs/missing-intermediate.pem). */
enum scen_signer { BY_ROOT, BY_INTER, BY_E1, BY_M1 };
enum scen_chain { CH_LEAF, CH_CURRENT, CH_CROSS };

/* A leaf certificate: certs/FILE.pem and .key, or ccs/FILE.pfx. */
struct scen_cert {
	const char      *file;
	const char      *names[2];   /* the second may be NULL */
	enum scen_signer by;
	long             not_before, not_after;   /* seconds from now */
	enum scen_chain  chain;      /* what the file holds after the leaf: scen_chain_of */
	int              pfx;
};

#define VALID -3600L, 397 * DAY
static const struct scen_cert scen_certs[] = {
	{ "ok", { "ok.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "known", { "known.test", "nosite.test" }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "stopped", { "stopped.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "sitev1", { "sitev1.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "ok-sni", { "ok-sni.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "sni", { "sni.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "fallback", { "127.0.0.2", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "old-ip", { "old-ip.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "beats", { "beats.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "_.ccs.test", { "*.ccs.test", NULL }, BY_ROOT, VALID, CH_LEAF, 1 },
	{ "missing", { "missing.test", NULL }, BY_M1, VALID, CH_LEAF, 0 },
	{ "chain", { "chain.test", NULL }, BY_E1, VALID, CH_CURRENT, 0 },
	{ "stale", { "stale.test", NULL }, BY_INTER, VALID, CH_CROSS, 0 },
	{ "expired", { "expired.test", NULL }, BY_ROOT, -400 * DAY, -DAY, CH_LEAF, 0 },
	{ "future", { "not-yet-valid.test", NULL }, BY_ROOT, 30 * DAY, 400 * DAY, CH_LEAF, 0 },
	{ "dual", { "dual.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "old-v6", { "old-v6.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "legacy", { "legacy.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "nolegacy", { "nolegacy.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "h11", { "h11.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
	{ "tls13", { "tls13.test", NULL }, BY_ROOT, VALID, CH_LEAF, 0 },
};
#undef VALID

/* The CAs of one run: the root (kept), the expired old root (kept), the intermediates. */
struct scen_cas {
	X509     *root, *old_root, *inter, *inter_cross, *e1, *m1;
	EVP_PKEY *root_key, *old_key, *inter_key, *e1_key, *m1_key;
};

/*
 * What a certificate file holds after its leaf: nothing.  The served chain is built as
 * Windows builds it ([server] intermediate_store = intermediates, issue 23 part 1): the
 * chains come from the store: chain.test (CH_CURRENT) through e1.pem; stale.test
 * (CH_CROSS) through cross.pem, issued after current.pem beside it, so Windows prefers it;
 * missing.test through M1, kept out of the store.  Returning an extra here would make it
 * imported, as a PFX's are, and complete the chain.
 */
static size_t
scen_chain_of(const struct scen_cert *c, const struct scen_cas *ca, X509 **extra)
{
	(void)c;
	(void)ca;
	(void)extra;
	return 0;
}

/* dir/sub/name into buf; -1 when too long. */
static int
scen_path(char *buf, size_t len, const char *dir, const char *sub, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s%s%s", dir, sub, sub[0] != '\0' ? "/" : "",
	    name) >= len)
		return -1;
	return 0;
}

/* lstat says something is at path. */
static int
scen_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

/* Issue one leaf of the table and write its files. */
static int
scen_mint_leaf(const char *dir, const struct scen_cert *c, const struct scen_cas *ca,
    char *err, size_t errlen)
{
	struct mint_spec spec = { c->names, c->names[1] != NULL ? 2 : 1, 0, c->not_before,
	    c->not_after };
	char path[SCEN_PATH_MAX], kpath[SCEN_PATH_MAX], name[256];
	X509 *chain[2], *extra[1];
	EVP_PKEY *key;
	X509 *x = NULL;
	size_t nextra;
	int rc = -1;

	if ((key = mint_key_new()) == NULL) {
		snprintf(err, errlen, "cannot make an EC P-256 key");
		return -1;
	}
	switch (c->by) {
	case BY_ROOT:
		x = mint_issue(&spec, key, ca->root, ca->root_key, err, errlen);
		break;
	case BY_INTER:
		x = mint_issue(&spec, key, ca->inter, ca->inter_key, err, errlen);
		break;
	case BY_E1:
		x = mint_issue(&spec, key, ca->e1, ca->e1_key, err, errlen);
		break;
	case BY_M1:
		x = mint_issue(&spec, key, ca->m1, ca->m1_key, err, errlen);
		break;
	}
	if (x == NULL)
		goto out;
	nextra = scen_chain_of(c, ca, extra);
	snprintf(name, sizeof(name), "%s.%s", c->file, c->pfx ? "pfx" : "pem");
	if (scen_path(path, sizeof(path), dir, c->pfx ? "ccs" : "certs", name) != 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		goto out;
	}
	if (c->pfx) {
		rc = mint_write_pfx(x, key, extra, nextra, SCEN_PFX_PASSWORD, path, err, errlen);
		goto out;
	}
	snprintf(name, sizeof(name), "%s.key", c->file);
	if (scen_path(kpath, sizeof(kpath), dir, "certs", name) != 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		goto out;
	}
	chain[0] = x;
	if (nextra > 0)
		chain[1] = extra[0];
	rc = mint_write_chain(chain, 1 + nextra, key, path, kpath, err, errlen);
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/*
 * A CA kept across runs (certs/BASE.pem and .key): loaded when both exist, made when
 * neither does (expired: valid from 20 years ago until yesterday), refused otherwise.
 */
static int
scen_kept_ca(const char *dir, const char *base, const char *cn, int expired, X509 **cert,
    EVP_PKEY **key, char *err, size_t errlen)
{
	char path[SCEN_PATH_MAX], kpath[SCEN_PATH_MAX], name[64];
	const char *names[1] = { cn };
	struct mint_spec spec = { names, 1, 1, -20 * YEAR, -DAY };
	int has_cert, has_key, rc;

	snprintf(name, sizeof(name), "%s.pem", base);
	if (scen_path(path, sizeof(path), dir, "certs", name) != 0)
		goto toolong;
	snprintf(name, sizeof(name), "%s.key", base);
	if (scen_path(kpath, sizeof(kpath), dir, "certs", name) != 0)
		goto toolong;
	has_cert = scen_exists(path);
	has_key = scen_exists(kpath);
	if (has_cert != has_key) {
		snprintf(err, errlen, "%.2000s exists without %.2000s: left as it is (remove it, "
		    "or choose another --dir)", has_cert ? path : kpath, has_cert ? kpath : path);
		return -1;
	}
	if (!has_cert && !expired && mint_ca_new(path, kpath, cn, err, errlen) != 0)
		return -1;
	if (!has_cert && expired) {
		if ((*key = mint_key_new()) == NULL) {
			snprintf(err, errlen, "cannot make an EC P-256 key");
			return -1;
		}
		*cert = mint_issue(&spec, *key, NULL, NULL, err, errlen);
		rc = *cert == NULL ? -1 :
		    mint_write_chain(cert, 1, *key, path, kpath, err, errlen);
		X509_free(*cert);
		EVP_PKEY_free(*key);
		*cert = NULL;
		*key = NULL;
		if (rc != 0)
			return -1;
	}
	return mint_ca_load(path, kpath, cert, key, err, errlen);
toolong:
	snprintf(err, errlen, "%s: path too long", dir);
	return -1;
}

/* The CAs: root and old root kept; ca.pem = both; anew each run: R3 issued twice (current
 * and cross-signed, both in intermediates/), E1 (intermediates/e1.pem), M1 (kept out). */
static int
scen_make_cas(const char *dir, struct scen_cas *ca, char *err, size_t errlen)
{
	static const char *const iname[1] = { "sysbind Scenarios Intermediate R3" };
	struct mint_spec cur = { iname, 1, 1, -30 * DAY, 5 * YEAR };
	struct mint_spec cross = { iname, 1, 1, -DAY, 5 * YEAR };   /* issued later */
	static const char *const e1name[1] = { "sysbind Scenarios Intermediate E1" };
	static const char *const m1name[1] = { "sysbind Scenarios Intermediate M1" };
	struct mint_spec e1 = { e1name, 1, 1, -30 * DAY, 5 * YEAR };
	struct mint_spec m1 = { m1name, 1, 1, -30 * DAY, 5 * YEAR };
	char path[SCEN_PATH_MAX], kpath[SCEN_PATH_MAX];
	X509 *both[2];

	if (scen_kept_ca(dir, "root", "sysbind Scenarios Root CA", 0, &ca->root,
	    &ca->root_key, err, errlen) != 0 ||
	    scen_kept_ca(dir, "old-root", "sysbind Scenarios Old Root (expired)", 1,
	    &ca->old_root, &ca->old_key, err, errlen) != 0)
		return -1;
	both[0] = ca->root;
	both[1] = ca->old_root;
	if (scen_path(path, sizeof(path), dir, "certs", "ca.pem") != 0 ||
	    scen_path(kpath, sizeof(kpath), dir, "certs", "intermediate.key") != 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (mint_write_chain(both, 2, NULL, path, NULL, err, errlen) != 0)
		return -1;
	if ((ca->inter_key = mint_key_new()) == NULL ||
	    (ca->inter = mint_issue(&cur, ca->inter_key, ca->root, ca->root_key, err,
	    errlen)) == NULL ||
	    (ca->inter_cross = mint_issue(&cross, ca->inter_key, ca->old_root, ca->old_key,
	    err, errlen)) == NULL)
		return -1;
	if (scen_path(path, sizeof(path), dir, "intermediates", "current.pem") != 0 ||
	    mint_write_chain(&ca->inter, 1, ca->inter_key, path, kpath, err, errlen) != 0 ||
	    scen_path(path, sizeof(path), dir, "intermediates", "cross.pem") != 0 ||
	    mint_write_chain(&ca->inter_cross, 1, NULL, path, NULL, err, errlen) != 0)
		return -1;
	if ((ca->e1_key = mint_key_new()) == NULL || (ca->m1_key = mint_key_new()) == NULL ||
	    (ca->e1 = mint_issue(&e1, ca->e1_key, ca->root, ca->root_key, err, errlen)) == NULL ||
	    (ca->m1 = mint_issue(&m1, ca->m1_key, ca->root, ca->root_key, err, errlen)) == NULL)
		return -1;
	if (scen_path(path, sizeof(path), dir, "intermediates", "e1.pem") != 0 ||
	    mint_write_chain(&ca->e1, 1, NULL, path, NULL, err, errlen) != 0 ||
	    scen_path(path, sizeof(path), dir, "certs", "missing-intermediate.pem") != 0 ||
	    mint_write_chain(&ca->m1, 1, NULL, path, NULL, err, errlen) != 0)
		return -1;
	return 0;
}

static void
scen_cas_free(struct scen_cas *ca)
{
	X509_free(ca->root);
	X509_free(ca->old_root);
	X509_free(ca->inter);
	X509_free(ca->inter_cross);
	X509_free(ca->e1);
	X509_free(ca->m1);
	EVP_PKEY_free(ca->e1_key);
	EVP_PKEY_free(ca->m1_key);
	EVP_PKEY_free(ca->root_key);
	EVP_PKEY_free(ca->old_key);
	EVP_PKEY_free(ca->inter_key);
}

/*
 * Make dir ready: made when absent (its parent must exist); else a directory of this
 * user's (a symlink to one is followed) that is empty or carries SCEN_MARKER.  Anything
 * else is refused and left as it is.  Then its subdirectories and the marker.
 */
static int
scen_dir_ready(const char *dir, char *err, size_t errlen)
{
	static const char *const subs[] = { "certs", "ccs", "intermediates" };
	char path[SCEN_PATH_MAX];
	struct stat st;
	struct dirent *e;
	DIR *d;
	FILE *f;
	int other = 0;
	size_t i;

	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0755) != 0 || stat(dir, &st) != 0) {
			snprintf(err, errlen, "%s: cannot make it: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: %s; left as it is (choose another --dir)", dir,
		    !S_ISDIR(st.st_mode) ? "not a directory" : "owned by another user");
		return -1;
	}
	if (scen_path(path, sizeof(path), dir, "", SCEN_MARKER) != 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		if ((d = opendir(dir)) == NULL) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
		while ((e = readdir(d)) != NULL)
			other |= strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
		closedir(d);
		if (other) {
			snprintf(err, errlen, "%s: not empty and not made by `sysbind scenarios` "
			    "(no %s in it): left as it is; give a new or empty directory", dir,
			    SCEN_MARKER);
			return -1;
		}
		if ((f = fopen(path, "wx")) == NULL || fputs("made by sysbind scenarios; its "
		    "files are rewritten on the next run (certs/root.* are kept)\n", f) < 0 ||
		    fclose(f) != 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (scen_path(path, sizeof(path), dir, "", subs[i]) != 0 ||
		    (mkdir(path, 0755) != 0 && errno != EEXIST) || lstat(path, &st) != 0 ||
		    !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: cannot make it a directory", path);
			return -1;
		}
	}
	return 0;
}

/* Write text to dir/name (not through a symlink).  0, or -1 with err. */
static FILE *
scen_create(const char *dir, const char *name, char *path, size_t len, char *err,
    size_t errlen)
{
	FILE *f;
	int fd;

	if (scen_path(path, len, dir, "", name) != 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		return NULL;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return f;
}

/* Write the certificates, sysbind.ini and scenarios.json into dir. */
static int
scen_write_all(const char *dir, unsigned base, char *conf_path, size_t len, char *ca_path,
    char *err, size_t errlen)
{
	struct scen_cas ca = { 0 };
	char path[SCEN_PATH_MAX], *ini = NULL;
	FILE *f;
	size_t i;
	int rc = -1;

	if (scen_make_cas(dir, &ca, err, errlen) != 0)
		goto out;
	for (i = 0; i < sizeof(scen_certs) / sizeof(scen_certs[0]); i++)
		if (scen_mint_leaf(dir, &scen_certs[i], &ca, err, errlen) != 0)
			goto out;
	if ((ini = scen_ini(base)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((f = scen_create(dir, "sysbind.ini", conf_path, len, err, errlen)) == NULL)
		goto out;
	if (fputs(ini, f) < 0 || fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", conf_path, strerror(errno));
		goto out;
	}
	if (scen_path(ca_path, SCEN_PATH_MAX, dir, "certs", "ca.pem") != 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		goto out;
	}
	if ((f = scen_create(dir, "scenarios.json", path, sizeof(path), err, errlen)) == NULL)
		goto out;
	if ((scen_manifest(f, base, ca_path) != 0) | (fclose(f) != 0)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(ini);
	scen_cas_free(&ca);
	return rc;
}

/* dir as an absolute path. */
static int
scen_abs(const char *dir, char *out, size_t len, char *err, size_t errlen)
{
	char cwd[SCEN_PATH_MAX];

	if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL) {
		snprintf(err, errlen, "cannot tell the working directory: %s", strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(out, len, "%s%s%s", dir[0] == '/' ? "" : cwd,
	    dir[0] == '/' ? "" : "/", dir) >= len - 64) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	return 0;
}

/* What the table needs once the daemon serves, and whether it came to serve. */
struct scen_ready {
	const char *dir, *conf_path, *ca_path;
	unsigned    port_base;
	int         served;
};

/* daemon_run's ready hook: every port is bound, so the table is true now. */
static void
scen_ready_cb(void *arg)
{
	struct scen_ready *r = arg;

	r->served = 1;
	printf("sysbind scenarios: %s (configuration %s, manifest %s/scenarios.json)\n", r->dir,
	    r->conf_path, r->dir);
	printf("trust %s (the scenarios' root CA, and an expired old root for "
	    "stale-intermediate)\n\n", r->ca_path);
	scen_print_table(stdout, r->port_base, r->ca_path);
	fflush(stdout);
}

int
scen_main(int argc, char **argv)
{
	char err[8192], dir[SCEN_PATH_MAX], conf_path[SCEN_PATH_MAX], ca_path[SCEN_PATH_MAX];
	struct scen_opts o;
	struct conf *cfg;

	if (scen_parse(argc, argv, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "sysbind scenarios: %s\n", err);
		scen_usage(stderr);
		return 2;
	}
	if (o.help) {
		scen_usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (scen_abs(o.dir, dir, sizeof(dir), err, sizeof(err)) != 0 ||
	    scen_dir_ready(dir, err, sizeof(err)) != 0 ||
	    scen_write_all(dir, o.port_base, conf_path, sizeof(conf_path), ca_path, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "sysbind scenarios: %s\n", err);
		return 2;
	}
	/* The same checks as `sysbind -t`, certificates loaded: a scenario the parser
	 * refuses is a bug here, said before anything is served. */
	if ((cfg = conf_load(conf_path, CONF_LOAD_CERTS, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sysbind scenarios: %s\n", err);
		return 2;
	}
	conf_free(cfg);
	{
		struct scen_ready r = { dir, conf_path, ca_path, o.port_base, 0 };
		struct daemon_opts d = { .conf_path = conf_path, .verbose = o.verbose,
		    .ready = scen_ready_cb, .ready_arg = &r };
		int status = daemon_run(&d);

		/* a daemon that never served failed at start-up (a port taken: its reason is
		 * printed), before the table */
		return r.served || status == 0 ? status : 2;
	}
}
