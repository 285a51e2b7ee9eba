/*
 * viewsexplain — `sysbind explain`: one hypothetical connection (address, port, SNI,
 * Host, path, client certificate) narrated step by step as HTTP.SYS would take it (the
 * ClientHello, the certificate lookup, the verdict and what a browser and curl would
 * report, the client certificate's course, the route to a site), or the same as JSON.
 * Every step is decided by binding.c, certstore and clientcert; this file only tells it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <sys/socket.h>

#include <openssl/tls1.h>

#include "iis/views.h"
#include "iis/views_int.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "model/chain.h"
#include "model/respond.h"

/* ---- explain ---- */

/* What a browser and curl report for verdict v on c for host (reference for teaching).
 * An ok without [server] trust (trusted 0) checked the name and dates only: what a client
 * concludes about the chain depends on its own roots (views_chain_print, after). */
static void
explain_clients(FILE *out, enum cert_verdict v, const struct cert *c, const char *host,
    const char *local, int trusted)
{
	const char *browser = NULL;

	switch (v) {
	case VERDICT_OK:
		if (trusted)
			fputs("   browser: no warning; curl: no TLS error, the response follows\n", out);
		else
			fputs("   browser, curl: chain not checked ([server] trust is unset): whether "
			    "each accepts it depends on its own trusted roots; set trust to the roots "
			    "your clients have to predict it\n", out);
		return;
	case VERDICT_NAME_MISMATCH:
		browser = "NET::ERR_CERT_COMMON_NAME_INVALID (\"Your connection is not private\")";
		fprintf(out, "   browser: %s\n", browser);
		if (c->nsans > 0)
			fprintf(out, "   curl: (60) SSL: no alternative certificate subject name "
			    "matches target host name '%s'\n", host);
		else
			fprintf(out, "   curl: (60) SSL: certificate subject name '%s' does not match "
			    "target host name '%s'\n", c->common_name, host);
		return;
	case VERDICT_EXPIRED:
		fputs("   browser: NET::ERR_CERT_DATE_INVALID\n", out);
		fputs("   curl: (60) SSL certificate problem: certificate has expired\n", out);
		return;
	case VERDICT_NOT_YET_VALID:
		fputs("   browser: NET::ERR_CERT_DATE_INVALID\n", out);
		fputs("   curl: (60) SSL certificate problem: certificate is not yet valid\n", out);
		return;
	case VERDICT_UNTRUSTED:
		fputs("   browser: NET::ERR_CERT_AUTHORITY_INVALID\n", out);
		fprintf(out, "   curl: (60) SSL certificate problem: %s\n",
		    strcmp(c->subject, c->issuer) == 0 ? "self-signed certificate" :
		    "unable to get local issuer certificate");
		return;
	case VERDICT_INCOMPLETE_CHAIN:
	case VERDICT_STALE_INTERMEDIATE:
		return;   /* each client family: views_chain_print, after */
	case VERDICT_NO_CERTIFICATE:
		fputs("   browser: ERR_CONNECTION_CLOSED (the handshake never completes)\n", out);
		fprintf(out, "   curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection "
		    "to %s\n", local);
		return;
	}
}

/* Step 2: the ClientHello, and whether this mode reads its SNI. */
static void
explain_hello(FILE *out, const struct conf *cfg, const char *sni, const char *note,
    const struct cert_choice *ch, int ok)
{
	if (sni == NULL) {
		fprintf(out, "ClientHello without SNI%s: ", note);
		if (cfg->mode == CONF_MODE_IIS8)
			fputs("only the ipport entries can match (the hostnameport and ccs steps "
			    "need a name)\n", out);
		else
			fprintf(out, "nothing lost in mode iis7 (%s)\n", views_mode_story(cfg));
		return;
	}
	fprintf(out, "ClientHello with SNI \"%s\"%s: ", sni, note);
	if (cfg->mode != CONF_MODE_IIS8)
		fprintf(out, "ignored in mode iis7: %s\n", views_mode_story(cfg));
	else if (ch->sni_used)
		fputs("used in mode iis8: the name chose the certificate\n", out);
	else if (ok && ch->step == CERT_STEP_IPPORT_EXACT)
		fputs("read in mode iis8 but not used: an entry for the exact IP:Port wins "
		    "before the name is consulted\n", out);
	else
		fputs("read in mode iis8 but not used: no hostnameport or ccs entry "
		    "matched it\n", out);
}

/*
 * The client-certificate step of explain: the path's flags and where they come from, the
 * connection's TLS version and protocol, then each decision (a renegotiation's second
 * round, HTTP/2's retry over HTTP/1.1) for a client that holds a good certificate.
 */
static void
explain_client_cert(FILE *out, const struct conf *cfg, const struct views_conn *c,
    const struct conf_site *site, const struct conf_sslcert *entry, int step)
{
	const struct conf_location *loc;
	const char *path = c->path != NULL ? c->path : "/";
	unsigned access = clientcert_access(cfg, site, path, &loc);
	unsigned versions = entry != NULL ? conf_tls_versions(cfg, entry) : 0;
	struct clientcert_facts f;
	char flags[128], where[BINDING_HOST_MAX + 600], why[600];
	enum clientcert_action a;
	int round;

	conf_access_format(access, flags, sizeof(flags));
	if (loc != NULL) {
		snprintf(where, sizeof(where), "[location %s]", loc->name);
	} else if (site->ssl_flags_server && site->ssl_flags != 0) {
		/* IIS's inheritance: the server level's, the site setting none */
		char label[BINDING_HOST_MAX + 600];

		views_site_label(site, label, sizeof(label));
		snprintf(where, sizeof(where), "[server], as %.*s sets none",
		    (int)(sizeof(where) - 32), label);
	} else {
		views_site_label(site, where, sizeof(where));
	}
	clientcert_facts_init(&f, cfg, entry);
	f.access = access;
	f.path = path;
	f.https = !c->http;
	fprintf(out, "%d. client certificate for %s: ssl_flags %s (%s%s)", step, path, flags,
	    where, loc == NULL && site->ssl_flags == 0 ? ": none set" : "");
	if (!c->http) {
		int want = c->tls == 13 ? TLS1_3_VERSION : c->tls == 12 ? TLS1_2_VERSION :
		    views_tls_highest(versions);
		unsigned bit = want == TLS1_3_VERSION ? CONF_TLS13 : want == TLS1_2_VERSION ?
		    CONF_TLS12 : want == TLS1_1_VERSION ? CONF_TLS11 : CONF_TLS10;

		if (entry == NULL || want == 0 || !(versions & bit)) {
			fprintf(out, "\n   the handshake fails before any request: [sslcert %s] "
			    "refuses %s (tls_profile and its disable flags)\n", entry != NULL ?
			    entry->name : "?", want != 0 ? views_tls_version_name(want) : "every version");
			return;
		}
		f.tls_version = want;
		f.http2 = c->h2 && conf_http2_offered(cfg, entry) && want >= TLS1_2_VERSION;
		/* a client holding a certificate sends it when the handshake asks */
		f.has_cert = f.negotiated;
		fprintf(out, "; %s, %s, [sslcert %s] clientcertnegotiation = %s\n",
		    views_tls_version_name(want), f.http2 ? "HTTP/2" : "HTTP/1.1", entry->name,
		    f.negotiated ? "enable" : "disable");
		if (c->h2 && !f.http2)
			fprintf(out, "   the binding offers no h2 (%s): the client speaks HTTP/1.1\n",
			    !cfg->http2 ? "[server] http2 = off" : (entry->flags &
			    CONF_SSL_DISABLE_HTTP2) ? "disablehttp2 = enable" : "below TLS 1.2");
	} else {
		fputs("; plain http\n", out);
	}
	for (round = 0; round < 3; round++) {
		a = clientcert_decide(&f, why, sizeof(why));
		fprintf(out, "   %s%s: %s\n", round > 0 ? "then: " : "", clientcert_action_name(a),
		    why);
		if (a == CLIENTCERT_RENEGOTIATE) {
			fputs("   the renegotiation's CertificateRequest: a client holding a good "
			    "certificate sends it\n", out);
			f.asked = 1;
			f.has_cert = 1;
			f.chain = CHAIN_OK;
		} else if (a == CLIENTCERT_H2_HTTP_1_1_REQUIRED) {
			fputs("   the browser retries the request on a new HTTP/1.1 connection\n", out);
			f.http2 = 0;
		} else {
			break;
		}
	}
}

/* What explain found, for its JSON. */
struct explain_facts {
	char                    local[80];
	const char             *sni;      /* sent, or NULL */
	int                     ok;       /* a certificate was chosen and is here */
	struct cert_choice      ch;
	const struct conf_site *site;     /* the site the request reaches, or NULL */
	int                     status;   /* 0: routed; 400, 503: HTTP.SYS's answer; -1: none */
	const char             *reason;   /* HTTPERR reason of a 400 or 503 */
	const char             *verdict;  /* NULL: n/a (plain HTTP) */
	char                    why[512];
};

/* explain's narration to out, and what it found into *f. */
static void
explain_walk(const struct conf *cfg, const struct views_conn *c, time_t now, FILE *out,
    struct explain_facts *f)
{
	char local[80], norm[BINDING_HOST_MAX], why[512];
	const char *host = c->host, *sni = NULL, *note = "";
	struct binding_addr lit;
	struct cert_choice ch;
	struct route r;
	const struct conf_site *routed = NULL;
	enum cert_verdict v = VERDICT_NO_CERTIFICATE;
	int step = 1, ok = 0, i, status = -1, trusted = cfg->trust_store != NULL;
	const char *reason = NULL, *verdict = NULL;

	why[0] = '\0';
	memset(&ch, 0, sizeof(ch));

	binding_ipport_format(&c->local, c->port, local, sizeof(local));
	if (binding_host_normalize(c->host, norm, sizeof(norm)) == 0)
		host = norm;
	fprintf(out, "mode %s, configuration %s\n", conf_mode_name(cfg->mode),
	    cfg->path != NULL ? cfg->path : "-");
	fprintf(out, "%d. accepted a connection on %s (%s)\n", step++, local,
	    c->http ? "http" : "https");

	if (!c->http) {
		if (c->sni != NULL) {
			sni = c->sni;
		} else if (!c->no_sni) {
			if (binding_addr_parse(host, &lit) == 0)
				note = " (clients send none for an IP address)";
			else
				sni = host;
		}
		memset(&ch, 0, sizeof(ch));
		ok = binding_resolve_cert(cfg, &c->local, c->port, sni, &ch) == 0 &&
		    ch.cert != NULL;
		fprintf(out, "%d. ", step++);
		explain_hello(out, cfg, sni, note, &ch, ok);
		fprintf(out, "%d. certificate lookup (mode %s):\n", step++,
		    conf_mode_name(cfg->mode));
		for (i = 0; i < ch.nsteps && i < CERT_TRACE_MAX; i++)
			fprintf(out, "     %s\n", ch.steps[i]);
		if (ok)
			fprintf(out, "   chosen: %s, thumbprint %s, selected by %s%s\n",
			    ch.cert->subject, ch.cert->thumbprint, ch.selected_by,
			    ch.cert->key == NULL ? " (here without its private key: the IIS server "
			    "serves it, sysbind cannot)" : "");
		else if (ch.entry != NULL && ch.entry->key.kind != SSLCERT_CCS)
			fprintf(out, "   no certificate here: [sslcert %s] matched, but its certificate "
			    "is not available (%s); on the IIS server it is served, sysbind fails the "
			    "handshake\n", ch.entry->name, ch.entry->unavailable != NULL ?
			    ch.entry->unavailable : "not loaded");
		else
			fputs("   no certificate: the handshake fails and the connection is closed "
			    "without one\n", out);
	}

	fprintf(out, "%d. ", step++);
	if (!c->http && !ok && (ch.entry == NULL || ch.entry->key.kind == SSLCERT_CCS)) {
		fputs("no request: the Host header is inside the TLS stream that never "
		    "started\n", out);
	} else {
		binding_route(cfg, c->http ? BINDING_HTTP : BINDING_HTTPS, &c->local, c->port,
		    c->host, 0, &r);
		fprintf(out, "%s Host \"%s\": ", c->http ? "request" : !ok ?
		    "on the IIS server, the decrypted request" : "decrypted request", c->host);
		if (r.status == 0 && r.site != NULL) {
			char b[BINDING_HOST_MAX + 64];

			binding_format(r.binding, b, sizeof(b));
			/* r.explain restates the binding and site: the tier is the news here. */
			fprintf(out, "site \"%s\" (id:%ld) by binding %s (routing rule %d: %s)\n",
			    r.site->name, r.site->id, b, (int)r.tier, binding_route_tier_name(r.tier));
			routed = r.site;
			status = 0;
			if (r.site->backend != NULL) {
				char pool[1024];

				fprintf(out, "   proxied to %s\n", r.site->backend);
				fprintf(out, "   %s\n", views_pool_story(r.site, pool, sizeof(pool)));
			} else
				fputs("   answered by the built-in diagnostic page\n", out);
		} else if (r.status == 503) {
			status = 503;
			reason = r.reason != NULL ? r.reason : "Disabled";
			fprintf(out, "site \"%s\" is stopped: HTTP.SYS answers 503 Service "
			    "Unavailable (HTTPERR reason %s): %s\n",
			    r.site != NULL ? r.site->name : "?",
			    r.reason != NULL ? r.reason : "Disabled", r.explain);
		} else {
			status = 400;
			reason = r.reason != NULL ? r.reason : "Hostname";
			fprintf(out, "HTTP.SYS answers 400 Bad Request - Invalid Hostname and "
			    "closes the connection (HTTPERR reason %s): %s\n",
			    r.reason != NULL ? r.reason : "Hostname", r.explain);
		}
	}

	fprintf(out, "%d. ", step++);
	if (c->http) {
		fputs("verdict: n/a (plain HTTP: no certificate)\n", out);
	} else if (!ok && ch.entry != NULL && ch.entry->key.kind != SSLCERT_CCS) {
		char tp[64];

		views_entry_thumbprint(ch.entry, tp, sizeof(tp));
		verdict = "unknown";
		fprintf(out, "verdict for %s: unknown: certificate %s is not available here; put "
		    "it in cert_store to predict what a client concludes\n", host,
		    tp[0] != '\0' ? tp : "(none)");
	} else {
		v = certstore_verdict(ok ? ch.cert : NULL, host, cfg->trust_store, now, why,
		    sizeof(why));
		verdict = certstore_verdict_name(v);
		fprintf(out, "verdict for %s: %s", host, verdict);
		if (v != VERDICT_OK && why[0] != '\0')
			fprintf(out, ": %s", why);
		else if (v == VERDICT_OK && ok)
			fprintf(out, ": %s's certificate names it%s", views_cert_name(ch.cert),
			    trusted ? "" : " (chain not checked: no trust)");
		fputs("\n", out);
		explain_clients(out, v, ok ? ch.cert : NULL, host, local, trusted);
		if (ok)
			views_chain_print(out, "   ", ch.cert, v, trusted);
		if (ok && (v == VERDICT_INCOMPLETE_CHAIN || v == VERDICT_STALE_INTERMEDIATE)) {
			char fix[1024];

			fprintf(out, "   fix: %s\n", chain_fix(ch.cert, v, fix, sizeof(fix)));
		}
	}
	if (routed != NULL && (c->path != NULL || c->tls != 0 || c->h2 ||
	    routed->ssl_flags != 0 || routed->nlocations > 0))
		explain_client_cert(out, cfg, c, routed, c->http ? NULL : ch.entry, step);
	snprintf(f->local, sizeof(f->local), "%s", local);
	f->sni = c->http ? NULL : sni;
	f->ok = ok;
	f->ch = ch;
	f->site = routed;
	f->status = status;
	f->reason = reason;
	f->verdict = verdict;
	snprintf(f->why, sizeof(f->why), "%s", verdict != NULL && v != VERDICT_OK ? why : "");
}

/* explain --json: the facts as fields, the narration's lines as "steps". */
static void
explain_json(FILE *out, const struct conf *cfg, const struct views_conn *c,
    const struct explain_facts *f, const char *text)
{
	const char *line, *nl;
	char *one;
	int first = 1;

	fputs("{\"mode\": ", out);
	views_json_string(out, conf_mode_name(cfg->mode));
	fputs(", \"local\": ", out);
	views_json_string(out, f->local);
	fprintf(out, ", \"scheme\": \"%s\", \"host\": ", c->http ? "http" : "https");
	views_json_string(out, c->host);
	fputs(", \"sni\": ", out);
	views_json_string(out, f->sni);
	fputs(",\n \"certificate\": ", out);
	if (c->http)
		fputs("null", out);
	else
		views_json_cert(out, f->ok ? f->ch.cert : NULL, &f->ch);
	fputs(",\n \"site\": ", out);
	views_json_string(out, f->site != NULL ? f->site->name : NULL);
	if (f->site != NULL)
		fprintf(out, ", \"site_id\": %ld, \"backend\": ", f->site->id);
	else
		fputs(", \"site_id\": null, \"backend\": ", out);
	views_json_string(out, f->site != NULL ? f->site->backend : NULL);
	if (f->status > 0)
		fprintf(out, ", \"status\": %d, \"reason\": ", f->status);
	else
		fputs(", \"status\": null, \"reason\": ", out);
	views_json_string(out, f->reason);
	fputs(",\n \"verdict\": ", out);
	views_json_string(out, f->verdict);
	fputs(", \"why\": ", out);
	views_json_string(out, f->why[0] != '\0' ? f->why : NULL);
	fputs(",\n \"steps\": [", out);
	/* the narration's lines, the first (mode and file) left out: the fields say it */
	line = strchr(text, '\n');
	line = line != NULL ? line + 1 : text;
	while (*line != '\0') {
		size_t n = (nl = strchr(line, '\n')) != NULL ? (size_t)(nl - line) : strlen(line);

		if ((one = strndup(line, n)) == NULL)
			break;
		fputs(first ? "\n  " : ",\n  ", out);
		views_json_string(out, one);
		free(one);
		first = 0;
		line += n + (nl != NULL);
	}
	fputs(first ? "]}\n" : "\n ]}\n", out);
}

int
views_explain(const struct conf *cfg, const struct views_conn *c, time_t now, int json,
    FILE *out)
{
	struct explain_facts f;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	memset(&f, 0, sizeof(f));
	if (!json) {
		explain_walk(cfg, c, now, out, &f);
		return ferror(out) ? -1 : 0;
	}
	if ((mem = open_memstream(&text, &len)) == NULL)
		return -1;
	explain_walk(cfg, c, now, mem, &f);
	if (fclose(mem) != 0) {
		free(text);
		return -1;
	}
	explain_json(out, cfg, c, &f, text);
	free(text);
	return ferror(out) ? -1 : 0;
}
