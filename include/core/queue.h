/*
 * queue — the requests of one worker thread waiting in their sites' request queues
 * (HTTP.SYS's queue of an application pool) for a backend connection.  The numbers
 * shared by every worker (how many wait, how many connections are busy) are the pool's
 * struct apppool_state; this module keeps this thread's waiting entries, first come first
 * served per pool, and hands them a free connection at the next loop pass after one is
 * given back (queue_kick), or within QUEUE_RETRY_MS when another worker gave it back.
 * The order holds across workers and generations: each entry holds a ticket of its pool
 * (apppool_ticket), and a list's first is handed a connection only while no other list
 * of the pool (another worker's, or another generation's) has an older first
 * (apppool_first).  Event-loop thread only.
 */
#ifndef SYSBIND_QUEUE_H
#define SYSBIND_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct conf;
struct apppool_state;
struct queue;

/* A waiting request: embedded in its owner (an exchange), which stays alive while the
 * entry is queued and cancels it (queue_cancel) before it goes. */
struct queue_entry {
	struct queue_entry *prev, *next;
	struct queue       *q;        /* NULL: not queued */
	size_t              site;     /* cfg->sites[site] */
	size_t              pool;     /* its pool's queue */
	int               (*ready)(void *arg);   /* a connection may be free now: try again;
	                                      * 1: it queued itself again (e is not touched
	                                      * after the call: its owner may be gone) */
	void               *arg;
	uint64_t            since_ms; /* when it started waiting (kept when it goes back to
	                               * the head): its pool's MaxQueueItemAge */
	uint64_t            seq;      /* its ticket in the pool's order (kept likewise) */
};

/* A queue set for one worker's generation: one queue per application pool (sites naming
 * one pool wait in one queue, first come first served across them), states[k] the
 * shared state of pool k, pool_of[i] the pool of cfg->sites[i] (all borrowed: they
 * outlive the queue).  Returns NULL when out of memory. */
struct queue *queue_new(struct event_base *base, const struct conf *cfg,
    struct apppool_state *const *states, size_t npools, const size_t *pool_of);
/* Free q; entries still queued are let go (their owners are closing). */
void queue_free(struct queue *q);

/*
 * Put e in site's queue (at its head with front: a request that was woken and found the
 * connection taken by another worker keeps its place).  The caller decided it may wait
 * (apppool_admit); this counts it in the pool's queued number.  ready(arg) is called
 * from the queue's own event, never from inside queue_wait or queue_kick.
 */
void queue_wait(struct queue *q, size_t site, struct queue_entry *e, int front,
    int (*ready)(void *arg), void *arg);
/* Take e out of its queue (no-op when it is not queued). */
void queue_cancel(struct queue_entry *e);
/* A backend connection of site was given back on this thread: its first waiter is handed
 * it at the next loop pass. */
void queue_kick(struct queue *q);
/* Requests waiting on this thread. */
size_t queue_waiting(const struct queue *q);

#endif
