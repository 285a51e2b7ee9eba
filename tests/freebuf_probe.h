/*
 * freebuf_probe.h — for a test executable that needs to see tlsio's SSL_free_buffers
 * calls (include it in one file only: it defines them).  OpenSSL before 3.0.14 frees a
 * read buffer that a half-read record still uses (CVE-2024-4741: its header taken, its
 * body not come), which SSL_has_pending does not show: tlsio must not ask it then.
 * tlsio's SSL_free_buffers calls come here first (the executable's definition wins),
 * counted in free_mid_record when a record is half read (read state "RB"), then go to
 * OpenSSL's.
 */
#ifndef SYSBIND_TESTS_FREEBUF_PROBE_H
#define SYSBIND_TESTS_FREEBUF_PROBE_H

#include <check.h>
#include <dlfcn.h>
#include <string.h>
#include <openssl/ssl.h>

static int free_mid_record;

int
SSL_free_buffers(SSL *ssl)
{
	static int (*real)(SSL *);

	if (strcmp(SSL_rstate_string(ssl), "RB") == 0)
		free_mid_record++;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "SSL_free_buffers");
	ck_assert_ptr_nonnull(real);
	return real(ssl);
}

#endif
