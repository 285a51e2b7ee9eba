/*
 * check_h1 — the HTTP/1.1 framing (src/core/h1.c) through its seams, as check_h2 does for
 * h2.c: this file includes the .c under test, and the binary is linked without conn.o,
 * exchange.o, exchange_cc.o and h1.o (Makefile), so that the transport (conn.h) and the
 * exchange (exchange.h) h1.c calls are fakes defined here that record what they are told.
 * What is tested: a connection that has sent nothing holds no framing state (a browser's
 * preconnect), behaves on every event as an idle HTTP/1.1 connection before its first
 * request did, and gets its state at the first byte.
 */
#include "../src/core/h1.c"

#include <check.h>

/* ---------- the fake transport (conn.h) ---------- */

struct conn {
	struct iobuf               in, out;
	struct exchange_conn       info;
	struct conn_server         srv;
	const struct conn_framing *fr;
	void                      *f;
	int                        closed;
	unsigned                   deadline;
	const char                *end_why, *abort_why;
};

static struct conn fc;
static struct conf fcfg;
static int nexchanges, nrequests;
static const char *conn_error;   /* the last HTTPERR reason for the connection */

static void
fc_close(void)
{
	if (fc.closed)
		return;
	if (fc.fr != NULL && fc.fr->closing != NULL)
		fc.fr->closing(&fc, fc.f);
	fc.closed = 1;
}

struct exchange_conn *conn_info(struct conn *c) { return &c->info; }
struct iobuf *conn_in(struct conn *c) { return &c->in; }
struct iobuf *conn_out(struct conn *c) { return &c->out; }
void conn_deadline(struct conn *c, unsigned seconds) { c->deadline = seconds; }
void conn_reading(struct conn *c, int on) { }
int conn_closed(const struct conn *c) { return c->closed; }
int conn_peer_gone(const struct conn *c) { return 0; }
static int fbusy;   /* conn_busy's answer: a TLS busy spell */
int conn_busy(const struct conn *c) { return fbusy; }
int conn_over_limit(const struct conn *c) { return 0; }
int conn_client_cert(struct conn *c, const STACK_OF(X509_NAME) *ca) { return -1; }
void conn_send(struct conn *c) { }
void conn_push(struct conn *c) { }
void conn_later(struct conn *c) { }
void conn_finish(struct conn *c) { fc_close(); }
void conn_end(struct conn *c, const char *why) { c->end_why = why; fc_close(); }
void conn_abort(struct conn *c, const char *why) { c->abort_why = why; fc_close(); }
void conn_reset(struct conn *c, const char *why) { fc_close(); }
void
conn_set_framing(struct conn *c, const struct conn_framing *ops, void *f)
{
	c->fr = ops;
	c->f = f;
}

/* ---------- the recording exchange (exchange.h) ---------- */

struct exchange { int done; };

struct exchange *
exchange_new(const struct exchange_ops *ops, void *conn, struct exchange_conn *c)
{
	nexchanges++;
	return calloc(1, sizeof(struct exchange));
}
void exchange_free(struct exchange *x) { free(x); }
static char lasthead[512];   /* the last request head: "METHOD target {name=value}..." */
void
exchange_request(struct exchange *x, struct http_head *h, int over_limit)
{
	size_t n;

	nrequests++;
	n = (size_t)snprintf(lasthead, sizeof(lasthead), "%s %s", h->method, h->target);
	for (size_t i = 0; i < h->nheaders && n < sizeof(lasthead); i++)
		n += (size_t)snprintf(lasthead + n, sizeof(lasthead) - n, " {%s=%s}",
		    h->headers[i].name, h->headers[i].value);
}
void exchange_req_body(struct exchange *x, const char *d, size_t n) { }
size_t
exchange_req_body_from(struct exchange *x, struct iobuf *src, const char *d, size_t n)
{
	return 0;
}
void exchange_req_trailers(struct exchange *x, const struct http_fields *t) { }
void exchange_req_end(struct exchange *x) { }
void
exchange_refuse(struct exchange *x, enum http_error e, const char *detail, struct http_head *h)
{
}
void exchange_push(struct exchange *x) { }
void exchange_resp_drained(struct exchange *x) { }
void exchange_abort(struct exchange *x, const char *reason, int win32) { x->done = 1; }
int exchange_waiting(const struct exchange *x) { return 0; }
void exchange_client_cert(struct exchange *x) { }
int exchange_done(const struct exchange *x) { return x->done; }
int exchange_answered(const struct exchange *x) { return 0; }
void exchange_log_error(struct exchange *x, int status, const char *reason) { }
void
exchange_log_conn_error(const struct exchange_conn *c, int status, const char *reason)
{
	conn_error = reason;
}

/* ---------- the tests ---------- */

static void
t_setup(void)
{
	memset(&fc, 0, sizeof(fc));
	memset(&fcfg, 0, sizeof(fcfg));
	fcfg.header_wait_timeout = 120;
	fcfg.idle_connection_timeout = 110;
	fcfg.max_field_length = 65534;
	fcfg.max_request_bytes = 16384;
	fcfg.max_url_length = 16384;
	fc.info.cfg = &fcfg;
	fc.info.srv = &fc.srv;
	nexchanges = nrequests = 0;
	conn_error = NULL;
	fbusy = 0;
	ck_assert_int_eq(h1_start(&fc), 0);
}

static int64_t gauge(stats_i64 *g) { return atomic_load(g); }

/* A connection that has sent nothing: no state, the header wait running, counted open and
 * idle; its end takes the counts back. */
START_TEST(test_h1_fresh_holds_nothing)
{
	int64_t open = gauge(&stats_self.conns[STATS_H1]);
	int64_t idle = gauge(&stats_self.conns_idle[STATS_H1]);

	t_setup();
	ck_assert_ptr_nonnull(fc.fr);
	ck_assert_ptr_null(fc.f);
	ck_assert_uint_eq(fc.deadline, 120);
	ck_assert_int_eq(gauge(&stats_self.conns[STATS_H1]), open + 1);
	ck_assert_int_eq(gauge(&stats_self.conns_idle[STATS_H1]), idle + 1);
	/* events that change nothing for an idle connection */
	fc.fr->input_end(&fc, fc.f);
	fc.fr->drained(&fc, fc.f);
	fc.fr->later(&fc, fc.f);
	fc.fr->client_cert(&fc, fc.f);
	fc.fr->retire(&fc, fc.f);   /* a reload: the next response would say close */
	ck_assert_int_eq(fc.closed, 0);
	ck_assert_ptr_null(fc.f);
	fc.fr->free(fc.f);
	ck_assert_int_eq(gauge(&stats_self.conns[STATS_H1]), open);
	ck_assert_int_eq(gauge(&stats_self.conns_idle[STATS_H1]), idle);
}
END_TEST

/* Its header wait ends as HTTP.SYS's does: an HTTPERR Timer_HeaderWait line, orderly end. */
START_TEST(test_h1_fresh_timeout)
{
	t_setup();
	fc.fr->timeout(&fc, fc.f);
	ck_assert_str_eq(conn_error, "Timer_HeaderWait");
	ck_assert_str_eq(fc.end_why, "Timer_HeaderWait");
	ck_assert_ptr_null(fc.abort_why);
	fc.fr->free(fc.f);
}
END_TEST

START_TEST(test_h1_fresh_eof_and_stop)
{
	t_setup();
	fc.fr->eof(&fc, fc.f);
	ck_assert_str_eq(fc.end_why, "client closed");
	fc.fr->free(fc.f);
	t_setup();
	fc.srv.stopping = 1;
	fc.fr->retire(&fc, fc.f);
	ck_assert_str_eq(fc.end_why, "shutting down");
	fc.fr->free(fc.f);
	t_setup();
	fc.fr->cut(&fc, fc.f, "Timer_ConnectionIdle", 0);
	ck_assert_str_eq(conn_error, "Timer_ConnectionIdle");
	fc.fr->free(fc.f);
}
END_TEST

/* The first bytes make the state and the exchange; the request goes on from there, split
 * at every offset. */
START_TEST(test_h1_first_byte_makes_state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n = sizeof(req) - 1;

	for (size_t cut = 1; cut <= n; cut++) {
		int64_t idle;

		t_setup();
		idle = gauge(&stats_self.conns_idle[STATS_H1]);
		ck_assert_int_eq(iobuf_add(&fc.in, req, cut), 0);
		fc.fr->input(&fc, fc.f);
		ck_assert_ptr_nonnull(fc.f);
		ck_assert_int_eq(nexchanges, 1);
		ck_assert_int_eq(gauge(&stats_self.conns_idle[STATS_H1]), idle - 1);
		ck_assert_int_eq(iobuf_add(&fc.in, req + cut, n - cut), 0);
		fc.fr->input(&fc, fc.f);
		ck_assert_int_eq(nrequests, 1);
		ck_assert_int_eq(fc.closed, 0);
		fc.fr->closing(&fc, fc.f);
		fc.fr->free(fc.f);
		iobuf_clear(&fc.in);
	}
}
END_TEST

/* One request and its response (200, no body), up to the cycle's end (conn_later). */
static void
one_exchange(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct h1 *h;
	struct http_head resp = { .status = 200, .version_major = 1, .version_minor = 1,
	    .content_length = 0, .keep_alive = 1 };

	ck_assert_int_eq(iobuf_add(&fc.in, req, sizeof(req) - 1), 0);
	fc.fr->input(&fc, fc.f);
	h = fc.f;
	ck_assert_ptr_nonnull(h->parser);
	ck_assert_int_eq(h1_x_head(h, h->x, &resp, 0), 0);
	h1_x_end(h, h->x, EXCHANGE_END_OK);
	fc.fr->later(&fc, fc.f);
	ck_assert_int_eq(h->state, H1_IDLE);
	iobuf_clear(&fc.out);
}

/* An idle connection holds no parser; in a busy spell (conn_busy) it keeps it for the
 * next request, which parses as the first did, and gives it back when the spell ends
 * (->idle), unless a request has started by then. */
START_TEST(test_h1_parser_kept_through_busy_spell)
{
	struct h1 *h;

	t_setup();
	one_exchange();
	h = fc.f;
	ck_assert_ptr_null(h->parser);
	fbusy = 1;
	one_exchange();
	ck_assert_ptr_nonnull(h->parser);
	one_exchange();
	ck_assert_int_eq(nrequests, 3);
	ck_assert_ptr_nonnull(h->parser);
	/* the spell ends while the next request's first bytes wait: kept */
	ck_assert_int_eq(iobuf_add(&fc.in, "GE", 2), 0);
	fc.fr->idle(&fc, fc.f);
	ck_assert_ptr_nonnull(h->parser);
	iobuf_clear(&fc.in);
	fc.fr->idle(&fc, fc.f);
	ck_assert_ptr_null(h->parser);
	fc.fr->idle(&fc, fc.f);   /* (nothing to give back: nothing happens) */
	ck_assert_ptr_null(h->parser);
	fbusy = 0;
	one_exchange();
	ck_assert_int_eq(nrequests, 4);
	ck_assert_ptr_null(h->parser);
	ck_assert_int_eq(fc.closed, 0);
	fc.fr->closing(&fc, fc.f);
	fc.fr->free(fc.f);
}
END_TEST

/* A parser kept through a busy spell carries the next request whatever the split of its
 * bytes and wherever the spell ends (->idle between two pieces of the head or the body):
 * the request parses as on a fresh parser, and the parser is given back only once the
 * connection is idle again. */
START_TEST(test_h1_parser_kept_request_split_at_every_byte_with_idle)
{
	static const char req[] = "POST /k HTTP/1.1\r\nHost: a\r\nX-V: \t v w \r\nX-E:\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: t\r\n\r\n";
	static const char want[] = "POST /k {Host=a} {X-V=v w} {X-E=} {Transfer-Encoding=chunked}";
	struct http_head resp = { .status = 200, .version_major = 1, .version_minor = 1,
	    .content_length = 0, .keep_alive = 1 };
	struct h1 *h;

	for (size_t k = 1; k < sizeof(req) - 1; k++) {
		t_setup();
		fbusy = 1;
		one_exchange();
		h = fc.f;
		ck_assert_ptr_nonnull(h->parser);
		ck_assert_int_eq(iobuf_add(&fc.in, req, k), 0);
		fc.fr->input(&fc, fc.f);
		fc.fr->idle(&fc, fc.f);   /* the spell ends between the two pieces */
		ck_assert_ptr_nonnull(h->parser);
		fbusy = 0;
		ck_assert_int_eq(iobuf_add(&fc.in, req + k, sizeof(req) - 1 - k), 0);
		fc.fr->input(&fc, fc.f);
		ck_assert_int_eq(nrequests, 2);
		ck_assert_str_eq(lasthead, want);
		ck_assert_int_eq(h->req_done, 1);
		ck_assert_int_eq(h1_x_head(h, h->x, &resp, 0), 0);
		h1_x_end(h, h->x, EXCHANGE_END_OK);
		fc.fr->later(&fc, fc.f);
		ck_assert_int_eq(h->state, H1_IDLE);
		ck_assert_ptr_null(h->parser);   /* (no spell now: an idle connection keeps none) */
		ck_assert_int_eq(fc.closed, 0);
		fc.fr->closing(&fc, fc.f);
		fc.fr->free(fc.f);
		iobuf_clear(&fc.in);
		iobuf_clear(&fc.out);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("h1");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_h1_fresh_holds_nothing);
	tcase_add_test(tc, test_h1_fresh_timeout);
	tcase_add_test(tc, test_h1_fresh_eof_and_stop);
	tcase_add_test(tc, test_h1_first_byte_makes_state);
	tcase_add_test(tc, test_h1_parser_kept_through_busy_spell);
	tcase_add_test(tc, test_h1_parser_kept_request_split_at_every_byte_with_idle);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
