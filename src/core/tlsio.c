/*
 * tlsio — one SSL_* (or read/write) call at a time over a non-blocking socket, with its
 * outcome mapped to what the event loop must wait for (see tlsio.h).  OpenSSL's error
 * queue is drained here, at the one place that calls it, into a per-thread reason.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/tlsio.h"

/* The most a connection holds back: a response's record (IOBUF_BLOCK of plaintext) with a
 * ticket ahead of it and a close_notify behind it; a write that would hold more goes out
 * at once, with what was held ahead of it. */
#define TLSIO_SPELL_ON   0x1   /* a busy spell: tlsio_buffers_idle will look */
#define TLSIO_SPELL_KEEP 0x2   /* its buffers kept (SSL_MODE_RELEASE_BUFFERS off) */
#define TLSIO_SPELL_USED 0x4   /* read or written since tlsio_buffers_idle looked */
#define TLSIO_SPELL_HELD 0x8   /* OpenSSL held bytes then: the next read looks again */
#define TLSIO_HOLD_MAX  (20 * 1024)
#define TLSIO_HOLD_STEP 512   /* the held buffer's size: its length rounded up to this */

/* The SSL whose handshake step runs on this thread (tlsio_handshake): its state tells
 * the ticket's write. */
static __thread SSL *tlsio_hs_ssl;

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

/* ---------- the socket BIO ---------- */

/* The write OpenSSL makes now is a TLS 1.3 NewSessionTicket (the handshake's last flush). */
static int
tlsio_is_ticket(void)
{
	return tlsio_hs_ssl != NULL && SSL_get_state(tlsio_hs_ssl) == TLS_ST_SW_SESSION_TICKET &&
	    SSL_version(tlsio_hs_ssl) >= TLS1_3_VERSION;
}

static size_t
tlsio_cap(size_t len)
{
	return (len + TLSIO_HOLD_STEP - 1) / TLSIO_HOLD_STEP * TLSIO_HOLD_STEP;
}

/* Keep p[0..n) behind what is held.  0, or -1 when it does not fit (write it now). */
static int
tlsio_keep(struct tlsio_sock *s, const char *p, size_t n)
{
	size_t need = s->held_len + n;
	char *m;

	if (need > TLSIO_HOLD_MAX)
		return -1;
	if (need > tlsio_cap(s->held_len)) {   /* the buffer is at least that (tlsio_taken) */
		if ((m = realloc(s->held, tlsio_cap(need))) == NULL)
			return -1;
		s->held = m;
	}
	memcpy(s->held + s->held_len, p, n);
	s->held_len = (unsigned short)need;
	return 0;
}

/* The socket took w bytes of what is held. */
static void
tlsio_taken(struct tlsio_sock *s, size_t w)
{
	s->held_len = (unsigned short)(s->held_len - w);
	if (s->held_len > 0) {
		memmove(s->held, s->held + w, s->held_len);
		return;
	}
	free(s->held);   /* a connection holds nothing between responses */
	s->held = NULL;
}

/* A record: held (see tlsio.h), or written after what is held, in one writev(2).  As
 * OpenSSL's socket BIO otherwise: -1 with the retry flag when the socket is full (also
 * when it took only held bytes: OpenSSL writes the record again). */
static int
tlsio_bio_write(BIO *b, const char *p, int n)
{
	struct tlsio_sock *s = BIO_get_data(b);
	ssize_t w;

	BIO_clear_retry_flags(b);
	if (n <= 0)
		return 0;
	s->spell |= TLSIO_SPELL_USED;
	if ((s->hold || tlsio_is_ticket()) && tlsio_keep(s, p, (size_t)n) == 0)
		return n;
	if (s->held_len == 0) {
		w = write(s->fd, p, (size_t)n);
	} else {
		struct iovec iov[2] = {
			{ .iov_base = s->held, .iov_len = s->held_len },
			{ .iov_base = (void *)p, .iov_len = (size_t)n },
		};
		unsigned had = s->held_len;

		w = writev(s->fd, iov, 2);
		if (w >= 0) {
			tlsio_taken(s, (size_t)w < had ? (size_t)w : had);
			w = (size_t)w < had ? 0 : w - had;
			if (w == 0) {
				errno = EAGAIN;
				w = -1;
			}
		}
	}
	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)w;
}

static int
tlsio_bio_read(BIO *b, char *p, int n)
{
	struct tlsio_sock *s = BIO_get_data(b);
	ssize_t r;

	BIO_clear_retry_flags(b);
	if (p == NULL || n <= 0)
		return 0;
	s->spell |= TLSIO_SPELL_USED;
	r = read(s->fd, p, (size_t)n);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(b);
	else if (r == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);   /* OpenSSL tells a truncation by it */
	return (int)r;
}

int
tlsio_buffers_touch(SSL *ssl, struct tlsio_sock *s)
{
	if (!(s->spell & TLSIO_SPELL_ON)) {
		s->spell |= TLSIO_SPELL_ON;
		return 1;
	}
	if (s->spell & TLSIO_SPELL_HELD) {   /* tlsio_buffers_idle waited for this read */
		s->spell &= ~TLSIO_SPELL_HELD;
		return 1;
	}
	if (!(s->spell & TLSIO_SPELL_KEEP)) {
		s->spell |= TLSIO_SPELL_KEEP;
		SSL_clear_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	}
	return 0;
}

int
tlsio_buffers_kept(const struct tlsio_sock *s)
{
	return (s->spell & TLSIO_SPELL_KEEP) != 0;
}

int
tlsio_buffers_held(const struct tlsio_sock *s)
{
	return (s->spell & TLSIO_SPELL_HELD) != 0;
}

int
tlsio_buffers_idle(SSL *ssl, struct tlsio_sock *s)
{
	if (!(s->spell & TLSIO_SPELL_ON))
		return 0;
	if (s->spell & TLSIO_SPELL_USED) {
		s->spell &= ~TLSIO_SPELL_USED;
		return 1;
	}
	if (s->spell & TLSIO_SPELL_KEEP) {
		/* SSL_has_pending: bytes read ahead, or a record's plaintext not read yet; "RB":
		 * a record's header read, its body not (both of which SSL_free_buffers checks
		 * itself only from OpenSSL 3.0.14 on, CVE-2024-4741: before, it frees a buffer
		 * in use); SSL_free_buffers fails while a record is not written out */
		if (!SSL_is_init_finished(ssl) || SSL_has_pending(ssl) ||
		    strcmp(SSL_rstate_string(ssl), "RB") == 0 || SSL_free_buffers(ssl) != 1) {
			s->spell |= TLSIO_SPELL_HELD;
			return 2;
		}
		SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	}
	s->spell = 0;
	return 0;
}

static long
tlsio_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tlsio_sock *s;

	/* (OpenSSL asks ~100 times a handshake, nearly always FLUSH or a question answered
	 * 0: the data is fetched only for the one that reads it) */
	switch (cmd) {
	case BIO_C_GET_FD:
		s = BIO_get_data(b);
		if (ptr != NULL)
			*(int *)ptr = s->fd;
		return s->fd;
	case BIO_CTRL_FLUSH:   /* writes are not buffered here: held ones wait on purpose */
	case BIO_CTRL_DUP:
		return 1;
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	default:
		return 0;
	}
}

static int
tlsio_bio_destroy(BIO *b)
{
	struct tlsio_sock *s = BIO_get_data(b);

	if (s != NULL) {
		free(s->held);
		s->held = NULL;
		s->held_len = 0;
		s->hold = 0;
	}
	BIO_set_data(b, NULL);
	return 1;
}

static BIO_METHOD *tlsio_method;
static int tlsio_method_type;
static pthread_once_t tlsio_method_once = PTHREAD_ONCE_INIT;

static void
tlsio_method_init(void)
{
	int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
	BIO_METHOD *m = BIO_meth_new(type, "sysbind socket");

	if (m == NULL)
		return;
	if (BIO_meth_set_write(m, tlsio_bio_write) != 1 ||
	    BIO_meth_set_read(m, tlsio_bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, tlsio_bio_ctrl) != 1 ||
	    BIO_meth_set_destroy(m, tlsio_bio_destroy) != 1) {
		BIO_meth_free(m);
		return;
	}
	tlsio_method_type = type;
	tlsio_method = m;
}

BIO *
tlsio_bio_new(struct tlsio_sock *s)
{
	BIO *b;

	pthread_once(&tlsio_method_once, tlsio_method_init);
	if (tlsio_method == NULL || (b = BIO_new(tlsio_method)) == NULL)
		return NULL;
	BIO_set_data(b, s);
	BIO_set_init(b, 1);
	return b;
}

void *
tlsio_owner(const SSL *ssl)
{
	BIO *b = SSL_get_rbio(ssl);
	struct tlsio_sock *s;

	if (b == NULL || tlsio_method == NULL || BIO_method_type(b) != tlsio_method_type ||
	    (s = BIO_get_data(b)) == NULL)
		return NULL;
	return s->owner;
}

void
tlsio_hold(struct tlsio_sock *s, int on)
{
	s->hold = on ? 1 : 0;
}

int
tlsio_holding(const struct tlsio_sock *s)
{
	return s->held_len > 0;
}

enum tlsio_status
tlsio_release(struct tlsio_sock *s, int fin)
{
	ssize_t w;

	s->hold = 0;
	while (s->held_len > 0) {
		/* MSG_MORE: the last segment is not sent before the shutdown, which tacks
		 * its FIN on it (tcp_send_fin): data, close_notify and FIN in one segment */
		if ((w = send(s->fd, s->held, s->held_len, MSG_NOSIGNAL | (fin ? MSG_MORE : 0))) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return TLSIO_WANT_WRITE;
			tlsio_err = 0;
			snprintf(tlsio_why, sizeof(tlsio_why), "%s", strerror(errno));
			tlsio_taken(s, s->held_len);
			return TLSIO_ERROR;
		}
		tlsio_taken(s, (size_t)w);
	}
	if (fin)
		(void)shutdown(s->fd, SHUT_WR);   /* ENOTCONN: the client is gone (a reset) */
	return TLSIO_OK;
}

/* ---------- SSL calls ---------- */

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
		/* close_notify, or a FIN without it (SSL_OP_IGNORE_UNEXPECTED_EOF): its own
		 * words, not an earlier failure's, if a handshake asks why */
		ERR_clear_error();
		tlsio_err = 0;
		snprintf(tlsio_why, sizeof(tlsio_why), "%s", "the client closed the connection");
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
	tlsio_hs_ssl = ssl;
	r = SSL_do_handshake(ssl);
	tlsio_hs_ssl = NULL;
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
