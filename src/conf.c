/*
 * conf — the configuration file of DESIGN.md §2.  This file owns the inih adapter (a line
 * reader that counts lines, strips indentation, refuses over-long lines, reports syntax
 * errors and tracks section headers itself), the key tables with their defaults, strict
 * validation with "file:line: message" errors collected in one run, the cross-section
 * checks (duplicate bindings, http/https port clashes, hostnameport/ccs in iis7 mode),
 * loading the certificates a configuration names, and IIS Manager's two warnings.  It does
 * not own the binding grammar (binding.c) nor certificate loading itself (certstore.c).
 * A finished conf is immutable; nothing here keeps global state.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <ini.h>

#include "conf.h"

#define CONF_FILE_MAX   (4 * 1024 * 1024)  /* a configuration larger than this is refused */
#define CONF_ERR_RESERVE 40                /* room kept for "... and N more" */
#define CONF_MAX_KEYS   32                 /* keys of the largest section */

/* One error, kept until the end so they can be ordered by line. */
struct conf_msg {
	int    line;    /* 0: no line */
	size_t seq;     /* insertion order, to keep the sort stable */
	char  *text;
};

enum conf_sec { SEC_NONE, SEC_SERVER, SEC_SSLCERT, SEC_SITE, SEC_SKIP };

/* [server] keys; the order matches server_keys[]. */
enum {
	SK_MODE, SK_WORKERS, SK_ACCESS_LOG, SK_HTTPERR_LOG, SK_TRACE, SK_CERT_STORE, SK_TRUST,
	SK_SERVER_HEADER, SK_MAX_FIELD_LENGTH, SK_MAX_REQUEST_BYTES, SK_MAX_URL_LENGTH,
	SK_HEADER_WAIT_TIMEOUT, SK_IDLE_CONNECTION_TIMEOUT, SK_ENTITY_BODY_TIMEOUT,
	SK_HANDSHAKE_TIMEOUT, SK_MIN_SEND_RATE, SK_MAX_CONNECTIONS, SK_BACKEND_CONNECT_TIMEOUT,
	SK_BACKEND_TIMEOUT, SK_USER, SK_PID_FILE, SK_WEBSOCKET_IDLE_TIMEOUT, SK_COUNT
};
static const char *const server_keys[SK_COUNT] = {
	"mode", "workers", "access_log", "httperr_log", "trace", "cert_store", "trust",
	"server_header", "max_field_length", "max_request_bytes", "max_url_length",
	"header_wait_timeout", "idle_connection_timeout", "entity_body_timeout",
	"handshake_timeout", "min_send_rate", "max_connections", "backend_connect_timeout",
	"backend_timeout", "user", "pid_file", "websocket_idle_timeout",
};

/* Decimal [server] keys and their ranges (HTTP.SYS's limits where it has them). */
struct conf_numkey {
	int           key;
	unsigned long min, max;
};
static const struct conf_numkey num_keys[] = {
	{ SK_MAX_FIELD_LENGTH, 64, 65534 },
	{ SK_MAX_REQUEST_BYTES, 256, 16777216 },
	{ SK_MAX_URL_LENGTH, 64, 65534 },
	{ SK_HEADER_WAIT_TIMEOUT, 1, 65535 },
	{ SK_IDLE_CONNECTION_TIMEOUT, 1, 65535 },
	{ SK_ENTITY_BODY_TIMEOUT, 1, 65535 },
	{ SK_HANDSHAKE_TIMEOUT, 1, 65535 },
	{ SK_MIN_SEND_RATE, 0, 4294967295UL },
	{ SK_MAX_CONNECTIONS, 0, 4294967295UL },
	{ SK_BACKEND_CONNECT_TIMEOUT, 1, 65535 },
	{ SK_BACKEND_TIMEOUT, 1, 65535 },
	{ SK_WEBSOCKET_IDLE_TIMEOUT, 1, 65535 },
};

/* [sslcert] keys; which are allowed depends on the entry's kind. */
enum {
	XK_CERTIFICATE, XK_KEY, XK_PFX, XK_PFX_PASSWORD, XK_CERTHASH, XK_APPID,
	XK_CERTSTORENAME, XK_DIRECTORY, XK_PASSWORD, XK_COUNT
};
static const char *const sslcert_keys[XK_COUNT] = {
	"certificate", "key", "pfx", "pfx_password", "certhash", "appid", "certstorename",
	"directory", "password",
};
#define XK_BIT(k) (1u << (k))
#define XK_CERT_KEYS (XK_BIT(XK_CERTIFICATE) | XK_BIT(XK_KEY) | XK_BIT(XK_PFX) | \
	XK_BIT(XK_PFX_PASSWORD) | XK_BIT(XK_CERTHASH) | XK_BIT(XK_APPID) | XK_BIT(XK_CERTSTORENAME))
#define XK_CCS_KEYS (XK_BIT(XK_DIRECTORY) | XK_BIT(XK_PASSWORD) | XK_BIT(XK_APPID))

/* [site] keys. */
enum { TK_ID, TK_BINDINGS, TK_BACKEND, TK_STATE, TK_COUNT };
static const char *const site_keys[TK_COUNT] = { "id", "bindings", "backend", "state" };

/* What the parser remembers about an entry beyond struct conf_sslcert / conf_site. */
struct conf_entry_info {
	int dup;                    /* a duplicate section: validated, left out of cross-checks */
	int bad;                    /* had an error: its certificates are not loaded */
	int lines[CONF_MAX_KEYS];   /* line of each key, 0 when absent */
};

struct conf_parser {
	struct conf            *c;
	const char             *name;     /* file name used in messages */
	char                   *dir;      /* directory for relative paths; NULL: as written */
	int                     flags;
	const char             *text;
	size_t                  len, pos;
	int                     line;
	/* the section being read */
	enum conf_sec           sec;
	char                    label[INI_MAX_LINE + 16]; /* "[site MySite V1]" */
	int                     sec_line;
	size_t                  sec_nmsgs; /* errors before this section began */
	int                     cur_lines[CONF_MAX_KEYS];
	/* [server] */
	int                     server_line;
	int                     server_lines[SK_COUNT];
	struct conf_entry_info *sslinfo;  /* parallel to c->sslcerts */
	struct conf_entry_info *siteinfo; /* parallel to c->sites */
	/* errors */
	struct conf_msg        *msgs;
	size_t                  nmsgs, capmsgs;
	int                     nomem;
};

static void conf_error(struct conf_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_error(struct conf_parser *p, int line, const char *fmt, ...)
{
	struct conf_msg *m;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0) {
		va_end(ap);
		p->nomem = 1;
		return;
	}
	va_end(ap);
	if (p->nmsgs == p->capmsgs) {
		size_t cap = p->capmsgs ? p->capmsgs * 2 : 16;

		if ((m = realloc(p->msgs, cap * sizeof(*m))) == NULL) {
			free(text);
			p->nomem = 1;
			return;
		}
		p->msgs = m;
		p->capmsgs = cap;
	}
	p->msgs[p->nmsgs].line = line;
	p->msgs[p->nmsgs].seq = p->nmsgs;
	p->msgs[p->nmsgs].text = text;
	p->nmsgs++;
}

static void conf_warning(struct conf_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_warning(struct conf_parser *p, int line, const char *fmt, ...)
{
	struct conf *c = p->c;
	char *msg, *text, **w;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		va_end(ap);
		p->nomem = 1;
		return;
	}
	va_end(ap);
	if (asprintf(&text, "%s:%d: warning: %s", p->name, line, msg) < 0) {
		free(msg);
		p->nomem = 1;
		return;
	}
	free(msg);
	if ((w = realloc(c->warnings, (c->nwarnings + 1) * sizeof(*w))) == NULL) {
		free(text);
		p->nomem = 1;
		return;
	}
	c->warnings = w;
	c->warnings[c->nwarnings++] = text;
}

static char *
conf_strdup(struct conf_parser *p, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		p->nomem = 1;
	return d;
}

/* Replace *dst by a copy of s (the old value is freed: a key set twice is already an error). */
static void
conf_set_str(struct conf_parser *p, char **dst, const char *s)
{
	free(*dst);
	*dst = conf_strdup(p, s);
}

/* A path as written, resolved against the directory of the configuration file. */
static void
conf_set_path(struct conf_parser *p, char **dst, const char *path)
{
	free(*dst);
	*dst = NULL;
	if (path[0] == '/' || p->dir == NULL) {
		*dst = conf_strdup(p, path);
		return;
	}
	if (asprintf(dst, "%s%s%s", p->dir, strcmp(p->dir, "/") == 0 ? "" : "/", path) < 0) {
		*dst = NULL;
		p->nomem = 1;
	}
}

/* Decimal digits only, no sign, no spaces; within [min, max]. */
static int
conf_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (ULONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}, hex digits in any case. */
static int
conf_guid_valid(const char *s)
{
	static const char pattern[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
	size_t i;

	if (strlen(s) != sizeof(pattern) - 1)
		return 0;
	for (i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == 'x') {
			if (!isxdigit((unsigned char)s[i]))
				return 0;
		} else if (s[i] != pattern[i]) {
			return 0;
		}
	}
	return 1;
}

/* 40 hex digits; spaces are ignored, as netsh users paste thumbprints with them. */
static int
conf_thumbprint_valid(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (!isxdigit((unsigned char)*s))
			return 0;
		n++;
	}
	return n == 40;
}

/* A backend host name: letters, digits, '-', '_', dot-separated non-empty labels. */
static int
conf_hostname_valid(const char *s)
{
	size_t label = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/*
 * "http://HOST[:PORT][/]" with HOST a name, an IPv4 address or a bracketed IPv6 address.
 * Fills *host (brackets removed) and *port ("80" when omitted).  0 or -1 with a message.
 */
static int
conf_backend_parse(const char *v, char **host, char **port, char *msg, size_t msglen)
{
	const char *h, *end, *rest;
	char buf[INI_MAX_LINE + 1];
	unsigned long pnum;
	struct in6_addr a6;
	struct in_addr a4;
	size_t hlen;

	*host = *port = NULL;
	if (strncasecmp(v, "https://", 8) == 0) {
		snprintf(msg, msglen, "backend \"%s\": only http:// backends are supported "
		    "(sysbind terminates TLS and talks plain HTTP to the backend)", v);
		return -1;
	}
	if (strncasecmp(v, "http://", 7) != 0) {
		snprintf(msg, msglen, "backend \"%s\" must be http://HOST:PORT", v);
		return -1;
	}
	h = v + 7;
	if (*h == '[') {
		if ((end = strchr(h, ']')) == NULL) {
			snprintf(msg, msglen, "backend \"%s\": unterminated IPv6 address", v);
			return -1;
		}
		hlen = (size_t)(end - h - 1);
		if (hlen >= sizeof(buf))
			hlen = sizeof(buf) - 1;
		memcpy(buf, h + 1, hlen);
		buf[hlen] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1) {
			snprintf(msg, msglen, "backend \"%s\": \"%s\" is not an IPv6 address", v, buf);
			return -1;
		}
		rest = end + 1;
	} else {
		end = h + strcspn(h, ":/");
		hlen = (size_t)(end - h);
		if (hlen >= sizeof(buf))
			hlen = sizeof(buf) - 1;
		memcpy(buf, h, hlen);
		buf[hlen] = '\0';
		if (hlen == 0) {
			snprintf(msg, msglen, "backend \"%s\" has no host: use http://HOST:PORT", v);
			return -1;
		}
		if (strspn(buf, "0123456789.") == hlen) {
			if (inet_pton(AF_INET, buf, &a4) != 1) {
				snprintf(msg, msglen, "backend \"%s\": \"%s\" is not an IPv4 address",
				    v, buf);
				return -1;
			}
		} else if (!conf_hostname_valid(buf)) {
			snprintf(msg, msglen, "backend \"%s\": \"%s\" is not a host name, IPv4 "
			    "address or [IPv6] address", v, buf);
			return -1;
		}
		rest = end;
	}
	if (*rest == ':') {
		char pbuf[16];
		size_t plen = strcspn(rest + 1, "/");

		if (plen >= sizeof(pbuf))
			plen = sizeof(pbuf) - 1;
		memcpy(pbuf, rest + 1, plen);
		pbuf[plen] = '\0';
		if (conf_parse_ulong(pbuf, 1, 65535, &pnum) != 0) {
			snprintf(msg, msglen, "backend \"%s\": port must be a number from 1 to 65535",
			    v);
			return -1;
		}
		rest += 1 + strcspn(rest + 1, "/");
	} else {
		pnum = 80;
	}
	if (*rest != '\0' && strcmp(rest, "/") != 0) {
		snprintf(msg, msglen, "backend \"%s\": a backend is http://HOST:PORT with no path "
		    "(the request's path is forwarded unchanged)", v);
		return -1;
	}
	*host = strdup(buf);
	if (asprintf(port, "%lu", pnum) < 0)
		*port = NULL;
	if (*host == NULL || *port == NULL) {
		free(*host);
		free(*port);
		*host = *port = NULL;
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return 0;
}

static int
conf_sslkey_equal(const struct sslcert_key *a, const struct sslcert_key *b)
{
	if (a->kind != b->kind || a->port != b->port)
		return 0;
	switch (a->kind) {
	case SSLCERT_IPPORT:
		return binding_addr_equal(&a->addr, &b->addr);
	case SSLCERT_HOSTNAMEPORT:
		return strcasecmp(a->host, b->host) == 0;
	case SSLCERT_CCS:
		return 1;
	}
	return 0;
}

static int
conf_binding_equal(const struct binding *a, const struct binding *b)
{
	if (a->proto != b->proto || a->port != b->port || strcmp(a->host, b->host) != 0)
		return 0;
	if (a->addr.family == AF_UNSPEC || b->addr.family == AF_UNSPEC)
		return a->addr.family == b->addr.family;
	return binding_addr_equal(&a->addr, &b->addr);
}

/* Look a key up in a table; -1 when unknown. */
static int
conf_key_index(const char *const *table, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i], name) == 0)
			return i;
	return -1;
}

/* Record a key's line; 0 when it was already set in this section (reported). */
static int
conf_key_first(struct conf_parser *p, int idx, const char *name)
{
	if (p->cur_lines[idx] != 0) {
		conf_error(p, p->line, "duplicate key \"%s\" in %s (first at line %d)", name,
		    p->label, p->cur_lines[idx]);
		return 0;
	}
	p->cur_lines[idx] = p->line;
	return 1;
}

/* access_log / httperr_log: "-", "off" or a path. */
static void
conf_set_log(struct conf_parser *p, char **dst, const char *key, const char *v)
{
	if (*v == '\0') {
		conf_error(p, p->line, "%s must be a path, - (stdout) or off", key);
	} else if (strcmp(v, "off") == 0) {
		free(*dst);
		*dst = NULL;
	} else if (strcmp(v, "-") == 0) {
		conf_set_str(p, dst, "-");
	} else {
		conf_set_path(p, dst, v);
	}
}

static void
conf_server_key(struct conf_parser *p, const char *name, const char *v)
{
	struct conf *c = p->c;
	unsigned long n;
	size_t i;
	int k;

	if ((k = conf_key_index(server_keys, SK_COUNT, name)) < 0) {
		conf_error(p, p->line, "unknown key \"%s\" in [server]", name);
		return;
	}
	if (!conf_key_first(p, k, name))
		return;
	p->server_lines[k] = p->line;
	for (i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		const struct conf_numkey *nk = &num_keys[i];

		if (nk->key != k)
			continue;
		if (conf_parse_ulong(v, nk->min, nk->max, &n) != 0) {
			conf_error(p, p->line, "%s must be a number from %lu to %lu, not \"%s\"",
			    name, nk->min, nk->max, v);
			return;
		}
		switch (k) {
		case SK_MAX_FIELD_LENGTH: c->max_field_length = n; break;
		case SK_MAX_REQUEST_BYTES: c->max_request_bytes = n; break;
		case SK_MAX_URL_LENGTH: c->max_url_length = n; break;
		case SK_HEADER_WAIT_TIMEOUT: c->header_wait_timeout = (unsigned)n; break;
		case SK_IDLE_CONNECTION_TIMEOUT: c->idle_connection_timeout = (unsigned)n; break;
		case SK_ENTITY_BODY_TIMEOUT: c->entity_body_timeout = (unsigned)n; break;
		case SK_HANDSHAKE_TIMEOUT: c->handshake_timeout = (unsigned)n; break;
		case SK_MIN_SEND_RATE: c->min_send_rate = n; break;
		case SK_MAX_CONNECTIONS: c->max_connections = n; break;
		case SK_BACKEND_CONNECT_TIMEOUT: c->backend_connect_timeout = (unsigned)n; break;
		case SK_BACKEND_TIMEOUT: c->backend_timeout = (unsigned)n; break;
		case SK_WEBSOCKET_IDLE_TIMEOUT: c->websocket_idle_timeout = (unsigned)n; break;
		}
		return;
	}
	switch (k) {
	case SK_MODE:
		if (strcmp(v, "iis7") == 0)
			c->mode = CONF_MODE_IIS7;
		else if (strcmp(v, "iis8") == 0)
			c->mode = CONF_MODE_IIS8;
		else
			conf_error(p, p->line, "mode must be iis7 or iis8, not \"%s\"", v);
		break;
	case SK_WORKERS:
		if (strcmp(v, "auto") == 0)
			c->workers = 0;
		else if (conf_parse_ulong(v, 1, 64, &n) == 0)
			c->workers = (int)n;
		else
			conf_error(p, p->line, "workers must be auto or a number from 1 to 64, "
			    "not \"%s\"", v);
		break;
	case SK_ACCESS_LOG:
		conf_set_log(p, &c->access_log, name, v);
		break;
	case SK_HTTPERR_LOG:
		conf_set_log(p, &c->httperr_log, name, v);
		break;
	case SK_TRACE:
		if (strcmp(v, "on") == 0)
			c->trace = 1;
		else if (strcmp(v, "off") == 0)
			c->trace = 0;
		else
			conf_error(p, p->line, "trace must be on or off, not \"%s\"", v);
		break;
	case SK_CERT_STORE:
	case SK_TRUST:
	case SK_PID_FILE:
		if (*v == '\0') {
			conf_error(p, p->line, "%s needs a value", name);
			break;
		}
		conf_set_path(p, k == SK_CERT_STORE ? &c->cert_store :
		    k == SK_TRUST ? &c->trust : &c->pid_file, v);
		break;
	case SK_SERVER_HEADER:
		conf_set_str(p, &c->server_header, v);
		break;
	case SK_USER:
		if (*v == '\0')
			conf_error(p, p->line, "user needs a value (a user name)");
		else
			conf_set_str(p, &c->user, v);
		break;
	}
}

static void
conf_sslcert_key(struct conf_parser *p, const char *name, const char *v)
{
	struct conf_sslcert *e = &p->c->sslcerts[p->c->nsslcerts - 1];
	struct conf_entry_info *info = &p->sslinfo[p->c->nsslcerts - 1];
	unsigned allowed = e->key.kind == SSLCERT_CCS ? XK_CCS_KEYS : XK_CERT_KEYS;
	int k = conf_key_index(sslcert_keys, XK_COUNT, name);

	if (k < 0 || (allowed & XK_BIT(k)) == 0) {
		conf_error(p, p->line, "unknown key \"%s\" in %s", name, p->label);
		return;
	}
	if (!conf_key_first(p, k, name))
		return;
	info->lines[k] = p->line;
	switch (k) {
	case XK_CERTIFICATE:
	case XK_KEY:
	case XK_PFX:
	case XK_DIRECTORY:
		if (*v == '\0') {
			conf_error(p, p->line, "%s needs a value (a path)", name);
			break;
		}
		conf_set_path(p, k == XK_CERTIFICATE ? &e->certificate : k == XK_KEY ? &e->key_file :
		    k == XK_PFX ? &e->pfx : &e->directory, v);
		break;
	case XK_PFX_PASSWORD:
		conf_set_str(p, &e->pfx_password, v);
		break;
	case XK_PASSWORD:
		conf_set_str(p, &e->password, v);
		break;
	case XK_CERTHASH:
		if (!conf_thumbprint_valid(v))
			conf_error(p, p->line, "certhash must be a SHA-1 thumbprint of 40 hex digits, "
			    "not \"%s\"", v);
		else
			conf_set_str(p, &e->certhash, v);
		break;
	case XK_APPID:
		if (!conf_guid_valid(v))
			conf_error(p, p->line, "appid must be a GUID in braces, e.g. "
			    "{4dc3e181-e14b-4a21-b022-59fc669b0914}, not \"%s\"", v);
		else
			conf_set_str(p, &e->appid, v);
		break;
	case XK_CERTSTORENAME:
		if (*v == '\0')
			conf_error(p, p->line, "certstorename needs a value (e.g. MY)");
		else
			conf_set_str(p, &e->certstorename, v);
		break;
	}
}

static void
conf_site_bindings(struct conf_parser *p, struct conf_site *s, const char *v)
{
	char item[INI_MAX_LINE + 1], msg[512];
	const char *q = v;
	struct binding b, *nb;

	for (;;) {
		size_t n = strcspn(q, ","), a = 0, z = n;

		while (a < z && isspace((unsigned char)q[a]))
			a++;
		while (z > a && isspace((unsigned char)q[z - 1]))
			z--;
		if (z - a >= sizeof(item))
			z = a + sizeof(item) - 1;
		memcpy(item, q + a, z - a);
		item[z - a] = '\0';
		if (item[0] == '\0') {
			conf_error(p, p->line, "empty binding in the list (bindings are separated by "
			    "commas: https/*:443:host, http/*:80:host)");
		} else if (binding_parse(item, &b, msg, sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
		} else if ((nb = realloc(s->bindings, (s->nbindings + 1) * sizeof(*nb))) == NULL) {
			p->nomem = 1;
		} else {
			s->bindings = nb;
			s->bindings[s->nbindings++] = b;
		}
		if (q[n] == '\0')
			break;
		q += n + 1;
	}
}

static void
conf_site_key(struct conf_parser *p, const char *name, const char *v)
{
	struct conf_site *s = &p->c->sites[p->c->nsites - 1];
	struct conf_entry_info *info = &p->siteinfo[p->c->nsites - 1];
	unsigned long n;
	char msg[512];
	int k = conf_key_index(site_keys, TK_COUNT, name);

	if (k < 0) {
		conf_error(p, p->line, "unknown key \"%s\" in %s", name, p->label);
		return;
	}
	/* bindings is a list: it may be repeated, each line adding to it, so a site with
	 * many bindings is not held to inih's 200-character line. */
	if (k == TK_BINDINGS && p->cur_lines[k] != 0) {
		info->lines[k] = p->line;
	} else {
		if (!conf_key_first(p, k, name))
			return;
		info->lines[k] = p->line;
	}
	switch (k) {
	case TK_ID:
		if (conf_parse_ulong(v, 1, 2147483647UL, &n) != 0)
			conf_error(p, p->line, "id must be a positive number (1 to 2147483647), "
			    "not \"%s\"", v);
		else
			s->id = (long)n;
		break;
	case TK_BINDINGS:
		if (*v == '\0')
			conf_error(p, p->line, "bindings needs a value: protocol/IP:Port:Host, ...");
		else
			conf_site_bindings(p, s, v);
		break;
	case TK_BACKEND:
		free(s->backend);
		s->backend = NULL;
		if (conf_backend_parse(v, &s->backend_host, &s->backend_port, msg,
		    sizeof(msg)) != 0)
			conf_error(p, p->line, "%s", msg);
		else
			s->backend = conf_strdup(p, v);
		break;
	case TK_STATE:
		if (strcmp(v, "started") == 0)
			s->stopped = 0;
		else if (strcmp(v, "stopped") == 0)
			s->stopped = 1;
		else
			conf_error(p, p->line, "state must be started or stopped, not \"%s\"", v);
		break;
	}
}

/* inih's handler: one key = value of the section the reader last saw. */
static int
conf_ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parser *p = user;

	(void)section; /* inih truncates long section names; the reader's copy is used */
	if (value == NULL)
		value = "";
	if (name == NULL)
		return 1;
	if (*name == '\0') {
		conf_error(p, p->line, "missing key name before \"=\"");
		return 1;
	}
	switch (p->sec) {
	case SEC_SERVER:
		conf_server_key(p, name, value);
		break;
	case SEC_SSLCERT:
		conf_sslcert_key(p, name, value);
		break;
	case SEC_SITE:
		conf_site_key(p, name, value);
		break;
	case SEC_NONE:
	case SEC_SKIP:
		break;
	}
	return 1; /* errors are collected here, never through inih's return value */
}

/* The checks that need the whole section: required keys, keys that exclude each other. */
static void
conf_section_end(struct conf_parser *p)
{
	struct conf_entry_info *info = NULL;

	if (p->sec == SEC_SSLCERT) {
		struct conf_sslcert *e = &p->c->sslcerts[p->c->nsslcerts - 1];
		static const int src[] = { XK_CERTIFICATE, XK_PFX, XK_CERTHASH };
		int first = -1;
		size_t i;

		info = &p->sslinfo[p->c->nsslcerts - 1];
		if (e->key.kind == SSLCERT_CCS) {
			if (info->lines[XK_DIRECTORY] == 0)
				conf_error(p, p->sec_line, "%s needs directory (the Central Certificate "
				    "Store's folder of <host>.pfx files)", p->label);
		} else {
			for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
				if (info->lines[src[i]] == 0)
					continue;
				if (first < 0) {
					first = src[i];
					continue;
				}
				conf_error(p, info->lines[src[i]], "%s has both %s (line %d) and %s: "
				    "use exactly one of certificate, pfx or certhash", p->label,
				    sslcert_keys[first], info->lines[first], sslcert_keys[src[i]]);
			}
			if (first < 0)
				conf_error(p, p->sec_line, "%s needs one of certificate, pfx or certhash",
				    p->label);
			if (info->lines[XK_KEY] != 0 && info->lines[XK_CERTIFICATE] == 0)
				conf_error(p, info->lines[XK_KEY], "key is only used with certificate "
				    "(a PEM chain) in %s", p->label);
			if (info->lines[XK_PFX_PASSWORD] != 0 && info->lines[XK_PFX] == 0 &&
			    info->lines[XK_CERTHASH] == 0)
				conf_error(p, info->lines[XK_PFX_PASSWORD], "pfx_password is only used "
				    "with pfx or certhash in %s", p->label);
			if (e->certstorename == NULL)
				e->certstorename = conf_strdup(p, "MY");
		}
	} else if (p->sec == SEC_SITE) {
		info = &p->siteinfo[p->c->nsites - 1];
		if (info->lines[TK_ID] == 0)
			conf_error(p, p->sec_line, "%s needs id", p->label);
		if (info->lines[TK_BINDINGS] == 0)
			conf_error(p, p->sec_line, "%s needs bindings", p->label);
	}
	if (info != NULL && p->nmsgs > p->sec_nmsgs)
		info->bad = 1;
	p->sec = SEC_NONE;
}

/* Grow c->sslcerts / c->sites and their info arrays by one zeroed entry. */
static int
conf_grow(struct conf_parser *p, void **arr, size_t elem, struct conf_entry_info **info,
    size_t n)
{
	void *na;
	struct conf_entry_info *ni;

	if ((na = realloc(*arr, (n + 1) * elem)) == NULL) {
		p->nomem = 1;
		return -1;
	}
	*arr = na;
	memset((char *)na + n * elem, 0, elem);
	if ((ni = realloc(*info, (n + 1) * sizeof(*ni))) == NULL) {
		p->nomem = 1;
		return -1;
	}
	*info = ni;
	memset(&ni[n], 0, sizeof(*ni));
	return 0;
}

/* A section header "[kind name]": text is what lies between the brackets. */
static void
conf_section_begin(struct conf_parser *p, char *text)
{
	struct conf *c = p->c;
	char msg[512], *kind, *rest, *end;
	size_t i;

	conf_section_end(p);
	p->sec = SEC_SKIP;
	p->sec_line = p->line;
	p->sec_nmsgs = p->nmsgs;
	memset(p->cur_lines, 0, sizeof(p->cur_lines));

	while (isspace((unsigned char)*text))
		text++;
	end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	kind = text;
	rest = kind + strcspn(kind, " \t");
	if (*rest != '\0') {
		*rest++ = '\0';
		while (isspace((unsigned char)*rest))
			rest++;
	}
	if (*rest != '\0')
		snprintf(p->label, sizeof(p->label), "[%s %s]", kind, rest);
	else
		snprintf(p->label, sizeof(p->label), "[%s]", kind);

	if (strcmp(kind, "server") == 0) {
		if (*rest != '\0') {
			conf_error(p, p->line, "%s: the server section takes no name: [server]",
			    p->label);
		} else if (p->server_line != 0) {
			conf_error(p, p->line, "duplicate section [server] (first at line %d)",
			    p->server_line);
		} else {
			p->server_line = p->line;
			p->sec = SEC_SERVER;
		}
	} else if (strcmp(kind, "sslcert") == 0) {
		struct sslcert_key k;
		struct conf_sslcert *e;
		int dup = 0;

		if (*rest == '\0') {
			conf_error(p, p->line, "[sslcert] needs a key: [sslcert 0.0.0.0:443] (ipport), "
			    "[sslcert name:443] (hostnameport) or [sslcert ccs:443]");
			return;
		}
		if (binding_sslkey_parse(rest, &k, msg, sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
			return;
		}
		for (i = 0; i < c->nsslcerts; i++) {
			if (!p->sslinfo[i].dup && conf_sslkey_equal(&c->sslcerts[i].key, &k)) {
				conf_error(p, p->line, "duplicate section %s: the same certificate "
				    "binding as [sslcert %s] (line %d)", p->label, c->sslcerts[i].name,
				    c->sslcerts[i].line);
				dup = 1;
				break;
			}
		}
		if (conf_grow(p, (void **)&c->sslcerts, sizeof(*c->sslcerts), &p->sslinfo,
		    c->nsslcerts) != 0)
			return;
		e = &c->sslcerts[c->nsslcerts];
		p->sslinfo[c->nsslcerts].dup = dup;
		c->nsslcerts++;
		e->key = k;
		e->name = conf_strdup(p, rest);
		e->line = p->line;
		p->sec = SEC_SSLCERT;
	} else if (strcmp(kind, "site") == 0) {
		struct conf_site *s;
		int dup = 0;

		if (*rest == '\0') {
			conf_error(p, p->line, "[site] needs a name: [site NAME]");
			return;
		}
		for (i = 0; i < c->nsites; i++) {
			if (!p->siteinfo[i].dup && strcasecmp(c->sites[i].name, rest) == 0) {
				conf_error(p, p->line, "duplicate section [site %s] (first at line %d)",
				    rest, c->sites[i].line);
				dup = 1;
				break;
			}
		}
		if (conf_grow(p, (void **)&c->sites, sizeof(*c->sites), &p->siteinfo,
		    c->nsites) != 0)
			return;
		s = &c->sites[c->nsites];
		p->siteinfo[c->nsites].dup = dup;
		c->nsites++;
		s->name = conf_strdup(p, rest);
		s->line = p->line;
		p->sec = SEC_SITE;
	} else {
		conf_error(p, p->line, "unknown section %s: expected [server], [sslcert KEY] or "
		    "[site NAME]", p->label);
	}
}

/*
 * inih's line reader.  inih calls it once per line; it hands inih the line without its
 * indentation (so INI_ALLOW_MULTILINE never takes an indented key for a continuation),
 * and keeps from inih what inih would misreport or not report at all: over-long lines
 * (inih would split them), section headers (inih says nothing about empty or duplicate
 * sections), and lines that are not key = value (inih names only the first).
 */
static char *
conf_reader_cb(char *str, int num, void *stream)
{
	struct conf_parser *p = stream;
	const char *s, *nl, *q;
	size_t n, limit = num > 1 ? (size_t)num - 1 : 0;
	char *t;

	if (p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl != NULL ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl != NULL);
	p->line++;
	str[0] = '\0';
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (p->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (memchr(s, '\0', n) != NULL) {
		conf_error(p, p->line, "line contains a NUL byte");
		return str;
	}
	if (n > limit) {
		conf_error(p, p->line, "line too long (%zu characters, at most %zu)", n, limit);
		return str;
	}
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	memcpy(str, s, n);
	str[n] = '\0';

	if (n == 0 || str[0] == ';' || str[0] == '#')
		return str;
	if (str[0] == '[') {
		/* the last ']' before any " ;" comment: "[sslcert [::]:443]" holds two */
		for (t = str + 1; *t != '\0'; t++) {
			if (*t == ';' && isspace((unsigned char)t[-1])) {
				while (t > str && isspace((unsigned char)t[-1]))
					t--;
				*t = '\0';
				break;
			}
		}
		if ((t = strrchr(str, ']')) == NULL) {
			conf_error(p, p->line, "section header without a closing \"]\"");
			conf_section_end(p);
			p->sec = SEC_SKIP; /* its keys are not blamed on the section before */
		} else {
			*t = '\0';
			q = t + 1;
			while (isspace((unsigned char)*q))
				q++;
			conf_section_begin(p, str + 1);
			if (*q != '\0')
				conf_error(p, p->line, "unexpected text \"%s\" after the section header",
				    q);
		}
		str[0] = '\0'; /* handled here: inih sees a blank line */
		return str;
	}
	/* key = value (or inih's key: value); the separator must precede any " ;" comment */
	for (t = str; *t != '\0'; t++) {
		if (*t == '=' || *t == ':')
			break;
		if (*t == ';' && t > str && isspace((unsigned char)t[-1])) {
			t = str + n;
			break;
		}
	}
	if (*t == '\0') {
		conf_error(p, p->line, "syntax error: \"%s\" is not key = value, a [section] or "
		    "a ; comment", str);
		str[0] = '\0';
		return str;
	}
	if (p->sec == SEC_NONE) {
		*t = '\0';
		while (t > str && isspace((unsigned char)t[-1]))
			*--t = '\0';
		conf_error(p, p->line, "key \"%s\" outside any section: it belongs under [server], "
		    "[sslcert KEY] or [site NAME]", str);
		str[0] = '\0';
	}
	return str;
}

/* ---- checks that need the whole file ---- */

static void
conf_check_sslcerts(struct conf_parser *p)
{
	struct conf *c = p->c;
	size_t i;

	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];
		struct conf_entry_info *info = &p->sslinfo[i];

		if (info->dup)
			continue;
		if (c->mode == CONF_MODE_IIS7 && e->key.kind != SSLCERT_IPPORT) {
			conf_error(p, e->line, "[sslcert %s] is a %s binding: it needs mode = iis8",
			    e->name, e->key.kind == SSLCERT_CCS ? "ccs" : "hostnameport");
			info->bad = 1;
		}
		if (info->lines[XK_CERTHASH] != 0 && c->cert_store == NULL &&
		    p->server_lines[SK_CERT_STORE] == 0) {
			conf_error(p, info->lines[XK_CERTHASH], "certhash needs cert_store in [server] "
			    "(the directory where thumbprints are looked up)");
			info->bad = 1;
		}
	}
}

static void
conf_check_sites(struct conf_parser *p)
{
	struct conf *c = p->c;
	unsigned *ports = NULL;
	size_t nports = 0, i, j, k, l;
	char text[BINDING_HOST_MAX + 64];

	for (i = 0; i < c->nsites; i++) {
		struct conf_site *s = &c->sites[i];
		int bl = p->siteinfo[i].lines[TK_BINDINGS];

		if (p->siteinfo[i].dup)
			continue;
		for (j = 0; j < i; j++) {
			if (!p->siteinfo[j].dup && s->id != 0 && c->sites[j].id == s->id) {
				conf_error(p, p->siteinfo[i].lines[TK_ID], "id %ld of [site %s] is "
				    "already used by [site %s] (line %d)", s->id, s->name,
				    c->sites[j].name, p->siteinfo[j].lines[TK_ID]);
				break;
			}
		}
		for (k = 0; k < s->nbindings; k++) {
			const struct binding *b = &s->bindings[k];
			int found = 0;

			binding_format(b, text, sizeof(text));
			for (l = 0; l < k && !found; l++) {
				if (conf_binding_equal(&s->bindings[l], b)) {
					conf_error(p, bl, "binding %s appears twice in [site %s]", text,
					    s->name);
					found = 1;
				}
			}
			for (j = 0; j < i && !found; j++) {
				if (p->siteinfo[j].dup)
					continue;
				for (l = 0; l < c->sites[j].nbindings && !found; l++) {
					if (conf_binding_equal(&c->sites[j].bindings[l], b)) {
						conf_error(p, bl, "binding %s of [site %s] is already used by "
						    "[site %s] (line %d): IIS would refuse to start the second "
						    "site", text, s->name, c->sites[j].name,
						    p->siteinfo[j].lines[TK_BINDINGS]);
						found = 1;
					}
				}
			}
		}
	}

	/* A port is either http or https: one listener cannot speak both. */
	for (i = 0; i < c->nsites; i++) {
		if (p->siteinfo[i].dup)
			continue;
		for (k = 0; k < c->sites[i].nbindings; k++) {
			const struct binding *b = &c->sites[i].bindings[k];
			int done = 0;
			unsigned *np;

			for (l = 0; l < nports; l++)
				if (ports[l] == b->port)
					done = 1;
			if (done)
				continue;
			for (j = 0; j <= i && !done; j++) {
				size_t lim = j == i ? k : c->sites[j].nbindings;

				if (p->siteinfo[j].dup)
					continue;
				for (l = 0; l < lim && !done; l++) {
					const struct binding *o = &c->sites[j].bindings[l];

					if (o->port != b->port || o->proto == b->proto)
						continue;
					conf_error(p, p->siteinfo[i].lines[TK_BINDINGS], "port %u is used "
					    "by both http and https bindings (%s in [site %s], %s in "
					    "[site %s]): a port speaks one protocol", b->port,
					    o->proto == BINDING_HTTPS ? "https" : "http", c->sites[j].name,
					    b->proto == BINDING_HTTPS ? "https" : "http", c->sites[i].name);
					done = 1;
				}
			}
			if (done) {
				if ((np = realloc(ports, (nports + 1) * sizeof(*np))) == NULL) {
					p->nomem = 1;
					break;
				}
				ports = np;
				ports[nports++] = b->port;
			}
		}
	}
	free(ports);
}

/* With CONF_LOAD_CERTS: every certificate, store and trust bundle, errors at their keys. */
static void
conf_load_certs(struct conf_parser *p)
{
	struct conf *c = p->c;
	char msg[1024];
	size_t i;

	if (c->trust != NULL && p->server_lines[SK_TRUST] != 0) {
		c->trust_store = certstore_trust_load(c->trust, msg, sizeof(msg));
		if (c->trust_store == NULL)
			conf_error(p, p->server_lines[SK_TRUST], "%s", msg);
	}
	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];
		struct conf_entry_info *info = &p->sslinfo[i];
		int line;

		if (info->dup || info->bad)
			continue;
		msg[0] = '\0';
		if (e->key.kind == SSLCERT_CCS) {
			if (e->directory == NULL)
				continue;
			if ((e->ccs = certstore_ccs_load(e->directory, e->password, msg,
			    sizeof(msg))) == NULL)
				conf_error(p, info->lines[XK_DIRECTORY], "%s", msg);
			continue;
		}
		if (e->certificate != NULL) {
			e->cert = certstore_load_pem(e->certificate, e->key_file, msg, sizeof(msg));
			line = info->lines[XK_CERTIFICATE];
			/* certstore names the file that failed: blame the key's line for the key */
			if (e->key_file != NULL && strstr(msg, e->key_file) != NULL &&
			    strstr(msg, e->certificate) == NULL)
				line = info->lines[XK_KEY];
		} else if (e->pfx != NULL) {
			e->cert = certstore_load_pfx(e->pfx, e->pfx_password, msg, sizeof(msg));
			line = info->lines[XK_PFX];
		} else if (e->certhash != NULL && c->cert_store != NULL) {
			e->cert = certstore_find_thumbprint(c->cert_store, e->certhash,
			    e->pfx_password, 0, msg, sizeof(msg));
			line = info->lines[XK_CERTHASH];
		} else {
			continue;
		}
		if (e->cert == NULL)
			conf_error(p, line, "%s", msg[0] != '\0' ? msg : "cannot load the certificate");
	}
}

/* In iis8 mode an https binding whose host has an SNI entry is what IIS calls "Require
 * Server Name Indication": IIS Manager does not warn about sharing for it. */
static int
conf_binding_uses_sni(const struct conf *c, const struct binding *b)
{
	size_t i;

	if (c->mode != CONF_MODE_IIS8 || b->host[0] == '\0')
		return 0;
	for (i = 0; i < c->nsslcerts; i++) {
		const struct sslcert_key *k = &c->sslcerts[i].key;

		if (k->port != b->port)
			continue;
		if (k->kind == SSLCERT_CCS)
			return 1;
		if (k->kind == SSLCERT_HOSTNAMEPORT && strcasecmp(k->host, b->host) == 0)
			return 1;
	}
	return 0;
}

/*
 * IIS Manager's warnings.  (a) https bindings of different sites and host names that get
 * one ipport entry's certificate when the client sends no SNI; (b) in iis8 mode, an https
 * port with no ipport entry at all.
 */
static void
conf_warnings(struct conf_parser *p)
{
	struct conf *c = p->c;
	struct cert_choice ch;
	size_t e, i, k, j, l;
	char text[BINDING_HOST_MAX + 64];

	for (e = 0; e < c->nsslcerts; e++) {
		const struct conf_sslcert *entry = &c->sslcerts[e];
		const struct conf_site *first_site = NULL;
		const char *first_host = NULL;
		int other_site = 0, other_host = 0, count = 0;
		char *list = NULL;
		size_t listlen = 0;
		FILE *f;

		if (entry->key.kind != SSLCERT_IPPORT)
			continue;
		if ((f = open_memstream(&list, &listlen)) == NULL) {
			p->nomem = 1;
			return;
		}
		for (i = 0; i < c->nsites; i++) {
			const struct conf_site *s = &c->sites[i];

			for (k = 0; k < s->nbindings; k++) {
				const struct binding *b = &s->bindings[k];
				struct binding_addr local = b->addr;

				if (b->proto != BINDING_HTTPS || conf_binding_uses_sni(c, b))
					continue;
				if (local.family == AF_UNSPEC) {
					memset(&local, 0, sizeof(local));
					local.family = AF_INET;
				}
				binding_resolve_cert(c, &local, b->port, NULL, &ch);
				if (ch.entry != entry)
					continue;
				if (first_site == NULL) {
					first_site = s;
					first_host = b->host;
				} else {
					other_site |= s != first_site;
					other_host |= strcmp(b->host, first_host) != 0;
				}
				binding_format(b, text, sizeof(text));
				fprintf(f, "%s%s of [site %s]", count ? ", " : "", text, s->name);
				count++;
			}
		}
		fclose(f);
		if (other_site && other_host)
			conf_warning(p, entry->line, "At least one other site is using the same HTTPS "
			    "binding and the binding is configured with a different certificate. Are "
			    "you sure that you want to reuse this HTTPS binding and reassign the other "
			    "site or sites to use the new certificate? (clients without SNI get the "
			    "certificate of [sslcert %s] for: %s)", entry->name, list);
		free(list);
	}

	if (c->mode != CONF_MODE_IIS8)
		return;
	for (i = 0; i < c->nsites; i++) {
		for (k = 0; k < c->sites[i].nbindings; k++) {
			const struct binding *b = &c->sites[i].bindings[k];
			int seen = 0;

			if (b->proto != BINDING_HTTPS)
				continue;
			/* only the first https binding on each port speaks */
			for (j = 0; j <= i && !seen; j++) {
				size_t lim = j == i ? k : c->sites[j].nbindings;

				for (l = 0; l < lim && !seen; l++)
					seen = c->sites[j].bindings[l].proto == BINDING_HTTPS &&
					    c->sites[j].bindings[l].port == b->port;
			}
			for (e = 0; e < c->nsslcerts && !seen; e++)
				seen = c->sslcerts[e].key.kind == SSLCERT_IPPORT &&
				    c->sslcerts[e].key.port == b->port;
			if (seen)
				continue;
			conf_warning(p, p->siteinfo[i].lines[TK_BINDINGS], "No default SSL site has "
			    "been created. To support browsers without SNI capabilities, it is "
			    "recommended to create a default SSL site. (https port %u has no ipport "
			    "entry such as [sslcert 0.0.0.0:%u]: clients without SNI get no "
			    "certificate)", b->port, b->port);
		}
	}
}

static int
conf_msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every error, ordered by line, one per line in err; "... and N more" when it fills. */
static void
conf_format_errors(struct conf_parser *p, char *err, size_t errlen)
{
	size_t off = 0, i;
	int need;

	if (err == NULL || errlen == 0)
		return;
	err[0] = '\0';
	qsort(p->msgs, p->nmsgs, sizeof(*p->msgs), conf_msg_cmp);
	for (i = 0; i < p->nmsgs; i++) {
		const struct conf_msg *m = &p->msgs[i];
		size_t reserve = i + 1 < p->nmsgs ? CONF_ERR_RESERVE : 0;

		if (m->line > 0)
			need = snprintf(NULL, 0, "%s%s:%d: %s", off ? "\n" : "", p->name, m->line,
			    m->text);
		else
			need = snprintf(NULL, 0, "%s%s: %s", off ? "\n" : "", p->name, m->text);
		if (need < 0 || off + (size_t)need + reserve >= errlen)
			break;
		if (m->line > 0)
			snprintf(err + off, errlen - off, "%s%s:%d: %s", off ? "\n" : "", p->name,
			    m->line, m->text);
		else
			snprintf(err + off, errlen - off, "%s%s: %s", off ? "\n" : "", p->name,
			    m->text);
		off += (size_t)need;
	}
	if (i < p->nmsgs)
		snprintf(err + off, errlen - off, "%s... and %zu more", off ? "\n" : "",
		    p->nmsgs - i);
}

static struct conf *
conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->mode = CONF_MODE_IIS7;
	c->workers = 0;
	c->access_log = strdup("-");
	c->httperr_log = NULL;
	c->server_header = strdup("Microsoft-HTTPAPI/2.0");
	c->max_field_length = 16384;
	c->max_request_bytes = 16384;
	c->max_url_length = 16384;
	c->header_wait_timeout = 120;
	c->idle_connection_timeout = 120;
	c->entity_body_timeout = 120;
	c->handshake_timeout = 30;
	c->min_send_rate = 150;
	c->max_connections = 0;
	c->backend_connect_timeout = 5;
	c->backend_timeout = 120;
	c->websocket_idle_timeout = 120;
	if (c->access_log == NULL || c->server_header == NULL) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* The parse shared by conf_load and conf_parse: text of len bytes, named name. */
static struct conf *
conf_parse_text(const char *text, size_t len, const char *name, int flags, char *err,
    size_t errlen)
{
	struct conf_parser p;
	const char *slash;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = name != NULL ? name : "(config)";
	p.flags = flags;
	p.text = text;
	p.len = len;
	if ((p.c = conf_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", p.name);
		return NULL;
	}
	if ((p.c->path = strdup(p.name)) == NULL)
		p.nomem = 1;
	if ((slash = strrchr(p.name, '/')) != NULL) {
		if ((p.dir = strndup(p.name, slash == p.name ? 1 : (size_t)(slash - p.name))) == NULL)
			p.nomem = 1;
	}

	rc = ini_parse_stream(conf_reader_cb, &p, conf_ini_cb, &p);
	conf_section_end(&p);
	if (rc == -2)
		p.nomem = 1;
	else if (rc > 0) {
		/* inih found a syntax error the reader let through: report it, once */
		int seen = 0;

		for (i = 0; i < p.nmsgs; i++)
			seen |= p.msgs[i].line == rc;
		if (!seen)
			conf_error(&p, rc, "syntax error");
	}

	if (p.c->max_request_bytes < p.c->max_field_length)
		p.c->max_field_length = p.c->max_request_bytes; /* as HTTP.SYS caps it */
	conf_check_sslcerts(&p);
	conf_check_sites(&p);
	if ((flags & CONF_LOAD_CERTS) != 0)
		conf_load_certs(&p);
	if (p.nmsgs == 0 && !p.nomem)
		conf_warnings(&p);
	if (p.nomem)
		conf_error(&p, 0, "out of memory");

	if (p.nmsgs > 0) {
		conf_format_errors(&p, err, errlen);
		conf_free(p.c);
		p.c = NULL;
	}
	for (i = 0; i < p.nmsgs; i++)
		free(p.msgs[i].text);
	free(p.msgs);
	free(p.sslinfo);
	free(p.siteinfo);
	free(p.dir);
	return p.c;
}

/*
 * Read and validate path (see conf.h).  Returns a new conf (caller owns) or NULL with every
 * problem in err.  Start-up and reload code only; not for event callbacks (reads a file).
 */
struct conf *
conf_load(const char *path, int flags, char *err, size_t errlen)
{
	struct conf *c;
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			if (cap >= CONF_FILE_MAX) {
				snprintf(err, errlen, "%s: file larger than %d bytes", path, CONF_FILE_MAX);
				free(buf);
				fclose(f);
				return NULL;
			}
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	c = conf_parse_text(buf != NULL ? buf : "", len, path, flags, err, errlen);
	free(buf);
	return c;
}

/*
 * The same from a NUL-terminated string; name appears in messages and its directory
 * resolves relative paths.  Returns a new conf or NULL with every problem in err.
 */
struct conf *
conf_parse(const char *text, const char *name, int flags, char *err, size_t errlen)
{
	return conf_parse_text(text, strlen(text), name, flags, err, errlen);
}

/* Free c and everything it owns (certificates, CCS stores, trust).  NULL is a no-op. */
void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];

		free(e->name);
		free(e->certificate);
		free(e->key_file);
		free(e->pfx);
		free(e->pfx_password);
		free(e->certhash);
		free(e->directory);
		free(e->password);
		free(e->appid);
		free(e->certstorename);
		if (e->cert != NULL)
			certstore_cert_free(e->cert);
		if (e->ccs != NULL)
			certstore_ccs_free(e->ccs);
	}
	free(c->sslcerts);
	for (i = 0; i < c->nsites; i++) {
		struct conf_site *s = &c->sites[i];

		free(s->name);
		free(s->bindings);
		free(s->backend);
		free(s->backend_host);
		free(s->backend_port);
	}
	free(c->sites);
	for (i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	if (c->trust_store != NULL)
		X509_STORE_free(c->trust_store);
	free(c->path);
	free(c->access_log);
	free(c->httperr_log);
	free(c->cert_store);
	free(c->trust);
	free(c->server_header);
	free(c->user);
	free(c->pid_file);
	free(c);
}

/* "iis7" / "iis8".  Any thread. */
const char *
conf_mode_name(enum conf_mode m)
{
	return m == CONF_MODE_IIS8 ? "iis8" : "iis7";
}

/*
 * The sslcert entry with the same key (ipport addresses compared as binding_addr_equal
 * does, hostnameport names case-insensitively, ccs by port), or NULL.  Any thread.
 */
const struct conf_sslcert *
conf_find_sslcert(const struct conf *c, const struct sslcert_key *k)
{
	size_t i;

	for (i = 0; i < c->nsslcerts; i++)
		if (conf_sslkey_equal(&c->sslcerts[i].key, k))
			return &c->sslcerts[i];
	return NULL;
}
