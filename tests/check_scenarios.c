/*
 * check_scenarios — the pure steps of `sysbind scenarios`: its command line, the INI text
 * (read back through conf_parse, the daemon's parser: every scenario's address must reach
 * an https binding of its port), the manifest (one object per scenario, sni null for the
 * clients that send none, a whole object compared), and the printed table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "model/conf.h"
#include "cli/scenarios.h"

static char err[8192];

static int
sparse(struct scen_opts *o, const char *const *words)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = (char *)"scenarios";
	while (*words != NULL && argc < 15)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	err[0] = '\0';
	return scen_parse(argc, argv, o, err, sizeof(err));
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

START_TEST(test_scen_parse)
{
	struct scen_opts o;

	ck_assert_int_eq(sparse(&o, W("--dir", "d")), 0);
	ck_assert_str_eq(o.dir, "d");
	ck_assert_uint_eq(o.port_base, SCEN_PORT_BASE);
	ck_assert_int_eq(sparse(&o, W("--port-base", "20000", "--dir", "d", "-v")), 0);
	ck_assert_uint_eq(o.port_base, 20000);
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_int_eq(sparse(&o, W("--help")), 0);
	ck_assert_int_eq(o.help, 1);
	ck_assert_int_eq(sparse(&o, W("--port-base", "65518", "--dir", "d")), 0);

	ck_assert_int_eq(sparse(&o, (const char *const[]){ NULL }), -1);
	ck_assert_str_eq(err, "--dir DIR is required (where the certificates, the "
	    "configuration and scenarios.json are written)");
	ck_assert_int_eq(sparse(&o, W("--dir", "d", "--port-base", "65519")), -1);
	ck_assert_str_eq(err, "--port-base \"65519\": a port from 1024 to 65518 (the "
	    "scenarios use 18 ports from it)");
	ck_assert_int_eq(sparse(&o, W("--dir", "d", "--port-base", "1023")), -1);
	ck_assert_int_eq(sparse(&o, W("--dir", "d", "--port-base", "09400")), -1);
	ck_assert_int_eq(sparse(&o, W("--dir", "d", "--port-base", "9400x")), -1);
	ck_assert_int_eq(sparse(&o, W("--dir", "d", "--dir", "e")), -1);
	ck_assert_str_eq(err, "--dir given twice");
	ck_assert_int_eq(sparse(&o, W("--dir")), -1);
	ck_assert_str_eq(err, "--dir needs a value");
	ck_assert_int_eq(sparse(&o, W("--dir", "d", "--mode", "iis7")), -1);
	ck_assert_str_eq(err, "unknown option \"--mode\"");
}
END_TEST

/* The names the issue asks for are all there, each scenario once, ports in range. */
START_TEST(test_scen_table)
{
	static const char *const named[] = { "shared-ipport", "missing-intermediate",
	    "tls13-client-cert", "sni-less-client", "no-sni-fallback",
	    "specific-ip-beats-sni", "ccs-parent-wildcard", "stale-intermediate", "expired",
	    "not-yet-valid", "ipv6-entry", "disablelegacytls", "http11-required",
	    "stopped-site", "unknown-host", "ok" };
	size_t n, i, j, found;
	const struct scen *s = scen_table(&n);

	ck_assert_uint_ge(n, 14);
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		for (found = 0, j = 0; j < n; j++)
			found += strcmp(s[j].name, named[i]) == 0;
		ck_assert_msg(found == 1, "%s appears %zu times", named[i], found);
	}
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(s[i].port, 18);
		ck_assert(strncmp(s[i].ip, "127.", 4) == 0 || strcmp(s[i].ip, "::1") == 0);
		/* curl fails: no HTTP status; curl succeeds: one */
		ck_assert_int_eq(s[i].expect.curl == 0, s[i].expect.http != 0);
		for (j = i + 1; j < n; j++)
			ck_assert_str_ne(s[i].name, s[j].name);
	}
}
END_TEST

/* The INI is valid as the daemon reads it, and every scenario reaches an https binding. */
START_TEST(test_scen_ini_parses)
{
	char *ini = scen_ini(9400);
	struct conf *c;
	size_t n, i, k, b;
	const struct scen *s = scen_table(&n);

	ck_assert_ptr_nonnull(ini);
	ck_assert_ptr_null(strchr(ini, '@'));
	ck_assert_ptr_nonnull(strstr(ini, "[sslcert 0.0.0.0:9400]\n"));
	ck_assert_ptr_nonnull(strstr(ini, "[sslcert [::]:9413]\n"));
	ck_assert_ptr_nonnull(strstr(ini, "[sslcert 127.0.0.3:9406]\n"));
	ck_assert_ptr_nonnull(strstr(ini, "bindings = https/*:9417:tls13.test\n"));
	c = conf_parse(ini, "scenarios", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nsites, 19);
	for (i = 0; i < n; i++) {
		int reach = 0;

		for (k = 0; k < c->nsites; k++)
			for (b = 0; b < c->sites[k].nbindings; b++)
				reach |= c->sites[k].bindings[b].port == 9400 + s[i].port &&
				    c->sites[k].bindings[b].proto == BINDING_HTTPS;
		ck_assert_msg(reach, "%s: no https binding on its port", s[i].name);
	}
	conf_free(c);
	free(ini);
	ini = scen_ini(65518);
	ck_assert_ptr_nonnull(strstr(ini, "bindings = https/*:65535:tls13.test\n"));
	free(ini);
}
END_TEST

START_TEST(test_scen_manifest)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);

	scen_table(&n);
	ck_assert_int_eq(scen_manifest(f, 9400, "/d/certs/ca.pem"), 0);
	fclose(f);
	ck_assert(strncmp(buf, "{\n  \"ca\": \"/d/certs/ca.pem\",\n  \"port_base\": 9400,\n",
	    50) == 0);
	ck_assert_uint_eq(count(buf, "{\"name\": "), n);
	ck_assert_uint_eq(count(buf, "{"), count(buf, "}"));
	ck_assert_uint_eq(count(buf, "\"sni\": null"), 2);
	ck_assert_ptr_nonnull(strstr(buf,
	    "    {\"name\": \"shared-ipport\", \"address\": \"127.0.0.1:9403\", \"ip\": "
	    "\"127.0.0.1\", \"port\": 9403, \"host\": \"sitev2.test\", \"sni\": \"sitev2.test\", "
	    "\"url\": \"https://sitev2.test:9403/\",\n"
	    "     \"curl_args\": [], \"openssl_args\": [],\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\"address\": \"[::1]:9413\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"curl_args\": [\"--tlsv1.1\", \"--tls-max\", "
	    "\"1.1\", \"--ciphers\", \"DEFAULT@SECLEVEL=0\"]"));
	ck_assert_ptr_nonnull(strstr(buf, "\"expect\": {\"curl\": 60, \"http\": null, "
	    "\"openssl\": {\"verify\": 0, \"subject\": \"sitev1.test\"}, \"chromium\": "
	    "\"ERR_CERT_COMMON_NAME_INVALID\"}}"));
	ck_assert_ptr_nonnull(strstr(buf, "\"expect\": {\"curl\": 35, \"http\": null, "
	    "\"openssl\": {\"verify\": null, \"subject\": null}, \"chromium\": null}}"));
	ck_assert_ptr_nonnull(strstr(buf, "Let's Encrypt R3"));   /* no escaping needed */
	ck_assert_ptr_null(strstr(buf, "\"fix\": \"-\""));
	free(buf);
}
END_TEST

/* The manifest's strings go through the one JSON escaper: a CA path from a --dir that is
 * not UTF-8 (or holds a control character) still makes valid JSON. */
START_TEST(test_scen_manifest_escapes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(scen_manifest(f, 9400, "/d/\xff\x7f\"q\"\n/ca.pem"), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"ca\": \"/d/\\u00ff\\u007f\\\"q\\\"\\n/ca.pem\",\n"));
	ck_assert_ptr_null(memchr(buf, 0xff, len));
	free(buf);
}
END_TEST

START_TEST(test_scen_print_table)
{
	char *buf = NULL, *p;
	size_t len = 0, n, rows = 0;
	FILE *f = open_memstream(&buf, &len);

	scen_table(&n);
	scen_print_table(f, 9400, "/d/ca.pem");
	fclose(f);
	ck_assert(strncmp(buf, "SCENARIO ", 9) == 0);
	for (p = strchr(buf, '\n') + 1; *p != '\n'; p = strchr(p, '\n') + 1)
		rows++;
	ck_assert_uint_eq(rows, n);
	ck_assert_ptr_nonnull(strstr(buf, "\nshared-ipport          https://sitev2.test:9403/"
	    "              127.0.0.1:9403    yes    exit 60\n"));
	ck_assert_ptr_nonnull(strstr(buf, "  try:    curl -s -o /dev/null --cacert /d/ca.pem "
	    "--resolve dual.test:9413:::1 https://dual.test:9413/\n"));
	ck_assert_uint_eq(count(buf, "  try:    curl "), n);
	free(buf);
}
END_TEST

static Suite *
scen_suite(void)
{
	Suite *s = suite_create("scenarios");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_scen_parse);
	tcase_add_test(tc, test_scen_table);
	tcase_add_test(tc, test_scen_ini_parses);
	tcase_add_test(tc, test_scen_manifest);
	tcase_add_test(tc, test_scen_manifest_escapes);
	tcase_add_test(tc, test_scen_print_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
