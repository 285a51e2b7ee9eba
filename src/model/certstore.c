/*
 * certstore — reads certificates and keys from disk (PEM chains with their key, PKCS#12
 * files, DER and PEM certificates read for what they say, a directory searched by SHA-1
 * thumbprint, a Central Certificate Store directory), orders the chain a certificate is
 * served with, extracts the facts the views print, and loads what the verdicts and the
 * handshake consult (trusted roots, CRLs, the CA names of a CertificateRequest, session
 * ticket keys).  The verdicts themselves (§1.3: what a client would conclude, and why)
 * are certverdict.c's.  It owns no sockets and no SSL_CTX: tlsctx turns a struct cert
 * into a server context, binding decides which cert a handshake gets.  Loaded objects are
 * never modified afterwards, so they may be shared by worker threads.
 */
#include "model/certstore.h"
#include "model/certstore_int.h"
#include "model/chain.h"
#include "base/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

/* Certificate files are small; anything bigger than this is not one. */
#define CERTFILE_MAX (4 * 1024 * 1024)

/* One *.pfx of a CCS directory, by file stem ("_.mysite.com" for "_.mysite.com.pfx"). */
struct ccs_entry {
	char        *name;
	struct cert *cert;
};

struct ccs {
	char             *dir;
	struct ccs_entry *entries;
	size_t            nentries;
};

/* ---------------------------------------------------------------- small helpers */

/*
 * Read a whole file into a NUL-terminated heap buffer.  Errors read "PATH: reason" with
 * the system's wording ("No such file or directory"); a FIFO or a device named as a
 * certificate is refused by its type instead of blocking the daemon or -t.
 */
static char *
file_slurp(const char *path, size_t *lenp, char *err, size_t errlen)
{
	return file_read(path, CERTFILE_MAX, 0, lenp, err, errlen);
}

static int
has_suffix_ci(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && strcasecmp(s + ls - lx, suffix) == 0;
}

static char *
path_join(const char *dir, const char *name)
{
	char *p;
	size_t ld = strlen(dir);

	if (asprintf(&p, "%s%s%s", dir, (ld && dir[ld - 1] == '/') ? "" : "/", name) < 0)
		return NULL;
	return p;
}

/* Never prompt on a terminal for an encrypted PEM key: a daemon has no one to ask. */
static int
pem_no_password_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* Append the drained OpenSSL reasons to err as " (reasons)", if there are any. */
static void
err_append_ssl(char *err, size_t errlen)
{
	char ssl[256];
	size_t used = strlen(err);

	certstore_ssl_errors(ssl, sizeof(ssl));
	if (ssl[0] != '\0' && used < errlen)
		snprintf(err + used, errlen - used, " (%s)", ssl);
}

void
certstore_format_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

/* ---------------------------------------------------------------- facts */

time_t
certstore_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return (time_t)-1;
	return timegm(&tm);
}

void
certstore_name_format(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	/* RFC 2253, but UTF-8 kept readable rather than escaped byte by byte. */
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &data);
		if (n > 0)
			snprintf(buf, len, "%.*s", (int)n, data);
	}
	BIO_free(b);
}

/* Fill subject, issuer, CN, DNS SANs, thumbprint and dates from c->x509. */
static int
cert_facts_fill(struct cert *c, char *err, size_t errlen)
{
	const X509_NAME *subj = X509_get_subject_name(c->x509);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	GENERAL_NAMES *gens;
	int idx;

	certstore_name_format(subj, c->subject, sizeof(c->subject));
	certstore_name_format(X509_get_issuer_name(c->x509), c->issuer, sizeof(c->issuer));

	c->common_name[0] = '\0';
	/* The last CN is the most specific one, as X509_check_host also considers them all. */
	idx = -1;
	for (int j = X509_NAME_get_index_by_NID(subj, NID_commonName, -1); j >= 0;
	    j = X509_NAME_get_index_by_NID(subj, NID_commonName, j))
		idx = j;
	if (idx >= 0) {
		unsigned char *utf8 = NULL;
		X509_NAME_ENTRY *e = X509_NAME_get_entry(subj, idx);
		int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));

		if (n >= 0)
			snprintf(c->common_name, sizeof(c->common_name), "%.*s", n, utf8);
		OPENSSL_free(utf8);
	}

	gens = X509_get_ext_d2i(c->x509, NID_subject_alt_name, NULL, NULL);
	for (int j = 0; gens != NULL && j < sk_GENERAL_NAME_num(gens); j++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, j);
		const ASN1_IA5STRING *s;
		char **nsans;

		if (g->type != GEN_DNS)
			continue;
		s = g->d.dNSName;
		nsans = realloc(c->sans, (c->nsans + 1) * sizeof(*nsans));
		if (nsans == NULL)
			goto nomem;
		c->sans = nsans;
		c->sans[c->nsans] = strndup((const char *)ASN1_STRING_get0_data(s),
		    (size_t)ASN1_STRING_length(s));
		if (c->sans[c->nsans] == NULL)
			goto nomem;
		c->nsans++;
	}
	GENERAL_NAMES_free(gens);
	gens = NULL;

	if (X509_digest(c->x509, EVP_sha1(), md, &mdlen) != 1 || mdlen != 20) {
		snprintf(err, errlen, "%s: cannot compute the SHA-1 thumbprint", c->path);
		err_append_ssl(err, errlen);
		return -1;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(c->thumbprint + 2 * i, 3, "%02x", md[i]);

	c->not_before = certstore_asn1_time(X509_get0_notBefore(c->x509));
	c->not_after = certstore_asn1_time(X509_get0_notAfter(c->x509));
	if (c->not_before == (time_t)-1 || c->not_after == (time_t)-1) {
		snprintf(err, errlen, "%s: certificate has unreadable validity dates", c->path);
		return -1;
	}
	return 0;
nomem:
	GENERAL_NAMES_free(gens);
	snprintf(err, errlen, "%s: out of memory", c->path);
	return -1;
}

static struct cert *
cert_new(const char *path)
{
	struct cert *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->chain = sk_X509_new_null()) == NULL || (c->path = strdup(path)) == NULL) {
		certstore_cert_free(c);
		return NULL;
	}
	return c;
}

/* ---------------------------------------------------------------- the served chain */

/*
 * Leaf-first order for the intermediates: each one issued the previous, so the chain
 * can be sent as is; whatever does not fit the path keeps its place at the end.  Every
 * loader calls this: it is the chain served with served_chain = file.  With the default
 * (store), conf_certs.c rebuilds it through intermediate_store (chain_serve, chain.c),
 * this chain's certificates counted as imported into the store.
 */
static void
chain_order(struct cert *c)
{
	X509 *cur = c->x509;
	int done = 0, n = sk_X509_num(c->chain);

	while (done < n) {
		int found = -1;

		for (int i = done; i < n; i++) {
			X509 *cand = sk_X509_value(c->chain, i);

			if (cand != cur && X509_check_issued(cand, cur) == X509_V_OK) {
				found = i;
				break;
			}
		}
		if (found < 0)
			break;
		if (found != done) {
			X509 *a = sk_X509_value(c->chain, done);

			sk_X509_set(c->chain, done, sk_X509_value(c->chain, found));
			sk_X509_set(c->chain, found, a);
		}
		cur = sk_X509_value(c->chain, done);
		done++;
		if (X509_check_issued(cur, cur) == X509_V_OK)
			break; /* reached a self-signed root */
	}
}

void
certstore_cert_free(struct cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x509);
	sk_X509_pop_free(c->chain, X509_free);
	chain_built_free(c->built);
	EVP_PKEY_free(c->key);
	free(c->path);
	for (size_t i = 0; i < c->nsans; i++)
		free(c->sans[i]);
	free(c->sans);
	free(c);
}

/* ---------------------------------------------------------------- PEM */

/* Whether the PEM read that just ended stopped at a damaged block (anything but the end
 * of the text: no further BEGIN line). */
int
certstore_pem_damaged(void)
{
	unsigned long e = ERR_peek_last_error();

	return e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

/* The line (from 1) of the BEGIN line of the CERTIFICATE block after the first n. */
unsigned
certstore_pem_line(const char *buf, size_t len, int n)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	unsigned line = 1;
	int seen = 0;

	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || buf[i - 1] == '\n') && len - i >= sizeof(begin) - 1 &&
		    memcmp(buf + i, begin, sizeof(begin) - 1) == 0 && seen++ == n)
			return line;
		if (buf[i] == '\n')
			line++;
	}
	return line;
}

/* Read every certificate of a PEM buffer: the first into c->x509, the rest into chain. */
static int
pem_read_certs(struct cert *c, const char *buf, size_t len, const char *path,
    char *err, size_t errlen)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509 *x;

	if (b == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, pem_no_password_cb, NULL)) != NULL) {
		if (c->x509 == NULL)
			c->x509 = x;
		else if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			BIO_free(b);
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
	}
	BIO_free(b);
	if (c->x509 != NULL && certstore_pem_damaged()) {
		/* stopped at a block it could not decode: the chain would be sent short */
		int n = 1 + sk_X509_num(c->chain);

		snprintf(err, errlen, "%s:%u: certificate %d cannot be read (damaged PEM)", path,
		    certstore_pem_line(buf, len, n), n + 1);
		ERR_clear_error();
		return -1;
	}
	if (c->x509 == NULL) {
		snprintf(err, errlen, "%s: no PEM certificate found", path);
		ERR_clear_error();
		return -1;
	}
	/* Running off the end of the file is how the loop stops; it is not an error. */
	ERR_clear_error();
	return 0;
}

/* The private key of a PEM buffer, or NULL (no key, or unreadable: err says which). */
static EVP_PKEY *
pem_read_key(const char *buf, size_t len, const char *path, char *err, size_t errlen)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *k;

	if (b == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	k = PEM_read_bio_PrivateKey(b, NULL, pem_no_password_cb, NULL);
	BIO_free(b);
	if (k == NULL) {
		if (strstr(buf, "ENCRYPTED") != NULL)
			snprintf(err, errlen, "%s: private key is encrypted (a PEM key must be "
			    "unencrypted; use a PFX file for a password)", path);
		else
			snprintf(err, errlen, "%s: no private key found", path);
		ERR_clear_error();
	}
	return k;
}

static int
pem_has_key(const char *buf)
{
	return strstr(buf, "PRIVATE KEY-----") != NULL;
}

/*
 * The body of certstore_load_pem.  sidecar: when the chain file holds no key, look for
 * "<chain without .pem>.key" beside it (the thumbprint search's rule).
 */
static struct cert *
pem_load(const char *chain_path, const char *key_path, int sidecar, char *err, size_t errlen)
{
	struct cert *c = NULL;
	char *chain = NULL, *keybuf = NULL, *side = NULL;
	size_t chainlen = 0, keylen = 0;
	const char *kpath;

	if ((chain = file_slurp(chain_path, &chainlen, err, errlen)) == NULL)
		return NULL;
	if ((c = cert_new(chain_path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", chain_path);
		goto fail;
	}
	if (pem_read_certs(c, chain, chainlen, chain_path, err, errlen) == -1)
		goto fail;

	if (key_path != NULL && strcmp(key_path, chain_path) != 0) {
		if ((keybuf = file_slurp(key_path, &keylen, err, errlen)) == NULL)
			goto fail;
		kpath = key_path;
		c->key = pem_read_key(keybuf, keylen, kpath, err, errlen);
	} else if (sidecar && !pem_has_key(chain)) {
		size_t l = strlen(chain_path);

		if (has_suffix_ci(chain_path, ".pem") || has_suffix_ci(chain_path, ".crt") ||
		    has_suffix_ci(chain_path, ".cer"))
			l -= 4;
		if (asprintf(&side, "%.*s.key", (int)l, chain_path) < 0) {
			side = NULL;
			snprintf(err, errlen, "%s: out of memory", chain_path);
			goto fail;
		}
		if ((keybuf = file_slurp(side, &keylen, err, errlen)) == NULL) {
			snprintf(err, errlen, "%s: no private key in the file, nor beside it "
			    "as %s", chain_path, side);
			goto fail;
		}
		kpath = side;
		c->key = pem_read_key(keybuf, keylen, kpath, err, errlen);
	} else {
		kpath = chain_path;
		c->key = pem_read_key(chain, chainlen, kpath, err, errlen);
	}
	if (c->key == NULL)
		goto fail;
	if (X509_check_private_key(c->x509, c->key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: private key does not match certificate %s",
		    kpath, chain_path);
		goto fail;
	}
	chain_order(c);
	if (cert_facts_fill(c, err, errlen) == -1)
		goto fail;
	free(chain);
	free(keybuf);
	free(side);
	return c;
fail:
	certstore_cert_free(c);
	free(chain);
	free(keybuf);
	free(side);
	return NULL;
}

struct cert *
certstore_load_pem(const char *chain_path, const char *key_path, char *err, size_t errlen)
{
	return pem_load(chain_path, key_path, 0, err, errlen);
}

/*
 * The first certificate of a PEM or DER file and the PEM ones after it, without a key:
 * what a .cer export (the public half Windows exports without the private key) tells.
 */
struct cert *
certstore_load_public(const char *path, char *err, size_t errlen)
{
	struct cert *c = NULL;
	char *buf;
	size_t len = 0;
	char why[512];

	if ((buf = file_slurp(path, &len, err, errlen)) == NULL)
		return NULL;
	if ((c = cert_new(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (pem_read_certs(c, buf, len, path, why, sizeof(why)) == -1) {
		const unsigned char *p = (const unsigned char *)buf;

		if (c->x509 != NULL) {   /* PEM, with a damaged block after the first */
			snprintf(err, errlen, "%s", why);
			goto fail;
		}

		if ((c->x509 = d2i_X509(NULL, &p, (long)len)) == NULL) {
			ERR_clear_error();
			snprintf(err, errlen, "%s: no certificate found (neither PEM nor DER)", path);
			goto fail;
		}
	}
	chain_order(c);
	if (cert_facts_fill(c, err, errlen) == -1)
		goto fail;
	free(buf);
	return c;
fail:
	certstore_cert_free(c);
	free(buf);
	return NULL;
}

struct cert *
certstore_cert_dup(const struct cert *src)
{
	struct cert *c;
	size_t i;

	if ((c = cert_new(src->path)) == NULL)
		return NULL;
	if (X509_up_ref(src->x509) != 1)
		goto fail;
	c->x509 = src->x509;
	if (src->key != NULL) {
		if (EVP_PKEY_up_ref(src->key) != 1)
			goto fail;
		c->key = src->key;
	}
	for (i = 0; i < (size_t)sk_X509_num(src->chain); i++) {
		X509 *x = sk_X509_value(src->chain, (int)i);

		if (X509_up_ref(x) != 1)
			goto fail;
		if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			goto fail;
		}
	}
	memcpy(c->subject, src->subject, sizeof(c->subject));
	memcpy(c->issuer, src->issuer, sizeof(c->issuer));
	memcpy(c->common_name, src->common_name, sizeof(c->common_name));
	memcpy(c->thumbprint, src->thumbprint, sizeof(c->thumbprint));
	c->not_before = src->not_before;
	c->not_after = src->not_after;
	if (src->built != NULL && (c->built = chain_built_dup(src->built)) == NULL)
		goto fail;
	if (src->nsans > 0) {
		if ((c->sans = calloc(src->nsans, sizeof(*c->sans))) == NULL)
			goto fail;
		for (i = 0; i < src->nsans; i++) {
			if ((c->sans[i] = strdup(src->sans[i])) == NULL)
				goto fail;
			c->nsans++;
		}
	}
	return c;
fail:
	ERR_clear_error();
	certstore_cert_free(c);
	return NULL;
}

/* ---------------------------------------------------------------- PKCS#12 */

static int
pfx_parse(PKCS12 *p12, const char *password, EVP_PKEY **key, X509 **x509,
    STACK_OF(X509) **ca)
{
	*key = NULL;
	*x509 = NULL;
	*ca = NULL;
	if (PKCS12_parse(p12, password, key, x509, ca) == 1)
		return 0;
	return -1;
}

/*
 * PFX files exported by older Windows use RC2/3DES, which OpenSSL 3.0 keeps in its
 * "legacy" provider.  It is loaded only for the one parse that needs it and unloaded
 * after, so the rest of the process keeps OpenSSL's defaults (reference counting makes
 * this safe when two threads do it at once).  "default" is loaded alongside because an
 * explicit load otherwise stops it from being the implicit fallback.
 */
static int
pfx_parse_legacy(PKCS12 *p12, const char *password, EVP_PKEY **key, X509 **x509,
    STACK_OF(X509) **ca)
{
	OSSL_PROVIDER *def = OSSL_PROVIDER_load(NULL, "default");
	OSSL_PROVIDER *legacy = OSSL_PROVIDER_load(NULL, "legacy");
	int rc = -1;

	if (def != NULL && legacy != NULL)
		rc = pfx_parse(p12, password, key, x509, ca);
	if (legacy != NULL)
		OSSL_PROVIDER_unload(legacy);
	if (def != NULL)
		OSSL_PROVIDER_unload(def);
	return rc;
}

static int
pfx_mac_ok(PKCS12 *p12, const char *password)
{
	if (!PKCS12_mac_present(p12))
		return 1;
	if (password == NULL || password[0] == '\0')
		return PKCS12_verify_mac(p12, NULL, 0) == 1 || PKCS12_verify_mac(p12, "", 0) == 1;
	return PKCS12_verify_mac(p12, password, -1) == 1;
}

struct cert *
certstore_load_pfx(const char *path, const char *password, char *err, size_t errlen)
{
	struct cert *c = NULL;
	char *buf;
	size_t len = 0;
	BIO *b;
	PKCS12 *p12;
	EVP_PKEY *key;
	X509 *x509;
	STACK_OF(X509) *ca;

	if ((buf = file_slurp(path, &len, err, errlen)) == NULL)
		return NULL;
	b = BIO_new_mem_buf(buf, (int)len);
	p12 = b ? d2i_PKCS12_bio(b, NULL) : NULL;
	BIO_free(b);
	free(buf);
	if (p12 == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: not a PKCS#12 (PFX) file", path);
		return NULL;
	}
	if (pfx_parse(p12, password, &key, &x509, &ca) == -1) {
		if (!pfx_mac_ok(p12, password)) {
			ERR_clear_error();
			snprintf(err, errlen, "%s: wrong password or corrupt PKCS#12 file", path);
			PKCS12_free(p12);
			return NULL;
		}
		/* The password is right, so the ciphers are what failed: try the legacy ones. */
		ERR_clear_error();
		if (pfx_parse_legacy(p12, password, &key, &x509, &ca) == -1) {
			snprintf(err, errlen, "%s: cannot decrypt PKCS#12 file", path);
			err_append_ssl(err, errlen);
			PKCS12_free(p12);
			return NULL;
		}
	}
	PKCS12_free(p12);

	if ((c = cert_new(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	c->x509 = x509;
	c->key = key;
	x509 = NULL;
	key = NULL;
	if (c->x509 == NULL) {
		snprintf(err, errlen, "%s: PKCS#12 file holds no certificate with its key", path);
		goto fail;
	}
	if (c->key == NULL) {
		snprintf(err, errlen, "%s: PKCS#12 file holds no private key", path);
		goto fail;
	}
	if (X509_check_private_key(c->x509, c->key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: private key does not match certificate", path);
		goto fail;
	}
	while (ca != NULL && sk_X509_num(ca) > 0) {
		X509 *x = sk_X509_shift(ca);

		if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
	}
	sk_X509_free(ca);
	ca = NULL;
	chain_order(c);
	if (cert_facts_fill(c, err, errlen) == -1)
		goto fail;
	return c;
fail:
	EVP_PKEY_free(key);
	X509_free(x509);
	sk_X509_pop_free(ca, X509_free);
	certstore_cert_free(c);
	return NULL;
}

/* ---------------------------------------------------------------- thumbprint search */

/*
 * Reduce a pasted thumbprint to 40 lowercase hex digits.  Ignores spaces, tabs, colons
 * and the invisible left-to-right mark (U+200E) that Windows' certificate dialog puts in
 * front when the value is copied.  Returns 0 or -1.
 */
static int
thumbprint_normalize(const char *in, char out[41])
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)in;

	for (; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == ':')
			continue;
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f)) {
			p += 2;
			continue;
		}
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		    (*p >= 'A' && *p <= 'F')))
			return -1;
		if (n == 40)
			return -1;
		out[n++] = (char)((*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p);
	}
	out[n] = '\0';
	return n == 40 ? 0 : -1;
}

/* The SHA-1 thumbprint (lowercase hex) of the first certificate of a PEM or DER file, or
 * -1 (not a certificate file: a key, say, which is not an error in a store). */
static int
file_first_thumbprint(const char *path, char out[41], int *der)
{
	char *buf, dummy[8];
	size_t len = 0;
	BIO *b;
	X509 *x = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if ((buf = file_slurp(path, &len, dummy, sizeof(dummy))) == NULL)
		return -1;
	if ((b = BIO_new_mem_buf(buf, (int)len)) != NULL)
		x = PEM_read_bio_X509(b, NULL, pem_no_password_cb, NULL);
	BIO_free(b);
	*der = 0;
	if (x == NULL) {
		const unsigned char *p = (const unsigned char *)buf;

		ERR_clear_error();
		x = d2i_X509(NULL, &p, (long)len);
		*der = 1;
	}
	free(buf);
	if (x == NULL || X509_digest(x, EVP_sha1(), md, &mdlen) != 1 || mdlen != 20) {
		X509_free(x);
		ERR_clear_error();
		return -1;
	}
	X509_free(x);
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int
select_certfile(const struct dirent *d)
{
	return d->d_name[0] != '.' &&
	    (has_suffix_ci(d->d_name, ".pem") || has_suffix_ci(d->d_name, ".pfx") ||
	    has_suffix_ci(d->d_name, ".p12") || has_suffix_ci(d->d_name, ".cer") ||
	    has_suffix_ci(d->d_name, ".crt") || has_suffix_ci(d->d_name, ".der"));
}

static int
is_pkcs12_name(const char *name)
{
	return has_suffix_ci(name, ".pfx") || has_suffix_ci(name, ".p12");
}

/* One certificate file of a store directory. */
struct store_file {
	char         thumbprint[41];
	char        *path;
	struct cert *pfx;     /* a PKCS#12 file, opened (its certificate is encrypted) */
	int          der;     /* a DER certificate: never with a key */
};

struct certstore_dir {
	char              *dir;
	struct store_file *files;     /* sorted by thumbprint, then file name */
	size_t             nfiles;
	int                nskipped;  /* PKCS#12 files that could not be opened */
	char               skipped[512];
};

static int
store_file_cmp(const void *a, const void *b)
{
	const struct store_file *x = a, *y = b;
	int c = strcmp(x->thumbprint, y->thumbprint);

	return c != 0 ? c : strcmp(x->path, y->path);
}

void
certstore_dir_free(struct certstore_dir *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nfiles; i++) {
		free(d->files[i].path);
		certstore_cert_free(d->files[i].pfx);
	}
	free(d->files);
	free(d->dir);
	free(d);
}

struct certstore_dir *
certstore_dir_open(const char *dir, const char *pfx_password, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	struct certstore_dir *d;
	char why[512];
	int n, i, failed = 0;

	if ((d = calloc(1, sizeof(*d))) == NULL || (d->dir = strdup(dir)) == NULL) {
		free(d);
		snprintf(err, errlen, "%s: out of memory", dir);
		return NULL;
	}
	if ((n = scandir(dir, &names, select_certfile, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		certstore_dir_free(d);
		return NULL;
	}
	if (n > 0 && (d->files = calloc((size_t)n, sizeof(*d->files))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", dir);
		failed = 1;
	}
	for (i = 0; i < n && !failed; i++) {
		struct store_file *f = &d->files[d->nfiles];

		if ((f->path = path_join(dir, names[i]->d_name)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", dir);
			failed = 1;
			break;
		}
		if (is_pkcs12_name(names[i]->d_name)) {
			/* A PFX's certificate is encrypted too: it must be opened to be seen. */
			f->pfx = certstore_load_pfx(f->path, pfx_password, why, sizeof(why));
			if (f->pfx == NULL) {
				if (d->nskipped++ == 0)
					snprintf(d->skipped, sizeof(d->skipped), "%s", why);
				free(f->path);
				f->path = NULL;
				continue;
			}
			memcpy(f->thumbprint, f->pfx->thumbprint, sizeof(f->thumbprint));
		} else if (file_first_thumbprint(f->path, f->thumbprint, &f->der) != 0) {
			free(f->path);   /* a key file, or not a certificate: not in the index */
			f->path = NULL;
			continue;
		}
		d->nfiles++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (failed) {
		certstore_dir_free(d);
		return NULL;
	}
	if (d->nfiles > 1)
		qsort(d->files, d->nfiles, sizeof(*d->files), store_file_cmp);
	return d;
}

/* Load what file f holds for a lookup: the PFX already open (a copy), or the PEM chain with
 * its key (in the file or beside it as .key). */
static struct cert *
store_file_load(const struct store_file *f, char *err, size_t errlen)
{
	struct cert *c;

	if (f->pfx != NULL) {
		if ((c = certstore_cert_dup(f->pfx)) == NULL)
			snprintf(err, errlen, "%s: out of memory", f->path);
		return c;
	}
	if (f->der) {
		snprintf(err, errlen, "%s: no private key: a DER certificate (a .cer export) holds "
		    "none; export the certificate with its key as a PFX, or as PEM with the key "
		    "beside it", f->path);
		return NULL;
	}
	return pem_load(f->path, NULL, 1, err, errlen);
}

struct cert *
certstore_dir_find(const struct certstore_dir *d, const char *hash, int flags, char *err,
    size_t errlen)
{
	const struct store_file *f;
	struct cert *c;
	char want[41], first[1024] = "";
	size_t lo = 0, hi = d->nfiles, i;

	if (hash == NULL || thumbprint_normalize(hash, want) == -1) {
		snprintf(err, errlen, "certhash \"%s\": a thumbprint is 40 hexadecimal digits",
		    hash ? hash : "");
		return NULL;
	}
	while (lo < hi) {   /* the first file with this thumbprint */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(d->files[mid].thumbprint, want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Every file holding it, in name order: the first that comes with its key wins. */
	for (i = lo; i < d->nfiles && strcmp(d->files[i].thumbprint, want) == 0; i++) {
		f = &d->files[i];
		if ((c = store_file_load(f, err, errlen)) != NULL)
			return c;
		if (first[0] == '\0')
			snprintf(first, sizeof(first), "%s", err);
	}
	if (i > lo) {
		/* Found, but not with a key.  For what the views show, the certificate alone. */
		if ((flags & CERTSTORE_PUBLIC_OK) != 0 &&
		    (c = certstore_load_public(d->files[lo].path, err, errlen)) != NULL) {
			snprintf(err, errlen, "%s", first);
			return c;
		}
		snprintf(err, errlen, "%s", first);
		return NULL;
	}
	if (d->nskipped > 0)
		snprintf(err, errlen, "no certificate with thumbprint %s in %s (%d file%s could "
		    "not be opened, e.g. %s)", want, d->dir, d->nskipped,
		    d->nskipped == 1 ? "" : "s", d->skipped);
	else
		snprintf(err, errlen, "no certificate with thumbprint %s in %s", want, d->dir);
	return NULL;
}

struct cert *
certstore_find_thumbprint(const char *dir, const char *hash, const char *pfx_password,
    int flags, char *err, size_t errlen)
{
	struct certstore_dir *d;
	struct cert *c;
	char want[41];

	if (hash == NULL || thumbprint_normalize(hash, want) == -1) {
		snprintf(err, errlen, "certhash \"%s\": a thumbprint is 40 hexadecimal digits",
		    hash ? hash : "");
		return NULL;
	}
	if ((d = certstore_dir_open(dir, pfx_password, err, errlen)) == NULL)
		return NULL;
	c = certstore_dir_find(d, hash, flags, err, errlen);
	certstore_dir_free(d);
	return c;
}

/* ---------------------------------------------------------------- CCS */

static int
select_pfx(const struct dirent *d)
{
	return d->d_name[0] != '.' && has_suffix_ci(d->d_name, ".pfx");
}

struct ccs *
certstore_ccs_load(const char *dir, const char *password, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	struct ccs *s;
	int n, i;

	if ((s = calloc(1, sizeof(*s))) == NULL || (s->dir = strdup(dir)) == NULL) {
		free(s);
		snprintf(err, errlen, "%s: out of memory", dir);
		return NULL;
	}
	if ((n = scandir(dir, &names, select_pfx, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		certstore_ccs_free(s);
		return NULL;
	}
	if (n > 0 && (s->entries = calloc((size_t)n, sizeof(*s->entries))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", dir);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct ccs_entry *e = &s->entries[s->nentries];
		const char *fname = names[i]->d_name;
		char *path = path_join(dir, fname);

		if (path == NULL ||
		    (e->name = strndup(fname, strlen(fname) - 4)) == NULL) {
			free(path);
			snprintf(err, errlen, "%s: out of memory", dir);
			goto fail;
		}
		e->cert = certstore_load_pfx(path, password, err, errlen);
		free(path);
		if (e->cert == NULL) {
			free(e->name);
			e->name = NULL;
			goto fail;
		}
		s->nentries++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return s;
fail:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	certstore_ccs_free(s);
	return NULL;
}

const struct cert *
certstore_ccs_get(const struct ccs *s, const char *name)
{
	if (s == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < s->nentries; i++)
		if (strcasecmp(s->entries[i].name, name) == 0)
			return s->entries[i].cert;
	return NULL;
}

const char *
certstore_ccs_dir(const struct ccs *s)
{
	return s ? s->dir : NULL;
}

size_t
certstore_ccs_count(const struct ccs *s)
{
	return s != NULL ? s->nentries : 0;
}

const struct cert *
certstore_ccs_cert(const struct ccs *s, size_t i)
{
	return s != NULL && i < s->nentries ? s->entries[i].cert : NULL;
}

struct cert *
certstore_ccs_cert_edit(struct ccs *s, size_t i)
{
	return s != NULL && i < s->nentries ? s->entries[i].cert : NULL;
}

void
certstore_ccs_free(struct ccs *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nentries; i++) {
		free(s->entries[i].name);
		certstore_cert_free(s->entries[i].cert);
	}
	free(s->entries);
	free(s->dir);
	free(s);
}

/* ---------------------------------------------------------------- trust */

/* Add every PEM certificate of one file to st.  Returns how many, or -1. */
static int
trust_add_file(X509_STORE *st, const char *path, char *err, size_t errlen)
{
	char *buf;
	size_t len = 0;
	BIO *b;
	X509 *x;
	int count = 0;

	if ((buf = file_slurp(path, &len, err, errlen)) == NULL)
		return -1;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		free(buf);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, pem_no_password_cb, NULL)) != NULL) {
		int ok = X509_STORE_add_cert(st, x);

		X509_free(x);
		if (ok != 1) {
			snprintf(err, errlen, "%s: cannot add certificate to the trust store", path);
			err_append_ssl(err, errlen);
			BIO_free(b);
			free(buf);
			return -1;
		}
		count++;
	}
	BIO_free(b);
	if (count > 0 && certstore_pem_damaged()) {
		snprintf(err, errlen, "%s:%u: certificate %d cannot be read (damaged PEM)", path,
		    certstore_pem_line(buf, len, count), count + 1);
		count = -1;
	}
	ERR_clear_error();
	free(buf);
	return count;
}

static int
select_trustfile(const struct dirent *d)
{
	return d->d_name[0] != '.' && (has_suffix_ci(d->d_name, ".pem") ||
	    has_suffix_ci(d->d_name, ".crt") || has_suffix_ci(d->d_name, ".cer"));
}

X509_STORE *
certstore_trust_load(const char *path, char *err, size_t errlen)
{
	X509_STORE *st;
	struct stat sb;
	int total = 0;

	if (stat(path, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((st = X509_STORE_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		struct dirent **names = NULL;
		int n = scandir(path, &names, select_trustfile, alphasort), i, bad = 0;

		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			X509_STORE_free(st);
			return NULL;
		}
		for (i = 0; i < n; i++) {
			char *f = bad ? NULL : path_join(path, names[i]->d_name);
			int k;

			if (!bad && f == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				bad = 1;
			} else if (!bad) {
				/* A leaf's key file named .pem has no certificate: that is fine. */
				if ((k = trust_add_file(st, f, err, errlen)) < 0)
					bad = 1;
				else
					total += k;
			}
			free(f);
			free(names[i]);
		}
		free(names);
		if (bad) {
			X509_STORE_free(st);
			return NULL;
		}
		if (total == 0) {
			snprintf(err, errlen, "%s: no certificates (*.pem, *.crt, *.cer) found",
			    path);
			X509_STORE_free(st);
			return NULL;
		}
		return st;
	}
	if ((total = trust_add_file(st, path, err, errlen)) <= 0) {
		if (total == 0)
			snprintf(err, errlen, "%s: no PEM certificate found", path);
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

static int
select_crlfile(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	if (d->d_name[0] == '.')
		return 0;
	if (n > 3 && d->d_name[n - 3] == '.' && (d->d_name[n - 2] == 'r' ||
	    d->d_name[n - 2] == 'R') && d->d_name[n - 1] >= '0' && d->d_name[n - 1] <= '9')
		return 1;   /* c_rehash's HASH.r0 */
	return has_suffix_ci(d->d_name, ".crl") || has_suffix_ci(d->d_name, ".pem") ||
	    has_suffix_ci(d->d_name, ".der");
}

/* Push every CRL of one file (PEM, any number; or one DER) onto st.  Returns how many, or
 * -1 with err. */
static int
crl_add_file(STACK_OF(X509_CRL) *st, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf = file_slurp(path, &len, err, errlen);
	BIO *b;
	X509_CRL *crl;
	int count = 0;

	if (buf == NULL)
		return -1;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto nomem;
	while ((crl = PEM_read_bio_X509_CRL(b, NULL, pem_no_password_cb, NULL)) != NULL) {
		if (!sk_X509_CRL_push(st, crl)) {
			X509_CRL_free(crl);
			BIO_free(b);
			goto nomem;
		}
		count++;
	}
	ERR_clear_error();
	BIO_free(b);
	if (count == 0) {
		const unsigned char *p = (const unsigned char *)buf;

		if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL) {
			if (!sk_X509_CRL_push(st, crl)) {
				X509_CRL_free(crl);
				goto nomem;
			}
			count = 1;
		}
		ERR_clear_error();
	}
	free(buf);
	if (count == 0) {
		snprintf(err, errlen, "%s: no certificate revocation list in it (PEM \"X509 CRL\" "
		    "or DER)", path);
		return -1;
	}
	return count;
nomem:
	free(buf);
	snprintf(err, errlen, "%s: out of memory", path);
	return -1;
}

STACK_OF(X509_CRL) *
certstore_crl_load(const char *path, char *err, size_t errlen)
{
	STACK_OF(X509_CRL) *st;
	struct stat sb;
	int n, i, bad = 0;
	struct dirent **names = NULL;

	if (stat(path, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((st = sk_X509_CRL_new_null()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (crl_add_file(st, path, err, errlen) < 0) {
			sk_X509_CRL_pop_free(st, X509_CRL_free);
			return NULL;
		}
		return st;
	}
	if ((n = scandir(path, &names, select_crlfile, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		sk_X509_CRL_free(st);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char *f = bad ? NULL : path_join(path, names[i]->d_name);

		if (!bad && f == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			bad = 1;
		} else if (!bad && crl_add_file(st, f, err, errlen) < 0) {
			bad = 1;
		}
		free(f);
		free(names[i]);
	}
	free(names);
	if (!bad && sk_X509_CRL_num(st) == 0) {
		snprintf(err, errlen, "%s: no certificate revocation lists (*.crl, *.pem, *.der, "
		    "*.r0) found", path);
		bad = 1;
	}
	if (bad) {
		sk_X509_CRL_pop_free(st, X509_CRL_free);
		return NULL;
	}
	return st;
}

static int
select_cafile(const struct dirent *d)
{
	return d->d_name[0] != '.' && (has_suffix_ci(d->d_name, ".pem") ||
	    has_suffix_ci(d->d_name, ".crt") || has_suffix_ci(d->d_name, ".cer") ||
	    has_suffix_ci(d->d_name, ".der"));
}

/* Push the subject of every certificate of one file (PEM, or one DER) onto names, leaving
 * out one already there.  Returns how many certificates it held, or -1 with err. */
static int
ca_names_add_file(STACK_OF(X509_NAME) *names, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf = file_slurp(path, &len, err, errlen);
	BIO *b;
	X509 *x;
	int count = 0, der = 0;

	if (buf == NULL)
		return -1;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto nomem;
	for (;;) {
		const X509_NAME *subj;
		X509_NAME *dup;
		int i, seen = 0;

		x = der ? NULL : PEM_read_bio_X509(b, NULL, pem_no_password_cb, NULL);
		if (x == NULL && count == 0 && !der) {
			const unsigned char *p = (const unsigned char *)buf;

			der = 1;
			x = d2i_X509(NULL, &p, (long)len);
		}
		if (x == NULL)
			break;
		count++;
		subj = X509_get_subject_name(x);
		for (i = 0; i < sk_X509_NAME_num(names); i++)
			seen |= X509_NAME_cmp(sk_X509_NAME_value(names, i), subj) == 0;
		if (!seen) {
			if ((dup = X509_NAME_dup(subj)) == NULL || !sk_X509_NAME_push(names, dup)) {
				X509_NAME_free(dup);
				X509_free(x);
				BIO_free(b);
				goto nomem;
			}
		}
		X509_free(x);
		if (der)
			break;
	}
	ERR_clear_error();
	BIO_free(b);
	free(buf);
	return count;
nomem:
	ERR_clear_error();
	free(buf);
	snprintf(err, errlen, "%s: out of memory", path);
	return -1;
}

STACK_OF(X509_NAME) *
certstore_ca_names_load(const char *dir, char *err, size_t errlen)
{
	STACK_OF(X509_NAME) *names;
	struct dirent **list = NULL;
	struct stat sb;
	int n, i, bad = 0, total = 0, k;

	if (stat(dir, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if ((names = sk_X509_NAME_new_null()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", dir);
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		/* a bundle file is taken too */
		if ((k = ca_names_add_file(names, dir, err, errlen)) <= 0) {
			if (k == 0)
				snprintf(err, errlen, "%s: no certificate in it", dir);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			return NULL;
		}
		return names;
	}
	if ((n = scandir(dir, &list, select_cafile, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		sk_X509_NAME_free(names);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char *f = bad ? NULL : path_join(dir, list[i]->d_name);

		if (!bad && f == NULL) {
			snprintf(err, errlen, "%s: out of memory", dir);
			bad = 1;
		} else if (!bad) {
			/* a key file named .pem holds no certificate: that is fine */
			if ((k = ca_names_add_file(names, f, err, errlen)) < 0)
				bad = 1;
			else
				total += k;
		}
		free(f);
		free(list[i]);
	}
	free(list);
	if (!bad && total == 0) {
		snprintf(err, errlen, "%s: no CA certificates (*.pem, *.crt, *.cer, *.der) found",
		    dir);
		bad = 1;
	}
	if (bad) {
		sk_X509_NAME_pop_free(names, X509_NAME_free);
		return NULL;
	}
	return names;
}

int
certstore_ticket_keys_load(const char *path, struct certstore_ticket_key **keys, size_t *n,
    char *err, size_t errlen)
{
	size_t len = 0, size, count, i;
	char *buf = file_read(path, 64 * 1024, 0, &len, err, errlen);
	struct certstore_ticket_key *nk;

	if (buf == NULL)
		return -1;
	if (len == 48 || len == 80)
		size = len;
	else if (len > 0 && len % 80 == 0 && len % 48 != 0)
		size = 80;
	else if (len > 0 && len % 48 == 0 && len % 80 != 0)
		size = 48;
	else {
		if (len > 0 && len % 240 == 0)
			snprintf(err, errlen, "%s: %zu bytes could be %zu keys of 48 bytes or %zu of "
			    "80: give each key its own file (one session_ticket_keys = line each)",
			    path, len, len / 48, len / 80);
		else
			snprintf(err, errlen, "%s: %zu bytes: a session ticket key file holds keys of "
			    "48 or 80 bytes (nginx's ssl_session_ticket_key format, e.g. `openssl rand "
			    "80 > FILE`)", path, len);
		explicit_bzero(buf, len);
		free(buf);
		return -1;
	}
	count = len / size;
	if ((nk = realloc(*keys, (*n + count) * sizeof(*nk))) == NULL) {
		explicit_bzero(buf, len);
		free(buf);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	*keys = nk;
	for (i = 0; i < count; i++) {
		struct certstore_ticket_key *k = &nk[*n + i];
		const unsigned char *p = (const unsigned char *)buf + i * size;

		memset(k, 0, sizeof(*k));
		k->size = size;
		memcpy(k->name, p, 16);
		if (size == 48) {
			/* nginx: name, AES-128 key, HMAC key */
			memcpy(k->aes, p + 16, 16);
			memcpy(k->hmac, p + 32, 16);
			k->aes_len = k->hmac_len = 16;
		} else {
			/* nginx: name, HMAC key, AES-256 key */
			memcpy(k->hmac, p + 16, 32);
			memcpy(k->aes, p + 48, 32);
			k->aes_len = k->hmac_len = 32;
		}
	}
	*n += count;
	explicit_bzero(buf, len);
	free(buf);
	return 0;
}

void
certstore_ticket_keys_free(struct certstore_ticket_key *keys, size_t n)
{
	if (keys == NULL)
		return;
	explicit_bzero(keys, n * sizeof(*keys));
	free(keys);
}
