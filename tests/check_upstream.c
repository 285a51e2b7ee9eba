/*
 * check_upstream — the backend pool and response framing, through upstream's public
 * surface (upstream_addrs_new, upstream_pool_new, upstream_xfer_*) on a real event base,
 * with the test itself as the backend: a loopback listener it accepts from and writes
 * responses into, split in two at every byte offset.  What the pool keeps is seen through
 * upstream_pool_idle and through which accepted socket the next request arrives on.
 * Request bodies go through upstream_xfer_body_from as h1 hands them over (the client's
 * input blocks moved to the backend's queue), for every record size.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "base/iobuf.h"
#include "model/conf.h"
#include "model/http.h"
#include "model/respond.h"
#include "core/upstream.h"

/* What the owner's callbacks saw. */
struct rec {
	int    status, bodiless, heads, ended, failed, drained;
	char   body[4096];
	size_t blen;
	char   trailers[256];
	char   why[256];
};

struct fx {
	struct event_base     *base;
	struct conf           *cfg;
	struct conf_site      *site;
	struct upstream_addrs *addrs;
	struct upstream_pool  *pool;
	int                    lfd;    /* the backend's listener */
	int                    sfd;    /* the backend's side of the current connection */
	char                   port[16];
};

static struct fx f;

static int
rec_head(void *arg, const struct http_head *h, int bodiless)
{
	struct rec *r = arg;

	r->heads++;
	r->status = h->status;
	r->bodiless = bodiless;
	return 0;
}

static int
rec_body(void *arg, const char *data, size_t len)
{
	struct rec *r = arg;

	ck_assert_uint_lt(r->blen + len, sizeof(r->body));
	memcpy(r->body + r->blen, data, len);
	r->blen += len;
	return 0;
}

static int
rec_trailers(void *arg, const struct http_fields *t)
{
	struct rec *r = arg;
	size_t off = strlen(r->trailers);

	for (size_t i = 0; i < t->n; i++)
		off += (size_t)snprintf(r->trailers + off, sizeof(r->trailers) - off, "{%s=%s}",
		    t->v[i].name, t->v[i].value);
	return 0;
}

static void
rec_end(void *arg)
{
	((struct rec *)arg)->ended++;
}

static void
rec_failed(void *arg, int page, int win32, const char *why)
{
	struct rec *r = arg;

	r->failed = page;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

static void
rec_drained(void *arg)
{
	((struct rec *)arg)->drained++;
}

static const struct upstream_cb rec_cb = {
	rec_head, rec_body, rec_trailers, rec_end, rec_failed, rec_drained, NULL, NULL,
};

static void
setup(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256];

	memset(&f, 0, sizeof(f));
	f.sfd = -1;
	f.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(f.lfd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(f.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(f.lfd, 128), 0);   /* a burst's connects at once */
	ck_assert_int_eq(getsockname(f.lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(f.port, sizeof(f.port), "%u", ntohs(sin.sin_port));

	f.cfg = calloc(1, sizeof(*f.cfg));
	f.site = calloc(1, sizeof(*f.site));
	ck_assert_ptr_nonnull(f.cfg);
	ck_assert_ptr_nonnull(f.site);
	f.site->name = "Test";
	f.site->backend = "http://127.0.0.1";
	f.site->backend_host = "127.0.0.1";
	f.site->backend_port = f.port;
	f.cfg->sites = f.site;
	f.cfg->nsites = 1;
	f.cfg->max_field_length = 16384;
	f.cfg->max_request_bytes = 16384;
	f.cfg->max_url_length = 16384;
	f.cfg->backend_connect_timeout = 5;
	f.cfg->backend_timeout = 5;
	f.base = event_base_new();
	ck_assert_ptr_nonnull(f.base);
	f.addrs = upstream_addrs_new(f.cfg, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(f.addrs);
	f.pool = upstream_pool_new(f.base, f.cfg, f.addrs, err, sizeof(err));
	ck_assert_ptr_nonnull(f.pool);
}

static void
teardown(void)
{
	upstream_pool_free(f.pool);
	upstream_addrs_free(f.addrs);
	upstream_cache_drain();
	event_base_free(f.base);
	if (f.sfd >= 0)
		close(f.sfd);
	close(f.lfd);
	free(f.site);
	free(f.cfg);
}

/* Let upstream handle what is ready (a few passes: a connect, then its write). */
static void
pump(void)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(f.base, EVLOOP_NONBLOCK);
}

/* A connection the listener has waiting, or -1 (none within ms). */
static int
backend_accept(int ms)
{
	struct pollfd p = { f.lfd, POLLIN, 0 };
	int fd, on = 1;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	fd = accept4(f.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* each part of a split response leaves at once (Nagle would hold the second part
	 * until the first is acknowledged) */
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* Read from the backend's socket until want bytes of request came (the head and its
 * body), pumping upstream between tries.  Returns the bytes read. */
static size_t
backend_read(char *buf, size_t cap, size_t want_body)
{
	size_t len = 0;
	char *end;

	buf[0] = '\0';
	for (int tries = 0; tries < 500; tries++) {
		ssize_t n = read(f.sfd, buf + len, cap - 1 - len);

		if (n > 0) {
			len += (size_t)n;
			buf[len] = '\0';
		}
		if ((end = strstr(buf, "\r\n\r\n")) != NULL &&
		    len >= (size_t)(end + 4 - buf) + want_body)
			return len;
		pump();
		if (n <= 0) {
			struct pollfd p = { f.sfd, POLLIN, 0 };

			(void)poll(&p, 1, 10);
		}
	}
	return len;
}

static void
backend_write(const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(f.sfd, data, len);

		ck_assert_int_gt(n, 0);
		data += n;
		len -= (size_t)n;
	}
}

/* A request head: method to "/", with a Content-Length when cl >= 0. */
struct req_text {
	struct http_header hdr[2];
	struct http_head   head;
	char               clbuf[24];
};

static void
req_init(struct req_text *t, const char *method, long long cl)
{
	memset(t, 0, sizeof(*t));
	t->hdr[0] = (struct http_header){ "Host", "example.test", 4, 12, HF_HOST };
	t->head.method = (char *)method;
	t->head.target = "/";
	t->head.path = "/";
	t->head.host = "example.test";
	t->head.version_major = 1;
	t->head.version_minor = 1;
	t->head.headers = t->hdr;
	t->head.nheaders = 1;
	t->head.keep_alive = 1;
	t->head.content_length = cl;
	if (cl >= 0) {
		snprintf(t->clbuf, sizeof(t->clbuf), "%lld", cl);
		t->hdr[1] = (struct http_header){ "Content-Length", t->clbuf, 14,
		    (unsigned)strlen(t->clbuf), HF_CONTENT_LENGTH };
		t->head.nheaders = 2;
	}
}

/* The upstream request over head t: its answers recorded in r. */
static void
req_make(struct upstream_req *req, struct req_text *t, struct rec *r)
{
	memset(req, 0, sizeof(*req));
	req->head = &t->head;
	req->fw.client_ip = "127.0.0.9";
	req->cb = &rec_cb;
	req->arg = r;
}

/*
 * One exchange: start method (with body bytes of a Content-Length body_cl, the body
 * complete when body_done), see the request arrive at the backend (on the connection the
 * pool gave: new when want_new), answer resp split at split, close the backend's side
 * after it when close_after, and run until the owner heard the end or a failure.
 */
static void
exchange(struct rec *r, const char *method, long long body_cl, const char *body,
    int body_done, int want_new, const char *resp, size_t split, int close_after)
{
	struct req_text t;
	struct upstream_req req;
	struct upstream_xfer *x;
	char buf[8192];
	size_t rlen = strlen(resp), blen = body != NULL ? strlen(body) : 0;
	int fd;

	memset(r, 0, sizeof(*r));
	req_init(&t, method, body_cl);
	req_make(&req, &t, r);
	x = upstream_xfer_start(f.pool, f.site, &req);
	ck_assert_ptr_nonnull(x);
	if (blen > 0)
		ck_assert_int_ge(upstream_xfer_body(x, body, blen), 0);
	if (body_done)
		ck_assert_int_eq(upstream_xfer_body_end(x, NULL), 0);
	upstream_xfer_push(x);
	pump();
	fd = backend_accept(want_new ? 2000 : 0);
	if (want_new) {
		ck_assert_msg(fd >= 0, "a new connection to the backend");
		if (f.sfd >= 0)
			close(f.sfd);
		f.sfd = fd;
	} else {
		ck_assert_msg(fd < 0, "the pooled connection, not a new one");
	}
	ck_assert_uint_gt(backend_read(buf, sizeof(buf), blen), 0);
	ck_assert_msg(strncmp(buf, method, strlen(method)) == 0, "request: %.40s", buf);
	backend_write(resp, split);
	pump();
	backend_write(resp + split, rlen - split);
	pump();
	if (close_after) {
		shutdown(f.sfd, SHUT_WR);
		pump();
	}
	for (int i = 0; i < 200 && !r->ended && !r->failed; i++) {
		(void)poll(NULL, 0, 5);
		pump();
	}
	upstream_xfer_free(x);
}

static const char resp_cl[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello";
static const char resp_chunked[] =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc\r\nX-More: 2\r\n\r\n";
static const char resp_close[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end";
static const char resp_10[] =
    "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc";

START_TEST(test_upstream_content_length_reused_at_every_split)
{
	struct rec r;

	for (size_t split = 0; split <= strlen(resp_cl); split++) {
		exchange(&r, "GET", -1, NULL, 1, split == 0, resp_cl, split, 0);
		ck_assert_int_eq(r.ended, 1);
		ck_assert_int_eq(r.failed, 0);
		ck_assert_int_eq(r.status, 200);
		ck_assert_int_eq(r.bodiless, 0);
		ck_assert_uint_eq(r.blen, 5);
		ck_assert_int_eq(memcmp(r.body, "hello", 5), 0);
		ck_assert_uint_eq(upstream_pool_idle(f.pool), 1);   /* kept, and reused next */
	}
}
END_TEST

START_TEST(test_upstream_chunked_with_trailers_at_every_split)
{
	struct rec r;

	for (size_t split = 0; split <= strlen(resp_chunked); split++) {
		exchange(&r, "GET", -1, NULL, 1, split == 0, resp_chunked, split, 0);
		ck_assert_int_eq(r.ended, 1);
		ck_assert_uint_eq(r.blen, 11);
		ck_assert_int_eq(memcmp(r.body, "hello world", 11), 0);
		ck_assert_str_eq(r.trailers, "{X-Checksum=abc}{X-More=2}");
		ck_assert_uint_eq(upstream_pool_idle(f.pool), 1);
	}
}
END_TEST

START_TEST(test_upstream_close_delimited_never_reused_at_every_split)
{
	struct rec r;

	for (size_t split = 0; split <= strlen(resp_close); split++) {
		exchange(&r, "GET", -1, NULL, 1, 1, resp_close, split, 1);
		ck_assert_int_eq(r.ended, 1);
		ck_assert_int_eq(r.failed, 0);
		ck_assert_uint_eq(r.blen, strlen("until the end"));
		ck_assert_int_eq(memcmp(r.body, "until the end", r.blen), 0);
		ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
	}
}
END_TEST

START_TEST(test_upstream_http10_without_keep_alive_not_reused)
{
	struct rec r;

	for (size_t split = 0; split <= strlen(resp_10); split++) {
		exchange(&r, "GET", -1, NULL, 1, 1, resp_10, split, 0);
		ck_assert_int_eq(r.ended, 1);
		ck_assert_uint_eq(r.blen, 3);
		ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
	}
}
END_TEST

/* HEAD, 204 and 304 have no body whatever their Content-Length says; the connection is
 * kept and the next response parsed from the right place. */
START_TEST(test_upstream_bodiless_responses_at_every_split)
{
	static const struct { const char *method, *resp; int status; } v[] = {
		{ "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 200 },
		{ "GET", "HTTP/1.1 204 No Content\r\n\r\n", 204 },
		{ "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: \"x\"\r\n\r\n", 304 },
	};
	struct rec r;
	int first = 1;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (size_t split = 0; split <= strlen(v[i].resp); split++) {
			exchange(&r, v[i].method, -1, NULL, 1, first, v[i].resp, split, 0);
			first = 0;
			ck_assert_int_eq(r.ended, 1);
			ck_assert_int_eq(r.status, v[i].status);
			ck_assert_int_eq(r.bodiless, 1);
			ck_assert_uint_eq(r.blen, 0);
			ck_assert_uint_eq(upstream_pool_idle(f.pool), 1);
		}
	/* and a response with a body after them is read whole */
	exchange(&r, "GET", -1, NULL, 1, 0, resp_cl, 0, 0);
	ck_assert_uint_eq(r.blen, 5);
}
END_TEST

/* A request body the backend may not have read keeps the connection out of the pool. */
START_TEST(test_upstream_unconsumed_request_body_never_reused)
{
	static const char resp_401[] = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
	static const char resp_200[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct rec r;

	/* answered before the body was all sent: never reused, even a 200 */
	exchange(&r, "POST", 10, "12345", 0, 1, resp_200, 0, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
	/* the whole body sent, but refused (401): the backend may not have read it */
	exchange(&r, "POST", 10, "1234567890", 1, 1, resp_401, 0, 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(r.ended, 1);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
	/* the whole body sent, then a 200: kept */
	exchange(&r, "POST", 10, "1234567890", 1, 1, resp_200, 0, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 1);
}
END_TEST

/* An idle connection the backend closes is dropped; the next request gets a new one. */
START_TEST(test_upstream_idle_closed_by_backend_is_dropped)
{
	struct rec r;

	exchange(&r, "GET", -1, NULL, 1, 1, resp_cl, 0, 0);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 1);
	close(f.sfd);
	f.sfd = -1;
	for (int i = 0; i < 100 && upstream_pool_idle(f.pool) > 0; i++) {
		poll(NULL, 0, 5);
		pump();
	}
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
	exchange(&r, "GET", -1, NULL, 1, 1, resp_cl, 0, 0);
	ck_assert_int_eq(r.ended, 1);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 1);
}
END_TEST

/* Bytes after a complete response: the connection is not reused. */
START_TEST(test_upstream_bytes_after_the_response_not_reused)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE";
	struct rec r;

	exchange(&r, "GET", -1, NULL, 1, 1, resp, 0, 0);
	ck_assert_int_eq(r.ended, 1);
	ck_assert_uint_eq(r.blen, 2);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
}
END_TEST

/* A response cut short: the owner hears a failure (a 502 page), nothing kept. */
START_TEST(test_upstream_truncated_body_fails)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	struct rec r;

	exchange(&r, "GET", -1, NULL, 1, 1, resp, 0, 1);
	ck_assert_int_eq(r.ended, 0);
	ck_assert_int_eq(r.failed, PAGE_BAD_GATEWAY);
	ck_assert_ptr_nonnull(strstr(r.why, "connection closed before the response ended"));
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
}
END_TEST

/* A GET on a new backend connection whose backend (f.sfd) has read it and written RESP,
 * before the proxy reads: what the FIN and reset tests below start from.  The request's
 * record is *r (its text in *t, which must outlive it); returns its transfer. */
static struct upstream_xfer *
get_answered(struct rec *r, struct req_text *t, const char *resp)
{
	struct upstream_req req;
	struct upstream_xfer *x;
	char buf[8192];
	int fd;

	memset(r, 0, sizeof(*r));
	req_init(t, "GET", -1);
	req_make(&req, t, r);
	x = upstream_xfer_start(f.pool, f.site, &req);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(upstream_xfer_body_end(x, NULL), 0);
	upstream_xfer_push(x);
	pump();
	fd = backend_accept(2000);
	ck_assert_int_ge(fd, 0);
	f.sfd = fd;
	ck_assert_uint_gt(backend_read(buf, sizeof(buf), 0), 0);
	backend_write(resp, strlen(resp));
	return x;
}

/* The same, and the backend then resets at once (SO_LINGER 0), before the proxy reads. */
static struct upstream_xfer *
get_answered_then_reset(struct rec *r, struct req_text *t, const char *resp)
{
	struct linger lg = { 1, 0 };
	struct upstream_xfer *x = get_answered(r, t, resp);

	ck_assert_int_eq(setsockopt(f.sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(f.sfd);
	f.sfd = -1;
	return x;
}

/*
 * A backend that dies (a reset) right behind the first bytes of its body, before the proxy
 * reads them: one wake-up brings both, libevent reports the reset (EPOLLERR) without
 * EV_CLOSED, and edge-triggered reads never hear of it again.  The bytes must be relayed
 * and the reset found at once: the response cut, "connection reset", not left to wait for
 * backend_timeout (5 s here; the loop waits 0.5 s at most).  Before the read after a
 * short read, it waited (test_depth_backend.sh saw the client held and W3C 121).
 */
START_TEST(test_upstream_reset_behind_body_bytes)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	struct req_text t;
	struct rec r;
	struct upstream_xfer *x = get_answered_then_reset(&r, &t, resp);

	for (int i = 0; i < 100 && !r.ended && !r.failed; i++) {
		pump();
		(void)poll(NULL, 0, 5);
	}
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "abc");
	ck_assert_int_eq(r.ended, 0);
	ck_assert_int_eq(r.failed, PAGE_BAD_GATEWAY);
	ck_assert_ptr_nonnull(strstr(r.why, "connection reset before the response ended"));
	upstream_xfer_free(x);
}
END_TEST

/*
 * A complete keep-alive response whose backend then closes (no "Connection: close"): the
 * FIN in the same pass as the response (shut before the proxy reads), or behind it (the
 * connection already pooled).  Backend reads are edge-triggered, so such a FIN is never
 * reported again: the connection must not stay pooled, and the next request (a POST,
 * which is never sent twice) goes on a new connection and gets its answer.
 */
static void
fin_with_response(int fin_first)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
	struct req_text t;
	struct rec r;
	struct upstream_xfer *x = get_answered(&r, &t, resp);

	if (fin_first)
		shutdown(f.sfd, SHUT_WR);
	for (int i = 0; i < 200 && !r.ended && !r.failed; i++) {
		pump();
		(void)poll(NULL, 0, 5);
	}
	ck_assert_int_eq(r.ended, 1);
	upstream_xfer_free(x);
	if (!fin_first)
		shutdown(f.sfd, SHUT_WR);
	for (int i = 0; i < 200 && upstream_pool_idle(f.pool) > 0; i++) {
		pump();
		(void)poll(NULL, 0, 5);
	}
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
	exchange(&r, "POST", 5, "hello", 1, 1, resp, 0, 0);
	ck_assert_int_eq(r.ended, 1);
	ck_assert_int_eq(r.failed, 0);
}

/*
 * The same with a reset instead of a FIN, in the pass that reads the response: libevent
 * tells a reset (EPOLLERR) without EV_CLOSED, so the connection went back to the pool,
 * dead, and the next POST on it was answered 502 (in about 3 of 20 tries through
 * sysbind: test_depth_backend.sh).  A request that cannot be sent again now goes on a
 * pooled connection only when its socket is quiet: here a new one, and its answer.
 */
START_TEST(test_upstream_reset_with_response_not_reused_for_post)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
	struct req_text t;
	struct rec r;
	struct upstream_xfer *x = get_answered_then_reset(&r, &t, resp);

	for (int i = 0; i < 100 && !r.ended; i++) {
		pump();
		(void)poll(NULL, 0, 5);
	}
	ck_assert_int_eq(r.ended, 1);
	upstream_xfer_free(x);
	exchange(&r, "POST", 5, "hello", 1, 1, resp, 0, 0);
	ck_assert_int_eq(r.failed, 0);
	ck_assert_int_eq(r.ended, 1);
	ck_assert_str_eq(r.body, "abc");
}
END_TEST

START_TEST(test_upstream_fin_with_response_not_pooled)
{
	fin_with_response(1);
}
END_TEST

START_TEST(test_upstream_fin_behind_response_not_pooled)
{
	fin_with_response(0);
}
END_TEST

/*
 * A backend that answers a POST before its body ends and closes on the rest (a reset: its
 * receive queue held unread bytes): the next body write fails (EPIPE or ECONNRESET), and
 * the answer already sent is what the owner gets, not a 502.
 */
START_TEST(test_upstream_early_answer_then_reset)
{
	static const char resp[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno";
	static char body[65536];
	struct linger lg = { 1, 0 };
	struct req_text t;
	struct upstream_req req;
	struct upstream_xfer *x;
	struct rec r;
	char buf[8192];

	memset(body, 'b', sizeof(body));
	memset(&r, 0, sizeof(r));
	req_init(&t, "POST", 1000000);
	req_make(&req, &t, &r);
	x = upstream_xfer_start(f.pool, f.site, &req);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_ge(upstream_xfer_body(x, body, 1000), 0);
	upstream_xfer_push(x);
	pump();
	f.sfd = backend_accept(2000);
	ck_assert_int_ge(f.sfd, 0);
	ck_assert(read(f.sfd, buf, sizeof(buf)) > 0);   /* the head, maybe some body */
	backend_write(resp, strlen(resp));
	ck_assert_int_eq(setsockopt(f.sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(f.sfd);   /* RST */
	f.sfd = -1;
	(void)poll(NULL, 0, 20);
	for (int i = 0; i < 8 && !r.ended && !r.failed; i++) {   /* writes fail: EPIPE/RST */
		(void)upstream_xfer_body(x, body, sizeof(body));
		upstream_xfer_push(x);
	}
	for (int i = 0; i < 200 && !r.ended && !r.failed; i++) {
		pump();
		(void)poll(NULL, 0, 5);
	}
	ck_assert_msg(r.failed == 0, "failed %d: %s", r.failed, r.why);
	ck_assert_int_eq(r.status, 403);
	ck_assert_int_eq(r.ended, 1);
	upstream_xfer_free(x);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 0);
}
END_TEST

/* ---------- request bodies: the client's input blocks moved, not copied ---------- */

/* The framing's side of an upload, as h1 does it: the client's records land in an input
 * queue (in), the request parser hands body spans over with upstream_xfer_body_from, and
 * the input is drained by what the parser used less what the backend's queue took. */
struct upf {
	struct upstream_xfer *x;
	struct iobuf          in;
	struct iobuf          expect;   /* what the copying path would have queued */
	size_t                moved, moved_total;
	int                   chunked;
};

static int
upf_head(void *arg, struct http_head *h)
{
	(void)arg;
	(void)h;
	return 0;
}

static int
upf_body(void *arg, const char *data, size_t len)
{
	struct upf *u = arg;
	size_t lost;

	ck_assert_int_eq(u->chunked ? http_chunk_add(&u->expect, data, len) :
	    iobuf_add(&u->expect, data, len), 0);
	ck_assert_int_ge(upstream_xfer_body_from(u->x, &u->in, data, len, &lost), 0);
	u->moved += lost;
	u->moved_total += lost;
	return 0;
}

static int
upf_end(void *arg)
{
	(void)arg;
	return 0;
}

static const struct http_callbacks upf_cb = { upf_head, upf_body, upf_end };

#define UPF_BODY 40000

/*
 * One upload of UPF_BODY bytes (Content-Length, or chunked: a 30000-byte chunk, then the
 * rest) that arrives in TLS records of rec bytes, each read as conn_read does (into
 * the input's last block: a record larger than the room left comes in two reads), the
 * input parsed after every parse_every reads (more than 1: a framing that was paused,
 * records then span blocks), the backend's queue pushed after every 8 reads.  The
 * backend must receive exactly what copying every span would have sent.  Returns the
 * bytes moved.
 */
static size_t
upload_split(int chunked, size_t rec, int parse_every)
{
	/* (chunked, in 1-byte spans: 6 bytes a byte at the backend) */
	static char wire[UPF_BODY + 1024], got[UPF_BODY * 7], want[UPF_BODY * 7];
	struct http_limits lim = { 16384, 16384, 16384 };
	struct req_text t;
	struct upstream_req req;
	struct http_parser *p;
	struct upf u;
	struct rec r;
	size_t wlen, off = 0, rec_left = 0, glen, wantlen = 0, n, hlen;
	const char *q;
	char *end;
	int reads = 0;

	memset(&u, 0, sizeof(u));
	u.chunked = chunked;
	wlen = (size_t)snprintf(wire, sizeof(wire),
	    "POST / HTTP/1.1\r\nHost: example.test\r\n%s\r\n",
	    chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: 40000\r\n");
	for (size_t i = 0, c; i < UPF_BODY; i += c) {
		c = UPF_BODY - i < 30000 ? UPF_BODY - i : 30000;
		if (chunked)
			wlen += (size_t)snprintf(wire + wlen, sizeof(wire) - wlen,
			    "%zx\r\n", c);
		for (size_t j = 0; j < c; j++)
			wire[wlen++] = (char)('a' + (i + j * 7) % 26);
		if (chunked)
			wlen += (size_t)snprintf(wire + wlen, sizeof(wire) - wlen, "\r\n");
	}
	if (chunked)
		wlen += (size_t)snprintf(wire + wlen, sizeof(wire) - wlen, "0\r\n\r\n");

	memset(&r, 0, sizeof(r));
	req_init(&t, "POST", chunked ? -1 : UPF_BODY);
	if (chunked) {
		t.hdr[1] = (struct http_header){ "Transfer-Encoding", "chunked", 17, 7,
		    HF_TRANSFER_ENCODING };
		t.head.nheaders = 2;
		t.head.chunked = 1;
	}
	req_make(&req, &t, &r);
	u.x = upstream_xfer_start(f.pool, f.site, &req);
	ck_assert_ptr_nonnull(u.x);
	p = http_parser_new(HTTP_PARSE_REQUEST, &lim, &upf_cb, &u);
	ck_assert_ptr_nonnull(p);
	while (off < wlen) {
		size_t avail, k;
		char *w = iobuf_space(&u.in, 1, &avail);

		ck_assert_ptr_nonnull(w);
		if (rec_left == 0)
			rec_left = rec < wlen - off ? rec : wlen - off;
		k = rec_left < avail ? rec_left : avail;   /* SSL_read: at most the room */
		memcpy(w, wire + off, k);
		iobuf_commit(&u.in, k);
		off += k;
		rec_left -= k;
		reads++;
		if (reads % parse_every == 0 || off == wlen) {
			while ((q = iobuf_peek(&u.in, &n)) != NULL) {
				size_t used;
				enum http_feed fr;

				u.moved = 0;
				fr = http_parser_feed(p, q, n, &used);
				ck_assert_int_ne(fr, HTTP_FEED_ERROR);
				ck_assert_uint_ge(used, u.moved);
				iobuf_drain(&u.in, used - u.moved);
				if (used == 0 || fr == HTTP_FEED_PAUSED)
					break;
			}
		}
		if (reads % 8 == 0)
			upstream_xfer_push(u.x);
		pump();
	}
	ck_assert_uint_eq(iobuf_len(&u.in), 0);
	ck_assert_int_eq(upstream_xfer_body_end(u.x, NULL), 0);
	if (chunked)
		ck_assert_int_eq(http_chunk_add(&u.expect, NULL, 0), 0);
	upstream_xfer_push(u.x);
	pump();
	while ((q = iobuf_peek(&u.expect, &n)) != NULL) {
		ck_assert_uint_le(wantlen + n, sizeof(want));
		memcpy(want + wantlen, q, n);
		wantlen += n;
		iobuf_drain(&u.expect, n);
	}
	if (f.sfd >= 0)
		close(f.sfd);
	f.sfd = backend_accept(2000);
	ck_assert_int_ge(f.sfd, 0);
	glen = backend_read(got, sizeof(got), wantlen);
	ck_assert_ptr_nonnull(end = strstr(got, "\r\n\r\n"));
	hlen = (size_t)(end + 4 - got);
	ck_assert_msg(glen == hlen + wantlen, "rec %zu parse_every %d chunked %d: %zu body "
	    "bytes at the backend, %zu expected", rec, parse_every, chunked, glen - hlen,
	    wantlen);
	ck_assert_msg(memcmp(got + hlen, want, wantlen) == 0, "rec %zu parse_every %d "
	    "chunked %d: the backend received other bytes", rec, parse_every, chunked);
	http_parser_free(p);
	upstream_xfer_free(u.x);
	iobuf_clear(&u.in);
	return u.moved_total;
}

/* Every record size (1 byte to a full record, records spanning the input's blocks): the
 * backend gets the body as copying would send it; blocks move once records are large. */
START_TEST(test_upstream_request_body_moved_at_every_split)
{
	static const size_t recs[] = { 1, 2, 3, 7, 100, 1000, 4096, 8191, 8192, 8193, 12345,
	    16383, 16384 };
	int chunked = _i;

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		for (int every = 1; every <= 3; every++) {
			size_t moved = upload_split(chunked, recs[i], every);

			if (recs[i] < IOBUF_MOVE_MIN && every == 1)
				ck_assert_uint_eq(moved, 0);   /* small spans are copied */
			if (recs[i] == 16384 && every == 1)
				ck_assert_uint_ge(moved, 16384);   /* whole records moved */
		}
}
END_TEST


/* n transfers in flight at once, each answered on its own backend connection; returns
 * how many new connections the backend accepted for them (their fds into fds). */
static int
burst(struct rec *r, struct upstream_xfer **x, int n, int *fds, int nfds)
{
	struct req_text t;
	struct upstream_req req;
	char buf[4096];
	int got = 0, answered = 0, left;

	req_init(&t, "GET", -1);
	req_make(&req, &t, NULL);
	for (int i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		req.arg = &r[i];
		x[i] = upstream_xfer_start(f.pool, f.site, &req);
		ck_assert_ptr_nonnull(x[i]);
		ck_assert_int_eq(upstream_xfer_body_end(x[i], NULL), 0);
		upstream_xfer_push(x[i]);
	}
	/* every connection that carries a request gets one answer: new ones as they are
	 * accepted, and those of an earlier burst (fds[0..nfds)) again */
	for (int tries = 0; tries < 2000 && answered < n; tries++) {
		int fd;

		pump();
		while (nfds + got < 256 && (fd = backend_accept(0)) >= 0)
			fds[nfds + got++] = fd;
		for (int k = 0; k < nfds + got; k++) {
			ssize_t m = read(fds[k], buf, sizeof(buf));

			if (m > 0) {   /* one whole request head per read on loopback */
				{
					int save = f.sfd;

					f.sfd = fds[k];
					backend_write(resp_cl, strlen(resp_cl));
					f.sfd = save;
				}
				answered++;
			}
		}
		if (answered < n)
			(void)poll(NULL, 0, 1);
	}
	ck_assert_int_eq(answered, n);
	left = n;
	for (int tries = 0; tries < 2000 && left > 0; tries++) {
		left = 0;
		pump();
		for (int i = 0; i < n; i++)
			left += !r[i].ended && !r[i].failed;
		if (left > 0)
			(void)poll(NULL, 0, 1);
	}
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(r[i].ended, 1);
		upstream_xfer_free(x[i]);
	}
	return got;
}

/*
 * More requests in flight than the pool keeps idle (32): once they are answered, every
 * connection stays for the next burst, which opens none; a second or two after the bursts
 * end, the pool is back to 32 (the sweep closes the surplus, oldest deadlines first).
 */
START_TEST(test_upstream_burst_surplus_kept_then_trimmed)
{
	enum { N = 40 };
	static struct rec r[N];
	struct upstream_xfer *x[N];
	int fds[256], nfds, i;

	nfds = burst(r, x, N, fds, 0);
	ck_assert_int_eq(nfds, N);
	ck_assert_uint_eq(upstream_pool_idle(f.pool), N);
	ck_assert_int_eq(burst(r, x, N, fds, nfds), 0);   /* all reused: no connect */
	ck_assert_uint_eq(upstream_pool_idle(f.pool), N);
	for (i = 0; i < 400 && upstream_pool_idle(f.pool) > 32; i++) {
		(void)poll(NULL, 0, 10);
		pump();
	}
	ck_assert_uint_eq(upstream_pool_idle(f.pool), 32);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}
END_TEST

static Suite *
upstream_suite(void)
{
	Suite *s = suite_create("upstream");
	TCase *tc = tcase_create("pool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_upstream_content_length_reused_at_every_split);
	tcase_add_loop_test(tc, test_upstream_request_body_moved_at_every_split, 0, 2);
	tcase_add_test(tc, test_upstream_chunked_with_trailers_at_every_split);
	tcase_add_test(tc, test_upstream_close_delimited_never_reused_at_every_split);
	tcase_add_test(tc, test_upstream_http10_without_keep_alive_not_reused);
	tcase_add_test(tc, test_upstream_bodiless_responses_at_every_split);
	tcase_add_test(tc, test_upstream_unconsumed_request_body_never_reused);
	tcase_add_test(tc, test_upstream_idle_closed_by_backend_is_dropped);
	tcase_add_test(tc, test_upstream_bytes_after_the_response_not_reused);
	tcase_add_test(tc, test_upstream_truncated_body_fails);
	tcase_add_test(tc, test_upstream_reset_behind_body_bytes);
	tcase_add_test(tc, test_upstream_fin_with_response_not_pooled);
	tcase_add_test(tc, test_upstream_reset_with_response_not_reused_for_post);
	tcase_add_test(tc, test_upstream_fin_behind_response_not_pooled);
	tcase_add_test(tc, test_upstream_early_answer_then_reset);
	tcase_add_test(tc, test_upstream_burst_surplus_kept_then_trimmed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(upstream_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
