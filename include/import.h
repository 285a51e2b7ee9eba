/*
 * import — a sysbind configuration from a real IIS server's files (DESIGN.md §3,
 * `sysbind import`): IIS's applicationHost.config (read with expat) and the text of
 * `netsh http show sslcert` as Windows prints it.  This module builds the configuration
 * text and reports what could not be carried over; it does not write files (cli.c does).
 *
 * Decisions (documented in the output's header comment too):
 * - one [site] per <site> under <system.applicationHost><sites>, with its id and its http
 *   and https bindings ("protocol/bindingInformation"); other protocols (net.tcp, ftp, ...)
 *   are warnings; a site left with no binding is skipped with a warning;
 * - state: a `state` attribute on <site> ("Stopped"/"Started", as some exports write it)
 *   wins; else serverAutoStart="false" on the site, or on <siteDefaults> when the site
 *   does not set it, means stopped (IIS does not start such a site: its port answers 503);
 * - one [sslcert] per netsh entry (ipport, hostnameport, ccs) with certhash, appid and the
 *   certificate store name; mode = iis8 when a hostnameport or ccs entry exists or an
 *   https binding's sslFlags asks for SNI (1) or CCS (2, 3), per reference §2.2;
 * - a ccs entry needs the Central Certificate Store's folder, which Windows keeps in the
 *   registry, not in netsh's output: it is taken as DIR/ccs when --cert-store DIR has a
 *   ccs/ folder, else the entry is a warning and left out;
 * - no backend is written: the built-in diagnostic page answers until one is filled in.
 */
#ifndef SYSBIND_IMPORT_H
#define SYSBIND_IMPORT_H

#include <stdio.h>
#include <stddef.h>

#include "binding.h"

struct import_opts {
	const char *applicationhost; /* path of applicationHost.config (required) */
	const char *sslcert;         /* path of a saved `netsh http show sslcert`, or NULL */
	const char *cert_store;      /* directory holding the certificates, or NULL */
	const char *out_path;        /* where the result goes (to write cert_store relative
	                              * to it), or NULL for standard output */
};

/* One entry of `netsh http show sslcert`. */
struct import_netsh_entry {
	struct sslcert_key key;
	char               keytext[BINDING_HOST_MAX + 16]; /* "0.0.0.0:443", "name:443", "ccs:443" */
	char               certhash[64];   /* "" when (null) */
	char               appid[64];      /* "" when (null) */
	char               storename[64];  /* "" when (null) */
	int                line;           /* line of the key line (IP:port, ...) */
};

/*
 * Parse the text of `netsh http show sslcert` (any Windows layout from Server 2008 to
 * 2022, LF or CRLF).  name is used in warnings, written to warn (may be NULL) as
 * "name:LINE: warning: ...".  Returns 0 with a new array in *out (caller frees with free)
 * and its length in *n, or -1 with a message in err.
 */
int import_netsh_parse(const char *text, size_t len, const char *name,
    struct import_netsh_entry **out, size_t *n, FILE *warn, char *err, size_t errlen);

/*
 * Build the configuration from the files o names.  Warnings (what cannot be carried
 * over) go to warn as "FILE:LINE: warning: ...".  The result is checked with conf_parse
 * before it is returned.  Returns the text (caller frees), or NULL with the reason in err
 * (an unreadable file, malformed XML with its line, a result that would be invalid).
 */
char *import_build(const struct import_opts *o, FILE *warn, char *err, size_t errlen);

#endif
