/*
 * check_tlsio — the socket BIO under a connection's SSL (tlsio_bio_new): what leaves the
 * socket and when.  A server SSL over tlsio's BIO and an OpenSSL client over a socketpair,
 * both non-blocking in this one thread, configured as tlsctx configures sysbind's (server
 * session cache, one stateful TLS 1.3 ticket).  The client's socket shows what the server
 * wrote (FIONREAD): nothing after the handshake (the ticket is held), everything at once
 * after the release, in order (ticket, records, close_notify, FIN); the ticket so delivered
 * resumes the session.  OpenSSL's allocations are counted (CRYPTO_set_mem_functions) to
 * see its record buffers go (tlsio_buffers_idle).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/tlsio.h"

static SSL_CTX *srv_ctx, *cli_ctx;

/* OpenSSL's bytes in use: each block carries its size ahead of it */
static size_t live;

static void *
count_malloc(size_t n, const char *file, int line)
{
	size_t *b = malloc(n + 16);

	if (b == NULL)
		return NULL;
	*b = n;
	live += n;
	return (char *)b + 16;
}

static void
count_free(void *p, const char *file, int line)
{
	size_t *b = p != NULL ? (size_t *)((char *)p - 16) : NULL;

	if (b == NULL)
		return;
	live -= *b;
	free(b);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	size_t *b = p != NULL ? (size_t *)((char *)p - 16) : NULL, was = b != NULL ? *b : 0;

	if ((b = realloc(b, n + 16)) == NULL)
		return NULL;
	*b = n;
	live += n - was;
	return (char *)b + 16;
}

#include "freebuf_probe.h"   /* SSL_free_buffers counted: free_mid_record */

/* A self-signed P-256 certificate for the server context. */
static void
ctx_setup(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	static const unsigned char sid[] = "check_tlsio";

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	srv_ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_int_eq(SSL_CTX_use_certificate(srv_ctx, x), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(srv_ctx, k), 1);
	SSL_CTX_set_min_proto_version(srv_ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(srv_ctx, SSL_OP_NO_TICKET);   /* stateful: the server cache */
	SSL_CTX_set_session_cache_mode(srv_ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(srv_ctx, sid, sizeof(sid) - 1);
	SSL_CTX_set_num_tickets(srv_ctx, 1);
	SSL_CTX_set_mode(srv_ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(srv_ctx, 1);
	cli_ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(cli_ctx, TLS1_3_VERSION);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
ctx_teardown(void)
{
	SSL_CTX_free(srv_ctx);
	SSL_CTX_free(cli_ctx);
}

struct pair {
	int               sv[2];   /* [0] the server's, [1] the client's */
	struct tlsio_sock sock;
	SSL              *srv, *cli;
};

static int
unread(int fd)
{
	int n = -1;

	ck_assert_int_eq(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

/* Connect and run both handshakes to their end (the server's: its ticket written). */
static void
pair_open(struct pair *p, SSL_SESSION *resume)
{
	BIO *b;
	int srv_done = 0, cli_done = 0;

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p->sv), 0);
	fcntl(p->sv[0], F_SETFL, O_NONBLOCK);
	fcntl(p->sv[1], F_SETFL, O_NONBLOCK);
	p->sock.fd = p->sv[0];
	ck_assert_ptr_nonnull(b = tlsio_bio_new(&p->sock));
	ck_assert_ptr_nonnull(p->srv = SSL_new(srv_ctx));
	SSL_set_bio(p->srv, b, b);
	SSL_set_accept_state(p->srv);
	ck_assert_ptr_nonnull(p->cli = SSL_new(cli_ctx));
	SSL_set_fd(p->cli, p->sv[1]);
	SSL_set_tlsext_host_name(p->cli, "localhost");
	if (resume != NULL)
		SSL_set_session(p->cli, resume);
	SSL_set_connect_state(p->cli);
	for (int i = 0; i < 50 && !(srv_done && cli_done); i++) {
		if (!cli_done)
			cli_done = SSL_do_handshake(p->cli) == 1;
		if (!srv_done) {
			enum tlsio_status st = tlsio_handshake(p->srv);

			ck_assert(st == TLSIO_OK || st == TLSIO_WANT_READ);
			srv_done = st == TLSIO_OK;
		}
	}
	ck_assert(srv_done && cli_done);
}

static void
pair_close(struct pair *p)
{
	SSL_free(p->srv);
	SSL_free(p->cli);
	close(p->sv[0]);
	close(p->sv[1]);
}

/* The client reads what the server sent: want (the plaintext), then close_notify when
 * eof; returns the session it holds then (a reference). */
static SSL_SESSION *
client_reads(struct pair *p, const char *want, int eof)
{
	char buf[256];
	int n = SSL_read(p->cli, buf, sizeof(buf));

	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert(memcmp(buf, want, (size_t)n) == 0);
	if (eof) {
		ck_assert_int_eq(SSL_read(p->cli, buf, sizeof(buf)), 0);
		ck_assert_int_eq(SSL_get_error(p->cli, 0), SSL_ERROR_ZERO_RETURN);
	}
	return SSL_get1_session(p->cli);
}

/* The resumption the ticket promises: a second connection with the session resumes. */
static void
resumes(SSL_SESSION *sess)
{
	struct pair p;

	ck_assert_ptr_nonnull(sess);
	ck_assert_int_eq(SSL_SESSION_is_resumable(sess), 1);
	pair_open(&p, sess);
	ck_assert_int_eq(SSL_session_reused(p.srv), 1);
	ck_assert_int_eq(SSL_session_reused(p.cli), 1);
	pair_close(&p);
	SSL_SESSION_free(sess);
}

/* A close-delimited response: the ticket waits after the handshake; the response and its
 * close_notify, written while holding, wait too; the release sends all three at once, in
 * that order, and the ticket resumes. */
START_TEST(test_tlsio_ticket_response_close_notify_leave_together)
{
	struct pair p;
	enum tlsio_status st;

	pair_open(&p, NULL);
	ck_assert_int_eq(unread(p.sv[1]), 0);   /* the ticket is held */
	ck_assert_int_eq(tlsio_holding(&p.sock), 1);
	tlsio_hold(&p.sock, 1);
	ck_assert_uint_eq(tlsio_write(p.sv[0], p.srv, "answer", 6, &st), 6);
	ck_assert_int_eq(st, TLSIO_OK);
	ck_assert_int_eq(tlsio_shutdown(p.srv), TLSIO_OK);
	ck_assert_int_eq(unread(p.sv[1]), 0);   /* all held */
	ck_assert_int_eq(tlsio_release(&p.sock, 0), TLSIO_OK);
	ck_assert_int_eq(tlsio_holding(&p.sock), 0);
	ck_assert_int_gt(unread(p.sv[1]), 0);
	resumes(client_reads(&p, "answer", 1));
	pair_close(&p);
}
END_TEST

/* The end of a close-delimited response (conn_linger): held records, then the FIN. */
START_TEST(test_tlsio_release_with_fin_ends_the_stream_after_the_held_records)
{
	struct pair p;
	enum tlsio_status st;
	char c;

	pair_open(&p, NULL);
	tlsio_hold(&p.sock, 1);
	ck_assert_uint_eq(tlsio_write(p.sv[0], p.srv, "last", 4, &st), 4);
	ck_assert_int_eq(tlsio_shutdown(p.srv), TLSIO_OK);
	ck_assert_int_eq(unread(p.sv[1]), 0);
	ck_assert_int_eq(tlsio_release(&p.sock, 1), TLSIO_OK);
	SSL_SESSION_free(client_reads(&p, "last", 1));
	ck_assert_int_eq(read(p.sv[1], &c, 1), 0);   /* the FIN, after all of it */
	pair_close(&p);
}
END_TEST

/* A full socket: what is held and does not fit waits, in order, for room; a write after
 * it goes out behind it (writev), the FIN after all.  The client reads every byte
 * written, then close_notify, then the end. */
START_TEST(test_tlsio_full_socket_keeps_the_order)
{
	static char big[16384], buf[16384];
	struct pair p;
	enum tlsio_status st = TLSIO_OK;
	size_t sent = 0, got = 0, w;
	int i, phase = 0, ended = 0, n;

	memset(big, 'x', sizeof(big));
	pair_open(&p, NULL);
	for (i = 0; i < 1000 && st == TLSIO_OK; i++)
		sent += tlsio_write(p.sv[0], p.srv, big, sizeof(big), &st);
	ck_assert_int_eq(st, TLSIO_WANT_WRITE);
	/* the record OpenSSL could not write is retried while holding: held, taken */
	tlsio_hold(&p.sock, 1);
	sent += w = tlsio_write(p.sv[0], p.srv, big, sizeof(big), &st);
	ck_assert_uint_eq(w, sizeof(big));
	ck_assert_int_eq(tlsio_holding(&p.sock), 1);
	tlsio_hold(&p.sock, 0);
	for (i = 0; i < 100000 && !ended; i++) {
		if ((n = SSL_read(p.cli, buf, sizeof(buf))) > 0) {
			for (int k = 0; k < n; k++)
				ck_assert_int_eq(buf[k], 'x');
			got += (size_t)n;
		} else if (SSL_get_error(p.cli, n) == SSL_ERROR_ZERO_RETURN) {
			ended = 1;
			ck_assert_int_eq(phase, 2);
		}
		/* a record behind the held one, until the socket takes both */
		if (phase == 0 && (w = tlsio_write(p.sv[0], p.srv, big, sizeof(big), &st)) > 0) {
			sent += w;
			tlsio_hold(&p.sock, 1);   /* the last record is out: close_notify is held */
			ck_assert_int_eq(tlsio_shutdown(p.srv), TLSIO_OK);
			phase = 1;
		}
		if (phase == 1) {
			st = tlsio_release(&p.sock, 1);
			ck_assert(st == TLSIO_OK || st == TLSIO_WANT_WRITE);
			phase = st == TLSIO_OK ? 2 : 1;
		}
	}
	ck_assert_int_eq(ended, 1);
	ck_assert_uint_eq(got, sent);
	ck_assert_int_eq(read(p.sv[1], buf, 1), 0);
	pair_close(&p);
}
END_TEST

/* Without holding, the first write takes the held ticket ahead of its record. */
START_TEST(test_tlsio_ticket_goes_ahead_of_the_next_write)
{
	struct pair p;
	enum tlsio_status st;

	pair_open(&p, NULL);
	ck_assert_int_eq(unread(p.sv[1]), 0);
	ck_assert_uint_eq(tlsio_write(p.sv[0], p.srv, "first", 5, &st), 5);
	ck_assert_int_eq(tlsio_holding(&p.sock), 0);
	resumes(client_reads(&p, "first", 0));
	pair_close(&p);
}
END_TEST

/* A connection with nothing to answer yet: the release sends the ticket alone. */
/* The SSL's callbacks find their connection through the socket (tlsctx's tlsctx_conn,
 * instead of an ex_data slot): the owner of the tlsio_sock under the SSL, and nothing for
 * an SSL over another BIO. */
START_TEST(test_tlsio_owner_found_through_the_socket)
{
	struct pair p;
	int owner;

	pair_open(&p, NULL);
	ck_assert_ptr_null(tlsio_owner(p.srv));   /* none set */
	p.sock.owner = &owner;
	ck_assert_ptr_eq(tlsio_owner(p.srv), &owner);
	ck_assert_ptr_null(tlsio_owner(p.cli));   /* OpenSSL's own socket BIO */
	pair_close(&p);
}
END_TEST

START_TEST(test_tlsio_ticket_released_alone)
{
	struct pair p;
	char c;

	pair_open(&p, NULL);
	ck_assert_int_eq(tlsio_release(&p.sock, 0), TLSIO_OK);
	ck_assert_int_gt(unread(p.sv[1]), 0);
	ck_assert_int_eq(SSL_read(p.cli, &c, 1), -1);   /* the ticket, no data */
	ck_assert_int_eq(SSL_get_error(p.cli, -1), SSL_ERROR_WANT_READ);
	resumes(SSL_get1_session(p.cli));
	pair_close(&p);
}
END_TEST

/* A connection that reads once in a spell (one request, the handshake before it) keeps no
 * buffer, as with SSL_MODE_RELEASE_BUFFERS alone; a second read in the spell keeps them
 * until the connection is idle with nothing pending (tlsio_buffers_idle, which conn's
 * timer calls): never while a record's plaintext or bytes read ahead wait; then they go
 * and the connection reads and writes on, releasing after each record again. */
START_TEST(test_tlsio_buffers_kept_in_a_busy_spell_until_idle)
{
	struct pair p;
	enum tlsio_status st;
	char buf[64];
	size_t before, kept;

	pair_open(&p, NULL);
	ck_assert_int_eq(tlsio_release(&p.sock, 0), TLSIO_OK);   /* the ticket out */
	/* one request: nothing kept */
	before = live;
	ck_assert_int_eq(SSL_write(p.cli, "one", 3), 3);
	ck_assert_uint_eq(tlsio_read(p.sv[0], p.srv, buf, sizeof(buf), &st), 3);
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 1);   /* a spell: look later */
	ck_assert_uint_eq(tlsio_write(p.sv[0], p.srv, "answer", 6, &st), 6);
	ck_assert_uint_lt(live, before + 16384);
	SSL_SESSION_free(client_reads(&p, "answer", 0));
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 1);   /* used since */
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 0);   /* the spell is over */
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 0);
	/* a busy spell: two reads */
	ck_assert_int_eq(SSL_write(p.cli, "first", 5), 5);
	ck_assert_int_eq(SSL_write(p.cli, "second", 6), 6);
	ck_assert_uint_eq(tlsio_read(p.sv[0], p.srv, buf, 3, &st), 3);   /* both records read */
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 1);
	ck_assert_uint_eq(tlsio_read(p.sv[0], p.srv, buf, 2, &st), 2);
	ck_assert(memcmp(buf, "st", 2) == 0);
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 0);   /* kept from now on */
	before = live;
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 1);   /* the socket was read */
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 2);   /* "second" waits */
	ck_assert_uint_eq(live, before);
	ck_assert_uint_eq(tlsio_read(p.sv[0], p.srv, buf, sizeof(buf), &st), 6);
	ck_assert(memcmp(buf, "second", 6) == 0);
	ck_assert_uint_eq(tlsio_write(p.sv[0], p.srv, "answer", 6, &st), 6);
	ck_assert_uint_eq(tlsio_read(p.sv[0], p.srv, buf, sizeof(buf), &st), 0);
	ck_assert_int_eq(st, TLSIO_WANT_READ);
	kept = live;
	ck_assert_uint_ge(kept, before);   /* both buffers still there */
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 1);   /* used since */
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 0);   /* idle: given back */
	ck_assert_uint_ge(kept - live, 2 * 16384);
	SSL_SESSION_free(client_reads(&p, "answer", 0));
	/* a request in, its answer out: released after each record again */
	before = live;
	ck_assert_int_eq(SSL_write(p.cli, "third", 5), 5);
	ck_assert_uint_eq(tlsio_read(p.sv[0], p.srv, buf, sizeof(buf), &st), 5);
	ck_assert(memcmp(buf, "third", 5) == 0);
	ck_assert_uint_eq(tlsio_write(p.sv[0], p.srv, "answer", 6, &st), 6);
	ck_assert_uint_lt(live, before + 16384);
	SSL_SESSION_free(client_reads(&p, "answer", 0));
	pair_close(&p);
}
END_TEST

/* In a busy spell, a record the socket had no room for keeps its buffer until it is out
 * whole. */
START_TEST(test_tlsio_buffers_stay_while_a_record_waits_for_room)
{
	static char big[16384], buf[16384];
	struct pair p;
	enum tlsio_status st = TLSIO_OK;
	size_t sent = 0, got = 0, before;
	int i, n, out = 0;

	memset(big, 'x', sizeof(big));
	pair_open(&p, NULL);
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 1);
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 0);   /* kept */
	for (i = 0; i < 1000 && st == TLSIO_OK; i++)
		sent += tlsio_write(p.sv[0], p.srv, big, sizeof(big), &st);
	ck_assert_int_eq(st, TLSIO_WANT_WRITE);
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 1);   /* written since */
	before = live;
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 2);   /* the record waits */
	ck_assert_uint_eq(live, before);
	for (i = 0; i < 100000 && !(out && got == sent); i++) {
		if ((n = SSL_read(p.cli, buf, sizeof(buf))) > 0) {
			for (int k = 0; k < n; k++)
				ck_assert_int_eq(buf[k], 'x');
			got += (size_t)n;
		}
		if (!out && tlsio_write(p.sv[0], p.srv, big, sizeof(big), &st) == sizeof(big)) {
			sent += sizeof(big);
			out = 1;
		}
	}
	ck_assert_int_eq(out, 1);
	ck_assert_uint_eq(got, sent);
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 1);
	before = live;
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 0);   /* out: given back */
	ck_assert_uint_ge(before - live, 16384);
	pair_close(&p);
}
END_TEST

/* A record whose header came without its body: OpenSSL has taken the header out of its
 * read buffer (no byte "left" there, no plaintext yet: SSL_has_pending is 0).  The idle
 * spell keeps the buffers and does not ask OpenSSL to free them (which 3.0.13 and older
 * would do, CVE-2024-4741's first case): the body, once it comes, is read after that
 * header. */
/* A client's ClientHello then a bare FIN (tlsctx sets SSL_OP_IGNORE_UNEXPECTED_EOF: its
 * end of input, TLSIO_CLOSED): the reason a handshake log asks for is its own, not what
 * an earlier failure on the thread left behind. */
START_TEST(test_tlsio_closed_handshake_has_its_own_reason)
{
	static const char junk[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct tlsio_sock sock;
	enum tlsio_status st = TLSIO_WANT_READ;
	int sv[2];
	SSL *srv, *cli;
	BIO *b;

	/* first, a failure: HTTP where a ClientHello belongs */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	memset(&sock, 0, sizeof(sock));
	sock.fd = sv[0];
	ck_assert_ptr_nonnull(b = tlsio_bio_new(&sock));
	ck_assert_ptr_nonnull(srv = SSL_new(srv_ctx));
	SSL_set_bio(srv, b, b);
	SSL_set_accept_state(srv);
	ck_assert_int_eq(write(sv[1], junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	ck_assert_int_eq(tlsio_handshake(srv), TLSIO_ERROR);
	ck_assert_ptr_null(strstr(tlsio_reason(), "closed"));
	SSL_free(srv);
	close(sv[0]);
	close(sv[1]);

	/* then a ClientHello and a FIN */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	sock.fd = sv[0];
	ck_assert_ptr_nonnull(b = tlsio_bio_new(&sock));
	ck_assert_ptr_nonnull(srv = SSL_new(srv_ctx));
	SSL_set_options(srv, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_set_bio(srv, b, b);
	SSL_set_accept_state(srv);
	ck_assert_ptr_nonnull(cli = SSL_new(cli_ctx));
	SSL_set_fd(cli, sv[1]);
	SSL_set_connect_state(cli);
	ck_assert_int_eq(SSL_do_handshake(cli), -1);   /* the ClientHello goes */
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	for (int i = 0; i < 10 && st == TLSIO_WANT_READ; i++)
		st = tlsio_handshake(srv);
	ck_assert_int_eq(st, TLSIO_CLOSED);
	ck_assert_str_eq(tlsio_reason(), "the client closed the connection");
	SSL_free(srv);
	SSL_free(cli);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_tlsio_buffers_stay_while_a_record_is_half_read)
{
	struct pair p;
	enum tlsio_status st;
	BIO *mem = BIO_new(BIO_s_mem());
	char *rec, buf[64];
	long len;
	size_t n;

	pair_open(&p, NULL);
	ck_assert_int_eq(tlsio_release(&p.sock, 0), TLSIO_OK);   /* the ticket out */
	ck_assert_ptr_nonnull(mem);
	/* the client's next record, caught whole, then sent in two pieces */
	BIO_up_ref(mem);
	SSL_set0_wbio(p.cli, mem);
	ck_assert_int_eq(SSL_write(p.cli, "first", 5), 5);
	ck_assert_int_gt(len = BIO_get_mem_data(mem, &rec), 5);
	/* a busy spell: its buffers kept */
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 1);
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 0);
	ck_assert_int_eq(write(p.sv[1], rec, 5), 5);   /* the header alone */
	ck_assert_uint_eq(tlsio_read(p.sv[0], p.srv, buf, sizeof(buf), &st), 0);
	ck_assert_int_eq(st, TLSIO_WANT_READ);
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 1);   /* read since */
	ck_assert_str_eq(SSL_rstate_string(p.srv), "RB");   /* the header read, not the body */
	free_mid_record = 0;
	/* idle, but the record is half read: kept, OpenSSL not asked, and no look again on a
	 * timer (a client that stalls there would wake one every TLSIO_BUF_HOLD_MS) */
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 2);
	ck_assert_int_eq(tlsio_buffers_held(&p.sock), 1);   /* conn's next read touches */
	ck_assert_int_eq(free_mid_record, 0);
	ck_assert_int_eq(write(p.sv[1], rec + 5, (size_t)len - 5), len - 5);
	n = tlsio_read(p.sv[0], p.srv, buf, sizeof(buf), &st);
	ck_assert_int_eq(st, TLSIO_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert(memcmp(buf, "first", 5) == 0);
	/* the read that brought the rest says to look again; then the spell ends as usual */
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 1);
	ck_assert_int_eq(tlsio_buffers_held(&p.sock), 0);
	ck_assert_int_eq(tlsio_buffers_touch(p.srv, &p.sock), 0);
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 1);   /* read since */
	ck_assert_int_eq(tlsio_buffers_idle(p.srv, &p.sock), 0);   /* given back */
	BIO_free(mem);
	pair_close(&p);
}
END_TEST

static Suite *
tlsio_suite(void)
{
	Suite *s = suite_create("tlsio");
	TCase *tc = tcase_create("bio");

	tcase_add_unchecked_fixture(tc, ctx_setup, ctx_teardown);
	tcase_add_test(tc, test_tlsio_ticket_response_close_notify_leave_together);
	tcase_add_test(tc, test_tlsio_release_with_fin_ends_the_stream_after_the_held_records);
	tcase_add_test(tc, test_tlsio_full_socket_keeps_the_order);
	tcase_add_test(tc, test_tlsio_ticket_goes_ahead_of_the_next_write);
	tcase_add_test(tc, test_tlsio_ticket_released_alone);
	tcase_add_test(tc, test_tlsio_owner_found_through_the_socket);
	tcase_add_test(tc, test_tlsio_buffers_kept_in_a_busy_spell_until_idle);
	tcase_add_test(tc, test_tlsio_buffers_stay_while_a_record_waits_for_room);
	tcase_add_test(tc, test_tlsio_buffers_stay_while_a_record_is_half_read);
	tcase_add_test(tc, test_tlsio_closed_handshake_has_its_own_reason);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* before OpenSSL allocates anything */
	CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
	sr = srunner_create(tlsio_suite());

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
