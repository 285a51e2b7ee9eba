/*
 * tlsio — reading and writing a connection's socket, through OpenSSL when the connection
 * is TLS, with no event library in between: each call is at most one SSL_* call (or one
 * read/write), and says what it would need to go on (readable, writable).  The caller
 * (conn.c) owns the socket, the SSL and the readiness events.  OpenSSL's error queue is
 * left empty after every call; the reason of the last failure is kept per thread for the
 * caller's log line.
 */
#ifndef SYSBIND_TLSIO_H
#define SYSBIND_TLSIO_H

#include <stddef.h>
#include <sys/types.h>
#include <openssl/ssl.h>

enum tlsio_status {
	TLSIO_OK = 0,      /* done (bytes moved, handshake finished, close_notify sent) */
	TLSIO_WANT_READ,   /* call again once the socket is readable */
	TLSIO_WANT_WRITE,  /* call again once the socket is writable */
	TLSIO_CLOSED,      /* the peer ended its side: close_notify, FIN on plain TCP, or a FIN
	                      without close_notify (tlsctx sets SSL_OP_IGNORE_UNEXPECTED_EOF) */
	TLSIO_EOF,         /* the TCP connection ended in a way OpenSSL calls a system-call EOF */
	TLSIO_ERROR,       /* a protocol or socket error (tlsio_reason says which) */
};

/*
 * The socket under a connection's SSL: OpenSSL's socket BIO, and records held back so that
 * records written one after the other leave in one write(2) (one TCP segment, one wake-up
 * of the client) instead of one each:
 * - a TLS 1.3 NewSessionTicket, written as the handshake ends, waits for the next write (the
 *   first response, or anything else written on the connection) and goes out ahead of it
 *   (tlsio_release sends it alone, when the connection has nothing to answer yet);
 * - while tlsio_hold is on, every record waits (a close-delimited response, then its
 *   close_notify).
 * What is held always goes out before anything written after it, in order; held bytes are
 * the connection's (the BIO frees them with the SSL).  The caller owns this struct (its
 * memory outlives the SSL, 24 bytes: one per connection) and sets fd and owner.
 */
struct tlsio_sock {
	char           *held;      /* records OpenSSL wrote and the socket did not take yet */
	void           *owner;     /* the caller's, found from the SSL by tlsio_owner */
	int             fd;
	unsigned short  held_len;  /* at most TLSIO_HOLD_MAX (tlsio.c) */
	unsigned char   hold;      /* 1: tlsio_hold is on */
	unsigned char   spell;     /* TLSIO_SPELL_*: the buffers' busy spell (below) */
};

/* A BIO over s (one reference, for SSL_set_bio), or NULL. */
BIO *tlsio_bio_new(struct tlsio_sock *s);
/* The owner of the tlsio_sock under ssl's read side, or NULL when that is not a
 * tlsio_bio_new BIO: what the SSL's callbacks know of their connection without an
 * ex_data slot (OpenSSL allocates a stack per SSL for those). */
void *tlsio_owner(const SSL *ssl);
/* Hold every record written from now on (on 1), or stop holding (0: what is held waits
 * for the next write or tlsio_release). */
void tlsio_hold(struct tlsio_sock *s, int on);
/* Write what is held, and stop holding; with fin, then end the sending side
 * (shutdown(SHUT_WR)), the FIN in the last segment.  TLSIO_OK (nothing left; the FIN
 * sent), TLSIO_WANT_WRITE (the socket is full: call again once writable),
 * TLSIO_ERROR (the socket failed; what was held is dropped, no FIN). */
enum tlsio_status tlsio_release(struct tlsio_sock *s, int fin);
/* 1 when records are held. */
int tlsio_holding(const struct tlsio_sock *s);
/*
 * OpenSSL's record buffers (~17 KiB to read, with read-ahead, ~17 KiB to write).  The
 * context's SSL_MODE_RELEASE_BUFFERS frees them after every record: a malloc and a free of
 * each per SSL_read and SSL_write, ~1,000 instructions a keep-alive request.  During a busy
 * spell they are kept instead, and given back once the connection is idle:
 * - tlsio_buffers_touch, on each read that brought data: the first of a spell returns 1
 *   (call tlsio_buffers_idle TLSIO_BUF_HOLD_MS later); a second one within the spell turns
 *   the release off (SSL_clear_mode), so a connection that made one request (and the
 *   handshake before it) keeps nothing, as before: no larger idle memory;
 * - tlsio_buffers_idle, from a timer: 1 while the socket was read or written since the
 *   last call (call again TLSIO_BUF_HOLD_MS later); 2 while OpenSSL holds bytes (a record
 *   half read, or not written out, or a handshake running): call again only once the wait
 *   is over (the write event's, or tlsio_buffers_touch returning 1 for the next read, with
 *   data or not: a record that completes may carry none), so a client that stalls wakes
 *   no timer; else the buffers are freed, the release turned on again and the spell
 *   over: 0.
 */
#define TLSIO_BUF_HOLD_MS 20
int tlsio_buffers_touch(SSL *ssl, struct tlsio_sock *s);
int tlsio_buffers_idle(SSL *ssl, struct tlsio_sock *s);
/* 1 while a spell keeps the buffers (from its second read until tlsio_buffers_idle ends
 * it): the connection's timer is sure to look again. */
int tlsio_buffers_kept(const struct tlsio_sock *s);
/* 1 from tlsio_buffers_idle's 2 until tlsio_buffers_touch: the next read looks again. */
int tlsio_buffers_held(const struct tlsio_sock *s);

/* Read up to len bytes into buf.  Returns how many (> 0) with *st TLSIO_OK, or 0 with
 * *st saying why not.  ssl NULL: plain read(2). */
size_t tlsio_read(int fd, SSL *ssl, void *buf, size_t len, enum tlsio_status *st);

/* Write len bytes (> 0).  Returns how many were taken (all of them, or over TLS none
 * until the record is out: SSL_write is retried with the same bytes), 0 with *st saying
 * why not.  ssl NULL: plain write(2), possibly partial. */
size_t tlsio_write(int fd, SSL *ssl, const void *buf, size_t len, enum tlsio_status *st);

/* Drive the handshake (also a renegotiation).  TLSIO_OK when finished. */
enum tlsio_status tlsio_handshake(SSL *ssl);

/* Send close_notify (once).  TLSIO_OK when it went out, WANT_WRITE when the socket is
 * full (call again), ERROR otherwise. */
enum tlsio_status tlsio_shutdown(SSL *ssl);

/* 1 when OpenSSL holds bytes read from the socket and not yet returned (read-ahead). */
int tlsio_pending(SSL *ssl);

/* Ask a TLS 1.2 client for a certificate inside the connection (renegotiation), or a
 * TLS 1.3 client after the handshake (post-handshake authentication, if it offered it).
 * The request goes out with the next tlsio_handshake.  Returns 0, or -1 (reason kept). */
int tlsio_request_client_cert(SSL *ssl);

/* The reason of this thread's last TLSIO_ERROR ("" when none). */
const char *tlsio_reason(void);

#endif
