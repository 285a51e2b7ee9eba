/*
 * quick — `sysbind reverse-proxy` (see quick.h).  Owns its command line, the state
 * directory of the local CA (which it checks and never lets another user's file or a
 * symlink into), the choice of the certificate's names and files, the INI text, and what
 * is printed before serving (the curl line that trusts the CA).  The CA and certificates
 * themselves are mint.c's; the configuration is conf.c's (the INI goes through
 * conf_parse, as a file would); serving is daemon.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "base/strlist.h"
#include "model/conf.h"
#include "core/daemon.h"
#include "cli/mint.h"
#include "cli/quick.h"

#define QUICK_PATH_MAX 4096

static const char quick_usage_text[] =
"usage: sysbind reverse-proxy --from TRIPLET[,TRIPLET...] [--from ...] --to http://HOST:PORT\n"
"                             [--cert F [--key F] | --pfx F [--pfx-password P]]\n"
"                             [--mode iis7|iis8] [--dir DIR] [--print-config] [-v]\n"
"\n"
"  Serve the IIS bindings TRIPLET (protocol/IP:Port:Host, e.g. https/*:8443:app.test)\n"
"  with HTTP.SYS's rules, proxying to the backend, with no configuration file.  Without\n"
"  --cert or --pfx a local CA is made once in DIR (default $XDG_DATA_HOME/sysbind,\n"
"  ~/.local/share/sysbind, or /var/lib/sysbind for root) and signs a certificate for the\n"
"  https bindings' host names.  --print-config prints the configuration it stands for.\n";

void
quick_usage(FILE *f)
{
	fputs(quick_usage_text, f);
}

/* The options; QO_FROM may repeat. */
enum {
	QO_FROM = 1 << 0, QO_TO = 1 << 1, QO_CERT = 1 << 2, QO_KEY = 1 << 3, QO_PFX = 1 << 4,
	QO_PFX_PASSWORD = 1 << 5, QO_MODE = 1 << 6, QO_DIR = 1 << 7, QO_PRINT = 1 << 8,
	QO_V = 1 << 9, QO_HELP = 1 << 10,
};

static const struct {
	const char *name;
	int         bit;
	int         takes_value;
} quick_options[] = {
	{ "--from", QO_FROM, 1 },
	{ "--to", QO_TO, 1 },
	{ "--cert", QO_CERT, 1 },
	{ "--key", QO_KEY, 1 },
	{ "--pfx", QO_PFX, 1 },
	{ "--pfx-password", QO_PFX_PASSWORD, 1 },
	{ "--mode", QO_MODE, 1 },
	{ "--dir", QO_DIR, 1 },
	{ "--print-config", QO_PRINT, 0 },
	{ "-v", QO_V, 0 },
	{ "--help", QO_HELP, 0 },
	{ "-h", QO_HELP, 0 },
};

#define QUICK_NOPTIONS (sizeof(quick_options) / sizeof(quick_options[0]))

int
quick_parse(int argc, char **argv, struct quick_opts *o, char *err, size_t errlen)
{
	int i, seen = 0;
	size_t k;

	memset(o, 0, sizeof(*o));
	o->mode = 7;
	err[0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		for (k = 0; k < QUICK_NOPTIONS; k++)
			if (strcmp(a, quick_options[k].name) == 0)
				break;
		if (k == QUICK_NOPTIONS) {
			snprintf(err, errlen, a[0] == '-' ? "unknown option \"%s\"" :
			    "unexpected argument \"%s\"", a);
			return -1;
		}
		if ((seen & quick_options[k].bit) && quick_options[k].bit != QO_FROM) {
			snprintf(err, errlen, "option %s given twice", a);
			return -1;
		}
		seen |= quick_options[k].bit;
		if (quick_options[k].takes_value) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				snprintf(err, errlen, "option %s needs a value", a);
				return -1;
			}
			val = argv[++i];
		}
		switch (quick_options[k].bit) {
		case QO_FROM:
			if (o->nfrom == QUICK_MAX_FROM) {
				snprintf(err, errlen, "--from given more than %d times (one --from "
				    "takes a comma-separated list)", QUICK_MAX_FROM);
				return -1;
			}
			o->from[o->nfrom++] = val;
			break;
		case QO_TO:           o->to = val; break;
		case QO_CERT:         o->cert = val; break;
		case QO_KEY:          o->key = val; break;
		case QO_PFX:          o->pfx = val; break;
		case QO_PFX_PASSWORD: o->pfx_password = val; break;
		case QO_DIR:          o->dir = val; break;
		case QO_PRINT:        o->print_config = 1; break;
		case QO_V:            o->verbose = 1; break;
		case QO_HELP:         o->help = 1; break;
		case QO_MODE:
			if (strcmp(val, "iis7") != 0 && strcmp(val, "iis8") != 0) {
				snprintf(err, errlen, "--mode \"%s\": iis7 or iis8", val);
				return -1;
			}
			o->mode = val[3] - '0';
			break;
		default:
			break;
		}
	}
	if (o->help)
		return 0;
	if (o->nfrom == 0) {
		snprintf(err, errlen, "reverse-proxy needs --from TRIPLET, e.g. --from "
		    "https/*:8443:app.test");
		return -1;
	}
	if (o->to == NULL) {
		snprintf(err, errlen, "reverse-proxy needs --to URL, e.g. --to "
		    "http://127.0.0.1:3000");
		return -1;
	}
	if (o->cert != NULL && o->pfx != NULL) {
		snprintf(err, errlen, "--cert and --pfx exclude each other: give one certificate");
		return -1;
	}
	if (o->key != NULL && o->cert == NULL) {
		snprintf(err, errlen, "--key goes with --cert");
		return -1;
	}
	if (o->pfx_password != NULL && o->pfx == NULL) {
		snprintf(err, errlen, "--pfx-password goes with --pfx");
		return -1;
	}
	if (o->dir != NULL && (o->cert != NULL || o->pfx != NULL)) {
		snprintf(err, errlen, "--dir is where the local CA is kept: with --cert or --pfx "
		    "there is none");
		return -1;
	}
	return 0;
}

int
quick_bindings(const struct quick_opts *o, struct binding *out, size_t max, size_t *n,
    char *err, size_t errlen)
{
	char item[BINDING_HOST_MAX + 128], msg[512];
	size_t f;

	*n = 0;
	for (f = 0; f < o->nfrom; f++) {
		struct strlist l;
		const char *q;
		size_t len;

		strlist_init(&l, o->from[f], NULL, STRLIST_BLANKS);
		while (strlist_next(&l, &q, &len)) {
			if (len == 0) {
				snprintf(err, errlen, "--from \"%s\": an empty binding (bindings are "
				    "separated by commas: https/*:443:host,http/*:80:host)", o->from[f]);
				return -1;
			}
			if (len >= sizeof(item)) {
				snprintf(err, errlen, "--from \"%s\": a binding too long", o->from[f]);
				return -1;
			}
			memcpy(item, q, len);
			item[len] = '\0';
			if (*n == max) {
				snprintf(err, errlen, "--from: more than %zu bindings", max);
				return -1;
			}
			if (binding_parse(item, &out[*n], msg, sizeof(msg)) != 0) {
				snprintf(err, errlen, "--from: %s", msg);
				return -1;
			}
			(*n)++;
		}
	}
	return 0;
}

/* Append name to names unless it is there. */
static void
quick_name_add(char names[][BINDING_HOST_MAX], size_t *count, size_t max, const char *name)
{
	size_t i;

	for (i = 0; i < *count; i++)
		if (strcmp(names[i], name) == 0)
			return;
	if (*count < max)
		snprintf(names[(*count)++], BINDING_HOST_MAX, "%s", name);
}

size_t
quick_names(const struct binding *b, size_t n, char names[][BINDING_HOST_MAX], size_t max)
{
	char ip[64];
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		if (b[i].proto != BINDING_HTTPS)
			continue;
		if (b[i].host[0] != '\0') {
			quick_name_add(names, &count, max, b[i].host);
			continue;
		}
		quick_name_add(names, &count, max, "localhost");
		if (b[i].addr.family == AF_UNSPEC) {
			quick_name_add(names, &count, max, "127.0.0.1");
			quick_name_add(names, &count, max, "::1");
		} else {
			binding_addr_format(&b[i].addr, ip, sizeof(ip));
			quick_name_add(names, &count, max, ip);
		}
	}
	return count;
}

/* Whether v can be an INI value as written: no line break, no blank at either end (inih
 * trims them), no ";" after a blank (an inline comment).  0, or -1 with err. */
static int
quick_value_ok(const char *what, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (strpbrk(v, "\r\n") != NULL || (n > 0 && (v[0] == ' ' || v[0] == '\t' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t')) || strstr(v, " ;") != NULL ||
	    strstr(v, "\t;") != NULL) {
		snprintf(err, errlen, "%s \"%s\" cannot be written in a configuration file (a line "
		    "break, blanks at an end, or \" ;\", which starts a comment)", what, v);
		return -1;
	}
	return 0;
}

/* Whether the https binding at i is the first on its port / the first with its host name
 * and port, for one entry per key. */
static int
quick_first_port(const struct binding *b, size_t i, int iis8)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (b[j].proto == BINDING_HTTPS && b[j].port == b[i].port &&
		    (!iis8 || b[j].host[0] == '\0' || b[j].host[0] == '*'))
			return 0;
	return 1;
}

static int
quick_first_hostport(const struct binding *b, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (b[j].proto == BINDING_HTTPS && b[j].port == b[i].port &&
		    strcmp(b[j].host, b[i].host) == 0)
			return 0;
	return 1;
}

/* The certificate keys of one [sslcert] section. */
static void
quick_ini_cert(FILE *f, const struct quick_cert *c)
{
	if (c->pfx != NULL) {
		fprintf(f, "pfx = %s\n", c->pfx);
		if (c->pfx_password != NULL)
			fprintf(f, "pfx_password = %s\n", c->pfx_password);
		return;
	}
	fprintf(f, "certificate = %s\n", c->certificate != NULL ? c->certificate : "");
	if (c->key != NULL)
		fprintf(f, "key = %s\n", c->key);
}

char *
quick_ini(const struct quick_opts *o, const struct binding *b, size_t n,
    const struct quick_cert *c, char *err, size_t errlen)
{
	char text[BINDING_HOST_MAX + 128];
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int iis8 = o->mode == 8;

	if (quick_value_ok("--to", o->to, err, errlen) != 0 ||
	    (c->certificate != NULL && quick_value_ok("--cert", c->certificate, err, errlen) != 0) ||
	    (c->key != NULL && quick_value_ok("--key", c->key, err, errlen) != 0) ||
	    (c->pfx != NULL && quick_value_ok("--pfx", c->pfx, err, errlen) != 0) ||
	    (c->pfx_password != NULL &&
	    quick_value_ok("--pfx-password", c->pfx_password, err, errlen) != 0))
		return NULL;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fprintf(f, "; What `sysbind reverse-proxy` serves: save it and check it with\n"
	    "; `sysbind -t -c FILE`; `sysbind -c FILE` serves the same.\n"
	    "[server]\nmode = %s\n", iis8 ? "iis8" : "iis7");
	for (i = 0; i < n; i++) {
		if (b[i].proto != BINDING_HTTPS)
			continue;
		if (iis8 && b[i].host[0] != '\0' && b[i].host[0] != '*') {
			if (!quick_first_hostport(b, i))
				continue;
			fprintf(f, "\n[sslcert %s:%u]\n", b[i].host, b[i].port);
		} else {
			if (!quick_first_port(b, i, iis8))
				continue;
			fprintf(f, "\n[sslcert 0.0.0.0:%u]\n", b[i].port);
		}
		quick_ini_cert(f, c);
	}
	fprintf(f, "\n[site " QUICK_NAME "]\nid = 1\nbindings = ");
	for (i = 0; i < n; i++) {
		binding_format(&b[i], text, sizeof(text));
		fprintf(f, "%s%s", i > 0 ? ", " : "", text);
	}
	fprintf(f, "\nbackend = %s\n", o->to);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return buf;
}

/* ---- the files ---- */

/* path made absolute against the working directory, into out. */
static int
quick_abs(const char *path, char *out, size_t len, char *err, size_t errlen)
{
	char cwd[QUICK_PATH_MAX];

	if (path[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", path) >= len)
			goto toolong;
		return 0;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		snprintf(err, errlen, "%s: cannot tell the working directory: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		goto toolong;
	return 0;
toolong:
	snprintf(err, errlen, "%s: path too long", path);
	return -1;
}

/* The state directory: --dir, else $XDG_DATA_HOME/sysbind, ~/.local/share/sysbind, or
 * /var/lib/sysbind for root. */
static int
quick_state_dir(const char *given, char *out, size_t len, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (given != NULL)
		return quick_abs(given, out, len, err, errlen);
	if (geteuid() == 0)
		return quick_abs("/var/lib/sysbind", out, len, err, errlen);
	if (xdg != NULL && xdg[0] == '/') {
		if ((size_t)snprintf(out, len, "%s/sysbind", xdg) >= len)
			goto toolong;
		return 0;
	}
	if (home == NULL || home[0] != '/') {
		snprintf(err, errlen, "neither XDG_DATA_HOME nor HOME is set: give --dir DIR for "
		    "the local CA");
		return -1;
	}
	if ((size_t)snprintf(out, len, "%s/.local/share/sysbind", home) >= len)
		goto toolong;
	return 0;
toolong:
	snprintf(err, errlen, "the state directory's path is too long: give --dir DIR");
	return -1;
}

/*
 * Make dir (and missing parents; the last one 0700) and check it is a directory of the
 * effective user's, not a symlink: the CA's key lives there.
 */
static int
quick_dir_ready(const char *dir, char *err, size_t errlen)
{
	char tmp[QUICK_PATH_MAX], *p;
	struct stat st;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot make it: %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot make it: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: %s; the local CA is kept only in a directory of this "
		    "user's (choose another --dir)", dir, S_ISLNK(st.st_mode) ? "a symlink" :
		    !S_ISDIR(st.st_mode) ? "not a directory" : "owned by another user");
		return -1;
	}
	return 0;
}

/* lstat says something is at path. */
static int
quick_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

/* The local CA of dir: made now when neither file exists, else loaded and checked. */
static int
quick_ca(const char *dir, char *ca_path, char *ca_key, size_t len, X509 **ca, EVP_PKEY **key,
    int *made, char *err, size_t errlen)
{
	char cn[256], host[128];
	const char *user = getenv("USER");
	int has_cert, has_key;

	*made = 0;
	if ((size_t)snprintf(ca_path, len, "%s/ca.pem", dir) >= len ||
	    (size_t)snprintf(ca_key, len, "%s/ca.key", dir) >= len) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	has_cert = quick_exists(ca_path);
	has_key = quick_exists(ca_key);
	if (has_cert != has_key) {
		if ((size_t)snprintf(err, errlen, "%s exists without %s: left as it is (remove "
		    "it, or choose another --dir)", has_cert ? ca_path : ca_key,
		    has_cert ? ca_key : ca_path) >= errlen)
			err[0] = '\0';
		return -1;
	}
	if (!has_cert) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(cn, sizeof(cn), "sysbind local CA %s@%s",
		    user != NULL ? user : geteuid() == 0 ? "root" : "user", host);
		if (mint_ca_new(ca_path, ca_key, cn, err, errlen) != 0)
			return -1;
		*made = 1;
	}
	return mint_ca_load(ca_path, ca_key, ca, key, err, errlen);
}

/* "app.test+2": the leaf's file name for names (mkcert's way), '*' as '_'. */
static void
quick_leaf_base(char names[][BINDING_HOST_MAX], size_t n, char *out, size_t len)
{
	char *p;
	int w;

	/* (a name cut short still names one file: the result's length is not needed) */
	if (n > 1)
		w = snprintf(out, len, "%.*s+%zu", BINDING_HOST_MAX - 1, names[0], n - 1);
	else
		w = snprintf(out, len, "%.*s", BINDING_HOST_MAX - 1, names[0]);
	if (w < 0)
		out[0] = '\0';
	for (p = out; *p != '\0'; p++)
		if (*p == '*' || *p == ':' || *p == '/')
			*p = '_';
}

/* Each line of conf's errors without the "reverse-proxy:N: " of a file nobody sees. */
static void
quick_print_errors(const char *err)
{
	const char *p = err, *nl, *q;
	size_t pre = strlen(QUICK_NAME ":");

	while (*p != '\0') {
		nl = strchr(p, '\n');
		q = p;
		if (strncmp(q, QUICK_NAME ":", pre) == 0) {
			q += pre;
			while (*q >= '0' && *q <= '9')
				q++;
			q = (q[0] == ':' && q[1] == ' ') ? q + 2 : p;
		}
		fprintf(stderr, "sysbind reverse-proxy: %.*s\n",
		    nl != NULL ? (int)(nl - q) : (int)strlen(q), q);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* s as one shell word: as is when plain, else in single quotes. */
static void
quick_shell_word(FILE *f, const char *s)
{
	const char *p;

	if (s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_./:+,-[]@=") == strlen(s) && strchr(s, '[') == NULL) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

/* The curl lines that reach each binding, trusting ca (NULL: the user's own certificate). */
static void
quick_print_try(const struct binding *b, size_t n, const char *ca)
{
	char ip[64], host[BINDING_HOST_MAX + 8], word[BINDING_HOST_MAX + 96];
	size_t i;

	printf("try:\n");
	for (i = 0; i < n; i++) {
		if (b[i].addr.family == AF_UNSPEC)
			snprintf(ip, sizeof(ip), "127.0.0.1");
		else if (b[i].addr.family == AF_INET6) {
			ip[0] = '[';
			binding_addr_format(&b[i].addr, ip + 1, sizeof(ip) - 2);
			strcat(ip, "]");
		} else
			binding_addr_format(&b[i].addr, ip, sizeof(ip));
		if (b[i].host[0] == '\0')
			snprintf(host, sizeof(host), "localhost");
		else if (b[i].host[0] == '*')
			snprintf(host, sizeof(host), "www%s", b[i].host + 1);
		else
			snprintf(host, sizeof(host), "%s", b[i].host);
		printf("  curl");
		if (b[i].proto == BINDING_HTTPS && ca != NULL) {
			printf(" --cacert ");
			quick_shell_word(stdout, ca);
		}
		snprintf(word, sizeof(word), "%s:%u:%s", host, b[i].port, ip);
		printf(" --resolve ");
		quick_shell_word(stdout, word);
		snprintf(word, sizeof(word), "%s://%s:%u/", b[i].proto == BINDING_HTTPS ? "https" :
		    "http", host, b[i].port);
		printf(" ");
		quick_shell_word(stdout, word);
		printf("\n");
	}
}

int
quick_main(int argc, char **argv)
{
	static struct binding b[QUICK_MAX_BINDINGS];
	static char names[QUICK_MAX_NAMES][BINDING_HOST_MAX];
	char err[8192], dir[QUICK_PATH_MAX], ca_path[QUICK_PATH_MAX], ca_key[QUICK_PATH_MAX];
	char cert_path[QUICK_PATH_MAX], key_path[QUICK_PATH_MAX], base[BINDING_HOST_MAX + 16];
	char fp[128];
	struct quick_opts o;
	struct quick_cert c = { NULL, NULL, NULL, NULL };
	struct conf *cfg;
	X509 *ca = NULL;
	EVP_PKEY *cakey = NULL;
	const char *name_ptrs[QUICK_MAX_NAMES];
	char *text = NULL;
	size_t n = 0, nnames = 0, i;
	int made = 0, https = 0, status = 2;

	if (quick_parse(argc, argv, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "sysbind reverse-proxy: %s\n", err);
		quick_usage(stderr);
		return 2;
	}
	if (o.help) {
		quick_usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (quick_bindings(&o, b, QUICK_MAX_BINDINGS, &n, err, sizeof(err)) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		https |= b[i].proto == BINDING_HTTPS;
	if (!https && (o.cert != NULL || o.pfx != NULL)) {
		snprintf(err, sizeof(err), "no https binding in --from: --cert and --pfx would "
		    "serve nothing");
		goto fail;
	}
	if (o.cert != NULL) {
		if (quick_abs(o.cert, cert_path, sizeof(cert_path), err, sizeof(err)) != 0 ||
		    (o.key != NULL &&
		    quick_abs(o.key, key_path, sizeof(key_path), err, sizeof(err)) != 0))
			goto fail;
		c.certificate = cert_path;
		c.key = o.key != NULL ? key_path : NULL;
	} else if (o.pfx != NULL) {
		if (quick_abs(o.pfx, cert_path, sizeof(cert_path), err, sizeof(err)) != 0)
			goto fail;
		c.pfx = cert_path;
		c.pfx_password = o.pfx_password;
	} else if (https) {
		nnames = quick_names(b, n, names, QUICK_MAX_NAMES);
		for (i = 0; i < nnames; i++)
			name_ptrs[i] = names[i];
		quick_leaf_base(names, nnames, base, sizeof(base));
		if (quick_state_dir(o.dir, dir, sizeof(dir), err, sizeof(err)) != 0 ||
		    quick_dir_ready(dir, err, sizeof(err)) != 0 ||
		    quick_ca(dir, ca_path, ca_key, sizeof(ca_path), &ca, &cakey, &made, err,
		    sizeof(err)) != 0)
			goto fail;
		if ((size_t)snprintf(cert_path, sizeof(cert_path), "%s/%s.pem", dir, base) >=
		    sizeof(cert_path) || (size_t)snprintf(key_path, sizeof(key_path),
		    "%s/%s-key.pem", dir, base) >= sizeof(key_path)) {
			snprintf(err, sizeof(err), "--dir: path too long");
			goto fail;
		}
		if (mint_leaf(ca, cakey, name_ptrs, nnames, cert_path, key_path, err,
		    sizeof(err)) != 0)
			goto fail;
		c.certificate = cert_path;
		c.key = key_path;
	}
	if ((text = quick_ini(&o, b, n, &c, err, sizeof(err))) == NULL)
		goto fail;
	/* The same parse and checks as `sysbind -t -c FILE`, certificates loaded. */
	if ((cfg = conf_parse(text, QUICK_NAME, CONF_LOAD_CERTS, err, sizeof(err))) == NULL) {
		quick_print_errors(err);
		goto out;
	}
	/* The daemon logs the warnings itself when it loads the text again. */
	for (i = 0; o.print_config && i < cfg->nwarnings; i++)
		quick_print_errors(cfg->warnings[i]);
	conf_free(cfg);
	if (o.print_config) {
		fputs(text, stdout);
		status = fflush(stdout) == 0 ? 0 : 1;
		goto out;
	}
	printf("sysbind reverse-proxy: %s -> %s (mode %s)\n", o.from[0], o.to,
	    o.mode == 8 ? "iis8" : "iis7");
	if (ca != NULL) {
		mint_fingerprint(ca, fp, sizeof(fp));
		printf("local CA: %s (%s; SHA-256 %s)\n", ca_path, made ? "made now" :
		    "made before, kept", fp);
		printf("  trust it in a browser: import %s as a certificate authority\n", ca_path);
		printf("certificate: %s for", cert_path);
		for (i = 0; i < nnames; i++)
			printf(" %s", names[i]);
		printf("\n");
	}
	quick_print_try(b, n, ca != NULL ? ca_path : NULL);
	fflush(stdout);
	{
		struct daemon_opts d = { .conf_path = QUICK_NAME, .conf_text = text,
		    .verbose = o.verbose };

		status = daemon_run(&d);
	}
	goto out;
fail:
	fprintf(stderr, "sysbind reverse-proxy: %s\n", err);
out:
	X509_free(ca);
	EVP_PKEY_free(cakey);
	free(text);
	return status;
}
