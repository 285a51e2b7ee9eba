/*
 * clientcert — the client-certificate decisions of IIS and HTTP.SYS (see clientcert.h):
 * the access flags a request's path has, what one request gets, and the chain verdict
 * under an entry's checks.  This file owns the request-path canonicalisation used for
 * matching [location] paths and the sentences that explain each decision.  It does not
 * own the TLS work (renegotiation, the CertificateRequest's CA list: tlsctx and the
 * connection do that) nor the 403 pages (respond).  Nothing here keeps state.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/tls1.h>

#include "model/clientcert.h"

/* A request path up to this long is canonicalised on the stack; a longer one in a heap
 * buffer of its size (allocation only for such a URL). */
#define CLIENTCERT_PATH_STACK 2048

void
clientcert_facts_init(struct clientcert_facts *f, const struct conf *cfg,
    const struct conf_sslcert *entry)
{
	memset(f, 0, sizeof(*f));
	f->negotiated = entry != NULL && (entry->flags & CONF_SSL_NEGOTIATE_CLIENT_CERT) != 0;
	f->tls13_delayed = cfg->tls13_delayed_client_cert;
	f->upload_read_ahead_size = cfg->upload_read_ahead_size;
	f->content_length = -1;
	f->chain = CHAIN_OK;
}

const char *
clientcert_action_name(enum clientcert_action a)
{
	switch (a) {
	case CLIENTCERT_SERVE:                return "serve";
	case CLIENTCERT_SERVE_NO_CERT:        return "serve-no-cert";
	case CLIENTCERT_DENY_403_4:           return "403.4";
	case CLIENTCERT_DENY_403_7:           return "403.7";
	case CLIENTCERT_DENY_403_13:          return "403.13";
	case CLIENTCERT_DENY_403_16:          return "403.16";
	case CLIENTCERT_DENY_403_17:          return "403.17";
	case CLIENTCERT_RENEGOTIATE:          return "renegotiate";
	case CLIENTCERT_TOO_LARGE_413:        return "413";
	case CLIENTCERT_TLS13_RESET:          return "tls13-reset";
	case CLIENTCERT_TLS13_500:            return "tls13-500";
	case CLIENTCERT_H2_HTTP_1_1_REQUIRED: return "h2-http-1.1-required";
	}
	return "?";
}

void
clientcert_status(enum clientcert_action a, int *status, int *substatus,
    unsigned long *win32)
{
	int st = 0, sub = 0;
	unsigned long w = 0;

	switch (a) {
	case CLIENTCERT_DENY_403_4:    st = 403; sub = 4; break;
	case CLIENTCERT_DENY_403_7:    st = 403; sub = 7; break;
	case CLIENTCERT_DENY_403_13:   st = 403; sub = 13;
		w = certstore_chain_verdict_win32(CHAIN_REVOKED); break;
	case CLIENTCERT_DENY_403_16:   st = 403; sub = 16;
		w = certstore_chain_verdict_win32(CHAIN_UNTRUSTED); break;
	case CLIENTCERT_DENY_403_17:   st = 403; sub = 17;
		w = certstore_chain_verdict_win32(CHAIN_EXPIRED); break;
	case CLIENTCERT_TOO_LARGE_413: st = 413; break;
	case CLIENTCERT_TLS13_500:     st = 500; w = 0x80070032UL; break;
	default: break;
	}
	if (status != NULL)
		*status = st;
	if (substatus != NULL)
		*substatus = sub;
	if (win32 != NULL)
		*win32 = w;
}

int
clientcert_is_error(enum clientcert_action a)
{
	switch (a) {
	case CLIENTCERT_SERVE:
	case CLIENTCERT_SERVE_NO_CERT:
	case CLIENTCERT_RENEGOTIATE:
	case CLIENTCERT_H2_HTTP_1_1_REQUIRED:
		return 0;
	default:
		return 1;
	}
}

/* "TLS 1.2", "TLS 1.3", ... for OpenSSL's version numbers. */
static const char *
tls_name(int v)
{
	switch (v) {
	case TLS1_VERSION:   return "TLS 1.0";
	case TLS1_1_VERSION: return "TLS 1.1";
	case TLS1_2_VERSION: return "TLS 1.2";
	case TLS1_3_VERSION: return "TLS 1.3";
	default:             return "TLS";
	}
}

/* One sentence into why, when the caller asked for one. */
#define SAY(...) do { if (say) snprintf(why, whylen, __VA_ARGS__); } while (0)

enum clientcert_action
clientcert_decide(const struct clientcert_facts *f, char *why, size_t whylen)
{
	const unsigned want = CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT;
	const char *path = f->path != NULL ? f->path : "the path";
	const int require = (f->access & CONF_ACCESS_REQUIRE_CERT) != 0;
	/* the sentence is made only when asked for: the daemon decides per request */
	const int say = why != NULL && whylen > 0;
	char flags[128];

	if (say)
		conf_access_format(f->access, flags, sizeof(flags));

	/* 1. plain http */
	if (!f->https) {
		if (f->access & (CONF_ACCESS_SSL | CONF_ACCESS_SSL128)) {
			SAY("%s requires SSL (ssl_flags %s) and the request came "
			    "over plain http: 403.4", path, flags);
			return CLIENTCERT_DENY_403_4;
		}
		if (require) {
			SAY("%s requires a client certificate (ssl_flags %s) and a "
			    "plain-http request cannot carry one: 403.7", path, flags);
			return CLIENTCERT_DENY_403_7;
		}
		SAY("%s asks nothing of a plain-http request (ssl_flags %s)",
		    path, flags);
		return CLIENTCERT_SERVE;
	}
	/* 2. no client certificate wanted */
	if (!(f->access & want)) {
		SAY("%s wants no client certificate (ssl_flags %s)%s", path,
		    flags, f->has_cert ? "; the one the connection holds is forwarded" : "");
		return CLIENTCERT_SERVE;
	}
	/* 3. the connection holds one: its verdict decides */
	if (f->has_cert) {
		const char *cw = f->chain_why != NULL ? f->chain_why : "";
		const char *sep = f->chain_why != NULL ? ": " : "";

		switch (f->chain) {
		case CHAIN_OK:
			SAY("%s wants a client certificate (ssl_flags %s) and the "
			    "client's is good%s%s: served, the certificate forwarded", path, flags,
			    sep, cw);
			return CLIENTCERT_SERVE;
		case CHAIN_REVOKED:
			SAY("the client's certificate is revoked%s%s: 403.13", sep,
			    cw);
			return CLIENTCERT_DENY_403_13;
		case CHAIN_EXPIRED:
		case CHAIN_NOT_YET_VALID:
			SAY("the client's certificate is %s%s%s: 403.17",
			    f->chain == CHAIN_EXPIRED ? "expired" : "not yet valid", sep, cw);
			return CLIENTCERT_DENY_403_17;
		case CHAIN_UNTRUSTED:
			break;
		}
		SAY("the client's certificate is untrusted or invalid%s%s: "
		    "403.16", sep, cw);
		return CLIENTCERT_DENY_403_16;
	}
	/* 4. asked, none sent */
	if (f->negotiated || f->asked) {
		const char *when = f->asked ? "when the renegotiation asked" :
		    "when the handshake asked (clientcertnegotiation = enable)";

		if (require) {
			SAY("%s requires a client certificate (ssl_flags %s) and the "
			    "client sent none %s: 403.7", path, flags, when);
			return CLIENTCERT_DENY_403_7;
		}
		SAY("%s accepts a client certificate (ssl_flags %s) and the "
		    "client sent none %s: served without one", path, flags, when);
		return CLIENTCERT_SERVE_NO_CERT;
	}
	/* 5. required, never requested */
	if (!(f->access & CONF_ACCESS_NEGOTIATE_CERT)) {
		SAY("%s requires a client certificate (ssl_flags %s) but does "
		    "not negotiate one (no SslNegotiateCert), and the handshake did not ask "
		    "(clientcertnegotiation = disable): nothing ever asks the client: 403.7", path,
		    flags);
		return CLIENTCERT_DENY_403_7;
	}
	/* 6. it must be asked for now, after the handshake */
	if (f->http2) {
		SAY("%s wants a client certificate (ssl_flags %s) the handshake "
		    "did not ask for (clientcertnegotiation = disable), and an HTTP/2 connection "
		    "may neither renegotiate (RFC 7540 9.2.1) nor ask after its handshake (RFC "
		    "8740): the stream is reset with HTTP_1_1_REQUIRED, and a browser retries the "
		    "request over HTTP/1.1", path, flags);
		return CLIENTCERT_H2_HTTP_1_1_REQUIRED;
	}
	if (f->tls_version >= TLS1_3_VERSION) {
		int e500 = f->tls13_delayed == CONF_TLS13_DELAYED_ERROR500;

		SAY("%s wants a client certificate (ssl_flags %s) the handshake "
		    "did not ask for (clientcertnegotiation = disable), and TLS 1.3 cannot "
		    "renegotiate (browsers offer no post-handshake authentication): %s "
		    "(tls13_delayed_client_cert = %s)", path, flags, e500 ? "Windows Server 2025 "
		    "answers 500.0 with 0x80070032 (ERROR_NOT_SUPPORTED)" : "Windows Server 2022 "
		    "resets the connection", e500 ? "error500" : "reset");
		return e500 ? CLIENTCERT_TLS13_500 : CLIENTCERT_TLS13_RESET;
	}
	if (f->expect_continue && f->body_read == 0) {
		SAY("%s wants a client certificate (ssl_flags %s) the handshake "
		    "did not ask for: over %s HTTP.SYS renegotiates inside the connection to ask "
		    "for it now, before the client sends its body (it waits for 100 Continue)",
		    path, flags, tls_name(f->tls_version));
		return CLIENTCERT_RENEGOTIATE;
	}
	if (f->content_length >= 0 &&
	    (unsigned long long)f->content_length > f->upload_read_ahead_size) {
		SAY("%s wants a client certificate the handshake did not ask "
		    "for, and the request body (%lld bytes) is larger than upload_read_ahead_size "
		    "(%lu), which must hold it before the renegotiation that asks (a client still "
		    "sending its body cannot renegotiate): 413 and the connection closed", path,
		    f->content_length, f->upload_read_ahead_size);
		return CLIENTCERT_TOO_LARGE_413;
	}
	if (f->chunked && !f->body_complete && f->body_read > f->upload_read_ahead_size) {
		SAY("%s wants a client certificate the handshake did not ask "
		    "for, and the chunked request body passed upload_read_ahead_size (%lu bytes) "
		    "before its end, which must be read ahead before the renegotiation that asks: "
		    "413 and the connection closed", path, f->upload_read_ahead_size);
		return CLIENTCERT_TOO_LARGE_413;
	}
	if (f->content_length > 0 || f->chunked)
		SAY("%s wants a client certificate (ssl_flags %s) the handshake "
		    "did not ask for (clientcertnegotiation = disable): over %s HTTP.SYS reads the "
		    "request body ahead (%s, upload_read_ahead_size %lu), then renegotiates inside "
		    "the connection to ask for it now", path, flags, tls_name(f->tls_version),
		    f->chunked ? "chunked, to its end" : "all of it", f->upload_read_ahead_size);
	else
		SAY("%s wants a client certificate (ssl_flags %s) the handshake "
		    "did not ask for (clientcertnegotiation = disable): over %s HTTP.SYS "
		    "renegotiates inside the connection to ask for it now", path, flags,
		    tls_name(f->tls_version));
	return CLIENTCERT_RENEGOTIATE;
}

#undef SAY

/* ---- request paths ---- */

/*
 * The canonical path of target into out (at least strlen(target) + 2 bytes): "/a/b",
 * "/" for the root.  The path part only (an absolute-form target's scheme and authority,
 * a query and a fragment are left out); %-escapes decoded, "\" read as "/", then empty,
 * "." and ".." segments resolved and a segment's trailing dots and blanks dropped.
 */
static void
path_canonical(const char *target, char *out)
{
	const char *p = target, *end;
	char *w, *seg;

	if (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) {
		p = strstr(p, "//") + 2;
		p += strcspn(p, "/?#");
	} else if (strcmp(p, "*") == 0) {
		p = "";   /* OPTIONS *: the server itself, its root */
	}
	end = p + strcspn(p, "?#");
	/* decode into out, one byte behind the final leading "/" */
	w = out + 1;
	for (; p < end; p++) {
		int hi, lo;

		if (*p == '%' && end - p >= 3 &&
		    (hi = OPENSSL_hexchar2int((unsigned char)p[1])) >= 0 &&
		    (lo = OPENSSL_hexchar2int((unsigned char)p[2])) >= 0) {
			/* a NUL must not end the string early (what follows could climb back
			 * with ".."): it stays a byte no location path holds */
			*w++ = hi == 0 && lo == 0 ? '\x01' : (char)(hi * 16 + lo);
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	for (seg = out + 1; *seg != '\0'; seg++)
		if (*seg == '\\')
			*seg = '/';
	/* resolve the segments in place: the output never outruns the input */
	p = out + 1;
	w = out;
	while (*p != '\0') {
		const char *s;
		size_t len, keep;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		s = p;
		len = strcspn(s, "/");
		p += len;
		if (len == 1 && s[0] == '.')
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			/* drop the last segment written, never above the root */
			while (w > out && *--w != '/')
				;
			continue;
		}
		for (keep = len; keep > 0 && (s[keep - 1] == '.' || s[keep - 1] == ' '); keep--)
			;
		if (keep == 0)
			continue;
		*w++ = '/';
		memmove(w, s, keep);
		w += keep;
	}
	if (w == out)
		*w++ = '/';
	*w = '\0';
}

/* Whether canonical path has loc (a [location] path: "/" or "/a/b") as its leading
 * segments, compared without case. */
static int
path_under(const char *path, const char *loc)
{
	size_t n = strlen(loc);

	if (strcmp(loc, "/") == 0)
		return 1;
	return strncasecmp(path, loc, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

unsigned
clientcert_access(const struct conf *cfg, const struct conf_site *site, const char *target,
    const struct conf_location **loc)
{
	char stackbuf[CLIENTCERT_PATH_STACK], *buf = stackbuf;
	size_t len = strlen(target != NULL ? target : ""), i;
	unsigned flags = site->ssl_flags;

	if (loc != NULL)
		*loc = NULL;
	if (site->nlocations == 0)
		return flags;
	if (len + 2 > sizeof(stackbuf) && (buf = malloc(len + 2)) == NULL) {
		/* cannot tell which path it is: the strictest of them all */
		for (i = 0; i < site->nlocations; i++)
			flags |= cfg->locations[site->locations[i]].ssl_flags;
		return flags;
	}
	path_canonical(target != NULL ? target : "/", buf);
	for (i = 0; i < site->nlocations; i++) {
		const struct conf_location *l = &cfg->locations[site->locations[i]];

		if (path_under(buf, l->path)) {
			if (loc != NULL)
				*loc = l;
			flags = l->ssl_flags;
			break;
		}
	}
	if (buf != stackbuf)
		free(buf);
	return flags;
}

enum cert_chain_verdict
clientcert_chain_verdict(const struct conf *cfg, const struct conf_sslcert *entry,
    X509 *leaf, STACK_OF(X509) *chain, time_t now, char *why, size_t whylen)
{
	unsigned mode = entry != NULL ? entry->checkmode : 0, flags = 0;

	if (!(mode & CONF_CHECK_NO_REVOCATION))
		flags |= CERTSTORE_CHECK_REVOCATION;
	if (!(mode & CONF_CHECK_NO_USAGE_CHECK))
		flags |= CERTSTORE_CHECK_USAGE;
	if (mode & CONF_CHECK_CACHED_ONLY)
		flags |= CERTSTORE_CHECK_CACHED;
	return certstore_client_verdict(leaf, chain, cfg->trust_store, cfg->crls, flags,
	    entry != NULL ? entry->revocationfreshnesstime : 0, now, why, whylen);
}
