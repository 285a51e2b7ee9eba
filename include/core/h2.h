/*
 * h2 — the HTTP/2 framing (libnghttp2; h2.c, h2guard.c, model/h2head.c).  A framing of
 * conn.h: it sets itself on a connection and from then on creates and frees that
 * connection's exchanges.  Event-loop thread only.
 */
#ifndef SYSBIND_H2_H
#define SYSBIND_H2_H

struct conn;

/* Set the framing on c.  Returns 0, or -1 (c is then closed). */
int h2_start(struct conn *c);

/* Free the streams the calling thread keeps for reuse (at the end of a worker). */
void h2_cache_drain(void);

#endif
