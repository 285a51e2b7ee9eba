/*
 * tlsctx — the daemon's TLS policy: one server SSL_CTX (the versions and ciphers of
 * [server] tls_profile, ALPN, the session cache, ticket keys, small idle buffers) and the
 * ClientHello callback that reads the SNI name, asks binding_resolve_cert (§1.1) for the
 * certificate of this connection's local IP:Port (+ SNI in iis8 mode), installs it on the
 * connection and applies the policy of the [sslcert] entry that matched: its TLS versions
 * (disablelegacytls, disabletls12, disabletls13), disablelegacytls's ciphers, session
 * tickets only with enablesessionticket, no session-id resumption with disablesessionid,
 * reject, disablehttp2 and a CertificateRequest in the handshake with
 * clientcertnegotiation.  When no certificate is found (or the entry rejects connections)
 * the handshake is refused: the socket is shut down, so the client sees the connection
 * close without a certificate or an alert.
 * Built once per configuration generation, every certificate's context with it; a built
 * tlsctx is used by every worker thread and never written but for its session cache
 * (a sesscache: serialized sessions outside the malloc heap, under a mutex, and the
 * sessions of connections still open, shared with them).
 */
#ifndef SYSBIND_TLSCTX_H
#define SYSBIND_TLSCTX_H

#include <stddef.h>
#include <openssl/ssl.h>

#include "model/binding.h"

struct conf;
struct conf_sslcert;
struct cert;
struct tlsctx;
struct tlsio_sock;

/*
 * What one connection's ClientHello decided.  The conn makes it for the handshake only
 * and fills cfg, local, port, narrate and arg before it; the callback fills the rest.  narrate's
 * policy is tlsctx_policy_text, or why the handshake was refused.
 */
struct tlsctx_hello {
	const struct conf   *cfg;
	struct binding_addr  local;
	unsigned             port;
	/* Called once per ClientHello after the choice (may be NULL): the trace. */
	void               (*narrate)(void *arg, const struct tlsctx_hello *h,
	                        const struct cert_choice *choice, const char *policy);
	void                *arg;
	char                *sni;       /* lowercased; set when has_sni (the conn frees it) */
	int                  has_sni;
	int                  done;      /* the callback ran */
	int                  refused;   /* no certificate: handshake refused */
	enum cert_step       step;
	const struct cert   *cert;      /* the certificate served (borrowed from the conf) */
	int                  sni_used;
	int                  http2;     /* ALPN offers h2 on this connection */
	const struct conf_sslcert *entry; /* the [sslcert] entry that matched (borrowed from
	                                   * the conf), NULL when refused without one */
	struct tlsctx       *tls;       /* set by tlsctx_ssl_new */
};

/* Build the server context for cfg (borrowed; must outlive the tlsctx).  Returns a new
 * tlsctx (caller owns, tlsctx_free) or NULL with a message in err. */
struct tlsctx *tlsctx_new(const struct conf *cfg, char *err, size_t errlen);
void tlsctx_free(struct tlsctx *t);

/*
 * What tlsctx keeps of one connection beside its SSL, in the connection's memory: the
 * SSL's callbacks find it through the SSL's socket (tlsio_owner), not through an ex_data
 * slot, for which OpenSSL would allocate a stack on each SSL (two blocks, 96 bytes).  The
 * caller embeds it zeroed and keeps it as long as the SSL; tlsctx fills it.
 */
struct tlsctx_conn {
	struct tlsctx_hello *hello;   /* the ClientHello's, while a handshake runs */
	SSL_SESSION         *live;    /* a reference to the session this connection stored
	                               * in the session cache (tlsctx_ssl_free settles it) */
};

/*
 * A new server SSL over sock (a BIO from tlsio_bio_new, the SSL's; sock's owner set to tc)
 * for one connection whose ClientHello will be decided into *h (borrowed: h must live
 * until the handshake ends, tlsctx_ssl_hello), in accept state.  tc (zeroed, borrowed)
 * and sock must live as long as the SSL.  The caller owns the SSL (tlsctx_ssl_free).
 * Returns NULL on failure (OpenSSL errors logged).
 */
SSL *tlsctx_ssl_new(struct tlsctx *t, struct tlsctx_conn *tc, struct tlsctx_hello *h,
    struct tlsio_sock *sock);

/* Free ssl (made by tlsctx_ssl_new on t; NULL: nothing): the session it stored in the
 * session cache, held there live while the connection was open, is serialized into it
 * first. */
void tlsctx_ssl_free(struct tlsctx *t, SSL *ssl);

/* Hand ssl (made by tlsctx_ssl_new on t) another hello for a handshake that starts again
 * (a renegotiation), or none (NULL) once one ended: the callbacks then find none (which
 * the owner of its tlsctx_conn may also do itself, clearing the conn's hello). */
void tlsctx_ssl_hello(struct tlsctx *t, SSL *ssl, struct tlsctx_hello *h);

/* The verify callback of client certificates: every chain is taken, as HTTP.SYS takes it
 * (it hands the chain's status to IIS, which answers 403.16 and friends); the handshake
 * never fails on it.  The verdict is clientcert_chain_verdict's. */
int tlsctx_verify_any(int ok, X509_STORE_CTX *ctx);

/* The client's certificates after its leaf, as SSL_get_peer_cert_chain, also on a
 * connection that resumed a session from the session cache (which keeps them beside the
 * session: OpenSSL's serialized session leaves them out).  Borrowed from ssl; NULL when
 * none were sent. */
STACK_OF(X509) *tlsctx_peer_chain(SSL *ssl);

/* The OpenSSL cipher string and TLS 1.3 suites of [server] tls_profile server2022:
 * Windows Server 2022's default order, at security level 0 so TLS 1.0 and
 * 1.1 can be spoken. */
extern const char tlsctx_server2022_ciphers[];
extern const char tlsctx_server2022_suites[];
/* What disablelegacytls leaves: ECDHE and DHE key exchange, AES-GCM only,
 * at security level 2 (ECDH of 224 bits and more, DH of 2048 and more). */
extern const char tlsctx_nolegacy_ciphers[];
extern const char tlsctx_nolegacy_suites[];

/*
 * One sentence on the TLS policy a handshake choosing entry e (may be NULL) gets: its
 * versions and why, tickets and session ids, the CertificateRequest, e.g. "TLS 1.2 only
 * (tls_profile modern, disabletls13); session tickets off (enablesessionticket not set);
 * a CertificateRequest in this handshake (clientcertnegotiation = enable)".  For the
 * trace, `explain` and the diagnostic page.  Returns buf.  Pure; any thread.
 */
const char *tlsctx_policy_text(const struct conf *cfg, const struct conf_sslcert *e,
    char *buf, size_t len);

/* Parse the body of a server_name extension (RFC 6066 §3) into name (lowercased).
 * Returns 0, or -1 when it is malformed or holds no usable host_name. */
int tlsctx_sni_parse(const unsigned char *ext, size_t len, char *name, size_t namelen);

#endif
