/*
 * clock — one monotonic clock read per event-loop pass (base/clock.h).  libevent 2.1 has
 * no hook at the start of a pass, but it keeps one cached time per pass itself: set right
 * after the wait for events, the same for every callback of the pass, cleared outside the
 * loop.  That cached time is wall-clock (event_base_gettimeofday_cached), so it is used
 * only to tell one pass from the next; the milliseconds are the monotonic clock's, read
 * at the first clock_now_ms of each pass.  libevent takes its time from the coarse
 * monotonic clock (a 1-4 ms tick), so passes inside one tick look like one pass and share
 * its read: the value may be a tick old, as libevent's own timers are, and within a pass
 * it does not move however long the pass's callbacks block.  Outside a loop the cached
 * time is a fresh read every call, and so is ours.
 */
#include <time.h>

#include <event2/event.h>

#include "base/clock.h"

static __thread struct event_base *clock_base;
static __thread struct timeval     clock_pass;      /* libevent's time for this pass */
static __thread uint64_t           clock_pass_ms;   /* ours, read once in it */

void
clock_bind(struct event_base *base)
{
	clock_base = base;
	clock_pass.tv_sec = clock_pass.tv_usec = 0;
}

uint64_t
clock_read_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
clock_now_ms(void)
{
	struct timeval tv;

	if (clock_base == NULL || event_base_gettimeofday_cached(clock_base, &tv) != 0)
		return clock_read_ms();
	if (tv.tv_sec != clock_pass.tv_sec || tv.tv_usec != clock_pass.tv_usec) {
		clock_pass = tv;
		clock_pass_ms = clock_read_ms();
	}
	return clock_pass_ms;
}
