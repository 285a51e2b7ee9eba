/*
 * listener — listening sockets and accepting.  Decides which sockets the configuration
 * needs (deduplicated IP:Port pairs; a wildcard on a port covers that family's exact
 * addresses, which Linux would refuse to bind beside it), opens them, and hands each
 * accepted socket to conn_accept, one per wake-up as nginx's default (accepting until
 * EAGAIN cost an accept4 that failed on every wake-up; with SO_REUSEPORT each worker has
 * its own queue, so this changes no balance between workers, and a busy queue is taken
 * one connection per loop pass, between the other connections' events).  TCP_NODELAY is
 * set on the listening socket, which Linux copies into every socket it accepts.  Every
 * worker thread opens its own sockets on the same
 * addresses with SO_REUSEPORT (the kernel spreads connections across them); since that
 * would also let another process of the same user bind beside us, a new address is first
 * probed with a plain bind.  A reload moves kept sockets to the new generation's server,
 * closes the ones no longer wanted and opens the new ones.  Knows nothing of TLS or HTTP.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>

#include "model/conf.h"
#include "core/conn.h"
#include "core/hostcheck.h"
#include "core/listener.h"
#include "base/log.h"

/* listen()'s queue of connections not yet accepted: nginx's default (the kernel caps it
 * at net.core.somaxconn). */
#define LISTENER_BACKLOG 511

struct listener {
	struct conn_server     *srv;
	struct event           *ev;       /* read interest on fd (NULL: not listening) */
	evutil_socket_t         fd;       /* the listening socket, or -1 */
	struct event           *backoff;  /* re-enables accepting after EMFILE */
	/* The address bound when it is one address, not a wildcard: every connection's local
	 * address, known without a getsockname (locallen 0: asked per connection) */
	struct sockaddr_storage local;
	socklen_t               locallen;
	enum binding_proto      proto;
	struct binding_addr     addr;     /* never AF_UNSPEC here */
	unsigned                port;
	char                    name[64];
};

struct listener_set {
	struct listener *v;
	size_t           n;
};

/* Add addr:port unless present.  Returns 0 or -1 (out of memory). */
static int
listener_want(struct listener_set *s, enum binding_proto proto, const struct binding_addr *a,
    unsigned port)
{
	struct listener *l;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].port == port && binding_addr_equal(&s->v[i].addr, a))
			return 0;
	if ((l = realloc(s->v, (s->n + 1) * sizeof(*l))) == NULL)
		return -1;
	s->v = l;
	l = &s->v[s->n++];
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->proto = proto;
	l->addr = *a;
	l->port = port;
	binding_ipport_format(a, port, l->name, sizeof(l->name));
	return 0;
}

/* 1 when a wildcard of a's family already listens on port. */
static int
listener_covered(const struct listener_set *s, const struct binding_addr *a, unsigned port)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].port == port && s->v[i].addr.family == a->family &&
		    binding_addr_is_wildcard(&s->v[i].addr))
			return 1;
	return 0;
}

static int
listener_plan(struct listener_set *s, const struct conf *cfg)
{
	struct binding_addr any4, any6;
	size_t i, j;
	int pass;

	memset(&any4, 0, sizeof(any4));
	any4.family = AF_INET;
	memset(&any6, 0, sizeof(any6));
	any6.family = AF_INET6;
	/* Wildcards first, so exact addresses they cover can be skipped. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < cfg->nsites; i++)
			for (j = 0; j < cfg->sites[i].nbindings; j++) {
				const struct binding *b = &cfg->sites[i].bindings[j];
				int wild = b->addr.family == AF_UNSPEC || binding_addr_is_wildcard(&b->addr);

				if (pass == 0 && wild) {
					if ((b->addr.family != AF_INET6 &&
					    listener_want(s, b->proto, &any4, b->port) != 0) ||
					    (b->addr.family != AF_INET &&
					    listener_want(s, b->proto, &any6, b->port) != 0))
						return -1;
				} else if (pass == 1 && !wild && !listener_covered(s, &b->addr, b->port)) {
					if (listener_want(s, b->proto, &b->addr, b->port) != 0)
						return -1;
				}
			}
	return 0;
}

static void
listener_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	if (l->ev != NULL && !l->srv->stopping)
		event_add(l->ev, NULL);
}

/* One connection per wake-up: the loop comes back while the queue has more (epoll is
 * level-triggered). */
static void
listener_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;
	struct sockaddr_storage peer;
	socklen_t peerlen = sizeof(peer);
	struct timeval one = { 1, 0 };
	int fd, err;

	fd = accept4(lfd, (struct sockaddr *)&peer, &peerlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		(void)conn_accept(l->srv, fd, (struct sockaddr *)&peer, (int)peerlen, l->proto,
		    l->locallen > 0 ? (struct sockaddr *)&l->local : NULL);
		return;
	}
	err = errno;
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED)
		return;   /* gone before we looked (another wake-up, or a reset in the queue) */
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		log_warn("accept on %s: pausing accepts for 1 s", l->name);
		event_del(l->ev);
		if (l->backoff != NULL)
			evtimer_add(l->backoff, &one);
		return;
	}
	log_warn("accept on %s", l->name);
}

/* Bind l's address; with base NULL only probe it (plain bind, then close). */
static int
listener_bind(struct listener *l, struct event_base *base, int reuseport, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, on = 1, saved;

	memset(&ss, 0, sizeof(ss));
	if (l->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)l->port);
		memcpy(&sin->sin_addr, l->addr.ip, 4);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)l->port);
		memcpy(&sin6->sin6_addr, l->addr.ip, 16);
		sslen = sizeof(*sin6);
	}
	fd = socket(l->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0)
		goto fail;
	/* inherited by each accepted socket (Linux copies the listener's TCP options) */
	if (base != NULL && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
		goto fail;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
		goto fail;
	if (l->addr.family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sslen) != 0)
		goto fail;
	if (base == NULL) {   /* a probe: the address is free */
		close(fd);
		return 0;
	}
	if (listen(fd, LISTENER_BACKLOG) != 0)
		goto fail;
	if ((l->ev = event_new(base, fd, EV_READ | EV_PERSIST, listener_accept_cb, l)) == NULL ||
	    event_add(l->ev, NULL) != 0)
		goto fail;
	l->fd = fd;
	if (!binding_addr_is_wildcard(&l->addr)) {
		l->local = ss;
		l->locallen = sslen;
	}
	l->backoff = evtimer_new(base, listener_backoff_cb, l);
	if (l->backoff == NULL)
		goto fail;
	return 0;
fail:
	saved = errno;
	if (l->ev != NULL)
		event_free(l->ev);
	l->ev = NULL;
	l->fd = -1;
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen, "%s: %s", l->name, strerror(saved));
	errno = saved;
	return -1;
}

struct listener_set *
listener_open_quiet(struct conn_server *srv, int quiet, char *err, size_t errlen)
{
	struct listener_set *s;
	size_t i, open = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL || listener_plan(s, srv->cfg) != 0) {
		snprintf(err, errlen, "out of memory");
		listener_close(s);
		return NULL;
	}
	for (i = 0; i < s->n; i++) {
		struct listener *l = &s->v[i];

		l->srv = srv;
		if (listener_bind(l, srv->base, 1, err, errlen) != 0) {
			/* A host without IPv6 still serves the IPv4 half of a `*` binding. */
			if (l->addr.family == AF_INET6 && binding_addr_is_wildcard(&l->addr) &&
			    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
				log_warn("listening on %s", l->name);
				continue;
			}
			listener_close(s);
			return NULL;
		}
		if (!quiet)
			log_info("listening on %s (%s)", l->name, l->proto == BINDING_HTTPS ? "https" :
			    "http");
		open++;
	}
	if (open == 0) {
		snprintf(err, errlen, "no site binds an address to listen on");
		listener_close(s);
		return NULL;
	}
	return s;
}

static void
listener_release(struct listener *l)
{
	if (l->ev != NULL)
		event_free(l->ev);   /* its event deleted before the socket closes */
	if (l->fd >= 0)
		close(l->fd);
	if (l->backoff != NULL)
		event_free(l->backoff);
	l->ev = NULL;
	l->fd = -1;
	l->backoff = NULL;
}

void
listener_close(struct listener_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		listener_release(&s->v[i]);
	free(s->v);
	free(s);
}

/* The entry of s on the same address and port, or NULL. */
static struct listener *
listener_find(const struct listener_set *s, const struct listener *l)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n; i++)
		if (s->v[i].port == l->port && binding_addr_equal(&s->v[i].addr, &l->addr))
			return &s->v[i];
	return NULL;
}

/* Append "\n"-separated line to buf at *off. */
static void
listener_append(char *buf, size_t len, size_t *off, const char *line)
{
	if (*off < len)
		*off += (size_t)snprintf(buf + *off, len - *off, "%s%s", *off > 0 ? "\n" : "",
		    line);
}

int
listener_probe(const struct conf *cfg, const struct conf *held, long own_pid, char *err,
    size_t errlen, char *notes, size_t noteslen)
{
	struct listener_set want, have;
	struct hostcheck_holder h;
	char one[256], hint[1024], line[1400];
	size_t i, off = 0, noff = 0;
	int rc = 0, e;

	memset(&want, 0, sizeof(want));
	memset(&have, 0, sizeof(have));
	if (errlen > 0)
		err[0] = '\0';
	if (noteslen > 0)
		notes[0] = '\0';
	if (listener_plan(&want, cfg) != 0 || (held != NULL && listener_plan(&have, held) != 0)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	for (i = 0; i < want.n; i++) {
		struct listener *l = &want.v[i];

		if (listener_find(&have, l) != NULL)
			continue;
		if (listener_bind(l, NULL, 0, one, sizeof(one)) == 0)
			continue;
		e = errno;
		if (l->addr.family == AF_INET6 && binding_addr_is_wildcard(&l->addr) &&
		    (e == EAFNOSUPPORT || e == EADDRNOTAVAIL))
			continue;
		if (e == EADDRINUSE && own_pid > 0 &&
		    hostcheck_port_holder(l->addr.family, l->addr.ip, l->port, &h) == 0 &&
		    hostcheck_held_by(&h, own_pid)) {
			snprintf(line, sizeof(line), "%s: not tested: sysbind (pid %ld, the pid_file's) "
			    "listens on it", l->name, own_pid);
			listener_append(notes, noteslen, &noff, line);
			continue;
		}
		hostcheck_bind_hint(l->addr.family, l->addr.ip, l->port, e, hint, sizeof(hint));
		snprintf(line, sizeof(line), "%s%s%s", one, hint[0] ? ": " : "", hint);
		listener_append(err, errlen, &off, line);
		rc = -1;
	}
out:
	free(want.v);
	free(have.v);
	return rc;
}

int
listener_update(struct listener_set *s, struct conn_server *srv, int quiet)
{
	struct listener_set next;
	char err[256];
	size_t i;

	memset(&next, 0, sizeof(next));
	if (listener_plan(&next, srv->cfg) != 0) {
		free(next.v);
		log_warnx("reload: out of memory planning the listeners; keeping the old ones");
		for (i = 0; i < s->n; i++)
			s->v[i].srv = srv;
		return -1;
	}
	/* Sockets on addresses still wanted move over (their protocol may change). */
	for (i = 0; i < next.n; i++) {
		struct listener *l = &next.v[i], *old = listener_find(s, l);

		l->srv = srv;
		if (old == NULL || old->ev == NULL)
			continue;
		/* the socket moves; its event is made again for l (deleted and added again in
		 * one pass: no epoll_ctl), accepting again if a back-off had paused it */
		l->ev = event_new(event_get_base(old->ev), old->fd, EV_READ | EV_PERSIST,
		    listener_accept_cb, l);
		if (l->ev == NULL || event_add(l->ev, NULL) != 0) {
			log_warnx("reload: %s could not move over: opening it again", l->name);
			if (l->ev != NULL)
				event_free(l->ev);
			l->ev = NULL;
			continue;
		}
		event_free(old->ev);
		old->ev = NULL;
		l->fd = old->fd;
		old->fd = -1;
		l->local = old->local;
		l->locallen = old->locallen;
		l->backoff = evtimer_new(srv->base, listener_backoff_cb, l);
	}
	/* The others close, before new ones open (a port may pass from one address to *). */
	for (i = 0; i < s->n; i++) {
		if (s->v[i].ev != NULL && !quiet)
			log_info("no longer listening on %s", s->v[i].name);
		listener_release(&s->v[i]);
	}
	free(s->v);
	for (i = 0; i < next.n; i++) {
		struct listener *l = &next.v[i];

		if (l->ev != NULL)
			continue;
		if (listener_bind(l, srv->base, 1, err, sizeof(err)) != 0) {
			if (!(l->addr.family == AF_INET6 && binding_addr_is_wildcard(&l->addr) &&
			    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)))
				log_warnx("reload: cannot listen: %s", err);
			continue;
		}
		if (!quiet)
			log_info("listening on %s (%s)", l->name, l->proto == BINDING_HTTPS ? "https" :
			    "http");
	}
	s->v = next.v;
	s->n = next.n;
	return 0;
}

size_t
listener_count(const struct listener_set *s)
{
	size_t i, n = 0;

	for (i = 0; s != NULL && i < s->n; i++)
		n += s->v[i].ev != NULL;
	return n;
}
