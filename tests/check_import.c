/*
 * check_import — `sysbind import` (import.c) on the realistic IIS files in
 * tests/fixtures/iis/ (run from the repository root): applicationHost.config with several
 * sites, sslFlags 0/1/2/3/97, a stopped site, IPv6 and specific-IP bindings, net.tcp; netsh
 * output in the Windows Server 2012 and 2022 layouts with CRLF line ends; malformed XML.
 * Each test asserts the configuration text and the warnings a user would see.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "import.h"

#define FIX "tests/fixtures/iis/"

struct result {
	char *text;
	char *warnings;
	char  err[8192];
};

static void
run_import(struct result *r, const char *apphost, const char *sslcert, const char *store,
    const char *out)
{
	struct import_opts o = { apphost, sslcert, store, out };
	size_t len = 0;
	FILE *w = open_memstream(&r->warnings, &len);

	ck_assert_ptr_nonnull(w);
	r->text = import_build(&o, w, r->err, sizeof(r->err));
	fclose(w);
}

static void
result_free(struct result *r)
{
	free(r->text);
	free(r->warnings);
}

#define HAS(hay, needle) ck_assert_msg(strstr((hay), (needle)) != NULL, \
	"missing [%s] in:\n%s", (needle), (hay))
#define HASNT(hay, needle) ck_assert_msg(strstr((hay), (needle)) == NULL, \
	"unexpected [%s] in:\n%s", (needle), (hay))

START_TEST(test_import_two_sites_2012)
{
	struct result r;
	struct conf *c;
	char err[4096];

	run_import(&r, FIX "two-sites.applicationHost.config", FIX "two-sites.sslcert-2012.txt",
	    NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "mode = iis7\n");
	HAS(r.text, "\n[sslcert 0.0.0.0:8443]   ; " FIX "two-sites.sslcert-2012.txt line 5\n"
	    "certhash = 5e537858f558b101c877dd9a442344dd7f110794\n"
	    "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"
	    "certstorename = My\n");
	HAS(r.text, "\n[site MySite V1]\nid = 1\nbindings = https/127.0.0.1:8443:sitev1.mysite.com, "
	    "http/127.0.0.1:8080:sitev1.mysite.com\n");
	HAS(r.text, "\n[site MySite V2]\nid = 2\nbindings = https/127.0.0.1:8443:sitev2.mysite.com, "
	    "http/127.0.0.1:8080:sitev2.mysite.com\n");
	HAS(r.text, "; on IIS: application pool \"MySiteV2Pool\", D:\\sites\\v2\n");
	HASNT(r.text, "\nbackend =");
	HASNT(r.text, "state = stopped");
	/* no --cert-store: a placeholder store so certhash is valid */
	HAS(r.text, "cert_store = .");
	ck_assert_str_eq(r.warnings, "");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nsites, 2);
	ck_assert_uint_eq(c->nsslcerts, 1);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS7);
	conf_free(c);
	result_free(&r);
}
END_TEST

START_TEST(test_import_several_sites_2022)
{
	struct result r;
	struct conf *c;
	char err[4096];
	size_t i;

	run_import(&r, FIX "several-sites.applicationHost.config",
	    FIX "several-sites.sslcert-2022.txt", NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	/* hostnameport and ccs entries, sslFlags 1/2/3: IIS 8's SNI */
	HAS(r.text, "mode = iis8 ");
	HAS(r.text, "[sslcert 0.0.0.0:443]");
	HAS(r.text, "[sslcert 127.0.0.2:443]");
	HAS(r.text, "[sslcert [::1]:443]");
	HAS(r.text, "[sslcert shop.example.com:443]   ; " FIX "several-sites.sslcert-2022.txt "
	    "line 98\ncerthash = 176842bcd5618f3dd5462d99b57bb5511fc4d8a4\n"
	    "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\ncertstorename = WebHosting\n");
	/* the sites, bindings as IIS wrote them; net.tcp and net.pipe left out */
	HAS(r.text, "[site Default Web Site]\nid = 1\nbindings = http/*:80:, https/*:443:\n");
	HAS(r.text, "[site Shop]\nid = 2\nbindings = https/*:443:shop.example.com, "
	    "https/*:443:WWW.Example.com, http/*:80:shop.example.com\n");
	HAS(r.text, "[site Intranet]\nid = 3\nbindings = https/127.0.0.2:443:, https/[::1]:443:, "
	    "http/127.0.0.2:80:intranet\n");
	HAS(r.text, "[site Legacy App]\nid = 7\nbindings = http/*:8081:\n");
	HAS(r.text, "; on IIS: application pool \"Legacy\", D:\\www\\legacy\nstate = stopped\n");
	/* the root application without applicationPool takes applicationDefaults' */
	HAS(r.text, "; on IIS: application pool \"DefaultAppPool\", "
	    "%SystemDrive%\\inetpub\\wwwroot\n");
	HASNT(r.text, "WCF Only");
	HASNT(r.text, "[sslcert ccs:443]");

	HAS(r.warnings, FIX "several-sites.applicationHost.config:35: warning: site \"Default "
	    "Web Site\": binding net.tcp/808:*: protocol net.tcp is not supported");
	HAS(r.warnings, FIX "several-sites.applicationHost.config:36: warning: site \"Default "
	    "Web Site\": binding net.pipe/*");
	HAS(r.warnings, FIX "several-sites.applicationHost.config:45: warning: site \"Shop\": "
	    "binding https/*:443:WWW.Example.com: sslFlags 97: DisableTLS13, DisableLegacyTLS "
	    "not emulated");
	HAS(r.warnings, "several-sites.applicationHost.config:77: warning: site \"WCF Only\" has "
	    "no http or https binding: not carried over");
	HAS(r.warnings, FIX "several-sites.sslcert-2022.txt:160: warning: ccs entry for port 443: "
	    "the Central Certificate Store's directory is not in netsh's output");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS8);
	ck_assert_uint_eq(c->nsites, 5);
	ck_assert_uint_eq(c->nsslcerts, 5);
	for (i = 0; i < c->nsites; i++)
		ck_assert_int_eq(c->sites[i].stopped, strcmp(c->sites[i].name, "Legacy App") == 0);
	conf_free(c);
	result_free(&r);
}
END_TEST

START_TEST(test_import_netsh_2012_and_2022_layouts)
{
	struct import_netsh_entry *v;
	size_t n, len;
	char err[512], *text;
	FILE *f;

	/* 2022: six entries, the CCS one with no hash, keys of all three kinds */
	f = fopen(FIX "several-sites.sslcert-2022.txt", "rb");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 65536);
	len = fread(text, 1, 65535, f);
	fclose(f);
	ck_assert_int_eq(import_netsh_parse(text, len, "x", &v, &n, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(v[0].keytext, "0.0.0.0:443");
	ck_assert_int_eq(v[0].line, 5);
	ck_assert_str_eq(v[2].keytext, "[::1]:443");
	ck_assert_int_eq(v[3].key.kind, SSLCERT_HOSTNAMEPORT);
	ck_assert_str_eq(v[3].storename, "WebHosting");
	ck_assert_int_eq(v[5].key.kind, SSLCERT_CCS);
	ck_assert_uint_eq(v[5].key.port, 443);
	ck_assert_str_eq(v[5].certhash, "");
	ck_assert_str_eq(v[5].storename, "");
	free(v);

	/* 2012: stops after Negotiate Client Certificate; split at every line the same */
	f = fopen(FIX "two-sites.sslcert-2012.txt", "rb");
	ck_assert_ptr_nonnull(f);
	len = fread(text, 1, 65535, f);
	fclose(f);
	ck_assert_int_eq(import_netsh_parse(text, len, "x", &v, &n, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].certhash, "5e537858f558b101c877dd9a442344dd7f110794");
	ck_assert_str_eq(v[0].appid, "{4dc3e181-e14b-4a21-b022-59fc669b0914}");
	free(v);
	free(text);
}
END_TEST

START_TEST(test_import_netsh_lf_and_duplicates)
{
	static const char text[] =
	    "\nSSL Certificate bindings:\n-------------------------\n\n"
	    "    IP:port                      : 0.0.0.0:443\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\n"
	    "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\n\n"
	    "    IP:port                      : 0.0.0.0:443\n"
	    "    Certificate Hash             : 176842bcd5618f3dd5462d99b57bb5511fc4d8a4\n\n"
	    "    IP:port                      : 1.2.3:443\n";
	struct import_netsh_entry *v;
	size_t n, len = 0;
	char err[512], *warn = NULL;
	FILE *w = open_memstream(&warn, &len);

	ck_assert_int_eq(import_netsh_parse(text, strlen(text), "sslcert.txt", &v, &n, w, err,
	    sizeof(err)), 0);
	fclose(w);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].certhash, "5e537858f558b101c877dd9a442344dd7f110794");
	HAS(warn, "sslcert.txt:9: warning: IP:port 0.0.0.0:443 listed twice (first at line 5)");
	HAS(warn, "sslcert.txt:12: warning: IP:port \"1.2.3:443\" is not a certificate binding");
	free(v);
	free(warn);
}
END_TEST

START_TEST(test_import_malformed_xml_is_an_error)
{
	struct result r;

	run_import(&r, FIX "malformed.applicationHost.config", NULL, NULL, NULL);
	ck_assert_ptr_null(r.text);
	ck_assert_str_eq(r.err, FIX "malformed.applicationHost.config:8: malformed XML: "
	    "mismatched tag (column 19)");
	result_free(&r);

	run_import(&r, FIX "no-such-file.config", NULL, NULL, NULL);
	ck_assert_ptr_null(r.text);
	HAS(r.err, "no-such-file.config: No such file or directory");
	result_free(&r);
}
END_TEST

START_TEST(test_import_not_applicationhost)
{
	char path[] = "/tmp/check_import.XXXXXX";
	int fd = mkstemp(path);
	struct result r;
	static const char web[] = "<?xml version=\"1.0\"?>\n<configuration>\n"
	    "  <system.webServer><defaultDocument enabled=\"true\" /></system.webServer>\n"
	    "</configuration>\n";

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, web, sizeof(web) - 1), (ssize_t)(sizeof(web) - 1));
	close(fd);
	run_import(&r, path, NULL, NULL, NULL);
	unlink(path);
	ck_assert_ptr_null(r.text);
	HAS(r.err, "not an IIS applicationHost.config");
	result_free(&r);
}
END_TEST

START_TEST(test_import_sslflags_need_entries_and_state_attribute)
{
	char apph[] = "/tmp/check_import_a.XXXXXX", ssl[] = "/tmp/check_import_s.XXXXXX";
	int fa = mkstemp(apph), fs = mkstemp(ssl);
	struct result r;
	static const char a[] =
	    "<configuration>\n<system.applicationHost>\n<sites>\n"
	    "<site name=\"A\" id=\"4\" state=\"Stopped\" serverAutoStart=\"true\"><bindings>\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:443:a.example.com\" sslFlags=\"1\" />\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:8443:\" sslFlags=\"0\" />\n"
	    "</bindings></site>\n"
	    "<site name=\"B\"><bindings><binding protocol=\"http\" bindingInformation=\"*:80:b\" />"
	    "</bindings></site>\n"
	    "<siteDefaults serverAutoStart=\"false\" />\n"
	    "</sites>\n</system.applicationHost>\n</configuration>\n";
	static const char s[] =
	    "\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n"
	    "    IP:port                      : 0.0.0.0:443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n"
	    "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\r\n"
	    "    Certificate Store Name       : (null)\r\n\r\n";

	ck_assert_int_ne(fa, -1);
	ck_assert_int_ne(fs, -1);
	ck_assert_int_eq(write(fa, a, sizeof(a) - 1), (ssize_t)(sizeof(a) - 1));
	ck_assert_int_eq(write(fs, s, sizeof(s) - 1), (ssize_t)(sizeof(s) - 1));
	close(fa);
	close(fs);
	run_import(&r, apph, ssl, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	/* sslFlags 1 alone makes it iis8; the SNI binding still falls back to 0.0.0.0:443 */
	HAS(r.text, "mode = iis8");
	HASNT(r.text, "certstorename");
	/* state="Stopped" wins over serverAutoStart="true" */
	HAS(r.text, "[site A]\nid = 4\nbindings = https/*:443:a.example.com, https/*:8443:\n"
	    "; backend = http://127.0.0.1:8080   ; fill in; until then the built-in page answers\n"
	    "state = stopped\n");
	/* B: no id (given the next free one); siteDefaults' serverAutoStart="false" applies */
	HAS(r.text, "[site B]\nid = 5\n");
	HAS(r.text, "bindings = http/*:80:b\n; backend = http://127.0.0.1:8080   ; fill in; until "
	    "then the built-in page answers\nstate = stopped\n");
	HAS(r.warnings, ":6: warning: site \"A\": binding https/*:8443: (sslFlags 0) has no ipport "
	    "entry for its IP:8443");
	HAS(r.warnings, ":8: warning: site \"B\" has no valid id: given id 5");
	HASNT(r.warnings, "a.example.com:443");
	unlink(apph);
	unlink(ssl);
	result_free(&r);
}
END_TEST

START_TEST(test_import_long_binding_lists_split_for_inih)
{
	char apph[] = "/tmp/check_import_l.XXXXXX";
	int fa = mkstemp(apph), i;
	FILE *f;
	struct result r;
	char *p, *line, *text;

	ck_assert_int_ne(fa, -1);
	f = fdopen(fa, "w");
	fputs("<configuration><system.applicationHost><sites><site name=\"Many\" id=\"1\">"
	    "<bindings>\n", f);
	for (i = 0; i < 40; i++)
		fprintf(f, "<binding protocol=\"http\" bindingInformation=\"*:80:host%02d.example.com\" />\n",
		    i);
	fputs("</bindings></site></sites></system.applicationHost></configuration>\n", f);
	fclose(f);
	run_import(&r, apph, NULL, NULL, NULL);
	unlink(apph);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.text, "host39.example.com"));
	text = strdup(r.text);
	for (p = text; (line = strsep(&p, "\n")) != NULL;)
		ck_assert_uint_le(strlen(line), 199);
	free(text);
	result_free(&r);
}
END_TEST

START_TEST(test_import_cert_store_checks_thumbprints)
{
	struct result r;
	char store[] = "/tmp/check_import_d.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(store));
	run_import(&r, FIX "two-sites.applicationHost.config", FIX "two-sites.sslcert-2012.txt",
	    store, NULL);
	rmdir(store);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "cert_store = /tmp/check_import_d.");
	HAS(r.warnings, FIX "two-sites.sslcert-2012.txt:5: warning: 0.0.0.0:8443: certificate "
	    "5e537858f558b101c877dd9a442344dd7f110794: no certificate with thumbprint "
	    "5e537858f558b101c877dd9a442344dd7f110794 in /tmp/check_import_d.");
	result_free(&r);
}
END_TEST

static Suite *
import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_import_two_sites_2012);
	tcase_add_test(tc, test_import_several_sites_2022);
	tcase_add_test(tc, test_import_netsh_2012_and_2022_layouts);
	tcase_add_test(tc, test_import_netsh_lf_and_duplicates);
	tcase_add_test(tc, test_import_malformed_xml_is_an_error);
	tcase_add_test(tc, test_import_not_applicationhost);
	tcase_add_test(tc, test_import_sslflags_need_entries_and_state_attribute);
	tcase_add_test(tc, test_import_long_binding_lists_split_for_inih);
	tcase_add_test(tc, test_import_cert_store_checks_thumbprints);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(import_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
