/*
 * sendrate — HTTP.SYS's MinSendRate (min_send_rate): a client taking a response more
 * slowly than the minimum is cut with Timer_MinBytesPerSecond.  What counts is what the
 * client acknowledged (the socket's TCP_INFO bytes_acked), not what the kernel accepted:
 * a kernel whose send buffer has grown to megabytes stops taking bytes for seconds at a
 * time while a healthy reader drains it, and a client that never reads still lets the
 * kernel take a buffer's worth.
 *
 * The decision is pure (sendrate_start, sendrate_check); sendrate_socket reads the two
 * numbers it needs from a socket.  As HTTP.SYS applies it, the response goes out in sends
 * of at most SENDRATE_SEND_MAX bytes, each to be taken within its size / rate seconds
 * (never less than SENDRATE_FLOOR_MS), plus SENDRATE_GRACE_MS for acknowledgements in
 * flight; a send is timed only while bytes wait for the client.
 */
#ifndef SYSBIND_SENDRATE_H
#define SYSBIND_SENDRATE_H

#include <stdint.h>

#define SENDRATE_SEND_MAX  65536   /* HTTP.SYS's MaxBytesPerSend */
#define SENDRATE_FLOOR_MS  1000
#define SENDRATE_GRACE_MS  1000

struct sendrate {
	int      active;   /* a send is being timed */
	uint64_t base;     /* bytes_acked when it started */
	uint64_t need;     /* bytes the client must acknowledge before its deadline */
};

enum sendrate_verdict {
	SENDRATE_IDLE = 0, /* the send was taken and nothing waits: stop timing */
	SENDRATE_NEXT,     /* the send was taken and more waits: a new send, its deadline out */
	SENDRATE_CUT,      /* the client did not take the send in time */
};

/* The deadline of a send of need bytes at rate bytes/s, in milliseconds. */
unsigned long sendrate_window_ms(uint64_t need, unsigned long rate);

/* Start timing a send: acked is the socket's bytes_acked now, pending the bytes waiting
 * for the client (ours and the kernel's).  Returns the deadline in milliseconds. */
unsigned long sendrate_start(struct sendrate *s, uint64_t acked, uint64_t pending,
    unsigned long rate);

/* At the deadline: acked and pending as for sendrate_start.  On SENDRATE_NEXT *next_ms is
 * the new send's deadline.  A send not yet started (active 0) is SENDRATE_IDLE. */
enum sendrate_verdict sendrate_check(struct sendrate *s, uint64_t acked, uint64_t pending,
    unsigned long rate, unsigned long *next_ms);

/* Read a TCP socket's total bytes acknowledged by the peer and the bytes still in its
 * send queue (unsent or unacknowledged).  Returns 0, or -1 (errno set). */
int sendrate_socket(int fd, uint64_t *acked, uint64_t *queued);

#endif
