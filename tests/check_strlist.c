/*
 * check_strlist — the comma-list tokenizer: every "," splits (empty items included: a
 * leading, doubled or trailing comma, an empty list, a list of blanks), blanks are trimmed
 * around each item and kept inside it, the blank set is the caller's, and a bounded list
 * ends at its end even when the text goes on.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "base/strlist.h"

/* The items of s (bounded to n bytes when n is not (size_t)-1), joined by "|". */
static const char *
items(const char *s, size_t n, const char *blanks)
{
	static char out[256];
	struct strlist l;
	const char *it;
	size_t len, off = 0;
	int first = 1;

	out[0] = '\0';
	strlist_init(&l, s, n == (size_t)-1 ? NULL : s + n, blanks);
	while (strlist_next(&l, &it, &len)) {
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%.*s", first ? "" : "|",
		    (int)len, it);
		first = 0;
	}
	ck_assert_int_eq(strlist_next(&l, &it, &len), 0);   /* done stays done */
	return out;
}

START_TEST(test_strlist_splits_at_every_comma)
{
	ck_assert_str_eq(items("a,b,c", (size_t)-1, STRLIST_BLANKS), "a|b|c");
	ck_assert_str_eq(items("one", (size_t)-1, STRLIST_BLANKS), "one");
	/* empty items are items */
	ck_assert_str_eq(items("", (size_t)-1, STRLIST_BLANKS), "");
	ck_assert_str_eq(items(",", (size_t)-1, STRLIST_BLANKS), "|");
	ck_assert_str_eq(items(",a", (size_t)-1, STRLIST_BLANKS), "|a");
	ck_assert_str_eq(items("a,", (size_t)-1, STRLIST_BLANKS), "a|");
	ck_assert_str_eq(items("a,,b", (size_t)-1, STRLIST_BLANKS), "a||b");
	ck_assert_str_eq(items(" , \t, ", (size_t)-1, STRLIST_BLANKS), "||");
}
END_TEST

START_TEST(test_strlist_counts_empty_items)
{
	struct strlist l;
	const char *it;
	size_t len, n = 0, empty = 0;

	strlist_init(&l, " a ,, b,", NULL, STRLIST_BLANKS);
	while (strlist_next(&l, &it, &len)) {
		n++;
		empty += len == 0;
	}
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(empty, 2);
}
END_TEST

START_TEST(test_strlist_trims_blanks_around_not_inside)
{
	ck_assert_str_eq(items("  Ssl ,\tSslRequireCert\t", (size_t)-1, STRLIST_BLANKS),
	    "Ssl|SslRequireCert");
	ck_assert_str_eq(items(" MySite V1 , a b ", (size_t)-1, STRLIST_BLANKS), "MySite V1|a b");
	/* the blank set is the caller's: \v and \r are blanks of STRLIST_SPACE only */
	ck_assert_str_eq(items("\va\r, b\f", (size_t)-1, STRLIST_BLANKS), "\va\r|b\f");
	ck_assert_str_eq(items("\va\r, b\f", (size_t)-1, STRLIST_SPACE), "a|b");
	/* no quoting: a quote is an ordinary byte, a comma inside quotes still splits */
	ck_assert_str_eq(items("\"a,b\"", (size_t)-1, STRLIST_BLANKS), "\"a|b\"");
}
END_TEST

START_TEST(test_strlist_bounded_list_ends_at_its_end)
{
	const char *text = "x = a, b\nnext, line";

	ck_assert_str_eq(items(text + 4, 4, STRLIST_SPACE), "a|b");
	ck_assert_str_eq(items(text + 4, 2, STRLIST_SPACE), "a|");
	ck_assert_str_eq(items(text + 4, 0, STRLIST_SPACE), "");
}
END_TEST

static Suite *
strlist_suite(void)
{
	Suite *s = suite_create("strlist");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_strlist_splits_at_every_comma);
	tcase_add_test(tc, test_strlist_counts_empty_items);
	tcase_add_test(tc, test_strlist_trims_blanks_around_not_inside);
	tcase_add_test(tc, test_strlist_bounded_list_ends_at_its_end);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(strlist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
