/*
 * check_sesscache — the session store: what is put comes out under its id; the oldest
 * go first when the store is full by count or by bytes; an entry expires at its time;
 * removed and replaced entries miss; ids that share a hash bucket (and a whole run of
 * the index) stay apart, also when one in the middle goes; entries of every size up to
 * the cap; the ring wraps around many times with the index kept in step with it.
 * Entries that hold an object (a live session): a lookup hands out a reference, each
 * way out of the store (eviction, removal, replacement, expiry, settling, the store
 * freed) gives back the store's own exactly once, settling turns it into bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/sesscache.h"

static unsigned char out[SESSCACHE_ENTRY_MAX];

/* id of n: 32 bytes, n in the first four (little-endian), the rest fixed */
static void
mkid(unsigned char id[32], uint32_t n)
{
	memset(id, 0xa5, 32);
	memcpy(id, &n, sizeof(n));
}

/* data of entry n: len bytes of a pattern from n */
static void
mkdata(unsigned char *d, size_t len, uint32_t n)
{
	for (size_t i = 0; i < len; i++)
		d[i] = (unsigned char)(n * 31 + i);
}

static int
has(struct sesscache *c, uint32_t n, size_t len, time_t now)
{
	unsigned char id[32], want[SESSCACHE_ENTRY_MAX];
	long got;

	mkid(id, n);
	if ((got = sesscache_get(c, id, 32, now, out, sizeof(out), NULL)) < 0)
		return 0;
	mkdata(want, len, n);
	ck_assert_int_eq(got, (long)len);
	ck_assert_mem_eq(out, want, len);
	return 1;
}

static void
put(struct sesscache *c, uint32_t n, size_t len, time_t expires)
{
	unsigned char id[32], d[SESSCACHE_ENTRY_MAX];

	mkid(id, n);
	mkdata(d, len, n);
	ck_assert_int_eq(sesscache_put(c, id, 32, d, len, expires, 0), 0);
}

START_TEST(test_sesscache_put_get_remove)
{
	struct sesscache *c = sesscache_new(10, 0);
	unsigned char id[32];

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(has(c, 1, 0, 0), 0);
	put(c, 1, 200, 100);
	put(c, 2, 300, 100);
	ck_assert_uint_eq(sesscache_count(c), 2);
	ck_assert(has(c, 1, 200, 0));
	ck_assert(has(c, 2, 300, 0));
	ck_assert(has(c, 1, 200, 0));   /* a lookup does not take it */
	mkid(id, 1);
	ck_assert_int_eq(sesscache_get(c, id, 31, 0, out, sizeof(out), NULL), -1);   /* id length */
	ck_assert_int_eq(sesscache_get(c, id, 32, 0, out, 199, NULL), -1);   /* does not fit */
	ck_assert_int_eq(sesscache_remove(c, id, 32), 0);
	ck_assert_int_eq(sesscache_remove(c, id, 32), -1);
	ck_assert_int_eq(has(c, 1, 200, 0), 0);
	ck_assert(has(c, 2, 300, 0));
	ck_assert_uint_eq(sesscache_count(c), 1);
	/* a short id is its own key */
	ck_assert_int_eq(sesscache_put(c, id, 8, "abc", 3, 100, 0), 0);
	ck_assert_int_eq(sesscache_get(c, id, 8, 0, out, sizeof(out), NULL), 3);
	ck_assert_mem_eq(out, "abc", 3);
	ck_assert_int_eq(sesscache_get(c, id, 32, 0, out, sizeof(out), NULL), -1);
	/* out of range: nothing stored */
	ck_assert_int_eq(sesscache_put(c, id, 0, "x", 1, 100, 0), -1);
	ck_assert_int_eq(sesscache_put(c, id, SESSCACHE_ID_MAX + 1, "x", 1, 100, 0), -1);
	ck_assert_int_eq(sesscache_put(c, id, 32, out, SESSCACHE_ENTRY_MAX + 1, 100, 0), -1);
	ck_assert_uint_eq(sesscache_count(c), 2);
	sesscache_free(c);
	sesscache_free(NULL);
}
END_TEST

START_TEST(test_sesscache_replace)
{
	struct sesscache *c = sesscache_new(2, 0);
	unsigned char id[32];

	put(c, 1, 100, 100);
	mkid(id, 1);
	ck_assert_int_eq(sesscache_put(c, id, 32, "new", 3, 100, 0), 0);
	ck_assert_uint_eq(sesscache_count(c), 1);
	ck_assert_int_eq(sesscache_get(c, id, 32, 0, out, sizeof(out), NULL), 3);
	ck_assert_mem_eq(out, "new", 3);
	put(c, 2, 50, 100);   /* the replaced entry's bytes do not count as an entry */
	ck_assert_int_eq(sesscache_get(c, id, 32, 0, out, sizeof(out), NULL), 3);
	ck_assert(has(c, 2, 50, 0));
	sesscache_free(c);
}
END_TEST

/* Schannel's MaximumCacheSize: the oldest go first, whatever was looked up */
START_TEST(test_sesscache_evicts_oldest_by_count)
{
	struct sesscache *c = sesscache_new(3, 0);

	put(c, 1, 100, 100);
	put(c, 2, 100, 100);
	put(c, 3, 100, 100);
	ck_assert(has(c, 1, 100, 0));
	put(c, 4, 100, 100);
	ck_assert_uint_eq(sesscache_count(c), 3);
	ck_assert_int_eq(has(c, 1, 100, 0), 0);
	ck_assert(has(c, 2, 100, 0) && has(c, 3, 100, 0) && has(c, 4, 100, 0));
	/* a removed entry frees its place in the count */
	unsigned char id[32];
	mkid(id, 3);
	ck_assert_int_eq(sesscache_remove(c, id, 32), 0);
	put(c, 5, 100, 100);
	ck_assert(has(c, 2, 100, 0) && has(c, 4, 100, 0) && has(c, 5, 100, 0));
	put(c, 6, 100, 100);
	ck_assert_int_eq(has(c, 2, 100, 0), 0);
	ck_assert(has(c, 4, 100, 0) && has(c, 5, 100, 0) && has(c, 6, 100, 0));
	/* a cache of one keeps the last */
	sesscache_free(c);
	c = sesscache_new(1, 0);
	put(c, 1, 10, 100);
	put(c, 2, 10, 100);
	ck_assert_int_eq(has(c, 1, 10, 0), 0);
	ck_assert(has(c, 2, 10, 0));
	sesscache_free(c);
}
END_TEST

/* a ring of 64 KiB (the least) holds as many large entries as fit, the newest */
START_TEST(test_sesscache_evicts_oldest_by_bytes)
{
	struct sesscache *c = sesscache_new(1000, 65536);
	uint32_t n;
	size_t held = 0;

	for (n = 1; n <= 20; n++)
		put(c, n, 8000, 100);
	for (n = 1; n <= 20; n++)
		held += has(c, n, 8000, 0);
	ck_assert_uint_ge(held, 7);   /* 65536 / (8000 + header), less the unused end */
	ck_assert_uint_le(held, 8);
	ck_assert_uint_eq(sesscache_count(c), held);
	for (n = 21 - (uint32_t)held; n <= 20; n++)
		ck_assert(has(c, n, 8000, 0));   /* the newest ones */
	ck_assert_uint_le(sesscache_bytes(c), 65536);
	sesscache_free(c);
}
END_TEST

START_TEST(test_sesscache_expires)
{
	struct sesscache *c = sesscache_new(10, 0);
	unsigned char id[32];

	put(c, 1, 10, 100);
	put(c, 2, 10, 200);
	ck_assert(has(c, 1, 10, 100));   /* valid through its last second */
	ck_assert_int_eq(has(c, 1, 10, 101), 0);
	ck_assert_uint_eq(sesscache_count(c), 1);   /* the expired one was dropped */
	ck_assert_int_eq(has(c, 1, 10, 0), 0);
	ck_assert(has(c, 2, 10, 101));
	/* expired entries at the head go when the next is put */
	put(c, 3, 10, 300);
	mkid(id, 4);
	ck_assert_int_eq(sesscache_put(c, id, 32, "x", 1, 400, 250), 0);
	ck_assert_uint_eq(sesscache_count(c), 2);
	ck_assert_int_eq(has(c, 2, 10, 0), 0);
	ck_assert(has(c, 3, 10, 0));
	sesscache_free(c);
}
END_TEST

/* Ids whose hash is the same slot: a run of the index, then one out of its middle. */
START_TEST(test_sesscache_id_collisions)
{
	struct sesscache *c = sesscache_new(8, 0);   /* 16 slots */
	unsigned char id[32], d[8];
	uint32_t found[6], nfound = 0, want = 0;

	/* ids of 1 byte: find six that share slot (hash & 15) of id 0 */
	for (uint32_t b = 0; b < 256 && nfound < 6; b++) {
		uint32_t h = 2166136261u;

		h = (h ^ b) * 16777619u;
		if (b == 0)
			want = h & 15;
		if ((h & 15) == want)
			found[nfound++] = b;
	}
	ck_assert_uint_eq(nfound, 6);
	for (uint32_t i = 0; i < 6; i++) {
		id[0] = (unsigned char)found[i];
		memset(d, (int)i, sizeof(d));
		ck_assert_int_eq(sesscache_put(c, id, 1, d, sizeof(d), 100, 0), 0);
	}
	id[0] = (unsigned char)found[2];
	ck_assert_int_eq(sesscache_remove(c, id, 1), 0);
	for (uint32_t i = 0; i < 6; i++) {
		id[0] = (unsigned char)found[i];
		if (i == 2) {
			ck_assert_int_eq(sesscache_get(c, id, 1, 0, out, sizeof(out), NULL), -1);
			continue;
		}
		memset(d, (int)i, sizeof(d));
		ck_assert_int_eq(sesscache_get(c, id, 1, 0, out, sizeof(out), NULL), 8);
		ck_assert_mem_eq(out, d, 8);
	}
	/* evicting the oldest (found[0]) keeps the others reachable */
	for (uint32_t i = 0; i < 4; i++) {   /* 5 held + 4 > 8 */
		mkid(id, 1000 + i);
		ck_assert_int_eq(sesscache_put(c, id, 32, "y", 1, 100, 0), 0);
	}
	ck_assert_uint_eq(sesscache_count(c), 8);
	id[0] = (unsigned char)found[0];
	ck_assert_int_eq(sesscache_get(c, id, 1, 0, out, sizeof(out), NULL), -1);
	for (uint32_t i = 1; i < 6; i++) {
		id[0] = (unsigned char)found[i];
		ck_assert_int_eq(sesscache_get(c, id, 1, 0, out, sizeof(out), NULL), i == 2 ? -1 : 8);
	}
	sesscache_free(c);
}
END_TEST

/* every size from 0 to the cap goes in and comes out whole */
START_TEST(test_sesscache_any_size_up_to_the_cap)
{
	struct sesscache *c = sesscache_new(4, 0);
	size_t sizes[] = { 0, 1, 7, 8, 9, 255, 4096, SESSCACHE_ENTRY_MAX - 1,
	    SESSCACHE_ENTRY_MAX };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		put(c, (uint32_t)i, sizes[i], 100);
		ck_assert(has(c, (uint32_t)i, sizes[i], 0));
		if (i > 0)
			ck_assert(has(c, (uint32_t)i - 1, sizes[i - 1], 0));
	}
	for (size_t len = 0; len < 600; len++) {
		put(c, 100000 + (uint32_t)len, len, 100);
		ck_assert(has(c, 100000 + (uint32_t)len, len, 0));
	}
	sesscache_free(c);
}
END_TEST

/* Many times round the ring with sizes that leave uneven ends, removals and replaced
 * entries among them: after each put, exactly the newest entries a model says are held
 * are found, and the ones before them are not. */
START_TEST(test_sesscache_wraps_around)
{
	enum { MAX = 40, N = 5000 };
	struct sesscache *c = sesscache_new(MAX, 65536);
	static size_t lens[N];
	static unsigned char gone[N];
	uint32_t n;

	srand(7);
	for (n = 0; n < N; n++) {
		size_t live = 0;

		lens[n] = (size_t)(rand() % 3000);
		put(c, n, lens[n], 100);
		if (n % 7 == 3) {   /* one removed now and then */
			unsigned char id[32];
			int held = has(c, n - 2, lens[n - 2], 0);

			mkid(id, n - 2);
			ck_assert_int_eq(sesscache_remove(c, id, 32), held ? 0 : -1);
			gone[n - 2] = 1;
		}
		/* the held ones are the newest, back to the first missing (oldest first) */
		int hole = 0;
		for (uint32_t k = n + 1; k-- > 0 && n - k < 200;) {
			int h = has(c, k, lens[k], 0);

			if (gone[k]) {
				ck_assert_int_eq(h, 0);
				continue;
			}
			if (!h)
				hole = 1;
			else
				ck_assert_msg(!hole, "entry %u held after an older one went", k);
			live += (size_t)h;
		}
		ck_assert_uint_eq(sesscache_count(c), live);
		ck_assert_uint_le(live, MAX);
		ck_assert_uint_le(sesscache_bytes(c), 65536);
	}
	ck_assert_uint_ge(sesscache_count(c), 15);   /* 64 KiB holds ~40 of ~1.5 KiB */
	sesscache_free(c);
}
END_TEST

/* A full store goes back to the start of its ring as soon as the oldest left room there:
 * the memory it touches is about what it holds, not the whole mapping; no entry is lost
 * to it (the newest max are always held). */
START_TEST(test_sesscache_full_store_stays_small)
{
	struct sesscache *c = sesscache_new(10, 1 << 20);
	uint32_t n;

	srand(3);
	for (n = 0; n < 20000; n++) {
		size_t len = 100 + (size_t)(rand() % 400);

		put(c, n, len, 100);
		ck_assert(has(c, n, len, 0));
		if (n >= 10)
			ck_assert_uint_eq(sesscache_count(c), 10);
	}
	/* ~10 entries of <= 560 bytes, the slack (an entry of the largest size) twice over,
	 * the index: far below the 1 MiB mapped */
	ck_assert_uint_lt(sesscache_touched(c), 96 * 1024);
	sesscache_free(c);
}
END_TEST

/* The index grows with the entries: 3,000 of a store for 100,000 all found, and its
 * pages are those of ~8,192 slots, not of 262,144. */
START_TEST(test_sesscache_index_grows)
{
	struct sesscache *c = sesscache_new(100000, 100000 * 512);
	uint32_t n;

	for (n = 0; n < 3000; n++) {
		put(c, n, 64, 100);
		ck_assert_msg(has(c, n, 64, 0), "entry %u not found when put", n);
	}
	for (n = 0; n < 3000; n++)
		ck_assert(has(c, n, 64, 0));
	ck_assert_uint_eq(sesscache_count(c), 3000);
	ck_assert_uint_le(sesscache_touched(c), 3000 * 128 + 8192 * 8);
	for (n = 0; n < 3000; n += 2) {
		unsigned char id[32];

		mkid(id, n);
		ck_assert_int_eq(sesscache_remove(c, id, 32), 0);
	}
	for (n = 0; n < 3000; n++)
		ck_assert_int_eq(has(c, n, 64, 0), n % 2);
	sesscache_free(c);
}
END_TEST

/* Random ids (as the server's are), a store of 2,000 filled ten times over: each entry
 * found as soon as it is put, whatever the index's size then, and the store stays full. */
START_TEST(test_sesscache_random_ids)
{
	struct sesscache *c = sesscache_new(2000, 2000 * 1536);
	unsigned char id[32], d[400];

	srand(11);
	for (long n = 0; n < 20000; n++) {
		size_t len = 250 + (size_t)(rand() % 100);

		for (size_t i = 0; i < sizeof(id); i++)
			id[i] = (unsigned char)rand();
		memset(d, (int)n, len);
		ck_assert_int_eq(sesscache_put(c, id, 32, d, len, 100, 0), 0);
		ck_assert_int_eq(sesscache_get(c, id, 32, 0, out, sizeof(out), NULL), (long)len);
		ck_assert_mem_eq(out, d, len);
		ck_assert_uint_eq(sesscache_count(c), n < 2000 ? (size_t)n + 1 : 2000);
	}
	ck_assert_uint_lt(sesscache_touched(c), 2000 * 420 + 2 * 16500 + 4096 * 8);
	sesscache_free(c);
}
END_TEST

/* Sessions that expire before the count is reached (a store for 20,000, ~3,000 alive at
 * any time: 10 a second for 300 s): the ring goes back to its start as the oldest expire,
 * and its pages stay near what the live entries take, not the whole mapping's 30 MiB. */
START_TEST(test_sesscache_expiry_keeps_it_small)
{
	struct sesscache *c = sesscache_new(20000, 20000 * 1536);
	unsigned char id[32], d[300];

	memset(d, 7, sizeof(d));
	for (uint32_t n = 0; n < 100000; n++) {
		time_t now = (time_t)(n / 10);

		mkid(id, n);
		ck_assert_int_eq(sesscache_put(c, id, 32, d, sizeof(d), now + 300, now), 0);
		ck_assert_uint_le(sesscache_count(c), 3010);
	}
	ck_assert_uint_ge(sesscache_count(c), 2990);
	mkid(id, 99999);
	ck_assert_int_eq(sesscache_get(c, id, 32, 9999, out, sizeof(out), NULL), (long)sizeof(d));
	/* ~3,000 entries of ~370 bytes, twice, the slack, an index of 8,192 slots */
	ck_assert_uint_lt(sesscache_touched(c), 2 * 3010 * 376 + 2 * 16500 + 8192 * 8);
	sesscache_free(c);
}
END_TEST

/* a counted object: the store's references and the lookups' */
struct obj {
	int refs;
};

static void
obj_hold(void *p)
{
	((struct obj *)p)->refs++;
}

static void
obj_drop(void *p)
{
	ck_assert_int_gt(((struct obj *)p)->refs, 0);
	((struct obj *)p)->refs--;
}

static void
put_obj(struct sesscache *c, uint32_t n, struct obj *o, time_t expires)
{
	unsigned char id[32];

	mkid(id, n);
	o->refs++;   /* the reference the store takes */
	ck_assert_int_eq(sesscache_put_obj(c, id, 32, o, expires, 0), 0);
}

/* what a lookup of n finds: the object (its reference given back at once), or NULL */
static struct obj *
get_obj(struct sesscache *c, uint32_t n, time_t now)
{
	unsigned char id[32];
	void *o = (void *)&o;
	int refs;

	mkid(id, n);
	if (sesscache_get(c, id, 32, now, out, sizeof(out), &o) < 0 || o == NULL)
		return NULL;
	refs = ((struct obj *)o)->refs;
	ck_assert_int_ge(refs, 2);   /* the store's and the one handed out */
	obj_drop(o);
	return o;
}

START_TEST(test_sesscache_obj_lookup_and_settle)
{
	struct sesscache *c = sesscache_new(10, 0);
	struct obj a = { 0 }, b = { 0 };
	unsigned char id[32], d[300];
	void *o;

	mkid(id, 1);
	ck_assert_int_eq(sesscache_put_obj(c, id, 32, &a, 100, 0), -1);   /* no hold/drop */
	ck_assert_int_eq(a.refs, 0);
	sesscache_objects(c, obj_hold, obj_drop);
	ck_assert_int_eq(sesscache_put_obj(c, id, 32, NULL, 100, 0), -1);
	put_obj(c, 1, &a, 100);
	put(c, 2, 50, 100);
	put_obj(c, 3, &b, 100);
	ck_assert_uint_eq(sesscache_count(c), 3);
	ck_assert_ptr_eq(get_obj(c, 1, 0), &a);
	ck_assert_int_eq(a.refs, 1);
	/* a caller that takes no object misses it, and it stays */
	ck_assert_int_eq(sesscache_get(c, id, 32, 0, out, sizeof(out), NULL), -1);
	ck_assert_ptr_eq(get_obj(c, 1, 0), &a);
	/* a bytes entry sets *obj to NULL */
	mkid(id, 2);
	o = &a;
	ck_assert_int_eq(sesscache_get(c, id, 32, 0, out, sizeof(out), &o), 50);
	ck_assert_ptr_null(o);
	/* settled by another object, or under another id: nothing changes */
	mkid(id, 1);
	mkdata(d, sizeof(d), 1);
	ck_assert_int_eq(sesscache_settle(c, id, 32, &b, d, sizeof(d), 0), -1);
	mkid(id, 2);
	ck_assert_int_eq(sesscache_settle(c, id, 32, &a, d, sizeof(d), 0), -1);
	ck_assert_int_eq(a.refs, 1);
	/* settled: bytes now, the store's reference given back */
	mkid(id, 1);
	ck_assert_int_eq(sesscache_settle(c, id, 32, &a, d, sizeof(d), 0), 0);
	ck_assert_int_eq(a.refs, 0);
	ck_assert_ptr_null(get_obj(c, 1, 0));
	ck_assert(has(c, 1, sizeof(d), 100));   /* with the entry's expiry */
	ck_assert_int_eq(has(c, 1, sizeof(d), 101), 0);
	ck_assert_int_eq(sesscache_settle(c, id, 32, &a, d, sizeof(d), 0), -1);   /* once */
	ck_assert_uint_eq(sesscache_count(c), 2);
	/* settled with no bytes (too large to keep): removed */
	mkid(id, 3);
	ck_assert_int_eq(sesscache_settle(c, id, 32, &b, NULL, 0, 0), 0);
	ck_assert_int_eq(b.refs, 0);
	ck_assert_ptr_null(get_obj(c, 3, 0));
	ck_assert_uint_eq(sesscache_count(c), 1);
	/* settled after its expiry: removed */
	put_obj(c, 4, &b, 100);
	mkid(id, 4);
	ck_assert_int_eq(sesscache_settle(c, id, 32, &b, d, 10, 101), 0);
	ck_assert_int_eq(b.refs, 0);
	ck_assert_int_eq(has(c, 4, 10, 0), 0);
	sesscache_free(c);
}
END_TEST

/* every way an entry leaves gives back the store's reference, once */
START_TEST(test_sesscache_obj_references)
{
	struct sesscache *c = sesscache_new(3, 0);
	struct obj o[8] = { { 0 } };
	unsigned char id[32];

	sesscache_objects(c, obj_hold, obj_drop);
	put_obj(c, 1, &o[1], 100);
	put_obj(c, 2, &o[2], 100);
	put_obj(c, 3, &o[3], 200);
	put_obj(c, 4, &o[4], 100);   /* 1, the oldest, goes */
	ck_assert_int_eq(o[1].refs, 0);
	ck_assert_ptr_null(get_obj(c, 1, 0));
	mkid(id, 2);
	ck_assert_int_eq(sesscache_remove(c, id, 32), 0);   /* removed */
	ck_assert_int_eq(o[2].refs, 0);
	ck_assert_int_eq(sesscache_put(c, id, 32, "x", 1, 100, 0), 0);
	mkid(id, 4);
	ck_assert_int_eq(sesscache_put(c, id, 32, "y", 1, 100, 0), 0);   /* replaced */
	ck_assert_int_eq(o[4].refs, 0);
	ck_assert_ptr_null(get_obj(c, 3, 201));   /* expired */
	ck_assert_int_eq(o[3].refs, 0);
	put_obj(c, 5, &o[5], 100);
	put_obj(c, 5, &o[6], 100);   /* one object replaced by another */
	ck_assert_int_eq(o[5].refs, 0);
	ck_assert_int_eq(o[6].refs, 1);
	ck_assert_uint_eq(sesscache_count(c), 3);
	sesscache_free(c);   /* the rest */
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(o[i].refs, 0);
}
END_TEST

/* A settled entry is written as the newest: the count's oldest-first order is the order
 * the objects were settled in among the entries put as bytes; objects and bytes share
 * the count; a ring that wraps many times keeps objects and settled bytes apart. */
START_TEST(test_sesscache_obj_settled_is_newest)
{
	struct sesscache *c = sesscache_new(3, 0);
	struct obj a = { 0 };
	static struct obj many[3000];
	unsigned char id[32], d[700];

	sesscache_objects(c, obj_hold, obj_drop);
	put_obj(c, 1, &a, 100);
	put(c, 2, 10, 100);
	put(c, 3, 10, 100);
	mkid(id, 1);
	mkdata(d, 200, 1);
	ck_assert_int_eq(sesscache_settle(c, id, 32, &a, d, 200, 0), 0);
	put(c, 4, 10, 100);   /* 2 goes, not 1 */
	ck_assert_int_eq(has(c, 2, 10, 0), 0);
	ck_assert(has(c, 1, 200, 0) && has(c, 3, 10, 0) && has(c, 4, 10, 0));
	sesscache_free(c);
	/* 3,000 objects through a store of 40 in 64 KiB, each settled two puts later */
	c = sesscache_new(40, 65536);
	sesscache_objects(c, obj_hold, obj_drop);
	srand(5);
	for (uint32_t n = 0; n < 3000; n++) {
		put_obj(c, n, &many[n], 100);
		if (n >= 2) {
			size_t len = (size_t)(rand() % (int)sizeof(d));

			mkid(id, n - 2);
			mkdata(d, len, n - 2);
			ck_assert_int_eq(sesscache_settle(c, id, 32, &many[n - 2], d, len, 0), 0);
			ck_assert(has(c, n - 2, len, 0));
			ck_assert_int_eq(many[n - 2].refs, 0);
		}
		ck_assert_ptr_eq(get_obj(c, n, 0), &many[n]);
		ck_assert_uint_le(sesscache_bytes(c), 65536);
	}
	sesscache_free(c);
	for (uint32_t n = 0; n < 3000; n++)
		ck_assert_int_eq(many[n].refs, 0);
}
END_TEST

static Suite *
sesscache_suite(void)
{
	Suite *s = suite_create("sesscache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sesscache_put_get_remove);
	tcase_add_test(tc, test_sesscache_replace);
	tcase_add_test(tc, test_sesscache_evicts_oldest_by_count);
	tcase_add_test(tc, test_sesscache_evicts_oldest_by_bytes);
	tcase_add_test(tc, test_sesscache_expires);
	tcase_add_test(tc, test_sesscache_id_collisions);
	tcase_add_test(tc, test_sesscache_any_size_up_to_the_cap);
	tcase_add_test(tc, test_sesscache_wraps_around);
	tcase_add_test(tc, test_sesscache_full_store_stays_small);
	tcase_add_test(tc, test_sesscache_index_grows);
	tcase_add_test(tc, test_sesscache_random_ids);
	tcase_add_test(tc, test_sesscache_obj_lookup_and_settle);
	tcase_add_test(tc, test_sesscache_obj_references);
	tcase_add_test(tc, test_sesscache_obj_settled_is_newest);
	tcase_add_test(tc, test_sesscache_expiry_keeps_it_small);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sesscache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
