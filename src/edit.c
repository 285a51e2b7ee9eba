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
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "edit.h"
#include "binding.h"
#include "certstore.h"
#include "conf.h"
#include "views.h"

#define EDIT_LINE_MAX 199   /* Debian's inih reads at most 199 characters a line */

struct edit_line {
	size_t start, end, next;   /* [start, end) the text without its line end; next line */
};

struct edit_section {
	char   kind[16];
	char   name[512];
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

static void
doc_free(struct edit_doc *d)
{
	free(d->lines);
	free(d->secs);
}

/* Split text into lines and sections, as conf.c's reader sees them. */
static int
doc_parse(struct edit_doc *d, const char *text)
{
	size_t pos = 0, len = strlen(text), i;

	memset(d, 0, sizeof(*d));
	d->text = text;
	d->eol = "\n";
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		struct edit_line *nl2 = realloc(d->lines, (d->nlines + 1) * sizeof(*nl2)), *l;

		if (nl2 == NULL)
			return -1;
		d->lines = nl2;
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
		size_t a, z, k, n;
		const char *t;
		struct edit_section *ns, *s;
		char inner[600];

		line_trim(d, i, &a, &z);
		if (a == z || text[a] != '[')
			continue;
		/* the last ']' before any " ;" comment, as conf.c reads it */
		for (k = a + 1; k < z; k++)
			if (text[k] == ';' && isspace((unsigned char)text[k - 1]))
				break;
		for (t = NULL, n = a + 1; n < k; n++)
			if (text[n] == ']')
				t = text + n;
		if (t == NULL)
			continue;
		n = (size_t)(t - (text + a + 1));
		if (n >= sizeof(inner))
			n = sizeof(inner) - 1;
		memcpy(inner, text + a + 1, n);
		inner[n] = '\0';
		if ((ns = realloc(d->secs, (d->nsecs + 1) * sizeof(*ns))) == NULL)
			return -1;
		d->secs = ns;
		s = &d->secs[d->nsecs++];
		memset(s, 0, sizeof(*s));
		{
			char *p = inner, *rest;

			while (isspace((unsigned char)*p))
				p++;
			rest = p + strcspn(p, " \t");
			snprintf(s->kind, sizeof(s->kind), "%.*s", (int)(rest - p), p);
			while (isspace((unsigned char)*rest))
				rest++;
			n = strlen(rest);
			while (n > 0 && isspace((unsigned char)rest[n - 1]))
				n--;
			snprintf(s->name, sizeof(s->name), "%.*s", (int)n, rest);
		}
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

static const struct edit_section *
find_site(const struct edit_doc *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nsecs; i++)
		if (strcmp(d->secs[i].kind, "site") == 0 && strcasecmp(d->secs[i].name, name) == 0)
			return &d->secs[i];
	return NULL;
}

static int
sslkey_equal(const struct sslcert_key *a, const struct sslcert_key *b)
{
	if (a->kind != b->kind || a->port != b->port)
		return 0;
	if (a->kind == SSLCERT_IPPORT)
		return a->addr.family == b->addr.family && binding_addr_equal(&a->addr, &b->addr);
	if (a->kind == SSLCERT_HOSTNAMEPORT)
		return strcasecmp(a->host, b->host) == 0;
	return 1;
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
		    sslkey_equal(&o, k))
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
		const char *q;

		if (!key_line(&d, i, "bindings", &va, &vz))
			continue;
		found_line = 1;
		last = i;
		for (q = text + va; q < text + vz;) {
			size_t n = strcspn(q, ","), a = 0, z;

			if (q + n > text + vz)
				n = (size_t)(text + vz - q);
			z = n;
			while (a < z && isspace((unsigned char)q[a]))
				a++;
			while (z > a && isspace((unsigned char)q[z - 1]))
				z--;
			snprintf(item, sizeof(item), "%.*s", (int)(z - a), q + a);
			if (binding_parse(item, &have, msg, sizeof(msg)) == 0 &&
			    binding_same(&have, &want)) {
				edit_fail(st, EDIT_DUPLICATE, err, errlen, "[site %s] already has "
				    "binding %s (line %zu)", s->name, item, i + 1);
				goto done;
			}
			q += n + 1;
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

int
edit_file_write(const char *path, const char *text, char *err, size_t errlen)
{
	struct conf *c;
	struct stat st;
	char *tmp = NULL;
	size_t len = strlen(text), off = 0;
	int fd;

	if ((c = conf_parse(text, path, 0, err, errlen)) == NULL)
		return -1;
	conf_free(c);
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (stat(path, &st) == 0)
		(void)fchmod(fd, st.st_mode & 07777);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off < len || fsync(fd) != 0 || close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (off < len)
			close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* ---- running the commands ---- */

static char *
edit_slurp(const char *path, FILE *errout)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		fprintf(errout, "sysbind: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((m = open_memstream(&buf, &len)) == NULL) {
		fclose(f);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (ferror(f) || memchr(chunk, '\0', 0) != NULL) {
		fprintf(errout, "sysbind: %s: %s\n", path, strerror(errno));
		fclose(f);
		fclose(m);
		free(buf);
		return NULL;
	}
	fclose(f);
	fclose(m);
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
 * Load path for a view.  With certs, a certificate that cannot be loaded is reported and
 * the table is still shown from the file (its hash as written), as netsh shows what the
 * registry holds whether or not the certificate is still in the store.
 */
static struct conf *
edit_load(const char *path, int certs, FILE *errout)
{
	char err[16384];
	struct conf *c = NULL;

	if (certs && (c = conf_load(path, CONF_LOAD_CERTS, err, sizeof(err))) == NULL)
		print_lines(errout, err);
	if (c == NULL && (c = conf_load(path, 0, err, sizeof(err))) == NULL)
		print_lines(errout, err);
	return c;
}

/*
 * Parse appcmd's "[protocol='https',bindingInformation='*:443:host',sslFlags='1']" into
 * "protocol/bindingInformation".  Returns 0 or -1.
 */
static int
appcmd_binding(const char *spec, char *out, size_t outlen)
{
	char proto[512] = "", info[512] = "";
	const char *p = spec;

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
		if (strcasecmp(name, "protocol") == 0)
			snprintf(proto, sizeof(proto), "%s", val);
		else if (strcasecmp(name, "bindingInformation") == 0)
			snprintf(info, sizeof(info), "%s", val);
		else if (strcasecmp(name, "sslFlags") != 0)
			return -1;
		if (*p == ',')
			p++;
	}
	if (*p != ']' || p[1] != '\0' || proto[0] == '\0' || info[0] == '\0')
		return -1;
	if (strlen(proto) + 1 + strlen(info) >= outlen)
		return -1;
	memcpy(out, proto, strlen(proto));
	out[strlen(proto)] = '/';
	memcpy(out + strlen(proto) + 1, info, strlen(info) + 1);
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

static int
appcmd_list_site(const char *path, const char *name, FILE *out, FILE *errout)
{
	struct conf *c = edit_load(path, 0, errout), view;
	size_t i;
	int rc = 0;

	if (c == NULL)
		return 2;
	view = *c;
	if (name != NULL) {
		for (i = 0; i < c->nsites; i++)
			if (strcasecmp(c->sites[i].name, name) == 0)
				break;
		if (i == c->nsites) {
			rc = appcmd_error(out, NULL, "Cannot find SITE object with identifier \"%s\".",
			    name);
			conf_free(c);
			return rc;
		}
		view.sites = &c->sites[i];
		view.nsites = 1;
	}
	if (views_list_site(&view, out) != 0)
		rc = 1;
	conf_free(c);
	return rc;
}

int
edit_appcmd(const char *path, int nwords, char *const *words, FILE *out, FILE *errout)
{
	const char *site = NULL;
	char binding[600], err[16384], *text = NULL, *next;
	int i, add = 0, rc;
	enum edit_status st;
	const char *change = NULL;

	if (nwords >= 2 && strcasecmp(words[0], "list") == 0 &&
	    (strcasecmp(words[1], "site") == 0 || strcasecmp(words[1], "sites") == 0)) {
		if (nwords > 3) {
			fprintf(errout, "sysbind: appcmd list site takes at most one site name\n");
			return 2;
		}
		if (nwords == 3) {
			const char *n = words[2];

			if (strncasecmp(n, "/site.name:", 11) == 0)
				n += 11;
			else if (strncasecmp(n, "/name:", 6) == 0)
				n += 6;
			return appcmd_list_site(path, n, out, errout);
		}
		return appcmd_list_site(path, NULL, out, errout);
	}
	if (nwords < 2 || strcasecmp(words[0], "set") != 0 || strcasecmp(words[1], "site") != 0) {
		fprintf(errout, "sysbind: appcmd: supported: set site /site.name:NAME "
		    "/+bindings.[protocol='https',bindingInformation='*:443:host'] (or /-bindings.[...]), "
		    "list site [NAME]\n");
		return 2;
	}
	for (i = 2; i < nwords; i++) {
		const char *w = words[i];

		if (strncasecmp(w, "/site.name:", 11) == 0 && site == NULL) {
			site = w + 11;
		} else if (w[0] != '/' && site == NULL) {
			site = w;
		} else if ((strncasecmp(w, "/+bindings.", 11) == 0 ||
		    strncasecmp(w, "/-bindings.", 11) == 0) && change == NULL) {
			add = w[1] == '+';
			change = w + 11;
		} else {
			fprintf(errout, "sysbind: appcmd set site: unsupported argument \"%s\"\n", w);
			return 2;
		}
	}
	if (site == NULL || change == NULL) {
		fprintf(errout, "sysbind: appcmd set site needs /site.name:NAME and "
		    "/+bindings.[...] or /-bindings.[...]\n");
		return 2;
	}
	if (appcmd_binding(change, binding, sizeof(binding)) != 0) {
		return appcmd_error(out, "80070057", "Malformed collection indexer; format is "
		    "[@position,name='value',name2='value2',...].  The @position specifier is "
		    "optional, and be '@start', '@end', or '@N' where N is a numeric index into the "
		    "collection.");
	}
	if ((text = edit_slurp(path, errout)) == NULL)
		return 2;
	next = add ? edit_binding_add(text, site, binding, &st, err, sizeof(err)) :
	    edit_binding_remove(text, site, binding, &st, err, sizeof(err));
	if (next == NULL) {
		const char *slash = strchr(binding, '/');

		if (st == EDIT_NOT_FOUND && strncmp(err, "no [site", 8) == 0)
			rc = appcmd_error(out, NULL, "Cannot find SITE object with identifier \"%s\".",
			    site);
		else if (st == EDIT_DUPLICATE)
			rc = appcmd_error(out, "800700b7", "Failed to commit configuration changes.\n"
			    "Cannot add duplicate collection entry of type 'binding' with combined key "
			    "attributes 'protocol, bindingInformation' respectively set to '%.*s, %s'\n.",
			    (int)(slash - binding), binding, slash + 1);
		else if (st == EDIT_NOT_FOUND)
			rc = appcmd_error(out, "80070490", "Cannot find requested collection element.");
		else
			rc = appcmd_error(out, "80070057", "%s", err);
		if (st != EDIT_NOT_FOUND || strncmp(err, "no [site", 8) != 0)
			fprintf(errout, "sysbind: %s\n", err);
		free(text);
		return rc;
	}
	if (edit_file_write(path, next, err, sizeof(err)) != 0) {
		rc = appcmd_error(out, "80070057", "Failed to commit configuration changes.");
		fprintf(errout, "sysbind: %s not changed: the result would be invalid:\n", path);
		print_lines(errout, err);
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
	}
	free(text);
	free(next);
	return rc;
}

/* ---- netsh ---- */

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

/* The key text ("0.0.0.0:443", "name:443", "ccs:443") of an ipport=/hostnameport=/ccs= word. */
static int
netsh_key(const char *w, char *key, size_t keylen, enum sslcert_kind *kind)
{
	if (strncasecmp(w, "ipport=", 7) == 0) {
		*kind = SSLCERT_IPPORT;
		snprintf(key, keylen, "%s", w + 7);
	} else if (strncasecmp(w, "hostnameport=", 13) == 0) {
		*kind = SSLCERT_HOSTNAMEPORT;
		snprintf(key, keylen, "%s", w + 13);
	} else if (strncasecmp(w, "ccs=", 4) == 0) {
		*kind = SSLCERT_CCS;
		snprintf(key, keylen, "ccs:%s", w + 4);
	} else {
		return -1;
	}
	return 0;
}

static int
netsh_show(const char *path, const char *key, FILE *out, FILE *errout)
{
	struct conf *c = edit_load(path, 1, errout), view;
	struct sslcert_key k;
	char msg[256];
	size_t i;
	int rc = 0;

	if (c == NULL)
		return 2;
	view = *c;
	if (key != NULL) {
		if (binding_sslkey_parse(key, &k, msg, sizeof(msg)) != 0) {
			conf_free(c);
			return netsh_msg(out, 1, "The parameter is incorrect.");
		}
		for (i = 0; i < c->nsslcerts; i++)
			if (sslkey_equal(&c->sslcerts[i].key, &k))
				break;
		view.sslcerts = i < c->nsslcerts ? &c->sslcerts[i] : NULL;
		view.nsslcerts = i < c->nsslcerts;
		if (i == c->nsslcerts) {
			conf_free(c);
			return netsh_msg(out, 1, "SSL Certificate bindings:\r\n"
			    "-------------------------\r\n\r\nThe system cannot find the file specified.");
		}
	}
	if (views_show_sslcert(&view, out) != 0)
		rc = 1;
	conf_free(c);
	return rc;
}

int
edit_netsh(const char *path, int nwords, char *const *words, FILE *out, FILE *errout)
{
	const char *kv[8];
	size_t nkv = 0;
	char key[BINDING_HOST_MAX + 16] = "", err[16384], *text = NULL, *next = NULL;
	const char *certhash = NULL, *appid = NULL, *store = NULL, *dir = NULL, *pw = NULL;
	enum sslcert_kind kind = SSLCERT_IPPORT;
	struct sslcert_key k;
	enum edit_status st;
	int i, verb, rc, have_key = 0;

	if (nwords < 3 || strcasecmp(words[0], "http") != 0 ||
	    strcasecmp(words[2], "sslcert") != 0) {
		fprintf(errout, "sysbind: netsh: supported: http add|delete|show sslcert "
		    "[ipport=IP:PORT | hostnameport=NAME:PORT | ccs=PORT] ...\n");
		return 2;
	}
	if (strcasecmp(words[1], "add") == 0)
		verb = 'a';
	else if (strcasecmp(words[1], "delete") == 0)
		verb = 'd';
	else if (strcasecmp(words[1], "show") == 0)
		verb = 's';
	else {
		fprintf(errout, "sysbind: netsh http %s sslcert: not supported (add, delete, show)\n",
		    words[1]);
		return 2;
	}
	for (i = 3; i < nwords; i++) {
		const char *w = words[i];

		if (netsh_key(w, key, sizeof(key), &kind) == 0) {
			if (have_key++)
				return netsh_syntax(out);
		} else if (verb == 'a' && strncasecmp(w, "certhash=", 9) == 0) {
			certhash = w + 9;
		} else if (verb == 'a' && strncasecmp(w, "appid=", 6) == 0) {
			appid = w + 6;
		} else if (verb == 'a' && strncasecmp(w, "certstorename=", 14) == 0) {
			store = w + 14;
		} else if (verb == 'a' && strncasecmp(w, "directory=", 10) == 0) {
			dir = w + 10;   /* sysbind's: Windows keeps the CCS folder in the registry */
		} else if (verb == 'a' && strncasecmp(w, "password=", 9) == 0) {
			pw = w + 9;
		} else {
			fprintf(errout, "sysbind: netsh http %s sslcert: unsupported parameter "
			    "\"%s\"\n", words[1], w);
			return netsh_syntax(out);
		}
	}
	if (verb == 's')
		return netsh_show(path, have_key ? key : NULL, out, errout);
	if (!have_key || (verb == 'a' && appid == NULL) ||
	    (verb == 'a' && kind != SSLCERT_CCS && certhash == NULL))
		return netsh_syntax(out);
	if (binding_sslkey_parse(key, &k, err, sizeof(err)) != 0 || k.kind != kind) {
		if (k.kind != kind)
			snprintf(err, sizeof(err), "\"%s\" is not a %s key", key,
			    kind == SSLCERT_IPPORT ? "ipport" : "hostnameport");
		fprintf(errout, "sysbind: %s\n", err);
		return netsh_msg(out, 1, "The parameter is incorrect.");
	}
	if (verb == 'a') {
		if (certhash != NULL && kind == SSLCERT_CCS)
			return netsh_msg(out, 1, "The parameter is incorrect.");
		if (certhash != NULL) {
			kv[nkv++] = "certhash";
			kv[nkv++] = certhash;
		}
		if (dir != NULL) {
			kv[nkv++] = "directory";
			kv[nkv++] = dir;
		}
		if (pw != NULL) {
			kv[nkv++] = "password";
			kv[nkv++] = pw;
		}
		kv[nkv++] = "appid";
		kv[nkv++] = appid;
		if (store != NULL && kind != SSLCERT_CCS) {
			kv[nkv++] = "certstorename";
			kv[nkv++] = store;
		}
	}
	if ((text = edit_slurp(path, errout)) == NULL)
		return 2;
	if (verb == 'a')
		next = edit_sslcert_add(text, key, kv, nkv / 2, &st, err, sizeof(err));
	else
		next = edit_sslcert_delete(text, key, &st, err, sizeof(err));
	if (next == NULL) {
		if (verb == 'a' && st == EDIT_DUPLICATE)
			rc = netsh_msg(out, 1, "SSL Certificate add failed, Error: 183\r\n"
			    "Cannot create a file when that file already exists.");
		else if (verb == 'd' && st == EDIT_NOT_FOUND)
			rc = netsh_msg(out, 1, "SSL Certificate deletion failed, Error: 2\r\n"
			    "The system cannot find the file specified.");
		else
			rc = netsh_msg(out, 1, "The parameter is incorrect.");
		fprintf(errout, "sysbind: %s\n", err);
		free(text);
		return rc;
	}
	/* netsh refuses a thumbprint the machine store does not hold (error 1312). */
	if (verb == 'a' && certhash != NULL) {
		struct conf *c = conf_parse(next, path, 0, err, sizeof(err));
		const struct conf_sslcert *e = c != NULL ? conf_find_sslcert(c, &k) : NULL;
		struct cert *found = NULL;

		if (e != NULL && c->cert_store != NULL) {
			found = certstore_find_thumbprint(c->cert_store, certhash, e->pfx_password, 0,
			    err, sizeof(err));
			if (found == NULL) {
				rc = netsh_msg(out, 1, "SSL Certificate add failed, Error: 1312\r\n"
				    "A specified logon session does not exist. It may already have been "
				    "terminated.");
				fprintf(errout, "sysbind: %s\n", err);
				certstore_cert_free(found);
				conf_free(c);
				free(text);
				free(next);
				return rc;
			}
		}
		certstore_cert_free(found);
		conf_free(c);
	}
	if (edit_file_write(path, next, err, sizeof(err)) != 0) {
		rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 87\r\n"
		    "The parameter is incorrect.", verb == 'a' ? "add" : "deletion");
		fprintf(errout, "sysbind: %s not changed: the result would be invalid:\n", path);
		print_lines(errout, err);
	} else {
		rc = netsh_msg(out, 0, "SSL Certificate successfully %s",
		    verb == 'a' ? "added" : "deleted");
	}
	free(text);
	free(next);
	return rc;
}
