/*
 * h2guard — the HTTP/2 framing's defences (core/h2_int.h): what a client may cost before
 * the connection ends with its GOAWAY (rapid reset and MadeYouReset, CONTINUATION, HPACK
 * bomb, SETTINGS and PING floods, a stream id reused, a window pushed past 2^31-1), the
 * streams we reset lately, and the connection's memory budget for queued responses.  Each
 * answer is logged in HTTPERR by the framing (h2.c) when its frame goes out.  The
 * framing's sessions, streams and sending are h2.c's.  Event-loop thread only.
 */
#include <stdint.h>
#include <stdlib.h>

#include <nghttp2/nghttp2.h>

#include "base/clock.h"
#include "base/iobuf.h"
#include "model/conf.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "core/h2_int.h"

/* End the connection with a GOAWAY carrying code (ENHANCE_YOUR_CALM, PROTOCOL_ERROR, ...):
 * reason is the HTTPERR line's, written when the frame goes out (h2_on_frame_send).  No
 * stream opens after it; the connection closes once it is sent. */
void
h2_goaway(struct h2 *h, uint32_t code, const char *reason)
{
	if (h->goaway_reason == NULL) {
		h->goaway_reason = reason;
		h->goaway_code = code;
	}
	h->goaway = 1;
	nghttp2_session_terminate_session(h->ng, code);
}

/* Limits of nghttp2's own that back ours up or that we leave to it. */
void
h2_guard_options(nghttp2_option *opt, const struct conf_sslcert *e)
{
	nghttp2_option_set_max_settings(opt, e != NULL ? e->maxsettingsperframe : 2796202);
	nghttp2_option_set_max_continuations(opt, H2_MAX_CONTINUATION);
	/* ours (h2_on_frame_recv) answers first, with ENHANCE_YOUR_CALM; nghttp2's is a backstop */
	nghttp2_option_set_stream_reset_rate_limit(opt, 2 * H2_RESET_BURST, H2_RESET_RATE);
	nghttp2_option_set_max_outbound_ack(opt, 1000);
}

void
h2_guard_init(struct h2 *h)
{
	h->ping_window_start = h->settings_window_start = h->rst_refill_ms = clock_now_ms();
	h->rst_tokens = H2_RESET_BURST;
}

/* ---------- resets ---------- */

/*
 * A stream ended before its response did: CVE-2023-44487 (rapid reset: the client opens
 * and resets streams) and CVE-2025-8671 (MadeYouReset: the client makes the server reset
 * them, with malformed requests) each cost the client two frames and us a request started
 * towards the backend (its connection included).  A token bucket: H2_RESET_BURST such
 * streams at once, H2_RESET_RATE per second after that; then GOAWAY ENHANCE_YOUR_CALM.
 * (nghttp2's own limit counts only the client's RST_STREAMs, higher, with INTERNAL_ERROR.)
 */
void
h2_reset_spend(struct h2 *h)
{
	uint64_t now = clock_now_ms();

	h->rst_tokens += (double)(now - h->rst_refill_ms) * H2_RESET_RATE / 1000.0;
	if (h->rst_tokens > H2_RESET_BURST)
		h->rst_tokens = H2_RESET_BURST;
	h->rst_refill_ms = now;
	if (h->rst_tokens >= 1.0)
		h->rst_tokens -= 1.0;
	else if (!h->goaway)
		h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_RapidReset");
}

void
h2_reset_note(struct h2 *h, int32_t id)
{
	h->reset_ids[h->reset_at++ % H2_RESET_IDS] = id;
}

/* 1 when we reset stream id lately: a frame the client sent before our RST_STREAM
 * reached it (trailers, say) is ignored (RFC 9113 §5.1), even once nghttp2 has let the
 * closed stream go. */
int
h2_was_reset(const struct h2 *h, int32_t id)
{
	for (size_t i = 0; i < H2_RESET_IDS; i++)
		if (h->reset_ids[i] == id)
			return 1;
	return 0;
}

/* ---------- frames ---------- */

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
int
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

int
h2_guard_settings(struct h2 *h, const nghttp2_settings *st)
{
	uint64_t now = clock_now_ms();

	if (now - h->settings_window_start >= 60000) {
		h->settings_window_start = now;
		h->settings = 0;
		h->settings_entries = 0;
	}
	/* frames (each wants an ACK) by sysbind's bound; settings by the binding's */
	h->settings_entries += st->niv;
	if (++h->settings > H2_SETTINGS_MAX ||
	    h->settings_entries > h->max_settings_per_minute)
		h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_SettingsFlood");
	if (h2_settings_overflow(h, st)) {
		h2_goaway(h, NGHTTP2_FLOW_CONTROL_ERROR, "H2_FlowControl");
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

void
h2_guard_ping(struct h2 *h)
{
	uint64_t now = clock_now_ms();

	if (now - h->ping_window_start >= H2_PING_WINDOW * 1000) {
		h->ping_window_start = now;
		h->pings = 0;
	}
	if (++h->pings > H2_PING_MAX)
		h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_PingFlood");
}

/* A list a little too long gets HTTP.SYS's page (h2.c); one many times the limit the
 * client was told in SETTINGS is an HPACK bomb (a few bytes of references to one big
 * table entry, decoding to megabytes): nghttp2 would check every byte of every field of
 * it, so the connection ends now, without decoding the rest (its HPACK state no longer
 * matters). */
int
h2_guard_bomb(struct h2 *h, struct h2_stream *s, size_t *bytes, size_t namelen,
    size_t valuelen)
{
	*bytes += namelen + valuelen + 32;
	if (*bytes / H2_BOMB_FACTOR <= h->info->cfg->max_request_bytes)
		return 0;
	h2_log_stream(h, s, "H2_HpackBomb");
	s->x_done = 1;
	h2_goaway(h, NGHTTP2_ENHANCE_YOUR_CALM, "H2_HpackBomb");
	return -1;
}

/* A failure of one of our callbacks is one we decided on (h2_goaway) or out of memory. */
void
h2_guard_fatal(const struct h2 *h, int lib_error, uint32_t *code, const char **reason)
{
	*code = NGHTTP2_INTERNAL_ERROR;
	*reason = "H2_InternalError";
	switch (lib_error) {
	case NGHTTP2_ERR_FLOODED:   /* ACKs the client never reads (PING, SETTINGS) */
		*code = NGHTTP2_ENHANCE_YOUR_CALM;
		*reason = "H2_Flood";
		break;
	case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS:
		*code = NGHTTP2_ENHANCE_YOUR_CALM;
		*reason = "H2_ContinuationFlood";
		break;
	case NGHTTP2_ERR_BAD_CLIENT_MAGIC:
		*code = NGHTTP2_PROTOCOL_ERROR;
		*reason = "H2_ProtocolError";
		break;
	case NGHTTP2_ERR_CALLBACK_FAILURE:
		if (h->goaway_reason != NULL) {
			*code = h->goaway_code;
			*reason = h->goaway_reason;
		}
		break;
	default:
		break;
	}
}

/* ---------- the memory budget ---------- */

/* Paused streams go on once the connection's budget has room again. */
void
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
int
h2_resp_add(struct h2_stream *s, const char *data, size_t len)
{
	if (iobuf_add(&s->resp, data, len) != 0)
		return -1;
	s->h->resp_bytes += len;
	return 0;
}

int
h2_budget_full(struct h2_stream *s)
{
	struct h2 *h = s->h;

	if (iobuf_len(&s->resp) < CONN_HIGH_WATER && h->resp_bytes < H2_BUDGET)
		return 0;
	if (!s->resp_full) {
		s->resp_full = 1;
		h->npaused++;
	}
	return 1;
}
