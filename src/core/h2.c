/*
 * h2 — the HTTP/2 framing of a TLS connection whose ALPN chose "h2" (HTTP.SYS speaks it
 * over TLS only: no h2c), over libnghttp2.  Owns: the nghttp2 session, one stream object
 * per request stream with its exchange (each stream is an exchange, exactly as an
 * HTTP/1.1 request is), the stream's header block fed to model/h2head.c for the request
 * head of the exchange (and so of the backend, over HTTP/1.1 as ARR does), the response queue each
 * stream's DATA frames are read from, flow control both ways (a request's DATA is
 * acknowledged with WINDOW_UPDATE only as the backend takes it, on the connection at
 * once while the stream waits in its pool's queue; a response waits for the client's
 * window), trailer sections both ways (a request's trailing HEADERS reach the backend
 * as its chunked body's trailer section; a backend's trailer section reaches
 * the client as a trailing HEADERS frame with END_STREAM; filtered by
 * http_trailer_forbidden), HTTP.SYS's limits mapped onto HTTP/2 (max_request_bytes as the
 * header list limit, max_field_length per field, max_url_length for :path; the binding's
 * Extended Properties: receive window, settings per frame and per minute), and the
 * timers (a window that never opens, an idle stream or connection, a header block that
 * never ends), each answered with its GOAWAY or RST_STREAM code and logged in HTTPERR
 * with the stream's id.  The flood and reset guards and the memory budget are
 * h2guard.c's (core/h2_int.h); the socket and TLS are the transport's.
 *
 * Streams are freed on the loop pass after both nghttp2 and the exchange are done with
 * them, never inside a callback of either.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <nghttp2/nghttp2.h>

#include "base/clock.h"
#include "base/iobuf.h"
#include "base/objcache.h"
#include "base/log.h"
#include "model/conf.h"
#include "model/h2head.h"
#include "model/http.h"
#include "model/respond.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "core/h2.h"
#include "core/h2_int.h"
#include "core/stats.h"
#include "core/trace.h"

static void h2_send(struct h2 *h);
static void h2_discard_stop(struct h2_stream *s);
static void h2_consume(struct h2_stream *s);
static void h2_rearm(struct h2 *h);

/* ---------- streams ---------- */

/* streams dropped, for the next (each with its header block's inline room: no malloc
 * for a usual request's stream) */
static __thread struct objcache h2_stream_cache;

/* The stream nghttp2 holds for id (its user data), or NULL.  The one whose header block
 * is arriving is asked for by each of its fields: it is at hand (h->hot, set while
 * nghttp2 holds it; the stream's close or free clears it). */
static struct h2_stream *
h2_stream_get(struct h2 *h, int32_t id)
{
	if (h->hot != NULL && h->hot->id == id)
		return h->hot;
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
	if (s->h->hot == s)
		s->h->hot = NULL;
	stats_gauge(&stats_self.streams, -1);
	exchange_free(s->x);
	iobuf_clear(&s->resp);
	http_fields_clear(&s->req_trailers);
	http_fields_clear(&s->resp_trailers);
	h2head_clear(&s->hb);
	objcache_put(&h2_stream_cache, s);
}

void
h2_cache_drain(void)
{
	objcache_drain(&h2_stream_cache);
	h2_mem_cache_drain();
}

static const char *const h2_state_names[] = {
	"open", "half-closed", "headers", "end-queued", "reset", "closed",
};

/* The one place a stream's state changes (see enum h2_state in h2_int.h): the edge is
 * asserted. */
void
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
 * h->streams (h2_later is the one place streams leave the list).  Retired while
 * h2_later sends (the response's last frame went out), it is freed by that pass, after
 * its send: no pass of its own. */
static void
h2_stream_retire(struct h2_stream *s)
{
	if (s->state == H2S_CLOSED && !s->h->in_later)
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

/* Submit a response head: nv from fields (connection-specific fields out: RFC 9113
 * §8.2.2, http_hop_fields; so is a 1xx's or 204's Content-Length, which clients refuse:
 * http_response_field_dropped; names lowercased by nghttp2 as it copies them,
 * nghttp2_nv_array_copy, so they are handed over as the backend wrote them).  A final
 * one moves s to HEADERS, or to END_QUEUED when nothing follows it (end: a bodiless
 * head, or a page whose body is queued whole).  A head of up to H2_SUBMIT_FIELDS fields
 * is built on the stack (no malloc per response).  Returns 0 or -1 (out of memory). */
#define H2_SUBMIT_FIELDS 32
static int
h2_submit(struct h2_stream *s, int status, const struct http_header *f, size_t nf,
    int bodiless, int interim, int end)
{
	nghttp2_nv nv_stack[H2_SUBMIT_FIELDS + 1], *nv = nv_stack;
	unsigned char hop_stack[H2_SUBMIT_FIELDS], *hop = hop_stack;
	char st[8];
	size_t n = 0, stlen;
	nghttp2_data_provider prd;
	int rc, heap = nf > H2_SUBMIT_FIELDS;

	if (heap) {
		nv = calloc(nf + 1, sizeof(*nv));
		hop = malloc(nf + 1);
	}
	if (nv == NULL || hop == NULL || http_hop_fields(f, nf, hop) != 0) {
		if (heap) {
			free(nv);
			free(hop);
		}
		return -1;
	}
	if (status >= 100 && status <= 999) {   /* always, from a parsed or made head */
		st[0] = (char)('0' + status / 100);
		st[1] = (char)('0' + status / 10 % 10);
		st[2] = (char)('0' + status % 10);
		st[3] = '\0';
		stlen = 3;
	} else {
		stlen = (size_t)snprintf(st, sizeof(st), "%d", status);
	}
	nv[n++] = (nghttp2_nv){ (uint8_t *)":status", (uint8_t *)st, 7, stlen,
	    NGHTTP2_NV_FLAG_NONE };
	for (size_t i = 0; i < nf; i++) {
		size_t nl = strlen(f[i].name);

		if (!hop[i] && !http_response_field_dropped(status, f[i].name, nl))
			nv[n++] = (nghttp2_nv){ (uint8_t *)f[i].name, (uint8_t *)f[i].value,
			    nl, strlen(f[i].value), NGHTTP2_NV_FLAG_NONE };
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
	if (heap) {
		free(nv);
		free(hop);
	}
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
		/* (a connection winding down waits for no request's rest: h2_wind_down) */
		if (!h->goaway && s->head.content_length >= 0 &&
		    s->head.content_length >= (long long)s->received &&
		    (unsigned long long)s->head.content_length - s->received <= H2_DISCARD_MAX) {
			s->deadline = clock_now_ms() +
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
	return h2_budget_full(arg);
}

/* Acknowledge request DATA the backend took: the client may send more (on the stream;
 * on the connection too, unless that was given back while the stream was queued). */
static void
h2_consume(struct h2_stream *s)
{
	if (s->unconsumed > 0 && s->state != H2S_CLOSED) {
		if (s->unconsumed > s->conn_given)
			nghttp2_session_consume(s->h->ng, s->id, s->unconsumed - s->conn_given);
		if (s->conn_given > 0)
			nghttp2_session_consume_stream(s->h->ng, s->id, s->conn_given);
		s->unconsumed = s->conn_given = 0;
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
 * §9.2.1), and a browser retries over HTTP/1.1.  An application pool that cannot take the
 * request (TcpLevel, Basic) resets the stream with REFUSED_STREAM: the request was not
 * processed (RFC 9113 §8.7), and the connection's other streams, other sites' too, live. */
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
		    how == EXCHANGE_RESET_POOL ? NGHTTP2_REFUSED_STREAM :
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

void
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
	h2head_partial(&s->hb, &s->head);
	exchange_refuse(s->x, s->refuse, s->refuse_detail, &s->head);
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
	if ((s = objcache_get(&h2_stream_cache, sizeof(*s))) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	/* zeros but for the header block's inline room (h2head: contents undefined) */
	memset(s, 0, offsetof(struct h2_stream, hb) + offsetof(struct h2head, inl));
	memset((char *)s + offsetof(struct h2_stream, hb) + sizeof(s->hb), 0,
	    sizeof(*s) - offsetof(struct h2_stream, hb) - sizeof(s->hb));
	s->h = h;
	s->id = frame->hd.stream_id;
	if ((s->x = exchange_new(&h2_x_ops, s, h->info)) == NULL) {
		objcache_put(&h2_stream_cache, s);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	exchange_set_stream(s->x, (unsigned)s->id);
	if (s->id > h->max_stream_id)
		h->max_stream_id = s->id;
	h2_push(&h->streams, s);
	if (h->nstreams++ == 0)   /* the connection is no longer idle */
		stats_gauge(&stats_self.conns_idle[STATS_H2], -1);
	stats_gauge(&stats_self.streams, 1);
	stats_add(&stats_self.streams_total, 1);
	nghttp2_session_set_stream_user_data(ng, s->id, s);
	h->hot = s;
	s->deadline = clock_now_ms() + (uint64_t)h->info->cfg->header_wait_timeout * 1000;
	return 0;
}

static int
h2_on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s = h2_stream_get(h, frame->hd.stream_id);
	const struct conf *cfg = h->info->cfg;

	if (s == NULL || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
		/* The request's trailer section (checked by nghttp2: no pseudo-header field),
		 * held to the same limits as a head (max_field_length per field here,
		 * max_request_bytes in all when the frame is complete), kept in a list of its
		 * own: the head's block, which the exchange reads, must not move. */
		if (h2_guard_bomb(h, s, &s->trailer_bytes, namelen, valuelen) != 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
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
	/* HTTP.SYS's limits: the whole list (as SETTINGS_MAX_HEADER_LIST_SIZE counts it; many
	 * times over, an HPACK bomb: h2_guard_bomb), one field, the URL. */
	if (h2_guard_bomb(h, s, &s->header_bytes, namelen, valuelen) != 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
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
	if (namelen == 5 && memcmp(name, ":path", 5) == 0 && valuelen > cfg->max_url_length) {
		s->refuse = HTTP_ERR_URL_LENGTH;
		s->refuse_detail = ":path longer than max_url_length";
		return 0;
	}
	if (h2head_add(&s->hb, (const char *)name, namelen, (const char *)value, valuelen) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

static int
h2_on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct h2 *h = arg;
	struct h2_stream *s = h2_stream_get(h, frame->hd.stream_id);
	const struct conf *cfg = h->info->cfg;
	enum http_error e;

	switch (frame->hd.type) {
	case NGHTTP2_SETTINGS:
		if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
			return h2_guard_settings(h, &frame->settings);
		break;
	case NGHTTP2_PING:
		if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
			h2_guard_ping(h);
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
		if (s->refuse == HTTP_ERR_NONE &&
		    h2head_build(&s->hb, s->req_ended, &s->head, &e, &s->refuse_detail) != 0) {
			s->refuse = e;
			if (s->refuse_detail == NULL)
				s->refuse_detail = "malformed request header block";
		}
		if (s->refuse != HTTP_ERR_NONE) {
			h2_refuse(s);
			break;
		}
		s->deadline = s->req_ended ? 0 :
		    clock_now_ms() + (uint64_t)cfg->entity_body_timeout * 1000;
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
		s->deadline = clock_now_ms() + (uint64_t)h->info->cfg->entity_body_timeout * 1000;
	s->received += len;
	s->unconsumed += len;
	if (!exchange_done(s->x)) {
		/* (a payload that ends the input's block moves with it to the backend's queue) */
		h->moved += exchange_req_body_from(s->x, conn_in(h->c), (const char *)data, len);
	} else {
		/* answered already: what is left is read and dropped, up to H2_DISCARD_MAX */
		s->req_paused = 0;
		s->discarded += len;
		if (s->discarded > H2_DISCARD_MAX)
			h2_discard_stop(s);
	}
	if (!s->req_paused) {
		h2_consume(s);
	} else if (exchange_waiting(s->x)) {
		/* waiting in its pool's queue, perhaps behind a stream of this connection that
		 * holds the pool's last connection and needs the connection's window for its
		 * own body: the stream's window alone holds this one back (ahead of it, at
		 * most a window's worth is kept), or enough queued uploads would stall every
		 * stream of the connection, the one they wait for among them */
		nghttp2_session_consume_connection(ng, len);
		s->conn_given += len;
	}
	return 0;
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
	if (h->hot == s)
		h->hot = NULL;
	if (s->unconsumed > s->conn_given) {
		/* what the stream held back (its backend was full) is given back to the
		 * connection's window, or every such stream would shrink it for good */
		nghttp2_session_consume_connection(ng, s->unconsumed - s->conn_given);
	}
	s->unconsumed = s->conn_given = 0;
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
		h2_reset_note(h, frame->hd.stream_id);
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
	if (h->nstreams == 0 || h->finishing || conn_closed(h->c))
		return;
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next) {
		if (h2_stalled(h, s)) {
			if (s->stalled_since == 0)
				s->stalled_since = clock_now_ms();
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
	ssize_t n = -1;

	if (h->sending || h->in_recv || conn_closed(h->c))
		return;   /* the input pass sends once it is done */
	h->sending = 1;
	/* (nothing queued, as after most input: no pass through nghttp2's send) */
	while (iobuf_len(conn_out(h->c)) < CONN_HIGH_WATER &&
	    (n = nghttp2_session_want_write(h->ng) ? nghttp2_session_mem_send(h->ng, &data) :
	    0) != 0) {
		/* a frame past the frame buffer's first page, or any before the first request
		 * (a preconnected browser's connection: its SETTINGS exchange) */
		if (n > 4000 || h->max_stream_id == 0)
			h->paged_dirty = 1;
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
	/* nghttp2 has nothing left to send (its frame buffer holds nothing) */
	h->ng_empty = n == 0;
	if (n == 0 && h->paged_dirty && h->nstreams == 0)
		h2_mem_idle(h);
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
	uint32_t code;
	const char *reason;

	h->in_recv = 0;
	h2_guard_fatal(h, lib_error, &code, &reason);
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
		h->moved = 0;
		r = nghttp2_session_mem_recv(h->ng, (const uint8_t *)p, n);
		if (conn_closed(c))
			return;
		if (r < 0) {
			h2_fatal(h, (int)r);
			return;
		}
		/* a block DATA took left the input with the frames before it */
		assert((size_t)r >= h->moved);
		iobuf_drain(in, (size_t)r > h->moved ? (size_t)r - h->moved : 0);
	}
	h->in_recv = 0;
	h2_send(h);
}

/* Everything the transport read was given to nghttp2: what the streams queued for their
 * backends goes, one write each for all the DATA frames of a readiness. */
static void
h2_input_end(struct conn *c, void *arg)
{
	struct h2 *h = arg;

	(void)c;
	/* (the lists change only in h2_later: every stream is pushed in this pass) */
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		if (s->x != NULL && !s->x_done)
			exchange_push(s->x);
}

/* No new stream from now on; those the client opened so far finish: a graceful GOAWAY
 * (NO_ERROR, the last stream id processed; RFC 9113 §6.8).  The connection closes once
 * the last stream is done (h2_send), with the GOAWAY sent before.  A stream answered
 * early and whole is done too: the rest of its request, which it would read and drop
 * (h2_x_end), is not waited for (a client that stopped sending at the answer would hold
 * a reload's old connection for entity_body_timeout, and SIGTERM for its grace), but
 * stopped with RST_STREAM(NO_ERROR) once the answer is out (RFC 9113 §8.1). */
static void
h2_wind_down(struct h2 *h)
{
	if (h->goaway)
		return;
	h->goaway = 1;
	if (nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE,
	    nghttp2_session_get_last_proc_stream_id(h->ng), NGHTTP2_NO_ERROR, NULL, 0) != 0)
		nghttp2_session_terminate_session(h->ng, NGHTTP2_NO_ERROR);
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		if (s->x_done && s->state == H2S_END_QUEUED)
			h2_discard_stop(s);
}

/* The client ended its side (close_notify or FIN): nothing more can arrive.  Streams whose
 * request is complete finish (their answers can still be written); one whose request was
 * still arriving can never be complete, and is dropped as HTTP.SYS drops a request whose
 * client went (Connection_Dropped).  With no stream live, what was answered may still
 * wait in the output (a stream is spent once nghttp2 packed its last frame: a client that
 * reads slowly, then half-closes after its last request): it goes out, then the GOAWAY,
 * close_notify and FIN (h2_send finishes the connection); a connection with nothing
 * queued, or that never answered (a client that checked the certificate and left: its
 * SETTINGS may still be queued), ends now. */
static void
h2_eof(struct conn *c, void *arg)
{
	struct h2 *h = arg;
	int live = 0;

	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		live |= !h2_stream_spent(s);
	if (!live && (h->info->requests == 0 ||   /* (no answer given: only SETTINGS and the like) */
	    (iobuf_len(conn_out(c)) == 0 && !nghttp2_session_want_write(h->ng)))) {
		conn_end(c, "client closed");   /* between requests: nothing to finish */
		return;
	}
	for (struct h2_stream *s = h->streams; s != NULL; s = s->next) {
		/* a complete request still waiting in its pool's queue is dropped too:
		 * nobody is left to answer (exchange_abort logs it as Client_Reset) */
		if ((s->req_ended && !(s->x != NULL && !s->x_done && exchange_waiting(s->x))) ||
		    s->state == H2S_CLOSED || s->state == H2S_RESET)
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

/* Whole seconds from now to the deadline at ms (at least 1). */
static unsigned
h2_secs_until(uint64_t ms)
{
	uint64_t now = clock_now_ms();

	return ms <= now ? 1 : (unsigned)((ms - now + 999) / 1000);
}

/* Arm the transport's deadline for the earliest stream's, or the idle timeout (the clock
 * read only when a stream has a deadline). */
static void
h2_rearm(struct h2 *h)
{
	uint64_t first = 0;

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
		conn_deadline(h->c, h2_secs_until(first));
	else
		conn_deadline(h->c, 0);
}

static void
h2_timeout(struct conn *c, void *arg)
{
	struct h2 *h = arg;
	uint64_t now = clock_now_ms();

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
h2_sweep(struct h2 *h)
{
	struct h2_stream *s, *next;

	for (s = h->streams; s != NULL; s = next) {
		next = s->next;
		if (h2_stream_spent(s)) {
			h2_unlink(&h->streams, s);
			if (--h->nstreams == 0)
				stats_gauge(&stats_self.conns_idle[STATS_H2], 1);
			h2_stream_free(s);
		}
	}
}

/* (the streams this pass's send retires are swept after it: it runs outside every
 * callback of nghttp2 and of the exchanges, as the next pass would) */
static void
h2_later(struct conn *c, void *arg)
{
	struct h2 *h = arg;

	h2_sweep(h);
	h->in_later = 1;
	h2_send(h);
	h->in_later = 0;
	if (conn_closed(c))
		return;   /* (h2_free frees what is left) */
	h2_sweep(h);
	if (h->ng_empty && h->paged_dirty && h->nstreams == 0)
		h2_mem_idle(h);   /* (what h2_send does once the last stream is gone) */
	h2_rearm(h);
}

/* The transport cuts the connection: each stream in flight gets the log line that says
 * why.  One gone inside its body, or before its final response started (queued, or at
 * the backend), is HTTP.SYS's Connection_Dropped, as h1_cut says; one cut during its
 * response, the W3C line with its win32 status. */
static void
h2_cut(struct conn *c, void *arg, const char *reason, int win32)
{
	struct h2 *h = arg;
	int logged = 0;

	for (struct h2_stream *s = h->streams; s != NULL; s = s->next)
		if (s->x != NULL && !exchange_done(s->x)) {
			exchange_abort(s->x, reason == NULL && (!s->req_ended ||
			    !exchange_answered(s->x)) ? "Connection_Dropped" : reason, win32);
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

	stats_gauge(&stats_self.conns[STATS_H2], -1);
	if (h->nstreams == 0)
		stats_gauge(&stats_self.conns_idle[STATS_H2], -1);
	while ((s = h->streams) != NULL) {
		h2_unlink(&h->streams, s);
		h2_stream_free(s);
	}
	nghttp2_session_del(h->ng);
	free(h);
}

static const struct conn_framing h2_framing = {
	.input = h2_input,
	.input_end = h2_input_end,
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
	nghttp2_mem mem;
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
	h2_guard_options(opt, e);
	h2_mem_init(&mem, h);
	if (nghttp2_session_server_new3(&h->ng, cbs, h, opt, &mem) != 0)
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
	h2_guard_init(h);
	stats_add(&stats_self.conns_total[STATS_H2], 1);
	stats_gauge(&stats_self.conns[STATS_H2], 1);
	stats_gauge(&stats_self.conns_idle[STATS_H2], 1);   /* no stream yet */
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
