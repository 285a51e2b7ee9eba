/*
 * conn — one client connection: accept, TLS handshake (certificate chosen by tlsctx),
 * request heads read with the http parser, routing (§1.2), the verdict (§1.3), HTTP.SYS's
 * own pages, the diagnostic page, keep-alive and pipelining (one request at a time,
 * answered in order), the trace narration and the access/HTTPERR log lines.  Proxying to
 * a backend is upstream.c's; it reports back through the conn_proxy_* functions below.
 * Every connection has exactly one close path, conn_close.  Event-loop thread only.
 */
#ifndef SYSBIND_CONN_H
#define SYSBIND_CONN_H

#include <stdarg.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <event2/bufferevent.h>

#include "binding.h"
#include "respond.h"

struct conf;
struct tlsctx;
struct upstream_pool;
struct accesslog;
struct conn;

/* High-water mark of any one buffer between the two sides; reading stops above it. */
#define CONN_HIGH_WATER (256 * 1024)
/* Reading resumes when the other side's output drains to this. */
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
	/* added for workers and reload (issue 5): */
	int                   retired;   /* a reload replaced this generation: responses that
	                                    start now say Connection: close */
	unsigned long        *shared_nconns; /* NULL, or the process-wide count of open
	                                    connections (atomic), which max_connections limits */
};

/*
 * Take over an accepted socket (ownership of fd passes to the conn, also on failure)
 * that arrived over proto.  Returns 0, or -1 when the connection could not be set up
 * (already closed and logged).  Called from the listener's accept callback.
 */
int conn_accept(struct conn_server *srv, evutil_socket_t fd, const struct sockaddr *peer,
    int peerlen, enum binding_proto proto);

/* Shutdown: close connections that are between requests or mid-handshake; the others
 * close after their current response. */
void conn_stop_idle(struct conn_server *srv);

/* Close every connection now (end of the daemon).  Their memory is released by the
 * event loop's next pass. */
void conn_close_all(struct conn_server *srv);

/* The single close path: releases the sockets and the backend connection now, the rest on
 * the loop's next pass (so it is safe from any callback).  Idempotent. */
void conn_close(struct conn *c, const char *why);

/* ---- for upstream.c ---- */

/* The client side's bufferevent (responses are appended to its output). */
struct bufferevent *conn_bev(struct conn *c);
/* 1 once conn_close ran. */
int conn_closed(const struct conn *c);
/* A narration line for this connection (no-op when the trace is off). */
void conn_trace(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether the client connection may stay open after the response now starting. */
int conn_proxy_keep(struct conn *c);
/* The backend's final response head was relayed with this status. */
void conn_proxy_head(struct conn *c, int status);
/* The response is complete; keep_alive says whether the client connection stays open.
 * Frees the upstream transfer: the caller must not touch it afterwards. */
void conn_proxy_done(struct conn *c, int keep_alive);
/* The backend failed: before a response head, page (503/502/504) is answered and the
 * connection closed; after it (page < 0: minus the page it would have been, or -1), the
 * client connection is just closed, the cause logged.  The caller must not touch the
 * transfer afterwards. */
void conn_proxy_failed(struct conn *c, int page, const char *why);
/* The backend's output drained below the low-water mark: read the client again. */
void conn_proxy_resume(struct conn *c);
/* The backend answered 101: the connection becomes a byte tunnel. */
void conn_proxy_upgraded(struct conn *c);
/* Response bytes were queued in this loop iteration (end of a backend read): on TLS, write
 * them now instead of in the next iteration, so the write interest the bufferevent added
 * is dropped before the loop applies it (no epoll_ctl, no extra wakeup).  Anything not
 * taken at once stays with the bufferevent.  c may be closed (then nothing happens); it
 * must not be freed yet (conn frees are deferred). */
void conn_flush(struct conn *c);

#endif
