/*
 * worker — one event-loop thread.  Owns its event base, its listening sockets and, per
 * configuration generation it still serves, one conn_server (backend pool, connection
 * list).  A reload makes a new conn_server for the new generation, moves the listeners to
 * it and retires the old one (its responses now say Connection: close); a retired server
 * is freed, and its generation reference dropped, once its last connection is gone.
 * Commands from the daemon's thread arrive in a mutex-guarded mailbox and an eventfd wakes
 * the loop; nothing else crosses threads, so libevent runs without its locking.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/accesslog.h"
#include "model/conf.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "core/h2.h"
#include "model/http.h"
#include "base/iobuf.h"
#include "core/listener.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/objcache.h"
#include "core/stats.h"
#include "core/tlsctx.h"
#include "core/upstream.h"
#include "core/worker.h"

#define WORKER_MAX        64
#define WORKER_TICK_MS    1000   /* retired servers are looked at this often */
#define WORKER_DRAIN_MS   100    /* and every connection while draining */
#define WORKER_LOG_RETRY_MS 20   /* an access log's pipe that was full is tried again */

struct worker_srv {
	struct conn_server  srv;
	struct worker_gen  *gen;
	struct worker_srv  *next;
	int                 empty_ticks;
};

struct worker {
	unsigned             index;
	pthread_t            thread;
	int                  started;
	struct event_base   *base;
	struct listener_set *listeners;
	atomic_size_t        nlisteners; /* listener_count(listeners), for the daemon */
	struct worker_srv   *cur;       /* the generation new connections get */
	struct worker_srv   *old;       /* retired generations with connections left */
	atomic_ulong        *shared_nconns;
	int                  wakefd;
	struct event        *wake, *tick;
	struct event        *flush;     /* made active by the first log line of a loop pass */
	int                  stopping;
	unsigned             drain_ticks, drain_max;
	pthread_mutex_t      mu;
	struct worker_gen   *pending;   /* under mu: the generation to switch to */
	int                  stop_req;  /* under mu */
};

/* ---------- generations ---------- */

struct worker_gen *
worker_gen_new(struct conf *cfg, const struct worker_gen *prev, struct accesslog *access,
    struct accesslog *httperr, int trace, unsigned number, char *err, size_t errlen)
{
	struct worker_gen *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((g->tls = tlsctx_new(cfg, err, errlen)) == NULL) {
		free(g);
		return NULL;
	}
	if ((g->addrs = upstream_addrs_new(cfg, prev != NULL ? prev->addrs : NULL, err,
	    errlen)) == NULL) {
		tlsctx_free(g->tls);
		free(g);
		return NULL;
	}
	if (cfg->nsites > 0 && (g->site_slots = calloc(cfg->nsites,
	    sizeof(*g->site_slots))) == NULL) {
		snprintf(err, errlen, "out of memory");
		upstream_addrs_free(g->addrs);
		tlsctx_free(g->tls);
		free(g);
		return NULL;
	}
	for (size_t i = 0; i < cfg->nsites; i++)   /* a kept site keeps its slot: by name */
		g->site_slots[i] = stats_slot(STATS_SITE, cfg->sites[i].name);
	g->cfg = cfg;
	g->access = access;
	g->httperr = httperr;
	g->trace = trace;
	g->number = number;
	atomic_init(&g->refs, 1);
	g->applied_fd = -1;
	return g;
}

void
worker_gen_hold(struct worker_gen *g)
{
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

void
worker_gen_release(struct worker_gen *g)
{
	if (g == NULL || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
		return;
	tlsctx_free(g->tls);
	upstream_addrs_free(g->addrs);
	conf_free(g->cfg);
	free(g->site_slots);
	free(g);
}

void
worker_gen_publish(const struct worker_gen *g)
{
	size_t i, n = upstream_addrs_count(g->addrs);
	unsigned *b = calloc(n > 0 ? n : 1, sizeof(*b));

	stats_live(STATS_SITE, g->site_slots, g->cfg->nsites);
	if (b == NULL)
		return;
	for (i = 0; i < n; i++)
		b[i] = upstream_addrs_slot(g->addrs, i);
	stats_live(STATS_BACKEND, b, n);
	free(b);
}

unsigned
worker_count(int n)
{
	long cpus;

	if (n > 0)
		return n > WORKER_MAX ? WORKER_MAX : (unsigned)n;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > WORKER_MAX ? WORKER_MAX : (unsigned)cpus;
}

/* ---------- one generation's server in this worker ---------- */

static struct worker_srv *
worker_srv_new(struct worker *w, struct worker_gen *g, char *err, size_t errlen)
{
	struct worker_srv *ws;

	if ((ws = calloc(1, sizeof(*ws))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((ws->srv.pool = upstream_pool_new(w->base, g->cfg, g->addrs, err, errlen)) == NULL) {
		free(ws);
		return NULL;
	}
	worker_gen_hold(g);
	ws->gen = g;
	ws->srv.base = w->base;
	ws->srv.cfg = g->cfg;
	ws->srv.tls = g->tls;
	ws->srv.access = g->access;
	ws->srv.httperr = g->httperr;
	ws->srv.trace = g->trace;
	ws->srv.shared_nconns = w->shared_nconns;
	ws->srv.site_slots = g->site_slots;
	return ws;
}

static void
worker_srv_free(struct worker_srv *ws)
{
	if (ws == NULL)
		return;
	conn_server_clear(&ws->srv);
	upstream_pool_free(ws->srv.pool);
	worker_gen_release(ws->gen);
	free(ws);
}

static unsigned long
worker_nconns(const struct worker *w)
{
	const struct worker_srv *ws;
	unsigned long n = w->cur != NULL ? w->cur->srv.nconns : 0;

	for (ws = w->old; ws != NULL; ws = ws->next)
		n += ws->srv.nconns;
	return n;
}

/* Free retired servers that stayed empty for a whole tick (a closed connection's memory
 * is released on the loop pass after its close, which has run by then). */
static void
worker_reap(struct worker *w)
{
	struct worker_srv **pp = &w->old, *ws;

	while ((ws = *pp) != NULL) {
		if (ws->srv.nconns == 0 && ws->empty_ticks++ > 0) {
			*pp = ws->next;
			log_debug("worker %u: generation %u released", w->index, ws->gen->number);
			worker_srv_free(ws);
			continue;
		}
		if (ws->srv.nconns != 0)
			ws->empty_ticks = 0;
		pp = &ws->next;
	}
}

/* ---------- commands ---------- */

static void
worker_apply_reload(struct worker *w, struct worker_gen *g)
{
	struct worker_srv *ws;
	char err[512];

	if (w->stopping)
		return;
	if ((ws = worker_srv_new(w, g, err, sizeof(err))) == NULL) {
		log_warnx("worker %u: reload: %s; keeping generation %u", w->index, err,
		    w->cur->gen->number);
		return;
	}
	(void)listener_update(w->listeners, &ws->srv, w->index != 0);
	atomic_store_explicit(&w->nlisteners, listener_count(w->listeners),
	    memory_order_relaxed);
	w->cur->srv.retired = 1;
	conn_retire_all(&w->cur->srv);
	w->cur->next = w->old;
	w->old = w->cur;
	w->cur = ws;
	log_debug("worker %u: generation %u serving", w->index, g->number);
}

static void
worker_begin_stop(struct worker *w)
{
	struct worker_srv *ws;
	struct timeval tv = { 0, WORKER_DRAIN_MS * 1000 };

	if (w->stopping)
		return;
	w->stopping = 1;
	listener_close(w->listeners);
	w->listeners = NULL;
	atomic_store_explicit(&w->nlisteners, 0, memory_order_relaxed);
	for (ws = w->old; ws != NULL; ws = ws->next) {
		ws->srv.stopping = 1;
		conn_retire_all(&ws->srv);
	}
	w->cur->srv.stopping = 1;
	conn_retire_all(&w->cur->srv);
	event_add(w->tick, &tv);   /* a persistent timer takes the new period */
}

static void
worker_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct worker_gen *g;
	uint64_t n;
	int stop;

	(void)!read(w->wakefd, &n, sizeof(n));
	pthread_mutex_lock(&w->mu);
	g = w->pending;
	w->pending = NULL;
	stop = w->stop_req;
	pthread_mutex_unlock(&w->mu);
	if (g != NULL) {
		uint64_t one = 1;

		worker_apply_reload(w, g);
		atomic_fetch_add_explicit(&g->applied, 1, memory_order_acq_rel);
		if (g->applied_fd >= 0)
			(void)!write(g->applied_fd, &one, sizeof(one));
		worker_gen_release(g);
	}
	if (stop)
		worker_begin_stop(w);
}

static void
worker_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	unsigned long open;

	log_tick();   /* a run of repeated log lines that went quiet gets its count */
	if (!w->stopping) {
		worker_reap(w);
		objcache_trim_all();   /* buffers a burst left: back to malloc, for connections */
		return;
	}
	open = worker_nconns(w);
	if (open == 0) {
		event_base_loopexit(w->base, NULL);
		return;
	}
	if (++w->drain_ticks >= w->drain_max * (1000 / WORKER_DRAIN_MS)) {
		log_warnx("worker %u: %lu connection(s) still open after %u s: closing them",
		    w->index, open, w->drain_max);
		event_base_loopexit(w->base, NULL);
	}
}

/* The access logs' lines of this loop pass are written once, at its end: an event made
 * active from inside a callback runs in the same pass, after the callbacks already due. */
static void
worker_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval retry = { 0, WORKER_LOG_RETRY_MS * 1000 };

	/* a pipe that took only part: again shortly, while its reader catches up */
	if (accesslog_flush_all() && !event_pending(w->flush, EV_TIMEOUT, NULL))
		event_add(w->flush, &retry);
}

static void
worker_flush_schedule(void *arg)
{
	struct worker *w = arg;

	event_active(w->flush, EV_TIMEOUT, 1);
}

static void
worker_post(struct worker *w)
{
	uint64_t one = 1;

	(void)!write(w->wakefd, &one, sizeof(one));
}

void
worker_reload(struct worker *w, struct worker_gen *g)
{
	struct worker_gen *prev;

	worker_gen_hold(g);
	pthread_mutex_lock(&w->mu);
	prev = w->pending;
	w->pending = g;
	pthread_mutex_unlock(&w->mu);
	worker_gen_release(prev);   /* two reloads before the worker woke: the last wins */
	worker_post(w);
}

size_t
worker_listener_count(const struct worker *w)
{
	return atomic_load_explicit(&w->nlisteners, memory_order_relaxed);
}

void
worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop_req = 1;
	pthread_mutex_unlock(&w->mu);
	worker_post(w);
}

/* ---------- life cycle ---------- */

/*
 * The worker's event loop.  With epoll's changelist an event added and removed again
 * before the loop next waits costs no epoll_ctl: read interest a connection drops and
 * takes again within one pass (back-pressure, conn_reading) costs nothing.  Every fd
 * is closed only after its events are deleted (conn_close and bconn_close delete them
 * before close(), evconnlistener_free closes the listener's), which the changelist
 * requires.
 */
static struct event_base *
worker_base_new(void)
{
	struct event_config *ec = event_config_new();
	struct event_base *base;

	if (ec == NULL)
		return NULL;
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	return base;
}

struct worker *
worker_new(unsigned index, struct worker_gen *g, atomic_ulong *shared_nconns,
    unsigned drain_seconds, char *err, size_t errlen)
{
	struct worker *w;
	struct timeval tick = { WORKER_TICK_MS / 1000, 0 };
	char why[512];

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->index = index;
	w->wakefd = -1;
	w->shared_nconns = shared_nconns;
	w->drain_max = drain_seconds;
	pthread_mutex_init(&w->mu, NULL);
	if ((w->base = worker_base_new()) == NULL) {
		snprintf(err, errlen, "cannot create an event loop");
		goto fail;
	}
	if ((w->cur = worker_srv_new(w, g, err, errlen)) == NULL)
		goto fail;
	if ((w->listeners = listener_open_quiet(&w->cur->srv, index != 0, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "cannot listen: %s", why);
		goto fail;
	}
	atomic_init(&w->nlisteners, listener_count(w->listeners));   /* before the thread */
	if ((w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	w->wake = event_new(w->base, w->wakefd, EV_READ | EV_PERSIST, worker_wake_cb, w);
	w->tick = event_new(w->base, -1, EV_PERSIST, worker_tick_cb, w);
	w->flush = event_new(w->base, -1, 0, worker_flush_cb, w);
	if (w->wake == NULL || w->tick == NULL || w->flush == NULL || event_add(w->wake, NULL) != 0 ||
	    event_add(w->tick, &tick) != 0) {
		snprintf(err, errlen, "cannot set up the worker's events");
		goto fail;
	}
	return w;
fail:
	worker_free(w);
	return NULL;
}

void
worker_caches_free(void)
{
	exchange_cache_drain();
	h2_cache_drain();
	upstream_cache_drain();
	http_parser_stash_drain();
	iobuf_pool_drain();
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	accesslog_thread_hook(worker_flush_schedule, w);
	if (stats_thread_attach() != 0)
		log_warnx("worker %u: its counters are not shown (too many threads)", w->index);
	clock_bind(w->base);   /* deadlines read one time per loop pass */
	if (event_base_dispatch(w->base) < 0)
		log_warnx("worker %u: event loop failed", w->index);
	accesslog_thread_hook(NULL, NULL);
	accesslog_flush_all();
	clock_bind(NULL);
	stats_thread_detach();
	worker_caches_free();
	return NULL;
}

int
worker_start(struct worker *w, char *err, size_t errlen)
{
	sigset_t all, saved;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start worker %u: %s", w->index, strerror(rc));
		return -1;
	}
	w->started = 1;
	return 0;
}

void
worker_join(struct worker *w)
{
	if (w == NULL || !w->started)
		return;
	pthread_join(w->thread, NULL);
	w->started = 0;
}

void
worker_free(struct worker *w)
{
	struct worker_srv *ws;

	if (w == NULL)
		return;
	listener_close(w->listeners);
	w->listeners = NULL;
	if (w->base != NULL) {
		if (w->cur != NULL)
			conn_close_all(&w->cur->srv);
		for (ws = w->old; ws != NULL; ws = ws->next)
			conn_close_all(&ws->srv);
		/* the closed connections' memory is released on the loop's next pass */
		event_base_loop(w->base, EVLOOP_NONBLOCK);
	}
	worker_srv_free(w->cur);
	while ((ws = w->old) != NULL) {
		w->old = ws->next;
		worker_srv_free(ws);
	}
	if (w->wake != NULL)
		event_free(w->wake);
	if (w->tick != NULL)
		event_free(w->tick);
	if (w->flush != NULL)
		event_free(w->flush);
	if (w->base != NULL)
		event_base_free(w->base);
	if (w->wakefd >= 0)
		close(w->wakefd);
	worker_gen_release(w->pending);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
