/*
 * httpscan — the byte scanners in front of llhttp (httpparse.c feeds them first): the raw
 * head scanner, which holds a head to HTTP.SYS's limits as its bytes arrive and refuses
 * what RFC 9112 forbids and llhttp 8.1 lets through (bare LF, bare CR, obs-fold,
 * whitespace before a colon, empty field names, a line without a colon), and the chunked
 * body scanner (chunk-size lines, extensions, data framing, trailer lines and their
 * limits).  They read and advance the parser's scanner state and record an error with
 * http_parser_fail; they store nothing (the strings are httpparse.c's) but the head
 * scanner's note of the header lines llhttp need not see (line_skip).  The limits and
 * the refusals are the decisions httpparse.c's header lists.
 */
#include <stdint.h>
#include <string.h>

#include "model/http_int.h"

/* ---------- raw head scanner ---------- */

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The offset of the first CR or LF in d[0..len), or len.  Sixteen bytes at a time where
 * the buffer has them (SSE2 is part of x86-64), the rest byte by byte. */
static size_t find_eol(const char *d, size_t len)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr),
		    _mm_cmpeq_epi8(v, lf)));

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++)
		if (d[i] == '\r' || d[i] == '\n')
			return i;
	return len;
}

/* The offset of the first byte in d[0..len) that ends a field name: the colon, or what
 * may not come before it (SP, HT, CR, LF); len when none does. */
static size_t find_name_end(const char *d, size_t len)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i colon = _mm_set1_epi8(':'), sp = _mm_set1_epi8(' '),
	    ht = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, colon),
		    _mm_cmpeq_epi8(v, sp)), _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, ht),
		    _mm_cmpeq_epi8(v, cr)), _mm_cmpeq_epi8(v, lf)));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++)
		if (d[i] == ':' || d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')
			return i;
	return len;
}

/*
 * The bytes llhttp takes in a field name: RFC 9110's tchar (llhttp 8.1's
 * header_field_general table; in the loose build it is compiled in, SP too, which the
 * scanner refuses before a colon anyway).  Anything else before the colon is llhttp's
 * "Invalid header token".
 */
static const unsigned char tchar[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
};

/* The bytes llhttp refuses in a field value: the controls but HT, and DEL. */
static const unsigned char value_ctl[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x7f] = 1,
};

/* The offset of the first byte in d[0..len) that llhttp does not take in a field value
 * (its HEADER_CHARS: HT, SP to '~', 0x80-0xff; so any other control byte, CR and LF
 * among them, or DEL), or len. */
static size_t find_ctl(const char *d, size_t len)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i k1f = _mm_set1_epi8(0x1f), ht = _mm_set1_epi8('\t'),
	    del = _mm_set1_epi8(0x7f);

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, k1f), v);   /* v <= 0x1f */
		__m128i hit = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, ht), ctl),
		    _mm_cmpeq_epi8(v, del));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++)
		if (value_ctl[(unsigned char)d[i]])
			return i;
	return len;
}

/* The offset of the first byte in d[0..len) that is not a letter, a digit or '-' (what
 * nearly every field name is made of), or len. */
static size_t find_name_odd(const char *d, size_t len)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i k20 = _mm_set1_epi8(0x20), ka = _mm_set1_epi8('a'), k25 = _mm_set1_epi8(25),
	    k0 = _mm_set1_epi8('0'), k9 = _mm_set1_epi8(9), dash = _mm_set1_epi8('-');

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		__m128i a = _mm_sub_epi8(_mm_or_si128(v, k20), ka);      /* letters: 0..25 */
		__m128i n = _mm_sub_epi8(v, k0);                          /* digits: 0..9 */
		__m128i ok = _mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_min_epu8(a, k25), a), _mm_cmpeq_epi8(_mm_min_epu8(n, k9), n)),
		    _mm_cmpeq_epi8(v, dash));
		unsigned m = ~(unsigned)_mm_movemask_epi8(ok) & 0xffffu;

		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (!(c == '-' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
			return i;
	}
	return len;
}

static uint64_t load8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t load4(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Does llhttp read a field of this name (len tchar bytes) for its framing, keep-alive or
 * upgrade decisions (its SPECIAL_HEADERS, any case)?  0 no, 1 yes, 2 a Connection or
 * Proxy-Connection field.  The name is tchar only: OR 0x20 folds A-Z to a-z and maps no
 * other tchar byte onto a letter or '-', so the comparison is by words (two overlapping
 * ones: every such name is 7 bytes or longer). */
static int name_llhttp_reads(const char *name, size_t len)
{
	static const char *const special[18] = {
		[7] = "upgrade", [10] = "connection", [14] = "content-length",
		[16] = "proxy-connection", [17] = "transfer-encoding",
	};
	const char *s;

	if (len >= 18 || (s = special[len]) == NULL)
		return 0;
	if (len < 8)
		return (load4(name) | 0x20202020u) == load4(s) &&
		    (load4(name + len - 4) | 0x20202020u) == load4(s + len - 4);
	if ((load8(name) | 0x2020202020202020ull) != load8(s) ||
	    (load8(name + len - 8) | 0x2020202020202020ull) != load8(s + len - 8))
		return 0;
	return len == 10 || len == 16 ? 2 : 1;
}

/* Is the value v[0..n) (clean: no control byte but HT) "keep-alive" in any case, with
 * whitespace around it at most? */
static int value_keep_alive(const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n == 10 && (load8(v) | 0x2020202020202020ull) == load8("keep-alive") &&
	    (load4(v + 6) | 0x20202020u) == load4("live");
}

/*
 * The header line data[0..ll) (its CRLF after it) was taken whole: leave it out of what
 * llhttp runs over when llhttp would only walk through it.  That is a line whose name is
 * not one llhttp acts on and whose bytes llhttp takes without an error (clean: tchar
 * before the colon, HEADER_CHARS after it).  Such a line, fed, changes nothing llhttp
 * keeps: no flag, no length, no callback (a head's llhttp settings have no field
 * callbacks), and leaves it at the start of a line as the line before did; a line llhttp
 * would refuse is fed, so the refusal (code, detail, and which error wins) is llhttp's as
 * before.  at is the line's offset in the scanner call's bytes.
 */
static void line_skip(struct http_parser *p, const char *data, size_t s, size_t at, size_t ll)
{
	unsigned n = p->nskip;
	int r = name_llhttp_reads(data, s);

	/* "Connection: keep-alive" sets llhttp's F_CONNECTION_KEEP_ALIVE and nothing else,
	 * which llhttp_should_keep_alive reads only below HTTP/1.1 */
	if (r != 0 && !(r == 2 && p->v11 && value_keep_alive(data + s + 1, ll - s - 1)))
		return;
	if (n > 0 && p->skip[n - 1].to == at) {
		p->skip[n - 1].to = at + ll + 2;
	} else if (n < HTTP_SKIP_RUNS) {
		p->skip[n].from = at;
		p->skip[n].to = at + ll + 2;
		p->nskip = n + 1;
	}
}

/*
 * The common case, a whole line in the buffer at the start of a line: a header line's
 * name up to its colon (no SP, HT, CR or LF before it, not empty), then the line's CR
 * LF, found in one pass each.  Returns the bytes it took (the line and its CRLF), or 0 to
 * let the byte-at-a-time scanner decide (a line not complete here, the empty line, or
 * anything it would refuse: that one finds the exact byte).  It accepts only what that
 * scanner accepts, with the same effect on the state (a header line's span recorded; off
 * is data's offset in the arena, at its offset in the scanner call's bytes).  A clean
 * header line it takes may be kept from llhttp (line_skip); every line the byte-at-a-time
 * scanner takes is fed.
 */
static size_t scan_line_fast(struct http_parser *p, const char *data, size_t len, size_t off,
    size_t at)
{
	size_t s = 0, ll;
	int clean = 1;

	if (p->sc != SC_LINE_START || p->line_len != 0 || p->need_reset)
		return 0;
	if (p->line_no > 0) {
		s = find_name_odd(data, len);
		if (s < len && data[s] != ':') {
			while (s < len && tchar[(unsigned char)data[s]])
				s++;   /* (a name with '_', '.' and the like) */
			if (s < len && data[s] != ':') {
				clean = 0;   /* (or SP, HT, CR, LF: refused below or by the other scanner) */
				s += find_name_end(data + s, len - s);
			}
		}
		if (s == 0 || s == len || data[s] != ':')
			return 0;
		s++;
		ll = s + find_ctl(data + s, len - s);
		if (ll < len && data[ll] != '\r' && data[ll] != '\n') {
			clean = 0;
			ll += find_eol(data + ll, len - ll);
		}
	} else {
		ll = find_eol(data, len);
		/* the start line of an HTTP/1.1 message, as llhttp will read it or refuse it */
		p->v11 = ll >= 9 && memcmp(p->kind == HTTP_PARSE_REQUEST ? data + ll - 9 : data,
		    p->kind == HTTP_PARSE_REQUEST ? " HTTP/1.1" : "HTTP/1.1 ", 9) == 0;
	}
	if (ll == 0 || ll + 1 >= len || data[ll] != '\r' || data[ll + 1] != '\n' ||
	    p->head_bytes + ll + 2 > p->lim.max_request_bytes ||
	    (p->line_no > 0 && ll > p->lim.max_field_length))
		return 0;
	if (p->line_no > 0) {
		if (http_parser_span(p, off, off + s - 1, off + ll) == -1)
			return 0;   /* (the byte-at-a-time scanner fails on it the same way) */
		if (clean)
			line_skip(p, data, s - 1, at, ll);
	}
	p->line0_started = 1;
	p->line_no++;
	p->head_bytes += ll + 2;
	return ll + 2;
}

/*
 * Scan head bytes before llhttp sees them.  Returns how many bytes are clean: all of
 * data, or up to and including the LF ending the head (in_head becomes 0), or up to the
 * offending byte (p->err set, the byte excluded).
 */
size_t http_scan_head(struct http_parser *p, const char *data, size_t len)
{
	p->nskip = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c;
		size_t fast;

		if (p->need_reset) {
			http_message_reset(p);
			p->need_reset = 0;
		}
		/* data[i] is copied to the arena at p->len + i (httpparse.c's head_copy) */
		if ((fast = scan_line_fast(p, data + i, len - i, p->len + i, i)) > 0) {
			i += fast - 1;
			continue;
		}
		c = (unsigned char)data[i];
		if (++p->head_bytes > p->lim.max_request_bytes) {
			http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "request line and headers too long");
			return i;
		}
		if (p->sc == SC_CR) {
			if (c != '\n') {
				http_parser_fail(p, HTTP_ERR_INVALID_CRLF, "bare CR in head");
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
			if (p->line_no > 0 && http_parser_span(p, p->sline, p->scolon, p->scr) == -1)
				return i;
			p->line_no++;
			p->line_len = 0;
			p->sc = SC_LINE_START;
			continue;
		}
		if (c == '\n') {
			http_parser_fail(p, HTTP_ERR_INVALID_CRLF, "bare LF in head");
			return i;
		}
		if (c == '\r') {
			if (p->sc == SC_NAME) {
				http_parser_fail(p, HTTP_ERR_HEADER, "header line without colon");
				return i;
			}
			p->sc = SC_CR;
			p->scr = p->len + i;
			continue;
		}
		p->line_len++;
		if (p->line_no == 0) {
			p->line0_started = 1;
			p->sc = SC_REST;
			continue;
		}
		if (p->line_len > p->lim.max_field_length) {
			http_parser_fail(p, HTTP_ERR_FIELD_LENGTH, "header line too long");
			return i;
		}
		switch (p->sc) {
		case SC_LINE_START:
			if (c == ' ' || c == '\t') {
				http_parser_fail(p, HTTP_ERR_HEADER, "obs-fold in header");
				return i;
			}
			if (c == ':') {
				http_parser_fail(p, HTTP_ERR_HEADER, "empty header name");
				return i;
			}
			p->sc = SC_NAME;
			p->sline = p->len + i;
			break;
		case SC_NAME:
			if (c == ':') {
				p->sc = SC_REST;
				p->scolon = p->len + i;
			} else if (c == ' ' || c == '\t') {
				http_parser_fail(p, HTTP_ERR_HEADER, "whitespace between header name and colon");
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
size_t http_scan_chunked(struct http_parser *p, const char *data, size_t len)
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
				http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "malformed trailer line");
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
				http_parser_fail(p, HTTP_ERR_FIELD_LENGTH, "trailer line too long");
				return i;
			}
			if (++p->ck_trailer > p->lim.max_request_bytes) {
				http_parser_fail(p, HTTP_ERR_REQUEST_LENGTH, "trailer section too long");
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
			http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "chunk extension too long");
			return i;
		}
		switch (p->ck) {
		case CK_SIZE0:
		case CK_SIZE:
			if ((h = hexval(c)) >= 0) {
				if (p->chunk_left > (UINT64_MAX >> 4)) {
					http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "chunk size too large");
					return i;
				}
				p->chunk_left = (p->ck == CK_SIZE0 ? 0 : p->chunk_left << 4) | (uint64_t)h;
				p->ck = CK_SIZE;
				continue;
			}
			if (p->ck == CK_SIZE0) {
				http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "invalid chunk size");
				return i;
			}
			if (c == ';')
				p->ck = CK_EXT;
			else if (c == ' ' || c == '\t')
				p->ck = CK_BWS;
			else if (c == '\r')
				p->ck = CK_SIZE_LF;
			else {
				http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "invalid chunk size");
				return i;
			}
			continue;
		case CK_BWS:
			if (c == ';')
				p->ck = CK_EXT;
			else if (c != ' ' && c != '\t') {
				http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "invalid chunk size");
				return i;
			}
			continue;
		case CK_EXT:
			if (c == '\r')
				p->ck = CK_SIZE_LF;
			else if (c == '\n')
				goto bad_crlf;
			else if ((c < 0x20 && c != '\t') || c == 0x7f) {
				http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "control character in a chunk extension");
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
			http_parser_fail(p, HTTP_ERR_INVALID_CRLF, "bare CR or LF in chunked framing");
		else
			http_parser_fail(p, HTTP_ERR_BAD_REQUEST, "chunk data longer than its size");
		return i;
	}
	return len;
}
