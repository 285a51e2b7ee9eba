/* Unit tests for accesslog: the W3C and HTTPERR header blocks and line formats. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/accesslog.h"
#include "base/log.h"

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
	ck_assert_uint_lt(fread(buf, 1, 8191, fp), 8191);   /* the whole file, and it fits */
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
	e.version = "HTTP/2";
	e.user_agent = "curl/8 (x)";
	e.status = 200;
	e.time_taken_ms = 15;
	e.site = "MySite V2";
	e.host = "sitev2.mysite.com";
	e.sni = "sitev2.mysite.com";
	e.thumbprint = "ab12";
	e.verdict = "name-mismatch";
	e.coalesced = "sitev1.mysite.com";
	accesslog_w3c_write(l, &e);
	accesslog_close(l);
	text = slurp();
	ck_assert_ptr_nonnull(strstr(text, "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: "));
	ck_assert_ptr_nonnull(strstr(text, "\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken s-sitename cs-host x-sni x-cert-thumbprint x-cert-verdict x-coalesced\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n2023-11-14 22:13:20 127.0.0.1 GET /a+b x=1 8443 - 127.0.0.2 HTTP/2 curl/8+(x) - 200 0 0 15 MySite+V2 sitev2.mysite.com sitev2.mysite.com ab12 name-mismatch sitev1.mysite.com\n"));
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

START_TEST(test_accesslog_w3c_empty_fields_are_dashes_in_utc)
{
	char err[256];
	struct accesslog *l = accesslog_open(logpath, ACCESSLOG_W3C, err, sizeof(err));
	struct accesslog_w3c e;
	char *text, *line;

	ck_assert_ptr_nonnull(l);
	memset(&e, 0, sizeof(e));
	e.when = 1700000000 + 3600 * 2;   /* 00:13:20 UTC the next day, whatever TZ says */
	e.s_ip = "127.0.0.1";
	e.method = "GET";
	e.uri_stem = "/";
	e.uri_query = "";
	e.s_port = 8080;
	e.c_ip = "::1";
	e.user_agent = "a\tb\001c";
	e.referer = "";
	e.status = 400;
	e.site = "MySite V1";
	e.host = "sitev1.mysite.com:8080";
	/* plain http: no SNI, no certificate, no verdict */
	accesslog_w3c_write(l, &e);
	accesslog_close(l);
	text = slurp();
	line = strstr(text, "\n2023-11-15 00:13:20 ");
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line + 1, "2023-11-15 00:13:20 127.0.0.1 GET / - 8080 - ::1 - a+b+c - 400 0 0 0 "
	    "MySite+V1 sitev1.mysite.com:8080 - - - -\n");
	free(text);
}
END_TEST

START_TEST(test_accesslog_httperr_timer_line_without_request)
{
	char err[256];
	struct accesslog *l = accesslog_open(logpath, ACCESSLOG_HTTPERR, err, sizeof(err));
	struct accesslog_httperr e;
	char *text;

	ck_assert_ptr_nonnull(l);
	memset(&e, 0, sizeof(e));
	e.when = 1700000000;
	e.c_ip = "127.0.0.1";
	e.c_port = 51234;
	e.s_ip = "127.0.0.1";
	e.s_port = 8443;
	e.reason = "Timer_ConnectionIdle";
	accesslog_httperr_write(l, &e);
	memset(&e, 0, sizeof(e));
	e.when = 1700000001;
	e.c_ip = "127.0.0.1";
	e.c_port = 51235;
	e.s_ip = "127.0.0.1";
	e.s_port = 8080;
	e.version = "HTTP/1.1";
	e.method = "GET";
	e.uri = "/";
	e.status = 503;
	e.site_id = 2;
	e.reason = "Disabled";
	e.queue = "MySite V2";
	accesslog_httperr_write(l, &e);
	accesslog_close(l);
	text = slurp();
	/* HTTP.SYS writes a timer line with every request field empty */
	ck_assert_ptr_nonnull(strstr(text, "\n2023-11-14 22:13:20 127.0.0.1 51234 127.0.0.1 8443 - - - "
	    "- - - Timer_ConnectionIdle -\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n2023-11-14 22:13:21 127.0.0.1 51235 127.0.0.1 8080 HTTP/1.1 "
	    "GET / - 503 2 Disabled MySite+V2\n"));
	free(text);
}
END_TEST

START_TEST(test_accesslog_header_date_is_utc_now)
{
	char err[256], want[32];
	struct accesslog *l;
	char *text;
	time_t now = time(NULL);
	struct tm tm;

	setenv("TZ", "America/New_York", 1);
	tzset();
	l = accesslog_open(logpath, ACCESSLOG_W3C, err, sizeof(err));
	ck_assert_ptr_nonnull(l);
	accesslog_close(l);
	gmtime_r(&now, &tm);
	strftime(want, sizeof(want), "#Date: %Y-%m-%d %H:", &tm);
	text = slurp();
	ck_assert_ptr_nonnull(strstr(text, want));
	free(text);
}
END_TEST

/* issue 5: several worker threads write one log at once; SIGUSR1 reopens it. */
struct accesslog_writer {
	struct accesslog *l;
	int               n;
};

static void *
accesslog_writer_run(void *arg)
{
	struct accesslog_writer *w = arg;
	struct accesslog_w3c e;
	int i;

	memset(&e, 0, sizeof(e));
	e.when = 1700000000;
	e.method = "GET";
	e.uri_stem = "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	e.status = 200;
	e.site = "Concurrent";
	for (i = 0; i < w->n; i++)
		accesslog_w3c_write(w->l, &e);
	return NULL;
}

START_TEST(test_accesslog_threads_never_interleave_lines)
{
	char err[256], line[1024];
	struct accesslog *l = accesslog_open(logpath, ACCESSLOG_W3C, err, sizeof(err));
	struct accesslog_writer w = { l, 2000 };
	pthread_t t[4];
	FILE *fp;
	int i, lines = 0, bad = 0;

	ck_assert_ptr_nonnull(l);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, accesslog_writer_run, &w), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	accesslog_close(l);
	fp = fopen(logpath, "r");
	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		lines++;
		if (strncmp(line, "2023-11-14 22:13:20 - GET /aaaa", 31) != 0 ||
		    strstr(line, " 200 0 0 0 Concurrent - - - - -\n") == NULL)
			bad++;
	}
	fclose(fp);
	ck_assert_int_eq(lines, 8000);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_accesslog_reopen_starts_the_rotated_file_with_a_header)
{
	char err[256], moved[80];
	struct accesslog *l = accesslog_open(logpath, ACCESSLOG_HTTPERR, err, sizeof(err));
	struct accesslog_httperr e;
	char *text;

	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(accesslog_path(l), logpath);
	snprintf(moved, sizeof(moved), "%s.1", logpath);
	ck_assert_int_eq(rename(logpath, moved), 0);
	ck_assert_int_eq(accesslog_reopen(l, err, sizeof(err)), 0);
	memset(&e, 0, sizeof(e));
	e.when = 1700000000;
	e.reason = "Timer_ConnectionIdle";
	accesslog_httperr_write(l, &e);
	accesslog_close(l);
	text = slurp();
	ck_assert_ptr_nonnull(strstr(text, "#Software: Microsoft HTTP API 2.0\n"));
	ck_assert_ptr_nonnull(strstr(text, "Timer_ConnectionIdle"));
	free(text);
	unlink(moved);
}
END_TEST

/* issue 19: a thread with a loop hook buffers its lines until the loop pass ends. */
static int scheduled;

static void
count_schedule(void *arg)
{
	(*(int *)arg)++;
}

START_TEST(test_accesslog_hook_buffers_until_the_pass_ends)
{
	char err[256];
	struct accesslog *l = accesslog_open(logpath, ACCESSLOG_HTTPERR, err, sizeof(err));
	struct accesslog_httperr e;
	struct stat st;
	off_t header;
	char *text;

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(stat(logpath, &st), 0);
	header = st.st_size;   /* the header is written at open */
	ck_assert_int_gt(header, 0);
	memset(&e, 0, sizeof(e));
	e.when = 1700000000;
	e.reason = "N/A";
	scheduled = 0;
	accesslog_thread_hook(count_schedule, &scheduled);
	accesslog_httperr_write(l, &e);
	accesslog_httperr_write(l, &e);
	ck_assert_int_eq(scheduled, 1);   /* once per pass */
	ck_assert_int_eq(stat(logpath, &st), 0);
	ck_assert_int_eq(st.st_size, header);   /* nothing written yet */
	accesslog_flush_all();   /* the end of the pass */
	accesslog_httperr_write(l, &e);
	ck_assert_int_eq(scheduled, 2);   /* the next pass asks again */
	accesslog_thread_hook(NULL, NULL);
	ck_assert_uint_eq(accesslog_dropped(l), 0);
	accesslog_close(l);   /* writes what is held */
	text = slurp();
	ck_assert_msg(strstr(text, "\n2023-11-14 22:13:20 - 0 - 0 - - - - - - N/A -\n"
	    "2023-11-14 22:13:20 - 0 - 0 - - - - - - N/A -\n"
	    "2023-11-14 22:13:20 - 0 - 0 - - - - - - N/A -\n") != NULL, "%s", text);
	free(text);
}
END_TEST

/* A FIFO its reader does not read: writing never blocks, lines that do not fit are dropped
 * and counted, and once the reader reads, a #Remark says how many, in their place. */
START_TEST(test_accesslog_full_pipe_drops_counts_and_remarks)
{
	char err[256], fifo[80], buf[4096], *text, *p;
	struct accesslog *l;
	struct accesslog_w3c e;
	size_t len = 0, cap = 1 << 22;
	unsigned long lines = 0, remarked = 0, after = 0, n, dropped;
	unsigned i, total = 4000;
	FILE *sink = tmpfile();
	int rfd;
	ssize_t r;

	ck_assert_ptr_nonnull(sink);
	log_set_sink(sink);
	snprintf(fifo, sizeof(fifo), "%s.fifo", logpath);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rfd, 0);
	(void)fcntl(rfd, F_SETPIPE_SZ, 4096);   /* a small pipe: full after a few lines */
	l = accesslog_open(fifo, ACCESSLOG_W3C, err, sizeof(err));
	ck_assert_ptr_nonnull(l);
	memset(&e, 0, sizeof(e));
	e.when = 1700000000;
	e.method = "GET";
	e.uri_stem = "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	e.status = 200;
	for (i = 0; i < total; i++)   /* 4000 lines of ~120 bytes: far more than pipe + buffer */
		accesslog_w3c_write(l, &e);
	dropped = accesslog_dropped(l);
	ck_assert_uint_gt(dropped, 0);
	ck_assert_uint_lt(dropped, total);
	/* the reader reads; what was held, then the remark, then lines again */
	text = calloc(1, cap);
	ck_assert_ptr_nonnull(text);
	for (int round = 0; round < 200; round++) {
		while ((r = read(rfd, buf, sizeof(buf))) > 0) {
			ck_assert_uint_lt(len + (size_t)r, cap);
			memcpy(text + len, buf, (size_t)r);
			len += (size_t)r;
		}
		if (round == 100)
			accesslog_w3c_write(l, &e);   /* one more, after the loss */
		accesslog_flush(l);
	}
	accesslog_close(l);
	while ((r = read(rfd, buf, sizeof(buf))) > 0) {
		memcpy(text + len, buf, (size_t)r);
		len += (size_t)r;
	}
	close(rfd);
	unlink(fifo);
	for (p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
		ck_assert_ptr_nonnull(strchr(p, '\n'));   /* whole lines only */
		if (sscanf(p, "#Remark: %lu lines dropped (pipe full)\n", &n) == 1) {
			remarked += n;
			continue;
		}
		if (*p == '#')
			continue;
		ck_assert_msg(strncmp(p, "2023-11-14 22:13:20 - GET /aaaa", 31) == 0, "%.60s", p);
		if (remarked > 0)
			after++;
		lines++;
	}
	ck_assert_uint_eq(remarked, dropped);   /* one remark, with the exact count */
	ck_assert_uint_eq(after, 1);            /* the line after the loss comes after it */
	ck_assert_uint_eq(lines + dropped, total + 1);
	/* the daemon log said it once */
	rewind(sink);
	ck_assert_int_gt(fread(buf, 1, sizeof(buf) - 1, sink), 0);
	snprintf(err, sizeof(err), "warn: access log %s: %lu lines dropped (pipe full)\n", fifo,
	    dropped);
	ck_assert_ptr_nonnull(strstr(buf, err));
	log_set_sink(NULL);
	fclose(sink);
	free(text);
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
	tcase_add_test(tc, test_accesslog_w3c_empty_fields_are_dashes_in_utc);
	tcase_add_test(tc, test_accesslog_httperr_timer_line_without_request);
	tcase_add_test(tc, test_accesslog_header_date_is_utc_now);
	tcase_add_test(tc, test_accesslog_threads_never_interleave_lines);
	tcase_add_test(tc, test_accesslog_reopen_starts_the_rotated_file_with_a_header);
	tcase_add_test(tc, test_accesslog_hook_buffers_until_the_pass_ends);
	tcase_add_test(tc, test_accesslog_full_pipe_drops_counts_and_remarks);
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
