/*
 * chain — the chain HTTP.SYS sends (issue 23): the machine's Intermediate Certification
 * Authorities store ([server] intermediate_store, a directory of CA certificates), the
 * served chain built from a leaf through it as Windows builds it (KB 954755: "The complete
 * certificate chain, except for the root certificate, is sent"), and what a client
 * concludes about a chain that does not reach its roots: incomplete (an intermediate
 * missing, which a browser may fetch by AIA) or stale (an old cross-signed intermediate
 * chosen because it was issued last).  It owns the store and each certificate's record of
 * where its chain came from (struct chain_built, hung on struct cert); certstore loads the
 * certificates, certverdict asks here when the chain fails, the views, the trace and the
 * diagnostic page print what this module writes.  Pure: no sockets; a loaded store is never
 * modified, so any thread may read it.
 */
#ifndef SYSBIND_CHAIN_H
#define SYSBIND_CHAIN_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "model/certstore.h"

/* [server] served_chain: what follows the leaf in the handshake. */
enum chain_serve {
	CHAIN_SERVE_STORE = 0,  /* built through intermediate_store, as Windows does (default) */
	CHAIN_SERVE_FILE = 1,   /* the certificate file's own chain, as written (sysbind <= 22) */
};

/* The deepest chain built (leaf not counted); a longer one is a loop or a misfiled store. */
#define CHAIN_DEPTH_MAX 8

/* The intermediate store: every certificate of the directory's files, with its file. */
struct chain_store;

/*
 * Read every *.pem, *.crt, *.cer, *.der, *.p7b, *.p7c file of dir (PEM, any number of
 * certificates; a PKCS#7 bundle, PEM "BEGIN PKCS7" or DER, Windows' usual export of a
 * chain; or one DER certificate; sorted by name).  A file that holds no certificate is an
 * error naming it ("DIR/x.pem: no certificate in it (PEM, DER or PKCS#7)"), as is a
 * directory that cannot be read; an empty directory is a store of 0 certificates.  Any
 * other entry (hidden ones aside) is not read and listed by chain_store_skipped, for the
 * caller to warn about.  Returns a new store (free with chain_store_free) or NULL with the
 * reason in err.  Start-up only.
 */
struct chain_store *chain_store_load(const char *dir, char *err, size_t errlen);
void chain_store_free(struct chain_store *s);

/* The store's directory as configured, its certificate count, and certificate i (0 ..
 * count - 1, file order) with the file it came from (*file, may be NULL).  Borrowed: they
 * live as long as the store.  Any thread. */
const char *chain_store_dir(const struct chain_store *s);
size_t chain_store_count(const struct chain_store *s);
X509 *chain_store_cert(const struct chain_store *s, size_t i, const char **file);
/* The path of the i-th entry of the directory not read (not a certificate file's name),
 * in name order, or NULL past the last.  Borrowed. */
const char *chain_store_skipped(const struct chain_store *s, size_t i);

/* Where one certificate of a served chain came from. */
struct chain_link {
	char   *from;         /* its file: an intermediate_store file, or the certificate's own
	                       * file (a PFX's or PEM's extra certificate, imported) */
	int     from_store;   /* 1: from intermediate_store */
	char   *passed_over;  /* another certificate that could have followed the previous one
	                       * (same subject, issued before it or not valid now): its file,
	                       * or NULL when it had no rival */
	time_t  not_before;   /* of the one chosen, and of the one passed over */
	time_t  passed_not_before;
};

/* The record of a chain built by chain_serve: one link per certificate of cert->chain. */
struct chain_built {
	char              *store_dir;  /* intermediate_store, or NULL: only the file's extras */
	struct chain_link *links;
	size_t             nlinks;
	char               root[512];  /* the self-signed root the path reached (left out, as
	                                * Windows leaves it out), "" when none was found */
	char               missing[512]; /* the issuer the path stops at without finding, ""
	                                  * when it reached a root */
};

void chain_built_free(struct chain_built *b);
/* A deep copy, or NULL (b NULL, or no memory). */
struct chain_built *chain_built_dup(const struct chain_built *b);

/*
 * Build the chain c is served with, as Windows builds it: from the leaf, each issuer
 * looked up among the store's certificates and c's own extra certificates (a PFX's or
 * PEM's, which count as imported into the store) by X509_check_issued (subject name, and
 * the authority key identifier against the subject key identifier); a certificate valid at
 * now preferred; among equals the one issued last (notBefore); the path stops before a
 * self-signed root (never sent), at a certificate whose issuer is found nowhere, at one
 * already in the path (a loop) or after CHAIN_DEPTH_MAX.  c->chain becomes that chain and
 * c->built its record (both owned by c).  store may be NULL (only the file's extras).
 * Returns 0, or -1 (no memory: c as before).  Load time only, before c is shared.
 */
int chain_serve(struct cert *c, const struct chain_store *store, time_t now);

/*
 * The judgement of a chain a client cannot take to a root in trust, for certstore_verdict:
 * given how X509_verify_cert failed on c's chain as sent (verr at depth, the certificate
 * there cur), decide among VERDICT_INCOMPLETE_CHAIN (an issuer is missing and the
 * certificate lacking it names an AIA caIssuers URL a browser fetches it from),
 * VERDICT_STALE_INTERMEDIATE (the chain reaches an expired CA through an intermediate
 * chosen over a rival of the same name) and VERDICT_UNTRUSTED (anything else: no AIA URL
 * means every client fails), with one sentence in why.  Any thread.
 */
enum cert_verdict chain_judge(const struct cert *c, int verr, int depth, X509 *cur,
    time_t now, char *why, size_t whylen);

#define CHAIN_LINE_MAX 640

/* The chain as sent, one certificate per line into lines[i]: "0 CN=leaf
 * (the certificate)", "1 CN=R3 (from DIR/r3.pem)", and "root CN=X left out" when the
 * built path reached one.  Returns the number of lines written (at most max). */
size_t chain_sent_lines(const struct cert *c, char lines[][CHAIN_LINE_MAX], size_t max);

/* One client family's outcome for a verdict. */
struct chain_client {
	const char *family;   /* "Chrome, Edge, Safari" */
	const char *gets;     /* what it shows, with its error text */
};

/* The client families' outcomes for v (only VERDICT_INCOMPLETE_CHAIN and
 * VERDICT_STALE_INTERMEDIATE have some): a static table, *n entries, or NULL. */
const struct chain_client *chain_clients(enum cert_verdict v, size_t *n);

/* The fix for an incomplete or stale chain: which file to put in intermediate_store, or
 * which stale one to remove; for an untrusted one whose built path stopped at an issuer
 * the store lacks, that issuer ("" otherwise).  Returns buf (always terminated). */
const char *chain_fix(const struct cert *c, enum cert_verdict v, char *buf, size_t len);

#endif
