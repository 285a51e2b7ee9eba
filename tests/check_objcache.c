/*
 * check_objcache — the per-thread object cache: an object put comes out again (last in,
 * first out) before malloc is asked; the cache keeps OBJCACHE_MAX objects at most and
 * frees the rest; drain empties it; each thread has its own; a trim frees what stayed
 * kept since the last trim (the oldest), and keeps what was asked for.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "base/objcache.h"

struct obj {
	void *link;
	char  payload[40];
};

static __thread struct objcache cache;

START_TEST(test_objcache_reuses_what_was_put)
{
	struct obj *a, *b, *c;

	ck_assert_ptr_null(cache.head);
	ck_assert_uint_eq(objcache_count(&cache), 0);
	ck_assert_ptr_nonnull(a = objcache_get(&cache, sizeof(*a)));
	ck_assert_ptr_nonnull(b = objcache_get(&cache, sizeof(*b)));
	ck_assert_ptr_ne(a, b);
	objcache_put(&cache, a);
	objcache_put(&cache, b);
	objcache_put(&cache, NULL);   /* nothing */
	ck_assert_uint_eq(objcache_count(&cache), 2);
	c = objcache_get(&cache, sizeof(*c));
	ck_assert_ptr_eq(c, b);   /* the last put comes out first */
	c = objcache_get(&cache, sizeof(*c));
	ck_assert_ptr_eq(c, a);
	ck_assert_uint_eq(objcache_count(&cache), 0);
	ck_assert_ptr_null(cache.head);
	objcache_put(&cache, a);
	objcache_put(&cache, b);
	objcache_drain(&cache);
	ck_assert_uint_eq(objcache_count(&cache), 0);
	ck_assert_ptr_null(cache.head);
}
END_TEST

START_TEST(test_objcache_keeps_at_most_the_bound)
{
	static struct obj *v[OBJCACHE_MAX + 10];
	size_t n = sizeof(v) / sizeof(v[0]);

	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_nonnull(v[i] = objcache_get(&cache, sizeof(struct obj)));
	for (size_t i = 0; i < n; i++) {
		objcache_put(&cache, v[i]);
		ck_assert_uint_eq(objcache_count(&cache), i < OBJCACHE_MAX ? i + 1 : OBJCACHE_MAX);
	}
	/* what is kept comes out, newest first; then malloc again */
	for (size_t i = OBJCACHE_MAX; i > 0; i--)
		ck_assert_ptr_eq(objcache_get(&cache, sizeof(struct obj)), v[i - 1]);
	ck_assert_uint_eq(objcache_count(&cache), 0);
	for (size_t i = 0; i < OBJCACHE_MAX; i++)
		objcache_put(&cache, v[i]);
	objcache_drain(&cache);
	ck_assert_uint_eq(objcache_count(&cache), 0);
}
END_TEST

static void *
other_thread(void *arg)
{
	/* this thread's cache is empty, whatever the other holds */
	uintptr_t empty = cache.head == NULL && objcache_count(&cache) == 0;
	void *p = objcache_get(&cache, sizeof(struct obj));

	(void)arg;
	objcache_put(&cache, p);
	empty = empty && objcache_count(&cache) == 1;
	objcache_drain(&cache);
	return (void *)empty;
}

START_TEST(test_objcache_one_per_thread)
{
	pthread_t t;
	void *ret = NULL;
	struct obj *a = objcache_get(&cache, sizeof(*a));

	objcache_put(&cache, a);
	ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, (void *)1);
	ck_assert_uint_eq(objcache_count(&cache), 1);   /* the other thread's drain left ours */
	ck_assert_ptr_eq(objcache_get(&cache, sizeof(*a)), a);
	free(a);
}
END_TEST

static __thread struct objcache cache2;

START_TEST(test_objcache_trim_frees_what_was_not_asked_for)
{
	struct obj *v[5], *a, *b;

	for (size_t i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(v[i] = objcache_get(&cache, sizeof(struct obj)));
	for (size_t i = 0; i < 5; i++)
		objcache_put(&cache, v[i]);
	objcache_trim(&cache);   /* the first trim: the mark starts, nothing freed */
	ck_assert_uint_eq(objcache_count(&cache), 5);
	a = objcache_get(&cache, sizeof(*a));
	b = objcache_get(&cache, sizeof(*b));
	ck_assert_ptr_eq(a, v[4]);
	ck_assert_ptr_eq(b, v[3]);
	objcache_put(&cache, b);
	objcache_put(&cache, a);
	objcache_trim(&cache);   /* 3 were never asked for: freed, the 2 used stay */
	ck_assert_uint_eq(objcache_count(&cache), 2);
	ck_assert_ptr_eq(objcache_get(&cache, sizeof(*a)), a);
	ck_assert_ptr_eq(objcache_get(&cache, sizeof(*b)), b);
	ck_assert_ptr_null(cache.head);
	objcache_put(&cache, b);
	objcache_put(&cache, a);
	objcache_trim(&cache);   /* both asked for since the last trim: kept */
	ck_assert_uint_eq(objcache_count(&cache), 2);
	/* every cache of the thread: two idle trims empty both */
	ck_assert_ptr_nonnull(a = objcache_get(&cache2, sizeof(*a)));
	objcache_put(&cache2, a);
	objcache_trim_all();
	objcache_trim_all();
	ck_assert_uint_eq(objcache_count(&cache), 0);
	ck_assert_uint_eq(objcache_count(&cache2), 0);
	ck_assert_ptr_null(cache.head);
	ck_assert_ptr_null(cache2.head);
	ck_assert_ptr_nonnull(a = objcache_get(&cache, sizeof(*a)));   /* still usable */
	objcache_put(&cache, a);
	ck_assert_ptr_eq(objcache_get(&cache, sizeof(*a)), a);
	free(a);
}
END_TEST

static Suite *
objcache_suite(void)
{
	Suite *s = suite_create("objcache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_objcache_reuses_what_was_put);
	tcase_add_test(tc, test_objcache_keeps_at_most_the_bound);
	tcase_add_test(tc, test_objcache_one_per_thread);
	tcase_add_test(tc, test_objcache_trim_frees_what_was_not_asked_for);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(objcache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
