/*
 * tlsmin — the least work a TLS server can do per new connection + one request, to tell
 * how much of a proxy's CPU on bench.sh's "new TLS connection" row is the proxy's own and
 * how much any server on this machine must spend (OpenSSL's handshake, the kernel's TCP).
 * Not a server to use: it answers every request with one fixed 200.  Usage:
 *   tlsmin --cert PEM --key PEM --port N [--seconds S] [--tickets N] [--read-ahead]
 *          [--thread] [--keep]
 * Listens on 127.0.0.1:N until S seconds have passed (default 300, at most 3600), then
 * exits 0; prints "listening N" once the socket is ready.  Exit status 2 on bad usage, an
 * unreadable certificate or key, or a port it cannot bind.
 *
 * One thread, epoll used directly (level-triggered), non-blocking sockets with TCP_NODELAY.
 * Each wake-up of the listening socket accepts one connection (accept4), which then runs
 * SSL_accept, reads one HTTP/1.1 request head (up to its blank line; nothing of it is
 * parsed but a "Connection: close"), writes the fixed response (the size of the bench
 * backend's answer: a 64-byte body), and either reads the next request or, when the
 * request asked for it (--keep: never), sends close_notify and closes.  A client's EOF or
 * close_notify ends the connection the same way (SSL_shutdown, close).
 *
 * The SSL_CTX is set up exactly as tests/tools/hsfloor.c sets up its server (itself a copy
 * of src/core/tlsctx.c's policy): TLS 1.2 minimum, no renegotiation, server cipher
 * preference, no compression, released buffers, no chain building, OpenSSL's server
 * session cache, one TLS 1.3 ticket.  Toggles, to weigh a difference from sysbind one at a
 * time: --tickets N (N tickets; nginx's default is 2), --read-ahead (sysbind sets it),
 * --thread (start a second thread that only sleeps, as sysbind's main thread beside its
 * worker: glibc's malloc then takes its locked paths, the descriptor table is shared),
 * --keep (ignore "Connection: close": wait for the client's EOF).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "floorctx.h"

/* nginx's answer to the bench's GET / through a proxy, in size: 64-byte body */
static const char tlsmin_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Server: tlsmin\r\n"
    "Date: Mon, 07 Dec 2026 17:00:00 GMT\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 64\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";

enum tlsmin_state { TLSMIN_HANDSHAKE, TLSMIN_REQUEST };

struct tlsmin_conn {
	int               fd;
	SSL              *ssl;
	enum tlsmin_state state;
	uint32_t          events;     /* what epoll watches for it now */
	size_t            have;       /* bytes of the request head in head[] */
	char              head[8192];
};

static int tlsmin_keep;

/* The server context: floorctx.h's (hsfloor's), with read-ahead if asked.  NULL with the
 * reason printed. */
static SSL_CTX *
tlsmin_ctx(const char *cert, const char *key, int tickets, int read_ahead)
{
	SSL_CTX *ctx = floor_server_ctx("tlsmin", cert, key, tickets);

	if (ctx != NULL && read_ahead)
		SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

/* The one close path: close_notify when the session is still sound, then close. */
static void
tlsmin_close(struct tlsmin_conn *c)
{
	if (c->ssl != NULL) {
		if (SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);   /* also takes it out of the epoll set */
	free(c);
	ERR_clear_error();
}

/* Watch c for readability or writability, as OpenSSL last asked.  0 or -1. */
static int
tlsmin_want(int ep, struct tlsmin_conn *c, int err)
{
	uint32_t ev = err == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN;
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
		return -1;
	if (ev == c->events)
		return 0;
	c->events = ev;
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* Does the head ask for the connection to end after the answer? */
static int
tlsmin_asks_close(const char *head, size_t len)
{
	static const char k[] = "\r\nconnection: close";
	size_t i;

	for (i = 0; i + sizeof(k) - 1 <= len; i++)
		if (strncasecmp(head + i, k, sizeof(k) - 1) == 0)
			return 1;
	return 0;
}

/* Move c on as far as it goes without blocking.  0, or -1 when it is to be closed. */
static int
tlsmin_drive(int ep, struct tlsmin_conn *c)
{
	char *end;
	int n;

	if (c->state == TLSMIN_HANDSHAKE) {
		if ((n = SSL_accept(c->ssl)) != 1)
			return tlsmin_want(ep, c, SSL_get_error(c->ssl, n));
		c->state = TLSMIN_REQUEST;
	}
	for (;;) {
		if (c->have == sizeof(c->head) - 1)
			return -1;
		n = SSL_read(c->ssl, c->head + c->have, (int)(sizeof(c->head) - 1 - c->have));
		if (n <= 0)
			return tlsmin_want(ep, c, SSL_get_error(c->ssl, n));
		c->have += (size_t)n;
		c->head[c->have] = '\0';
		while ((end = strstr(c->head, "\r\n\r\n")) != NULL) {
			size_t used = (size_t)(end + 4 - c->head);
			int last = !tlsmin_keep && tlsmin_asks_close(c->head, used);

			/* the 206-byte answer fits an empty socket buffer: no short write here */
			if (SSL_write(c->ssl, tlsmin_response, sizeof(tlsmin_response) - 1) <= 0 ||
			    last)
				return -1;
			memmove(c->head, c->head + used, c->have - used + 1);
			c->have -= used;
		}
	}
}

/* Accept one connection and start its handshake.  Failures close it quietly. */
static void
tlsmin_accept(int ep, int lfd, SSL_CTX *ctx)
{
	struct tlsmin_conn *c;
	struct epoll_event e;
	int fd, one = 1;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->events = EPOLLIN;
	e.events = EPOLLIN;
	e.data.ptr = c;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, fd) != 1 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) {
		tlsmin_close(c);
		return;
	}
	SSL_set_accept_state(c->ssl);
	if (tlsmin_drive(ep, c) != 0)
		tlsmin_close(c);
}

static void *
tlsmin_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int
tlsmin_listen(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 511) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL;
	int port = 0, secs = 300, tickets = 1, read_ahead = 0, thread = 0, ep, lfd, i, n;
	struct epoll_event e, evs[64];
	pthread_t tid;
	SSL_CTX *ctx;
	time_t until;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
			cert = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			secs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--tickets") == 0 && i + 1 < argc)
			tickets = atoi(argv[++i]);
		else if (strcmp(argv[i], "--read-ahead") == 0)
			read_ahead = 1;
		else if (strcmp(argv[i], "--thread") == 0)
			thread = 1;
		else if (strcmp(argv[i], "--keep") == 0)
			tlsmin_keep = 1;
		else
			break;
	}
	if (i < argc || cert == NULL || key == NULL || port < 1 || port > 65535 ||
	    secs < 1 || secs > 3600 || tickets < 0 || tickets > 16) {
		fprintf(stderr, "usage: tlsmin --cert PEM --key PEM --port N [--seconds S] "
		    "[--tickets N] [--read-ahead] [--thread] [--keep]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((ctx = tlsmin_ctx(cert, key, tickets, read_ahead)) == NULL)
		return 2;
	if ((lfd = tlsmin_listen(port)) < 0 || (ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		perror("tlsmin: listen");
		return 2;
	}
	e.events = EPOLLIN;
	e.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e) != 0 ||
	    (thread && pthread_create(&tid, NULL, tlsmin_sleeper, NULL) != 0)) {
		perror("tlsmin");
		return 2;
	}
	printf("listening %d\n", port);
	fflush(stdout);
	until = time(NULL) + secs;
	while (time(NULL) < until) {
		if ((n = epoll_wait(ep, evs, 64, 1000)) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			struct tlsmin_conn *c = evs[i].data.ptr;

			if (c == NULL)
				tlsmin_accept(ep, lfd, ctx);
			else if (tlsmin_drive(ep, c) != 0)
				tlsmin_close(c);
		}
	}
	SSL_CTX_free(ctx);
	return 0;
}
