/*
 * respond — the responses sysbind makes itself.  Owns HTTP.SYS's error pages, byte for
 * byte (HTTP.SYS's template, header order and texts), the HTTPERR reason for a parse
 * error, the IMF-fixdate, and the built-in diagnostic page (JSON or a self-contained HTML
 * timeline with a legend and the fix for its verdict).  Pure formatting into evbuffers:
 * it does not decide when to answer, and it never touches a socket.
 *
 * Texts HTTP.SYS never showed us (sysbind's choice, same template and style):
 *   501 Not Implemented            "HTTP Error 501. The request transfer encoding is not implemented."
 *   505 HTTP Version Not Supported "HTTP Error 505. The HTTP version of the request is not supported."
 *   502 Bad Gateway                "HTTP Error 502. The server received an invalid response from the upstream server."
 *   504 Gateway Timeout            "HTTP Error 504. The upstream server did not respond in time."
 *
 * IIS's pages: a remote client gets IIS's custom error file, the same 403.htm for every
 * 403.x (the sub-status is only in the log), 500.htm for 500.x, in IIS's XHTML template
 * (iso-8859-1, CRLF lines, its style block), with IIS's headers: Content-Type: text/html,
 * Server: Microsoft-IIS/10.0 (none when server_header is empty), X-Powered-By: ASP.NET.
 * IIS ships no 413.htm and the bytes of its 413 are NOT FOUND: sysbind sends the sentence
 * reported for it ("The page was not displayed because the request entity is too large.")
 * in the same template.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model/respond.h"

struct page_text {
	int status;
	int iis;                  /* IIS's template (title, h2 = title, h3 = p) */
	const char *status_text;  /* after the code on the status line */
	const char *title;
	const char *h2;
	const char *p;
};

/* Indexed by enum respond_page. */
static const struct page_text pages[] = {
	[PAGE_BAD_REQUEST] = { 400, 0, "Bad Request", "Bad Request", "Bad Request",
	    "HTTP Error 400. The request is badly formed." },
	[PAGE_INVALID_HOSTNAME] = { 400, 0, "Bad Request", "Bad Request",
	    "Bad Request - Invalid Hostname", "HTTP Error 400. The request hostname is invalid." },
	[PAGE_INVALID_VERB] = { 400, 0, "Bad Request", "Bad Request", "Bad Request - Invalid Verb",
	    "HTTP Error 400. The request verb is invalid." },
	[PAGE_INVALID_URL] = { 400, 0, "Bad Request", "Bad Request", "Bad Request - Invalid URL",
	    "HTTP Error 400. The request URL is invalid." },
	[PAGE_INVALID_HEADER] = { 400, 0, "Bad Request", "Bad Request",
	    "Bad Request - Invalid Header", "HTTP Error 400. The request has an invalid header name." },
	[PAGE_REQUEST_TOO_LONG] = { 400, 0, "Bad Request", "Bad Request",
	    "Bad Request - Request Too Long",
	    "HTTP Error 400. The size of the request headers is too long." },
	[PAGE_NOT_FOUND] = { 404, 0, "Not Found", "Not Found", "Not Found",
	    "HTTP Error 404. The requested resource is not found." },
	[PAGE_LENGTH_REQUIRED] = { 411, 0, "Length Required", "Length Required", "Length Required",
	    "HTTP Error 411. The request must be chunked or have a content length." },
	[PAGE_URL_TOO_LONG] = { 414, 0, "Request URL Too Long", "Request URL Too Long",
	    "Request URL Too Long", "HTTP Error 414. The request URL is too long." },
	[PAGE_NOT_IMPLEMENTED] = { 501, 0, "Not Implemented", "Not Implemented", "Not Implemented",
	    "HTTP Error 501. The request transfer encoding is not implemented." },
	[PAGE_SERVICE_UNAVAILABLE] = { 503, 0, "Service Unavailable", "Service Unavailable",
	    "Service Unavailable", "HTTP Error 503. The service is unavailable." },
	[PAGE_VERSION] = { 505, 0, "HTTP Version Not Supported", "HTTP Version Not Supported",
	    "HTTP Version Not Supported",
	    "HTTP Error 505. The HTTP version of the request is not supported." },
	[PAGE_BAD_GATEWAY] = { 502, 0, "Bad Gateway", "Bad Gateway", "Bad Gateway",
	    "HTTP Error 502. The server received an invalid response from the upstream server." },
	[PAGE_GATEWAY_TIMEOUT] = { 504, 0, "Gateway Timeout", "Gateway Timeout", "Gateway Timeout",
	    "HTTP Error 504. The upstream server did not respond in time." },
	/* sysbind's (misdirected = 421): HTTP.SYS has no 421 */
	[PAGE_MISDIRECTED] = { 421, 0, "Misdirected Request", "Misdirected Request",
	    "Misdirected Request",
	    "HTTP Error 421. The request was sent on a connection whose certificate was chosen "
	    "for another host name." },
	/* sysbind's: HTTP.SYS never forwards, so never loops; RFC 5842's code says what */
	[PAGE_LOOP_DETECTED] = { 508, 0, "Loop Detected", "Loop Detected", "Loop Detected",
	    "HTTP Error 508. The request came back to the server that forwarded it: a site's "
	    "backend leads back to this server. It was not forwarded again." },
	[PAGE_IIS_FORBIDDEN] = { 403, 1, "Forbidden", "403 - Forbidden: Access is denied.", NULL,
	    "You do not have permission to view this directory or page using the credentials "
	    "that you supplied." },
	[PAGE_IIS_TOO_LARGE] = { 413, 1, "Request Entity Too Large",
	    "413 - Request Entity Too Large.", NULL,
	    "The page was not displayed because the request entity is too large." },
	[PAGE_IIS_SERVER_ERROR] = { 500, 1, "Internal Server Error",
	    "500 - Internal server error.", NULL,
	    "There is a problem with the resource you are looking for, and it cannot be "
	    "displayed." },
};

#define NPAGES (sizeof(pages) / sizeof(pages[0]))

static const struct page_text *page_get(enum respond_page p)
{
	return (unsigned)p < NPAGES ? &pages[p] : &pages[PAGE_BAD_REQUEST];
}

int respond_page_is_iis(enum respond_page p)
{
	return page_get(p)->iis;
}

int respond_page_status(enum respond_page p)
{
	return page_get(p)->status;
}

enum respond_page respond_page_for_error(enum http_error e, const char **reason)
{
	enum respond_page pg = PAGE_BAD_REQUEST;
	const char *r = "BadRequest";

	switch (e) {
	case HTTP_ERR_NONE:
	case HTTP_ERR_BAD_REQUEST:      break;
	case HTTP_ERR_VERB:             pg = PAGE_INVALID_VERB; r = "Verb"; break;
	case HTTP_ERR_URL:              pg = PAGE_INVALID_URL; r = "URL"; break;
	case HTTP_ERR_HEADER:           pg = PAGE_INVALID_HEADER; r = "Header"; break;
	case HTTP_ERR_HOSTNAME:         pg = PAGE_INVALID_HOSTNAME; r = "Hostname"; break;
	case HTTP_ERR_REQUEST_LENGTH:   pg = PAGE_REQUEST_TOO_LONG; r = "RequestLength"; break;
	case HTTP_ERR_FIELD_LENGTH:     pg = PAGE_REQUEST_TOO_LONG; r = "FieldLength"; break;
	case HTTP_ERR_URL_LENGTH:       pg = PAGE_URL_TOO_LONG; r = "URL_Length"; break;
	case HTTP_ERR_LENGTH_REQUIRED:  pg = PAGE_LENGTH_REQUIRED; r = "LengthRequired"; break;
	case HTTP_ERR_NOT_IMPLEMENTED:  pg = PAGE_NOT_IMPLEMENTED; r = "N/I"; break;
	case HTTP_ERR_VERSION:          pg = PAGE_VERSION; r = "Version_N/S"; break;
	case HTTP_ERR_INVALID_CRLF:     pg = PAGE_BAD_REQUEST; r = "Invalid_CR/LF"; break;
	/* not an HTTP.SYS reason: HTTP.SYS never proxies; sysbind's own word */
	case HTTP_ERR_BAD_RESPONSE:     pg = PAGE_BAD_GATEWAY; r = "BadResponse"; break;
	}
	if (reason != NULL)
		*reason = r;
	return pg;
}

void respond_http_date(time_t t, char *buf, size_t len)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (len == 0)
		return;
	if (gmtime_r(&t, &tm) == NULL) {
		buf[0] = '\0';
		return;
	}
	/* by hand, not strftime: the names must not follow the locale */
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
	    tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

int respond_error_body(struct evbuffer *out, enum respond_page p)
{
	const struct page_text *t = page_get(p);

	if (t->iis)
		return evbuffer_add_printf(out,
		    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
		    "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n"
		    "<html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n"
		    "<head>\r\n"
		    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"/>\r\n"
		    "<title>%s</title>\r\n"
		    "<style type=\"text/css\">\r\n"
		    "<!--\r\n"
		    "body{margin:0;font-size:.7em;font-family:Verdana, Arial, Helvetica, sans-serif;"
		    "background:#EEEEEE;}\r\n"
		    "fieldset{padding:0 15px 10px 15px;} \r\n"
		    "h1{font-size:2.4em;margin:0;color:#FFF;}\r\n"
		    "h2{font-size:1.7em;margin:0;color:#CC0000;} \r\n"
		    "h3{font-size:1.2em;margin:10px 0 0 0;color:#000000;} \r\n"
		    "#header{width:96%%;margin:0 0 0 0;padding:6px 2%% 6px 2%%;font-family:\"trebuchet "
		    "MS\", Verdana, sans-serif;color:#FFF;\r\n"
		    "background-color:#555555;}\r\n"
		    "#content{margin:0 0 0 2%%;position:relative;}\r\n"
		    ".content-container{background:#FFF;width:96%%;margin-top:8px;padding:10px;"
		    "position:relative;}\r\n"
		    "-->\r\n"
		    "</style>\r\n"
		    "</head>\r\n"
		    "<body>\r\n"
		    "<div id=\"header\"><h1>Server Error</h1></div>\r\n"
		    "<div id=\"content\">\r\n"
		    " <div class=\"content-container\"><fieldset>\r\n"
		    "  <h2>%s</h2>\r\n"
		    "  <h3>%s</h3>\r\n"
		    " </fieldset></div>\r\n"
		    "</div>\r\n"
		    "</body>\r\n"
		    "</html>\r\n", t->title, t->title, t->p) < 0 ? -1 : 0;

	return evbuffer_add_printf(out,
	    "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\""
	    "\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
	    "<HTML><HEAD><TITLE>%s</TITLE>\r\n"
	    "<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n"
	    "<BODY><h2>%s</h2>\r\n"
	    "<hr><p>%s</p>\r\n"
	    "</BODY></HTML>\r\n", t->title, t->h2, t->p) < 0 ? -1 : 0;
}

void respond_msg_clear(struct respond_msg *m)
{
	if (m->body != NULL)
		evbuffer_free(m->body);
	memset(m, 0, sizeof(*m));
}

static void msg_field(struct respond_msg *m, const char *name, const char *value)
{
	if (m->nfields < RESPOND_MSG_FIELDS) {
		m->fields[m->nfields].name = (char *)name;
		m->fields[m->nfields].value = (char *)value;
		m->nfields++;
	}
}

int respond_error_msg(struct respond_msg *m, enum respond_page p, const char *server,
    time_t now, int head_only)
{
	const struct page_text *t = page_get(p);

	memset(m, 0, sizeof(*m));
	if ((m->body = evbuffer_new()) == NULL || respond_error_body(m->body, p) == -1) {
		respond_msg_clear(m);
		return -1;
	}
	m->status = t->status;
	m->reason = t->status_text;
	m->head_only = head_only;
	respond_http_date(now, m->date, sizeof(m->date));
	snprintf(m->length, sizeof(m->length), "%zu", evbuffer_get_length(m->body));
	if (t->iis) {
		/* IIS's headers; the framing says Connection: close when it closes */
		msg_field(m, "Content-Type", "text/html");
		if (server != NULL && *server != '\0')
			msg_field(m, "Server", "Microsoft-IIS/10.0");
		msg_field(m, "X-Powered-By", "ASP.NET");
		msg_field(m, "Date", m->date);
		msg_field(m, "Content-Length", m->length);
		return 0;
	}
	msg_field(m, "Content-Type", "text/html; charset=us-ascii");
	if (server != NULL && *server != '\0')
		msg_field(m, "Server", server);
	msg_field(m, "Date", m->date);
	msg_field(m, "Connection", "close");
	msg_field(m, "Content-Length", m->length);
	return 0;
}

int respond_msg_add_field(struct respond_msg *m, const char *name, const char *value)
{
	size_t i, at = m->nfields;

	if (m->nfields >= RESPOND_MSG_FIELDS)
		return -1;
	for (i = 0; i < m->nfields; i++)
		if (strcasecmp(m->fields[i].name, "Content-Length") == 0)
			at = i;
	memmove(&m->fields[at + 1], &m->fields[at], (m->nfields - at) * sizeof(m->fields[0]));
	memset(&m->fields[at], 0, sizeof(m->fields[at]));
	m->fields[at].name = (char *)name;
	m->fields[at].value = (char *)value;
	m->nfields++;
	return 0;
}

int respond_redirect_msg(struct respond_msg *m, const char *location, const char *server,
    time_t now, int head_only)
{
	memset(m, 0, sizeof(*m));
	m->status = 301;
	m->reason = "Moved Permanently";
	m->head_only = head_only;
	respond_http_date(now, m->date, sizeof(m->date));
	snprintf(m->length, sizeof(m->length), "0");
	msg_field(m, "Location", location);
	if (server != NULL && *server != '\0')
		msg_field(m, "Server", "Microsoft-IIS/10.0");
	msg_field(m, "X-Powered-By", "ASP.NET");
	msg_field(m, "Date", m->date);
	msg_field(m, "Content-Length", m->length);
	return 0;
}

int respond_https_location(const char *host, const char *target, char *out, size_t len)
{
	size_t hl;
	int n;

	if (host == NULL)
		host = "";
	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		hl = close != NULL ? (size_t)(close + 1 - host) : strlen(host);
	} else {
		const char *colon = strrchr(host, ':');

		hl = colon != NULL ? (size_t)(colon - host) : strlen(host);
	}
	if (target == NULL || target[0] == '\0')
		target = "/";
	n = snprintf(out, len, "https://%.*s%s%s", (int)hl, host, target[0] == '/' ? "" : "/",
	    target);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int respond_msg_write(const struct respond_msg *m, int close, struct evbuffer *out)
{
	int has_connection = 0;

	if (evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", m->status, m->reason) < 0)
		return -1;
	for (size_t i = 0; i < m->nfields; i++) {
		if (strcasecmp(m->fields[i].name, "Connection") == 0)
			has_connection = 1;
		if (evbuffer_add_printf(out, "%s: %s\r\n", m->fields[i].name,
		    m->fields[i].value) < 0)
			return -1;
	}
	if (close && !has_connection && evbuffer_add(out, "Connection: close\r\n", 19) != 0)
		return -1;
	if (evbuffer_add(out, "\r\n", 2) != 0)
		return -1;
	if (!m->head_only && m->body != NULL &&
	    evbuffer_add(out, evbuffer_pullup(m->body, -1), evbuffer_get_length(m->body)) != 0)
		return -1;
	return 0;
}

int respond_error(struct evbuffer *out, enum respond_page p, const char *server,
    time_t now, int head_only)
{
	struct respond_msg m;
	int rc;

	if (respond_error_msg(&m, p, server, now, head_only) != 0)
		return -1;
	rc = respond_msg_write(&m, 1, out);
	respond_msg_clear(&m);
	return rc;
}

/* ---------- diagnostic page ---------- */

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;

		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;

		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
		    (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

void respond_json_escape(const char *s, void (*put)(void *arg, const char *p, size_t n),
    void *arg)
{
	char u[8];
	size_t n;

	if (s == NULL) {
		put(arg, "null", 4);
		return;
	}
	put(arg, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"':  put(arg, "\\\"", 2); break;
		case '\\': put(arg, "\\\\", 2); break;
		case '\n': put(arg, "\\n", 2); break;
		case '\r': put(arg, "\\r", 2); break;
		case '\t': put(arg, "\\t", 2); break;
		case '\b': put(arg, "\\b", 2); break;
		case '\f': put(arg, "\\f", 2); break;
		default:
			if (*c >= 0x80 && (n = utf8_len(c)) > 0) {
				put(arg, (const char *)c, n);
				c += n - 1;
			} else if (*c < 0x20 || *c >= 0x7f) {
				snprintf(u, sizeof(u), "\\u%04x", *c);
				put(arg, u, 6);
			} else {
				put(arg, (const char *)c, 1);
			}
		}
	}
	put(arg, "\"", 1);
}

static void json_put_evbuffer(void *arg, const char *p, size_t n)
{
	evbuffer_add(arg, p, n);
}

/* A JSON string (or null) into b (respond_json_escape). */
static void json_str(struct evbuffer *b, const char *s)
{
	respond_json_escape(s, json_put_evbuffer, b);
}

static void json_key(struct evbuffer *b, const char *indent, const char *key, const char *s,
    int last)
{
	evbuffer_add_printf(b, "%s\"%s\": ", indent, key);
	json_str(b, s);
	evbuffer_add(b, last ? "\n" : ",\n", last ? 1 : 2);
}

/* The decisions, named at this edge. */
static const char *d_verdict(const struct respond_diag *d)
{
	return d->verdict < 0 ? NULL : certstore_verdict_name((enum cert_verdict)d->verdict);
}

static const char *d_mode(const struct respond_diag *d)
{
	return d->mode == 0 ? NULL : conf_mode_name(d->mode);
}

static const char *d_tier(const struct respond_diag *d)
{
	return d->route_tier == 0 ? NULL : binding_route_tier_name(d->route_tier);
}

/* "chain_sent": [lines], "clients": [{family, gets}] (issue 23): the chain as sent and
 * each client family's outcome when it is incomplete or stale; null when none. */
static void diag_json_chain(struct evbuffer *b, const struct respond_diag *d)
{
	evbuffer_add_printf(b, "  \"chain_sent\": %s", d->chain_sent != NULL ? "[" : "null");
	for (size_t i = 0; d->chain_sent != NULL && i < d->nchain_sent; i++) {
		if (i > 0)
			evbuffer_add(b, ", ", 2);
		json_str(b, d->chain_sent[i]);
	}
	evbuffer_add_printf(b, "%s,\n  \"clients\": %s", d->chain_sent != NULL ? "]" : "",
	    d->clients != NULL ? "[" : "null");
	for (size_t i = 0; d->clients != NULL && i < d->nclients; i++) {
		evbuffer_add_printf(b, "%s{\"family\": ", i > 0 ? ", " : "");
		json_str(b, d->clients[i].family);
		evbuffer_add_printf(b, ", \"gets\": ");
		json_str(b, d->clients[i].gets);
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add_printf(b, "%s,\n", d->clients != NULL ? "]" : "");
}

static void diag_json(struct evbuffer *b, const struct respond_diag *d)
{
	evbuffer_add(b, "{\n", 2);
	json_key(b, "  ", "site", d->site, 0);
	if (d->site_id >= 0)
		evbuffer_add_printf(b, "  \"site_id\": %ld,\n", d->site_id);
	else
		evbuffer_add_printf(b, "  \"site_id\": null,\n");
	json_key(b, "  ", "binding", d->binding, 0);
	json_key(b, "  ", "local", d->local, 0);
	json_key(b, "  ", "client", d->client, 0);
	json_key(b, "  ", "host", d->host, 0);
	json_key(b, "  ", "sni", d->sni, 0);
	json_key(b, "  ", "mode", d_mode(d), 0);
	if (d->tls) {
		evbuffer_add_printf(b, "  \"certificate\": {\n");
		json_key(b, "    ", "subject", d->cert_subject, 0);
		evbuffer_add_printf(b, "    \"sans\": [");
		for (size_t i = 0; i < d->cert_nsans && d->cert_sans != NULL; i++) {
			if (i > 0)
				evbuffer_add(b, ", ", 2);
			json_str(b, d->cert_sans[i]);
		}
		evbuffer_add_printf(b, "],\n");
		json_key(b, "    ", "thumbprint", d->cert_thumbprint, 0);
		json_key(b, "    ", "not_after", d->cert_not_after, 0);
		json_key(b, "    ", "selected_by", d->selected_by, 1);
		evbuffer_add_printf(b, "  },\n");
	} else {
		evbuffer_add_printf(b, "  \"certificate\": null,\n");
	}
	json_key(b, "  ", "verdict", d_verdict(d), 0);
	if (d->tls) {
		evbuffer_add_printf(b, "  \"tls\": {");
		evbuffer_add_printf(b, "\"version\": ");
		json_str(b, d->tls_version);
		evbuffer_add_printf(b, ", \"cipher\": ");
		json_str(b, d->tls_cipher);
		evbuffer_add_printf(b, "},\n");
		json_key(b, "  ", "coalesced_sni", d->coalesced_sni, 0);
	} else {
		evbuffer_add_printf(b, "  \"tls\": null,\n");
	}
	json_key(b, "  ", "http_version", d->http_version, 0);
	json_key(b, "  ", "verdict_why", d->verdict_why, 0);
	json_key(b, "  ", "fix", d->fix, 0);
	diag_json_chain(b, d);
	json_key(b, "  ", "route_tier", d_tier(d), 0);
	evbuffer_add_printf(b, "  \"sni_used\": %s,\n", d->sni_used ? "true" : "false");
	evbuffer_add_printf(b, "  \"cert_steps\": [");
	for (size_t i = 0; i < d->ncert_steps && i < CERT_TRACE_MAX; i++) {
		if (i > 0)
			evbuffer_add(b, ", ", 2);
		json_str(b, d->cert_steps[i]);
	}
	evbuffer_add_printf(b, "],\n");
	evbuffer_add_printf(b, "  \"hsts\": {\"strict_transport_security\": ");
	json_str(b, d->hsts);
	evbuffer_add_printf(b, ", \"redirect_http\": %s},\n", d->hsts_redirect ? "true" :
	    "false");
	if (d->cc_flags != NULL) {
		static const char *const rounds[] = { NULL, "handshake", "renegotiation" };

		evbuffer_add_printf(b, "  \"client_certificate\": {\n");
		json_key(b, "    ", "ssl_flags", d->cc_flags, 0);
		json_key(b, "    ", "from", d->cc_where, 0);
		json_key(b, "    ", "asked_in", d->cc_round >= 0 && d->cc_round <= 2 ?
		    rounds[d->cc_round] : NULL, 0);
		json_key(b, "    ", "subject", d->cc_subject, 0);
		json_key(b, "    ", "verdict", d->cc_verdict, 0);
		json_key(b, "    ", "why", d->cc_why, 0);
		json_key(b, "    ", "fix", d->cc_fix, 1);
		evbuffer_add_printf(b, "  }\n}\n");
	} else {
		evbuffer_add_printf(b, "  \"client_certificate\": null\n}\n");
	}
}

/* HTML text: NULL shows as "-"; markup characters and non-ASCII bytes as references. */
static void html_str(struct evbuffer *b, const char *s)
{
	if (s == NULL) {
		evbuffer_add(b, "-", 1);
		return;
	}
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '&':  evbuffer_add(b, "&amp;", 5); break;
		case '<':  evbuffer_add(b, "&lt;", 4); break;
		case '>':  evbuffer_add(b, "&gt;", 4); break;
		case '"':  evbuffer_add(b, "&quot;", 6); break;
		case '\'': evbuffer_add(b, "&#39;", 5); break;
		default:
			if (*c < 0x20 || *c >= 0x7f)
				evbuffer_add_printf(b, "&#%u;", (unsigned)*c);
			else
				evbuffer_add(b, c, 1);
		}
	}
}

static int verdict_ok(const struct respond_diag *d)
{
	return d->verdict < 0 || d->verdict == VERDICT_OK;
}

/* ---------- the decision path, drawn (inline SVG, no external assets) ---------- */

#define SVG_W       830
#define SVG_BOX_X   60
#define SVG_BOX_W   560
#define SVG_ROW     80
#define SVG_BOX_H   62
#define SVG_TOP     44
#define SVG_CHARS   74      /* what fits on one line of a box at 13px */

/* What sysbind knows at one stage: each of IP:Port, SNI, Host. */
enum svg_know { KNOW_NO = 0, KNOW_YES, KNOW_IGNORED, KNOW_NA };

struct svg_stage {
	const char   *id;        /* "stage-accept", ... */
	char          title[96];
	char          line1[512];
	char          line2[512];
	int           bad;       /* drawn in red (part of the mismatch, or a bad verdict) */
	enum svg_know ipport, sni, host;
};

/* Escaped text, cut to max characters with an ellipsis. */
static void html_strn(struct evbuffer *b, const char *s, size_t max)
{
	char cut[512];

	if (s == NULL || strlen(s) <= max) {
		html_str(b, s);
		return;
	}
	if (max >= sizeof(cut))
		max = sizeof(cut) - 1;
	memcpy(cut, s, max - 1);
	cut[max - 1] = '\0';
	html_str(b, cut);
	evbuffer_add_printf(b, "&#8230;");
}

static void svg_pill(struct evbuffer *b, int x, int y, const char *label, const char *key,
    enum svg_know k)
{
	static const char *cls[] = { "k-no", "k-yes", "k-ignored", "k-na" };
	static const char *state[] = { "unknown", "known", "ignored", "n/a" };

	evbuffer_add_printf(b, "<g class=\"know %s\" data-know=\"%s\" data-state=\"%s\">"
	    "<rect x=\"%d\" y=\"%d\" width=\"58\" height=\"22\" rx=\"11\"/>"
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text></g>", cls[k], key, state[k],
	    x, y, x + 29, y + 15, label);
}

static const char *svg_s(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* The stages of this connection, in order; returns how many. */
static size_t svg_stages(const struct respond_diag *d, struct svg_stage *st, int mismatch)
{
	size_t n = 0;
	int sni_known = d->tls && d->sni != NULL;
	enum svg_know sni_k = !d->tls ? KNOW_NA : !sni_known ? KNOW_NO :
	    d->sni_used ? KNOW_YES : KNOW_IGNORED;
	struct svg_stage *s;

	s = &st[n++];
	memset(s, 0, sizeof(*s));
	s->id = "stage-accept";
	snprintf(s->title, sizeof(s->title), "%zu. TCP connection accepted", n);
	snprintf(s->line1, sizeof(s->line1), "client %s connected to %s", svg_s(d->client),
	    svg_s(d->local));
	snprintf(s->line2, sizeof(s->line2), "known: the local IP:Port only, no host name");
	s->ipport = KNOW_YES;
	s->sni = d->tls ? KNOW_NO : KNOW_NA;
	s->host = KNOW_NO;

	if (d->tls) {
		s = &st[n++];
		memset(s, 0, sizeof(*s));
		s->id = "stage-hello";
		snprintf(s->title, sizeof(s->title), "%zu. TLS ClientHello (mode %s)", n,
		    svg_s(d_mode(d)));
		if (!sni_known)
			snprintf(s->line1, sizeof(s->line1), "no SNI: the client names no host");
		else
			snprintf(s->line1, sizeof(s->line1), "SNI %s: %s", d->sni,
			    d->sni_used ? "USED to choose the certificate" :
			    d->mode == CONF_MODE_IIS7 ?
			    "IGNORED (iis7 chooses by IP:Port)" : "not used (an IP:Port binding decided)");
		snprintf(s->line2, sizeof(s->line2), "the Host header is still encrypted: unknown");
		s->ipport = KNOW_YES;
		s->sni = sni_k;
		s->host = KNOW_NO;

		s = &st[n++];
		memset(s, 0, sizeof(*s));
		s->id = "stage-cert";
		snprintf(s->title, sizeof(s->title), "%zu. Certificate chosen by %s", n,
		    svg_s(d->selected_by));
		snprintf(s->line1, sizeof(s->line1), "%s", svg_s(d->cert_subject));
		snprintf(s->line2, sizeof(s->line2), "names %s%s, thumbprint %s",
		    d->cert_nsans > 0 && d->cert_sans != NULL ? d->cert_sans[0] : "(none)",
		    d->cert_nsans > 1 ? " ..." : "", svg_s(d->cert_thumbprint));
		if (d->cert_nsans > 1 && d->cert_sans != NULL)
			snprintf(s->line2, sizeof(s->line2), "names %s, %s%s, thumbprint %s",
			    d->cert_sans[0], d->cert_sans[1], d->cert_nsans > 2 ? ", ..." : "",
			    svg_s(d->cert_thumbprint));
		s->bad = mismatch;
		s->ipport = KNOW_YES;
		s->sni = sni_k;
		s->host = KNOW_NO;

		s = &st[n++];
		memset(s, 0, sizeof(*s));
		s->id = "stage-handshake";
		snprintf(s->title, sizeof(s->title), "%zu. Handshake complete", n);
		snprintf(s->line1, sizeof(s->line1), "%s, %s", svg_s(d->tls_version),
		    svg_s(d->tls_cipher));
		snprintf(s->line2, sizeof(s->line2), "only now can the request be decrypted");
		s->ipport = KNOW_YES;
		s->sni = sni_k;
		s->host = KNOW_NO;
	}

	s = &st[n++];
	memset(s, 0, sizeof(*s));
	s->id = "stage-host";
	snprintf(s->title, sizeof(s->title), "%zu. %s request", n,
	    d->tls ? "Decrypted" : "Plain-text");
	snprintf(s->line1, sizeof(s->line1), "Host: %s", svg_s(d->host));
	snprintf(s->line2, sizeof(s->line2), "%s", mismatch ?
	    "not a name of the certificate already sent" : d->tls ?
	    "the host is known, after the certificate was chosen" : "no certificate involved");
	s->bad = mismatch;
	s->ipport = KNOW_YES;
	s->sni = sni_k;
	s->host = KNOW_YES;

	s = &st[n++];
	memset(s, 0, sizeof(*s));
	s->id = "stage-site";
	snprintf(s->title, sizeof(s->title), "%zu. Site: %s (id %ld)", n, svg_s(d->site),
	    d->site_id);
	snprintf(s->line1, sizeof(s->line1), "binding %s", svg_s(d->binding));
	snprintf(s->line2, sizeof(s->line2), "chosen by the Host (%s)", svg_s(d_tier(d)));
	s->ipport = KNOW_YES;
	s->sni = sni_k;
	s->host = KNOW_YES;

	if (d->tls && d->cc_flags != NULL) {
		s = &st[n++];
		memset(s, 0, sizeof(*s));
		s->id = "stage-clientcert";
		snprintf(s->title, sizeof(s->title), "%zu. %s", n,
		    d->cc_round == DIAG_CC_RENEGOTIATION ? "Second round: renegotiation asks for a "
		    "client certificate" : d->cc_round == DIAG_CC_HANDSHAKE ?
		    "Client certificate (asked in the first handshake)" : "Client certificate");
		snprintf(s->line1, sizeof(s->line1), "%s wants %s", svg_s(d->cc_where),
		    svg_s(d->cc_flags));
		if (d->cc_subject != NULL)
			snprintf(s->line2, sizeof(s->line2), "the client sent %s (%s)", d->cc_subject,
			    svg_s(d->cc_verdict));
		else
			snprintf(s->line2, sizeof(s->line2), "the client sent none");
		s->ipport = KNOW_YES;
		s->sni = sni_k;
		s->host = KNOW_YES;
	}

	if (d->tls) {
		s = &st[n++];
		memset(s, 0, sizeof(*s));
		s->id = "stage-verdict";
		snprintf(s->title, sizeof(s->title), "%zu. Verdict: %s", n, svg_s(d_verdict(d)));
		snprintf(s->line1, sizeof(s->line1), "%s", svg_s(d->verdict_why));
		snprintf(s->line2, sizeof(s->line2), "%s", verdict_ok(d) ?
		    "a browser shows the padlock" : "a browser warns before showing the page");
		s->bad = !verdict_ok(d);
		s->ipport = KNOW_YES;
		s->sni = sni_k;
		s->host = KNOW_YES;
	}
	return n;
}

/* The legend's entries: a swatch drawn as the picture draws it, and what it means. */
static const struct {
	const char *key;      /* data-legend */
	const char *swatch;   /* SVG inside a 58x22 box */
	const char *text;
} diag_legend_items[] = {
	{ "markers", NULL, "<b>IP:Port</b>, <b>SNI</b>, <b>Host</b>: what can choose, at each "
	  "moment: the local IP:Port the connection came in on, the host name the ClientHello "
	  "named (SNI), the request's Host header" },
	{ "known", "<g class=\"know k-yes\"><rect x=\"1\" y=\"1\" width=\"56\" height=\"20\" "
	  "rx=\"10\"/><text x=\"29\" y=\"15\" text-anchor=\"middle\">Host</text></g>",
	  "known: sysbind had it at that moment" },
	{ "unknown", "<g class=\"know k-no\"><rect x=\"1\" y=\"1\" width=\"56\" height=\"20\" "
	  "rx=\"10\"/><text x=\"29\" y=\"15\" text-anchor=\"middle\">Host</text></g>",
	  "unknown: not received yet (the Host header stays encrypted until the handshake "
	  "is done)" },
	{ "ignored", "<g class=\"know k-ignored\"><rect x=\"1\" y=\"1\" width=\"56\" "
	  "height=\"20\" rx=\"10\"/><text x=\"29\" y=\"15\" text-anchor=\"middle\">SNI</text>"
	  "</g>", "ignored: received, not used to choose the certificate (mode iis7 chooses by "
	  "IP:Port alone)" },
	{ "na", "<g class=\"know k-na\"><rect x=\"1\" y=\"1\" width=\"56\" height=\"20\" "
	  "rx=\"10\"/><text x=\"29\" y=\"15\" text-anchor=\"middle\">SNI</text></g>",
	  "not applicable: plain http has no TLS, so no SNI" },
	{ "bracket", "<g class=\"mismatch\"><path class=\"br\" d=\"M4 3 H20 V19 H4\"/>"
	  "<circle cx=\"20\" cy=\"11\" r=\"7\"/><path class=\"x\" d=\"M17 8 l6 6 M23 8 l-6 6\"/>"
	  "</g>", "red bracket: joins the certificate sent to the host the client asked for, "
	  "when the certificate does not name that host (name-mismatch)" },
	{ "bad", "<g class=\"bad\"><rect class=\"box\" x=\"2\" y=\"2\" width=\"54\" "
	  "height=\"18\" rx=\"4\"/></g>", "red box: a moment that went wrong (the certificate, "
	  "the Host it does not name, a verdict a client warns about)" },
};

/* The key to the picture's markers, under it. */
static void diag_legend(struct evbuffer *b)
{
	size_t i;

	evbuffer_add_printf(b, "<ul id=\"legend\" class=\"legend\">\n");
	for (i = 0; i < sizeof(diag_legend_items) / sizeof(diag_legend_items[0]); i++) {
		evbuffer_add_printf(b, "<li data-legend=\"%s\">", diag_legend_items[i].key);
		if (diag_legend_items[i].swatch != NULL)
			evbuffer_add_printf(b, "<svg class=\"sw\" width=\"58\" height=\"22\" "
			    "viewBox=\"0 0 58 22\" aria-hidden=\"true\">%s</svg> ",
			    diag_legend_items[i].swatch);
		evbuffer_add_printf(b, "<span>%s</span></li>\n", diag_legend_items[i].text);
	}
	evbuffer_add_printf(b, "</ul>\n");
}

static void diag_svg(struct evbuffer *b, const struct respond_diag *d)
{
	struct svg_stage st[10];
	int mismatch = d->tls && d->verdict == VERDICT_NAME_MISMATCH;
	size_t n = svg_stages(d, st, mismatch), i;
	int h = SVG_TOP + (int)n * SVG_ROW + (mismatch ? 34 : 10), cert_y = -1, host_y = -1;

	evbuffer_add_printf(b, "<figure class=\"path\">\n<svg id=\"decision-path\" "
	    "viewBox=\"0 0 %d %d\" width=\"100%%\" "
	    "role=\"img\" aria-labelledby=\"dp-title\" class=\"%s\">\n<title id=\"dp-title\">"
	    "How sysbind decided this connection%s</title>\n", SVG_W, h,
	    mismatch ? "has-mismatch" : "no-mismatch",
	    mismatch ? ": the certificate was chosen before the Host could be read, and it does "
	    "not name that host" : "");
	evbuffer_add_printf(b, "<text class=\"colhead\" x=\"%d\" y=\"24\">what happened, in "
	    "order</text><text class=\"colhead\" x=\"%d\" y=\"24\">what sysbind knew</text>\n",
	    SVG_BOX_X, SVG_BOX_X + SVG_BOX_W + 14);
	/* the time axis */
	evbuffer_add_printf(b, "<line class=\"axis\" x1=\"30\" y1=\"%d\" x2=\"30\" y2=\"%d\"/>"
	    "<path class=\"axis-head\" d=\"M24 %d L30 %d L36 %d Z\"/>\n", SVG_TOP,
	    h - 14, h - 16, h - 6, h - 16);
	for (i = 0; i < n; i++) {
		int y = SVG_TOP + (int)i * SVG_ROW, px = SVG_BOX_X + SVG_BOX_W + 14;

		if (strcmp(st[i].id, "stage-cert") == 0)
			cert_y = y + SVG_BOX_H / 2;
		if (strcmp(st[i].id, "stage-host") == 0)
			host_y = y + SVG_BOX_H / 2;
		evbuffer_add_printf(b, "<g class=\"stage%s\" id=\"%s\">"
		    "<circle class=\"node\" cx=\"30\" cy=\"%d\" r=\"8\"/>"
		    "<rect class=\"box\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\"/>",
		    st[i].bad ? " bad" : "", st[i].id, y + SVG_BOX_H / 2, SVG_BOX_X, y, SVG_BOX_W,
		    SVG_BOX_H);
		evbuffer_add_printf(b, "<text class=\"t\" x=\"%d\" y=\"%d\">", SVG_BOX_X + 12,
		    y + 19);
		html_strn(b, st[i].title, SVG_CHARS - 6);
		evbuffer_add_printf(b, "</text><text class=\"l\" x=\"%d\" y=\"%d\">",
		    SVG_BOX_X + 12, y + 37);
		html_strn(b, st[i].line1, SVG_CHARS);
		evbuffer_add_printf(b, "</text><text class=\"l2\" x=\"%d\" y=\"%d\">",
		    SVG_BOX_X + 12, y + 54);
		html_strn(b, st[i].line2, SVG_CHARS + 6);
		evbuffer_add_printf(b, "</text>");
		svg_pill(b, px, y + 20, "IP:Port", "ipport", st[i].ipport);
		svg_pill(b, px + 64, y + 20, "SNI", "sni", st[i].sni);
		svg_pill(b, px + 128, y + 20, "Host", "host", st[i].host);
		evbuffer_add_printf(b, "</g>\n");
	}
	if (mismatch && cert_y >= 0 && host_y >= 0) {
		int x0 = SVG_BOX_X + SVG_BOX_W, x1 = x0 + 7, mid = (cert_y + host_y) / 2;
		int ly = SVG_TOP + (int)n * SVG_ROW + 14;

		/* a bracket joins the certificate sent to the host asked for; the label below */
		evbuffer_add_printf(b, "<g id=\"mismatch\" class=\"mismatch\">"
		    "<path class=\"br\" d=\"M%d %d H%d V%d H%d\"/>"
		    "<circle cx=\"%d\" cy=\"%d\" r=\"9\"/>"
		    "<path class=\"x\" d=\"M%d %d l8 8 M%d %d l-8 8\"/>"
		    "<text class=\"mm\" x=\"%d\" y=\"%d\">&#215; name mismatch: the certificate "
		    "names ", x0, cert_y, x1, host_y, x0, x1, mid, x1 - 4, mid - 4, x1 + 4, mid - 4,
		    SVG_BOX_X, ly);
		html_strn(b, d->cert_nsans > 0 && d->cert_sans != NULL ? d->cert_sans[0] :
		    d->cert_subject, 30);
		evbuffer_add_printf(b, ", the client asked for ");
		{
			/* the name without its port: that is what the certificate must hold */
			char name[128];
			const char *colon = d->host != NULL && d->host[0] != '[' ?
			    strchr(d->host, ':') : NULL;

			snprintf(name, sizeof(name), "%.*s", colon != NULL ? (int)(colon - d->host) :
			    (int)sizeof(name) - 1, svg_s(d->host));
			html_strn(b, name, 34);
		}
		evbuffer_add_printf(b, "</text></g>\n");
	}
	evbuffer_add_printf(b, "</svg>\n");
	diag_legend(b);
	evbuffer_add_printf(b, "<figcaption>Each box is one moment of the connection; "
	    "the pills say what sysbind knew then. The certificate is chosen at the "
	    "ClientHello, before the Host header can be read.</figcaption>\n</figure>\n");
}

/* The site's HSTS policy (IIS 10 version 1709's <hsts>) and what a browser does with it. */
static void diag_hsts(struct evbuffer *b, const struct respond_diag *d)
{
	evbuffer_add_printf(b, "<h2 id=\"hsts\">HSTS (IIS 10 &lt;hsts&gt;)</h2>\n<p>");
	if (d->hsts == NULL) {
		evbuffer_add_printf(b, "Off: this site's https answers carry no "
		    "<code>Strict-Transport-Security</code> field");
	} else {
		evbuffer_add_printf(b, "On: every https answer of this site carries "
		    "<code>Strict-Transport-Security: ");
		html_str(b, d->hsts);
		evbuffer_add_printf(b, "</code>%s. A browser that gets it over https without a "
		    "certificate warning remembers the host for max-age seconds: it then turns "
		    "every <code>http://</code> link to the host into <code>https://</code> "
		    "itself, on port 443 unless the URL names another, and no longer lets the user "
		    "click through a certificate warning. max-age=0 makes it forget the host. "
		    "HTTP.SYS's own error pages (400, 503, ...) carry no such field",
		    d->tls ? " (this page did)" : "");
	}
	evbuffer_add_printf(b, ".</p>\n<p>");
	if (d->hsts_redirect)
		evbuffer_add_printf(b, "redirectHttpToHttps: an http request to this site is "
		    "answered <code>301</code> with an empty body and <code>Location: "
		    "https://HOST/PATH?QUERY</code>, the port dropped: a site whose https binding is "
		    "not on 443 sends its clients where it does not listen.</p>\n");
	else
		evbuffer_add_printf(b, "redirectHttpToHttps off: http requests are answered as "
		    "any other.</p>\n");
}

/* The page's head: its title and the one style sheet (no external assets), then the h1. */
static void diag_head(struct evbuffer *b, const struct respond_diag *d)
{
	evbuffer_add_printf(b,
	    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>sysbind: ");
	html_str(b, d->site);
	evbuffer_add_printf(b, "</title>\n<style>\n"
	    "body{font-family:sans-serif;max-width:52em;margin:2em auto;color:#222}\n"
	    "code{background:#f2f2f2;padding:0 .2em}\n"
	    ".verdict{padding:.6em 1em;border-radius:4px;font-size:1.1em}\n"
	    ".ok{background:#e6f4e6;border:2px solid #3a3}\n"
	    ".bad{background:#fbe9e9;border:2px solid #c33}\n"
	    "ol.tl{list-style:none;padding:0;border-left:4px solid #999;margin-left:1em}\n"
	    "ol.tl>li{position:relative;margin:0 0 1em 0;padding:.2em 1em}\n"
	    "ol.tl>li:before{content:'';position:absolute;left:-11px;top:.6em;width:14px;"
	    "height:14px;border-radius:50%%;background:#999}\n"
	    "ol.tl>li.bad:before{background:#c33}\n"
	    "ol.tl h2{font-size:1em;margin:.2em 0}\n"
	    ".when{color:#666;font-size:.9em}\n"
	    "figure.path{margin:1em 0;padding:0}\n"
	    "figure.path figcaption{color:#666;font-size:.9em}\n"
	    "#decision-path{font-family:sans-serif;font-size:13px}\n"
	    "#decision-path .colhead{font-size:12px;fill:#666;text-transform:uppercase}\n"
	    "#decision-path .axis{stroke:#999;stroke-width:3}\n"
	    "#decision-path .axis-head{fill:#999}\n"
	    "#decision-path .node{fill:#5a7;stroke:#fff;stroke-width:2}\n"
	    "figure.path .box{fill:#f3f8f3;stroke:#5a7;stroke-width:1.5}\n"
	    "#decision-path .bad .node{fill:#c33}\n"
	    "figure.path .bad .box{fill:#fbe9e9;stroke:#c33;stroke-width:2.5}\n"
	    "#decision-path .t{font-weight:bold;fill:#222}\n"
	    "#decision-path .l{fill:#222;font-family:monospace;font-size:12.5px}\n"
	    "#decision-path .l2{fill:#555;font-size:12px}\n"
	    "figure.path .know text{font-size:11px}\n"
	    "figure.path .k-yes rect{fill:#3a3}figure.path .k-yes text{fill:#fff}\n"
	    "figure.path .k-no rect{fill:#fff;stroke:#aaa;stroke-dasharray:3 2}"
	    "figure.path .k-no text{fill:#999}\n"
	    "figure.path .k-ignored rect{fill:#f5c542}figure.path .k-ignored text{fill:#333;"
	    "text-decoration:line-through}\n"
	    "figure.path .k-na rect{fill:#eee}figure.path .k-na text{fill:#bbb}\n"
	    "figure.path .mismatch .br{fill:none;stroke:#c33;stroke-width:3}\n"
	    "figure.path .mismatch circle{fill:#c33}\n"
	    "figure.path .mismatch .x{stroke:#fff;stroke-width:2.5}\n"
	    "#decision-path .mismatch .mm{fill:#c33;font-weight:bold;font-size:12.5px}\n"
	    ".legend{list-style:none;padding:0;margin:.5em 0;font-size:.9em;color:#333}\n"
	    ".legend li{display:flex;align-items:center;gap:.6em;margin:.25em 0}\n"
	    ".legend .sw{flex:none;font-family:sans-serif}\n"
	    ".fix{padding:.5em 1em;border-left:4px solid #36c;background:#eef3fb}\n"
	    "</style></head><body>\n<h1>sysbind diagnostic page</h1>\n");
}

/* The verdict at the top of the page, and how to fix it. */
static void diag_banner(struct evbuffer *b, const struct respond_diag *d, int ok)
{
	evbuffer_add_printf(b, "<p class=\"verdict %s\">Verdict: <b>", ok ? "ok" : "bad");
	html_str(b, d_verdict(d));
	evbuffer_add_printf(b, "</b>");
	if (d->verdict_why != NULL) {
		evbuffer_add_printf(b, " &mdash; ");
		html_str(b, d->verdict_why);
	}
	evbuffer_add_printf(b, "</p>\n");
	if (d->fix != NULL) {
		evbuffer_add_printf(b, "<p class=\"fix\" id=\"fix\"><b>How to fix:</b> ");
		html_str(b, d->fix);
		evbuffer_add_printf(b, "</p>\n");
	}
	if (d->clients != NULL) {
		evbuffer_add_printf(b, "<div class=\"fix\" id=\"chain\"><b>Chain sent:</b><ol "
		    "start=\"0\">");
		for (size_t i = 0; d->chain_sent != NULL && i < d->nchain_sent; i++) {
			evbuffer_add_printf(b, "<li>");
			html_str(b, d->chain_sent[i]);
			evbuffer_add_printf(b, "</li>");
		}
		evbuffer_add_printf(b, "</ol><b>What each client gets:</b><ul>");
		for (size_t i = 0; i < d->nclients; i++) {
			evbuffer_add_printf(b, "<li><b>");
			html_str(b, d->clients[i].family);
			evbuffer_add_printf(b, "</b>: ");
			html_str(b, d->clients[i].gets);
			evbuffer_add_printf(b, "</li>");
		}
		evbuffer_add_printf(b, "</ul></div>\n");
	}
}

/* The ClientHello: the SNI the client sent, and whether it chose the certificate. */
static void diag_hello_step(struct evbuffer *b, const struct respond_diag *d, int *step)
{
	evbuffer_add_printf(b, "<li><h2>%d. TLS ClientHello</h2><p>", (*step)++);
	if (d->sni != NULL) {
		evbuffer_add_printf(b, "The client sent SNI <code>");
		html_str(b, d->sni);
		evbuffer_add_printf(b, "</code>: ");
		if (d->sni_used)
			evbuffer_add_printf(b, "<b>used</b> to choose the certificate.");
		else if (d->mode == CONF_MODE_IIS7)
			evbuffer_add_printf(b, "<b>ignored</b> &mdash; in mode iis7 HTTP.SYS "
			    "chooses the certificate by IP:port only.");
		else
			evbuffer_add_printf(b, "<b>not used</b> &mdash; no hostnameport or "
			    "ccs entry decided.");
	} else {
		evbuffer_add_printf(b, "The client sent <b>no SNI</b>: only the IP:port can "
		    "choose the certificate.");
	}
	evbuffer_add_printf(b, " Mode: <code>");
	html_str(b, d_mode(d));
	evbuffer_add_printf(b, "</code>.</p></li>\n");
}

/* The certificate card: the §1.1 steps considered, then the certificate chosen, its
 * subject, names, thumbprint and end. */
static void diag_cert_card(struct evbuffer *b, const struct respond_diag *d, int *step)
{
	evbuffer_add_printf(b, "<li><h2>%d. Certificate chosen</h2>", (*step)++);
	if (d->ncert_steps > 0) {
		evbuffer_add_printf(b, "<ol>");
		for (size_t i = 0; i < d->ncert_steps && i < CERT_TRACE_MAX; i++) {
			evbuffer_add_printf(b, "<li>");
			html_str(b, d->cert_steps[i]);
			evbuffer_add_printf(b, "</li>");
		}
		evbuffer_add_printf(b, "</ol>");
	}
	evbuffer_add_printf(b, "<p>Chosen by <code>");
	html_str(b, d->selected_by);
	evbuffer_add_printf(b, "</code>: subject <code>");
	html_str(b, d->cert_subject);
	evbuffer_add_printf(b, "</code>, names ");
	if (d->cert_nsans == 0 || d->cert_sans == NULL)
		evbuffer_add_printf(b, "(none)");
	for (size_t i = 0; i < d->cert_nsans && d->cert_sans != NULL; i++) {
		evbuffer_add_printf(b, "%s<code>", i > 0 ? ", " : "");
		html_str(b, d->cert_sans[i]);
		evbuffer_add_printf(b, "</code>");
	}
	evbuffer_add_printf(b, ", thumbprint <code>");
	html_str(b, d->cert_thumbprint);
	evbuffer_add_printf(b, "</code>, valid until <code>");
	html_str(b, d->cert_not_after);
	evbuffer_add_printf(b, "</code>.</p><p class=\"when\">The certificate is chosen "
	    "before any HTTP byte can be read.</p></li>\n");
}

/* The handshake: the TLS version and cipher, and the HTTP version that followed. */
static void diag_handshake_step(struct evbuffer *b, const struct respond_diag *d, int *step)
{
	evbuffer_add_printf(b, "<li><h2>%d. Handshake complete</h2><p><code>", (*step)++);
	html_str(b, d->tls_version);
	evbuffer_add_printf(b, "</code> <code>");
	html_str(b, d->tls_cipher);
	evbuffer_add_printf(b, "</code>%s%s%s. Only now can the request be decrypted.</p></li>\n",
	    d->http_version != NULL ? ", then <code>" : "",
	    d->http_version != NULL ? d->http_version : "",
	    d->http_version != NULL ? "</code>" : "");
}

/* The request's Host (marked when the certificate does not name it) and the site it
 * was routed to. */
static void diag_request_steps(struct evbuffer *b, const struct respond_diag *d, int mismatch,
    int *step)
{
	/* the request's Host */
	evbuffer_add_printf(b, "<li%s><h2>%d. %s request</h2><p>Host: <code>",
	    mismatch ? " class=\"bad\"" : "", (*step)++, d->tls ? "Decrypted" : "Plain-text");
	html_str(b, d->host);
	evbuffer_add_printf(b, "</code>");
	if (mismatch)
		evbuffer_add_printf(b, " &mdash; <b>not a name of the certificate above</b>: the "
		    "browser warns about it.");
	if (d->coalesced_sni != NULL) {
		evbuffer_add_printf(b, "</p><p class=\"coalesced\"><b>Coalesced connection</b>: "
		    "the certificate was chosen for SNI <code>");
		html_str(b, d->coalesced_sni);
		evbuffer_add_printf(b, "</code>, this request is for <code>");
		html_str(b, d->host);
		evbuffer_add_printf(b, "</code>: the browser reused an HTTP/2 connection whose "
		    "certificate also names this host; HTTP.SYS routes it by its own host name.");
	}
	evbuffer_add_printf(b, "</p></li>\n");

	/* routing */
	evbuffer_add_printf(b, "<li><h2>%d. Site</h2><p>Binding <code>", (*step)++);
	html_str(b, d->binding);
	evbuffer_add_printf(b, "</code> (");
	html_str(b, d_tier(d));
	evbuffer_add_printf(b, ") &rarr; site <b>");
	html_str(b, d->site);
	evbuffer_add_printf(b, "</b> (id %ld).</p></li>\n", d->site_id);
}

/* The client certificate: a second round inside the connection. */
static void diag_clientcert_step(struct evbuffer *b, const struct respond_diag *d, int *step)
{
	evbuffer_add_printf(b, "<li id=\"clientcert\"><h2>%d. %s</h2><p>", (*step)++,
	    d->cc_round == DIAG_CC_RENEGOTIATION ? "Second round: a client certificate "
	    "asked for inside the connection" : "Client certificate");
	html_str(b, d->cc_where);
	evbuffer_add_printf(b, " has <code>sslFlags=\"");
	html_str(b, d->cc_flags);
	evbuffer_add_printf(b, "\"</code>. ");
	if (d->cc_round == DIAG_CC_RENEGOTIATION)
		evbuffer_add_printf(b, "That the path wants a client certificate is known "
		    "only now that the request is decrypted; the handshake was over and had "
		    "not asked (<code>clientcertnegotiation</code> disabled), so a second "
		    "handshake inside the connection (a TLS renegotiation) asked for it. ");
	else if (d->cc_round == DIAG_CC_HANDSHAKE)
		evbuffer_add_printf(b, "The first handshake already asked for one "
		    "(<code>clientcertnegotiation = enable</code>): no second round needed. ");
	if (d->cc_subject != NULL) {
		evbuffer_add_printf(b, "The client sent <code>");
		html_str(b, d->cc_subject);
		evbuffer_add_printf(b, "</code> (");
		html_str(b, d->cc_verdict);
		evbuffer_add_printf(b, ").");
	} else {
		evbuffer_add_printf(b, "The client sent none.");
	}
	if (d->cc_why != NULL) {
		evbuffer_add_printf(b, "</p><p class=\"when\">");
		html_str(b, d->cc_why);
	}
	if (d->cc_fix != NULL) {
		evbuffer_add_printf(b, "</p><p class=\"fix\" id=\"cc-fix\"><b>For TLS 1.3 and "
		    "HTTP/2 clients</b>, which cannot be asked by a renegotiation: ");
		html_str(b, d->cc_fix);
	}
	evbuffer_add_printf(b, "</p></li>\n");
}

/* The steps table: the connection's course in words, one item per step, numbered. */
static void diag_steps(struct evbuffer *b, const struct respond_diag *d, int ok, int mismatch)
{
	int step = 1;

	evbuffer_add_printf(b, "<ol class=\"tl\">\n");
	/* 1. accept */
	evbuffer_add_printf(b, "<li><h2>%d. TCP connection accepted</h2>"
	    "<p>Client <code>", step++);
	html_str(b, d->client);
	evbuffer_add_printf(b, "</code> connected to <code>");
	html_str(b, d->local);
	evbuffer_add_printf(b, "</code>.</p><p class=\"when\">Known now: only the local IP:port. "
	    "Nothing says which host name the client wants.</p></li>\n");

	if (d->tls) {
		diag_hello_step(b, d, &step);
		diag_cert_card(b, d, &step);
		diag_handshake_step(b, d, &step);
	}
	diag_request_steps(b, d, mismatch, &step);
	if (d->cc_flags != NULL)
		diag_clientcert_step(b, d, &step);

	/* verdict */
	evbuffer_add_printf(b, "<li class=\"%s\"><h2>%d. Verdict</h2><p><b>", ok ? "ok" : "bad",
	    step);
	html_str(b, d_verdict(d));
	evbuffer_add_printf(b, "</b>");
	if (d->verdict_why != NULL) {
		evbuffer_add_printf(b, ": ");
		html_str(b, d->verdict_why);
	}
	evbuffer_add_printf(b, "</p></li>\n</ol>\n");
}

static void diag_html(struct evbuffer *b, const struct respond_diag *d)
{
	int ok = verdict_ok(d);
	int mismatch = d->verdict == VERDICT_NAME_MISMATCH;

	diag_head(b, d);
	diag_banner(b, d, ok);
	diag_svg(b, d);
	diag_steps(b, d, ok, mismatch);
	diag_hsts(b, d);
	evbuffer_add_printf(b, "</body></html>\n");
}

int respond_diag_msg(struct respond_msg *m, const struct respond_diag *d, int json,
    const char *server, time_t now, int head_only)
{
	memset(m, 0, sizeof(*m));
	if ((m->body = evbuffer_new()) == NULL)
		return -1;
	if (json)
		diag_json(m->body, d);
	else
		diag_html(m->body, d);
	m->status = 200;
	m->reason = "OK";
	m->head_only = head_only;
	respond_http_date(now, m->date, sizeof(m->date));
	snprintf(m->length, sizeof(m->length), "%zu", evbuffer_get_length(m->body));
	msg_field(m, "Content-Type", json ? "application/json" : "text/html; charset=utf-8");
	if (server != NULL && *server != '\0')
		msg_field(m, "Server", server);
	msg_field(m, "Date", m->date);
	msg_field(m, "Content-Length", m->length);
	msg_field(m, "Cache-Control", "no-store");
	return 0;
}

int respond_diag(struct evbuffer *out, const struct respond_diag *d, int json,
    const char *server, time_t now, int keep_alive, int head_only)
{
	struct respond_msg m;
	int rc;

	if (respond_diag_msg(&m, d, json, server, now, head_only) != 0)
		return -1;
	rc = respond_msg_write(&m, !keep_alive, out);
	respond_msg_clear(&m);
	return rc;
}
