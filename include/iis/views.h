/*
 * views — the offline outputs of sysbind (sysbind(8)): `show sslcert` (netsh's layout),
 * `list site` (appcmd's layout), `check` (a table or JSON of the certificate every https
 * binding's clients get, with and without SNI, and the verdict), and `explain` (one
 * hypothetical connection narrated step by step).  Every decision comes from binding.c
 * (binding_resolve_cert, binding_route) and certstore.c (certstore_verdict); this module
 * only formats.  Output goes to a caller's FILE (open_memstream in the tests).  No
 * sockets; none of these may be called from the event loop (they block on stdio).  The
 * public surface of three files: views.c (show, list, the shared-binding note),
 * viewscheck.c (check), viewsexplain.c (explain).
 */
#ifndef SYSBIND_VIEWS_H
#define SYSBIND_VIEWS_H

#include <stdio.h>
#include <time.h>

#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"

struct binding_share;
struct conf;

/*
 * `netsh http show sslcert`: the header block, then one entry per [sslcert] section in
 * file order, each followed by a blank line, in the layout of the Windows Server [server]
 * show_layout names: 2012 (up to Negotiate Client Certificate), 2019 (Reject Connections
 * and Disable HTTP2 added), 2022 (the Disable/Enable lines up to Enable Session Ticket and
 * the "Extended Properties" blocks: show_property_blocks of them, PropertyId 0 up, those
 * past 1 empty), win11 (Enable Caching Client Hello added), 2025 (Disable Session ID and
 * Enable Caching Client Hello added).  Every line comes from the conf key table's labels: Enabled /
 * Disabled for the old flags, Set / Not Set for the newer, "(null)" for an unset text.
 * Lines end in CRLF, as the Windows console prints them, so the bytes can be compared
 * with a capture from a Windows machine.  A parameter set away from netsh's default that
 * the layout has no line for is named on note (may be NULL), one line each: nothing is
 * hidden silently.  Returns 0, or -1 on a write error.
 */
int views_show_sslcert(const struct conf *cfg, FILE *out, FILE *note);

/*
 * `show sslcert --json`: a JSON array, one object per [sslcert] in file order: "kind"
 * (ipport, hostnameport, ccs), "name" (the section's), then by its name in the file every
 * [sslcert] key netsh shows (every layout's, whatever show_layout says) and the file
 * keys (certificate, key, pfx, directory), never a password: a switch as true/false, a
 * number as a number, certhash as netsh shows it (the loaded certificate's thumbprint),
 * any other value as the file would spell it, null when unset.  Returns 0 or -1.
 */
int views_show_sslcert_json(const struct conf *cfg, FILE *out);

/*
 * `appcmd list site`: one line per site in file order,
 * SITE "<name>" (id:<n>,bindings:<b>[,<b>...],state:<Started|Stopped>), LF line ends.
 * Returns 0 or -1.
 */
int views_list_site(const struct conf *cfg, FILE *out);

/*
 * `appcmd list apppool`: one line per application pool (HTTP.SYS's request queue), in
 * order of its first site: APPPOOL "<name>" (MgdVersion:,MgdMode:Integrated,state:Started).
 * MgdVersion is empty as appcmd prints a pool with "No Managed Code" (sysbind runs no
 * .NET); state is the configuration's (a pool rapid-fail protection stopped is the running
 * daemon's).  Only the pool named name (ASCII case ignored) when name is not NULL.
 * Returns the number of lines, or -1.
 */
int views_list_apppool(const struct conf *cfg, const char *name, FILE *out);

/*
 * `appcmd list app`: one line per site's root application, in file order:
 * APP "<site>/" (applicationPool:<pool>).  Only the one named app ("SITE/" or "SITE",
 * ASCII case ignored) when app is not NULL, and those of pool pool when that is not NULL.
 * Returns the number of lines, or -1.
 */
int views_list_app(const struct conf *cfg, const char *app, const char *pool, FILE *out);

/* `list site --json`: [{name, id, bindings: ["https/IP:PORT:HOST", ...], state: "Started"
 * | "Stopped", backend: "http://..." | null}] in file order.  Returns 0 or -1. */
int views_list_site_json(const struct conf *cfg, FILE *out);

/*
 * `check`: for every https binding of every site, the certificate a client gets on the
 * binding's address with SNI = the binding's host and without SNI (one row only when the
 * host is blank: such a client has no name to send), the step that chose it, and the
 * verdict for the binding's host at time now.  A "*" binding is predicted for both
 * listeners the daemon opens, IPv4 (0.0.0.0) and IPv6 ([::]), each resolved as the daemon
 * does (step 4: an IPv6 client takes [::]:port, else 0.0.0.0:port; an IPv4 client only
 * 0.0.0.0:port); the table shows the two as one row when a client could not tell them
 * apart, and as "(IPv4)" / "(IPv6)" rows when it could.  A blank-host binding has
 * no host to check the name against: its name check is skipped (dates and trust are still
 * checked) and an otherwise good certificate is reported "n/a (any host)", not an error.
 * A handshake failure is "no-certificate" and an error.  An entry that matched but whose
 * certificate is not available here (an import without its certificates) is "unknown",
 * not an error: the row names the entry and its thumbprint.  A certificate loaded without
 * its private key is judged as the IIS server would serve it.  json 0 writes a readable
 * table ending in a summary line and one line per problem; json 1 writes a JSON array of
 * objects {site, site_id, binding, local, sni, certificate{subject, sans, thumbprint,
 * not_after, selected_by[, available: false]} | null, verdict, why[, warning][,
 * client_certificates]}, one per prediction and family ("warning": the certificate expires
 * within VIEWS_CERTS_SOON_DAYS, viewscerts.h; the table says it under "warnings:", and
 * neither counts as an error).  Then, for every site and path whose IIS access sslFlags
 * ask for a client certificate, through each https binding of the site: what a TLS 1.2
 * client, a TLS 1.3 browser on HTTP/1.1 and an HTTP/2 browser get (clientcert_decide with
 * each client's facts; each holds a good certificate and sends it when asked), and the fix
 * when one of them gets an error (clientcertnegotiation = enable, or disabletls13 =
 * enable); in JSON as "client_certificates": [{path, ssl_flags, location, sslcert,
 * clientcertnegotiation, clients: [{client, action, outcome, error, why}], fix}] on the
 * prediction a browser makes (SNI = the binding's host).  Returns the number of client
 * errors (every family of the certificate predictions counted, and every client-certificate
 * client error; the caller exits 1 when it is not 0), or -1 on a write error.
 */
int views_check(const struct conf *cfg, time_t now, int json, FILE *out);

/* Why a note about sites sharing one HTTPS binding (binding_shares) is written. */
enum views_share_when {
	VIEWS_SHARE_CHECK,       /* `check`: a prediction, below the table */
	VIEWS_SHARE_JOINED,      /* appcmd added a binding (joined) that reuses the entry */
	VIEWS_SHARE_NEW_CERT,    /* netsh gave the entry a certificate some of its sites did
	                          * not have before: IIS Manager's dialog is true */
	VIEWS_SHARE_FIRST_CERT,  /* netsh gave the entry the first certificate its sites get */
	VIEWS_SHARE_START,       /* the daemon's start: only when a host is not named */
};

/* IIS Manager's dialog when a site's binding is given a certificate
 * other than the one the sites sharing its IP:Port have.  Its only documented wording:
 * the case of the same certificate is said in sysbind's words. */
#define VIEWS_IIS_SHARED_TEXT "At least one other site is using the same HTTPS binding " \
	"and the binding is configured with a different certificate. Are you sure that you " \
	"want to reuse this HTTPS binding and reassign the other site or sites to use the new " \
	"certificate?"

/*
 * One note, one line ending in a newline, about share s, worded for when: which
 * sites share the entry's one certificate, which of their hosts it does not name (at
 * time now; only a loaded certificate's names are known), and, where it is true, IIS
 * Manager's dialog quoted as IIS Manager's (VIEWS_IIS_SHARED_TEXT): in a check note
 * when a host is not named (giving that site its own certificate is what IIS Manager
 * asks about), after an appcmd edit whose binding (joined) is not named, and after a
 * netsh edit that changed the certificate (VIEWS_SHARE_NEW_CERT).  Everything else is
 * sysbind's own words.  VIEWS_SHARE_START writes nothing when every host is named.
 * Returns 1 when a note was written, 0 when there was nothing to say.
 */
int views_share_note(const struct binding_share *s,
    enum views_share_when when, const struct binding *joined, time_t now, FILE *out);

/*
 * How to fix verdict v, one line into buf (len bytes; "" when len allows nothing): for a
 * client that asked for host (its name, without the port; NULL or "": any host) on port,
 * with SNI or not (sni_sent), on a connection whose certificate choice was ch (its step,
 * its [sslcert] entry, the CCS file; NULL or CERT_STEP_NONE: no entry matched), in mode.
 * Concrete: the netsh command that binds a certificate to that entry and the [sslcert]
 * key that does it here, or, for a client that sends SNI, an SNI binding for host.  The same words in `check` and on the diagnostic page.  Pure: no
 * I/O, any thread, the event loop too.  Returns buf.
 */
const char *views_verdict_fix(enum cert_verdict v, const struct cert_choice *ch,
    const char *host, int sni_sent, unsigned port, enum conf_mode mode, char *buf,
    size_t len);

/* The client-certificate fixes `check` names (and the diagnostic page, for a path asked
 * by a renegotiation): the handshake never asks (VIEWS_CC_FIX_NEVER_ASKED), or TLS 1.3 and
 * HTTP/2 clients cannot be asked by renegotiating (VIEWS_CC_FIX_TLS13). */
enum views_cc_fix { VIEWS_CC_FIX_NEVER_ASKED = 1, VIEWS_CC_FIX_TLS13 };

/* The fix kind for [sslcert entry], one line into buf.  Pure, any thread.  Returns buf. */
const char *views_cc_fix(enum views_cc_fix kind, const char *entry, char *buf, size_t len);

/* One hypothetical connection for `explain`. */
struct views_conn {
	struct binding_addr local;   /* the connection's local address (never AF_UNSPEC) */
	unsigned            port;
	const char         *host;    /* the request's host as sent (may carry ":port") */
	const char         *sni;     /* an explicit SNI name, or NULL */
	int                 no_sni;  /* 1: the client sends no SNI */
	int                 http;    /* 1: plain HTTP, no TLS at all */
	const char         *path;    /* the request's path, or NULL ("/") */
	int                 tls;     /* 12 or 13: the TLS version; 0: the binding's highest */
	int                 h2;      /* 1: the client speaks HTTP/2 when the binding offers it */
};

/*
 * `explain`: narrate one connection in numbered steps: accept; the ClientHello and
 * whether its SNI is used in this mode; every §1.1 step considered and the certificate
 * chosen; the decrypted Host and the site binding_route picks (or HTTP.SYS's 400/503);
 * the verdict with what a browser and curl would report.  Without sni and no_sni the
 * client sends SNI = the host without its port (none when the host is an IP literal, as
 * clients do).  When the site (or a path of it) has IIS access sslFlags, or path, tls
 * or h2 is given, a last step applies the path's client-certificate policy with
 * clientcert_decide, for a client that holds a good certificate and sends it when asked:
 * each decision's sentence, the renegotiation's second round or HTTP/2's retry over
 * HTTP/1.1 included.  json 1 writes one JSON object instead: mode, local, scheme, host,
 * sni, certificate (as check writes it, or null), site, site_id, backend, status and
 * reason (HTTP.SYS's 400 or 503 and its HTTPERR reason, or null when a site answers),
 * verdict (null for plain HTTP), why, and steps: the narration's lines.  Returns 0 or -1
 * on a write error (a predicted client error is not a failure of explain: `check` is the
 * command whose status reports those).
 */
int views_explain(const struct conf *cfg, const struct views_conn *c, time_t now, int json,
    FILE *out);

#endif
