/*
 * respond — the responses sysbind makes itself: HTTP.SYS's error pages, byte for byte
 * (HTTP.SYS's template and header order), and the built-in diagnostic page (HTML or
 * JSON).  Pure formatting into evbuffers; no sockets.
 */
#ifndef SYSBIND_RESPOND_H
#define SYSBIND_RESPOND_H

#include <stddef.h>
#include <time.h>
#include <event2/buffer.h>

#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "model/http.h"

/* The pages HTTP.SYS answers itself. */
enum respond_page {
	PAGE_BAD_REQUEST = 0,     /* 400 The request is badly formed. */
	PAGE_INVALID_HOSTNAME,    /* 400 Bad Request - Invalid Hostname */
	PAGE_INVALID_VERB,        /* 400 Bad Request - Invalid Verb */
	PAGE_INVALID_URL,         /* 400 Bad Request - Invalid URL */
	PAGE_INVALID_HEADER,      /* 400 Bad Request - Invalid Header */
	PAGE_REQUEST_TOO_LONG,    /* 400 Bad Request - Request Too Long */
	PAGE_NOT_FOUND,           /* 404 */
	PAGE_LENGTH_REQUIRED,     /* 411 */
	PAGE_URL_TOO_LONG,        /* 414 */
	PAGE_NOT_IMPLEMENTED,     /* 501 */
	PAGE_SERVICE_UNAVAILABLE, /* 503 */
	PAGE_VERSION,             /* 505 */
	PAGE_BAD_GATEWAY,         /* 502 (sysbind's, same template) */
	PAGE_GATEWAY_TIMEOUT,     /* 504 (sysbind's, same template) */
	PAGE_MISDIRECTED,         /* 421 (sysbind's, same template: misdirected = 421) */
	PAGE_LOOP_DETECTED,       /* 508 (sysbind's, same template: a request it forwarded
	                           * came back to it) */
	/* IIS's own answers (not HTTP.SYS's): IIS's remote custom error pages */
	PAGE_IIS_FORBIDDEN,       /* 403 custerr 403.htm: every 403.x (sub-status only logged) */
	PAGE_IIS_TOO_LARGE,       /* 413 (the body passed uploadReadAheadSize) */
	PAGE_IIS_SERVER_ERROR,    /* 500 custerr 500.htm (500.0, TLS 1.3 on Server 2025) */
};

/* Whether p is one of IIS's pages (its headers: text/html, Microsoft-IIS/10.0, no
 * Connection: close of its own) rather than HTTP.SYS's. */
int respond_page_is_iis(enum respond_page p);

/* The status code of a page. */
int respond_page_status(enum respond_page p);

/* The page and HTTPERR reason phrase for a parse error. */
enum respond_page respond_page_for_error(enum http_error e, const char **reason);

/*
 * A response sysbind makes itself, as parts any framing can write: the status, the
 * header fields in the order HTTP.SYS sends them, and the body.  HTTP/1.1 writes it as
 * "HTTP/1.1 status reason", the fields, a blank line and the body (respond_msg_write);
 * HTTP/2 drops the connection-specific fields.  Filled by respond_error_msg and
 * respond_diag_msg, released with respond_msg_clear.
 */
struct respond_diag;

#define RESPOND_MSG_FIELDS 8
struct respond_msg {
	int                 status;
	const char         *reason;          /* "Bad Request" */
	struct http_header  fields[RESPOND_MSG_FIELDS];
	size_t              nfields;
	int                 head_only;       /* HEAD: the body is not sent (its length is) */
	struct evbuffer    *body;            /* owned */
	char                date[40], length[24];   /* storage for two field values */
};

/* HTTP.SYS's page p (see respond_error).  Returns 0 or -1 (m cleared). */
int respond_error_msg(struct respond_msg *m, enum respond_page p, const char *server,
    time_t now, int head_only);

/* The diagnostic page (see respond_diag), without a Connection field: the framing adds
 * one when it closes.  Returns 0 or -1 (m cleared). */
int respond_diag_msg(struct respond_msg *m, const struct respond_diag *d, int json,
    const char *server, time_t now, int head_only);

/*
 * IIS 10 (1709)'s answer to an http request of a site with redirectHttpToHttps: 301, no
 * body (Content-Length: 0), Location, and IIS's headers (Server: Microsoft-IIS/10.0
 * unless server is empty, X-Powered-By: ASP.NET).  location is borrowed until m is
 * written.  Returns 0 or -1.
 */
int respond_redirect_msg(struct respond_msg *m, const char *location, const char *server,
    time_t now, int head_only);

/*
 * The Location of that 301 (iis-docs issue 62: the requested URL with its scheme made
 * https and its port dropped): "https://" host without its port (a bracketed IPv6
 * literal stays bracketed) then target (origin-form path and query, kept as sent; "/"
 * when empty).  Returns 0, or -1 when it does not fit in len.
 */
int respond_https_location(const char *host, const char *target, char *out, size_t len);

/* Add the field name: value to m (both borrowed until m is written), before its
 * Content-Length when it has one (the order IIS's module adds its fields in is not
 * known; the length last keeps HTTP.SYS's own order intact).  Returns 0, or -1 when m
 * is full. */
int respond_msg_add_field(struct respond_msg *m, const char *name, const char *value);

/* Append m as HTTP/1.1; close adds "Connection: close" when m has no Connection field.
 * Returns 0 or -1. */
int respond_msg_write(const struct respond_msg *m, int close, struct evbuffer *out);

/* Free what m holds.  Idempotent. */
void respond_msg_clear(struct respond_msg *m);

/*
 * The one JSON string escaper (the diagnostic page's JSON and every --json output): s as
 * a JSON string, quotes included, or null for NULL, handed to put in pieces.  ", \ and
 * the control characters are escaped; well-formed UTF-8 passes as it is; any other byte
 * (>= 0x80 outside a valid sequence, DEL) becomes \u00XX, so the output is valid JSON
 * whatever a client or a file put in the string.
 */
void respond_json_escape(const char *s, void (*put)(void *arg, const char *p, size_t n),
    void *arg);

/*
 * Append a complete HTTP.SYS error response: status line, then exactly
 * Content-Type: text/html; charset=us-ascii, Server (omitted when server is NULL or ""),
 * Date (RFC 7231 IMF-fixdate of now), Connection: close, Content-Length, blank line, body.
 * HEAD gets the same head and no body when head_only is 1.  Returns 0 or -1.
 */
int respond_error(struct evbuffer *out, enum respond_page p, const char *server,
    time_t now, int head_only);

/* Just the body of a page (for tests and the views). */
int respond_error_body(struct evbuffer *out, enum respond_page p);

/* What the diagnostic page shows; every string may be NULL (shown as "-" / null).  The
 * decisions come as enums and are named here, at the edge that prints them. */
struct respond_diag {
	const char *site;
	long        site_id;
	const char *binding;        // "https/*:443:sitev2.mysite.com"
	enum route_tier route_tier; /* 0: none */
	const char *local;          /* "127.0.0.1:8443" */
	const char *client;         /* "127.0.0.1:51234" */
	const char *host;           /* the request's host as received */
	const char *sni;            /* NULL: no SNI */
	int         sni_used;       /* the SNI took part in choosing the certificate */
	enum conf_mode mode;        /* 0: none */
	int         tls;            /* 0 for http */
	const char *cert_subject;
	const char **cert_sans;
	size_t      cert_nsans;
	const char *cert_thumbprint;
	const char *cert_not_after; /* "2027-11-27T08:00:00Z" */
	const char *selected_by;    /* "ipport 0.0.0.0:443" */
	int         verdict;        /* enum cert_verdict, or -1: none (plain http) */
	const char *verdict_why;
	const char *fix;            /* how to fix the verdict, one line (views_verdict_fix) */
	const char *const *chain_sent;  /* the chain as sent, one certificate a line
	                                 * (chain_sent_lines); NULL: none */
	size_t      nchain_sent;
	const struct chain_client *clients; /* what each client family gets (chain_clients,
	                                     * incomplete or stale chain only); NULL: none */
	size_t      nclients;
	const char *tls_version;    /* "TLSv1.3" */
	const char *http_version;   /* "HTTP/1.1", "HTTP/2" */
	const char *coalesced_sni;  /* a coalesced HTTP/2 connection: the SNI the certificate
	                             * was chosen for (the request asked for host); else NULL */
	const char *tls_cipher;
	const char *cert_steps[CERT_TRACE_MAX];  /* the §1.1 steps considered, in order */
	size_t      ncert_steps;
	/* the client certificate, when the request's path wants one (IIS's access sslFlags):
	 * the second chicken-and-egg */
	const char *cc_flags;       /* "Ssl, SslNegotiateCert"; NULL: the path wants none */
	const char *cc_where;       /* whose flags: "[location App/secure]", "site App" */
	int         cc_round;       /* DIAG_CC_*: when the client was asked */
	const char *cc_subject;     /* the certificate the client sent; NULL: none */
	const char *cc_verdict;     /* its chain verdict ("ok", ...); NULL: none */
	const char *cc_why;         /* the decision, one sentence */
	const char *cc_fix;         /* what clients that cannot be asked so need (views_cc_fix);
	                             * NULL: nothing */
	/* the site's IIS 10 <hsts> policy */
	const char *hsts;           /* the Strict-Transport-Security value its https answers
	                             * carry (this one too, when tls); NULL: hsts off */
	int         hsts_redirect;  /* its http requests are answered 301 to https (port 443) */
};

/* When a client certificate was asked for (respond_diag.cc_round). */
enum { DIAG_CC_NONE = 0, DIAG_CC_HANDSHAKE = 1, DIAG_CC_RENEGOTIATION = 2 };

/*
 * Append a complete 200 response with the diagnostic page: JSON (keys site, site_id,
 * binding, local, client, host, sni, mode, certificate{subject, sans, thumbprint,
 * not_after, selected_by}, verdict, tls{version, cipher}, ..., fix) when json is 1, else
 * HTML with no external assets: the verdict and its fix, the decision path drawn with a
 * legend of its markers, then the same steps in words.  keep_alive 0 adds Connection:
 * close.  head_only omits the body.  Returns 0 or -1.
 */
int respond_diag(struct evbuffer *out, const struct respond_diag *d, int json,
    const char *server, time_t now, int keep_alive, int head_only);

/* Write the IMF-fixdate of t ("Wed, 30 Jun 2021 04:30:20 GMT") into buf (>= 30 bytes). */
void respond_http_date(time_t t, char *buf, size_t len);

#endif
