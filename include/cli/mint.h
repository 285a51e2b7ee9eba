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

#endif
