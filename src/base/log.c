/*
 * log — the daemon log on stderr (or a test's sink).  Owns the line format
 * ("2024-05-01 12:00:00 warn: ...") and errno preservation, and the throttling of
 * repeated lines; knows nothing about connections or configuration beyond the "conn N: "
 * tag that starts every per-connection line.  Worker threads log at once: the repeat
 * state and the write of each line are under one mutex, so lines never interleave.
 *
 * Repeats.  An outage makes one line per refused request (a dead backend: a thousand
 * lines a second, all alike), which buries everything else.  As syslogd's "last message
 * repeated N times" does, a warn or info line that says the same as the line written
 * before it, less than LOG_REPEAT_MS after that one, is not written but counted; one summary line ("... N more like the line above in the last
 * 1 s") is written before the next different line, or by log_tick once the window has
 * passed, and the next alike line after that is written again and opens a new window.
 * So an outage costs two lines a second, and the counts add up exactly.  "The same" is:
 * identical text and level once the leading "conn N: " tag is set aside.  Not the format
 * string (exchange.c logs every backend failure through "conn %llu: %s", whatever the
 * failure), and no looser than the connection id: a line that differs in a backend or a
 * count says something new and is written.  Only per-connection lines (those with the
 * tag) are throttled: they are the ones whose number grows with the traffic; a daemon
 * line (a signal, a reload, start and stop) is an event of its own each time, two
 * SIGUSR1 reopens in a second are two lines.  debug and trace lines are never throttled
 * (-v and trace asked for everything).  Every line that is written ends a run.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "base/clock.h"
#include "base/log.h"

#define LOG_REPEAT_MS  1000   /* the window in which alike lines are counted, not written */
#define LOG_KEY_MAX    2048   /* longer lines are always written */
#define LOG_LINE_STACK 1024

static int log_verbose_on;

static struct {
	pthread_mutex_t mu;
	FILE           *sink;          /* NULL: stderr */
	uint64_t      (*clock)(void);  /* NULL: CLOCK_MONOTONIC, in ms */
	char            level[16];     /* the last line written: its level ... */
	char            key[LOG_KEY_MAX];   /* ... and its text without the conn tag */
	size_t          keylen;        /* 0: no run open */
	uint64_t        since;         /* when the run's line was written (ms) */
	unsigned long   repeats;       /* alike lines since, not written */
} log_st = { .mu = PTHREAD_MUTEX_INITIALIZER };

void
log_set_verbose(int on)
{
	log_verbose_on = on;
}

void
log_set_sink(FILE *fp)
{
	pthread_mutex_lock(&log_st.mu);
	log_st.sink = fp;
	log_st.keylen = 0;
	log_st.repeats = 0;
	pthread_mutex_unlock(&log_st.mu);
}

void
log_set_clock(uint64_t (*now_ms)(void))
{
	pthread_mutex_lock(&log_st.mu);
	log_st.clock = now_ms;
	pthread_mutex_unlock(&log_st.mu);
}

/* A real read (clock_read_ms), not the loop pass's clock_now_ms: the log is written from
 * every thread and from outside any loop, and its repeat window is shared under log_st.mu,
 * where one thread's pass time may lie before another's (now - since would wrap). */
static uint64_t
log_now_ms(void)
{
	if (log_st.clock != NULL)
		return log_st.clock();
	return clock_read_ms();
}

/* One line to the sink, stamped now.  Under log_st.mu. */
static void
log_write(const char *level, const char *msg)
{
	FILE *fp = log_st.sink != NULL ? log_st.sink : stderr;
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(fp, "%s %s: %s\n", ts, level, msg);
	fflush(fp);
}

/* The run's summary line, if lines were held back.  Under log_st.mu. */
static void
log_summary(uint64_t now)
{
	char msg[128];
	uint64_t secs;

	if (log_st.repeats == 0)
		return;
	secs = (now - log_st.since + 999) / 1000;
	snprintf(msg, sizeof(msg), "... %lu more like the line above in the last %llu s",
	    log_st.repeats, (unsigned long long)(secs > 0 ? secs : 1));
	log_write(log_st.level, msg);
	log_st.repeats = 0;
}

/* msg without its "conn N: " tag. */
static const char *
log_untagged(const char *msg)
{
	const char *p;

	if (strncmp(msg, "conn ", 5) != 0)
		return msg;
	for (p = msg + 5; *p >= '0' && *p <= '9'; p++)
		;
	if (p == msg + 5 || p[0] != ':' || p[1] != ' ')
		return msg;
	return p + 2;
}

/* Write msg at level, or count it as a repeat of the line before. */
static void
log_emit(const char *level, const char *msg)
{
	const char *key = log_untagged(msg);
	int throttled = key != msg &&
	    (strcmp(level, "info") == 0 || strcmp(level, "warn") == 0);
	size_t keylen = strlen(key);
	uint64_t now;

	pthread_mutex_lock(&log_st.mu);
	now = log_now_ms();
	if (throttled && log_st.keylen > 0 && keylen == log_st.keylen &&
	    now - log_st.since < LOG_REPEAT_MS && strcmp(level, log_st.level) == 0 &&
	    memcmp(key, log_st.key, keylen) == 0) {
		log_st.repeats++;
		pthread_mutex_unlock(&log_st.mu);
		return;
	}
	log_summary(now);
	log_write(level, msg);
	log_st.keylen = 0;
	if (throttled && keylen > 0 && keylen < sizeof(log_st.key) &&
	    strlen(level) < sizeof(log_st.level)) {
		memcpy(log_st.key, key, keylen);
		log_st.keylen = keylen;
		snprintf(log_st.level, sizeof(log_st.level), "%s", level);
		log_st.since = now;
	}
	pthread_mutex_unlock(&log_st.mu);
}

void
log_tick(void)
{
	int saved = errno;
	uint64_t now;

	pthread_mutex_lock(&log_st.mu);
	now = log_now_ms();
	if (log_st.repeats > 0 && now - log_st.since >= LOG_REPEAT_MS) {
		log_summary(now);
		log_st.keylen = 0;   /* the next alike line is written and opens a new window */
	}
	pthread_mutex_unlock(&log_st.mu);
	errno = saved;
}

void
log_flush(void)
{
	int saved = errno;

	pthread_mutex_lock(&log_st.mu);
	log_summary(log_now_ms());
	log_st.keylen = 0;
	pthread_mutex_unlock(&log_st.mu);
	errno = saved;
}

void
log_line(const char *level, const char *fmt, va_list ap)
{
	int saved = errno;
	char stack[LOG_LINE_STACK], *msg = stack;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	if (n >= (int)sizeof(stack)) {
		char *big = malloc((size_t)n + 1);

		if (big != NULL) {   /* else (out of memory) the line, cut short */
			vsnprintf(big, (size_t)n + 1, fmt, again);
			msg = big;
		}
	}
	va_end(again);
	if (n < 0)
		snprintf(stack, sizeof(stack), "(unprintable log line: %s)", fmt);
	log_emit(level, msg);
	if (msg != stack)
		free(msg);
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
log_errorx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
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
