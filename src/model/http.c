/*
 * http — HTTP/1.1's rules for what sysbind passes on: the field names it acts on
 * (http_field_id) and the name comparison CGI-style backends imply (http_name_eq_cgi), the
 * hop-by-hop set (http_hop_fields, shared with h2), re-serialising heads for the other
 * side (request heads to a backend, response heads to a client), field lists, the fields a
 * trailer may not carry, and the chunk writers.  Reading heads is httpparse.c's (the
 * llhttp adapter) and httpscan.c's (the limits and RFC 9112's rules as bytes arrive).  It
 * does not own sockets, routing or the responses sysbind makes itself (respond.c).
 *
 * Decisions recorded here (no RFC or HTTP.SYS document settles them):
 *  - A name sysbind removes on the way to a backend is removed in every spelling a
 *    CGI-style backend reads as the same variable (http_name_eq_cgi: case, and "-" and "_"
 *    alike): X_ARR_ClientCert, X_Forwarded_For, Keep_Alive, a trailer's Content_Length.
 *    The names sysbind itself acts on (http_field_id: framing, Host, Expect) stay exact.
 *  - "Upgrade: h2c" is never an upgrade: the request is handled as a plain request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/strlist.h"
#include "model/http.h"
#include "model/http_int.h"
#include "base/iobuf.h"

/*
 * CGI-style backends (CGI and PHP, WSGI, Rack) read a request's fields as variables named
 * HTTP_ and the field's name upper-cased with "-" written "_" (RFC 3875 §4.1.18), so
 * X-ARR-ClientCert, X_ARR_ClientCert and x-arr_clientcert all reach an application as
 * HTTP_X_ARR_CLIENTCERT.  Every name sysbind strips from what goes to a backend, or
 * forbids there, is therefore compared through this one function: a variant spelled with
 * "_" never passes where the name itself is removed.  (Names sysbind acts on, the framing
 * and routing fields of http_field_id, stay exact: Transfer_Encoding frames nothing, for
 * sysbind as for the backend's HTTP parser, and is removed as a hop-by-hop name.)
 */
int http_name_eq_cgi(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		x = x == '_' ? '-' : x >= 'A' && x <= 'Z' ? (unsigned char)(x | 0x20) : x;
		y = y == '_' ? '-' : y >= 'A' && y <= 'Z' ? (unsigned char)(y | 0x20) : y;
		if (x != y)
			return 0;
	}
	return 1;
}

/* A name table: NULL-terminated lowercase names, their lengths beside them. */
struct name {
	const char *s;
	size_t      len;
};

#define NAME(s) { s, sizeof(s) - 1 }

/* 1 when name is one of tab's (http_name_eq_cgi).  The lengths first: most names are
 * ruled out without a call. */
static int name_in(const struct name *tab, const char *name, size_t len)
{
	for (; tab->s != NULL; tab++)
		if (tab->len == len && http_name_eq_cgi(name, len, tab->s, tab->len))
			return 1;
	return 0;
}

/* The hop-by-hop fields every message loses on its way through (RFC 9110 §7.6.1, and
 * HTTP/2's HTTP2-Settings): hop_by_hop() knows the exact names by their ids. */
static const struct name hop_names[] = {
	NAME("connection"), NAME("keep-alive"), NAME("proxy-connection"), NAME("te"),
	NAME("trailer"), NAME("transfer-encoding"), NAME("upgrade"), NAME("http2-settings"),
	{ NULL, 0 },
};
/* hop_names' lengths as bits (2, 7, 10, 14, 16, 17), so that most names are ruled out
 * without a walk of the table (check_http: test_http_serialize_request_strips_cgi_spellings
 * fails when a length is missing). */
#define HOP_NAME_LENS ((1u << 2) | (1u << 7) | (1u << 10) | (1u << 14) | (1u << 16) | (1u << 17))

/* The fields sysbind sets on every request it forwards (request_serialize): the client's
 * go, but for X-Forwarded-For's values, which are kept under sysbind's own field. */
static const struct name forwarded_names[] = {
	NAME("x-forwarded-for"), NAME("x-forwarded-proto"), NAME("x-forwarded-host"),
	{ NULL, 0 },
};

/* Does the comma-separated list value contain token (case-insensitive)?  Items as
 * base/strlist splits them, blanks (space, tab) trimmed; empty ones name nothing. */
int list_has_token(const char *v, const char *token)
{
	size_t tl = strlen(token), n;
	struct strlist l;
	const char *b;

	strlist_init(&l, v, NULL, STRLIST_BLANKS);
	while (strlist_next(&l, &b, &n))
		if (n == tl && n > 0 && strncasecmp(b, token, tl) == 0)
			return 1;
	return 0;
}

static const struct {
	const char     *name;
	unsigned        len;
	enum http_field id;
} field_names[] = {
	{ "host", 4, HF_HOST }, { "content-length", 14, HF_CONTENT_LENGTH },
	{ "transfer-encoding", 17, HF_TRANSFER_ENCODING }, { "connection", 10, HF_CONNECTION },
	{ "keep-alive", 10, HF_KEEP_ALIVE }, { "proxy-connection", 16, HF_PROXY_CONNECTION },
	{ "te", 2, HF_TE }, { "trailer", 7, HF_TRAILER }, { "upgrade", 7, HF_UPGRADE },
	{ "http2-settings", 14, HF_HTTP2_SETTINGS }, { "expect", 6, HF_EXPECT },
	{ "x-forwarded-for", 15, HF_X_FORWARDED_FOR },
	{ "x-forwarded-proto", 17, HF_X_FORWARDED_PROTO },
	{ "x-forwarded-host", 16, HF_X_FORWARDED_HOST }, { "user-agent", 10, HF_USER_AGENT },
	{ "referer", 7, HF_REFERER }, { "accept", 6, HF_ACCEPT }, { "cookie", 6, HF_COOKIE },
};

/*
 * 1 when name's len bytes are lower's (a table name: lowercase letters, "-" and digits)
 * in any case.  Of those characters only the letters have bit 0x40, so that bit, moved
 * to 0x20, is the case bit to fold, and a byte of name ORed with it equals the letter
 * only when it is that letter in either case; "-" and digits compare exactly.  Eight
 * bytes at a time (the last word overlapping) for the long names; strncasecmp's answer
 * without its call.
 */
static inline int name_eq_lower(const char *name, const char *lower, size_t len)
{
	if (len < 8) {
		for (size_t i = 0; i < len; i++) {
			unsigned char l = (unsigned char)lower[i];

			if (((unsigned char)name[i] | ((l & 0x40) >> 1)) != l)
				return 0;
		}
		return 1;
	}
	for (size_t i = 0;; i += 8) {
		uint64_t w, x;

		if (i + 8 > len)
			i = len - 8;
		memcpy(&w, lower + i, 8);
		memcpy(&x, name + i, 8);
		if ((x | ((w & 0x4040404040404040ULL) >> 1)) != w)
			return 0;
		if (i + 8 >= len)
			return 1;
	}
}

enum http_field http_field_id(const char *name, size_t len)
{
	/* by length first: most names are then ruled out without a comparison */
	static const unsigned char by_len[18][3] = {
		[2] = { 6 }, [4] = { 0 }, [6] = { 10, 16, 17 }, [7] = { 7, 8, 15 },
		[10] = { 3, 4, 14 }, [14] = { 1, 9 }, [15] = { 11 }, [16] = { 5, 13 },
		[17] = { 2, 12 },
	};
	static const unsigned char count[18] = {
		[2] = 1, [4] = 1, [6] = 3, [7] = 3, [10] = 3, [14] = 2, [15] = 1, [16] = 2, [17] = 2,
	};
	unsigned char c0;

	if (len >= sizeof(count) || count[len] == 0)
		return HF_OTHER;
	c0 = (unsigned char)(name[0] | 0x20);
	for (unsigned i = 0; i < count[len]; i++) {
		unsigned k = by_len[len][i];

		if ((unsigned char)field_names[k].name[0] == c0 &&
		    name_eq_lower(name, field_names[k].name, len))
			return field_names[k].id;
	}
	return HF_OTHER;
}

const char *http_head_field(const struct http_head *h, enum http_field id)
{
	if (h == NULL)
		return NULL;
	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].id == id)
			return h->headers[i].value;
	return NULL;
}

int http_method_idempotent(const char *method)
{
	static const char *const idem[] = { "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" };

	if (method == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(idem) / sizeof(idem[0]); i++)
		if (strcmp(method, idem[i]) == 0)
			return 1;
	return 0;
}

/* ---------- serialisation ---------- */

/* Values came through llhttp and the scanner; refuse anything that could split a line. */
static int line_safe(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

/*
 * The field names a message's Connection fields list (RFC 9110 §7.6.1), as a small hash
 * set over spans of those fields' values, so that deciding whether each field is
 * hop-by-hop costs the same however many fields and tokens there are.  Names match as
 * http_name_eq_cgi matches them (the hash folds case, and "_" into "-", alike).
 */
struct conntok {
	const char *s;
	size_t n;
};

struct connset {
	struct conntok *slot;    /* NULL when the message names nothing */
	size_t mask;
	struct conntok stack[64];
};

static uint32_t tok_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)(s[i] == '_' ? '-' : s[i] | 0x20)) * 16777619u;
	return h;
}

/* Calls fn(arg, token, len) for each non-empty item of a comma-separated list value
 * (base/strlist, blanks trimmed). */
static void list_tokens(const char *v, void (*fn)(void *, const char *, size_t), void *arg)
{
	struct strlist l;
	const char *b;
	size_t n;

	strlist_init(&l, v, NULL, STRLIST_BLANKS);
	while (strlist_next(&l, &b, &n))
		if (n > 0)
			fn(arg, b, n);
}

/* The tokens Connection usually holds name nothing to strip beyond the fixed list. */
static int tok_plain(const char *s, size_t n)
{
	return (n == 5 && name_eq_lower(s, "close", 5)) ||
	    (n == 10 && name_eq_lower(s, "keep-alive", 10)) ||
	    (n == 7 && name_eq_lower(s, "upgrade", 7));
}

static void tok_count(void *arg, const char *s, size_t n)
{
	if (!tok_plain(s, n))
		(*(size_t *)arg)++;
}

static void tok_insert(void *arg, const char *s, size_t n)
{
	struct connset *set = arg;
	size_t i;

	if (tok_plain(s, n))
		return;
	i = tok_hash(s, n) & set->mask;

	while (set->slot[i].s != NULL) {
		if (http_name_eq_cgi(set->slot[i].s, set->slot[i].n, s, n))
			return;
		i = (i + 1) & set->mask;
	}
	set->slot[i].s = s;
	set->slot[i].n = n;
}

/* Fill set from h's Connection fields.  Returns 0, or -1 when out of memory. */
static int connset_init(struct connset *set, const struct http_head *h)
{
	size_t ntok = 0, cap = 1;

	set->slot = NULL;
	/* A value that is one plain token (nearly every message: "keep-alive", "close")
	 * names nothing, and is known so without splitting it as a list. */
	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].id == HF_CONNECTION &&
		    !tok_plain(h->headers[i].value, h->headers[i].value_len))
			list_tokens(h->headers[i].value, tok_count, &ntok);
	if (ntok == 0)
		return 0;
	while (cap < 2 * ntok)
		cap *= 2;
	if (cap <= sizeof(set->stack) / sizeof(set->stack[0])) {
		set->slot = set->stack;
	} else if ((set->slot = malloc(cap * sizeof(*set->slot))) == NULL) {
		return -1;
	}
	memset(set->slot, 0, cap * sizeof(*set->slot));
	set->mask = cap - 1;
	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].id == HF_CONNECTION)
			list_tokens(h->headers[i].value, tok_insert, set);
	return 0;
}

static void connset_clear(struct connset *set)
{
	if (set->slot != NULL && set->slot != set->stack)
		free(set->slot);
	set->slot = NULL;
}

static int connset_has(const struct connset *set, const char *name, size_t n)
{
	size_t i;

	for (i = tok_hash(name, n) & set->mask; set->slot[i].s != NULL; i = (i + 1) & set->mask)
		if (http_name_eq_cgi(set->slot[i].s, set->slot[i].n, name, n))
			return 1;
	return 0;
}

/* 1 when f is a hop-by-hop field of this message: the fixed list (Keep_Alive as well as
 * Keep-Alive: http_name_eq_cgi), or named by one of its Connection fields (set). */
static int hop_by_hop(const struct connset *set, const struct http_header *f)
{
	switch (f->id) {
	case HF_CONNECTION: case HF_KEEP_ALIVE: case HF_PROXY_CONNECTION: case HF_TE:
	case HF_TRAILER: case HF_TRANSFER_ENCODING: case HF_UPGRADE: case HF_HTTP2_SETTINGS:
		return 1;
	case HF_HOST: case HF_CONTENT_LENGTH:
		/* Connection cannot remove what frames or routes the message: a proxy that let
		 * "Connection: host" or "Connection: content-length" strip them would hand the
		 * backend a message routed or framed otherwise than the one judged here (the
		 * wrong site, or a body read as the next request: smuggling).  nginx never drops
		 * what Connection names at all; HTTP.SYS hands Host and Content-Length to the
		 * application whatever Connection says.  One rule for both framings: HTTP/2's
		 * responses use it too (http_hop_fields), its requests may carry no Connection
		 * (RFC 9113 §8.2.2). */
		return 0;
	default:
		/* a known id is its exact name, none of the hop-by-hop ones; the others are
		 * one of them only at one of their lengths (HOP_NAME_LENS) */
		return (f->id == HF_OTHER && f->name_len < 32 &&
		    (HOP_NAME_LENS >> f->name_len & 1) && name_in(hop_names, f->name, f->name_len)) ||
		    (set->slot != NULL && connset_has(set, f->name, f->name_len));
	}
}

int http_hop_fields(const struct http_header *f, size_t nf, unsigned char *hop)
{
	struct http_header stack[32], *v = nf <= 32 ? stack : malloc(nf * sizeof(*v));
	struct http_head h;
	struct connset set;

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < nf; i++) {
		v[i] = f[i];
		v[i].name_len = (unsigned)strlen(f[i].name);
		v[i].value_len = (unsigned)strlen(f[i].value);
		v[i].id = http_field_id(v[i].name, v[i].name_len);
	}
	memset(&h, 0, sizeof(h));
	h.headers = v;
	h.nheaders = nf;
	if (connset_init(&set, &h) != 0) {
		if (v != stack)
			free(v);
		return -1;
	}
	for (size_t i = 0; i < nf; i++)
		hop[i] = (unsigned char)hop_by_hop(&set, &v[i]);
	connset_clear(&set);
	if (v != stack)
		free(v);
	return 0;
}

int http_response_field_dropped(int status, const char *name, size_t len)
{
	return (status / 100 == 1 || status == 204) &&
	    http_field_id(name, len) == HF_CONTENT_LENGTH;
}

/* A head being serialised: built in one piece (on the stack while it fits), then added to
 * the output evbuffer at once, so the output's callbacks run once, not once a field. */
struct headbuf {
	char *p;
	size_t len, cap;
	int heap, failed;
	char stack[2048];
};

static void headbuf_init(struct headbuf *b)
{
	b->p = b->stack;
	b->len = 0;
	b->cap = sizeof(b->stack);
	b->heap = b->failed = 0;
}

/* headbuf_add's rare case: the head outgrows its buffer (or failed before). */
static void headbuf_grow_add(struct headbuf *b, const char *s, size_t n)
{
	size_t ncap = b->cap * 2;
	char *np;

	if (b->failed)
		return;
	while (ncap < b->len + n)
		ncap *= 2;
	if ((np = b->heap ? realloc(b->p, ncap) : malloc(ncap)) == NULL) {
		b->failed = 1;
		return;
	}
	if (!b->heap)
		memcpy(np, b->p, b->len);
	b->p = np;
	b->cap = ncap;
	b->heap = 1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Inline, so that the short constant pieces of a head (": ", "\r\n") are stores, not
 * calls. */
static inline void headbuf_add(struct headbuf *b, const char *s, size_t n)
{
	if (b->len + n <= b->cap && !b->failed) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		return;
	}
	headbuf_grow_add(b, s, n);
}

static inline void headbuf_str(struct headbuf *b, const char *s)
{
	headbuf_add(b, s, strlen(s));
}

/* "name: value\r\n" */
static void headbuf_field(struct headbuf *b, const char *n, const char *v)
{
	headbuf_str(b, n);
	headbuf_add(b, ": ", 2);
	headbuf_str(b, v);
	headbuf_add(b, "\r\n", 2);
}

/* A parsed field, its lengths known: one reservation, straight copies. */
static void headbuf_hfield(struct headbuf *b, const struct http_header *f)
{
	size_t n = (size_t)f->name_len + f->value_len + 4;
	char *w;

	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		headbuf_add(b, f->name, f->name_len);
		headbuf_add(b, ": ", 2);
		headbuf_add(b, f->value, f->value_len);
		headbuf_add(b, "\r\n", 2);
		return;
	}
	w = b->p + b->len;
	memcpy(w, f->name, f->name_len);
	w += f->name_len;
	*w++ = ':';
	*w++ = ' ';
	memcpy(w, f->value, f->value_len);
	w += f->value_len;
	*w++ = '\r';
	*w = '\n';
	b->len += n;
}

/* Where a serialised head goes: an evbuffer or an iobuf. */
struct sink {
	struct evbuffer *e;
	struct iobuf    *q;
};

/* Adds the head to out and releases it.  Returns 0 or -1. */
static int headbuf_finish(struct headbuf *b, const struct sink *out, int ok)
{
	int rc = -1;

	if (ok && !b->failed)
		rc = out->e != NULL ? evbuffer_add(out->e, b->p, b->len) :
		    iobuf_add(out->q, b->p, b->len);
	if (b->heap)
		free(b->p);
	return rc == 0 ? 0 : -1;
}

static int request_serialize(const struct http_head *req, const struct http_forward *fw,
    const struct sink *out)
{
	const char *path = req->path != NULL ? req->path : req->target;
	int absolute = req->target != NULL && req->path != NULL && req->path != req->target;
	int upgrade = fw->upgrade && req->upgrade_proto != NULL &&
	    !list_has_token(req->upgrade_proto, "h2c") && line_safe(req->upgrade_proto);
	int host_sent = 0, nxff = 0, rc;
	size_t certlen = fw->cert_header != NULL ? strlen(fw->cert_header) : 0;
	struct connset set;
	struct headbuf b;

	if (req->method == NULL || path == NULL || !line_safe(path) ||
	    connset_init(&set, req) != 0)
		return -1;
	headbuf_init(&b);
	headbuf_str(&b, req->method);
	headbuf_add(&b, " ", 1);
	headbuf_str(&b, path);
	headbuf_add(&b, " HTTP/1.1\r\n", 11);
	/* field names and values came through a parser that lets no CR or LF into them */
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *f = &req->headers[i];

		if (hop_by_hop(&set, f))
			continue;
		/* the client certificate header is sysbind's to set, never the client's: nor
		 * X_ARR_ClientCert, which a CGI backend reads as the same variable */
		if (certlen > 0 && http_name_eq_cgi(f->name, f->name_len, fw->cert_header, certlen))
			continue;
		switch (f->id) {
		case HF_X_FORWARDED_FOR:
			if (f->value_len > 0)
				nxff++;
			continue;
		case HF_X_FORWARDED_PROTO:
		case HF_X_FORWARDED_HOST:
			continue;
		case HF_OTHER:
			/* X_Forwarded_For and the like: to a CGI backend, sysbind's own fields
			 * (the values of these are not merged into X-Forwarded-For: dropped) */
			if (name_in(forwarded_names, f->name, f->name_len))
				continue;
			break;
		case HF_HOST:
			if (host_sent)
				continue;
			host_sent = 1;
			if (absolute && req->host != NULL) {
				headbuf_field(&b, f->name, req->host);
				continue;
			}
			break;
		default:
			break;
		}
		headbuf_hfield(&b, f);
	}
	if (!host_sent && absolute && req->host != NULL) {
		headbuf_field(&b, "Host", req->host);
		host_sent = 1;
	}
	/* An HTTP/1.0 request without Host goes out as HTTP/1.1, which needs the field:
	 * empty when the target has no authority (RFC 9112 §3.2). */
	if (!host_sent)
		headbuf_add(&b, "Host: \r\n", 8);
	if (req->chunked)
		headbuf_str(&b, "Transfer-Encoding: chunked\r\n");
	if (upgrade) {
		headbuf_str(&b, "Connection: upgrade\r\nUpgrade: ");
		headbuf_str(&b, req->upgrade_proto);
		headbuf_add(&b, "\r\n", 2);
	}
	/* the X-Forwarded-For values received, in order, then the client */
	if (nxff > 0 || fw->client_ip != NULL) {
		int first = 1;

		headbuf_str(&b, "X-Forwarded-For: ");
		for (size_t i = 0; i < req->nheaders && nxff > 0; i++) {
			const struct http_header *f = &req->headers[i];

			if (f->value_len == 0 || f->id != HF_X_FORWARDED_FOR || hop_by_hop(&set, f))
				continue;
			if (!first)
				headbuf_add(&b, ", ", 2);
			headbuf_add(&b, f->value, f->value_len);
			first = 0;
		}
		if (fw->client_ip != NULL) {
			if (!first)
				headbuf_add(&b, ", ", 2);
			headbuf_str(&b, fw->client_ip);
		}
		headbuf_add(&b, "\r\n", 2);
	}
	headbuf_str(&b, fw->tls ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
	if (req->host != NULL && line_safe(req->host))
		headbuf_field(&b, "X-Forwarded-Host", req->host);
	if (certlen > 0 && fw->client_cert != NULL)
		headbuf_field(&b, fw->cert_header, fw->client_cert);
	if (fw->via != NULL)
		headbuf_field(&b, "Via", fw->via);
	headbuf_add(&b, "\r\n", 2);
	rc = headbuf_finish(&b, out, 1);
	connset_clear(&set);
	return rc;
}

int http_head_via_has(const struct http_head *h, const char *mark)
{
	size_t n = strlen(mark), i;

	for (i = 0; i < h->nheaders; i++) {
		const struct http_header *f = &h->headers[i];

		if (f->name_len == 3 && strncasecmp(f->name, "via", 3) == 0 &&
		    f->value_len >= n && memmem(f->value, f->value_len, mark, n) != NULL)
			return 1;
	}
	return 0;
}

static int response_serialize(const struct http_head *resp, int chunked_out, int keep_alive,
    const struct sink *out)
{
	const char *reason = resp->reason != NULL ? resp->reason : "";
	int interim = resp->status / 100 == 1;
	/* RFC 9110 §8.6, §6.4.1: these never carry framing of a body */
	int no_framing = interim || resp->status == 204 || resp->status == 304;
	int upgrade = resp->status == 101 && resp->upgrade_proto != NULL &&
	    line_safe(resp->upgrade_proto);
	struct connset set;
	char status[16];
	size_t at = sizeof(status);
	unsigned code = resp->status < 0 ? 0 : (unsigned)resp->status;
	struct headbuf b;

	if (!line_safe(reason) || connset_init(&set, resp) != 0)
		return -1;
	/* llhttp gives a status of three digits; formatted by hand, it is on every response */
	status[--at] = ' ';
	do {
		status[--at] = (char)('0' + code % 10);
		code /= 10;
	} while (code > 0 && at > 0);
	headbuf_init(&b);
	headbuf_add(&b, "HTTP/1.1 ", 9);
	headbuf_add(&b, status + at, sizeof(status) - at);
	headbuf_str(&b, reason);
	headbuf_add(&b, "\r\n", 2);
	for (size_t i = 0; i < resp->nheaders; i++) {
		const struct http_header *f = &resp->headers[i];

		if (hop_by_hop(&set, f))
			continue;
		if (chunked_out && f->id == HF_CONTENT_LENGTH && !no_framing)
			continue;
		if (f->id == HF_CONTENT_LENGTH && http_response_field_dropped(resp->status,
		    f->name, f->name_len))
			continue;
		headbuf_hfield(&b, f);
	}
	if (chunked_out && !no_framing)
		headbuf_str(&b, "Transfer-Encoding: chunked\r\n");
	if (upgrade) {
		headbuf_str(&b, "Connection: upgrade\r\nUpgrade: ");
		headbuf_str(&b, resp->upgrade_proto);
		headbuf_add(&b, "\r\n", 2);
	} else if (!keep_alive && !interim) {
		headbuf_str(&b, "Connection: close\r\n");
	}
	headbuf_add(&b, "\r\n", 2);
	connset_clear(&set);
	return headbuf_finish(&b, out, 1);
}

int http_request_serialize(const struct http_head *req, const struct http_forward *fw,
    struct evbuffer *out)
{
	struct sink k = { out, NULL };

	return request_serialize(req, fw, &k);
}

int http_request_head(const struct http_head *req, const struct http_forward *fw,
    struct iobuf *out)
{
	struct sink k = { NULL, out };

	return request_serialize(req, fw, &k);
}

int http_response_serialize(const struct http_head *resp, int chunked_out, int keep_alive,
    struct evbuffer *out)
{
	struct sink k = { out, NULL };

	return response_serialize(resp, chunked_out, keep_alive, &k);
}

int http_response_head(const struct http_head *resp, int chunked_out, int keep_alive,
    struct iobuf *out)
{
	struct sink k = { NULL, out };

	return response_serialize(resp, chunked_out, keep_alive, &k);
}

/* ---------- trailer sections ---------- */

int http_fields_add(struct http_fields *l, const char *name, size_t nlen, const char *value,
    size_t vlen, int lower)
{
	char *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct http_header *nv = realloc(l->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	if ((f = malloc(nlen + vlen + 2)) == NULL)
		return -1;
	for (size_t i = 0; i < nlen; i++)
		f[i] = lower && name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] | 0x20) : name[i];
	f[nlen] = '\0';
	memcpy(f + nlen + 1, value, vlen);
	f[nlen + 1 + vlen] = '\0';
	l->v[l->n].name = f;
	l->v[l->n].value = f + nlen + 1;
	l->v[l->n].name_len = (unsigned)nlen;
	l->v[l->n].value_len = (unsigned)vlen;
	l->v[l->n].id = http_field_id(f, nlen);
	l->n++;
	l->bytes += nlen + vlen;
	return 0;
}

void http_fields_clear(struct http_fields *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);   /* the value shares the name's allocation */
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * The fields that never travel in a trailer section (RFC 9110 §6.5.1: "Many fields cannot
 * be processed outside the header section because their evaluation is necessary prior to
 * receiving the content, such as those that describe message framing, routing,
 * authentication, request modifiers, response controls, or content format"; RFC 7230
 * §4.1.2 named them: RFC 7231 §5's request controls and conditionals, RFC 7235 and 6265
 * for authentication and cookies, RFC 7231 §7.1's response control data).  A recipient
 * would act on none of them in a trailer, and an application that merges trailers into its
 * headers (RFC 9110 §6.5.2 warns of it) would be fooled: a Content-Length, a Set-Cookie, an
 * Authorization, an X-Forwarded-For nobody checked.  Names lowercase, matched through
 * http_name_eq_cgi (X_Forwarded_For is X-Forwarded-For to a CGI backend); sorted by
 * nothing: a trailer section has a few fields and this list is short.
 */
static const struct {
	const char *name;
	const char *why;
} trailer_forbidden[] = {
	/* framing */
	{ "content-length", "framing" }, { "transfer-encoding", "framing" },
	{ "trailer", "framing" },
	/* hop-by-hop (RFC 9110 §7.6.1), HTTP/2's connection-specific fields (RFC 9113 §8.2.2) */
	{ "connection", "hop-by-hop" }, { "keep-alive", "hop-by-hop" },
	{ "proxy-connection", "hop-by-hop" }, { "te", "hop-by-hop" },
	{ "upgrade", "hop-by-hop" }, { "http2-settings", "hop-by-hop" },
	/* routing, and what sysbind itself says of the route */
	{ "host", "routing" }, { "x-forwarded-for", "routing" },
	{ "x-forwarded-proto", "routing" }, { "x-forwarded-host", "routing" },
	{ "forwarded", "routing" }, { "max-forwards", "routing" },
	/* authentication, cookies (RFC 9110 §11, RFC 6265) */
	{ "authorization", "authentication" }, { "proxy-authorization", "authentication" },
	{ "www-authenticate", "authentication" }, { "proxy-authenticate", "authentication" },
	{ "authentication-info", "authentication" },
	{ "proxy-authentication-info", "authentication" },
	{ "cookie", "authentication" }, { "set-cookie", "authentication" },
	/* request modifiers: controls, conditionals, negotiation (RFC 9110 §10.1, §13, §12) */
	{ "cache-control", "control" }, { "expect", "control" }, { "pragma", "control" },
	{ "range", "control" }, { "if-match", "control" }, { "if-none-match", "control" },
	{ "if-modified-since", "control" }, { "if-unmodified-since", "control" },
	{ "if-range", "control" }, { "accept", "control" }, { "accept-charset", "control" },
	{ "accept-encoding", "control" }, { "accept-language", "control" },
	/* response control data (RFC 9110 §10.2, RFC 9111) */
	{ "age", "control" }, { "expires", "control" }, { "date", "control" },
	{ "location", "control" }, { "retry-after", "control" }, { "vary", "control" },
	{ "warning", "control" },
	/* how to read the content */
	{ "content-type", "content" }, { "content-encoding", "content" },
	{ "content-range", "content" }, { "content-language", "content" },
	{ "content-location", "content" },
};

const char *http_trailer_forbidden(const char *name, size_t len)
{
	if (len == 0 || name[0] == ':')
		return "pseudo-header";   /* (and an empty name: nothing to forward) */
	for (size_t i = 0; i < sizeof(trailer_forbidden) / sizeof(trailer_forbidden[0]); i++)
		if (http_name_eq_cgi(name, len, trailer_forbidden[i].name,
		    strlen(trailer_forbidden[i].name)))
			return trailer_forbidden[i].why;
	return NULL;
}

static int last_chunk(const struct http_fields *t, const char *drop, const struct sink *out)
{
	size_t droplen = drop != NULL ? strlen(drop) : 0;
	struct headbuf b;

	headbuf_init(&b);
	headbuf_add(&b, "0\r\n", 3);
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		const struct http_header *f = &t->v[i];

		if (http_trailer_forbidden(f->name, f->name_len) != NULL ||
		    (droplen > 0 && http_name_eq_cgi(f->name, f->name_len, drop, droplen)) ||
		    !line_safe(f->name) || !line_safe(f->value))
			continue;
		headbuf_hfield(&b, f);
	}
	headbuf_add(&b, "\r\n", 2);
	return headbuf_finish(&b, out, 1);
}

int http_last_chunk_append(struct evbuffer *out, const struct http_fields *t, const char *drop)
{
	struct sink k = { out, NULL };

	return last_chunk(t, drop, &k);
}

int http_last_chunk_add(struct iobuf *out, const struct http_fields *t, const char *drop)
{
	struct sink k = { NULL, out };

	return last_chunk(t, drop, &k);
}

int http_chunk_add(struct iobuf *out, const char *data, size_t len)
{
	size_t lost;

	return http_chunk_move(out, NULL, data, len, &lost);
}

int http_chunk_move(struct iobuf *out, struct iobuf *src, const char *data, size_t len,
    size_t *lost)
{
	char h[24];
	int n;
	long m;

	*lost = 0;
	if (len == 0)
		return iobuf_add(out, "0\r\n\r\n", 5);
	n = snprintf(h, sizeof(h), "%zx\r\n", len);
	if (iobuf_add(out, h, (size_t)n) != 0 || (m = iobuf_move(out, src, data, len)) < 0)
		return -1;
	*lost = (size_t)m;
	return iobuf_add(out, "\r\n", 2) != 0 ? -1 : 0;
}

int http_chunk_append(struct evbuffer *out, const char *data, size_t len)
{
	if (len == 0)
		return evbuffer_add(out, "0\r\n\r\n", 5);
	if (evbuffer_add_printf(out, "%zx\r\n", len) < 0 || evbuffer_add(out, data, len) == -1 ||
	    evbuffer_add(out, "\r\n", 2) == -1)
		return -1;
	return 0;
}
