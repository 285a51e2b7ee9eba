/*
 * stats — the daemon's live counters, what the admin listener's /metrics shows.  Each
 * event-loop thread counts into its own block (thread-local, `stats_self`): plain 64-bit
 * loads and stores with relaxed C11 atomics, one writer per block, so an increment is a
 * load, an add and a store (no lock prefix on x86-64, no lock, no shared cache line).  The
 * admin listener, on the daemon's thread, sums every registered block when scraped
 * (relaxed loads: a scrape may miss an increment of the same instant, never tears one).
 *
 * Sites and backends are counted in slots: a slot is a name ("MySite V1", "127.0.0.1:8081")
 * given one index for the daemon's life (stats_slot), so a site a reload keeps keeps
 * counting in the same series.  stats_live says which slots the serving generation has:
 * only those are shown; a removed site's counts stay in its slot (shown again, not
 * restarted, if a later reload brings the name back).
 *
 * Adding a series: a field here, its increment where the event happens, and its lines in
 * stats_write (stats.c).  The registry's mutex is taken at thread start and end, at a
 * generation's creation and at a scrape, never on the request path.
 */
#ifndef SYSBIND_STATS_H
#define SYSBIND_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STATS_SLOTS_MAX  1024           /* sites (and backends) named over the daemon's life */
#define STATS_SLOT_NONE  0xffffffffu    /* a name past STATS_SLOTS_MAX: not counted */
#define STATS_STATUS_MAX 600            /* statuses 100..599 are counted */
#define STATS_STEPS      6              /* enum cert_step 1..5, 0 unused */
#define STATS_VERDICTS   6              /* enum cert_verdict */
#define STATS_REASONS    56             /* room for the HTTPERR reasons of stats.c's table */

typedef _Atomic uint64_t stats_u64;
typedef _Atomic int64_t  stats_i64;

enum stats_kind { STATS_SITE = 0, STATS_BACKEND, STATS_NKINDS };
enum stats_proto { STATS_H1 = 0, STATS_H2, STATS_NPROTO };
enum stats_hs { STATS_HS_OK = 0, STATS_HS_FAILED, STATS_HS_REFUSED, STATS_NHS };

/* One site's counts in one thread (made on its first request there). */
struct stats_site {
	stats_u64 status[STATS_STATUS_MAX];    /* requests answered, by status */
};

/* One backend's counts in one thread. */
struct stats_backend {
	stats_u64 opened, failed;   /* connections that connected; that could not */
	stats_i64 open, idle;       /* gauges: open now (busy = open - idle), idle in the pool */
};

struct stats {
	stats_u64 conns_total[STATS_NPROTO];     /* connections by framing */
	stats_i64 conns[STATS_NPROTO];           /* open now */
	stats_i64 conns_idle[STATS_NPROTO];      /* open, no request in flight */
	stats_i64 streams;                       /* HTTP/2 streams open now */
	stats_u64 streams_total;
	stats_u64 handshakes[STATS_STEPS][STATS_NHS];
	stats_u64 verdicts[STATS_VERDICTS];
	stats_u64 httperr[STATS_REASONS + 1];    /* the last: a reason not in the table */
	stats_u64 bytes_in[2], bytes_out[2];     /* by enum binding_proto (http, https) */
	_Atomic(struct stats_site *)    site[STATS_SLOTS_MAX];
	_Atomic(struct stats_backend *) backend[STATS_SLOTS_MAX];
};

/* This thread's block.  Threads that never attach count into it too; nobody reads it. */
extern __thread struct stats stats_self;

/* Add n to a counter (or gauge) of this thread's block: one writer, no atomic RMW. */
static inline void
stats_add(stats_u64 *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

static inline void
stats_gauge(stats_i64 *g, int64_t d)
{
	atomic_store_explicit(g, atomic_load_explicit(g, memory_order_relaxed) + d,
	    memory_order_relaxed);
}

/* This thread's counts of site slot, made on first use (NULL: STATS_SLOT_NONE, or out of
 * memory).  The _make functions are the slow path of the first use. */
struct stats_site *stats_site_make(unsigned slot);
struct stats_backend *stats_backend_make(unsigned slot);

static inline struct stats_site *
stats_site_get(unsigned slot)
{
	struct stats_site *s = slot < STATS_SLOTS_MAX ?
	    atomic_load_explicit(&stats_self.site[slot], memory_order_relaxed) : NULL;

	return s != NULL ? s : stats_site_make(slot);
}

/* This thread's counts of backend slot (as stats_site_get). */
static inline struct stats_backend *
stats_backend_get(unsigned slot)
{
	struct stats_backend *b = slot < STATS_SLOTS_MAX ?
	    atomic_load_explicit(&stats_self.backend[slot], memory_order_relaxed) : NULL;

	return b != NULL ? b : stats_backend_make(slot);
}

/* A request of site slot answered with status (the W3C line's). */
static inline void
stats_request(unsigned slot, int status)
{
	struct stats_site *s;

	if (status >= 100 && status < STATS_STATUS_MAX && (s = stats_site_get(slot)) != NULL)
		stats_add(&s->status[status], 1);
}
/* An HTTPERR line's reason (a refusal or a connection cut short). */
void stats_httperr(const char *reason);

/* Register this thread's block for the scrapes (a worker thread, when it starts).
 * Returns 0 / -1.  stats_thread_detach, before the thread ends: its block is no longer
 * summed and its per-site and per-backend counts are freed (any thread, attached or
 * not: the daemon's thread frees what the last closes counted there). */
int stats_thread_attach(void);
void stats_thread_detach(void);

/* The slot of name in kind's registry (made now if new).  STATS_SLOT_NONE when the
 * registry is full (logged once).  Any thread, not the request path (takes the mutex). */
unsigned stats_slot(enum stats_kind kind, const char *name);
/* The slots of the serving generation: only these are shown from now on. */
void stats_live(enum stats_kind kind, const unsigned *slots, size_t n);

/* A reload: ok 1 applied, 0 refused (the daemon's thread). */
void stats_reload(int ok);

/* Write every series (the registry's mutex held while summing), and the request queues'
 * of ss (NULL: none; core/servicestate.h, read by the caller from the serving
 * generation).  Returns 0, or -1 when the writer refused a line (a bug: logged). */
struct servicestate;
int stats_write(FILE *f, const struct servicestate *ss);

/* Free the registry (the daemon's end). */
void stats_free(void);

#endif
