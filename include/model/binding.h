/*
 * binding — the IIS binding triplet and HTTP.SYS's two decisions, as pure functions:
 * which certificate a handshake gets (§1.1) and which site a request goes to
 * (§1.2).  No sockets and no I/O: the daemon, `check`, `explain` and the unit tests all
 * call these.  Every function here may be called from any thread and from callbacks.
 */
#ifndef SYSBIND_BINDING_H
#define SYSBIND_BINDING_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct conf_site;
struct conf_sslcert;
struct cert;

#define BINDING_HOST_MAX 256

enum binding_proto { BINDING_HTTP = 0, BINDING_HTTPS = 1 };

/* An IP address as a binding or a connection has it. */
struct binding_addr {
	int           family;   /* AF_INET, AF_INET6; AF_UNSPEC only for "*" (All Unassigned) */
	unsigned char ip[16];   /* network order; the first 4 bytes for AF_INET */
};

/* One IIS binding: protocol/IP:Port:Host. */
struct binding {
	enum binding_proto  proto;
	struct binding_addr addr;      /* family AF_UNSPEC = "*" */
	unsigned            port;
	char                host[BINDING_HOST_MAX]; /* lowercase; "" = any host; "*.x.com" wildcard */
};

/*
 * Parse "https/[::1]:443:x", "http/127.0.0.1:80:", and "All Unassigned" triplets
 * whose IP is a star, e.g. https, slash, star, ":443:sitev2.mysite.com".
 * The host is lowercased.  Accepts a "*.example.com" host (IIS 10: left-most label only).
 * Rejects trailing dots, bad characters, ports outside 1-65535, unknown protocols.
 * Returns 0, or -1 with a message in err.
 */
int binding_parse(const char *text, struct binding *b, char *err, size_t errlen);

/* Write b back as appcmd shows it (protocol/IP:Port:Host). */
void binding_format(const struct binding *b, char *buf, size_t len);

/* Parse an IP literal ("127.0.0.1", "::1", "[::1]") or "*". Returns 0 or -1. */
int binding_addr_parse(const char *text, struct binding_addr *a);

struct sockaddr;
/* An address and port as a socket gives them (IPv4, IPv6; an IPv4-mapped IPv6 address is
 * its IPv4 address). */
void binding_addr_from(const struct sockaddr *sa, struct binding_addr *a, unsigned *port);

/* "127.0.0.1", "::1", or "*" for AF_UNSPEC (no brackets). */
void binding_addr_format(const struct binding_addr *a, char *buf, size_t len);

/* "127.0.0.1:443", "[::1]:443", "*:443". */
void binding_ipport_format(const struct binding_addr *a, unsigned port, char *buf, size_t len);

/* 1 for 0.0.0.0 and ::, 0 otherwise. */
int binding_addr_is_wildcard(const struct binding_addr *a);

/* 1 when both hold the same family and bytes (IPv4-mapped IPv6 equals its IPv4). */
int binding_addr_equal(const struct binding_addr *a, const struct binding_addr *b);

/*
 * A text key for hash tables: two bindings get the same text exactly when they are the
 * same binding (protocol, address with IPv4-mapped IPv6 as IPv4 and "*" apart, port,
 * host).  buf should hold BINDING_HOST_MAX + 64 bytes.
 */
void binding_hashkey(const struct binding *b, char *buf, size_t len);

/*
 * The kinds of `[sslcert KEY]` section names: "0.0.0.0:443", "[::]:443", "127.0.0.1:443"
 * (ipport), "sitev2.mysite.com:443" or "*.mysite.com:443" (hostnameport; the wildcard
 * only as the whole left-most label), "ccs:443" (ccs).
 */
enum sslcert_kind { SSLCERT_IPPORT = 0, SSLCERT_HOSTNAMEPORT, SSLCERT_CCS };

struct sslcert_key {
	enum sslcert_kind   kind;
	struct binding_addr addr;                  /* IPPORT */
	char                host[BINDING_HOST_MAX]; /* HOSTNAMEPORT, lowercased */
	unsigned            port;
};

/* Parse an sslcert key as above.  Returns 0 or -1 with a message. */
int binding_sslkey_parse(const char *text, struct sslcert_key *k, char *err, size_t errlen);

/* Write the key as netsh shows it: "0.0.0.0:443", "[::]:443", "name:443", "443" (ccs). */
void binding_sslkey_format(const struct sslcert_key *k, char *buf, size_t len);

/* The same for sslcert keys: equal texts exactly when HTTP.SYS holds one entry for both
 * (addresses as above, host names case-insensitively, ccs by port). */
void binding_sslkey_hashkey(const struct sslcert_key *k, char *buf, size_t len);

/* Do a and b name one entry, as HTTP.SYS holds them (ipport addresses compared as
 * binding_addr_equal does, hostnameport names case-insensitively, ccs by port)?  The
 * same answer as comparing their binding_sslkey_hashkey texts.  1 or 0. */
int binding_sslkey_equal(const struct sslcert_key *a, const struct sslcert_key *b);

/* A 32-bit hash of the key for binary tables (the configuration's sslcert index, looked
 * up on each handshake): keys binding_sslkey_equal calls equal hash alike.  No text is
 * made. */
uint32_t binding_sslkey_hash(const struct sslcert_key *k);

/*
 * Normalise a request host for matching: drop ":port" (also after "[v6]"), lowercase.
 * Returns 0, or -1 when the host can match nothing: empty, a trailing dot, characters
 * not allowed in a host name (anything but letters, digits, '-', '.', '_', and the
 * bracketed IPv6 literal), longer than BINDING_HOST_MAX-1.
 */
int binding_host_normalize(const char *in, char *out, size_t outlen);

/* 1 when host (a binding's or an sslcert key's, as parsed) is a wildcard "*.example.com". */
int binding_host_is_wildcard(const char *host);

/* ---- §1.1: the certificate for one handshake ---- */

enum cert_step {
	CERT_STEP_IPPORT_EXACT = 1,   /* ipport for the exact local IP:port */
	CERT_STEP_HOSTNAMEPORT = 2,   /* hostnameport = SNI:port, then *.parent:port (iis8) */
	CERT_STEP_CCS = 3,            /* ccs = port -> <sni>.pfx, _.<parent>.pfx (iis8) */
	CERT_STEP_IPPORT_WILDCARD = 4,/* IPv4: 0.0.0.0:port; IPv6: [::]:port, then 0.0.0.0:port */
	CERT_STEP_NONE = 5,           /* handshake fails */
};

#define CERT_TRACE_MAX 8

struct cert_choice {
	enum cert_step             step;      /* the step that decided */
	const struct conf_sslcert *entry;     /* NULL for CERT_STEP_NONE */
	const struct cert         *cert;      /* NULL for CERT_STEP_NONE */
	char                       ccs_file[BINDING_HOST_MAX + 8]; /* step 3: "_.mysite.com.pfx" */
	int                        sni_used;  /* the SNI name took part in the choice */
	/* "ipport 0.0.0.0:443", "hostnameport sitev2.mysite.com:443",
	 * "hostnameport *.mysite.com:443 (wildcard)", "ccs 443 -> _.mysite.com.pfx", or "none" */
	char                       selected_by[BINDING_HOST_MAX + 64];
	/* One line per step considered, in order, for `explain` and the trace, e.g.
	 * "step 2 hostnameport sitev2.mysite.com:443: no entry". */
	char                       steps[CERT_TRACE_MAX][BINDING_HOST_MAX + 96];
	int                        nsteps;
	int                        quiet;     /* binding_choose_cert: no sentences written */
};

/*
 * Choose the certificate for a handshake on local IP (never AF_UNSPEC) and port, with the
 * ClientHello's SNI name (NULL: the client sent none), following the §1.1 table for
 * cfg->mode (iis7: steps 1, 4, 5; the SNI is only reported as ignored).  At step 4 an IPv6
 * connection takes [::]:port, else 0.0.0.0:port (which applies to IPv6 too); an IPv4 one
 * only 0.0.0.0:port.  Fills *out.
 * Returns 0 when a certificate was chosen, -1 when the handshake must fail: no entry
 * matched (step 5, out->entry NULL), or the entry that matched has no certificate sysbind
 * can serve (out->entry and out->step say which, out->cert is NULL, the entry's
 * `unavailable` says why): HTTP.SYS stops at the first entry that matches.  Lookups are
 * hash lookups in a loaded conf.
 */
int binding_resolve_cert(const struct conf *cfg, const struct binding_addr *local,
    unsigned port, const char *sni, struct cert_choice *out);

/* The same decision without a sentence (steps and selected_by left empty; nsteps still
 * counts): the handshake path when nobody narrates it. */
int binding_choose_cert(const struct conf *cfg, const struct binding_addr *local,
    unsigned port, const char *sni, struct cert_choice *out);

/*
 * What IIS Manager calls sites "using the same HTTPS binding": one ipport entry whose
 * certificate https bindings of two or more sites, with two or more host names, get when
 * the client sends no SNI (in iis7 with or without).  A binding that uses SNI (iis8, its
 * host has a hostnameport entry or its port a ccs one: IIS's "Require Server Name
 * Indication") takes no part; a "*" binding is looked up as an IPv4 client's (0.0.0.0).
 */
struct binding_share_member {
	const struct conf_site *site;
	const struct binding   *binding;
};
struct binding_share {
	const struct conf_sslcert   *entry;
	struct binding_share_member *members;   /* in site and binding order (owned) */
	size_t                       nmembers;
};

/*
 * Every shared ipport entry of cfg, in [sslcert] order, into *out (NULL when none; free
 * with binding_shares_free).  Each binding is looked up once: linear in the bindings.
 * Returns 0, or -1 when memory ran out.
 */
int binding_shares(const struct conf *cfg, struct binding_share **out, size_t *n);
void binding_shares_free(struct binding_share *s, size_t n);

/* The share whose entry is e, or NULL. */
const struct binding_share *binding_share_of(const struct binding_share *s, size_t n,
    const struct conf_sslcert *e);

/* ---- §1.2: the site for one request ---- */

enum route_tier {
	ROUTE_HOST_EXACT = 1,     /* host equals a binding's host */
	ROUTE_HOST_WILDCARD = 2,  /* *.example.com */
	ROUTE_BLANK_IP = 3,       /* blank host on the exact local IP */
	ROUTE_BLANK_ANY = 4,      /* blank host on * */
	ROUTE_NONE = 5,           /* 400 Invalid Hostname */
};

struct route {
	enum route_tier          tier;
	const struct conf_site  *site;     /* NULL for ROUTE_NONE */
	const struct binding    *binding;  /* NULL for ROUTE_NONE */
	int                      status;   /* 0: serve; 400: no match / bad host; 503: stopped */
	const char              *reason;   /* HTTPERR reason when status != 0: "Hostname", "Disabled" */
	char                     explain[BINDING_HOST_MAX + 128]; /* why it was refused (status != 0);
	                                                          * "" when served */
};

/*
 * Route a request that arrived over proto on local IP:port.  When a started site and a
 * stopped one hold the same binding (IIS leaves the second site stopped), the started one
 * has it.  host is the raw host (from
 * the absolute-form target or the Host field, port included), NULL when the request had
 * none.  http10 is 1 for an HTTP/1.0 request (no host then matches only blank-host
 * bindings; HTTP/1.1 without a host is a 400).  Fills *out; returns 0 when a started
 * site was found, -1 otherwise (out->status says what to answer).
 */
int binding_route(const struct conf *cfg, enum binding_proto proto,
    const struct binding_addr *local, unsigned port, const char *host, int http10,
    struct route *out);

/* A route tier's short name for the views: "host name", "wildcard host name", ... */
const char *binding_route_tier_name(enum route_tier t);

#endif
