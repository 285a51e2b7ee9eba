/*
 * backend — the HTTP/1.1 origin server the integration tests put behind sysbind.  A
 * deliberately independent implementation (raw bufferevents, its own small parser) so
 * the proxy is tested against bytes it did not produce.  Usage:
 *   backend --port N [--name NAME] [--bind IP] [--record FILE] [--no-accept]
 * --record FILE appends every byte received, on any connection, to FILE as it arrives (the
 * tests compare it with exactly what sysbind should have forwarded).  --no-accept listens
 * with a backlog of 0 and never accepts: once its queue is full, further connection
 * attempts hang (a loopback-only way to make a connect time out).
 * Paths:
 *   /echo /upload      JSON: method, path, headers, body length and sha256
 *   /bytes/N           N pseudo-random bytes with Content-Length
 *   /chunked/N         the same bytes, chunked
 *   /close/N           the same bytes, close-delimited
 *   /status/N          status N
 *   /slow/MS           answers /echo after MS milliseconds
 *   /stats             {"accepted":A,"requests":R}
 *   /bad               an invalid response;  /reset  closes without answering
 *   /ws                101 Switching Protocols, then echoes bytes
 * Fault paths (the scriptable fault backend of the robustness tests):
 *   /fault/silent      reads the request, never answers, keeps the connection open
 *   /fault/reset-head  resets the connection (RST) before any response byte
 *   /fault/reset-body  sends a head (Content-Length 1000) and 10 bytes, then resets
 *   /fault/truncate    sends a head (Content-Length 100) and 10 bytes, then closes (FIN)
 *   /fault/malformed   a head with two different Content-Length values
 *   /fault/extra       a complete keep-alive response followed by a second, unasked one
 *   /fault/101         101 Switching Protocols to a request that asked for no upgrade
 *   /fault/drip/N/MS   a chunked body of N one-byte chunks, one every MS milliseconds
 *   /fault/die-next    a normal keep-alive answer; the next request on this connection
 *                      is read and then the connection closed without an answer
 *   /fault/early-403   403 as soon as the head is read, keep-alive, the body left unread:
 *                      whatever the body holds is read as the next request (a server that
 *                      refuses without draining the body, as many do)
 *   /fault/close-reset/N  a close-delimited body of N bytes, then a reset (RST) instead of
 *                      the closing FIN: the body is cut short, and only the TCP reset says so
 * Every request handled is logged on stderr as "request METHOD PATH".
 * Every response carries X-Backend: NAME.  Bodies are streamed (hashed as they arrive,
 * generated as the socket drains), so 100 MiB transfers use little memory here too.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/evp.h>

#define HEAD_MAX (64 * 1024)
#define GEN_STEP (128 * 1024)

enum bstate { B_HEAD, B_BODY, B_CHUNK_SIZE, B_CHUNK_DATA, B_CHUNK_CRLF, B_TRAILER,
	B_SENDING, B_WAIT, B_WS, B_CLOSING };
enum gen_mode { GEN_NONE, GEN_LENGTH, GEN_CHUNKED, GEN_CLOSE };

struct bconn {
	struct bufferevent *bev;
	struct event       *timer;
	enum bstate         st;
	char                method[32];
	char                path[2048];
	char                headers[HEAD_MAX];  /* "Name: value\n" lines, for /echo */
	int                 minor;
	int                 keep;
	int                 chunked;
	long long           remaining;          /* body bytes still to read */
	long long           body_len;
	EVP_MD_CTX         *sha;
	/* response generation */
	enum gen_mode       gen;
	long long           gen_left;
	uint64_t            rng;
	/* faults */
	int                 die_next;           /* close instead of answering the next request */
	int                 timer_action;       /* what the timer does: T_SLOW, T_RESET, T_DRIP */
	long                drip_left, drip_ms;
};

enum { T_SLOW = 0, T_RESET, T_DRIP };

static const char *backend_name = "backend";
static unsigned long n_accepted, n_requests;
static FILE *record_file;

static void bconn_read_cb(struct bufferevent *bev, void *arg);
static void bconn_process(struct bconn *b);
static void slow_cb(evutil_socket_t fd, short what, void *arg);

static void
bconn_free(struct bconn *b)
{
	if (b->timer != NULL)
		event_free(b->timer);
	if (b->sha != NULL)
		EVP_MD_CTX_free(b->sha);
	bufferevent_free(b->bev);
	free(b);
}

static void
json_str(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(out, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			evbuffer_add_printf(out, "\\u%04x", ch);
		else
			evbuffer_add(out, s, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static const char *
reason_of(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 500: return "Internal Server Error";
	default:  return "Status";
	}
}

static void
start_head(struct bconn *b, int status, struct evbuffer *out)
{
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nX-Backend: %s\r\n", status,
	    reason_of(status), backend_name);
	if (!b->keep)
		evbuffer_add_printf(out, "Connection: close\r\n");
}

/* The response is complete (all of it in the output buffer, or generated). */
static void
response_done(struct bconn *b)
{
	if (!b->keep) {
		b->st = B_CLOSING;
		if (evbuffer_get_length(bufferevent_get_output(b->bev)) == 0)
			bconn_free(b);
		return;
	}
	b->st = B_HEAD;
	bconn_process(b);
}

static void
send_echo(struct bconn *b)
{
	struct bufferevent *bev = b->bev;
	struct evbuffer *body = evbuffer_new(), *out = bufferevent_get_output(bev);
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65], *line, *save = NULL;
	int i, first = 1;

	EVP_DigestFinal_ex(b->sha, md, &mdlen);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	evbuffer_add_printf(body, "{\"backend\":");
	json_str(body, backend_name);
	evbuffer_add_printf(body, ",\"method\":");
	json_str(body, b->method);
	evbuffer_add_printf(body, ",\"path\":");
	json_str(body, b->path);
	evbuffer_add_printf(body, ",\"headers\":[");
	for (line = strtok_r(b->headers, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (!first)
			evbuffer_add(body, ",", 1);
		first = 0;
		json_str(body, line);
	}
	evbuffer_add_printf(body, "],\"body_length\":%lld,\"body_sha256\":\"%s\"}\n",
	    b->body_len, hex);
	start_head(b, 200, out);
	evbuffer_add_printf(out, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    evbuffer_get_length(body));
	if (strcmp(b->method, "HEAD") != 0)
		evbuffer_add_buffer(out, body);
	evbuffer_free(body);
	response_done(b);
}

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Produce up to GEN_STEP more bytes of a generated body. */
static void
generate(struct bconn *b)
{
	struct evbuffer *out = bufferevent_get_output(b->bev);
	static unsigned char buf[GEN_STEP];
	size_t n, i;

	while (b->gen_left > 0 && evbuffer_get_length(out) < 2 * GEN_STEP) {
		n = b->gen_left < GEN_STEP ? (size_t)b->gen_left : GEN_STEP;
		if (b->gen == GEN_CHUNKED && n > 16384)
			n = 16384;
		for (i = 0; i < n; i += 8) {
			uint64_t r = rng_next(&b->rng);
			memcpy(buf + i, &r, n - i < 8 ? n - i : 8);
		}
		if (b->gen == GEN_CHUNKED)
			evbuffer_add_printf(out, "%zx\r\n", n);
		evbuffer_add(out, buf, n);
		if (b->gen == GEN_CHUNKED)
			evbuffer_add(out, "\r\n", 2);
		b->gen_left -= (long long)n;
	}
	if (b->gen_left == 0) {
		enum gen_mode m = b->gen;

		b->gen = GEN_NONE;
		if (m == GEN_CHUNKED)
			evbuffer_add(out, "0\r\n\r\n", 5);
		if (m == GEN_CLOSE)
			b->keep = 0;
		response_done(b);
	}
}

static void
send_generated(struct bconn *b, enum gen_mode mode, long long n)
{
	struct evbuffer *out = bufferevent_get_output(b->bev);

	if (mode == GEN_CLOSE)
		b->keep = 0;
	start_head(b, 200, out);
	evbuffer_add_printf(out, "Content-Type: application/octet-stream\r\n");
	if (mode == GEN_LENGTH)
		evbuffer_add_printf(out, "Content-Length: %lld\r\n", n);
	else if (mode == GEN_CHUNKED)
		evbuffer_add_printf(out, "Transfer-Encoding: chunked\r\n");
	evbuffer_add(out, "\r\n", 2);
	if (strcmp(b->method, "HEAD") == 0) {
		response_done(b);
		return;
	}
	b->gen = mode;
	b->gen_left = n;
	b->rng = 0x9e3779b97f4a7c15ULL;
	b->st = B_SENDING;
	generate(b);
}

static void
bconn_reset(struct bconn *b)
{
	struct linger lg = { 1, 0 };

	setsockopt(bufferevent_getfd(b->bev), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	bconn_free(b);
}

static void
timer_in(struct bconn *b, int action, long ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	b->timer_action = action;
	if (b->timer == NULL)
		b->timer = evtimer_new(bufferevent_get_base(b->bev), slow_cb, b);
	evtimer_add(b->timer, &tv);
}

static void
slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bconn *b = arg;
	struct evbuffer *out = bufferevent_get_output(b->bev);

	switch (b->timer_action) {
	case T_RESET:
		bconn_reset(b);
		return;
	case T_DRIP:
		if (b->drip_left-- > 0) {
			evbuffer_add(out, "1\r\n.\r\n", 6);
			timer_in(b, T_DRIP, b->drip_ms);
			return;
		}
		evbuffer_add(out, "0\r\n\r\n", 5);
		response_done(b);
		return;
	default:
		send_echo(b);
	}
}

/* The fault paths; returns 0 when p was one of them. */
static int
respond_fault(struct bconn *b, const char *p)
{
	struct evbuffer *out = bufferevent_get_output(b->bev);

	if (strcmp(p, "/fault/silent") == 0) {
		b->st = B_WAIT;
	} else if (strcmp(p, "/fault/reset-head") == 0) {
		bconn_reset(b);
	} else if (strcmp(p, "/fault/reset-body") == 0) {
		start_head(b, 200, out);
		evbuffer_add_printf(out, "Content-Length: 1000\r\n\r\n0123456789");
		b->st = B_WAIT;
		timer_in(b, T_RESET, 200);
	} else if (strcmp(p, "/fault/truncate") == 0) {
		b->keep = 0;
		start_head(b, 200, out);
		evbuffer_add_printf(out, "Content-Length: 100\r\n\r\n0123456789");
		b->st = B_CLOSING;
	} else if (strcmp(p, "/fault/malformed") == 0) {
		start_head(b, 200, out);
		evbuffer_add_printf(out, "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
		b->keep = 0;
		response_done(b);
	} else if (strcmp(p, "/fault/extra") == 0) {
		start_head(b, 200, out);
		evbuffer_add_printf(out, "Content-Length: 2\r\n\r\nok"
		    "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nX-Smuggled: yes\r\n\r\nsmuggled!");
		response_done(b);
	} else if (strcmp(p, "/fault/101") == 0) {
		evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		    "Connection: Upgrade\r\nX-Backend: %s\r\n\r\nunasked-tunnel", backend_name);
		b->st = B_WS;
	} else if (strncmp(p, "/fault/drip/", 12) == 0) {
		const char *ms = strchr(p + 12, '/');

		b->drip_left = atol(p + 12);
		b->drip_ms = ms != NULL ? atol(ms + 1) : 100;
		start_head(b, 200, out);
		evbuffer_add_printf(out, "Transfer-Encoding: chunked\r\n\r\n");
		b->st = B_WAIT;
		timer_in(b, T_DRIP, b->drip_ms);
	} else if (strncmp(p, "/fault/close-reset/", 19) == 0) {
		long long n = atoll(p + 19);

		b->keep = 0;
		start_head(b, 200, out);
		evbuffer_add_printf(out, "Content-Type: application/octet-stream\r\n\r\n");
		while (n-- > 0)
			evbuffer_add(out, "x", 1);
		b->st = B_WAIT;
		timer_in(b, T_RESET, 200);
	} else if (strcmp(p, "/fault/die-next") == 0) {
		b->die_next = 1;
		send_echo(b);
	} else {
		return -1;
	}
	return 0;
}

/* The whole request has arrived: answer it. */
static void
respond(struct bconn *b)
{
	struct evbuffer *out = bufferevent_get_output(b->bev);
	const char *p = b->path;
	long long n;

	n_requests++;
	fprintf(stderr, "request %s %s\n", b->method, p);
	if (b->die_next) {
		bconn_free(b);
		return;
	}
	if (strncmp(p, "/fault/", 7) == 0 && respond_fault(b, p) == 0) {
		return;
	} else if (strncmp(p, "/bytes/", 7) == 0) {
		send_generated(b, GEN_LENGTH, atoll(p + 7));
	} else if (strncmp(p, "/chunked/", 9) == 0) {
		send_generated(b, GEN_CHUNKED, atoll(p + 9));
	} else if (strncmp(p, "/close/", 7) == 0) {
		send_generated(b, GEN_CLOSE, atoll(p + 7));
	} else if (strncmp(p, "/status/", 8) == 0) {
		int status = atoi(p + 8);
		char body[64];
		int bodiless = status / 100 == 1 || status == 204 || status == 304;

		snprintf(body, sizeof(body), "status %d\n", status);
		start_head(b, status, out);
		if (!bodiless)
			evbuffer_add_printf(out, "Content-Length: %zu\r\n", strlen(body));
		evbuffer_add(out, "\r\n", 2);
		if (!bodiless && strcmp(b->method, "HEAD") != 0)
			evbuffer_add(out, body, strlen(body));
		response_done(b);
	} else if (strncmp(p, "/slow/", 6) == 0) {
		struct timeval tv;

		n = atoll(p + 6);
		tv.tv_sec = (time_t)(n / 1000);
		tv.tv_usec = (suseconds_t)((n % 1000) * 1000);
		b->st = B_WAIT;
		b->timer_action = T_SLOW;
		if (b->timer == NULL)
			b->timer = evtimer_new(bufferevent_get_base(b->bev), slow_cb, b);
		evtimer_add(b->timer, &tv);
	} else if (strcmp(p, "/stats") == 0) {
		char body[128];

		snprintf(body, sizeof(body), "{\"accepted\":%lu,\"requests\":%lu}\n", n_accepted,
		    n_requests);
		start_head(b, 200, out);
		evbuffer_add_printf(out, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		    strlen(body), body);
		response_done(b);
	} else if (strcmp(p, "/bad") == 0) {
		evbuffer_add_printf(out, "HTTP/1.1 2x0 Not a status\r\n\r\n");
		b->keep = 0;
		response_done(b);
	} else if (strcmp(p, "/reset") == 0) {
		struct linger lg = { 1, 0 };

		setsockopt(bufferevent_getfd(b->bev), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		bconn_free(b);
	} else if (strcmp(p, "/ws") == 0 && strcasestr(b->headers, "upgrade: websocket") != NULL) {
		evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		    "Connection: Upgrade\r\nX-Backend: %s\r\n\r\n", backend_name);
		b->st = B_WS;
		bconn_process(b);
	} else {
		send_echo(b);
	}
}

/* Parse the head in buf (NUL-terminated, lines end in CRLF).  Returns 0 or -1. */
static int
parse_head(struct bconn *b, char *buf)
{
	char *line, *save = NULL, *sp1, *sp2;
	size_t hl = 0;
	int conn_close = 0, conn_keep = 0, expect = 0;

	b->headers[0] = '\0';
	b->remaining = 0;
	b->chunked = 0;
	b->body_len = 0;
	if ((line = strtok_r(buf, "\r\n", &save)) == NULL)
		return -1;
	if ((sp1 = strchr(line, ' ')) == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL)
		return -1;
	*sp1 = *sp2 = '\0';
	snprintf(b->method, sizeof(b->method), "%s", line);
	snprintf(b->path, sizeof(b->path), "%s", sp1 + 1);
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return -1;
	b->minor = sp2[8] - '0';
	while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
		char *colon = strchr(line, ':'), *v;

		if (colon == NULL)
			return -1;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		hl += (size_t)snprintf(b->headers + hl, sizeof(b->headers) - hl, "%s: %s\n", line, v);
		if (hl >= sizeof(b->headers))
			return -1;
		if (strcasecmp(line, "Content-Length") == 0)
			b->remaining = atoll(v);
		else if (strcasecmp(line, "Transfer-Encoding") == 0 && strcasestr(v, "chunked"))
			b->chunked = 1;
		else if (strcasecmp(line, "Connection") == 0) {
			if (strcasestr(v, "close"))
				conn_close = 1;
			if (strcasestr(v, "keep-alive"))
				conn_keep = 1;
		} else if (strcasecmp(line, "Expect") == 0 && strcasecmp(v, "100-continue") == 0)
			expect = 1;
	}
	b->keep = b->minor >= 1 ? !conn_close : conn_keep;
	if (expect)
		evbuffer_add_printf(bufferevent_get_output(b->bev), "HTTP/1.1 100 Continue\r\n\r\n");
	return 0;
}

static void
bconn_process(struct bconn *b)
{
	struct evbuffer *in = bufferevent_get_input(b->bev);

	for (;;) {
		switch (b->st) {
		case B_HEAD: {
			struct evbuffer_ptr pos = evbuffer_search(in, "\r\n\r\n", 4, NULL);
			char *buf;
			size_t len;

			if (pos.pos < 0) {
				if (evbuffer_get_length(in) > HEAD_MAX)
					goto bad;
				return;
			}
			len = (size_t)pos.pos + 4;
			if ((buf = malloc(len + 1)) == NULL)
				goto bad;
			evbuffer_remove(in, buf, len);
			buf[len] = '\0';
			if (parse_head(b, buf) != 0) {
				free(buf);
				goto bad;
			}
			free(buf);
			EVP_DigestInit_ex(b->sha, EVP_sha256(), NULL);
			if (strcmp(b->path, "/fault/early-403") == 0) {
				struct evbuffer *out = bufferevent_get_output(b->bev);

				n_requests++;
				fprintf(stderr, "request %s %s\n", b->method, b->path);
				start_head(b, 403, out);
				evbuffer_add_printf(out, "Content-Length: 10\r\n\r\nforbidden\n");
				b->st = B_HEAD;   /* the body's bytes are the "next request" */
				break;
			}
			b->st = b->chunked ? B_CHUNK_SIZE : B_BODY;
			break;
		}
		case B_BODY: {
			size_t avail = evbuffer_get_length(in);

			while (b->remaining > 0 && avail > 0) {
				unsigned char tmp[16384];
				size_t n = avail < sizeof(tmp) ? avail : sizeof(tmp);

				if ((long long)n > b->remaining)
					n = (size_t)b->remaining;
				evbuffer_remove(in, tmp, n);
				EVP_DigestUpdate(b->sha, tmp, n);
				b->remaining -= (long long)n;
				b->body_len += (long long)n;
				avail -= n;
			}
			if (b->remaining > 0)
				return;
			respond(b);
			return;   /* respond continues the loop itself when it can */
		}
		case B_CHUNK_SIZE: {
			char *line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF_STRICT);

			if (line == NULL)
				return;
			b->remaining = strtoll(line, NULL, 16);
			free(line);
			b->st = b->remaining == 0 ? B_TRAILER : B_CHUNK_DATA;
			break;
		}
		case B_CHUNK_DATA: {
			size_t avail = evbuffer_get_length(in);

			while (b->remaining > 0 && avail > 0) {
				unsigned char tmp[16384];
				size_t n = avail < sizeof(tmp) ? avail : sizeof(tmp);

				if ((long long)n > b->remaining)
					n = (size_t)b->remaining;
				evbuffer_remove(in, tmp, n);
				EVP_DigestUpdate(b->sha, tmp, n);
				b->remaining -= (long long)n;
				b->body_len += (long long)n;
				avail -= n;
			}
			if (b->remaining > 0)
				return;
			b->st = B_CHUNK_CRLF;
			break;
		}
		case B_CHUNK_CRLF: {
			char *line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF_STRICT);

			if (line == NULL)
				return;
			free(line);
			b->st = B_CHUNK_SIZE;
			break;
		}
		case B_TRAILER: {
			char *line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF_STRICT);
			int empty;

			if (line == NULL)
				return;
			empty = line[0] == '\0';
			free(line);
			if (empty) {
				respond(b);
				return;
			}
			break;
		}
		case B_WS:
			evbuffer_add_buffer(bufferevent_get_output(b->bev), in);
			return;
		default:
			return;
		}
	}
bad:
	evbuffer_add_printf(bufferevent_get_output(b->bev),
	    "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
	b->keep = 0;
	b->st = B_CLOSING;
}

/* --record: every byte as it arrives. */
static void
record_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct evbuffer_ptr pos;
	char tmp[16384];
	size_t left = info->n_added;

	if (record_file == NULL || left == 0)
		return;
	if (evbuffer_ptr_set(buf, &pos, evbuffer_get_length(buf) - left, EVBUFFER_PTR_SET) != 0)
		return;
	while (left > 0) {
		ev_ssize_t n = evbuffer_copyout_from(buf, &pos, tmp,
		    left < sizeof(tmp) ? left : sizeof(tmp));

		if (n <= 0)
			break;
		fwrite(tmp, 1, (size_t)n, record_file);
		left -= (size_t)n;
		evbuffer_ptr_set(buf, &pos, (size_t)n, EVBUFFER_PTR_ADD);
	}
	fflush(record_file);
}

static void
bconn_read_cb(struct bufferevent *bev, void *arg)
{
	bconn_process(arg);
}

static void
bconn_write_cb(struct bufferevent *bev, void *arg)
{
	struct bconn *b = arg;

	if (b->st == B_SENDING && b->gen != GEN_NONE) {
		generate(b);
		return;
	}
	if (b->st == B_CLOSING && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bconn_free(b);
}

static void
bconn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	bconn_free(arg);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct bconn *b = calloc(1, sizeof(*b));

	n_accepted++;
	if (b == NULL || (b->sha = EVP_MD_CTX_new()) == NULL) {
		free(b);
		close(fd);
		return;
	}
	b->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(b->bev, bconn_read_cb, bconn_write_cb, bconn_event_cb, b);
	if (record_file != NULL)
		evbuffer_add_cb(bufferevent_get_input(b->bev), record_cb, NULL);
	bufferevent_setwatermark(b->bev, EV_WRITE, GEN_STEP, 0);
	bufferevent_enable(b->bev, EV_READ | EV_WRITE);
}

static void
stop_cb(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evconnlistener *l;
	struct sockaddr_in sin;
	struct event *sig;
	const char *bind_ip = "127.0.0.1";
	int port = 0, i, no_accept = 0, fd = -1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			backend_name = argv[++i];
		else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc)
			bind_ip = argv[++i];
		else if (strcmp(argv[i], "--record") == 0 && i + 1 < argc) {
			if ((record_file = fopen(argv[++i], "ab")) == NULL) {
				fprintf(stderr, "backend: %s: %s\n", argv[i], strerror(errno));
				return 1;
			}
		} else if (strcmp(argv[i], "--no-accept") == 0)
			no_accept = 1;
		else {
			fprintf(stderr, "usage: backend --port N [--name NAME] [--bind IP] "
			    "[--record FILE] [--no-accept]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "backend: --port is required\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, bind_ip, &sin.sin_addr);
	if (no_accept) {
		int on = 1;

		/* backlog 0: the kernel queues one connection, then drops SYNs */
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
		    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 0) != 0) {
			fprintf(stderr, "backend: cannot listen on %s:%d: %s\n", bind_ip, port,
			    strerror(errno));
			return 1;
		}
		sig = evsignal_new(base, SIGTERM, stop_cb, base);
		event_add(sig, NULL);
		fprintf(stderr, "backend %s listening on %s:%d, never accepting\n", backend_name,
		    bind_ip, port);
		event_base_dispatch(base);
		event_free(sig);
		close(fd);
		event_base_free(base);
		return 0;
	}
	l = evconnlistener_new_bind(base, accept_cb, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE,
	    128, (struct sockaddr *)&sin, sizeof(sin));
	if (l == NULL) {
		fprintf(stderr, "backend: cannot listen on %s:%d: %s\n", bind_ip, port, strerror(errno));
		return 1;
	}
	sig = evsignal_new(base, SIGTERM, stop_cb, base);
	event_add(sig, NULL);
	fprintf(stderr, "backend %s listening on %s:%d\n", backend_name, bind_ip, port);
	event_base_dispatch(base);
	event_free(sig);
	evconnlistener_free(l);
	event_base_free(base);
	return 0;
}
