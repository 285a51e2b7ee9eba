/*
 * import — a sysbind configuration from a real IIS server's files (sysbind(8)'s
 * `sysbind import`): IIS's applicationHost.config (read with expat) and the text of
 * `netsh http show sslcert` as Windows prints it.  This module builds the configuration
 * text and reports what could not be carried over; it does not write files (cli.c does).
 *
 * It carries over everything it can: each item it cannot is a "FILE:LINE: warning:"
 * naming the source file and line, and the result is always a configuration `sysbind -t`
 * accepts.  It fails only when the inputs cannot be read at all (a missing file, XML that
 * does not parse, no <sites>) or nothing usable is left (no site with an http or https
 * binding).
 *
 * Decisions (documented in the output's header comment too):
 * - one [site] per <site> under <system.applicationHost><sites>, with its id and its http
 *   and https bindings ("protocol/bindingInformation"); other protocols (net.tcp, ftp, ...)
 *   are warnings; a site left with no binding is skipped with a warning;
 * - bindingInformation as IIS reads it: an empty IP (":8080:localhost", as Visual Studio,
 *   Hostable Web Core and New-WebBinding write it) is All Unassigned, "*"; IIS Express's
 *   host "*" is any host (a blank host);
 * - names as IIS keeps them: a name with leading or trailing blanks, a ";" or a newline is
 *   written quoted ([site "..."]); an empty name becomes "Site ID", a second site with
 *   the same name (IIS compares them case-insensitively) "NAME (id ID)", both warned;
 * - ids: IIS's DWORD, 1 to 4294967295; a missing, bad or repeated id gets the next free one;
 * - the same binding on two started sites: IIS starts the first (file order) and leaves
 *   the second stopped; so does the import, naming both;
 * - a port with both http and https bindings: HTTP.SYS speaks TLS on a port netsh has a
 *   certificate binding for, plain HTTP otherwise; the bindings of the other protocol on
 *   that port are left out, each warned;
 * - state: a `state` attribute on <site> ("Stopped"/"Started", as some exports write it)
 *   wins; else serverAutoStart="false" on the site, or on <siteDefaults> when the site
 *   does not set it, means stopped (IIS does not start such a site: its port answers 503);
 * - sslFlags as a number or IIS's names ("Sni", "Sni, CentralCertStore"); mode = iis8
 *   when a hostnameport or ccs entry exists or an https binding asks for SNI (1) or CCS
 *   (2, 3); the bits 4 to 128 (DisableHTTP2, DisableOCSPStp,
 *   DisableQUIC, DisableTLS13, DisableLegacyTLS, NegotiateClientCert) are the flags of the
 *   [sslcert] entry the binding resolves to (IIS writes them there): set on it, with a
 *   warning when netsh's output shows the entry without one, when two bindings sharing an
 *   entry disagree (the entry gets each one's), or when there is no entry to carry them;
 * - IIS's <access sslFlags> of <location path="SITE"> and <location path="SITE/PATH">
 *   (and the server-wide <system.webServer><security><access>) as the site's ssl_flags
 *   and [location SITE/PATH] sections; a location of no site, a path conf would refuse,
 *   a value that is not IIS's flags are warnings; serverRuntime uploadReadAheadSize as
 *   [server] upload_read_ahead_size (a site's or path's own value is a warning: sysbind
 *   has one for the server);
 * - one [sslcert] per netsh entry (ipport, hostnameport, ccs) with certhash, appid, the
 *   certificate store name and every other parameter netsh shows that is not at its
 *   default (the Extended Properties too); show_layout = the layout of the output when it
 *   is not 2022's, show_property_blocks = its Extended Properties blocks when not 2, so
 *   that `show sslcert` gives the output back; an entry whose hash is
 *   not a thumbprint (redacted, cut) is left out, warned; the netsh text may be UTF-8
 *   (with or without BOM) or UTF-16LE/BE (with a
 *   BOM, as Windows PowerShell 5.1's `>` writes it); an output whose labels are not
 *   English is named as such, with how to get the English one;
 * - a ccs entry needs the Central Certificate Store's folder, which Windows keeps in the
 *   registry, not in netsh's output: it is taken as DIR/ccs when --cert-store DIR has a
 *   ccs/ folder, else the entry is a warning and left out;
 * - certificates: with --cert-store each thumbprint is looked up once (a warning when it
 *   is not there or has no private key); without it the entries are kept by thumbprint
 *   and `check`, `show sslcert` and `list site` work on the result, saying which
 *   certificate each entry lacks;
 * - no backend is written: the built-in diagnostic page answers until one is filled in.
 */
#ifndef SYSBIND_IMPORT_H
#define SYSBIND_IMPORT_H

#include <stdio.h>
#include <stddef.h>

#include "model/binding.h"

struct import_opts {
	const char *applicationhost; /* path of applicationHost.config (required) */
	const char *sslcert;         /* path of a saved `netsh http show sslcert`, or NULL */
	const char *cert_store;      /* directory holding the certificates, or NULL */
	const char *out_path;        /* where the result goes (to write cert_store relative
	                              * to it), or NULL for standard output */
};

/* One entry of `netsh http show sslcert`. */
#define IMPORT_NETSH_NUMS 8   /* room for the [sslcert] NUMBER keys netsh shows */
#define IMPORT_NETSH_STRS 4   /* and its text keys (sslctlidentifier, sslctlstorename) */

struct import_netsh_entry {
	struct sslcert_key key;
	char               keytext[BINDING_HOST_MAX + 16]; /* "0.0.0.0:443", "name:443", "ccs:443" */
	char               certhash[64];   /* "" when (null) */
	char               appid[64];      /* "" when (null) */
	char               storename[64];  /* "" when (null) */
	int                line;           /* line of the key line (IP:port, ...) */
	int                hashline, appidline; /* lines of those fields, 0 when absent */
	/* Every other line netsh printed, as the [sslcert] keys hold them (netsh's defaults
	 * for a line the layout lacks): the enable/disable keys' bits, the numbers and the
	 * texts of the conf key table's labelled [sslcert] keys, each kind in table order. */
	unsigned           flags;          /* CONF_SSL_* */
	unsigned           checkmode;      /* CONF_CHECK_* */
	unsigned long      nums[IMPORT_NETSH_NUMS];
	char               strs[IMPORT_NETSH_STRS][64];  /* "" when (null) */
	unsigned           layout;         /* the newest show_layout whose lines it holds */
	/* its lines in Windows Server 2008's fields (conf_netsh2008_lead) and in the later
	 * 28 columns: an entry of 2012's lines all in the former is 2008's layout */
	unsigned           lines2008, lines28;
	/* The labelled lines it has (bit i: the i-th labelled [sslcert] key of the conf key
	 * table), to say which lines of its output's layout it lacks; its last line; the
	 * Extended Properties blocks it has (the highest PropertyId + 1, empty ones too). */
	unsigned long long lines_read;
	int                lastline;
	int                trailline;      /* its first line ending in a blank, 0 when none */
	unsigned           propblocks;
	/* Filled by import_build: the flags the IIS bindings resolving to this entry carry
	 * (sslFlags 4 to 128), and the first such binding, for the disagreement warning. */
	unsigned           bindflags;
	int                bindline;
	char               bindtext[BINDING_HOST_MAX + 96];
};

/*
 * The text of a file as UTF-8: a UTF-8 BOM is dropped, UTF-16LE or BE (with a BOM, or
 * recognised by its zero bytes) converted.  Returns a new NUL-terminated buffer (caller
 * frees) with its length in *outlen, or NULL with a message naming name in err (a UTF-16
 * text that does not convert).  *encoding (may be NULL) gets "UTF-8", "UTF-8 with BOM",
 * "UTF-16LE" or "UTF-16BE".
 */
char *import_text_decode(const char *raw, size_t len, const char *name, size_t *outlen,
    const char **encoding, char *err, size_t errlen);

/*
 * Parse the text (UTF-8) of `netsh http show sslcert` (any Windows layout from Server 2008
 * to 2025, LF or CRLF): every line of an entry, the "Extended Properties" blocks included,
 * is read into the entry.  name is used in warnings, written to warn (may be NULL) as
 * "name:LINE: warning: ...": a key that is no certificate binding (and why), a key listed
 * twice, a line whose label sysbind does not know or whose value is not one netsh prints
 * (each left at netsh's default), an entry without a line its output's layout has (one
 * warning per entry at its last line, naming each line and the default that stands in),
 * what show sslcert would not give back (a header other than netsh's, other empty lines
 * between entries, a blank after a value), an output whose labels are not English (no
 * entries are read from it then).
 * Returns 0 with a new array in *out (caller frees with free) and its length in *n, or -1
 * with a message in err.
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
