/*
 * promtext — a writer of the Prometheus text exposition format, version 0.0.4: metric
 * families (a `# HELP` and a `# TYPE` line, then the family's samples, never interleaved
 * with another family's), label values and HELP text escaped as the format says
 * (backslash, double quote in label values, newline; a byte that is not UTF-8 as
 * U+FFFD).  It checks what it is given: a name that is not a metric name, a family
 * declared twice, a sample outside its family or a counter whose name does not end in
 * _total are refused (-1) and nothing of it is written.  Pure: no global state, any
 * thread; the caller owns the FILE.
 */
#ifndef SYSBIND_PROMTEXT_H
#define SYSBIND_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROMTEXT_FAMILIES_MAX 64

enum promtext_type { PROMTEXT_COUNTER = 0, PROMTEXT_GAUGE, PROMTEXT_UNTYPED };

struct promtext {
	FILE               *f;          /* borrowed */
	const char         *family;     /* the family samples go to now (borrowed) */
	enum promtext_type  type;
	const char         *seen[PROMTEXT_FAMILIES_MAX];   /* families declared (borrowed) */
	size_t              nseen;
	int                 failed;     /* a call was refused */
};

/* Start writing to f. */
void promtext_init(struct promtext *w, FILE *f);

/* Declare family name (a metric name: [a-zA-Z_:][a-zA-Z0-9_:]*; a counter's ends in
 * _total) of type with its help text (any text: escaped).  name must live as long as w.
 * Returns 0, or -1 (refused; nothing written). */
int promtext_family(struct promtext *w, const char *name, enum promtext_type type,
    const char *help);

/*
 * One sample of the current family: labels are nlabels (name, value) pairs, labels[2*i]
 * the name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"), labels[2*i+1] the value (any
 * text: escaped; a byte that is not UTF-8 is written as U+FFFD, as in the HELP text).
 * A counter takes promtext_u64, a gauge either.  Returns 0 or -1.
 */
int promtext_u64(struct promtext *w, const char *const *labels, size_t nlabels, uint64_t v);
int promtext_i64(struct promtext *w, const char *const *labels, size_t nlabels, int64_t v);

/* A label value escaped as the format wants it into out (truncated to outlen).  Returns
 * the length it needs (without the NUL), as snprintf does. */
size_t promtext_escape_label(const char *v, char *out, size_t outlen);

#endif
