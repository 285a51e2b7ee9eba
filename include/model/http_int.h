/*
 * http_int — what the HTTP/1.1 parser's files share and nobody else sees: the parser
 * object (struct http_parser, whose fields httpparse.c's callbacks fill and httpscan.c's
 * scanners check), the scanners' entry points, the two parser helpers they call, and
 * http.c's comma-list test.  The public surface stays http.h.
 */
#ifndef SYSBIND_HTTP_INT_H
#define SYSBIND_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>

#include "model/http.h"

enum parser_state {
	PS_RUN = 0,      /* feeding */
	PS_PAUSED_HEAD,  /* paused after on_head */
	PS_PAUSED_END,   /* paused after on_end, waiting for http_parser_resume */
	PS_UPGRADE,      /* the connection is a tunnel now */
	PS_ERROR,
};

/* At most this many runs of header lines kept from llhttp per scanner call (a head with
 * more gives llhttp the rest). */
#define HTTP_SKIP_RUNS 8

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
 * (the arena may move while it grows).  The arena holds the head's raw bytes, copied
 * once as they are fed: a token is a span of them, ended in place by a NUL written over
 * the byte after it (the colon, the CR, the space, or trailing whitespace).  A header
 * line's span is recorded by the head scanner (name: the line up to its colon; value:
 * the rest up to its CR, whitespace and all) and trimmed by head_build, once every byte
 * of it is in the arena: llhttp runs over the head without field callbacks. */
struct hdr_span {
	size_t name, name_len;
	size_t value, value_len;
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
	size_t sline, scolon, scr; /* the header line being scanned: where it starts, its
	                            * colon and its CR, in the arena (http_parser_span) */
	/* The header lines llhttp need not see, in the bytes the scanner's last call took
	 * (offsets from their first byte; consecutive lines are one run): see scan_line_fast
	 * in httpscan.c for which lines they are, httpparse.c's run_head for the feeding. */
	int v11;                /* the start line says HTTP/1.1 (scan_line_fast's) */
	unsigned nskip;
	struct { size_t from, to; } skip[HTTP_SKIP_RUNS];

	/* chunked body scanner */
	int in_chunked;
	enum chunk_state ck;
	uint64_t chunk_left;
	size_t ck_line;         /* bytes of the current chunk or trailer line */
	size_t ck_trailer;      /* bytes of the trailer section */

	/* arena: the head's raw bytes, then the absolute-form target's host and path */
	char *buf;
	size_t len, cap, max;
	const char *raw_at;         /* the bytes llhttp runs over now (the caller's)... */
	size_t raw_off;             /* ...copied to the arena from here */
	enum tok cur;
	size_t cur_start, cur_end;  /* the token being read, in the arena */
	size_t url, url_len;
	size_t status, status_len;
	size_t auth, auth_end;      /* an absolute-form target's authority, in the target
	                             * (auth_end 0: origin-form); copied by head_build */
	size_t host_off, path_off;  /* SIZE_MAX when not computed */
	struct hdr_span *spans;
	size_t nspans, spans_cap;
	int head_done;              /* header callbacks after the head are trailer fields */
	int head_whole;             /* the head is built whole (refused after it or not) */

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

/* httpparse.c: record the first error (a response parser's is always
 * HTTP_ERR_BAD_RESPONSE); later ones are ignored. */
void http_parser_fail(struct http_parser *p, enum http_error e, const char *detail);

/* httpparse.c: the head scanner found a whole header line: its first byte, its colon and
 * its CR at these arena offsets.  0, or -1 (p->err set) when it cannot be kept. */
int http_parser_span(struct http_parser *p, size_t name, size_t colon, size_t cr);

/* httpparse.c: forget the previous message's head, its strings and its trailers. */
void http_message_reset(struct http_parser *p);

/*
 * httpscan.c: scan head bytes before llhttp sees them.  Returns how many bytes are clean:
 * all of data, or up to and including the LF ending the head (in_head becomes 0), or up to
 * the offending byte (p->err set, the byte excluded).
 */
size_t http_scan_head(struct http_parser *p, const char *data, size_t len);

/*
 * httpscan.c: the strict scanner of a chunked body (RFC 9112 §7.1) in front of llhttp.
 * Returns how many bytes are clean, as http_scan_head does.
 */
size_t http_scan_chunked(struct http_parser *p, const char *data, size_t len);

/* http.c: does the comma-separated list value contain token (case-insensitive)? */
int list_has_token(const char *v, const char *token);

#endif
