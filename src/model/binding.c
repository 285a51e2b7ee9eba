/*
 * binding — parsing the IIS binding triplet and sslcert keys, and the two HTTP.SYS
 * decisions: the certificate for a handshake (§1.1) and the site for a request
 * (§1.2).  Pure functions over an immutable struct conf: no sockets, no I/O, no globals,
 * so the daemon, the views and the unit tests get the same answers.  Loading the
 * certificates the decisions point at is certstore's business, not this file's.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"

static const unsigned char v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parse a decimal port 1-65535 spanning exactly [s, s+len). */
static int
parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

void
binding_addr_from(const struct sockaddr *sa, struct binding_addr *a, unsigned *port)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->ip, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->ip, &s6->sin6_addr, 16);
		}
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		*port = ntohs(s4->sin_port);
		a->family = AF_INET;
		memcpy(a->ip, &s4->sin_addr, 4);
	}
}

int
binding_addr_parse(const char *text, struct binding_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(text);

	memset(a, 0, sizeof(*a));
	if (strcmp(text, "*") == 0) {
		a->family = AF_UNSPEC;
		return 0;
	}
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		if (len - 2 >= sizeof(buf))
			return -1;
		memcpy(buf, text + 1, len - 2);
		buf[len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, a->ip) != 1)
			return -1;
		a->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, text, a->ip) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a->ip) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

void
binding_addr_format(const struct binding_addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	/* IPv4 by hand: the proxy writes the client's address per request (X-Forwarded-For,
	 * the logs), and inet_ntop's is a sprintf */
	if (a->family == AF_INET && len >= INET_ADDRSTRLEN) {
		char *p = buf;

		for (int i = 0; i < 4; i++) {
			unsigned v = a->ip[i];

			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (a->family == AF_INET6 && len >= INET6_ADDRSTRLEN &&
	    inet_ntop(AF_INET6, a->ip, buf, (socklen_t)len) != NULL)
		return;
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (inet_ntop(a->family, a->ip, tmp, sizeof(tmp)) != NULL) {
			snprintf(buf, len, "%s", tmp);
			return;
		}
	}
	snprintf(buf, len, "*");
}

void
binding_ipport_format(const struct binding_addr *a, unsigned port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	binding_addr_format(a, ip, sizeof(ip));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
}

int
binding_addr_is_wildcard(const struct binding_addr *a)
{
	static const unsigned char zero[16];

	if (a->family == AF_INET)
		return memcmp(a->ip, zero, 4) == 0;
	if (a->family == AF_INET6)
		return memcmp(a->ip, zero, 16) == 0;
	return 0;
}

/* Reduce an IPv4-mapped IPv6 address to its IPv4 form. */
static void
addr_canon(const struct binding_addr *in, struct binding_addr *out)
{
	*out = *in;
	if (in->family == AF_INET6 && memcmp(in->ip, v4mapped_prefix, 12) == 0) {
		memset(out, 0, sizeof(*out));
		out->family = AF_INET;
		memcpy(out->ip, in->ip + 12, 4);
	}
}

/*
 * Hash keys are built by hand, not with snprintf: two are built for each handshake's
 * certificate choice, where snprintf's "%02x" per byte cost more than the lookup.
 * Each appends at buf[*off], bounded by len (room kept for the NUL the caller writes).
 */
static void
key_str(char *buf, size_t len, size_t *off, const char *s)
{
	while (*s != '\0' && *off + 1 < len)
		buf[(*off)++] = *s++;
}

static void
key_uint(char *buf, size_t len, size_t *off, unsigned u)
{
	char d[12];
	size_t n = 0;

	do
		d[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	while (n > 0 && *off + 1 < len)
		buf[(*off)++] = d[--n];
}

/* The address as lowercase hex of its canonical bytes, "*" for All Unassigned. */
static void
addr_hex(const struct binding_addr *in, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	struct binding_addr a;
	size_t i, n, off = 0;

	if (len == 0)
		return;
	addr_canon(in, &a);
	if (a.family == AF_UNSPEC) {
		key_str(buf, len, &off, "*");
	} else {
		n = a.family == AF_INET ? 4 : 16;
		for (i = 0; i < n && off + 3 <= len; i++) {
			buf[off++] = hex[a.ip[i] >> 4];
			buf[off++] = hex[a.ip[i] & 15];
		}
	}
	buf[off] = '\0';
}

void
binding_hashkey(const struct binding *b, char *buf, size_t len)
{
	char ip[40];

	addr_hex(&b->addr, ip, sizeof(ip));
	snprintf(buf, len, "%c|%s|%u|%s", b->proto == BINDING_HTTPS ? 's' : 'p', ip, b->port,
	    b->host);
}

void
binding_sslkey_hashkey(const struct sslcert_key *k, char *buf, size_t len)
{
	char ip[40];
	size_t i, off = 0;

	if (len == 0)
		return;
	switch (k->kind) {
	case SSLCERT_IPPORT:   /* "i|7f000001|443" */
		addr_hex(&k->addr, ip, sizeof(ip));
		key_str(buf, len, &off, "i|");
		key_str(buf, len, &off, ip);
		key_str(buf, len, &off, "|");
		key_uint(buf, len, &off, k->port);
		break;
	case SSLCERT_HOSTNAMEPORT:   /* "h|443|www.example.com", the name lowercased */
		key_str(buf, len, &off, "h|");
		key_uint(buf, len, &off, k->port);
		key_str(buf, len, &off, "|");
		for (i = 0; k->host[i] != '\0' && off + 1 < len; i++)
			buf[off++] = (char)tolower((unsigned char)k->host[i]);
		break;
	case SSLCERT_CCS:   /* "c|443" */
		key_str(buf, len, &off, "c|");
		key_uint(buf, len, &off, k->port);
		break;
	default:
		key_str(buf, len, &off, "?");
		break;
	}
	buf[off] = '\0';
}

int
binding_sslkey_equal(const struct sslcert_key *a, const struct sslcert_key *b)
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

/* FNV-1a over n bytes, continuing from h. */
static uint32_t
hash_bytes(uint32_t h, const unsigned char *p, size_t n)
{
	while (n-- > 0) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

uint32_t
binding_sslkey_hash(const struct sslcert_key *k)
{
	unsigned char head[6];
	struct binding_addr a;
	uint32_t h;
	const char *s;

	head[0] = (unsigned char)k->kind;
	head[1] = (unsigned char)(k->port & 0xff);
	head[2] = (unsigned char)((k->port >> 8) & 0xff);
	head[3] = (unsigned char)((k->port >> 16) & 0xff);
	head[4] = (unsigned char)((k->port >> 24) & 0xff);
	head[5] = 0;
	switch (k->kind) {
	case SSLCERT_IPPORT:
		/* as binding_addr_equal: IPv4-mapped IPv6 as IPv4, the bytes of 4 or 16 */
		addr_canon(&k->addr, &a);
		head[5] = a.family == AF_INET ? 4 : a.family == AF_INET6 ? 16 : 0;
		h = hash_bytes(2166136261u, head, sizeof(head));
		return hash_bytes(h, a.ip, head[5]);
	case SSLCERT_HOSTNAMEPORT:
		/* as strcasecmp: letters folded */
		h = hash_bytes(2166136261u, head, sizeof(head));
		for (s = k->host; *s != '\0'; s++) {
			h ^= (unsigned char)tolower((unsigned char)*s);
			h *= 16777619u;
		}
		return h;
	default:
		return hash_bytes(2166136261u, head, sizeof(head));
	}
}

int
binding_addr_equal(const struct binding_addr *a, const struct binding_addr *b)
{
	struct binding_addr x, y;

	addr_canon(a, &x);
	addr_canon(b, &y);
	if (x.family != y.family)
		return 0;
	if (x.family == AF_INET)
		return memcmp(x.ip, y.ip, 4) == 0;
	if (x.family == AF_INET6)
		return memcmp(x.ip, y.ip, 16) == 0;
	return 1; /* both "*" */
}

/*
 * Validate and lowercase a DNS-style host name of [s, s+len) into out.  wildcard_ok
 * allows IIS 10's "*.example.com" (left-most label only).  Returns 0 or -1 with err.
 */
static int
host_check(const char *s, size_t len, int wildcard_ok, char *out, size_t outlen,
    char *err, size_t errlen)
{
	size_t i, label = 0;

	if (len == 0) {
		snprintf(err, errlen, "empty host name");
		return -1;
	}
	if (len >= outlen || len > 253) {
		snprintf(err, errlen, "host name longer than 253 characters");
		return -1;
	}
	if (s[len - 1] == '.') {
		snprintf(err, errlen, "host name \"%.*s\" ends with a dot (HTTP.SYS matches no such host)",
		    (int)len, s);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '*') {
			if (i != 0 || len < 3 || s[1] != '.') {
				snprintf(err, errlen, "host name \"%.*s\": a wildcard is allowed only as the "
				    "whole left-most label (\"*.example.com\")", (int)len, s);
				return -1;
			}
			if (!wildcard_ok) {
				/* the form is right, the place is not: a client sends one real name */
				snprintf(err, errlen, "host name \"%.*s\": a wildcard names no one host; "
				    "a client sends a real name (e.g. www%.*s)", (int)len, s,
				    (int)(len - 1), s + 1);
				return -1;
			}
			out[i] = '*';
			label++;
			continue;
		}
		if (ch == '.') {
			if (label == 0) {
				snprintf(err, errlen, "host name \"%.*s\" has an empty label", (int)len, s);
				return -1;
			}
			label = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++label > 63) {
				snprintf(err, errlen, "host name \"%.*s\" has a label over 63 characters",
				    (int)len, s);
				return -1;
			}
		} else {
			snprintf(err, errlen, "host name \"%.*s\" has a character not allowed in a host name",
			    (int)len, s);
			return -1;
		}
		out[i] = (char)tolower(ch);
	}
	out[len] = '\0';
	return 0;
}

int
binding_parse(const char *text, struct binding *b, char *err, size_t errlen)
{
	const char *slash, *rest, *ipend, *portstart, *colon2;
	char ip[INET6_ADDRSTRLEN + 2];
	char herr[256];

	memset(b, 0, sizeof(*b));
	slash = strchr(text, '/');
	if (slash == NULL) {
		snprintf(err, errlen, "binding \"%s\" is not protocol/IP:Port:Host", text);
		return -1;
	}
	if ((size_t)(slash - text) == 4 && strncasecmp(text, "http", 4) == 0)
		b->proto = BINDING_HTTP;
	else if ((size_t)(slash - text) == 5 && strncasecmp(text, "https", 5) == 0)
		b->proto = BINDING_HTTPS;
	else {
		snprintf(err, errlen, "binding \"%s\": protocol must be http or https", text);
		return -1;
	}
	rest = slash + 1;
	if (*rest == '[') {
		ipend = strchr(rest, ']');
		if (ipend == NULL || ipend[1] != ':') {
			snprintf(err, errlen, "binding \"%s\": unterminated IPv6 address", text);
			return -1;
		}
		ipend++;
	} else {
		ipend = strchr(rest, ':');
		if (ipend == NULL) {
			snprintf(err, errlen, "binding \"%s\" is not protocol/IP:Port:Host", text);
			return -1;
		}
	}
	if ((size_t)(ipend - rest) >= sizeof(ip) || ipend == rest) {
		snprintf(err, errlen, "binding \"%s\": bad IP address", text);
		return -1;
	}
	memcpy(ip, rest, (size_t)(ipend - rest));
	ip[ipend - rest] = '\0';
	if (binding_addr_parse(ip, &b->addr) != 0 ||
	    (b->addr.family == AF_INET6 && ip[0] != '[')) {
		snprintf(err, errlen, "binding \"%s\": \"%s\" is not an IP address or *%s", text, ip,
		    strchr(ip, ':') != NULL && ip[0] != '[' ? " (IPv6 goes in brackets)" : "");
		return -1;
	}
	portstart = ipend + 1;
	colon2 = strchr(portstart, ':');
	if (colon2 == NULL) {
		snprintf(err, errlen, "binding \"%s\" is not protocol/IP:Port:Host (the host part, "
		    "even empty, needs its colon)", text);
		return -1;
	}
	if (parse_port(portstart, (size_t)(colon2 - portstart), &b->port) != 0) {
		snprintf(err, errlen, "binding \"%s\": port must be 1-65535", text);
		return -1;
	}
	if (colon2[1] == '\0') {
		b->host[0] = '\0';
		return 0;
	}
	if (host_check(colon2 + 1, strlen(colon2 + 1), 1, b->host, sizeof(b->host),
	    herr, sizeof(herr)) != 0) {
		snprintf(err, errlen, "binding \"%s\": %s", text, herr);
		return -1;
	}
	return 0;
}

void
binding_format(const struct binding *b, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	binding_addr_format(&b->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%s%s%s:%u:%s", b->proto == BINDING_HTTPS ? "https" : "http",
	    b->addr.family == AF_INET6 ? "[" : "", ip, b->addr.family == AF_INET6 ? "]" : "",
	    b->port, b->host);
}

int
binding_sslkey_parse(const char *text, struct sslcert_key *k, char *err, size_t errlen)
{
	const char *colon;
	char ip[INET6_ADDRSTRLEN + 2];
	char herr[256];

	memset(k, 0, sizeof(*k));
	colon = strrchr(text, ':');
	if (colon == NULL || parse_port(colon + 1, strlen(colon + 1), &k->port) != 0) {
		snprintf(err, errlen, "sslcert \"%s\" must end in :PORT (1-65535): "
		    "ipport 0.0.0.0:443, hostnameport name:443 or ccs:443", text);
		return -1;
	}
	if ((size_t)(colon - text) == 3 && strncasecmp(text, "ccs", 3) == 0) {
		k->kind = SSLCERT_CCS;
		return 0;
	}
	if ((size_t)(colon - text) >= sizeof(ip) || colon == text) {
		snprintf(err, errlen, "sslcert \"%s\": bad address or host name", text);
		return -1;
	}
	memcpy(ip, text, (size_t)(colon - text));
	ip[colon - text] = '\0';
	if (strcmp(ip, "*") == 0) {
		snprintf(err, errlen, "sslcert \"%s\": netsh has no \"*\"; use 0.0.0.0:%u (all IPv4 and "
		    "IPv6 addresses) or [::]:%u (IPv6 only)", text, k->port, k->port);
		return -1;
	}
	if (ip[0] == '[') {
		if (binding_addr_parse(ip, &k->addr) != 0) {
			snprintf(err, errlen, "sslcert \"%s\": \"%s\" is not an IPv6 address", text, ip);
			return -1;
		}
		k->kind = SSLCERT_IPPORT;
		return 0;
	}
	if (strchr(ip, ':') != NULL) {
		snprintf(err, errlen, "sslcert \"%s\": IPv6 addresses go in brackets, e.g. [::]:%u",
		    text, k->port);
		return -1;
	}
	if (binding_addr_parse(ip, &k->addr) == 0 && k->addr.family == AF_INET) {
		k->kind = SSLCERT_IPPORT;
		return 0;
	}
	memset(&k->addr, 0, sizeof(k->addr));
	/* "*.example.com:443" is a hostnameport key too: IIS 10 writes one for a wildcard
	 * https binding with Require SNI, and netsh shows it back as "Hostname:port" */
	if (host_check(ip, strlen(ip), 1, k->host, sizeof(k->host), herr, sizeof(herr)) != 0) {
		snprintf(err, errlen, "sslcert \"%s\": %s", text, herr);
		return -1;
	}
	k->kind = SSLCERT_HOSTNAMEPORT;
	return 0;
}

void
binding_sslkey_format(const struct sslcert_key *k, char *buf, size_t len)
{
	switch (k->kind) {
	case SSLCERT_IPPORT:
		binding_ipport_format(&k->addr, k->port, buf, len);
		break;
	case SSLCERT_HOSTNAMEPORT:
		snprintf(buf, len, "%s:%u", k->host, k->port);
		break;
	case SSLCERT_CCS:
		snprintf(buf, len, "%u", k->port);
		break;
	}
}

int
binding_host_normalize(const char *in, char *out, size_t outlen)
{
	const char *end, *colon;
	char err[256];
	size_t len;
	unsigned port;

	if (in == NULL || *in == '\0')
		return -1;
	if (in[0] == '[') {
		struct in6_addr a6;
		char v6[INET6_ADDRSTRLEN];
		size_t i, n;

		end = strchr(in, ']');
		if (end == NULL)
			return -1;
		n = (size_t)(end - in - 1);
		if (n == 0 || n >= sizeof(v6))
			return -1;
		memcpy(v6, in + 1, n);
		v6[n] = '\0';
		if (inet_pton(AF_INET6, v6, &a6) != 1)
			return -1;
		if (end[1] != '\0' && (end[1] != ':' ||
		    (end[2] != '\0' && parse_port(end + 2, strlen(end + 2), &port) != 0)))
			return -1;
		if (n + 3 > outlen)
			return -1;
		out[0] = '[';
		for (i = 0; i < n; i++)
			out[i + 1] = (char)tolower((unsigned char)v6[i]);
		out[n + 1] = ']';
		out[n + 2] = '\0';
		return 0;
	}
	colon = strchr(in, ':');
	if (colon != NULL) {
		if (strchr(colon + 1, ':') != NULL)
			return -1;
		if (colon[1] != '\0' && parse_port(colon + 1, strlen(colon + 1), &port) != 0)
			return -1;
		len = (size_t)(colon - in);
	} else
		len = strlen(in);
	return host_check(in, len, 0, out, outlen, err, sizeof(err));
}

int
binding_host_is_wildcard(const char *host)
{
	return host[0] == '*' && host[1] == '.';
}

/* ---- §1.1 ---- */

static void
choice_note(struct cert_choice *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
choice_note(struct cert_choice *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nsteps >= CERT_TRACE_MAX)
		return;
	if (c->quiet) {
		c->nsteps++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(c->steps[c->nsteps++], sizeof(c->steps[0]), fmt, ap);
	va_end(ap);
}

static void
choice_take(struct cert_choice *c, enum cert_step step, const struct conf_sslcert *e,
    const struct cert *cert)
{
	char key[BINDING_HOST_MAX + 16];

	c->step = step;
	c->entry = e;
	c->cert = cert;
	c->sni_used = step == CERT_STEP_HOSTNAMEPORT || step == CERT_STEP_CCS;
	if (c->quiet)
		return;
	binding_sslkey_format(&e->key, key, sizeof(key));
	if (step == CERT_STEP_CCS)
		snprintf(c->selected_by, sizeof(c->selected_by), "ccs %u -> %s", e->key.port,
		    c->ccs_file);
	else
		snprintf(c->selected_by, sizeof(c->selected_by), "%s %s%s",
		    e->key.kind == SSLCERT_HOSTNAMEPORT ? "hostnameport" : "ipport", key,
		    e->key.kind == SSLCERT_HOSTNAMEPORT && binding_host_is_wildcard(e->key.host) ?
		    " (wildcard)" : "");
}

static const struct conf_sslcert *
find_ipport(const struct conf *cfg, const struct binding_addr *a, unsigned port)
{
	struct sslcert_key k;

	memset(&k, 0, sizeof(k));
	k.kind = SSLCERT_IPPORT;
	k.addr = *a;
	k.port = port;
	return conf_find_sslcert(cfg, &k);
}

/*
 * Take entry e found by step, or, when its certificate cannot be served (it was not
 * found in the store, or has no private key: e->unavailable says why), note that the
 * handshake fails there: HTTP.SYS does not look further once an entry matched.
 * Returns 0 or -1 as binding_resolve_cert.
 */
static int
choice_entry(struct cert_choice *out, enum cert_step step, const struct conf_sslcert *e,
    const char *what)
{
	choice_take(out, step, e, e->cert);
	if (e->cert != NULL) {
		choice_note(out, "%s: entry found: chosen", what);
		return 0;
	}
	choice_note(out, "%s: entry found, but its certificate is not available (%.200s): the "
	    "handshake fails", what, e->unavailable != NULL ? e->unavailable : "not loaded");
	return -1;
}

static int
step_ccs(const struct conf *cfg, unsigned port, const char *sni, struct cert_choice *out)
{
	const struct conf_sslcert *e = NULL;
	const struct cert *c;
	const char *dot;
	char name[BINDING_HOST_MAX];

	{
		struct sslcert_key k;

		memset(&k, 0, sizeof(k));
		k.kind = SSLCERT_CCS;
		k.port = port;
		e = conf_find_sslcert(cfg, &k);
	}
	if (e == NULL) {
		choice_note(out, "step 3 ccs %u: no Central Certificate Store entry for port %u",
		    port, port);
		return -1;
	}
	if (e->ccs == NULL) {
		choice_note(out, "step 3 ccs %u: store %s not loaded", port,
		    e->directory != NULL ? e->directory : "(no directory)");
		return -1;
	}
	if ((c = certstore_ccs_get(e->ccs, sni)) != NULL) {
		snprintf(out->ccs_file, sizeof(out->ccs_file), "%s.pfx", sni);
		choice_note(out, "step 3 ccs %u: %s.pfx found in %s: chosen", port, sni,
		    certstore_ccs_dir(e->ccs));
		choice_take(out, CERT_STEP_CCS, e, c);
		return 0;
	}
	dot = strchr(sni, '.');
	if (dot == NULL || dot[1] == '\0') {
		choice_note(out, "step 3 ccs %u: no %s.pfx in %s, and no parent name for a _. file",
		    port, sni, certstore_ccs_dir(e->ccs));
		return -1;
	}
	snprintf(name, sizeof(name), "_.%.240s", dot + 1);
	if ((c = certstore_ccs_get(e->ccs, name)) != NULL) {
		snprintf(out->ccs_file, sizeof(out->ccs_file), "%s.pfx", name);
		choice_note(out, "step 3 ccs %u: no %s.pfx, %s.pfx found in %s: chosen", port, sni,
		    name, certstore_ccs_dir(e->ccs));
		choice_take(out, CERT_STEP_CCS, e, c);
		return 0;
	}
	choice_note(out, "step 3 ccs %u: neither %s.pfx nor %s.pfx in %s", port, sni, name,
	    certstore_ccs_dir(e->ccs));
	return -1;
}

/*
 * Step 2's second look, after the exact name found no entry: "*.parent:port" for an SNI
 * name one label under parent (a.example.com, not example.com nor a.b.example.com, which
 * would be *.com and *.b.example.com).  Whether HTTP.SYS looks so, and in this order, is
 * not documented: [server] hostnameport_wildcard says (after-exact, or off).  Returns 0
 * with *found, or -1 with what the step's "no entry" line should add in note ("" when
 * the name has no parent; notelen 0: no note, nobody narrates).
 */
static int
step_wildcard(const struct conf *cfg, unsigned port, const char *sni,
    const struct conf_sslcert **found, char *note, size_t notelen)
{
	struct sslcert_key k;
	const char *dot = strchr(sni, '.');

	if (notelen > 0)
		note[0] = '\0';
	if (dot == NULL || dot == sni || dot[1] == '\0' || sni[0] == '*')
		return -1;
	if (cfg->hostnameport_wildcard == CONF_SNI_WILDCARD_OFF) {
		if (notelen > 0)
			snprintf(note, notelen, " (*%.200s:%u not looked up: "
			    "hostnameport_wildcard = off)", dot, port);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	k.kind = SSLCERT_HOSTNAMEPORT;
	k.port = port;
	snprintf(k.host, sizeof(k.host), "*%s", dot);
	if ((*found = conf_find_sslcert(cfg, &k)) != NULL)
		return 0;
	if (notelen > 0)
		snprintf(note, notelen, ", nor *%.200s:%u (wildcard)", dot, port);
	return -1;
}

static int
resolve_cert(const struct conf *cfg, const struct binding_addr *local_in,
    unsigned port, const char *sni_in, struct cert_choice *out, int quiet);

int
binding_resolve_cert(const struct conf *cfg, const struct binding_addr *local_in,
    unsigned port, const char *sni_in, struct cert_choice *out)
{
	return resolve_cert(cfg, local_in, port, sni_in, out, 0);
}

int
binding_choose_cert(const struct conf *cfg, const struct binding_addr *local_in,
    unsigned port, const char *sni_in, struct cert_choice *out)
{
	return resolve_cert(cfg, local_in, port, sni_in, out, 1);
}

static int
resolve_cert(const struct conf *cfg, const struct binding_addr *local_in,
    unsigned port, const char *sni_in, struct cert_choice *out, int quiet)
{
	const struct conf_sslcert *e;
	struct binding_addr local, wild;
	char ipport[INET6_ADDRSTRLEN + 16], sni[BINDING_HOST_MAX], what[2 * BINDING_HOST_MAX + 64];
	char wnote[256];
	const char *s = NULL;
	size_t i;

	/* (out->steps alone is 3 KiB: only the parts read are cleared) */
	out->step = CERT_STEP_NONE;
	out->entry = NULL;
	out->cert = NULL;
	out->ccs_file[0] = '\0';
	out->sni_used = 0;
	out->nsteps = 0;
	out->quiet = quiet;
	memcpy(out->selected_by, "none", sizeof("none"));
	/* the sentences' parts (ipport, what, wnote) are formatted only when narrated */
	ipport[0] = what[0] = '\0';
	addr_canon(local_in, &local);

	/* SNI carries a DNS name; compare it lowercased, exactly, then (step_wildcard) with
	 * its left-most label as "*". */
	if (sni_in != NULL && *sni_in != '\0') {
		for (i = 0; sni_in[i] != '\0' && i + 1 < sizeof(sni); i++)
			sni[i] = (char)tolower((unsigned char)sni_in[i]);
		sni[i] = '\0';
		s = sni;
	}

	if (!quiet)
		binding_ipport_format(&local, port, ipport, sizeof(ipport));
	if (!binding_addr_is_wildcard(&local) && (e = find_ipport(cfg, &local, port)) != NULL) {
		if (!quiet)
			snprintf(what, sizeof(what), "step 1 ipport %s", ipport);
		return choice_entry(out, CERT_STEP_IPPORT_EXACT, e, what);
	}
	choice_note(out, "step 1 ipport %s: no entry", ipport);

	if (cfg->mode == CONF_MODE_IIS8 && s != NULL) {
		struct sslcert_key k;

		memset(&k, 0, sizeof(k));
		k.kind = SSLCERT_HOSTNAMEPORT;
		k.port = port;
		memcpy(k.host, s, strlen(s) + 1);   /* (s is shorter than sni[]: the same size) */
		if ((e = conf_find_sslcert(cfg, &k)) != NULL) {
			if (!quiet)
				snprintf(what, sizeof(what), "step 2 hostnameport %s:%u", s, port);
			return choice_entry(out, CERT_STEP_HOSTNAMEPORT, e, what);
		}
		if (step_wildcard(cfg, port, s, &e, wnote, quiet ? 0 : sizeof(wnote)) == 0) {
			choice_note(out, "step 2 hostnameport %s:%u: no entry", s, port);
			if (!quiet)
				snprintf(what, sizeof(what), "step 2 hostnameport %s:%u (wildcard, "
				    "covers %s)", e->key.host, port, s);
			return choice_entry(out, CERT_STEP_HOSTNAMEPORT, e, what);
		}
		choice_note(out, "step 2 hostnameport %s:%u: no entry%s", s, port, wnote);
		if (step_ccs(cfg, port, s, out) == 0)
			return 0;
	} else if (s != NULL) {
		choice_note(out, "steps 2-3 skipped: SNI \"%s\" ignored, iis7 mode (HTTP.SYS before "
		    "SNI) chooses by IP:Port alone", s);
	} else {
		choice_note(out, "steps 2-3 skipped: the client sent no SNI");
	}

	/*
	 * 0.0.0.0:port "is applicable to all IPv4 and IPv6 addresses", [::]:port "to all IPv6
	 * addresses" (HTTP_SERVICE_CONFIG_SSL_KEY): an IPv6 client tries the narrower [::]
	 * first, then 0.0.0.0; an IPv4 client only 0.0.0.0.
	 */
	memset(&wild, 0, sizeof(wild));
	if (local.family == AF_INET6) {
		wild.family = AF_INET6;
		if (!quiet)
			binding_ipport_format(&wild, port, ipport, sizeof(ipport));
		if ((e = find_ipport(cfg, &wild, port)) != NULL) {
			if (!quiet)
				snprintf(what, sizeof(what), "step 4 ipport %s", ipport);
			return choice_entry(out, CERT_STEP_IPPORT_WILDCARD, e, what);
		}
		choice_note(out, "step 4 ipport %s: no entry", ipport);
	}
	wild.family = AF_INET;
	if (!quiet)
		binding_ipport_format(&wild, port, ipport, sizeof(ipport));
	if ((e = find_ipport(cfg, &wild, port)) != NULL) {
		if (!quiet)
			snprintf(what, sizeof(what), "step 4 ipport %s%s", ipport,
			    local.family == AF_INET6 ? " (0.0.0.0 applies to IPv6 clients too when "
			    "no [::] entry exists)" : "");
		return choice_entry(out, CERT_STEP_IPPORT_WILDCARD, e, what);
	}
	choice_note(out, "step 4 ipport %s: no entry", ipport);
	choice_note(out, "step 5: no certificate: the handshake fails");
	return -1;
}

/* ---- §1.2 ---- */

const char *
binding_route_tier_name(enum route_tier t)
{
	switch (t) {
	case ROUTE_HOST_EXACT:    return "host name";
	case ROUTE_HOST_WILDCARD: return "wildcard host name";
	case ROUTE_BLANK_IP:      return "blank host on the exact IP";
	case ROUTE_BLANK_ANY:     return "blank host on All Unassigned (*)";
	case ROUTE_NONE:          return "no match";
	}
	return "?";
}

/* 1 when wildcard binding host "*.example.com" covers host (one label deep). */
static int
wildcard_match(const char *pattern, const char *host)
{
	const char *dot = strchr(host, '.');

	if (pattern[0] != '*' || pattern[1] != '.' || dot == NULL || dot == host)
		return 0;
	return strcmp(dot + 1, pattern + 2) == 0;
}

int
binding_route(const struct conf *cfg, enum binding_proto proto,
    const struct binding_addr *local_in, unsigned port, const char *host_in, int http10,
    struct route *out)
{
	const struct conf_site *best_site = NULL;
	const struct binding *best = NULL;
	int best_rank = 0;
	struct binding_addr local;
	char host[BINDING_HOST_MAX];
	size_t i, j;

	memset(out, 0, sizeof(*out));
	out->tier = ROUTE_NONE;
	addr_canon(local_in, &local);

	if (host_in == NULL && !http10) {
		out->status = 400;
		out->reason = "Hostname";
		snprintf(out->explain, sizeof(out->explain),
		    "HTTP/1.1 request without a Host: HTTP.SYS answers 400");
		return -1;
	}
	if (host_in != NULL && binding_host_normalize(host_in, host, sizeof(host)) != 0) {
		out->status = 400;
		out->reason = "Hostname";
		snprintf(out->explain, sizeof(out->explain),
		    "host \"%.200s\" is not a valid host name (trailing dot or bad character): "
		    "it matches no binding", host_in);
		return -1;
	}

	/*
	 * Rank each candidate: tier (lower is better) first, then exact IP before "*".
	 * rank = tier * 2 + (any IP); the lowest wins.  Ties keep the first in file order.
	 */
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *site = &cfg->sites[i];

		for (j = 0; j < site->nbindings; j++) {
			const struct binding *b = &site->bindings[j];
			int any = b->addr.family == AF_UNSPEC, tier, rank;

			if (b->proto != proto || b->port != port)
				continue;
			if (!any && !binding_addr_equal(&b->addr, &local))
				continue;
			if (b->host[0] == '\0')
				tier = any ? ROUTE_BLANK_ANY : ROUTE_BLANK_IP;
			else if (host_in == NULL)
				continue;
			else if (b->host[0] == '*')
				tier = wildcard_match(b->host, host) ? ROUTE_HOST_WILDCARD : 0;
			else
				tier = strcmp(b->host, host) == 0 ? ROUTE_HOST_EXACT : 0;
			if (tier == 0)
				continue;
			rank = tier * 2 + any;
			/* the same binding on a stopped site and a started one (IIS left the
			 * second site stopped): the started site has it */
			if (best == NULL || rank < best_rank ||
			    (rank == best_rank && best_site->stopped && !site->stopped)) {
				best = b;
				best_site = site;
				best_rank = rank;
			}
		}
	}

	if (best == NULL) {
		out->status = 400;
		out->reason = "Hostname";
		if (host_in == NULL)
			snprintf(out->explain, sizeof(out->explain), "HTTP/1.0 request without a Host and "
			    "no blank-host %s binding on port %u: 400 Invalid Hostname",
			    proto == BINDING_HTTPS ? "https" : "http", port);
		else
			snprintf(out->explain, sizeof(out->explain), "no %s binding on port %u matches host "
			    "\"%s\": 400 Invalid Hostname", proto == BINDING_HTTPS ? "https" : "http", port,
			    host);
		return -1;
	}

	out->site = best_site;
	out->binding = best;
	out->tier = (enum route_tier)(best_rank / 2);
	if (best_site->stopped) {
		char bt[BINDING_HOST_MAX + 64];

		/* Only a refusal needs the sentence: formatting it for every served request
		 * cost more than the rest of the routing (measured with callgrind). */
		binding_format(best, bt, sizeof(bt));
		snprintf(out->explain, sizeof(out->explain), "binding %.200s of site \"%.80s\" (%.40s)"
		    ": the site is stopped, 503", bt, best_site->name,
		    binding_route_tier_name(out->tier));
		out->status = 503;
		out->reason = "Disabled";
		return -1;
	}
	return 0;
}

/* ---- sites sharing one HTTPS binding ---- */

/* In iis8 mode an https binding whose host has an SNI entry (or whose port a ccs one) is
 * what IIS calls "Require Server Name Indication": it shares no ipport certificate. */
static int
binding_uses_sni(const struct conf *c, const struct binding *b)
{
	struct sslcert_key k;
	const char *dot;

	if (c->mode != CONF_MODE_IIS8 || b->host[0] == '\0')
		return 0;
	memset(&k, 0, sizeof(k));
	k.kind = SSLCERT_CCS;
	k.port = b->port;
	if (conf_find_sslcert(c, &k) != NULL)
		return 1;
	k.kind = SSLCERT_HOSTNAMEPORT;
	snprintf(k.host, sizeof(k.host), "%s", b->host);
	if (conf_find_sslcert(c, &k) != NULL)
		return 1;
	/* a name a "*.parent" entry covers (step 2's second look) */
	dot = strchr(b->host, '.');
	if (c->hostnameport_wildcard == CONF_SNI_WILDCARD_OFF || binding_host_is_wildcard(b->host) ||
	    dot == NULL || dot == b->host)
		return 0;
	snprintf(k.host, sizeof(k.host), "*%s", dot);
	return conf_find_sslcert(c, &k) != NULL;
}

void
binding_shares_free(struct binding_share *s, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		free(s[i].members);
	free(s);
}

int
binding_shares(const struct conf *c, struct binding_share **out, size_t *nout)
{
	struct cert_choice ch;
	struct binding_share_member *m = NULL;
	struct binding_share *shares = NULL;
	size_t *head = NULL, *next = NULL, *tail = NULL, *count = NULL;
	size_t i, k, e, o, nb = 0, ord = 0, nshares = 0;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < c->nsites; i++)
		nb += c->sites[i].nbindings;
	if (nb == 0 || c->nsslcerts == 0)
		return 0;
	/* one list per entry, chained through next[] (1-based; 0 ends a list) */
	if ((head = calloc(c->nsslcerts, sizeof(*head))) == NULL ||
	    (tail = calloc(c->nsslcerts, sizeof(*tail))) == NULL ||
	    (count = calloc(c->nsslcerts, sizeof(*count))) == NULL ||
	    (next = calloc(nb, sizeof(*next))) == NULL || (m = calloc(nb, sizeof(*m))) == NULL)
		goto done;
	for (i = 0; i < c->nsites; i++) {
		for (k = 0; k < c->sites[i].nbindings; k++) {
			const struct binding *b = &c->sites[i].bindings[k];
			struct binding_addr local = b->addr;

			if (b->proto != BINDING_HTTPS || binding_uses_sni(c, b))
				continue;
			if (local.family == AF_UNSPEC) {
				memset(&local, 0, sizeof(local));
				local.family = AF_INET;
			}
			binding_choose_cert(c, &local, b->port, NULL, &ch);
			if (ch.entry == NULL || ch.entry->key.kind != SSLCERT_IPPORT)
				continue;
			e = (size_t)(ch.entry - c->sslcerts);
			m[ord].site = &c->sites[i];
			m[ord].binding = b;
			if (head[e] == 0)
				head[e] = ord + 1;
			else
				next[tail[e] - 1] = ord + 1;
			tail[e] = ord + 1;
			count[e]++;
			ord++;
		}
	}
	for (e = 0; e < c->nsslcerts; e++) {
		const struct binding_share_member *first = NULL;
		int other_site = 0, other_host = 0;

		for (o = head[e]; o != 0; o = next[o - 1]) {
			if (first == NULL) {
				first = &m[o - 1];
				continue;
			}
			other_site |= m[o - 1].site != first->site;
			other_host |= strcmp(m[o - 1].binding->host, first->binding->host) != 0;
		}
		if (!other_site || !other_host)
			count[e] = 0;   /* not shared */
		else
			nshares++;
	}
	if (nshares > 0 && (shares = calloc(nshares, sizeof(*shares))) == NULL)
		goto done;
	for (e = 0, i = 0; e < c->nsslcerts && i < nshares; e++) {
		struct binding_share *s = &shares[i];

		if (count[e] == 0)
			continue;
		s->entry = &c->sslcerts[e];
		if ((s->members = calloc(count[e], sizeof(*s->members))) == NULL) {
			binding_shares_free(shares, i);
			shares = NULL;
			goto done;
		}
		for (o = head[e]; o != 0; o = next[o - 1])
			s->members[s->nmembers++] = m[o - 1];
		i++;
	}
	*out = shares;
	*nout = nshares;
	rc = 0;
done:
	free(head);
	free(tail);
	free(count);
	free(next);
	free(m);
	return rc;
}

const struct binding_share *
binding_share_of(const struct binding_share *s, size_t n, const struct conf_sslcert *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].entry == e)
			return &s[i];
	return NULL;
}
