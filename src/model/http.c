/*
 * http — the llhttp adapter.  Owns: feeding bytes to llhttp (strict, no lenient flags),
 * a small scanner of the raw head bytes that enforces HTTP.SYS's limits as bytes arrive
 * and the RFC 9112 rules llhttp 8.1 lets through (bare LF, bare CR, obs-fold, whitespace
 * before a colon, empty field names), accumulating the head's strings into a per-parser
 * arena, the head checks done when the head is complete (Host, versions, transfer
 * codings, request-target forms), and re-serialising heads for the other side.  It does
 * not own sockets, routing or the responses sysbind makes itself (respond.c).
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

#include <llhttp.h>

#include "model/http.h"
#include "base/iobuf.h"

enum parser_state {
	PS_RUN = 0,      /* feeding */
	PS_PAUSED_HEAD,  /* paused after on_head */
	PS_PAUSED_END,   /* paused after on_end, waiting for http_parser_resume */
	PS_UPGRADE,      /* the connection is a tunnel now */
	PS_ERROR,
};

/* Scanner states for one head line. */
enum scan_state { SC_LINE_START = 0, SC_NAME, SC_REST, SC_CR };

/* Scanner states of a chunked body (RFC 9112 §7.1). */
enum chunk_state {
	CK_SIZE0 = 0,   /* the first digit of a chunk size */
	CK_SIZE,        /* more digits, ";", BWS or CR */
	CK_BWS,         /* whitespace after the size: only ";" may follow */
	CK_EXT,         /* chunk extensions, up to CR */
	CK_SIZE_LF,     /* LF after the chunk line's CR */
	CK_DATA,        /* chunk data */
	CK_DATA_CR,     /* CR after the data */
	CK_DATA_LF,     /* LF after the data */
	CK_TRAILER0,    /* the start of a trailer line, or the final CR */
	CK_TRAILER,     /* inside a trailer line */
	CK_TRAILER_LF,  /* LF ending a trailer line */
	CK_END_LF,      /* LF ending the message */
};

/* The head's strings are kept as offsets into the arena until the head is complete
 * (the arena may move while it grows). */
struct hdr_span {
	size_t name, name_len;
	size_t value, value_len;  /* value == SIZE_MAX: no value bytes seen yet */
};

enum tok { TOK_NONE = 0, TOK_URL, TOK_STATUS, TOK_FIELD, TOK_VALUE };

struct http_parser {
	llhttp_t ll;
	enum http_kind kind;
	struct http_limits lim;
	const struct http_callbacks *cb;
	void *arg;

	enum parser_state state;
	enum http_error err;
	const char *detail;
	int pause_after_head;
	int finishing;          /* inside llhttp_finish: do not pause in on_message_complete */
	int stopped;            /* a callback of our caller returned -1: not a parse error */
	int is_interim;         /* current response is 1xx (not 101): parsing goes on after it */
	char req_method[24];    /* response parser: the method of the request it answers */

	/* raw head scanner */
	int in_head;
	int need_reset;         /* the previous message's strings die at the next byte */
	size_t head_bytes;
	size_t line_len;
	unsigned line_no;
	int line0_started;
	enum scan_state sc;

	/* chunked body scanner */
	int in_chunked;
	enum chunk_state ck;
	uint64_t chunk_left;
	size_t ck_line;         /* bytes of the current chunk or trailer line */
	size_t ck_trailer;      /* bytes of the trailer section */

	/* arena */
	char *buf;
	size_t len, cap, max;
	enum tok cur;
	size_t cur_start;
	size_t url, url_len;
	size_t status, status_len;
	size_t host_off, path_off;  /* SIZE_MAX when not computed */
	struct hdr_span *spans;
	size_t nspans, spans_cap;
	int head_done;              /* header callbacks after the head are trailer fields */

	/* the trailer section: the field being read (name, then value, in tline; bounded by
	 * the chunked scanner's max_field_length per line), then the fields kept */
	char *tline;
	size_t tlen, tcap, tname;
	enum { TF_NONE = 0, TF_NAME, TF_VALUE } tf;
	struct http_fields trailers;

	struct http_header *harr;   /* the head's fields, kept across messages */
	size_t harr_cap;
	struct http_head head;
};

static const llhttp_settings_t parser_settings;

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

/* Close the token being accumulated: trailing whitespace off a value, then a NUL. */
static int token_close(struct http_parser *p)
{
	if (p->cur == TOK_NONE)
		return 0;
	size_t n = p->len - p->cur_start;
	if (p->cur == TOK_VALUE) {
		while (n > 0 && (p->buf[p->cur_start + n - 1] == ' ' ||
		    p->buf[p->cur_start + n - 1] == '\t'))
			n--;
		p->len = p->cur_start + n;
	}
	switch (p->cur) {
	case TOK_URL:    p->url_len = n; break;
	case TOK_STATUS: p->status_len = n; break;
	case TOK_FIELD:  p->spans[p->nspans - 1].name_len = n; break;
	case TOK_VALUE:  p->spans[p->nspans - 1].value_len = n; break;
	default: break;
	}
	p->cur = TOK_NONE;
	return arena_append(p, "", 1);
}

static void message_reset(struct http_parser *p)
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
	p->cur = TOK_NONE;
	p->url = p->url_len = p->status_len = 0;
	p->status = SIZE_MAX;
	p->host_off = p->path_off = SIZE_MAX;
	p->nspans = 0;
	p->head_done = 0;
	http_fields_clear(&p->trailers);
	free(p->tline);
	p->tline = NULL;
	p->tlen = p->tcap = p->tname = 0;
	p->tf = TF_NONE;
	p->is_interim = 0;
	p->head_bytes = 0;
	p->line_len = 0;
	p->line_no = 0;
	p->line0_started = 0;
	p->sc = SC_LINE_START;
	p->in_chunked = 0;
}

static void fail(struct http_parser *p, enum http_error e, const char *detail)
{
	if (p->err != HTTP_ERR_NONE)
		return;
	p->err = p->kind == HTTP_PARSE_RESPONSE ? HTTP_ERR_BAD_RESPONSE : e;
	p->detail = detail;
}

/* ---------- raw head scanner ---------- */

/*
 * Scan head bytes before llhttp sees them.  Returns how many bytes are clean: all of
 * data, or up to and including the LF ending the head (in_head becomes 0), or up to the
 * offending byte (p->err set, the byte excluded).
 */
/*
 * The common case, a whole line in the buffer at the start of a line: its CR, LF, colon
 * and name found with memchr instead of byte by byte.  Returns the bytes it took (the line
 * and its CRLF), or 0 to let the byte-at-a-time scanner decide (a line not complete here,
 * the empty line, or anything it would refuse: that one finds the exact byte).
 */
static size_t scan_line_fast(struct http_parser *p, const char *data, size_t len)
{
	const char *cr, *colon;
	size_t ll;

	if (p->sc != SC_LINE_START || p->line_len != 0 || p->need_reset)
		return 0;
	if ((cr = memchr(data, '\r', len)) == NULL || (size_t)(cr - data) + 1 >= len ||
	    cr[1] != '\n')
		return 0;
	ll = (size_t)(cr - data);
	if (ll == 0 || memchr(data, '\n', ll) != NULL ||
	    p->head_bytes + ll + 2 > p->lim.max_request_bytes)
		return 0;
	if (p->line_no > 0) {
		if (ll > p->lim.max_field_length || data[0] == ' ' || data[0] == '\t' ||
		    data[0] == ':' || (colon = memchr(data, ':', ll)) == NULL)
			return 0;
		for (const char *n = data; n < colon; n++)
			if (*n == ' ' || *n == '\t')
				return 0;
	}
	p->line0_started = 1;
	p->line_no++;
	p->head_bytes += ll + 2;
	return ll + 2;
}

static size_t scan_head(struct http_parser *p, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c;
		size_t fast;

		if (p->need_reset) {
			message_reset(p);
			p->need_reset = 0;
		}
		if ((fast = scan_line_fast(p, data + i, len - i)) > 0) {
			i += fast - 1;
			continue;
		}
		c = (unsigned char)data[i];
		if (++p->head_bytes > p->lim.max_request_bytes) {
			fail(p, HTTP_ERR_REQUEST_LENGTH, "request line and headers too long");
			return i;
		}
		if (p->sc == SC_CR) {
			if (c != '\n') {
				fail(p, HTTP_ERR_INVALID_CRLF, "bare CR in head");
				return i;
			}
			if (p->line_len == 0 && !p->line0_started) {
				/* empty line before the start line (RFC 9112 §2.2) */
				p->sc = SC_LINE_START;
				continue;
			}
			if (p->line_len == 0) {
				p->in_head = 0;
				return i + 1;
			}
			p->line_no++;
			p->line_len = 0;
			p->sc = SC_LINE_START;
			continue;
		}
		if (c == '\n') {
			fail(p, HTTP_ERR_INVALID_CRLF, "bare LF in head");
			return i;
		}
		if (c == '\r') {
			if (p->sc == SC_NAME) {
				fail(p, HTTP_ERR_HEADER, "header line without colon");
				return i;
			}
			p->sc = SC_CR;
			continue;
		}
		p->line_len++;
		if (p->line_no == 0) {
			p->line0_started = 1;
			p->sc = SC_REST;
			continue;
		}
		if (p->line_len > p->lim.max_field_length) {
			fail(p, HTTP_ERR_FIELD_LENGTH, "header line too long");
			return i;
		}
		switch (p->sc) {
		case SC_LINE_START:
			if (c == ' ' || c == '\t') {
				fail(p, HTTP_ERR_HEADER, "obs-fold in header");
				return i;
			}
			if (c == ':') {
				fail(p, HTTP_ERR_HEADER, "empty header name");
				return i;
			}
			p->sc = SC_NAME;
			break;
		case SC_NAME:
			if (c == ':')
				p->sc = SC_REST;
			else if (c == ' ' || c == '\t') {
				fail(p, HTTP_ERR_HEADER, "whitespace between header name and colon");
				return i;
			}
			break;
		default:
			break;
		}
	}
	return len;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Scan the bytes of a chunked body before llhttp sees them.  Returns how many are clean:
 * all of data, or up to and including the LF that ends the message (in_chunked becomes 0),
 * or up to the offending byte (p->err set, the byte excluded).  Chunk data is skipped
 * whole, so the cost is in the framing bytes only.
 */
static size_t scan_chunked(struct http_parser *p, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		int h;

		switch (p->ck) {
		case CK_DATA: {
			size_t k = len - i;

			if ((uint64_t)k > p->chunk_left)
				k = (size_t)p->chunk_left;
			p->chunk_left -= k;
			i += k - 1;
			if (p->chunk_left == 0)
				p->ck = CK_DATA_CR;
			continue;
		}
		case CK_DATA_CR:
			if (c != '\r')
				goto bad_crlf;
			p->ck = CK_DATA_LF;
			continue;
		case CK_DATA_LF:
			if (c != '\n')
				goto bad_crlf;
			p->ck = CK_SIZE0;
			p->ck_line = 0;
			continue;
		case CK_TRAILER0:
			if (c == '\r') {
				p->ck = CK_END_LF;
				continue;
			}
			if (c == '\n' || c == ' ' || c == '\t') {
				fail(p, HTTP_ERR_BAD_REQUEST, "malformed trailer line");
				return i;
			}
			p->ck = CK_TRAILER;
			p->ck_line = 0;
			__attribute__((fallthrough));   /* count the byte */
		case CK_TRAILER:
			if (c == '\r') {
				p->ck = CK_TRAILER_LF;
				continue;
			}
			if (c == '\n' || c == '\0')
				goto bad_crlf;
			if (++p->ck_line > p->lim.max_field_length) {
				fail(p, HTTP_ERR_FIELD_LENGTH, "trailer line too long");
				return i;
			}
			if (++p->ck_trailer > p->lim.max_request_bytes) {
				fail(p, HTTP_ERR_REQUEST_LENGTH, "trailer section too long");
				return i;
			}
			continue;
		case CK_TRAILER_LF:
			if (c != '\n')
				goto bad_crlf;
			p->ck = CK_TRAILER0;
			continue;
		case CK_END_LF:
			if (c != '\n')
				goto bad_crlf;
			p->in_chunked = 0;
			return i + 1;
		default:
			break;
		}
		/* the chunk-size line: size [BWS ; ext] CRLF */
		if (p->ck != CK_SIZE_LF && c != '\r' && ++p->ck_line > p->lim.max_field_length) {
			fail(p, HTTP_ERR_BAD_REQUEST, "chunk extension too long");
			return i;
		}
		switch (p->ck) {
		case CK_SIZE0:
		case CK_SIZE:
			if ((h = hexval(c)) >= 0) {
				if (p->chunk_left > (UINT64_MAX >> 4)) {
					fail(p, HTTP_ERR_BAD_REQUEST, "chunk size too large");
					return i;
				}
				p->chunk_left = (p->ck == CK_SIZE0 ? 0 : p->chunk_left << 4) | (uint64_t)h;
				p->ck = CK_SIZE;
				continue;
			}
			if (p->ck == CK_SIZE0) {
				fail(p, HTTP_ERR_BAD_REQUEST, "invalid chunk size");
				return i;
			}
			if (c == ';')
				p->ck = CK_EXT;
			else if (c == ' ' || c == '\t')
				p->ck = CK_BWS;
			else if (c == '\r')
				p->ck = CK_SIZE_LF;
			else {
				fail(p, HTTP_ERR_BAD_REQUEST, "invalid chunk size");
				return i;
			}
			continue;
		case CK_BWS:
			if (c == ';')
				p->ck = CK_EXT;
			else if (c != ' ' && c != '\t') {
				fail(p, HTTP_ERR_BAD_REQUEST, "invalid chunk size");
				return i;
			}
			continue;
		case CK_EXT:
			if (c == '\r')
				p->ck = CK_SIZE_LF;
			else if (c == '\n')
				goto bad_crlf;
			else if ((c < 0x20 && c != '\t') || c == 0x7f) {
				fail(p, HTTP_ERR_BAD_REQUEST, "control character in a chunk extension");
				return i;
			}
			continue;
		case CK_SIZE_LF:
			if (c != '\n')
				goto bad_crlf;
			if (p->chunk_left == 0) {
				p->ck = CK_TRAILER0;
				p->ck_trailer = 0;
			} else {
				p->ck = CK_DATA;
			}
			continue;
		default:
			continue;
		}
bad_crlf:
		if (c == '\r' || c == '\n' || p->ck == CK_SIZE_LF || p->ck == CK_DATA_LF ||
		    p->ck == CK_TRAILER_LF || p->ck == CK_END_LF)
			fail(p, HTTP_ERR_INVALID_CRLF, "bare CR or LF in chunked framing");
		else
			fail(p, HTTP_ERR_BAD_REQUEST, "chunk data longer than its size");
		return i;
	}
	return len;
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
			fail(p, HTTP_ERR_REQUEST_LENGTH, "trailer section does not fit in memory");
			return -1;
		}
		p->tline = nb;
		p->tcap = cap;
	}
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
		fail(p, HTTP_ERR_REQUEST_LENGTH, "trailer section does not fit in memory");
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

/* ---------- llhttp callbacks ---------- */

static int span_add(struct http_parser *p, enum tok t, const char *at, size_t n)
{
	if (p->head_done)
		return t == TOK_FIELD || t == TOK_VALUE ? trailer_span(p, t, at, n) : 0;
	/* fragments of one token arrive back to back; a new kind starts a new token */
	if (p->cur != t) {
		if (token_close(p) == -1)
			goto toolong;
		if (t == TOK_VALUE && p->nspans == 0)
			return 0;  /* cannot happen: llhttp sends a name first */
		p->cur = t;
		p->cur_start = p->len;
		if (t == TOK_URL)
			p->url = p->len;
		else if (t == TOK_STATUS)
			p->status = p->len;
		else if (t == TOK_FIELD) {
			if (p->spans == NULL &&
			    (p->spans = stash_get(STASH_SPANS, 1, &p->spans_cap)) == NULL)
				p->spans_cap = 0;
			if (p->nspans == p->spans_cap) {
				size_t nc = p->spans_cap ? p->spans_cap * 2 : 16;
				struct hdr_span *ns = realloc(p->spans, nc * sizeof(*ns));
				if (ns == NULL)
					goto toolong;
				p->spans = ns;
				p->spans_cap = nc;
			}
			p->spans[p->nspans].name = p->len;
			p->spans[p->nspans].name_len = 0;
			p->spans[p->nspans].value = SIZE_MAX;
			p->spans[p->nspans].value_len = 0;
			p->nspans++;
		} else {
			p->spans[p->nspans - 1].value = p->len;
		}
	}
	if (arena_append(p, at, n) == -1)
		goto toolong;
	if (t == TOK_URL && p->len - p->url > p->lim.max_url_length) {
		fail(p, HTTP_ERR_URL_LENGTH, "request URL too long");
		return -1;
	}
	return 0;
toolong:
	fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
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

static int cb_field(llhttp_t *ll, const char *at, size_t n)
{
	return span_add(ll->data, TOK_FIELD, at, n);
}

static int cb_value(llhttp_t *ll, const char *at, size_t n)
{
	return span_add(ll->data, TOK_VALUE, at, n);
}

static int cb_field_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	if (p->head_done) {
		if (p->tf == TF_NONE)
			p->tf = TF_NAME;   /* (an empty name: llhttp refuses it before this) */
		p->tf = TF_VALUE;      /* the value starts, even if no byte of it comes */
		return 0;
	}
	if (p->cur != TOK_FIELD) {
		/* a zero-length name never produced a span: llhttp does not allow it, but
		 * keep the arena consistent anyway */
		if (span_add(p, TOK_FIELD, "", 0) == -1)
			return -1;
	}
	return token_close(p) == -1 ? -1 : 0;
}

static int cb_value_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	if (p->head_done)
		return trailer_field_done(p);
	if (p->cur == TOK_VALUE && token_close(p) == -1) {
		fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
		return -1;
	}
	return 0;
}

static int cb_version_complete(llhttp_t *ll)
{
	struct http_parser *p = ll->data;

	if (ll->http_major != 1) {
		fail(p, HTTP_ERR_VERSION, "HTTP version not supported");
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
		fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
		return -1;
	}
	if (ll->method == HTTP_CONNECT) {
		fail(p, HTTP_ERR_BAD_REQUEST, "CONNECT is not supported");
		return -1;
	}
	const char *u = p->buf + p->url;
	size_t n = p->url_len;
	if (n == 1 && u[0] == '*') {
		if (ll->method != HTTP_OPTIONS) {
			fail(p, HTTP_ERR_URL, "asterisk-form target without OPTIONS");
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
		fail(p, HTTP_ERR_URL, "request target is neither origin- nor absolute-form");
		return -1;
	}
	size_t a = skip, e = skip;
	while (e < n && u[e] != '/' && u[e] != '?' && u[e] != '#')
		e++;
	if (e == a || memchr(u + a, '@', e - a) != NULL) {
		fail(p, HTTP_ERR_URL, "absolute-form target without a valid authority");
		return -1;
	}
	/* u points into the arena, which may move: reserve first, then copy by offset */
	size_t url_off = p->url, alen = e - a, rest = n - e;
	if (arena_reserve(p, alen + rest + 3) == -1) {
		fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
		return -1;
	}
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

/* 1 when name is one of tab's (http_name_eq_cgi). */
static int name_in(const struct name *tab, const char *name, size_t len)
{
	for (; tab->s != NULL; tab++)
		if (http_name_eq_cgi(name, len, tab->s, tab->len))
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

/* The fields sysbind sets on every request it forwards (request_serialize): the client's
 * go, but for X-Forwarded-For's values, which are kept under sysbind's own field. */
static const struct name forwarded_names[] = {
	NAME("x-forwarded-for"), NAME("x-forwarded-proto"), NAME("x-forwarded-host"),
	{ NULL, 0 },
};

/* Does the comma-separated list value contain token (case-insensitive)? */
static int list_has_token(const char *v, const char *token)
{
	size_t tl = strlen(token);
	const char *s = v;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		const char *b = s;
		while (*s && *s != ',')
			s++;
		const char *e = s;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - b) == tl && strncasecmp(b, token, tl) == 0)
			return 1;
	}
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
		    strncasecmp(name, field_names[k].name, len) == 0)
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
		const char *s = h->headers[i].value;
		while (*s) {
			while (*s == ' ' || *s == '\t' || *s == ',')
				s++;
			if (*s == '\0')
				break;
			const char *b = s;
			while (*s && *s != ',' && *s != ';' && *s != ' ' && *s != '\t')
				s++;
			size_t l = (size_t)(s - b);
			while (*s && *s != ',')
				s++;
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
		p->harr[i].name = p->buf + p->spans[i].name;
		p->harr[i].name_len = (unsigned)p->spans[i].name_len;
		/* a missing value is the empty string that ends the name in the arena */
		if (p->spans[i].value == SIZE_MAX) {
			p->harr[i].value = p->harr[i].name + p->harr[i].name_len;
			p->harr[i].value_len = 0;
		} else {
			p->harr[i].value = p->buf + p->spans[i].value;
			p->harr[i].value_len = (unsigned)p->spans[i].value_len;
		}
		p->harr[i].id = http_field_id(p->harr[i].name, p->harr[i].name_len);
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
		fail(p, HTTP_ERR_REQUEST_LENGTH, "head does not fit its limit");
		return -1;
	}
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
			fail(p, HTTP_ERR_HOSTNAME, "more than one Host field");
			return -1;
		}
		if (hosts == 0 && h->version_minor >= 1) {
			fail(p, HTTP_ERR_HOSTNAME, "HTTP/1.1 request without Host");
			return -1;
		}
		if (h->host == NULL)
			h->host = (char *)host_value;
		if (te && h->version_minor == 0) {
			fail(p, HTTP_ERR_BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
			return -1;
		}
		if (te && !(ll->flags & F_CHUNKED)) {
			/* llhttp does not read this field as chunked and would refuse the
			 * request only after on_head: refuse it now, before anyone acts on it */
			fail(p, HTTP_ERR_BAD_REQUEST, "Transfer-Encoding not understood as chunked");
			return -1;
		}
		if (te) {
			int r = te_check(h);
			if (r == 1) {
				fail(p, HTTP_ERR_BAD_REQUEST, "final transfer coding is not chunked");
				return -1;
			}
			if (r == 2) {
				fail(p, HTTP_ERR_NOT_IMPLEMENTED, "unsupported transfer coding");
				return -1;
			}
		}
		if (ll->upgrade && h->upgrade_proto != NULL &&
		    list_has_token(h->upgrade_proto, "h2c"))
			ll->upgrade = 0;  /* h2c is not ours to forward: a plain request */
		h->upgrade = ll->upgrade ? 1 : 0;
	} else {
		if (h->status < 100 || h->status > 999) {
			fail(p, HTTP_ERR_BAD_RESPONSE, "invalid status code");
			return -1;
		}
		if (te && (te_check(h) != 0 || !(ll->flags & F_CHUNKED))) {
			fail(p, HTTP_ERR_BAD_RESPONSE, "unsupported transfer coding in response");
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

/* Parsers this thread freed, for the next one: an idle keep-alive connection gives its
 * parser back (HTTP/1.1 makes a new one at the next request's first byte). */
#define PARSER_CACHE_MAX 256
static __thread struct http_parser *parser_cache[PARSER_CACHE_MAX];
static __thread size_t parser_ncache;

struct http_parser *http_parser_new(enum http_kind kind, const struct http_limits *lim,
    const struct http_callbacks *cb, void *arg)
{
	struct http_parser *p;

	if (parser_ncache > 0) {
		p = parser_cache[--parser_ncache];
		memset(p, 0, sizeof(*p));
	} else if ((p = calloc(1, sizeof(*p))) == NULL) {
		return NULL;
	}
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
	message_reset(p);
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
	if (parser_ncache < PARSER_CACHE_MAX)
		parser_cache[parser_ncache++] = p;
	else
		free(p);
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
 * Run llhttp over n bytes at data.  *consumed receives how many it took; returns the
 * feed result for the caller, or -1 (as HTTP_FEED_MORE's opposite) when everything was
 * taken and parsing goes on.
 */
static int run_llhttp(struct http_parser *p, const char *data, size_t n, size_t *consumed)
{
	llhttp_errno_t e = llhttp_execute(&p->ll, data, n);

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
		int scan_failed = 0, r;

		if (p->in_head) {
			n = scan_head(p, data + pos, len - pos);
			scan_failed = p->err != HTTP_ERR_NONE;
		} else if (p->in_chunked) {
			n = scan_chunked(p, data + pos, len - pos);
			scan_failed = p->err != HTTP_ERR_NONE;
		}
		if (n > 0) {
			/* llhttp sees every byte before the scanner's error: its error, at an
			 * earlier byte, wins, whatever the split of the input */
			r = run_llhttp(p, data + pos, n, &took);
			pos += took;
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
		fail(p, HTTP_ERR_BAD_REQUEST, "connection closed inside a head");
		return -1;
	}
	p->finishing = 1;
	e = llhttp_finish(&p->ll);
	p->finishing = 0;
	if (e != HPE_OK) {
		p->state = PS_ERROR;
		if (!p->stopped)
			fail(p, HTTP_ERR_BAD_REQUEST, "connection closed inside a message");
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
	while (parser_ncache > 0)
		free(parser_cache[--parser_ncache]);
	for (int k = 0; k < STASH_KINDS; k++) {
		struct stash *st = &parser_stash[k];

		while (st->n > 0)
			free(st->p[--st->n]);
	}
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

/* Calls fn(arg, token, len) for each token of a comma-separated list value. */
static void list_tokens(const char *v, void (*fn)(void *, const char *, size_t), void *arg)
{
	const char *s = v;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		const char *b = s;
		while (*s && *s != ',')
			s++;
		const char *e = s;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b)
			fn(arg, b, (size_t)(e - b));
	}
}

/* The tokens Connection usually holds name nothing to strip beyond the fixed list. */
static int tok_plain(const char *s, size_t n)
{
	return (n == 5 && strncasecmp(s, "close", 5) == 0) ||
	    (n == 10 && strncasecmp(s, "keep-alive", 10) == 0) ||
	    (n == 7 && strncasecmp(s, "upgrade", 7) == 0);
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
	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].id == HF_CONNECTION)
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
		/* a known id is its exact name, none of the hop-by-hop ones */
		return (f->id == HF_OTHER && name_in(hop_names, f->name, f->name_len)) ||
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

static void headbuf_add(struct headbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t ncap = b->cap * 2;
		char *np;

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
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void headbuf_str(struct headbuf *b, const char *s)
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
	char h[24];
	int n;

	if (len == 0)
		return iobuf_add(out, "0\r\n\r\n", 5);
	n = snprintf(h, sizeof(h), "%zx\r\n", len);
	if (iobuf_add(out, h, (size_t)n) != 0 || iobuf_add(out, data, len) != 0 ||
	    iobuf_add(out, "\r\n", 2) != 0)
		return -1;
	return 0;
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
