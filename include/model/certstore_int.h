/*
 * certstore_int — what certstore's two files share and nobody else uses: the time helpers
 * of the loading side (certstore.c) that the verdict prose (certverdict.c) prints with.
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

#endif
