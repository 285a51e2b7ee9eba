/*
 * clientcert — IIS's and HTTP.SYS's client-certificate rules as pure decisions: which
 * IIS <access sslFlags> a request's path has (the longest [location] of its site, else
 * the site's own, else the server level's: IIS's inheritance, path over site over
 * server), what one request gets given those flags and the connection's facts (serve, a
 * 403.x, ask now by renegotiating, 413, a TLS 1.3 reset or 500, HTTP/2's
 * HTTP_1_1_REQUIRED), and the verdict on a client's
 * chain under an [sslcert] entry's checks.  No sockets, no I/O, no allocation: the
 * daemon, `check`, `explain` and the unit tests call the same functions, from any thread.
 */
#ifndef SYSBIND_CLIENTCERT_H
#define SYSBIND_CLIENTCERT_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "model/certstore.h"
#include "model/conf.h"

/* What one request gets. */
enum clientcert_action {
	CLIENTCERT_SERVE = 0,            /* serve it; a client certificate the connection holds
	                                  * goes to the backend (client_cert_header) */
	CLIENTCERT_SERVE_NO_CERT,        /* serve it: the path accepts a certificate
	                                  * (SslNegotiateCert alone), the client sent none */
	CLIENTCERT_DENY_403_4,           /* Ssl (or Ssl128) on a plain-http request */
	CLIENTCERT_DENY_403_7,           /* SslRequireCert and no certificate */
	CLIENTCERT_DENY_403_13,          /* the certificate is revoked */
	CLIENTCERT_DENY_403_16,          /* untrusted or invalid (wrong usage, unknown status) */
	CLIENTCERT_DENY_403_17,          /* expired or not yet valid */
	CLIENTCERT_RENEGOTIATE,          /* TLS 1.2 or older: read the whole body ahead, then
	                                  * renegotiate to ask for the certificate; decide again
	                                  * with what the client sent (asked = 1) */
	CLIENTCERT_TOO_LARGE_413,        /* the body passes upload_read_ahead_size before a
	                                  * renegotiation: 413, and the connection closed */
	CLIENTCERT_TLS13_RESET,          /* TLS 1.3, Windows Server 2022: reset the connection */
	CLIENTCERT_TLS13_500,            /* TLS 1.3, Windows Server 2025: 500.0, 0x80070032 */
	CLIENTCERT_H2_HTTP_1_1_REQUIRED, /* HTTP/2: RST_STREAM(HTTP_1_1_REQUIRED, 0xd); the
	                                  * browser retries the request over HTTP/1.1 */
};

/* What is known about one request when its path's policy is applied. */
struct clientcert_facts {
	unsigned      access;          /* its effective CONF_ACCESS_* (clientcert_access) */
	const char   *path;            /* for the sentence (borrowed; NULL: "the path") */
	int           https;           /* 0: plain http */
	int           tls_version;     /* the connection's, OpenSSL's TLS1_2_VERSION, ... */
	int           http2;           /* the request is an HTTP/2 stream */
	int           negotiated;      /* the handshake carried a CertificateRequest (the
	                                * entry's clientcertnegotiation = enable) */
	int           asked;           /* a renegotiation on this connection asked already */
	int           has_cert;        /* the connection holds a client certificate */
	enum cert_chain_verdict chain; /* its verdict (clientcert_chain_verdict) */
	const char   *chain_why;       /* the verdict's sentence (borrowed; may be NULL) */
	int           tls13_delayed;   /* enum conf_tls13_delayed */
	unsigned long upload_read_ahead_size;
	long long     content_length;  /* -1: no Content-Length */
	int           chunked;         /* Transfer-Encoding: chunked */
	unsigned long long body_read;  /* body bytes read ahead so far */
	int           body_complete;   /* the whole body has been read */
	int           expect_continue; /* Expect: 100-continue, and no body byte sent yet */
};

/*
 * Facts with the configuration's and the entry's parts filled (negotiated from the
 * entry's clientcertnegotiation, tls13_delayed, upload_read_ahead_size, content_length
 * -1), the rest zero: the caller adds the request's.  entry may be NULL (plain http).
 */
void clientcert_facts_init(struct clientcert_facts *f, const struct conf *cfg,
    const struct conf_sslcert *entry);

/*
 * The decision for one request, with one sentence saying why in why (may be NULL; it
 * names the flags, what the connection holds and what happens next, for the trace,
 * `explain` and `check`).  The rules, in order:
 *  1. plain http: Ssl or Ssl128 is 403.4; SslRequireCert alone is 403.7 (no TLS, so no
 *     certificate); otherwise serve.
 *  2. no SslNegotiateCert nor SslRequireCert: serve.
 *  3. the connection holds a certificate: its chain verdict decides (ok: serve; revoked
 *     403.13; untrusted 403.16; expired or not yet valid 403.17) — with SslNegotiateCert
 *     alone too: IIS checks every certificate it is given (decision: the reference has
 *     nothing on a bad certificate under "Accept"; IIS reports 403.16 in that case in the
 *     field, and a backend that wants to judge bad certificates itself cannot be served
 *     by IIS either).
 *  4. no certificate, but one was asked for (in the handshake, or by a renegotiation):
 *     SslRequireCert is 403.7, SslNegotiateCert alone serves without one.
 *  5. SslRequireCert without SslNegotiateCert: 403.7 (IIS requires a certificate it does
 *     not request: IIS 6's "the server will not request a certificate").
 *  6. it must be asked for now: an HTTP/2 stream gets HTTP_1_1_REQUIRED (RFC 7540
 *     §9.2.1, RFC 8740); TLS 1.3 the reset or 500 of tls13_delayed_client_cert; TLS 1.2
 *     and older renegotiate, the body first read ahead: a Content-Length above
 *     upload_read_ahead_size, or a chunked body that passes it before its end, is 413
 *     (decision: the reference has nothing on chunked bodies; they are read ahead up to
 *     the same limit), and Expect: 100-continue with no body sent yet renegotiates
 *     before the body comes (the client-side workaround IIS support names).
 * Pure; any thread.
 */
enum clientcert_action clientcert_decide(const struct clientcert_facts *f, char *why,
    size_t whylen);

/* "serve", "serve-no-cert", "403.4", "403.7", "403.13", "403.16", "403.17",
 * "renegotiate", "413", "tls13-reset", "tls13-500", "h2-http-1.1-required". */
const char *clientcert_action_name(enum clientcert_action a);

/*
 * The answer an action is: *status (0 for SERVE, SERVE_NO_CERT, RENEGOTIATE and the
 * resets, which answer nothing), *substatus (IIS's sc-substatus) and *win32 (IIS's
 * sc-win32-status: 0x800B0109 CERT_E_UNTRUSTEDROOT for 403.16, 0x800B0101
 * CERT_E_EXPIRED for 403.17, 0x80092010 CRYPT_E_REVOKED for 403.13, 0x80070032
 * ERROR_NOT_SUPPORTED for the TLS 1.3 500; else 0).  Any pointer may be NULL.
 */
void clientcert_status(enum clientcert_action a, int *status, int *substatus,
    unsigned long *win32);

/* Whether the action is an error a client sees (a 403, 413, 500 or a reset); SERVE,
 * SERVE_NO_CERT, RENEGOTIATE and HTTP_1_1_REQUIRED (retried by browsers) are not. */
int clientcert_is_error(enum clientcert_action a);

/*
 * The effective access flags of a request to site: those of the site's [location] whose
 * path is the longest prefix of target's path (compared by segments, without case), else
 * the site's ssl_flags (which conf_load made [server] ssl_flags, IIS's <location path=".">,
 * when the site sets none: site->ssl_flags_server).  target is the request target as sent (origin form, a query and
 * fragment ignored); it is canonicalised as HTTP.SYS does before IIS matches it:
 * %-escapes decoded (%2F too), "\" read as "/", empty, "." and ".." segments resolved
 * (never above the root), dots and blanks at a segment's end dropped (Windows drops them
 * from names).  *loc (may be NULL) gets the location that matched, or NULL.  Pure; any
 * thread.
 */
unsigned clientcert_access(const struct conf *cfg, const struct conf_site *site,
    const char *target, const struct conf_location **loc);

/*
 * The verdict on a client's certificate (leaf, and the intermediates it sent) under the
 * checks of entry (verifyclientcertrevocation, verifyrevocationwithcachedclientcertonly,
 * usagecheck, revocationfreshnesstime; entry NULL: netsh's defaults), against [server]
 * trust and crl, at time now: certstore_client_verdict.  Any thread; borrows everything.
 */
enum cert_chain_verdict clientcert_chain_verdict(const struct conf *cfg,
    const struct conf_sslcert *entry, X509 *leaf, STACK_OF(X509) *chain, time_t now,
    char *why, size_t whylen);

#endif
