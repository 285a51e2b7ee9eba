/*
 * conn — one client connection from accept to close.  Owns: the client bufferevent
 * (plain or OpenSSL), the request parser, the phase timers (handshake, header wait,
 * idle, flush), routing each request head (§1.2) and the verdict (§1.3), the responses
 * sysbind makes itself (HTTP.SYS pages, the diagnostic page), keep-alive and pipelining
 * (one request at a time, answered in order), the access/HTTPERR lines and the trace.
 * The backend exchange is upstream.c's.  Teardown has one path, conn_close: sockets and
 * the backend connection go at once, memory on the loop's next pass, so a close from deep
 * inside a callback never frees what the caller still uses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "accesslog.h"
#include "certstore.h"
#include "conf.h"
#include "conn.h"
#include "http.h"
#include "log.h"
#include "respond.h"
#include "tlsctx.h"
#include "upstream.h"

#define CONN_FEED_MAX      (64 * 1024)
#define CONN_FLUSH_SECONDS 10
#define CONN_LINGER_SECONDS 2

enum conn_phase {
	PHASE_HANDSHAKE = 0, /* TLS handshake in progress */
	PHASE_HEAD,          /* reading a request head (or idle between requests) */
	PHASE_BODY,          /* head handled; its body is read and forwarded */
	PHASE_WAIT,          /* request complete; the response is under way */
	PHASE_TUNNEL,        /* after a 101: bytes both ways */
	PHASE_CLOSING,       /* flushing the last response (input discarded) */
	PHASE_LINGER,        /* response sent, our side shut down: discard input until EOF */
};

struct conn {
	unsigned long long    id;
	struct conn_server   *srv;
	const struct conf    *cfg;
	struct conn          *prev, *next;
	enum binding_proto    proto;
	struct bufferevent   *bev;
	struct event         *timer;   /* phase deadline; after close, the deferred free */
	struct http_parser   *parser;
	struct upstream_xfer *xfer;
	struct tlsctx_hello   hello;   /* local address/port (both protocols), TLS decisions */
	char                  local_ip[INET6_ADDRSTRLEN];
	char                  peer_ip[INET6_ADDRSTRLEN];
	unsigned              peer_port;
	enum conn_phase       phase;
	int                   closed;
	int                   in_process;
	int                   peer_eof;
	int                   over_limit;
	int                   body_paused;
	unsigned long         requests;
	/* the request in progress */
	struct http_head     *head;
	int                   head_pending, end_pending;
	int                   started, req_done, resp_done, resp_keep, req_keep;
	int                   req_has_body, upgrade_req;
	int                   status;
	const struct conf_site *site;
	struct timespec       t_start;
	/* the verdict for the last host asked on this connection */
	char                  verdict_host[BINDING_HOST_MAX];
	int                   verdict;  /* enum cert_verdict, -1: none */
};

static void conn_process(struct conn *c);
static void conn_flush_close(struct conn *c);

/* ---------- small helpers ---------- */

struct bufferevent *
conn_bev(struct conn *c)
{
	return c->bev;
}

int
conn_closed(const struct conn *c)
{
	return c->closed;
}

void
conn_trace(struct conn *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (c == NULL || !c->srv->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("trace conn %llu: %s", c->id, msg);
}

static const char *
conn_header(const struct http_head *h, const char *name)
{
	size_t i;

	if (h == NULL)
		return NULL;
	for (i = 0; i < h->nheaders; i++)
		if (strcasecmp(h->headers[i].name, name) == 0)
			return h->headers[i].value;
	return NULL;
}

static void
conn_set_timer(struct conn *c, unsigned seconds)
{
	struct timeval tv = { (time_t)seconds, 0 };

	if (c->timer == NULL)
		return;
	if (seconds == 0)
		evtimer_del(c->timer);
	else
		evtimer_add(c->timer, &tv);
}

static void
conn_addr_from(const struct sockaddr *sa, struct binding_addr *a, char *ip, size_t iplen,
    unsigned *port)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->ip, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->ip, &s6->sin6_addr, 16);
		}
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		*port = ntohs(s4->sin_port);
		a->family = AF_INET;
		memcpy(a->ip, &s4->sin_addr, 4);
	}
	inet_ntop(a->family, a->ip, ip, (socklen_t)iplen);
}

/* The client closed its side and nothing it sent is left to answer. */
static int
conn_peer_gone(struct conn *c)
{
	return c->peer_eof && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0;
}

/* ---------- logs ---------- */

static long
conn_elapsed_ms(const struct conn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - c->t_start.tv_sec) * 1000 +
	    (now.tv_nsec - c->t_start.tv_nsec) / 1000000);
}

static const char *
conn_verdict_name(const struct conn *c)
{
	if (c->proto != BINDING_HTTPS || c->verdict < 0)
		return NULL;
	return certstore_verdict_name((enum cert_verdict)c->verdict);
}

/* The W3C line of the request just answered (when it reached a site). */
static void
conn_log_request(struct conn *c)
{
	struct accesslog_w3c e;
	char stem[2048];
	const char *target, *q;

	if (c->srv->access == NULL || c->site == NULL || c->head == NULL)
		return;
	memset(&e, 0, sizeof(e));
	target = c->head->path != NULL ? c->head->path : c->head->target;
	if (target == NULL)
		target = "";
	q = strchr(target, '?');
	snprintf(stem, sizeof(stem), "%.*s", q != NULL ? (int)(q - target) : (int)strlen(target),
	    target);
	e.when = time(NULL);
	e.s_ip = c->local_ip;
	e.method = c->head->method;
	e.uri_stem = stem;
	e.uri_query = q != NULL ? q + 1 : NULL;
	e.s_port = c->hello.port;
	e.c_ip = c->peer_ip;
	e.user_agent = conn_header(c->head, "User-Agent");
	e.referer = conn_header(c->head, "Referer");
	e.status = c->status;
	e.time_taken_ms = conn_elapsed_ms(c);
	e.site = c->site->name;
	e.host = c->head->host;
	if (c->proto == BINDING_HTTPS) {
		e.sni = c->hello.has_sni ? c->hello.sni : NULL;
		e.thumbprint = c->hello.cert != NULL ? c->hello.cert->thumbprint : NULL;
		e.verdict = conn_verdict_name(c);
	}
	accesslog_w3c_write(c->srv->access, &e);
}

static void
conn_log_httperr(struct conn *c, int status, const char *reason)
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
	e.s_port = c->hello.port;
	if (c->head != NULL) {
		if (c->head->version_major >= 10 || c->head->version_minor >= 10)
			snprintf(ver, sizeof(ver), "HTTP/?.?");
		else
			snprintf(ver, sizeof(ver), "HTTP/%d.%d", c->head->version_major,
			    c->head->version_minor);
		e.version = ver;
		e.method = c->head->method;
		e.uri = c->head->target;
	}
	e.status = status;
	e.site_id = c->site != NULL ? c->site->id : 0;
	e.reason = reason;
	e.queue = c->site != NULL ? c->site->name : NULL;
	accesslog_httperr_write(c->srv->httperr, &e);
}

/* ---------- the trace of the TLS decision ---------- */

static void
conn_narrate_hello(void *arg, const struct tlsctx_hello *h, const struct cert_choice *choice)
{
	struct conn *c = arg;
	int i;

	if (!c->srv->trace)
		return;
	if (!h->has_sni)
		conn_trace(c, "ClientHello without SNI");
	else if (c->cfg->mode == CONF_MODE_IIS7)
		conn_trace(c, "ClientHello SNI %s: ignored (mode iis7 chooses by IP:Port alone)",
		    h->sni);
	else
		conn_trace(c, "ClientHello SNI %s: %s", h->sni, h->sni_used ?
		    "used to choose the certificate" : "not used (an IP:Port binding decided)");
	for (i = 0; i < choice->nsteps && i < CERT_TRACE_MAX; i++)
		conn_trace(c, "  %s", choice->steps[i]);
	if (h->refused)
		conn_trace(c, "no certificate: handshake refused, connection closed");
	else
		conn_trace(c, "certificate %s chosen by %s", h->cert->subject, choice->selected_by);
}

/* ---------- close ---------- */

static void
conn_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	upstream_xfer_free(c->xfer);
	http_parser_free(c->parser);
	event_free(c->timer);
	free(c);
}

void
conn_close(struct conn *c, const char *why)
{
	if (c == NULL || c->closed)
		return;
	c->closed = 1;
	conn_trace(c, "closed (%s)", why);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->srv->nconns--;
	if (c->xfer != NULL)
		upstream_xfer_abort(c->xfer);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	if (c->timer == NULL) {
		conn_free_cb(-1, 0, c);
		return;
	}
	event_del(c->timer);
	event_assign(c->timer, c->srv->base, -1, 0, conn_free_cb, c);
	event_active(c->timer, EV_TIMEOUT, 0);
}

/*
 * The response is out: shut our side down and discard what the client still sends until
 * it closes (or CONN_LINGER_SECONDS), so unread input never turns the close into a reset
 * that destroys the response before the client read it.
 */
static void
conn_linger(struct conn *c)
{
	if (c->peer_eof) {
		conn_close(c, "response sent");
		return;
	}
	c->phase = PHASE_LINGER;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	evbuffer_drain(bufferevent_get_input(c->bev), evbuffer_get_length(
	    bufferevent_get_input(c->bev)));
	bufferevent_enable(c->bev, EV_READ);
	conn_set_timer(c, CONN_LINGER_SECONDS);
}

/* No more requests: the output is flushed, then the connection closes. */
static void
conn_flush_close(struct conn *c)
{
	if (c->closed)
		return;
	c->phase = PHASE_CLOSING;
	c->body_paused = 0;
	if (c->xfer != NULL) {
		upstream_xfer_abort(c->xfer);
		upstream_xfer_free(c->xfer);
		c->xfer = NULL;
	}
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_linger(c);
		return;
	}
	conn_set_timer(c, CONN_FLUSH_SECONDS);
}

/* ---------- responses sysbind makes itself ---------- */

/* HTTP.SYS's page for page, the logs, then close (HTTP.SYS closes after its errors). */
static void
conn_error(struct conn *c, enum respond_page page, const char *reason)
{
	int head_only = c->head != NULL && c->head->method != NULL &&
	    strcmp(c->head->method, "HEAD") == 0;

	if (c->xfer != NULL) {
		upstream_xfer_abort(c->xfer);
		upstream_xfer_free(c->xfer);
		c->xfer = NULL;
	}
	c->status = respond_page_status(page);
	if (respond_error(bufferevent_get_output(c->bev), page, c->cfg->server_header,
	    time(NULL), head_only) != 0) {
		conn_close(c, "out of memory");
		return;
	}
	conn_trace(c, "answered %d (HTTPERR reason %s), closing", c->status, reason);
	conn_log_httperr(c, c->status, reason);
	conn_log_request(c);
	conn_flush_close(c);
}

/* The verdict a client asking for host concludes about the certificate served. */
static void
conn_verdict(struct conn *c, const char *rawhost, char *why, size_t whylen)
{
	char host[BINDING_HOST_MAX];

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (c->proto != BINDING_HTTPS) {
		c->verdict = -1;
		return;
	}
	if (rawhost == NULL || binding_host_normalize(rawhost, host, sizeof(host)) != 0)
		host[0] = '\0';
	if (why == NULL && c->verdict >= 0 && strcmp(host, c->verdict_host) == 0)
		return;
	c->verdict = (int)certstore_verdict(c->hello.cert, host[0] ? host : NULL,
	    c->cfg->trust_store, time(NULL), why, whylen);
	snprintf(c->verdict_host, sizeof(c->verdict_host), "%s", host);
}

static void
conn_diag(struct conn *c, const struct route *r)
{
	struct respond_diag d;
	struct cert_choice choice;
	char binding[BINDING_HOST_MAX + 32], local[96], client[96], notafter[32], why[512];
	const char *accept = conn_header(c->head, "Accept");
	int json = accept != NULL && strcasestr(accept, "application/json") != NULL;
	int keep = c->req_keep && !c->req_has_body && !c->upgrade_req && !c->srv->stopping &&
	    !conn_peer_gone(c);
	int head_only = strcmp(c->head->method, "HEAD") == 0;
	SSL *ssl = c->proto == BINDING_HTTPS ? bufferevent_openssl_get_ssl(c->bev) : NULL;
	size_t i;

	memset(&d, 0, sizeof(d));
	binding_format(r->binding, binding, sizeof(binding));
	binding_ipport_format(&c->hello.local, c->hello.port, local, sizeof(local));
	if (strchr(c->peer_ip, ':') != NULL)
		snprintf(client, sizeof(client), "[%s]:%u", c->peer_ip, c->peer_port);
	else
		snprintf(client, sizeof(client), "%s:%u", c->peer_ip, c->peer_port);
	d.site = r->site->name;
	d.site_id = r->site->id;
	d.binding = binding;
	d.route_tier = binding_route_tier_name(r->tier);
	d.local = local;
	d.client = client;
	d.host = c->head->host;
	d.mode = conf_mode_name(c->cfg->mode);
	if (ssl != NULL) {
		const struct cert *cert = c->hello.cert;

		d.tls = 1;
		d.sni = c->hello.has_sni ? c->hello.sni : NULL;
		d.sni_used = c->hello.sni_used;
		memset(&choice, 0, sizeof(choice));
		(void)binding_resolve_cert(c->cfg, &c->hello.local, c->hello.port,
		    c->hello.has_sni ? c->hello.sni : NULL, &choice);
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
		conn_verdict(c, c->head->host, why, sizeof(why));
		d.verdict = conn_verdict_name(c);
		d.verdict_why = why;
		d.tls_version = SSL_get_version(ssl);
		d.tls_cipher = SSL_get_cipher_name(ssl);
	}
	if (respond_diag(bufferevent_get_output(c->bev), &d, json, c->cfg->server_header,
	    time(NULL), keep, head_only) != 0) {
		conn_close(c, "out of memory");
		return;
	}
	c->status = 200;
	c->resp_done = 1;
	c->resp_keep = keep;
	conn_trace(c, "answered the diagnostic page (%s)", json ? "JSON" : "HTML");
}

/* ---------- one request ---------- */

/* The request and its response are both done: log, then the next one or close. */
static void
conn_cycle_end(struct conn *c)
{
	conn_log_request(c);
	conn_trace(c, "request done: %d in %ld ms", c->status, conn_elapsed_ms(c));
	c->requests++;
	if (c->xfer != NULL) {
		upstream_xfer_free(c->xfer);
		c->xfer = NULL;
	}
	if (!c->resp_keep || c->srv->stopping || conn_peer_gone(c)) {
		conn_flush_close(c);
		return;
	}
	c->head = NULL;
	c->site = NULL;
	c->started = c->req_done = c->resp_done = c->status = 0;
	c->req_has_body = c->upgrade_req = 0;
	c->phase = PHASE_HEAD;
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	http_parser_resume(c->parser);
	conn_set_timer(c, c->cfg->idle_connection_timeout);
	if (!c->in_process)
		conn_process(c);
}

static void
conn_request_end(struct conn *c)
{
	struct timeval wr = { (time_t)c->cfg->idle_connection_timeout, 0 };

	c->req_done = 1;
	bufferevent_set_timeouts(c->bev, NULL, &wr);
	if (c->xfer != NULL && !c->upgrade_req)
		(void)upstream_xfer_body_end(c->xfer);
	if (c->resp_done) {
		conn_cycle_end(c);
		return;
	}
	if (c->phase == PHASE_BODY)
		c->phase = PHASE_WAIT;
}

static void
conn_request_head(struct conn *c)
{
	struct http_head *h = c->head;
	struct route r;
	struct http_forward fw;

	evtimer_del(c->timer);
	/* An HTTP/1.0 client keeps the connection only if told so in the response, which
	 * proxied heads do not say: answer HTTP/1.0 and close. */
	c->req_keep = h->keep_alive && !(h->version_major == 1 && h->version_minor == 0);
	c->req_has_body = h->chunked || h->content_length > 0;
	c->upgrade_req = h->upgrade;
	conn_trace(c, "request %s %s HTTP/%d.%d, Host %s", h->method, h->target,
	    h->version_major, h->version_minor, h->host != NULL ? h->host : "(none)");
	if (c->over_limit) {
		conn_error(c, PAGE_SERVICE_UNAVAILABLE, "ConnLimit");
		return;
	}
	memset(&r, 0, sizeof(r));
	if (binding_route(c->cfg, c->proto, &c->hello.local, c->hello.port, h->host,
	    h->version_minor == 0, &r) != 0) {
		conn_trace(c, "%s", r.explain);
		if (r.status == 503)
			c->site = r.site;
		conn_error(c, r.status == 503 ? PAGE_SERVICE_UNAVAILABLE : PAGE_INVALID_HOSTNAME,
		    r.reason != NULL ? r.reason : (r.status == 503 ? "Disabled" : "Hostname"));
		return;
	}
	c->site = r.site;
	conn_trace(c, "site \"%s\" (%s): %s", r.site->name, binding_route_tier_name(r.tier),
	    r.explain);
	if (c->proto == BINDING_HTTPS) {
		if (c->srv->trace) {
			char why[512];

			conn_verdict(c, h->host, why, sizeof(why));
			conn_trace(c, "verdict %s: %s", conn_verdict_name(c), why);
		} else {
			conn_verdict(c, h->host, NULL, 0);
		}
	}
	c->phase = PHASE_BODY;
	if (c->req_has_body) {
		struct timeval body = { (time_t)c->cfg->entity_body_timeout, 0 };
		struct timeval wr = { (time_t)c->cfg->idle_connection_timeout, 0 };

		bufferevent_set_timeouts(c->bev, &body, &wr);
	}
	if (r.site->backend == NULL) {
		conn_diag(c, &r);
		if (c->closed)
			return;
		if (!c->resp_keep) {
			conn_cycle_end(c);   /* logs, then flushes and closes */
			return;
		}
		http_parser_resume(c->parser);
		return;
	}
	fw.client_ip = c->peer_ip;
	fw.tls = c->proto == BINDING_HTTPS;
	fw.upgrade = h->upgrade;
	c->xfer = upstream_xfer_start(c->srv->pool, c, r.site, h, &fw);
	if (c->xfer == NULL) {
		conn_trace(c, "backend %s: cannot connect", r.site->backend);
		log_warnx("conn %llu: cannot start a connection to backend %s of site \"%s\"",
		    c->id, r.site->backend, r.site->name);
		conn_error(c, PAGE_SERVICE_UNAVAILABLE, "N/A");
		return;
	}
	http_parser_resume(c->parser);
}

static void
conn_parse_error(struct conn *c)
{
	const char *detail = NULL, *reason = NULL;
	enum http_error e = http_parser_error(c->parser, &detail);
	enum respond_page page = respond_page_for_error(e, &reason);

	conn_trace(c, "request refused: %s", detail != NULL ? detail : "parse error");
	if (c->xfer != NULL && upstream_xfer_status(c->xfer) != 0) {
		conn_close(c, "invalid request body after the response started");
		return;
	}
	conn_error(c, page, reason != NULL ? reason : "BadRequest");
}

/* ---------- parser callbacks ---------- */

static int
conn_on_head(void *arg, struct http_head *h)
{
	struct conn *c = arg;

	c->head = h;
	c->head_pending = 1;
	return 0;
}

static int
conn_on_body(void *arg, const char *data, size_t len)
{
	struct conn *c = arg;

	if (c->xfer == NULL)
		return 0;
	return upstream_xfer_body(c->xfer, data, len);
}

static int
conn_on_end(void *arg)
{
	struct conn *c = arg;

	c->end_pending = 1;
	return 0;
}

static const struct http_callbacks conn_callbacks = {
	.on_head = conn_on_head,
	.on_body = conn_on_body,
	.on_end = conn_on_end,
};

/* ---------- the input loop ---------- */

static void
conn_process_input(struct conn *c)
{
	struct evbuffer *in;

	for (;;) {
		struct evbuffer_iovec v;
		size_t used = 0, n;
		enum http_feed r;

		if (c->closed)
			return;
		if (c->head_pending) {
			c->head_pending = 0;
			conn_request_head(c);
			continue;
		}
		if (c->end_pending) {
			c->end_pending = 0;
			conn_request_end(c);
			continue;
		}
		in = bufferevent_get_input(c->bev);
		if (c->phase == PHASE_CLOSING || c->phase == PHASE_LINGER) {
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		}
		if (c->phase == PHASE_TUNNEL) {
			if (c->xfer != NULL && evbuffer_get_length(in) > 0) {
				upstream_xfer_tunnel_in(c->xfer, in);
				if (evbuffer_get_length(in) > 0) {
					c->body_paused = 1;
					bufferevent_disable(c->bev, EV_READ);
				}
			}
			return;
		}
		if (c->phase != PHASE_HEAD && c->phase != PHASE_BODY)
			return;
		if (c->body_paused)
			return;
		if (c->xfer != NULL && upstream_xfer_full(c->xfer)) {
			c->body_paused = 1;
			bufferevent_disable(c->bev, EV_READ);
			return;
		}
		if (evbuffer_get_length(in) == 0)
			return;
		if (c->phase == PHASE_HEAD && !c->started) {
			c->started = 1;
			clock_gettime(CLOCK_MONOTONIC, &c->t_start);
			if (c->requests > 0)
				conn_set_timer(c, c->cfg->header_wait_timeout);
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			return;
		n = v.iov_len < CONN_FEED_MAX ? v.iov_len : CONN_FEED_MAX;
		r = http_parser_feed(c->parser, v.iov_base, n, &used);
		evbuffer_drain(in, used);
		switch (r) {
		case HTTP_FEED_MORE:
		case HTTP_FEED_PAUSED:
			if (used == 0 && !c->head_pending && !c->end_pending)
				return;   /* paused with nothing to act on: wait for the response */
			break;
		case HTTP_FEED_UPGRADE:
			if (!c->head_pending && !c->end_pending)
				return;   /* the rest belongs to the tunnel, if the backend agrees */
			break;
		case HTTP_FEED_ERROR:
			if (c->head_pending || c->end_pending)
				break;    /* act on what came before the error first */
			conn_parse_error(c);
			return;
		}
	}
}

/* The client closed its side: finish what can be finished. */
static void
conn_check_eof(struct conn *c)
{
	switch (c->phase) {
	case PHASE_HANDSHAKE:
		conn_close(c, "client closed during the handshake");
		break;
	case PHASE_HEAD:
		if (http_parser_finish(c->parser) != 0 || evbuffer_get_length(
		    bufferevent_get_input(c->bev)) > 0)
			conn_close(c, "client closed inside a request head");
		else
			conn_close(c, "client closed");
		break;
	case PHASE_BODY:
		conn_close(c, "client closed inside a request body");
		break;
	case PHASE_TUNNEL:
		if (c->xfer != NULL)
			upstream_xfer_tunnel_eof(c->xfer);
		else
			conn_close(c, "tunnel closed");
		break;
	case PHASE_LINGER:
		conn_close(c, "response sent");
		break;
	case PHASE_WAIT:     /* the response finishes, then the connection closes */
	case PHASE_CLOSING:
		break;
	}
}

static void
conn_process(struct conn *c)
{
	if (c->in_process || c->closed)
		return;
	c->in_process = 1;
	conn_process_input(c);
	c->in_process = 0;
	if (!c->closed && c->peer_eof)
		conn_check_eof(c);
}

/* ---------- bufferevent callbacks ---------- */

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	conn_process(arg);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closed)
		return;
	if (c->phase == PHASE_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_linger(c);
		return;
	}
	if (c->phase == PHASE_LINGER)
		return;
	if (c->xfer != NULL)
		upstream_xfer_client_drained(c->xfer);
}

static void
conn_handshake_done(struct conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	const unsigned char *alpn = NULL;
	unsigned alpnlen = 0;

	c->phase = PHASE_HEAD;
	conn_set_timer(c, c->cfg->header_wait_timeout);
	if (c->srv->trace && ssl != NULL) {
		SSL_get0_alpn_selected(ssl, &alpn, &alpnlen);
		conn_trace(c, "handshake done: %s %s%s, ALPN %.*s", SSL_get_version(ssl),
		    SSL_get_cipher_name(ssl), SSL_session_reused(ssl) ? " (session resumed)" : "",
		    alpnlen > 0 ? (int)alpnlen : 4, alpnlen > 0 ? (const char *)alpn : "none");
	}
	conn_process(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (c->closed)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		conn_handshake_done(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		const char *reason = (what & BEV_EVENT_READING) ? "Timer_EntityBody" :
		    "Timer_MinBytesPerSecond";
		conn_log_httperr(c, 0, reason);
		conn_close(c, reason);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		if (c->phase == PHASE_HANDSHAKE) {
			unsigned long e;
			char buf[256] = "";

			while ((e = bufferevent_get_openssl_error(bev)) != 0)
				ERR_error_string_n(e, buf, sizeof(buf));
			ERR_clear_error();
			if (!c->hello.refused)
				log_debug("conn %llu: TLS handshake with %s failed: %s", c->id,
				    c->peer_ip, buf[0] ? buf : "connection closed");
			conn_close(c, c->hello.refused ? "no certificate" : "handshake failed");
			return;
		}
		ERR_clear_error();
		conn_close(c, c->phase == PHASE_LINGER ? "response sent" : "connection error");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		c->peer_eof = 1;
		conn_process(c);
	}
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	const char *reason;

	switch (c->phase) {
	case PHASE_HANDSHAKE:
		conn_close(c, "handshake timed out");
		return;
	case PHASE_HEAD:
		reason = (c->started || c->requests == 0) ? "Timer_HeaderWait" :
		    "Timer_ConnectionIdle";
		conn_log_httperr(c, 0, reason);
		conn_close(c, reason);
		return;
	case PHASE_LINGER:
		conn_close(c, "response sent");
		return;
	default:
		conn_close(c, "flush timed out");
		return;
	}
}

/* ---------- proxy callbacks (upstream.c) ---------- */

int
conn_proxy_keep(struct conn *c)
{
	return c->req_keep && c->req_done && !c->upgrade_req && !c->srv->stopping &&
	    !conn_peer_gone(c);
}

void
conn_proxy_head(struct conn *c, int status)
{
	c->status = status;
	conn_trace(c, "backend %s answered %d", upstream_xfer_backend(c->xfer), status);
}

void
conn_proxy_done(struct conn *c, int keep_alive)
{
	upstream_xfer_free(c->xfer);
	c->xfer = NULL;
	if (c->phase == PHASE_TUNNEL) {
		conn_flush_close(c);
		return;
	}
	c->resp_done = 1;
	c->resp_keep = keep_alive && c->req_done;
	if (c->req_done) {
		conn_cycle_end(c);
		return;
	}
	/* answered before the request ended: what is left of it is not read */
	conn_log_request(c);
	conn_flush_close(c);
}

void
conn_proxy_failed(struct conn *c, int page, const char *why)
{
	log_info("conn %llu: %s", c->id, why);
	conn_trace(c, "%s", why);
	upstream_xfer_free(c->xfer);
	c->xfer = NULL;
	if (page < 0) {
		conn_close(c, "backend failed after the response started");
		return;
	}
	conn_error(c, (enum respond_page)page, page == PAGE_SERVICE_UNAVAILABLE ? "N/A" :
	    page == PAGE_GATEWAY_TIMEOUT ? "Timer_AppPool" : "Connection_Abandoned_By_AppPool");
}

void
conn_proxy_resume(struct conn *c)
{
	if (c->closed || !c->body_paused)
		return;
	c->body_paused = 0;
	bufferevent_enable(c->bev, EV_READ);
	conn_process(c);
}

void
conn_proxy_upgraded(struct conn *c)
{
	c->phase = PHASE_TUNNEL;
	evtimer_del(c->timer);
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	conn_process(c);
}

/* ---------- accept ---------- */

int
conn_accept(struct conn_server *srv, evutil_socket_t fd, const struct sockaddr *peer,
    int peerlen, enum binding_proto proto)
{
	struct conn *c;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct binding_addr peer_addr;
	struct http_limits lim;
	char where[96];
	int on = 1;
	const struct conf *cfg = srv->cfg;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("accept: cannot allocate a connection");
		close(fd);
		return -1;
	}
	c->id = ++srv->next_id;
	c->srv = srv;
	c->cfg = cfg;
	c->proto = proto;
	c->verdict = -1;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	c->over_limit = cfg->max_connections > 0 && srv->nconns > cfg->max_connections;
	conn_addr_from(peer, &peer_addr, c->peer_ip, sizeof(c->peer_ip), &c->peer_port);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		log_warn("getsockname");
		close(fd);
		conn_close(c, "getsockname failed");
		return -1;
	}
	conn_addr_from((struct sockaddr *)&ss, &c->hello.local, c->local_ip, sizeof(c->local_ip),
	    &c->hello.port);
	c->hello.cfg = cfg;
	c->hello.narrate = conn_narrate_hello;
	c->hello.arg = c;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));

	lim.max_field_length = cfg->max_field_length;
	lim.max_request_bytes = cfg->max_request_bytes;
	lim.max_url_length = cfg->max_url_length;
	c->parser = http_parser_new(HTTP_PARSE_REQUEST, &lim, &conn_callbacks, c);
	c->timer = evtimer_new(srv->base, conn_timer_cb, c);
	if (c->parser == NULL || c->timer == NULL) {
		log_warnx("conn %llu: out of memory", c->id);
		close(fd);
		conn_close(c, "out of memory");
		return -1;
	}
	http_parser_pause_after_head(c->parser, 1);
	if (proto == BINDING_HTTPS) {
		SSL *ssl = tlsctx_ssl_new(srv->tls, &c->hello);

		if (ssl == NULL) {
			close(fd);
			conn_close(c, "no SSL object");
			return -1;
		}
		/* owns ssl and fd from here, also when it fails */
		c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		c->phase = PHASE_HANDSHAKE;
	} else {
		c->bev = bufferevent_socket_new(srv->base, fd,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (c->bev == NULL)
			close(fd);
		c->phase = PHASE_HEAD;
	}
	if (c->bev == NULL) {
		log_warnx("conn %llu: cannot create a bufferevent", c->id);
		conn_close(c, "out of memory");
		return -1;
	}
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_HIGH_WATER);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONN_LOW_WATER, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	conn_set_timer(c, proto == BINDING_HTTPS ? cfg->handshake_timeout : cfg->header_wait_timeout);
	if (srv->trace) {
		binding_ipport_format(&c->hello.local, c->hello.port, where, sizeof(where));
		conn_trace(c, "accepted on %s (%s) from %s:%u%s", where,
		    proto == BINDING_HTTPS ? "https" : "http", c->peer_ip, c->peer_port,
		    c->over_limit ? ", beyond max_connections" : "");
	}
	return 0;
}

void
conn_stop_idle(struct conn_server *srv)
{
	struct conn *c, *next;

	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->phase == PHASE_HANDSHAKE || c->phase == PHASE_TUNNEL ||
		    (c->phase == PHASE_HEAD && !c->started))
			conn_close(c, "shutting down");
	}
}

void
conn_close_all(struct conn_server *srv)
{
	while (srv->conns != NULL)
		conn_close(srv->conns, "daemon stopped");
}
