/*
 * strhash — glibc's hsearch_r with the bookkeeping it leaves to its caller: the keys'
 * storage, a value that is a number, and "was it already there" (see strhash.h).
 *
 * glibc hashes a key by shifting each character in four bits: only a key's first eight
 * characters reach the table index, and "h|443|site1.example.com",
 * "h|443|site2.example.com", ... all collided (10,000 SNI entries took seconds).  Every
 * key is therefore stored behind eight hex digits of its FNV-1a hash, which are what
 * hsearch_r then spreads the keys by.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strhash.h"

#define STRHASH_PREFIX 8   /* hex digits of the key's own hash in front of it */

/* key as the table holds it: its FNV-1a hash in hex, then the key.  NULL: no memory. */
static char *
strhash_key(const char *key, char *buf, size_t len)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;
	size_t n = strlen(key);
	char *k = n + STRHASH_PREFIX + 1 <= len ? buf : malloc(n + STRHASH_PREFIX + 1);

	if (k == NULL)
		return NULL;
	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	snprintf(k, STRHASH_PREFIX + 1, "%08x", (unsigned)h);
	memcpy(k + STRHASH_PREFIX, key, n + 1);
	return k;
}

int
strhash_init(struct strhash *h, size_t n)
{
	memset(h, 0, sizeof(*h));
	/* hsearch_r's table does not grow: twice the entries keeps its probes short */
	if (hcreate_r(n * 2 + 16, &h->tab) == 0)
		return -1;
	h->made = 1;
	return 0;
}

void
strhash_clear(struct strhash *h)
{
	size_t i;

	if (h->made)
		hdestroy_r(&h->tab);
	for (i = 0; i < h->nkeys; i++)
		free(h->keys[i]);
	free(h->keys);
	memset(h, 0, sizeof(*h));
}

ENTRY *
strhash_enter(struct strhash *h, const char *key, size_t v, int *created)
{
	ENTRY e, *r = NULL;
	char buf[320], *k;

	if (created != NULL)
		*created = 0;
	if (!h->made || (k = strhash_key(key, buf, sizeof(buf))) == NULL)
		return NULL;
	e.key = k;
	e.data = NULL;
	if (hsearch_r(e, FIND, &r, &h->tab) != 0 && r != NULL)
		goto done;
	r = NULL;
	if (h->nkeys == h->capkeys) {
		size_t cap = h->capkeys ? h->capkeys * 2 : 64;
		char **nk = realloc(h->keys, cap * sizeof(*nk));

		if (nk == NULL)
			goto done;
		h->keys = nk;
		h->capkeys = cap;
	}
	if (k == buf && (k = strdup(buf)) == NULL)
		goto done;
	h->keys[h->nkeys++] = k;
	e.key = k;
	e.data = (void *)(uintptr_t)v;
	if (hsearch_r(e, ENTER, &r, &h->tab) == 0)
		r = NULL;
	else if (created != NULL)
		*created = 1;
	return r;
done:
	if (k != buf)
		free(k);
	return r;
}

size_t
strhash_find(const struct strhash *h, const char *key)
{
	ENTRY e, *r = NULL;
	char buf[320], *k;
	size_t v = 0;

	if (!h->made || (k = strhash_key(key, buf, sizeof(buf))) == NULL)
		return 0;
	e.key = k;
	e.data = NULL;
	/* FIND does not write: hsearch_r only needs a non-const table for ENTER */
	if (hsearch_r(e, FIND, &r, (struct hsearch_data *)&h->tab) != 0 && r != NULL)
		v = (size_t)(uintptr_t)r->data;
	if (k != buf)
		free(k);
	return v;
}

char *
strhash_lower(const char *s)
{
	char *k = strdup(s), *q;

	if (k != NULL)
		for (q = k; *q != '\0'; q++)
			*q = (char)tolower((unsigned char)*q);
	return k;
}
