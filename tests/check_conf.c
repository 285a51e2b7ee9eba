/*
 * check_conf — the conf module: the inih adapter (line numbers, indentation, comments,
 * long lines, syntax errors), every key's default and range, section rules, the
 * cross-section checks, IIS Manager's warnings, certificate loading, and the shipped
 * configurations.  Run from the repository root (the shipped files name conf/certs,
 * made here with scripts/mkcerts.sh --demo conf/certs when missing).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>

#include "model/conf.h"

#define ERRLEN 8192

static char err[ERRLEN];

/* The minimal valid tail: one http site. */
#define SITE_OK "[site A]\nid = 1\nbindings = http/*:8080:\n"

static struct conf *
parse(const char *text)
{
	err[0] = '\0';
	return conf_parse(text, "t.ini", 0, err, sizeof(err));
}

/* 1 when err holds exactly this line. */
static int
has_line(const char *all, const char *line)
{
	size_t n = strlen(line);
	const char *p = all;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == all || p[-1] == '\n') && (p[n] == '\0' || p[n] == '\n'))
			return 1;
		p++;
	}
	return 0;
}

static int
count_lines(const char *s)
{
	int n = *s != '\0';

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* text must fail and report this exact line among its errors. */
#define ck_error(text, line) do {                                              \
	struct conf *c_ = parse(text);                                          \
	ck_assert_msg(c_ == NULL, "accepted: %s", text);                        \
	ck_assert_msg(has_line(err, line), "want \"%s\"\ngot:\n%s", line, err); \
} while (0)

#define ck_ok(c) ck_assert_msg((c) != NULL, "rejected:\n%s", err)

START_TEST(test_conf_defaults)
{
	struct conf *c = parse(SITE_OK);

	ck_ok(c);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS7);
	ck_assert_int_eq(c->workers, 0);
	ck_assert_str_eq(c->access_log, "-");
	ck_assert_ptr_null(c->httperr_log);
	ck_assert_int_eq(c->trace, 0);
	ck_assert_ptr_null(c->cert_store);
	ck_assert_ptr_null(c->trust);
	ck_assert_ptr_null(c->trust_store);
	ck_assert_str_eq(c->server_header, "Microsoft-HTTPAPI/2.0");
	ck_assert_uint_eq(c->max_field_length, 16384);
	ck_assert_uint_eq(c->max_request_bytes, 16384);
	ck_assert_uint_eq(c->max_url_length, 16384);
	ck_assert_uint_eq(c->header_wait_timeout, 120);
	ck_assert_uint_eq(c->idle_connection_timeout, 120);
	ck_assert_uint_eq(c->entity_body_timeout, 120);
	ck_assert_uint_eq(c->handshake_timeout, 30);
	ck_assert_uint_eq(c->min_send_rate, 150);
	ck_assert_uint_eq(c->max_connections, 0);
	ck_assert_uint_eq(c->backend_connect_timeout, 5);
	ck_assert_uint_eq(c->backend_timeout, 120);
	ck_assert_ptr_null(c->user);
	ck_assert_ptr_null(c->pid_file);
	ck_assert_str_eq(c->path, "t.ini");
	ck_assert_uint_eq(c->nsites, 1);
	ck_assert_str_eq(c->sites[0].name, "A");
	ck_assert_int_eq(c->sites[0].id, 1);
	ck_assert_int_eq(c->sites[0].stopped, 0);
	ck_assert_ptr_null(c->sites[0].backend);
	ck_assert_uint_eq(c->nsslcerts, 0);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);
	/* an empty file is a valid (if useless) configuration */
	c = parse("");
	ck_ok(c);
	ck_assert_uint_eq(c->nsites, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_server_values)
{
	struct conf *c;

	err[0] = '\0';
	c = conf_parse("[server]\n"
	    "mode = iis8\n"
	    "workers = 4\n"
	    "access_log = logs/access.log\n"
	    "httperr_log = /var/log/httperr.log\n"
	    "trace = on\n"
	    "cert_store = certs/\n"
	    "trust = /etc/ssl/ca.pem\n"
	    "server_header =\n"
	    "max_field_length = 8000\n"
	    "max_request_bytes = 65536\n"
	    "max_url_length = 2048\n"
	    "header_wait_timeout = 10\n"
	    "idle_connection_timeout = 20\n"
	    "entity_body_timeout = 30\n"
	    "handshake_timeout = 7\n"
	    "min_send_rate = 0\n"
	    "max_connections = 1000\n"
	    "backend_connect_timeout = 3\n"
	    "backend_timeout = 60\n"
	    "user = nobody\n"
	    "pid_file = run/sysbind.pid\n"
	    SITE_OK, "etc/sysbind/x.ini", 0, err, sizeof(err));
	ck_ok(c);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS8);
	ck_assert_int_eq(c->workers, 4);
	ck_assert_str_eq(c->access_log, "etc/sysbind/logs/access.log");
	ck_assert_str_eq(c->httperr_log, "/var/log/httperr.log");
	ck_assert_int_eq(c->trace, 1);
	ck_assert_str_eq(c->cert_store, "etc/sysbind/certs/");
	ck_assert_str_eq(c->trust, "/etc/ssl/ca.pem");
	ck_assert_str_eq(c->server_header, "");
	ck_assert_uint_eq(c->max_field_length, 8000);
	ck_assert_uint_eq(c->max_request_bytes, 65536);
	ck_assert_uint_eq(c->max_url_length, 2048);
	ck_assert_uint_eq(c->header_wait_timeout, 10);
	ck_assert_uint_eq(c->idle_connection_timeout, 20);
	ck_assert_uint_eq(c->entity_body_timeout, 30);
	ck_assert_uint_eq(c->handshake_timeout, 7);
	ck_assert_uint_eq(c->min_send_rate, 0);
	ck_assert_uint_eq(c->max_connections, 1000);
	ck_assert_uint_eq(c->backend_connect_timeout, 3);
	ck_assert_uint_eq(c->backend_timeout, 60);
	ck_assert_str_eq(c->user, "nobody");
	ck_assert_str_eq(c->pid_file, "etc/sysbind/run/sysbind.pid");
	ck_assert_str_eq(conf_mode_name(c->mode), "iis8");
	ck_assert_str_eq(conf_mode_name(CONF_MODE_IIS7), "iis7");
	conf_free(c);

	c = parse("[server]\naccess_log = off\nhttperr_log = -\nworkers = auto\ntrace = off\n");
	ck_ok(c);
	ck_assert_ptr_null(c->access_log);
	ck_assert_str_eq(c->httperr_log, "-");
	ck_assert_int_eq(c->workers, 0);
	conf_free(c);

	/* a file in the root directory, and one named without a directory */
	err[0] = '\0';
	c = conf_parse("[server]\ncert_store = certs\n", "/x.ini", 0, err, sizeof(err));
	ck_ok(c);
	ck_assert_str_eq(c->cert_store, "/certs");
	conf_free(c);
	c = parse("[server]\ncert_store = certs\n");
	ck_ok(c);
	ck_assert_str_eq(c->cert_store, "certs");
	conf_free(c);
}
END_TEST

START_TEST(test_conf_server_bad_values)
{
	ck_error("[server]\nmode = iis9\n", "t.ini:2: mode must be iis7 or iis8, not \"iis9\"");
	ck_error("[server]\nmode = IIS8\n", "t.ini:2: mode must be iis7 or iis8, not \"IIS8\"");
	ck_error("[server]\nworkers = 0\n",
	    "t.ini:2: workers must be auto or a number from 1 to 64, not \"0\"");
	ck_error("[server]\nworkers = 65\n",
	    "t.ini:2: workers must be auto or a number from 1 to 64, not \"65\"");
	ck_error("[server]\ntrace = yes\n", "t.ini:2: trace must be on or off, not \"yes\"");
	ck_error("[server]\naccess_log =\n", "t.ini:2: access_log must be a path, - (stdout) or off");
	ck_error("[server]\ncert_store =\n", "t.ini:2: cert_store needs a value (a directory)");
	ck_error("[server]\nuser =\n", "t.ini:2: user needs a value (a user name)");
}
END_TEST

START_TEST(test_conf_number_ranges)
{
	static const struct { const char *key; unsigned long min, max; } r[] = {
		{ "max_field_length", 64, 65534 },
		{ "max_request_bytes", 256, 16777216 },
		{ "max_url_length", 64, 65534 },
		{ "header_wait_timeout", 1, 65535 },
		{ "idle_connection_timeout", 1, 65535 },
		{ "entity_body_timeout", 1, 65535 },
		{ "handshake_timeout", 1, 65535 },
		{ "min_send_rate", 0, 4294967295UL },
		{ "max_connections", 0, 4294967295UL },
		{ "backend_connect_timeout", 1, 65535 },
		{ "backend_timeout", 1, 65535 },
	};
	char text[256], want[256];
	size_t i;
	struct conf *c;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		/* both ends are accepted */
		snprintf(text, sizeof(text), "[server]\n%s = %lu\n", r[i].key, r[i].min);
		c = parse(text);
		ck_ok(c);
		conf_free(c);
		snprintf(text, sizeof(text), "[server]\n%s = %lu\n", r[i].key, r[i].max);
		c = parse(text);
		ck_ok(c);
		conf_free(c);
		/* one past the top, below the bottom, and anything not decimal, are refused
		 * with the range in the message */
		snprintf(text, sizeof(text), "; comment\n[server]\n%s = %lu\n", r[i].key,
		    r[i].max + 1);
		snprintf(want, sizeof(want), "t.ini:3: %s must be a number from %lu to %lu, not "
		    "\"%lu\"", r[i].key, r[i].min, r[i].max, r[i].max + 1);
		ck_error(text, want);
		if (r[i].min > 0) {
			snprintf(text, sizeof(text), "[server]\n%s = %lu\n", r[i].key, r[i].min - 1);
			snprintf(want, sizeof(want), "t.ini:2: %s must be a number from %lu to %lu, "
			    "not \"%lu\"", r[i].key, r[i].min, r[i].max, r[i].min - 1);
			ck_error(text, want);
		}
		snprintf(text, sizeof(text), "[server]\n%s = 0x10\n", r[i].key);
		snprintf(want, sizeof(want), "t.ini:2: %s must be a number from %lu to %lu, not "
		    "\"0x10\"", r[i].key, r[i].min, r[i].max);
		ck_error(text, want);
	}
	ck_error("[server]\nmax_connections = -1\n",
	    "t.ini:2: max_connections must be a number from 0 to 4294967295, not \"-1\"");
	ck_error("[server]\nmin_send_rate = 99999999999999999999999\n",
	    "t.ini:2: min_send_rate must be a number from 0 to 4294967295, not "
	    "\"99999999999999999999999\"");
	ck_error("[server]\nbackend_timeout = 1.5\n",
	    "t.ini:2: backend_timeout must be a number from 1 to 65535, not \"1.5\"");
	ck_error("[server]\nbackend_timeout =\n",
	    "t.ini:2: backend_timeout must be a number from 1 to 65535, not \"\"");
}
END_TEST

START_TEST(test_conf_request_bytes_lowers_field_length)
{
	struct conf *c = parse("[server]\nmax_request_bytes = 4096\n");

	ck_ok(c);
	ck_assert_uint_eq(c->max_request_bytes, 4096);
	ck_assert_uint_eq(c->max_field_length, 4096);
	conf_free(c);
	/* order in the file does not matter */
	c = parse("[server]\nmax_request_bytes = 1000\nmax_field_length = 2000\n");
	ck_ok(c);
	ck_assert_uint_eq(c->max_field_length, 1000);
	conf_free(c);
	c = parse("[server]\nmax_request_bytes = 100000\nmax_field_length = 2000\n");
	ck_ok(c);
	ck_assert_uint_eq(c->max_field_length, 2000);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_unknown_and_duplicate_keys)
{
	ck_error("[server]\nmode = iis7\n\n[site MySite V1]\nid = 1\nbindings = http/*:80:\n"
	    "backnd = http://127.0.0.1:8081\n",
	    "t.ini:7: unknown key \"backnd\" in [site MySite V1]");
	ck_error("[server]\nmodes = iis7\n", "t.ini:2: unknown key \"modes\" in [server]");
	ck_error("[server]\nMode = iis7\n", "t.ini:2: unknown key \"Mode\" in [server]");
	ck_error("[server]\nmode = iis7\ntrace = on\nmode = iis8\n",
	    "t.ini:4: duplicate key \"mode\" in [server] (first at line 2)");
	ck_error("[site MySite V1]\nid = 1\nbindings = http/*:80:\nid = 2\n",
	    "t.ini:4: duplicate key \"id\" in [site MySite V1] (first at line 2)");
	ck_error("[sslcert 0.0.0.0:443]\ncertificate = a.pem\nappid = {4dc3e181-e14b-4a21-b022-"
	    "59fc669b0914}\ncertificate = b.pem\n",
	    "t.ini:4: duplicate key \"certificate\" in [sslcert 0.0.0.0:443] (first at line 2)");
	ck_error("[server]\n= iis7\n", "t.ini:2: missing key name before \"=\"");
}
END_TEST

START_TEST(test_conf_sections)
{
	struct conf *c;

	ck_error("[server]\n[frontend]\nport = 80\n[site A]\nid = 1\nbindings = http/*:80:\n",
	    "t.ini:2: unknown section [frontend]: expected [server], [sslcert KEY], "
	    "[site NAME] or [location SITE/PATH]");
	/* the keys of an unknown section are not blamed one by one */
	c = parse("[frontend]\nport = 80\n");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(count_lines(err), 1);
	/* sections without keys still count: empty and duplicate sections are seen */
	ck_error("[server]\n[server]\n", "t.ini:2: duplicate section [server] (first at line 1)");
	ck_error("[server]\nmode = iis7\n[server]\n",
	    "t.ini:3: duplicate section [server] (first at line 1)");
	ck_error(SITE_OK "[site A]\n", "t.ini:4: duplicate section [site A] (first at line 1)");
	ck_error(SITE_OK "[site a]\nid = 2\nbindings = http/*:81:\n",
	    "t.ini:4: duplicate section [site a] (first at line 1)");
	ck_error("[site]\n", "t.ini:1: [site] needs a name: [site NAME]");
	ck_error("[server main]\n", "t.ini:1: [server main]: the server section takes no name: "
	    "[server]");
	ck_error("[sslcert]\n", "t.ini:1: [sslcert] needs a key: [sslcert 0.0.0.0:443] "
	    "(ipport), [sslcert name:443] (hostnameport) or [sslcert ccs:443]");
	ck_error("[sslcert *:443]\n", "t.ini:1: sslcert \"*:443\": netsh has no \"*\"; use "
	    "0.0.0.0:443 (all IPv4 and IPv6 addresses) or [::]:443 (IPv6 only)");
	/* sslcert keys are compared as addresses, not as text */
	ck_error("[server]\nmode = iis8\n"
	    "[sslcert [::]:443]\ncertificate = a.pem\n"
	    "[sslcert [0:0::0]:443]\ncertificate = b.pem\n",
	    "t.ini:5: duplicate section [sslcert [0:0::0]:443]: the same certificate binding "
	    "as [sslcert [::]:443] (line 3)");
	ck_error("[server]\nmode = iis8\n"
	    "[sslcert Site.Example.com:443]\ncertificate = a.pem\n"
	    "[sslcert site.example.com:443]\ncertificate = b.pem\n",
	    "t.ini:5: duplicate section [sslcert site.example.com:443]: the same certificate "
	    "binding as [sslcert Site.Example.com:443] (line 3)");
	/* a site name may hold spaces; the name is kept as written */
	c = parse("[site  MySite V1 ]\nid = 1\nbindings = http/*:80:\n");
	ck_ok(c);
	ck_assert_str_eq(c->sites[0].name, "MySite V1");
	conf_free(c);
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\n[site B] extra\n",
	    "t.ini:4: unexpected text \"extra\" after the section header");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\n[site B] extra ; comment\n",
	    "t.ini:4: unexpected text \"extra\" after the section header");
	/* a comment after a header is fine, even one holding brackets */
	c = parse("[site A] ; the first site [really]\nid = 1\nbindings = http/*:80:\n"
	    "[sslcert [::]:443]   ; all IPv6 addresses\ncertificate = a.pem\n");
	ck_ok(c);
	ck_assert_str_eq(c->sites[0].name, "A");
	ck_assert_str_eq(c->sslcerts[0].name, "[::]:443");
	ck_assert_int_eq(c->sslcerts[0].key.addr.family, AF_INET6);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_syntax_errors)
{
	struct conf *c;

	ck_error("[server]\nmode iis7\n", "t.ini:2: syntax error: \"mode iis7\" is not key = "
	    "value, a [section] or a ; comment");
	ck_error("[server\nmode = iis7\n", "t.ini:1: section header without a closing \"]\"");
	ck_error("mode = iis7\n[server]\n", "t.ini:1: key \"mode\" outside any section: it "
	    "belongs under [server], [sslcert KEY], [site NAME] or [location SITE/PATH]");
	/* the separator must come before an inline comment */
	ck_error("[server]\nmode ; = iis7\n", "t.ini:2: syntax error: \"mode ; = iis7\" is not "
	    "key = value, a [section] or a ; comment");
	/* every one, not only the first (inih itself reports only the first) */
	c = parse("[server]\nbad one\nmode = iis7\nbad two\n\nbad three\n");
	ck_assert_ptr_null(c);
	ck_assert_int_eq(count_lines(err), 3);
	ck_assert(has_line(err, "t.ini:2: syntax error: \"bad one\" is not key = value, a "
	    "[section] or a ; comment"));
	ck_assert(has_line(err, "t.ini:4: syntax error: \"bad two\" is not key = value, a "
	    "[section] or a ; comment"));
	ck_assert(has_line(err, "t.ini:6: syntax error: \"bad three\" is not key = value, a "
	    "[section] or a ; comment"));
	/* inih's "key: value" form is kept */
	c = parse("[server]\nmode: iis8\n");
	ck_ok(c);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS8);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_indented_keys_and_comments)
{
	struct conf *c = parse(
	    "; a comment\n"
	    "# another comment\n"
	    "   ; an indented comment\n"
	    "[server]\n"
	    "mode = iis7\n"
	    "    trace = on           ; indented: a key, not a continuation of mode\n"
	    "\tserver_header = a;b    ; ';' inside a value stays\n"
	    "  [site MySite V1]\n"
	    "  id = 7\n"
	    "  bindings = http/*:80:a.example.com ,http/*:80:b.example.com\r\n"
	    "\n");

	ck_ok(c);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS7);
	ck_assert_int_eq(c->trace, 1);
	ck_assert_str_eq(c->server_header, "a;b");
	ck_assert_uint_eq(c->nsites, 1);
	ck_assert_int_eq(c->sites[0].id, 7);
	ck_assert_int_eq(c->sites[0].line, 8);
	ck_assert_uint_eq(c->sites[0].nbindings, 2);
	ck_assert_str_eq(c->sites[0].bindings[1].host, "b.example.com");
	conf_free(c);

	/* an indented unknown key after a key is reported on its own line */
	ck_error("[server]\nmode = iis7\n   mod = iis8\n",
	    "t.ini:3: unknown key \"mod\" in [server]");
	/* a UTF-8 byte order mark is skipped; CRLF line ends are fine */
	c = parse("\xEF\xBB\xBF[server]\r\nmode = iis8\r\n");
	ck_ok(c);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS8);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_long_line)
{
	char text[1024], want[128], pad[300];
	struct conf *c;

	memset(pad, 'x', 250);
	pad[250] = '\0';
	/* inih would cut this line in two and read its tail as a key */
	snprintf(text, sizeof(text), "[server]\nserver_header = %s\nmode = iis8\n", pad);
	c = parse(text);
	ck_assert_ptr_null(c);
	snprintf(want, sizeof(want), "t.ini:2: line too long (%zu characters, at most 199)",
	    strlen("server_header = ") + 250);
	ck_assert_msg(has_line(err, want), "got %s", err);
	ck_assert_int_eq(count_lines(err), 1);
	/* 199 characters fit */
	memset(pad, 'y', 199 - strlen("server_header = "));
	pad[199 - strlen("server_header = ")] = '\0';
	snprintf(text, sizeof(text), "[server]\nserver_header = %s\n", pad);
	c = parse(text);
	ck_ok(c);
	ck_assert_str_eq(c->server_header, pad);
	conf_free(c);
	/* a long comment line is too long as well, and counted as one line */
	memset(pad, ';', 260);
	pad[260] = '\0';
	snprintf(text, sizeof(text), "%s\n[server]\nmodes = 1\n", pad);
	c = parse(text);
	ck_assert_ptr_null(c);
	ck_assert(has_line(err, "t.ini:1: line too long (260 characters, at most 199)"));
	ck_assert(has_line(err, "t.ini:3: unknown key \"modes\" in [server]"));
}
END_TEST

START_TEST(test_conf_all_errors_in_one_run)
{
	struct conf *c = parse(
	    "[server]\n"                                 /* 1 */
	    "mode = iis9\n"                              /* 2 */
	    "workers = lots\n"                           /* 3 */
	    "[site MySite V1]\n"                         /* 4 */
	    "id = 0\n"                                   /* 5 */
	    "bindings = https/*:443:sitev1.mysite.com\n" /* 6 */
	    "backnd = http://127.0.0.1:8081\n"           /* 7 */
	    "[site MySite V2]\n"                         /* 8 */
	    "state = paused\n");                         /* 9 */

	ck_assert_ptr_null(c);
	ck_assert_str_eq(err,
	    "t.ini:2: mode must be iis7 or iis8, not \"iis9\"\n"
	    "t.ini:3: workers must be auto or a number from 1 to 64, not \"lots\"\n"
	    "t.ini:5: id must be a number from 1 to 4294967295, not \"0\"\n"
	    "t.ini:7: unknown key \"backnd\" in [site MySite V1]\n"
	    "t.ini:8: [site MySite V2] needs id\n"
	    "t.ini:8: [site MySite V2] needs bindings\n"
	    "t.ini:9: state must be started or stopped, not \"paused\"");
}
END_TEST

START_TEST(test_conf_error_truncation)
{
	char text[4096], small[200];
	size_t off = 0;
	int i;
	struct conf *c;

	off += (size_t)snprintf(text + off, sizeof(text) - off, "[server]\n");
	for (i = 0; i < 50; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "bad%d = 1\n", i);
	c = conf_parse(text, "t.ini", 0, small, sizeof(small));
	ck_assert_ptr_null(c);
	ck_assert_uint_lt(strlen(small), sizeof(small));
	ck_assert(strncmp(small, "t.ini:2: unknown key \"bad0\" in [server]\n", 40) == 0);
	ck_assert_msg(strstr(small, "\n... and ") != NULL, "%s", small);
	ck_assert(strcmp(small + strlen(small) - 5, " more") == 0);
	/* every line shown is whole */
	{
		int shown = count_lines(small) - 1, more;
		const char *tail = strstr(small, "... and ");

		ck_assert_int_eq(sscanf(tail, "... and %d more", &more), 1);
		ck_assert_int_eq(shown + more, 50);
	}
}
END_TEST

#define GUID "{4dc3e181-e14b-4a21-b022-59fc669b0914}"

START_TEST(test_conf_sslcert_rules)
{
	struct conf *c;
	struct sslcert_key k;
	char kerr[256];

	c = parse("[sslcert 0.0.0.0:443]\ncertificate = a.pem\nkey = a.key\nappid = "
	    "{4DC3E181-E14B-4A21-B022-59FC669B0914}\n"
	    "[sslcert 127.0.0.1:443]\npfx = a.pfx\npfx_password = secret\ncertstorename = "
	    "WebHosting\n");
	ck_ok(c);
	ck_assert_uint_eq(c->nsslcerts, 2);
	ck_assert_str_eq(c->sslcerts[0].name, "0.0.0.0:443");
	ck_assert_int_eq(c->sslcerts[0].key.kind, SSLCERT_IPPORT);
	ck_assert_uint_eq(c->sslcerts[0].key.port, 443);
	ck_assert_str_eq(c->sslcerts[0].certificate, "a.pem");
	ck_assert_str_eq(c->sslcerts[0].key_file, "a.key");
	/* unset, as after a netsh add without it: show sslcert prints (null) */
	ck_assert_ptr_null(c->sslcerts[0].certstorename);
	ck_assert_str_eq(c->sslcerts[0].appid, "{4DC3E181-E14B-4A21-B022-59FC669B0914}");
	ck_assert_ptr_null(c->sslcerts[0].cert);
	ck_assert_int_eq(c->sslcerts[0].line, 1);
	ck_assert_str_eq(c->sslcerts[1].pfx, "a.pfx");
	ck_assert_str_eq(c->sslcerts[1].pfx_password, "secret");
	ck_assert_str_eq(c->sslcerts[1].certstorename, "WebHosting");
	ck_assert_ptr_null(c->sslcerts[1].appid);
	/* conf_find_sslcert compares keys as addresses */
	ck_assert_int_eq(binding_sslkey_parse("127.0.0.1:443", &k, kerr, sizeof(kerr)), 0);
	ck_assert_ptr_eq(conf_find_sslcert(c, &k), &c->sslcerts[1]);
	ck_assert_int_eq(binding_sslkey_parse("127.0.0.2:443", &k, kerr, sizeof(kerr)), 0);
	ck_assert_ptr_null(conf_find_sslcert(c, &k));
	conf_free(c);

	ck_error("[sslcert 0.0.0.0:443]\nappid = " GUID "\n",
	    "t.ini:1: [sslcert 0.0.0.0:443] needs one of certificate, pfx or certhash");
	ck_error("[server]\ncert_store = s\n[sslcert 0.0.0.0:443]\ncertificate = a.pem\n"
	    "certhash = 5e537858f558b101c877dd9a442344dd7f110794\n",
	    "t.ini:5: [sslcert 0.0.0.0:443] has both certificate (line 4) and certhash: use "
	    "exactly one of certificate, pfx or certhash");
	ck_error("[sslcert 0.0.0.0:443]\npfx = a.pfx\nkey = a.key\n",
	    "t.ini:3: key is only used with certificate (a PEM chain) in [sslcert 0.0.0.0:443]");
	ck_error("[sslcert 0.0.0.0:443]\ncertificate = a.pem\npfx_password = x\n",
	    "t.ini:3: pfx_password is only used with pfx or certhash in [sslcert 0.0.0.0:443]");
	ck_error("[sslcert 0.0.0.0:443]\ncertificate = a.pem\nappid = 4dc3e181-e14b-4a21-b022-"
	    "59fc669b0914\n", "t.ini:3: appid must be a GUID in braces, e.g. " GUID ", not "
	    "\"4dc3e181-e14b-4a21-b022-59fc669b0914\"");
	ck_error("[sslcert 0.0.0.0:443]\ncertificate = a.pem\nappid = {4dc3e181-e14b-4a21-b022-"
	    "59fc669b091g}\n", "t.ini:3: appid must be a GUID in braces, e.g. " GUID ", not "
	    "\"{4dc3e181-e14b-4a21-b022-59fc669b091g}\"");
	ck_error("[sslcert 0.0.0.0:443]\ncertificate =\n",
	    "t.ini:2: certificate needs a value (a path)");
	ck_error("[sslcert 0.0.0.0:443]\ncertificate = a.pem\ndirectory = ccs\n",
	    "t.ini:3: unknown key \"directory\" in [sslcert 0.0.0.0:443]");
	/* certhash: a thumbprint, looked up in [server] cert_store, which may come later */
	ck_error("[sslcert 0.0.0.0:443]\ncerthash = 5e53\n", "t.ini:2: certhash must be a SHA-1 "
	    "thumbprint of 40 hex digits, not \"5e53\"");
	/* without cert_store the entry is valid: its certificate is not available (a warning
	 * when the certificates are loaded, see test_conf_certificate_unavailable) */
	c = parse("[sslcert 0.0.0.0:443]\ncerthash = 5e537858f558b101c877dd9a442344dd7f110794\n");
	ck_ok(c);
	conf_free(c);
	c = parse("[sslcert 0.0.0.0:443]\ncerthash = 5e 53 78 58 f5 58 b1 01 c8 77 dd 9a 44 23 "
	    "44 dd 7f 11 07 94\npfx_password = sysbind\n[server]\ncert_store = store\n");
	ck_ok(c);
	ck_assert_str_eq(c->sslcerts[0].certhash,
	    "5e 53 78 58 f5 58 b1 01 c8 77 dd 9a 44 23 44 dd 7f 11 07 94");
	conf_free(c);
}
END_TEST

START_TEST(test_conf_ccs_rules)
{
	struct conf *c;

	c = parse("[sslcert ccs:8443]\ndirectory = ccs\npassword = ccs-secret\nappid = " GUID "\n"
	    "[server]\nmode = iis8\n");
	ck_ok(c);
	ck_assert_int_eq(c->sslcerts[0].key.kind, SSLCERT_CCS);
	ck_assert_uint_eq(c->sslcerts[0].key.port, 8443);
	ck_assert_str_eq(c->sslcerts[0].directory, "ccs");
	ck_assert_str_eq(c->sslcerts[0].password, "ccs-secret");
	conf_free(c);
	ck_error("[server]\nmode = iis8\n[sslcert ccs:8443]\npassword = x\n",
	    "t.ini:3: [sslcert ccs:8443] needs directory (the Central Certificate Store's folder "
	    "of <host>.pfx files)");
	ck_error("[server]\nmode = iis8\n[sslcert ccs:8443]\ndirectory = d\ncertificate = a.pem\n",
	    "t.ini:5: unknown key \"certificate\" in [sslcert ccs:8443]");
}
END_TEST

START_TEST(test_conf_mode_checked_at_end)
{
	struct conf *c;

	/* mode = iis8 after the sections that need it */
	c = parse("[sslcert sitev2.mysite.com:443]\ncertificate = a.pem\n"
	    "[sslcert ccs:443]\ndirectory = d\n"
	    "[server]\nmode = iis8\n");
	ck_ok(c);
	ck_assert_int_eq(c->sslcerts[0].key.kind, SSLCERT_HOSTNAMEPORT);
	ck_assert_str_eq(c->sslcerts[0].key.host, "sitev2.mysite.com");
	conf_free(c);

	/* the same in iis7 mode (the default): both refused at their headers */
	c = parse("[sslcert sitev2.mysite.com:443]\ncertificate = a.pem\n"
	    "[sslcert ccs:443]\ndirectory = d\n"
	    "[server]\nmode = iis7\n");
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err,
	    "t.ini:1: [sslcert sitev2.mysite.com:443] is a hostnameport binding: it needs mode "
	    "= iis8\n"
	    "t.ini:3: [sslcert ccs:443] is a ccs binding: it needs mode = iis8");
}
END_TEST

START_TEST(test_conf_site_rules)
{
	struct conf *c;

	c = parse("[site MySite V1]\nid = 1\nbindings = https/*:443:SiteV1.mysite.com ,  "
	    "http/127.0.0.1:80:sitev1.mysite.com,https/[::1]:8443:\n"
	    "backend = http://127.0.0.1:8081/\nstate = stopped\n"
	    "[site B]\nid = 2\nbindings = http/*:81:\nbackend = http://[::1]:9000\n"
	    "[site C]\nid = 3\nbindings = http/*:82:\nbackend = http://backend.local\n"
	    "[site D]\nid = 4\nbindings = http/*:83:\nstate = started\n");
	ck_ok(c);
	ck_assert_uint_eq(c->nsites, 4);
	ck_assert_uint_eq(c->sites[0].nbindings, 3);
	ck_assert_int_eq(c->sites[0].bindings[0].proto, BINDING_HTTPS);
	ck_assert_int_eq(c->sites[0].bindings[0].addr.family, AF_UNSPEC);
	ck_assert_uint_eq(c->sites[0].bindings[0].port, 443);
	ck_assert_str_eq(c->sites[0].bindings[0].host, "sitev1.mysite.com");
	ck_assert_int_eq(c->sites[0].bindings[1].proto, BINDING_HTTP);
	ck_assert_int_eq(c->sites[0].bindings[1].addr.family, AF_INET);
	ck_assert_int_eq(c->sites[0].bindings[2].addr.family, AF_INET6);
	ck_assert_str_eq(c->sites[0].bindings[2].host, "");
	ck_assert_str_eq(c->sites[0].backend, "http://127.0.0.1:8081/");
	ck_assert_str_eq(c->sites[0].backend_host, "127.0.0.1");
	ck_assert_str_eq(c->sites[0].backend_port, "8081");
	ck_assert_int_eq(c->sites[0].stopped, 1);
	ck_assert_str_eq(c->sites[1].backend_host, "::1");
	ck_assert_str_eq(c->sites[1].backend_port, "9000");
	ck_assert_str_eq(c->sites[2].backend_host, "backend.local");
	ck_assert_str_eq(c->sites[2].backend_port, "80");
	ck_assert_int_eq(c->sites[3].stopped, 0);
	conf_free(c);

	ck_error("[site A]\nbindings = http/*:80:\n", "t.ini:1: [site A] needs id");
	ck_error("[site A]\nid = 1\n", "t.ini:1: [site A] needs bindings");
	ck_error("[site A]\nid = -3\nbindings = http/*:80:\n",
	    "t.ini:2: id must be a number from 1 to 4294967295, not \"-3\"");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\n[site B]\nid = 1\nbindings = "
	    "http/*:81:\n", "t.ini:5: id 1 of [site B] is already used by [site A] (line 2)");
	ck_error("[site A]\nid = 1\nbindings = https/*:99999:x\n",
	    "t.ini:3: binding \"https/*:99999:x\": port must be 1-65535");
	ck_error("[site A]\nid = 1\nbindings = ftp/*:21:\n",
	    "t.ini:3: binding \"ftp/*:21:\": protocol must be http or https");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:a, , http/*:80:b\n",
	    "t.ini:3: empty binding in the list (bindings are separated by commas: "
	    "https/*:443:host, http/*:80:host)");
	ck_error("[site A]\nid = 1\nbindings =\n",
	    "t.ini:3: bindings needs a value: protocol/IP:Port:Host, ...");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = https://127.0.0.1:8443\n",
	    "t.ini:4: backend \"https://127.0.0.1:8443\": only http:// backends are supported "
	    "(sysbind terminates TLS and talks plain HTTP to the backend)");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = 127.0.0.1:8081\n",
	    "t.ini:4: backend \"127.0.0.1:8081\" must be http://HOST:PORT");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = http://127.0.0.1:8081/app\n",
	    "t.ini:4: backend \"http://127.0.0.1:8081/app\": a backend is http://HOST:PORT with "
	    "no path (the request's path is forwarded unchanged)");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = http://127.0.0.1:0\n",
	    "t.ini:4: backend \"http://127.0.0.1:0\": port must be a number from 1 to 65535");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = http://300.1.1.1:80\n",
	    "t.ini:4: backend \"http://300.1.1.1:80\": \"300.1.1.1\" is not an IPv4 address");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = http://[::g]:80\n",
	    "t.ini:4: backend \"http://[::g]:80\": \"::g\" is not an IPv6 address");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = http://us er@x:80\n",
	    "t.ini:4: backend \"http://us er@x:80\": \"us er@x\" is not a host name, IPv4 "
	    "address or [IPv6] address");
	ck_error("[site A]\nid = 1\nbindings = http/*:80:\nbackend = http://:80\n",
	    "t.ini:4: backend \"http://:80\" has no host: use http://HOST:PORT");
}
END_TEST

START_TEST(test_conf_duplicate_bindings)
{
	/* in two started sites: IIS starts only the first */
	ck_error("[site MySite V1]\nid = 1\nbindings = https/*:443:sitev1.mysite.com\n"
	    "[site MySite V2]\nid = 2\nbindings = https/*:443:sitev2.mysite.com, "
	    "https/*:443:SITEV1.mysite.com\n",
	    "t.ini:6: binding https/*:443:sitev1.mysite.com of [site MySite V2] is already used "
	    "by [site MySite V1] (line 3): IIS starts only the first of two sites with the same "
	    "binding (give the second state = stopped, as IIS leaves it)");
	/* the line named is the binding's own, whichever bindings line holds it */
	ck_error("[site A]\nid = 1\nbindings = http/*:80:a\nbindings = http/*:80:b\n"
	    "[site B]\nid = 2\nbindings = http/*:80:c\nbindings = http/*:80:b\n",
	    "t.ini:8: binding http/*:80:b of [site B] is already used by [site A] (line 4): IIS "
	    "starts only the first of two sites with the same binding (give the second state = "
	    "stopped, as IIS leaves it)");
	/* a stopped site may keep it, before or after the started one */
	{
		struct conf *c = parse("[site A]\nid = 1\nbindings = http/*:80:a\n"
		    "[site B]\nid = 2\nbindings = http/*:80:a\nstate = stopped\n"
		    "[site C]\nid = 3\nstate = stopped\nbindings = http/*:81:x\n"
		    "[site D]\nid = 4\nbindings = http/*:81:x\n");

		ck_ok(c);
		conf_free(c);
	}
	/* two started sites after a stopped one still clash */
	ck_error("[site C]\nid = 3\nstate = stopped\nbindings = http/*:81:x\n"
	    "[site D]\nid = 4\nbindings = http/*:81:x\n[site E]\nid = 5\nbindings = http/*:81:x\n",
	    "t.ini:10: binding http/*:81:x of [site E] is already used by [site D] (line 7): IIS "
	    "starts only the first of two sites with the same binding (give the second state = "
	    "stopped, as IIS leaves it)");
	/* in one site */
	ck_error("[site A]\nid = 1\nbindings = http/127.0.0.1:80:, http/127.0.0.1:80:\n",
	    "t.ini:3: binding http/127.0.0.1:80: appears twice in [site A]");
	/* the same host on * and on an exact address are different bindings */
	{
		struct conf *c = parse("[site A]\nid = 1\nbindings = http/*:80:a\n"
		    "[site B]\nid = 2\nbindings = http/127.0.0.1:80:a, http/*:80:b\n");

		ck_ok(c);
		conf_free(c);
	}
}
END_TEST

START_TEST(test_conf_port_clash)
{
	ck_error("[site A]\nid = 1\nbindings = https/*:8443:a\n"
	    "[site B]\nid = 2\nbindings = http/127.0.0.1:8443:b\n",
	    "t.ini:6: port 8443 is used by both http and https bindings (https in [site A], "
	    "http in [site B]): a port speaks one protocol");
	ck_error("[site A]\nid = 1\nbindings = http/*:8080:a, https/*:8080:a\n",
	    "t.ini:3: port 8080 is used by both http and https bindings (http in [site A], "
	    "https in [site A]): a port speaks one protocol");
	/* reported once per port */
	{
		struct conf *c = parse("[site A]\nid = 1\nbindings = http/*:80:a, https/*:80:b, "
		    "https/*:80:c\n");

		ck_assert_ptr_null(c);
		ck_assert_int_eq(count_lines(err), 1);
	}
}
END_TEST

#define NODEFAULT_TEXT "No default SSL site has been created. To support browsers " \
	"without SNI capabilities, it is recommended to create a default SSL site."

/* Sites sharing one HTTPS binding are no warning of every load (binding_shares, and the
 * notes of check and the edits, say it where IIS Manager would). */
START_TEST(test_conf_shared_binding_is_not_a_warning)
{
	struct conf *c = parse("[sslcert 0.0.0.0:8443]\ncertificate = a.pem\n"
	    "[site MySite V1]\nid = 1\nbindings = https/127.0.0.1:8443:sitev1.mysite.com\n"
	    "[site MySite V2]\nid = 2\nbindings = https/*:8443:sitev2.mysite.com\n");

	ck_ok(c);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_warning_no_default_ssl)
{
	struct conf *c = parse("[server]\nmode = iis8\n"
	    "[sslcert sitev1.mysite.com:8443]\ncertificate = a.pem\n"
	    "[site MySite V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n"
	    "[site MySite V2]\nid = 2\nbindings = https/*:8443:sitev2.mysite.com, "
	    "https/*:9443:sitev2.mysite.com\n");

	ck_ok(c);
	ck_assert_uint_eq(c->nwarnings, 2);
	ck_assert_str_eq(c->warnings[0], "t.ini:7: warning: " NODEFAULT_TEXT " (https port 8443 "
	    "has no ipport entry such as [sslcert 0.0.0.0:8443]: clients without SNI get no "
	    "certificate)");
	ck_assert_str_eq(c->warnings[1], "t.ini:10: warning: " NODEFAULT_TEXT " (https port 9443 "
	    "has no ipport entry such as [sslcert 0.0.0.0:9443]: clients without SNI get no "
	    "certificate)");
	conf_free(c);

	/* with the fallback entry: none */
	c = parse("[server]\nmode = iis8\n"
	    "[sslcert sitev1.mysite.com:8443]\ncertificate = a.pem\n"
	    "[sslcert 0.0.0.0:8443]\ncertificate = b.pem\n"
	    "[site MySite V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n");
	ck_ok(c);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);

	/* iis7: no SNI, so no such warning (the handshake simply fails) */
	c = parse("[site MySite V1]\nid = 1\nbindings = https/*:8443:sitev1.mysite.com\n");
	ck_ok(c);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);
}
END_TEST

/* ---- loading certificates and the shipped files ---- */

static void
certs_setup(void)
{
	if (access("conf/certs/ca.pem", R_OK) != 0 || access("conf/certs/store", R_OK) != 0 ||
	    access("conf/certs/clientca.crl", R_OK) != 0)
		ck_assert_int_eq(system("scripts/mkcerts.sh --demo conf/certs >/dev/null"), 0);
}

static struct conf *
load(const char *path)
{
	err[0] = '\0';
	return conf_load(path, CONF_LOAD_CERTS, err, sizeof(err));
}

START_TEST(test_conf_load_sysbind_ini)
{
	struct conf *c = load("conf/sysbind.ini");

	ck_ok(c);
	ck_assert_str_eq(c->path, "conf/sysbind.ini");
	ck_assert_int_eq(c->mode, CONF_MODE_IIS7);
	ck_assert_str_eq(c->trust, "conf/certs/ca.pem");
	ck_assert_ptr_nonnull(c->trust_store);
	ck_assert_uint_eq(c->nsslcerts, 1);
	ck_assert_str_eq(c->sslcerts[0].name, "0.0.0.0:8443");
	ck_assert_str_eq(c->sslcerts[0].certificate, "conf/certs/sitev1.pem");
	ck_assert_str_eq(c->sslcerts[0].key_file, "conf/certs/sitev1.key");
	ck_assert_ptr_nonnull(c->sslcerts[0].appid);
	ck_assert_ptr_nonnull(c->sslcerts[0].cert);
	ck_assert_str_eq(c->sslcerts[0].cert->common_name, "sitev1.mysite.com");
	ck_assert_uint_eq(c->nsites, 2);
	ck_assert_str_eq(c->sites[0].name, "MySite V1");
	ck_assert_str_eq(c->sites[1].name, "MySite V2");
	ck_assert_int_eq(c->sites[1].id, 2);
	ck_assert_ptr_null(c->sites[0].backend);
	ck_assert_ptr_null(c->sites[1].backend);
	ck_assert_uint_eq(c->sites[1].nbindings, 2);
	ck_assert_str_eq(c->sites[1].bindings[0].host, "sitev2.mysite.com");
	ck_assert_uint_eq(c->sites[1].bindings[0].port, 8443);
	ck_assert_uint_eq(c->sites[1].bindings[1].port, 8080);
	/* two sites share the 0.0.0.0:8443 certificate: `check` says so, not every load */
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_load_examples)
{
	struct conf *c;

	c = load("conf/examples/two-sites.ini");
	ck_ok(c);
	ck_assert_str_eq(c->sslcerts[0].cert->common_name, "sitev1.mysite.com");
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);

	c = load("conf/examples/two-names.ini");
	ck_ok(c);
	ck_assert_ptr_nonnull(c->sslcerts[0].cert);
	ck_assert_uint_eq(c->sslcerts[0].cert->nsans, 2);
	ck_assert_int_eq(certstore_verdict(c->sslcerts[0].cert, "sitev2.mysite.com",
	    c->trust_store, time(NULL), NULL, 0), VERDICT_OK);
	ck_assert_int_eq(certstore_verdict(c->sslcerts[0].cert, "sitev1.mysite.com",
	    c->trust_store, time(NULL), NULL, 0), VERDICT_OK);
	conf_free(c);

	c = load("conf/examples/iis8-sni.ini");
	ck_ok(c);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS8);
	ck_assert_uint_eq(c->nsslcerts, 3);
	ck_assert_int_eq(c->sslcerts[0].key.kind, SSLCERT_HOSTNAMEPORT);
	ck_assert_str_eq(c->sslcerts[0].cert->common_name, "sitev1.mysite.com");
	ck_assert_str_eq(c->sslcerts[1].cert->common_name, "sitev2.mysite.com");
	ck_assert_int_eq(c->sslcerts[2].key.kind, SSLCERT_IPPORT);
	ck_assert_ptr_nonnull(c->sslcerts[2].cert);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);

	c = load("conf/examples/ccs.ini");
	ck_ok(c);
	ck_assert_int_eq(c->sslcerts[0].key.kind, SSLCERT_CCS);
	ck_assert_str_eq(c->sslcerts[0].directory, "conf/examples/../certs/ccs");
	ck_assert_ptr_nonnull(c->sslcerts[0].ccs);
	ck_assert_ptr_nonnull(certstore_ccs_get(c->sslcerts[0].ccs, "sitev2.mysite.com"));
	ck_assert_ptr_nonnull(certstore_ccs_get(c->sslcerts[0].ccs, "_.mysite.com"));
	ck_assert_ptr_nonnull(c->sslcerts[1].cert);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_load_bad_ini)
{
	struct conf *c = load("conf/examples/bad.ini");

	ck_assert_ptr_null(c);
	ck_assert_str_eq(err,
	    "conf/examples/bad.ini:6: workers must be auto or a number from 1 to 64, not \"100\"\n"
	    "conf/examples/bad.ini:7: max_field_length must be a number from 64 to 65534, not "
	    "\"16k\"\n"
	    "conf/examples/bad.ini:10: [sslcert sitev2.mysite.com:8443] is a hostnameport "
	    "binding: it needs mode = iis8\n"
	    "conf/examples/bad.ini:16: [sslcert 0.0.0.0:8443] has both certificate (line 15) "
	    "and pfx: use exactly one of certificate, pfx or certhash\n"
	    "conf/examples/bad.ini:17: appid must be a GUID in braces, e.g. " GUID ", not "
	    "\"4dc3e181-e14b-4a21-b022-59fc669b0914\"\n"
	    "conf/examples/bad.ini:22: unknown key \"backnd\" in [site MySite V1]\n"
	    "conf/examples/bad.ini:26: binding https/*:8443:sitev1.mysite.com of [site MySite "
	    "V2] is already used by [site MySite V1] (line 21): IIS starts only the first of two "
	    "sites with the same binding (give the second state = stopped, as IIS leaves it)\n"
	    "conf/examples/bad.ini:26: port 8443 is used by both http and https bindings (https "
	    "in [site MySite V1], http in [site MySite V2]): a port speaks one protocol\n"
	    "conf/examples/bad.ini:27: state must be started or stopped, not \"paused\"\n"
	    "conf/examples/bad.ini:30: id 1 of [site Broken] is already used by [site MySite V1] "
	    "(line 20)\n"
	    "conf/examples/bad.ini:31: binding \"https/*:8443:sitev3.mysite.com.\": host name "
	    "\"sitev3.mysite.com.\" ends with a dot (HTTP.SYS matches no such host)\n"
	    "conf/examples/bad.ini:31: binding \"ftp/*:21:\": protocol must be http or https\n"
	    "conf/examples/bad.ini:32: syntax error: \"this line has no equals sign\" is not "
	    "key = value, a [section] or a ; comment\n"
	    "conf/examples/bad.ini:34: unknown section [website]: expected [server], "
	    "[sslcert KEY], [site NAME] or [location SITE/PATH]");
}
END_TEST

START_TEST(test_conf_load_missing_file)
{
	ck_assert_ptr_null(load("conf/examples/no-such.ini"));
	ck_assert_str_eq(err, "conf/examples/no-such.ini: No such file or directory");
}
END_TEST

/* A file (not a string) may hold a NUL byte: it is an error on its line. */
START_TEST(test_conf_load_nul_byte)
{
	static const char data[] = "[server]\nmode = iis7\nserver_header = a\0b\ntrace = on\n"
	    SITE_OK;
	char path[] = "/tmp/check_conf_XXXXXX";
	struct conf *c;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, sizeof(data) - 1), (int)sizeof(data) - 1);
	close(fd);
	c = load(path);
	unlink(path);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(count_lines(err), 1);
	ck_assert_ptr_nonnull(strstr(err, ":3: line contains a NUL byte"));
}
END_TEST

/* Certificate failures are reported at the line of the key naming the file, with paths
 * resolved against the configuration's directory (here conf/, so certs/ = conf/certs/). */
START_TEST(test_conf_certificate_load_errors)
{
	char text[2048], hash[64] = "", name[32];
	struct conf *c;
	FILE *f;

	c = conf_parse("[server]\ntrust = certs/ca.pem\n"
	    "[sslcert 0.0.0.0:8443]\ncertificate = certs/sitev1.pem\nkey = certs/sitev1.key\n"
	    "[sslcert 127.0.0.1:8443]\npfx = certs/sitev2.pfx\npfx_password = sysbind\n" SITE_OK,
	    "conf/test.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_ok(c);
	ck_assert_str_eq(c->sslcerts[0].certificate, "conf/certs/sitev1.pem");
	ck_assert_ptr_nonnull(c->sslcerts[0].cert);
	ck_assert_str_eq(c->sslcerts[1].cert->common_name, "sitev2.mysite.com");
	ck_assert_ptr_nonnull(c->trust_store);
	conf_free(c);

	/* without CONF_LOAD_CERTS nothing is opened */
	c = conf_parse("[sslcert 0.0.0.0:8443]\ncertificate = certs/nothere.pem\n",
	    "conf/test.ini", 0, err, sizeof(err));
	ck_ok(c);
	ck_assert_ptr_null(c->sslcerts[0].cert);
	conf_free(c);

	c = conf_parse("[server]\ntrust = certs/nothere-ca.pem\n"
	    "[sslcert 0.0.0.0:8443]\ncertificate = certs/nothere.pem\n"
	    "[sslcert 127.0.0.1:8443]\npfx = certs/sitev2.pfx\npfx_password = wrong\n"
	    "[sslcert 127.0.0.2:8443]\ncertificate = certs/sitev1.pem\nkey = certs/nothere.key\n"
	    SITE_OK, "conf/test.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_int_eq(count_lines(err), 4);
	ck_assert_msg(strncmp(err, "conf/test.ini:2: ", 17) == 0, "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "nothere-ca.pem"));
	ck_assert_ptr_nonnull(strstr(err, "\nconf/test.ini:4: "));
	ck_assert_ptr_nonnull(strstr(err, "conf/certs/nothere.pem"));
	ck_assert_ptr_nonnull(strstr(err, "\nconf/test.ini:6: "));
	ck_assert_ptr_nonnull(strstr(err, "\nconf/test.ini:10: "));
	ck_assert_ptr_nonnull(strstr(err, "conf/certs/nothere.key"));

	/* certhash: found by thumbprint in cert_store */
	f = fopen("conf/certs/thumbprints.txt", "r");
	ck_assert_ptr_nonnull(f);
	while (fscanf(f, "%31s %63s", name, hash) == 2)
		if (strcmp(name, "sitev1") == 0)
			break;
	fclose(f);
	ck_assert_str_eq(name, "sitev1");
	snprintf(text, sizeof(text), "[sslcert 0.0.0.0:8443]\ncerthash = %s\n"
	    "[server]\ncert_store = certs/store\n" SITE_OK, hash);
	c = conf_parse(text, "conf/test.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_ok(c);
	ck_assert_str_eq(c->cert_store, "conf/certs/store");
	ck_assert_str_eq(c->sslcerts[0].cert->thumbprint, hash);
	conf_free(c);
	/* a thumbprint the store does not hold: served without it (a warning at its line);
	 * the entry is kept, its certificate NULL, with the reason */
	c = conf_parse("[sslcert 0.0.0.0:8443]\ncerthash = 0000000000000000000000000000000000000000\n"
	    "[server]\ncert_store = certs/store\n" SITE_OK, "conf/test.ini", CONF_LOAD_CERTS, err,
	    sizeof(err));
	ck_ok(c);
	ck_assert_ptr_null(c->sslcerts[0].cert);
	ck_assert_uint_eq(c->nwarnings, 1);
	ck_assert_str_eq(c->warnings[0], "conf/test.ini:2: warning: [sslcert 0.0.0.0:8443]: "
	    "certificate not available: no certificate with thumbprint "
	    "0000000000000000000000000000000000000000 in conf/certs/store (1 file could not be "
	    "opened, e.g. conf/certs/store/sitev2.pfx: wrong password or corrupt PKCS#12 file); "
	    "a handshake that chooses this entry fails, as HTTP.SYS's does when the bound "
	    "certificate is missing from the store");
	ck_assert_str_eq(c->sslcerts[0].unavailable, "no certificate with thumbprint "
	    "0000000000000000000000000000000000000000 in conf/certs/store (1 file could not be "
	    "opened, e.g. conf/certs/store/sitev2.pfx: wrong password or corrupt PKCS#12 file)");
	conf_free(c);

	/* a CCS directory that does not exist: at the directory line */
	c = conf_parse("[server]\nmode = iis8\n[sslcert ccs:8443]\npassword = ccs-secret\n"
	    "directory = certs/no-ccs\n" SITE_OK, "conf/test.ini", CONF_LOAD_CERTS, err,
	    sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_msg(strncmp(err, "conf/test.ini:5: ", 17) == 0, "%s", err);
	ck_assert_int_eq(count_lines(err), 1);
}
END_TEST



/* The key table drives parsing: every key is accepted with its own default, every
 * default is what a file without the key gets, the sections are grouped. */
START_TEST(test_conf_keys_table)
{
	size_t n, i, j, per[4] = { 0, 0, 0, 0 };
	const struct conf_key *k = conf_keys(&n);
	char text[1024];
	struct conf *c, *d;

	ck_assert_uint_ge(n, 35);
	for (i = 0; i < n; i++) {
		per[k[i].section]++;
		ck_assert_ptr_eq(conf_key_find(k[i].section, k[i].name), &k[i]);
		ck_assert_ptr_nonnull(k[i].doc);
		/* grouped: no key of an earlier section after a later one */
		if (i > 0)
			ck_assert_int_ge(k[i].section, k[i - 1].section);
		for (j = 0; j < i; j++)
			ck_assert_msg(k[j].section != k[i].section || strcmp(k[j].name, k[i].name) != 0,
			    "%s twice", k[i].name);
		if (k[i].type == CONF_TYPE_NUMBER && k[i].def != NULL && k[i].words == NULL) {
			unsigned long v = strtoul(k[i].def, NULL, 10);

			ck_assert_msg(v >= k[i].min && v <= k[i].max, "%s default out of range",
			    k[i].name);
		}
		if (k[i].section != CONF_SECTION_SERVER || k[i].def == NULL)
			continue;
		/* the default written out parses to what no line at all gives */
		snprintf(text, sizeof(text), "[server]\n%s = %s\n", k[i].name, k[i].def);
		c = parse(text);
		ck_ok(c);
		d = parse("[server]\n");
		ck_ok(d);
		if (k[i].type == CONF_TYPE_NUMBER || k[i].type == CONF_TYPE_WORD ||
		    k[i].type == CONF_TYPE_FLAGS)
			ck_assert_msg(memcmp((char *)c + k[i].offset, (char *)d + k[i].offset,
			    k[i].size) == 0, "%s", k[i].name);
		else if (*(char **)((char *)d + k[i].offset) == NULL)
			ck_assert_ptr_null(*(char **)((char *)c + k[i].offset));
		else
			ck_assert_str_eq(*(char **)((char *)c + k[i].offset),
			    *(char **)((char *)d + k[i].offset));
		conf_free(c);
		conf_free(d);
	}
	ck_assert_uint_eq(per[CONF_SECTION_SERVER], 40);
	ck_assert_uint_eq(per[CONF_SECTION_SSLCERT], 33);
	ck_assert_uint_eq(per[CONF_SECTION_SITE], 18);
	ck_assert_uint_eq(per[CONF_SECTION_LOCATION], 1);
	ck_assert_ptr_null(conf_key_find(CONF_SECTION_SERVER, "certhash"));
	ck_assert_str_eq(conf_key_find(CONF_SECTION_SERVER, "max_field_length")->httpsys,
	    "MaxFieldLength");
	ck_assert_str_eq(conf_section_name(CONF_SECTION_SITE), "[site NAME]");
	/* a key of another kind of entry is unknown there */
	ck_error("[sslcert ccs:443]\ncertificate = a.pem\n",
	    "t.ini:2: unknown key \"certificate\" in [sslcert ccs:443]");
}
END_TEST

/* Site names keep what IIS allows: quoted, they may start or end with blanks, hold ";",
 * a newline, quotes; conf_name_quote writes what conf_header_parse reads back. */
START_TEST(test_conf_quoted_names)
{
	static const char *const names[] = {
		"Plain Name", "  leading and trailing  ", "semi;colon", "a ; comment-like",
		"new\nline", "\"quoted\" start", "back\\slash", "tab\there", "bell\x07",
		"]bracket[", "caf\xc3\xa9",
	};
	char text[1024], *q, *kind, *name, msg[256];
	struct conf *c;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		q = conf_name_quote(names[i]);
		ck_assert_ptr_nonnull(q);
		snprintf(text, sizeof(text), "[site %s] ; comment\nid = 1\nbindings = http/*:80:\n", q);
		c = parse(text);
		ck_ok(c);
		ck_assert_str_eq(c->sites[0].name, names[i]);
		ck_assert_ptr_eq(conf_find_site(c, names[i]), &c->sites[0]);
		conf_free(c);
		snprintf(text, sizeof(text), "site %s", q);
		ck_assert_int_eq(conf_header_parse(text, &kind, &name, msg, sizeof(msg)), 0);
		ck_assert_str_eq(kind, "site");
		ck_assert_str_eq(name, names[i]);
		free(kind);
		free(name);
		free(q);
	}
	/* names that need no quotes are written as they are */
	q = conf_name_quote("MySite V1");
	ck_assert_str_eq(q, "MySite V1");
	free(q);
	q = conf_name_quote(" x;\n");
	ck_assert_str_eq(q, "\" x;\\n\"");
	free(q);
	/* a bare name is trimmed, as INI names are */
	c = parse("[site   A b  ]\nid = 1\nbindings = http/*:80:\n");
	ck_ok(c);
	ck_assert_str_eq(c->sites[0].name, "A b");
	conf_free(c);
	ck_error("[site \"abc]\n", "t.ini:1: section header with an unterminated quoted name");
	ck_error("[site \"a\\qb\"]\n", "t.ini:1: [site \"a\\qb\"]: unknown escape \\q in a "
	    "quoted name (use \\\" \\\\ \\n \\r \\t or \\xHH)");
	ck_error("[site \"a\" b]\n", "t.ini:1: [site \"a\" b]: unexpected text \"b\" after the "
	    "quoted name");
	ck_error("[site \"a\\x00\"]\n", "t.ini:1: [site \"a\\x00\"]: a name cannot hold a NUL "
	    "(\\x00)");
	ck_error("[site \"a\"] x\n", "t.ini:1: unexpected text \"x\" after the section header");
	/* quoted and bare spellings of one name are one site */
	ck_error(SITE_OK "[site \"a\"]\nid = 2\nbindings = http/*:81:\n",
	    "t.ini:4: duplicate section [site \"a\"] (first at line 1)");
	/* messages name a site as the file must spell it */
	ck_error("[site \" x\"]\nid = 1\nbindings = http/*:80:\n[site y]\nid = 1\n"
	    "bindings = http/*:81:\n", "t.ini:5: id 1 of [site y] is already used by [site \" x\"] "
	    "(line 2)");
}
END_TEST

/* IIS writes long site names; a header is read here, not by inih's 200-byte line. */
START_TEST(test_conf_long_names_and_ids)
{
	char name[1201], *text;
	struct conf *c;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_ge(asprintf(&text, "[site %s]\nid = 4294967295\nbindings = http/*:80:\n",
	    name), 0);
	c = parse(text);
	ck_ok(c);
	ck_assert_str_eq(c->sites[0].name, name);
	ck_assert_int_eq(c->sites[0].id, 4294967295L);
	conf_free(c);
	free(text);
	ck_error("[site A]\nid = 4294967296\nbindings = http/*:80:\n",
	    "t.ini:2: id must be a number from 1 to 4294967295, not \"4294967296\"");
	text = malloc(5000);
	memset(text, 'x', 4999);
	memcpy(text, "[site ", 6);
	text[4997] = ']';
	text[4998] = '\n';
	text[4999] = '\0';
	ck_error(text, "t.ini:1: line too long (4998 characters, at most 4096 for a section header)");
	free(text);
}
END_TEST
/* The configuration is read only from a regular file: a FIFO without a writer made -t
 * and the daemon hang (issue 11 item 7); a device, a directory are refused by name. */
START_TEST(test_conf_load_not_regular)
{
	char dir[] = "/tmp/check_conf_XXXXXX", fifo[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo.ini", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_ptr_null(load(fifo));
	ck_assert_ptr_nonnull(strstr(err, "fifo.ini: a FIFO (named pipe), not a regular file"));
	unlink(fifo);
	ck_assert_ptr_null(load(dir));
	ck_assert_ptr_nonnull(strstr(err, ": a directory, not a regular file"));
	rmdir(dir);
	ck_assert_ptr_null(load("/dev/null"));
	ck_assert_str_eq(err, "/dev/null: a character device, not a regular file: sysbind reads "
	    "it only from a regular file");
}
END_TEST

/* -t and the daemon load alike: a file with no site cannot be served, so both refuse it
 * (an empty file passed -t while the daemon exited 1); the offline views accept it. */
START_TEST(test_conf_serve_needs_a_site)
{
	struct conf *c;

	c = conf_parse("", "t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "t.ini: no [site]: there is nothing to serve (the daemon would have "
	    "no address to listen on); add a [site NAME] with id and bindings");
	/* other errors are what a file is refused for first */
	c = conf_parse("[server]\nmode = iis9\n", "t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "t.ini:2: mode must be iis7 or iis8, not \"iis9\"");
	c = conf_parse("[server]\nmode = iis8\n", "t.ini", CONF_LOAD_CERTS | CONF_LOAD_OFFLINE,
	    err, sizeof(err));
	ck_ok(c);
	conf_free(c);
}
END_TEST

/*
 * A thumbprint whose certificate is at hand without its private key (a .cer export, a PEM
 * without its .key): served, the entry has no certificate and a warning says why; for the
 * offline views the certificate is loaded for its facts, the reason kept.
 */
START_TEST(test_conf_certificate_unavailable)
{
	char dir[] = "/tmp/check_conf_XXXXXX", path[128], hash[64] = "", name[32], text[1024];
	struct conf *c;
	FILE *f;

	f = fopen("conf/certs/thumbprints.txt", "r");
	ck_assert_ptr_nonnull(f);
	while (fscanf(f, "%31s %63s", name, hash) == 2)
		if (strcmp(name, "sitev1") == 0)
			break;
	fclose(f);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sitev1.cer", dir);
	snprintf(text, sizeof(text), "openssl x509 -in conf/certs/sitev1.pem -outform DER -out %s",
	    path);
	ck_assert_int_eq(system(text), 0);
	snprintf(text, sizeof(text), "[server]\ncert_store = %s\n[sslcert 0.0.0.0:8443]\n"
	    "certhash = %s\n" SITE_OK, dir, hash);

	c = conf_parse(text, "t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_ok(c);
	ck_assert_ptr_null(c->sslcerts[0].cert);
	ck_assert_ptr_nonnull(c->sslcerts[0].unavailable);
	ck_assert_uint_eq(c->nwarnings, 1);
	ck_assert_msg(strstr(c->warnings[0], "t.ini:4: warning: [sslcert 0.0.0.0:8443]: "
	    "certificate not available: ") == c->warnings[0], "%s", c->warnings[0]);
	ck_assert_ptr_nonnull(strstr(c->warnings[0], "sitev1.cer: no private key"));
	conf_free(c);

	c = conf_parse(text, "t.ini", CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err));
	ck_ok(c);
	ck_assert_ptr_nonnull(c->sslcerts[0].cert);
	ck_assert_ptr_null(c->sslcerts[0].cert->key);
	ck_assert_str_eq(c->sslcerts[0].cert->common_name, "sitev1.mysite.com");
	ck_assert_str_eq(c->sslcerts[0].cert->thumbprint, hash);
	ck_assert_ptr_nonnull(strstr(c->sslcerts[0].unavailable, "no private key"));
	ck_assert_ptr_nonnull(strstr(c->warnings[0], "sysbind can show this certificate but not "
	    "serve it"));
	conf_free(c);
	unlink(path);
	rmdir(dir);

	/* a file named by the configuration itself stays an error when served; the views
	 * show the entry without it */
	c = conf_parse("[sslcert 0.0.0.0:8443]\ncertificate = certs/nothere.pem\n" SITE_OK,
	    "conf/test.ini", CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err));
	ck_ok(c);
	ck_assert_ptr_null(c->sslcerts[0].cert);
	ck_assert_str_eq(c->warnings[0], "conf/test.ini:2: warning: [sslcert 0.0.0.0:8443]: "
	    "certificate not available: conf/certs/nothere.pem: No such file or directory; a "
	    "handshake that chooses this entry fails, as HTTP.SYS's does when the bound "
	    "certificate is missing from the store");
	conf_free(c);
}
END_TEST


START_TEST(test_conf_bindings_repeat)
{
	struct conf *c = parse("[site A]\nid = 1\nbindings = http/*:80:a.x.com, http/*:80:b.x.com\n"
	    "bindings = http/*:80:c.x.com\n");

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->sites[0].nbindings, 3);
	ck_assert_str_eq(c->sites[0].bindings[2].host, "c.x.com");
	conf_free(c);
	/* a repeated triplet across the lines is still a duplicate */
	ck_error("[site A]\nid = 1\nbindings = http/*:80:a.x.com\nbindings = http/*:80:a.x.com\n",
	    "t.ini:4: binding http/*:80:a.x.com appears twice in [site A]");
}
END_TEST

/* ---- issue 14: netsh's parameters, access flags, locations, client material ---- */

#define SSL_HEAD "[sslcert 0.0.0.0:443]\ncertificate = a.pem\n"

/* Every netsh enable/disable parameter is a key whose enable and disable set its bit as
 * HTTP.SYS's DefaultFlags / DefaultSslCertCheckMode keep it, for every kind of entry; the
 * key reads back as it was written. */
START_TEST(test_conf_sslcert_switches)
{
	static const char *const heads[] = { SSL_HEAD, "[server]\nmode = iis8\n"
	    "[sslcert ccs:443]\ndirectory = d\n" };
	size_t n, i, h, nsw = 0;
	const struct conf_key *k = conf_keys(&n);
	char text[512], buf[256];
	struct conf *c;
	int on;

	for (i = 0; i < n; i++) {
		if (k[i].section != CONF_SECTION_SSLCERT || k[i].type != CONF_TYPE_SWITCH)
			continue;
		nsw++;
		ck_assert_ptr_nonnull(k[i].label);
		for (h = 0; h < 2; h++) {
			for (on = 0; on < 2; on++) {
				unsigned field;
				const void *e;

				snprintf(text, sizeof(text), "%s%s = %s\n", heads[h], k[i].name,
				    on ? "enable" : "disable");
				c = parse(text);
				ck_ok(c);
				e = &c->sslcerts[0];
				memcpy(&field, (const char *)e + k[i].offset, sizeof(field));
				/* only this bit is away from netsh's default */
				ck_assert_msg(((field & k[i].bit) != 0) == (on == k[i].words[0].value),
				    "%s = %s", k[i].name, on ? "enable" : "disable");
				ck_assert_int_eq(conf_switch_enabled(&k[i], e), on);
				ck_assert_str_eq(conf_key_value(&k[i], e, buf, sizeof(buf)),
				    on ? "enable" : "disable");
				conf_free(c);
			}
		}
		snprintf(text, sizeof(text), SSL_HEAD "%s = yes\n", k[i].name);
		snprintf(buf, sizeof(buf), "t.ini:3: %s must be enable or disable, not \"yes\"",
		    k[i].name);
		ck_error(text, buf);
	}
	ck_assert_uint_eq(nsw, 17);
	/* netsh's defaults: nothing set, revocation and usage checked */
	c = parse(SSL_HEAD);
	ck_ok(c);
	ck_assert_uint_eq(c->sslcerts[0].flags, 0);
	ck_assert_uint_eq(c->sslcerts[0].checkmode, 0);
	ck_assert_uint_eq(c->sslcerts[0].revocationfreshnesstime, 0);
	ck_assert_uint_eq(c->sslcerts[0].urlretrievaltimeout, 0);
	ck_assert_uint_eq(c->sslcerts[0].receivewindow, 1048576);
	ck_assert_uint_eq(c->sslcerts[0].maxsettingsperframe, 2796202);
	ck_assert_uint_eq(c->sslcerts[0].maxsettingsperminute, 4294967295UL);
	ck_assert_ptr_null(c->sslcerts[0].sslctlidentifier);
	ck_assert_ptr_null(c->sslcerts[0].sslctlstorename);
	ck_assert_ptr_null(c->sslcerts[0].ctl_names);
	conf_free(c);
	/* the bits are HTTP.SYS's */
	c = parse(SSL_HEAD "clientcertnegotiation = enable\ndisabletls13 = enable\n"
	    "disablelegacytls = enable\nverifyclientcertrevocation = disable\n"
	    "usagecheck = disable\nverifyrevocationwithcachedclientcertonly = enable\n");
	ck_ok(c);
	ck_assert_uint_eq(c->sslcerts[0].flags, 0x2 | 0x40 | 0x400);
	ck_assert_uint_eq(c->sslcerts[0].checkmode, 0x1 | 0x2 | 0x10000);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_sslcert_netsh_values)
{
	struct conf *c = parse(SSL_HEAD "revocationfreshnesstime = 3600\n"
	    "urlretrievaltimeout = 15000\nsslctlidentifier = MyCtl\n"
	    "sslctlstorename = ClientAuthIssuer\nreceivewindow = 65535\n"
	    "maxsettingsperframe = 100\nmaxsettingsperminute = 1000\n");

	ck_ok(c);
	ck_assert_uint_eq(c->sslcerts[0].revocationfreshnesstime, 3600);
	ck_assert_uint_eq(c->sslcerts[0].urlretrievaltimeout, 15000);
	ck_assert_str_eq(c->sslcerts[0].sslctlidentifier, "MyCtl");
	ck_assert_str_eq(c->sslcerts[0].sslctlstorename, "ClientAuthIssuer");
	ck_assert_uint_eq(c->sslcerts[0].receivewindow, 65535);
	ck_assert_uint_eq(c->sslcerts[0].maxsettingsperframe, 100);
	ck_assert_uint_eq(c->sslcerts[0].maxsettingsperminute, 1000);
	conf_free(c);
	/* the store's directory is beside the file; its name is kept as written */
	c = conf_parse(SSL_HEAD "sslctlstorename = ClientAuthIssuer\n", "conf/t.ini", 0, err,
	    sizeof(err));
	ck_ok(c);
	ck_assert_str_eq(c->sslcerts[0].sslctlstore, "conf/ClientAuthIssuer");
	conf_free(c);
	ck_error(SSL_HEAD "receivewindow = 1000\n", "t.ini:3: receivewindow must be a number "
	    "from 65535 to 2147483647, not \"1000\"");
	ck_error(SSL_HEAD "revocationfreshnesstime = -1\n", "t.ini:3: revocationfreshnesstime "
	    "must be a number from 0 to 4294967295, not \"-1\"");
	ck_error(SSL_HEAD "maxsettingsperminute = 4294967296\n", "t.ini:3: "
	    "maxsettingsperminute must be a number from 1 to 4294967295, not \"4294967296\"");
}
END_TEST

/* IIS 10's <hsts> as [site] keys: IIS's defaults (off, 0), the field value in RFC 6797's
 * form, a uint's range. */
START_TEST(test_conf_site_hsts)
{
	struct conf *c;
	char buf[96];

	c = parse(SITE_OK);
	ck_ok(c);
	ck_assert_int_eq(c->sites[0].hsts, 0);
	ck_assert_uint_eq(c->sites[0].hsts_max_age, 0);
	ck_assert_int_eq(c->sites[0].hsts_include_subdomains, 0);
	ck_assert_int_eq(c->sites[0].hsts_preload, 0);
	ck_assert_int_eq(c->sites[0].hsts_redirect_http, 0);
	ck_assert_ptr_null(conf_hsts_value(&c->sites[0], buf, sizeof(buf)));
	conf_free(c);

	c = parse(SITE_OK "hsts = on\n");
	ck_ok(c);
	ck_assert_str_eq(conf_hsts_value(&c->sites[0], buf, sizeof(buf)), "max-age=0");
	conf_free(c);

	c = parse(SITE_OK "hsts = on\nhsts_max_age = 4294967295\nhsts_include_subdomains = on\n"
	    "hsts_preload = on\nhsts_redirect_http = on\n");
	ck_ok(c);
	ck_assert_str_eq(conf_hsts_value(&c->sites[0], buf, sizeof(buf)),
	    "max-age=4294967295; includeSubDomains; preload");
	ck_assert_int_eq(c->sites[0].hsts_redirect_http, 1);
	conf_free(c);

	c = parse(SITE_OK "hsts = on\nhsts_max_age = 31536000\nhsts_preload = on\n");
	ck_ok(c);
	ck_assert_str_eq(conf_hsts_value(&c->sites[0], buf, sizeof(buf)),
	    "max-age=31536000; preload");
	conf_free(c);

	/* the directives without hsts = on: no field */
	c = parse(SITE_OK "hsts_max_age = 600\nhsts_redirect_http = on\n");
	ck_ok(c);
	ck_assert_ptr_null(conf_hsts_value(&c->sites[0], buf, sizeof(buf)));
	ck_assert_int_eq(c->sites[0].hsts_redirect_http, 1);
	conf_free(c);

	ck_error(SITE_OK "hsts_max_age = 4294967296\n",
	    "t.ini:4: hsts_max_age must be a number from 0 to 4294967295, not \"4294967296\"");
	ck_error(SITE_OK "hsts = true\n", "t.ini:4: hsts must be on or off, not \"true\"");
	ck_error("[server]\nhsts = on\n", "t.ini:2: unknown key \"hsts\" in [server]");
}
END_TEST

START_TEST(test_conf_site_ssl_flags)
{
	struct conf *c;
	char buf[128];
	size_t i;
	static const struct { const char *v; unsigned want; } good[] = {
		{ "Ssl, SslNegotiateCert, SslRequireCert", 104 }, { "ssl,sslrequirecert", 72 },
		{ "104", 104 }, { "None", 0 }, { "Ssl128", 256 }, { "SslMapCert, Ssl", 136 },
		{ "0", 0 },
	};
	static const struct { const char *v, *msg; } bad[] = {
		{ "4", "t.ini:4: ssl_flags \"4\": a number may only hold the bits of the names "
		    "(488 in all)" },
		{ "Ssl, Bogus", "t.ini:4: ssl_flags: \"Bogus\" is not one of None, Ssl, "
		    "SslNegotiateCert, SslRequireCert, SslMapCert or Ssl128" },
		{ "None, Ssl", "t.ini:4: ssl_flags: None cannot be combined with other names" },
		{ "Ssl, ssl", "t.ini:4: ssl_flags: Ssl given twice" },
		{ "Ssl,", "t.ini:4: ssl_flags: \"\" is not one of None, Ssl, SslNegotiateCert, "
		    "SslRequireCert, SslMapCert or Ssl128" },
		{ "", "t.ini:4: ssl_flags needs a value (Ssl, SslNegotiateCert, SslRequireCert, "
		    "Ssl128 or a number)" },
	};
	char text[256];

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), SITE_OK "ssl_flags = %s\n", good[i].v);
		c = parse(text);
		ck_ok(c);
		ck_assert_uint_eq(c->sites[0].ssl_flags, good[i].want);
		conf_free(c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SITE_OK "ssl_flags = %s\n", bad[i].v);
		ck_error(text, bad[i].msg);
	}
	ck_assert_str_eq(conf_access_format(104, buf, sizeof(buf)),
	    "Ssl, SslNegotiateCert, SslRequireCert");
	ck_assert_str_eq(conf_access_format(0, buf, sizeof(buf)), "None");
	ck_assert_str_eq(conf_access_format(256 | 8, buf, sizeof(buf)), "Ssl, Ssl128");
	c = parse(SITE_OK);
	ck_ok(c);
	ck_assert_uint_eq(c->sites[0].ssl_flags, 0);
	ck_assert_uint_eq(c->sites[0].nlocations, 0);
	conf_free(c);
}
END_TEST

#define LOC_SITES "[site MySite V2]\nid = 2\nbindings = https/*:443:sitev2.mysite.com\n" \
	"[site MySite]\nid = 1\nbindings = https/*:443:sitev1.mysite.com\n"

START_TEST(test_conf_locations)
{
	struct conf *c;
	const struct conf_site *s;

	/* a location may come before its site; the deepest path comes first */
	c = parse("[location MySite V2/secure]\nssl_flags = Ssl, SslNegotiateCert\n"
	    LOC_SITES
	    "[location mysite v2/Secure/Deeper/]\nssl_flags = Ssl, SslNegotiateCert, "
	    "SslRequireCert\n"
	    "[location \"MySite//a b\"]\nssl_flags = Ssl\n"
	    "[location MySite]\nssl_flags = Ssl128\n");
	ck_ok(c);
	ck_assert_uint_eq(c->nlocations, 4);
	ck_assert_str_eq(c->locations[0].name, "MySite V2/secure");
	ck_assert_str_eq(c->locations[0].path, "/secure");
	ck_assert_uint_eq(c->locations[0].site, 0);
	ck_assert_int_eq(c->locations[0].line, 1);
	ck_assert_str_eq(c->locations[1].path, "/Secure/Deeper");
	ck_assert_uint_eq(c->locations[1].ssl_flags, 104);
	ck_assert_uint_eq(c->locations[2].site, 1);   /* "MySite", not "MySite V2" */
	ck_assert_str_eq(c->locations[2].path, "/a b");
	ck_assert_str_eq(c->locations[3].path, "/");
	s = &c->sites[0];
	ck_assert_uint_eq(s->nlocations, 2);
	ck_assert_uint_eq(s->locations[0], 1);
	ck_assert_uint_eq(s->locations[1], 0);
	s = &c->sites[1];
	ck_assert_uint_eq(s->nlocations, 2);
	ck_assert_uint_eq(s->locations[0], 2);
	ck_assert_uint_eq(s->locations[1], 3);
	conf_free(c);
	/* the longest site name wins: "A/B" is a site of its own */
	c = parse("[site A]\nid = 1\nbindings = http/*:80:a\n[site A/B]\nid = 2\nbindings = "
	    "http/*:80:b\n[location A/B/x]\nssl_flags = Ssl\n[location A/x]\nssl_flags = Ssl\n");
	ck_ok(c);
	ck_assert_uint_eq(c->locations[0].site, 1);
	ck_assert_str_eq(c->locations[0].path, "/x");
	ck_assert_uint_eq(c->locations[1].site, 0);
	conf_free(c);

	ck_error(LOC_SITES "[location Other/secure]\nssl_flags = Ssl\n", "t.ini:7: [location "
	    "Other/secure]: no [site] is named by the start of \"Other/secure\" (IIS's location "
	    "path is SITE/PATH, the site as [site] names it)");
	ck_error(LOC_SITES "[location MySite/a/../b]\nssl_flags = Ssl\n", "t.ini:7: [location "
	    "MySite/a/../b]: the path may not hold \".\" or \"..\" segments");
	ck_error(LOC_SITES "[location MySite/a\\b]\nssl_flags = Ssl\n", "t.ini:7: [location "
	    "MySite/a\\b]: the path is written with \"/\", not \"\\\" (HTTP.SYS turns a "
	    "request's \\ into /)");
	ck_error(LOC_SITES "[location MySite/secure.]\nssl_flags = Ssl\n", "t.ini:7: [location "
	    "MySite/secure.]: the segment \"secure.\" ends in a dot or a blank, which Windows "
	    "drops from a name: write it without");
	ck_error(LOC_SITES "[location MySite/a]\nssl_flags = Ssl\n[location mysite/A/]\n"
	    "ssl_flags = Ssl\n", "t.ini:9: duplicate section [location mysite/A/]: the same path "
	    "of the same site as [location MySite/a] (line 7; paths compare without case)");
	ck_error(LOC_SITES "ssl_flags = Ssl\n[location MySite]\nssl_flags = Ssl\n",
	    "t.ini:8: [location MySite] sets the flags of the whole site, which ssl_flags of "
	    "[site MySite] does too (line 7): keep one");
	ck_error(LOC_SITES "[location MySite/a]\n", "t.ini:7: [location MySite/a] needs "
	    "ssl_flags");
	ck_error(LOC_SITES "[location MySite/a]\nssl_flags = Ssl\nbackend = http://x\n",
	    "t.ini:9: unknown key \"backend\" in [location MySite/a]");
	ck_error(LOC_SITES "[location]\n", "t.ini:7: [location] needs a site and a path, as "
	    "IIS's <location path=\"SITE/PATH\">: [location MySite V2/secure]");
}
END_TEST

START_TEST(test_conf_client_server_keys)
{
	struct conf *c = parse(SITE_OK);

	ck_ok(c);
	ck_assert_uint_eq(c->upload_read_ahead_size, 49152);
	ck_assert_int_eq(c->tls13_delayed_client_cert, CONF_TLS13_DELAYED_RESET);
	ck_assert_str_eq(c->client_cert_header, "X-ARR-ClientCert");
	ck_assert_int_eq(c->tls_profile, CONF_TLS_PROFILE_MODERN);
	ck_assert_int_eq(c->show_layout, 2022);
	ck_assert_ptr_null(c->crl);
	ck_assert_ptr_null(c->session_ticket_keys);
	ck_assert_uint_eq(conf_tls_versions(c, NULL), CONF_TLS12 | CONF_TLS13);
	conf_free(c);
	c = parse("[server]\nupload_read_ahead_size = 0\ntls13_delayed_client_cert = error500\n"
	    "client_cert_header =\ntls_profile = server2022\nshow_layout = 2019\n"
	    "session_ticket_keys = k1.key\nsession_ticket_keys = /abs/k2.key\ncrl = x.crl\n"
	    SITE_OK);
	ck_ok(c);
	ck_assert_uint_eq(c->upload_read_ahead_size, 0);
	ck_assert_int_eq(c->tls13_delayed_client_cert, CONF_TLS13_DELAYED_ERROR500);
	ck_assert_str_eq(c->client_cert_header, "");
	ck_assert_int_eq(c->show_layout, 2019);
	ck_assert_str_eq(c->session_ticket_keys[0], "k1.key");
	ck_assert_str_eq(c->session_ticket_keys[1], "/abs/k2.key");
	ck_assert_ptr_null(c->session_ticket_keys[2]);
	ck_assert_str_eq(c->crl, "x.crl");
	ck_assert_uint_eq(conf_tls_versions(c, NULL), CONF_TLS10 | CONF_TLS11 | CONF_TLS12 |
	    CONF_TLS13);
	conf_free(c);
	ck_error("[server]\nshow_layout = 2017\n", "t.ini:2: show_layout must be 2008, 2012, "
	    "2016, 2019, 2022, win11 or 2025, not \"2017\"");
	ck_error("[server]\ntls13_delayed_client_cert = rst\n", "t.ini:2: "
	    "tls13_delayed_client_cert must be reset or error500, not \"rst\"");
	ck_error("[server]\nclient_cert_header = X Cert\n", "t.ini:2: client_cert_header: "
	    "\"X Cert\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)");
	ck_error("[server]\nclient_cert_header = host\n", "t.ini:2: client_cert_header: host is "
	    "a header sysbind itself writes or removes: choose another name, e.g. "
	    "X-ARR-ClientCert");
	/* a CGI backend would read it as HTTP_X_FORWARDED_FOR, beside sysbind's own */
	ck_error("[server]\nclient_cert_header = X_Forwarded_For\n", "t.ini:2: "
	    "client_cert_header: X_Forwarded_For is a header sysbind itself writes or removes: "
	    "choose another name, e.g. X-ARR-ClientCert");
	ck_error("[server]\nclient_cert_header = keep_alive\n", "t.ini:2: "
	    "client_cert_header: keep_alive is a header sysbind itself writes or removes: "
	    "choose another name, e.g. X-ARR-ClientCert");
	ck_error("[server]\nupload_read_ahead_size = 2147483648\n", "t.ini:2: "
	    "upload_read_ahead_size must be a number from 0 to 2147483647, not \"2147483648\"");
}
END_TEST

/* The versions a binding allows: the profile's, less what its flags disable; h2 likewise. */
START_TEST(test_conf_tls_versions)
{
	struct conf *c = parse("[server]\ntls_profile = server2022\n" SSL_HEAD
	    "[sslcert 127.0.0.1:443]\ncertificate = a.pem\ndisablelegacytls = enable\n"
	    "disablehttp2 = enable\n"
	    "[sslcert 127.0.0.2:443]\ncertificate = a.pem\ndisabletls13 = enable\n"
	    "[sslcert 127.0.0.3:443]\ncertificate = a.pem\ndisabletls12 = enable\n");
	const unsigned all = CONF_TLS10 | CONF_TLS11 | CONF_TLS12 | CONF_TLS13;

	ck_ok(c);
	ck_assert_uint_eq(conf_tls_versions(c, &c->sslcerts[0]), all);
	ck_assert_uint_eq(conf_tls_versions(c, &c->sslcerts[1]), CONF_TLS12 | CONF_TLS13);
	ck_assert_uint_eq(conf_tls_versions(c, &c->sslcerts[2]), all & ~(unsigned)CONF_TLS13);
	ck_assert_uint_eq(conf_tls_versions(c, &c->sslcerts[3]), all & ~(unsigned)CONF_TLS12);
	ck_assert_int_eq(conf_http2_offered(c, &c->sslcerts[0]), 1);
	ck_assert_int_eq(conf_http2_offered(c, &c->sslcerts[1]), 0);
	ck_assert_int_eq(conf_http2_offered(c, NULL), 1);
	c->tls_profile = CONF_TLS_PROFILE_MODERN;
	ck_assert_uint_eq(conf_tls_versions(c, &c->sslcerts[3]), CONF_TLS13);
	c->http2 = 0;
	ck_assert_int_eq(conf_http2_offered(c, &c->sslcerts[0]), 0);
	conf_free(c);
}
END_TEST

/* CRLs, ticket keys and issuer lists load with the certificates: a file that cannot be
 * used is an error at its key for the daemon and -t, a warning for the offline views. */
START_TEST(test_conf_load_client_material)
{
	struct conf *c;
	char path[256], text[1024];
	FILE *f;
	int i;

	c = conf_parse("[server]\ntrust = certs/ca.pem\ncrl = certs/clientca.crl\n"
	    "[sslcert 0.0.0.0:8443]\ncertificate = certs/sitev1.pem\nkey = certs/sitev1.key\n"
	    "sslctlstorename = certs/ClientAuthIssuer\n"
	    "[site A]\nid = 1\nbindings = https/*:8443:\nssl_flags = Ssl, SslNegotiateCert\n",
	    "conf/t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_ok(c);
	ck_assert_int_eq(sk_X509_CRL_num(c->crls), 1);
	ck_assert_int_eq(sk_X509_NAME_num(c->sslcerts[0].ctl_names), 1);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);

	/* bad files: errors at their lines */
	c = conf_parse("[server]\ncrl = certs/ca.pem\n[sslcert 0.0.0.0:8443]\ncertificate = "
	    "certs/sitev1.pem\nkey = certs/sitev1.key\nsslctlstorename = certs/ccs\n" SITE_OK,
	    "conf/t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_msg(has_line(err, "conf/t.ini:2: crl: conf/certs/ca.pem: no certificate "
	    "revocation list in it (PEM \"X509 CRL\" or DER)"), "%s", err);
	ck_assert_msg(has_line(err, "conf/t.ini:6: sslctlstorename: conf/certs/ccs: no CA "
	    "certificates (*.pem, *.crt, *.cer, *.der) found"), "%s", err);
	/* offline: warnings */
	c = conf_parse("[server]\ncrl = certs/ca.pem\n" SITE_OK, "conf/t.ini",
	    CONF_LOAD_CERTS | CONF_LOAD_OFFLINE, err, sizeof(err));
	ck_ok(c);
	ck_assert_uint_eq(c->nwarnings, 1);
	ck_assert_str_eq(c->warnings[0], "conf/t.ini:2: warning: crl: conf/certs/ca.pem: no "
	    "certificate revocation list in it (PEM \"X509 CRL\" or DER)");
	conf_free(c);
	/* a Windows store's name with no directory here: a warning, an empty CA list */
	c = conf_parse("[sslcert 0.0.0.0:8443]\ncertificate = certs/sitev1.pem\nkey = "
	    "certs/sitev1.key\nsslctlstorename = ClientAuthIssuer\n" SITE_OK, "conf/t.ini",
	    CONF_LOAD_CERTS, err, sizeof(err));
	ck_ok(c);
	ck_assert_ptr_null(c->sslcerts[0].ctl_names);
	ck_assert_uint_eq(c->nwarnings, 1);
	ck_assert_str_eq(c->warnings[0], "conf/t.ini:4: warning: [sslcert 0.0.0.0:8443]: "
	    "sslctlstorename ClientAuthIssuer: no directory conf/ClientAuthIssuer here (it names "
	    "a Windows store): the CertificateRequest lists no CA; put the CA certificates "
	    "clients should choose from there");
	conf_free(c);

	/* ticket keys: 80 bytes (two files), a bad size, a file others may read */
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "conf/certs/t14-%d.key", i);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fwrite("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    "0123456789abcdef", 1, i == 2 ? 50 : 80, f);
		fclose(f);
		ck_assert_int_eq(chmod(path, i == 1 ? 0644 : 0600), 0);
	}
	c = conf_parse("[server]\nsession_ticket_keys = certs/t14-0.key\n"
	    "session_ticket_keys = certs/t14-1.key\n" SITE_OK, "conf/t.ini", CONF_LOAD_CERTS,
	    err, sizeof(err));
	ck_ok(c);
	ck_assert_uint_eq(c->nticket_keys, 2);
	ck_assert_uint_eq(c->ticket_keys[0].size, 80);
	ck_assert_uint_eq(c->nwarnings, 1);
	ck_assert_str_eq(c->warnings[0], "conf/t.ini:3: warning: session_ticket_keys: "
	    "conf/certs/t14-1.key may be read by other users (mode 644): whoever reads it can "
	    "decrypt the sessions it protects (chmod 600 it)");
	conf_free(c);
	snprintf(text, sizeof(text), "[server]\nsession_ticket_keys = certs/t14-2.key\n" SITE_OK);
	c = conf_parse(text, "conf/t.ini", CONF_LOAD_CERTS, err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_msg(has_line(err, "conf/t.ini:2: session_ticket_keys: conf/certs/t14-2.key: "
	    "50 bytes: a session ticket key file holds keys of 48 or 80 bytes (nginx's "
	    "ssl_session_ticket_key format, e.g. `openssl rand 80 > FILE`)"), "%s", err);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "conf/certs/t14-%d.key", i);
		unlink(path);
	}
}
END_TEST

/* What cannot do what it says is said: client certificates with nothing trusted,
 * SslMapCert, the netsh flags kept only to be shown. */
START_TEST(test_conf_client_warnings)
{
	struct conf *c = parse(SSL_HEAD "dsmapperusage = enable\nenabletokenbinding = enable\n"
	    LOC_SITES "ssl_flags = Ssl, SslMapCert\n[location MySite V2/a]\nssl_flags = "
	    "SslNegotiateCert\n[location MySite V2/b]\nssl_flags = SslRequireCert\n");

	ck_ok(c);
	ck_assert_uint_eq(c->nwarnings, 4);
	ck_assert_str_eq(c->warnings[0], "t.ini:11: warning: [site MySite]: SslMapCert (mapping "
	    "client certificates to Windows accounts) is not emulated: the certificate is checked "
	    "and forwarded, nobody is logged on");
	ck_assert_str_eq(c->warnings[1], "t.ini:13: warning: [location MySite V2/a] asks for "
	    "client certificates but [server] has no trust =: every client certificate will be "
	    "untrusted (403.16); so will those of every other site and path that asks");
	ck_assert_str_eq(c->warnings[2], "t.ini:3: warning: [sslcert 0.0.0.0:443]: "
	    "dsmapperusage = enable is shown by show sslcert, not emulated (no directory maps "
	    "certificates to accounts here)");
	ck_assert_ptr_nonnull(strstr(c->warnings[3], "enabletokenbinding = enable is shown by "
	    "show sslcert, not emulated"));
	conf_free(c);
}
END_TEST

/* [server] ssl_flags (issue 24 item 6): IIS's server level, every site's that sets none
 * (marked ssl_flags_server); a site's own, None too, wins; a [location] of the site keeps
 * its own; what cannot be done is said once, at [server], not for each site inheriting. */
START_TEST(test_conf_server_ssl_flags)
{
	struct conf *c = parse("[server]\nssl_flags = SslNegotiateCert, SslRequireCert, "
	    "SslMapCert\n" LOC_SITES "[site Own]\nid = 3\nbindings = https/*:443:own\n"
	    "ssl_flags = None\n[location MySite/a]\nssl_flags = Ssl\n");

	ck_ok(c);
	ck_assert_uint_eq(c->ssl_flags, CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT |
	    CONF_ACCESS_MAP_CERT);
	ck_assert_uint_eq(c->sites[0].ssl_flags, c->ssl_flags);
	ck_assert_int_eq(c->sites[0].ssl_flags_server, 1);
	ck_assert_uint_eq(c->sites[1].ssl_flags, c->ssl_flags);
	ck_assert_uint_eq(c->sites[2].ssl_flags, 0);
	ck_assert_int_eq(c->sites[2].ssl_flags_server, 0);
	ck_assert_uint_eq(c->locations[0].ssl_flags, CONF_ACCESS_SSL);
	ck_assert_uint_eq(c->nwarnings, 2);
	ck_assert_str_eq(c->warnings[0], "t.ini:2: warning: [server] ssl_flags (every site's "
	    "that sets none): SslMapCert (mapping client certificates to Windows accounts) is not "
	    "emulated: the certificate is checked and forwarded, nobody is logged on");
	ck_assert_str_eq(c->warnings[1], "t.ini:2: warning: [server] ssl_flags (every site's "
	    "that sets none) asks for client certificates but [server] has no trust =: every "
	    "client certificate will be untrusted (403.16); so will those of every other site and "
	    "path that asks");
	conf_free(c);
	/* no site inherits it: nothing said of it */
	c = parse("[server]\nssl_flags = SslMapCert\n[site Own]\nid = 3\nbindings = "
	    "https/*:443:own\nssl_flags = Ssl\n");
	ck_ok(c);
	ck_assert_uint_eq(c->nwarnings, 0);
	conf_free(c);
	/* unset: None, and a site without its own has None */
	c = parse(LOC_SITES);
	ck_ok(c);
	ck_assert_uint_eq(c->ssl_flags, 0);
	ck_assert_uint_eq(c->sites[0].ssl_flags, 0);
	ck_assert_int_eq(c->sites[0].ssl_flags_server, 1);
	conf_free(c);
	ck_error("[server]\nssl_flags = Bogus\n", "t.ini:2: ssl_flags: \"Bogus\" is not one of "
	    "None, Ssl, SslNegotiateCert, SslRequireCert, SslMapCert or Ssl128");
}
END_TEST

/* The manual page lists every key of the table as ".It Cm KEY" under its section's
 * ".Sh [NAME" heading, and no key the table does not have. */
/* A backend that is sysbind's own binding: the pure check, then the site's own (an error
 * at the backend line, naming the binding's line) and another site's (a warning). */
START_TEST(test_conf_backend_self)
{
	static const struct {
		const char *binding, *host, *port;
		int want;
	} cases[] = {
		{ "http/*:8080:sitev1.mysite.com", "127.0.0.1", "8080", 1 },
		{ "http/*:8080:", "127.0.0.2", "8080", 1 },      /* all of 127/8 is loopback */
		{ "http/*:8080:", "::1", "8080", 1 },
		{ "http/*:8080:", "localhost", "8080", 1 },
		{ "http/*:8080:", "0.0.0.0", "8080", 1 },
		{ "http/*:8080:", "127.0.0.1", "8081", 0 },     /* another port */
		{ "https/*:8080:", "127.0.0.1", "8080", 0 },    /* TLS: plain HTTP cannot loop */
		{ "http/*:8080:", "app.internal", "8080", 0 },  /* names are not resolved */
		{ "http/*:8080:", "192.0.2.7", "8080", 0 },     /* maybe this host's: unknown */
		{ "http/127.0.0.1:8080:", "127.0.0.1", "8080", 1 },
		{ "http/127.0.0.1:8080:", "localhost", "8080", 1 },
		{ "http/127.0.0.1:8080:", "127.0.0.2", "8080", 0 },
		{ "http/127.0.0.1:8080:", "::1", "8080", 0 },
		{ "http/[::1]:8080:", "::1", "8080", 1 },
		{ "http/[::1]:8080:", "localhost", "8080", 1 },
		{ "http/0.0.0.0:8080:", "::1", "8080", 0 },     /* 0.0.0.0 is IPv4's wildcard */
	};
	struct binding b;
	char msg[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(binding_parse(cases[i].binding, &b, msg, sizeof(msg)), 0);
		ck_assert_msg(conf_backend_is_binding(cases[i].host, cases[i].port, &b) ==
		    cases[i].want, "%s, backend %s:%s: want %d", cases[i].binding, cases[i].host,
		    cases[i].port, cases[i].want);
	}
	ck_assert_ptr_null(parse("[site A]\nid = 1\nbindings = http/*:8080:sitev1.mysite.com\n"
	    "backend = http://127.0.0.1:8080\n"));
	ck_assert_msg(has_line(err, "t.ini:4: backend http://127.0.0.1:8080 is this site's own "
	    "binding http/*:8080:sitev1.mysite.com (line 3): every request through it would come "
	    "back to the site, without end; point backend at the application's port"), "%s", err);
	ck_assert_int_eq(count_lines(err), 1);
	{
		struct conf *c = parse("[site A]\nid = 1\nbindings = http/*:8080:\n"
		    "backend = http://127.0.0.1:8081\n"
		    "[site B]\nid = 2\nbindings = http/127.0.0.1:8081:\n"
		    "backend = http://127.0.0.1:9000\n");

		ck_assert_msg(c != NULL, "%s", err);
		ck_assert_int_eq((int)c->nwarnings, 1);
		ck_assert_str_eq(c->warnings[0], "t.ini:4: warning: backend http://127.0.0.1:8081 "
		    "is sysbind's own binding http/127.0.0.1:8081: of [site B] (line 7): a request "
		    "forwarded there is served by sysbind again; one that comes back to a site it "
		    "went through is answered 508 Loop Detected");
		conf_free(c);
	}
}
END_TEST

START_TEST(test_conf_flag_words)
{
	unsigned long u = 0;
	char msg[256];

	/* <binding sslFlags>: the names and numbers IIS writes, any case */
	ck_assert_int_eq(conf_flag_words_parse(conf_binding_flag_words, "sslFlags",
	    "Sni, DisableTLS13", &u, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(u, 33);
	ck_assert_int_eq(conf_flag_words_parse(conf_binding_flag_words, "sslFlags",
	    " sni,centralcertstore",
	    &u, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(u, 3);
	ck_assert_int_eq(conf_flag_words_parse(conf_binding_flag_words, "sslFlags", "255", &u, msg,
	    sizeof(msg)), 0);
	ck_assert_uint_eq(u, 255);
	ck_assert_int_eq(conf_flag_words_parse(conf_binding_flag_words, "sslFlags", "None", &u, msg,
	    sizeof(msg)), 0);
	ck_assert_uint_eq(u, 0);
	ck_assert_int_eq(conf_flag_words_parse(conf_binding_flag_words, "sslFlags", "256", &u, msg,
	    sizeof(msg)), -1);
	ck_assert_str_eq(msg, "sslFlags \"256\": a number may only hold the bits of the names (255 in all)");
	ck_assert_int_eq(conf_flag_words_parse(conf_binding_flag_words, "sslFlags", "None, Sni", &u,
	    msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "sslFlags: None cannot be combined with other names");
	ck_assert_int_eq(conf_flag_words_parse(conf_binding_flag_words, "sslFlags", "Sni, SNI", &u,
	    msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "sslFlags: Sni given twice");
	/* <access sslFlags>: a name of the other enumeration is not one of these */
	ck_assert_int_eq(conf_flag_words_parse(conf_access_flag_words, "ssl_flags", "Ssl, Sni", &u,
	    msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "ssl_flags: \"Sni\" is not one of None, Ssl, SslNegotiateCert, "
	    "SslRequireCert, SslMapCert or Ssl128");
	ck_assert_int_eq(conf_flag_words_parse(conf_access_flag_words, "ssl_flags", "Ssl,", &u,
	    msg, sizeof(msg)), -1);
	ck_assert_int_eq(conf_flag_words_parse(conf_access_flag_words, "ssl_flags",
	    "Ssl, SslNegotiateCert, SslRequireCert", &u, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(u, CONF_ACCESS_SSL | CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT);
}
END_TEST

START_TEST(test_conf_man_page_lists_every_key)
{
	FILE *f = fopen("man/sysbind.ini.5", "r");
	char line[512], listed[128][64];
	int sec = -1, secs[128];
	size_t n, i, j, nlisted = 0;
	const struct conf_key *k = conf_keys(&n);

	ck_assert_msg(f != NULL, "man/sysbind.ini.5 (run from the repository root)");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".Sh ", 4) == 0) {
			sec = strncmp(line, ".Sh [server]", 12) == 0 ? CONF_SECTION_SERVER :
			    strncmp(line, ".Sh [sslcert", 12) == 0 ? CONF_SECTION_SSLCERT :
			    strncmp(line, ".Sh [site", 9) == 0 ? CONF_SECTION_SITE :
			    strncmp(line, ".Sh [location", 13) == 0 ? CONF_SECTION_LOCATION : -1;
			continue;
		}
		if (sec < 0 || strncmp(line, ".It Cm ", 7) != 0)
			continue;
		ck_assert_uint_lt(nlisted, 128);
		snprintf(listed[nlisted], sizeof(listed[0]), "%.63s", line + 7);
		listed[nlisted][strcspn(listed[nlisted], " \n")] = '\0';
		secs[nlisted++] = sec;
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nlisted; j++)
			if (secs[j] == (int)k[i].section && strcmp(listed[j], k[i].name) == 0)
				break;
		ck_assert_msg(j < nlisted, "%s of %s is not in man/sysbind.ini.5", k[i].name,
		    conf_section_name(k[i].section));
	}
	for (j = 0; j < nlisted; j++)
		ck_assert_msg(conf_key_find((enum conf_section)secs[j], listed[j]) != NULL,
		    "man/sysbind.ini.5 lists %s, which %s does not have", listed[j],
		    conf_section_name((enum conf_section)secs[j]));
}
END_TEST

/* The text of man/sysbind.ini.5's items, one per ".It Cm KEY" of a section's list: the
 * macros' names dropped, the words joined by one space, no space before , . ; ) or after (.
 * Returns the count; each body is malloc'ed. */
#define MAN_ITEMS 160
struct man_item {
	int   sec;
	char  name[64];
	char *body;
};

static size_t
man_items(struct man_item *it)
{
	FILE *f = fopen("man/sysbind.ini.5", "r");
	char line[512];
	int sec = -1;
	size_t n = 0, len = 0;
	struct man_item *cur = NULL;

	ck_assert_msg(f != NULL, "man/sysbind.ini.5 (run from the repository root)");
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *tok, *save = NULL;

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Sh ", 4) == 0 || strncmp(line, ".It", 3) == 0 ||
		    strncmp(line, ".El", 3) == 0)
			cur = NULL;
		if (strncmp(line, ".Sh ", 4) == 0) {
			sec = strncmp(line, ".Sh [server]", 12) == 0 ? CONF_SECTION_SERVER :
			    strncmp(line, ".Sh [sslcert", 12) == 0 ? CONF_SECTION_SSLCERT :
			    strncmp(line, ".Sh [site", 9) == 0 ? CONF_SECTION_SITE :
			    strncmp(line, ".Sh [location", 13) == 0 ? CONF_SECTION_LOCATION : -1;
			continue;
		}
		if (sec >= 0 && strncmp(line, ".It Cm ", 7) == 0) {
			ck_assert_uint_lt(n, MAN_ITEMS);
			cur = &it[n++];
			cur->sec = sec;
			snprintf(cur->name, sizeof(cur->name), "%.63s", line + 7);
			cur->name[strcspn(cur->name, " ")] = '\0';
			cur->body = calloc(1, 1);
			len = 0;
			continue;
		}
		if (cur == NULL || strncmp(line, ".\\\"", 3) == 0)
			continue;
		for (tok = strtok_r(p, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
			size_t tl = strlen(tok);

			/* a macro's name: .Cm, Li, Ql, Pq, Ns ... */
			if ((tok == line && tok[0] == '.') || (line[0] == '.' && tl == 2 &&
			    isupper((unsigned char)tok[0]) && islower((unsigned char)tok[1])))
				continue;
			if (strcmp(tok, "\\&") == 0)
				continue;
			if (strcmp(tok, "\\-") == 0 || strncmp(tok, "\\-", 2) == 0)
				tok += 1, tl -= 1;   /* \- is a minus sign */
			cur->body = realloc(cur->body, len + tl + 2);
			ck_assert_ptr_nonnull(cur->body);
			if (len > 0 && strchr(",.;)", tok[0]) == NULL && cur->body[len - 1] != '(')
				cur->body[len++] = ' ';
			memcpy(cur->body + len, tok, tl + 1);
			len += tl;
		}
	}
	fclose(f);
	return n;
}

/* Whether hay holds needle (without case) as whole words. */
static int
has_words(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);
	const char *p;

	for (p = hay; (p = strcasestr(p, needle)) != NULL; p++)
		if ((p == hay || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[nl]))
			return 1;
	return 0;
}

/*
 * Every key's item in man/sysbind.ini.5 says what the key table says (issue 20): a number's
 * range "MIN to MAX", the default ("default X", or "Default: none" / "Required" / for a key
 * that may be empty "Default: empty" when the table has none), and no key is listed twice
 * in its section (a second, older item would say something else: http2 and misdirected
 * were).
 */
START_TEST(test_conf_man_page_ranges_and_defaults)
{
	static struct man_item it[MAN_ITEMS];
	size_t n, i, j, nit = man_items(it);
	const struct conf_key *k = conf_keys(&n);
	char *bad = NULL, want[128];
	size_t blen = 0;
	FILE *out = open_memstream(&bad, &blen);

	ck_assert_ptr_nonnull(out);
	for (i = 0; i < nit; i++)
		for (j = i + 1; j < nit; j++)
			if (it[i].sec == it[j].sec && strcmp(it[i].name, it[j].name) == 0)
				fprintf(out, "%s of %s is listed twice\n", it[i].name,
				    conf_section_name((enum conf_section)it[i].sec));
	for (i = 0; i < n; i++) {
		const char *body = NULL;

		for (j = 0; j < nit && body == NULL; j++)
			if (it[j].sec == (int)k[i].section && strcmp(it[j].name, k[i].name) == 0)
				body = it[j].body;
		if (body == NULL)
			continue;   /* test_conf_man_page_lists_every_key says so */
		if (k[i].type == CONF_TYPE_NUMBER) {
			snprintf(want, sizeof(want), "%lu to %lu", k[i].min, k[i].max);
			if (!has_words(body, want))
				fprintf(out, "%s of %s: the page does not say \"%s\": %s\n", k[i].name,
				    conf_section_name(k[i].section), want, body);
		}
		if (k[i].def != NULL) {
			snprintf(want, sizeof(want), "default %s", k[i].def);
			if (!has_words(body, want))
				fprintf(out, "%s of %s: the page does not say \"%s\": %s\n", k[i].name,
				    conf_section_name(k[i].section), want, body);
		} else if (!has_words(body, "default: none") && !has_words(body, "required") &&
		    !((k[i].flags & CONF_KEY_EMPTY_OK) && has_words(body, "default: empty"))) {
			fprintf(out, "%s of %s: the table has no default, the page says none of "
			    "\"Default: none\", \"Required\" or (a key that may be empty) "
			    "\"Default: empty\": %s\n", k[i].name,
			    conf_section_name(k[i].section), body);
		}
	}
	fclose(out);
	for (i = 0; i < nit; i++)
		free(it[i].body);
	ck_assert_msg(blen == 0, "man/sysbind.ini.5 and the key table disagree:\n%s", bad);
	free(bad);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("parse");
	TCase *tl = tcase_create("load");

	tcase_add_test(tc, test_conf_defaults);
	tcase_add_test(tc, test_conf_bindings_repeat);
	tcase_add_test(tc, test_conf_keys_table);
	tcase_add_test(tc, test_conf_quoted_names);
	tcase_add_test(tc, test_conf_long_names_and_ids);
	tcase_add_test(tc, test_conf_server_values);
	tcase_add_test(tc, test_conf_server_bad_values);
	tcase_add_test(tc, test_conf_number_ranges);
	tcase_add_test(tc, test_conf_request_bytes_lowers_field_length);
	tcase_add_test(tc, test_conf_unknown_and_duplicate_keys);
	tcase_add_test(tc, test_conf_sections);
	tcase_add_test(tc, test_conf_syntax_errors);
	tcase_add_test(tc, test_conf_indented_keys_and_comments);
	tcase_add_test(tc, test_conf_long_line);
	tcase_add_test(tc, test_conf_all_errors_in_one_run);
	tcase_add_test(tc, test_conf_error_truncation);
	tcase_add_test(tc, test_conf_sslcert_rules);
	tcase_add_test(tc, test_conf_ccs_rules);
	tcase_add_test(tc, test_conf_mode_checked_at_end);
	tcase_add_test(tc, test_conf_site_rules);
	tcase_add_test(tc, test_conf_duplicate_bindings);
	tcase_add_test(tc, test_conf_port_clash);
	tcase_add_test(tc, test_conf_shared_binding_is_not_a_warning);
	tcase_add_test(tc, test_conf_warning_no_default_ssl);
	tcase_add_test(tc, test_conf_sslcert_switches);
	tcase_add_test(tc, test_conf_sslcert_netsh_values);
	tcase_add_test(tc, test_conf_site_ssl_flags);
	tcase_add_test(tc, test_conf_site_hsts);
	tcase_add_test(tc, test_conf_locations);
	tcase_add_test(tc, test_conf_client_server_keys);
	tcase_add_test(tc, test_conf_tls_versions);
	tcase_add_test(tc, test_conf_client_warnings);
	tcase_add_test(tc, test_conf_server_ssl_flags);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(tl, certs_setup, NULL);
	tcase_set_timeout(tl, 60);
	tcase_add_test(tl, test_conf_load_sysbind_ini);
	tcase_add_test(tl, test_conf_load_examples);
	tcase_add_test(tl, test_conf_load_bad_ini);
	tcase_add_test(tl, test_conf_load_missing_file);
	tcase_add_test(tl, test_conf_load_nul_byte);
	tcase_add_test(tl, test_conf_certificate_load_errors);
	tcase_add_test(tl, test_conf_load_not_regular);
	tcase_add_test(tl, test_conf_serve_needs_a_site);
	tcase_add_test(tl, test_conf_certificate_unavailable);
	tcase_add_test(tl, test_conf_load_client_material);
	tcase_add_test(tl, test_conf_man_page_lists_every_key);
	tcase_add_test(tl, test_conf_man_page_ranges_and_defaults);
	tcase_add_test(tl, test_conf_flag_words);
	tcase_add_test(tl, test_conf_backend_self);
	suite_add_tcase(s, tl);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
