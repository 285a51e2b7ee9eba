/*
 * admin — the admin listener (`[server] admin =`): plain HTTP/1.1 on a loopback address or
 * a unix socket, GET only, one request per connection (Connection: close), served on the
 * daemon's own thread and event base, never a worker's: a slow or hostile admin client
 * costs the request path nothing.  Routes are one table row each (admin.c's
 * admin_routes): `/` an index, `/metrics` the counters (stats.c) in the Prometheus text
 * format, `/certs` the certificate inventory, `/servicestate` the request queues as netsh
 * prints them (servicestate.c); anything else 404, any method but GET 405.  Requests are bounded (8 KiB of head,
 * 10 s to send it, 10 s to take the answer, 16 connections at once).
 */
#ifndef SYSBIND_ADMIN_H
#define SYSBIND_ADMIN_H

#include <stddef.h>

struct event_base;
struct worker_gen;
struct admin;

/* Listen on addr (conf_admin_addr's forms; a unix socket path left over by an earlier
 * daemon is replaced, anything else there is an error) on base (borrowed).  Returns the
 * listener (caller owns, admin_free) or NULL with why in err. */
struct admin *admin_new(struct event_base *base, const char *addr, char *err,
    size_t errlen);

/* The generation the pages describe now (the daemon's serving one): the listener takes a
 * reference and drops the one it held before (NULL: none).  a NULL: no-op. */
void admin_set_gen(struct admin *a, struct worker_gen *g);

/* The address it listens on, as configured. */
const char *admin_addr(const struct admin *a);

/* Close the listener and every admin connection (a unix socket is removed).  NULL: no-op. */
void admin_free(struct admin *a);

#endif
