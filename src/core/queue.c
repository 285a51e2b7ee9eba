/*
 * queue — one worker's waiting requests, per application pool (see queue.h).  Owns the
 * entries' lists and the event that wakes them; not the requests (exchange.c) nor the shared numbers
 * (model/apppool.c).  A pool with waiters is on the active list, so a wake looks only at
 * pools that have some: a configuration of 100,000 sites costs nothing while none waits.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <event2/event.h>

#include "model/apppool.h"
#include "model/conf.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/queue.h"

#define QUEUE_RETRY_MS 20   /* a connection freed on another worker is seen this late */

struct queue_site {
	struct queue_entry *head, *tail;
	size_t              next_active;   /* index + 1 of the next active pool, 0: last */
	int                 active;
};

struct queue {
	const struct conf    *cfg;
	struct apppool_state *const *states;
	struct queue_site    *v;         /* per pool */
	size_t                npools;
	const size_t         *pool_of;
	size_t                first_active;  /* index + 1, 0: none */
	size_t                waiting;
	struct event         *wake;
	int                   wake_on;
};

static void queue_wake_cb(evutil_socket_t fd, short what, void *arg);

struct queue *
queue_new(struct event_base *base, const struct conf *cfg,
    struct apppool_state *const *states, size_t npools, const size_t *pool_of)
{
	struct queue *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->cfg = cfg;
	q->states = states;
	q->npools = npools;
	q->pool_of = pool_of;
	if ((npools > 0 && (q->v = calloc(npools, sizeof(*q->v))) == NULL) ||
	    (q->wake = evtimer_new(base, queue_wake_cb, q)) == NULL) {
		free(q->v);
		free(q);
		return NULL;
	}
	return q;
}

void
queue_free(struct queue *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->npools; i++)
		while (q->v[i].head != NULL)
			queue_cancel(q->v[i].head);
	event_free(q->wake);
	free(q->v);
	free(q);
}

static void
queue_arm(struct queue *q, int now)
{
	struct timeval tv = { 0, now ? 0 : QUEUE_RETRY_MS * 1000 };

	if (q->wake_on && !now)
		return;
	event_add(q->wake, &tv);
	q->wake_on = 1;
}

void
queue_wait(struct queue *q, size_t site, struct queue_entry *e, int front,
    int (*ready)(void *arg), void *arg)
{
	size_t k = q->pool_of[site];
	struct queue_site *s = &q->v[k];

	e->q = q;
	e->site = site;
	e->pool = k;
	e->ready = ready;
	e->arg = arg;
	e->prev = e->next = NULL;
	if (!front || e->since_ms == 0)
		e->since_ms = clock_now_ms();
	if (!front || e->seq == 0)
		e->seq = apppool_ticket(q->states[k]);
	if (front) {
		e->next = s->head;
		if (s->head != NULL)
			s->head->prev = e;
		else
			s->tail = e;
		s->head = e;
	} else {
		e->prev = s->tail;
		if (s->tail != NULL)
			s->tail->next = e;
		else
			s->head = e;
		s->tail = e;
	}
	if (!s->active) {
		s->active = 1;
		s->next_active = q->first_active;
		q->first_active = k + 1;
	}
	q->waiting++;
	atomic_fetch_add_explicit(&q->states[k]->queued, 1, memory_order_relaxed);
	if (s->head == e)   /* the list's oldest changed: the pool's order and age see it */
		apppool_head_set(q->states[k], s, e->seq, e->since_ms);
	queue_arm(q, 0);   /* a connection freed on another worker is seen by the retry */
}

void
queue_cancel(struct queue_entry *e)
{
	struct queue *q = e->q;
	struct queue_site *s;

	if (q == NULL)
		return;
	s = &q->v[e->pool];
	if (e->prev != NULL) {
		e->prev->next = e->next;
	} else {
		s->head = e->next;
		apppool_head_set(q->states[e->pool], s, s->head != NULL ? s->head->seq : 0,
		    s->head != NULL ? s->head->since_ms : 0);
	}
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	e->prev = e->next = NULL;
	e->q = NULL;
	q->waiting--;
	atomic_fetch_sub_explicit(&q->states[e->pool]->queued, 1, memory_order_relaxed);
}

void
queue_kick(struct queue *q)
{
	if (q != NULL && q->waiting > 0)
		queue_arm(q, 1);
}

size_t
queue_waiting(const struct queue *q)
{
	return q->waiting;
}

/* Hand the first waiters of each active pool the connections free now, while this list's
 * first is the pool's longest waiting (a list of another worker or generation with an
 * older first goes before: its own wake, within QUEUE_RETRY_MS); then the pools left with
 * none waiting leave the active list (a second pass: a ready callback may queue another
 * pool's request, which joins the list's front). */
static void
queue_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct queue *q = arg;
	size_t at, *link;

	(void)fd;
	(void)what;
	q->wake_on = 0;
	for (at = q->first_active; at != 0; at = q->v[at - 1].next_active) {
		size_t i = at - 1;
		struct queue_site *s = &q->v[i];
		struct apppool_state *st = q->states[i];
		unsigned n = 0;

		/* bounded: a woken entry that finds the connection gone goes back to the
		 * head, and the next retry tries again.  A stopped pool refuses its waiters
		 * whatever its connections do. */
		while (s->head != NULL && n++ < 64 &&
		    (atomic_load(&st->run) == APPPOOL_STOPPED ||
		    ((atomic_load_explicit(&st->max, memory_order_relaxed) == 0 ||
		    atomic_load_explicit(&st->busy, memory_order_relaxed) <
		    atomic_load_explicit(&st->max, memory_order_relaxed)) &&
		    apppool_first(st, s, s->head->seq)))) {
			struct queue_entry *e = s->head;

			queue_cancel(e);
			if (e->ready(e->arg) != 0)
				break;
		}
	}
	for (link = &q->first_active; *link != 0; ) {
		struct queue_site *s = &q->v[*link - 1];

		if (s->head == NULL) {
			*link = s->next_active;
			s->active = 0;
			s->next_active = 0;
		} else {
			link = &s->next_active;
		}
	}
	if (q->waiting > 0)
		queue_arm(q, 0);
}
