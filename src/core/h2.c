/*
 * h2 — the HTTP/2 framing of a TLS connection whose ALPN chose "h2" (HTTP.SYS speaks it
 * over TLS only: no h2c), over libnghttp2.  Owns: the nghttp2 session, one stream object
 * per request stream with its exchange (each stream is an exchange, exactly as an
 * HTTP/1.1 request is), the request head built from the stream's header block for the
 * exchange (and so for the backend, over HTTP/1.1 as ARR does), the response queue each
 * stream's DATA frames are read from, flow control both ways (a request's DATA is
 * acknowledged with WINDOW_UPDATE only as the backend takes it; a response waits for
 * the client's window), trailer sections both ways (a request's trailing HEADERS reach
 * the backend as its chunked body's trailer section; a backend's trailer section reaches
 * the client as a trailing HEADERS frame with END_STREAM; filtered by
 * http_trailer_forbidden), HTTP.SYS's limits mapped onto HTTP/2 (max_request_bytes as the
 * header list limit, max_field_length per field, max_url_length for :path; the binding's
 * Extended Properties: receive window, settings per frame and per minute), and the
 * defences against the known attacks (rapid reset and MadeYouReset, CONTINUATION flood,
 * HPACK bomb, SETTINGS and PING floods, a window that never opens, too many streams, an
 * idle stream), each answered with its GOAWAY or RST_STREAM code and logged in HTTPERR
 * with the stream's id.  The socket and TLS are the transport's.
 *
 * Streams are freed on the loop pass after both nghttp2 and the exchange are done with
 * them, never inside a callback of either.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <nghttp2/nghttp2.h>

#include "model/conf.h"
#include "core/conn.h"
#include "core/h2.h"
#include "core/exchange.h"
#include "model/http.h"
#include "base/iobuf.h"
#include "base/log.h"
#include "model/respond.h"
#include "core/trace.h"

#define H2_MAX_STREAMS      100     /* SETTINGS_MAX_CONCURRENT_STREAMS */
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
	/* the request head, built from the header block */
	struct http_head     head;
	struct http_header  *fields;
	size_t               nfields, fields_cap;
	char                *arena;            /* the head's strings */
	size_t               alen, acap;
	char                *method, *path, *scheme, *authority, *host_field;
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
	                     rst_after_end : 1, end_sent : 1, discard_stopped : 1,
	                     resolved : 1;      /* the pointers below point (h2_resolve) */
	size_t               unconsumed;       /* request DATA not yet acknowledged */
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
	unsigned              goaway : 1, in_recv : 1, sending : 1, finishing : 1,
	                      goaway_logged : 1,
	                      record_break : 1;   /* what is queued ends a TLS record first */
	const char           *goaway_reason;   /* HTTPERR reason of our GOAWAY */
	uint32_t              goaway_code;     /* its error code, when we chose to send one */
	double                rst_tokens;      /* streams that may still end early now */
	uint64_t              rst_refill_ms;   /* when the tokens were last refilled */
};

static void h2_send(struct h2 *h);
static void h2_discard_stop(struct h2_stream *s);
static void h2_consume(struct h2_stream *s);
static void h2_rearm(struct h2 *h);
static void h2_partial_head(struct h2_stream *s);

static uint64_t
h2_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* End the connection with a GOAWAY carrying code (ENHANCE_YOUR_CALM, PROTOCOL_ERROR, ...):
 * reason is the HTTPERR line's, written when the frame goes out (h2_on_frame_send).  No
 * stream opens after it; the connection closes once it is sent. */
static void
h2_goaway(struct h2 *h, uint32_t code, const char *reason)
{
	if (h->goaway_reason == NULL) {
		h->goaway_reason = reason;
		h->goaway_code = code;
	}
	h->goaway = 1;
	nghttp2_session_terminate_session(h->ng, code);
}

/* ---------- streams ---------- */

static struct h2_stream *
h2_stream_get(struct h2 *h, int32_t id)
{
	return nghttp2_session_get_stream_user_data(h->ng, id);
}

static void
h2_unlink(struct h2_stream **list, struct h2_stream *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		*list = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void
h2_push(struct h2_stream **list, struct h2_stream *s)
{
	s->prev = NULL;
	s->next = *list;
	if (*list != NULL)
		(*list)->prev = s;
	*list = s;
}

static void
h2_stream_free(struct h2_stream *s)
{
	exchange_free(s->x);
	iobuf_clear(&s->resp);
	http_fields_clear(&s->req_trailers);
	http_fields_clear(&s->resp_trailers);
	free(s->fields);
	free(s->arena);
	free(s);
}

static const char *const h2_state_names[] = {
	"open", "half-closed", "headers", "end-queued", "reset", "closed",
};

/* The one place a stream's state changes (see enum h2_state): the edge is asserted. */
static void
h2_stream_state(struct h2_stream *s, enum h2_state to)
{
	static const unsigned char allowed[6][6] = {
		/*                  OPEN HALF HEAD END  RST  CLOSED */
		/* OPEN */        { 0,   1,   1,   1,   1,   1 },
		/* HALF_CLOSED */ { 0,   0,   1,   1,   1,   1 },
		/* HEADERS */     { 0,   0,   0,   1,   1,   1 },
		/* END_QUEUED */  { 0,   0,   0,   0,   1,   1 },
		/* RESET */       { 0,   0,   0,   0,   0,   1 },
		/* CLOSED */      { 0,   0,   0,   0,   0,   0 },
	};

	if (s->state == to)
		return;
	assert(allowed[s->state][to]);
	if (!allowed[s->state][to]) {
		log_warnx("conn %llu: HTTP/2 stream %d: %s -> %s is not allowed", s->h->info->id,
		    s->id, h2_state_names[s->state], h2_state_names[to]);
		return;
	}
	s->state = to;
}

/* 1 while a response may still be submitted on s. */
static int
h2_stream_answerable(const struct h2_stream *s)
{
	return (s->state == H2S_OPEN || s->state == H2S_HALF_CLOSED) && !conn_closed(s->h->c);
}

/* 1 once both nghttp2 (the stream closed) and the exchange (it ended, or stopped after
 * an op failed) are done with s. */
static int
h2_stream_spent(const struct h2_stream *s)
{
	return s->state == H2S_CLOSED && (s->x_done || s->x == NULL || exchange_done(s->x));
}

/* s may be spent: the next h2_later frees it, never a caller that still walks
 * h->streams (h2_later is the one place streams leave the list). */
static void
h2_stream_retire(struct h2_stream *s)
{
	if (s->state == H2S_CLOSED)
		conn_later(s->h->c);
}

/* The exchanges' answers are submitted to nghttp2 as they come, and sent from one place:
 * the end of the input pass, or the transport's "later" (once per loop pass).  A send
 * from inside an exchange callback would let nghttp2 close the stream under it. */
static void
h2_kick(struct h2 *h)
{
	if (!h->in_recv)
		conn_later(h->c);
}

/* A stream we give up on (a timer): RST_STREAM(CANCEL). */
static void
h2_stream_cancel(struct h2_stream *s)
{
	if (nghttp2_submit_rst_stream(s->h->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL) != 0)
		nghttp2_session_terminate_session(s->h->ng, NGHTTP2_INTERNAL_ERROR);
	h2_stream_state(s, H2S_RESET);
}

/* Out of memory for s's answer: the stream is reset (the client is not left waiting
 * without a deadline); if even that cannot be queued, the session ends. */
static void
h2_stream_fail(struct h2_stream *s)
{
	if (s->state == H2S_RESET || s->state == H2S_CLOSED)
		return;
	if (nghttp2_submit_rst_stream(s->h->ng, NGHTTP2_FLAG_NONE, s->id,
	    NGHTTP2_INTERNAL_ERROR) != 0)
		nghttp2_session_terminate_session(s->h->ng, NGHTTP2_INTERNAL_ERROR);
	h2_stream_state(s, H2S_RESET);
	h2_kick(s->h);
}

/* Copy n bytes into s's arena; returns the offset, or (size_t)-1. */
static size_t
h2_arena_add(struct h2_stream *s, const uint8_t *p, size_t n, int lower)
{
	size_t off = s->alen;

	if (s->alen + n + 1 > s->acap) {
		size_t cap = s->acap ? s->acap : 512;
		char *na;

		while (cap < s->alen + n + 1)
			cap *= 2;
		if ((na = realloc(s->arena, cap)) == NULL)
			return (size_t)-1;
		s->arena = na;
		s->acap = cap;
	}
	for (size_t i = 0; i < n; i++)
		s->arena[off + i] = lower ? (char)tolower(p[i]) : (char)p[i];
	s->arena[off + n] = '\0';
	s->alen += n + 1;
	return off;
}

/* ---------- the exchange's side (exchange_ops) ---------- */

/* The backend's trailer section as a HEADERS frame with END_STREAM (names lowercase and
 * filtered already, h2_x_trailers).  Returns 0, or -1 (the data then ends the stream). */
static int
h2_submit_trailers(struct h2_stream *s)
{
	const struct http_fields *t = &s->resp_trailers;
	nghttp2_nv *nv;
	int rc;

	if ((nv = calloc(t->n, sizeof(*nv))) == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		nv[i] = (nghttp2_nv){ (uint8_t *)t->v[i].name, (uint8_t *)t->v[i].value,
		    t->v[i].name_len, t->v[i].value_len, NGHTTP2_NV_FLAG_NONE };
	rc = nghttp2_submit_trailer(s->h->ng, s->id, nv, t->n);   /* (copies nv) */
	free(nv);
	return rc == 0 ? 0 : -1;
}

/* Paused streams go on once the connection's budget has room again. */
static void
h2_budget_resume(struct h2 *h)
{
	if (h->npaused == 0 || h->resp_bytes > H2_BUDGET_LOW)
		return;
	for (struct h2_stream *s = h->streams, *next; s != NULL; s = next) {
		next = s->next;
		if (!s->resp_full || iobuf_len(&s->resp) > CONN_LOW_WATER)
			continue;
		s->resp_full = 0;
		h->npaused--;
		if (s->x != NULL && !s->x_done)
			exchange_resp_drained(s->x);
	}
}

/* Response bytes for s's queue, charged to the connection's budget. */
static int
h2_resp_add(struct h2_stream *s, const char *data, size_t len)
{
	if (iobuf_add(&s->resp, data, len) != 0)
		return -1;
	s->h->resp_bytes += len;
	return 0;
}

static ssize_t
h2_read_cb(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *src, void *arg)
{
	struct h2_stream *s = src->ptr;
	size_t n = 0, k;
	const char *p;

	while (n < length && (p = iobuf_peek(&s->resp, &k)) != NULL) {
		if (k > length - n)
			k = length - n;
		memcpy(buf + n, p, k);
		iobuf_drain(&s->resp, k);
		n += k;
	}
	s->h->resp_bytes -= n;
	if (iobuf_len(&s->resp) == 0 && s->resp_eof) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		/* the trailer section ends the stream instead of this DATA frame */
		if (s->resp_trailers.n > 0 && h2_submit_trailers(s) == 0)
			*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
	} else if (n == 0) {
		s->resp_deferred = 1;
		return NGHTTP2_ERR_DEFERRED;
	}
	return (ssize_t)n;
}

/* Submit a response head: nv from fields (names lowercased, connection-specific fields
 * out: RFC 9113 §8.2.2, http_hop_fields).  A final one moves s to HEADERS, or to
 * END_QUEUED when nothing follows it (end: a bodiless head, or a page whose body is
 * queued whole).  Returns 0 or -1 (out of memory). */
static int
h2_submit(struct h2_stream *s, int status, const struct http_header *f, size_t nf,
    int bodiless, int interim, int end)
{
	nghttp2_nv *nv;
	unsigned char *hop;
	char st[8], *low;
	size_t n = 0, lowlen = 0;
	nghttp2_data_provider prd;
	int rc;

	for (size_t i = 0; i < nf; i++)
		lowlen += strlen(f[i].name) + 1;
	nv = calloc(nf + 1, sizeof(*nv));
	low = malloc(lowlen + 1);
	hop = malloc(nf + 1);
	if (nv == NULL || low == NULL || hop == NULL || http_hop_fields(f, nf, hop) != 0) {
		free(nv);
		free(low);
		free(hop);
		return -1;
	}
	snprintf(st, sizeof(st), "%d", status);
	nv[n++] = (nghttp2_nv){ (uint8_t *)":status", (uint8_t *)st, 7, strlen(st),
	    NGHTTP2_NV_FLAG_NONE };
	lowlen = 0;
	for (size_t i = 0; i < nf; i++) {
		size_t nl = strlen(f[i].name);

		if (hop[i])
			continue;
		for (size_t k = 0; k < nl; k++)
			low[lowlen + k] = (char)tolower((unsigned char)f[i].name[k]);
		nv[n++] = (nghttp2_nv){ (uint8_t *)low + lowlen, (uint8_t *)f[i].value, nl,
		    strlen(f[i].value), NGHTTP2_NV_FLAG_NONE };
		lowlen += nl + 1;
	}
	if (interim) {
		rc = nghttp2_submit_headers(s->h->ng, NGHTTP2_FLAG_NONE, s->id, NULL, nv, n, NULL);
	} else {
		prd.source.ptr = s;
		prd.read_callback = h2_read_cb;
		rc = nghttp2_submit_response(s->h->ng, s->id, nv, n, bodiless ? NULL : &prd);
		if (rc == 0)
			h2_stream_state(s, bodiless || end ? H2S_END_QUEUED : H2S_HEADERS);
	}
	free(nv);
	free(low);
	free(hop);
	if (rc != 0)
		return -1;
	h2_kick(s->h);
	return 0;
}

static int
h2_x_head(void *arg, struct exchange *x, const struct http_head *resp, int bodiless)
{
	struct h2_stream *s = arg;

	if (!h2_stream_answerable(s) || resp->status == 101)
		return -1;   /* (no upgrade in HTTP/2: the request asked for none) */
	if (h2_submit(s, resp->status, resp->headers, resp->nheaders, bodiless,
	    resp->status / 100 == 1, 0) != 0) {
		h2_stream_fail(s);
		return -1;
	}
	return 0;
}

static int
h2_x_page(void *arg, struct exchange *x, const struct respond_msg *m, int close)
{
	struct h2_stream *s = arg;
	int bodiless = m->head_only || m->body == NULL;

	if (!h2_stream_answerable(s))
		return -1;
	if (!bodiless && h2_resp_add(s, (const char *)evbuffer_pullup(m->body, -1),
	    evbuffer_get_length(m->body)) != 0) {
		h2_stream_fail(s);
		return -1;
	}
	s->resp_eof = 1;
	if (h2_submit(s, m->status, m->fields, m->nfields, bodiless, 0, 1) != 0) {
		h2_stream_fail(s);
		return -1;
	}
	return 0;
}

static int
h2_x_body(void *arg, struct exchange *x, const char *data, size_t len)
{
	struct h2_stream *s = arg;

	if (s->state != H2S_HEADERS || conn_closed(s->h->c))
		return -1;
	if (h2_resp_add(s, data, len) != 0) {
		h2_stream_fail(s);
		return -1;
	}
	if (s->resp_deferred) {
		s->resp_deferred = 0;
		nghttp2_session_resume_data(s->h->ng, s->id);
	}
	h2_kick(s->h);
	return 0;
}

/* The backend's trailer section: kept, filtered and lowercased, until the read callback
 * reaches the end of the data (h2_read_cb); a bodiless response has no place for it. */
static int
h2_x_trailers(void *arg, struct exchange *x, const struct http_fields *t)
{
	struct h2_stream *s = arg;

	if (conn_closed(s->h->c) || s->state == H2S_RESET || s->state == H2S_CLOSED)
		return -1;
	if (s->state != H2S_HEADERS)
		return 1;   /* bodiless: no place for them */
	for (size_t i = 0; i < t->n; i++) {
		const struct http_header *f = &t->v[i];

		if (http_trailer_forbidden(f->name, f->name_len) != NULL)
			continue;
		if (http_fields_add(&s->resp_trailers, f->name, f->name_len, f->value,
		    f->value_len, 1) != 0)
			return -1;
	}
	return 0;
}

/* The exchange is done with s.  A complete response ends with its data (END_STREAM goes
 * with the last DATA or the trailers); when it was answered before the request ended,
 * what is left of the request is dropped as it comes (h2_discard).  A cut one is reset. */
static void
h2_x_end(void *arg, struct exchange *x, enum exchange_end how)
{
	struct h2_stream *s = arg;
	struct h2 *h = s->h;

	s->x_done = 1;
	if (s->resp_full) {
		s->resp_full = 0;
		h->npaused--;
	}
	if (how == EXCHANGE_END_CUT && s->state != H2S_RESET && s->state != H2S_CLOSED) {
		/* a response cut short never looks complete */
		if (nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
		    NGHTTP2_INTERNAL_ERROR) != 0)
			nghttp2_session_terminate_session(h->ng, NGHTTP2_INTERNAL_ERROR);
		h2_stream_state(s, H2S_RESET);
	} else if (how == EXCHANGE_END_OK && s->state == H2S_HEADERS) {
		s->resp_eof = 1;
		if (s->resp_deferred) {
			s->resp_deferred = 0;
			nghttp2_session_resume_data(h->ng, s->id);
		}
		h2_stream_state(s, H2S_END_QUEUED);
	} else if (how == EXCHANGE_END_OK && h2_stream_answerable(s)) {
		/* ended without an answer (cannot happen: exchange.c answers first) */
		h2_stream_fail(s);
	}
	if (s->state == H2S_END_QUEUED && !s->req_ended) {
		if (s->head.content_length >= 0 && s->head.content_length >= (long long)s->received &&
		    (unsigned long long)s->head.content_length - s->received <= H2_DISCARD_MAX) {
			s->deadline = h2_now_ms() +
			    (uint64_t)h->info->cfg->entity_body_timeout * 1000;
			/* what a paused backend held back is dropped too: the client's window
			 * opens again, or the rest could never come */
			s->req_paused = 0;
			h2_consume(s);
		} else {
			h2_discard_stop(s);
		}
	}
	h->info->requests++;
	h2_stream_retire(s);
	h2_kick(h);
}

static int
h2_x_full(void *arg, struct exchange *x)
{
	struct h2_stream *s = arg;
	struct h2 *h = s->h;

	if (iobuf_len(&s->resp) < CONN_HIGH_WATER && h->resp_bytes < H2_BUDGET)
		return 0;
	if (!s->resp_full) {
		s->resp_full = 1;
		h->npaused++;
	}
	return 1;
}

/* Acknowledge request DATA the backend took: the client may send more. */
static void
h2_consume(struct h2_stream *s)
{
	if (s->unconsumed > 0 && s->state != H2S_CLOSED) {
		nghttp2_session_consume(s->h->ng, s->id, s->unconsumed);
		s->unconsumed = 0;
	}
}

static void
h2_x_pause_request(void *arg, struct exchange *x, int on)
{
	struct h2_stream *s = arg;

	s->req_paused = on ? 1 : 0;
	if (!on) {
		h2_consume(s);
		h2_kick(s->h);
	}
}

static void
h2_x_upgraded(void *arg, struct exchange *x)
{
}

/* A client certificate wanted after the handshake: HTTP/2 can neither renegotiate nor
 * ask after a TLS 1.3 handshake, so the stream is reset with HTTP_1_1_REQUIRED (RFC 7540
 * §9.2.1), and a browser retries over HTTP/1.1. */
static void
h2_x_reset(void *arg, struct exchange *x, enum exchange_reset how)
{
	struct h2_stream *s = arg;
	struct h2 *h = s->h;

	/* (clientcert.c answers HTTP/2 with EXCHANGE_RESET_HTTP_1_1_REQUIRED whatever the TLS
	 * version: a stream, not the connection, is what HTTP/2 can reset; and a connection
	 * reset from inside nghttp2's input would free what it is parsing) */
	s->x_done = 1;
	if (h2_stream_answerable(s)) {
		if (nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
		    NGHTTP2_HTTP_1_1_REQUIRED) != 0)
			nghttp2_session_terminate_session(h->ng, NGHTTP2_INTERNAL_ERROR);
		h2_stream_state(s, H2S_RESET);
		h2_kick(h);
	}
	h2_stream_retire(s);
}

static const struct exchange_ops h2_x_ops = {
	.head = h2_x_head,
	.page = h2_x_page,
	.body = h2_x_body,
	.trailers = h2_x_trailers,
	.end = h2_x_end,
	.full = h2_x_full,
	.pause_request = h2_x_pause_request,
	.upgraded = h2_x_upgraded,
	.reset = h2_x_reset,
};

/* ---------- nghttp2's side ---------- */

static void
h2_log_stream(struct h2 *h, struct h2_stream *s, const char *reason)
{
	if (s != NULL && s->x != NULL)
		exchange_abort(s->x, reason, WIN32_CONNECTION_ABORTED);
	else
		exchange_log_conn_error(h->info, 0, reason);
}

/* The request's END_STREAM arrived: its half is closed, and its body timer with it. */
static void
h2_req_end(struct h2_stream *s)
{
	s->req_ended = 1;
	s->deadline = 0;
	if (s->state == H2S_OPEN)
		h2_stream_state(s, H2S_HALF_CLOSED);
}

/* Refuse the stream's request with HTTP.SYS's page for e (the head broke a limit). */
static void
h2_refuse(struct h2_stream *s)
{
	h2_partial_head(s);
	exchange_refuse(s->x, s->refuse, s->refuse_detail, &s->head);
}

/* 1 when we reset stream id lately: a frame the client sent before our RST_STREAM
 * reached it (trailers, say) is ignored (RFC 9113 §5.1), even once nghttp2 has let the
 * closed stream go. */
static int
h2_was_reset(const struct h2 *h, int32_t id)
{
	for (size_t i = 0; i < H2_RESET_IDS; i++)
		if (h->reset_ids[i] == id)
			return 1;
	return 0;
}

/*
 * What nghttp2 1.52 lets through that RFC 9113 makes a connection error, checked as each
 * frame begins:
 * - HEADERS opening a stream whose id is not above every one the client opened (§5.1.1:
 *   PROTOCOL_ERROR); nghttp2 takes such a stream for one implicitly closed and ignores
 *   the frame.  HEADERS on a stream nghttp2 still has (trailers) are not that.
 * - SETTINGS_INITIAL_WINDOW_SIZE that takes an open stream's window past 2^31-1 (§6.9.2:
 *   FLOW_CONTROL_ERROR); nghttp2 resets the stream only.  The windows are noted here and
 *   judged when the frame is complete (h2_settings_overflow).
 */
static int
h2_on_begin_frame(nghttp2_session *ng, const nghttp2_frame_hd *hd, void *arg)
{
	struct h2 *h = arg;

	if (hd->type == NGHTTP2_HEADERS && hd->stream_id > 0 && hd->stream_id % 2 == 1 &&
	    hd->stream_id <= h->max_stream_id &&
	    nghttp2_session_find_stream(ng, hd->stream_id) == NULL &&
	    !h2_was_reset(h, hd->stream_id)) {
		h2_goaway(h, NGHTTP2_PROTOCOL_ERROR, "H2_ProtocolError");
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	if (hd->type == NGHTTP2_SETTINGS && !(hd->flags & NGHTTP2_FLAG_ACK)) {
		h->iws_snap = nghttp2_session_get_remote_settings(ng,
		    NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
		for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
			s->rwin_snap = s->state == H2S_CLOSED ? 0 :
			    nghttp2_session_get_stream_remote_window_size(ng, s->id);
	}
	return 0;
}

/* 1 when the SETTINGS frame just received takes an open stream's send window past
 * 2^31-1 (see h2_on_begin_frame). */
static int
h2_settings_overflow(struct h2 *h, const nghttp2_settings *st)
{
	int64_t delta;
	int found = 0;
	uint32_t iws = 0;

	for (size_t i = 0; i < st->niv; i++)
		if (st->iv[i].settings_id == NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE) {
			iws = st->iv[i].value;   /* the last one counts */
			found = 1;
		}
	if (!found)
		return 0;
	delta = (int64_t)iws - (int64_t)h->iws_snap;
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		if (s->state != H2S_CLOSED && (int64_t)s->rwin_snap + delta > INT32_MAX)
			return 1;
	return 0;
}

static int
h2_on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if (h->goaway)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	s->h = h;
	s->id = frame->hd.stream_id;
	if ((s->x = exchange_new(&h2_x_ops, s, h->info)) == NULL) {
		free(s);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	exchange_set_stream(s->x, (unsigned)s->id);
	if (s->id > h->max_stream_id)
		h->max_stream_id = s->id;
	h2_push(&h->streams, s);
	h->nstreams++;
	nghttp2_session_set_stream_user_data(ng, s->id, s);
	s->deadline = h2_now_ms() + (uint64_t)h->info->cfg->header_wait_timeout * 1000;
	return 0;
}

static int
h2_on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s = h2_stream_get(h, frame->hd.stream_id);
	const struct conf *cfg = h->info->cfg;
	size_t no, vo;

	if (s == NULL || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
		/* The request's trailer section (checked by nghttp2: no pseudo-header field),
		 * held to the same limits as a head (max_field_length per field here,
		 * max_request_bytes in all when the frame is complete), kept in a list of its
		 * own: the head's arena and fields, which the exchange reads, must not move. */
		s->trailer_bytes += namelen + valuelen + 32;
		if (s->trailer_bytes / H2_BOMB_FACTOR > cfg->max_request_bytes) {
			h2_log_stream(h, s, "H2_HpackBomb");
			s->x_done = 1;
			h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_HpackBomb");
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		if (s->trailer_refuse != HTTP_ERR_NONE || s->trailer_bytes > cfg->max_request_bytes)
			return 0;   /* refused when the frame is complete: nothing more kept */
		if (namelen + valuelen + 2 > cfg->max_field_length) {
			s->trailer_refuse = HTTP_ERR_FIELD_LENGTH;
			return 0;
		}
		if (http_fields_add(&s->req_trailers, (const char *)name, namelen,
		    (const char *)value, valuelen, 1) != 0)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		return 0;
	}
	/* HTTP.SYS's limits: the whole list (as SETTINGS_MAX_HEADER_LIST_SIZE counts it),
	 * one field, the URL.  A list a little too long gets HTTP.SYS's page; one many times
	 * the limit the client was told in SETTINGS is an HPACK bomb (a few bytes of
	 * references to one big table entry, decoding to megabytes): nghttp2 would check
	 * every byte of every field of it, so the connection ends now, without decoding the
	 * rest (its HPACK state no longer matters). */
	s->header_bytes += namelen + valuelen + 32;
	if (s->header_bytes / H2_BOMB_FACTOR > cfg->max_request_bytes) {
		h2_log_stream(h, s, "H2_HpackBomb");
		s->x_done = 1;
		h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_HpackBomb");
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	if (s->refuse != HTTP_ERR_NONE)
		return 0;
	if (s->header_bytes > cfg->max_request_bytes) {
		s->refuse = HTTP_ERR_REQUEST_LENGTH;
		s->refuse_detail = "header list larger than max_request_bytes";
		return 0;
	}
	if (namelen + valuelen + 2 > cfg->max_field_length) {
		s->refuse = HTTP_ERR_FIELD_LENGTH;
		s->refuse_detail = "header field longer than max_field_length";
		return 0;
	}
	if ((no = h2_arena_add(s, name, namelen, 0)) == (size_t)-1 ||
	    (vo = h2_arena_add(s, value, valuelen, 0)) == (size_t)-1)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (namelen > 0 && name[0] == ':') {
		/* pseudo-header fields: remembered as offsets until the block is complete */
		if (namelen == 7 && memcmp(name, ":method", 7) == 0)
			s->method = (char *)(uintptr_t)(vo + 1);
		else if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
			if (valuelen > cfg->max_url_length) {
				s->refuse = HTTP_ERR_URL_LENGTH;
				s->refuse_detail = ":path longer than max_url_length";
				return 0;
			}
			s->path = (char *)(uintptr_t)(vo + 1);
		} else if (namelen == 7 && memcmp(name, ":scheme", 7) == 0)
			s->scheme = (char *)(uintptr_t)(vo + 1);
		else if (namelen == 10 && memcmp(name, ":authority", 10) == 0)
			s->authority = (char *)(uintptr_t)(vo + 1);
		return 0;
	}
	if (s->nfields == s->fields_cap) {
		size_t cap = s->fields_cap ? 2 * s->fields_cap : 16;
		struct http_header *nf = realloc(s->fields, cap * sizeof(*nf));

		if (nf == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		s->fields = nf;
		s->fields_cap = cap;
	}
	/* offsets + 1 until the block is complete (the arena may move) */
	s->fields[s->nfields].name = (char *)(uintptr_t)(no + 1);
	s->fields[s->nfields].value = (char *)(uintptr_t)(vo + 1);
	s->nfields++;
	return 0;
}

/* Offsets into the arena (+1, so that 0 stays "none") to pointers, once, when the arena
 * grows no more: the head is complete, or refused. */
#define H2_OFF(p) ((size_t)(uintptr_t)(p) - 1)
static void
h2_resolve(struct h2_stream *s)
{
#define H2_PTR(p) ((p) == NULL ? NULL : s->arena + H2_OFF(p))
	if (s->resolved)
		return;
	s->resolved = 1;
	s->method = H2_PTR(s->method);
	s->path = H2_PTR(s->path);
	s->scheme = H2_PTR(s->scheme);
	s->authority = H2_PTR(s->authority);
	s->host_field = H2_PTR(s->host_field);
	for (size_t i = 0; i < s->nfields; i++) {
		s->fields[i].name = H2_PTR(s->fields[i].name);
		s->fields[i].value = H2_PTR(s->fields[i].value);
		s->fields[i].name_len = (unsigned)strlen(s->fields[i].name);
		s->fields[i].value_len = (unsigned)strlen(s->fields[i].value);
		s->fields[i].id = http_field_id(s->fields[i].name, s->fields[i].name_len);
	}
#undef H2_PTR
}

/* The head a refused stream's logs show: what of the request line is known. */
static void
h2_partial_head(struct h2_stream *s)
{
	struct http_head *hd = &s->head;

	h2_resolve(s);
	if (hd->version_major == 2)
		return;   /* built already */
	memset(hd, 0, sizeof(*hd));
	hd->method = s->method;
	hd->target = hd->path = s->path;
	hd->host = s->authority != NULL ? s->authority : s->host_field;
	hd->version_major = 2;
	hd->content_length = -1;
}

/* The header block is complete: the http_head the exchange (and the backend) read.
 * Returns 0, or -1 for a malformed request (the caller answers it: *e says how). */
static int
h2_build_head(struct h2_stream *s, int end_stream, enum http_error *e)
{
	struct http_head *hd = &s->head;
	size_t i, k, ncookie = 0, cookie_len = 0, joined = 0, nhost = 0, cl = 0;

	*e = HTTP_ERR_BAD_REQUEST;
	/* What HTTP/1.1's request line allows, and no more (http.c): no CONNECT (a reverse
	 * proxy does not tunnel); the scheme of this connection, https (RFC 9113 §8.3.1: a
	 * server that does not serve a scheme refuses the request), so that neither a scheme
	 * nor an absolute :path routes past :authority; an origin-form :path, or "*" for
	 * OPTIONS. */
	if (s->method != NULL && strcmp(s->arena + H2_OFF(s->method), "CONNECT") == 0) {
		s->refuse_detail = "CONNECT is not supported";
		h2_partial_head(s);
		return -1;
	}
	if (s->scheme == NULL || strcasecmp(s->arena + H2_OFF(s->scheme), "https") != 0) {
		s->refuse_detail = ":scheme is not https";
		h2_partial_head(s);
		return -1;
	}
	if (s->path == NULL || (s->arena[H2_OFF(s->path)] != '/' &&
	    !(strcmp(s->arena + H2_OFF(s->path), "*") == 0 && s->method != NULL &&
	    strcmp(s->arena + H2_OFF(s->method), "OPTIONS") == 0))) {
		s->refuse_detail = ":path is not origin-form";
		h2_partial_head(s);
		return -1;
	}
	for (i = 0; i < s->nfields; i++) {
		const char *n = s->arena + H2_OFF(s->fields[i].name);

		if (strcmp(n, "cookie") == 0) {
			cookie_len += strlen(s->arena + H2_OFF(s->fields[i].value)) + 2;
			ncookie++;
		} else if (strcmp(n, "host") == 0) {
			s->host_field = s->fields[i].value;
			nhost++;
		} else if (strcmp(n, "content-length") == 0) {
			cl = (uintptr_t)s->fields[i].value;
		}
	}
	/* One host the request is for: :authority, or a Host field (RFC 9113 §8.3.1).  Both,
	 * naming different hosts, would let the site be chosen by one and the backend hear
	 * the other; two Host fields are refused as HTTP/1.1's are (http.c). */
	if (nhost > 1 || (nhost == 1 && s->authority != NULL &&
	    strcasecmp(s->arena + H2_OFF(s->host_field), s->arena + H2_OFF(s->authority)) != 0)) {
		*e = HTTP_ERR_HOSTNAME;
		s->refuse_detail = nhost > 1 ? "more than one Host field" :
		    "Host field and :authority name different hosts";
		h2_partial_head(s);
		return -1;
	}
	/* RFC 9113 §8.2.3: the cookie crumbs become one field for HTTP/1.1 */
	if (ncookie > 1) {
		char *buf = malloc(cookie_len + 1);
		size_t at = 0, first = SIZE_MAX, off;

		if (buf == NULL) {
			h2_partial_head(s);
			return -1;
		}
		for (i = 0; i < s->nfields; i++)
			if (strcmp(s->arena + H2_OFF(s->fields[i].name), "cookie") == 0)
				at += (size_t)sprintf(buf + at, "%s%s", at ? "; " : "",
				    s->arena + H2_OFF(s->fields[i].value));
		off = h2_arena_add(s, (const uint8_t *)buf, at, 0);
		free(buf);
		if (off == (size_t)-1) {
			h2_partial_head(s);
			return -1;
		}
		joined = off + 1;
		for (i = 0, k = 0; i < s->nfields; i++) {
			if (strcmp(s->arena + H2_OFF(s->fields[i].name), "cookie") != 0) {
				s->fields[k++] = s->fields[i];
			} else if (first == SIZE_MAX) {
				first = k;
				s->fields[k] = s->fields[i];
				s->fields[k++].value = (char *)(uintptr_t)joined;
			}
		}
		s->nfields = k;
	}
	/* the backend hears the host the client asked for as Host */
	if (nhost == 0 && s->authority != NULL) {
		size_t no = h2_arena_add(s, (const uint8_t *)"Host", 4, 0);
		struct http_header *nf = s->fields;

		if (no != (size_t)-1 && s->nfields == s->fields_cap) {
			size_t cap = s->fields_cap ? 2 * s->fields_cap : 16;

			if ((nf = realloc(s->fields, cap * sizeof(*nf))) != NULL) {
				s->fields = nf;
				s->fields_cap = cap;
			}
		}
		if (no == (size_t)-1 || nf == NULL) {
			h2_partial_head(s);
			return -1;
		}
		memmove(s->fields + 1, s->fields, s->nfields * sizeof(*s->fields));
		s->fields[0].name = (char *)(uintptr_t)(no + 1);
		s->fields[0].value = s->authority;
		s->nfields++;
	}
	h2_resolve(s);
	memset(hd, 0, sizeof(*hd));
	hd->method = s->method;
	hd->target = s->path;
	hd->path = s->path;
	hd->host = s->authority != NULL ? s->authority : s->host_field;
	hd->version_major = 2;
	hd->version_minor = 0;
	hd->headers = s->fields;
	hd->nheaders = s->nfields;
	hd->keep_alive = 1;
	hd->content_length = -1;
	if (cl != 0) {
		const char *v = s->arena + H2_OFF(cl);
		char *end;
		long long n = strtoll(v, &end, 10);

		if (*v < '0' || *v > '9' || *end != '\0' || n < 0)
			return -1;
		hd->content_length = n;
	}
	/* a body of unknown length goes to the backend chunked */
	hd->chunked = !end_stream && hd->content_length < 0;
	return 0;
}
#undef H2_OFF

static int
h2_on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s = h2_stream_get(h, frame->hd.stream_id);
	const struct conf *cfg = h->info->cfg;
	enum http_error e;
	uint64_t now;

	switch (frame->hd.type) {
	case NGHTTP2_SETTINGS:
		if (frame->hd.flags & NGHTTP2_FLAG_ACK)
			break;
		now = h2_now_ms();
		if (now - h->settings_window_start >= 60000) {
			h->settings_window_start = now;
			h->settings = 0;
			h->settings_entries = 0;
		}
		/* frames (each wants an ACK) by sysbind's bound; settings by the binding's */
		h->settings_entries += frame->settings.niv;
		if (++h->settings > H2_SETTINGS_MAX ||
		    h->settings_entries > h->max_settings_per_minute)
			h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_SettingsFlood");
		if (h2_settings_overflow(h, &frame->settings)) {
			h2_goaway(h, NGHTTP2_FLOW_CONTROL_ERROR, "H2_FlowControl");
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		break;
	case NGHTTP2_PING:
		if (frame->hd.flags & NGHTTP2_FLAG_ACK)
			break;
		now = h2_now_ms();
		if (now - h->ping_window_start >= H2_PING_WINDOW * 1000) {
			h->ping_window_start = now;
			h->pings = 0;
		}
		if (++h->pings > H2_PING_MAX)
			h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_PingFlood");
		break;
	case NGHTTP2_HEADERS:
		if (s != NULL && frame->headers.cat == NGHTTP2_HCAT_HEADERS) {
			/* the request's trailers (nghttp2 insists they end the stream): the body
			 * ends here; a section over max_request_bytes fails the request as
			 * HTTP/1.1's does (400 if nothing was answered yet, else the stream is cut) */
			h2_req_end(s);
			if (exchange_done(s->x))
				break;
			if (s->trailer_bytes > cfg->max_request_bytes)
				exchange_refuse(s->x, HTTP_ERR_REQUEST_LENGTH,
				    "trailer section larger than max_request_bytes", NULL);
			else if (s->trailer_refuse != HTTP_ERR_NONE)
				exchange_refuse(s->x, s->trailer_refuse,
				    "trailer field longer than max_field_length", NULL);
			else {
				exchange_req_trailers(s->x, &s->req_trailers);
				exchange_req_end(s->x);
			}
			break;
		}
		if (s == NULL || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
			break;
		s->req_started = 1;
		if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
			h2_req_end(s);
		if (s->refuse == HTTP_ERR_NONE && h2_build_head(s, s->req_ended, &e) != 0) {
			s->refuse = e;
			if (s->refuse_detail == NULL)
				s->refuse_detail = "malformed request header block";
		}
		if (s->refuse != HTTP_ERR_NONE) {
			h2_refuse(s);
			break;
		}
		s->deadline = s->req_ended ? 0 :
		    h2_now_ms() + (uint64_t)cfg->entity_body_timeout * 1000;
		exchange_request(s->x, &s->head, conn_over_limit(h->c));
		if (s->req_ended && !exchange_done(s->x))
			exchange_req_end(s->x);
		break;
	case NGHTTP2_DATA:
		if (s != NULL && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
			h2_req_end(s);
			if (!exchange_done(s->x))
				exchange_req_end(s->x);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* Stop the rest of an early-answered request: RST_STREAM(NO_ERROR), never before the
 * response's END_STREAM went out (RFC 9113 §8.1; h2_on_frame_send sends it then). */
static void
h2_discard_stop(struct h2_stream *s)
{
	s->deadline = 0;
	if (s->req_ended || s->state != H2S_END_QUEUED || s->discard_stopped)
		return;
	s->discard_stopped = 1;
	if (!s->end_sent)
		s->rst_after_end = 1;
	else if (nghttp2_submit_rst_stream(s->h->ng, NGHTTP2_FLAG_NONE, s->id,
	    NGHTTP2_NO_ERROR) != 0)
		nghttp2_session_terminate_session(s->h->ng, NGHTTP2_INTERNAL_ERROR);
}

static int
h2_on_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
    void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s = h2_stream_get(h, id);

	if (s == NULL)
		return 0;
	if (!s->discard_stopped)
		s->deadline = h2_now_ms() + (uint64_t)h->info->cfg->entity_body_timeout * 1000;
	s->received += len;
	s->unconsumed += len;
	if (!exchange_done(s->x)) {
		exchange_req_body(s->x, (const char *)data, len);
	} else {
		/* answered already: what is left is read and dropped, up to H2_DISCARD_MAX */
		s->req_paused = 0;
		s->discarded += len;
		if (s->discarded > H2_DISCARD_MAX)
			h2_discard_stop(s);
	}
	if (!s->req_paused)
		h2_consume(s);
	return 0;
}

/*
 * A stream ended before its response did: CVE-2023-44487 (rapid reset: the client opens
 * and resets streams) and CVE-2025-8671 (MadeYouReset: the client makes the server reset
 * them, with malformed requests) each cost the client two frames and us a request started
 * towards the backend (its connection included).  A token bucket: H2_RESET_BURST such
 * streams at once, H2_RESET_RATE per second after that; then GOAWAY ENHANCE_YOUR_CALM.
 * (nghttp2's own limit counts only the client's RST_STREAMs, higher, with INTERNAL_ERROR.)
 */
static void
h2_reset_spend(struct h2 *h)
{
	uint64_t now = h2_now_ms();

	h->rst_tokens += (double)(now - h->rst_refill_ms) * H2_RESET_RATE / 1000.0;
	if (h->rst_tokens > H2_RESET_BURST)
		h->rst_tokens = H2_RESET_BURST;
	h->rst_refill_ms = now;
	if (h->rst_tokens >= 1.0)
		h->rst_tokens -= 1.0;
	else if (!h->goaway)
		h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_RapidReset");
}

static int
h2_on_stream_close(nghttp2_session *ng, int32_t id, uint32_t error, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s = h2_stream_get(h, id);
	enum h2_state was;

	if (s == NULL)
		return 0;
	was = s->state;
	h2_stream_state(s, H2S_CLOSED);
	s->deadline = s->stalled_since = 0;
	nghttp2_session_set_stream_user_data(ng, id, NULL);
	if (s->unconsumed > 0) {
		/* what the stream held back (its backend was full) is given back to the
		 * connection's window, or every such stream would shrink it for good */
		nghttp2_session_consume_connection(ng, s->unconsumed);
		s->unconsumed = 0;
	}
	h->resp_bytes -= iobuf_len(&s->resp);
	iobuf_clear(&s->resp);
	if (s->resp_full) {
		s->resp_full = 0;
		h->npaused--;
	}
	if (was == H2S_OPEN || was == H2S_HALF_CLOSED || was == H2S_HEADERS) {
		/* closed before its response was: the client reset the stream, or made nghttp2
		 * reset it (a malformed request), or the session ended under it.  The first two
		 * cost the client two frames and us a request: the reset budget counts them. */
		if (!s->x_done) {
			exchange_abort(s->x, s->bad ? "BadRequest" : error == NGHTTP2_NO_ERROR ?
			    NULL : "Connection_Dropped", WIN32_NETNAME_DELETED);
			s->x_done = 1;
		}
		if (!h->goaway || s->bad)
			h2_reset_spend(h);
	}
	/* END_QUEUED: the response was complete (its exchange ends, or ended, by itself);
	 * RESET: we ended it, and said so to the exchange then */
	h2_stream_retire(s);
	return 0;
}

/* What we told the client: a response's END_STREAM (and the early answer's
 * RST_STREAM(NO_ERROR) that waited for it); the HTTPERR line when we tear the session
 * down. */
static int
h2_on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s = frame->hd.stream_id != 0 ? h2_stream_get(h, frame->hd.stream_id) :
	    NULL;

	if (s != NULL && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
	    (frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS)) {
		s->end_sent = 1;
		if (s->rst_after_end && !s->req_ended &&
		    nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR) == 0)
			h->record_break = 1;   /* (h2_send) */
		s->rst_after_end = 0;
	}
	if (frame->hd.type == NGHTTP2_RST_STREAM)
		h->reset_ids[h->reset_at++ % H2_RESET_IDS] = frame->hd.stream_id;
	if (frame->hd.type == NGHTTP2_RST_STREAM &&
	    frame->rst_stream.error_code == NGHTTP2_PROTOCOL_ERROR && s != NULL)
		s->bad = 1;   /* nghttp2 found the request malformed (we never send this code) */
	if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR &&
	    !h->goaway_logged) {
		const char *reason = h->goaway_reason;
		int dlen = (int)(frame->goaway.opaque_data_len > 200 ? 200 :
		    frame->goaway.opaque_data_len);

		if (reason == NULL)
			reason = frame->goaway.error_code == NGHTTP2_ENHANCE_YOUR_CALM ?
			    "H2_EnhanceYourCalm" : frame->goaway.error_code ==
			    NGHTTP2_FLOW_CONTROL_ERROR ? "H2_FlowControl" : "H2_ProtocolError";
		/* nghttp2 says why in the frame's debug data when it decided itself */
		trace_note(h->info->srv->trace, h->info->id, "HTTP/2 GOAWAY %s (%s)%s%.*s",
		    nghttp2_http2_strerror(frame->goaway.error_code), reason, dlen > 0 ? ": " : "",
		    dlen, dlen > 0 ? (const char *)frame->goaway.opaque_data : "");
		exchange_log_conn_error(h->info, 0, reason);
		h->goaway_logged = 1;
		h->goaway = 1;
	}
	return 0;
}

static int
h2_on_invalid_frame(nghttp2_session *ng, const nghttp2_frame *frame, int lib_error,
    void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s;

	trace_note(h->info->srv->trace, h->info->id, "HTTP/2 invalid frame (type %u, stream %d): %s",
	    frame->hd.type, frame->hd.stream_id, nghttp2_strerror(lib_error));
	if (frame->hd.type == NGHTTP2_HEADERS && lib_error == NGHTTP2_ERR_PROTO &&
	    h->nstreams >= H2_MAX_STREAMS && h->goaway_reason == NULL) {
		/* a stream beyond the SETTINGS_MAX_CONCURRENT_STREAMS the client acknowledged:
		 * nghttp2 ends the connection (PROTOCOL_ERROR, RFC 9113 §5.1.2, §5.4.1) */
		h->goaway_reason = "H2_TooManyStreams";
	} else if ((lib_error == NGHTTP2_ERR_HTTP_HEADER || lib_error == NGHTTP2_ERR_HTTP_MESSAGING) &&
	    (s = h2_stream_get(h, frame->hd.stream_id)) != NULL) {
		/* a malformed request (RFC 9113 §8.1.1): nghttp2 resets the stream */
		s->bad = 1;
	}
	return 0;
}

/* ---------- sending ---------- */

/* 1 when s has response bytes that the client's flow control keeps from being sent: its
 * stream window or the connection's (a client can shut either) is spent. */
static int
h2_stalled(struct h2 *h, struct h2_stream *s)
{
	if (s->state == H2S_CLOSED || iobuf_len(&s->resp) == 0)
		return 0;
	return nghttp2_session_get_stream_remote_window_size(h->ng, s->id) <= 0 ||
	    nghttp2_session_get_remote_window_size(h->ng) <= 0;
}

/* After what could be sent was sent: note the streams the client's windows now hold back
 * (a reader that never opens them loses the stream after idle_connection_timeout) and arm
 * the transport's deadline for the earliest of the streams' own.  Nothing to do on a
 * connection without streams: its idle deadline moves only when its last stream ends. */
static void
h2_watch(struct h2 *h)
{
	uint64_t now;

	if (h->nstreams == 0 || h->finishing || conn_closed(h->c))
		return;
	now = h2_now_ms();
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next) {
		if (h2_stalled(h, s)) {
			if (s->stalled_since == 0)
				s->stalled_since = now;
		} else {
			s->stalled_since = 0;
		}
	}
	h2_rearm(h);
}

/* Move what nghttp2 has to send into the transport's output: the one place frames are
 * sent (called at the end of an input pass, from the transport's later and drained, and
 * from the transport's own events: timeout, eof, stop).  Streams the budget paused go on
 * once there is room; the connection finishes once nghttp2 wants neither to read nor to
 * write (a GOAWAY exchanged and every stream done). */
static void
h2_send(struct h2 *h)
{
	const uint8_t *data;
	ssize_t n;

	if (h->sending || h->in_recv || conn_closed(h->c))
		return;   /* the input pass sends once it is done */
	h->sending = 1;
	while (iobuf_len(conn_out(h->c)) < CONN_HIGH_WATER &&
	    (n = nghttp2_session_mem_send(h->ng, &data)) != 0) {
		if (n < 0) {
			h->sending = 0;
			log_warnx("conn %llu: HTTP/2: %s", h->info->id, nghttp2_strerror((int)n));
			exchange_log_conn_error(h->info, 0, "H2_InternalError");
			conn_abort(h->c, "HTTP/2 session failed");
			return;
		}
		if (iobuf_add(conn_out(h->c), data, (size_t)n) != 0) {
			h->sending = 0;
			conn_abort(h->c, "out of memory");
			return;
		}
		if (h->record_break) {
			/* these bytes end a response answered early (nghttp2 told us while
			 * handing them over): its RST_STREAM(NO_ERROR), next, goes in a TLS record
			 * of its own; curl 7.88 loses a response whose stream closes in the record
			 * that brought it */
			h->record_break = 0;
			conn_push(h->c);
			if (conn_closed(h->c)) {
				h->sending = 0;
				return;
			}
		}
	}
	h->sending = 0;
	conn_send(h->c);
	if (conn_closed(h->c))
		return;
	if (!nghttp2_session_want_read(h->ng) && !nghttp2_session_want_write(h->ng)) {
		if (!h->finishing) {
			h->finishing = 1;
			conn_finish(h->c);
		}
		return;
	}
	h2_budget_resume(h);
	h2_watch(h);
}

/* ---------- the transport's side (conn_framing) ---------- */

/*
 * nghttp2_session_mem_recv failed for good (lib_error): the session reads no more.  The
 * client is told why in a GOAWAY (nghttp2 queues none for these errors), then the
 * connection is finished: what is queued goes out, so the GOAWAY is not lost.  A failure
 * of one of our callbacks is one we decided on (h2_goaway) or out of memory.
 */
static void
h2_fatal(struct h2 *h, int lib_error)
{
	uint32_t code = NGHTTP2_INTERNAL_ERROR;
	const char *reason = "H2_InternalError";

	h->in_recv = 0;
	switch (lib_error) {
	case NGHTTP2_ERR_FLOODED:   /* ACKs the client never reads (PING, SETTINGS) */
		code = NGHTTP2_ENHANCE_YOUR_CALM;
		reason = "H2_Flood";
		break;
	case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS:
		code = NGHTTP2_ENHANCE_YOUR_CALM;
		reason = "H2_ContinuationFlood";
		break;
	case NGHTTP2_ERR_BAD_CLIENT_MAGIC:
		code = NGHTTP2_PROTOCOL_ERROR;
		reason = "H2_ProtocolError";
		break;
	case NGHTTP2_ERR_CALLBACK_FAILURE:
		if (h->goaway_reason != NULL) {
			code = h->goaway_code;
			reason = h->goaway_reason;
		}
		break;
	default:
		break;
	}
	trace_note(h->info->srv->trace, h->info->id, "HTTP/2 session ended: %s",
	    nghttp2_strerror(lib_error));
	h2_goaway(h, code, reason);
	h2_send(h);
	if (conn_closed(h->c))
		return;
	if (!h->goaway_logged) {
		exchange_log_conn_error(h->info, 0, reason);
		h->goaway_logged = 1;
	}
	h->finishing = 1;
	conn_finish(h->c);
}

static void
h2_input(struct conn *c, void *arg)
{
	struct h2 *h = arg;
	struct iobuf *in = conn_in(c);
	const char *p;
	size_t n;
	ssize_t r;

	h->in_recv = 1;
	while ((p = iobuf_peek(in, &n)) != NULL) {
		r = nghttp2_session_mem_recv(h->ng, (const uint8_t *)p, n);
		if (conn_closed(c))
			return;
		if (r < 0) {
			h2_fatal(h, (int)r);
			return;
		}
		iobuf_drain(in, (size_t)r);
	}
	h->in_recv = 0;
	/* (the lists change only in h2_later: every stream is pushed in this pass) */
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		if (s->x != NULL && !s->x_done)
			exchange_push(s->x);
	h2_send(h);
}

/* No new stream from now on; those the client opened so far finish: a graceful GOAWAY
 * (NO_ERROR, the last stream id processed; RFC 9113 §6.8).  The connection closes once
 * the last stream is done (h2_send), with the GOAWAY sent before. */
static void
h2_wind_down(struct h2 *h)
{
	if (h->goaway)
		return;
	h->goaway = 1;
	if (nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE,
	    nghttp2_session_get_last_proc_stream_id(h->ng), NGHTTP2_NO_ERROR, NULL, 0) != 0)
		nghttp2_session_terminate_session(h->ng, NGHTTP2_NO_ERROR);
}

/* The client ended its side (close_notify or FIN): nothing more can arrive.  Streams whose
 * request is complete finish (their answers can still be written); one whose request was
 * still arriving can never be complete, and is dropped as HTTP.SYS drops a request whose
 * client went (Connection_Dropped). */
static void
h2_eof(struct conn *c, void *arg)
{
	struct h2 *h = arg;
	int live = 0;

	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		live |= !h2_stream_spent(s);
	if (!live) {
		conn_end(c, "client closed");   /* between requests: nothing to finish */
		return;
	}
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next) {
		if (s->req_ended || s->state == H2S_CLOSED || s->state == H2S_RESET)
			continue;
		if (s->state == H2S_END_QUEUED) {
			/* answered early and whole: the answer goes out, then the stream ends */
			h2_discard_stop(s);
			continue;
		}
		if (!s->x_done) {
			exchange_abort(s->x, "Connection_Dropped", WIN32_NETNAME_DELETED);
			s->x_done = 1;
		}
		h2_stream_cancel(s);
	}
	h2_wind_down(h);
	h2_send(h);
}

/* Arm the transport's deadline for the earliest stream's, or the idle timeout. */
static void
h2_rearm(struct h2 *h)
{
	uint64_t first = 0, now = h2_now_ms();

	if (h->finishing || conn_closed(h->c))
		return;   /* the transport's own deadlines (flush, linger) rule now */

	for (struct h2_stream *s = h->streams; s != NULL; s = s->next) {
		uint64_t d = s->deadline;

		if (s->stalled_since != 0) {
			uint64_t sd = s->stalled_since + (uint64_t)h->info->cfg->idle_connection_timeout *
			    1000;

			if (d == 0 || sd < d)
				d = sd;
		}
		if (d != 0 && (first == 0 || d < first))
			first = d;
	}
	if (h->nstreams == 0)
		conn_deadline(h->c, h->info->cfg->idle_connection_timeout);
	else if (first != 0)
		conn_deadline(h->c, first <= now ? 1 : (unsigned)((first - now + 999) / 1000));
	else
		conn_deadline(h->c, 0);
}

static void
h2_timeout(struct conn *c, void *arg)
{
	struct h2 *h = arg;
	uint64_t now = h2_now_ms();

	if (h->nstreams == 0) {
		/* idle: a GOAWAY (NO_ERROR) says so, and goes out before the close (h2_send
		 * finishes the connection once it is written) */
		exchange_log_conn_error(h->info, 0, "Timer_ConnectionIdle");
		h->goaway = 1;
		nghttp2_session_terminate_session(h->ng, NGHTTP2_NO_ERROR);
		h2_send(h);
		return;
	}
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next) {
		if (s->state == H2S_CLOSED || s->state == H2S_RESET)
			continue;
		if (s->deadline != 0 && now >= s->deadline && !s->req_started) {
			/* a header block that never ended: nothing else can come on this
			 * connection until it does (RFC 9113 §6.10), so the connection ends, as
			 * HTTP.SYS ends one at Timer_HeaderWait; the stream is not processed
			 * (the GOAWAY's last stream id says so) and may be retried */
			s->deadline = 0;
			h2_log_stream(h, s, "Timer_HeaderWait");
			s->x_done = 1;
			h->goaway = 1;
			nghttp2_session_terminate_session2(h->ng, s->id - 2 > 0 ? s->id - 2 : 0,
			    NGHTTP2_NO_ERROR);
			h2_send(h);
			return;
		} else if (s->deadline != 0 && now >= s->deadline && s->state == H2S_END_QUEUED) {
			/* the rest of an early-answered request stopped coming */
			h2_discard_stop(s);
		} else if (s->deadline != 0 && now >= s->deadline) {
			/* a request body that stopped (or never started) */
			s->deadline = 0;
			h2_log_stream(h, s, "Timer_EntityBody");
			s->x_done = 1;
			h2_stream_cancel(s);
		} else if (s->stalled_since != 0 && now >= s->stalled_since +
		    (uint64_t)h->info->cfg->idle_connection_timeout * 1000) {
			/* the client's window stayed shut: a reader that takes nothing */
			s->stalled_since = 0;
			h2_log_stream(h, s, "Timer_MinBytesPerSecond");
			s->x_done = 1;
			h2_stream_cancel(s);
		}
	}
	h2_send(h);
	h2_rearm(h);
}

static void
h2_drained(struct conn *c, void *arg)
{
	h2_send(arg);
}

/* Once per loop pass when asked (conn_later): free the streams both sides are done with
 * (the one place streams leave h->streams), send what the exchanges submitted, and arm
 * the deadline (the idle one once the last stream is gone). */
static void
h2_later(struct conn *c, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s, *next;

	for (s = h->streams; s != NULL; s = next) {
		next = s->next;
		if (h2_stream_spent(s)) {
			h2_unlink(&h->streams, s);
			h->nstreams--;
			h2_stream_free(s);
		}
	}
	h2_send(h);
	h2_rearm(h);
}

static void
h2_cut(struct conn *c, void *arg, const char *reason, int win32)
{
	struct h2 *h = arg;
	int logged = 0;

	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		if (s->x != NULL && !exchange_done(s->x)) {
			exchange_abort(s->x, reason, win32);
			logged = 1;
		}
	if (!logged && reason != NULL)
		exchange_log_conn_error(h->info, 0, reason);
}

/* Shutdown (SIGTERM) or a reload that retired the connection's configuration: the same
 * graceful GOAWAY; streams already opened finish under the configuration they started
 * with, new ones go to a new connection (and so to the new configuration). */
static void
h2_retire(struct conn *c, void *arg)
{
	struct h2 *h = arg;

	h2_wind_down(h);
	h2_send(h);
}

static void
h2_closing(struct conn *c, void *arg)
{
	struct h2 *h = arg;

	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		if (s->x != NULL)
			exchange_abort(s->x, NULL, 0);
}

static void
h2_free(void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s;

	while ((s = h->streams) != NULL) {
		h2_unlink(&h->streams, s);
		h2_stream_free(s);
	}
	nghttp2_session_del(h->ng);
	free(h);
}

static const struct conn_framing h2_framing = {
	.input = h2_input,
	.eof = h2_eof,
	.timeout = h2_timeout,
	.drained = h2_drained,
	.later = h2_later,
	.cut = h2_cut,
	.retire = h2_retire,
	.closing = h2_closing,
	.free = h2_free,
};

int
h2_start(struct conn *c)
{
	struct h2 *h;
	nghttp2_session_callbacks *cbs = NULL;
	nghttp2_option *opt = NULL;
	const struct conf *cfg = conn_info(c)->cfg;
	const struct conf_sslcert *e;
	nghttp2_settings_entry iv[3];
	int rc = -1;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto out;
	h->c = c;
	h->info = conn_info(c);
	h->info->version = "HTTP/2";
	/* the binding's Extended Properties, HTTP.SYS's defaults for a binding without */
	e = h->info->entry;
	h->max_settings_per_minute = e != NULL ? e->maxsettingsperminute : 4294967295UL;
	if (nghttp2_session_callbacks_new(&cbs) != 0 || nghttp2_option_new(&opt) != 0)
		goto out;
	nghttp2_session_callbacks_set_on_begin_frame_callback(cbs, h2_on_begin_frame);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, h2_on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cbs, h2_on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, h2_on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, h2_on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, h2_on_stream_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cbs, h2_on_frame_send);
	nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, h2_on_invalid_frame);
	/* flow control is ours: a request's DATA is acknowledged as the backend takes it */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	nghttp2_option_set_max_settings(opt, e != NULL ? e->maxsettingsperframe : 2796202);
	nghttp2_option_set_max_continuations(opt, H2_MAX_CONTINUATION);
	/* ours (h2_on_frame_recv) answers first, with ENHANCE_YOUR_CALM; nghttp2's is a backstop */
	nghttp2_option_set_stream_reset_rate_limit(opt, 2 * H2_RESET_BURST, H2_RESET_RATE);
	nghttp2_option_set_max_outbound_ack(opt, 1000);
	if (nghttp2_session_server_new2(&h->ng, cbs, h, opt) != 0)
		goto out;
	iv[0] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS };
	iv[1] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
	    (uint32_t)(cfg->max_request_bytes > 0xffffffffUL ? 0xffffffffUL : cfg->max_request_bytes) };
	iv[2] = (nghttp2_settings_entry){ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535 };
	if (nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, iv, 3) != 0)
		goto out;
	/* the binding's "Receive Window" (HTTP.SYS's 1 MiB by default): the connection's */
	if (nghttp2_session_set_local_window_size(h->ng, NGHTTP2_FLAG_NONE, 0,
	    e != NULL ? (int32_t)e->receivewindow : 1048576) != 0)
		goto out;
	h->ping_window_start = h->settings_window_start = h->rst_refill_ms = h2_now_ms();
	h->rst_tokens = H2_RESET_BURST;
	conn_set_framing(c, &h2_framing, h);
	conn_deadline(c, cfg->idle_connection_timeout);
	h2_send(h);
	rc = 0;
out:
	nghttp2_session_callbacks_del(cbs);
	nghttp2_option_del(opt);
	if (rc != 0) {
		if (h != NULL) {
			nghttp2_session_del(h->ng);
			free(h);
		}
		log_warnx("conn %llu: cannot start HTTP/2", conn_info(c)->id);
		conn_abort(c, "out of memory");
	}
	return rc;
}
