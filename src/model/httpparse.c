/*
 * httpparse — the llhttp adapter.  Owns: feeding bytes to llhttp (strict, no lenient
 * flags) behind httpscan.c's scanners, accumulating the head's strings into a per-parser
 * arena (buffers reused through a per-thread stash and parser cache), the trailer section,
 * the llhttp callbacks and the head checks done when the head is complete (Host, versions,
 * transfer codings, request-target forms), and the parser's public life (new, feed,
 * finish, pause, resume, trim, free).  Re-serialising heads for the other side, the field
 * names and the hop-by-hop set are http.c's.  It does not own sockets, routing or the
 * responses sysbind makes itself (respond.c).
 *
 * Decisions recorded here (no RFC or HTTP.SYS document settles them):
 *  - Limits: max_request_bytes counts every byte of the head on the wire, from the first
 *    byte of the message (empty lines before the request line included) through the CRLF
 *    of the blank line; max_field_length counts one header line without its CRLF (name,
 *    colon, whitespace, value); max_url_length counts the request-target.  A head exactly
 *    at a limit is accepted, one byte over is refused at that byte.  Response heads from a
 *    backend are held to max_request_bytes and max_field_length too (as HTTP_ERR_BAD_RESPONSE).
 *  - Transfer-Encoding in a request: a last coding other than chunked (or chunked twice)
 *    is 400 (RFC 9112 §6.3); chunked preceded by another coding ("gzip, chunked") is 501
 *    N/I, because we re-chunk bodies and cannot carry other codings.  In a response
 *    anything but a lone "chunked" is a bad response (502).
 *  - obs-fold, whitespace before a colon, an empty field name, a field line without a
 *    colon: Invalid Header.  Bare CR or LF anywhere in a head: Invalid_CR/LF.
 *  - A well-formed version other than 1.x (HTTP/2.0, HTTP/0.9, HTTP/1.2) is 505; a junk
 *    version is 400.  CONNECT is 400 (a reverse proxy does not tunnel); "*" is only
 *    allowed with OPTIONS (Invalid URL otherwise); userinfo in an absolute-form target is
 *    an Invalid URL.
 *  - llhttp runs over a head's start line, the empty line and the header lines it acts on
 *    (Content-Length, Transfer-Encoding, Connection, Proxy-Connection, Upgrade, any case)
 *    or would refuse (a byte that is no tchar in the name, a control byte in the value);
 *    the other lines, which it would only walk through, are kept from it (httpscan.c's
 *    line_skip, run_head), and so is "Connection: keep-alive" in an HTTP/1.1 message
 *    (the one flag it sets matters below 1.1 only): the same flags, lengths, errors and
 *    details, at fewer instructions (a keep-alive request's two heads: about 1,000 fewer).
 *  - Transfer-Encoding is chunked only when llhttp says so (its F_CHUNKED flag): a field
 *    it does not read as chunked ("chunked;a=b", "chunked ;a") is refused before on_head,
 *    so a head llhttp would refuse after it never reaches a backend.
 *  - Chunked bodies go through a strict scanner of our own before llhttp sees them
 *    (RFC 9112 §7.1), because llhttp 8.1 accepts a bare CR ending a chunk-size line or an
 *    extension: every line ends in CRLF, BWS only before ";", no control characters in an
 *    extension, and a chunk-size line (size and extensions) is at most max_field_length
 *    bytes; trailer lines are held to max_field_length and max_request_bytes like a head.
 *  - The trailer section of a chunked body is kept whole (http_parser_trailers), in storage
 *    of its own so the head's strings never move, and forwarded by the writer of the
 *    other side's last chunk (http_last_chunk_add) minus the fields RFC 9110 §6.5.1 keeps
 *    out of trailers (http_trailer_forbidden, one table).  The parser filters nothing: a
 *    trace or a test sees what arrived.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "base/strlist.h"
#include "model/http.h"
#include "model/http_int.h"
#include "base/objcache.h"

static const llhttp_settings_t parser_settings;
static const llhttp_settings_t head_settings;

/*
 * A parser gives its buffers back when its connection goes idle (http_parser_trim), so
 * an idle keep-alive connection holds none; the next head on the same thread takes them
 * again from this per-thread stash instead of from malloc.  Kinds: the arena, the field
 * spans, the header array.  Only buffers of a usual size are kept.
 */
enum { STASH_ARENA = 0, STASH_SPANS, STASH_HARR, STASH_KINDS };
#define STASH_MAX 64
static __thread struct stash {
	void   *p[STASH_MAX];
	size_t  cap[STASH_MAX];
	size_t  n;
} parser_stash[STASH_KINDS];

/* A stashed buffer of at least min units, its capacity in *cap; NULL when none. */
static void *stash_get(int kind, size_t min, size_t *cap)
{
	struct stash *st = &parser_stash[kind];

	for (size_t i = st->n; i-- > 0;)
		if (st->cap[i] >= min) {
			void *b = st->p[i];

			*cap = st->cap[i];
			st->p[i] = st->p[st->n - 1];
			st->cap[i] = st->cap[st->n - 1];
			st->n--;
			return b;
		}
	return NULL;
}

/* Keep b (cap units) for reuse, or free it. */
static void stash_put(int kind, void *b, size_t cap, size_t max_cap)
{
	struct stash *st = &parser_stash[kind];

	if (b == NULL)
		return;
	if (cap > max_cap || st->n == STASH_MAX) {
		free(b);
		return;
	}
	st->p[st->n] = b;
	st->cap[st->n++] = cap;
}

/* ---------- arena ---------- */

/* Room for n more bytes (and a NUL) within the arena's bound. */
static int arena_reserve(struct http_parser *p, size_t n)
{
	if (p->len + n + 1 > p->max)
		return -1;
	if (p->buf == NULL && (p->buf = stash_get(STASH_ARENA, p->len + n + 1, &p->cap)) != NULL)
		return 0;
	if (p->len + n + 1 > p->cap) {
		size_t ncap = p->cap ? p->cap : 512;
		while (ncap < p->len + n + 1)
			ncap *= 2;
		if (ncap > p->max)
			ncap = p->max;
		char *nb = realloc(p->buf, ncap);
		if (nb == NULL)
			return -1;
		p->buf = nb;
		p->cap = ncap;
	}
	return 0;
}

static int arena_append(struct http_parser *p, const char *data, size_t n)
{
	if (arena_reserve(p, n) == -1)
		return -1;
	if (n > 0)
		memcpy(p->buf + p->len, data, n);
	p->len += n;
	return 0;
}

/* Close the token being read: trailing whitespace off a value, then a NUL over the byte
 * after it in the arena's copy of the head (the colon, CR, space or whitespace that ended
 * it: llhttp reads the caller's bytes, never this copy).  An empty token has no byte of
 * its own, and llhttp may report it at the start of the next line: nothing is written
 * for it (an empty value or reason is the empty string head_build gives a missing one). */
static int token_close(struct http_parser *p)
{
	size_t n, end;
	enum tok t = p->cur;

	if (t == TOK_NONE)
		return 0;
	n = p->cur_end - p->cur_start;
	if (n == 0) {
		p->cur = TOK_NONE;
		if (t == TOK_STATUS)
			p->status = SIZE_MAX;
		else
			return -1;   /* cannot happen: llhttp refuses an empty target */
		return 0;
	}
	if (t == TOK_URL)
		p->url_len = n;
	else
		p->status_len = n;
	p->cur = TOK_NONE;
	end = p->cur_start + n;
	if (end < p->len) {
		p->buf[end] = '\0';
		return 0;
	}
	return arena_append(p, "", 1);   /* (the token ended with the bytes copied so far) */
}

/* Copy n head bytes at data (the ones llhttp runs over next) to the arena, where the
 * head's tokens are then found by their offset from raw_off. */
static int head_copy(struct http_parser *p, const char *data, size_t n)
{
	p->raw_at = data;
	p->raw_off = p->len;
	return arena_append(p, data, n);
}

void http_message_reset(struct http_parser *p)
{
	if (p->harr_cap > 64) {   /* a small array is kept: one head costs no malloc */
		free(p->harr);
		p->harr = NULL;
		p->harr_cap = 0;
	}
	memset(&p->head, 0, sizeof(p->head));
	/* Give back a large arena so an idle keep-alive connection stays small. */
	if (p->cap > 4096) {
		free(p->buf);
		p->buf = NULL;
		p->cap = 0;
	}
	if (p->spans_cap > 64) {
		free(p->spans);
		p->spans = NULL;
		p->spans_cap = 0;
	}
	p->len = 0;
	p->raw_at = NULL;
	p->raw_off = 0;
	p->cur = TOK_NONE;
	p->cur_start = p->cur_end = 0;
	p->url = p->url_len = p->status_len = 0;
	p->auth = p->auth_end = 0;
	p->status = SIZE_MAX;
	p->host_off = p->path_off = SIZE_MAX;
	p->nspans = 0;
	p->head_done = 0;
	p->head_whole = 0;
	p->ll.settings = (void *)&head_settings;
	if (p->trailers.v != NULL)   /* (most messages have no trailer section) */
		http_fields_clear(&p->trailers);
	if (p->tline != NULL) {
		free(p->tline);
		p->tline = NULL;
	}
	p->tlen = p->tcap = p->tname = 0;
	p->tf = TF_NONE;
	p->is_interim = 0;
	p->head_bytes = 0;
	p->line_len = 0;
	p->line_no = 0;
	p->line0_started = 0;
	p->v11 = 0;
	p->sc = SC_LINE_START;
	p->in_chunked = 0;
}

void http_parser_fail(struct http_parser *p, enum http_error e, const char *detail)
{
	if (p->err != HTTP_ERR_NONE)
		return;
	p->err = p->kind == HTTP_PARSE_RESPONSE ? HTTP_ERR_BAD_RESPONSE : e;
	p->detail = detail;
}

/* ---------- the trailer section ---------- */

/* n more bytes of the trailer field being read. */
static int trailer_append(struct http_parser *p, const char *at, size_t n)
{
	if (p->tlen + n > p->tcap) {
		size_t cap = p->tcap ? p->tcap : 128;
		char *nb;

		while (cap < p->tlen + n)
			cap *= 2;
		if ((nb = realloc(p->tline, cap)) == NULL) {
			http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "trailer section does not fit in memory");
			return -1;
		}
		p->tline = nb;
		p->tcap = cap;
	}
	if (n > 0)   /* (llhttp may report an empty piece: tline may still be NULL) */
		memcpy(p->tline + p->tlen, at, n);
	p->tlen += n;
	return 0;
}

/* The field being read is complete (its value, possibly empty, too): kept. */
static int trailer_field_done(struct http_parser *p)
{
	size_t vl;

	if (p->tf == TF_NONE)
		return 0;
	vl = p->tlen - p->tname;
	while (vl > 0 && (p->tline[p->tname + vl - 1] == ' ' ||
	    p->tline[p->tname + vl - 1] == '\t'))
		vl--;
	p->tf = TF_NONE;
	if (http_fields_add(&p->trailers, p->tline, p->tname, p->tline + p->tname, vl, 0) != 0) {
		http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "trailer section does not fit in memory");
		return -1;
	}
	p->tlen = p->tname = 0;
	return 0;
}

/* A fragment of a trailer field's name or value (llhttp calls the head's callbacks). */
static int trailer_span(struct http_parser *p, enum tok t, const char *at, size_t n)
{
	if (t == TOK_FIELD) {
		if (p->tf == TF_VALUE && trailer_field_done(p) != 0)
			return -1;   /* (a value llhttp reported no end of: it ended) */
		p->tf = TF_NAME;
		p->tname += n;
	} else if (p->tf == TF_NAME) {
		p->tf = TF_VALUE;
	}
	return trailer_append(p, at, n);
}

/* ---------- header lines (the scanner's) ---------- */

int http_parser_span(struct http_parser *p, size_t name, size_t colon, size_t cr)
{
	struct hdr_span *sp;

	if (p->spans == NULL && (p->spans = stash_get(STASH_SPANS, 1, &p->spans_cap)) == NULL)
		p->spans_cap = 0;
	if (p->nspans == p->spans_cap) {
		size_t nc = p->spans_cap ? p->spans_cap * 2 : 16;
		struct hdr_span *ns = realloc(p->spans, nc * sizeof(*ns));

		if (ns == NULL) {
			http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
			return -1;
		}
		p->spans = ns;
		p->spans_cap = nc;
	}
	sp = &p->spans[p->nspans++];
	sp->name = name;
	sp->name_len = colon - name;
	sp->value = colon + 1;
	sp->value_len = cr - (colon + 1);
	return 0;
}

/* ---------- llhttp callbacks ---------- */

/* A fragment of the start line's target or reason: llhttp's bytes at..at+n are the
 * arena's copy at raw_off + (at - raw_at), and the fragments of one token are contiguous
 * there (the copy is made in feed order, and nothing else is appended until the head is
 * complete).  The header lines' spans are the scanner's (http_parser_span). */
static int span_add(struct http_parser *p, enum tok t, const char *at, size_t n)
{
	size_t off;

	if (p->head_done)
		return 0;
	if (p->raw_at == NULL || at < p->raw_at || (size_t)(at - p->raw_at) + n >
	    p->len - p->raw_off)
		goto toolong;   /* cannot happen: every head byte llhttp sees was copied */
	off = p->raw_off + (size_t)(at - p->raw_at);
	/* fragments of one token arrive back to back; a new kind starts a new token */
	if (p->cur != t) {
		if (token_close(p) == -1)
			goto toolong;
		p->cur = t;
		p->cur_start = off;
		if (t == TOK_URL)
			p->url = off;
		else
			p->status = off;
	}
	p->cur_end = off + n;
	if (t == TOK_URL && p->cur_end - p->url > p->lim.max_url_length) {
		http_parser_fail(p, HTTP_ERR_URL_LENGTH, "request URL too long");
		return -1;
	}
	return 0;
toolong:
	http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
	return -1;
}

static int cb_url(llhttp_t *ll, const char *at, size_t n)
{
	return span_add(ll->data, TOK_URL, at, n);
}

static int cb_status(llhttp_t *ll, const char *at, size_t n)
{
	return span_add(ll->data, TOK_STATUS, at, n);
}

/* The four field callbacks are the trailer section's only (trailer_settings): a head's
 * header lines are recorded by the scanner, and llhttp runs over a head without them. */
static int cb_field(llhttp_t *ll, const char *at, size_t n)
{
	struct http_parser *p = ll->data;

	return p->head_done ? trailer_span(p, TOK_FIELD, at, n) : 0;
}

static int cb_value(llhttp_t *ll, const char *at, size_t n)
{
	struct http_parser *p = ll->data;

	return p->head_done ? trailer_span(p, TOK_VALUE, at, n) : 0;
}

static int cb_field_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	if (p->head_done) {
		if (p->tf == TF_NONE)
			p->tf = TF_NAME;   /* (an empty name: llhttp refuses it before this) */
		p->tf = TF_VALUE;      /* the value starts, even if no byte of it comes */
	}
	return 0;
}

static int cb_value_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	return p->head_done ? trailer_field_done(p) : 0;
}

static int cb_version_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	if (ll->http_major != 1) {
		http_parser_fail(p, HTTP_ERR_VERSION, "HTTP version not supported");
		return -1;
	}
	return 0;
}

static int has_scheme(const char *s, size_t n, const char *scheme)
{
	size_t k = strlen(scheme);
	return n >= k && strncasecmp(s, scheme, k) == 0;
}

/* The request-target is complete: check its form, compute host and path. */
static int cb_url_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	if (p->kind != HTTP_PARSE_REQUEST)
		return 0;
	if (token_close(p) == -1) {
		http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
		return -1;
	}
	if (ll->method == HTTP_CONNECT) {
		http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "CONNECT is not supported");
		return -1;
	}
	const char *u = p->buf + p->url;
	size_t n = p->url_len;
	if (n == 1 && u[0] == '*') {
		if (ll->method != HTTP_OPTIONS) {
			http_parser_fail(p, HTTP_ERR_URL, "asterisk-form target without OPTIONS");
			return -1;
		}
		return 0;
	}
	if (n > 0 && u[0] == '/')
		return 0;
	size_t skip;
	if (has_scheme(u, n, "http://"))
		skip = 7;
	else if (has_scheme(u, n, "https://"))
		skip = 8;
	else {
		http_parser_fail(p, HTTP_ERR_URL, "request target is neither origin- nor absolute-form");
		return -1;
	}
	size_t a = skip, e = skip;
	while (e < n && u[e] != '/' && u[e] != '?' && u[e] != '#')
		e++;
	if (e == a || memchr(u + a, '@', e - a) != NULL) {
		http_parser_fail(p, HTTP_ERR_URL, "absolute-form target without a valid authority");
		return -1;
	}
	/* host and path are copied once the head is complete (head_build): nothing may
	 * come between the arena's copies of the head's bytes before that */
	p->auth = a;
	p->auth_end = e;
	return 0;
}

/* An absolute-form target's host and origin-form path, after the head in the arena. */
static int target_split(struct http_parser *p)
{
	/* the target is in the arena, which may move: reserve first, then copy by offset */
	size_t url_off = p->url, a = p->auth, e = p->auth_end, alen = e - a,
	    rest = p->url_len - e;

	if (arena_reserve(p, alen + rest + 3) == -1)
		return -1;
	p->host_off = p->len;
	memcpy(p->buf + p->len, p->buf + url_off + a, alen);
	p->len += alen;
	p->buf[p->len++] = '\0';
	p->path_off = p->len;
	if (rest == 0 || p->buf[url_off + e] != '/')
		p->buf[p->len++] = '/';
	memcpy(p->buf + p->len, p->buf + url_off + e, rest);
	p->len += rest;
	p->buf[p->len++] = '\0';
	return 0;
}

static int cb_status_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	return token_close(p) == -1 ? -1 : 0;
}

/*
 * Check the transfer codings of every Transfer-Encoding field.  Returns 0 when the only
 * coding is chunked, 1 when the last is not chunked (or chunked repeats), 2 when other
 * codings precede a final chunked.
 */
static int te_check(const struct http_head *h)
{
	int n = 0, last_chunked = 0, chunked_seen = 0, other = 0;

	for (size_t i = 0; i < h->nheaders; i++) {
		if (h->headers[i].id != HF_TRANSFER_ENCODING)
			continue;
		const char *b;
		size_t len;
		struct strlist tl;

		strlist_init(&tl, h->headers[i].value, NULL, STRLIST_BLANKS);
		while (strlist_next(&tl, &b, &len)) {
			if (len == 0)
				continue;   /* an empty list item names no coding */
			size_t l = strcspn(b, "; \t,");   /* the coding's name, before its parameters */
			n++;
			if (l == 7 && strncasecmp(b, "chunked", 7) == 0) {
				if (chunked_seen)
					return 1;
				chunked_seen = 1;
				last_chunked = 1;
			} else {
				if (chunked_seen)
					return 1;  /* something after chunked */
				other = 1;
				last_chunked = 0;
			}
		}
	}
	if (n == 0 || !last_chunked)
		return 1;
	return other ? 2 : 0;
}

static int head_build(struct http_parser *p)
{
	struct http_head *h = &p->head;
	llhttp_t *ll = &p->ll;

	if (token_close(p) == -1)
		return -1;
	p->head_done = 1;
	p->ll.settings = (void *)&parser_settings;   /* a trailer section's fields */
	if (p->auth_end > 0 && target_split(p) == -1)
		return -1;
	if (p->nspans > 0) {
		if (p->harr == NULL &&
		    (p->harr = stash_get(STASH_HARR, p->nspans, &p->harr_cap)) == NULL)
			p->harr_cap = 0;
		if (p->nspans > p->harr_cap) {
			size_t cap = p->nspans < 16 ? 16 : p->nspans;
			struct http_header *na = realloc(p->harr, cap * sizeof(*na));

			if (na == NULL)
				return -1;
			p->harr = na;
			p->harr_cap = cap;
		}
		if (p->harr == NULL)
			return -1;
	}
	for (size_t i = 0; i < p->nspans; i++) {
		const struct hdr_span *sp = &p->spans[i];
		char *name = p->buf + sp->name, *v = p->buf + sp->value;
		size_t vl = sp->value_len;

		/* the value as llhttp reads it: whitespace after the colon and before the CR
		 * is no part of it */
		while (vl > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		name[sp->name_len] = '\0';   /* over the colon */
		p->harr[i].name = name;
		p->harr[i].name_len = (unsigned)sp->name_len;
		/* an empty value is the empty string that ends the name in the arena */
		if (vl == 0) {
			p->harr[i].value = name + sp->name_len;
			p->harr[i].value_len = 0;
		} else {
			v[vl] = '\0';
			p->harr[i].value = v;
			p->harr[i].value_len = (unsigned)vl;
		}
		p->harr[i].id = http_field_id(name, sp->name_len);
	}
	h->headers = p->harr;
	h->nheaders = p->nspans;
	h->version_major = ll->http_major;
	h->version_minor = ll->http_minor;
	h->head_bytes = p->head_bytes;
	h->content_length = (ll->flags & F_CONTENT_LENGTH) ? (long long)ll->content_length : -1;
	h->chunked = (ll->flags & F_CHUNKED) ? 1 : 0;
	if (p->kind == HTTP_PARSE_REQUEST) {
		h->method = (char *)llhttp_method_name((llhttp_method_t)ll->method);
		h->target = p->buf + p->url;
		h->path = p->path_off != SIZE_MAX ? p->buf + p->path_off : h->target;
		h->host = p->host_off != SIZE_MAX ? p->buf + p->host_off : NULL;
	} else {
		h->status = ll->status_code;
		h->reason = p->status != SIZE_MAX ? p->buf + p->status : "";
	}
	return 0;
}

static int cb_headers_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;
	struct http_head *h = &p->head;
	int hosts = 0, te = 0;
	const char *host_value = NULL;

	/* the status token may still be open when no header followed */
	if (head_build(p) == -1) {
		http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
		return -1;
	}
	p->head_whole = 1;
	for (size_t i = 0; i < h->nheaders; i++) {
		const char *v = h->headers[i].value;

		switch (h->headers[i].id) {
		case HF_HOST:
			hosts++;
			host_value = v;
			break;
		case HF_TRANSFER_ENCODING:
			te = 1;
			break;
		case HF_UPGRADE:
			if (h->upgrade_proto == NULL)
				h->upgrade_proto = (char *)v;
			break;
		case HF_EXPECT:
			if (strcasecmp(v, "100-continue") == 0)
				h->expect_continue = 1;
			break;
		default:
			break;
		}
	}

	if (p->kind == HTTP_PARSE_REQUEST) {
		if (hosts > 1) {
			http_parser_fail(p, HTTP_ERR_HOSTNAME, "more than one Host field");
			return -1;
		}
		if (hosts == 0 && h->version_minor >= 1) {
			http_parser_fail(p, HTTP_ERR_HOSTNAME, "HTTP/1.1 request without Host");
			return -1;
		}
		if (h->host == NULL)
			h->host = (char *)host_value;
		if (te && h->version_minor == 0) {
			http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
			return -1;
		}
		if (te && !(ll->flags & F_CHUNKED)) {
			/* llhttp does not read this field as chunked and would refuse the
			 * request only after on_head: refuse it now, before anyone acts on it */
			http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "Transfer-Encoding not understood as chunked");
			return -1;
		}
		if (te) {
			int r = te_check(h);
			if (r == 1) {
				http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "final transfer coding is not chunked");
				return -1;
			}
			if (r == 2) {
				http_parser_fail(p, HTTP_ERR_NOT_IMPLEMENTED, "unsupported transfer coding");
				return -1;
			}
		}
		if (ll->upgrade && h->upgrade_proto != NULL &&
		    list_has_token(h->upgrade_proto, "h2c"))
			ll->upgrade = 0;  /* h2c is not ours to forward: a plain request */
		h->upgrade = ll->upgrade ? 1 : 0;
	} else {
		if (h->status < 100 || h->status > 999) {
			http_parser_fail(p, HTTP_ERR_BAD_RESPONSE, "invalid status code");
			return -1;
		}
		if (te && (te_check(h) != 0 || !(ll->flags & F_CHUNKED))) {
			http_parser_fail(p, HTTP_ERR_BAD_RESPONSE, "unsupported transfer coding in response");
			return -1;
		}
		int bodiless = h->status / 100 == 1 || h->status == 204 || h->status == 304 ||
		    strcmp(p->req_method, "HEAD") == 0;
		if (bodiless)
			ll->flags |= F_SKIPBODY;
		if (h->status == 101) {
			ll->upgrade = 1;
			h->upgrade = 1;
		} else {
			ll->upgrade = 0;
		}
		p->is_interim = h->status / 100 == 1 && h->status != 101;
	}
	h->keep_alive = llhttp_should_keep_alive(ll) ? 1 : 0;

	if (p->cb->on_head != NULL) {
		int r = p->cb->on_head(p->arg, h);
		if (r == -1) {
			p->stopped = 1;
		p->detail = "stopped by on_head";
			return -1;
		}
		if (r == 1 && p->kind == HTTP_PARSE_RESPONSE) {
			ll->flags |= F_SKIPBODY;
			h->keep_alive = llhttp_should_keep_alive(ll) ? 1 : 0;
		}
	}
	if ((ll->flags & F_CHUNKED) && !(ll->flags & F_SKIPBODY)) {
		p->in_chunked = 1;
		p->ck = CK_SIZE0;
		p->ck_line = 0;
		p->chunk_left = 0;
	}
	if (p->pause_after_head && !p->is_interim) {
		p->state = PS_PAUSED_HEAD;
		return HPE_PAUSED;
	}
	return 0;
}

static int cb_body(llhttp_t *ll, const char *at, size_t n)
{
	struct http_parser *p = ll->data;

	if (p->cb->on_body != NULL && p->cb->on_body(p->arg, at, n) == -1) {
		p->stopped = 1;
		p->detail = "stopped by on_body";
		return -1;
	}
	return 0;
}

static int cb_message_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	if (trailer_field_done(p) != 0)
		return -1;
	if (p->cb->on_end != NULL && p->cb->on_end(p->arg) == -1) {
		p->stopped = 1;
		p->detail = "stopped by on_end";
		return -1;
	}
	/* An upgrade ends in HPE_PAUSED_UPGRADE; during llhttp_finish nothing follows. */
	if (ll->upgrade || p->finishing)
		return 0;
	p->state = PS_PAUSED_END;
	return HPE_PAUSED;
}

/* A head's callbacks: its header lines are the scanner's (http_parser_span). */
static const llhttp_settings_t head_settings = {
	.on_url = cb_url,
	.on_status = cb_status,
	.on_headers_complete = cb_headers_complete,
	.on_body = cb_body,
	.on_message_complete = cb_message_complete,
	.on_url_complete = cb_url_complete,
	.on_status_complete = cb_status_complete,
	.on_version_complete = cb_version_complete,
};

/* After the head (cb_headers_complete): the same, and the trailer section's fields. */
static const llhttp_settings_t parser_settings = {
	.on_url = cb_url,
	.on_status = cb_status,
	.on_header_field = cb_field,
	.on_header_value = cb_value,
	.on_headers_complete = cb_headers_complete,
	.on_body = cb_body,
	.on_message_complete = cb_message_complete,
	.on_url_complete = cb_url_complete,
	.on_status_complete = cb_status_complete,
	.on_version_complete = cb_version_complete,
	.on_header_field_complete = cb_field_complete,
	.on_header_value_complete = cb_value_complete,
};

/* ---------- public API ---------- */

/* Parsers this thread freed, for the next one (base/objcache, at most OBJCACHE_MAX): an
 * idle keep-alive connection gives its parser back (HTTP/1.1 makes a new one at the next
 * request's first byte). */
static __thread struct objcache parser_cache;

struct http_parser *http_parser_new(enum http_kind kind, const struct http_limits *lim,
    const struct http_callbacks *cb, void *arg)
{
	struct http_parser *p;

	if ((p = objcache_get(&parser_cache, sizeof(*p))) == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->lim = *lim;
	p->cb = cb;
	p->arg = arg;
	/* every string of a head is a head byte, plus NULs and the absolute-form copies */
	p->max = 2 * (size_t)lim->max_request_bytes + 64;
	llhttp_init(&p->ll, kind == HTTP_PARSE_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE,
	    &parser_settings);
	p->ll.data = p;
	p->in_head = 1;
	http_message_reset(p);
	return p;
}

void http_parser_free(struct http_parser *p)
{
	if (p == NULL)
		return;
	http_fields_clear(&p->trailers);
	free(p->tline);
	stash_put(STASH_HARR, p->harr, p->harr_cap, 64);
	stash_put(STASH_ARENA, p->buf, p->cap, 4096);
	stash_put(STASH_SPANS, p->spans, p->spans_cap, 64);
	objcache_put(&parser_cache, p);
}

/* Turn llhttp's error into ours (only when no check of ours already set one). */
static void map_llhttp_error(struct http_parser *p, llhttp_errno_t e)
{
	const char *reason = llhttp_get_error_reason(&p->ll);

	if (p->err != HTTP_ERR_NONE)
		return;
	if (p->stopped)
		return;  /* our caller's callback asked to stop: no parse error */
	p->detail = reason != NULL ? reason : llhttp_errno_name(e);
	if (p->kind == HTTP_PARSE_RESPONSE) {
		p->err = HTTP_ERR_BAD_RESPONSE;
		return;
	}
	switch (e) {
	case HPE_INVALID_METHOD:
		p->err = HTTP_ERR_VERB;
		break;
	case HPE_INVALID_URL:
		p->err = HTTP_ERR_URL;
		break;
	case HPE_INVALID_HEADER_TOKEN:
		p->err = HTTP_ERR_HEADER;
		break;
	case HPE_INVALID_VERSION:
		/* a well-formed but unsupported version, versus junk where one should be */
		p->err = reason != NULL && strcmp(reason, "Invalid HTTP version") == 0 ?
		    HTTP_ERR_VERSION : HTTP_ERR_BAD_REQUEST;
		break;
	case HPE_CR_EXPECTED:
	case HPE_LF_EXPECTED:
		p->err = HTTP_ERR_INVALID_CRLF;
		break;
	default:
		p->err = HTTP_ERR_BAD_REQUEST;
		break;
	}
}

/*
 * What llhttp's run over the n bytes at data (or some of them, run_head) ended with: e.
 * *consumed receives how many it took; returns the feed result for the caller, or -1 (as
 * HTTP_FEED_MORE's opposite) when everything was taken and parsing goes on.
 */
static int llhttp_result(struct http_parser *p, llhttp_errno_t e, const char *data, size_t n,
    size_t *consumed)
{
	*consumed = n;
	if (e == HPE_OK)
		return -1;
	if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
		const char *ep = llhttp_get_error_pos(&p->ll);
		*consumed = ep != NULL && ep >= data && ep <= data + n ? (size_t)(ep - data) : n;
	}
	if (e == HPE_PAUSED) {
		if (p->state == PS_PAUSED_END) {
			/* the next byte starts a new message */
			p->in_head = 1;
			p->need_reset = 1;
			if (p->is_interim) {
				/* 100 Continue: delivered; the final response follows */
				p->state = PS_RUN;
				llhttp_resume(&p->ll);
				return -1;
			}
		}
		return HTTP_FEED_PAUSED;
	}
	if (e == HPE_PAUSED_UPGRADE) {
		p->state = PS_UPGRADE;
		return HTTP_FEED_UPGRADE;
	}
	map_llhttp_error(p, e);
	p->state = PS_ERROR;
	return HTTP_FEED_ERROR;
}

/* Run llhttp over n bytes at data (as llhttp_result). */
static int run_llhttp(struct http_parser *p, const char *data, size_t n, size_t *consumed)
{
	return llhttp_result(p, llhttp_execute(&p->ll, data, n), data, n, consumed);
}

/*
 * Run llhttp over the n head bytes at data the scanner just took, less the header lines it
 * kept from llhttp (p->skip: lines llhttp would walk through without a trace), in pieces
 * of the caller's buffer: the same result as run_llhttp over all of them.  llhttp stops
 * where it would have (an error, or a pause: those come at a byte it is given, the head's
 * last LF at the latest, which is never kept from it).
 */
static int run_head(struct http_parser *p, const char *data, size_t n, size_t *consumed)
{
	llhttp_errno_t e = HPE_OK;
	size_t from = 0;
	unsigned nskip = p->nskip;

	/* a run that ends these bytes is fed: llhttp refuses an empty Content-Length at the
	 * next line's first byte, which must be in this call as it was on the whole input */
	if (nskip > 0 && p->skip[nskip - 1].to == n)
		nskip--;
	for (unsigned k = 0; k <= nskip && e == HPE_OK; k++) {
		size_t to = k < nskip ? p->skip[k].from : n;

		if (to > from)
			e = llhttp_execute(&p->ll, data + from, to - from);
		if (k < nskip && e == HPE_OK && p->kind == HTTP_PARSE_REQUEST &&
		    llhttp_get_method(&p->ll) == HTTP_PRI) {
			/* after "PRI ... HTTP/1.x" llhttp wants HTTP/2's preface, byte by byte:
			 * whatever follows is its to refuse */
			e = llhttp_execute(&p->ll, data + to, n - to);
			break;
		}
		if (k < nskip)
			from = p->skip[k].to;
	}
	return llhttp_result(p, e, data, n, consumed);
}

enum http_feed http_parser_feed(struct http_parser *p, const char *data, size_t len,
    size_t *used)
{
	size_t pos = 0;

	*used = 0;
	switch (p->state) {
	case PS_ERROR:
		return HTTP_FEED_ERROR;
	case PS_UPGRADE:
		return HTTP_FEED_UPGRADE;
	case PS_PAUSED_HEAD:
	case PS_PAUSED_END:
		return HTTP_FEED_PAUSED;
	default:
		break;
	}
	while (pos < len) {
		size_t n = len - pos, took;
		int scan_failed = 0, head = p->in_head, r;

		if (head) {
			n = http_scan_head(p, data + pos, len - pos);
			scan_failed = p->err != HTTP_ERR_NONE;
			if (n > 0 && head_copy(p, data + pos, n) == -1) {
				http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
				p->state = PS_ERROR;
				*used = pos;
				return HTTP_FEED_ERROR;
			}
		} else if (p->in_chunked) {
			n = http_scan_chunked(p, data + pos, len - pos);
			scan_failed = p->err != HTTP_ERR_NONE;
		}
		if (n > 0) {
			/* llhttp sees only the bytes before the scanner's fault (if any): a fault
			 * llhttp finds there is at an earlier byte and wins, as it does when the
			 * scanner's fault comes in a later read: the same answer however the
			 * input is split.  The scanner's stands when llhttp finds none (and
			 * no callback of ours stopped it: then the stop, before, is the end). */
			enum http_error serr = p->err;
			const char *sdetail = p->detail;

			p->err = HTTP_ERR_NONE;
			r = head && p->nskip > 0 ? run_head(p, data + pos, n, &took) :
			    run_llhttp(p, data + pos, n, &took);
			pos += took;
			if (p->err == HTTP_ERR_NONE && serr != HTTP_ERR_NONE && !p->stopped) {
				p->err = serr;
				p->detail = sdetail;
			}
			if (r != -1) {
				*used = pos;
				return (enum http_feed)r;
			}
		}
		if (scan_failed) {
			p->state = PS_ERROR;
			*used = pos;
			return HTTP_FEED_ERROR;
		}
	}
	*used = pos;
	return HTTP_FEED_MORE;
}

int http_parser_finish(struct http_parser *p)
{
	llhttp_errno_t e;

	switch (p->state) {
	case PS_ERROR:
		return -1;
	case PS_UPGRADE:
	case PS_PAUSED_END:
		return 0;
	case PS_PAUSED_HEAD:
		http_parser_resume(p);
		if (p->state == PS_PAUSED_END || p->state == PS_UPGRADE)
			return 0;
		if (p->state == PS_ERROR)
			return -1;
		break;
	default:
		break;
	}
	if (p->in_head && (p->need_reset || !p->line0_started))
		return 0;  /* between messages (empty lines at most) */
	if (p->in_head) {
		p->state = PS_ERROR;
		http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "connection closed inside a head");
		return -1;
	}
	p->finishing = 1;
	e = llhttp_finish(&p->ll);
	p->finishing = 0;
	if (e != HPE_OK) {
		p->state = PS_ERROR;
		if (!p->stopped)
			http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "connection closed inside a message");
		return -1;
	}
	p->state = PS_PAUSED_END;
	p->in_head = 1;
	p->need_reset = 1;
	return 0;
}

void http_parser_resume(struct http_parser *p)
{
	size_t took;

	if (p->state == PS_PAUSED_END) {
		p->state = PS_RUN;
		llhttp_resume(&p->ll);
	} else if (p->state == PS_PAUSED_HEAD) {
		p->state = PS_RUN;
		llhttp_resume(&p->ll);
		/* Let llhttp act on the head's framing now: a bodiless message completes
		 * here (on_end is called from inside this function). */
		(void)run_llhttp(p, "", 0, &took);
	}
}

void http_parser_pause_after_head(struct http_parser *p, int on)
{
	p->pause_after_head = on ? 1 : 0;
}

void http_parser_set_request_method(struct http_parser *p, const char *method)
{
	size_t n = method != NULL ? strnlen(method, sizeof(p->req_method) - 1) : 0;

	memcpy(p->req_method, method != NULL ? method : "", n);   /* as "%s" would, cut short */
	p->req_method[n] = '\0';
}

void http_parser_trim(struct http_parser *p)
{
	if (p->state != PS_RUN || !p->in_head || !p->need_reset)
		return;
	stash_put(STASH_HARR, p->harr, p->harr_cap, 64);
	p->harr = NULL;
	p->harr_cap = 0;
	memset(&p->head, 0, sizeof(p->head));
	stash_put(STASH_ARENA, p->buf, p->cap, 4096);
	p->buf = NULL;
	p->cap = p->len = 0;
	stash_put(STASH_SPANS, p->spans, p->spans_cap, 64);
	p->spans = NULL;
	p->spans_cap = p->nspans = 0;
	http_fields_clear(&p->trailers);
	free(p->tline);
	p->tline = NULL;
	p->tlen = p->tcap = p->tname = 0;
}

const struct http_fields *http_parser_trailers(const struct http_parser *p)
{
	return &p->trailers;
}

void http_parser_stash_drain(void)
{
	objcache_drain(&parser_cache);
	for (int k = 0; k < STASH_KINDS; k++) {
		struct stash *st = &parser_stash[k];

		while (st->n > 0)
			free(st->p[--st->n]);
	}
}

unsigned long long http_parser_body_left(const struct http_parser *p)
{
	const llhttp_t *ll = &p->ll;

	if (p->state != PS_RUN || p->in_head || p->in_chunked || ll->upgrade ||
	    !(ll->flags & F_CONTENT_LENGTH) || (ll->flags & F_SKIPBODY))
		return 0;
	return (unsigned long long)ll->content_length;
}

int http_parser_idle(const struct http_parser *p)
{
	if (p->state == PS_PAUSED_END)
		return 1;
	if (p->state != PS_RUN)
		return 0;
	return p->in_head && (p->need_reset || p->head_bytes == 0);
}

enum http_error http_parser_error(const struct http_parser *p, const char **detail)
{
	if (detail != NULL)
		*detail = p->detail != NULL ? p->detail : "";
	return p->err;
}

struct http_head *http_parser_refused_head(struct http_parser *p)
{
	return p->err != HTTP_ERR_NONE && p->head_whole && p->kind == HTTP_PARSE_REQUEST ?
	    &p->head : NULL;
}
