/*
 * accesslog — W3C extended and HTTPERR line formats and their header blocks, and the
 * writing of them without blocking an event loop.  Owns the log files it opens; knows
 * nothing about connections (the conn module fills the entry structs).
 *
 * Writing.  A line is formatted, then appended to its log's buffer under the log's mutex
 * (worker threads log at once); the buffer is written by accesslog_flush_all, which a
 * worker runs once per loop pass in which it logged (the thread's hook, see
 * accesslog_thread_hook) and on its tick, or at once past ACCESSLOG_FLUSH_AT bytes.  A
 * thread without a hook (the daemon's, a test) writes each line at once.
 *   A regular file takes every line: one write(2) of whole lines on an O_APPEND
 * descriptor, which a regular file does not hold for long.  A pipe or a socket (access_log
 * = - under a service manager, a FIFO) can be full for as long as its reader likes, so it
 * is written without blocking: in whole lines at most PIPE_BUF at a time (a pipe takes
 * such a write whole or not at all, so another writer of the same pipe, stderr under
 * 2>&1, never lands in the middle of a line); what the pipe does not take stays buffered,
 * and a line that no longer fits in ACCESSLOG_BUF_MAX is dropped and counted.  Once there
 * is room again, a "#Remark: N lines dropped (pipe full)" comment goes in where the lines
 * were lost, and the daemon log says the same.
 *   Reopening (SIGUSR1, after the file was rotated away) writes what is buffered to the
 * old file, the header to the new one, and swaps the descriptor with dup3, all under the
 * mutex; closing writes what is buffered (a pipe gets up to a second to take it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/accesslog.h"
#include "base/log.h"

#define ACCESSLOG_BUF_MAX   (64 * 1024)   /* held between flushes */
#define ACCESSLOG_FLUSH_AT  (16 * 1024)   /* written at once past this */
#define ACCESSLOG_CLOSE_MS  1000          /* a pipe's time to take the rest at close */
#define ACCESSLOG_REMARK_MAX 64           /* "#Remark: N lines dropped (pipe full)\n" */

enum accesslog_target { ACCESSLOG_FILE, ACCESSLOG_PIPE, ACCESSLOG_SOCKET };

struct accesslog {
	int   fd;
	int   is_stdout;
	int   own_fd;          /* fd is ours to close (not standard output itself) */
	enum accesslog_target target;
	char *path;
	enum accesslog_kind kind;
	pthread_mutex_t mu;    /* the buffer, dropped, and fd's swap */
	char  *buf;            /* whole lines not written yet (a pipe's: perhaps a line's tail first) */
	size_t len;
	unsigned long dropped;       /* lines lost since the last #Remark */
	unsigned long dropped_total;
	struct accesslog *next;      /* the registry */
};

/* Every open log, for accesslog_flush_all. */
static pthread_mutex_t accesslog_reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct accesslog *accesslog_reg;

/* This thread's hook: asked once per loop pass in which it logged. */
static __thread void (*accesslog_sched)(void *);
static __thread void *accesslog_sched_arg;
static __thread int accesslog_sched_armed;

static const char accesslog_w3c_fields[] =
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs-version cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status "
    "time-taken s-sitename cs-host x-sni x-cert-thumbprint x-cert-verdict x-coalesced";
static const char accesslog_httperr_fields[] =
    "#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid "
    "sc-status s-siteid s-reason s-queuename";

static void
accesslog_stamp(time_t t, char *date, size_t dlen, char *tod, size_t tlen)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, dlen, "%Y-%m-%d", &tm);
	strftime(tod, tlen, "%H:%M:%S", &tm);
}

/* Write len bytes to a regular file (or any descriptor that blocks): a short write (disk
 * full) finishes the line. */
static void
accesslog_put_fd(int fd, const char *line, size_t len)
{
	const char *p = line;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static unsigned long
accesslog_count_lines(const char *p, size_t len)
{
	unsigned long n = 0;
	const char *nl;

	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		n++;
		len -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	return n;
}

/* One non-blocking write of at most len bytes.  Returns the bytes taken, 0 when the
 * target is full, -1 on an error (the reader is gone). */
static ssize_t
accesslog_try_write(struct accesslog *l, const char *p, size_t len)
{
	ssize_t n;

	do {
		if (l->target == ACCESSLOG_SOCKET)
			n = send(l->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = write(l->fd, p, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return n;
}

/* Write what a pipe or socket takes now, in whole lines of at most PIPE_BUF per write
 * (a line longer than that alone).  Returns 0, or -1 when the target failed. */
static int
accesslog_pipe_write(struct accesslog *l)
{
	size_t off = 0;

	while (off < l->len) {
		size_t chunk = l->len - off, cut;
		const char *nl;
		ssize_t n;

		if (chunk > PIPE_BUF) {
			/* the last line end within PIPE_BUF, else the first line whole */
			for (cut = PIPE_BUF; cut > 0 && l->buf[off + cut - 1] != '\n'; cut--)
				;
			if (cut == 0 && (nl = memchr(l->buf + off, '\n', chunk)) != NULL)
				cut = (size_t)(nl - (l->buf + off)) + 1;
			if (cut > 0)
				chunk = cut;
		}
		if ((n = accesslog_try_write(l, l->buf + off, chunk)) < 0) {
			memmove(l->buf, l->buf + off, l->len - off);
			l->len -= off;
			return -1;
		}
		off += (size_t)n;
		if ((size_t)n < chunk)
			break;   /* full (a socket may take part of a chunk: its tail stays first) */
	}
	memmove(l->buf, l->buf + off, l->len - off);
	l->len -= off;
	return 0;
}

/* Lines the target will never take: counted as dropped.  Under l->mu. */
static void
accesslog_discard(struct accesslog *l)
{
	unsigned long n = accesslog_count_lines(l->buf, l->len);

	l->dropped += n;
	l->dropped_total += n;
	l->len = 0;
}

/* Put the #Remark for lines dropped into the buffer, if it fits.  Under l->mu. */
static void
accesslog_remark(struct accesslog *l)
{
	char note[96];
	int n;

	if (l->dropped == 0)
		return;
	n = snprintf(note, sizeof(note), "#Remark: %lu lines dropped (pipe full)\n", l->dropped);
	if (n <= 0 || n > ACCESSLOG_REMARK_MAX || (size_t)n > ACCESSLOG_BUF_MAX - l->len)
		return;
	memcpy(l->buf + l->len, note, (size_t)n);
	l->len += (size_t)n;
	log_warnx("access log %s: %lu lines dropped (pipe full)", l->path, l->dropped);
	l->dropped = 0;
}

/* Write the buffer.  Under l->mu. */
static void
accesslog_flush_locked(struct accesslog *l)
{
	if (l->target == ACCESSLOG_FILE) {
		accesslog_put_fd(l->fd, l->buf, l->len);
		l->len = 0;
		return;
	}
	if (accesslog_pipe_write(l) != 0) {
		accesslog_discard(l);   /* the reader is gone */
		return;
	}
	if (l->dropped > 0 && ACCESSLOG_BUF_MAX - l->len >= ACCESSLOG_REMARK_MAX) {
		/* room again: say what was lost, after the lines that came before */
		accesslog_remark(l);
		if (accesslog_pipe_write(l) != 0)
			accesslog_discard(l);
	}
}

/* Append one line (or the header block) and write it now or schedule the write. */
static void
accesslog_put(struct accesslog *l, const char *line, size_t len)
{
	size_t need;
	int held;

	if (len == 0)
		return;
	pthread_mutex_lock(&l->mu);
	/* room for the line, and for the #Remark that must come first when lines were lost */
	need = len + (l->dropped > 0 ? ACCESSLOG_REMARK_MAX : 0);
	if (need > ACCESSLOG_BUF_MAX - l->len)
		accesslog_flush_locked(l);   /* a pipe full all along: one failed write per line */
	need = len + (l->dropped > 0 ? ACCESSLOG_REMARK_MAX : 0);
	if (need <= ACCESSLOG_BUF_MAX - l->len) {
		accesslog_remark(l);
		memcpy(l->buf + l->len, line, len);
		l->len += len;
		if (accesslog_sched == NULL || l->len >= ACCESSLOG_FLUSH_AT)
			accesslog_flush_locked(l);
	} else if (l->target == ACCESSLOG_FILE) {
		accesslog_put_fd(l->fd, line, len);   /* larger than the buffer itself */
	} else {
		l->dropped++;
		l->dropped_total++;
	}
	held = l->len > 0 || l->dropped > 0;
	pthread_mutex_unlock(&l->mu);
	/* what is held is written at the end of this loop pass (and retried from there) */
	if (held && accesslog_sched != NULL && !accesslog_sched_armed) {
		accesslog_sched_armed = 1;
		accesslog_sched(accesslog_sched_arg);
	}
}

void
accesslog_thread_hook(void (*schedule)(void *arg), void *arg)
{
	accesslog_sched = schedule;
	accesslog_sched_arg = arg;
	accesslog_sched_armed = 0;
}

int
accesslog_flush(struct accesslog *l)
{
	int left;

	if (l == NULL)
		return 0;
	pthread_mutex_lock(&l->mu);
	if (l->len > 0 || l->dropped > 0)
		accesslog_flush_locked(l);
	left = l->len > 0 || l->dropped > 0;
	pthread_mutex_unlock(&l->mu);
	return left;
}

int
accesslog_flush_all(void)
{
	struct accesslog *l;
	int left = 0;

	accesslog_sched_armed = 0;
	pthread_mutex_lock(&accesslog_reg_mu);
	for (l = accesslog_reg; l != NULL; l = l->next)
		left |= accesslog_flush(l);
	pthread_mutex_unlock(&accesslog_reg_mu);
	return left;
}

unsigned long
accesslog_dropped(struct accesslog *l)
{
	unsigned long n;

	pthread_mutex_lock(&l->mu);
	n = l->dropped_total;
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* The #Software ... #Fields block IIS writes at the top of each file, formatted into buf. */
static size_t
accesslog_header(const struct accesslog *l, char *buf, size_t len)
{
	char date[16], tod[16];
	int n;

	accesslog_stamp(time(NULL), date, sizeof(date), tod, sizeof(tod));
	if (l->kind == ACCESSLOG_W3C)
		n = snprintf(buf, len, "#Software: Microsoft Internet Information Services 10.0\n"
		    "#Version: 1.0\n#Date: %s %s\n%s\n", date, tod, accesslog_w3c_fields);
	else
		n = snprintf(buf, len, "#Software: Microsoft HTTP API 2.0\n"
		    "#Version: 1.0\n#Date: %s %s\n%s\n", date, tod, accesslog_httperr_fields);
	if (n < 0)
		return 0;
	return (size_t)n >= len ? len - 1 : (size_t)n;
}

/*
 * What kind of target fd is, and a descriptor to write it without blocking.  Standard
 * output's open file description is shared with whoever started the daemon, so a pipe
 * there is opened again through /proc (a description of our own, O_NONBLOCK) rather than
 * switched to non-blocking under the shell's feet; a socket is written with MSG_DONTWAIT.
 * Returns the descriptor to write (fd itself, or a new one).
 */
static int
accesslog_target(struct accesslog *l, int fd)
{
	struct stat st;
	char proc[64];
	int nfd, fl;

	l->target = ACCESSLOG_FILE;
	if (fstat(fd, &st) != 0)
		return fd;
	if (S_ISSOCK(st.st_mode)) {
		l->target = ACCESSLOG_SOCKET;
		return fd;
	}
	if (!S_ISFIFO(st.st_mode))
		return fd;
	l->target = ACCESSLOG_PIPE;
	if (l->is_stdout) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if ((nfd = open(proc, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0) {
			l->own_fd = 1;
			return nfd;
		}
	}
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fd;
}

struct accesslog *
accesslog_open(const char *path, enum accesslog_kind kind, char *err, size_t errlen)
{
	struct accesslog *l;
	char head[512];
	int fd;

	if ((l = calloc(1, sizeof(*l))) == NULL || (l->path = strdup(path)) == NULL ||
	    (l->buf = malloc(ACCESSLOG_BUF_MAX)) == NULL) {
		if (l != NULL)
			free(l->path);
		free(l);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->kind = kind;
	if (strcmp(path, "-") == 0) {
		fflush(stdout);
		fd = STDOUT_FILENO;
		l->is_stdout = 1;
	} else if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(l->buf);
		free(l->path);
		free(l);
		return NULL;
	} else {
		l->own_fd = 1;
	}
	l->fd = accesslog_target(l, fd);
	pthread_mutex_init(&l->mu, NULL);
	pthread_mutex_lock(&l->mu);
	l->len = accesslog_header(l, head, sizeof(head));
	memcpy(l->buf, head, l->len);
	accesslog_flush_locked(l);
	pthread_mutex_unlock(&l->mu);
	pthread_mutex_lock(&accesslog_reg_mu);
	l->next = accesslog_reg;
	accesslog_reg = l;
	pthread_mutex_unlock(&accesslog_reg_mu);
	return l;
}

int
accesslog_reopen(struct accesslog *l, char *err, size_t errlen)
{
	char head[512];
	int fd, rc = 0;

	if (l == NULL || l->is_stdout)
		return 0;
	/* O_NONBLOCK: a FIFO nobody reads must not hang the daemon's thread (and with it
	 * every later signal); ENXIO then keeps the file open now */
	if ((fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK,
	    0644)) < 0) {
		snprintf(err, errlen, "%s: %s%s", l->path, strerror(errno), errno == ENXIO ?
		    " (a FIFO nobody reads: the one open now is kept)" : "");
		return -1;
	}
	pthread_mutex_lock(&l->mu);
	/* the lines logged so far end the old file; the header starts the new one, before
	 * the swap lets anything else in */
	accesslog_flush_locked(l);
	fd = accesslog_target(l, fd);
	accesslog_put_fd(fd, head, accesslog_header(l, head, sizeof(head)));
	if (dup3(fd, l->fd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		rc = -1;
	}
	pthread_mutex_unlock(&l->mu);
	close(fd);
	return rc;
}

int
accesslog_chown(struct accesslog *l, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (l == NULL || l->is_stdout)
		return 0;
	if (fchown(l->fd, uid, gid) != 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		return -1;
	}
	return 0;
}

const char *
accesslog_path(const struct accesslog *l)
{
	return l->path;
}

void
accesslog_close(struct accesslog *l)
{
	struct accesslog **pp;
	struct pollfd pfd;
	struct timespec t0, t;

	if (l == NULL)
		return;
	pthread_mutex_lock(&accesslog_reg_mu);
	for (pp = &accesslog_reg; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	pthread_mutex_unlock(&accesslog_reg_mu);
	pthread_mutex_lock(&l->mu);
	accesslog_flush_locked(l);
	/* the last lines: a pipe gets a moment to take them, then they are counted lost */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (l->target != ACCESSLOG_FILE && (l->len > 0 || l->dropped > 0)) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >=
		    ACCESSLOG_CLOSE_MS)
			break;
		pfd.fd = l->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			break;
		accesslog_flush_locked(l);
	}
	if (l->len > 0) {
		accesslog_discard(l);
		log_warnx("access log %s: %lu lines dropped at exit (pipe full)", l->path,
		    l->dropped);
	}
	pthread_mutex_unlock(&l->mu);
	pthread_mutex_destroy(&l->mu);
	if (l->own_fd)
		close(l->fd);
	free(l->buf);
	free(l->path);
	free(l);
}

void
accesslog_field(const char *s, char *out, size_t outlen)
{
	size_t i = 0;

	if (outlen == 0)
		return;
	if (s == NULL || *s == '\0') {
		snprintf(out, outlen, "-");
		return;
	}
	for (; *s != '\0' && i + 1 < outlen; s++, i++) {
		unsigned char ch = (unsigned char)*s;
		out[i] = (ch <= ' ' || ch == 0x7f) ? '+' : (char)ch;
	}
	out[i] = '\0';
}

void
accesslog_w3c_write(struct accesslog *l, const struct accesslog_w3c *e)
{
	char date[16], tod[16], line[4096];
	char sip[64], meth[64], stem[1024], query[1024], cip[64], ua[512], ref[512];
	char site[256], host[272], sni[272], thumb[48], verdict[32], ver[24], coal[272];
	int n;

	if (l == NULL)
		return;
	accesslog_stamp(e->when, date, sizeof(date), tod, sizeof(tod));
	accesslog_field(e->s_ip, sip, sizeof(sip));
	accesslog_field(e->method, meth, sizeof(meth));
	accesslog_field(e->uri_stem, stem, sizeof(stem));
	accesslog_field(e->uri_query, query, sizeof(query));
	accesslog_field(e->c_ip, cip, sizeof(cip));
	accesslog_field(e->user_agent, ua, sizeof(ua));
	accesslog_field(e->referer, ref, sizeof(ref));
	accesslog_field(e->site, site, sizeof(site));
	accesslog_field(e->host, host, sizeof(host));
	accesslog_field(e->sni, sni, sizeof(sni));
	accesslog_field(e->thumbprint, thumb, sizeof(thumb));
	accesslog_field(e->verdict, verdict, sizeof(verdict));
	accesslog_field(e->version, ver, sizeof(ver));
	accesslog_field(e->coalesced, coal, sizeof(coal));
	n = snprintf(line, sizeof(line),
	    "%s %s %s %s %s %s %u - %s %s %s %s %d %d %lu %ld %s %s %s %s %s %s\n",
	    date, tod, sip, meth, stem, query, e->s_port, cip, ver, ua, ref, e->status,
	    e->substatus, e->win32_status, e->time_taken_ms, site, host, sni, thumb, verdict,
	    coal);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line)) {
		line[sizeof(line) - 2] = '\n';
		n = (int)sizeof(line) - 1;
	}
	accesslog_put(l, line, (size_t)n);
}

void
accesslog_httperr_write(struct accesslog *l, const struct accesslog_httperr *e)
{
	char date[16], tod[16], line[6144];
	char cip[64], sip[64], ver[32], meth[256], uri[4097], reason[64], queue[256];
	char status[16], siteid[24], stream[16];
	int n;

	if (l == NULL)
		return;
	accesslog_stamp(e->when, date, sizeof(date), tod, sizeof(tod));
	if (e->stream_id > 0)
		snprintf(stream, sizeof(stream), "%u", e->stream_id);
	else
		snprintf(stream, sizeof(stream), "-");
	accesslog_field(e->c_ip, cip, sizeof(cip));
	accesslog_field(e->s_ip, sip, sizeof(sip));
	accesslog_field(e->version, ver, sizeof(ver));
	accesslog_field(e->method, meth, sizeof(meth));
	accesslog_field(e->uri, uri, sizeof(uri));
	accesslog_field(e->reason, reason, sizeof(reason));
	accesslog_field(e->queue, queue, sizeof(queue));
	if (e->status > 0)
		snprintf(status, sizeof(status), "%d", e->status);
	else
		snprintf(status, sizeof(status), "-");
	if (e->site_id > 0)
		snprintf(siteid, sizeof(siteid), "%ld", e->site_id);
	else
		snprintf(siteid, sizeof(siteid), "-");
	n = snprintf(line, sizeof(line), "%s %s %s %u %s %u %s %s %s %s %s %s %s %s\n",
	    date, tod, cip, e->c_port, sip, e->s_port, ver, meth, uri, stream, status, siteid,
	    reason, queue);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line)) {
		line[sizeof(line) - 2] = '\n';
		n = (int)sizeof(line) - 1;
	}
	accesslog_put(l, line, (size_t)n);
}
