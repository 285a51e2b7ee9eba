/*
 * mint — the local certificate authority of `sysbind reverse-proxy` (as mkcert and Caddy
 * make one): an EC P-256 CA made once and kept, and leaf certificates it signs for the
 * names a quick start serves.  Everything through OpenSSL's API, never the openssl
 * command.  Keys are written with mode 0600.  A CA is only ever created where nothing
 * exists (O_EXCL), never replaced; a file that is a symlink, not a regular file, or owned
 * by another user is refused and left as it is.  Blocking file I/O: start-up code only.
 */
#ifndef SYSBIND_MINT_H
#define SYSBIND_MINT_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/*
 * Create a new CA: a key written to key_path (0600), then a self-signed certificate with
 * subject CN=cn (basicConstraints critical CA:TRUE, keyUsage keyCertSign and cRLSign,
 * subjectKeyIdentifier; ten years) to cert_path (0644).  Both files must not exist: an
 * existing one is never replaced (-1).  On failure nothing this call created is left.
 * Returns 0, or -1 with "PATH: reason" in err.
 */
int mint_ca_new(const char *cert_path, const char *key_path, const char *cn, char *err,
    size_t errlen);

/*
 * Load a CA made before: both paths regular files (not symlinks), owned by the effective
 * user; the certificate a CA (basicConstraints CA:TRUE) and the key its private key.
 * Returns 0 with *cert and *key (caller frees both), or -1 with why in err; the files are
 * never modified.
 */
int mint_ca_load(const char *cert_path, const char *key_path, X509 **cert, EVP_PKEY **key,
    char *err, size_t errlen);

/*
 * Issue a leaf certificate signed by ca/ca_key for names (n >= 1; a name that is an IPv4
 * or IPv6 literal becomes an iPAddress SAN, any other a dNSName; the subject CN is
 * names[0]): a new EC P-256 key, basicConstraints critical CA:FALSE, keyUsage critical
 * digitalSignature, extendedKeyUsage serverAuth, subjectAltName, subject and authority key
 * identifiers; valid from an hour ago for 397 days.  The key is written to key_path (0600)
 * and the certificate to cert_path, each through a temporary file renamed over the target:
 * an existing target must be a regular file (not a symlink) owned by the effective user,
 * or it is refused and left as it is.  Borrows ca and ca_key.  Returns 0, or -1 with err.
 */
int mint_leaf(X509 *ca, EVP_PKEY *ca_key, const char *const *names, size_t n,
    const char *cert_path, const char *key_path, char *err, size_t errlen);

/* The SHA-256 fingerprint of cert as "AB:CD:...", into buf (97 bytes suffice). */
void mint_fingerprint(X509 *cert, char *buf, size_t len);

/*
 * The pieces `sysbind scenarios` (scenarios.c) assembles its broken chains from: any CA or
 * leaf with any validity, an intermediate re-issued (cross-signed) by another CA for the
 * same key, a chain file of several certificates, a PFX.
 */

/* A new EC P-256 key (caller frees), or NULL. */
EVP_PKEY *mint_key_new(void);

/* What mint_issue makes.  Times are seconds from now (negative: in the past). */
struct mint_spec {
	const char *const *names;   /* a leaf's names (SANs as mint_leaf); a CA: names[0] = CN */
	size_t      n;
	int         ca;             /* 1: basicConstraints CA:TRUE, keyCertSign (no SAN) */
	long        not_before;
	long        not_after;
};

/*
 * A certificate for key as s says, signed by issuer/issuer_key, or self-signed when issuer
 * is NULL (issuer_key then key).  Subject and authority key identifiers are set, so a CA
 * re-issued for the same key by another issuer has the same subject key identifier.
 * Returns a new certificate (caller frees), or NULL with err.
 */
X509 *mint_issue(const struct mint_spec *s, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key, char *err, size_t errlen);

/*
 * Write certs[0..n) as one PEM file at path (0644) and, when key_path is not NULL, key
 * there (0600), each through a temporary file renamed over the target (refused when the
 * target is a symlink, not a regular file, or another user's).  Returns 0, or -1 with err.
 */
int mint_write_chain(X509 *const *certs, size_t n, EVP_PKEY *key, const char *path,
    const char *key_path, char *err, size_t errlen);

/*
 * Write cert, its key and the chain certificates extra[0..n) as a PKCS#12 file at path
 * (0600), protected by password (AES-256-CBC, as OpenSSL 3's default).  Returns 0, or -1.
 */
int mint_write_pfx(X509 *cert, EVP_PKEY *key, X509 *const *extra, size_t n,
    const char *password, const char *path, char *err, size_t errlen);

#endif
