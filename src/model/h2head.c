/*
 * h2head — an HTTP/2 request header block as struct http_head (model/h2head.h): the
 * fields kept as arena offsets while the block arrives, checked and resolved into the
 * head once it is complete.  Owns nothing but the block's own memory; no limits (the
 * framing counts those as the fields arrive), no hop-by-hop rule (http.c's, for both
 * framings).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/h2head.h"

#define H2HEAD_STR(b, off)  ((b)->arena + (off) - 1)   /* an offset + 1 as a string */

/* Copy n bytes and a NUL into the arena.  Returns the offset + 1, or 0 (out of memory). */
static size_t
h2head_store(struct h2head *b, const char *p, size_t n)
{
	size_t off = b->alen;

	if (b->acap == 0) {
		b->arena = b->inl.arena;
		b->acap = sizeof(b->inl.arena);
	}
	if (b->alen + n + 1 > b->acap) {
		size_t cap = b->acap;
		char *na;

		while (cap < b->alen + n + 1)
			cap *= 2;
		if (b->arena == b->inl.arena) {
			if ((na = malloc(cap)) != NULL)
				memcpy(na, b->arena, b->alen);
		} else {
			na = realloc(b->arena, cap);
		}
		if (na == NULL)
			return 0;
		b->arena = na;
		b->acap = cap;
	}
	memcpy(b->arena + off, p, n);
	b->arena[off + n] = '\0';
	b->alen += n + 1;
	return off + 1;
}

/* Room for one more regular field.  Returns 0 or -1. */
static int
h2head_grow(struct h2head *b)
{
	size_t cap;
	struct h2head_field *ni;

	if (b->nin < b->incap)
		return 0;
	if (b->incap == 0) {
		b->in = b->inl.in;
		b->incap = H2HEAD_INLINE_FIELDS;
		return 0;
	}
	cap = 2 * b->incap;
	if (b->in == b->inl.in) {
		if ((ni = malloc(cap * sizeof(*ni))) != NULL)
			memcpy(ni, b->in, b->nin * sizeof(*ni));
	} else {
		ni = realloc(b->in, cap * sizeof(*ni));
	}
	if (ni == NULL)
		return -1;
	b->in = ni;
	b->incap = cap;
	return 0;
}

int
h2head_add(struct h2head *b, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	size_t no, vo;

	if (namelen > 0 && name[0] == ':') {   /* (its value kept, its name known) */
		if ((vo = h2head_store(b, value, valuelen)) == 0)
			return -1;
		if (namelen == 7 && memcmp(name, ":method", 7) == 0)
			b->method = vo;
		else if (namelen == 5 && memcmp(name, ":path", 5) == 0)
			b->path = vo;
		else if (namelen == 7 && memcmp(name, ":scheme", 7) == 0)
			b->scheme = vo;
		else if (namelen == 10 && memcmp(name, ":authority", 10) == 0)
			b->authority = vo;
		return 0;
	}
	if ((no = h2head_store(b, name, namelen)) == 0 ||
	    (vo = h2head_store(b, value, valuelen)) == 0 || h2head_grow(b) != 0)
		return -1;
	b->in[b->nin++] = (struct h2head_field){ no, vo };
	return 0;
}

static char *
h2head_ptr(const struct h2head *b, size_t off)
{
	return off == 0 ? NULL : H2HEAD_STR(b, off);
}

void
h2head_partial(struct h2head *b, struct http_head *hd)
{
	if (hd->version_major == 2)
		return;   /* built already */
	memset(hd, 0, sizeof(*hd));
	hd->method = h2head_ptr(b, b->method);
	hd->target = hd->path = h2head_ptr(b, b->path);
	hd->host = h2head_ptr(b, b->authority != 0 ? b->authority : b->host);
	hd->version_major = 2;
	hd->content_length = -1;
}

/* What HTTP/1.1's request line allows, and no more (httpparse.c): no CONNECT (a reverse proxy
 * does not tunnel); the scheme of this connection, https (RFC 9113 §8.3.1: a server that
 * does not serve a scheme refuses the request), so that neither a scheme nor an absolute
 * :path routes past :authority; an origin-form :path, or "*" for OPTIONS.  Returns NULL,
 * or why not. */
static const char *
h2head_check_line(const struct h2head *b)
{
	const char *m = h2head_ptr(b, b->method), *p = h2head_ptr(b, b->path);
	const char *sch = h2head_ptr(b, b->scheme);

	if (m != NULL && strcmp(m, "CONNECT") == 0)
		return "CONNECT is not supported";
	if (sch == NULL || strcasecmp(sch, "https") != 0)
		return ":scheme is not https";
	if (p == NULL || (p[0] != '/' && !(strcmp(p, "*") == 0 && m != NULL &&
	    strcmp(m, "OPTIONS") == 0)))
		return ":path is not origin-form";
	return NULL;
}

/* RFC 9113 §8.2.3: the cookie crumbs (ncookie of them, len bytes with their "; ")
 * become one field for HTTP/1.1, where the first one was.  Returns 0 or -1. */
static int
h2head_join_cookies(struct h2head *b, size_t len)
{
	char *buf = malloc(len + 1);
	size_t at = 0, joined, i, k;
	int first = 1;

	if (buf == NULL)
		return -1;
	for (i = 0; i < b->nin; i++)
		if (strcmp(H2HEAD_STR(b, b->in[i].name), "cookie") == 0)
			at += (size_t)sprintf(buf + at, "%s%s", at ? "; " : "",
			    H2HEAD_STR(b, b->in[i].value));
	joined = h2head_store(b, buf, at);
	free(buf);
	if (joined == 0)
		return -1;
	for (i = 0, k = 0; i < b->nin; i++) {
		if (strcmp(H2HEAD_STR(b, b->in[i].name), "cookie") != 0) {
			b->in[k++] = b->in[i];
		} else if (first) {
			first = 0;
			b->in[k] = b->in[i];
			b->in[k++].value = joined;
		}
	}
	b->nin = k;
	return 0;
}

/* The backend hears the host the client asked for (:authority) as Host, first.
 * Returns 0 or -1. */
static int
h2head_add_host(struct h2head *b)
{
	size_t no = h2head_store(b, "Host", 4);

	if (no == 0 || h2head_grow(b) != 0)
		return -1;
	memmove(b->in + 1, b->in, b->nin * sizeof(*b->in));
	b->in[0] = (struct h2head_field){ no, b->authority };
	b->nin++;
	return 0;
}

/* The fields as the head's, pointing into the arena, which grows no more.  0 or -1. */
static int
h2head_resolve(struct h2head *b)
{
	if (b->nin + 1 <= H2HEAD_INLINE_FIELDS) {
		b->fields = b->inl.fields;
		memset(b->fields, 0, (b->nin + 1) * sizeof(*b->fields));
	} else if ((b->fields = calloc(b->nin + 1, sizeof(*b->fields))) == NULL) {
		return -1;
	}
	for (size_t i = 0; i < b->nin; i++) {
		struct http_header *f = &b->fields[i];

		f->name = H2HEAD_STR(b, b->in[i].name);
		f->value = H2HEAD_STR(b, b->in[i].value);
		f->name_len = (unsigned)strlen(f->name);
		f->value_len = (unsigned)strlen(f->value);
		f->id = http_field_id(f->name, f->name_len);
	}
	return 0;
}

int
h2head_build(struct h2head *b, int end_stream, struct http_head *hd, enum http_error *e,
    const char **detail)
{
	size_t i, ncookie = 0, cookie_len = 0, nhost = 0, cl = 0;

	*e = HTTP_ERR_BAD_REQUEST;
	*detail = NULL;
	if ((*detail = h2head_check_line(b)) != NULL)
		goto refuse;
	for (i = 0; i < b->nin; i++) {
		const char *n = H2HEAD_STR(b, b->in[i].name);

		if (strcmp(n, "cookie") == 0) {
			cookie_len += strlen(H2HEAD_STR(b, b->in[i].value)) + 2;
			ncookie++;
		} else if (strcmp(n, "host") == 0) {
			b->host = b->in[i].value;
			nhost++;
		} else if (strcmp(n, "content-length") == 0) {
			cl = b->in[i].value;
		}
	}
	/* One host the request is for: :authority, or a Host field (RFC 9113 §8.3.1).  Both,
	 * naming different hosts, would let the site be chosen by one and the backend hear
	 * the other; two Host fields are refused as HTTP/1.1's are (httpparse.c). */
	if (nhost > 1 || (nhost == 1 && b->authority != 0 &&
	    strcasecmp(H2HEAD_STR(b, b->host), H2HEAD_STR(b, b->authority)) != 0)) {
		*e = HTTP_ERR_HOSTNAME;
		*detail = nhost > 1 ? "more than one Host field" :
		    "Host field and :authority name different hosts";
		goto refuse;
	}
	if ((ncookie > 1 && h2head_join_cookies(b, cookie_len) != 0) ||
	    (nhost == 0 && b->authority != 0 && h2head_add_host(b) != 0) ||
	    h2head_resolve(b) != 0)
		goto refuse;
	memset(hd, 0, sizeof(*hd));
	hd->method = h2head_ptr(b, b->method);
	hd->target = hd->path = h2head_ptr(b, b->path);
	hd->host = h2head_ptr(b, b->authority != 0 ? b->authority : b->host);
	hd->version_major = 2;
	hd->version_minor = 0;
	hd->headers = b->fields;
	hd->nheaders = b->nin;
	hd->keep_alive = 1;
	hd->content_length = -1;
	if (cl != 0) {
		const char *v = H2HEAD_STR(b, cl);
		char *end;
		long long n = strtoll(v, &end, 10);

		if (*v < '0' || *v > '9' || *end != '\0' || n < 0)
			return -1;   /* (the whole head stays: the logs show it) */
		hd->content_length = n;
	}
	/* a body of unknown length goes to the backend chunked */
	hd->chunked = !end_stream && hd->content_length < 0;
	return 0;
refuse:
	h2head_partial(b, hd);
	return -1;
}

void
h2head_clear(struct h2head *b)
{
	if (b->arena != b->inl.arena)
		free(b->arena);
	if (b->in != b->inl.in)
		free(b->in);
	if (b->fields != b->inl.fields)
		free(b->fields);
	memset(b, 0, offsetof(struct h2head, inl));   /* (the inline room needs no zeros) */
}
