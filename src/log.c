/*
 * log — the daemon log on stderr.  Owns the line format ("2024-05-01 12:00:00 warn: ...")
 * and errno preservation; knows nothing about connections or configuration.  Worker
 * threads log at once: each line is written whole under flockfile(stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "log.h"

static int log_verbose_on;

void
log_set_verbose(int on)
{
	log_verbose_on = on;
}

int
log_verbose(void)
{
	return log_verbose_on;
}

void
log_line(const char *level, const char *fmt, va_list ap)
{
	int saved = errno;
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s %s: ", ts, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	errno = saved;
}

static void
log_fmt(const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (saved != 0)
		log_fmt("warn", "%s: %s", msg, strerror(saved));
	else
		log_fmt("warn", "%s", msg);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("warn", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose_on)
		return;
	va_start(ap, fmt);
	log_line("debug", fmt, ap);
	va_end(ap);
}

void
log_ssl_errors(const char *what)
{
	int saved = errno;
	char buf[512];
	size_t off = 0;
	unsigned long e;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		if (off < sizeof(buf) - 2) {
			if (off > 0)
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, "; ");
			if (off < sizeof(buf) - 1)
				ERR_error_string_n(e, buf + off, sizeof(buf) - off);
			off = strlen(buf);
		}
	}
	log_fmt("warn", "%s: %s", what, buf[0] ? buf : "no OpenSSL error");
	errno = saved;
}
