/*
 * sendrate — min_send_rate decisions (pure) and the one socket reading they need.
 * Includes <linux/tcp.h> for struct tcp_info's tcpi_bytes_acked, which glibc's
 * <netinet/tcp.h> lacks; the two headers cannot be mixed, hence this file of its own.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "model/sendrate.h"

unsigned long
sendrate_window_ms(uint64_t need, unsigned long rate)
{
	uint64_t ms;

	if (rate == 0)
		return 0;
	ms = (need * 1000 + rate - 1) / rate;
	if (ms < SENDRATE_FLOOR_MS)
		ms = SENDRATE_FLOOR_MS;
	return (unsigned long)(ms + SENDRATE_GRACE_MS);
}

unsigned long
sendrate_start(struct sendrate *s, uint64_t acked, uint64_t pending, unsigned long rate)
{
	s->active = 1;
	s->base = acked;
	s->need = pending < SENDRATE_SEND_MAX ? pending : SENDRATE_SEND_MAX;
	if (s->need == 0)
		s->need = 1;
	return sendrate_window_ms(s->need, rate);
}

enum sendrate_verdict
sendrate_check(struct sendrate *s, uint64_t acked, uint64_t pending, unsigned long rate,
    unsigned long *next_ms)
{
	if (!s->active)
		return SENDRATE_IDLE;
	/* a counter that went backwards (it cannot, on one socket) counts as nothing taken */
	if (acked < s->base || acked - s->base < s->need) {
		/* nothing was waiting after all: the client owed nothing */
		if (pending == 0 && acked >= s->base) {
			s->active = 0;
			return SENDRATE_IDLE;
		}
		return SENDRATE_CUT;
	}
	if (pending == 0) {
		s->active = 0;
		return SENDRATE_IDLE;
	}
	*next_ms = sendrate_start(s, acked, pending, rate);
	return SENDRATE_NEXT;
}

int
sendrate_socket(int fd, uint64_t *acked, uint64_t *queued)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int outq = 0;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return -1;
	/* tcpi_bytes_acked is Linux 4.1's; an older kernel gives a shorter struct */
	if (len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked)) {
		errno = ENOTSUP;
		return -1;
	}
	if (ioctl(fd, SIOCOUTQ, &outq) != 0)
		return -1;
	*acked = ti.tcpi_bytes_acked;
	*queued = outq > 0 ? (uint64_t)outq : 0;
	return 0;
}
