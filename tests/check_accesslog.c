/* Unit tests for accesslog: the W3C and HTTPERR header blocks and line formats. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accesslog.h"

static char logpath[64];

static void
setup(void)
{
	int fd;

	snprintf(logpath, sizeof(logpath), "/tmp/check_accesslog.XXXXXX");
	fd = mkstemp(logpath);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
teardown(void)
{
	unlink(logpath);
}

/* The whole file, NUL-terminated (caller frees). */
static char *
slurp(void)
{
	FILE *fp = fopen(logpath, "r");
	char *buf = calloc(1, 8192);

	ck_assert_ptr_nonnull(fp);
	fread(buf, 1, 8191, fp);
	fclose(fp);
	return buf;
}

START_TEST(test_accesslog_field_replaces_spaces_and_empties)
{
	char out[32];

	accesslog_field("MySite V1", out, sizeof(out));
	ck_assert_str_eq(out, "MySite+V1");
	accesslog_field("a\tb\r\nc", out, sizeof(out));
	ck_assert_str_eq(out, "a+b++c");
	accesslog_field("", out, sizeof(out));
	ck_assert_str_eq(out, "-");
	accesslog_field(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "-");
	accesslog_field("abcdef", out, 4);
	ck_assert_str_eq(out, "abc");
}
END_TEST

START_TEST(test_accesslog_w3c_writes_iis_header_and_line)
{
	char err[256];
	struct accesslog *l = accesslog_open(logpath, ACCESSLOG_W3C, err, sizeof(err));
	struct accesslog_w3c e;
	char *text;

	ck_assert_ptr_nonnull(l);
	memset(&e, 0, sizeof(e));
	e.when = 1700000000;   /* 2023-11-14 22:13:20 UTC */
	e.s_ip = "127.0.0.1";
	e.method = "GET";
	e.uri_stem = "/a b";
	e.uri_query = "x=1";
	e.s_port = 8443;
	e.c_ip = "127.0.0.2";
	e.user_agent = "curl/8 (x)";
	e.status = 200;
	e.time_taken_ms = 15;
	e.site = "MySite V2";
	e.host = "sitev2.mysite.com";
	e.sni = "sitev2.mysite.com";
	e.thumbprint = "ab12";
	e.verdict = "name-mismatch";
	accesslog_w3c_write(l, &e);
	accesslog_close(l);
	text = slurp();
	ck_assert_ptr_nonnull(strstr(text, "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: "));
	ck_assert_ptr_nonnull(strstr(text, "\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken s-sitename cs-host x-sni x-cert-thumbprint x-cert-verdict\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n2023-11-14 22:13:20 127.0.0.1 GET /a+b x=1 8443 - 127.0.0.2 curl/8+(x) - 200 0 0 15 MySite+V2 sitev2.mysite.com sitev2.mysite.com ab12 name-mismatch\n"));
	free(text);
}
END_TEST

START_TEST(test_accesslog_httperr_writes_http_api_header_and_line)
{
	char err[256];
	struct accesslog *l = accesslog_open(logpath, ACCESSLOG_HTTPERR, err, sizeof(err));
	struct accesslog_httperr e;
	char *text;

	ck_assert_ptr_nonnull(l);
	memset(&e, 0, sizeof(e));
	e.when = 1700000000;
	e.c_ip = "127.0.0.1";
	e.c_port = 2780;
	e.s_ip = "127.0.0.1";
	e.s_port = 80;
	e.version = "HTTP/1.1";
	e.method = "GET";
	e.uri = "/ThisIsMyUrl.htm";
	e.status = 400;
	e.reason = "Hostname";
	accesslog_httperr_write(l, &e);
	accesslog_close(l);
	text = slurp();
	ck_assert_ptr_nonnull(strstr(text, "#Software: Microsoft HTTP API 2.0\n#Version: 1.0\n#Date: "));
	ck_assert_ptr_nonnull(strstr(text, "\n#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n2023-11-14 22:13:20 127.0.0.1 2780 127.0.0.1 80 HTTP/1.1 GET /ThisIsMyUrl.htm - 400 - Hostname -\n"));
	free(text);
}
END_TEST

START_TEST(test_accesslog_open_reports_the_path)
{
	char err[256];

	ck_assert_ptr_null(accesslog_open("/nonexistent-dir/x.log", ACCESSLOG_W3C, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.log"));
}
END_TEST

static Suite *
accesslog_suite(void)
{
	Suite *s = suite_create("accesslog");
	TCase *tc = tcase_create("formats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_accesslog_field_replaces_spaces_and_empties);
	tcase_add_test(tc, test_accesslog_w3c_writes_iis_header_and_line);
	tcase_add_test(tc, test_accesslog_httperr_writes_http_api_header_and_line);
	tcase_add_test(tc, test_accesslog_open_reports_the_path);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(accesslog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
