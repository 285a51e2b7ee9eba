/*
 * exchange — one request and its response (see exchange.h).  Owns: the routing of the
 * request (binding_route, §1.2), the verdict for the host asked (§1.3), the answer (an
 * HTTP.SYS page, the diagnostic page, or the backend transfer it owns), the W3C line of
 * the request and the HTTPERR line of an answer sysbind made itself or of a request cut
 * short, and the trace of those decisions.  It does not own sockets, framing, timers or
 * the connection: it answers through the connection's exchange_ops.  The client-
 * certificate gate of IIS's access sslFlags is exchange_cc.c's; what the two share
 * (struct exchange, its phases, the functions each calls of the other) is
 * core/exchange_int.h.
 *
 * Phases (exchange_phase is the one place they change, checking the order):
 *   NEW -> ROUTED -> BACKEND -> RESPONDING -> DONE    proxied
 *   NEW -> ROUTED -> DONE                             diagnostic page, or a page
 *   (ROUTED waits while the body is read ahead and the client is asked for its
 *    certificate, when the request's path wants one the handshake did not ask for)
 *   NEW -> DONE                                       refused before routing
 *   BACKEND / RESPONDING -> TUNNEL -> DONE            after a 101
 *   any -> DONE                                       abort
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "core/accesslog.h"
#include "model/apppool.h"
#include "model/certstore.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "core/exchange_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/objcache.h"
#include "model/respond.h"
#include "core/queue.h"
#include "core/stats.h"
#include "core/trace.h"
#include "core/upstream.h"
#include "iis/views.h"

/* Exchanges of this thread kept for reuse: one request need not cost a malloc. */
static __thread struct objcache exchange_cache;

static const char *const exchange_phase_names[] = {
	"new", "routed", "backend", "responding", "tunnel", "done",
};

/* The one place a phase changes: the edge is checked against the order above (an
 * assertion in the sanitizer builds; elsewhere a warning, and the exchange ends). */
void
exchange_phase(struct exchange *x, enum exchange_phase to)
{
	static const unsigned char allowed[6][6] = {
		/* from NEW */        { 0, 1, 0, 0, 0, 1 },
		/* from ROUTED */     { 0, 0, 1, 0, 0, 1 },
		/* from BACKEND */    { 0, 0, 0, 1, 1, 1 },
		/* from RESPONDING */ { 0, 0, 0, 0, 1, 1 },
		/* from TUNNEL */     { 0, 0, 0, 0, 0, 1 },
		/* from DONE */       { 0, 0, 0, 0, 0, 1 },
	};

	assert(allowed[x->phase][to]);
	if (!allowed[x->phase][to]) {
		log_warnx("conn %llu: exchange phase %s -> %s is not allowed", x->c->id,
		    exchange_phase_names[x->phase], exchange_phase_names[to]);
		to = XP_DONE;
	}
	x->phase = to;
}

static void exchange_pool_failure(struct exchange *x, const char *why);

/* ---------- lifecycle ---------- */

struct exchange *
exchange_new(const struct exchange_ops *ops, void *conn, struct exchange_conn *c)
{
	struct exchange *x = objcache_get(&exchange_cache, sizeof(*x));

	if (x == NULL)
		return NULL;
	memset(x, 0, sizeof(*x));
	x->ops = ops;
	x->conn = conn;
	x->c = c;
	x->t_start = clock_now_ms();
	return x;
}

void
exchange_free(struct exchange *x)
{
	if (x == NULL)
		return;
	queue_cancel(&x->qe);
	upstream_xfer_free(x->xfer);
	free(x->ahead);
	objcache_put(&exchange_cache, x);
}

void
exchange_cache_drain(void)
{
	objcache_drain(&exchange_cache);
}

void
exchange_set_stream(struct exchange *x, unsigned stream_id)
{
	x->stream_id = stream_id;
}

int
exchange_done(const struct exchange *x)
{
	return x->phase == XP_DONE;
}

int
exchange_answered(const struct exchange *x)
{
	return x->status != 0;
}

/* ---------- logs ---------- */

static long
exchange_elapsed_ms(const struct exchange *x)
{
	return (long)(clock_now_ms() - x->t_start);
}

/* The request in its site's counters (what its W3C line says: site and status). */
static void
exchange_count(const struct exchange *x)
{
	const struct conn_server *srv = x->c->srv;

	if (x->site != NULL && srv->site_slots != NULL)
		stats_request(srv->site_slots[x->site - x->c->cfg->sites], x->status);
}

/* The W3C line of the request (once, when it reached a site), and its counters. */
static void
exchange_log_request(struct exchange *x)
{
	struct exchange_conn *c = x->c;
	struct accesslog_w3c e;
	char stem[2048], s_ip[INET6_ADDRSTRLEN], c_ip[INET6_ADDRSTRLEN];
	const char *target, *q;

	if (x->logged || x->site == NULL || x->head == NULL)
		return;
	x->logged = 1;
	exchange_count(x);
	if (c->srv->access == NULL)
		return;
	memset(&e, 0, sizeof(e));
	target = x->head->path != NULL ? x->head->path : x->head->target;
	if (target == NULL)
		target = "";
	q = strchr(target, '?');
	snprintf(stem, sizeof(stem), "%.*s", q != NULL ? (int)(q - target) : (int)strlen(target),
	    target);
	e.when = time(NULL);
	binding_addr_format(&c->local, s_ip, sizeof(s_ip));
	binding_addr_format(&c->peer, c_ip, sizeof(c_ip));
	e.s_ip = s_ip;
	e.method = x->head->method;
	e.uri_stem = stem;
	e.uri_query = q != NULL ? q + 1 : NULL;
	e.s_port = c->port;
	e.c_ip = c_ip;
	e.version = c->version;
	e.user_agent = http_head_field(x->head, HF_USER_AGENT);
	e.referer = http_head_field(x->head, HF_REFERER);
	e.status = x->status;
	e.substatus = x->substatus;
	e.win32_status = x->win32;
	e.time_taken_ms = exchange_elapsed_ms(x);
	e.site = x->site->name;
	e.host = x->head->host;
	if (c->proto == BINDING_HTTPS) {
		e.sni = c->has_sni ? c->sni : NULL;
		e.thumbprint = c->cert != NULL ? c->cert->thumbprint : NULL;
		e.verdict = c->verdict >= 0 ?
		    certstore_verdict_name((enum cert_verdict)c->verdict) : NULL;
		e.coalesced = x->coalesced ? c->sni : NULL;
	}
	accesslog_w3c_write(c->srv->access, &e);
}

void
exchange_httperr(const struct exchange_conn *c, const struct http_head *h,
    const struct conf_site *site, int status, const char *reason, unsigned stream_id)
{
	struct accesslog_httperr e;
	char ver[32], s_ip[INET6_ADDRSTRLEN], c_ip[INET6_ADDRSTRLEN];

	stats_httperr(reason);
	if (c->srv->httperr == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.when = time(NULL);
	binding_addr_format(&c->peer, c_ip, sizeof(c_ip));
	binding_addr_format(&c->local, s_ip, sizeof(s_ip));
	e.c_ip = c_ip;
	e.c_port = c->peer_port;
	e.s_ip = s_ip;
	e.s_port = c->port;
	if (h != NULL) {
		if (h->version_major >= 10 || h->version_minor >= 10)
			snprintf(ver, sizeof(ver), "HTTP/?.?");
		else if (h->version_major == 2 && c->version != NULL &&
		    strcmp(c->version, "HTTP/2") == 0)
			snprintf(ver, sizeof(ver), "HTTP/2");
		else
			snprintf(ver, sizeof(ver), "HTTP/%d.%d", h->version_major, h->version_minor);
		e.version = ver;
		e.method = h->method;
		e.uri = h->target;
	}
	e.status = status;
	e.stream_id = stream_id;
	/* QueueFull and AppOffline rows keep the site's id: KB 820729's only sample with
	 * s-siteid "-" is a ConnLimit row ("503 - ConnLimit"), and the public HTTPERR lines
	 * of these two reasons found carry one ("503 1 AppOffline MyAppPool", "503 1
	 * QueueFull AppPool": third-party samples, issue 25 notes) */
	e.site_id = site != NULL ? site->id : 0;
	e.reason = reason;
	e.queue = site != NULL ? apppool_name(site) : NULL;
	accesslog_httperr_write(c->srv->httperr, &e);
}

void
exchange_log_error(struct exchange *x, int status, const char *reason)
{
	exchange_httperr(x->c, x->head, x->site, status, reason, x->stream_id);
}

void
exchange_log_conn_error(const struct exchange_conn *c, int status, const char *reason)
{
	exchange_httperr(c, NULL, NULL, status, reason, 0);
}

/* ---------- the verdict ---------- */

/* The verdict a client asking for rawhost concludes about the certificate served. */
static void
exchange_verdict(struct exchange *x, const char *rawhost, char *why, size_t whylen)
{
	struct exchange_conn *c = x->c;
	char host[BINDING_HOST_MAX];

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (c->proto != BINDING_HTTPS) {
		c->verdict = -1;
		return;
	}
	if (rawhost == NULL || binding_host_normalize(rawhost, host, sizeof(host)) != 0)
		host[0] = '\0';
	if (why == NULL && c->verdict >= 0 && c->verdict_host != NULL &&
	    strcmp(host, c->verdict_host) == 0)
		return;
	c->verdict = (int)certstore_verdict(c->cert, host[0] ? host : NULL,
	    c->cfg->trust_store, time(NULL), why, whylen);
	if (c->verdict_host == NULL || strcmp(host, c->verdict_host) != 0) {
		if ((unsigned)c->verdict < STATS_VERDICTS)   /* once per connection and host */
			stats_add(&stats_self.verdicts[c->verdict], 1);
		free(c->verdict_host);
		c->verdict_host = strdup(host);   /* NULL: the next request decides again */
	}
}

/* ---------- answers sysbind makes itself ---------- */

/* The response is complete: its log line, then the framing is told. */
static void
exchange_finish(struct exchange *x, enum exchange_end how)
{
	if (x->phase == XP_DONE)
		return;
	exchange_phase(x, XP_DONE);
	exchange_log_request(x);
	trace_done(x->c->srv->trace, x->c->id, x->status, exchange_elapsed_ms(x));
	x->ops->end(x->conn, x, how);
}

static void
exchange_stop_backend(struct exchange *x)
{
	if (x->xfer != NULL)
		upstream_xfer_stop(x->xfer);
}

/* The Strict-Transport-Security value of this exchange's answer: the site's, on https
 * only (RFC 6797 §7.2: never over plain http); NULL when none. */
static const char *
exchange_sts(const struct exchange *x, char *buf, size_t len)
{
	if (x->c->proto != BINDING_HTTPS || x->site == NULL)
		return NULL;
	return conf_hsts_value(x->site, buf, len);
}

/* A page of respond.c's as the answer (close: the connection closes after it), then the
 * log line. */
void
exchange_send_page(struct exchange *x, enum respond_page page, int close)
{
	struct respond_msg m;
	char sts[96];

	if (respond_error_msg(&m, page, x->c->cfg->server_header, time(NULL), x->head_only) != 0) {
		exchange_phase(x, XP_DONE);
		x->ops->end(x->conn, x, EXCHANGE_END_CUT);
		return;
	}
	/* IIS's own pages are the site's answers: they carry its HSTS field; HTTP.SYS's are
	 * made before IIS sees the request (inferred: nothing documents either way) */
	if (respond_page_is_iis(page) && exchange_sts(x, sts, sizeof(sts)) != NULL)
		(void)respond_msg_add_field(&m, "Strict-Transport-Security", sts);
	if (x->phrase != NULL)
		m.reason = x->phrase;
	x->resp_started = 1;
	if (x->ops->page(x->conn, x, &m, close) != 0) {
		respond_msg_clear(&m);
		exchange_abort(x, NULL, 0);
		return;
	}
	respond_msg_clear(&m);
	exchange_finish(x, EXCHANGE_END_OK);
}

/* HTTP.SYS's page, its logs; the connection closes after it (as HTTP.SYS does). */
void
exchange_page(struct exchange *x, enum respond_page page, const char *reason)
{
	exchange_stop_backend(x);
	x->status = respond_page_status(page);
	trace_error(x->c->srv->trace, x->c->id, x->status, reason);
	exchange_httperr(x->c, x->head, x->site, x->status, reason, x->stream_id);
	exchange_send_page(x, page, 1);
}

/* IIS 10's redirectHttpToHttps: 301, no body, Location the https URL without the port
 * (iis-docs issue 62); IIS's answer, so a W3C line with 301 and no HTTPERR line. */
static void
exchange_redirect(struct exchange *x)
{
	struct exchange_conn *c = x->c;
	struct respond_msg m;
	char host[BINDING_HOST_MAX + 8], location[16384 + BINDING_HOST_MAX + 16];
	char ip[INET6_ADDRSTRLEN];
	const char *target = x->head->path != NULL ? x->head->path : x->head->target;

	if (x->head->host != NULL)
		snprintf(host, sizeof(host), "%s", x->head->host);
	else {   /* no Host (HTTP/1.0): the local address */
		binding_addr_format(&c->local, ip, sizeof(ip));
		snprintf(host, sizeof(host), c->local.family == AF_INET6 ? "[%s]" : "%s", ip);
	}
	if (respond_https_location(host, target, location, sizeof(location)) != 0) {
		exchange_page(x, PAGE_URL_TOO_LONG, "URL");
		return;
	}
	x->status = 301;
	trace_note(c->srv->trace, c->id, "hsts_redirect_http of site \"%s\": 301 to %s (IIS "
	    "drops the port: https on 443)", x->site->name, location);
	(void)respond_redirect_msg(&m, location, c->cfg->server_header, time(NULL),
	    x->head_only);
	x->resp_started = 1;
	/* with a body unread or an upgrade asked for, the connection cannot go on */
	if (x->ops->page(x->conn, x, &m, x->has_body || x->upgrade) != 0) {
		respond_msg_clear(&m);
		exchange_abort(x, NULL, 0);
		return;
	}
	respond_msg_clear(&m);
	exchange_finish(x, EXCHANGE_END_OK);
}

static void
exchange_diag(struct exchange *x, const struct route *r)
{
	struct exchange_conn *c = x->c;
	struct respond_diag d;
	struct respond_msg m;
	struct cert_choice choice;
	char binding[BINDING_HOST_MAX + 32], local[96], client[96], notafter[32], why[512];
	char cc_flags[128], cc_where[BINDING_HOST_MAX + 64], cc_why[768], cc_subject[256];
	char fix[1024], cc_fix[600];
	char sts[96], chain[CHAIN_DEPTH_MAX + 2][CHAIN_LINE_MAX];
	const char *chainp[CHAIN_DEPTH_MAX + 2];
	const char *accept = http_head_field(x->head, HF_ACCEPT);
	int json = accept != NULL && strcasestr(accept, "application/json") != NULL;
	size_t i;

	memset(&d, 0, sizeof(d));
	binding_format(r->binding, binding, sizeof(binding));
	binding_ipport_format(&c->local, c->port, local, sizeof(local));
	binding_ipport_format(&c->peer, c->peer_port, client, sizeof(client));
	d.site = r->site->name;
	d.site_id = r->site->id;
	d.binding = binding;
	d.route_tier = r->tier;
	d.local = local;
	d.client = client;
	d.host = x->head->host;
	d.mode = c->cfg->mode;
	d.verdict = -1;
	d.http_version = c->version;
	if (c->proto == BINDING_HTTPS) {
		const struct cert *cert = c->cert;

		d.tls = 1;
		d.sni = c->has_sni ? c->sni : NULL;
		d.sni_used = c->sni_used;
		memset(&choice, 0, sizeof(choice));
		(void)binding_resolve_cert(c->cfg, &c->local, c->port, c->has_sni ? c->sni : NULL,
		    &choice);
		d.selected_by = choice.selected_by;
		for (i = 0; i < (size_t)choice.nsteps && i < CERT_TRACE_MAX; i++)
			d.cert_steps[i] = choice.steps[i];
		d.ncert_steps = i;
		if (cert != NULL) {
			struct tm tm;

			gmtime_r(&cert->not_after, &tm);
			strftime(notafter, sizeof(notafter), "%Y-%m-%dT%H:%M:%SZ", &tm);
			d.cert_subject = cert->subject;
			d.cert_sans = (const char **)cert->sans;
			d.cert_nsans = cert->nsans;
			d.cert_thumbprint = cert->thumbprint;
			d.cert_not_after = notafter;
		}
		exchange_verdict(x, x->head->host, why, sizeof(why));
		d.verdict = c->verdict;
		d.verdict_why = why;
		{
			/* the name the certificate must hold: the host without its port */
			char name[BINDING_HOST_MAX + 1];
			const char *h = x->head->host != NULL ? x->head->host : "";
			size_t n = h[0] == '[' ? strcspn(h, "]") + (h[strcspn(h, "]")] == ']') :
			    strcspn(h, ":");

			snprintf(name, sizeof(name), "%.*s", (int)n, h);
			d.fix = views_verdict_fix((enum cert_verdict)c->verdict, &choice, name,
			    c->has_sni, c->port, c->cfg->mode, fix, sizeof(fix));
		}
		if (cert != NULL) {
			d.nchain_sent = chain_sent_lines(cert, chain, CHAIN_DEPTH_MAX + 2);
			for (i = 0; i < d.nchain_sent; i++)
				chainp[i] = chain[i];
			d.chain_sent = chainp;
			d.clients = chain_clients((enum cert_verdict)c->verdict, &d.nclients);
		}
		d.tls_version = c->tls_version;
		d.tls_cipher = c->tls_cipher;
		d.coalesced_sni = x->coalesced ? c->sni : NULL;
	}
	if (x->access & (CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT)) {
		/* the second chicken-and-egg, drawn as a round of its own */
		X509 *leaf = c->ssl != NULL ? SSL_get0_peer_certificate(c->ssl) : NULL;

		d.cc_flags = conf_access_format(x->access, cc_flags, sizeof(cc_flags));
		snprintf(cc_where, sizeof(cc_where), x->loc != NULL ? "[location %s%s]" :
		    "site %s", x->site->name, x->loc != NULL ? x->loc->path : "");
		d.cc_where = cc_where;
		d.cc_round = x->cc_reneg ? DIAG_CC_RENEGOTIATION : c->entry != NULL &&
		    (c->entry->flags & CONF_SSL_NEGOTIATE_CLIENT_CERT) ? DIAG_CC_HANDSHAKE :
		    DIAG_CC_NONE;
		(void)exchange_cc_decide(x, cc_why, sizeof(cc_why));
		d.cc_why = cc_why;
		if (x->cc_reneg && c->entry != NULL)
			d.cc_fix = views_cc_fix(VIEWS_CC_FIX_TLS13, c->entry->name, cc_fix,
			    sizeof(cc_fix));
		if (leaf != NULL) {
			certstore_name_format(X509_get_subject_name(leaf), cc_subject, sizeof(cc_subject));
			d.cc_subject = cc_subject;
			d.cc_verdict = c->cc_chain >= 0 ?
			    certstore_chain_verdict_name((enum cert_chain_verdict)c->cc_chain) : NULL;
		}
	}
	d.hsts = conf_hsts_value(r->site, sts, sizeof(sts));
	d.hsts_redirect = r->site->hsts_redirect_http;
	if (respond_diag_msg(&m, &d, json, c->cfg->server_header, time(NULL),
	    x->head_only) != 0) {
		exchange_abort(x, NULL, 0);
		x->ops->end(x->conn, x, EXCHANGE_END_CUT);
		return;
	}
	if (exchange_sts(x, sts, sizeof(sts)) != NULL)
		(void)respond_msg_add_field(&m, "Strict-Transport-Security", sts);
	x->status = 200;
	x->resp_started = 1;
	trace_diag(c->srv->trace, c->id, json);
	/* with a body unread or an upgrade asked for, the connection cannot go on */
	if (x->ops->page(x->conn, x, &m, x->has_body || x->upgrade) != 0) {
		respond_msg_clear(&m);
		exchange_abort(x, NULL, 0);
		return;
	}
	respond_msg_clear(&m);
	exchange_finish(x, EXCHANGE_END_OK);
}

/* ---------- the backend's side ---------- */

static int
exchange_up_head(void *arg, const struct http_head *h, int bodiless)
{
	struct exchange *x = arg;
	char sts[96];

	if (x->phase == XP_DONE)
		return -1;
	if (h->status / 100 == 1 && h->status != 101)
		return x->ops->head(x->conn, x, h, 1);   /* 100 Continue and friends */
	x->status = h->status;
	trace_backend(x->c->srv->trace, x->c->id, upstream_xfer_backend(x->xfer), h->status);
	x->resp_started = 1;
	exchange_phase(x, XP_RESPONDING);
	if (h->status != 101 && exchange_sts(x, sts, sizeof(sts)) != NULL) {
		/* the site's field after the backend's own ones (IIS's module adds it to the
		 * response the application made; a field the backend sent itself stays) */
		struct http_head with = *h;
		struct http_header *f = malloc((h->nheaders + 1) * sizeof(*f));
		int rc;

		if (f == NULL)
			return -1;
		memcpy(f, h->headers, h->nheaders * sizeof(*f));
		memset(&f[h->nheaders], 0, sizeof(*f));
		f[h->nheaders].name = (char *)"Strict-Transport-Security";
		f[h->nheaders].name_len = (unsigned)strlen(f[h->nheaders].name);
		f[h->nheaders].value = sts;
		f[h->nheaders].value_len = (unsigned)strlen(sts);
		f[h->nheaders].id = HF_OTHER;
		with.headers = f;
		with.nheaders = h->nheaders + 1;
		rc = x->ops->head(x->conn, x, &with, bodiless);
		free(f);
		if (rc != 0)
			return -1;
	} else if (x->ops->head(x->conn, x, h, bodiless) != 0) {
		return -1;
	}
	if (h->status == 101) {
		exchange_phase(x, XP_TUNNEL);
		x->ops->upgraded(x->conn, x);
	}
	return 0;
}

static int
exchange_up_body(void *arg, const char *data, size_t len)
{
	struct exchange *x = arg;

	if (x->phase == XP_DONE || x->ops->body(x->conn, x, data, len) != 0)
		return -1;
	return x->ops->full(x->conn, x) ? 1 : 0;
}

static struct iobuf *
exchange_up_room(void *arg)
{
	struct exchange *x = arg;

	return x->phase == XP_DONE || x->ops->room == NULL ? NULL : x->ops->room(x->conn, x);
}

/* Narrate a trailer section: how many fields, what became of them, and those that are
 * never forwarded and why (drop: the client-certificate header, for a request's). */
static void
exchange_trace_trailers(struct exchange *x, const char *whose, const struct http_fields *t,
    const char *fate, const char *drop)
{
	char names[512];
	size_t at = 0;

	if (!x->c->srv->trace || t == NULL || t->n == 0)
		return;
	names[0] = '\0';
	for (size_t i = 0; i < t->n && at < sizeof(names); i++) {
		const char *why = http_trailer_forbidden(t->v[i].name, t->v[i].name_len);

		if (why == NULL && drop != NULL && drop[0] != '\0' &&
		    http_name_eq_cgi(t->v[i].name, t->v[i].name_len, drop, strlen(drop)))
			why = "sysbind's to set";
		if (why != NULL) {
			int k = snprintf(names + at, sizeof(names) - at, "%s%s (%s)", at ? ", " : "",
			    t->v[i].name, why);

			at += k > 0 ? (size_t)k : 0;
		}
	}
	trace_note(1, x->c->id, "%s trailer section: %zu field%s, %s%s%s", whose, t->n,
	    t->n == 1 ? "" : "s", fate, names[0] ? "; never forwarded: " : "", names);
}

static int
exchange_up_trailers(void *arg, const struct http_fields *t)
{
	struct exchange *x = arg;
	int r = 1;

	if (x->phase == XP_DONE)
		return -1;
	if (x->ops->trailers != NULL && (r = x->ops->trailers(x->conn, x, t)) < 0)
		return -1;
	exchange_trace_trailers(x, "the response's", t, r == 0 ? "forwarded to the client" :
	    "dropped: the client's response is not chunked (HTTP/1.0) or has no body", NULL);
	return 0;
}

static void
exchange_up_end(void *arg)
{
	struct exchange *x = arg;

	exchange_finish(x, EXCHANGE_END_OK);
}

static void
exchange_up_failed(void *arg, int page, int win32, const char *why)
{
	struct exchange *x = arg;
	/* HTTPERR reasons of an IIS application pool (sysbind's backend plays one): 503 as
	 * a pool that cannot serve (N/A), 504 as a request the pool held too long
	 * (Timer_AppPool), 502 and a cut response as a pool that let go of the request
	 * (Connection_Abandoned_By_AppPool). */
	const char *reason = page == PAGE_SERVICE_UNAVAILABLE ? "N/A" :
	    page == PAGE_GATEWAY_TIMEOUT ? "Timer_AppPool" : "Connection_Abandoned_By_AppPool";

	if (x->phase == XP_DONE)
		return;
	log_info("conn %llu: %s", x->c->id, why);
	trace_note(x->c->srv->trace, x->c->id, "%s", why);
	if (win32 == WIN32_CONNECTION_REFUSED || win32 == WIN32_NETNAME_DELETED)
		exchange_pool_failure(x, why);
	x->win32 = win32;
	if (!x->resp_started) {
		exchange_page(x, (enum respond_page)page, reason);
		return;
	}
	/* the response started: the client connection is cut, the logs say why */
	exchange_httperr(x->c, x->head, x->site, 0, reason, x->stream_id);
	exchange_phase(x, XP_DONE);
	exchange_log_request(x);
	x->ops->end(x->conn, x, EXCHANGE_END_CUT);
}

static void
exchange_up_drained(void *arg)
{
	struct exchange *x = arg;

	if (x->phase != XP_DONE)
		x->ops->pause_request(x->conn, x, 0);
}

static void
exchange_up_trace(void *arg, const char *line)
{
	struct exchange *x = arg;

	trace_note(x->c->srv->trace, x->c->id, "%s", line);
}

static const struct upstream_cb exchange_up_cb = {
	.head = exchange_up_head,
	.body = exchange_up_body,
	.room = exchange_up_room,
	.trailers = exchange_up_trailers,
	.end = exchange_up_end,
	.failed = exchange_up_failed,
	.drained = exchange_up_drained,
	.trace = exchange_up_trace,
};

/* ---------- the request ---------- */

/* The route of the last host asked on the connection, when h asks for it again (not while
 * tracing: the narration tells each decision whole).  Returns 0 with r filled, or -1. */
static int
exchange_route_cached(struct exchange *x, const struct http_head *h, struct route *r)
{
	const struct exchange_conn *c = x->c;

	if (c->srv->trace || c->route_host == NULL || h->host == NULL ||
	    c->route_http10 != (h->version_major == 1 && h->version_minor == 0) ||
	    strcmp(c->route_host, h->host) != 0)
		return -1;
	r->site = c->route_site;
	r->binding = c->route_binding;
	r->tier = (enum route_tier)c->route_tier;
	r->status = 0;
	return 0;
}

/* Remember a route that served (the site's state cannot change in a generation). */
static void
exchange_route_keep(struct exchange *x, const struct http_head *h, const struct route *r)
{
	struct exchange_conn *c = x->c;

	if (h->host == NULL || (c->route_host != NULL && strcmp(c->route_host, h->host) == 0 &&
	    c->route_http10 == (h->version_major == 1 && h->version_minor == 0)))
		return;
	free(c->route_host);
	c->route_host = strdup(h->host);   /* NULL: the next request routes again */
	c->route_http10 = h->version_major == 1 && h->version_minor == 0;
	c->route_site = r->site;
	c->route_binding = r->binding;
	c->route_tier = (int)r->tier;
}

/* An HTTP/2 request for another host than the SNI the connection's certificate was chosen
 * for: the client coalesced the connection (RFC 9113 §9.1.1).  HTTP.SYS routes it by
 * :authority as any other (no 421 is known of it); sysbind says so, or answers 421 with
 * misdirected = 421. */
static int
exchange_coalesced(struct exchange *x, const char *rawhost)
{
	struct exchange_conn *c = x->c;
	char host[BINDING_HOST_MAX];

	if (c->proto != BINDING_HTTPS || !c->has_sni || c->version == NULL ||
	    strcmp(c->version, "HTTP/2") != 0 || rawhost == NULL ||
	    binding_host_normalize(rawhost, host, sizeof(host)) != 0)
		return 0;
	x->coalesced = strcmp(host, c->sni) != 0;
	return x->coalesced;
}


/* ---------- loops ---------- */

/*
 * This process's mark on what it forwards: "sysbind-" and 64 random bits, the received-by
 * pseudonym of the Via field it adds (RFC 9110 §7.6.3).  Random per process, so two
 * sysbinds (on one host, or behind each other) never take each other's mark for theirs.
 */
static char exchange_via_value[48];     /* "1.1 sysbind-0123456789abcdef" */
static pthread_once_t exchange_via_once = PTHREAD_ONCE_INIT;

static void
exchange_via_init(void)
{
	unsigned long long r = 0;
	struct timespec now;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* no entropy source: unlikely to repeat across processes all the same */
		clock_gettime(CLOCK_REALTIME, &now);
		r = ((unsigned long long)now.tv_nsec << 20) ^ (unsigned long long)now.tv_sec ^
		    ((unsigned long long)getpid() << 40);
	}
	snprintf(exchange_via_value, sizeof(exchange_via_value), "1.1 sysbind-%016llx", r);
}

const char *
exchange_via(void)
{
	pthread_once(&exchange_via_once, exchange_via_init);
	return exchange_via_value;
}

/* The request carries this process's own mark: it went out through a site's backend and
 * came back.  Answered 508 and never forwarded again, so a loop costs one hop. */
static int
exchange_loop(struct exchange *x)
{
	struct exchange_conn *c = x->c;
	const char *mark = exchange_via() + 4;   /* "sysbind-..." */

	if (!http_head_via_has(x->head, mark))
		return 0;
	log_warnx("conn %llu: a request for site \"%s\" came back to this sysbind (its Via "
	    "carries %s): a backend leads back here; answered 508 Loop Detected, not forwarded "
	    "to %s", c->id, x->site->name, mark, x->site->backend);
	trace_note(c->srv->trace, c->id, "Via carries this sysbind's own %s: a loop; 508", mark);
	exchange_page(x, PAGE_LOOP_DETECTED, "Loop");
	return 1;
}

/* ---------- the application pool (issue 25) ---------- */

/* A backend failure (refused, reset, closed before the response) counts against the
 * site's pool: rapid-fail protection may stop it. */
static void
exchange_pool_failure(struct exchange *x, const char *why)
{
	struct exchange_conn *c = x->c;
	struct apppool_state *pool = upstream_apppool(c->srv->pool, x->site);
	struct apppool_snapshot snap;

	if (pool == NULL)
		return;
	if (apppool_failure(pool, x->site, time(NULL))) {
		log_warnx("application pool \"%s\" of site \"%s\" stopped by rapid-fail "
		    "protection: %lu backend failures within %u minutes (the last: %s); its "
		    "requests get 503 AppOffline until a reload starts it", apppool_name(x->site),
		    x->site->name, x->site->rapid_fail_max_crashes, x->site->rapid_fail_interval,
		    why);
		trace_note(c->srv->trace, c->id, "rapid-fail protection: application pool \"%s\" "
		    "stopped (%lu failures within %u minutes)", apppool_name(x->site),
		    x->site->rapid_fail_max_crashes, x->site->rapid_fail_interval);
	} else if (c->srv->trace && x->site->rapid_fail) {
		apppool_snapshot(pool, &snap);
		trace_note(1, c->id, "rapid-fail protection: failure %lu of %lu within %u minutes "
		    "for application pool \"%s\"", snap.window_count,
		    x->site->rapid_fail_max_crashes, x->site->rapid_fail_interval,
		    apppool_name(x->site));
	}
}

/* HTTP.SYS refuses the request for the pool (its queue is full, or it is stopped): a
 * 503 or a reset, as the pool's load balancer capabilities and 503 verbosity say. */
static void
exchange_pool_refuse(struct exchange *x, struct apppool_state *pool, enum apppool_reason r)
{
	struct exchange_conn *c = x->c;
	const char *reason = apppool_reason_name(r);
	enum apppool_answer a = apppool_answer((enum conf_load_balancer)x->site->load_balancer,
	    (enum conf_verbosity)x->site->verbosity);

	apppool_reject(pool, r);
	trace_note(c->srv->trace, c->id, "application pool \"%s\": %s; load_balancer = %s, "
	    "verbosity = %s: %s", apppool_name(x->site), r == APPPOOL_QUEUE_FULL ?
	    "its request queue is full (queue_length)" : "stopped by rapid-fail protection",
	    x->site->load_balancer == CONF_LB_TCP ? "tcp (TcpLevel)" : "http (HttpLevel)",
	    x->site->verbosity == CONF_VERBOSITY_BASIC ? "basic" :
	    x->site->verbosity == CONF_VERBOSITY_FULL ? "full" : "limited",
	    a == APPPOOL_ANSWER_RESET ? "the connection is reset, no 503 is sent" :
	    a == APPPOOL_ANSWER_FULL ? "503 with the detailed reason phrase (IIS 6's string, "
	    "unverified)" : "503 Service Unavailable");
	if (a == APPPOOL_ANSWER_RESET) {
		x->status = 503;
		exchange_httperr(c, x->head, x->site, 503, reason, x->stream_id);
		exchange_phase(x, XP_DONE);
		x->aborted = 1;
		x->ops->reset(x->conn, x, EXCHANGE_RESET_POOL);
		return;
	}
	if (a == APPPOOL_ANSWER_FULL)
		x->phrase = apppool_reason_phrase(r);
	exchange_page(x, PAGE_SERVICE_UNAVAILABLE, reason);
}

static int exchange_queue_ready(void *arg);

/* The pool's gate before a backend connection: 0 to go on; 1 when the request was
 * refused or waits in the queue (woken: it keeps its place at the head). */
static int
exchange_pool_gate(struct exchange *x, struct apppool_state *pool, int woken)
{
	if (pool == NULL)
		return 0;
	if (!x->arrived) {
		x->arrived = 1;
		atomic_fetch_add_explicit(&pool->arrived, 1, memory_order_relaxed);
	}
	if (atomic_load(&pool->run) == APPPOOL_STOPPED) {
		if (woken)
			exchange_phase(x, XP_ROUTED);
		exchange_pool_refuse(x, pool, APPPOOL_APP_OFFLINE);
		return 1;
	}
	return 0;
}

/* All the backend's connections are busy, or others wait before it (behind: a new
 * request queues behind them rather than take a connection one of them is about to):
 * the request waits (woken: at the head again), or the queue is full.  Returns 1
 * (answered or waiting). */
static int
exchange_queue(struct exchange *x, struct apppool_state *pool, int woken, int behind)
{
	struct exchange_conn *c = x->c;
	struct queue *q = upstream_queue(c->srv->pool);
	unsigned long queued = atomic_load_explicit(&pool->queued, memory_order_relaxed);

	if (q == NULL || (!woken && !apppool_admit(queued, x->site->queue_length))) {
		exchange_pool_refuse(x, pool, APPPOOL_QUEUE_FULL);
		return 1;
	}
	queue_wait(q, (size_t)(x->site - c->cfg->sites), &x->qe, woken, exchange_queue_ready, x);
	if (!woken) {
		trace_note(c->srv->trace, c->id, "backend %s: %s: the request waits in "
		    "application pool \"%s\"'s queue (%lu waiting of queue_length %u)",
		    x->site->backend, behind ? "others wait before it" : "its connections are "
		    "busy (backend_max_connections)", apppool_name(x->site), queued + 1,
		    x->site->queue_length);
		x->ops->pause_request(x->conn, x, 1);
	}
	return 1;
}

static void exchange_proceed_backend(struct exchange *x, int woken);

/* A backend connection may be free: the waiting request tries again.  Returns 1 when it
 * waits again. */
static int
exchange_queue_ready(void *arg)
{
	struct exchange *x = arg;

	exchange_proceed_backend(x, 1);
	if (x->qe.q != NULL)
		return 1;
	if (x->phase != XP_DONE) {
		x->ops->pause_request(x->conn, x, 0);
		exchange_push(x);
	}
	return 0;
}

/* The request goes on to its answer: the diagnostic page, or the site's backend (with
 * the body read ahead, if any). */
void
exchange_proceed(struct exchange *x)
{
	if (x->site->backend == NULL) {
		struct route r;

		memset(&r, 0, sizeof(r));
		r.site = x->site;
		r.binding = x->binding;
		r.tier = x->tier;
		exchange_diag(x, &r);
		return;
	}
	if (exchange_loop(x))
		return;
	exchange_proceed_backend(x, 0);
}

/* The request to the site's backend, through its application pool's gate and queue
 * (woken: from the queue). */
static void
exchange_proceed_backend(struct exchange *x, int woken)
{
	struct exchange_conn *c = x->c;
	struct http_head *h = x->head;
	struct upstream_req req;
	struct apppool_state *pool = upstream_apppool(c->srv->pool, x->site);
	int pushed = 0;

	if (exchange_pool_gate(x, pool, woken))
		return;
	/* first come, first served: a request that did not come from the queue goes behind
	 * the ones waiting there (of any worker, and of the generation before a reload) */
	if (!woken && pool != NULL && atomic_load_explicit(&pool->queued,
	    memory_order_relaxed) > 0) {
		(void)exchange_queue(x, pool, 0, 1);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.head = h;
	req.fw.via = exchange_via();
	binding_addr_format(&c->peer, x->client_ip, sizeof(x->client_ip));
	req.fw.client_ip = x->client_ip;   /* read when the head is written: x's lifetime */
	req.fw.tls = c->proto == BINDING_HTTPS;
	req.fw.upgrade = h->upgrade;
	/* X-ARR-ClientCert: the client's certificate as ARR forwards it; a copy the client
	 * sent itself never passes */
	if (c->cfg->client_cert_header != NULL && c->cfg->client_cert_header[0] != '\0') {
		req.fw.cert_header = c->cfg->client_cert_header;
		req.fw.client_cert = exchange_cc_b64(c);
	}
	req.cb = &exchange_up_cb;
	req.arg = x;
	req.trace = c->srv->trace;
	errno = 0;
	x->xfer = upstream_xfer_start(c->srv->pool, x->site, &req);
	if (x->xfer == NULL && errno == EBUSY && pool != NULL) {
		(void)exchange_queue(x, pool, woken, 0);
		return;
	}
	if (x->xfer == NULL) {
		if (errno == ECONNREFUSED)
			exchange_pool_failure(x, "connection refused");
		trace_note(c->srv->trace, c->id, "backend %s: cannot connect", x->site->backend);
		log_warnx("conn %llu: cannot start a connection to backend %s of site \"%s\"",
		    c->id, x->site->backend, x->site->name);
		x->win32 = WIN32_CONNECTION_REFUSED;
		exchange_page(x, PAGE_SERVICE_UNAVAILABLE, "N/A");
		return;
	}
	exchange_phase(x, XP_BACKEND);
	/* after a client certificate was asked for: the body read ahead meanwhile, and the
	 * request's end if it came; written now (the framing pushes only after input) */
	if (x->ahead_len > 0 && upstream_xfer_body(x->xfer, x->ahead, x->ahead_len) < 0)
		return;
	if (x->ahead != NULL) {
		free(x->ahead);
		x->ahead = NULL;
		x->ahead_len = x->ahead_cap = 0;
		pushed = 1;
	}
	if (x->req_done && x->phase != XP_DONE) {
		(void)upstream_xfer_body_end(x->xfer, x->trailers);
		pushed = 1;
	}
	if (pushed)
		exchange_push(x);
}

/* Body bytes of a request waiting in the queue (its reading is paused: what came with
 * the head, a read's worth at most), kept for the backend. */
static void
exchange_queue_ahead(struct exchange *x, const char *data, size_t len)
{
	char *p;

	if (x->ahead_len + len > x->ahead_cap) {
		size_t cap = x->ahead_cap == 0 ? 16384 : x->ahead_cap;

		while (cap < x->ahead_len + len)
			cap *= 2;
		if ((p = realloc(x->ahead, cap)) == NULL) {
			queue_cancel(&x->qe);
			exchange_page(x, PAGE_SERVICE_UNAVAILABLE, "N/A");
			return;
		}
		x->ahead = p;
		x->ahead_cap = cap;
	}
	memcpy(x->ahead + x->ahead_len, data, len);
	x->ahead_len += len;
}

void
exchange_request(struct exchange *x, struct http_head *h, int over_limit)
{
	struct exchange_conn *c = x->c;
	struct route r;
	int cached;

	x->head = h;
	x->head_only = h->method != NULL && strcmp(h->method, "HEAD") == 0;
	x->has_body = h->chunked || h->content_length > 0;
	x->upgrade = h->upgrade;
	x->expect_100 = x->has_body && http_head_field(h, HF_EXPECT) != NULL &&
	    strcasecmp(http_head_field(h, HF_EXPECT), "100-continue") == 0;
	trace_request(c->srv->trace, c->id, c->proto, h->method, h->target, h->version_major,
	    h->version_minor, h->host);
	if (over_limit) {
		exchange_page(x, PAGE_SERVICE_UNAVAILABLE, "ConnLimit");
		return;
	}
	memset(&r, 0, sizeof(r));
	if ((cached = exchange_route_cached(x, h, &r) == 0)) {
		/* the same host as the last request on this connection: the same site */
	} else if (binding_route(c->cfg, c->proto, &c->local, c->port, h->host,
	    h->version_major == 1 && h->version_minor == 0, &r) != 0) {
		trace_route(c->srv->trace, c->id, &r, 0);
		if (r.status == 503)
			x->site = r.site;
		exchange_page(x, r.status == 503 ? PAGE_SERVICE_UNAVAILABLE : PAGE_INVALID_HOSTNAME,
		    r.reason != NULL ? r.reason : (r.status == 503 ? "Disabled" : "Hostname"));
		return;
	}
	x->site = r.site;
	exchange_phase(x, XP_ROUTED);
	trace_route(c->srv->trace, c->id, &r, 1);
	exchange_route_keep(x, h, &r);
	if (exchange_coalesced(x, h->host)) {
		/* a browser reused this connection for another host its certificate covers */
		trace_note(c->srv->trace, c->id, "coalesced connection: certificate chosen for SNI "
		    "%s, request for %s; %s", c->sni, h->host, c->cfg->misdirected ==
		    CONF_MISDIRECTED_421 ? "misdirected = 421: answered 421" :
		    "routed by :authority, as HTTP.SYS does");
		if (c->cfg->misdirected == CONF_MISDIRECTED_421) {
			exchange_page(x, PAGE_MISDIRECTED, "Misdirected");
			return;
		}
	}
	if (c->proto == BINDING_HTTPS) {
		if (c->srv->trace) {
			char why[512];

			exchange_verdict(x, h->host, why, sizeof(why));
			trace_verdict(1, c->id, (enum cert_verdict)c->verdict, why,
			    c->verdict_host != NULL ? c->verdict_host : "", c->cert);
		} else if (!cached || c->verdict < 0) {
			/* (the same host as the last request: the same verdict) */
			exchange_verdict(x, h->host, NULL, 0);
		}
	}
	x->binding = r.binding;
	x->tier = r.tier;
	if (c->proto == BINDING_HTTP && x->site->hsts_redirect_http) {
		exchange_redirect(x);
		return;
	}
	if (exchange_cc_gate(x) != 0)
		return;   /* answered, or the client's certificate is asked for first */
	exchange_proceed(x);
}

void
exchange_req_body(struct exchange *x, const char *data, size_t len)
{
	(void)exchange_req_body_from(x, NULL, data, len);
}

size_t
exchange_req_body_from(struct exchange *x, struct iobuf *src, const char *data, size_t len)
{
	size_t lost = 0;

	if ((x->cc_wait || x->cc_asking) && x->phase != XP_DONE) {
		exchange_cc_ahead(x, data, len);
		return 0;
	}
	if (x->qe.q != NULL) {
		exchange_queue_ahead(x, data, len);
		return 0;
	}
	if (x->xfer == NULL || x->phase == XP_DONE)
		return 0;   /* answered already: what is left of the request is not read */
	if (upstream_xfer_body_from(x->xfer, src, data, len, &lost) == 1)
		x->ops->pause_request(x->conn, x, 1);
	return lost;
}

void
exchange_req_trailers(struct exchange *x, const struct http_fields *t)
{
	x->trailers = t;
}

void
exchange_req_end(struct exchange *x)
{
	if ((x->cc_wait || x->cc_asking) && x->phase != XP_DONE) {
		x->req_done = 1;
		if (x->cc_wait)
			exchange_cc_ask(x);   /* the whole body is here: now the client is asked */
		return;
	}
	if (x->qe.q != NULL) {
		x->req_done = 1;   /* sent with the head once a connection is free */
		return;
	}
	if (x->xfer == NULL || x->phase == XP_DONE)
		return;
	if (x->phase == XP_TUNNEL) {
		(void)upstream_xfer_tunnel_end(x->xfer);
		return;
	}
	x->req_done = 1;
	exchange_trace_trailers(x, "the request's", x->trailers, x->head != NULL &&
	    x->head->chunked ? "forwarded with the last chunk" : "dropped: the request went to "
	    "the backend with a Content-Length, which carries no trailers",
	    x->c->cfg->client_cert_header);
	(void)upstream_xfer_body_end(x->xfer, x->trailers);
}

void
exchange_refuse(struct exchange *x, enum http_error e, const char *detail,
    struct http_head *h)
{
	const char *reason = NULL;
	enum respond_page page = respond_page_for_error(e, &reason);

	if (h != NULL && x->head == NULL) {   /* a head refused after it was read whole */
		x->head = h;
		x->head_only = h->method != NULL && strcmp(h->method, "HEAD") == 0;
	}
	trace_refused(x->c->srv->trace, x->c->id, detail);
	if (x->phase == XP_DONE)
		return;
	if (x->resp_started) {
		/* a bad request body after the response started: nothing can be answered */
		exchange_stop_backend(x);
		exchange_phase(x, XP_DONE);
		exchange_log_request(x);
		x->ops->end(x->conn, x, EXCHANGE_END_CUT);
		return;
	}
	exchange_page(x, page, reason != NULL ? reason : "BadRequest");
}

void
exchange_push(struct exchange *x)
{
	if (x->xfer != NULL && x->phase != XP_DONE)
		upstream_xfer_push(x->xfer);
}

void
exchange_resp_drained(struct exchange *x)
{
	if (x->xfer != NULL && x->phase != XP_DONE)
		upstream_xfer_resume(x->xfer);
}

int
exchange_waiting(const struct exchange *x)
{
	return x != NULL && x->qe.q != NULL;
}

void
exchange_abort(struct exchange *x, const char *reason, int win32)
{
	if (x->aborted)
		return;
	x->aborted = 1;
	/* A client gone while its request waits in the queue: it leaves the queue, never
	 * reaches the backend, and is logged Client_Reset (KB 820729: "closed before the
	 * request could be assigned to a worker process"); not Connection_Abandoned_By_ReqQueue
	 * (a worker process that "quit unexpectedly or orphaned a pending request"). */
	if (x->qe.q != NULL && reason != NULL && strcmp(reason, "Connection_Dropped") == 0)
		reason = "Client_Reset";
	queue_cancel(&x->qe);
	exchange_stop_backend(x);
	if (x->phase == XP_DONE)
		return;
	if (reason != NULL)
		exchange_httperr(x->c, x->head, x->site, 0, reason, x->stream_id);
	if (x->status != 0) {
		if (win32 != 0)
			x->win32 = win32;
		exchange_log_request(x);
	}
	exchange_phase(x, XP_DONE);
}
