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
 * Knows nothing of TLS: the caller serializes.  An entry may instead hold an object
 * (sesscache_put_obj: a session whose connection is still open, which would otherwise be
 * kept twice, live and serialized) with the store's own reference to it, until the
 * caller settles it into bytes (sesscache_settle) or it leaves; a lookup then hands out
 * a new reference.  Every call takes the store's mutex, so any thread may call any
 * function.
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

/* How the store takes a reference to an object for a caller (hold: a lookup's) and gives
 * back its own (drop: when the entry leaves, is settled or the store is freed); both are
 * called under the store's mutex and must not call the store.  Set once, before any
 * sesscache_put_obj. */
void sesscache_objects(struct sesscache *c, void (*hold)(void *), void (*drop)(void *));

/*
 * Store len bytes of data under id (idlen 1..SESSCACHE_ID_MAX), valid until expires; an
 * entry with the same id is replaced.  The oldest entries make room.  Returns 0, or -1
 * when idlen or len is out of range (nothing stored).
 */
int sesscache_put(struct sesscache *c, const unsigned char *id, size_t idlen,
    const void *data, size_t len, time_t expires, time_t now);

/*
 * Store obj under id, valid until expires, as sesscache_put stores bytes: the store
 * takes the caller's reference to it (and gives it back with drop).  Returns 0, or -1
 * (the caller keeps its reference) when idlen is out of range, obj is NULL or
 * sesscache_objects was not called.
 */
int sesscache_put_obj(struct sesscache *c, const unsigned char *id, size_t idlen,
    void *obj, time_t expires, time_t now);

/*
 * The entry under id holds obj: replace it by len bytes of data (its serialized form),
 * with the entry's expiry, written as the newest entry; the store's reference is dropped.
 * data NULL, or len over SESSCACHE_ENTRY_MAX, or an entry expired at now: the entry is
 * removed.  Returns 0 when the entry held obj (settled or removed), -1 when there is none
 * under id or it holds something else (nothing changed).
 */
int sesscache_settle(struct sesscache *c, const unsigned char *id, size_t idlen,
    const void *obj, const void *data, size_t len, time_t now);

/*
 * Copy the data stored under id into out (outlen bytes: SESSCACHE_ENTRY_MAX holds any).
 * Returns its length, or -1 when there is none, it does not fit, or it expired at now
 * (then it is dropped).  When the entry holds an object, *obj is set to it with a
 * reference for the caller (hold) and 0 is returned; obj NULL: such an entry misses.
 * Otherwise *obj (when obj is not NULL) is set to NULL.
 */
long sesscache_get(struct sesscache *c, const unsigned char *id, size_t idlen,
    time_t now, void *out, size_t outlen, void **obj);

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
