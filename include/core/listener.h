/*
 * listener — the listening sockets: one per distinct IP:Port the sites bind (a `*`
 * binding listens on 0.0.0.0 and on [::] with IPV6_V6ONLY, and covers the exact
 * addresses of that port), SO_REUSEADDR and SO_REUSEPORT (each worker thread opens its own
 * set), accept into conn_accept, and a one-second pause in accepting when the process runs
 * out of descriptors (EMFILE).  A set is used by the thread running srv->base only.
 */
#ifndef SYSBIND_LISTENER_H
#define SYSBIND_LISTENER_H

#include <stddef.h>

struct conf;
struct conn_server;
struct listener_set;

/* Stop accepting and close the sockets.  NULL is a no-op. */
void listener_close(struct listener_set *s);

/* Open every listener srv->cfg needs, with a "listening on" line each unless quiet (the
 * workers after the first).  Returns a new set (caller owns, listener_close) or NULL with
 * a message in err ("127.0.0.1:8443: Address already in use"). */
struct listener_set *listener_open_quiet(struct conn_server *srv, int quiet, char *err,
    size_t errlen);

/*
 * Whether every address cfg listens on that held (the configuration serving now, or NULL)
 * does not can be bound: a plain bind without SO_REUSEPORT, closed at once, so another
 * process on the port is an error (another sysbind too: its SO_REUSEPORT would otherwise
 * let both serve the port).  A port that process own_pid (> 0: the running daemon of the
 * pid_file, for -t) holds is not tested: one line in notes says so.  Returns 0, or -1 with
 * every failing address in err, one per line, each with what to do
 * ("127.0.0.1:8443: Address already in use: python3 (pid 42) holds it: stop it, ...").
 */
int listener_probe(const struct conf *cfg, const struct conf *held, long own_pid, char *err,
    size_t errlen, char *notes, size_t noteslen);

/*
 * Reload: make s listen on what srv->cfg needs.  Sockets on addresses still wanted stay
 * open (no connection is refused) and accept into srv from now on; the others close; new
 * addresses are bound (a failure is logged, the rest goes on).  quiet as above.  Returns 0,
 * or -1 when nothing could be planned (s then keeps its sockets, accepting into srv).
 */
int listener_update(struct listener_set *s, struct conn_server *srv, int quiet);

/* How many sockets of s are open. */
size_t listener_count(const struct listener_set *s);

#endif
