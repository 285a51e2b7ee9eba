/*
 * import_xml — the applicationHost.config reader of `sysbind import` (expat): the sites,
 * their ids, names, state, pool and root path, their bindings with sslFlags, <siteDefaults>
 * and <applicationDefaults>, <hsts>, and <access sslFlags> / uploadReadAheadSize at the
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

