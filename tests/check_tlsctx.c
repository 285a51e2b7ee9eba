/* Unit tests for tlsctx: the server_name extension parser the ClientHello callback uses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tlsctx.h"

/* Build a server_name extension body holding one host_name. */
static size_t
sni_ext(unsigned char *buf, const char *name)
{
	size_t n = strlen(name);

	buf[0] = (unsigned char)((n + 3) >> 8);
	buf[1] = (unsigned char)(n + 3);
	buf[2] = 0;
	buf[3] = (unsigned char)(n >> 8);
	buf[4] = (unsigned char)n;
	memcpy(buf + 5, name, n);
	return n + 5;
}

START_TEST(test_tlsctx_sni_parse_lowercases_the_name)
{
	unsigned char ext[300];
	char name[256];
	size_t len = sni_ext(ext, "SiteV2.MySite.com");

	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "sitev2.mysite.com");
}
END_TEST

START_TEST(test_tlsctx_sni_parse_rejects_every_truncation)
{
	unsigned char ext[300];
	char name[256];
	size_t len = sni_ext(ext, "sitev1.mysite.com"), cut;

	for (cut = 0; cut < len; cut++)
		ck_assert_int_eq(tlsctx_sni_parse(ext, cut, name, sizeof(name)), -1);
}
END_TEST

START_TEST(test_tlsctx_sni_parse_rejects_bad_names)
{
	unsigned char ext[300];
	char name[256];
	size_t len;

	len = sni_ext(ext, "bad name");
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), -1);
	len = sni_ext(ext, "x");
	ext[5] = 0;   /* NUL inside the name */
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), -1);
	len = sni_ext(ext, "sitev1.mysite.com");
	ext[2] = 1;   /* not host_name */
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), -1);
	len = sni_ext(ext, "sitev1.mysite.com");
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, 5), -1);   /* does not fit */
}
END_TEST

START_TEST(test_tlsctx_sni_parse_rejects_an_empty_name)
{
	unsigned char ext[] = { 0, 3, 0, 0, 0 };
	char name[256];

	ck_assert_int_eq(tlsctx_sni_parse(ext, sizeof(ext), name, sizeof(name)), -1);
}
END_TEST

static Suite *
tlsctx_suite(void)
{
	Suite *s = suite_create("tlsctx");
	TCase *tc = tcase_create("sni");

	tcase_add_test(tc, test_tlsctx_sni_parse_lowercases_the_name);
	tcase_add_test(tc, test_tlsctx_sni_parse_rejects_every_truncation);
	tcase_add_test(tc, test_tlsctx_sni_parse_rejects_bad_names);
	tcase_add_test(tc, test_tlsctx_sni_parse_rejects_an_empty_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tlsctx_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
