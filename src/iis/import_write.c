/*
 * import_write — the configuration text `sysbind import` writes: the cert_store path
 * relative to the output, the lines inih can read, each [sslcert] section with the checks
 * that decide whether an entry can be written (a thumbprint, the CCS directory), each https
 * binding checked against the certificate table, and each [site] section with its
 * bindings, <hsts> and <location> access.  Which sites and entries get here is import.c's.
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
void
import_store_path(const struct import_opts *o, char *out, size_t outlen)
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
int
import_value_writable(const char *key, const char *value)
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
void
import_comment_line(FILE *f, const char *fmt, ...)
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
void
import_check_binding_cert(const struct import_opts *o, const struct import_site *s,
    const struct import_binding *ib, const struct strhash *keys, FILE *warn)
{
	const struct binding *b = &ib->b;
	int kind = ib->sslflags & 3, e;
	char ref[IMPORT_NAME_MAX + 16];

	import_site_ref(s, ref, sizeof(ref));
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
int
import_sslcert_usable(const struct import_opts *o, const struct import_netsh_entry *e,
    const char *ccsdir, int *keep_appid, int *keep_store, FILE *warn)
{
	*keep_appid = e->appid[0] != '\0';
	*keep_store = e->storename[0] != '\0';
	if (*keep_appid && !conf_guid_valid(e->appid)) {
		import_warn(warn, o->sslcert, e->appidline, "[sslcert %s]: Application ID \"%s\" is "
		    "not a GUID in braces: left out", e->keytext, e->appid);
		*keep_appid = 0;
	}
	if (*keep_store && !import_value_writable("certstorename", e->storename)) {
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

		if (!import_netsh_key_read(k))
			continue;
		slot = import_netsh_key_slot(k);
		switch (k->type) {
		case CONF_TYPE_SWITCH:
			if (import_netsh_switch_on(e, k) != (strcmp(k->def, "enable") == 0))
				fprintf(f, "%s = %s\n", k->name, import_netsh_switch_on(e, k) ? "enable" :
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
void
import_write_sslcert(FILE *f, const struct import_opts *o, const struct import_netsh_entry *e,
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

/* The [site] key each pool attribute becomes, and sysbind's default (IIS's schema
 * default): only a value that differs is written. */
static const struct pool_key {
	const char *key, *attr, *element;
	long long   dflt;
} pool_keys[IMPORT_POOL_NATTRS] = {
	[IMPORT_POOL_QUEUE_LENGTH] = { "queue_length", "queueLength", NULL, 1000 },
	[IMPORT_POOL_RAPID_FAIL] = { "rapid_fail", "rapidFailProtection", "failure", 1 },
	[IMPORT_POOL_MAX_CRASHES] = { "rapid_fail_max_crashes", "rapidFailProtectionMaxCrashes",
	    "failure", 5 },
	[IMPORT_POOL_INTERVAL] = { "rapid_fail_interval", "rapidFailProtectionInterval",
	    "failure", 5 },
	[IMPORT_POOL_LOAD_BALANCER] = { "load_balancer", "loadBalancerCapabilities", "failure",
	    2 },
};

/* The site's pool: app_pool, then each setting that differs from IIS's default, the pool's
 * own <add> over <applicationPoolDefaults>, attribute by attribute, with the line read. */
static void
write_pool(FILE *f, const char *name, const struct import_pool *pool,
    const struct import_pool *defs)
{
	size_t i;

	if (name == NULL)
		return;
	if (!import_value_writable("app_pool", name)) {
		import_comment_line(f, "; app_pool: IIS's name \"%s\" cannot be a value here: "
		    "the site is its own pool", name);
		return;
	}
	fprintf(f, "app_pool = %s\n", name);
	for (i = 0; i < IMPORT_POOL_NATTRS; i++) {
		const struct pool_key *k = &pool_keys[i];
		int own = pool != NULL && pool->v[i] >= 0;
		long long v = own ? pool->v[i] : defs->v[i];
		int line = own ? pool->lines[i] : defs->lines[i];
		char text[32];

		if (v < 0 || v == k->dflt)
			continue;
		if (i == IMPORT_POOL_RAPID_FAIL)
			snprintf(text, sizeof(text), "%s", v ? "on" : "off");
		else if (i == IMPORT_POOL_LOAD_BALANCER)
			snprintf(text, sizeof(text), "%s", v == 1 ? "tcp" : "http");
		else
			snprintf(text, sizeof(text), "%lld", v);
		fprintf(f, "%s = %s   ; <%s%s%s %s> of IIS's line %d\n", k->key, text,
		    own ? "add" : "applicationPoolDefaults", k->element != NULL ? "><" : "",
		    k->element != NULL ? k->element : "", k->attr, line);
	}
}

/* Write one [site] section; its bindings split over lines inih can read. */
void
import_write_site(FILE *f, const struct import_site *s, const char *default_pool,
    const struct import_hsts *defaults, const struct import_pool *ipool,
    const struct import_pool *pool_defaults)
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
		import_comment_line(f, "; on IIS: application pool \"%s\", %s", pool != NULL ? pool : "?",
		    s->path != NULL ? s->path : "?");
	if (s->stopped)
		fprintf(f, "state = stopped\n");
	if (s->access != 0 || s->access_line != 0) {
		char flags[128];

		fprintf(f, "ssl_flags = %s\n", conf_access_format(s->access, flags, sizeof(flags)));
	}
	write_hsts(f, &s->hsts, defaults);
	/* the pool's name as its <add> spells it */
	write_pool(f, ipool != NULL ? ipool->name : pool, ipool, pool_defaults);
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

