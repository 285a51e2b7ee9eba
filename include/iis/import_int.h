/*
 * import_int — what the four files of the import module share, and nothing outside them
 * includes: the limits, what the applicationHost.config reader keeps of a server (struct
 * import_xml: sites, bindings, <access>, <hsts>), and the steps one file does for another.
 * import.c builds the configuration (import_build), import_xml.c reads the XML,
 * import_netsh.c reads netsh's text, import_write.c writes the configuration's sections.
 * import.h is the module's public surface.
 */
#ifndef SYSBIND_IMPORT_INT_H
#define SYSBIND_IMPORT_INT_H

#include <stdio.h>
#include <stddef.h>
#include <expat.h>

#include "iis/import.h"
#include "model/binding.h"
#include "model/conf.h"
#include "base/strhash.h"

#define IMPORT_LINE_MAX  199     /* Debian's inih reads at most 199 characters a line */
#define IMPORT_INPUT_MAX (1024UL * 1024 * 1024)  /* an input file larger than this is refused */
#define IMPORT_NAME_MAX  2000    /* a site name longer than this is shortened */
#define IMPORT_DEPTH_MAX 64
#define IMPORT_ID_MAX    4294967295UL   /* IIS's site id is a DWORD */

struct import_binding {
	char          *text;      /* protocol/bindingInformation as sysbind writes it */
	char          *written;   /* protocol/bindingInformation as the file has it */
	int            sslflags;
	char          *badflags;  /* an sslFlags value that is neither a number nor IIS's names */
	int            line;
	int            ok;        /* parsed, and kept */
	struct binding b;
};

/* A path of a site with its own <access sslFlags>. */
struct import_loc {
	char    *path;        /* "/secure", as conf_location_path makes it */
	unsigned access;
	int      line;
};

/* IIS 10 (1709)'s <hsts> of a site or of <siteDefaults>: each attribute as read, -1
 * when the element does not set it (the site's wins over siteDefaults', attribute by
 * attribute; what neither sets is IIS's default). */
struct import_hsts {
	int  enabled, include_subdomains, preload, redirect;   /* -1, 0, 1 */
	long long max_age;                                      /* -1: unset */
	int  line;                                              /* 0: no element */
};

struct import_site {
	char                  *name;
	struct import_hsts     hsts;
	unsigned               access;     /* IIS <access sslFlags> of the site (CONF_ACCESS_*) */
	int                    access_line; /* where it was read, 0: none of its own */
	struct import_loc     *locs;       /* its paths' <access sslFlags> */
	size_t                 nlocs;
	char                  *idtext;     /* id="" as written, NULL when absent */
	unsigned long          id;         /* 0: none yet */
	int                    autostart;  /* -1 unset, 0 false, 1 true */
	int                    state;      /* -1 unset, 0 started, 1 stopped */
	int                    stopped;    /* as imported */
	int                    skip;       /* not carried over */
	char                  *pool;
	char                  *path;       /* physicalPath of the root virtual directory */
	struct import_binding *bindings;
	size_t                 nbindings, capbindings;
	int                    line;
};

/* The pool attributes sysbind carries (issue 25), in the order of struct
 * import_pool's values and of the [site] keys they become. */
enum import_pool_attr {
	IMPORT_POOL_QUEUE_LENGTH = 0,   /* <add queueLength> */
	IMPORT_POOL_RAPID_FAIL,         /* <failure rapidFailProtection> */
	IMPORT_POOL_MAX_CRASHES,        /* <failure rapidFailProtectionMaxCrashes> */
	IMPORT_POOL_INTERVAL,           /* <failure rapidFailProtectionInterval>, minutes */
	IMPORT_POOL_LOAD_BALANCER,      /* <failure loadBalancerCapabilities>: 1 Tcp, 2 Http */
	IMPORT_POOL_NATTRS
};

/* One <applicationPools><add> or <applicationPoolDefaults>: each attribute as read, -1
 * when the element does not set it or sets a value IIS refuses (warned). */
struct import_pool {
	char      *name;                       /* NULL for <applicationPoolDefaults> */
	long long  v[IMPORT_POOL_NATTRS];
	int        lines[IMPORT_POOL_NATTRS];  /* where each was read */
	int        line;
};

/* One IIS <access sslFlags> (or serverRuntime uploadReadAheadSize) read from a
 * <location path=...>, or from the root <system.webServer> (path NULL). */
struct import_access {
	char *path;      /* the location's path as written; NULL: server-wide */
	char *value;     /* the attribute as written */
	int   line;
};

struct import_xml {
	XML_Parser          parser;
	const char         *name;
	FILE               *warn;
	size_t              depth;
	char                stack[IMPORT_DEPTH_MAX][40];
	int                 in_root_app;     /* inside <application path="/"> of a site */
	int                 saw_sites;
	int                 default_autostart; /* <siteDefaults serverAutoStart=>, -1 unset */
	struct import_hsts  default_hsts;    /* <siteDefaults><hsts> */
	char               *default_pool;    /* <applicationDefaults applicationPool=> */
	struct import_pool *pools;           /* <applicationPools><add> */
	size_t              npools, cappools;
	struct import_pool  pool_defaults;   /* <applicationPoolDefaults> */
	int                 saw_pools;       /* an <applicationPools> was read */
	struct import_site *sites;
	size_t              nsites, capsites;
	char               *location;        /* path of the <location> being read, or NULL */
	struct import_access *access, *uras; /* <access sslFlags>, uploadReadAheadSize */
	size_t              naccess, nuras;
	int                 nomem;
};

/* "FILE:LINE: warning: ..." (LINE 0: none) on warn; nothing when warn is NULL. */
void import_warn(FILE *warn, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A site's name for messages: quoted as the configuration would spell it, so a name with
 * a newline stays on one line.  Written into the caller's buf; returns buf. */
const char *import_site_ref(const struct import_site *s, char *buf, size_t len);

/* ---- import_xml.c: applicationHost.config ---- */

/* An <hsts> with nothing set (every attribute -1, no line). */
void import_hsts_init(struct import_hsts *h);

/* Read an input file whole (a pipe too: `--sslcert <(ssh host netsh ...)`); caller frees.
 * NULL with err. */
char *import_slurp(const char *path, size_t *len, char *err, size_t errlen);

/* Read applicationHost.config at path into *x (its name, warn and defaults set by the
 * caller).  Returns 0, or -1 with err (malformed XML with its line, no <sites>, memory). */
int import_xml_read(const char *path, struct import_xml *x, char *err, size_t errlen);

/* Free what import_xml_read kept in *x. */
void import_xml_clear(struct import_xml *x);

/* ---- import_netsh.c: the [sslcert] keys netsh's lines are read into ---- */

/* The [sslcert] keys an entry's lines other than its key, hash, appid and store name
 * are read into: labelled, and not one of those three. */
int import_netsh_key_read(const struct conf_key *k);

/* Where in an entry key k's value is kept: its index among the read keys of its kind
 * (nums for NUMBER, strs for STRING); -1 for a SWITCH (flags, checkmode). */
int import_netsh_key_slot(const struct conf_key *k);

/* Whether entry e has switch k on. */
int import_netsh_switch_on(const struct import_netsh_entry *e, const struct conf_key *k);

/* ---- import_write.c: the configuration text ---- */

/* cert_store as the configuration should name it (relative to the output's directory). */
void import_store_path(const struct import_opts *o, char *out, size_t outlen);

/* 1 when value can be a key's value on one configuration line: no " ;" (a comment to
 * inih), no control character, and short enough. */
int import_value_writable(const char *key, const char *value);

/* One "; ..." comment line, control characters made blanks and cut to a line inih reads. */
void import_comment_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Check one https binding against the certificate table it needs (keys: the entries'
 * hash keys, index + 1); warns what a client would miss. */
void import_check_binding_cert(const struct import_opts *o, const struct import_site *s,
    const struct import_binding *ib, const struct strhash *keys, FILE *warn);

/* Whether entry e can be written (a ccs entry needs the store's directory, the others a
 * thumbprint); warns why not.  Sets *keep_appid / *keep_store for the optional fields. */
int import_sslcert_usable(const struct import_opts *o, const struct import_netsh_entry *e,
    const char *ccsdir, int *keep_appid, int *keep_store, FILE *warn);

/* Write one [sslcert] section (import_sslcert_usable said it can be). */
void import_write_sslcert(FILE *f, const struct import_opts *o,
    const struct import_netsh_entry *e, const char *ccsdir, int keep_appid, int keep_store);

/* Write one [site] section; its bindings split over lines inih can read; pool (NULL:
 * none defined) and pool_defaults give its application pool's keys. */
void import_write_site(FILE *f, const struct import_site *s, const char *default_pool,
    const struct import_hsts *defaults, const struct import_pool *pool,
    const struct import_pool *pool_defaults);

/* An <add> or <applicationPoolDefaults> with nothing set. */
void import_pool_init(struct import_pool *p);

#endif
