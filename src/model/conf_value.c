/*
 * conf_value — one key's value of sysbind.ini(5), as its table row says: numbers within
 * their range, words, netsh's enable/disable, IIS's flag names, paths resolved beside the
 * file, GUIDs, thumbprints, header names, backends (http://HOST:PORT) and a site's list of
 * bindings.  conf_key_set stores a value into its entry or says why it is refused at the
 * line being read; defaults come through it too, so every default obeys its own key's
 * rules.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <ini.h>

#include "model/conf_int.h"
#include "base/strlist.h"
#include "model/http.h"
/* ---- values ---- */

/* Replace *dst by a copy of s. */
static void
conf_set_str(struct conf_parser *p, char **dst, const char *s)
{
	free(*dst);
	*dst = conf_strdup(p, s);
}

/* A path as written, resolved against the directory of the configuration file. */
void
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

int
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

int
conf_admin_addr(const char *v, struct sockaddr_storage *ss, unsigned *len, char *msg,
    size_t msglen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	char host[64];
	const char *colon;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (v[0] == '/') {
		if (strlen(v) >= sizeof(un->sun_path)) {
			snprintf(msg, msglen, "admin: the socket path is longer than %zu bytes",
			    sizeof(un->sun_path) - 1);
			return -1;
		}
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, v, strlen(v) + 1);
		*len = (unsigned)sizeof(*un);
		return 0;
	}
	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':' || (size_t)(close - v - 1) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(close - v - 1), v + 1);
		colon = close + 1;
	} else {
		if ((colon = strrchr(v, ':')) == NULL || (size_t)(colon - v) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - v), v);
	}
	if (conf_parse_ulong(colon + 1, 1, 65535, &port) != 0)
		goto bad;
	if (v[0] != '[' && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = (unsigned)sizeof(*in4);
		return 0;
	}
	if (v[0] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = (unsigned)sizeof(*in6);
		return 0;
	}
bad:
	snprintf(msg, msglen, "admin must be IPv4:PORT, [IPv6]:PORT or an absolute path of a "
	    "unix socket, not \"%s\"", v);
	return -1;
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

/* "auto or a number from 1 to 64", "iis7 or iis8": what a key accepts, for messages. */
static void
conf_key_accepts(const struct conf_key *k, char *buf, size_t len)
{
	size_t off = 0, i, n = 0;

	buf[0] = '\0';
	while (k->words != NULL && k->words[n].word != NULL)
		n++;
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
		    i == 0 ? "" : i + 1 == n && k->type != CONF_TYPE_NUMBER ? " or " : ", ",
		    k->words[i].word);
	if (k->type == CONF_TYPE_NUMBER && off < len)
		snprintf(buf + off, len - off, "%sa number from %lu to %lu", n > 0 ? " or " : "",
		    k->min, k->max);
}

/* Store v into a field of size bytes (an unsigned/int/enum or an unsigned long/long). */
static void
conf_store_number(void *field, size_t size, unsigned long v)
{
	if (size == sizeof(unsigned)) {
		unsigned u = (unsigned)v;

		memcpy(field, &u, sizeof(u));
	} else {
		memcpy(field, &v, sizeof(v));
	}
}
/*
 * IIS's flag names joined by commas, each once ("Ssl, SslRequireCert"; "None" alone), or a
 * number made only of the named bits.  Names compare without case, as IIS reads them.
 * Returns 0 with *out, or -1 with what was wrong (for the value of name) in msg.
 */
int
conf_flag_words_parse(const struct conf_word *words, const char *name, const char *v,
    unsigned long *out, char *msg, size_t msglen)
{
	unsigned long all = 0, got = 0, n;
	struct strlist l;
	const char *q;
	size_t i, len;
	int none = 0, names = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (i = 0; words[i].word != NULL; i++)
		all |= (unsigned long)words[i].value;
	if (*v >= '0' && *v <= '9') {
		if (conf_parse_ulong(v, 0, ULONG_MAX, &n) != 0 || (n & ~all) != 0) {
			snprintf(msg, msglen, "%s \"%s\": a number may only hold the bits of the "
			    "names (%lu in all)", name, v, all);
			return -1;
		}
		*out = n;
		return 0;
	}
	strlist_init(&l, v, NULL, STRLIST_BLANKS);
	while (strlist_next(&l, &q, &len)) {
		for (i = 0; words[i].word != NULL; i++)
			if (strlen(words[i].word) == len && strncasecmp(q, words[i].word, len) == 0)
				break;
		if (len == 0 || words[i].word == NULL) {
			size_t off = 0, k;

			off = (size_t)snprintf(msg, msglen, "%s: \"%.*s\" is not one of ", name,
			    (int)len, q);
			for (k = 0; words[k].word != NULL; k++)
				off += (size_t)snprintf(msg + (off < msglen ? off : msglen),
				    off < msglen ? msglen - off : 0, "%s%s", k == 0 ? "" :
				    words[k + 1].word == NULL ? " or " : ", ", words[k].word);
			return -1;
		}
		if (got & (unsigned long)words[i].value) {
			snprintf(msg, msglen, "%s: %s given twice", name, words[i].word);
			return -1;
		}
		if (words[i].value == 0)
			none = 1;
		names++;
		got |= (unsigned long)words[i].value;
	}
	if (none && names > 1) {
		snprintf(msg, msglen, "%s: None cannot be combined with other names", name);
		return -1;
	}
	*out = got;
	return 0;
}

/* An HTTP header field name (RFC 9110 token); "" when EMPTY_OK.  Names sysbind writes
 * or removes itself are refused, in every spelling a CGI-style backend reads as the same
 * variable (http_name_eq_cgi: X_Forwarded_For would be HTTP_X_FORWARDED_FOR twice). */
static int
conf_header_valid(const char *v, char *msg, size_t msglen)
{
	static const char *const own[] = { "host", "content-length", "transfer-encoding",
	    "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
	    "http2-settings", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host" };
	const char *p;
	size_t i;

	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL) {
			snprintf(msg, msglen, "\"%s\" is not a header name (letters, digits and "
			    "!#$%%&'*+-.^_`|~ only)", v);
			return -1;
		}
	if (p - v > 128) {
		snprintf(msg, msglen, "\"%.40s...\" is longer than 128 characters", v);
		return -1;
	}
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (http_name_eq_cgi(v, strlen(v), own[i], strlen(own[i]))) {
			snprintf(msg, msglen, "%s is a header sysbind itself writes or removes: "
			    "choose another name, e.g. X-ARR-ClientCert", v);
			return -1;
		}
	return 0;
}

/* v as a FLAGS key spells it: its names in table order, joined by ", "; "None" (the
 * name of 0) when no bit is set. */
const char *
conf_flags_format(const struct conf_key *k, unsigned long v, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; k->words[i].word != NULL; i++) {
		unsigned long bit = (unsigned long)k->words[i].value;

		if (bit == 0 ? v != 0 : (v & bit) != bit)
			continue;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
		    off > 0 ? ", " : "", k->words[i].word);
	}
	return buf;
}

/* Append a copy of path (resolved) to the NULL-terminated list at field. */
static void
conf_list_append(struct conf_parser *p, char ***field, const char *path)
{
	char *one = NULL, **list;
	size_t n = 0;

	conf_set_path(p, &one, path);
	if (one == NULL)
		return;
	while (*field != NULL && (*field)[n] != NULL)
		n++;
	if ((list = realloc(*field, (n + 2) * sizeof(*list))) == NULL) {
		free(one);
		p->nomem = 1;
		return;
	}
	list[n] = one;
	list[n + 1] = NULL;
	*field = list;
}

void
conf_list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static void
conf_site_bindings(struct conf_parser *p, struct conf_site *s, struct conf_entry_info *info,
    const char *v)
{
	char item[INI_MAX_LINE + 1], msg[512];
	const char *q;
	struct binding b, *nb;
	struct strlist l;
	size_t n;
	int *nl;

	strlist_init(&l, v, NULL, STRLIST_SPACE);
	while (strlist_next(&l, &q, &n)) {
		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, q, n);
		item[n] = '\0';
		if (item[0] == '\0') {
			conf_error(p, p->line, "empty binding in the list (bindings are separated by "
			    "commas: https/*:443:host, http/*:80:host)");
		} else if (binding_parse(item, &b, msg, sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
		} else if ((nb = realloc(s->bindings, (s->nbindings + 1) * sizeof(*nb))) == NULL) {
			p->nomem = 1;
		} else {
			s->bindings = nb;
			if ((nl = realloc(info->blines, (s->nbindings + 1) * sizeof(*nl))) == NULL) {
				p->nomem = 1;
			} else {
				info->blines = nl;
				info->blines[s->nbindings] = p->line;
				s->bindings[s->nbindings++] = b;
			}
		}
	}
}

/*
 * Set key k of the entry at base (struct conf, conf_sslcert or conf_site) from v, as the
 * file spells it; a bad value is an error at the current line.  Defaults come through here
 * too, so every default obeys its own key's rules.
 */
void
conf_key_set(struct conf_parser *p, void *base, struct conf_entry_info *info,
    const struct conf_key *k, const char *v)
{
	void *field = (char *)base + k->offset;
	char accepts[256], msg[512];
	unsigned long n;
	size_t i;

	if (*v == '\0' && !(k->flags & CONF_KEY_EMPTY_OK) && k->type != CONF_TYPE_NUMBER &&
	    k->type != CONF_TYPE_WORD && k->type != CONF_TYPE_LOG) {
		if (k->type == CONF_TYPE_BINDINGS)
			conf_error(p, p->line, "bindings needs a value: protocol/IP:Port:Host, ...");
		else
			conf_error(p, p->line, "%s needs a value%s%s%s", k->name,
			    k->value != NULL ? " (" : "", k->value != NULL ? k->value : "",
			    k->value != NULL ? ")" : "");
		return;
	}
	switch (k->type) {
	case CONF_TYPE_NUMBER:
	case CONF_TYPE_WORD:
		for (i = 0; k->words != NULL && k->words[i].word != NULL; i++) {
			if (strcmp(v, k->words[i].word) == 0) {
				conf_store_number(field, k->size, (unsigned long)k->words[i].value);
				return;
			}
		}
		if (k->type == CONF_TYPE_NUMBER && conf_parse_ulong(v, k->min, k->max, &n) == 0) {
			conf_store_number(field, k->size, n);
			return;
		}
		conf_key_accepts(k, accepts, sizeof(accepts));
		conf_error(p, p->line, "%s must be %s, not \"%s\"", k->name, accepts, v);
		return;
	case CONF_TYPE_PATH:
		if (k->flags & CONF_KEY_REPEAT)
			conf_list_append(p, (char ***)field, v);
		else
			conf_set_path(p, (char **)field, v);
		return;
	case CONF_TYPE_SWITCH:
		for (i = 0; k->words[i].word != NULL; i++) {
			if (strcmp(v, k->words[i].word) == 0) {
				unsigned bits;

				memcpy(&bits, field, sizeof(bits));
				if (k->words[i].value)
					bits |= (unsigned)k->bit;
				else
					bits &= ~(unsigned)k->bit;
				memcpy(field, &bits, sizeof(bits));
				return;
			}
		}
		conf_error(p, p->line, "%s must be enable or disable, not \"%s\"", k->name, v);
		return;
	case CONF_TYPE_FLAGS:
		if (conf_flag_words_parse(k->words, k->name, v, &n, msg, sizeof(msg)) != 0)
			conf_error(p, p->line, "%s", msg);
		else
			conf_store_number(field, k->size, n);
		return;
	case CONF_TYPE_LISTEN: {
		struct sockaddr_storage ss;
		unsigned len;

		if (conf_admin_addr(v, &ss, &len, msg, sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
		} else {
			conf_set_str(p, (char **)field, v);
			p->c->admin_line = p->line;   /* named by `netsh http show servicestate` */
		}
		return;
	}
	case CONF_TYPE_HEADER:
		if (conf_header_valid(v, msg, sizeof(msg)) != 0)
			conf_error(p, p->line, "%s: %s", k->name, msg);
		else
			conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_LOG:
		if (*v == '\0')
			conf_error(p, p->line, "%s must be a path, - (stdout) or off", k->name);
		else if (strcmp(v, "off") == 0) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (strcmp(v, "-") == 0)
			conf_set_str(p, (char **)field, "-");
		else
			conf_set_path(p, (char **)field, v);
		return;
	case CONF_TYPE_STRING:
		conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_GUID:
		if (!conf_guid_valid(v))
			conf_error(p, p->line, "%s must be a GUID in braces, e.g. "
			    "{4dc3e181-e14b-4a21-b022-59fc669b0914}, not \"%s\"", k->name, v);
		else
			conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_THUMBPRINT:
		if (!conf_thumbprint_valid(v))
			conf_error(p, p->line, "%s must be a SHA-1 thumbprint of 40 hex digits, not "
			    "\"%s\"", k->name, v);
		else
			conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_BINDINGS:
		conf_site_bindings(p, base, info, v);
		return;
	case CONF_TYPE_BACKEND: {
		struct conf_site *s = base;

		free(s->backend);
		free(s->backend_host);
		free(s->backend_port);
		s->backend = s->backend_host = s->backend_port = NULL;
		if (conf_backend_parse(v, &s->backend_host, &s->backend_port, msg,
		    sizeof(msg)) != 0)
			conf_error(p, p->line, "%s", msg);
		else
			s->backend = conf_strdup(p, v);
		return;
	}
	}
}
