/*
 * upstream — backend connections and the proxying of one request/response exchange over
 * them.  Owns: backend addresses (resolved once at start), the per-backend pool of idle
 * keep-alive connections, connect and response timeouts, the response parser and its
 * framing for the client, back-pressure in both directions and the 101 tunnel's
 * backend half.  Does not own the client connection: it writes into conn_bev(c)'s output
 * and reports through conn_proxy_*; every such call may close the conn, so each is the
 * last thing a function does with the transfer.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conf.h"
#include "conn.h"
#include "log.h"
#include "respond.h"
#include "upstream.h"

#define UPSTREAM_IDLE_MAX     32   /* idle connections kept per backend */
#define UPSTREAM_IDLE_SECONDS 60
#define UPSTREAM_FEED_MAX     (64 * 1024)

struct upstream_idle;

struct upstream_backend {
	char                     name[300];  /* "127.0.0.1:8081" */
	struct sockaddr_storage  addr;
	socklen_t                addrlen;    /* 0: could not be resolved */
	struct upstream_idle    *idle;       /* most recently released first */
	size_t                   nidle;
	struct upstream_pool    *pool;
};

struct upstream_idle {
	struct bufferevent      *bev;
	struct upstream_backend *be;
	struct upstream_idle    *prev, *next;
};

struct upstream_pool {
	struct event_base       *base;
	const struct conf       *cfg;
	struct upstream_backend *v;
	size_t                   n;
};

struct upstream_xfer {
	struct upstream_pool    *pool;
	struct upstream_backend *be;
	struct conn             *c;          /* NULL after abort */
	struct bufferevent      *bev;        /* the backend connection; NULL once let go */
	struct http_parser      *rp;         /* response parser */
	struct evbuffer         *retry;      /* the request head, kept while a retry is allowed */
	char                     method[24];
	int                      http10;     /* the client speaks HTTP/1.0 */
	int                      reused;     /* bev came from the pool */
	int                      connected;
	int                      req_chunked;
	int                      req_done;
	int                      got_bytes;  /* any byte of a response arrived */
	int                      interim;    /* the current response head is 1xx */
	int                      status;     /* final status relayed, 0 before */
	int                      chunked_out;
	int                      client_keep;
	int                      resp_end;
	int                      paused;     /* backend reading stopped: client output full */
	int                      tunnel;
	int                      tunnel_eof; /* client closed: close once the backend output drains */
	int                      upgrade_req;
	int                      backend_keep; /* the backend keeps the connection after this */
	int                      read_timer;   /* backend_timeout runs on reading (see below) */
	int                      req_body;     /* the request has a body */
	int                      early;        /* the final response head came before the whole
	                                          request body had been written to the backend */
	const char              *refusal;      /* why on_head refused the response, or NULL */
};

static void upstream_read_cb(struct bufferevent *bev, void *arg);
static void upstream_write_cb(struct bufferevent *bev, void *arg);
static void upstream_event_cb(struct bufferevent *bev, short what, void *arg);

/* ---------- pool ---------- */

struct upstream_pool *
upstream_pool_new(struct event_base *base, const struct conf *cfg, char *err, size_t errlen)
{
	struct upstream_pool *p;
	size_t i, j;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (cfg->nsites > 0 && (p->v = calloc(cfg->nsites, sizeof(*p->v))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		upstream_pool_free(p);
		return NULL;
	}
	p->base = base;
	p->cfg = cfg;
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];
		struct upstream_backend *be;
		struct addrinfo hints, *ai = NULL;
		int rc;

		if (s->backend == NULL)
			continue;
		be = &p->v[p->n];
		if (strchr(s->backend_host, ':') != NULL)
			snprintf(be->name, sizeof(be->name), "[%s]:%s", s->backend_host, s->backend_port);
		else
			snprintf(be->name, sizeof(be->name), "%s:%s", s->backend_host, s->backend_port);
		for (j = 0; j < p->n; j++)
			if (strcmp(p->v[j].name, be->name) == 0)
				break;
		if (j < p->n)
			continue;
		be->pool = p;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		if ((rc = getaddrinfo(s->backend_host, s->backend_port, &hints, &ai)) != 0 ||
		    ai == NULL) {
			log_warnx("backend %s of site \"%s\": %s; its requests get 503",
			    be->name, s->name, gai_strerror(rc));
		} else {
			memcpy(&be->addr, ai->ai_addr, ai->ai_addrlen);
			be->addrlen = ai->ai_addrlen;
		}
		if (ai != NULL)
			freeaddrinfo(ai);
		p->n++;
	}
	return p;
}

static void
upstream_idle_drop(struct upstream_idle *i)
{
	struct upstream_backend *be = i->be;

	if (i->prev != NULL)
		i->prev->next = i->next;
	else
		be->idle = i->next;
	if (i->next != NULL)
		i->next->prev = i->prev;
	be->nidle--;
	bufferevent_free(i->bev);
	free(i);
}

void
upstream_pool_free(struct upstream_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		while (p->v[i].idle != NULL)
			upstream_idle_drop(p->v[i].idle);
	free(p->v);
	free(p);
}

/* An idle connection that becomes readable (data or EOF) or times out is useless. */
static void
upstream_idle_read_cb(struct bufferevent *bev, void *arg)
{
	upstream_idle_drop(arg);
}

static void
upstream_idle_event_cb(struct bufferevent *bev, short what, void *arg)
{
	upstream_idle_drop(arg);
}

/* Keep bev for the next request to be; frees it when the pool is full. */
static void
upstream_release(struct upstream_backend *be, struct bufferevent *bev)
{
	struct upstream_idle *i;
	struct timeval idle = { UPSTREAM_IDLE_SECONDS, 0 };

	if (be->nidle >= UPSTREAM_IDLE_MAX ||
	    evbuffer_get_length(bufferevent_get_input(bev)) > 0 ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0 ||
	    (i = calloc(1, sizeof(*i))) == NULL) {
		bufferevent_free(bev);
		return;
	}
	i->bev = bev;
	i->be = be;
	i->next = be->idle;
	if (be->idle != NULL)
		be->idle->prev = i;
	be->idle = i;
	be->nidle++;
	bufferevent_setcb(bev, upstream_idle_read_cb, NULL, upstream_idle_event_cb, i);
	bufferevent_set_timeouts(bev, &idle, NULL);
	bufferevent_enable(bev, EV_READ);
}

/* The most recently released idle connection, or NULL. */
static struct bufferevent *
upstream_take_idle(struct upstream_backend *be)
{
	struct upstream_idle *i = be->idle;
	struct bufferevent *bev;

	if (i == NULL)
		return NULL;
	bev = i->bev;
	be->idle = i->next;
	if (be->idle != NULL)
		be->idle->prev = NULL;
	be->nidle--;
	free(i);
	return bev;
}

/* ---------- one transfer ---------- */

/*
 * backend_timeout runs only while sysbind waits on the backend: as a write timeout while
 * request bytes wait for it to read them, and as a read timeout once the request is
 * completely sent (waiting for the answer) or once its response has started (between its
 * bytes).  A long upload from a slow client is the client's time (entity_body_timeout),
 * not the backend's.
 */
static void
upstream_set_timeouts(struct upstream_xfer *x)
{
	struct timeval tv = { (time_t)x->pool->cfg->backend_timeout, 0 };
	int waiting = (x->req_done &&
	    evbuffer_get_length(bufferevent_get_output(x->bev)) == 0) || x->status != 0;

	if (x->tunnel)
		bufferevent_set_timeouts(x->bev, NULL, NULL);
	else
		bufferevent_set_timeouts(x->bev, waiting ? &tv : NULL, &tv);
	x->read_timer = waiting;
}

/* Open a new connection to the backend.  Returns 0 or -1. */
static int
upstream_connect(struct upstream_xfer *x)
{
	struct timeval tv = { (time_t)x->pool->cfg->backend_connect_timeout, 0 };

	if (x->be->addrlen == 0)
		return -1;
	x->bev = bufferevent_socket_new(x->pool->base, -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (x->bev == NULL)
		return -1;
	x->reused = 0;
	x->connected = 0;
	bufferevent_setcb(x->bev, upstream_read_cb, upstream_write_cb, upstream_event_cb, x);
	bufferevent_setwatermark(x->bev, EV_WRITE, CONN_LOW_WATER, 0);
	bufferevent_setwatermark(x->bev, EV_READ, 0, CONN_HIGH_WATER);
	/* The connect counts as writing: its timeout is the write timeout for now. */
	bufferevent_set_timeouts(x->bev, NULL, &tv);
	if (bufferevent_socket_connect(x->bev, (struct sockaddr *)&x->be->addr,
	    (int)x->be->addrlen) != 0) {
		log_warn("connecting to backend %s", x->be->name);
		bufferevent_free(x->bev);
		x->bev = NULL;
		return -1;
	}
	bufferevent_enable(x->bev, EV_READ | EV_WRITE);
	return 0;
}

static int
upstream_on_head(void *arg, struct http_head *h)
{
	struct upstream_xfer *x = arg;
	struct evbuffer *out;
	int bodiless;

	if (x->c == NULL)
		return -1;
	out = bufferevent_get_output(conn_bev(x->c));
	if (h->status / 100 == 1 && h->status != 101) {
		/* 100 Continue and friends: relayed as they come, the final answer follows */
		x->interim = 1;
		if (x->http10)
			return 0;
		return http_response_serialize(h, 0, 1, out) == 0 ? 0 : -1;
	}
	if (h->status == 101 && !x->upgrade_req) {
		x->refusal = "a 101 to a request that asked for no upgrade";
		return -1;   /* a broken response: 502 */
	}
	x->interim = 0;
	x->status = h->status;
	x->backend_keep = h->keep_alive;
	x->early = x->req_body && (!x->req_done || x->bev == NULL ||
	    evbuffer_get_length(bufferevent_get_output(x->bev)) > 0);
	if (!x->read_timer && x->bev != NULL && h->status != 101)
		upstream_set_timeouts(x);
	if (x->retry != NULL) {
		evbuffer_free(x->retry);
		x->retry = NULL;
	}
	if (h->status == 101) {
		x->tunnel = 1;
		x->client_keep = 0;
		if (http_response_serialize(h, 0, 1, out) != 0)
			return -1;
		conn_proxy_head(x->c, h->status);
		return 0;
	}
	bodiless = strcmp(x->method, "HEAD") == 0 || h->status == 204 || h->status == 304;
	x->client_keep = conn_proxy_keep(x->c);
	x->chunked_out = 0;
	if (!bodiless && (h->chunked || h->content_length < 0)) {
		/* chunked stays chunked; a close-delimited body becomes chunked for HTTP/1.1
		 * so the client connection survives it; HTTP/1.0 gets it close-delimited */
		if (x->http10)
			x->client_keep = 0;
		else
			x->chunked_out = 1;
	}
	if (http_response_serialize(h, x->chunked_out, x->client_keep, out) != 0)
		return -1;
	conn_proxy_head(x->c, h->status);
	return bodiless ? 1 : 0;
}

static int
upstream_on_body(void *arg, const char *data, size_t len)
{
	struct upstream_xfer *x = arg;
	struct evbuffer *out;

	if (x->c == NULL)
		return -1;
	out = bufferevent_get_output(conn_bev(x->c));
	if (x->chunked_out)
		return http_chunk_append(out, data, len);
	return evbuffer_add(out, data, len);
}

static int
upstream_on_end(void *arg)
{
	struct upstream_xfer *x = arg;

	if (x->interim) {
		x->interim = 0;
		return 0;
	}
	if (x->tunnel)
		return 0;   /* a 101 ends in the tunnel, not in a finished exchange */
	if (x->c != NULL && x->chunked_out &&
	    http_chunk_append(bufferevent_get_output(conn_bev(x->c)), NULL, 0) != 0)
		return -1;
	x->resp_end = 1;
	return 0;
}

static const struct http_callbacks upstream_callbacks = {
	.on_head = upstream_on_head,
	.on_body = upstream_on_body,
	.on_end = upstream_on_end,
};

/* 1 when name is "host:port", or "[host]:port" for an IPv6 host (as the pool names its
 * backends), without formatting it on every request. */
static int
upstream_name_is(const char *name, const char *host, const char *port)
{
	int v6 = strchr(host, ':') != NULL;
	size_t hl = strlen(host);

	if (v6 && *name++ != '[')
		return 0;
	if (strncmp(name, host, hl) != 0)
		return 0;
	name += hl;
	if (v6 && *name++ != ']')
		return 0;
	return *name == ':' && strcmp(name + 1, port) == 0;
}

struct upstream_xfer *
upstream_xfer_start(struct upstream_pool *p, struct conn *c, const struct conf_site *site,
    const struct http_head *req, const struct http_forward *fw)
{
	struct upstream_xfer *x;
	struct http_limits lim;
	struct evbuffer *head = NULL, *out;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (upstream_name_is(p->v[i].name, site->backend_host, site->backend_port))
			break;
	if (i == p->n || (x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->pool = p;
	x->be = &p->v[i];
	x->c = c;
	{
		const char *m = req->method != NULL ? req->method : "";
		size_t n = strnlen(m, sizeof(x->method) - 1);   /* as "%s" would, cut short */

		memcpy(x->method, m, n);
		x->method[n] = '\0';
	}
	x->http10 = req->version_major == 1 && req->version_minor == 0;
	x->req_chunked = req->chunked;
	x->req_body = req->chunked || req->content_length > 0;
	x->upgrade_req = fw->upgrade;
	lim.max_field_length = p->cfg->max_field_length;
	lim.max_request_bytes = p->cfg->max_request_bytes;
	lim.max_url_length = p->cfg->max_url_length;
	if ((x->rp = http_parser_new(HTTP_PARSE_RESPONSE, &lim, &upstream_callbacks, x)) == NULL)
		goto fail;
	http_parser_set_request_method(x->rp, req->method);

	/* A pooled connection; else a new one. */
	while ((x->bev = upstream_take_idle(x->be)) != NULL) {
		if (evbuffer_get_length(bufferevent_get_input(x->bev)) == 0)
			break;
		bufferevent_free(x->bev);
	}
	if (x->bev != NULL) {
		x->reused = 1;
		x->connected = 1;
		bufferevent_setcb(x->bev, upstream_read_cb, upstream_write_cb, upstream_event_cb, x);
		upstream_set_timeouts(x);
		/* enabling EV_WRITE again would add write interest with nothing to write */
		bufferevent_enable(x->bev, (bufferevent_get_enabled(x->bev) & EV_WRITE) ?
		    EV_READ : EV_READ | EV_WRITE);
		conn_trace(c, "backend %s: pooled connection", x->be->name);
	} else if (upstream_connect(x) != 0) {
		goto fail;
	} else {
		conn_trace(c, "backend %s: connecting", x->be->name);
	}
	if ((head = evbuffer_new()) == NULL || http_request_serialize(req, fw, head) != 0)
		goto fail;
	/* Only a request that can be sent again unchanged may be: idempotent, no body. */
	if (x->reused && http_method_idempotent(req->method) && !req->chunked &&
	    req->content_length <= 0 && !fw->upgrade) {
		size_t len = evbuffer_get_length(head);

		if ((x->retry = evbuffer_new()) != NULL &&
		    evbuffer_add(x->retry, evbuffer_pullup(head, -1), len) != 0) {
			evbuffer_free(x->retry);
			x->retry = NULL;
		}
	}
	/* A pooled connection with nothing queued: the head goes out now, so the bufferevent
	 * need not add write interest for it and drop it again (two epoll_ctl a request).
	 * What the socket does not take, or an error, is left to the bufferevent. */
	out = bufferevent_get_output(x->bev);
	if (x->connected && evbuffer_get_length(out) == 0)
		(void)evbuffer_write(head, bufferevent_getfd(x->bev));
	if (evbuffer_get_length(head) > 0 && evbuffer_add_buffer(out, head) != 0)
		goto fail;
	evbuffer_free(head);
	return x;
fail:
	if (head != NULL)
		evbuffer_free(head);
	upstream_xfer_abort(x);
	upstream_xfer_free(x);
	return NULL;
}

int
upstream_xfer_body(struct upstream_xfer *x, const char *data, size_t len)
{
	struct evbuffer *out;

	if (x->bev == NULL)
		return -1;
	out = bufferevent_get_output(x->bev);
	if (x->req_chunked)
		return http_chunk_append(out, data, len);
	return evbuffer_add(out, data, len);
}

int
upstream_xfer_body_end(struct upstream_xfer *x)
{
	x->req_done = 1;
	if (x->bev == NULL)
		return -1;
	if (x->req_chunked && !x->tunnel &&
	    http_chunk_append(bufferevent_get_output(x->bev), NULL, 0) != 0)
		return -1;
	if (x->connected && !x->tunnel)
		upstream_set_timeouts(x);
	return 0;
}

int
upstream_xfer_full(const struct upstream_xfer *x)
{
	return x->bev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(x->bev)) >= CONN_HIGH_WATER;
}

int
upstream_xfer_status(const struct upstream_xfer *x)
{
	return x->status;
}

const char *
upstream_xfer_backend(const struct upstream_xfer *x)
{
	return x->be->name;
}

void
upstream_xfer_abort(struct upstream_xfer *x)
{
	if (x == NULL)
		return;
	if (x->bev != NULL)
		bufferevent_free(x->bev);
	x->bev = NULL;
	x->c = NULL;
}

void
upstream_xfer_free(struct upstream_xfer *x)
{
	if (x == NULL)
		return;
	if (x->bev != NULL)
		bufferevent_free(x->bev);
	http_parser_free(x->rp);
	if (x->retry != NULL)
		evbuffer_free(x->retry);
	free(x);
}

/* A pooled connection died before answering: send the request again on a new one.
 * Returns 0 when the retry is under way. */
static int
upstream_retry(struct upstream_xfer *x)
{
	struct evbuffer *head = x->retry;

	if (head == NULL || x->got_bytes || !x->reused)
		return -1;
	x->retry = NULL;
	bufferevent_free(x->bev);
	x->bev = NULL;
	if (upstream_connect(x) != 0) {
		evbuffer_free(head);
		return -1;
	}
	conn_trace(x->c, "backend %s: pooled connection was closed, sending again on a new one",
	    x->be->name);
	evbuffer_add_buffer(bufferevent_get_output(x->bev), head);
	evbuffer_free(head);
	return 0;
}

/* The exchange is over: let the backend connection go, then tell the conn. */
static void
upstream_finish(struct upstream_xfer *x, int backend_reusable)
{
	struct conn *c = x->c;

	if (x->bev != NULL) {
		if (backend_reusable)
			upstream_release(x->be, x->bev);
		else
			bufferevent_free(x->bev);
		x->bev = NULL;
	}
	conn_proxy_done(c, x->client_keep);   /* frees x */
}

/* A failure: what the client gets depends on whether the head went out. */
static void
upstream_fail(struct upstream_xfer *x, int page, const char *why)
{
	struct conn *c = x->c;

	if (x->bev != NULL)
		bufferevent_free(x->bev);
	x->bev = NULL;
	conn_proxy_failed(c, x->status != 0 ? -page : page, why);
}

/*
 * Whether the backend connection may carry another request once this response ended.
 * Never when the request's body may still sit unread in it, since the backend would read
 * that body as the next request (and a body can be made to look like one): a server that
 * refuses a request (401, 403, 413, a redirect ...) often answers without reading the
 * body, and one that answered before the body was all written cannot have read it.  So
 * after a request with a body only a 2xx that came after the whole body was written
 * keeps the connection.
 */
static int
upstream_reusable(const struct upstream_xfer *x)
{
	if (!x->req_done || x->tunnel || !http_parser_idle(x->rp) || x->status == 0 ||
	    !x->backend_keep)
		return 0;
	return !x->req_body || (x->status / 100 == 2 && !x->early);
}

/* Feed the backend's bytes to the response parser, as far as the client takes them. */
static void
upstream_pump(struct upstream_xfer *x)
{
	struct evbuffer *in, *cout;

	if (x->c == NULL || x->bev == NULL)
		return;
	in = bufferevent_get_input(x->bev);
	cout = bufferevent_get_output(conn_bev(x->c));
	while (evbuffer_get_length(in) > 0 && !x->resp_end) {
		struct evbuffer_iovec v;
		size_t used = 0, n;
		enum http_feed r;

		if (evbuffer_get_length(cout) >= CONN_HIGH_WATER) {
			x->paused = 1;
			bufferevent_disable(x->bev, EV_READ);
			return;
		}
		x->got_bytes = 1;
		if (x->tunnel) {
			evbuffer_remove_buffer(in, cout, CONN_HIGH_WATER);
			continue;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		n = v.iov_len < UPSTREAM_FEED_MAX ? v.iov_len : UPSTREAM_FEED_MAX;
		r = http_parser_feed(x->rp, v.iov_base, n, &used);
		evbuffer_drain(in, used);
		if (x->c == NULL)
			return;
		switch (r) {
		case HTTP_FEED_MORE:
			break;
		case HTTP_FEED_PAUSED:
			break;   /* resp_end is set: the loop ends */
		case HTTP_FEED_UPGRADE:
			if (!x->tunnel) {
				upstream_fail(x, PAGE_BAD_GATEWAY, "unexpected upgrade");
				return;
			}
			conn_trace(x->c, "backend %s: 101, tunnelling", x->be->name);
			bufferevent_set_timeouts(x->bev, NULL, NULL);
			conn_proxy_upgraded(x->c);
			if (x->c == NULL || conn_closed(x->c))
				return;
			break;
		case HTTP_FEED_ERROR: {
			const char *detail;
			char why[512];

			(void)http_parser_error(x->rp, &detail);
			snprintf(why, sizeof(why), "backend %s: invalid response (%s)",
			    x->be->name, x->refusal != NULL ? x->refusal : detail);
			upstream_fail(x, PAGE_BAD_GATEWAY, why);
			return;
		}
		}
	}
	if (x->resp_end)
		upstream_finish(x, upstream_reusable(x));
}

static void
upstream_read_cb(struct bufferevent *bev, void *arg)
{
	struct upstream_xfer *x = arg;
	struct conn *c = x->c;   /* outlives this callback: conn frees are deferred */

	upstream_pump(x);
	conn_flush(c);
}

static void
upstream_write_cb(struct bufferevent *bev, void *arg)
{
	struct upstream_xfer *x = arg;

	if (x->c == NULL)
		return;
	if (x->tunnel_eof && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		conn_close(x->c, "tunnel closed by the client");
		return;
	}
	if (!x->read_timer && !x->tunnel && x->connected && x->req_done &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		upstream_set_timeouts(x);   /* the request is out: now we wait on the backend */
	conn_proxy_resume(x->c);
}

static void
upstream_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct upstream_xfer *x = arg;
	char why[512];

	if (x->c == NULL)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		int on = 1;

		x->connected = 1;
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		upstream_set_timeouts(x);
		conn_trace(x->c, "backend %s: connected", x->be->name);
		return;
	}
	if (!x->connected) {
		if (what & BEV_EVENT_TIMEOUT) {
			/* unreachable within backend_connect_timeout: as a refused backend (§5) */
			snprintf(why, sizeof(why), "backend %s: connect timed out after %us",
			    x->be->name, x->pool->cfg->backend_connect_timeout);
			upstream_fail(x, PAGE_SERVICE_UNAVAILABLE, why);
		} else {
			int err = EVUTIL_SOCKET_ERROR();
			snprintf(why, sizeof(why), "backend %s: %s", x->be->name,
			    err != 0 ? strerror(err) : "connection failed");
			upstream_fail(x, PAGE_SERVICE_UNAVAILABLE, why);
		}
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		snprintf(why, sizeof(why), "backend %s: no response within %us", x->be->name,
		    x->pool->cfg->backend_timeout);
		upstream_fail(x, PAGE_GATEWAY_TIMEOUT, why);
		return;
	}
	/* EOF or an error: take what arrived first. */
	upstream_pump(x);
	if (x->c == NULL || conn_closed(x->c) || x->bev == NULL)
		return;
	if (x->tunnel) {
		/* flush, then close: the client gets what the backend sent */
		conn_trace(x->c, "backend %s: tunnel closed by the backend", x->be->name);
		bufferevent_free(x->bev);
		x->bev = NULL;
		conn_proxy_done(x->c, 0);
		return;
	}
	if (!x->got_bytes && upstream_retry(x) == 0)
		return;
	if ((what & BEV_EVENT_EOF) && !x->paused && http_parser_finish(x->rp) == 0 && x->resp_end) {
		/* a close-delimited body ends here; the connection is gone */
		bufferevent_free(x->bev);
		x->bev = NULL;
		upstream_finish(x, 0);
		return;
	}
	if (x->paused)
		return;   /* the rest is read once the client drains; EOF is seen again then */
	snprintf(why, sizeof(why), "backend %s: %s before the response ended", x->be->name,
	    (what & BEV_EVENT_EOF) ? "connection closed" : "connection reset");
	upstream_fail(x, PAGE_BAD_GATEWAY, why);
}

void
upstream_xfer_client_drained(struct upstream_xfer *x)
{
	if (x->c == NULL || x->bev == NULL || !x->paused)
		return;
	x->paused = 0;
	bufferevent_enable(x->bev, EV_READ);
	upstream_pump(x);
}

void
upstream_xfer_tunnel_in(struct upstream_xfer *x, struct evbuffer *from_client)
{
	struct evbuffer *out;
	size_t len;

	if (x->bev == NULL)
		return;
	out = bufferevent_get_output(x->bev);
	len = evbuffer_get_length(out);
	if (len < CONN_HIGH_WATER)
		evbuffer_remove_buffer(from_client, out, CONN_HIGH_WATER - len);
}

void
upstream_xfer_tunnel_eof(struct upstream_xfer *x)
{
	if (x->bev == NULL || x->c == NULL)
		return;
	if (evbuffer_get_length(bufferevent_get_output(x->bev)) == 0) {
		conn_close(x->c, "tunnel closed by the client");
		return;
	}
	x->tunnel_eof = 1;
}
