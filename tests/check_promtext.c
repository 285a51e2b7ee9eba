/*
 * check_promtext — the Prometheus text exposition writer (version 0.0.4): a family's
 * HELP and TYPE lines then its samples, in the order given; label values escaped
 * (backslash, double quote, newline) and HELP text escaped (backslash, newline); what the
 * format forbids refused with nothing written (a bad metric or label name, a family
 * declared twice, a counter not ending in _total, a sample before any family, a negative
 * counter); and the stats module's whole scrape, which every family must pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/promtext.h"
#include "core/stats.h"

/* What a writer wrote, once closed. */
struct out {
	FILE  *f;
	char  *buf;
	size_t len;
};

static void
out_open(struct out *o, struct promtext *w)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	ck_assert_ptr_nonnull(o->f);
	promtext_init(w, o->f);
}

static const char *
out_close(struct out *o)
{
	fclose(o->f);
	return o->buf;
}

START_TEST(test_promtext_family_then_samples_in_order)
{
	struct promtext w;
	struct out o;
	const char *a[] = { "site", "A", "code", "200" };
	const char *b[] = { "site", "B", "code", "404" };

	out_open(&o, &w);
	ck_assert_int_eq(promtext_family(&w, "sysbind_requests_total", PROMTEXT_COUNTER,
	    "requests"), 0);
	ck_assert_int_eq(promtext_u64(&w, a, 2, 3), 0);
	ck_assert_int_eq(promtext_u64(&w, b, 2, 18446744073709551615ULL), 0);
	ck_assert_int_eq(promtext_family(&w, "sysbind_h2_streams", PROMTEXT_GAUGE, "open"), 0);
	ck_assert_int_eq(promtext_i64(&w, NULL, 0, -2), 0);
	ck_assert_int_eq(promtext_family(&w, "x", PROMTEXT_UNTYPED, ""), 0);
	ck_assert_int_eq(promtext_u64(&w, NULL, 0, 0), 0);
	ck_assert_str_eq(out_close(&o),
	    "# HELP sysbind_requests_total requests\n"
	    "# TYPE sysbind_requests_total counter\n"
	    "sysbind_requests_total{site=\"A\",code=\"200\"} 3\n"
	    "sysbind_requests_total{site=\"B\",code=\"404\"} 18446744073709551615\n"
	    "# HELP sysbind_h2_streams open\n"
	    "# TYPE sysbind_h2_streams gauge\n"
	    "sysbind_h2_streams -2\n"
	    "# HELP x \n"
	    "# TYPE x untyped\n"
	    "x 0\n");
	ck_assert_int_eq(w.failed, 0);
	free(o.buf);
}
END_TEST

START_TEST(test_promtext_escapes_label_values_and_help)
{
	struct promtext w;
	struct out o;
	const char *l[] = { "site", "a\\b \"c\"\nd ü" };
	char buf[64];

	out_open(&o, &w);
	ck_assert_int_eq(promtext_family(&w, "m_total", PROMTEXT_COUNTER,
	    "Url Groups\\CurrentConnections\nsecond \"line\""), 0);
	ck_assert_int_eq(promtext_u64(&w, l, 1, 1), 0);
	ck_assert_str_eq(out_close(&o),
	    "# HELP m_total Url Groups\\\\CurrentConnections\\nsecond \"line\"\n"
	    "# TYPE m_total counter\n"
	    "m_total{site=\"a\\\\b \\\"c\\\"\\nd ü\"} 1\n");
	free(o.buf);
	ck_assert_uint_eq(promtext_escape_label("a\"b\\", buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "a\\\"b\\\\");
	ck_assert_uint_eq(promtext_escape_label("\"\"\"", buf, 4), 6);   /* truncated */
	ck_assert_str_eq(buf, "\\\"\\");
}
END_TEST

START_TEST(test_promtext_refuses_what_the_format_forbids)
{
	struct promtext w;
	struct out o;
	const char *badname[] = { "1site", "x" }, *reserved[] = { "__name__", "x" };
	const char *nullval[] = { "site", NULL };

	out_open(&o, &w);
	ck_assert_int_eq(promtext_u64(&w, NULL, 0, 1), -1);            /* no family yet */
	ck_assert_int_eq(promtext_family(&w, "9lives", PROMTEXT_GAUGE, ""), -1);
	ck_assert_int_eq(promtext_family(&w, "a-b", PROMTEXT_GAUGE, ""), -1);
	ck_assert_int_eq(promtext_family(&w, "", PROMTEXT_GAUGE, ""), -1);
	ck_assert_int_eq(promtext_family(&w, "requests", PROMTEXT_COUNTER, ""), -1);
	ck_assert_int_eq(promtext_family(&w, "_total", PROMTEXT_COUNTER, ""), -1);
	ck_assert_int_eq(promtext_family(&w, "ns:ok_total", PROMTEXT_COUNTER, "h"), 0);
	ck_assert_int_eq(promtext_i64(&w, NULL, 0, -1), -1);           /* a negative counter */
	ck_assert_int_eq(promtext_u64(&w, badname, 1, 1), -1);
	ck_assert_int_eq(promtext_u64(&w, reserved, 1, 1), -1);
	ck_assert_int_eq(promtext_u64(&w, nullval, 1, 1), -1);
	ck_assert_int_eq(promtext_family(&w, "ns:ok_total", PROMTEXT_COUNTER, "h"), -1);
	ck_assert_int_eq(promtext_family(&w, "g", (enum promtext_type)7, "h"), -1);
	ck_assert_int_eq(w.failed, 1);
	/* only the one family that was accepted was written */
	ck_assert_str_eq(out_close(&o), "# HELP ns:ok_total h\n# TYPE ns:ok_total counter\n");
	free(o.buf);
}
END_TEST

/* The whole scrape with this thread's counts: every family accepted by the writer, the
 * counts made here summed into their series, a removed site's series gone. */
START_TEST(test_promtext_stats_scrape)
{
	struct out o;
	struct promtext w;
	unsigned a, b, live[2];
	const char *text;

	ck_assert_int_eq(stats_thread_attach(), 0);
	a = stats_slot(STATS_SITE, "Site \"A\"");
	b = stats_slot(STATS_SITE, "B");
	ck_assert_uint_eq(stats_slot(STATS_SITE, "Site \"A\""), a);
	ck_assert_uint_ne(a, b);
	live[0] = a;
	live[1] = b;
	stats_live(STATS_SITE, live, 2);
	stats_request(a, 200);
	stats_request(a, 200);
	stats_request(b, 503);
	stats_request(b, 0);      /* no status: not counted */
	stats_httperr("QueueFull");
	stats_httperr("NoSuchReason");
	stats_add(&stats_self.handshakes[2][STATS_HS_OK], 1);
	stats_gauge(&stats_self.conns[STATS_H1], 2);
	stats_gauge(&stats_self.conns_idle[STATS_H1], 1);
	out_open(&o, &w);
	ck_assert_int_eq(stats_write(o.f, NULL), 0);
	text = out_close(&o);
	ck_assert_ptr_nonnull(strstr(text, "sysbind_requests_total{site=\"Site \\\"A\\\"\","
	    "code=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "sysbind_requests_total{site=\"B\",code=\"503\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "code=\"0\""));
	ck_assert_ptr_nonnull(strstr(text, "sysbind_http_errors_total{reason=\"QueueFull\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "sysbind_http_errors_total{reason=\"Other\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "sysbind_tls_handshakes_total{step=\"hostnameport\","
	    "result=\"ok\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "sysbind_current_connections{protocol=\"h1\","
	    "state=\"active\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "sysbind_current_connections{protocol=\"h1\","
	    "state=\"idle\"} 1\n"));
	free(o.buf);
	/* B removed by a reload: its series go; A kept: its counts go on */
	stats_live(STATS_SITE, &a, 1);
	stats_request(a, 200);
	out_open(&o, &w);
	ck_assert_int_eq(stats_write(o.f, NULL), 0);
	text = out_close(&o);
	ck_assert_ptr_null(strstr(text, "site=\"B\""));
	ck_assert_ptr_nonnull(strstr(text, "code=\"200\"} 3\n"));
	free(o.buf);
	stats_thread_detach();
	stats_free();
}
END_TEST

static Suite *
promtext_suite(void)
{
	Suite *s = suite_create("promtext");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_promtext_family_then_samples_in_order);
	tcase_add_test(tc, test_promtext_escapes_label_values_and_help);
	tcase_add_test(tc, test_promtext_refuses_what_the_format_forbids);
	tcase_add_test(tc, test_promtext_stats_scrape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(promtext_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
