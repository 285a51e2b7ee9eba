/*
 * conn — one client connection from accept to close (see conn.h).  Owns: the socket, the
 * SSL (driven through tlsio: no event library between OpenSSL and the socket), the
 * readiness events, one phase deadline and the send timer, the input and output queues
 * (iobuf blocks, given back whenever they empty, so an idle connection holds none), the
 * request parser, the HTTP/1.1 framing of requests and responses, and the exchanges
 * (one at a time here) it creates and frees.  Teardown has one path, conn_close: socket
 * and SSL go at once, memory on the loop's next pass, so a close from deep inside a
 * callback never frees what a caller still uses.
 *
 * The hot path of a keep-alive request is: readable -> one SSL_read (read-ahead on: one
 * read(2)) -> head parsed -> exchange -> backend write(2) ... backend read -> response
 * framed into the output -> one SSL_write per 16 KiB at the end of that loop pass.  No
 * timer is re-armed per request (the deadline moves; the timer, armed earlier, finds it
 * moved when it fires) and no event is added or removed unless a side blocks.
 *
 * Why a connection ends is always written down: HTTPERR where HTTP.SYS writes a line
 * (its own answers; Timer_HeaderWait, Timer_ConnectionIdle (also a TLS handshake that
 * never finishes), Timer_EntityBody, Timer_MinBytesPerSecond; Connection_Dropped for a
 * client gone inside its body), and the request's W3C line otherwise (exchange.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "accesslog.h"
#include "certstore.h"
#include "conf.h"
#include "conn.h"
#include "exchange.h"
#include "http.h"
#include "iobuf.h"
#include "log.h"
#include "respond.h"
#include "sendrate.h"
#include "tlsctx.h"
#include "tlsio.h"
#include "trace.h"

static atomic_ullong conn_ids;

#define CONN_LINGER_SECONDS 2
#define CONN_IN_MAX         (64 * 1024)  /* pipelined input held while a response is due */
#define CONN_READS_PER_CB   8            /* reads per readiness callback: others get a turn */

enum conn_state {
	CS_HANDSHAKE = 0, /* TLS handshake in progress */
	CS_IDLE,          /* between requests: nothing of the next one yet */
	CS_HEAD,          /* reading a request head */
	CS_BODY,          /* head handled; its body is read and forwarded */
	CS_WAIT,          /* request complete; the response is under way */
	CS_TUNNEL,        /* after a 101: bytes both ways */
	CS_CLOSING,       /* writing the last response (input discarded), then linger */
	CS_LINGER,        /* response sent, close_notify and FIN out: discard input until EOF */
	CS_CLOSED,
};

static const char *const conn_state_names[] = {
	"handshake", "idle", "head", "body", "wait", "tunnel", "closing", "linger", "closed",
};

/* Deferred work, done once per loop pass from the async event (see conn_async). */
#define ASYNC_FLUSH   0x1   /* write the output */
#define ASYNC_CYCLE   0x2   /* the response ended: next request, or close */
#define ASYNC_PROCESS 0x4   /* parse buffered input again */

struct conn {
	struct exchange_conn  info;      /* what exchanges read of the connection */
	struct conn_server   *srv;
	struct conn          *prev, *next;
	int                   fd;
	SSL                  *ssl;
	struct event         *rev, *wev, *tev, *aev;   /* in the same allocation */
	struct event         *rate_ev;   /* min_send_rate's timer, made on first use */
	struct tlsctx_hello   hello;
	struct http_parser   *parser;
	struct exchange      *x;         /* the current exchange */
	struct http_head     *head;      /* its head, from the parser */
	struct iobuf          in, out;
	struct sendrate       rate;
	enum conn_state       state;
	uint64_t              deadline;  /* ms (CLOCK_MONOTONIC_COARSE); 0: none */
	uint64_t              armed;     /* when tev fires; 0: not armed */
	unsigned long         requests;
	int                   async;     /* ASYNC_* pending */
	unsigned              rev_on : 1, wev_on : 1, async_on : 1, peer_eof : 1,
	                      over_limit : 1, head_pending : 1, end_pending : 1,
	                      req_keep : 1, req_done : 1, resp_done : 1, resp_keep : 1,
	                      resp_paused : 1, req_paused : 1, chunked_out : 1,
	                      http10 : 1, write_wants_read : 1, goodbye_sent : 1,
	                      cut : 1, in_process : 1;
};

static void conn_process(struct conn *c);
static void conn_flush(struct conn *c);
static void conn_flush_close(struct conn *c);
static void conn_close(struct conn *c, const char *why);

/* ---------- small helpers ---------- */

static uint64_t
conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The one place the state changes: the trace (at debug level) can follow it, and a
 * closed connection never comes back. */
static void
conn_state(struct conn *c, enum conn_state to)
{
	if (c->state == CS_CLOSED)
		return;
	log_debug("conn %llu: %s -> %s", c->info.id, conn_state_names[c->state],
	    conn_state_names[to]);
	c->state = to;
}

static void
conn_arm(struct conn *c, uint64_t when)
{
	uint64_t now = conn_now_ms();
	uint64_t ms = when > now ? when - now : 0;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(c->tev, &tv);
	c->armed = when;
}

/* The phase deadline, seconds from now (0: none).  A later deadline than the one armed
 * costs nothing now: the timer re-arms itself when it fires early. */
static void
conn_deadline(struct conn *c, unsigned seconds)
{
	if (seconds == 0) {
		c->deadline = 0;
		return;
	}
	c->deadline = conn_now_ms() + (uint64_t)seconds * 1000;
	if (c->armed == 0 || c->deadline < c->armed)
		conn_arm(c, c->deadline);
}

static void
conn_read_on(struct conn *c, int on)
{
	if (on && !c->rev_on)
		event_add(c->rev, NULL);
	else if (!on && c->rev_on)
		event_del(c->rev);
	c->rev_on = on ? 1 : 0;
}

static void
conn_write_on(struct conn *c, int on)
{
	if (on && !c->wev_on)
		event_add(c->wev, NULL);
	else if (!on && c->wev_on)
		event_del(c->wev);
	c->wev_on = on ? 1 : 0;
}

/* Ask for work to be done once, after the callbacks of this loop pass. */
static void
conn_async(struct conn *c, int what)
{
	c->async |= what;
	if (!c->async_on) {
		c->async_on = 1;
		event_active(c->aev, EV_TIMEOUT, 0);
	}
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
conn_peer_gone(const struct conn *c)
{
	return c->peer_eof && iobuf_len(&c->in) == 0;
}

/* Whether the connection may carry another request after the response starting now. */
static int
conn_keep_ok(const struct conn *c)
{
	return c->req_keep && c->req_done && !c->srv->stopping && !c->srv->retired &&
	    !conn_peer_gone(c) && (c->head == NULL || !c->head->upgrade);
}

/* Log a cut the connection made: with its exchange's request when there is one. */
static void
conn_log_cut(struct conn *c, const char *reason, int win32)
{
	if (c->x == NULL)
		exchange_log_conn_error(&c->info, 0, reason);
	else if (!exchange_done(c->x))
		exchange_abort(c->x, reason, win32);
	else
		exchange_log_error(c->x, 0, reason);
}

/* ---------- close ---------- */

static void
conn_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	exchange_free(c->x);
	http_parser_free(c->parser);
	iobuf_clear(&c->in);
	iobuf_clear(&c->out);
	if (c->rate_ev != NULL)
		event_free(c->rate_ev);
	event_del(c->rev);
	event_del(c->wev);
	event_del(c->aev);
	free(c->info.verdict_host);
	free(c);
}

/* The single close path: the socket and the SSL go now (nothing more is written: an
 * orderly end sent its close_notify before), memory on the loop's next pass.
 * Idempotent. */
static void
conn_close(struct conn *c, const char *why)
{
	if (c->state == CS_CLOSED)
		return;
	trace_closed(c->srv->trace, c->info.id, why, c->info.proto == BINDING_HTTPS ?
	    &c->hello : NULL, c->requests);
	conn_state(c, CS_CLOSED);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->srv->nconns--;
	if (c->srv->shared_nconns != NULL)
		__atomic_sub_fetch(c->srv->shared_nconns, 1, __ATOMIC_RELAXED);
	if (c->x != NULL)
		exchange_abort(c->x, NULL, 0);
	if (c->rate_ev != NULL)
		event_del(c->rate_ev);
	conn_read_on(c, 0);
	conn_write_on(c, 0);
	event_del(c->aev);
	if (c->ssl != NULL) {
		if (!c->goodbye_sent)
			SSL_set_quiet_shutdown(c->ssl, 1);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	/* the timer event now frees the memory on the next pass */
	event_del(c->tev);
	event_assign(c->tev, c->srv->base, -1, 0, conn_free_cb, c);
	event_active(c->tev, EV_TIMEOUT, 0);
}

/*
 * An orderly end of a TLS connection: close_notify (RFC 8446 §6.1), so that the client
 * can tell a complete close-delimited response from one cut short.  Only once all that
 * was queued went out; never on a truncation.
 */
static void
conn_goodbye(struct conn *c)
{
	if (c->ssl == NULL || c->goodbye_sent || c->cut || iobuf_len(&c->out) > 0 ||
	    c->state == CS_HANDSHAKE || !SSL_is_init_finished(c->ssl))
		return;
	c->goodbye_sent = 1;
	(void)tlsio_shutdown(c->ssl);
}

/* The response is out: close_notify, FIN, then discard what the client still sends until
 * it closes (or CONN_LINGER_SECONDS), so unread input never turns the close into a reset
 * that destroys the response before the client read it. */
static void
conn_linger(struct conn *c)
{
	conn_goodbye(c);
	if (c->peer_eof) {
		conn_close(c, "response sent");
		return;
	}
	conn_state(c, CS_LINGER);
	shutdown(c->fd, SHUT_WR);
	iobuf_clear(&c->in);
	conn_read_on(c, 1);
	conn_deadline(c, CONN_LINGER_SECONDS);
}

/* No more requests: the output is written, then the connection lingers and closes. */
static void
conn_flush_close(struct conn *c)
{
	if (c->state == CS_CLOSED || c->state == CS_CLOSING || c->state == CS_LINGER)
		return;
	conn_state(c, CS_CLOSING);
	c->req_paused = 0;
	conn_read_on(c, 1);   /* input is discarded; EOF is noticed */
	if (iobuf_len(&c->out) == 0) {
		conn_linger(c);
		return;
	}
	/* The rest is the client's to take: at min_send_rate (timed once a write blocks),
	 * or within idle_connection_timeout. */
	conn_deadline(c, c->info.cfg->min_send_rate > 0 ? 0 : c->info.cfg->idle_connection_timeout);
	conn_async(c, ASYNC_FLUSH);
}

/* ---------- min_send_rate ---------- */

static void
conn_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	uint64_t acked, queued, base = c->rate.base, need = c->rate.need;
	unsigned long ms = 0;
	struct timeval tv;

	if (c->state == CS_CLOSED || !c->rate.active)
		return;
	if (sendrate_socket(c->fd, &acked, &queued) != 0) {
		c->rate.active = 0;
		return;
	}
	switch (sendrate_check(&c->rate, acked, iobuf_len(&c->out) + queued,
	    c->info.cfg->min_send_rate, &ms)) {
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
	trace_note(c->srv->trace, c->info.id, "the client acknowledged %llu of the %llu bytes it "
	    "had to take in %lu ms (min_send_rate %lu bytes/s)",
	    (unsigned long long)(acked > base ? acked - base : 0), (unsigned long long)need,
	    sendrate_window_ms(need, c->info.cfg->min_send_rate), c->info.cfg->min_send_rate);
	conn_log_cut(c, "Timer_MinBytesPerSecond", WIN32_SEM_TIMEOUT);
	c->cut = 1;
	conn_close(c, "Timer_MinBytesPerSecond");
}

/* A write blocked: the client must now take what waits at min_send_rate (sendrate.h). */
static void
conn_rate_begin(struct conn *c)
{
	uint64_t acked, queued, pending;
	unsigned long ms;
	struct timeval tv;

	if (c->info.cfg->min_send_rate == 0 || c->rate.active)
		return;
	if (c->rate_ev == NULL &&
	    (c->rate_ev = evtimer_new(c->srv->base, conn_rate_cb, c)) == NULL)
		return;
	if (sendrate_socket(c->fd, &acked, &queued) != 0) {
		log_debug("conn %llu: cannot read the socket's TCP_INFO: %s", c->info.id,
		    strerror(errno));
		return;
	}
	pending = iobuf_len(&c->out) + queued;
	ms = sendrate_start(&c->rate, acked, pending ? pending : 1, c->info.cfg->min_send_rate);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(c->rate_ev, &tv);
}

/* ---------- output ---------- */

/* Write what the output holds, one SSL_write (one record, one write(2)) per block. */
static void
conn_flush(struct conn *c)
{
	enum tlsio_status st = TLSIO_OK;
	const char *p;
	size_t n, w;

	if (c->state == CS_CLOSED || c->state == CS_HANDSHAKE)
		return;
	while ((p = iobuf_peek(&c->out, &n)) != NULL) {
		if (c->write_wants_read)
			return;
		w = tlsio_write(c->fd, c->ssl, p, n, &st);
		if (w == 0)
			break;
		iobuf_drain(&c->out, w);
	}
	switch (st) {
	case TLSIO_OK:
		break;
	case TLSIO_WANT_WRITE:
		conn_write_on(c, 1);
		if (c->info.cfg->min_send_rate > 0)
			conn_rate_begin(c);
		else if (c->state != CS_CLOSING)
			conn_deadline(c, c->info.cfg->idle_connection_timeout);
		return;
	case TLSIO_WANT_READ:   /* a renegotiation in progress: the read side goes on */
		c->write_wants_read = 1;
		conn_read_on(c, 1);
		return;
	default:
		c->cut = 1;
		if (c->x != NULL && !exchange_done(c->x))
			exchange_abort(c->x, NULL, WIN32_NETNAME_DELETED);
		conn_close(c, "connection error while writing");
		return;
	}
	conn_write_on(c, 0);
	if (c->resp_paused && iobuf_len(&c->out) <= CONN_LOW_WATER && c->x != NULL) {
		c->resp_paused = 0;
		exchange_resp_drained(c->x);
		if (c->state == CS_CLOSED)
			return;
	}
	if (iobuf_len(&c->out) == 0 && c->state == CS_CLOSING)
		conn_linger(c);
}

/* Queue bytes for the client; full blocks go out now, the rest at the end of the pass. */
static int
conn_out(struct conn *c, const void *data, size_t len)
{
	if (iobuf_add(&c->out, data, len) != 0) {
		log_warnx("conn %llu: out of memory", c->info.id);
		return -1;
	}
	conn_async(c, ASYNC_FLUSH);
	return 0;
}

/* ---------- the exchange's side (exchange_ops) ---------- */

static int
conn_x_head(void *arg, struct exchange *x, const struct http_head *resp, int bodiless)
{
	struct conn *c = arg;

	if (c->state == CS_CLOSED)
		return -1;
	if (resp->status / 100 == 1 && resp->status != 101) {
		/* 100 Continue and friends: an HTTP/1.0 client knows nothing of them */
		if (c->http10)
			return 0;
		return http_response_head(resp, 0, 1, &c->out) == 0 ? (conn_async(c, ASYNC_FLUSH), 0) : -1;
	}
	c->resp_keep = conn_keep_ok(c);
	c->chunked_out = 0;
	if (resp->status == 101) {
		c->resp_keep = 0;
	} else if (!bodiless && (resp->chunked || resp->content_length < 0)) {
		/* chunked stays chunked; a close-delimited body becomes chunked for HTTP/1.1 so
		 * the connection survives it; HTTP/1.0 gets it close-delimited */
		if (c->http10)
			c->resp_keep = 0;
		else
			c->chunked_out = 1;
	}
	if (http_response_head(resp, c->chunked_out, resp->status == 101 ? 1 : c->resp_keep,
	    &c->out) != 0)
		return -1;
	conn_async(c, ASYNC_FLUSH);
	return 0;
}

static int
conn_x_page(void *arg, struct exchange *x, const struct respond_msg *m, int close)
{
	struct conn *c = arg;
	struct evbuffer *tmp;
	int rc;

	if (c->state == CS_CLOSED)
		return -1;
	c->resp_keep = !close && conn_keep_ok(c);
	c->chunked_out = 0;
	if ((tmp = evbuffer_new()) == NULL)
		return -1;
	rc = respond_msg_write(m, !c->resp_keep, tmp);
	if (rc == 0)
		rc = conn_out(c, evbuffer_pullup(tmp, -1), evbuffer_get_length(tmp));
	evbuffer_free(tmp);
	return rc;
}

static int
conn_x_body(void *arg, struct exchange *x, const char *data, size_t len)
{
	struct conn *c = arg;

	if (c->state == CS_CLOSED)
		return -1;
	if (c->chunked_out) {
		if (http_chunk_add(&c->out, data, len) != 0)
			return -1;
	} else if (iobuf_add(&c->out, data, len) != 0) {
		return -1;
	}
	if (c->state == CS_TUNNEL)
		conn_deadline(c, c->info.cfg->websocket_idle_timeout);
	if (iobuf_len(&c->out) >= IOBUF_BLOCK)
		conn_flush(c);   /* whole records now; the rest at the end of the pass */
	else
		conn_async(c, ASYNC_FLUSH);
	return c->state == CS_CLOSED ? -1 : 0;
}

static void
conn_x_end(void *arg, struct exchange *x, enum exchange_end how)
{
	struct conn *c = arg;

	if (c->state == CS_CLOSED)
		return;
	if (how == EXCHANGE_END_CUT) {
		/* never make a cut response look complete: no close_notify, no last chunk */
		c->cut = 1;
		conn_close(c, "the response was cut short");
		return;
	}
	if (c->chunked_out && http_chunk_add(&c->out, NULL, 0) != 0) {
		c->cut = 1;
		conn_close(c, "out of memory");
		return;
	}
	c->resp_done = 1;
	conn_async(c, ASYNC_CYCLE | ASYNC_FLUSH);
}

static int
conn_x_full(void *arg, struct exchange *x)
{
	struct conn *c = arg;

	if (iobuf_len(&c->out) < CONN_HIGH_WATER)
		return 0;
	c->resp_paused = 1;
	return 1;
}

static void
conn_x_pause_request(void *arg, struct exchange *x, int on)
{
	struct conn *c = arg;

	if (c->state == CS_CLOSED)
		return;
	c->req_paused = on ? 1 : 0;
	if (!on)
		conn_async(c, ASYNC_PROCESS);
}

static void
conn_x_upgraded(void *arg, struct exchange *x)
{
	struct conn *c = arg;

	conn_state(c, CS_TUNNEL);
	conn_deadline(c, c->info.cfg->websocket_idle_timeout);
	conn_async(c, ASYNC_PROCESS);
}

static const struct exchange_ops conn_x_ops = {
	.head = conn_x_head,
	.page = conn_x_page,
	.body = conn_x_body,
	.end = conn_x_end,
	.full = conn_x_full,
	.pause_request = conn_x_pause_request,
	.upgraded = conn_x_upgraded,
};

/* ---------- one request ---------- */

/* The response ended (and, for keep-alive, the request): the next request, or close. */
static void
conn_cycle_end(struct conn *c)
{
	if (c->state == CS_CLOSED || !c->resp_done)
		return;
	if (c->state == CS_TUNNEL || !c->req_done || !c->resp_keep || c->srv->stopping ||
	    conn_peer_gone(c)) {
		/* answered before the request ended: what is left of it is not read */
		c->requests++;
		conn_flush_close(c);
		return;
	}
	c->requests++;
	exchange_free(c->x);
	c->x = NULL;
	c->head = NULL;
	c->req_done = c->resp_done = c->resp_keep = c->chunked_out = 0;
	c->req_paused = c->resp_paused = 0;
	conn_state(c, CS_IDLE);
	http_parser_resume(c->parser);
	conn_deadline(c, c->info.cfg->idle_connection_timeout);
	if (iobuf_len(&c->in) > 0)
		conn_process(c);
	/* nothing of a next request yet: an idle connection keeps no parser buffers */
	if (c->state == CS_IDLE)
		http_parser_trim(c->parser);
}

static void
conn_request_head(struct conn *c)
{
	struct http_head *h = c->head;

	c->http10 = h->version_major == 1 && h->version_minor == 0;
	/* An HTTP/1.0 client keeps the connection only if told so in the response, which
	 * proxied heads do not say: answer HTTP/1.0 and close. */
	c->req_keep = h->keep_alive && !c->http10;
	c->info.version = c->http10 ? "HTTP/1.0" : "HTTP/1.1";
	conn_state(c, CS_BODY);
	conn_deadline(c, (h->chunked || h->content_length > 0) ?
	    c->info.cfg->entity_body_timeout : 0);
	exchange_request(c->x, h, c->over_limit);
	if (c->state == CS_CLOSED)
		return;
	/* llhttp acts on the head's framing now: a bodiless request ends in here */
	http_parser_resume(c->parser);
}

static void
conn_request_end(struct conn *c)
{
	c->req_done = 1;
	if (c->state == CS_BODY)
		conn_state(c, CS_WAIT);
	conn_deadline(c, 0);
	if (c->x != NULL)
		exchange_req_end(c->x);
	if (c->resp_done)
		conn_async(c, ASYNC_CYCLE);
}

static void
conn_parse_error(struct conn *c)
{
	const char *detail = NULL;
	enum http_error e = http_parser_error(c->parser, &detail);

	if (c->x == NULL && (c->x = exchange_new(&conn_x_ops, c, &c->info)) == NULL) {
		conn_close(c, "out of memory");
		return;
	}
	exchange_refuse(c->x, e, detail, c->head);
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

	if (c->x != NULL)
		exchange_req_body(c->x, data, len);
	if (c->state == CS_BODY)
		conn_deadline(c, c->info.cfg->entity_body_timeout);
	return c->state == CS_CLOSED ? -1 : 0;
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

/* ---------- input ---------- */

/* Act on what the input holds, as far as the state allows. */
static void
conn_process_input(struct conn *c)
{
	for (;;) {
		const char *p;
		size_t n, used = 0;
		enum http_feed r;

		if (c->state == CS_CLOSED)
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
		if (c->state == CS_CLOSING || c->state == CS_LINGER) {
			iobuf_clear(&c->in);
			return;
		}
		if ((p = iobuf_peek(&c->in, &n)) == NULL)
			return;
		if (c->state == CS_TUNNEL) {
			if (c->req_paused || c->x == NULL)
				return;
			conn_deadline(c, c->info.cfg->websocket_idle_timeout);
			exchange_req_body(c->x, p, n);
			if (c->state != CS_CLOSED)
				iobuf_drain(&c->in, n);
			continue;
		}
		if (c->state == CS_WAIT || c->req_paused)
			return;   /* pipelined bytes wait for the response */
		if (c->state == CS_IDLE) {
			if ((c->x = exchange_new(&conn_x_ops, c, &c->info)) == NULL) {
				conn_close(c, "out of memory");
				return;
			}
			conn_state(c, CS_HEAD);
			if (c->requests > 0)
				conn_deadline(c, c->info.cfg->header_wait_timeout);
		}
		r = http_parser_feed(c->parser, p, n, &used);
		iobuf_drain(&c->in, used);
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
	switch (c->state) {
	case CS_HANDSHAKE:
		conn_close(c, "client closed during the handshake");
		break;
	case CS_IDLE:
		conn_goodbye(c);
		conn_close(c, "client closed");
		break;
	case CS_HEAD:
		conn_close(c, http_parser_finish(c->parser) != 0 ?
		    "client closed inside a request head" : "client closed");
		break;
	case CS_BODY:
		/* HTTP.SYS: the connection went before the final response was sent */
		conn_log_cut(c, "Connection_Dropped", 0);
		conn_close(c, "client closed inside a request body");
		break;
	case CS_TUNNEL:
		if (c->x != NULL && !exchange_done(c->x))
			exchange_req_end(c->x);   /* the backend side is closed once it drained */
		else
			conn_close(c, "tunnel closed");
		break;
	case CS_LINGER:
		conn_close(c, "response sent");
		break;
	case CS_WAIT:      /* the response finishes, then the connection closes */
	case CS_CLOSING:
	case CS_CLOSED:
		break;
	}
}

static void
conn_process(struct conn *c)
{
	if (c->in_process || c->state == CS_CLOSED)
		return;
	c->in_process = 1;
	conn_process_input(c);
	c->in_process = 0;
	if (c->x != NULL && c->state != CS_CLOSED)
		exchange_push(c->x);
	if (c->state != CS_CLOSED && c->peer_eof && iobuf_len(&c->in) == 0)
		conn_check_eof(c);
}

static void
conn_handshake_done(struct conn *c)
{
	const unsigned char *alpn = NULL;
	unsigned alpnlen = 0;

	c->info.cert = c->hello.cert;
	c->info.has_sni = c->hello.has_sni;
	c->info.sni = c->hello.sni;
	c->info.sni_used = c->hello.sni_used;
	c->info.tls_version = SSL_get_version(c->ssl);
	c->info.tls_cipher = SSL_get_cipher_name(c->ssl);
	conn_state(c, CS_IDLE);
	conn_deadline(c, c->info.cfg->header_wait_timeout);
	if (c->srv->trace) {
		SSL_get0_alpn_selected(c->ssl, &alpn, &alpnlen);
		trace_handshake_done(1, c->info.id, c->info.tls_version, c->info.tls_cipher,
		    SSL_session_reused(c->ssl), (const char *)alpn, alpnlen);
	}
}

static void
conn_handshake(struct conn *c)
{
	switch (tlsio_handshake(c->ssl)) {
	case TLSIO_OK:
		conn_write_on(c, 0);
		conn_handshake_done(c);
		return;
	case TLSIO_WANT_READ:
		conn_write_on(c, 0);
		return;
	case TLSIO_WANT_WRITE:
		conn_write_on(c, 1);
		return;
	default:
		if (!c->hello.refused)
			log_debug("conn %llu: TLS handshake with %s failed: %s", c->info.id,
			    c->info.peer_ip, tlsio_reason()[0] ? tlsio_reason() : "connection closed");
		conn_close(c, c->hello.refused ? "no certificate" : "handshake failed");
		return;
	}
}

/* Read what the socket has (a few reads at most, so other connections get a turn). */
static void
conn_read(struct conn *c)
{
	for (int i = 0; i < CONN_READS_PER_CB && c->state != CS_CLOSED; i++) {
		enum tlsio_status st;
		size_t avail, n;
		char *w, scratch[4096];
		int discard = c->state == CS_CLOSING || c->state == CS_LINGER;

		if (c->state == CS_HANDSHAKE) {
			conn_handshake(c);
			if (c->state == CS_HANDSHAKE || c->state == CS_CLOSED)
				return;
			continue;   /* the request may have come with the last handshake flight */
		}
		if (discard) {
			w = scratch;
			avail = sizeof(scratch);
		} else {
			if (iobuf_len(&c->in) >= CONN_IN_MAX) {
				conn_read_on(c, 0);   /* resumed when the input is consumed */
				return;
			}
			if ((w = iobuf_space(&c->in, 1, &avail)) == NULL) {
				conn_close(c, "out of memory");
				return;
			}
		}
		n = tlsio_read(c->fd, c->ssl, w, avail, &st);
		if (c->write_wants_read && st != TLSIO_WANT_WRITE) {
			c->write_wants_read = 0;
			conn_async(c, ASYNC_FLUSH);
		}
		if (n > 0) {
			if (!discard) {
				iobuf_commit(&c->in, n);
				conn_process(c);
			}
			/* a short read emptied the socket; OpenSSL may still hold records */
			if (n < avail && !tlsio_pending(c->ssl))
				return;
			continue;
		}
		switch (st) {
		case TLSIO_WANT_READ:
			return;
		case TLSIO_WANT_WRITE:   /* a renegotiation wants to write */
			conn_write_on(c, 1);
			return;
		case TLSIO_CLOSED:
		case TLSIO_EOF:
			c->peer_eof = 1;
			conn_read_on(c, 0);
			conn_process(c);
			return;
		default:
			if (c->x != NULL && !exchange_done(c->x))
				exchange_abort(c->x, c->state == CS_BODY ? "Connection_Dropped" : NULL,
				    WIN32_NETNAME_DELETED);
			c->cut = 1;
			conn_close(c, c->state == CS_LINGER ? "response sent" : "connection error");
			return;
		}
	}
}

/* ---------- event callbacks ---------- */

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_read(arg);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->state == CS_HANDSHAKE) {
		conn_handshake(c);
		return;
	}
	if (c->write_wants_read) {   /* a renegotiation wanted to write while reading */
		conn_read(c);
		return;
	}
	conn_flush(c);
}

static void
conn_async_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int todo = c->async;

	c->async = 0;
	c->async_on = 0;
	if (c->state == CS_CLOSED)
		return;
	if (todo & ASYNC_CYCLE)
		conn_cycle_end(c);
	if ((todo & ASYNC_PROCESS) && c->state != CS_CLOSED) {
		if (!c->rev_on && !c->peer_eof && c->state != CS_CLOSED)
			conn_read_on(c, 1);
		conn_process(c);
	}
	if (c->state != CS_CLOSED && iobuf_len(&c->out) > 0 && !c->wev_on)
		conn_flush(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	uint64_t now = conn_now_ms();
	const char *reason;

	c->armed = 0;
	if (c->state == CS_CLOSED || c->deadline == 0)
		return;
	if (now < c->deadline) {   /* the deadline moved since this was armed */
		conn_arm(c, c->deadline);
		return;
	}
	c->deadline = 0;
	switch (c->state) {
	case CS_HANDSHAKE:
		/* no request yet: to HTTP.SYS an idle connection */
		exchange_log_conn_error(&c->info, 0, "Timer_ConnectionIdle");
		conn_close(c, "handshake timed out");
		return;
	case CS_IDLE:
		reason = c->requests == 0 ? "Timer_HeaderWait" : "Timer_ConnectionIdle";
		exchange_log_conn_error(&c->info, 0, reason);
		conn_goodbye(c);   /* idle between requests: an orderly end */
		conn_close(c, reason);
		return;
	case CS_HEAD:
		exchange_log_conn_error(&c->info, 0, "Timer_HeaderWait");
		conn_close(c, "Timer_HeaderWait");
		return;
	case CS_BODY:
		conn_log_cut(c, "Timer_EntityBody", WIN32_SEM_TIMEOUT);
		conn_close(c, "Timer_EntityBody");
		return;
	case CS_LINGER:
		conn_close(c, "response sent");
		return;
	case CS_TUNNEL:
		if (c->x != NULL)
			exchange_abort(c->x, NULL, WIN32_SEM_TIMEOUT);   /* the 101's line says why */
		conn_close(c, "tunnel idle for websocket_idle_timeout");
		return;
	case CS_WAIT:
	case CS_CLOSING:
		/* the client took nothing for idle_connection_timeout (min_send_rate = 0) */
		conn_log_cut(c, "Timer_ConnectionIdle", WIN32_SEM_TIMEOUT);
		c->cut = 1;
		conn_close(c, "the client took nothing for idle_connection_timeout");
		return;
	default:
		return;
	}
}

/* ---------- the TLS decision's trace ---------- */

static void
conn_narrate_hello(void *arg, const struct tlsctx_hello *h, const struct cert_choice *choice)
{
	struct conn *c = arg;

	trace_hello(c->srv->trace, c->info.id, c->info.cfg->mode, h, choice);
}

/* ---------- accept ---------- */

int
conn_accept(struct conn_server *srv, evutil_socket_t fd, const struct sockaddr *peer,
    int peerlen, enum binding_proto proto)
{
	struct conn *c;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct http_limits lim;
	struct binding_addr peer_addr;
	size_t evsz = event_get_struct_event_size(), base_sz;
	char where[96], *evmem;
	int on = 1;
	unsigned long total;
	const struct conf *cfg = srv->cfg;

	/* the connection and its four events in one allocation */
	base_sz = (sizeof(*c) + 15) & ~(size_t)15;
	if ((c = calloc(1, base_sz + 4 * ((evsz + 15) & ~(size_t)15))) == NULL) {
		log_warn("accept: cannot allocate a connection");
		close(fd);
		return -1;
	}
	evmem = (char *)c + base_sz;
	c->rev = (struct event *)evmem;
	c->wev = (struct event *)(evmem + ((evsz + 15) & ~(size_t)15));
	c->tev = (struct event *)(evmem + 2 * ((evsz + 15) & ~(size_t)15));
	c->aev = (struct event *)(evmem + 3 * ((evsz + 15) & ~(size_t)15));
	/* Process-wide, so a connection's trace lines share an id whichever worker runs it. */
	c->info.id = atomic_fetch_add_explicit(&conn_ids, 1, memory_order_relaxed) + 1;
	c->info.srv = srv;
	c->info.cfg = cfg;
	c->info.proto = proto;
	c->info.verdict = -1;
	c->info.version = "HTTP/1.1";
	c->srv = srv;
	c->fd = fd;
	c->state = CS_IDLE;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	event_assign(c->rev, srv->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	event_assign(c->wev, srv->base, fd, EV_WRITE | EV_PERSIST, conn_write_cb, c);
	event_assign(c->tev, srv->base, -1, 0, conn_timer_cb, c);
	event_assign(c->aev, srv->base, -1, 0, conn_async_cb, c);
	/* max_connections counts every worker's connections, old generations' included */
	total = srv->shared_nconns != NULL ?
	    __atomic_add_fetch(srv->shared_nconns, 1, __ATOMIC_RELAXED) : srv->nconns;
	c->over_limit = cfg->max_connections > 0 && total > cfg->max_connections;
	conn_addr_from(peer, &peer_addr, c->info.peer_ip, sizeof(c->info.peer_ip),
	    &c->info.peer_port);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		log_warn("getsockname");
		conn_close(c, "getsockname failed");
		return -1;
	}
	conn_addr_from((struct sockaddr *)&ss, &c->info.local, c->info.local_ip,
	    sizeof(c->info.local_ip), &c->info.port);
	c->hello.cfg = cfg;
	c->hello.local = c->info.local;
	c->hello.port = c->info.port;
	c->hello.narrate = conn_narrate_hello;
	c->hello.arg = c;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));

	lim.max_field_length = cfg->max_field_length;
	lim.max_request_bytes = cfg->max_request_bytes;
	lim.max_url_length = cfg->max_url_length;
	if ((c->parser = http_parser_new(HTTP_PARSE_REQUEST, &lim, &conn_callbacks, c)) == NULL) {
		log_warnx("conn %llu: out of memory", c->info.id);
		conn_close(c, "out of memory");
		return -1;
	}
	http_parser_pause_after_head(c->parser, 1);
	if (srv->trace) {
		binding_ipport_format(&c->info.local, c->info.port, where, sizeof(where));
		trace_accept(1, c->info.id, proto, where, c->info.peer_ip, c->info.peer_port,
		    c->over_limit);
	}
	conn_read_on(c, 1);
	if (proto == BINDING_HTTPS) {
		if ((c->ssl = tlsctx_ssl_new(srv->tls, &c->hello, fd)) == NULL) {
			conn_close(c, "no SSL object");
			return -1;
		}
		conn_state(c, CS_HANDSHAKE);
		conn_deadline(c, cfg->handshake_timeout);
		/* the ClientHello is often there already: no wait for a readiness event */
		conn_handshake(c);
		if (c->state == CS_IDLE)
			conn_read(c);
	} else {
		conn_deadline(c, cfg->header_wait_timeout);
	}
	return 0;
}

void
conn_stop_idle(struct conn_server *srv)
{
	struct conn *c, *next;

	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CS_IDLE) {
			conn_goodbye(c);
			conn_close(c, "shutting down");
		} else if (c->state == CS_HANDSHAKE || c->state == CS_TUNNEL) {
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
