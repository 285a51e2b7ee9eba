/*
 * cli — the command line of sysbind(8): argv into a struct cli_opts (cli_parse, pure),
 * the usage text, and the subcommands: run (daemon_run), -t, check, explain, show
 * sslcert, show certs, list site, import, appcmd, netsh, --version, --help.  This file owns exit
 * statuses and what goes to stderr (usage errors, configuration errors one per line,
 * warnings); the outputs themselves are views.c's, the import is import.c's, the edits
 * edit.c's, the daemon is daemon.c's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cli/adminclient.h"
#include "cli/cli.h"
#include "model/conf.h"
#include "core/control.h"
#include "core/daemon.h"
#include "iis/edit.h"
#include "base/file.h"
#include "core/hostcheck.h"
#include "iis/import.h"
#include "core/listener.h"
#include "cli/quick.h"
#include "cli/scenarios.h"
#include "cli/version.h"
#include "iis/views.h"
#include "iis/viewscerts.h"

/* The options, as bits, so each command can say which it takes. */
enum {
	OPT_C = 1 << 0, OPT_V = 1 << 1, OPT_T = 1 << 2, OPT_JSON = 1 << 3,
	OPT_LOCAL = 1 << 4, OPT_HOST = 1 << 5, OPT_SNI = 1 << 6, OPT_NO_SNI = 1 << 7,
	OPT_HTTP = 1 << 8, OPT_VERSION = 1 << 9, OPT_HELP = 1 << 10,
	OPT_APPHOST = 1 << 11, OPT_SSLCERT = 1 << 12, OPT_CERT_STORE = 1 << 13, OPT_O = 1 << 14,
	OPT_PATH = 1 << 15, OPT_TLS = 1 << 16, OPT_H2 = 1 << 17, OPT_S = 1 << 18,
};

/* What an option sets in struct cli_opts: a string (its value), a flag (1), or nothing
 * there (-t, -s, --tls, --version, --help: cli_parse reads them from the bits it saw, or
 * checks their value first, opt_store). */
enum cli_store { STORE_NONE, STORE_STRING, STORE_FLAG };
#define STR(f)  STORE_STRING, offsetof(struct cli_opts, f)
#define FLAG(f) STORE_FLAG, offsetof(struct cli_opts, f)
#define NONE    STORE_NONE, 0

/* Every option: its name, its bit (the commands that take it say so in their `allowed`,
 * cli_commands), the field it sets, the name of its value (NULL: it takes none), and one
 * line of help (a command's help lists the options it takes). */
static const struct {
	const char    *name;
	int            bit;
	enum cli_store store;
	size_t         field;
	const char    *value;
	const char    *help;
} cli_options[] = {
	{ "-c", OPT_C, STR(conf_path), "FILE",
	  "configuration file (default " CLI_DEFAULT_CONF ")" },
	{ "-v", OPT_V, FLAG(verbose), NULL,
	  "trace every connection's decisions, whatever the file says" },
	{ "-t", OPT_T, NONE, NULL,
	  "check the configuration, load every certificate, bind every address "
	  "and open every log as the daemon will, exit" },
	{ "-s", OPT_S, NONE, "ACTION",
	  "signal the daemon of FILE's pid_file: reload, reopen, stop, "
	  "quit" },
	{ "--json", OPT_JSON, FLAG(json), NULL, "JSON, for scripts" },
	{ "--local", OPT_LOCAL, STR(local_text), "IP:PORT", "the connection's local address" },
	{ "--host", OPT_HOST, STR(host), "NAME", "the request's Host" },
	{ "--sni", OPT_SNI, STR(sni), "NAME", "the SNI the client sends (default: the host)" },
	{ "--no-sni", OPT_NO_SNI, FLAG(no_sni), NULL, "the client sends no SNI" },
	{ "--http", OPT_HTTP, FLAG(http), NULL, "plain HTTP: no TLS" },
	{ "--version", OPT_VERSION, NONE, NULL, "sysbind's version and its libraries'" },
	{ "--help", OPT_HELP, NONE, NULL, "this help" },
	{ "-h", OPT_HELP, NONE, NULL, "this help" },
	{ "--applicationhost", OPT_APPHOST, STR(applicationhost), "FILE",
	  "IIS's applicationHost.config" },
	{ "--sslcert", OPT_SSLCERT, STR(sslcert_path), "FILE",
	  "the text of `netsh http show sslcert`" },
	{ "--cert-store", OPT_CERT_STORE, STR(cert_store), "DIR",
	  "the certificates exported from the server" },
	{ "-o", OPT_O, STR(out_path), "OUT",
	  "write the configuration to OUT (default: standard output)" },
	{ "--path", OPT_PATH, STR(path), "/P",
	  "the request's path (its client-certificate policy)" },
	{ "--tls", OPT_TLS, NONE, "1.2|1.3",
	  "the client's TLS version (default: the highest)" },
	{ "--h2", OPT_H2, FLAG(h2), NULL, "the client speaks HTTP/2 when offered" },
};
#undef STR
#undef FLAG
#undef NONE
#define CLI_NOPTIONS (sizeof(cli_options) / sizeof(cli_options[0]))

/*
 * Every command: the word that names it (NULL: chosen by an option, `-t`), the object
 * word it needs after it, the options it takes, how many words it uses (-1: every one,
 * handed to it in o->args), what to say when its object is missing, and its lines of the
 * usage text (continuation lines indented to follow "usage: ").  The usage text, each
 * command's help, the typo suggestions and the bash completion's list (`sysbind help
 * --commands`) are all made from this table.
 */
struct cli_command_def {
	enum cli_command cmd;
	const char      *word;
	const char      *object;
	int              select;   /* word NULL: the option bit that chooses it (0: run) */
	int              allowed;
	int              words;
	const char      *missing;
	const char      *usage;
};

static const struct cli_command_def cli_commands[] = {
	{ CLI_RUN, NULL, NULL, 0, OPT_C | OPT_V, 0, NULL,
	  "sysbind [-c FILE] [-v]                 run in the foreground (default FILE: "
	  CLI_DEFAULT_CONF ")\n" },
	{ CLI_TEST, NULL, NULL, OPT_T, OPT_T | OPT_C, 0, NULL,
	  "sysbind -t [-c FILE]                   check the configuration, load every certificate, bind\n"
	  "                                              every address and open every log as the daemon will\n" },
	{ CLI_SIGNAL, NULL, NULL, OPT_S, OPT_S | OPT_C, 0, NULL,
	  "sysbind -s reload|reopen|stop|quit [-c FILE]\n"
	  "                                              signal the daemon FILE's pid_file names:\n"
	  "                                              reload (SIGHUP), reopen the logs (SIGUSR1),\n"
	  "                                              stop or quit (SIGTERM: finish requests, exit)\n" },
	{ CLI_CHECK, "check", NULL, 0, OPT_C | OPT_JSON, 1, NULL,
	  "sysbind check [-c FILE] [--json]       predict, per https binding, which certificate a client\n"
	  "                                              with and without SNI gets, the verdict, and the\n"
	  "                                              fix for each client error\n" },
	{ CLI_EXPLAIN, "explain", NULL, 0, OPT_C | OPT_LOCAL | OPT_HOST | OPT_SNI | OPT_NO_SNI |
	  OPT_HTTP | OPT_PATH | OPT_TLS | OPT_H2 | OPT_JSON, 1, NULL,
	  "sysbind explain [-c FILE] --local IP:PORT --host NAME [--sni NAME | --no-sni] [--http]\n"
	  "                       [--path /P] [--tls 1.2|1.3] [--h2] [--json]\n"
	  "                                              walk one hypothetical connection through every step\n"
	  "                                              (default: SNI = host; --http skips TLS; --path, --tls\n"
	  "                                              and --h2: what the path's client-certificate policy does)\n" },
	{ CLI_SHOW_SSLCERT, "show", "sslcert", 0, OPT_C | OPT_JSON, 2,
	  "\"show\" takes one object: sslcert or certs",
	  "sysbind show sslcert [-c FILE] [--json]\n"
	  "                                              the certificate table as `netsh http show sslcert`\n" },
	{ CLI_SHOW_CERTS, "show", "certs", 0, OPT_C | OPT_JSON, 2,
	  "\"show\" takes one object: sslcert or certs",
	  "sysbind show certs [-c FILE] [--json]  every certificate loaded or named: dates, chain, users,\n"
	  "                                              problems (exit 1 when one has an error)\n" },
	{ CLI_LIST_SITE, "list", "site", 0, OPT_C | OPT_JSON, 2,
	  "\"list\" takes one object: site",
	  "sysbind list site [-c FILE] [--json]   the sites as `appcmd list site`\n" },
	{ CLI_IMPORT, "import", NULL, 0, OPT_APPHOST | OPT_SSLCERT | OPT_CERT_STORE | OPT_O, 1,
	  NULL,
	  "sysbind import --applicationhost F [--sslcert F] [--cert-store D] [-o OUT]\n"
	  "                                              a configuration from a real IIS server's files\n" },
	{ CLI_APPCMD, "appcmd", NULL, 0, OPT_C, -1,
	  "appcmd needs a command, e.g. appcmd list site",
	  "sysbind appcmd … [-c FILE]             IIS's appcmd site/binding commands, editing FILE\n"
	  "                                              (set site /site.name:NAME /+bindings.[...], list site|apppool|app)\n" },
	{ CLI_NETSH, "netsh", "http", 0, OPT_C, -1,
	  "netsh takes one context: http (netsh http show sslcert)",
	  "sysbind netsh http … [-c FILE]         netsh's sslcert commands, editing FILE\n"
	  "                                              (add|update|delete|show sslcert ipport=|hostnameport=|ccs=);\n"
	  "                                              show servicestate: the running daemon's request queues\n" },
	{ CLI_REVERSE_PROXY, "reverse-proxy", NULL, 0, 0, -1, NULL,
	  "sysbind reverse-proxy --from TRIPLET --to URL [--cert F [--key F] | --pfx F] [--mode iis7|iis8]\n"
	  "                      [--dir DIR] [--print-config]\n"
	  "                                              a quick start with no file: a local CA, the curl line\n" },
	{ CLI_SCENARIOS, "scenarios", NULL, 0, 0, -1, NULL,
	  "sysbind scenarios --dir DIR [--port-base N] [-v]\n"
	  "                                              local hosts each broken by one HTTP.SYS rule, a manifest\n" },
	{ CLI_HELP, "help", NULL, 0, 0, -1, NULL,
	  "sysbind help [COMMAND]                 this text, or one command's usage and options\n" },
	{ CLI_VERSION_CMD, NULL, NULL, OPT_VERSION, OPT_VERSION, 0, NULL,
	  "sysbind --version | --help\n" },
};
#define CLI_NCOMMANDS (sizeof(cli_commands) / sizeof(cli_commands[0]))

static const char usage_footer[] =
"\n"
"  -c FILE   configuration file (default " CLI_DEFAULT_CONF ")\n"
"  -v        trace every connection's decisions, whatever the file says\n"
"\n"
"exit status: 0 success; 1 `check` predicted at least one client error, `show certs`\n"
"found a certificate with an error, -t found an address or log the host refuses, the\n"
"daemon did not start or failed at run time, appcmd/netsh refused the change, or -s\n"
"found no running daemon; 2 bad command line or invalid configuration.\n";

/* Write one command's usage lines, the first after prefix. */
static void
usage_lines(FILE *f, const struct cli_command_def *c, const char *prefix)
{
	fputs(prefix, f);
	fputs(c->usage, f);
}

void
cli_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		usage_lines(f, &cli_commands[i], i == 0 ? "usage: " : "       ");
	fputs(usage_footer, f);
}

static const struct cli_command_def *
command_of(enum cli_command cmd)
{
	size_t i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (cli_commands[i].cmd == cmd)
			return &cli_commands[i];
	return NULL;
}

static const struct cli_command_def *
command_named(const char *word)
{
	size_t i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (cli_commands[i].word != NULL && strcmp(cli_commands[i].word, word) == 0)
			return &cli_commands[i];
	return NULL;
}

/* The row of c's word whose object is object ("show" "certs"), or c when none is. */
static const struct cli_command_def *
command_object(const struct cli_command_def *c, const char *object)
{
	size_t i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (cli_commands[i].word != NULL && strcmp(cli_commands[i].word, c->word) == 0 &&
		    cli_commands[i].object != NULL && strcmp(cli_commands[i].object, object) == 0)
			return &cli_commands[i];
	return c;
}

static int
option_bit(const char *name)
{
	size_t i;

	for (i = 0; i < CLI_NOPTIONS; i++)
		if (strcmp(cli_options[i].name, name) == 0)
			return cli_options[i].bit;
	return 0;
}

/*
 * The command a help topic names: a command word ("import", "show"), or the option that
 * chooses one ("-t", "-s", "--version"; "-c" and "-v": running the daemon).  NULL when
 * it names none.
 */
static const struct cli_command_def *
help_topic(const char *topic)
{
	int bit;
	size_t i;

	if (topic[0] != '-')
		return command_named(topic);
	if ((bit = option_bit(topic)) == 0)
		return NULL;
	if (bit == OPT_HELP)
		return command_of(CLI_HELP);
	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (cli_commands[i].select == bit)
			return &cli_commands[i];
	return bit == OPT_C || bit == OPT_V ? command_of(CLI_RUN) : NULL;
}

int
cli_help(FILE *f, const char *topic)
{
	const struct cli_command_def *c;
	size_t i;

	if (topic == NULL) {
		cli_usage(f);
		return 0;
	}
	if ((c = help_topic(topic)) == NULL)
		return -1;
	if (c->cmd == CLI_REVERSE_PROXY) {
		quick_usage(f);   /* its own parser's (quick.c) */
		return 0;
	}
	if (c->cmd == CLI_SCENARIOS) {
		scen_usage(f);    /* its own parser's (scenarios.c) */
		return 0;
	}
	usage_lines(f, c, "usage: ");
	for (i = 0; c->word != NULL && i < CLI_NCOMMANDS; i++)
		if (&cli_commands[i] != c && cli_commands[i].word != NULL &&
		    strcmp(cli_commands[i].word, c->word) == 0)
			usage_lines(f, &cli_commands[i], "       ");   /* show sslcert, show certs */
	if (c->allowed != 0)
		fputs("\n", f);
	for (i = 0; i < CLI_NOPTIONS; i++) {
		char left[64];

		if (!(c->allowed & cli_options[i].bit) || strcmp(cli_options[i].name, "-h") == 0)
			continue;
		snprintf(left, sizeof(left), "%s%s%s", cli_options[i].name,
		    cli_options[i].value != NULL ? " " : "",
		    cli_options[i].value != NULL ? cli_options[i].value : "");
		fprintf(f, "  %-24s %s\n", left, cli_options[i].help);
	}
	return 0;
}

/*
 * The optimal string alignment distance of a and b (insertions, deletions, substitutions
 * and swaps of two neighbours, each 1: "improt" is 1 from "import"), for words of up to
 * 31 bytes; longer ones are "far" (99).
 */
static int
word_distance(const char *a, const char *b)
{
	int d[32][32], i, j, la = (int)strlen(a), lb = (int)strlen(b);

	if (la > 31 || lb > 31)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* "unknown command" for word, with the nearest command when one is near (at most 2
 * edits, and fewer than the word's length: "x" is near nothing). */
static void
unknown_command(const char *word, char *err, size_t errlen)
{
	const char *best = NULL;
	int bestd = 3, dist;
	size_t i;

	for (i = 0; i < CLI_NCOMMANDS; i++) {
		if (cli_commands[i].word == NULL)
			continue;
		dist = word_distance(word, cli_commands[i].word);
		if (dist < bestd && dist < (int)strlen(word)) {
			bestd = dist;
			best = cli_commands[i].word;
		}
	}
	if (best != NULL)
		snprintf(err, errlen, "unknown command \"%s\"; did you mean \"%s\"?", word, best);
	else
		snprintf(err, errlen, "unknown command \"%s\"", word);
}

static const char *
opt_name(int bit)
{
	size_t i;

	for (i = 0; i < CLI_NOPTIONS; i++)
		if (cli_options[i].bit == bit)
			return cli_options[i].name;
	return "?";
}

/* The name a command is called by in messages: "check", "show sslcert", "-t", "run". */
static void
command_label(const struct cli_command_def *c, char *buf, size_t len)
{
	if (c->word == NULL)
		snprintf(buf, len, "%s", c->select != 0 ? opt_name(c->select) : "run");
	else
		snprintf(buf, len, "%s%s%s", c->word, c->object != NULL && c->words == 2 ? " " : "",
		    c->object != NULL && c->words == 2 ? c->object : "");
}

/* Parse "127.0.0.1:443" or "[::1]:443" (an address a connection can have: not "*"). */
static int
parse_local(const char *text, struct binding_addr *a, unsigned *port)
{
	char ip[80];
	const char *colon = strrchr(text, ':'), *p;
	size_t n;
	unsigned long v = 0;

	if (colon == NULL || colon == text || colon[1] == '\0')
		return -1;
	n = (size_t)(colon - text);
	if (n >= sizeof(ip))
		return -1;
	memcpy(ip, text, n);
	ip[n] = '\0';
	/* An IPv6 address must be bracketed, or its last group would read as the port. */
	if (ip[0] != '[' && strchr(ip, ':') != NULL)
		return -1;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > 65535)
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	if (binding_addr_parse(ip, a) == -1 || a->family == AF_UNSPEC)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* What cli_parse's pass over argv found, before the command is known. */
struct cli_scan {
	const char *words[3];     /* the first three words (enough for "list site" and one more) */
	int         nw;           /* how many words */
	int         seen;         /* the bits of the options given */
	const char *bad_option;   /* an unknown option before the command word */
	const char *late_option;  /* an unknown option after it */
	const char *action;       /* -s's value */
};

/* One word of argv: among the first three, and after the command word one of its args.
 * Returns 0, or -1 with err when there are more than CLI_MAX_ARGS. */
static int
scan_word(struct cli_opts *o, struct cli_scan *sc, char *word, char *err, size_t errlen)
{
	if (sc->nw > 0 && o->nargs == CLI_MAX_ARGS) {
		snprintf(err, errlen, "too many arguments (at most %d)", CLI_MAX_ARGS);
		return -1;
	}
	if (sc->nw < 3)
		sc->words[sc->nw] = word;
	if (sc->nw > 0)
		o->args[o->nargs++] = word;
	sc->nw++;
	return 0;
}

/* Set what option k asks for, val its value (NULL when it takes none), as its table row
 * says; -s and --tls are read here.  Returns 0, or -1 with err on a bad --tls. */
static int
opt_store(struct cli_opts *o, struct cli_scan *sc, size_t k, const char *val, char *err,
    size_t errlen)
{
	switch (cli_options[k].store) {
	case STORE_STRING:
		*(const char **)(void *)((char *)o + cli_options[k].field) = val;
		return 0;
	case STORE_FLAG:
		*(int *)(void *)((char *)o + cli_options[k].field) = 1;
		return 0;
	case STORE_NONE:
		break;
	}
	if (cli_options[k].bit == OPT_S) {
		sc->action = val;
	} else if (cli_options[k].bit == OPT_TLS) {
		if (strcmp(val, "1.2") != 0 && strcmp(val, "1.3") != 0) {
			snprintf(err, errlen, "--tls \"%s\": 1.2 or 1.3", val);
			return -1;
		}
		o->tls = strcmp(val, "1.2") == 0 ? 12 : 13;
	}
	return 0;
}

/* The pass over argv: words, and options by the table (each at most once, its value
 * checked where the table says).  Returns 0, or -1 with err. */
static int
cli_scan(int argc, char **argv, struct cli_opts *o, struct cli_scan *sc, char *err,
    size_t errlen)
{
	int i, bit;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		if (a[0] != '-' || a[1] == '\0') {
			if (scan_word(o, sc, argv[i], err, errlen) != 0)
				return -1;
			continue;
		}
		for (k = 0; k < CLI_NOPTIONS; k++)
			if (strcmp(a, cli_options[k].name) == 0)
				break;
		if (k == CLI_NOPTIONS && sc->nw > 0 && strcmp(sc->words[0], "appcmd") == 0 &&
		    strchr(a, ':') != NULL) {
			/* appcmd's own parameters may start with "-": -section:NAME */
			if (scan_word(o, sc, argv[i], err, errlen) != 0)
				return -1;
			continue;
		}
		if (k == CLI_NOPTIONS) {
			/* One after the command word is reported once the word is known:
			 * "import --applicationhost F" is an unknown command first of all. */
			if (sc->bad_option == NULL && sc->nw == 0)
				sc->bad_option = a;
			else if (sc->bad_option == NULL && sc->late_option == NULL)
				sc->late_option = a;
			continue;
		}
		bit = cli_options[k].bit;
		if (sc->seen & bit) {
			snprintf(err, errlen, "option %s given twice", a);
			return -1;
		}
		sc->seen |= bit;
		if (cli_options[k].value != NULL && i + 1 < argc &&
		    option_bit(argv[i + 1]) == OPT_HELP)
			continue;   /* `-s --help`: the help about -s */
		if (cli_options[k].value != NULL) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				snprintf(err, errlen, "option %s needs a value", a);
				return -1;
			}
			val = argv[++i];
		}
		if (opt_store(o, sc, k, val, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* --help anywhere: `COMMAND --help`, that command's help; `-s --help`, -s's; else all of
 * it.  Returns 0, or -1 with err when the topic is no command. */
static int
cli_parse_help(struct cli_opts *o, const struct cli_scan *sc, char *err, size_t errlen)
{
	o->cmd = CLI_HELP;
	o->nargs = 0;
	if (sc->nw > 1 && strcmp(sc->words[0], "help") == 0)
		o->topic = sc->words[1];
	else if (sc->nw > 0)
		o->topic = sc->words[0];
	else if (sc->seen & (OPT_S | OPT_T))
		o->topic = opt_name(sc->seen & OPT_S ? OPT_S : OPT_T);
	if (o->topic != NULL && help_topic(o->topic) == NULL) {
		unknown_command(o->topic, err, errlen);
		return -1;
	}
	return 0;
}

/* The command the words and options choose, with its words and options checked against
 * its table row.  Returns it, or NULL with err. */
static const struct cli_command_def *
cli_parse_command(struct cli_opts *o, const struct cli_scan *sc, char *err, size_t errlen)
{
	const struct cli_command_def *c = NULL;
	char label[64];
	size_t k;
	int used;

	if (sc->bad_option != NULL) {
		snprintf(err, errlen, "unknown option \"%s\"", sc->bad_option);
		return NULL;
	}
	if (sc->nw > 0 && (c = command_named(sc->words[0])) == NULL) {
		unknown_command(sc->words[0], err, errlen);
		return NULL;
	}
	if (c != NULL && c->object != NULL && sc->nw > 1)
		c = command_object(c, sc->words[1]);
	if (c != NULL)
		o->topic = c->word;
	if (sc->late_option != NULL) {
		snprintf(err, errlen, "unknown option \"%s\"", sc->late_option);
		return NULL;
	}
	if (sc->nw == 0) {
		/* the option that chooses a command, the table's last first (--version, -s, -t) */
		for (k = CLI_NCOMMANDS; k-- > 0 && c == NULL;)
			if (cli_commands[k].word == NULL && (sc->seen & cli_commands[k].select))
				c = &cli_commands[k];
		if (c == NULL)
			c = command_of(CLI_RUN);
	} else if (sc->seen & (OPT_T | OPT_VERSION | OPT_S)) {
		snprintf(err, errlen, "%s takes no command (got \"%s\")", opt_name(sc->seen & OPT_T ?
		    OPT_T : sc->seen & OPT_S ? OPT_S : OPT_VERSION), sc->words[0]);
		return NULL;
	} else if ((c->object != NULL && (sc->nw < 2 || strcmp(sc->words[1], c->object) != 0)) ||
	    (c->words == -1 && c->missing != NULL && sc->nw < 2)) {
		snprintf(err, errlen, "%s", c->missing);
		return NULL;
	}
	o->cmd = c->cmd;
	o->topic = c->word != NULL ? c->word : c->select != 0 ? opt_name(c->select) : NULL;
	command_label(c, label, sizeof(label));

	/* Words beyond the command's own (words[] holds 3: enough for "list site" plus the
	 * first extra one). */
	used = c->words == -1 ? sc->nw : c->words;
	if (sc->nw > used) {
		snprintf(err, errlen, "unexpected argument \"%s\"", sc->words[used]);
		return NULL;
	}
	if (sc->seen & ~c->allowed) {
		int bit;

		for (bit = 1; !(sc->seen & ~c->allowed & bit); bit <<= 1)
			;
		snprintf(err, errlen, "option %s is not valid with %s", opt_name(bit), label);
		return NULL;
	}
	return c;
}

/* explain's options together.  Returns 0, or -1 with err. */
static int
cli_parse_explain(struct cli_opts *o, char *err, size_t errlen)
{
	if (o->local_text == NULL) {
		snprintf(err, errlen, "explain needs --local IP:PORT");
		return -1;
	}
	if (o->host == NULL) {
		snprintf(err, errlen, "explain needs --host NAME");
		return -1;
	}
	if (o->sni != NULL && o->no_sni) {
		snprintf(err, errlen, "--sni and --no-sni exclude each other");
		return -1;
	}
	if (o->http && (o->sni != NULL || o->no_sni || o->tls != 0 || o->h2)) {
		snprintf(err, errlen, "--http has no TLS: --sni, --no-sni, --tls and --h2 do not "
		    "apply");
		return -1;
	}
	if (o->path != NULL && o->path[0] != '/') {
		snprintf(err, errlen, "--path \"%s\": a request path starts with /", o->path);
		return -1;
	}
	if (parse_local(o->local_text, &o->local, &o->local_port) == -1) {
		snprintf(err, errlen, "--local \"%s\": expected IP:PORT, e.g. 127.0.0.1:443 "
		    "or [::1]:443", o->local_text);
		return -1;
	}
	return 0;
}

int
cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen)
{
	struct cli_scan sc;
	const struct cli_command_def *c;

	memset(o, 0, sizeof(*o));
	memset(&sc, 0, sizeof(sc));
	o->cmd = CLI_RUN;
	o->conf_path = CLI_DEFAULT_CONF;
	err[0] = '\0';

	if (cli_scan(argc, argv, o, &sc, err, errlen) != 0)
		return -1;
	if (sc.seen & OPT_HELP)
		return cli_parse_help(o, &sc, err, errlen);
	if ((c = cli_parse_command(o, &sc, err, errlen)) == NULL)
		return -1;
	if (o->cmd == CLI_HELP) {
		o->topic = sc.nw > 1 ? sc.words[1] : NULL;
		if (sc.nw > 2) {
			snprintf(err, errlen, "unexpected argument \"%s\"", sc.words[2]);
			return -1;
		}
		if (o->topic != NULL && help_topic(o->topic) == NULL) {
			unknown_command(o->topic, err, errlen);
			return -1;
		}
	}
	if (o->cmd == CLI_SIGNAL && (o->action = control_action_find(sc.action)) == NULL) {
		snprintf(err, errlen, "-s \"%s\": one of %s", sc.action, control_action_names());
		return -1;
	}
	if (o->cmd == CLI_IMPORT && o->applicationhost == NULL) {
		snprintf(err, errlen, "import needs --applicationhost FILE");
		return -1;
	}
	if (c->words != -1 || o->cmd == CLI_HELP)
		o->nargs = 0;
	if (o->cmd == CLI_EXPLAIN)
		return cli_parse_explain(o, err, errlen);
	return 0;
}

/* Print err (one message per line) to stderr, ending with a newline. */
static void
print_errors(const char *err)
{
	size_t n = strlen(err);

	if (n == 0)
		return;
	fputs(err, stderr);
	if (err[n - 1] != '\n')
		fputc('\n', stderr);
}

/*
 * Load path for a command.  -t loads exactly as the daemon does (CONF_LOAD_CERTS), so the
 * two agree on every file; the offline views add CONF_LOAD_OFFLINE: a certificate that is
 * not at hand is a warning, not a refusal.
 */
static struct conf *
load(const char *path, int flags)
{
	size_t errlen = 64 * 1024, i;
	char *err = malloc(errlen);
	struct conf *cfg;

	if (err == NULL) {
		fprintf(stderr, "sysbind: out of memory\n");
		return NULL;
	}
	err[0] = '\0';
	cfg = conf_load(path, flags, err, errlen);
	if (cfg == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: cannot load the configuration", path);
		print_errors(err);
	} else {
		for (i = 0; i < cfg->nwarnings; i++)
			print_errors(cfg->warnings[i]);
	}
	free(err);
	return cfg;
}

/*
 * -t, after the configuration loaded: what `nginx -t` also asks of the host.  Every
 * address is bound (a plain bind, released at once: listener_probe) and every log file
 * opened for appending and closed (hostcheck_log_file: a missing file is not made, its
 * directory must be writable).  A port held by the process the pid file names (the
 * configuration's pid_file or control.c's default: the daemon of this configuration,
 * running) is not tested, and a note says so.  Problems go to
 * stderr, one per line, "error: ..." with what to do.  Returns 0 or -1.
 */
static int
run_test_host(const struct conf *cfg, const char *conf_path)
{
	const struct { const char *key, *path; } logs[] = {
		{ "access_log", cfg->access_log }, { "httperr_log", cfg->httperr_log },
	};
	size_t errlen = 64 * 1024, i;
	char *err = malloc(errlen), *notes = malloc(errlen), *p, *nl;
	char *pid_file = cfg->pid_file != NULL ? strdup(cfg->pid_file) :
	    control_default_pid_file(conf_path, geteuid() == 0);
	char why[512];
	long own = -1;
	pid_t pid;
	int rc = 0;

	if (pid_file != NULL && control_find(pid_file, &pid, why, sizeof(why)) == CONTROL_RUNNING)
		own = (long)pid;
	free(pid_file);

	if (err == NULL || notes == NULL) {
		free(err);
		free(notes);
		fprintf(stderr, "sysbind: out of memory\n");
		return -1;
	}
	if (listener_probe(cfg, NULL, own, err, errlen, notes, errlen) != 0) {
		for (p = err; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			fprintf(stderr, "error: cannot listen on %.*s\n",
			    nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
		}
		rc = -1;
	}
	for (p = notes; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		fprintf(stderr, "note: %.*s\n", nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
	}
	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++)
		if (logs[i].path != NULL && hostcheck_log_file(logs[i].path, err, errlen) != 0) {
			fprintf(stderr, "error: cannot open %s %s\n", logs[i].key, err);
			rc = -1;
		}
	free(err);
	free(notes);
	return rc;
}

/* Flush stdout; a failed write (full disk, closed pipe) is reported once. */
static int
finish_output(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "sysbind: cannot write the output\n");
		return CLI_EXIT_PREDICT;
	}
	return status;
}

/*
 * `import`: the configuration to standard output, or to -o OUT: written whole beside the
 * file OUT finally names (a symlink is followed, its target replaced, mode and owner
 * kept), then renamed over it.  OUT may not be a device, a FIFO or a directory, nor one of
 * the files being imported (by device and inode, so another path to it is caught).
 */
static int
run_import(const struct cli_opts *o)
{
	struct import_opts io = {
		.applicationhost = o->applicationhost, .sslcert = o->sslcert_path,
		.cert_store = o->cert_store, .out_path = o->out_path,
	};
	const char *protect[2] = { o->applicationhost, o->sslcert_path };
	const char *labels[2] = { "--applicationhost", "--sslcert" };
	size_t errlen = 64 * 1024;
	char *err = malloc(errlen), *text;
	int status = CLI_EXIT_OK;

	if (err == NULL) {
		fprintf(stderr, "sysbind: out of memory\n");
		return CLI_EXIT_PREDICT;
	}
	if ((text = import_build(&io, stderr, err, errlen)) == NULL) {
		print_errors(err);
		free(err);
		return CLI_EXIT_USAGE;
	}
	if (o->out_path == NULL || strcmp(o->out_path, "-") == 0) {
		fputs(text, stdout);
		status = finish_output(CLI_EXIT_OK);
	} else if (file_replace(o->out_path, text, strlen(text), protect, labels, 2, err,
	    errlen) != 0) {
		fprintf(stderr, "sysbind: %s\n", err);
		if (strstr(err, "not a regular file") != NULL)
			fprintf(stderr, "sysbind: to see only the warnings, leave -o out and send "
			    "standard output to /dev/null: sysbind import ... >/dev/null\n");
		status = CLI_EXIT_USAGE;
	}
	free(text);
	free(err);
	return status;
}

/*
 * `-s ACTION`: the daemon of the configuration, found by its pid_file (or the default one
 * the daemon uses, control_default_pid_file), sent the action's signal.  The file is read
 * as the daemon would read it, without certificates: a file the daemon would refuse is not
 * sent to it for a reload (exit 2; the running daemon keeps its configuration), and its
 * errors are printed.  Returns the exit status: 0 sent, 1 no daemon reached, 2 a bad file.
 */
static int
run_signal(const struct cli_opts *o)
{
	struct conf *cfg;
	char err[1024], *path;
	int status;

	if ((cfg = load(o->conf_path, 0)) == NULL) {
		fprintf(stderr, "sysbind: -s %s not sent: %s is not a valid configuration%s\n",
		    o->action->name, o->conf_path, o->action->signo == SIGHUP ?
		    " (the daemon would refuse it, and keeps serving the one it has)" : "");
		return CLI_EXIT_USAGE;
	}
	path = cfg->pid_file != NULL ? strdup(cfg->pid_file) :
	    control_default_pid_file(o->conf_path, geteuid() == 0);
	conf_free(cfg);
	if (path == NULL) {
		fprintf(stderr, "sysbind: out of memory\n");
		return CLI_EXIT_PREDICT;
	}
	status = control_send(path, o->action, err, sizeof(err));
	if (status != 0)
		fprintf(stderr, "sysbind: -s %s: %s\n", o->action->name, err);
	free(path);
	return status;
}

/*
 * `netsh http show servicestate [view=requestq]`: the running daemon's request queues, read
 * from its admin listener (`/servicestate`), as netsh prints them.  Live only: with no
 * admin listener, or none answering, there is nothing to show (exit 1, and why, with the
 * file:line of `admin =`).
 */
static int
run_servicestate(const struct cli_opts *o)
{
	struct conf *cfg;
	char err[1024], *body = NULL, where[PATH_MAX + 32];
	size_t len, i;
	int status;

	for (i = 3; i < (size_t)o->nargs; i++)
		if (strcasecmp(o->args[i], "view=requestq") != 0 &&
		    strcasecmp(o->args[i], "requestq") != 0) {
			fprintf(stderr, "sysbind: netsh http show servicestate: \"%s\" is not "
			    "emulated: sysbind prints the request queue view (view=requestq) only\n",
			    o->args[i]);
			return CLI_EXIT_USAGE;
		}
	if ((cfg = load(o->conf_path, 0)) == NULL)
		return CLI_EXIT_USAGE;
	if (cfg->admin == NULL) {
		fprintf(stderr, "sysbind: netsh http show servicestate: %s sets no admin listener "
		    "([server] admin = 127.0.0.1:PORT or a socket path): the service state is read "
		    "from the running daemon's\n", o->conf_path);
		conf_free(cfg);
		return CLI_EXIT_PREDICT;
	}
	snprintf(where, sizeof(where), "%s:%d", o->conf_path, cfg->admin_line);
	status = adminclient_get(cfg->admin, "/servicestate", 10, &body, &len, err,
	    sizeof(err));
	if (status != 200) {
		if (status > 0)
			snprintf(err, sizeof(err), "it answered %d", status);
		fprintf(stderr, "sysbind: netsh http show servicestate: no daemon answers on the "
		    "admin listener of %s (admin = %s): %s\n", where, cfg->admin, err);
		free(body);
		conf_free(cfg);
		return CLI_EXIT_PREDICT;
	}
	fwrite(body, 1, len, stdout);
	free(body);
	conf_free(cfg);
	return finish_output(CLI_EXIT_OK);
}

int
cli_main(int argc, char **argv)
{
	struct cli_opts o;
	struct conf *cfg;
	char err[512];
	int status = CLI_EXIT_OK, n;

	if (argc > 1 && strcmp(argv[1], "reverse-proxy") == 0)
		return quick_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "scenarios") == 0)
		return scen_main(argc - 1, argv + 1);
	if (cli_parse(argc, argv, &o, err, sizeof(err)) == -1) {
		fprintf(stderr, "sysbind: %s\n", err);
		if (strncmp(err, "unknown command", 15) == 0)
			fprintf(stderr, "sysbind: `sysbind help` lists the commands\n");
		else if (o.topic == NULL || cli_help(stderr, o.topic) != 0)
			cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	switch (o.cmd) {
	case CLI_HELP:
		cli_help(stdout, o.topic);
		return finish_output(CLI_EXIT_OK);
	case CLI_SIGNAL:
		return run_signal(&o);
	case CLI_SCENARIOS:
		fprintf(stderr, "sysbind: scenarios comes first: sysbind scenarios --dir DIR\n");
		return CLI_EXIT_USAGE;
	case CLI_REVERSE_PROXY:
		/* quick_main took it above, when it came first; an option before it is one
		 * reverse-proxy does not know */
		fprintf(stderr, "sysbind: reverse-proxy comes first: sysbind reverse-proxy "
		    "--from TRIPLET --to URL ...\n");
		return CLI_EXIT_USAGE;
	case CLI_VERSION_CMD:
		version_print(stdout);
		return finish_output(CLI_EXIT_OK);
	case CLI_RUN: {
		struct daemon_opts d = { .conf_path = o.conf_path, .verbose = o.verbose };

		return daemon_run(&d);
	}
	case CLI_IMPORT:
		return run_import(&o);
	case CLI_APPCMD:
		status = edit_appcmd(o.conf_path, o.nargs, o.args, stdout, stderr);
		return finish_output(status);
	case CLI_NETSH:
		if (o.nargs >= 3 && strcasecmp(o.args[0], "http") == 0 &&
		    strcasecmp(o.args[1], "show") == 0 &&
		    strcasecmp(o.args[2], "servicestate") == 0)
			return run_servicestate(&o);
		status = edit_netsh(o.conf_path, o.nargs, o.args, stdout, stderr);
		return finish_output(status);
	default:
		break;
	}

	if ((cfg = load(o.conf_path, o.cmd == CLI_TEST ? CONF_LOAD_CERTS :
	    CONF_LOAD_CERTS | CONF_LOAD_OFFLINE)) == NULL)
		return CLI_EXIT_USAGE;
	switch (o.cmd) {
	case CLI_TEST:
		if (run_test_host(cfg, o.conf_path) != 0) {
			fprintf(stderr, "sysbind: configuration file %s test failed\n", o.conf_path);
			status = CLI_EXIT_PREDICT;
			break;
		}
		printf("configuration file %s test is successful\n", o.conf_path);
		break;
	case CLI_CHECK:
		n = views_check(cfg, time(NULL), o.json, stdout);
		if (n > 0)
			status = CLI_EXIT_PREDICT;
		break;
	case CLI_EXPLAIN: {
		struct views_conn c = {
			.local = o.local, .port = o.local_port, .host = o.host,
			.sni = o.sni, .no_sni = o.no_sni, .http = o.http, .path = o.path,
			.tls = o.tls, .h2 = o.h2,
		};

		views_explain(cfg, &c, time(NULL), o.json, stdout);
		break;
	}
	case CLI_SHOW_CERTS:
		n = views_certs(cfg, time(NULL), o.json, stdout);
		if (n != 0)
			status = CLI_EXIT_PREDICT;
		break;
	case CLI_SHOW_SSLCERT:
		if (o.json)
			views_show_sslcert_json(cfg, stdout);
		else
			views_show_sslcert(cfg, stdout, stderr);
		break;
	case CLI_LIST_SITE:
		if (o.json)
			views_list_site_json(cfg, stdout);
		else
			views_list_site(cfg, stdout);
		break;
	default:
		break;
	}
	conf_free(cfg);
	return finish_output(status);
}
