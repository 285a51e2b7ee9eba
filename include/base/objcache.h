/*
 * objcache — a bounded free list of one kind of object, for a thread that makes and drops
 * many of them (connection buffers, exchanges, backend transfers): a kept object costs no
 * malloc the next time.  The owner declares the cache `static __thread struct objcache`,
 * so each thread has its own and nothing is locked; an object goes back to the cache of
 * the thread that puts it.  At most OBJCACHE_MAX objects are kept per cache: the rest go
 * back to malloc, so a burst does not pin memory for ever.  A kept object's first bytes
 * hold the link to the next: objects are at least a pointer wide, and their contents are
 * undefined when they come out.
 *
 * Objects kept but not asked for go back to malloc too: objcache_trim_all, called by the
 * thread now and then (a worker: each second), frees in each of the thread's caches the
 * objects that stayed in it since the last trim (its low-water mark).  A load that keeps
 * asking keeps its working set; a burst's leftovers are freed two trims after it, where
 * the next connections' TLS objects reuse the memory instead of growing the heap.
 */
#ifndef SYSBIND_OBJCACHE_H
#define SYSBIND_OBJCACHE_H

#include <stddef.h>

#define OBJCACHE_MAX 256   /* objects kept per cache (and thread) */

struct objcache {
	void            *head;     /* the last object put, NULL when empty */
	size_t           n;        /* objects kept */
	size_t           low;      /* the fewest kept since the last trim */
	struct objcache *next;     /* the thread's list of caches (objcache_trim_all) */
	int              listed;   /* on that list */
};

/* A kept object, else a new one of size bytes from malloc (size: at least a pointer, and
 * the same on every call for a cache).  Returns NULL when out of memory.  The contents are
 * undefined: the caller initialises them.  The caller owns the object. */
void *objcache_get(struct objcache *oc, size_t size);

/* Take ownership of obj (NULL: nothing): kept when the cache holds fewer than
 * OBJCACHE_MAX, else freed. */
void objcache_put(struct objcache *oc, void *obj);

/* Free every kept object (at the end of a thread, or of a test). */
void objcache_drain(struct objcache *oc);

/* Free the objects kept since the last trim (the low-water mark), oldest first; the
 * mark starts again at what is kept.  A cache never trimmed has a mark of 0. */
void objcache_trim(struct objcache *oc);

/* objcache_trim on every cache of the calling thread that ever kept an object. */
void objcache_trim_all(void);

/* Objects kept now. */
static inline size_t objcache_count(const struct objcache *oc) { return oc->n; }

#endif
