/*
 * clock — the daemon's one monotonic clock, in milliseconds.  Deadlines (a connection's,
 * an HTTP/2 stream's, a pooled backend's) read clock_now_ms: one real read per event-loop
 * pass on a thread whose loop is bound (clock_bind), the same value for every callback of
 * that pass (and of the passes that follow inside one tick of libevent's coarse clock), as
 * libevent's own timers see one time per pass; a real read elsewhere.
 * clock_read_ms always reads the clock (what runs outside loops or across threads: the
 * daemon log's repeat windows, shared under its mutex, use it).
 */
#ifndef SYSBIND_CLOCK_H
#define SYSBIND_CLOCK_H

#include <stdint.h>

struct event_base;

/* From now on this thread's clock_now_ms follows base's loop passes (NULL: none).  Call on
 * the thread that runs base's loop, before it runs. */
void clock_bind(struct event_base *base);

/* Monotonic milliseconds: the time this loop pass began (its first read), or now. */
uint64_t clock_now_ms(void);

/* Monotonic milliseconds, read now. */
uint64_t clock_read_ms(void);

#endif
