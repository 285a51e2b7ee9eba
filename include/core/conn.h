/*
 * conn — one client connection's transport: the socket, TLS (driven directly through
 * tlsio: the handshake whose certificate tlsctx chose, reads, writes, close_notify,
 * renegotiation), the input and output queues, the deadlines (handshake, the framing's
 * own, write stalls and min_send_rate) and the single close path.  What the bytes mean is
 * the framing's: HTTP/1.1 (h1.c) or HTTP/2 (h2.c), chosen once the handshake (ALPN) or
 * the listener says which; the framing creates and frees the exchanges.  Event-loop
 * thread only.
 */
#ifndef SYSBIND_CONN_H
#define SYSBIND_CONN_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "model/binding.h"

struct conf;
struct tlsctx;
struct upstream_pool;
struct accesslog;
struct exchange_conn;
struct iobuf;
struct conn;

/* High-water mark of any one queue between the two sides; producing stops above it. */
#define CONN_HIGH_WATER (256 * 1024)
/* Producing resumes when the queue drains to this. */
#define CONN_LOW_WATER  (64 * 1024)

/* What the connections of one worker thread under one configuration generation share
 * (owned by worker.c: a reload gives each worker a new one; the old one lives until its
 * last connection closes). */
struct conn_server {
	struct event_base    *base;
	const struct conf    *cfg;
	struct tlsctx        *tls;
	struct upstream_pool *pool;
	struct accesslog     *access;    /* NULL: off */
	struct accesslog     *httperr;   /* NULL: off */
	int                   trace;     /* narrate (cfg->trace or -v) */
	int                   stopping;  /* SIGTERM: finish in-flight requests, keep nothing alive */
	unsigned long         nconns;
	struct conn          *conns;     /* every open connection */
	int                   retired;   /* a reload replaced this generation: responses that
	                                    start now say Connection: close */
	atomic_ulong         *shared_nconns; /* NULL, or the process-wide count of open
	                                    connections, which max_connections limits */
	const unsigned       *site_slots; /* per cfg->sites[i]: its counters' slot (stats.h);
	                                    NULL: not counted */
	/* deferred work of this server's connections, done once per loop pass (conn.c) */
	struct event         *async_ev;
	struct conn          *async_head, *async_batch;
	int                   async_active;
	/* the connections' timers (conn.c): a min-heap on the time each fires, one event at
	 * the first; and the connections closed in this pass, freed in the next */
	struct conn         **timers;
	unsigned              ntimers, timers_cap;
	uint64_t              timer_first;   /* when timer_ev fires; 0: not armed */
	struct event         *timer_ev;
	struct conn          *dead;
	struct event         *free_ev;
};

/* Free what conn.c keeps in srv, closed connections not yet freed included (no open
 * connection may be left). */
void conn_server_clear(struct conn_server *srv);

/*
 * Take over an accepted non-blocking socket (ownership of fd passes to the conn, also on
 * failure) that arrived over proto, with TCP_NODELAY set (the listener's, inherited), at
 * local, the listening socket's own address when it is one address (NULL: a wildcard,
 * getsockname says).  Returns 0, or -1 when the connection could not be set up (already
 * closed and logged).  Called from the listener's accept callback.
 */
int conn_accept(struct conn_server *srv, evutil_socket_t fd, const struct sockaddr *peer,
    int peerlen, enum binding_proto proto, const struct sockaddr *local);

/* Every connection of srv hears that its generation is retired or stopping (set
 * srv->retired or srv->stopping first): handshakes in progress close when stopping; the
 * framings do the rest (conn_framing.retire). */
void conn_retire_all(struct conn_server *srv);

/* Close every connection now (end of the daemon).  Their memory is released by the
 * event loop's next pass. */
void conn_close_all(struct conn_server *srv);

/* ---- for the framings (h1.c, h2.c) ---- */

/* What the transport tells its framing.  f is the framing's own state. */
struct conn_framing {
	/* Bytes wait in conn_in(c): consume what can be consumed now. */
	void (*input)(struct conn *c, void *f);
	/* Optional: everything one readiness callback read was given to ->input (up to
	 * CONN_READS_PER_CB records): forward what it queued, once for all of them. */
	void (*input_end)(struct conn *c, void *f);
	/* The client ended its side (no more input after what conn_in holds). */
	void (*eof)(struct conn *c, void *f);
	/* The framing's deadline (conn_deadline) passed. */
	void (*timeout)(struct conn *c, void *f);
	/* The output fell to CONN_LOW_WATER after being above CONN_HIGH_WATER. */
	void (*drained)(struct conn *c, void *f);
	/* Work the framing asked for with conn_later, once per loop pass. */
	void (*later)(struct conn *c, void *f);
	/* The transport is cutting the connection (reason: an HTTPERR reason such as
	 * Timer_MinBytesPerSecond, or NULL; win32 for a W3C line): write down why. */
	void (*cut)(struct conn *c, void *f, const char *reason, int win32);
	/* The connection's configuration generation is retired (a reload, srv->retired) or
	 * the daemon is stopping (SIGTERM, srv->stopping).  HTTP/2 sends a graceful GOAWAY
	 * (no new stream under it) and ends once its last stream is done.  HTTP/1.1, when
	 * stopping, ends now if nothing is in flight; on a reload its next response (an idle
	 * connection's next request is still served under the old generation) says
	 * Connection: close, and the client's request after that goes to a new connection. */
	void (*retire)(struct conn *c, void *f);
	/* The connection is closing: abandon what is unfinished (no memory freed yet). */
	void (*closing)(struct conn *c, void *f);
	/* Free f (the loop pass after the close). */
	void (*free)(void *f);
	/* A renegotiation asked for with conn_client_cert finished: the client's certificate
	 * is SSL_get0_peer_certificate(conn_ssl(c)) (NULL: it sent none). */
	void (*client_cert)(struct conn *c, void *f);
	/* Optional: a busy spell (conn_busy) ended, the connection went TLSIO_BUF_HOLD_MS
	 * without I/O: give back what was kept for it. */
	void (*idle)(struct conn *c, void *f);
};

/* What exchanges read of the connection (kept up to date by the transport). */
struct exchange_conn *conn_info(struct conn *c);
/* The queues: bytes read from the client, bytes to write to it. */
struct iobuf *conn_in(struct conn *c);
struct iobuf *conn_out(struct conn *c);
/* Write the output at the end of this loop pass (now when it holds a full record). */
void conn_send(struct conn *c);
/* Write what is queued now, so that it ends its TLS record and what is queued after it
 * goes in a record of its own (a client that reads record by record sees it first).
 * May close c (a write error): check conn_closed. */
void conn_push(struct conn *c);
/* The framing's deadline, seconds from now (0: none). */
void conn_deadline(struct conn *c, unsigned seconds);
/* Stop (0) or resume (1) reading the client: resuming also hands over what TLS holds. */
void conn_reading(struct conn *c, int on);
/* Call framing->later once, after the callbacks of this loop pass. */
void conn_later(struct conn *c);
/* No more responses: write the output, then close_notify, FIN, linger, close. */
void conn_finish(struct conn *c);
/* End an idle connection in an orderly way (close_notify when TLS), now. */
void conn_end(struct conn *c, const char *why);
/* Cut the connection now, making nothing look complete (no close_notify). */
void conn_abort(struct conn *c, const char *why);
/* 1 once the connection closed (nothing more may be done with it). */
int conn_closed(const struct conn *c);
/* 1 when the client ended its side and conn_in is empty. */
int conn_peer_gone(const struct conn *c);
/* 1 during a busy spell (tlsio_buffers_kept: TLS requests coming back to back): what a
 * framing keeps for the next request is given back at its ->idle, which is sure to come. */
int conn_busy(const struct conn *c);
/* 1 when the connection is over the max_connections limit (its requests get 503). */
int conn_over_limit(const struct conn *c);
/* The SSL (NULL for http): ALPN, versions, client certificates. */
SSL *conn_ssl(struct conn *c);

/* Ask a TLS 1.2 client for its certificate inside the connection (renegotiation, as
 * HTTP.SYS does when a URL wants one), offering the CA names ca (borrowed; NULL: an empty
 * list).  Returns 0 once the request is under way (framing->client_cert follows, or the
 * connection is cut after renegotiation_timeout with HTTPERR Timer_SslRenegotiation), or
 * -1 when it cannot be asked (TLS 1.3, or OpenSSL refused). */
int conn_client_cert(struct conn *c, const STACK_OF(X509_NAME) *ca);

/* Reset the connection (TCP RST, no close_notify): what Windows Server 2022 does when a
 * client certificate is wanted after a TLS 1.3 handshake.  What was already answered is
 * written first and the reset waits (2 s at most) until the client acknowledged it; no
 * more input reaches the framing.  May be called from a framing callback. */
void conn_reset(struct conn *c, const char *why);

/* Give c its framing (ops borrowed, f owned from now on: ops->free frees it). */
void conn_set_framing(struct conn *c, const struct conn_framing *ops, void *f);

#endif
