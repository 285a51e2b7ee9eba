/*
 * conn — one client connection's transport, from accept to close (see conn.h).  Owns:
 * the socket, the SSL (driven through tlsio: no event library between OpenSSL and the
 * socket), the readiness events, the deadlines with their one timer (a place in the
 * server's heap of timers, not an event of its own), the ClientHello's decision while a
 * handshake runs (tlsctx_hello, freed at its end), min_send_rate's timer and state once a
 * write blocks (conn_rate), the input and output queues (iobuf blocks, given back whenever
 * they empty, so an idle connection holds none) and the framing it hands bytes to.
 * Teardown has one path, conn_close: socket and SSL go at once, memory (the framing's
 * included) on the loop's next pass, so a close from deep inside a callback never frees
 * what a caller still uses.
 *
 * The hot path of a keep-alive request is: readable -> one SSL_read (read-ahead on: one
 * read(2)) -> framing -> ... -> output queued -> one SSL_write per 16 KiB at the end of
 * that loop pass.  No timer is re-armed per request (a deadline moves; the timer, armed
 * earlier, finds it moved when it fires) and no event is added or removed unless a side
 * blocks.  OpenSSL's record buffers stay through a busy spell, back TLSIO_BUF_HOLD_MS after
 * it (the timer); a held TLS 1.3 ticket waits CONN_TICKET_HOLD_MS at most for an answer.
 */
#include <assert.h>
#include <errno.h>
#include <linux/sockios.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "model/conf.h"
#include "core/conn.h"
#include "core/h1.h"
#include "core/h2.h"
#include "core/exchange.h"
#include "base/iobuf.h"
#include "base/clock.h"
#include "base/log.h"
#include "model/sendrate.h"
#include "core/stats.h"
#include "core/tlsctx.h"
#include "core/tlsio.h"
#include "core/trace.h"

static atomic_ullong conn_ids;

#define CONN_LINGER_SECONDS 2
#define CONN_RESET_POLL_MS  10           /* how often a reset waits for the client's ACKs */
#define CONN_IN_MAX         (64 * 1024)  /* input held that the framing has not consumed */
#define CONN_READS_PER_CB   8            /* reads per readiness callback: others get a turn */
#define CONN_TICKET_HOLD_MS 20           /* a held ticket's wait for the first answer */

/*
 * The states, each reached only from the one before it (conn_state asserts it), except
 * CLOSED, reached from any:
 *   HANDSHAKE -> OPEN -> CLOSING -> LINGER -> CLOSED      (plain http is born OPEN)
 */
enum conn_state {
	CS_HANDSHAKE = 0, /* TLS handshake in progress */
	CS_OPEN,          /* the framing runs */
	CS_CLOSING,       /* writing the last output (input discarded), then linger */
	CS_LINGER,        /* output, close_notify and FIN out: discard input until EOF */
	CS_CLOSED,
};

static const char *const conn_state_names[] = {
	"handshake", "open", "closing", "linger", "closed",
};

/* Deferred work, done once per loop pass from the async event (see conn_async). */
#define ASYNC_FLUSH   0x1   /* write the output */
#define ASYNC_LATER   0x2   /* the framing's own (conn_later) */
#define ASYNC_INPUT   0x4   /* hand the input to the framing again */
#define ASYNC_READ    0x8   /* read again: OpenSSL holds records the socket no longer shows */

/* What min_send_rate needs of a connection whose writes blocked: most connections never
 * have a full socket, and hold none (owned by the connection, freed by conn_free). */
struct conn_rate {
	struct sendrate  rate;
	struct event    *ev;   /* its timer (NULL: not made yet) */
};

struct conn {
	struct exchange_conn       info;      /* what exchanges read of the connection (its
	                                       * srv is the connection's server) */
	struct conn               *prev, *next;
	struct event              *wev;        /* made the first time a write blocks */
	struct conn               *aprev, *anext;   /* srv's queue of deferred work */
	struct conn_rate          *rate;      /* min_send_rate's, made the first time it is
	                                       * needed (conn_rate_begin) */
	struct tlsctx_conn         tc;        /* the SSL's (tlsctx.h); its hello only while a
	                                       * handshake runs (conn_hello_new, conn_hello_end):
	                                       * what outlives it is in info */
	const struct conn_framing *fr;
	void                      *frs;       /* the framing's state (owned) */
	struct iobuf               in, out;
	struct tlsio_sock          sock;      /* the socket (-1 once closed), the SSL's records
	                                       * held back */
	uint64_t                   deadline;  /* the framing's, ms (base/clock) */
	uint64_t                   wdeadline; /* a write stall's (min_send_rate = 0), or a
	                                         * renegotiation's (Timer_SslRenegotiation) */
	uint64_t                   armed;     /* its place in srv's timers; 0: not armed */
	unsigned                   timer_at;  /* its index there + 1; 0: not there */
	unsigned char              state;     /* enum conn_state (a byte: read often) */
	unsigned char              async;     /* ASYNC_* pending */
	unsigned                   async_on : 2;   /* 1: queued, 2: in the batch running */
	unsigned                   async_run : 1, renegotiating : 1;   /* (conn_async_run) */
	unsigned                   buf_parked : 1;   /* (conn_buffers_unpark) */
	unsigned                   rev_on : 1, wev_on : 1, peer_eof : 1,
	                           over_limit : 1, out_high : 1, write_wants_read : 1,
	                           goodbye_sent : 1, cut : 1, reading : 1, in_input : 1,
	                           shook : 1,   /* the handshake ended in this pass */
	                           reset : 1;   /* end with a TCP reset once the output is out */
	const char                *reset_why;  /* static */
};

/* The read event: in the connection's allocation, after it (aligned for pointers). */
#define CONN_REV_AT ((sizeof(struct conn) + 7) & ~(size_t)7)
static struct event *conn_rev(struct conn *c) { return (void *)((char *)c + CONN_REV_AT); }

static void conn_close(struct conn *c, const char *why);
static void conn_flush(struct conn *c);
static void conn_read(struct conn *c);
static void conn_write_blocked(struct conn *c);
static void conn_reset_now(struct conn *c);

/* ---------- small helpers ---------- */

static void conn_narrate_hello(void *arg, const struct tlsctx_hello *h,
    const struct cert_choice *choice, const char *policy);

/* What the ClientHello callback reads and decides, made when a handshake starts (the
 * first, or a renegotiation's) and freed when it ends (conn_hello_end): an idle
 * connection holds none.  Returns NULL when out of memory. */
static struct tlsctx_hello *
conn_hello_new(struct conn *c)
{
	struct tlsctx_hello *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warnx("conn %llu: out of memory", c->info.id);
		return NULL;
	}
	h->cfg = c->info.cfg;
	h->local = c->info.local;
	h->port = c->info.port;
	h->narrate = c->info.srv->trace ? conn_narrate_hello : NULL;
	h->arg = c;
	return h;
}

/* The handshake ended (or the connection did): the SSL lets go of the hello, and it is
 * freed, with the name unless conn_handshake_done moved it to info. */
static void
conn_hello_end(struct conn *c)
{
	struct tlsctx_hello *h = c->tc.hello;

	if (h == NULL)
		return;
	c->tc.hello = NULL;   /* the SSL's callbacks find none from now on (tlsctx_conn) */
	free(h->sni);
	free(h);
}

/* The certificate the server sent on this connection, for the close's trace: NULL for
 * plain http, or when the handshake never got as far. */
static const struct cert *
conn_cert_sent(const struct conn *c)
{
	const struct tlsctx_hello *h = c->tc.hello;

	if (h == NULL)
		return c->info.cert;   /* the handshake is over (or never began) */
	return h->done && !h->refused ? h->cert : NULL;
}

/* The one place the state changes (conn_new sets the first): the edge is checked against
 * the order above, the log (debug level) can follow it, and a closed connection never
 * comes back. */
static void
conn_state(struct conn *c, enum conn_state to)
{
	static const unsigned char allowed[5][5] = {
		/*                 HAND OPEN CLOSING LINGER CLOSED */
		/* HANDSHAKE */  { 0,   1,   0,      0,     1 },
		/* OPEN */       { 0,   0,   1,      0,     1 },
		/* CLOSING */    { 0,   0,   0,      1,     1 },
		/* LINGER */     { 0,   0,   0,      0,     1 },
		/* CLOSED */     { 0,   0,   0,      0,     0 },
	};

	if (c->state == to)
		return;
	assert(allowed[c->state][to]);
	if (!allowed[c->state][to]) {
		log_warnx("conn %llu: %s -> %s is not allowed", c->info.id,
		    conn_state_names[c->state], conn_state_names[to]);
		return;
	}
	log_debug("conn %llu: %s -> %s", c->info.id, conn_state_names[c->state],
	    conn_state_names[to]);
	c->state = to;
}

/*
 * The deadlines' timer.  A connection's timer is its place (armed, the time it fires) in
 * its server's timers, a binary min-heap on armed; one event per server fires at the
 * first (conn_srv_timer_cb), which is cheaper in memory than an event per connection.
 */
static void
conn_heap_put(struct conn_server *srv, unsigned i, struct conn *c)
{
	srv->timers[i] = c;
	c->timer_at = i + 1;
}

static void
conn_heap_up(struct conn_server *srv, unsigned i)
{
	struct conn *c = srv->timers[i];

	while (i > 0 && srv->timers[(i - 1) / 2]->armed > c->armed) {
		conn_heap_put(srv, i, srv->timers[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	conn_heap_put(srv, i, c);
}

static void
conn_heap_down(struct conn_server *srv, unsigned i)
{
	struct conn *c = srv->timers[i];

	for (;;) {
		unsigned m = 2 * i + 1;

		if (m >= srv->ntimers)
			break;
		if (m + 1 < srv->ntimers && srv->timers[m + 1]->armed < srv->timers[m]->armed)
			m++;
		if (c->armed <= srv->timers[m]->armed)
			break;
		conn_heap_put(srv, i, srv->timers[m]);
		i = m;
	}
	conn_heap_put(srv, i, c);
}

/* The server's event fires at the first of its timers (none: not at all). */
static void
conn_srv_timer_sync(struct conn_server *srv)
{
	uint64_t first = srv->ntimers > 0 ? srv->timers[0]->armed : 0, now, ms;
	struct timeval tv;

	if (first == srv->timer_first)
		return;
	srv->timer_first = first;
	if (first == 0) {
		event_del(srv->timer_ev);
		return;
	}
	now = clock_now_ms();
	ms = first > now ? first - now : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(srv->timer_ev, &tv);
}

static void
conn_disarm(struct conn *c)
{
	struct conn_server *srv = c->info.srv;
	unsigned i = c->timer_at - 1;
	struct conn *last;

	if (c->timer_at == 0)
		return;
	c->timer_at = 0;
	c->armed = 0;
	last = srv->timers[--srv->ntimers];
	if (last != c) {
		conn_heap_put(srv, i, last);
		conn_heap_up(srv, i);
		conn_heap_down(srv, last->timer_at - 1);
	}
	conn_srv_timer_sync(srv);
}

static void conn_srv_timer_cb(evutil_socket_t fd, short what, void *arg);

static void
conn_arm(struct conn *c, uint64_t when)
{
	struct conn_server *srv = c->info.srv;
	uint64_t was = c->armed;

	if (c->state == CS_CLOSED)   /* out of the heap for good (conn_close): freed next pass */
		return;
	if (c->timer_at == 0) {
		if (srv->timer_ev == NULL && (srv->timer_ev = event_new(srv->base, -1, 0,
		    conn_srv_timer_cb, srv)) == NULL) {
			log_warnx("conn %llu: out of memory for a timer", c->info.id);
			return;
		}
		if (srv->ntimers == srv->timers_cap) {
			unsigned cap = srv->timers_cap > 0 ? srv->timers_cap * 2 : 64;
			struct conn **t = realloc(srv->timers, cap * sizeof(*t));

			if (t == NULL) {
				log_warnx("conn %llu: out of memory for a timer", c->info.id);
				return;
			}
			srv->timers = t;
			srv->timers_cap = cap;
		}
		c->armed = when;
		conn_heap_put(srv, srv->ntimers++, c);
		conn_heap_up(srv, c->timer_at - 1);
	} else {
		c->armed = when;
		if (when < was)
			conn_heap_up(srv, c->timer_at - 1);
		else
			conn_heap_down(srv, c->timer_at - 1);
	}
	conn_srv_timer_sync(srv);
}

/* Arm the timer for d unless it fires earlier (then it re-arms itself when it fires). */
static void
conn_arm_for(struct conn *c, uint64_t d)
{
	if (d != 0 && (c->armed == 0 || d < c->armed))
		conn_arm(c, d);
}

void
conn_deadline(struct conn *c, unsigned seconds)
{
	c->deadline = seconds == 0 ? 0 : clock_now_ms() + (uint64_t)seconds * 1000;
	conn_arm_for(c, c->deadline);
}

static void
conn_wdeadline(struct conn *c, unsigned seconds)
{
	c->wdeadline = seconds == 0 ? 0 : clock_now_ms() + (uint64_t)seconds * 1000;
	conn_arm_for(c, c->wdeadline);
}

static void
conn_read_on(struct conn *c, int on)
{
	if (on && !c->rev_on)
		event_add(conn_rev(c), NULL);
	else if (!on && c->rev_on)
		event_del(conn_rev(c));
	c->rev_on = on ? 1 : 0;
}

static void conn_write_cb(evutil_socket_t fd, short what, void *arg);
static void conn_srv_async_cb(evutil_socket_t fd, short what, void *arg);

/* A busy spell's buffers are not looked at while the connection waits (full socket, input
 * paused, renegotiation: OpenSSL holds data); the wait's end looks TLSIO_BUF_HOLD_MS on. */
#define CONN_WAITS(c) ((c)->wev_on || !(c)->reading || (c)->renegotiating)
static void
conn_buffers_unpark(struct conn *c)
{
	if (c->buf_parked && !CONN_WAITS(c)) {
		c->buf_parked = 0;
		conn_arm_for(c, clock_now_ms() + TLSIO_BUF_HOLD_MS);
	}
}

static void
conn_write_on(struct conn *c, int on)
{
	if (on && !c->wev_on) {
		/* most connections never see a full socket: the event is made on demand */
		if (c->wev == NULL && (c->wev = event_new(c->info.srv->base, c->sock.fd,
		    EV_WRITE | EV_PERSIST, conn_write_cb, c)) == NULL) {
			log_warnx("conn %llu: out of memory", c->info.id);
			return;
		}
		event_add(c->wev, NULL);
	} else if (!on && c->wev_on) {
		event_del(c->wev);
	}
	c->wev_on = on && c->wev != NULL ? 1 : 0;
	conn_buffers_unpark(c);
}

static void conn_cut(struct conn *c, const char *reason, int win32, const char *why);

/* Send the TLS 1.3 ticket tlsio holds alone; a full socket leaves it to the write event. */
static void
conn_ticket_out(struct conn *c)
{
	switch (tlsio_release(&c->sock, 0)) {
	case TLSIO_OK:
		break;
	case TLSIO_WANT_WRITE:
		conn_write_on(c, 1);
		break;
	default:
		conn_cut(c, NULL, WIN32_NETNAME_DELETED, "connection error while writing");
		break;
	}
}

/* Ask for work once, after this pass's callbacks: c joins its server's queue (one event). */
static void
conn_async(struct conn *c, int what)
{
	struct conn_server *srv = c->info.srv;

	c->async |= what;
	if (c->async_on || c->async_run)
		return;   /* (a run's asks are queued once it is over) */
	if (srv->async_ev == NULL &&
	    (srv->async_ev = event_new(srv->base, -1, 0, conn_srv_async_cb, srv)) == NULL) {
		log_warnx("conn %llu: out of memory", c->info.id);
		return;
	}
	c->async_on = 1;
	c->aprev = NULL;
	c->anext = srv->async_head;
	if (srv->async_head != NULL)
		srv->async_head->aprev = c;
	srv->async_head = c;
	if (!srv->async_active) {
		srv->async_active = 1;
		event_active(srv->async_ev, EV_TIMEOUT, 0);
	}
}

/* Off the server's queue, or the batch being worked through (done, or closing). */
static void
conn_async_unqueue(struct conn *c)
{
	if (!c->async_on)
		return;
	if (c->aprev != NULL)
		c->aprev->anext = c->anext;
	else if (c->async_on == 2)
		c->info.srv->async_batch = c->anext;
	else
		c->info.srv->async_head = c->anext;
	if (c->anext != NULL)
		c->anext->aprev = c->aprev;
	c->aprev = c->anext = NULL;
	c->async_on = 0;
}

/* ---------- what framings use ---------- */

struct exchange_conn *
conn_info(struct conn *c)
{
	return &c->info;
}

struct iobuf *
conn_in(struct conn *c)
{
	return &c->in;
}

struct iobuf *
conn_out(struct conn *c)
{
	return &c->out;
}

SSL *
conn_ssl(struct conn *c)
{
	return c->info.ssl;
}

int
conn_closed(const struct conn *c)
{
	return c->state == CS_CLOSED;
}

int
conn_busy(const struct conn *c)
{
	return c->info.ssl != NULL && c->state == CS_OPEN && tlsio_buffers_kept(&c->sock);
}

int
conn_peer_gone(const struct conn *c)
{
	return c->peer_eof && iobuf_len(&c->in) == 0;
}

int
conn_over_limit(const struct conn *c)
{
	return c->over_limit;
}

void
conn_set_framing(struct conn *c, const struct conn_framing *ops, void *f)
{
	c->fr = ops;
	c->frs = f;
}

void
conn_send(struct conn *c)
{
	if (c->state == CS_CLOSED || iobuf_len(&c->out) == 0)
		return;   /* (an empty output: nothing for the pass's flush to write) */
	if (iobuf_len(&c->out) >= CONN_HIGH_WATER)
		c->out_high = 1;   /* the framing hears when it drains (->drained) */
	if (iobuf_len(&c->out) >= IOBUF_BLOCK && !c->wev_on)
		conn_flush(c);   /* whole records now; the rest at the end of the pass */
	else
		conn_async(c, ASYNC_FLUSH);
}

void
conn_push(struct conn *c)
{
	if (c->state != CS_CLOSED && iobuf_len(&c->out) > 0 && !c->wev_on)
		conn_flush(c);
}

void
conn_later(struct conn *c)
{
	if (c->state != CS_CLOSED)
		conn_async(c, ASYNC_LATER);
}

void
conn_reading(struct conn *c, int on)
{
	if (c->state == CS_CLOSED)
		return;
	c->reading = on ? 1 : 0;
	if (!on) {
		conn_read_on(c, 0);
		return;
	}
	conn_buffers_unpark(c);
	if (!c->peer_eof)
		conn_read_on(c, 1);
	/* What the input (and TLS) holds, or the peer's end, is handed over after this pass;
	 * with nothing held, readiness brings the next bytes (no second pass per request). */
	if (iobuf_len(&c->in) > 0 || c->peer_eof || tlsio_pending(c->info.ssl))
		conn_async(c, ASYNC_INPUT);
}

/* ---------- close ---------- */

static void
conn_free(struct conn *c)
{
	if (c->fr != NULL && c->fr->free != NULL)
		c->fr->free(c->frs);
	iobuf_clear(&c->in);
	iobuf_clear(&c->out);
	if (c->rate != NULL && c->rate->ev != NULL)
		event_free(c->rate->ev);
	free(c->rate);
	if (c->wev != NULL)
		event_free(c->wev);
	event_del(conn_rev(c));
	free(c->info.verdict_host);
	free(c->info.route_host);
	free(c->info.cc_b64);
	free(c->info.sni);
	conn_hello_end(c);
	free(c);
}

/* The connections closed in the last pass (srv->dead, on their next) are freed. */
static void
conn_srv_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_server *srv = arg;
	struct conn *c;

	while ((c = srv->dead) != NULL) {
		srv->dead = c->next;
		conn_free(c);
	}
}

/* The single close path: the socket and the SSL go now (nothing more is written: an
 * orderly end sent its close_notify before), memory on the loop's next pass.
 * Idempotent. */
static void
conn_close(struct conn *c, const char *why)
{
	if (c->state == CS_CLOSED)
		return;
	trace_closed(c->info.srv->trace, c->info.id, why, conn_cert_sent(c), c->info.requests);
	if (c->fr != NULL && c->fr->closing != NULL)
		c->fr->closing(c, c->frs);
	conn_state(c, CS_CLOSED);
	assert(c->info.srv->nconns > 0);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->info.srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->info.srv->nconns--;
	if (c->info.srv->shared_nconns != NULL)
		atomic_fetch_sub_explicit(c->info.srv->shared_nconns, 1, memory_order_relaxed);
	if (c->rate != NULL && c->rate->ev != NULL)
		event_del(c->rate->ev);
	conn_read_on(c, 0);
	conn_write_on(c, 0);
	conn_async_unqueue(c);
	if (c->info.ssl != NULL) {
		tlsctx_ssl_free(c->info.srv->tls, c->info.ssl);   /* its stored session serialized */
		c->info.ssl = NULL;
	}
	if (c->sock.fd >= 0)
		close(c->sock.fd);
	c->sock.fd = -1;
	conn_disarm(c);
	/* the memory goes on the next pass */
	if (c->info.srv->free_ev == NULL)
		c->info.srv->free_ev = event_new(c->info.srv->base, -1, 0, conn_srv_free_cb,
		    c->info.srv);
	c->prev = NULL;
	c->next = c->info.srv->dead;
	c->info.srv->dead = c;
	if (c->info.srv->free_ev != NULL)
		event_active(c->info.srv->free_ev, EV_TIMEOUT, 0);
}

/*
 * An orderly end of a TLS connection: close_notify (RFC 8446 §6.1), so that the client
 * can tell a complete close-delimited response from one cut short.  Only once all that
 * was queued went out; never on a truncation.  Returns 0 (sent, or nothing to send), or
 * -1 when the socket is full: call again once it is writable (OpenSSL keeps the alert).
 */
static int
conn_goodbye(struct conn *c)
{
	if (c->info.ssl == NULL || c->goodbye_sent || c->cut || iobuf_len(&c->out) > 0 ||
	    c->state == CS_HANDSHAKE || !SSL_is_init_finished(c->info.ssl))
		return 0;
	if (tlsio_shutdown(c->info.ssl) == TLSIO_WANT_WRITE)
		return -1;
	c->goodbye_sent = 1;
	return 0;
}

void
conn_end(struct conn *c, const char *why)
{
	if (c->reset) {   /* a reset was asked for: it is one now */
		conn_reset_now(c);
		return;
	}
	(void)conn_goodbye(c);   /* idle: the socket has room, or the client takes nothing */
	conn_close(c, why);
}

void
conn_abort(struct conn *c, const char *why)
{
	c->cut = 1;
	conn_close(c, why);
}

/* The reset itself: close sends RST (and throws away what the socket did not send). */
static void
conn_reset_now(struct conn *c)
{
	struct linger lg = { 1, 0 };

	if (c->sock.fd >= 0)
		setsockopt(c->sock.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(c, c->reset_why);
}

/* Bytes the client's TCP has not acknowledged yet (0 when unknown). */
static int
conn_unacked(const struct conn *c)
{
	int n = 0;

	if (c->sock.fd < 0 || ioctl(c->sock.fd, SIOCOUTQ, &n) != 0)
		return 0;
	return n;
}

/* What was answered before the reset is the client's: the output is written first (as a
 * conn_finish), then the reset waits, CONN_LINGER_SECONDS at most, until the client's TCP
 * acknowledged it, since a reset discards whatever the socket still holds. */
void
conn_reset(struct conn *c, const char *why)
{
	if (c->state == CS_CLOSED)
		return;
	c->cut = 1;   /* no close_notify */
	c->reset = 1;
	c->reset_why = why;
	switch (c->state) {
	case CS_OPEN:
		conn_finish(c);   /* the output, then conn_linger resets */
		return;
	case CS_CLOSING:
		return;           /* conn_linger resets once the output is out */
	default:
		conn_reset_now(c);
		return;
	}
}

int
conn_client_cert(struct conn *c, const STACK_OF(X509_NAME) *ca)
{
	STACK_OF(X509_NAME) *names = NULL;

	if (c->info.ssl == NULL || c->state != CS_OPEN || SSL_version(c->info.ssl) >= TLS1_3_VERSION)
		return -1;
	/* the renegotiation's ClientHello finds the first one's decision (tlsctx_hello_cb
	 * keeps it), its session the entry's flags and the ticket keys */
	if (c->tc.hello == NULL) {
		if ((c->tc.hello = conn_hello_new(c)) == NULL)
			return -1;
		c->tc.hello->done = 1;
		c->tc.hello->cert = c->info.cert;
		c->tc.hello->entry = c->info.entry;
		c->tc.hello->has_sni = c->info.has_sni;
		c->tc.hello->sni_used = c->info.sni_used;
		/* http2 0: an HTTP/1.1 connection (the only kind renegotiating) offered h2
		 * and was refused it, or did not offer it: ALPN chooses as it did */
		tlsctx_ssl_hello(c->info.srv->tls, c->info.ssl, c->tc.hello);
	}
	if (ca != NULL && (names = SSL_dup_CA_list(ca)) == NULL)
		return -1;
	SSL_set_client_CA_list(c->info.ssl, names != NULL ? names : sk_X509_NAME_new_null());
	SSL_set_verify(c->info.ssl, SSL_VERIFY_PEER, tlsctx_verify_any);
	if (tlsio_request_client_cert(c->info.ssl) != 0)
		return -1;
	c->renegotiating = 1;
	trace_note(c->info.srv->trace, c->info.id, "renegotiating: HelloRequest sent, the client "
	    "is asked for its certificate inside the TLS connection");
	/* the HelloRequest goes out now; the client's answer is read as any input */
	switch (tlsio_handshake(c->info.ssl)) {
	case TLSIO_OK:
	case TLSIO_WANT_READ:
		break;
	case TLSIO_WANT_WRITE:
		conn_write_on(c, 1);
		break;
	default:
		c->renegotiating = 0;
		return -1;
	}
	c->wdeadline = clock_now_ms() + (uint64_t)c->info.cfg->renegotiation_timeout * 1000;
	conn_arm_for(c, c->wdeadline);
	conn_reading(c, 1);
	return 0;
}

/* A renegotiation in progress ended (the client answered the HelloRequest, or not). */
static void
conn_renegotiated(struct conn *c)
{
	if (!c->renegotiating || c->info.ssl == NULL || SSL_renegotiate_pending(c->info.ssl))
		return;
	c->renegotiating = 0;
	c->wdeadline = 0;
	conn_buffers_unpark(c);
	conn_hello_end(c);
	if (c->state == CS_OPEN && c->fr->client_cert != NULL)
		c->fr->client_cert(c, c->frs);
}

/* The output is out: close_notify, FIN, then discard what the client still sends until
 * it closes (or CONN_LINGER_SECONDS), so unread input never turns the close into a reset
 * that destroys the response before the client read it. */
static void
conn_linger(struct conn *c)
{
	if (c->reset) {
		if (conn_unacked(c) == 0) {
			conn_reset_now(c);
			return;
		}
		/* conn_timer polls the acknowledgements until the deadline */
		conn_state(c, CS_LINGER);
		iobuf_clear(&c->in);
		conn_read_on(c, 1);
		c->wdeadline = 0;
		conn_deadline(c, CONN_LINGER_SECONDS);
		conn_arm(c, clock_now_ms() + CONN_RESET_POLL_MS);
		return;
	}
	/* close_notify is held with what conn_flush held (the response): all of it, and the
	 * FIN (none when the client already ended), in one write and one segment */
	tlsio_hold(&c->sock, 1);
	if (conn_goodbye(c) != 0 || tlsio_release(&c->sock, !c->peer_eof) == TLSIO_WANT_WRITE) {
		/* the socket is full: close_notify waits for room, as a blocked write does */
		log_debug("conn %llu: close_notify waits for room in the socket", c->info.id);
		tlsio_hold(&c->sock, 0);
		conn_write_blocked(c);
		return;
	}
	if (c->peer_eof) {
		conn_close(c, "response sent");
		return;
	}
	conn_state(c, CS_LINGER);
	iobuf_clear(&c->in);
	conn_read_on(c, 1);
	c->wdeadline = 0;
	conn_deadline(c, CONN_LINGER_SECONDS);
}

/* The linger is over (the client closed, or its time passed). */
static void
conn_linger_end(struct conn *c)
{
	if (c->reset)
		conn_reset_now(c);
	else
		conn_close(c, "response sent");
}

void
conn_finish(struct conn *c)
{
	if (c->state != CS_OPEN)
		return;
	conn_state(c, CS_CLOSING);
	iobuf_clear(&c->in);
	conn_read_on(c, !c->peer_eof);   /* input is discarded; EOF is noticed */
	c->deadline = 0;
	if (iobuf_len(&c->out) == 0) {
		conn_linger(c);
		return;
	}
	/* the rest is the client's to take: at min_send_rate (timed once a write blocks), or
	 * within idle_connection_timeout of each write that blocked */
	conn_async(c, ASYNC_FLUSH);
}

/* The transport cuts the connection: the framing writes down why, then the close. */
static void
conn_cut(struct conn *c, const char *reason, int win32, const char *why)
{
	if (c->fr != NULL && c->fr->cut != NULL && c->state != CS_CLOSED)
		c->fr->cut(c, c->frs, reason, win32);
	else if (reason != NULL && c->state == CS_HANDSHAKE)
		exchange_log_conn_error(&c->info, 0, reason);
	conn_abort(c, why);
}

/* ---------- min_send_rate ---------- */

static void
conn_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct sendrate *r = &c->rate->rate;   /* (its timer exists: c->rate does) */
	uint64_t acked, queued, base = r->base, need = r->need;
	unsigned long ms = 0;
	struct timeval tv;

	if (c->state == CS_CLOSED || !r->active)
		return;
	if (sendrate_socket(c->sock.fd, &acked, &queued) != 0) {
		r->active = 0;
		return;
	}
	switch (sendrate_check(r, acked, iobuf_len(&c->out) + queued,
	    c->info.cfg->min_send_rate, &ms)) {
	case SENDRATE_IDLE:
		return;
	case SENDRATE_NEXT:
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		evtimer_add(c->rate->ev, &tv);
		return;
	case SENDRATE_CUT:
		break;
	}
	trace_note(c->info.srv->trace, c->info.id, "the client acknowledged %llu of the %llu bytes it "
	    "had to take in %lu ms (min_send_rate %lu bytes/s)",
	    (unsigned long long)(acked > base ? acked - base : 0), (unsigned long long)need,
	    sendrate_window_ms(need, c->info.cfg->min_send_rate), c->info.cfg->min_send_rate);
	conn_cut(c, "Timer_MinBytesPerSecond", WIN32_SEM_TIMEOUT, "Timer_MinBytesPerSecond");
}

/* A write blocked: the client must now take what waits at min_send_rate (sendrate.h). */
static void
conn_rate_begin(struct conn *c)
{
	uint64_t acked, queued, pending;
	unsigned long ms;
	struct timeval tv;

	if ((c->rate == NULL && (c->rate = calloc(1, sizeof(*c->rate))) == NULL) ||
	    (c->rate->ev == NULL &&
	    (c->rate->ev = evtimer_new(c->info.srv->base, conn_rate_cb, c)) == NULL) ||
	    c->rate->rate.active)
		return;
	if (sendrate_socket(c->sock.fd, &acked, &queued) != 0) {
		log_debug("conn %llu: cannot read the socket's TCP_INFO: %s", c->info.id,
		    strerror(errno));
		conn_wdeadline(c, c->info.cfg->idle_connection_timeout);   /* timed as without */
		return;
	}
	pending = iobuf_len(&c->out) + queued;
	ms = sendrate_start(&c->rate->rate, acked, pending ? pending : 1, c->info.cfg->min_send_rate);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(c->rate->ev, &tv);
}

/* ---------- output ---------- */

/* A write found the socket full: wait until it is writable, within min_send_rate (or,
 * without one, within idle_connection_timeout). */
static void
conn_write_blocked(struct conn *c)
{
	conn_write_on(c, 1);
	if (c->info.cfg->min_send_rate > 0)
		conn_rate_begin(c);
	else
		conn_wdeadline(c, c->info.cfg->idle_connection_timeout);
}

/* Write what the output holds, one SSL_write (one record, one write(2)) per block.  The
 * last output of a connection that closes, when it is one block at most, is held and
 * leaves with its close_notify (conn_linger): one write(2), one segment.  A ticket still
 * held (tlsio.h) leaves ahead of the first record. */
static void
conn_flush(struct conn *c)
{
	enum tlsio_status st = TLSIO_OK;
	const char *p;
	size_t n, w;

	if (c->state == CS_CLOSED || c->state == CS_HANDSHAKE || c->write_wants_read)
		return;
	if (c->info.ssl != NULL && c->state == CS_CLOSING && !c->reset && !c->cut &&
	    iobuf_len(&c->out) <= IOBUF_BLOCK)
		tlsio_hold(&c->sock, 1);
	while ((p = iobuf_peek(&c->out, &n)) != NULL) {
		w = tlsio_write(c->sock.fd, c->info.ssl, p, n, &st);
		if (w == 0)
			break;
		stats_add(&stats_self.bytes_out[c->info.proto], w);
		iobuf_drain(&c->out, w);
	}
	tlsio_hold(&c->sock, 0);   /* what is held goes with the next write, or conn_linger's */
	if (st == TLSIO_OK && c->state == CS_OPEN && tlsio_holding(&c->sock))
		st = tlsio_release(&c->sock, 0);   /* a ticket that waited for a write it now has */
	switch (st) {
	case TLSIO_OK:
		break;
	case TLSIO_WANT_WRITE:
		conn_write_blocked(c);
		return;
	case TLSIO_WANT_READ:   /* a renegotiation in progress: the read side goes on */
		c->write_wants_read = 1;
		conn_read_on(c, 1);
		return;
	default:
		conn_cut(c, NULL, WIN32_NETNAME_DELETED, "connection error while writing");
		return;
	}
	conn_write_on(c, 0);
	c->wdeadline = 0;
	if (c->out_high && iobuf_len(&c->out) <= CONN_LOW_WATER) {
		c->out_high = 0;
		if (c->state == CS_OPEN && c->fr->drained != NULL)
			c->fr->drained(c, c->frs);
		if (c->state == CS_CLOSED)
			return;
	}
	if (iobuf_len(&c->out) == 0 && c->state == CS_CLOSING)
		conn_linger(c);
}

/* ---------- input ---------- */

/* What the framing queued from the input goes on (its ->input_end). */
static void
conn_input_end(struct conn *c)
{
	if (c->state == CS_OPEN && c->fr->input_end != NULL)
		c->fr->input_end(c, c->frs);
}

/* Hand the input to the framing (not re-entered).  more: conn_read's loop reads on, and
 * calls conn_input_end once it is over (one write to a backend per readiness, not per
 * record); otherwise, and before the client's end is told, conn_input_end now. */
static void
conn_input(struct conn *c, int more)
{
	if (c->in_input || c->state != CS_OPEN)
		return;
	c->in_input = 1;
	if (iobuf_len(&c->in) > 0 && c->reading)
		c->fr->input(c, c->frs);
	c->in_input = 0;
	if (c->state == CS_OPEN && c->peer_eof && iobuf_len(&c->in) == 0 && c->fr->eof != NULL) {
		conn_input_end(c);
		if (c->state == CS_OPEN)
			c->fr->eof(c, c->frs);
	} else if (!more) {
		conn_input_end(c);
	}
}

static void
conn_handshake_done(struct conn *c)
{
	const unsigned char *alpn = NULL;
	unsigned alpnlen = 0;

	c->info.cert = c->tc.hello->cert;
	c->info.has_sni = (unsigned char)c->tc.hello->has_sni;
	c->info.sni = c->tc.hello->sni;   /* moved: the connection frees it */
	c->tc.hello->sni = NULL;
	c->info.sni_used = (unsigned char)c->tc.hello->sni_used;
	c->info.entry = c->tc.hello->entry;
	c->shook = 1;
	conn_hello_end(c);
	c->info.tls_version = SSL_get_version(c->info.ssl);
	c->info.tls_cipher = SSL_get_cipher_name(c->info.ssl);
	conn_state(c, CS_OPEN);
	SSL_get0_alpn_selected(c->info.ssl, &alpn, &alpnlen);
	if (c->info.srv->trace)
		trace_handshake_done(1, c->info.id, c->info.tls_version, c->info.tls_cipher,
		    SSL_session_reused(c->info.ssl), (const char *)alpn, alpnlen);
	if (alpnlen == 2 && memcmp(alpn, "h2", 2) == 0)
		(void)h2_start(c);
	else
		(void)h1_start(c);
}

/* A handshake's end, by the §1.1 step that chose its certificate (none counted when no
 * ClientHello came). */
static void
conn_count_handshake(const struct conn *c, enum stats_hs how)
{
	if (c->tc.hello->done && c->tc.hello->step >= 1 && c->tc.hello->step < STATS_STEPS)
		stats_add(&stats_self.handshakes[c->tc.hello->step][how], 1);
}

static void
conn_handshake(struct conn *c)
{
	char peer_ip[INET6_ADDRSTRLEN];

	switch (tlsio_handshake(c->info.ssl)) {
	case TLSIO_OK:
		conn_write_on(c, 0);
		conn_count_handshake(c, STATS_HS_OK);
		conn_handshake_done(c);
		return;
	case TLSIO_WANT_READ:
		conn_write_on(c, 0);
		return;
	case TLSIO_WANT_WRITE:
		conn_write_on(c, 1);
		return;
	default:
		binding_addr_format(&c->info.peer, peer_ip, sizeof(peer_ip));
		if (!c->tc.hello->refused && c->tc.hello->entry != NULL &&
		    (c->tc.hello->entry->flags & CONF_SSL_LOG_EXTENDED_EVENTS))
			/* logextendedevents: "logged when the SSL handshake fails" */
			log_info("conn %llu: TLS handshake with %s failed: %s", c->info.id,
			    peer_ip, tlsio_reason()[0] ? tlsio_reason() : "connection closed");
		else if (!c->tc.hello->refused)
			log_debug("conn %llu: TLS handshake with %s failed: %s", c->info.id,
			    peer_ip, tlsio_reason()[0] ? tlsio_reason() : "connection closed");
		conn_count_handshake(c, c->tc.hello->refused ? STATS_HS_REFUSED : STATS_HS_FAILED);
		conn_close(c, !c->tc.hello->refused ? "handshake failed" : c->tc.hello->cert != NULL ?
		    "refused by the binding" : "no certificate");
		return;
	}
}

/* Read what the socket has: a few reads at most, so other connections get a turn.  What
 * went to the framing is forwarded once, at the end (conn_input_end). */
static void
conn_read(struct conn *c)
{
	int fed = 0;

	for (int i = 0; i < CONN_READS_PER_CB && c->state != CS_CLOSED; i++) {
		enum tlsio_status st;
		size_t avail, n;
		char *w, scratch[4096];
		int discard = c->state == CS_CLOSING || c->state == CS_LINGER;

		if (c->state == CS_HANDSHAKE) {
			conn_handshake(c);
			if (c->state != CS_OPEN)
				goto out;
			continue;   /* the request may have come with the last handshake flight */
		}
		if (discard) {
			w = scratch;
			avail = sizeof(scratch);
		} else {
			if (!c->reading || iobuf_len(&c->in) >= CONN_IN_MAX) {
				conn_read_on(c, 0);   /* resumed by conn_reading */
				goto out;
			}
			if ((w = iobuf_space(&c->in, 1, &avail)) == NULL) {
				conn_abort(c, "out of memory");
				goto out;
			}
		}
		n = tlsio_read(c->sock.fd, c->info.ssl, w, avail, &st);
		if (n == 0 && !discard)
			iobuf_trim(&c->in);   /* nothing came: an idle connection keeps no block */
		if (c->renegotiating && n == 0) {
			conn_renegotiated(c);   /* the handshake records came, no data */
			if (c->state == CS_CLOSED)
				goto out;
		}
		if (c->write_wants_read && st != TLSIO_WANT_WRITE) {
			c->write_wants_read = 0;
			conn_async(c, ASYNC_FLUSH);
		}
		if (n > 0) {
			stats_add(&stats_self.bytes_in[c->info.proto], n);
			if (!discard) {
				iobuf_commit(&c->in, n);
				if (c->renegotiating)
					conn_renegotiated(c);
				if (c->state != CS_OPEN)
					goto out;
				fed = 1;
				conn_input(c, 1);
			}
			/* a short read emptied the socket; OpenSSL may still hold records */
			if (n < avail && !tlsio_pending(c->info.ssl))
				goto out;
			continue;
		}
		switch (st) {
		case TLSIO_WANT_READ:
			goto out;
		case TLSIO_WANT_WRITE:   /* a renegotiation wants to write */
			conn_write_on(c, 1);
			goto out;
		case TLSIO_CLOSED:
		case TLSIO_EOF:
			c->peer_eof = 1;
			conn_read_on(c, 0);
			if (c->state == CS_LINGER) {
				conn_linger_end(c);
				goto out;
			}
			fed = 0;   /* (conn_input ends the input before the end is told) */
			conn_input(c, 0);
			goto out;
		default:
			if (c->state == CS_LINGER) {
				conn_linger_end(c);
				goto out;
			}
			if (c->renegotiating) {
				/* a client that cannot renegotiate (rustls: a no_renegotiation
				 * alert) never sends the certificate: the request is dropped */
				trace_note(c->info.srv->trace, c->info.id, "the client refused the "
				    "renegotiation (%s): it cannot send a certificate inside this "
				    "connection", tlsio_reason()[0] ? tlsio_reason() : "error");
				conn_cut(c, "Connection_Dropped", WIN32_NETNAME_DELETED,
				    "the client refused to renegotiate");
				goto out;
			}
			conn_cut(c, NULL, WIN32_NETNAME_DELETED, "connection error");
			goto out;
		}
	}
	/* The cap was reached: records OpenSSL read ahead (no readiness will tell) are read on
	 * the next pass, after the other connections had their turn. */
	if (c->state != CS_CLOSED && tlsio_pending(c->info.ssl))
		conn_async(c, ASYNC_READ);
out:
	if (fed)
		conn_input_end(c);
	if ((fed || tlsio_buffers_held(&c->sock)) && c->info.ssl != NULL && c->state == CS_OPEN &&
	    tlsio_buffers_touch(c->info.ssl, &c->sock))   /* a busy spell: buffers kept */
		conn_arm_for(c, clock_now_ms() + TLSIO_BUF_HOLD_MS);
	/* The handshake's ticket is held (tlsio.h) for the first answer to a request that came
	 * with the Finished, or for output already queued (HTTP/2's SETTINGS); else it goes. */
	if (c->shook && c->state != CS_CLOSED) {
		c->shook = 0;
		if (!fed && !c->wev_on && iobuf_len(&c->out) == 0)
			conn_ticket_out(c);
		else if (tlsio_holding(&c->sock))   /* a slow answer does not keep it longer */
			conn_arm_for(c, clock_now_ms() + CONN_TICKET_HOLD_MS);
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
		if (c->state == CS_OPEN)
			conn_read(c);
		return;
	}
	if (c->write_wants_read) {   /* a renegotiation wanted to write while reading */
		conn_read(c);
		return;
	}
	conn_flush(c);
}

static void
conn_async_run(struct conn *c)
{
	int asked = c->async;

	c->async = 0;
	c->async_run = 1;
	if ((asked & ASYNC_LATER) && c->state == CS_OPEN && c->fr->later != NULL)
		c->fr->later(c, c->frs);
	if ((asked & ASYNC_INPUT) && c->state == CS_OPEN) {
		conn_input(c, 0);
		if (c->state == CS_OPEN && c->reading && tlsio_pending(c->info.ssl))
			asked |= ASYNC_READ;   /* records OpenSSL read ahead: no readiness says so */
	}
	if ((asked & ASYNC_READ) && c->state != CS_CLOSED)
		conn_read(c);
	if (c->state != CS_CLOSED && iobuf_len(&c->out) > 0 && !c->wev_on)
		conn_flush(c);
	c->async_run = 0;   /* what the run asked for gets a pass, but a send the flush did */
	asked = c->async & (iobuf_len(&c->out) > 0 && !c->wev_on ? ~0 : ~ASYNC_FLUSH);
	c->async = 0;
	if (asked != 0 && c->state != CS_CLOSED)
		conn_async(c, asked);
}

/* The server's queue: each connection that asked for deferred work, once (its run). */
static void
conn_srv_async_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_server *srv = arg;
	struct conn *c;

	srv->async_batch = srv->async_head;
	srv->async_head = NULL;
	srv->async_active = 0;
	for (c = srv->async_batch; c != NULL; c = c->anext)
		c->async_on = 2;   /* in the batch: a new request joins a fresh queue */
	while ((c = srv->async_batch) != NULL) {
		conn_async_unqueue(c);
		conn_async_run(c);
	}
}

static void
conn_timer(struct conn *c)
{
	uint64_t now = clock_now_ms();

	if (c->state == CS_CLOSED)
		return;
	/* a ticket held for a first answer that has not come within CONN_TICKET_HOLD_MS */
	if (c->state == CS_OPEN && !c->wev_on && tlsio_holding(&c->sock)) {
		conn_ticket_out(c);
		if (c->state == CS_CLOSED)
			return;
	}
	if (c->wdeadline != 0 && now >= c->wdeadline) {
		c->wdeadline = 0;
		if (c->renegotiating) {
			/* HTTP.SYS: "SSL renegotiation ... took longer than ... two minutes" */
			conn_cut(c, "Timer_SslRenegotiation", WIN32_SEM_TIMEOUT,
			    "the client did not renegotiate in time");
			return;
		}
		/* the client took nothing for idle_connection_timeout (min_send_rate = 0) */
		conn_cut(c, "Timer_ConnectionIdle", WIN32_SEM_TIMEOUT,
		    "the client took nothing for idle_connection_timeout");
		return;
	}
	if (c->state == CS_LINGER && c->reset) {
		/* a reset waiting for the client's ACKs of what it was answered */
		if (now >= c->deadline || conn_unacked(c) == 0)
			conn_reset_now(c);
		else
			conn_arm(c, now + CONN_RESET_POLL_MS);
		return;
	}
	if (c->deadline != 0 && now >= c->deadline) {
		c->deadline = 0;
		switch (c->state) {
		case CS_HANDSHAKE:
			/* no request yet: to HTTP.SYS an idle connection */
			exchange_log_conn_error(&c->info, 0, "Timer_ConnectionIdle");
			conn_close(c, "handshake timed out");
			return;
		case CS_LINGER:
			conn_linger_end(c);
			return;
		case CS_OPEN:
			if (c->fr->timeout != NULL)
				c->fr->timeout(c, c->frs);
			break;
		default:
			break;
		}
		if (c->state == CS_CLOSED)
			return;
	}
	/* a deadline that moved since this was armed, or the other one */
	if (c->deadline != 0 && (c->wdeadline == 0 || c->deadline < c->wdeadline))
		conn_arm(c, c->deadline);
	else if (c->wdeadline != 0)
		conn_arm(c, c->wdeadline);
	if (c->info.ssl != NULL && c->state == CS_OPEN &&
	    !(c->buf_parked = tlsio_buffers_kept(&c->sock) && CONN_WAITS(c))) {
		int kept = tlsio_buffers_kept(&c->sock), r = tlsio_buffers_idle(c->info.ssl, &c->sock);

		if (r == 1)
			conn_arm_for(c, now + TLSIO_BUF_HOLD_MS);   /* in use: look again then */
		else if (r == 0 && kept && c->fr->idle != NULL)
			c->fr->idle(c, c->frs);   /* the spell is over (2: the next read looks) */
	}
}

/* The server's timer: each connection whose time came (removed from the timers first;
 * conn_timer arms it again if it wants), at most as many as were armed, so one armed for
 * now again waits for the next pass. */
static void
conn_srv_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_server *srv = arg;
	uint64_t now = clock_now_ms();
	unsigned n = srv->ntimers;

	srv->timer_first = 0;   /* fired: conn_srv_timer_sync arms it again */
	while (n-- > 0 && srv->ntimers > 0 && srv->timers[0]->armed <= now) {
		struct conn *c = srv->timers[0];

		conn_disarm(c);
		conn_timer(c);
	}
	conn_srv_timer_sync(srv);
}

/* ---------- the TLS decision's trace ---------- */

static void
conn_narrate_hello(void *arg, const struct tlsctx_hello *h, const struct cert_choice *choice,
    const char *policy)
{
	struct conn *c = arg;

	trace_hello(c->info.srv->trace, c->info.id, c->info.cfg->mode, h, choice, policy);
}

/* ---------- accept ---------- */

int
conn_accept(struct conn_server *srv, evutil_socket_t fd, const struct sockaddr *peer,
    int peerlen, enum binding_proto proto, const struct sockaddr *local)
{
	struct conn *c;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char peer_ip[INET6_ADDRSTRLEN];
	size_t evsz = event_get_struct_event_size();
	char where[96];
	unsigned long total;
	const struct conf *cfg = srv->cfg;

	/* the connection and its read event in one allocation */
	if ((c = calloc(1, CONN_REV_AT + evsz)) == NULL) {
		log_warn("accept: cannot allocate a connection");
		close(fd);
		return -1;
	}
	/* Process-wide, so a connection's trace lines share an id whichever worker runs it. */
	c->info.id = atomic_fetch_add_explicit(&conn_ids, 1, memory_order_relaxed) + 1;
	c->info.srv = srv;
	c->info.cfg = cfg;
	c->info.proto = proto;
	c->info.verdict = -1;
	c->info.cc_chain = -1;
	c->info.version = "HTTP/1.1";
	c->sock.fd = fd;   /* the connection's socket (plain http's too: its FIN, conn_linger) */
	c->reading = 1;
	/* the first state, the only one not set by conn_state */
	c->state = proto == BINDING_HTTPS ? CS_HANDSHAKE : CS_OPEN;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	event_assign(conn_rev(c), srv->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	/* max_connections counts every worker's connections, old generations' included */
	total = srv->shared_nconns != NULL ?
	    atomic_fetch_add_explicit(srv->shared_nconns, 1, memory_order_relaxed) + 1 :
	    srv->nconns;
	c->over_limit = cfg->max_connections > 0 && total > cfg->max_connections;
	binding_addr_from(peer, &c->info.peer, &c->info.peer_port);
	if (local == NULL && getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		log_warn("getsockname");
		conn_close(c, "getsockname failed");
		return -1;
	}
	binding_addr_from(local != NULL ? local : (struct sockaddr *)&ss, &c->info.local,
	    &c->info.port);
	if (srv->trace) {
		binding_ipport_format(&c->info.local, c->info.port, where, sizeof(where));
		binding_addr_format(&c->info.peer, peer_ip, sizeof(peer_ip));
		trace_accept(1, c->info.id, proto, where, peer_ip, c->info.peer_port,
		    c->over_limit);
	}
	conn_read_on(c, 1);
	if (proto == BINDING_HTTPS) {
		if ((c->tc.hello = conn_hello_new(c)) == NULL || (c->info.ssl =
		    tlsctx_ssl_new(srv->tls, &c->tc, c->tc.hello, &c->sock)) == NULL) {
			conn_close(c, "no SSL object");
			return -1;
		}
		conn_deadline(c, cfg->handshake_timeout);
		/* the ClientHello is often there already: no wait for a readiness event */
		conn_handshake(c);
		if (c->state == CS_OPEN)
			conn_read(c);
	} else if (h1_start(c) != 0) {
		return -1;
	}
	return 0;
}

void
conn_retire_all(struct conn_server *srv)
{
	struct conn *c, *next;

	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CS_HANDSHAKE && srv->stopping)
			conn_close(c, "shutting down");
		else if (c->state == CS_OPEN && c->fr != NULL && c->fr->retire != NULL)
			c->fr->retire(c, c->frs);
	}
}

void
conn_server_clear(struct conn_server *srv)
{
	conn_srv_free_cb(-1, 0, srv);   /* closed in a pass that had no next */
	if (srv->free_ev != NULL)
		event_free(srv->free_ev);
	if (srv->timer_ev != NULL)
		event_free(srv->timer_ev);
	free(srv->timers);
	srv->free_ev = srv->timer_ev = NULL;
	srv->timers = NULL;
	srv->ntimers = srv->timers_cap = 0;
	srv->timer_first = 0;
	if (srv->async_ev != NULL)
		event_free(srv->async_ev);
	srv->async_ev = NULL;
	srv->async_head = srv->async_batch = NULL;
}

void
conn_close_all(struct conn_server *srv)
{
	while (srv->conns != NULL)
		conn_close(srv->conns, "daemon stopped");
}
