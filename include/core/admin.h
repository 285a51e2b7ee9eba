/*
 * admin — the admin listener (`[server] admin =`): plain HTTP/1.1 on a loopback address or
 * a unix socket, GET only, one request per connection (Connection: close), served on the
 * daemon's own thread and event base, never a worker's: a slow or hostile admin client
 * costs the request path nothing.  Routes are one table row each (admin.c's
 * admin_routes): `/` an index, `/metrics` the counters (stats.c) in the Prometheus text
 * format; anything else 404, any method but GET 405.  Requests are bounded (8 KiB of head,
 * 10 s to send it, 10 s to take the answer, 16 connections at once).
 */
#ifndef SYSBIND_ADMIN_H
#define SYSBIND_ADMIN_H

#include <stddef.h>

struct event_base;
struct conf;
struct admin;

/* Listen on addr (conf_admin_addr's forms; a unix socket path left over by an earlier
 * daemon is replaced, anything else there is an error) on base (borrowed).  Returns the
 * listener (caller owns, admin_free) or NULL with why in err. */
struct admin *admin_new(struct event_base *base, const char *addr, char *err,
    size_t errlen);

/* The configuration the pages describe now (borrowed: the daemon's serving generation). */
void admin_set_conf(struct admin *a, const struct conf *cfg);

/* The address it listens on, as configured. */
const char *admin_addr(const struct admin *a);

/* Close the listener and every admin connection (a unix socket is removed).  NULL: no-op. */
void admin_free(struct admin *a);

#endif
