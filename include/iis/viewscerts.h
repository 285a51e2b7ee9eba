/*
 * viewscerts — `sysbind show certs`: the certificate inventory, as Envoy's admin /certs
 * lists what it holds, and more.  Every certificate the configuration loads or names: each
 * [sslcert] entry's (a PEM file, a PFX, a thumbprint in cert_store, one not available
 * here), every file of a Central Certificate Store, the CAs of [server] trust and of each
 * entry's sslctlstorename; with its facts (subject, names, serial, SHA-1 thumbprint as
 * netsh prints certhash, dates and days left), the chain as it is sent, who uses it (the
 * [sslcert] entries, and the sites' https bindings whose clients get it, with and without
 * SNI, as binding_choose_cert decides), and what is wrong with it.  A certificate several
 * entries name (one thumbprint) is listed once with all of them.  It formats what
 * certstore and binding decide; it loads nothing but the sslctlstorename directories'
 * certificates (the loaded configuration keeps only their names).  Blocking stdio: not
 * for the event loop.
 *
 * Problems, each an error (a client fails, or sysbind cannot serve it: the command's exit
 * status is 1) or a warning (exit status unchanged):
 *   expired, not-yet-valid                  error
 *   name-mismatch   a browser (SNI = the binding's host) gets it on a binding whose host it
 *                   does not name; what clients without SNI get is listed, not judged
 *                   (`check` predicts those)                              error
 *   no-private-key, key-mismatch, not-available   sysbind cannot serve it   error
 *   expires-soon    fewer than VIEWS_CERTS_SOON_DAYS days left            warning
 *   self-signed     a served leaf that signed itself                      warning
 *   missing-intermediate  with [server] trust: the chain as sent stops at a certificate
 *                   whose issuer is neither sent nor a root of trust      warning
 *   unused          a served certificate no binding's clients get         warning
 */
#ifndef SYSBIND_VIEWSCERTS_H
#define SYSBIND_VIEWSCERTS_H

#include <stdio.h>
#include <time.h>

#include "model/certstore.h"
#include "model/conf.h"

/* A certificate with fewer days than this left is "expires-soon" (and a `check` warning). */
#define VIEWS_CERTS_SOON_DAYS 30

/*
 * Write the inventory of cfg (loaded with CONF_LOAD_CERTS) at time now to out: json 0, a
 * text for a person (leading lines for certificates expired or expiring within
 * VIEWS_CERTS_SOON_DAYS, then one block per certificate, those with errors first, then
 * those with warnings, then the rest, each group by expiry, soonest first; then a summary
 * line); json 1, one JSON object (keys in sysbind(8), SHOW CERTS).  Returns how many
 * certificates have an error (the caller exits 1 when it is not 0), or -1 on a write
 * error or when memory ran out.  Borrows everything.
 */
int views_certs(const struct conf *cfg, time_t now, int json, FILE *out);

/*
 * Whole days from now to t, rounded down (Envoy's days_until_expiration); negative when t
 * is past (-3: three whole days ago).  Pure.
 */
long views_certs_days(time_t t, time_t now);

/*
 * c's expiry as a person reads it, into buf: "expires in 12 days", "expires in less than
 * a day", "EXPIRED 3 days ago", "not valid for 5 more days".  Pure.  Returns buf.
 */
const char *views_certs_expiry(const struct cert *c, time_t now, char *buf, size_t len);

/*
 * `check`'s warning about c: "certificate NAME (THUMBPRINT) expires in 12 days (not after
 * 2026-05-01 12:00:00 UTC)" into buf when c is still valid with fewer than
 * VIEWS_CERTS_SOON_DAYS days left; NULL otherwise (c NULL, expired, or longer).  Pure.
 */
const char *views_certs_soon_warning(const struct cert *c, time_t now, char *buf, size_t len);

#endif
