/*
 * exchange — one request and its response, whatever connection framing carried them:
 * routing the request to a site (§1.2), the certificate verdict for the host it asked
 * for (§1.3), the answer (HTTP.SYS's own pages, the diagnostic page, or the site's
 * backend through upstream.c), the request's W3C line, the HTTPERR line of an answer
 * sysbind made itself, and the trace of those decisions.
 *
 * The connection owns its exchanges (HTTP/1.1: one at a time; HTTP/2: one per stream)
 * and frees each with exchange_free, once, when its framing is done with it.  The
 * exchange owns its backend transfer.  It talks back to the framing only through the
 * exchange_ops the connection gives it, so another framing needs no change here.
 * Every function runs on the connection's event-loop thread.  A call into the exchange
 * may close the connection (through the ops): the connection's memory, the exchange's
 * included, is released on a later loop pass, never under the caller.
 */
#ifndef SYSBIND_EXCHANGE_H
#define SYSBIND_EXCHANGE_H

#include <stddef.h>
#include <time.h>
#include <openssl/ssl.h>

struct iobuf;

#include "model/binding.h"
#include "model/http.h"
#include "model/respond.h"

struct conn_server;
struct conf;
struct cert;
struct exchange;

/* What an exchange may read of its connection: filled by the connection before the
 * first exchange and kept up to date by it (the cache at the end is the exchanges'). */
struct exchange_conn {
	unsigned long long   id;         /* the connection's id (trace lines, logs) */
	struct conn_server  *srv;        /* logs, trace switch, backend pool, stopping */
	const struct conf   *cfg;        /* the generation the connection started under */
	enum binding_proto   proto : 8;
	signed char          verdict;        /* enum cert_verdict, -1: none yet (the verdict
	                                      * for the last host asked: verdict_host) */
	signed char          route_tier;     /* enum route_tier (the route of route_host) */
	/* the client certificate the connection holds (IIS's access sslFlags) */
	signed char          cc_chain;       /* enum cert_chain_verdict, -1: not judged yet */
	unsigned char        cc_asked;       /* a renegotiation asked for one already */
	unsigned char        has_sni, sni_used, route_http10;
	struct binding_addr  local;      /* text on demand: binding_addr_format */
	unsigned             port;
	struct binding_addr  peer;       /* the client's, the same way */
	unsigned             peer_port;
	/* TLS (proto https): what the ClientHello decided */
	const struct cert   *cert;       /* served; NULL for http */
	const struct conf_sslcert *entry; /* the [sslcert] entry that chose it; NULL for http */
	char                *sni;        /* lowercased; valid when has_sni (owned by the
	                                  * connection) */
	const char          *tls_version;  /* "TLSv1.3", NULL for http */
	const char          *tls_cipher;
	SSL                 *ssl;        /* the connection's (conn.c frees it at the close; NULL
	                                  * for http): versions, ciphers, client certificates */
	const char          *version;    /* "HTTP/1.1", "HTTP/1.0", "HTTP/2" */
	unsigned long        requests;   /* requests answered on the connection so far */
	/* the verdict for the last host asked on this connection (most ask one) */
	char                *verdict_host;   /* owned by the connection */
	/* the route of the last host asked (§1.2 decides the same for the same host) */
	char                *route_host;     /* owned by the connection; NULL: none */
	const struct conf_site *route_site;
	const struct binding   *route_binding;
	char                *cc_b64;         /* the client certificate's DER in base64, for
	                                      * the backend (owned by the connection); NULL:
	                                      * not made yet */
};

/* Why a response ended as it did, for the framing: EXCHANGE_END_OK a complete response,
 * EXCHANGE_END_CUT a response cut short (the framing must not make it look complete:
 * HTTP/1.1 closes without close_notify, HTTP/2 resets the stream). */
enum exchange_end { EXCHANGE_END_OK = 0, EXCHANGE_END_CUT };

/* How an exchange ends without an answer (a client certificate wanted too late). */
enum exchange_reset {
	EXCHANGE_RESET_CONNECTION = 0,    /* the connection, with a TCP RST (Server 2022, TLS 1.3) */
	EXCHANGE_RESET_HTTP_1_1_REQUIRED, /* the HTTP/2 stream: RST_STREAM HTTP_1_1_REQUIRED */
	EXCHANGE_RESET_POOL,              /* the application pool cannot take it (TcpLevel, or
	                                   * Basic verbosity): HTTP/1.x the connection with a
	                                   * TCP RST, HTTP/2 the stream: RST_STREAM
	                                   * REFUSED_STREAM (its other streams live on) */
};

/* How the framing carries what the exchange answers.  Each returns 0, or -1 when the
 * connection could not take it (it is then closing; the exchange stops). */
struct exchange_ops {
	/* A response head: from the backend (re-framed for the client as the framing
	 * needs: hop-by-hop fields removed, chunked or not) or 1xx interim ones. */
	int  (*head)(void *conn, struct exchange *x, const struct http_head *resp, int bodiless);
	/* A response sysbind made itself, complete (page: status, HTTP.SYS's headers in
	 * order, body): written as it is.  close: the connection ends after it. */
	int  (*page)(void *conn, struct exchange *x, const struct respond_msg *m, int close);
	/* Response body bytes (never for a bodiless response). */
	int  (*body)(void *conn, struct exchange *x, const char *data, size_t len);
	/* The client's output queue when ->body appends bytes to it as they are (no framing
	 * of its own: the backend's body is then read straight into it), else NULL.  May be
	 * NULL. */
	struct iobuf *(*room)(void *conn, struct exchange *x);
	/* The backend's trailer section (borrowed for the call), right before ->end: written
	 * as the framing can (the last chunk of a chunked response, a trailing HEADERS frame),
	 * filtered by http_trailer_forbidden.  Returns 0 when it goes to the client, 1 when the
	 * response has no place for it (not chunked, bodiless: dropped), -1 when the
	 * connection could not take it.  NULL: always dropped. */
	int  (*trailers)(void *conn, struct exchange *x, const struct http_fields *t);
	/* The response ended. */
	void (*end)(void *conn, struct exchange *x, enum exchange_end how);
	/* 1 while the client's output is above its high-water mark: stop producing; the
	 * framing calls exchange_resp_drained once it has room again. */
	int  (*full)(void *conn, struct exchange *x);
	/* Stop (on 1) or resume (0) reading the request body: the backend is full. */
	void (*pause_request)(void *conn, struct exchange *x, int on);
	/* The backend accepted a protocol upgrade (101): from now on the framing moves
	 * bytes both ways (exchange_req_body / ->body) until one side ends. */
	void (*upgraded)(void *conn, struct exchange *x);
	/* Ask the client for its certificate inside the connection (TLS 1.2 and older: a
	 * renegotiation), offering the CA names ca (borrowed; NULL: an empty list); the framing
	 * calls exchange_client_cert once the client answered.  Returns 0, or -1 when it
	 * cannot be asked.  NULL: the framing never can (HTTP/2). */
	int  (*client_cert)(void *conn, struct exchange *x, const STACK_OF(X509_NAME) *ca);
	/* End the exchange without an answer, as how says. */
	void (*reset)(void *conn, struct exchange *x, enum exchange_reset how);
};

/* A new exchange for a request that arrived on c (borrowed: the connection outlives
 * it).  Returns NULL when out of memory (the connection closes). */
struct exchange *exchange_new(const struct exchange_ops *ops, void *conn,
    struct exchange_conn *c);

/* Free x and what it owns (its backend transfer, dropped unless it finished).  NULL is
 * a no-op.  Only the connection calls it. */
void exchange_free(struct exchange *x);

/*
 * The request head is complete (h borrowed until the next request starts on the
 * connection): route, verdict, then answer it or start the backend.  over_limit: the
 * connection is beyond max_connections (503 ConnLimit).
 */
void exchange_request(struct exchange *x, struct http_head *h, int over_limit);

/* Request body bytes (de-chunked), or tunnel bytes after an upgrade. */
void exchange_req_body(struct exchange *x, const char *data, size_t len);
/* The same for bytes in src's first block (the client's input queue): returns how many
 * bytes src gave up to the backend's queue (a block moved, not copied; 0: none). */
size_t exchange_req_body_from(struct exchange *x, struct iobuf *src, const char *data,
    size_t len);

/* The request's trailer section, before exchange_req_end (t borrowed as the head is: alive
 * until the next request starts on the connection).  Forwarded with the request's end. */
void exchange_req_trailers(struct exchange *x, const struct http_fields *t);

/* The request ended; after an upgrade, the client's side of the tunnel ended. */
void exchange_req_end(struct exchange *x);

/* The request could not be parsed (before or after its head): HTTP.SYS's page for e if
 * nothing was answered yet; detail says why (trace).  h: the head when one was read. */
void exchange_refuse(struct exchange *x, enum http_error e, const char *detail,
    struct http_head *h);

/* Everything the client sent so far was handed over: what the exchange queued for its
 * backend goes out now (nothing of a request goes out while more of what arrived with
 * it may still refuse it). */
void exchange_push(struct exchange *x);

/* The client's output has room again (after ->full said 1). */
void exchange_resp_drained(struct exchange *x);

/*
 * The connection is going away with this exchange unfinished: why for the logs
 * (HTTPERR reason, e.g. "Timer_MinBytesPerSecond", "Connection_Dropped"; NULL for none)
 * and win32 for its W3C line (0: none).  The backend transfer is dropped.  Idempotent.
 */
void exchange_abort(struct exchange *x, const char *reason, int win32);
/* 1 while the request waits in its application pool's queue (NULL: 0).  A client that
 * goes meanwhile is told with exchange_abort(x, "Connection_Dropped", ...): its line
 * becomes HTTP.SYS's Client_Reset, the request leaves the queue. */
int exchange_waiting(const struct exchange *x);

/* The client answered the request for its certificate (ops->client_cert): the
 * connection's SSL holds it, or none.  Decide the request again and answer it. */
void exchange_client_cert(struct exchange *x);

/* Free this thread's exchanges kept for reuse (at the end of a thread). */
void exchange_cache_drain(void);

/* The HTTP/2 stream the exchange runs on (for the HTTPERR streamid field). */
void exchange_set_stream(struct exchange *x, unsigned stream_id);

/* 1 once the response is complete (or the exchange aborted). */
int exchange_done(const struct exchange *x);

/* 1 once the response has a final status (it started, or a page was made). */
int exchange_answered(const struct exchange *x);

/* sc-win32-status values IIS writes for requests that did not end normally. */
#define WIN32_NETNAME_DELETED      64    /* the other side reset or vanished */
#define WIN32_SEM_TIMEOUT          121   /* a timer expired */
#define WIN32_CONNECTION_REFUSED   1225
#define WIN32_CONNECTION_ABORTED   1236  /* sysbind aborted the connection */
#define WIN32_INVALID_DATA         13    /* the backend's response was invalid */

/* An HTTPERR line with x's request (head, site), whatever its phase: the connection
 * cut it while flushing a response the exchange had finished. */
void exchange_log_error(struct exchange *x, int status, const char *reason);

/* The HTTPERR line for something the connection ended before any exchange had a head
 * (a timer, a failed handshake): version, method and uri are "-". */
void exchange_log_conn_error(const struct exchange_conn *c, int status, const char *reason);

/* The Via field value this process adds to every request it forwards ("1.1 sysbind-"
 * and 16 hex digits, random per process); a request that arrives carrying it is a loop
 * (answered 508 Loop Detected).  Any thread. */
const char *exchange_via(void);

#endif
