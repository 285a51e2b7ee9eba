/*
 * mint — the local CA of `sysbind reverse-proxy` and the leaf certificates it signs (see
 * mint.h).  Owns key generation, the X.509 v3 extensions, the PEM encoding and the safe
 * writing of the files; it does not decide where they live or which names they carry
 * (quick.c does).  OpenSSL's 1 = success is wrapped here into 0 / -1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "model/certstore.h"
#include "base/file.h"
#include "cli/mint.h"

#define MINT_CA_DAYS   3650
#define MINT_LEAF_DAYS 397     /* what browsers accept for a leaf since 2020 */

/* err gets msg and the drained OpenSSL reasons. */
static int
mint_fail(char *err, size_t errlen, const char *msg)
{
	char ssl[256];

	certstore_ssl_errors(ssl, sizeof(ssl));
	if (ssl[0] != '\0')
		snprintf(err, errlen, "%s (%s)", msg, ssl);
	else
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* A new EC P-256 key, or NULL. */
static EVP_PKEY *
mint_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* Add extension nid with value (OpenSSL's config syntax) to x, issued by issuer. */
static int
mint_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/*
 * A certificate for key with subject CN=cn, O=sysbind, a random 127-bit serial, valid
 * from an hour ago for days days; issuer and extensions are the caller's.  NULL on failure.
 */
static X509 *
mint_cert_new(EVP_PKEY *key, const char *cn, long days)
{
	unsigned char serial[16];
	X509 *x = NULL;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	int ok = 0;

	if (RAND_bytes(serial, sizeof(serial)) != 1)
		return NULL;
	serial[0] &= 0x7f;   /* a positive INTEGER of at most 16 bytes */
	serial[0] |= 0x40;
	if ((x = X509_new()) == NULL || X509_set_version(x, 2) != 1 ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto out;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"sysbind", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		goto out;
	ok = 1;
out:
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* The PEM text of cert (key NULL) or of key, as a new string (caller frees), or NULL. */
static char *
mint_pem(X509 *cert, EVP_PKEY *key, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;
	int ok;

	if (b == NULL)
		return NULL;
	ok = cert != NULL ? PEM_write_bio_X509(b, cert) :
	    PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	if (ok == 1 && (n = BIO_get_mem_data(b, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
		*len = (size_t)n;
	}
	BIO_free(b);
	return out;
}

/* Write len bytes to fd whole and sync; 0 or -1 (errno set). */
static int
mint_write_fd(int fd, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return fsync(fd);
}

/*
 * Whether path may be replaced: absent, or a regular file (not a symlink) owned by the
 * effective user.  0, or -1 with why in err.
 */
static int
mint_replaceable(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: a symlink; sysbind does not write through it (remove "
		    "it, or choose another --dir)", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s, not a regular file; left as it is", path,
		    file_type_name(st.st_mode));
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %lu, not by this user; left as it is",
		    path, (unsigned long)st.st_uid);
		return -1;
	}
	return 0;
}

/*
 * Write pem to path with mode.  exclusive: path must not exist (O_EXCL, O_NOFOLLOW);
 * otherwise through a temporary file renamed over path (mint_replaceable checked first).
 * 0, or -1 with err; nothing is left behind on failure.
 */
static int
mint_write(const char *path, const char *pem, size_t len, mode_t mode, int exclusive,
    char *err, size_t errlen)
{
	char tmp[4096];
	const char *target = path;
	int fd;

	if (exclusive) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	} else {
		if (mint_replaceable(path, err, errlen) != 0)
			return -1;
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		fd = mkstemp(tmp);
		target = tmp;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, errno == EEXIST ?
		    "already exists; never replaced" : strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) != 0 || mint_write_fd(fd, pem, len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(target);
		return -1;
	}
	if (close(fd) != 0 || (!exclusive && rename(tmp, path) != 0)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(target);
		return -1;
	}
	return 0;
}

/* Write the key (0600) and the certificate (0644) of a pair. */
static int
mint_write_pair(X509 *cert, EVP_PKEY *key, const char *cert_path, const char *key_path,
    int exclusive, char *err, size_t errlen)
{
	char *kpem, *cpem;
	size_t klen = 0, clen = 0;
	int rc = -1;

	kpem = mint_pem(NULL, key, &klen);
	cpem = mint_pem(cert, NULL, &clen);
	if (kpem == NULL || cpem == NULL) {
		mint_fail(err, errlen, "cannot encode the certificate and key as PEM");
		goto out;
	}
	if (mint_write(key_path, kpem, klen, 0600, exclusive, err, errlen) != 0)
		goto out;
	if (mint_write(cert_path, cpem, clen, 0644, exclusive, err, errlen) != 0) {
		if (exclusive)
			unlink(key_path);   /* made by this call a moment ago */
		goto out;
	}
	rc = 0;
out:
	if (kpem != NULL)
		OPENSSL_cleanse(kpem, klen);
	free(kpem);
	free(cpem);
	return rc;
}

int
mint_ca_new(const char *cert_path, const char *key_path, const char *cn, char *err,
    size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int rc = -1;

	ERR_clear_error();
	if ((key = mint_key()) == NULL) {
		mint_fail(err, errlen, "cannot make an EC P-256 key");
		goto out;
	}
	if ((x = mint_cert_new(key, cn, MINT_CA_DAYS)) == NULL ||
	    X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
	    mint_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
	    mint_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
	    mint_ext(x, x, NID_subject_key_identifier, "hash") != 0 ||
	    X509_sign(x, key, EVP_sha256()) <= 0) {
		mint_fail(err, errlen, "cannot make the CA certificate");
		goto out;
	}
	rc = mint_write_pair(x, key, cert_path, key_path, 1, err, errlen);
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* Open path for reading without following a symlink; refuse a foreign or odd file. */
static FILE *
mint_open_own(const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ? "a symlink; sysbind "
		    "reads its CA only from a file of its own" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: not a regular file of this user's; left as it is",
		    path);
		close(fd);
		return NULL;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return fp;
}

static int
mint_no_password_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

int
mint_ca_load(const char *cert_path, const char *key_path, X509 **cert, EVP_PKEY **key,
    char *err, size_t errlen)
{
	char msg[4096];
	FILE *fp;

	*cert = NULL;
	*key = NULL;
	ERR_clear_error();
	if ((fp = mint_open_own(cert_path, err, errlen)) == NULL)
		return -1;
	*cert = PEM_read_X509(fp, NULL, mint_no_password_cb, NULL);
	fclose(fp);
	if (*cert == NULL) {
		snprintf(msg, sizeof(msg), "%s: not a PEM certificate; not sysbind's CA, left as "
		    "it is (choose another --dir)", cert_path);
		return mint_fail(err, errlen, msg);
	}
	if (X509_check_ca(*cert) != 1) {
		snprintf(err, errlen, "%s: a certificate but not a CA (no basicConstraints "
		    "CA:TRUE); left as it is (choose another --dir)", cert_path);
		goto fail;
	}
	if ((fp = mint_open_own(key_path, err, errlen)) == NULL)
		goto fail;
	*key = PEM_read_PrivateKey(fp, NULL, mint_no_password_cb, NULL);
	fclose(fp);
	if (*key == NULL) {
		snprintf(msg, sizeof(msg), "%s: not an unencrypted PEM private key", key_path);
		mint_fail(err, errlen, msg);
		goto fail;
	}
	if (X509_check_private_key(*cert, *key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s is not the key of %s; both left as they are", key_path,
		    cert_path);
		goto fail;
	}
	return 0;
fail:
	X509_free(*cert);
	EVP_PKEY_free(*key);
	*cert = NULL;
	*key = NULL;
	return -1;
}

int
mint_leaf(X509 *ca, EVP_PKEY *ca_key, const char *const *names, size_t n,
    const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	unsigned char ip[16];
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	char *san = NULL, *p;
	size_t i, cap = 1;
	int rc = -1;

	if (n == 0) {
		snprintf(err, errlen, "a certificate needs at least one name");
		return -1;
	}
	for (i = 0; i < n; i++)
		cap += strlen(names[i]) + 5;
	if ((san = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (p = san, i = 0; i < n; i++) {
		int lit = inet_pton(AF_INET, names[i], ip) == 1 ||
		    inet_pton(AF_INET6, names[i], ip) == 1;

		p += sprintf(p, "%s%s:%s", i > 0 ? "," : "", lit ? "IP" : "DNS", names[i]);
	}
	ERR_clear_error();
	if ((key = mint_key()) == NULL) {
		mint_fail(err, errlen, "cannot make an EC P-256 key");
		goto out;
	}
	if ((x = mint_cert_new(key, names[0], MINT_LEAF_DAYS)) == NULL ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    mint_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    mint_ext(x, ca, NID_key_usage, "critical,digitalSignature") != 0 ||
	    mint_ext(x, ca, NID_ext_key_usage, "serverAuth") != 0 ||
	    mint_ext(x, ca, NID_subject_alt_name, san) != 0 ||
	    mint_ext(x, ca, NID_subject_key_identifier, "hash") != 0 ||
	    mint_ext(x, ca, NID_authority_key_identifier, "keyid:always") != 0 ||
	    X509_sign(x, ca_key, EVP_sha256()) <= 0) {
		mint_fail(err, errlen, "cannot make the certificate");
		goto out;
	}
	rc = mint_write_pair(x, key, cert_path, key_path, 0, err, errlen);
out:
	free(san);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

void
mint_fingerprint(X509 *cert, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	size_t used = 0;

	buf[0] = '\0';
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		return;
	for (i = 0; i < n && used + 3 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%02X", i > 0 ? ":" : "", md[i]);
}

EVP_PKEY *
mint_key_new(void)
{
	return mint_key();
}

/* "IP:a,DNS:b": the subjectAltName value of names, as a new string, or NULL. */
static char *
mint_san(const char *const *names, size_t n)
{
	unsigned char ip[16];
	char *san, *p;
	size_t i, cap = 1;

	for (i = 0; i < n; i++)
		cap += strlen(names[i]) + 5;
	if ((san = malloc(cap)) == NULL)
		return NULL;
	san[0] = '\0';
	for (p = san, i = 0; i < n; i++) {
		int lit = inet_pton(AF_INET, names[i], ip) == 1 ||
		    inet_pton(AF_INET6, names[i], ip) == 1;

		p += sprintf(p, "%s%s:%s", i > 0 ? "," : "", lit ? "IP" : "DNS", names[i]);
	}
	return san;
}

X509 *
mint_issue(const struct mint_spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
    char *err, size_t errlen)
{
	X509 *x;
	X509 *signer;
	char *san = NULL;
	int ok = 0;

	if (s->n == 0) {
		snprintf(err, errlen, "a certificate needs at least one name");
		return NULL;
	}
	ERR_clear_error();
	if ((x = mint_cert_new(key, s->names[0], 1)) == NULL)
		goto out;
	signer = issuer != NULL ? issuer : x;
	if (issuer_key == NULL)
		issuer_key = key;
	if (X509_gmtime_adj(X509_getm_notBefore(x), s->not_before) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), s->not_after) == NULL ||
	    X509_set_issuer_name(x, X509_get_subject_name(signer)) != 1 ||
	    mint_ext(x, signer, NID_subject_key_identifier, "hash") != 0)
		goto out;
	if (s->ca) {
		if (mint_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
		    mint_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign") != 0)
			goto out;
	} else {
		if ((san = mint_san(s->names, s->n)) == NULL ||
		    mint_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
		    mint_ext(x, signer, NID_key_usage, "critical,digitalSignature") != 0 ||
		    mint_ext(x, signer, NID_ext_key_usage, "serverAuth") != 0 ||
		    mint_ext(x, signer, NID_subject_alt_name, san) != 0)
			goto out;
	}
	if (issuer != NULL &&
	    mint_ext(x, signer, NID_authority_key_identifier, "keyid:always") != 0)
		goto out;
	ok = X509_sign(x, issuer_key, EVP_sha256()) > 0;
out:
	free(san);
	if (!ok) {
		mint_fail(err, errlen, "cannot make the certificate");
		X509_free(x);
		x = NULL;
	}
	return x;
}

int
mint_write_chain(X509 *const *certs, size_t n, EVP_PKEY *key, const char *path,
    const char *key_path, char *err, size_t errlen)
{
	char *pem = NULL, *one, *grown;
	size_t len = 0, l = 0, i;
	int rc = -1;

	for (i = 0; i < n; i++) {
		if ((one = mint_pem(certs[i], NULL, &l)) == NULL ||
		    (grown = realloc(pem, len + l + 1)) == NULL) {
			free(one);
			mint_fail(err, errlen, "cannot encode a certificate as PEM");
			goto out;
		}
		pem = grown;
		memcpy(pem + len, one, l + 1);
		len += l;
		free(one);
	}
	if (key_path != NULL) {
		if ((one = mint_pem(NULL, key, &l)) == NULL) {
			mint_fail(err, errlen, "cannot encode a key as PEM");
			goto out;
		}
		rc = mint_write(key_path, one, l, 0600, 0, err, errlen);
		OPENSSL_cleanse(one, l);
		free(one);
		if (rc != 0)
			goto out;
		rc = -1;
	}
	rc = mint_write(path, pem != NULL ? pem : "", len, 0644, 0, err, errlen);
out:
	free(pem);
	return rc;
}

int
mint_write_pfx(X509 *cert, EVP_PKEY *key, X509 *const *extra, size_t n,
    const char *password, const char *path, char *err, size_t errlen)
{
	STACK_OF(X509) *ca = sk_X509_new_null();
	PKCS12 *p12 = NULL;
	unsigned char *der = NULL;
	size_t i;
	int len, rc = -1;

	ERR_clear_error();
	for (i = 0; ca != NULL && i < n; i++)
		if (sk_X509_push(ca, extra[i]) <= 0)
			goto fail;
	if (ca == NULL || (p12 = PKCS12_create(password, NULL, key, cert, ca, 0, 0, 0, 0,
	    0)) == NULL || (len = i2d_PKCS12(p12, &der)) <= 0)
		goto fail;
	rc = mint_write(path, (const char *)der, (size_t)len, 0600, 0, err, errlen);
	goto out;
fail:
	mint_fail(err, errlen, "cannot make the PKCS#12 file");
out:
	OPENSSL_free(der);
	PKCS12_free(p12);
	sk_X509_free(ca);
	return rc;
}
