/*
 * conf_int — what the files of conf share and nothing else includes: the parser's state
 * while one file is loaded (struct conf_parser: the section being read, the line of every
 * key, the collected messages), and the functions one of them defines for the others.
 * conf.h is the module's public surface; this header is private to src/model/conf*.c.
 */
#ifndef SYSBIND_CONF_INT_H
#define SYSBIND_CONF_INT_H

#include <stddef.h>

#include "model/conf.h"
#include "base/strhash.h"

struct conf_msg;

enum conf_sec { SEC_NONE, SEC_SERVER, SEC_SSLCERT, SEC_SITE, SEC_LOCATION, SEC_SKIP };

/* What the parser remembers about an entry beyond struct conf_sslcert / conf_site. */
struct conf_entry_info {
	int    dup;      /* a duplicate section: validated, left out of cross-checks */
	int    bad;      /* had an error: its certificates are not loaded */
	int   *lines;    /* line of each key of the section (its index there), 0 when absent */
	int   *blines;   /* [site]: the line of each binding */
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

/* conf.c: the key table and the messages */
const struct conf_key *conf_section_keys(enum conf_section section, size_t *n);
int conf_key_at(enum conf_section section, const char *name);
void conf_error(struct conf_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void conf_warning(struct conf_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *conf_strdup(struct conf_parser *p, const char *s);

/* conf_read.c: inih's line reader and handler, the end of a section, a site's label */
char *conf_reader_cb(char *str, int num, void *stream);
int conf_ini_cb(void *user, const char *section, const char *name, const char *value);
void conf_section_end(struct conf_parser *p);
void conf_site_label(const struct conf_site *s, char *buf, size_t len);

/* conf_value.c: a key's value */
void conf_key_set(struct conf_parser *p, void *base, struct conf_entry_info *info,
    const struct conf_key *k, const char *v);
void conf_set_path(struct conf_parser *p, char **dst, const char *path);
const char *conf_flags_format(const struct conf_key *k, unsigned long v, char *buf,
    size_t len);
void conf_list_free(char **list);

/* conf_check.c: the checks over the whole file, in the order conf.c runs them */
void conf_check_sslcerts(struct conf_parser *p);
void conf_check_sites(struct conf_parser *p);
void conf_check_backends(struct conf_parser *p);
void conf_site_flags(struct conf_parser *p);
void conf_check_locations(struct conf_parser *p);
void conf_check_pools(struct conf_parser *p);

/* conf_certs.c */
void conf_load_certs(struct conf_parser *p);

/* conf_warn.c */
void conf_warnings(struct conf_parser *p);
void conf_client_warnings(struct conf_parser *p);
void conf_cert_warnings(struct conf_parser *p);

#endif
