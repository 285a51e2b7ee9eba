/*
 * strhash — a string-keyed table over glibc's hsearch_r, for the duplicate checks and
 * lookups that must stay linear in a configuration of 100,000 sites (conf, import).  The
 * table keeps its own copies of the keys; its size is fixed when made (hsearch_r's is),
 * so the caller gives the number of entries it will hold.  A finished table may be
 * searched from several threads at once (a FIND does not write); entering is for one
 * thread.
 */
#ifndef SYSBIND_STRHASH_H
#define SYSBIND_STRHASH_H

#include <search.h>
#include <stddef.h>

struct strhash {
	struct hsearch_data tab;
	int                 made;
	char              **keys;
	size_t              nkeys, capkeys;
};

/* Make h for up to n entries.  Returns 0, or -1 when out of memory. */
int strhash_init(struct strhash *h, size_t n);

/*
 * Enter key with value v (not 0) unless it is there.  Returns the entry, whose data is
 * the value of whoever entered the key first (the caller may change it), or NULL when out
 * of memory or full.  *created (may be NULL) says whether this call entered it.
 */
ENTRY *strhash_enter(struct strhash *h, const char *key, size_t v, int *created);

/* The value of key, 0 when absent. */
size_t strhash_find(const struct strhash *h, const char *key);

/* Free h's table and keys; h may then be made again.  A zeroed h is a no-op. */
void strhash_clear(struct strhash *h);

/* A copy of s with ASCII letters lowercased (as IIS and strcasecmp compare names), or
 * NULL when out of memory. */
char *strhash_lower(const char *s);

#endif
