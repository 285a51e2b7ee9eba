/*
 * worker — the event-loop threads of the daemon (`workers = N | auto`).  Each worker has
 * its own event base, its own listening sockets (SO_REUSEPORT), its own backend pools and
 * connections; nothing is shared on the request path but one configuration generation
 * (read-only, reference-counted) and the process-wide connection count (one atomic add per
 * connection, for max_connections).  The daemon's thread talks to a worker only through
 * worker_reload and worker_stop, which post a command and wake the worker's loop.
 */
#ifndef SYSBIND_WORKER_H
#define SYSBIND_WORKER_H

#include <stdatomic.h>
#include <stddef.h>

struct conf;
struct tlsctx;
struct accesslog;
struct worker;

/*
 * One configuration generation: the loaded configuration with its certificates, the TLS
 * context built from it and the logs it names.  Read-only once made; every worker
 * connection server of that generation holds a reference, so a reload never frees what a
 * connection in flight still reads.
 */
struct upstream_addrs;

struct worker_gen {
	struct conf      *cfg;      /* owned */
	struct tlsctx    *tls;      /* owned */
	struct upstream_addrs *addrs; /* owned: the backends, resolved before it serves */
	unsigned         *site_slots; /* owned: per cfg->sites[i], its counters' slot (stats.h) */
	struct accesslog *access;   /* borrowed from the daemon (which closes logs at exit) */
	struct accesslog *httperr;  /* borrowed; NULL: off */
	int               trace;    /* cfg->trace or -v */
	unsigned          number;   /* 1 at start, +1 per successful reload */
	atomic_ulong      refs;
	/* A reload's completion: each worker that switched to this generation (or tried and
	 * kept its old one) adds 1 to applied, then writes 1 to applied_fd (an eventfd of
	 * the daemon's, borrowed; -1: nobody listens). */
	atomic_ulong      applied;
	int               applied_fd;
};

/*
 * A generation for cfg (ownership of cfg passes to it on success only): builds the TLS
 * contexts and resolves the backends (in the caller's thread, never in an event loop).
 * The application pools of prev (the generation serving now, NULL at start; borrowed)
 * whose names cfg keeps carry over (upstream_addrs_new).  Returns it with one reference,
 * or NULL with a message in err.
 */
struct worker_gen *worker_gen_new(struct conf *cfg, const struct worker_gen *prev,
    struct accesslog *access, struct accesslog *httperr, int trace, unsigned number,
    char *err, size_t errlen);
/* Take / drop a reference (any thread); the last drop frees the generation. */
void worker_gen_hold(struct worker_gen *g);
void worker_gen_release(struct worker_gen *g);
/* g serves now: its sites and backends are the ones /metrics shows (daemon's thread). */
void worker_gen_publish(const struct worker_gen *g);

/* The number of workers `workers = n` asks for (0 = auto: one per online CPU), 1..64. */
unsigned worker_count(int n);

/*
 * Make worker index (0-based) for generation g (a reference is taken): its event base,
 * backend pool and listening sockets, bound now in the calling thread so errors come back
 * here ("cannot listen: ...").  shared_nconns: the process-wide connection count.
 * drain_seconds bounds the drain after worker_stop.  Returns the worker or NULL with err.
 */
struct worker *worker_new(unsigned index, struct worker_gen *g, atomic_ulong *shared_nconns,
    unsigned drain_seconds, char *err, size_t errlen);

/* Start the worker's thread (with every signal blocked: the daemon's thread takes them).
 * Returns 0 or -1 with err. */
int worker_start(struct worker *w, char *err, size_t errlen);

/* Ask the worker to switch to generation g (it takes its own reference): new connections
 * use g, its listeners follow g's bindings, connections in flight keep theirs. */
void worker_reload(struct worker *w, struct worker_gen *g);

/* The number of sockets the worker listens on now (any thread). */
size_t worker_listener_count(const struct worker *w);

/* Ask the worker to stop: close its listeners and idle connections, let requests in flight
 * finish for up to drain_seconds, then leave its loop. */
void worker_stop(struct worker *w);

/* Wait for a started worker's thread to end (after worker_stop). */
void worker_join(struct worker *w);

/* Close everything the worker still holds and free it (its thread ended or never started).
 * NULL is a no-op. */
void worker_free(struct worker *w);

/* Free the memory the calling thread keeps for reuse (connection blocks, parser buffers,
 * exchanges): a worker thread does it as it ends, the daemon after worker_free. */
void worker_caches_free(void);

#endif
