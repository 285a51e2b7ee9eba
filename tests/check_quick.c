/*
 * check_quick — the pure steps of `sysbind reverse-proxy`: its command line, the --from
 * triplets (split at commas as `bindings =` splits them), the names its certificate must
 * carry, and the INI text, compared whole and then read back through conf_parse (the
 * parser the daemon uses), which also judges the --to URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "model/conf.h"
#include "cli/quick.h"

static char err[8192];

/* Parse a NULL-terminated word list (the words after "reverse-proxy"). */
static int
qparse(struct quick_opts *o, const char *const *words)
{
	char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"reverse-proxy";
	while (*words != NULL && argc < 63)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	err[0] = '\0';
	return quick_parse(argc, argv, o, err, sizeof(err));
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define ck_parse_err(words, want) do {                                          \
	struct quick_opts o_;                                                   \
	ck_assert_int_eq(qparse(&o_, words), -1);                               \
	ck_assert_str_eq(err, want);                                            \
} while (0)

START_TEST(test_quick_parse_minimal)
{
	struct quick_opts o;

	ck_assert_int_eq(qparse(&o, W("--from", "https/*:8443:app.test", "--to",
	    "http://127.0.0.1:3000")), 0);
	ck_assert_uint_eq(o.nfrom, 1);
	ck_assert_str_eq(o.from[0], "https/*:8443:app.test");
	ck_assert_str_eq(o.to, "http://127.0.0.1:3000");
	ck_assert_int_eq(o.mode, 7);
	ck_assert_ptr_null(o.cert);
	ck_assert_ptr_null(o.pfx);
	ck_assert_ptr_null(o.dir);
	ck_assert_int_eq(o.print_config, 0);

	/* options in any order, --from repeated, every other one once */
	ck_assert_int_eq(qparse(&o, W("--print-config", "--from", "a", "--mode", "iis8",
	    "--to", "u", "--from", "b", "--pfx", "p.pfx", "--pfx-password", "pw", "-v")), 0);
	ck_assert_uint_eq(o.nfrom, 2);
	ck_assert_str_eq(o.from[1], "b");
	ck_assert_int_eq(o.mode, 8);
	ck_assert_str_eq(o.pfx, "p.pfx");
	ck_assert_str_eq(o.pfx_password, "pw");
	ck_assert_int_eq(o.print_config, 1);
	ck_assert_int_eq(o.verbose, 1);

	/* --help needs nothing else */
	ck_assert_int_eq(qparse(&o, W("--help")), 0);
	ck_assert_int_eq(o.help, 1);
}
END_TEST

START_TEST(test_quick_parse_errors)
{
	ck_parse_err(W("--to", "u"), "reverse-proxy needs --from TRIPLET, e.g. --from "
	    "https/*:8443:app.test");
	ck_parse_err(W("--from", "a"), "reverse-proxy needs --to URL, e.g. --to "
	    "http://127.0.0.1:3000");
	ck_parse_err(W("--from", "a", "--to", "u", "--to", "v"), "option --to given twice");
	ck_parse_err(W("--from", "a", "--to"), "option --to needs a value");
	ck_parse_err(W("--from", "a", "--to", "u", "--bogus"), "unknown option \"--bogus\"");
	ck_parse_err(W("--from", "a", "--to", "u", "extra"), "unexpected argument \"extra\"");
	ck_parse_err(W("--from", "a", "--to", "u", "--mode", "iis6"),
	    "--mode \"iis6\": iis7 or iis8");
	ck_parse_err(W("--from", "a", "--to", "u", "--cert", "c", "--pfx", "p"),
	    "--cert and --pfx exclude each other: give one certificate");
	ck_parse_err(W("--from", "a", "--to", "u", "--key", "k"), "--key goes with --cert");
	ck_parse_err(W("--from", "a", "--to", "u", "--pfx-password", "p"),
	    "--pfx-password goes with --pfx");
	ck_parse_err(W("--from", "a", "--to", "u", "--cert", "c", "--dir", "d"),
	    "--dir is where the local CA is kept: with --cert or --pfx there is none");
}
END_TEST

START_TEST(test_quick_bindings_split)
{
	struct binding b[8];
	struct quick_opts o;
	char text[512];
	size_t n;

	ck_assert_int_eq(qparse(&o, W("--from", " https/*:8443:App.Test ,http/127.0.0.1:8080:",
	    "--from", "https/[::1]:9443:", "--to", "u")), 0);
	ck_assert_int_eq(quick_bindings(&o, b, 8, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	binding_format(&b[0], text, sizeof(text));
	ck_assert_str_eq(text, "https/*:8443:app.test");
	binding_format(&b[1], text, sizeof(text));
	ck_assert_str_eq(text, "http/127.0.0.1:8080:");
	binding_format(&b[2], text, sizeof(text));
	ck_assert_str_eq(text, "https/[::1]:9443:");

	/* more than the caller holds */
	ck_assert_int_eq(quick_bindings(&o, b, 2, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--from: more than 2 bindings");
}
END_TEST

START_TEST(test_quick_bindings_errors)
{
	struct binding b[8];
	struct quick_opts o;
	size_t n;

	ck_assert_int_eq(qparse(&o, W("--from", "https/*:8443", "--to", "u")), 0);
	ck_assert_int_eq(quick_bindings(&o, b, 8, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--from: binding \"https/*:8443\" is not protocol/IP:Port:Host "
	    "(the host part, even empty, needs its colon)");
	ck_assert_int_eq(qparse(&o, W("--from", "ftp/*:21:", "--to", "u")), 0);
	ck_assert_int_eq(quick_bindings(&o, b, 8, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--from: binding \"ftp/*:21:\": protocol must be http or https");
	ck_assert_int_eq(qparse(&o, W("--from", "https/*:99999:x", "--to", "u")), 0);
	ck_assert_int_eq(quick_bindings(&o, b, 8, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--from: binding \"https/*:99999:x\": port must be 1-65535");
	ck_assert_int_eq(qparse(&o, W("--from", "https/*:1:a,", "--to", "u")), 0);
	ck_assert_int_eq(quick_bindings(&o, b, 8, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--from \"https/*:1:a,\": an empty binding (bindings are "
	    "separated by commas: https/*:443:host,http/*:80:host)");
}
END_TEST

/* The bindings of one --from list, for the tests below. */
static size_t
bindings_of(const char *list, struct binding *b, size_t max)
{
	struct quick_opts o;
	size_t n = 0;

	ck_assert_int_eq(qparse(&o, W("--from", list, "--to", "u")), 0);
	ck_assert_msg(quick_bindings(&o, b, max, &n, err, sizeof(err)) == 0, "%s", err);
	return n;
}

START_TEST(test_quick_names)
{
	char names[QUICK_MAX_NAMES][BINDING_HOST_MAX];
	struct binding b[8];
	size_t n, k;

	n = bindings_of("https/*:8443:app.test,http/*:80:plain.test,https/*:9443:APP.test,"
	    "https/*:8443:*.w.test", b, 8);
	k = quick_names(b, n, names, QUICK_MAX_NAMES);
	ck_assert_uint_eq(k, 2);
	ck_assert_str_eq(names[0], "app.test");
	ck_assert_str_eq(names[1], "*.w.test");

	/* a blank host: localhost and the IP ("*": both loopbacks) */
	n = bindings_of("https/*:8443:", b, 8);
	k = quick_names(b, n, names, QUICK_MAX_NAMES);
	ck_assert_uint_eq(k, 3);
	ck_assert_str_eq(names[0], "localhost");
	ck_assert_str_eq(names[1], "127.0.0.1");
	ck_assert_str_eq(names[2], "::1");
	n = bindings_of("https/127.0.0.2:8443:,https/[::1]:8443:", b, 8);
	k = quick_names(b, n, names, QUICK_MAX_NAMES);
	ck_assert_uint_eq(k, 3);
	ck_assert_str_eq(names[1], "127.0.0.2");
	ck_assert_str_eq(names[2], "::1");

	/* no https: no certificate */
	n = bindings_of("http/*:8080:app.test", b, 8);
	ck_assert_uint_eq(quick_names(b, n, names, QUICK_MAX_NAMES), 0);
}
END_TEST

/* The INI of a command line, with a minted pair's paths. */
static char *
ini_of(const char *const *words, const struct quick_cert *c)
{
	struct binding b[QUICK_MAX_BINDINGS];
	struct quick_opts o;
	size_t n = 0;
	char *text;

	ck_assert_msg(qparse(&o, words) == 0, "%s", err);
	ck_assert_msg(quick_bindings(&o, b, QUICK_MAX_BINDINGS, &n, err, sizeof(err)) == 0,
	    "%s", err);
	text = quick_ini(&o, b, n, c, err, sizeof(err));
	return text;
}

static const struct quick_cert minted = { "/s/app.pem", "/s/app-key.pem", NULL, NULL };

#define INI_HEAD "; What `sysbind reverse-proxy` serves: save it and check it with\n" \
	"; `sysbind -t -c FILE`; `sysbind -c FILE` serves the same.\n"

START_TEST(test_quick_ini_iis7)
{
	char *text = ini_of(W("--from", "https/*:8443:app.test,https/*:8443:b.test",
	    "--from", "http/*:8080:app.test,https/127.0.0.1:9443:", "--to",
	    "http://127.0.0.1:3000"), &minted);
	struct conf *c;

	ck_assert_msg(text != NULL, "%s", err);
	ck_assert_str_eq(text, INI_HEAD
	    "[server]\nmode = iis7\n"
	    "\n[sslcert 0.0.0.0:8443]\ncertificate = /s/app.pem\nkey = /s/app-key.pem\n"
	    "\n[sslcert 0.0.0.0:9443]\ncertificate = /s/app.pem\nkey = /s/app-key.pem\n"
	    "\n[site reverse-proxy]\nid = 1\n"
	    "bindings = https/*:8443:app.test, https/*:8443:b.test, http/*:8080:app.test, "
	    "https/127.0.0.1:9443:\n"
	    "backend = http://127.0.0.1:3000\n");

	/* read back by the daemon's parser (certificates not loaded: none exist here) */
	c = conf_parse(text, QUICK_NAME, 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS7);
	ck_assert_uint_eq(c->nsslcerts, 2);
	ck_assert_str_eq(c->sslcerts[0].name, "0.0.0.0:8443");
	ck_assert_str_eq(c->sslcerts[0].certificate, "/s/app.pem");
	ck_assert_str_eq(c->sslcerts[0].key_file, "/s/app-key.pem");
	ck_assert_uint_eq(c->nsites, 1);
	ck_assert_str_eq(c->sites[0].name, "reverse-proxy");
	ck_assert_uint_eq(c->sites[0].nbindings, 4);
	ck_assert_str_eq(c->sites[0].backend_host, "127.0.0.1");
	ck_assert_str_eq(c->sites[0].backend_port, "3000");
	conf_free(c);
	free(text);
}
END_TEST

START_TEST(test_quick_ini_iis8)
{
	char *text = ini_of(W("--mode", "iis8", "--from", "https/*:8443:app.test,"
	    "https/*:8443:b.test,https/*:8443:*.w.test,https/*:8443:,https/*:8443:APP.test",
	    "--to", "http://[::1]:3000"), &minted);
	struct conf *c;

	ck_assert_msg(text != NULL, "%s", err);
	ck_assert_str_eq(text, INI_HEAD
	    "[server]\nmode = iis8\n"
	    "\n[sslcert app.test:8443]\ncertificate = /s/app.pem\nkey = /s/app-key.pem\n"
	    "\n[sslcert b.test:8443]\ncertificate = /s/app.pem\nkey = /s/app-key.pem\n"
	    "\n[sslcert 0.0.0.0:8443]\ncertificate = /s/app.pem\nkey = /s/app-key.pem\n"
	    "\n[site reverse-proxy]\nid = 1\n"
	    "bindings = https/*:8443:app.test, https/*:8443:b.test, https/*:8443:*.w.test, "
	    "https/*:8443:, https/*:8443:app.test\n"
	    "backend = http://[::1]:3000\n");
	/* the repeated binding is conf's to refuse, as in a file */
	c = conf_parse(text, QUICK_NAME, 0, err, sizeof(err));
	ck_assert_ptr_null(c);
	free(text);

	text = ini_of(W("--mode", "iis8", "--from", "https/*:8443:app.test", "--to",
	    "http://[::1]:3000"), &minted);
	c = conf_parse(text, QUICK_NAME, 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS8);
	ck_assert_uint_eq(c->nsslcerts, 1);
	ck_assert_int_eq(c->sslcerts[0].key.kind, SSLCERT_HOSTNAMEPORT);
	ck_assert_str_eq(c->sites[0].backend_host, "::1");
	conf_free(c);
	free(text);
}
END_TEST

START_TEST(test_quick_ini_pfx_and_http_only)
{
	static const struct quick_cert pfx = { NULL, NULL, "/c/site.pfx", "sysbind" };
	static const struct quick_cert none = { NULL, NULL, NULL, NULL };
	char *text = ini_of(W("--from", "https/*:443:a.test", "--to", "http://app:80"), &pfx);

	ck_assert_msg(text != NULL, "%s", err);
	ck_assert_str_eq(text, INI_HEAD
	    "[server]\nmode = iis7\n"
	    "\n[sslcert 0.0.0.0:443]\npfx = /c/site.pfx\npfx_password = sysbind\n"
	    "\n[site reverse-proxy]\nid = 1\nbindings = https/*:443:a.test\n"
	    "backend = http://app:80\n");
	free(text);

	text = ini_of(W("--from", "http/*:8080:", "--to", "http://127.0.0.1:1"), &none);
	ck_assert_str_eq(text, INI_HEAD
	    "[server]\nmode = iis7\n"
	    "\n[site reverse-proxy]\nid = 1\nbindings = http/*:8080:\n"
	    "backend = http://127.0.0.1:1\n");
	free(text);
}
END_TEST

/* What an INI line cannot hold is refused before it could change the meaning. */
START_TEST(test_quick_ini_values_refused)
{
	static const struct quick_cert semi = { NULL, NULL, "/c/x.pfx", "a ;b" };
	static const struct quick_cert blank = { "/c/x.pem ", NULL, NULL, NULL };

	ck_assert_ptr_null(ini_of(W("--from", "https/*:443:a", "--to", "http://a:1\n[x]"),
	    &minted));
	ck_assert_str_eq(err, "--to \"http://a:1\n[x]\" cannot be written in a configuration "
	    "file (a line break, blanks at an end, or \" ;\", which starts a comment)");
	ck_assert_ptr_null(ini_of(W("--from", "https/*:443:a", "--to", "http://a:1"), &semi));
	ck_assert_ptr_nonnull(strstr(err, "--pfx-password \"a ;b\" cannot be written"));
	ck_assert_ptr_null(ini_of(W("--from", "https/*:443:a", "--to", "http://a:1"), &blank));
	ck_assert_ptr_nonnull(strstr(err, "--cert \"/c/x.pem \" cannot be written"));
}
END_TEST

/* A bad --to reaches conf_parse and is judged there, with conf's own words. */
START_TEST(test_quick_ini_bad_backend)
{
	static const char *const bad[][2] = {
		{ "ftp://x", "reverse-proxy:13: backend \"ftp://x\" must be http://HOST:PORT" },
		{ "https://x:1", "reverse-proxy:13: backend \"https://x:1\": only http:// "
		  "backends are supported (sysbind terminates TLS and talks plain HTTP to the "
		  "backend)" },
		{ "http://x:0", "reverse-proxy:13: backend \"http://x:0\": port must be a number "
		  "from 1 to 65535" },
		{ "http://x:1/app", "reverse-proxy:13: backend \"http://x:1/app\": a backend is "
		  "http://HOST:PORT with no path (the request's path is forwarded unchanged)" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = ini_of(W("--from", "https/*:443:a.test", "--to", bad[i][0]),
		    &minted);
		struct conf *c;

		ck_assert_ptr_nonnull(text);
		c = conf_parse(text, QUICK_NAME, 0, err, sizeof(err));
		ck_assert_ptr_null(c);
		ck_assert_msg(strncmp(err, bad[i][1], strlen(bad[i][1])) == 0, "want %s\ngot %s",
		    bad[i][1], err);
		free(text);
	}
}
END_TEST

static Suite *
quick_suite(void)
{
	Suite *s = suite_create("quick");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_quick_parse_minimal);
	tcase_add_test(tc, test_quick_parse_errors);
	tcase_add_test(tc, test_quick_bindings_split);
	tcase_add_test(tc, test_quick_bindings_errors);
	tcase_add_test(tc, test_quick_names);
	tcase_add_test(tc, test_quick_ini_iis7);
	tcase_add_test(tc, test_quick_ini_iis8);
	tcase_add_test(tc, test_quick_ini_pfx_and_http_only);
	tcase_add_test(tc, test_quick_ini_values_refused);
	tcase_add_test(tc, test_quick_ini_bad_backend);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(quick_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
