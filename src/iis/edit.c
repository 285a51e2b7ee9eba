/*
 * edit — appcmd's and netsh's commands applied to a sysbind configuration file as text
 * edits that touch only the lines they must (see edit.h).  This file owns the line-level
 * view of an INI file (sections, key lines, inline comments), the command words of the two
 * Windows tools, their messages, and the atomic write.  What a valid configuration is
 * stays conf.c's (conf_parse); the `show`/`list` output stays views.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "iis/edit.h"
#include "model/binding.h"
#include "model/clientcert.h"
#include "base/file.h"
#include "base/strlist.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "iis/views.h"

#define EDIT_LINE_MAX 199   /* Debian's inih reads at most 199 characters a line */

struct edit_line {
	size_t start, end, next;   /* [start, end) the text without its line end; next line */
};

struct edit_section {
	char   kind[16];
	char  *name;               /* as conf.c reads it: unquoted, unescaped (owned) */
	size_t header, last;       /* header line; last line of the section (exclusive) */
};

struct edit_doc {
	const char          *text;
	struct edit_line    *lines;
	size_t               nlines;
	struct edit_section *secs;
	size_t               nsecs;
	const char          *eol;  /* "\r\n" when the file uses it, else "\n" */
};

static void edit_fail(enum edit_status *st, enum edit_status v, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
edit_fail(enum edit_status *st, enum edit_status v, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;

	*st = v;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The trimmed extent of line i. */
static void
line_trim(const struct edit_doc *d, size_t i, size_t *a, size_t *z)
{
	*a = d->lines[i].start;
	*z = d->lines[i].end;
	while (*a < *z && isspace((unsigned char)d->text[*a]))
		(*a)++;
	while (*z > *a && isspace((unsigned char)d->text[*z - 1]))
		(*z)--;
}

static int
line_is_blank_or_comment(const struct edit_doc *d, size_t i)
{
	size_t a, z;

	line_trim(d, i, &a, &z);
	return a == z || d->text[a] == ';' || d->text[a] == '#';
}

static int
line_is_blank(const struct edit_doc *d, size_t i)
{
	size_t a, z;

	line_trim(d, i, &a, &z);
	return a == z;
}

static void
doc_free(struct edit_doc *d)
{
	size_t i;

	for (i = 0; i < d->nsecs; i++)
		free(d->secs[i].name);
	free(d->lines);
	free(d->secs);
}

/* Split text into lines and sections, as conf.c's reader sees them (conf_header_find and
 * conf_header_parse read the headers, quoted names included).  Returns 0 or -1 (memory). */
static int
doc_parse(struct edit_doc *d, const char *text)
{
	size_t pos = 0, len = strlen(text), i, caplines = 0, capsecs = 0;

	memset(d, 0, sizeof(*d));
	d->text = text;
	d->eol = "\n";
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		struct edit_line *l;

		if (d->nlines == caplines) {
			struct edit_line *nl2;

			caplines = caplines ? caplines * 2 : 64;
			if ((nl2 = realloc(d->lines, caplines * sizeof(*nl2))) == NULL)
				return -1;
			d->lines = nl2;
		}
		l = &d->lines[d->nlines++];
		l->start = pos;
		l->next = nl != NULL ? (size_t)(nl - text) + 1 : len;
		l->end = nl != NULL ? (size_t)(nl - text) : len;
		if (l->end > l->start && text[l->end - 1] == '\r') {
			l->end--;
			if (d->nlines == 1)
				d->eol = "\r\n";
		}
		pos = l->next;
	}
	for (i = 0; i < d->nlines; i++) {
		size_t a, z, open, close;
		struct edit_section *s;
		char *inner, *kind = NULL, *name = NULL, msg[256];

		line_trim(d, i, &a, &z);
		if (a == z || text[a] != '[' ||
		    conf_header_find(text + a, z - a, &open, &close) != 0)
			continue;
		if ((inner = strndup(text + a + open, close - open)) == NULL)
			return -1;
		if (conf_header_parse(inner, &kind, &name, msg, sizeof(msg)) != 0) {
			free(inner);
			continue;   /* conf.c refuses it: no section an edit could find */
		}
		free(inner);
		if (d->nsecs == capsecs) {
			struct edit_section *ns;

			capsecs = capsecs ? capsecs * 2 : 16;
			if ((ns = realloc(d->secs, capsecs * sizeof(*ns))) == NULL) {
				free(kind);
				free(name);
				return -1;
			}
			d->secs = ns;
		}
		s = &d->secs[d->nsecs++];
		memset(s, 0, sizeof(*s));
		snprintf(s->kind, sizeof(s->kind), "%s", kind);
		free(kind);
		s->name = name;
		s->header = i;
		if (d->nsecs > 1)
			d->secs[d->nsecs - 2].last = i;
	}
	if (d->nsecs > 0)
		d->secs[d->nsecs - 1].last = d->nlines;
	return 0;
}

/* The line after the last key line of section s (where something added to it goes). */
static size_t
section_content_end(const struct edit_doc *d, const struct edit_section *s)
{
	size_t i, end = s->header + 1;

	for (i = s->header + 1; i < s->last; i++)
		if (!line_is_blank_or_comment(d, i))
			end = i + 1;
	return end;
}

/*
 * The line after the section's whole block (where a new section after it goes): its keys
 * and its own comments, such as import's "; backend = ..." hint, which must stay with the
 * section they belong to (uncommented below another header, they would belong there).
 * Comment lines right above the next header, with no blank line between, are that
 * header's; blank lines at the end are left where they are.
 */
static size_t
section_block_end(const struct edit_doc *d, const struct edit_section *s)
{
	size_t end = s->last;

	if (s->last < d->nlines)
		while (end > s->header + 1 && line_is_blank_or_comment(d, end - 1) &&
		    !line_is_blank(d, end - 1))
			end--;
	while (end > s->header + 1 && line_is_blank(d, end - 1))
		end--;
	return end;
}

static const struct edit_section *
find_site(const struct edit_doc *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nsecs; i++)
		if (strcmp(d->secs[i].kind, "site") == 0 && strcasecmp(d->secs[i].name, name) == 0)
			return &d->secs[i];
	return NULL;
}

static const struct edit_section *
find_sslcert(const struct edit_doc *d, const struct sslcert_key *k)
{
	size_t i;
	struct sslcert_key o;
	char msg[256];

	for (i = 0; i < d->nsecs; i++)
		if (strcmp(d->secs[i].kind, "sslcert") == 0 &&
		    binding_sslkey_parse(d->secs[i].name, &o, msg, sizeof(msg)) == 0 &&
		    binding_sslkey_equal(&o, k))
			return &d->secs[i];
	return NULL;
}

/* If line i is "key = value ; comment", the value's extent [*va, *vz). */
static int
key_line(const struct edit_doc *d, size_t i, const char *key, size_t *va, size_t *vz)
{
	size_t a, z, eq, k;
	const char *t = d->text;

	line_trim(d, i, &a, &z);
	if (a == z || t[a] == ';' || t[a] == '#' || t[a] == '[')
		return 0;
	for (eq = a; eq < z && t[eq] != '='; eq++)
		;
	if (eq == z)
		return 0;
	for (k = eq; k > a && isspace((unsigned char)t[k - 1]); k--)
		;
	if (k - a != strlen(key) || strncmp(t + a, key, k - a) != 0)
		return 0;
	*va = eq + 1;
	while (*va < z && isspace((unsigned char)t[*va]))
		(*va)++;
	for (*vz = *va; *vz < z; (*vz)++)
		if (t[*vz] == ';' && *vz > *va && isspace((unsigned char)t[*vz - 1]))
			break;
	while (*vz > *va && isspace((unsigned char)t[*vz - 1]))
		(*vz)--;
	return 1;
}

static int
binding_same(const struct binding *a, const struct binding *b)
{
	return a->proto == b->proto && a->port == b->port && strcmp(a->host, b->host) == 0 &&
	    a->addr.family == b->addr.family &&
	    (a->addr.family == AF_UNSPEC || binding_addr_equal(&a->addr, &b->addr));
}

/* text with [from, to) replaced by ins. */
static char *
text_splice(const char *text, size_t from, size_t to, const char *ins)
{
	size_t len = strlen(text), n = strlen(ins);
	char *out = malloc(len - (to - from) + n + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, text, from);
	memcpy(out + from, ins, n);
	memcpy(out + from + n, text + to, len - to + 1);
	return out;
}

/* Offset where a new line goes before line i (the end of the text when i == nlines). */
static size_t
line_offset(const struct edit_doc *d, size_t i)
{
	return i < d->nlines ? d->lines[i].start : strlen(d->text);
}

/* ins preceded by a line end when the text does not end in one. */
static char *
insert_lines(const struct edit_doc *d, size_t before, const char *ins)
{
	size_t off = line_offset(d, before), len = strlen(d->text);
	char *tmp, *out;

	if (before >= d->nlines && len > 0 && d->text[len - 1] != '\n') {
		if (asprintf(&tmp, "%s%s", d->eol, ins) < 0)
			return NULL;
		out = text_splice(d->text, off, off, tmp);
		free(tmp);
		return out;
	}
	return text_splice(d->text, off, off, ins);
}

/*
 * The start both binding edits share: parse the binding into *want and the text into *d,
 * then find [site NAME].  Returns the section, or NULL with *st and err set; *d may be
 * passed to doc_free either way.
 */
static const struct edit_section *
binding_edit_start(struct edit_doc *d, const char *text, const char *site,
    const char *binding, struct binding *want, enum edit_status *st, char *err, size_t errlen)
{
	const struct edit_section *s;
	char msg[512];

	memset(d, 0, sizeof(*d));
	*st = EDIT_OK;
	if (binding_parse(binding, want, msg, sizeof(msg)) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "%s", msg);
		return NULL;
	}
	if (doc_parse(d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		return NULL;
	}
	if ((s = find_site(d, site)) == NULL)
		edit_fail(st, EDIT_NOT_FOUND, err, errlen, "no [site %s]", site);
	return s;
}

char *
edit_binding_add(const char *text, const char *site, const char *binding,
    enum edit_status *st, char *err, size_t errlen)
{
	struct edit_doc d;
	const struct edit_section *s;
	struct binding want, have;
	char msg[512], item[600], *out = NULL, *ins = NULL;
	size_t i, va, vz, last = 0;
	int found_line = 0;

	if ((s = binding_edit_start(&d, text, site, binding, &want, st, err, errlen)) == NULL)
		goto done;
	for (i = s->header + 1; i < s->last; i++) {
		struct strlist l;
		const char *q;
		size_t n;

		if (!key_line(&d, i, "bindings", &va, &vz))
			continue;
		found_line = 1;
		last = i;
		strlist_init(&l, text + va, text + vz, STRLIST_SPACE);
		while (strlist_next(&l, &q, &n)) {
			snprintf(item, sizeof(item), "%.*s", (int)n, q);
			if (binding_parse(item, &have, msg, sizeof(msg)) == 0 &&
			    binding_same(&have, &want)) {
				edit_fail(st, EDIT_DUPLICATE, err, errlen, "[site %s] already has "
				    "binding %s (line %zu)", s->name, item, i + 1);
				goto done;
			}
		}
	}
	if (found_line) {
		(void)key_line(&d, last, "bindings", &va, &vz);
		if ((d.lines[last].end - d.lines[last].start) + 2 + strlen(binding) <=
		    EDIT_LINE_MAX) {
			if (asprintf(&ins, "%s%s", vz > va ? ", " : "", binding) < 0)
				goto nomem;
			out = text_splice(text, vz, vz, ins);
		} else {
			if (asprintf(&ins, "bindings = %s%s", binding, d.eol) < 0)
				goto nomem;
			out = insert_lines(&d, last + 1, ins);
		}
	} else {
		if (asprintf(&ins, "bindings = %s%s", binding, d.eol) < 0)
			goto nomem;
		out = insert_lines(&d, section_content_end(&d, s), ins);
	}
	if (out == NULL)
		goto nomem;
	goto done;
nomem:
	edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	free(ins);
	doc_free(&d);
	return out;
}

char *
edit_binding_remove(const char *text, const char *site, const char *binding,
    enum edit_status *st, char *err, size_t errlen)
{
	struct edit_doc d;
	const struct edit_section *s;
	struct binding want, have;
	char msg[512], item[600], *out = NULL;
	size_t i, va, vz;

	if ((s = binding_edit_start(&d, text, site, binding, &want, st, err, errlen)) == NULL)
		goto done;
	for (i = s->header + 1; i < s->last; i++) {
		size_t seg[64][2], nseg = 0, p = 0, k;

		if (!key_line(&d, i, "bindings", &va, &vz))
			continue;
		/* the comma-separated segments of the value */
		for (p = va; nseg < 64;) {
			size_t e = p;

			while (e < vz && text[e] != ',')
				e++;
			seg[nseg][0] = p;
			seg[nseg][1] = e;
			nseg++;
			if (e >= vz)
				break;
			p = e + 1;
		}
		for (k = 0; k < nseg; k++) {
			size_t a = seg[k][0], z = seg[k][1], from, to;

			while (a < z && isspace((unsigned char)text[a]))
				a++;
			while (z > a && isspace((unsigned char)text[z - 1]))
				z--;
			snprintf(item, sizeof(item), "%.*s", (int)(z - a), text + a);
			if (binding_parse(item, &have, msg, sizeof(msg)) != 0 ||
			    !binding_same(&have, &want))
				continue;
			if (nseg == 1) {
				/* the line held only this binding: the line goes */
				from = d.lines[i].start;
				to = d.lines[i].next;
			} else if (k + 1 < nseg) {
				from = k == 0 ? a : seg[k][0];
				to = seg[k + 1][0];
				if (k == 0)
					while (to < vz && isspace((unsigned char)text[to]))
						to++;
			} else {
				from = seg[k][0] - 1;   /* the comma before it */
				to = z;
			}
			out = text_splice(text, from, to, "");
			if (out == NULL)
				edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
			goto done;
		}
	}
	edit_fail(st, EDIT_NOT_FOUND, err, errlen, "[site %s] has no binding %s", s->name,
	    binding);
done:
	doc_free(&d);
	return out;
}

/* The section of kind named name: an [sslcert] by its key as HTTP.SYS compares keys, a
 * [site] by name without case, a [location] by its name without case. */
static const struct edit_section *
find_section(const struct edit_doc *d, const char *kind, const char *name)
{
	struct sslcert_key k;
	char msg[256];
	size_t i;

	if (strcmp(kind, "sslcert") == 0)
		return binding_sslkey_parse(name, &k, msg, sizeof(msg)) == 0 ? find_sslcert(d, &k) :
		    NULL;
	for (i = 0; i < d->nsecs; i++)
		if (strcmp(d->secs[i].kind, kind) == 0 && strcasecmp(d->secs[i].name, name) == 0)
			return &d->secs[i];
	return NULL;
}

/*
 * text with `name = value` set in the [kind sec] section: its line replaced (an inline
 * comment kept), or added after the section's last key line.  NULL with *st
 * EDIT_NOT_FOUND when there is no such section.
 */
static char *
edit_section_key(const char *text, const char *kind, const char *sec, const char *name,
    const char *value, enum edit_status *st, char *err, size_t errlen)
{
	struct edit_doc d;
	const struct edit_section *s;
	char *out = NULL, *ins = NULL;
	size_t i, va, vz;

	*st = EDIT_OK;
	if (doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = find_section(&d, kind, sec)) == NULL) {
		edit_fail(st, EDIT_NOT_FOUND, err, errlen, "no [%s %s]", kind, sec);
		goto done;
	}
	for (i = s->header + 1; i < s->last; i++) {
		if (!key_line(&d, i, name, &va, &vz))
			continue;
		out = text_splice(text, va, vz, value);
		goto check;
	}
	if (asprintf(&ins, "%s = %s%s", name, value, d.eol) < 0) {
		ins = NULL;
		goto nomem;
	}
	out = insert_lines(&d, section_content_end(&d, s), ins);
check:
	if (out != NULL)
		goto done;
nomem:
	edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	free(ins);
	doc_free(&d);
	return out;
}

char *
edit_sslcert_add(const char *text, const char *key, const char *const *kv, size_t nkv,
    enum edit_status *st, char *err, size_t errlen)
{
	struct edit_doc d;
	struct sslcert_key k;
	const struct edit_section *s;
	char msg[512], *out = NULL, *sec = NULL;
	size_t i, before = 0, len = 0;
	int have_ssl = 0, blank_after = 0;
	FILE *f;

	*st = EDIT_OK;
	if (binding_sslkey_parse(key, &k, msg, sizeof(msg)) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "%s", msg);
		return NULL;
	}
	if (doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = find_sslcert(&d, &k)) != NULL) {
		edit_fail(st, EDIT_DUPLICATE, err, errlen, "[sslcert %s] exists (line %zu)",
		    s->name, s->header + 1);
		goto done;
	}
	for (i = 0; i < d.nsecs; i++) {
		if (strcmp(d.secs[i].kind, "sslcert") == 0) {
			before = section_content_end(&d, &d.secs[i]);
			have_ssl = 1;
		}
	}
	if (!have_ssl) {
		before = d.nlines;
		for (i = 0; i < d.nsecs; i++) {
			if (strcmp(d.secs[i].kind, "site") == 0) {
				/* above the comment lines that belong to the first site */
				before = d.secs[i].header;
				while (before > 0 && !line_is_blank_or_comment(&d, before - 1))
					break;
				while (before > 0 && line_is_blank_or_comment(&d, before - 1) &&
				    d.lines[before - 1].end > d.lines[before - 1].start)
					before--;
				blank_after = 1;
				break;
			}
		}
	}
	if ((f = open_memstream(&sec, &len)) == NULL)
		goto nomem;
	if (before > 0 && !(blank_after && line_is_blank_or_comment(&d, before - 1) &&
	    d.lines[before - 1].end == d.lines[before - 1].start))
		fputs(d.eol, f);
	fprintf(f, "[sslcert %s]%s", key, d.eol);
	for (i = 0; i < nkv; i++)
		fprintf(f, "%s = %s%s", kv[2 * i], kv[2 * i + 1], d.eol);
	if (blank_after)
		fputs(d.eol, f);
	if (fclose(f) != 0)
		goto nomem;
	if ((out = insert_lines(&d, before, sec)) == NULL)
		goto nomem;
	goto done;
nomem:
	edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	free(sec);
	doc_free(&d);
	return out;
}

char *
edit_sslcert_delete(const char *text, const char *key, enum edit_status *st, char *err,
    size_t errlen)
{
	struct edit_doc d;
	struct sslcert_key k;
	const struct edit_section *s;
	char msg[512], *out = NULL;
	size_t from, to;

	*st = EDIT_OK;
	if (binding_sslkey_parse(key, &k, msg, sizeof(msg)) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "%s", msg);
		return NULL;
	}
	if (doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = find_sslcert(&d, &k)) == NULL) {
		edit_fail(st, EDIT_NOT_FOUND, err, errlen, "no [sslcert %s]", key);
		goto done;
	}
	/* the comment lines directly above the header describe it: they go too */
	from = s->header;
	while (from > 0 && d.lines[from - 1].end > d.lines[from - 1].start &&
	    line_is_blank_or_comment(&d, from - 1))
		from--;
	to = section_content_end(&d, s);
	/* one blank line separating it from what came before goes with it */
	if (from > 0 && d.lines[from - 1].end == d.lines[from - 1].start)
		from--;
	else if (to < d.nlines && d.lines[to].end == d.lines[to].start)
		to++;
	out = text_splice(text, d.lines[from].start, line_offset(&d, to), "");
	if (out == NULL)
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	doc_free(&d);
	return out;
}

/*
 * Replace the body of [sslcert KEY] (its key lines, and the blank and comment lines among
 * them) with the nkv pairs; the header and the comments above it stay.
 */
char *
edit_sslcert_update(const char *text, const char *key, const char *const *kv, size_t nkv,
    enum edit_status *st, char *err, size_t errlen)
{
	struct edit_doc d;
	struct sslcert_key k;
	const struct edit_section *s;
	char msg[512], *out = NULL, *body = NULL;
	size_t i, to, blen = 0;
	FILE *f;

	*st = EDIT_OK;
	if (binding_sslkey_parse(key, &k, msg, sizeof(msg)) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "%s", msg);
		return NULL;
	}
	if (doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = find_sslcert(&d, &k)) == NULL) {
		edit_fail(st, EDIT_NOT_FOUND, err, errlen, "no [sslcert %s]", key);
		goto done;
	}
	to = section_content_end(&d, s);
	if ((f = open_memstream(&body, &blen)) == NULL)
		goto nomem;
	for (i = 0; i < nkv; i++)
		fprintf(f, "%s = %s%s", kv[2 * i], kv[2 * i + 1], d.eol);
	if (fclose(f) != 0)
		goto nomem;
	if (s->header + 1 >= d.nlines) {
		/* the header is the last line: the body goes after it */
		char *tmp = NULL;

		if (asprintf(&tmp, "%s%s", d.lines[s->header].next == d.lines[s->header].end ?
		    d.eol : "", body) < 0)
			goto nomem;
		out = text_splice(text, strlen(text), strlen(text), tmp);
		free(tmp);
	} else {
		out = text_splice(text, d.lines[s->header + 1].start, line_offset(&d, to), body);
	}
	if (out == NULL)
		goto nomem;
	goto done;
nomem:
	edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	free(body);
	doc_free(&d);
	return out;
}

char *
edit_sslcert_set(const char *text, const char *key, const char *const *kv, size_t nkv,
    enum edit_status *st, char *err, size_t errlen)
{
	char *cur, *out = NULL;
	size_t i;

	*st = EDIT_OK;
	if ((cur = strdup(text)) == NULL) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		return NULL;
	}
	/* one key at a time, each on the text the last one left */
	for (i = 0; i < nkv; i++) {
		if ((out = edit_section_key(cur, "sslcert", key, kv[2 * i], kv[2 * i + 1], st, err,
		    errlen)) == NULL)
			break;
		free(cur);
		cur = out;
	}
	if (out == NULL && nkv > 0) {
		free(cur);
		return NULL;
	}
	return cur;
}

int
edit_file_write(const char *path, const char *text, char *err, size_t errlen)
{
	struct conf *c;

	if ((c = conf_parse(text, path, 0, err, errlen)) == NULL)
		return -1;
	conf_free(c);
	/* the file path finally names is replaced: a symlink stays a symlink */
	if (file_replace(path, text, strlen(text), NULL, NULL, 0, err, errlen) != 0)
		return -2;
	return 0;
}

/* ---- running the commands ---- */

/* The configuration's text, or NULL with the reason on errout (a FIFO, a device, a
 * directory are refused by their type: an edit never reads or replaces one). */
static char *
edit_slurp(const char *path, FILE *errout)
{
	char err[1024], *buf;
	size_t len = 0;

	if ((buf = file_read(path, CONF_FILE_MAX, 0, &len, err, sizeof(err))) == NULL) {
		fprintf(errout, "sysbind: %s\n", err);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		fprintf(errout, "sysbind: %s: holds a NUL byte: not a configuration sysbind can "
		    "edit\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Print err (lines) to errout with a final newline. */
static void
print_lines(FILE *errout, const char *err)
{
	size_t n = strlen(err);

	if (n == 0)
		return;
	fputs(err, errout);
	if (err[n - 1] != '\n')
		fputc('\n', errout);
}

/*
 * Load path for a view, as the offline views do: a certificate that cannot be loaded is
 * reported and the table is still shown from the file (its hash as written), as netsh
 * shows what the registry holds whether or not the certificate is still in the store.
 */
static struct conf *
edit_load(const char *path, FILE *errout)
{
	char err[16384];
	struct conf *c;
	size_t i;

	if ((c = conf_load(path, CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err))) == NULL) {
		print_lines(errout, err);
		return NULL;
	}
	for (i = 0; i < c->nwarnings; i++)
		print_lines(errout, c->warnings[i]);
	return c;
}

/* ---- the note about sites sharing one HTTPS binding ---- */

/* Write the note views_share_note makes for share s (when it has one) on errout as
 * "sysbind: note: ...". */
static void
edit_share_note(const struct binding_share *s, enum views_share_when when,
    const struct binding *joined, FILE *errout)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int written;

	if (f == NULL)
		return;
	written = views_share_note(s, when, joined, time(NULL), f);
	if (fclose(f) == 0 && written && buf != NULL)
		fprintf(errout, "sysbind: %s", buf);
	free(buf);
}

/* text parsed as path with its certificates, as the offline views load it (their
 * names tell which hosts a certificate names); NULL when it cannot be. */
static struct conf *
edit_parse_certs(const char *text, const char *path)
{
	char err[4096];

	return conf_parse(text, path, CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err));
}

/*
 * After `appcmd set site /+bindings.[...]` wrote text: when the binding it added (spec,
 * protocol/bindingInformation) now shares an HTTPS binding with other sites, say so.
 * IIS's appcmd asks nothing; IIS Manager asks its question when a binding is given a
 * certificate other than the one its IP:Port has, which the note quotes when the
 * certificate the binding got does not name its host (views_share_note).
 */
static void
edit_note_joined(const char *path, const char *text, const char *site, const char *spec,
    FILE *errout)
{
	char err[256], want[BINDING_HOST_MAX + 128], have[BINDING_HOST_MAX + 128];
	struct binding b;
	const struct binding *joined = NULL;
	struct binding_share *sh = NULL;
	struct conf *c;
	size_t nsh = 0, i, k;

	if (binding_parse(spec, &b, err, sizeof(err)) != 0 || b.proto != BINDING_HTTPS ||
	    (c = edit_parse_certs(text, path)) == NULL)
		return;
	binding_hashkey(&b, want, sizeof(want));
	for (i = 0; i < c->nsites && joined == NULL; i++) {
		if (strcasecmp(c->sites[i].name, site) != 0)
			continue;
		for (k = 0; k < c->sites[i].nbindings && joined == NULL; k++) {
			binding_hashkey(&c->sites[i].bindings[k], have, sizeof(have));
			if (strcmp(have, want) == 0)
				joined = &c->sites[i].bindings[k];
		}
	}
	if (joined != NULL && binding_shares(c, &sh, &nsh) == 0)
		for (i = 0; i < nsh; i++)
			edit_share_note(&sh[i], VIEWS_SHARE_JOINED, joined, errout);
	binding_shares_free(sh, nsh);
	conf_free(c);
}

/* Whether two entries name the same certificate: by thumbprint when both are loaded,
 * else by what the file says (certhash, certificate, pfx). */
static int
edit_same_certificate(const struct conf_sslcert *a, const struct conf_sslcert *b)
{
	if (a->cert != NULL && b->cert != NULL)
		return strcmp(a->cert->thumbprint, b->cert->thumbprint) == 0;
	if (a->certhash != NULL && b->certhash != NULL)
		return strcasecmp(a->certhash, b->certhash) == 0;
	return a->certhash == NULL && b->certhash == NULL &&
	    (a->certificate == NULL) == (b->certificate == NULL) &&
	    (a->certificate == NULL || strcmp(a->certificate, b->certificate) == 0) &&
	    (a->pfx == NULL) == (b->pfx == NULL) && (a->pfx == NULL || strcmp(a->pfx, b->pfx) == 0);
}

/*
 * After `netsh http add|update sslcert` turned before into after for entry k: when the
 * entry is an ipport one that sites share, and its certificate is not the one they all
 * had, say so: IIS Manager's question when one of them had another certificate (it is
 * now reassigned, VIEWS_SHARE_NEW_CERT), sysbind's words when none had any
 * (VIEWS_SHARE_FIRST_CERT).  An update that kept the certificate says nothing.
 */
static void
edit_note_certificate(const char *path, const char *before, const char *after,
    const struct sslcert_key *k, FILE *errout)
{
	struct conf *old = NULL, *c = NULL;
	const struct conf_sslcert *e;
	const struct binding_share *s;
	struct binding_share *sh = NULL;
	struct cert_choice ch;
	size_t nsh = 0, i;
	int other = 0, none = 0;

	if (k->kind != SSLCERT_IPPORT || (c = edit_parse_certs(after, path)) == NULL ||
	    (e = conf_find_sslcert(c, k)) == NULL || binding_shares(c, &sh, &nsh) != 0 ||
	    (s = binding_share_of(sh, nsh, e)) == NULL || (old = edit_parse_certs(before,
	    path)) == NULL)
		goto done;
	for (i = 0; i < s->nmembers; i++) {
		const struct binding *b = s->members[i].binding;
		struct binding_addr local = b->addr;

		if (local.family == AF_UNSPEC) {
			memset(&local, 0, sizeof(local));
			local.family = AF_INET;
		}
		binding_choose_cert(old, &local, b->port, NULL, &ch);
		if (ch.entry == NULL)
			none = 1;
		else if (!edit_same_certificate(ch.entry, e))
			other = 1;
	}
	if (other)
		edit_share_note(s, VIEWS_SHARE_NEW_CERT, NULL, errout);
	else if (none)
		edit_share_note(s, VIEWS_SHARE_FIRST_CERT, NULL, errout);
done:
	binding_shares_free(sh, nsh);
	conf_free(old);
	conf_free(c);
}

/* ---- appcmd ---- */

/* appcmd's verbs and objects this emulation takes. */
#define AV_SET  0x1
#define AV_LIST 0x2
#define AV_LIST_CONFIG 0x4
#define AV_SET_CONFIG  0x8

enum appcmd_arg {
	AA_IDENTIFIER,     /* the site, positional or /site.name: */
	AA_BINDING_ADD,    /* /+bindings.[...] */
	AA_BINDING_REMOVE, /* /-bindings.[...] */
	AA_FILTER_NAME,    /* list: /name: */
	AA_FILTER_ID,      /* list: /id: */
	AA_FILTER_STATE,   /* list: /state: */
	AA_SECTION,        /* list|set config: -section: */
	AA_SSLFLAGS,       /* set config: /sslFlags: */
	AA_COMMIT,         /* set config: /commit: */
	AA_SITE_ATTR,      /* set config -section:system.applicationHost/sites:
	                    * /[name='SITE'].hsts.ATTR:VALUE (may be repeated) */
};

/* One appcmd parameter: its prefix (compared case-insensitively, as appcmd does). */
static const struct {
	const char      *prefix;
	enum appcmd_arg  arg;
	unsigned         verbs;
} appcmd_params[] = {
	{ "/site.name:", AA_IDENTIFIER, AV_SET | AV_LIST },
	{ "/+bindings.", AA_BINDING_ADD, AV_SET },
	{ "/-bindings.", AA_BINDING_REMOVE, AV_SET },
	{ "/name:", AA_FILTER_NAME, AV_LIST },
	{ "/id:", AA_FILTER_ID, AV_LIST },
	{ "/state:", AA_FILTER_STATE, AV_LIST },
	{ "-section:", AA_SECTION, AV_LIST_CONFIG | AV_SET_CONFIG },
	{ "/section:", AA_SECTION, AV_LIST_CONFIG | AV_SET_CONFIG },
	{ "/sslFlags:", AA_SSLFLAGS, AV_SET_CONFIG },
	{ "-sslFlags:", AA_SSLFLAGS, AV_SET_CONFIG },
	{ "/commit:", AA_COMMIT, AV_SET_CONFIG },
	{ "-commit:", AA_COMMIT, AV_SET_CONFIG },
	{ "/[", AA_SITE_ATTR, AV_SET_CONFIG },
	{ "-[", AA_SITE_ATTR, AV_SET_CONFIG },
};

/* The section IIS 10's <hsts> is set through (iis-docs sites/site/hsts.md's AppCmd.exe
 * sample), and its attributes: the [site] key each is, whether it is a boolean. */
#define APPCMD_SITES "system.applicationHost/sites"
static const struct {
	const char *attr, *key;
	int         boolean;
} appcmd_hsts_attrs[] = {
	{ "enabled", "hsts", 1 },
	{ "max-age", "hsts_max_age", 0 },
	{ "includeSubDomains", "hsts_include_subdomains", 1 },
	{ "preload", "hsts_preload", 1 },
	{ "redirectHttpToHttps", "hsts_redirect_http", 1 },
};
#define APPCMD_NHSTS (sizeof(appcmd_hsts_attrs) / sizeof(appcmd_hsts_attrs[0]))
#define APPCMD_SITE_ATTRS_MAX 16

/* The one configuration section appcmd's config commands are emulated for. */
#define APPCMD_ACCESS "system.webServer/security/access"
#define APPCMD_NPARAMS (sizeof(appcmd_params) / sizeof(appcmd_params[0]))

/* The attributes of a binding element in /+bindings.[name='value',...]. */
static const char *const appcmd_binding_attrs[] = { "protocol", "bindingInformation",
    "sslFlags" };
#define APPCMD_NATTRS (sizeof(appcmd_binding_attrs) / sizeof(appcmd_binding_attrs[0]))

/* sslFlags as appcmd takes it: a number, or IIS's flag names joined by commas. */
static int
appcmd_sslflags_valid(const char *v)
{
	unsigned long u;
	char msg[256];

	return *v != '\0' && conf_flag_words_parse(conf_binding_flag_words, "sslFlags", v, &u,
	    msg, sizeof(msg)) == 0;
}

/*
 * Parse appcmd's "[protocol='https',bindingInformation='*:443:host',sslFlags='1']" into
 * "protocol/bindingInformation".  Every attribute once, from appcmd_binding_attrs.
 * Returns 0 or -1.
 */
static int
appcmd_binding(const char *spec, char *out, size_t outlen)
{
	char vals[APPCMD_NATTRS][512];
	int seen[APPCMD_NATTRS];
	const char *p = spec;
	size_t i;

	memset(seen, 0, sizeof(seen));
	if (*p++ != '[')
		return -1;
	while (*p != '\0' && *p != ']') {
		char name[64], val[512];
		size_t n = strcspn(p, "=");
		char q;
		const char *e;

		if (p[n] != '=' || n >= sizeof(name))
			return -1;
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p += n + 1;
		q = (*p == '\'' || *p == '"') ? *p++ : '\0';
		e = q != '\0' ? strchr(p, q) : p + strcspn(p, ",]");
		if (e == NULL || (size_t)(e - p) >= sizeof(val))
			return -1;
		snprintf(val, sizeof(val), "%.*s", (int)(e - p), p);
		p = e + (q != '\0');
		for (i = 0; i < APPCMD_NATTRS; i++)
			if (strcasecmp(name, appcmd_binding_attrs[i]) == 0)
				break;
		if (i == APPCMD_NATTRS || seen[i])
			return -1;
		seen[i] = 1;
		snprintf(vals[i], sizeof(vals[i]), "%s", val);
		if (*p == ',')
			p++;
	}
	if (*p != ']' || p[1] != '\0' || !seen[0] || !seen[1] || vals[0][0] == '\0' ||
	    vals[1][0] == '\0')
		return -1;
	if (seen[2] && !appcmd_sslflags_valid(vals[2]))
		return -1;
	if (strlen(vals[0]) + 1 + strlen(vals[1]) >= outlen)
		return -1;
	memcpy(out, vals[0], strlen(vals[0]));
	out[strlen(vals[0])] = '/';
	memcpy(out + strlen(vals[0]) + 1, vals[1], strlen(vals[1]) + 1);
	return 0;
}

static int
appcmd_error(FILE *out, const char *hresult, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
appcmd_error(FILE *out, const char *hresult, const char *fmt, ...)
{
	va_list ap;

	fputs("ERROR ( ", out);
	if (hresult != NULL)
		fprintf(out, "hresult:%s, ", hresult);
	fputs("message:", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputs(" )\n", out);
	return 1;
}

/* `appcmd list site [IDENTIFIER] [/name:N] [/id:N] [/state:Started|Stopped]`. */
static int
appcmd_list_site(const char *path, const char *name, const char *const *filters,
    FILE *out, FILE *errout)
{
	struct conf *c = edit_load(path, errout), view;
	struct conf_site *keep = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (c == NULL)
		return 2;
	if (c->nsites > 0 && (keep = calloc(c->nsites, sizeof(*keep))) == NULL) {
		conf_free(c);
		fprintf(errout, "sysbind: out of memory\n");
		return 2;
	}
	for (i = 0; i < c->nsites; i++) {
		const struct conf_site *s = &c->sites[i];
		char id[32];

		snprintf(id, sizeof(id), "%ld", s->id);
		if (name != NULL && strcasecmp(s->name, name) != 0)
			continue;
		if (filters[AA_FILTER_NAME] != NULL && strcasecmp(s->name, filters[AA_FILTER_NAME]) != 0)
			continue;
		if (filters[AA_FILTER_ID] != NULL && strcmp(id, filters[AA_FILTER_ID]) != 0)
			continue;
		if (filters[AA_FILTER_STATE] != NULL &&
		    strcasecmp(s->stopped ? "Stopped" : "Started", filters[AA_FILTER_STATE]) != 0)
			continue;
		keep[n++] = *s;
	}
	if (name != NULL && n == 0) {
		rc = appcmd_error(out, NULL, "Cannot find SITE object with identifier \"%s\".", name);
	} else {
		view = *c;
		view.sites = keep;
		view.nsites = n;
		if (views_list_site(&view, out) != 0)
			rc = 1;
	}
	free(keep);
	conf_free(c);
	return rc;
}

/*
 * The site a configuration path ("MySite V2/secure") names: the longest site name the
 * path starts with (without case), followed by "/" or nothing; *rest gets the rest.
 */
static const struct conf_site *
appcmd_config_site(const struct conf *c, const char *where, const char **rest)
{
	const struct conf_site *best = NULL;
	size_t i, bestlen = 0;

	for (i = 0; i < c->nsites; i++) {
		size_t n = strlen(c->sites[i].name);

		if (strncasecmp(where, c->sites[i].name, n) != 0 ||
		    (where[n] != '\0' && where[n] != '/') || (best != NULL && n <= bestlen))
			continue;
		best = &c->sites[i];
		bestlen = n;
	}
	*rest = best != NULL ? where + bestlen : where;
	return best;
}

static int
appcmd_config_path_error(FILE *out, const char *where)
{
	return appcmd_error(out, NULL, "Config Error Unrecognized configuration path "
	    "'MACHINE/WEBROOT/APPHOST/%s'", where);
}

/*
 * `appcmd list config ["SITE[/PATH]"] -section:system.webServer/security/access`: the
 * effective <access sslFlags> there (the longest [location], else the site's, else the
 * server level's; without a path, the server level's: [server] ssl_flags), as appcmd
 * prints a section.
 */
static int
appcmd_list_config(const char *path, const char *where, FILE *out, FILE *errout)
{
	struct conf *c;
	const struct conf_site *site;
	const char *rest = "";
	char flags[128];
	unsigned access;

	if ((c = edit_load(path, errout)) == NULL)
		return 2;
	access = c->ssl_flags;
	if (where != NULL && where[0] != '\0') {
		if ((site = appcmd_config_site(c, where, &rest)) == NULL) {
			conf_free(c);
			return appcmd_config_path_error(out, where);
		}
		access = clientcert_access(c, site, rest[0] != '\0' ? rest : "/", NULL);
	}
	fprintf(out, "<system.webServer>\n  <security>\n    <access sslFlags=\"%s\" />\n"
	    "  </security>\n</system.webServer>\n", conf_access_format(access, flags,
	    sizeof(flags)));
	conf_free(c);
	return ferror(out) ? 1 : 0;
}

/*
 * text with [server] ssl_flags = flags: the key set in [server], or a [server] section
 * holding it added before the first section when the file has none.  NULL with *st and
 * err on failure.
 */
static char *
appcmd_server_flags(const char *text, const char *flags, enum edit_status *st, char *err,
    size_t errlen)
{
	struct edit_doc d;
	char *next, *ins = NULL;
	size_t at;

	if ((next = edit_section_key(text, "server", "", "ssl_flags", flags, st, err,
	    errlen)) != NULL || *st != EDIT_NOT_FOUND)
		return next;
	memset(&d, 0, sizeof(d));
	if (doc_parse(&d, text) != 0 || asprintf(&ins, "[server]%sssl_flags = %s%s%s", d.eol,
	    flags, d.eol, d.nsecs > 0 ? d.eol : "") < 0) {
		ins = NULL;
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	/* before the first section and the comment lines right above it, which are its */
	at = d.nsecs > 0 ? d.secs[0].header : d.nlines;
	while (at > 0 && line_is_blank_or_comment(&d, at - 1) && !line_is_blank(&d, at - 1))
		at--;
	if ((next = insert_lines(&d, at, ins)) == NULL) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
	} else {
		*st = EDIT_OK;
	}
done:
	free(ins);
	doc_free(&d);
	return next;
}

/*
 * `appcmd set config ["SITE[/PATH]"] -section:system.webServer/security/access
 * /sslFlags:"..." [/commit:apphost]`: the site's ssl_flags, or the ssl_flags of its
 * [location SITE/PATH] (added after the site's section when there is none); without a
 * path (where NULL or ""), the server level's, [server] ssl_flags, as IIS's appcmd writes
 * the section at the root of applicationHost.config, every site's that sets none.
 */
static int
appcmd_set_config(const char *path, const char *where, const char *flags, FILE *out,
    FILE *errout)
{
	struct conf *c;
	const struct conf_site *site = NULL;
	const struct conf_location *loc = NULL;
	const char *rest;
	char *text = NULL, *next = NULL, *lpath = NULL, *whole = NULL, *q = NULL, *ins = NULL;
	char err[16384], msg[512];
	enum edit_status st = EDIT_OK;
	struct edit_doc d;
	size_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((c = edit_load(path, errout)) == NULL)
		return 2;
	if (where == NULL || where[0] == '\0') {
		if ((text = edit_slurp(path, errout)) == NULL) {
			rc = 2;
			goto done;
		}
		next = appcmd_server_flags(text, flags, &st, err, sizeof(err));
		goto write;
	}
	if ((site = appcmd_config_site(c, where, &rest)) == NULL) {
		conf_free(c);
		return appcmd_config_path_error(out, where);
	}
	if (conf_location_path(rest, &lpath, msg, sizeof(msg)) != 0) {
		fprintf(errout, "sysbind: appcmd set config \"%s\": %s\n", where, msg);
		conf_free(c);
		return appcmd_config_path_error(out, where);
	}
	for (i = 0; i < site->nlocations; i++)
		if (strcasecmp(c->locations[site->locations[i]].path, lpath) == 0)
			loc = &c->locations[site->locations[i]];
	if ((text = edit_slurp(path, errout)) == NULL) {
		rc = 2;
		goto done;
	}
	if (loc != NULL) {
		next = edit_section_key(text, "location", loc->name, "ssl_flags", flags, &st, err,
		    sizeof(err));
	} else if (strcmp(lpath, "/") == 0) {
		next = edit_section_key(text, "site", site->name, "ssl_flags", flags, &st, err,
		    sizeof(err));
	} else {
		const struct edit_section *s;

		if (asprintf(&whole, "%s%s", site->name, lpath) < 0 ||
		    (q = conf_name_quote(whole)) == NULL || doc_parse(&d, text) != 0 ||
		    (s = find_section(&d, "site", site->name)) == NULL) {
			snprintf(err, sizeof(err), "out of memory");
			st = EDIT_INVALID;
		} else if (asprintf(&ins, "%s[location %s]%sssl_flags = %s%s%s", d.eol, q, d.eol,
		    flags, d.eol, section_block_end(&d, s) < d.nlines &&
		    !line_is_blank(&d, section_block_end(&d, s)) ? d.eol : "") < 0) {
			ins = NULL;
			snprintf(err, sizeof(err), "out of memory");
			st = EDIT_INVALID;
		} else {
			next = insert_lines(&d, section_block_end(&d, s), ins);
		}
	}
write:
	if (next == NULL) {
		rc = appcmd_error(out, "80070057", "%s", err);
		goto done;
	}
	if ((rc = edit_file_write(path, next, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		print_lines(errout, err);
		rc = appcmd_error(out, "80070057", "Failed to commit configuration changes.");
		goto done;
	}
	fprintf(out, "Applied configuration changes to section \"" APPCMD_ACCESS "\" for "
	    "\"MACHINE/WEBROOT/APPHOST%s%s\" at configuration commit path "
	    "\"MACHINE/WEBROOT/APPHOST\"\n", site != NULL ? "/" : "", site != NULL ? where : "");
	rc = 0;
done:
	doc_free(&d);
	free(ins);
	free(q);
	free(whole);
	free(lpath);
	free(next);
	free(text);
	conf_free(c);
	return rc;
}

/*
 * One "[name='SITE'].hsts.ATTR:VALUE" (the leading '/' gone) as appcmd takes it: the site's
 * name (into name), the [site] key and its value as the file spells it (on/off for a
 * boolean).  Returns 0, or -1 with appcmd's complaint in msg.
 */
static int
appcmd_site_attr(const char *spec, char *name, size_t namelen, const char **key, char *value,
    size_t valuelen, char *msg, size_t msglen)
{
	const char *p = spec, *end, *attr, *colon, *v;
	size_t i, alen;

	if (strncasecmp(p, "[name=", 6) != 0 || (p[6] != '\'' && p[6] != '"')) {
		snprintf(msg, msglen, "Malformed collection indexer; format is "
		    "[@position,name='value',name2='value2',...].");
		return -1;
	}
	if ((end = strchr(p + 7, p[6])) == NULL || end[1] != ']') {
		snprintf(msg, msglen, "Malformed collection indexer; format is "
		    "[@position,name='value',name2='value2',...].");
		return -1;
	}
	snprintf(name, namelen, "%.*s", (int)(end - (p + 7)), p + 7);
	p = end + 2;
	if (strncasecmp(p, ".hsts.", 6) != 0 || (colon = strchr(p + 6, ':')) == NULL) {
		snprintf(msg, msglen, "sysbind emulates the <hsts> attributes of a site in this "
		    "section: /[name='SITE'].hsts.ATTRIBUTE:VALUE, not \"/%s\"", spec);
		return -1;
	}
	attr = p + 6;
	alen = (size_t)(colon - attr);
	for (i = 0; i < APPCMD_NHSTS; i++)
		if (strlen(appcmd_hsts_attrs[i].attr) == alen &&
		    strncasecmp(appcmd_hsts_attrs[i].attr, attr, alen) == 0)
			break;
	if (i == APPCMD_NHSTS) {
		snprintf(msg, msglen, "Unknown attribute \"%.*s\".  Replace with one of: enabled, "
		    "max-age, includeSubDomains, preload, redirectHttpToHttps", (int)alen, attr);
		return -1;
	}
	*key = appcmd_hsts_attrs[i].key;
	v = colon + 1;
	alen = strlen(v);
	if (alen >= 2 && (v[0] == '"' || v[0] == '\'') && v[alen - 1] == v[0]) {
		v++;
		alen -= 2;
	}
	if (appcmd_hsts_attrs[i].boolean) {
		if (alen == 4 && strncasecmp(v, "true", 4) == 0)
			snprintf(value, valuelen, "on");
		else if (alen == 5 && strncasecmp(v, "false", 5) == 0)
			snprintf(value, valuelen, "off");
		else {
			snprintf(msg, msglen, "The value \"%.*s\" of attribute %s is not a boolean "
			    "(true or false)", (int)alen, v, appcmd_hsts_attrs[i].attr);
			return -1;
		}
	} else {
		char num[32], *e;
		unsigned long long n;

		snprintf(num, sizeof(num), "%.*s", (int)alen, v);
		errno = 0;
		n = strtoull(num, &e, 10);
		if (alen == 0 || alen >= sizeof(num) || *e != '\0' ||
		    !isdigit((unsigned char)num[0]) || errno != 0 || n > 4294967295ULL) {
			snprintf(msg, msglen, "The value \"%.*s\" of attribute %s is not a uint (0 to "
			    "4294967295)", (int)alen, v, appcmd_hsts_attrs[i].attr);
			return -1;
		}
		snprintf(value, valuelen, "%llu", n);
	}
	return 0;
}

/*
 * `appcmd set config -section:system.applicationHost/sites
 * "/[name='SITE'].hsts.ATTR:VALUE" ... [/commit:apphost]`: IIS 10's <hsts> of the sites
 * named, as the [site] keys of sysbind.ini(5); every change or none.
 */
static int
appcmd_set_sites(const char *path, const char *const *specs, size_t nspecs, FILE *out,
    FILE *errout)
{
	struct conf *c;
	char *text = NULL, *next, err[16384], name[2048], value[32], msg[600];
	const char *key;
	enum edit_status st;
	size_t i, k;
	int rc;

	if ((c = edit_load(path, errout)) == NULL)
		return 2;
	if ((text = edit_slurp(path, errout)) == NULL) {
		conf_free(c);
		return 2;
	}
	for (i = 0; i < nspecs; i++) {
		const struct conf_site *site = NULL;

		if (appcmd_site_attr(specs[i] + 1, name, sizeof(name), &key, value, sizeof(value),
		    msg, sizeof(msg)) != 0) {
			rc = appcmd_error(out, "80070057", "%s", msg);
			goto done;
		}
		for (k = 0; k < c->nsites && site == NULL; k++)
			if (strcasecmp(c->sites[k].name, name) == 0)
				site = &c->sites[k];
		if (site == NULL) {
			rc = appcmd_error(out, "80070490", "Cannot find requested collection element.");
			goto done;
		}
		if ((next = edit_section_key(text, "site", site->name, key, value, &st, err,
		    sizeof(err))) == NULL) {
			rc = appcmd_error(out, "80070057", "%s", err);
			goto done;
		}
		free(text);
		text = next;
	}
	if ((rc = edit_file_write(path, text, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		print_lines(errout, err);
		rc = appcmd_error(out, "80070057", "Failed to commit configuration changes.");
		goto done;
	}
	fprintf(out, "Applied configuration changes to section \"" APPCMD_SITES "\" for "
	    "\"MACHINE/WEBROOT/APPHOST\" at configuration commit path "
	    "\"MACHINE/WEBROOT/APPHOST\"\n");
	rc = 0;
done:
	free(text);
	conf_free(c);
	return rc;
}

int
edit_appcmd(const char *path, int nwords, char *const *words, FILE *out, FILE *errout)
{
	const char *site_attrs[APPCMD_SITE_ATTRS_MAX];
	size_t nsite_attrs = 0;
	const char *args[AA_COMMIT + 1];
	char binding[600], err[16384], sslflags[256], *text = NULL, *next;
	unsigned verb;
	int i, rc;
	size_t k;
	enum edit_status st;

	memset(args, 0, sizeof(args));
	if (nwords >= 2 && strcasecmp(words[0], "list") == 0 &&
	    (strcasecmp(words[1], "site") == 0 || strcasecmp(words[1], "sites") == 0)) {
		verb = AV_LIST;
	} else if (nwords >= 2 && strcasecmp(words[0], "set") == 0 &&
	    strcasecmp(words[1], "site") == 0) {
		verb = AV_SET;
	} else if (nwords >= 2 && strcasecmp(words[1], "config") == 0 &&
	    (strcasecmp(words[0], "list") == 0 || strcasecmp(words[0], "set") == 0)) {
		verb = strcasecmp(words[0], "list") == 0 ? AV_LIST_CONFIG : AV_SET_CONFIG;
	} else {
		fprintf(errout, "sysbind: appcmd: supported: set site /site.name:NAME "
		    "/+bindings.[protocol='https',bindingInformation='*:443:host'] (or /-bindings.[...]), "
		    "list site [NAME] [/name:N] [/id:N] [/state:Started|Stopped], "
		    "list config [\"SITE/PATH\"] -section:" APPCMD_ACCESS ", "
		    "set config [\"SITE/PATH\"] -section:" APPCMD_ACCESS " /sslFlags:\"...\", "
		    "set config -section:" APPCMD_SITES " \"/[name='SITE'].hsts.enabled:true\"\n");
		return 2;
	}
	for (i = 2; i < nwords; i++) {
		const char *w = words[i];
		enum appcmd_arg a = AA_IDENTIFIER;

		if (w[0] == '/' || w[0] == '-') {
			for (k = 0; k < APPCMD_NPARAMS; k++)
				if (strncasecmp(w, appcmd_params[k].prefix,
				    strlen(appcmd_params[k].prefix)) == 0)
					break;
			if (k == APPCMD_NPARAMS || !(appcmd_params[k].verbs & verb)) {
				fprintf(errout, "sysbind: appcmd %s %s: unsupported argument \"%s\"\n",
				    words[0], words[1], w);
				return 2;
			}
			a = appcmd_params[k].arg;
			w += strlen(appcmd_params[k].prefix);
		}
		if (a == AA_SITE_ATTR) {
			/* appcmd takes several attribute changes in one command */
			if (nsite_attrs == APPCMD_SITE_ATTRS_MAX) {
				fprintf(errout, "sysbind: appcmd set config: at most %d attribute "
				    "changes in one command\n", APPCMD_SITE_ATTRS_MAX);
				return 2;
			}
			site_attrs[nsite_attrs++] = words[i];
			continue;
		}
		/* one identifier, and one binding change per command */
		if (a == AA_BINDING_REMOVE && args[AA_BINDING_ADD] != NULL)
			a = AA_BINDING_ADD;
		if (a == AA_BINDING_ADD && args[AA_BINDING_REMOVE] != NULL)
			a = AA_BINDING_REMOVE;
		if (args[a] != NULL) {
			fprintf(errout, "sysbind: appcmd %s %s: \"%s\" given twice\n", words[0],
			    words[1], words[i]);
			return 2;
		}
		args[a] = w;
		if (a == AA_BINDING_ADD || a == AA_BINDING_REMOVE)
			args[a] = words[i];
		if (a == AA_SSLFLAGS && w[0] == '"' && strlen(w) >= 2 && w[strlen(w) - 1] == '"') {
			/* /sslFlags:"Ssl, SslNegotiateCert" as cmd.exe passes it: the quotes go */
			snprintf(sslflags, sizeof(sslflags), "%.*s", (int)strlen(w) - 2, w + 1);
			args[a] = sslflags;
		}
	}
	if (verb == AV_LIST)
		return appcmd_list_site(path, args[AA_IDENTIFIER], args, out, errout);
	if (verb == AV_SET_CONFIG && args[AA_SECTION] != NULL &&
	    strcasecmp(args[AA_SECTION], APPCMD_SITES) == 0) {
		if (args[AA_IDENTIFIER] != NULL || nsite_attrs == 0 || args[AA_SSLFLAGS] != NULL) {
			fprintf(errout, "sysbind: appcmd set config -section:" APPCMD_SITES " takes "
			    "no path, and \"/[name='SITE'].hsts.ATTRIBUTE:VALUE\" (enabled, max-age, "
			    "includeSubDomains, preload, redirectHttpToHttps)\n");
			return 2;
		}
		if (args[AA_COMMIT] != NULL && strcasecmp(args[AA_COMMIT], "apphost") != 0) {
			fprintf(errout, "sysbind: appcmd set config: /commit:%s: sysbind keeps one "
			    "configuration, IIS's apphost (/commit:apphost)\n", args[AA_COMMIT]);
			return 2;
		}
		return appcmd_set_sites(path, site_attrs, nsite_attrs, out, errout);
	}
	if (nsite_attrs > 0) {
		fprintf(errout, "sysbind: appcmd set config: \"%s\" belongs to -section:"
		    APPCMD_SITES "\n", site_attrs[0]);
		return 2;
	}
	if (verb == AV_LIST_CONFIG || verb == AV_SET_CONFIG) {
		if (args[AA_SECTION] == NULL || strcasecmp(args[AA_SECTION], APPCMD_ACCESS) != 0) {
			fprintf(errout, "sysbind: appcmd %s config: only -section:" APPCMD_ACCESS
			    " is emulated%s%s\n", words[0], args[AA_SECTION] != NULL ? ", not " : "",
			    args[AA_SECTION] != NULL ? args[AA_SECTION] : "");
			return 2;
		}
		if (verb == AV_LIST_CONFIG)
			return appcmd_list_config(path, args[AA_IDENTIFIER], out, errout);
		if (args[AA_SSLFLAGS] == NULL) {
			fprintf(errout, "sysbind: appcmd set config needs /sslFlags:\"...\" (and "
			    "\"SITE[/PATH]\", or none for the server level)\n");
			return 2;
		}
		if (args[AA_COMMIT] != NULL && strcasecmp(args[AA_COMMIT], "apphost") != 0) {
			fprintf(errout, "sysbind: appcmd set config: /commit:%s: sysbind keeps one "
			    "configuration, IIS's apphost (/commit:apphost)\n", args[AA_COMMIT]);
			return 2;
		}
		return appcmd_set_config(path, args[AA_IDENTIFIER], args[AA_SSLFLAGS], out, errout);
	}
	if (args[AA_IDENTIFIER] == NULL ||
	    (args[AA_BINDING_ADD] == NULL && args[AA_BINDING_REMOVE] == NULL)) {
		fprintf(errout, "sysbind: appcmd set site needs /site.name:NAME and "
		    "/+bindings.[...] or /-bindings.[...]\n");
		return 2;
	}
	{
		const char *change = args[AA_BINDING_ADD] != NULL ? args[AA_BINDING_ADD] :
		    args[AA_BINDING_REMOVE];
		const char *site = args[AA_IDENTIFIER];
		int add = change[1] == '+';

		if (appcmd_binding(change + strlen("/+bindings."), binding, sizeof(binding)) != 0)
			return appcmd_error(out, "80070057", "Malformed collection indexer; format is "
			    "[@position,name='value',name2='value2',...].  The @position specifier is "
			    "optional, and be '@start', '@end', or '@N' where N is a numeric index into "
			    "the collection.");
		if ((text = edit_slurp(path, errout)) == NULL)
			return 2;
		next = add ? edit_binding_add(text, site, binding, &st, err, sizeof(err)) :
		    edit_binding_remove(text, site, binding, &st, err, sizeof(err));
		if (next == NULL) {
			const char *slash = strchr(binding, '/');

			if (st == EDIT_NOT_FOUND && strncmp(err, "no [site", 8) == 0)
				rc = appcmd_error(out, NULL, "Cannot find SITE object with identifier "
				    "\"%s\".", site);
			else if (st == EDIT_DUPLICATE)
				rc = appcmd_error(out, "800700b7", "Failed to commit configuration "
				    "changes.\nCannot add duplicate collection entry of type 'binding' with "
				    "combined key attributes 'protocol, bindingInformation' respectively set "
				    "to '%.*s, %s'\n.", (int)(slash - binding), binding, slash + 1);
			else if (st == EDIT_NOT_FOUND)
				rc = appcmd_error(out, "80070490", "Cannot find requested collection "
				    "element.");
			else
				rc = appcmd_error(out, "80070057", "%s", err);
			if (st != EDIT_NOT_FOUND || strncmp(err, "no [site", 8) != 0)
				fprintf(errout, "sysbind: %s\n", err);
			free(text);
			return rc;
		}
		if ((rc = edit_file_write(path, next, err, sizeof(err))) != 0) {
			fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
			    ": the result would be invalid:" : "");
			print_lines(errout, err);
			rc = appcmd_error(out, "80070057", "Failed to commit configuration changes.");
		} else {
			struct edit_doc d;
			const struct edit_section *s;

			/* appcmd names the site as the configuration spells it */
			if (doc_parse(&d, next) == 0 && (s = find_site(&d, site)) != NULL)
				fprintf(out, "SITE object \"%s\" changed\n", s->name);
			else
				fprintf(out, "SITE object \"%s\" changed\n", site);
			doc_free(&d);
			rc = 0;
			if (add)
				edit_note_joined(path, next, site, binding, errout);
		}
		free(text);
		free(next);
		return rc;
	}
}

/* ---- netsh ---- */

#define NV_ADD    0x1
#define NV_DELETE 0x2
#define NV_SHOW   0x4
#define NV_UPDATE 0x8
#define NK_IPPORT 0x10     /* the entry kinds a parameter is for */
#define NK_HOST   0x20
#define NK_CCS    0x40
#define NK_ALL    (NK_IPPORT | NK_HOST | NK_CCS)
#define NK_CERT   (NK_IPPORT | NK_HOST)

/*
 * Every parameter of `netsh http add|update|delete|show sslcert` (netsh's own), in
 * the order they are written into the [sslcert] section.  A parameter with a conf key is
 * kept there (every one netsh documents is); one without would be what sysbind does not
 * emulate: netsh's default value accepted (nothing differs), any other refused by name,
 * the file untouched.
 */
#define KEPT(name, type, def, label) \
	{ name, type, NV_ADD | NV_UPDATE | NK_ALL, name, def, label }
static const struct edit_netsh_param netsh_params[] = {
	{ "ipport", EDIT_NETSH_IPPORT, NV_ADD | NV_DELETE | NV_SHOW | NV_UPDATE | NK_IPPORT,
	  NULL, NULL, "IP:port" },
	{ "hostnameport", EDIT_NETSH_HOSTNAMEPORT, NV_ADD | NV_DELETE | NV_SHOW | NV_UPDATE |
	  NK_HOST, NULL, NULL, "Hostname:port" },
	{ "ccs", EDIT_NETSH_CCS, NV_ADD | NV_DELETE | NV_SHOW | NV_UPDATE | NK_CCS, NULL, NULL,
	  "Central Certificate Store" },
	{ "scopedccs", EDIT_NETSH_SCOPEDCCS, NV_SHOW | NK_ALL, NULL, NULL, NULL },
	{ "certhash", EDIT_NETSH_HASH, NV_ADD | NV_UPDATE | NK_CERT, "certhash", NULL,
	  "Certificate Hash" },
	{ "directory", EDIT_NETSH_TEXT, NV_ADD | NV_UPDATE | NK_CCS, "directory", NULL, NULL },
	{ "password", EDIT_NETSH_TEXT, NV_ADD | NV_UPDATE | NK_CCS, "password", NULL, NULL },
	{ "appid", EDIT_NETSH_GUID, NV_ADD | NV_UPDATE | NK_ALL, "appid", NULL,
	  "Application ID" },
	{ "certstorename", EDIT_NETSH_TEXT, NV_ADD | NV_UPDATE | NK_CERT, "certstorename", NULL,
	  "Certificate Store Name" },
	KEPT("verifyclientcertrevocation", EDIT_NETSH_ENABLE, "enable",
	    "Verify Client Certificate Revocation"),
	KEPT("verifyrevocationwithcachedclientcertonly", EDIT_NETSH_ENABLE, "disable",
	    "Verify Revocation Using Cached Client Certificate Only"),
	KEPT("usagecheck", EDIT_NETSH_ENABLE, "enable", "Usage Check"),
	KEPT("revocationfreshnesstime", EDIT_NETSH_UINT, "0", "Revocation Freshness Time"),
	KEPT("urlretrievaltimeout", EDIT_NETSH_UINT, "0", "URL Retrieval Timeout"),
	KEPT("sslctlidentifier", EDIT_NETSH_TEXT, NULL, "Ctl Identifier"),
	KEPT("sslctlstorename", EDIT_NETSH_TEXT, NULL, "Ctl Store Name"),
	KEPT("dsmapperusage", EDIT_NETSH_ENABLE, "disable", "DS Mapper Usage"),
	KEPT("clientcertnegotiation", EDIT_NETSH_ENABLE, "disable",
	    "Negotiate Client Certificate"),
	KEPT("reject", EDIT_NETSH_ENABLE, "disable", "Reject Connections"),
	KEPT("disablehttp2", EDIT_NETSH_ENABLE, "disable", "Disable HTTP2"),
	KEPT("disablequic", EDIT_NETSH_ENABLE, "disable", "Disable QUIC"),
	KEPT("disablelegacytls", EDIT_NETSH_ENABLE, "disable", "Disable Legacy TLS Versions"),
	KEPT("disabletls12", EDIT_NETSH_ENABLE, "disable", "Disable TLS1.2"),
	KEPT("disabletls13", EDIT_NETSH_ENABLE, "disable", "Disable TLS1.3"),
	KEPT("disableocspstapling", EDIT_NETSH_ENABLE, "disable", "Disable OCSP Stapling"),
	KEPT("enabletokenbinding", EDIT_NETSH_ENABLE, "disable", "Enable Token Binding"),
	KEPT("logextendedevents", EDIT_NETSH_ENABLE, "disable", "Log Extended Events"),
	KEPT("enablesessionticket", EDIT_NETSH_ENABLE, "disable", "Enable Session Ticket"),
	KEPT("disablesessionid", EDIT_NETSH_ENABLE, "disable", "Disable Session ID"),
	{ "json", EDIT_NETSH_TEXT, NV_ADD | NV_SHOW | NK_ALL, NULL, NULL, NULL },
};

/*
 * `netsh http update sslpropertyex`: the entry's key, then propertyid=0
 * receivewindow=N, or propertyid=1 with maxsettingsperframe= and/or maxsettingsperminute=.
 */
static const struct edit_netsh_param netsh_propex_params[] = {
	{ "ipport", EDIT_NETSH_IPPORT, NV_UPDATE | NK_IPPORT, NULL, NULL, "IP:port" },
	{ "hostnameport", EDIT_NETSH_HOSTNAMEPORT, NV_UPDATE | NK_HOST, NULL, NULL,
	  "Hostname:port" },
	{ "ccs", EDIT_NETSH_CCS, NV_UPDATE | NK_CCS, NULL, NULL, "Central Certificate Store" },
	{ "propertyid", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, NULL, NULL, "PropertyId" },
	{ "receivewindow", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, "receivewindow", NULL,
	  "Receive Window" },
	{ "maxsettingsperframe", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, "maxsettingsperframe",
	  NULL, "Max Settings Per Frame" },
	{ "maxsettingsperminute", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, "maxsettingsperminute",
	  NULL, "Max Settings Per Minute" },
};
#define NETSH_NPROPEX (sizeof(netsh_propex_params) / sizeof(netsh_propex_params[0]))
#define NETSH_NPARAMS (sizeof(netsh_params) / sizeof(netsh_params[0]))

const struct edit_netsh_param *
edit_netsh_params(size_t *n)
{
	*n = NETSH_NPARAMS;
	return netsh_params;
}

static int
netsh_msg(FILE *out, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* netsh's messages: CRLF line ends, a blank line after, as the console shows them. */
static int
netsh_msg(FILE *out, int rc, const char *fmt, ...)
{
	va_list ap;

	fputs("\r\n", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputs("\r\n\r\n", out);
	return rc;
}

static int
netsh_syntax(FILE *out)
{
	return netsh_msg(out, 1, "One or more essential parameters were not entered.\r\n"
	    "Verify the required parameters, and reenter them.\r\n\r\n"
	    "The syntax supplied for this command is not valid. Check help for the correct "
	    "syntax.");
}

static int
netsh_incorrect(FILE *out)
{
	return netsh_msg(out, 1, "The parameter is incorrect.");
}

/* Whether v is a value netsh takes for a parameter of type t. */
static int
netsh_value_valid(enum edit_netsh_type t, const char *v)
{
	size_t i, n = 0;

	switch (t) {
	case EDIT_NETSH_ENABLE:
		return strcasecmp(v, "enable") == 0 || strcasecmp(v, "disable") == 0;
	case EDIT_NETSH_UINT:
		if (*v == '\0' || strlen(v) > 10 || strspn(v, "0123456789") != strlen(v))
			return 0;
		return strtoull(v, NULL, 10) <= 4294967295ULL;
	case EDIT_NETSH_GUID:
		return conf_guid_valid(v);
	case EDIT_NETSH_HASH:
		for (i = 0; v[i] != '\0'; i++, n++)
			if (!isxdigit((unsigned char)v[i]))
				return 0;
		return n == 40;
	case EDIT_NETSH_TEXT:
	case EDIT_NETSH_IPPORT:
	case EDIT_NETSH_HOSTNAMEPORT:
	case EDIT_NETSH_CCS:
	case EDIT_NETSH_SCOPEDCCS:
		return *v != '\0';
	}
	return 0;
}

static int
netsh_show(const char *path, const char *key, int scoped, FILE *out, FILE *errout)
{
	struct conf *c = edit_load(path, errout), view;
	struct sslcert_key k;
	const struct conf_sslcert *e = NULL;
	char msg[256];
	int rc = 0;

	if (c == NULL)
		return 2;
	view = *c;
	if (key != NULL) {
		if (!scoped && binding_sslkey_parse(key, &k, msg, sizeof(msg)) != 0) {
			fprintf(errout, "sysbind: %s\n", msg);
			conf_free(c);
			return netsh_incorrect(out);
		}
		/* sysbind has no scoped CCS entries: a scopedccs= key is never found */
		if (!scoped)
			e = conf_find_sslcert(c, &k);
		if (e == NULL) {
			conf_free(c);
			return netsh_msg(out, 1, "SSL Certificate bindings:\r\n"
			    "-------------------------\r\n\r\nThe system cannot find the file specified.");
		}
		view.sslcerts = (struct conf_sslcert *)e;
		view.nsslcerts = 1;
	}
	if (views_show_sslcert(&view, out, errout) != 0)
		rc = 1;
	conf_free(c);
	return rc;
}

/*
 * The [sslcert] keys netsh http update sslcert leaves alone: the Extended Properties,
 * which `update sslpropertyex` sets (decision: the reference does not say whether an
 * update of the binding resets them; HTTP.SYS keeps them as a property of their own).
 * Their non-default values in the entry key names, appended to kv as "key", "value"
 * pairs; vals holds the texts.  Returns the new nkv.
 */
static size_t
netsh_keep_propex(const char *text, const char *path, const struct sslcert_key *k,
    const char **kv, size_t nkv, char vals[][32], size_t nvals)
{
	char err[4096];
	struct conf *c = conf_parse(text, path, 0, err, sizeof(err));
	const struct conf_sslcert *e = c != NULL ? conf_find_sslcert(c, k) : NULL;
	size_t n, i, used = 0;
	const struct conf_key *t = conf_keys(&n);

	for (i = 0; e != NULL && i < n && used < nvals; i++) {
		const char *v;

		if (t[i].section != CONF_SECTION_SSLCERT || t[i].extprop == 0)
			continue;
		v = conf_key_value(&t[i], e, vals[used], sizeof(vals[0]));
		if (v == NULL || t[i].def == NULL || strcmp(v, t[i].def) == 0)
			continue;
		if (v != vals[used])
			snprintf(vals[used], sizeof(vals[0]), "%s", v);
		kv[nkv++] = t[i].name;
		kv[nkv++] = vals[used++];
	}
	conf_free(c);
	return nkv;
}

int
edit_netsh(const char *path, int nwords, char *const *words, FILE *out, FILE *errout)
{
	static const struct { const char *word; unsigned verb; const char *did, *doing; } verbs[] = {
		{ "add", NV_ADD, "added", "add" },
		{ "delete", NV_DELETE, "deleted", "deletion" },
		{ "show", NV_SHOW, NULL, NULL },
		{ "update", NV_UPDATE, "updated", "update" },
	};
	const char *val[NETSH_NPARAMS], *kv[2 * NETSH_NPARAMS + 8];
	char key[BINDING_HOST_MAX + 16] = "", err[16384], *text = NULL, *next = NULL;
	char lower[NETSH_NPARAMS][16], keep[3][32];
	const struct edit_netsh_param *tab = netsh_params;
	size_t ntab = NETSH_NPARAMS, nkv = 0, v, i, keyp;
	struct sslcert_key k;
	enum edit_status st;
	unsigned verb, kind;
	int rc, w, propex;

	memset(val, 0, sizeof(val));
	if (nwords < 3 || strcasecmp(words[0], "http") != 0 ||
	    (strcasecmp(words[2], "sslcert") != 0 && strcasecmp(words[2], "sslpropertyex") != 0)) {
		fprintf(errout, "sysbind: netsh: supported: http add|update|delete|show sslcert "
		    "[ipport=IP:PORT | hostnameport=NAME:PORT | ccs=PORT] ..., http update "
		    "sslpropertyex ... propertyid=0|1 ...\n");
		return 2;
	}
	propex = strcasecmp(words[2], "sslpropertyex") == 0;
	if (propex) {
		tab = netsh_propex_params;
		ntab = NETSH_NPROPEX;
	}
	keyp = ntab;
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcasecmp(words[1], verbs[v].word) == 0)
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0]) || (propex && verbs[v].verb != NV_UPDATE)) {
		fprintf(errout, "sysbind: netsh http %s %s: not supported (%s)\n", words[1],
		    words[2], propex ? "update" : "add, update, delete, show");
		return 2;
	}
	verb = verbs[v].verb;
	for (w = 3; w < nwords; w++) {
		const char *eq = strchr(words[w], '=');
		size_t n = eq != NULL ? (size_t)(eq - words[w]) : 0;

		for (i = 0; eq != NULL && i < ntab; i++)
			if (strlen(tab[i].name) == n && strncasecmp(words[w], tab[i].name, n) == 0)
				break;
		if (eq == NULL || i == ntab) {
			fprintf(errout, "sysbind: netsh http %s %s: unknown parameter \"%s\"\n",
			    words[1], words[2], words[w]);
			return netsh_syntax(out);
		}
		if (!(tab[i].flags & verb)) {
			fprintf(errout, "sysbind: netsh http %s %s: %s= is not a parameter of %s\n",
			    words[1], words[2], tab[i].name, words[1]);
			return netsh_syntax(out);
		}
		if (val[i] != NULL || (tab[i].type <= EDIT_NETSH_SCOPEDCCS && keyp != ntab)) {
			fprintf(errout, "sysbind: netsh http %s %s: %s given twice\n", words[1],
			    words[2], tab[i].type <= EDIT_NETSH_SCOPEDCCS ? "the entry's key" :
			    tab[i].name);
			return netsh_syntax(out);
		}
		val[i] = eq + 1;
		if (tab[i].type <= EDIT_NETSH_SCOPEDCCS)
			keyp = i;
		if (!netsh_value_valid(tab[i].type, val[i])) {
			fprintf(errout, "sysbind: netsh http %s %s: %s=%s: %s\n", words[1], words[2],
			    tab[i].name, val[i], tab[i].type == EDIT_NETSH_ENABLE ?
			    "enable or disable" : tab[i].type == EDIT_NETSH_UINT ?
			    "a number from 0 to 4294967295" : tab[i].type == EDIT_NETSH_GUID ?
			    "a GUID in braces" : tab[i].type == EDIT_NETSH_HASH ?
			    "a SHA-1 thumbprint of 40 hex digits" : "a value");
			return netsh_incorrect(out);
		}
		if (tab[i].type == EDIT_NETSH_ENABLE) {
			/* netsh takes Enable as well; the configuration spells it enable */
			snprintf(lower[i], sizeof(lower[i]), "%s", val[i]);
			for (n = 0; lower[i][n] != '\0'; n++)
				lower[i][n] = (char)tolower((unsigned char)lower[i][n]);
			val[i] = lower[i];
		}
	}

	/* the entry's key, as a [sslcert KEY] name */
	if (keyp != ntab) {
		if (tab[keyp].type == EDIT_NETSH_CCS)
			snprintf(key, sizeof(key), "ccs:%s", val[keyp]);
		else
			snprintf(key, sizeof(key), "%s", val[keyp]);
	}
	if (verb == NV_SHOW) {
		if (val[NETSH_NPARAMS - 1] != NULL) {   /* json= */
			fprintf(errout, "sysbind: netsh http show sslcert: json= is not emulated: "
			    "sysbind prints the text layout only\n");
			return 2;
		}
		return netsh_show(path, keyp != ntab ? key : NULL,
		    keyp != ntab && tab[keyp].type == EDIT_NETSH_SCOPEDCCS, out, errout);
	}
	if (keyp == ntab)
		return netsh_syntax(out);
	kind = tab[keyp].flags & NK_ALL;
	if (binding_sslkey_parse(key, &k, err, sizeof(err)) != 0 ||
	    (k.kind == SSLCERT_IPPORT) != (kind == NK_IPPORT) ||
	    (k.kind == SSLCERT_HOSTNAMEPORT) != (kind == NK_HOST)) {
		if (err[0] == '\0' || strstr(err, "sslcert") == NULL)
			snprintf(err, sizeof(err), "\"%s\" is not a %s key", val[keyp], tab[keyp].name);
		fprintf(errout, "sysbind: %s\n", err);
		return netsh_incorrect(out);
	}
	if (propex) {
		/* propertyid=0 with receivewindow; 1 with maxsettingsperframe/-perminute */
		const char *id = val[3];

		if (id == NULL || (strcmp(id, "0") != 0 && strcmp(id, "1") != 0)) {
			fprintf(errout, "sysbind: netsh http update sslpropertyex: propertyid=0 "
			    "(receivewindow=) or propertyid=1 (maxsettingsperframe=, "
			    "maxsettingsperminute=)\n");
			return id == NULL ? netsh_syntax(out) : netsh_incorrect(out);
		}
		for (i = 4; i < ntab; i++) {
			const struct conf_key *ck = conf_key_find(CONF_SECTION_SSLCERT,
			    tab[i].conf_key);

			if (val[i] == NULL)
				continue;
			if (ck == NULL || (int)ck->extprop != atoi(id) + 1) {
				fprintf(errout, "sysbind: netsh http update sslpropertyex: %s= belongs to "
				    "propertyid=%u\n", tab[i].name, ck != NULL ? ck->extprop - 1 : 0);
				return netsh_incorrect(out);
			}
			kv[nkv++] = tab[i].conf_key;
			kv[nkv++] = val[i];
		}
		if (nkv == 0) {
			fprintf(errout, "sysbind: netsh http update sslpropertyex: propertyid=%s needs "
			    "%s\n", id, strcmp(id, "0") == 0 ? "receivewindow=" :
			    "maxsettingsperframe= or maxsettingsperminute=");
			return netsh_syntax(out);
		}
	}
	if (!propex && (verb == NV_ADD || verb == NV_UPDATE)) {
		/* appid always; certhash for an ipport or hostnameport entry */
		for (i = 0; i < ntab; i++)
			if (strcmp(tab[i].name, "appid") == 0 && val[i] == NULL)
				return netsh_syntax(out);
		for (i = 0; i < ntab; i++) {
			const struct edit_netsh_param *q = &tab[i];

			if (val[i] == NULL || i == keyp)
				continue;
			if (!(q->flags & kind)) {
				fprintf(errout, "sysbind: netsh http %s sslcert: %s= does not apply to a "
				    "%s entry\n", words[1], q->name, tab[keyp].name);
				return netsh_incorrect(out);
			}
			if (q->conf_key != NULL) {
				kv[nkv++] = q->conf_key;
				kv[nkv++] = val[i];
			} else if (q->def == NULL || strcasecmp(val[i], q->def) != 0) {
				fprintf(errout, "sysbind: netsh http %s sslcert: %s=%s is not emulated by "
				    "sysbind%s%s%s: nothing was changed\n", words[1], q->name, val[i],
				    q->shows != NULL ? " (netsh would show \"" : "",
				    q->shows != NULL ? q->shows : "", q->shows != NULL ? "\")" : "");
				return 2;
			}
		}
		if (kind != NK_CCS) {
			for (i = 0; i < ntab; i++)
				if (strcmp(tab[i].name, "certhash") == 0 && val[i] == NULL)
					return netsh_syntax(out);
		}
	}
	if ((text = edit_slurp(path, errout)) == NULL)
		return 2;
	if (propex)
		next = edit_sslcert_set(text, key, kv, nkv / 2, &st, err, sizeof(err));
	else if (verb == NV_ADD)
		next = edit_sslcert_add(text, key, kv, nkv / 2, &st, err, sizeof(err));
	else if (verb == NV_UPDATE) {
		nkv = netsh_keep_propex(text, path, &k, kv, nkv, keep, 3);
		next = edit_sslcert_update(text, key, kv, nkv / 2, &st, err, sizeof(err));
	} else
		next = edit_sslcert_delete(text, key, &st, err, sizeof(err));
	if (next == NULL) {
		if (st == EDIT_DUPLICATE)
			rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 183\r\n"
			    "Cannot create a file when that file already exists.", verbs[v].word);
		else if (st == EDIT_NOT_FOUND)
			rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 2\r\n"
			    "The system cannot find the file specified.", verbs[v].doing);
		else
			rc = netsh_incorrect(out);
		fprintf(errout, "sysbind: %s\n", err);
		free(text);
		return rc;
	}
	/* netsh refuses a thumbprint the machine store does not hold (error 1312), or holds
	 * without its private key */
	for (i = 0; i < nkv; i += 2) {
		struct conf *c;
		const struct conf_sslcert *e;
		struct cert *found;

		if (strcmp(kv[i], "certhash") != 0)
			continue;
		c = conf_parse(next, path, 0, err, sizeof(err));
		e = c != NULL ? conf_find_sslcert(c, &k) : NULL;
		if (e != NULL && c->cert_store != NULL) {
			found = certstore_find_thumbprint(c->cert_store, kv[i + 1], e->pfx_password, 0,
			    err, sizeof(err));
			if (found == NULL) {
				rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 1312\r\n"
				    "A specified logon session does not exist. It may already have been "
				    "terminated.", verbs[v].doing);
				fprintf(errout, "sysbind: %s\n", err);
				conf_free(c);
				free(text);
				free(next);
				return rc;
			}
			certstore_cert_free(found);
		}
		conf_free(c);
	}
	if ((rc = edit_file_write(path, next, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		print_lines(errout, err);
		rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 87\r\n"
		    "The parameter is incorrect.", verbs[v].doing);
	} else {
		/* sslpropertyex's own message is not documented: netsh's update one */
		rc = netsh_msg(out, 0, "SSL Certificate successfully %s", verbs[v].did);
		if (!propex && (verb == NV_ADD || verb == NV_UPDATE))
			edit_note_certificate(path, text, next, &k, errout);
	}
	free(text);
	free(next);
	return rc;
}
