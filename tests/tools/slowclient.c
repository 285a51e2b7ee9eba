/*
 * slowclient — a client whose reading speed the tests choose, for min_send_rate, and a
 * witness of how a connection ended (TLS close_notify, a bare TCP FIN, a reset).
 * Usage:
 *   slowclient --port N [--host IP] [--tls] [--tls12] [--no-renegotiation] [--sni NAME]
 *              --request TEXT [--upload BYTES] [--rate BYTES_PER_S [--slow-for S] | --no-read]
 *              [--max-time S] [--out FILE]
 * --tls12: TLS 1.2 at most (implies --tls); --no-renegotiation: a HelloRequest is answered
 * with a no_renegotiation alert, as clients without renegotiation (rustls) answer it.
 * TEXT is sent first (backslash escapes \r \n \t \\ are understood); then BYTES zero
 * bytes are uploaded as fast as the server takes them (a WebSocket tunnel's upstream).
 * Everything received is read at --rate (default: as fast as possible), or never with
 * --no-read; with --slow-for, at --rate for the first S seconds only, then as fast as
 * possible (a reader slower than min_send_rate for a while, that still takes it all).  At the end it prints one line:
 *   bytes=N end=close_notify|eof|reset|timeout|error
 * close_notify: the TLS peer said it is done; eof: the TCP connection closed without it
 * (over TLS, a truncation attack cannot be told from it); reset: RST; timeout: --max-time
 * (default 60 s) passed.  Exit status 0 whatever the end (the caller judges).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Undo \r \n \t \\ in place; returns the new length. */
static size_t
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r == '\\' && r[1] != '\0') {
			r++;
			*w++ = *r == 'r' ? '\r' : *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *sni = NULL, *outpath = NULL;
	char *request = NULL;
	int port = 0, tls = 0, tls12 = 0, no_reneg = 0, no_read = 0, i, fd, on = 1;
	long long upload = 0, total = 0, rate = 0;
	double max_time = 60, slow_for = 0, t0;
	size_t reqlen = 0, reqoff = 0;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	FILE *out = NULL;
	struct sockaddr_in sin;
	const char *end = "timeout";
	static char zeros[16384], buf[16384];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(argv[i], "--tls") == 0)
			tls = 1;
		else if (strcmp(argv[i], "--tls12") == 0)
			tls = tls12 = 1;
		else if (strcmp(argv[i], "--no-renegotiation") == 0)
			no_reneg = 1;
		else if (strcmp(argv[i], "--sni") == 0 && i + 1 < argc)
			sni = argv[++i];
		else if (strcmp(argv[i], "--request") == 0 && i + 1 < argc)
			request = argv[++i];
		else if (strcmp(argv[i], "--upload") == 0 && i + 1 < argc)
			upload = atoll(argv[++i]);
		else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
			rate = atoll(argv[++i]);
		else if (strcmp(argv[i], "--slow-for") == 0 && i + 1 < argc)
			slow_for = atof(argv[++i]);
		else if (strcmp(argv[i], "--no-read") == 0)
			no_read = 1;
		else if (strcmp(argv[i], "--max-time") == 0 && i + 1 < argc)
			max_time = atof(argv[++i]);
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			outpath = argv[++i];
		else {
			fprintf(stderr, "usage: slowclient --port N [--host IP] [--tls] [--tls12] "
			    "[--no-renegotiation] [--sni NAME] --request TEXT [--upload BYTES] "
			    "[--rate B/S [--slow-for S] | --no-read] [--max-time S] [--out FILE]\n");
			return 2;
		}
	}
	if (port <= 0 || request == NULL) {
		fprintf(stderr, "slowclient: --port and --request are required\n");
		return 2;
	}
	reqlen = unescape(request);
	if (outpath != NULL && (out = fopen(outpath, "wb")) == NULL) {
		perror(outpath);
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		perror("connect");
		return 2;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (tls) {
		if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL || (ssl = SSL_new(ctx)) == NULL)
			return 2;
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
		if (tls12)
			SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
		if (no_reneg)
			SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
		if (sni != NULL)
			SSL_set_tlsext_host_name(ssl, sni);
		SSL_set_fd(ssl, fd);
		if (SSL_connect(ssl) != 1) {
			ERR_print_errors_fp(stderr);
			printf("bytes=0 end=error\n");
			return 0;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	t0 = now_s();
	for (;;) {
		double t = now_s() - t0;
		int want_read = !no_read, want_write = reqoff < reqlen || upload > 0;
		int timeout_ms = 200;
		struct pollfd pfd;
		long long allowed = (long long)sizeof(buf);

		if (t >= max_time)
			break;
		if (want_read && rate > 0 && (slow_for <= 0 || t < slow_for)) {
			allowed = (long long)(rate * t) - total;
			if (allowed <= 0) {
				want_read = 0;
				timeout_ms = 10;
			} else if (allowed > (long long)sizeof(buf)) {
				allowed = sizeof(buf);
			}
		}
		/* TLS may hold decrypted bytes poll cannot see */
		if (!(want_read && ssl != NULL && SSL_pending(ssl) > 0)) {
			pfd.fd = fd;
			pfd.events = (short)((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0));
			pfd.revents = 0;
			if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
				break;
			if (no_read && (pfd.revents & (POLLHUP | POLLERR))) {
				int err = 0;
				socklen_t l = sizeof(err);

				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
				end = err == ECONNRESET ? "reset" : "eof";
				goto done;
			}
		}
		if (want_write) {
			const char *p = reqoff < reqlen ? request + reqoff : zeros;
			size_t n = reqoff < reqlen ? reqlen - reqoff :
			    (upload < (long long)sizeof(zeros) ? (size_t)upload : sizeof(zeros));
			ssize_t w;

			if (ssl != NULL) {
				w = SSL_write(ssl, p, (int)n);
				if (w <= 0) {
					int e = SSL_get_error(ssl, (int)w);

					ERR_clear_error();
					if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
						upload = 0, reqoff = reqlen;
					w = 0;
				}
			} else {
				w = write(fd, p, n);
				if (w < 0) {
					if (errno != EAGAIN)
						upload = 0, reqoff = reqlen;
					w = 0;
				}
			}
			if (reqoff < reqlen)
				reqoff += (size_t)w;
			else
				upload -= w;
		}
		if (want_read) {
			ssize_t r;

			if (ssl != NULL) {
				r = SSL_read(ssl, buf, (int)allowed);
				if (r <= 0) {
					int e = SSL_get_error(ssl, (int)r);

					if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
						ERR_clear_error();
						continue;
					}
					if (e == SSL_ERROR_ZERO_RETURN)
						end = "close_notify";
					else if (e == SSL_ERROR_SYSCALL && errno == ECONNRESET)
						end = "reset";
					else if (e == SSL_ERROR_SSL &&
					    ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
						end = "eof";
					else if (e == SSL_ERROR_SYSCALL)
						end = "eof";
					else
						end = "error";
					ERR_clear_error();
					goto done;
				}
			} else {
				r = read(fd, buf, (size_t)allowed);
				if (r < 0 && errno == EAGAIN)
					continue;
				if (r <= 0) {
					end = r == 0 ? "eof" : errno == ECONNRESET ? "reset" : "error";
					goto done;
				}
			}
			total += r;
			if (out != NULL)
				fwrite(buf, 1, (size_t)r, out);
		}
	}
done:
	printf("bytes=%lld end=%s\n", total, end);
	if (out != NULL)
		fclose(out);
	if (ssl != NULL)
		SSL_free(ssl);
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	close(fd);
	return 0;
}
