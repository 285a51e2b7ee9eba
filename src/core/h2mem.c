/*
 * h2mem — nghttp2's memory for an HTTP/2 session (nghttp2_mem; the user data is the
 * struct h2): pages of their own for its large blocks, and per-thread size classes for
 * its small ones.
 *
 * Two kinds of its blocks get pages of their own (mmap) rather than the heap's, so that a
 * page nothing wrote is never resident: its frame buffer (16 KiB and a frame header, made
 * with the session and kept as long; more chains of the same for a header block larger
 * than one frame), the one block it makes by growing nothing (realloc(NULL, size),
 * nghttp2_buf_init2); and its zeroed blocks of a page or more (calloc: the stream map's
 * table, untouched until a stream opens).  The frame buffers' pages are given back once
 * the connection is idle and nghttp2 has nothing left to send (h2_mem_idle says when: they
 * hold nothing then).  A preconnected HTTP/2 connection holds none of these pages, an idle
 * one after a request at most the buffer's first and the map's.  h2_mem_free tells them
 * from the heap's by the session's table (H2_PAGED_MAX entries).
 *
 * Every other block (the HPACK tables among them, and one whose pages cannot be had:
 * H2_PAGED_MAX already, or mmap refused) is the heap's, behind a header of H2MEM_HDR bytes
 * that says its size class.  nghttp2 allocates and frees a handful of small blocks for
 * every stream (the stream, the HEADERS item and its copied fields, the DATA item: four
 * mallocs, seven frees, each a miss of malloc's own cache when 32 connections take turns);
 * those of up to H2MEM_CLASSES * H2MEM_STEP bytes come from a per-thread objcache for
 * their class (base/objcache.h: at most OBJCACHE_MAX kept per class, trimmed with the
 * thread's other caches), larger ones from malloc.  The price: the header, on the dozen
 * blocks an idle session keeps after a request (its HPACK entries, its ring buffers),
 * about 240 bytes a connection.  Event-loop thread only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <nghttp2/nghttp2.h>

#include "base/objcache.h"
#include "core/h2_int.h"

#define H2MEM_HDR     16     /* (keeps malloc's 16-byte alignment) */
#define H2MEM_STEP    16     /* (malloc's own granularity: a session's long-lived small
                              * blocks, its HPACK entries, cost only the header more) */
#define H2MEM_CLASSES 32     /* 16, 32, ... 512 bytes */
#define H2MEM_BIG     0xff   /* the class of a block from malloc */

static __thread struct objcache h2mem_cache[H2MEM_CLASSES];

/* A heap block of size bytes (contents undefined), or NULL. */
static void *
h2mem_heap(size_t size)
{
	size_t k = size == 0 ? 0 : (size - 1) / H2MEM_STEP;
	unsigned char *b;

	if (size > SIZE_MAX - H2MEM_HDR)
		return NULL;
	if (k < H2MEM_CLASSES) {
		b = objcache_get(&h2mem_cache[k], (k + 1) * H2MEM_STEP + H2MEM_HDR);
	} else {
		b = malloc(size + H2MEM_HDR);
		k = H2MEM_BIG;
	}
	if (b == NULL)
		return NULL;
	b[0] = (unsigned char)k;
	return b + H2MEM_HDR;
}

static void
h2mem_heap_free(void *p)
{
	unsigned char *b = (unsigned char *)p - H2MEM_HDR;

	if (b[0] == H2MEM_BIG)
		free(b);
	else
		objcache_put(&h2mem_cache[b[0]], b);
}

/* A heap block grown (or shrunk) to size bytes, its contents kept; NULL (p stays). */
static void *
h2mem_heap_realloc(void *p, size_t size)
{
	unsigned char *b = (unsigned char *)p - H2MEM_HDR;
	size_t cap;
	void *q;

	if (b[0] == H2MEM_BIG) {
		if (size > SIZE_MAX - H2MEM_HDR || (b = realloc(b, size + H2MEM_HDR)) == NULL)
			return NULL;
		return b + H2MEM_HDR;   /* (its header moved with it) */
	}
	cap = ((size_t)b[0] + 1) * H2MEM_STEP;
	if (size <= cap)
		return p;
	if ((q = h2mem_heap(size)) == NULL)
		return NULL;
	memcpy(q, p, cap);
	h2mem_heap_free(p);
	return q;
}

/* pages for a block of size bytes (zeroed), frames when a frame buffer's; NULL: none */
static void *
h2_mem_paged(struct h2 *h, size_t size, int frames)
{
	void *q;
	int i;

	for (i = 0; i < H2_PAGED_MAX && h->paged[i].p != NULL; i++)
		;
	if (i == H2_PAGED_MAX || (q = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		return NULL;
	h->paged[i].p = q;
	h->paged[i].len = size;
	h->paged[i].frames = frames;
	return q;
}

static void *
h2_mem_malloc(size_t size, void *arg)
{
	return h2mem_heap(size);
}

static void *
h2_mem_calloc(size_t n, size_t size, void *arg)
{
	void *q = NULL;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if (n * size >= H2_PAGED_MIN)
		q = h2_mem_paged(arg, n * size, 0);
	if (q == NULL && (q = h2mem_heap(n * size)) != NULL)
		memset(q, 0, n * size);
	return q;
}

/* the index of p in h's table of pages, or -1: a heap block (pages are page-aligned:
 * a block that is not is the heap's without a look) */
static int
h2_mem_find(const struct h2 *h, const void *p)
{
	if (((uintptr_t)p & 4095) != 0)
		return -1;
	for (int i = 0; p != NULL && i < H2_PAGED_MAX; i++)
		if (h->paged[i].p == p)
			return i;
	return -1;
}

static void
h2_mem_free(void *p, void *arg)
{
	struct h2 *h = arg;
	int i;

	if (p == NULL)
		return;
	if ((i = h2_mem_find(h, p)) < 0) {
		h2mem_heap_free(p);
		return;
	}
	munmap(p, h->paged[i].len);
	h->paged[i].p = NULL;
}

static void *
h2_mem_realloc(void *p, size_t size, void *arg)
{
	struct h2 *h = arg;
	int i;
	void *q;

	if (p == NULL && size >= H2_PAGED_MIN && (q = h2_mem_paged(h, size, 1)) != NULL)
		return q;   /* a frame buffer */
	if (p == NULL)
		return h2mem_heap(size);
	if ((i = h2_mem_find(h, p)) < 0)
		return h2mem_heap_realloc(p, size);
	/* nghttp2 grows neither kind; were it to, the bytes would move to the heap */
	if ((q = h2mem_heap(size)) == NULL)
		return NULL;
	memcpy(q, p, h->paged[i].len < size ? h->paged[i].len : size);
	h2_mem_free(p, h);
	return q;
}

/* nghttp2 has nothing left to send and no stream is open: the frame buffers' pages go
 * back to the system (zeros when next touched; the buffers hold nothing now).  Done after
 * a frame larger than a page, whose cost this is not, and while no request has come (a
 * preconnected connection may wait long for its first); a small answer's page stays. */
void
h2_mem_idle(struct h2 *h)
{
	for (int i = 0; i < H2_PAGED_MAX; i++)
		if (h->paged[i].p != NULL && h->paged[i].frames)
			madvise(h->paged[i].p, h->paged[i].len, MADV_DONTNEED);
	h->paged_dirty = 0;
}

void
h2_mem_init(nghttp2_mem *mem, struct h2 *h)
{
	*mem = (nghttp2_mem){ h, h2_mem_malloc, h2_mem_free, h2_mem_calloc, h2_mem_realloc };
}

void
h2_mem_cache_drain(void)
{
	for (int k = 0; k < H2MEM_CLASSES; k++)
		objcache_drain(&h2mem_cache[k]);
}
