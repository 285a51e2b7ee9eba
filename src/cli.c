/*
 * cli — the command line of sysbind(8): argv into a struct cli_opts (cli_parse, pure),
 * the usage text, and the subcommands: run (daemon_run), -t, check, explain, show
 * sslcert, list site, import, appcmd, netsh, --version, --help.  This file owns exit
 * statuses and what goes to stderr (usage errors, configuration errors one per line,
 * warnings); the outputs themselves are views.c's, the import is import.c's, the edits
 * edit.c's, the daemon is daemon.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "cli.h"
#include "conf.h"
#include "daemon.h"
#include "edit.h"
#include "file.h"
#include "import.h"
#include "quick.h"
#include "version.h"
#include "views.h"

static const char usage_text[] =
"usage: sysbind [-c FILE] [-v]                 run in the foreground (default FILE: " CLI_DEFAULT_CONF ")\n"
"       sysbind -t [-c FILE]                   check the configuration, load every certificate, exit\n"
"       sysbind check [-c FILE] [--json]       predict, per https binding, which certificate a client\n"
"                                              with and without SNI gets, and the verdict\n"
"       sysbind explain [-c FILE] --local IP:PORT --host NAME [--sni NAME | --no-sni] [--http]\n"
"                       [--path /P] [--tls 1.2|1.3] [--h2]\n"
"                                              walk one hypothetical connection through every step\n"
"                                              (default: SNI = host; --http skips TLS; --path, --tls\n"
"                                              and --h2: what the path's client-certificate policy does)\n"
"       sysbind show sslcert [-c FILE]         the certificate table as `netsh http show sslcert`\n"
"       sysbind list site [-c FILE]            the sites as `appcmd list site`\n"
"       sysbind import --applicationhost F [--sslcert F] [--cert-store D] [-o OUT]\n"
"                                              a configuration from a real IIS server's files\n"
"       sysbind appcmd … [-c FILE]             IIS's appcmd site/binding commands, editing FILE\n"
"                                              (set site /site.name:NAME /+bindings.[...], list site)\n"
"       sysbind netsh http … [-c FILE]         netsh's sslcert commands, editing FILE\n"
"                                              (add|update|delete|show sslcert ipport=|hostnameport=|ccs=)\n"
"       sysbind reverse-proxy --from TRIPLET --to URL [--cert F [--key F] | --pfx F]\n"
"                                              a quick start with no file (sysbind reverse-proxy --help)\n"
"       sysbind --version | --help\n"
"\n"
"  -c FILE   configuration file (default " CLI_DEFAULT_CONF ")\n"
"  -v        trace every connection's decisions, whatever the file says\n"
"\n"
"exit status: 0 success; 1 `check` predicted at least one client error, the daemon\n"
"failed at run time, or appcmd/netsh refused the change; 2 bad command line or invalid\n"
"configuration.\n";

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
	OPT_APPHOST = 1 << 11, OPT_SSLCERT = 1 << 12, OPT_CERT_STORE = 1 << 13, OPT_O = 1 << 14,
	OPT_PATH = 1 << 15, OPT_TLS = 1 << 16, OPT_H2 = 1 << 17,
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
	{ "--applicationhost", OPT_APPHOST, 1 },
	{ "--sslcert", OPT_SSLCERT, 1 },
	{ "--cert-store", OPT_CERT_STORE, 1 },
	{ "-o", OPT_O, 1 },
	{ "--path", OPT_PATH, 1 },
	{ "--tls", OPT_TLS, 1 },
	{ "--h2", OPT_H2, 0 },
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
	static const char *const commands[] = { "check", "explain", "show", "list", "import",
	    "appcmd", "netsh" };

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
			if (nw > 0 && o->nargs < CLI_MAX_ARGS)
				o->args[o->nargs++] = argv[i];
			else if (nw > 0) {
				snprintf(err, errlen, "too many arguments (at most %d)", CLI_MAX_ARGS);
				return -1;
			}
			nw++;
			continue;
		}
		for (k = 0; k < sizeof(cli_options) / sizeof(cli_options[0]); k++)
			if (strcmp(a, cli_options[k].name) == 0)
				break;
		if (k == sizeof(cli_options) / sizeof(cli_options[0]) && nw > 0 &&
		    strcmp(words[0], "appcmd") == 0 && strchr(a, ':') != NULL) {
			/* appcmd's own parameters may start with "-": -section:NAME */
			if (o->nargs == CLI_MAX_ARGS) {
				snprintf(err, errlen, "too many arguments (at most %d)", CLI_MAX_ARGS);
				return -1;
			}
			if (nw < 3)
				words[nw] = a;
			o->args[o->nargs++] = argv[i];
			nw++;
			continue;
		}
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
		case OPT_APPHOST: o->applicationhost = val; break;
		case OPT_SSLCERT: o->sslcert_path = val; break;
		case OPT_CERT_STORE: o->cert_store = val; break;
		case OPT_O:     o->out_path = val; break;
		case OPT_PATH:  o->path = val; break;
		case OPT_TLS:
			if (strcmp(val, "1.2") != 0 && strcmp(val, "1.3") != 0) {
				snprintf(err, errlen, "--tls \"%s\": 1.2 or 1.3", val);
				return -1;
			}
			o->tls = strcmp(val, "1.2") == 0 ? 12 : 13;
			break;
		case OPT_H2:    o->h2 = 1; break;
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
		allowed = OPT_C | OPT_LOCAL | OPT_HOST | OPT_SNI | OPT_NO_SNI | OPT_HTTP | OPT_PATH |
		    OPT_TLS | OPT_H2;
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
	} else if (strcmp(words[0], "import") == 0) {
		o->cmd = CLI_IMPORT;
		cmdname = "import";
		allowed = OPT_APPHOST | OPT_SSLCERT | OPT_CERT_STORE | OPT_O;
	} else if (strcmp(words[0], "appcmd") == 0) {
		if (nw < 2) {
			snprintf(err, errlen, "appcmd needs a command, e.g. appcmd list site");
			return -1;
		}
		o->cmd = CLI_APPCMD;
		cmdname = "appcmd";
		allowed = OPT_C;
	} else if (strcmp(words[0], "netsh") == 0) {
		if (nw < 2 || strcmp(words[1], "http") != 0) {
			snprintf(err, errlen, "netsh takes one context: http (netsh http show sslcert)");
			return -1;
		}
		o->cmd = CLI_NETSH;
		cmdname = "netsh";
		allowed = OPT_C;
	} else {
		snprintf(err, errlen, "unknown command \"%s\"", words[0]);
		return -1;
	}

	/* Words beyond the command's own. */
	{
		int used = (o->cmd == CLI_SHOW_SSLCERT || o->cmd == CLI_LIST_SITE) ? 2 :
		    (o->cmd == CLI_CHECK || o->cmd == CLI_EXPLAIN || o->cmd == CLI_IMPORT) ? 1 :
		    (o->cmd == CLI_APPCMD || o->cmd == CLI_NETSH) ? nw : 0;

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

	if (o->cmd == CLI_IMPORT && o->applicationhost == NULL) {
		snprintf(err, errlen, "import needs --applicationhost FILE");
		return -1;
	}
	if (o->cmd != CLI_APPCMD && o->cmd != CLI_NETSH)
		o->nargs = 0;
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

int
cli_main(int argc, char **argv)
{
	struct cli_opts o;
	struct conf *cfg;
	char err[512];
	int status = CLI_EXIT_OK, n;

	if (argc > 1 && strcmp(argv[1], "reverse-proxy") == 0)
		return quick_main(argc - 1, argv + 1);
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

		views_explain(cfg, &c, time(NULL), stdout);
		break;
	}
	case CLI_SHOW_SSLCERT:
		views_show_sslcert(cfg, stdout, stderr);
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
