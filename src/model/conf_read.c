/*
 * conf_read — the reader of sysbind.ini(5), for conf.c's parse.  It owns the inih adapter:
 * the line reader (counts lines, strips indentation, refuses over-long lines and NUL
 * bytes, reports lines that are not key = value), the section headers it reads itself
 * (quoted names included, conf_header_parse and conf_name_quote for edit.c), the start and
 * end of each section (duplicate sections, the required keys and those that exclude each
 * other, the defaults of what was not set) and inih's handler for one key = value (unknown
 * and duplicate keys).  A value itself is conf_value.c's.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "model/conf_int.h"
#include "base/strhash.h"

#define CONF_HEADER_MAX  4096   /* a section header line, read here rather than by inih */

/* ---- section headers ---- */

/* ASCII blank, as inih and the INI format mean it. */
static int
conf_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r' || ch == '\n';
}

/*
 * Find the inside of "[kind name]": after the kind word a name may be quoted, and a quoted
 * name may hold "]" and ";".  Outside quotes a ";" after a blank starts a comment.
 * *rest_at is where the text after "]" (before any comment) starts, *rest_end its end.
 */
static int
conf_header_scan(const char *t, size_t len, size_t *open, size_t *close, size_t *rest_at,
    size_t *rest_end, char *err, size_t errlen)
{
	size_t i = 0, end = len, last = (size_t)-1;
	int quoted = 0;

	while (i < len && conf_blank((unsigned char)t[i]))
		i++;
	if (i == len || t[i] != '[') {
		snprintf(err, errlen, "not a section header");
		return -1;
	}
	*open = ++i;
	/* the kind word, then blanks: a quote here opens a quoted name */
	while (i < len && !conf_blank((unsigned char)t[i]) && t[i] != ']' && t[i] != '"')
		i++;
	while (i < len && conf_blank((unsigned char)t[i]))
		i++;
	if (i < len && t[i] == '"') {
		quoted = 1;
		for (i++; i < len && t[i] != '"'; i++)
			if (t[i] == '\\' && i + 1 < len)
				i++;
		if (i >= len) {
			snprintf(err, errlen, "section header with an unterminated quoted name");
			return -1;
		}
		i++;
	}
	for (; i < len; i++) {
		if (t[i] == ';' && i > 0 && conf_blank((unsigned char)t[i - 1])) {
			end = i;
			break;
		}
		if (t[i] == ']' && (quoted ? last == (size_t)-1 : 1))
			last = i;
	}
	if (last == (size_t)-1) {
		snprintf(err, errlen, "section header without a closing \"]\"");
		return -1;
	}
	*close = last;
	*rest_at = last + 1;
	while (end > *rest_at && conf_blank((unsigned char)t[end - 1]))
		end--;
	while (*rest_at < end && conf_blank((unsigned char)t[*rest_at]))
		(*rest_at)++;
	*rest_end = end;
	return 0;
}

int
conf_header_find(const char *text, size_t len, size_t *open, size_t *close)
{
	size_t ra, re;
	char err[128];

	if (conf_header_scan(text, len, open, close, &ra, &re, err, sizeof(err)) != 0)
		return -1;
	return ra == re ? 0 : -1;
}

int
conf_header_parse(const char *inside, char **kind, char **name, char *err, size_t errlen)
{
	const char *p = inside, *k, *end;
	char *out = NULL;
	size_t n = 0;

	*kind = *name = NULL;
	while (conf_blank((unsigned char)*p))
		p++;
	k = p;
	while (*p != '\0' && !conf_blank((unsigned char)*p) && *p != '"')
		p++;
	if ((*kind = strndup(k, (size_t)(p - k))) == NULL)
		goto nomem;
	while (conf_blank((unsigned char)*p))
		p++;
	if (*p != '"') {
		end = p + strlen(p);
		while (end > p && conf_blank((unsigned char)end[-1]))
			end--;
		if ((*name = strndup(p, (size_t)(end - p))) == NULL)
			goto nomem;
		return 0;
	}
	if ((out = malloc(strlen(p) + 1)) == NULL)
		goto nomem;
	for (p++; *p != '\0' && *p != '"'; p++) {
		int hi, lo;

		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		switch (*++p) {
		case '"':  out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case 'n':  out[n++] = '\n'; break;
		case 'r':  out[n++] = '\r'; break;
		case 't':  out[n++] = '\t'; break;
		case 'x':
			if ((hi = OPENSSL_hexchar2int((unsigned char)p[1])) < 0 ||
			    (lo = OPENSSL_hexchar2int((unsigned char)p[2])) < 0) {
				snprintf(err, errlen, "\\x in a quoted name needs two hex digits");
				goto fail;
			}
			if (hi == 0 && lo == 0) {
				snprintf(err, errlen, "a name cannot hold a NUL (\\x00)");
				goto fail;
			}
			out[n++] = (char)(hi * 16 + lo);
			p += 2;
			break;
		case '\0':
			p--;
			snprintf(err, errlen, "a quoted name ends in a lone \\");
			goto fail;
		default:
			snprintf(err, errlen, "unknown escape \\%c in a quoted name (use \\\" \\\\ "
			    "\\n \\r \\t or \\xHH)", *p);
			goto fail;
		}
	}
	if (*p != '"') {
		snprintf(err, errlen, "unterminated quoted name");
		goto fail;
	}
	for (p++; conf_blank((unsigned char)*p); p++)
		;
	if (*p != '\0') {
		snprintf(err, errlen, "unexpected text \"%s\" after the quoted name", p);
		goto fail;
	}
	out[n] = '\0';
	*name = out;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(out);
	free(*kind);
	*kind = NULL;
	return -1;
}

char *
conf_name_quote(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = strlen(name), i;
	int need = n == 0 || conf_blank(p[0]) || conf_blank(p[n - 1]) || p[0] == '"';
	char *out, *q;

	for (i = 0; i < n && !need; i++)
		need = p[i] < 0x20 || p[i] == 0x7f || p[i] == ';';
	if (!need)
		return strdup(name);
	if ((out = malloc(n * 4 + 3)) == NULL)
		return NULL;
	q = out;
	*q++ = '"';
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '"':  *q++ = '\\'; *q++ = '"'; break;
		case '\\': *q++ = '\\'; *q++ = '\\'; break;
		case '\n': *q++ = '\\'; *q++ = 'n'; break;
		case '\r': *q++ = '\\'; *q++ = 'r'; break;
		case '\t': *q++ = '\\'; *q++ = 't'; break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				q += sprintf(q, "\\x%02x", p[i]);
			else
				*q++ = (char)p[i];
		}
	}
	*q++ = '"';
	*q = '\0';
	return out;
}

/* "[site NAME]" for messages, NAME quoted when it must be. */
void
conf_site_label(const struct conf_site *s, char *buf, size_t len)
{
	char *q = conf_name_quote(s->name);

	snprintf(buf, len, "[site %s]", q != NULL ? q : s->name);
	free(q);
}

/* The index of key name in the section being read, or -1. */
static int
conf_key_index(const struct conf_parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->sec_nkeys; i++)
		if (strcmp(p->sec_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static unsigned
conf_kind_flag(enum sslcert_kind kind)
{
	return kind == SSLCERT_IPPORT ? CONF_KEY_IPPORT :
	    kind == SSLCERT_HOSTNAMEPORT ? CONF_KEY_HOSTNAMEPORT : CONF_KEY_CCS;
}

/* inih's handler: one key = value of the section the reader last saw. */
int
conf_ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parser *p = user;
	struct conf_entry_info *info = NULL;
	const struct conf_key *k;
	void *base;
	int idx;

	(void)section; /* inih truncates long section names; the reader's copy is used */
	if (value == NULL)
		value = "";
	if (name == NULL)
		return 1;
	if (*name == '\0') {
		conf_error(p, p->line, "missing key name before \"=\"");
		return 1;
	}
	switch (p->sec) {
	case SEC_SERVER:
		base = p->c;
		break;
	case SEC_SSLCERT:
		base = &p->c->sslcerts[p->c->nsslcerts - 1];
		info = &p->sslinfo[p->c->nsslcerts - 1];
		break;
	case SEC_SITE:
		base = &p->c->sites[p->c->nsites - 1];
		info = &p->siteinfo[p->c->nsites - 1];
		break;
	case SEC_LOCATION:
		base = &p->c->locations[p->c->nlocations - 1];
		info = &p->locinfo[p->c->nlocations - 1];
		break;
	default:
		return 1;
	}
	idx = conf_key_index(p, name);
	k = idx >= 0 ? &p->sec_keys[idx] : NULL;
	if (k != NULL && p->sec == SEC_SSLCERT &&
	    (k->flags & conf_kind_flag(((struct conf_sslcert *)base)->key.kind)) == 0)
		k = NULL;
	if (k == NULL) {
		conf_error(p, p->line, "unknown key \"%s\" in %s", name, p->label);
		return 1;
	}
	if (p->cur_lines[idx] != 0 && !(k->flags & CONF_KEY_REPEAT)) {
		conf_error(p, p->line, "duplicate key \"%s\" in %s (first at line %d)", name,
		    p->label, p->cur_lines[idx]);
		return 1;
	}
	p->cur_lines[idx] = p->line;
	conf_key_set(p, base, info, k, value);
	return 1; /* errors are collected here, never through inih's return value */
}

/* The checks that need the whole section: required keys, keys that exclude each other,
 * the defaults of what was not set. */
void
conf_section_end(struct conf_parser *p)
{
	struct conf_entry_info *info = NULL;
	void *base = NULL;
	size_t i;

	if (p->sec == SEC_SSLCERT) {
		struct conf_sslcert *e = &p->c->sslcerts[p->c->nsslcerts - 1];
		static const char *const src[] = { "certificate", "pfx", "certhash" };
		int first = -1, kcert, kkey, kpfx, kpw, kch;

		info = &p->sslinfo[p->c->nsslcerts - 1];
		base = e;
		kcert = conf_key_at(CONF_SECTION_SSLCERT, "certificate");
		kkey = conf_key_at(CONF_SECTION_SSLCERT, "key");
		kpfx = conf_key_at(CONF_SECTION_SSLCERT, "pfx");
		kpw = conf_key_at(CONF_SECTION_SSLCERT, "pfx_password");
		kch = conf_key_at(CONF_SECTION_SSLCERT, "certhash");
		if (e->key.kind == SSLCERT_CCS) {
			if (info->lines[conf_key_at(CONF_SECTION_SSLCERT, "directory")] == 0)
				conf_error(p, p->sec_line, "%s needs directory (the Central Certificate "
				    "Store's folder of <host>.pfx files)", p->label);
		} else {
			for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
				int ki = conf_key_at(CONF_SECTION_SSLCERT, src[i]);

				if (info->lines[ki] == 0)
					continue;
				if (first < 0) {
					first = (int)i;
					continue;
				}
				conf_error(p, info->lines[ki], "%s has both %s (line %d) and %s: use "
				    "exactly one of certificate, pfx or certhash", p->label, src[first],
				    info->lines[conf_key_at(CONF_SECTION_SSLCERT, src[first])], src[i]);
			}
			if (first < 0)
				conf_error(p, p->sec_line, "%s needs one of certificate, pfx or certhash",
				    p->label);
			if (info->lines[kkey] != 0 && info->lines[kcert] == 0)
				conf_error(p, info->lines[kkey], "key is only used with certificate "
				    "(a PEM chain) in %s", p->label);
			if (info->lines[kpw] != 0 && info->lines[kpfx] == 0 && info->lines[kch] == 0)
				conf_error(p, info->lines[kpw], "pfx_password is only used with pfx or "
				    "certhash in %s", p->label);
		}
	} else if (p->sec == SEC_SITE || p->sec == SEC_LOCATION) {
		if (p->sec == SEC_SITE) {
			info = &p->siteinfo[p->c->nsites - 1];
			base = &p->c->sites[p->c->nsites - 1];
		} else {
			info = &p->locinfo[p->c->nlocations - 1];
			base = &p->c->locations[p->c->nlocations - 1];
		}
		for (i = 0; i < p->sec_nkeys; i++)
			if ((p->sec_keys[i].flags & CONF_KEY_REQUIRED) && info->lines[i] == 0)
				conf_error(p, p->sec_line, "%s needs %s", p->label, p->sec_keys[i].name);
	}
	if (info != NULL) {
		unsigned kind = p->sec == SEC_SSLCERT ?
		    conf_kind_flag(((struct conf_sslcert *)base)->key.kind) : 0;
		int line = p->line;

		/* the defaults of the keys this entry did not set (a default is never bad) */
		p->line = p->sec_line;
		for (i = 0; i < p->sec_nkeys; i++) {
			const struct conf_key *k = &p->sec_keys[i];

			if (k->def == NULL || info->lines[i] != 0 ||
			    (kind != 0 && (k->flags & kind) == 0))
				continue;
			conf_key_set(p, base, info, k, k->def);
		}
		p->line = line;
		if (p->sec == SEC_SSLCERT) {
			struct conf_sslcert *e = base;

			/* the store's name is shown as written; its directory is beside the file */
			if (e->sslctlstorename != NULL)
				conf_set_path(p, &e->sslctlstore, e->sslctlstorename);
		}
		if (p->nmsgs > p->sec_nmsgs)
			info->bad = 1;
	}
	p->sec = SEC_NONE;
}

/* Grow c->sslcerts / c->sites and their info arrays by one zeroed entry, geometrically. */
static int
conf_grow(struct conf_parser *p, void **arr, size_t elem, struct conf_entry_info **info,
    size_t n, size_t *cap, size_t nkeys)
{
	void *na;
	struct conf_entry_info *ni;

	if (n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		if ((na = realloc(*arr, ncap * elem)) == NULL) {
			p->nomem = 1;
			return -1;
		}
		*arr = na;
		if ((ni = realloc(*info, ncap * sizeof(*ni))) == NULL) {
			p->nomem = 1;
			return -1;
		}
		*info = ni;
		*cap = ncap;
	}
	memset((char *)*arr + n * elem, 0, elem);
	memset(&(*info)[n], 0, sizeof(**info));
	if (((*info)[n].lines = calloc(nkeys > 0 ? nkeys : 1, sizeof(int))) == NULL) {
		p->nomem = 1;
		return -1;
	}
	return 0;
}

/* p->label: the section as the file spells it, "[site A]", "[site \" A\"]", for messages.
 * Returns 0, or -1 out of memory. */
static int
conf_section_label(struct conf_parser *p, const char *inside)
{
	const char *r = inside, *w;
	size_t kl, wl;

	while (conf_blank((unsigned char)*r))
		r++;
	for (kl = 0; r[kl] != '\0' && !conf_blank((unsigned char)r[kl]) && r[kl] != '"'; kl++)
		;
	for (w = r + kl; conf_blank((unsigned char)*w); w++)
		;
	for (wl = strlen(w); wl > 0 && conf_blank((unsigned char)w[wl - 1]); wl--)
		;
	free(p->label);
	if ((wl > 0 ? asprintf(&p->label, "[%.*s %.*s]", (int)kl, r, (int)wl, w) :
	    asprintf(&p->label, "[%.*s]", (int)kl, r)) < 0) {
		p->label = NULL;
		p->nomem = 1;
		return -1;
	}
	return 0;
}

/*
 * The start of one kind of section, *rest its name as the header gives it (the function
 * may take it, leaving NULL).  On success p->sec says the kind and p->cur_lines where its
 * keys' lines go; on an error the section is skipped (p->sec stays SEC_SKIP).
 */
static void
conf_begin_server(struct conf_parser *p, char **rest)
{
	if (**rest != '\0') {
		conf_error(p, p->line, "%s: the server section takes no name: [server]",
		    p->label);
	} else if (p->server_line != 0) {
		conf_error(p, p->line, "duplicate section [server] (first at line %d)",
		    p->server_line);
	} else {
		p->server_line = p->line;
		p->sec = SEC_SERVER;
		p->sec_keys = conf_section_keys(CONF_SECTION_SERVER, &p->sec_nkeys);
		p->cur_lines = p->server_lines;
	}
}

static void
conf_begin_sslcert(struct conf_parser *p, char **rest)
{
	struct conf *c = p->c;
	char msg[512], hk[BINDING_HOST_MAX + 64];
	struct sslcert_key k;
	struct conf_sslcert *e;
	ENTRY *ent;
	size_t i;
	int dup = 0;

	if (**rest == '\0') {
		conf_error(p, p->line, "[sslcert] needs a key: [sslcert 0.0.0.0:443] (ipport), "
		    "[sslcert name:443] (hostnameport) or [sslcert ccs:443]");
		return;
	}
	if (binding_sslkey_parse(*rest, &k, msg, sizeof(msg)) != 0) {
		conf_error(p, p->line, "%s", msg);
		return;
	}
	binding_sslkey_hashkey(&k, hk, sizeof(hk));
	if ((ent = strhash_enter(&p->sslnames, hk, c->nsslcerts + 1, NULL)) == NULL) {
		p->nomem = 1;
		return;
	}
	if ((size_t)(uintptr_t)ent->data != c->nsslcerts + 1) {
		i = (size_t)(uintptr_t)ent->data - 1;
		conf_error(p, p->line, "duplicate section %s: the same certificate binding as "
		    "[sslcert %s] (line %d)", p->label, c->sslcerts[i].name,
		    c->sslcerts[i].line);
		dup = 1;
	}
	p->sec_keys = conf_section_keys(CONF_SECTION_SSLCERT, &p->sec_nkeys);
	if (conf_grow(p, (void **)&c->sslcerts, sizeof(*c->sslcerts), &p->sslinfo,
	    c->nsslcerts, &p->capssl, p->sec_nkeys) != 0)
		return;
	e = &c->sslcerts[c->nsslcerts];
	p->sslinfo[c->nsslcerts].dup = dup;
	p->cur_lines = p->sslinfo[c->nsslcerts].lines;
	c->nsslcerts++;
	e->key = k;
	e->name = conf_strdup(p, *rest);
	e->line = p->line;
	p->sec = SEC_SSLCERT;
}

static void
conf_begin_site(struct conf_parser *p, char **rest)
{
	struct conf *c = p->c;
	struct conf_site *s;
	ENTRY *ent;
	char *key;
	size_t i;
	int dup = 0;

	if (**rest == '\0') {
		conf_error(p, p->line, "[site] needs a name: [site NAME]");
		return;
	}
	if ((key = strhash_lower(*rest)) == NULL ||
	    (ent = strhash_enter(&p->sitenames, key, c->nsites + 1, NULL)) == NULL) {
		free(key);
		p->nomem = 1;
		return;
	}
	free(key);
	if ((size_t)(uintptr_t)ent->data != c->nsites + 1) {
		i = (size_t)(uintptr_t)ent->data - 1;
		conf_error(p, p->line, "duplicate section %s (first at line %d)", p->label,
		    c->sites[i].line);
		dup = 1;
	}
	p->sec_keys = conf_section_keys(CONF_SECTION_SITE, &p->sec_nkeys);
	if (conf_grow(p, (void **)&c->sites, sizeof(*c->sites), &p->siteinfo,
	    c->nsites, &p->capsite, p->sec_nkeys) != 0)
		return;
	s = &c->sites[c->nsites];
	p->siteinfo[c->nsites].dup = dup;
	p->cur_lines = p->siteinfo[c->nsites].lines;
	c->nsites++;
	s->name = *rest;
	*rest = NULL;
	s->line = p->line;
	p->sec = SEC_SITE;
}

static void
conf_begin_location(struct conf_parser *p, char **rest)
{
	struct conf *c = p->c;
	struct conf_location *l;

	if (**rest == '\0') {
		conf_error(p, p->line, "[location] needs a site and a path, as IIS's <location "
		    "path=\"SITE/PATH\">: [location MySite V2/secure]");
		return;
	}
	p->sec_keys = conf_section_keys(CONF_SECTION_LOCATION, &p->sec_nkeys);
	if (conf_grow(p, (void **)&c->locations, sizeof(*c->locations), &p->locinfo,
	    c->nlocations, &p->caploc, p->sec_nkeys) != 0)
		return;
	l = &c->locations[c->nlocations];
	p->cur_lines = p->locinfo[c->nlocations].lines;
	c->nlocations++;
	l->name = *rest;
	*rest = NULL;
	l->line = p->line;
	p->sec = SEC_LOCATION;
}

/* The kinds of section, by the word that opens the header. */
static const struct {
	const char *kind;
	void      (*begin)(struct conf_parser *p, char **rest);
} conf_section_kinds[] = {
	{ "server", conf_begin_server },
	{ "sslcert", conf_begin_sslcert },
	{ "site", conf_begin_site },
	{ "location", conf_begin_location },
};

/* A section header: inside is what lies between the brackets, as written. */
static void
conf_section_begin(struct conf_parser *p, const char *inside)
{
	char msg[512], *kind = NULL, *rest = NULL;
	size_t i;

	conf_section_end(p);
	p->sec = SEC_SKIP;
	p->sec_line = p->line;
	p->sec_nmsgs = p->nmsgs;
	p->cur_lines = NULL;
	p->sec_nkeys = 0;
	if (conf_section_label(p, inside) != 0)
		return;
	if (conf_header_parse(inside, &kind, &rest, msg, sizeof(msg)) != 0) {
		conf_error(p, p->line, "%s: %s", p->label, msg);
		return;
	}
	for (i = 0; i < sizeof(conf_section_kinds) / sizeof(conf_section_kinds[0]); i++)
		if (strcmp(kind, conf_section_kinds[i].kind) == 0)
			break;
	if (i < sizeof(conf_section_kinds) / sizeof(conf_section_kinds[0]))
		conf_section_kinds[i].begin(p, &rest);
	else
		conf_error(p, p->line, "unknown section %s: expected [server], [sslcert KEY], "
		    "[site NAME] or [location SITE/PATH]", p->label);
	free(kind);
	free(rest);
}

/*
 * inih's line reader.  inih calls it once per line; it hands inih the line without its
 * indentation (so INI_ALLOW_MULTILINE never takes an indented key for a continuation),
 * and keeps from inih what inih would misreport or not report at all: over-long lines
 * (inih would split them), section headers (read here, with their quoted names, up to
 * CONF_HEADER_MAX characters; inih says nothing about empty or duplicate sections), and
 * lines that are not key = value (inih names only the first).
 */
char *
conf_reader_cb(char *str, int num, void *stream)
{
	struct conf_parser *p = stream;
	const char *s, *nl;
	size_t n, limit = num > 1 ? (size_t)num - 1 : 0, a, z;
	char *t, msg[256];

	if (p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl != NULL ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl != NULL);
	p->line++;
	str[0] = '\0';
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (p->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (memchr(s, '\0', n) != NULL) {
		conf_error(p, p->line, "line contains a NUL byte");
		return str;
	}
	for (a = 0; a < n && isspace((unsigned char)s[a]); a++)
		;
	for (z = n; z > a && isspace((unsigned char)s[z - 1]); z--)
		;
	if (a < z && s[a] == '[') {
		size_t open, close, ra, re;
		char *inside;

		if (z - a > CONF_HEADER_MAX) {
			conf_error(p, p->line, "line too long (%zu characters, at most %d for a "
			    "section header)", z - a, CONF_HEADER_MAX);
			conf_section_end(p);
			p->sec = SEC_SKIP;
			return str;
		}
		if (conf_header_scan(s + a, z - a, &open, &close, &ra, &re, msg,
		    sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
			conf_section_end(p);
			p->sec = SEC_SKIP; /* its keys are not blamed on the section before */
			return str;
		}
		if ((inside = strndup(s + a + open, close - open)) == NULL) {
			p->nomem = 1;
			return str;
		}
		conf_section_begin(p, inside);
		free(inside);
		if (re > ra)
			conf_error(p, p->line, "unexpected text \"%.*s\" after the section header",
			    (int)(re - ra), s + a + ra);
		return str; /* handled here: inih sees a blank line */
	}
	if (n > limit) {
		conf_error(p, p->line, "line too long (%zu characters, at most %zu)", n, limit);
		return str;
	}
	n = z - a;
	memcpy(str, s + a, n);
	str[n] = '\0';

	if (n == 0 || str[0] == ';' || str[0] == '#')
		return str;
	/* key = value (or inih's key: value); the separator must precede any " ;" comment */
	for (t = str; *t != '\0'; t++) {
		if (*t == '=' || *t == ':')
			break;
		if (*t == ';' && t > str && isspace((unsigned char)t[-1])) {
			t = str + n;
			break;
		}
	}
	if (*t == '\0') {
		conf_error(p, p->line, "syntax error: \"%s\" is not key = value, a [section] or "
		    "a ; comment", str);
		str[0] = '\0';
		return str;
	}
	if (p->sec == SEC_NONE) {
		*t = '\0';
		while (t > str && isspace((unsigned char)t[-1]))
			*--t = '\0';
		conf_error(p, p->line, "key \"%s\" outside any section: it belongs under [server], "
		    "[sslcert KEY], [site NAME] or [location SITE/PATH]", str);
		str[0] = '\0';
	}
	return str;
}
