/*
 * check_conn — the client connection's transport (src/core/conn.c) through its public
 * seam, conn_accept, with everything else real: a configuration parsed from text (one
 * site without a backend, so that sysbind itself answers: its diagnostic page, or
 * HTTP.SYS's 400 "Invalid Hostname" to a Host no site binds), the TLS context of a
 * self-signed certificate written to a temporary directory, HTTP/1.1 (h1.c) and HTTP/2
 * (h2.c, chosen by ALPN), the exchange, and a libevent event_base this test turns.  conn is given one end of a
 * loopback TCP connection (127.0.0.1); the test is the client on the other end, plain or
 * TLS (an OpenSSL client over memory BIOs, whose bytes the test moves to and from the
 * socket itself, so it decides how they are cut: one byte per write, half a record).
 * Every wait turns the event base until a condition holds, bounded in turns and time;
 * nothing is asserted about how long anything took.  What is observed is what a client
 * sees (bytes, close_notify, FIN or reset) and the server's public state (nconns, its
 * timers, conn_busy and the SSL's mode).  Pinned, plain and TLS: a request cut at every
 * byte is answered as a whole one; pipelined requests are answered in order and the
 * connection kept, also to a slow reader (TLS: more records than one readiness reads); a
 * closing answer is whole, then close_notify, then FIN, never a reset, even with bytes
 * sent after it (the linger); the busy spell keeps OpenSSL's record buffers and gives
 * them back when idle; half a record waits with no timer and no buffer freed under it
 * (CVE-2024-4741); the client's end mid-request, after its requests (half-close) and
 * mid-answer, the daemon stopping and idle_connection_timeout with answers still queued:
 * every answer given is delivered, the connection freed once (make asan).  HTTP/2 (a
 * client nghttp2 session over the same TLS client): a request whose flights are cut at
 * every byte is answered as a whole one; many streams are all answered; a slow reader's
 * answers, every stream spent (its last frame packed) while they still wait in the
 * output, all arrive whole, then GOAWAY, close_notify and FIN, whether the client then
 * ends its side, the daemon stops or idle_connection_timeout passes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/iobuf.h"
#include "model/conf.h"
#include "base/iobuf.h"
#include "core/conn.h"
#include "core/stats.h"
#include "core/tlsctx.h"
#include "core/tlsio.h"
#include "core/upstream.h"

#include "freebuf_probe.h"   /* SSL_free_buffers counted: free_mid_record */

/* ---------- the server: configuration, TLS context, conn_server ---------- */

static const char conf_fmt[] =
    "[server]\n%s"
    "[sslcert 127.0.0.1:443]\ncertificate = %s\nkey = %s\n"
    "[site Diag]\nid = 1\nbindings = http/*:80:diag.example, https/*:443:diag.example\n";

static char tmpdir[64], cert_path[128], key_path[128];
static struct event_base *base;
static struct conf *cfg;
static struct upstream_addrs *addrs;
static struct conn_server srv;

/* A self-signed P-256 certificate for localhost, written as PEM into tmpdir. */
static void
cert_write(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *f;

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	ck_assert_ptr_nonnull(f = fopen(cert_path, "w"));
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(key_path, "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* More [server] lines for the tests of a TCase (its own setup sets them). */
static const char *server_extra = "";

static void
setup(void)
{
	char err[1024], text[1024];

	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_conn.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(cert_path, sizeof(cert_path), "%s/c.pem", tmpdir);
	snprintf(key_path, sizeof(key_path), "%s/c.key", tmpdir);
	cert_write();
	snprintf(text, sizeof(text), conf_fmt, server_extra, cert_path, key_path);
	cfg = conf_parse(text, "t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_ptr_nonnull(base = event_base_new());
	clock_bind(base);
	memset(&srv, 0, sizeof(srv));
	srv.base = base;
	srv.cfg = cfg;
	srv.tls = tlsctx_new(cfg, err, sizeof(err));
	ck_assert_msg(srv.tls != NULL, "%s", err);
	addrs = upstream_addrs_new(cfg, NULL, err, sizeof(err));
	ck_assert_msg(addrs != NULL, "%s", err);
	srv.pool = upstream_pool_new(base, cfg, addrs, err, sizeof(err));
	ck_assert_msg(srv.pool != NULL, "%s", err);
}

static void
teardown(void)
{
	conn_close_all(&srv);
	conn_server_clear(&srv);
	upstream_pool_free(srv.pool);
	upstream_addrs_free(addrs);
	tlsctx_free(srv.tls);
	clock_bind(NULL);
	event_base_free(base);
	conf_free(cfg);
	unlink(cert_path);
	unlink(key_path);
	rmdir(tmpdir);
}

/* ---------- the client ---------- */

struct cli {
	int      fd;
	SSL_CTX *ctx;
	SSL     *ssl;          /* NULL: plain */
	BIO     *rb, *wb;      /* the SSL's memory BIOs: from the socket, to the socket */
	char     out[65536];   /* bytes for the socket not sent yet */
	size_t   olen;
	size_t   step;         /* 0: send what is queued at once; n: n bytes per turn */
	int      hold;         /* 1: send nothing */
	int      deaf;         /* 1: read nothing (what comes waits in the socket) */
	size_t   sip;          /* 0: read what comes; n: n bytes a turn at most */
	char     got[1 << 20]; /* what the server sent (plaintext) */
	size_t   glen;
	int      fin;          /* recv returned 0 */
	int      reset;        /* recv failed with ECONNRESET */
	int      notify;       /* close_notify read (TLS) */
	int      notify_before_fin;
};

static struct cli cl;
/* 1: the next cli_open makes small socket buffers (the server's send buffer 16 KiB, the
 * client's receive buffer 64 KiB, set before the connection so the window follows: no
 * smaller than a loopback segment, which would leave the kernel's persist timer to move
 * the bytes, slowly) */
static int cli_bufs;
/* 1: the next cli_open's TLS client offers ALPN h2 only (HTTP/2: section 7) */
static int cli_h2;

static void
nonblock(int fd)
{
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* The loopback pair: conn gets the accepted end as arriving over proto at 127.0.0.1:80
 * or :443 (the bindings' port, the listener's own address), the client the other. */
static void
cli_open(enum binding_proto proto)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, peer, local = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a), plen = sizeof(peer);
	int lfd, sfd, one = 1;

	memset(&cl, 0, sizeof(cl));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(lfd = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	ck_assert_int_ge(cl.fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	if (cli_bufs)
		setsockopt(cl.fd, SOL_SOCKET, SO_RCVBUF, &(int){ 64 * 1024 }, sizeof(int));
	ck_assert_int_eq(connect(cl.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_ge(sfd = accept(lfd, (struct sockaddr *)&peer, &plen), 0);
	close(lfd);
	nonblock(cl.fd);
	nonblock(sfd);
	setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (cli_bufs)
		setsockopt(sfd, SOL_SOCKET, SO_SNDBUF, &(int){ 16 * 1024 }, sizeof(int));
	cli_bufs = 0;
	setsockopt(cl.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	local.sin_port = htons(proto == BINDING_HTTPS ? 443 : 80);
	ck_assert_int_eq(conn_accept(&srv, sfd, (struct sockaddr *)&peer, (int)plen, proto,
	    (struct sockaddr *)&local), 0);
	if (proto != BINDING_HTTPS)
		return;
	ck_assert_ptr_nonnull(cl.ctx = SSL_CTX_new(TLS_client_method()));
	ck_assert_ptr_nonnull(cl.ssl = SSL_new(cl.ctx));
	cl.rb = BIO_new(BIO_s_mem());
	cl.wb = BIO_new(BIO_s_mem());
	SSL_set_bio(cl.ssl, cl.rb, cl.wb);
	SSL_set_tlsext_host_name(cl.ssl, "diag.example");
	if (cli_h2)
		ck_assert_int_eq(SSL_set_alpn_protos(cl.ssl, (const unsigned char *)"\x02h2", 3), 0);
	cli_h2 = 0;
	SSL_set_connect_state(cl.ssl);
}

static void
cli_close(void)
{
	if (cl.fd >= 0)
		close(cl.fd);
	cl.fd = -1;
	SSL_free(cl.ssl);
	SSL_CTX_free(cl.ctx);
	cl.ssl = NULL;
	cl.ctx = NULL;
}

/* Plaintext the SSL has for the client, and its close_notify. */
static void
cli_tls_read(void)
{
	int n;

	while (cl.ssl != NULL && SSL_is_init_finished(cl.ssl) && cl.glen < sizeof(cl.got)) {
		n = SSL_read(cl.ssl, cl.got + cl.glen, (int)(sizeof(cl.got) - cl.glen));
		if (n > 0) {
			cl.glen += (size_t)n;
			continue;
		}
		if (SSL_get_error(cl.ssl, n) == SSL_ERROR_ZERO_RETURN)
			cl.notify = 1;
		ERR_clear_error();
		return;
	}
}

/* Move bytes: what the client SSL wrote to the out queue, the out queue to the socket
 * (cl.step bytes at most a call when set), the socket to the client. */
static void
cli_io(void)
{
	char buf[16384];
	ssize_t n;
	size_t want;

	if (cl.ssl != NULL) {
		if (!SSL_is_init_finished(cl.ssl))
			(void)SSL_do_handshake(cl.ssl);
		while ((n = BIO_read(cl.wb, buf, sizeof(buf))) > 0) {
			ck_assert_uint_le(cl.olen + (size_t)n, sizeof(cl.out));
			memcpy(cl.out + cl.olen, buf, (size_t)n);
			cl.olen += (size_t)n;
		}
	}
	want = cl.step != 0 && cl.step < cl.olen ? cl.step : cl.olen;
	if (want > 0 && !cl.hold && cl.fd >= 0 && (n = send(cl.fd, cl.out, want, MSG_NOSIGNAL)) > 0) {
		memmove(cl.out, cl.out + n, cl.olen - (size_t)n);
		cl.olen -= (size_t)n;
	}
	while (cl.fd >= 0 && !cl.deaf && !cl.reset) {   /* after the FIN too: a reset shows */
		n = recv(cl.fd, buf, cl.sip != 0 && cl.sip < sizeof(buf) ? cl.sip : sizeof(buf), 0);
		if (n == 0) {
			if (!cl.fin)
				cl.notify_before_fin = cl.notify;
			cl.fin = 1;
			break;
		} else if (n < 0) {
			if (errno == ECONNRESET)
				cl.reset = 1;
			break;
		} else if (cl.ssl != NULL) {
			ck_assert_int_eq(BIO_write(cl.rb, buf, (int)n), (int)n);
			cli_tls_read();
		} else {
			ck_assert_uint_le(cl.glen + (size_t)n, sizeof(cl.got));
			memcpy(cl.got + cl.glen, buf, (size_t)n);
			cl.glen += (size_t)n;
		}
		if (cl.sip != 0)
			break;
	}
	cli_tls_read();
	if (cl.ssl != NULL && !SSL_is_init_finished(cl.ssl))
		(void)SSL_do_handshake(cl.ssl);
	ERR_clear_error();
}

/* One turn: the server's loop (what is ready now), the client's bytes, 1 ms of waiting
 * for the client's socket to hear something. */
static void h2c_pump(void);

static void
turn(void)
{
	struct pollfd p = { .fd = cl.fd, .events = cl.deaf ? POLLRDHUP : POLLIN };

	event_base_loop(base, EVLOOP_NONBLOCK);
	cli_io();
	h2c_pump();
	event_base_loop(base, EVLOOP_NONBLOCK);
	if (cl.fd >= 0)
		(void)poll(&p, 1, 1);
	else
		usleep(1000);
}

/* Turn until cond holds: 4,000 turns at most (each ~1 ms, several seconds under the
 * sanitizers), then the assertion says what was waited for. */
#define WAIT_UNTIL(cond) do { \
	for (int w_ = 0; w_ < 4000 && !(cond); w_++) \
		turn(); \
	ck_assert_msg((cond), "waited in vain for %s", #cond); \
} while (0)

/* Queue plaintext for the server (TLS: one record a call to SSL_write). */
static void
cli_put(const char *p, size_t n)
{
	if (cl.ssl != NULL) {
		ck_assert_int_eq(SSL_write(cl.ssl, p, (int)n), (int)n);
	} else {
		ck_assert_uint_le(cl.olen + n, sizeof(cl.out));
		memcpy(cl.out + cl.olen, p, n);
		cl.olen += n;
	}
}

static void
cli_puts(const char *s)
{
	cli_put(s, strlen(s));
}

static void
cli_handshake(void)
{
	WAIT_UNTIL(SSL_is_init_finished(cl.ssl));
}

/* ---------- responses ---------- */

/* The length of the complete response at p (n bytes), or 0 when it is not all there;
 * *status its status code. */
static size_t
resp_len(const char *p, size_t n, int *status)
{
	const char *end = memmem(p, n, "\r\n\r\n", 4), *cl_h;
	size_t head, body;

	if (end == NULL || n < 12)
		return 0;
	head = (size_t)(end - p) + 4;
	*status = atoi(p + 9);
	cl_h = memmem(p, head, "\r\nContent-Length: ", 18);
	ck_assert_msg(cl_h != NULL, "a response without Content-Length: %.*s", (int)head, p);
	body = strtoul(cl_h + 18, NULL, 10);
	return n >= head + body ? head + body : 0;
}

/* How many complete responses the client got; their status codes in st (8 at most);
 * *at (may be NULL) where the last complete one ends. */
static int
resp_walk(int *st, size_t *at)
{
	size_t off = 0, len;
	int n = 0, s;

	while ((len = resp_len(cl.got + off, cl.glen - off, &s)) > 0) {
		if (n < 8)
			st[n] = s;
		n++;
		off += len;
	}
	if (at != NULL)
		*at = off;
	return n;
}

static int
resp_count(int *st)
{
	return resp_walk(st, NULL);
}

/* Where the k-th (from 0) complete response starts. */
static size_t
resp_start(int k)
{
	size_t off = 0;
	int s;

	for (int i = 0; i < k; i++)
		off += resp_len(cl.got + off, cl.glen - off, &s);
	return off;
}

/* The response as text without what two answers to one request may differ in: its Date
 * line, and the client's port, which the diagnostic page shows ("PORT" instead). */
static char *
resp_norm(const char *p, size_t n)
{
	char *s = strndup(p, n), *d = strstr(s, "\r\nDate: "), *e, port[16];
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	size_t plen;

	ck_assert_ptr_nonnull(s);
	if (d != NULL && (e = strstr(d + 2, "\r\n")) != NULL)
		memmove(d, e, strlen(e) + 1);
	ck_assert_int_eq(getsockname(cl.fd, (struct sockaddr *)&a, &alen), 0);
	plen = (size_t)snprintf(port, sizeof(port), ":%u", ntohs(a.sin_port));
	while ((d = strstr(s, port)) != NULL) {   /* ":PORT" is no longer than ":NNNNN" */
		memcpy(d, ":PORT", 5);
		memmove(d + 5, d + plen, strlen(d + plen) + 1);
	}
	return s;
}

static const char req_diag[] = "GET / HTTP/1.1\r\nHost: diag.example\r\n\r\n";
static const char req_badhost[] = "GET / HTTP/1.1\r\nHost: nobody.example\r\n\r\n";

/* The whole response to one request sent in one write: what the client got (no Date). */
static char *
answer_whole(enum binding_proto proto, const char *req)
{
	int st[8];
	char *s;

	cli_open(proto);
	if (proto == BINDING_HTTPS)
		cli_handshake();
	cli_puts(req);
	WAIT_UNTIL(resp_count(st) == 1 && (cl.fin || strstr(cl.got, "Connection: close") == NULL));
	s = resp_norm(cl.got, cl.glen);
	cli_close();
	WAIT_UNTIL(srv.nconns == 0);
	return s;
}

/* ---------- 1: a request cut at every byte ---------- */

/* The same request, one byte a write with turns between (TLS: the handshake's flights
 * one byte a write too, then one byte a record, those records one byte a write), gets the
 * same response as in one write. */
static void
split_case(enum binding_proto proto, const char *req)
{
	char *whole = answer_whole(proto, req), *cut;
	int st[8];

	cli_open(proto);
	cl.step = 1;
	if (proto == BINDING_HTTPS)
		cli_handshake();
	for (size_t i = 0; req[i] != '\0'; i++) {
		cli_put(req + i, 1);
		turn();
	}
	WAIT_UNTIL(cl.olen == 0 && resp_count(st) == 1 &&
	    (cl.fin || strstr(cl.got, "Connection: close") == NULL));
	cut = resp_norm(cl.got, cl.glen);
	ck_assert_str_eq(cut, whole);
	ck_assert_int_eq(cl.reset, 0);
	free(whole);
	free(cut);
	cli_close();
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
}

START_TEST(test_conn_byte_split_request_gets_the_whole_response_plain)
{
	split_case(BINDING_HTTP, req_diag);
	split_case(BINDING_HTTP, req_badhost);
}
END_TEST

START_TEST(test_conn_byte_split_request_gets_the_whole_response_tls)
{
	split_case(BINDING_HTTPS, req_diag);
	split_case(BINDING_HTTPS, req_badhost);
}
END_TEST

/* ---------- 2: pipelining ---------- */

/* Two requests in one write: two responses, in order, and the connection stays open for
 * a third (keep-alive), which is answered too. */
static void
pipeline_case(enum binding_proto proto)
{
	char two[256], second[64];
	const char *mark;
	int st[8];
	size_t first;

	snprintf(second, sizeof(second), "Host: diag.example:%d", proto == BINDING_HTTPS ? 443 : 80);
	snprintf(two, sizeof(two), "%sGET / HTTP/1.1\r\n%s\r\n\r\n", req_diag, second);
	cli_open(proto);
	if (proto == BINDING_HTTPS)
		cli_handshake();
	cli_puts(two);
	WAIT_UNTIL(resp_count(st) == 2);
	ck_assert_int_eq(st[0], 200);
	ck_assert_int_eq(st[1], 200);
	ck_assert_ptr_null(strstr(cl.got, "Connection: close"));
	/* in order: the second request's Host shows in the second answer only */
	first = resp_len(cl.got, cl.glen, &st[0]);
	ck_assert_ptr_nonnull(mark = strstr(cl.got, second));
	ck_assert_uint_ge((size_t)(mark - cl.got), first);
	for (int i = 0; i < 20; i++)
		turn();
	ck_assert_int_eq(cl.fin, 0);
	ck_assert_uint_eq(srv.nconns, 1);
	cli_puts(req_diag);
	WAIT_UNTIL(resp_count(st) == 3);
	ck_assert_int_eq(cl.fin + cl.reset, 0);
	cli_close();
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
}

/* Many requests in one write (TLS: each in a record of its own, so that OpenSSL reads
 * ahead more records than one readiness callback takes, and no readiness tells of them),
 * to a client that takes the answers slowly (a small receive buffer: the server's writes
 * block, the output rises over its high-water mark and drains): every one answered, in
 * order, the connection kept open. */
#define MANY 24
static void
pipeline_many_case(enum binding_proto proto)
{
	char last[64], req[128];
	int st[8], n;
	size_t end;

	snprintf(last, sizeof(last), "Host: diag.example:%d", proto == BINDING_HTTPS ? 443 : 80);
	cli_bufs = 1;
	cli_open(proto);
	if (proto == BINDING_HTTPS)
		cli_handshake();
	for (int i = 0; i < MANY; i++) {
		/* the last one's Host says which it is */
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n%s\r\n\r\n",
		    i == MANY - 1 ? last : "Host: diag.example");
		cli_puts(req);
	}
	cl.deaf = 1;   /* the answers pile up: the server's writes block */
	for (int i = 0; i < 100; i++)
		turn();
	ck_assert_int_eq(ioctl(cl.fd, FIONREAD, &n), 0);
	ck_assert_int_lt(n, 200 * 1024);   /* the socket holds a part: the rest waits */
	cl.deaf = 0;
	cl.sip = 4096;
	WAIT_UNTIL((n = resp_count(st)) == MANY || cl.fin || cl.reset);
	ck_assert_int_eq(n, MANY);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(st[i], 200);
	ck_assert_ptr_null(strstr(cl.got, "Connection: close"));
	/* in order: the last request's Host shows first in the last answer */
	ck_assert_ptr_nonnull(strstr(cl.got, last));
	ck_assert_uint_ge((size_t)(strstr(cl.got, last) - cl.got), resp_start(MANY - 1));
	for (int i = 0; i < 20; i++)
		turn();
	ck_assert_int_eq(cl.fin + cl.reset, 0);
	ck_assert_uint_eq(srv.nconns, 1);
	ck_assert_int_eq(resp_walk(st, &end), MANY);   /* nothing more came */
	ck_assert_uint_eq(end, cl.glen);
	cli_close();
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
}

START_TEST(test_conn_many_pipelined_to_a_slow_reader_all_answered_plain)
{
	pipeline_many_case(BINDING_HTTP);
}
END_TEST

START_TEST(test_conn_many_pipelined_records_to_a_slow_reader_all_answered_tls)
{
	pipeline_many_case(BINDING_HTTPS);
}
END_TEST

START_TEST(test_conn_pipelined_requests_answered_in_order_and_kept_alive_plain)
{
	pipeline_case(BINDING_HTTP);
}
END_TEST

START_TEST(test_conn_pipelined_requests_answered_in_order_and_kept_alive_tls)
{
	pipeline_case(BINDING_HTTPS);
}
END_TEST

/* ---------- 3: who closes ---------- */

/* The server's FIN has come (the client's socket says so without a byte being read). */
static int
cli_hup(void)
{
	struct pollfd p = { .fd = cl.fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP);
}

/* A response that closes the connection (req) arrives whole, then (TLS) close_notify,
 * then FIN, never a reset, though the client sent more after its request, and more again
 * after the server's FIN before reading any of it: a close with those bytes unread would
 * send a reset, which throws away what the client's socket holds (the response).  The
 * client's own close then ends the server's linger, and the connection is freed. */
static void
close_case(enum binding_proto proto, const char *req, int want_status)
{
	char late[4096];
	int st[8];

	memset(late, 'x', sizeof(late));
	cli_open(proto);
	if (proto == BINDING_HTTPS)
		cli_handshake();
	cli_puts(req);
	cli_put(late, sizeof(late));   /* after the request: discarded */
	cl.deaf = 1;                   /* the answer waits in the client's socket */
	WAIT_UNTIL(cl.olen == 0 && cli_hup());
	cli_put(late, sizeof(late));   /* after the server's FIN, before reading */
	WAIT_UNTIL(cl.olen == 0);
	for (int i = 0; i < 20; i++)
		turn();
	/* a server that closed would have answered those bytes with a reset, which fails
	 * this write (Linux still hands over what was received before a reset that follows a
	 * FIN: the write is where the client sees it) */
	ck_assert_int_eq(send(cl.fd, "x", 1, MSG_NOSIGNAL), 1);
	cl.deaf = 0;
	WAIT_UNTIL(cl.fin || cl.reset);
	ck_assert_int_eq(cl.reset, 0);
	ck_assert_int_eq(resp_count(st), 1);
	ck_assert_int_eq(st[0], want_status);
	ck_assert_uint_eq(resp_len(cl.got, cl.glen, &st[0]), cl.glen);   /* nothing after */
	if (proto == BINDING_HTTPS) {
		ck_assert_int_eq(cl.notify, 1);
		ck_assert_int_eq(cl.notify_before_fin, 1);
	}
	ck_assert_uint_eq(srv.nconns, 1);   /* lingering, for the client's end */
	shutdown(cl.fd, SHUT_WR);
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
	for (int i = 0; i < 5; i++)
		turn();
	ck_assert_int_eq(cl.reset, 0);
	cli_close();
}

START_TEST(test_conn_closing_response_then_fin_never_reset_plain)
{
	close_case(BINDING_HTTP, req_badhost, 400);
	close_case(BINDING_HTTP, "GET / HTTP/1.0\r\nHost: diag.example\r\n\r\n", 200);
}
END_TEST

START_TEST(test_conn_closing_response_then_close_notify_fin_never_reset_tls)
{
	close_case(BINDING_HTTPS, req_badhost, 400);
	close_case(BINDING_HTTPS, "GET / HTTP/1.0\r\nHost: diag.example\r\n\r\n", 200);
}
END_TEST

/* ---------- 4: TLS record buffers through a busy spell ---------- */

/* A TLS connection made busy (conn_busy: requests back to back until the spell keeps
 * OpenSSL's buffers, 10 at most); *n: the number of the next request's answer. */
static struct conn *
open_busy(int *n)
{
	struct conn *c;
	int st[8];

	cli_open(BINDING_HTTPS);
	cli_handshake();
	ck_assert_ptr_nonnull(c = srv.conns);
	for (*n = 1; *n <= 10 && !conn_busy(c); (*n)++) {
		cli_puts(req_diag);
		WAIT_UNTIL(resp_count(st) == *n);
	}
	return c;
}

/* Requests in quick succession: the connection keeps OpenSSL's record buffers
 * (conn_busy; SSL_MODE_RELEASE_BUFFERS off); idle for TLSIO_BUF_HOLD_MS, it gives them
 * back (the mode on again), and stays open to answer the next request. */
START_TEST(test_conn_tls_buffers_kept_while_busy_given_back_when_idle)
{
	struct conn *c;
	int st[8], n = 0;

	c = open_busy(&n);
	ck_assert_msg(conn_busy(c), "no busy spell after %d requests", n - 1);
	ck_assert_uint_eq(SSL_get_mode(conn_ssl(c)) & SSL_MODE_RELEASE_BUFFERS, 0);
	WAIT_UNTIL(!conn_busy(c));
	ck_assert_uint_ne(SSL_get_mode(conn_ssl(c)) & SSL_MODE_RELEASE_BUFFERS, 0);
	ck_assert_uint_eq(srv.nconns, 1);
	cli_puts(req_diag);
	WAIT_UNTIL(resp_count(st) == n);
	ck_assert_int_eq(cl.fin + cl.reset, 0);
	cli_close();
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
}
END_TEST

/* ---------- 5: half a TLS record ---------- */

/* Within a busy spell the client sends half of a request's record and stalls: the
 * connection stays open, keeps its buffers (a half-read record's buffer is not freed:
 * CVE-2024-4741), no timer is left armed for a near time (the spell's look waits for the
 * next read, not the clock), and once the rest comes the request is answered. */
START_TEST(test_conn_tls_half_record_waits_without_timer_and_is_answered)
{
	struct conn *c;
	int st[8], n;
	uint64_t first;
	ssize_t w;

	c = open_busy(&n);
	ck_assert(conn_busy(c));
	/* the next request's record, half of it sent, the rest held back */
	cl.hold = 1;
	free_mid_record = 0;
	cli_puts(req_diag);
	cli_io();
	ck_assert_uint_gt(cl.olen, 10);
	w = send(cl.fd, cl.out, cl.olen / 2, MSG_NOSIGNAL);
	ck_assert_int_eq(w, (ssize_t)(cl.olen / 2));
	memmove(cl.out, cl.out + w, cl.olen - (size_t)w);
	cl.olen -= (size_t)w;
	/* the spell's look finds the record half read and waits for the next read: what is
	 * left armed is the framing's own deadline (seconds away), if anything */
	WAIT_UNTIL(srv.timer_first == 0 || srv.timer_first > clock_read_ms() + 1000);
	first = srv.timer_first;
	for (int i = 0; i < 50; i++)
		turn();
	ck_assert_uint_eq(srv.timer_first, first);   /* nothing fired, nothing re-armed */
	ck_assert_uint_eq(srv.nconns, 1);
	ck_assert_int_eq(cl.fin + cl.reset, 0);
	ck_assert_int_eq(resp_count(st), n - 1);
	ck_assert(conn_busy(c));   /* the half-read record's buffer was not given back */
	ck_assert_int_eq(free_mid_record, 0);
	ck_assert_uint_eq(SSL_get_mode(conn_ssl(c)) & SSL_MODE_RELEASE_BUFFERS, 0);
	/* the rest: answered, and the spell then ends as any other */
	cl.hold = 0;
	WAIT_UNTIL(resp_count(st) == n);
	ck_assert_int_eq(st[n - 1], 200);
	WAIT_UNTIL(!conn_busy(c));
	ck_assert_uint_ne(SSL_get_mode(conn_ssl(c)) & SSL_MODE_RELEASE_BUFFERS, 0);
	ck_assert_int_eq(cl.fin + cl.reset, 0);
	cli_close();
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
}
END_TEST

/* ---------- 6: the client's end mid-request, mid-response ---------- */

START_TEST(test_conn_client_eof_mid_request_closes_once)
{
	for (int proto = 0; proto < 2; proto++) {
		cli_open(proto ? BINDING_HTTPS : BINDING_HTTP);
		if (proto)
			cli_handshake();
		cli_puts("GET / HTTP/1.1\r\nHost: dia");
		WAIT_UNTIL(cl.olen == 0);
		for (int i = 0; i < 10; i++)
			turn();
		ck_assert_uint_eq(srv.nconns, 1);
		shutdown(cl.fd, SHUT_WR);
		WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL && (cl.fin || cl.reset));
		cli_close();
	}
}
END_TEST

/* A client that ends its side right after a whole request (nc -N, a shell's printf |):
 * the request is still answered, whole, then the server's FIN (TLS: close_notify first),
 * never a reset, and the connection is freed. */
START_TEST(test_conn_client_eof_after_whole_request_still_answered)
{
	int st[8];

	for (int proto = 0; proto < 2; proto++) {
		cli_open(proto ? BINDING_HTTPS : BINDING_HTTP);
		if (proto)
			cli_handshake();
		cli_puts(req_diag);
		if (cl.ssl != NULL)
			ck_assert_int_eq(SSL_shutdown(cl.ssl), 0);   /* close_notify, then FIN */
		cli_io();
		WAIT_UNTIL(cl.olen == 0);
		shutdown(cl.fd, SHUT_WR);
		WAIT_UNTIL(cl.fin || cl.reset);
		ck_assert_int_eq(cl.reset, 0);
		ck_assert_int_eq(resp_count(st), 1);
		ck_assert_int_eq(st[0], 200);
		ck_assert_uint_eq(resp_len(cl.got, cl.glen, &st[0]), cl.glen);
		WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
		cli_close();
	}
}
END_TEST

/* A connection (plain, or TLS after its handshake) with small socket buffers, so that the
 * answers outgrow them, and MANY requests for the diagnostic page queued to go. */
static void
open_with_many(int tls)
{
	cli_bufs = 1;
	cli_open(tls ? BINDING_HTTPS : BINDING_HTTP);
	if (tls)
		cli_handshake();
	for (int i = 0; i < MANY; i++)
		cli_puts(req_diag);
}

/* The client, deaf so far, takes everything now (4 KiB a turn) until the server's FIN:
 * all MANY answers, whole, nothing after them, no reset, and (TLS) close_notify before
 * the FIN. */
static void
all_answers_then_fin(void)
{
	int st[8], n;
	size_t end;

	cl.deaf = 0;
	cl.sip = 4096;
	WAIT_UNTIL(cl.fin || cl.reset);
	n = resp_walk(st, &end);
	ck_assert_int_eq(cl.reset, 0);
	ck_assert_int_eq(n, MANY);
	ck_assert_uint_eq(end, cl.glen);
	if (cl.ssl != NULL)
		ck_assert_int_eq(cl.notify_before_fin, 1);
}

/* Requests whose answers outgrow the sockets, then the client's end of its side (as
 * nc -N sends), the client taking nothing for a while, then everything: every request is
 * answered, whole, before the server's FIN (TLS: close_notify first), never a reset. */
START_TEST(test_conn_client_eof_after_many_requests_all_answered)
{
	/* plain; TLS, close_notify then FIN; TLS, a FIN alone (OpenSSL 3 takes that for an
	 * error that forbids writing, unless told to take it for the client's end) */
	for (int proto = 0; proto < 3; proto++) {
		open_with_many(proto);
		if (proto == 1)
			ck_assert_int_eq(SSL_shutdown(cl.ssl), 0);   /* close_notify, then FIN */
		cli_io();
		WAIT_UNTIL(cl.olen == 0);
		shutdown(cl.fd, SHUT_WR);
		cl.deaf = 1;   /* the answers pile up: the server's writes block */
		for (int i = 0; i < 100; i++)
			turn();
		all_answers_then_fin();
		WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
		cli_close();
	}
}
END_TEST

/* The daemon stops (SIGTERM: srv.stopping, conn_retire_all) while answers to pipelined
 * requests still wait for a client that takes nothing yet: "finish in-flight requests":
 * every answer arrives whole, then (TLS) close_notify, then FIN, never a reset. */
START_TEST(test_conn_stopping_with_answers_queued_delivers_them)
{
	for (int proto = 0; proto < 2; proto++) {
		open_with_many(proto);
		cl.deaf = 1;   /* the answers pile up: the server's writes block */
		WAIT_UNTIL(cl.olen == 0);
		/* every request read and answered (the connection idle, its input empty):
		 * what the stop then finds is answers queued, nothing half-parsed */
		WAIT_UNTIL(srv.conns != NULL && iobuf_len(conn_in(srv.conns)) == 0 &&
		    atomic_load(&stats_self.conns_idle[STATS_H1]) == 1);
		srv.stopping = 1;
		conn_retire_all(&srv);
		all_answers_then_fin();
		shutdown(cl.fd, SHUT_WR);
		WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
		cli_close();
		srv.stopping = 0;
	}
}
END_TEST

/* idle_connection_timeout (1 s here) is for a connection that waits for its client's next
 * request, not for one whose answers the client is still taking (min_send_rate's): a
 * client that takes nothing for longer than it, then reads, gets every answer, and the
 * connection stays open for the next request. */
START_TEST(test_conn_idle_timeout_spares_answers_still_queued)
{
	int st[8], n;
	uint64_t until;

	for (int proto = 0; proto < 2; proto++) {
		open_with_many(proto);
		cl.deaf = 1;   /* the answers pile up: the server's writes block */
		WAIT_UNTIL(cl.olen == 0);
		/* past idle_connection_timeout, and near the end of a second period: the
		 * idle time counts from when the answers are out, not from the last look */
		until = clock_read_ms() + 1900;
		WAIT_UNTIL(clock_read_ms() > until);
		cl.deaf = 0;
		cl.sip = 4096;
		WAIT_UNTIL(resp_count(st) == MANY || cl.fin || cl.reset);
		n = resp_count(st);
		ck_assert_int_eq(cl.fin + cl.reset, 0);
		ck_assert_int_eq(n, MANY);
		ck_assert_uint_eq(srv.nconns, 1);
		/* well within idle_connection_timeout of the last answer: the next request */
		until = clock_read_ms() + 300;
		WAIT_UNTIL(clock_read_ms() > until || cl.fin || cl.reset);
		cli_puts(req_diag);
		WAIT_UNTIL(resp_count(st) == MANY + 1 || cl.fin || cl.reset);
		ck_assert_int_eq(cl.fin + cl.reset, 0);
		ck_assert_int_eq(resp_count(st), MANY + 1);
		cli_close();
		WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
	}
}
END_TEST

static void
setup_idle1(void)
{
	server_extra = "idle_connection_timeout = 1\n";
	setup();
	server_extra = "";
}

/* Many pipelined requests whose answers fill the socket; the client leaves without
 * reading them: the server's write fails, the connection closes, freed once. */
START_TEST(test_conn_client_gone_mid_response_closes_once)
{
	char req[64 * 40];
	size_t n = 0;
	int rcv = 4096;

	for (int proto = 0; proto < 2; proto++) {
		cli_open(proto ? BINDING_HTTPS : BINDING_HTTP);
		setsockopt(cl.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		if (proto)
			cli_handshake();
		for (n = 0; n + sizeof(req_diag) < sizeof(req); n += sizeof(req_diag) - 1)
			memcpy(req + n, req_diag, sizeof(req_diag) - 1);
		/* the client stops reading: the requests go, the answers pile up */
		cli_put(req, n);
		if (cl.ssl != NULL)
			cli_io();
		for (int i = 0; i < 200 && cl.olen > 0; i++) {
			event_base_loop(base, EVLOOP_NONBLOCK);
			ssize_t w = send(cl.fd, cl.out, cl.olen, MSG_NOSIGNAL);

			if (w > 0) {
				memmove(cl.out, cl.out + w, cl.olen - (size_t)w);
				cl.olen -= (size_t)w;
			}
			usleep(1000);
		}
		for (int i = 0; i < 50; i++) {
			event_base_loop(base, EVLOOP_NONBLOCK);
			usleep(1000);
		}
		ck_assert_uint_eq(srv.nconns, 1);
		cli_close();   /* unread data: the client's close is a reset */
		WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
	}
}
END_TEST

/* ---------- 7: HTTP/2 ---------- */

/*
 * The TLS client offers ALPN h2 and speaks HTTP/2 with a client nghttp2 session: what the
 * server sent (cl.got) is fed to it, what it writes goes to the TLS client (cli_put: one
 * record a call), all of it at once or, with hc.drip, one byte a record (with cl.step =
 * 1, one byte a write).  Each stream's answer is kept as text: "HTTP/2 STATUS", its
 * fields but Date, a blank line, its body.  The client's windows are wide (SETTINGS_INITIAL_WINDOW
 * _SIZE and the connection's WINDOW_UPDATE): the server can pack every answer without
 * waiting for the client.
 */
#define H2C_STREAMS 32
#define H2C_WINDOW  (16 << 20)
struct h2c_stream {
	int32_t id;
	char    txt[32768];
	size_t  len;
	int     end;      /* END_STREAM came */
	int     rst;      /* RST_STREAM came */
};

static struct {
	nghttp2_session  *ng;
	size_t            fed;             /* of cl.got, given to ng */
	char              pend[65536];     /* what ng wrote, not given to the TLS client yet */
	size_t            plen;
	int               drip;            /* 1: one byte a record */
	int               quiet;           /* 1: the client wrote its last (close_notify) */
	int               goaway;          /* GOAWAY came */
	uint32_t          goaway_code;
	int               ends_at_goaway;  /* streams ended when the GOAWAY came */
	int               nend, nrst, n;
	struct h2c_stream s[H2C_STREAMS];
} hc;

static struct h2c_stream *
h2c_stream(int32_t id)
{
	for (int i = 0; i < hc.n; i++)
		if (hc.s[i].id == id)
			return &hc.s[i];
	return NULL;
}

static void
h2c_text(struct h2c_stream *s, const void *p, size_t n)
{
	ck_assert_uint_le(s->len + n, sizeof(s->txt) - 1);
	memcpy(s->txt + s->len, p, n);
	s->len += n;
	s->txt[s->len] = '\0';
}

static int
h2c_on_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
    const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
	struct h2c_stream *s = h2c_stream(f->hd.stream_id);

	ck_assert_ptr_nonnull(s);
	if (nlen == 4 && memcmp(name, "date", 4) == 0)
		return 0;   /* (what two answers to one request may differ in) */
	if (nlen == 7 && memcmp(name, ":status", 7) == 0) {
		h2c_text(s, "HTTP/2 ", 7);
	} else {
		h2c_text(s, "\r\n", 2);
		h2c_text(s, name, nlen);
		h2c_text(s, ": ", 2);
	}
	h2c_text(s, value, vlen);
	return 0;
}

static int
h2c_on_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
    void *arg)
{
	struct h2c_stream *s = h2c_stream(id);

	ck_assert_ptr_nonnull(s);
	h2c_text(s, data, len);
	return 0;
}

static int
h2c_on_frame(nghttp2_session *ng, const nghttp2_frame *f, void *arg)
{
	struct h2c_stream *s = h2c_stream(f->hd.stream_id);

	if (f->hd.type == NGHTTP2_HEADERS && s != NULL && f->headers.cat == NGHTTP2_HCAT_RESPONSE)
		h2c_text(s, "\r\n\r\n", 4);
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) && s != NULL &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
		s->end = 1;
		hc.nend++;
	}
	if (f->hd.type == NGHTTP2_RST_STREAM && s != NULL) {
		s->rst = 1;
		hc.nrst++;
	}
	if (f->hd.type == NGHTTP2_GOAWAY && !hc.goaway) {
		hc.goaway = 1;
		hc.goaway_code = f->goaway.error_code;
		hc.ends_at_goaway = hc.nend;
	}
	return 0;
}

/* A client session on the connection cli_open made (cli_h2 set): its preface, SETTINGS
 * and the connection's WINDOW_UPDATE are queued. */
static void
h2c_new(void)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_settings_entry iv[1] = { { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2C_WINDOW } };

	memset(&hc, 0, sizeof(hc));
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cbs), 0);
	nghttp2_session_callbacks_set_on_header_callback(cbs, h2c_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, h2c_on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, h2c_on_frame);
	ck_assert_int_eq(nghttp2_session_client_new(&hc.ng, cbs, NULL), 0);
	nghttp2_session_callbacks_del(cbs);
	ck_assert_int_eq(nghttp2_submit_settings(hc.ng, NGHTTP2_FLAG_NONE, iv, 1), 0);
	ck_assert_int_eq(nghttp2_submit_window_update(hc.ng, NGHTTP2_FLAG_NONE, 0,
	    H2C_WINDOW - 65535), 0);
}

static void
h2c_free(void)
{
	nghttp2_session_del(hc.ng);
	hc.ng = NULL;
}

/* A GET of the diagnostic page (authority: diag.example, or diag.example:443 for the last
 * of a batch, which its page then shows). */
static void
h2c_get(const char *authority)
{
	const nghttp2_nv nv[] = {
#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE }
		NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", authority),
		NV(":path", "/"),
#undef NV
	};
	int32_t id = nghttp2_submit_request(hc.ng, NULL, nv, 4, NULL, NULL);

	ck_assert_int_gt(id, 0);
	ck_assert_int_lt(hc.n, H2C_STREAMS);
	hc.s[hc.n].id = id;
	hc.s[hc.n++].len = 0;
}

/* (turn) What the server sent to the session, what the session writes to the TLS
 * client once its handshake is done. */
static void
h2c_pump(void)
{
	const uint8_t *d;
	ssize_t n;
	size_t k;

	if (hc.ng == NULL)
		return;
	if (hc.fed < cl.glen) {
		n = nghttp2_session_mem_recv(hc.ng, (const uint8_t *)cl.got + hc.fed, cl.glen - hc.fed);
		ck_assert_msg(n >= 0, "client session: %s", nghttp2_strerror((int)n));
		hc.fed += (size_t)n;
	}
	while ((n = nghttp2_session_mem_send(hc.ng, &d)) > 0) {
		ck_assert_uint_le(hc.plen + (size_t)n, sizeof(hc.pend));
		memcpy(hc.pend + hc.plen, d, (size_t)n);
		hc.plen += (size_t)n;
	}
	ck_assert_int_eq(n, 0);
	if (hc.plen == 0 || hc.quiet || !SSL_is_init_finished(cl.ssl))
		return;
	k = hc.drip ? 1 : hc.plen;
	cli_put(hc.pend, k);
	memmove(hc.pend, hc.pend + k, hc.plen - k);
	hc.plen -= k;
}

/* A TLS connection that chose h2, its client session started. */
static struct conn *
h2c_open(void)
{
	const unsigned char *alpn;
	unsigned alen;

	cli_h2 = 1;
	cli_open(BINDING_HTTPS);
	h2c_new();
	cli_handshake();
	SSL_get0_alpn_selected(cl.ssl, &alpn, &alen);
	ck_assert_msg(alen == 2 && memcmp(alpn, "h2", 2) == 0, "ALPN did not choose h2");
	ck_assert_ptr_nonnull(srv.conns);
	return srv.conns;
}

static void
h2c_close(void)
{
	h2c_free();
	cli_close();
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
}

/* The k-th stream's answer, normalised (resp_norm: no Date, the client's port as PORT). */
static char *
h2c_norm(int k)
{
	return resp_norm(hc.s[k].txt, hc.s[k].len);
}

/* One GET answered whole: its text, normalised. */
static char *
h2_answer_whole(void)
{
	char *t;

	h2c_open();
	h2c_get("diag.example");
	WAIT_UNTIL(hc.nend == 1 || hc.nrst > 0 || cl.fin || cl.reset);
	ck_assert_int_eq(hc.nend, 1);
	t = h2c_norm(0);
	h2c_close();
	return t;
}

/* (a) The client's first flights (preface, SETTINGS, WINDOW_UPDATE, the request's
 * HEADERS) one byte a record, one byte a write, with turns between: the same answer as
 * in one write, the connection kept. */
START_TEST(test_conn_h2_byte_split_request_gets_the_whole_response)
{
	char *whole = h2_answer_whole(), *cut;
	size_t i;

	h2c_open();
	cl.step = 1;
	hc.drip = 1;
	h2c_get("diag.example");
	WAIT_UNTIL(hc.nend == 1 || hc.nrst > 0 || cl.fin || cl.reset);
	ck_assert_int_eq(hc.nend, 1);
	ck_assert_int_eq(hc.nrst + cl.fin + cl.reset + hc.goaway, 0);
	ck_assert_msg(strncmp(hc.s[0].txt, "HTTP/2 200\r\n", 12) == 0, "%.40s", hc.s[0].txt);
	cut = h2c_norm(0);
	for (i = 0; cut[i] != '\0' && cut[i] == whole[i]; i++)
		;
	ck_assert_msg(cut[i] == whole[i], "the answers differ at %zu: \"%.60s\" and \"%.60s\"",
	    i, cut + i, whole + i);
	free(whole);
	free(cut);
	ck_assert_uint_eq(srv.nconns, 1);
	h2c_close();
}
END_TEST

/* Every stream ended with its answer whole (the last one's page shows its authority),
 * none reset. */
static void
h2c_all_answered(const char *last)
{
	size_t wlen = hc.s[0].len;

	ck_assert_int_eq(hc.nrst, 0);
	ck_assert_int_eq(hc.nend, hc.n);
	for (int i = 0; i < hc.n; i++) {
		ck_assert_int_eq(hc.s[i].end, 1);
		ck_assert_msg(strncmp(hc.s[i].txt, "HTTP/2 200\r\n", 12) == 0, "%.40s", hc.s[i].txt);
		ck_assert_ptr_nonnull(strstr(hc.s[i].txt, "\r\n\r\n"));
		if (i < hc.n - 1)   /* the same page, but for its Date */
			ck_assert_uint_eq(hc.s[i].len, wlen);
	}
	ck_assert_ptr_nonnull(strstr(hc.s[hc.n - 1].txt, last));
}

/* (b) MANY streams in one flight: every one answered, whole; the connection kept. */
START_TEST(test_conn_h2_many_streams_all_answered)
{
	h2c_open();
	for (int i = 0; i < MANY; i++)
		h2c_get(i == MANY - 1 ? "diag.example:443" : "diag.example");
	WAIT_UNTIL(hc.nend + hc.nrst == MANY || cl.fin || cl.reset);
	h2c_all_answered("diag.example:443");
	for (int i = 0; i < 20; i++)
		turn();
	ck_assert_int_eq(cl.fin + cl.reset + hc.goaway, 0);
	ck_assert_uint_eq(srv.nconns, 1);
	h2c_close();
}
END_TEST

/* How the slow reader's connection is ended, its answers all packed and queued. */
enum h2c_end { H2C_HALF_CLOSE, H2C_FIN_ONLY, H2C_STOPPING, H2C_IDLE };

/*
 * (c, d) MANY streams to a client that takes nothing until the server has answered every
 * one (each stream spent and freed: END_STREAM packed) while the answers still wait in
 * the connection's output; then the end: the client ends its side after its last
 * request (close_notify, then a TCP half-close: shutdown(SHUT_WR); or the half-close
 * alone, as a script over a raw socket does), or the daemon stops
 * (SIGTERM), or
 * idle_connection_timeout passes.  Then the client reads: every answer whole, then
 * GOAWAY, close_notify and FIN (for the half-close and the stop), never a reset.
 */
static void
h2_slow_reader_case(enum h2c_end how)
{
	struct conn *c;
	int64_t opened = stats_self.streams_total;
	uint64_t until;

	cli_bufs = 1;
	c = h2c_open();
	cl.deaf = 1;   /* the answers pile up: the server's writes block */
	for (int i = 0; i < MANY; i++)
		h2c_get(i == MANY - 1 ? "diag.example:443" : "diag.example");
	WAIT_UNTIL(hc.plen == 0 && cl.olen == 0 && stats_self.streams_total - opened == MANY &&
	    stats_self.streams == 0);
	for (int i = 0; i < 20; i++)
		turn();
	ck_assert_msg(iobuf_len(conn_out(c)) > 0, "the answers are not waiting in the output");
	ck_assert_uint_eq(srv.nconns, 1);
	switch (how) {
	case H2C_HALF_CLOSE:
		hc.quiet = 1;   /* (what the session writes now has nowhere to go) */
		ck_assert_int_eq(SSL_shutdown(cl.ssl), 0);   /* close_notify, then FIN */
		cli_io();
		WAIT_UNTIL(cl.olen == 0);
		shutdown(cl.fd, SHUT_WR);
		break;
	case H2C_FIN_ONLY:
		hc.quiet = 1;
		shutdown(cl.fd, SHUT_WR);   /* no close_notify */
		break;
	case H2C_STOPPING:
		srv.stopping = 1;
		conn_retire_all(&srv);
		break;
	case H2C_IDLE:
		until = clock_read_ms() + 1500;   /* past idle_connection_timeout */
		WAIT_UNTIL(clock_read_ms() > until);
		break;
	}
	for (int i = 0; i < 20; i++)
		turn();
	cl.deaf = 0;
	cl.sip = 4096;
	WAIT_UNTIL(cl.fin || cl.reset);
	ck_assert_int_eq(cl.reset, 0);
	h2c_all_answered("diag.example:443");
	ck_assert_int_eq(hc.goaway, 1);
	ck_assert_uint_eq(hc.goaway_code, NGHTTP2_NO_ERROR);
	ck_assert_int_eq(hc.ends_at_goaway, MANY);   /* after every answer */
	ck_assert_int_eq(cl.notify_before_fin, 1);
	ck_assert_uint_eq(hc.fed, cl.glen);           /* nothing after */
	if (how == H2C_STOPPING || how == H2C_IDLE)
		shutdown(cl.fd, SHUT_WR);                 /* (the server lingers for it) */
	WAIT_UNTIL(srv.nconns == 0 && srv.dead == NULL);
	for (int i = 0; i < 5; i++)
		turn();
	ck_assert_int_eq(cl.reset, 0);
	h2c_close();
	srv.stopping = 0;
}

START_TEST(test_conn_h2_client_half_close_with_answers_queued_delivers_them)
{
	h2_slow_reader_case(H2C_HALF_CLOSE);
}
END_TEST

START_TEST(test_conn_h2_client_fin_without_close_notify_with_answers_queued_delivers_them)
{
	h2_slow_reader_case(H2C_FIN_ONLY);
}
END_TEST

START_TEST(test_conn_h2_stopping_with_answers_queued_delivers_them)
{
	h2_slow_reader_case(H2C_STOPPING);
}
END_TEST

START_TEST(test_conn_h2_idle_timeout_with_answers_queued_delivers_them)
{
	h2_slow_reader_case(H2C_IDLE);
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_conn_byte_split_request_gets_the_whole_response_plain);
	tcase_add_test(tc, test_conn_byte_split_request_gets_the_whole_response_tls);
	tcase_add_test(tc, test_conn_pipelined_requests_answered_in_order_and_kept_alive_plain);
	tcase_add_test(tc, test_conn_pipelined_requests_answered_in_order_and_kept_alive_tls);
	tcase_add_test(tc, test_conn_many_pipelined_to_a_slow_reader_all_answered_plain);
	tcase_add_test(tc, test_conn_many_pipelined_records_to_a_slow_reader_all_answered_tls);
	tcase_add_test(tc, test_conn_closing_response_then_fin_never_reset_plain);
	tcase_add_test(tc, test_conn_closing_response_then_close_notify_fin_never_reset_tls);
	tcase_add_test(tc, test_conn_tls_buffers_kept_while_busy_given_back_when_idle);
	tcase_add_test(tc, test_conn_tls_half_record_waits_without_timer_and_is_answered);
	tcase_add_test(tc, test_conn_client_eof_mid_request_closes_once);
	tcase_add_test(tc, test_conn_client_eof_after_whole_request_still_answered);
	tcase_add_test(tc, test_conn_client_eof_after_many_requests_all_answered);
	tcase_add_test(tc, test_conn_stopping_with_answers_queued_delivers_them);
	tcase_add_test(tc, test_conn_client_gone_mid_response_closes_once);
	tcase_add_test(tc, test_conn_h2_byte_split_request_gets_the_whole_response);
	tcase_add_test(tc, test_conn_h2_many_streams_all_answered);
	tcase_add_test(tc, test_conn_h2_client_half_close_with_answers_queued_delivers_them);
	tcase_add_test(tc, test_conn_h2_client_fin_without_close_notify_with_answers_queued_delivers_them);
	tcase_add_test(tc, test_conn_h2_stopping_with_answers_queued_delivers_them);
	suite_add_tcase(s, tc);
	tc = tcase_create("idle1");
	tcase_add_checked_fixture(tc, setup_idle1, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_conn_idle_timeout_spares_answers_still_queued);
	tcase_add_test(tc, test_conn_h2_idle_timeout_with_answers_queued_delivers_them);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
