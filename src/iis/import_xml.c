/*
 * import_xml — the applicationHost.config reader of `sysbind import` (expat): the sites,
 * their ids, names, state, pool and root path, their bindings with sslFlags, <siteDefaults>
 * and <applicationDefaults>, <applicationPools> (queueLength, <failure>'s rapid-fail
 * protection and loadBalancerCapabilities, of each <add> and <applicationPoolDefaults>), <hsts>, and <access sslFlags> / uploadReadAheadSize at the
 * server level and in <location>s, kept as read (struct import_xml) with their lines.
 * Deciding what is carried over is import.c's.
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
#include "iis/import_int.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "base/file.h"
#include "base/strhash.h"

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
#define POOLS "configuration/system.applicationHost/applicationPools"
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

void
import_hsts_init(struct import_hsts *h)
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

/* ---- <applicationPools> (issue 25) ---- */

enum pool_kind { POOL_NUM, POOL_BOOL, POOL_SPAN, POOL_LB };

/* The attributes carried, as IIS_schema.xml declares them (their ranges). */
static const struct pool_attr {
	const char     *name;
	int             failure;   /* on <failure>, else on <add> */
	enum pool_kind  kind;
	long long       lo, hi;    /* NUM: the value; SPAN: seconds */
	const char     *range;     /* for the warning */
} pool_attrs[IMPORT_POOL_NATTRS] = {
	[IMPORT_POOL_QUEUE_LENGTH] = { "queueLength", 0, POOL_NUM, 10, 65535, "10 to 65535" },
	[IMPORT_POOL_RAPID_FAIL] = { "rapidFailProtection", 1, POOL_BOOL, 0, 1, "true or false" },
	[IMPORT_POOL_MAX_CRASHES] = { "rapidFailProtectionMaxCrashes", 1, POOL_NUM, 1,
	    2147483647LL, "1 to 2147483647" },
	[IMPORT_POOL_INTERVAL] = { "rapidFailProtectionInterval", 1, POOL_SPAN, 60, 8640000,
	    "whole minutes from 00:01:00 to 100.00:00:00" },
	[IMPORT_POOL_LOAD_BALANCER] = { "loadBalancerCapabilities", 1, POOL_LB, 1, 2,
	    "HttpLevel or TcpLevel" },
};

void
import_pool_init(struct import_pool *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < IMPORT_POOL_NATTRS; i++)
		p->v[i] = -1;
}

/* A decimal number with nothing else.  Returns 0 with *out, or -1. */
static int
pool_number(const char *v, long long *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/*
 * IIS's timeSpan ("00:05:00", "1.05:00:00", "00:01:30.5000000": [d.]hh:mm:ss[.fraction])
 * in seconds; a fraction other than zeros makes it -2 (not whole seconds).  Returns 0
 * with *out, or -1 when it is not a timespan.
 */
static int
pool_timespan(const char *v, long long *out)
{
	unsigned long long d = 0, h, m, sec;
	int n = 0;
	const char *f;

	if (sscanf(v, "%llu.%llu:%llu:%llu%n", &d, &h, &m, &sec, &n) != 4 || n == 0) {
		d = 0;
		n = 0;
		if (sscanf(v, "%llu:%llu:%llu%n", &h, &m, &sec, &n) != 3 || n == 0)
			return -1;
	}
	if (!isdigit((unsigned char)*v) || h > 23 || m > 59 || sec > 59 || d > 100000)
		return -1;
	f = v + n;
	if (*f == '.') {
		size_t z = strspn(f + 1, "0"), digits = strspn(f + 1, "0123456789");

		if (digits == 0 || f[1 + digits] != '\0')
			return -1;
		if (z != digits) {
			*out = -2;
			return 0;
		}
	} else if (*f != '\0') {
		return -1;
	}
	*out = (long long)(((d * 24 + h) * 60 + m) * 60 + sec);
	return 0;
}

/* One attribute's value as IIS would take it: 0 with *out, or -1 (warned). */
static int
pool_value(struct import_xml *x, const struct pool_attr *a, const char *v, int line,
    const char *whose, long long *out)
{
	long long n = -1;
	int rc = 0;

	switch (a->kind) {
	case POOL_NUM:
		rc = pool_number(v, &n);
		break;
	case POOL_BOOL:
		n = strcasecmp(v, "true") == 0 ? 1 : strcasecmp(v, "false") == 0 ? 0 : -1;
		break;
	case POOL_LB:
		n = strcasecmp(v, "TcpLevel") == 0 || strcmp(v, "1") == 0 ? 1 :
		    strcasecmp(v, "HttpLevel") == 0 || strcmp(v, "2") == 0 ? 2 : -1;
		break;
	case POOL_SPAN:
		rc = pool_timespan(v, &n);
		if (rc == 0 && (n == -2 || n % 60 != 0)) {
			/* IIS_schema.xml: validationParameter="60,8640000,60", whole minutes */
			import_warn(x->warn, x->name, line, "%s%s=\"%s\" is not a whole number of "
			    "minutes (IIS takes %s): left at the default", whose, a->name, v, a->range);
			return -1;
		}
		break;
	}
	if (rc != 0 || n < a->lo || n > a->hi) {
		import_warn(x->warn, x->name, line, "%s%s=\"%s\" is not %s as IIS takes it: left "
		    "at the default", whose, a->name, v, a->range);
		return -1;
	}
	*out = a->kind == POOL_SPAN ? n / 60 : n;
	return 0;
}

/* The attributes of <add>/<applicationPoolDefaults> (failure 0) or its <failure> (1). */
static void
xml_pool_attrs(struct import_xml *x, struct import_pool *p, const XML_Char **atts, int line,
    int failure)
{
	char whose[IMPORT_NAME_MAX + 64];
	const char *v;
	size_t i;

	if (p->name != NULL)
		snprintf(whose, sizeof(whose), "application pool \"%.*s\": ", IMPORT_NAME_MAX,
		    p->name);
	else
		snprintf(whose, sizeof(whose), "applicationPoolDefaults: ");
	for (i = 0; i < IMPORT_POOL_NATTRS; i++) {
		const struct pool_attr *a = &pool_attrs[i];

		if (a->failure != failure || (v = xml_attr(atts, a->name)) == NULL)
			continue;
		if (pool_value(x, a, v, line, whose, &p->v[i]) == 0)
			p->lines[i] = line;
		else
			p->v[i] = -1;
	}
}

static void
xml_pool_begin(struct import_xml *x, const XML_Char **atts, int line)
{
	struct import_pool *p;
	const char *v = xml_attr(atts, "name");

	if (x->npools == x->cappools) {
		size_t cap = x->cappools ? x->cappools * 2 : 16;
		struct import_pool *np = realloc(x->pools, cap * sizeof(*np));

		if (np == NULL) {
			x->nomem = 1;
			return;
		}
		x->pools = np;
		x->cappools = cap;
	}
	p = &x->pools[x->npools++];
	import_pool_init(p);
	p->line = line;
	if ((p->name = strdup(v != NULL ? v : "")) == NULL)
		x->nomem = 1;
	xml_pool_attrs(x, p, atts, line, 0);
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
	import_hsts_init(&s->hsts);
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
		    "bindingInformation: not carried over", import_site_ref(s, ref, sizeof(ref)));
		return;
	}
	if (strcasecmp(proto, "http") != 0 && strcasecmp(proto, "https") != 0) {
		import_warn(x->warn, x->name, line, "site %s: binding %s/%s: protocol %s is "
		    "not supported (sysbind serves http and https): not carried over",
		    import_site_ref(s, ref, sizeof(ref)), proto, info, proto);
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
	} else if (xml_at(x, POOLS)) {
		x->saw_pools = 1;
	} else if (xml_at(x, POOLS "/add")) {
		xml_pool_begin(x, atts, line);
	} else if (x->npools > 0 && xml_at(x, POOLS "/add/failure")) {
		xml_pool_attrs(x, &x->pools[x->npools - 1], atts, line, 1);
	} else if (xml_at(x, POOLS "/applicationPoolDefaults")) {
		xml_pool_attrs(x, &x->pool_defaults, atts, line, 0);
	} else if (xml_at(x, POOLS "/applicationPoolDefaults/failure")) {
		xml_pool_attrs(x, &x->pool_defaults, atts, line, 1);
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

		snprintf(whose, sizeof(whose), "site %s: ", import_site_ref(s, ref, sizeof(ref)));
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

void
import_xml_clear(struct import_xml *x)
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
	for (i = 0; i < x->npools; i++)
		free(x->pools[i].name);
	free(x->pools);
	x->pools = NULL;
	x->npools = x->cappools = 0;
	x->sites = NULL;
	x->default_pool = NULL;
	x->nsites = x->capsites = 0;
}

/* Read an input file whole (a pipe too: `--sslcert <(ssh host netsh ...)`). */
char *
import_slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	return file_read(path, IMPORT_INPUT_MAX, FILE_READ_PIPE, len, err, errlen);
}

int
import_xml_read(const char *path, struct import_xml *x, char *err, size_t errlen)
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

