/*
 * edit — IIS's own commands editing a sysbind configuration file in place (DESIGN.md §3):
 * `appcmd set site ... /+bindings.[...]` and `/-bindings.[...]`, `appcmd list site`, and
 * `netsh http add|delete|show sslcert`.  Edits change only the lines they must: comments,
 * order and layout are kept.  Every new text is checked with conf_parse before it is
 * written, and written atomically (a temporary file in the same directory, then rename),
 * so a running daemon reloading on SIGHUP never reads half a file.  Output mimics the
 * Windows tools: appcmd's `SITE object "X" changed` / `ERROR ( message:... )` (LF),
 * netsh's "SSL Certificate successfully added" / "... failed, Error: N" (CRLF).
 * Not for the event loop (blocking file I/O).
 */
#ifndef SYSBIND_EDIT_H
#define SYSBIND_EDIT_H

#include <stdio.h>
#include <stddef.h>

/* Why a text edit was refused. */
enum edit_status {
	EDIT_OK = 0,
	EDIT_NOT_FOUND,    /* no such site, binding or sslcert entry */
	EDIT_DUPLICATE,    /* the binding or sslcert entry already exists */
	EDIT_INVALID,      /* bad argument, or the result would not be a valid configuration */
};

/*
 * Add binding (protocol/IP:Port:Host, any case) to [site NAME] (name compared as IIS does,
 * case-insensitively): the last `bindings =` line of the section is extended, or a new
 * `bindings =` line is added after it when the extended line would pass inih's 199
 * characters.  Returns the new text (caller frees), or NULL with *st and a one-line
 * reason in err.  text is not validated here (edit_file_write does that).
 */
char *edit_binding_add(const char *text, const char *site, const char *binding,
    enum edit_status *st, char *err, size_t errlen);

/* Remove binding from [site NAME]; a `bindings =` line left empty is removed. */
char *edit_binding_remove(const char *text, const char *site, const char *binding,
    enum edit_status *st, char *err, size_t errlen);

/*
 * Add a section "[sslcert KEY]" holding the nkv "key = value" lines kv[0..nkv*2) after the
 * last [sslcert] section (or before the first [site], or at the end).  EDIT_DUPLICATE when
 * an [sslcert] with the same key (compared as HTTP.SYS does) exists.
 */
char *edit_sslcert_add(const char *text, const char *key, const char *const *kv, size_t nkv,
    enum edit_status *st, char *err, size_t errlen);

/* Remove the [sslcert KEY] section (its keys and the comment lines directly above it). */
char *edit_sslcert_delete(const char *text, const char *key, enum edit_status *st,
    char *err, size_t errlen);

/*
 * Validate text with conf_parse (as path, so messages and relative paths are path's) and
 * replace path with it atomically, keeping the file's mode.  Returns 0, or -1 with every
 * configuration error (one per line) or the I/O error in err.
 */
int edit_file_write(const char *path, const char *text, char *err, size_t errlen);

/*
 * `sysbind appcmd WORDS... [-c FILE]`: words are appcmd's arguments after "appcmd"
 * (e.g. "set", "site", "/site.name:MySite V2", "/+bindings.[protocol='https',...]").
 * Writes appcmd's answer to out and explanations to errout.  Returns 0 on success, 1 when
 * the command was refused (appcmd's ERROR), 2 for a bad command line or a file that is
 * not a valid configuration.
 */
int edit_appcmd(const char *path, int nwords, char *const *words, FILE *out, FILE *errout);

/* `sysbind netsh http add|delete|show sslcert ...`: words after "netsh".  Same statuses. */
int edit_netsh(const char *path, int nwords, char *const *words, FILE *out, FILE *errout);

#endif
