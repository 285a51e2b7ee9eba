/*
 * h1 — the HTTP/1.1 framing of a connection: request heads and bodies through the http
 * parser (HTTP.SYS's limits; the framing's state made at the connection's first byte),
 * one exchange at a time (created at a request's first byte,
 * freed when the next one starts or with the connection), responses framed for the
 * client (hop-by-hop fields removed, chunked or close-delimited, Connection: close when
 * the connection ends), trailer sections both ways (a chunked request's to the exchange,
 * a backend's as the last chunk of a chunked response; an HTTP/1.0 client's response is
 * not chunked and carries none), keep-alive, pipelined requests answered in order, the 101 tunnel,
 * and the HTTP.SYS timers that belong to requests: header wait, idle, entity body, the
 * tunnel's idle timeout.  The socket, TLS and the output are the transport's (conn.c).
 *
 * Why a connection ends is always written down: HTTPERR where HTTP.SYS writes a line
 * (its own answers; Timer_HeaderWait, Timer_ConnectionIdle, Timer_EntityBody,
 * Connection_Dropped for a client gone inside its body), and the request's W3C line
 * otherwise (exchange.c).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "model/conf.h"
#include "core/conn.h"
#include "core/h1.h"
#include "core/exchange.h"
#include "model/http.h"
#include "base/iobuf.h"
#include "base/log.h"
#include "model/respond.h"
#include "core/stats.h"

/*
 * The states, changed only by h1_state, which asserts the edge:
 *   IDLE -> HEAD -> BODY -> WAIT -> IDLE      one request, keep-alive
 *   BODY / WAIT -> TUNNEL                     after a 101
 *   any -> DONE                               no more requests
 */
enum h1_state {
	H1_IDLE = 0,  /* between requests: nothing of the next one yet */
	H1_HEAD,      /* reading a request head */
	H1_BODY,      /* head handled; its body is read and forwarded */
	H1_WAIT,      /* request complete; the response is under way */
	H1_TUNNEL,    /* after a 101: bytes both ways */
	H1_DONE,      /* no more requests: the transport finishes the connection */
};

struct h1 {
	struct conn          *c;
	struct exchange_conn *info;
	struct http_parser   *parser;
	struct exchange      *x;        /* the current exchange */
	struct http_head     *head;     /* its head, from the parser */
	enum h1_state         state;
	size_t                moved;    /* input bytes the body's moved blocks took */
	unsigned              head_pending : 1, end_pending : 1, req_keep : 1,
	                      req_bodyless : 1, req_done : 1, resp_done : 1, resp_keep : 1,
	                      resp_paused : 1, req_paused : 1, chunked_out : 1, http10 : 1,
	                      in_input : 1, last_chunk : 1,   /* sent, with the trailers */
	                      drain_wait : 1;   /* idle, answers still going out (h1_timeout) */
};

static void h1_input(struct conn *c, void *arg);
static void h1_input_end(struct conn *c, void *arg);
static const struct http_callbacks h1_callbacks;

static const char *const h1_state_names[] = {
	"idle", "head", "body", "wait", "tunnel", "done",
};

/* The one place the state changes: the edge is checked against the order above.  The
 * idle-connection gauge (stats.h) follows the edges into and out of IDLE where they are
 * taken (h1_start, h1_input_loop, the end of a response, h1_done, h1_free), not here: a
 * larger h1_state is no longer inlined, which costs each request more than the count. */
static void
h1_state(struct h1 *h, enum h1_state to)
{
	static const unsigned char allowed[6][6] = {
		/*            IDLE HEAD BODY WAIT TUNNEL DONE */
		/* IDLE */   { 0,   1,   0,   0,   0,     1 },
		/* HEAD */   { 0,   0,   1,   0,   0,     1 },
		/* BODY */   { 0,   0,   0,   1,   1,     1 },
		/* WAIT */   { 1,   0,   0,   0,   1,     1 },
		/* TUNNEL */ { 0,   0,   0,   0,   0,     1 },
		/* DONE */   { 0,   0,   0,   0,   0,     0 },
	};

	if (h->state == to)
		return;
	assert(allowed[h->state][to]);
	if (!allowed[h->state][to]) {
		log_warnx("conn %llu: HTTP/1.1 %s -> %s is not allowed", h->info->id,
		    h1_state_names[h->state], h1_state_names[to]);
		return;
	}
	h->state = to;
}

/* The request parser, made at a request's first byte (an idle connection holds none). */
static int
h1_parser(struct h1 *h)
{
	const struct conf *cfg = h->info->cfg;
	struct http_limits lim;

	if (h->parser != NULL)
		return 0;
	lim.max_field_length = cfg->max_field_length;
	lim.max_request_bytes = cfg->max_request_bytes;
	lim.max_url_length = cfg->max_url_length;
	if ((h->parser = http_parser_new(HTTP_PARSE_REQUEST, &lim, &h1_callbacks, h)) == NULL)
		return -1;
	http_parser_pause_after_head(h->parser, 1);
	return 0;
}

/* Whether the connection may carry another request after the response starting now. */
static int
h1_keep_ok(const struct h1 *h)
{
	const struct conn_server *srv = h->info->srv;

	return h->req_keep && (h->req_done || h->req_bodyless) && !srv->stopping &&
	    !srv->retired && !conn_peer_gone(h->c) && (h->head == NULL || !h->head->upgrade);
}

/* No more requests on this connection: the transport writes what is queued and closes. */
static void
h1_done(struct h1 *h)
{
	if (h->state == H1_IDLE)   /* the idle gauge (see h1_state) */
		stats_gauge(&stats_self.conns_idle[STATS_H1], -1);
	h1_state(h, H1_DONE);
	conn_finish(h->c);
}

/* ---------- the exchange's side (exchange_ops) ---------- */

static int
h1_x_head(void *arg, struct exchange *x, const struct http_head *resp, int bodiless)
{
	struct h1 *h = arg;

	if (conn_closed(h->c))
		return -1;
	if (resp->status / 100 == 1 && resp->status != 101) {
		/* 100 Continue and friends: an HTTP/1.0 client knows nothing of them */
		if (h->http10)
			return 0;
		if (http_response_head(resp, 0, 1, conn_out(h->c)) != 0)
			return -1;
		conn_send(h->c);
		return 0;
	}
	h->resp_keep = h1_keep_ok(h);
	h->chunked_out = h->last_chunk = 0;
	if (resp->status == 101) {
		h->resp_keep = 0;
	} else if (!bodiless && (resp->chunked || resp->content_length < 0)) {
		/* chunked stays chunked; a close-delimited body becomes chunked for HTTP/1.1 so
		 * the connection survives it; HTTP/1.0 gets it close-delimited */
		if (h->http10)
			h->resp_keep = 0;
		else
			h->chunked_out = 1;
	}
	if (http_response_head(resp, h->chunked_out, resp->status == 101 ? 1 : h->resp_keep,
	    conn_out(h->c)) != 0)
		return -1;
	conn_send(h->c);
	return 0;
}

static int
h1_x_page(void *arg, struct exchange *x, const struct respond_msg *m, int close)
{
	struct h1 *h = arg;
	struct evbuffer *tmp;
	int rc;

	if (conn_closed(h->c))
		return -1;
	h->resp_keep = !close && h1_keep_ok(h);
	h->chunked_out = 0;
	if ((tmp = evbuffer_new()) == NULL)
		return -1;
	rc = respond_msg_write(m, !h->resp_keep, tmp);
	if (rc == 0)
		rc = iobuf_add(conn_out(h->c), evbuffer_pullup(tmp, -1), evbuffer_get_length(tmp));
	evbuffer_free(tmp);
	if (rc == 0)
		conn_send(h->c);
	return rc;
}

static int
h1_x_body(void *arg, struct exchange *x, const char *data, size_t len)
{
	struct h1 *h = arg;
	int rc;

	if (conn_closed(h->c))
		return -1;
	rc = h->chunked_out ? http_chunk_add(conn_out(h->c), data, len) :
	    iobuf_add(conn_out(h->c), data, len);
	if (rc != 0)
		return -1;
	if (h->state == H1_TUNNEL)
		conn_deadline(h->c, h->info->cfg->websocket_idle_timeout);
	conn_send(h->c);
	return conn_closed(h->c) ? -1 : 0;
}

/* The client's queue, when the body goes into it as it is (h1_x_body's iobuf_add takes
 * bytes read into its room without a copy): not chunked, not a tunnel. */
static struct iobuf *
h1_x_room(void *arg, struct exchange *x)
{
	struct h1 *h = arg;

	return conn_closed(h->c) || h->chunked_out || h->state == H1_TUNNEL ? NULL :
	    conn_out(h->c);
}

/* The backend's trailer section: the last chunk carries it, filtered (http.c); a response
 * that is not chunked for this client (HTTP/1.0: close-delimited) has no place for it. */
static int
h1_x_trailers(void *arg, struct exchange *x, const struct http_fields *t)
{
	struct h1 *h = arg;

	if (conn_closed(h->c))
		return -1;
	if (!h->chunked_out || h->last_chunk)
		return 1;
	if (http_last_chunk_add(conn_out(h->c), t, NULL) != 0)
		return -1;
	/* (->end follows at once: the backend's message is complete) */
	h->last_chunk = 1;
	conn_send(h->c);
	return conn_closed(h->c) ? -1 : 0;
}

static void
h1_x_end(void *arg, struct exchange *x, enum exchange_end how)
{
	struct h1 *h = arg;

	if (conn_closed(h->c))
		return;
	if (how == EXCHANGE_END_CUT) {
		/* never make a cut response look complete: no close_notify, no last chunk */
		conn_abort(h->c, "the response was cut short");
		return;
	}
	if (h->chunked_out && !h->last_chunk && http_chunk_add(conn_out(h->c), NULL, 0) != 0) {
		conn_abort(h->c, "out of memory");
		return;
	}
	h->resp_done = 1;
	conn_send(h->c);
	conn_later(h->c);   /* the next request, or the end: once this pass is over */
}

static int
h1_x_full(void *arg, struct exchange *x)
{
	struct h1 *h = arg;

	if (iobuf_len(conn_out(h->c)) < CONN_HIGH_WATER)
		return 0;
	h->resp_paused = 1;
	return 1;
}

static void
h1_x_pause_request(void *arg, struct exchange *x, int on)
{
	struct h1 *h = arg;

	h->req_paused = on ? 1 : 0;
	if (!on)
		conn_reading(h->c, 1);   /* hands over what waits */
}

static void
h1_x_upgraded(void *arg, struct exchange *x)
{
	struct h1 *h = arg;

	h1_state(h, H1_TUNNEL);
	conn_deadline(h->c, h->info->cfg->websocket_idle_timeout);
	conn_reading(h->c, 1);
}

/* Ask for the client's certificate: a renegotiation inside the connection (HTTP.SYS's
 * HttpReceiveClientCertificate); h1_client_cert follows. */
static int
h1_x_client_cert(void *arg, struct exchange *x, const STACK_OF(X509_NAME) *ca)
{
	struct h1 *h = arg;

	return conn_client_cert(h->c, ca);
}

static void
h1_x_reset(void *arg, struct exchange *x, enum exchange_reset how)
{
	struct h1 *h = arg;

	h1_state(h, H1_DONE);
	conn_reset(h->c, how == EXCHANGE_RESET_POOL ? "the application pool cannot take the "
	    "request (load_balancer = tcp, or verbosity = basic)" :
	    "a client certificate wanted after a TLS 1.3 handshake");
}

static const struct exchange_ops h1_x_ops = {
	.head = h1_x_head,
	.page = h1_x_page,
	.body = h1_x_body,
	.room = h1_x_room,
	.trailers = h1_x_trailers,
	.end = h1_x_end,
	.full = h1_x_full,
	.pause_request = h1_x_pause_request,
	.upgraded = h1_x_upgraded,
	.client_cert = h1_x_client_cert,
	.reset = h1_x_reset,
};

/* ---------- one request ---------- */

/* The response ended (and, for keep-alive, the request): the next request, or the end. */
static void
h1_cycle_end(struct h1 *h)
{
	if (!h->resp_done || h->state == H1_DONE)
		return;
	h->info->requests++;
	if (h->state == H1_TUNNEL || !h->req_done || !h->resp_keep || h->info->srv->stopping ||
	    conn_peer_gone(h->c)) {
		/* answered before the request ended: what is left of it is not read; the
		 * exchange stays for the logs of a cut while the output drains */
		h1_done(h);
		return;
	}
	exchange_free(h->x);
	h->x = NULL;
	h->head = NULL;
	h->req_done = h->resp_done = h->resp_keep = h->chunked_out = h->last_chunk = 0;
	h->req_paused = h->resp_paused = h->drain_wait = 0;
	h1_state(h, H1_IDLE);
	stats_gauge(&stats_self.conns_idle[STATS_H1], 1);
	conn_deadline(h->c, h->info->cfg->idle_connection_timeout);
	conn_reading(h->c, 1);
	if (iobuf_len(conn_in(h->c)) > 0) {
		/* pipelined: the parser goes on from where the last request ended */
		http_parser_resume(h->parser);
		h1_input(h->c, h);
		h1_input_end(h->c, h);
		if (h->state == H1_IDLE && !conn_closed(h->c) && h->parser != NULL)
			http_parser_trim(h->parser);
		return;
	}
	/* nothing of a next request yet: an idle connection keeps no parser, but one in a
	 * busy spell keeps it (and its buffers) for the next request, until h1_idle */
	if (conn_busy(h->c)) {
		http_parser_resume(h->parser);
		return;
	}
	http_parser_free(h->parser);
	h->parser = NULL;
}

/* The busy spell is over: the parser kept for the next request goes if none started. */
static void
h1_idle(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	if (h->state == H1_IDLE && h->parser != NULL && iobuf_len(conn_in(c)) == 0 &&
	    http_parser_idle(h->parser)) {
		http_parser_free(h->parser);
		h->parser = NULL;
	}
}

static void
h1_request_head(struct h1 *h)
{
	struct http_head *hd = h->head;

	h->http10 = hd->version_major == 1 && hd->version_minor == 0;
	/* An HTTP/1.0 client keeps the connection only if told so in the response, which
	 * proxied heads do not say: answer HTTP/1.0 and close. */
	h->req_keep = hd->keep_alive && !h->http10;
	h->req_bodyless = !hd->chunked && hd->content_length <= 0;
	h->info->version = h->http10 ? "HTTP/1.0" : "HTTP/1.1";
	h1_state(h, H1_BODY);
	conn_deadline(h->c, h->req_bodyless ? 0 : h->info->cfg->entity_body_timeout);
	exchange_request(h->x, hd, conn_over_limit(h->c));
	if (conn_closed(h->c))
		return;
	/* llhttp acts on the head's framing now: a bodiless request ends in here */
	http_parser_resume(h->parser);
}

static void
h1_request_end(struct h1 *h)
{
	h->req_done = 1;
	if (h->state == H1_BODY) {
		h1_state(h, H1_WAIT);
		conn_deadline(h->c, 0);
	}
	if (h->x != NULL) {
		/* (the parser keeps the section until the next request starts: after this
		 * exchange is freed) */
		exchange_req_trailers(h->x, http_parser_trailers(h->parser));
		exchange_req_end(h->x);
	}
	if (h->resp_done)
		conn_later(h->c);
}

static void
h1_parse_error(struct h1 *h)
{
	const char *detail = NULL;
	enum http_error e = http_parser_error(h->parser, &detail);

	if (h->x == NULL && (h->x = exchange_new(&h1_x_ops, h, h->info)) == NULL) {
		conn_abort(h->c, "out of memory");
		return;
	}
	exchange_refuse(h->x, e, detail, h->head != NULL ? h->head :
	    http_parser_refused_head(h->parser));
}

/* ---------- parser callbacks ---------- */

static int
h1_on_head(void *arg, struct http_head *hd)
{
	struct h1 *h = arg;

	h->head = hd;
	h->head_pending = 1;
	return 0;
}

static int
h1_on_body(void *arg, const char *data, size_t len)
{
	struct h1 *h = arg;

	if (h->x != NULL)   /* (a whole record's block moves to the backend's queue) */
		h->moved += exchange_req_body_from(h->x, conn_in(h->c), data, len);
	if (h->state == H1_BODY)
		conn_deadline(h->c, h->info->cfg->entity_body_timeout);
	return conn_closed(h->c) ? -1 : 0;
}

static int
h1_on_end(void *arg)
{
	struct h1 *h = arg;

	h->end_pending = 1;
	return 0;
}

static const struct http_callbacks h1_callbacks = {
	.on_head = h1_on_head,
	.on_body = h1_on_body,
	.on_end = h1_on_end,
};

/* ---------- the transport's side (conn_framing) ---------- */

/* Act on what the input holds, as far as the state allows. */
static void
h1_input_loop(struct h1 *h)
{
	struct iobuf *in = conn_in(h->c);

	for (;;) {
		const char *p;
		size_t n, used = 0;
		enum http_feed r;

		if (conn_closed(h->c))
			return;
		if (h->head_pending) {
			h->head_pending = 0;
			h1_request_head(h);
			continue;
		}
		if (h->end_pending) {
			h->end_pending = 0;
			h1_request_end(h);
			continue;
		}
		if (h->state == H1_DONE) {
			iobuf_clear(in);
			return;
		}
		if ((p = iobuf_peek(in, &n)) == NULL)
			return;
		if (h->state == H1_TUNNEL) {
			if (h->req_paused || h->x == NULL)
				return;
			conn_deadline(h->c, h->info->cfg->websocket_idle_timeout);
			exchange_req_body(h->x, p, n);
			if (!conn_closed(h->c))
				iobuf_drain(in, n);
			continue;
		}
		if (h->state == H1_WAIT || h->req_paused)
			return;   /* pipelined bytes wait for the response */
		if (h->state == H1_IDLE) {
			if (h1_parser(h) != 0 ||
			    (h->x = exchange_new(&h1_x_ops, h, h->info)) == NULL) {
				conn_abort(h->c, "out of memory");
				return;
			}
			h1_state(h, H1_HEAD);
			stats_gauge(&stats_self.conns_idle[STATS_H1], -1);
			if (h->info->requests > 0)
				conn_deadline(h->c, h->info->cfg->header_wait_timeout);
		}
		h->moved = 0;
		r = http_parser_feed(h->parser, p, n, &used);
		/* a block the body took left the input with the bytes parsed before it */
		assert(used >= h->moved);
		iobuf_drain(in, used > h->moved ? used - h->moved : 0);
		switch (r) {
		case HTTP_FEED_MORE:
		case HTTP_FEED_PAUSED:
			if (used == 0 && !h->head_pending && !h->end_pending)
				return;   /* paused with nothing to act on: wait for the response */
			break;
		case HTTP_FEED_UPGRADE:
			if (!h->head_pending && !h->end_pending)
				return;   /* the rest belongs to the tunnel, if the backend agrees */
			break;
		case HTTP_FEED_ERROR:
			if (h->head_pending || h->end_pending)
				break;    /* act on what came before the error first */
			h1_parse_error(h);
			return;
		}
	}
}

static void
h1_input(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	if (h->in_input)
		return;
	h->in_input = 1;
	h1_input_loop(h);
	h->in_input = 0;
}

/* Everything the transport read was parsed: what the exchange queued for its backend goes,
 * in one write for all the records of a readiness. */
static void
h1_input_end(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	if (h->x != NULL && !conn_closed(c))
		exchange_push(h->x);
}

/* End the connection with no request in flight, in an orderly way: what was answered and
 * is still queued (pipelined requests answered faster than the client reads) goes out
 * first, then close_notify and FIN (h1_done: IDLE -> DONE, conn_finish), else the end is
 * now (conn_end).  h is the connection's h1, or h1_fresh_framing's idle view (whose
 * output is always empty: nothing was asked yet). */
static void
h1_end_idle(struct h1 *h, const char *why)
{
	if (iobuf_len(conn_out(h->c)) > 0)
		h1_done(h);
	else
		conn_end(h->c, why);
}

/* The client closed its side and everything it sent was handed over. */
static void
h1_eof(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	switch (h->state) {
	case H1_IDLE:
		h1_end_idle(h, "client closed");   /* (a half-close: the client reads on) */
		break;
	case H1_HEAD:
		conn_abort(c, http_parser_finish(h->parser) != 0 ?
		    "client closed inside a request head" : "client closed");
		break;
	case H1_BODY:
		/* HTTP.SYS: the connection went before the final response was sent */
		if (h->x != NULL)
			exchange_abort(h->x, "Connection_Dropped", 0);
		conn_abort(c, "client closed inside a request body");
		break;
	case H1_WAIT:
		/* a request still in its pool's queue has nobody to answer to: it leaves the
		 * queue (nginx does the same with a client that closes before the upstream
		 * answered; a client that only half-closed loses it too) */
		if (exchange_waiting(h->x)) {
			exchange_abort(h->x, "Connection_Dropped", 0);
			conn_abort(c, "client closed while its request waited in the queue");
		}
		break;
	case H1_TUNNEL:
		if (h->x != NULL && !exchange_done(h->x)) {
			exchange_req_end(h->x);   /* the backend side ends once it drained */
			exchange_push(h->x);
		} else {
			conn_abort(c, "tunnel closed");
		}
		break;
	case H1_DONE:   /* (H1_WAIT otherwise: the response finishes, then the end) */
		break;
	}
}

static void
h1_timeout(struct conn *c, void *arg)
{
	struct h1 *h = arg;
	const char *reason;

	switch (h->state) {
	case H1_IDLE:
		if (iobuf_len(conn_out(c)) > 0) {
			/* answers still going out (pipelined requests answered faster than the
			 * client reads): not idle, their pace is min_send_rate's; look again
			 * each second, and count the idle time from when they are out */
			h->drain_wait = 1;
			conn_deadline(c, 1);
			return;
		}
		if (h->drain_wait) {
			h->drain_wait = 0;   /* out within the last second: idle from now */
			conn_deadline(c, h->info->cfg->idle_connection_timeout);
			return;
		}
		reason = h->info->requests == 0 ? "Timer_HeaderWait" : "Timer_ConnectionIdle";
		exchange_log_conn_error(h->info, 0, reason);
		conn_end(c, reason);   /* idle between requests: an orderly end */
		return;
	case H1_HEAD:
		exchange_log_conn_error(h->info, 0, "Timer_HeaderWait");
		conn_abort(c, "Timer_HeaderWait");
		return;
	case H1_BODY:
		if (h->x != NULL)
			exchange_abort(h->x, "Timer_EntityBody", WIN32_SEM_TIMEOUT);
		conn_abort(c, "Timer_EntityBody");
		return;
	case H1_TUNNEL:
		if (h->x != NULL)
			exchange_abort(h->x, NULL, WIN32_SEM_TIMEOUT);   /* the 101's line says why */
		conn_abort(c, "tunnel idle for websocket_idle_timeout");
		return;
	default:
		return;
	}
}

static void
h1_drained(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	if (h->resp_paused && h->x != NULL) {
		h->resp_paused = 0;
		exchange_resp_drained(h->x);
	}
}

static void
h1_later(struct conn *c, void *arg)
{
	h1_cycle_end(arg);
}

/* The transport cuts the connection: the request in flight, or the one whose response
 * is still being written, gets the log line that says why.  A client gone inside its
 * body, or before the final response started (queued, or at the backend), is HTTP.SYS's
 * Connection_Dropped ("closed before the final response was sent"); one gone during the
 * response, the W3C line with its win32 status. */
static void
h1_cut(struct conn *c, void *arg, const char *reason, int win32)
{
	struct h1 *h = arg;

	if (h->x == NULL) {
		if (reason != NULL)
			exchange_log_conn_error(h->info, 0, reason);
	} else if (!exchange_done(h->x)) {
		exchange_abort(h->x, (h->state == H1_BODY || (h->state == H1_WAIT &&
		    !exchange_answered(h->x))) && reason == NULL ? "Connection_Dropped" : reason,
		    win32);
	} else if (reason != NULL) {
		exchange_log_error(h->x, 0, reason);
	}
}

/* Retired by a reload: the next response says Connection: close (h1_keep_ok), so that
 * the client's next request goes to a new connection and the new configuration.
 * Stopping: an idle connection ends now, a tunnel is cut; a request in flight finishes. */
static void
h1_retire(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	if (!h->info->srv->stopping)
		return;
	if (h->state == H1_IDLE)
		h1_end_idle(h, "shutting down");
	else if (h->state == H1_TUNNEL)
		conn_abort(c, "shutting down");
}

static void
h1_closing(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	if (h->x != NULL)
		exchange_abort(h->x, NULL, 0);
}

static void
h1_free(void *arg)
{
	struct h1 *h = arg;

	stats_gauge(&stats_self.conns[STATS_H1], -1);
	if (h->state == H1_IDLE)
		stats_gauge(&stats_self.conns_idle[STATS_H1], -1);
	exchange_free(h->x);
	http_parser_free(h->parser);
	free(h);
}

/* The renegotiation conn_client_cert started is over: the exchange decides again. */
static void
h1_client_cert(struct conn *c, void *arg)
{
	struct h1 *h = arg;

	if (h->x != NULL)
		exchange_client_cert(h->x);
	/* input that came with the handshake records (pipelined bytes) waits in conn_in */
	if (!conn_closed(c))
		conn_later(c);
}

static const struct conn_framing h1_framing = {
	.input = h1_input,
	.input_end = h1_input_end,
	.eof = h1_eof,
	.timeout = h1_timeout,
	.drained = h1_drained,
	.later = h1_later,
	.cut = h1_cut,
	.retire = h1_retire,
	.closing = h1_closing,
	.free = h1_free,
	.client_cert = h1_client_cert,
	.idle = h1_idle,
};

/* ---------- before the connection's first byte ---------- */

/*
 * A connection that has sent nothing yet (a browser's preconnect) holds no struct h1: its
 * framing is h1_fresh_framing, with no state of its own (f is NULL), standing for an h1
 * as h1_start left it before (H1_IDLE, no request answered, no parser, no exchange).  The
 * first input makes the h1 (h1_new) and hands the connection to h1_framing for good; every
 * other event is h1_framing's own callback on such an h1 built on the stack for the call
 * (h1_fresh_view), which, in that state, keeps no pointer to it and allocates nothing.
 */
static struct h1
h1_fresh_view(struct conn *c)
{
	struct h1 h = { .c = c, .info = conn_info(c), .state = H1_IDLE };

	return h;
}

static struct h1 *
h1_new(struct conn *c)
{
	struct h1 *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	*h = h1_fresh_view(c);
	return h;
}

static void
h1_fresh_input(struct conn *c, void *arg)
{
	struct h1 *h;

	assert(arg == NULL);
	if ((h = h1_new(c)) == NULL) {
		log_warnx("conn %llu: out of memory", conn_info(c)->id);
		conn_abort(c, "out of memory");
		return;
	}
	conn_set_framing(c, &h1_framing, h);
	h1_input(c, h);
}

#define H1_FRESH(name, call) \
	static void \
	h1_fresh_##name(struct conn *c, void *arg) \
	{ \
		struct h1 v = h1_fresh_view(c); \
		call; \
	}
H1_FRESH(input_end, h1_input_end(c, &v))
H1_FRESH(eof, h1_eof(c, &v))
H1_FRESH(timeout, h1_timeout(c, &v))
H1_FRESH(drained, h1_drained(c, &v))
H1_FRESH(later, h1_later(c, &v))
H1_FRESH(retire, h1_retire(c, &v))
H1_FRESH(closing, h1_closing(c, &v))
H1_FRESH(client_cert, h1_client_cert(c, &v))
#undef H1_FRESH

static void
h1_fresh_cut(struct conn *c, void *arg, const char *reason, int win32)
{
	struct h1 v = h1_fresh_view(c);

	h1_cut(c, &v, reason, win32);
}

/* h1_free's gauges for an h1 in H1_IDLE; there is nothing to free */
static void
h1_fresh_free(void *arg)
{
	assert(arg == NULL);
	stats_gauge(&stats_self.conns[STATS_H1], -1);
	stats_gauge(&stats_self.conns_idle[STATS_H1], -1);
}

static const struct conn_framing h1_fresh_framing = {
	.input = h1_fresh_input,
	.input_end = h1_fresh_input_end,
	.eof = h1_fresh_eof,
	.timeout = h1_fresh_timeout,
	.drained = h1_fresh_drained,
	.later = h1_fresh_later,
	.cut = h1_fresh_cut,
	.retire = h1_fresh_retire,
	.closing = h1_fresh_closing,
	.free = h1_fresh_free,
	.client_cert = h1_fresh_client_cert,
};

int
h1_start(struct conn *c)
{
	const struct conf *cfg = conn_info(c)->cfg;

	stats_add(&stats_self.conns_total[STATS_H1], 1);
	stats_gauge(&stats_self.conns[STATS_H1], 1);
	stats_gauge(&stats_self.conns_idle[STATS_H1], 1);   /* born H1_IDLE */
	conn_set_framing(c, &h1_fresh_framing, NULL);
	conn_deadline(c, cfg->header_wait_timeout);
	return 0;
}
