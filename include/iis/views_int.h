/*
 * views_int — what the offline views' three files share and nobody else uses: the
 * helpers views.c defines for check (viewscheck.c) and explain (viewsexplain.c).  The
 * public surface stays views.h.
 */
#ifndef SYSBIND_VIEWS_INT_H
#define SYSBIND_VIEWS_INT_H

#include <stdio.h>

#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"

/* s as a JSON string, quotes included, through respond.c's one escaper. */
void views_json_string(FILE *out, const char *s);

/* The name a person knows a certificate by: its CN, else its first SAN, else its subject. */
const char *views_cert_name(const struct cert *c);

/* One sentence on how the configuration's mode chooses a certificate. */
const char *views_mode_story(const struct conf *cfg);

/* A site's application pool in one line (explain, check): its name, queue_length,
 * backend_max_connections, rapid-fail protection, load balancer and verbosity, and what a
 * request it refuses gets.  Returns buf. */
const char *views_pool_story(const struct conf_site *s, char *buf, size_t len);

/* 1 when site s's pool is set away from IIS's defaults (check lists those). */
int views_pool_custom(const struct conf_site *s);

/* "[site NAME]", the name quoted when the file must quote it. */
void views_site_label(const struct conf_site *s, char *buf, size_t len);

/* "TLS 1.3", "TLS 1.2", "TLS 1.1" or "TLS 1.0" for OpenSSL's version number v. */
const char *views_tls_version_name(int v);

/* The highest version an entry's CONF_TLS* set allows, as OpenSSL numbers it; 0 when none. */
int views_tls_highest(unsigned versions);

/* The thumbprint an entry names, as netsh shows it (lowercase, no spaces). */
void views_entry_thumbprint(const struct conf_sslcert *e, char *buf, size_t len);

/*
 * The certificate a choice came to, as check and explain write it: {subject, sans,
 * thumbprint, not_after, selected_by[, available: false]}; an entry that matched without
 * its certificate at hand has a thumbprint only; no choice at all is null.
 */
void views_json_cert(FILE *out, const struct cert *cert, const struct cert_choice *ch);

/* The chain as sent and, for an incomplete or stale chain, what each client family gets:
 * lines under indent; in JSON ", \"chain_sent\": [...]" and ", \"clients\": [{family,
 * gets}]".  Told for untrusted, incomplete-chain and stale-intermediate, and for ok when
 * trusted is 0 ([server] trust unset: the chain was not checked; then a path that stops
 * at an issuer not found says who fails, and JSON says "chain_checked": false)
 * (viewschain.c). */
void views_chain_print(FILE *out, const char *indent, const struct cert *c,
    enum cert_verdict v, int trusted);
void views_chain_json(FILE *out, const struct cert *c, enum cert_verdict v, int trusted);
/* Whether the chain c is served with stops at an issuer found nowhere ("then X: not
 * found"). */
int views_chain_unfound(const struct cert *c);

#endif
