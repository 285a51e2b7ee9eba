/*
 * tlsctx — SSL_CTX policy and the ClientHello callback.  Certificate *choice* is not
 * here (binding.c decides, §1.1); this file applies the choice to a handshake.  One
 * SSL_CTX accepts every connection and holds the session cache and ticket keys, so
 * resumption works whichever certificate a connection got; the chosen certificate is
 * installed by switching the connection to that certificate's SSL_CTX (SSL_set_SSL_CTX,
 * as nginx does for SNI).  Every certificate's SSL_CTX is built by tlsctx_new, when the
 * configuration loads, and found by a binary search: a handshake takes no lock and builds
 * nothing.  The session id context is set to the certificate's thumbprint so a session
 * never resumes under another certificate.  A tlsctx belongs to one configuration
 * generation and is shared by every worker thread (SSL_CTX is safe for concurrent
 * SSL_new); nothing in it is written after tlsctx_new but the session cache (sesscache,
 * under its own mutex), which a reload's new tlsctx starts empty, as Schannel's does.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include "model/conf.h"
#include "base/log.h"
#include "base/sesscache.h"
#include "core/tlsctx.h"
#include "core/tlsio.h"

struct tlsctx_cert {
	const struct cert *cert;
	SSL_CTX           *ctx;
};

struct tlsctx {
	SSL_CTX            *ctx;     /* every SSL starts here: its session cache and ticket
	                              * keys are the ones every connection uses */
	const struct conf  *cfg;
	unsigned            versions; /* the profile's CONF_TLS1x: what ctx allows */
	struct tlsctx_cert *certs;   /* sorted by cert pointer */
	size_t              ncerts;
	struct sesscache   *sessions; /* the server session cache; NULL when it is off */
};

/* Bytes of the session store's mapping per session of tls_session_cache: a TLS 1.3
 * session with its stateful ticket serializes to ~0.25 KiB, one with a client certificate
 * and its CA to ~1.5 KiB; when the sessions held are larger on average, the oldest go
 * sooner.  Only the pages written cost memory, about the size of the sessions held. */
#define TLSCTX_SESSION_BYTES 1536

/* Windows Server 2022's default cipher suite order (the NULL suites are
 * used only when an application asks, so not here; DES-CBC3-SHA stays in the string, but
 * Debian 12's OpenSSL has no 3DES suite, and a name it lacks is skipped).  Security level 0: OpenSSL refuses
 * TLS 1.0 and 1.1 (their SHA-1 signatures) at any higher level. */
const char tlsctx_server2022_ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
    "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:"
    "ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:"
    "ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:"
    "AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA256:AES128-SHA256:AES256-SHA:AES128-SHA:"
    "DES-CBC3-SHA:@SECLEVEL=0";
/* TLS_CHACHA20_POLY1305_SHA256 is "not enabled by default" on Server 2022 */
const char tlsctx_server2022_suites[] = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
/* disablelegacytls: "only AES GCM", no RSA key exchange, DH >= 2048 and ECDH >= 224 bits
 * (security level 2 refuses smaller groups), in Server 2022's order */
const char tlsctx_nolegacy_ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
    "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=2";
const char tlsctx_nolegacy_suites[] = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";

/* OpenSSL's version numbers of the CONF_TLS1x bits, lowest first */
static const struct {
	unsigned    bit;
	int         version;
	uint64_t    no;     /* the option that leaves it out between the minimum and maximum */
	const char *name;   /* as tlsctx_policy_text says it */
} tlsctx_versions[] = {
	{ CONF_TLS10, TLS1_VERSION,   SSL_OP_NO_TLSv1,   "1.0" },
	{ CONF_TLS11, TLS1_1_VERSION, SSL_OP_NO_TLSv1_1, "1.1" },
	{ CONF_TLS12, TLS1_2_VERSION, SSL_OP_NO_TLSv1_2, "1.2" },
	{ CONF_TLS13, TLS1_3_VERSION, SSL_OP_NO_TLSv1_3, "1.3" },
};
#define TLSCTX_NVERSIONS (sizeof(tlsctx_versions) / sizeof(tlsctx_versions[0]))

int
tlsctx_verify_any(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

/* The connection's hello while its handshake runs (tlsctx_conn, through its socket), or
 * NULL. */
static struct tlsctx_hello *
tlsctx_hello_of(const SSL *ssl)
{
	struct tlsctx_conn *tc = tlsio_owner(ssl);

	return tc != NULL ? tc->hello : NULL;
}

/* What ALPN offers, in the server's order of preference (HTTP.SYS prefers h2). */
static const unsigned char tlsctx_alpn_h2[] = "\x02h2\x08http/1.1";
static const unsigned char tlsctx_alpn_h1[] = "\x08http/1.1";

static int
tlsctx_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct tlsctx_hello *h = tlsctx_hello_of(ssl);
	unsigned char *sel = NULL;
	unsigned char sellen = 0;
	int h2 = h != NULL && h->http2;

	if (SSL_select_next_proto(&sel, &sellen, h2 ? tlsctx_alpn_h2 : tlsctx_alpn_h1,
	    h2 ? sizeof(tlsctx_alpn_h2) - 1 : sizeof(tlsctx_alpn_h1) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;   /* nothing we speak offered: go on without ALPN */
	*out = sel;
	*outlen = sellen;
	return SSL_TLSEXT_ERR_OK;
}

int
tlsctx_sni_parse(const unsigned char *ext, size_t len, char *name, size_t namelen)
{
	size_t listlen, n, i;

	if (len < 2)
		return -1;
	listlen = ((size_t)ext[0] << 8) | ext[1];
	if (listlen + 2 != len || listlen < 3)
		return -1;
	ext += 2;
	/* RFC 6066: the list holds at most one name of each type; host_name is type 0. */
	if (ext[0] != TLSEXT_NAMETYPE_host_name)
		return -1;
	n = ((size_t)ext[1] << 8) | ext[2];
	if (n == 0 || n + 3 > listlen || n >= namelen)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char ch = ext[3 + i];
		if (ch <= ' ' || ch >= 0x7f)
			return -1;
		name[i] = (char)tolower(ch);
	}
	name[n] = '\0';
	return 0;
}

/* A new SSL_CTX serving cert, or NULL (OpenSSL's errors queued). */
static SSL_CTX *
tlsctx_cert_build(struct tlsctx *t, const struct cert *cert)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate(ctx, cert->x509) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, cert->key) != 1 ||
	    SSL_CTX_set1_chain(ctx, cert->chain) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)cert->thumbprint,
	    SSL_MAX_SID_CTX_LENGTH) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* read from the connection's current SSL_CTX after the switch, as are the cipher
	 * lists (an SSL without its own reads its context's), the security level and the DH
	 * parameters (OpenSSL keeps them with the certificate) */
	SSL_CTX_set_alpn_select_cb(ctx, tlsctx_alpn_cb, t);
	if (t->cfg->tls_profile == CONF_TLS_PROFILE_SERVER2022 &&
	    (SSL_CTX_set_cipher_list(ctx, tlsctx_server2022_ciphers) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, tlsctx_server2022_suites) != 1)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_security_level(ctx, SSL_CTX_get_security_level(t->ctx));
	/* DHE with a group as strong as the key (2048 bits for RSA 2048: Schannel's
	 * ServerMinKeyBitLength) */
	SSL_CTX_set_dh_auto(ctx, 1);
	/* the chain is the one built at load (chain_serve: through intermediate_store, as
	 * Windows builds it; or the file's, served_chain = file): none built per handshake */
	SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
	return ctx;
}

static int
tlsctx_cert_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct tlsctx_cert *)a)->cert;
	uintptr_t y = (uintptr_t)((const struct tlsctx_cert *)b)->cert;

	return x < y ? -1 : x > y;
}

/* Add cert's SSL_CTX (once per certificate).  Returns 0 or -1. */
static int
tlsctx_cert_add(struct tlsctx *t, const struct cert *cert, size_t *cap)
{
	struct tlsctx_cert *v;

	if (cert == NULL || cert->key == NULL)
		return 0;   /* nothing to serve with (the offline views may hold such) */
	for (size_t i = 0; i < t->ncerts; i++)
		if (t->certs[i].cert == cert)
			return 0;
	if (t->ncerts == *cap) {
		size_t ncap = *cap == 0 ? 8 : 2 * *cap;

		if ((v = realloc(t->certs, ncap * sizeof(*v))) == NULL)
			return -1;
		t->certs = v;
		*cap = ncap;
	}
	if ((t->certs[t->ncerts].ctx = tlsctx_cert_build(t, cert)) == NULL)
		return -1;
	t->certs[t->ncerts++].cert = cert;
	return 0;
}

/* The SSL_CTX serving cert, or NULL when the configuration did not name it. */
static SSL_CTX *
tlsctx_cert_ctx(struct tlsctx *t, const struct cert *cert)
{
	struct tlsctx_cert key = { cert, NULL }, *hit;

	hit = bsearch(&key, t->certs, t->ncerts, sizeof(*t->certs), tlsctx_cert_cmp);
	return hit != NULL ? hit->ctx : NULL;
}

/* Close the connection under the handshake so no alert and no certificate go out. */
static void
tlsctx_refuse(SSL *ssl)
{
	int fd = SSL_get_fd(ssl);

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

/* Whether a handshake that chose entry offers h2 (HTTP.SYS's EnableHttp2Tls and the
 * binding's disablehttp2). */
static int
tlsctx_http2(const struct conf *cfg, const struct conf_sslcert *entry)
{
	/* [server] http2, less the binding's disablehttp2 (netsh's per-entry flag) */
	return conf_http2_offered(cfg, entry);
}

/*
 * Apply the policy of entry e (the connection is already on its certificate's SSL_CTX).
 * Returns 0, or -1 when the handshake must be refused (why says why).  Only what differs
 * from the profile's context is set: a binding with no flags costs nothing here.
 */
static int
tlsctx_policy(struct tlsctx *t, SSL *ssl, const struct conf_sslcert *e, char *why,
    size_t whylen)
{
	unsigned v = conf_tls_versions(t->cfg, e);
	unsigned flags = e != NULL ? e->flags : 0;
	int lo = -1, hi = -1;
	uint64_t no = 0;

	if (flags & CONF_SSL_REJECT) {
		snprintf(why, whylen, "the binding rejects connections (reject = enable)");
		return -1;
	}
	if (v == 0) {
		snprintf(why, whylen, "the binding leaves no TLS version (tls_profile and its "
		    "disablelegacytls, disabletls12, disabletls13)");
		return -1;
	}
	if (v != t->versions) {
		for (size_t i = 0; i < TLSCTX_NVERSIONS; i++) {
			if (v & tlsctx_versions[i].bit) {
				if (lo < 0)
					lo = (int)i;
				hi = (int)i;
			}
		}
		for (int i = lo; i <= hi; i++)
			if (!(v & tlsctx_versions[i].bit))
				no |= tlsctx_versions[i].no;   /* a hole: 1.1 and 1.3 without 1.2 */
		if (SSL_set_min_proto_version(ssl, tlsctx_versions[lo].version) != 1 ||
		    SSL_set_max_proto_version(ssl, tlsctx_versions[hi].version) != 1)
			goto ssl_fail;
		if (no != 0)
			SSL_set_options(ssl, no);
	}
	if ((flags & CONF_SSL_DISABLE_LEGACY_TLS) &&
	    (SSL_set_cipher_list(ssl, tlsctx_nolegacy_ciphers) != 1 ||
	    SSL_set_ciphersuites(ssl, tlsctx_nolegacy_suites) != 1))
		goto ssl_fail;
	/* RFC 5077 tickets (and TLS 1.3's stateless ones) only where enablesessionticket is
	 * set; without it TLS 1.3 resumes from the session cache (a stateful ticket), unless
	 * disablesessionid turns that off too */
	if (flags & CONF_SSL_ENABLE_SESSION_TICKET)
		SSL_clear_options(ssl, SSL_OP_NO_TICKET);
	else if (flags & CONF_SSL_DISABLE_SESSION_ID)
		SSL_set_num_tickets(ssl, 0);
	if (flags & CONF_SSL_NEGOTIATE_CLIENT_CERT) {
		/* the CertificateRequest in this handshake; its issuer list is empty (Windows'
		 * SendTrustedIssuerList = 0) unless sslctlstorename names a store */
		STACK_OF(X509_NAME) *names = e->ctl_names != NULL ?
		    SSL_dup_CA_list(e->ctl_names) : sk_X509_NAME_new_null();

		if (names == NULL)
			goto ssl_fail;
		SSL_set_client_CA_list(ssl, names);
		SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, tlsctx_verify_any);
	}
	return 0;
ssl_fail:
	certstore_ssl_errors(why, whylen);
	return -1;
}

const char *
tlsctx_policy_text(const struct conf *cfg, const struct conf_sslcert *e, char *buf,
    size_t len)
{
	unsigned v = conf_tls_versions(cfg, e), flags = e != NULL ? e->flags : 0;
	char vers[64] = "", why[128];
	size_t n = 0, off = 0;

	for (size_t i = 0; i < TLSCTX_NVERSIONS; i++)
		if (v & tlsctx_versions[i].bit)
			n++;
	for (size_t i = 0, k = 0; i < TLSCTX_NVERSIONS; i++) {
		if (!(v & tlsctx_versions[i].bit))
			continue;
		off += (size_t)snprintf(vers + off, sizeof(vers) - off, "%s%s",
		    k == 0 ? "" : k + 1 == n ? " and " : ", ", tlsctx_versions[i].name);
		k++;
	}
	snprintf(why, sizeof(why), "tls_profile %s%s%s%s",
	    cfg->tls_profile == CONF_TLS_PROFILE_SERVER2022 ? "server2022" : "modern",
	    flags & CONF_SSL_DISABLE_LEGACY_TLS ? ", disablelegacytls: AES-GCM and ECDHE/DHE "
	    "only" : "", flags & CONF_SSL_DISABLE_TLS12 ? ", disabletls12" : "",
	    flags & CONF_SSL_DISABLE_TLS13 ? ", disabletls13" : "");
	if (v == 0)
		snprintf(buf, len, "no TLS version is left (%s)", why);
	else
		snprintf(buf, len, "TLS %s%s (%s); session tickets %s; session ids %s; %s", vers,
		    n == 1 ? " only" : "", why,
		    flags & CONF_SSL_ENABLE_SESSION_TICKET ? "on (enablesessionticket)" :
		    "off (enablesessionticket not set)",
		    flags & CONF_SSL_DISABLE_SESSION_ID ? "off (disablesessionid)" : "on",
		    flags & CONF_SSL_NEGOTIATE_CLIENT_CERT ? "a CertificateRequest in this "
		    "handshake (clientcertnegotiation = enable)" : "no CertificateRequest in this "
		    "handshake (clientcertnegotiation disabled): a URL that wants a client "
		    "certificate must ask for it later");
	return buf;
}

/*
 * The server session cache, outside OpenSSL (SSL_SESS_CACHE_NO_INTERNAL), in t->sessions
 * (sesscache: one mapping, not the worker's malloc heap).  While the connection that made
 * a session is open, its entry holds a reference to that SSL_SESSION (the connection
 * holds it anyway: no second copy), and a lookup hands out another (as OpenSSL's own
 * cache shared its sessions); when the connection's SSL is freed (tlsctx_ssl_free), or
 * it makes another session (a renegotiation), the session is serialized into the entry
 * and the reference dropped, so no SSL_SESSION outlives its connection in the store.
 * The connection keeps a reference of its own to the session it stored (its
 * tlsctx_conn's live), so the one it settles is alive whatever session the SSL holds then.
 * The client's intermediate certificates (SSL_get_peer_cert_chain, which
 * i2d_SSL_SESSION leaves out) are the session's ex_data (tlsctx_sess_slot), follow the
 * session's DER, each as DER, and come back as its ex_data: tlsctx_peer_chain.  OpenSSL
 * checks the timeout of what the lookup returns and removes (through
 * tlsctx_sess_remove_cb) what must not resume: an expired session, one whose connection
 * failed (a fatal alert, or a cut of sysbind's own; a client's bare FIN is its end of
 * input, SSL_OP_IGNORE_UNEXPECTED_EOF, and leaves the session resumable), a
 * disablesessionid one.
 */
static pthread_once_t tlsctx_sess_once = PTHREAD_ONCE_INIT;
static int tlsctx_sess_slot = -1;

static void
tlsctx_chain_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	sk_X509_pop_free(ptr, X509_free);
}

/* a copy of the session (TLS 1.3 resumes on one) holds the same certificates */
static int
tlsctx_chain_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx,
    long argl, void *argp)
{
	STACK_OF(X509) *chain = *from_d;

	return chain == NULL || (*from_d = X509_chain_up_ref(chain)) != NULL;
}

static void
tlsctx_sess_init(void)
{
	tlsctx_sess_slot = SSL_SESSION_get_ex_new_index(0, NULL, NULL, tlsctx_chain_dup,
	    tlsctx_chain_free);
}

static void
tlsctx_sess_hold(void *sess)
{
	SSL_SESSION_up_ref(sess);
}

static void
tlsctx_sess_drop(void *sess)
{
	SSL_SESSION_free(sess);
}

/* Serialize sess and the chain of its ex_data into buf (SESSCACHE_ENTRY_MAX bytes).
 * Returns the length, or -1 when it is too large to keep (it resumes nothing once its
 * connection closed, as if evicted). */
static long
tlsctx_sess_serialize(SSL_SESSION *sess, unsigned char *buf)
{
	STACK_OF(X509) *chain = SSL_SESSION_get_ex_data(sess, tlsctx_sess_slot);
	unsigned char *p = buf;
	int n;

	if ((n = i2d_SSL_SESSION(sess, NULL)) <= 0 || n > SESSCACHE_ENTRY_MAX)
		return -1;
	i2d_SSL_SESSION(sess, &p);
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		if ((n = i2d_X509(x, NULL)) <= 0 ||
		    n > (int)(SESSCACHE_ENTRY_MAX - (size_t)(p - buf)))
			return -1;
		i2d_X509(x, &p);
	}
	return (long)(p - buf);
}

/* The entry of sess, stored live by a connection, becomes its serialized form (or goes,
 * when it cannot be kept); nothing when the entry has left or holds another. */
static void
tlsctx_sess_settle(struct tlsctx *t, SSL_SESSION *sess)
{
	unsigned char buf[SESSCACHE_ENTRY_MAX];
	const unsigned char *id;
	unsigned idlen;
	long n;

	if (t == NULL || t->sessions == NULL || (id = SSL_SESSION_get_id(sess, &idlen)) == NULL)
		return;
	n = tlsctx_sess_serialize(sess, buf);
	(void)sesscache_settle(t->sessions, id, idlen, sess, n < 0 ? NULL : buf,
	    n < 0 ? 0 : (size_t)n, time(NULL));
	if (n > 0)
		OPENSSL_cleanse(buf, (size_t)n);   /* its master key */
	ERR_clear_error();
}

/* The connection's reference to the session it stored, settled and given back. */
static void
tlsctx_live_settle(struct tlsctx *t, SSL *ssl)
{
	struct tlsctx_conn *tc = tlsio_owner(ssl);
	SSL_SESSION *sess;

	if (tc == NULL || (sess = tc->live) == NULL)
		return;
	tc->live = NULL;
	tlsctx_sess_settle(t, sess);
	SSL_SESSION_free(sess);
}

/* Sessions of a binding with disablesessionid are not kept: a session id it sends
 * resumes nothing.  The others are stored live (the reference OpenSSL gives the callback
 * is the store's: it returns 1), the connection's own reference in its tlsctx_conn, the
 * client's chain on the session (tlsctx_sess_slot) for when it is serialized. */
static int
tlsctx_new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tlsctx_conn *tc = tlsio_owner(ssl);
	struct tlsctx_hello *h = tc != NULL ? tc->hello : NULL;
	STACK_OF(X509) *chain = tlsctx_peer_chain(ssl), *own;
	const unsigned char *id;
	unsigned idlen;

	if (h == NULL || h->tls == NULL || h->tls->sessions == NULL)
		return 0;
	/* a TLS 1.3 ticket sealed under the ticket keys (enablesessionticket) carries its
	 * session: nothing would ever look it up here (OpenSSL's own cache kept none) */
	if (SSL_version(ssl) >= TLS1_3_VERSION && !(SSL_get_options(ssl) & SSL_OP_NO_TICKET))
		return 0;
	if (h->entry != NULL && (h->entry->flags & CONF_SSL_DISABLE_SESSION_ID)) {
		SSL_CTX_remove_session(h->tls->ctx, sess);   /* not resumable either */
		return 0;
	}
	if (chain != NULL && SSL_SESSION_get_ex_data(sess, tlsctx_sess_slot) == NULL) {
		if ((own = X509_chain_up_ref(chain)) == NULL)
			return 0;
		if (SSL_SESSION_set_ex_data(sess, tlsctx_sess_slot, own) != 1) {
			sk_X509_pop_free(own, X509_free);
			return 0;
		}
	}
	tlsctx_live_settle(h->tls, ssl);   /* the session this connection stored before */
	SSL_SESSION_up_ref(sess);   /* the connection's */
	tc->live = sess;
	id = SSL_SESSION_get_id(sess, &idlen);
	if (sesscache_put_obj(h->tls->sessions, id, idlen, sess,
	    (time_t)(SSL_SESSION_get_time(sess) + SSL_SESSION_get_timeout(sess)),
	    time(NULL)) != 0)
		return 0;
	return 1;   /* the store keeps OpenSSL's reference */
}

/* A serialized session (and the client's chain after it) as an SSL_SESSION, or NULL. */
static SSL_SESSION *
tlsctx_sess_decode(const unsigned char *buf, long n)
{
	const unsigned char *p = buf, *end = buf + n;
	STACK_OF(X509) *chain = NULL;
	SSL_SESSION *sess;
	X509 *x;

	if ((sess = d2i_SSL_SESSION(NULL, &p, n)) == NULL)
		return NULL;
	while (p < end) {
		x = NULL;
		if ((chain == NULL && (chain = sk_X509_new_null()) == NULL) ||
		    (x = d2i_X509(NULL, &p, end - p)) == NULL || !sk_X509_push(chain, x)) {
			X509_free(x);
			sk_X509_pop_free(chain, X509_free);
			SSL_SESSION_free(sess);
			return NULL;   /* a full handshake */
		}
	}
	if (chain != NULL && SSL_SESSION_set_ex_data(sess, tlsctx_sess_slot, chain) != 1) {
		sk_X509_pop_free(chain, X509_free);
		SSL_SESSION_free(sess);
		return NULL;
	}
	return sess;
}

/* A stored session: the live one (a new reference, taken under the store's mutex, so
 * *copy is 0: OpenSSL takes it), or one read back from its serialized form (the copy on
 * the stack wiped after). */
static SSL_SESSION *
tlsctx_sess_get_cb(SSL *ssl, const unsigned char *id, int idlen, int *copy)
{
	struct tlsctx_hello *h = tlsctx_hello_of(ssl);
	unsigned char buf[SESSCACHE_ENTRY_MAX];
	SSL_SESSION *sess;
	void *live;
	long n;

	*copy = 0;   /* OpenSSL takes the reference the lookup or d2i made */
	if (h == NULL || h->tls == NULL || h->tls->sessions == NULL || idlen <= 0 ||
	    (n = sesscache_get(h->tls->sessions, id, (size_t)idlen, time(NULL), buf,
	    sizeof(buf), &live)) < 0)
		return NULL;
	if (live != NULL)
		return live;
	if ((sess = tlsctx_sess_decode(buf, n)) == NULL)
		ERR_clear_error();
	OPENSSL_cleanse(buf, (size_t)n);
	return sess;
}

static void
tlsctx_sess_remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
	struct tlsctx *t = SSL_CTX_get_app_data(ctx);
	const unsigned char *id;
	unsigned idlen;

	if (t != NULL && t->sessions != NULL && (id = SSL_SESSION_get_id(sess, &idlen)) != NULL)
		(void)sesscache_remove(t->sessions, id, idlen);
}

STACK_OF(X509) *
tlsctx_peer_chain(SSL *ssl)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	SSL_SESSION *sess;

	if (chain == NULL && tlsctx_sess_slot >= 0 && SSL_session_reused(ssl) &&
	    (sess = SSL_get_session(ssl)) != NULL)
		chain = SSL_SESSION_get_ex_data(sess, tlsctx_sess_slot);
	return chain;
}

/*
 * Session tickets under the keys of [server] session_ticket_keys (nginx's format and
 * rules): the first key seals new tickets, every key opens them, a ticket opened with an
 * older key is renewed.  Several instances given the same files resume each other's
 * sessions.
 */
static int
tlsctx_ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
    EVP_MAC_CTX *hctx, int enc)
{
	struct tlsctx_hello *h = tlsctx_hello_of(ssl);
	const struct conf *cfg = h != NULL && h->tls != NULL ? h->tls->cfg : NULL;
	const struct certstore_ticket_key *k = NULL;
	OSSL_PARAM params[3];
	size_t i;

	if (cfg == NULL || cfg->nticket_keys == 0)
		return -1;
	if (enc) {
		k = &cfg->ticket_keys[0];
		memcpy(name, k->name, 16);
		if (RAND_bytes(iv, 16) != 1)
			return -1;
		i = 0;
	} else {
		for (i = 0; i < cfg->nticket_keys; i++)
			if (memcmp(name, cfg->ticket_keys[i].name, 16) == 0)
				break;
		if (i == cfg->nticket_keys)
			return 0;   /* not one of ours: a full handshake */
		k = &cfg->ticket_keys[i];
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)k->hmac, k->hmac_len);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hctx, params) != 1 ||
	    EVP_CipherInit_ex(cctx, k->aes_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(),
	    NULL, k->aes, iv, enc) != 1)
		return -1;
	return !enc && i > 0 ? 2 : 1;   /* 2: good, but seal it again under the first key */
}

static int
tlsctx_hello_cb(SSL *ssl, int *al, void *arg)
{
	struct tlsctx *t = arg;
	struct tlsctx_hello *h = tlsctx_hello_of(ssl);
	const unsigned char *ext;
	size_t extlen;
	struct cert_choice choice;
	char where[96], why[256];
	SSL_CTX *cctx;
	int rc;

	if (h == NULL) {
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	/* A second ClientHello on this connection (after a HelloRetryRequest, or answering
	 * the HelloRequest of a renegotiation): the certificate and the policy were chosen,
	 * and the name cannot change (RFC 8446 §4.1.2, RFC 6066 §3). */
	if (h->done && !h->refused && h->cert != NULL)
		return SSL_CLIENT_HELLO_SUCCESS;
	h->has_sni = 0;
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &extlen) == 1) {
		char name[BINDING_HOST_MAX];

		if (tlsctx_sni_parse(ext, extlen, name, sizeof(name)) != 0) {
			*al = SSL_AD_DECODE_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
		free(h->sni);   /* a second ClientHello (after HelloRetryRequest) */
		if ((h->sni = strdup(name)) == NULL) {
			*al = SSL_AD_INTERNAL_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
		h->has_sni = 1;
	}
	/* no sentences for a handshake nobody narrates */
	rc = (h->narrate != NULL ? binding_resolve_cert : binding_choose_cert)(h->cfg, &h->local,
	    h->port, h->has_sni ? h->sni : NULL, &choice);
	h->done = 1;
	h->entry = choice.entry;
	if (rc != 0 || choice.cert == NULL) {
		h->refused = 1;
		h->cert = NULL;
		h->step = CERT_STEP_NONE;
		h->sni_used = 0;
		binding_ipport_format(&h->local, h->port, where, sizeof(where));
		log_info("no certificate for %s (sni %s): handshake refused", where,
		    h->has_sni ? h->sni : "none");
		if (h->narrate != NULL)
			h->narrate(h->arg, h, &choice, NULL);
		tlsctx_refuse(ssl);
		*al = SSL_AD_HANDSHAKE_FAILURE;
		return SSL_CLIENT_HELLO_ERROR;
	}
	h->cert = choice.cert;
	h->step = choice.step;
	h->sni_used = choice.sni_used;
	h->entry = choice.entry;
	/* HTTP/2 is offered unless the server or this binding turns it off */
	h->http2 = tlsctx_http2(h->cfg, choice.entry);
	if ((cctx = tlsctx_cert_ctx(t, choice.cert)) == NULL ||
	    SSL_set_SSL_CTX(ssl, cctx) != cctx) {
		log_ssl_errors("installing the certificate");
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	/* Sessions resume only under the certificate they were made with. */
	if (SSL_set_session_id_context(ssl, (const unsigned char *)choice.cert->thumbprint,
	    SSL_MAX_SID_CTX_LENGTH) != 1) {
		log_ssl_errors("setting the session id context");
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (tlsctx_policy(t, ssl, choice.entry, why, sizeof(why)) != 0) {
		h->refused = 1;
		binding_ipport_format(&h->local, h->port, where, sizeof(where));
		log_info("%s (sni %s): handshake refused: %s", where,
		    h->has_sni ? h->sni : "none", why);
		if (h->narrate != NULL)
			h->narrate(h->arg, h, &choice, why);
		tlsctx_refuse(ssl);
		*al = SSL_AD_HANDSHAKE_FAILURE;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (h->narrate != NULL) {
		char policy[512];

		h->narrate(h->arg, h, &choice, tlsctx_policy_text(h->cfg, choice.entry, policy,
		    sizeof(policy)));
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

struct tlsctx *
tlsctx_new(const struct conf *cfg, char *err, size_t errlen)
{
	struct tlsctx *t;
	char why[256];
	static const unsigned char sid[] = "sysbind";
	size_t cap = 0;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((t->ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	t->cfg = cfg;
	t->versions = conf_tls_versions(cfg, NULL);
	if (cfg->tls_profile == CONF_TLS_PROFILE_SERVER2022) {
		/* Windows Server 2022's defaults: TLS 1.0 to 1.3, its suites in its order */
		if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_VERSION) != 1 ||
		    SSL_CTX_set_cipher_list(t->ctx, tlsctx_server2022_ciphers) != 1 ||
		    SSL_CTX_set_ciphersuites(t->ctx, tlsctx_server2022_suites) != 1)
			goto fail;
	} else if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1) {
		goto fail;
	}
	SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION);
	SSL_CTX_set_dh_auto(t->ctx, 1);
	/* Renegotiation stays possible: HTTP.SYS asks for a client certificate inside the
	 * connection (conn_client_cert).  A client's own renegotiation is refused (OpenSSL's
	 * default without SSL_OP_ALLOW_CLIENT_RENEGOTIATION).  Tickets only where a binding
	 * sets enablesessionticket (tlsctx_policy).  A client's TCP FIN without close_notify
	 * is its end of input (as a close_notify is), not an error: OpenSSL 3 would otherwise
	 * fail every write after it, and the answers still queued for a client that
	 * half-closed its socket after its last request would be lost (the framing, not TLS,
	 * tells a complete request from a cut one). */
	SSL_CTX_set_options(t->ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* the connection's modes come from this context (SSL_set_SSL_CTX keeps them):
	 * buffers given back when idle (kept through a busy spell: tlsio_buffers_touch), a
	 * write retried from a grown queue, read-ahead so one read(2) takes every record the
	 * socket holds */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(t->ctx, 1);
	/* Schannel's server session cache: MaximumCacheSize sessions (the oldest go first),
	 * each resumable for ServerCacheTime; a handshake caches into this context whatever
	 * certificate it switches to */
	SSL_CTX_set_session_cache_mode(t->ctx, cfg->tls_session_cache > 0 ?
	    SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL : SSL_SESS_CACHE_OFF);
	if (cfg->tls_session_cache > 0) {
		pthread_once(&tlsctx_sess_once, tlsctx_sess_init);
		if (tlsctx_sess_slot < 0 ||
		    (t->sessions = sesscache_new(cfg->tls_session_cache,
		    cfg->tls_session_cache * TLSCTX_SESSION_BYTES)) == NULL) {
			snprintf(err, errlen, "TLS context: out of memory for the session cache");
			tlsctx_free(t);
			return NULL;
		}
		sesscache_objects(t->sessions, tlsctx_sess_hold, tlsctx_sess_drop);
		SSL_CTX_set_app_data(t->ctx, t);
		SSL_CTX_sess_set_get_cb(t->ctx, tlsctx_sess_get_cb);
		SSL_CTX_sess_set_remove_cb(t->ctx, tlsctx_sess_remove_cb);
	}
	if (SSL_CTX_set_session_id_context(t->ctx, sid, sizeof(sid) - 1) != 1)
		goto fail;
	SSL_CTX_set_timeout(t->ctx, (long)cfg->tls_session_cache_time);
	/* one TLS 1.3 ticket per handshake is enough to resume; each costs a session copy */
	SSL_CTX_set_num_tickets(t->ctx, 1);
	SSL_CTX_sess_set_new_cb(t->ctx, tlsctx_new_session_cb);
	if (cfg->nticket_keys > 0 &&
	    SSL_CTX_set_tlsext_ticket_key_evp_cb(t->ctx, tlsctx_ticket_cb) != 1)
		goto fail;
	SSL_CTX_set_alpn_select_cb(t->ctx, tlsctx_alpn_cb, t);
	SSL_CTX_set_client_hello_cb(t->ctx, tlsctx_hello_cb, t);
	/* every certificate a handshake can be given, now */
	for (size_t i = 0; i < cfg->nsslcerts; i++) {
		const struct conf_sslcert *e = &cfg->sslcerts[i];

		if (tlsctx_cert_add(t, e->cert, &cap) != 0)
			goto fail;
		for (size_t k = 0; k < certstore_ccs_count(e->ccs); k++)
			if (tlsctx_cert_add(t, certstore_ccs_cert(e->ccs, k), &cap) != 0)
				goto fail;
	}
	if (t->ncerts > 0)
		qsort(t->certs, t->ncerts, sizeof(*t->certs), tlsctx_cert_cmp);
	return t;
fail:
	certstore_ssl_errors(why, sizeof(why));
	snprintf(err, errlen, "TLS context: %s", why);
	tlsctx_free(t);
	return NULL;
}

void
tlsctx_free(struct tlsctx *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncerts; i++)
		SSL_CTX_free(t->certs[i].ctx);
	free(t->certs);
	SSL_CTX_free(t->ctx);
	sesscache_free(t->sessions);
	free(t);
}

SSL *
tlsctx_ssl_new(struct tlsctx *t, struct tlsctx_conn *tc, struct tlsctx_hello *h,
    struct tlsio_sock *sock)
{
	SSL *ssl;
	BIO *bio;

	if ((bio = tlsio_bio_new(sock)) == NULL) {
		log_ssl_errors("BIO_new");
		return NULL;
	}
	if ((ssl = SSL_new(t->ctx)) == NULL) {
		log_ssl_errors("SSL_new");
		BIO_free(bio);
		return NULL;
	}
	SSL_set_bio(ssl, bio, bio);   /* the SSL's now (one reference for both sides) */
	sock->owner = tc;
	h->tls = t;
	tc->hello = h;
	SSL_set_accept_state(ssl);
	return ssl;
}

void
tlsctx_ssl_free(struct tlsctx *t, SSL *ssl)
{
	if (ssl == NULL)
		return;
	tlsctx_live_settle(t, ssl);
	SSL_free(ssl);
}

void
tlsctx_ssl_hello(struct tlsctx *t, SSL *ssl, struct tlsctx_hello *h)
{
	struct tlsctx_conn *tc = tlsio_owner(ssl);

	if (h != NULL)
		h->tls = t;
	if (tc != NULL)
		tc->hello = h;
}
