/*
 * apppool — an application pool's request queue and rapid-fail protection (see
 * apppool.h).  Owns the decisions (admission, the failure window, the answer for a
 * load balancer and verbosity) and the live numbers of one pool; does not own the
 * waiting requests (core/queue.c) nor the backend connections (core/upstream.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/apppool.h"
#include "base/strhash.h"

static const char *const reason_names[APPPOOL_NREASONS] = {
	[APPPOOL_QUEUE_FULL] = "QueueFull",
	[APPPOOL_APP_OFFLINE] = "AppOffline",
};

/* IIS 6.0 Resource Kit, table 11.11 "HTTP 503 Errors from HTTP.sys" */
static const char *const reason_phrases[APPPOOL_NREASONS] = {
	[APPPOOL_QUEUE_FULL] = "Application request queue full.",
	[APPPOOL_APP_OFFLINE] = "Application taken offline.",
};

enum apppool_answer
apppool_answer(enum conf_load_balancer lb, enum conf_verbosity v)
{
	/* TcpLevel: "the TCP connection will terminate"; Basic: "A 503 response is not
	 * sent; the connection is reset" */
	if (lb == CONF_LB_TCP || v == CONF_VERBOSITY_BASIC)
		return APPPOOL_ANSWER_RESET;
	return v == CONF_VERBOSITY_FULL ? APPPOOL_ANSWER_FULL : APPPOOL_ANSWER_LIMITED;
}

const char *
apppool_reason_name(enum apppool_reason r)
{
	return (unsigned)r < APPPOOL_NREASONS ? reason_names[r] : "N/A";
}

const char *
apppool_reason_phrase(enum apppool_reason r)
{
	return (unsigned)r < APPPOOL_NREASONS ? reason_phrases[r] : "Service unavailable.";
}

int
apppool_admit(unsigned long queued, unsigned long queue_length)
{
	return queued < queue_length;
}

int
apppool_window_fail(struct apppool_window *w, time_t now, unsigned long max,
    unsigned long interval)
{
	if (w->count == 0 || now < w->start || (unsigned long)(now - w->start) >= interval) {
		w->start = now;
		w->count = 0;
	}
	w->count++;
	return w->count >= max;
}

void
apppool_state_init(struct apppool_state *s)
{
	size_t i;

	atomic_init(&s->refs, 1);
	atomic_init(&s->max, 0);
	atomic_init(&s->seq, 0);
	atomic_init(&s->busy, 0);
	atomic_init(&s->queued, 0);
	atomic_init(&s->arrived, 0);
	atomic_init(&s->failures, 0);
	for (i = 0; i < APPPOOL_NREASONS; i++)
		atomic_init(&s->rejected[i], 0);
	atomic_init(&s->run, APPPOOL_STARTED);
	pthread_mutex_init(&s->lock, NULL);
	memset(&s->window, 0, sizeof(s->window));
	s->heads = NULL;
	s->nheads = s->capheads = 0;
}

void
apppool_state_clear(struct apppool_state *s)
{
	pthread_mutex_destroy(&s->lock);
	free(s->heads);
	s->heads = NULL;
	s->nheads = s->capheads = 0;
}

struct apppool_state *
apppool_state_new(unsigned long max)
{
	struct apppool_state *s = malloc(sizeof(*s));

	if (s == NULL)
		return NULL;
	apppool_state_init(s);
	atomic_store(&s->max, max);
	return s;
}

void
apppool_state_hold(struct apppool_state *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void
apppool_state_release(struct apppool_state *s)
{
	if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	apppool_state_clear(s);
	free(s);
}

void
apppool_start(struct apppool_state *s, unsigned long max)
{
	atomic_store(&s->max, max);
	pthread_mutex_lock(&s->lock);
	memset(&s->window, 0, sizeof(s->window));
	pthread_mutex_unlock(&s->lock);
	atomic_store(&s->run, APPPOOL_STARTED);
}

uint64_t
apppool_ticket(struct apppool_state *s)
{
	return atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed) + 1;
}

int
apppool_first(struct apppool_state *s, const void *list, uint64_t seq)
{
	size_t i;
	int first = 1;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nheads && first; i++)
		if (s->heads[i].list != list && s->heads[i].seq < seq)
			first = 0;
	pthread_mutex_unlock(&s->lock);
	return first;
}

void
apppool_head_set(struct apppool_state *s, const void *list, uint64_t seq, uint64_t since_ms)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nheads; i++)
		if (s->heads[i].list == list)
			break;
	if (seq == 0) {
		if (i < s->nheads)
			s->heads[i] = s->heads[--s->nheads];
	} else if (i < s->nheads) {
		s->heads[i].seq = seq;
		s->heads[i].since_ms = since_ms;
	} else {
		if (s->nheads == s->capheads) {
			size_t cap = s->capheads > 0 ? s->capheads * 2 : 4;
			struct apppool_head *h = realloc(s->heads, cap * sizeof(*h));

			if (h == NULL)
				goto out;
			s->heads = h;
			s->capheads = cap;
		}
		s->heads[s->nheads].list = list;
		s->heads[s->nheads].seq = seq;
		s->heads[s->nheads++].since_ms = since_ms;
	}
out:
	pthread_mutex_unlock(&s->lock);
}

int
apppool_slot_take(struct apppool_state *s, unsigned long max)
{
	unsigned long n = atomic_load_explicit(&s->busy, memory_order_relaxed);

	do {
		if (max > 0 && n >= max)
			return -1;
	} while (!atomic_compare_exchange_weak_explicit(&s->busy, &n, n + 1,
	    memory_order_acq_rel, memory_order_relaxed));
	return 0;
}

void
apppool_slot_put(struct apppool_state *s)
{
	atomic_fetch_sub_explicit(&s->busy, 1, memory_order_acq_rel);
}

void
apppool_reject(struct apppool_state *s, enum apppool_reason r)
{
	if ((unsigned)r < APPPOOL_NREASONS)
		atomic_fetch_add_explicit(&s->rejected[r], 1, memory_order_relaxed);
}

int
apppool_failure(struct apppool_state *s, const struct conf_site *site, time_t now)
{
	int stop;

	atomic_fetch_add_explicit(&s->failures, 1, memory_order_relaxed);
	if (!site->rapid_fail || atomic_load(&s->run) == APPPOOL_STOPPED)
		return 0;
	pthread_mutex_lock(&s->lock);
	stop = apppool_window_fail(&s->window, now, site->rapid_fail_max_crashes,
	    (unsigned long)site->rapid_fail_interval * 60);
	pthread_mutex_unlock(&s->lock);
	if (!stop)
		return 0;
	/* only the failure that flips it says so */
	return atomic_exchange(&s->run, APPPOOL_STOPPED) == APPPOOL_STARTED;
}

void
apppool_snapshot(struct apppool_state *s, struct apppool_snapshot *out)
{
	size_t i;

	out->busy = atomic_load_explicit(&s->busy, memory_order_relaxed);
	out->queued = atomic_load_explicit(&s->queued, memory_order_relaxed);
	out->arrived = atomic_load_explicit(&s->arrived, memory_order_relaxed);
	out->failures = atomic_load_explicit(&s->failures, memory_order_relaxed);
	for (i = 0; i < APPPOOL_NREASONS; i++)
		out->rejected[i] = atomic_load_explicit(&s->rejected[i], memory_order_relaxed);
	out->run = (enum apppool_run)atomic_load(&s->run);
	pthread_mutex_lock(&s->lock);
	out->window_count = s->window.count;
	out->oldest_ms = 0;
	for (i = 0; i < s->nheads; i++)
		if (out->oldest_ms == 0 || s->heads[i].since_ms < out->oldest_ms)
			out->oldest_ms = s->heads[i].since_ms;
	pthread_mutex_unlock(&s->lock);
}

const char *
apppool_name(const struct conf_site *site)
{
	return site->app_pool != NULL ? site->app_pool : site->name;
}

int
apppool_group(const struct conf *cfg, size_t *of_site, size_t *npools)
{
	struct strhash h;
	size_t i, n = 0;
	int rc = 0;

	memset(&h, 0, sizeof(h));
	*npools = 0;
	if (cfg->nsites == 0)
		return 0;
	if (strhash_init(&h, cfg->nsites) != 0)
		return -1;
	for (i = 0; i < cfg->nsites && rc == 0; i++) {
		char *key = strhash_lower(apppool_name(&cfg->sites[i]));
		ENTRY *ent;
		int created = 0;

		if (key == NULL || (ent = strhash_enter(&h, key, n + 1, &created)) == NULL) {
			rc = -1;
		} else {
			of_site[i] = (size_t)(uintptr_t)ent->data - 1;
			if (created)
				n++;
		}
		free(key);
	}
	strhash_clear(&h);
	*npools = rc == 0 ? n : 0;
	return rc;
}

const char *
apppool_differs(const struct conf_site *a, const struct conf_site *b)
{
	if (a->queue_length != b->queue_length)
		return "queue_length";
	if (a->rapid_fail != b->rapid_fail)
		return "rapid_fail";
	if (a->rapid_fail_max_crashes != b->rapid_fail_max_crashes)
		return "rapid_fail_max_crashes";
	if (a->rapid_fail_interval != b->rapid_fail_interval)
		return "rapid_fail_interval";
	if (a->load_balancer != b->load_balancer)
		return "load_balancer";
	if (a->verbosity != b->verbosity)
		return "verbosity";
	if (a->backend_max_connections != b->backend_max_connections)
		return "backend_max_connections";
	return NULL;
}

const char *
apppool_run_name(enum apppool_run r)
{
	return r == APPPOOL_STOPPED ? "Stopped" : "Started";
}
