/*
 * viewscerts — `sysbind show certs`, the certificate inventory (viewscerts.h says what it
 * lists and which problems it names).  The inventory is built in three passes over a
 * loaded configuration: the sources (inv_sources: one function per place a certificate
 * comes from, in the order the listing names them), the uses (every https binding's
 * clients, through binding_choose_cert), the problems (inv_judge); then it is sorted and
 * written as text or JSON.  The chain a certificate is sent with comes from one function,
 * chain_sent.  It owns nothing of the configuration; what it loads itself (the CA files
 * of sslctlstorename directories) it frees with the inventory (inv_free).
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "iis/viewscerts.h"
#include "iis/views_int.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/chain.h"
#include "model/conf.h"

/* ---- the model ---- */

enum inv_problem {
	P_EXPIRED, P_NOT_YET_VALID, P_NAME_MISMATCH, P_NO_KEY, P_KEY_MISMATCH, P_NOT_AVAILABLE,
	P_EXPIRES_SOON, P_SELF_SIGNED, P_MISSING_INTERMEDIATE, P_UNUSED, P_NKINDS
};

/* Each problem's name (in the text and the JSON) and whether it is an error. */
static const struct {
	const char *name;
	int         error;
} inv_problems[P_NKINDS] = {
	[P_EXPIRED]              = { "expired", 1 },
	[P_NOT_YET_VALID]        = { "not-yet-valid", 1 },
	[P_NAME_MISMATCH]        = { "name-mismatch", 1 },
	[P_NO_KEY]               = { "no-private-key", 1 },
	[P_KEY_MISMATCH]         = { "key-mismatch", 1 },
	[P_NOT_AVAILABLE]        = { "not-available", 1 },
	[P_EXPIRES_SOON]         = { "expires-soon", 0 },
	[P_SELF_SIGNED]          = { "self-signed", 0 },
	[P_MISSING_INTERMEDIATE] = { "missing-intermediate", 0 },
	[P_UNUSED]               = { "unused", 0 },
};

/* What a certificate is to the configuration (a certificate may be several). */
enum inv_role { ROLE_SERVED = 1, ROLE_TRUST = 2, ROLE_CLIENT_CA = 4, ROLE_INTERMEDIATE = 8 };

static const struct {
	unsigned    bit;
	const char *name;
} inv_roles[] = {
	{ ROLE_SERVED, "served" }, { ROLE_TRUST, "trust" }, { ROLE_CLIENT_CA, "client-ca" },
	{ ROLE_INTERMEDIATE, "intermediate" },
};

/* A binding whose clients get the certificate. */
struct inv_binding {
	const struct conf_site *site;
	const struct binding   *b;
	unsigned                how;   /* 1: with SNI (the binding's host), 2: without */
};

/* One certificate of the inventory. */
struct inv_item {
	X509                      *x;        /* a reference of our own, NULL: not available */
	const struct cert         *cert;     /* served: the loaded one (chain, key); else NULL */
	const struct conf_sslcert *missing;  /* not available: the first entry naming it */
	char                       thumbprint[41];
	char                       serial[96];
	char                       subject[512], issuer[512];
	char                     **sans;     /* "DNS:x", "IP:1.2.3.4" (owned) */
	size_t                     nsans;
	time_t                     not_before, not_after;
	char                      *file;     /* where it was read (owned), or NULL */
	unsigned                   roles;
	const struct conf_sslcert **entries; /* the [sslcert] entries naming it (owned array) */
	size_t                     nentries;
	char                     **lists;    /* "[server] trust", "[sslcert X] sslctlstorename" */
	size_t                     nlists;
	struct inv_binding        *bindings;
	size_t                     nbindings;
	char                      *why[P_NKINDS];  /* each problem's sentence, NULL: none */
	int                        errors, warnings;
};

struct inv {
	const struct conf *cfg;
	time_t             now;
	struct inv_item   *items;
	size_t             n, cap;
	struct cert      **loaded;   /* certificates loaded here (sslctlstorename CAs) */
	size_t             nloaded;
	int                nomem;
};

static void
inv_free(struct inv *v)
{
	size_t i, k;

	for (i = 0; i < v->n; i++) {
		struct inv_item *it = &v->items[i];

		X509_free(it->x);
		for (k = 0; k < it->nsans; k++)
			free(it->sans[k]);
		free(it->sans);
		free(it->file);
		free(it->entries);
		for (k = 0; k < it->nlists; k++)
			free(it->lists[k]);
		free(it->lists);
		free(it->bindings);
		for (k = 0; k < P_NKINDS; k++)
			free(it->why[k]);
	}
	free(v->items);
	for (i = 0; i < v->nloaded; i++)
		certstore_cert_free(v->loaded[i]);
	free(v->loaded);
	memset(v, 0, sizeof(*v));
}

/* Grow *arr (n elements of size sz) by one zeroed element; NULL (and v->nomem) when out
 * of memory. */
static void *
inv_grow(struct inv *v, void **arr, size_t *n, size_t sz)
{
	char *p = realloc(*arr, (*n + 1) * sz);

	if (p == NULL) {
		v->nomem = 1;
		return NULL;
	}
	memset(p + *n * sz, 0, sz);
	*arr = p;
	return p + (*n)++ * sz;
}

/* ---- facts ---- */

static time_t
asn1_seconds(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return (time_t)-1;
	return timegm(&tm);
}

static void
utc_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "?");
}

static void
iso_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* The SHA-1 of x's DER, lowercase hex, as netsh prints certhash. */
static void
thumbprint_of(X509 *x, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	buf[0] = '\0';
	if (X509_digest(x, EVP_sha1(), md, &n) != 1)
		return;
	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, len - 2 * i, "%02x", md[i]);
}

/* The subjectAltNames of x a client matches: "DNS:name" and "IP:address". */
static int
sans_of(struct inv *v, struct inv_item *it)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(it->x, NID_subject_alt_name, NULL, NULL);
	int i, rc = 0;

	for (i = 0; g != NULL && i < sk_GENERAL_NAME_num(g); i++) {
		const GENERAL_NAME *n = sk_GENERAL_NAME_value(g, i);
		char text[300], ip[64];
		char **slot;

		if (n->type == GEN_DNS)
			snprintf(text, sizeof(text), "DNS:%.*s", ASN1_STRING_length(n->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(n->d.dNSName));
		else if (n->type == GEN_IPADD && ASN1_STRING_length(n->d.iPAddress) == 4) {
			const unsigned char *a = ASN1_STRING_get0_data(n->d.iPAddress);

			snprintf(text, sizeof(text), "IP:%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		} else if (n->type == GEN_IPADD && ASN1_STRING_length(n->d.iPAddress) == 16) {
			struct binding_addr b = { .family = AF_INET6 };

			memcpy(b.ip, ASN1_STRING_get0_data(n->d.iPAddress), 16);
			binding_addr_format(&b, ip, sizeof(ip));
			snprintf(text, sizeof(text), "IP:%s", ip);
		} else
			continue;
		if ((slot = inv_grow(v, (void **)&it->sans, &it->nsans, sizeof(*slot))) == NULL ||
		    (*slot = strdup(text)) == NULL) {
			v->nomem = 1;
			rc = -1;
			break;
		}
	}
	GENERAL_NAMES_free(g);
	return rc;
}

/* x's serial number in lowercase hex, as Envoy's /certs shows it. */
static void
serial_of(X509 *x, char *buf, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL, *p;

	snprintf(buf, len, "%s", hex != NULL ? hex : "?");
	for (p = buf; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	OPENSSL_free(hex);
	BN_free(bn);
}

/*
 * The item for certificate x (its thumbprint), added when it is new, with its facts.
 * Returns it, or NULL when memory ran out.
 */
static struct inv_item *
inv_add(struct inv *v, X509 *x, const char *file)
{
	char tp[41];
	struct inv_item *it;
	size_t i;

	thumbprint_of(x, tp, sizeof(tp));
	for (i = 0; i < v->n; i++)
		if (v->items[i].x != NULL && strcmp(v->items[i].thumbprint, tp) == 0)
			return &v->items[i];
	if ((it = inv_grow(v, (void **)&v->items, &v->n, sizeof(*it))) == NULL)
		return NULL;
	X509_up_ref(x);
	it->x = x;
	memcpy(it->thumbprint, tp, sizeof(tp));
	certstore_name_format(X509_get_subject_name(x), it->subject, sizeof(it->subject));
	certstore_name_format(X509_get_issuer_name(x), it->issuer, sizeof(it->issuer));
	serial_of(x, it->serial, sizeof(it->serial));
	it->not_before = asn1_seconds(X509_get0_notBefore(x));
	it->not_after = asn1_seconds(X509_get0_notAfter(x));
	if (file != NULL && (it->file = strdup(file)) == NULL)
		v->nomem = 1;
	(void)sans_of(v, it);
	return v->nomem ? NULL : it;
}

static void
inv_add_entry(struct inv *v, struct inv_item *it, const struct conf_sslcert *e)
{
	const struct conf_sslcert **slot;
	size_t i;

	for (i = 0; i < it->nentries; i++)
		if (it->entries[i] == e)
			return;
	if ((slot = inv_grow(v, (void **)&it->entries, &it->nentries, sizeof(*slot))) != NULL)
		*slot = e;
}

static void
inv_add_list(struct inv *v, struct inv_item *it, const char *what)
{
	char **slot;
	size_t i;

	for (i = 0; i < it->nlists; i++)
		if (strcmp(it->lists[i], what) == 0)
			return;
	if ((slot = inv_grow(v, (void **)&it->lists, &it->nlists, sizeof(*slot))) != NULL &&
	    (*slot = strdup(what)) == NULL)
		v->nomem = 1;
}

/* Say problem k of it (the first sentence stays: later ones add to it). */
static void
inv_problem(struct inv *v, struct inv_item *it, enum inv_problem k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
inv_problem(struct inv *v, struct inv_item *it, enum inv_problem k, const char *fmt, ...)
{
	char text[1024], *joined;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (it->why[k] == NULL) {
		if ((it->why[k] = strdup(text)) == NULL)
			v->nomem = 1;
		return;
	}
	if ((joined = malloc(strlen(it->why[k]) + strlen(text) + 3)) == NULL) {
		v->nomem = 1;
		return;
	}
	sprintf(joined, "%s; %s", it->why[k], text);
	free(it->why[k]);
	it->why[k] = joined;
}

/*
 * The chain a handshake choosing c sends, after the leaf, in order: the one the
 * configuration's load built (model/chain.c: through intermediate_store as Windows
 * builds it, or the file's own with served_chain = file).  The one place the listing asks.
 */
static STACK_OF(X509) *
chain_sent(const struct conf *cfg, const struct cert *c)
{
	(void)cfg;
	return c->chain;
}

/* ---- the sources ---- */

/* A served certificate of entry e: c (may lack its key), or none at all. */
static void
source_served(struct inv *v, const struct conf_sslcert *e, const struct cert *c)
{
	struct inv_item *it;
	size_t i;

	if (c != NULL) {
		if ((it = inv_add(v, c->x509, c->path)) == NULL)
			return;
		if (it->cert == NULL || (it->cert->key == NULL && c->key != NULL))
			it->cert = c;
	} else {
		char tp[64];

		/* known by the thumbprint the entry names; several entries naming one
		 * missing thumbprint are one item */
		views_entry_thumbprint(e, tp, sizeof(tp));
		for (it = NULL, i = 0; i < v->n && tp[0] != '\0'; i++)
			if (v->items[i].x == NULL && strcmp(v->items[i].thumbprint, tp) == 0)
				it = &v->items[i];
		if (it == NULL && (it = inv_grow(v, (void **)&v->items, &v->n,
		    sizeof(*it))) == NULL)
			return;
		snprintf(it->thumbprint, sizeof(it->thumbprint), "%.40s", tp);
		if (it->missing == NULL)
			it->missing = e;
	}
	it->roles |= ROLE_SERVED;
	inv_add_entry(v, it, e);
}

/* Every [sslcert] entry's certificate: a file, a PFX, a thumbprint, or each of a CCS. */
static void
source_entries(struct inv *v)
{
	const struct conf *cfg = v->cfg;
	size_t i, k;

	for (i = 0; i < cfg->nsslcerts && !v->nomem; i++) {
		const struct conf_sslcert *e = &cfg->sslcerts[i];

		if (e->key.kind == SSLCERT_CCS) {
			for (k = 0; e->ccs != NULL && k < certstore_ccs_count(e->ccs); k++)
				source_served(v, e, certstore_ccs_cert(e->ccs, k));
			continue;
		}
		if (e->cert != NULL || e->certificate != NULL || e->pfx != NULL ||
		    e->certhash != NULL)
			source_served(v, e, e->cert);
	}
}

/* The roots and CAs of [server] trust. */
static void
source_trust(struct inv *v)
{
	STACK_OF(X509_OBJECT) *objs;
	char what[600];
	int i;

	if (v->cfg->trust_store == NULL)
		return;
	objs = X509_STORE_get0_objects(v->cfg->trust_store);
	snprintf(what, sizeof(what), "[server] trust");
	for (i = 0; i < sk_X509_OBJECT_num(objs) && !v->nomem; i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		struct inv_item *it;

		if (x == NULL || (it = inv_add(v, x, v->cfg->trust)) == NULL)
			continue;
		it->roles |= ROLE_TRUST;
		inv_add_list(v, it, what);
	}
}

static int
ca_file(const struct dirent *d)
{
	static const char *const exts[] = { ".pem", ".crt", ".cer", ".der" };
	size_t n = strlen(d->d_name), k;

	for (k = 0; k < sizeof(exts) / sizeof(exts[0]); k++)
		if (n > 4 && strcasecmp(d->d_name + n - 4, exts[k]) == 0)
			return 1;
	return 0;
}

/* The CAs of each entry's sslctlstorename directory (the CertificateRequest's list). */
static void
source_client_cas(struct inv *v)
{
	size_t i;
	int n, j, k;

	for (i = 0; i < v->cfg->nsslcerts && !v->nomem; i++) {
		const struct conf_sslcert *e = &v->cfg->sslcerts[i];
		struct dirent **names = NULL;
		char what[600];

		if (e->sslctlstore == NULL || e->ctl_names == NULL ||
		    (n = scandir(e->sslctlstore, &names, ca_file, alphasort)) < 0)
			continue;
		snprintf(what, sizeof(what), "[sslcert %s] sslctlstorename", e->name);
		for (j = 0; j < n; j++) {
			char path[4096], err[512];
			struct cert *c, **slot;
			struct inv_item *it;

			snprintf(path, sizeof(path), "%s/%s", e->sslctlstore, names[j]->d_name);
			free(names[j]);
			if (v->nomem || (c = certstore_load_public(path, err, sizeof(err))) == NULL)
				continue;
			if ((slot = inv_grow(v, (void **)&v->loaded, &v->nloaded,
			    sizeof(*slot))) == NULL) {
				certstore_cert_free(c);
				continue;
			}
			*slot = c;
			for (k = -1; k < sk_X509_num(c->chain) && !v->nomem; k++) {
				X509 *x = k < 0 ? c->x509 : sk_X509_value(c->chain, k);

				if ((it = inv_add(v, x, path)) == NULL)
					continue;
				it->roles |= ROLE_CLIENT_CA;
				inv_add_list(v, it, what);
			}
		}
		free(names);
	}
}

/* The machine's Intermediate Certification Authorities store ([server]
 * intermediate_store), every certificate of it, whether a chain uses it or not. */
static void
source_intermediates(struct inv *v)
{
	const struct chain_store *s = v->cfg->istore;
	char what[600];
	size_t i;

	if (s == NULL)
		return;
	snprintf(what, sizeof(what), "[server] intermediate_store %s", chain_store_dir(s));
	for (i = 0; i < chain_store_count(s) && !v->nomem; i++) {
		const char *file = NULL;
		X509 *x = chain_store_cert(s, i, &file);
		struct inv_item *it;

		if (x == NULL || (it = inv_add(v, x, file)) == NULL)
			continue;
		it->roles |= ROLE_INTERMEDIATE;
		inv_add_list(v, it, what);
	}
}

/* Where certificates come from, in the order the listing names them: one row a source. */
static void (*const inv_sources[])(struct inv *) = {
	source_entries, source_trust, source_client_cas, source_intermediates,
};

/* ---- the uses: what every https binding's clients get ---- */

static struct inv_item *
item_of_choice(struct inv *v, const struct cert_choice *ch)
{
	const char *tp = ch->cert != NULL ? ch->cert->thumbprint : "";
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct inv_item *it = &v->items[i];
		size_t k;

		if (ch->cert != NULL && it->x != NULL && strcmp(it->thumbprint, tp) == 0)
			return &v->items[i];
		for (k = 0; ch->cert == NULL && it->x == NULL && k < it->nentries; k++)
			if (it->entries[k] == ch->entry)
				return &v->items[i];
	}
	return NULL;
}

static void
use_add(struct inv *v, struct inv_item *it, const struct conf_site *s,
    const struct binding *b, unsigned how)
{
	struct inv_binding *u;
	size_t i;

	for (i = 0; i < it->nbindings; i++)
		if (it->bindings[i].b == b) {
			it->bindings[i].how |= how;
			return;
		}
	if ((u = inv_grow(v, (void **)&it->bindings, &it->nbindings, sizeof(*u))) != NULL) {
		u->site = s;
		u->b = b;
		u->how = how;
	}
}

/* The name a browser sends for b's host: the host, or under a wildcard host a name. */
static void
browser_name(const struct binding *b, char *buf, size_t len)
{
	if (binding_host_is_wildcard(b->host))
		snprintf(buf, len, "www%s", b->host + 1);
	else
		snprintf(buf, len, "%s", b->host);
}

/* The certificate each client of binding b gets (with SNI = its host, without; each
 * family a "*" binding listens on), its name judged for the browser. */
static void
uses_of_binding(struct inv *v, const struct conf_site *s, const struct binding *b)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	char name[BINDING_HOST_MAX], bt[BINDING_HOST_MAX + 64];
	int f, nf = b->addr.family == AF_UNSPEC ? 2 : 1;
	unsigned how;

	browser_name(b, name, sizeof(name));
	for (how = b->host[0] != '\0' ? 1 : 2; how <= 2; how++)
		for (f = 0; f < nf; f++) {
			struct binding_addr addr = b->addr;
			struct cert_choice ch;
			struct inv_item *it;

			if (addr.family == AF_UNSPEC) {
				memset(&addr, 0, sizeof(addr));
				addr.family = families[f];
			}
			memset(&ch, 0, sizeof(ch));
			(void)binding_choose_cert(v->cfg, &addr, b->port, how == 1 ? name : NULL, &ch);
			if (ch.entry == NULL || (it = item_of_choice(v, &ch)) == NULL)
				continue;
			use_add(v, it, s, b, how);
			if (how != 1 || it->x == NULL || X509_check_host(it->x, name, 0, 0, NULL) == 1)
				continue;
			binding_format(b, bt, sizeof(bt));
			if (it->why[P_NAME_MISMATCH] == NULL ||
			    strstr(it->why[P_NAME_MISMATCH], bt) == NULL)
				inv_problem(v, it, P_NAME_MISMATCH, "%s (%s) gets it with SNI %s, a "
				    "name it does not hold", s->name, bt, name);
		}
}

static void
inv_uses(struct inv *v)
{
	size_t i, j;

	for (i = 0; i < v->cfg->nsites && !v->nomem; i++)
		for (j = 0; j < v->cfg->sites[i].nbindings; j++)
			if (v->cfg->sites[i].bindings[j].proto == BINDING_HTTPS)
				uses_of_binding(v, &v->cfg->sites[i], &v->cfg->sites[i].bindings[j]);
}

/* ---- the problems ---- */

long
views_certs_days(time_t t, time_t now)
{
	double d = difftime(t, now) / 86400.0;
	long whole = (long)d;

	return (double)whole > d ? whole - 1 : whole;   /* rounded down, also below zero */
}

static const char *
expiry_text(time_t nb, time_t na, time_t now, char *buf, size_t len)
{
	long d;

	if (now < nb) {
		d = views_certs_days(nb, now);
		if (d < 1)
			snprintf(buf, len, "not valid for less than a day more");
		else
			snprintf(buf, len, "not valid for %ld more day%s", d, d == 1 ? "" : "s");
	} else if (now > na) {
		d = -views_certs_days(na, now) - 1;
		if (d < 1)
			snprintf(buf, len, "EXPIRED less than a day ago");
		else
			snprintf(buf, len, "EXPIRED %ld day%s ago", d, d == 1 ? "" : "s");
	} else {
		d = views_certs_days(na, now);
		if (d < 1)
			snprintf(buf, len, "expires in less than a day");
		else
			snprintf(buf, len, "expires in %ld day%s", d, d == 1 ? "" : "s");
	}
	return buf;
}

const char *
views_certs_expiry(const struct cert *c, time_t now, char *buf, size_t len)
{
	return expiry_text(c->not_before, c->not_after, now, buf, len);
}

const char *
views_certs_soon_warning(const struct cert *c, time_t now, char *buf, size_t len)
{
	char when[64], date[40];

	if (c == NULL || now < c->not_before || now > c->not_after ||
	    views_certs_days(c->not_after, now) >= VIEWS_CERTS_SOON_DAYS)
		return NULL;
	utc_text(c->not_after, date, sizeof(date));
	snprintf(buf, len, "certificate %s (%s) %s (not after %s)", views_cert_name(c),
	    c->thumbprint, views_certs_expiry(c, now, when, sizeof(when)), date);
	return buf;
}

/* With [server] trust: whether the chain as sent reaches a root there; the issuer that is
 * missing into why when it does not. */
static int
chain_incomplete(struct inv *v, struct inv_item *it, char *why, size_t len)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = chain_sent(v->cfg, it->cert);
	int err, ok = 1;

	if (ctx == NULL || X509_STORE_CTX_init(ctx, v->cfg->trust_store, it->x, chain) != 1) {
		X509_STORE_CTX_free(ctx);
		return 0;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		    err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) {
			STACK_OF(X509) *got = X509_STORE_CTX_get0_chain(ctx);
			X509 *last = got != NULL && sk_X509_num(got) > 0 ?
			    sk_X509_value(got, sk_X509_num(got) - 1) : it->x;
			char issuer[512];

			certstore_name_format(X509_get_issuer_name(last), issuer, sizeof(issuer));
			snprintf(why, len, "the chain as sent stops at a certificate issued by %s, "
			    "which is neither sent nor a root of [server] trust: add that "
			    "intermediate to the certificate's file", issuer);
			ok = 0;
		}
	}
	X509_STORE_CTX_free(ctx);
	return !ok;
}

/* What is wrong with a served certificate beyond its dates and names. */
static void
judge_served(struct inv *v, struct inv_item *it)
{
	const struct conf_sslcert *e = it->nentries > 0 ? it->entries[0] : NULL;
	const char *why = e != NULL && e->unavailable != NULL ? e->unavailable : NULL;
	char text[1200];

	if (it->x == NULL) {
		inv_problem(v, it, P_NOT_AVAILABLE, "[sslcert %s] names it, and it is not here: "
		    "%s", it->missing->name, it->missing->unavailable != NULL ?
		    it->missing->unavailable : "not loaded");
		return;
	}
	if (it->cert != NULL && it->cert->key == NULL) {
		if (why != NULL && strstr(why, "does not match") != NULL)
			inv_problem(v, it, P_KEY_MISMATCH, "%s", why);
		else
			inv_problem(v, it, P_NO_KEY, "%s", why != NULL ? why :
			    "loaded without its private key: sysbind cannot serve it");
	}
	if (X509_self_signed(it->x, 0) == 1)
		inv_problem(v, it, P_SELF_SIGNED, "it signed itself: every client refuses it "
		    "unless it trusts this very certificate");
	else if (it->cert != NULL && v->cfg->trust_store != NULL &&
	    chain_incomplete(v, it, text, sizeof(text)))
		inv_problem(v, it, P_MISSING_INTERMEDIATE, "%s", text);
	if (it->nbindings == 0)
		inv_problem(v, it, P_UNUSED, "no https binding's clients get it");
}

static void
inv_judge(struct inv *v)
{
	size_t i, k;
	char when[64], date[40];

	for (i = 0; i < v->n && !v->nomem; i++) {
		struct inv_item *it = &v->items[i];

		if (it->roles & ROLE_SERVED)
			judge_served(v, it);
		if (it->x != NULL) {
			expiry_text(it->not_before, it->not_after, v->now, when, sizeof(when));
			if (v->now > it->not_after) {
				utc_text(it->not_after, date, sizeof(date));
				inv_problem(v, it, P_EXPIRED, "%s (not after %s)", when, date);
			} else if (v->now < it->not_before) {
				utc_text(it->not_before, date, sizeof(date));
				inv_problem(v, it, P_NOT_YET_VALID, "%s (not before %s)", when, date);
			} else if (views_certs_days(it->not_after, v->now) < VIEWS_CERTS_SOON_DAYS) {
				utc_text(it->not_after, date, sizeof(date));
				inv_problem(v, it, P_EXPIRES_SOON, "%s (not after %s)", when, date);
			}
		}
		for (k = 0; k < P_NKINDS; k++)
			if (it->why[k] != NULL && inv_problems[k].error)
				it->errors++;
			else if (it->why[k] != NULL)
				it->warnings++;
	}
}

/* Errors first, then warnings, then the rest; each by expiry, soonest first. */
static int
inv_order(const void *a, const void *b)
{
	const struct inv_item *x = a, *y = b;
	int gx = x->errors > 0 ? 0 : x->warnings > 0 ? 1 : 2;
	int gy = y->errors > 0 ? 0 : y->warnings > 0 ? 1 : 2;

	if (gx != gy)
		return gx - gy;
	if ((x->x == NULL) != (y->x == NULL))
		return x->x == NULL ? -1 : 1;
	if (x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	return strcmp(x->thumbprint, y->thumbprint);
}

/* ---- the outputs ---- */

/* The name a person knows it by: its CN, else its first SAN, else its subject. */
static const char *
item_name(const struct inv_item *it, char *buf, size_t len)
{
	int i = it->x != NULL ?
	    X509_NAME_get_index_by_NID(X509_get_subject_name(it->x), NID_commonName, -1) : -1;

	if (it->x == NULL)
		snprintf(buf, len, "(not available)");
	else if (i >= 0) {
		ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(
		    X509_get_subject_name(it->x), i));

		snprintf(buf, len, "%.*s", ASN1_STRING_length(s),
		    (const char *)ASN1_STRING_get0_data(s));
	} else if (it->nsans > 0)
		snprintf(buf, len, "%s", strchr(it->sans[0], ':') + 1);
	else
		snprintf(buf, len, "%s", it->subject[0] != '\0' ? it->subject : "(no name)");
	return buf;
}

static const char *
how_text(unsigned how)
{
	return how == 3 ? "with and without SNI" : how == 1 ? "with SNI" : "without SNI";
}

/* The leading lines: each certificate expired or expiring soon, soonest first. */
static void
text_leading(FILE *out, const struct inv *v)
{
	char name[520];
	size_t i;
	int any = 0;

	for (i = 0; i < v->n; i++) {
		const struct inv_item *it = &v->items[i];

		if (it->why[P_EXPIRED] == NULL && it->why[P_EXPIRES_SOON] == NULL)
			continue;
		fprintf(out, "%s: %s (%s) %s\n", it->why[P_EXPIRED] != NULL ? "error" : "warning",
		    item_name(it, name, sizeof(name)), it->thumbprint,
		    it->why[P_EXPIRED] != NULL ? it->why[P_EXPIRED] : it->why[P_EXPIRES_SOON]);
		any = 1;
	}
	if (any)
		fputs("\n", out);
}

static void
text_users(FILE *out, const struct inv_item *it)
{
	const char *lead = "  used by     ";
	const char *next = "              ";
	char bt[BINDING_HOST_MAX + 64];
	size_t k;

	for (k = 0; k < it->nentries; k++, lead = next)
		fprintf(out, "%s[sslcert %s]%s\n", lead, it->entries[k]->name,
		    it->entries[k]->key.kind == SSLCERT_CCS ? " (Central Certificate Store)" : "");
	for (k = 0; k < it->nbindings; k++, lead = next) {
		binding_format(it->bindings[k].b, bt, sizeof(bt));
		fprintf(out, "%s%s (id:%ld) %s, %s\n", lead, it->bindings[k].site->name,
		    it->bindings[k].site->id, bt, how_text(it->bindings[k].how));
	}
	for (k = 0; k < it->nlists; k++, lead = next)
		fprintf(out, "%s%s\n", lead, it->lists[k]);
}

static void
text_item(FILE *out, const struct inv *v, const struct inv_item *it)
{
	char name[520], a[40], b[40], when[64];
	STACK_OF(X509) *chain;
	size_t k;
	int j;

	fprintf(out, "%s", item_name(it, name, sizeof(name)));
	for (k = 0; k < sizeof(inv_roles) / sizeof(inv_roles[0]); k++)
		if (it->roles & inv_roles[k].bit)
			fprintf(out, " [%s]", inv_roles[k].name);
	if (it->errors + it->warnings == 0)
		fputs(": ok\n", out);
	else
		fprintf(out, ": %d error%s, %d warning%s\n", it->errors, it->errors == 1 ? "" : "s",
		    it->warnings, it->warnings == 1 ? "" : "s");
	fprintf(out, "  thumbprint  %s\n", it->thumbprint[0] != '\0' ? it->thumbprint :
	    "(none named)");
	if (it->x != NULL) {
		fprintf(out, "  subject     %s\n  issuer      %s\n", it->subject, it->issuer);
		fputs("  names      ", out);
		for (k = 0; k < it->nsans; k++)
			fprintf(out, "%s %s", k > 0 ? "," : "", it->sans[k]);
		fputs(it->nsans == 0 ? " (no subjectAltName)\n" : "\n", out);
		fprintf(out, "  serial      %s\n", it->serial);
		utc_text(it->not_before, a, sizeof(a));
		utc_text(it->not_after, b, sizeof(b));
		fprintf(out, "  valid       %s to %s (%s)\n", a, b,
		    expiry_text(it->not_before, it->not_after, v->now, when, sizeof(when)));
		if (it->file != NULL)
			fprintf(out, "  file        %s\n", it->file);
	}
	if (it->cert != NULL) {
		fprintf(out, "  private key %s\n", it->cert->key != NULL ? "yes" : "no");
		chain = chain_sent(v->cfg, it->cert);
		fprintf(out, "  chain sent  1. %s\n", it->subject);
		for (j = 0; j < sk_X509_num(chain); j++) {
			certstore_name_format(X509_get_subject_name(sk_X509_value(chain, j)), name,
			    sizeof(name));
			fprintf(out, "              %d. %s\n", j + 2, name);
		}
	}
	text_users(out, it);
	for (k = 0; k < P_NKINDS; k++)
		if (it->why[k] != NULL)
			fprintf(out, "  %-11s %s: %s\n", inv_problems[k].error ? "error" : "warning",
			    inv_problems[k].name, it->why[k]);
	fputs("\n", out);
}

static void
inv_text(FILE *out, const struct inv *v)
{
	size_t i, nerr = 0, nwarn = 0;

	text_leading(out, v);
	for (i = 0; i < v->n; i++) {
		text_item(out, v, &v->items[i]);
		nerr += v->items[i].errors > 0;
		nwarn += v->items[i].errors == 0 && v->items[i].warnings > 0;
	}
	fprintf(out, "%zu certificate%s: %zu with errors, %zu with warnings only, %zu ok\n",
	    v->n, v->n == 1 ? "" : "s", nerr, nwarn, v->n - nerr - nwarn);
}

static void
json_strings(FILE *out, char *const *s, size_t n)
{
	size_t k;

	fputs("[", out);
	for (k = 0; k < n; k++) {
		fputs(k > 0 ? ", " : "", out);
		views_json_string(out, s[k]);
	}
	fputs("]", out);
}

static void
json_uses(FILE *out, const struct inv_item *it)
{
	char bt[BINDING_HOST_MAX + 64];
	size_t k;

	fputs(", \"sslcert\": [", out);
	for (k = 0; k < it->nentries; k++) {
		fputs(k > 0 ? ", " : "", out);
		views_json_string(out, it->entries[k]->name);
	}
	fputs("], \"bindings\": [", out);
	for (k = 0; k < it->nbindings; k++) {
		binding_format(it->bindings[k].b, bt, sizeof(bt));
		fputs(k > 0 ? ", {\"site\": " : "{\"site\": ", out);
		views_json_string(out, it->bindings[k].site->name);
		fprintf(out, ", \"site_id\": %ld, \"binding\": ", it->bindings[k].site->id);
		views_json_string(out, bt);
		fprintf(out, ", \"with_sni\": %s, \"without_sni\": %s}",
		    it->bindings[k].how & 1 ? "true" : "false",
		    it->bindings[k].how & 2 ? "true" : "false");
	}
	fputs("], \"lists\": ", out);
	json_strings(out, it->lists, it->nlists);
}

static void
json_item(FILE *out, const struct inv *v, const struct inv_item *it)
{
	char name[520], t[40];
	STACK_OF(X509) *chain;
	size_t k;
	int j, first = 1;

	fputs("{\"name\": ", out);
	views_json_string(out, it->x != NULL ? item_name(it, name, sizeof(name)) : NULL);
	fputs(", \"thumbprint\": ", out);
	views_json_string(out, it->thumbprint[0] != '\0' ? it->thumbprint : NULL);
	fprintf(out, ", \"available\": %s, \"roles\": [", it->x != NULL ? "true" : "false");
	for (k = 0; k < sizeof(inv_roles) / sizeof(inv_roles[0]); k++)
		if (it->roles & inv_roles[k].bit) {
			fprintf(out, "%s\"%s\"", first ? "" : ", ", inv_roles[k].name);
			first = 0;
		}
	fputs("], \"subject\": ", out);
	views_json_string(out, it->x != NULL ? it->subject : NULL);
	fputs(", \"issuer\": ", out);
	views_json_string(out, it->x != NULL ? it->issuer : NULL);
	fputs(", \"sans\": ", out);
	json_strings(out, it->sans, it->nsans);
	fputs(", \"serial\": ", out);
	views_json_string(out, it->x != NULL ? it->serial : NULL);
	if (it->x != NULL) {
		iso_text(it->not_before, t, sizeof(t));
		fprintf(out, ", \"not_before\": \"%s\"", t);
		iso_text(it->not_after, t, sizeof(t));
		fprintf(out, ", \"not_after\": \"%s\", \"days_left\": %ld, \"expiry\": \"%s\"", t,
		    views_certs_days(it->not_after, v->now), expiry_text(it->not_before,
		    it->not_after, v->now, name, sizeof(name)));
	} else
		fputs(", \"not_before\": null, \"not_after\": null, \"days_left\": null, "
		    "\"expiry\": null", out);
	fputs(", \"file\": ", out);
	views_json_string(out, it->file);
	fprintf(out, ", \"private_key\": %s, \"chain\": ", it->cert == NULL ? "null" :
	    it->cert->key != NULL ? "true" : "false");
	if (it->cert != NULL) {
		chain = chain_sent(v->cfg, it->cert);
		fputs("[", out);
		views_json_string(out, it->subject);
		for (j = 0; j < sk_X509_num(chain); j++) {
			certstore_name_format(X509_get_subject_name(sk_X509_value(chain, j)), name,
			    sizeof(name));
			fputs(", ", out);
			views_json_string(out, name);
		}
		fputs("]", out);
	} else
		fputs("null", out);
	json_uses(out, it);
	fputs(", \"problems\": [", out);
	for (k = 0, first = 1; k < P_NKINDS; k++)
		if (it->why[k] != NULL) {
			fprintf(out, "%s{\"problem\": \"%s\", \"severity\": \"%s\", \"why\": ",
			    first ? "" : ", ", inv_problems[k].name,
			    inv_problems[k].error ? "error" : "warning");
			views_json_string(out, it->why[k]);
			fputs("}", out);
			first = 0;
		}
	fputs("]}", out);
}

static void
inv_json(FILE *out, const struct inv *v)
{
	size_t i, nerr = 0, nwarn = 0;
	char t[40];

	for (i = 0; i < v->n; i++) {
		nerr += v->items[i].errors > 0;
		nwarn += v->items[i].errors == 0 && v->items[i].warnings > 0;
	}
	iso_text(v->now, t, sizeof(t));
	fprintf(out, "{\"now\": \"%s\", \"soon_days\": %d, \"certificates_count\": %zu, "
	    "\"with_errors\": %zu, \"with_warnings\": %zu, \"certificates\": [", t,
	    VIEWS_CERTS_SOON_DAYS, v->n, nerr, nwarn);
	for (i = 0; i < v->n; i++) {
		fputs(i > 0 ? ",\n  " : "\n  ", out);
		json_item(out, v, &v->items[i]);
	}
	fputs(v->n > 0 ? "\n]}\n" : "]}\n", out);
}

int
views_certs(const struct conf *cfg, time_t now, int json, FILE *out)
{
	struct inv v;
	size_t i;
	int nerr = 0;

	memset(&v, 0, sizeof(v));
	v.cfg = cfg;
	v.now = now;
	for (i = 0; i < sizeof(inv_sources) / sizeof(inv_sources[0]) && !v.nomem; i++)
		inv_sources[i](&v);
	if (!v.nomem)
		inv_uses(&v);
	if (!v.nomem)
		inv_judge(&v);
	if (v.nomem) {
		inv_free(&v);
		return -1;
	}
	qsort(v.items, v.n, sizeof(v.items[0]), inv_order);
	if (json)
		inv_json(out, &v);
	else
		inv_text(out, &v);
	for (i = 0; i < v.n; i++)
		nerr += v.items[i].errors > 0;
	inv_free(&v);
	return ferror(out) ? -1 : nerr;
}
