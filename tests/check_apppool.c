/* check_apppool — the application pool's pure decisions (model/apppool.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "model/apppool.h"

START_TEST(test_apppool_admit_queue_length)
{
	ck_assert_int_eq(apppool_admit(0, 10), 1);
	ck_assert_int_eq(apppool_admit(9, 10), 1);     /* the 10th may wait */
	ck_assert_int_eq(apppool_admit(10, 10), 0);    /* the 11th: QueueFull */
	ck_assert_int_eq(apppool_admit(999, 1000), 1);
	ck_assert_int_eq(apppool_admit(1000, 1000), 0);
}
END_TEST

START_TEST(test_apppool_answer_table)
{
	ck_assert_int_eq(apppool_answer(CONF_LB_HTTP, CONF_VERBOSITY_LIMITED), APPPOOL_ANSWER_LIMITED);
	ck_assert_int_eq(apppool_answer(CONF_LB_HTTP, CONF_VERBOSITY_FULL), APPPOOL_ANSWER_FULL);
	ck_assert_int_eq(apppool_answer(CONF_LB_HTTP, CONF_VERBOSITY_BASIC), APPPOOL_ANSWER_RESET);
	ck_assert_int_eq(apppool_answer(CONF_LB_TCP, CONF_VERBOSITY_LIMITED), APPPOOL_ANSWER_RESET);
	ck_assert_int_eq(apppool_answer(CONF_LB_TCP, CONF_VERBOSITY_FULL), APPPOOL_ANSWER_RESET);
	ck_assert_str_eq(apppool_reason_name(APPPOOL_QUEUE_FULL), "QueueFull");
	ck_assert_str_eq(apppool_reason_name(APPPOOL_APP_OFFLINE), "AppOffline");
	ck_assert_str_eq(apppool_reason_phrase(APPPOOL_QUEUE_FULL), "Application request queue full.");
}
END_TEST

START_TEST(test_apppool_window_fifth_failure)
{
	struct apppool_window w = { 0, 0 };
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(apppool_window_fail(&w, 1000 + i, 5, 300), 0);
	ck_assert_int_eq(apppool_window_fail(&w, 1010, 5, 300), 1);   /* the 5th stops */
	/* a failure after the interval opens a new window */
	w.start = 0; w.count = 0;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(apppool_window_fail(&w, 1000, 5, 300), 0);
	ck_assert_int_eq(apppool_window_fail(&w, 1300, 5, 300), 0);
	ck_assert_uint_eq(w.count, 1);
}
END_TEST

START_TEST(test_apppool_slots_and_stop)
{
	struct apppool_state s;
	struct conf_site site = { 0 };
	struct apppool_snapshot snap;

	apppool_state_init(&s);
	ck_assert_int_eq(apppool_slot_take(&s, 1), 0);
	ck_assert_int_eq(apppool_slot_take(&s, 1), -1);
	apppool_slot_put(&s);
	ck_assert_int_eq(apppool_slot_take(&s, 0), 0);
	site.rapid_fail = 1;
	site.rapid_fail_max_crashes = 2;
	site.rapid_fail_interval = 5;
	ck_assert_int_eq(apppool_failure(&s, &site, 100), 0);
	ck_assert_int_eq(apppool_failure(&s, &site, 101), 1);
	ck_assert_int_eq(apppool_failure(&s, &site, 102), 0);   /* stopped already */
	apppool_reject(&s, APPPOOL_APP_OFFLINE);
	apppool_snapshot(&s, &snap);
	ck_assert_int_eq(snap.run, APPPOOL_STOPPED);
	ck_assert_uint_eq(snap.failures, 3);
	ck_assert_uint_eq(snap.rejected[APPPOOL_APP_OFFLINE], 1);
	apppool_state_clear(&s);
}
END_TEST

/* Sites naming one pool (ASCII case ignored, as IIS compares names) get one index; a
 * site without app_pool is its own pool, named after it. */
START_TEST(test_apppool_group_by_name)
{
	char err[4096];
	struct conf *c = conf_parse(
	    "[site A]\nid = 1\nbindings = http/*:8080:a\napp_pool = DefaultAppPool\n"
	    "[site B]\nid = 2\nbindings = http/*:8080:b\n"
	    "[site C]\nid = 3\nbindings = http/*:8080:c\napp_pool = defaultapppool\n"
	    "[site D]\nid = 4\nbindings = http/*:8080:d\napp_pool = B\n",
	    "t.ini", 0, err, sizeof(err));
	size_t of[4], n = 99;

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(apppool_group(c, of, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(of[0], 0);
	ck_assert_uint_eq(of[1], 1);
	ck_assert_uint_eq(of[2], 0);
	ck_assert_uint_eq(of[3], 1);   /* app_pool = B is site B's own pool */
	conf_free(c);
}
END_TEST

/* Two sites of one pool that set it differently are refused, naming both lines. */
START_TEST(test_apppool_sites_disagree_refused)
{
	char err[4096];
	struct conf *c = conf_parse(
	    "[site A]\nid = 1\nbindings = http/*:8080:a\napp_pool = P\nqueue_length = 500\n"
	    "[site B]\nid = 2\nbindings = http/*:8080:b\napp_pool = P\n",
	    "t.ini", 0, err, sizeof(err));

	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "t.ini:6: queue_length = 1000 of [site B] differs from "
	    "queue_length = 500 of [site A] (line 5), which shares its application pool \"P\"")
	    != NULL, "%s", err);
	/* alike: accepted */
	c = conf_parse(
	    "[site A]\nid = 1\nbindings = http/*:8080:a\napp_pool = P\nload_balancer = tcp\n"
	    "[site B]\nid = 2\nbindings = http/*:8080:b\napp_pool = P\nload_balancer = tcp\n",
	    "t.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	conf_free(c);
}
END_TEST

/* MaxQueueItemAge: the oldest first waiter of the pool's waiting lists; a list that empties
 * leaves, one whose first changes moves */
START_TEST(test_apppool_oldest_waiter)
{
	struct apppool_state s;
	struct apppool_snapshot snap;
	int a, b, c;

	apppool_state_init(&s);
	apppool_snapshot(&s, &snap);
	ck_assert_uint_eq(snap.oldest_ms, 0);
	apppool_head_set(&s, &a, 2, 5000);
	apppool_head_set(&s, &b, 1, 3000);
	apppool_head_set(&s, &c, 3, 7000);
	apppool_snapshot(&s, &snap);
	ck_assert_uint_eq(snap.oldest_ms, 3000);
	apppool_head_set(&s, &b, 4, 6000);      /* b's first went: its next came at 6000 */
	apppool_snapshot(&s, &snap);
	ck_assert_uint_eq(snap.oldest_ms, 5000);
	apppool_head_set(&s, &a, 0, 0);         /* a emptied */
	apppool_head_set(&s, &a, 0, 0);         /* twice: nothing */
	apppool_snapshot(&s, &snap);
	ck_assert_uint_eq(snap.oldest_ms, 6000);
	apppool_head_set(&s, &b, 0, 0);
	apppool_head_set(&s, &c, 0, 0);
	apppool_snapshot(&s, &snap);
	ck_assert_uint_eq(snap.oldest_ms, 0);
	ck_assert_uint_eq(s.nheads, 0);
	apppool_state_clear(&s);
}
END_TEST

/* The pool's order across waiting lists (workers, generations): a list's first goes only
 * when no other list's first holds an older ticket */
START_TEST(test_apppool_first_across_lists)
{
	struct apppool_state s;
	int a, b;
	uint64_t t1, t2, t3;

	apppool_state_init(&s);
	t1 = apppool_ticket(&s);
	t2 = apppool_ticket(&s);
	t3 = apppool_ticket(&s);
	ck_assert(t1 < t2 && t2 < t3);
	ck_assert_int_eq(apppool_first(&s, &a, t3), 1);   /* nobody else waits */
	apppool_head_set(&s, &a, t1, 100);
	apppool_head_set(&s, &b, t2, 200);
	ck_assert_int_eq(apppool_first(&s, &a, t1), 1);
	ck_assert_int_eq(apppool_first(&s, &b, t2), 0);   /* a's first came before */
	apppool_head_set(&s, &a, t3, 300);                 /* a's first went; its next is t3 */
	ck_assert_int_eq(apppool_first(&s, &b, t2), 1);
	ck_assert_int_eq(apppool_first(&s, &a, t3), 0);
	apppool_head_set(&s, &b, 0, 0);
	ck_assert_int_eq(apppool_first(&s, &a, t3), 1);
	apppool_state_clear(&s);
}
END_TEST

/* A pool a reload keeps: shared by reference; a reload starts it (the rapid-fail stop
 * and its window go, the limit becomes the new one), what it holds and what waits stay */
START_TEST(test_apppool_start_keeps_counts)
{
	struct apppool_state *s = apppool_state_new(1);
	struct conf_site site = { 0 };
	struct apppool_snapshot snap;

	ck_assert_ptr_nonnull(s);
	apppool_state_hold(s);   /* the next generation's reference */
	ck_assert_int_eq(apppool_slot_take(s, atomic_load(&s->max)), 0);
	ck_assert_int_eq(apppool_slot_take(s, atomic_load(&s->max)), -1);
	atomic_fetch_add(&s->queued, 3);
	site.rapid_fail = 1;
	site.rapid_fail_max_crashes = 1;
	site.rapid_fail_interval = 5;
	ck_assert_int_eq(apppool_failure(s, &site, 100), 1);
	apppool_start(s, 2);
	apppool_snapshot(s, &snap);
	ck_assert_int_eq(snap.run, APPPOOL_STARTED);
	ck_assert_uint_eq(snap.window_count, 0);
	ck_assert_uint_eq(snap.busy, 1);
	ck_assert_uint_eq(snap.queued, 3);
	ck_assert_uint_eq(snap.failures, 1);
	ck_assert_int_eq(apppool_slot_take(s, atomic_load(&s->max)), 0);
	ck_assert_int_eq(apppool_slot_take(s, atomic_load(&s->max)), -1);
	apppool_state_release(s);
	apppool_state_release(s);   /* the last: freed (ASan sees a leak otherwise) */
	apppool_state_release(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("apppool");
	TCase *tc = tcase_create("decide");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_apppool_admit_queue_length);
	tcase_add_test(tc, test_apppool_answer_table);
	tcase_add_test(tc, test_apppool_window_fifth_failure);
	tcase_add_test(tc, test_apppool_slots_and_stop);
	tcase_add_test(tc, test_apppool_group_by_name);
	tcase_add_test(tc, test_apppool_sites_disagree_refused);
	tcase_add_test(tc, test_apppool_oldest_waiter);
	tcase_add_test(tc, test_apppool_first_across_lists);
	tcase_add_test(tc, test_apppool_start_keeps_counts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
