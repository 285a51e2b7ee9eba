/*
 * conf — the configuration of DESIGN.md §2: reading the INI file through inih, the key
 * table with defaults, strict validation with file:line messages, loading every
 * certificate it names, and the immutable object the rest of sysbind reads.  A loaded
 * conf is never modified; a reload builds a new one.
 */
#ifndef SYSBIND_CONF_H
#define SYSBIND_CONF_H

#include <stddef.h>
#include <openssl/x509.h>

#include "binding.h"
#include "certstore.h"

enum conf_mode { CONF_MODE_IIS7 = 7, CONF_MODE_IIS8 = 8 };

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
	char        *certstorename; /* default "MY" */
	struct cert *cert;          /* ipport/hostnameport: loaded (owned); NULL if not loaded */
	struct ccs  *ccs;           /* ccs: loaded store (owned); NULL if not loaded */
	int          line;          /* line of the section header */
};

/* `[site NAME]`: one IIS site. */
struct conf_site {
	char           *name;
	long            id;
	struct binding *bindings;
	size_t          nbindings;
	char           *backend;      /* "http://127.0.0.1:8081" as written, NULL: diagnostic page */
	char           *backend_host; /* "127.0.0.1", "::1" or a name */
	char           *backend_port; /* "8081" */
	int             stopped;      /* state = stopped */
	int             line;
};

struct conf {
	char               *path;        /* the file read */
	enum conf_mode      mode;
	int                 workers;     /* 0 = auto */
	char               *access_log;  /* path, "-" or NULL (off) */
	char               *httperr_log; /* path, "-" or NULL (off) */
	int                 trace;
	char               *cert_store;  /* resolved directory or NULL */
	char               *trust;       /* resolved path or NULL */
	X509_STORE         *trust_store; /* loaded trust (owned) or NULL */
	char               *server_header; /* "" = none */
	unsigned long       max_field_length;
	unsigned long       max_request_bytes;
	unsigned long       max_url_length;        /* default 16384, 414 beyond */
	unsigned            header_wait_timeout;   /* seconds */
	unsigned            idle_connection_timeout;
	unsigned            entity_body_timeout;
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
	unsigned            websocket_idle_timeout; /* seconds a 101 tunnel may carry nothing */
};

/* conf_load flags */
#define CONF_LOAD_CERTS 0x1   /* load every certificate, key, CCS store and trust bundle */

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

/* The sslcert entry with exactly this key, or NULL. */
const struct conf_sslcert *conf_find_sslcert(const struct conf *c, const struct sslcert_key *k);

#endif
