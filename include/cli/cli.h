/*
 * cli — sysbind's command line (sysbind(8)): parsing argv into a struct cli_opts (a pure
 * function the tests call), the usage text, and running the chosen subcommand: the daemon
 * (daemon_run), `-t`, `check`, `explain`, `show sslcert`, `list site`, `import` (import.c),
 * `appcmd` and `netsh` (edit.c).  The output of the offline commands is formatted by the
 * views module; this module only loads the configuration, prints its warnings and errors,
 * and maps results to exit statuses.
 */
#ifndef SYSBIND_CLI_H
#define SYSBIND_CLI_H

#include <stdio.h>
#include <stddef.h>

#include "model/binding.h"

#define CLI_VERSION "0.1.0"
/* The configuration file without -c: the source tree's; an installed binary is built with
 * its own (`make install` passes -DCLI_DEFAULT_CONF="/etc/sysbind/sysbind.ini"). */
#ifndef CLI_DEFAULT_CONF
#define CLI_DEFAULT_CONF "conf/sysbind.ini"
#endif

/* Exit statuses (sysbind(8)'s EXIT STATUS). */
#define CLI_EXIT_OK      0
#define CLI_EXIT_PREDICT 1  /* `check` predicted a client error; the daemon failed at run time */
#define CLI_EXIT_USAGE   2  /* bad command line or invalid configuration */

enum cli_command {
	CLI_RUN = 0,        /* sysbind [-c FILE] [-v] */
	CLI_TEST,           /* sysbind -t [-c FILE] */
	CLI_CHECK,          /* sysbind check [-c FILE] [--json] */
	CLI_EXPLAIN,        /* sysbind explain [-c FILE] --local IP:PORT --host NAME ... */
	CLI_SHOW_SSLCERT,   /* sysbind show sslcert [-c FILE] */
	CLI_SHOW_CERTS,     /* sysbind show certs [-c FILE] [--json] */
	CLI_LIST_SITE,      /* sysbind list site [-c FILE] */
	CLI_VERSION_CMD,    /* sysbind --version */
	CLI_HELP,           /* sysbind --help, sysbind help [COMMAND], sysbind COMMAND --help */
	CLI_IMPORT,         /* sysbind import --applicationhost F [--sslcert F] [--cert-store D] [-o OUT] */
	CLI_APPCMD,         /* sysbind appcmd WORDS... [-c FILE] */
	CLI_NETSH,          /* sysbind netsh http WORDS... [-c FILE] */
	CLI_SIGNAL,         /* sysbind -s reload|reopen|stop|quit [-c FILE] */
	CLI_REVERSE_PROXY,  /* sysbind reverse-proxy ...: quick.c's own parser (quick_main) */
	CLI_SCENARIOS,      /* sysbind scenarios ...: scenarios.c's own parser (scen_main) */
};

struct control_action;

#define CLI_MAX_ARGS 32     /* words after "appcmd" / "netsh" */

/* What the command line asked for.  Strings point into argv (borrowed). */
struct cli_opts {
	enum cli_command     cmd;
	const char          *conf_path;   /* -c FILE, default CLI_DEFAULT_CONF */
	int                  verbose;     /* -v (run only) */
	int                  json;        /* --json (check, explain, show sslcert, list site) */
	const struct control_action *action; /* -s ACTION */
	const char          *topic;       /* help: the command asked about (NULL: all); after
	                                   * a failed parse, the command whose usage applies */
	/* explain */
	const char          *local_text;  /* --local as written */
	struct binding_addr  local;       /* --local parsed (never AF_UNSPEC) */
	unsigned             local_port;
	const char          *host;        /* --host NAME as the request would carry it */
	const char          *sni;         /* --sni NAME; NULL with no_sni or when defaulted */
	int                  no_sni;      /* --no-sni */
	int                  http;        /* --http: plain HTTP, no TLS */
	const char          *path;        /* --path /P: the request's path (client certificates) */
	int                  tls;         /* --tls 1.2|1.3: 12 or 13; 0: the binding's highest */
	int                  h2;          /* --h2: the client speaks HTTP/2 when offered */
	/* import */
	const char          *applicationhost; /* --applicationhost FILE */
	const char          *sslcert_path;    /* --sslcert FILE (netsh http show sslcert's text) */
	const char          *cert_store;      /* --cert-store DIR */
	const char          *out_path;        /* -o OUT, NULL: standard output */
	/* appcmd, netsh: the words after the command word, in order (options removed) */
	char                *args[CLI_MAX_ARGS];
	int                  nargs;
};

/*
 * Parse argv (argc entries, argv[0] the program name) into *o.  Options may come before
 * or after the command words; each option at most once; options a command does not take
 * are refused.  --help anywhere selects CLI_HELP, about the command given with it.  An
 * unknown command word is reported with the nearest command when one is near ("unknown
 * command \"improt\"; did you mean \"import\"?").  Returns 0, or -1 with a one-line reason in
 * err (no usage text: the caller prints it, o->topic's).  Pure: no I/O.
 */
int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen);

/* Write the usage text (LF line ends) to f: every command's lines, from one table. */
void cli_usage(FILE *f);

/*
 * Write the help about topic to f: a command word ("import", "show") or the option that
 * chooses a command ("-t", "-s"): its usage lines and the options it takes, one line
 * each.  topic NULL: the whole usage.  Returns 0, or -1 when topic names no command
 * (nothing written).
 */
int cli_help(FILE *f, const char *topic);

/*
 * Parse argv and run the command; returns the process exit status (CLI_EXIT_*).  Bad usage
 * prints "sysbind: REASON" and the usage to stderr and returns 2; configuration errors are
 * printed one per line to stderr (2); warnings go to stderr for every command.
 */
int cli_main(int argc, char **argv);

#endif
