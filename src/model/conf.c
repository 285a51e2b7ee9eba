/*
 * conf — the configuration file of sysbind.ini(5).  This file owns the inih adapter (a line
 * reader that counts lines, strips indentation, refuses over-long lines, reports syntax
 * errors and reads section headers itself, quoted names included), the key table (one row
 * per key drives parsing, defaults, range checks and conf_keys), strict validation with
 * "file:line: message" errors collected in one run, the cross-section checks (duplicate
 * bindings, http/https port clashes, hostnameport/ccs in iis7 mode), loading the
 * certificates a configuration names, IIS Manager's two warnings, and the lookup index a
 * loaded conf carries.  Every check over the whole file is a hash lookup per item, so a
 * configuration of 100,000 sites loads in linear time.  It does not own the binding grammar
 * (binding.c) nor certificate loading itself (certstore.c).  A finished conf is immutable;
 * nothing here keeps global state.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <ini.h>

#include <openssl/crypto.h>

#include "model/conf.h"
#include "base/file.h"
#include "model/http.h"
#include "base/strhash.h"

#define CONF_HEADER_MAX  4096   /* a section header line, read here rather than by inih */
#define CONF_ERR_RESERVE 40     /* room kept for "... and N more" */

/* ---- the key table ---- */

static const struct conf_word mode_words[] = {
	{ "iis7", CONF_MODE_IIS7 }, { "iis8", CONF_MODE_IIS8 }, { NULL, 0 } };
static const struct conf_word onoff_words[] = { { "on", 1 }, { "off", 0 }, { NULL, 0 } };
static const struct conf_word auto_words[] = { { "auto", 0 }, { NULL, 0 } };
static const struct conf_word sni_wildcard_words[] = {
	{ "after-exact", CONF_SNI_WILDCARD_AFTER_EXACT }, { "off", CONF_SNI_WILDCARD_OFF },
	{ NULL, 0 } };
static const struct conf_word misdirected_words[] = {
	{ "route", CONF_MISDIRECTED_ROUTE }, { "421", CONF_MISDIRECTED_421 }, { NULL, 0 } };
static const struct conf_word state_words[] = {
	{ "started", 0 }, { "stopped", 1 }, { NULL, 0 } };
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
static const struct conf_key *
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

/* ---- the parser ---- */

/* One error, kept until the end so they can be ordered by line. */
struct conf_msg {
	int    line;    /* 0: no line */
	size_t seq;     /* insertion order, to keep the sort stable */
	char  *text;
};

enum conf_sec { SEC_NONE, SEC_SERVER, SEC_SSLCERT, SEC_SITE, SEC_LOCATION, SEC_SKIP };

/* What the parser remembers about an entry beyond struct conf_sslcert / conf_site. */
struct conf_entry_info {
	int    dup;      /* a duplicate section: validated, left out of cross-checks */
	int    bad;      /* had an error: its certificates are not loaded */
	int   *lines;    /* line of each key of the section (its index there), 0 when absent */
	int   *blines;   /* [site]: the line of each binding */
};

struct conf_index {
	struct strhash sslcerts;   /* binding_sslkey_hashkey -> index + 1 */
	struct strhash sites;      /* lowercased name -> index + 1 */
	const void      *sslbase, *sitebase;
	size_t           nssl, nsite;
};

struct conf_parser {
	struct conf            *c;
	const char             *name;     /* file name used in messages */
	char                   *dir;      /* directory for relative paths; NULL: as written */
	int                     flags;
	const char             *text;
	size_t                  len, pos;
	int                     line;
	/* the section being read */
	enum conf_sec           sec;
	char                   *label;    /* "[site MySite V1]" as written */
	int                     sec_line;
	size_t                  sec_nmsgs; /* errors before this section began */
	int                    *cur_lines; /* the lines array of the section being read */
	const struct conf_key  *sec_keys;  /* its keys */
	size_t                  sec_nkeys;
	/* [server] */
	int                     server_line;
	int                     server_lines[128];
	struct conf_entry_info *sslinfo;  /* parallel to c->sslcerts */
	struct conf_entry_info *siteinfo; /* parallel to c->sites */
	struct conf_entry_info *locinfo;  /* parallel to c->locations */
	size_t                  capssl, capsite, caploc;
	struct strhash        sslnames, sitenames; /* duplicate sections */
	/* errors */
	struct conf_msg        *msgs;
	size_t                  nmsgs, capmsgs;
	int                     nomem;
};

static void conf_error(struct conf_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
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

static void conf_warning(struct conf_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
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

static char *
conf_strdup(struct conf_parser *p, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		p->nomem = 1;
	return d;
}

/* ---- section headers ---- */

/* ASCII blank, as inih and the INI format mean it. */
static int
conf_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r' || ch == '\n';
}

/*
 * Find the inside of "[kind name]": after the kind word a name may be quoted, and a quoted
 * name may hold "]" and ";".  Outside quotes a ";" after a blank starts a comment.
 * *rest_at is where the text after "]" (before any comment) starts, *rest_end its end.
 */
static int
conf_header_scan(const char *t, size_t len, size_t *open, size_t *close, size_t *rest_at,
    size_t *rest_end, char *err, size_t errlen)
{
	size_t i = 0, end = len, last = (size_t)-1;
	int quoted = 0;

	while (i < len && conf_blank((unsigned char)t[i]))
		i++;
	if (i == len || t[i] != '[') {
		snprintf(err, errlen, "not a section header");
		return -1;
	}
	*open = ++i;
	/* the kind word, then blanks: a quote here opens a quoted name */
	while (i < len && !conf_blank((unsigned char)t[i]) && t[i] != ']' && t[i] != '"')
		i++;
	while (i < len && conf_blank((unsigned char)t[i]))
		i++;
	if (i < len && t[i] == '"') {
		quoted = 1;
		for (i++; i < len && t[i] != '"'; i++)
			if (t[i] == '\\' && i + 1 < len)
				i++;
		if (i >= len) {
			snprintf(err, errlen, "section header with an unterminated quoted name");
			return -1;
		}
		i++;
	}
	for (; i < len; i++) {
		if (t[i] == ';' && i > 0 && conf_blank((unsigned char)t[i - 1])) {
			end = i;
			break;
		}
		if (t[i] == ']' && (quoted ? last == (size_t)-1 : 1))
			last = i;
	}
	if (last == (size_t)-1) {
		snprintf(err, errlen, "section header without a closing \"]\"");
		return -1;
	}
	*close = last;
	*rest_at = last + 1;
	while (end > *rest_at && conf_blank((unsigned char)t[end - 1]))
		end--;
	while (*rest_at < end && conf_blank((unsigned char)t[*rest_at]))
		(*rest_at)++;
	*rest_end = end;
	return 0;
}

int
conf_header_find(const char *text, size_t len, size_t *open, size_t *close)
{
	size_t ra, re;
	char err[128];

	if (conf_header_scan(text, len, open, close, &ra, &re, err, sizeof(err)) != 0)
		return -1;
	return ra == re ? 0 : -1;
}

int
conf_header_parse(const char *inside, char **kind, char **name, char *err, size_t errlen)
{
	const char *p = inside, *k, *end;
	char *out = NULL;
	size_t n = 0;

	*kind = *name = NULL;
	while (conf_blank((unsigned char)*p))
		p++;
	k = p;
	while (*p != '\0' && !conf_blank((unsigned char)*p) && *p != '"')
		p++;
	if ((*kind = strndup(k, (size_t)(p - k))) == NULL)
		goto nomem;
	while (conf_blank((unsigned char)*p))
		p++;
	if (*p != '"') {
		end = p + strlen(p);
		while (end > p && conf_blank((unsigned char)end[-1]))
			end--;
		if ((*name = strndup(p, (size_t)(end - p))) == NULL)
			goto nomem;
		return 0;
	}
	if ((out = malloc(strlen(p) + 1)) == NULL)
		goto nomem;
	for (p++; *p != '\0' && *p != '"'; p++) {
		int hi, lo;

		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		switch (*++p) {
		case '"':  out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case 'n':  out[n++] = '\n'; break;
		case 'r':  out[n++] = '\r'; break;
		case 't':  out[n++] = '\t'; break;
		case 'x':
			if ((hi = OPENSSL_hexchar2int((unsigned char)p[1])) < 0 ||
			    (lo = OPENSSL_hexchar2int((unsigned char)p[2])) < 0) {
				snprintf(err, errlen, "\\x in a quoted name needs two hex digits");
				goto fail;
			}
			if (hi == 0 && lo == 0) {
				snprintf(err, errlen, "a name cannot hold a NUL (\\x00)");
				goto fail;
			}
			out[n++] = (char)(hi * 16 + lo);
			p += 2;
			break;
		case '\0':
			p--;
			snprintf(err, errlen, "a quoted name ends in a lone \\");
			goto fail;
		default:
			snprintf(err, errlen, "unknown escape \\%c in a quoted name (use \\\" \\\\ "
			    "\\n \\r \\t or \\xHH)", *p);
			goto fail;
		}
	}
	if (*p != '"') {
		snprintf(err, errlen, "unterminated quoted name");
		goto fail;
	}
	for (p++; conf_blank((unsigned char)*p); p++)
		;
	if (*p != '\0') {
		snprintf(err, errlen, "unexpected text \"%s\" after the quoted name", p);
		goto fail;
	}
	out[n] = '\0';
	*name = out;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(out);
	free(*kind);
	*kind = NULL;
	return -1;
}

char *
conf_name_quote(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = strlen(name), i;
	int need = n == 0 || conf_blank(p[0]) || conf_blank(p[n - 1]) || p[0] == '"';
	char *out, *q;

	for (i = 0; i < n && !need; i++)
		need = p[i] < 0x20 || p[i] == 0x7f || p[i] == ';';
	if (!need)
		return strdup(name);
	if ((out = malloc(n * 4 + 3)) == NULL)
		return NULL;
	q = out;
	*q++ = '"';
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '"':  *q++ = '\\'; *q++ = '"'; break;
		case '\\': *q++ = '\\'; *q++ = '\\'; break;
		case '\n': *q++ = '\\'; *q++ = 'n'; break;
		case '\r': *q++ = '\\'; *q++ = 'r'; break;
		case '\t': *q++ = '\\'; *q++ = 't'; break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				q += sprintf(q, "\\x%02x", p[i]);
			else
				*q++ = (char)p[i];
		}
	}
	*q++ = '"';
	*q = '\0';
	return out;
}

/* "[site NAME]" for messages, NAME quoted when it must be. */
static void
conf_site_label(const struct conf_site *s, char *buf, size_t len)
{
	char *q = conf_name_quote(s->name);

	snprintf(buf, len, "[site %s]", q != NULL ? q : s->name);
	free(q);
}

/* ---- values ---- */

/* Replace *dst by a copy of s. */
static void
conf_set_str(struct conf_parser *p, char **dst, const char *s)
{
	free(*dst);
	*dst = conf_strdup(p, s);
}

/* A path as written, resolved against the directory of the configuration file. */
static void
conf_set_path(struct conf_parser *p, char **dst, const char *path)
{
	free(*dst);
	*dst = NULL;
	if (path[0] == '/' || p->dir == NULL) {
		*dst = conf_strdup(p, path);
		return;
	}
	if (asprintf(dst, "%s%s%s", p->dir, strcmp(p->dir, "/") == 0 ? "" : "/", path) < 0) {
		*dst = NULL;
		p->nomem = 1;
	}
}

/* Decimal digits only, no sign, no spaces; within [min, max]. */
static int
conf_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (ULONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
conf_guid_valid(const char *s)
{
	static const char pattern[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
	size_t i;

	if (strlen(s) != sizeof(pattern) - 1)
		return 0;
	for (i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == 'x') {
			if (!isxdigit((unsigned char)s[i]))
				return 0;
		} else if (s[i] != pattern[i]) {
			return 0;
		}
	}
	return 1;
}

/* 40 hex digits; spaces are ignored, as netsh users paste thumbprints with them. */
static int
conf_thumbprint_valid(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (!isxdigit((unsigned char)*s))
			return 0;
		n++;
	}
	return n == 40;
}

/* A backend host name: letters, digits, '-', '_', dot-separated non-empty labels. */
static int
conf_hostname_valid(const char *s)
{
	size_t label = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/*
 * "http://HOST[:PORT][/]" with HOST a name, an IPv4 address or a bracketed IPv6 address.
 * Fills *host (brackets removed) and *port ("80" when omitted).  0 or -1 with a message.
 */
static int
conf_backend_parse(const char *v, char **host, char **port, char *msg, size_t msglen)
{
	const char *h, *end, *rest;
	char buf[INI_MAX_LINE + 1];
	unsigned long pnum;
	struct in6_addr a6;
	struct in_addr a4;
	size_t hlen;

	*host = *port = NULL;
	if (strncasecmp(v, "https://", 8) == 0) {
		snprintf(msg, msglen, "backend \"%s\": only http:// backends are supported "
		    "(sysbind terminates TLS and talks plain HTTP to the backend)", v);
		return -1;
	}
	if (strncasecmp(v, "http://", 7) != 0) {
		snprintf(msg, msglen, "backend \"%s\" must be http://HOST:PORT", v);
		return -1;
	}
	h = v + 7;
	if (*h == '[') {
		if ((end = strchr(h, ']')) == NULL) {
			snprintf(msg, msglen, "backend \"%s\": unterminated IPv6 address", v);
			return -1;
		}
		hlen = (size_t)(end - h - 1);
		if (hlen >= sizeof(buf))
			hlen = sizeof(buf) - 1;
		memcpy(buf, h + 1, hlen);
		buf[hlen] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1) {
			snprintf(msg, msglen, "backend \"%s\": \"%s\" is not an IPv6 address", v, buf);
			return -1;
		}
		rest = end + 1;
	} else {
		end = h + strcspn(h, ":/");
		hlen = (size_t)(end - h);
		if (hlen >= sizeof(buf))
			hlen = sizeof(buf) - 1;
		memcpy(buf, h, hlen);
		buf[hlen] = '\0';
		if (hlen == 0) {
			snprintf(msg, msglen, "backend \"%s\" has no host: use http://HOST:PORT", v);
			return -1;
		}
		if (strspn(buf, "0123456789.") == hlen) {
			if (inet_pton(AF_INET, buf, &a4) != 1) {
				snprintf(msg, msglen, "backend \"%s\": \"%s\" is not an IPv4 address",
				    v, buf);
				return -1;
			}
		} else if (!conf_hostname_valid(buf)) {
			snprintf(msg, msglen, "backend \"%s\": \"%s\" is not a host name, IPv4 "
			    "address or [IPv6] address", v, buf);
			return -1;
		}
		rest = end;
	}
	if (*rest == ':') {
		char pbuf[16];
		size_t plen = strcspn(rest + 1, "/");

		if (plen >= sizeof(pbuf))
			plen = sizeof(pbuf) - 1;
		memcpy(pbuf, rest + 1, plen);
		pbuf[plen] = '\0';
		if (conf_parse_ulong(pbuf, 1, 65535, &pnum) != 0) {
			snprintf(msg, msglen, "backend \"%s\": port must be a number from 1 to 65535",
			    v);
			return -1;
		}
		rest += 1 + strcspn(rest + 1, "/");
	} else {
		pnum = 80;
	}
	if (*rest != '\0' && strcmp(rest, "/") != 0) {
		snprintf(msg, msglen, "backend \"%s\": a backend is http://HOST:PORT with no path "
		    "(the request's path is forwarded unchanged)", v);
		return -1;
	}
	*host = strdup(buf);
	if (asprintf(port, "%lu", pnum) < 0)
		*port = NULL;
	if (*host == NULL || *port == NULL) {
		free(*host);
		free(*port);
		*host = *port = NULL;
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return 0;
}

/* "auto or a number from 1 to 64", "iis7 or iis8": what a key accepts, for messages. */
static void
conf_key_accepts(const struct conf_key *k, char *buf, size_t len)
{
	size_t off = 0, i, n = 0;

	buf[0] = '\0';
	while (k->words != NULL && k->words[n].word != NULL)
		n++;
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
		    i == 0 ? "" : i + 1 == n && k->type != CONF_TYPE_NUMBER ? " or " : ", ",
		    k->words[i].word);
	if (k->type == CONF_TYPE_NUMBER && off < len)
		snprintf(buf + off, len - off, "%sa number from %lu to %lu", n > 0 ? " or " : "",
		    k->min, k->max);
}

/* Store v into a field of size bytes (an unsigned/int/enum or an unsigned long/long). */
static void
conf_store_number(void *field, size_t size, unsigned long v)
{
	if (size == sizeof(unsigned)) {
		unsigned u = (unsigned)v;

		memcpy(field, &u, sizeof(u));
	} else {
		memcpy(field, &v, sizeof(v));
	}
}

static void conf_site_bindings(struct conf_parser *p, struct conf_site *s,
    struct conf_entry_info *info, const char *v);

/*
 * IIS's flag names joined by commas, each once ("Ssl, SslRequireCert"; "None" alone), or a
 * number made only of the named bits.  Names compare without case, as IIS reads them.
 * Returns 0 with *out, or -1 with what was wrong (for the value of name) in msg.
 */
int
conf_flag_words_parse(const struct conf_word *words, const char *name, const char *v,
    unsigned long *out, char *msg, size_t msglen)
{
	unsigned long all = 0, got = 0, n;
	const char *q;
	size_t i, len;
	int none = 0, names = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	q = v;
	for (i = 0; words[i].word != NULL; i++)
		all |= (unsigned long)words[i].value;
	if (*v >= '0' && *v <= '9') {
		if (conf_parse_ulong(v, 0, ULONG_MAX, &n) != 0 || (n & ~all) != 0) {
			snprintf(msg, msglen, "%s \"%s\": a number may only hold the bits of the "
			    "names (%lu in all)", name, v, all);
			return -1;
		}
		*out = n;
		return 0;
	}
	for (;;) {
		while (*q == ' ' || *q == '\t')
			q++;
		len = strcspn(q, ",");
		while (len > 0 && (q[len - 1] == ' ' || q[len - 1] == '\t'))
			len--;
		for (i = 0; words[i].word != NULL; i++)
			if (strlen(words[i].word) == len && strncasecmp(q, words[i].word, len) == 0)
				break;
		if (len == 0 || words[i].word == NULL) {
			size_t off = 0, k;

			off = (size_t)snprintf(msg, msglen, "%s: \"%.*s\" is not one of ", name,
			    (int)len, q);
			for (k = 0; words[k].word != NULL; k++)
				off += (size_t)snprintf(msg + (off < msglen ? off : msglen),
				    off < msglen ? msglen - off : 0, "%s%s", k == 0 ? "" :
				    words[k + 1].word == NULL ? " or " : ", ", words[k].word);
			return -1;
		}
		if (got & (unsigned long)words[i].value) {
			snprintf(msg, msglen, "%s: %s given twice", name, words[i].word);
			return -1;
		}
		if (words[i].value == 0)
			none = 1;
		names++;
		got |= (unsigned long)words[i].value;
		q += strcspn(q, ",");
		if (*q == '\0')
			break;
		q++;
	}
	if (none && names > 1) {
		snprintf(msg, msglen, "%s: None cannot be combined with other names", name);
		return -1;
	}
	*out = got;
	return 0;
}

/* An HTTP header field name (RFC 9110 token); "" when EMPTY_OK.  Names sysbind writes
 * or removes itself are refused, in every spelling a CGI-style backend reads as the same
 * variable (http_name_eq_cgi: X_Forwarded_For would be HTTP_X_FORWARDED_FOR twice). */
static int
conf_header_valid(const char *v, char *msg, size_t msglen)
{
	static const char *const own[] = { "host", "content-length", "transfer-encoding",
	    "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
	    "http2-settings", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host" };
	const char *p;
	size_t i;

	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL) {
			snprintf(msg, msglen, "\"%s\" is not a header name (letters, digits and "
			    "!#$%%&'*+-.^_`|~ only)", v);
			return -1;
		}
	if (p - v > 128) {
		snprintf(msg, msglen, "\"%.40s...\" is longer than 128 characters", v);
		return -1;
	}
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (http_name_eq_cgi(v, strlen(v), own[i], strlen(own[i]))) {
			snprintf(msg, msglen, "%s is a header sysbind itself writes or removes: "
			    "choose another name, e.g. X-ARR-ClientCert", v);
			return -1;
		}
	return 0;
}

/* v as a FLAGS key spells it: its names in table order, joined by ", "; "None" (the
 * name of 0) when no bit is set. */
static const char *
conf_flags_format(const struct conf_key *k, unsigned long v, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; k->words[i].word != NULL; i++) {
		unsigned long bit = (unsigned long)k->words[i].value;

		if (bit == 0 ? v != 0 : (v & bit) != bit)
			continue;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
		    off > 0 ? ", " : "", k->words[i].word);
	}
	return buf;
}

/* Append a copy of path (resolved) to the NULL-terminated list at field. */
static void
conf_list_append(struct conf_parser *p, char ***field, const char *path)
{
	char *one = NULL, **list;
	size_t n = 0;

	conf_set_path(p, &one, path);
	if (one == NULL)
		return;
	while (*field != NULL && (*field)[n] != NULL)
		n++;
	if ((list = realloc(*field, (n + 2) * sizeof(*list))) == NULL) {
		free(one);
		p->nomem = 1;
		return;
	}
	list[n] = one;
	list[n + 1] = NULL;
	*field = list;
}

static void
conf_list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/*
 * Set key k of the entry at base (struct conf, conf_sslcert or conf_site) from v, as the
 * file spells it; a bad value is an error at the current line.  Defaults come through here
 * too, so every default obeys its own key's rules.
 */
static void
conf_key_set(struct conf_parser *p, void *base, struct conf_entry_info *info,
    const struct conf_key *k, const char *v)
{
	void *field = (char *)base + k->offset;
	char accepts[256], msg[512];
	unsigned long n;
	size_t i;

	if (*v == '\0' && !(k->flags & CONF_KEY_EMPTY_OK) && k->type != CONF_TYPE_NUMBER &&
	    k->type != CONF_TYPE_WORD && k->type != CONF_TYPE_LOG) {
		if (k->type == CONF_TYPE_BINDINGS)
			conf_error(p, p->line, "bindings needs a value: protocol/IP:Port:Host, ...");
		else
			conf_error(p, p->line, "%s needs a value%s%s%s", k->name,
			    k->value != NULL ? " (" : "", k->value != NULL ? k->value : "",
			    k->value != NULL ? ")" : "");
		return;
	}
	switch (k->type) {
	case CONF_TYPE_NUMBER:
	case CONF_TYPE_WORD:
		for (i = 0; k->words != NULL && k->words[i].word != NULL; i++) {
			if (strcmp(v, k->words[i].word) == 0) {
				conf_store_number(field, k->size, (unsigned long)k->words[i].value);
				return;
			}
		}
		if (k->type == CONF_TYPE_NUMBER && conf_parse_ulong(v, k->min, k->max, &n) == 0) {
			conf_store_number(field, k->size, n);
			return;
		}
		conf_key_accepts(k, accepts, sizeof(accepts));
		conf_error(p, p->line, "%s must be %s, not \"%s\"", k->name, accepts, v);
		return;
	case CONF_TYPE_PATH:
		if (k->flags & CONF_KEY_REPEAT)
			conf_list_append(p, (char ***)field, v);
		else
			conf_set_path(p, (char **)field, v);
		return;
	case CONF_TYPE_SWITCH:
		for (i = 0; k->words[i].word != NULL; i++) {
			if (strcmp(v, k->words[i].word) == 0) {
				unsigned bits;

				memcpy(&bits, field, sizeof(bits));
				if (k->words[i].value)
					bits |= (unsigned)k->bit;
				else
					bits &= ~(unsigned)k->bit;
				memcpy(field, &bits, sizeof(bits));
				return;
			}
		}
		conf_error(p, p->line, "%s must be enable or disable, not \"%s\"", k->name, v);
		return;
	case CONF_TYPE_FLAGS:
		if (conf_flag_words_parse(k->words, k->name, v, &n, msg, sizeof(msg)) != 0)
			conf_error(p, p->line, "%s", msg);
		else
			conf_store_number(field, k->size, n);
		return;
	case CONF_TYPE_HEADER:
		if (conf_header_valid(v, msg, sizeof(msg)) != 0)
			conf_error(p, p->line, "%s: %s", k->name, msg);
		else
			conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_LOG:
		if (*v == '\0')
			conf_error(p, p->line, "%s must be a path, - (stdout) or off", k->name);
		else if (strcmp(v, "off") == 0) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (strcmp(v, "-") == 0)
			conf_set_str(p, (char **)field, "-");
		else
			conf_set_path(p, (char **)field, v);
		return;
	case CONF_TYPE_STRING:
		conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_GUID:
		if (!conf_guid_valid(v))
			conf_error(p, p->line, "%s must be a GUID in braces, e.g. "
			    "{4dc3e181-e14b-4a21-b022-59fc669b0914}, not \"%s\"", k->name, v);
		else
			conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_THUMBPRINT:
		if (!conf_thumbprint_valid(v))
			conf_error(p, p->line, "%s must be a SHA-1 thumbprint of 40 hex digits, not "
			    "\"%s\"", k->name, v);
		else
			conf_set_str(p, (char **)field, v);
		return;
	case CONF_TYPE_BINDINGS:
		conf_site_bindings(p, base, info, v);
		return;
	case CONF_TYPE_BACKEND: {
		struct conf_site *s = base;

		free(s->backend);
		free(s->backend_host);
		free(s->backend_port);
		s->backend = s->backend_host = s->backend_port = NULL;
		if (conf_backend_parse(v, &s->backend_host, &s->backend_port, msg,
		    sizeof(msg)) != 0)
			conf_error(p, p->line, "%s", msg);
		else
			s->backend = conf_strdup(p, v);
		return;
	}
	}
}

/* The index of key name in the section being read, or -1. */
static int
conf_key_index(const struct conf_parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->sec_nkeys; i++)
		if (strcmp(p->sec_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The index of a key the code itself names in a section (a table row that must exist). */
static int
conf_key_at(enum conf_section section, const char *name)
{
	size_t n;
	const struct conf_key *first = conf_section_keys(section, &n);
	const struct conf_key *k = conf_key_find(section, name);

	return k != NULL ? (int)(k - first) : 0;
}

static unsigned
conf_kind_flag(enum sslcert_kind kind)
{
	return kind == SSLCERT_IPPORT ? CONF_KEY_IPPORT :
	    kind == SSLCERT_HOSTNAMEPORT ? CONF_KEY_HOSTNAMEPORT : CONF_KEY_CCS;
}

/* inih's handler: one key = value of the section the reader last saw. */
static int
conf_ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parser *p = user;
	struct conf_entry_info *info = NULL;
	const struct conf_key *k;
	void *base;
	int idx;

	(void)section; /* inih truncates long section names; the reader's copy is used */
	if (value == NULL)
		value = "";
	if (name == NULL)
		return 1;
	if (*name == '\0') {
		conf_error(p, p->line, "missing key name before \"=\"");
		return 1;
	}
	switch (p->sec) {
	case SEC_SERVER:
		base = p->c;
		break;
	case SEC_SSLCERT:
		base = &p->c->sslcerts[p->c->nsslcerts - 1];
		info = &p->sslinfo[p->c->nsslcerts - 1];
		break;
	case SEC_SITE:
		base = &p->c->sites[p->c->nsites - 1];
		info = &p->siteinfo[p->c->nsites - 1];
		break;
	case SEC_LOCATION:
		base = &p->c->locations[p->c->nlocations - 1];
		info = &p->locinfo[p->c->nlocations - 1];
		break;
	default:
		return 1;
	}
	idx = conf_key_index(p, name);
	k = idx >= 0 ? &p->sec_keys[idx] : NULL;
	if (k != NULL && p->sec == SEC_SSLCERT &&
	    (k->flags & conf_kind_flag(((struct conf_sslcert *)base)->key.kind)) == 0)
		k = NULL;
	if (k == NULL) {
		conf_error(p, p->line, "unknown key \"%s\" in %s", name, p->label);
		return 1;
	}
	if (p->cur_lines[idx] != 0 && !(k->flags & CONF_KEY_REPEAT)) {
		conf_error(p, p->line, "duplicate key \"%s\" in %s (first at line %d)", name,
		    p->label, p->cur_lines[idx]);
		return 1;
	}
	p->cur_lines[idx] = p->line;
	conf_key_set(p, base, info, k, value);
	return 1; /* errors are collected here, never through inih's return value */
}

static void
conf_site_bindings(struct conf_parser *p, struct conf_site *s, struct conf_entry_info *info,
    const char *v)
{
	char item[INI_MAX_LINE + 1], msg[512];
	const char *q = v;
	struct binding b, *nb;
	int *nl;

	for (;;) {
		size_t n = strcspn(q, ","), a = 0, z = n;

		while (a < z && isspace((unsigned char)q[a]))
			a++;
		while (z > a && isspace((unsigned char)q[z - 1]))
			z--;
		if (z - a >= sizeof(item))
			z = a + sizeof(item) - 1;
		memcpy(item, q + a, z - a);
		item[z - a] = '\0';
		if (item[0] == '\0') {
			conf_error(p, p->line, "empty binding in the list (bindings are separated by "
			    "commas: https/*:443:host, http/*:80:host)");
		} else if (binding_parse(item, &b, msg, sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
		} else if ((nb = realloc(s->bindings, (s->nbindings + 1) * sizeof(*nb))) == NULL) {
			p->nomem = 1;
		} else {
			s->bindings = nb;
			if ((nl = realloc(info->blines, (s->nbindings + 1) * sizeof(*nl))) == NULL) {
				p->nomem = 1;
			} else {
				info->blines = nl;
				info->blines[s->nbindings] = p->line;
				s->bindings[s->nbindings++] = b;
			}
		}
		if (q[n] == '\0')
			break;
		q += n + 1;
	}
}

/* The checks that need the whole section: required keys, keys that exclude each other,
 * the defaults of what was not set. */
static void
conf_section_end(struct conf_parser *p)
{
	struct conf_entry_info *info = NULL;
	void *base = NULL;
	size_t i;

	if (p->sec == SEC_SSLCERT) {
		struct conf_sslcert *e = &p->c->sslcerts[p->c->nsslcerts - 1];
		static const char *const src[] = { "certificate", "pfx", "certhash" };
		int first = -1, kcert, kkey, kpfx, kpw, kch;

		info = &p->sslinfo[p->c->nsslcerts - 1];
		base = e;
		kcert = conf_key_at(CONF_SECTION_SSLCERT, "certificate");
		kkey = conf_key_at(CONF_SECTION_SSLCERT, "key");
		kpfx = conf_key_at(CONF_SECTION_SSLCERT, "pfx");
		kpw = conf_key_at(CONF_SECTION_SSLCERT, "pfx_password");
		kch = conf_key_at(CONF_SECTION_SSLCERT, "certhash");
		if (e->key.kind == SSLCERT_CCS) {
			if (info->lines[conf_key_at(CONF_SECTION_SSLCERT, "directory")] == 0)
				conf_error(p, p->sec_line, "%s needs directory (the Central Certificate "
				    "Store's folder of <host>.pfx files)", p->label);
		} else {
			for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
				int ki = conf_key_at(CONF_SECTION_SSLCERT, src[i]);

				if (info->lines[ki] == 0)
					continue;
				if (first < 0) {
					first = (int)i;
					continue;
				}
				conf_error(p, info->lines[ki], "%s has both %s (line %d) and %s: use "
				    "exactly one of certificate, pfx or certhash", p->label, src[first],
				    info->lines[conf_key_at(CONF_SECTION_SSLCERT, src[first])], src[i]);
			}
			if (first < 0)
				conf_error(p, p->sec_line, "%s needs one of certificate, pfx or certhash",
				    p->label);
			if (info->lines[kkey] != 0 && info->lines[kcert] == 0)
				conf_error(p, info->lines[kkey], "key is only used with certificate "
				    "(a PEM chain) in %s", p->label);
			if (info->lines[kpw] != 0 && info->lines[kpfx] == 0 && info->lines[kch] == 0)
				conf_error(p, info->lines[kpw], "pfx_password is only used with pfx or "
				    "certhash in %s", p->label);
		}
	} else if (p->sec == SEC_SITE || p->sec == SEC_LOCATION) {
		if (p->sec == SEC_SITE) {
			info = &p->siteinfo[p->c->nsites - 1];
			base = &p->c->sites[p->c->nsites - 1];
		} else {
			info = &p->locinfo[p->c->nlocations - 1];
			base = &p->c->locations[p->c->nlocations - 1];
		}
		for (i = 0; i < p->sec_nkeys; i++)
			if ((p->sec_keys[i].flags & CONF_KEY_REQUIRED) && info->lines[i] == 0)
				conf_error(p, p->sec_line, "%s needs %s", p->label, p->sec_keys[i].name);
	}
	if (info != NULL) {
		unsigned kind = p->sec == SEC_SSLCERT ?
		    conf_kind_flag(((struct conf_sslcert *)base)->key.kind) : 0;
		int line = p->line;

		/* the defaults of the keys this entry did not set (a default is never bad) */
		p->line = p->sec_line;
		for (i = 0; i < p->sec_nkeys; i++) {
			const struct conf_key *k = &p->sec_keys[i];

			if (k->def == NULL || info->lines[i] != 0 ||
			    (kind != 0 && (k->flags & kind) == 0))
				continue;
			conf_key_set(p, base, info, k, k->def);
		}
		p->line = line;
		if (p->sec == SEC_SSLCERT) {
			struct conf_sslcert *e = base;

			/* the store's name is shown as written; its directory is beside the file */
			if (e->sslctlstorename != NULL)
				conf_set_path(p, &e->sslctlstore, e->sslctlstorename);
		}
		if (p->nmsgs > p->sec_nmsgs)
			info->bad = 1;
	}
	p->sec = SEC_NONE;
}

/* Grow c->sslcerts / c->sites and their info arrays by one zeroed entry, geometrically. */
static int
conf_grow(struct conf_parser *p, void **arr, size_t elem, struct conf_entry_info **info,
    size_t n, size_t *cap, size_t nkeys)
{
	void *na;
	struct conf_entry_info *ni;

	if (n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		if ((na = realloc(*arr, ncap * elem)) == NULL) {
			p->nomem = 1;
			return -1;
		}
		*arr = na;
		if ((ni = realloc(*info, ncap * sizeof(*ni))) == NULL) {
			p->nomem = 1;
			return -1;
		}
		*info = ni;
		*cap = ncap;
	}
	memset((char *)*arr + n * elem, 0, elem);
	memset(&(*info)[n], 0, sizeof(**info));
	if (((*info)[n].lines = calloc(nkeys > 0 ? nkeys : 1, sizeof(int))) == NULL) {
		p->nomem = 1;
		return -1;
	}
	return 0;
}

/* A section header: inside is what lies between the brackets, as written. */
static void
conf_section_begin(struct conf_parser *p, const char *inside)
{
	struct conf *c = p->c;
	char msg[512], hk[BINDING_HOST_MAX + 64], *kind = NULL, *rest = NULL, *key;
	ENTRY *ent;
	size_t i;

	conf_section_end(p);
	p->sec = SEC_SKIP;
	p->sec_line = p->line;
	p->sec_nmsgs = p->nmsgs;
	p->cur_lines = NULL;
	p->sec_nkeys = 0;
	/* the label names the section as the file spells it: "[site A]", "[site \" A\"]" */
	{
		const char *r = inside, *w;
		size_t kl, wl;

		while (conf_blank((unsigned char)*r))
			r++;
		for (kl = 0; r[kl] != '\0' && !conf_blank((unsigned char)r[kl]) && r[kl] != '"'; kl++)
			;
		for (w = r + kl; conf_blank((unsigned char)*w); w++)
			;
		for (wl = strlen(w); wl > 0 && conf_blank((unsigned char)w[wl - 1]); wl--)
			;
		free(p->label);
		if ((wl > 0 ? asprintf(&p->label, "[%.*s %.*s]", (int)kl, r, (int)wl, w) :
		    asprintf(&p->label, "[%.*s]", (int)kl, r)) < 0) {
			p->label = NULL;
			p->nomem = 1;
			return;
		}
	}
	if (conf_header_parse(inside, &kind, &rest, msg, sizeof(msg)) != 0) {
		conf_error(p, p->line, "%s: %s", p->label, msg);
		return;
	}

	if (strcmp(kind, "server") == 0) {
		if (*rest != '\0') {
			conf_error(p, p->line, "%s: the server section takes no name: [server]",
			    p->label);
		} else if (p->server_line != 0) {
			conf_error(p, p->line, "duplicate section [server] (first at line %d)",
			    p->server_line);
		} else {
			p->server_line = p->line;
			p->sec = SEC_SERVER;
			p->sec_keys = conf_section_keys(CONF_SECTION_SERVER, &p->sec_nkeys);
			p->cur_lines = p->server_lines;
		}
	} else if (strcmp(kind, "sslcert") == 0) {
		struct sslcert_key k;
		struct conf_sslcert *e;
		int dup = 0;

		if (*rest == '\0') {
			conf_error(p, p->line, "[sslcert] needs a key: [sslcert 0.0.0.0:443] (ipport), "
			    "[sslcert name:443] (hostnameport) or [sslcert ccs:443]");
			goto done;
		}
		if (binding_sslkey_parse(rest, &k, msg, sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
			goto done;
		}
		binding_sslkey_hashkey(&k, hk, sizeof(hk));
		if ((ent = strhash_enter(&p->sslnames, hk, c->nsslcerts + 1, NULL)) == NULL) {
			p->nomem = 1;
			goto done;
		}
		if ((size_t)(uintptr_t)ent->data != c->nsslcerts + 1) {
			i = (size_t)(uintptr_t)ent->data - 1;
			conf_error(p, p->line, "duplicate section %s: the same certificate binding as "
			    "[sslcert %s] (line %d)", p->label, c->sslcerts[i].name,
			    c->sslcerts[i].line);
			dup = 1;
		}
		p->sec_keys = conf_section_keys(CONF_SECTION_SSLCERT, &p->sec_nkeys);
		if (conf_grow(p, (void **)&c->sslcerts, sizeof(*c->sslcerts), &p->sslinfo,
		    c->nsslcerts, &p->capssl, p->sec_nkeys) != 0)
			goto done;
		e = &c->sslcerts[c->nsslcerts];
		p->sslinfo[c->nsslcerts].dup = dup;
		p->cur_lines = p->sslinfo[c->nsslcerts].lines;
		c->nsslcerts++;
		e->key = k;
		e->name = conf_strdup(p, rest);
		e->line = p->line;
		p->sec = SEC_SSLCERT;
	} else if (strcmp(kind, "site") == 0) {
		struct conf_site *s;
		int dup = 0;

		if (*rest == '\0') {
			conf_error(p, p->line, "[site] needs a name: [site NAME]");
			goto done;
		}
		if ((key = strhash_lower(rest)) == NULL ||
		    (ent = strhash_enter(&p->sitenames, key, c->nsites + 1, NULL)) == NULL) {
			free(key);
			p->nomem = 1;
			goto done;
		}
		free(key);
		if ((size_t)(uintptr_t)ent->data != c->nsites + 1) {
			i = (size_t)(uintptr_t)ent->data - 1;
			conf_error(p, p->line, "duplicate section %s (first at line %d)", p->label,
			    c->sites[i].line);
			dup = 1;
		}
		p->sec_keys = conf_section_keys(CONF_SECTION_SITE, &p->sec_nkeys);
		if (conf_grow(p, (void **)&c->sites, sizeof(*c->sites), &p->siteinfo,
		    c->nsites, &p->capsite, p->sec_nkeys) != 0)
			goto done;
		s = &c->sites[c->nsites];
		p->siteinfo[c->nsites].dup = dup;
		p->cur_lines = p->siteinfo[c->nsites].lines;
		c->nsites++;
		s->name = rest;
		rest = NULL;
		s->line = p->line;
		p->sec = SEC_SITE;
	} else if (strcmp(kind, "location") == 0) {
		struct conf_location *l;

		if (*rest == '\0') {
			conf_error(p, p->line, "[location] needs a site and a path, as IIS's <location "
			    "path=\"SITE/PATH\">: [location MySite V2/secure]");
			goto done;
		}
		p->sec_keys = conf_section_keys(CONF_SECTION_LOCATION, &p->sec_nkeys);
		if (conf_grow(p, (void **)&c->locations, sizeof(*c->locations), &p->locinfo,
		    c->nlocations, &p->caploc, p->sec_nkeys) != 0)
			goto done;
		l = &c->locations[c->nlocations];
		p->cur_lines = p->locinfo[c->nlocations].lines;
		c->nlocations++;
		l->name = rest;
		rest = NULL;
		l->line = p->line;
		p->sec = SEC_LOCATION;
	} else {
		conf_error(p, p->line, "unknown section %s: expected [server], [sslcert KEY], "
		    "[site NAME] or [location SITE/PATH]", p->label);
	}
done:
	free(kind);
	free(rest);
}

/*
 * inih's line reader.  inih calls it once per line; it hands inih the line without its
 * indentation (so INI_ALLOW_MULTILINE never takes an indented key for a continuation),
 * and keeps from inih what inih would misreport or not report at all: over-long lines
 * (inih would split them), section headers (read here, with their quoted names, up to
 * CONF_HEADER_MAX characters; inih says nothing about empty or duplicate sections), and
 * lines that are not key = value (inih names only the first).
 */
static char *
conf_reader_cb(char *str, int num, void *stream)
{
	struct conf_parser *p = stream;
	const char *s, *nl;
	size_t n, limit = num > 1 ? (size_t)num - 1 : 0, a, z;
	char *t, msg[256];

	if (p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl != NULL ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl != NULL);
	p->line++;
	str[0] = '\0';
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (p->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (memchr(s, '\0', n) != NULL) {
		conf_error(p, p->line, "line contains a NUL byte");
		return str;
	}
	for (a = 0; a < n && isspace((unsigned char)s[a]); a++)
		;
	for (z = n; z > a && isspace((unsigned char)s[z - 1]); z--)
		;
	if (a < z && s[a] == '[') {
		size_t open, close, ra, re;
		char *inside;

		if (z - a > CONF_HEADER_MAX) {
			conf_error(p, p->line, "line too long (%zu characters, at most %d for a "
			    "section header)", z - a, CONF_HEADER_MAX);
			conf_section_end(p);
			p->sec = SEC_SKIP;
			return str;
		}
		if (conf_header_scan(s + a, z - a, &open, &close, &ra, &re, msg,
		    sizeof(msg)) != 0) {
			conf_error(p, p->line, "%s", msg);
			conf_section_end(p);
			p->sec = SEC_SKIP; /* its keys are not blamed on the section before */
			return str;
		}
		if ((inside = strndup(s + a + open, close - open)) == NULL) {
			p->nomem = 1;
			return str;
		}
		conf_section_begin(p, inside);
		free(inside);
		if (re > ra)
			conf_error(p, p->line, "unexpected text \"%.*s\" after the section header",
			    (int)(re - ra), s + a + ra);
		return str; /* handled here: inih sees a blank line */
	}
	if (n > limit) {
		conf_error(p, p->line, "line too long (%zu characters, at most %zu)", n, limit);
		return str;
	}
	n = z - a;
	memcpy(str, s + a, n);
	str[n] = '\0';

	if (n == 0 || str[0] == ';' || str[0] == '#')
		return str;
	/* key = value (or inih's key: value); the separator must precede any " ;" comment */
	for (t = str; *t != '\0'; t++) {
		if (*t == '=' || *t == ':')
			break;
		if (*t == ';' && t > str && isspace((unsigned char)t[-1])) {
			t = str + n;
			break;
		}
	}
	if (*t == '\0') {
		conf_error(p, p->line, "syntax error: \"%s\" is not key = value, a [section] or "
		    "a ; comment", str);
		str[0] = '\0';
		return str;
	}
	if (p->sec == SEC_NONE) {
		*t = '\0';
		while (t > str && isspace((unsigned char)t[-1]))
			*--t = '\0';
		conf_error(p, p->line, "key \"%s\" outside any section: it belongs under [server], "
		    "[sslcert KEY], [site NAME] or [location SITE/PATH]", str);
		str[0] = '\0';
	}
	return str;
}

/* ---- checks that need the whole file ---- */

static void
conf_check_sslcerts(struct conf_parser *p)
{
	struct conf *c = p->c;
	size_t i;

	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];
		struct conf_entry_info *info = &p->sslinfo[i];

		if (info->dup)
			continue;
		if (c->mode == CONF_MODE_IIS7 && e->key.kind != SSLCERT_IPPORT) {
			conf_error(p, e->line, "[sslcert %s] is a %s binding: it needs mode = iis8",
			    e->name, e->key.kind == SSLCERT_CCS ? "ccs" : "hostnameport");
			info->bad = 1;
		}
	}
}

/* Which site holds each port's first http and first https binding (index + 1). */
struct conf_port {
	size_t site[2];        /* [BINDING_HTTP], [BINDING_HTTPS] */
	int    reported;
};

/*
 * Site ids unique; a binding once per site, and on one started site only (IIS starts the
 * first site and leaves a second one with the same binding stopped: a stopped site may
 * share it); a port either http or https.  One hash lookup per binding.
 */
static void
conf_check_sites(struct conf_parser *p)
{
	struct conf *c = p->c;
	struct strhash ids, binds, own;
	struct conf_port *ports = NULL;
	size_t *bsite = NULL, *bidx = NULL;
	char key[BINDING_HOST_MAX + 96], text[BINDING_HOST_MAX + 64];
	char la[BINDING_HOST_MAX + 600], lb[BINDING_HOST_MAX + 600];
	size_t i, k, nb = 0, ord = 0;
	int kid = conf_key_at(CONF_SECTION_SITE, "id");
	ENTRY *ent;

	memset(&ids, 0, sizeof(ids));
	memset(&binds, 0, sizeof(binds));
	memset(&own, 0, sizeof(own));
	if (c->nsites == 0)
		return;
	for (i = 0; i < c->nsites; i++)
		nb += c->sites[i].nbindings;
	if (strhash_init(&ids, c->nsites) != 0 || strhash_init(&binds, nb) != 0 ||
	    strhash_init(&own, nb) != 0 || (ports = calloc(65536, sizeof(*ports))) == NULL ||
	    (bsite = calloc(nb + 1, sizeof(*bsite))) == NULL ||
	    (bidx = calloc(nb + 1, sizeof(*bidx))) == NULL) {
		p->nomem = 1;
		goto done;
	}
	for (i = 0; i < c->nsites; i++) {
		struct conf_site *s = &c->sites[i];
		struct conf_entry_info *info = &p->siteinfo[i];

		if (info->dup)
			continue;
		conf_site_label(s, la, sizeof(la));
		if (s->id != 0) {
			snprintf(key, sizeof(key), "%ld", s->id);
			if ((ent = strhash_enter(&ids, key, i + 1, NULL)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			if ((size_t)(uintptr_t)ent->data != i + 1) {
				size_t j = (size_t)(uintptr_t)ent->data - 1;

				conf_site_label(&c->sites[j], lb, sizeof(lb));
				conf_error(p, info->lines[kid], "id %ld of %s is already used by %s (line "
				    "%d)", s->id, la, lb, p->siteinfo[j].lines[kid]);
			}
		}
		for (k = 0; k < s->nbindings; k++, ord++) {
			const struct binding *b = &s->bindings[k];
			int line = info->blines[k];
			struct conf_port *pt = &ports[b->port];
			size_t j, m;
			int n;

			bsite[ord] = i;
			bidx[ord] = k;
			binding_format(b, text, sizeof(text));
			/* twice in this site? */
			n = snprintf(key, sizeof(key), "%zu#", i);
			binding_hashkey(b, key + n, sizeof(key) - (size_t)n);
			if ((ent = strhash_enter(&own, key, ord + 1, NULL)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			if ((size_t)(uintptr_t)ent->data != ord + 1) {
				conf_error(p, line, "binding %s appears twice in %s", text, la);
				continue;
			}
			/* on another site? */
			binding_hashkey(b, key, sizeof(key));
			if ((ent = strhash_enter(&binds, key, ord + 1, NULL)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			m = (size_t)(uintptr_t)ent->data - 1;
			j = bsite[m];
			if (j != i) {
				const struct conf_site *o = &c->sites[j];

				if (!o->stopped && !s->stopped) {
					conf_site_label(o, lb, sizeof(lb));
					conf_error(p, line, "binding %s of %s is already used by %s (line %d): "
					    "IIS starts only the first of two sites with the same binding (give "
					    "the second state = stopped, as IIS leaves it)", text, la, lb,
					    p->siteinfo[j].blines[bidx[m]]);
				} else if (o->stopped && !s->stopped) {
					ent->data = (void *)(uintptr_t)(ord + 1); /* a started site holds it */
				}
			}
			/* a port speaks one protocol */
			if (pt->site[b->proto] == 0)
				pt->site[b->proto] = i + 1;
			if (pt->site[!b->proto] != 0 && !pt->reported) {
				const struct conf_site *o = &c->sites[pt->site[!b->proto] - 1];

				pt->reported = 1;
				conf_site_label(o, lb, sizeof(lb));
				conf_error(p, line, "port %u is used by both http and https bindings (%s in "
				    "%s, %s in %s): a port speaks one protocol", b->port,
				    b->proto == BINDING_HTTPS ? "http" : "https", lb,
				    b->proto == BINDING_HTTPS ? "https" : "http", la);
			}
		}
	}
done:
	strhash_clear(&ids);
	strhash_clear(&binds);
	strhash_clear(&own);
	free(ports);
	free(bsite);
	free(bidx);
}

/*
 * (conf.h) The path of a [location] after its site's name ("", "/", "/a/b/", "/a//b"): "/a/b",
 * empty segments dropped, "/" for the site itself.  "." and ".." segments, a "\\" (HTTP.SYS
 * turns it into "/" before any path is matched) and a segment ending in a dot or a blank
 * (Windows drops those from a name) are refused: no request could ever be matched to them
 * as written.  Returns 0 with a new string in *out, or -1 with msg.
 */
int
conf_location_path(const char *rest, char **out, char *msg, size_t msglen)
{
	char *o = malloc(strlen(rest) + 2);
	size_t n = 0;
	const char *q = rest;

	if (o == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	while (*q != '\0') {
		size_t len;

		while (*q == '/')
			q++;
		if (*q == '\0')
			break;
		len = strcspn(q, "/");
		if ((len == 1 && q[0] == '.') || (len == 2 && q[0] == '.' && q[1] == '.')) {
			snprintf(msg, msglen, "the path may not hold \".\" or \"..\" segments");
			goto fail;
		}
		if (memchr(q, '\\', len) != NULL) {
			snprintf(msg, msglen, "the path is written with \"/\", not \"\\\" (HTTP.SYS "
			    "turns a request's \\ into /)");
			goto fail;
		}
		if (q[len - 1] == '.' || q[len - 1] == ' ') {
			snprintf(msg, msglen, "the segment \"%.*s\" ends in a dot or a blank, which "
			    "Windows drops from a name: write it without", (int)len, q);
			goto fail;
		}
		o[n++] = '/';
		memcpy(o + n, q, len);
		n += len;
		q += len;
	}
	if (n == 0)
		o[n++] = '/';
	o[n] = '\0';
	*out = o;
	return 0;
fail:
	free(o);
	return -1;
}

static size_t
conf_path_depth(const char *path)
{
	size_t d = 0;

	for (; *path != '\0'; path++)
		d += *path == '/' && path[1] != '\0';
	return d;
}

/* site->locations order: the deepest path first (the longest match is the first). */
static int
conf_loc_cmp(const void *a, const void *b, void *arg)
{
	const struct conf_location *base = arg;
	const struct conf_location *x = &base[*(const size_t *)a];
	const struct conf_location *y = &base[*(const size_t *)b];
	size_t dx = conf_path_depth(x->path), dy = conf_path_depth(y->path);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* One http binding of a site, for conf_check_backends' index by port. */
struct conf_http_port {
	unsigned port;
	size_t   site, binding;
};

static int
conf_http_port_cmp(const void *a, const void *b)
{
	const struct conf_http_port *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;   /* file order among equals */
}

/* The first entry of ports[0..n) (sorted) whose port is port, or n. */
static size_t
conf_http_port_first(const struct conf_http_port *ports, size_t n, unsigned port)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ports[mid].port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
conf_backend_is_binding(const char *host, const char *port, const struct binding *b)
{
	unsigned char ip[16];
	int family, loopback, wild_b;
	char *end;
	unsigned long pnum;

	if (host == NULL || port == NULL || b->proto != BINDING_HTTP)
		return 0;
	pnum = strtoul(port, &end, 10);
	if (*end != '\0' || pnum != b->port)
		return 0;
	memset(ip, 0, sizeof(ip));
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0) {
		/* either family's loopback: a binding of either serves it */
		return b->addr.family == AF_UNSPEC || binding_addr_is_wildcard(&b->addr) ||
		    (b->addr.family == AF_INET && b->addr.ip[0] == 127) ||
		    (b->addr.family == AF_INET6 && memcmp(b->addr.ip,
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
	}
	if (inet_pton(AF_INET, host, ip) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, ip) == 1)
		family = AF_INET6;
	else
		return 0;   /* a name: not resolved here */
	loopback = family == AF_INET ? ip[0] == 127 : memcmp(ip,
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	wild_b = b->addr.family == AF_UNSPEC || binding_addr_is_wildcard(&b->addr);
	if (wild_b) {
		/* a wildcard listens on every address of its family: the loopback surely,
		 * another of the host's own addresses too, which cannot be known here */
		if (b->addr.family != AF_UNSPEC && b->addr.family != family)
			return 0;
		return loopback || memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		    family == AF_INET ? 4 : 16) == 0;
	}
	return b->addr.family == family && memcmp(b->addr.ip, ip, family == AF_INET ? 4 : 16) == 0;
}

/*
 * An https binding no [sslcert] entry can ever answer (iis7: no ipport entry for its IP or
 * the wildcard of its port; iis8: none of those and no hostnameport or ccs entry on its
 * port): every handshake on it fails, as HTTP.SYS's does.  Said once per port, with the
 * entry to add.  For -t and the daemon (the offline views predict it per binding).
 */
static void
conf_cert_warnings(struct conf_parser *p)
{
	const struct conf *c = p->c;
	unsigned char *has = NULL, *warned = NULL;
	char text[BINDING_HOST_MAX + 64], key[BINDING_HOST_MAX + 64];
	size_t i, k;

	if ((has = calloc(65536, 1)) == NULL || (warned = calloc(65536, 1)) == NULL) {
		p->nomem = 1;
		goto done;
	}
	/* per port: 1 an ipport entry, 2 0.0.0.0, 4 [::], 8 hostnameport or ccs */
	for (i = 0; i < c->nsslcerts; i++) {
		const struct sslcert_key *sk = &c->sslcerts[i].key;

		if (sk->kind != SSLCERT_IPPORT)
			has[sk->port] |= 8;
		else if (!binding_addr_is_wildcard(&sk->addr))
			has[sk->port] |= 1;
		else
			has[sk->port] |= sk->addr.family == AF_INET6 ? 4 : 2;
	}
	for (i = 0; i < c->nsites; i++)
		for (k = 0; k < c->sites[i].nbindings; k++) {
			const struct binding *b = &c->sites[i].bindings[k];
			unsigned h = has[b->port];
			int wild = b->addr.family == AF_UNSPEC || binding_addr_is_wildcard(&b->addr);
			struct sslcert_key want;

			if (b->proto != BINDING_HTTPS || warned[b->port] || (h & 2) ||
			    (b->addr.family == AF_INET6 && (h & 4)) ||
			    (c->mode == CONF_MODE_IIS8 && (h & 8)))
				continue;
			if (wild && (h & (1 | 4)))
				continue;   /* some addresses of the port have an entry */
			if (!wild) {
				memset(&want, 0, sizeof(want));
				want.kind = SSLCERT_IPPORT;
				want.addr = b->addr;
				want.port = b->port;
				if (conf_find_sslcert(c, &want) != NULL)
					continue;
				binding_ipport_format(&b->addr, b->port, key, sizeof(key));
			} else {
				snprintf(key, sizeof(key), "0.0.0.0:%u", b->port);
			}
			warned[b->port] = 1;
			binding_format(b, text, sizeof(text));
			if (c->mode == CONF_MODE_IIS8 && b->host[0] != '\0' && b->host[0] != '*')
				conf_warning(p, p->siteinfo[i].blines[k], "https binding %s: no [sslcert] "
				    "entry answers on port %u: every TLS handshake on it fails, as HTTP.SYS's "
				    "does; add one: [sslcert %s:%u] (sysbind netsh http add sslcert "
				    "hostnameport=%s:%u certhash=... appid={...}) or [sslcert %s] (ipport=%s)",
				    text, b->port, b->host, b->port, b->host, b->port, key, key);
			else
				conf_warning(p, p->siteinfo[i].blines[k], "https binding %s: no [sslcert] "
				    "entry for %s: every TLS handshake on it fails, as HTTP.SYS's does; add "
				    "one: [sslcert %s] with certificate = and key = (sysbind netsh http add "
				    "sslcert ipport=%s certhash=... appid={...})", text, key, key, key);
		}
done:
	free(has);
	free(warned);
}

/*
 * A backend that is one of sysbind's own http bindings: the site's own is an error (every
 * request through that binding comes back to the same site, again and again: the README's
 * import hint uncommented did this 1,474 times in 0.35 s); another site's is a warning (a
 * loop is possible, and cut at run time with 508).  Offline views: both are warnings.
 */
static void
conf_check_backends(struct conf_parser *p)
{
	const struct conf *c = p->c;
	int kb = conf_key_at(CONF_SECTION_SITE, "backend");
	char text[BINDING_HOST_MAX + 64], la[BINDING_HOST_MAX + 600], *end;
	struct conf_http_port *ports = NULL;
	size_t i, j, k, np = 0, cap = 0;
	unsigned long pnum;

	/* every site's http bindings, by port: a backend is compared with those of its port
	 * only (a walk of all sites for each would be quadratic in 100,000 sites) */
	for (i = 0; i < c->nsites; i++)
		for (k = 0; k < c->sites[i].nbindings; k++) {
			if (c->sites[i].bindings[k].proto != BINDING_HTTP)
				continue;
			if (np == cap) {
				struct conf_http_port *n;

				cap = cap ? 2 * cap : 64;
				if ((n = realloc(ports, cap * sizeof(*n))) == NULL) {
					free(ports);
					p->nomem = 1;
					return;
				}
				ports = n;
			}
			ports[np++] = (struct conf_http_port){ c->sites[i].bindings[k].port, i, k };
		}
	if (np > 0)
		qsort(ports, np, sizeof(*ports), conf_http_port_cmp);
	for (i = 0; i < c->nsites; i++) {
		const struct conf_site *s = &c->sites[i];
		int line = p->siteinfo[i].lines[kb], other = 0;

		if (p->siteinfo[i].dup || s->backend == NULL)
			continue;
		for (k = 0; k < s->nbindings; k++)
			if (conf_backend_is_binding(s->backend_host, s->backend_port,
			    &s->bindings[k]))
				break;
		if (k < s->nbindings) {
			binding_format(&s->bindings[k], text, sizeof(text));
			if (p->flags & CONF_LOAD_OFFLINE)
				conf_warning(p, line, "backend %s is this site's own binding %s (line "
				    "%d): every request through it would come back to the site, without "
				    "end; the daemon refuses this: point backend at the application's "
				    "port", s->backend, text, p->siteinfo[i].blines[k]);
			else
				conf_error(p, line, "backend %s is this site's own binding %s (line %d): "
				    "every request through it would come back to the site, without end; "
				    "point backend at the application's port", s->backend, text,
				    p->siteinfo[i].blines[k]);
			continue;
		}
		/* another site's http binding on the backend's port (the index: one walk) */
		pnum = strtoul(s->backend_port != NULL ? s->backend_port : "", &end, 10);
		if (*end != '\0' || pnum > 65535)
			continue;
		for (size_t at = conf_http_port_first(ports, np, (unsigned)pnum);
		    at < np && ports[at].port == pnum && !other; at++) {
			j = ports[at].site;
			k = ports[at].binding;
			if (j == i || p->siteinfo[j].dup || !conf_backend_is_binding(s->backend_host,
			    s->backend_port, &c->sites[j].bindings[k]))
				continue;
			other = 1;
			binding_format(&c->sites[j].bindings[k], text, sizeof(text));
			conf_site_label(&c->sites[j], la, sizeof(la));
			conf_warning(p, line, "backend %s is sysbind's own binding %s of %s (line %d): "
			    "a request forwarded there is served by sysbind again; one that comes back "
			    "to a site it went through is answered 508 Loop Detected", s->backend, text,
			    la, p->siteinfo[j].blines[k]);
		}
	}
	free(ports);
}

/*
 * IIS's inheritance of <access sslFlags>: a site that sets no ssl_flags of its own has the
 * server level's ([server] ssl_flags, IIS's <location path=".">), marked so `explain` and
 * `check` can say where its flags come from.  A [location] of the site still wins over
 * either (clientcert_access).
 */
static void
conf_site_flags(struct conf_parser *p)
{
	struct conf *c = p->c;
	int kflags = conf_key_at(CONF_SECTION_SITE, "ssl_flags");
	size_t i;

	for (i = 0; i < c->nsites; i++)
		if (p->siteinfo[i].lines != NULL && p->siteinfo[i].lines[kflags] == 0) {
			c->sites[i].ssl_flags = c->ssl_flags;
			c->sites[i].ssl_flags_server = 1;
		}
}

/*
 * Each [location SITE/PATH]: SITE is the longest site name (compared as IIS does, without
 * case) that the name starts with, followed by "/" or nothing; the rest is the path.  A
 * location of no site, a path given twice for a site, and a site's flags set both by its
 * ssl_flags and by a [location SITE] are errors.  Then each site gets its locations, the
 * deepest first.
 */
static void
conf_check_locations(struct conf_parser *p)
{
	struct conf *c = p->c;
	struct strhash names, seen;
	char *key = NULL, msg[512];
	size_t i, j;
	int kflags = conf_key_at(CONF_SECTION_SITE, "ssl_flags");
	ENTRY *ent;

	memset(&names, 0, sizeof(names));
	memset(&seen, 0, sizeof(seen));
	if (c->nlocations == 0)
		return;
	if (strhash_init(&names, c->nsites) != 0 || strhash_init(&seen, c->nlocations) != 0) {
		p->nomem = 1;
		goto done;
	}
	for (i = 0; i < c->nsites; i++) {
		if (p->siteinfo[i].dup)
			continue;
		if ((key = strhash_lower(c->sites[i].name)) == NULL ||
		    strhash_enter(&names, key, i + 1, NULL) == NULL) {
			p->nomem = 1;
			goto done;
		}
		free(key);
		key = NULL;
	}
	for (i = 0; i < c->nlocations; i++) {
		struct conf_location *l = &c->locations[i];
		size_t site = 0, n = strlen(l->name), cut;
		int created;

		/* the longest site name the location's name starts with */
		for (cut = n + 1; cut-- > 0;) {
			if (cut < n && l->name[cut] != '/')
				continue;
			free(key);
			if ((key = strndup(l->name, cut)) == NULL) {
				p->nomem = 1;
				goto done;
			}
			for (j = 0; key[j] != '\0'; j++)
				key[j] = (char)tolower((unsigned char)key[j]);
			if ((site = strhash_find(&names, key)) != 0)
				break;
		}
		free(key);
		key = NULL;
		if (site == 0) {
			conf_error(p, l->line, "[location %s]: no [site] is named by the start of "
			    "\"%s\" (IIS's location path is SITE/PATH, the site as [site] names it)",
			    l->name, l->name);
			continue;
		}
		l->site = site - 1;
		if (conf_location_path(l->name + cut, &l->path, msg, sizeof(msg)) != 0) {
			conf_error(p, l->line, "[location %s]: %s", l->name, msg);
			continue;
		}
		if (asprintf(&key, "%zu#", l->site) < 0) {
			key = NULL;
			p->nomem = 1;
			goto done;
		}
		{
			char *k2, *lp = strhash_lower(l->path);

			if (lp == NULL || asprintf(&k2, "%s%s", key, lp) < 0) {
				free(lp);
				p->nomem = 1;
				goto done;
			}
			free(lp);
			free(key);
			key = k2;
		}
		if ((ent = strhash_enter(&seen, key, i + 1, &created)) == NULL) {
			p->nomem = 1;
			goto done;
		}
		free(key);
		key = NULL;
		if (!created) {
			const struct conf_location *o = &c->locations[(size_t)(uintptr_t)ent->data - 1];

			conf_error(p, l->line, "duplicate section [location %s]: the same path of the "
			    "same site as [location %s] (line %d; paths compare without case)", l->name,
			    o->name, o->line);
			free(l->path);
			l->path = NULL;
			continue;
		}
		if (strcmp(l->path, "/") == 0 && p->siteinfo[l->site].lines[kflags] != 0) {
			char la[BINDING_HOST_MAX + 600];

			conf_site_label(&c->sites[l->site], la, sizeof(la));
			conf_error(p, l->line, "[location %s] sets the flags of the whole site, which "
			    "ssl_flags of %s does too (line %d): keep one", l->name, la,
			    p->siteinfo[l->site].lines[kflags]);
		}
	}
	/* each site's locations, the deepest first */
	for (i = 0; i < c->nlocations; i++) {
		struct conf_site *st;
		size_t *nl;

		if (c->locations[i].path == NULL)
			continue;
		st = &c->sites[c->locations[i].site];
		if ((nl = realloc(st->locations, (st->nlocations + 1) * sizeof(*nl))) == NULL) {
			p->nomem = 1;
			goto done;
		}
		st->locations = nl;
		st->locations[st->nlocations++] = i;
	}
	for (i = 0; i < c->nsites; i++)
		if (c->sites[i].nlocations > 1)
			qsort_r(c->sites[i].locations, c->sites[i].nlocations, sizeof(size_t),
			    conf_loc_cmp, c->locations);
done:
	free(key);
	strhash_clear(&names);
	strhash_clear(&seen);
}

/* ---- certificates ---- */

/* The store indexes opened for this load, one per PFX password. */
struct conf_stores {
	struct certstore_dir *dir[8];
	char                 *pw[8];
	size_t                n;
	char                  err[1024];  /* why the last open failed */
};

static struct certstore_dir *
conf_store_get(struct conf_stores *st, const char *dir, const char *pw)
{
	size_t i;

	if (pw == NULL)
		pw = "";
	for (i = 0; i < st->n; i++)
		if (strcmp(st->pw[i], pw) == 0)
			return st->dir[i];
	if (st->n == sizeof(st->dir) / sizeof(st->dir[0])) {
		/* many passwords: the oldest index goes */
		certstore_dir_free(st->dir[0]);
		free(st->pw[0]);
		memmove(&st->dir[0], &st->dir[1], (st->n - 1) * sizeof(st->dir[0]));
		memmove(&st->pw[0], &st->pw[1], (st->n - 1) * sizeof(st->pw[0]));
		st->n--;
	}
	if ((st->pw[st->n] = strdup(pw)) == NULL)
		return NULL;
	if ((st->dir[st->n] = certstore_dir_open(dir, pw, st->err, sizeof(st->err))) == NULL) {
		free(st->pw[st->n]);
		return NULL;
	}
	return st->dir[st->n++];
}

static void
conf_stores_clear(struct conf_stores *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		certstore_dir_free(st->dir[i]);
		free(st->pw[i]);
	}
	st->n = 0;
}

/* A certificate sysbind cannot serve: remembered on the entry, said as a warning. */
static void
conf_cert_unavailable(struct conf_parser *p, struct conf_sslcert *e, int line,
    const char *why)
{
	free(e->unavailable);
	e->unavailable = conf_strdup(p, why);
	if (e->cert != NULL && e->cert->key != NULL)
		return;
	if (e->cert != NULL)
		conf_warning(p, line, "[sslcert %s]: %s: sysbind can show this certificate but not "
		    "serve it; a handshake that chooses this entry fails", e->name, why);
	else
		conf_warning(p, line, "[sslcert %s]: certificate not available: %s; a handshake "
		    "that chooses this entry fails, as HTTP.SYS's does when the bound certificate is "
		    "missing from the store", e->name, why);
}

/* A load failure: an error for the daemon and -t, a warning for the offline views. */
static void
conf_load_failed(struct conf_parser *p, int line, const char *what, const char *msg)
{
	if (p->flags & CONF_LOAD_OFFLINE)
		conf_warning(p, line, "%s%s", what, msg);
	else
		conf_error(p, line, "%s%s", what, msg);
}

/*
 * With CONF_LOAD_CERTS, what client certificates and resumption need: the CRLs, the
 * session ticket keys, each entry's issuer list.  A file that cannot be read or holds
 * nothing usable is an error at its key (a warning for the offline views).  A
 * sslctlstorename whose directory does not exist here is a warning: it names a Windows
 * store (an import keeps the name), and the CertificateRequest then lists no CA, as it
 * does on a Windows Server 2012 or later that keeps SendTrustedIssuerList at 0.  A ticket
 * key file other users may read is a warning: whoever reads it can decrypt recorded
 * sessions.
 */
static void
conf_load_client_material(struct conf_parser *p)
{
	struct conf *c = p->c;
	int kcrl = conf_key_at(CONF_SECTION_SERVER, "crl");
	int ktk = conf_key_at(CONF_SECTION_SERVER, "session_ticket_keys");
	int kctl = conf_key_at(CONF_SECTION_SSLCERT, "sslctlstorename");
	char msg[1024];
	struct stat sb;
	size_t i;

	if (c->crl != NULL && (c->crls = certstore_crl_load(c->crl, msg, sizeof(msg))) == NULL)
		conf_load_failed(p, p->server_lines[kcrl], "crl: ", msg);
	for (i = 0; c->session_ticket_keys != NULL && c->session_ticket_keys[i] != NULL; i++) {
		const char *f = c->session_ticket_keys[i];

		if (certstore_ticket_keys_load(f, &c->ticket_keys, &c->nticket_keys, msg,
		    sizeof(msg)) != 0) {
			conf_load_failed(p, p->server_lines[ktk], "session_ticket_keys: ", msg);
			continue;
		}
		if (stat(f, &sb) == 0 && (sb.st_mode & 0077) != 0)
			conf_warning(p, p->server_lines[ktk], "session_ticket_keys: %s may be read by "
			    "other users (mode %03o): whoever reads it can decrypt the sessions it "
			    "protects (chmod 600 it)", f, (unsigned)(sb.st_mode & 0777));
	}
	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];
		int line = p->sslinfo[i].lines[kctl];

		if (e->sslctlstore == NULL || p->sslinfo[i].dup || p->sslinfo[i].bad)
			continue;
		if (stat(e->sslctlstore, &sb) != 0 && errno == ENOENT) {
			conf_warning(p, line, "[sslcert %s]: sslctlstorename %s: no directory %s here "
			    "(it names a Windows store): the CertificateRequest lists no CA; put the CA "
			    "certificates clients should choose from there", e->name,
			    e->sslctlstorename, e->sslctlstore);
			continue;
		}
		if ((e->ctl_names = certstore_ca_names_load(e->sslctlstore, msg, sizeof(msg))) ==
		    NULL)
			conf_load_failed(p, line, "sslctlstorename: ", msg);
	}
}

/*
 * With CONF_LOAD_CERTS: every certificate, store and trust bundle.  A file the
 * configuration names that cannot be read is an error at its key (a warning for the offline
 * views); a thumbprint the store does not hold, or holds without its key, is a warning.
 */
static void
conf_load_certs(struct conf_parser *p)
{
	struct conf *c = p->c;
	struct conf_stores stores;
	int offline = (p->flags & CONF_LOAD_OFFLINE) != 0;
	int kcert = conf_key_at(CONF_SECTION_SSLCERT, "certificate");
	int kkey = conf_key_at(CONF_SECTION_SSLCERT, "key");
	int kpfx = conf_key_at(CONF_SECTION_SSLCERT, "pfx");
	int kch = conf_key_at(CONF_SECTION_SSLCERT, "certhash");
	int kdir = conf_key_at(CONF_SECTION_SSLCERT, "directory");
	int ktrust = conf_key_at(CONF_SECTION_SERVER, "trust");
	char msg[1024];
	size_t i;

	memset(&stores, 0, sizeof(stores));
	conf_load_client_material(p);
	if (c->trust != NULL && p->server_lines[ktrust] != 0) {
		c->trust_store = certstore_trust_load(c->trust, msg, sizeof(msg));
		if (c->trust_store == NULL && offline)
			conf_warning(p, p->server_lines[ktrust], "%s: \"untrusted\" is not predicted",
			    msg);
		else if (c->trust_store == NULL)
			conf_error(p, p->server_lines[ktrust], "%s", msg);
	}
	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];
		struct conf_entry_info *info = &p->sslinfo[i];
		struct certstore_dir *dir;
		int line;

		if (info->dup || info->bad)
			continue;
		msg[0] = '\0';
		if (e->key.kind == SSLCERT_CCS) {
			if (e->directory == NULL)
				continue;
			if ((e->ccs = certstore_ccs_load(e->directory, e->password, msg,
			    sizeof(msg))) != NULL)
				continue;
			if (offline)
				conf_warning(p, info->lines[kdir], "[sslcert %s]: %s", e->name, msg);
			else
				conf_error(p, info->lines[kdir], "%s", msg);
			continue;
		}
		if (e->certhash != NULL) {
			line = info->lines[kch];
			if (c->cert_store == NULL) {
				conf_cert_unavailable(p, e, line, "no cert_store in [server] to look the "
				    "thumbprint up in");
				continue;
			}
			if ((dir = conf_store_get(&stores, c->cert_store, e->pfx_password)) == NULL) {
				conf_cert_unavailable(p, e, line, stores.err);
				continue;
			}
			e->cert = certstore_dir_find(dir, e->certhash,
			    offline ? CERTSTORE_PUBLIC_OK : 0, msg, sizeof(msg));
			if (e->cert == NULL || e->cert->key == NULL)
				conf_cert_unavailable(p, e, line, msg);
			continue;
		}
		if (e->certificate != NULL) {
			e->cert = certstore_load_pem(e->certificate, e->key_file, msg, sizeof(msg));
			line = info->lines[kcert];
			/* certstore names the file that failed: blame the key's line for the key */
			if (e->key_file != NULL && strstr(msg, e->key_file) != NULL &&
			    strstr(msg, e->certificate) == NULL)
				line = info->lines[kkey];
		} else if (e->pfx != NULL) {
			e->cert = certstore_load_pfx(e->pfx, e->pfx_password, msg, sizeof(msg));
			line = info->lines[kpfx];
		} else {
			continue;
		}
		if (e->cert != NULL)
			continue;
		if (!offline) {
			conf_error(p, line, "%s", msg[0] != '\0' ? msg : "cannot load the certificate");
			continue;
		}
		/* for the views: the certificate alone, when that much can be read */
		if (e->certificate != NULL) {
			char why[512];

			e->cert = certstore_load_public(e->certificate, why, sizeof(why));
		}
		conf_cert_unavailable(p, e, line, msg);
	}
	conf_stores_clear(&stores);
}

/* ---- IIS Manager's warnings ---- */

/*
 * IIS Manager's warning about an https port with no default SSL site: in iis8 mode, an
 * https port with no ipport entry at all.  (Sites sharing one HTTPS binding are not a
 * warning of every load: `check` and the edits that cause it say so, see
 * binding_shares.)
 */
static void
conf_warnings(struct conf_parser *p)
{
	struct conf *c = p->c;
	unsigned char *ipport_port = NULL, *seen_port = NULL;
	size_t i, k, e;

	if ((ipport_port = calloc(65536, 1)) == NULL || (seen_port = calloc(65536, 1)) == NULL) {
		p->nomem = 1;
		goto done;
	}
	/* only the first https binding on each port speaks */
	if (c->mode != CONF_MODE_IIS8)
		goto done;
	for (e = 0; e < c->nsslcerts; e++)
		if (c->sslcerts[e].key.kind == SSLCERT_IPPORT)
			ipport_port[c->sslcerts[e].key.port] = 1;
	for (i = 0; i < c->nsites; i++) {
		for (k = 0; k < c->sites[i].nbindings; k++) {
			const struct binding *b = &c->sites[i].bindings[k];

			if (b->proto != BINDING_HTTPS || seen_port[b->port])
				continue;
			seen_port[b->port] = 1;
			if (ipport_port[b->port])
				continue;
			conf_warning(p, p->siteinfo[i].blines[k], "No default SSL site has been "
			    "created. To support browsers without SNI capabilities, it is recommended "
			    "to create a default SSL site. (https port %u has no ipport entry such as "
			    "[sslcert 0.0.0.0:%u]: clients without SNI get no certificate)", b->port,
			    b->port);
		}
	}
done:
	free(ipport_port);
	free(seen_port);
}

/*
 * Client-certificate policies that cannot do what they say: a site or path asking for a
 * client certificate with no [server] trust (every certificate would be untrusted, 403.16),
 * SslMapCert (mapping to Windows accounts is not emulated), and netsh flags kept only to
 * be shown (dsmapperusage, enabletokenbinding).
 */
static void
conf_client_warnings(struct conf_parser *p)
{
	struct conf *c = p->c;
	int ksite = conf_key_at(CONF_SECTION_SITE, "ssl_flags");
	int kloc = conf_key_at(CONF_SECTION_LOCATION, "ssl_flags");
	int ksrv = conf_key_at(CONF_SECTION_SERVER, "ssl_flags");
	int kds = conf_key_at(CONF_SECTION_SSLCERT, "dsmapperusage");
	int ktb = conf_key_at(CONF_SECTION_SSLCERT, "enabletokenbinding");
	const unsigned want = CONF_ACCESS_NEGOTIATE_CERT | CONF_ACCESS_REQUIRE_CERT;
	size_t i, ntrust = 0, inherit = 0;
	char label[BINDING_HOST_MAX + 600];

	for (i = 0; i < c->nsites; i++)
		inherit += c->sites[i].ssl_flags_server;
	/* the server level first (when a site has its flags), then each site and path that sets its own: a site that
	 * inherits [server] ssl_flags is said with the server, once */
	for (i = 0; i <= c->nsites + c->nlocations; i++) {
		size_t at = i - 1;
		unsigned f;
		int line, warn_trust;

		if (i == 0)
			f = inherit > 0 ? c->ssl_flags : 0;
		else if (at < c->nsites && c->sites[at].ssl_flags_server)
			continue;
		else
			f = at < c->nsites ? c->sites[at].ssl_flags :
			    c->locations[at - c->nsites].ssl_flags;
		warn_trust = (f & want) && c->trust == NULL && ntrust++ == 0;
		if (!(f & CONF_ACCESS_MAP_CERT) && !warn_trust)
			continue;
		/* the label only for what is said: 100,000 sites say nothing */
		if (i == 0) {
			line = p->server_lines[ksrv];
			snprintf(label, sizeof(label), "[server] ssl_flags (every site's that sets "
			    "none)");
		} else if (at < c->nsites) {
			line = p->siteinfo[at].lines[ksite];
			conf_site_label(&c->sites[at], label, sizeof(label));
		} else {
			line = p->locinfo[at - c->nsites].lines[kloc];
			snprintf(label, sizeof(label), "[location %s]",
			    c->locations[at - c->nsites].name);
		}
		if (f & CONF_ACCESS_MAP_CERT)
			conf_warning(p, line, "%s: SslMapCert (mapping client certificates to Windows "
			    "accounts) is not emulated: the certificate is checked and forwarded, "
			    "nobody is logged on", label);
		/* said once, at the first that asks */
		if (warn_trust)
			conf_warning(p, line, "%s asks for client certificates but [server] has no "
			    "trust =: every client certificate will be untrusted (403.16)%s", label,
			    c->nsites + c->nlocations > 1 ? "; so will those of every other site and "
			    "path that asks" : "");
	}
	for (i = 0; i < c->nsslcerts; i++) {
		const struct conf_sslcert *e = &c->sslcerts[i];

		if (e->flags & CONF_SSL_USE_DS_MAPPER)
			conf_warning(p, p->sslinfo[i].lines[kds], "[sslcert %s]: dsmapperusage = enable "
			    "is shown by show sslcert, not emulated (no directory maps certificates to "
			    "accounts here)", e->name);
		if (e->flags & CONF_SSL_ENABLE_TOKEN_BINDING)
			conf_warning(p, p->sslinfo[i].lines[ktb], "[sslcert %s]: enabletokenbinding = "
			    "enable is shown by show sslcert, not emulated (OpenSSL and today's browsers "
			    "have no token binding)", e->name);
	}
}

/* ---- the lookup index ---- */

static void
conf_index_free(struct conf_index *x)
{
	if (x == NULL)
		return;
	strhash_clear(&x->sslcerts);
	strhash_clear(&x->sites);
	free(x);
}

/* Build c->index (sslcert keys, site names).  Returns 0 or -1 (no memory). */
static int
conf_index_build(struct conf *c)
{
	struct conf_index *x = calloc(1, sizeof(*x));
	char key[BINDING_HOST_MAX + 64], *name;
	size_t i;

	if (x == NULL || strhash_init(&x->sslcerts, c->nsslcerts) != 0 ||
	    strhash_init(&x->sites, c->nsites) != 0)
		goto fail;
	for (i = 0; i < c->nsslcerts; i++) {
		binding_sslkey_hashkey(&c->sslcerts[i].key, key, sizeof(key));
		if (strhash_enter(&x->sslcerts, key, i + 1, NULL) == NULL)
			goto fail;
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

static int
conf_sslkey_equal(const struct sslcert_key *a, const struct sslcert_key *b)
{
	if (a->kind != b->kind || a->port != b->port)
		return 0;
	switch (a->kind) {
	case SSLCERT_IPPORT:
		return binding_addr_equal(&a->addr, &b->addr);
	case SSLCERT_HOSTNAMEPORT:
		return strcasecmp(a->host, b->host) == 0;
	case SSLCERT_CCS:
		return 1;
	}
	return 0;
}

/*
 * The sslcert entry with the same key (ipport addresses compared as binding_addr_equal
 * does, hostnameport names case-insensitively, ccs by port), or NULL.  Any thread: a
 * lookup only reads the index.
 */
const struct conf_sslcert *
conf_find_sslcert(const struct conf *c, const struct sslcert_key *k)
{
	const struct conf_index *x = conf_index_of(c, 0);
	char key[BINDING_HOST_MAX + 64];
	size_t i;

	if (x != NULL) {
		binding_sslkey_hashkey(k, key, sizeof(key));
		i = strhash_find(&x->sslcerts, key);
		return i > 0 ? &c->sslcerts[i - 1] : NULL;
	}
	for (i = 0; i < c->nsslcerts; i++)
		if (conf_sslkey_equal(&c->sslcerts[i].key, k))
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
	conf_index_free(c->index);
	free(c->path);
	free(c->access_log);
	free(c->httperr_log);
	free(c->cert_store);
	free(c->trust);
	free(c->server_header);
	free(c->user);
	free(c->pid_file);
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
