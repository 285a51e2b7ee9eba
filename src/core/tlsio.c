/*
 * tlsio — one SSL_* (or read/write) call at a time over a non-blocking socket, with its
 * outcome mapped to what the event loop must wait for (see tlsio.h).  OpenSSL's error
 * queue is drained here, at the one place that calls it, into a per-thread reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/tlsio.h"

static __thread char tlsio_why[256];
/* OpenSSL's code for the last failure, put into words (tlsio_why) only when asked: most
 * failures are a client that closed without close_notify, and nobody reads why (the
 * words cost more than the rest of the close). 0: tlsio_why says it already. */
static __thread unsigned long tlsio_err;

const char *
tlsio_reason(void)
{
	if (tlsio_err != 0) {
		ERR_error_string_n(tlsio_err, tlsio_why, sizeof(tlsio_why));
		tlsio_err = 0;
	}
	return tlsio_why;
}

/* Keep the reason of the failure, leave the queue empty. */
static void
tlsio_keep_reason(const char *fallback)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	tlsio_err = last;
	if (last == 0)
		snprintf(tlsio_why, sizeof(tlsio_why), "%s", fallback);
}

/* The outcome of an SSL_* call that returned r <= 0. */
static enum tlsio_status
tlsio_status_of(SSL *ssl, int r)
{
	int e = SSL_get_error(ssl, r);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLSIO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLSIO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return TLSIO_CLOSED;
	case SSL_ERROR_SYSCALL:
		if (errno == EAGAIN || errno == EINTR) {
			ERR_clear_error();
			return TLSIO_WANT_READ;
		}
		tlsio_keep_reason(errno != 0 ? strerror(errno) : "connection closed");
		return errno == 0 ? TLSIO_EOF : TLSIO_ERROR;
	case SSL_ERROR_SSL:
		if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			tlsio_keep_reason("connection closed without close_notify");
			return TLSIO_EOF;
		}
		tlsio_keep_reason("TLS error");
		return TLSIO_ERROR;
	default:
		tlsio_keep_reason("TLS error");
		return TLSIO_ERROR;
	}
}

size_t
tlsio_read(int fd, SSL *ssl, void *buf, size_t len, enum tlsio_status *st)
{
	ssize_t n;
	int r;

	if (ssl == NULL) {
		n = read(fd, buf, len);
		if (n > 0) {
			*st = TLSIO_OK;
			return (size_t)n;
		}
		if (n == 0) {
			*st = TLSIO_CLOSED;
		} else if (errno == EAGAIN || errno == EINTR) {
			*st = TLSIO_WANT_READ;
		} else {
			tlsio_err = 0;
			snprintf(tlsio_why, sizeof(tlsio_why), "%s", strerror(errno));
			*st = errno == ECONNRESET ? TLSIO_EOF : TLSIO_ERROR;
		}
		return 0;
	}
	errno = 0;
	r = SSL_read(ssl, buf, len > 0x7fffffff ? 0x7fffffff : (int)len);
	if (r > 0) {
		*st = TLSIO_OK;
		return (size_t)r;
	}
	*st = tlsio_status_of(ssl, r);
	return 0;
}

size_t
tlsio_write(int fd, SSL *ssl, const void *buf, size_t len, enum tlsio_status *st)
{
	ssize_t n;
	int r;

	if (ssl == NULL) {
		n = write(fd, buf, len);
		if (n >= 0) {
			*st = TLSIO_OK;
			return (size_t)n;
		}
		if (errno == EAGAIN || errno == EINTR) {
			*st = TLSIO_WANT_WRITE;
		} else {
			tlsio_err = 0;
			snprintf(tlsio_why, sizeof(tlsio_why), "%s", strerror(errno));
			*st = errno == EPIPE || errno == ECONNRESET ? TLSIO_EOF : TLSIO_ERROR;
		}
		return 0;
	}
	errno = 0;
	r = SSL_write(ssl, buf, len > 0x7fffffff ? 0x7fffffff : (int)len);
	if (r > 0) {
		*st = TLSIO_OK;
		return (size_t)r;
	}
	*st = tlsio_status_of(ssl, r);
	if (*st == TLSIO_WANT_READ && SSL_get_error(ssl, r) == SSL_ERROR_SYSCALL)
		*st = TLSIO_WANT_WRITE;   /* EAGAIN on a write is about writing */
	return 0;
}

enum tlsio_status
tlsio_handshake(SSL *ssl)
{
	int r;

	errno = 0;
	r = SSL_do_handshake(ssl);
	if (r == 1)
		return TLSIO_OK;
	return tlsio_status_of(ssl, r);
}

enum tlsio_status
tlsio_shutdown(SSL *ssl)
{
	int r;

	errno = 0;
	r = SSL_shutdown(ssl);
	if (r >= 0)   /* 0: ours sent, the peer's not seen yet; 1: both */
		return TLSIO_OK;
	return tlsio_status_of(ssl, r);
}

int
tlsio_pending(SSL *ssl)
{
	return ssl != NULL && SSL_has_pending(ssl);
}

int
tlsio_request_client_cert(SSL *ssl)
{
	int ok;

	/* not SSL_VERIFY_CLIENT_ONCE: that one asks in the first handshake only */
	SSL_set_verify(ssl, SSL_VERIFY_PEER, SSL_get_verify_callback(ssl));
	/* a full handshake: resuming the session would skip the CertificateRequest */
	SSL_set_options(ssl, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
	if (SSL_version(ssl) >= TLS1_3_VERSION)
		ok = SSL_verify_client_post_handshake(ssl);
	else
		ok = SSL_renegotiate(ssl);
	if (ok != 1) {
		tlsio_keep_reason("cannot ask for a client certificate");
		return -1;
	}
	return 0;
}
