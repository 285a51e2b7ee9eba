/*
 * cli — the command line of DESIGN.md §3: argv into a struct cli_opts (cli_parse, pure),
 * the usage text, and the subcommands: run (daemon_run), -t, check, explain, show
 * sslcert, list site, --version, --help.  This file owns exit statuses and what goes to
 * stderr (usage errors, configuration errors one per line, warnings); the outputs
 * themselves are views.c's, the daemon is daemon.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "cli.h"
#include "conf.h"
#include "daemon.h"
#include "views.h"

static const char usage_text[] =
"usage: sysbind [-c FILE] [-v]                 run in the foreground (default FILE: " CLI_DEFAULT_CONF ")\n"
"       sysbind -t [-c FILE]                   check the configuration, load every certificate, exit\n"
"       sysbind check [-c FILE] [--json]       predict, per https binding, which certificate a client\n"
"                                              with and without SNI gets, and the verdict\n"
"       sysbind explain [-c FILE] --local IP:PORT --host NAME [--sni NAME | --no-sni] [--http]\n"
"                                              walk one hypothetical connection through every step\n"
"                                              (default: SNI = host; --http skips TLS)\n"
"       sysbind show sslcert [-c FILE]         the certificate table as `netsh http show sslcert`\n"
"       sysbind list site [-c FILE]            the sites as `appcmd list site`\n"
"       sysbind --version | --help\n"
"\n"
"  -c FILE   configuration file (default " CLI_DEFAULT_CONF ")\n"
"  -v        trace every connection's decisions, whatever the file says\n"
"\n"
"exit status: 0 success; 1 `check` predicted at least one client error, or the daemon\n"
"failed at run time; 2 bad command line or invalid configuration.\n";

void
cli_usage(FILE *f)
{
	fputs(usage_text, f);
}

/* The options, as bits, so each command can say which it takes. */
enum {
	OPT_C = 1 << 0, OPT_V = 1 << 1, OPT_T = 1 << 2, OPT_JSON = 1 << 3,
	OPT_LOCAL = 1 << 4, OPT_HOST = 1 << 5, OPT_SNI = 1 << 6, OPT_NO_SNI = 1 << 7,
	OPT_HTTP = 1 << 8, OPT_VERSION = 1 << 9, OPT_HELP = 1 << 10,
};

static const struct {
	const char *name;
	int         bit;
	int         takes_value;
} cli_options[] = {
	{ "-c", OPT_C, 1 },
	{ "-v", OPT_V, 0 },
	{ "-t", OPT_T, 0 },
	{ "--json", OPT_JSON, 0 },
	{ "--local", OPT_LOCAL, 1 },
	{ "--host", OPT_HOST, 1 },
	{ "--sni", OPT_SNI, 1 },
	{ "--no-sni", OPT_NO_SNI, 0 },
	{ "--http", OPT_HTTP, 0 },
	{ "--version", OPT_VERSION, 0 },
	{ "--help", OPT_HELP, 0 },
	{ "-h", OPT_HELP, 0 },
};

static const char *
opt_name(int bit)
{
	size_t i;

	for (i = 0; i < sizeof(cli_options) / sizeof(cli_options[0]); i++)
		if (cli_options[i].bit == bit)
			return cli_options[i].name;
	return "?";
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

int
cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen)
{
	const char *words[3] = { NULL, NULL, NULL };
	int nw = 0, seen = 0, allowed, i;
	size_t k;
	const char *cmdname, *bad_option = NULL, *late_option = NULL;
	static const char *const commands[] = { "check", "explain", "show", "list" };

	memset(o, 0, sizeof(*o));
	o->cmd = CLI_RUN;
	o->conf_path = CLI_DEFAULT_CONF;
	err[0] = '\0';

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		int bit = 0;

		if (a[0] != '-' || a[1] == '\0') {
			if (nw < 3)
				words[nw] = a;
			nw++;
			continue;
		}
		for (k = 0; k < sizeof(cli_options) / sizeof(cli_options[0]); k++)
			if (strcmp(a, cli_options[k].name) == 0)
				break;
		if (k == sizeof(cli_options) / sizeof(cli_options[0])) {
			/* One after the command word is reported once the word is known:
			 * "import --applicationhost F" is an unknown command first of all. */
			if (bad_option == NULL && nw == 0)
				bad_option = a;
			else if (bad_option == NULL && late_option == NULL)
				late_option = a;
			continue;
		}
		bit = cli_options[k].bit;
		if (seen & bit) {
			snprintf(err, errlen, "option %s given twice", a);
			return -1;
		}
		seen |= bit;
		if (cli_options[k].takes_value) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				snprintf(err, errlen, "option %s needs a value", a);
				return -1;
			}
			val = argv[++i];
		}
		switch (bit) {
		case OPT_C:     o->conf_path = val; break;
		case OPT_V:     o->verbose = 1; break;
		case OPT_JSON:  o->json = 1; break;
		case OPT_LOCAL: o->local_text = val; break;
		case OPT_HOST:  o->host = val; break;
		case OPT_SNI:   o->sni = val; break;
		case OPT_NO_SNI: o->no_sni = 1; break;
		case OPT_HTTP:  o->http = 1; break;
		default: break;
		}
	}
	if (seen & OPT_HELP) {
		o->cmd = CLI_HELP;
		return 0;
	}
	if (bad_option != NULL) {
		snprintf(err, errlen, "unknown option \"%s\"", bad_option);
		return -1;
	}
	if (nw > 0) {
		for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
			if (strcmp(words[0], commands[k]) == 0)
				break;
		if (k == sizeof(commands) / sizeof(commands[0])) {
			snprintf(err, errlen, "unknown command \"%s\"", words[0]);
			return -1;
		}
	}
	if (late_option != NULL) {
		snprintf(err, errlen, "unknown option \"%s\"", late_option);
		return -1;
	}

	if (nw == 0) {
		if (seen & OPT_VERSION) {
			o->cmd = CLI_VERSION_CMD;
			cmdname = "--version";
			allowed = OPT_VERSION;
		} else if (seen & OPT_T) {
			o->cmd = CLI_TEST;
			cmdname = "-t";
			allowed = OPT_T | OPT_C;
		} else {
			o->cmd = CLI_RUN;
			cmdname = "run";
			allowed = OPT_C | OPT_V;
		}
	} else if (seen & (OPT_T | OPT_VERSION)) {
		snprintf(err, errlen, "%s takes no command (got \"%s\")",
		    opt_name(seen & OPT_T ? OPT_T : OPT_VERSION), words[0]);
		return -1;
	} else if (strcmp(words[0], "check") == 0) {
		o->cmd = CLI_CHECK;
		cmdname = "check";
		allowed = OPT_C | OPT_JSON;
	} else if (strcmp(words[0], "explain") == 0) {
		o->cmd = CLI_EXPLAIN;
		cmdname = "explain";
		allowed = OPT_C | OPT_LOCAL | OPT_HOST | OPT_SNI | OPT_NO_SNI | OPT_HTTP;
	} else if (strcmp(words[0], "show") == 0) {
		if (nw < 2 || strcmp(words[1], "sslcert") != 0) {
			snprintf(err, errlen, "\"show\" takes one object: sslcert");
			return -1;
		}
		o->cmd = CLI_SHOW_SSLCERT;
		cmdname = "show sslcert";
		allowed = OPT_C;
	} else if (strcmp(words[0], "list") == 0) {
		if (nw < 2 || strcmp(words[1], "site") != 0) {
			snprintf(err, errlen, "\"list\" takes one object: site");
			return -1;
		}
		o->cmd = CLI_LIST_SITE;
		cmdname = "list site";
		allowed = OPT_C;
	} else {
		snprintf(err, errlen, "unknown command \"%s\"", words[0]);
		return -1;
	}

	/* Words beyond the command's own. */
	{
		int used = (o->cmd == CLI_SHOW_SSLCERT || o->cmd == CLI_LIST_SITE) ? 2 :
		    (o->cmd == CLI_CHECK || o->cmd == CLI_EXPLAIN) ? 1 : 0;

		if (nw > used) {
			/* words[] holds 3: enough for "list site" plus the first extra one. */
			snprintf(err, errlen, "unexpected argument \"%s\"", words[used]);
			return -1;
		}
	}
	if (seen & ~allowed) {
		int bit;

		for (bit = 1; !(seen & ~allowed & bit); bit <<= 1)
			;
		snprintf(err, errlen, "option %s is not valid with %s", opt_name(bit), cmdname);
		return -1;
	}

	if (o->cmd == CLI_EXPLAIN) {
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
		if (o->http && (o->sni != NULL || o->no_sni)) {
			snprintf(err, errlen, "--http has no TLS: --sni and --no-sni do not apply");
			return -1;
		}
		if (parse_local(o->local_text, &o->local, &o->local_port) == -1) {
			snprintf(err, errlen, "--local \"%s\": expected IP:PORT, e.g. 127.0.0.1:443 "
			    "or [::1]:443", o->local_text);
			return -1;
		}
	}
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

static struct conf *
load(const char *path)
{
	size_t errlen = 64 * 1024, i;
	char *err = malloc(errlen);
	struct conf *cfg;

	if (err == NULL) {
		fprintf(stderr, "sysbind: out of memory\n");
		return NULL;
	}
	err[0] = '\0';
	cfg = conf_load(path, CONF_LOAD_CERTS, err, errlen);
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

int
cli_main(int argc, char **argv)
{
	struct cli_opts o;
	struct conf *cfg;
	char err[512];
	int status = CLI_EXIT_OK, n;

	if (cli_parse(argc, argv, &o, err, sizeof(err)) == -1) {
		fprintf(stderr, "sysbind: %s\n", err);
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	switch (o.cmd) {
	case CLI_HELP:
		cli_usage(stdout);
		return finish_output(CLI_EXIT_OK);
	case CLI_VERSION_CMD:
		printf("sysbind %s\n", CLI_VERSION);
		return finish_output(CLI_EXIT_OK);
	case CLI_RUN: {
		struct daemon_opts d = { .conf_path = o.conf_path, .verbose = o.verbose };

		return daemon_run(&d);
	}
	default:
		break;
	}

	if ((cfg = load(o.conf_path)) == NULL)
		return CLI_EXIT_USAGE;
	switch (o.cmd) {
	case CLI_TEST:
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
			.sni = o.sni, .no_sni = o.no_sni, .http = o.http,
		};

		views_explain(cfg, &c, time(NULL), stdout);
		break;
	}
	case CLI_SHOW_SSLCERT:
		views_show_sslcert(cfg, stdout);
		break;
	case CLI_LIST_SITE:
		views_list_site(cfg, stdout);
		break;
	default:
		break;
	}
	conf_free(cfg);
	return finish_output(status);
}
