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
#include <sys/socket.h>
#include <sys/stat.h>

#include "model/apppool.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "iis/import.h"
#include "iis/views.h"

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
	/* sslFlags 97 = Sni + DisableTLS13 + DisableLegacyTLS: the entry's flags, as netsh
	 * shows them there: nothing to say */
	HASNT(r.warnings, "sslFlags 97");
	HAS(r.text, "[sslcert www.example.com:443]   ; " FIX "several-sites.sslcert-2022.txt "
	    "line 129\ncerthash = 0123456789abcdef0123456789abcdef01234567\n"
	    "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\ncertstorename = WebHosting\n"
	    "disabletls13 = enable\ndisablelegacytls = enable\n");
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
	HAS(r.warnings, ":8: warning: site \"B\" has no id: given id 5");
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


/* Read a fixture whole. */
static char *
fixture(const char *name, size_t *len)
{
	char path[256], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), FIX "%s", name);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The result parses as -t loads it (a site, every certificate tried), in a temp dir. */
static struct conf *
load_as_t(const char *text, int flags)
{
	char err[16384];
	struct conf *c = conf_parse(text, "/tmp/imported.ini", flags, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s\n%s", err, text);
	return c;
}

/*
 * Visual Studio's applicationhost.config (empty IP, IIS Express's host *) with the netsh
 * output Windows PowerShell 5.1 writes with > (UTF-16LE, BOM, CRLF), Windows 11 layout.
 */
START_TEST(test_import_visual_studio_and_utf16le_netsh)
{
	struct result r;
	struct conf *c;

	run_import(&r, FIX "vs.applicationhost.config", FIX "vs.sslcert-utf16le.txt", NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	/* ":8080:localhost" is All Unassigned; "127.0.0.1:44369:*" is any host */
	HAS(r.text, "\n[site WebSite1]\nid = 1\nbindings = http/*:8080:localhost\n");
	HAS(r.text, "\n[site POC_WebApi_OAuth]\nid = 2\nbindings = http/*:54286:localhost, "
	    "https/*:44300:localhost\n");
	HAS(r.text, "bindings = http/*:80:localhost, http/127.0.0.1:44369:\n");
	HAS(r.text, "; " FIX "vs.sslcert-utf16le.txt (netsh http show sslcert, UTF-16LE).\n");
	HAS(r.text, "\n[sslcert 0.0.0.0:44300]   ; " FIX "vs.sslcert-utf16le.txt line 5\n"
	    "certhash = 61d34f532da121bbab64723c4871e72c92f03735\n"
	    "appid = {214124cd-d05b-4309-9af9-9caa44b2b74a}\ncertstorename = MY\n");
	HAS(r.text, "[sslcert 0.0.0.0:44301]");
	ck_assert_str_eq(r.warnings, "");
	c = load_as_t(r.text, CONF_LOAD_CERTS);
	ck_assert_uint_eq(c->nsites, 3);
	ck_assert_uint_eq(c->nsslcerts, 2);
	ck_assert_int_eq(c->sites[0].bindings[0].addr.family, AF_UNSPEC);
	ck_assert_str_eq(c->sites[2].bindings[1].host, "");
	/* the certificates are not at hand: served, each entry is a warning */
	ck_assert_uint_eq(c->nwarnings, 2);
	conf_free(c);
	result_free(&r);
}
END_TEST

/* Every encoding netsh's text arrives in reads the same. */
START_TEST(test_import_text_decode)
{
	static const char ascii[] = "\r\nSSL Certificate bindings:\r\n";
	char raw[256], err[256], *out;
	size_t len, i, n = strlen(ascii);
	const char *enc;
	char *fix, *dec;
	struct import_netsh_entry *v;
	size_t nv;

	/* UTF-16LE with and without its BOM, UTF-16BE, UTF-8 with a BOM */
	for (i = 0; i < n; i++) {
		raw[2 + 2 * i] = ascii[i];
		raw[2 + 2 * i + 1] = 0;
	}
	raw[0] = (char)0xFF;
	raw[1] = (char)0xFE;
	out = import_text_decode(raw, 2 + 2 * n, "x", &len, &enc, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, ascii);
	ck_assert_str_eq(enc, "UTF-16LE");
	free(out);
	out = import_text_decode(raw + 2, 2 * n, "x", &len, &enc, err, sizeof(err));
	ck_assert_str_eq(out, ascii);
	ck_assert_str_eq(enc, "UTF-16LE");
	free(out);
	for (i = 0; i < n; i++) {
		raw[2 + 2 * i] = 0;
		raw[2 + 2 * i + 1] = ascii[i];
	}
	raw[0] = (char)0xFE;
	raw[1] = (char)0xFF;
	out = import_text_decode(raw, 2 + 2 * n, "x", &len, &enc, err, sizeof(err));
	ck_assert_str_eq(out, ascii);
	ck_assert_str_eq(enc, "UTF-16BE");
	free(out);
	memcpy(raw, "\xEF\xBB\xBF", 3);
	memcpy(raw + 3, ascii, n);
	out = import_text_decode(raw, 3 + n, "x", &len, &enc, err, sizeof(err));
	ck_assert_str_eq(out, ascii);
	ck_assert_uint_eq(len, n);
	ck_assert_str_eq(enc, "UTF-8 with BOM");
	free(out);
	/* half a UTF-16 code unit at the end: named, not guessed at */
	raw[0] = (char)0xFF;
	raw[1] = (char)0xFE;
	raw[2] = 'A';
	raw[3] = 0;
	raw[4] = 'B';
	ck_assert_ptr_null(import_text_decode(raw, 5, "net.txt", &len, &enc, err, sizeof(err)));
	ck_assert_msg(strncmp(err, "net.txt: not valid UTF-16LE text at byte 4", 42) == 0, "%s",
	    err);

	/* the UTF-16LE fixture parses as its UTF-8 text would */
	fix = fixture("vs.sslcert-utf16le.txt", &len);
	ck_assert_int_eq((unsigned char)fix[0], 0xFF);
	ck_assert_int_eq((unsigned char)fix[1], 0xFE);
	dec = import_text_decode(fix, len, "x", &n, &enc, err, sizeof(err));
	ck_assert_ptr_nonnull(dec);
	ck_assert_int_eq(import_netsh_parse(dec, n, "x", &v, &nv, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(nv, 2);
	ck_assert_str_eq(v[1].keytext, "0.0.0.0:44301");
	ck_assert_int_eq(v[1].line, 38);
	ck_assert_str_eq(v[1].appid, "{214124cd-d05b-4309-9af9-9caa44b2b74a}");
	free(v);
	free(dec);
	free(fix);
}
END_TEST

/* A German output: named as such, with how to get the English one; nothing read from it,
 * the sites still imported. */
START_TEST(test_import_german_netsh)
{
	struct result r;

	run_import(&r, FIX "two-sites.applicationHost.config", FIX "german.sslcert.txt", NULL,
	    NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.warnings, FIX "german.sslcert.txt:2: warning: this netsh output is in German, not "
	    "English (\"SSL-Zertifikatbindungen:\"): sysbind reads the English labels");
	HAS(r.warnings, "chcp does not change that: run `netsh http show sslcert` as a user "
	    "whose display language is English");
	HASNT(r.text, "[sslcert");
	HAS(r.text, "[site MySite V2]");
	result_free(&r);
}
END_TEST

/*
 * One of each item that stopped a whole import: every other item is carried over, each
 * repair is a warning with the source file and line, and -t accepts the result.
 */
START_TEST(test_import_bad_items)
{
	struct result r;
	struct conf *c;
	size_t i;
	char longname[251];

	run_import(&r, FIX "bad-items.applicationHost.config", FIX "bad-items.sslcert.txt", NULL,
	    NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	/* the same binding on two started sites: the second stopped, both named */
	HAS(r.text, "\n[site Shop Staging]\nid = 2\nbindings = http/*:80:shop.example.com, "
	    "http/*:80:staging.example.com\n; backend = http://127.0.0.1:8080   ; fill in; until "
	    "then the built-in page answers\nstate = stopped\n");
	HAS(r.warnings, FIX "bad-items.applicationHost.config:25: warning: site \"Shop Staging\": "
	    "binding http/*:80:shop.example.com is also site \"Shop\"'s (line 17): IIS starts "
	    "the first of two sites with the same binding and leaves the other stopped: imported "
	    "with state = stopped");
	/* http and https on one port: netsh has a certificate binding there, so https */
	HAS(r.text, "\n[site Mixed Port]\nid = 3\nbindings = https/*:8080:secure.example.com\n");
	HAS(r.warnings, FIX "bad-items.applicationHost.config:31: warning: site \"Mixed Port\": "
	    "binding http/*:443:plain.example.com: port 443 also has https bindings");
	HAS(r.warnings, FIX "bad-items.applicationHost.config:32: warning: site \"Mixed Port\": "
	    "binding http/*:8080:mixed.example.com: port 8080 also has https bindings");
	/* names as IIS keeps them */
	HAS(r.text, "\n[site \"Legacy; do not touch\"]\nid = 5\n");
	HAS(r.text, "\n[site \"Two\\nLines\"]\nid = 6\n");
	HAS(r.text, "\n[site \"  Padded Site  \"]\nid = 2147483648\n");
	HAS(r.text, "\n[site shop (id 7)]\nid = 7\n");
	HAS(r.warnings, ":56: warning: site \"shop\": the name is already site \"Shop\"'s (line "
	    "17; IIS compares names without case): imported as \"shop (id 7)\"");
	/* ids: a DWORD above 2147483647 kept; above 4294967295 and repeated ones renumbered */
	HAS(r.warnings, ":61: warning: site \"Too Big\": id \"5000000000\" is not a site id (1 to "
	    "4294967295): given id 2147483649");
	HAS(r.warnings, ":66: warning: site \"Same Id\": id 6 is already site \"Two\\nLines\"'s "
	    "(line 46): given id 2147483650");
	/* sslFlags: IIS's names read, anything else named */
	HAS(r.warnings, ":68: warning: site \"Same Id\": binding https/*:443:sameid.example.com: "
	    "sslFlags \"SniRequired\" is neither a number nor IIS's flag names: read as 0");
	HAS(r.warnings, ":63: warning: site \"Too Big\": binding https/*:443:big.example.com "
	    "(sslFlags 3, CCS) has no ccs entry for port 443");
	/* netsh: a redacted hash, letters, a cut hash, a bad appid, a key without a port */
	HAS(r.warnings, FIX "bad-items.sslcert.txt:22: warning: [sslcert shop.example.com:443]: "
	    "Certificate Hash \"<redacted>\" is not a SHA-1 thumbprint (40 hex digits; redacted "
	    "or cut?): not carried over");
	HAS(r.warnings, "bad-items.sslcert.txt:38: warning: [sslcert big.example.com:443]: "
	    "Certificate Hash \"asdfghjklqwertyuiopzxcvbnmqazwsxedcrfvtg\" is not a SHA-1");
	HAS(r.warnings, "bad-items.sslcert.txt:39: warning: [sslcert big.example.com:443]: "
	    "Application ID \"{randomClientGuid}\" is not a GUID in braces: left out");
	HAS(r.warnings, "bad-items.sslcert.txt:54: warning: [sslcert sameid.example.com:443]: "
	    "Certificate Hash \"176842bcd5618f3dd5462d99b57bb5511fc4d8a\" is not a SHA-1");
	HAS(r.warnings, "bad-items.sslcert.txt:69: warning: IP:port \"0.0.0.0\" is not a "
	    "certificate binding sysbind can key (sslcert \"0.0.0.0\" must end in :PORT");
	HAS(r.text, "[sslcert 0.0.0.0:443]");
	HAS(r.text, "[sslcert 0.0.0.0:8080]");
	HASNT(r.text, "[sslcert shop.example.com:443]");
	/* warnings name the source files, never the configuration being written */
	HASNT(r.warnings, "imported.ini");
	HASNT(r.warnings, "(imported configuration)");

	c = load_as_t(r.text, CONF_LOAD_CERTS);
	ck_assert_uint_eq(c->nsites, 11);
	memcpy(longname, "Contoso Intranet Portal ", 24);
	for (i = 0; i < c->nsites; i++)
		if (strlen(c->sites[i].name) == 250)
			break;
	ck_assert_uint_lt(i, c->nsites);
	ck_assert_int_eq(strncmp(c->sites[i].name, longname, 24), 0);
	ck_assert_ptr_nonnull(conf_find_site(c, "Two\nLines"));
	ck_assert_ptr_nonnull(conf_find_site(c, "  Padded Site  "));
	ck_assert_int_eq(conf_find_site(c, "  padded site  ")->id, 2147483648L);
	ck_assert_int_eq(conf_find_site(c, "Old Shop")->stopped, 1);
	ck_assert_int_eq(c->mode, CONF_MODE_IIS8);
	conf_free(c);
	result_free(&r);
}
END_TEST

/* Hostable Web Core's empty IP and host; the container image's one site; sslFlags="Sni"
 * read as SNI (it was read as 0, and the mode as iis7). */
START_TEST(test_import_hwc_container_sslflags_names)
{
	char apph[] = "/tmp/check_import_k.XXXXXX", ssl[] = "/tmp/check_import_t.XXXXXX";
	int fa, fs;
	struct result r;
	struct conf *c;
	static const char a[] =
	    "<configuration><system.applicationHost><sites>\n"
	    "<site name=\"A\" id=\"1\"><bindings>\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:443:a.example.com\" sslFlags=\"Sni\" />\n"
	    "</bindings></site></sites></system.applicationHost></configuration>\n";
	static const char s[] =
	    "\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n"
	    "    IP:port                      : 0.0.0.0:443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n"
	    "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\r\n\r\n";

	run_import(&r, FIX "hwc.applicationHost.config", NULL, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "\n[site HwcSite]\nid = 1\nbindings = http/*:8080:, https/*:8443:\n");
	HAS(r.text, "\n[site Generated]\nid = 3000000000\nbindings = http/*:8081:generated.local\n");
	c = load_as_t(r.text, CONF_LOAD_CERTS);
	ck_assert_int_eq(c->sites[1].id, 3000000000L);
	conf_free(c);
	result_free(&r);

	run_import(&r, FIX "container.applicationHost.config", NULL, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "\n[site Default Web Site]\nid = 1\nbindings = http/*:80:\n");
	HAS(r.text, "; on IIS: application pool \"DefaultAppPool\", %SystemDrive%\\inetpub\\wwwroot\n");
	result_free(&r);

	fa = mkstemp(apph);
	fs = mkstemp(ssl);
	ck_assert_int_ne(fa, -1);
	ck_assert_int_ne(fs, -1);
	ck_assert_int_eq(write(fa, a, sizeof(a) - 1), (ssize_t)(sizeof(a) - 1));
	ck_assert_int_eq(write(fs, s, sizeof(s) - 1), (ssize_t)(sizeof(s) - 1));
	close(fa);
	close(fs);
	run_import(&r, apph, ssl, NULL, NULL);
	unlink(apph);
	unlink(ssl);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "mode = iis8");
	result_free(&r);
}
END_TEST

/* Nothing usable left: the import fails (exit 2), saying why; each site was warned. */
START_TEST(test_import_nothing_usable)
{
	char apph[] = "/tmp/check_import_n.XXXXXX";
	int fa = mkstemp(apph);
	struct result r;
	static const char a[] =
	    "<configuration><system.applicationHost><sites>\n"
	    "<site name=\"Wcf\" id=\"1\"><bindings>\n"
	    "<binding protocol=\"net.tcp\" bindingInformation=\"808:*\" />\n"
	    "<binding protocol=\"http\" bindingInformation=\"*:99999:\" />\n"
	    "</bindings></site></sites></system.applicationHost></configuration>\n";

	ck_assert_int_ne(fa, -1);
	ck_assert_int_eq(write(fa, a, sizeof(a) - 1), (ssize_t)(sizeof(a) - 1));
	close(fa);
	run_import(&r, apph, NULL, NULL, NULL);
	unlink(apph);
	ck_assert_ptr_null(r.text);
	HAS(r.err, ": no site with an http or https binding sysbind can serve (1 <site> element "
	    "read; each is warned above): nothing to import");
	HAS(r.warnings, ":3: warning: site \"Wcf\": binding net.tcp/808:*: protocol net.tcp");
	HAS(r.warnings, ":4: warning: site \"Wcf\": binding \"http/*:99999:\": port must be "
	    "1-65535: not carried over");
	HAS(r.warnings, ":2: warning: site \"Wcf\" has no http or https binding left: not carried "
	    "over");
	result_free(&r);
}
END_TEST

/* ---- issue 14: every netsh line, the binding flags, IIS's access sslFlags ---- */

/* got equals want; both printed on stderr when not (Check's own message is too short). */
#define WARNINGS_EQ(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (strcmp(g_, w_) != 0) \
		fprintf(stderr, "---- got:\n%s---- want:\n%s----\n", g_, w_); \
	ck_assert_msg(strcmp(g_, w_) == 0, "the warnings differ (printed above)"); \
} while (0)

/* Write text to a new temporary file; its path in path (a mkstemp template). */
static void
temp_write(char *path, const char *text)
{
	int fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

#define ONE_HTTP_SITE \
	"<configuration><system.applicationHost><sites>\n" \
	"<site name=\"S\" id=\"1\"><bindings><binding protocol=\"http\" " \
	"bindingInformation=\"*:80:\" /></bindings></site>\n" \
	"</sites></system.applicationHost></configuration>\n"

/* import FIX/name, then show sslcert of the result: the same bytes. */
static void
assert_roundtrip(const char *name)
{
	char apph[] = "/tmp/check_import_r.XXXXXX", store[] = "/tmp/check_import_rs.XXXXXX";
	char path[256], cmd[512], err[8192], *got = NULL, *want;
	size_t glen = 0, wlen;
	struct result r;
	struct conf *c;
	FILE *f;

	temp_write(apph, ONE_HTTP_SITE);
	ck_assert_ptr_nonnull(mkdtemp(store));
	snprintf(cmd, sizeof(cmd), "%s/ccs", store);
	ck_assert_int_eq(mkdir(cmd, 0700), 0);
	snprintf(path, sizeof(path), FIX "%s", name);
	run_import(&r, apph, path, store, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s\n%s", err, r.text);
	f = open_memstream(&got, &glen);
	ck_assert_int_eq(views_show_sslcert(c, f, NULL), 0);
	fclose(f);
	want = fixture(name, &wlen);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "---- imported:\n%s---- shown:\n%s---- %s:\n%s----\n", r.text, got,
		    name, want);
	ck_assert_msg(strcmp(got, want) == 0, "show sslcert of the import of %s differs", name);
	conf_free(c);
	free(got);
	free(want);
	result_free(&r);
	unlink(apph);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_import_roundtrip_layouts)
{
	assert_roundtrip("netsh-2008r2.txt");
	assert_roundtrip("netsh-2012.txt");
	assert_roundtrip("netsh-2016.txt");
	assert_roundtrip("netsh-2019.txt");
	assert_roundtrip("netsh-2022.txt");
	assert_roundtrip("netsh-2025.txt");
	assert_roundtrip("netsh-2022-every-flag.txt");
	assert_roundtrip("netsh-win11.txt");
	/* the scenario outputs too, every real capture (tests/fixtures/iis/README.md) */
	assert_roundtrip("clientcert.sslcert-2022.txt");
	assert_roundtrip("several-sites.sslcert-2022.txt");
	assert_roundtrip("two-sites.sslcert-2012.txt");
}
END_TEST

/*
 * Issue 24 item 2: a Server netsh output with a wildcard SNI entry ("Hostname:port :
 * *.example.fr:443", IIS 10's Require SNI on a "*.example.fr" binding) is carried over
 * with every other entry, with no warning about it, and shown back byte for byte.
 */
START_TEST(test_import_wildcard_sni_entry)
{
	struct result r;

	run_import(&r, FIX "wildcard-sni.applicationHost.config", FIX
	    "wildcard-sni.sslcert-2016.txt", NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HASNT(r.warnings, "not carried over");
	HASNT(r.warnings, "wildcard");
	HAS(r.text, "[sslcert *.example.fr:443]   ; " FIX "wildcard-sni.sslcert-2016.txt line 5\n"
	    "certhash = 7c4a8d09ca3762af61e59520943dc26494f8941b\n");
	HAS(r.text, "[sslcert www.example.fr:443]");
	HAS(r.text, "[sslcert 0.0.0.0:443]");
	HAS(r.text, "mode = iis8");
	HAS(r.text, "bindings = https/*:443:*.example.fr, http/*:80:*.example.fr\n");
	result_free(&r);
	assert_roundtrip("wildcard-sni.sslcert-2016.txt");
}
END_TEST

/* Every flag set: each key written, show_layout left at its default (2022). */
START_TEST(test_import_every_flag_keys)
{
	char apph[] = "/tmp/check_import_e.XXXXXX";
	struct result r;

	temp_write(apph, ONE_HTTP_SITE);
	run_import(&r, apph, FIX "netsh-2022-every-flag.txt", NULL, NULL);
	unlink(apph);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	ck_assert_str_eq(r.warnings, "");
	HASNT(r.text, "show_layout");
	HAS(r.text, "certhash = a74ce0a0d9a7035c3487162286654f45e5b81084\n"
	    "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\ncertstorename = My\n"
	    "verifyclientcertrevocation = disable\nverifyrevocationwithcachedclientcertonly = "
	    "enable\nusagecheck = disable\nrevocationfreshnesstime = 3600\n"
	    "urlretrievaltimeout = 15000\nsslctlidentifier = MyCtl\n"
	    "sslctlstorename = ClientAuthIssuer\ndsmapperusage = enable\n"
	    "clientcertnegotiation = enable\nreject = enable\ndisablehttp2 = enable\n"
	    "disablequic = enable\ndisabletls12 = enable\ndisabletls13 = enable\n"
	    "disableocspstapling = enable\nenabletokenbinding = enable\n"
	    "logextendedevents = enable\ndisablelegacytls = enable\nenablesessionticket = enable\n"
	    "receivewindow = 65535\nmaxsettingsperframe = 100\nmaxsettingsperminute = 1000\n");
	result_free(&r);
	/* other layouts name themselves; Windows 11's empty PropertyId 2-4 blocks are kept
	 * (show_property_blocks), its Enable Caching Client Hello without Disable Session ID
	 * is the win11 layout: read without a word */
	strcpy(apph, "/tmp/check_import_e.XXXXXX");
	temp_write(apph, ONE_HTTP_SITE);
	run_import(&r, apph, FIX "netsh-win11.txt", NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	ck_assert_str_eq(r.warnings, "");
	HAS(r.text, "show_layout = win11            ; the layout of " FIX "netsh-win11.txt\n"
	    "show_property_blocks = 5    ; the Extended Properties blocks of each entry of " FIX
	    "netsh-win11.txt (PropertyId 0 to 4)\n");
	result_free(&r);
	run_import(&r, apph, FIX "netsh-2019.txt", NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "show_layout = 2019 ");
	HAS(r.text, "sslctlstorename = AdfsTrustedDevices\n");
	result_free(&r);
	unlink(apph);
}
END_TEST

/* Nothing read is dropped silently: a label sysbind does not know, a value netsh never
 * prints, a line outside its Extended Properties block are warnings at their lines. */
START_TEST(test_import_netsh_unknown_lines)
{
	static const char text[] =
	    "\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n"
	    "    IP:port                      : 0.0.0.0:443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n"
	    "    Negotiate Client Certificate : Maybe\r\n"
	    "    Revocation Freshness Time    : -5\r\n"
	    "    Receive Window               : 70000\r\n"
	    "    Frobnicate Widgets           : Set\r\n"
	    "    Disable TLS1.3               : Set\r\n"
	    " Extended Properties:\r\n"
	    "    PropertyId                   : 1\r\n"
	    "    Receive Window               : 70000\r\n"
	    "    Max Settings Per Frame       : 100\r\n"
	    " Extended Properties:\r\n"
	    "    PropertyId                   : 7\r\n"
	    "    Mystery Knob                 : 3\r\n\r\n";
	struct import_netsh_entry *v = NULL;
	size_t n = 0, len = 0;
	char *w = NULL, err[256];
	FILE *f = open_memstream(&w, &len);

	ck_assert_int_eq(import_netsh_parse(text, strlen(text), "s.txt", &v, &n, f, err,
	    sizeof(err)), 0);
	fclose(f);
	ck_assert_uint_eq(n, 1);
	WARNINGS_EQ(w,
	    "s.txt:7: warning: [sslcert 0.0.0.0:443]: Negotiate Client Certificate \"Maybe\" is "
	    "none of Enabled, Disabled, Set, Not Set: left at netsh's default (disable)\n"
	    "s.txt:8: warning: [sslcert 0.0.0.0:443]: Revocation Freshness Time \"-5\" is not a "
	    "number from 0 to 4294967295: left at netsh's default (0)\n"
	    "s.txt:9: warning: [sslcert 0.0.0.0:443]: Receive Window belongs in the Extended "
	    "Properties block of PropertyId 0: not carried over\n"
	    "s.txt:10: warning: [sslcert 0.0.0.0:443]: \"Frobnicate Widgets\" is not a line of "
	    "`netsh http show sslcert` sysbind knows: not carried over\n"
	    "s.txt:14: warning: [sslcert 0.0.0.0:443]: Receive Window belongs in the Extended "
	    "Properties block of PropertyId 0: not carried over\n"
	    "s.txt:18: warning: [sslcert 0.0.0.0:443]: \"Mystery Knob\" is not a line of `netsh "
	    "http show sslcert` sysbind knows: not carried over\n"
	    "s.txt:18: warning: [sslcert 0.0.0.0:443]: the entry (lines 5 to 18) has none of the "
	    "19 lines \"Application ID\", \"Certificate Store Name\", \"Verify Client Certificate "
	    "Revocation\", \"Verify Revocation Using Cached Client Certificate Only\", \"Usage "
	    "Check\", \"URL Retrieval Timeout\", \"Ctl Identifier\", \"Ctl Store Name\", \"DS "
	    "Mapper Usage\", \"Reject Connections\", \"Disable HTTP2\", \"Disable QUIC\", "
	    "\"Disable TLS1.2\", \"Disable OCSP Stapling\", \"Enable Token Binding\", \"Log "
	    "Extended Events\", \"Disable Legacy TLS Versions\", \"Enable Session Ticket\", "
	    "\"Max Settings Per Minute\": netsh's defaults ((null), (null), Enabled, Disabled, "
	    "Enabled, 0, (null), (null), Disabled, Disabled, Not Set, Not Set, Not Set, Not Set, "
	    "Not Set, Not Set, Not Set, Not Set, 4294967295) are used\n");
	ck_assert_uint_eq(v[0].flags, CONF_SSL_DISABLE_TLS13);
	ck_assert_uint_eq(v[0].layout, 2022);
	free(v);
	free(w);
}
END_TEST

/* An entry cut short (issue 24): each line of the output's layout it lacks is named at
 * the line where it ends, with the default show sslcert prints instead; lines the layout
 * never had are not missing (a 2012 output has no Reject Connections). */
START_TEST(test_import_netsh_cut_entry)
{
	static const char head[] = "\r\nSSL Certificate bindings:\r\n"
	    "-------------------------\r\n\r\n";
	struct import_netsh_entry *v = NULL;
	size_t n = 0, len = 0, wlen;
	char *whole = fixture("netsh-2022.txt", &wlen), *cut, *at, *w = NULL, err[256];
	FILE *f;

	/* netsh-2022.txt's second entry, cut after its Negotiate Client Certificate line */
	at = strstr(whole, "    IP:port                      : 0.0.0.0:44307");
	ck_assert_ptr_nonnull(at);
	at = strstr(at, "    Negotiate Client Certificate : Disabled\r\n");
	ck_assert_ptr_nonnull(at);
	at[strlen("    Negotiate Client Certificate : Disabled\r\n")] = '\0';
	cut = whole;
	f = open_memstream(&w, &len);
	ck_assert_int_eq(import_netsh_parse(cut, strlen(cut), "cut.txt", &v, &n, f, err,
	    sizeof(err)), 0);
	fclose(f);
	ck_assert_uint_eq(n, 2);
	WARNINGS_EQ(w, "cut.txt:48: warning: [sslcert 0.0.0.0:44307]: the entry (lines "
	    "36 to 48) has none of the 13 lines \"Reject Connections\", \"Disable HTTP2\", "
	    "\"Disable QUIC\", \"Disable TLS1.2\", \"Disable TLS1.3\", \"Disable OCSP Stapling\", "
	    "\"Enable Token Binding\", \"Log Extended Events\", \"Disable Legacy TLS Versions\", "
	    "\"Enable Session Ticket\", \"Receive Window\", \"Max Settings Per Frame\", \"Max "
	    "Settings Per Minute\": netsh's defaults (Disabled, Not Set, Not Set, Not Set, Not "
	    "Set, Not Set, Not Set, Not Set, Not Set, Not Set, 1048576, 2796202, 4294967295) are "
	    "used\ncut.txt:48: warning: the entries are not each followed by one empty line, as "
	    "netsh prints them: show sslcert prints one\n");
	free(v);
	free(w);
	w = NULL;
	/* one line missing: said in the singular */
	{
		static const char one[] =
		    "    IP:port                      : 0.0.0.0:443\r\n"
		    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n"
		    "    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\r\n"
		    "    Certificate Store Name       : My\r\n"
		    "    Verify Client Certificate Revocation : Enabled\r\n"
		    "    Verify Revocation Using Cached Client Certificate Only : Disabled\r\n"
		    "    Usage Check                  : Enabled\r\n"
		    "    Revocation Freshness Time    : 0\r\n"
		    "    URL Retrieval Timeout        : 0\r\n"
		    "    Ctl Identifier               : (null)\r\n"
		    "    Ctl Store Name               : (null)\r\n"
		    "    DS Mapper Usage              : Disabled\r\n\r\n";
		char text[2048];

		snprintf(text, sizeof(text), "%s%s", head, one);
		f = open_memstream(&w, &len);
		ck_assert_int_eq(import_netsh_parse(text, strlen(text), "one.txt", &v, &n, f, err,
		    sizeof(err)), 0);
		fclose(f);
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(w, "one.txt:16: warning: [sslcert 0.0.0.0:443]: the entry (lines "
		    "5 to 16) has no \"Negotiate Client Certificate\" line: netsh's default "
		    "(Disabled) is used\n");
		free(v);
		free(w);
		w = NULL;
	}
	/* whole outputs of each layout: nothing is missing */
	{
		static const char *const names[] = { "netsh-2008r2.txt", "netsh-2012.txt",
		    "netsh-2016.txt", "netsh-2019.txt", "netsh-2022.txt", "netsh-2025.txt",
		    "netsh-win11.txt", "netsh-2022-every-flag.txt" };
		size_t i, flen;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char *t = fixture(names[i], &flen);

			f = open_memstream(&w, &len);
			ck_assert_int_eq(import_netsh_parse(t, flen, names[i], &v, &n, f, err,
			    sizeof(err)), 0);
			fclose(f);
			ck_assert_msg(strstr(w, "has no") == NULL && strstr(w, "none of") == NULL,
			    "%s: %s", names[i], w);
			free(v);
			free(w);
			free(t);
			w = NULL;
		}
	}
	free(whole);
}
END_TEST

/* What show sslcert does not give back is said (issue 24): a header with a trailing blank
 * and more empty lines, entries with more than one empty line after them, a blank after a
 * value.  netsh-win11.txt so changed. */
START_TEST(test_import_netsh_frame_said)
{
	size_t flen, n = 0, len = 0;
	char *t = fixture("netsh-win11.txt", &flen), *w = NULL, err[256], *text, *body;
	struct import_netsh_entry *v = NULL;
	FILE *f;

	body = strstr(t, "    IP:port");
	ck_assert_ptr_nonnull(body);
	ck_assert_int_ne(asprintf(&text, "\r\nSSL Certificate bindings: \r\n"
	    "-------------------------\r\n\r\n\r\n%.*s    Receive Window               : 1048576 "
	    "\r\n\r\n\r\n", (int)(strstr(body, "    Receive Window") - body), body), -1);
	f = open_memstream(&w, &len);
	ck_assert_int_eq(import_netsh_parse(text, strlen(text), "w11.txt", &v, &n, f, err,
	    sizeof(err)), 0);
	fclose(f);
	ck_assert_uint_eq(n, 1);
	WARNINGS_EQ(w, "w11.txt:32: warning: [sslcert 0.0.0.0:7048]: the entry (lines 6 to 32) "
	    "has none of the 2 lines \"Max Settings Per Frame\", \"Max Settings Per Minute\": "
	    "netsh's defaults (2796202, 4294967295) are used\n"
	    "w11.txt:2: warning: the header is not netsh's usual one (an empty line, \"SSL "
	    "Certificate bindings:\", its dashes, an empty line; a trailing blank or another "
	    "empty line here): show sslcert prints the usual one, not this file's\n"
	    "w11.txt:34: warning: the entries are not each followed by one empty line, as netsh "
	    "prints them: show sslcert prints one\n"
	    "w11.txt:32: warning: [sslcert 0.0.0.0:7048]: a blank ends the line: show sslcert "
	    "prints none there (nor after the other values of this output)\n");
	free(v);
	free(w);
	free(text);
	free(t);
}
END_TEST

/* A binding's sslFlags 4 to 128 are the flags of the entry it resolves to; the keyword
 * form too; disagreements and bits with no entry are said. */
START_TEST(test_import_binding_flags_to_entries)
{
	char apph[] = "/tmp/check_import_b.XXXXXX", ssl[] = "/tmp/check_import_c.XXXXXX";
	static const char a[] =
	    "<configuration><system.applicationHost><sites>\n"
	    "<site name=\"A\" id=\"1\"><bindings>\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:443:a.example.com\" "
	    "sslFlags=\"Sni, DisableTLS13, NegotiateClientCert\" />\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:443:\" sslFlags=\"4\" />\n"
	    "</bindings></site>\n"
	    "<site name=\"B\" id=\"2\"><bindings>\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:443:b.example.com\" "
	    "sslFlags=\"64\" />\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:8443:c\" "
	    "sslFlags=\"Sni, DisableQUIC\" />\n"
	    "</bindings></site>\n"
	    "</sites></system.applicationHost></configuration>\n";
	static const char s[] =
	    "\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n"
	    "    IP:port                      : 0.0.0.0:443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n"
	    "    Negotiate Client Certificate : Disabled\r\n\r\n"
	    "    Hostname:port                : a.example.com:443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n"
	    "    Negotiate Client Certificate : Disabled\r\n\r\n";
	struct result r;
	struct conf *c;
	char err[4096];

	temp_write(apph, a);
	temp_write(ssl, s);
	run_import(&r, apph, ssl, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "show_layout = 2012 ");
	HAS(r.text, "[sslcert a.example.com:443]   ; ");
	HAS(r.text, "certhash = 5e537858f558b101c877dd9a442344dd7f110794\n"
	    "clientcertnegotiation = enable\ndisabletls13 = enable\n\n[site A]");
	HAS(r.text, "certhash = 5e537858f558b101c877dd9a442344dd7f110794\n"
	    "disablehttp2 = enable\ndisablelegacytls = enable\n\n[sslcert a.example.com:443]");
	/* netsh's 2012 layout shows Negotiate Client Certificate, as Disabled */
	HAS(r.warnings, ":3: warning: site \"A\": binding https/*:443:a.example.com has sslFlags "
	    "NegotiateClientCert, but ");
	HAS(r.warnings, "shows \"Negotiate Client Certificate\" not set for a.example.com:443 (line "
	    "9): set (IIS writes a binding's flags into HTTP.SYS when it saves the binding");
	/* it has no Disable TLS1.3 line: nothing to disagree with */
	HASNT(r.warnings, "DisableTLS13, but");
	HAS(r.warnings, ":7: warning: site \"B\": binding https/*:443:b.example.com (sslFlags 64: "
	    "disablelegacytls = enable) shares [sslcert 0.0.0.0:443] with https/*:443: of site "
	    "\"A\" (line 4: disablehttp2 = enable), and their flags differ: the entry gets both");
	HAS(r.warnings, ":8: warning: site \"B\": binding https/*:8443:c: sslFlags 17 "
	    "(disablequic = enable): no [sslcert] entry for this binding in the netsh output to "
	    "carry them: not carried over");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->sslcerts[0].flags, CONF_SSL_DISABLE_HTTP2 |
	    CONF_SSL_DISABLE_LEGACY_TLS);
	ck_assert_uint_eq(c->sslcerts[1].flags, CONF_SSL_DISABLE_TLS13 |
	    CONF_SSL_NEGOTIATE_CLIENT_CERT);
	conf_free(c);
	result_free(&r);
	/* without a netsh output the flags have nowhere to go */
	run_import(&r, apph, NULL, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.warnings, ":3: warning: site \"A\": binding https/*:443:a.example.com: sslFlags 161 "
	    "(disabletls13 = enable, clientcertnegotiation = enable): no netsh output (--sslcert), "
	    "so no [sslcert] entry to carry them: not carried over");
	result_free(&r);
	unlink(apph);
	unlink(ssl);
}
END_TEST

/*
 * Which ipport entry serves a binding follows §1.1 step 4 (issue 19): 0.0.0.0 serves IPv6
 * clients when there is no [::] entry, [::] never serves IPv4 ones.  So an IPv6 binding's
 * flags reach 0.0.0.0; an IPv4 binding with only [::] has no entry; a "*" binding with
 * only [::] has none for its IPv4 clients.
 */
START_TEST(test_import_ipport_entries_by_family)
{
	char apph[] = "/tmp/check_import_d.XXXXXX", ssl[] = "/tmp/check_import_e.XXXXXX";
	static const char a[] =
	    "<configuration><system.applicationHost><sites>\n"
	    "<site name=\"A\" id=\"1\"><bindings>\n"
	    "<binding protocol=\"https\" bindingInformation=\"[::1]:8443:\" sslFlags=\"4\" />\n"
	    "<binding protocol=\"https\" bindingInformation=\"127.0.0.1:9443:\" sslFlags=\"0\" />\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:10443:\" sslFlags=\"0\" />\n"
	    "<binding protocol=\"https\" bindingInformation=\"*:8443:\" sslFlags=\"0\" />\n"
	    "</bindings></site>\n"
	    "</sites></system.applicationHost></configuration>\n";
	static const char s[] =
	    "\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n"
	    "    IP:port                      : 0.0.0.0:8443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n\r\n"
	    "    IP:port                      : [::]:9443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n\r\n"
	    "    IP:port                      : [::]:10443\r\n"
	    "    Certificate Hash             : 5e537858f558b101c877dd9a442344dd7f110794\r\n\r\n";
	struct result r;

	temp_write(apph, a);
	temp_write(ssl, s);
	run_import(&r, apph, ssl, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	/* [::1]:8443's disablehttp2 goes to 0.0.0.0:8443, the entry its clients get */
	HAS(r.text, "certhash = 5e537858f558b101c877dd9a442344dd7f110794\n"
	    "disablehttp2 = enable\n");
	HASNT(r.warnings, "not carried over");
	HASNT(r.warnings, "[::1]:8443: (sslFlags 0) has no ipport entry");
	HAS(r.warnings, ":4: warning: site \"A\": binding https/127.0.0.1:9443: (sslFlags 0) has "
	    "no ipport entry for its IP:9443 in ");
	HAS(r.warnings, ": clients get no certificate\n");
	HAS(r.warnings, ":5: warning: site \"A\": binding https/*:10443: (sslFlags 0) has no "
	    "ipport entry for its IP:10443 in ");
	HAS(r.warnings, ": IPv4 clients get no certificate ([::] serves IPv6 clients only; "
	    "0.0.0.0 would serve both)\n");
	HASNT(r.warnings, "https/*:8443:");
	unlink(apph);
	unlink(ssl);
	result_free(&r);
}
END_TEST

/* IIS's <access sslFlags>: server-wide, a site's, its paths'; uploadReadAheadSize. */
START_TEST(test_import_access_locations)
{
	char apph[] = "/tmp/check_import_l.XXXXXX";
	static const char a[] =
	    "<configuration>\n"                                                          /* 1 */
	    "<system.applicationHost><sites>\n"
	    "<site name=\"MySite V2\" id=\"2\"><bindings><binding protocol=\"https\" "
	    "bindingInformation=\"*:443:v2\" /></bindings></site>\n"
	    "<site name=\"MySite\" id=\"1\"><bindings><binding protocol=\"https\" "
	    "bindingInformation=\"*:443:v1\" /></bindings></site>\n"
	    "<site name=\"Gone\" id=\"3\"><bindings><binding protocol=\"net.tcp\" "
	    "bindingInformation=\"808:*\" /></bindings></site>\n"                       /* 5 */
	    "</sites></system.applicationHost>\n"
	    "<system.webServer><security><access sslFlags=\"Ssl\" /></security>\n"      /* 7 */
	    "<serverRuntime uploadReadAheadSize=\"65536\" /></system.webServer>\n"
	    "<location path=\"MySite V2\"><system.webServer><security>"
	    "<access sslFlags=\"Ssl, SslNegotiateCert\" /></security></system.webServer>"
	    "</location>\n"                                                             /* 9 */
	    "<location path=\"MySite V2/secure\"><system.webServer><security>"
	    "<access sslFlags=\"Ssl, SslNegotiateCert, SslRequireCert\" /></security>"
	    "<serverRuntime uploadReadAheadSize=\"1024\" /></system.webServer></location>\n"
	    "<location path=\"mysite v2/Secure/\"><system.webServer><security>"
	    "<access sslFlags=\"104\" /></security></system.webServer></location>\n"    /* 11 */
	    "<location path=\"Nowhere/x\"><system.webServer><security>"
	    "<access sslFlags=\"Ssl\" /></security></system.webServer></location>\n"
	    "<location path=\"Gone\"><system.webServer><security>"
	    "<access sslFlags=\"Ssl\" /></security></system.webServer></location>\n"    /* 13 */
	    "<location path=\"MySite/a/../b\"><system.webServer><security>"
	    "<access sslFlags=\"Ssl\" /></security></system.webServer></location>\n"
	    "<location path=\"MySite/x\"><system.webServer><security>"
	    "<access sslFlags=\"Bogus\" /></security></system.webServer></location>\n"  /* 15 */
	    "<location path=\"MySite/api;v1\"><system.webServer><security>"
	    "<access sslFlags=\"SslRequireCert\" /></security></system.webServer></location>\n"
	    "</configuration>\n";
	struct result r;
	struct conf *c;
	char err[4096], buf[64];

	temp_write(apph, a);
	run_import(&r, apph, NULL, NULL, NULL);
	unlink(apph);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "upload_read_ahead_size = 65536   ; IIS's serverRuntime uploadReadAheadSize\n");
	HAS(r.text, "[site MySite V2]\nid = 2\nbindings = https/*:443:v2\n; backend = "
	    "http://127.0.0.1:8080   ; fill in; until then the built-in page answers\n"
	    "ssl_flags = Ssl, SslNegotiateCert\n\n[location MySite V2/secure]   ; <location path> "
	    "of IIS's line 11\nssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n");
	/* the server level's flags: [server]'s, which a site with none of its own inherits */
	HAS(r.text, "ssl_flags = Ssl   ; IIS's <access sslFlags> of the server level (line 7): "
	    "every site's that sets none\n");
	HAS(r.text, "[site MySite]\nid = 1\nbindings = https/*:443:v1\n; backend = "
	    "http://127.0.0.1:8080   ; fill in; until then the built-in page answers\n"
	    "\n[location \"MySite/api;v1\"]   ; <location path> of IIS's line 16\n"
	    "ssl_flags = SslRequireCert\n");
	HAS(r.warnings, ":10: warning: <location path=\"MySite V2/secure\">: uploadReadAheadSize "
	    "1024 is not carried over: sysbind has one upload_read_ahead_size for the whole "
	    "server\n");
	HAS(r.warnings, ":11: warning: site \"MySite V2\": access sslFlags of /Secure given again "
	    "(first at line 10; paths compare without case): the last one is kept\n");
	HAS(r.warnings, ":12: warning: <location path=\"Nowhere/x\">: no site is named by it: its "
	    "access sslFlags are not carried over\n");
	HAS(r.warnings, ":13: warning: <location path=\"Gone\">: site \"Gone\" is not carried "
	    "over, nor its access sslFlags\n");
	HAS(r.warnings, ":14: warning: <location path=\"MySite/a/../b\">: the path may not hold "
	    "\".\" or \"..\" segments: its access sslFlags are not carried over\n");
	HAS(r.warnings, ":15: warning: <access sslFlags=\"Bogus\">: not IIS's flags (None, Ssl, "
	    "SslNegotiateCert, SslRequireCert, SslMapCert, Ssl128, or their number): not carried "
	    "over\n");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s\n%s", err, r.text);
	ck_assert_uint_eq(c->upload_read_ahead_size, 65536);
	ck_assert_uint_eq(c->ssl_flags, CONF_ACCESS_SSL);
	ck_assert_str_eq(c->sites[1].name, "MySite");
	ck_assert_int_eq(c->sites[1].ssl_flags_server, 1);
	ck_assert_uint_eq(c->sites[1].ssl_flags, CONF_ACCESS_SSL);
	ck_assert_int_eq(c->sites[0].ssl_flags_server, 0);
	ck_assert_uint_eq(c->nlocations, 2);
	ck_assert_str_eq(c->locations[0].path, "/secure");
	ck_assert_str_eq(conf_access_format(c->locations[0].ssl_flags, buf, sizeof(buf)),
	    "Ssl, SslNegotiateCert, SslRequireCert");
	ck_assert_str_eq(c->locations[1].path, "/api;v1");
	conf_free(c);
	result_free(&r);
}
END_TEST

/* IIS's server level (issue 24 item 6): <location path="."> is applicationHost.config's own
 * level, every site's: it becomes [server] ssl_flags, which a site without its own
 * inherits; a site's own and a path's win, as in IIS (path over site over server). */
START_TEST(test_import_server_level_location)
{
	char apph[] = "/tmp/check_import_s.XXXXXX";
	static const char a[] =
	    "<configuration>\n"                                                          /* 1 */
	    "<system.applicationHost><sites>\n"
	    "<site name=\"A\" id=\"1\"><bindings><binding protocol=\"https\" "
	    "bindingInformation=\"*:443:a\" /></bindings></site>\n"
	    "<site name=\"B\" id=\"2\"><bindings><binding protocol=\"https\" "
	    "bindingInformation=\"*:443:b\" /></bindings></site>\n"
	    "</sites></system.applicationHost>\n"                                       /* 5 */
	    "<system.webServer><security><access sslFlags=\"None\" /></security>"
	    "</system.webServer>\n"
	    "<location path=\"\"><system.webServer><security><access sslFlags=\"Ssl\" />"
	    "</security></system.webServer></location>\n"                               /* 7 */
	    "<location path=\".\" overrideMode=\"Deny\"><system.webServer><security>"
	    "<access sslFlags=\"Ssl, SslNegotiateCert\" /></security>"
	    "<serverRuntime uploadReadAheadSize=\"65536\" /></system.webServer>"
	    "</location>\n"
	    "<location path=\"B\"><system.webServer><security><access sslFlags=\"None\" />"
	    "</security></system.webServer></location>\n"                               /* 9 */
	    "</configuration>\n";
	struct result r;
	struct conf *c;
	char err[4096];

	/* the fixture: a site with no rule of its own, one with its own, paths of both */
	run_import(&r, FIX "server-level.applicationHost.config", NULL, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "[server]\nmode = iis7\nssl_flags = Ssl, SslNegotiateCert, SslRequireCert   "
	    "; IIS's <access sslFlags> of the server level (line 41): every site's that sets "
	    "none\n");
	HAS(r.text, "[site Default Web Site]\nid = 1\nbindings = https/*:443:\n; backend = "
	    "http://127.0.0.1:8080   ; fill in; until then the built-in page answers\n; on IIS: "
	    "application pool \"DefaultAppPool\", %SystemDrive%\\inetpub\\wwwroot\n"
	    "app_pool = DefaultAppPool\n\n[location Default Web Site/public]   ; <location path> of IIS's line 48\n"
	    "ssl_flags = Ssl\n");
	HAS(r.text, "C:\\inetpub\\intranet\nssl_flags = Ssl\napp_pool = Intranet\n\n"
	    "[location Intranet/secure]   ; "
	    "<location path> of IIS's line 62\nssl_flags = Ssl, SslNegotiateCert, "
	    "SslRequireCert\n");
	HASNT(r.warnings, "no site is named");
	HASNT(r.warnings, "sslFlags");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s\n%s", err, r.text);
	ck_assert_uint_eq(c->ssl_flags, CONF_ACCESS_SSL | CONF_ACCESS_NEGOTIATE_CERT |
	    CONF_ACCESS_REQUIRE_CERT);
	/* path over site over server, through the daemon's own decision */
	ck_assert_uint_eq(clientcert_access(c, &c->sites[0], "/x", NULL), c->ssl_flags);
	ck_assert_uint_eq(clientcert_access(c, &c->sites[0], "/Public/x", NULL),
	    CONF_ACCESS_SSL);
	ck_assert_uint_eq(clientcert_access(c, &c->sites[1], "/x", NULL), CONF_ACCESS_SSL);
	ck_assert_uint_eq(clientcert_access(c, &c->sites[1], "/secure/x", NULL), c->ssl_flags);
	conf_free(c);
	result_free(&r);

	/* the root section, path="" and path="." are one level: the last one is kept, warned;
	 * uploadReadAheadSize there is the server's; a site's own None is written, as it wins */
	temp_write(apph, a);
	run_import(&r, apph, NULL, NULL, NULL);
	unlink(apph);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.warnings, ":7: warning: the server level's access sslFlags given again (first at "
	    "line 6; the root <system.webServer>, <location path=\".\"> and <location path=\"\"> "
	    "are the same level): the last one is kept\n");
	HAS(r.warnings, ":8: warning: the server level's access sslFlags given again (first at "
	    "line 7;");
	HASNT(r.warnings, "uploadReadAheadSize");
	HASNT(r.warnings, "no site is named");
	HAS(r.text, "upload_read_ahead_size = 65536   ; IIS's serverRuntime uploadReadAheadSize\n"
	    "ssl_flags = Ssl, SslNegotiateCert   ; IIS's <access sslFlags> of the server level "
	    "(line 8): every site's that sets none\n");
	HAS(r.text, "[site A]\nid = 1\nbindings = https/*:443:a\n; backend = "
	    "http://127.0.0.1:8080   ; fill in; until then the built-in page answers\n\n");
	HAS(r.text, "[site B]\nid = 2\nbindings = https/*:443:b\n; backend = "
	    "http://127.0.0.1:8080   ; fill in; until then the built-in page answers\n"
	    "ssl_flags = None\n");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s\n%s", err, r.text);
	ck_assert_uint_eq(c->sites[0].ssl_flags, CONF_ACCESS_SSL | CONF_ACCESS_NEGOTIATE_CERT);
	ck_assert_int_eq(c->sites[0].ssl_flags_server, 1);
	ck_assert_uint_eq(c->sites[1].ssl_flags, 0);
	ck_assert_int_eq(c->sites[1].ssl_flags_server, 0);
	conf_free(c);
	result_free(&r);
}
END_TEST

/*
 * IIS 10 (1709)'s <hsts> (tests/fixtures/iis/hsts.applicationHost.config, made from the
 * documented schema): the site's attributes over <siteDefaults>' one by one, IIS's
 * defaults left unwritten, a bad value warned about with its line.
 */
START_TEST(test_import_hsts)
{
	struct result r;
	struct conf *c;
	char buf[96];

	run_import(&r, FIX "hsts.applicationHost.config", NULL, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "[site Contoso]\nid = 1\nbindings = http/*:80:contoso.com, "
	    "https/*:443:contoso.com\n; backend = http://127.0.0.1:8080   ; fill in; until then "
	    "the built-in page answers\n; on IIS: application pool \"Contoso\", "
	    "C:\\Contoso\\Content\nhsts = on   ; <hsts enabled> of IIS's line 24\n"
	    "hsts_max_age = 31536000   ; line 24\nhsts_include_subdomains = on   ; line 24\n"
	    "hsts_redirect_http = on   ; redirectHttpToHttps of IIS's line 24\n");
	/* siteDefaults' policy, whole */
	HAS(r.text, "[site Defaults]\nid = 2\nbindings = https/*:443:defaults.example\n"
	    "; backend = http://127.0.0.1:8080   ; fill in; until then the built-in page answers\n"
	    "hsts = on   ; <hsts enabled> of IIS's line 51\nhsts_max_age = 86400   ; line 51\n\n");
	/* the site's max-age="0" wins over siteDefaults' 86400; enabled still siteDefaults' */
	HAS(r.text, "hsts = on   ; <hsts enabled> of IIS's line 51\nhsts_preload = on   ; line 35\n"
	    "\n[site Shop]");
	HAS(r.warnings, "hsts.applicationHost.config:48: warning: site \"Odd\": <hsts "
	    "enabled=\"yes\">: not true or false: IIS's default (false) or siteDefaults' stands\n");
	HAS(r.warnings, "hsts.applicationHost.config:48: warning: site \"Odd\": <hsts "
	    "max-age=\"-1\">: not an IIS uint (0 to 4294967295): IIS's default (0) or "
	    "siteDefaults' stands\n");
	c = load_as_t(r.text, 0);
	ck_assert_uint_eq(c->nsites, 5);
	ck_assert_str_eq(conf_hsts_value(&c->sites[0], buf, sizeof(buf)),
	    "max-age=31536000; includeSubDomains");
	ck_assert_int_eq(c->sites[0].hsts_redirect_http, 1);
	ck_assert_str_eq(conf_hsts_value(&c->sites[1], buf, sizeof(buf)), "max-age=86400");
	ck_assert_int_eq(c->sites[1].hsts_redirect_http, 0);
	ck_assert_str_eq(conf_hsts_value(&c->sites[2], buf, sizeof(buf)), "max-age=0; preload");
	ck_assert_str_eq(conf_hsts_value(&c->sites[3], buf, sizeof(buf)), "max-age=600");
	ck_assert_int_eq(c->sites[3].hsts_redirect_http, 1);
	ck_assert_str_eq(conf_hsts_value(&c->sites[4], buf, sizeof(buf)), "max-age=86400");
	conf_free(c);
	result_free(&r);
}
END_TEST

/* ---- issue 25: application pools ---- */

/* The real hosting panel's file: queueLength only in <applicationPoolDefaults>, pools by
 * <application applicationPool> and <applicationDefaults>; the result reads back with
 * those values, and sites of one pool agree. */
START_TEST(test_import_apppools_real)
{
	struct result r;
	struct conf *c;
	char err[4096];
	size_t i;

	run_import(&r, FIX "apppools.applicationHost.config", NULL, NULL, NULL);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "wwwroot\nstate = stopped\napp_pool = DefaultAppPool\nqueue_length = 4000   ; "
	    "<applicationPoolDefaults queueLength> of IIS's line 26\n\n[site redisoncloud.com]");
	HAS(r.text, "C:\\vhosts\\ikinci.com\\http\napp_pool = ikinci.com\nqueue_length = 4000   ; "
	    "<applicationPoolDefaults queueLength> of IIS's line 26\n");
	HASNT(r.text, "rapid_fail");
	HASNT(r.text, "load_balancer");
	HASNT(r.warnings, "application pool");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nsites, 3);
	for (i = 0; i < c->nsites; i++) {
		ck_assert_uint_eq(c->sites[i].queue_length, 4000);
		ck_assert_int_eq(c->sites[i].rapid_fail, 1);
		ck_assert_uint_eq(c->sites[i].rapid_fail_max_crashes, 5);
		ck_assert_uint_eq(c->sites[i].rapid_fail_interval, 5);
		ck_assert_int_eq(c->sites[i].load_balancer, CONF_LB_HTTP);
	}
	ck_assert_str_eq(apppool_name(&c->sites[0]), "DefaultAppPool");
	ck_assert_str_eq(apppool_name(&c->sites[1]), "redisoncloud.com");
	conf_free(c);
	result_free(&r);
}
END_TEST

/* <failure> over <applicationPoolDefaults>' attribute by attribute; a timespan in days;
 * values IIS refuses warned and left at the default; a pool <applicationPools> does not
 * define; two sites of one pool written alike (the file reads back). */
START_TEST(test_import_apppools_failure)
{
	char apph[] = "/tmp/check_import_p.XXXXXX";
	struct result r;
	struct conf *c;
	char err[4096];

	temp_write(apph,
	    "<configuration><system.applicationHost>\n"                                 /* 1 */
	    "<applicationPools>\n"                                                      /* 2 */
	    "<add name=\"Shop\" queueLength=\"50\">\n"                                  /* 3 */
	    "<failure loadBalancerCapabilities=\"TcpLevel\" rapidFailProtectionInterval=\"1.00:00:00\" />\n"
	    "</add>\n"                                                                  /* 5 */
	    "<add name=\"Api\" queueLength=\"5\">\n"                                    /* 6 */
	    "<failure rapidFailProtection=\"false\" rapidFailProtectionInterval=\"00:05:30\" "
	    "rapidFailProtectionMaxCrashes=\"0\" />\n"                                 /* 7 */
	    "</add>\n"                                                                  /* 8 */
	    "<applicationPoolDefaults>\n"                                               /* 9 */
	    "<failure rapidFailProtectionMaxCrashes=\"3\" />\n"                         /* 10 */
	    "</applicationPoolDefaults>\n"                                              /* 11 */
	    "</applicationPools>\n<sites>\n"                                            /* 12, 13 */
	    "<site name=\"A\" id=\"1\"><application path=\"/\" applicationPool=\"shop\" />"
	    "<bindings><binding protocol=\"http\" bindingInformation=\"*:80:a\" /></bindings></site>\n"
	    "<site name=\"B\" id=\"2\"><application path=\"/\" applicationPool=\"Shop\" />"
	    "<bindings><binding protocol=\"http\" bindingInformation=\"*:80:b\" /></bindings></site>\n"
	    "<site name=\"C\" id=\"3\"><application path=\"/\" applicationPool=\"Api\" />"
	    "<bindings><binding protocol=\"http\" bindingInformation=\"*:80:c\" /></bindings></site>\n"
	    "<site name=\"D\" id=\"4\">"
	    "<bindings><binding protocol=\"http\" bindingInformation=\"*:80:d\" /></bindings></site>\n"
	    "<applicationDefaults applicationPool=\"Gone\" />\n"
	    "</sites></system.applicationHost></configuration>\n");
	run_import(&r, apph, NULL, NULL, NULL);
	unlink(apph);
	ck_assert_msg(r.text != NULL, "%s", r.err);
	HAS(r.text, "pool \"shop\", ?\napp_pool = Shop\nqueue_length = 50   ; <add queueLength> of "
	    "IIS's line 3\n"
	    "rapid_fail_max_crashes = 3   ; <applicationPoolDefaults><failure "
	    "rapidFailProtectionMaxCrashes> of IIS's line 10\n"
	    "rapid_fail_interval = 1440   ; <add><failure rapidFailProtectionInterval> of IIS's "
	    "line 4\nload_balancer = tcp   ; <add><failure loadBalancerCapabilities> of IIS's "
	    "line 4\n");
	HAS(r.text, "app_pool = Api\nrapid_fail = off   ; <add><failure rapidFailProtection> of "
	    "IIS's line 7\nrapid_fail_max_crashes = 3   ; <applicationPoolDefaults><failure "
	    "rapidFailProtectionMaxCrashes> of IIS's line 10\n\n[site D]");
	HAS(r.text, "[site D]\nid = 4\nbindings = http/*:80:d\n; backend = http://127.0.0.1:8080"
	    "   ; fill in; until then the built-in page answers\n; on IIS: application pool "
	    "\"Gone\", ?\napp_pool = Gone\nrapid_fail_max_crashes = 3   ; "
	    "<applicationPoolDefaults><failure rapidFailProtectionMaxCrashes> of IIS's line 10\n");
	HAS(r.warnings, ":6: warning: application pool \"Api\": queueLength=\"5\" is not 10 to "
	    "65535 as IIS takes it: left at the default\n");
	HAS(r.warnings, ":7: warning: application pool \"Api\": rapidFailProtectionInterval="
	    "\"00:05:30\" is not a whole number of minutes (IIS takes whole minutes from 00:01:00 "
	    "to 100.00:00:00): left at the default\n");
	HAS(r.warnings, ":7: warning: application pool \"Api\": rapidFailProtectionMaxCrashes="
	    "\"0\" is not 1 to 2147483647 as IIS takes it: left at the default\n");
	HAS(r.warnings, ":17: warning: site \"D\": application pool \"Gone\" is not in "
	    "<applicationPools>: its settings are <applicationPoolDefaults>' and IIS's defaults\n");
	c = conf_parse(r.text, "/tmp/imported.ini", 0, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->sites[1].queue_length, 50);
	ck_assert_uint_eq(c->sites[1].rapid_fail_interval, 1440);
	ck_assert_int_eq(c->sites[1].load_balancer, CONF_LB_TCP);
	ck_assert_uint_eq(c->sites[2].queue_length, 1000);
	ck_assert_int_eq(c->sites[2].rapid_fail, 0);
	ck_assert_uint_eq(c->sites[2].rapid_fail_interval, 5);
	conf_free(c);
	result_free(&r);
}
END_TEST

static Suite *
import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_import_roundtrip_layouts);
	tcase_add_test(tc, test_import_wildcard_sni_entry);
	tcase_add_test(tc, test_import_netsh_cut_entry);
	tcase_add_test(tc, test_import_netsh_frame_said);
	tcase_add_test(tc, test_import_every_flag_keys);
	tcase_add_test(tc, test_import_netsh_unknown_lines);
	tcase_add_test(tc, test_import_binding_flags_to_entries);
	tcase_add_test(tc, test_import_ipport_entries_by_family);
	tcase_add_test(tc, test_import_access_locations);
	tcase_add_test(tc, test_import_server_level_location);
	tcase_add_test(tc, test_import_hsts);
	tcase_add_test(tc, test_import_two_sites_2012);
	tcase_add_test(tc, test_import_several_sites_2022);
	tcase_add_test(tc, test_import_netsh_2012_and_2022_layouts);
	tcase_add_test(tc, test_import_netsh_lf_and_duplicates);
	tcase_add_test(tc, test_import_malformed_xml_is_an_error);
	tcase_add_test(tc, test_import_not_applicationhost);
	tcase_add_test(tc, test_import_sslflags_need_entries_and_state_attribute);
	tcase_add_test(tc, test_import_long_binding_lists_split_for_inih);
	tcase_add_test(tc, test_import_cert_store_checks_thumbprints);
	tcase_add_test(tc, test_import_visual_studio_and_utf16le_netsh);
	tcase_add_test(tc, test_import_text_decode);
	tcase_add_test(tc, test_import_german_netsh);
	tcase_add_test(tc, test_import_bad_items);
	tcase_add_test(tc, test_import_hwc_container_sslflags_names);
	tcase_add_test(tc, test_import_nothing_usable);
	tcase_add_test(tc, test_import_apppools_real);
	tcase_add_test(tc, test_import_apppools_failure);
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
