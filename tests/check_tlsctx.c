/* Unit tests for tlsctx: the server_name extension parser the ClientHello callback uses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "model/conf.h"
#include "core/tlsctx.h"

/* The policy sentence the trace and explain show, for the profile and each flag. */
START_TEST(test_tlsctx_policy_text_says_what_each_flag_leaves)
{
	static const char text[] =
	    "[server]\ntls_profile = server2022\n"
	    "[sslcert 127.0.0.1:443]\ncertificate = a.pem\nkey = a.key\n"
	    "[sslcert 127.0.0.2:443]\ncertificate = a.pem\nkey = a.key\n"
	    "disablelegacytls = enable\nenablesessionticket = enable\n"
	    "clientcertnegotiation = enable\n"
	    "[sslcert 127.0.0.3:443]\ncertificate = a.pem\nkey = a.key\n"
	    "disabletls12 = enable\ndisablesessionid = enable\n"
	    "[sslcert 127.0.0.4:443]\ncertificate = a.pem\nkey = a.key\n"
	    "disablelegacytls = enable\ndisabletls12 = enable\ndisabletls13 = enable\n"
	    "[site A]\nid = 1\nbindings = https/*:443:\n";
	char err[256], buf[512];
	struct conf *c = conf_parse(text, "t.ini", 0, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nsslcerts, 4);
	ck_assert_str_eq(tlsctx_policy_text(c, &c->sslcerts[0], buf, sizeof(buf)),
	    "TLS 1.0, 1.1, 1.2 and 1.3 (tls_profile server2022); session tickets off "
	    "(enablesessionticket not set); session ids on; no CertificateRequest in this "
	    "handshake (clientcertnegotiation disabled): a URL that wants a client certificate "
	    "must ask for it later");
	ck_assert_str_eq(tlsctx_policy_text(c, &c->sslcerts[1], buf, sizeof(buf)),
	    "TLS 1.2 and 1.3 (tls_profile server2022, disablelegacytls: AES-GCM and ECDHE/DHE "
	    "only); session tickets on (enablesessionticket); session ids on; a "
	    "CertificateRequest in this handshake (clientcertnegotiation = enable)");
	ck_assert_str_eq(tlsctx_policy_text(c, &c->sslcerts[2], buf, sizeof(buf)),
	    "TLS 1.0, 1.1 and 1.3 (tls_profile server2022, disabletls12); session tickets off "
	    "(enablesessionticket not set); session ids off (disablesessionid); no "
	    "CertificateRequest in this handshake (clientcertnegotiation disabled): a URL that "
	    "wants a client certificate must ask for it later");
	ck_assert_str_eq(tlsctx_policy_text(c, &c->sslcerts[3], buf, sizeof(buf)),
	    "no TLS version is left (tls_profile server2022, disablelegacytls: AES-GCM and "
	    "ECDHE/DHE only, disabletls12, disabletls13)");
	conf_free(c);
}
END_TEST

/* Build a server_name extension body holding one host_name. */
static size_t
sni_ext(unsigned char *buf, const char *name)
{
	size_t n = strlen(name);

	buf[0] = (unsigned char)((n + 3) >> 8);
	buf[1] = (unsigned char)(n + 3);
	buf[2] = 0;
	buf[3] = (unsigned char)(n >> 8);
	buf[4] = (unsigned char)n;
	memcpy(buf + 5, name, n);
	return n + 5;
}

START_TEST(test_tlsctx_sni_parse_lowercases_the_name)
{
	unsigned char ext[300];
	char name[256];
	size_t len = sni_ext(ext, "SiteV2.MySite.com");

	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "sitev2.mysite.com");
}
END_TEST

START_TEST(test_tlsctx_sni_parse_rejects_every_truncation)
{
	unsigned char ext[300];
	char name[256];
	size_t len = sni_ext(ext, "sitev1.mysite.com"), cut;

	for (cut = 0; cut < len; cut++)
		ck_assert_int_eq(tlsctx_sni_parse(ext, cut, name, sizeof(name)), -1);
}
END_TEST

START_TEST(test_tlsctx_sni_parse_rejects_bad_names)
{
	unsigned char ext[300];
	char name[256];
	size_t len;

	len = sni_ext(ext, "bad name");
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), -1);
	len = sni_ext(ext, "x");
	ext[5] = 0;   /* NUL inside the name */
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), -1);
	len = sni_ext(ext, "sitev1.mysite.com");
	ext[2] = 1;   /* not host_name */
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, sizeof(name)), -1);
	len = sni_ext(ext, "sitev1.mysite.com");
	ck_assert_int_eq(tlsctx_sni_parse(ext, len, name, 5), -1);   /* does not fit */
}
END_TEST

START_TEST(test_tlsctx_sni_parse_rejects_an_empty_name)
{
	unsigned char ext[] = { 0, 3, 0, 0, 0 };
	char name[256];

	ck_assert_int_eq(tlsctx_sni_parse(ext, sizeof(ext), name, sizeof(name)), -1);
}
END_TEST

static Suite *
tlsctx_suite(void)
{
	Suite *s = suite_create("tlsctx");
	TCase *tc = tcase_create("sni");

	tcase_add_test(tc, test_tlsctx_sni_parse_lowercases_the_name);
	tcase_add_test(tc, test_tlsctx_sni_parse_rejects_every_truncation);
	tcase_add_test(tc, test_tlsctx_sni_parse_rejects_bad_names);
	tcase_add_test(tc, test_tlsctx_sni_parse_rejects_an_empty_name);
	tcase_add_test(tc, test_tlsctx_policy_text_says_what_each_flag_leaves);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tlsctx_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
