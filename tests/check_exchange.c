/*
 * check_exchange — one request and its response (src/core/exchange.c) through its own seams,
 * as check_h2 tests h2.c: this file includes the .c under test, and the test binary is
 * linked without exchange.o and upstream.o (Makefile), so that what exchange.c calls
 * outside itself is either real or a fake defined here:
 *   - real: the configuration (conf_parse of the text below: a site with a backend, one
 *     without (the diagnostic page), a stopped one, one whose paths want client
 *     certificates), routing (binding.c), verdicts (certstore.c, clientcert.c), HTTP.SYS's
 *     pages (respond.c), request heads (http.c's parser) and the W3C and HTTPERR logs
 *     (accesslog.c, writing files in a temporary directory);
 *   - the framing: a recording exchange_ops (every call, in order, with its arguments)
 *     that fails the test on any call after the exchange ended, and on a second end;
 *   - the backend: a recording upstream_xfer_* whose callbacks (struct upstream_cb) the
 *     test drives, as upstream.c would from its event callbacks.
 * Tests observe only what the framing, the backend and the log files are told; they read
 * none of exchange.c's private fields.
 */
#include "../src/core/exchange.c"

#include <stdarg.h>
#include <unistd.h>
#include <check.h>
#include <openssl/pem.h>
#include <openssl/evp.h>

/* ---------- the event log: the framing's and the backend's calls, one a line ---------- */

static struct evbuffer *evlog;

static void
ev(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(evlog, fmt, ap);
	va_end(ap);
	evbuffer_add(evlog, "\n", 1);
}

/* What was logged so far (valid until the next ev_text or ev). */
static const char *
ev_text(void)
{
	static char buf[16384];
	size_t n = evbuffer_copyout(evlog, buf, sizeof(buf) - 1);

	buf[n] = '\0';
	return buf;
}

static void
ev_clear(void)
{
	evbuffer_drain(evlog, evbuffer_get_length(evlog));
}

/* ---------- the framing (exchange_ops) ---------- */

/* One exchange as its framing sees it: how many times it ended (end, reset, a page the
 * framing could not take, or an abort of an unfinished exchange): exactly once by its
 * free. */
struct frec {
	struct exchange *x;
	int              ends;
};

#define MAX_X 8
static struct frec recs[MAX_X];
static int op_head_ret, op_page_ret, op_trailers_ret, op_full_ret, op_cc_ret;
static char page_body[65536];   /* the body of the last page */

static struct frec *
rec_of(struct exchange *x)
{
	for (int i = 0; i < MAX_X; i++)
		if (recs[i].x == x)
			return &recs[i];
	ck_abort_msg("an ops call for an exchange the test does not know");
	return NULL;
}

static void
op_live(struct exchange *x, const char *what)
{
	ck_assert_msg(rec_of(x)->ends == 0, "ops->%s after the exchange ended", what);
}

static int
op_head(void *conn, struct exchange *x, const struct http_head *resp, int bodiless)
{
	op_live(x, "head");
	ev("head %d bodiless=%d", resp->status, bodiless);
	return op_head_ret;
}

static const char *
msg_field(const struct respond_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (strcasecmp(m->fields[i].name, name) == 0)
			return m->fields[i].value;
	return "-";
}

static int
op_page(void *conn, struct exchange *x, const struct respond_msg *m, int close)
{
	size_t n = m->body != NULL ? evbuffer_copyout(m->body, page_body,
	    sizeof(page_body) - 1) : 0;

	op_live(x, "page");
	page_body[n] = '\0';
	ev("page %d close=%d %s", m->status, close, msg_field(m, "Content-Type"));
	if (op_page_ret != 0)
		rec_of(x)->ends++;   /* the connection is closing: that ends it */
	return op_page_ret;
}

static int
op_body(void *conn, struct exchange *x, const char *data, size_t len)
{
	op_live(x, "body");
	ev("body %.*s", (int)len, data);
	return 0;
}

static int
op_trailers(void *conn, struct exchange *x, const struct http_fields *t)
{
	op_live(x, "trailers");
	ev("trailers %zu", t->n);
	return op_trailers_ret;
}

static void
op_end(void *conn, struct exchange *x, enum exchange_end how)
{
	op_live(x, "end");
	rec_of(x)->ends++;
	ev("end %s", how == EXCHANGE_END_OK ? "ok" : "cut");
}

static int
op_full(void *conn, struct exchange *x)
{
	op_live(x, "full");
	return op_full_ret;
}

static void
op_pause_request(void *conn, struct exchange *x, int on)
{
	op_live(x, "pause_request");
	ev("pause_request %d", on);
}

static void
op_upgraded(void *conn, struct exchange *x)
{
	op_live(x, "upgraded");
	ev("upgraded");
}

static int
op_client_cert(void *conn, struct exchange *x, const STACK_OF(X509_NAME) *ca)
{
	op_live(x, "client_cert");
	ev("client_cert");
	return op_cc_ret;
}

static void
op_reset(void *conn, struct exchange *x, enum exchange_reset how)
{
	op_live(x, "reset");
	rec_of(x)->ends++;
	ev("reset %s", how == EXCHANGE_RESET_CONNECTION ? "connection" : "http_1_1_required");
}

static const struct exchange_ops fops = {
	.head = op_head, .page = op_page, .body = op_body, .trailers = op_trailers,
	.end = op_end, .full = op_full, .pause_request = op_pause_request,
	.upgraded = op_upgraded, .client_cert = op_client_cert, .reset = op_reset,
};
/* A framing that cannot ask for a client certificate (HTTP/2's: no ->client_cert). */
static const struct exchange_ops fops_nocc = {
	.head = op_head, .page = op_page, .body = op_body, .trailers = op_trailers,
	.end = op_end, .full = op_full, .pause_request = op_pause_request,
	.upgraded = op_upgraded, .client_cert = NULL, .reset = op_reset,
};

/* ---------- the backend (upstream.h) ---------- */

struct upstream_xfer {
	struct upstream_req req;
	char                fwd[8192];   /* the head as it would go to the backend */
	int                 stopped;
};

static struct upstream_xfer *up;     /* the live transfer (one at a time) */
static int up_start_fails, up_body_ret;

struct upstream_xfer *
upstream_xfer_start(struct upstream_pool *p, const struct conf_site *site,
    const struct upstream_req *req)
{
	struct evbuffer *b;
	size_t n;

	ev("up start %s %s", req->head->method, site->name);
	if (up_start_fails)
		return NULL;
	ck_assert_msg(up == NULL, "a second transfer while one is live");
	up = calloc(1, sizeof(*up));
	ck_assert_ptr_nonnull(up);
	up->req = *req;
	b = evbuffer_new();
	ck_assert_int_eq(http_request_serialize(req->head, &req->fw, b), 0);
	n = evbuffer_copyout(b, up->fwd, sizeof(up->fwd) - 1);
	up->fwd[n] = '\0';
	evbuffer_free(b);
	return up;
}

int
upstream_xfer_body(struct upstream_xfer *x, const char *data, size_t len)
{
	ck_assert_msg(!x->stopped, "request body for a stopped transfer");
	ev("up body %.*s", (int)len, data);
	return up_body_ret;
}

/* (a block is never moved here: the body is copied, src keeps it) */
int
upstream_xfer_body_from(struct upstream_xfer *x, struct iobuf *src, const char *data,
    size_t len, size_t *lost)
{
	(void)src;
	*lost = 0;
	return upstream_xfer_body(x, data, len);
}

int
upstream_xfer_body_end(struct upstream_xfer *x, const struct http_fields *t)
{
	ck_assert_msg(!x->stopped, "request end for a stopped transfer");
	ev("up body_end trailers=%zu", t != NULL ? t->n : 0);
	return 0;
}

int
upstream_xfer_tunnel_end(struct upstream_xfer *x)
{
	ck_assert_msg(!x->stopped, "tunnel end for a stopped transfer");
	ev("up tunnel_end");
	return 0;
}

void
upstream_xfer_push(struct upstream_xfer *x)
{
	ck_assert_msg(!x->stopped, "push of a stopped transfer");
	ev("up push");
}

void
upstream_xfer_resume(struct upstream_xfer *x)
{
	ck_assert_msg(!x->stopped, "resume of a stopped transfer");
	ev("up resume");
}

void
upstream_xfer_stop(struct upstream_xfer *x)
{
	ev("up stop");
	x->stopped = 1;
}

const char *upstream_xfer_backend(const struct upstream_xfer *x) { return "127.0.0.1:8081"; }

/* No application pool state in these tests (issue 25's queue and rapid-fail protection
 * have their own: check_apppool, test_apppool.sh): every request goes straight on. */
struct apppool_state *upstream_apppool(struct upstream_pool *p, const struct conf_site *site)
{
	return NULL;
}

struct queue *upstream_queue(struct upstream_pool *p) { return NULL; }

void
upstream_xfer_free(struct upstream_xfer *x)
{
	if (x == NULL)
		return;
	ck_assert_msg(x == up, "upstream_xfer_free of a transfer not live (twice?)");
	ev("up free");
	free(x);
	up = NULL;
}

/* The backend's side, as upstream.c calls it (never after the transfer was stopped). */
static int
be_head(int status, int bodiless)
{
	static struct http_header f[] = {
		{ "Content-Type", "text/plain", 12, 10, HF_OTHER },
	};
	struct http_head h;

	ck_assert_ptr_nonnull(up);
	ck_assert_msg(!up->stopped, "the backend called after stop");
	memset(&h, 0, sizeof(h));
	h.status = status;
	h.reason = "X";
	h.version_major = 1;
	h.version_minor = 1;
	h.headers = f;
	h.nheaders = 1;
	h.content_length = -1;
	h.upgrade = status == 101;
	return up->req.cb->head(up->req.arg, &h, bodiless);
}

static int
be_body(const char *s)
{
	ck_assert_msg(up != NULL && !up->stopped, "the backend called after stop");
	return up->req.cb->body(up->req.arg, s, strlen(s));
}

static void
be_end(void)
{
	ck_assert_msg(up != NULL && !up->stopped, "the backend called after stop");
	up->req.cb->end(up->req.arg);
}

static void
be_failed(int page, int win32)
{
	ck_assert_msg(up != NULL && !up->stopped, "the backend called after stop");
	up->req.cb->failed(up->req.arg, page, win32, "the backend failed (test)");
}

static void
be_drained(void)
{
	ck_assert_msg(up != NULL && !up->stopped, "the backend called after stop");
	up->req.cb->drained(up->req.arg);
}

/* ---------- the configuration and the connection ---------- */

static const char conf_sites[] =
    "[site Back]\n"
    "id = 1\n"
    "bindings = http/*:80:back.example, https/*:443:back.example\n"
    "backend = http://127.0.0.1:8081\n"
    "[site Diag]\n"
    "id = 2\n"
    "bindings = http/*:80:diag.example\n"
    "[site Stopped]\n"
    "id = 3\n"
    "bindings = http/*:80:stopped.example\n"
    "state = stopped\n"
    "[site Secure]\n"
    "id = 4\n"
    "bindings = https/*:443:secure.example, http/*:80:secure.example\n"
    "backend = http://127.0.0.1:8082\n"
    "[location Secure/private]\n"
    "ssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n"
    "[location Secure/accept]\n"
    "ssl_flags = SslNegotiateCert\n"
    "[location Secure/only]\n"
    "ssl_flags = SslRequireCert\n";

static struct conf *cfg;
static struct conn_server srv;
static struct exchange_conn xc;
static int fconn;                   /* the framing's connection: only its address is used */
static char tmpdir[64], w3c_path[128], httperr_path[128], trust_path[128];

static void tls_clear(void);

/* A connection over proto ("HTTP/1.1" or "HTTP/2" as version). */
static void
t_conn(enum binding_proto proto, const char *version)
{
	free(xc.verdict_host);
	free(xc.route_host);
	free(xc.cc_b64);
	memset(&xc, 0, sizeof(xc));
	xc.id = 7;
	xc.srv = &srv;
	xc.cfg = cfg;
	xc.proto = proto;
	ck_assert_int_eq(binding_addr_parse("127.0.0.1", &xc.local), 0);
	xc.port = proto == BINDING_HTTPS ? 443 : 80;
	ck_assert_int_eq(binding_addr_parse("127.0.0.2", &xc.peer), 0);
	xc.peer_port = 50000;
	xc.version = version;
	xc.verdict = -1;
	xc.cc_chain = -1;
	if (proto == BINDING_HTTPS) {
		xc.tls_version = "TLSv1.2";
		xc.tls_cipher = "ECDHE-RSA-AES128-GCM-SHA256";
	}
}

/* A test's start, under the configuration above with server (more [server] lines: NULL
 * for none). */
static void
t_start_with(const char *server)
{
	char err[1024], text[4096];

	evlog = evbuffer_new();
	memset(recs, 0, sizeof(recs));
	op_head_ret = op_page_ret = op_full_ret = op_cc_ret = 0;
	op_trailers_ret = 0;
	up = NULL;
	up_start_fails = up_body_ret = 0;
	snprintf(text, sizeof(text), "[server]\nupload_read_ahead_size = 64\n%s%s",
	    server != NULL ? server : "", conf_sites);
	conf_free(cfg);
	/* (CONF_LOAD_CERTS: the trusted roots are loaded as the daemon loads them) */
	cfg = conf_parse(text, "t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_exchange.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	snprintf(w3c_path, sizeof(w3c_path), "%s/u_ex.log", tmpdir);
	snprintf(httperr_path, sizeof(httperr_path), "%s/httperr.log", tmpdir);
	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	srv.access = accesslog_open(w3c_path, ACCESSLOG_W3C, err, sizeof(err));
	ck_assert_msg(srv.access != NULL, "%s", err);
	srv.httperr = accesslog_open(httperr_path, ACCESSLOG_HTTPERR, err, sizeof(err));
	ck_assert_msg(srv.httperr != NULL, "%s", err);
	t_conn(BINDING_HTTP, "HTTP/1.1");
}

static void t_start(void) { t_start_with(NULL); }

/* The test's temporary directory, made before the configuration when the test writes
 * files it names. */
static const char *
t_dir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_exchange.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	return tmpdir;
}

/* ---- request heads, parsed by the real parser (alive until the next t_parse) ---- */

static struct http_parser *rq_parser[MAX_X];
static struct http_head *rq_head;

static int rq_on_head(void *arg, struct http_head *h) { rq_head = h; return 0; }
static int rq_on_body(void *arg, const char *data, size_t len) { return 0; }
static int rq_on_end(void *arg) { return 0; }

/* The head of raw (a request head, "\r\n" line ends, its blank line included). */
static struct http_head *
t_parse(const char *raw)
{
	static const struct http_callbacks cb = { rq_on_head, rq_on_body, rq_on_end };
	static const struct http_limits lim = { 16384, 16384, 16384 };
	struct http_parser *p = NULL;
	enum http_feed r;
	size_t used = 0;
	int i;

	for (i = 0; i < MAX_X && rq_parser[i] != NULL; i++)
		;
	ck_assert_int_lt(i, MAX_X);
	p = rq_parser[i] = http_parser_new(HTTP_PARSE_REQUEST, &lim, &cb, NULL);
	ck_assert_ptr_nonnull(p);
	http_parser_pause_after_head(p, 1);
	rq_head = NULL;
	r = http_parser_feed(p, raw, strlen(raw), &used);
	ck_assert_msg(r != HTTP_FEED_ERROR, "the test's request does not parse: %s", raw);
	ck_assert_ptr_nonnull(rq_head);
	return rq_head;
}

/* The head of raw as h2.c hands it over (version 2.0). */
static struct http_head *
t_parse_h2(const char *raw)
{
	struct http_head *h = t_parse(raw);

	h->version_major = 2;
	h->version_minor = 0;
	return h;
}

/* ---- exchanges: the framing's side ---- */

static struct exchange *
x_new_ops(const struct exchange_ops *ops)
{
	struct exchange *x = exchange_new(ops, &fconn, &xc);
	int i;

	ck_assert_ptr_nonnull(x);
	for (i = 0; i < MAX_X && recs[i].x != NULL; i++)
		ck_assert_msg(recs[i].x != x, "exchange_new gave a live exchange");
	ck_assert_int_lt(i, MAX_X);
	recs[i].x = x;
	recs[i].ends = 0;
	return x;
}

static struct exchange *x_new(void) { return x_new_ops(&fops); }

/* The connection aborts x (closing): an unfinished exchange ends by it. */
static void
x_abort(struct exchange *x, const char *reason, int win32)
{
	if (!exchange_done(x))
		rec_of(x)->ends++;
	exchange_abort(x, reason, win32);
}

/* The framing frees x: it ended exactly once. */
static void
x_free(struct exchange *x)
{
	struct frec *r = rec_of(x);

	ck_assert_msg(exchange_done(x), "exchange freed unfinished (the framing would abort it)");
	ck_assert_msg(r->ends == 1, "the exchange ended %d times (end, reset, abort)", r->ends);
	r->x = NULL;
	exchange_free(x);
}

static void
t_end(void)
{
	for (int i = 0; i < MAX_X; i++) {
		ck_assert_msg(recs[i].x == NULL, "an exchange the test did not free");
		http_parser_free(rq_parser[i]);
		rq_parser[i] = NULL;
	}
	ck_assert_msg(up == NULL, "a transfer exchange.c never freed");
	exchange_cache_drain();
	accesslog_close(srv.access);
	accesslog_close(srv.httperr);
	unlink(w3c_path);
	unlink(httperr_path);
	if (trust_path[0] != '\0')
		unlink(trust_path);
	trust_path[0] = '\0';
	ck_assert_int_eq(rmdir(tmpdir), 0);
	tmpdir[0] = '\0';
	evbuffer_free(evlog);
	t_conn(BINDING_HTTP, "HTTP/1.1");   /* frees what the connection's cache held */
	tls_clear();
	conf_free(cfg);
	cfg = NULL;
}

/* ---------- the log files ---------- */

/* Line i (0: the first) of path that is not a # directive, split into fields; returns
 * the number of such lines. */
static int
file_line(const char *path, int i, char fields[][256], int maxf, int *nf)
{
	char line[4096];
	int n = 0;
	FILE *f;

	accesslog_flush_all();
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		if (n++ == i && fields != NULL) {
			char *save = NULL, *tok = strtok_r(line, " \r\n", &save);

			*nf = 0;
			while (tok != NULL && *nf < maxf) {
				snprintf(fields[(*nf)++], 256, "%s", tok);
				tok = strtok_r(NULL, " \r\n", &save);
			}
		}
	}
	fclose(f);
	return n;
}

static int w3c_count(void) { return file_line(w3c_path, -1, NULL, 0, NULL); }
static int httperr_count(void) { return file_line(httperr_path, -1, NULL, 0, NULL); }

/* W3C line i: "cs-method cs-uri-stem sc-status sc-substatus sc-win32-status s-sitename". */
static const char *
w3c(int i)
{
	static char out[2048];
	char f[24][256];
	int nf = 0;

	ck_assert_int_gt(file_line(w3c_path, i, f, 24, &nf), i);
	ck_assert_int_ge(nf, 17);
	snprintf(out, sizeof(out), "%s %s %s %s %s %s", f[3], f[4], f[12], f[13], f[14], f[16]);
	return out;
}

/* HTTPERR line i: "cs-version cs-method cs-uri streamid sc-status s-siteid s-reason
 * s-queuename". */
static const char *
httperr(int i)
{
	static char out[2048];
	char f[16][256];
	int nf = 0;

	ck_assert_int_gt(file_line(httperr_path, i, f, 16, &nf), i);
	ck_assert_int_eq(nf, 14);
	snprintf(out, sizeof(out), "%s %s %s %s %s %s %s %s", f[6], f[7], f[8], f[9], f[10],
	    f[11], f[12], f[13]);
	return out;
}

/* ---------- tests ---------- */

/* A GET to a site with a backend: the backend gets the head, forwarded with X-Forwarded-*
 * (and without the client-certificate header the client made up itself); the head and
 * body it answers go to the framing once each, in order; one W3C line, no HTTPERR. */
START_TEST(test_exchange_proxied_get)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET /a/b?q=1 HTTP/1.1\r\nHost: back.example\r\n"
	    "User-Agent: t/1\r\nX-ARR-ClientCert: forged\r\n\r\n"), 0);
	exchange_push(x);
	ck_assert_str_eq(ev_text(), "up start GET Back\nup push\n");
	ck_assert_ptr_nonnull(strstr(up->fwd, "GET /a/b?q=1 HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(up->fwd, "\r\nX-Forwarded-For: 127.0.0.2\r\n"));
	ck_assert_ptr_nonnull(strstr(up->fwd, "\r\nX-Forwarded-Proto: http\r\n"));
	ck_assert_ptr_nonnull(strstr(up->fwd, "\r\nX-Forwarded-Host: back.example\r\n"));
	ck_assert_msg(strstr(up->fwd, "forged") == NULL, "a client's X-ARR-ClientCert passed:\n%s",
	    up->fwd);
	ck_assert_int_eq(x->status, 0);
	ck_assert_int_eq(exchange_done(x), 0);
	ev_clear();
	ck_assert_int_eq(be_head(200, 0), 0);
	ck_assert_int_eq(be_body("hello"), 0);
	ck_assert_int_eq(be_body(" world"), 0);
	be_end();
	ck_assert_str_eq(ev_text(), "head 200 bodiless=0\nbody hello\nbody  world\nend ok\n");
	ck_assert_int_eq(x->status, 200);
	ck_assert_int_eq(exchange_done(x), 1);
	/* closing after the end: no line, no ops call (the transfer, already given back, is
	 * told to stop: harmless) */
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	x_free(x);
	ck_assert_str_eq(ev_text(), "head 200 bodiless=0\nbody hello\nbody  world\nend ok\n"
	    "up stop\nup free\n");
	ck_assert_int_eq(w3c_count(), 1);
	ck_assert_str_eq(w3c(0), "GET /a/b 200 0 0 Back");
	ck_assert_int_eq(httperr_count(), 0);
	t_end();
}
END_TEST

/* The backend's responses, as the framing and the W3C line see them. */
static const struct resp_case {
	const char *method;
	int         status, bodiless;
	const char *body;         /* NULL: none */
	const char *want;         /* the framing's calls */
	const char *w3c;
} resp_cases[] = {
	{ "GET", 200, 0, "x", "head 200 bodiless=0\nbody x\nend ok\n", "GET / 200 0 0 Back" },
	{ "GET", 204, 1, NULL, "head 204 bodiless=1\nend ok\n", "GET / 204 0 0 Back" },
	{ "GET", 304, 1, NULL, "head 304 bodiless=1\nend ok\n", "GET / 304 0 0 Back" },
	{ "HEAD", 200, 1, NULL, "head 200 bodiless=1\nend ok\n", "HEAD / 200 0 0 Back" },
	{ "GET", 404, 0, "no", "head 404 bodiless=0\nbody no\nend ok\n", "GET / 404 0 0 Back" },
	{ "GET", 500, 0, NULL, "head 500 bodiless=0\nend ok\n", "GET / 500 0 0 Back" },
	{ "DELETE", 202, 0, "k", "head 202 bodiless=0\nbody k\nend ok\n",
	  "DELETE / 202 0 0 Back" },
};

START_TEST(test_exchange_backend_response)
{
	const struct resp_case *tc = &resp_cases[_i];
	char raw[256];
	struct exchange *x;

	t_start();
	snprintf(raw, sizeof(raw), "%s / HTTP/1.1\r\nHost: back.example\r\n\r\n", tc->method);
	x = x_new();
	exchange_request(x, t_parse(raw), 0);
	exchange_push(x);
	ev_clear();
	ck_assert_int_eq(be_head(tc->status, tc->bodiless), 0);
	if (tc->body != NULL)
		ck_assert_int_eq(be_body(tc->body), 0);
	be_end();
	ck_assert_str_eq(ev_text(), tc->want);
	ck_assert_int_eq(x->status, tc->status);
	x_free(x);
	ck_assert_int_eq(w3c_count(), 1);
	ck_assert_str_eq(w3c(0), tc->w3c);
	ck_assert_int_eq(httperr_count(), 0);
	t_end();
}
END_TEST

/* Interim responses go to the framing as bodiless heads and do not end anything; the
 * backend's trailer section goes to the framing before the end. */
START_TEST(test_exchange_interim_and_trailers)
{
	struct http_fields t;
	struct exchange *x;

	t_start();
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(http_fields_add(&t, "X-Checksum", 10, "abc", 3, 0), 0);
	x = x_new();
	exchange_request(x, t_parse("GET / HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	ev_clear();
	ck_assert_int_eq(be_head(103, 1), 0);
	ck_assert_int_eq(x->status, 0);
	ck_assert_int_eq(be_head(200, 0), 0);
	ck_assert_int_eq(be_body("b"), 0);
	ck_assert_int_eq(up->req.cb->trailers(up->req.arg, &t), 0);
	be_end();
	ck_assert_str_eq(ev_text(), "head 103 bodiless=1\nhead 200 bodiless=0\nbody b\n"
	    "trailers 1\nend ok\n");
	x_free(x);
	ck_assert_str_eq(w3c(0), "GET / 200 0 0 Back");
	http_fields_clear(&t);
	t_end();
}
END_TEST

/* The client's output is full: the backend is told to pause (1), and resumed once the
 * framing has room again. */
START_TEST(test_exchange_response_backpressure)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET / HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	ev_clear();
	ck_assert_int_eq(be_head(200, 0), 0);
	op_full_ret = 1;
	ck_assert_int_eq(be_body("a"), 1);
	op_full_ret = 0;
	exchange_resp_drained(x);
	ck_assert_int_eq(be_body("b"), 0);
	be_end();
	exchange_resp_drained(x);   /* after the end: nothing */
	ck_assert_str_eq(ev_text(), "head 200 bodiless=0\nbody a\nup resume\nbody b\nend ok\n");
	x_free(x);
	t_end();
}
END_TEST

/* The backend failed: before a response head, the page its failure names (and an HTTPERR
 * line with the application pool's reason); after it, the response is cut.  Never a
 * reset of the client's connection. */
static const struct fail_case {
	int         page, win32, started;
	const char *want, *w3c, *httperr;
} fail_cases[] = {
	{ PAGE_SERVICE_UNAVAILABLE, WIN32_CONNECTION_REFUSED, 0,
	  "up stop\npage 503 close=1 text/html; charset=us-ascii\nend ok\n",
	  "GET / 503 0 1225 Back", "HTTP/1.1 GET / - 503 1 N/A Back" },
	{ PAGE_GATEWAY_TIMEOUT, WIN32_SEM_TIMEOUT, 0,
	  "up stop\npage 504 close=1 text/html; charset=us-ascii\nend ok\n",
	  "GET / 504 0 121 Back", "HTTP/1.1 GET / - 504 1 Timer_AppPool Back" },
	{ PAGE_BAD_GATEWAY, WIN32_INVALID_DATA, 0,
	  "up stop\npage 502 close=1 text/html; charset=us-ascii\nend ok\n",
	  "GET / 502 0 13 Back", "HTTP/1.1 GET / - 502 1 Connection_Abandoned_By_AppPool Back" },
	{ PAGE_BAD_GATEWAY, WIN32_NETNAME_DELETED, 1,
	  "head 200 bodiless=0\nbody part\nend cut\n",
	  "GET / 200 0 64 Back", "HTTP/1.1 GET / - - 1 Connection_Abandoned_By_AppPool Back" },
	{ PAGE_GATEWAY_TIMEOUT, WIN32_SEM_TIMEOUT, 1,
	  "head 200 bodiless=0\nbody part\nend cut\n",
	  "GET / 200 0 121 Back", "HTTP/1.1 GET / - - 1 Timer_AppPool Back" },
};

START_TEST(test_exchange_backend_failed)
{
	const struct fail_case *tc = &fail_cases[_i];
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET / HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	ev_clear();
	if (tc->started) {
		ck_assert_int_eq(be_head(200, 0), 0);
		ck_assert_int_eq(be_body("part"), 0);
	}
	be_failed(tc->page, tc->win32);
	ck_assert_str_eq(ev_text(), tc->want);
	ck_assert_int_eq(exchange_done(x), 1);
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);   /* closing: a no-op */
	x_free(x);
	ck_assert_int_eq(w3c_count(), 1);
	ck_assert_str_eq(w3c(0), tc->w3c);
	ck_assert_int_eq(httperr_count(), 1);
	ck_assert_str_eq(httperr(0), tc->httperr);
	t_end();
}
END_TEST

/* No connection to the backend can even be attempted: 503, as refused. */
START_TEST(test_exchange_backend_cannot_start)
{
	struct exchange *x;

	t_start();
	up_start_fails = 1;
	x = x_new();
	exchange_request(x, t_parse("GET /s HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	ck_assert_str_eq(ev_text(), "up start GET Back\npage 503 close=1 text/html; "
	    "charset=us-ascii\nend ok\n");
	x_free(x);
	ck_assert_str_eq(w3c(0), "GET /s 503 0 1225 Back");
	ck_assert_str_eq(httperr(0), "HTTP/1.1 GET /s - 503 1 N/A Back");
	t_end();
}
END_TEST

/* Requests answered before any backend: by routing (no site, a stopped site), by the
 * connection limit, and the diagnostic page of a site without a backend. */
static const struct page_case {
	const char *raw;
	int         over_limit;
	const char *want;       /* the framing's calls */
	const char *w3c;        /* NULL: no line; "?": not checked (see the stopped site) */
	const char *httperr;    /* NULL: no line */
	const char *body;       /* a piece of the page's body */
} page_cases[] = {
	{ "GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n", 0,
	  "page 400 close=1 text/html; charset=us-ascii\nend ok\n", NULL,
	  "HTTP/1.1 GET / - 400 - Hostname -", "Invalid Hostname" },
	{ "GET /x HTTP/1.1\r\nHost: stopped.example\r\n\r\n", 0,
	  "page 503 close=1 text/html; charset=us-ascii\nend ok\n", "?",
	  "HTTP/1.1 GET /x - 503 3 Disabled Stopped", "Service Unavailable" },
	{ "GET / HTTP/1.1\r\nHost: back.example\r\n\r\n", 1,
	  "page 503 close=1 text/html; charset=us-ascii\nend ok\n", NULL,
	  "HTTP/1.1 GET / - 503 - ConnLimit -", "Service Unavailable" },
	{ "GET /d?x=1 HTTP/1.1\r\nHost: diag.example\r\n\r\n", 0,
	  "page 200 close=0 text/html; charset=utf-8\nend ok\n", "GET /d 200 0 0 Diag", NULL,
	  "Diag" },
	{ "GET /d HTTP/1.1\r\nHost: diag.example\r\nAccept: application/json\r\n\r\n", 0,
	  "page 200 close=0 application/json\nend ok\n", "GET /d 200 0 0 Diag", NULL,
	  "\"Diag\"" },
	{ "HEAD /d HTTP/1.1\r\nHost: diag.example\r\n\r\n", 0,
	  "page 200 close=0 text/html; charset=utf-8\nend ok\n", "HEAD /d 200 0 0 Diag", NULL,
	  NULL },
	/* a body left unread: the connection cannot go on after the page */
	{ "POST /d HTTP/1.1\r\nHost: diag.example\r\nContent-Length: 3\r\n\r\n", 0,
	  "page 200 close=1 text/html; charset=utf-8\nend ok\n", "POST /d 200 0 0 Diag", NULL,
	  "Diag" },
	{ "GET /d HTTP/1.1\r\nHost: diag.example\r\nConnection: upgrade\r\nUpgrade: websocket\r\n"
	  "\r\n", 0,
	  "page 200 close=1 text/html; charset=utf-8\nend ok\n", "GET /d 200 0 0 Diag", NULL,
	  "Diag" },
};

START_TEST(test_exchange_own_answer)
{
	const struct page_case *tc = &page_cases[_i];
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse(tc->raw), tc->over_limit);
	exchange_push(x);
	ck_assert_str_eq(ev_text(), tc->want);
	ck_assert_int_eq(exchange_done(x), 1);
	if (tc->body != NULL)
		ck_assert_msg(strstr(page_body, tc->body) != NULL, "no \"%s\" in the page:\n%s",
		    tc->body, page_body);
	/* what is left of the request is not read, nor forwarded */
	exchange_req_body(x, "abc", 3);
	exchange_req_end(x);
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	x_free(x);
	ck_assert_str_eq(ev_text(), tc->want);
	if (tc->w3c == NULL || strcmp(tc->w3c, "?") != 0)
		ck_assert_int_eq(w3c_count(), tc->w3c != NULL);
	if (tc->w3c != NULL && strcmp(tc->w3c, "?") != 0)
		ck_assert_str_eq(w3c(0), tc->w3c);
	ck_assert_int_eq(httperr_count(), tc->httperr != NULL);
	if (tc->httperr != NULL)
		ck_assert_str_eq(httperr(0), tc->httperr);
	t_end();
}
END_TEST

/* The request body goes to the backend in order; a full backend pauses the client's
 * request (1) until it drained (0); the end carries the request's trailer section. */
START_TEST(test_exchange_request_body)
{
	struct http_fields t;
	struct exchange *x;

	t_start();
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(http_fields_add(&t, "X-Sum", 5, "1", 1, 0), 0);
	ck_assert_int_eq(http_fields_add(&t, "X-Other", 7, "2", 1, 0), 0);
	x = x_new();
	exchange_request(x, t_parse("POST /up HTTP/1.1\r\nHost: back.example\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), 0);
	exchange_req_body(x, "one", 3);
	exchange_push(x);
	up_body_ret = 1;
	exchange_req_body(x, "two", 3);
	up_body_ret = 0;
	be_drained();
	exchange_req_body(x, "three", 5);
	exchange_req_trailers(x, &t);
	exchange_req_end(x);
	exchange_push(x);
	ck_assert_str_eq(ev_text(), "up start POST Back\nup body one\nup push\nup body two\n"
	    "pause_request 1\npause_request 0\nup body three\nup body_end trailers=2\nup push\n");
	ck_assert_ptr_nonnull(strstr(up->fwd, "\r\nTransfer-Encoding: chunked\r\n"));
	ev_clear();
	ck_assert_int_eq(be_head(201, 0), 0);
	be_end();
	ck_assert_str_eq(ev_text(), "head 201 bodiless=0\nend ok\n");
	x_free(x);
	ck_assert_str_eq(w3c(0), "POST /up 201 0 0 Back");
	http_fields_clear(&t);
	t_end();
}
END_TEST

/* A response before the request's body ended (the backend answered early): the rest of
 * the body still goes to it until the framing stops reading. */
START_TEST(test_exchange_early_response)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("PUT /f HTTP/1.1\r\nHost: back.example\r\n"
	    "Content-Length: 6\r\n\r\n"), 0);
	exchange_req_body(x, "abc", 3);
	exchange_push(x);
	ck_assert_int_eq(be_head(413, 0), 0);
	be_end();
	exchange_req_body(x, "def", 3);   /* after the end: dropped */
	exchange_req_end(x);
	ck_assert_str_eq(ev_text(), "up start PUT Back\nup body abc\nup push\n"
	    "head 413 bodiless=0\nend ok\n");
	x_free(x);
	ck_assert_str_eq(w3c(0), "PUT /f 413 0 0 Back");
	t_end();
}
END_TEST

/* The connection is going away: after the response head, the W3C line takes the win32
 * status given and the HTTPERR line the reason; the backend is stopped; the framing hears
 * nothing more; a second abort adds nothing. */
START_TEST(test_exchange_abort_after_head)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET /big HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	ck_assert_int_eq(be_head(200, 0), 0);
	ck_assert_int_eq(be_body("some"), 0);
	ev_clear();
	x_abort(x, "Timer_MinBytesPerSecond", WIN32_SEM_TIMEOUT);
	ck_assert_int_eq(exchange_done(x), 1);
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	exchange_req_body(x, "late", 4);
	exchange_req_end(x);
	exchange_resp_drained(x);
	exchange_push(x);
	ck_assert_str_eq(ev_text(), "up stop\n");
	x_free(x);
	ck_assert_int_eq(w3c_count(), 1);
	ck_assert_str_eq(w3c(0), "GET /big 200 0 121 Back");
	ck_assert_int_eq(httperr_count(), 1);
	ck_assert_str_eq(httperr(0), "HTTP/1.1 GET /big - - 1 Timer_MinBytesPerSecond Back");
	t_end();
}
END_TEST

/* Aborted before any answer: no W3C line (nothing was answered), the HTTPERR line. */
START_TEST(test_exchange_abort_before_answer)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET / HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	ev_clear();
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	ck_assert_str_eq(ev_text(), "up stop\n");
	x_free(x);
	ck_assert_int_eq(w3c_count(), 0);
	ck_assert_int_eq(httperr_count(), 1);
	ck_assert_str_eq(httperr(0), "HTTP/1.1 GET / - - 1 Connection_Dropped Back");
	t_end();
}
END_TEST

/* The framing could not take the page (the connection is closing): the exchange stops
 * there, without an end. */
START_TEST(test_exchange_page_not_taken)
{
	struct exchange *x;

	t_start();
	op_page_ret = -1;
	x = x_new();
	exchange_request(x, t_parse("GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n"), 0);
	ck_assert_str_eq(ev_text(), "page 400 close=1 text/html; charset=us-ascii\n");
	ck_assert_int_eq(exchange_done(x), 1);
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	x_free(x);
	ck_assert_int_eq(httperr_count(), 1);
	ck_assert_str_eq(httperr(0), "HTTP/1.1 GET / - 400 - Hostname -");
	t_end();
}
END_TEST

/* The framing could not take the backend's head: the backend is told to stop (-1). */
START_TEST(test_exchange_head_not_taken)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET / HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	op_head_ret = -1;
	ck_assert_int_eq(be_head(200, 0), -1);
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	x_free(x);
	ck_assert_str_eq(w3c(0), "GET / 200 0 64 Back");
	ck_assert_str_eq(httperr(0), "HTTP/1.1 GET / - - 1 Connection_Dropped Back");
	t_end();
}
END_TEST

/* A request that could not be parsed: HTTP.SYS's page for its error while nothing was
 * answered; once the response started, only a cut (the W3C line with the status sent). */
static const struct refuse_case {
	enum http_error e;
	int             with_head, started;
	const char     *want, *w3c, *httperr;
} refuse_cases[] = {
	{ HTTP_ERR_HEADER, 0, 0, "page 400 close=1 text/html; charset=us-ascii\nend ok\n", NULL,
	  "- - - - 400 - Header -" },
	{ HTTP_ERR_URL_LENGTH, 0, 0, "page 414 close=1 text/html; charset=us-ascii\nend ok\n",
	  NULL, "- - - - 414 - URL_Length -" },
	{ HTTP_ERR_VERSION, 0, 0, "page 505 close=1 text/html; charset=us-ascii\nend ok\n", NULL,
	  "- - - - 505 - Version_N/S -" },
	{ HTTP_ERR_NOT_IMPLEMENTED, 1, 0,
	  "page 501 close=1 text/html; charset=us-ascii\nend ok\n", NULL,
	  "HTTP/1.1 POST /p - 501 - N/I -" },
	/* a bad chunk after the request went to the backend, before its answer */
	{ HTTP_ERR_BAD_REQUEST, 2, 0,
	  "up stop\npage 400 close=1 text/html; charset=us-ascii\nend ok\n",
	  "POST /p 400 0 0 Back", "HTTP/1.1 POST /p - 400 1 BadRequest Back" },
	/* ... and after its answer started */
	{ HTTP_ERR_BAD_REQUEST, 2, 1, "head 200 bodiless=0\nup stop\nend cut\n",
	  "POST /p 200 0 0 Back", NULL },
};

START_TEST(test_exchange_refuse)
{
	const struct refuse_case *tc = &refuse_cases[_i];
	struct http_head *h = NULL;
	struct exchange *x;

	t_start();
	x = x_new();
	if (tc->with_head)
		h = t_parse("POST /p HTTP/1.1\r\nHost: back.example\r\nTransfer-Encoding: chunked"
		    "\r\n\r\n");
	if (tc->with_head == 2) {
		exchange_request(x, h, 0);
		exchange_push(x);
		ev_clear();
		if (tc->started)
			ck_assert_int_eq(be_head(200, 0), 0);
	}
	exchange_refuse(x, tc->e, "test", h);
	ck_assert_str_eq(ev_text(), tc->want);
	exchange_refuse(x, tc->e, "test", h);   /* done: nothing more */
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	x_free(x);
	ck_assert_int_eq(w3c_count(), tc->w3c != NULL);
	if (tc->w3c != NULL)
		ck_assert_str_eq(w3c(0), tc->w3c);
	ck_assert_int_eq(httperr_count(), tc->httperr != NULL);
	if (tc->httperr != NULL)
		ck_assert_str_eq(httperr(0), tc->httperr);
	t_end();
}
END_TEST

/* A 101: the framing hears the upgrade, tunnel bytes go both ways, the client's end ends
 * the backend's side, the backend's end ends the exchange. */
START_TEST(test_exchange_upgrade_tunnel)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET /ws HTTP/1.1\r\nHost: back.example\r\n"
	    "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n"), 0);
	exchange_push(x);
	ck_assert_ptr_nonnull(strstr(up->fwd, "\r\nUpgrade: websocket\r\n"));
	ev_clear();
	ck_assert_int_eq(be_head(101, 1), 0);
	exchange_req_body(x, "ping", 4);
	ck_assert_int_eq(be_body("pong"), 0);
	exchange_req_end(x);
	be_end();
	ck_assert_str_eq(ev_text(), "head 101 bodiless=1\nupgraded\nup body ping\nbody pong\n"
	    "up tunnel_end\nend ok\n");
	x_free(x);
	ck_assert_str_eq(w3c(0), "GET /ws 101 0 0 Back");
	t_end();
}
END_TEST

/* Two requests on one connection: the second is routed as the first (the cached route),
 * to its own site when the host changes. */
START_TEST(test_exchange_keepalive_routes)
{
	static const char *const hosts[] = { "back.example", "back.example", "diag.example",
		"back.example" };
	struct exchange *x;
	char raw[128];

	t_start();
	for (size_t i = 0; i < 4; i++) {
		snprintf(raw, sizeof(raw), "GET /%zu HTTP/1.1\r\nHost: %s\r\n\r\n", i, hosts[i]);
		x = x_new();
		exchange_request(x, t_parse(raw), 0);
		exchange_push(x);
		if (up != NULL) {
			ck_assert_int_eq(be_head(200, 1), 0);
			be_end();
		}
		x_free(x);
	}
	ck_assert_str_eq(ev_text(),
	    "up start GET Back\nup push\nhead 200 bodiless=1\nend ok\nup free\n"
	    "up start GET Back\nup push\nhead 200 bodiless=1\nend ok\nup free\n"
	    "page 200 close=0 text/html; charset=utf-8\nend ok\n"
	    "up start GET Back\nup push\nhead 200 bodiless=1\nend ok\nup free\n");
	ck_assert_int_eq(w3c_count(), 4);
	ck_assert_str_eq(w3c(0), "GET /0 200 0 0 Back");
	ck_assert_str_eq(w3c(1), "GET /1 200 0 0 Back");
	ck_assert_str_eq(w3c(2), "GET /2 200 0 0 Diag");
	ck_assert_str_eq(w3c(3), "GET /3 200 0 0 Back");
	t_end();
}
END_TEST

/* HTTPS: the W3C line carries the SNI and the verdict on the certificate served (here
 * none was: "no certificate" as certstore names it), X-Forwarded-Proto says https. */
START_TEST(test_exchange_https_forwarded)
{
	struct exchange *x;
	char f[24][256];
	int nf = 0;

	t_start();
	t_conn(BINDING_HTTPS, "HTTP/1.1");
	xc.has_sni = 1;
	xc.sni = "back.example";
	x = x_new();
	exchange_request(x, t_parse("GET / HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	ck_assert_ptr_nonnull(strstr(up->fwd, "\r\nX-Forwarded-Proto: https\r\n"));
	ck_assert_ptr_null(strstr(up->fwd, "X-ARR-ClientCert"));   /* no certificate to pass */
	ck_assert_int_eq(be_head(200, 1), 0);
	be_end();
	x_free(x);
	ck_assert_int_eq(file_line(w3c_path, 0, f, 24, &nf), 1);
	ck_assert_int_eq(nf, 22);
	ck_assert_str_eq(f[6], "443");
	ck_assert_str_eq(f[18], "back.example");
	ck_assert_int_ge(xc.verdict, 0);
	ck_assert_str_eq(f[20], certstore_verdict_name((enum cert_verdict)xc.verdict));
	t_end();
}
END_TEST

/* ---- client certificates (IIS's access sslFlags) ---- */

/* A path that wants a client certificate the connection does not hold, with no SSL to
 * read (version 0: TLS 1.2 and older for clientcert_decide): the framing is asked to get
 * one, and the answer when the client sent none is IIS's 403.7 (SslRequireCert) or the
 * backend (SslNegotiateCert alone); the body read ahead meanwhile goes to the backend
 * after.  IIS writes no HTTPERR line for its own answers. */
static const struct cc_case {
	const char *raw;
	const char *body;          /* sent after the head (before the answer), NULL: none */
	int         ask_fails;     /* ops->client_cert returns -1 */
	int         no_cc_op;      /* the framing has no ->client_cert */
	const char *want;          /* the framing's (and backend's) calls: before "|", those up to
	                            * the client's answer; after it, those the answer made */
	const char *w3c;
} cc_cases[] = {
	{ "GET /private/a HTTP/1.1\r\nHost: secure.example\r\n\r\n", NULL, 0, 0,
	  "client_cert\n|page 403 close=0 text/html\nend ok\n", "GET /private/a 403 7 0 Secure" },
	{ "GET /private/a HTTP/1.1\r\nHost: secure.example\r\n\r\n", NULL, 1, 0,
	  "client_cert\npage 403 close=0 text/html\nend ok\n|", "GET /private/a 403 7 0 Secure" },
	{ "GET /private/a HTTP/1.1\r\nHost: secure.example\r\n\r\n", NULL, 0, 1,
	  "page 403 close=0 text/html\nend ok\n|", "GET /private/a 403 7 0 Secure" },
	/* SslRequireCert without SslNegotiateCert: nothing ever asks, 403.7 at once */
	{ "GET /only/ HTTP/1.1\r\nHost: secure.example\r\n\r\n", NULL, 0, 0,
	  "page 403 close=0 text/html\nend ok\n|", "GET /only/ 403 7 0 Secure" },
	/* SslNegotiateCert alone: served without one, the body read ahead first */
	{ "POST /accept/f HTTP/1.1\r\nHost: secure.example\r\nContent-Length: 5\r\n\r\n",
	  "hello", 0, 0,
	  "client_cert\n|up start POST Secure\nup body hello\nup body_end trailers=0\nup push\n"
	  "up push\n",
	  "POST /accept/f 200 0 0 Secure" },
	{ "GET /accept/f HTTP/1.1\r\nHost: secure.example\r\n\r\n", NULL, 0, 0,
	  "client_cert\n|up start GET Secure\nup push\n", "GET /accept/f 200 0 0 Secure" },
	/* Expect: 100-continue, no body byte sent yet: asked before the body comes, which
	 * then goes to the backend as it arrives */
	{ "PUT /accept/f HTTP/1.1\r\nHost: secure.example\r\nContent-Length: 5\r\n"
	  "Expect: 100-continue\r\n\r\n", NULL, 0, 0,
	  "client_cert\n|up start PUT Secure\nup push\n", "PUT /accept/f 200 0 0 Secure" },
	/* a body larger than upload_read_ahead_size (64): 413, the connection closed */
	{ "POST /private/f HTTP/1.1\r\nHost: secure.example\r\nContent-Length: 100\r\n\r\n",
	  NULL, 0, 0, "page 413 close=1 text/html\nend ok\n|", "POST /private/f 413 0 0 Secure" },
	/* a chunked body that passes it before its end: 413 too */
	{ "POST /private/f HTTP/1.1\r\nHost: secure.example\r\nTransfer-Encoding: chunked\r\n\r\n",
	  "0123456789012345678901234567890123456789012345678901234567890123456789", 0, 0,
	  "page 413 close=1 text/html\nend ok\n|", "POST /private/f 413 0 0 Secure" },
	/* the rest of the site asks nothing */
	{ "GET /open HTTP/1.1\r\nHost: secure.example\r\n\r\n", NULL, 0, 0,
	  "up start GET Secure\nup push\n|", "GET /open 200 0 0 Secure" },
};

START_TEST(test_exchange_client_cert)
{
	const struct cc_case *tc = &cc_cases[_i];
	const char *bar = strchr(tc->want, '|');
	char first[1024], text[2048];
	struct exchange *x;

	ck_assert_ptr_nonnull(bar);
	snprintf(first, sizeof(first), "%.*s", (int)(bar - tc->want), tc->want);
	t_start();
	t_conn(BINDING_HTTPS, "HTTP/1.1");
	op_cc_ret = tc->ask_fails ? -1 : 0;
	x = x_new_ops(tc->no_cc_op ? &fops_nocc : &fops);
	exchange_request(x, t_parse(tc->raw), 0);
	if (tc->body != NULL)
		exchange_req_body(x, tc->body, strlen(tc->body));
	if (!exchange_done(x) && tc->body != NULL)
		exchange_req_end(x);
	exchange_push(x);
	/* before the client answered (the part of want before '|') */
	ck_assert_str_eq(ev_text(), first);
	ev_clear();
	/* the client answered the renegotiation without a certificate */
	exchange_client_cert(x);
	ck_assert_str_eq(ev_text(), bar + 1);
	if (!exchange_done(x)) {
		ck_assert_ptr_nonnull(up);
		ck_assert_ptr_null(strstr(up->fwd, "X-ARR-ClientCert"));
		if (strstr(tc->raw, "Expect:") != NULL) {
			ev_clear();
			exchange_req_body(x, "hello", 5);
			exchange_req_end(x);
			ck_assert_str_eq(ev_text(), "up body hello\nup body_end trailers=0\n");
		}
		ck_assert_int_eq(be_head(200, 1), 0);
		be_end();
	}
	x_free(x);
	snprintf(text, sizeof(text), "%s", w3c(0));
	ck_assert_str_eq(text, tc->w3c);
	ck_assert_int_eq(w3c_count(), 1);
	ck_assert_int_eq(httperr_count(), 0);
	t_end();
}
END_TEST

/* Plain http to a path with Ssl: IIS's 403.4; to SslRequireCert: 403.7. */
START_TEST(test_exchange_client_cert_plain_http)
{
	struct exchange *x;

	t_start();
	x = x_new();
	exchange_request(x, t_parse("GET /private/ HTTP/1.1\r\nHost: secure.example\r\n\r\n"), 0);
	x_free(x);
	x = x_new();
	exchange_request(x, t_parse("GET /only/x HTTP/1.1\r\nHost: secure.example\r\n\r\n"), 0);
	x_free(x);
	ck_assert_str_eq(ev_text(), "page 403 close=0 text/html\nend ok\n"
	    "page 403 close=0 text/html\nend ok\n");
	ck_assert_str_eq(w3c(0), "GET /private/ 403 4 0 Secure");
	ck_assert_str_eq(w3c(1), "GET /only/x 403 7 0 Secure");
	ck_assert_int_eq(httperr_count(), 0);
	t_end();
}
END_TEST

/* HTTP/2 cannot ask after its handshake: the stream is reset with HTTP_1_1_REQUIRED (no
 * answer, no W3C line; the HTTPERR line says why). */
START_TEST(test_exchange_client_cert_http2)
{
	struct exchange *x;

	t_start();
	t_conn(BINDING_HTTPS, "HTTP/2");
	x = x_new_ops(&fops_nocc);
	exchange_set_stream(x, 5);
	exchange_request(x, t_parse_h2("GET /private/a HTTP/1.1\r\nHost: secure.example\r\n\r\n"),
	    0);
	exchange_push(x);
	ck_assert_str_eq(ev_text(), "reset http_1_1_required\n");
	ck_assert_int_eq(exchange_done(x), 1);
	x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);
	x_free(x);
	ck_assert_int_eq(w3c_count(), 0);
	ck_assert_int_eq(httperr_count(), 1);
	ck_assert_str_eq(httperr(0), "HTTP/2 GET /private/a 5 - 4 HTTP_1_1_Required Secure");
	t_end();
}
END_TEST

/* The narration: the same client-certificate exchange traced says what it decided.  The
 * trace lines go to the daemon log: the test reads them back from the log's sink. */
static char trace_buf[65536];

/* What the log wrote into fp since it was set as the sink, into trace_buf. */
static void
trace_read(FILE *fp)
{
	size_t n;

	log_flush();
	fflush(fp);
	rewind(fp);
	n = fread(trace_buf, 1, sizeof(trace_buf) - 1, fp);
	trace_buf[n] = '\0';
}

START_TEST(test_exchange_traced)
{
	struct exchange *x;

	FILE *log = tmpfile();

	ck_assert_ptr_nonnull(log);
	t_start();
	log_set_sink(log);
	srv.trace = 1;
	t_conn(BINDING_HTTPS, "HTTP/1.1");
	x = x_new();
	exchange_request(x, t_parse("POST /private/a HTTP/1.1\r\nHost: secure.example\r\n"
	    "Content-Length: 2\r\n\r\n"), 0);
	exchange_req_body(x, "hi", 2);
	exchange_req_end(x);
	exchange_client_cert(x);
	ck_assert_str_eq(ev_text(), "client_cert\npage 403 close=0 text/html\nend ok\n");
	x_free(x);
	log_set_sink(NULL);
	trace_read(log);
	fclose(log);
	ck_assert_msg(strstr(trace_buf, "trace conn ") != NULL, "trace:\n%s", trace_buf);
	ck_assert_msg(strstr(trace_buf, "second chicken-and-egg") != NULL, "trace:\n%s", trace_buf);
	ck_assert_msg(strstr(trace_buf, "403.7") != NULL, "trace:\n%s", trace_buf);
	ck_assert_str_eq(w3c(0), "POST /private/a 403 7 0 Secure");
	t_end();
}
END_TEST

/* ---- client certificates over a real TLS connection ---- */

/*
 * What exchange.c reads of a TLS connection it reads from its SSL (SSL_version, the
 * peer's certificate and chain): a real handshake between two SSL objects in memory
 * (a BIO pair) gives it one, TLS 1.2 or 1.3, with or without a client certificate.
 */
static SSL_CTX *tls_sctx, *tls_cctx;
static SSL *tls_s, *tls_c;
static EVP_PKEY *key_srv, *key_cli;
static X509 *crt_srv, *crt_cli;

static X509 *
tls_cert(EVP_PKEY *k, const char *cn, long from, long to)
{
	static long serial = 1;
	X509 *c = X509_new();
	X509_NAME *n;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(X509_set_version(c, 2), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(c), serial++), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(c), from));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(c), to));
	ck_assert_int_eq(X509_set_pubkey(c, k), 1);
	n = X509_get_subject_name(c);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	ck_assert_int_eq(X509_set_issuer_name(c, n), 1);
	ck_assert_int_gt(X509_sign(c, k, EVP_sha256()), 0);
	return c;
}

static int tls_accept_any(int ok, X509_STORE_CTX *ctx) { return 1; }

/* A handshake at version (TLS1_2_VERSION, TLS1_3_VERSION); the client presents cli (NULL:
 * none, and the server does not ask).  The server's SSL goes to the connection. */
static void
tls_connect(int version, X509 *cli)
{
	BIO *bs = NULL, *bc = NULL;
	int rs = 0, rc = 0;

	key_srv = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(key_srv);
	crt_srv = tls_cert(key_srv, "secure.example", -60, 3600);
	tls_sctx = SSL_CTX_new(TLS_server_method());
	tls_cctx = SSL_CTX_new(TLS_client_method());
	ck_assert(tls_sctx != NULL && tls_cctx != NULL);
	ck_assert_int_eq(SSL_CTX_set_min_proto_version(tls_sctx, version), 1);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(tls_sctx, version), 1);
	ck_assert_int_eq(SSL_CTX_set_min_proto_version(tls_cctx, version), 1);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(tls_cctx, version), 1);
	ck_assert_int_eq(SSL_CTX_use_certificate(tls_sctx, crt_srv), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(tls_sctx, key_srv), 1);
	if (cli != NULL) {
		SSL_CTX_set_verify(tls_sctx, SSL_VERIFY_PEER, tls_accept_any);
		ck_assert_int_eq(SSL_CTX_use_certificate(tls_cctx, cli), 1);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey(tls_cctx, key_cli), 1);
	}
	tls_s = SSL_new(tls_sctx);
	tls_c = SSL_new(tls_cctx);
	ck_assert(tls_s != NULL && tls_c != NULL);
	ck_assert_int_eq(BIO_new_bio_pair(&bs, 0, &bc, 0), 1);
	SSL_set_bio(tls_s, bs, bs);
	SSL_set_bio(tls_c, bc, bc);
	SSL_set_accept_state(tls_s);
	SSL_set_connect_state(tls_c);
	for (int i = 0; i < 100 && (rs != 1 || rc != 1); i++) {
		if (rc != 1)
			rc = SSL_do_handshake(tls_c);
		if (rs != 1)
			rs = SSL_do_handshake(tls_s);
	}
	ck_assert_msg(rs == 1 && rc == 1, "the in-memory handshake failed");
	ck_assert_int_eq(SSL_version(tls_s), version);
	ck_assert_int_eq(SSL_get0_peer_certificate(tls_s) != NULL, cli != NULL);
	xc.ssl = tls_s;
	xc.tls_version = version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2";
}

static void
tls_clear(void)
{
	SSL_free(tls_s);
	SSL_free(tls_c);
	SSL_CTX_free(tls_sctx);
	SSL_CTX_free(tls_cctx);
	X509_free(crt_srv);
	X509_free(crt_cli);
	EVP_PKEY_free(key_srv);
	EVP_PKEY_free(key_cli);
	tls_s = tls_c = NULL;
	tls_sctx = tls_cctx = NULL;
	crt_srv = crt_cli = NULL;
	key_srv = key_cli = NULL;
}

/* The client's certificate as the backend should get it: DER in base64, one line. */
static const char *
cli_b64(void)
{
	static char out[8192];
	unsigned char *der = NULL;
	int n = i2d_X509(crt_cli, &der);

	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(4 * ((n + 2) / 3) + 1, (int)sizeof(out));
	EVP_EncodeBlock((unsigned char *)out, der, n);
	OPENSSL_free(der);
	return out;
}

enum { CLI_NONE = 0, CLI_TRUSTED, CLI_UNTRUSTED, CLI_EXPIRED };

static const struct tls_case {
	int         version, cli;
	const char *server;    /* more [server] lines */
	const char *target;
	const char *want;      /* the framing's and the backend's calls after the head */
	const char *w3c;       /* NULL: no line */
	const char *httperr;   /* NULL: no line */
} tls_cases[] = {
	/* TLS 1.3 cannot renegotiate: Windows Server 2022 resets the connection ... */
	{ TLS1_3_VERSION, CLI_NONE, "", "/private/a", "reset connection\n", NULL,
	  "HTTP/1.1 GET /private/a - - 4 Connection_Dropped Secure" },
	/* ... 2025 answers 500.0 with ERROR_NOT_SUPPORTED (0x80070032) */
	{ TLS1_3_VERSION, CLI_NONE, "tls13_delayed_client_cert = error500\n", "/private/a",
	  "page 500 close=0 text/html\nend ok\n", "GET /private/a 500 0 2147942450 Secure",
	  NULL },
	/* TLS 1.2 without one: the renegotiation is asked for */
	{ TLS1_2_VERSION, CLI_NONE, "", "/private/a", "client_cert\n", "-", NULL },
	/* a good certificate from the handshake: served, and forwarded to the backend */
	{ TLS1_3_VERSION, CLI_TRUSTED, "", "/private/a", "up start GET Secure\nup push\n",
	  "GET /private/a 200 0 0 Secure", NULL },
	{ TLS1_2_VERSION, CLI_TRUSTED, "", "/open", "up start GET Secure\nup push\n",
	  "GET /open 200 0 0 Secure", NULL },
	/* a path that asks nothing still gets the certificate the connection holds */
	{ TLS1_2_VERSION, CLI_UNTRUSTED, "", "/open", "up start GET Secure\nup push\n",
	  "GET /open 200 0 0 Secure", NULL },
	/* a bad one: 403.16 (CERT_E_UNTRUSTEDROOT), 403.17 (CERT_E_EXPIRED), also where a
	 * certificate is only accepted */
	{ TLS1_2_VERSION, CLI_UNTRUSTED, "", "/private/a",
	  "page 403 close=0 text/html\nend ok\n", "GET /private/a 403 16 2148204809 Secure",
	  NULL },
	{ TLS1_3_VERSION, CLI_EXPIRED, "", "/accept/x",
	  "page 403 close=0 text/html\nend ok\n", "GET /accept/x 403 17 2148204801 Secure",
	  NULL },
};

START_TEST(test_exchange_client_cert_tls)
{
	const struct tls_case *tc = &tls_cases[_i];
	char server[512], raw[256], want_hdr[8300];
	struct exchange *x;
	FILE *f;

	if (tc->cli != CLI_NONE) {
		key_cli = EVP_EC_gen("P-256");
		ck_assert_ptr_nonnull(key_cli);
		crt_cli = tls_cert(key_cli, "alice", tc->cli == CLI_EXPIRED ? -7200 : -60,
		    tc->cli == CLI_EXPIRED ? -3600 : 3600);
	}
	/* the trusted roots: the client's own (self-signed) certificate, unless it is to be
	 * untrusted */
	snprintf(trust_path, sizeof(trust_path), "%s/trust.pem", t_dir());
	f = fopen(trust_path, "w");
	ck_assert_ptr_nonnull(f);
	if (tc->cli == CLI_TRUSTED || tc->cli == CLI_EXPIRED) {
		ck_assert_int_eq(PEM_write_X509(f, crt_cli), 1);
	} else {
		EVP_PKEY *k = EVP_EC_gen("P-256");
		X509 *other = tls_cert(k, "someone else", -60, 3600);

		ck_assert_int_eq(PEM_write_X509(f, other), 1);
		X509_free(other);
		EVP_PKEY_free(k);
	}
	fclose(f);
	snprintf(server, sizeof(server), "trust = %s\n%s", trust_path, tc->server);
	t_start_with(server);
	t_conn(BINDING_HTTPS, "HTTP/1.1");
	xc.has_sni = 1;
	xc.sni = "secure.example";
	tls_connect(tc->version, crt_cli);
	x = x_new();
	snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: secure.example\r\n\r\n", tc->target);
	exchange_request(x, t_parse(raw), 0);
	exchange_push(x);
	ck_assert_str_eq(ev_text(), tc->want);
	if (up != NULL) {
		snprintf(want_hdr, sizeof(want_hdr), "\r\nX-ARR-ClientCert: %s\r\n", cli_b64());
		ck_assert_msg(strstr(up->fwd, want_hdr) != NULL, "the backend did not get the "
		    "client's certificate:\n%s", up->fwd);
		ck_assert_int_eq(be_head(200, 1), 0);
		be_end();
	}
	if (!exchange_done(x))
		x_abort(x, "Connection_Dropped", WIN32_NETNAME_DELETED);   /* (still asking) */
	x_free(x);
	if (tc->w3c != NULL && strcmp(tc->w3c, "-") == 0) {
		ck_assert_int_eq(w3c_count(), 0);
	} else {
		ck_assert_int_eq(w3c_count(), tc->w3c != NULL);
		if (tc->w3c != NULL)
			ck_assert_str_eq(w3c(0), tc->w3c);
	}
	if (tc->w3c == NULL || strcmp(tc->w3c, "-") != 0) {
		ck_assert_int_eq(httperr_count(), tc->httperr != NULL);
		if (tc->httperr != NULL)
			ck_assert_str_eq(httperr(0), tc->httperr);
	}
	t_end();
}
END_TEST

/* An HTTP/2 connection whose certificate was chosen for SNI secure.example, reused by the
 * browser for back.example (coalesced): routed by :authority as HTTP.SYS does, the W3C
 * line says so (x-coalesced); with misdirected = 421, sysbind's 421. */
START_TEST(test_exchange_coalesced)
{
	struct exchange *x;
	char f[24][256];
	int nf = 0;

	t_start_with(_i == 0 ? NULL : "misdirected = 421\n");
	t_conn(BINDING_HTTPS, "HTTP/2");
	xc.has_sni = 1;
	xc.sni = "secure.example";
	x = x_new_ops(&fops_nocc);
	exchange_set_stream(x, 3);
	exchange_request(x, t_parse_h2("GET /c HTTP/1.1\r\nHost: back.example\r\n\r\n"), 0);
	exchange_push(x);
	if (_i == 0) {
		ck_assert_str_eq(ev_text(), "up start GET Back\nup push\n");
		ck_assert_int_eq(be_head(200, 1), 0);
		be_end();
		x_free(x);
		ck_assert_int_eq(file_line(w3c_path, 0, f, 24, &nf), 1);
		ck_assert_int_eq(nf, 22);
		ck_assert_str_eq(f[9], "HTTP/2");
		ck_assert_str_eq(f[16], "Back");
		ck_assert_str_eq(f[18], "secure.example");
		ck_assert_str_eq(f[21], "secure.example");
		ck_assert_int_eq(httperr_count(), 0);
	} else {
		ck_assert_str_eq(ev_text(), "page 421 close=1 text/html; charset=us-ascii\nend ok\n");
		x_free(x);
		ck_assert_str_eq(httperr(0), "HTTP/2 GET /c 3 421 1 Misdirected Back");
	}
	t_end();
}
END_TEST

static Suite *
exchange_suite(void)
{
	Suite *s = suite_create("exchange");
	TCase *tc = tcase_create("core");

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
	tcase_add_test(tc, test_exchange_proxied_get);
	tcase_add_loop_test(tc, test_exchange_backend_response, 0, N(resp_cases));
	tcase_add_test(tc, test_exchange_interim_and_trailers);
	tcase_add_test(tc, test_exchange_response_backpressure);
	tcase_add_loop_test(tc, test_exchange_backend_failed, 0, N(fail_cases));
	tcase_add_test(tc, test_exchange_backend_cannot_start);
	tcase_add_loop_test(tc, test_exchange_own_answer, 0, N(page_cases));
	tcase_add_test(tc, test_exchange_request_body);
	tcase_add_test(tc, test_exchange_early_response);
	tcase_add_test(tc, test_exchange_abort_after_head);
	tcase_add_test(tc, test_exchange_abort_before_answer);
	tcase_add_test(tc, test_exchange_page_not_taken);
	tcase_add_test(tc, test_exchange_head_not_taken);
	tcase_add_loop_test(tc, test_exchange_refuse, 0, N(refuse_cases));
	tcase_add_test(tc, test_exchange_upgrade_tunnel);
	tcase_add_test(tc, test_exchange_keepalive_routes);
	tcase_add_test(tc, test_exchange_https_forwarded);
	tcase_add_loop_test(tc, test_exchange_client_cert, 0, N(cc_cases));
	tcase_add_test(tc, test_exchange_client_cert_plain_http);
	tcase_add_test(tc, test_exchange_client_cert_http2);
	tcase_add_loop_test(tc, test_exchange_client_cert_tls, 0, N(tls_cases));
	tcase_add_loop_test(tc, test_exchange_coalesced, 0, 2);
	tcase_add_test(tc, test_exchange_traced);
#undef N
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(exchange_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
