/*
 * edit — IIS's own commands editing a sysbind configuration file in place (sysbind(8)):
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

/* Replace the key lines of [sslcert KEY] by the nkv pairs (netsh http update sslcert);
 * the header and the comments above it stay.  EDIT_NOT_FOUND when there is none. */
char *edit_sslcert_update(const char *text, const char *key, const char *const *kv,
    size_t nkv, enum edit_status *st, char *err, size_t errlen);

/*
 * Set the nkv "key = value" pairs in [sslcert KEY] (netsh http update sslpropertyex):
 * each key's line is replaced (its inline comment kept) or added after the section's last
 * key line; the other lines stay.  EDIT_NOT_FOUND when there is no such section.
 */
char *edit_sslcert_set(const char *text, const char *key, const char *const *kv, size_t nkv,
    enum edit_status *st, char *err, size_t errlen);

/*
 * Validate text with conf_parse (as path, so messages and relative paths are path's) and
 * replace the file path names with it atomically (file_replace: a symlink is followed and
 * its target replaced, mode and owner kept; a device, FIFO or directory is refused).
 * Returns 0; -1 with every configuration error (one per line) in err; -2 when the file
 * could not be replaced, with why in err.
 */
int edit_file_write(const char *path, const char *text, char *err, size_t errlen);

/* The types of netsh's parameter values. */
enum edit_netsh_type {
	EDIT_NETSH_IPPORT,        /* the entry's key: ipport=IP:PORT */
	EDIT_NETSH_HOSTNAMEPORT,  /* hostnameport=NAME:PORT */
	EDIT_NETSH_CCS,           /* ccs=PORT */
	EDIT_NETSH_SCOPEDCCS,     /* scopedccs=NAME:PORT (show only; sysbind has none) */
	EDIT_NETSH_GUID,          /* {xxxxxxxx-...} */
	EDIT_NETSH_HASH,          /* 40 hex digits */
	EDIT_NETSH_ENABLE,        /* enable | disable */
	EDIT_NETSH_UINT,          /* 0 to 4294967295 */
	EDIT_NETSH_TEXT,          /* any non-empty text */
};

/* One parameter of `netsh http add|update|delete|show sslcert`. */
struct edit_netsh_param {
	const char          *name;     /* as netsh spells it (compared case-insensitively) */
	enum edit_netsh_type type;
	unsigned             flags;    /* the verbs and entry kinds that take it (edit.c) */
	const char          *conf_key; /* the [sslcert] key it is kept as; NULL: not emulated */
	const char          *def;      /* netsh's default (accepted when not emulated) */
	const char          *shows;    /* the `show sslcert` line it sets, or NULL */
};

/* The parameter table edit_netsh parses with; *n gets its length. */
const struct edit_netsh_param *edit_netsh_params(size_t *n);

/*
 * `sysbind appcmd WORDS... [-c FILE]`: words are appcmd's arguments after "appcmd"
 * (e.g. "set", "site", "/site.name:MySite V2", "/+bindings.[protocol='https',...]").
 * Writes appcmd's answer to out and explanations to errout.  Returns 0 on success, 1 when
 * the command was refused (appcmd's ERROR), 2 for a bad command line or a file that is
 * not a valid configuration.
 */
int edit_appcmd(const char *path, int nwords, char *const *words, FILE *out, FILE *errout);

/*
 * `sysbind netsh http add|update|delete|show sslcert ...` and `netsh http update
 * sslpropertyex ... propertyid=0|1 ...`: words after "netsh", parsed with
 * edit_netsh_params (every parameter netsh has, each kept as its [sslcert] key; an update
 * keeps the entry's Extended Properties, which only sslpropertyex sets).  Answers as
 * netsh does: "SSL Certificate
 * successfully added", "... add failed, Error: 183" (exists), 2 (not found), 1312 (the
 * thumbprint is not in cert_store), 87 (the result would be invalid), "The parameter is
 * incorrect." (a bad value), the "essential parameters" text (a missing or unknown one).
 * Same statuses as edit_appcmd.
 */
int edit_netsh(const char *path, int nwords, char *const *words, FILE *out, FILE *errout);

#endif
