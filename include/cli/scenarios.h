/*
 * scenarios — `sysbind scenarios --dir DIR [--port-base N]`: badssl.com for HTTP.SYS's
 * rules.  One configuration brings up a set of local hosts, each broken (or working, as a
 * control) because of one HTTP.SYS rule: a certificate chosen by IP:Port before the Host is
 * known, a client without SNI, an incomplete or stale chain, dates, a TLS policy, a client
 * certificate asked for after the handshake, a stopped site, an unknown host.  The command
 * writes the certificates (mint.c), DIR/sysbind.ini and the manifest DIR/scenarios.json,
 * prints the table, and serves it in the foreground (daemon.c) until SIGINT or SIGTERM.
 * Only 127.0.0.0/8 and ::1 are used.  The pure steps (the table, the INI text, the
 * manifest, the printed table) are exported for the tests.
 */
#ifndef SYSBIND_SCENARIOS_H
#define SYSBIND_SCENARIOS_H

#include <stddef.h>
#include <stdio.h>

#define SCEN_PORT_BASE 9400   /* default: outside Linux's ephemeral range (32768-60999) */
#define SCEN_MARKER    ".sysbind-scenarios"   /* marks DIR as a scenarios directory */

/* What a client sees on one scenario, as the manifest's "expect" says it. */
struct scen_expect {
	int         curl;        /* exit status of the manifest's curl command */
	int         http;        /* the HTTP status when curl exits 0, else 0 */
	int         verify;      /* openssl s_client's "Verify return code", -1: no handshake */
	const char *subject;     /* the served certificate's subject CN; NULL: none */
	const char *chromium;    /* Chromium's outcome ("200", "ERR_..."); NULL: not a
	                          * browser scenario */
};

/* One scenario: a host, how a client reaches it, what breaks, what each client sees. */
struct scen {
	const char *name;
	const char *ip;          /* the address the client connects to (127.0.0.0/8, ::1) */
	unsigned    port;        /* offset from the port base */
	const char *host;        /* the URL's host */
	int         sni;         /* 1: the client sends SNI = host; 0: none (null) */
	const char *path;        /* the URL's path */
	const char *curl_args;   /* extra curl arguments, blank-separated, or "" */
	const char *ossl_args;   /* extra openssl s_client arguments, or "" */
	const char *what;        /* what breaks (or, for a control, why it works) */
	const char *sees;        /* what each client sees, in one line */
	const char *fix;
	struct scen_expect expect;
};

/* The scenarios, in the order of the table; *n is set to their number. */
const struct scen *scen_table(size_t *n);

/* The command line: --dir DIR (required), --port-base N, -v, --help. */
struct scen_opts {
	const char *dir;
	unsigned    port_base;
	int         verbose;
	int         help;
};

/* Parse argv (argv[0] "scenarios").  0, or -1 with a one-line reason in err.  Pure. */
int scen_parse(int argc, char **argv, struct scen_opts *o, char *err, size_t errlen);

/*
 * The configuration text for port_base, its paths relative to the directory it is written
 * to (certs/, ccs/).  A new string (caller frees), or NULL when out of memory.  Pure.
 */
char *scen_ini(unsigned port_base);

/* The manifest (JSON) for port_base, ca the CA file's absolute path.  0, or -1 (write). */
int scen_manifest(FILE *f, unsigned port_base, const char *ca);

/* The table as printed before serving.  Pure but for writing f. */
void scen_print_table(FILE *f, unsigned port_base, const char *ca);

/* The usage of `sysbind scenarios`. */
void scen_usage(FILE *f);

/* Run `sysbind scenarios`: the exit status (0; 1 daemon failure; 2 bad command line or DIR). */
int scen_main(int argc, char **argv);

#endif
