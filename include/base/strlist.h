/*
 * strlist — the items of a comma-separated list, as sysbind's own inputs write them: a
 * site's bindings ("https/[::]:443:a, http/[::]:80:a", in the file, in netsh and appcmd edits,
 * in quick's --from) and IIS's flag names ("Ssl, SslRequireCert").  Each item comes with
 * the blanks around it trimmed; an empty item (",,", a trailing ",", an empty list) is an
 * item too, of length 0, for the caller to refuse or skip.  No quoting: none of these
 * lists quotes.  Nothing is copied or allocated; an item points into the list.
 *
 *	struct strlist l;
 *	const char *item;
 *	size_t len;
 *
 *	strlist_init(&l, value, NULL, STRLIST_BLANKS);
 *	while (strlist_next(&l, &item, &len))
 *		...item[0..len)...
 */
#ifndef SYSBIND_STRLIST_H
#define SYSBIND_STRLIST_H

#include <stddef.h>

#define STRLIST_BLANKS " \t"            /* a blank: space or tab */
#define STRLIST_SPACE  " \t\n\v\f\r"    /* isspace() in the C locale sysbind runs in */

struct strlist {
	const char *at, *end;   /* the rest of the list; at is NULL once the last item is out */
	const char *blanks;     /* the bytes trimmed around each item */
};

/* The list s[0..end), or up to its NUL when end is NULL; blanks: the bytes to trim around
 * each item (STRLIST_BLANKS, STRLIST_SPACE). */
void strlist_init(struct strlist *l, const char *s, const char *end, const char *blanks);

/* The next item into *item and *len (len may be 0).  Returns 1, or 0 when the list is
 * done: a list of n commas has n + 1 items. */
int strlist_next(struct strlist *l, const char **item, size_t *len);

#endif
