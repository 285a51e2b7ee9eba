/*
 * upstream — backend connections for sites with a backend: a pool of idle keep-alive
 * connections per backend address, connecting with backend_connect_timeout, and one
 * request/response exchange at a time per connection (a "transfer"): the request head
 * re-serialised for the backend, the request body streamed (re-chunked when chunked),
 * the response parsed and re-framed for the client (1xx relayed; HEAD, 204 and 304
 * bodiless; close-delimited bodies re-chunked for HTTP/1.1 clients), back-pressure both
 * ways, 503/504/502 on refusal, timeout and broken responses, one retry of an idempotent
 * bodiless request when a pooled connection turns out dead, and the 101 byte tunnel.
 * Event-loop thread only.
 */
#ifndef SYSBIND_UPSTREAM_H
#define SYSBIND_UPSTREAM_H

#include <stddef.h>

#include "http.h"

struct conf;
struct conf_site;
struct conn;
struct event_base;
struct upstream_pool;
struct upstream_xfer;

/* Build the pool for every backend of cfg (addresses resolved now).  Returns a new pool
 * (caller owns, upstream_pool_free) or NULL with a message in err. */
struct upstream_pool *upstream_pool_new(struct event_base *base, const struct conf *cfg,
    char *err, size_t errlen);
/* Close every idle connection and free the pool. */
void upstream_pool_free(struct upstream_pool *p);

/*
 * Start sending req (borrowed; serialised at once) to site's backend for client
 * connection c, over a pooled connection or a new one.  The body follows through
 * upstream_xfer_body / _body_end.  Returns the transfer (owned by c: upstream_xfer_free)
 * or NULL when no connection could be started (the caller answers 503).
 */
struct upstream_xfer *upstream_xfer_start(struct upstream_pool *p, struct conn *c,
    const struct conf_site *site, const struct http_head *req, const struct http_forward *fw);

/* Request body bytes (de-chunked); returns 0 or -1. */
int upstream_xfer_body(struct upstream_xfer *x, const char *data, size_t len);
/* The request body is complete. */
int upstream_xfer_body_end(struct upstream_xfer *x);
/* 1 when the backend's output is above the high-water mark: stop reading the client. */
int upstream_xfer_full(const struct upstream_xfer *x);
/* The client's output drained: read the backend again. */
void upstream_xfer_client_drained(struct upstream_xfer *x);
/* Tunnel: move what the client sent (up to the high-water mark) to the backend. */
void upstream_xfer_tunnel_in(struct upstream_xfer *x, struct evbuffer *from_client);
/* Tunnel: the client closed; close the backend side once its output drains. */
void upstream_xfer_tunnel_eof(struct upstream_xfer *x);
/* The status of the final response relayed so far, 0 before its head. */
int upstream_xfer_status(const struct upstream_xfer *x);
/* "127.0.0.1:8081" */
const char *upstream_xfer_backend(const struct upstream_xfer *x);
/* Drop the backend connection now (not pooled) and forget c.  Safe from callbacks. */
void upstream_xfer_abort(struct upstream_xfer *x);
/* Free a transfer (after abort, or when conn_proxy_done said so).  NULL is a no-op. */
void upstream_xfer_free(struct upstream_xfer *x);

#endif
