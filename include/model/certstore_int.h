/*
 * certstore_int — what certstore's two files share and nobody else uses: the time helpers
 * of the loading side (certstore.c) that the verdict prose (certverdict.c) prints with, and
 * the PEM reading checks chain.c's store shares.
 */
#ifndef SYSBIND_CERTSTORE_INT_H
#define SYSBIND_CERTSTORE_INT_H

#include <stddef.h>
#include <time.h>
#include <openssl/asn1.h>

/* t as "YYYY-MM-DD HH:MM:SS UTC" ("@SECONDS" when it cannot be written); buf terminated. */
void certstore_format_utc(time_t t, char *buf, size_t len);

/* An ASN.1 time as seconds since the epoch, (time_t)-1 when t is NULL or unreadable. */
time_t certstore_asn1_time(const ASN1_TIME *t);

/* Whether the PEM read that just ended (PEM_read_bio_X509 returned NULL) stopped at a
 * block it could not decode rather than at the end of the text.  Reads the error queue
 * (the caller cleared it before the reads, and clears it after). */
int certstore_pem_damaged(void);

/* The line (from 1) of the BEGIN line of the CERTIFICATE block that follows the first n
 * of buf: where a damaged block is. */
unsigned certstore_pem_line(const char *buf, size_t len, int n);

#endif
