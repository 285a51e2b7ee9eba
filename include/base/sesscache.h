/*
 * sesscache — a compact store of opaque byte strings keyed by a short id (a TLS session
 * id), for the server's session cache: entries of any size up to SESSCACHE_ENTRY_MAX
 * live one after another in a ring of bytes (a log: written at the tail, dropped from
 * the head), found through an open-addressing index of the ids.  Both are mapped once
 * (mmap), so their untouched pages cost no memory (a full store reuses the start of
 * the ring as soon as it can, the index grows with the entries), and none of it is in
 * the malloc heap the connections' short-lived objects use.  When an entry does not fit, by count (max
 * entries) or by bytes, the oldest go first (Schannel's MaximumCacheSize); an entry
 * expires at the time its writer gives (a lookup of an expired one misses and drops it).
 * A removed entry leaves the index at once and its bytes when the head passes them.
 * Knows nothing of TLS: the caller serializes.  Every call takes the store's mutex, so
 * any thread may call any function.
 */
#ifndef SYSBIND_SESSCACHE_H
#define SYSBIND_SESSCACHE_H

#include <stddef.h>
#include <time.h>

#define SESSCACHE_ID_MAX    32      /* SSL_MAX_SSL_SESSION_ID_LENGTH */
#define SESSCACHE_ENTRY_MAX 16384   /* bytes of one entry's data */

struct sesscache;

/* A new empty store for at most max entries (>= 1) in about bytes of data (at least
 * 64 KiB or two entries of the largest size are mapped).  Returns NULL when out of
 * memory.  The caller owns it (sesscache_free). */
struct sesscache *sesscache_new(size_t max, size_t bytes);
void sesscache_free(struct sesscache *c);

/*
 * Store len bytes of data under id (idlen 1..SESSCACHE_ID_MAX), valid until expires; an
 * entry with the same id is replaced.  The oldest entries make room.  Returns 0, or -1
 * when idlen or len is out of range (nothing stored).
 */
int sesscache_put(struct sesscache *c, const unsigned char *id, size_t idlen,
    const void *data, size_t len, time_t expires, time_t now);

/*
 * Copy the data stored under id into out (outlen bytes: SESSCACHE_ENTRY_MAX holds any).
 * Returns its length, or -1 when there is none, it does not fit, or it expired at now
 * (then it is dropped).
 */
long sesscache_get(struct sesscache *c, const unsigned char *id, size_t idlen,
    time_t now, void *out, size_t outlen);

/* Drop the entry stored under id.  Returns 0, or -1 when there was none. */
int sesscache_remove(struct sesscache *c, const unsigned char *id, size_t idlen);

/* How many entries are held (expired ones not yet dropped included). */
size_t sesscache_count(struct sesscache *c);

/* Bytes of the ring in use between the oldest entry and the newest (headers, removed
 * entries not yet passed and the unused end of a wrap included). */
size_t sesscache_bytes(struct sesscache *c);

/* Bytes of memory the store has written to (the ring's furthest offset, the index): what
 * it costs in resident pages. */
size_t sesscache_touched(struct sesscache *c);

#endif
