/*
 * conf_warn — the warnings of a sysbind.ini(5) that loads: https bindings no [sslcert]
 * entry can answer, IIS Manager's "No default SSL site", and client-certificate policies
 * that cannot do what they say.  A warning never refuses a file; each is kept on the conf
 * (conf->warnings) for -t, the daemon's log and the offline views.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/conf_int.h"
/*
 * An https binding no [sslcert] entry can ever answer (iis7: no ipport entry for its IP or
 * the wildcard of its port; iis8: none of those and no hostnameport or ccs entry on its
 * port): every handshake on it fails, as HTTP.SYS's does.  Said once per port, with the
 * entry to add.  For -t and the daemon (the offline views predict it per binding).
 */
void
conf_cert_warnings(struct conf_parser *p)
{
	const struct conf *c = p->c;
	unsigned char *has = NULL, *warned = NULL;
	char text[BINDING_HOST_MAX + 64], key[BINDING_HOST_MAX + 64];
	size_t i, k;

	if ((has = calloc(65536, 1)) == NULL || (warned = calloc(65536, 1)) == NULL) {
		p->nomem = 1;
		goto done;
	}
	/* per port: 1 an ipport entry, 2 0.0.0.0, 4 [::], 8 hostnameport or ccs */
	for (i = 0; i < c->nsslcerts; i++) {
		const struct sslcert_key *sk = &c->sslcerts[i].key;

		if (sk->kind != SSLCERT_IPPORT)
			has[sk->port] |= 8;
		else if (!binding_addr_is_wildcard(&sk->addr))
			has[sk->port] |= 1;
		else
			has[sk->port] |= sk->addr.family == AF_INET6 ? 4 : 2;
	}
	for (i = 0; i < c->nsites; i++)
		for (k = 0; k < c->sites[i].nbindings; k++) {
			const struct binding *b = &c->sites[i].bindings[k];
			unsigned h = has[b->port];
			int wild = b->addr.family == AF_UNSPEC || binding_addr_is_wildcard(&b->addr);
			struct sslcert_key want;

			if (b->proto != BINDING_HTTPS || warned[b->port] || (h & 2) ||
			    (b->addr.family == AF_INET6 && (h & 4)) ||
			    (c->mode == CONF_MODE_IIS8 && (h & 8)))
				continue;
			if (wild && (h & (1 | 4)))
				continue;   /* some addresses of the port have an entry */
			if (!wild) {
				memset(&want, 0, sizeof(want));
				want.kind = SSLCERT_IPPORT;
				want.addr = b->addr;
				want.port = b->port;
				if (conf_find_sslcert(c, &want) != NULL)
					continue;
				binding_ipport_format(&b->addr, b->port, key, sizeof(key));
			} else {
				snprintf(key, sizeof(key), "0.0.0.0:%u", b->port);
			}
			warned[b->port] = 1;
			binding_format(b, text, sizeof(text));
			if (c->mode == CONF_MODE_IIS8 && b->host[0] != '\0' && b->host[0] != '*')
				conf_warning(p, p->siteinfo[i].blines[k], "https binding %s: no [sslcert] "
				    "entry answers on port %u: every TLS handshake on it fails, as HTTP.SYS's "
				    "does; add one: [sslcert %s:%u] (sysbind netsh http add sslcert "
				    "hostnameport=%s:%u certhash=... appid={...}) or [sslcert %s] (ipport=%s)",
				    text, b->port, b->host, b->port, b->host, b->port, key, key);
			else
				conf_warning(p, p->siteinfo[i].blines[k], "https binding %s: no [sslcert] "
				    "entry for %s: every TLS handshake on it fails, as HTTP.SYS's does; add "
				    "one: [sslcert %s] with certificate = and key = (sysbind netsh http add "
				    "sslcert ipport=%s certhash=... appid={...})", text, key, key, key);
		}
done:
	free(has);
	free(warned);
}

/* ---- IIS Manager's warnings ---- */

/*
 * IIS Manager's warning about an https port with no default SSL site: in iis8 mode, an
 * https port with no ipport entry at all.  (Sites sharing one HTTPS binding are not a
 * warning of every load: `check` and the edits that cause it say so, see
 * binding_shares.)
 */
void
conf_warnings(struct conf_parser *p)
{
	struct conf *c = p->c;
	unsigned char *ipport_port = NULL, *seen_port = NULL;
	size_t i, k, e;

	if ((ipport_port = calloc(65536, 1)) == NULL || (seen_port = calloc(65536, 1)) == NULL) {
		p->nomem = 1;
		goto done;
	}
	/* only the first https binding on each port speaks */
	if (c->mode != CONF_MODE_IIS8)
		goto done;
	for (e = 0; e < c->nsslcerts; e++)
		if (c->sslcerts[e].key.kind == SSLCERT_IPPORT)
			ipport_port[c->sslcerts[e].key.port] = 1;
	for (i = 0; i < c->nsites; i++) {
		for (k = 0; k < c->sites[i].nbindings; k++) {
			const struct binding *b = &c->sites[i].bindings[k];

			if (b->proto != BINDING_HTTPS || seen_port[b->port])
				continue;
			seen_port[b->port] = 1;
			if (ipport_port[b->port])
				continue;
			conf_warning(p, p->siteinfo[i].blines[k], "No default SSL site has been "
			    "created. To support browsers without SNI capabilities, it is recommended "
			    "to create a default SSL site. (https port %u has no ipport entry such as "
			    "[sslcert 0.0.0.0:%u]: clients without SNI get no certificate)", b->port,
			    b->port);
		}
	}
done:
	free(ipport_port);
	free(seen_port);
}

/*
 * Client-certificate policies that cannot do what they say: a site or path asking for a
 * client certificate with no [server] trust (every certificate would be untrusted, 403.16),
 * SslMapCert (mapping to Windows accounts is not emulated), and netsh flags kept only to
 * be shown (dsmapperusage, enabletokenbinding).
 */
void
conf_client_warnings(struct conf_parser *p)
{
	struct conf *c = p->c;
	int ksite = conf_key_at(CONF_SECTION_SITE, "ssl_flags");
	int kloc = conf_key_at(CONF_SECTION_LOCATION, "ssl_flags");
	int ksrv = conf_key_at(CONF_SECTION_SERVER, "ssl_flags");
	int kds = conf_key_at(CONF_SECTION_SSLCERT, "dsmapperusage");
	int ktb = conf_key_at(CONF_SECTION_SSLCERT, "enabletokenbinding");
	const unsigned want = CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT;
	size_t i, ntrust = 0, inherit = 0;
	char label[BINDING_HOST_MAX + 600];

	for (i = 0; i < c->nsites; i++)
		inherit += c->sites[i].ssl_flags_server;
	/* the server level first (when a site has its flags), then each site and path that sets its own: a site that
	 * inherits [server] ssl_flags is said with the server, once */
	for (i = 0; i <= c->nsites + c->nlocations; i++) {
		size_t at = i - 1;
		unsigned f;
		int line, warn_trust;

		if (i == 0)
			f = inherit > 0 ? c->ssl_flags : 0;
		else if (at < c->nsites && c->sites[at].ssl_flags_server)
			continue;
		else
			f = at < c->nsites ? c->sites[at].ssl_flags :
			    c->locations[at - c->nsites].ssl_flags;
		warn_trust = (f & want) && c->trust == NULL && ntrust++ == 0;
		if (!(f & CONF_ACCESS_MAP_CERT) && !warn_trust)
			continue;
		/* the label only for what is said: 100,000 sites say nothing */
		if (i == 0) {
			line = p->server_lines[ksrv];
			snprintf(label, sizeof(label), "[server] ssl_flags (every site's that sets "
			    "none)");
		} else if (at < c->nsites) {
			line = p->siteinfo[at].lines[ksite];
			conf_site_label(&c->sites[at], label, sizeof(label));
		} else {
			line = p->locinfo[at - c->nsites].lines[kloc];
			snprintf(label, sizeof(label), "[location %s]",
			    c->locations[at - c->nsites].name);
		}
		if (f & CONF_ACCESS_MAP_CERT)
			conf_warning(p, line, "%s: SslMapCert (mapping client certificates to Windows "
			    "accounts) is not emulated: the certificate is checked and forwarded, "
			    "nobody is logged on", label);
		/* said once, at the first that asks */
		if (warn_trust)
			conf_warning(p, line, "%s asks for client certificates but [server] has no "
			    "trust =: every client certificate will be untrusted (403.16)%s", label,
			    c->nsites + c->nlocations > 1 ? "; so will those of every other site and "
			    "path that asks" : "");
	}
	for (i = 0; i < c->nsslcerts; i++) {
		const struct conf_sslcert *e = &c->sslcerts[i];

		if (e->flags & CONF_SSL_USE_DS_MAPPER)
			conf_warning(p, p->sslinfo[i].lines[kds], "[sslcert %s]: dsmapperusage = enable "
			    "is shown by show sslcert, not emulated (no directory maps certificates to "
			    "accounts here)", e->name);
		if (e->flags & CONF_SSL_ENABLE_TOKEN_BINDING)
			conf_warning(p, p->sslinfo[i].lines[ktb], "[sslcert %s]: enabletokenbinding = "
			    "enable is shown by show sslcert, not emulated (OpenSSL and today's browsers "
			    "have no token binding)", e->name);
	}
}
