/*
 * tlsctx — the daemon's TLS policy: one server SSL_CTX (TLS 1.2 minimum, TLS 1.3
 * allowed, ALPN http/1.1, session cache and tickets, small idle buffers) and the
 * ClientHello callback that reads the SNI name, asks binding_resolve_cert (§1.1) for the
 * certificate of this connection's local IP:Port (+ SNI in iis8 mode) and installs it on
 * the connection.  When no certificate is found the handshake is refused: the socket is
 * shut down, so the client sees the connection close without a certificate or an alert.
 * Built once per configuration generation, every certificate's context with it; a built
 * tlsctx is used by every worker thread and never written.
 */
#ifndef SYSBIND_TLSCTX_H
#define SYSBIND_TLSCTX_H

#include <stddef.h>
#include <openssl/ssl.h>

#include "binding.h"

struct conf;
struct cert;

/*
 * What one connection's ClientHello decided.  The conn embeds it and fills cfg, local,
 * port, narrate and arg before the handshake; the callback fills the rest.
 */
struct tlsctx_hello {
	const struct conf   *cfg;
	struct binding_addr  local;
	unsigned             port;
	/* Called once per ClientHello after the choice (may be NULL): the trace. */
	void               (*narrate)(void *arg, const struct tlsctx_hello *h,
	                        const struct cert_choice *choice);
	void                *arg;
	char                *sni;       /* lowercased; set when has_sni (the conn frees it) */
	int                  has_sni;
	int                  done;      /* the callback ran */
	int                  refused;   /* no certificate: handshake refused */
	enum cert_step       step;
	const struct cert   *cert;      /* the certificate served (borrowed from the conf) */
	int                  sni_used;
	int                  http2;     /* ALPN offers h2 on this connection */
};

struct tlsctx;

/* Build the server context for cfg (borrowed; must outlive the tlsctx).  Returns a new
 * tlsctx (caller owns, tlsctx_free) or NULL with a message in err. */
struct tlsctx *tlsctx_new(const struct conf *cfg, char *err, size_t errlen);
void tlsctx_free(struct tlsctx *t);

/*
 * A new server SSL on socket fd (borrowed: the caller closes it) for one connection whose
 * ClientHello will be decided into *h (borrowed: h must live as long as the SSL), in
 * accept state.  The caller owns the SSL (SSL_free).  Returns NULL on failure (OpenSSL
 * errors logged).
 */
SSL *tlsctx_ssl_new(struct tlsctx *t, struct tlsctx_hello *h, int fd);

/* Parse the body of a server_name extension (RFC 6066 §3) into name (lowercased).
 * Returns 0, or -1 when it is malformed or holds no usable host_name. */
int tlsctx_sni_parse(const unsigned char *ext, size_t len, char *name, size_t namelen);

#endif
