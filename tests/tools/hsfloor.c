/*
 * hsfloor — the OpenSSL handshake floor behind scripts/bench.sh's "CPU per new connection
 * within 1.4 x the floor" check: full TLS handshakes between a client SSL and a server SSL
 * in one thread, over a BIO pair (no socket, no kernel, no event loop), and the CPU time the
 * SERVER side spends on each.  Usage:
 *   hsfloor --cert PEM --key PEM [--seconds S] [--count N] [--sni NAME] [--tickets N]
 * Runs until N handshakes are done (default 100000) or S seconds have passed (default 3),
 * whichever comes first, then prints one line:
 *   floor N server_us S client_us C process_us P VERSION CIPHER GROUP
 * S: server CPU µs per handshake; C: the client's; P: the whole process's (getrusage, per
 * handshake: S + C + the loop's own cost and the timing calls).  Exit status 0, 1 when a
 * handshake fails, 2 on bad usage or an unreadable certificate or key.
 *
 * The server's SSL_CTX is set up as sysbind's tlsctx.c sets up its own: TLS 1.2 minimum,
 * no renegotiation, server cipher preference, no compression, released buffers, no chain
 * building, the server session cache, one TLS 1.3 ticket (--tickets changes that).  The
 * client is a default TLS_client_method() context with no verification, a new SSL object
 * per handshake and no session to resume: the handshake the bench's churn client
 * (idleconns --churn) makes, so the version, cipher and key-exchange group are the ones the
 * proxies negotiate (printed, for the bench to show next to theirs).
 *
 * Method: each handshake alternates SSL_do_handshake on the client and on the server until
 * both have finished, the BIO pair carrying the flights between them.  Everything done on
 * the server's behalf — SSL_new, attaching its BIO, each SSL_do_handshake call (which in
 * TLS 1.3 includes writing the session ticket) and SSL_free — is bracketed by
 * clock_gettime(CLOCK_THREAD_CPUTIME_ID), the scheduler's nanosecond count of this
 * thread's CPU time; likewise the client's.  The cost of one bracketing (measured first,
 * over 10000 empty brackets) is subtracted from each.  What the proxy adds on top of this
 * floor is its own: accept, the socket reads and writes, the event loop, the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "floorctx.h"

/* One bracketed stretch of this thread's CPU time, in ns. */
static long long
hsfloor_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
hsfloor_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The cost of one empty bracket (two clock reads), in ns: the median of 10001. */
static long long
hsfloor_bracket_ns(void)
{
	enum { N = 10001 };
	static long long v[N];
	long long t;
	int i;

	for (i = 0; i < N; i++) {
		t = hsfloor_now_ns();
		v[i] = hsfloor_now_ns() - t;
	}
	qsort(v, N, sizeof(v[0]), hsfloor_cmp);
	return v[N / 2];
}

static double
hsfloor_rusage_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
	    (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

struct hsfloor_run {
	long long server_ns;   /* summed over handshakes, bracket cost subtracted */
	long long client_ns;
	long long bracket_ns;
	char version[32];
	char cipher[64];
	char group[32];
};

/* Time one bracketed stretch: adds its CPU ns (less the bracket) to *sum. */
#define HSFLOOR_TIMED(sum, br, stmt) do {				\
	long long t0_ = hsfloor_now_ns();				\
	stmt;								\
	long long d_ = hsfloor_now_ns() - t0_ - (br);			\
	*(sum) += d_ > 0 ? d_ : 0;					\
} while (0)

/* One full handshake.  Returns 0 or -1 (OpenSSL's reason printed). */
static int
hsfloor_handshake(SSL_CTX *sctx, SSL_CTX *cctx, const char *sni, struct hsfloor_run *r)
{
	SSL *s = NULL, *c = NULL;
	BIO *sbio = NULL, *cbio = NULL;
	int sdone = 0, cdone = 0, rounds, rc = -1, ret;
	long long br = r->bracket_ns;

	if (BIO_new_bio_pair(&sbio, 0, &cbio, 0) != 1)
		goto out;
	HSFLOOR_TIMED(&r->client_ns, br,
	    c = SSL_new(cctx);
	    if (c != NULL) {
		    SSL_set_bio(c, cbio, cbio);
		    SSL_set_connect_state(c);
		    if (sni != NULL)
			    SSL_set_tlsext_host_name(c, sni);
	    });
	if (c == NULL)
		goto out;
	cbio = NULL;
	HSFLOOR_TIMED(&r->server_ns, br,
	    s = SSL_new(sctx);
	    if (s != NULL) {
		    SSL_set_bio(s, sbio, sbio);
		    SSL_set_accept_state(s);
	    });
	if (s == NULL)
		goto out;
	sbio = NULL;
	/* a TLS 1.3 full handshake takes 2 client and 2 server turns; 20 means stuck */
	for (rounds = 0; rounds < 20 && !(sdone && cdone); rounds++) {
		if (!cdone) {
			HSFLOOR_TIMED(&r->client_ns, br, ret = SSL_do_handshake(c));
			if (ret == 1)
				cdone = 1;
			else if (SSL_get_error(c, ret) != SSL_ERROR_WANT_READ)
				goto out;
		}
		if (!sdone) {
			HSFLOOR_TIMED(&r->server_ns, br, ret = SSL_do_handshake(s));
			if (ret == 1)
				sdone = 1;
			else if (SSL_get_error(s, ret) != SSL_ERROR_WANT_READ)
				goto out;
		}
	}
	if (!(sdone && cdone))
		goto out;
	if (r->version[0] == '\0') {
		int nid = SSL_get_shared_group(s, 0);
		const char *g = nid > 0 ? OBJ_nid2sn(nid) : NULL;

		snprintf(r->version, sizeof(r->version), "%s", SSL_get_version(s));
		snprintf(r->cipher, sizeof(r->cipher), "%s", SSL_get_cipher_name(s));
		snprintf(r->group, sizeof(r->group), "%s", g != NULL ? g : "?");
	}
	rc = 0;
out:
	if (rc != 0) {
		fprintf(stderr, "hsfloor: handshake failed: ");
		ERR_print_errors_fp(stderr);
	}
	HSFLOOR_TIMED(&r->server_ns, br, SSL_free(s));
	HSFLOOR_TIMED(&r->client_ns, br, SSL_free(c));
	BIO_free(sbio);
	BIO_free(cbio);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *sni = "localhost";
	long count = 100000, done = 0;
	int secs = 3, tickets = 1, i;
	struct hsfloor_run r;
	struct timespec start, now;
	SSL_CTX *sctx, *cctx;
	double u0, u1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
			cert = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			secs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else if (strcmp(argv[i], "--sni") == 0 && i + 1 < argc)
			sni = argv[++i];
		else if (strcmp(argv[i], "--tickets") == 0 && i + 1 < argc)
			tickets = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: hsfloor --cert PEM --key PEM [--seconds S] "
			    "[--count N] [--sni NAME] [--tickets N]\n");
			return 2;
		}
	}
	if (cert == NULL || key == NULL || secs < 1 || secs > 600 || count < 1 ||
	    tickets < 0 || tickets > 16) {
		fprintf(stderr, "hsfloor: --cert and --key are required; --seconds 1..600, "
		    "--count >= 1, --tickets 0..16\n");
		return 2;
	}
	if ((sctx = floor_server_ctx("hsfloor", cert, key, tickets)) == NULL)
		return 2;
	if ((cctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(sctx);
		return 1;
	}
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	memset(&r, 0, sizeof(r));
	r.bracket_ns = hsfloor_bracket_ns();
	/* one untimed handshake: first-use costs (lazy tables, the session cache) are not
	 * the floor */
	if (hsfloor_handshake(sctx, cctx, sni, &r) != 0)
		return 1;
	r.server_ns = r.client_ns = 0;
	u0 = hsfloor_rusage_us();
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (done < count) {
		if (hsfloor_handshake(sctx, cctx, sni, &r) != 0)
			return 1;
		done++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > secs ||
		    (now.tv_sec - start.tv_sec == secs && now.tv_nsec >= start.tv_nsec))
			break;
	}
	u1 = hsfloor_rusage_us();
	printf("floor %ld server_us %.1f client_us %.1f process_us %.1f %s %s %s\n", done,
	    (double)r.server_ns / 1e3 / (double)done, (double)r.client_ns / 1e3 / (double)done,
	    (u1 - u0) / (double)done, r.version, r.cipher, r.group);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return 0;
}
