/*
 * log — the daemon's own log on stderr: one line per event, prefixed with a UTC
 * timestamp and a level.  Every function preserves errno, so a caller can log and then
 * still inspect or report the error.  A per-connection warn or info line alike to the one
 * before (the same text but for its "conn N: " tag) within a second is counted, not written,
 * and one line says how many ("... 1116 more like the line above in the last 1 s"): see
 * log.c.  Not the access or HTTPERR logs (accesslog.h) and not the connection narration
 * (conn.c's trace).  Safe from every worker thread: a line is
 * written under the log's lock, so lines never interleave.
 */
#ifndef SYSBIND_LOG_H
#define SYSBIND_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* Show log_debug lines (set by -v).  Default off. */
void log_set_verbose(int on);

/* "... : strerror(errno)" appended when errno is not 0 at the call. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning with no errno text. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A fatal error (start-up): the daemon does not go on.  No errno text. */
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An unprefixed-level line ("trace"), used by the connection narration. */
void log_line(const char *level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Write the count of held-back repeats once their one-second window has passed (call it
 * about once a second: the workers' tick does).  Any thread. */
void log_tick(void);
/* Write the count of held-back repeats now (at exit). */
void log_flush(void);

/* Tests: write lines to fp instead of stderr (NULL: stderr again; the repeat state is
 * reset), and read the time from now_ms (a monotonic clock in ms; NULL: the real one). */
void log_set_sink(FILE *fp);
void log_set_clock(uint64_t (*now_ms)(void));

/* Drain OpenSSL's error queue into one warning line starting with what. */
void log_ssl_errors(const char *what);

#endif
