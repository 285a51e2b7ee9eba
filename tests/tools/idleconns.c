/*
 * idleconns — open many TLS connections to a server, make one keep-alive request on each,
 * then hold them all idle: the tool behind "RSS per idle TLS connection" (scripts/bench.sh)
 * and the idle-memory test.  Usage:
 *   idleconns --port N [--host IP] [--sni NAME] [--count N] [--path /p] [--hold SECONDS]
 *             [--no-request] [--alpn h2]
 * --alpn h2 offers h2 (only) by ALPN and speaks as a browser does: the connection preface and
 * a SETTINGS frame right after the handshake (also with --no-request), then GET on stream 1
 * and its response read to the end of the stream.
 * Prints "ready N" on stdout once N connections are open and idle (N may fall short of
 * --count: the failures are reported on stderr), then keeps them until stdin reaches EOF
 * or --hold seconds pass (default 60), closes them and exits 0 (1 when none opened).
 *   idleconns --port N --churn SECONDS [--parallel P] ...
 * instead opens connections one after the other in P processes for SECONDS, each a full
 * handshake (a new SSL object: no session resumption) and one request with
 * "Connection: close", and prints "done N failed F" (N connections completed).
 */
#include <signal.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

struct idle_conn {
	int  fd;
	SSL *ssl;
};

/* Read one response (head + Content-Length body) on ssl.  Returns 0 or -1. */
static int
idle_read_response(SSL *ssl)
{
	char buf[16384];
	size_t have = 0;
	long need = -1;
	char *end;

	for (;;) {
		int n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));

		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL) {
			if (have >= sizeof(buf) - 1)
				return -1;
			continue;
		}
		if (need < 0) {
			char *cl = strcasestr(buf, "\r\nContent-Length:");

			need = cl != NULL && cl < end ? strtol(cl + 17, NULL, 10) : 0;
		}
		if ((long)(have - (size_t)(end + 4 - buf)) >= need)
			return 0;
		if (have >= sizeof(buf) - 1)
			return -1;
	}
}

/* h2 (--alpn h2): the preface and an empty SETTINGS frame, then when request is set a GET
 * of path on stream 1 (HPACK: static-table indices and literals without indexing), then
 * frames read until stream 1 ends; SETTINGS from the server are acknowledged.  0 or -1. */
static int
idle_h2(SSL *ssl, const char *sni, const char *path, int request)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	    "\0\0\0\x04\0\0\0\0\0";
	static const unsigned char ack[9] = { 0, 0, 0, 4, 1, 0, 0, 0, 0 };
	unsigned char f[512], hb[16384];
	size_t hl = 0, al = strlen(sni), pl = strlen(path);

	if (SSL_write(ssl, preface, (int)sizeof(preface) - 1) != (int)sizeof(preface) - 1)
		return -1;
	if (!request)
		return 0;
	if (al > 127 || pl > 127)
		return -1;
	f[9] = 0x82; f[10] = 0x87;                        /* :method GET, :scheme https */
	f[11] = 0x04; f[12] = (unsigned char)pl;          /* :path, literal */
	memcpy(f + 13, path, pl);
	hl = 13 + pl;
	f[hl++] = 0x01; f[hl++] = (unsigned char)al;      /* :authority, literal */
	memcpy(f + hl, sni, al);
	hl += al;
	f[0] = 0; f[1] = 0; f[2] = (unsigned char)(hl - 9);
	f[3] = 1; f[4] = 0x05;                            /* HEADERS, END_STREAM|END_HEADERS */
	f[5] = 0; f[6] = 0; f[7] = 0; f[8] = 1;
	if (SSL_write(ssl, f, (int)hl) != (int)hl)
		return -1;
	for (;;) {
		size_t len, got;
		int n;

		for (got = 0; got < 9; got += (size_t)n)
			if ((n = SSL_read(ssl, hb + got, (int)(9 - got))) <= 0)
				return -1;
		len = (size_t)hb[0] << 16 | (size_t)hb[1] << 8 | hb[2];
		if (len > sizeof(hb) - 9)
			return -1;
		for (got = 0; got < len; got += (size_t)n)
			if ((n = SSL_read(ssl, hb + 9 + got, (int)(len - got))) <= 0)
				return -1;
		if (hb[3] == 4 && !(hb[4] & 1) && SSL_write(ssl, ack, 9) != 9)
			return -1;
		if (hb[3] == 7 || hb[3] == 3)                  /* GOAWAY, RST_STREAM */
			return -1;
		if ((hb[3] == 0 || hb[3] == 1) && (hb[4] & 1) &&
		    (hb[5] & 0x7f) == 0 && hb[6] == 0 && hb[7] == 0 && hb[8] == 1)
			return 0;
	}
}

static int
idle_open(struct idle_conn *c, SSL_CTX *ctx, const struct sockaddr_in *sa, const char *sni,
    const char *path, int request, int close_req, int h2)
{
	struct timeval tv = { 10, 0 };
	char req[1024];
	int on = 1, n;

	c->ssl = NULL;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0)
		goto fail;
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		goto fail;
	if (sni != NULL)
		SSL_set_tlsext_host_name(c->ssl, sni);
	if (SSL_connect(c->ssl) != 1)
		goto fail;
	if (h2) {
		if (idle_h2(c->ssl, sni != NULL ? sni : "localhost", path, request) != 0)
			goto fail;
	} else if (request) {
		n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path,
		    sni != NULL ? sni : "localhost", close_req ? "Connection: close\r\n" : "");
		if (SSL_write(c->ssl, req, n) != n || idle_read_response(c->ssl) != 0)
			goto fail;
	}
	return 0;
fail:
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	return -1;
}

/* --churn: full handshakes + one request each, in parallel processes, for secs seconds. */
static int
idle_churn(SSL_CTX *ctx, const struct sockaddr_in *sa, const char *sni, const char *path,
    int secs, int parallel)
{
	int fds[2], i;
	long done = 0, failed = 0;
	char line[64];
	FILE *in;

	if (parallel < 1 || parallel > 256 || pipe(fds) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < parallel; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			struct idle_conn c;
			time_t until = time(NULL) + secs;
			long ok = 0, bad = 0;

			close(fds[0]);
			while (time(NULL) < until) {
				if (idle_open(&c, ctx, sa, sni, path, 1, 1, 0) == 0) {
					ok++;
					SSL_free(c.ssl);
					close(c.fd);
				} else {
					bad++;
				}
			}
			i = snprintf(line, sizeof(line), "%ld %ld\n", ok, bad);
			(void)!write(fds[1], line, (size_t)i);
			_exit(0);
		}
	}
	close(fds[1]);
	if ((in = fdopen(fds[0], "r")) == NULL)
		return 1;
	while (fgets(line, sizeof(line), in) != NULL) {
		long a = 0, b = 0;

		if (sscanf(line, "%ld %ld", &a, &b) == 2) {
			done += a;
			failed += b;
		}
	}
	fclose(in);
	while (wait(NULL) > 0)
		;
	printf("done %ld failed %ld\n", done, failed);
	return done > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *sni = NULL, *path = "/";
	int port = 0, count = 1000, hold = 60, request = 1, i, opened = 0, failed = 0;
	int churn = 0, parallel = 1, h2 = 0;
	struct sockaddr_in sa;
	struct idle_conn *v;
	struct rlimit rl;
	struct pollfd pfd;
	SSL_CTX *ctx;
	time_t until;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(argv[i], "--sni") == 0 && i + 1 < argc)
			sni = argv[++i];
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atoi(argv[++i]);
		else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
			hold = atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-request") == 0)
			request = 0;
		else if (strcmp(argv[i], "--alpn") == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], "h2") == 0)
			h2 = ++i > 0;
		else if (strcmp(argv[i], "--churn") == 0 && i + 1 < argc)
			churn = atoi(argv[++i]);
		else if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc)
			parallel = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: idleconns --port N [--host IP] [--sni NAME] "
			    "[--count N] [--path /p] [--hold SECONDS] [--no-request] [--alpn h2]\n");
			return 2;
		}
	}
	if (port <= 0 || count <= 0 || count > 100000) {
		fprintf(stderr, "idleconns: --port is required, --count 1..100000\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "idleconns: %s: not an IPv4 address\n", host);
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)count + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)count + 64 ? rl.rlim_max : (rlim_t)count + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (v = calloc((size_t)count, sizeof(*v))) == NULL) {
		fprintf(stderr, "idleconns: out of memory\n");
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (h2 && SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\x02h2", 3) != 0) {
		fprintf(stderr, "idleconns: cannot offer h2\n");
		return 1;
	}
	if (churn > 0)
		return idle_churn(ctx, &sa, sni, path, churn, parallel);
	for (i = 0; i < count; i++) {
		if (idle_open(&v[opened], ctx, &sa, sni, path, request, 0, h2) == 0)
			opened++;
		else if (++failed <= 3)
			fprintf(stderr, "idleconns: connection %d failed: %s\n", i,
			    errno != 0 ? strerror(errno) : "TLS error");
	}
	if (failed > 0)
		fprintf(stderr, "idleconns: %d of %d connections failed\n", failed, count);
	printf("ready %d\n", opened);
	fflush(stdout);
	/* hold until stdin closes or the time is up */
	until = time(NULL) + hold;
	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	while (time(NULL) < until) {
		char b[256];
		int r = poll(&pfd, 1, 200);

		if (r > 0 && read(STDIN_FILENO, b, sizeof(b)) <= 0)
			break;
		if (r > 0 && (pfd.revents & (POLLHUP | POLLERR)))
			break;
	}
	for (i = 0; i < opened; i++) {
		SSL_free(v[i].ssl);
		close(v[i].fd);
	}
	free(v);
	SSL_CTX_free(ctx);
	return opened > 0 ? 0 : 1;
}
