/*
 * notify — telling the service manager where the daemon is in its life: systemd's
 * readiness protocol (Type=notify), spoken through libsystemd's sd_notify.  READY=1 once
 * every listener accepts and the workers serve; RELOADING=1 (with MONOTONIC_USEC) when a
 * SIGHUP reload begins and READY=1 when it ends, well or not; STOPPING=1 on SIGTERM;
 * STATUS= with what is served, or what went wrong.  Outside systemd (NOTIFY_SOCKET unset)
 * every call does nothing.  Called from the daemon's own thread only.
 */
#ifndef SYSBIND_NOTIFY_H
#define SYSBIND_NOTIFY_H

/* STATUS= alone.  A status is one line: newlines in it become "; ". */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* READY=1 with STATUS=: start-up is over, or a reload ended (in success or failure). */
void notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* RELOADING=1 with MONOTONIC_USEC= (now, CLOCK_MONOTONIC) and STATUS=. */
void notify_reloading(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* STOPPING=1 with STATUS=. */
void notify_stopping(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
