/*
 * headdiff — a differential test of the HTTP/1.1 parser (model/http*.c and llhttp): every
 * observable of it on mutated heads, printed as text, to be compared byte for byte between
 * two builds of it (scripts/headdiff.sh builds this file against a git revision's parser
 * and the working tree's).  Inputs: the fuzz seed corpora (tests/fuzz/request, response:
 * their harnesses' selector bytes dropped) and tests/fuzz/headdiff's heads (many header
 * lines, the framing ones among them), each mutated ITER times (bytes inserted, replaced,
 * deleted, whole header lines inserted, letters' case flipped), run with random limits,
 * a random pause after the head and random feeds, and every 40th one again cut in two at
 * every offset.  Printed: every feed's result and bytes used, idle and body-left, every
 * head (fields, ids, framing, keep-alive, upgrade), body bytes, trailers, the end, the
 * error and its detail, finish's result.
 *   headdiff ITER FILE...
 *   headdiff --self ITER FILE...   (one build: whole against every cut; exit 1 on a difference)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/http.h"

static FILE *o;
static int no_pause;   /* --self */
static struct http_parser *P;
static unsigned long long rs = 1;
static unsigned rnd(void) { rs = rs * 6364136223846793005ULL + 1442695040888963407ULL; return (unsigned)(rs >> 33); }


static int on_head(void *a, struct http_head *h)
{
	(void)a;
	if (h->method) fprintf(o, "H %s %s %s %s", h->method, h->target, h->path, h->host ? h->host : "-");
	else fprintf(o, "H %d [%s]", h->status, h->reason);
	fprintf(o, " %d.%d ka%d ch%d cl%lld up%d %s ex%d hb%zu", h->version_major, h->version_minor,
	    h->keep_alive, h->chunked, h->content_length, h->upgrade,
	    h->upgrade_proto ? h->upgrade_proto : "-", h->expect_continue, h->head_bytes);
	for (size_t i = 0; i < h->nheaders; i++)
		fprintf(o, " {%u:%s=%u:%s:%d}", h->headers[i].name_len, h->headers[i].name,
		    h->headers[i].value_len, h->headers[i].value, (int)h->headers[i].id);
	fprintf(o, " bl%llu id%d\n", http_parser_body_left(P), http_parser_idle(P));
	return !no_pause && (rnd() % 16 == 0) ? 1 : 0;
}
static unsigned long long body_sum, body_n;   /* --self: the body as a whole, not its pieces */
static int on_body(void *a, const char *d, size_t n)
{
	(void)a;
	if (no_pause) {
		for (size_t i = 0; i < n; i++)
			body_sum = body_sum * 131 + (unsigned char)d[i];
		body_n += n;
		return 0;
	}
	fprintf(o, "B%zu:%.*s\n", n, (int)n, d);
	return 0;
}
static int on_end(void *a)
{
	(void)a;
	const struct http_fields *t = http_parser_trailers(P);
	fprintf(o, "E");
	for (size_t i = 0; i < t->n; i++) fprintf(o, " <%s=%s>", t->v[i].name, t->v[i].value);
	fprintf(o, "\n");
	return 0;
}
static const struct http_callbacks cb = { on_head, on_body, on_end };

/* split: 0 random pieces, k>0 two pieces at offset k */
static void run(int kind, const char *in, size_t len, unsigned seed, size_t split)
{
	struct http_limits lim = { 16 + seed % 200, 64 + seed % 700, 8192 };
	if (seed % 3 != 0) { lim.max_field_length = 16384; lim.max_request_bytes = 16384; }
	P = http_parser_new(kind ? HTTP_PARSE_RESPONSE : HTTP_PARSE_REQUEST, &lim, &cb, NULL);
	if (kind) http_parser_set_request_method(P, seed & 4 ? "HEAD" : "GET");
	http_parser_pause_after_head(P, (seed >> 3) & 1);
	size_t pos = 0; int guard = 0;
	while (pos < len && guard++ < 10000) {
		size_t n;
		if (split) n = pos < split ? split - pos : len - pos;
		else { n = 1 + (size_t)(rnd() % 24); if (rnd() % 3 == 0) n = len - pos; }
		if (n > len - pos) n = len - pos;
		size_t used; enum http_feed f = http_parser_feed(P, in + pos, n, &used);
		fprintf(o, "F%d u%zu i%d bl%llu\n", (int)f, used, http_parser_idle(P), http_parser_body_left(P));
		pos += used;
		if (f == HTTP_FEED_PAUSED) http_parser_resume(P);
		else if (f != HTTP_FEED_MORE) break;
		if (used == 0 && f == HTTP_FEED_MORE && n > 0) break;
	}
	const char *d; enum http_error e = http_parser_error(P, &d);
	int fin = http_parser_finish(P);
	e = http_parser_error(P, &d);
	fprintf(o, "R e%d %s fin%d\n", (int)e, d, fin);
	http_parser_free(P);
}

static const char alpha[] = "   \t\t::aaA0,;\"()<>@[]{}/?=\\ \t\r\n\x01\x7f\xff\x80\x0b-=/?#@_.~!|";
static const char *lines[] = {
	"Content-Length: 5\r\n", "content-length: 0\r\n", "CONTENT-LENGTH:  7 \r\n", "Content-Length: 5, 5\r\n",
	"Transfer-Encoding: chunked\r\n", "transfer-encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked, gzip\r\n",
	"Connection: close\r\n", "connection: keep-alive\r\n", "Connection: Upgrade\r\n", "Connection: x, close\r\n",
	"Proxy-Connection: close\r\n", "proxy-connection: keep-alive\r\n", "Upgrade: websocket\r\n", "UPGRADE: h2c\r\n",
	"Host: a.example\r\n", "host: b\r\n", "X-A: b\r\n", "User-Agent: test/1.0\r\n", "Accept: */*\r\n",
	"Expect: 100-continue\r\n", "X-Empty:\r\n", "X-Tab:\tv\t\r\n", "X-Hi: \xc3\xa9t\xe9\r\n", "Cookie: a=b; c=d\r\n",
	"Content-Lengt: 3\r\n", "Content-Lengthx: 3\r\n", "Upgrade-Insecure-Requests: 1\r\n", "Connectio: close\r\n",
	"Keep-Alive: timeout=5\r\n", "TE: trailers\r\n", "Trailer: X\r\n", "X-Forwarded-For: 1.2.3.4\r\n",
	"Content-Type: text/plain\r\n", "Date: Mon, 07 Dec 2026 14:00:00 GMT\r\n", "Server: nginx/1.22.1\r\n",
	"X-Long-Name-That-Is-Longer-Than-Sixteen: and a value longer than sixteen bytes too\r\n",
};
#define NLINES (sizeof(lines) / sizeof(lines[0]))

static size_t mutate(char *buf, size_t len, size_t cap)
{
	int muts = 1 + (int)(rnd() % 3);
	for (int m = 0; m < muts; m++) {
		size_t at = len ? (size_t)rnd() % len : 0; int op = (int)(rnd() % 6);
		char c = alpha[rnd() % (sizeof(alpha) - 1)];
		if (op == 0 && len < cap - 1) { memmove(buf + at + 1, buf + at, len - at); buf[at] = c; len++; }
		else if (op == 1 && len) buf[at] = c;
		else if (op == 2 && len) { memmove(buf + at, buf + at + 1, len - at - 1); len--; }
		else if (op == 3) {   /* a whole line after a random LF */
			const char *l = lines[rnd() % NLINES]; size_t ln = strlen(l);
			char *lf = len ? memchr(buf + at, '\n', len - at) : NULL;
			size_t p = lf ? (size_t)(lf - buf) + 1 : at;
			if (len + ln < cap) { memmove(buf + p + ln, buf + p, len - p); memcpy(buf + p, l, ln); len += ln; }
		} else if (op == 4 && len) {   /* case flip */
			if ((buf[at] | 0x20) >= 'a' && (buf[at] | 0x20) <= 'z') buf[at] ^= 0x20;
		} else if (op == 5 && len) {   /* a byte of a line, inside the name or the value */
			buf[at] = "\x00\x01\x08\x0b\x0c\x1f\x7f\x80\xff\"(),/:;<=>?@[\\]{} \t"[rnd() % 27];
		}
	}
	return len;
}

/* The seed file at path, its harness's selector bytes dropped, into seedb: its length,
 * or -1 (unreadable, or shorter than its selector); *kind 1 for a response. */
static long load_seed(const char *path, char *seedb, size_t cap, int *kind)
{
	FILE *f = fopen(path, "rb");
	size_t sl, skip;

	if (f == NULL)
		return -1;
	sl = fread(seedb, 1, cap, f);
	fclose(f);
	*kind = strstr(path, "response") != NULL;
	skip = strstr(path, "fuzz/request/") || strstr(path, "fuzz/response/") ?
	    (*kind ? 2 : 1) : 0;   /* the fuzz harnesses' selector bytes */
	if (sl < skip)
		return -1;
	memmove(seedb, seedb + skip, sl - skip);
	return (long)(sl - skip);
}

/* Mutation it of the k-th seed (the same in every build; 0: the seed itself) into buf. */
static size_t mutant(char *buf, size_t cap, const char *seedb, size_t sl, int k, unsigned it)
{
	size_t len = sl;

	rs = it * 7919ull + (unsigned)k * 104729ull + 17;
	memcpy(buf, seedb, sl);
	if (it > 0) len = mutate(buf, len, cap);
	return len;
}

static char *capture(int kind, const char *in, size_t len, unsigned seed, size_t split)
{
	char *b = NULL; size_t bl = 0; FILE *save = o;
	o = open_memstream(&b, &bl);
	body_sum = body_n = 0;
	run(kind, in, len, seed, split);
	fprintf(o, "Body %llu %llx\n", body_n, body_sum);
	fclose(o); o = save;
	/* keep only H, B, E and R lines */
	char *out = malloc(bl + 1); size_t ol = 0;
	for (char *l = b; l && *l; ) {
		char *nl = strchr(l, '\n'); size_t n = nl ? (size_t)(nl - l) + 1 : strlen(l);
		if (l[0] == 'H' || l[0] == 'E' || l[0] == 'R' || l[0] == 'B') { memcpy(out + ol, l, n); ol += n; }
		l += n;
	}
	out[ol] = 0; free(b); return out;
}

/* --self: each input fed whole, then cut in two at every offset (no pause, no random
 * feeds): the heads, bodies' ends and the error must be the same however the bytes came. */
static int self_main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 3000;
	unsigned bad = 0, total = 0;
	for (int k = 2; k < argc; k++) {
		char seedb[8192]; int kind; long sl = load_seed(argv[k], seedb, sizeof(seedb), &kind);
		if (sl < 0) continue;
		for (unsigned it = 0; it < iters; it++) {
			char buf[9000]; size_t len = mutant(buf, sizeof(buf), seedb, (size_t)sl, k, it);
			if (len > 600) continue;
			char *whole = capture(kind, buf, len, it & ~8u, len);
			total++;
			for (size_t s = 1; s < len; s++) {
				char *c = capture(kind, buf, len, it & ~8u, s);
				if (strcmp(c, whole) != 0) {
					bad++;
					if (bad < 12) {
						printf("DIFF %s it%u cut %zu\ninput: ", argv[k], it, s);
						for (size_t i = 0; i < len; i++) { unsigned char ch = (unsigned char)buf[i]; if (ch >= 32 && ch < 127) putchar(ch); else printf("\\x%02x", ch); }
						printf("\nwhole:\n%s--cut:\n%s\n", whole, c);
					}
					free(c); break;
				}
				free(c);
			}
			free(whole);
		}
	}
	printf("self: %u inputs, %u split-dependent\n", total, bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--self") == 0) {
		no_pause = 1;
		return self_main(argc - 1, argv + 1);
	}
	unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 3000;
	o = stdout;
	for (int k = 2; k < argc; k++) {
		char seedb[8192]; int kind; long sl = load_seed(argv[k], seedb, sizeof(seedb), &kind);
		if (sl < 0) continue;
		for (unsigned it = 0; it < iters; it++) {
			char buf[9000]; size_t len = mutant(buf, sizeof(buf), seedb, (size_t)sl, k, it);
			fprintf(o, "== %s %u\n", argv[k], it);
			run(kind, buf, len, it, 0);
			if (it % 40 == 0)
				for (size_t s = 1; s < len; s++) {
					fprintf(o, "-- split %zu\n", s);
					run(kind, buf, len, it, s);
				}
		}
	}
	return 0;
}
