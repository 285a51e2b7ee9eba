/*
 * fuzz_response — libFuzzer harness for the backend side: bytes from a backend go through
 * the response parser (for a GET or a HEAD, chosen by the first byte, split at an offset
 * from the second), every head is re-framed for the client as upstream.c does (chunked
 * out for a close-delimited body, Connection: close or not), and bodies are re-chunked.
 * The client-side head must parse cleanly as a response.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "model/http.h"

struct fuzz_resp_state {
	struct http_parser *p;
	struct evbuffer    *out;
	int                 head_req;
	int                 chunked_out;
};

static int
fuzz_resp_on_head(void *arg, struct http_head *h)
{
	struct fuzz_resp_state *s = arg;
	int bodiless = s->head_req || h->status == 204 || h->status == 304;
	struct evbuffer *cl = evbuffer_new();

	if (cl == NULL)
		return -1;
	s->chunked_out = !bodiless && h->status / 100 != 1 && (h->chunked || h->content_length < 0);
	if (http_response_serialize(h, s->chunked_out, h->keep_alive, cl) == 0) {
		static const struct http_limits big = { 1 << 20, 1 << 20, 1 << 20 };
		static const struct http_callbacks none = { NULL, NULL, NULL };
		struct http_parser *q = http_parser_new(HTTP_PARSE_RESPONSE, &big, &none, NULL);
		size_t len = evbuffer_get_length(cl), used = 0;
		const char *data = (const char *)evbuffer_pullup(cl, -1);

		if (q != NULL) {
			http_parser_set_request_method(q, s->head_req ? "HEAD" : "GET");
			http_parser_pause_after_head(q, 1);
			if (http_parser_feed(q, data, len, &used) == HTTP_FEED_ERROR) {
				fprintf(stderr, "client head refused:\n%.*s\n", (int)len, data);
				abort();
			}
			http_parser_free(q);
		}
		evbuffer_add_buffer(s->out, cl);
	}
	evbuffer_free(cl);
	return bodiless ? 1 : 0;
}

static int
fuzz_resp_on_body(void *arg, const char *data, size_t len)
{
	struct fuzz_resp_state *s = arg;

	if (s->chunked_out)
		return http_chunk_append(s->out, data, len);
	return evbuffer_add(s->out, data, len);
}

static int
fuzz_resp_on_end(void *arg)
{
	struct fuzz_resp_state *s = arg;

	if (s->chunked_out)
		(void)http_chunk_append(s->out, NULL, 0);
	evbuffer_drain(s->out, evbuffer_get_length(s->out));
	return 0;
}

static const struct http_callbacks fuzz_resp_callbacks = {
	fuzz_resp_on_head, fuzz_resp_on_body, fuzz_resp_on_end,
};

static int
fuzz_resp_feed(struct fuzz_resp_state *s, const char *data, size_t len)
{
	int rounds = 0;

	while (len > 0 && rounds++ < 100000) {
		size_t used = 0;
		enum http_feed r = http_parser_feed(s->p, data, len, &used);

		data += used;
		len -= used;
		switch (r) {
		case HTTP_FEED_MORE:
			if (used == 0 && len > 0)
				return -1;
			break;
		case HTTP_FEED_PAUSED:
			/* one response per request: a paused parser after the end is done */
			if (http_parser_idle(s->p))
				return -1;
			http_parser_resume(s->p);
			break;
		case HTTP_FEED_UPGRADE:
		case HTTP_FEED_ERROR:
			return -1;
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_limits lim = { 256, 1024, 512 };
	struct fuzz_resp_state s;
	size_t split;

	if (size < 2)
		return 0;
	memset(&s, 0, sizeof(s));
	s.head_req = data[0] & 1;
	split = data[1] % size;
	data += 2;
	size -= 2;
	if (split > size)
		split = size;
	s.out = evbuffer_new();
	s.p = http_parser_new(HTTP_PARSE_RESPONSE, &lim, &fuzz_resp_callbacks, &s);
	if (s.out == NULL || s.p == NULL)
		goto done;
	http_parser_set_request_method(s.p, s.head_req ? "HEAD" : "GET");
	if (fuzz_resp_feed(&s, (const char *)data, split) == 0 &&
	    fuzz_resp_feed(&s, (const char *)data + split, size - split) == 0)
		(void)http_parser_finish(s.p);
done:
	http_parser_free(s.p);
	if (s.out != NULL)
		evbuffer_free(s.out);
	return 0;
}
