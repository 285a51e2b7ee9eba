/*
 * strhash — glibc's hsearch_r with the bookkeeping it leaves to its caller: the keys'
 * storage, a value that is a number, and "was it already there" (see strhash.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strhash.h"

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
	char *k;

	if (created != NULL)
		*created = 0;
	if (!h->made)
		return NULL;
	e.key = (char *)key;
	e.data = NULL;
	if (hsearch_r(e, FIND, &r, &h->tab) != 0 && r != NULL)
		return r;
	if (h->nkeys == h->capkeys) {
		size_t cap = h->capkeys ? h->capkeys * 2 : 64;
		char **nk = realloc(h->keys, cap * sizeof(*nk));

		if (nk == NULL)
			return NULL;
		h->keys = nk;
		h->capkeys = cap;
	}
	if ((k = strdup(key)) == NULL)
		return NULL;
	h->keys[h->nkeys++] = k;
	e.key = k;
	e.data = (void *)(uintptr_t)v;
	if (hsearch_r(e, ENTER, &r, &h->tab) == 0)
		return NULL;
	if (created != NULL)
		*created = 1;
	return r;
}

size_t
strhash_find(const struct strhash *h, const char *key)
{
	ENTRY e, *r = NULL;

	if (!h->made)
		return 0;
	e.key = (char *)key;
	e.data = NULL;
	/* FIND does not write: hsearch_r only needs a non-const table for ENTER */
	if (hsearch_r(e, FIND, &r, (struct hsearch_data *)&h->tab) == 0 || r == NULL)
		return 0;
	return (size_t)(uintptr_t)r->data;
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
