/*
 * exchange — one request and its response (see exchange.h).  Owns: the routing of the
 * request (binding_route, §1.2), the verdict for the host asked (§1.3), the answer (an
 * HTTP.SYS page, the diagnostic page, or the backend transfer it owns), the W3C line of
 * the request and the HTTPERR line of an answer sysbind made itself or of a request cut
 * short, and the trace of those decisions.  It does not own sockets, framing, timers or
 * the connection: it answers through the connection's exchange_ops.
 *
 * Phases (exchange_phase is the one place they change, checking the order):
 *   NEW -> ROUTED -> BACKEND -> RESPONDING -> DONE    proxied
 *   NEW -> ROUTED -> DONE                             diagnostic page, or a page
 *   NEW -> DONE                                       refused before routing
 *   BACKEND / RESPONDING -> TUNNEL -> DONE            after a 101
 *   any -> DONE                                       abort
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/ssl.h>

#include "accesslog.h"
#include "certstore.h"
#include "conf.h"
#include "conn.h"
#include "exchange.h"
#include "log.h"
#include "respond.h"
#include "trace.h"
#include "upstream.h"

enum exchange_phase {
	XP_NEW = 0,     /* waiting for (or reading) the request head */
	XP_ROUTED,      /* the site is known; answering */
	XP_BACKEND,     /* the request went to the backend; no response head yet */
	XP_RESPONDING,  /* the response head went to the client */
	XP_TUNNEL,      /* bytes both ways after a 101 */
	XP_DONE,        /* the response is complete, or the exchange was aborted */
};

struct exchange {
	const struct exchange_ops *ops;
	void                      *conn;
	struct exchange_conn      *c;
	struct exchange           *next_free;
	enum exchange_phase        phase;
	struct http_head          *head;      /* borrowed from the connection's parser */
	const struct conf_site    *site;
	struct upstream_xfer      *xfer;      /* owned */
	struct timespec            t_start;
	int                        status;    /* final status answered, 0 before */
	int                        win32;     /* sc-win32-status of the W3C line */
	unsigned                   stream_id; /* HTTP/2 stream, 0 for HTTP/1.x */
	unsigned                   head_only : 1, has_body : 1, upgrade : 1, req_done : 1,
	                           logged : 1, aborted : 1, resp_started : 1, coalesced : 1;
};

/* Exchanges of this thread kept for reuse: one request need not cost a malloc. */
#define EXCHANGE_FREE_MAX 256
static __thread struct exchange *exchange_free_list;
static __thread size_t exchange_nfree;

static const char *const exchange_phase_names[] = {
	"new", "routed", "backend", "responding", "tunnel", "done",
};

/* The one place a phase changes: the order above is checked, and the trace (at debug
 * level) says what happened. */
static void
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

	if (!allowed[x->phase][to]) {
		log_warnx("conn %llu: exchange phase %s -> %s is not allowed", x->c->id,
		    exchange_phase_names[x->phase], exchange_phase_names[to]);
		to = XP_DONE;
	}
	x->phase = to;
}

/* ---------- lifecycle ---------- */

struct exchange *
exchange_new(const struct exchange_ops *ops, void *conn, struct exchange_conn *c)
{
	struct exchange *x = exchange_free_list;

	if (x != NULL) {
		exchange_free_list = x->next_free;
		exchange_nfree--;
	} else if ((x = malloc(sizeof(*x))) == NULL) {
		return NULL;
	}
	memset(x, 0, sizeof(*x));
	x->ops = ops;
	x->conn = conn;
	x->c = c;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &x->t_start);
	return x;
}

void
exchange_free(struct exchange *x)
{
	if (x == NULL)
		return;
	upstream_xfer_free(x->xfer);
	if (exchange_nfree >= EXCHANGE_FREE_MAX) {
		free(x);
		return;
	}
	x->next_free = exchange_free_list;
	exchange_free_list = x;
	exchange_nfree++;
}

void
exchange_cache_drain(void)
{
	while (exchange_free_list != NULL) {
		struct exchange *x = exchange_free_list;

		exchange_free_list = x->next_free;
		free(x);
	}
	exchange_nfree = 0;
}

void
exchange_set_stream(struct exchange *x, unsigned stream_id)
{
	x->stream_id = stream_id;
}

int
exchange_status(const struct exchange *x)
{
	return x->status;
}

int
exchange_done(const struct exchange *x)
{
	return x->phase == XP_DONE;
}

/* ---------- logs ---------- */

static long
exchange_elapsed_ms(const struct exchange *x)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (long)((now.tv_sec - x->t_start.tv_sec) * 1000 +
	    (now.tv_nsec - x->t_start.tv_nsec) / 1000000);
}

/* The W3C line of the request (once, when it reached a site). */
static void
exchange_log_request(struct exchange *x)
{
	struct exchange_conn *c = x->c;
	struct accesslog_w3c e;
	char stem[2048];
	const char *target, *q;

	if (x->logged || c->srv->access == NULL || x->site == NULL || x->head == NULL)
		return;
	x->logged = 1;
	memset(&e, 0, sizeof(e));
	target = x->head->path != NULL ? x->head->path : x->head->target;
	if (target == NULL)
		target = "";
	q = strchr(target, '?');
	snprintf(stem, sizeof(stem), "%.*s", q != NULL ? (int)(q - target) : (int)strlen(target),
	    target);
	e.when = time(NULL);
	e.s_ip = c->local_ip;
	e.method = x->head->method;
	e.uri_stem = stem;
	e.uri_query = q != NULL ? q + 1 : NULL;
	e.s_port = c->port;
	e.c_ip = c->peer_ip;
	e.version = c->version;
	e.user_agent = http_head_field(x->head, HF_USER_AGENT);
	e.referer = http_head_field(x->head, HF_REFERER);
	e.status = x->status;
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

static void
exchange_httperr(const struct exchange_conn *c, const struct http_head *h,
    const struct conf_site *site, int status, const char *reason, unsigned stream_id)
{
	struct accesslog_httperr e;
	char ver[32];

	if (c->srv->httperr == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.when = time(NULL);
	e.c_ip = c->peer_ip;
	e.c_port = c->peer_port;
	e.s_ip = c->local_ip;
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
	e.site_id = site != NULL ? site->id : 0;
	e.reason = reason;
	e.queue = site != NULL ? site->name : NULL;
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

/* HTTP.SYS's page, its logs; the connection closes after it (as HTTP.SYS does). */
static void
exchange_page(struct exchange *x, enum respond_page page, const char *reason)
{
	struct respond_msg m;
	const struct conf *cfg = x->c->cfg;

	exchange_stop_backend(x);
	x->status = respond_page_status(page);
	trace_error(x->c->srv->trace, x->c->id, x->status, reason);
	exchange_httperr(x->c, x->head, x->site, x->status, reason, x->stream_id);
	if (respond_error_msg(&m, page, cfg->server_header, time(NULL), x->head_only) != 0) {
		x->phase = XP_DONE;
		x->ops->end(x->conn, x, EXCHANGE_END_CUT);
		return;
	}
	x->resp_started = 1;
	if (x->ops->page(x->conn, x, &m, 1) != 0) {
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
	const char *accept = http_head_field(x->head, HF_ACCEPT);
	int json = accept != NULL && strcasestr(accept, "application/json") != NULL;
	size_t i;

	memset(&d, 0, sizeof(d));
	binding_format(r->binding, binding, sizeof(binding));
	binding_ipport_format(&c->local, c->port, local, sizeof(local));
	if (strchr(c->peer_ip, ':') != NULL)
		snprintf(client, sizeof(client), "[%s]:%u", c->peer_ip, c->peer_port);
	else
		snprintf(client, sizeof(client), "%s:%u", c->peer_ip, c->peer_port);
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
		for (i = 0; i < (size_t)choice.nsteps && i < 8; i++)
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
		d.tls_version = c->tls_version;
		d.tls_cipher = c->tls_cipher;
		d.coalesced_sni = x->coalesced ? c->sni : NULL;
	}
	if (respond_diag_msg(&m, &d, json, c->cfg->server_header, time(NULL),
	    x->head_only) != 0) {
		exchange_abort(x, NULL, 0);
		x->ops->end(x->conn, x, EXCHANGE_END_CUT);
		return;
	}
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

	if (x->phase == XP_DONE)
		return -1;
	if (h->status / 100 == 1 && h->status != 101)
		return x->ops->head(x->conn, x, h, 1);   /* 100 Continue and friends */
	x->status = h->status;
	trace_backend(x->c->srv->trace, x->c->id, upstream_xfer_backend(x->xfer), h->status);
	x->resp_started = 1;
	exchange_phase(x, XP_RESPONDING);
	if (x->ops->head(x->conn, x, h, bodiless) != 0)
		return -1;
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

void
exchange_request(struct exchange *x, struct http_head *h, int over_limit)
{
	struct exchange_conn *c = x->c;
	struct route r;
	struct upstream_req req;
	int cached;

	x->head = h;
	x->head_only = h->method != NULL && strcmp(h->method, "HEAD") == 0;
	x->has_body = h->chunked || h->content_length > 0;
	x->upgrade = h->upgrade;
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
	if (r.site->backend == NULL) {
		exchange_diag(x, &r);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.head = h;
	req.fw.client_ip = c->peer_ip;
	req.fw.tls = c->proto == BINDING_HTTPS;
	req.fw.upgrade = h->upgrade;
	req.cb = &exchange_up_cb;
	req.arg = x;
	req.trace = c->srv->trace;
	exchange_phase(x, XP_BACKEND);
	x->xfer = upstream_xfer_start(c->srv->pool, r.site, &req);
	if (x->xfer == NULL) {
		trace_note(c->srv->trace, c->id, "backend %s: cannot connect", r.site->backend);
		log_warnx("conn %llu: cannot start a connection to backend %s of site \"%s\"",
		    c->id, r.site->backend, r.site->name);
		x->win32 = WIN32_CONNECTION_REFUSED;
		exchange_page(x, PAGE_SERVICE_UNAVAILABLE, "N/A");
	}
}

void
exchange_req_body(struct exchange *x, const char *data, size_t len)
{
	if (x->xfer == NULL || x->phase == XP_DONE)
		return;   /* answered already: what is left of the request is not read */
	if (upstream_xfer_body(x->xfer, data, len) == 1)
		x->ops->pause_request(x->conn, x, 1);
}

void
exchange_req_end(struct exchange *x)
{
	if (x->xfer == NULL || x->phase == XP_DONE)
		return;
	if (x->phase == XP_TUNNEL) {
		(void)upstream_xfer_tunnel_end(x->xfer);
		return;
	}
	x->req_done = 1;
	(void)upstream_xfer_body_end(x->xfer);
}

void
exchange_refuse(struct exchange *x, enum http_error e, const char *detail,
    struct http_head *h)
{
	const char *reason = NULL;
	enum respond_page page = respond_page_for_error(e, &reason);

	if (h != NULL && x->head == NULL)
		x->head = h;
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

void
exchange_abort(struct exchange *x, const char *reason, int win32)
{
	if (x->aborted)
		return;
	x->aborted = 1;
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
	x->phase = XP_DONE;
}
