/*
 * import — `sysbind import`: IIS's applicationHost.config (expat) and the text of `netsh
 * http show sslcert` turned into a sysbind configuration (see import.h for the decisions).
 * This file owns the two readers, the decoding of netsh's text, the repairs that keep
 * every usable item (each one a warning with its source line), and the writing of the
 * configuration text.  Whether the text is valid is conf.c's to say (conf_parse), and
 * writing the file is cli.c's.  Every check over all sites is a hash lookup, so 100,000
 * sites import in linear time.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <expat.h>

#include "iis/import.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "base/file.h"
#include "base/strhash.h"

#define IMPORT_LINE_MAX  199     /* Debian's inih reads at most 199 characters a line */
#define IMPORT_INPUT_MAX (1024UL * 1024 * 1024)  /* an input file larger than this is refused */
#define IMPORT_NAME_MAX  2000    /* a site name longer than this is shortened */
#define IMPORT_DEPTH_MAX 64
#define IMPORT_ID_MAX    4294967295UL   /* IIS's site id is a DWORD */

struct import_binding {
	char          *text;      /* protocol/bindingInformation as sysbind writes it */
	char          *written;   /* protocol/bindingInformation as the file has it */
	int            sslflags;
	char          *badflags;  /* an sslFlags value that is neither a number nor IIS's names */
	int            line;
	int            ok;        /* parsed, and kept */
	struct binding b;
};

/* A path of a site with its own <access sslFlags>. */
struct import_loc {
	char    *path;        /* "/secure", as conf_location_path makes it */
	unsigned access;
	int      line;
};

/* IIS 10 (1709)'s <hsts> of a site or of <siteDefaults>: each attribute as read, -1
 * when the element does not set it (the site's wins over siteDefaults', attribute by
 * attribute; what neither sets is IIS's default). */
struct import_hsts {
	int  enabled, include_subdomains, preload, redirect;   /* -1, 0, 1 */
	long long max_age;                                      /* -1: unset */
	int  line;                                              /* 0: no element */
};

struct import_site {
	char                  *name;
	struct import_hsts     hsts;
	unsigned               access;     /* IIS <access sslFlags> of the site (CONF_ACCESS_*) */
	int                    access_line; /* where it was read, 0: none of its own */
	struct import_loc     *locs;       /* its paths' <access sslFlags> */
	size_t                 nlocs;
	char                  *idtext;     /* id="" as written, NULL when absent */
	unsigned long          id;         /* 0: none yet */
	int                    autostart;  /* -1 unset, 0 false, 1 true */
	int                    state;      /* -1 unset, 0 started, 1 stopped */
	int                    stopped;    /* as imported */
	int                    skip;       /* not carried over */
	char                  *pool;
	char                  *path;       /* physicalPath of the root virtual directory */
	struct import_binding *bindings;
	size_t                 nbindings, capbindings;
	int                    line;
};

/* One IIS <access sslFlags> (or serverRuntime uploadReadAheadSize) read from a
 * <location path=...>, or from the root <system.webServer> (path NULL). */
struct import_access {
	char *path;      /* the location's path as written; NULL: server-wide */
	char *value;     /* the attribute as written */
	int   line;
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
	struct import_hsts  default_hsts;    /* <siteDefaults><hsts> */
	char               *default_pool;    /* <applicationDefaults applicationPool=> */
	struct import_site *sites;
	size_t              nsites, capsites;
	char               *location;        /* path of the <location> being read, or NULL */
	struct import_access *access, *uras; /* <access sslFlags>, uploadReadAheadSize */
	size_t              naccess, nuras;
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

/* A site's name for messages: quoted as the configuration would spell it, so a name with
 * a newline stays on one line.  Static buffer per call site is not enough: caller's. */
static const char *
site_ref(const struct import_site *s, char *buf, size_t len)
{
	char *q = conf_name_quote(s->name);

	if (q != NULL && q[0] == '"')
		snprintf(buf, len, "%s", q);
	else
		snprintf(buf, len, "\"%s\"", s->name);
	free(q);
	return buf;
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
#define ACCESS "system.webServer/security/access"
#define RUNTIME "system.webServer/serverRuntime"

/* Remember one attribute value read at line (for a location or the whole server). */
static void
xml_keep(struct import_xml *x, struct import_access **arr, size_t *n, const char *path,
    const char *value, int line)
{
	struct import_access *na = realloc(*arr, (*n + 1) * sizeof(*na));

	if (na == NULL) {
		x->nomem = 1;
		return;
	}
	*arr = na;
	na[*n].path = path != NULL ? strdup(path) : NULL;
	na[*n].value = strdup(value);
	na[*n].line = line;
	if ((path != NULL && na[*n].path == NULL) || na[*n].value == NULL) {
		free(na[*n].path);
		free(na[*n].value);
		x->nomem = 1;
		return;
	}
	(*n)++;
}

static void
hsts_init(struct import_hsts *h)
{
	h->enabled = h->include_subdomains = h->preload = h->redirect = -1;
	h->max_age = -1;
	h->line = 0;
}

/* One boolean attribute of <hsts> as IIS reads it ("true"/"false", any case); another
 * value is warned about and left unset. */
static void
hsts_bool(struct import_xml *x, const XML_Char **atts, const char *name, int *out,
    const char *whose, int line)
{
	const char *v = xml_attr(atts, name);

	if (v == NULL)
		return;
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0)
		*out = strcasecmp(v, "true") == 0;
	else
		import_warn(x->warn, x->name, line, "%s<hsts %s=\"%s\">: not true or false: "
		    "IIS's default (false) or siteDefaults' stands", whose, name, v);
}

/* <hsts> of a site or of <siteDefaults> (IIS 10 version 1709). */
static void
xml_hsts(struct import_xml *x, struct import_hsts *h, const XML_Char **atts, int line,
    const char *whose)
{
	const char *v;

	h->line = line;
	hsts_bool(x, atts, "enabled", &h->enabled, whose, line);
	hsts_bool(x, atts, "includeSubDomains", &h->include_subdomains, whose, line);
	hsts_bool(x, atts, "preload", &h->preload, whose, line);
	hsts_bool(x, atts, "redirectHttpToHttps", &h->redirect, whose, line);
	if ((v = xml_attr(atts, "max-age")) != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v || !isdigit((unsigned char)*v) ||
		    n > 4294967295ULL)
			import_warn(x->warn, x->name, line, "%s<hsts max-age=\"%s\">: not an IIS "
			    "uint (0 to 4294967295): IIS's default (0) or siteDefaults' stands", whose,
			    v);
		else
			h->max_age = (long long)n;
	}
}

static void
xml_site_begin(struct import_xml *x, const XML_Char **atts, int line)
{
	struct import_site *s;
	const char *v;

	if (x->nsites == x->capsites) {
		size_t cap = x->capsites ? x->capsites * 2 : 16;
		struct import_site *ns = realloc(x->sites, cap * sizeof(*ns));

		if (ns == NULL) {
			x->nomem = 1;
			return;
		}
		x->sites = ns;
		x->capsites = cap;
	}
	s = &x->sites[x->nsites++];
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->autostart = -1;
	s->state = -1;
	hsts_init(&s->hsts);
	s->name = strdup((v = xml_attr(atts, "name")) != NULL ? v : "");
	if (s->name == NULL)
		x->nomem = 1;
	if ((v = xml_attr(atts, "id")) != NULL) {
		char *end;

		if ((s->idtext = strdup(v)) == NULL)
			x->nomem = 1;
		errno = 0;
		s->id = strtoul(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v || !isdigit((unsigned char)*v) ||
		    s->id < 1 || s->id > IMPORT_ID_MAX)
			s->id = 0;
	}
	if ((v = xml_attr(atts, "serverAutoStart")) != NULL)
		s->autostart = xml_bool(v);
	if ((v = xml_attr(atts, "state")) != NULL)
		s->state = strcasecmp(v, "stopped") == 0 || strcasecmp(v, "stopping") == 0;
}

/* sslFlags as IIS writes it: a number ("97"), or the flag names of its enumeration ("Sni",
 * "Sni, CentralCertStore", "None").  Returns 0 with *out, or -1. */
static int
sslflags_parse(const char *v, int *out)
{
	unsigned long u;
	char msg[256];

	if (conf_flag_words_parse(conf_binding_flag_words, "sslFlags", v, &u, msg,
	    sizeof(msg)) != 0)
		return -1;
	*out = (int)u;
	return 0;
}

/*
 * "protocol/bindingInformation" as sysbind reads it: IIS reads an empty IP (":8080:host")
 * as All Unassigned, and IIS Express a host "*" as any host.  NULL when out of memory.
 */
static char *
binding_text(const char *proto, const char *info)
{
	const char *last = strrchr(info, ':');
	char *out;

	if (last == NULL)   /* not IP:Port:Host at all: binding_parse says why */
		return asprintf(&out, "%s/%s", proto, info) < 0 ? NULL : out;
	if (asprintf(&out, "%s/%s%.*s%s", proto, info[0] == ':' ? "*" : "",
	    (int)(last + 1 - info), info, strcmp(last + 1, "*") == 0 ? "" : last + 1) < 0)
		return NULL;
	return out;
}

static void
xml_binding(struct import_xml *x, struct import_site *s, const XML_Char **atts, int line)
{
	const char *proto = xml_attr(atts, "protocol");
	const char *info = xml_attr(atts, "bindingInformation");
	const char *flags = xml_attr(atts, "sslFlags");
	struct import_binding *nb;
	char ref[IMPORT_NAME_MAX + 16];

	if (proto == NULL || info == NULL) {
		import_warn(x->warn, x->name, line, "site %s: <binding> without protocol or "
		    "bindingInformation: not carried over", site_ref(s, ref, sizeof(ref)));
		return;
	}
	if (strcasecmp(proto, "http") != 0 && strcasecmp(proto, "https") != 0) {
		import_warn(x->warn, x->name, line, "site %s: binding %s/%s: protocol %s is "
		    "not supported (sysbind serves http and https): not carried over",
		    site_ref(s, ref, sizeof(ref)), proto, info, proto);
		return;
	}
	if (s->nbindings == s->capbindings) {
		size_t cap = s->capbindings ? s->capbindings * 2 : 4;

		if ((nb = realloc(s->bindings, cap * sizeof(*nb))) == NULL) {
			x->nomem = 1;
			return;
		}
		s->bindings = nb;
		s->capbindings = cap;
	}
	nb = &s->bindings[s->nbindings];
	memset(nb, 0, sizeof(*nb));
	nb->line = line;
	if ((nb->text = binding_text(proto, info)) == NULL ||
	    asprintf(&nb->written, "%s/%s", proto, info) < 0) {
		free(nb->text);
		x->nomem = 1;
		return;
	}
	if (flags != NULL && sslflags_parse(flags, &nb->sslflags) != 0) {
		nb->sslflags = 0;
		if ((nb->badflags = strdup(flags)) == NULL)
			x->nomem = 1;
	}
	s->nbindings++;
}

static void
binding_clear(struct import_binding *b)
{
	free(b->text);
	free(b->written);
	free(b->badflags);
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

	if (xml_at(x, "configuration/location")) {
		free(x->location);
		x->location = strdup((v = xml_attr(atts, "path")) != NULL ? v : "");
		if (x->location == NULL)
			x->nomem = 1;
	} else if (xml_at(x, "configuration/" ACCESS) ||
	    (x->location != NULL && xml_at(x, "configuration/location/" ACCESS))) {
		if ((v = xml_attr(atts, "sslFlags")) != NULL)
			xml_keep(x, &x->access, &x->naccess, xml_at(x, "configuration/" ACCESS) ?
			    NULL : x->location, v, line);
	} else if (xml_at(x, "configuration/" RUNTIME) ||
	    (x->location != NULL && xml_at(x, "configuration/location/" RUNTIME))) {
		if ((v = xml_attr(atts, "uploadReadAheadSize")) != NULL)
			xml_keep(x, &x->uras, &x->nuras, xml_at(x, "configuration/" RUNTIME) ?
			    NULL : x->location, v, line);
	} else if (xml_at(x, SITES)) {
		x->saw_sites = 1;
	} else if (xml_at(x, SITES "/site")) {
		xml_site_begin(x, atts, line);
	} else if (xml_at(x, SITES "/siteDefaults")) {
		if ((v = xml_attr(atts, "serverAutoStart")) != NULL)
			x->default_autostart = xml_bool(v);
	} else if (xml_at(x, SITES "/siteDefaults/hsts")) {
		xml_hsts(x, &x->default_hsts, atts, line, "siteDefaults: ");
	} else if (s != NULL && xml_at(x, SITES "/site/hsts")) {
		char ref[IMPORT_NAME_MAX + 16], whose[IMPORT_NAME_MAX + 32];

		snprintf(whose, sizeof(whose), "site %s: ", site_ref(s, ref, sizeof(ref)));
		xml_hsts(x, &s->hsts, atts, line, whose);
	} else if (xml_at(x, SITES "/applicationDefaults")) {
		if ((v = xml_attr(atts, "applicationPool")) != NULL && x->default_pool == NULL &&
		    (x->default_pool = strdup(v)) == NULL)
			x->nomem = 1;
	} else if (s != NULL && xml_at(x, SITES "/site/application")) {
		v = xml_attr(atts, "path");
		x->in_root_app = v != NULL && strcmp(v, "/") == 0;
		if (x->in_root_app && (v = xml_attr(atts, "applicationPool")) != NULL &&
		    s->pool == NULL && (s->pool = strdup(v)) == NULL)
			x->nomem = 1;
	} else if (s != NULL && x->in_root_app &&
	    xml_at(x, SITES "/site/application/virtualDirectory")) {
		v = xml_attr(atts, "path");
		if (v != NULL && strcmp(v, "/") == 0 &&
		    (v = xml_attr(atts, "physicalPath")) != NULL && s->path == NULL &&
		    (s->path = strdup(v)) == NULL)
			x->nomem = 1;
	} else if (s != NULL && xml_at(x, SITES "/site/bindings/binding")) {
		xml_binding(x, s, atts, line);
	} else if (s != NULL && xml_at(x, SITES "/site/bindings/clear")) {
		size_t i;

		for (i = 0; i < s->nbindings; i++)
			binding_clear(&s->bindings[i]);
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
	if (xml_at(x, "configuration/location")) {
		free(x->location);
		x->location = NULL;
	}
	if (x->depth > 0)
		x->depth--;
}

static void
xml_clear(struct import_xml *x)
{
	size_t i, j;

	for (i = 0; i < x->naccess; i++) {
		free(x->access[i].path);
		free(x->access[i].value);
	}
	for (i = 0; i < x->nuras; i++) {
		free(x->uras[i].path);
		free(x->uras[i].value);
	}
	free(x->access);
	free(x->uras);
	free(x->location);
	x->access = x->uras = NULL;
	x->location = NULL;
	x->naccess = x->nuras = 0;
	for (i = 0; i < x->nsites; i++) {
		for (j = 0; j < x->sites[i].nlocs; j++)
			free(x->sites[i].locs[j].path);
		free(x->sites[i].locs);
		for (j = 0; j < x->sites[i].nbindings; j++)
			binding_clear(&x->sites[i].bindings[j]);
		free(x->sites[i].bindings);
		free(x->sites[i].name);
		free(x->sites[i].idtext);
		free(x->sites[i].pool);
		free(x->sites[i].path);
	}
	free(x->sites);
	free(x->default_pool);
	x->sites = NULL;
	x->default_pool = NULL;
	x->nsites = x->capsites = 0;
}

/* Read an input file whole (a pipe too: `--sslcert <(ssh host netsh ...)`). */
static char *
import_slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	return file_read(path, IMPORT_INPUT_MAX, FILE_READ_PIPE, len, err, errlen);
}

static int
xml_read(const char *path, struct import_xml *x, char *err, size_t errlen)
{
	size_t len;
	char *text = import_slurp(path, &len, err, errlen);
	int rc = 0;

	if (text == NULL)
		return -1;
	if (len > INT_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, INT_MAX);
		free(text);
		return -1;
	}
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

char *
import_text_decode(const char *raw, size_t len, const char *name, size_t *outlen,
    const char **encoding, char *err, size_t errlen)
{
	const unsigned char *u = (const unsigned char *)raw;
	const char *from = NULL, *enc = "UTF-8";
	size_t skip = 0, inleft, outleft, cap;
	char *out, *in, *o;
	iconv_t cd;

	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		skip = 3;
		enc = "UTF-8 with BOM";
	} else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
		from = enc = "UTF-16LE";
		skip = 2;
	} else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
		from = enc = "UTF-16BE";
		skip = 2;
	} else if (len >= 2 && u[0] != 0 && u[1] == 0) {
		from = enc = "UTF-16LE";   /* without a BOM: ASCII text has every other byte 0 */
	} else if (len >= 2 && u[0] == 0 && u[1] != 0) {
		from = enc = "UTF-16BE";
	}
	if (encoding != NULL)
		*encoding = enc;
	if (from == NULL) {
		if ((out = malloc(len - skip + 1)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", name);
			return NULL;
		}
		memcpy(out, raw + skip, len - skip);
		out[len - skip] = '\0';
		*outlen = len - skip;
		return out;
	}
	if ((cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		snprintf(err, errlen, "%s: cannot convert from %s: %s", name, from, strerror(errno));
		return NULL;
	}
	/* UTF-16 to UTF-8 at most doubles a code unit's 2 bytes into 3: 3/2 plus the NUL */
	cap = (len - skip) / 2 * 3 + 4;
	if ((out = malloc(cap)) == NULL) {
		iconv_close(cd);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	in = (char *)raw + skip;
	inleft = len - skip;
	o = out;
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		snprintf(err, errlen, "%s: not valid %s text at byte %zu: %s", name, from,
		    (size_t)(in - raw), strerror(errno));
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
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

static int value_writable(const char *key, const char *value);

/* The labels netsh prints in English (every Windows from Server 2008 to 2025). */
static const char *const netsh_english[] = {
	"IP:port", "Hostname:port", "Central Certificate Store", "Certificate Hash",
	"Application ID", "Certificate Store Name", "Verify Client Certificate Revocation",
	"Usage Check", "Negotiate Client Certificate",
};

/* Labels of localized outputs, to say which language a file is in. */
static const struct { const char *label, *language; } netsh_foreign[] = {
	{ "SSL-Zertifikatbindungen:", "German" }, { "Zertifikathash", "German" },
	{ "Anwendungs-ID", "German" }, { "Zertifikatspeichername", "German" },
	{ "Liaisons de certificat SSL", "French" }, { "Hachage du certificat", "French" },
	{ "ID de l'application", "French" }, { "Hash del certificado", "Spanish" },
	{ "Enlaces de certificado SSL", "Spanish" }, { "Hash del certificato", "Italian" },
};

/* The [sslcert] keys an entry's lines other than its key, hash, appid and store name
 * are read into: labelled, and not one of those three. */
static int
netsh_key_read(const struct conf_key *k)
{
	return k->section == CONF_SECTION_SSLCERT && k->label != NULL &&
	    strcmp(k->name, "certhash") != 0 && strcmp(k->name, "appid") != 0 &&
	    strcmp(k->name, "certstorename") != 0;
}

/* Where in an entry key k's value is kept: its index among the read keys of its kind
 * (nums for NUMBER, strs for STRING); -1 for a SWITCH (flags, checkmode). */
static int
netsh_key_slot(const struct conf_key *k)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n);
	int slot = 0;

	if (k->type == CONF_TYPE_SWITCH)
		return -1;
	for (i = 0; &t[i] != k && i < n; i++)
		if (netsh_key_read(&t[i]) && t[i].type == k->type)
			slot++;
	return slot;
}

/* The word of an entry's flags or checkmode that SWITCH key k keeps its bit in. */
static unsigned *
netsh_key_word(struct import_netsh_entry *e, const struct conf_key *k)
{
	return k->offset == offsetof(struct conf_sslcert, checkmode) ? &e->checkmode : &e->flags;
}

/* Set SWITCH key k of e to netsh's enable (on) or disable. */
static void
netsh_switch_set(struct import_netsh_entry *e, const struct conf_key *k, int on)
{
	unsigned *w = netsh_key_word(e, k);

	if (on == (k->words[0].value != 0))
		*w |= (unsigned)k->bit;
	else
		*w &= ~(unsigned)k->bit;
}

static int
netsh_switch_on(const struct import_netsh_entry *e, const struct conf_key *k)
{
	const unsigned *w = k->offset == offsetof(struct conf_sslcert, checkmode) ?
	    &e->checkmode : &e->flags;
	int set = (*w & (unsigned)k->bit) != 0;

	return k->words[0].value ? set : !set;
}

/* netsh's defaults for every line an output may lack. */
static void
netsh_entry_defaults(struct import_netsh_entry *e)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n);

	for (i = 0; i < n; i++) {
		int slot;

		if (!netsh_key_read(&t[i]) || t[i].def == NULL)
			continue;
		slot = netsh_key_slot(&t[i]);
		if (t[i].type == CONF_TYPE_SWITCH)
			netsh_switch_set(e, &t[i], strcmp(t[i].def, "enable") == 0);
		else if (t[i].type == CONF_TYPE_NUMBER && slot < IMPORT_NETSH_NUMS)
			e->nums[slot] = strtoul(t[i].def, NULL, 10);
	}
	e->layout = 2012;
}

/*
 * One line of an entry: label and value as netsh printed them, prop the PropertyId of
 * the Extended Properties block it is in (-1 outside).  Returns 0 when the line was
 * read, -1 with why in msg (the caller warns; the entry keeps netsh's default).
 */
static int
netsh_line_read(struct import_netsh_entry *e, const char *label, const char *value,
    int prop, char *msg, size_t msglen)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n), *k = NULL;
	unsigned long v;
	char *end;
	int slot;

	for (i = 0; i < n && k == NULL; i++)
		if (netsh_key_read(&t[i]) && strcasecmp(t[i].label, label) == 0)
			k = &t[i];
	if (k == NULL) {
		snprintf(msg, msglen, "\"%s\" is not a line of `netsh http show sslcert` sysbind "
		    "knows: not carried over", label);
		return -1;
	}
	if (k->extprop != 0 && (int)k->extprop != prop + 1) {
		snprintf(msg, msglen, "%s belongs in the Extended Properties block of PropertyId "
		    "%u: not carried over", label, k->extprop - 1);
		return -1;
	}
	slot = netsh_key_slot(k);
	switch (k->type) {
	case CONF_TYPE_SWITCH:
		/* both vocabularies, whichever the line's Windows used */
		if (strcasecmp(value, "Enabled") == 0 || strcasecmp(value, "Set") == 0)
			netsh_switch_set(e, k, 1);
		else if (strcasecmp(value, "Disabled") == 0 || strcasecmp(value, "Not Set") == 0)
			netsh_switch_set(e, k, 0);
		else {
			snprintf(msg, msglen, "%s \"%s\" is none of Enabled, Disabled, Set, Not Set: "
			    "left at netsh's default (%s)", label, value, k->def);
			return -1;
		}
		break;
	case CONF_TYPE_NUMBER:
		errno = 0;
		v = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 ||
		    v < k->min || v > k->max || slot >= IMPORT_NETSH_NUMS) {
			snprintf(msg, msglen, "%s \"%s\" is not a number from %lu to %lu: left at "
			    "netsh's default (%s)", label, value, k->min, k->max, k->def);
			return -1;
		}
		e->nums[slot] = v;
		break;
	default:
		if (slot >= IMPORT_NETSH_STRS || strlen(value) >= sizeof(e->strs[0]) ||
		    (value[0] != '\0' && !value_writable(k->name, value))) {
			snprintf(msg, msglen, "%s \"%s\" cannot be written on a configuration line: "
			    "not carried over", label, value);
			return -1;
		}
		snprintf(e->strs[slot], sizeof(e->strs[0]), "%s", value);
		break;
	}
	if (k->since > e->layout)
		e->layout = k->since;
	return 0;
}

/*
 * Whose fields a line of e is printed in: field is the line up to its " : ", label the
 * label in it.  Windows Server 2008's netsh had one width per label (conf_netsh2008_lead),
 * later ones pad every label to 28 columns; a line in neither (a label of both widths'
 * length, an indent PowerShell changed) counts for none.
 */
static void
netsh_line_shape(struct import_netsh_entry *e, const char *label, const char *field,
    size_t len)
{
	const char *lead;
	int trail;

	while (len > 0 && (*field == ' ' || *field == '\t')) {
		field++;
		len--;
	}
	/* the lead ends in the space that begins " : " */
	if ((lead = conf_netsh2008_lead(label, &trail)) != NULL && strlen(lead) == len + 1 &&
	    memcmp(lead, field, len) == 0)
		e->lines2008++;
	else if (len == 28 || (strlen(label) >= 28 && len == strlen(label)))
		e->lines28++;
}

/* The labelled [sslcert] key of label (the conf key table's, any of them), or NULL; its
 * bit in an entry's lines_read in *bit (0 past the 64th). */
static const struct conf_key *
netsh_label_key(const char *label, unsigned long long *bit)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n);
	unsigned idx = 0;

	for (i = 0; i < n; i++) {
		if (t[i].section != CONF_SECTION_SSLCERT || t[i].label == NULL)
			continue;
		if (strcasecmp(t[i].label, label) == 0) {
			*bit = idx < 64 ? 1ULL << idx : 0;
			return &t[i];
		}
		idx++;
	}
	*bit = 0;
	return NULL;
}

/* What `show sslcert` prints for key k when an entry has no line of it: netsh's default
 * in netsh's words. */
static const char *
netsh_default_text(const struct conf_key *k)
{
	if (k->type == CONF_TYPE_SWITCH) {
		int on = k->def != NULL && strcmp(k->def, "enable") == 0;

		if (k->flags & CONF_KEY_SETWORDS)
			return on ? "Set" : "Not Set";
		return on ? "Enabled" : "Disabled";
	}
	return k->def != NULL ? k->def : "(null)";
}

/*
 * The lines of the output's layout (the newest any entry shows, 2008's when it is in
 * 2008's fields) that an entry lacks: one warning per entry at the line where it ends,
 * naming each and the default show sslcert prints in its place.  A line the layout never
 * had (Reject Connections in a 2012 output) is not missing; nor is Certificate Hash, whose
 * absence is warned where the entry is dropped.
 */
static void
netsh_warn_missing(FILE *warn, const char *name, const struct import_netsh_entry *v,
    size_t nv)
{
	size_t n, i, e;
	const struct conf_key *t = conf_keys(&n);
	unsigned layout = 0;

	for (e = 0; e < nv; e++)
		if (v[e].layout > layout)
			layout = v[e].layout;
	for (e = 0; e < nv; e++) {
		char labels[1024] = "", defs[512] = "";
		size_t ll = 0, dl = 0;
		unsigned missing = 0, idx = 0;

		for (i = 0; i < n; i++) {
			const struct conf_key *k = &t[i];
			unsigned long long bit;

			if (k->section != CONF_SECTION_SSLCERT || k->label == NULL)
				continue;
			bit = idx < 64 ? 1ULL << idx : 0;
			idx++;
			if (k->since > layout || (v[e].lines_read & bit) != 0 || bit == 0 ||
			    strcmp(k->name, "certhash") == 0)
				continue;
			ll += (size_t)snprintf(labels + ll, ll < sizeof(labels) ? sizeof(labels) - ll :
			    0, "%s\"%s\"", missing ? ", " : "", k->label);
			dl += (size_t)snprintf(defs + dl, dl < sizeof(defs) ? sizeof(defs) - dl : 0,
			    "%s%s", missing ? ", " : "", netsh_default_text(k));
			if (ll >= sizeof(labels))
				ll = sizeof(labels) - 1;
			if (dl >= sizeof(defs))
				dl = sizeof(defs) - 1;
			missing++;
		}
		if (missing == 1)
			import_warn(warn, name, v[e].lastline, "[sslcert %s]: the entry (lines %d to "
			    "%d) has no %s line: netsh's default (%s) is used", v[e].keytext,
			    v[e].line, v[e].lastline, labels, defs);
		else if (missing > 1)
			import_warn(warn, name, v[e].lastline, "[sslcert %s]: the entry (lines %d to "
			    "%d) has none of the %u lines %s: netsh's defaults (%s) are used",
			    v[e].keytext, v[e].line, v[e].lastline, missing, labels, defs);
	}
}

/* Whether a line (its \r aside) ends in a blank. */
static int
line_trails(const char *s, size_t ll)
{
	if (ll > 0 && s[ll - 1] == '\r')
		ll--;
	return ll > 0 && (s[ll - 1] == ' ' || s[ll - 1] == '\t');
}

/*
 * What show sslcert prints around the entries: netsh's header (an empty line, the title,
 * its dashes, an empty line) and one empty line after each entry.  Called for each line
 * (s, ll: its text, \r included; in_entries: an entry has begun); notes in *header_line
 * the first line of a header that is not that one, in *spacing_line the first entry
 * followed by other than one empty line (*blanks counts the empty lines in a row,
 * *nheader the header's lines read).
 */
static void
netsh_frame_read(const char *s, size_t ll, int line, int in_entries, int *nheader,
    int *blanks, int *header_line, int *spacing_line)
{
	static const char *const header[] = { "", "SSL Certificate bindings:",
	    "-------------------------", "" };
	size_t n = ll > 0 && s[ll - 1] == '\r' ? ll - 1 : ll;

	if (!in_entries) {
		if (n >= 3 && memmem(s, n, " : ", 3) != NULL) {
			/* the first entry's key line: the header ends here */
			if (*nheader != 4 && *header_line == 0)
				*header_line = line;
			*blanks = 0;
			return;
		}
		if (*header_line == 0 && (*nheader >= 4 || strlen(header[*nheader]) != n ||
		    memcmp(header[*nheader], s, n) != 0))
			*header_line = line;
		(*nheader)++;
		return;
	}
	if (n == 0) {
		(*blanks)++;
		return;
	}
	/* a line with text after empty ones: the next entry's key line, or more of this */
	if (*blanks > 0 && *blanks != 1 && *spacing_line == 0)
		*spacing_line = line;
	*blanks = 0;
}

/*
 * Say what show sslcert will not give back as it was read: a header other than netsh's,
 * other empty lines between entries, blanks after a value (Windows Server 2008's own
 * trailing spaces aside: its layout prints them).
 */
static void
netsh_warn_frame(FILE *warn, const char *name, const struct import_netsh_entry *v,
    size_t nv, int header_line, int spacing_line)
{
	size_t e;

	if (header_line != 0)
		import_warn(warn, name, header_line, "the header is not netsh's usual one (an "
		    "empty line, \"SSL Certificate bindings:\", its dashes, an empty line; a "
		    "trailing blank or another empty line here): show sslcert prints the usual "
		    "one, not this file's");
	if (spacing_line != 0)
		import_warn(warn, name, spacing_line, "the entries are not each followed by one "
		    "empty line, as netsh prints them: show sslcert prints one");
	for (e = 0; e < nv; e++)
		if (v[e].trailline != 0 && v[e].layout != 2008) {
			import_warn(warn, name, v[e].trailline, "[sslcert %s]: a blank ends the "
			    "line: show sslcert prints none there (nor after the other values of "
			    "this output)", v[e].keytext);
			break;
		}
}

int
import_netsh_parse(const char *text, size_t len, const char *name,
    struct import_netsh_entry **out, size_t *n, FILE *warn, char *err, size_t errlen)
{
	struct import_netsh_entry *v = NULL, *cur = NULL, fresh;
	struct strhash seen;
	size_t nv = 0, cap = 0, pos = 0, k, lwlen = 0;
	int line = 0, fields = 0, english = 0, foreign_line = 0, prop = -1;
	/* what show sslcert does not give back (netsh_frame_read): the first line of each */
	int header_line = 0, spacing_line = 0, blanks = 0, nheader = 0;
	const char *language = NULL;
	char foreign_label[128] = "", *lw = NULL;
	FILE *linewarn = NULL;

	*out = NULL;
	*n = 0;
	/* netsh's defaults, worked out once: each entry starts as a copy */
	memset(&fresh, 0, sizeof(fresh));
	netsh_entry_defaults(&fresh);
	/* the warnings about single lines wait until the output is known to be English */
	if (strhash_init(&seen, len / 64 + 16) != 0 ||
	    (warn != NULL && (linewarn = open_memstream(&lw, &lwlen)) == NULL)) {
		strhash_clear(&seen);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos), *sep;
		size_t ll = nl != NULL ? (size_t)(nl - s) : len - pos;
		char label[128], value[BINDING_HOST_MAX + 64], msg[512];
		enum sslcert_kind kind;
		unsigned long long bit;
		int is_key = 1;

		pos += ll + (nl != NULL);
		line++;
		netsh_frame_read(s, ll, line, nv > 0, &nheader, &blanks, &header_line,
		    &spacing_line);
		if (language == NULL) {
			for (k = 0; k < sizeof(netsh_foreign) / sizeof(netsh_foreign[0]); k++)
				if (memmem(s, ll, netsh_foreign[k].label,
				    strlen(netsh_foreign[k].label)) != NULL) {
					language = netsh_foreign[k].language;
					foreign_line = line;
					snprintf(foreign_label, sizeof(foreign_label), "%s",
					    netsh_foreign[k].label);
				}
		}
		if ((sep = memmem(s, ll, " : ", 3)) == NULL) {
			/* " Extended Properties:" opens a block of the current entry */
			if (cur != NULL && memmem(s, ll, "Extended Properties:", 20) != NULL) {
				prop = -2;   /* until its PropertyId line */
				cur->lastline = line;
				if (cur->layout < 2022)
					cur->layout = 2022;
			}
			continue;
		}
		trim_copy(label, sizeof(label), s, (size_t)(sep - s));
		trim_copy(value, sizeof(value), sep + 3, ll - (size_t)(sep + 3 - s));
		fields++;
		for (k = 0; k < sizeof(netsh_english) / sizeof(netsh_english[0]); k++)
			if (strcmp(label, netsh_english[k]) == 0)
				english++;
		if (strcasecmp(label, "IP:port") == 0)
			kind = SSLCERT_IPPORT;
		else if (strcasecmp(label, "Hostname:port") == 0)
			kind = SSLCERT_HOSTNAMEPORT;
		else if (strcasecmp(label, "Central Certificate Store") == 0)
			kind = SSLCERT_CCS;
		else
			is_key = 0;
		if (is_key) {
			struct import_netsh_entry e;
			char keytext[sizeof(e.keytext)], hk[BINDING_HOST_MAX + 64];
			ENTRY *ent;
			int created;

			e = fresh;
			e.line = e.lastline = line;
			prop = -1;
			if (kind == SSLCERT_CCS)
				snprintf(keytext, sizeof(keytext), "ccs:%s", value);
			else
				snprintf(keytext, sizeof(keytext), "%s", value);
			cur = NULL;
			msg[0] = '\0';
			if (binding_sslkey_parse(keytext, &e.key, msg, sizeof(msg)) != 0 ||
			    e.key.kind != kind) {
				if (msg[0] == '\0')
					snprintf(msg, sizeof(msg), "\"%s\" is a %s key, not an %s key",
					    value, e.key.kind == SSLCERT_HOSTNAMEPORT ? "Hostname:port" :
					    "IP:port", label);
				import_warn(warn, name, line, "%s \"%s\" is not a certificate binding "
				    "sysbind can key (%s): not carried over", label, value, msg);
				continue;
			}
			binding_sslkey_hashkey(&e.key, hk, sizeof(hk));
			if ((ent = strhash_enter(&seen, hk, (size_t)line, &created)) == NULL)
				goto nomem;
			if (!created) {
				import_warn(warn, name, line, "%s %s listed twice (first at line %zu): "
				    "the second is not carried over", label, value,
				    (size_t)(uintptr_t)ent->data);
				continue;
			}
			snprintf(e.keytext, sizeof(e.keytext), "%s", keytext);
			if (line_trails(s, ll))
				e.trailline = line;
			if (nv == cap) {
				struct import_netsh_entry *nv2;

				cap = cap ? cap * 2 : 16;
				if ((nv2 = realloc(v, cap * sizeof(*v))) == NULL)
					goto nomem;
				v = nv2;
			}
			v[nv] = e;
			cur = &v[nv++];
			continue;
		}
		if (cur == NULL)
			continue;
		netsh_line_shape(cur, label, s, (size_t)(sep - s));
		cur->lastline = line;
		if (cur->trailline == 0 && line_trails(s, ll))
			cur->trailline = line;
		if (netsh_label_key(label, &bit) != NULL)
			cur->lines_read |= bit;
		if (strcmp(value, "(null)") == 0)
			value[0] = '\0';
		if (strcasecmp(label, "Certificate Hash") == 0) {
			snprintf(cur->certhash, sizeof(cur->certhash), "%s", value);
			cur->hashline = line;
		} else if (strcasecmp(label, "Application ID") == 0) {
			snprintf(cur->appid, sizeof(cur->appid), "%s", value);
			cur->appidline = line;
		} else if (strcasecmp(label, "Certificate Store Name") == 0) {
			snprintf(cur->storename, sizeof(cur->storename), "%s", value);
		} else if (strcasecmp(label, "PropertyId") == 0) {
			char *end;
			unsigned long id = strtoul(value, &end, 10);

			/* a block sysbind has no line for (Windows 11's PropertyId 2 to 4 are empty)
			 * is only a problem when a line of it is not understood */
			prop = *end == '\0' && isdigit((unsigned char)value[0]) && id < 64 ?
			    (int)id : -2;
			if (prop >= 0 && (unsigned)prop + 1 > cur->propblocks)
				cur->propblocks = (unsigned)prop + 1;
		} else if (netsh_line_read(cur, label, value, prop, msg, sizeof(msg)) != 0 &&
		    linewarn != NULL) {
			fprintf(linewarn, "%s:%d: warning: [sslcert %s]: %s\n", name, line,
			    cur->keytext, msg);
		}
	}
	strhash_clear(&seen);
	for (k = 0; k < nv; k++)
		if (v[k].layout <= 2012 && v[k].lines2008 > 0 && v[k].lines28 == 0)
			v[k].layout = 2008;
	if (nv > 0 && blanks != 1 && spacing_line == 0)
		spacing_line = line;
	if (linewarn != NULL) {
		netsh_warn_missing(linewarn, name, v, nv);
		netsh_warn_frame(linewarn, name, v, nv, header_line, spacing_line);
	}
	if (linewarn != NULL && fclose(linewarn) != 0) {
		linewarn = NULL;
		goto nomem;
	}
	linewarn = NULL;
	if (fields > 0 && english == 0) {
		/* Key lines may still have matched ("IP:Port" is German too), but nothing else
		 * can be read: no hash, no application id. */
		static const char how[] = "sysbind reads the English labels (IP:port, "
		    "Hostname:port, Central Certificate Store, Certificate Hash, Application ID, "
		    "Certificate Store Name). netsh prints them in the Windows display language, "
		    "and chcp does not change that: run `netsh http show sslcert` as a user whose "
		    "display language is English (install the en-US language pack, then "
		    "Set-WinUILanguageOverride -Language en-US and sign in again), or replace those "
		    "labels with the English ones. No certificate binding is imported from it";

		if (language != NULL)
			import_warn(warn, name, foreign_line, "this netsh output is in %s, not English "
			    "(\"%s\"): %s", language, foreign_label, how);
		else
			import_warn(warn, name, 0, "this netsh output is not in English (none of its "
			    "labels is): %s", how);
		free(lw);
		free(v);
		return 0;
	}
	if (warn != NULL && lw != NULL)
		fputs(lw, warn);
	free(lw);
	*out = v;
	*n = nv;
	return 0;
nomem:
	if (linewarn != NULL)
		fclose(linewarn);
	free(lw);
	free(v);
	strhash_clear(&seen);
	snprintf(err, errlen, "%s: out of memory", name);
	return -1;
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

/* 1 when value can be a key's value on one configuration line: no " ;" (a comment to
 * inih), no control character, and short enough. */
static int
value_writable(const char *key, const char *value)
{
	const char *p;

	if (strlen(key) + 3 + strlen(value) > IMPORT_LINE_MAX)
		return 0;
	for (p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p == ';' && p > value && isspace((unsigned char)p[-1]))
			return 0;
	}
	return value[0] != '\0' && !isspace((unsigned char)value[0]) &&
	    !isspace((unsigned char)value[strlen(value) - 1]);
}

/* One "; ..." comment line, control characters made blanks and cut to a line inih reads. */
static void
comment_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
comment_line(FILE *f, const char *fmt, ...)
{
	char buf[IMPORT_LINE_MAX + 1], *p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if ((size_t)n >= sizeof(buf))
		memcpy(buf + sizeof(buf) - 4, "...", 4);
	fprintf(f, "%s\n", buf);
}

/*
 * The netsh entries by key, for the checks of each https binding: 1 when an entry of kind
 * serves the binding's clients, 0 when none does.  For ipport (§1.1 steps 1 and 4): the
 * binding's own address, 0.0.0.0 (every IPv4 and IPv6 client), [::] (IPv6 clients only):
 * 2 when [::] alone serves a "*" binding, whose IPv4 clients then get nothing.
 */
static int
entry_exists(const struct strhash *keys, enum sslcert_kind kind, const struct binding *b)
{
	struct sslcert_key k;
	char hk[BINDING_HOST_MAX + 64];

	memset(&k, 0, sizeof(k));
	k.kind = kind;
	k.port = b->port;
	if (kind == SSLCERT_HOSTNAMEPORT)
		snprintf(k.host, sizeof(k.host), "%s", b->host);
	if (kind == SSLCERT_IPPORT) {
		k.addr.family = AF_INET;
		binding_sslkey_hashkey(&k, hk, sizeof(hk));
		if (strhash_find(keys, hk) != 0)
			return 1;
		if (b->addr.family != AF_INET) {
			memset(&k.addr, 0, sizeof(k.addr));
			k.addr.family = AF_INET6;
			binding_sslkey_hashkey(&k, hk, sizeof(hk));
			if (strhash_find(keys, hk) != 0)
				return b->addr.family == AF_UNSPEC ? 2 : 1;
		}
		if (b->addr.family == AF_UNSPEC)
			return 0;
		k.addr = b->addr;
	}
	binding_sslkey_hashkey(&k, hk, sizeof(hk));
	return strhash_find(keys, hk) != 0;
}


/* Check one https binding against the certificate table it needs. */
static void
check_binding_cert(const struct import_opts *o, const struct import_site *s,
    const struct import_binding *ib, const struct strhash *keys, FILE *warn)
{
	const struct binding *b = &ib->b;
	int kind = ib->sslflags & 3, e;
	char ref[IMPORT_NAME_MAX + 16];

	site_ref(s, ref, sizeof(ref));
	if (kind != 0 && b->host[0] == '\0')
		import_warn(warn, o->applicationhost, ib->line, "site %s: binding %s: sslFlags %d "
		    "needs a host name (IIS refuses SNI or CCS without one)", ref, ib->written,
		    ib->sslflags);
	if (o->sslcert == NULL)
		return;
	if (kind == 0 && (e = entry_exists(keys, SSLCERT_IPPORT, b)) != 1)
		import_warn(warn, o->applicationhost, ib->line, "site %s: binding %s (sslFlags 0) "
		    "has no ipport entry for its IP:%u in %s: %s", ref, ib->written, b->port,
		    o->sslcert, e == 2 ? "IPv4 clients get no certificate ([::] serves IPv6 "
		    "clients only; 0.0.0.0 would serve both)" : "clients get no certificate");
	else if (kind == 1 && b->host[0] != '\0' &&
	    !entry_exists(keys, SSLCERT_HOSTNAMEPORT, b) && !entry_exists(keys, SSLCERT_IPPORT, b))
		import_warn(warn, o->applicationhost, ib->line, "site %s: binding %s (sslFlags 1, "
		    "SNI) has no hostnameport entry %s:%u in %s", ref, ib->written, b->host, b->port,
		    o->sslcert);
	else if (kind >= 2 && !entry_exists(keys, SSLCERT_CCS, b))
		import_warn(warn, o->applicationhost, ib->line, "site %s: binding %s (sslFlags %d, "
		    "CCS) has no ccs entry for port %u in %s", ref, ib->written, ib->sslflags,
		    b->port, o->sslcert);
}

/* 40 hex digits (netsh prints them without spaces). */
static int
thumbprint_ok(const char *h)
{
	size_t n = strlen(h);

	return n == 40 && strspn(h, "0123456789abcdefABCDEF") == n;
}

/*
 * Whether entry e can be written (a ccs entry needs the store's directory, the others a
 * thumbprint); warns why not.  Sets *keep_appid / *keep_store for the optional fields.
 */
static int
sslcert_usable(const struct import_opts *o, const struct import_netsh_entry *e,
    const char *ccsdir, int *keep_appid, int *keep_store, FILE *warn)
{
	*keep_appid = e->appid[0] != '\0';
	*keep_store = e->storename[0] != '\0';
	if (*keep_appid && !conf_guid_valid(e->appid)) {
		import_warn(warn, o->sslcert, e->appidline, "[sslcert %s]: Application ID \"%s\" is "
		    "not a GUID in braces: left out", e->keytext, e->appid);
		*keep_appid = 0;
	}
	if (*keep_store && !value_writable("certstorename", e->storename)) {
		import_warn(warn, o->sslcert, e->line, "[sslcert %s]: Certificate Store Name \"%s\" "
		    "cannot be written on a configuration line: left out", e->keytext, e->storename);
		*keep_store = 0;
	}
	if (e->key.kind == SSLCERT_CCS) {
		if (ccsdir == NULL) {
			import_warn(warn, o->sslcert, e->line, "ccs entry for port %u: the Central "
			    "Certificate Store's directory is not in netsh's output (Windows keeps it "
			    "in the registry) and --cert-store has no ccs/ folder: not carried over; "
			    "add [sslcert ccs:%u] with directory = and password =", e->key.port,
			    e->key.port);
			return 0;
		}
		return 1;
	}
	if (e->certhash[0] == '\0') {
		import_warn(warn, o->sslcert, e->line, "%s has no certificate hash: not carried "
		    "over", e->keytext);
		return 0;
	}
	if (!thumbprint_ok(e->certhash)) {
		import_warn(warn, o->sslcert, e->hashline, "[sslcert %s]: Certificate Hash \"%s\" is "
		    "not a SHA-1 thumbprint (40 hex digits; redacted or cut?): not carried over; add "
		    "it by hand with certhash =", e->keytext, e->certhash);
		return 0;
	}
	return 1;
}

/* Every other parameter of e that is not at netsh's default, in the table's order. */
static void
write_netsh_values(FILE *f, const struct import_netsh_entry *e)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n);

	for (i = 0; i < n; i++) {
		const struct conf_key *k = &t[i];
		int slot;

		if (!netsh_key_read(k))
			continue;
		slot = netsh_key_slot(k);
		switch (k->type) {
		case CONF_TYPE_SWITCH:
			if (netsh_switch_on(e, k) != (strcmp(k->def, "enable") == 0))
				fprintf(f, "%s = %s\n", k->name, netsh_switch_on(e, k) ? "enable" :
				    "disable");
			break;
		case CONF_TYPE_NUMBER:
			if (slot < IMPORT_NETSH_NUMS && e->nums[slot] != strtoul(k->def, NULL, 10))
				fprintf(f, "%s = %lu\n", k->name, e->nums[slot]);
			break;
		default:
			if (slot < IMPORT_NETSH_STRS && e->strs[slot][0] != '\0')
				fprintf(f, "%s = %s\n", k->name, e->strs[slot]);
			break;
		}
	}
}

/* Write one [sslcert] section (sslcert_usable said it can be). */
static void
write_sslcert(FILE *f, const struct import_opts *o, const struct import_netsh_entry *e,
    const char *ccsdir, int keep_appid, int keep_store)
{
	if (e->key.kind == SSLCERT_CCS) {
		fprintf(f, "\n[sslcert ccs:%u]          ; %s line %d\n", e->key.port, o->sslcert,
		    e->line);
		fprintf(f, "directory = %s\n", ccsdir);
		fprintf(f, "; password =               ; the store-wide PFX password, if any\n");
	} else {
		fprintf(f, "\n[sslcert %s]   ; %s line %d\n", e->keytext, o->sslcert, e->line);
		fprintf(f, "certhash = %s\n", e->certhash);
	}
	if (keep_appid)
		fprintf(f, "appid = %s\n", e->appid);
	if (keep_store && e->key.kind != SSLCERT_CCS)
		fprintf(f, "certstorename = %s\n", e->storename);
	write_netsh_values(f, e);
}

/* The site's <hsts> over siteDefaults' (attribute by attribute), as [site] keys: only
 * what differs from IIS's defaults, each line saying where it was read. */
static void
write_hsts(FILE *f, const struct import_hsts *site, const struct import_hsts *def)
{
#define HSTS_PICK(m) (site->m >= 0 ? site->m : def->m)
#define HSTS_LINE(m) (site->m >= 0 ? site->line : def->line)
	int on = HSTS_PICK(enabled) == 1, sub = HSTS_PICK(include_subdomains) == 1;
	int pre = HSTS_PICK(preload) == 1, red = HSTS_PICK(redirect) == 1;
	long long age = HSTS_PICK(max_age);

	if (on)
		fprintf(f, "hsts = on   ; <hsts enabled> of IIS's line %d\n", HSTS_LINE(enabled));
	if (age > 0)
		fprintf(f, "hsts_max_age = %lld   ; line %d\n", age, HSTS_LINE(max_age));
	if (sub)
		fprintf(f, "hsts_include_subdomains = on   ; line %d\n",
		    HSTS_LINE(include_subdomains));
	if (pre)
		fprintf(f, "hsts_preload = on   ; line %d\n", HSTS_LINE(preload));
	if (red)
		fprintf(f, "hsts_redirect_http = on   ; redirectHttpToHttps of IIS's line %d\n",
		    HSTS_LINE(redirect));
#undef HSTS_PICK
#undef HSTS_LINE
}

/* Write one [site] section; its bindings split over lines inih can read. */
static void
write_site(FILE *f, const struct import_site *s, const char *default_pool,
    const struct import_hsts *defaults)
{
	size_t i, used = 0;
	const char *pool = s->pool != NULL ? s->pool : default_pool;
	char *name = conf_name_quote(s->name);

	fprintf(f, "\n[site %s]\n", name != NULL ? name : s->name);
	free(name);
	fprintf(f, "id = %lu\n", s->id);
	for (i = 0; i < s->nbindings; i++) {
		const struct import_binding *b = &s->bindings[i];
		size_t len = strlen(b->text);

		if (!b->ok)
			continue;
		if (used > 0 && used + 2 + len <= IMPORT_LINE_MAX) {
			fprintf(f, ", %s", b->text);
			used += 2 + len;
		} else {
			if (used > 0)
				fputc('\n', f);
			fprintf(f, "bindings = %s", b->text);
			used = strlen("bindings = ") + len;
		}
	}
	fputc('\n', f);
	fprintf(f, "; backend = http://127.0.0.1:8080   ; fill in; until then the built-in page "
	    "answers\n");
	if (pool != NULL || s->path != NULL)
		comment_line(f, "; on IIS: application pool \"%s\", %s", pool != NULL ? pool : "?",
		    s->path != NULL ? s->path : "?");
	if (s->stopped)
		fprintf(f, "state = stopped\n");
	if (s->access != 0 || s->access_line != 0) {
		char flags[128];

		fprintf(f, "ssl_flags = %s\n", conf_access_format(s->access, flags, sizeof(flags)));
	}
	write_hsts(f, &s->hsts, defaults);
	for (i = 0; i < s->nlocs; i++) {
		char flags[128], *whole, *q;

		if (asprintf(&whole, "%s%s", s->name, s->locs[i].path) < 0)
			continue;
		q = conf_name_quote(whole);
		fprintf(f, "\n[location %s]   ; <location path> of IIS's line %d\n", q != NULL ? q :
		    whole, s->locs[i].line);
		fprintf(f, "ssl_flags = %s\n", conf_access_format(s->locs[i].access, flags,
		    sizeof(flags)));
		free(q);
		free(whole);
	}
}

/* The next id no site has, from *next on (IIS's ids are DWORDs). */
static unsigned long
next_free_id(struct strhash *ids, unsigned long *next)
{
	char key[32];

	for (;; (*next)++) {
		if (*next > IMPORT_ID_MAX)
			*next = 1;
		snprintf(key, sizeof(key), "%lu", *next);
		if (strhash_find(ids, key) == 0)
			return (*next)++;
	}
}

/*
 * Ids and names: every site gets a valid id no other site has, and a name conf can hold
 * that no other site has (IIS compares names case-insensitively).  Each change warned.
 */
static int
sites_identify(const struct import_opts *o, struct import_xml *x, FILE *warn)
{
	struct strhash ids, names;
	unsigned long next = 1;
	char key[64], ref[IMPORT_NAME_MAX + 16], oref[IMPORT_NAME_MAX + 16];
	size_t i;
	int rc = -1;

	memset(&ids, 0, sizeof(ids));
	memset(&names, 0, sizeof(names));
	if (strhash_init(&ids, x->nsites) != 0 || strhash_init(&names, x->nsites * 2) != 0)
		goto done;
	for (i = 0; i < x->nsites; i++)
		if (x->sites[i].id >= next && x->sites[i].id < IMPORT_ID_MAX)
			next = x->sites[i].id + 1;
	/* ids: the first site to hold an id keeps it */
	for (i = 0; i < x->nsites; i++) {
		struct import_site *s = &x->sites[i];
		ENTRY *e;
		int created;

		if (s->id != 0) {
			snprintf(key, sizeof(key), "%lu", s->id);
			if ((e = strhash_enter(&ids, key, i + 1, &created)) == NULL)
				goto done;
			if (created)
				continue;
			site_ref(&x->sites[(size_t)(uintptr_t)e->data - 1], oref, sizeof(oref));
			import_warn(warn, o->applicationhost, s->line, "site %s: id %lu is already site "
			    "%s's (line %d): given id %lu", site_ref(s, ref, sizeof(ref)), s->id, oref,
			    x->sites[(size_t)(uintptr_t)e->data - 1].line, next_free_id(&ids, &next));
			s->id = next - 1;
		} else if (s->idtext != NULL) {
			s->id = next_free_id(&ids, &next);
			import_warn(warn, o->applicationhost, s->line, "site %s: id \"%s\" is not a site "
			    "id (1 to 4294967295): given id %lu", site_ref(s, ref, sizeof(ref)),
			    s->idtext, s->id);
		} else {
			s->id = next_free_id(&ids, &next);
			import_warn(warn, o->applicationhost, s->line, "site %s has no id: given id %lu",
			    site_ref(s, ref, sizeof(ref)), s->id);
		}
		snprintf(key, sizeof(key), "%lu", s->id);
		if (strhash_enter(&ids, key, i + 1, NULL) == NULL)
			goto done;
	}
	/* names */
	for (i = 0; i < x->nsites; i++) {
		struct import_site *s = &x->sites[i];
		char *lower, *nn;
		ENTRY *e;
		int created, k;

		if (s->name[0] == '\0') {
			free(s->name);
			if (asprintf(&s->name, "Site %lu", s->id) < 0) {
				s->name = NULL;
				goto done;
			}
			import_warn(warn, o->applicationhost, s->line, "<site> without a name: imported "
			    "as \"%s\"", s->name);
		}
		if (strlen(s->name) > IMPORT_NAME_MAX) {
			size_t cut = IMPORT_NAME_MAX;

			while (cut > 0 && ((unsigned char)s->name[cut] & 0xC0) == 0x80)
				cut--;   /* not inside a UTF-8 character */
			import_warn(warn, o->applicationhost, s->line, "site name of %zu characters "
			    "shortened to its first %zu (a configuration header holds %d)",
			    strlen(s->name), cut, IMPORT_NAME_MAX);
			s->name[cut] = '\0';
		}
		for (k = 0;; k++) {
			if ((lower = strhash_lower(s->name)) == NULL)
				goto done;
			e = strhash_enter(&names, lower, i + 1, &created);
			free(lower);
			if (e == NULL)
				goto done;
			if (created)
				break;
			site_ref(&x->sites[(size_t)(uintptr_t)e->data - 1], oref, sizeof(oref));
			if (k == 0 ? asprintf(&nn, "%s (id %lu)", s->name, s->id) < 0 :
			    asprintf(&nn, "%s (%d)", s->name, k + 1) < 0)
				goto done;
			import_warn(warn, o->applicationhost, s->line, "site %s: the name is already "
			    "site %s's (line %d; IIS compares names without case): imported as \"%s\"",
			    site_ref(s, ref, sizeof(ref)), oref,
			    x->sites[(size_t)(uintptr_t)e->data - 1].line, nn);
			free(s->name);
			s->name = nn;
		}
	}
	rc = 0;
done:
	strhash_clear(&ids);
	strhash_clear(&names);
	return rc;
}

/* What protocol each port speaks: https where netsh has a certificate binding on it, else
 * the protocol of its first binding in file order.  ports[p]: 0 unknown, 1 http, 2 https,
 * and the first site / binding seen with each (for messages). */
struct port_use {
	unsigned char proto;
	unsigned char netsh;              /* https because netsh has an entry on the port */
	size_t        site[2], bind[2];   /* index + 1 of the first http / https binding */
};

/*
 * Bindings: parsed, on one configuration line, once per site, one protocol per port, and
 * on one started site (a second started site with the same binding is imported stopped,
 * as IIS leaves it).  Each repair is warned with its source line.
 */
static int
sites_bindings(const struct import_opts *o, struct import_xml *x,
    const struct import_netsh_entry *v, size_t nv, FILE *warn)
{
	struct strhash own, held;
	struct port_use *ports = NULL;
	char key[BINDING_HOST_MAX + 96], msg[512], ref[IMPORT_NAME_MAX + 16];
	char oref[IMPORT_NAME_MAX + 16];
	size_t i, j, nb = 0;
	int rc = -1;

	memset(&own, 0, sizeof(own));
	memset(&held, 0, sizeof(held));
	for (i = 0; i < x->nsites; i++)
		nb += x->sites[i].nbindings;
	if (strhash_init(&own, nb) != 0 || strhash_init(&held, nb) != 0 ||
	    (ports = calloc(65536, sizeof(*ports))) == NULL)
		goto done;
	for (i = 0; i < nv; i++) {
		ports[v[i].key.port].proto = 2;
		ports[v[i].key.port].netsh = 1;
	}

	/* each binding alone: its grammar, its line, its repeats in the same site */
	for (i = 0; i < x->nsites; i++) {
		struct import_site *s = &x->sites[i];

		site_ref(s, ref, sizeof(ref));
		for (j = 0; j < s->nbindings; j++) {
			struct import_binding *b = &s->bindings[j];
			ENTRY *e;
			int created, n;

			if (b->badflags != NULL)
				import_warn(warn, o->applicationhost, b->line, "site %s: binding %s: "
				    "sslFlags \"%s\" is neither a number nor IIS's flag names: read as 0",
				    ref, b->written, b->badflags);
			if (binding_parse(b->text, &b->b, msg, sizeof(msg)) != 0) {
				import_warn(warn, o->applicationhost, b->line, "site %s: %s: not carried "
				    "over", ref, msg);
				continue;
			}
			if (strlen("bindings = ") + strlen(b->text) > IMPORT_LINE_MAX) {
				import_warn(warn, o->applicationhost, b->line, "site %s: binding %s is "
				    "longer than a configuration line holds (%zu characters): not carried "
				    "over", ref, b->written, strlen(b->text));
				continue;
			}
			n = snprintf(key, sizeof(key), "%zu#", i);
			binding_hashkey(&b->b, key + n, sizeof(key) - (size_t)n);
			if ((e = strhash_enter(&own, key, b->line, &created)) == NULL)
				goto done;
			if (!created) {
				import_warn(warn, o->applicationhost, b->line, "site %s: binding %s is "
				    "listed twice (first at line %zu): the second is not carried over",
				    ref, b->written, (size_t)(uintptr_t)e->data);
				continue;
			}
			b->ok = 1;
			if (ports[b->b.port].proto == 0)
				ports[b->b.port].proto = b->b.proto == BINDING_HTTPS ? 2 : 1;
			if (ports[b->b.port].site[b->b.proto] == 0) {
				ports[b->b.port].site[b->b.proto] = i + 1;
				ports[b->b.port].bind[b->b.proto] = j + 1;
			}
		}
	}
	/* one protocol per port */
	for (i = 0; i < x->nsites; i++) {
		struct import_site *s = &x->sites[i];

		site_ref(s, ref, sizeof(ref));
		for (j = 0; j < s->nbindings; j++) {
			struct import_binding *b = &s->bindings[j];
			struct port_use *pu = &ports[b->b.port];
			int want = pu->proto == 2 ? BINDING_HTTPS : BINDING_HTTP;
			const struct import_site *os;
			const struct import_binding *ob;

			if (!b->ok || (int)b->b.proto == want)
				continue;
			b->ok = 0;
			if (pu->site[want] != 0) {
				os = &x->sites[pu->site[want] - 1];
				ob = &os->bindings[pu->bind[want] - 1];
				site_ref(os, oref, sizeof(oref));
				import_warn(warn, o->applicationhost, b->line, "site %s: binding %s: port "
				    "%u also has %s bindings (%s of site %s, line %d) and HTTP.SYS speaks one "
				    "protocol on a port: %s, %s: not carried over", ref, b->written,
				    b->b.port, want == BINDING_HTTPS ? "https" : "http", ob->written, oref,
				    ob->line, want == BINDING_HTTPS ? "https" : "http", pu->netsh ?
				    "as the netsh output has a certificate binding on it" :
				    "the protocol of its first binding");
			} else {
				import_warn(warn, o->applicationhost, b->line, "site %s: binding %s: port "
				    "%u has a certificate binding in %s, so HTTP.SYS speaks https on it: this "
				    "http binding is not carried over", ref, b->written, b->b.port,
				    o->sslcert != NULL ? o->sslcert : "the netsh output");
			}
		}
	}
	/* one started site per binding; state first, as IIS decides it */
	for (i = 0; i < x->nsites; i++) {
		struct import_site *s = &x->sites[i];
		const struct import_binding *clash = NULL;
		size_t other = 0;

		s->stopped = s->state >= 0 ? s->state : s->autostart >= 0 ? !s->autostart :
		    x->default_autostart >= 0 ? !x->default_autostart : 0;
		for (j = 0; j < s->nbindings; j++)
			if (s->bindings[j].ok)
				break;
		if (j == s->nbindings) {
			import_warn(warn, o->applicationhost, s->line, "site %s has no http or https "
			    "binding%s: not carried over", site_ref(s, ref, sizeof(ref)),
			    s->nbindings > 0 ? " left" : "");
			s->skip = 1;
			continue;
		}
		if (s->stopped)
			continue;
		for (j = 0; j < s->nbindings && clash == NULL; j++) {
			if (!s->bindings[j].ok)
				continue;
			binding_hashkey(&s->bindings[j].b, key, sizeof(key));
			if ((other = strhash_find(&held, key)) != 0)
				clash = &s->bindings[j];
		}
		if (clash != NULL) {
			const struct import_site *os = &x->sites[other - 1];

			s->stopped = 1;
			import_warn(warn, o->applicationhost, clash->line, "site %s: binding %s is also "
			    "site %s's (line %d): IIS starts the first of two sites with the same binding "
			    "and leaves the other stopped: imported with state = stopped",
			    site_ref(s, ref, sizeof(ref)), clash->written, site_ref(os, oref,
			    sizeof(oref)), os->line);
			continue;
		}
		for (j = 0; j < s->nbindings; j++) {
			if (!s->bindings[j].ok)
				continue;
			binding_hashkey(&s->bindings[j].b, key, sizeof(key));
			if (strhash_enter(&held, key, i + 1, NULL) == NULL)
				goto done;
		}
	}
	rc = 0;
done:
	strhash_clear(&own);
	strhash_clear(&held);
	free(ports);
	return rc;
}

/* The binding sslFlags bits 4 to 128 and the [sslcert] flags they are. */
static const struct {
	int         bit;
	unsigned    flag;
	const char *key;     /* the conf key, for messages */
} bindflag_map[] = {
	{ 4, CONF_SSL_DISABLE_HTTP2, "disablehttp2" },
	{ 8, CONF_SSL_DISABLE_OCSP_STAPLING, "disableocspstapling" },
	{ 16, CONF_SSL_DISABLE_QUIC, "disablequic" },
	{ 32, CONF_SSL_DISABLE_TLS13, "disabletls13" },
	{ 64, CONF_SSL_DISABLE_LEGACY_TLS, "disablelegacytls" },
	{ 128, CONF_SSL_NEGOTIATE_CLIENT_CERT, "clientcertnegotiation" },
};
#define NBINDFLAGS (sizeof(bindflag_map) / sizeof(bindflag_map[0]))

/* The entries (index + 1) an https binding's sslFlags reach: its ipport entry (the exact
 * address, else as §1.1 step 4: [::] then 0.0.0.0 for IPv6, 0.0.0.0 for IPv4; both
 * wildcards for "*"), its hostnameport
 * entry (SNI) or its ccs entry.  Returns how many (at most 2). */
static size_t
binding_entries(const struct import_binding *ib, const struct strhash *keys, size_t out[2])
{
	const struct binding *b = &ib->b;
	struct sslcert_key k;
	char hk[BINDING_HOST_MAX + 64];
	size_t n = 0, i;

	memset(&k, 0, sizeof(k));
	k.port = b->port;
	switch (ib->sslflags & 3) {
	case 0:
		k.kind = SSLCERT_IPPORT;
		if (b->addr.family != AF_UNSPEC) {
			k.addr = b->addr;
			binding_sslkey_hashkey(&k, hk, sizeof(hk));
			if ((i = strhash_find(keys, hk)) != 0) {
				out[n++] = i;
				return n;
			}
		}
		/* §1.1 step 4: 0.0.0.0 for IPv4 clients, [::] for IPv6 ones, and 0.0.0.0 for
		 * those too when there is no [::] entry */
		memset(&k.addr, 0, sizeof(k.addr));
		if (b->addr.family != AF_INET6) {
			k.addr.family = AF_INET;
			binding_sslkey_hashkey(&k, hk, sizeof(hk));
			if ((i = strhash_find(keys, hk)) != 0)
				out[n++] = i;
		}
		if (b->addr.family != AF_INET) {
			memset(&k.addr, 0, sizeof(k.addr));
			k.addr.family = AF_INET6;
			binding_sslkey_hashkey(&k, hk, sizeof(hk));
			if ((i = strhash_find(keys, hk)) != 0)
				out[n++] = i;
		}
		if (b->addr.family == AF_INET6 && n == 0) {
			memset(&k.addr, 0, sizeof(k.addr));
			k.addr.family = AF_INET;
			binding_sslkey_hashkey(&k, hk, sizeof(hk));
			if ((i = strhash_find(keys, hk)) != 0)
				out[n++] = i;
		}
		return n;
	case 1:
		k.kind = SSLCERT_HOSTNAMEPORT;
		snprintf(k.host, sizeof(k.host), "%s", b->host);
		break;
	default:
		k.kind = SSLCERT_CCS;
		break;
	}
	binding_sslkey_hashkey(&k, hk, sizeof(hk));
	if ((i = strhash_find(keys, hk)) != 0)
		out[n++] = i;
	return n;
}

/* ", "-joined conf keys of the flags in bits (CONF_SSL_*). */
static void
bindflag_keys(unsigned flags, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < NBINDFLAGS; i++)
		if (flags & bindflag_map[i].flag)
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s = enable",
			    off ? ", " : "", bindflag_map[i].key);
}

/*
 * IIS writes a binding's sslFlags 4 to 128 into the HTTP.SYS entry it resolves to: each
 * set bit is set on that entry.  Said: a bit netsh's output shows as not set there (the
 * two files were taken at different moments?), two bindings sharing an entry with
 * different bits (the entry gets every binding's), a binding whose entry is not in the
 * output (or there is no output) to carry them.
 */
static void
bindings_to_entries(const struct import_opts *o, const struct import_xml *x,
    struct import_netsh_entry *v, size_t nv, const struct strhash *keys, FILE *warn)
{
	unsigned *read = calloc(nv + 1, sizeof(*read));
	char ref[IMPORT_NAME_MAX + 16], names[256], other[256];
	size_t i, j, k, m, found[2], nf;

	for (i = 0; i < nv && read != NULL; i++)
		read[i] = v[i].flags;
	for (i = 0; i < x->nsites; i++) {
		const struct import_site *s = &x->sites[i];

		if (s->skip)
			continue;
		for (j = 0; j < s->nbindings; j++) {
			const struct import_binding *ib = &s->bindings[j];
			unsigned want = 0;

			if (!ib->ok || ib->b.proto != BINDING_HTTPS || (ib->sslflags & ~3) == 0)
				continue;
			for (k = 0; k < NBINDFLAGS; k++)
				if (ib->sslflags & bindflag_map[k].bit)
					want |= bindflag_map[k].flag;
			site_ref(s, ref, sizeof(ref));
			bindflag_keys(want, names, sizeof(names));
			nf = o->sslcert != NULL ? binding_entries(ib, keys, found) : 0;
			if (nf == 0) {
				import_warn(warn, o->applicationhost, ib->line, "site %s: binding %s: "
				    "sslFlags %d (%s): %s to carry them: not carried over", ref,
				    ib->written, ib->sslflags, names, o->sslcert == NULL ? "no netsh output "
				    "(--sslcert), so no [sslcert] entry" : "no [sslcert] entry for this "
				    "binding in the netsh output");
				continue;
			}
			for (m = 0; m < nf; m++) {
				struct import_netsh_entry *e = &v[found[m] - 1];
				unsigned hidden = want & ~(read != NULL ? read[found[m] - 1] : e->flags);

				/* flags netsh's layout prints, printed as not set */
				for (k = 0; k < NBINDFLAGS; k++) {
					const struct conf_key *ck = conf_key_find(CONF_SECTION_SSLCERT,
					    bindflag_map[k].key);

					if ((hidden & bindflag_map[k].flag) && ck != NULL &&
					    ck->since <= e->layout)
						import_warn(warn, o->applicationhost, ib->line, "site %s: binding "
						    "%s has sslFlags %s, but %s shows \"%s\" not set for %s (line "
						    "%d): set (IIS writes a binding's flags into HTTP.SYS when it "
						    "saves the binding: were the two files taken at different "
						    "times?)", ref, ib->written,
						    conf_binding_flag_words[k + 3].word, o->sslcert,
						    ck->label, e->keytext, e->line);
				}
				if (e->bindline == 0) {
					e->bindflags = want;
					e->bindline = ib->line;
					snprintf(e->bindtext, sizeof(e->bindtext), "%.200s of site %.120s",
					    ib->written, ref);
				} else if (e->bindflags != want) {
					bindflag_keys(e->bindflags, other, sizeof(other));
					import_warn(warn, o->applicationhost, ib->line, "site %s: binding %s "
					    "(sslFlags %d: %s) shares [sslcert %s] with %s (line %d: %s), and "
					    "their flags differ: the entry gets both", ref, ib->written,
					    ib->sslflags, names[0] != '\0' ? names : "none", e->keytext,
					    e->bindtext, e->bindline, other[0] != '\0' ? other : "none");
				}
				e->flags |= want;
			}
		}
	}
	free(read);
}

/*
 * IIS's access sslFlags: a number made of 8, 32, 64, 128, 256, or the names None, Ssl,
 * SslNegotiateCert, SslRequireCert, SslMapCert, Ssl128 joined by commas.  Returns 0 with
 * *out, or -1.
 */
static int
access_parse(const char *v, unsigned *out)
{
	unsigned long u;
	char msg[256];

	if (conf_flag_words_parse(conf_access_flag_words, "sslFlags", v, &u, msg,
	    sizeof(msg)) != 0)
		return -1;
	*out = (unsigned)u;
	return 0;
}

/* The site a location path names: the longest site name (compared as IIS does, without
 * case) the path starts with, followed by "/" or nothing; the first site of that name when
 * several share it; NULL when none (and *nomem set when out of memory).  names holds each
 * site's lowercased name with its index + 1 (the first site entered keeps a name), so a
 * lookup costs the path's length, not the number of sites (issue 20: 64,000 sites with a
 * rule each took 119 s when each lookup walked them all).  *rest gets what follows the
 * name. */
static struct import_site *
location_site(struct import_xml *x, const struct strhash *names, const char *path,
    const char **rest, int *nomem)
{
	size_t n = strlen(path), cut, site = 0;
	char *key = strhash_lower(path);

	*rest = NULL;
	if (key == NULL) {
		*nomem = 1;
		return NULL;
	}
	for (cut = n + 1; cut-- > 0;) {
		if (cut < n && path[cut] != '/')
			continue;
		key[cut] = '\0';
		if ((site = strhash_find(names, key)) != 0)
			break;
	}
	free(key);
	if (site == 0)
		return NULL;
	*rest = path + cut;
	return &x->sites[site - 1];
}

/*
 * Whether a <location path> (NULL: the root <system.webServer>, outside any location) is
 * the server level in applicationHost.config: no path, path="" or path=".", which IIS reads
 * as the file's own level (MACHINE/WEBROOT/APPHOST), every site's unless it sets its own.
 * overrideMode and allowOverride on it lock the section against web.config files only
 * (which sysbind does not read): a <location path="SITE"> of the same file still wins.
 */
static int
server_level(const char *path)
{
	return path == NULL || path[0] == '\0' || strcmp(path, ".") == 0;
}

/*
 * Every <access sslFlags> read: the server level's (the root <system.webServer>, or a
 * <location> with no path, path="" or path=".") becomes [server] ssl_flags (*server, and
 * *server_line its line, 0 when none), which every site without its own inherits; a
 * <location path="SITE"> is the site's, a <location path="SITE/PATH"> a [location].  A
 * value that is not IIS's flags, a location of no site (or of a site not carried over), a
 * path conf would refuse are warnings; a second value for the same place replaces the
 * first, warned.  uploadReadAheadSize: the server level's becomes [server]
 * upload_read_ahead_size (*uras, -1 when absent or bad); a location's own is a warning.
 * Each lookup (the site a path names, a path given twice) goes through a table, so the
 * work grows with the number of rules, not with rules times sites.  Returns 0 or -1 (no
 * memory).
 */
static int
sites_access(const struct import_opts *o, struct import_xml *x, long *uras,
    unsigned *server, int *server_line, FILE *warn)
{
	unsigned flags;
	int nomem = 0, rc = -1;
	size_t i, j;
	char ref[IMPORT_NAME_MAX + 16], msg[512];
	struct strhash names, seen;  /* site names; "SITE#path" of each site's paths */

	memset(&names, 0, sizeof(names));
	memset(&seen, 0, sizeof(seen));
	*uras = -1;
	*server = 0;
	*server_line = 0;
	for (i = 0; i < x->nuras; i++) {
		const struct import_access *a = &x->uras[i];
		char *end;
		unsigned long u;

		errno = 0;
		u = strtoul(a->value, &end, 10);
		if (!isdigit((unsigned char)a->value[0]) || *end != '\0' || errno != 0 ||
		    u > 2147483647UL) {
			import_warn(warn, o->applicationhost, a->line, "uploadReadAheadSize \"%s\" is "
			    "not a number from 0 to 2147483647: not carried over", a->value);
			continue;
		}
		if (server_level(a->path))
			*uras = (long)u;
		else
			import_warn(warn, o->applicationhost, a->line, "<location path=\"%s\">: "
			    "uploadReadAheadSize %lu is not carried over: sysbind has one "
			    "upload_read_ahead_size for the whole server", a->path, u);
	}
	if (x->naccess > 0 && (strhash_init(&names, x->nsites) != 0 ||
	    strhash_init(&seen, x->naccess) != 0))
		goto done;
	for (i = 0; x->naccess > 0 && i < x->nsites; i++) {
		char *lower = strhash_lower(x->sites[i].name);

		if (lower == NULL || strhash_enter(&names, lower, i + 1, NULL) == NULL) {
			free(lower);
			goto done;
		}
		free(lower);
	}
	for (i = 0; i < x->naccess; i++) {
		const struct import_access *a = &x->access[i];
		struct import_site *s;
		const char *rest;
		char *path = NULL, *key;
		ENTRY *e;
		int created;

		if (access_parse(a->value, &flags) != 0) {
			import_warn(warn, o->applicationhost, a->line, "<access sslFlags=\"%s\">: not "
			    "IIS's flags (None, Ssl, SslNegotiateCert, SslRequireCert, SslMapCert, "
			    "Ssl128, or their number): not carried over", a->value);
			continue;
		}
		if (server_level(a->path)) {
			if (*server_line != 0)
				import_warn(warn, o->applicationhost, a->line, "the server level's access "
				    "sslFlags given again (first at line %d; the root <system.webServer>, "
				    "<location path=\".\"> and <location path=\"\"> are the same level): the "
				    "last one is kept", *server_line);
			*server = flags;
			*server_line = a->line;
			continue;
		}
		if ((s = location_site(x, &names, a->path, &rest, &nomem)) == NULL) {
			if (nomem)
				goto done;
			import_warn(warn, o->applicationhost, a->line, "<location path=\"%s\">: no "
			    "site is named by it: its access sslFlags are not carried over", a->path);
			continue;
		}
		site_ref(s, ref, sizeof(ref));
		if (s->skip) {
			import_warn(warn, o->applicationhost, a->line, "<location path=\"%s\">: site "
			    "%s is not carried over, nor its access sslFlags", a->path, ref);
			continue;
		}
		if (conf_location_path(rest, &path, msg, sizeof(msg)) != 0) {
			import_warn(warn, o->applicationhost, a->line, "<location path=\"%s\">: %s: "
			    "its access sslFlags are not carried over", a->path, msg);
			continue;
		}
		if (strcmp(path, "/") == 0) {
			free(path);
			if (s->access_line != 0)
				import_warn(warn, o->applicationhost, a->line, "site %s: access sslFlags "
				    "given again (first at line %d): the last one is kept", ref,
				    s->access_line);
			s->access = flags;
			s->access_line = a->line;
			continue;
		}
		/* a site's paths compare without case: one table for all, the site's index first */
		e = NULL;
		if (asprintf(&key, "%zu#%s", (size_t)(s - x->sites), path) >= 0) {
			for (j = 0; key[j] != '\0'; j++)
				key[j] = (char)tolower((unsigned char)key[j]);
			e = strhash_enter(&seen, key, s->nlocs + 1, &created);
			free(key);
		}
		if (e == NULL) {
			free(path);
			goto done;
		}
		j = (size_t)(uintptr_t)e->data - 1;
		if (!created) {
			import_warn(warn, o->applicationhost, a->line, "site %s: access sslFlags of %s "
			    "given again (first at line %d; paths compare without case): the last one "
			    "is kept", ref, path, s->locs[j].line);
			free(path);
		} else {
			struct import_loc *nl = realloc(s->locs, (s->nlocs + 1) * sizeof(*nl));

			if (nl == NULL) {
				free(path);
				goto done;
			}
			s->locs = nl;
			s->locs[j].path = path;
			s->nlocs++;
		}
		s->locs[j].access = flags;
		s->locs[j].line = a->line;
	}
	rc = 0;
done:
	strhash_clear(&names);
	strhash_clear(&seen);
	return rc;
}

char *
import_build(const struct import_opts *o, FILE *warn, char *err, size_t errlen)
{
	struct import_xml x;
	struct import_netsh_entry *v = NULL;
	struct strhash keys;
	struct certstore_dir *store = NULL;
	size_t nv = 0, i, j, len = 0, raw_len = 0, nkept = 0;
	char *text = NULL, *raw = NULL, *out = NULL, storetext[PATH_MAX];
	char ccsdir[PATH_MAX + 8], hk[BINDING_HOST_MAX + 64];
	const char *ccs = NULL, *encoding = NULL;
	FILE *f = NULL;
	int iis8 = 0;
	unsigned layout = 0, propblocks = 0;
	long uras = -1;
	unsigned server_flags = 0;
	int server_flags_line = 0;
	struct conf *cfg;

	memset(&x, 0, sizeof(x));
	memset(&keys, 0, sizeof(keys));
	x.name = o->applicationhost;
	x.warn = warn;
	x.default_autostart = -1;
	hsts_init(&x.default_hsts);
	err[0] = '\0';
	if (xml_read(o->applicationhost, &x, err, errlen) != 0)
		goto done;
	if (o->sslcert != NULL) {
		if ((raw = import_slurp(o->sslcert, &raw_len, err, errlen)) == NULL)
			goto done;
		if ((text = import_text_decode(raw, raw_len, o->sslcert, &len, &encoding, err,
		    errlen)) == NULL)
			goto done;
		free(raw);
		raw = NULL;
		if (import_netsh_parse(text, len, o->sslcert, &v, &nv, warn, err, errlen) != 0)
			goto done;
		if (nv == 0 && strstr(text, "SSL Certificate bindings:") != NULL)
			import_warn(warn, o->sslcert, 0, "no certificate bindings in this netsh output "
			    "(read as %s): no [sslcert] is imported", encoding);
		else if (nv == 0 && strstr(text, " : ") == NULL)
			import_warn(warn, o->sslcert, 0, "not the output of `netsh http show sslcert` "
			    "(read as %s: no \"label : value\" line): no [sslcert] is imported",
			    encoding);
	} else {
		import_warn(warn, o->applicationhost, 0, "no netsh output (--sslcert FILE): no "
		    "certificate bindings imported; https clients get no certificate until "
		    "[sslcert] sections are added");
	}
	if (o->cert_store != NULL) {
		struct stat st;
		char why[1024];

		store_path(o, storetext, sizeof(storetext));
		if (!value_writable("cert_store", storetext)) {
			snprintf(err, errlen, "--cert-store %s: the path cannot be written on a "
			    "configuration line (a \" ;\" would start a comment, or it is longer than "
			    "%d characters): use a shorter path", o->cert_store, IMPORT_LINE_MAX);
			goto done;
		}
		snprintf(ccsdir, sizeof(ccsdir), "%s/ccs", o->cert_store);
		if (stat(ccsdir, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(ccsdir, sizeof(ccsdir), "%s/ccs", storetext);
			ccs = ccsdir;
		}
		if ((store = certstore_dir_open(o->cert_store, NULL, why, sizeof(why))) == NULL)
			import_warn(warn, o->cert_store, 0, "%s: no thumbprint is checked", why);
	}
	if (sites_identify(o, &x, warn) != 0 || sites_bindings(o, &x, v, nv, warn) != 0 ||
	    sites_access(o, &x, &uras, &server_flags, &server_flags_line, warn) != 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (i = 0; i < x.nsites; i++)
		nkept += !x.sites[i].skip;
	if (nkept == 0) {
		snprintf(err, errlen, "%s: no site with an http or https binding sysbind can serve "
		    "(%zu <site> element%s read; each is warned above): nothing to import",
		    o->applicationhost, x.nsites, x.nsites == 1 ? "" : "s");
		goto done;
	}
	if (strhash_init(&keys, nv) != 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (i = 0; i < nv; i++) {
		binding_sslkey_hashkey(&v[i].key, hk, sizeof(hk));
		if (strhash_enter(&keys, hk, i + 1, NULL) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		if (v[i].key.kind != SSLCERT_IPPORT)
			iis8 = 1;
	}
	for (i = 0; i < x.nsites; i++)
		for (j = 0; j < x.sites[i].nbindings; j++)
			if (x.sites[i].bindings[j].ok && x.sites[i].bindings[j].b.proto == BINDING_HTTPS &&
			    (x.sites[i].bindings[j].sslflags & 3) != 0)
				iis8 = 1;
	bindings_to_entries(o, &x, v, nv, &keys, warn);
	for (i = 0; i < nv; i++) {
		if (v[i].layout > layout)
			layout = v[i].layout;
		if (v[i].propblocks > propblocks)
			propblocks = v[i].propblocks;
	}

	if ((f = open_memstream(&out, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	comment_line(f, "; Imported by `sysbind import` from %s%s", o->applicationhost,
	    o->sslcert != NULL ? " and" : ".");
	if (o->sslcert != NULL)
		comment_line(f, "; %s (netsh http show sslcert, %s).", o->sslcert, encoding);
	fprintf(f, "; The sites and the certificate bindings are the IIS server's, kept apart as "
	    "HTTP.SYS keeps them.\n; No site has a backend yet: until `backend =` is filled in, "
	    "sysbind's built-in\n; diagnostic page answers for it.\n");
	fprintf(f, "\n[server]\nmode = %s%s\n", iis8 ? "iis8" : "iis7",
	    iis8 ? "                 ; SNI (hostnameport) or CCS entries are needed" : "");
	if (layout != 0 && layout != 2022)
		comment_line(f, "show_layout = %-17s; the layout of %s", conf_layout_word(layout),
		    o->sslcert);
	if (layout >= 2022 && propblocks != 2)
		comment_line(f, "show_property_blocks = %-4u ; the Extended Properties blocks of "
		    "each entry of %s (PropertyId 0 to %u)", propblocks, o->sslcert,
		    propblocks > 0 ? propblocks - 1 : 0);
	if (uras >= 0 && uras != 49152)
		fprintf(f, "upload_read_ahead_size = %ld   ; IIS's serverRuntime "
		    "uploadReadAheadSize\n", uras);
	if (server_flags != 0) {
		char flags[128];

		fprintf(f, "ssl_flags = %s   ; IIS's <access sslFlags> of the server level (line "
		    "%d): every site's that sets none\n", conf_access_format(server_flags, flags,
		    sizeof(flags)), server_flags_line);
	}
	if (o->cert_store != NULL)
		fprintf(f, "cert_store = %s\n", storetext);
	else if (nv > 0)
		fprintf(f, "cert_store = .               ; where certhash thumbprints are looked "
		    "up: put the\n                             ; server's certificates here "
		    "(.pem + .key, .pfx)\n");
	for (i = 0; i < nv; i++) {
		int keep_appid, keep_store;

		if (!sslcert_usable(o, &v[i], ccs, &keep_appid, &keep_store, warn))
			continue;
		if (store != NULL && v[i].key.kind != SSLCERT_CCS) {
			char why[1024];
			struct cert *c = certstore_dir_find(store, v[i].certhash, CERTSTORE_PUBLIC_OK,
			    why, sizeof(why));

			if (c == NULL || c->key == NULL)
				import_warn(warn, o->sslcert, v[i].line, "%s: certificate %s: %s",
				    v[i].keytext, v[i].certhash, why);
			certstore_cert_free(c);
		}
		write_sslcert(f, o, &v[i], ccs, keep_appid, keep_store);
	}
	for (i = 0; i < x.nsites; i++) {
		if (x.sites[i].skip)
			continue;
		for (j = 0; j < x.sites[i].nbindings; j++)
			if (x.sites[i].bindings[j].ok &&
			    x.sites[i].bindings[j].b.proto == BINDING_HTTPS)
				check_binding_cert(o, &x.sites[i], &x.sites[i].bindings[j], &keys, warn);
		write_site(f, &x.sites[i], x.default_pool, &x.default_hsts);
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	f = NULL;
	/* the inputs are written out: let them go before the result is checked */
	xml_clear(&x);
	free(v);
	v = NULL;
	free(text);
	text = NULL;
	strhash_clear(&keys);
	if (len > CONF_FILE_MAX) {
		snprintf(err, errlen, "the imported configuration would be %zu bytes, more than the "
		    "%lu sysbind reads", len, (unsigned long)CONF_FILE_MAX);
		free(out);
		out = NULL;
		goto done;
	}

	/* The result must be a configuration sysbind accepts: anything else is a bug here. */
	{
		char name[PATH_MAX + 8];
		size_t n;

		snprintf(name, sizeof(name), "%s", o->out_path != NULL &&
		    strcmp(o->out_path, "-") != 0 ? o->out_path : "(imported configuration)");
		n = (size_t)snprintf(err, errlen, "internal error: the configuration sysbind made "
		    "from these files is invalid (please report it with the files):\n");
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
	certstore_dir_free(store);
	strhash_clear(&keys);
	free(raw);
	free(text);
	free(v);
	xml_clear(&x);
	return out;
}
