/*
 * objcache — a bounded per-thread free list (see objcache.h).  A kept object's first
 * pointer-sized bytes link the next one; memcpy reads and writes the link so that an
 * object of any type (and alignment the allocator gave it) may be kept.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/objcache.h"

void *
objcache_get(struct objcache *oc, size_t size)
{
	void *obj = oc->head;

	assert(size >= sizeof(void *));
	if (obj == NULL)
		return malloc(size);
	memcpy(&oc->head, obj, sizeof(void *));
	oc->n--;
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
	oc->n = 0;
}
