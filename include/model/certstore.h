/*
 * certstore — loading certificates and keys (PEM, PKCS#12/PFX, SHA-1 thumbprint lookup,
 * Central Certificate Store directories), the facts reported about a certificate, and the
 * verdict a client would reach on it (§1.3).  No sockets; safe to call from any
 * thread once loaded (loaded objects are never modified).  The public surface of two
 * files: certstore.c loads, certverdict.c judges (certstore_verdict,
 * certstore_client_verdict, their names, certstore_ssl_errors).
 */
#ifndef SYSBIND_CERTSTORE_H
#define SYSBIND_CERTSTORE_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include <openssl/evp.h>

struct chain_built;

/* A loaded certificate with its private key and the facts the views print. */
struct cert {
	X509           *x509;         /* leaf */
	STACK_OF(X509) *chain;        /* intermediates (may be empty, never NULL) */
	EVP_PKEY       *key;          /* private key matching x509; NULL only in a certificate
	                               * loaded for what it says (certstore_load_public,
	                               * CERTSTORE_PUBLIC_OK), which can never be served */
	char           *path;         /* file it came from (PEM chain or PFX) */
	char            subject[512]; /* one-line RFC 2253 form, e.g. "CN=sitev1.mysite.com" */
	char            issuer[512];
	char            common_name[256]; /* subject CN, "" if none */
	char          **sans;         /* DNS subjectAltNames, as written (may hold "*.x.com") */
	size_t          nsans;
	char            thumbprint[41];   /* SHA-1 of the DER, lowercase hex, as netsh shows it */
	time_t          not_before, not_after;
	struct chain_built *built;    /* where chain came from when it was built as Windows
	                               * builds it (model/chain.h, owned); NULL: the file's
	                               * chain as written */
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

/* certstore lookup flags */
#define CERTSTORE_PUBLIC_OK 0x1  /* a certificate found without its private key is returned
                                  * anyway (key NULL, the reason in err): for the views */

/*
 * A certificate without its key, for what it says: the first certificate of a PEM or DER
 * file (a .cer export) and any PEM certificates after it.  Returns a new cert (key NULL)
 * or NULL with a message naming the file.
 */
struct cert *certstore_load_public(const char *path, char *err, size_t errlen);

/* A new cert sharing src's certificate, chain and key (reference counted).  NULL: no memory. */
struct cert *certstore_cert_dup(const struct cert *src);

/*
 * A certificate store directory, read once and indexed by SHA-1 thumbprint, so that many
 * `certhash =` lookups cost one pass over the directory: its *.pem, *.crt, *.cer, *.der
 * (PEM or DER) and *.pfx, *.p12 files (opened with pfx_password, NULL or "" for none).  A
 * file that is not a certificate (a key) is left out; a PKCS#12 file that cannot be opened
 * is remembered for the "not found" message.  Returns a new index (free with
 * certstore_dir_free) or NULL with err when the directory cannot be read.
 */
struct certstore_dir;
struct certstore_dir *certstore_dir_open(const char *dir, const char *pfx_password,
    char *err, size_t errlen);

/*
 * The certificate whose thumbprint is hash (40 hex digits, any case; spaces, colons and the
 * invisible mark Windows' dialog copies are ignored) with its private key: a PFX holding
 * it, or a PEM file holding it with its key in the file or beside it as the same name with
 * .key.  Returns a new cert (caller owns), or NULL with the reason in err.  With
 * CERTSTORE_PUBLIC_OK a certificate found only without its key is returned with key NULL,
 * and err says why the key is missing.
 */
struct cert *certstore_dir_find(const struct certstore_dir *d, const char *hash, int flags,
    char *err, size_t errlen);
void certstore_dir_free(struct certstore_dir *d);

/* One lookup: certstore_dir_open, certstore_dir_find, certstore_dir_free. */
struct cert *certstore_find_thumbprint(const char *dir, const char *hash,
    const char *pfx_password, int flags, char *err, size_t errlen);

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
/* The same, to change while the load that made s still owns it alone (the served chain,
 * chain_serve); NULL past the end. */
struct cert *certstore_ccs_cert_edit(struct ccs *s, size_t i);
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
	VERDICT_INCOMPLETE_CHAIN,    /* an intermediate missing that AIA could fetch (chain.c) */
	VERDICT_STALE_INTERMEDIATE,  /* an old cross-signed intermediate chosen (chain.c) */
};

/* "ok", "name-mismatch", "expired", "not-yet-valid", "untrusted", "no-certificate",
 * "incomplete-chain", "stale-intermediate". */
const char *certstore_verdict_name(enum cert_verdict v);

/*
 * What a client asking for host would conclude about c at time now (§1.3):
 * c NULL gives no-certificate; the name is checked with X509_check_host (SAN dNSNames, CN
 * only without SAN, one-label left-most wildcard); then the validity dates; then, when
 * trust is not NULL, whether c's chain as sent reaches a root in trust: an issuer
 * missing is incomplete-chain when a browser could fetch it by AIA (else untrusted), a CA
 * of the path expired is stale-intermediate when the chain was built through an
 * intermediate chosen over a rival of its name (else expired, the CA named in why); chain.c judges those.  host NULL or "" skips the name check (a blank-host binding names no
 * host).  When several fail, the first in that order is returned.  why (may be NULL)
 * receives one sentence a person can read, e.g.
 * "certificate names sitev1.mysite.com, not sitev2.mysite.com"; without why no sentence
 * is built (a connection's verdict when nothing shows it: the same verdict, cheaper).
 */
enum cert_verdict certstore_verdict(const struct cert *c, const char *host,
    X509_STORE *trust, time_t now, char *why, size_t whylen);

/* ---- client certificates (issue 14) ---- */

/*
 * The verdict on a client's certificate chain, as HTTP.SYS hands it to IIS in CertFlags
 * and IIS turns it into a 403 sub-status: revoked 403.13, untrusted or invalid 403.16,
 * expired or not yet valid 403.17.
 */
enum cert_chain_verdict {
	CHAIN_OK = 0,
	CHAIN_UNTRUSTED,      /* no path to a trusted root, a bad signature, wrong usage, or a
	                       * revocation status that cannot be known (a stale CRL) */
	CHAIN_EXPIRED,        /* the leaf or a certificate of its chain */
	CHAIN_NOT_YET_VALID,
	CHAIN_REVOKED,
};

/* "ok", "untrusted", "expired", "not-yet-valid", "revoked". */
const char *certstore_chain_verdict_name(enum cert_chain_verdict v);

/* The Windows status IIS logs as sc-win32-status with the 403 (KB 2802568: 403.16 is
 * logged with 2148204809 = CERT_E_UNTRUSTEDROOT); 0 for CHAIN_OK. */
unsigned long certstore_chain_verdict_win32(enum cert_chain_verdict v);

/* certstore_client_verdict flags */
#define CERTSTORE_CHECK_REVOCATION 0x1  /* verifyclientcertrevocation: consult crls */
#define CERTSTORE_CHECK_USAGE      0x2  /* usagecheck: the leaf must allow clientAuth */
#define CERTSTORE_CHECK_CACHED     0x4  /* verifyrevocationwithcachedclientcertonly: said
                                         * in why; the CRL files are the only cache here */

/*
 * What HTTP.SYS would report about a client certificate leaf (with the intermediates the
 * client sent, chain, may be NULL) at time now: trust (NULL: nothing is trusted, every
 * chain is untrusted), crls (may be NULL: revocation is not checked, and why says so),
 * flags above, freshness (revocationfreshnesstime, seconds; 0: a CRL is good until its
 * nextUpdate; otherwise a CRL issued more than freshness seconds before now is stale and
 * the revocation status unknown).  The handshake never depends on this: it is the verdict
 * the site's access policy turns into a 403.x.  When several things are wrong the first
 * of this order is returned (Windows' own precedence is not documented): untrusted chain
 * (including a certificate not allowed for client authentication), revoked, expired or
 * not yet valid, revocation status unknown.  A certificate whose issuer has no CRL among
 * crls is not checked for revocation (HTTP.SYS would fetch the CRL from the CDP; sysbind
 * fetches nothing): why says so.  why (may be NULL) gets one sentence a person can read.
 * Pure: any thread, no I/O; borrows every argument.
 */
enum cert_chain_verdict certstore_client_verdict(X509 *leaf, STACK_OF(X509) *chain,
    X509_STORE *trust, STACK_OF(X509_CRL) *crls, unsigned flags, unsigned long freshness,
    time_t now, char *why, size_t whylen);

/*
 * Certificate revocation lists for client certificates: a file (PEM, any number of CRLs,
 * or one DER CRL) or a directory of them (*.crl, *.pem, *.der, *.r0 ... *.r9).  A file
 * that holds no CRL is an error naming it.  Returns a new stack (free with
 * sk_X509_CRL_pop_free(s, X509_CRL_free)) or NULL with the reason in err.
 */
STACK_OF(X509_CRL) *certstore_crl_load(const char *path, char *err, size_t errlen);

/*
 * The issuer list of a CertificateRequest from a directory of CA certificates (HTTP.SYS's
 * sslctlstorename names a Windows store; here it is a directory of *.pem, *.crt, *.cer,
 * *.der files, PEM or DER): the subject names of every certificate found, in file order,
 * duplicates left out.  A directory with no certificate is an error.  Returns a new stack
 * (free with sk_X509_NAME_pop_free(s, X509_NAME_free)) or NULL with the reason in err.
 */
STACK_OF(X509_NAME) *certstore_ca_names_load(const char *dir, char *err, size_t errlen);

/*
 * One session ticket key in nginx's ssl_session_ticket_key format: 48 bytes (16 name,
 * 16 AES-128 key, 16 HMAC-SHA256 key) or 80 bytes (16 name, 32 HMAC key, 32 AES-256 key).
 */
struct certstore_ticket_key {
	unsigned char name[16];
	unsigned char aes[32];
	unsigned char hmac[32];
	size_t        aes_len;    /* 16 (AES-128-CBC) or 32 (AES-256-CBC) */
	size_t        hmac_len;   /* 16 or 32 (HMAC-SHA256 keys) */
	size_t        size;       /* 48 or 80: the form it was read in */
};

/*
 * Append the keys of one file to *keys (*n of them already; the array grows): the file is
 * one key or several keys of the same size written one after the other.  Its size decides
 * the form: 48 or 80 bytes is one key; a multiple of 80 that is not one of 48 is 80-byte
 * keys; a multiple of 48 that is not one of 80 is 48-byte keys; any other size, and a size
 * that is a multiple of both (240, 480, ...: the two forms cannot be told apart), is an
 * error naming the file.  Returns 0, or -1 with the reason in err (*keys and *n as
 * before).  The key bytes are secrets: the caller clears them (certstore_ticket_keys_free).
 */
int certstore_ticket_keys_load(const char *path, struct certstore_ticket_key **keys,
    size_t *n, char *err, size_t errlen);

/* Clear and free n keys (NULL is a no-op). */
void certstore_ticket_keys_free(struct certstore_ticket_key *keys, size_t n);

/* A certificate name as sysbind writes it everywhere: RFC 2253 ("CN=client.alice"),
 * UTF-8 kept readable.  buf always terminated. */
void certstore_name_format(const X509_NAME *name, char *buf, size_t len);

/* Drain OpenSSL's error queue into buf as "; "-separated reasons (buf always terminated). */
void certstore_ssl_errors(char *buf, size_t len);

#endif
