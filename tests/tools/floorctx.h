/*
 * floorctx.h — the server SSL_CTX that tests/tools/hsfloor.c (the OpenSSL handshake floor)
 * and tests/tools/tlsmin.c (the least TLS server) both use, set up as sysbind's
 * src/core/tlsctx.c sets up its own: TLS 1.2 minimum, no renegotiation, server cipher
 * preference, no compression, released buffers, no chain building, OpenSSL's server
 * session cache, TICKETS TLS 1.3 tickets.  One definition, so that the floor and the least
 * server cannot drift apart.  Included by one .c file each (static).
 */
#ifndef SYSBIND_TESTS_TOOLS_FLOORCTX_H
#define SYSBIND_TESTS_TOOLS_FLOORCTX_H

#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* The server context for CERT and KEY.  Returns NULL with the reason printed, WHO first. */
static SSL_CTX *
floor_server_ctx(const char *who, const char *cert, const char *key, int tickets)
{
	static const unsigned char sid[] = "hsfloor";
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1) != 1) {
		fprintf(stderr, "%s: %s, %s: ", who, cert, key);
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_timeout(ctx, 300);
	SSL_CTX_set_num_tickets(ctx, (size_t)tickets);
	return ctx;
}

#endif
