/*
 * conf — the configuration of sysbind.ini(5): reading the INI file through inih, the key
 * table (one row per key: name, type, default, range, HTTP.SYS name; it drives parsing,
 * defaults and range checks, and can be listed with conf_keys for the man page), strict
 * validation with file:line messages, loading every certificate it names, and the
 * immutable object the rest of sysbind reads.  A loaded conf is never modified; a reload
 * builds a new one.
 */
#ifndef SYSBIND_CONF_H
#define SYSBIND_CONF_H

#include <stddef.h>
#include <openssl/x509.h>

#include "model/binding.h"
#include "model/certstore.h"
#include "model/chain.h"

struct conf_index;

enum conf_mode { CONF_MODE_IIS7 = 7, CONF_MODE_IIS8 = 8 };

/* An HTTP/2 request whose :authority is not the connection's SNI (coalesced). */
/* [server] hostnameport_wildcard: whether (and when) "*.name:port" entries match SNI */
enum conf_sni_wildcard { CONF_SNI_WILDCARD_AFTER_EXACT = 0, CONF_SNI_WILDCARD_OFF = 1 };
enum conf_misdirected { CONF_MISDIRECTED_ROUTE = 0, CONF_MISDIRECTED_421 = 1 };

/* A site's (its application pool's) <failure loadBalancerCapabilities>: IIS's numbers. */
enum conf_load_balancer { CONF_LB_TCP = 1, CONF_LB_HTTP = 2 };
/* HTTP.SYS's HTTP_503_RESPONSE_VERBOSITY of the pool's request queue: its numbers. */
enum conf_verbosity { CONF_VERBOSITY_BASIC = 0, CONF_VERBOSITY_LIMITED = 1,
	CONF_VERBOSITY_FULL = 2 };

/* A client certificate needed after a TLS 1.3 handshake (no renegotiation there). */
enum conf_tls13_delayed {
	CONF_TLS13_DELAYED_RESET = 0,     /* Windows Server 2022: the connection is reset */
	CONF_TLS13_DELAYED_ERROR500 = 1,  /* Windows Server 2025: 500.0, 0x80070032 */
};

/* The TLS versions and ciphers a binding starts from, before its own flags. */
enum conf_tls_profile {
	CONF_TLS_PROFILE_MODERN = 0,      /* TLS 1.2 and 1.3 (sysbind's default) */
	CONF_TLS_PROFILE_SERVER2022 = 1,  /* Windows Server 2022's: TLS 1.0 to 1.3, its suites */
};

/*
 * [sslcert] flags: HTTP.SYS's HTTP_SERVICE_CONFIG_SSL_FLAG_* bits (DefaultFlags in the
 * registry), one per netsh enable/disable parameter.
 */
#define CONF_SSL_USE_DS_MAPPER          0x0001  /* dsmapperusage */
#define CONF_SSL_NEGOTIATE_CLIENT_CERT  0x0002  /* clientcertnegotiation */
#define CONF_SSL_REJECT                 0x0008  /* reject */
#define CONF_SSL_DISABLE_HTTP2          0x0010  /* disablehttp2 */
#define CONF_SSL_DISABLE_QUIC           0x0020  /* disablequic */
#define CONF_SSL_DISABLE_TLS13          0x0040  /* disabletls13 */
#define CONF_SSL_DISABLE_OCSP_STAPLING  0x0080  /* disableocspstapling */
#define CONF_SSL_ENABLE_TOKEN_BINDING   0x0100  /* enabletokenbinding */
#define CONF_SSL_LOG_EXTENDED_EVENTS    0x0200  /* logextendedevents */
#define CONF_SSL_DISABLE_LEGACY_TLS     0x0400  /* disablelegacytls */
#define CONF_SSL_ENABLE_SESSION_TICKET  0x0800  /* enablesessionticket */
#define CONF_SSL_DISABLE_TLS12          0x1000  /* disabletls12 */
#define CONF_SSL_DISABLE_SESSION_ID     0x4000  /* disablesessionid */
#define CONF_SSL_ENABLE_CACHE_CLIENT_HELLO 0x8000 /* no netsh parameter; shown on 2025 */

/* [sslcert] check mode: DefaultSslCertCheckMode bits (HTTP_SERVICE_CONFIG_SSL_PARAM). */
#define CONF_CHECK_NO_REVOCATION   0x00001  /* verifyclientcertrevocation = disable */
#define CONF_CHECK_CACHED_ONLY     0x00002  /* verifyrevocationwithcachedclientcertonly */
#define CONF_CHECK_NO_USAGE_CHECK  0x10000  /* usagecheck = disable */

/* IIS <access sslFlags>: a site's or a path's client-certificate policy. */
#define CONF_ACCESS_SSL            0x008    /* Ssl: https only, else 403.4 */
#define CONF_ACCESS_NEGOTIATE_CERT 0x020    /* SslNegotiateCert: ask for a certificate */
#define CONF_ACCESS_REQUIRE_CERT   0x040    /* SslRequireCert: none, 403.7 */
#define CONF_ACCESS_MAP_CERT       0x080    /* SslMapCert: account mapping, not emulated */
#define CONF_ACCESS_SSL128         0x100    /* Ssl128: 128-bit ciphers (all of sysbind's) */

/* The TLS versions conf_tls_versions allows. */
#define CONF_TLS10 0x1
#define CONF_TLS11 0x2
#define CONF_TLS12 0x4
#define CONF_TLS13 0x8

/* `[sslcert KEY]`: one HTTP.SYS certificate binding (netsh http add sslcert). */
struct conf_sslcert {
	struct sslcert_key key;
	char        *name;          /* the section's key text as written, e.g. "0.0.0.0:443" */
	/* Sources, paths already resolved against the file's directory (NULL when unset). */
	char        *certificate;   /* PEM chain */
	char        *key_file;      /* PEM key (NULL: in certificate) */
	char        *pfx;
	char        *pfx_password;
	char        *certhash;      /* as written; looked up in cert_store */
	char        *directory;     /* ccs */
	char        *password;      /* ccs: the store-wide PFX password */
	char        *appid;         /* "{guid}" or NULL */
	char        *certstorename; /* as given, or NULL: netsh shows "(null)" */
	/* The netsh parameters of the binding (issue 14); netsh's defaults when not given. */
	unsigned     flags;         /* CONF_SSL_* (DefaultFlags) */
	unsigned     checkmode;     /* CONF_CHECK_* (DefaultSslCertCheckMode) */
	unsigned long revocationfreshnesstime; /* seconds; 0: a CRL is good until it expires */
	unsigned long urlretrievaltimeout;     /* ms; shown only: sysbind fetches no URL */
	char        *sslctlidentifier;  /* as given, or NULL; shown only (CTLs are legacy) */
	char        *sslctlstorename;   /* as given (a Windows store name), or NULL */
	char        *sslctlstore;       /* sslctlstorename resolved against the file's
	                                 * directory: a directory of CA certificates */
	STACK_OF(X509_NAME) *ctl_names; /* with CONF_LOAD_CERTS: the subjects of those CAs,
	                                 * the issuer list of the CertificateRequest (owned);
	                                 * NULL: unset or not loaded (an empty list is sent) */
	unsigned long receivewindow;        /* Extended Property 0 (HTTP/2 receive window) */
	unsigned long maxsettingsperframe;  /* Extended Property 1 */
	unsigned long maxsettingsperminute;
	struct cert *cert;          /* ipport/hostnameport: loaded (owned); NULL if not loaded.
	                             * Loaded for serving it always holds its private key; for
	                             * the offline views (CONF_LOAD_OFFLINE) it may lack it. */
	struct ccs  *ccs;           /* ccs: loaded store (owned); NULL if not loaded */
	char        *unavailable;   /* why sysbind cannot serve this entry's certificate
	                             * ("certificate 3f2a... is not among the certificates of
	                             * certs/", "... holds no private key"), or NULL (owned).
	                             * Set only by a load with CONF_LOAD_CERTS; a handshake that
	                             * chooses such an entry fails, as HTTP.SYS's does when a
	                             * bound certificate is missing from the store. */
	int          line;          /* line of the section header */
};

/* `[site NAME]`: one IIS site. */
struct conf_site {
	char           *name;          /* as IIS spells it (a [site "..."] header may quote it) */
	long            id;            /* 1 to 4294967295: IIS's site id is a DWORD */
	struct binding *bindings;
	size_t          nbindings;
	char           *backend;      /* "http://127.0.0.1:8081" as written, NULL: diagnostic page */
	char           *backend_host; /* "127.0.0.1", "::1" or a name */
	char           *backend_port; /* "8081" */
	int             stopped;      /* state = stopped */
	/* its application pool (issue 25): IIS's <applicationPools><add> and <failure> */
	char           *app_pool;     /* the pool's name (HTTPERR s-queuename); NULL: the site's */
	unsigned        queue_length; /* queueLength: requests that may wait (10 to 65535) */
	int             rapid_fail;   /* rapidFailProtection */
	unsigned long   rapid_fail_max_crashes; /* rapidFailProtectionMaxCrashes */
	unsigned        rapid_fail_interval;    /* rapidFailProtectionInterval, minutes */
	int             load_balancer; /* enum conf_load_balancer (loadBalancerCapabilities) */
	int             verbosity;     /* enum conf_verbosity (HTTP_503_RESPONSE_VERBOSITY) */
	unsigned long   backend_max_connections; /* connections the backend is given at once,
	                                          * the others wait in the queue; 0: no limit */
	unsigned        ssl_flags;    /* CONF_ACCESS_*: IIS <access sslFlags> of the site: its
	                               * own, or [server] ssl_flags when it sets none */
	int             ssl_flags_server; /* 1: the site sets no ssl_flags of its own: its
	                                   * ssl_flags are the server level's */
	/* IIS 10 (1709) <hsts>: the Strict-Transport-Security field of the site's https
	 * answers, and the 301 of its http requests (conf_hsts_value, conf_hsts_location) */
	int             hsts;                    /* <hsts enabled> */
	unsigned long   hsts_max_age;            /* max-age, seconds (an IIS uint) */
	int             hsts_include_subdomains; /* includeSubDomains */
	int             hsts_preload;            /* preload */
	int             hsts_redirect_http;      /* redirectHttpToHttps */
	size_t         *locations;    /* indices into conf->locations of its [location]
	                               * sections, the longest path first (owned) */
	size_t          nlocations;
	int             line;
};

/* `[location SITE/PATH]`: IIS's <location path="SITE/PATH"> access policy of a path. */
struct conf_location {
	char     *name;       /* the section's name as written: "MySite V2/secure" */
	size_t    site;       /* index into conf->sites */
	char     *path;       /* "/secure" (no trailing slash; "/" for the site itself), as
	                       * written otherwise: compared case-insensitively by segment */
	unsigned  ssl_flags;  /* CONF_ACCESS_* */
	int       line;
};

struct conf {
	char               *path;        /* the file read */
	enum conf_mode      mode;
	int                 hostnameport_wildcard; /* enum conf_sni_wildcard */
	int                 workers;     /* 0 = auto */
	char               *access_log;  /* path, "-" or NULL (off) */
	char               *httperr_log; /* path, "-" or NULL (off) */
	int                 trace;
	char               *cert_store;  /* resolved directory or NULL */
	char               *trust;       /* resolved path or NULL */
	X509_STORE         *trust_store; /* loaded trust (owned) or NULL */
	char               *intermediate_store; /* resolved directory or NULL */
	struct chain_store *istore;      /* with CONF_LOAD_CERTS: loaded (owned), or NULL */
	int                 served_chain; /* enum chain_serve */
	char               *server_header; /* "" = none */
	unsigned long       max_field_length;
	unsigned long       max_request_bytes;
	unsigned long       max_url_length;        /* default 16384, 414 beyond */
	unsigned            header_wait_timeout;   /* seconds */
	unsigned            idle_connection_timeout;
	unsigned            entity_body_timeout;
	unsigned            renegotiation_timeout; /* seconds (HTTP.SYS: two minutes, fixed) */
	unsigned long       tls_session_cache;     /* sessions kept (Schannel MaximumCacheSize) */
	unsigned long       tls_session_cache_time; /* seconds (Schannel ServerCacheTime) */
	unsigned            handshake_timeout;     /* seconds, default 30 */
	unsigned long       min_send_rate;         /* bytes/s, 0 disables */
	unsigned long       max_connections;       /* 0 = unlimited */
	unsigned            backend_connect_timeout;
	unsigned            backend_timeout;
	struct conf_sslcert *sslcerts;
	size_t              nsslcerts;
	struct conf_site   *sites;
	size_t              nsites;
	char              **warnings;   /* "file:line: warning: ..." (owned) */
	size_t              nwarnings;
	char               *user;        /* [server] user = : drop privileges to it, or NULL */
	char               *pid_file;    /* [server] pid_file = : resolved path, or NULL */
	char               *admin;       /* [server] admin = : the admin listener's address
	                                  * (conf_admin_addr), or NULL: off */
	int                 admin_line;  /* its line (0: unset) */
	unsigned            websocket_idle_timeout; /* seconds a 101 tunnel may carry nothing */
	int                 http2;       /* offer h2 (HTTP.SYS EnableHttp2Tls) */
	int                 misdirected; /* enum conf_misdirected */
	/* Client certificates and TLS policy (issue 14). */
	unsigned long       upload_read_ahead_size; /* bytes of a body buffered before a
	                                             * renegotiation; beyond: 413 */
	int                 tls13_delayed_client_cert; /* enum conf_tls13_delayed */
	unsigned            ssl_flags;   /* CONF_ACCESS_*: the server level's <access sslFlags>
	                                  * (IIS's <location path=".">), every site's that sets
	                                  * none of its own */
	char               *client_cert_header;  /* header the backend gets the client
	                                          * certificate in; "" = not forwarded */
	int                 tls_profile;         /* enum conf_tls_profile */
	char              **session_ticket_keys; /* resolved paths, NULL-terminated, or NULL */
	struct certstore_ticket_key *ticket_keys; /* with CONF_LOAD_CERTS: every key of those
	                                          * files in order; the first encrypts (owned) */
	size_t              nticket_keys;
	char               *crl;         /* resolved path or NULL */
	STACK_OF(X509_CRL) *crls;        /* with CONF_LOAD_CERTS: loaded (owned), or NULL */
	int                 show_layout; /* 2008 ... 2025 (win11: 2024): `show sslcert`'s layout */
	unsigned            show_property_blocks; /* Extended Properties blocks it prints */
	struct conf_location *locations;
	size_t              nlocations;
	struct conf_index  *index;      /* lookups by key (owned; NULL in a conf built by hand) */
};

/* conf_load flags */
/*
 * As the daemon loads a configuration (and `sysbind -t`, which must agree with it): load
 * every certificate, key, CCS store and trust bundle, and require at least one site.  A
 * file the configuration names that cannot be read (certificate =, key =, pfx =, trust =,
 * a CCS directory) is an error at its line.  A certhash thumbprint that cert_store does not
 * hold, or whose file has no private key, is a warning naming the entry: the daemon serves
 * everything else, and a handshake that chooses that entry fails, as HTTP.SYS's does when a
 * bound certificate is missing from the machine's store.
 */
#define CONF_LOAD_CERTS   0x1
/*
 * With CONF_LOAD_CERTS, for the offline views (`check`, `show sslcert`, `explain`, `list
 * site`): nothing that cannot be loaded is an error (each is a warning naming the entry and
 * why), a certificate file without its private key (a .cer export, a PEM without its key)
 * is loaded for what the views show, and a file with no site is accepted.
 */
#define CONF_LOAD_OFFLINE 0x2

/*
 * Whether a backend at host:port (a site's backend_host and backend_port) is binding b of
 * sysbind itself: b is http on that port and host is b's address, or b listens on a
 * wildcard of host's family and host is a loopback address, "localhost" or that wildcard.
 * A name other than localhost is not resolved (0).  Pure.  Returns 1 or 0.
 */
int conf_backend_is_binding(const char *host, const char *port, const struct binding *b);

/*
 * The address `admin =` names (CONF_TYPE_LISTEN): "127.0.0.1:9180", "[::1]:9180" (literal
 * addresses only, port 1..65535) or an absolute path of a unix socket ("/run/sysbind/
 * admin.sock", at most 107 bytes).  Fills *ss and *len.  Returns 0, or -1 with what is
 * wrong in msg.  Pure; any thread.
 */
struct sockaddr_storage;
int conf_admin_addr(const char *v, struct sockaddr_storage *ss, unsigned *len, char *msg,
    size_t msglen);

/* The largest configuration sysbind reads (and `sysbind import` writes). */
#define CONF_FILE_MAX (256UL * 1024 * 1024)

/* ---- the key table ---- */

enum conf_section {
	CONF_SECTION_SERVER, CONF_SECTION_SSLCERT, CONF_SECTION_SITE, CONF_SECTION_LOCATION
};

enum conf_type {
	CONF_TYPE_NUMBER,      /* decimal digits in [min, max]; words may add named values */
	CONF_TYPE_WORD,        /* exactly one of words */
	CONF_TYPE_PATH,        /* resolved against the file's directory */
	CONF_TYPE_LOG,         /* a path, - (standard output) or off */
	CONF_TYPE_STRING,      /* text as written */
	CONF_TYPE_GUID,        /* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} */
	CONF_TYPE_THUMBPRINT,  /* 40 hex digits (spaces ignored) */
	CONF_TYPE_BINDINGS,    /* protocol/IP:Port:Host, ... (the line may repeat) */
	CONF_TYPE_BACKEND,     /* http://HOST[:PORT] */
	CONF_TYPE_SWITCH,      /* enable | disable: sets or clears bit in an unsigned field
	                        * (words: which of the two sets it) */
	CONF_TYPE_FLAGS,       /* IIS's flag names joined by commas ("Ssl, SslRequireCert"),
	                        * or a number made of them; words name the bits */
	CONF_TYPE_HEADER,      /* an HTTP header field name (a token) */
	CONF_TYPE_LISTEN,      /* IPv4:PORT, [IPv6]:PORT or an absolute unix socket path */
};

/* A named value of a WORD key, or a named number of a NUMBER key ("auto" = 0). */
struct conf_word {
	const char *word;
	long        value;
};

/* IIS's flag names: <access sslFlags> (CONF_ACCESS_*) and <binding sslFlags> (1 Sni ...
 * 128 NegotiateClientCert); "None" first, {NULL} ends. */
extern const struct conf_word conf_access_flag_words[];
extern const struct conf_word conf_binding_flag_words[];

/* A value of IIS's flag names joined by commas ("Ssl, SslRequireCert", "None" alone), or a
 * number of their bits, into *out; -1 with what was wrong about name's value in msg. */
int conf_flag_words_parse(const struct conf_word *words, const char *name, const char *v,
    unsigned long *out, char *msg, size_t msglen);

/* 1 when s is a GUID as netsh and IIS write it, {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx},
 * hex digits in any case; else 0. */
int conf_guid_valid(const char *s);

/* conf_key flags */
#define CONF_KEY_REQUIRED     0x01  /* the section needs it */
#define CONF_KEY_REPEAT       0x02  /* may be given on several lines, each adding */
#define CONF_KEY_EMPTY_OK     0x04  /* an empty value is a value */
#define CONF_KEY_IPPORT       0x10  /* [sslcert] kinds that take the key */
#define CONF_KEY_HOSTNAMEPORT 0x20
#define CONF_KEY_CCS          0x40
#define CONF_KEY_SECRET       0x80  /* a password: never printed */
#define CONF_KEY_SETWORDS     0x100 /* show sslcert prints Set / Not Set (else Enabled /
                                     * Disabled) */

/* One configuration key.  The table holds every key of every section, grouped by section. */
struct conf_key {
	enum conf_section       section;
	const char             *name;
	enum conf_type          type;
	const char             *def;      /* the default as the file would spell it; NULL: unset */
	unsigned long           min, max; /* CONF_TYPE_NUMBER */
	const struct conf_word *words;    /* NUMBER's named values, WORD's values; {NULL} ends */
	const char             *httpsys;  /* what HTTP.SYS, IIS or netsh call it; NULL: sysbind's */
	const char             *value;    /* what the value is, as messages say it ("a path") */
	const char             *doc;      /* one line: what the key does */
	unsigned                flags;    /* CONF_KEY_* */
	size_t                  offset;   /* where the value goes in struct conf, conf_sslcert, */
	size_t                  size;     /* conf_site or conf_location, and its size */
	unsigned long           bit;      /* CONF_TYPE_SWITCH: the bit it sets or clears */
	/* [sslcert] keys netsh shows: the label of their `show sslcert` line, the first
	 * layout printing it (show_layout: 2008, 2012, 2016, 2019, 2022, 2025), and for the
	 * lines of an "Extended Properties" block its PropertyId + 1 (0: an ordinary line). */
	const char             *label;
	unsigned                since;
	unsigned                extprop;
};

/* Every key, in the order the sections and the man page list them; *n gets the count.
 * The table is static: any thread, any time. */
const struct conf_key *conf_keys(size_t *n);

/*
 * Windows Server 2008 and 2008 R2 print `netsh http show sslcert`'s lines in fields of
 * their own widths, not the later 28 columns ("    Usage Check    : Enabled"), and some
 * values followed by a space.  The text between the 4-space indent and ": " for label
 * (padding included), with *trail set when the value is followed by a space; NULL when
 * that netsh had no such line (Hostname:port, Reject Connections, ...).  Static table.
 */
const char *conf_netsh2008_lead(const char *label, int *trail);

/* show_layout's word for a layout value ("2022", "win11" for 2024), and the Windows it
 * is ("Windows Server 2022", "Windows 11"), for messages. */
const char *conf_layout_word(unsigned layout);
const char *conf_layout_title(unsigned layout);

/* The key name of section, or NULL. */
const struct conf_key *conf_key_find(enum conf_section section, const char *name);

/* "[server]", "[sslcert KEY]", "[site NAME]", "[location SITE/PATH]". */
const char *conf_section_name(enum conf_section section);

/*
 * Read and validate path.  All problems are collected; on any error returns NULL and err
 * holds every message, one per line, each "file:line: message".  On success returns a new
 * conf (caller owns, free with conf_free); its warnings list IIS Manager's warnings.
 * With CONF_LOAD_CERTS every certificate is loaded and a load failure is an error at the
 * line of the key that named the file.
 */
struct conf *conf_load(const char *path, int flags, char *err, size_t errlen);

/* Same, from text held in memory; name is used in messages and to resolve paths. */
struct conf *conf_parse(const char *text, const char *name, int flags, char *err, size_t errlen);

void conf_free(struct conf *c);

/* "iis7" / "iis8" */
const char *conf_mode_name(enum conf_mode m);

/*
 * The value of key k (a NUMBER, WORD, SWITCH or FLAGS key, or a string) in the entry at
 * base (struct conf, conf_sslcert, conf_site or conf_location), as the configuration file
 * would spell it: "enable", "49152", "Ssl, SslNegotiateCert", a path as resolved; NULL for
 * an unset string.  buf holds the text when one must be made.  Any thread.
 */
const char *conf_key_value(const struct conf_key *k, const void *base, char *buf,
    size_t len);

/* Whether the SWITCH key k is enabled in the entry at base (netsh's enable). */
int conf_switch_enabled(const struct conf_key *k, const void *base);

/*
 * IIS <access sslFlags> as IIS writes them: "None", "Ssl, SslNegotiateCert", in bit order.
 * Returns buf.
 */
const char *conf_access_format(unsigned flags, char *buf, size_t len);

/*
 * The Strict-Transport-Security field value of site s's https answers, as IIS 10 version
 * 1709 writes its directives (RFC 6797 §6.1): "max-age=N", then "; includeSubDomains" and
 * "; preload" when set.  NULL when the site's hsts is off.  Any thread.
 */
const char *conf_hsts_value(const struct conf_site *s, char *buf, size_t len);

/*
 * The TLS versions a handshake choosing entry e may use (CONF_TLS1x bits): the profile's
 * (modern: 1.2 and 1.3; server2022: 1.0 to 1.3), less those e disables (disablelegacytls:
 * 1.0 and 1.1; disabletls12; disabletls13).  e NULL: the profile's.  Any thread; pure.
 */
unsigned conf_tls_versions(const struct conf *c, const struct conf_sslcert *e);

/* Whether a handshake choosing entry e (may be NULL) offers HTTP/2: [server] http2 and
 * not the entry's disablehttp2.  Any thread; pure. */
int conf_http2_offered(const struct conf *c, const struct conf_sslcert *e);

/* The sslcert entry with exactly this key, or NULL (a hash lookup in a loaded conf). */
const struct conf_sslcert *conf_find_sslcert(const struct conf *c, const struct sslcert_key *k);

/* The [site] named name (compared as IIS does, case-insensitively), or NULL. */
const struct conf_site *conf_find_site(const struct conf *c, const char *name);

/*
 * Section headers.  A [site] name is written as is, or in double quotes when it must keep
 * what a bare name cannot hold: leading or trailing blanks, a ";" (a bare one after a blank
 * starts a comment), a control character such as a newline, a leading quote.  In quotes,
 * \" \\ \n \r \t and \xHH stand for themselves.  conf.c and edit.c read headers with the
 * same function, so an edit finds exactly the section the daemon reads.
 */

/*
 * Parse the inside of a header, between its brackets ("site \" My Site \""): *kind gets the
 * first word, *name the rest (unquoted, unescaped; "" when none); both are new strings the
 * caller frees.  Returns 0, or -1 with a message in err.
 */
int conf_header_parse(const char *inside, char **kind, char **name, char *err, size_t errlen);

/*
 * Where a header line's brackets are: text (len bytes, one line without its line end) is
 * scanned for the "]" that closes a header starting at its first non-blank "[", skipping
 * quoted names and stopping at a " ;" comment.  Returns 0 with [*open, *close) the inside,
 * or -1 when the line is not a well-formed header.
 */
int conf_header_find(const char *text, size_t len, size_t *open, size_t *close);

/*
 * The path of a [location SITE/PATH] from what follows the site's name ("", "/a/b/",
 * "/a//b"): a new string "/a/b" (empty segments dropped; "/" for the site itself) in *out.
 * "." and ".." segments, a backslash and a segment ending in a dot or a blank are refused
 * (no request could be matched to them as written): -1 with why in msg.
 */
int conf_location_path(const char *rest, char **out, char *msg, size_t msglen);

/* name as a [site ...] header must spell it: as is, or quoted and escaped.  A new string
 * (caller frees), or NULL when out of memory. */
char *conf_name_quote(const char *name);

#endif
