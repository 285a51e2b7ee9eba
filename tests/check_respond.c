/*
 * check_respond — HTTP.SYS's pages byte for byte (HTTP.SYS's lengths, the full
 * Invalid Hostname response), the HTTPERR reasons, the date, and the diagnostic page as
 * JSON (validated and compared exactly, escaping included) and as HTML (escaping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>

#include "model/respond.h"

/* Wed, 30 Jun 2021 04:30:20 GMT: the date of the reference's capture */
static const time_t fixed_now = 1625027420;

static char *take(struct evbuffer *b, size_t *len)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	evbuffer_remove(b, s, n);
	s[n] = '\0';
	if (len != NULL)
		*len = n;
	return s;
}

/* IIS's pages: 403.htm is 1233 bytes as IIS sends it (the Content-Length of its remote
 * 403 in captures), IIS's headers, no Connection: close of their own. */
START_TEST(test_respond_iis_pages)
{
	static const struct { enum respond_page p; int status; const char *h2; } t[] = {
		{ PAGE_IIS_FORBIDDEN, 403, "<h2>403 - Forbidden: Access is denied.</h2>" },
		{ PAGE_IIS_TOO_LARGE, 413, "<h2>413 - Request Entity Too Large.</h2>" },
		{ PAGE_IIS_SERVER_ERROR, 500, "<h2>500 - Internal server error.</h2>" },
	};
	struct evbuffer *b = evbuffer_new();
	char *s;
	size_t n;

	ck_assert_int_eq(respond_error_body(b, PAGE_IIS_FORBIDDEN), 0);
	ck_assert_uint_eq(evbuffer_get_length(b), 1233);
	evbuffer_free(b);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct respond_msg m;

		ck_assert(respond_page_is_iis(t[i].p));
		ck_assert_int_eq(respond_page_status(t[i].p), t[i].status);
		ck_assert_int_eq(respond_error_msg(&m, t[i].p, "Microsoft-HTTPAPI/2.0", fixed_now, 0),
		    0);
		b = evbuffer_new();
		ck_assert_int_eq(respond_msg_write(&m, 0, b), 0);
		s = take(b, &n);
		ck_assert_ptr_nonnull(strstr(s, "\r\nContent-Type: text/html\r\n"
		    "Server: Microsoft-IIS/10.0\r\nX-Powered-By: ASP.NET\r\n"
		    "Date: Wed, 30 Jun 2021 04:30:20 GMT\r\nContent-Length: "));
		ck_assert_ptr_null(strstr(s, "Connection:"));
		ck_assert_ptr_nonnull(strstr(s, t[i].h2));
		free(s);
		evbuffer_free(b);
		respond_msg_clear(&m);
	}
	ck_assert(!respond_page_is_iis(PAGE_BAD_REQUEST));
}
END_TEST

/* IIS 10's redirectHttpToHttps Location: the host's port dropped (an IPv6 literal keeps
 * its brackets), the path and query as sent. */
START_TEST(test_respond_https_location)
{
	static const struct { const char *host, *target, *want; } t[] = {
		{ "shop.example:8080", "/path?q=1&r=%20", "https://shop.example/path?q=1&r=%20" },
		{ "shop.example", "/", "https://shop.example/" },
		{ "Shop.Example:80", "/a/b/", "https://Shop.Example/a/b/" },
		{ "[::1]:8080", "/x?y", "https://[::1]/x?y" },
		{ "[::1]", "/x", "https://[::1]/x" },
		{ "[fe80::1]:8443", "/?", "https://[fe80::1]/?" },
		{ "127.0.0.1:8080", "", "https://127.0.0.1/" },
		{ "127.0.0.1:8080", NULL, "https://127.0.0.1/" },
		{ "host:8080", "*", "https://host/*" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(respond_https_location(t[i].host, t[i].target, out, sizeof(out)), 0);
		ck_assert_str_eq(out, t[i].want);
	}
	ck_assert_int_eq(respond_https_location("h", "/0123456789", out, 20), -1);
}
END_TEST

/* The 301: no body, Content-Length 0, Location, IIS's headers; a field added goes before
 * Content-Length. */
START_TEST(test_respond_redirect_msg)
{
	struct respond_msg m;
	struct evbuffer *b = evbuffer_new();
	char *s;
	size_t n;

	ck_assert_int_eq(respond_redirect_msg(&m, "https://h/p?q", "Microsoft-HTTPAPI/2.0",
	    fixed_now, 0), 0);
	ck_assert_int_eq(respond_msg_write(&m, 0, b), 0);
	s = take(b, &n);
	ck_assert_str_eq(s, "HTTP/1.1 301 Moved Permanently\r\nLocation: https://h/p?q\r\n"
	    "Server: Microsoft-IIS/10.0\r\nX-Powered-By: ASP.NET\r\n"
	    "Date: Wed, 30 Jun 2021 04:30:20 GMT\r\nContent-Length: 0\r\n\r\n");
	free(s);
	respond_msg_clear(&m);
	ck_assert_int_eq(respond_error_msg(&m, PAGE_IIS_FORBIDDEN, "", fixed_now, 0), 0);
	ck_assert_int_eq(respond_msg_add_field(&m, "Strict-Transport-Security", "max-age=1"), 0);
	ck_assert_int_eq(respond_msg_write(&m, 0, b), 0);
	s = take(b, &n);
	ck_assert_ptr_nonnull(strstr(s, "\r\nContent-Type: text/html\r\nX-Powered-By: ASP.NET\r\n"
	    "Date: Wed, 30 Jun 2021 04:30:20 GMT\r\nStrict-Transport-Security: max-age=1\r\n"
	    "Content-Length: 1233\r\n\r\n"));
	free(s);
	respond_msg_clear(&m);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_respond_body_lengths_match_table)
{
	static const struct { enum respond_page p; int status; size_t len; } t[] = {
		{ PAGE_BAD_REQUEST, 400, 311 },
		{ PAGE_INVALID_HOSTNAME, 400, 334 },
		{ PAGE_INVALID_VERB, 400, 326 },
		{ PAGE_INVALID_URL, 400, 324 },
		{ PAGE_INVALID_HEADER, 400, 339 },
		{ PAGE_REQUEST_TOO_LONG, 400, 346 },
		{ PAGE_NOT_FOUND, 404, 315 },
		{ PAGE_LENGTH_REQUIRED, 411, 344 },
		{ PAGE_URL_TOO_LONG, 414, 329 },
		{ PAGE_SERVICE_UNAVAILABLE, 503, 326 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct evbuffer *b = evbuffer_new();
		ck_assert_int_eq(respond_error_body(b, t[i].p), 0);
		ck_assert_uint_eq(evbuffer_get_length(b), t[i].len);
		ck_assert_int_eq(respond_page_status(t[i].p), t[i].status);
		evbuffer_free(b);
		/* the whole response announces the same length */
		b = evbuffer_new();
		ck_assert_int_eq(respond_error(b, t[i].p, "Microsoft-HTTPAPI/2.0", fixed_now, 0), 0);
		char *s = take(b, NULL);
		char want[64];
		snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n\r\n", t[i].len);
		char *cl = strstr(s, want);
		ck_assert_ptr_nonnull(cl);
		ck_assert_uint_eq(strlen(cl + strlen(want)), t[i].len);
		free(s);
		evbuffer_free(b);
	}
}
END_TEST

START_TEST(test_respond_invalid_hostname_exact_bytes)
{
	static const char want[] =
	    "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n"
	    "Server: Microsoft-HTTPAPI/2.0\r\n"
	    "Date: Wed, 30 Jun 2021 04:30:20 GMT\r\n"
	    "Connection: close\r\n"
	    "Content-Length: 334\r\n"
	    "\r\n"
	    "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
	    "<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n"
	    "<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n"
	    "<BODY><h2>Bad Request - Invalid Hostname</h2>\r\n"
	    "<hr><p>HTTP Error 400. The request hostname is invalid.</p>\r\n"
	    "</BODY></HTML>\r\n";
	struct evbuffer *b = evbuffer_new();

	ck_assert_int_eq(respond_error(b, PAGE_INVALID_HOSTNAME, "Microsoft-HTTPAPI/2.0",
	    fixed_now, 0), 0);
	char *s = take(b, NULL);
	ck_assert_str_eq(s, want);
	free(s);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_respond_head_only_and_no_server)
{
	struct evbuffer *b = evbuffer_new();

	ck_assert_int_eq(respond_error(b, PAGE_SERVICE_UNAVAILABLE, NULL, fixed_now, 1), 0);
	char *s = take(b, NULL);
	ck_assert_str_eq(s,
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n"
	    "Date: Wed, 30 Jun 2021 04:30:20 GMT\r\n"
	    "Connection: close\r\n"
	    "Content-Length: 326\r\n\r\n");
	free(s);
	ck_assert_int_eq(respond_error(b, PAGE_URL_TOO_LONG, "", fixed_now, 1), 0);
	s = take(b, NULL);
	ck_assert_ptr_nonnull(strstr(s, "HTTP/1.1 414 Request URL Too Long\r\n"));
	ck_assert_ptr_null(strstr(s, "Server:"));
	free(s);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_respond_sysbind_pages_use_the_template)
{
	static const struct { enum respond_page p; const char *line, *p_text; } t[] = {
		{ PAGE_NOT_IMPLEMENTED, "HTTP/1.1 501 Not Implemented\r\n",
		  "<hr><p>HTTP Error 501. The request transfer encoding is not implemented.</p>\r\n" },
		{ PAGE_VERSION, "HTTP/1.1 505 HTTP Version Not Supported\r\n",
		  "<hr><p>HTTP Error 505. The HTTP version of the request is not supported.</p>\r\n" },
		{ PAGE_BAD_GATEWAY, "HTTP/1.1 502 Bad Gateway\r\n",
		  "<hr><p>HTTP Error 502. The server received an invalid response from the upstream "
		  "server.</p>\r\n" },
		{ PAGE_GATEWAY_TIMEOUT, "HTTP/1.1 504 Gateway Timeout\r\n",
		  "<hr><p>HTTP Error 504. The upstream server did not respond in time.</p>\r\n" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct evbuffer *b = evbuffer_new();
		ck_assert_int_eq(respond_error(b, t[i].p, "x", fixed_now, 0), 0);
		char *s = take(b, NULL);
		ck_assert_int_eq(strncmp(s, t[i].line, strlen(t[i].line)), 0);
		ck_assert_ptr_nonnull(strstr(s, t[i].p_text));
		ck_assert_ptr_nonnull(strstr(s, "</BODY></HTML>\r\n"));
		free(s);
		evbuffer_free(b);
	}
}
END_TEST

START_TEST(test_respond_page_for_error_reasons)
{
	static const struct { enum http_error e; enum respond_page p; const char *r; } t[] = {
		{ HTTP_ERR_BAD_REQUEST, PAGE_BAD_REQUEST, "BadRequest" },
		{ HTTP_ERR_VERB, PAGE_INVALID_VERB, "Verb" },
		{ HTTP_ERR_URL, PAGE_INVALID_URL, "URL" },
		{ HTTP_ERR_HEADER, PAGE_INVALID_HEADER, "Header" },
		{ HTTP_ERR_HOSTNAME, PAGE_INVALID_HOSTNAME, "Hostname" },
		{ HTTP_ERR_REQUEST_LENGTH, PAGE_REQUEST_TOO_LONG, "RequestLength" },
		{ HTTP_ERR_FIELD_LENGTH, PAGE_REQUEST_TOO_LONG, "FieldLength" },
		{ HTTP_ERR_URL_LENGTH, PAGE_URL_TOO_LONG, "URL_Length" },
		{ HTTP_ERR_LENGTH_REQUIRED, PAGE_LENGTH_REQUIRED, "LengthRequired" },
		{ HTTP_ERR_NOT_IMPLEMENTED, PAGE_NOT_IMPLEMENTED, "N/I" },
		{ HTTP_ERR_VERSION, PAGE_VERSION, "Version_N/S" },
		{ HTTP_ERR_INVALID_CRLF, PAGE_BAD_REQUEST, "Invalid_CR/LF" },
		{ HTTP_ERR_BAD_RESPONSE, PAGE_BAD_GATEWAY, "BadResponse" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *r = NULL;
		ck_assert_int_eq(respond_page_for_error(t[i].e, &r), t[i].p);
		ck_assert_str_eq(r, t[i].r);
	}
	ck_assert_int_eq(respond_page_for_error(HTTP_ERR_URL_LENGTH, NULL), PAGE_URL_TOO_LONG);
	ck_assert_int_eq(respond_page_status(PAGE_URL_TOO_LONG), 414);
	ck_assert_int_eq(respond_page_status(PAGE_VERSION), 505);
}
END_TEST

START_TEST(test_respond_http_date)
{
	char buf[64];

	respond_http_date(fixed_now, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Wed, 30 Jun 2021 04:30:20 GMT");
	respond_http_date(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
	respond_http_date(951782400, buf, sizeof(buf));  /* leap day */
	ck_assert_str_eq(buf, "Tue, 29 Feb 2000 00:00:00 GMT");
}
END_TEST

/* ---------- a tiny JSON validator (RFC 8259 grammar, no semantic checks) ---------- */

static const char *js_value(const char *s);

static const char *js_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *js_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	for (;;) {
		unsigned char c = (unsigned char)*s++;
		if (c == '"')
			return s;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			c = (unsigned char)*s++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++, s++)
					if (!strchr("0123456789abcdefABCDEF", *s) || *s == '\0')
						return NULL;
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				return NULL;
			}
		}
	}
}

static const char *js_number(const char *s)
{
	const char *b;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return NULL;
	if (*s == '.') {
		b = ++s;
		while (*s >= '0' && *s <= '9')
			s++;
		if (s == b)
			return NULL;
	}
	return s;
}

static const char *js_list(const char *s, char close, int object)
{
	s = js_ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (object) {
			if ((s = js_string(s)) == NULL)
				return NULL;
			s = js_ws(s);
			if (*s++ != ':')
				return NULL;
		}
		if ((s = js_value(s)) == NULL)
			return NULL;
		s = js_ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
		s = js_ws(s);
	}
}

static const char *js_value(const char *s)
{
	s = js_ws(s);
	switch (*s) {
	case '{': return js_list(s, '}', 1);
	case '[': return js_list(s, ']', 0);
	case '"': return js_string(s);
	case 't': return strncmp(s, "true", 4) == 0 ? s + 4 : NULL;
	case 'f': return strncmp(s, "false", 5) == 0 ? s + 5 : NULL;
	case 'n': return strncmp(s, "null", 4) == 0 ? s + 4 : NULL;
	default:  return js_number(s);
	}
}

static int json_valid(const char *s)
{
	const char *e = js_value(s);

	return e != NULL && *js_ws(e) == '\0';
}

/* Split a response into head and body; checks Content-Length against the body. */
static char *diag_body(const struct respond_diag *d, int json, int keep_alive, char **head)
{
	struct evbuffer *b = evbuffer_new();
	size_t n;

	ck_assert_int_eq(respond_diag(b, d, json, "Microsoft-HTTPAPI/2.0", fixed_now,
	    keep_alive, 0), 0);
	char *s = take(b, &n);
	evbuffer_free(b);
	char *sep = strstr(s, "\r\n\r\n");
	ck_assert_ptr_nonnull(sep);
	sep[2] = '\0';
	char *body = strdup(sep + 4);
	char want[64];
	snprintf(want, sizeof(want), "Content-Length: %zu\r\n", strlen(body));
	ck_assert_ptr_nonnull(strstr(s, want));
	*head = s;
	return body;
}

START_TEST(test_respond_diag_json_tls_exact)
{
	const char *sans[] = { "sitev1.mysite.com", "www.sitev1.mysite.com" };
	struct respond_diag d = {
		.site = "MySite V2", .site_id = 2, .binding = "https/*:443:sitev2.mysite.com",
		.route_tier = ROUTE_HOST_EXACT, .local = "127.0.0.1:8443", .client = "127.0.0.1:51234",
		.host = "sitev2.mysite.com", .sni = "sitev2.mysite.com", .sni_used = 0,
		.mode = CONF_MODE_IIS7, .tls = 1, .cert_subject = "CN=sitev1.mysite.com",
		.cert_sans = sans, .cert_nsans = 2, .cert_thumbprint = "3F2A",
		.cert_not_after = "2027-11-27T08:00:00Z", .selected_by = "ipport 0.0.0.0:443",
		.http_version = "HTTP/1.1", .verdict = VERDICT_NAME_MISMATCH, .verdict_why = "sitev2.mysite.com is not in the SANs",
		.tls_version = "TLSv1.3", .tls_cipher = "TLS_AES_256_GCM_SHA384",
		.cert_steps = { "ipport 127.0.0.1:8443: none", "ipport 0.0.0.0:443: found" },
		.ncert_steps = 2,
		.fix = "bind a certificate that names sitev2.mysite.com to ipport 0.0.0.0:443",
	};
	char *head;
	char *body = diag_body(&d, 1, 1, &head);

	ck_assert_str_eq(head,
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Server: Microsoft-HTTPAPI/2.0\r\nDate: Wed, 30 Jun 2021 04:30:20 GMT\r\n"
	    "Content-Length: 1020\r\nCache-Control: no-store\r\n");
	ck_assert_str_eq(body,
	    "{\n"
	    "  \"site\": \"MySite V2\",\n"
	    "  \"site_id\": 2,\n"
	    "  \"binding\": \"https/*:443:sitev2.mysite.com\",\n"
	    "  \"local\": \"127.0.0.1:8443\",\n"
	    "  \"client\": \"127.0.0.1:51234\",\n"
	    "  \"host\": \"sitev2.mysite.com\",\n"
	    "  \"sni\": \"sitev2.mysite.com\",\n"
	    "  \"mode\": \"iis7\",\n"
	    "  \"certificate\": {\n"
	    "    \"subject\": \"CN=sitev1.mysite.com\",\n"
	    "    \"sans\": [\"sitev1.mysite.com\", \"www.sitev1.mysite.com\"],\n"
	    "    \"thumbprint\": \"3F2A\",\n"
	    "    \"not_after\": \"2027-11-27T08:00:00Z\",\n"
	    "    \"selected_by\": \"ipport 0.0.0.0:443\"\n"
	    "  },\n"
	    "  \"verdict\": \"name-mismatch\",\n"
	    "  \"tls\": {\"version\": \"TLSv1.3\", \"cipher\": \"TLS_AES_256_GCM_SHA384\"},\n"
	    "  \"coalesced_sni\": null,\n"
	    "  \"http_version\": \"HTTP/1.1\",\n"
	    "  \"verdict_why\": \"sitev2.mysite.com is not in the SANs\",\n"
	    "  \"fix\": \"bind a certificate that names sitev2.mysite.com to ipport 0.0.0.0:443\",\n"
	    "  \"chain_sent\": null,\n"
	    "  \"clients\": null,\n"
	    "  \"route_tier\": \"host name\",\n"
	    "  \"sni_used\": false,\n"
	    "  \"cert_steps\": [\"ipport 127.0.0.1:8443: none\", \"ipport 0.0.0.0:443: found\"],\n"
	    "  \"hsts\": {\"strict_transport_security\": null, \"redirect_http\": false},\n"
	    "  \"client_certificate\": null\n"
	    "}\n");
	ck_assert(json_valid(body));
	free(body);
	free(head);
}
END_TEST

/* The second round: the client certificate block, valid JSON, each key as it was given. */
START_TEST(test_respond_diag_json_client_certificate)
{
	struct respond_diag d = {
		.site = "App", .site_id = 1, .binding = "https/*:443:", .local = "127.0.0.1:443",
		.client = "127.0.0.1:40000", .host = "localhost", .sni = "localhost",
		.mode = CONF_MODE_IIS8, .tls = 1, .verdict = VERDICT_OK,
		.cc_flags = "Ssl, SslNegotiateCert, SslRequireCert",
		.cc_where = "[location App/secure]", .cc_round = DIAG_CC_RENEGOTIATION,
		.cc_subject = "CN=client.alice", .cc_verdict = "ok", .cc_why = "served \"ok\"",
		.cc_fix = "clientcertnegotiation = enable in [sslcert 127.0.0.1:443]",
	};
	char *head;
	char *body = diag_body(&d, 1, 0, &head);

	ck_assert(json_valid(body));
	ck_assert_ptr_nonnull(strstr(body, "  \"client_certificate\": {\n"
	    "    \"ssl_flags\": \"Ssl, SslNegotiateCert, SslRequireCert\",\n"
	    "    \"from\": \"[location App/secure]\",\n"
	    "    \"asked_in\": \"renegotiation\",\n"
	    "    \"subject\": \"CN=client.alice\",\n"
	    "    \"verdict\": \"ok\",\n"
	    "    \"why\": \"served \\\"ok\\\"\",\n"
	    "    \"fix\": \"clientcertnegotiation = enable in [sslcert 127.0.0.1:443]\"\n"
	    "  }\n}\n"));
	free(body);
	free(head);
	/* HTML: the renegotiation's fix for the clients that cannot renegotiate */
	body = diag_body(&d, 0, 0, &head);
	ck_assert_ptr_nonnull(strstr(body, "<p class=\"fix\" id=\"cc-fix\"><b>For TLS 1.3 and "
	    "HTTP/2 clients</b>, which cannot be asked by a renegotiation: clientcertnegotiation "
	    "= enable in [sslcert 127.0.0.1:443]</p></li>"));
	free(body);
	free(head);
	/* HTML: the timeline's item and the picture's stage */
	d.cc_round = DIAG_CC_HANDSHAKE;
	d.cc_subject = NULL;
	body = diag_body(&d, 0, 0, &head);
	ck_assert_ptr_nonnull(strstr(body, "<li id=\"clientcert\"><h2>7. Client certificate</h2>"));
	ck_assert_ptr_nonnull(strstr(body, "id=\"stage-clientcert\""));
	ck_assert_ptr_nonnull(strstr(body, "Client certificate (asked in the first handshake)"));
	ck_assert_ptr_nonnull(strstr(body, "The client sent none."));
	free(body);
	free(head);
}
END_TEST

START_TEST(test_respond_diag_json_plain_http_and_escaping)
{
	struct respond_diag d = {
		.site = "Q\"uote\\Back", .site_id = 7, .binding = "http/*:80:",
		.local = "127.0.0.1:8080", .client = "127.0.0.1:40000",
		.host = "a\x01\tb\n\xff", .sni = NULL, .mode = CONF_MODE_IIS8, .tls = 0,
		.verdict = VERDICT_OK,
	};
	char *head;
	char *body = diag_body(&d, 1, 0, &head);

	ck_assert(json_valid(body));
	ck_assert_ptr_nonnull(strstr(head, "Connection: close\r\n"));
	ck_assert_ptr_nonnull(strstr(body, "\"site\": \"Q\\\"uote\\\\Back\",\n"));
	ck_assert_ptr_nonnull(strstr(body, "\"host\": \"a\\u0001\\tb\\n\\u00ff\",\n"));
	ck_assert_ptr_nonnull(strstr(body, "\"sni\": null,\n"));
	ck_assert_ptr_nonnull(strstr(body, "\"certificate\": null,\n"));
	ck_assert_ptr_nonnull(strstr(body, "\"tls\": null,\n"));
	ck_assert_ptr_nonnull(strstr(body, "\"verdict_why\": null,\n"));
	ck_assert_ptr_nonnull(strstr(body, "\"cert_steps\": [],\n  \"hsts\": {\"strict_transport_security\": null, "
	    "\"redirect_http\": false},\n  \"client_certificate\": null\n}"));
	/* the validator itself refuses what it should */
	ck_assert(!json_valid("{\"a\": \"x\ny\"}"));
	ck_assert(!json_valid("{\"a\": \"\\q\"}"));
	ck_assert(!json_valid("{\"a\": 1,}"));
	free(body);
	free(head);
}
END_TEST

START_TEST(test_respond_diag_html_escapes_and_highlights)
{
	const char *sans[] = { "sitev1.mysite.com" };
	struct respond_diag d = {
		.site = "MySite V1", .site_id = 1, .binding = "https/*:443:",
		.route_tier = ROUTE_BLANK_ANY, .local = "127.0.0.1:8443",
		.client = "127.0.0.1:51234", .host = "<script>alert('x')</script>&",
		.sni = NULL, .mode = CONF_MODE_IIS7, .tls = 1, .cert_subject = "CN=sitev1.mysite.com",
		.cert_sans = sans, .cert_nsans = 1, .selected_by = "ipport 0.0.0.0:443",
		.verdict = VERDICT_NAME_MISMATCH, .tls_version = "TLSv1.2",
		.cert_steps = { "ipport 127.0.0.1:8443: none" }, .ncert_steps = 1,
	};
	char *head;
	char *body = diag_body(&d, 0, 1, &head);

	ck_assert_ptr_nonnull(strstr(head, "Content-Type: text/html; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(head, "Cache-Control: no-store\r\n"));
	ck_assert_ptr_null(strstr(head, "Connection:"));
	ck_assert_ptr_null(strstr(body, "<script>"));
	ck_assert_ptr_nonnull(strstr(body,
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"));
	/* no external assets */
	ck_assert_ptr_null(strstr(body, "src="));
	ck_assert_ptr_null(strstr(body, "href="));
	ck_assert_ptr_null(strstr(body, "http://"));
	ck_assert_ptr_null(strstr(body, "https://"));
	/* the story: accept, ClientHello without SNI, certificate step, mismatch */
	ck_assert_ptr_nonnull(strstr(body, "127.0.0.1:8443"));
	ck_assert_ptr_nonnull(strstr(body, "<b>no SNI</b>"));
	ck_assert_ptr_nonnull(strstr(body, "ipport 127.0.0.1:8443: none"));
	ck_assert_ptr_nonnull(strstr(body, "ipport 0.0.0.0:443"));
	ck_assert_ptr_nonnull(strstr(body, "class=\"verdict bad\""));
	ck_assert_ptr_nonnull(strstr(body, "not a name of the certificate above"));
	free(body);
	free(head);
}
END_TEST

START_TEST(test_respond_diag_html_sni_ignored_in_iis7)
{
	struct respond_diag d = {
		.site = "S", .site_id = 1, .host = "sitev2.mysite.com",
		.sni = "sitev2.mysite.com", .mode = CONF_MODE_IIS7, .tls = 1, .verdict = VERDICT_OK,
	};
	char *head;
	char *body = diag_body(&d, 0, 1, &head);

	ck_assert_ptr_nonnull(strstr(body, "<b>ignored</b>"));
	ck_assert_ptr_nonnull(strstr(body, "class=\"verdict ok\""));
	free(body);
	free(head);
	d.mode = CONF_MODE_IIS8;
	d.sni_used = 1;
	body = diag_body(&d, 0, 1, &head);
	ck_assert_ptr_nonnull(strstr(body, "<b>used</b>"));
	free(body);
	free(head);
}
END_TEST

/* The picture of the decision path (inline SVG): one group per stage, the knowledge
 * pills, and the mismatch bracket between the certificate and the host. */
/* The legend under the picture: each marker drawn as the picture draws it (the same
 * classes), then what it means; the fix under the verdict, escaped; none over plain http. */
START_TEST(test_respond_diag_html_legend_and_fix)
{
	struct respond_diag d = {
		.site = "MySite V2", .site_id = 2, .binding = "https/127.0.0.1:8443:sitev2.mysite.com",
		.local = "127.0.0.1:8443", .client = "127.0.0.1:51234", .host = "sitev2.mysite.com",
		.sni = "sitev2.mysite.com", .mode = CONF_MODE_IIS7, .tls = 1,
		.verdict = VERDICT_NAME_MISMATCH, .verdict_why = "certificate names sitev1.mysite.com",
		.fix = "netsh http update sslcert certhash=<thumbprint>",
	};
	static const char *keys[] = { "markers", "known", "unknown", "ignored", "na", "bracket",
	    "bad" };
	static const char *marks[] = { NULL, "class=\"know k-yes\"", "class=\"know k-no\"",
	    "class=\"know k-ignored\"", "class=\"know k-na\"", "class=\"mismatch\"><path "
	    "class=\"br\"", "class=\"bad\"><rect class=\"box\"" };
	char *head, *body, *legend, *end, *p, *prev;
	size_t i;

	body = diag_body(&d, 0, 1, &head);
	ck_assert_ptr_nonnull(strstr(body, "</p>\n<p class=\"fix\" id=\"fix\"><b>How to fix:</b> "
	    "netsh http update sslcert certhash=&lt;thumbprint&gt;</p>\n<figure"));
	legend = strstr(body, "<ul id=\"legend\" class=\"legend\">");
	ck_assert_ptr_nonnull(legend);
	ck_assert(legend > strstr(body, "</svg>\n"));   /* under the picture, in its figure */
	ck_assert(legend < strstr(body, "<figcaption>"));
	end = strstr(legend, "</ul>");
	ck_assert_ptr_nonnull(end);
	prev = legend;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "<li data-legend=\"%s\">", keys[i]);
		p = strstr(prev, want);
		ck_assert_msg(p != NULL && p < end, "legend item %s", keys[i]);
		if (marks[i] != NULL)
			ck_assert_msg(strstr(p, marks[i]) != NULL && strstr(p, marks[i]) <
			    strstr(p, "</li>"), "legend item %s draws %s", keys[i], marks[i]);
		prev = p;
	}
	ck_assert_ptr_nonnull(strstr(legend, "<b>IP:Port</b>, <b>SNI</b>, <b>Host</b>: "));
	ck_assert_ptr_nonnull(strstr(legend, "red bracket: joins the certificate sent to the host "
	    "the client asked for, when the certificate does not name that host (name-mismatch)"));
	free(body);
	free(head);

	/* plain http: no verdict, no fix; the legend still explains the markers */
	d.tls = 0;
	d.verdict = -1;
	d.fix = NULL;
	body = diag_body(&d, 0, 1, &head);
	ck_assert_ptr_null(strstr(body, "id=\"fix\""));
	ck_assert_ptr_nonnull(strstr(body, "<li data-legend=\"na\">"));
	free(body);
	free(head);
}
END_TEST

START_TEST(test_respond_diag_svg_draws_the_two_site_mismatch)
{
	const char *sans[] = { "sitev1.mysite.com" };
	struct respond_diag d = {
		.site = "MySite V2", .site_id = 2, .binding = "https/127.0.0.1:8443:sitev2.mysite.com",
		.route_tier = ROUTE_HOST_EXACT, .local = "127.0.0.1:8443", .client = "127.0.0.1:51234",
		.host = "sitev2.mysite.com:8443", .sni = "sitev2.mysite.com", .mode = CONF_MODE_IIS7,
		.tls = 1, .cert_subject = "CN=sitev1.mysite.com", .cert_sans = sans,
		.cert_nsans = 1, .cert_thumbprint = "dc250871f2e1c99bc38c0387fc5f88e7f87c379a",
		.selected_by = "ipport 0.0.0.0:8443", .verdict = VERDICT_NAME_MISMATCH,
		.verdict_why = "certificate names sitev1.mysite.com, not sitev2.mysite.com",
		.tls_version = "TLSv1.3", .tls_cipher = "TLS_AES_256_GCM_SHA384",
	};
	static const char *stages[] = { "stage-accept", "stage-hello", "stage-cert",
	    "stage-handshake", "stage-host", "stage-site", "stage-verdict" };
	char *head, *body, *svg, *p, *prev = NULL;
	size_t i;

	body = diag_body(&d, 0, 1, &head);
	svg = strstr(body, "<svg id=\"decision-path\"");
	ck_assert_ptr_nonnull(svg);
	ck_assert_ptr_nonnull(strstr(svg, "class=\"has-mismatch\""));
	/* the stages, in time order */
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "id=\"%s\"", stages[i]);
		p = strstr(svg, want);
		ck_assert_msg(p != NULL, "%s missing", stages[i]);
		ck_assert(prev == NULL || p > prev);
		prev = p;
	}
	ck_assert_ptr_nonnull(strstr(svg, "SNI sitev2.mysite.com: IGNORED (iis7 chooses by IP:Port)"));
	ck_assert_ptr_nonnull(strstr(svg, "3. Certificate chosen by ipport 0.0.0.0:8443"));
	ck_assert_ptr_nonnull(strstr(svg, ">CN=sitev1.mysite.com<"));
	ck_assert_ptr_nonnull(strstr(svg, "Host: sitev2.mysite.com:8443"));
	ck_assert_ptr_nonnull(strstr(svg, "class=\"stage bad\" id=\"stage-cert\""));
	ck_assert_ptr_nonnull(strstr(svg, "class=\"stage bad\" id=\"stage-host\""));
	ck_assert_ptr_nonnull(strstr(svg, "class=\"stage\" id=\"stage-site\""));
	/* at the ClientHello the SNI is ignored and the Host unknown; at the request, known */
	p = strstr(svg, "id=\"stage-hello\"");
	ck_assert_ptr_nonnull(strstr(p, "data-know=\"sni\" data-state=\"ignored\""));
	ck_assert(strstr(p, "data-know=\"host\" data-state=\"unknown\"") <
	    strstr(p, "id=\"stage-cert\""));
	p = strstr(svg, "id=\"stage-host\"");
	ck_assert(strstr(p, "data-know=\"host\" data-state=\"known\"") <
	    strstr(p, "id=\"stage-site\""));
	ck_assert_ptr_nonnull(strstr(svg, "<g id=\"mismatch\" class=\"mismatch\">"));
	ck_assert_ptr_nonnull(strstr(svg, "the certificate names sitev1.mysite.com, the client "
	    "asked for sitev2.mysite.com<"));
	ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
	ck_assert_ptr_null(strstr(body, "http://"));
	free(body);
	free(head);

	/* the fix: the verdict is ok, nothing is drawn red, no bracket */
	d.verdict = VERDICT_OK;
	d.verdict_why = "certificate covers sitev2.mysite.com";
	body = diag_body(&d, 0, 1, &head);
	ck_assert_ptr_nonnull(strstr(body, "class=\"no-mismatch\""));
	ck_assert_ptr_null(strstr(body, "id=\"mismatch\""));
	ck_assert_ptr_null(strstr(body, "class=\"stage bad\""));
	free(body);
	free(head);
}
END_TEST

START_TEST(test_respond_diag_svg_plain_http_and_long_values)
{
	char longhost[300];
	struct respond_diag d = { .site = "S<1>", .site_id = 1, .mode = CONF_MODE_IIS8, .verdict = -1 };
	char *head, *body;

	memset(longhost, 'a', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	d.host = longhost;
	body = diag_body(&d, 0, 1, &head);
	ck_assert_ptr_nonnull(strstr(body, "id=\"stage-accept\""));
	ck_assert_ptr_nonnull(strstr(body, "id=\"stage-host\""));
	ck_assert_ptr_nonnull(strstr(body, "id=\"stage-site\""));
	ck_assert_ptr_null(strstr(body, "id=\"stage-cert\""));
	ck_assert_ptr_null(strstr(body, "id=\"stage-verdict\""));
	ck_assert_ptr_nonnull(strstr(body, "data-know=\"sni\" data-state=\"n/a\""));
	ck_assert_ptr_nonnull(strstr(body, "Site: S&lt;1&gt; (id 1)"));
	/* a long value is cut inside its box, with an ellipsis */
	ck_assert_ptr_nonnull(strstr(body, "aaaa&#8230;</text>"));
	free(body);
	free(head);
}
END_TEST

START_TEST(test_respond_diag_head_only)
{
	struct respond_diag d = { .site = "S", .site_id = 1, .verdict = VERDICT_OK };
	struct evbuffer *b = evbuffer_new(), *full = evbuffer_new();

	ck_assert_int_eq(respond_diag(b, &d, 1, NULL, fixed_now, 1, 1), 0);
	ck_assert_int_eq(respond_diag(full, &d, 1, NULL, fixed_now, 1, 0), 0);
	char *s = take(b, NULL), *f = take(full, NULL);
	size_t hl = strlen(s);
	ck_assert_int_eq(strncmp(s, f, hl), 0);
	ck_assert_str_eq(s + hl - 4, "\r\n\r\n");
	ck_assert_ptr_null(strstr(s, "Server:"));
	ck_assert(json_valid(f + hl));
	free(s);
	free(f);
	evbuffer_free(b);
	evbuffer_free(full);
}
END_TEST

/* The one JSON escaper: UTF-8 as it is, every other byte >= 0x80 and every control
 * character escaped, so that the output is valid JSON whatever the string holds. */
static void
json_put_test(void *arg, const char *p, size_t n)
{
	strncat(arg, p, n);
}

START_TEST(test_respond_json_escape)
{
	static const struct { const char *in, *out; } rows[] = {
		{ NULL, "null" },
		{ "", "\"\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "\n\r\t\b\f\x01\x7f", "\"\\n\\r\\t\\b\\f\\u0001\\u007f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "Latin-1 \xe9", "\"Latin-1 \\u00e9\"" },                 /* not UTF-8 */
		{ "\xc0\xaf", "\"\\u00c0\\u00af\"" },                      /* overlong */
		{ "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"" },          /* a surrogate */
		{ "cut \xe2\x82", "\"cut \\u00e2\\u0082\"" },              /* cut short */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char got[128] = "";

		respond_json_escape(rows[i].in, json_put_test, got);
		ck_assert_msg(strcmp(got, rows[i].out) == 0, "row %zu: got %s, want %s", i, got,
		    rows[i].out);
	}
}
END_TEST

static Suite *respond_suite(void)
{
	Suite *s = suite_create("respond");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_respond_json_escape);
	tcase_add_test(tc, test_respond_body_lengths_match_table);
	tcase_add_test(tc, test_respond_iis_pages);
	tcase_add_test(tc, test_respond_diag_json_client_certificate);
	tcase_add_test(tc, test_respond_invalid_hostname_exact_bytes);
	tcase_add_test(tc, test_respond_head_only_and_no_server);
	tcase_add_test(tc, test_respond_sysbind_pages_use_the_template);
	tcase_add_test(tc, test_respond_page_for_error_reasons);
	tcase_add_test(tc, test_respond_http_date);
	tcase_add_test(tc, test_respond_https_location);
	tcase_add_test(tc, test_respond_redirect_msg);
	tcase_add_test(tc, test_respond_diag_json_tls_exact);
	tcase_add_test(tc, test_respond_diag_json_plain_http_and_escaping);
	tcase_add_test(tc, test_respond_diag_html_escapes_and_highlights);
	tcase_add_test(tc, test_respond_diag_html_sni_ignored_in_iis7);
	tcase_add_test(tc, test_respond_diag_head_only);
	tcase_add_test(tc, test_respond_diag_svg_draws_the_two_site_mismatch);
	tcase_add_test(tc, test_respond_diag_svg_plain_http_and_long_values);
	tcase_add_test(tc, test_respond_diag_html_legend_and_fix);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(respond_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
