/*
 * trace — the teaching view: each decision of one connection told as a sentence, in the
 * order HTTP.SYS makes them.  This file owns only the wording and the line prefix; the
 * facts come from conn.c (and, through it, tlsctx.c, binding.c and certstore.c).  The
 * point it keeps making is the chicken-and-egg problem: the certificate is chosen at the
 * ClientHello, before the Host header — which travels inside the encrypted stream — can
 * be read.  Lines go to the daemon log (level "info").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "core/tlsctx.h"
#include "core/trace.h"
#include "model/chain.h"

#define TRACE_LINE_MAX 1536

static void
trace_vemit(unsigned long long id, const char *fmt, va_list ap)
{
	char msg[TRACE_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_info("trace conn %llu: %s", id, msg);
}

static void __attribute__((format(printf, 2, 3)))
trace_emit(unsigned long long id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	trace_vemit(id, fmt, ap);
	va_end(ap);
}

void
trace_note(int on, unsigned long long id, const char *fmt, ...)
{
	va_list ap;

	if (!on)
		return;
	va_start(ap, fmt);
	trace_vemit(id, fmt, ap);
	va_end(ap);
}

/* "a.com, b.com" from a certificate's SAN list (or its CN when it has none). */
static void
trace_names(const struct cert *c, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	if (c == NULL)
		return;
	if (c->nsans == 0) {
		snprintf(buf, len, "%s (CN only, no subjectAltName)",
		    c->common_name[0] ? c->common_name : "no name at all");
		return;
	}
	for (i = 0; i < c->nsans && off + 1 < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "", c->sans[i]);

		if (n < 0)
			break;
		off += (size_t)n;
	}
}

void
trace_accept(int on, unsigned long long id, enum binding_proto proto, const char *local,
    const char *client_ip, unsigned client_port, int over_limit)
{
	if (!on)
		return;
	trace_emit(id, "accepted a TCP connection on %s (%s) from client %s:%u%s", local,
	    proto == BINDING_HTTPS ? "https" : "http", client_ip, client_port,
	    over_limit ? ", beyond max_connections: it will get 503" : "");
	if (proto == BINDING_HTTPS)
		trace_emit(id, "known now: only the local IP:Port %s; the host name the client "
		    "wants is not known yet", local);
	else
		trace_emit(id, "plain http: no certificate is involved; the Host header will be "
		    "readable as soon as the request arrives");
}

void
trace_hello(int on, unsigned long long id, enum conf_mode mode,
    const struct tlsctx_hello *h, const struct cert_choice *choice, const char *policy)
{
	char names[1024];
	int i;

	if (!on)
		return;
	if (!h->has_sni) {
		trace_emit(id, "ClientHello seen, without SNI: the client did not say which host "
		    "it wants");
		trace_emit(id, "%s", mode == CONF_MODE_IIS7 ?
		    "mode iis7 would not have used it anyway: only the local IP:Port can choose "
		    "the certificate (steps 1 and 4)" :
		    "mode iis8 skips the SNI steps (2 hostnameport, 3 ccs): only the IP:Port "
		    "bindings can choose the certificate (steps 1 and 4)");
	} else if (mode == CONF_MODE_IIS7) {
		trace_emit(id, "ClientHello seen, SNI %s", h->sni);
		trace_emit(id, "ClientHello SNI %s: ignored, because mode iis7 is HTTP.SYS before "
		    "SNI (IIS 7): the certificate is chosen by the local IP:Port alone (steps 1 "
		    "and 4)", h->sni);
	} else {
		trace_emit(id, "ClientHello seen, SNI %s", h->sni);
		if (h->sni_used)
			trace_emit(id, "ClientHello SNI %s: used, because mode iis8 (IIS 8) looks "
			    "the name up in the hostnameport and ccs bindings (steps 2 and 3)", h->sni);
		else if (choice->step == CERT_STEP_IPPORT_EXACT)
			trace_emit(id, "ClientHello SNI %s: not used, because an ipport binding for "
			    "the exact local IP:Port comes first (step 1)", h->sni);
		else
			trace_emit(id, "ClientHello SNI %s: looked up but not used: no hostnameport "
			    "or ccs binding has this name (steps 2 and 3)", h->sni);
	}
	for (i = 0; i < choice->nsteps && i < CERT_TRACE_MAX; i++)
		trace_emit(id, "  §1.1 %s", choice->steps[i]);
	if (h->refused && h->cert != NULL) {
		trace_emit(id, "certificate chosen by §1.1 step %d (%s), but the handshake is "
		    "refused: %s", (int)choice->step, choice->selected_by,
		    policy != NULL ? policy : "the binding's policy");
		return;
	}
	if (h->refused || h->cert == NULL) {
		trace_emit(id, "no certificate: no §1.1 step found one (step 5), so the handshake "
		    "is refused and the connection closed; a browser shows ERR_CONNECTION_CLOSED, "
		    "curl exits 35");
		return;
	}
	trace_names(h->cert, names, sizeof(names));
	trace_emit(id, "certificate chosen by §1.1 step %d (%s): subject %s, names %s, "
	    "thumbprint %s", (int)choice->step, choice->selected_by, h->cert->subject, names,
	    h->cert->thumbprint);
	trace_emit(id, "this certificate is sent now, before any HTTP byte: the Host header is "
	    "inside the encrypted stream and cannot be read yet");
	if (policy != NULL)
		trace_emit(id, "the binding's TLS policy: %s", policy);
}

void
trace_handshake_done(int on, unsigned long long id, const char *version,
    const char *cipher, int resumed, const char *alpn, size_t alpnlen)
{
	if (!on)
		return;
	trace_emit(id, "handshake done: %s, cipher %s%s, ALPN %.*s; from here on the request "
	    "can be decrypted", version != NULL ? version : "?", cipher != NULL ? cipher : "?",
	    resumed ? " (session resumed)" : "", alpn != NULL && alpnlen > 0 ? (int)alpnlen : 4,
	    alpn != NULL && alpnlen > 0 ? alpn : "none");
}

void
trace_request(int on, unsigned long long id, enum binding_proto proto,
    const char *method, const char *target, int major, int minor, const char *host)
{
	char ver[16];

	if (!on)
		return;
	/* HTTP/2 has no minor version on the wire (RFC 9113) */
	if (major == 2)
		snprintf(ver, sizeof(ver), "HTTP/2");
	else
		snprintf(ver, sizeof(ver), "HTTP/%d.%d", major, minor);
	trace_emit(id, "%s request: %s %s %s, Host %s%s",
	    proto == BINDING_HTTPS ? "decrypted" : "plain-text", method != NULL ? method : "?",
	    target != NULL ? target : "?", ver, host != NULL ? host : "(none)",
	    proto == BINDING_HTTPS ? ": only now does sysbind learn which host the client "
	    "wants, after the certificate was chosen" : "");
}

void
trace_route(int on, unsigned long long id, const struct route *r, int ok)
{
	char b[BINDING_HOST_MAX + 64];

	if (!on)
		return;
	if (ok && r->site != NULL && r->binding != NULL) {
		binding_format(r->binding, b, sizeof(b));
		trace_emit(id, "site \"%s\" (id %ld) chosen by §1.2 tier %d (%s): binding %s",
		    r->site->name, (long)r->site->id, (int)r->tier,
		    binding_route_tier_name(r->tier), b);
		return;
	}
	trace_emit(id, "no site to serve: %s", r->explain);
}

const char *
trace_browser_says(enum cert_verdict v)
{
	switch (v) {
	case VERDICT_OK:
		return "a browser shows the padlock, no warning";
	case VERDICT_NAME_MISMATCH:
		return "a browser warns NET::ERR_CERT_COMMON_NAME_INVALID (\"Your connection is "
		    "not private\")";
	case VERDICT_EXPIRED:
	case VERDICT_NOT_YET_VALID:
		return "a browser warns NET::ERR_CERT_DATE_INVALID";
	case VERDICT_UNTRUSTED:
		return "a browser warns NET::ERR_CERT_AUTHORITY_INVALID";
	case VERDICT_INCOMPLETE_CHAIN:
		return "Chrome, Edge and Safari fetch the missing intermediate by AIA and show no "
		    "warning; Firefox warns SEC_ERROR_UNKNOWN_ISSUER unless it has it cached";
	case VERDICT_STALE_INTERMEDIATE:
		return "a browser builds its own path and usually works; an old one warns "
		    "NET::ERR_CERT_DATE_INVALID";
	case VERDICT_NO_CERTIFICATE:
		return "a browser shows ERR_CONNECTION_CLOSED";
	}
	return "a browser warns";
}

const char *
trace_curl_says(enum cert_verdict v, const struct cert *cert, const char *host,
    char *buf, size_t len)
{
	const char *h = host != NULL && *host ? host : "?";

	switch (v) {
	case VERDICT_OK:
		snprintf(buf, len, "curl (trusting the issuer) succeeds");
		break;
	case VERDICT_NAME_MISMATCH:
		if (cert != NULL && cert->nsans == 0)
			snprintf(buf, len, "curl exits 60: SSL: certificate subject name '%s' does "
			    "not match target host name '%s'", cert->common_name, h);
		else
			snprintf(buf, len, "curl exits 60: SSL: no alternative certificate subject "
			    "name matches target host name '%s'", h);
		break;
	case VERDICT_EXPIRED:
		snprintf(buf, len, "curl exits 60: SSL certificate problem: certificate has expired");
		break;
	case VERDICT_NOT_YET_VALID:
		snprintf(buf, len, "curl exits 60: SSL certificate problem: certificate is not "
		    "yet valid");
		break;
	case VERDICT_UNTRUSTED:
		if (cert != NULL && strcmp(cert->subject, cert->issuer) == 0)
			snprintf(buf, len, "curl exits 60: SSL certificate problem: self-signed "
			    "certificate");
		else
			snprintf(buf, len, "curl exits 60: SSL certificate problem: unable to get "
			    "local issuer certificate");
		break;
	case VERDICT_INCOMPLETE_CHAIN:
		snprintf(buf, len, "curl exits 60: SSL certificate problem: unable to get local "
		    "issuer certificate");
		break;
	case VERDICT_STALE_INTERMEDIATE:
		snprintf(buf, len, "curl exits 60: SSL certificate problem: certificate has expired");
		break;
	case VERDICT_NO_CERTIFICATE:
	default:
		snprintf(buf, len, "curl exits 35: the TLS connection closed before a certificate");
		break;
	}
	return buf;
}

/* The chain as sent, each client family's outcome and the fix (issue 23). */
static void
trace_chain(unsigned long long id, enum cert_verdict v, const struct cert *cert)
{
	char lines[CHAIN_DEPTH_MAX + 2][CHAIN_LINE_MAX], fix[1024];
	const struct chain_client *cl;
	size_t n, i;

	n = chain_sent_lines(cert, lines, sizeof(lines) / sizeof(lines[0]));
	for (i = 0; i < n; i++)
		trace_emit(id, "chain sent: %s", lines[i]);
	cl = chain_clients(v, &n);
	for (i = 0; cl != NULL && i < n; i++)
		trace_emit(id, "%s: %s", cl[i].family, cl[i].gets);
	if (cl != NULL)
		trace_emit(id, "fix: %s", chain_fix(cert, v, fix, sizeof(fix)));
}

void
trace_verdict(int on, unsigned long long id, enum cert_verdict v, const char *why,
    const char *host, const struct cert *cert)
{
	char curl[512];

	if (!on)
		return;
	trace_emit(id, "§1.3 verdict %s: %s", certstore_verdict_name(v),
	    why != NULL && *why ? why : "(no detail)");
	trace_curl_says(v, cert, host, curl, sizeof(curl));
	if (v == VERDICT_OK)
		trace_emit(id, "what a client reports: %s; %s", trace_browser_says(v), curl);
	else
		trace_emit(id, "what a client reports: %s; %s (this request got here because the "
		    "client accepted the certificate anyway, e.g. curl -k)", trace_browser_says(v),
		    curl);
	if (cert != NULL && (v == VERDICT_INCOMPLETE_CHAIN || v == VERDICT_STALE_INTERMEDIATE ||
	    v == VERDICT_UNTRUSTED))
		trace_chain(id, v, cert);
}

void
trace_diag(int on, unsigned long long id, int json)
{
	if (!on)
		return;
	trace_emit(id, "the site has no backend: answered 200 with the built-in diagnostic "
	    "page (%s)", json ? "JSON" : "HTML");
}

void
trace_backend(int on, unsigned long long id, const char *backend, int status)
{
	if (!on)
		return;
	trace_emit(id, "backend %s answered %d: relayed to the client",
	    backend != NULL ? backend : "?", status);
}

void
trace_error(int on, unsigned long long id, int status, const char *reason)
{
	if (!on)
		return;
	trace_emit(id, "answered %d itself, as HTTP.SYS does (HTTPERR reason %s); the "
	    "connection closes", status, reason != NULL ? reason : "-");
}

void
trace_refused(int on, unsigned long long id, const char *detail)
{
	if (!on)
		return;
	trace_emit(id, "request refused: %s", detail != NULL ? detail : "parse error");
}

void
trace_done(int on, unsigned long long id, int status, long ms)
{
	if (!on)
		return;
	trace_emit(id, "request done: status %d in %ld ms", status, ms);
}

void
trace_closed(int on, unsigned long long id, const char *why,
    const struct cert *sent, unsigned long requests)
{
	int had_cert = sent != NULL;

	if (!on)
		return;
	if (had_cert && why != NULL && strcmp(why, "handshake failed") == 0)
		trace_emit(id, "the handshake failed after the certificate %s was sent: the "
		    "client gave up on it (a client that checks the name, like a browser or curl "
		    "without -k, stops here when the certificate does not name the host it "
		    "wants)", sent->subject);
	else if (had_cert && requests == 0 && why != NULL && strcmp(why, "client closed") == 0)
		trace_emit(id, "the client closed after the handshake without sending a request: "
		    "it checked the certificate %s and gave up (curl without -k does this, exit "
		    "60, when the certificate does not name the host it wants), or it only "
		    "wanted the certificate (openssl s_client)", sent->subject);
	trace_emit(id, "closed (%s)", why != NULL ? why : "-");
}
