/*
 * log — the daemon's own log on stderr: one line per event, prefixed with a UTC
 * timestamp and a level.  Every function preserves errno, so a caller can log and then
 * still inspect or report the error.  Not the access or HTTPERR logs (accesslog.h) and
 * not the connection narration (conn.c's trace).  Safe from every worker thread: a line is
 * written under stderr's lock, so lines never interleave.
 */
#ifndef SYSBIND_LOG_H
#define SYSBIND_LOG_H

#include <stdarg.h>

/* Show log_debug lines (set by -v).  Default off. */
void log_set_verbose(int on);
int log_verbose(void);

/* "... : strerror(errno)" appended when errno is not 0 at the call. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning with no errno text. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An unprefixed-level line ("trace"), used by the connection narration. */
void log_line(const char *level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Drain OpenSSL's error queue into one warning line starting with what. */
void log_ssl_errors(const char *what);

#endif
