/*
 * check_h2head — an HTTP/2 header block as struct http_head (model/h2head.c): the head
 * built, cookies joined, Host from :authority, and each refusal with its page and the
 * partial head the logs show.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "model/h2head.h"

static void
add(struct h2head *b, const char *n, const char *v)
{
	ck_assert_int_eq(h2head_add(b, n, strlen(n), v, strlen(v)), 0);
}

static void
line(struct h2head *b, const char *method, const char *scheme, const char *path,
    const char *authority)
{
	add(b, ":method", method);
	add(b, ":scheme", scheme);
	add(b, ":path", path);
	if (authority != NULL)
		add(b, ":authority", authority);
}

START_TEST(test_h2head_build)
{
	struct h2head b = { 0 };
	struct http_head hd = { 0 };
	enum http_error e;
	const char *detail;

	line(&b, "POST", "https", "/a?b", "www.example.com");
	add(&b, "cookie", "a=1");
	add(&b, "accept", "*/*");
	add(&b, "cookie", "b=2");
	add(&b, "content-length", "12");
	ck_assert_int_eq(h2head_build(&b, 0, &hd, &e, &detail), 0);
	ck_assert_str_eq(hd.method, "POST");
	ck_assert_str_eq(hd.path, "/a?b");
	ck_assert_str_eq(hd.host, "www.example.com");
	ck_assert_int_eq(hd.version_major, 2);
	ck_assert_int_eq(hd.content_length, 12);
	ck_assert_int_eq(hd.chunked, 0);
	ck_assert_uint_eq(hd.nheaders, 4);
	ck_assert_str_eq(hd.headers[0].name, "Host");
	ck_assert_str_eq(hd.headers[0].value, "www.example.com");
	ck_assert_int_eq(hd.headers[0].id, HF_HOST);
	ck_assert_str_eq(hd.headers[1].value, "a=1; b=2");
	ck_assert_str_eq(hd.headers[2].name, "accept");
	ck_assert_str_eq(hd.headers[3].name, "content-length");
	ck_assert_int_eq(hd.headers[3].id, HF_CONTENT_LENGTH);
	h2head_clear(&b);

	/* no length, more to come: chunked to the backend; a Host field names the host */
	memset(&hd, 0, sizeof(hd));
	line(&b, "PUT", "HTTPS", "/", NULL);
	add(&b, "host", "h.example");
	ck_assert_int_eq(h2head_build(&b, 0, &hd, &e, &detail), 0);
	ck_assert_str_eq(hd.host, "h.example");
	ck_assert_int_eq(hd.chunked, 1);
	ck_assert_uint_eq(hd.nheaders, 1);
	h2head_clear(&b);
}
END_TEST

/* A block larger than the struct's inline room (H2HEAD_INLINE_BYTES of names and values,
 * H2HEAD_INLINE_FIELDS fields) moves to the heap as it grows, every field kept in order,
 * the pseudo-header fields stored before the move still right; cleared, the same struct
 * takes a small block inline again. */
START_TEST(test_h2head_outgrows_inline)
{
	struct h2head b = { 0 };
	struct http_head hd = { 0 };
	enum http_error e;
	const char *detail;
	char n[32], v[64];
	int nf = 2 * H2HEAD_INLINE_FIELDS + 3;

	for (int round = 0; round < 2; round++) {
		line(&b, "GET", "https", "/big", "big.example");
		for (int i = 0; i < nf; i++) {
			snprintf(n, sizeof(n), "x-field-%d", i);
			snprintf(v, sizeof(v), "value %d of a header block that outgrows its room", i);
			add(&b, n, v);
		}
		ck_assert_uint_gt(b.alen, H2HEAD_INLINE_BYTES);
		ck_assert_ptr_ne(b.arena, b.inl.arena);
		ck_assert_ptr_ne(b.in, b.inl.in);
		ck_assert_int_eq(h2head_build(&b, 1, &hd, &e, &detail), 0);
		ck_assert_ptr_ne(hd.headers, b.inl.fields);
		ck_assert_str_eq(hd.method, "GET");
		ck_assert_str_eq(hd.path, "/big");
		ck_assert_str_eq(hd.host, "big.example");
		ck_assert_uint_eq(hd.nheaders, (unsigned)nf + 1);
		ck_assert_str_eq(hd.headers[0].name, "Host");
		ck_assert_str_eq(hd.headers[0].value, "big.example");
		for (int i = 0; i < nf; i++) {
			snprintf(n, sizeof(n), "x-field-%d", i);
			snprintf(v, sizeof(v), "value %d of a header block that outgrows its room", i);
			ck_assert_str_eq(hd.headers[i + 1].name, n);
			ck_assert_str_eq(hd.headers[i + 1].value, v);
			ck_assert_uint_eq(hd.headers[i + 1].value_len, strlen(v));
		}
		ck_assert_ptr_null(hd.headers[nf + 1].name);
		h2head_clear(&b);

		/* small again: inline */
		memset(&hd, 0, sizeof(hd));
		line(&b, "GET", "https", "/small", "s.example");
		add(&b, "accept", "*/*");
		ck_assert_ptr_eq(b.arena, b.inl.arena);
		ck_assert_ptr_eq(b.in, b.inl.in);
		ck_assert_int_eq(h2head_build(&b, 1, &hd, &e, &detail), 0);
		ck_assert_ptr_eq(hd.headers, b.inl.fields);
		ck_assert_uint_eq(hd.nheaders, 2);
		ck_assert_str_eq(hd.headers[1].value, "*/*");
		ck_assert_ptr_null(hd.headers[2].name);
		h2head_clear(&b);
		memset(&hd, 0, sizeof(hd));
	}
}
END_TEST

static const struct refusal {
	const char *method, *scheme, *path, *authority, *host, *host2, *cl;
	enum http_error e;
	const char *detail;
} refusals[] = {
	{ "CONNECT", "https", "/", "a", NULL, NULL, NULL, HTTP_ERR_BAD_REQUEST, "CONNECT is not supported" },
	{ "GET", "http", "/", "a", NULL, NULL, NULL, HTTP_ERR_BAD_REQUEST, ":scheme is not https" },
	{ "GET", "https", "http://a/", "a", NULL, NULL, NULL, HTTP_ERR_BAD_REQUEST, ":path is not origin-form" },
	{ "GET", "https", "*", "a", NULL, NULL, NULL, HTTP_ERR_BAD_REQUEST, ":path is not origin-form" },
	{ "GET", "https", "/", "a", "b", NULL, NULL, HTTP_ERR_HOSTNAME, "Host field and :authority name different hosts" },
	{ "GET", "https", "/", NULL, "b", "b", NULL, HTTP_ERR_HOSTNAME, "more than one Host field" },
	{ "GET", "https", "/", "a", NULL, NULL, "1x", HTTP_ERR_BAD_REQUEST, NULL },
};

START_TEST(test_h2head_refused)
{
	const struct refusal *t = &refusals[_i];
	struct h2head b = { 0 };
	struct http_head hd = { 0 };
	enum http_error e;
	const char *detail;

	line(&b, t->method, t->scheme, t->path, t->authority);
	if (t->host != NULL)
		add(&b, "host", t->host);
	if (t->host2 != NULL)
		add(&b, "host", t->host2);
	if (t->cl != NULL)
		add(&b, "content-length", t->cl);
	ck_assert_int_eq(h2head_build(&b, 1, &hd, &e, &detail), -1);
	ck_assert_int_eq(e, t->e);
	if (t->detail == NULL)
		ck_assert_ptr_null(detail);
	else
		ck_assert_str_eq(detail, t->detail);
	/* the logs' head: what of the request line is known */
	ck_assert_int_eq(hd.version_major, 2);
	ck_assert_str_eq(hd.method, t->method);
	ck_assert_str_eq(hd.path, t->path);
	h2head_partial(&b, &hd);   /* built already: unchanged */
	ck_assert_str_eq(hd.method, t->method);
	h2head_clear(&b);
}
END_TEST

START_TEST(test_h2head_partial_only)
{
	struct h2head b = { 0 };
	struct http_head hd = { 0 };

	add(&b, ":method", "GET");
	add(&b, ":authority", "a.example");
	h2head_partial(&b, &hd);
	ck_assert_str_eq(hd.method, "GET");
	ck_assert_ptr_null(hd.path);
	ck_assert_str_eq(hd.host, "a.example");
	ck_assert_int_eq(hd.content_length, -1);
	h2head_clear(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("h2head");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_h2head_build);
	tcase_add_test(tc, test_h2head_outgrows_inline);
	tcase_add_loop_test(tc, test_h2head_refused, 0, sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, test_h2head_partial_only);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
