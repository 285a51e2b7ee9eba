/*
 * conn — one client connection from accept to close.  Owns: the client bufferevent
 * (plain or OpenSSL), the request parser, the phase timers (handshake, header wait,
 * idle, flush), routing each request head (§1.2) and the verdict (§1.3), the responses
 * sysbind makes itself (HTTP.SYS pages, the diagnostic page), keep-alive and pipelining
 * (one request at a time, answered in order), the access/HTTPERR lines and the trace.
 * The backend exchange is upstream.c's.  Teardown has one path, conn_close: sockets and
 * the backend connection go at once, memory on the loop's next pass, so a close from deep
 * inside a callback never frees what the caller still uses.
 *
 * Why a connection ends is always written down: HTTPERR where HTTP.SYS writes a line
 * (its own answers; Timer_HeaderWait, Timer_ConnectionIdle (also a TLS handshake that
 * never finishes), Timer_EntityBody, Timer_MinBytesPerSecond; Connection_Dropped for a
 * client gone inside its body; a backend failing as an application pool would:
 * N/A for 503, Timer_AppPool for 504, Connection_Abandoned_By_AppPool for 502 or a
 * response cut short), and the request's W3C line otherwise, its sc-win32-status
 * saying why (64 reset, 121 timer, 13 invalid response, 1225 refused).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
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
#include <event2/bufferevent_struct.h>
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
#include "sendrate.h"
#include "tlsctx.h"
#include "trace.h"
#include "upstream.h"

static atomic_ullong conn_ids;

#define CONN_FEED_MAX      (64 * 1024)
#define CONN_LINGER_SECONDS 2

/* sc-win32-status values IIS writes for requests that did not end normally. */
#define WIN32_NETNAME_DELETED      64    /* the other side reset or vanished */
#define WIN32_SEM_TIMEOUT          121   /* a timer expired */
#define WIN32_CONNECTION_REFUSED   1225
#define WIN32_CONNECTION_ABORTED   1236  /* sysbind aborted the connection */
#define WIN32_INVALID_DATA         13    /* the backend's response was invalid */

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
	char                 *verdict_host;  /* its own allocation: most hosts are short */
	int                   verdict;  /* enum cert_verdict, -1: none */
	/* min_send_rate: the send being timed (see sendrate.h) */
	struct event         *rate_ev;
	struct sendrate       rate;
	struct timeval        out_since;   /* when the output last became non-empty */
	int                   win32;    /* sc-win32-status of the request's W3C line */
	int                   logged;   /* the request's W3C line is written */
	/* conn_flush: the output was empty when bytes were added at flush_tv (the loop's
	 * cached time), so the bufferevent has no SSL_write of its own waiting to be retried */
	int                   flush_fresh;
	struct timeval        flush_tv;
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

	if (c->srv->access == NULL || c->site == NULL || c->head == NULL || c->logged)
		return;
	c->logged = 1;
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
	e.win32_status = c->win32;
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

/*
 * sysbind cuts the connection with a request in progress (a timer, a backend that failed
 * after the response started): the HTTPERR line HTTP.SYS writes for it, and the request's
 * W3C line when a response had started, its sc-win32-status saying why.
 */
static void
conn_log_abort(struct conn *c, const char *reason, int win32)
{
	conn_log_httperr(c, 0, reason);
	if (c->status != 0) {
		c->win32 = win32;
		conn_log_request(c);
	}
}

/* The client write timeout: none while min_send_rate measures slow readers (HTTP.SYS's
 * way); with min_send_rate = 0, a client that takes nothing for idle_connection_timeout. */
static const struct timeval *
conn_write_timeout(const struct conn *c, struct timeval *tv)
{
	if (c->cfg->min_send_rate > 0)
		return NULL;
	tv->tv_sec = (time_t)c->cfg->idle_connection_timeout;
	tv->tv_usec = 0;
	return tv;
}

/*
 * min_send_rate (HTTP.SYS MinSendRate), timed on what the client acknowledged (see
 * sendrate.h).  A send is timed from the moment bytes wait for the client: when a write
 * left part of the output behind, bytes are added to an output that has been waiting
 * since an earlier loop iteration (the socket took nothing), or the output reaches the
 * high-water mark that stops the backend.  A response the kernel takes whole in one go is
 * never timed here (no system call on that path): the idle and keep-alive timers cover a
 * client that then reads nothing.
 */
static void
conn_rate_begin(struct conn *c)
{
	uint64_t acked, queued, pending;
	unsigned long ms;
	struct timeval tv;

	if (c->rate_ev == NULL || c->rate.active || c->closed || c->bev == NULL)
		return;
	if (sendrate_socket(bufferevent_getfd(c->bev), &acked, &queued) != 0) {
		log_debug("conn %llu: cannot read the socket's TCP_INFO: %s", c->id,
		    strerror(errno));
		return;
	}
	pending = evbuffer_get_length(bufferevent_get_output(c->bev)) + queued;
	if (pending == 0)
		return;
	ms = sendrate_start(&c->rate, acked, pending, c->cfg->min_send_rate);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(c->rate_ev, &tv);
}

static void
conn_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	uint64_t acked, queued, base = c->rate.base, need = c->rate.need;
	unsigned long ms = 0;
	struct timeval tv;

	if (c->closed || c->bev == NULL || !c->rate.active)
		return;
	if (sendrate_socket(bufferevent_getfd(c->bev), &acked, &queued) != 0) {
		c->rate.active = 0;
		return;
	}
	switch (sendrate_check(&c->rate, acked, evbuffer_get_length(
	    bufferevent_get_output(c->bev)) + queued, c->cfg->min_send_rate, &ms)) {
	case SENDRATE_IDLE:
		return;
	case SENDRATE_NEXT:
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		evtimer_add(c->rate_ev, &tv);
		return;
	case SENDRATE_CUT:
		break;
	}
	conn_trace(c, "the client acknowledged %llu of the %llu bytes it had to take in %lu ms "
	    "(min_send_rate %lu bytes/s)", (unsigned long long)(acked > base ? acked - base : 0),
	    (unsigned long long)need, sendrate_window_ms(need, c->cfg->min_send_rate),
	    c->cfg->min_send_rate);
	conn_log_abort(c, "Timer_MinBytesPerSecond", WIN32_SEM_TIMEOUT);
	conn_close(c, "Timer_MinBytesPerSecond");
}

/* Every change to the client's output: min_send_rate's timing, and a busy tunnel kept
 * from its idle timeout. */
static void
conn_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	struct timeval now;

	if (c->closed)
		return;
	if (info->n_deleted > 0 && evbuffer_get_length(buf) > 0)
		conn_rate_begin(c);   /* a write left bytes behind */
	if (info->n_added == 0)
		return;
	if (evbuffer_get_length(buf) >= CONN_HIGH_WATER && info->orig_size < CONN_HIGH_WATER)
		conn_rate_begin(c);   /* the backend stops here until the client takes some */
	event_base_gettimeofday_cached(c->srv->base, &now);
	if (info->orig_size == 0) {
		c->flush_fresh = 1;
		c->flush_tv = now;
		c->out_since = now;
	} else if (timercmp(&now, &c->out_since, !=)) {
		conn_rate_begin(c);   /* bytes have waited since an earlier iteration */
	}
	if (c->phase == PHASE_TUNNEL)
		conn_set_timer(c, c->cfg->websocket_idle_timeout);
}

/*
 * An orderly end of a TLS connection: TLS close_notify (RFC 8446 §6.1), so that the
 * client can tell a complete close-delimited response from one cut short.  Called only
 * when everything queued was written; never on a truncation.
 */
static void
conn_tls_goodbye(struct conn *c)
{
	SSL *ssl;

	if (c->proto != BINDING_HTTPS || c->bev == NULL || c->phase == PHASE_HANDSHAKE ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0 ||
	    (ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL || !SSL_is_init_finished(ssl))
		return;
	ERR_clear_error();
	(void)SSL_shutdown(ssl);   /* sends close_notify; the peer's reply ends the linger */
	ERR_clear_error();
}

/* ---------- the trace of the TLS decision ---------- */

static void
conn_narrate_hello(void *arg, const struct tlsctx_hello *h, const struct cert_choice *choice)
{
	struct conn *c = arg;

	trace_hello(c->srv->trace, c->id, c->cfg->mode, h, choice);
}

/* ---------- close ---------- */

static void
conn_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	upstream_xfer_free(c->xfer);
	http_parser_free(c->parser);
	if (c->rate_ev != NULL)
		event_free(c->rate_ev);
	event_free(c->timer);
	free(c->verdict_host);
	free(c);
}

void
conn_close(struct conn *c, const char *why)
{
	if (c == NULL || c->closed)
		return;
	c->closed = 1;
	trace_closed(c->srv->trace, c->id, why, c->proto == BINDING_HTTPS ? &c->hello : NULL,
	    c->requests);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->srv->nconns--;
	if (c->srv->shared_nconns != NULL)
		__atomic_sub_fetch(c->srv->shared_nconns, 1, __ATOMIC_RELAXED);
	if (c->phase == PHASE_TUNNEL)
		conn_log_request(c);   /* the 101's line, with the tunnel's whole time */
	if (c->xfer != NULL)
		upstream_xfer_abort(c->xfer);
	if (c->rate_ev != NULL)
		event_del(c->rate_ev);
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
		conn_tls_goodbye(c);
		conn_close(c, "response sent");
		return;
	}
	conn_tls_goodbye(c);
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
	/* The rest of the response is the client's to take: at min_send_rate, or with
	 * min_send_rate = 0 within idle_connection_timeout of each write (bufferevent). */
	conn_set_timer(c, 0);
	if (c->rate_ev != NULL) {
		conn_rate_begin(c);
		if (!c->rate.active)
			conn_set_timer(c, c->cfg->idle_connection_timeout);
	} else {
		struct timeval wr;

		bufferevent_set_timeouts(c->bev, NULL, conn_write_timeout(c, &wr));
	}
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
	trace_error(c->srv->trace, c->id, c->status, reason);
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
	if (why == NULL && c->verdict >= 0 && c->verdict_host != NULL &&
	    strcmp(host, c->verdict_host) == 0)
		return;
	c->verdict = (int)certstore_verdict(c->hello.cert, host[0] ? host : NULL,
	    c->cfg->trust_store, time(NULL), why, whylen);
	if (c->verdict_host == NULL || strcmp(host, c->verdict_host) != 0) {
		free(c->verdict_host);
		c->verdict_host = strdup(host);   /* NULL: the next request decides again */
	}
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
	    !c->srv->retired && !conn_peer_gone(c);
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
	trace_diag(c->srv->trace, c->id, json);
}

/* ---------- one request ---------- */

/* The request and its response are both done: log, then the next one or close. */
static void
conn_cycle_end(struct conn *c)
{
	conn_log_request(c);
	trace_done(c->srv->trace, c->id, c->status, conn_elapsed_ms(c));
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
	c->logged = c->win32 = 0;
	c->phase = PHASE_HEAD;
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	http_parser_resume(c->parser);
	conn_set_timer(c, c->cfg->idle_connection_timeout);
	if (!c->in_process)
		conn_process(c);
	/* nothing of a next request yet: an idle connection keeps no parser buffers */
	if (!c->closed && c->phase == PHASE_HEAD && !c->started)
		http_parser_trim(c->parser);
}

static void
conn_request_end(struct conn *c)
{
	struct timeval wr;

	c->req_done = 1;
	bufferevent_set_timeouts(c->bev, NULL, conn_write_timeout(c, &wr));
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
	trace_request(c->srv->trace, c->id, c->proto, h->method, h->target, h->version_major,
	    h->version_minor, h->host);
	if (c->over_limit) {
		conn_error(c, PAGE_SERVICE_UNAVAILABLE, "ConnLimit");
		return;
	}
	memset(&r, 0, sizeof(r));
	if (binding_route(c->cfg, c->proto, &c->hello.local, c->hello.port, h->host,
	    h->version_minor == 0, &r) != 0) {
		trace_route(c->srv->trace, c->id, &r, 0);
		if (r.status == 503)
			c->site = r.site;
		conn_error(c, r.status == 503 ? PAGE_SERVICE_UNAVAILABLE : PAGE_INVALID_HOSTNAME,
		    r.reason != NULL ? r.reason : (r.status == 503 ? "Disabled" : "Hostname"));
		return;
	}
	c->site = r.site;
	trace_route(c->srv->trace, c->id, &r, 1);
	if (c->proto == BINDING_HTTPS) {
		if (c->srv->trace) {
			char why[512];

			conn_verdict(c, h->host, why, sizeof(why));
			trace_verdict(1, c->id, (enum cert_verdict)c->verdict, why,
			    c->verdict_host != NULL ? c->verdict_host : "",
			    c->hello.cert);
		} else {
			conn_verdict(c, h->host, NULL, 0);
		}
	}
	c->phase = PHASE_BODY;
	if (c->req_has_body) {
		struct timeval body = { (time_t)c->cfg->entity_body_timeout, 0 };
		struct timeval wr;

		bufferevent_set_timeouts(c->bev, &body, conn_write_timeout(c, &wr));
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
		trace_note(c->srv->trace, c->id, "backend %s: cannot connect", r.site->backend);
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

	trace_refused(c->srv->trace, c->id, detail);
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
			if (evbuffer_get_length(in) > 0)
				conn_set_timer(c, c->cfg->websocket_idle_timeout);
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
		else {
			conn_tls_goodbye(c);
			conn_close(c, "client closed");
		}
		break;
	case PHASE_BODY:
		/* HTTP.SYS: the connection went before the final response was sent */
		conn_log_httperr(c, 0, "Connection_Dropped");
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
		/* except over TLS: bufferevent_openssl stops writing at EOF, so nothing more
		 * would ever be sent and a paused backend would hold the connection forever */
		if (c->proto == BINDING_HTTPS)
			conn_close(c, "client closed before the response was sent");
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
		trace_handshake_done(1, c->id, SSL_get_version(ssl), SSL_get_cipher_name(ssl),
		    SSL_session_reused(ssl), (const char *)alpn, alpnlen);
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
		/* reading: the body stalled; writing (only with min_send_rate = 0): the client
		 * took nothing for idle_connection_timeout */
		const char *reason = (what & BEV_EVENT_READING) ? "Timer_EntityBody" :
		    "Timer_ConnectionIdle";
		conn_log_abort(c, reason, WIN32_SEM_TIMEOUT);
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
		/* no request yet: to HTTP.SYS an idle connection */
		conn_log_httperr(c, 0, "Timer_ConnectionIdle");
		conn_close(c, "handshake timed out");
		return;
	case PHASE_HEAD:
		reason = (c->started || c->requests == 0) ? "Timer_HeaderWait" :
		    "Timer_ConnectionIdle";
		conn_log_httperr(c, 0, reason);
		if (!c->started)
			conn_tls_goodbye(c);   /* idle between requests: an orderly end */
		conn_close(c, reason);
		return;
	case PHASE_LINGER:
		conn_close(c, "response sent");
		return;
	case PHASE_TUNNEL:
		c->win32 = WIN32_SEM_TIMEOUT;   /* the W3C line of the 101 says why */
		conn_close(c, "tunnel idle for websocket_idle_timeout");
		return;
	default:
		/* the output did not drain within idle_connection_timeout (min_send_rate on,
		 * but the socket could not be timed) */
		conn_log_abort(c, "Timer_ConnectionIdle", WIN32_SEM_TIMEOUT);
		conn_close(c, "flush timed out");
		return;
	}
}

/* ---------- proxy callbacks (upstream.c) ---------- */

int
conn_proxy_keep(struct conn *c)
{
	return c->req_keep && c->req_done && !c->upgrade_req && !c->srv->stopping &&
	    !c->srv->retired && !conn_peer_gone(c);
}

void
conn_proxy_head(struct conn *c, int status)
{
	c->status = status;
	trace_backend(c->srv->trace, c->id, upstream_xfer_backend(c->xfer), status);
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
	trace_note(c->srv->trace, c->id, "%s", why);
	int cause = page < -1 ? -page : page;
	int win32 = cause == PAGE_SERVICE_UNAVAILABLE ? WIN32_CONNECTION_REFUSED :
	    cause == PAGE_GATEWAY_TIMEOUT ? WIN32_SEM_TIMEOUT :
	    strstr(why, "invalid response") != NULL ? WIN32_INVALID_DATA : WIN32_NETNAME_DELETED;
	/* HTTPERR reasons of an IIS application pool (sysbind's backend plays one): 503 as
	 * a pool that cannot serve (N/A), 504 as a request the pool held too long
	 * (Timer_AppPool), 502 and a cut response as a pool that let go of the request
	 * (Connection_Abandoned_By_AppPool).  The _ReqQueue spellings are for request
	 * queues that are not IIS application pools. */
	const char *reason = cause == PAGE_SERVICE_UNAVAILABLE ? "N/A" :
	    cause == PAGE_GATEWAY_TIMEOUT ? "Timer_AppPool" : "Connection_Abandoned_By_AppPool";

	upstream_xfer_free(c->xfer);
	c->xfer = NULL;
	if (page < 0) {
		conn_log_abort(c, reason, win32);
		conn_close(c, "backend failed after the response started");
		return;
	}
	c->win32 = win32;
	conn_error(c, (enum respond_page)page, reason);
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

/* Largest response queue conn_flush writes itself: what the bufferevent's own SSL_write
 * retry would offer again (its write size without rate limits), so a write OpenSSL asks
 * to retry is retried with at least the same bytes. */
#define CONN_FLUSH_MAX 16384

void
conn_flush(struct conn *c)
{
	struct evbuffer *out;
	struct timeval now;
	size_t len;
	SSL *ssl;
	int r;

	if (c == NULL || c->closed || c->bev == NULL || c->proto != BINDING_HTTPS ||
	    !c->flush_fresh || c->phase == PHASE_HANDSHAKE)
		return;
	c->flush_fresh = 0;
	event_base_gettimeofday_cached(c->srv->base, &now);
	out = bufferevent_get_output(c->bev);
	len = evbuffer_get_length(out);
	if (timercmp(&now, &c->flush_tv, !=) || len == 0 || len > CONN_FLUSH_MAX ||
	    !(bufferevent_get_enabled(c->bev) & EV_WRITE) ||
	    (ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL || !SSL_is_init_finished(ssl))
		return;
	ERR_clear_error();
	r = SSL_write(ssl, evbuffer_pullup(out, -1), (int)len);
	if (r <= 0) {
		/* the bufferevent writes when the socket is writable and meets any error
		 * itself; it retries from the same (pulled-up) bytes */
		ERR_clear_error();
		return;
	}
	evbuffer_drain(out, (size_t)r);
	if (evbuffer_get_length(out) == 0)
		event_del(&c->bev->ev_write);   /* as the bufferevent does once all is written */
	bufferevent_trigger(c->bev, EV_WRITE, 0);
}

void
conn_proxy_upgraded(struct conn *c)
{
	c->phase = PHASE_TUNNEL;
	conn_set_timer(c, c->cfg->websocket_idle_timeout);
	/* min_send_rate keeps timing the tunnel's bytes to the client, as a response's */
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
	unsigned long total;
	const struct conf *cfg = srv->cfg;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("accept: cannot allocate a connection");
		close(fd);
		return -1;
	}
	/* Process-wide, so a connection's trace lines share an id whichever worker runs it. */
	c->id = atomic_fetch_add_explicit(&conn_ids, 1, memory_order_relaxed) + 1;
	c->srv = srv;
	c->cfg = cfg;
	c->proto = proto;
	c->verdict = -1;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	/* max_connections counts every worker's connections, old generations' included */
	total = srv->shared_nconns != NULL ?
	    __atomic_add_fetch(srv->shared_nconns, 1, __ATOMIC_RELAXED) : srv->nconns;
	c->over_limit = cfg->max_connections > 0 && total > cfg->max_connections;
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
	if (cfg->min_send_rate > 0)
		c->rate_ev = evtimer_new(srv->base, conn_rate_cb, c);
	if (c->parser == NULL || c->timer == NULL ||
	    (cfg->min_send_rate > 0 && c->rate_ev == NULL)) {
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
	evbuffer_add_cb(bufferevent_get_output(c->bev), conn_output_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_HIGH_WATER);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONN_LOW_WATER, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	conn_set_timer(c, proto == BINDING_HTTPS ? cfg->handshake_timeout : cfg->header_wait_timeout);
	if (srv->trace) {
		binding_ipport_format(&c->hello.local, c->hello.port, where, sizeof(where));
		trace_accept(1, c->id, proto, where, c->peer_ip, c->peer_port, c->over_limit);
	}
	return 0;
}

void
conn_stop_idle(struct conn_server *srv)
{
	struct conn *c, *next;

	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->phase == PHASE_HEAD && !c->started) {
			conn_tls_goodbye(c);
			conn_close(c, "shutting down");
		} else if (c->phase == PHASE_HANDSHAKE || c->phase == PHASE_TUNNEL) {
			conn_close(c, "shutting down");
		}
	}
}

void
conn_close_all(struct conn_server *srv)
{
	while (srv->conns != NULL)
		conn_close(srv->conns, "daemon stopped");
}
