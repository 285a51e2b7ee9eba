/*
 * edit — the text edits behind appcmd's and netsh's commands on a sysbind configuration
 * file, touching only the lines they must (see edit.h).  This file owns the line-level
 * view of an INI file (sections, key lines, inline comments), the binding and [sslcert]
 * edits, the atomic write, and the steps every command shares (reading the file, loading
 * it for a view, the notes about shared bindings and certificates: edit_int.h).  The
 * commands' words and messages are edit_appcmd.c's and edit_netsh.c's.  What a valid
 * configuration is stays conf.c's (conf_parse); the `show`/`list` output stays views.c's.
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
#include "iis/edit_int.h"
#include "model/binding.h"
#include "model/clientcert.h"
#include "base/file.h"
#include "base/strlist.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "iis/views.h"

void
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

int
edit_line_is_blank_or_comment(const struct edit_doc *d, size_t i)
{
	size_t a, z;

	line_trim(d, i, &a, &z);
	return a == z || d->text[a] == ';' || d->text[a] == '#';
}

int
edit_line_is_blank(const struct edit_doc *d, size_t i)
{
	size_t a, z;

	line_trim(d, i, &a, &z);
	return a == z;
}

void
edit_doc_free(struct edit_doc *d)
{
	size_t i;

	for (i = 0; i < d->nsecs; i++)
		free(d->secs[i].name);
	free(d->lines);
	free(d->secs);
}

/* Split text into lines and sections, as conf_read.c's reader sees them (conf_header_find and
 * conf_header_parse read the headers, quoted names included).  Returns 0 or -1 (memory). */
int
edit_doc_parse(struct edit_doc *d, const char *text)
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
		if (!edit_line_is_blank_or_comment(d, i))
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
size_t
edit_section_block_end(const struct edit_doc *d, const struct edit_section *s)
{
	size_t end = s->last;

	if (s->last < d->nlines)
		while (end > s->header + 1 && edit_line_is_blank_or_comment(d, end - 1) &&
		    !edit_line_is_blank(d, end - 1))
			end--;
	while (end > s->header + 1 && edit_line_is_blank(d, end - 1))
		end--;
	return end;
}

const struct edit_section *
edit_find_site(const struct edit_doc *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nsecs; i++)
		if (strcmp(d->secs[i].kind, "site") == 0 && strcasecmp(d->secs[i].name, name) == 0)
			return &d->secs[i];
	return NULL;
}

/* The [sslcert] section whose key is k.  SSLKEY_SAME: the one the configuration would
 * take for the same entry (binding_sslkey_equal: an IPv4-mapped [::ffff:a.b.c.d] is
 * a.b.c.d), what an add must not duplicate.  SSLKEY_AS_NAMED: also written in the same
 * address family, what a delete or an update changes: Windows keys its table by the
 * SOCKADDR as given, and an edit never touches an entry the user did not name. */
enum sslkey_match { SSLKEY_SAME, SSLKEY_AS_NAMED };

static const struct edit_section *
find_sslcert(const struct edit_doc *d, const struct sslcert_key *k, enum sslkey_match m)
{
	size_t i;
	struct sslcert_key o;
	char msg[256];

	for (i = 0; i < d->nsecs; i++)
		if (strcmp(d->secs[i].kind, "sslcert") == 0 &&
		    binding_sslkey_parse(d->secs[i].name, &o, msg, sizeof(msg)) == 0 &&
		    binding_sslkey_equal(&o, k) &&
		    (m == SSLKEY_SAME || o.kind != SSLCERT_IPPORT || o.addr.family == k->addr.family))
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
char *
edit_insert_lines(const struct edit_doc *d, size_t before, const char *ins)
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
	if (edit_doc_parse(d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		return NULL;
	}
	if ((s = edit_find_site(d, site)) == NULL)
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
			out = edit_insert_lines(&d, last + 1, ins);
		}
	} else {
		if (asprintf(&ins, "bindings = %s%s", binding, d.eol) < 0)
			goto nomem;
		out = edit_insert_lines(&d, section_content_end(&d, s), ins);
	}
	if (out == NULL)
		goto nomem;
	goto done;
nomem:
	edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	free(ins);
	edit_doc_free(&d);
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
	edit_doc_free(&d);
	return out;
}

/* The section of kind named name: an [sslcert] by its key as HTTP.SYS compares keys, a
 * [site] by name without case, a [location] by its name without case. */
const struct edit_section *
edit_find_section(const struct edit_doc *d, const char *kind, const char *name)
{
	struct sslcert_key k;
	char msg[256];
	size_t i;

	if (strcmp(kind, "sslcert") == 0)
		return binding_sslkey_parse(name, &k, msg, sizeof(msg)) == 0 ?
		    find_sslcert(d, &k, SSLKEY_AS_NAMED) :
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
char *
edit_section_key(const char *text, const char *kind, const char *sec, const char *name,
    const char *value, enum edit_status *st, char *err, size_t errlen)
{
	struct edit_doc d;
	const struct edit_section *s;
	char *out = NULL, *ins = NULL;
	size_t i, va, vz;

	*st = EDIT_OK;
	if (edit_doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = edit_find_section(&d, kind, sec)) == NULL) {
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
	out = edit_insert_lines(&d, section_content_end(&d, s), ins);
check:
	if (out != NULL)
		goto done;
nomem:
	edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	free(ins);
	edit_doc_free(&d);
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
	if (edit_doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = find_sslcert(&d, &k, SSLKEY_SAME)) != NULL) {
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
				while (before > 0 && !edit_line_is_blank_or_comment(&d, before - 1))
					break;
				while (before > 0 && edit_line_is_blank_or_comment(&d, before - 1) &&
				    d.lines[before - 1].end > d.lines[before - 1].start)
					before--;
				blank_after = 1;
				break;
			}
		}
	}
	if ((f = open_memstream(&sec, &len)) == NULL)
		goto nomem;
	if (before > 0 && !(blank_after && edit_line_is_blank_or_comment(&d, before - 1) &&
	    d.lines[before - 1].end == d.lines[before - 1].start))
		fputs(d.eol, f);
	fprintf(f, "[sslcert %s]%s", key, d.eol);
	for (i = 0; i < nkv; i++)
		fprintf(f, "%s = %s%s", kv[2 * i], kv[2 * i + 1], d.eol);
	if (blank_after)
		fputs(d.eol, f);
	if (fclose(f) != 0)
		goto nomem;
	if ((out = edit_insert_lines(&d, before, sec)) == NULL)
		goto nomem;
	goto done;
nomem:
	edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
done:
	free(sec);
	edit_doc_free(&d);
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
	if (edit_doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = find_sslcert(&d, &k, SSLKEY_AS_NAMED)) == NULL) {
		edit_fail(st, EDIT_NOT_FOUND, err, errlen, "no [sslcert %s]", key);
		goto done;
	}
	/* the comment lines directly above the header describe it: they go too */
	from = s->header;
	while (from > 0 && d.lines[from - 1].end > d.lines[from - 1].start &&
	    edit_line_is_blank_or_comment(&d, from - 1))
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
	edit_doc_free(&d);
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
	if (edit_doc_parse(&d, text) != 0) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	if ((s = find_sslcert(&d, &k, SSLKEY_AS_NAMED)) == NULL) {
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
	edit_doc_free(&d);
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
char *
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
void
edit_print_lines(FILE *errout, const char *err)
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
struct conf *
edit_load(const char *path, FILE *errout)
{
	char err[16384];
	struct conf *c;
	size_t i;

	if ((c = conf_load(path, CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err))) == NULL) {
		edit_print_lines(errout, err);
		return NULL;
	}
	for (i = 0; i < c->nwarnings; i++)
		edit_print_lines(errout, c->warnings[i]);
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
void
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
void
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

