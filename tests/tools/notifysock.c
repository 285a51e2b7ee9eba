/*
 * notifysock — the service manager's end of the sd_notify protocol, for the tests: it
 * binds a Unix datagram socket (what systemd passes a Type=notify service as
 * NOTIFY_SOCKET) and prints every message it receives, one line each, in order:
 *
 *   msg pid=1234 READY=1|STATUS=serving ...
 *
 * (the message's lines joined by '|'; pid is the sender's, from the kernel's
 * SCM_CREDENTIALS, as systemd reads it for NotifyAccess=main).  With --probe PORT (may be
 * repeated), each message holding a READY=1 line is followed at once by one plain HTTP
 * request to 127.0.0.1:PORT per port, to show what "ready" meant at that moment:
 *
 *   probe 8080 HTTP/1.1 200 OK          (the status line answered)
 *   probe 8081 connect: Connection refused
 *
 * Usage: notifysock --socket PATH [--probe PORT]... [--timeout SECONDS]
 * Prints "listening PATH" once the socket is bound, then runs until SIGTERM or --timeout
 * seconds (default 60) pass, and removes PATH at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_MAX_PROBES 8

static volatile sig_atomic_t notify_stop;

static void
notify_stop_cb(int sig)
{
	(void)sig;
	notify_stop = 1;
}

/* One HTTP/1.1 request to 127.0.0.1:port; prints the status line or why there is none. */
static void
notify_probe(int port)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";
	struct sockaddr_in sin;
	struct timeval tv = { 5, 0 };
	char buf[256];
	size_t have = 0;
	ssize_t n;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		printf("probe %d socket: %s\n", port, strerror(errno));
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		printf("probe %d connect: %s\n", port, strerror(errno));
		close(fd);
		return;
	}
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		printf("probe %d write: %s\n", port, strerror(errno));
		close(fd);
		return;
	}
	while (have < sizeof(buf) - 1 && memchr(buf, '\n', have) == NULL) {
		if ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		printf("probe %d no answer\n", port);
	else
		printf("probe %d %s\n", port, buf);
	close(fd);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int probes[NOTIFY_MAX_PROBES], nprobes = 0, timeout = 60, fd, on = 1, i;
	struct sockaddr_un sun;
	struct sigaction sa;
	time_t deadline;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--probe") == 0 && i + 1 < argc &&
		    nprobes < NOTIFY_MAX_PROBES)
			probes[nprobes++] = atoi(argv[++i]);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: notifysock --socket PATH [--probe PORT]... "
			    "[--timeout SECONDS]\n");
			return 2;
		}
	}
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "notifysock: --socket PATH (shorter than %zu bytes) is needed\n",
		    sizeof(sun.sun_path));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = notify_stop_cb;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
		perror("notifysock: socket");
		return 1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "notifysock: bind %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("listening %s\n", path);

	deadline = time(NULL) + timeout;
	while (!notify_stop && time(NULL) < deadline) {
		char data[4096], cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { data, sizeof(data) - 1 };
		struct msghdr mh;
		struct cmsghdr *cm;
		struct pollfd pfd = { fd, POLLIN, 0 };
		long pid = -1;
		ssize_t n;
		int ready = 0;
		char *line, *save = NULL;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(fd, &mh, MSG_DONTWAIT)) < 0)
			continue;
		data[n] = '\0';
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;

				memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
				pid = (long)uc.pid;
			}
		printf("msg pid=%ld ", pid);
		for (line = strtok_r(data, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			printf("%s%s", line, save != NULL && *save != '\0' ? "|" : "");
			ready |= strcmp(line, "READY=1") == 0;
		}
		printf("\n");
		if (ready)
			for (i = 0; i < nprobes; i++)
				notify_probe(probes[i]);
	}
	unlink(path);
	return 0;
}
