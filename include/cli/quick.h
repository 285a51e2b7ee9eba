/*
 * quick — `sysbind reverse-proxy`, the one-line quick start for testers (as `caddy
 * reverse-proxy` and mkcert): IIS binding triplets (--from) and a backend URL (--to) become
 * the INI text of one [site] with its [sslcert] entries, which goes through conf_parse and
 * then the daemon exactly as `sysbind -c FILE` would: the same HTTP.SYS rules.  Without
 * --cert or --pfx a local CA (mint.c) is made once in a state directory and signs a
 * certificate for the names of the https bindings.  The pure steps (options, bindings,
 * names, INI text) are exported for the tests; quick_main does the files and the daemon.
 */
#ifndef SYSBIND_QUICK_H
#define SYSBIND_QUICK_H

#include <stddef.h>
#include <stdio.h>

#include "model/binding.h"

#define QUICK_MAX_FROM     32   /* --from options */
#define QUICK_MAX_BINDINGS 64   /* triplets, all --from values together */
#define QUICK_MAX_NAMES    (2 * QUICK_MAX_BINDINGS + 2)
#define QUICK_NAME         "reverse-proxy"  /* the configuration's name in messages */

/* The command line of `sysbind reverse-proxy`.  Strings point into argv (borrowed). */
struct quick_opts {
	const char *from[QUICK_MAX_FROM];  /* each: one triplet or a comma-separated list */
	size_t      nfrom;
	const char *to;            /* http://HOST:PORT */
	const char *cert;          /* --cert F (PEM chain; the key too when --key is absent) */
	const char *key;           /* --key F */
	const char *pfx;           /* --pfx F */
	const char *pfx_password;  /* --pfx-password P */
	int         mode;          /* 7 or 8 (--mode iis7|iis8; default iis7, as sysbind.ini) */
	const char *dir;           /* --dir DIR: where the local CA is kept; NULL: default */
	int         print_config;  /* --print-config */
	int         verbose;       /* -v */
	int         help;          /* --help / -h */
};

/* The certificate files the INI names (absolute paths; NULL when unset). */
struct quick_cert {
	const char *certificate;
	const char *key;
	const char *pfx;
	const char *pfx_password;
};

/*
 * Parse argv (argv[0] is "reverse-proxy") into *o.  Each option at most once except
 * --from; --from and --to required (unless --help); --key and --pfx-password need their
 * --cert / --pfx; --cert and --pfx exclude each other; --dir is only for the local CA (no
 * --cert, no --pfx).  Returns 0, or -1 with a one-line reason in err.  Pure.
 */
int quick_parse(int argc, char **argv, struct quick_opts *o, char *err, size_t errlen);

/*
 * The bindings of every --from value, in order, each split at commas as `bindings =`
 * splits them, blanks around each trimmed, parsed with binding_parse.  Returns 0 with *n
 * set, or -1 with `--from "VALUE": REASON` in err.  Pure.
 */
int quick_bindings(const struct quick_opts *o, struct binding *out, size_t max, size_t *n,
    char *err, size_t errlen);

/*
 * The names a certificate for the https bindings must carry, each once, in order: a
 * binding's host; for a blank host "localhost" and the binding's IP (127.0.0.1 and ::1 for
 * "*").  Returns how many were written to names (at most max); 0 when no binding is https.
 * Pure.
 */
size_t quick_names(const struct binding *b, size_t n, char names[][BINDING_HOST_MAX],
    size_t max);

/*
 * The configuration text the command line stands for: [server] mode, one [sslcert
 * 0.0.0.0:PORT] per https port (iis8: one hostnameport entry per https host name, and
 * 0.0.0.0:PORT for a port with a blank or wildcard host) naming c's files, and one [site
 * reverse-proxy] with every binding and the backend.  The backend is written as given:
 * conf_parse judges it.  A value an INI line cannot hold (a line break, blanks at its ends,
 * a " ;" that would start a comment) is refused.  Returns a new string (caller frees), or
 * NULL with err.  Pure.
 */
char *quick_ini(const struct quick_opts *o, const struct binding *b, size_t n,
    const struct quick_cert *c, char *err, size_t errlen);

/* The usage of `sysbind reverse-proxy`. */
void quick_usage(FILE *f);

/*
 * Run `sysbind reverse-proxy` (argv[0] "reverse-proxy"): returns the process exit status
 * (0; 1 when the daemon failed at run time; 2 for a bad command line, a bad triplet, URL or
 * certificate, or a state directory sysbind may not use).
 */
int quick_main(int argc, char **argv);

#endif
