/*
 * servicestate — the request queues of the serving configuration generation as HTTP.SYS
 * would hold them (issue 25): one queue per application pool (named after it, as IIS names
 * its pools' queues), with its sites' bindings as the URLs of their URL groups and the
 * pool's live numbers (model/apppool.h).  Read by the admin listener, on the daemon's
 * thread, for /metrics (stats.c writes the queue series from it) and for /servicestate,
 * `netsh http show servicestate view=requestq`'s text.  It does not count anything: the
 * numbers are the pools' (exchange.c, queue.c, upstream.c count them).
 */
#ifndef SYSBIND_SERVICESTATE_H
#define SYSBIND_SERVICESTATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/apppool.h"

struct conf;
struct conf_site;
struct upstream_addrs;

/* One request queue (an application pool). */
struct servicestate_queue {
	const char             *name;     /* the pool's name (apppool_name; borrowed from cfg) */
	const struct conf_site *site;     /* its first site, whose settings are the pool's */
	size_t                  first;    /* cfg->sites index of its first site; the others
	                                   * follow servicestate.next */
	struct apppool_snapshot snap;     /* its numbers (summed over its sites' states while
	                                   * sites of one name hold separate ones) */
	uint64_t                age_ms;   /* MaxQueueItemAge: how long its oldest waiting
	                                   * request has waited, 0: none waits */
};

struct servicestate {
	const struct conf         *cfg;   /* borrowed */
	struct servicestate_queue *v;     /* in the order of their first sites */
	size_t                     n;
	size_t                    *next;  /* per cfg->sites[i]: the next site of its pool,
	                                   * SIZE_MAX: the last */
};

/*
 * Read the queues of cfg (whose generation's addrs hold the pools' states; both borrowed:
 * the caller holds the generation) at now_ms (clock_read_ms).  Returns 0, or -1 when out
 * of memory (ss is then empty).  Clear ss with servicestate_clear either way.
 */
int servicestate_collect(struct servicestate *ss, const struct conf *cfg,
    const struct upstream_addrs *addrs, uint64_t now_ms);
void servicestate_clear(struct servicestate *ss);

/* The text of `netsh http show servicestate view=requestq` for ss, pid the process
 * attached to every started queue (CRLF line ends, as sysbind's netsh views). */
void servicestate_write(FILE *f, const struct servicestate *ss, long pid);

/* "Basic", "Limited" or "Full": the 503 verbosity a queue of site's settings has (TcpLevel
 * is Basic: no 503 is sent). */
const char *servicestate_verbosity(const struct conf_site *site);

/* A binding as the URL IIS registers for it, upper-case as netsh prints it:
 * "HTTPS://SITEV1.MYSITE.COM:443/", "HTTP://127.0.0.1:8000:127.0.0.1/"; a star for All
 * Unassigned with no host: "HTTP://(star):80/". */
struct binding;
void servicestate_url(const struct binding *b, char *buf, size_t len);

#endif
