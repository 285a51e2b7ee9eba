/*
 * adminclient — one GET to the admin listener (see adminclient.h).  Owns its socket for
 * the call's length; it does not know the pages (the caller asks for one path and prints
 * what comes back).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "model/conf.h"
#include "cli/adminclient.h"

#define ADMINCLIENT_MAX (64u << 20)   /* an answer larger than this is refused */

static const char *
adminclient_errno(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS ? "timed out" : strerror(e);
}

/* Read everything until the listener closes.  Returns 0 or -1 with err. */
static int
adminclient_read(int fd, char **buf, size_t *len, char *err, size_t errlen)
{
	size_t cap = 0;
	char *b = NULL;
	ssize_t n;

	*len = 0;
	for (;;) {
		if (*len + 4097 > cap) {
			char *nb;

			if (cap >= ADMINCLIENT_MAX) {
				snprintf(err, errlen, "the answer is larger than %u bytes",
				    ADMINCLIENT_MAX);
				free(b);
				return -1;
			}
			cap = cap > 0 ? cap * 2 : 16384;
			if ((nb = realloc(b, cap)) == NULL) {
				snprintf(err, errlen, "out of memory");
				free(b);
				return -1;
			}
			b = nb;
		}
		if ((n = read(fd, b + *len, cap - *len - 1)) == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "reading the answer: %s", adminclient_errno(errno));
			free(b);
			return -1;
		}
		*len += (size_t)n;
	}
	b[*len] = '\0';
	*buf = b;
	return 0;
}

int
adminclient_get(const char *addr, const char *path, unsigned timeout_s, char **body,
    size_t *len, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct timeval tv = { (time_t)timeout_s, 0 };
	unsigned sslen;
	char req[512], *ans = NULL, *end, *p;
	size_t anslen, off = 0;
	int fd, status;

	*body = NULL;
	*len = 0;
	if (conf_admin_addr(addr, &ss, &sslen, err, errlen) != 0)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* SO_SNDTIMEO bounds connect too (Linux) */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, sslen) != 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", addr, adminclient_errno(errno));
		close(fd);
		return -1;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: sysbind-admin\r\n"
	    "Connection: close\r\n\r\n", path);
	while (off < strlen(req)) {
		ssize_t n = write(fd, req + off, strlen(req) - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "sending the request to %s: %s", addr,
			    adminclient_errno(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (adminclient_read(fd, &ans, &anslen, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	if (anslen == 0 || sscanf(ans, "HTTP/1.%*c %d", &status) != 1 ||
	    (end = strstr(ans, "\r\n\r\n")) == NULL) {
		snprintf(err, errlen, "%s did not answer in HTTP (%zu bytes)", addr, anslen);
		free(ans);
		return -1;
	}
	end += 4;
	*len = anslen - (size_t)(end - ans);
	if ((p = malloc(*len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ans);
		return -1;
	}
	memcpy(p, end, *len);
	p[*len] = '\0';
	free(ans);
	*body = p;
	return status;
}
