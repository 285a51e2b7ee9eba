/*
 * listener — the listening sockets: one per distinct IP:Port the sites bind (a `*`
 * binding listens on 0.0.0.0 and on [::] with IPV6_V6ONLY, and covers the exact
 * addresses of that port), SO_REUSEADDR, accept into conn_accept, and a one-second pause
 * in accepting when the process runs out of descriptors (EMFILE).  Event-loop thread only.
 */
#ifndef SYSBIND_LISTENER_H
#define SYSBIND_LISTENER_H

#include <stddef.h>

struct conn_server;
struct listener_set;

/* Open every listener srv->cfg needs.  Returns a new set (caller owns, listener_close) or
 * NULL with a message in err ("127.0.0.1:8443: Address already in use"). */
struct listener_set *listener_open(struct conn_server *srv, char *err, size_t errlen);

/* Stop accepting and close the sockets.  NULL is a no-op. */
void listener_close(struct listener_set *s);

#endif
