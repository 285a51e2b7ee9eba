/*
 * promtext — the Prometheus text format writer (see promtext.h).  It holds no buffer of
 * its own: every line goes to the caller's FILE as it is made, so a scrape of many
 * series costs one pass.  It does not know what a metric means: the counters module
 * decides names, labels and values.
 */
#include <inttypes.h>
#include <string.h>

#include "base/promtext.h"

static const char *const promtext_type_names[] = { "counter", "gauge", "untyped" };

void
promtext_init(struct promtext *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

static int
promtext_name_ok(const char *s, int colon)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
		    (colon && ch == ':') || (i > 0 && ch >= '0' && ch <= '9'))
			continue;
		return 0;
	}
	return 1;
}

static int
promtext_ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n > m && strcmp(s + n - m, tail) == 0;
}

/*
 * The length of the valid UTF-8 sequence at s (1 to 4), or 0 when s starts none (a stray
 * byte, a sequence cut short, an overlong form, a surrogate, past U+10FFFF): Unicode's
 * table 3-7 of well-formed byte sequences.
 */
static size_t
promtext_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)   /* the NUL at the end stops it too */
			return 0;
	return n;
}

/*
 * Write s escaped as the format wants (backslash, newline; the double quote too in a label
 * value) to f, or, with f NULL, into out (truncated to outlen, terminated); text that is
 * not UTF-8 becomes U+FFFD byte by byte, as the format takes UTF-8 only and one bad
 * label value fails a whole scrape.  Returns the length it needs (without the NUL).
 */
static size_t
promtext_put(FILE *f, const char *s, int quote, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, k;

	while (*p != '\0') {
		char one[5];
		const char *esc = one;

		if ((k = promtext_utf8_len(p)) == 0) {
			esc = "\xef\xbf\xbd";
			k = 1;
		} else if (*p == '\\') {
			esc = "\\\\";
		} else if (*p == '\n') {
			esc = "\\n";
		} else if (*p == '"' && quote) {
			esc = "\\\"";
		} else {
			memcpy(one, p, k);
			one[k] = '\0';
		}
		p += k;
		if (f != NULL) {
			fputs(esc, f);
			continue;
		}
		for (; *esc != '\0'; esc++, n++)
			if (n + 1 < outlen)
				out[n] = *esc;
	}
	if (f == NULL && outlen > 0)
		out[n < outlen ? n : outlen - 1] = '\0';
	return n;
}

int
promtext_family(struct promtext *w, const char *name, enum promtext_type type,
    const char *help)
{
	size_t i;

	if (!promtext_name_ok(name, 1) || (unsigned)type > PROMTEXT_UNTYPED ||
	    (type == PROMTEXT_COUNTER && !promtext_ends_with(name, "_total")) ||
	    w->nseen >= PROMTEXT_FAMILIES_MAX)
		goto refuse;
	for (i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i], name) == 0)
			goto refuse;
	w->seen[w->nseen++] = name;
	w->family = name;
	w->type = type;
	fprintf(w->f, "# HELP %s ", name);
	promtext_put(w->f, help != NULL ? help : "", 0, NULL, 0);
	fprintf(w->f, "\n# TYPE %s %s\n", name, promtext_type_names[type]);
	return 0;
refuse:
	w->failed = 1;
	return -1;
}

size_t
promtext_escape_label(const char *v, char *out, size_t outlen)
{
	return promtext_put(NULL, v, 1, out, outlen);
}

/* The name and labels of a sample, or -1 when a label name is not one. */
static int
promtext_head(struct promtext *w, const char *const *labels, size_t nlabels)
{
	size_t i;

	if (w->family == NULL)
		return -1;
	for (i = 0; i < nlabels; i++)
		if (!promtext_name_ok(labels[2 * i], 0) || strncmp(labels[2 * i], "__", 2) == 0 ||
		    labels[2 * i + 1] == NULL)
			return -1;
	fputs(w->family, w->f);
	for (i = 0; i < nlabels; i++) {
		fprintf(w->f, "%s%s=\"", i == 0 ? "{" : ",", labels[2 * i]);
		promtext_put(w->f, labels[2 * i + 1], 1, NULL, 0);
		fputc('"', w->f);
	}
	if (nlabels > 0)
		fputc('}', w->f);
	return 0;
}

int
promtext_u64(struct promtext *w, const char *const *labels, size_t nlabels, uint64_t v)
{
	if (promtext_head(w, labels, nlabels) != 0) {
		w->failed = 1;
		return -1;
	}
	fprintf(w->f, " %" PRIu64 "\n", v);
	return 0;
}

int
promtext_i64(struct promtext *w, const char *const *labels, size_t nlabels, int64_t v)
{
	if (w->type == PROMTEXT_COUNTER || promtext_head(w, labels, nlabels) != 0) {
		w->failed = 1;
		return -1;
	}
	fprintf(w->f, " %" PRId64 "\n", v);
	return 0;
}
