/*
 * fuzz_request — libFuzzer harness for the client side: bytes from a client go through
 * the request parser (split in two at an offset taken from the input, so the parser's
 * resumption is fuzzed too), every accepted head is re-serialised for the backend as
 * upstream.c does, and the forwarded head must itself parse cleanly with a fresh parser
 * and say the same about framing: sysbind never forwards an ambiguous request.  Bodies
 * are re-chunked as they arrive.  Pipelined requests are walked in order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "model/http.h"

struct fuzz_req_state {
	struct http_parser *p;
	struct evbuffer    *out;
	int                 heads;
};

static int
fuzz_req_on_head(void *arg, struct http_head *h)
{
	struct fuzz_req_state *s = arg;
	struct http_forward fw = { .client_ip = "127.0.0.1", .tls = s->heads & 1,
	    .upgrade = h->upgrade, .cert_header = "X-ARR-ClientCert" };
	struct evbuffer *fwd = evbuffer_new();

	s->heads++;
	if (fwd == NULL)
		return -1;
	if (http_request_serialize(h, &fw, fwd) == 0) {
		/* The forwarded head, re-parsed, must be accepted with the same framing. */
		static const struct http_limits big = { 1 << 20, 1 << 20, 1 << 20 };
		static const struct http_callbacks none = { NULL, NULL, NULL };
		struct http_parser *q = http_parser_new(HTTP_PARSE_REQUEST, &big, &none, NULL);
		size_t len = evbuffer_get_length(fwd), used = 0;
		const char *data = (const char *)evbuffer_pullup(fwd, -1);

		if (q != NULL) {
			enum http_feed r;

			http_parser_pause_after_head(q, 1);
			r = http_parser_feed(q, data, len, &used);
			if (r == HTTP_FEED_ERROR) {
				const char *detail = NULL;

				http_parser_error(q, &detail);
				fprintf(stderr, "forwarded head refused (%s):\n%.*s\n",
				    detail ? detail : "?", (int)len, data);
				abort();
			}
			http_parser_free(q);
		}
		evbuffer_add_buffer(s->out, fwd);
	}
	evbuffer_free(fwd);
	return 0;
}

static int
fuzz_req_on_body(void *arg, const char *data, size_t len)
{
	struct fuzz_req_state *s = arg;

	return http_chunk_append(s->out, data, len);
}

static int
fuzz_req_on_end(void *arg)
{
	struct fuzz_req_state *s = arg;

	/* Keep the output small: what matters is that it was produced. */
	evbuffer_drain(s->out, evbuffer_get_length(s->out));
	return 0;
}

static const struct http_callbacks fuzz_req_callbacks = {
	fuzz_req_on_head, fuzz_req_on_body, fuzz_req_on_end,
};

/* Feed data[0..len) until it is used up, the parser fails or upgrades. 0: go on. */
static int
fuzz_req_feed(struct fuzz_req_state *s, const char *data, size_t len)
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
			http_parser_resume(s->p);
			break;
		case HTTP_FEED_UPGRADE:
		case HTTP_FEED_ERROR:
			return -1;
		}
	}
	return 0;
}

/* Parse data[0..size) fed in two reads cut at split; *err and *heads: what it found. */
static void
fuzz_req_run(const uint8_t *data, size_t size, size_t split, enum http_error *err,
    const char **detail, int *heads)
{
	static const struct http_limits lim = { 256, 1024, 512 };
	struct fuzz_req_state s;

	memset(&s, 0, sizeof(s));
	*err = HTTP_ERR_NONE;
	*detail = NULL;
	*heads = 0;
	s.out = evbuffer_new();
	s.p = http_parser_new(HTTP_PARSE_REQUEST, &lim, &fuzz_req_callbacks, &s);
	if (s.out == NULL || s.p == NULL)
		goto done;
	http_parser_pause_after_head(s.p, 1);
	if (fuzz_req_feed(&s, (const char *)data, split) == 0 &&
	    fuzz_req_feed(&s, (const char *)data + split, size - split) == 0)
		(void)http_parser_finish(s.p);
	*err = http_parser_error(s.p, detail);
	*heads = s.heads;
done:
	http_parser_free(s.p);
	if (s.out != NULL)
		evbuffer_free(s.out);
}

/* The input cut where its first byte says, then whole: the same heads and the same error
 * (HTTP.SYS parses in one pass: how the bytes came must not change the answer). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum http_error e1, e2;
	const char *d1, *d2;
	int h1, h2;
	size_t split;

	if (size < 1)
		return 0;
	split = data[0] % (size);
	data++;
	size--;
	if (split > size)
		split = size;
	fuzz_req_run(data, size, split, &e1, &d1, &h1);
	fuzz_req_run(data, size, size, &e2, &d2, &h2);
	if (e1 != e2 || h1 != h2) {
		fprintf(stderr, "cut at %zu: error %d (%s), %d head(s); whole: error %d (%s), "
		    "%d head(s)\n", split, (int)e1, d1 ? d1 : "-", h1, (int)e2, d2 ? d2 : "-", h2);
		abort();
	}
	return 0;
}
