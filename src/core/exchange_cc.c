/*
 * exchange_cc — the client-certificate gate of a routed request (IIS's access sslFlags,
 * core/exchange_int.h): what IIS's rules (model/clientcert) give the request from the
 * certificate the connection holds, IIS's 403.x / 413 / 500 pages for a refusal, the
 * reset that ends a request without an answer (TLS 1.3, HTTP/2), asking the client for
 * its certificate inside the connection (a renegotiation, through the framing's
 * exchange_ops) and deciding again once it answered, the body read ahead meanwhile (up
 * to upload_read_ahead_size), and the certificate in base64 for the backend.  The
 * exchange's phases, answers, logs and backend are exchange.c's.  Event-loop thread
 * only.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "model/certstore.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "model/respond.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "core/exchange_int.h"
#include "core/tlsctx.h"
#include "core/trace.h"

/* The connection's client certificate as DER in base64, one line (made once), or NULL. */
const char *
exchange_cc_b64(struct exchange_conn *c)
{
	X509 *leaf;
	unsigned char *der = NULL;
	int n;

	if (c->cc_b64 != NULL)
		return c->cc_b64;
	if (c->ssl == NULL || (leaf = SSL_get0_peer_certificate(c->ssl)) == NULL)
		return NULL;
	if ((n = i2d_X509(leaf, &der)) <= 0)
		return NULL;
	if ((c->cc_b64 = malloc(4 * (((size_t)n + 2) / 3) + 1)) != NULL)
		EVP_EncodeBlock((unsigned char *)c->cc_b64, der, n);
	OPENSSL_free(der);
	return c->cc_b64;
}

/* What IIS's rules give the request now (why: the sentence, may be NULL). */
enum clientcert_action
exchange_cc_decide(struct exchange *x, char *why, size_t whylen)
{
	struct exchange_conn *c = x->c;
	struct clientcert_facts f;
	char chain_why[256];
	X509 *leaf = NULL;

	chain_why[0] = '\0';
	clientcert_facts_init(&f, c->cfg, c->entry);
	f.access = x->access;
	f.path = x->head->path != NULL ? x->head->path : x->head->target;
	f.https = c->proto == BINDING_HTTPS;
	if (c->ssl != NULL) {
		f.tls_version = SSL_version(c->ssl);
		leaf = SSL_get0_peer_certificate(c->ssl);
	}
	f.http2 = c->version != NULL && strcmp(c->version, "HTTP/2") == 0;
	f.asked = c->cc_asked;
	if ((f.has_cert = leaf != NULL)) {
		if (c->cc_chain < 0 || why != NULL)
			c->cc_chain = (int)clientcert_chain_verdict(c->cfg, c->entry, leaf,
			    tlsctx_peer_chain(c->ssl), time(NULL), chain_why,
			    sizeof(chain_why));
		f.chain = (enum cert_chain_verdict)c->cc_chain;
		f.chain_why = chain_why[0] != '\0' ? chain_why : NULL;
	}
	f.content_length = x->head->content_length > 0 ? x->head->content_length :
	    x->head->chunked ? -1 : 0;
	f.chunked = x->head->chunked;
	f.body_read = x->ahead_len;
	f.body_complete = x->req_done || !x->has_body;
	f.expect_continue = x->expect_100 && x->ahead_len == 0;
	return clientcert_decide(&f, why, whylen);
}

/* IIS's own page for a client-certificate decision, with its sub-status and win32 status
 * in the W3C line (IIS writes no HTTPERR line for its own answers). */
static void
exchange_iis_page(struct exchange *x, enum clientcert_action a, int close)
{
	enum respond_page page = a == CLIENTCERT_TOO_LARGE_413 ? PAGE_IIS_TOO_LARGE :
	    a == CLIENTCERT_TLS13_500 ? PAGE_IIS_SERVER_ERROR : PAGE_IIS_FORBIDDEN;
	int status;

	clientcert_status(a, &status, &x->substatus, &x->win32);
	x->status = respond_page_status(page);
	exchange_send_page(x, page, close || (x->has_body && !x->req_done));
}

/* End the exchange without an answer (a TLS 1.3 reset, an HTTP/2 stream reset). */
static void
exchange_cc_reset(struct exchange *x, enum exchange_reset how)
{
	exchange_httperr(x->c, x->head, x->site, 0, how == EXCHANGE_RESET_CONNECTION ?
	    "Connection_Dropped" : "HTTP_1_1_Required", x->stream_id);
	exchange_phase(x, XP_DONE);
	x->aborted = 1;
	x->ops->reset(x->conn, x, how);
}

/* Ask the client for its certificate now (the body, if any, is read ahead). */
void
exchange_cc_ask(struct exchange *x)
{
	struct exchange_conn *c = x->c;
	const STACK_OF(X509_NAME) *ca = c->entry != NULL ? c->entry->ctl_names : NULL;

	x->cc_wait = 0;
	if (c->srv->trace)
		trace_note(1, c->id, "the second chicken-and-egg: at the handshake sysbind knew "
		    "the local IP:Port%s, not the URL; that %s wants a client certificate is known "
		    "only now that the request is decrypted, and the handshake did not ask for one "
		    "(clientcertnegotiation disabled): a second handshake inside the connection "
		    "asks now%s", c->has_sni ? " and the SNI" : "", x->head->path != NULL ?
		    x->head->path : "the path", x->ahead_len > 0 ? ", the body read ahead first" :
		    "");
	if (x->ops->client_cert != NULL && x->ops->client_cert(x->conn, x, ca) == 0) {
		x->cc_asking = 1;
		return;
	}
	/* it cannot be asked (the client or OpenSSL refused the renegotiation): as if asked
	 * and none was sent */
	trace_note(c->srv->trace, c->id, "the client cannot be asked for a certificate inside "
	    "this connection: decided as if it sent none");
	x->cc_asking = 1;
	exchange_client_cert(x);
}

/* The client-certificate gate of a routed request: 0 to go on to its answer; 1 when it
 * was answered (a 403.x, 413, 500, a reset) or waits (the body read ahead, the client
 * asked). */
int
exchange_cc_gate(struct exchange *x)
{
	struct exchange_conn *c = x->c;
	enum clientcert_action a;
	char why[768];

	if (!x->cc_asking && !x->cc_wait)
		x->access = clientcert_access(c->cfg, x->site, x->head->target, &x->loc);
	if (x->access == 0)
		return 0;   /* the path asks nothing (IIS's sslFlags None) */
	a = exchange_cc_decide(x, c->srv->trace ? why : NULL, sizeof(why));
	if (c->srv->trace)
		trace_note(1, c->id, "client certificate (ssl_flags of %s%s%s): "
		    "%s", x->loc != NULL ? "[location " : x->site->ssl_flags_server ?
		    "[server], which site " : "site ", x->loc != NULL ? x->loc->path :
		    x->site->name, x->loc != NULL ? "]" : x->site->ssl_flags_server ?
		    " inherits" : "", why);
	switch (a) {
	case CLIENTCERT_SERVE:
	case CLIENTCERT_SERVE_NO_CERT:
		return 0;
	case CLIENTCERT_DENY_403_4:
	case CLIENTCERT_DENY_403_7:
	case CLIENTCERT_DENY_403_13:
	case CLIENTCERT_DENY_403_16:
	case CLIENTCERT_DENY_403_17:
	case CLIENTCERT_TLS13_500:
		exchange_iis_page(x, a, 0);
		return 1;
	case CLIENTCERT_TOO_LARGE_413:
		/* "an HTTP 413 error is returned, and the connection is closed to prevent
		 * deadlock" */
		exchange_iis_page(x, a, 1);
		return 1;
	case CLIENTCERT_TLS13_RESET:
		exchange_cc_reset(x, EXCHANGE_RESET_CONNECTION);
		return 1;
	case CLIENTCERT_H2_HTTP_1_1_REQUIRED:
		exchange_cc_reset(x, EXCHANGE_RESET_HTTP_1_1_REQUIRED);
		return 1;
	case CLIENTCERT_RENEGOTIATE:
		if (x->cc_asking)
			return 1;   /* (the body went on while the client is being asked) */
		if (x->has_body && !x->req_done && !(x->expect_100 && x->ahead_len == 0)) {
			x->cc_wait = 1;   /* read the body ahead first (exchange_req_body) */
			return 1;
		}
		exchange_cc_ask(x);
		return 1;
	}
	return 0;
}

void
exchange_client_cert(struct exchange *x)
{
	struct exchange_conn *c = x->c;
	X509 *leaf;

	if (x->phase == XP_DONE || !x->cc_asking)
		return;
	x->cc_asking = 0;
	x->cc_reneg = 1;
	/* a new handshake: the certificate (or none) is the one the client just sent */
	c->cc_asked = 1;
	c->cc_chain = -1;
	free(c->cc_b64);
	c->cc_b64 = NULL;
	if (c->srv->trace) {
		leaf = c->ssl != NULL ? SSL_get0_peer_certificate(c->ssl) : NULL;
		if (leaf != NULL) {
			char subject[256];

			certstore_name_format(X509_get_subject_name(leaf), subject, sizeof(subject));
			trace_note(1, c->id, "second round done: the client sent a certificate (%s)",
			    subject);
		} else {
			trace_note(1, c->id, "second round done: the client sent no certificate");
		}
	}
	if (exchange_cc_gate(x) != 0)
		return;
	exchange_proceed(x);
	/* no input is being handled now: the head goes to the backend at once (with
	 * Expect: 100-continue the client waits for the backend's 100) */
	exchange_push(x);
}

/* A body byte of a request waiting for its client certificate: read ahead, up to
 * upload_read_ahead_size. */
void
exchange_cc_ahead(struct exchange *x, const char *data, size_t len)
{
	unsigned long limit = x->c->cfg->upload_read_ahead_size;

	if (x->ahead_len + len > x->ahead_cap && x->ahead_len + len <= limit) {
		size_t cap = x->ahead_cap == 0 ? 16384 : x->ahead_cap;
		char *p;

		while (cap < x->ahead_len + len)
			cap *= 2;
		if (cap > limit)
			cap = limit;
		if ((p = realloc(x->ahead, cap)) == NULL) {
			exchange_page(x, PAGE_SERVICE_UNAVAILABLE, "N/A");
			return;
		}
		x->ahead = p;
		x->ahead_cap = cap;
	}
	if (x->ahead_len + len > limit) {
		/* a chunked body (or one sent before 100 Continue) past the limit */
		x->ahead_len += len;   /* counted, not kept: the decision says 413 */
		(void)exchange_cc_gate(x);
		if (x->phase != XP_DONE) {
			x->cc_wait = x->cc_asking = 0;
			exchange_iis_page(x, CLIENTCERT_TOO_LARGE_413, 1);
		}
		return;
	}
	memcpy(x->ahead + x->ahead_len, data, len);
	x->ahead_len += len;
}
