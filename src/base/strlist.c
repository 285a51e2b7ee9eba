/*
 * strlist — one tokenizer for the comma-separated lists of sysbind's inputs (strlist.h):
 * items split at every ",", blanks trimmed around each, empty items kept for the caller.
 */
#include <string.h>

#include "base/strlist.h"

void
strlist_init(struct strlist *l, const char *s, const char *end, const char *blanks)
{
	l->at = s;
	l->end = end != NULL ? end : s + strlen(s);
	l->blanks = blanks;
}

static int
strlist_blank(const struct strlist *l, char ch)
{
	return ch != '\0' && strchr(l->blanks, ch) != NULL;
}

int
strlist_next(struct strlist *l, const char **item, size_t *len)
{
	const char *a = l->at, *z, *comma;

	if (a == NULL)
		return 0;
	comma = memchr(a, ',', (size_t)(l->end - a));
	z = comma != NULL ? comma : l->end;
	while (a < z && strlist_blank(l, *a))
		a++;
	while (z > a && strlist_blank(l, z[-1]))
		z--;
	*item = a;
	*len = (size_t)(z - a);
	l->at = comma != NULL ? comma + 1 : NULL;
	return 1;
}
