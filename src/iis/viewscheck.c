/*
 * viewscheck — `sysbind check`: for every https binding, the certificate each client gets
 * with and without SNI and the verdict on it (certstore_verdict), what three clients get
 * from the sites that ask for client certificates (clientcert_decide through cc_walk),
 * the HSTS traps, how to fix each problem (views_verdict_fix, views_cc_fix), as a table
 * or as JSON, and check's exit status.  It formats what binding.c, certstore and
 * clientcert decide; the helpers it shares with explain are views.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <sys/socket.h>

#include <openssl/tls1.h>

#include "iis/views.h"
#include "iis/views_int.h"
#include "iis/viewscerts.h"
#include "model/apppool.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "model/chain.h"
#include "model/respond.h"

/* ---- client certificates (issue 14): what three clients get ---- */

/* The three clients check predicts, each holding a good client certificate it sends
 * whenever asked. */
enum cc_client { CC_TLS12, CC_TLS13, CC_H2, CC_NCLIENTS };

static const char *const cc_client_names[CC_NCLIENTS] = {
	"TLS 1.2 client", "TLS 1.3 browser (HTTP/1.1)", "HTTP/2 browser",
};
static const char *const cc_client_articles[CC_NCLIENTS] = { "a", "a", "an" };

/* One client's course: the decisions it meets, in order. */
struct cc_outcome {
	int                    refused;   /* the binding refuses its TLS version */
	enum clientcert_action first, last;
	int                    rounds;    /* decisions made: 1 to 3 */
	int                    error;     /* a client error (counts for check's status) */
	char                   outcome[160];
	char                   why[1400];
};

/* What a site's path gets through one binding and family. */
struct cc_prediction {
	const struct conf_site     *site;
	const struct binding       *b;
	int                         family;
	const struct conf_location *loc;    /* NULL: the site's own flags */
	unsigned                    access;
	const struct conf_sslcert  *entry;
	char                        path[BINDING_HOST_MAX + 8];
	struct cc_outcome           c[CC_NCLIENTS];
	char                        fix[600];
	int                         errors;
};

/* A short name of where an action leaves the client. */
static const char *
cc_action_outcome(enum clientcert_action a)
{
	switch (a) {
	case CLIENTCERT_SERVE:                return "served";
	case CLIENTCERT_SERVE_NO_CERT:        return "served without a certificate";
	case CLIENTCERT_DENY_403_4:           return "403.4 (SSL required)";
	case CLIENTCERT_DENY_403_7:           return "403.7 (client certificate required)";
	case CLIENTCERT_DENY_403_13:          return "403.13 (revoked)";
	case CLIENTCERT_DENY_403_16:          return "403.16 (untrusted)";
	case CLIENTCERT_DENY_403_17:          return "403.17 (expired)";
	case CLIENTCERT_RENEGOTIATE:          return "renegotiates";
	case CLIENTCERT_TOO_LARGE_413:        return "413";
	case CLIENTCERT_TLS13_RESET:          return "connection reset";
	case CLIENTCERT_TLS13_500:            return "500.0 (0x80070032)";
	case CLIENTCERT_H2_HTTP_1_1_REQUIRED: return "HTTP_1_1_REQUIRED";
	}
	return "?";
}

/*
 * Walk one client through the decisions: the first request; after a renegotiation the
 * same request with the certificate the client then sends; after HTTP_1_1_REQUIRED the
 * request again over HTTP/1.1 (a new connection, the same TLS version).  Appends each
 * decision's sentence to o->why.
 */
static void
cc_walk(struct clientcert_facts *f, struct cc_outcome *o)
{
	char why[600];
	size_t used = 0;
	enum clientcert_action a;

	o->outcome[0] = o->why[0] = '\0';
	for (o->rounds = 1; o->rounds <= 3; o->rounds++) {
		a = clientcert_decide(f, why, sizeof(why));
		if (o->rounds == 1)
			o->first = a;
		o->last = a;
		used += (size_t)snprintf(o->why + used, used < sizeof(o->why) ?
		    sizeof(o->why) - used : 0, "%s%s", used > 0 ? "; then " : "", why);
		snprintf(o->outcome + strlen(o->outcome), sizeof(o->outcome) - strlen(o->outcome),
		    "%s%s", o->rounds > 1 ? ", then " : "", cc_action_outcome(a));
		if (a == CLIENTCERT_RENEGOTIATE) {
			/* the client answers the CertificateRequest with its certificate */
			f->asked = 1;
			f->has_cert = 1;
			f->chain = CHAIN_OK;
			f->chain_why = NULL;
			continue;
		}
		if (a == CLIENTCERT_H2_HTTP_1_1_REQUIRED) {
			f->http2 = 0;
			continue;
		}
		break;
	}
	o->error = clientcert_is_error(o->last);
}

/* The predictions for one site path through one binding and family. */
static void
cc_predict(const struct conf *cfg, struct cc_prediction *p)
{
	unsigned versions = conf_tls_versions(cfg, p->entry);
	int top = views_tls_highest(versions), h2 = conf_http2_offered(cfg, p->entry), i;
	int negotiated = (p->entry->flags & CONF_SSL_NEGOTIATE_CLIENT_CERT) != 0;
	int bad13 = 0, never = 0;

	for (i = 0; i < CC_NCLIENTS; i++) {
		struct cc_outcome *o = &p->c[i];
		struct clientcert_facts f;

		clientcert_facts_init(&f, cfg, p->entry);
		f.access = p->access;
		f.path = p->path;
		f.https = 1;
		f.tls_version = i == CC_TLS12 ? TLS1_2_VERSION : top;
		f.http2 = i == CC_H2 && h2 && top >= TLS1_2_VERSION;
		f.has_cert = negotiated;   /* asked in the handshake: it sent its certificate */
		if ((i == CC_TLS12 && !(versions & CONF_TLS12)) || top == 0) {
			o->refused = 1;
			snprintf(o->outcome, sizeof(o->outcome), "n/a: the handshake is refused");
			snprintf(o->why, sizeof(o->why), "[sslcert %s] allows no %s (tls_profile and "
			    "its disable flags)", p->entry->name, i == CC_TLS12 ? "TLS 1.2" : "version");
			continue;
		}
		cc_walk(&f, o);
		if (i == CC_H2 && !f.http2 && o->first != CLIENTCERT_H2_HTTP_1_1_REQUIRED && !h2)
			snprintf(o->outcome + strlen(o->outcome), sizeof(o->outcome) -
			    strlen(o->outcome), " (no h2 here: HTTP/1.1)");
		if (o->error)
			p->errors++;
		bad13 |= o->error && (o->last == CLIENTCERT_TLS13_RESET ||
		    o->last == CLIENTCERT_TLS13_500);
		never |= o->error && o->last == CLIENTCERT_DENY_403_7 && !negotiated;
	}
	p->fix[0] = '\0';
	if (never && !(p->access & CONF_ACCESS_NEGOTIATE_CERT))
		views_cc_fix(VIEWS_CC_FIX_NEVER_ASKED, p->entry->name, p->fix, sizeof(p->fix));
	else if (bad13)
		views_cc_fix(VIEWS_CC_FIX_TLS13, p->entry->name, p->fix, sizeof(p->fix));
}

const char *
views_cc_fix(enum views_cc_fix kind, const char *entry, char *buf, size_t len)
{
	if (kind == VIEWS_CC_FIX_NEVER_ASKED)
		snprintf(buf, len, "clientcertnegotiation = enable in [sslcert %s] (the handshake "
		    "asks for the certificate), or add SslNegotiateCert to the path's ssl_flags (a "
		    "TLS 1.2 renegotiation asks for it)", entry);
	else
		snprintf(buf, len, "clientcertnegotiation = enable in [sslcert %s] (the first "
		    "handshake asks for the certificate, so TLS 1.3 and HTTP/2 clients send it), or "
		    "disabletls13 = enable there (TLS 1.2 renegotiates; HTTP/2 browsers retry over "
		    "HTTP/1.1)", entry);
	return buf;
}

/* Whether a site's flags, or any of its paths', ask for client certificates. */
static int
cc_site_asks(const struct conf *cfg, const struct conf_site *s)
{
	const unsigned want = CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT;
	size_t i;

	if (s->ssl_flags & want)
		return 1;
	for (i = 0; i < s->nlocations; i++)
		if (cfg->locations[s->locations[i]].ssl_flags & want)
			return 1;
	return 0;
}

/*
 * Every prediction: for each site that asks for client certificates somewhere, each of
 * its https bindings and each family a "*" binding listens on, the site itself (when its
 * own flags ask) and each path whose [location] asks.  A binding no entry serves is left
 * to the certificate table (its handshake fails).  Returns 0 or -1 (no memory).
 */
static void client_name(const struct conf *cfg, const struct binding *b, char *buf,
    size_t len);

static int
cc_predict_all(const struct conf *cfg, struct cc_prediction **out, size_t *n)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	const unsigned want = CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT;
	struct cc_prediction *p = NULL, *np;
	size_t i, j, k, cap = 0;
	int f;

	*out = NULL;
	*n = 0;
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];

		if (!cc_site_asks(cfg, s))
			continue;
		for (j = 0; j < s->nbindings; j++) {
			const struct binding *b = &s->bindings[j];
			int nf = b->addr.family == AF_UNSPEC ? 2 : 1;
			const struct conf_sslcert *ent[2] = { NULL, NULL };
			char name[BINDING_HOST_MAX];

			if (b->proto != BINDING_HTTPS)
				continue;
			for (f = 0; f < nf; f++) {
				struct binding_addr addr = b->addr;
				struct cert_choice ch;

				if (addr.family == AF_UNSPEC) {
					memset(&addr, 0, sizeof(addr));
					addr.family = families[f];
				}
				memset(&ch, 0, sizeof(ch));
				client_name(cfg, b, name, sizeof(name));
				(void)binding_resolve_cert(cfg, &addr, b->port, name[0] != '\0' ? name :
				    NULL, &ch);
				ent[f] = ch.entry;
			}
			/* the two families of "*" told apart only when their entries differ (one
			 * without an entry is the certificate table's: its handshake fails) */
			if (nf == 2 && ent[1] == ent[0])
				nf = 1;
			for (f = 0; f < nf; f++) {
				if (ent[f] == NULL)
					continue;
				/* the site itself, then its paths, the deepest first */
				for (k = 0; k <= s->nlocations; k++) {
					const struct conf_location *l = k > 0 ?
					    &cfg->locations[s->locations[k - 1]] : NULL;
					unsigned access = l != NULL ? l->ssl_flags : s->ssl_flags;

					if (!(access & want))
						continue;
					if (*n == cap) {
						cap = cap ? cap * 2 : 8;
						if ((np = realloc(p, cap * sizeof(*p))) == NULL) {
							free(p);
							return -1;
						}
						p = np;
					}
					np = &p[(*n)++];
					memset(np, 0, sizeof(*np));
					np->site = s;
					np->b = b;
					np->family = nf == 2 ? families[f] : 0;
					np->loc = l;
					np->access = access;
					np->entry = ent[f];
					snprintf(np->path, sizeof(np->path), "%s", l != NULL ? l->path : "/");
					cc_predict(cfg, np);
				}
			}
		}
	}
	*out = p;
	return 0;
}

static void
cc_table(FILE *out, const struct cc_prediction *p, size_t n)
{
	char flags[128], b[BINDING_HOST_MAX + 64];
	size_t i;
	int c;

	if (n == 0)
		return;
	fputs("\nclient certificates (IIS access sslFlags; each client holds a good certificate "
	    "and sends it when asked):\n", out);
	for (i = 0; i < n; i++) {
		binding_format(p[i].b, b, sizeof(b));
		/* where the flags come from: a [location], or the server level the site inherits */
		fprintf(out, "%s %s (%s%s%s%s) on %s%s via [sslcert %s] (clientcertnegotiation = "
		    "%s)\n", p[i].site->name, p[i].path, conf_access_format(p[i].access, flags,
		    sizeof(flags)), p[i].loc != NULL ? ", [location " : p[i].site->ssl_flags_server ?
		    ", [server]" : "", p[i].loc != NULL ? p[i].loc->name : "", p[i].loc != NULL ? "]" :
		    "", b, p[i].family == AF_INET6 ?
		    " (IPv6)" : p[i].family == AF_INET ? " (IPv4)" : "",
		    p[i].entry->name, (p[i].entry->flags & CONF_SSL_NEGOTIATE_CLIENT_CERT) ?
		    "enable" : "disable");
		for (c = 0; c < CC_NCLIENTS; c++)
			fprintf(out, "  %-27s %s%s\n", cc_client_names[c], p[i].c[c].outcome,
			    p[i].c[c].error ? "  <- client error" : "");
		if (p[i].fix[0] != '\0')
			fprintf(out, "  fix: %s\n", p[i].fix);
	}
}

/* The problem lines of the client-certificate predictions, for check's list. */
static void
cc_problems(FILE *out, const struct cc_prediction *p, size_t n)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		for (c = 0; c < CC_NCLIENTS; c++)
			if (p[i].c[c].error)
				fprintf(out, "  %s %s%s: %s %s gets %s: %s\n", p[i].site->name, p[i].path,
				    p[i].family == AF_INET6 ? " (IPv6)" : p[i].family == AF_INET ?
				    " (IPv4)" : "", cc_client_articles[c], cc_client_names[c],
				    p[i].c[c].outcome, p[i].c[c].why);
	}
}

static size_t
cc_errors(const struct cc_prediction *p, size_t n)
{
	size_t i, e = 0;

	for (i = 0; i < n; i++)
		e += (size_t)p[i].errors;
	return e;
}

/* The client-certificate predictions of binding b and family (0: any) as a JSON array. */
static void
cc_json(FILE *out, const struct cc_prediction *p, size_t n, const struct binding *b,
    int family)
{
	char flags[128];
	size_t i;
	int c, first = 1;

	fputs(", \"client_certificates\": [", out);
	for (i = 0; i < n; i++) {
		if (p[i].b != b || (p[i].family != 0 && family != 0 && p[i].family != family))
			continue;
		fputs(first ? "{\"path\": " : ", {\"path\": ", out);
		first = 0;
		views_json_string(out, p[i].path);
		fputs(", \"ssl_flags\": ", out);
		views_json_string(out, conf_access_format(p[i].access, flags, sizeof(flags)));
		fputs(", \"location\": ", out);
		views_json_string(out, p[i].loc != NULL ? p[i].loc->name : NULL);
		fprintf(out, ", \"server_level\": %s", p[i].loc == NULL &&
		    p[i].site->ssl_flags_server ? "true" : "false");
		fputs(", \"sslcert\": ", out);
		views_json_string(out, p[i].entry->name);
		fprintf(out, ", \"clientcertnegotiation\": %s, \"clients\": [",
		    (p[i].entry->flags & CONF_SSL_NEGOTIATE_CLIENT_CERT) ? "true" : "false");
		for (c = 0; c < CC_NCLIENTS; c++) {
			fputs(c > 0 ? ", {\"client\": " : "{\"client\": ", out);
			views_json_string(out, cc_client_names[c]);
			fputs(", \"action\": ", out);
			views_json_string(out, p[i].c[c].refused ? "refused" :
			    clientcert_action_name(p[i].c[c].last));
			fputs(", \"outcome\": ", out);
			views_json_string(out, p[i].c[c].outcome);
			fprintf(out, ", \"error\": %s, \"why\": ", p[i].c[c].error ? "true" : "false");
			views_json_string(out, p[i].c[c].why);
			fputs("}", out);
		}
		fputs("], \"fix\": ", out);
		views_json_string(out, p[i].fix[0] != '\0' ? p[i].fix : NULL);
		fputs("}", out);
	}
	fputs("]", out);
}

/* ---- check ---- */

struct prediction {
	const struct conf_site *site;
	const struct binding *b;
	char               binding[BINDING_HOST_MAX + 64];
	char               local[80];
	int                family;   /* the connection's: AF_INET or AF_INET6 */
	int                wildcard; /* a "*" binding: one of its two families */
	const char        *host;     /* the name a client asks for (name), NULL when blank */
	const char        *sni;      /* name, or NULL: the client sends none */
	char               name[BINDING_HOST_MAX]; /* the binding's host, or for a wildcard
	                                            * one a real name it covers */
	struct cert_choice choice;
	const struct cert *cert;     /* NULL: no certificate (handshake fails or unknown) */
	const char        *verdict;  /* certstore_verdict_name(), "n/a" or "unknown" */
	int                v;        /* the enum cert_verdict named; -1: "n/a" or "unknown" */
	char               why[768];
	int                error;    /* a client error: counts for the exit status */
};

/* ---- how to fix a verdict ---- */

/* How a new certificate gets to the entry that chose this one, after a blank: netsh's
 * command and the key here, or the CCS file to replace.  "" when no entry chose. */
static void
fix_rebind(const struct cert_choice *ch, char *buf, size_t len)
{
	const char *e = ch != NULL && ch->entry != NULL ? ch->entry->name : NULL;
	const char *kind = ch != NULL && ch->step == CERT_STEP_HOSTNAMEPORT ? "hostnameport" :
	    "ipport";

	if (e == NULL)
		snprintf(buf, len, "%s", "");
	else if (ch->step == CERT_STEP_CCS)
		snprintf(buf, len, " in the Central Certificate Store directory of [sslcert %s] "
		    "(replace %s)", e, ch->ccs_file);
	else
		snprintf(buf, len, " to %s %s (netsh http update sslcert %s=%s "
		    "certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate =, pfx = or "
		    "certhash = in [sslcert %s])", kind, e, kind, e, e);
}

const char *
views_verdict_fix(enum cert_verdict v, const struct cert_choice *ch, const char *host,
    int sni_sent, unsigned port, enum conf_mode mode, char *buf, size_t len)
{
	char to[2 * BINDING_HOST_MAX + 256], sni[2 * BINDING_HOST_MAX + 160];
	const char *h = host != NULL && *host != '\0' ? host : NULL;

	if (len == 0)
		return buf;
	fix_rebind(ch, to, sizeof(to));
	/* an SNI binding serves host alone, whatever the IP:Port's certificate is, but only
	 * to a client that names it */
	if (h != NULL && sni_sent)
		snprintf(sni, sizeof(sni), ", or add an SNI binding for %s (%snetsh http add "
		    "sslcert hostnameport=%s:%u certhash=<thumbprint> appid=<guid> "
		    "certstorename=MY; in sysbind.ini: [sslcert %s:%u])", h,
		    mode == CONF_MODE_IIS8 ? "" : "mode = iis8, then ", h, port, h, port);
	else
		sni[0] = '\0';
	switch (v) {
	case VERDICT_OK:
		snprintf(buf, len, "none needed: a client accepts this certificate");
		break;
	case VERDICT_NAME_MISMATCH:
		if (ch != NULL && ch->step == CERT_STEP_CCS)
			snprintf(buf, len, "put a certificate that names %s in the Central Certificate "
			    "Store directory of [sslcert %s] as %s.pfx (it served %s)",
			    h != NULL ? h : "the host", ch->entry->name, h != NULL ? h : "HOST",
			    ch->ccs_file);
		else if (ch != NULL && ch->step == CERT_STEP_HOSTNAMEPORT)
			snprintf(buf, len, "bind a certificate that names %s%s",
			    h != NULL ? h : "the host", to);
		else    /* an ipport certificate is every site's on that IP:Port */
			snprintf(buf, len, "bind a certificate that names %s and every other host "
			    "served there%s%s", h != NULL ? h : "the host", to, sni);
		break;
	case VERDICT_EXPIRED:
		snprintf(buf, len, "renew the certificate and bind the new one%s", to);
		break;
	case VERDICT_NOT_YET_VALID:
		snprintf(buf, len, "check this machine's and the client's clocks, or bind a "
		    "certificate valid now%s", to);
		break;
	case VERDICT_UNTRUSTED:
		chain_fix(ch != NULL ? ch->cert : NULL, v, buf, len);
		snprintf(buf + strlen(buf), len - strlen(buf), "%sbind a certificate issued by a CA "
		    "the clients trust%s, or make the clients trust its issuer (import the CA "
		    "certificate into the browser's or the system's authorities; curl --cacert "
		    "CA.pem)", buf[0] != '\0' ? "; or " : "", to);
		break;
	case VERDICT_INCOMPLETE_CHAIN:
	case VERDICT_STALE_INTERMEDIATE:
		chain_fix(ch != NULL ? ch->cert : NULL, v, buf, len);
		break;
	case VERDICT_NO_CERTIFICATE:
		snprintf(buf, len, "add a certificate binding for port %u: netsh http add sslcert "
		    "ipport=0.0.0.0:%u certhash=<thumbprint> appid=<guid> (in sysbind.ini: [sslcert "
		    "0.0.0.0:%u] with certificate =, pfx = or certhash =)%s", port, port, port,
		    mode == CONF_MODE_IIS8 ? sni : "");
		break;
	}
	return buf;
}

/*
 * The name a client sends for binding b: its host, or for an IIS 10 wildcard host
 * "*.example.com" a real name under it (no client sends "*."): "www.example.com", or the
 * first of a few others when that one is another binding's host or has its own exact
 * hostnameport entry, so the prediction is the wildcard's own.
 */
static void
client_name(const struct conf *cfg, const struct binding *b, char *buf, size_t len)
{
	static const char *const labels[] = { "www", "app", "a", "x1" };
	struct binding_addr addr = b->addr;
	struct sslcert_key k;
	struct route r;
	size_t i;

	snprintf(buf, len, "%s", b->host);
	if (!binding_host_is_wildcard(b->host))
		return;
	if (addr.family == AF_UNSPEC)
		addr.family = AF_INET;
	memset(&k, 0, sizeof(k));
	k.kind = SSLCERT_HOSTNAMEPORT;
	k.port = b->port;
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		snprintf(k.host, sizeof(k.host), "%s%s", labels[i], b->host + 1);
		if (conf_find_sslcert(cfg, &k) == NULL &&
		    binding_route(cfg, b->proto, &addr, b->port, k.host, 0, &r) == 0 &&
		    r.binding == b)
			break;
	}
	snprintf(buf, len, "%s%s", labels[i < sizeof(labels) / sizeof(labels[0]) ? i : 0],
	    b->host + 1);
}

static void
predict(const struct conf *cfg, const struct conf_site *s, const struct binding *b,
    int with_sni, int family, time_t now, struct prediction *p)
{
	struct binding_addr addr = b->addr;
	enum cert_verdict v;

	memset(p, 0, sizeof(*p));
	p->v = -1;
	p->site = s;
	p->b = b;
	binding_format(b, p->binding, sizeof(p->binding));
	if (addr.family == AF_UNSPEC) {
		/* "*" (All Unassigned): the listener's wildcard of this family */
		memset(&addr, 0, sizeof(addr));
		addr.family = family;
		p->wildcard = 1;
	}
	p->family = addr.family;
	binding_ipport_format(&addr, b->port, p->local, sizeof(p->local));
	client_name(cfg, b, p->name, sizeof(p->name));
	p->host = b->host[0] != '\0' ? p->name : NULL;
	p->sni = with_sni ? p->host : NULL;
	if (binding_resolve_cert(cfg, &addr, b->port, p->sni, &p->choice) == 0)
		p->cert = p->choice.cert;
	if (p->cert == NULL && p->choice.entry != NULL) {
		/* The entry is known, its certificate is not here: the IIS server has it. */
		const struct conf_sslcert *e = p->choice.entry;
		char tp[64];

		views_entry_thumbprint(e, tp, sizeof(tp));
		p->verdict = "unknown";
		snprintf(p->why, sizeof(p->why), "[sslcert %s] names certificate %s, not available "
		    "here (%.300s): the verdict needs it in cert_store; sysbind itself fails this "
		    "handshake until then", e->name, tp[0] != '\0' ? tp : "(none)",
		    e->unavailable != NULL ? e->unavailable : "not loaded");
		return;
	}
	if (p->cert == NULL) {
		v = certstore_verdict(NULL, p->host != NULL ? p->host : "", cfg->trust_store, now,
		    p->why, sizeof(p->why));
		snprintf(p->why, sizeof(p->why), "no certificate binding matches %s%s%s: "
		    "the handshake fails", p->local, p->sni != NULL ? " with SNI " : " without SNI",
		    p->sni != NULL ? p->sni : "");
		p->verdict = certstore_verdict_name(v);
		p->v = (int)v;
		p->error = 1;
		return;
	}
	if (p->host != NULL) {
		v = certstore_verdict(p->cert, p->host, cfg->trust_store, now, p->why,
		    sizeof(p->why));
		p->verdict = certstore_verdict_name(v);
		p->v = (int)v;
		p->error = v != VERDICT_OK;
	} else {
		/* No host to check the name against: "" makes certstore_verdict skip the name
		 * check, so only the dates and the chain count. */
		v = certstore_verdict(p->cert, "", cfg->trust_store, now, p->why, sizeof(p->why));
		if (v == VERDICT_OK) {
			char dates[sizeof(p->why)];

			memcpy(dates, p->why, sizeof(dates));
			p->verdict = "n/a";
			snprintf(p->why, sizeof(p->why), "the binding answers any host, so there is no "
			    "name to check; %.400s", dates);
		} else {
			p->verdict = certstore_verdict_name(v);
			p->v = (int)v;
			p->error = 1;
		}
	}
	if (p->cert->key == NULL) {
		size_t n = strlen(p->why);

		snprintf(p->why + n, sizeof(p->why) - n, "%s(the certificate is here without its "
		    "private key: predicted as the IIS server serves it; sysbind itself cannot)",
		    n > 0 ? " " : "");
	}
}

/*
 * Every prediction of cfg, in site and binding order; for each binding with SNI (when it
 * has a host) then without, and for a "*" binding each for IPv4 then IPv6, as the daemon
 * listens on both.  Returns 0 or -1 (no memory).
 */
static int
predict_all(const struct conf *cfg, time_t now, struct prediction **out, size_t *n)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	size_t i, j, cap = 0;
	struct prediction *p;
	int f, nf, with;

	*out = NULL;
	*n = 0;
	for (i = 0; i < cfg->nsites; i++)
		cap += cfg->sites[i].nbindings * 4;
	if (cap == 0)
		return 0;
	if ((p = calloc(cap, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];

		for (j = 0; j < s->nbindings; j++) {
			const struct binding *b = &s->bindings[j];

			if (b->proto != BINDING_HTTPS)
				continue;
			nf = b->addr.family == AF_UNSPEC ? 2 : 1;
			for (with = b->host[0] != '\0'; with >= 0; with--)
				for (f = 0; f < nf; f++)
					predict(cfg, s, b, with, nf == 2 ? families[f] : b->addr.family,
					    now, &p[(*n)++]);
		}
	}
	*out = p;
	return 0;
}

/*
 * IIS 10's redirectHttpToHttps drops the port (iis-docs: "ignores the port component"):
 * each http binding of a site with hsts_redirect_http sends its clients to https on 443.
 * The trap: the site has no https binding there for that host.  Calls fn for each such
 * binding (url: "http://host:8080/", to: "https://host/", ports: the site's https ports,
 * "none" when it has none); returns how many.
 */
static size_t
hsts_traps(const struct conf *cfg, void (*fn)(void *, const struct conf_site *,
    const struct binding *, const char *, const char *, const char *), void *arg)
{
	size_t i, j, k, n = 0;

	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];

		if (!s->hsts_redirect_http || s->stopped)
			continue;
		for (j = 0; j < s->nbindings; j++) {
			const struct binding *b = &s->bindings[j];
			char url[BINDING_HOST_MAX + 32], to[BINDING_HOST_MAX + 16], ports[128];
			const char *host = b->host[0] != '\0' ? b->host : "HOST";
			int ok = 0;
			size_t at = 0;

			if (b->proto != BINDING_HTTP)
				continue;
			ports[0] = '\0';
			for (k = 0; k < s->nbindings; k++) {
				const struct binding *h = &s->bindings[k];

				if (h->proto != BINDING_HTTPS)
					continue;
				if (h->port == 443 && (h->host[0] == '\0' || b->host[0] == '\0' ||
				    strcasecmp(h->host, b->host) == 0))
					ok = 1;
				if (at < sizeof(ports)) {
					int w = snprintf(ports + at, sizeof(ports) - at, "%s%u", at ? ", " :
					    "", h->port);

					at += w > 0 ? (size_t)w : 0;
				}
			}
			if (ok)
				continue;
			if (b->port == 80)
				snprintf(url, sizeof(url), "http://%s/", host);
			else
				snprintf(url, sizeof(url), "http://%s:%u/", host, b->port);
			snprintf(to, sizeof(to), "https://%s/", host);
			n++;
			if (fn != NULL)
				fn(arg, s, b, url, to, ports[0] ? ports : "none");
		}
	}
	return n;
}

static void
hsts_trap_line(void *arg, const struct conf_site *s, const struct binding *b,
    const char *url, const char *to, const char *ports)
{
	FILE *out = arg;
	char bt[BINDING_HOST_MAX + 64];

	binding_format(b, bt, sizeof(bt));
	fprintf(out, "  %s (%s): hsts_redirect_http: %s is redirected to %s (port 443), where "
	    "this site has no binding (its https port%s: %s)\n", s->name, bt, url, to,
	    strchr(ports, ',') != NULL ? "s" : "", ports);
}

struct hsts_json_arg {
	FILE  *out;
	size_t n;
};

static void
hsts_trap_json(void *arg, const struct conf_site *s, const struct binding *b,
    const char *url, const char *to, const char *ports)
{
	struct hsts_json_arg *a = arg;
	char bt[BINDING_HOST_MAX + 64], why[BINDING_HOST_MAX * 2 + 200];

	binding_format(b, bt, sizeof(bt));
	snprintf(why, sizeof(why), "%s is redirected to %s (port 443), where this site has no "
	    "binding (its https ports: %s)", url, to, ports);
	fputs(a->n++ > 0 ? ",\n  {" : "\n  {", a->out);
	fputs("\"site\": ", a->out);
	views_json_string(a->out, s->name);
	fprintf(a->out, ", \"site_id\": %ld, \"binding\": ", s->id);
	views_json_string(a->out, bt);
	fputs(", \"redirect\": ", a->out);
	views_json_string(a->out, to);
	fputs(", \"verdict\": \"redirect-no-binding\", \"why\": ", a->out);
	views_json_string(a->out, why);
	fputs("}", a->out);
}

/*
 * The certificates served that expire within VIEWS_CERTS_SOON_DAYS: one warning line each
 * (a certificate several predictions get, once), under "warnings:".  A warning: check's
 * exit status does not change.
 */
static void
check_soon(FILE *out, const struct prediction *p, size_t n, time_t now)
{
	char line[1024];
	size_t i, k;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (views_certs_soon_warning(p[i].cert, now, line, sizeof(line)) == NULL)
			continue;
		for (k = 0; k < i && p[k].cert != p[i].cert; k++)
			;
		if (k < i)
			continue;
		fprintf(out, "%s  %s\n", any ? "" : "warnings:\n", line);
		any = 1;
	}
}

static void
check_json(FILE *out, const struct conf *cfg, const struct prediction *p, size_t n,
    const struct cc_prediction *cc, size_t ncc, time_t now)
{
	struct hsts_json_arg ha = { out, n };

	size_t i;
	char fix[1024];

	fputs("[", out);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		fputs("\"site\": ", out);
		views_json_string(out, p[i].site->name);
		fprintf(out, ", \"site_id\": %ld, \"binding\": ", p[i].site->id);
		views_json_string(out, p[i].binding);
		fputs(", \"local\": ", out);
		views_json_string(out, p[i].local);
		fputs(", \"sni\": ", out);
		views_json_string(out, p[i].sni);
		fputs(", \"certificate\": ", out);
		views_json_cert(out, p[i].cert, &p[i].choice);
		fputs(", \"verdict\": ", out);
		views_json_string(out, p[i].verdict);
		fputs(", \"why\": ", out);
		views_json_string(out, p[i].why);
		fputs(", \"fix\": ", out);
		if (p[i].v == (int)VERDICT_OK && cfg->trust_store == NULL)
			views_json_string(out, "none needed for the name and dates; the chain was not "
			    "checked ([server] trust is unset)");
		else
			views_json_string(out, p[i].v >= 0 ?
			    views_verdict_fix((enum cert_verdict)p[i].v, &p[i].choice, p[i].host,
			    p[i].sni != NULL, p[i].b->port, cfg->mode, fix, sizeof(fix)) : NULL);
		views_chain_json(out, p[i].cert, (enum cert_verdict)p[i].v,
		    cfg->trust_store != NULL);
		/* a certificate expiring within VIEWS_CERTS_SOON_DAYS: a warning, not a verdict */
		if (views_certs_soon_warning(p[i].cert, now, fix, sizeof(fix)) != NULL) {
			fputs(", \"warning\": ", out);
			views_json_string(out, fix);
		}
		/* what a browser meets (it sends the binding's host as SNI) on a site that asks
		 * for client certificates */
		if (cc_site_asks(cfg, p[i].site) && p[i].sni == p[i].host)
			cc_json(out, cc, ncc, p[i].b, p[i].family);
		fputs("}", out);
	}
	(void)hsts_traps(cfg, hsts_trap_json, &ha);
	fputs(ha.n > 0 ? "\n]\n" : "]\n", out);
}

/* One line of the table: a prediction, or two (IPv4 and IPv6 of a "*" binding) that
 * came out the same. */
struct check_row {
	const struct prediction *p;
	const char              *family;   /* "", " (IPv4)" or " (IPv6)" */
	char                     selected_by[2 * sizeof(((struct cert_choice *)0)->selected_by) + 8];
	int                      twin_done;
};

static void
client_label(const struct check_row *r, char *buf, size_t len)
{
	if (r->p->sni != NULL && binding_host_is_wildcard(r->p->b->host))
		snprintf(buf, len, "with SNI %s (for %s)%s", r->p->sni, r->p->b->host, r->family);
	else if (r->p->sni != NULL)
		snprintf(buf, len, "with SNI %s%s", r->p->sni, r->family);
	else
		snprintf(buf, len, "without SNI%s", r->family);
}

/* The certificate column: the name a person knows it by, or why there is none. */
static void
cert_label(const struct prediction *p, char *buf, size_t len)
{
	if (p->cert != NULL)
		snprintf(buf, len, "%s%s", views_cert_name(p->cert), p->cert->key == NULL ?
		    " (no key here)" : "");
	else if (p->choice.entry != NULL)
		snprintf(buf, len, "(not available)");
	else
		snprintf(buf, len, "(none)");
}

static size_t
max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Two predictions a client would not tell apart: the same certificate (or the same
 * entry without one) and verdict, whichever entry chose it. */
static int
same_outcome(const struct prediction *a, const struct prediction *b)
{
	if (strcmp(a->verdict, b->verdict) != 0)
		return 0;
	if (a->cert == NULL || b->cert == NULL)
		return a->cert == b->cert && a->choice.entry == b->choice.entry;
	return strcmp(a->cert->thumbprint, b->cert->thumbprint) == 0;
}

/* The problem line for row r (and its twin q, the same binding and family without SNI,
 * when both got the same certificate and verdict). */
static void
check_problem(FILE *out, const struct check_row *r, const struct check_row *q,
    enum conf_mode mode)
{
	char fix[1024];
	const struct prediction *p = r->p;
	const char *who = p->host != NULL ? p->host : "any host";
	const char *how = q != NULL ? "with and without SNI" :
	    p->sni != NULL ? "with SNI" : "without SNI";
	const char *fam = strcmp(r->family, " (IPv4)") == 0 ? " over IPv4" :
	    strcmp(r->family, " (IPv6)") == 0 ? " over IPv6" : "";

	fprintf(out, "  %s (%s): ", p->site->name, p->binding);
	if (p->cert == NULL)
		fprintf(out, "%s %s%s gets no certificate: the handshake fails (%s)\n", who, how, fam,
		    p->verdict);
	else
		fprintf(out, "%s %s%s is served %s's certificate (%s): %s: %s\n", who, how, fam,
		    views_cert_name(p->cert), r->selected_by, p->verdict, p->why);
	if (p->v >= 0)
		fprintf(out, "    fix: %s\n", views_verdict_fix((enum cert_verdict)p->v, &p->choice,
		    p->host, p->sni != NULL, p->b->port, mode, fix, sizeof(fix)));
	if (p->v >= 0)
		views_chain_print(out, "    ", p->cert, (enum cert_verdict)p->v, 1);
}

/* Without [server] trust an ok checked the names and dates only: say so once, and name for
 * each certificate (once) whose served path stops at an issuer found nowhere that issuer,
 * as explain's "chain sent" does: a client without it among its roots fails. */
static void
check_unchecked(FILE *out, const struct conf *cfg, const struct check_row *r, size_t nrows)
{
	size_t i, k, nok = 0;

	if (cfg->trust_store != NULL)
		return;
	for (i = 0; i < nrows; i++)
		nok += r[i].p->cert != NULL && r[i].p->v == (int)VERDICT_OK;
	if (nok == 0)
		return;
	fputs("chains not checked ([server] trust is unset): ok means the names and dates are "
	    "right; whether a client accepts a chain depends on its own trusted roots\n", out);
	for (i = 0; i < nrows; i++) {
		const struct cert *c = r[i].p->cert;

		if (r[i].p->v != (int)VERDICT_OK || !views_chain_unfound(c))
			continue;
		for (k = 0; k < i && r[k].p->cert != c; k++)
			;
		if (k < i && r[k].p->v == (int)VERDICT_OK)
			continue;   /* told already */
		fprintf(out, "  %s: the chain sent stops at %s, not found: a client without it among "
		    "its trusted roots fails (curl: (60) SSL certificate problem: unable to get "
		    "local issuer certificate)\n", views_cert_name(c), c->built->missing);
	}
}

/* The rows of the table: the two families of a "*" binding merged when they agree. */
static struct check_row *
check_rows(const struct prediction *p, size_t n, size_t *nrows)
{
	struct check_row *r = calloc(n + 1, sizeof(*r));
	size_t i, k = 0;

	if (r == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		r[k].p = &p[i];
		r[k].family = "";
		snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s", p[i].choice.selected_by);
		if (p[i].wildcard && i + 1 < n && p[i + 1].wildcard && p[i + 1].b == p[i].b &&
		    (p[i + 1].sni == NULL) == (p[i].sni == NULL)) {
			if (same_outcome(&p[i], &p[i + 1])) {
				const char *a = p[i].choice.selected_by, *b = p[i + 1].choice.selected_by;
				size_t w = strcspn(a, " ");

				/* "ipport 0.0.0.0:443 and [::]:443" when two entries agree */
				if (strcmp(a, b) != 0 && strncmp(a, b, w + 1) == 0)
					snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s and %s", a,
					    b + w + 1);
				else if (strcmp(a, b) != 0)
					snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s and %s", a, b);
				i++;
			} else {
				r[k].family = " (IPv4)";
				k++;
				r[k].p = &p[++i];
				r[k].family = " (IPv6)";
				snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s",
				    p[i].choice.selected_by);
			}
		}
		k++;
	}
	*nrows = k;
	return r;
}

/* The application pools set away from IIS's defaults, each once (its sites agree:
 * conf_check_pools), in order of their first site. */
static void
check_pools(FILE *out, const struct conf *cfg)
{
	size_t *of = NULL, npools = 0, i, next = 0;
	int head = 0;
	char line[1024];

	if (cfg->nsites == 0 || (of = calloc(cfg->nsites, sizeof(*of))) == NULL ||
	    apppool_group(cfg, of, &npools) != 0) {
		free(of);
		return;
	}
	for (i = 0; i < cfg->nsites; i++) {
		if (of[i] != next)
			continue;
		next++;
		if (!views_pool_custom(&cfg->sites[i]))
			continue;
		if (!head++)
			fputs("application pools set away from IIS's defaults:\n", out);
		fprintf(out, "  %s\n", views_pool_story(&cfg->sites[i], line, sizeof(line)));
	}
	free(of);
}

static void
check_table(FILE *out, const struct conf *cfg, const struct prediction *p, size_t n,
    const struct cc_prediction *cc, size_t ncc, const struct binding_share *sh, size_t nsh,
    time_t now)
{
	static const char *const order[] = { "ok", "n/a", "name-mismatch", "expired",
	    "not-yet-valid", "untrusted", "incomplete-chain", "stale-intermediate",
	    "no-certificate", "unknown" };
	size_t i, k, nrows = 0, nerr = 0, wc = strlen("client"), wn = strlen("certificate");
	size_t ws = strlen("selected by");
	char c[BINDING_HOST_MAX + 32], cl[600];
	struct check_row *r;
	const char *sep;

	fprintf(out, "mode %s: %s\n\n", conf_mode_name(cfg->mode), views_mode_story(cfg));
	if (n == 0) {
		fputs("0 predictions: no https bindings\n", out);
		check_pools(out, cfg);
		if (hsts_traps(cfg, NULL, NULL) > 0) {
			fputs("client errors:\n", out);
			(void)hsts_traps(cfg, hsts_trap_line, out);
		}
		return;
	}
	if ((r = check_rows(p, n, &nrows)) == NULL) {
		fputs("out of memory\n", out);
		return;
	}
	for (i = 0; i < nrows; i++) {
		client_label(&r[i], c, sizeof(c));
		cert_label(r[i].p, cl, sizeof(cl));
		wc = max_size(wc, strlen(c));
		wn = max_size(wn, strlen(cl));
		ws = max_size(ws, strlen(r[i].selected_by));
	}
	fprintf(out, "  %-*s  %-*s  %-*s  %s\n", (int)wc, "client", (int)wn, "certificate",
	    (int)ws, "selected by", "verdict");
	for (i = 0; i < nrows; i++) {
		const struct prediction *q = r[i].p;

		if ((i == 0 || q->b != r[i - 1].p->b) && q->wildcard)
			fprintf(out, "%s (id:%ld) %s on 0.0.0.0:%u and [::]:%u%s\n", q->site->name,
			    q->site->id, q->binding, q->b->port, q->b->port,
			    q->site->stopped ? " (site stopped)" : "");
		else if (i == 0 || q->b != r[i - 1].p->b)
			fprintf(out, "%s (id:%ld) %s on %s%s\n", q->site->name, q->site->id,
			    q->binding, q->local, q->site->stopped ? " (site stopped)" : "");
		client_label(&r[i], c, sizeof(c));
		cert_label(q, cl, sizeof(cl));
		fprintf(out, "  %-*s  %-*s  %-*s  %s", (int)wc, c, (int)wn, cl, (int)ws,
		    r[i].selected_by, q->verdict);
		if (strcmp(q->verdict, "n/a") == 0)
			fputs(" (any host)", out);
		else if (strcmp(q->verdict, "ok") != 0)
			fprintf(out, " (%s)", q->why);
		fputs("\n", out);
		nerr += q->error;
	}
	fprintf(out, "\n%zu prediction%s", nrows, nrows == 1 ? "" : "s");
	sep = ": ";
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		size_t cnt = 0;

		for (i = 0; i < nrows; i++)
			cnt += strcmp(r[i].p->verdict, order[k]) == 0;
		if (cnt == 0)
			continue;
		fprintf(out, "%s%zu %s%s", sep, cnt, order[k],
		    strcmp(order[k], "n/a") == 0 ? " (any host)" :
		    strcmp(order[k], "unknown") == 0 ? " (certificate not available)" : "");
		sep = ", ";
	}
	fputs("\n", out);
	check_unchecked(out, cfg, r, nrows);
	check_soon(out, p, n, now);
	for (i = 0; i < nrows; i++)
		if (r[i].p->sni != NULL && binding_host_is_wildcard(r[i].p->b->host) &&
		    (i == 0 || r[i - 1].p->b != r[i].p->b))
			fprintf(out, "%s stands for %s (IIS 10 wildcard host): a client sends a real "
			    "name, never \"*.\"\n", r[i].p->sni, r[i].p->b->host);
	for (i = 0; i < nsh; i++)
		views_share_note(&sh[i], VIEWS_SHARE_CHECK, NULL, now, out);
	cc_table(out, cc, ncc);
	check_pools(out, cfg);
	if (nerr > 0 || cc_errors(cc, ncc) > 0 || hsts_traps(cfg, NULL, NULL) > 0) {
		fprintf(out, "client errors:\n");
		(void)hsts_traps(cfg, hsts_trap_line, out);
		for (i = 0; i < nrows; i++) {
			const struct check_row *q = NULL;

			if (!r[i].p->error || r[i].twin_done)
				continue;
			/* The row without SNI of the same binding and family, when it tells the same
			 * story. */
			for (k = i + 1; r[i].p->sni != NULL && k < nrows && r[k].p->b == r[i].p->b; k++) {
				if (r[k].p->sni == NULL && strcmp(r[k].family, r[i].family) == 0 &&
				    r[k].p->cert == r[i].p->cert &&
				    strcmp(r[k].p->verdict, r[i].p->verdict) == 0) {
					q = &r[k];
					r[k].twin_done = 1;
					break;
				}
			}
			check_problem(out, &r[i], q, cfg->mode);
		}
		cc_problems(out, cc, ncc);
	}
	free(r);
}

int
views_check(const struct conf *cfg, time_t now, int json, FILE *out)
{
	struct prediction *p;
	struct cc_prediction *cc;
	struct binding_share *sh = NULL;
	size_t n, ncc, i, nsh = 0;
	int nerr = 0;

	if (predict_all(cfg, now, &p, &n) == -1)
		return -1;
	if (cc_predict_all(cfg, &cc, &ncc) == -1) {
		free(p);
		return -1;
	}
	if (!json && binding_shares(cfg, &sh, &nsh) == -1) {
		free(p);
		free(cc);
		return -1;
	}
	if (json)
		check_json(out, cfg, p, n, cc, ncc, now);
	else
		check_table(out, cfg, p, n, cc, ncc, sh, nsh, now);
	binding_shares_free(sh, nsh);
	for (i = 0; i < n; i++)
		nerr += p[i].error;
	nerr += (int)cc_errors(cc, ncc);
	nerr += (int)hsts_traps(cfg, NULL, NULL);
	free(p);
	free(cc);
	return ferror(out) ? -1 : nerr;
}
