/*
 * certstore — loading certificates and keys (PEM, PKCS#12/PFX, SHA-1 thumbprint lookup,
 * Central Certificate Store directories), the facts reported about a certificate, and the
 * verdict a client would reach on it (DESIGN.md §1.3).  No sockets; safe to call from any
 * thread once loaded (loaded objects are never modified).
 */
#ifndef SYSBIND_CERTSTORE_H
#define SYSBIND_CERTSTORE_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include <openssl/evp.h>

/* A loaded certificate with its private key and the facts the views print. */
struct cert {
	X509           *x509;         /* leaf */
	STACK_OF(X509) *chain;        /* intermediates (may be empty, never NULL) */
	EVP_PKEY       *key;          /* private key matching x509 */
	char           *path;         /* file it came from (PEM chain or PFX) */
	char            subject[512]; /* one-line RFC 2253 form, e.g. "CN=sitev1.mysite.com" */
	char            issuer[512];
	char            common_name[256]; /* subject CN, "" if none */
	char          **sans;         /* DNS subjectAltNames, as written (may hold "*.x.com") */
	size_t          nsans;
	char            thumbprint[41];   /* SHA-1 of the DER, lowercase hex, as netsh shows it */
	time_t          not_before, not_after;
};

/*
 * Load a PEM certificate chain and its key.  key_path NULL (or equal to chain_path) means
 * the key is in the chain file.  Checks that the key matches the certificate.  Returns a
 * new cert (caller owns, free with certstore_cert_free) or NULL with a message naming the
 * file in err.
 */
struct cert *certstore_load_pem(const char *chain_path, const char *key_path,
    char *err, size_t errlen);

/* Load a PKCS#12 file (certificate, key, chain). password may be NULL or "". */
struct cert *certstore_load_pfx(const char *path, const char *password,
    char *err, size_t errlen);

/*
 * Find the certificate whose SHA-1 thumbprint is hash (40 hex digits, any case, spaces
 * ignored as netsh users paste them) among the *.pem and *.pfx files of directory dir.
 * PFX files are opened with pfx_password (NULL or "" for none).  PEM files must hold the
 * key too, or have it beside them as the same name with .key.  Returns a new cert or NULL.
 */
struct cert *certstore_find_thumbprint(const char *dir, const char *hash,
    const char *pfx_password, char *err, size_t errlen);

void certstore_cert_free(struct cert *c);

/* A Central Certificate Store: every *.pfx of a directory, loaded with one password. */
struct ccs;

/*
 * Load every *.pfx in dir with password.  A file that cannot be opened is an error
 * naming it.  Returns a new store (caller owns) or NULL.
 */
struct ccs *certstore_ccs_load(const char *dir, const char *password,
    char *err, size_t errlen);

/*
 * The certificate stored as "<name>.pfx" (name compared case-insensitively, as on a
 * Windows share), or NULL.  The returned pointer is owned by the store.
 */
const struct cert *certstore_ccs_get(const struct ccs *s, const char *name);
const char *certstore_ccs_dir(const struct ccs *s);
/* The store's certificates in any order: i from 0 to certstore_ccs_count - 1. */
size_t certstore_ccs_count(const struct ccs *s);
const struct cert *certstore_ccs_cert(const struct ccs *s, size_t i);
void certstore_ccs_free(struct ccs *s);

/* Trusted roots for predicting "untrusted": a PEM bundle file or a directory of PEMs. */
X509_STORE *certstore_trust_load(const char *path, char *err, size_t errlen);

enum cert_verdict {
	VERDICT_OK = 0,
	VERDICT_NAME_MISMATCH,
	VERDICT_EXPIRED,
	VERDICT_NOT_YET_VALID,
	VERDICT_UNTRUSTED,
	VERDICT_NO_CERTIFICATE,
};

/* "ok", "name-mismatch", "expired", "not-yet-valid", "untrusted", "no-certificate". */
const char *certstore_verdict_name(enum cert_verdict v);

/*
 * What a client asking for host would conclude about c at time now (DESIGN.md §1.3):
 * c NULL gives no-certificate; the name is checked with X509_check_host (SAN dNSNames, CN
 * only without SAN, one-label left-most wildcard); then the validity dates; then, when
 * trust is not NULL, whether c's chain reaches a root in trust (dates not re-checked
 * there).  host NULL or "" skips the name check (a blank-host binding names no
 * host).  When several fail, the first in that order is returned.  why (may be NULL)
 * receives one sentence a person can read, e.g.
 * "certificate names sitev1.mysite.com, not sitev2.mysite.com".
 */
enum cert_verdict certstore_verdict(const struct cert *c, const char *host,
    X509_STORE *trust, time_t now, char *why, size_t whylen);

/* Drain OpenSSL's error queue into buf as "; "-separated reasons (buf always terminated). */
void certstore_ssl_errors(char *buf, size_t len);

#endif
