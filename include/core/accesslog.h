/*
 * accesslog — the two request logs: IIS's W3C extended access log (one
 * line per request, IIS's default fields with cs-version where IIS puts it, plus sysbind's
 * s-sitename cs-host x-sni x-cert-thumbprint x-cert-verdict x-coalesced) and HTTP.SYS's HTTPERR log (one line per error that
 * sysbind answers itself).  Formatting only: times in UTC, spaces and control characters
 * become '+', empty values '-'.  A log may be written from several worker threads at once;
 * lines are buffered and written once per loop pass of a thread that set a hook, never
 * blocking it on a pipe (lines a full pipe cannot take are dropped, counted, and said so:
 * see accesslog.c).  Open, reopen and close from one thread.
 */
#ifndef SYSBIND_ACCESSLOG_H
#define SYSBIND_ACCESSLOG_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

enum accesslog_kind { ACCESSLOG_W3C, ACCESSLOG_HTTPERR };

struct accesslog;

/*
 * Open path for appending ("-" is stdout) and write the kind's header block (#Software,
 * #Version, #Date, #Fields).  Returns a new log (caller owns, accesslog_close) or NULL
 * with a message in err.
 */
struct accesslog *accesslog_open(const char *path, enum accesslog_kind kind,
    char *err, size_t errlen);
/* Write what l holds (a pipe gets up to a second) and close it. */
void accesslog_close(struct accesslog *l);

/* Open the log's path again (after rotation) and write the header block there; writers in
 * other threads switch atomically.  "-" is a no-op.  Returns 0, or -1 with err (the old
 * file stays in use). */
int accesslog_reopen(struct accesslog *l, char *err, size_t errlen);

/*
 * Give the open log file to uid:gid (fchown), so a daemon that opened it as root and then
 * became that user can reopen it after a rotation that keeps the owner.  Standard output
 * is left alone.  Returns 0, or -1 with the reason in err.
 */
int accesslog_chown(struct accesslog *l, uid_t uid, gid_t gid, char *err, size_t errlen);

/* The path it was opened with ("-" for stdout). */
const char *accesslog_path(const struct accesslog *l);

/* One W3C line.  Any string may be NULL (written as "-"). */
struct accesslog_w3c {
	time_t      when;
	const char *s_ip;
	const char *method;
	const char *uri_stem;
	const char *uri_query;
	unsigned    s_port;
	const char *c_ip;
	const char *version;    /* cs-version: "HTTP/1.1", "HTTP/2" */
	const char *user_agent;
	const char *referer;
	int         status;
	int         substatus;
	unsigned long win32_status; /* 2148204809 = 0x800B0109 for a 403.16 */
	long        time_taken_ms;
	const char *site;
	const char *host;
	const char *sni;
	const char *thumbprint;
	const char *verdict;
	const char *coalesced;  /* the SNI of a coalesced HTTP/2 connection, else NULL */
};

void accesslog_w3c_write(struct accesslog *l, const struct accesslog_w3c *e);

/* One HTTPERR line.  status 0 and strings NULL are written as "-". */
struct accesslog_httperr {
	time_t      when;
	const char *c_ip;
	unsigned    c_port;
	const char *s_ip;
	unsigned    s_port;
	const char *version;   /* "HTTP/1.1" */
	const char *method;
	const char *uri;
	int         status;
	unsigned    stream_id; /* the HTTP/2 stream; 0: "-" */
	long        site_id;   /* 0: "-" */
	const char *reason;    /* never empty in HTTP.SYS's files */
	const char *queue;
};

void accesslog_httperr_write(struct accesslog *l, const struct accesslog_httperr *e);

/*
 * This thread's loop hook: schedule(arg) is called once after the first line the thread
 * logs since its last accesslog_flush_all, and must make the loop call
 * accesslog_flush_all before it next waits (an event made active now).  Without a hook
 * (NULL) a thread writes each line at once.
 */
void accesslog_thread_hook(void (*schedule)(void *arg), void *arg);
/* Write what every open log holds (a full pipe: what it takes; a #Remark once lines were
 * dropped and there is room).  Returns 1 when a pipe still holds lines back (call again
 * soon), else 0.  Any thread; cheap when nothing is held. */
int accesslog_flush_all(void);
/* Write what l holds.  Returns 1 when some of it is still held (a full pipe), else 0. */
int accesslog_flush(struct accesslog *l);
/* Lines l dropped (a full pipe) since it was opened. */
unsigned long accesslog_dropped(struct accesslog *l);

/* Copy s into out for one log field: NULL or "" gives "-", whitespace and control
 * characters become '+', truncated to outlen - 1. */
void accesslog_field(const char *s, char *out, size_t outlen);

#endif
