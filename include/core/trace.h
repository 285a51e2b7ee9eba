/*
 * trace — the narration of one connection (`trace = on`, `sysbind -v`): one function per
 * decision HTTP.SYS makes, each writing sentences a student can follow, every line
 * prefixed "trace conn N: " so one connection's lines can be picked out of the log.
 * The sentences say what sysbind knows at that moment and why it decides as it does:
 * accept (only the local IP:Port), the ClientHello (SNI used or ignored, and why), the
 * §1.1 step that chose the certificate, the handshake, the decrypted Host, the §1.2 tier
 * that chose the site, the §1.3 verdict with what a browser and curl report, the backend
 * and the status.  Formatting only: the caller passes the facts in and decides nothing
 * here.  Every function is a no-op when on is 0, may be called from any event-loop
 * thread and from callbacks, and writes each line whole (through log.h).
 */
#ifndef SYSBIND_TRACE_H
#define SYSBIND_TRACE_H

#include <stddef.h>

#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"

struct tlsctx_hello;

/* A free-form line for connection id (used where no decision function fits). */
void trace_note(int on, unsigned long long id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The TCP connection was accepted on local ("127.0.0.1:8443") over proto from client. */
void trace_accept(int on, unsigned long long id, enum binding_proto proto, const char *local,
    const char *client_ip, unsigned client_port, int over_limit);

/*
 * The ClientHello was read and §1.1 ran: the SNI (or its absence), whether mode used or
 * ignored it and why, each step considered, and the certificate chosen (subject, names,
 * thumbprint) or the refusal, then the binding's TLS policy (policy: tlsctx_policy_text),
 * or why the policy refused the handshake.  h and choice are borrowed.
 */
void trace_hello(int on, unsigned long long id, enum conf_mode mode,
    const struct tlsctx_hello *h, const struct cert_choice *choice, const char *policy);

/* The handshake completed with version and cipher; alpn may be NULL (none chosen). */
void trace_handshake_done(int on, unsigned long long id, const char *version,
    const char *cipher, int resumed, const char *alpn, size_t alpnlen);

/* A request head was read (decrypted, for https): its line and the host asked for. */
void trace_request(int on, unsigned long long id, enum binding_proto proto,
    const char *method, const char *target, int major, int minor, const char *host);

/* §1.2 chose r->site (ok 1) or found none / a stopped site (ok 0): r->explain says how. */
void trace_route(int on, unsigned long long id, const struct route *r, int ok);

/*
 * The §1.3 verdict v on cert for host, with why (certstore_verdict's sentence), and what
 * a browser and curl report for it.  cert may be NULL (no certificate).
 */
void trace_verdict(int on, unsigned long long id, enum cert_verdict v, const char *why,
    const char *host, const struct cert *cert);

/* The site has no backend: the built-in diagnostic page answered (json: JSON, else HTML). */
void trace_diag(int on, unsigned long long id, int json);

/* The backend answered the request with status. */
void trace_backend(int on, unsigned long long id, const char *backend, int status);

/* sysbind answered status itself, as HTTP.SYS does, with HTTPERR reason; then closes. */
void trace_error(int on, unsigned long long id, int status, const char *reason);

/* The request could not be parsed: detail says why (the error page follows). */
void trace_refused(int on, unsigned long long id, const char *detail);

/* One request/response exchange ended with status after ms milliseconds. */
void trace_done(int on, unsigned long long id, int status, long ms);

/*
 * The connection closed for why after requests complete requests.  sent (NULL: plain
 * http, or no certificate was sent) is the certificate the handshake sent, so a client
 * that gave up on it (a failed handshake, or a close before any request) is explained.
 */
void trace_closed(int on, unsigned long long id, const char *why,
    const struct cert *sent, unsigned long requests);

/* What a browser (Chrome's code) and curl report for verdict v; never NULL. */
const char *trace_browser_says(enum cert_verdict v);
/* curl's message for v on cert and host, into buf (returned). */
const char *trace_curl_says(enum cert_verdict v, const struct cert *cert, const char *host,
    char *buf, size_t len);

#endif
