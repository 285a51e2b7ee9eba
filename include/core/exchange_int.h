/*
 * exchange_int — what the exchange's files share (exchange.c: the exchange's phases and
 * their one state function, routing, the verdict, the answers, the logs, the backend and
 * the application pool; exchange_cc.c: the client-certificate gate of IIS's access
 * sslFlags).  Private to them and to tests/check_exchange.c, which includes exchange.c;
 * the exchange's public surface is core/exchange.h.  Event-loop thread only.
 */
#ifndef SYSBIND_EXCHANGE_INT_H
#define SYSBIND_EXCHANGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "model/binding.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "model/http.h"
#include "model/respond.h"
#include "core/exchange.h"
#include "core/queue.h"

struct upstream_xfer;

enum exchange_phase {
	XP_NEW = 0,     /* waiting for (or reading) the request head */
	XP_ROUTED,      /* the site is known; answering */
	XP_BACKEND,     /* the request went to the backend; no response head yet */
	XP_RESPONDING,  /* the response head went to the client */
	XP_TUNNEL,      /* bytes both ways after a 101 */
	XP_DONE,        /* the response is complete, or the exchange was aborted */
};

struct exchange {
	const struct exchange_ops *ops;
	void                      *conn;
	struct exchange_conn      *c;
	enum exchange_phase        phase;
	struct http_head          *head;      /* borrowed from the connection's parser */
	const struct http_fields  *trailers;  /* the request's trailer section, borrowed too */
	const struct conf_site    *site;
	struct upstream_xfer      *xfer;      /* owned */
	uint64_t                   t_start;   /* ms, base/clock's time of the pass it began in */
	int                        status;    /* final status answered, 0 before */
	int                        substatus; /* sc-substatus of the W3C line (403.7: 7) */
	unsigned long              win32;     /* sc-win32-status of the W3C line */
	unsigned                   stream_id; /* HTTP/2 stream, 0 for HTTP/1.x */
	unsigned                   head_only : 1, has_body : 1, upgrade : 1, req_done : 1,
	                           logged : 1, aborted : 1, resp_started : 1, coalesced : 1,
	                           cc_wait : 1, cc_asking : 1, expect_100 : 1, cc_reneg : 1;
	/* the route, kept while a client certificate is asked for */
	const struct binding      *binding;
	enum route_tier            tier;
	/* IIS's access sslFlags of the request's path (clientcert_access) */
	unsigned                   access;
	const struct conf_location *loc;
	/* the body read ahead before a renegotiation (upload_read_ahead_size at most) */
	char                      *ahead;
	size_t                     ahead_len, ahead_cap;
	/* waiting in the site's request queue for a backend connection (issue 25) */
	struct queue_entry         qe;
	unsigned                   arrived : 1;   /* counted in the pool's arrivals */
	const char                *phrase;        /* a status line's reason phrase of its own
	                                           * (Full verbosity), NULL: the page's */
	char                       client_ip[46]; /* X-Forwarded-For's text (INET6_ADDRSTRLEN):
	                                           * upstream reads it until the head is out */
};

/* exchange.c */

/* The one place a phase changes (the order is exchange.c's header comment). */
void exchange_phase(struct exchange *x, enum exchange_phase to);
/* The HTTPERR line of a request sysbind answered itself or cut short (h and site may be
 * NULL: "-"). */
void exchange_httperr(const struct exchange_conn *c, const struct http_head *h,
    const struct conf_site *site, int status, const char *reason, unsigned stream_id);
/* A page of respond.c's as the answer (close: the connection closes after it), then the
 * log line. */
void exchange_send_page(struct exchange *x, enum respond_page page, int close);
/* HTTP.SYS's page, its logs; the connection closes after it. */
void exchange_page(struct exchange *x, enum respond_page page, const char *reason);
/* The request goes on to its answer: the diagnostic page, or the site's backend. */
void exchange_proceed(struct exchange *x);

/* exchange_cc.c */

/* The connection's client certificate as DER in base64, one line (made once), or NULL. */
const char *exchange_cc_b64(struct exchange_conn *c);
/* What IIS's rules give the request now (why: the sentence, may be NULL). */
enum clientcert_action exchange_cc_decide(struct exchange *x, char *why, size_t whylen);
/* Ask the client for its certificate now (the body, if any, was read ahead). */
void exchange_cc_ask(struct exchange *x);
/* The client-certificate gate of a routed request: 0 to go on to its answer; 1 when it
 * was answered or waits (the body read ahead, the client asked). */
int exchange_cc_gate(struct exchange *x);
/* A body byte of a request waiting for its client certificate: read ahead, up to
 * upload_read_ahead_size. */
void exchange_cc_ahead(struct exchange *x, const char *data, size_t len);

#endif
