/*
 * sesscache — the ring and its index (see sesscache.h).  The ring holds entries back to
 * back from head (the oldest) to tail (where the next is written); when the space left
 * before the end is too small, the end is left unused (wrapend marks it) and writing
 * goes on at offset 0, in front of head, dropping the oldest entries until the new one
 * fits.  The store goes back to offset 0, not only at the end of the mapping, as soon as
 * the oldest left room there: when it is full by count, room for the entry and
 * SESSCACHE_SLACK more; when they expired, as much room as the entries still take, and
 * the slack: the pages it touches stay within about what its entries take (twice, when
 * they expire), however large the mapping.  A removed entry's data is wiped at once.
 * An entry is a header (its size in the ring, its data's length, expiry, id and whether
 * the index still points at it) and the data, padded to 8 bytes.  The index is a table
 * of (offset + 1, hash) slots, linear probing, at most half full, deletion by backward
 * shift (no tombstones); it starts small and doubles as entries come (a few pages for a
 * few entries, not the whole table's spread over all of them), up to twice max slots.
 */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/sesscache.h"

struct sesscache_entry {
	int64_t  expires;
	uint32_t size;      /* bytes in the ring, this header included: a multiple of 8 */
	uint32_t len;       /* bytes of data after the header */
	uint32_t hash;
	uint8_t  idlen;
	uint8_t  live;      /* the index points here (not removed or replaced) */
	uint8_t  obj;       /* the data is an object's pointer, the store's reference */
	uint8_t  id[SESSCACHE_ID_MAX];
};
#define SESSCACHE_HDR ((sizeof(struct sesscache_entry) + 7) & ~(size_t)7)
/* room kept in front of the head when a full store wraps early: entries a little larger
 * than those they replace still fit without taking more of the oldest */
#define SESSCACHE_SLACK (SESSCACHE_HDR + SESSCACHE_ENTRY_MAX)
#define SESSCACHE_SLOTS_MIN 256

struct sesscache_slot {
	uint32_t off1;      /* the entry's offset + 1; 0: empty */
	uint32_t hash;
};

struct sesscache {
	pthread_mutex_t        mu;
	unsigned char         *ring;
	size_t                 cap;       /* bytes mapped for the ring */
	size_t                 head, tail, wrapend;
	int                    wrapped;   /* entries in [head, wrapend) then [0, tail) */
	size_t                 nring;     /* entries in the ring, removed ones included */
	size_t                 count;     /* entries in the index */
	size_t                 max;
	size_t                 touched;   /* the ring's bytes ever written, from 0 */
	struct sesscache_slot *slots;
	size_t                 nslots;    /* a power of two */
	size_t                 maxslots;  /* what it may grow to: twice max, a power of two */
	size_t                 slotmap;   /* bytes mapped for the slots */
	void                 (*hold)(void *);   /* sesscache_objects: NULL until set */
	void                 (*drop)(void *);
};

static struct sesscache_entry *
sesscache_at(struct sesscache *c, size_t off)
{
	return (struct sesscache_entry *)(void *)(c->ring + off);
}

/* The object an entry of sesscache_put_obj holds. */
static void *
sesscache_obj(const struct sesscache_entry *e)
{
	void *obj;

	memcpy(&obj, (const unsigned char *)e + SESSCACHE_HDR, sizeof(obj));
	return obj;
}

static void *
sesscache_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, len, MADV_DONTDUMP);   /* sessions' secrets stay out of core dumps */
	return p;
}

struct sesscache *
sesscache_new(size_t max, size_t bytes)
{
	struct sesscache *c;
	size_t page = 4096, least = 2 * (SESSCACHE_HDR + SESSCACHE_ENTRY_MAX + 8);

	if (max == 0 || max > UINT32_MAX / 4 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (bytes < least)
		bytes = least;
	if (bytes < 65536)
		bytes = 65536;
	if (bytes > UINT32_MAX - page)
		bytes = UINT32_MAX - page;   /* offsets are 32 bits */
	c->cap = (bytes + page - 1) & ~(page - 1);
	c->max = max;
	for (c->maxslots = 16; c->maxslots < 2 * max; c->maxslots *= 2)
		;
	c->nslots = c->maxslots < SESSCACHE_SLOTS_MIN ? c->maxslots : SESSCACHE_SLOTS_MIN;
	c->slotmap = c->nslots * sizeof(*c->slots);
	pthread_mutex_init(&c->mu, NULL);
	if ((c->ring = sesscache_map(c->cap)) == NULL ||
	    (c->slots = sesscache_map(c->slotmap)) == NULL) {
		sesscache_free(c);
		return NULL;
	}
	return c;
}

void
sesscache_objects(struct sesscache *c, void (*hold)(void *), void (*drop)(void *))
{
	pthread_mutex_lock(&c->mu);
	c->hold = hold;
	c->drop = drop;
	pthread_mutex_unlock(&c->mu);
}

void
sesscache_free(struct sesscache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; c->slots != NULL && i < c->nslots; i++) {
		struct sesscache_entry *e;

		if (c->slots[i].off1 == 0)
			continue;
		e = sesscache_at(c, c->slots[i].off1 - 1);
		if (e->obj)
			c->drop(sesscache_obj(e));   /* only indexed entries hold one */
	}
	if (c->ring != NULL)
		munmap(c->ring, c->cap);
	if (c->slots != NULL)
		munmap(c->slots, c->slotmap);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* FNV-1a: the ids are the server's random bytes, nothing to defend against */
static uint32_t
sesscache_hash(const unsigned char *id, size_t idlen)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < idlen; i++)
		h = (h ^ id[i]) * 16777619u;
	return h;
}

/* The slot of id, or nslots when it has none. */
static size_t
sesscache_find(struct sesscache *c, const unsigned char *id, size_t idlen, uint32_t hash)
{
	size_t mask = c->nslots - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct sesscache_slot *s = &c->slots[i];
		struct sesscache_entry *e;

		if (s->off1 == 0)
			return c->nslots;
		if (s->hash != hash)
			continue;
		e = sesscache_at(c, s->off1 - 1);
		if (e->idlen == idlen && memcmp(e->id, id, idlen) == 0)
			return i;
	}
}

/* Empty slot i, moving later slots of the same run back so every probe still finds its
 * entry (Knuth's algorithm R), and mark its entry removed. */
static void
sesscache_unindex(struct sesscache *c, size_t i)
{
	size_t mask = c->nslots - 1, j = i, k;
	struct sesscache_entry *e = sesscache_at(c, c->slots[i].off1 - 1);

	e->live = 0;
	if (e->obj)
		c->drop(sesscache_obj(e));   /* the store's reference, given back */
	else
		explicit_bzero((unsigned char *)e + SESSCACHE_HDR, e->len);   /* its secrets */
	c->count--;
	for (;;) {
		c->slots[i].off1 = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (c->slots[j].off1 == 0)
				return;
			k = c->slots[j].hash & mask;   /* where the entry of slot j would start */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;   /* its probe does not pass i: it stays */
			break;
		}
		c->slots[i] = c->slots[j];
		i = j;
	}
}

/* Drop the oldest entry in the ring (the caller knows there is one). */
static void
sesscache_drop_head(struct sesscache *c)
{
	struct sesscache_entry *e = sesscache_at(c, c->head);

	assert(c->nring > 0);
	if (e->live)
		sesscache_unindex(c, sesscache_find(c, e->id, e->idlen, e->hash));
	c->head += e->size;
	c->nring--;
	if (c->wrapped && c->head == c->wrapend) {
		c->head = 0;
		c->wrapped = 0;
	}
	if (c->nring == 0) {
		c->head = c->tail = 0;
		c->wrapped = 0;
	}
}

/* The offset where an entry of size bytes goes, once the oldest made room for it. */
static size_t
sesscache_room(struct sesscache *c, size_t size)
{
	for (;;) {
		if (!c->wrapped) {
			if (c->cap - c->tail >= size)
				return c->tail;
			c->wrapped = 1;   /* leave the end unused, go on from the start */
			c->wrapend = c->tail;
			c->tail = 0;
			if (c->nring == 0)
				c->head = c->wrapped = 0;
			continue;
		}
		if (c->head - c->tail >= size)
			return c->tail;
		sesscache_drop_head(c);
	}
}

/* Double the index when one more entry would fill more than half of it.  Returns 0, or
 * -1 when it is at its largest or out of memory and has no room left for one more. */
static int
sesscache_grow(struct sesscache *c)
{
	size_t n = c->nslots * 2, len = n * sizeof(*c->slots), mask = n - 1, i, k;
	struct sesscache_slot *v;

	if (2 * (c->count + 1) <= c->nslots)
		return 0;
	if (n > c->maxslots || (v = sesscache_map(len)) == NULL)
		return c->count + 1 < c->nslots ? 0 : -1;   /* fuller, but probes still end */
	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i].off1 == 0)
			continue;
		for (k = c->slots[i].hash & mask; v[k].off1 != 0; k = (k + 1) & mask)
			;
		v[k] = c->slots[i];
	}
	munmap(c->slots, c->slotmap);
	c->slots = v;
	c->nslots = n;
	c->slotmap = len;
	return 0;
}

/* sesscache_put's work, under the mutex: obj says the data is an object's pointer. */
static int
sesscache_put_locked(struct sesscache *c, const unsigned char *id, size_t idlen,
    const void *data, size_t len, int obj, time_t expires, time_t now)
{
	uint32_t hash = sesscache_hash(id, idlen);
	size_t size = (SESSCACHE_HDR + len + 7) & ~(size_t)7, off, i, mask;
	struct sesscache_entry *e;

	if ((i = sesscache_find(c, id, idlen, hash)) != c->nslots)
		sesscache_unindex(c, i);   /* replaced */
	while (c->count >= c->max ||
	    (c->nring > 0 && sesscache_at(c, c->head)->expires < (int64_t)now))
		sesscache_drop_head(c);   /* the oldest, and what expired before them */
	if (sesscache_grow(c) != 0)
		return -1;
	/* room at the start (and SESSCACHE_SLACK more) when full by count, or as much as the
	 * entries take (the oldest expired): go back there rather than into new pages */
	if (!c->wrapped && c->nring > 0 && c->head >= size + SESSCACHE_SLACK &&
	    (c->count + 1 >= c->max || c->head >= c->tail - c->head + size + SESSCACHE_SLACK)) {
		c->wrapped = 1;
		c->wrapend = c->tail;
		c->tail = 0;
	}
	off = sesscache_room(c, size);
	e = sesscache_at(c, off);
	e->expires = (int64_t)expires;
	e->size = (uint32_t)size;
	e->len = (uint32_t)len;
	e->hash = hash;
	e->idlen = (uint8_t)idlen;
	e->live = 1;
	e->obj = (uint8_t)obj;
	memcpy(e->id, id, idlen);
	memcpy((unsigned char *)e + SESSCACHE_HDR, data, len);
	c->tail = off + size;
	if (c->tail > c->touched)
		c->touched = c->tail;
	c->nring++;
	c->count++;
	mask = c->nslots - 1;   /* as grown */
	for (i = hash & mask; c->slots[i].off1 != 0; i = (i + 1) & mask)
		;
	c->slots[i].off1 = (uint32_t)off + 1;
	c->slots[i].hash = hash;
	return 0;
}

int
sesscache_put(struct sesscache *c, const unsigned char *id, size_t idlen,
    const void *data, size_t len, time_t expires, time_t now)
{
	int rc;

	if (idlen == 0 || idlen > SESSCACHE_ID_MAX || len > SESSCACHE_ENTRY_MAX)
		return -1;
	pthread_mutex_lock(&c->mu);
	rc = sesscache_put_locked(c, id, idlen, data, len, 0, expires, now);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int
sesscache_put_obj(struct sesscache *c, const unsigned char *id, size_t idlen, void *obj,
    time_t expires, time_t now)
{
	int rc = -1;

	if (idlen == 0 || idlen > SESSCACHE_ID_MAX || obj == NULL)
		return -1;
	pthread_mutex_lock(&c->mu);
	if (c->hold != NULL)
		rc = sesscache_put_locked(c, id, idlen, &obj, sizeof(obj), 1, expires, now);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int
sesscache_settle(struct sesscache *c, const unsigned char *id, size_t idlen,
    const void *obj, const void *data, size_t len, time_t now)
{
	struct sesscache_entry *e;
	int64_t expires;
	int rc = -1;
	size_t i;

	if (idlen == 0 || idlen > SESSCACHE_ID_MAX)
		return -1;
	pthread_mutex_lock(&c->mu);
	if ((i = sesscache_find(c, id, idlen, sesscache_hash(id, idlen))) != c->nslots &&
	    (e = sesscache_at(c, c->slots[i].off1 - 1))->obj && sesscache_obj(e) == obj) {
		expires = e->expires;
		sesscache_unindex(c, i);   /* e's bytes are left for the head to pass */
		rc = 0;
		if (data != NULL && len <= SESSCACHE_ENTRY_MAX && expires >= (int64_t)now)
			rc = sesscache_put_locked(c, id, idlen, data, len, 0, (time_t)expires,
			    now);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

long
sesscache_get(struct sesscache *c, const unsigned char *id, size_t idlen, time_t now,
    void *out, size_t outlen, void **obj)
{
	struct sesscache_entry *e;
	long n = -1;
	size_t i;

	if (obj != NULL)
		*obj = NULL;
	if (idlen == 0 || idlen > SESSCACHE_ID_MAX)
		return -1;
	pthread_mutex_lock(&c->mu);
	if ((i = sesscache_find(c, id, idlen, sesscache_hash(id, idlen))) != c->nslots) {
		e = sesscache_at(c, c->slots[i].off1 - 1);
		if (e->expires < (int64_t)now) {
			sesscache_unindex(c, i);
		} else if (e->obj) {
			if (obj != NULL) {
				*obj = sesscache_obj(e);
				c->hold(*obj);   /* before any thread can drop the store's */
				n = 0;
			}
		} else if (e->len <= outlen) {
			memcpy(out, (unsigned char *)e + SESSCACHE_HDR, e->len);
			n = (long)e->len;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return n;
}

int
sesscache_remove(struct sesscache *c, const unsigned char *id, size_t idlen)
{
	size_t i;
	int rc = -1;

	if (idlen == 0 || idlen > SESSCACHE_ID_MAX)
		return -1;
	pthread_mutex_lock(&c->mu);
	if ((i = sesscache_find(c, id, idlen, sesscache_hash(id, idlen))) != c->nslots) {
		sesscache_unindex(c, i);
		rc = 0;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

size_t
sesscache_count(struct sesscache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->count;
	pthread_mutex_unlock(&c->mu);
	return n;
}

size_t
sesscache_bytes(struct sesscache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->nring == 0 ? 0 : c->wrapped ? c->wrapend - c->head + c->tail :
	    c->tail - c->head;
	pthread_mutex_unlock(&c->mu);
	return n;
}

size_t
sesscache_touched(struct sesscache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->touched + c->slotmap;
	pthread_mutex_unlock(&c->mu);
	return n;
}
