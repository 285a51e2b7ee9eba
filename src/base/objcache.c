/*
 * objcache — a bounded per-thread free list (see objcache.h).  A kept object's first
 * pointer-sized bytes link the next one; memcpy reads and writes the link so that an
 * object of any type (and alignment the allocator gave it) may be kept.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/objcache.h"

static __thread struct objcache *objcache_list;   /* this thread's caches that kept one */

void *
objcache_get(struct objcache *oc, size_t size)
{
	void *obj = oc->head;

	assert(size >= sizeof(void *));
	if (obj == NULL)
		return malloc(size);
	memcpy(&oc->head, obj, sizeof(void *));
	oc->n--;
	if (oc->n < oc->low)
		oc->low = oc->n;
	assert((oc->head == NULL) == (oc->n == 0));
	return obj;
}

void
objcache_put(struct objcache *oc, void *obj)
{
	if (obj == NULL)
		return;
	if (oc->n >= OBJCACHE_MAX) {
		free(obj);
		return;
	}
	if (!oc->listed) {
		oc->next = objcache_list;
		objcache_list = oc;
		oc->listed = 1;
	}
	memcpy(obj, &oc->head, sizeof(void *));
	oc->head = obj;
	oc->n++;
}

void
objcache_drain(struct objcache *oc)
{
	while (oc->head != NULL) {
		void *obj = oc->head;

		memcpy(&oc->head, obj, sizeof(void *));
		free(obj);
	}
	oc->n = oc->low = 0;
}

void
objcache_trim(struct objcache *oc)
{
	size_t keep = oc->n - oc->low, i;
	void *obj, *rest;

	assert(oc->low <= oc->n);
	if (oc->low == 0) {
		oc->low = oc->n;
		return;
	}
	if (keep == 0) {
		rest = oc->head;
		oc->head = NULL;
	} else {
		/* the first keep objects are the last put: the warm ones stay */
		for (obj = oc->head, i = 1; i < keep; i++)
			memcpy(&obj, obj, sizeof(void *));
		void *none = NULL;

		memcpy(&rest, obj, sizeof(void *));
		memcpy(obj, &none, sizeof(void *));
	}
	while (rest != NULL) {
		obj = rest;
		memcpy(&rest, obj, sizeof(void *));
		free(obj);
	}
	oc->n = oc->low = keep;
}

void
objcache_trim_all(void)
{
	struct objcache *oc;

	for (oc = objcache_list; oc != NULL; oc = oc->next)
		objcache_trim(oc);
}
