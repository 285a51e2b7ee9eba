/*
 * h1 — the HTTP/1.1 (llhttp): parsing, keep-alive, pipelining, tunnels.  A framing of
 * conn.h: it sets itself on a connection and from then on creates and frees that
 * connection's exchanges.  Event-loop thread only.
 */
#ifndef SYSBIND_H1_H
#define SYSBIND_H1_H

struct conn;

/* Set the framing on c.  Its state is made at the client's first byte (a connection that
 * sends nothing, such as a browser's preconnect, holds none).  Returns 0 (-1 is kept for
 * a failure that would close c). */
int h1_start(struct conn *c);

#endif
