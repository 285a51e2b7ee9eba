/*
 * edit_appcmd — `sysbind appcmd`: IIS's appcmd commands emulated on a sysbind
 * configuration (see edit.h): their words and parameters from tables (appcmd_verbs,
 * appcmd_params), `list site`, `list apppool`, `list app`, `set site /+bindings.[...]` and `/-bindings.[...]`,
 * `list|set config -section:system.webServer/security/access`, `set config
 * -section:system.applicationHost/sites` for <hsts>, and appcmd's messages (LF line ends).
 * The line-level edits and the atomic write are edit.c's (edit_int.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "iis/edit.h"
#include "iis/edit_int.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "iis/views.h"

/* ---- appcmd ---- */

/* appcmd's verbs and objects this emulation takes. */
#define AV_SET  0x1
#define AV_LIST 0x2
#define AV_LIST_CONFIG 0x4
#define AV_SET_CONFIG  0x8
#define AV_LIST_APPPOOL 0x10
#define AV_LIST_APP    0x20

enum appcmd_arg {
	AA_IDENTIFIER,     /* the site, positional or /site.name: */
	AA_BINDING_ADD,    /* /+bindings.[...] */
	AA_BINDING_REMOVE, /* /-bindings.[...] */
	AA_FILTER_NAME,    /* list: /name: */
	AA_FILTER_ID,      /* list: /id: */
	AA_FILTER_STATE,   /* list: /state: */
	AA_SECTION,        /* list|set config: -section: */
	AA_SSLFLAGS,       /* set config: /sslFlags: */
	AA_COMMIT,         /* set config: /commit: */
	AA_SITE_ATTR,      /* set config -section:system.applicationHost/sites:
	                    * /[name='SITE'].hsts.ATTR:VALUE (may be repeated) */
	AA_FILTER_POOL,    /* list app: /apppool.name: */
};

/* One appcmd parameter: its prefix (compared case-insensitively, as appcmd does). */
static const struct {
	const char      *prefix;
	enum appcmd_arg  arg;
	unsigned         verbs;
} appcmd_params[] = {
	{ "/site.name:", AA_IDENTIFIER, AV_SET | AV_LIST },
	{ "/+bindings.", AA_BINDING_ADD, AV_SET },
	{ "/-bindings.", AA_BINDING_REMOVE, AV_SET },
	{ "/name:", AA_FILTER_NAME, AV_LIST | AV_LIST_APPPOOL },
	{ "/apppool.name:", AA_IDENTIFIER, AV_LIST_APPPOOL },
	{ "/app.name:", AA_IDENTIFIER, AV_LIST_APP },
	{ "/apppool.name:", AA_FILTER_POOL, AV_LIST_APP },
	{ "/id:", AA_FILTER_ID, AV_LIST },
	{ "/state:", AA_FILTER_STATE, AV_LIST },
	{ "-section:", AA_SECTION, AV_LIST_CONFIG | AV_SET_CONFIG },
	{ "/section:", AA_SECTION, AV_LIST_CONFIG | AV_SET_CONFIG },
	{ "/sslFlags:", AA_SSLFLAGS, AV_SET_CONFIG },
	{ "-sslFlags:", AA_SSLFLAGS, AV_SET_CONFIG },
	{ "/commit:", AA_COMMIT, AV_SET_CONFIG },
	{ "-commit:", AA_COMMIT, AV_SET_CONFIG },
	{ "/[", AA_SITE_ATTR, AV_SET_CONFIG },
	{ "-[", AA_SITE_ATTR, AV_SET_CONFIG },
};

/* The section IIS 10's <hsts> is set through (iis-docs sites/site/hsts.md's AppCmd.exe
 * sample), and its attributes: the [site] key each is, whether it is a boolean. */
#define APPCMD_SITES "system.applicationHost/sites"
static const struct {
	const char *attr, *key;
	int         boolean;
} appcmd_hsts_attrs[] = {
	{ "enabled", "hsts", 1 },
	{ "max-age", "hsts_max_age", 0 },
	{ "includeSubDomains", "hsts_include_subdomains", 1 },
	{ "preload", "hsts_preload", 1 },
	{ "redirectHttpToHttps", "hsts_redirect_http", 1 },
};
#define APPCMD_NHSTS (sizeof(appcmd_hsts_attrs) / sizeof(appcmd_hsts_attrs[0]))
#define APPCMD_SITE_ATTRS_MAX 16

/* The one configuration section appcmd's config commands are emulated for. */
#define APPCMD_ACCESS "system.webServer/security/access"
#define APPCMD_NPARAMS (sizeof(appcmd_params) / sizeof(appcmd_params[0]))

/* The attributes of a binding element in /+bindings.[name='value',...]. */
static const char *const appcmd_binding_attrs[] = { "protocol", "bindingInformation",
    "sslFlags" };
#define APPCMD_NATTRS (sizeof(appcmd_binding_attrs) / sizeof(appcmd_binding_attrs[0]))

/* sslFlags as appcmd takes it: a number, or IIS's flag names joined by commas. */
static int
appcmd_sslflags_valid(const char *v)
{
	unsigned long u;
	char msg[256];

	return *v != '\0' && conf_flag_words_parse(conf_binding_flag_words, "sslFlags", v, &u,
	    msg, sizeof(msg)) == 0;
}

/*
 * Parse appcmd's "[protocol='https',bindingInformation='*:443:host',sslFlags='1']" into
 * "protocol/bindingInformation".  Every attribute once, from appcmd_binding_attrs.
 * Returns 0 or -1.
 */
static int
appcmd_binding(const char *spec, char *out, size_t outlen)
{
	char vals[APPCMD_NATTRS][512];
	int seen[APPCMD_NATTRS];
	const char *p = spec;
	size_t i;

	memset(seen, 0, sizeof(seen));
	if (*p++ != '[')
		return -1;
	while (*p != '\0' && *p != ']') {
		char name[64], val[512];
		size_t n = strcspn(p, "=");
		char q;
		const char *e;

		if (p[n] != '=' || n >= sizeof(name))
			return -1;
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p += n + 1;
		q = (*p == '\'' || *p == '"') ? *p++ : '\0';
		e = q != '\0' ? strchr(p, q) : p + strcspn(p, ",]");
		if (e == NULL || (size_t)(e - p) >= sizeof(val))
			return -1;
		snprintf(val, sizeof(val), "%.*s", (int)(e - p), p);
		p = e + (q != '\0');
		for (i = 0; i < APPCMD_NATTRS; i++)
			if (strcasecmp(name, appcmd_binding_attrs[i]) == 0)
				break;
		if (i == APPCMD_NATTRS || seen[i])
			return -1;
		seen[i] = 1;
		snprintf(vals[i], sizeof(vals[i]), "%s", val);
		if (*p == ',')
			p++;
	}
	if (*p != ']' || p[1] != '\0' || !seen[0] || !seen[1] || vals[0][0] == '\0' ||
	    vals[1][0] == '\0')
		return -1;
	if (seen[2] && !appcmd_sslflags_valid(vals[2]))
		return -1;
	if (strlen(vals[0]) + 1 + strlen(vals[1]) >= outlen)
		return -1;
	memcpy(out, vals[0], strlen(vals[0]));
	out[strlen(vals[0])] = '/';
	memcpy(out + strlen(vals[0]) + 1, vals[1], strlen(vals[1]) + 1);
	return 0;
}

static int
appcmd_error(FILE *out, const char *hresult, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
appcmd_error(FILE *out, const char *hresult, const char *fmt, ...)
{
	va_list ap;

	fputs("ERROR ( ", out);
	if (hresult != NULL)
		fprintf(out, "hresult:%s, ", hresult);
	fputs("message:", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputs(" )\n", out);
	return 1;
}

/* `appcmd list site [IDENTIFIER] [/name:N] [/id:N] [/state:Started|Stopped]`. */
static int
appcmd_list_site(const char *path, const char *name, const char *const *filters,
    FILE *out, FILE *errout)
{
	struct conf *c = edit_load(path, errout), view;
	struct conf_site *keep = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (c == NULL)
		return 2;
	if (c->nsites > 0 && (keep = calloc(c->nsites, sizeof(*keep))) == NULL) {
		conf_free(c);
		fprintf(errout, "sysbind: out of memory\n");
		return 2;
	}
	for (i = 0; i < c->nsites; i++) {
		const struct conf_site *s = &c->sites[i];
		char id[32];

		snprintf(id, sizeof(id), "%ld", s->id);
		if (name != NULL && strcasecmp(s->name, name) != 0)
			continue;
		if (filters[AA_FILTER_NAME] != NULL && strcasecmp(s->name, filters[AA_FILTER_NAME]) != 0)
			continue;
		if (filters[AA_FILTER_ID] != NULL && strcmp(id, filters[AA_FILTER_ID]) != 0)
			continue;
		if (filters[AA_FILTER_STATE] != NULL &&
		    strcasecmp(s->stopped ? "Stopped" : "Started", filters[AA_FILTER_STATE]) != 0)
			continue;
		keep[n++] = *s;
	}
	if (name != NULL && n == 0) {
		rc = appcmd_error(out, NULL, "Cannot find SITE object with identifier \"%s\".", name);
	} else {
		view = *c;
		view.sites = keep;
		view.nsites = n;
		if (views_list_site(&view, out) != 0)
			rc = 1;
	}
	free(keep);
	conf_free(c);
	return rc;
}

/*
 * `appcmd list apppool [NAME] [/name:N]` (or /apppool.name:N) and `appcmd list app
 * ["SITE/"] [/apppool.name:N]`: the sites' pools and root applications.  An identifier
 * that names nothing is appcmd's error.
 */
static int
appcmd_list_pools(const char *path, unsigned verb, const char *const *args, FILE *out,
    FILE *errout)
{
	struct conf *c = edit_load(path, errout);
	const char *id = args[AA_IDENTIFIER];
	int n;

	if (c == NULL)
		return 2;
	if (verb == AV_LIST_APPPOOL) {
		if (id != NULL && args[AA_FILTER_NAME] != NULL &&
		    strcasecmp(id, args[AA_FILTER_NAME]) != 0)
			n = 0;   /* two names: no pool is both */
		else
			n = views_list_apppool(c, id != NULL ? id : args[AA_FILTER_NAME], out);
	} else {
		n = views_list_app(c, id, args[AA_FILTER_POOL], out);
	}
	conf_free(c);
	if (n < 0)
		return 1;
	if (n == 0 && id != NULL)
		return appcmd_error(out, NULL, "Cannot find %s object with identifier \"%s\".",
		    verb == AV_LIST_APPPOOL ? "APPPOOL" : "APP", id);
	return 0;
}

/*
 * The site a configuration path ("MySite V2/secure") names: the longest site name the
 * path starts with (without case), followed by "/" or nothing; *rest gets the rest.
 */
static const struct conf_site *
appcmd_config_site(const struct conf *c, const char *where, const char **rest)
{
	const struct conf_site *best = NULL;
	size_t i, bestlen = 0;

	for (i = 0; i < c->nsites; i++) {
		size_t n = strlen(c->sites[i].name);

		if (strncasecmp(where, c->sites[i].name, n) != 0 ||
		    (where[n] != '\0' && where[n] != '/') || (best != NULL && n <= bestlen))
			continue;
		best = &c->sites[i];
		bestlen = n;
	}
	*rest = best != NULL ? where + bestlen : where;
	return best;
}

static int
appcmd_config_path_error(FILE *out, const char *where)
{
	return appcmd_error(out, NULL, "Config Error Unrecognized configuration path "
	    "'MACHINE/WEBROOT/APPHOST/%s'", where);
}

/*
 * `appcmd list config ["SITE[/PATH]"] -section:system.webServer/security/access`: the
 * effective <access sslFlags> there (the longest [location], else the site's, else the
 * server level's; without a path, the server level's: [server] ssl_flags), as appcmd
 * prints a section.
 */
static int
appcmd_list_config(const char *path, const char *where, FILE *out, FILE *errout)
{
	struct conf *c;
	const struct conf_site *site;
	const char *rest = "";
	char flags[128];
	unsigned access;

	if ((c = edit_load(path, errout)) == NULL)
		return 2;
	access = c->ssl_flags;
	if (where != NULL && where[0] != '\0') {
		if ((site = appcmd_config_site(c, where, &rest)) == NULL) {
			conf_free(c);
			return appcmd_config_path_error(out, where);
		}
		access = clientcert_access(c, site, rest[0] != '\0' ? rest : "/", NULL);
	}
	fprintf(out, "<system.webServer>\n  <security>\n    <access sslFlags=\"%s\" />\n"
	    "  </security>\n</system.webServer>\n", conf_access_format(access, flags,
	    sizeof(flags)));
	conf_free(c);
	return ferror(out) ? 1 : 0;
}

/*
 * text with [server] ssl_flags = flags: the key set in [server], or a [server] section
 * holding it added before the first section when the file has none.  NULL with *st and
 * err on failure.
 */
static char *
appcmd_server_flags(const char *text, const char *flags, enum edit_status *st, char *err,
    size_t errlen)
{
	struct edit_doc d;
	char *next, *ins = NULL;
	size_t at;

	if ((next = edit_section_key(text, "server", "", "ssl_flags", flags, st, err,
	    errlen)) != NULL || *st != EDIT_NOT_FOUND)
		return next;
	memset(&d, 0, sizeof(d));
	if (edit_doc_parse(&d, text) != 0 || asprintf(&ins, "[server]%sssl_flags = %s%s%s", d.eol,
	    flags, d.eol, d.nsecs > 0 ? d.eol : "") < 0) {
		ins = NULL;
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
		goto done;
	}
	/* before the first section and the comment lines right above it, which are its */
	at = d.nsecs > 0 ? d.secs[0].header : d.nlines;
	while (at > 0 && edit_line_is_blank_or_comment(&d, at - 1) && !edit_line_is_blank(&d, at - 1))
		at--;
	if ((next = edit_insert_lines(&d, at, ins)) == NULL) {
		edit_fail(st, EDIT_INVALID, err, errlen, "out of memory");
	} else {
		*st = EDIT_OK;
	}
done:
	free(ins);
	edit_doc_free(&d);
	return next;
}

/*
 * `appcmd set config ["SITE[/PATH]"] -section:system.webServer/security/access
 * /sslFlags:"..." [/commit:apphost]`: the site's ssl_flags, or the ssl_flags of its
 * [location SITE/PATH] (added after the site's section when there is none); without a
 * path (where NULL or ""), the server level's, [server] ssl_flags, as IIS's appcmd writes
 * the section at the root of applicationHost.config, every site's that sets none.
 */
static int
appcmd_set_config(const char *path, const char *where, const char *flags, FILE *out,
    FILE *errout)
{
	struct conf *c;
	const struct conf_site *site = NULL;
	const struct conf_location *loc = NULL;
	const char *rest;
	char *text = NULL, *next = NULL, *lpath = NULL, *whole = NULL, *q = NULL, *ins = NULL;
	char err[16384], msg[512];
	enum edit_status st = EDIT_OK;
	struct edit_doc d;
	size_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((c = edit_load(path, errout)) == NULL)
		return 2;
	if (where == NULL || where[0] == '\0') {
		if ((text = edit_slurp(path, errout)) == NULL) {
			rc = 2;
			goto done;
		}
		next = appcmd_server_flags(text, flags, &st, err, sizeof(err));
		goto write;
	}
	if ((site = appcmd_config_site(c, where, &rest)) == NULL) {
		conf_free(c);
		return appcmd_config_path_error(out, where);
	}
	if (conf_location_path(rest, &lpath, msg, sizeof(msg)) != 0) {
		fprintf(errout, "sysbind: appcmd set config \"%s\": %s\n", where, msg);
		conf_free(c);
		return appcmd_config_path_error(out, where);
	}
	for (i = 0; i < site->nlocations; i++)
		if (strcasecmp(c->locations[site->locations[i]].path, lpath) == 0)
			loc = &c->locations[site->locations[i]];
	if ((text = edit_slurp(path, errout)) == NULL) {
		rc = 2;
		goto done;
	}
	if (loc != NULL) {
		next = edit_section_key(text, "location", loc->name, "ssl_flags", flags, &st, err,
		    sizeof(err));
	} else if (strcmp(lpath, "/") == 0) {
		next = edit_section_key(text, "site", site->name, "ssl_flags", flags, &st, err,
		    sizeof(err));
	} else {
		const struct edit_section *s;

		if (asprintf(&whole, "%s%s", site->name, lpath) < 0 ||
		    (q = conf_name_quote(whole)) == NULL || edit_doc_parse(&d, text) != 0 ||
		    (s = edit_find_section(&d, "site", site->name)) == NULL) {
			snprintf(err, sizeof(err), "out of memory");
			st = EDIT_INVALID;
		} else if (asprintf(&ins, "%s[location %s]%sssl_flags = %s%s%s", d.eol, q, d.eol,
		    flags, d.eol, edit_section_block_end(&d, s) < d.nlines &&
		    !edit_line_is_blank(&d, edit_section_block_end(&d, s)) ? d.eol : "") < 0) {
			ins = NULL;
			snprintf(err, sizeof(err), "out of memory");
			st = EDIT_INVALID;
		} else {
			next = edit_insert_lines(&d, edit_section_block_end(&d, s), ins);
		}
	}
write:
	if (next == NULL) {
		rc = appcmd_error(out, "80070057", "%s", err);
		goto done;
	}
	if ((rc = edit_file_write(path, next, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		edit_print_lines(errout, err);
		rc = appcmd_error(out, "80070057", "Failed to commit configuration changes.");
		goto done;
	}
	fprintf(out, "Applied configuration changes to section \"" APPCMD_ACCESS "\" for "
	    "\"MACHINE/WEBROOT/APPHOST%s%s\" at configuration commit path "
	    "\"MACHINE/WEBROOT/APPHOST\"\n", site != NULL ? "/" : "", site != NULL ? where : "");
	rc = 0;
done:
	edit_doc_free(&d);
	free(ins);
	free(q);
	free(whole);
	free(lpath);
	free(next);
	free(text);
	conf_free(c);
	return rc;
}

/*
 * One "[name='SITE'].hsts.ATTR:VALUE" (the leading '/' gone) as appcmd takes it: the site's
 * name (into name), the [site] key and its value as the file spells it (on/off for a
 * boolean).  Returns 0, or -1 with appcmd's complaint in msg.
 */
static int
appcmd_site_attr(const char *spec, char *name, size_t namelen, const char **key, char *value,
    size_t valuelen, char *msg, size_t msglen)
{
	const char *p = spec, *end, *attr, *colon, *v;
	size_t i, alen;

	if (strncasecmp(p, "[name=", 6) != 0 || (p[6] != '\'' && p[6] != '"')) {
		snprintf(msg, msglen, "Malformed collection indexer; format is "
		    "[@position,name='value',name2='value2',...].");
		return -1;
	}
	if ((end = strchr(p + 7, p[6])) == NULL || end[1] != ']') {
		snprintf(msg, msglen, "Malformed collection indexer; format is "
		    "[@position,name='value',name2='value2',...].");
		return -1;
	}
	snprintf(name, namelen, "%.*s", (int)(end - (p + 7)), p + 7);
	p = end + 2;
	if (strncasecmp(p, ".hsts.", 6) != 0 || (colon = strchr(p + 6, ':')) == NULL) {
		snprintf(msg, msglen, "sysbind emulates the <hsts> attributes of a site in this "
		    "section: /[name='SITE'].hsts.ATTRIBUTE:VALUE, not \"/%s\"", spec);
		return -1;
	}
	attr = p + 6;
	alen = (size_t)(colon - attr);
	for (i = 0; i < APPCMD_NHSTS; i++)
		if (strlen(appcmd_hsts_attrs[i].attr) == alen &&
		    strncasecmp(appcmd_hsts_attrs[i].attr, attr, alen) == 0)
			break;
	if (i == APPCMD_NHSTS) {
		snprintf(msg, msglen, "Unknown attribute \"%.*s\".  Replace with one of: enabled, "
		    "max-age, includeSubDomains, preload, redirectHttpToHttps", (int)alen, attr);
		return -1;
	}
	*key = appcmd_hsts_attrs[i].key;
	v = colon + 1;
	alen = strlen(v);
	if (alen >= 2 && (v[0] == '"' || v[0] == '\'') && v[alen - 1] == v[0]) {
		v++;
		alen -= 2;
	}
	if (appcmd_hsts_attrs[i].boolean) {
		if (alen == 4 && strncasecmp(v, "true", 4) == 0)
			snprintf(value, valuelen, "on");
		else if (alen == 5 && strncasecmp(v, "false", 5) == 0)
			snprintf(value, valuelen, "off");
		else {
			snprintf(msg, msglen, "The value \"%.*s\" of attribute %s is not a boolean "
			    "(true or false)", (int)alen, v, appcmd_hsts_attrs[i].attr);
			return -1;
		}
	} else {
		char num[32], *e;
		unsigned long long n;

		snprintf(num, sizeof(num), "%.*s", (int)alen, v);
		errno = 0;
		n = strtoull(num, &e, 10);
		if (alen == 0 || alen >= sizeof(num) || *e != '\0' ||
		    !isdigit((unsigned char)num[0]) || errno != 0 || n > 4294967295ULL) {
			snprintf(msg, msglen, "The value \"%.*s\" of attribute %s is not a uint (0 to "
			    "4294967295)", (int)alen, v, appcmd_hsts_attrs[i].attr);
			return -1;
		}
		snprintf(value, valuelen, "%llu", n);
	}
	return 0;
}

/*
 * `appcmd set config -section:system.applicationHost/sites
 * "/[name='SITE'].hsts.ATTR:VALUE" ... [/commit:apphost]`: IIS 10's <hsts> of the sites
 * named, as the [site] keys of sysbind.ini(5); every change or none.
 */
static int
appcmd_set_sites(const char *path, const char *const *specs, size_t nspecs, FILE *out,
    FILE *errout)
{
	struct conf *c;
	char *text = NULL, *next, err[16384], name[2048], value[32], msg[600];
	const char *key;
	enum edit_status st;
	size_t i, k;
	int rc;

	if ((c = edit_load(path, errout)) == NULL)
		return 2;
	if ((text = edit_slurp(path, errout)) == NULL) {
		conf_free(c);
		return 2;
	}
	for (i = 0; i < nspecs; i++) {
		const struct conf_site *site = NULL;

		if (appcmd_site_attr(specs[i] + 1, name, sizeof(name), &key, value, sizeof(value),
		    msg, sizeof(msg)) != 0) {
			rc = appcmd_error(out, "80070057", "%s", msg);
			goto done;
		}
		for (k = 0; k < c->nsites && site == NULL; k++)
			if (strcasecmp(c->sites[k].name, name) == 0)
				site = &c->sites[k];
		if (site == NULL) {
			rc = appcmd_error(out, "80070490", "Cannot find requested collection element.");
			goto done;
		}
		if ((next = edit_section_key(text, "site", site->name, key, value, &st, err,
		    sizeof(err))) == NULL) {
			rc = appcmd_error(out, "80070057", "%s", err);
			goto done;
		}
		free(text);
		text = next;
	}
	if ((rc = edit_file_write(path, text, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		edit_print_lines(errout, err);
		rc = appcmd_error(out, "80070057", "Failed to commit configuration changes.");
		goto done;
	}
	fprintf(out, "Applied configuration changes to section \"" APPCMD_SITES "\" for "
	    "\"MACHINE/WEBROOT/APPHOST\" at configuration commit path "
	    "\"MACHINE/WEBROOT/APPHOST\"\n");
	rc = 0;
done:
	free(text);
	conf_free(c);
	return rc;
}

/* appcmd's verb and object words (any case) and the AV_* each pair is. */
static const struct {
	const char *verb, *object;
	unsigned    av;
} appcmd_verbs[] = {
	{ "list", "site", AV_LIST },
	{ "list", "sites", AV_LIST },
	{ "set", "site", AV_SET },
	{ "list", "config", AV_LIST_CONFIG },
	{ "list", "apppool", AV_LIST_APPPOOL },
	{ "list", "apppools", AV_LIST_APPPOOL },
	{ "list", "app", AV_LIST_APP },
	{ "list", "apps", AV_LIST_APP },
	{ "set", "config", AV_SET_CONFIG },
};
#define APPCMD_NVERBS (sizeof(appcmd_verbs) / sizeof(appcmd_verbs[0]))

/* One appcmd command's parameters as read: one of each kind, the site attributes apart. */
struct appcmd_cmd {
	const char *args[AA_FILTER_POOL + 1];
	const char *site_attrs[APPCMD_SITE_ATTRS_MAX];
	size_t      nsite_attrs;
	char        sslflags[256];
};

/* Read words 2 on by appcmd_params: each a parameter of verb (an identifier when it has
 * no prefix), once (site attributes up to APPCMD_SITE_ATTRS_MAX).  Returns 0, or -1
 * (the reason on errout: exit status 2). */
static int
appcmd_words(struct appcmd_cmd *c, unsigned verb, int nwords, char *const *words,
    FILE *errout)
{
	const char **args = c->args;
	size_t k;
	int i;

	for (i = 2; i < nwords; i++) {
		const char *w = words[i];
		enum appcmd_arg a = AA_IDENTIFIER;

		if (w[0] == '/' || w[0] == '-') {
			/* a prefix may be two verbs' different parameters: the verb's */
			for (k = 0; k < APPCMD_NPARAMS; k++)
				if (strncasecmp(w, appcmd_params[k].prefix,
				    strlen(appcmd_params[k].prefix)) == 0 &&
				    (appcmd_params[k].verbs & verb) != 0)
					break;
			if (k == APPCMD_NPARAMS || !(appcmd_params[k].verbs & verb)) {
				fprintf(errout, "sysbind: appcmd %s %s: unsupported argument \"%s\"\n",
				    words[0], words[1], w);
				return -1;
			}
			a = appcmd_params[k].arg;
			w += strlen(appcmd_params[k].prefix);
		}
		if (a == AA_SITE_ATTR) {
			/* appcmd takes several attribute changes in one command */
			if (c->nsite_attrs == APPCMD_SITE_ATTRS_MAX) {
				fprintf(errout, "sysbind: appcmd set config: at most %d attribute "
				    "changes in one command\n", APPCMD_SITE_ATTRS_MAX);
				return -1;
			}
			c->site_attrs[c->nsite_attrs++] = words[i];
			continue;
		}
		/* one identifier, and one binding change per command */
		if (a == AA_BINDING_REMOVE && args[AA_BINDING_ADD] != NULL)
			a = AA_BINDING_ADD;
		if (a == AA_BINDING_ADD && args[AA_BINDING_REMOVE] != NULL)
			a = AA_BINDING_REMOVE;
		if (args[a] != NULL) {
			fprintf(errout, "sysbind: appcmd %s %s: \"%s\" given twice\n", words[0],
			    words[1], words[i]);
			return -1;
		}
		args[a] = w;
		if (a == AA_BINDING_ADD || a == AA_BINDING_REMOVE)
			args[a] = words[i];
		if (a == AA_SSLFLAGS && w[0] == '"' && strlen(w) >= 2 && w[strlen(w) - 1] == '"') {
			/* /sslFlags:"Ssl, SslNegotiateCert" as cmd.exe passes it: the quotes go */
			snprintf(c->sslflags, sizeof(c->sslflags), "%.*s", (int)strlen(w) - 2, w + 1);
			args[a] = c->sslflags;
		}
	}
	return 0;
}

/* Whether /commit: is absent or apphost (else the reason on errout). */
static int
appcmd_commit_ok(const char *commit, FILE *errout)
{
	if (commit != NULL && strcasecmp(commit, "apphost") != 0) {
		fprintf(errout, "sysbind: appcmd set config: /commit:%s: sysbind keeps one "
		    "configuration, IIS's apphost (/commit:apphost)\n", commit);
		return 0;
	}
	return 1;
}

/* `list config` and `set config` of -section:system.webServer/security/access.  Returns
 * the exit status. */
static int
appcmd_access(const char *path, const struct appcmd_cmd *c, unsigned verb, char *const *words,
    FILE *out, FILE *errout)
{
	const char *const *args = c->args;

	if (args[AA_SECTION] == NULL || strcasecmp(args[AA_SECTION], APPCMD_ACCESS) != 0) {
		fprintf(errout, "sysbind: appcmd %s config: only -section:" APPCMD_ACCESS
		    " is emulated%s%s\n", words[0], args[AA_SECTION] != NULL ? ", not " : "",
		    args[AA_SECTION] != NULL ? args[AA_SECTION] : "");
		return 2;
	}
	if (verb == AV_LIST_CONFIG)
		return appcmd_list_config(path, args[AA_IDENTIFIER], out, errout);
	if (args[AA_SSLFLAGS] == NULL) {
		fprintf(errout, "sysbind: appcmd set config needs /sslFlags:\"...\" (and "
		    "\"SITE[/PATH]\", or none for the server level)\n");
		return 2;
	}
	if (!appcmd_commit_ok(args[AA_COMMIT], errout))
		return 2;
	return appcmd_set_config(path, args[AA_IDENTIFIER], args[AA_SSLFLAGS], out, errout);
}

/* `set site /site.name:NAME /+bindings.[...]` (or /-bindings.): the binding added to or
 * removed from the site, appcmd's message on out.  Returns the exit status. */
static int
appcmd_set_binding(const char *path, const char *site, const char *change, FILE *out,
    FILE *errout)
{
	char binding[600], err[16384], *text, *next;
	enum edit_status st;
	int add = change[1] == '+', rc;

	if (appcmd_binding(change + strlen("/+bindings."), binding, sizeof(binding)) != 0)
		return appcmd_error(out, "80070057", "Malformed collection indexer; format is "
		    "[@position,name='value',name2='value2',...].  The @position specifier is "
		    "optional, and be '@start', '@end', or '@N' where N is a numeric index into "
		    "the collection.");
	if ((text = edit_slurp(path, errout)) == NULL)
		return 2;
	next = add ? edit_binding_add(text, site, binding, &st, err, sizeof(err)) :
	    edit_binding_remove(text, site, binding, &st, err, sizeof(err));
	if (next == NULL) {
		const char *slash = strchr(binding, '/');

		if (st == EDIT_NOT_FOUND && strncmp(err, "no [site", 8) == 0)
			rc = appcmd_error(out, NULL, "Cannot find SITE object with identifier "
			    "\"%s\".", site);
		else if (st == EDIT_DUPLICATE)
			rc = appcmd_error(out, "800700b7", "Failed to commit configuration "
			    "changes.\nCannot add duplicate collection entry of type 'binding' with "
			    "combined key attributes 'protocol, bindingInformation' respectively set "
			    "to '%.*s, %s'\n.", (int)(slash - binding), binding, slash + 1);
		else if (st == EDIT_NOT_FOUND)
			rc = appcmd_error(out, "80070490", "Cannot find requested collection "
			    "element.");
		else
			rc = appcmd_error(out, "80070057", "%s", err);
		if (st != EDIT_NOT_FOUND || strncmp(err, "no [site", 8) != 0)
			fprintf(errout, "sysbind: %s\n", err);
		free(text);
		return rc;
	}
	if ((rc = edit_file_write(path, next, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		edit_print_lines(errout, err);
		rc = appcmd_error(out, "80070057", "Failed to commit configuration changes.");
	} else {
		struct edit_doc d;
		const struct edit_section *s;

		/* appcmd names the site as the configuration spells it */
		if (edit_doc_parse(&d, next) == 0 && (s = edit_find_site(&d, site)) != NULL)
			fprintf(out, "SITE object \"%s\" changed\n", s->name);
		else
			fprintf(out, "SITE object \"%s\" changed\n", site);
		edit_doc_free(&d);
		rc = 0;
		if (add)
			edit_note_joined(path, next, site, binding, errout);
	}
	free(text);
	free(next);
	return rc;
}

int
edit_appcmd(const char *path, int nwords, char *const *words, FILE *out, FILE *errout)
{
	struct appcmd_cmd c;
	const char *const *args = c.args;
	unsigned verb = 0;
	size_t k;

	memset(&c, 0, sizeof(c));
	for (k = 0; nwords >= 2 && k < APPCMD_NVERBS; k++)
		if (strcasecmp(words[0], appcmd_verbs[k].verb) == 0 &&
		    strcasecmp(words[1], appcmd_verbs[k].object) == 0)
			verb = appcmd_verbs[k].av;
	if (verb == 0) {
		fprintf(errout, "sysbind: appcmd: supported: set site /site.name:NAME "
		    "/+bindings.[protocol='https',bindingInformation='*:443:host'] (or /-bindings.[...]), "
		    "list site [NAME] [/name:N] [/id:N] [/state:Started|Stopped], "
		    "list apppool [NAME], list app [\"SITE/\"] [/apppool.name:N], "
		    "list config [\"SITE/PATH\"] -section:" APPCMD_ACCESS ", "
		    "set config [\"SITE/PATH\"] -section:" APPCMD_ACCESS " /sslFlags:\"...\", "
		    "set config -section:" APPCMD_SITES " \"/[name='SITE'].hsts.enabled:true\"\n");
		return 2;
	}
	if (appcmd_words(&c, verb, nwords, words, errout) != 0)
		return 2;
	if (verb == AV_LIST)
		return appcmd_list_site(path, args[AA_IDENTIFIER], args, out, errout);
	if (verb == AV_LIST_APPPOOL || verb == AV_LIST_APP)
		return appcmd_list_pools(path, verb, args, out, errout);
	if (verb == AV_SET_CONFIG && args[AA_SECTION] != NULL &&
	    strcasecmp(args[AA_SECTION], APPCMD_SITES) == 0) {
		if (args[AA_IDENTIFIER] != NULL || c.nsite_attrs == 0 || args[AA_SSLFLAGS] != NULL) {
			fprintf(errout, "sysbind: appcmd set config -section:" APPCMD_SITES " takes "
			    "no path, and \"/[name='SITE'].hsts.ATTRIBUTE:VALUE\" (enabled, max-age, "
			    "includeSubDomains, preload, redirectHttpToHttps)\n");
			return 2;
		}
		if (!appcmd_commit_ok(args[AA_COMMIT], errout))
			return 2;
		return appcmd_set_sites(path, c.site_attrs, c.nsite_attrs, out, errout);
	}
	if (c.nsite_attrs > 0) {
		fprintf(errout, "sysbind: appcmd set config: \"%s\" belongs to -section:"
		    APPCMD_SITES "\n", c.site_attrs[0]);
		return 2;
	}
	if (verb == AV_LIST_CONFIG || verb == AV_SET_CONFIG)
		return appcmd_access(path, &c, verb, words, out, errout);
	if (args[AA_IDENTIFIER] == NULL ||
	    (args[AA_BINDING_ADD] == NULL && args[AA_BINDING_REMOVE] == NULL)) {
		fprintf(errout, "sysbind: appcmd set site needs /site.name:NAME and "
		    "/+bindings.[...] or /-bindings.[...]\n");
		return 2;
	}
	return appcmd_set_binding(path, args[AA_IDENTIFIER], args[AA_BINDING_ADD] != NULL ?
	    args[AA_BINDING_ADD] : args[AA_BINDING_REMOVE], out, errout);
}
