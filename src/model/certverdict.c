/*
 * certverdict — what a client would conclude about a certificate, and the sentence that
 * says why (§1.3): the server certificate's verdict for a host name (certstore_verdict:
 * name, dates, trust), the client certificate chain's verdict HTTP.SYS hands to IIS
 * (certstore_client_verdict, with chain_verify_cb collecting every problem of one
 * X509_verify_cert run so that the precedence is ours), their names and Win32 statuses,
 * and OpenSSL's error queue as prose (certstore_ssl_errors).  Pure: it reads loaded
 * certificates, trust stores and CRLs (certstore.c loads them) and owns nothing after it
 * returns; any thread.  The functions keep certstore's prefix: certstore.h is the one
 * public header of both files.
 */
#include "model/certstore.h"
#include "model/certstore_int.h"
#include "model/chain.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* ---------------------------------------------------------------- verdict */

const char *
certstore_verdict_name(enum cert_verdict v)
{
	switch (v) {
	case VERDICT_OK:             return "ok";
	case VERDICT_NAME_MISMATCH:  return "name-mismatch";
	case VERDICT_EXPIRED:        return "expired";
	case VERDICT_NOT_YET_VALID:  return "not-yet-valid";
	case VERDICT_UNTRUSTED:      return "untrusted";
	case VERDICT_NO_CERTIFICATE: return "no-certificate";
	case VERDICT_INCOMPLETE_CHAIN: return "incomplete-chain";
	case VERDICT_STALE_INTERMEDIATE: return "stale-intermediate";
	}
	return "unknown";
}

/* Host is an IP literal (bare or bracketed IPv6): write the bare form into ip. */
static int
host_is_ip(const char *host, char *ip, size_t iplen)
{
	unsigned char bin[16];
	size_t l = strlen(host);

	if (l >= 2 && host[0] == '[' && host[l - 1] == ']')
		snprintf(ip, iplen, "%.*s", (int)(l - 2), host + 1);
	else
		snprintf(ip, iplen, "%s", host);
	return inet_pton(AF_INET, ip, bin) == 1 || inet_pton(AF_INET6, ip, bin) == 1;
}

/* Append s to buf at *used, bounded. */
static void
buf_add(char *buf, size_t len, size_t *used, const char *s)
{
	int n;

	if (*used >= len)
		return;
	n = snprintf(buf + *used, len - *used, "%s", s);
	if (n > 0)
		*used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

/*
 * The names a client would check for host, as a phrase: "a", "a and b", "a, b and c".
 * For an IP host the IP SANs; otherwise the DNS SANs, or the CN when there are none
 * (the only case X509_check_host reads the CN).
 */
static void
names_phrase(const struct cert *c, int want_ip, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(c->x509, NID_subject_alt_name, NULL, NULL);
	const char *names[64];
	char ipbuf[64][INET6_ADDRSTRLEN];
	size_t count = 0, used = 0;

	buf[0] = '\0';
	if (want_ip) {
		for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && count < 64; i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
			int l;

			if (g->type != GEN_IPADD)
				continue;
			l = ASN1_STRING_length(g->d.iPAddress);
			if ((l == 4 || l == 16) && inet_ntop(l == 4 ? AF_INET : AF_INET6,
			    ASN1_STRING_get0_data(g->d.iPAddress), ipbuf[count],
			    sizeof(ipbuf[count])) != NULL) {
				names[count] = ipbuf[count];
				count++;
			}
		}
	} else if (c->nsans > 0) {
		for (size_t i = 0; i < c->nsans && count < 64; i++)
			names[count++] = c->sans[i];
	} else if (c->common_name[0] != '\0') {
		names[count++] = c->common_name;
	}
	GENERAL_NAMES_free(gens);
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			buf_add(buf, len, &used, i + 1 == count ? " and " : ", ");
		buf_add(buf, len, &used, names[i]);
	}
}

/* Does a "*.suffix" name cover host except for the one-label rule? (for the why text) */
static int
wildcard_near_miss(const struct cert *c, const char *host)
{
	size_t lh = strlen(host);

	for (size_t i = 0; i < c->nsans; i++) {
		const char *suffix = c->sans[i] + 1; /* ".mysite.com" */
		size_t ls;

		if (strncmp(c->sans[i], "*.", 2) != 0)
			continue;
		ls = strlen(suffix);
		if (strcasecmp(host, suffix + 1) == 0)
			return 1; /* the bare apex */
		if (lh > ls && strcasecmp(host + lh - ls, suffix) == 0)
			return 1; /* deeper than one label */
	}
	return 0;
}

/*
 * Whether c's chain as sent reaches a root in trust.  The leaf's own dates were judged
 * before; a CA's expiry counts after trust (an expired cross-signing root, reached
 * through the intermediate issued last: the stale intermediate).  chain.c tells an incomplete or stale chain from an untrusted
 * one.  VERDICT_OK, or the verdict with why.
 */
static enum cert_verdict
verdict_trust(const struct cert *c, X509_STORE *trust, time_t now, char *why, size_t whylen)
{
	X509_STORE_CTX *ctx;
	X509 *cur;
	int rc, verr, depth;
	enum cert_verdict v;

	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, trust, c->x509, c->chain) != 1) {
		X509_STORE_CTX_free(ctx);
		snprintf(why, whylen, "chain could not be checked: ");
		certstore_ssl_errors(why + strlen(why), whylen - strlen(why));
		return VERDICT_UNTRUSTED;
	}
	/* Trust first, dates aside (the leaf's were judged against now already) */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	rc = X509_verify_cert(ctx);
	if (rc == 1) {
		/* then the CAs' expiry at now, on the path just verified (no second run): an
		 * expired CA reached through an intermediate chosen over a rival of its name is
		 * the stale intermediate (chain.c); one with no rival is expired, the CA named */
		STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);

		v = VERDICT_OK;
		for (int i = 1; path != NULL && i < sk_X509_num(path) && v == VERDICT_OK; i++) {
			cur = sk_X509_value(path, i);
			if (X509_cmp_time(X509_get0_notAfter(cur), &now) < 0)
				v = chain_judge(c, X509_V_ERR_CERT_HAS_EXPIRED, i, cur, now, why, whylen);
		}
		X509_STORE_CTX_free(ctx);
		ERR_clear_error();
		return v;
	}
	verr = X509_STORE_CTX_get_error(ctx);
	depth = X509_STORE_CTX_get_error_depth(ctx);
	cur = X509_STORE_CTX_get_current_cert(ctx);
	switch (verr) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		snprintf(why, whylen, "certificate is self-signed and not a trusted root");
		v = VERDICT_UNTRUSTED;
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(why, whylen, "certificate chain ends in a root that is not trusted");
		v = VERDICT_UNTRUSTED;
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		v = chain_judge(c, verr, depth, cur, now, why, whylen);
		if (v == VERDICT_UNTRUSTED && why[0] == '\0')
			snprintf(why, whylen, "certificate's issuer %s is not trusted (no path to a "
			    "trusted root)", c->issuer);
		break;
	default:
		snprintf(why, whylen, "certificate chain is not trusted: %s",
		    X509_verify_cert_error_string(verr));
		v = VERDICT_UNTRUSTED;
		break;
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return v;
}

/*
 * The last name check of this thread: a worker checks the same certificate against the
 * same host on nearly every new connection, and X509_check_host decodes the certificate's
 * subjectAltName extension each time (~8k instructions).  Keyed by the certificate's
 * thumbprint (its DER's SHA-1, so a certificate reloaded at the same address is never
 * mistaken for another) and the host; the answer depends on nothing else.  No heap: one
 * owner, nothing to free.
 */
static __thread struct {
	char thumbprint[sizeof(((struct cert *)0)->thumbprint)];
	char host[256];
	int  rc;
} verdict_last;

/* X509_check_ip_asc / X509_check_host of host (ip: its bare form when is_ip), through
 * verdict_last.  Returns 1 when the certificate covers host. */
static int
verdict_names(const struct cert *c, const char *host, int is_ip, const char *ip)
{
	size_t hl = strlen(host);
	int rc;

	if (c->thumbprint[0] != '\0' && hl < sizeof(verdict_last.host) &&
	    strcmp(verdict_last.thumbprint, c->thumbprint) == 0 &&
	    memcmp(verdict_last.host, host, hl + 1) == 0)
		return verdict_last.rc;
	if (is_ip)
		rc = X509_check_ip_asc(c->x509, ip, 0);
	else
		rc = X509_check_host(c->x509, host, hl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
		    NULL);
	rc = rc == 1;
	if (!rc)
		ERR_clear_error();
	if (c->thumbprint[0] != '\0' && hl < sizeof(verdict_last.host)) {
		memcpy(verdict_last.thumbprint, c->thumbprint, sizeof(verdict_last.thumbprint));
		memcpy(verdict_last.host, host, hl + 1);
		verdict_last.rc = rc;
	}
	return rc;
}

enum cert_verdict
certstore_verdict(const struct cert *c, const char *host, X509_STORE *trust, time_t now,
    char *why, size_t whylen)
{
	char scratch[512], names[400], when[64], ip[INET6_ADDRSTRLEN + 2];
	int rc, say = why != NULL && whylen > 0;   /* 0: the verdict only, no sentence */

	if (!say) {
		/* (the trust check below still writes its sentence here: it is rare and short
		 * next to X509_verify_cert) */
		why = scratch;
		whylen = sizeof(scratch);
	}
	why[0] = '\0';

	if (c == NULL || c->x509 == NULL) {
		snprintf(why, whylen, "no certificate was sent: the handshake failed");
		return VERDICT_NO_CERTIFICATE;
	}

	/*
	 * host NULL or "" (a binding that answers any host, a client that named nothing):
	 * there is no name to check, so only the dates and the chain decide.
	 */
	if (host != NULL && host[0] != '\0') {
		int is_ip = host_is_ip(host, ip, sizeof(ip));

		rc = verdict_names(c, host, is_ip, ip);
		if (rc != 1) {
			if (!say)
				return VERDICT_NAME_MISMATCH;
			names_phrase(c, is_ip, names, sizeof(names));
			if (names[0] == '\0')
				snprintf(why, whylen, "certificate names no %s at all, not %s",
				    is_ip ? "IP address" : "host name", host);
			else if (!is_ip && wildcard_near_miss(c, host))
				snprintf(why, whylen, "certificate names %s, not %s (a wildcard "
				    "covers exactly one label)", names, host);
			else if (!is_ip && c->nsans > 0 &&
			    strcasecmp(c->common_name, host) == 0)
				snprintf(why, whylen, "certificate names %s, not %s (its CN is "
				    "ignored because it has subjectAltNames)", names, host);
			else
				snprintf(why, whylen, "certificate names %s, not %s", names, host);
			ERR_clear_error();
			return VERDICT_NAME_MISMATCH;
		}
	}

	if (!say && (now < c->not_before || now > c->not_after))
		return now < c->not_before ? VERDICT_NOT_YET_VALID : VERDICT_EXPIRED;
	if (now < c->not_before) {
		certstore_format_utc(c->not_before, when, sizeof(when));
		snprintf(why, whylen, "certificate is not valid before %s", when);
		return VERDICT_NOT_YET_VALID;
	}
	if (now > c->not_after) {
		certstore_format_utc(c->not_after, when, sizeof(when));
		snprintf(why, whylen, "certificate expired on %s", when);
		return VERDICT_EXPIRED;
	}

	if (trust != NULL) {
		enum cert_verdict tv = verdict_trust(c, trust, now, why, whylen);

		if (tv != VERDICT_OK)
			return tv;
	}
	if (!say)
		return VERDICT_OK;

	certstore_format_utc(c->not_after, when, sizeof(when));
	if (host != NULL && host[0] != '\0')
		snprintf(why, whylen, "certificate covers %s, is valid until %s%s", host, when,
		    trust ? " and chains to a trusted root" : " (chain not checked: no trust)");
	else
		snprintf(why, whylen, "certificate is valid until %s%s", when,
		    trust ? " and chains to a trusted root" : " (chain not checked: no trust)");
	return VERDICT_OK;
}

void
certstore_ssl_errors(char *buf, size_t len)
{
	size_t used = 0;
	unsigned long e;
	const char *data = NULL;
	int flags = 0;

	if (buf == NULL || len == 0) {
		ERR_clear_error();
		return;
	}
	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = ERR_reason_error_string(e);
		char one[256];

		if (reason != NULL)
			snprintf(one, sizeof(one), "%s", reason);
		else
			snprintf(one, sizeof(one), "error %lx", e);
		if (used > 0)
			buf_add(buf, len, &used, "; ");
		buf_add(buf, len, &used, one);
		if ((flags & ERR_TXT_STRING) && data != NULL && data[0] != '\0') {
			buf_add(buf, len, &used, ": ");
			buf_add(buf, len, &used, data);
		}
	}
}

/* ---------------------------------------------------------------- client certificates */

const char *
certstore_chain_verdict_name(enum cert_chain_verdict v)
{
	switch (v) {
	case CHAIN_OK:            return "ok";
	case CHAIN_UNTRUSTED:     return "untrusted";
	case CHAIN_EXPIRED:       return "expired";
	case CHAIN_NOT_YET_VALID: return "not-yet-valid";
	case CHAIN_REVOKED:       return "revoked";
	}
	return "unknown";
}

unsigned long
certstore_chain_verdict_win32(enum cert_chain_verdict v)
{
	switch (v) {
	case CHAIN_OK:            return 0;
	case CHAIN_UNTRUSTED:     return 0x800B0109UL;  /* CERT_E_UNTRUSTEDROOT */
	case CHAIN_EXPIRED:                             /* CERT_E_EXPIRED: "not within its */
	case CHAIN_NOT_YET_VALID: return 0x800B0101UL;  /* validity period", both ways */
	case CHAIN_REVOKED:       return 0x80092010UL;  /* CRYPT_E_REVOKED */
	}
	return 0;
}

/* What one X509_verify_cert run found, collected by chain_verify_cb (which lets the run
 * go on after each problem so that every one is seen and the precedence is ours). */
struct chain_note {
	char text[400];
	int  depth;      /* of the certificate it is about; the leaf's (0) is the one said */
};

struct chain_check {
	STACK_OF(X509_CRL)  *crls;          /* the CRLs the run consults (borrowed) */
	STACK_OF(X509_NAME) *stale;         /* issuers whose only CRL was stale (borrowed) */
	unsigned long        freshness;
	/* the reason of each kind closest to the leaf; text "" when none */
	struct chain_note    untrusted, revoked, expired, notyet, unknown, nocrl;
};

static void
chain_note(struct chain_note *slot, int depth, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
chain_note(struct chain_note *slot, int depth, const char *fmt, ...)
{
	va_list ap;

	if (slot->text[0] != '\0' && slot->depth <= depth)
		return;
	slot->depth = depth;
	va_start(ap, fmt);
	vsnprintf(slot->text, sizeof(slot->text), fmt, ap);
	va_end(ap);
}

/* The revocation date of x in the CRLs its issuer signed, or -1. */
static time_t
chain_revoked_on(const struct chain_check *ck, X509 *x)
{
	int i;

	for (i = 0; ck->crls != NULL && i < sk_X509_CRL_num(ck->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(ck->crls, i);
		X509_REVOKED *rev = NULL;

		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(x)) != 0)
			continue;
		if (X509_CRL_get0_by_cert(crl, &rev, x) == 1 && rev != NULL)
			return certstore_asn1_time(X509_REVOKED_get0_revocationDate(rev));
	}
	return (time_t)-1;
}

static int
chain_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct chain_check *ck = X509_STORE_CTX_get_app_data(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	int e = X509_STORE_CTX_get_error(ctx), depth = X509_STORE_CTX_get_error_depth(ctx);
	char subj[256] = "?", issuer[256] = "?", when[64];
	const char *what = depth == 0 ? "the certificate" : depth == 1 ? "its issuer" :
	    "a certificate of its chain";
	time_t t;
	int i;

	if (ok || ck == NULL)
		return 1;
	if (cur != NULL) {
		certstore_name_format(X509_get_subject_name(cur), subj, sizeof(subj));
		certstore_name_format(X509_get_issuer_name(cur), issuer, sizeof(issuer));
	}
	switch (e) {
	case X509_V_ERR_CERT_REVOKED:
		if (cur != NULL && (t = chain_revoked_on(ck, cur)) != (time_t)-1) {
			certstore_format_utc(t, when, sizeof(when));
			chain_note(&ck->revoked, depth, "%s %s was revoked on %s "
			    "(the CRL of %s lists it)", what, subj, when, issuer);
		} else {
			chain_note(&ck->revoked, depth, "%s %s is revoked (the CRL of "
			    "%s lists it)", what, subj, issuer);
		}
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		certstore_format_utc(cur != NULL ? certstore_asn1_time(X509_get0_notAfter(cur)) : 0, when,
		    sizeof(when));
		chain_note(&ck->expired, depth, "%s %s expired on %s", what, subj,
		    when);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		certstore_format_utc(cur != NULL ? certstore_asn1_time(X509_get0_notBefore(cur)) : 0, when,
		    sizeof(when));
		chain_note(&ck->notyet, depth, "%s %s is not valid before %s", what,
		    subj, when);
		break;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		/* a self-signed root is not checked (Windows excludes the root too) */
		if (cur != NULL && X509_NAME_cmp(X509_get_subject_name(cur),
		    X509_get_issuer_name(cur)) == 0)
			break;
		for (i = 0; ck->stale != NULL && cur != NULL && i < sk_X509_NAME_num(ck->stale);
		    i++) {
			if (X509_NAME_cmp(sk_X509_NAME_value(ck->stale, i),
			    X509_get_issuer_name(cur)) == 0) {
				chain_note(&ck->unknown, depth, "the revocation status of "
				    "%s cannot be known: the CRL of %s is older than "
				    "revocationfreshnesstime (%lu s) and sysbind fetches no newer one",
				    subj, issuer, ck->freshness);
				return 1;
			}
		}
		chain_note(&ck->nocrl, depth, "revocation of %s not checked: crl holds "
		    "no CRL of %s", subj, issuer);
		break;
	case X509_V_ERR_CRL_HAS_EXPIRED:
		chain_note(&ck->unknown, depth, "the revocation status of %s cannot be "
		    "known: the CRL of %s has expired (its nextUpdate has passed) and sysbind fetches "
		    "no newer one", subj, issuer);
		break;
	case X509_V_ERR_CRL_NOT_YET_VALID:
		chain_note(&ck->unknown, depth, "the revocation status of %s cannot be "
		    "known: the CRL of %s is not valid yet", subj, issuer);
		break;
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
		chain_note(&ck->unknown, depth, "the revocation status of %s cannot be "
		    "known: the CRL of %s cannot be used (%s)", subj, issuer,
		    X509_verify_cert_error_string(e));
		break;
	case X509_V_ERR_INVALID_PURPOSE:
		chain_note(&ck->untrusted, depth, "%s %s is not allowed for client "
		    "authentication (its extended key usage lacks clientAuth; Windows: "
		    "CERT_E_WRONG_USAGE; usagecheck = disable skips this check)", what, subj);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		chain_note(&ck->untrusted, depth, "the certificate %s is self-signed "
		    "and not a trusted root", subj);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		chain_note(&ck->untrusted, depth, "%s %s was issued by %s, which is "
		    "not trusted (no path to a trusted root)", what, subj, issuer);
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		chain_note(&ck->untrusted, depth, "the chain of the certificate ends "
		    "in %s, a root that is not trusted", subj);
		break;
	default:
		chain_note(&ck->untrusted, depth, "%s %s: %s", what, subj,
		    X509_verify_cert_error_string(e));
		break;
	}
	return 1;
}

enum cert_chain_verdict
certstore_client_verdict(X509 *leaf, STACK_OF(X509) *chain, X509_STORE *trust,
    STACK_OF(X509_CRL) *crls, unsigned flags, unsigned long freshness, time_t now,
    char *why, size_t whylen)
{
	struct chain_check ck;
	STACK_OF(X509_CRL) *use = NULL;
	STACK_OF(X509_NAME) *stale = NULL;
	X509_STORE_CTX *ctx = NULL;
	char scratch[512], subj[256], when[64], rev[900];
	enum cert_chain_verdict v = CHAIN_UNTRUSTED;
	int i, check_rev = (flags & CERTSTORE_CHECK_REVOCATION) && crls != NULL;

	if (why == NULL || whylen == 0) {
		why = scratch;
		whylen = sizeof(scratch);
	}
	why[0] = '\0';
	memset(&ck, 0, sizeof(ck));
	if (leaf == NULL) {
		snprintf(why, whylen, "no client certificate");
		return CHAIN_UNTRUSTED;
	}
	certstore_name_format(X509_get_subject_name(leaf), subj, sizeof(subj));
	if (trust == NULL) {
		snprintf(why, whylen, "the certificate %s cannot be trusted: no trusted roots are "
		    "configured ([server] trust = plays the machine's trust store)", subj);
		return CHAIN_UNTRUSTED;
	}
	/* Stale CRLs (issued more than freshness seconds ago) are left out: the revocation
	 * status of what they cover is then unknown (chain_verify_cb says so). */
	if (check_rev) {
		if ((use = sk_X509_CRL_new_null()) == NULL ||
		    (stale = sk_X509_NAME_new_null()) == NULL)
			goto nomem;
		for (i = 0; i < sk_X509_CRL_num(crls); i++) {
			X509_CRL *crl = sk_X509_CRL_value(crls, i);
			time_t last = certstore_asn1_time(X509_CRL_get0_lastUpdate(crl));

			if (freshness > 0 && last != (time_t)-1 && (unsigned long long)now >
			    (unsigned long long)last + freshness) {
				if (!sk_X509_NAME_push(stale, X509_CRL_get_issuer(crl)))
					goto nomem;
				continue;
			}
			if (!sk_X509_CRL_push(use, crl))
				goto nomem;
		}
	}
	ck.crls = use;
	ck.stale = stale;
	ck.freshness = freshness;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, trust, leaf, chain) != 1)
		goto nomem;
	X509_STORE_CTX_set_app_data(ctx, &ck);
	X509_STORE_CTX_set_verify_cb(ctx, chain_verify_cb);
	X509_STORE_CTX_set_time(ctx, 0, now);
	if (flags & CERTSTORE_CHECK_USAGE)
		X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	if (check_rev) {
		X509_STORE_CTX_set0_crls(ctx, use);
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	}
	(void)X509_verify_cert(ctx);   /* every problem went through chain_verify_cb */
	ERR_clear_error();

	if (ck.untrusted.text[0] != '\0') {
		v = CHAIN_UNTRUSTED;
		snprintf(why, whylen, "%s", ck.untrusted.text);
	} else if (ck.revoked.text[0] != '\0') {
		v = CHAIN_REVOKED;
		snprintf(why, whylen, "%s", ck.revoked.text);
	} else if (ck.expired.text[0] != '\0') {
		v = CHAIN_EXPIRED;
		snprintf(why, whylen, "%s", ck.expired.text);
	} else if (ck.notyet.text[0] != '\0') {
		v = CHAIN_NOT_YET_VALID;
		snprintf(why, whylen, "%s", ck.notyet.text);
	} else if (ck.unknown.text[0] != '\0') {
		v = CHAIN_UNTRUSTED;
		snprintf(why, whylen, "%s (Windows: CRYPT_E_REVOCATION_OFFLINE)", ck.unknown.text);
	} else {
		v = CHAIN_OK;
		if (!(flags & CERTSTORE_CHECK_REVOCATION))
			snprintf(rev, sizeof(rev), "revocation not checked "
			    "(verifyclientcertrevocation = disable)");
		else if (crls == NULL)
			snprintf(rev, sizeof(rev), "revocation not checked (no [server] crl: sysbind "
			    "fetches no CRL from the certificate's distribution points)");
		else if (ck.nocrl.text[0] != '\0' && ck.nocrl.depth == 0)
			snprintf(rev, sizeof(rev), "%s", ck.nocrl.text);
		else
			snprintf(rev, sizeof(rev), "not revoked%s%s%s",
			    (flags & CERTSTORE_CHECK_CACHED) ? " (cached CRLs only, as "
			    "verifyrevocationwithcachedclientcertonly asks)" : "",
			    ck.nocrl.text[0] != '\0' ? "; " : "", ck.nocrl.text);
		certstore_format_utc(certstore_asn1_time(X509_get0_notAfter(leaf)), when, sizeof(when));
		snprintf(why, whylen, "the certificate %s chains to a trusted root, is valid until "
		    "%s; %s", subj, when, rev);
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_CRL_free(use);
	sk_X509_NAME_free(stale);
	return v;
nomem:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_CRL_free(use);
	sk_X509_NAME_free(stale);
	snprintf(why, whylen, "the chain could not be checked (out of memory)");
	return CHAIN_UNTRUSTED;
}
