/*
 * adminclient — a GET to a running daemon's admin listener (`[server] admin =`), for the
 * commands that read live state (`sysbind netsh http show servicestate`).  Blocking, one
 * request, bounded in time and size; no state kept between calls.
 */
#ifndef SYSBIND_ADMINCLIENT_H
#define SYSBIND_ADMINCLIENT_H

#include <stddef.h>

/*
 * GET path from the listener at addr (conf_admin_addr's forms: IPv4:PORT, [IPv6]:PORT or
 * a unix socket path), waiting timeout_s seconds at most for each step.  Returns the
 * answer's status (200, 404, ...) with its body in *body (NUL-terminated, caller frees)
 * and its length in *len, or -1 with why in err ("connection refused", "timed out", ...).
 */
int adminclient_get(const char *addr, const char *path, unsigned timeout_s, char **body,
    size_t *len, char *err, size_t errlen);

#endif
