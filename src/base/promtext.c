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

int
promtext_family(struct promtext *w, const char *name, enum promtext_type type,
    const char *help)
{
	size_t i;
	const char *p;

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
	for (p = help != NULL ? help : ""; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\\\", w->f);
		else if (*p == '\n')
			fputs("\\n", w->f);
		else
			fputc(*p, w->f);
	}
	fprintf(w->f, "\n# TYPE %s %s\n", name, promtext_type_names[type]);
	return 0;
refuse:
	w->failed = 1;
	return -1;
}

size_t
promtext_escape_label(const char *v, char *out, size_t outlen)
{
	size_t n = 0;
	const char *esc;

	for (; *v != '\0'; v++) {
		char one[2] = { *v, '\0' };

		esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : one;
		for (; *esc != '\0'; esc++, n++)
			if (n + 1 < outlen)
				out[n] = *esc;
	}
	if (outlen > 0)
		out[n < outlen ? n : outlen - 1] = '\0';
	return n;
}

/* The name and labels of a sample, or -1 when a label name is not one. */
static int
promtext_head(struct promtext *w, const char *const *labels, size_t nlabels)
{
	size_t i;
	const char *p;

	if (w->family == NULL)
		return -1;
	for (i = 0; i < nlabels; i++)
		if (!promtext_name_ok(labels[2 * i], 0) || strncmp(labels[2 * i], "__", 2) == 0 ||
		    labels[2 * i + 1] == NULL)
			return -1;
	fputs(w->family, w->f);
	for (i = 0; i < nlabels; i++) {
		fprintf(w->f, "%s%s=\"", i == 0 ? "{" : ",", labels[2 * i]);
		for (p = labels[2 * i + 1]; *p != '\0'; p++) {
			if (*p == '\\' || *p == '"')
				fputc('\\', w->f);
			if (*p == '\n')
				fputs("\\n", w->f);
			else
				fputc(*p, w->f);
		}
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
