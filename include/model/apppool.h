/*
 * apppool — an IIS application pool's request queue and rapid-fail protection, as
 * HTTP.SYS and WAS decide them (issue 25): whether a request may wait (queueLength),
 * when backend failures stop the pool (rapidFailProtection, MaxCrashes within Interval),
 * and what a request the pool cannot take gets (loadBalancerCapabilities and the queue's
 * 503 verbosity).  The decisions are pure functions; struct apppool_state is one pool's
 * live numbers, shared by every worker thread and carried from generation to generation
 * while the pool keeps its name (C11 atomics and one mutex for the failure window and the
 * queue order), read by the counters through apppool_snapshot.
 */
#ifndef SYSBIND_APPPOOL_H
#define SYSBIND_APPPOOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/conf.h"

/* Why a request was refused: the HTTPERR reason phrases of KB 820729. */
enum apppool_reason {
	APPPOOL_QUEUE_FULL = 0,   /* QueueFull: the application request queue is full */
	APPPOOL_APP_OFFLINE,      /* AppOffline: rapid-fail protection stopped the pool */
	APPPOOL_NREASONS
};

/* What the client gets for a refusal. */
enum apppool_answer {
	APPPOOL_ANSWER_RESET = 0,  /* no bytes: the connection (h2: the stream) is reset */
	APPPOOL_ANSWER_LIMITED,    /* 503 Service Unavailable, the connection closed */
	APPPOOL_ANSWER_FULL,       /* 503 with the detailed reason phrase */
};

/* The answer of a pool with these settings: TcpLevel or Basic reset; else the page. */
enum apppool_answer apppool_answer(enum conf_load_balancer lb, enum conf_verbosity v);

/* "QueueFull", "AppOffline" (HTTPERR s-reason). */
const char *apppool_reason_name(enum apppool_reason r);

/* The detailed reason phrase of Full verbosity: the IIS 6 Resource Kit's "Reason String"
 * of table 11.11 (unverified for the Vista+ API: no capture of a Full 503 is known). */
const char *apppool_reason_phrase(enum apppool_reason r);

/* Whether one more request may wait in a queue holding queued, of queue_length: with
 * queueLength N, N may wait and the (N+1)th is refused.  Returns 1 or 0. */
int apppool_admit(unsigned long queued, unsigned long queue_length);

/* A rapid-fail window: the count of failures since the window opened. */
struct apppool_window {
	time_t        start;   /* when its first failure came (0: none yet) */
	unsigned long count;
};

/*
 * One failure at now in window w (max crashes, interval in seconds): a failure later than
 * start + interval opens a new window.  Returns 1 when the count reaches max (the pool is
 * to stop), else 0.  Pure.
 */
int apppool_window_fail(struct apppool_window *w, time_t now, unsigned long max,
    unsigned long interval);

/* The pool's state, as appcmd names it. */
enum apppool_run { APPPOOL_STARTED = 0, APPPOOL_STOPPED };

/* One pool's live numbers, shared by the workers and by the generations that keep its
 * name (a reload carries it: the busy connections and the waiting requests stay counted,
 * in their order).  Reference counted: each generation naming the pool holds one. */
struct apppool_state {
	atomic_uint     refs;
	atomic_ulong    max;        /* backend_max_connections of the newest generation */
	atomic_ulong    seq;        /* the last ticket given to a waiting request */
	atomic_ulong    busy;       /* backend connections the pool's requests hold */
	atomic_ulong    queued;     /* requests waiting for one (CurrentQueueSize) */
	atomic_ulong    arrived;    /* requests that reached the pool (ArrivalRate's count) */
	atomic_ulong    rejected[APPPOOL_NREASONS];  /* RejectedRequests, by reason */
	atomic_ulong    failures;   /* backend failures counted, ever */
	atomic_int      run;        /* enum apppool_run */
	pthread_mutex_t lock;       /* the window and the heads */
	struct apppool_window window;
	/* The first waiter of each waiting list that has one (a worker's queue of the pool, one
	 * per worker and generation: FIFO, so its first is its oldest): its ticket (the pool's
	 * order across lists) and when it started waiting (MaxQueueItemAge).  Changed only
	 * when a list's first changes (under lock). */
	struct apppool_head {
		const void *list;
		uint64_t    seq;        /* its ticket (apppool_ticket) */
		uint64_t    since_ms;   /* monotonic (clock_now_ms) */
	}              *heads;
	size_t          nheads, capheads;
};

void apppool_state_init(struct apppool_state *s);
void apppool_state_clear(struct apppool_state *s);

/* A new pool's state (one reference held, started, limit max), NULL when out of memory;
 * hold takes one more reference, release gives one back (the last frees it; NULL is a
 * no-op).  Any thread. */
struct apppool_state *apppool_state_new(unsigned long max);
void apppool_state_hold(struct apppool_state *s);
void apppool_state_release(struct apppool_state *s);

/* A generation that names the pool starts serving (a reload "starts" it, as WAS starts a
 * pool): a pool stopped by rapid-fail protection is started and its failure window
 * emptied; max becomes its limit.  What it holds and what waits stays.  Any thread. */
void apppool_start(struct apppool_state *s, unsigned long max);

/* The next ticket of the pool's waiting order (1, 2, ...).  Any thread. */
uint64_t apppool_ticket(struct apppool_state *s);

/* Whether the first waiter (ticket seq) of list is the pool's longest waiting: no other
 * list's first holds an older ticket.  Returns 1 or 0 (1 as well when the lists' firsts
 * could not all be recorded: nobody waits forever for an entry it cannot see). */
int apppool_first(struct apppool_state *s, const void *list, uint64_t seq);

/* Take one of max backend connections (0: no limit).  Returns 0, or -1 when all are
 * busy.  Any thread. */
int apppool_slot_take(struct apppool_state *s, unsigned long max);
/* Give one back. */
void apppool_slot_put(struct apppool_state *s);

/* The first waiter of list (any pointer naming one waiting list) holds ticket seq and
 * started waiting at since_ms; seq 0: the list is empty now.  Out of memory: that list is
 * not seen (the age reads lower, and its first does not hold the others back).  Any
 * thread. */
void apppool_head_set(struct apppool_state *s, const void *list, uint64_t seq,
    uint64_t since_ms);

/* Count a refusal for reason. */
void apppool_reject(struct apppool_state *s, enum apppool_reason r);

/* A backend failure of the pool of site: counted, and with rapid_fail on the pool stops
 * at the site's rapid_fail_max_crashes within rapid_fail_interval.  Returns 1 when this
 * failure stopped it, else 0.  Any thread. */
int apppool_failure(struct apppool_state *s, const struct conf_site *site, time_t now);

/* What the counters and `netsh http show servicestate` read. */
struct apppool_snapshot {
	unsigned long   busy, queued, arrived, failures;
	unsigned long   rejected[APPPOOL_NREASONS];
	enum apppool_run run;
	unsigned long   window_count;   /* failures in the current window */
	uint64_t        oldest_ms;      /* when the longest-waiting request started waiting
	                                 * (monotonic ms), 0: none waits (MaxQueueItemAge) */
};
void apppool_snapshot(struct apppool_state *s, struct apppool_snapshot *out);

/* The pool's name: the site's app_pool, else its name. */
const char *apppool_name(const struct conf_site *site);

/*
 * Group cfg's sites by pool (HTTP.SYS: a pool is one request queue): of_site[i] gets the
 * index, 0 to *npools - 1, of the pool of cfg->sites[i], numbered in order of first use;
 * names compare as IIS compares them, ASCII case ignored.  of_site holds cfg->nsites.
 * Returns 0, or -1 when out of memory.  One hash lookup per site.
 */
int apppool_group(const struct conf *cfg, size_t *of_site, size_t *npools);

/* Whether two sites of one pool set it alike (queue_length, rapid_fail*, load_balancer,
 * verbosity, backend_max_connections): NULL, or the first key they differ on. */
const char *apppool_differs(const struct conf_site *a, const struct conf_site *b);

/* "Started" / "Stopped" as appcmd prints state:. */
const char *apppool_run_name(enum apppool_run r);

#endif
