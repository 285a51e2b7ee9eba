/*
 * import — `sysbind import`: IIS's applicationHost.config (expat) and the text of `netsh
 * http show sslcert` turned into a sysbind configuration (see import.h for the decisions).
 * This file owns the two readers and the writing of the configuration text; whether the
 * text is valid is conf.c's to say (conf_parse), and writing the file is cli.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <expat.h>

#include "import.h"
#include "binding.h"
#include "certstore.h"
#include "conf.h"

#define IMPORT_LINE_MAX 199   /* Debian's inih reads at most 199 characters a line */
#define IMPORT_DEPTH_MAX 64

struct import_binding {
	char *text;      /* protocol/bindingInformation as written */
	int   sslflags;
	int   line;
};

struct import_site {
	char                  *name;
	long                   id;
	int                    autostart;   /* -1 unset, 0 false, 1 true */
	int                    state;       /* -1 unset, 0 started, 1 stopped */
	char                  *pool;
	char                  *path;        /* physicalPath of the root virtual directory */
	struct import_binding *bindings;
	size_t                 nbindings;
	int                    line;
};

struct import_xml {
	XML_Parser          parser;
	const char         *name;
	FILE               *warn;
	size_t              depth;
	char                stack[IMPORT_DEPTH_MAX][40];
	int                 in_root_app;     /* inside <application path="/"> of a site */
	int                 saw_sites;
	int                 default_autostart; /* <siteDefaults serverAutoStart=>, -1 unset */
	char               *default_pool;    /* <applicationDefaults applicationPool=> */
	struct import_site *sites;
	size_t              nsites;
	int                 nomem;
};

static void import_warn(FILE *warn, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
import_warn(FILE *warn, const char *name, int line, const char *fmt, ...)
{
	va_list ap;

	if (warn == NULL)
		return;
	if (line > 0)
		fprintf(warn, "%s:%d: warning: ", name, line);
	else
		fprintf(warn, "%s: warning: ", name);
	va_start(ap, fmt);
	vfprintf(warn, fmt, ap);
	va_end(ap);
	fputc('\n', warn);
}

static const char *
xml_attr(const XML_Char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], name) == 0)
			return atts[1];
	return NULL;
}

/* 1 when the open elements are exactly the '/'-separated path (from the root). */
static int
xml_at(const struct import_xml *x, const char *path)
{
	size_t i = 0;
	const char *p = path;

	for (; *p != '\0'; i++) {
		size_t n = strcspn(p, "/");

		if (i >= x->depth || strlen(x->stack[i]) != n || strncmp(x->stack[i], p, n) != 0)
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return i == x->depth;
}

static int
xml_bool(const char *v)
{
	return v != NULL && strcasecmp(v, "false") == 0 ? 0 : 1;
}

#define SITES "configuration/system.applicationHost/sites"

static void
xml_site_begin(struct import_xml *x, const XML_Char **atts, int line)
{
	struct import_site *ns, *s;
	const char *v;

	if ((ns = realloc(x->sites, (x->nsites + 1) * sizeof(*ns))) == NULL) {
		x->nomem = 1;
		return;
	}
	x->sites = ns;
	s = &x->sites[x->nsites++];
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->autostart = -1;
	s->state = -1;
	s->name = strdup((v = xml_attr(atts, "name")) != NULL ? v : "");
	if (s->name == NULL)
		x->nomem = 1;
	if ((v = xml_attr(atts, "id")) != NULL) {
		char *end;

		errno = 0;
		s->id = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || s->id < 1)
			s->id = 0;
	}
	if ((v = xml_attr(atts, "serverAutoStart")) != NULL)
		s->autostart = xml_bool(v);
	if ((v = xml_attr(atts, "state")) != NULL)
		s->state = strcasecmp(v, "stopped") == 0 || strcasecmp(v, "stopping") == 0;
}

static void
xml_binding(struct import_xml *x, struct import_site *s, const XML_Char **atts, int line)
{
	const char *proto = xml_attr(atts, "protocol");
	const char *info = xml_attr(atts, "bindingInformation");
	const char *flags = xml_attr(atts, "sslFlags");
	struct import_binding *nb;
	char *text;

	if (proto == NULL || info == NULL) {
		import_warn(x->warn, x->name, line, "site \"%s\": <binding> without protocol or "
		    "bindingInformation: not carried over", s->name);
		return;
	}
	if (strcasecmp(proto, "http") != 0 && strcasecmp(proto, "https") != 0) {
		import_warn(x->warn, x->name, line, "site \"%s\": binding %s/%s: protocol %s is "
		    "not supported (sysbind serves http and https): not carried over", s->name,
		    proto, info, proto);
		return;
	}
	if (asprintf(&text, "%s/%s", proto, info) < 0) {
		x->nomem = 1;
		return;
	}
	if ((nb = realloc(s->bindings, (s->nbindings + 1) * sizeof(*nb))) == NULL) {
		free(text);
		x->nomem = 1;
		return;
	}
	s->bindings = nb;
	nb = &s->bindings[s->nbindings++];
	nb->text = text;
	nb->line = line;
	nb->sslflags = flags != NULL ? atoi(flags) : 0;
}

static void XMLCALL
xml_start_cb(void *user, const XML_Char *el, const XML_Char **atts)
{
	struct import_xml *x = user;
	int line = (int)XML_GetCurrentLineNumber(x->parser);
	struct import_site *s = x->nsites > 0 ? &x->sites[x->nsites - 1] : NULL;
	const char *v;

	if (x->depth < IMPORT_DEPTH_MAX)
		snprintf(x->stack[x->depth], sizeof(x->stack[0]), "%s", el);
	x->depth++;

	if (xml_at(x, SITES)) {
		x->saw_sites = 1;
	} else if (xml_at(x, SITES "/site")) {
		xml_site_begin(x, atts, line);
	} else if (xml_at(x, SITES "/siteDefaults")) {
		if ((v = xml_attr(atts, "serverAutoStart")) != NULL)
			x->default_autostart = xml_bool(v);
	} else if (xml_at(x, SITES "/applicationDefaults")) {
		if ((v = xml_attr(atts, "applicationPool")) != NULL && x->default_pool == NULL)
			x->default_pool = strdup(v);
	} else if (s != NULL && xml_at(x, SITES "/site/application")) {
		v = xml_attr(atts, "path");
		x->in_root_app = v != NULL && strcmp(v, "/") == 0;
		if (x->in_root_app && (v = xml_attr(atts, "applicationPool")) != NULL &&
		    s->pool == NULL)
			s->pool = strdup(v);
	} else if (s != NULL && x->in_root_app &&
	    xml_at(x, SITES "/site/application/virtualDirectory")) {
		v = xml_attr(atts, "path");
		if (v != NULL && strcmp(v, "/") == 0 &&
		    (v = xml_attr(atts, "physicalPath")) != NULL && s->path == NULL)
			s->path = strdup(v);
	} else if (s != NULL && xml_at(x, SITES "/site/bindings/binding")) {
		xml_binding(x, s, atts, line);
	} else if (s != NULL && xml_at(x, SITES "/site/bindings/clear")) {
		size_t i;

		for (i = 0; i < s->nbindings; i++)
			free(s->bindings[i].text);
		s->nbindings = 0;
	}
}

static void XMLCALL
xml_end_cb(void *user, const XML_Char *el)
{
	struct import_xml *x = user;

	(void)el;
	if (xml_at(x, SITES "/site/application"))
		x->in_root_app = 0;
	if (x->depth > 0)
		x->depth--;
}

static void
xml_clear(struct import_xml *x)
{
	size_t i, j;

	for (i = 0; i < x->nsites; i++) {
		for (j = 0; j < x->sites[i].nbindings; j++)
			free(x->sites[i].bindings[j].text);
		free(x->sites[i].bindings);
		free(x->sites[i].name);
		free(x->sites[i].pool);
		free(x->sites[i].path);
	}
	free(x->sites);
	free(x->default_pool);
	x->sites = NULL;
	x->nsites = 0;
}

/* Read a whole file into a NUL-terminated buffer. */
static char *
import_slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (nb == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
xml_read(const char *path, struct import_xml *x, char *err, size_t errlen)
{
	size_t len;
	char *text = import_slurp(path, &len, err, errlen);
	int rc = 0;

	if (text == NULL)
		return -1;
	if ((x->parser = XML_ParserCreate(NULL)) == NULL) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	XML_SetUserData(x->parser, x);
	XML_SetElementHandler(x->parser, xml_start_cb, xml_end_cb);
	if (XML_Parse(x->parser, text, (int)len, 1) == XML_STATUS_ERROR) {
		snprintf(err, errlen, "%s:%lu: malformed XML: %s (column %lu)", path,
		    (unsigned long)XML_GetCurrentLineNumber(x->parser),
		    XML_ErrorString(XML_GetErrorCode(x->parser)),
		    (unsigned long)XML_GetCurrentColumnNumber(x->parser) + 1);
		rc = -1;
	} else if (x->nomem) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -1;
	} else if (!x->saw_sites) {
		snprintf(err, errlen, "%s: no <configuration><system.applicationHost><sites>: "
		    "not an IIS applicationHost.config", path);
		rc = -1;
	}
	XML_ParserFree(x->parser);
	x->parser = NULL;
	free(text);
	return rc;
}

/* ---- netsh http show sslcert ---- */

/* Bounded copy (always terminated, silently cut). */
static void
copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
trim_copy(char *dst, size_t dstlen, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int
import_netsh_parse(const char *text, size_t len, const char *name,
    struct import_netsh_entry **out, size_t *n, FILE *warn, char *err, size_t errlen)
{
	struct import_netsh_entry *v = NULL, *cur = NULL;
	size_t nv = 0, pos = 0, i;
	int line = 0, skipping = 0;

	*out = NULL;
	*n = 0;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos), *sep;
		size_t ll = nl != NULL ? (size_t)(nl - s) : len - pos;
		char label[128], value[BINDING_HOST_MAX + 64], msg[512];
		enum sslcert_kind kind;
		int is_key = 1;

		pos += ll + (nl != NULL);
		line++;
		if ((sep = memmem(s, ll, " : ", 3)) == NULL)
			continue;
		trim_copy(label, sizeof(label), s, (size_t)(sep - s));
		trim_copy(value, sizeof(value), sep + 3, ll - (size_t)(sep + 3 - s));
		if (line == 1 && strncmp(label, "\xEF\xBB\xBF", 3) == 0)
			memmove(label, label + 3, strlen(label + 3) + 1);
		if (strcasecmp(label, "IP:port") == 0)
			kind = SSLCERT_IPPORT;
		else if (strcasecmp(label, "Hostname:port") == 0)
			kind = SSLCERT_HOSTNAMEPORT;
		else if (strcasecmp(label, "Central Certificate Store") == 0)
			kind = SSLCERT_CCS;
		else
			is_key = 0;
		if (is_key) {
			struct import_netsh_entry *nv2, e;
			char keytext[sizeof(e.keytext)];

			memset(&e, 0, sizeof(e));
			e.line = line;
			if (kind == SSLCERT_CCS) {
				copy_str(keytext, sizeof(keytext), "ccs:");
				copy_str(keytext + 4, sizeof(keytext) - 4, value);
			} else {
				copy_str(keytext, sizeof(keytext), value);
			}
			cur = NULL;
			skipping = 1;
			if (binding_sslkey_parse(keytext, &e.key, msg, sizeof(msg)) != 0 ||
			    e.key.kind != kind) {
				import_warn(warn, name, line, "%s \"%s\" is not a certificate binding "
				    "sysbind can key: not carried over", label, value);
				continue;
			}
			for (i = 0; i < nv; i++) {
				char a[BINDING_HOST_MAX + 16], b[BINDING_HOST_MAX + 16];

				binding_sslkey_format(&v[i].key, a, sizeof(a));
				binding_sslkey_format(&e.key, b, sizeof(b));
				if (v[i].key.kind == e.key.kind && strcasecmp(a, b) == 0)
					break;
			}
			if (i < nv) {
				import_warn(warn, name, line, "%s %s listed twice (first at line %d): "
				    "the second is not carried over", label, value, v[i].line);
				continue;
			}
			copy_str(e.keytext, sizeof(e.keytext), keytext);
			if ((nv2 = realloc(v, (nv + 1) * sizeof(*v))) == NULL) {
				free(v);
				snprintf(err, errlen, "%s: out of memory", name);
				return -1;
			}
			v = nv2;
			v[nv] = e;
			cur = &v[nv++];
			skipping = 0;
			continue;
		}
		if (cur == NULL || skipping)
			continue;
		if (strcmp(value, "(null)") == 0)
			value[0] = '\0';
		if (strcasecmp(label, "Certificate Hash") == 0)
			copy_str(cur->certhash, sizeof(cur->certhash), value);
		else if (strcasecmp(label, "Application ID") == 0)
			copy_str(cur->appid, sizeof(cur->appid), value);
		else if (strcasecmp(label, "Certificate Store Name") == 0)
			copy_str(cur->storename, sizeof(cur->storename), value);
	}
	*out = v;
	*n = nv;
	return 0;
}

/* ---- the configuration text ---- */

/* path as seen from directory base (both absolute, normalised by realpath). */
static void
relative_path(const char *path, const char *base, char *out, size_t outlen)
{
	size_t common = 0, i;
	const char *rest;
	int ups = 0;

	/* the longest common prefix ending at a directory boundary */
	for (i = 0; path[i] != '\0' && path[i] == base[i]; i++)
		if (path[i] == '/')
			common = i;
	if (base[i] == '\0' && (path[i] == '/' || path[i] == '\0'))
		common = i;
	if (strcmp(base, "/") == 0)
		common = 0;
	for (rest = base + common; *rest != '\0'; rest++)
		if (*rest == '/')
			ups++;
	out[0] = '\0';
	for (; ups > 0; ups--)
		strncat(out, "../", outlen - strlen(out) - 1);
	rest = path + common;
	if (*rest == '/')
		rest++;
	strncat(out, *rest != '\0' ? rest : ".", outlen - strlen(out) - 1);
}

/* cert_store as the configuration should name it (relative to the output's directory). */
static void
store_path(const struct import_opts *o, char *out, size_t outlen)
{
	char abs[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX], *slash;

	if (realpath(o->cert_store, abs) == NULL) {
		snprintf(out, outlen, "%s", o->cert_store);
		return;
	}
	if (o->out_path == NULL || strcmp(o->out_path, "-") == 0) {
		snprintf(out, outlen, "%s", abs);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s", o->out_path);
	if ((slash = strrchr(tmp, '/')) == NULL)
		snprintf(tmp, sizeof(tmp), ".");
	else if (slash == tmp)
		tmp[1] = '\0';
	else
		*slash = '\0';
	if (realpath(tmp, dir) == NULL) {
		snprintf(out, outlen, "%s", abs);
		return;
	}
	relative_path(abs, dir, out, outlen);
}

static int
entry_exists(const struct import_netsh_entry *v, size_t n, enum sslcert_kind kind,
    const struct binding *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].key.kind != kind || v[i].key.port != b->port)
			continue;
		if (kind == SSLCERT_CCS)
			return 1;
		if (kind == SSLCERT_HOSTNAMEPORT && strcasecmp(v[i].key.host, b->host) == 0)
			return 1;
		if (kind == SSLCERT_IPPORT && (binding_addr_is_wildcard(&v[i].key.addr) ||
		    (b->addr.family != AF_UNSPEC && binding_addr_equal(&v[i].key.addr, &b->addr))))
			return 1;
	}
	return 0;
}

static const char *const sslflag_names[] = {
	"Sni", "CentralCertStore", "DisableHTTP2", "DisableOCSPStp", "DisableQUIC",
	"DisableTLS13", "DisableLegacyTLS", "NegotiateClientCert",
};

/* Check one https binding against the certificate table it needs (reference §2.2). */
static void
check_binding_cert(const struct import_opts *o, const struct import_site *s,
    const struct import_binding *ib, const struct binding *b,
    const struct import_netsh_entry *v, size_t n, FILE *warn)
{
	int kind = ib->sslflags & 3;
	char extra[256] = "";
	int bit;

	for (bit = 2; bit < 8; bit++) {
		if (ib->sslflags & (1 << bit)) {
			strncat(extra, extra[0] ? ", " : "", sizeof(extra) - strlen(extra) - 1);
			strncat(extra, sslflag_names[bit], sizeof(extra) - strlen(extra) - 1);
		}
	}
	if (extra[0] != '\0')
		import_warn(warn, o->applicationhost, ib->line, "site \"%s\": binding %s: "
		    "sslFlags %d: %s not emulated (only Sni and CentralCertStore are)", s->name,
		    ib->text, ib->sslflags, extra);
	if (kind != 0 && b->host[0] == '\0')
		import_warn(warn, o->applicationhost, ib->line, "site \"%s\": binding %s: "
		    "sslFlags %d needs a host name (IIS refuses SNI or CCS without one)", s->name,
		    ib->text, ib->sslflags);
	if (o->sslcert == NULL)
		return;
	if (kind == 0 && !entry_exists(v, n, SSLCERT_IPPORT, b))
		import_warn(warn, o->applicationhost, ib->line, "site \"%s\": binding %s "
		    "(sslFlags 0) has no ipport entry for its IP:%u in %s: clients get no "
		    "certificate", s->name, ib->text, b->port, o->sslcert);
	else if (kind == 1 && b->host[0] != '\0' &&
	    !entry_exists(v, n, SSLCERT_HOSTNAMEPORT, b) && !entry_exists(v, n, SSLCERT_IPPORT, b))
		import_warn(warn, o->applicationhost, ib->line, "site \"%s\": binding %s "
		    "(sslFlags 1, SNI) has no hostnameport entry %s:%u in %s", s->name, ib->text,
		    b->host, b->port, o->sslcert);
	else if (kind >= 2 && !entry_exists(v, n, SSLCERT_CCS, b))
		import_warn(warn, o->applicationhost, ib->line, "site \"%s\": binding %s "
		    "(sslFlags %d, CCS) has no ccs entry for port %u in %s", s->name, ib->text,
		    ib->sslflags, b->port, o->sslcert);
}

/* Write one [sslcert] section, or warn why the entry is not carried over. */
static void
write_sslcert(FILE *f, const struct import_opts *o, const struct import_netsh_entry *e,
    const char *ccsdir, FILE *warn)
{
	char why[1024];

	if (e->key.kind == SSLCERT_CCS) {
		if (ccsdir == NULL) {
			import_warn(warn, o->sslcert, e->line, "ccs entry for port %u: the Central "
			    "Certificate Store's directory is not in netsh's output (Windows keeps it "
			    "in the registry) and --cert-store has no ccs/ folder: not carried over; "
			    "add [sslcert ccs:%u] with directory = and password =", e->key.port,
			    e->key.port);
			return;
		}
		fprintf(f, "\n[sslcert ccs:%u]          ; %s line %d\n", e->key.port, o->sslcert,
		    e->line);
		fprintf(f, "directory = %s\n", ccsdir);
		fprintf(f, "; password =               ; the store-wide PFX password, if any\n");
		if (e->appid[0] != '\0')
			fprintf(f, "appid = %s\n", e->appid);
		return;
	}
	if (e->certhash[0] == '\0') {
		import_warn(warn, o->sslcert, e->line, "%s has no certificate hash: not carried "
		    "over", e->keytext);
		return;
	}
	if (o->cert_store != NULL) {
		struct cert *c = certstore_find_thumbprint(o->cert_store, e->certhash, NULL, 0, why,
		    sizeof(why));

		if (c == NULL)
			import_warn(warn, o->sslcert, e->line, "%s: certificate %s: %s", e->keytext,
			    e->certhash, why);
		certstore_cert_free(c);
	}
	fprintf(f, "\n[sslcert %s]   ; %s line %d\n", e->keytext, o->sslcert, e->line);
	fprintf(f, "certhash = %s\n", e->certhash);
	if (e->appid[0] != '\0')
		fprintf(f, "appid = %s\n", e->appid);
	if (e->storename[0] != '\0')
		fprintf(f, "certstorename = %s\n", e->storename);
}

/* Write one [site] section; its bindings split over lines inih can read. */
static void
write_site(FILE *f, const struct import_opts *o, const struct import_site *s,
    const struct binding *parsed, const int *ok, int stopped, const char *default_pool)
{
	size_t i, used = 0;
	const char *pool = s->pool != NULL ? s->pool : default_pool;

	fprintf(f, "\n[site %s]\n", s->name);
	fprintf(f, "id = %ld\n", s->id);
	for (i = 0; i < s->nbindings; i++) {
		size_t len = strlen(s->bindings[i].text);

		(void)parsed;
		if (!ok[i])
			continue;
		if (used > 0 && used + 2 + len <= IMPORT_LINE_MAX) {
			fprintf(f, ", %s", s->bindings[i].text);
			used += 2 + len;
		} else {
			if (used > 0)
				fputc('\n', f);
			fprintf(f, "bindings = %s", s->bindings[i].text);
			used = strlen("bindings = ") + len;
		}
	}
	fputc('\n', f);
	fprintf(f, "; backend = http://127.0.0.1:8080   ; fill in; until then the built-in page "
	    "answers\n");
	if (pool != NULL || s->path != NULL)
		fprintf(f, "; on IIS: application pool \"%s\", %s\n", pool != NULL ? pool : "?",
		    s->path != NULL ? s->path : "?");
	if (stopped)
		fprintf(f, "state = stopped\n");
	(void)o;
}

char *
import_build(const struct import_opts *o, FILE *warn, char *err, size_t errlen)
{
	struct import_xml x;
	struct import_netsh_entry *v = NULL;
	size_t nv = 0, i, j, len = 0;
	char *text = NULL, *out = NULL, store[PATH_MAX], ccsdir[PATH_MAX + 8];
	const char *ccs = NULL;
	FILE *f = NULL;
	int iis8 = 0;
	long next_id = 1;
	struct conf *cfg;

	memset(&x, 0, sizeof(x));
	x.name = o->applicationhost;
	x.warn = warn;
	x.default_autostart = -1;
	err[0] = '\0';
	if (xml_read(o->applicationhost, &x, err, errlen) != 0)
		goto done;
	if (o->sslcert != NULL) {
		if ((text = import_slurp(o->sslcert, &len, err, errlen)) == NULL)
			goto done;
		if (import_netsh_parse(text, len, o->sslcert, &v, &nv, warn, err, errlen) != 0)
			goto done;
		if (nv == 0)
			import_warn(warn, o->sslcert, 0, "no certificate bindings found (expected "
			    "the English output of `netsh http show sslcert`)");
	} else {
		import_warn(warn, o->applicationhost, 0, "no netsh output (--sslcert FILE): no "
		    "certificate bindings imported; https clients get no certificate until "
		    "[sslcert] sections are added");
	}
	if (o->cert_store != NULL) {
		struct stat st;

		store_path(o, store, sizeof(store));
		snprintf(ccsdir, sizeof(ccsdir), "%s/ccs", o->cert_store);
		if (stat(ccsdir, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(ccsdir, sizeof(ccsdir), "%s/ccs", store);
			ccs = ccsdir;
		}
	}
	for (i = 0; i < nv; i++)
		if (v[i].key.kind != SSLCERT_IPPORT)
			iis8 = 1;
	for (i = 0; i < x.nsites; i++)
		for (j = 0; j < x.sites[i].nbindings; j++)
			if (strncasecmp(x.sites[i].bindings[j].text, "https/", 6) == 0 &&
			    (x.sites[i].bindings[j].sslflags & 3) != 0)
				iis8 = 1;
	for (i = 0; i < x.nsites; i++)
		if (x.sites[i].id >= next_id)
			next_id = x.sites[i].id + 1;

	if ((f = open_memstream(&out, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	fprintf(f, "; Imported by `sysbind import` from %s%s%s.\n", o->applicationhost,
	    o->sslcert != NULL ? " and " : "", o->sslcert != NULL ? o->sslcert : "");
	fprintf(f, "; The sites and the certificate bindings are the IIS server's, kept apart as "
	    "HTTP.SYS keeps them.\n; No site has a backend yet: until `backend =` is filled in, "
	    "sysbind's built-in\n; diagnostic page answers for it.\n");
	fprintf(f, "\n[server]\nmode = %s%s\n", iis8 ? "iis8" : "iis7",
	    iis8 ? "                 ; SNI (hostnameport) or CCS entries are needed" : "");
	if (o->cert_store != NULL)
		fprintf(f, "cert_store = %s\n", store);
	else if (nv > 0)
		fprintf(f, "cert_store = .               ; where certhash thumbprints are looked "
		    "up: put the\n                             ; server's certificates here "
		    "(.pem + .key, .pfx)\n");
	for (i = 0; i < nv; i++)
		write_sslcert(f, o, &v[i], ccs, warn);

	for (i = 0; i < x.nsites; i++) {
		struct import_site *s = &x.sites[i];
		struct binding *parsed = calloc(s->nbindings + 1, sizeof(*parsed));
		int *ok = calloc(s->nbindings + 1, sizeof(*ok)), nok = 0, stopped;
		char msg[512];

		if (parsed == NULL || ok == NULL) {
			free(parsed);
			free(ok);
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		if (s->name[0] == '\0') {
			import_warn(warn, o->applicationhost, s->line, "<site> without a name: not "
			    "carried over");
			free(parsed);
			free(ok);
			continue;
		}
		if (s->id == 0) {
			import_warn(warn, o->applicationhost, s->line, "site \"%s\" has no valid id: "
			    "given id %ld", s->name, next_id);
			s->id = next_id++;
		}
		for (j = 0; j < s->nbindings; j++) {
			if (binding_parse(s->bindings[j].text, &parsed[j], msg, sizeof(msg)) != 0) {
				import_warn(warn, o->applicationhost, s->bindings[j].line, "site \"%s\": "
				    "%s: not carried over", s->name, msg);
				continue;
			}
			ok[j] = 1;
			nok++;
			if (parsed[j].proto == BINDING_HTTPS)
				check_binding_cert(o, s, &s->bindings[j], &parsed[j], v, nv, warn);
		}
		if (nok == 0) {
			import_warn(warn, o->applicationhost, s->line, "site \"%s\" has no http or "
			    "https binding: not carried over", s->name);
		} else {
			stopped = s->state >= 0 ? s->state :
			    s->autostart >= 0 ? !s->autostart :
			    x.default_autostart >= 0 ? !x.default_autostart : 0;
			write_site(f, o, s, parsed, ok, stopped, x.default_pool);
		}
		free(parsed);
		free(ok);
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	f = NULL;

	/* The result must be a configuration sysbind accepts. */
	{
		char name[PATH_MAX + 8];
		size_t n;

		snprintf(name, sizeof(name), "%s", o->out_path != NULL &&
		    strcmp(o->out_path, "-") != 0 ? o->out_path : "imported.ini");
		n = (size_t)snprintf(err, errlen, "the imported configuration would be invalid:\n");
		if (n >= errlen)
			n = 0;
		cfg = conf_parse(out, name, 0, err + n, errlen - n);
		if (cfg == NULL) {
			free(out);
			out = NULL;
			goto done;
		}
		conf_free(cfg);
		err[0] = '\0';
	}
done:
	if (f != NULL) {
		fclose(f);
		free(out);
		out = NULL;
	}
	free(text);
	free(v);
	xml_clear(&x);
	return out;
}
