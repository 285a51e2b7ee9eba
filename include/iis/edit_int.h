/*
 * edit_int — what the three files of the edit module share, and nothing outside them
 * includes: edit.c's line-level view of an INI file (struct edit_doc: lines, sections,
 * the line end it uses) with its lookups and insertions, and the steps every command runs
 * (read the file, load it for a view, print errors, the notes about shared bindings and
 * certificates).  The commands are edit_appcmd.c's and edit_netsh.c's; edit.h is the
 * module's public surface.
 */
#ifndef SYSBIND_EDIT_INT_H
#define SYSBIND_EDIT_INT_H

#include <stdio.h>
#include <stddef.h>

#include "iis/edit.h"
#include "model/binding.h"
#include "model/conf.h"

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

/* *st = v and the message in err (a one-line reason). */
void edit_fail(enum edit_status *st, enum edit_status v, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Whether line i is blank or a comment; whether it is blank. */
int edit_line_is_blank_or_comment(const struct edit_doc *d, size_t i);
int edit_line_is_blank(const struct edit_doc *d, size_t i);

/* Split text into lines and sections, as conf_read.c's reader sees them (conf_header_find and
 * conf_header_parse read the headers, quoted names included).  Returns 0 or -1 (memory);
 * edit_doc_free releases what it made (text stays the caller's). */
int edit_doc_parse(struct edit_doc *d, const char *text);
void edit_doc_free(struct edit_doc *d);

/* The [site NAME] section (name without case), or NULL. */
const struct edit_section *edit_find_site(const struct edit_doc *d, const char *name);

/* The section of kind named name: an [sslcert] by its key as HTTP.SYS compares keys, a
 * [site] by name without case, a [location] by its name without case. */
const struct edit_section *edit_find_section(const struct edit_doc *d, const char *kind,
    const char *name);

/* The line after section s and the comment lines that belong to it (see edit.c). */
size_t edit_section_block_end(const struct edit_doc *d, const struct edit_section *s);

/* The text with ins inserted before line before (preceded by a line end when the text
 * does not end in one); the caller frees it.  NULL: no memory. */
char *edit_insert_lines(const struct edit_doc *d, size_t before, const char *ins);

/* text with `name = value` set in the [kind sec] section: its line replaced (an inline
 * comment kept), or added after the section's last key line.  The new text (caller
 * frees), or NULL with *st (EDIT_NOT_FOUND when there is no such section) and err. */
char *edit_section_key(const char *text, const char *kind, const char *sec, const char *name,
    const char *value, enum edit_status *st, char *err, size_t errlen);

/* The configuration's text (caller frees), or NULL with the reason on errout (a FIFO, a
 * device, a directory are refused by their type: an edit never reads or replaces one). */
char *edit_slurp(const char *path, FILE *errout);

/* Print err (lines) to errout with a final newline. */
void edit_print_lines(FILE *errout, const char *err);

/* Load path for a view, as the offline views do (certificates that cannot be loaded are
 * reported, the table is still shown).  NULL: the errors are on errout. */
struct conf *edit_load(const char *path, FILE *errout);

/* After a binding spec was added to site: the note about the sites sharing it, if any. */
void edit_note_joined(const char *path, const char *text, const char *site, const char *spec,
    FILE *errout);

/* After an [sslcert] entry k changed from before to after: the note about the sites whose
 * certificate it changed, if any. */
void edit_note_certificate(const char *path, const char *before, const char *after,
    const struct sslcert_key *k, FILE *errout);

#endif
