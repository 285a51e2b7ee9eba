/*
 * accesslog — W3C extended and HTTPERR line formats and their header blocks.  Owns the
 * log files it opens; knows nothing about connections (the conn module fills the entry
 * structs).  Each line is formatted into one buffer and written with a single write(2) on
 * a descriptor opened with O_APPEND, so worker threads may log at once without a lock and
 * a reader tailing the file never sees half a line or two lines interleaved.  Reopening
 * (SIGUSR1, after the file was rotated away) swaps the descriptor with dup2, which is
 * atomic for writers in other threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accesslog.h"

struct accesslog {
	int   fd;
	int   is_stdout;
	char *path;
	enum accesslog_kind kind;
};

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

/* Write len bytes to fd: one write(2) per line; a short write (disk full, a pipe)
 * finishes the line. */
static void
accesslog_put_fd(int fd, const char *line, int len)
{
	const char *p = line;
	size_t left;
	ssize_t n;

	if (len <= 0)
		return;
	left = (size_t)len;
	while (left > 0) {
		n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		left -= (size_t)n;
	}
}

static void
accesslog_put(struct accesslog *l, const char *line, int len)
{
	accesslog_put_fd(l->fd, line, len);
}

/* The #Software ... #Fields block IIS writes at the top of each file, to fd. */
static void
accesslog_header(struct accesslog *l, int fd)
{
	char date[16], tod[16], buf[512];
	int n;

	accesslog_stamp(time(NULL), date, sizeof(date), tod, sizeof(tod));
	if (l->kind == ACCESSLOG_W3C)
		n = snprintf(buf, sizeof(buf), "#Software: Microsoft Internet Information Services 10.0\n"
		    "#Version: 1.0\n#Date: %s %s\n%s\n", date, tod, accesslog_w3c_fields);
	else
		n = snprintf(buf, sizeof(buf), "#Software: Microsoft HTTP API 2.0\n"
		    "#Version: 1.0\n#Date: %s %s\n%s\n", date, tod, accesslog_httperr_fields);
	if (n >= (int)sizeof(buf))
		n = (int)sizeof(buf) - 1;
	accesslog_put_fd(fd, buf, n);
}

struct accesslog *
accesslog_open(const char *path, enum accesslog_kind kind, char *err, size_t errlen)
{
	struct accesslog *l;

	if ((l = calloc(1, sizeof(*l))) == NULL || (l->path = strdup(path)) == NULL) {
		free(l);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->kind = kind;
	if (strcmp(path, "-") == 0) {
		fflush(stdout);
		l->fd = STDOUT_FILENO;
		l->is_stdout = 1;
	} else if ((l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(l->path);
		free(l);
		return NULL;
	}
	accesslog_header(l, l->fd);
	return l;
}

int
accesslog_reopen(struct accesslog *l, char *err, size_t errlen)
{
	int fd;

	if (l == NULL || l->is_stdout)
		return 0;
	if ((fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		return -1;
	}
	/* The header goes in before the swap: once the descriptor is the new file's, worker
	 * threads write their lines into it, and the header must stay the first thing. */
	accesslog_header(l, fd);
	if (dup3(fd, l->fd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
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
	if (l == NULL)
		return;
	if (!l->is_stdout)
		close(l->fd);
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
	if (n >= (int)sizeof(line)) {
		line[sizeof(line) - 2] = '\n';
		n = (int)sizeof(line) - 1;
	}
	accesslog_put(l, line, n);
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
	if (n >= (int)sizeof(line)) {
		line[sizeof(line) - 2] = '\n';
		n = (int)sizeof(line) - 1;
	}
	accesslog_put(l, line, n);
}
