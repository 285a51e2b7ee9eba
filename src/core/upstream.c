/*
 * upstream — backend connections and the transfer of one request/response over them
 * (see upstream.h).  Owns: the resolved backend addresses of a generation, the
 * per-backend pool of idle keep-alive connections, each backend connection's socket,
 * events, output queue and response parser, connect and response timeouts, and the
 * transfer objects its owners hold.  Does not own the client side: what the response
 * holds goes to the owner's callbacks, which say when to pause.
 *
 * A backend connection (struct upstream_bconn) is in one of two places: the idle list
 * of its backend, or attached to one transfer.  It is closed in one function,
 * bconn_close.  Its read event stays registered in both places (an idle connection that
 * becomes readable or times out is dropped), so taking one from the pool and giving it
 * back costs no epoll_ctl.  Responses are read into a per-thread buffer and handed on at
 * once; only the request side queues (until the backend reads it).
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/event.h>

#include "model/apppool.h"
#include "model/conf.h"
#include "core/conn.h"
#include "core/queue.h"
#include "core/exchange.h"
#include "base/iobuf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/objcache.h"
#include "base/strhash.h"
#include "model/respond.h"
#include "core/stats.h"
#include "core/upstream.h"

#define UPSTREAM_IDLE_MAX     32   /* idle connections kept per backend */
#define UPSTREAM_IDLE_SECONDS 60
/* A burst's surplus beyond UPSTREAM_IDLE_MAX lives until the sweep after next (1-2 s), not
 * closed as it comes back only to connect anew microseconds later (h2load -c4 -m32: 0.6
 * connects a request); as HAProxy's pool-purge-delay.  UPSTREAM_IDLE_HARD bounds it. */
#define UPSTREAM_SURPLUS_MS   1000
#define UPSTREAM_IDLE_HARD    1024
/* One read(2) takes up to 64 KiB (4 TLS records: a quarter of 16 KiB reads' wake-ups);
 * four a callback keep what one queues for the client at CONN_HIGH_WATER. */
#define UPSTREAM_READ_MAX     65536
#define UPSTREAM_READS_PER_CB 4
#define UPSTREAM_WRITE_IOV    32   /* blocks per write to a backend (CONN_HIGH_WATER's) */

/* ---------- addresses (resolved before a generation serves) ---------- */

struct upstream_addr {
	char                    name[300];   /* "127.0.0.1:8081", "[::1]:8081" */
	const char             *host, *port; /* the site's, borrowed from the conf */
	struct sockaddr_storage ss;
	socklen_t               len;         /* 0: did not resolve */
	unsigned                stats_slot;  /* its counters (stats_slot), by name */
};

struct upstream_addrs {
	struct upstream_addr *v;
	size_t                n;
	size_t               *of_site;   /* per cfg->sites[i]: its index in v (SIZE_MAX: none) */
	size_t                nsites;
	struct apppool_state **pools;    /* the generation's application pools' numbers (a
	                                  * reference each), shared by its workers and with
	                                  * the generations before and after it that keep the
	                                  * name: one per pool name (HTTP.SYS: a pool is one
	                                  * request queue), not per site */
	size_t                npools;
	size_t               *pool_of;   /* per cfg->sites[i]: its pool's index in pools */
	const char          **pool_name; /* per pool: its name (borrowed from the conf) */
	unsigned long        *pool_max;  /* per pool: its backend_max_connections */
};

/* Each pool of a gets its state: prev's of the same name (ASCII case ignored, as
 * apppool_group compares), else a new one.  Returns 0 or -1 (out of memory). */
static int
upstream_addrs_pools(struct upstream_addrs *a, const struct conf *cfg,
    const struct upstream_addrs *prev)
{
	struct strhash h;
	size_t i, k;
	int rc = 0;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < cfg->nsites; i++) {
		k = a->pool_of[i];
		if (a->pool_name[k] == NULL) {
			/* the sites of a pool agree on its keys (conf_check_pools) */
			a->pool_name[k] = apppool_name(&cfg->sites[i]);
			a->pool_max[k] = cfg->sites[i].backend_max_connections;
		}
	}
	if (prev != NULL && prev->npools > 0 && prev->pool_name != NULL) {
		if (strhash_init(&h, prev->npools) != 0)
			return -1;
		for (k = 0; k < prev->npools && rc == 0; k++) {
			char *key = strhash_lower(prev->pool_name[k]);

			if (key == NULL || strhash_enter(&h, key, k + 1, NULL) == NULL)
				rc = -1;
			free(key);
		}
	}
	for (k = 0; k < a->npools && rc == 0; k++) {
		size_t at = 0;

		if (prev != NULL && h.made) {
			char *key = strhash_lower(a->pool_name[k]);

			if (key == NULL)
				rc = -1;
			else
				at = strhash_find(&h, key);
			free(key);
		}
		if (at != 0) {
			a->pools[k] = prev->pools[at - 1];
			apppool_state_hold(a->pools[k]);
		} else if (rc == 0 && (a->pools[k] = apppool_state_new(a->pool_max[k])) == NULL) {
			rc = -1;
		}
	}
	strhash_clear(&h);
	return rc;
}

void
upstream_addrs_start(const struct upstream_addrs *a)
{
	for (size_t k = 0; a != NULL && a->pools != NULL && k < a->npools; k++)
		apppool_start(a->pools[k], a->pool_max[k]);
}

static void
upstream_name(char *buf, size_t len, const char *host, const char *port)
{
	if (strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%s", host, port);
	else
		snprintf(buf, len, "%s:%s", host, port);
}

struct upstream_addrs *
upstream_addrs_new(const struct conf *cfg, const struct upstream_addrs *prev, char *err,
    size_t errlen)
{
	struct upstream_addrs *a;
	size_t i, j;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (cfg->nsites > 0 && ((a->v = calloc(cfg->nsites, sizeof(*a->v))) == NULL ||
	    (a->of_site = calloc(cfg->nsites, sizeof(*a->of_site))) == NULL ||
	    (a->pool_of = calloc(cfg->nsites, sizeof(*a->pool_of))) == NULL ||
	    apppool_group(cfg, a->pool_of, &a->npools) != 0 ||
	    (a->pools = calloc(a->npools, sizeof(*a->pools))) == NULL ||
	    (a->pool_name = calloc(a->npools, sizeof(*a->pool_name))) == NULL ||
	    (a->pool_max = calloc(a->npools, sizeof(*a->pool_max))) == NULL ||
	    upstream_addrs_pools(a, cfg, prev) != 0))) {
		snprintf(err, errlen, "out of memory");
		upstream_addrs_free(a);
		return NULL;
	}
	a->nsites = cfg->nsites;
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];
		struct upstream_addr *u;
		struct addrinfo hints, *ai = NULL;
		char name[300];
		int rc;

		a->of_site[i] = SIZE_MAX;
		if (s->backend == NULL)
			continue;
		upstream_name(name, sizeof(name), s->backend_host, s->backend_port);
		for (j = 0; j < a->n; j++)
			if (strcmp(a->v[j].name, name) == 0)
				break;
		a->of_site[i] = j;
		if (j < a->n)
			continue;
		u = &a->v[a->n++];
		memcpy(u->name, name, sizeof(u->name));
		u->host = s->backend_host;
		u->port = s->backend_port;
		u->stats_slot = stats_slot(STATS_BACKEND, name);
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		if ((rc = getaddrinfo(s->backend_host, s->backend_port, &hints, &ai)) != 0 ||
		    ai == NULL) {
			log_warnx("backend %s of site \"%s\": %s; its requests get 503", u->name,
			    s->name, gai_strerror(rc));
		} else {
			memcpy(&u->ss, ai->ai_addr, ai->ai_addrlen);
			u->len = ai->ai_addrlen;
		}
		if (ai != NULL)
			freeaddrinfo(ai);
	}
	return a;
}

size_t
upstream_addrs_count(const struct upstream_addrs *a)
{
	return a != NULL ? a->n : 0;
}

unsigned
upstream_addrs_slot(const struct upstream_addrs *a, size_t i)
{
	return a != NULL && i < a->n ? a->v[i].stats_slot : STATS_SLOT_NONE;
}

void
upstream_addrs_free(struct upstream_addrs *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; a->pools != NULL && i < a->npools; i++)
		apppool_state_release(a->pools[i]);
	free(a->pools);
	free(a->pool_name);
	free(a->pool_max);
	free(a->pool_of);
	free(a->v);
	free(a->of_site);
	free(a);
}

/* ---------- pool ---------- */

struct upstream_bconn;

struct upstream_backend {
	const struct upstream_addr *addr;
	struct upstream_bconn      *idle;   /* most recently released first */
	size_t                      nidle;
	struct upstream_pool       *pool;
};

struct upstream_pool {
	struct event_base       *base;
	const struct conf       *cfg;
	const struct upstream_addrs *addrs;
	struct upstream_backend *v;
	size_t                   n;
	struct upstream_bconn   *all;     /* every backend connection, for the sweep */
	struct upstream_bconn   *sweep_next;   /* the sweep's next stop (bconn_unlist moves it) */
	struct event            *sweep;   /* once a second while there is one */
	int                      sweep_on;
	struct queue            *queue;   /* this worker's waiting requests (owned) */
};

/* One TCP connection to a backend. */
struct upstream_bconn {
	int                      fd;
	struct event            *rev, *wev;   /* in the same allocation */
	struct upstream_backend *be;
	struct upstream_bconn   *prev, *next; /* idle list */
	struct upstream_xfer    *x;           /* attached transfer, NULL when idle */
	struct http_parser      *rp;          /* response parser, kept across requests */
	struct iobuf             out;         /* request bytes the backend has not taken */
	struct upstream_bconn   *all_prev, *all_next;   /* pool->all */
	uint64_t                 deadline;    /* ms: idle expiry, or the response's (0: none) */
	unsigned                 idle : 1, connected : 1, wev_on : 1, busy : 1, doomed : 1,
	                         rev_on : 1, unlisted : 1,
	                         rdhup : 1,   /* the backend's FIN came (EV_CLOSED): no more edges */
	                         wdead : 1,   /* it stopped reading the request: drop the rest */
	                         again : 1,   /* bconn_read_again asked for this turn */
	                         surplus : 1;  /* idle beyond UPSTREAM_IDLE_MAX: short deadline */
};

/*
 * A transfer's states, changed only by xfer_state, which asserts the edge:
 *   CONNECTING -> SENDING -> RESPONSE -> DONE
 *   SENDING -> CONNECTING                 a pooled connection died: sent again on a new one
 *   SENDING / RESPONSE -> TUNNEL -> DONE  after a 101
 *   any -> DONE                           failed or stopped
 */
enum xfer_state {
	XS_CONNECTING = 0, /* waiting for connect() */
	XS_SENDING,        /* the request is going out; no response byte yet */
	XS_RESPONSE,       /* response bytes arrived */
	XS_TUNNEL,         /* after a 101 */
	XS_DONE,           /* ended (end or failed called), or stopped */
};

struct upstream_xfer {
	struct upstream_pool    *pool;
	struct upstream_backend *be;
	struct upstream_bconn   *bc;         /* attached backend connection, NULL once let go */
	struct upstream_req      req;        /* head borrowed, cb/arg the owner's */
	struct apppool_state    *slot;       /* the pool whose backend connection it holds
	                                      * (apppool_slot_take), NULL once given back */
	enum xfer_state          state;
	int                      status;     /* final status, 0 before */
	unsigned                 reused : 1, retried : 1, req_done : 1, req_body : 1,
	                         req_chunked : 1, early : 1, got_bytes : 1, interim : 1,
	                         paused : 1, full : 1, req_full : 1, resp_end : 1,
	                         backend_keep : 1, upgrade_req : 1, stopped : 1, extra : 1,
	                         retry_ok : 1, tunnel_eof : 1;
	char                     method[24];
};

/* Transfers of this thread kept for reuse: one request need not cost a malloc. */
static __thread struct objcache xfer_cache;
static __thread char upstream_rbuf[UPSTREAM_READ_MAX];

static void bconn_read_cb(evutil_socket_t fd, short what, void *arg);
static void bconn_write_cb(evutil_socket_t fd, short what, void *arg);

static const char *const xfer_state_names[] = {
	"connecting", "sending", "response", "tunnel", "done",
};

/* The transfer lets go of its pool's backend connection count: a waiting request of this
 * worker may take it at the next loop pass. */
static void
xfer_slot_put(struct upstream_xfer *x)
{
	if (x->slot == NULL)
		return;
	apppool_slot_put(x->slot);
	x->slot = NULL;
	queue_kick(x->pool->queue);
}

/* The one place a transfer's state changes: the edge is checked against the order above. */
static void
xfer_state(struct upstream_xfer *x, enum xfer_state to)
{
	static const unsigned char allowed[5][5] = {
		/*                CONN SEND RESP TUNNEL DONE */
		/* CONNECTING */ { 0,   1,   0,   0,     1 },
		/* SENDING */    { 1,   0,   1,   1,     1 },
		/* RESPONSE */   { 0,   0,   0,   1,     1 },
		/* TUNNEL */     { 0,   0,   0,   0,     1 },
		/* DONE */       { 0,   0,   0,   0,     0 },
	};

	if (x->state == to)
		return;
	assert(allowed[x->state][to]);
	if (!allowed[x->state][to]) {
		log_warnx("backend %s: transfer %s -> %s is not allowed", x->be->addr->name,
		    xfer_state_names[x->state], xfer_state_names[to]);
		return;
	}
	x->state = to;
	if (to == XS_DONE)
		xfer_slot_put(x);
}
static void pool_sweep_cb(evutil_socket_t fd, short what, void *arg);
static void xfer_flush(struct upstream_xfer *x);
static const struct http_callbacks xfer_callbacks;

struct upstream_pool *
upstream_pool_new(struct event_base *base, const struct conf *cfg,
    const struct upstream_addrs *addrs, char *err, size_t errlen)
{
	struct upstream_pool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (addrs->n > 0 && (p->v = calloc(addrs->n, sizeof(*p->v))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		free(p);
		return NULL;
	}
	p->base = base;
	p->cfg = cfg;
	p->addrs = addrs;
	if ((p->sweep = evtimer_new(base, pool_sweep_cb, p)) == NULL ||
	    (addrs->nsites == cfg->nsites && addrs->pools != NULL &&
	    (p->queue = queue_new(base, cfg, addrs->pools, addrs->npools,
	    addrs->pool_of)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		if (p->sweep != NULL)
			event_free(p->sweep);
		free(p->v);
		free(p);
		return NULL;
	}
	for (size_t i = 0; i < addrs->n; i++) {
		p->v[i].addr = &addrs->v[i];
		p->v[i].pool = p;
	}
	p->n = addrs->n;
	return p;
}

/* This thread's gauges of b's backend: open connections and idle ones, each moved by d. */
static inline void
bconn_count(const struct upstream_bconn *b, int64_t open, int64_t idle)
{
	struct stats_backend *sb = stats_backend_get(b->be->addr->stats_slot);

	if (sb == NULL)
		return;
	if (open != 0)
		stats_gauge(&sb->open, open);
	if (idle != 0)
		stats_gauge(&sb->idle, idle);
}

/* A connect that succeeded (ok 1) or failed, counted for b's backend. */
static void
bconn_count_connect(const struct upstream_bconn *b, int ok)
{
	struct stats_backend *sb = stats_backend_get(b->be->addr->stats_slot);

	if (sb != NULL)
		stats_add(ok ? &sb->opened : &sb->failed, 1);
}

/* Off the idle list (if on it). */
static void
bconn_unlink(struct upstream_bconn *b)
{
	if (!b->idle)
		return;
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		b->be->idle = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	b->next = b->prev = NULL;
	b->be->nidle--;
	b->idle = 0;
	bconn_count(b, 0, -1);
}

/* Read readiness stays registered across requests and in the pool (no epoll_ctl per
 * request; timeouts are deadlines the sweep reads each second), edge-triggered as nginx's
 * (no second poll of each socket per response): a reader stops on a short read or EAGAIN,
 * or asks for another turn (bconn_read_again); a transfer resumed after a pause looks once
 * (upstream_xfer_resume): bytes that came while reading was off make no new edge.  A first
 * registration needs no look: epoll reports a socket already readable when it is added. */
static void
bconn_read_on(struct upstream_bconn *b, int on)
{
	if (on && !b->rev_on)
		event_add(b->rev, NULL);
	else if (!on && b->rev_on)
		event_del(b->rev);
	b->rev_on = on ? 1 : 0;
}

/* The socket may still hold bytes (a reader stopped before it found it empty): another
 * turn, after the other callbacks of this pass, as a level-triggered event would. */
static void
bconn_read_again(struct upstream_bconn *b)
{
	if (b->rev_on && !b->doomed) {
		b->again = 1;
		event_active(b->rev, EV_READ, 1);
	}
}

/* An idle connection's socket holds nothing (a turn bconn_read_again asked for, after a
 * response that ended where a read did, finds it so: the connection stays pooled). */
static int
bconn_quiet(const struct upstream_bconn *b)
{
	char c;

	return recv(b->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static void
pool_sweep_arm(struct upstream_pool *p)
{
	struct timeval one = { 1, 0 };

	if (!p->sweep_on && p->all != NULL) {
		evtimer_add(p->sweep, &one);
		p->sweep_on = 1;
	}
}

static void
bconn_list(struct upstream_pool *p, struct upstream_bconn *b)
{
	b->all_prev = NULL;
	b->all_next = p->all;
	if (p->all != NULL)
		p->all->all_prev = b;
	p->all = b;
	pool_sweep_arm(p);
}

static void
bconn_unlist(struct upstream_bconn *b)
{
	struct upstream_pool *p = b->be->pool;

	if (b->unlisted)
		return;
	b->unlisted = 1;
	if (p->sweep_next == b)
		p->sweep_next = b->all_next;
	if (b->all_prev != NULL)
		b->all_prev->all_next = b->all_next;
	else
		p->all = b->all_next;
	if (b->all_next != NULL)
		b->all_next->all_prev = b->all_prev;
}

/* The one place a backend connection ends.  Inside its own callbacks (busy) it is only
 * marked: the callback closes it on its way out. */
static void
bconn_close(struct upstream_bconn *b)
{
	if (b == NULL)
		return;
	bconn_unlink(b);
	bconn_unlist(b);
	bconn_read_on(b, 0);
	event_del(b->wev);
	b->wev_on = 0;
	if (b->x != NULL) {
		b->x->bc = NULL;
		b->x = NULL;
	}
	if (b->busy) {
		b->doomed = 1;
		return;
	}
	if (b->fd >= 0)
		close(b->fd);
	bconn_count(b, -1, 0);
	http_parser_free(b->rp);
	iobuf_clear(&b->out);
	free(b);
}

void
upstream_pool_free(struct upstream_pool *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		while (p->v[i].idle != NULL)
			bconn_close(p->v[i].idle);
	if (p->sweep != NULL)
		event_free(p->sweep);
	queue_free(p->queue);
	free(p->v);
	free(p);
}

size_t
upstream_pool_idle(const struct upstream_pool *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->v[i].nidle;
	return n;
}

static void
bconn_write_on(struct upstream_bconn *b, const struct timeval *tv)
{
	event_add(b->wev, tv);
	b->wev_on = 1;
}

static void
bconn_write_off(struct upstream_bconn *b)
{
	if (b->wev_on)
		event_del(b->wev);
	b->wev_on = 0;
}

/* Keep b for the next request (a surplus one for UPSTREAM_SURPLUS_MS), or close it. */
static void
bconn_release(struct upstream_bconn *b)
{
	struct upstream_backend *be = b->be;
	struct timeval idle = { UPSTREAM_IDLE_SECONDS, 0 };

	if (b->x != NULL) {
		b->x->bc = NULL;
		b->x = NULL;
	}
	/* (rdhup: the backend's FIN came, and edge-triggered it will not be seen again) */
	if (be->nidle >= UPSTREAM_IDLE_HARD || iobuf_len(&b->out) > 0 || b->doomed ||
	    b->rdhup || b->wdead) {
		bconn_close(b);
		return;
	}
	bconn_write_off(b);
	http_parser_resume(b->rp);
	http_parser_trim(b->rp);
	b->prev = NULL;
	b->next = be->idle;
	if (be->idle != NULL)
		be->idle->prev = b;
	be->idle = b;
	be->nidle++;
	b->idle = 1;
	bconn_count(b, 0, 1);
	/* readable (data or EOF) or quiet for a minute (a surplus one: a second): useless,
	 * dropped (bconn_read_cb, or the sweep) */
	b->surplus = be->nidle > UPSTREAM_IDLE_MAX;
	b->deadline = clock_now_ms() + (b->surplus ? UPSTREAM_SURPLUS_MS :
	    (uint64_t)idle.tv_sec * 1000);
	bconn_read_on(b, 1);
}

/* The most recently released idle connection, or NULL. */
static struct upstream_bconn *
bconn_take(struct upstream_backend *be)
{
	struct upstream_bconn *b = be->idle;

	if (b == NULL)
		return NULL;
	bconn_unlink(b);
	return b;
}

/* A new connection to be's address, connecting.  NULL on failure (errno set). */
static struct upstream_bconn *
bconn_new(struct upstream_backend *be)
{
	struct upstream_pool *p = be->pool;
	struct upstream_bconn *b;
	struct http_limits lim;
	size_t evsz = (event_get_struct_event_size() + 15) & ~(size_t)15;
	size_t base_sz = (sizeof(*b) + 15) & ~(size_t)15;
	int fd;

	if (be->addr->len == 0) {
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	fd = socket(be->addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if ((b = calloc(1, base_sz + 2 * evsz)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	b->fd = fd;
	b->be = be;
	bconn_count(b, 1, 0);
	b->rev = (struct event *)((char *)b + base_sz);
	b->wev = (struct event *)((char *)b + base_sz + evsz);
	/* edge-triggered, both (one socket's events must agree): see bconn_read_on */
	/* EV_CLOSED (EPOLLRDHUP): a FIN that came with the last bytes makes no edge of its
	 * own, so a short read must know whether one is waiting behind them */
	event_assign(b->rev, p->base, fd, EV_READ | EV_CLOSED | EV_PERSIST | EV_ET,
	    bconn_read_cb, b);
	event_assign(b->wev, p->base, fd, EV_WRITE | EV_PERSIST | EV_ET, bconn_write_cb, b);
	lim.max_field_length = p->cfg->max_field_length;
	lim.max_request_bytes = p->cfg->max_request_bytes;
	lim.max_url_length = p->cfg->max_url_length;
	if ((b->rp = http_parser_new(HTTP_PARSE_RESPONSE, &lim, &xfer_callbacks, b)) == NULL) {
		bconn_close(b);
		errno = ENOMEM;
		return NULL;
	}
	bconn_list(p, b);
	if (connect(fd, (struct sockaddr *)&be->addr->ss, be->addr->len) != 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		bconn_count_connect(b, 0);
		bconn_close(b);
		errno = e;
		return NULL;
	}
	return b;
}

/* ---------- one transfer: the response ---------- */

static int
xfer_on_head(void *arg, struct http_head *h)
{
	struct upstream_bconn *b = arg;
	struct upstream_xfer *x = b->x;
	int bodiless, r;

	if (x == NULL || x->state == XS_DONE)
		return -1;
	if (h->status / 100 == 1 && h->status != 101) {
		/* 100 Continue and friends: relayed as they come, the final answer follows */
		x->interim = 1;
		return x->req.cb->head(x->req.arg, h, 1) == 0 && !x->stopped ? 0 : -1;
	}
	if (h->status == 101 && !x->upgrade_req) {
		x->extra = 1;   /* a 101 to a request that asked for no upgrade: broken (502) */
		return -1;
	}
	x->interim = 0;
	x->status = h->status;
	x->backend_keep = h->keep_alive;
	x->early = x->req_body && (!x->req_done || iobuf_len(&b->out) > 0);
	bodiless = strcmp(x->method, "HEAD") == 0 || h->status == 204 || h->status == 304 ||
	    h->status == 101;
	r = x->req.cb->head(x->req.arg, h, bodiless);
	if (r != 0 || x->stopped)
		return -1;
	if (h->status == 101)
		xfer_state(x, XS_TUNNEL);
	return bodiless ? 1 : 0;
}

static int
xfer_on_body(void *arg, const char *data, size_t len)
{
	struct upstream_bconn *b = arg;
	struct upstream_xfer *x = b->x;
	int r;

	if (x == NULL || x->state == XS_DONE)
		return -1;
	r = x->req.cb->body(x->req.arg, data, len);
	if (r < 0 || x->stopped)
		return -1;
	if (r == 1)
		x->full = 1;
	return 0;
}

static int
xfer_on_end(void *arg)
{
	struct upstream_bconn *b = arg;
	struct upstream_xfer *x = b->x;

	if (x == NULL)
		return -1;
	if (x->interim) {
		x->interim = 0;
		return 0;
	}
	if (x->state != XS_TUNNEL) {
		const struct http_fields *t = http_parser_trailers(b->rp);

		/* handed over now: the parser's copy is gone once the connection is released */
		if (t->n > 0 && x->req.cb->trailers != NULL &&
		    (x->req.cb->trailers(x->req.arg, t) != 0 || x->stopped))
			return -1;
		x->resp_end = 1;
	}
	return 0;
}

static const struct http_callbacks xfer_callbacks = {
	.on_head = xfer_on_head,
	.on_body = xfer_on_body,
	.on_end = xfer_on_end,
};

/*
 * Whether the backend connection may carry another request once this response ended.
 * Never when the request's body may still sit unread in it, since the backend would read
 * that body as the next request (and a body can be made to look like one): a server that
 * refuses a request (401, 403, 413, a redirect ...) often answers without reading the
 * body, and one that answered before the body was all written cannot have read it.  So
 * after a request with a body only a 2xx that came after the whole body was written
 * keeps the connection.  Nor when the backend sent bytes after the response.
 */
static int
xfer_reusable(const struct upstream_xfer *x)
{
	if (!x->req_done || x->state == XS_TUNNEL || x->extra || x->status == 0 ||
	    !x->backend_keep)
		return 0;
	return !x->req_body || (x->status / 100 == 2 && !x->early);
}

/* The response (or the tunnel) ended: the connection is pooled or closed, the owner told. */
static void
xfer_finish(struct upstream_xfer *x, int reusable)
{
	struct upstream_bconn *b = x->bc;

	xfer_state(x, XS_DONE);
	if (b != NULL) {
		if (reusable)
			bconn_release(b);
		else
			bconn_close(b);
	}
	x->bc = NULL;
	x->req.cb->end(x->req.arg);
}

/* A failure: the backend connection closes, the owner answers. */
static void
xfer_fail(struct upstream_xfer *x, int page, int win32, const char *why)
{
	if (x->state == XS_DONE)
		return;
	xfer_state(x, XS_DONE);
	bconn_close(x->bc);
	x->bc = NULL;
	x->req.cb->failed(x->req.arg, page, win32, why);
}

static void xfer_trace(struct upstream_xfer *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
xfer_trace(struct upstream_xfer *x, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!x->req.trace || x->req.cb->trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	x->req.cb->trace(x->req.arg, line);
}

/*
 * backend_timeout runs only while sysbind waits on the backend: as a write timeout while
 * request bytes wait for it to read them, and as a read timeout once the request is
 * completely sent (waiting for the answer) or once its response has started (between its
 * bytes).  A long upload from a slow client is the client's time (entity_body_timeout),
 * not the backend's.
 */
static void
xfer_timeouts(struct upstream_xfer *x)
{
	struct upstream_bconn *b = x->bc;
	struct timeval tv = { (time_t)x->pool->cfg->backend_timeout, 0 };
	int waiting;

	if (b == NULL || x->state == XS_CONNECTING || x->state == XS_DONE)
		return;
	waiting = x->state != XS_TUNNEL && !x->paused &&
	    ((x->req_done && iobuf_len(&b->out) == 0) || x->status != 0);
	b->deadline = waiting ? clock_now_ms() + (uint64_t)tv.tv_sec * 1000 : 0;
	if (!x->paused)
		bconn_read_on(b, 1);
}

/* Attach b to x and start sending. */
static void
xfer_attach(struct upstream_xfer *x, struct upstream_bconn *b, int reused)
{
	struct timeval tv = { (time_t)x->pool->cfg->backend_connect_timeout, 0 };

	b->x = x;
	x->bc = b;
	x->reused = reused ? 1 : 0;
	http_parser_set_request_method(b->rp, x->method);
	if (reused) {
		b->connected = 1;
		xfer_state(x, XS_SENDING);
	} else {
		b->connected = 0;
		xfer_state(x, XS_CONNECTING);
		bconn_write_on(b, &tv);   /* the connect counts as writing */
	}
}

/* Serialise the request head into b's queue. */
static int
xfer_queue_head(struct upstream_xfer *x)
{
	return http_request_head(x->req.head, &x->req.fw, &x->bc->out);
}

/* A pooled connection died before answering: send the request again on a new one.
 * Returns 0 when the retry is under way. */
static int
xfer_retry(struct upstream_xfer *x)
{
	struct upstream_bconn *b;

	if (!x->retry_ok || x->retried || x->got_bytes || !x->reused)
		return -1;
	x->retried = 1;
	bconn_close(x->bc);
	x->bc = NULL;
	if ((b = bconn_new(x->be)) == NULL)
		return -1;
	xfer_attach(x, b, 0);
	if (xfer_queue_head(x) != 0)
		return -1;
	xfer_trace(x, "backend %s: pooled connection was closed, sending again on a new one",
	    x->be->addr->name);
	return 0;
}

/* The backend connection failed before a response byte: retry, or fail. */
static void
xfer_broken(struct upstream_xfer *x, const char *what)
{
	char why[512];

	if (x->state == XS_SENDING && xfer_retry(x) == 0)
		return;
	snprintf(why, sizeof(why), "backend %s: %s before the response ended",
	    x->be->addr->name, what);
	xfer_fail(x, PAGE_BAD_GATEWAY, WIN32_NETNAME_DELETED, why);
}

/* Write what the request queue holds: its blocks together, one writev for what one
 * readiness of the client queued (a block moved from the client's input holds a record). */
static void
xfer_flush(struct upstream_xfer *x)
{
	struct upstream_bconn *b = x->bc;
	struct iovec iov[UPSTREAM_WRITE_IOV];
	const char *p;
	size_t n;
	ssize_t w;

	if (b == NULL || !b->connected)
		return;
	if (b->wdead)   /* (the answer is what is read now) */
		iobuf_drain(&b->out, iobuf_len(&b->out));
	while ((p = iobuf_peek(&b->out, &n)) != NULL) {
		/* (a request head alone, the keep-alive case, is one block: one write) */
		w = n == iobuf_len(&b->out) ? write(b->fd, p, n) :
		    writev(b->fd, iov, iobuf_peekv(&b->out, iov, UPSTREAM_WRITE_IOV));
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				struct timeval tv = { (time_t)x->pool->cfg->backend_timeout, 0 };

				bconn_write_on(b, &tv);
				return;
			}
			if ((errno == EPIPE || errno == ECONNRESET) && x->state != XS_TUNNEL) {
				/* a backend that answers a request before its body ends and
				 * closes on the rest: its answer is read before the reset is */
				b->wdead = 1;
				iobuf_drain(&b->out, iobuf_len(&b->out));
				bconn_read_again(b);
				break;
			}
			xfer_broken(x, errno == EPIPE || errno == ECONNRESET ? "connection reset" :
			    strerror(errno));
			return;
		}
		iobuf_drain(&b->out, (size_t)w);
	}
	bconn_write_off(b);
	if (x->state == XS_TUNNEL && x->tunnel_eof) {
		/* the client ended its side of the tunnel and all of it reached the backend */
		xfer_finish(x, 0);
		return;
	}
	xfer_timeouts(x);   /* the request is out: now we wait on the backend */
	if (x->req_full) {
		x->req_full = 0;
		x->req.cb->drained(x->req.arg);
	}
}

/* Feed what the backend sent.  Returns 0 to read on, -1 when the transfer ended. */
static int
xfer_feed(struct upstream_xfer *x, const char *data, size_t len)
{
	struct upstream_bconn *b = x->bc;

	while (len > 0) {
		size_t used = 0;
		enum http_feed r;

		if (x->state == XS_TUNNEL) {
			int k = x->req.cb->body(x->req.arg, data, len);

			if (k < 0 || x->stopped)
				return -1;
			if (k == 1)
				x->full = 1;
			return 0;
		}
		r = http_parser_feed(b->rp, data, len, &used);
		if (x->stopped || b->doomed || x->bc != b)
			return -1;
		data += used;
		len -= used;
		switch (r) {
		case HTTP_FEED_MORE:
			break;
		case HTTP_FEED_PAUSED:
			if (x->resp_end) {
				if (len > 0)
					x->extra = 1;   /* bytes after the response: never reused */
				xfer_finish(x, xfer_reusable(x));
				return -1;
			}
			break;
		case HTTP_FEED_UPGRADE:
			if (x->state != XS_TUNNEL) {
				char why[512];

				snprintf(why, sizeof(why), "backend %s: unexpected upgrade",
				    x->be->addr->name);
				xfer_fail(x, PAGE_BAD_GATEWAY, WIN32_INVALID_DATA, why);
				return -1;
			}
			xfer_trace(x, "backend %s: 101, tunnelling", x->be->addr->name);
			b->deadline = 0;   /* the tunnel has its own idle timeout */
			break;   /* the rest of the bytes are the tunnel's */
		case HTTP_FEED_ERROR: {
			const char *detail;
			char why[512];

			(void)http_parser_error(b->rp, &detail);
			snprintf(why, sizeof(why), "backend %s: invalid response (%s)",
			    x->be->addr->name, x->extra ? "a 101 to a request that asked for no "
			    "upgrade" : detail);
			xfer_fail(x, PAGE_BAD_GATEWAY, WIN32_INVALID_DATA, why);
			return -1;
		}
		}
	}
	return 0;
}

/* The backend closed its side (n == 0) or reset (err). */
static void
xfer_eof(struct upstream_xfer *x, int reset)
{
	char why[512];

	if (x->state == XS_TUNNEL) {
		xfer_trace(x, "backend %s: tunnel closed by the backend", x->be->addr->name);
		xfer_finish(x, 0);
		return;
	}
	if (!x->got_bytes) {
		xfer_broken(x, reset ? "connection reset" : "connection closed");
		return;
	}
	if (!reset && http_parser_finish(x->bc->rp) == 0 && x->resp_end) {
		/* a close-delimited body ends here; the connection is gone */
		xfer_finish(x, 0);
		return;
	}
	snprintf(why, sizeof(why), "backend %s: %s before the response ended", x->be->addr->name,
	    reset ? "connection reset" : "connection closed");
	xfer_fail(x, PAGE_BAD_GATEWAY, WIN32_NETNAME_DELETED, why);
}

/* Where the next read goes: straight into the client's queue when the bytes ahead are
 * all body it takes as they are (a Content-Length body to an HTTP/1.1 connection: no
 * copy), capped at the body's end; else the thread's buffer.  Fills iov, returns how
 * many entries, the queue in *q (NULL: the buffer) and the bytes asked for in *want. */
static int
xfer_room(struct upstream_xfer *x, struct iovec *iov, int max, struct iobuf **q, size_t *want)
{
	unsigned long long left;
	size_t got = 0;
	int n = 0;

	*q = NULL;
	if (x->state == XS_RESPONSE && !x->interim && x->req.cb->room != NULL &&
	    (left = http_parser_body_left(x->bc->rp)) > 0 &&
	    (*q = x->req.cb->room(x->req.arg)) != NULL) {
		*want = left < UPSTREAM_READ_MAX ? (size_t)left : UPSTREAM_READ_MAX;
		n = iobuf_reserve(*q, *want, iov, max);
		for (int i = 0; i < n; i++) {
			if (iov[i].iov_len > *want - got)
				iov[i].iov_len = *want - got;
			got += iov[i].iov_len;
		}
		*want = got;
		if (n > 0)
			return n;
		*q = NULL;   /* out of memory: the copy path */
	}
	iov[0].iov_base = upstream_rbuf;
	iov[0].iov_len = *want = sizeof(upstream_rbuf);
	return 1;
}

static void
xfer_read(struct upstream_xfer *x)
{
	struct upstream_bconn *b = x->bc;
	struct iovec iov[UPSTREAM_READ_MAX / IOBUF_BLOCK + 1];

	for (int i = 0; i < UPSTREAM_READS_PER_CB; i++) {
		struct iobuf *q;
		size_t want, left;
		int niov = xfer_room(x, iov, (int)(sizeof(iov) / sizeof(iov[0])), &q, &want);
		/* (read(2) for one buffer: readv's iovec import is kernel work for nothing) */
		ssize_t n = niov == 1 ? read(b->fd, iov[0].iov_base, iov[0].iov_len) :
		    readv(b->fd, iov, niov);

		if (q != NULL)
			iobuf_unreserve(q, n > 0 ? (size_t)n : 0);
		if (n < 0 && errno == EINTR) {
			bconn_read_again(b);
			return;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			xfer_eof(x, n < 0);
			return;
		}
		x->got_bytes = 1;
		if (x->state == XS_SENDING)
			xfer_state(x, XS_RESPONSE);
		if (b->deadline != 0)   /* backend_timeout counts the silence between bytes */
			b->deadline = clock_now_ms() + (uint64_t)x->pool->cfg->backend_timeout * 1000;
		left = (size_t)n;
		for (int k = 0; left > 0; k++) {   /* (in the client's queue: block by block) */
			size_t seg = left < iov[k].iov_len ? left : iov[k].iov_len;

			if (xfer_feed(x, iov[k].iov_base, seg) != 0) {
				if ((size_t)n == want)   /* (edge-triggered: more may wait) */
					bconn_read_again(b);
				return;
			}
			left -= seg;
		}
		if (x->full) {
			x->paused = 1;
			b->deadline = 0;   /* the client's time now, not the backend's */
			bconn_read_on(b, 0);   /* resumed by upstream_xfer_resume */
			return;
		}
		if ((size_t)n < want) {
			/* empty, but perhaps for a FIN or a reset behind the bytes (libevent tells
			 * a reset without EV_CLOSED; edge-triggered, neither comes again): read on
			 * a later turn, once the client's output went out (a cut drops its queue) */
			bconn_read_again(b);
			return;
		}
	}
	bconn_read_again(b);   /* the cap: other connections first, then the rest */
}

static void
bconn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_bconn *b = arg;
	struct upstream_xfer *x = b->x;

	if (what & EV_CLOSED)
		b->rdhup = 1;
	if (x == NULL) {   /* idle: data or EOF ends it */
		if (b->again) {
			b->again = 0;
			if (bconn_quiet(b))
				return;
		}
		bconn_close(b);
		return;
	}
	b->again = 0;
	b->busy = 1;
	xfer_read(x);
	b->busy = 0;
	if (b->doomed)
		bconn_close(b);
}

static void
bconn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_bconn *b = arg;
	struct upstream_xfer *x = b->x;
	char why[512];
	int err = 0, on = 1;
	socklen_t len = sizeof(err);

	if (x == NULL) {
		bconn_write_off(b);
		return;
	}
	b->busy = 1;
	if (x->state == XS_CONNECTING) {
		if (what & EV_TIMEOUT) {
			/* unreachable within backend_connect_timeout: as a refused backend (503) */
			snprintf(why, sizeof(why), "backend %s: connect timed out after %us",
			    x->be->addr->name, x->pool->cfg->backend_connect_timeout);
			bconn_count_connect(b, 0);
			xfer_fail(x, PAGE_SERVICE_UNAVAILABLE, WIN32_SEM_TIMEOUT, why);
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
			snprintf(why, sizeof(why), "backend %s: %s", x->be->addr->name,
			    strerror(err != 0 ? err : errno));
			bconn_count_connect(b, 0);
			xfer_fail(x, PAGE_SERVICE_UNAVAILABLE, WIN32_CONNECTION_REFUSED, why);
		} else {
			b->connected = 1;
			bconn_count_connect(b, 1);
			xfer_state(x, XS_SENDING);
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
			xfer_trace(x, "backend %s: connected", x->be->addr->name);
			bconn_read_on(b, 1);
			xfer_flush(x);
		}
	} else if (what & EV_TIMEOUT) {
		snprintf(why, sizeof(why), "backend %s: no response within %us",
		    x->be->addr->name, x->pool->cfg->backend_timeout);
		xfer_fail(x, PAGE_GATEWAY_TIMEOUT, WIN32_SEM_TIMEOUT, why);
	} else {
		xfer_flush(x);
	}
	b->busy = 0;
	if (b->doomed)
		bconn_close(b);
}

/*
 * Once a second: idle connections past their minute (a surplus one past its second, unless
 * the pool is no longer over UPSTREAM_IDLE_MAX: then it stays), responses past
 * backend_timeout.
 * One walk over the pool's connections, each visited once: a failed transfer's owner may
 * close other connections of this pool from its callback (an HTTP/2 connection ending
 * its streams), and bconn_unlist moves the walk's next stop past any it closes, so the
 * walk never restarts (which made a burst of timeouts quadratic).
 */
static void
pool_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_pool *p = arg;
	struct upstream_bconn *b;
	uint64_t now = clock_now_ms();
	char why[512];

	p->sweep_on = 0;
	for (b = p->all; b != NULL; b = p->sweep_next) {
		p->sweep_next = b->all_next;
		if (b->deadline == 0 || now < b->deadline)
			continue;
		b->deadline = 0;
		if (b->x == NULL && b->surplus && b->be->nidle <= UPSTREAM_IDLE_MAX) {
			/* the others of the burst are gone: this one is one of the pool's now */
			b->surplus = 0;
			b->deadline = now + (uint64_t)UPSTREAM_IDLE_SECONDS * 1000;
			continue;
		}
		if (b->x == NULL) {
			bconn_close(b);
			continue;
		}
		snprintf(why, sizeof(why), "backend %s: no response within %us",
		    b->be->addr->name, p->cfg->backend_timeout);
		xfer_fail(b->x, PAGE_GATEWAY_TIMEOUT, WIN32_SEM_TIMEOUT, why);
	}
	p->sweep_next = NULL;
	pool_sweep_arm(p);
}

/* site's backend in p: by the site's index in the generation's configuration, which
 * upstream_addrs_new mapped to its address (no walk over the backends per request);
 * a site from elsewhere is looked up by name. */
static struct upstream_backend *
pool_backend(struct upstream_pool *p, const struct conf_site *site)
{
	const struct conf *cfg = p->cfg;
	size_t i;

	if (site >= cfg->sites && site < cfg->sites + cfg->nsites &&
	    p->addrs->nsites == cfg->nsites) {
		i = p->addrs->of_site[site - cfg->sites];
		return i < p->n ? &p->v[i] : NULL;
	}
	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].addr->host, site->backend_host) == 0 &&
		    strcmp(p->v[i].addr->port, site->backend_port) == 0)
			return &p->v[i];
	return NULL;
}

/* ---------- the owner's side ---------- */

struct upstream_xfer *
upstream_xfer_start(struct upstream_pool *p, const struct conf_site *site,
    const struct upstream_req *req)
{
	struct upstream_xfer *x;
	struct upstream_backend *be = pool_backend(p, site);
	struct upstream_bconn *b;
	const char *m;
	size_t n;
	struct apppool_state *pool = upstream_apppool(p, site);

	if (be == NULL || be->addr->len == 0)
		return NULL;
	/* the newest generation's limit: the pool's connections are counted across them */
	if (pool != NULL && apppool_slot_take(pool, atomic_load_explicit(&pool->max,
	    memory_order_relaxed)) != 0) {
		errno = EBUSY;
		return NULL;
	}
	if ((x = objcache_get(&xfer_cache, sizeof(*x))) == NULL) {
		if (pool != NULL)
			apppool_slot_put(pool);
		return NULL;
	}
	memset(x, 0, sizeof(*x));
	x->slot = pool;
	x->pool = p;
	x->be = be;
	x->req = *req;
	m = req->head->method != NULL ? req->head->method : "";
	n = strnlen(m, sizeof(x->method) - 1);   /* as "%s" would, cut short */
	memcpy(x->method, m, n);
	x->method[n] = '\0';
	x->req_chunked = req->head->chunked;
	x->req_body = req->head->chunked || req->head->content_length > 0;
	x->upgrade_req = req->fw.upgrade;
	/* only a request that can be sent again unchanged may be: idempotent, no body */
	x->retry_ok = http_method_idempotent(x->method) && !x->req_body && !x->upgrade_req;

	/* a pooled connection, else a new one.  One a request that cannot be sent again
	 * goes on must be quiet: a reset that came with the last response (libevent tells
	 * it without EV_CLOSED; edge-triggered, never again) left it pooled, dead (502). */
	while ((b = bconn_take(be)) != NULL && !x->retry_ok && !bconn_quiet(b))
		bconn_close(b);
	if (b != NULL) {
		xfer_attach(x, b, 1);
		xfer_trace(x, "backend %s: pooled connection", be->addr->name);
	} else if ((b = bconn_new(be)) != NULL) {
		xfer_attach(x, b, 0);
		xfer_trace(x, "backend %s: connecting", be->addr->name);
	} else {
		int e = errno;

		log_warn("connecting to backend %s", be->addr->name);
		upstream_xfer_free(x);
		errno = e;
		return NULL;
	}
	if (xfer_queue_head(x) != 0) {
		upstream_xfer_free(x);
		return NULL;
	}
	/* nothing is written before upstream_xfer_push: the rest the client sent with this
	 * head is parsed first, so a request refused for its body never reaches the backend */
	return x;
}

int
upstream_xfer_body(struct upstream_xfer *x, const char *data, size_t len)
{
	size_t lost;

	return upstream_xfer_body_from(x, NULL, data, len, &lost);
}

int
upstream_xfer_body_from(struct upstream_xfer *x, struct iobuf *src, const char *data,
    size_t len, size_t *lost)
{
	struct upstream_bconn *b = x->bc;
	long m;

	*lost = 0;
	if (b == NULL || x->state == XS_DONE)
		return -1;
	if (x->req_chunked && x->state != XS_TUNNEL) {
		if (http_chunk_move(&b->out, src, data, len, lost) != 0)
			return -1;   /* (*lost: what src gave up all the same) */
	} else {
		if ((m = iobuf_move(&b->out, src, data, len)) < 0)
			return -1;
		*lost = (size_t)m;
	}
	if (iobuf_len(&b->out) >= CONN_HIGH_WATER) {
		x->req_full = 1;
		return 1;
	}
	return x->state == XS_DONE ? -1 : 0;
}

int
upstream_xfer_body_end(struct upstream_xfer *x, const struct http_fields *t)
{
	struct upstream_bconn *b = x->bc;

	x->req_done = 1;
	if (b == NULL || x->state == XS_DONE)
		return -1;
	if (x->state == XS_TUNNEL)
		return 0;
	if (x->req_chunked)
		return http_last_chunk_add(&b->out, t, x->req.fw.cert_header) == 0 ? 0 : -1;
	return 0;   /* (a Content-Length body: its trailers, if any, stay here) */
}

void
upstream_xfer_push(struct upstream_xfer *x)
{
	struct upstream_bconn *b = x->bc;

	if (b != NULL && x->state != XS_DONE && b->connected && !b->wev_on)
		xfer_flush(x);
}

int
upstream_xfer_tunnel_end(struct upstream_xfer *x)
{
	struct upstream_bconn *b = x->bc;

	x->tunnel_eof = 1;   /* the tunnel closes once the backend took everything */
	return b == NULL || x->state != XS_TUNNEL ? -1 : 0;
}

void
upstream_xfer_resume(struct upstream_xfer *x)
{
	if (x->bc == NULL || !x->paused || x->state == XS_DONE)
		return;
	x->paused = 0;
	x->full = 0;
	xfer_timeouts(x);
	if (x->state == XS_TUNNEL)
		bconn_read_on(x->bc, 1);
	if (x->bc != NULL)
		bconn_read_again(x->bc);   /* what came meanwhile made no edge */
}

void
upstream_xfer_stop(struct upstream_xfer *x)
{
	if (x == NULL || x->stopped)
		return;
	x->stopped = 1;
	xfer_state(x, XS_DONE);
	bconn_close(x->bc);
	x->bc = NULL;
}

void
upstream_cache_drain(void)
{
	objcache_drain(&xfer_cache);
}

const char *
upstream_xfer_backend(const struct upstream_xfer *x)
{
	return x->be->addr->name;
}

void
upstream_xfer_free(struct upstream_xfer *x)
{
	if (x == NULL)
		return;
	bconn_close(x->bc);   /* still attached: the exchange did not finish on it */
	x->bc = NULL;
	xfer_slot_put(x);
	objcache_put(&xfer_cache, x);
}

struct apppool_state *
upstream_apppool(struct upstream_pool *p, const struct conf_site *site)
{
	const struct conf *cfg = p->cfg;

	if (site < cfg->sites || site >= cfg->sites + cfg->nsites ||
	    p->addrs->nsites != cfg->nsites || p->addrs->pools == NULL)
		return NULL;
	return p->addrs->pools[p->addrs->pool_of[site - cfg->sites]];
}

struct queue *
upstream_queue(struct upstream_pool *p)
{
	return p->queue;
}

size_t
upstream_addrs_pool_index(const struct upstream_addrs *a, size_t site)
{
	return a != NULL && a->pool_of != NULL && site < a->nsites ? a->pool_of[site] : SIZE_MAX;
}

struct apppool_state *
upstream_addrs_apppool(const struct upstream_addrs *a, size_t site)
{
	return a != NULL && a->pools != NULL && site < a->nsites ? a->pools[a->pool_of[site]] :
	    NULL;
}
