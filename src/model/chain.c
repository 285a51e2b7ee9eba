/*
 * chain — the intermediate store, the served chain built through it as Windows builds it,
 * and the judgement of a chain that does not reach a client's roots (incomplete, stale).
 * It does not load leaves or keys (certstore.c), nor decide name or dates (certverdict.c),
 * nor touch an SSL_CTX (tlsctx.c puts cert->chain, built here, into it).  See chain.h.
 */
#include "model/chain.h"
#include "model/certstore_int.h"
#include "base/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* A CA certificate file is small; a bundle of a few hundred still fits. */
#define CHAINFILE_MAX (4 * 1024 * 1024)

struct chain_entry {
	X509 *x509;
	char *file;      /* owned */
	int   from_store;
};

struct chain_store {
	char               *dir;
	struct chain_entry *entries;
	size_t              n;
	char              **skipped;   /* files of dir not read (owned), in name order */
	size_t              nskipped;
};

/* ---------------------------------------------------------------- the store */

/* The names the store reads: what Windows' certificate import takes (a PKCS#7 bundle,
 * .p7b/.p7c, being its usual export of a chain).  Hidden files are passed over quietly. */
static int
chain_select_file(const char *name)
{
	static const char *const ext[] = { ".pem", ".crt", ".cer", ".der", ".p7b", ".p7c" };
	size_t l = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (l > 4 && strcasecmp(name + l - 4, ext[i]) == 0)
			return 1;
	return 0;
}

static int
chain_visible_cb(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Take ownership of x as an entry of s from file.  Returns 0 or -1 (x freed). */
static int
chain_store_add(struct chain_store *s, X509 *x, const char *file)
{
	struct chain_entry *e = realloc(s->entries, (s->n + 1) * sizeof(*e));

	if (e == NULL) {
		X509_free(x);
		return -1;
	}
	s->entries = e;
	e = &s->entries[s->n];
	e->x509 = x;
	e->from_store = 1;
	if ((e->file = strdup(file)) == NULL) {
		X509_free(x);
		return -1;
	}
	s->n++;
	return 0;
}

/* The certificates of a PKCS#7 bundle (.p7b: PEM "BEGIN PKCS7" or DER), as Windows'
 * certificate import reads one: the signed data's certificates, in order.  Returns how
 * many (0: buf is not one), or -1 (no memory). */
static int
chain_store_read_p7(struct chain_store *s, const char *path, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	STACK_OF(X509) *certs = NULL;
	PKCS7 *p7 = NULL;
	BIO *b;
	int i, count = 0;

	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return -1;
	p7 = PEM_read_bio_PKCS7(b, NULL, NULL, NULL);
	BIO_free(b);
	if (p7 == NULL)
		p7 = d2i_PKCS7(NULL, &p, (long)len);
	ERR_clear_error();
	if (p7 == NULL)
		return 0;
	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	else if (PKCS7_type_is_signedAndEnveloped(p7) && p7->d.signed_and_enveloped != NULL)
		certs = p7->d.signed_and_enveloped->cert;
	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);

		if (!X509_up_ref(x) || chain_store_add(s, x, path) != 0) {
			PKCS7_free(p7);
			return -1;
		}
		count++;
	}
	PKCS7_free(p7);
	return count;
}

/* Every certificate of one file: PEM (any number), a PKCS#7 bundle, or one DER.  Returns
 * how many, or -1. */
static int
chain_store_read(struct chain_store *s, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf = file_read(path, CHAINFILE_MAX, 0, &len, err, errlen);
	BIO *b;
	X509 *x;
	int count = 0;

	if (buf == NULL)
		return -1;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto nomem;
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (chain_store_add(s, x, path) != 0) {
			BIO_free(b);
			goto nomem;
		}
		count++;
	}
	BIO_free(b);
	if (count > 0 && certstore_pem_damaged()) {
		/* the read stopped at a block it could not decode, not at the end: refuse the
		 * file there rather than keep its first certificates alone */
		snprintf(err, errlen, "%s:%u: certificate %d cannot be read (damaged PEM)", path,
		    certstore_pem_line(buf, len, count), count + 1);
		ERR_clear_error();
		free(buf);
		return -1;
	}
	ERR_clear_error();
	if (count == 0 && (count = chain_store_read_p7(s, path, buf, len)) < 0)
		goto nomem;
	if (count == 0) {
		const unsigned char *p = (const unsigned char *)buf;

		if ((x = d2i_X509(NULL, &p, (long)len)) != NULL) {
			size_t rest = len - (size_t)(p - (const unsigned char *)buf);

			if (chain_store_add(s, x, path) != 0)
				goto nomem;
			count = 1;
			if (rest > 0) {
				/* concatenated DER (a bundle written as binary): the rest would be
				 * lost without a word */
				snprintf(err, errlen, "%s: %zu bytes follow its DER certificate: one "
				    "certificate per DER file (a bundle is PEM)", path, rest);
				ERR_clear_error();
				free(buf);
				return -1;
			}
		}
		ERR_clear_error();
	}
	free(buf);
	if (count == 0)
		snprintf(err, errlen, "%s: no certificate in it (PEM, DER or PKCS#7)", path);
	return count > 0 ? count : -1;
nomem:
	free(buf);
	snprintf(err, errlen, "%s: out of memory", path);
	return -1;
}

struct chain_store *
chain_store_load(const char *dir, char *err, size_t errlen)
{
	struct chain_store *s = calloc(1, sizeof(*s));
	struct dirent **names = NULL;
	int n, i, bad = 0;

	if (s == NULL || (s->dir = strdup(dir)) == NULL) {
		free(s);
		snprintf(err, errlen, "%s: out of memory", dir);
		return NULL;
	}
	if ((n = scandir(dir, &names, chain_visible_cb, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		chain_store_free(s);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char *path = NULL;

		if (!bad && asprintf(&path, "%s%s%s", dir, dir[0] != '\0' &&
		    dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]->d_name) < 0) {
			path = NULL;
			snprintf(err, errlen, "%s: out of memory", dir);
			bad = 1;
		}
		if (!bad && !chain_select_file(names[i]->d_name)) {
			char **k = realloc(s->skipped, (s->nskipped + 1) * sizeof(*k));

			if (k == NULL) {
				snprintf(err, errlen, "%s: out of memory", dir);
				bad = 1;
			} else {
				s->skipped = k;
				s->skipped[s->nskipped++] = path;   /* the list owns it now */
				path = NULL;
			}
		} else if (!bad && chain_store_read(s, path, err, errlen) < 0)
			bad = 1;
		free(path);
		free(names[i]);
	}
	free(names);
	if (bad) {
		chain_store_free(s);
		return NULL;
	}
	return s;
}

void
chain_store_free(struct chain_store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		X509_free(s->entries[i].x509);
		free(s->entries[i].file);
	}
	free(s->entries);
	for (size_t i = 0; i < s->nskipped; i++)
		free(s->skipped[i]);
	free(s->skipped);
	free(s->dir);
	free(s);
}

const char *
chain_store_dir(const struct chain_store *s)
{
	return s != NULL ? s->dir : NULL;
}

size_t
chain_store_count(const struct chain_store *s)
{
	return s != NULL ? s->n : 0;
}

const char *
chain_store_skipped(const struct chain_store *s, size_t i)
{
	return s != NULL && i < s->nskipped ? s->skipped[i] : NULL;
}

X509 *
chain_store_cert(const struct chain_store *s, size_t i, const char **file)
{
	if (s == NULL || i >= s->n)
		return NULL;
	if (file != NULL)
		*file = s->entries[i].file;
	return s->entries[i].x509;
}

/* ---------------------------------------------------------------- the record */

void
chain_built_free(struct chain_built *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nlinks; i++) {
		free(b->links[i].from);
		free(b->links[i].passed_over);
	}
	free(b->links);
	free(b->store_dir);
	free(b);
}

static char *
strdup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

struct chain_built *
chain_built_dup(const struct chain_built *b)
{
	struct chain_built *d;
	int bad = 0;

	if (b == NULL || (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	memcpy(d->root, b->root, sizeof(d->root));
	memcpy(d->missing, b->missing, sizeof(d->missing));
	d->store_dir = strdup_or_null(b->store_dir, &bad);
	if (b->nlinks > 0 && (d->links = calloc(b->nlinks, sizeof(*d->links))) == NULL)
		bad = 1;
	for (size_t i = 0; !bad && i < b->nlinks; i++) {
		d->links[i] = b->links[i];
		d->links[i].from = strdup_or_null(b->links[i].from, &bad);
		d->links[i].passed_over = strdup_or_null(b->links[i].passed_over, &bad);
		d->nlinks++;
	}
	if (bad) {
		chain_built_free(d);
		return NULL;
	}
	return d;
}

/* ---------------------------------------------------------------- building */

/* Whether x is valid at now (both dates). */
static int
chain_time_valid(X509 *x, time_t now)
{
	return X509_cmp_time(X509_get0_notBefore(x), &now) <= 0 &&
	    X509_cmp_time(X509_get0_notAfter(x), &now) >= 0;
}

static int
chain_self_signed(X509 *x)
{
	return X509_check_issued(x, x) == X509_V_OK;
}

/*
 * Whether a is a better issuer than b, as CryptoAPI ranks the candidates it finds: one
 * valid now over one that is not, then the one issued last (the later notBefore).
 */
static int
chain_better(X509 *a, X509 *b, time_t now)
{
	int va = chain_time_valid(a, now), vb = chain_time_valid(b, now);

	if (va != vb)
		return va > vb;
	return ASN1_TIME_compare(X509_get0_notBefore(a), X509_get0_notBefore(b)) > 0;
}

/* x already in the path (the leaf or a chosen one): the same certificate, byte for byte. */
static int
chain_in_path(X509 *x, X509 *leaf, STACK_OF(X509) *path)
{
	if (X509_cmp(x, leaf) == 0)
		return 1;
	for (int i = 0; i < sk_X509_num(path); i++)
		if (X509_cmp(x, sk_X509_value(path, i)) == 0)
			return 1;
	return 0;
}

/* The candidates: the store's certificates, then c's own extras (imported); a certificate
 * in both is kept once (the store's).  Returns a new array (entries borrowed) or NULL. */
static struct chain_entry *
chain_candidates(const struct cert *c, const struct chain_store *store, size_t *n)
{
	size_t ns = chain_store_count(store), ne = (size_t)sk_X509_num(c->chain), k = 0;
	struct chain_entry *all = calloc(ns + ne + 1, sizeof(*all));

	if (all == NULL)
		return NULL;
	for (size_t i = 0; i < ns; i++)
		all[k++] = store->entries[i];
	for (size_t i = 0; i < ne; i++) {
		X509 *x = sk_X509_value(c->chain, (int)i);
		size_t j;

		for (j = 0; j < k && X509_cmp(all[j].x509, x) != 0; j++)
			;
		if (j < k)
			continue;
		all[k].x509 = x;
		all[k].file = c->path;
		all[k].from_store = 0;
		k++;
	}
	*n = k;
	return all;
}

/* Append one link to b for entry e chosen over rival (may be NULL).  0 or -1. */
static int
chain_link_add(struct chain_built *b, const struct chain_entry *e,
    const struct chain_entry *rival)
{
	struct chain_link *l = realloc(b->links, (b->nlinks + 1) * sizeof(*l));
	int bad = 0;

	if (l == NULL)
		return -1;
	b->links = l;
	l = &b->links[b->nlinks];
	memset(l, 0, sizeof(*l));
	b->nlinks++;
	l->from = strdup_or_null(e->file, &bad);
	l->from_store = e->from_store;
	l->not_before = certstore_asn1_time(X509_get0_notBefore(e->x509));
	if (rival != NULL) {
		l->passed_over = strdup_or_null(rival->file, &bad);
		l->passed_not_before = certstore_asn1_time(X509_get0_notBefore(rival->x509));
	}
	return bad ? -1 : 0;
}

/*
 * One step up from cur: the best issuer among all[0..n) that is not already in the path,
 * and the best of the others with a rival's name (the one passed over), or -1 / -1.
 */
static int
chain_pick(X509 *cur, X509 *leaf, STACK_OF(X509) *path, const struct chain_entry *all,
    size_t n, time_t now, int *rival)
{
	int best = -1;

	*rival = -1;
	for (size_t i = 0; i < n; i++) {
		X509 *cand = all[i].x509;

		/* X509_check_issued: cand's subject is cur's issuer, cur's authority key
		 * identifier (when it has one) is cand's subject key identifier, and cand may
		 * sign certificates */
		if (cand == cur || X509_check_issued(cand, cur) != X509_V_OK ||
		    chain_in_path(cand, leaf, path))
			continue;
		/* the same certificate in two store files (imported twice) is one
		 * certificate: never its own rival (a false stale intermediate) */
		if ((best >= 0 && X509_cmp(cand, all[best].x509) == 0) ||
		    (*rival >= 0 && X509_cmp(cand, all[*rival].x509) == 0))
			continue;
		if (best < 0 || chain_better(cand, all[best].x509, now)) {
			*rival = best;
			best = (int)i;
		} else if (*rival < 0 || chain_better(cand, all[*rival].x509, now)) {
			*rival = (int)i;
		}
	}
	ERR_clear_error();
	return best;
}

int
chain_serve(struct cert *c, const struct chain_store *store, time_t now)
{
	struct chain_built *b = calloc(1, sizeof(*b));
	STACK_OF(X509) *path = sk_X509_new_null();
	struct chain_entry *all = NULL;
	size_t n = 0;
	X509 *cur = c->x509;
	int bad = 0;

	if (b == NULL || path == NULL || (all = chain_candidates(c, store, &n)) == NULL)
		goto nomem;
	if (store != NULL && (b->store_dir = strdup(store->dir)) == NULL)
		goto nomem;
	while (!chain_self_signed(cur)) {
		int rival, best = chain_pick(cur, c->x509, path, all, n, now, &rival);

		if (best < 0) {
			certstore_name_format(X509_get_issuer_name(cur), b->missing,
			    sizeof(b->missing));
			break;
		}
		if (chain_self_signed(all[best].x509)) {
			/* "The complete certificate chain, except for the root certificate" */
			certstore_name_format(X509_get_subject_name(all[best].x509), b->root,
			    sizeof(b->root));
			break;
		}
		if (sk_X509_num(path) == CHAIN_DEPTH_MAX)
			break;
		if (X509_up_ref(all[best].x509) != 1)
			goto nomem;
		if (!sk_X509_push(path, all[best].x509)) {
			X509_free(all[best].x509);   /* the reference just taken */
			goto nomem;
		}
		if (chain_link_add(b, &all[best], rival >= 0 ? &all[rival] : NULL) != 0)
			bad = 1;
		cur = all[best].x509;
	}
	if (bad)
		goto nomem;
	free(all);
	sk_X509_pop_free(c->chain, X509_free);
	c->chain = path;
	chain_built_free(c->built);
	c->built = b;
	return 0;
nomem:
	free(all);
	sk_X509_pop_free(path, X509_free);
	chain_built_free(b);
	ERR_clear_error();
	return -1;
}

/* ---------------------------------------------------------------- judging */

/* The first caIssuers URL of x's Authority Information Access into buf; 0, or -1: none. */
static int
chain_aia_url(X509 *x, char *buf, size_t len)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	int found = -1;

	for (int i = 0; aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia) && found < 0; i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);

		if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers ||
		    ad->location->type != GEN_URI)
			continue;
		snprintf(buf, len, "%.*s", ASN1_STRING_length(ad->location->d.uniformResourceIdentifier),
		    (const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier));
		found = 0;
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	ERR_clear_error();
	return found;
}

/* The certificate of the chain as sent that has no issuer sent after it. */
static X509 *
chain_top(const struct cert *c)
{
	int n = sk_X509_num(c->chain);

	return n > 0 ? sk_X509_value(c->chain, n - 1) : c->x509;
}

/* The stale link: the last one before depth that was chosen over a rival, or NULL. */
static const struct chain_link *
chain_stale_link(const struct cert *c, int depth)
{
	const struct chain_link *l = NULL;

	if (c->built == NULL)
		return NULL;
	for (size_t i = 0; i < c->built->nlinks && (int)i + 1 <= depth; i++)
		if (c->built->links[i].passed_over != NULL)
			l = &c->built->links[i];
	return l;
}

enum cert_verdict
chain_judge(const struct cert *c, int verr, int depth, X509 *cur, time_t now, char *why,
    size_t whylen)
{
	char name[512], url[512], when[64];
	const struct chain_link *l;

	(void)now;
	switch (verr) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (depth < 1 || cur == NULL)
			break;
		certstore_name_format(X509_get_subject_name(cur), name, sizeof(name));
		certstore_format_utc(certstore_asn1_time(verr == X509_V_ERR_CERT_HAS_EXPIRED ?
		    X509_get0_notAfter(cur) : X509_get0_notBefore(cur)), when, sizeof(when));
		if ((l = chain_stale_link(c, depth)) != NULL) {
			char chosen[64];

			certstore_format_utc(l->not_before, chosen, sizeof(chosen));
			snprintf(why, whylen, "stale intermediate: %s (issued %s) was chosen as the "
			    "one issued last over %s, and it chains to %s, which %s %s",
			    l->from, chosen, l->passed_over, name,
			    verr == X509_V_ERR_CERT_HAS_EXPIRED ? "expired on" : "is not valid before",
			    when);
			return VERDICT_STALE_INTERMEDIATE;
		}
		snprintf(why, whylen, "the chain sent reaches %s, which %s %s", name,
		    verr == X509_V_ERR_CERT_HAS_EXPIRED ? "expired on" : "is not valid before",
		    when);
		return verr == X509_V_ERR_CERT_HAS_EXPIRED ? VERDICT_EXPIRED :
		    VERDICT_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		if (cur == NULL)
			cur = chain_top(c);
		certstore_name_format(X509_get_issuer_name(cur), name, sizeof(name));
		if ((l = chain_stale_link(c, depth + 1)) != NULL) {
			char chosen[64];

			certstore_format_utc(l->not_before, chosen, sizeof(chosen));
			snprintf(why, whylen, "stale intermediate: %s (issued %s) was chosen as the "
			    "one issued last over %s, and it chains to %s, a root the client does not "
			    "trust", l->from, chosen, l->passed_over, name);
			return VERDICT_STALE_INTERMEDIATE;
		}
		if (c->built != NULL && c->built->root[0] != '\0' &&
		    strcmp(c->built->root, name) == 0) {
			snprintf(why, whylen, "the chain ends at the root %s (not sent, as Windows "
			    "never sends it), which the client does not trust", name);
			return VERDICT_UNTRUSTED;
		}
		if (chain_aia_url(cur, url, sizeof(url)) == 0) {
			snprintf(why, whylen, "incomplete chain: the issuer %s was not sent; a "
			    "browser fetches it from the AIA URL %s, other clients fail", name, url);
			return VERDICT_INCOMPLETE_CHAIN;
		}
		snprintf(why, whylen, "the issuer %s was not sent and the certificate names no "
		    "AIA URL to fetch it from: every client fails (no path to a trusted root)",
		    name);
		return VERDICT_UNTRUSTED;
	default:
		break;
	}
	return VERDICT_UNTRUSTED;
}

/* ---------------------------------------------------------------- telling */

size_t
chain_sent_lines(const struct cert *c, char lines[][CHAIN_LINE_MAX], size_t max)
{
	size_t k = 0;
	char name[512];

	if (c == NULL || c->x509 == NULL || max == 0)
		return 0;
	snprintf(lines[k++], CHAIN_LINE_MAX, "0 %.200s (the certificate, %.40s)", c->subject,
	    c->built != NULL ? "chain built as Windows does" : "chain as the file writes it");
	for (int i = 0; i < sk_X509_num(c->chain) && k < max; i++) {
		const struct chain_link *l = c->built != NULL && (size_t)i < c->built->nlinks ?
		    &c->built->links[i] : NULL;

		certstore_name_format(X509_get_subject_name(sk_X509_value(c->chain, i)), name,
		    sizeof(name));
		if (l != NULL)
			snprintf(lines[k++], CHAIN_LINE_MAX, "%d %.200s (%s %.400s)", i + 1, name,
			    l->from_store ? "from" : "imported with", l->from);
		else
			snprintf(lines[k++], CHAIN_LINE_MAX, "%d %.200s", i + 1, name);
	}
	if (k < max && c->built != NULL && c->built->root[0] != '\0')
		snprintf(lines[k++], CHAIN_LINE_MAX, "root %.200s not sent", c->built->root);
	else if (k < max && c->built != NULL && c->built->missing[0] != '\0')
		snprintf(lines[k++], CHAIN_LINE_MAX, "then %.190s: not found", c->built->missing);
	return k;
}

static const struct chain_client chain_clients_incomplete[] = {
	{ "Chrome, Edge, Safari", "fetch the missing intermediate by AIA and work (no "
	  "warning), when the AIA URL answers" },
	{ "Firefox", "no AIA fetching: SEC_ERROR_UNKNOWN_ISSUER (\"Warning: Potential "
	  "Security Risk Ahead\"), unless it has the intermediate cached or preloaded" },
	{ "curl, OpenSSL", "curl: (60) SSL certificate problem: unable to get local issuer "
	  "certificate; openssl s_client: verify error:num=20:unable to get local issuer "
	  "certificate" },
	{ "Java, Python, Android", "Java: PKIX path building failed: unable to find valid "
	  "certification path to requested target; Python: [SSL: CERTIFICATE_VERIFY_FAILED] "
	  "certificate verify failed: unable to get local issuer certificate; Android: "
	  "Trust anchor for certification path not found" },
};

static const struct chain_client chain_clients_stale[] = {
	{ "Chrome, Edge, Safari", "build their own path (through the renewed intermediate, "
	  "fetched by AIA or cached) and usually work; an old platform fails with "
	  "NET::ERR_CERT_DATE_INVALID" },
	{ "Firefox", "builds its own path from its cache and preloads; without the renewed "
	  "intermediate: SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE" },
	{ "curl, OpenSSL", "curl: (60) SSL certificate problem: certificate has expired "
	  "(openssl s_client: verify error:num=10) when it still trusts the old root; "
	  "curl: (60) SSL certificate problem: unable to get local issuer certificate "
	  "(num=20) when it trusts only the new one" },
	{ "Java, Python, Android", "fail like OpenSSL when they trust the old root: "
	  "CertificateExpiredException / [SSL: CERTIFICATE_VERIFY_FAILED] certificate has "
	  "expired; Android 7.1 and earlier fail" },
};

const struct chain_client *
chain_clients(enum cert_verdict v, size_t *n)
{
	*n = 0;
	if (v == VERDICT_INCOMPLETE_CHAIN) {
		*n = sizeof(chain_clients_incomplete) / sizeof(chain_clients_incomplete[0]);
		return chain_clients_incomplete;
	}
	if (v == VERDICT_STALE_INTERMEDIATE) {
		*n = sizeof(chain_clients_stale) / sizeof(chain_clients_stale[0]);
		return chain_clients_stale;
	}
	return NULL;
}

const char *
chain_fix(const struct cert *c, enum cert_verdict v, char *buf, size_t len)
{
	const struct chain_link *l = c != NULL ? chain_stale_link(c, CHAIN_DEPTH_MAX + 1) : NULL;
	char name[512], url[512] = "";
	const char *store = c != NULL && c->built != NULL ? c->built->store_dir : NULL;

	buf[0] = '\0';
	if (c == NULL || c->x509 == NULL)
		return buf;
	if (v == VERDICT_STALE_INTERMEDIATE && l != NULL) {
		snprintf(buf, len, "remove the stale %s from intermediate_store%s%s (as admins "
		    "removed it from the machine's Intermediate Certification Authorities store), "
		    "so the chain is built through %s; then reload", l->from,
		    store != NULL ? " " : "", store != NULL ? store : "", l->passed_over);
		return buf;
	}
	if (v == VERDICT_UNTRUSTED) {
		/* only an issuer the store lacks, not a root the client does not trust */
		if (c->built != NULL && c->built->missing[0] != '\0')
			snprintf(buf, len, "if %s is an intermediate of a CA the clients trust, put it "
			    "in intermediate_store%s%s and reload (the certificate names no AIA URL, "
			    "so no client can fetch it)", c->built->missing, store != NULL ? " " : "",
			    store != NULL ? store : "");
		return buf;
	}
	certstore_name_format(X509_get_issuer_name(chain_top(c)), name, sizeof(name));
	(void)chain_aia_url(chain_top(c), url, sizeof(url));
	if (c->built == NULL)
		snprintf(buf, len, "append the intermediate %s%s%s to %s (served_chain = file "
		    "sends the file as written), or set served_chain = store and put it in "
		    "intermediate_store", name, url[0] != '\0' ? ", as published at " : "", url,
		    c->path);
	else
		snprintf(buf, len, "put the intermediate %s%s%s (a .cer/.pem file) in "
		    "intermediate_store%s%s, as Windows needs it in the Intermediate Certification "
		    "Authorities store, then reload (SIGHUP)", name,
		    url[0] != '\0' ? ", as published at " : "", url,
		    store != NULL ? " " : " (not set: set it to a directory)",
		    store != NULL ? store : "");
	return buf;
}
