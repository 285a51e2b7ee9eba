/*
 * accesslog — W3C extended and HTTPERR line formats and their header blocks.  Owns the
 * log files it opens; knows nothing about connections (the conn module fills the entry
 * structs).  Lines are written whole with one fwrite and flushed, so a reader tailing the
 * file never sees half a line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accesslog.h"

struct accesslog {
	FILE *fp;
	int   is_stdout;
	enum accesslog_kind kind;
};

static const char accesslog_w3c_fields[] =
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken "
    "s-sitename cs-host x-sni x-cert-thumbprint x-cert-verdict";
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

struct accesslog *
accesslog_open(const char *path, enum accesslog_kind kind, char *err, size_t errlen)
{
	struct accesslog *l;
	char date[16], tod[16];

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->kind = kind;
	if (strcmp(path, "-") == 0) {
		l->fp = stdout;
		l->is_stdout = 1;
	} else if ((l->fp = fopen(path, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(l);
		return NULL;
	}
	accesslog_stamp(time(NULL), date, sizeof(date), tod, sizeof(tod));
	if (kind == ACCESSLOG_W3C)
		fprintf(l->fp, "#Software: Microsoft Internet Information Services 10.0\n"
		    "#Version: 1.0\n#Date: %s %s\n%s\n", date, tod, accesslog_w3c_fields);
	else
		fprintf(l->fp, "#Software: Microsoft HTTP API 2.0\n"
		    "#Version: 1.0\n#Date: %s %s\n%s\n", date, tod, accesslog_httperr_fields);
	fflush(l->fp);
	return l;
}

void
accesslog_close(struct accesslog *l)
{
	if (l == NULL)
		return;
	if (l->is_stdout)
		fflush(l->fp);
	else
		fclose(l->fp);
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

static void
accesslog_put(struct accesslog *l, const char *line, int len)
{
	if (len <= 0)
		return;
	fwrite(line, 1, (size_t)len, l->fp);
	fflush(l->fp);
}

void
accesslog_w3c_write(struct accesslog *l, const struct accesslog_w3c *e)
{
	char date[16], tod[16], line[4096];
	char sip[64], meth[64], stem[1024], query[1024], cip[64], ua[512], ref[512];
	char site[256], host[272], sni[272], thumb[48], verdict[32];
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
	n = snprintf(line, sizeof(line), "%s %s %s %s %s %s %u - %s %s %s %d %d %d %ld %s %s %s %s %s\n",
	    date, tod, sip, meth, stem, query, e->s_port, cip, ua, ref, e->status,
	    e->substatus, e->win32_status, e->time_taken_ms, site, host, sni, thumb, verdict);
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
	char status[16], siteid[24];
	int n;

	if (l == NULL)
		return;
	accesslog_stamp(e->when, date, sizeof(date), tod, sizeof(tod));
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
	n = snprintf(line, sizeof(line), "%s %s %s %u %s %u %s %s %s - %s %s %s %s\n",
	    date, tod, cip, e->c_port, sip, e->s_port, ver, meth, uri, status, siteid,
	    reason, queue);
	if (n >= (int)sizeof(line)) {
		line[sizeof(line) - 2] = '\n';
		n = (int)sizeof(line) - 1;
	}
	accesslog_put(l, line, n);
}
