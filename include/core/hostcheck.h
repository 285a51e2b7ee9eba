/*
 * hostcheck — what the daemon needs from the host beyond its configuration, asked the way
 * `sysbind -t` and a failed start need it: who holds a TCP port (/proc/net/tcp{,6}, then
 * the process whose descriptors include that socket), what to do about a bind that failed
 * (EADDRINUSE, EACCES below the unprivileged port limit, EADDRNOTAVAIL), whether a log
 * file could be opened for appending.  Reads
 * /proc and the file system only; binds nothing (listener.c does), writes nothing.
 * Start-up code only: never from an event callback (it may read all of /proc).
 */
#ifndef SYSBIND_HOSTCHECK_H
#define SYSBIND_HOSTCHECK_H

#include <stddef.h>

/* A socket on a port, as /proc/net/tcp{,6} shows it, and who owns it. */
struct hostcheck_holder {
	long          pid;        /* -1: not found among the processes /proc lets us read */
	char          comm[64];   /* the process's name (/proc/PID/comm), "" when pid is -1 */
	long          uid;        /* the socket's owner */
	int           listening;  /* the socket listens (else another state holds the port) */
};

/*
 * One line of /proc/net/tcp (v6 0) or tcp6 (v6 1): the local address (4 or 16 bytes in
 * network order into ip), port, state (0x0A: LISTEN), uid and inode.  Pure.  Returns 0, or
 * -1 for the header line or anything else.
 */
int hostcheck_parse_tcp_line(const char *line, int v6, unsigned char ip[16], unsigned *port,
    int *state, long *uid, unsigned long *inode);

/*
 * Who holds port on ip (family AF_INET or AF_INET6; an address of either family that is
 * the same, or a wildcard on either side, counts), a listening socket before any other.
 * Returns 0 with *h filled, or -1 when /proc shows no such socket.
 */
int hostcheck_port_holder(int family, const unsigned char *ip, unsigned port,
    struct hostcheck_holder *h);

/*
 * What to do about bind() failing with err (an errno) on ip:port: who holds the port
 * (EADDRINUSE), root, `user =` or setcap (EACCES below the unprivileged limit), the
 * address (EADDRNOTAVAIL).  One sentence into buf, "" when there is nothing to add.
 */
void hostcheck_bind_hint(int family, const unsigned char *ip, unsigned port, int err,
    char *buf, size_t len);

/*
 * For -t: whether the daemon could open the log path for appending, without writing or
 * making anything: an existing file is opened with O_APPEND and closed; a missing one is
 * left missing (the daemon makes it) and its directory must exist and be writable.
 * "-" is standard output: always 0.  Returns 0, or -1 with "PATH: why: what to do" in err.
 */
int hostcheck_log_file(const char *path, char *err, size_t errlen);

/* What to do about a log file that could not be opened with err (an errno): the
 * missing directory to make, the permission to give.  "" when nothing to add. */
void hostcheck_log_hint(const char *path, int err, char *buf, size_t len);

/*
 * Whether the socket h is process pid's: its descriptors name it, or, when they cannot be
 * read (another user's), pid is a live sysbind owned by the socket's uid.  0 or 1.
 */
int hostcheck_held_by(const struct hostcheck_holder *h, long pid);

#endif
