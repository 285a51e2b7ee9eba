/*
 * check_edit — appcmd's and netsh's commands editing a configuration in place (edit.c):
 * the exact text after each edit (comments, order, layout and CRLF kept), inih's line
 * limit, refusals with the Windows tools' messages, validation before writing, and the
 * file left untouched when the result would be invalid.  Files live in a temp directory.
 */
#include <check.h>
#include <stdarg.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "iis/edit.h"

static const char base[] =
	"; the two-site story\n"
	"[server]\n"
	"mode = iis7\n"
	"cert_store = .\n"
	"\n"
	"; = netsh http add sslcert ipport=0.0.0.0:8443\n"
	"[sslcert 0.0.0.0:8443]\n"
	"certhash = 5e537858f558b101c877dd9a442344dd7f110794\n"
	"appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"
	"\n"
	"; the first site\n"
	"[site MySite V1]\n"
	"id = 1\n"
	"bindings = https/127.0.0.1:8443:sitev1.mysite.com, http/127.0.0.1:8080:sitev1.mysite.com\n"
	"\n"
	"[site MySite V2]\n"
	"id = 2\n"
	"bindings = https/127.0.0.1:8443:sitev2.mysite.com   ; added by hand\n"
	"state = started\n";

/* base with a line replaced: the text from `from` (first occurrence) to the end of its line. */
static char *
replaced(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	char *out;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from)), 0);
	return out;
}

START_TEST(test_edit_binding_add_extends_the_line_keeping_its_comment)
{
	enum edit_status st;
	char err[512], *out, *want;

	out = edit_binding_add(base, "mysite v2", "https/*:443:sitev2.mysite.com", &st, err,
	    sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	want = replaced(base, "sitev2.mysite.com   ; added",
	    "sitev2.mysite.com, https/*:443:sitev2.mysite.com   ; added");
	ck_assert_str_eq(out, want);
	free(out);
	free(want);
}
END_TEST

START_TEST(test_edit_binding_add_new_line_past_inih_limit)
{
	enum edit_status st;
	char err[512], *out, *text, *p;
	const char *b = "https/127.0.0.1:8443:a-rather-long-host-name-for-the-limit.mysite.com";

	/* V1's bindings line is 86 characters: two more long bindings pass 199 */
	out = edit_binding_add(base, "MySite V1", b, &st, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	text = edit_binding_add(out, "MySite V1",
	    "http/127.0.0.1:8080:another-rather-long-host-name-for-the-limit.mysite.com", &st, err,
	    sizeof(err));
	ck_assert_msg(text != NULL, "%s", err);
	p = strstr(text, "sitev1.mysite.com, https/127.0.0.1:8443:a-rather-long-host-name-for-the-"
	    "limit.mysite.com\nbindings = http/127.0.0.1:8080:another-rather-long-host-name-for-the-"
	    "limit.mysite.com\n\n[site MySite V2]");
	ck_assert_msg(p != NULL, "%s", text);
	/* valid (nothing "too long"), and not written: /dev/null/x is no file */
	ck_assert_int_eq(edit_file_write("/dev/null/x", text, err, sizeof(err)), -2);
	ck_assert_ptr_null(strstr(err, "too long"));
	free(out);
	free(text);
}
END_TEST

START_TEST(test_edit_binding_add_refusals)
{
	enum edit_status st;
	char err[512];

	ck_assert_ptr_null(edit_binding_add(base, "MySite V3", "http/*:80:", &st, err,
	    sizeof(err)));
	ck_assert_int_eq(st, EDIT_NOT_FOUND);
	/* the same binding, written differently (host case) */
	ck_assert_ptr_null(edit_binding_add(base, "MySite V1",
	    "HTTPS/127.0.0.1:8443:SiteV1.mysite.com", &st, err, sizeof(err)));
	ck_assert_int_eq(st, EDIT_DUPLICATE);
	ck_assert_str_eq(err, "[site MySite V1] already has binding "
	    "https/127.0.0.1:8443:sitev1.mysite.com (line 14)");
	ck_assert_ptr_null(edit_binding_add(base, "MySite V1", "ftp/*:21:", &st, err,
	    sizeof(err)));
	ck_assert_int_eq(st, EDIT_INVALID);
}
END_TEST

START_TEST(test_edit_binding_remove_first_last_only)
{
	enum edit_status st;
	char err[512], *out, *want;

	out = edit_binding_remove(base, "MySite V1", "https/127.0.0.1:8443:sitev1.mysite.com",
	    &st, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	want = replaced(base, "bindings = https/127.0.0.1:8443:sitev1.mysite.com, http",
	    "bindings = http");
	ck_assert_str_eq(out, want);
	free(out);
	free(want);

	out = edit_binding_remove(base, "MySite V1", "http/127.0.0.1:8080:sitev1.mysite.com",
	    &st, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	want = replaced(base, "sitev1.mysite.com, http/127.0.0.1:8080:sitev1.mysite.com\n",
	    "sitev1.mysite.com\n");
	ck_assert_str_eq(out, want);
	free(out);
	free(want);

	/* the only binding on the line: the line goes (and the result is refused on write) */
	out = edit_binding_remove(base, "MySite V2", "https/127.0.0.1:8443:sitev2.mysite.com",
	    &st, err, sizeof(err));
	ck_assert_ptr_nonnull(out);
	want = replaced(base, "bindings = https/127.0.0.1:8443:sitev2.mysite.com   ; added by "
	    "hand\n", "");
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(edit_file_write("/tmp/never-written.ini", out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/tmp/never-written.ini:16: [site MySite V2] needs bindings");
	ck_assert_int_ne(access("/tmp/never-written.ini", F_OK), 0);
	free(out);
	free(want);

	ck_assert_ptr_null(edit_binding_remove(base, "MySite V2", "https/*:443:", &st, err,
	    sizeof(err)));
	ck_assert_int_eq(st, EDIT_NOT_FOUND);
}
END_TEST

START_TEST(test_edit_sslcert_add_after_the_last_sslcert)
{
	enum edit_status st;
	char err[512], *out, *want;
	const char *kv[] = { "certhash", "176842bcd5618f3dd5462d99b57bb5511fc4d8a4",
	    "appid", "{4dc3e181-e14b-4a21-b022-59fc669b0914}" };

	out = edit_sslcert_add(base, "sitev2.mysite.com:8443", kv, 2, &st, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	want = replaced(base, "59fc669b0914}\n\n; the first site",
	    "59fc669b0914}\n\n[sslcert sitev2.mysite.com:8443]\n"
	    "certhash = 176842bcd5618f3dd5462d99b57bb5511fc4d8a4\n"
	    "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n\n; the first site");
	ck_assert_str_eq(out, want);
	free(out);
	free(want);

	/* 0.0.0.0:8443 exists: netsh's error 183 */
	ck_assert_ptr_null(edit_sslcert_add(base, "0.0.0.0:8443", kv, 2, &st, err, sizeof(err)));
	ck_assert_int_eq(st, EDIT_DUPLICATE);
}
END_TEST

START_TEST(test_edit_sslcert_add_without_sslcert_sections_and_crlf)
{
	static const char crlf[] =
	    "[server]\r\nmode = iis7\r\ncert_store = certs\r\n\r\n; a site\r\n[site A]\r\nid = 1\r\n"
	    "bindings = https/*:443:\r\n";
	const char *kv[] = { "certhash", "176842bcd5618f3dd5462d99b57bb5511fc4d8a4" };
	enum edit_status st;
	char err[512], *out;

	out = edit_sslcert_add(crlf, "0.0.0.0:443", kv, 1, &st, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	ck_assert_str_eq(out, "[server]\r\nmode = iis7\r\ncert_store = certs\r\n\r\n"
	    "[sslcert 0.0.0.0:443]\r\ncerthash = 176842bcd5618f3dd5462d99b57bb5511fc4d8a4\r\n\r\n"
	    "; a site\r\n[site A]\r\nid = 1\r\nbindings = https/*:443:\r\n");
	free(out);
}
END_TEST

START_TEST(test_edit_sslcert_delete_with_its_comment)
{
	enum edit_status st;
	char err[512], *out, *want;

	out = edit_sslcert_delete(base, "0.0.0.0:8443", &st, err, sizeof(err));
	ck_assert_msg(out != NULL, "%s", err);
	want = replaced(base, "\n; = netsh http add sslcert ipport=0.0.0.0:8443\n[sslcert "
	    "0.0.0.0:8443]\ncerthash = 5e537858f558b101c877dd9a442344dd7f110794\n"
	    "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n", "");
	ck_assert_str_eq(out, want);
	free(out);
	free(want);
	ck_assert_ptr_null(edit_sslcert_delete(base, "[::]:8443", &st, err, sizeof(err)));
	ck_assert_int_eq(st, EDIT_NOT_FOUND);
}
END_TEST

/* An IPv4-mapped address names another SOCKADDR than the IPv4 one (Windows keys its table
 * by the address as given): delete and update find no such entry and leave 0.0.0.0:8443
 * alone; add refuses it, as the configuration would read the two as one entry. */
START_TEST(test_edit_sslcert_mapped_address_is_not_the_ipv4_entry)
{
	static const char *const kv[] = { "certhash", "176842bcd5618f3dd5462d99b57bb5511fc4d8a4" };
	enum edit_status st;
	char err[512];

	ck_assert_ptr_null(edit_sslcert_delete(base, "[::ffff:0.0.0.0]:8443", &st, err,
	    sizeof(err)));
	ck_assert_int_eq(st, EDIT_NOT_FOUND);
	ck_assert_ptr_null(edit_sslcert_update(base, "[::ffff:0.0.0.0]:8443", kv, 1, &st, err,
	    sizeof(err)));
	ck_assert_int_eq(st, EDIT_NOT_FOUND);
	ck_assert_ptr_null(edit_sslcert_add(base, "[::ffff:0.0.0.0]:8443", kv, 1, &st, err,
	    sizeof(err)));
	ck_assert_int_eq(st, EDIT_DUPLICATE);
}
END_TEST

/* One directory for the whole run, removed by main. */
static char rundir[64];

/* Write text to a fresh file in a temp dir under rundir; returns its path (static). */
static const char *
temp_conf(const char *text)
{
	static char dir[128], path[160];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/XXXXXX", rundir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sysbind.ini", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 65536);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_lt(fread(buf, 1, 65535, f), 65535);
	fclose(f);
	return buf;
}

static int
run(int (*fn)(const char *, int, char *const *, FILE *, FILE *), const char *path,
    char **out, char **errout, int n, ...)
{
	char *words[48];
	size_t ol = 0, el = 0;
	FILE *o = open_memstream(out, &ol), *e = open_memstream(errout, &el);
	va_list ap;
	int i, rc;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		words[i] = va_arg(ap, char *);
	va_end(ap);
	rc = fn(path, n, words, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

START_TEST(test_edit_appcmd_messages_and_file)
{
	const char *path = temp_conf(base);
	char *out, *err, *text;
	struct stat st;

	chmod(path, 0640);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site",
	    "/site.name:mysite v2",
	    "/+bindings.[protocol='https',bindingInformation='*:443:sitev2.mysite.com']"), 0);
	ck_assert_str_eq(out, "SITE object \"MySite V2\" changed\n");
	text = read_all(path);
	ck_assert_ptr_nonnull(strstr(text, "bindings = https/127.0.0.1:8443:sitev2.mysite.com, "
	    "https/*:443:sitev2.mysite.com   ; added by hand\n"));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	free(text);
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site", "/site.name:X",
	    "/+bindings.[protocol='http',bindingInformation='*:80:']"), 1);
	ck_assert_str_eq(out, "ERROR ( message:Cannot find SITE object with identifier \"X\". )\n");
	free(out);
	free(err);

	/* the positional site name and /-bindings */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site", "MySite V2",
	    "/-bindings.[protocol='https',bindingInformation='*:443:sitev2.mysite.com']"), 0);
	text = read_all(path);
	ck_assert_str_eq(text, base);
	free(text);
	free(out);
	free(err);

	/* a binding the other site holds: the result is invalid, nothing is written */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site", "MySite V2",
	    "/+bindings.[protocol='http',bindingInformation='127.0.0.1:8080:sitev1.mysite.com']"),
	    1);
	ck_assert_ptr_nonnull(strstr(out, "ERROR ( hresult:80070057, message:Failed to commit "
	    "configuration changes. )"));
	ck_assert_ptr_nonnull(strstr(err, "not changed: the result would be invalid"));
	text = read_all(path);
	ck_assert_str_eq(text, base);
	free(text);
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 2, "list", "site"), 0);
	ck_assert_str_eq(out, "SITE \"MySite V1\" (id:1,bindings:https/127.0.0.1:8443:sitev1."
	    "mysite.com,http/127.0.0.1:8080:sitev1.mysite.com,state:Started)\n"
	    "SITE \"MySite V2\" (id:2,bindings:https/127.0.0.1:8443:sitev2.mysite.com,"
	    "state:Started)\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "site", "nope"), 1);
	ck_assert_str_eq(out, "ERROR ( message:Cannot find SITE object with identifier "
	    "\"nope\". )\n");
	free(out);
	free(err);
}
END_TEST

/* `appcmd list apppool` and `list app` as appcmd prints them: one line per pool (two
 * sites of one pool, ASCII case ignored, make one line), each site's root application with
 * its pool; a name that is no pool is appcmd's error. */
START_TEST(test_edit_appcmd_list_apppool_app)
{
	const char *path = temp_conf(
	    "[site Shop]\nid = 1\nbindings = http/*:8080:shop\napp_pool = DefaultAppPool\n"
	    "[site Api]\nid = 2\nbindings = http/*:8080:api\n"
	    "[site Blog]\nid = 3\nbindings = http/*:8080:blog\napp_pool = defaultapppool\n");
	char *out, *err;

	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 2, "list", "apppool"), 0);
	ck_assert_str_eq(out, "APPPOOL \"DefaultAppPool\" (MgdVersion:,MgdMode:Integrated,"
	    "state:Started)\nAPPPOOL \"Api\" (MgdVersion:,MgdMode:Integrated,state:Started)\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "apppools", "/name:api"), 0);
	ck_assert_str_eq(out, "APPPOOL \"Api\" (MgdVersion:,MgdMode:Integrated,state:Started)\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "apppool", "Nope"), 1);
	ck_assert_str_eq(out, "ERROR ( message:Cannot find APPPOOL object with identifier "
	    "\"Nope\". )\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 2, "list", "app"), 0);
	ck_assert_str_eq(out, "APP \"Shop/\" (applicationPool:DefaultAppPool)\n"
	    "APP \"Api/\" (applicationPool:Api)\nAPP \"Blog/\" (applicationPool:defaultapppool)\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "app",
	    "/apppool.name:DEFAULTAPPPOOL"), 0);
	ck_assert_str_eq(out, "APP \"Shop/\" (applicationPool:DefaultAppPool)\n"
	    "APP \"Blog/\" (applicationPool:defaultapppool)\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "app", "api/"), 0);
	ck_assert_str_eq(out, "APP \"Api/\" (applicationPool:Api)\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_edit_netsh_add_delete_show)
{
	const char *path;
	char *out, *err, *text, *conf;

	conf = replaced(base, "mode = iis7\n", "mode = iis8\n");
	path = temp_conf(conf);

	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 5, "http", "add", "sslcert",
	    "ipport=0.0.0.0:8443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}"), 1);
	ck_assert_str_eq(out, "\r\nOne or more essential parameters were not entered.\r\n"
	    "Verify the required parameters, and reenter them.\r\n\r\nThe syntax supplied for "
	    "this command is not valid. Check help for the correct syntax.\r\n\r\n");
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
	    "ipport=0.0.0.0:8443", "certhash=176842bcd5618f3dd5462d99b57bb5511fc4d8a4",
	    "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}"), 1);
	ck_assert_str_eq(out, "\r\nSSL Certificate add failed, Error: 183\r\nCannot create a "
	    "file when that file already exists.\r\n\r\n");
	free(out);
	free(err);

	/* a thumbprint the store does not hold: netsh's 1312, file untouched */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
	    "hostnameport=sitev2.mysite.com:8443",
	    "certhash=176842bcd5618f3dd5462d99b57bb5511fc4d8a4",
	    "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}"), 1);
	ck_assert_ptr_nonnull(strstr(out, "SSL Certificate add failed, Error: 1312\r\n"));
	text = read_all(path);
	ck_assert_str_eq(text, conf);
	free(text);
	free(out);
	free(err);

	/* ccs: sysbind's directory= stands for the registry's CCS path */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
	    "ccs=8443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", "directory=ccs"), 0);
	ck_assert_str_eq(out, "\r\nSSL Certificate successfully added\r\n\r\n");
	text = read_all(path);
	ck_assert_ptr_nonnull(strstr(text, "59fc669b0914}\n\n[sslcert ccs:8443]\ndirectory = ccs\n"
	    "appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n\n; the first site\n"));
	free(text);
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "show", "sslcert",
	    "ccs=8443"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\r\nSSL Certificate bindings:\r\n-------------------------"
	    "\r\n\r\n    Central Certificate Store    : 8443\r\n"));
	ck_assert_ptr_null(strstr(out, "0.0.0.0:8443"));
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "delete", "sslcert",
	    "ccs=8443"), 0);
	ck_assert_str_eq(out, "\r\nSSL Certificate successfully deleted\r\n\r\n");
	text = read_all(path);
	ck_assert_str_eq(text, conf);
	free(text);
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "delete", "sslcert",
	    "ccs=8443"), 1);
	ck_assert_str_eq(out, "\r\nSSL Certificate deletion failed, Error: 2\r\nThe system "
	    "cannot find the file specified.\r\n\r\n");
	free(out);
	free(err);
	free(conf);
}
END_TEST

/*
 * A wildcard SNI entry, as IIS 10 adds one for a "*.example.fr" https binding with Require
 * SNI (`netsh http add sslcert hostnameport=*.example.fr:443 ...`): added, shown back as
 * netsh shows it, deleted; the wildcard anywhere but the whole left-most label is "The
 * parameter is incorrect." with the reason.
 */
START_TEST(test_edit_netsh_wildcard_hostnameport)
{
	const char *path;
	char *out, *err, *text, *conf;
	int rc;

	char cmd[1024], hash[64], certhash[80], *dir;
	FILE *p;
	size_t i, n = 0;

	conf = replaced(base, "mode = iis7\n", "mode = iis8\n");
	path = temp_conf(conf);
	/* a *.example.fr certificate in the store (cert_store = . is the file's directory) */
	dir = strdup(path);
	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "
	    "'/CN=*.example.fr' -keyout '%s/wild.key' -out '%s/wild.pem' 2>/dev/null && "
	    "openssl x509 -noout -fingerprint -sha1 -in '%s/wild.pem'", dir, dir, dir);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_ptr_nonnull(fgets(cmd, sizeof(cmd), p));
	ck_assert_int_eq(pclose(p), 0);
	for (i = strcspn(cmd, "=") + 1; cmd[i] != '\0' && n + 1 < sizeof(hash); i++)
		if (cmd[i] != ':' && cmd[i] != '\n')
			hash[n++] = (char)tolower((unsigned char)cmd[i]);
	hash[n] = '\0';
	ck_assert_uint_eq(n, 40);
	snprintf(certhash, sizeof(certhash), "certhash=%s", hash);
	free(dir);
	rc = run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
	    "hostnameport=*.Example.fr:8443", certhash,
	    "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}");
	ck_assert_msg(rc == 0 && strcmp(out, "\r\nSSL Certificate successfully added\r\n\r\n") == 0, "%s%s",
	    out, err);
	text = read_all(path);
	snprintf(cmd, sizeof(cmd), "\n[sslcert *.Example.fr:8443]\ncerthash = %s\nappid = "
	    "{4dc3e181-e14b-4a21-b022-59fc669b0914}\n", hash);
	ck_assert_msg(strstr(text, cmd) != NULL, "%s", text);
	free(text);
	free(out);
	free(err);

	/* the same entry whatever the case: 183 */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
	    "hostnameport=*.example.FR:8443", certhash,
	    "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}"), 1);
	ck_assert_ptr_nonnull(strstr(out, "SSL Certificate add failed, Error: 183\r\n"));
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "show", "sslcert",
	    "hostnameport=*.example.fr:8443"), 0);
	snprintf(cmd, sizeof(cmd), "\r\nSSL Certificate bindings:\r\n-------------------------"
	    "\r\n\r\n    Hostname:port                : *.example.fr:8443\r\n    Certificate Hash"
	    "             : %s\r\n", hash);
	ck_assert_msg(strstr(out, cmd) != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "0.0.0.0:8443"));
	free(out);
	free(err);

	/* not a whole left-most label: refused, and the message says what is allowed */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
	    "hostnameport=www.*.example.fr:8443", certhash,
	    "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}"), 1);
	ck_assert_str_eq(out, "\r\nThe parameter is incorrect.\r\n\r\n");
	ck_assert_msg(strstr(err, "a wildcard is allowed only as the whole left-most label") !=
	    NULL, "%s", err);
	free(out);
	free(err);

	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "delete", "sslcert",
	    "hostnameport=*.example.fr:8443"), 0);
	ck_assert_str_eq(out, "\r\nSSL Certificate successfully deleted\r\n\r\n");
	text = read_all(path);
	ck_assert_str_eq(text, conf);
	free(text);
	free(out);
	free(err);
	free(conf);
}
END_TEST

/* The value netsh takes for a parameter type, and one it refuses. */
static const char *
good_value(enum edit_netsh_type t)
{
	switch (t) {
	case EDIT_NETSH_GUID:   return "{4dc3e181-e14b-4a21-b022-59fc669b0914}";
	case EDIT_NETSH_HASH:   return "5e537858f558b101c877dd9a442344dd7f110794";
	case EDIT_NETSH_ENABLE: return "enable";
	case EDIT_NETSH_UINT:   return "4294967295";
	default:                return "x";
	}
}

static const char *
bad_value(enum edit_netsh_type t)
{
	switch (t) {
	case EDIT_NETSH_GUID:   return "4dc3e181-e14b-4a21-b022-59fc669b0914";
	case EDIT_NETSH_HASH:   return "5e53";
	case EDIT_NETSH_ENABLE: return "yes";
	case EDIT_NETSH_UINT:   return "4294967296";
	default:                return "";
	}
}

/*
 * Every netsh parameter, through the table edit_netsh parses with: a bad value is "The
 * parameter is incorrect." (exit 1), a good one is kept as its [sslcert] key, netsh's
 * default of one sysbind does not emulate is accepted, another value is refused by name;
 * the file changes only on success.
 */
START_TEST(test_edit_netsh_every_parameter)
{
	const struct edit_netsh_param *t;
	size_t n, i;
	const char *path;
	char *out, *err, *text, *conf, arg[128], *words[8];
	int rc;

	conf = replaced(base, "mode = iis7\n", "mode = iis8\n");
	t = edit_netsh_params(&n);
	ck_assert_uint_ge(n, 30);
	for (i = 0; i < n; i++) {
		const char *key = (t[i].flags & 0x40) && !(t[i].flags & 0x30) ? "ccs=9443" :
		    "ipport=0.0.0.0:9443";
		size_t nw = 0;

		if (t[i].type <= EDIT_NETSH_SCOPEDCCS || strcmp(t[i].name, "json") == 0)
			continue;
		path = temp_conf(conf);
		/* a bad value */
		if (t[i].type != EDIT_NETSH_TEXT) {
			snprintf(arg, sizeof(arg), "%s=%s", t[i].name, bad_value(t[i].type));
			ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
			    key, strcmp(t[i].name, "appid") == 0 ? "usagecheck=enable" :
			    "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", arg), 1);
			ck_assert_msg(strcmp(out, "\r\nThe parameter is incorrect.\r\n\r\n") == 0,
			    "%s: %s", t[i].name, out);
			ck_assert_ptr_nonnull(strstr(err, t[i].name));
			free(out);
			free(err);
		}
		/* a good one, beside what the entry needs */
		words[nw++] = (char *)"http";
		words[nw++] = (char *)"add";
		words[nw++] = (char *)"sslcert";
		words[nw++] = (char *)key;
		if (strcmp(t[i].name, "appid") != 0)
			words[nw++] = (char *)"appid={4dc3e181-e14b-4a21-b022-59fc669b0914}";
		snprintf(arg, sizeof(arg), "%s=%s", t[i].name, t[i].def != NULL ? t[i].def :
		    good_value(t[i].type));
		words[nw++] = arg;
		{
			size_t ol = 0, el = 0;
			FILE *o = open_memstream(&out, &ol), *e = open_memstream(&err, &el);

			rc = edit_netsh(path, (int)nw, words, o, e);
			fclose(o);
			fclose(e);
		}
		text = read_all(path);
		if (strcmp(t[i].name, "certhash") == 0) {
			/* netsh's 1312: cert_store = . holds no such certificate */
			ck_assert_int_eq(rc, 1);
			ck_assert_ptr_nonnull(strstr(out, "Error: 1312"));
			ck_assert_str_eq(text, conf);
		} else if (t[i].conf_key != NULL && strstr(key, "ccs=") != NULL &&
		    strcmp(t[i].name, "directory") != 0) {
			/* a ccs entry needs directory: the result is invalid, error 87 */
			ck_assert_int_eq(rc, 1);
			ck_assert_ptr_nonnull(strstr(out, "Error: 87"));
			ck_assert_str_eq(text, conf);
		} else if (t[i].conf_key != NULL && strstr(key, "ccs=") != NULL) {
			ck_assert_int_eq(rc, 0);
			ck_assert_ptr_nonnull(strstr(text, "[sslcert ccs:9443]\ndirectory = x\n"));
		} else if (t[i].conf_key != NULL || t[i].def != NULL) {
			/* ipport without certhash: netsh's missing-parameter text */
			ck_assert_int_eq(rc, 1);
			ck_assert_msg(strstr(out, "One or more essential parameters were not entered."),
			    "%s: %s", t[i].name, out);
			ck_assert_str_eq(text, conf);
		} else {
			/* not emulated, no default: refused by name */
			ck_assert_int_eq(rc, 2);
			ck_assert_msg(strstr(err, "is not emulated by sysbind"), "%s: %s", t[i].name, err);
			ck_assert_str_eq(text, conf);
		}
		free(text);
		free(out);
		free(err);
	}

	/* the combination an IIS host's script really uses (before: a stack buffer overflow in
	 * the parameter collection): every key kept, netsh defaults accepted */
	path = temp_conf(conf);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 12, "http", "add", "sslcert",
	    "ccs=9443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", "directory=ccs",
	    "password=ccs-secret", "verifyclientcertrevocation=enable", "usagecheck=Enable",
	    "clientcertnegotiation=disable", "disablehttp2=disable", "reject=disable"), 0);
	ck_assert_str_eq(out, "\r\nSSL Certificate successfully added\r\n\r\n");
	text = read_all(path);
	ck_assert_ptr_nonnull(strstr(text, "[sslcert ccs:9443]\ndirectory = ccs\npassword = "
	    "ccs-secret\nappid = {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"));
	free(text);
	free(out);
	free(err);
	/* directory and password are a ccs entry's: an ipport entry refuses them */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 9, "http", "add", "sslcert",
	    "ipport=0.0.0.0:9443", "certhash=5e537858f558b101c877dd9a442344dd7f110794",
	    "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", "certstorename=MY",
	    "directory=ccs", "password=x"), 1);
	ck_assert_str_eq(out, "\r\nThe parameter is incorrect.\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(err, "directory= does not apply to a ipport entry"));
	free(out);
	free(err);
	/* unknown and repeated parameters: netsh's syntax text */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 5, "http", "add", "sslcert",
	    "ipport=0.0.0.0:9443", "colour=blue"), 1);
	ck_assert_ptr_nonnull(strstr(out, "The syntax supplied for this command is not valid."));
	ck_assert_ptr_nonnull(strstr(err, "unknown parameter \"colour=blue\""));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 5, "http", "delete", "sslcert",
	    "ipport=0.0.0.0:9443", "ccs=9443"), 1);
	ck_assert_ptr_nonnull(strstr(err, "the entry's key given twice"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 5, "http", "delete", "sslcert",
	    "ipport=0.0.0.0:9443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}"), 1);
	ck_assert_ptr_nonnull(strstr(err, "appid= is not a parameter of delete"));
	free(out);
	free(err);
	/* a key of the wrong kind, and a bad key */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "delete", "sslcert",
	    "ipport=www.example.com:443"), 1);
	ck_assert_str_eq(out, "\r\nThe parameter is incorrect.\r\n\r\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "show", "sslcert",
	    "json=enable"), 2);
	ck_assert_ptr_nonnull(strstr(err, "json= is not emulated"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 4, "http", "show", "sslcert",
	    "scopedccs=www.example.com:443"), 1);
	ck_assert_ptr_nonnull(strstr(out, "The system cannot find the file specified."));
	free(out);
	free(err);
	free(conf);
}
END_TEST

/* update replaces an entry's parameters in place; a missing entry is netsh's error 2. */
START_TEST(test_edit_netsh_update)
{
	const char *path;
	char *out, *err, *text, *conf, *want;

	conf = replaced(base, "mode = iis7\n", "mode = iis8\n");
	path = temp_conf(conf);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslcert",
	    "ccs=8443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", "directory=ccs"), 1);
	ck_assert_str_eq(out, "\r\nSSL Certificate update failed, Error: 2\r\nThe system cannot "
	    "find the file specified.\r\n\r\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslcert",
	    "ccs=8443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", "directory=ccs"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 7, "http", "update", "sslcert",
	    "ccs=8443", "appid={00000000-e14b-4a21-b022-59fc669b0914}", "directory=ccs2",
	    "password=p"), 0);
	ck_assert_str_eq(out, "\r\nSSL Certificate successfully updated\r\n\r\n");
	text = read_all(path);
	want = replaced(conf, "\n; the first site\n", "\n[sslcert ccs:8443]\ndirectory = ccs2\n"
	    "password = p\nappid = {00000000-e14b-4a21-b022-59fc669b0914}\n\n; the first site\n");
	ck_assert_str_eq(text, want);
	free(want);
	free(text);
	free(out);
	free(err);
	free(conf);
}
END_TEST

/* Issue 14: netsh's client-certificate and TLS parameters land as [sslcert] keys (Enable
 * as enable); update sslpropertyex sets the Extended Properties, which a later update
 * sslcert keeps. */
START_TEST(test_edit_netsh_flags_and_sslpropertyex)
{
	const char *path;
	char *out, *err, *text, *conf;

	conf = replaced(base, "mode = iis7\n", "mode = iis8\n");
	path = temp_conf(conf);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 11, "http", "add", "sslcert",
	    "ccs=9443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", "directory=ccs",
	    "clientcertnegotiation=Enable", "disabletls13=enable", "sslctlstorename=ClientAuthIssuer",
	    "revocationfreshnesstime=3600", "verifyclientcertrevocation=DISABLE"), 0);
	ck_assert_str_eq(out, "\r\nSSL Certificate successfully added\r\n\r\n");
	text = read_all(path);
	ck_assert_msg(strstr(text, "[sslcert ccs:9443]\ndirectory = ccs\nappid = "
	    "{4dc3e181-e14b-4a21-b022-59fc669b0914}\nverifyclientcertrevocation = disable\n"
	    "revocationfreshnesstime = 3600\nsslctlstorename = ClientAuthIssuer\n"
	    "clientcertnegotiation = enable\ndisabletls13 = enable\n") != NULL, "%s", text);
	free(text);
	free(out);
	free(err);

	/* sslpropertyex: PropertyId 0, then 1, on the ipport entry; its key lines stay */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "propertyid=0", "receivewindow=65535"), 0);
	ck_assert_str_eq(out, "\r\nSSL Certificate successfully updated\r\n\r\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 7, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "propertyid=1", "maxsettingsperframe=100",
	    "maxsettingsperminute=1000"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "propertyid=0", "receivewindow=70000"), 0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "[sslcert 0.0.0.0:8443]\ncerthash = "
	    "5e537858f558b101c877dd9a442344dd7f110794\nappid = "
	    "{4dc3e181-e14b-4a21-b022-59fc669b0914}\nreceivewindow = 70000\n"
	    "maxsettingsperframe = 100\nmaxsettingsperminute = 1000\n\n[sslcert ccs:9443]") != NULL,
	    "%s", text);
	free(text);
	/* an update of the binding keeps them (ccs: no certificate lookup) */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslpropertyex",
	    "ccs=9443", "propertyid=1", "maxsettingsperminute=5"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 7, "http", "update", "sslcert",
	    "ccs=9443", "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}", "directory=ccs",
	    "disablehttp2=enable"), 0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "[sslcert ccs:9443]\ndirectory = ccs\nappid = "
	    "{4dc3e181-e14b-4a21-b022-59fc669b0914}\ndisablehttp2 = enable\n"
	    "maxsettingsperminute = 5\n") != NULL, "%s", text);
	free(text);

	/* what netsh refuses */
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "propertyid=1", "receivewindow=65535"), 1);
	ck_assert_str_eq(out, "\r\nThe parameter is incorrect.\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(err, "receivewindow= belongs to propertyid=0"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 5, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "receivewindow=65535"), 1);
	ck_assert_ptr_nonnull(strstr(out, "One or more essential parameters were not entered."));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "propertyid=2", "receivewindow=65535"), 1);
	ck_assert_str_eq(out, "\r\nThe parameter is incorrect.\r\n\r\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:9999", "propertyid=0", "receivewindow=65535"), 1);
	ck_assert_str_eq(out, "\r\nSSL Certificate update failed, Error: 2\r\nThe system cannot "
	    "find the file specified.\r\n\r\n");
	free(out);
	free(err);
	/* a value netsh takes but the binding cannot hold: the file is left as it was */
	text = read_all(path);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "update", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "propertyid=0", "receivewindow=1000"), 1);
	ck_assert_str_eq(out, "\r\nSSL Certificate update failed, Error: 87\r\nThe parameter is "
	    "incorrect.\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(err, "receivewindow must be a number from 65535 to "
	    "2147483647, not \"1000\""));
	free(out);
	free(err);
	free(conf);
	conf = read_all(path);
	ck_assert_str_eq(conf, text);
	free(conf);
	free(text);
	ck_assert_int_eq(run(edit_netsh, path, &out, &err, 6, "http", "add", "sslpropertyex",
	    "ipport=0.0.0.0:8443", "propertyid=0", "receivewindow=65535"), 2);
	free(out);
	free(err);
}
END_TEST

/* A new [location] goes after the site's whole block: below import's commented
 * "; backend = ..." hint, which stays the site's (uncommented later, it must not land in
 * the [location]), and above the comment that introduces the next section. */
START_TEST(test_edit_appcmd_location_after_site_comments)
{
	const char *path;
	char *out, *err, *conf, *text;

	conf = replaced(base, "sitev1.mysite.com\n\n[site MySite V2]", "sitev1.mysite.com\n"
	    "; backend = http://127.0.0.1:9000   ; fill in\n; on IIS: pool\n\n"
	    "; the second site\n[site MySite V2]");
	path = temp_conf(conf);
	free(conf);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config",
	    "MySite V1/secure", "/section:system.webServer/security/access", "/sslFlags:Ssl"), 0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "sitev1.mysite.com\n; backend = http://127.0.0.1:9000   ; "
	    "fill in\n; on IIS: pool\n\n[location MySite V1/secure]\nssl_flags = Ssl\n\n"
	    "; the second site\n[site MySite V2]\n") != NULL, "%s", text);
	free(text);

	/* the hint last in the file, then a comment attached to nothing */
	conf = replaced(base, "state = started\n", "state = started\n"
	    "; backend = http://127.0.0.1:8080   ; fill in\n\n");
	path = temp_conf(conf);
	free(conf);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config",
	    "MySite V2/secure", "/section:system.webServer/security/access", "/sslFlags:Ssl"), 0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "state = started\n; backend = http://127.0.0.1:8080   ; fill "
	    "in\n\n[location MySite V2/secure]\nssl_flags = Ssl\n") != NULL, "%s", text);
	free(text);
}
END_TEST

/* IIS 10's <hsts> through appcmd set config -section:system.applicationHost/sites, as
 * iis-docs' AppCmd.exe sample does it (several attributes in one command too): the
 * site's hsts keys; every change or none. */
START_TEST(test_edit_appcmd_hsts)
{
	const char *path = temp_conf(base);
	char *out, *err, *text;

	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 6, "set", "config",
	    "-section:system.applicationHost/sites", "/[name='MySite V2'].hsts.enabled:True",
	    "/[name='mysite v2'].hsts.max-age:31536000", "/commit:apphost"), 0);
	ck_assert_str_eq(out, "Applied configuration changes to section "
	    "\"system.applicationHost/sites\" for \"MACHINE/WEBROOT/APPHOST\" at configuration "
	    "commit path \"MACHINE/WEBROOT/APPHOST\"\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config",
	    "-section:system.applicationHost/sites",
	    "/[name='MySite V2'].hsts.includeSubDomains:\"true\"",
	    "/[name='MySite V2'].hsts.redirectHttpToHttps:true"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "config",
	    "-section:system.applicationHost/sites", "/[name='MySite V2'].hsts.enabled:false"),
	    0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "state = started\nhsts = off\nhsts_max_age = 31536000\n"
	    "hsts_include_subdomains = on\nhsts_redirect_http = on\n") != NULL, "%s", text);

	/* refused, the file kept: a site not there, a bad value, an unknown attribute */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config",
	    "-section:system.applicationHost/sites", "/[name='MySite V2'].hsts.preload:true",
	    "/[name='Nope'].hsts.enabled:true"), 1);
	ck_assert_str_eq(out, "ERROR ( hresult:80070490, message:Cannot find requested collection "
	    "element. )\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "config",
	    "-section:system.applicationHost/sites", "/[name='MySite V2'].hsts.max-age:-1"), 1);
	ck_assert_ptr_nonnull(strstr(out, "is not a uint (0 to 4294967295)"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "config",
	    "-section:system.applicationHost/sites", "/[name='MySite V2'].hsts.enable:true"), 1);
	ck_assert_ptr_nonnull(strstr(out, "Unknown attribute \"enable\""));
	free(out);
	free(err);
	out = read_all(path);
	ck_assert_str_eq(out, text);
	free(out);
	free(text);
	/* a site attribute needs its section */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "set", "config",
	    "/[name='MySite V2'].hsts.enabled:true"), 2);
	free(out);
	free(err);
}
END_TEST

/* appcmd list|set config for IIS's <access sslFlags>: the effective flags of a path, as
 * appcmd prints a section; set writes the site's ssl_flags or its [location]. */
START_TEST(test_edit_appcmd_access_config)
{
	const char *path;
	char *out, *err, *text, *conf;

	conf = replaced(base, "state = started\n", "state = started\nssl_flags = Ssl\n"
	    "\n[location MySite V2/old]\nssl_flags = Ssl128\n");
	path = temp_conf(conf);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "list", "config",
	    "MySite V2/secure/x", "-section:system.webServer/security/access"), 0);
	ck_assert_str_eq(out, "<system.webServer>\n  <security>\n    <access sslFlags=\"Ssl\" />\n"
	    "  </security>\n</system.webServer>\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 6, "set", "config",
	    "MySite V2/secure", "-section:system.webServer/security/access",
	    "/sslFlags:\"Ssl, SslNegotiateCert, SslRequireCert\"", "/commit:apphost"), 0);
	ck_assert_str_eq(out, "Applied configuration changes to section "
	    "\"system.webServer/security/access\" for \"MACHINE/WEBROOT/APPHOST/MySite V2/secure\" "
	    "at configuration commit path \"MACHINE/WEBROOT/APPHOST\"\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config", "mysite v1",
	    "/section:system.webServer/security/access", "/sslFlags:Ssl,SslNegotiateCert"), 0);
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config", "MySite V2/OLD/",
	    "/section:system.webServer/security/access", "/sslFlags:None"), 0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "bindings = https/127.0.0.1:8443:sitev1.mysite.com, "
	    "http/127.0.0.1:8080:sitev1.mysite.com\nssl_flags = Ssl,SslNegotiateCert\n\n") != NULL,
	    "%s", text);
	ck_assert_msg(strstr(text, "state = started\nssl_flags = Ssl\n\n[location MySite V2/secure]"
	    "\nssl_flags = Ssl, SslNegotiateCert, SslRequireCert\n\n[location MySite V2/old]\n"
	    "ssl_flags = None\n") != NULL, "%s", text);
	free(text);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "list", "config",
	    "MySite V2/Secure/deeper", "-section:system.webServer/security/access"), 0);
	ck_assert_ptr_nonnull(strstr(out, "<access sslFlags=\"Ssl, SslNegotiateCert, "
	    "SslRequireCert\" />"));
	free(out);
	free(err);
	/* no path: the server's, which sysbind keeps per site */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "config",
	    "-section:system.webServer/security/access"), 0);
	ck_assert_ptr_nonnull(strstr(out, "<access sslFlags=\"None\" />"));
	free(out);
	free(err);

	/* refused: a bad value (the file kept), a site that is not there, another section */
	text = read_all(path);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config", "MySite V2/x",
	    "-section:system.webServer/security/access", "/sslFlags:Bogus"), 1);
	ck_assert_str_eq(out, "ERROR ( hresult:80070057, message:Failed to commit configuration "
	    "changes. )\n");
	ck_assert_ptr_nonnull(strstr(err, "\"Bogus\" is not one of None, Ssl"));
	free(out);
	free(err);
	free(conf);
	conf = read_all(path);
	ck_assert_str_eq(conf, text);
	free(conf);
	free(text);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "list", "config", "Nope/x",
	    "-section:system.webServer/security/access"), 1);
	ck_assert_str_eq(out, "ERROR ( message:Config Error Unrecognized configuration path "
	    "'MACHINE/WEBROOT/APPHOST/Nope/x' )\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "list", "config", "MySite V2",
	    "-section:system.webServer/security/authentication"), 2);
	ck_assert_ptr_nonnull(strstr(err, "only -section:system.webServer/security/access is "
	    "emulated"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 6, "set", "config", "MySite V2",
	    "-section:system.webServer/security/access", "/sslFlags:Ssl", "/commit:site"), 2);
	ck_assert_ptr_nonnull(strstr(err, "/commit:site: sysbind keeps one configuration"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config", "MySite V2/a/../b",
	    "-section:system.webServer/security/access", "/sslFlags:Ssl"), 1);
	ck_assert_ptr_nonnull(strstr(err, "the path may not hold"));
	free(out);
	free(err);
}
END_TEST

/* appcmd set|list config with no site (issue 24 item 6): the server level, as IIS's appcmd
 * writes the section at the root of applicationHost.config: [server] ssl_flags, every
 * site's that sets none; a [server] is added when the file has none. */
START_TEST(test_edit_appcmd_access_config_server_level)
{
	const char *path;
	char *out, *err, *text, *conf;

	conf = replaced(base, "state = started\n", "state = started\nssl_flags = Ssl\n");
	path = temp_conf(conf);
	free(conf);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "config",
	    "-section:system.webServer/security/access", "/sslFlags:\"Ssl, SslNegotiateCert\"",
	    "/commit:apphost"), 0);
	ck_assert_str_eq(out, "Applied configuration changes to section "
	    "\"system.webServer/security/access\" for \"MACHINE/WEBROOT/APPHOST\" at "
	    "configuration commit path \"MACHINE/WEBROOT/APPHOST\"\n");
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "[server]\nmode = iis7\ncert_store = .\nssl_flags = Ssl, "
	    "SslNegotiateCert\n\n") != NULL, "%s", text);
	free(text);
	/* listed back: the server level; a site without its own has it, one with its own not */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "config",
	    "-section:system.webServer/security/access"), 0);
	ck_assert_str_eq(out, "<system.webServer>\n  <security>\n    <access sslFlags=\"Ssl, "
	    "SslNegotiateCert\" />\n  </security>\n</system.webServer>\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "list", "config", "MySite V1/x",
	    "-section:system.webServer/security/access"), 0);
	ck_assert_ptr_nonnull(strstr(out, "<access sslFlags=\"Ssl, SslNegotiateCert\" />"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "list", "config", "MySite V2",
	    "-section:system.webServer/security/access"), 0);
	ck_assert_ptr_nonnull(strstr(out, "<access sslFlags=\"Ssl\" />"));
	free(out);
	free(err);
	/* set again: the line is replaced, not added */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "config",
	    "-section:system.webServer/security/access", "/sslFlags:None"), 0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strstr(text, "cert_store = .\nssl_flags = None\n\n") != NULL, "%s", text);
	ck_assert_ptr_null(strstr(text, "SslNegotiateCert"));
	free(text);

	/* a file with no [server]: one is added before the first section */
	conf = replaced(base, "[server]\nmode = iis7\ncert_store = .\n", "");
	path = temp_conf(conf);
	free(conf);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "config",
	    "-section:system.webServer/security/access", "/sslFlags:Ssl"), 0);
	free(out);
	free(err);
	text = read_all(path);
	ck_assert_msg(strncmp(text, "; the two-site story\n\n[server]\nssl_flags = Ssl\n\n; = netsh",
	    54) == 0, "%s", text);
	free(text);
	/* a bad value: refused, the file kept */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "config",
	    "-section:system.webServer/security/access", "/sslFlags:Bogus"), 1);
	ck_assert_ptr_nonnull(strstr(err, "\"Bogus\" is not one of None, Ssl"));
	free(out);
	free(err);
}
END_TEST

/* appcmd's parameters from its table: list filters, sslFlags in either form, a site whose
 * name only a quoted header can hold. */
START_TEST(test_edit_appcmd_table_and_quoted_names)
{
	const char *path;
	char *out, *err, *text, *conf;

	text = replaced(base, "[site MySite V2]\n", "[site \" MySite V2 ; old\"]\n");
	conf = replaced(text, "state = started\n", "state = stopped\n");
	free(text);
	path = temp_conf(conf);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "site", "/state:stopped"), 0);
	ck_assert_str_eq(out, "SITE \" MySite V2 ; old\" (id:2,bindings:https/127.0.0.1:8443:"
	    "sitev2.mysite.com,state:Stopped)\n");
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 3, "list", "sites", "/id:1"), 0);
	ck_assert_ptr_nonnull(strstr(out, "SITE \"MySite V1\" (id:1,"));
	ck_assert_ptr_null(strstr(out, "V2"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site",
	    "/site.name: mysite v2 ; OLD",
	    "/+bindings.[protocol='https',bindingInformation='*:9443:x.mysite.com',"
	    "sslFlags='Sni,DisableHTTP2']"), 0);
	ck_assert_str_eq(out, "SITE object \" MySite V2 ; old\" changed\n");
	text = read_all(path);
	ck_assert_ptr_nonnull(strstr(text, "[site \" MySite V2 ; old\"]\nid = 2\nbindings = "
	    "https/127.0.0.1:8443:sitev2.mysite.com, https/*:9443:x.mysite.com   ; added by hand\n"));
	free(text);
	free(out);
	free(err);
	/* sslFlags that is neither a number nor IIS's names; an attribute appcmd has not */
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site", "MySite V1",
	    "/+bindings.[protocol='https',bindingInformation='*:9443:y',sslFlags='Snitch']"), 1);
	ck_assert_ptr_nonnull(strstr(out, "Malformed collection indexer"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site", "MySite V1",
	    "/+bindings.[protocol='https',bindingInformation='*:9443:y',colour='red']"), 1);
	ck_assert_ptr_nonnull(strstr(out, "Malformed collection indexer"));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site", "MySite V1",
	    "/physicalPath:C:\\inetpub"), 2);
	ck_assert_ptr_nonnull(strstr(err, "unsupported argument \"/physicalPath:C:\\inetpub\""));
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 5, "set", "site", "MySite V1",
	    "/+bindings.[protocol='http',bindingInformation='*:80:a']",
	    "/-bindings.[protocol='http',bindingInformation='*:80:b']"), 2);
	ck_assert_ptr_nonnull(strstr(err, "given twice"));
	free(out);
	free(err);
	free(conf);
}
END_TEST

/*
 * The editors replace the file a symlink names, not the link (issue 12 item 6), keeping
 * its mode; a FIFO or a device named as the configuration is refused without waiting.
 */
START_TEST(test_edit_follows_symlinks_refuses_devices)
{
	const char *path = temp_conf(base);
	char lnk[200], fifo[200], *out, *err, *text;
	struct stat st, lst;

	snprintf(lnk, sizeof(lnk), "%s.link", path);
	ck_assert_int_eq(symlink("sysbind.ini", lnk), 0);
	chmod(path, 0604);
	ck_assert_int_eq(run(edit_appcmd, lnk, &out, &err, 4, "set", "site", "MySite V1",
	    "/+bindings.[protocol='http',bindingInformation='*:81:']"), 0);
	ck_assert_int_eq(lstat(lnk, &lst), 0);
	ck_assert(S_ISLNK(lst.st_mode));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0604);
	text = read_all(path);
	ck_assert_ptr_nonnull(strstr(text, "http/127.0.0.1:8080:sitev1.mysite.com, http/*:81:\n"));
	free(text);
	free(out);
	free(err);
	ck_assert_int_eq(run(edit_netsh, lnk, &out, &err, 4, "http", "delete", "sslcert",
	    "ipport=0.0.0.0:8443"), 0);
	ck_assert_int_eq(lstat(lnk, &lst), 0);
	ck_assert(S_ISLNK(lst.st_mode));
	free(out);
	free(err);

	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(run(edit_appcmd, fifo, &out, &err, 4, "set", "site", "MySite V1",
	    "/+bindings.[protocol='http',bindingInformation='*:82:']"), 2);
	ck_assert_ptr_nonnull(strstr(err, "a FIFO (named pipe), not a regular file"));
	free(out);
	free(err);
	ck_assert_int_eq(stat(fifo, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(run(edit_netsh, "/dev/null", &out, &err, 3, "http", "show", "sslcert"), 2);
	ck_assert_ptr_nonnull(strstr(err, "/dev/null: a character device, not a regular file"));
	free(out);
	free(err);
	/* a target with a second hard link would be split by a rename: refused */
	snprintf(fifo, sizeof(fifo), "%s.hard", path);
	ck_assert_int_eq(link(path, fifo), 0);
	ck_assert_int_eq(run(edit_appcmd, path, &out, &err, 4, "set", "site", "MySite V1",
	    "/+bindings.[protocol='http',bindingInformation='*:83:']"), 1);
	ck_assert_ptr_nonnull(strstr(err, "has 2 hard links: refused"));
	ck_assert_ptr_null(strstr(err, "would be invalid"));
	free(out);
	free(err);
}
END_TEST

static Suite *
edit_suite(void)
{
	Suite *s = suite_create("edit");
	TCase *tc = tcase_create("edit");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_edit_binding_add_extends_the_line_keeping_its_comment);
	tcase_add_test(tc, test_edit_binding_add_new_line_past_inih_limit);
	tcase_add_test(tc, test_edit_binding_add_refusals);
	tcase_add_test(tc, test_edit_binding_remove_first_last_only);
	tcase_add_test(tc, test_edit_sslcert_add_after_the_last_sslcert);
	tcase_add_test(tc, test_edit_sslcert_add_without_sslcert_sections_and_crlf);
	tcase_add_test(tc, test_edit_sslcert_delete_with_its_comment);
	tcase_add_test(tc, test_edit_sslcert_mapped_address_is_not_the_ipv4_entry);
	tcase_add_test(tc, test_edit_appcmd_messages_and_file);
	tcase_add_test(tc, test_edit_netsh_add_delete_show);
	tcase_add_test(tc, test_edit_netsh_wildcard_hostnameport);
	tcase_add_test(tc, test_edit_netsh_every_parameter);
	tcase_add_test(tc, test_edit_netsh_update);
	tcase_add_test(tc, test_edit_netsh_flags_and_sslpropertyex);
	tcase_add_test(tc, test_edit_appcmd_access_config);
	tcase_add_test(tc, test_edit_appcmd_access_config_server_level);
	tcase_add_test(tc, test_edit_appcmd_hsts);
	tcase_add_test(tc, test_edit_appcmd_location_after_site_comments);
	tcase_add_test(tc, test_edit_appcmd_table_and_quoted_names);
	tcase_add_test(tc, test_edit_appcmd_list_apppool_app);
	tcase_add_test(tc, test_edit_follows_symlinks_refuses_devices);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char cmd[128];
	int failed;

	snprintf(rundir, sizeof(rundir), "/tmp/check_edit.XXXXXX");
	if (mkdtemp(rundir) == NULL) {
		perror("check_edit: mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(edit_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_edit: could not remove %s\n", rundir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
