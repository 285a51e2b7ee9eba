/*
 * iobuf — block chains with a per-thread free list (see iobuf.h).  A block is allocated
 * with its header; the thread's objcache keeps at most OBJCACHE_MAX blocks (4 MiB), the
 * rest go back to malloc, so a burst does not pin memory for ever.
 * Blocks after tail, if any, are reserved room (iobuf_reserve): empty, and used in order
 * once the tail is full.
 */
#include <assert.h>
#include <string.h>

#include "base/iobuf.h"
#include "base/objcache.h"

struct iobuf_block {
	struct iobuf_block *next;
	size_t              start, end;   /* bytes [start, end) are queued */
	char                data[IOBUF_BLOCK];
};

static __thread struct objcache iobuf_cache;

static struct iobuf_block *
iobuf_block_get(void)
{
	struct iobuf_block *k = objcache_get(&iobuf_cache, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->next = NULL;
	k->start = k->end = 0;
	return k;
}

static void
iobuf_block_put(struct iobuf_block *k)
{
	objcache_put(&iobuf_cache, k);
}

void
iobuf_init(struct iobuf *b)
{
	b->head = b->tail = NULL;
	b->len = 0;
}

void
iobuf_clear(struct iobuf *b)
{
	struct iobuf_block *k, *next;

	for (k = b->head; k != NULL; k = next) {
		next = k->next;
		iobuf_block_put(k);
	}
	iobuf_init(b);
}

char *
iobuf_space(struct iobuf *b, size_t min, size_t *avail)
{
	struct iobuf_block *k = b->tail;

	if (min > IOBUF_BLOCK)
		min = IOBUF_BLOCK;
	if (k != NULL && IOBUF_BLOCK - k->end < min && k->next != NULL) {
		b->tail = k = k->next;   /* reserved room, empty */
	} else if (k == NULL || IOBUF_BLOCK - k->end < min) {
		struct iobuf_block *n = iobuf_block_get();

		if (n == NULL)
			return NULL;
		if (k == NULL)
			b->head = n;
		else
			k->next = n;
		b->tail = k = n;
	}
	*avail = IOBUF_BLOCK - k->end;
	return k->data + k->end;
}

void
iobuf_commit(struct iobuf *b, size_t n)
{
	assert(n == 0 || (b->tail != NULL && b->tail->end + n <= IOBUF_BLOCK));
	b->tail->end += n;
	b->len += n;
}

int
iobuf_reserve(struct iobuf *b, size_t want, struct iovec *iov, int max)
{
	struct iobuf_block *k = b->tail;
	size_t got = 0;
	int n = 0;

	if (k == NULL) {
		if ((k = iobuf_block_get()) == NULL)
			return 0;
		b->head = b->tail = k;
	}
	if (k->end < IOBUF_BLOCK) {
		iov[n].iov_base = k->data + k->end;
		iov[n++].iov_len = IOBUF_BLOCK - k->end;
		got += IOBUF_BLOCK - k->end;
	}
	while (got < want && n < max) {
		if (k->next == NULL && (k->next = iobuf_block_get()) == NULL)
			break;
		k = k->next;
		iov[n].iov_base = k->data;
		iov[n++].iov_len = IOBUF_BLOCK;
		got += IOBUF_BLOCK;
	}
	return n;
}

void
iobuf_unreserve(struct iobuf *b, size_t used)
{
	struct iobuf_block *k = b->tail, *next;
	size_t left = used;

	if (k == NULL)
		return;
	left -= left < IOBUF_BLOCK - k->end ? left : IOBUF_BLOCK - k->end;
	while (left > 0 && k->next != NULL) {
		k = k->next;
		left -= left < IOBUF_BLOCK ? left : IOBUF_BLOCK;
	}
	for (next = k->next, k->next = NULL; next != NULL; next = k) {
		k = next->next;
		iobuf_block_put(next);
	}
	if (used == 0)
		iobuf_trim(b);   /* the tail itself, when it is room only */
}

int
iobuf_add(struct iobuf *b, const void *data, size_t n)
{
	const char *p = data;
	size_t avail, k;
	struct iobuf_block *old_tail = b->tail;
	size_t old_end = old_tail != NULL ? old_tail->end : 0, old_len = b->len;

	if (n > 0 && b->tail != NULL) {
		/* the bytes already sit where they would go (read into iobuf_reserve's room) */
		char *w = iobuf_space(b, 1, &avail);

		if (w == p && n <= avail) {
			iobuf_commit(b, n);
			return 0;
		}
	}
	while (n > 0) {
		char *w = iobuf_space(b, 1, &avail);

		if (w == NULL)
			goto fail;
		k = n < avail ? n : avail;
		memcpy(w, p, k);
		iobuf_commit(b, k);
		p += k;
		n -= k;
	}
	return 0;
fail:
	/* undo: drop the blocks added, restore the old tail */
	if (old_tail == NULL) {
		iobuf_clear(b);
		return -1;
	}
	{
		struct iobuf_block *k2 = old_tail->next, *next;

		for (; k2 != NULL; k2 = next) {
			next = k2->next;
			iobuf_block_put(k2);
		}
		old_tail->next = NULL;
		old_tail->end = old_end;
		b->tail = old_tail;
		b->len = old_len;
	}
	return -1;
}

void
iobuf_trim(struct iobuf *b)
{
	struct iobuf_block *k;

	if (b->tail == NULL || b->tail->end > b->tail->start)
		return;
	assert(b->tail->next == NULL);   /* (iobuf_unreserve gives reserved room back) */
	if (b->head == b->tail) {
		iobuf_clear(b);   /* len is 0: the only block holds nothing */
		return;
	}
	for (k = b->head; k->next != b->tail; k = k->next)
		;
	iobuf_block_put(b->tail);
	k->next = NULL;
	b->tail = k;
}

const char *
iobuf_peek(const struct iobuf *b, size_t *n)
{
	const struct iobuf_block *k = b->head;

	while (k != NULL && k->start == k->end)
		k = k->next;
	if (k == NULL) {
		*n = 0;
		return NULL;
	}
	*n = k->end - k->start;
	return k->data + k->start;
}

int
iobuf_peekv(const struct iobuf *b, struct iovec *iov, int max)
{
	const struct iobuf_block *k;
	size_t left = b->len;
	int n = 0;

	for (k = b->head; k != NULL && left > 0 && n < max; k = k->next) {
		if (k->end == k->start)
			continue;
		iov[n].iov_base = (char *)k->data + k->start;
		iov[n++].iov_len = k->end - k->start;
		left -= k->end - k->start;
	}
	return n;
}

long
iobuf_move(struct iobuf *dst, struct iobuf *src, const char *data, size_t n)
{
	struct iobuf_block *k;
	size_t lost;

	if (src == NULL || n < IOBUF_MOVE_MIN || (k = src->head) == NULL ||
	    data < k->data + k->start || data + n != k->data + k->end ||
	    (k == src->tail && k->next != NULL))
		return iobuf_add(dst, data, n) == 0 ? 0 : -1;
	/* out of src, whole */
	lost = k->end - k->start;
	src->len -= lost;
	src->head = k->next;
	if (k == src->tail)
		src->head = src->tail = NULL;
	/* into dst after its last byte, before any reserved room */
	k->start = (size_t)(data - k->data);
	if (dst->tail == NULL) {
		k->next = NULL;   /* (a queue without a tail has no block) */
		dst->head = k;
	} else {
		k->next = dst->tail->next;
		dst->tail->next = k;
	}
	dst->tail = k;
	dst->len += n;
	return (long)lost;
}

void
iobuf_drain(struct iobuf *b, size_t n)
{
	assert(n <= b->len);   /* the contract: never more than is queued */
	b->len -= n;
	while (n > 0 && b->head != NULL) {
		struct iobuf_block *k = b->head;
		size_t have = k->end - k->start;

		if (n < have) {
			k->start += n;
			return;
		}
		n -= have;
		b->head = k->next;
		if (b->head == NULL)
			b->tail = NULL;
		else if (k == b->tail)
			b->tail = b->head;   /* reserved room: the queue's end now */
		iobuf_block_put(k);
	}
}

void
iobuf_pool_drain(void)
{
	objcache_drain(&iobuf_cache);
}
