/*
 * h2head — one HTTP/2 request header block turned into the struct http_head that
 * HTTP/1.1's parser gives (model/http.h), for the exchange and, over HTTP/1.1, the backend.
 * Pure (no nghttp2, no I/O, no configuration): core/h2.c feeds it each decoded field once
 * its own limits and nghttp2's checks passed (RFC 9113 §8.2: lowercase names, pseudo-header
 * fields known, not repeated and first, no connection-specific field: a request carrying
 * one is malformed and never reaches here), then asks for the head when the block is
 * complete.  It decides what HTTP/1.1's request line would allow and no more: no CONNECT,
 * :scheme https, an origin-form :path ("*" for OPTIONS), one host (:authority, or a Host
 * field naming the same), the cookie crumbs joined (RFC 9113 §8.2.3), Host added from
 * :authority.  What is hop-by-hop is decided once, for both framings, by http.c
 * (http_hop_fields, http_request_serialize) when the head is written for the backend.
 */
#ifndef SYSBIND_H2HEAD_H
#define SYSBIND_H2HEAD_H

#include <stddef.h>

#include "model/http.h"

/* A field as it arrived: its name and value as offsets into the block's arena (which
 * moves as it grows), resolved into pointers only once it grows no more. */
struct h2head_field {
	size_t name, value;
};

/* A block this small lives in the struct itself (no malloc for a usual request: four
 * pseudo-header fields and a few regular ones); a larger one moves to the heap. */
#define H2HEAD_INLINE_BYTES  512
#define H2HEAD_INLINE_FIELDS 16

/* One request's header block.  All zero is empty; h2head_clear frees it.  It may point
 * into itself: it is never moved (copied) while it holds fields. */
struct h2head {
	char                *arena;      /* every name and value, NUL-terminated */
	size_t               alen, acap;
	struct h2head_field *in;         /* the regular fields, in order */
	size_t               nin, incap;
	size_t               method, path, scheme, authority, host;   /* offset + 1; 0: none */
	struct http_header  *fields;     /* the head's, into the arena (h2head_build) */
	struct {                         /* arena, in and fields while they fit (contents
	                                  * undefined until used) */
		char                 arena[H2HEAD_INLINE_BYTES];
		struct h2head_field  in[H2HEAD_INLINE_FIELDS];
		struct http_header   fields[H2HEAD_INLINE_FIELDS];
	} inl;
};

/* Add one decoded field (a pseudo-header field when name starts with ':'; an unknown one
 * is ignored).  Returns 0, or -1 when out of memory. */
int h2head_add(struct h2head *b, const char *name, size_t namelen, const char *value,
    size_t valuelen);

/*
 * The block is complete: fill hd (its strings and fields point into b, valid until
 * h2head_clear).  end_stream: the HEADERS frame ended the stream (a body of unknown length
 * otherwise goes to the backend chunked).  Returns 0, or -1 for a request to refuse: *e
 * says with which page, *detail why (NULL: "malformed", or out of memory), and hd holds
 * what of the request line is known (h2head_partial) or, for a bad Content-Length, the
 * whole head.  Call once; nothing is added after.
 */
int h2head_build(struct h2head *b, int end_stream, struct http_head *hd, enum http_error *e,
    const char **detail);

/* The head a refused request's logs show: what of the request line is known (method,
 * path, host).  A head already built (version 2) is left as it is. */
void h2head_partial(struct h2head *b, struct http_head *hd);

void h2head_clear(struct h2head *b);

#endif
