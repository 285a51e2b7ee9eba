/*
 * conf_check — the checks of sysbind.ini(5) that need the whole file, run once every
 * section is read: [sslcert] kinds against the mode, site ids and bindings (a binding on
 * one started site only, a port speaking one protocol), backends that are sysbind's own
 * bindings, the server level's ssl_flags inherited by the sites, and each [location]
 * matched to its site and sorted deepest first.  Each is a hash lookup (or a sorted
 * index) per item, never a walk of all sites for each.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "model/apppool.h"
#include "model/conf_int.h"
#include "base/strhash.h"
/* ---- checks that need the whole file ---- */

void
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
	}
}

/* Which site holds each port's first http and first https binding (index + 1). */
struct conf_port {
	size_t site[2];        /* [BINDING_HTTP], [BINDING_HTTPS] */
	int    reported;
};

/*
 * Site ids unique; a binding once per site, and on one started site only (IIS starts the
 * first site and leaves a second one with the same binding stopped: a stopped site may
 * share it); a port either http or https.  One hash lookup per binding.
 */
void
conf_check_sites(struct conf_parser *p)
{
	struct conf *c = p->c;
	struct strhash ids, binds, own;
	struct conf_port *ports = NULL;
	size_t *bsite = NULL, *bidx = NULL;
	char key[BINDING_HOST_MAX + 96], text[BINDING_HOST_MAX + 64];
	char la[BINDING_HOST_MAX + 600], lb[BINDING_HOST_MAX + 600];
	size_t i, k, nb = 0, ord = 0;
	int kid = conf_key_at(CONF_SECTION_SITE, "id");
	ENTRY *ent;

	memset(&ids, 0, sizeof(ids));
	memset(&binds, 0, sizeof(binds));
	memset(&own, 0, sizeof(own));
	if (c->nsites == 0)
		return;
	for (i = 0; i < c->nsites; i++)
		nb += c->sites[i].nbindings;
	if (strhash_init(&ids, c->nsites) != 0 || strhash_init(&binds, nb) != 0 ||
	    strhash_init(&own, nb) != 0 || (ports = calloc(65536, sizeof(*ports))) == NULL ||
	    (bsite = calloc(nb + 1, sizeof(*bsite))) == NULL ||
	    (bidx = calloc(nb + 1, sizeof(*bidx))) == NULL) {
		p->nomem = 1;
		goto done;
	}
	for (i = 0; i < c->nsites; i++) {
		struct conf_site *s = &c->sites[i];
		struct conf_entry_info *info = &p->siteinfo[i];

		if (info->dup)
			continue;
		conf_site_label(s, la, sizeof(la));
		if (s->id != 0) {
			snprintf(key, sizeof(key), "%ld", s->id);
			if ((ent = strhash_enter(&ids, key, i + 1, NULL)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			if ((size_t)(uintptr_t)ent->data != i + 1) {
				size_t j = (size_t)(uintptr_t)ent->data - 1;

				conf_site_label(&c->sites[j], lb, sizeof(lb));
				conf_error(p, info->lines[kid], "id %ld of %s is already used by %s (line "
				    "%d)", s->id, la, lb, p->siteinfo[j].lines[kid]);
			}
		}
		for (k = 0; k < s->nbindings; k++, ord++) {
			const struct binding *b = &s->bindings[k];
			int line = info->blines[k];
			struct conf_port *pt = &ports[b->port];
			size_t j, m;
			int n;

			bsite[ord] = i;
			bidx[ord] = k;
			binding_format(b, text, sizeof(text));
			/* twice in this site? */
			n = snprintf(key, sizeof(key), "%zu#", i);
			binding_hashkey(b, key + n, sizeof(key) - (size_t)n);
			if ((ent = strhash_enter(&own, key, ord + 1, NULL)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			if ((size_t)(uintptr_t)ent->data != ord + 1) {
				conf_error(p, line, "binding %s appears twice in %s", text, la);
				continue;
			}
			/* on another site? */
			binding_hashkey(b, key, sizeof(key));
			if ((ent = strhash_enter(&binds, key, ord + 1, NULL)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			m = (size_t)(uintptr_t)ent->data - 1;
			j = bsite[m];
			if (j != i) {
				const struct conf_site *o = &c->sites[j];

				if (!o->stopped && !s->stopped) {
					conf_site_label(o, lb, sizeof(lb));
					conf_error(p, line, "binding %s of %s is already used by %s (line %d): "
					    "IIS starts only the first of two sites with the same binding (give "
					    "the second state = stopped, as IIS leaves it)", text, la, lb,
					    p->siteinfo[j].blines[bidx[m]]);
				} else if (o->stopped && !s->stopped) {
					ent->data = (void *)(uintptr_t)(ord + 1); /* a started site holds it */
				}
			}
			/* a port speaks one protocol */
			if (pt->site[b->proto] == 0)
				pt->site[b->proto] = i + 1;
			if (pt->site[!b->proto] != 0 && !pt->reported) {
				const struct conf_site *o = &c->sites[pt->site[!b->proto] - 1];

				pt->reported = 1;
				conf_site_label(o, lb, sizeof(lb));
				conf_error(p, line, "port %u is used by both http and https bindings (%s in "
				    "%s, %s in %s): a port speaks one protocol", b->port,
				    b->proto == BINDING_HTTPS ? "http" : "https", lb,
				    b->proto == BINDING_HTTPS ? "https" : "http", la);
			}
		}
	}
done:
	strhash_clear(&ids);
	strhash_clear(&binds);
	strhash_clear(&own);
	free(ports);
	free(bsite);
	free(bidx);
}

/*
 * (conf.h) The path of a [location] after its site's name ("", "/", "/a/b/", "/a//b"): "/a/b",
 * empty segments dropped, "/" for the site itself.  "." and ".." segments, a "\\" (HTTP.SYS
 * turns it into "/" before any path is matched) and a segment ending in a dot or a blank
 * (Windows drops those from a name) are refused: no request could ever be matched to them
 * as written.  Returns 0 with a new string in *out, or -1 with msg.
 */
int
conf_location_path(const char *rest, char **out, char *msg, size_t msglen)
{
	char *o = malloc(strlen(rest) + 2);
	size_t n = 0;
	const char *q = rest;

	if (o == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	while (*q != '\0') {
		size_t len;

		while (*q == '/')
			q++;
		if (*q == '\0')
			break;
		len = strcspn(q, "/");
		if ((len == 1 && q[0] == '.') || (len == 2 && q[0] == '.' && q[1] == '.')) {
			snprintf(msg, msglen, "the path may not hold \".\" or \"..\" segments");
			goto fail;
		}
		if (memchr(q, '\\', len) != NULL) {
			snprintf(msg, msglen, "the path is written with \"/\", not \"\\\" (HTTP.SYS "
			    "turns a request's \\ into /)");
			goto fail;
		}
		if (q[len - 1] == '.' || q[len - 1] == ' ') {
			snprintf(msg, msglen, "the segment \"%.*s\" ends in a dot or a blank, which "
			    "Windows drops from a name: write it without", (int)len, q);
			goto fail;
		}
		o[n++] = '/';
		memcpy(o + n, q, len);
		n += len;
		q += len;
	}
	if (n == 0)
		o[n++] = '/';
	o[n] = '\0';
	*out = o;
	return 0;
fail:
	free(o);
	return -1;
}

static size_t
conf_path_depth(const char *path)
{
	size_t d = 0;

	for (; *path != '\0'; path++)
		d += *path == '/' && path[1] != '\0';
	return d;
}

/* site->locations order: the deepest path first (the longest match is the first). */
static int
conf_loc_cmp(const void *a, const void *b, void *arg)
{
	const struct conf_location *base = arg;
	const struct conf_location *x = &base[*(const size_t *)a];
	const struct conf_location *y = &base[*(const size_t *)b];
	size_t dx = conf_path_depth(x->path), dy = conf_path_depth(y->path);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* One http binding of a site, for conf_check_backends' index by port. */
struct conf_http_port {
	unsigned port;
	size_t   site, binding;
};

static int
conf_http_port_cmp(const void *a, const void *b)
{
	const struct conf_http_port *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;   /* file order among equals */
}

/* The first entry of ports[0..n) (sorted) whose port is port, or n. */
static size_t
conf_http_port_first(const struct conf_http_port *ports, size_t n, unsigned port)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ports[mid].port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
conf_backend_is_binding(const char *host, const char *port, const struct binding *b)
{
	unsigned char ip[16];
	int family, loopback, wild_b;
	char *end;
	unsigned long pnum;

	if (host == NULL || port == NULL || b->proto != BINDING_HTTP)
		return 0;
	pnum = strtoul(port, &end, 10);
	if (*end != '\0' || pnum != b->port)
		return 0;
	memset(ip, 0, sizeof(ip));
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0) {
		/* either family's loopback: a binding of either serves it */
		return b->addr.family == AF_UNSPEC || binding_addr_is_wildcard(&b->addr) ||
		    (b->addr.family == AF_INET && b->addr.ip[0] == 127) ||
		    (b->addr.family == AF_INET6 && memcmp(b->addr.ip,
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
	}
	if (inet_pton(AF_INET, host, ip) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, ip) == 1)
		family = AF_INET6;
	else
		return 0;   /* a name: not resolved here */
	loopback = family == AF_INET ? ip[0] == 127 : memcmp(ip,
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	wild_b = b->addr.family == AF_UNSPEC || binding_addr_is_wildcard(&b->addr);
	if (wild_b) {
		/* a wildcard listens on every address of its family: the loopback surely,
		 * another of the host's own addresses too, which cannot be known here */
		if (b->addr.family != AF_UNSPEC && b->addr.family != family)
			return 0;
		return loopback || memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		    family == AF_INET ? 4 : 16) == 0;
	}
	return b->addr.family == family && memcmp(b->addr.ip, ip, family == AF_INET ? 4 : 16) == 0;
}

/*
 * A backend that is one of sysbind's own http bindings: the site's own is an error (every
 * request through that binding comes back to the same site, again and again: the README's
 * import hint uncommented did this 1,474 times in 0.35 s); another site's is a warning (a
 * loop is possible, and cut at run time with 508).  Offline views: both are warnings.
 */
void
conf_check_backends(struct conf_parser *p)
{
	const struct conf *c = p->c;
	int kb = conf_key_at(CONF_SECTION_SITE, "backend");
	char text[BINDING_HOST_MAX + 64], la[BINDING_HOST_MAX + 600], *end;
	struct conf_http_port *ports = NULL;
	size_t i, j, k, np = 0, cap = 0;
	unsigned long pnum;

	/* every site's http bindings, by port: a backend is compared with those of its port
	 * only (a walk of all sites for each would be quadratic in 100,000 sites) */
	for (i = 0; i < c->nsites; i++)
		for (k = 0; k < c->sites[i].nbindings; k++) {
			if (c->sites[i].bindings[k].proto != BINDING_HTTP)
				continue;
			if (np == cap) {
				struct conf_http_port *n;

				cap = cap ? 2 * cap : 64;
				if ((n = realloc(ports, cap * sizeof(*n))) == NULL) {
					free(ports);
					p->nomem = 1;
					return;
				}
				ports = n;
			}
			ports[np++] = (struct conf_http_port){ c->sites[i].bindings[k].port, i, k };
		}
	if (np > 0)
		qsort(ports, np, sizeof(*ports), conf_http_port_cmp);
	for (i = 0; i < c->nsites; i++) {
		const struct conf_site *s = &c->sites[i];
		int line = p->siteinfo[i].lines[kb], other = 0;

		if (p->siteinfo[i].dup || s->backend == NULL)
			continue;
		for (k = 0; k < s->nbindings; k++)
			if (conf_backend_is_binding(s->backend_host, s->backend_port,
			    &s->bindings[k]))
				break;
		if (k < s->nbindings) {
			binding_format(&s->bindings[k], text, sizeof(text));
			if (p->flags & CONF_LOAD_OFFLINE)
				conf_warning(p, line, "backend %s is this site's own binding %s (line "
				    "%d): every request through it would come back to the site, without "
				    "end; the daemon refuses this: point backend at the application's "
				    "port", s->backend, text, p->siteinfo[i].blines[k]);
			else
				conf_error(p, line, "backend %s is this site's own binding %s (line %d): "
				    "every request through it would come back to the site, without end; "
				    "point backend at the application's port", s->backend, text,
				    p->siteinfo[i].blines[k]);
			continue;
		}
		/* another site's http binding on the backend's port (the index: one walk) */
		pnum = strtoul(s->backend_port != NULL ? s->backend_port : "", &end, 10);
		if (*end != '\0' || pnum > 65535)
			continue;
		for (size_t at = conf_http_port_first(ports, np, (unsigned)pnum);
		    at < np && ports[at].port == pnum && !other; at++) {
			j = ports[at].site;
			k = ports[at].binding;
			if (j == i || p->siteinfo[j].dup || !conf_backend_is_binding(s->backend_host,
			    s->backend_port, &c->sites[j].bindings[k]))
				continue;
			other = 1;
			binding_format(&c->sites[j].bindings[k], text, sizeof(text));
			conf_site_label(&c->sites[j], la, sizeof(la));
			conf_warning(p, line, "backend %s is sysbind's own binding %s of %s (line %d): "
			    "a request forwarded there is served by sysbind again; one that comes back "
			    "to a site it went through is answered 508 Loop Detected", s->backend, text,
			    la, p->siteinfo[j].blines[k]);
		}
	}
	free(ports);
}

/*
 * IIS's inheritance of <access sslFlags>: a site that sets no ssl_flags of its own has the
 * server level's ([server] ssl_flags, IIS's <location path=".">), marked so `explain` and
 * `check` can say where its flags come from.  A [location] of the site still wins over
 * either (clientcert_access).
 */
void
conf_site_flags(struct conf_parser *p)
{
	struct conf *c = p->c;
	int kflags = conf_key_at(CONF_SECTION_SITE, "ssl_flags");
	size_t i;

	for (i = 0; i < c->nsites; i++)
		if (p->siteinfo[i].lines != NULL && p->siteinfo[i].lines[kflags] == 0) {
			c->sites[i].ssl_flags = c->ssl_flags;
			c->sites[i].ssl_flags_server = 1;
		}
}

/*
 * Each [location SITE/PATH]: SITE is the longest site name (compared as IIS does, without
 * case) that the name starts with, followed by "/" or nothing; the rest is the path.  A
 * location of no site, a path given twice for a site, and a site's flags set both by its
 * ssl_flags and by a [location SITE] are errors.  Then each site gets its locations, the
 * deepest first.
 */
void
conf_check_locations(struct conf_parser *p)
{
	struct conf *c = p->c;
	struct strhash names, seen;
	char *key = NULL, msg[512];
	size_t i, j;
	int kflags = conf_key_at(CONF_SECTION_SITE, "ssl_flags");
	ENTRY *ent;

	memset(&names, 0, sizeof(names));
	memset(&seen, 0, sizeof(seen));
	if (c->nlocations == 0)
		return;
	if (strhash_init(&names, c->nsites) != 0 || strhash_init(&seen, c->nlocations) != 0) {
		p->nomem = 1;
		goto done;
	}
	for (i = 0; i < c->nsites; i++) {
		if (p->siteinfo[i].dup)
			continue;
		if ((key = strhash_lower(c->sites[i].name)) == NULL ||
		    strhash_enter(&names, key, i + 1, NULL) == NULL) {
			p->nomem = 1;
			goto done;
		}
		free(key);
		key = NULL;
	}
	for (i = 0; i < c->nlocations; i++) {
		struct conf_location *l = &c->locations[i];
		size_t site = 0, n = strlen(l->name), cut;
		int created;

		/* the longest site name the location's name starts with */
		for (cut = n + 1; cut-- > 0;) {
			if (cut < n && l->name[cut] != '/')
				continue;
			free(key);
			if ((key = strndup(l->name, cut)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			for (j = 0; key[j] != '\0'; j++)
				key[j] = (char)tolower((unsigned char)key[j]);
			if ((site = strhash_find(&names, key)) != 0)
				break;
		}
		free(key);
		key = NULL;
		if (site == 0) {
			conf_error(p, l->line, "[location %s]: no [site] is named by the start of "
			    "\"%s\" (IIS's location path is SITE/PATH, the site as [site] names it)",
			    l->name, l->name);
			continue;
		}
		l->site = site - 1;
		if (conf_location_path(l->name + cut, &l->path, msg, sizeof(msg)) != 0) {
			conf_error(p, l->line, "[location %s]: %s", l->name, msg);
			continue;
		}
		if (asprintf(&key, "%zu#", l->site) < 0) {
			key = NULL;
			p->nomem = 1;
			goto done;
		}
		{
			char *k2, *lp = strhash_lower(l->path);

			if (lp == NULL || asprintf(&k2, "%s%s", key, lp) < 0) {
				free(lp);
				p->nomem = 1;
				goto done;
			}
			free(lp);
			free(key);
			key = k2;
		}
		if ((ent = strhash_enter(&seen, key, i + 1, &created)) == NULL) {
			p->nomem = 1;
			goto done;
		}
		free(key);
		key = NULL;
		if (!created) {
			const struct conf_location *o = &c->locations[(size_t)(uintptr_t)ent->data - 1];

			conf_error(p, l->line, "duplicate section [location %s]: the same path of the "
			    "same site as [location %s] (line %d; paths compare without case)", l->name,
			    o->name, o->line);
			free(l->path);
			l->path = NULL;
			continue;
		}
		if (strcmp(l->path, "/") == 0 && p->siteinfo[l->site].lines[kflags] != 0) {
			char la[BINDING_HOST_MAX + 600];

			conf_site_label(&c->sites[l->site], la, sizeof(la));
			conf_error(p, l->line, "[location %s] sets the flags of the whole site, which "
			    "ssl_flags of %s does too (line %d): keep one", l->name, la,
			    p->siteinfo[l->site].lines[kflags]);
		}
	}
	/* each site's locations, the deepest first */
	for (i = 0; i < c->nlocations; i++) {
		struct conf_site *st;
		size_t *nl;

		if (c->locations[i].path == NULL)
			continue;
		st = &c->sites[c->locations[i].site];
		if ((nl = realloc(st->locations, (st->nlocations + 1) * sizeof(*nl))) == NULL) {
			p->nomem = 1;
			goto done;
		}
		st->locations = nl;
		st->locations[st->nlocations++] = i;
	}
	for (i = 0; i < c->nsites; i++)
		if (c->sites[i].nlocations > 1)
			qsort_r(c->sites[i].locations, c->sites[i].nlocations, sizeof(size_t),
			    conf_loc_cmp, c->locations);
done:
	free(key);
	strhash_clear(&names);
	strhash_clear(&seen);
}

/*
 * Sites of one application pool set it alike: HTTP.SYS gives a pool one request queue, so
 * its queue_length, rapid-fail protection, load balancer, verbosity and connection limit
 * are the pool's, not a site's (sysbind import writes them the same on each site of a
 * pool).  The second site that differs is refused, naming the first with its line.
 */
void
conf_check_pools(struct conf_parser *p)
{
	const struct conf *c = p->c;
	size_t *of_site = NULL, *first = NULL, i, npools = 0;
	char la[BINDING_HOST_MAX + 600], lb[BINDING_HOST_MAX + 600];
	char va[64], vb[64];

	if (c->nsites < 2)
		return;
	if ((of_site = calloc(c->nsites, sizeof(*of_site))) == NULL ||
	    (first = calloc(c->nsites, sizeof(*first))) == NULL ||
	    apppool_group(c, of_site, &npools) != 0) {
		p->nomem = 1;
		goto done;
	}
	for (i = 0; i < c->nsites; i++) {
		const struct conf_site *s = &c->sites[i], *o;
		const struct conf_key *k;
		const char *key;
		size_t j;
		int ks, la_line, lb_line;

		if (p->siteinfo[i].dup)
			continue;
		if (first[of_site[i]] == 0) {
			first[of_site[i]] = i + 1;
			continue;
		}
		j = first[of_site[i]] - 1;
		o = &c->sites[j];
		if ((key = apppool_differs(s, o)) == NULL ||
		    (k = conf_key_find(CONF_SECTION_SITE, key)) == NULL)
			continue;
		ks = conf_key_at(CONF_SECTION_SITE, key);
		la_line = p->siteinfo[i].lines[ks] != 0 ? p->siteinfo[i].lines[ks] : s->line;
		lb_line = p->siteinfo[j].lines[ks] != 0 ? p->siteinfo[j].lines[ks] : o->line;
		conf_site_label(s, la, sizeof(la));
		conf_site_label(o, lb, sizeof(lb));
		conf_error(p, la_line, "%s = %s of %s differs from %s = %s of %s (line %d), which "
		    "shares its application pool \"%s\": a pool is one request queue (HTTP.SYS), "
		    "so its sites must set queue_length, rapid_fail, rapid_fail_max_crashes, "
		    "rapid_fail_interval, load_balancer, verbosity and backend_max_connections "
		    "alike", key, conf_key_value(k, s, va, sizeof(va)), la, key,
		    conf_key_value(k, o, vb, sizeof(vb)), lb, lb_line, apppool_name(s));
	}
done:
	free(of_site);
	free(first);
}
