/*
 * conn — one client connection: the socket, TLS (driven directly through tlsio: the
 * handshake whose certificate tlsctx chose, reads, writes, close_notify), the HTTP/1.1
 * framing (request heads and bodies through the http parser, responses framed for the
 * client, keep-alive and pipelining answered in order), the connection's timers
 * (handshake, header wait, idle, entity body, tunnel idle, min_send_rate) and its single
 * close path.  What each request means is its exchange's (exchange.c): the connection
 * creates one per request, gives it the exchange_ops below and frees it.  Event-loop
 * thread only.
 */
#ifndef SYSBIND_CONN_H
#define SYSBIND_CONN_H

#include <sys/socket.h>
#include <event2/event.h>

#include "binding.h"

struct conf;
struct tlsctx;
struct upstream_pool;
struct accesslog;
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
	unsigned long        *shared_nconns; /* NULL, or the process-wide count of open
	                                    connections (atomic), which max_connections limits */
};

/*
 * Take over an accepted non-blocking socket (ownership of fd passes to the conn, also on
 * failure) that arrived over proto.  Returns 0, or -1 when the connection could not be
 * set up (already closed and logged).  Called from the listener's accept callback.
 */
int conn_accept(struct conn_server *srv, evutil_socket_t fd, const struct sockaddr *peer,
    int peerlen, enum binding_proto proto);

/* Shutdown: close connections that are between requests or mid-handshake; the others
 * close after their current response. */
void conn_stop_idle(struct conn_server *srv);

/* Close every connection now (end of the daemon).  Their memory is released by the
 * event loop's next pass. */
void conn_close_all(struct conn_server *srv);

#endif
