/*
 * import — `sysbind import`: IIS's applicationHost.config (expat) and the text of `netsh
 * http show sslcert` turned into a sysbind configuration (see import.h for the decisions).
 * This file owns the repairs that keep every usable item (each one a warning with its
 * source line: ids, names, bindings, access rules) and import_build, which runs the steps;
 * the readers are import_xml.c's and import_netsh.c's, the writing of the sections
 * import_write.c's (include/iis/import_int.h).  Whether the text is valid is conf.c's to say (conf_parse), and
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
#include "iis/import_int.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "base/file.h"
#include "base/strhash.h"

void
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
const char *
import_site_ref(const struct import_site *s, char *buf, size_t len)
{
	char *q = conf_name_quote(s->name);

	if (q != NULL && q[0] == '"')
		snprintf(buf, len, "%s", q);
	else
		snprintf(buf, len, "\"%s\"", s->name);
	free(q);
	return buf;
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
			import_site_ref(&x->sites[(size_t)(uintptr_t)e->data - 1], oref, sizeof(oref));
			import_warn(warn, o->applicationhost, s->line, "site %s: id %lu is already site "
			    "%s's (line %d): given id %lu", import_site_ref(s, ref, sizeof(ref)), s->id, oref,
			    x->sites[(size_t)(uintptr_t)e->data - 1].line, next_free_id(&ids, &next));
			s->id = next - 1;
		} else if (s->idtext != NULL) {
			s->id = next_free_id(&ids, &next);
			import_warn(warn, o->applicationhost, s->line, "site %s: id \"%s\" is not a site "
			    "id (1 to 4294967295): given id %lu", import_site_ref(s, ref, sizeof(ref)),
			    s->idtext, s->id);
		} else {
			s->id = next_free_id(&ids, &next);
			import_warn(warn, o->applicationhost, s->line, "site %s has no id: given id %lu",
			    import_site_ref(s, ref, sizeof(ref)), s->id);
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
			import_site_ref(&x->sites[(size_t)(uintptr_t)e->data - 1], oref, sizeof(oref));
			if (k == 0 ? asprintf(&nn, "%s (id %lu)", s->name, s->id) < 0 :
			    asprintf(&nn, "%s (%d)", s->name, k + 1) < 0)
				goto done;
			import_warn(warn, o->applicationhost, s->line, "site %s: the name is already "
			    "site %s's (line %d; IIS compares names without case): imported as \"%s\"",
			    import_site_ref(s, ref, sizeof(ref)), oref,
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

/* Each binding alone: its grammar, its line, its repeats in the same site (own: "SITE#"
 * and its hash key); marks b->ok, and the protocol and first binding of each port.
 * Returns 0 or -1 (no memory). */
static int
bindings_each(const struct import_opts *o, struct import_xml *x, struct port_use *ports,
    struct strhash *own, FILE *warn)
{
	char key[BINDING_HOST_MAX + 96], msg[512], ref[IMPORT_NAME_MAX + 16];
	size_t i, j;

	for (i = 0; i < x->nsites; i++) {
		struct import_site *s = &x->sites[i];

		import_site_ref(s, ref, sizeof(ref));
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
			if ((e = strhash_enter(own, key, b->line, &created)) == NULL)
				return -1;
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
	return 0;
}

/* One protocol per port: a binding of the other protocol than its port's is not kept. */
static void
bindings_one_protocol(const struct import_opts *o, struct import_xml *x,
    const struct port_use *ports, FILE *warn)
{
	char ref[IMPORT_NAME_MAX + 16], oref[IMPORT_NAME_MAX + 16];
	size_t i, j;

	for (i = 0; i < x->nsites; i++) {
		struct import_site *s = &x->sites[i];

		import_site_ref(s, ref, sizeof(ref));
		for (j = 0; j < s->nbindings; j++) {
			struct import_binding *b = &s->bindings[j];
			const struct port_use *pu = &ports[b->b.port];
			int want = pu->proto == 2 ? BINDING_HTTPS : BINDING_HTTP;
			const struct import_site *os;
			const struct import_binding *ob;

			if (!b->ok || (int)b->b.proto == want)
				continue;
			b->ok = 0;
			if (pu->site[want] != 0) {
				os = &x->sites[pu->site[want] - 1];
				ob = &os->bindings[pu->bind[want] - 1];
				import_site_ref(os, oref, sizeof(oref));
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
}

/* One started site per binding; state first, as IIS decides it (held: the bindings of the
 * started sites, index + 1 of theirs).  A site with no binding left is skipped.  Returns 0
 * or -1 (no memory). */
static int
bindings_one_started(const struct import_opts *o, struct import_xml *x, struct strhash *held,
    FILE *warn)
{
	char key[BINDING_HOST_MAX + 96], ref[IMPORT_NAME_MAX + 16], oref[IMPORT_NAME_MAX + 16];
	size_t i, j;

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
			    "binding%s: not carried over", import_site_ref(s, ref, sizeof(ref)),
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
			if ((other = strhash_find(held, key)) != 0)
				clash = &s->bindings[j];
		}
		if (clash != NULL) {
			const struct import_site *os = &x->sites[other - 1];

			s->stopped = 1;
			import_warn(warn, o->applicationhost, clash->line, "site %s: binding %s is also "
			    "site %s's (line %d): IIS starts the first of two sites with the same binding "
			    "and leaves the other stopped: imported with state = stopped",
			    import_site_ref(s, ref, sizeof(ref)), clash->written, import_site_ref(os, oref,
			    sizeof(oref)), os->line);
			continue;
		}
		for (j = 0; j < s->nbindings; j++) {
			if (!s->bindings[j].ok)
				continue;
			binding_hashkey(&s->bindings[j].b, key, sizeof(key));
			if (strhash_enter(held, key, i + 1, NULL) == NULL)
				return -1;
		}
	}
	return 0;
}

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
	size_t i, nb = 0;
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
	if (bindings_each(o, x, ports, &own, warn) != 0)
		goto done;
	bindings_one_protocol(o, x, ports, warn);
	if (bindings_one_started(o, x, &held, warn) != 0)
		goto done;
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
			import_site_ref(s, ref, sizeof(ref));
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

/* serverRuntime uploadReadAheadSize: the server level's value (-1 when absent or bad);
 * a bad one, or a location's own, is warned. */
static long
access_uras(const struct import_opts *o, const struct import_xml *x, FILE *warn)
{
	long uras = -1;
	size_t i;

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
			uras = (long)u;
		else
			import_warn(warn, o->applicationhost, a->line, "<location path=\"%s\">: "
			    "uploadReadAheadSize %lu is not carried over: sysbind has one "
			    "upload_read_ahead_size for the whole server", a->path, u);
	}
	return uras;
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
	*server = 0;
	*server_line = 0;
	*uras = access_uras(o, x, warn);
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
		import_site_ref(s, ref, sizeof(ref));
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

/* The netsh output of --sslcert read into *v, *nv (its text in *text, its encoding in
 * *encoding); without one, or with nothing in it, a warning.  Returns 0, or -1 with err. */
static int
build_read_sslcert(const struct import_opts *o, FILE *warn, char **text,
    struct import_netsh_entry **v, size_t *nv, const char **encoding, char *err,
    size_t errlen)
{
	char *raw;
	size_t raw_len, len;

	if (o->sslcert == NULL) {
		import_warn(warn, o->applicationhost, 0, "no netsh output (--sslcert FILE): no "
		    "certificate bindings imported; https clients get no certificate until "
		    "[sslcert] sections are added");
		return 0;
	}
	if ((raw = import_slurp(o->sslcert, &raw_len, err, errlen)) == NULL)
		return -1;
	*text = import_text_decode(raw, raw_len, o->sslcert, &len, encoding, err, errlen);
	free(raw);
	if (*text == NULL)
		return -1;
	if (import_netsh_parse(*text, len, o->sslcert, v, nv, warn, err, errlen) != 0)
		return -1;
	if (*nv == 0 && strstr(*text, "SSL Certificate bindings:") != NULL)
		import_warn(warn, o->sslcert, 0, "no certificate bindings in this netsh output "
		    "(read as %s): no [sslcert] is imported", *encoding);
	else if (*nv == 0 && strstr(*text, " : ") == NULL)
		import_warn(warn, o->sslcert, 0, "not the output of `netsh http show sslcert` "
		    "(read as %s: no \"label : value\" line): no [sslcert] is imported",
		    *encoding);
	return 0;
}

/* --cert-store: its path as the configuration names it (storetext), its ccs directory
 * when it has one (*ccs points into ccsdir), and the store opened to check thumbprints
 * (*store; NULL, warned, when it cannot be).  Returns 0, or -1 with err. */
static int
build_store(const struct import_opts *o, FILE *warn, char *storetext, size_t storelen,
    char *ccsdir, size_t ccslen, const char **ccs, struct certstore_dir **store, char *err,
    size_t errlen)
{
	struct stat st;
	char why[1024];

	import_store_path(o, storetext, storelen);
	if (!import_value_writable("cert_store", storetext)) {
		snprintf(err, errlen, "--cert-store %s: the path cannot be written on a "
		    "configuration line (a \" ;\" would start a comment, or it is longer than "
		    "%d characters): use a shorter path", o->cert_store, IMPORT_LINE_MAX);
		return -1;
	}
	snprintf(ccsdir, ccslen, "%s/ccs", o->cert_store);
	if (stat(ccsdir, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(ccsdir, ccslen, "%s/ccs", storetext);
		*ccs = ccsdir;
	}
	if ((*store = certstore_dir_open(o->cert_store, NULL, why, sizeof(why))) == NULL)
		import_warn(warn, o->cert_store, 0, "%s: no thumbprint is checked", why);
	return 0;
}

/* What [server] says of the whole import. */
struct build_server {
	int      iis8;          /* SNI or CCS entries, or bindings that need them */
	unsigned layout;        /* the newest show sslcert layout read */
	unsigned propblocks;    /* the most Extended Properties blocks of an entry */
	long     uras;          /* uploadReadAheadSize, -1: none */
	unsigned flags;         /* the server level's <access sslFlags> */
	int      flags_line;
};

/* The entries' hash keys (index + 1) into keys, and what they and the bindings say of
 * the server into *sv.  Returns 0 or -1 (no memory). */
static int
build_keys(const struct import_xml *x, const struct import_netsh_entry *v, size_t nv,
    struct strhash *keys, struct build_server *sv)
{
	char hk[BINDING_HOST_MAX + 64];
	size_t i, j;

	if (strhash_init(keys, nv) != 0)
		return -1;
	for (i = 0; i < nv; i++) {
		binding_sslkey_hashkey(&v[i].key, hk, sizeof(hk));
		if (strhash_enter(keys, hk, i + 1, NULL) == NULL)
			return -1;
		if (v[i].key.kind != SSLCERT_IPPORT)
			sv->iis8 = 1;
	}
	for (i = 0; i < x->nsites; i++)
		for (j = 0; j < x->sites[i].nbindings; j++)
			if (x->sites[i].bindings[j].ok && x->sites[i].bindings[j].b.proto == BINDING_HTTPS &&
			    (x->sites[i].bindings[j].sslflags & 3) != 0)
				sv->iis8 = 1;
	return 0;
}

/* The file's opening comment and its [server] section. */
static void
build_write_server(FILE *f, const struct import_opts *o, const struct build_server *sv,
    const char *encoding, const char *storetext, size_t nv)
{
	import_comment_line(f, "; Imported by `sysbind import` from %s%s", o->applicationhost,
	    o->sslcert != NULL ? " and" : ".");
	if (o->sslcert != NULL)
		import_comment_line(f, "; %s (netsh http show sslcert, %s).", o->sslcert, encoding);
	fprintf(f, "; The sites and the certificate bindings are the IIS server's, kept apart as "
	    "HTTP.SYS keeps them.\n; No site has a backend yet: until `backend =` is filled in, "
	    "sysbind's built-in\n; diagnostic page answers for it.\n");
	fprintf(f, "\n[server]\nmode = %s%s\n", sv->iis8 ? "iis8" : "iis7",
	    sv->iis8 ? "                 ; SNI (hostnameport) or CCS entries are needed" : "");
	if (sv->layout != 0 && sv->layout != 2022)
		import_comment_line(f, "show_layout = %-17s; the layout of %s",
		    conf_layout_word(sv->layout), o->sslcert);
	if (sv->layout >= 2022 && sv->propblocks != 2)
		import_comment_line(f, "show_property_blocks = %-4u ; the Extended Properties blocks "
		    "of each entry of %s (PropertyId 0 to %u)", sv->propblocks, o->sslcert,
		    sv->propblocks > 0 ? sv->propblocks - 1 : 0);
	if (sv->uras >= 0 && sv->uras != 49152)
		fprintf(f, "upload_read_ahead_size = %ld   ; IIS's serverRuntime "
		    "uploadReadAheadSize\n", sv->uras);
	if (sv->flags != 0) {
		char flags[128];

		fprintf(f, "ssl_flags = %s   ; IIS's <access sslFlags> of the server level (line "
		    "%d): every site's that sets none\n", conf_access_format(sv->flags, flags,
		    sizeof(flags)), sv->flags_line);
	}
	if (o->cert_store != NULL)
		fprintf(f, "cert_store = %s\n", storetext);
	else if (nv > 0)
		fprintf(f, "cert_store = .               ; where certhash thumbprints are looked "
		    "up: put the\n                             ; server's certificates here "
		    "(.pem + .key, .pfx)\n");
}

/* The result must be a configuration sysbind accepts: anything else is a bug here.
 * Returns 0, or -1 with err. */
static int
build_verify(const struct import_opts *o, const char *out, char *err, size_t errlen)
{
	char name[PATH_MAX + 8];
	struct conf *cfg;
	size_t n;

	snprintf(name, sizeof(name), "%s", o->out_path != NULL &&
	    strcmp(o->out_path, "-") != 0 ? o->out_path : "(imported configuration)");
	n = (size_t)snprintf(err, errlen, "internal error: the configuration sysbind made "
	    "from these files is invalid (please report it with the files):\n");
	if (n >= errlen)
		n = 0;
	if ((cfg = conf_parse(out, name, 0, err + n, errlen - n)) == NULL)
		return -1;
	conf_free(cfg);
	err[0] = '\0';
	return 0;
}

/* The pools by name (ASCII case ignored, as IIS compares them): index + 1; the first of
 * two with one name wins (IIS refuses the second). */
static int
build_pools(const struct import_xml *x, struct strhash *pools)
{
	size_t i;

	if (strhash_init(pools, x->npools + 1) != 0)
		return -1;
	for (i = 0; i < x->npools; i++) {
		char *key = strhash_lower(x->pools[i].name);

		if (key == NULL || strhash_enter(pools, key, i + 1, NULL) == NULL) {
			free(key);
			return -1;
		}
		free(key);
	}
	return 0;
}

/* The <add> of site s's pool (its root application's, else <applicationDefaults>'), or
 * NULL: then <applicationPoolDefaults> and the schema give its settings, and a name
 * <applicationPools> does not define is warned (IIS would not start the site's pool). */
static const struct import_pool *
site_pool(const struct import_opts *o, const struct import_xml *x,
    const struct import_site *s, const struct strhash *pools, FILE *warn)
{
	const char *name = s->pool != NULL ? s->pool : x->default_pool;
	char *key, ref[IMPORT_NAME_MAX + 16];
	size_t at;

	if (name == NULL || (key = strhash_lower(name)) == NULL)
		return NULL;
	at = strhash_find(pools, key);
	free(key);
	if (at == 0 && x->saw_pools)
		import_warn(warn, o->applicationhost, s->line, "site %s: application pool \"%.*s\" "
		    "is not in <applicationPools>: its settings are <applicationPoolDefaults>' and "
		    "IIS's defaults", import_site_ref(s, ref, sizeof(ref)), IMPORT_NAME_MAX, name);
	return at > 0 ? &x->pools[at - 1] : NULL;
}

char *
import_build(const struct import_opts *o, FILE *warn, char *err, size_t errlen)
{
	struct import_xml x;
	struct import_netsh_entry *v = NULL;
	struct strhash keys, pools;
	struct certstore_dir *store = NULL;
	struct build_server sv;
	size_t nv = 0, i, j, len = 0, nkept = 0;
	char *text = NULL, *out = NULL, storetext[PATH_MAX], ccsdir[PATH_MAX + 8];
	const char *ccs = NULL, *encoding = NULL;
	FILE *f = NULL;

	memset(&x, 0, sizeof(x));
	memset(&keys, 0, sizeof(keys));
	memset(&pools, 0, sizeof(pools));
	memset(&sv, 0, sizeof(sv));
	x.name = o->applicationhost;
	x.warn = warn;
	x.default_autostart = -1;
	import_hsts_init(&x.default_hsts);
	import_pool_init(&x.pool_defaults);
	err[0] = '\0';
	if (import_xml_read(o->applicationhost, &x, err, errlen) != 0 ||
	    build_read_sslcert(o, warn, &text, &v, &nv, &encoding, err, errlen) != 0)
		goto done;
	if (o->cert_store != NULL && build_store(o, warn, storetext, sizeof(storetext), ccsdir,
	    sizeof(ccsdir), &ccs, &store, err, errlen) != 0)
		goto done;
	if (sites_identify(o, &x, warn) != 0 || sites_bindings(o, &x, v, nv, warn) != 0 ||
	    sites_access(o, &x, &sv.uras, &sv.flags, &sv.flags_line, warn) != 0) {
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
	if (build_keys(&x, v, nv, &keys, &sv) != 0 || build_pools(&x, &pools) != 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	bindings_to_entries(o, &x, v, nv, &keys, warn);
	for (i = 0; i < nv; i++) {
		if (v[i].layout > sv.layout)
			sv.layout = v[i].layout;
		if (v[i].propblocks > sv.propblocks)
			sv.propblocks = v[i].propblocks;
	}

	if ((f = open_memstream(&out, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	build_write_server(f, o, &sv, encoding, storetext, nv);
	for (i = 0; i < nv; i++) {
		int keep_appid, keep_store;

		if (!import_sslcert_usable(o, &v[i], ccs, &keep_appid, &keep_store, warn))
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
		import_write_sslcert(f, o, &v[i], ccs, keep_appid, keep_store);
	}
	for (i = 0; i < x.nsites; i++) {
		if (x.sites[i].skip)
			continue;
		for (j = 0; j < x.sites[i].nbindings; j++)
			if (x.sites[i].bindings[j].ok &&
			    x.sites[i].bindings[j].b.proto == BINDING_HTTPS)
				import_check_binding_cert(o, &x.sites[i], &x.sites[i].bindings[j], &keys,
				    warn);
		import_write_site(f, &x.sites[i], x.default_pool, &x.default_hsts,
		    site_pool(o, &x, &x.sites[i], &pools, warn), &x.pool_defaults);
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	f = NULL;
	/* the inputs are written out: let them go before the result is checked */
	import_xml_clear(&x);
	free(v);
	v = NULL;
	free(text);
	text = NULL;
	strhash_clear(&keys);
	strhash_clear(&pools);
	if (len > CONF_FILE_MAX) {
		snprintf(err, errlen, "the imported configuration would be %zu bytes, more than the "
		    "%lu sysbind reads", len, (unsigned long)CONF_FILE_MAX);
		free(out);
		out = NULL;
		goto done;
	}
	if (build_verify(o, out, err, errlen) != 0) {
		free(out);
		out = NULL;
	}
done:
	if (f != NULL) {
		fclose(f);
		free(out);
		out = NULL;
	}
	certstore_dir_free(store);
	strhash_clear(&keys);
	strhash_clear(&pools);
	free(text);
	free(v);
	import_xml_clear(&x);
	return out;
}
