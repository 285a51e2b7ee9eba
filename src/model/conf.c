/*
 * conf — the configuration file of sysbind.ini(5): its key table and the object it loads.
 * This file owns the key table (one row per key drives parsing, defaults, range checks and
 * conf_keys), the messages a load collects ("file:line: message" errors, ordered by line and
 * reported together; warnings kept on the conf), the lookup index a loaded conf carries,
 * the public entry points (conf_load, conf_parse: read, check, load certificates, warn, in
 * that order), conf_free, and the accessors the rest of sysbind reads a conf through.
 *
 * The rest of a load lives beside it, sharing the parser's state through conf_int.h:
 * conf_read.c (the inih adapter, section headers, one key = value), conf_value.c (a key's
 * value parsed and stored), conf_check.c (the checks that need the whole file),
 * conf_certs.c (the certificates, CRLs and keys a configuration names) and conf_warn.c
 * (the warnings of a file that loads).  Every check over the whole file is a hash lookup
 * per item, so a configuration of 100,000 sites loads in linear time.  It does not own the
 * binding grammar (binding.c) nor certificate loading itself (certstore.c).  A finished
 * conf is immutable; nothing here keeps global state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "model/conf_int.h"
#include "base/file.h"
#include "base/strhash.h"

#define CONF_ERR_RESERVE 40     /* room kept for "... and N more" */
#define CONF_ERR_RESERVE 40     /* room kept for "... and N more" */

/* One error, kept until the end so they can be ordered by line. */
struct conf_msg {
	int    line;    /* 0: no line */
	size_t seq;     /* insertion order, to keep the sort stable */
	char  *text;
};

/*
 * The sslcert entries by key, looked up twice or more on each handshake (the certificate
 * choice): open addressing over binding_sslkey_hash, probing linearly, each slot the
 * entry's index + 1 (0: empty), a key compared with binding_sslkey_equal.  No text key
 * is made for a lookup.
 */
struct conf_index {
	uint32_t        *sslslot;
	size_t           sslmask;    /* slots - 1; slots a power of two, at least 2 x entries */
	struct strhash sites;      /* lowercased name -> index + 1 */
	const void      *sslbase, *sitebase;
	size_t           nssl, nsite;
};

/* ---- the key table ---- */

static const struct conf_word mode_words[] = {
	{ "iis7", CONF_MODE_IIS7 }, { "iis8", CONF_MODE_IIS8 }, { NULL, 0 } };
static const struct conf_word onoff_words[] = { { "on", 1 }, { "off", 0 }, { NULL, 0 } };
static const struct conf_word served_chain_words[] = {
	{ "store", CHAIN_SERVE_STORE }, { "file", CHAIN_SERVE_FILE }, { NULL, 0 } };
static const struct conf_word auto_words[] = { { "auto", 0 }, { NULL, 0 } };
static const struct conf_word sni_wildcard_words[] = {
	{ "after-exact", CONF_SNI_WILDCARD_AFTER_EXACT }, { "off", CONF_SNI_WILDCARD_OFF },
	{ NULL, 0 } };
static const struct conf_word misdirected_words[] = {
	{ "route", CONF_MISDIRECTED_ROUTE }, { "421", CONF_MISDIRECTED_421 }, { NULL, 0 } };
static const struct conf_word state_words[] = {
	{ "started", 0 }, { "stopped", 1 }, { NULL, 0 } };
static const struct conf_word lb_words[] = {
	{ "http", CONF_LB_HTTP }, { "tcp", CONF_LB_TCP }, { NULL, 0 } };
static const struct conf_word verbosity_words[] = {
	{ "basic", CONF_VERBOSITY_BASIC }, { "limited", CONF_VERBOSITY_LIMITED },
	{ "full", CONF_VERBOSITY_FULL }, { NULL, 0 } };
static const struct conf_word unlimited_words[] = { { "unlimited", 0 }, { NULL, 0 } };
static const struct conf_word tls13_words[] = {
	{ "reset", CONF_TLS13_DELAYED_RESET }, { "error500", CONF_TLS13_DELAYED_ERROR500 },
	{ NULL, 0 } };
static const struct conf_word profile_words[] = {
	{ "modern", CONF_TLS_PROFILE_MODERN }, { "server2022", CONF_TLS_PROFILE_SERVER2022 },
	{ NULL, 0 } };
static const struct conf_word layout_words[] = {
	{ "2008", 2008 }, { "2012", 2012 }, { "2016", 2016 }, { "2019", 2019 }, { "2022", 2022 },
	{ "win11", 2024 }, { "2025", 2025 }, { NULL, 0 } };
/* netsh's enable/disable: which of the two sets the key's bit */
static const struct conf_word enable_sets[] = {
	{ "enable", 1 }, { "disable", 0 }, { NULL, 0 } };
static const struct conf_word enable_clears[] = {
	{ "enable", 0 }, { "disable", 1 }, { NULL, 0 } };
/* IIS's <access sslFlags> names, in the order IIS writes them */
const struct conf_word conf_access_flag_words[] = {
	{ "None", 0 }, { "Ssl", CONF_ACCESS_SSL }, { "SslNegotiateCert", CONF_ACCESS_NEGOTIATE_CERT },
	{ "SslRequireCert", CONF_ACCESS_REQUIRE_CERT }, { "SslMapCert", CONF_ACCESS_MAP_CERT },
	{ "Ssl128", CONF_ACCESS_SSL128 }, { NULL, 0 } };
/* IIS's <binding sslFlags> names, bit by bit */
const struct conf_word conf_binding_flag_words[] = {
	{ "None", 0 }, { "Sni", 1 }, { "CentralCertStore", 2 }, { "DisableHTTP2", 4 },
	{ "DisableOCSPStp", 8 }, { "DisableQUIC", 16 }, { "DisableTLS13", 32 },
	{ "DisableLegacyTLS", 64 }, { "NegotiateClientCert", 128 }, { NULL, 0 } };

/* Where a key's value goes, and the fields after it (bit, label, since, extprop) left
 * empty; SSLF leaves them to the row (the [sslcert] keys netsh shows). */
#define TAIL 0, NULL, 0, 0
#define SRV(m)  offsetof(struct conf, m), sizeof(((struct conf *)0)->m), TAIL
#define SSLF(m) offsetof(struct conf_sslcert, m), sizeof(((struct conf_sslcert *)0)->m)
#define SSL(m)  SSLF(m), TAIL
#define SITE(m) offsetof(struct conf_site, m), sizeof(((struct conf_site *)0)->m), TAIL
#define LOC(m)  offsetof(struct conf_location, m), sizeof(((struct conf_location *)0)->m), TAIL
#define CERTKINDS (CONF_KEY_IPPORT | CONF_KEY_HOSTNAMEPORT)
#define ALLKINDS (CERTKINDS | CONF_KEY_CCS)
#define SETW CONF_KEY_SETWORDS
#define T_SW CONF_TYPE_SWITCH
/* one netsh enable/disable parameter: a bit of the entry's flags */
#define NETSH_FLAG(name, def, bit, vocab, label, since, doc) \
	{ K_SSL, name, T_SW, def, 0, 0, enable_sets, name, "enable or disable", doc, \
	  ALLKINDS | (vocab), SSLF(flags), bit, label, since, 0 }
#define T_NUM CONF_TYPE_NUMBER
#define K_SRV CONF_SECTION_SERVER
#define K_SSL CONF_SECTION_SSLCERT
#define K_SITE CONF_SECTION_SITE
#define K_LOC CONF_SECTION_LOCATION

/*
 * Every key.  Grouped by section, in the order the man page lists them.  An unsigned range
 * is stored as unsigned (4 bytes) or unsigned long, whichever the field is; a WORD key's
 * value goes into an int (or enum) field.
 */
static const struct conf_key conf_table[] = {
	{ K_SRV, "mode", CONF_TYPE_WORD, "iis7", 0, 0, mode_words, NULL, NULL,
	  "iis7: HTTP.SYS before SNI, the certificate by IP:Port alone; iis8: with SNI "
	  "(hostnameport) and the Central Certificate Store (ccs)", 0, SRV(mode) },
	{ K_SRV, "hostnameport_wildcard", CONF_TYPE_WORD, "after-exact", 0, 0,
	  sni_wildcard_words, NULL, NULL,
	  "iis8: a hostnameport entry *.example.com:PORT answers an SNI name one label under "
	  "example.com when no exact hostnameport entry names it (after-exact), or never (off: "
	  "the entry is kept and shown, as a literal name no client sends); HTTP.SYS's own "
	  "order is not documented", 0, SRV(hostnameport_wildcard) },
	{ K_SRV, "workers", T_NUM, "auto", 1, 64, auto_words, NULL, NULL,
	  "event-loop threads, each with its own SO_REUSEPORT listeners; auto: one per core",
	  0, SRV(workers) },
	{ K_SRV, "access_log", CONF_TYPE_LOG, "-", 0, 0, NULL, NULL, NULL,
	  "the W3C extended log of every request, IIS's fields then sysbind's", 0,
	  SRV(access_log) },
	{ K_SRV, "httperr_log", CONF_TYPE_LOG, "off", 0, 0, NULL, "HTTPERR log", NULL,
	  "the HTTPERR log of every answer HTTP.SYS itself makes, with its reason phrase", 0,
	  SRV(httperr_log) },
	{ K_SRV, "trace", CONF_TYPE_WORD, "off", 0, 0, onoff_words, NULL, NULL,
	  "narrate each connection's decisions (the teaching view)", 0, SRV(trace) },
	{ K_SRV, "cert_store", CONF_TYPE_PATH, NULL, 0, 0, NULL, "certificate store (MY)",
	  "a directory", "the directory where certhash thumbprints are looked up "
	  "(*.pem with their key, *.pfx, *.p12, *.cer, *.crt, *.der)", 0, SRV(cert_store) },
	{ K_SRV, "trust", CONF_TYPE_PATH, NULL, 0, 0, NULL, NULL, "a path",
	  "the roots (a PEM bundle or a directory of them) used to predict \"untrusted\"", 0,
	  SRV(trust) },
	{ K_SRV, "intermediate_store", CONF_TYPE_PATH, NULL, 0, 0, NULL,
	  "Intermediate Certification Authorities store (CA)", "a directory",
	  "the machine's intermediate CA certificates (*.pem, *.crt, *.cer, *.der, *.p7b, "
	  "*.p7c; PEM, DER or PKCS#7, bundles allowed) the served chain is built through", 0,
	  SRV(intermediate_store) },
	{ K_SRV, "served_chain", CONF_TYPE_WORD, "store", 0, 0, served_chain_words, NULL, NULL,
	  "store: the chain is built from the leaf through intermediate_store and the file's "
	  "extra certificates, root left out, as Windows does; file: the file's chain as "
	  "written", 0, SRV(served_chain) },
	{ K_SRV, "server_header", CONF_TYPE_STRING, "Microsoft-HTTPAPI/2.0", 0, 0, NULL,
	  "DisableServerHeader", NULL, "the Server header of the answers sysbind makes itself; "
	  "empty: none", CONF_KEY_EMPTY_OK, SRV(server_header) },
	{ K_SRV, "max_field_length", T_NUM, "16384", 64, 65534, NULL, "MaxFieldLength", NULL,
	  "bytes a request header field may hold; beyond: 400 Request Too Long", 0,
	  SRV(max_field_length) },
	{ K_SRV, "max_request_bytes", T_NUM, "16384", 256, 16777216, NULL, "MaxRequestBytes",
	  NULL, "bytes of the request line and headers; beyond: 400 Request Too Long", 0,
	  SRV(max_request_bytes) },
	{ K_SRV, "max_url_length", T_NUM, "16384", 64, 65534, NULL, NULL, NULL,
	  "bytes of the request target; beyond: 414", 0, SRV(max_url_length) },
	{ K_SRV, "header_wait_timeout", T_NUM, "120", 1, 65535, NULL, "HeaderWait", NULL,
	  "seconds to receive a request's head", 0, SRV(header_wait_timeout) },
	{ K_SRV, "idle_connection_timeout", T_NUM, "120", 1, 65535, NULL, "IdleConnection",
	  NULL, "seconds a kept-alive connection may wait for its next request", 0,
	  SRV(idle_connection_timeout) },
	{ K_SRV, "entity_body_timeout", T_NUM, "120", 1, 65535, NULL, "EntityBody", NULL,
	  "seconds between two parts of a request body", 0, SRV(entity_body_timeout) },
	{ K_SRV, "renegotiation_timeout", T_NUM, "120", 1, 65535, NULL, NULL, NULL,
	  "seconds a client may take to answer the renegotiation that asks for its "
	  "certificate", 0, SRV(renegotiation_timeout) },
	{ K_SRV, "handshake_timeout", T_NUM, "30", 1, 65535, NULL, NULL, NULL,
	  "seconds to complete the TLS handshake", 0, SRV(handshake_timeout) },
	{ K_SRV, "min_send_rate", T_NUM, "150", 0, 4294967295UL, NULL, "MinSendRate", NULL,
	  "bytes per second a client must take a response at; 0 disables", 0,
	  SRV(min_send_rate) },
	{ K_SRV, "max_connections", T_NUM, "0", 0, 4294967295UL, NULL, "MaxConnections",
	  NULL, "open client connections; beyond: 503 (ConnLimit); 0: unlimited", 0,
	  SRV(max_connections) },
	{ K_SRV, "backend_connect_timeout", T_NUM, "5", 1, 65535, NULL, NULL, NULL,
	  "seconds to connect to a backend; beyond: 503", 0, SRV(backend_connect_timeout) },
	{ K_SRV, "backend_timeout", T_NUM, "120", 1, 65535, NULL, NULL, NULL,
	  "seconds a backend may take to answer or go silent; beyond: 504", 0,
	  SRV(backend_timeout) },
	{ K_SRV, "user", CONF_TYPE_STRING, NULL, 0, 0, NULL, NULL, "a user name",
	  "drop privileges to this user after binding and loading the keys", 0, SRV(user) },
	{ K_SRV, "pid_file", CONF_TYPE_PATH, NULL, 0, 0, NULL, NULL, "a path",
	  "write the daemon's process id here", 0, SRV(pid_file) },
	{ K_SRV, "admin", CONF_TYPE_LISTEN, NULL, 0, 0, NULL, NULL,
	  "IPv4:PORT, [IPv6]:PORT or an absolute unix socket path",
	  "the admin listener (plain HTTP, GET only): /metrics, the live counters in the "
	  "Prometheus text format; /certs, the certificate inventory; /servicestate, the "
	  "request queues as netsh prints them; off when unset", 0, SRV(admin) },
	{ K_SRV, "websocket_idle_timeout", T_NUM, "120", 1, 65535, NULL, NULL, NULL,
	  "seconds an upgraded (WebSocket) tunnel may carry nothing either way", 0,
	  SRV(websocket_idle_timeout) },
	{ K_SRV, "http2", CONF_TYPE_WORD, "on", 0, 0, onoff_words, "EnableHttp2Tls", NULL,
	  "offer HTTP/2 (ALPN h2) on TLS; a binding's disablehttp2 turns it off there", 0,
	  SRV(http2) },
	{ K_SRV, "misdirected", CONF_TYPE_WORD, "route", 0, 0, misdirected_words, NULL, NULL,
	  "an HTTP/2 request for another host than the SNI its certificate was chosen for "
	  "(a coalesced connection): route it by :authority as HTTP.SYS does, or answer 421",
	  0, SRV(misdirected) },
	{ K_SRV, "ssl_flags", CONF_TYPE_FLAGS, "None", 0, 0, conf_access_flag_words,
	  "access sslFlags", "Ssl, SslNegotiateCert, SslRequireCert, Ssl128 or a number",
	  "the server level's TLS and client-certificate policy, as IIS's <location path=\".\">"
	  "<access sslFlags>: every site's that sets no ssl_flags of its own", 0,
	  SRV(ssl_flags) },
	{ K_SRV, "upload_read_ahead_size", T_NUM, "49152", 0, 2147483647UL, NULL,
	  "uploadReadAheadSize", NULL, "bytes of a request body read ahead before a TLS "
	  "renegotiation asks for a client certificate; a larger body: 413 and the connection "
	  "closed", 0, SRV(upload_read_ahead_size) },
	{ K_SRV, "tls13_delayed_client_cert", CONF_TYPE_WORD, "reset", 0, 0, tls13_words, NULL,
	  NULL, "a client certificate a path needs after a TLS 1.3 handshake (which cannot "
	  "renegotiate): reset the connection (Server 2022) or answer 500.0 with 0x80070032 "
	  "(Server 2025)", 0, SRV(tls13_delayed_client_cert) },
	{ K_SRV, "client_cert_header", CONF_TYPE_HEADER, "X-ARR-ClientCert", 0, 0, NULL,
	  "ARR client certificate header", "a header name", "the request header the backend gets "
	  "the client certificate in (base64 DER, one line); a client's own is always removed; "
	  "empty: not forwarded", CONF_KEY_EMPTY_OK, SRV(client_cert_header) },
	{ K_SRV, "tls_profile", CONF_TYPE_WORD, "modern", 0, 0, profile_words, NULL, NULL,
	  "the TLS versions and ciphers every binding starts from: modern (TLS 1.2 and 1.3) or "
	  "server2022 (Windows Server 2022's defaults: TLS 1.0 to 1.3, its cipher suite order)",
	  0, SRV(tls_profile) },
	{ K_SRV, "session_ticket_keys", CONF_TYPE_PATH, NULL, 0, 0, NULL,
	  "Enable-TlsSessionTicketKey", "a path", "a file of session ticket keys in nginx's "
	  "ssl_session_ticket_key format (48 or 80 bytes a key); may be repeated; the first key "
	  "encrypts, every key decrypts; read again on reload", CONF_KEY_REPEAT,
	  SRV(session_ticket_keys) },
	{ K_SRV, "tls_session_cache", T_NUM, "20000", 0, 1000000, NULL, "MaximumCacheSize",
	  NULL, "TLS sessions kept for resumption (by session id, and TLS 1.3's tickets that "
	  "name a cached session), the oldest dropped first when full; 0 keeps none", 0,
	  SRV(tls_session_cache) },
	{ K_SRV, "tls_session_cache_time", T_NUM, "36000", 1, 2147483647UL, NULL,
	  "ServerCacheTime", NULL, "seconds a session (cached, or in a ticket) may be resumed",
	  0, SRV(tls_session_cache_time) },
	{ K_SRV, "crl", CONF_TYPE_PATH, NULL, 0, 0, NULL, NULL, "a path",
	  "certificate revocation lists (a PEM or DER file, or a directory of them) for client "
	  "certificates' revocation checks", 0, SRV(crl) },
	{ K_SRV, "show_layout", CONF_TYPE_WORD, "2022", 0, 0, layout_words, NULL, NULL,
	  "the Windows Server whose `netsh http show sslcert` layout show sslcert prints: 2008 "
	  "(and 2008 R2), 2012, 2016, 2019, 2022, win11 (Windows 11) or 2025", 0,
	  SRV(show_layout) },
	{ K_SRV, "show_property_blocks", T_NUM, "2", 0, 64, NULL, NULL, NULL,
	  "the Extended Properties blocks show sslcert prints for each entry (PropertyId 0 to "
	  "this less 1; past 1 they are empty, as Windows 11's netsh prints them) in the 2022 "
	  "and later layouts", 0, SRV(show_property_blocks) },

	{ K_SSL, "certificate", CONF_TYPE_PATH, NULL, 0, 0, NULL, NULL, "a path",
	  "a PEM certificate chain (the key may be in the same file)", CERTKINDS,
	  SSL(certificate) },
	{ K_SSL, "key", CONF_TYPE_PATH, NULL, 0, 0, NULL, NULL, "a path",
	  "the PEM private key of certificate", CERTKINDS, SSL(key_file) },
	{ K_SSL, "pfx", CONF_TYPE_PATH, NULL, 0, 0, NULL, NULL, "a path",
	  "a PKCS#12 file with the certificate, its key and chain", CERTKINDS, SSL(pfx) },
	{ K_SSL, "pfx_password", CONF_TYPE_STRING, NULL, 0, 0, NULL, NULL, NULL,
	  "the password of pfx, or of the PFX files certhash is looked up in",
	  CERTKINDS | CONF_KEY_EMPTY_OK | CONF_KEY_SECRET, SSL(pfx_password) },
	{ K_SSL, "certhash", CONF_TYPE_THUMBPRINT, NULL, 0, 0, NULL, "certhash", NULL,
	  "the certificate's SHA-1 thumbprint, looked up in [server] cert_store", CERTKINDS,
	  SSLF(certhash), 0, "Certificate Hash", 2008, 0 },
	{ K_SSL, "appid", CONF_TYPE_GUID, NULL, 0, 0, NULL, "appid", NULL,
	  "the application id netsh shows", CERTKINDS | CONF_KEY_CCS, SSLF(appid), 0,
	  "Application ID", 2008, 0 },
	{ K_SSL, "certstorename", CONF_TYPE_STRING, NULL, 0, 0, NULL, "certstorename",
	  "a store name, e.g. MY", "the Windows certificate store netsh names; unset: netsh "
	  "shows (null), as after an add without it", CERTKINDS, SSLF(certstorename), 0,
	  "Certificate Store Name", 2008, 0 },
	{ K_SSL, "verifyclientcertrevocation", T_SW, "enable", 0, 0, enable_clears,
	  "verifyclientcertrevocation", "enable or disable", "check client certificates against "
	  "[server] crl", ALLKINDS, SSLF(checkmode), CONF_CHECK_NO_REVOCATION,
	  "Verify Client Certificate Revocation", 2008, 0 },
	{ K_SSL, "verifyrevocationwithcachedclientcertonly", T_SW, "disable", 0, 0, enable_sets,
	  "verifyrevocationwithcachedclientcertonly", "enable or disable", "use cached CRLs "
	  "only (the crl files are all sysbind has: said in the verdict)", ALLKINDS,
	  SSLF(checkmode), CONF_CHECK_CACHED_ONLY,
	  "Verify Revocation Using Cached Client Certificate Only", 2008, 0 },
	{ K_SSL, "usagecheck", T_SW, "enable", 0, 0, enable_clears, "usagecheck",
	  "enable or disable", "a client certificate must allow client authentication (its "
	  "extended key usage)", ALLKINDS, SSLF(checkmode), CONF_CHECK_NO_USAGE_CHECK,
	  "Usage Check", 2008, 0 },
	{ K_SSL, "revocationfreshnesstime", T_NUM, "0", 0, 4294967295UL, NULL,
	  "revocationfreshnesstime", NULL, "seconds after its issue a CRL is stale (the status "
	  "of what it covers is then unknown: 403.16); 0: good until its nextUpdate", ALLKINDS,
	  SSLF(revocationfreshnesstime), 0, "Revocation Freshness Time", 2008, 0 },
	{ K_SSL, "urlretrievaltimeout", T_NUM, "0", 0, 4294967295UL, NULL, "urlretrievaltimeout",
	  NULL, "milliseconds to fetch a CRL (shown only: sysbind fetches no URL)", ALLKINDS,
	  SSLF(urlretrievaltimeout), 0, "URL Retrieval Timeout", 2008, 0 },
	{ K_SSL, "sslctlidentifier", CONF_TYPE_STRING, NULL, 0, 0, NULL, "sslctlidentifier",
	  NULL, "the certificate trust list's identifier (shown only: Windows Server 2012 and "
	  "later use the store, not the CTL)", ALLKINDS, SSLF(sslctlidentifier), 0,
	  "Ctl Identifier", 2008, 0 },
	{ K_SSL, "sslctlstorename", CONF_TYPE_STRING, NULL, 0, 0, NULL, "sslctlstorename",
	  "a directory", "the CA certificates whose names the CertificateRequest lists: a "
	  "directory (relative to this file) named like the Windows store, e.g. "
	  "ClientAuthIssuer; unset: an empty list", ALLKINDS, SSLF(sslctlstorename), 0,
	  "Ctl Store Name", 2008, 0 },
	NETSH_FLAG("dsmapperusage", "disable", CONF_SSL_USE_DS_MAPPER, 0, "DS Mapper Usage", 2008,
	    "map client certificates to Windows accounts (shown only: no directory here)"),
	NETSH_FLAG("clientcertnegotiation", "disable", CONF_SSL_NEGOTIATE_CLIENT_CERT, 0,
	    "Negotiate Client Certificate", 2008, "ask for a client certificate in the first "
	    "handshake, not by renegotiating later (the fix for TLS 1.3 and HTTP/2)"),
	NETSH_FLAG("reject", "disable", CONF_SSL_REJECT, 0, "Reject Connections", 2016,
	    "refuse the handshakes this entry is chosen for"),
	NETSH_FLAG("disablehttp2", "disable", CONF_SSL_DISABLE_HTTP2, SETW, "Disable HTTP2", 2019,
	    "offer no h2 in ALPN here"),
	NETSH_FLAG("disablequic", "disable", CONF_SSL_DISABLE_QUIC, SETW, "Disable QUIC", 2022,
	    "no HTTP/3 here (sysbind speaks no QUIC: shown only)"),
	NETSH_FLAG("disabletls12", "disable", CONF_SSL_DISABLE_TLS12, SETW, "Disable TLS1.2",
	    2022, "refuse TLS 1.2 here"),
	NETSH_FLAG("disabletls13", "disable", CONF_SSL_DISABLE_TLS13, SETW, "Disable TLS1.3",
	    2022, "refuse TLS 1.3 here (IIS: \"Disable TLS 1.3 over TCP\")"),
	NETSH_FLAG("disableocspstapling", "disable", CONF_SSL_DISABLE_OCSP_STAPLING, SETW,
	    "Disable OCSP Stapling", 2022, "staple no OCSP response here (sysbind staples none: "
	    "shown only)"),
	NETSH_FLAG("enabletokenbinding", "disable", CONF_SSL_ENABLE_TOKEN_BINDING, SETW,
	    "Enable Token Binding", 2022, "token binding (shown only: not emulated)"),
	NETSH_FLAG("logextendedevents", "disable", CONF_SSL_LOG_EXTENDED_EVENTS, SETW,
	    "Log Extended Events", 2022, "log failed handshakes of this entry"),
	NETSH_FLAG("disablelegacytls", "disable", CONF_SSL_DISABLE_LEGACY_TLS, SETW,
	    "Disable Legacy TLS Versions", 2022, "no TLS 1.0/1.1, AES-GCM only, no RSA key "
	    "exchange, ECDH of 224 bits or more, DH of 2048 or more"),
	NETSH_FLAG("enablesessionticket", "disable", CONF_SSL_ENABLE_SESSION_TICKET, SETW,
	    "Enable Session Ticket", 2022, "issue TLS session tickets here"),
	NETSH_FLAG("disablesessionid", "disable", CONF_SSL_DISABLE_SESSION_ID, SETW,
	    "Disable Session ID", 2025, "no session id resumption here"),
	{ K_SSL, "enablecacheclienthello", T_SW, "disable", 0, 0, enable_sets,
	  "HTTP_SERVICE_CONFIG_SSL_FLAG_ENABLE_CACHE_CLIENT_HELLO", "enable or disable",
	  "keep the ClientHello for the application (no netsh parameter; shown only)",
	  ALLKINDS | SETW, SSLF(flags), CONF_SSL_ENABLE_CACHE_CLIENT_HELLO,
	  "Enable Caching Client Hello", 2024, 0 },
	{ K_SSL, "receivewindow", T_NUM, "1048576", 65535, 2147483647UL, NULL, "receivewindow",
	  NULL, "the HTTP/2 receive window (netsh http update sslpropertyex propertyid=0)",
	  ALLKINDS, SSLF(receivewindow), 0, "Receive Window", 2022, 1 },
	{ K_SSL, "maxsettingsperframe", T_NUM, "2796202", 1, 4294967295UL, NULL,
	  "maxsettingsperframe", NULL, "the most settings one HTTP/2 SETTINGS frame may carry "
	  "(sslpropertyex propertyid=1)", ALLKINDS, SSLF(maxsettingsperframe), 0,
	  "Max Settings Per Frame", 2022, 2 },
	{ K_SSL, "maxsettingsperminute", T_NUM, "4294967295", 1, 4294967295UL, NULL,
	  "maxsettingsperminute", NULL, "the most HTTP/2 settings a client may send a minute "
	  "(sslpropertyex propertyid=1)", ALLKINDS, SSLF(maxsettingsperminute), 0,
	  "Max Settings Per Minute", 2022, 2 },
	{ K_SSL, "directory", CONF_TYPE_PATH, NULL, 0, 0, NULL, "CCS PhysicalPath", "a path",
	  "the Central Certificate Store's folder of <host>.pfx files",
	  CONF_KEY_CCS | CONF_KEY_REQUIRED, SSL(directory) },
	{ K_SSL, "password", CONF_TYPE_STRING, NULL, 0, 0, NULL, "CCS PrivateKeyPassword",
	  NULL, "the Central Certificate Store's PFX password",
	  CONF_KEY_CCS | CONF_KEY_EMPTY_OK | CONF_KEY_SECRET, SSL(password) },

	{ K_SITE, "id", T_NUM, NULL, 1, 4294967295UL, NULL, "id", NULL,
	  "the IIS site id (a DWORD, as IIS keeps it)", CONF_KEY_REQUIRED, SITE(id) },
	{ K_SITE, "bindings", CONF_TYPE_BINDINGS, NULL, 0, 0, NULL, "bindings",
	  "protocol/IP:Port:Host, ...", "the site's bindings; the line may be repeated, each "
	  "adding to the list", CONF_KEY_REQUIRED | CONF_KEY_REPEAT, 0, 0, TAIL },
	{ K_SITE, "backend", CONF_TYPE_BACKEND, NULL, 0, 0, NULL, NULL, NULL,
	  "http://HOST:PORT the requests are proxied to; unset: the built-in diagnostic page",
	  0, 0, 0, TAIL },
	{ K_SITE, "state", CONF_TYPE_WORD, "started", 0, 0, state_words, "serverAutoStart",
	  NULL, "stopped: HTTP.SYS's 503, as a stopped application pool answers", 0,
	  SITE(stopped) },
	{ K_SITE, "app_pool", CONF_TYPE_STRING, NULL, 0, 0, NULL, "applicationPool", "a name",
	  "the site's application pool: the request queue's name (HTTPERR s-queuename, list "
	  "apppool); unset: the site's name (IIS Manager makes a pool per site)", 0,
	  SITE(app_pool) },
	{ K_SITE, "queue_length", T_NUM, "1000", 10, 65535, NULL, "queueLength", NULL,
	  "requests that may wait while the backend's connections are all busy "
	  "(backend_max_connections); one more: 503 QueueFull (or a reset)", 0,
	  SITE(queue_length) },
	{ K_SITE, "rapid_fail", CONF_TYPE_WORD, "on", 0, 0, onoff_words, "rapidFailProtection",
	  NULL, "on: rapid_fail_max_crashes backend failures (a refused connection, a reset or "
	  "a close before the response) within rapid_fail_interval stop the pool: 503 "
	  "AppOffline (or a reset) until a reload starts it again", 0, SITE(rapid_fail) },
	{ K_SITE, "rapid_fail_max_crashes", T_NUM, "5", 1, 2147483647UL, NULL,
	  "rapidFailProtectionMaxCrashes", NULL, "the failures that stop the pool", 0,
	  SITE(rapid_fail_max_crashes) },
	{ K_SITE, "rapid_fail_interval", T_NUM, "5", 1, 144000, NULL,
	  "rapidFailProtectionInterval", "minutes", "minutes from a window's first failure "
	  "before its count starts again (IIS: 00:05:00)", 0, SITE(rapid_fail_interval) },
	{ K_SITE, "load_balancer", CONF_TYPE_WORD, "http", 0, 0, lb_words,
	  "loadBalancerCapabilities", NULL, "what a request the pool cannot take gets (queue "
	  "full, pool stopped): http (HttpLevel) a 503, tcp (TcpLevel) a connection reset", 0,
	  SITE(load_balancer) },
	{ K_SITE, "verbosity", CONF_TYPE_WORD, "limited", 0, 0, verbosity_words,
	  "HttpServer503VerbosityProperty", NULL, "HTTP.SYS's 503 of the pool's queue: basic "
	  "(a reset, no 503), limited (503 Service Unavailable, what IIS's pools use) or full "
	  "(503 with a detailed reason phrase)", 0, SITE(verbosity) },
	{ K_SITE, "backend_max_connections", T_NUM, "0", 0, 4294967295UL, unlimited_words, NULL,
	  NULL, "connections the site's backend is given at once (across workers); a request "
	  "beyond waits in the queue; 0 or unlimited: no limit, nothing waits", 0,
	  SITE(backend_max_connections) },
	{ K_SITE, "ssl_flags", CONF_TYPE_FLAGS, NULL, 0, 0, conf_access_flag_words, "access sslFlags",
	  "Ssl, SslNegotiateCert, SslRequireCert, Ssl128 or a number", "the site's TLS and "
	  "client-certificate policy, as IIS's <access sslFlags>; unset: [server] ssl_flags",
	  0, SITE(ssl_flags) },
	{ K_SITE, "hsts", CONF_TYPE_WORD, "off", 0, 0, onoff_words, "hsts enabled", NULL,
	  "on: every https answer of the site (its backend's, its diagnostic page, IIS's pages) "
	  "carries Strict-Transport-Security, as IIS 10 version 1709's <hsts>", 0, SITE(hsts) },
	{ K_SITE, "hsts_max_age", T_NUM, "0", 0, 4294967295UL, NULL, "hsts max-age", NULL,
	  "the max-age of the Strict-Transport-Security field, in seconds", 0,
	  SITE(hsts_max_age) },
	{ K_SITE, "hsts_include_subdomains", CONF_TYPE_WORD, "off", 0, 0, onoff_words,
	  "hsts includeSubDomains", NULL, "on: the field says includeSubDomains", 0,
	  SITE(hsts_include_subdomains) },
	{ K_SITE, "hsts_preload", CONF_TYPE_WORD, "off", 0, 0, onoff_words, "hsts preload", NULL,
	  "on: the field says preload", 0, SITE(hsts_preload) },
	{ K_SITE, "hsts_redirect_http", CONF_TYPE_WORD, "off", 0, 0, onoff_words,
	  "hsts redirectHttpToHttps", NULL, "on: an http request to the site is answered 301 to "
	  "https://HOST/PATH, its port dropped (IIS sends every one to 443)", 0,
	  SITE(hsts_redirect_http) },

	{ K_LOC, "ssl_flags", CONF_TYPE_FLAGS, NULL, 0, 0, conf_access_flag_words, "access sslFlags",
	  "Ssl, SslNegotiateCert, SslRequireCert, Ssl128 or a number", "the path's TLS and "
	  "client-certificate policy, as IIS's <location path=\"SITE/PATH\"><access sslFlags>",
	  CONF_KEY_REQUIRED, LOC(ssl_flags) },
};

#define CONF_NKEYS (sizeof(conf_table) / sizeof(conf_table[0]))

/* The fields of Windows Server 2008 R2's netsh (a capture in tests/fixtures/iis/README.md,
 * netsh-2008r2.txt): label and padding as printed, and whether a space follows the value. */
static const struct {
	const char *label, *lead;
	int         trail;
} netsh2008[] = {
	{ "IP:port", "IP:port                 ", 1 },
	{ "Certificate Hash", "Certificate Hash        ", 0 },
	{ "Application ID", "Application ID          ", 1 },
	{ "Certificate Store Name", "Certificate Store Name  ", 1 },
	{ "Verify Client Certificate Revocation", "Verify Client Certificate Revocation    ", 0 },
	{ "Verify Revocation Using Cached Client Certificate Only",
	  "Verify Revocation Using Cached Client Certificate Only    ", 0 },
	{ "Usage Check", "Usage Check    ", 0 },
	{ "Revocation Freshness Time", "Revocation Freshness Time ", 1 },
	{ "URL Retrieval Timeout", "URL Retrieval Timeout   ", 1 },
	{ "Ctl Identifier", "Ctl Identifier          ", 1 },
	{ "Ctl Store Name", "Ctl Store Name          ", 1 },
	{ "DS Mapper Usage", "DS Mapper Usage    ", 0 },
	{ "Negotiate Client Certificate", "Negotiate Client Certificate    ", 0 },
};

const char *
conf_layout_word(unsigned layout)
{
	size_t i;

	for (i = 0; layout_words[i].word != NULL; i++)
		if ((unsigned)layout_words[i].value == layout)
			return layout_words[i].word;
	return "?";
}

const char *
conf_layout_title(unsigned layout)
{
	switch (layout) {
	case 2008: return "Windows Server 2008";
	case 2012: return "Windows Server 2012";
	case 2016: return "Windows Server 2016";
	case 2019: return "Windows Server 2019";
	case 2022: return "Windows Server 2022";
	case 2024: return "Windows 11";
	case 2025: return "Windows Server 2025";
	default:   return "a later Windows";
	}
}

const char *
conf_netsh2008_lead(const char *label, int *trail)
{
	size_t i;

	for (i = 0; i < sizeof(netsh2008) / sizeof(netsh2008[0]); i++)
		if (strcasecmp(netsh2008[i].label, label) == 0) {
			*trail = netsh2008[i].trail;
			return netsh2008[i].lead;
		}
	*trail = 0;
	return NULL;
}

const struct conf_key *
conf_keys(size_t *n)
{
	*n = CONF_NKEYS;
	return conf_table;
}

const char *
conf_section_name(enum conf_section section)
{
	switch (section) {
	case CONF_SECTION_SERVER:  return "[server]";
	case CONF_SECTION_SSLCERT: return "[sslcert KEY]";
	case CONF_SECTION_SITE:    return "[site NAME]";
	case CONF_SECTION_LOCATION: return "[location SITE/PATH]";
	}
	return "?";
}

/* The keys of one section: the table is grouped, so a range. */
const struct conf_key *
conf_section_keys(enum conf_section section, size_t *n)
{
	size_t i, first = CONF_NKEYS;

	for (i = 0; i < CONF_NKEYS; i++) {
		if (conf_table[i].section != section)
			continue;
		if (first == CONF_NKEYS)
			first = i;
		*n = i - first + 1;
	}
	if (first == CONF_NKEYS)
		*n = 0;
	return &conf_table[first < CONF_NKEYS ? first : 0];
}

const struct conf_key *
conf_key_find(enum conf_section section, const char *name)
{
	size_t n, i;
	const struct conf_key *k = conf_section_keys(section, &n);

	for (i = 0; i < n; i++)
		if (strcmp(k[i].name, name) == 0)
			return &k[i];
	return NULL;
}

/* The index of a key the code itself names in a section (a table row that must exist). */
int
conf_key_at(enum conf_section section, const char *name)
{
	size_t n;
	const struct conf_key *first = conf_section_keys(section, &n);
	const struct conf_key *k = conf_key_find(section, name);

	return k != NULL ? (int)(k - first) : 0;
}

/* ---- messages ---- */

void
conf_error(struct conf_parser *p, int line, const char *fmt, ...)
{
	struct conf_msg *m;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0) {
		va_end(ap);
		p->nomem = 1;
		return;
	}
	va_end(ap);
	if (p->nmsgs == p->capmsgs) {
		size_t cap = p->capmsgs ? p->capmsgs * 2 : 16;

		if ((m = realloc(p->msgs, cap * sizeof(*m))) == NULL) {
			free(text);
			p->nomem = 1;
			return;
		}
		p->msgs = m;
		p->capmsgs = cap;
	}
	p->msgs[p->nmsgs].line = line;
	p->msgs[p->nmsgs].seq = p->nmsgs;
	p->msgs[p->nmsgs].text = text;
	p->nmsgs++;
}

void
conf_warning(struct conf_parser *p, int line, const char *fmt, ...)
{
	struct conf *c = p->c;
	char *msg, *text, **w;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		va_end(ap);
		p->nomem = 1;
		return;
	}
	va_end(ap);
	if ((line > 0 ? asprintf(&text, "%s:%d: warning: %s", p->name, line, msg) :
	    asprintf(&text, "%s: warning: %s", p->name, msg)) < 0) {
		free(msg);
		p->nomem = 1;
		return;
	}
	free(msg);
	if ((w = realloc(c->warnings, (c->nwarnings + 1) * sizeof(*w))) == NULL) {
		free(text);
		p->nomem = 1;
		return;
	}
	c->warnings = w;
	c->warnings[c->nwarnings++] = text;
}

char *
conf_strdup(struct conf_parser *p, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		p->nomem = 1;
	return d;
}

/* ---- the lookup index ---- */

static void
conf_index_free(struct conf_index *x)
{
	if (x == NULL)
		return;
	free(x->sslslot);
	strhash_clear(&x->sites);
	free(x);
}

/* The slot of key k in x: its entry's, or the empty one where it would go. */
static size_t
conf_index_slot(const struct conf_index *x, const struct conf_sslcert *v,
    const struct sslcert_key *k)
{
	size_t h = binding_sslkey_hash(k) & x->sslmask;

	while (x->sslslot[h] != 0 && !binding_sslkey_equal(&v[x->sslslot[h] - 1].key, k))
		h = (h + 1) & x->sslmask;
	return h;
}

/* Build c->index (sslcert keys, site names).  Returns 0 or -1 (no memory). */
static int
conf_index_build(struct conf *c)
{
	struct conf_index *x = calloc(1, sizeof(*x));
	char *name;
	size_t i, h, n = 8;

	if (x == NULL || c->nsslcerts > UINT32_MAX / 4)
		goto fail;
	while (n < 2 * c->nsslcerts)
		n *= 2;
	if ((x->sslslot = calloc(n, sizeof(*x->sslslot))) == NULL ||
	    strhash_init(&x->sites, c->nsites) != 0)
		goto fail;
	x->sslmask = n - 1;
	for (i = 0; i < c->nsslcerts; i++) {
		/* (keys are unique after conf_check; were one not, the first would be kept) */
		h = conf_index_slot(x, c->sslcerts, &c->sslcerts[i].key);
		if (x->sslslot[h] == 0)
			x->sslslot[h] = (uint32_t)(i + 1);
	}
	for (i = 0; i < c->nsites; i++) {
		if ((name = strhash_lower(c->sites[i].name)) == NULL)
			goto fail;
		if (strhash_enter(&x->sites, name, i + 1, NULL) == NULL) {
			free(name);
			goto fail;
		}
		free(name);
	}
	x->sslbase = c->sslcerts;
	x->nssl = c->nsslcerts;
	x->sitebase = c->sites;
	x->nsite = c->nsites;
	c->index = x;
	return 0;
fail:
	conf_index_free(x);
	return -1;
}

/* c->index when it was built for exactly c's arrays (a copy of a conf holding a subset,
 * as `netsh http show sslcert ipport=...` makes, falls back to a scan). */
static const struct conf_index *
conf_index_of(const struct conf *c, int sites)
{
	const struct conf_index *x = c->index;

	if (x == NULL)
		return NULL;
	if (sites ? x->sitebase != c->sites || x->nsite != c->nsites :
	    x->sslbase != c->sslcerts || x->nssl != c->nsslcerts)
		return NULL;
	return x;
}

/*
 * The sslcert entry with the same key (binding_sslkey_equal), or NULL.  Any thread: a
 * lookup only reads the index.
 */
const struct conf_sslcert *
conf_find_sslcert(const struct conf *c, const struct sslcert_key *k)
{
	const struct conf_index *x = conf_index_of(c, 0);
	size_t i;

	if (x != NULL) {
		i = x->sslslot[conf_index_slot(x, c->sslcerts, k)];
		return i > 0 ? &c->sslcerts[i - 1] : NULL;
	}
	for (i = 0; i < c->nsslcerts; i++)
		if (binding_sslkey_equal(&c->sslcerts[i].key, k))
			return &c->sslcerts[i];
	return NULL;
}

const struct conf_site *
conf_find_site(const struct conf *c, const char *name)
{
	const struct conf_index *x = conf_index_of(c, 1);
	char *key;
	size_t i;

	if (x != NULL) {
		if ((key = strhash_lower(name)) == NULL)
			return NULL;
		i = strhash_find(&x->sites, key);
		free(key);
		return i > 0 ? &c->sites[i - 1] : NULL;
	}
	for (i = 0; i < c->nsites; i++)
		if (strcasecmp(c->sites[i].name, name) == 0)
			return &c->sites[i];
	return NULL;
}

/* ---- the whole file ---- */

static int
conf_msg_cmp(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every error, ordered by line, one per line in err; "... and N more" when it fills. */
static void
conf_format_errors(struct conf_parser *p, char *err, size_t errlen)
{
	size_t off = 0, i;
	int need;

	if (err == NULL || errlen == 0)
		return;
	err[0] = '\0';
	qsort(p->msgs, p->nmsgs, sizeof(*p->msgs), conf_msg_cmp);
	for (i = 0; i < p->nmsgs; i++) {
		const struct conf_msg *m = &p->msgs[i];
		size_t reserve = i + 1 < p->nmsgs ? CONF_ERR_RESERVE : 0;

		if (m->line > 0)
			need = snprintf(NULL, 0, "%s%s:%d: %s", off ? "\n" : "", p->name, m->line,
			    m->text);
		else
			need = snprintf(NULL, 0, "%s%s: %s", off ? "\n" : "", p->name, m->text);
		if (need < 0 || off + (size_t)need + reserve >= errlen)
			break;
		if (m->line > 0)
			snprintf(err + off, errlen - off, "%s%s:%d: %s", off ? "\n" : "", p->name,
			    m->line, m->text);
		else
			snprintf(err + off, errlen - off, "%s%s: %s", off ? "\n" : "", p->name,
			    m->text);
		off += (size_t)need;
	}
	if (i < p->nmsgs)
		snprintf(err + off, errlen - off, "%s... and %zu more", off ? "\n" : "",
		    p->nmsgs - i);
}

/* A sized upper bound of the sections in text: lines whose first non-blank is "[". */
static size_t
conf_count_sections(const char *text, size_t len)
{
	size_t n = 0, i = 0;

	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i < len && text[i] == '[')
			n++;
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return n;
}

static void
conf_entry_info_free(struct conf_entry_info *info, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(info[i].lines);
		free(info[i].blines);
	}
	free(info);
}

/* The parse shared by conf_load and conf_parse: text of len bytes, named name. */
static struct conf *
conf_parse_text(const char *text, size_t len, const char *name, int flags, char *err,
    size_t errlen)
{
	struct conf_parser p;
	const struct conf_key *sk;
	const char *slash;
	size_t i, nsk, nsec;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = name != NULL ? name : "(config)";
	p.flags = flags;
	p.text = text;
	p.len = len;
	if ((p.c = calloc(1, sizeof(*p.c))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", p.name);
		return NULL;
	}
	if ((p.c->path = strdup(p.name)) == NULL)
		p.nomem = 1;
	if ((slash = strrchr(p.name, '/')) != NULL) {
		if ((p.dir = strndup(p.name, slash == p.name ? 1 : (size_t)(slash - p.name))) == NULL)
			p.nomem = 1;
	}
	nsec = conf_count_sections(text, len);
	if (strhash_init(&p.sslnames, nsec) != 0 || strhash_init(&p.sitenames, nsec) != 0)
		p.nomem = 1;
	/* [server]'s defaults, through the same rules as the file's values */
	sk = conf_section_keys(CONF_SECTION_SERVER, &nsk);
	for (i = 0; i < nsk; i++)
		if (sk[i].def != NULL)
			conf_key_set(&p, p.c, NULL, &sk[i], sk[i].def);

	if (!p.nomem) {
		rc = ini_parse_stream(conf_reader_cb, &p, conf_ini_cb, &p);
		conf_section_end(&p);
		if (rc == -2)
			p.nomem = 1;
		else if (rc > 0) {
			/* inih found a syntax error the reader let through: report it, once */
			int seen = 0;

			for (i = 0; i < p.nmsgs; i++)
				seen |= p.msgs[i].line == rc;
			if (!seen)
				conf_error(&p, rc, "syntax error");
		}
	}

	if (p.c->max_request_bytes < p.c->max_field_length)
		p.c->max_field_length = p.c->max_request_bytes; /* as HTTP.SYS caps it */
	conf_check_sslcerts(&p);
	conf_check_sites(&p);
	conf_check_backends(&p);
	conf_check_pools(&p);
	conf_site_flags(&p);
	conf_check_locations(&p);
	if (!p.nomem && conf_index_build(p.c) != 0)
		p.nomem = 1;
	/* A file with no site cannot be served; said alone, as a file with other errors is
	 * refused for those first. */
	if ((flags & CONF_LOAD_CERTS) != 0 && (flags & CONF_LOAD_OFFLINE) == 0 &&
	    p.c->nsites == 0 && p.nmsgs == 0)
		conf_error(&p, 0, "no [site]: there is nothing to serve (the daemon would have no "
		    "address to listen on); add a [site NAME] with id and bindings");
	if ((flags & CONF_LOAD_CERTS) != 0 && !p.nomem)
		conf_load_certs(&p);
	if (p.nmsgs == 0 && !p.nomem) {
		conf_warnings(&p);
		conf_client_warnings(&p);
		if ((flags & CONF_LOAD_CERTS) != 0 && (flags & CONF_LOAD_OFFLINE) == 0)
			conf_cert_warnings(&p);
	}
	if (p.nomem)
		conf_error(&p, 0, "out of memory");

	conf_entry_info_free(p.sslinfo, p.c->nsslcerts);
	conf_entry_info_free(p.siteinfo, p.c->nsites);
	conf_entry_info_free(p.locinfo, p.c->nlocations);
	if (p.nmsgs > 0) {
		conf_format_errors(&p, err, errlen);
		conf_free(p.c);
		p.c = NULL;
	}
	for (i = 0; i < p.nmsgs; i++)
		free(p.msgs[i].text);
	free(p.msgs);
	strhash_clear(&p.sslnames);
	strhash_clear(&p.sitenames);
	free(p.label);
	free(p.dir);
	return p.c;
}

/*
 * Read and validate path (see conf.h).  Only a regular file is read: a FIFO would block
 * -t and the daemon (and read differently each time), a device never ends.  Returns a new
 * conf (caller owns) or NULL with every problem in err.  Start-up and reload code only;
 * not for event callbacks (reads a file).
 */
struct conf *
conf_load(const char *path, int flags, char *err, size_t errlen)
{
	struct conf *c;
	char *buf;
	size_t len = 0;

	if ((buf = file_read(path, CONF_FILE_MAX, 0, &len, err, errlen)) == NULL)
		return NULL;
	c = conf_parse_text(buf, len, path, flags, err, errlen);
	free(buf);
	return c;
}

/*
 * The same from a NUL-terminated string; name appears in messages and its directory
 * resolves relative paths.  Returns a new conf or NULL with every problem in err.
 */
struct conf *
conf_parse(const char *text, const char *name, int flags, char *err, size_t errlen)
{
	return conf_parse_text(text, strlen(text), name, flags, err, errlen);
}

/* Free c and everything it owns (certificates, CCS stores, trust).  NULL is a no-op. */
void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];

		free(e->name);
		free(e->certificate);
		free(e->key_file);
		free(e->pfx);
		free(e->pfx_password);
		free(e->certhash);
		free(e->directory);
		free(e->password);
		free(e->appid);
		free(e->certstorename);
		free(e->sslctlidentifier);
		free(e->sslctlstorename);
		free(e->sslctlstore);
		if (e->ctl_names != NULL)
			sk_X509_NAME_pop_free(e->ctl_names, X509_NAME_free);
		free(e->unavailable);
		if (e->cert != NULL)
			certstore_cert_free(e->cert);
		if (e->ccs != NULL)
			certstore_ccs_free(e->ccs);
	}
	free(c->sslcerts);
	for (i = 0; i < c->nsites; i++) {
		struct conf_site *s = &c->sites[i];

		free(s->name);
		free(s->bindings);
		free(s->backend);
		free(s->app_pool);
		free(s->backend_host);
		free(s->backend_port);
		free(s->locations);
	}
	free(c->sites);
	for (i = 0; i < c->nlocations; i++) {
		free(c->locations[i].name);
		free(c->locations[i].path);
	}
	free(c->locations);
	conf_list_free(c->session_ticket_keys);
	certstore_ticket_keys_free(c->ticket_keys, c->nticket_keys);
	free(c->crl);
	if (c->crls != NULL)
		sk_X509_CRL_pop_free(c->crls, X509_CRL_free);
	free(c->client_cert_header);
	for (i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	if (c->trust_store != NULL)
		X509_STORE_free(c->trust_store);
	chain_store_free(c->istore);
	free(c->intermediate_store);
	conf_index_free(c->index);
	free(c->path);
	free(c->access_log);
	free(c->httperr_log);
	free(c->cert_store);
	free(c->trust);
	free(c->server_header);
	free(c->user);
	free(c->pid_file);
	free(c->admin);
	free(c);
}

/* "iis7" / "iis8".  Any thread. */
const char *
conf_mode_name(enum conf_mode m)
{
	return m == CONF_MODE_IIS8 ? "iis8" : "iis7";
}

const char *
conf_key_value(const struct conf_key *k, const void *base, char *buf, size_t len)
{
	const char *field = (const char *)base + k->offset;
	unsigned long v = 0;
	size_t i;

	switch (k->type) {
	case CONF_TYPE_NUMBER:
	case CONF_TYPE_WORD:
	case CONF_TYPE_FLAGS:
		if (k->size == sizeof(unsigned)) {
			unsigned u;

			memcpy(&u, field, sizeof(u));
			v = u;
		} else {
			memcpy(&v, field, sizeof(v));
		}
		if (k->type == CONF_TYPE_FLAGS)
			return conf_flags_format(k, v, buf, len);
		for (i = 0; k->words != NULL && k->words[i].word != NULL; i++)
			if ((unsigned long)k->words[i].value == v)
				return k->words[i].word;
		snprintf(buf, len, "%lu", v);
		return buf;
	case CONF_TYPE_SWITCH:
		return conf_switch_enabled(k, base) ? "enable" : "disable";
	case CONF_TYPE_LOG:
		return *(char *const *)field != NULL ? *(char *const *)field : "off";
	case CONF_TYPE_PATH:
		if (k->flags & CONF_KEY_REPEAT) {
			char *const *list = *(char **const *)field;

			return list != NULL ? list[0] : NULL;
		}
		return *(char *const *)field;
	case CONF_TYPE_STRING:
	case CONF_TYPE_GUID:
	case CONF_TYPE_THUMBPRINT:
	case CONF_TYPE_LISTEN:
	case CONF_TYPE_HEADER:
		return *(char *const *)field;
	case CONF_TYPE_BINDINGS:
	case CONF_TYPE_BACKEND:
		break;
	}
	return NULL;
}

int
conf_switch_enabled(const struct conf_key *k, const void *base)
{
	unsigned bits;
	int set;

	memcpy(&bits, (const char *)base + k->offset, sizeof(bits));
	set = (bits & (unsigned)k->bit) != 0;
	/* words[0] is "enable": its value says whether enable sets the bit */
	return k->words[0].value ? set : !set;
}

const char *
conf_access_format(unsigned flags, char *buf, size_t len)
{
	return conf_flags_format(conf_key_find(CONF_SECTION_SITE, "ssl_flags"), flags, buf, len);
}

unsigned
conf_tls_versions(const struct conf *c, const struct conf_sslcert *e)
{
	unsigned v = c->tls_profile == CONF_TLS_PROFILE_SERVER2022 ?
	    CONF_TLS10 | CONF_TLS11 | CONF_TLS12 | CONF_TLS13 : CONF_TLS12 | CONF_TLS13;

	if (e == NULL)
		return v;
	if (e->flags & CONF_SSL_DISABLE_LEGACY_TLS)
		v &= ~(unsigned)(CONF_TLS10 | CONF_TLS11);
	if (e->flags & CONF_SSL_DISABLE_TLS12)
		v &= ~(unsigned)CONF_TLS12;
	if (e->flags & CONF_SSL_DISABLE_TLS13)
		v &= ~(unsigned)CONF_TLS13;
	return v;
}

int
conf_http2_offered(const struct conf *c, const struct conf_sslcert *e)
{
	return c->http2 && (e == NULL || !(e->flags & CONF_SSL_DISABLE_HTTP2));
}

const char *
conf_hsts_value(const struct conf_site *s, char *buf, size_t len)
{
	if (s == NULL || !s->hsts)
		return NULL;
	snprintf(buf, len, "max-age=%lu%s%s", s->hsts_max_age,
	    s->hsts_include_subdomains ? "; includeSubDomains" : "",
	    s->hsts_preload ? "; preload" : "");
	return buf;
}
