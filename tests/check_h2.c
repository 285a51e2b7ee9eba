/*
 * check_h2 — the HTTP/2 framing (src/core/h2.c) through its own seams, as h2o's t/00unit/
 * tests its core: this file includes the .c under test, and the test binary is linked
 * without conn.o, exchange.o and h2.o (Makefile), so that everything h2.c calls outside
 * itself is a fake defined here:
 *   - the transport (conn.h): two iobufs for conn_in/conn_out, the framing ops it was given,
 *     conn_later recorded and run by pump() once per loop pass as the event loop does, and
 *     the close calls recorded; conn_end/conn_abort/conn_reset close at once and lose what
 *     conn_out still holds (as the real socket close does), conn_finish flushes first;
 *   - the exchange (exchange.h): a recording fake whose "backend" answers through the
 *     exchange_ops h2.c gave it, as exchange.c does: synchronously from inside
 *     exchange_request (its own pages, bodiless answers) or exchange_push, or later, from
 *     the test, outside any h2 callback;
 *   - the client: a real nghttp2 client session (or raw frames, for what no client would
 *     send) whose output is fed into conn_in and framing->input, whole, split at every
 *     offset or byte by byte; the server's output is parsed here frame by frame, in wire
 *     order (what the client sees), and also handed to the client session.
 * Tests drive h2.c only through framing ops and exchange_ops and observe frames and the
 * exchange's event log; they read none of h2.c's private fields.
 */
#include "../src/core/h2.c"

#include <stdarg.h>
#include <check.h>

/* ---------- the fake transport (conn.h) ---------- */

enum { FC_OPEN = 0, FC_CLOSING, FC_CLOSED };

struct conn {
	struct iobuf               in, out;
	struct exchange_conn       info;
	struct conn_server         srv;
	const struct conn_framing *fr;
	void                      *f;
	int                        state;
	int                        later;        /* conn_later asked for a pass */
	int                        out_high;
	unsigned                   deadline;     /* seconds, the last conn_deadline */
	int                        nfinish, nend, nabort, nreset, nclosing, npush;
	int                        push_after_end;   /* the last push ended a response */
	size_t                     lost;         /* output a close dropped unsent */
	int                        over_limit;
	int                        peer_eof;
};

static struct conn fc;
static struct evbuffer *evlog;   /* the exchange's and the transport's calls, one a line */

static void
ev(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(evlog, fmt, ap);
	va_end(ap);
	evbuffer_add(evlog, "\n", 1);
}

/* The real close: the framing hears closing, the socket goes, unsent output is lost. */
static void
fc_close(const char *what, const char *why)
{
	if (fc.state == FC_CLOSED)
		return;
	ev("conn %s %s (unsent %zu)", what, why ? why : "-", iobuf_len(&fc.out));
	fc.lost += iobuf_len(&fc.out);
	if (fc.fr != NULL && fc.fr->closing != NULL) {
		fc.nclosing++;
		fc.fr->closing(&fc, fc.f);
	}
	fc.state = FC_CLOSED;
	iobuf_clear(&fc.in);
	iobuf_clear(&fc.out);
}

struct exchange_conn *conn_info(struct conn *c) { return &c->info; }
struct iobuf *conn_in(struct conn *c) { return &c->in; }
struct iobuf *conn_out(struct conn *c) { return &c->out; }
void conn_deadline(struct conn *c, unsigned seconds) { c->deadline = seconds; }
void conn_reading(struct conn *c, int on) { }
int conn_closed(const struct conn *c) { return c->state == FC_CLOSED; }
int conn_peer_gone(const struct conn *c) { return c->peer_eof && iobuf_len(&c->in) == 0; }
int conn_over_limit(const struct conn *c) { return c->over_limit; }
SSL *conn_ssl(struct conn *c) { return NULL; }
int conn_client_cert(struct conn *c, const STACK_OF(X509_NAME) *ca) { return -1; }

void
conn_send(struct conn *c)
{
	if (c->state != FC_CLOSED && iobuf_len(&c->out) >= CONN_HIGH_WATER)
		c->out_high = 1;
}

/* A record boundary: counted, and what ends the record noted: whether the last frame
 * queued before it is a HEADERS or DATA frame with END_STREAM (the output holds whole
 * frames, from the start of the last pass's). */
void
conn_push(struct conn *c)
{
	size_t n = iobuf_len(&c->out), at = 0;
	unsigned char *b;
	const char *p;
	size_t k;

	c->npush++;
	c->push_after_end = 0;
	if (n == 0 || (b = malloc(n)) == NULL)
		return;
	while ((p = iobuf_peek(&c->out, &k)) != NULL) {   /* read it all, then put it back */
		memcpy(b + at, p, k);
		at += k;
		iobuf_drain(&c->out, k);
	}
	(void)iobuf_add(&c->out, b, n);
	for (at = 0; at + 9 <= n;) {
		size_t len = (size_t)b[at] << 16 | (size_t)b[at + 1] << 8 | b[at + 2];

		if (at + 9 + len == n)
			c->push_after_end = (b[at + 3] == NGHTTP2_DATA ||
			    b[at + 3] == NGHTTP2_HEADERS) && (b[at + 4] & NGHTTP2_FLAG_END_STREAM);
		at += 9 + len;
	}
	free(b);
}

void
conn_later(struct conn *c)
{
	if (c->state != FC_CLOSED)
		c->later = 1;
}

void
conn_finish(struct conn *c)
{
	if (c->state != FC_OPEN)
		return;
	c->nfinish++;
	ev("conn finish (unsent %zu)", iobuf_len(&c->out));
	c->state = FC_CLOSING;
	iobuf_clear(&c->in);
}

void conn_end(struct conn *c, const char *why) { c->nend++; fc_close("end", why); }
void conn_abort(struct conn *c, const char *why) { c->nabort++; fc_close("abort", why); }
void conn_reset(struct conn *c, const char *why) { c->nreset++; fc_close("reset", why); }

void
conn_set_framing(struct conn *c, const struct conn_framing *ops, void *f)
{
	c->fr = ops;
	c->f = f;
}

/* ---------- the recording exchange (exchange.h) ---------- */

struct exchange {
	const struct exchange_ops *ops;
	void                      *arg;
	unsigned                   stream;
	int                        status, done, aborted, resp_started, head_only, pushes;
	int                        waiting;   /* in its pool's queue (exchange_waiting) */
	struct exchange           *next;
};

static struct exchange *xlive;
/* The fake backend: called from inside exchange_request / exchange_push (NULL: the test
 * answers later itself). */
static void (*on_request)(struct exchange *x);
static void (*on_push)(struct exchange *x);

struct exchange *
exchange_new(const struct exchange_ops *ops, void *conn, struct exchange_conn *c)
{
	struct exchange *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->ops = ops;
	x->arg = conn;
	x->next = xlive;
	xlive = x;
	return x;
}

void
exchange_free(struct exchange *x)
{
	struct exchange **p;

	if (x == NULL)
		return;
	for (p = &xlive; *p != NULL && *p != x; p = &(*p)->next)
		;
	ck_assert_msg(*p == x, "exchange_free of an exchange not live (twice?)");
	*p = x->next;
	ev("free %u:", x->stream);
	free(x);
}

void exchange_set_stream(struct exchange *x, unsigned id) { x->stream = id; }
int exchange_done(const struct exchange *x) { return x->done; }
int exchange_answered(const struct exchange *x) { return x->status != 0; }
void exchange_cache_drain(void) { }
void exchange_client_cert(struct exchange *x) { ev("client_cert %u:", x->stream); }
void exchange_log_error(struct exchange *x, int status, const char *reason)
{
	ev("log_error %u: %d %s", x->stream, status, reason ? reason : "-");
}
void exchange_log_conn_error(const struct exchange_conn *c, int status, const char *reason)
{
	ev("conn_error %s", reason ? reason : "-");
}

static struct http_head *last_req_head;   /* the head exchange_request was last given */

void
exchange_request(struct exchange *x, struct http_head *h, int over_limit)
{
	last_req_head = h;
	ev("request %u: %s %s host=%s", x->stream, h->method ? h->method : "(null)",
	    h->path ? h->path : "(null)", h->host ? h->host : "(null)");
	x->head_only = h->method != NULL && strcmp(h->method, "HEAD") == 0;
	if (on_request != NULL)
		on_request(x);
}

void exchange_req_body(struct exchange *x, const char *d, size_t n) { ev("req_body %u: %zu", x->stream, n); }
size_t exchange_req_body_from(struct exchange *x, struct iobuf *src, const char *d, size_t n)
{
	(void)src;   /* (copied: the input keeps its blocks) */
	exchange_req_body(x, d, n);
	return 0;
}
void exchange_req_trailers(struct exchange *x, const struct http_fields *t) { ev("req_trailers %u: %zu", x->stream, t->n); }
void exchange_req_end(struct exchange *x) { ev("req_end %u:", x->stream); }
void exchange_resp_drained(struct exchange *x) { ev("resp_drained %u:", x->stream); }

void
exchange_push(struct exchange *x)
{
	ev("push %u:", x->stream);
	x->pushes++;
	if (on_push != NULL)
		on_push(x);
}

/* Idempotent, as exchange.c's: a call on a finished exchange changes nothing (logged
 * apart, so that a test can tell an abort of a response in flight from a no-op). */
void
exchange_abort(struct exchange *x, const char *reason, int win32)
{
	ev("%s %u: %s", x->done ? "abort-noop" : "abort", x->stream, reason ? reason : "-");
	x->aborted = 1;
	x->done = 1;
}

/* The fake exchange waits in an application pool's queue only when a test says so. */
int
exchange_waiting(const struct exchange *x)
{
	return x != NULL && x->waiting;
}

/* ---- the fake backend, answering as exchange.c does ---- */

/* The backend's head: STATUS with the N fields F (an HTTP/1.1 head, as the backend parser
 * gives it), handed to the framing as exchange.c hands it. */
static int
be_head_fields(struct exchange *x, int status, const char *reason, struct http_header *f,
    size_t n, long long content_length, int bodiless)
{
	struct http_head h;

	memset(&h, 0, sizeof(h));
	h.status = status;
	h.reason = reason;
	h.version_major = 1;
	h.version_minor = 1;
	h.headers = f;
	h.nheaders = n;
	h.content_length = content_length;
	if (status / 100 != 1) {
		x->status = status;
		x->resp_started = 1;
	}
	return x->ops->head(x->arg, x, &h, bodiless);
}

static int
be_head(struct exchange *x, int status, int bodiless)
{
	static struct http_header f[] = {
		{ "Content-Type", "text/plain", 12, 10, 0 },
		{ "Connection", "keep-alive", 10, 10, 0 },   /* hop-by-hop: never in HTTP/2 */
	};

	return be_head_fields(x, status, "X", f, 2, -1, bodiless);
}

static int
be_body(struct exchange *x, const char *s)
{
	return x->ops->body(x->arg, x, s, strlen(s));
}

/* exchange_finish: the exchange is done before the framing hears the end. */
static void
be_end(struct exchange *x, enum exchange_end how)
{
	if (x->done)
		return;
	x->done = 1;
	ev("end %u: %s", x->stream, how == EXCHANGE_END_OK ? "ok" : "cut");
	x->ops->end(x->arg, x, how);
}

/* exchange_send_page: ops->page, then (page taken) the end. */
static void
be_page(struct exchange *x, enum respond_page p)
{
	struct respond_msg m;

	ck_assert_int_eq(respond_error_msg(&m, p, "Microsoft-HTTPAPI/2.0", time(NULL),
	    x->head_only), 0);
	x->status = m.status;
	x->resp_started = 1;
	if (x->ops->page(x->arg, x, &m, 1) != 0) {
		respond_msg_clear(&m);
		exchange_abort(x, NULL, 0);
		return;
	}
	respond_msg_clear(&m);
	be_end(x, EXCHANGE_END_OK);
}

void
exchange_refuse(struct exchange *x, enum http_error e, const char *detail, struct http_head *h)
{
	const char *reason = NULL;

	ev("refuse %u: %d", x->stream, (int)e);
	if (x->done)
		return;
	if (x->resp_started) {
		be_end(x, EXCHANGE_END_CUT);
		return;
	}
	be_page(x, respond_page_for_error(e, &reason));
}

static struct exchange *
xfind(unsigned stream)
{
	for (struct exchange *x = xlive; x != NULL; x = x->next)
		if (x->stream == stream)
			return x;
	ck_abort_msg("no live exchange for stream %u", stream);
	return NULL;
}

/* Synchronous answers, from inside exchange_request (or exchange_push). */
static void ans_204(struct exchange *x) { if (be_head(x, 204, 1) == 0) be_end(x, EXCHANGE_END_OK); }
static void ans_304(struct exchange *x) { if (be_head(x, 304, 1) == 0) be_end(x, EXCHANGE_END_OK); }
static void ans_head200(struct exchange *x) { if (be_head(x, 200, 1) == 0) be_end(x, EXCHANGE_END_OK); }
static void ans_page503(struct exchange *x) { be_page(x, PAGE_SERVICE_UNAVAILABLE); }
static void ans_page502(struct exchange *x) { be_page(x, PAGE_BAD_GATEWAY); }
static void
ans_200(struct exchange *x)
{
	if (be_head(x, 200, 0) == 0 && be_body(x, "early") == 0)
		be_end(x, EXCHANGE_END_OK);
}
/* The first exchange_push of a pass answers (as a backend that fails at once would). */
static int push_answered;
static void
push_first_answers(struct exchange *x)
{
	if (push_answered++ == 0)
		ans_page502(x);
}

/* ---------- the server's output, frame by frame ---------- */

struct frame {
	uint8_t  type, flags;
	int32_t  stream;
	uint32_t error;       /* RST_STREAM, GOAWAY */
	int32_t  last;        /* GOAWAY's last stream id */
	int      status;      /* HEADERS' :status */
	size_t   len;
};

#define MAX_FRAMES 16384
#define MAX_STREAM 4096
static struct frame frames[MAX_FRAMES];
static size_t nframes;
static struct evbuffer *bodies[MAX_STREAM];   /* DATA bytes per stream id */
static uint8_t *sbuf;                         /* output not yet a whole frame */
static size_t slen, scap;
static nghttp2_hd_inflater *inf;
static struct evbuffer *last_fields;   /* the last header block's regular fields, a line each */

static int
hd_status(const uint8_t *p, size_t n)
{
	int status = 0;

	evbuffer_drain(last_fields, evbuffer_get_length(last_fields));

	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t r = nghttp2_hd_inflate_hd2(inf, &nv, &fl, p, n, 1);

		ck_assert_msg(r >= 0, "the server's header block does not decode: %zd", r);
		p += r;
		n -= (size_t)r;
		if ((fl & NGHTTP2_HD_INFLATE_EMIT) && nv.namelen == 7 &&
		    memcmp(nv.name, ":status", 7) == 0) {
			char v[8] = "";

			memcpy(v, nv.value, nv.valuelen < 7 ? nv.valuelen : 7);
			status = atoi(v);
		} else if ((fl & NGHTTP2_HD_INFLATE_EMIT) && nv.namelen > 0 && nv.name[0] != ':') {
			evbuffer_add_printf(last_fields, "%.*s: %.*s\n", (int)nv.namelen, nv.name,
			    (int)nv.valuelen, nv.value);
		}
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(inf);
			return status;
		}
		if (r == 0 && !(fl & NGHTTP2_HD_INFLATE_EMIT))
			return status;
	}
}

static void
parse_frames(void)
{
	size_t at = 0;

	while (slen - at >= 9) {
		const uint8_t *h = sbuf + at, *p = h + 9;
		size_t len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
		struct frame *f;

		if (slen - at < 9 + len)
			break;
		ck_assert_msg(nframes < MAX_FRAMES, "too many frames");
		f = &frames[nframes++];
		memset(f, 0, sizeof(*f));
		f->type = h[3];
		f->flags = h[4];
		f->stream = (int32_t)(((uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 |
		    (uint32_t)h[7] << 8 | h[8]) & 0x7fffffff);
		f->len = len;
		switch (f->type) {
		case NGHTTP2_HEADERS: {
			size_t skip = 0, pad = 0;

			ck_assert_msg(f->flags & NGHTTP2_FLAG_END_HEADERS, "CONTINUATION not parsed");
			if (f->flags & NGHTTP2_FLAG_PADDED)
				pad = p[skip++];
			if (f->flags & NGHTTP2_FLAG_PRIORITY)
				skip += 5;
			f->status = hd_status(p + skip, len - skip - pad);
			break;
		}
		case NGHTTP2_DATA:
			ck_assert_msg(!(f->flags & NGHTTP2_FLAG_PADDED), "padded DATA");
			if (f->stream < MAX_STREAM) {
				if (bodies[f->stream] == NULL)
					bodies[f->stream] = evbuffer_new();
				evbuffer_add(bodies[f->stream], p, len);
			}
			break;
		case NGHTTP2_RST_STREAM:
			f->error = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
			break;
		case NGHTTP2_GOAWAY:
			f->last = (int32_t)(((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			    (uint32_t)p[2] << 8 | p[3]) & 0x7fffffff);
			f->error = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
			break;
		default:
			break;
		}
		at += 9 + len;
	}
	memmove(sbuf, sbuf + at, slen - at);
	slen -= at;
}

static const char *
frame_type(uint8_t t)
{
	static const char *const names[] = { "DATA", "HEADERS", "PRIORITY", "RST_STREAM",
		"SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static const char *
h2_code(uint32_t e)
{
	return nghttp2_http2_strerror(e);
}

/* Every frame the client received, one a line (for the split comparison and messages). */
static char *
frames_text(void)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	for (size_t i = 0; i < nframes; i++) {
		const struct frame *f = &frames[i];

		evbuffer_add_printf(b, "%s s=%d f=%02x len=%zu", frame_type(f->type), f->stream,
		    f->flags, f->len);
		if (f->type == NGHTTP2_HEADERS)
			evbuffer_add_printf(b, " :status=%d", f->status);
		if (f->type == NGHTTP2_RST_STREAM)
			evbuffer_add_printf(b, " %s", h2_code(f->error));
		if (f->type == NGHTTP2_GOAWAY)
			evbuffer_add_printf(b, " last=%d %s", f->last, h2_code(f->error));
		evbuffer_add(b, "\n", 1);
	}
	evbuffer_add(b, "", 1);
	s = strdup((const char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
	return s;
}

/* What stream id received, in order: "HEADERS 200; DATA ES; RST_STREAM NO_ERROR" (DATA
 * frames in a row are one entry, ES when the last of them ended the stream). */
static char *
stream_summary(int32_t id)
{
	static char buf[1024];
	size_t at = 0;
	int in_data = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nframes && at < sizeof(buf) - 64; i++) {
		const struct frame *f = &frames[i];
		const char *es = (f->flags & NGHTTP2_FLAG_END_STREAM) ? " ES" : "";

		if (f->stream != id || f->type == NGHTTP2_WINDOW_UPDATE)
			continue;
		if (f->type == NGHTTP2_DATA && in_data) {
			/* the entry goes on (a DATA after one that ended the stream is an entry
			 * of its own: in_data is 0 then) */
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s", es);
			in_data = *es == '\0';
			continue;
		}
		in_data = f->type == NGHTTP2_DATA && *es == '\0';
		if (at > 0)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "; ");
		if (f->type == NGHTTP2_HEADERS)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "HEADERS %d%s", f->status, es);
		else if (f->type == NGHTTP2_DATA)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "DATA%s", es);
		else if (f->type == NGHTTP2_RST_STREAM)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "RST_STREAM %s", h2_code(f->error));
		else
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s", frame_type(f->type));
	}
	return buf;
}

static size_t
count_frames(uint8_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < nframes; i++)
		n += frames[i].type == type;
	return n;
}

/* The first GOAWAY (NULL: none). */
static const struct frame *
goaway(void)
{
	for (size_t i = 0; i < nframes; i++)
		if (frames[i].type == NGHTTP2_GOAWAY)
			return &frames[i];
	return NULL;
}

static const char *
body_of(int32_t id)
{
	static char copy[65536];
	ssize_t n = 0;

	if (id < MAX_STREAM && bodies[id] != NULL)
		n = evbuffer_copyout(bodies[id], copy, sizeof(copy) - 1);
	copy[n > 0 ? n : 0] = '\0';
	return copy;
}

/* Lines of the event log that start with prefix. */
static size_t
count_ev(const char *fmt, ...)
{
	char prefix[128];
	va_list ap;
	size_t n = 0, plen, len = evbuffer_get_length(evlog);
	const char *s = (const char *)evbuffer_pullup(evlog, -1);

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	for (size_t at = 0; at < len; ) {
		const char *nl = memchr(s + at, '\n', len - at);
		size_t k = nl != NULL ? (size_t)(nl - (s + at)) + 1 : len - at;

		if (k >= plen && memcmp(s + at, prefix, plen) == 0)
			n++;
		at += k;
	}
	return n;
}

static char *
ev_text(int no_push)
{
	size_t len;
	const char *s;
	struct evbuffer *b = evbuffer_new();
	char *out;

	len = evbuffer_get_length(evlog);
	s = (const char *)evbuffer_pullup(evlog, -1);
	for (size_t at = 0; at < len; ) {
		const char *nl = memchr(s + at, '\n', len - at);
		size_t n = nl != NULL ? (size_t)(nl - (s + at)) + 1 : len - at;

		if (!(no_push && n >= 5 && memcmp(s + at, "push ", 5) == 0))
			evbuffer_add(b, s + at, n);
		at += n;
	}
	evbuffer_add(b, "", 1);
	out = strdup((const char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
	return out;
}

/* ---------- the client ---------- */

static nghttp2_session *cl;          /* NULL: raw frames only */
static nghttp2_hd_deflater *dfl;     /* raw HEADERS' encoder */
static struct evbuffer *cl_out;      /* raw bytes for the server, before the session's */
static const size_t *cuts;           /* feed split at these offsets of the whole input */
static size_t ncuts, cut_at, fed;
static struct conf *cfg;
static int clbad;                    /* frames the client session found invalid */

static int
cl_invalid(nghttp2_session *s, const nghttp2_frame *f, int lib_error, void *u)
{
	clbad++;
	ev("client: invalid %s on stream %d: %s", frame_type(f->hd.type), f->hd.stream_id,
	    nghttp2_strerror(lib_error));
	return 0;
}

/* Hand bytes to the server as the transport would: into conn_in, then framing->input
 * and ->input_end, once per cut (the cuts are offsets into everything the client ever
 * sent). */
static void
feed(const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k = n;

		if (fc.state != FC_OPEN || fc.peer_eof)
			return;   /* a closing connection discards input; after FIN nothing comes */
		while (cut_at < ncuts && cuts[cut_at] <= fed)
			cut_at++;
		if (cut_at < ncuts && cuts[cut_at] - fed < k)
			k = cuts[cut_at] - fed;
		ck_assert_int_eq(iobuf_add(&fc.in, p, k), 0);
		fed += k;
		p += k;
		n -= k;
		fc.fr->input(&fc, fc.f);
		/* one read per readiness here: its end follows (exchanges pushed) */
		if (fc.state == FC_OPEN && fc.fr->input_end != NULL)
			fc.fr->input_end(&fc, fc.f);
	}
}

/* The server's output to the client: parsed here, then given to the client session. */
static void
deliver(void)
{
	const char *p;
	size_t n;

	while ((p = iobuf_peek(&fc.out, &n)) != NULL) {
		if (slen + n > scap) {
			scap = (slen + n) * 2;
			sbuf = realloc(sbuf, scap);
			ck_assert_ptr_nonnull(sbuf);
		}
		memcpy(sbuf + slen, p, n);
		slen += n;
		parse_frames();
		if (cl != NULL)
			(void)nghttp2_session_mem_recv(cl, (const uint8_t *)p, n);
		iobuf_drain(&fc.out, n);
	}
}

/* Loop passes until nothing moves: client output in, the framing's deferred work
 * (framing->later, once a pass), server output out. */
static void
pump(void)
{
	for (int pass = 0; pass < 10000; pass++) {
		int moved = 0;
		const uint8_t *d;
		ssize_t n;

		if (evbuffer_get_length(cl_out) > 0) {
			size_t len = evbuffer_get_length(cl_out);
			uint8_t *copy = malloc(len);

			evbuffer_remove(cl_out, copy, len);
			feed(copy, len);
			free(copy);
			moved = 1;
		}
		if (cl != NULL) {
			struct evbuffer *b = evbuffer_new();

			while ((n = nghttp2_session_mem_send(cl, &d)) > 0)
				evbuffer_add(b, d, (size_t)n);
			if (evbuffer_get_length(b) > 0) {
				feed(evbuffer_pullup(b, -1), evbuffer_get_length(b));
				moved = 1;
			}
			evbuffer_free(b);
		}
		if (fc.later && fc.state != FC_CLOSED) {
			fc.later = 0;
			fc.fr->later(&fc, fc.f);
			moved = 1;
		}
		if (iobuf_len(&fc.out) > 0 && fc.state != FC_CLOSED) {
			deliver();
			moved = 1;
			if (fc.out_high) {
				fc.out_high = 0;
				fc.fr->drained(&fc, fc.f);
			}
		}
		if (fc.state == FC_CLOSING && iobuf_len(&fc.out) == 0) {
			fc_close("closed", "flushed after finish");
			moved = 1;
		}
		if (!moved)
			return;
	}
	ck_abort_msg("pump: no rest after 10000 passes");
}

static void
t_start(int with_client)
{
	char err[512];
	nghttp2_session_callbacks *cbs;

	memset(&fc, 0, sizeof(fc));
	evlog = evbuffer_new();
	cl_out = evbuffer_new();
	last_fields = evbuffer_new();
	nframes = slen = 0;
	memset(bodies, 0, sizeof(bodies));
	xlive = NULL;   /* (without fork mode, what a failed test left) */
	on_request = on_push = NULL;
	push_answered = 0;
	clbad = 0;
	cuts = NULL;
	ncuts = cut_at = fed = 0;
	if (cfg == NULL)
		cfg = conf_parse("[site A]\nid = 1\nbindings = https/*:443:\n", "t.ini", 0, err,
		    sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	fc.srv.cfg = cfg;
	fc.info.id = 1;
	fc.info.srv = &fc.srv;
	fc.info.cfg = cfg;
	fc.info.proto = BINDING_HTTPS;
	fc.info.verdict = -1;
	fc.info.cc_chain = -1;
	ck_assert_int_eq(nghttp2_hd_inflate_new(&inf), 0);
	ck_assert_int_eq(nghttp2_hd_deflate_new(&dfl, 4096), 0);
	ck_assert_int_eq(h2_start(&fc), 0);
	ck_assert_ptr_nonnull(fc.fr);
	cl = NULL;
	if (with_client) {
		ck_assert_int_eq(nghttp2_session_callbacks_new(&cbs), 0);
		nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, cl_invalid);
		ck_assert_int_eq(nghttp2_session_client_new(&cl, cbs, NULL), 0);
		nghttp2_session_callbacks_del(cbs);
		ck_assert_int_eq(nghttp2_submit_settings(cl, NGHTTP2_FLAG_NONE, NULL, 0), 0);
	}
}

/* The end of the connection as the loop's next pass does it; every exchange freed. */
static void
t_end(void)
{
	if (fc.state != FC_CLOSED)
		fc_close("teardown", NULL);
	fc.fr->free(fc.f);
	ck_assert_msg(xlive == NULL, "an exchange h2.c never freed (stream %u)",
	    xlive != NULL ? xlive->stream : 0);
	nghttp2_session_del(cl);
	cl = NULL;
	nghttp2_hd_inflate_del(inf);
	nghttp2_hd_deflate_del(dfl);
	for (size_t i = 0; i < MAX_STREAM; i++)
		if (bodies[i] != NULL)
			evbuffer_free(bodies[i]);
	evbuffer_free(cl_out);
	evbuffer_free(last_fields);
	evbuffer_free(evlog);
	iobuf_clear(&fc.in);
	iobuf_clear(&fc.out);
}

/* A request through the client session: method and path to www.example.com, the
 * request ending with its HEADERS unless body is given (its data source: the request
 * stays open until body->eof). */
struct clbody {
	char   buf[4096];
	size_t len, off;
	int    eof;
};

static ssize_t
cl_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
    nghttp2_data_source *src, void *u)
{
	struct clbody *b = src->ptr;
	size_t n = b->len - b->off;

	if (n > length)
		n = length;
	memcpy(buf, b->buf + b->off, n);
	b->off += n;
	if (b->off == b->len && b->eof)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	else if (n == 0)
		return NGHTTP2_ERR_DEFERRED;
	return (ssize_t)n;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE }

static int32_t
cl_request(const char *method, const char *path, struct clbody *body)
{
	nghttp2_nv nv[] = { NV(":method", method), NV(":scheme", "https"),
		NV(":authority", "www.example.com"), NV(":path", path) };
	nghttp2_data_provider prd = { .source.ptr = body, .read_callback = cl_read };
	int32_t id = nghttp2_submit_request(cl, NULL, nv, 4, body != NULL ? &prd : NULL, NULL);

	ck_assert_int_gt(id, 0);
	return id;
}

static void
cl_body_more(int32_t id, struct clbody *b, const char *s, int eof)
{
	memcpy(b->buf + b->len, s, strlen(s));
	b->len += strlen(s);
	b->eof = eof;
	(void)nghttp2_session_resume_data(cl, id);
}

/* What the client session has to send, queued for the server's next input call. */
static void
cl_flush(void)
{
	const uint8_t *d;
	ssize_t n;

	while ((n = nghttp2_session_mem_send(cl, &d)) > 0)
		evbuffer_add(cl_out, d, (size_t)n);
}

/* ---- raw frames, for what the client session would not send ---- */

static void
raw_frame(uint8_t type, uint8_t flags, int32_t id, const void *payload, size_t len)
{
	uint8_t h[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
		(uint8_t)((uint32_t)id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id };

	evbuffer_add(cl_out, h, 9);
	evbuffer_add(cl_out, payload, len);
}

static void
raw_preface(void)
{
	evbuffer_add(cl_out, NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN);
	raw_frame(NGHTTP2_SETTINGS, 0, 0, NULL, 0);
}

/* HEADERS (END_HEADERS) of the pairs kv[0..2n): name, value, ... */
static void
raw_headers(int32_t id, uint8_t flags, const char *const *kv, size_t n)
{
	nghttp2_nv nv[16];
	uint8_t buf[4096];
	ssize_t r;

	for (size_t i = 0; i < n; i++)
		nv[i] = (nghttp2_nv){ (uint8_t *)kv[2 * i], (uint8_t *)kv[2 * i + 1],
		    strlen(kv[2 * i]), strlen(kv[2 * i + 1]), NGHTTP2_NV_FLAG_NONE };
	r = nghttp2_hd_deflate_hd(dfl, buf, sizeof(buf), nv, n);
	ck_assert_int_gt(r, 0);
	raw_frame(NGHTTP2_HEADERS, flags | NGHTTP2_FLAG_END_HEADERS, id, buf, (size_t)r);
}

static void
raw_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define ck_summary(id, want) do {                                                   \
	const char *got_ = stream_summary(id);                                          \
	char *all_ = frames_text();                                                     \
	ck_assert_msg(strcmp(got_, (want)) == 0, "stream %d: got \"%s\", want \"%s\"\n" \
	    "frames:\n%s", (int)(id), got_, (want), all_);                              \
	free(all_);                                                                     \
} while (0)

/* ---------- GET answered later ---------- */

/* One GET, answered later by the backend (HEADERS 200, body, end), the client's bytes
 * fed with the cuts given; the frames and the exchange's calls (pushes left out: there
 * is one per input call) as text. */
static char *
run_get(const size_t *c, size_t nc)
{
	struct exchange *x;
	char *fr, *evs, *out;
	int32_t id;

	t_start(1);
	cuts = c;
	ncuts = nc;
	id = cl_request("GET", "/a?b=1", NULL);
	pump();
	ck_assert_uint_eq(count_ev("request %d: GET /a?b=1 host=www.example.com", id), 1);
	ck_assert_uint_ge(count_ev("push %d:", id), 1);
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head(x, 200, 0), 0);
	ck_assert_int_eq(be_body(x, "hello"), 0);
	pump();
	be_end(x, EXCHANGE_END_OK);
	pump();
	ck_summary(id, "HEADERS 200; DATA ES");
	ck_assert_str_eq(body_of(id), "hello");
	ck_assert_uint_eq(count_ev("abort %d:", id), 0);
	ck_assert_uint_eq(count_ev("free %d:", id), 1);
	ck_assert_int_eq(fc.state, FC_OPEN);
	ck_assert_int_eq(clbad, 0);
	fr = frames_text();
	evs = ev_text(1);
	if (asprintf(&out, "%s--\n%s", fr, evs) < 0)
		out = NULL;
	free(fr);
	free(evs);
	t_end();
	return out;
}

START_TEST(test_h2_get_answered_later)
{
	free(run_get(NULL, 0));
}
END_TEST

/* A response's connection-specific fields never reach HTTP/2 (RFC 9113 §8.2.2), by
 * http.c's one rule (http_hop_fields, as HTTP/1.1's responses: check_http's
 * test_http_hop_connection_keeps_host_and_length): what Connection names goes, but never
 * Content-Length or Host, which frame and route the message. */
START_TEST(test_h2_response_hop_fields)
{
	static struct http_header f[] = {
		{ "Connection", "content-length, Host, X-Hop", 10, 27, 0 },
		{ "Content-Length", "5", 14, 1, 0 },
		{ "Host", "h", 4, 1, 0 },
		{ "X-Hop", "1", 5, 1, 0 },
		{ "Keep-Alive", "timeout=5", 10, 9, 0 },
		{ "Transfer-Encoding", "identity", 17, 8, 0 },
		{ "X-Kept", "2", 6, 1, 0 },
	};
	struct exchange *x;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head_fields(x, 200, "OK", f, sizeof(f) / sizeof(f[0]), 5, 0), 0);
	pump();
	ck_assert_str_eq((const char *)evbuffer_pullup(last_fields, -1),
	    "content-length: 5\nhost: h\nx-kept: 2\n");
	ck_assert_int_eq(be_body(x, "hello"), 0);
	be_end(x, EXCHANGE_END_OK);
	pump();
	ck_summary(id, "HEADERS 200; DATA ES");
	ck_assert_int_eq(clbad, 0);
	t_end();
}
END_TEST

/* A backend's 204 with a Content-Length: the field is dropped (http_response_field_dropped),
 * else nghttp2 clients reset the stream (PROTOCOL_ERROR: a 204 with content-length 5). */
START_TEST(test_h2_response_204_without_length)
{
	static struct http_header f[] = {
		{ "Content-Length", "5", 14, 1, 0 },
		{ "X-Kept", "2", 6, 1, 0 },
	};
	struct exchange *x;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head_fields(x, 204, "No Content", f, sizeof(f) / sizeof(f[0]), 5, 1), 0);
	be_end(x, EXCHANGE_END_OK);
	pump();
	ck_assert_str_eq((const char *)evbuffer_pullup(last_fields, -1), "x-kept: 2\n");
	ck_summary(id, "HEADERS 204 ES");
	ck_assert_int_eq(clbad, 0);
	t_end();
}
END_TEST

/* A response head of more fields than h2_submit builds on its stack (32): the same
 * conversion on the heap (names lowercased, what Connection names left out, in order),
 * and the status's three digits. */
START_TEST(test_h2_response_many_fields)
{
	enum { NF = 41 };
	static struct http_header f[NF];
	static char names[NF][8], values[NF][8];
	struct evbuffer *want = evbuffer_new();
	struct exchange *x;
	int32_t id;

	f[0] = (struct http_header){ "Connection", "X-F01", 10, 5, 0 };
	for (int i = 1; i < NF; i++) {
		snprintf(names[i], sizeof(names[i]), "X-F%02d", i);
		snprintf(values[i], sizeof(values[i]), "v%d", i);
		f[i] = (struct http_header){ names[i], values[i], 5, (unsigned)strlen(values[i]), 0 };
		if (i != 1)
			evbuffer_add_printf(want, "x-f%02d: v%d\n", i, i);
	}
	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head_fields(x, 503, "Service Unavailable", f, NF, -1, 0), 0);
	pump();
	evbuffer_add(want, "", 1);
	evbuffer_add(last_fields, "", 1);
	ck_assert_str_eq((const char *)evbuffer_pullup(last_fields, -1),
	    (const char *)evbuffer_pullup(want, -1));
	evbuffer_free(want);
	ck_assert_int_eq(be_body(x, "hello"), 0);
	be_end(x, EXCHANGE_END_OK);
	pump();
	ck_summary(id, "HEADERS 503; DATA ES");
	ck_assert_int_eq(clbad, 0);
	t_end();
}
END_TEST

/* The same exchange whatever the client's bytes' split: in two at every offset, and one
 * byte at a time. */
START_TEST(test_h2_get_any_split)
{
	char *whole = run_get(NULL, 0);
	size_t total = fed, *all;

	ck_assert_uint_gt(total, 24);
	for (size_t k = 1; k < total; k++) {
		char *s = run_get(&k, 1);

		ck_assert_msg(strcmp(s, whole) == 0, "split at %zu differs:\n%s\nvs whole:\n%s",
		    k, s, whole);
		free(s);
	}
	all = malloc(total * sizeof(*all));
	for (size_t k = 1; k < total; k++)
		all[k - 1] = k;
	{
		char *s = run_get(all, total - 1);

		ck_assert_msg(strcmp(s, whole) == 0, "byte at a time differs:\n%s\nvs whole:\n%s",
		    s, whole);
		free(s);
	}
	free(all);
	free(whole);
}
END_TEST

/* ---------- answers made inside exchange_request ---------- */

static const struct sync_case {
	const char *name, *method;
	void      (*answer)(struct exchange *x);
	int         n;          /* requests in a row on one connection */
	const char *summary;    /* what each stream receives */
} sync_cases[] = {
	{ "204", "GET", ans_204, 600, "HEADERS 204 ES" },
	{ "304", "GET", ans_304, 600, "HEADERS 304 ES" },
	{ "HEAD 200", "HEAD", ans_head200, 600, "HEADERS 200 ES" },
	{ "page 503", "GET", ans_page503, 300, "HEADERS 503; DATA ES" },
	{ "page 503 to HEAD", "HEAD", ans_page503, 300, "HEADERS 503 ES" },
};

START_TEST(test_h2_sync_answer)
{
	const struct sync_case *t = &sync_cases[_i];

	t_start(1);
	on_request = t->answer;
	for (int i = 0; i < t->n; i++) {
		int32_t id = cl_request(t->method, "/", NULL);

		pump();
		ck_assert_msg(strcmp(stream_summary(id), t->summary) == 0,
		    "%s, request %d (stream %d): got \"%s\", want \"%s\"", t->name, i + 1, id,
		    stream_summary(id), t->summary);
		ck_assert_msg(count_ev("abort %d:", id) == 0,
		    "%s, request %d (stream %d): exchange_abort called", t->name, i + 1, id);
		ck_assert_msg(goaway() == NULL, "%s, request %d: GOAWAY %s", t->name, i + 1,
		    h2_code(goaway()->error));
	}
	ck_assert_uint_eq(count_ev("request "), (size_t)t->n);
	ck_assert_uint_eq(count_frames(NGHTTP2_HEADERS), (size_t)t->n);
	ck_assert_uint_eq(count_frames(NGHTTP2_RST_STREAM), 0);
	ck_assert_uint_eq(count_ev("free "), (size_t)t->n);
	ck_assert_int_eq(fc.state, FC_OPEN);
	ck_assert_int_eq(clbad, 0);
	t_end();
}
END_TEST

/* ---------- an answer before the request's body ended (RFC 9113 §8.1) ---------- */

static const struct early_case {
	const char *name;
	void      (*sync)(struct exchange *x);   /* NULL: the test answers after the pass */
	int         status;
} early_cases[] = {
	{ "page 503 inside exchange_request", ans_page503, 503 },
	{ "200 head+body+end inside exchange_request", ans_200, 200 },
	{ "200 head+body+end from the backend, later", NULL, 200 },
};

START_TEST(test_h2_early_answer)
{
	const struct early_case *t = &early_cases[_i];
	struct clbody b = { .len = 0 };
	char want[64];
	const char *got;
	size_t first_rst = SIZE_MAX, es_at = SIZE_MAX;
	int32_t id;

	t_start(1);
	on_request = t->sync;
	strcpy(b.buf, "part");
	b.len = 4;
	id = cl_request("POST", "/upload", &b);
	pump();
	ck_assert_uint_eq(count_ev("request %d:", id), 1);
	if (t->sync == NULL) {
		ans_200(xfind((unsigned)id));
		pump();
	}
	/* the client goes on sending what is left of the body */
	if (nghttp2_session_find_stream(cl, id) != NULL)
		cl_body_more(id, &b, "rest", 1);
	pump();
	snprintf(want, sizeof(want), "HEADERS %d; DATA ES", t->status);
	got = stream_summary(id);
	for (size_t i = 0; i < nframes; i++) {
		if (frames[i].stream != id)
			continue;
		if (frames[i].type == NGHTTP2_RST_STREAM && first_rst == SIZE_MAX)
			first_rst = i;
		if ((frames[i].type == NGHTTP2_DATA || frames[i].type == NGHTTP2_HEADERS) &&
		    (frames[i].flags & NGHTTP2_FLAG_END_STREAM))
			es_at = i;
	}
	{
		char *all = frames_text();

		ck_assert_msg(strncmp(got, want, strlen(want)) == 0,
		    "%s: the complete response first: got \"%s\", want \"%s...\"\n%s", t->name,
		    got, want, all);
		ck_assert_msg(es_at != SIZE_MAX && (first_rst == SIZE_MAX || es_at < first_rst),
		    "%s: RST_STREAM before the response's END_STREAM:\n%s", t->name, all);
		ck_assert_msg(first_rst == SIZE_MAX || frames[first_rst].error == NGHTTP2_NO_ERROR,
		    "%s: RST_STREAM %s after an early answer:\n%s", t->name,
		    h2_code(frames[first_rst].error), all);
		/* the RST goes in a TLS record of its own: what came before was pushed */
		ck_assert_msg(first_rst == SIZE_MAX || (fc.npush >= 1 && fc.push_after_end),
		    "%s: RST_STREAM(NO_ERROR) queued behind the response without a record "
		    "boundary right after its END_STREAM (pushes %d)", t->name, fc.npush);
		free(all);
	}
	ck_assert_uint_eq(count_ev("abort %d:", id), 0);
	ck_assert_ptr_null(goaway());
	t_end();
}
END_TEST

/* ---------- a response cut, a client's reset ---------- */

START_TEST(test_h2_response_cut)
{
	struct exchange *x;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head(x, 200, 0), 0);
	ck_assert_int_eq(be_body(x, "some of it"), 0);
	pump();
	be_end(x, EXCHANGE_END_CUT);
	pump();
	ck_summary(id, "HEADERS 200; DATA; RST_STREAM INTERNAL_ERROR");
	ck_assert_ptr_null(goaway());
	ck_assert_int_eq(fc.state, FC_OPEN);
	t_end();
}
END_TEST

START_TEST(test_h2_client_reset_mid_response)
{
	struct exchange *x;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head(x, 200, 0), 0);
	ck_assert_int_eq(be_body(x, "some of it"), 0);
	pump();
	ck_assert_int_eq(nghttp2_submit_rst_stream(cl, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL), 0);
	pump();
	ck_assert_uint_eq(count_ev("abort %d:", id), 1);
	ck_assert_uint_eq(count_ev("free %d:", id), 1);
	ck_assert_ptr_null(goaway());
	ck_assert_int_eq(fc.state, FC_OPEN);
	t_end();
}
END_TEST

/* ---------- requests refused before any exchange_request ---------- */

static const struct bad_case {
	const char *name;
	const char *kv[12];
	size_t      n;
	int         accept;   /* 1: a valid request after all (exchange_request is called) */
} bad_cases[] = {
	{ ":scheme foo", { ":method", "GET", ":scheme", "foo", ":authority", "www.example.com",
	    ":path", "/" }, 4, 0 },
	{ ":scheme http, :path absolute", { ":method", "GET", ":scheme", "http", ":authority",
	    "www.example.com", ":path", "http://evil.example/x" }, 4, 0 },
	{ ":path without /", { ":method", "GET", ":scheme", "https", ":authority",
	    "www.example.com", ":path", "x/y" }, 4, 0 },
	{ ":path * with GET", { ":method", "GET", ":scheme", "https", ":authority",
	    "www.example.com", ":path", "*" }, 4, 0 },
	{ "CONNECT", { ":method", "CONNECT", ":authority", "www.example.com:443" }, 2, 0 },
	{ ":path * with OPTIONS (valid)", { ":method", "OPTIONS", ":scheme", "https",
	    ":authority", "www.example.com", ":path", "*" }, 4, 1 },
	{ "GET / (valid)", { ":method", "GET", ":scheme", "https", ":authority",
	    "www.example.com", ":path", "/" }, 4, 1 },
};

START_TEST(test_h2_bad_request_refused)
{
	const struct bad_case *t = &bad_cases[_i];
	const char *got;

	t_start(0);
	raw_preface();
	raw_headers(1, NGHTTP2_FLAG_END_STREAM, t->kv, t->n);
	pump();
	got = stream_summary(1);
	if (t->accept) {
		ck_assert_msg(count_ev("request 1:") == 1, "%s: not handed over:\n%s", t->name,
		    ev_text(0));
		t_end();
		return;
	}
	ck_assert_msg(count_ev("request 1:") == 0, "%s: exchange_request called:\n%s", t->name,
	    ev_text(0));
	ck_assert_msg(strcmp(got, "RST_STREAM PROTOCOL_ERROR") == 0 ||
	    strcmp(got, "HEADERS 400; DATA ES") == 0, "%s: stream 1 got \"%s\"", t->name, got);
	t_end();
}
END_TEST

/* ---------- connection errors ---------- */

START_TEST(test_h2_lower_stream_id)
{
	static const char *const kv[] = { ":method", "GET", ":scheme", "https", ":authority",
		"www.example.com", ":path", "/" };
	const struct frame *g;

	t_start(0);
	raw_preface();
	raw_headers(5, NGHTTP2_FLAG_END_STREAM, kv, 4);
	pump();
	ck_assert_uint_eq(count_ev("request 5:"), 1);
	raw_headers(3, NGHTTP2_FLAG_END_STREAM, kv, 4);
	pump();
	ck_assert_uint_eq(count_ev("request 3:"), 0);
	ck_assert_msg((g = goaway()) != NULL, "no GOAWAY:\n%s", frames_text());
	ck_assert_str_eq(h2_code(g->error), h2_code(NGHTTP2_PROTOCOL_ERROR));
	t_end();
}
END_TEST

START_TEST(test_h2_initial_window_overflow)
{
	uint8_t wu[4], st[6] = { 0, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE };
	const struct frame *g;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	/* the server's send window of the stream: 65535 + this = 2^31-1 */
	raw_u32(wu, 0x7fffffffU - 65535U);
	raw_frame(NGHTTP2_WINDOW_UPDATE, 0, id, wu, 4);
	raw_u32(st + 2, 65536);   /* one more than the default: the window would be 2^31 */
	raw_frame(NGHTTP2_SETTINGS, 0, 0, st, 6);
	pump();
	ck_assert_msg((g = goaway()) != NULL, "no GOAWAY:\n%s", frames_text());
	ck_assert_str_eq(h2_code(g->error), h2_code(NGHTTP2_FLOW_CONTROL_ERROR));
	t_end();
}
END_TEST

/* ---------- the transport's events: idle timeout, stop, eof ---------- */

START_TEST(test_h2_idle_timeout_goaway_sent)
{
	const struct frame *g;

	t_start(1);
	pump();
	ck_assert_uint_gt(fc.deadline, 0);   /* the idle deadline is armed */
	fc.fr->timeout(&fc, fc.f);
	pump();
	ck_assert_int_ge(fc.nend + fc.nfinish, 1);
	ck_assert_msg(fc.lost == 0, "the connection was closed with %zu bytes unsent "
	    "(the GOAWAY among them)", fc.lost);
	ck_assert_ptr_nonnull(g = goaway());
	ck_assert_str_eq(h2_code(g->error), h2_code(NGHTTP2_NO_ERROR));
	ck_assert_int_eq(fc.state, FC_CLOSED);
	t_end();
}
END_TEST

START_TEST(test_h2_stop_in_flight)
{
	struct exchange *x;
	const struct frame *g;
	size_t gi;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	fc.fr->retire(&fc, fc.f);
	pump();
	ck_assert_ptr_nonnull(g = goaway());
	ck_assert_str_eq(h2_code(g->error), h2_code(NGHTTP2_NO_ERROR));
	ck_assert_int_eq(g->last, id);
	gi = (size_t)(g - frames);
	ck_assert_msg(fc.nend + fc.nfinish + fc.nabort == 0 && fc.state == FC_OPEN,
	    "the connection ended with a stream in flight");
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head(x, 200, 0), 0);
	ck_assert_int_eq(be_body(x, "bye"), 0);
	be_end(x, EXCHANGE_END_OK);
	pump();
	ck_summary(id, "HEADERS 200; DATA ES");
	for (size_t i = 0; i < nframes; i++)
		if (frames[i].stream == id && frames[i].type == NGHTTP2_HEADERS)
			ck_assert_uint_gt(i, gi);
	ck_assert_str_eq(body_of(id), "bye");
	ck_assert_uint_eq(count_ev("abort %d:", id), 0);
	ck_assert_int_ge(fc.nend + fc.nfinish, 1);
	ck_assert_uint_eq(fc.lost, 0);
	ck_assert_int_eq(fc.state, FC_CLOSED);
	t_end();
}
END_TEST

/* A reload or SIGTERM (retire) beside a stream answered early and whole, whose request
 * announced a content-length: the rest, which the stream would read and drop, is not
 * waited for (a client that stopped sending at the answer would hold the connection for
 * entity_body_timeout): RST_STREAM(NO_ERROR) after the answer, and the connection ends. */
START_TEST(test_h2_retire_after_early_answer)
{
	static struct clbody b;
	nghttp2_nv nv[] = { NV(":method", "POST"), NV(":scheme", "https"),
		NV(":authority", "www.example.com"), NV(":path", "/upload"),
		NV("content-length", "8") };
	nghttp2_data_provider prd = { .source.ptr = &b, .read_callback = cl_read };
	struct exchange *x;
	const struct frame *g;
	int32_t id;

	t_start(1);
	memset(&b, 0, sizeof(b));
	memcpy(b.buf, "part", 4);
	b.len = 4;
	ck_assert_int_gt(id = nghttp2_submit_request(cl, NULL, nv, 5, &prd, NULL), 0);
	pump();
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head(x, 403, 0), 0);
	ck_assert_int_eq(be_body(x, "no"), 0);
	be_end(x, EXCHANGE_END_OK);
	pump();
	/* the answer is out; the 4 bytes left are small enough to be waited for */
	ck_summary(id, "HEADERS 403; DATA ES");
	ck_assert_int_eq(fc.state, FC_OPEN);
	fc.fr->retire(&fc, fc.f);
	pump();
	ck_assert_ptr_nonnull(g = goaway());
	ck_assert_str_eq(h2_code(g->error), h2_code(NGHTTP2_NO_ERROR));
	ck_assert_int_eq(g->last, id);
	ck_summary(id, "HEADERS 403; DATA ES; RST_STREAM NO_ERROR");
	ck_assert_uint_eq(count_ev("abort %d:", id), 0);
	ck_assert_int_eq(fc.state, FC_CLOSED);
	t_end();
}
END_TEST

/*
 * Uploads waiting in their pool's queue (db11c74): their DATA is given back to the
 * connection's window at once, to the stream's only when they leave the queue, and never
 * twice.  Ten queued streams send a stream window each (640 KiB, more than half the
 * 1 MiB connection window): the connection's WINDOW_UPDATE comes (before the change
 * none: with a pool of one connection, the stream holding it starved), no stream's does.
 * Leaving the queue opens each stream's window, not the connection's again.  Paused then
 * (a backend that is full), what they send next holds the connection's window: a part
 * counted twice would open it as soon as one stream's backend takes its bytes.
 */
struct upl { size_t left; };

static ssize_t
upl_read(nghttp2_session *ss, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
    nghttp2_data_source *src, void *u)
{
	struct upl *b = src->ptr;
	size_t n = b->left < length ? b->left : length;

	if (n == 0)
		return NGHTTP2_ERR_DEFERRED;
	memset(buf, 'u', n);
	b->left -= n;
	return (ssize_t)n;
}

static void
queue_it(struct exchange *x)
{
	x->waiting = 1;
	x->ops->pause_request(x->arg, x, 1);
}

static size_t
wu_count(int32_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < nframes; i++)
		n += frames[i].type == NGHTTP2_WINDOW_UPDATE && frames[i].stream == id;
	return n;
}

START_TEST(test_h2_queued_uploads_give_the_connection_window)
{
	static struct upl u[10];
	nghttp2_nv nv[] = { NV(":method", "POST"), NV(":scheme", "https"),
		NV(":authority", "www.example.com"), NV(":path", "/upload") };
	int32_t id[10];
	size_t w0, wid;

	t_start(1);
	pump();
	w0 = wu_count(0);
	on_request = queue_it;
	for (int i = 0; i < 10; i++) {
		nghttp2_data_provider prd = { .source.ptr = &u[i], .read_callback = upl_read };

		u[i].left = 65535;
		ck_assert_int_gt(id[i] = nghttp2_submit_request(cl, NULL, nv, 4, &prd, NULL), 0);
	}
	pump();
	for (int i = 0; i < 10; i++) {
		ck_assert_uint_eq(u[i].left, 0);
		ck_assert_uint_eq(wu_count(id[i]), 0);   /* held by the stream's window */
	}
	ck_assert_msg(wu_count(0) == w0 + 1, "the connection's window given back: %zu "
	    "WINDOW_UPDATE on stream 0, want %zu", wu_count(0), w0 + 1);
	/* out of the queue: each stream's window opens; the connection's was given */
	for (int i = 0; i < 10; i++) {
		struct exchange *x = xfind((unsigned)id[i]);

		x->waiting = 0;
		x->ops->pause_request(x->arg, x, 0);
		x->ops->pause_request(x->arg, x, 1);   /* its backend full at once */
	}
	pump();
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(wu_count(id[i]), 1);
	ck_assert_uint_eq(wu_count(0), w0 + 1);
	/* a window more each, held by the full backends: the connection's stays shut */
	wid = wu_count(0);
	for (int i = 0; i < 10; i++) {
		u[i].left = 65535;
		ck_assert_int_eq(nghttp2_session_resume_data(cl, id[i]), 0);
	}
	pump();
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(u[i].left, 0);
	/* (nghttp2 weighs what was consumed only as more is: one stream's backend takes
	 * its window, 64 KiB, far from half the connection's with the held ones apart) */
	xfind((unsigned)id[0])->ops->pause_request(xfind((unsigned)id[0])->arg,
	    xfind((unsigned)id[0]), 0);
	pump();
	ck_assert_uint_eq(wu_count(id[0]), 2);
	ck_assert_msg(wu_count(0) == wid, "bytes held by paused streams opened the "
	    "connection's window (%zu WINDOW_UPDATE on stream 0, want %zu)", wu_count(0), wid);
	t_end();
}
END_TEST

START_TEST(test_h2_eof_in_flight)
{
	struct exchange *x;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	fc.peer_eof = 1;
	fc.fr->eof(&fc, fc.f);
	pump();
	ck_assert_msg(count_ev("abort %d:", id) == 0, "the stream in flight was aborted at the "
	    "client's FIN:\n%s", ev_text(0));
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head(x, 200, 0), 0);
	ck_assert_int_eq(be_body(x, "still"), 0);
	be_end(x, EXCHANGE_END_OK);
	pump();
	ck_summary(id, "HEADERS 200; DATA ES");
	ck_assert_str_eq(body_of(id), "still");
	ck_assert_uint_eq(count_ev("abort %d:", id), 0);
	ck_assert_int_ge(fc.nend + fc.nfinish, 1);
	ck_assert_uint_eq(fc.lost, 0);
	ck_assert_int_eq(fc.state, FC_CLOSED);
	t_end();
}
END_TEST

/* The rapid-reset defence (CVE-2023-44487) stays: a client that opens and resets streams
 * faster than H2_RESET_BURST at once gets GOAWAY ENHANCE_YOUR_CALM; every reset stream's
 * exchange is aborted once. */
START_TEST(test_h2_rapid_reset_goaway)
{
	const struct frame *g;
	int i;

	t_start(1);
	pump();
	for (i = 0; i < 400 && goaway() == NULL; i++) {
		int32_t id = cl_request("GET", "/", NULL);

		cl_flush();   /* the HEADERS leave before the reset is submitted */
		ck_assert_int_eq(nghttp2_submit_rst_stream(cl, NGHTTP2_FLAG_NONE, id,
		    NGHTTP2_CANCEL), 0);
		pump();
	}
	ck_assert_msg((g = goaway()) != NULL, "no GOAWAY after %d streams reset (%zu "
	    "exchange_abort, %zu exchange_request)", i, count_ev("abort "), count_ev("request "));
	ck_assert_str_eq(h2_code(g->error), h2_code(NGHTTP2_ENHANCE_YOUR_CALM));
	ck_assert_int_ge(i, 200);   /* not before the burst is spent */
	t_end();
}
END_TEST

/* ---------- several streams in one input pass ---------- */

static const struct push_case {
	const char *name;
	void      (*req)(struct exchange *x);   /* answers the second request synchronously */
	void      (*push)(struct exchange *x);
} push_cases[] = {
	{ "one answered inside exchange_request", NULL, NULL },
	{ "one answered inside exchange_push", NULL, push_first_answers },
};

static int nreq_seen;
static void
answer_second(struct exchange *x)
{
	if (++nreq_seen == 2)
		ans_204(x);
}

START_TEST(test_h2_push_every_stream)
{
	const struct push_case *t = &push_cases[_i];
	int32_t id[4];

	t_start(1);
	pump();   /* the SETTINGS exchange first: the four requests then arrive in one input */
	nreq_seen = 0;
	on_request = t->push == NULL ? answer_second : NULL;
	on_push = t->push;
	for (int i = 0; i < 4; i++)
		id[i] = cl_request("GET", "/", NULL);
	cl_flush();
	{
		/* one input pass, then look before any later pass */
		size_t len = evbuffer_get_length(cl_out);
		uint8_t *copy = malloc(len);

		evbuffer_remove(cl_out, copy, len);
		feed(copy, len);
		free(copy);
	}
	for (int i = 0; i < 4; i++) {
		struct exchange *x;
		int answered_in_request = t->push == NULL && i == 1;

		ck_assert_uint_eq(count_ev("request %d:", id[i]), 1);
		if (answered_in_request)
			continue;   /* done before the pass's pushes */
		for (x = xlive; x != NULL && x->stream != (unsigned)id[i]; x = x->next)
			;
		ck_assert_msg(count_ev("push %d:", id[i]) == 1, "%s: stream %d got %zu "
		    "exchange_push in the pass:\n%s", t->name, id[i], count_ev("push %d:", id[i]),
		    ev_text(0));
	}
	pump();
	t_end();
}
END_TEST

/* ---------- streams and nghttp2's blocks reused ---------- */

/* A response whose last frame goes out in a later pass frees its stream in that pass,
 * after the send: no pass of its own is asked for (h2_later sweeps again). */
START_TEST(test_h2_stream_freed_in_its_sending_pass)
{
	struct exchange *x;
	int32_t id;

	t_start(1);
	id = cl_request("GET", "/", NULL);
	pump();
	x = xfind((unsigned)id);
	ck_assert_int_eq(be_head(x, 200, 0), 0);
	ck_assert_int_eq(be_body(x, "hello"), 0);
	be_end(x, EXCHANGE_END_OK);
	ck_assert_int_eq(fc.later, 1);
	fc.later = 0;
	fc.fr->later(&fc, fc.f);   /* the one pass: HEADERS, DATA ES, the stream closed */
	ck_assert_uint_eq(count_ev("free %d:", id), 1);
	ck_assert_int_eq(fc.later, 0);
	pump();
	ck_summary(id, "HEADERS 200; DATA ES");
	ck_assert_str_eq(body_of(id), "hello");
	ck_assert_int_eq(fc.state, FC_OPEN);
	ck_assert_int_eq(clbad, 0);
	t_end();
}
END_TEST

/* Streams come back from the thread's cache (struct h2_stream, its header block's inline
 * room, nghttp2's small blocks): 300 requests one after the other on one connection, each
 * with a path and a field of its own and every tenth with a header block larger than the
 * inline room (40 fields, over 1 KiB), each answered with a body of its own; every head
 * and every body is the request's, nothing left from the stream before. */
static int32_t
cl_request_fields(const char *path, int nextra, char (*names)[16], char (*values)[48])
{
	nghttp2_nv nv[4 + 40] = { NV(":method", "GET"), NV(":scheme", "https"),
		NV(":authority", "www.example.com"), NV(":path", path) };
	int32_t id;

	for (int i = 0; i < nextra; i++)
		nv[4 + i] = (nghttp2_nv){ (uint8_t *)names[i], (uint8_t *)values[i],
		    strlen(names[i]), strlen(values[i]), NGHTTP2_NV_FLAG_NONE };
	id = nghttp2_submit_request(cl, NULL, nv, (size_t)(4 + nextra), NULL, NULL);
	ck_assert_int_gt(id, 0);
	return id;
}

START_TEST(test_h2_streams_reused)
{
	static char names[40][16], values[40][48];
	char path[32], body[64], want[64];

	t_start(1);
	for (int r = 0; r < 300; r++) {
		int nextra = r % 10 == 9 ? 40 : 1;
		struct http_head *h;
		struct exchange *x;
		int32_t id;

		for (int i = 0; i < nextra; i++) {
			snprintf(names[i], sizeof(names[i]), "x-r%d-f%d", r, i);
			snprintf(values[i], sizeof(values[i]), "request %d field %d: some bytes", r, i);
		}
		snprintf(path, sizeof(path), "/r%d", r);
		last_req_head = NULL;
		id = cl_request_fields(path, nextra, names, values);
		pump();
		ck_assert_uint_eq(count_ev("request %d: GET %s host=www.example.com", id, path), 1);
		h = last_req_head;
		ck_assert_ptr_nonnull(h);
		ck_assert_uint_eq(h->nheaders, (unsigned)nextra + 1);   /* Host first */
		ck_assert_str_eq(h->headers[0].name, "Host");
		for (int i = 0; i < nextra; i++) {
			ck_assert_str_eq(h->headers[i + 1].name, names[i]);
			ck_assert_str_eq(h->headers[i + 1].value, values[i]);
		}
		x = xfind((unsigned)id);
		ck_assert_int_eq(be_head(x, 200, 0), 0);
		snprintf(body, sizeof(body), "body of %d%.*s", r, r % 17, "................");
		ck_assert_int_eq(be_body(x, body), 0);
		be_end(x, EXCHANGE_END_OK);
		pump();
		ck_summary(id, "HEADERS 200; DATA ES");
		snprintf(want, sizeof(want), "%s", body);
		ck_assert_str_eq(body_of(id), want);
		ck_assert_uint_eq(count_ev("free %d:", id), 1);
	}
	ck_assert_int_eq(fc.state, FC_OPEN);
	ck_assert_int_eq(clbad, 0);
	t_end();
}
END_TEST

/* nghttp2's allocator (h2mem.c): a small block keeps its bytes as it grows through the
 * size classes and past them, comes back zeroed from calloc after a dirty life, and a
 * zeroed block of a page or more (or a frame buffer) has pages of its own, in the table
 * until freed. */
START_TEST(test_h2_mem_classes)
{
	static struct h2 h;
	nghttp2_mem m;
	unsigned char *p, *q;
	static const size_t sizes[] = { 1, 63, 64, 65, 200, 512, 513, 3000, 100, 10 };
	size_t have = 0;

	memset(&h, 0, sizeof(h));
	h2_mem_init(&m, &h);
	ck_assert_ptr_null(m.malloc(SIZE_MAX - 8, m.mem_user_data));
	p = m.malloc(0, m.mem_user_data);
	ck_assert_ptr_nonnull(p);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t keep = have < sizes[k] ? have : sizes[k];

		p = m.realloc(p, sizes[k], m.mem_user_data);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		for (size_t i = 0; i < keep; i++)
			ck_assert_uint_eq(p[i], (unsigned char)(i * 7 + 1));
		for (size_t i = 0; i < sizes[k]; i++)
			p[i] = (unsigned char)(i * 7 + 1);
		have = sizes[k];
	}
	m.free(p, m.mem_user_data);
	m.free(NULL, m.mem_user_data);
	for (int r = 0; r < 3; r++) {   /* (the same class's block, back from the cache) */
		p = m.malloc(100, m.mem_user_data);
		memset(p, 0xff, 100);
		m.free(p, m.mem_user_data);
		q = m.calloc(10, 10, m.mem_user_data);
		for (int i = 0; i < 100; i++)
			ck_assert_uint_eq(q[i], 0);
		m.free(q, m.mem_user_data);
	}
	p = m.calloc(2, 4096, m.mem_user_data);
	q = m.realloc(NULL, 16393, m.mem_user_data);   /* a frame buffer */
	ck_assert_uint_eq((uintptr_t)p % 4096, 0);
	ck_assert_uint_eq((uintptr_t)q % 4096, 0);
	ck_assert_ptr_eq(h.paged[0].p, p);
	ck_assert_int_eq(h.paged[0].frames, 0);
	ck_assert_ptr_eq(h.paged[1].p, q);
	ck_assert_int_eq(h.paged[1].frames, 1);
	ck_assert_uint_eq(p[8191], 0);
	m.free(p, m.mem_user_data);
	ck_assert_ptr_null(h.paged[0].p);
	q[0] = 42;
	q = m.realloc(q, 20000, m.mem_user_data);   /* (never done by nghttp2: to the heap) */
	ck_assert_uint_eq(q[0], 42);
	ck_assert_ptr_null(h.paged[1].p);
	m.free(q, m.mem_user_data);
	h2_mem_cache_drain();
}
END_TEST

static Suite *
h2_suite(void)
{
	Suite *s = suite_create("h2");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_h2_get_answered_later);
	tcase_add_test(tc, test_h2_response_hop_fields);
	tcase_add_test(tc, test_h2_response_204_without_length);
	tcase_add_test(tc, test_h2_response_many_fields);
	tcase_add_test(tc, test_h2_get_any_split);
	tcase_add_loop_test(tc, test_h2_sync_answer, 0,
	    (int)(sizeof(sync_cases) / sizeof(sync_cases[0])));
	tcase_add_loop_test(tc, test_h2_early_answer, 0,
	    (int)(sizeof(early_cases) / sizeof(early_cases[0])));
	tcase_add_test(tc, test_h2_response_cut);
	tcase_add_test(tc, test_h2_client_reset_mid_response);
	tcase_add_loop_test(tc, test_h2_bad_request_refused, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_h2_lower_stream_id);
	tcase_add_test(tc, test_h2_initial_window_overflow);
	tcase_add_test(tc, test_h2_idle_timeout_goaway_sent);
	tcase_add_test(tc, test_h2_stop_in_flight);
	tcase_add_test(tc, test_h2_retire_after_early_answer);
	tcase_add_test(tc, test_h2_queued_uploads_give_the_connection_window);
	tcase_add_test(tc, test_h2_eof_in_flight);
	tcase_add_test(tc, test_h2_rapid_reset_goaway);
	tcase_add_loop_test(tc, test_h2_push_every_stream, 0,
	    (int)(sizeof(push_cases) / sizeof(push_cases[0])));
	tcase_add_test(tc, test_h2_stream_freed_in_its_sending_pass);
	tcase_add_test(tc, test_h2_streams_reused);
	tcase_add_test(tc, test_h2_mem_classes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(h2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
