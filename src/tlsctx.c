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
 * SSL_new); nothing in it is written after tlsctx_new.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include "conf.h"
#include "log.h"
#include "tlsctx.h"

struct tlsctx_cert {
	const struct cert *cert;
	SSL_CTX           *ctx;
};

struct tlsctx {
	SSL_CTX            *ctx;
	int                 ex_index;
	struct tlsctx_cert *certs;   /* sorted by cert pointer */
	size_t              ncerts;
};

/* One ex_data slot for the process: every reload builds a tlsctx, the slot stays. */
static pthread_once_t tlsctx_once = PTHREAD_ONCE_INIT;
static int tlsctx_ex_slot = -1;

static void
tlsctx_ex_init(void)
{
	tlsctx_ex_slot = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* What ALPN offers, in the server's order of preference (HTTP.SYS prefers h2). */
static const unsigned char tlsctx_alpn_h2[] = "\x02h2\x08http/1.1";
static const unsigned char tlsctx_alpn_h1[] = "\x08http/1.1";

static int
tlsctx_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct tlsctx *t = arg;
	struct tlsctx_hello *h = SSL_get_ex_data(ssl, t->ex_index);
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
	/* read from the connection's current SSL_CTX after the switch */
	SSL_CTX_set_alpn_select_cb(ctx, tlsctx_alpn_cb, t);
	/* the chain is the one configured: no chain building from a store per handshake */
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
	(void)entry;   /* the binding's disablehttp2 comes with the netsh flags (issue 14) */
	return cfg->http2;
}

static int
tlsctx_hello_cb(SSL *ssl, int *al, void *arg)
{
	struct tlsctx *t = arg;
	struct tlsctx_hello *h = SSL_get_ex_data(ssl, t->ex_index);
	const unsigned char *ext;
	size_t extlen;
	struct cert_choice choice;
	char where[96];
	SSL_CTX *cctx;
	int rc;

	if (h == NULL) {
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
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
	if (rc != 0 || choice.cert == NULL) {
		h->refused = 1;
		h->cert = NULL;
		h->step = CERT_STEP_NONE;
		h->sni_used = 0;
		binding_ipport_format(&h->local, h->port, where, sizeof(where));
		log_info("no certificate for %s (sni %s): handshake refused", where,
		    h->has_sni ? h->sni : "none");
		if (h->narrate != NULL)
			h->narrate(h->arg, h, &choice);
		tlsctx_refuse(ssl);
		*al = SSL_AD_HANDSHAKE_FAILURE;
		return SSL_CLIENT_HELLO_ERROR;
	}
	h->cert = choice.cert;
	h->step = choice.step;
	h->sni_used = choice.sni_used;
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
	if (h->narrate != NULL)
		h->narrate(h->arg, h, &choice);
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
	pthread_once(&tlsctx_once, tlsctx_ex_init);
	t->ex_index = tlsctx_ex_slot;
	if (t->ex_index < 0 || (t->ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1)
		goto fail;
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE
	    | SSL_OP_NO_COMPRESSION);
	/* the connection's modes come from this context (SSL_set_SSL_CTX keeps them):
	 * buffers given back when idle, a write retried from a grown queue, read-ahead so
	 * one read(2) takes every record the socket holds */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(t->ctx, 1);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_SERVER);
	if (SSL_CTX_set_session_id_context(t->ctx, sid, sizeof(sid) - 1) != 1)
		goto fail;
	SSL_CTX_set_timeout(t->ctx, 300);
	/* one TLS 1.3 ticket per handshake is enough to resume; each costs a session copy */
	SSL_CTX_set_num_tickets(t->ctx, 1);
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
	free(t);
}

SSL *
tlsctx_ssl_new(struct tlsctx *t, struct tlsctx_hello *h, int fd)
{
	SSL *ssl;

	if ((ssl = SSL_new(t->ctx)) == NULL) {
		log_ssl_errors("SSL_new");
		return NULL;
	}
	if (SSL_set_ex_data(ssl, t->ex_index, h) != 1 || SSL_set_fd(ssl, fd) != 1) {
		log_ssl_errors("SSL_set_ex_data");
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}
