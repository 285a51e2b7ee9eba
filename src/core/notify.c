/*
 * notify — the daemon's messages to its service manager (systemd's sd_notify protocol,
 * sd_notify(3)).  Owns the message texts' shape (one datagram per state change, the state
 * first, then STATUS=) and the one warning when the manager cannot be told; the decisions
 * of when to say what are daemon.c's.  libsystemd does the protocol: the NOTIFY_SOCKET
 * address (a path or an abstract "@name"), the datagram and the credentials.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "base/log.h"
#include "core/notify.h"

#define NOTIFY_STATUS_MAX 1024

static int notify_warned;

static void notify_format(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void notify_send(const char *state, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Format a status into buf, on one line. */
static void
notify_format(char *buf, size_t len, const char *fmt, va_list ap)
{
	char *p;

	vsnprintf(buf, len, fmt, ap);
	/* STATUS= ends at a newline: keep a multi-line message (a list of errors) whole */
	while ((p = strchr(buf, '\n')) != NULL) {
		if (p[1] == '\0') {
			*p = '\0';
			break;
		}
		*p = ';';
		if (strlen(buf) + 2 < len) {
			memmove(p + 2, p + 1, strlen(p + 1) + 1);
			p[1] = ' ';
		}
	}
}

/* One datagram: STATE (possibly empty) then STATUS=, formatted from fmt and ap. */
static void
notify_send(const char *state, const char *fmt, va_list ap)
{
	char status[NOTIFY_STATUS_MAX];
	int rc;

	notify_format(status, sizeof(status), fmt, ap);
	rc = sd_notifyf(0, "%s%sSTATUS=%s", state, state[0] != '\0' ? "\n" : "", status);
	if (rc < 0 && !notify_warned) {
		/* once: a service manager that cannot be told keeps failing the same way */
		errno = -rc;
		log_warn("cannot notify the service manager (NOTIFY_SOCKET)");
		notify_warned = 1;
	}
}

void
notify_status(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_send("", fmt, ap);
	va_end(ap);
}

void
notify_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_send("READY=1", fmt, ap);
	va_end(ap);
}

void
notify_reloading(const char *fmt, ...)
{
	char state[64];
	struct timespec ts;
	va_list ap;

	/* systemd 253+ (Type=notify-reload) matches the reload to its request by this
	 * timestamp; older managers ignore the field. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	va_start(ap, fmt);
	notify_send(state, fmt, ap);
	va_end(ap);
}

void
notify_stopping(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_send("STOPPING=1", fmt, ap);
	va_end(ap);
}
