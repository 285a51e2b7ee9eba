/*
 * upstream — the backends: per worker and configuration generation a pool of idle
 * keep-alive connections per backend address (resolved before the generation serves),
 * and one request/response transfer at a time per connection: the request head
 * re-serialised for the backend, the request body streamed (re-chunked when chunked),
 * the response parsed and handed over with its framing decisions to the owner (an
 * exchange) through callbacks, back-pressure both ways, connect and response timeouts,
 * one retry of an idempotent bodiless request when a pooled connection turns out dead,
 * and the byte tunnel after a 101.  Sockets are driven directly (non-blocking, libevent
 * for readiness and timers only).
 *
 * Ownership: a transfer is owned by its exchange and freed by upstream_xfer_free, the one
 * place a backend connection of a transfer is closed or given back to the pool.  The
 * callbacks may free nothing; after any callback the transfer may have been stopped
 * (upstream_xfer_stop, from inside the callback): upstream then touches nothing more.
 * Event-loop thread only.
 */
#ifndef SYSBIND_UPSTREAM_H
#define SYSBIND_UPSTREAM_H

#include <stddef.h>

#include "model/http.h"

struct iobuf;

struct conf;
struct conf_site;
struct event_base;
struct upstream_pool;
struct upstream_xfer;
struct upstream_addrs;
struct apppool_state;
struct queue;

/* Resolve every backend of cfg (getaddrinfo: call it before a generation serves, never
 * inside an event loop).  Returns a new table (caller owns, upstream_addrs_free) or NULL
 * with a message in err.  A name that does not resolve is logged; its requests get 503.
 * Each application pool of prev (the generation serving now, NULL at start; borrowed)
 * whose name cfg keeps is the same pool here (its state is shared: what it holds and
 * what waits, in order, stay counted across the reload); the others are new. */
struct upstream_addrs *upstream_addrs_new(const struct conf *cfg,
    const struct upstream_addrs *prev, char *err, size_t errlen);
/* The generation of a starts serving: each of its pools is started (a pool that
 * rapid-fail protection stopped serves again) with its backend_max_connections. */
void upstream_addrs_start(const struct upstream_addrs *a);
void upstream_addrs_free(struct upstream_addrs *a);
/* The number of distinct backends of a, and the counters' slot of the i-th (stats.h). */
size_t upstream_addrs_count(const struct upstream_addrs *a);
unsigned upstream_addrs_slot(const struct upstream_addrs *a, size_t i);

/* A pool for one worker's event base over the resolved addrs (borrowed: must outlive
 * it).  Returns a new pool (caller owns, upstream_pool_free) or NULL. */
struct upstream_pool *upstream_pool_new(struct event_base *base, const struct conf *cfg,
    const struct upstream_addrs *addrs, char *err, size_t errlen);
/* Close every idle connection and free the pool (no transfer may be left). */
void upstream_pool_free(struct upstream_pool *p);

/* What the owner is told.  arg is the owner's.  Each is called from upstream's event
 * callbacks or from the upstream_xfer_* call named. */
struct upstream_cb {
	/* A response head (interim 1xx ones too, and the 101 of an upgrade).  Returns 0 to
	 * go on, -1 to stop.  bodiless: no body follows (HEAD, 1xx, 204, 304). */
	int  (*head)(void *arg, const struct http_head *h, int bodiless);
	/* Response body bytes (de-chunked), or tunnel bytes after a 101.  Returns 0 to go
	 * on, 1 to pause reading the backend until upstream_xfer_resume, -1 to stop. */
	int  (*body)(void *arg, const char *data, size_t len);
	/* The response's trailer section (a chunked body's, when it had fields), as received:
	 * borrowed for the call only, right before ->end.  Returns 0, or -1 to stop.  NULL:
	 * the owner drops them. */
	int  (*trailers)(void *arg, const struct http_fields *t);
	/* The response is complete (or the backend closed the tunnel).  The backend
	 * connection is already back in the pool or closed. */
	void (*end)(void *arg);
	/* The backend failed: page is the page the client gets when no response head was
	 * relayed yet (503 refused/unreachable, 504 timeout, 502 broken), win32 the
	 * sc-win32-status, why a sentence for the log. */
	void (*failed)(void *arg, int page, int win32, const char *why);
	/* The request body's queue drained below the low-water mark (after
	 * upstream_xfer_body said it was full): read the client again. */
	void (*drained)(void *arg);
	/* A narration line for the owner's trace (may be NULL). */
	void (*trace)(void *arg, const char *line);
	/* The queue ->body appends a response body's bytes to as they are (no framing of
	 * its own), or NULL: the backend is read straight into its room (iobuf_reserve) and
	 * ->body gets the bytes where they lie.  May be NULL. */
	struct iobuf *(*room)(void *arg);
};

/* What the forwarded head needs to know of the client, plus the owner's hooks. */
struct upstream_req {
	const struct http_head    *head;   /* borrowed: alive until the response head came */
	struct http_forward        fw;
	const struct upstream_cb  *cb;
	void                      *arg;
	int                        trace;  /* the owner narrates: cb->trace is worth calling */
};

/*
 * Start req for site's backend over a pooled connection or a new one; the head is
 * queued, and written by upstream_xfer_push (or once a new connection is up).  Returns the transfer (the caller owns
 * it: upstream_xfer_free), or NULL when no connection can even be attempted (no address,
 * or refused at once: the caller answers 503), or with errno EBUSY when the site's
 * backend_max_connections are all taken (the request waits in the site's queue).
 */
struct upstream_xfer *upstream_xfer_start(struct upstream_pool *p, const struct conf_site *site,
    const struct upstream_req *req);

/* Request body bytes (de-chunked; or tunnel bytes after a 101).  Returns 0, 1 when the
 * backend's queue is above its high-water mark (stop reading the client until ->drained),
 * or -1 (the transfer failed: ->failed was called). */
int upstream_xfer_body(struct upstream_xfer *x, const char *data, size_t len);
/* The same for bytes that lie in src's first block (the client's input queue): the block
 * moves to the backend's queue when it can (iobuf_move) instead of being copied; *lost
 * says how many bytes src gave up (0: none, the bytes were copied). */
int upstream_xfer_body_from(struct upstream_xfer *x, struct iobuf *src, const char *data,
    size_t len, size_t *lost);
/* The request body is complete (for an upgrade request: its head was all).  t: its
 * trailer section (borrowed for the call; NULL: none), written with the last chunk of a
 * chunked request, filtered (http_last_chunk_add, the client-certificate header out too);
 * a request sent with a Content-Length cannot carry one, so it is dropped. */
int upstream_xfer_body_end(struct upstream_xfer *x, const struct http_fields *t);
/* The client ended its side of the tunnel: once the backend took everything queued, the
 * tunnel ends (->end). */
int upstream_xfer_tunnel_end(struct upstream_xfer *x);
/* Write what was queued (head, body, tunnel bytes) now: the owner calls it once it has
 * parsed all the client sent so far, so that a request refused for bytes that came with
 * its head never reaches the backend. */
void upstream_xfer_push(struct upstream_xfer *x);
/* The owner has room again after ->body returned 1: read the backend again. */
void upstream_xfer_resume(struct upstream_xfer *x);
/* From inside a callback: the owner is done with the transfer (it will free it); no
 * callback follows. */
void upstream_xfer_stop(struct upstream_xfer *x);
/* "127.0.0.1:8081" */
const char *upstream_xfer_backend(const struct upstream_xfer *x);
/* Free x: its backend connection goes back to the pool if the exchange finished cleanly
 * on it, else it is closed.  NULL is a no-op. */
void upstream_xfer_free(struct upstream_xfer *x);

/* The application pool (issue 25) of site, one of p's generation's sites: its live
 * numbers, shared by the workers (NULL for a site of another configuration). */
struct apppool_state *upstream_apppool(struct upstream_pool *p, const struct conf_site *site);
/* This worker's waiting requests (core/queue.h), or NULL. */
struct queue *upstream_queue(struct upstream_pool *p);
/* The pool of cfg->sites[site] in a generation's addrs (what the counters read: see
 * model/apppool.h apppool_snapshot), or NULL.  Sites naming one app_pool share it (one
 * request queue, one failure count: model/apppool.h apppool_group).  Any thread while
 * the generation lives. */
struct apppool_state *upstream_addrs_apppool(const struct upstream_addrs *a, size_t site);
/* The index of cfg->sites[site]'s pool among the generation's (0 to npools - 1, in order
 * of first use: a view listing each pool once shows the site whose index is new), or
 * SIZE_MAX. */
size_t upstream_addrs_pool_index(const struct upstream_addrs *a, size_t site);

/* Free this thread's transfers kept for reuse (at the end of a thread). */
void upstream_cache_drain(void);

/* Idle connections kept by this pool now.  Only check_upstream calls it, and it stays for
 * that: whether a backend connection went back to the pool (or was closed) is the pool's
 * own decision (xfer_reusable's rules), which no other public call shows before the next
 * request, and the test pins each rule at the moment it is made. */
size_t upstream_pool_idle(const struct upstream_pool *p);

#endif
