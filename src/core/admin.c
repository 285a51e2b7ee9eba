/*
 * admin — the admin listener (see admin.h).  Owns its listening socket, its connections
 * (a bufferevent each, on the daemon's event base) and the routing table.  A connection
 * reads one request head (8 KiB at most, 10 s), answers it with Connection: close, sends
 * its FIN once the answer is written (10 s at most) and is freed when the client closes
 * (10 s at most).  The pages are built in memory
 * (open_memstream) before anything is sent, so an answer is whole or not sent at all.
 * It does not own what a page shows: /metrics is stats.c's, /servicestate servicestate.c's.
 * It holds a reference to the serving generation (admin_set_gen), so a page reads a
 * generation no reload can free under it (the pages run on the daemon's thread, where a
 * reload runs too, but the reference says so rather than relying on it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "base/clock.h"
#include "base/log.h"
#include "model/conf.h"
#include "iis/viewscerts.h"
#include "core/admin.h"
#include "core/servicestate.h"
#include "core/stats.h"
#include "core/worker.h"

#define ADMIN_HEAD_MAX   8192
#define ADMIN_TIMEOUT_S  10
#define ADMIN_CONNS_MAX  16

struct admin_conn;

struct admin {
	struct event_base     *base;
	struct evconnlistener *lev;
	char                  *addr;
	char                  *unix_path;   /* the socket file to remove at the end, or NULL */
	struct worker_gen     *gen;         /* the serving generation (one reference), or NULL */
	struct admin_conn     *conns;
	unsigned               nconns;
};

struct admin_conn {
	struct admin       *a;
	struct bufferevent *bev;
	struct admin_conn  *prev, *next;
	int                 answered;
};

/* One page: writes its body into out, and its content type into *ctype.  Returns the
 * status (200), or 500 when the page could not be made. */
typedef int (*admin_page_fn)(struct admin *a, FILE *out, const char **ctype);

static int admin_index(struct admin *a, FILE *out, const char **ctype);
static int admin_metrics(struct admin *a, FILE *out, const char **ctype);
static int admin_certs_json(struct admin *a, FILE *out, const char **ctype);
static int admin_certs_text(struct admin *a, FILE *out, const char **ctype);
static int admin_servicestate(struct admin *a, FILE *out, const char **ctype);

/* The routes: one row per page (path exact, query ignored). */
static const struct admin_route {
	const char   *path;
	admin_page_fn page;
	const char   *what;   /* the index's line */
} admin_routes[] = {
	{ "/", admin_index, "this index" },
	{ "/metrics", admin_metrics, "the live counters, Prometheus text format 0.0.4" },
	{ "/certs", admin_certs_json, "the certificate inventory of the serving configuration, "
	  "JSON (sysbind show certs --json)" },
	{ "/certs.txt", admin_certs_text, "the same as text (sysbind show certs)" },
	{ "/servicestate", admin_servicestate, "the request queues, as `netsh http show "
	  "servicestate view=requestq` (sysbind netsh http show servicestate)" },
};

static int
admin_index(struct admin *a, FILE *out, const char **ctype)
{
	size_t i;

	*ctype = "text/plain; charset=utf-8";
	fprintf(out, "sysbind admin\n\n");
	for (i = 0; i < sizeof(admin_routes) / sizeof(admin_routes[0]); i++)
		fprintf(out, "%-13s %s\n", admin_routes[i].path, admin_routes[i].what);
	return 200;
}

/* The request queues of the serving generation, read now.  Returns 0 or -1. */
static int
admin_queues(struct admin *a, struct servicestate *ss)
{
	if (a->gen == NULL) {
		memset(ss, 0, sizeof(*ss));
		return -1;
	}
	return servicestate_collect(ss, a->gen->cfg, a->gen->addrs, clock_read_ms());
}

static int
admin_metrics(struct admin *a, FILE *out, const char **ctype)
{
	struct servicestate ss;
	int rc;

	*ctype = "text/plain; version=0.0.4; charset=utf-8";
	if (admin_queues(a, &ss) != 0 && a->gen != NULL) {
		servicestate_clear(&ss);
		return 500;
	}
	rc = stats_write(out, a->gen != NULL ? &ss : NULL);
	servicestate_clear(&ss);
	return rc == 0 ? 200 : 500;
}

static int
admin_servicestate(struct admin *a, FILE *out, const char **ctype)
{
	struct servicestate ss;

	*ctype = "text/plain; charset=utf-8";
	if (admin_queues(a, &ss) != 0) {
		servicestate_clear(&ss);
		return 500;
	}
	servicestate_write(out, &ss, (long)getpid());
	servicestate_clear(&ss);
	return 200;
}

/* The inventory of the configuration serving now (the one the last reload applied). */
static int
admin_certs(struct admin *a, FILE *out, int json)
{
	return a->gen != NULL && views_certs(a->gen->cfg, time(NULL), json, out) >= 0 ?
	    200 : 500;
}

static int
admin_certs_json(struct admin *a, FILE *out, const char **ctype)
{
	*ctype = "application/json";
	return admin_certs(a, out, 1);
}

static int
admin_certs_text(struct admin *a, FILE *out, const char **ctype)
{
	*ctype = "text/plain; charset=utf-8";
	return admin_certs(a, out, 0);
}

static void
admin_conn_free(struct admin_conn *c)
{
	struct admin *a = c->a;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		a->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	a->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

static const char *
admin_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default:  return "Internal Server Error";
	}
}

/* Queue the whole answer; the connection ends once it is written (admin_write_cb). */
static void
admin_answer(struct admin_conn *c, int status, const char *ctype, const char *body,
    size_t len, int head_only)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	c->answered = 1;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "%sConnection: close\r\nCache-Control: no-store\r\n\r\n", status,
	    admin_reason(status), ctype, len, status == 405 ? "Allow: GET\r\n" : "");
	if (!head_only && len > 0)
		evbuffer_add(out, body, len);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
admin_error(struct admin_conn *c, int status)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, admin_reason(status));

	admin_answer(c, status, "text/plain; charset=utf-8", body, (size_t)n, 0);
}

/* The request line "GET /path HTTP/1.1": route it and answer.  Returns 0, or the status
 * of the error the caller answers. */
static int
admin_request(struct admin_conn *c, char *line)
{
	char *method = line, *target, *version, *body = NULL;
	size_t i, len = 0;
	const char *ctype = "text/plain";
	FILE *f;
	int status;

	if ((target = strchr(method, ' ')) == NULL)
		return 400;
	*target++ = '\0';
	if ((version = strchr(target, ' ')) == NULL || strncmp(version + 1, "HTTP/1.", 7) != 0)
		return 400;
	*version = '\0';
	if (strcmp(method, "GET") != 0)
		return 405;
	target[strcspn(target, "?")] = '\0';
	for (i = 0; i < sizeof(admin_routes) / sizeof(admin_routes[0]); i++)
		if (strcmp(target, admin_routes[i].path) == 0)
			break;
	if (i == sizeof(admin_routes) / sizeof(admin_routes[0]))
		return 404;
	if ((f = open_memstream(&body, &len)) == NULL)
		return 500;
	status = admin_routes[i].page(c->a, f, &ctype);
	if (fclose(f) != 0 || status != 200) {
		free(body);
		return status != 200 ? status : 500;
	}
	admin_answer(c, 200, ctype, body, len, 0);
	free(body);
	return 0;
}

static void
admin_read_cb(struct bufferevent *bev, void *arg)
{
	struct admin_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end;
	size_t n;
	char *line;
	int status;

	if (c->answered) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0)
		end = evbuffer_search(in, "\n\n", 2, NULL);
	if (end.pos < 0) {
		if (evbuffer_get_length(in) > ADMIN_HEAD_MAX)
			admin_error(c, 431);
		return;
	}
	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL) {
		admin_error(c, 400);
		return;
	}
	if ((status = admin_request(c, line)) != 0)
		admin_error(c, status);
	free(line);
}

/* The answer is written: FIN, then what the client still sends is read and dropped until
 * it closes (or the timeout): closing with unread bytes would send a reset, which can
 * destroy the answer before the client read it (a head over the limit, say). */
static void
admin_write_cb(struct bufferevent *bev, void *arg)
{
	struct admin_conn *c = arg;

	if (!c->answered || evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	if (shutdown(bufferevent_getfd(bev), SHUT_WR) != 0) {
		admin_conn_free(c);
		return;
	}
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_enable(bev, EV_READ);
}

static void
admin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	admin_conn_free(arg);   /* EOF, error or timeout: nothing more to do (an EOF before
	                         * the answer: the client gave up) */
}

static void
admin_accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct admin *a = arg;
	struct admin_conn *c;
	struct timeval tv = { ADMIN_TIMEOUT_S, 0 };

	if (a->nconns >= ADMIN_CONNS_MAX || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	if ((c->bev = bufferevent_socket_new(a->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->a = a;
	c->next = a->conns;
	if (a->conns != NULL)
		a->conns->prev = c;
	a->conns = c;
	a->nconns++;
	bufferevent_setwatermark(c->bev, EV_READ, 0, ADMIN_HEAD_MAX + 1);
	bufferevent_setcb(c->bev, admin_read_cb, admin_write_cb, admin_event_cb, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ);
}

/* A unix socket path: what is there may only be a socket (an earlier daemon's). */
static int
admin_unix_clear(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "admin %s: %s", path,
		    strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "admin %s: exists and is not a socket", path);
		return -1;
	}
	if (unlink(path) != 0) {
		snprintf(err, errlen, "admin %s: cannot remove the old socket: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct admin *
admin_new(struct event_base *base, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned len;
	struct admin *a;
	int fd = -1, on = 1;

	if (conf_admin_addr(addr, &ss, &len, err, errlen) != 0)
		return NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL || (a->addr = strdup(addr)) == NULL) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->base = base;
	if (ss.ss_family == AF_UNIX && admin_unix_clear(addr, err, errlen) != 0)
		goto fail;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    (ss.ss_family != AF_UNIX && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) != 0) || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 16) != 0) {
		snprintf(err, errlen, "admin %s: cannot listen: %s", addr, strerror(errno));
		goto fail;
	}
	if (ss.ss_family == AF_UNIX && (a->unix_path = strdup(addr)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((a->lev = evconnlistener_new(base, admin_accept_cb, a, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL) {
		snprintf(err, errlen, "admin %s: cannot listen", addr);
		goto fail;
	}
	return a;
fail:
	if (fd >= 0)
		close(fd);
	if (a->unix_path != NULL)
		unlink(a->unix_path);
	free(a->unix_path);
	free(a->addr);
	free(a);
	return NULL;
}

void
admin_set_gen(struct admin *a, struct worker_gen *g)
{
	if (a == NULL)
		return;
	if (g != NULL)
		worker_gen_hold(g);
	worker_gen_release(a->gen);
	a->gen = g;
}

const char *
admin_addr(const struct admin *a)
{
	return a->addr;
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	while (a->conns != NULL)
		admin_conn_free(a->conns);
	worker_gen_release(a->gen);
	evconnlistener_free(a->lev);
	if (a->unix_path != NULL)
		unlink(a->unix_path);
	free(a->unix_path);
	free(a->addr);
	free(a);
}
