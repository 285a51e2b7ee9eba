/*
 * h2_int — what the HTTP/2 framing's files share (h2.c: sessions, streams and their one
 * state function, sending, the exchange's and the transport's sides; h2guard.c: the flood
 * and reset guards and the connection's memory budget).  Private to them and to
 * tests/check_h2.c, which includes h2.c; the framing's public surface is core/h2.h.
 * Event-loop thread only.
 */
#ifndef SYSBIND_H2_INT_H
#define SYSBIND_H2_INT_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include "base/iobuf.h"
#include "model/conf.h"
#include "model/h2head.h"
#include "model/http.h"

struct conn;
struct exchange;
struct exchange_conn;

#define H2_MAX_STREAMS      100     /* SETTINGS_MAX_CONCURRENT_STREAMS */
#define H2_PAGED_MIN        4096    /* nghttp2's zeroed blocks this large, and its frame buffers
                                     * (16 KiB), have pages of their own (h2_mem_*) */
#define H2_PAGED_MAX        6       /* ... at most this many at once (then the heap) */
#define H2_RESET_BURST      200     /* RST_STREAMs a client may send at once ... */
#define H2_RESET_RATE       33      /* ... and per second after that */
#define H2_MAX_CONTINUATION 8
#define H2_PING_MAX         100     /* PINGs in a window of H2_PING_WINDOW s */
#define H2_PING_WINDOW      10
#define H2_SETTINGS_MAX     100     /* SETTINGS frames per minute (each wants an ACK) */
#define H2_BOMB_FACTOR      4       /* a header list this many times max_request_bytes is
                                       an HPACK bomb, not a request that is too long */
/* The connection's memory budget: response bytes queued across all its streams.  A stream
 * that adds to a full budget (or whose own queue passes CONN_HIGH_WATER) is paused, its
 * backend read no more, until the budget falls to H2_BUDGET_LOW. */
#define H2_BUDGET           (1024 * 1024)
#define H2_BUDGET_LOW       (512 * 1024)
/* What is left of a request answered before it ended (an early answer): when its
 * Content-Length says at most this much is still to come (one stream window: what a
 * client may have sent before the answer reached it), it is read and dropped, so that
 * the stream ends normally with both END_STREAMs; otherwise (or when more comes, or
 * nothing for entity_body_timeout) RST_STREAM(NO_ERROR) asks the client to stop, right
 * after the response's END_STREAM and in a TLS record of its own (RFC 9113 §8.1; as
 * nginx does).  How HTTP.SYS ends such a stream is not documented (README). */
#define H2_DISCARD_MAX      65535
#define H2_RESET_IDS        32      /* streams we reset, remembered (h2_was_reset) */

struct h2;

/*
 * A stream's life, as the server sees it (h2o's h2o_http2_stream_set_state is the model).
 * The request's half is one bit beside it (req_ended: END_STREAM received), because an
 * answer may start, and end, before the request does (an early answer, RFC 9113 §8.1).
 *
 *   OPEN ──► HALF_CLOSED ──► HEADERS ──► END_QUEUED ──► CLOSED
 *     │            │            │             │
 *     └────────────┴────────────┴──► RESET ───┴──────────► CLOSED
 *
 * OPEN: the request is arriving (its header block, then its body).  HALF_CLOSED: it is
 * complete, the answer is awaited.  HEADERS: the response head is submitted, its body
 * follows.  END_QUEUED: the whole response is submitted (a bodiless head, a page, or the
 * exchange's end): its END_STREAM goes out with the next send.  RESET: a RST_STREAM of
 * ours is submitted instead (a cut response, a timer, HTTP_1_1_REQUIRED, out of memory).
 * CLOSED: nghttp2 closed the stream.  Whether a close was the client's reset is decided
 * from the state it closed in (h2_on_stream_close), never from the exchange's progress.
 * Only h2_stream_state changes it; it asserts the edge.
 */
enum h2_state {
	H2S_OPEN = 0,
	H2S_HALF_CLOSED,
	H2S_HEADERS,
	H2S_END_QUEUED,
	H2S_RESET,
	H2S_CLOSED,
};

struct h2_stream {
	struct h2           *h;
	int32_t              id;
	enum h2_state        state;
	struct exchange     *x;
	struct h2_stream    *prev, *next;      /* h->streams */
	/* the request head, built from the header block (model/h2head.h) */
	struct http_head     head;
	struct h2head        hb;
	size_t               header_bytes;     /* decoded, RFC 9113 §6.5.2's count */
	size_t               trailer_bytes;    /* the same for the trailer section */
	struct http_fields   req_trailers;     /* the request's trailer section (the exchange
	                                        * borrows it) */
	enum http_error      trailer_refuse;   /* a trailer field broke max_field_length */
	struct http_fields   resp_trailers;    /* the backend's, filtered, sent after the data */
	enum http_error      refuse;           /* the head broke a limit: answer this */
	const char          *refuse_detail;
	/* the response */
	struct iobuf         resp;
	unsigned             resp_eof : 1, resp_deferred : 1, req_started : 1, req_ended : 1,
	                     req_paused : 1, x_done : 1, resp_full : 1, bad : 1,
	                     rst_after_end : 1, end_sent : 1, discard_stopped : 1;
	size_t               unconsumed;       /* request DATA not yet acknowledged */
	size_t               conn_given;       /* ... of it, given back to the connection's
	                                        * window already (the stream was queued) */
	size_t               received;         /* request DATA received */
	size_t               discarded;        /* request DATA dropped after an early answer */
	int32_t              rwin_snap;        /* its send window before a SETTINGS frame */
	uint64_t             deadline;         /* entity body or stalled response (ms) */
	uint64_t             stalled_since;    /* response data waiting on the client's window */
};

struct h2 {
	struct conn          *c;
	struct exchange_conn *info;
	nghttp2_session      *ng;
	struct h2_stream     *streams;
	struct h2_stream     *hot;             /* the last stream opened, while nghttp2 holds
	                                        * it (h2_stream_get) */
	unsigned              nstreams;
	int32_t               max_stream_id;   /* the highest stream the client opened */
	int32_t               reset_ids[H2_RESET_IDS];   /* the streams we reset last */
	unsigned              reset_at;
	uint64_t              ping_window_start, settings_window_start;
	unsigned              pings, settings;
	unsigned long         settings_entries;  /* settings received in this minute */
	uint32_t              iws_snap;        /* the client's initial window before a SETTINGS */
	/* the binding's "Extended Properties" (netsh http update sslpropertyex) */
	unsigned long         max_settings_per_minute;
	/* the connection's memory budget: response bytes queued over all its streams */
	size_t                resp_bytes;
	unsigned              npaused;         /* streams paused by the budget (resp_full) */
	size_t                moved;           /* input bytes DATA took in blocks (h2_input) */
	unsigned              goaway : 1, in_recv : 1, sending : 1, finishing : 1,
	                      goaway_logged : 1,
	                      in_later : 1,       /* h2_later sends: it frees what retires */
	                      ng_empty : 1,       /* h2_send's last: nghttp2 had nothing more */
	                      record_break : 1;   /* what is queued ends a TLS record first */
	const char           *goaway_reason;   /* HTTPERR reason of our GOAWAY */
	uint32_t              goaway_code;     /* its error code, when we chose to send one */
	double                rst_tokens;      /* streams that may still end early now */
	uint64_t              rst_refill_ms;   /* when the tokens were last refilled */
	/* nghttp2's large blocks, each mmap'd (h2_mem_*); frames: a frame buffer's */
	struct { void *p; size_t len; int frames; } paged[H2_PAGED_MAX];
	unsigned              paged_dirty : 1;  /* a frame beyond the first page went out */
};

/* ---------- h2.c ---------- */

/* The one place a stream's state changes (see enum h2_state): the edge is asserted. */
void h2_stream_state(struct h2_stream *s, enum h2_state to);
/* The stream's request failed for good (reason is HTTPERR's): the exchange is told, or,
 * without one, the connection's error log. */
void h2_log_stream(struct h2 *h, struct h2_stream *s, const char *reason);

/* ---------- h2mem.c ---------- */

/* nghttp2's allocator for the session of h (nghttp2_session_server_new3). */
void h2_mem_init(nghttp2_mem *mem, struct h2 *h);
/* nghttp2 has nothing left to send and no stream is open: the frame buffers' pages go
 * back to the system. */
void h2_mem_idle(struct h2 *h);
/* Free the small blocks the calling thread keeps for reuse (at the end of a worker). */
void h2_mem_cache_drain(void);

/* ---------- h2guard.c ---------- */

/* End the connection with a GOAWAY carrying code (ENHANCE_YOUR_CALM, PROTOCOL_ERROR, ...):
 * reason is the HTTPERR line's, written when the frame goes out (h2_on_frame_send).  No
 * stream opens after it; the connection closes once it is sent. */
void h2_goaway(struct h2 *h, uint32_t code, const char *reason);
/* The guards' state on a new session (windows, the reset budget), and nghttp2's own
 * limits (settings per frame from the binding e, or NULL; CONTINUATIONs; resets; ACKs). */
void h2_guard_init(struct h2 *h);
void h2_guard_options(nghttp2_option *opt, const struct conf_sslcert *e);
/* nghttp2's on_begin_frame: what RFC 9113 makes a connection error and nghttp2 1.52 lets
 * through (a reused stream id, the SETTINGS window overflow's snapshot). */
int h2_on_begin_frame(nghttp2_session *ng, const nghttp2_frame_hd *hd, void *arg);
/* A SETTINGS frame (not an ACK) or a PING (not an ACK) arrived: counted against their
 * floods.  h2_guard_settings returns 0, or NGHTTP2_ERR_CALLBACK_FAILURE (a window overflow). */
int h2_guard_settings(struct h2 *h, const nghttp2_settings *st);
void h2_guard_ping(struct h2 *h);
/* A decoded field of namelen + valuelen bytes for s's head or trailer section, whose
 * count is *bytes (RFC 9113 §6.5.2's): -1 when the list is an HPACK bomb (the stream and
 * the connection are ended), else 0. */
int h2_guard_bomb(struct h2 *h, struct h2_stream *s, size_t *bytes, size_t namelen,
    size_t valuelen);
/* A stream ended before its response did: one token of the rapid-reset budget. */
void h2_reset_spend(struct h2 *h);
/* The streams we reset lately (a RST_STREAM went out; h2_was_reset asks). */
void h2_reset_note(struct h2 *h, int32_t id);
int h2_was_reset(const struct h2 *h, int32_t id);
/* Why nghttp2_session_mem_recv failed for good (lib_error), as our GOAWAY's code and
 * HTTPERR reason. */
void h2_guard_fatal(const struct h2 *h, int lib_error, uint32_t *code, const char **reason);
/* The connection's memory budget: response bytes for s's queue, charged to it (0 or -1);
 * 1 when s must pause (its queue or the budget is full); paused streams going on once
 * there is room. */
int h2_resp_add(struct h2_stream *s, const char *data, size_t len);
int h2_budget_full(struct h2_stream *s);
void h2_budget_resume(struct h2 *h);

#endif
