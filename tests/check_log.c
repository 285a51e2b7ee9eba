/*
 * Unit tests for log: the line format and the throttling of repeated lines, through a
 * sink file (log_set_sink) and a fake clock (log_set_clock).
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

static FILE *sink;
static _Atomic uint64_t fake_ms;

static uint64_t
fake_clock(void)
{
	return atomic_load_explicit(&fake_ms, memory_order_relaxed);
}

static void
setup(void)
{
	sink = tmpfile();
	ck_assert_ptr_nonnull(sink);
	fake_ms = 1000000;
	log_set_clock(fake_clock);
	log_set_sink(sink);
}

static void
teardown(void)
{
	log_set_sink(NULL);
	log_set_clock(NULL);
	fclose(sink);
}

/* What the sink holds, each line without its timestamp ("info: ..."), NUL-terminated
 * (caller frees). */
static char *
lines(void)
{
	char buf[512], *out = calloc(1, 1 << 16);
	size_t off = 0;

	ck_assert_ptr_nonnull(out);
	rewind(sink);
	while (fgets(buf, sizeof(buf), sink) != NULL) {
		ck_assert_uint_gt(strlen(buf), 20);   /* "2024-05-01 12:00:00 " */
		ck_assert_uint_lt(off + strlen(buf + 20), (1 << 16) - 1);
		memcpy(out + off, buf + 20, strlen(buf + 20));
		off += strlen(buf + 20);
	}
	fseek(sink, 0, SEEK_END);
	return out;
}

#define expect_lines(want) do { \
		char *got_ = lines(); \
		ck_assert_str_eq(got_, want); \
		free(got_); \
	} while (0)

START_TEST(test_log_line_format)
{
	log_info("sysbind serving %s", "x.ini");
	log_warnx("plain %d", 7);
	errno = ECONNREFUSED;
	log_warn("connecting to backend %s", "127.0.0.1:9");
	ck_assert_int_eq(errno, ECONNREFUSED);   /* preserved */
	expect_lines("info: sysbind serving x.ini\n"
	    "warn: plain 7\n"
	    "warn: connecting to backend 127.0.0.1:9: Connection refused\n");
}
END_TEST

START_TEST(test_log_repeats_are_counted_then_summarised_before_a_new_line)
{
	unsigned i;

	for (i = 0; i < 1117; i++) {
		log_info("conn %u: backend 127.0.0.1:9: Connection refused", i + 1);
		fake_ms += 0;   /* all within the window */
	}
	log_info("something else");
	expect_lines("info: conn 1: backend 127.0.0.1:9: Connection refused\n"
	    "info: ... 1116 more like the line above in the last 1 s\n"
	    "info: something else\n");
}
END_TEST

START_TEST(test_log_only_connection_lines_and_only_their_tag_may_differ)
{
	log_info("conn 1: backend 127.0.0.1:9: Connection refused");
	log_info("conn 2: backend 127.0.0.1:10: Connection refused");   /* another backend */
	log_info("conn 3: backend 127.0.0.1:10: Connection refused");
	log_warnx("conn 4: backend 127.0.0.1:10: Connection refused");   /* another level */
	log_info("reloaded: generation 2 serving");
	log_info("reloaded: generation 3 serving");   /* another number: news */
	log_info("connection 5: x");
	log_info("connection 6: x");   /* not the tag */
	log_info("SIGUSR1: 2 log file(s) reopened");
	log_info("SIGUSR1: 2 log file(s) reopened");   /* a daemon's event: each written */
	log_flush();
	expect_lines("info: conn 1: backend 127.0.0.1:9: Connection refused\n"
	    "info: conn 2: backend 127.0.0.1:10: Connection refused\n"
	    "info: ... 1 more like the line above in the last 1 s\n"
	    "warn: conn 4: backend 127.0.0.1:10: Connection refused\n"
	    "info: reloaded: generation 2 serving\n"
	    "info: reloaded: generation 3 serving\n"
	    "info: connection 5: x\n"
	    "info: connection 6: x\n"
	    "info: SIGUSR1: 2 log file(s) reopened\n"
	    "info: SIGUSR1: 2 log file(s) reopened\n");
}
END_TEST

START_TEST(test_log_window_passing_writes_the_count_and_opens_a_new_window)
{
	unsigned i;

	for (i = 0; i < 10; i++) {
		log_info("conn %u: refused", i);
		fake_ms += 50;   /* 10 lines in 0.5 s */
	}
	log_tick();   /* still inside the window: nothing */
	expect_lines("info: conn 0: refused\n");
	fake_ms += 600;
	log_tick();   /* the window passed: the count, at once */
	expect_lines("info: conn 0: refused\n"
	    "info: ... 9 more like the line above in the last 2 s\n");
	log_tick();   /* said once */
	log_info("conn 99: refused");   /* the next alike line is written again */
	log_info("conn 100: refused");
	fake_ms += 1000;
	log_info("conn 101: refused");   /* past the window without a tick */
	log_flush();
	expect_lines("info: conn 0: refused\n"
	    "info: ... 9 more like the line above in the last 2 s\n"
	    "info: conn 99: refused\n"
	    "info: ... 1 more like the line above in the last 1 s\n"
	    "info: conn 101: refused\n");
}
END_TEST

START_TEST(test_log_debug_lines_are_never_throttled)
{
	log_set_verbose(1);
	log_debug("conn 1: state A -> B");
	log_debug("conn 2: state A -> B");
	log_info("conn 3: x");
	log_info("conn 4: x");
	log_debug("conn 5: state A -> B");   /* ends the run: the count comes first */
	log_set_verbose(0);
	expect_lines("debug: conn 1: state A -> B\n"
	    "debug: conn 2: state A -> B\n"
	    "info: conn 3: x\n"
	    "info: ... 1 more like the line above in the last 1 s\n"
	    "debug: conn 5: state A -> B\n");
}
END_TEST

START_TEST(test_log_long_lines_are_written_whole)
{
	char big[5000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	log_info("%s", big);   /* too long to compare: written again */
	fseek(sink, 0, SEEK_END);
	/* "2024-05-01 12:00:00 info: " + 4999 a's + '\n', twice */
	ck_assert_int_eq(ftell(sink), 2 * (20 + 6 + 4999 + 1));
}
END_TEST

#define THREADS 4
#define PER_THREAD 2000

static void *
spam(void *arg)
{
	unsigned base = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < PER_THREAD; i++)
		log_info("conn %u: backend 127.0.0.1:9: Connection refused", base + i);
	return NULL;
}

/* Threads logging at once: whole lines, and every line written or counted exactly once. */
START_TEST(test_log_threads_count_every_line_once)
{
	pthread_t t[THREADS];
	char *got, *p;
	unsigned long written = 0, counted = 0;

	for (uintptr_t i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, spam, (void *)(i * PER_THREAD)), 0);
	for (unsigned k = 0; k < 20; k++) {   /* windows pass while they log */
		atomic_fetch_add_explicit(&fake_ms, 400, memory_order_relaxed);
		log_tick();
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	log_flush();
	got = lines();
	for (p = got; *p != '\0'; p = strchr(p, '\n') + 1) {
		unsigned long n;

		if (sscanf(p, "info: ... %lu more like the line above", &n) == 1)
			counted += n;
		else if (strncmp(p, "info: conn ", 11) == 0 &&
		    strstr(p, ": backend 127.0.0.1:9: Connection refused\n") != NULL)
			written++;
		else
			ck_abort_msg("unexpected line: %.80s", p);
	}
	ck_assert_uint_eq(written + counted, THREADS * PER_THREAD);
	ck_assert_uint_le(written, 2 * 20 + 2);
	free(got);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("repeats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_log_line_format);
	tcase_add_test(tc, test_log_repeats_are_counted_then_summarised_before_a_new_line);
	tcase_add_test(tc, test_log_only_connection_lines_and_only_their_tag_may_differ);
	tcase_add_test(tc, test_log_window_passing_writes_the_count_and_opens_a_new_window);
	tcase_add_test(tc, test_log_debug_lines_are_never_throttled);
	tcase_add_test(tc, test_log_long_lines_are_written_whole);
	tcase_add_test(tc, test_log_threads_count_every_line_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
