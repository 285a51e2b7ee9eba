/*
 * h1 — the HTTP/1.1 (llhttp): parsing, keep-alive, pipelining, tunnels.  A framing of
 * conn.h: it sets itself on a connection and from then on creates and frees that
 * connection's exchanges.  Event-loop thread only.
 */
#ifndef SYSBIND_H1_H
#define SYSBIND_H1_H

struct conn;

/* Set the framing on c.  Returns 0, or -1 (c is then closed). */
int h1_start(struct conn *c);

#endif
