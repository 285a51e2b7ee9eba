/*
 * iobuf — byte queues for the connection core: a chain of fixed-size blocks taken from a
 * per-thread cache (base/objcache.h), so that a busy connection reuses memory a finished
 * one gave back and an idle connection holds no block at all.  A block is IOBUF_BLOCK
 * bytes, one TLS record's worth of plaintext, so one SSL_write of the first block's bytes
 * is one record.
 * No locking: a queue and the free list belong to the thread that uses them.
 */
#ifndef SYSBIND_IOBUF_H
#define SYSBIND_IOBUF_H

#include <stddef.h>
#include <sys/uio.h>

#define IOBUF_BLOCK 16384

struct iobuf_block;

struct iobuf {
	struct iobuf_block *head, *tail;
	size_t              len;
};

/* An empty queue (a zeroed struct iobuf is one too). */
void iobuf_init(struct iobuf *b);

/* Give every block back to the free list. */
void iobuf_clear(struct iobuf *b);

static inline size_t iobuf_len(const struct iobuf *b) { return b->len; }

/* Append n bytes.  Returns 0, or -1 when out of memory (nothing appended). */
int iobuf_add(struct iobuf *b, const void *data, size_t n);

/* Room for at least min contiguous bytes at the end (at most IOBUF_BLOCK): returns where
 * to write and, in *avail, how much fits there; NULL when out of memory.  Nothing counts
 * until iobuf_commit. */
char *iobuf_space(struct iobuf *b, size_t min, size_t *avail);

/* The n bytes written into the last iobuf_space are part of the queue now. */
void iobuf_commit(struct iobuf *b, size_t n);

/*
 * Room for up to want bytes at the end, for a readv(2) straight into the queue: the last
 * block's free space, then empty blocks linked after it (counted nowhere until
 * committed; iobuf_add and iobuf_space fill them in order).  Fills iov[0..max) and
 * returns how many entries, 0 when out of memory; the room may fall short of want (max).
 * Bytes written there join the queue by iobuf_commit, or by iobuf_add given the address
 * where the room starts (a copy-free add: the data is where it would be copied to).
 */
int iobuf_reserve(struct iobuf *b, size_t want, struct iovec *iov, int max);

/* Keep the room for used bytes of the last iobuf_reserve and give back the blocks beyond
 * it (with used 0, an empty last block too, as iobuf_trim). */
void iobuf_unreserve(struct iobuf *b, size_t used);

/* Give back the last block when it holds no byte (room taken with iobuf_space and not
 * committed): a queue that waits for input keeps no memory it does not use. */
void iobuf_trim(struct iobuf *b);

/* The first contiguous bytes of the queue (NULL when empty), their count in *n. */
const char *iobuf_peek(const struct iobuf *b, size_t *n);

/* The queue's first bytes as up to max iovecs, one per block (for a writev): returns how
 * many entries were filled, 0 when empty. */
int iobuf_peekv(const struct iobuf *b, struct iovec *iov, int max);

/* A block moves rather than its bytes being copied once they are at least this many. */
#define IOBUF_MOVE_MIN (IOBUF_BLOCK / 2)

/*
 * Append the n bytes at data, which lie in src's first block, to dst: when they end that
 * block (src's reads fill no more of it) and are at least IOBUF_MOVE_MIN, the block
 * itself moves to dst's end, with the bytes before data dropped (the caller consumed
 * them); otherwise (or with src NULL) they are copied (iobuf_add).  Returns how many
 * bytes src lost (the block's, from its first queued byte; 0 for a copy), -1 when out of
 * memory (only a copy can fail: src is as it was).
 */
long iobuf_move(struct iobuf *dst, struct iobuf *src, const char *data, size_t n);

/* Drop the first n bytes (n <= len). */
void iobuf_drain(struct iobuf *b, size_t n);

/* Free this thread's free list (at the end of a worker thread). */
void iobuf_pool_drain(void);

#endif
