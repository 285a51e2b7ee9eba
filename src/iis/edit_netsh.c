/*
 * edit_netsh — `sysbind netsh http add|update|delete|show sslcert` and `update
 * sslpropertyex`: netsh's parameters from one table (netsh_params, exported by
 * edit_netsh_params for the tests and the completion), their checks, netsh's messages
 * (CRLF line ends) and error numbers.  The [sslcert] text edits and the atomic write are
 * edit.c's (edit_int.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "iis/edit.h"
#include "iis/edit_int.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "iis/views.h"

/* ---- netsh ---- */

#define NV_ADD    0x1
#define NV_DELETE 0x2
#define NV_SHOW   0x4
#define NV_UPDATE 0x8
#define NK_IPPORT 0x10     /* the entry kinds a parameter is for */
#define NK_HOST   0x20
#define NK_CCS    0x40
#define NK_ALL    (NK_IPPORT | NK_HOST | NK_CCS)
#define NK_CERT   (NK_IPPORT | NK_HOST)

/*
 * Every parameter of `netsh http add|update|delete|show sslcert` (netsh's own), in
 * the order they are written into the [sslcert] section.  A parameter with a conf key is
 * kept there (every one netsh documents is); one without would be what sysbind does not
 * emulate: netsh's default value accepted (nothing differs), any other refused by name,
 * the file untouched.
 */
#define KEPT(name, type, def, label) \
	{ name, type, NV_ADD | NV_UPDATE | NK_ALL, name, def, label }
static const struct edit_netsh_param netsh_params[] = {
	{ "ipport", EDIT_NETSH_IPPORT, NV_ADD | NV_DELETE | NV_SHOW | NV_UPDATE | NK_IPPORT,
	  NULL, NULL, "IP:port" },
	{ "hostnameport", EDIT_NETSH_HOSTNAMEPORT, NV_ADD | NV_DELETE | NV_SHOW | NV_UPDATE |
	  NK_HOST, NULL, NULL, "Hostname:port" },
	{ "ccs", EDIT_NETSH_CCS, NV_ADD | NV_DELETE | NV_SHOW | NV_UPDATE | NK_CCS, NULL, NULL,
	  "Central Certificate Store" },
	{ "scopedccs", EDIT_NETSH_SCOPEDCCS, NV_SHOW | NK_ALL, NULL, NULL, NULL },
	{ "certhash", EDIT_NETSH_HASH, NV_ADD | NV_UPDATE | NK_CERT, "certhash", NULL,
	  "Certificate Hash" },
	{ "directory", EDIT_NETSH_TEXT, NV_ADD | NV_UPDATE | NK_CCS, "directory", NULL, NULL },
	{ "password", EDIT_NETSH_TEXT, NV_ADD | NV_UPDATE | NK_CCS, "password", NULL, NULL },
	{ "appid", EDIT_NETSH_GUID, NV_ADD | NV_UPDATE | NK_ALL, "appid", NULL,
	  "Application ID" },
	{ "certstorename", EDIT_NETSH_TEXT, NV_ADD | NV_UPDATE | NK_CERT, "certstorename", NULL,
	  "Certificate Store Name" },
	KEPT("verifyclientcertrevocation", EDIT_NETSH_ENABLE, "enable",
	    "Verify Client Certificate Revocation"),
	KEPT("verifyrevocationwithcachedclientcertonly", EDIT_NETSH_ENABLE, "disable",
	    "Verify Revocation Using Cached Client Certificate Only"),
	KEPT("usagecheck", EDIT_NETSH_ENABLE, "enable", "Usage Check"),
	KEPT("revocationfreshnesstime", EDIT_NETSH_UINT, "0", "Revocation Freshness Time"),
	KEPT("urlretrievaltimeout", EDIT_NETSH_UINT, "0", "URL Retrieval Timeout"),
	KEPT("sslctlidentifier", EDIT_NETSH_TEXT, NULL, "Ctl Identifier"),
	KEPT("sslctlstorename", EDIT_NETSH_TEXT, NULL, "Ctl Store Name"),
	KEPT("dsmapperusage", EDIT_NETSH_ENABLE, "disable", "DS Mapper Usage"),
	KEPT("clientcertnegotiation", EDIT_NETSH_ENABLE, "disable",
	    "Negotiate Client Certificate"),
	KEPT("reject", EDIT_NETSH_ENABLE, "disable", "Reject Connections"),
	KEPT("disablehttp2", EDIT_NETSH_ENABLE, "disable", "Disable HTTP2"),
	KEPT("disablequic", EDIT_NETSH_ENABLE, "disable", "Disable QUIC"),
	KEPT("disablelegacytls", EDIT_NETSH_ENABLE, "disable", "Disable Legacy TLS Versions"),
	KEPT("disabletls12", EDIT_NETSH_ENABLE, "disable", "Disable TLS1.2"),
	KEPT("disabletls13", EDIT_NETSH_ENABLE, "disable", "Disable TLS1.3"),
	KEPT("disableocspstapling", EDIT_NETSH_ENABLE, "disable", "Disable OCSP Stapling"),
	KEPT("enabletokenbinding", EDIT_NETSH_ENABLE, "disable", "Enable Token Binding"),
	KEPT("logextendedevents", EDIT_NETSH_ENABLE, "disable", "Log Extended Events"),
	KEPT("enablesessionticket", EDIT_NETSH_ENABLE, "disable", "Enable Session Ticket"),
	KEPT("disablesessionid", EDIT_NETSH_ENABLE, "disable", "Disable Session ID"),
	{ "json", EDIT_NETSH_TEXT, NV_ADD | NV_SHOW | NK_ALL, NULL, NULL, NULL },
};

/*
 * `netsh http update sslpropertyex`: the entry's key, then propertyid=0
 * receivewindow=N, or propertyid=1 with maxsettingsperframe= and/or maxsettingsperminute=.
 */
static const struct edit_netsh_param netsh_propex_params[] = {
	{ "ipport", EDIT_NETSH_IPPORT, NV_UPDATE | NK_IPPORT, NULL, NULL, "IP:port" },
	{ "hostnameport", EDIT_NETSH_HOSTNAMEPORT, NV_UPDATE | NK_HOST, NULL, NULL,
	  "Hostname:port" },
	{ "ccs", EDIT_NETSH_CCS, NV_UPDATE | NK_CCS, NULL, NULL, "Central Certificate Store" },
	{ "propertyid", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, NULL, NULL, "PropertyId" },
	{ "receivewindow", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, "receivewindow", NULL,
	  "Receive Window" },
	{ "maxsettingsperframe", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, "maxsettingsperframe",
	  NULL, "Max Settings Per Frame" },
	{ "maxsettingsperminute", EDIT_NETSH_UINT, NV_UPDATE | NK_ALL, "maxsettingsperminute",
	  NULL, "Max Settings Per Minute" },
};
#define NETSH_NPROPEX (sizeof(netsh_propex_params) / sizeof(netsh_propex_params[0]))
#define NETSH_NPARAMS (sizeof(netsh_params) / sizeof(netsh_params[0]))

const struct edit_netsh_param *
edit_netsh_params(size_t *n)
{
	*n = NETSH_NPARAMS;
	return netsh_params;
}

static int
netsh_msg(FILE *out, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* netsh's messages: CRLF line ends, a blank line after, as the console shows them. */
static int
netsh_msg(FILE *out, int rc, const char *fmt, ...)
{
	va_list ap;

	fputs("\r\n", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputs("\r\n\r\n", out);
	return rc;
}

static int
netsh_syntax(FILE *out)
{
	return netsh_msg(out, 1, "One or more essential parameters were not entered.\r\n"
	    "Verify the required parameters, and reenter them.\r\n\r\n"
	    "The syntax supplied for this command is not valid. Check help for the correct "
	    "syntax.");
}

static int
netsh_incorrect(FILE *out)
{
	return netsh_msg(out, 1, "The parameter is incorrect.");
}

/* Whether v is a value netsh takes for a parameter of type t. */
static int
netsh_value_valid(enum edit_netsh_type t, const char *v)
{
	size_t i, n = 0;

	switch (t) {
	case EDIT_NETSH_ENABLE:
		return strcasecmp(v, "enable") == 0 || strcasecmp(v, "disable") == 0;
	case EDIT_NETSH_UINT:
		if (*v == '\0' || strlen(v) > 10 || strspn(v, "0123456789") != strlen(v))
			return 0;
		return strtoull(v, NULL, 10) <= 4294967295ULL;
	case EDIT_NETSH_GUID:
		return conf_guid_valid(v);
	case EDIT_NETSH_HASH:
		for (i = 0; v[i] != '\0'; i++, n++)
			if (!isxdigit((unsigned char)v[i]))
				return 0;
		return n == 40;
	case EDIT_NETSH_TEXT:
	case EDIT_NETSH_IPPORT:
	case EDIT_NETSH_HOSTNAMEPORT:
	case EDIT_NETSH_CCS:
	case EDIT_NETSH_SCOPEDCCS:
		return *v != '\0';
	}
	return 0;
}

static int
netsh_show(const char *path, const char *key, int scoped, FILE *out, FILE *errout)
{
	struct conf *c = edit_load(path, errout), view;
	struct sslcert_key k;
	const struct conf_sslcert *e = NULL;
	char msg[256];
	int rc = 0;

	if (c == NULL)
		return 2;
	view = *c;
	if (key != NULL) {
		if (!scoped && binding_sslkey_parse(key, &k, msg, sizeof(msg)) != 0) {
			fprintf(errout, "sysbind: %s\n", msg);
			conf_free(c);
			return netsh_incorrect(out);
		}
		/* sysbind has no scoped CCS entries: a scopedccs= key is never found */
		if (!scoped)
			e = conf_find_sslcert(c, &k);
		if (e == NULL) {
			conf_free(c);
			return netsh_msg(out, 1, "SSL Certificate bindings:\r\n"
			    "-------------------------\r\n\r\nThe system cannot find the file specified.");
		}
		view.sslcerts = (struct conf_sslcert *)e;
		view.nsslcerts = 1;
	}
	if (views_show_sslcert(&view, out, errout) != 0)
		rc = 1;
	conf_free(c);
	return rc;
}

/*
 * The [sslcert] keys netsh http update sslcert leaves alone: the Extended Properties,
 * which `update sslpropertyex` sets (decision: the reference does not say whether an
 * update of the binding resets them; HTTP.SYS keeps them as a property of their own).
 * Their non-default values in the entry key names, appended to kv as "key", "value"
 * pairs; vals holds the texts.  Returns the new nkv.
 */
static size_t
netsh_keep_propex(const char *text, const char *path, const struct sslcert_key *k,
    const char **kv, size_t nkv, char vals[][32], size_t nvals)
{
	char err[4096];
	struct conf *c = conf_parse(text, path, 0, err, sizeof(err));
	const struct conf_sslcert *e = c != NULL ? conf_find_sslcert(c, k) : NULL;
	size_t n, i, used = 0;
	const struct conf_key *t = conf_keys(&n);

	for (i = 0; e != NULL && i < n && used < nvals; i++) {
		const char *v;

		if (t[i].section != CONF_SECTION_SSLCERT || t[i].extprop == 0)
			continue;
		v = conf_key_value(&t[i], e, vals[used], sizeof(vals[0]));
		if (v == NULL || t[i].def == NULL || strcmp(v, t[i].def) == 0)
			continue;
		if (v != vals[used])
			snprintf(vals[used], sizeof(vals[0]), "%s", v);
		kv[nkv++] = t[i].name;
		kv[nkv++] = vals[used++];
	}
	conf_free(c);
	return nkv;
}

/* netsh's verbs for sslcert: the word, and how its messages say it was done and doing. */
static const struct netsh_verb {
	const char *word;
	unsigned    verb;
	const char *did, *doing;
} netsh_verbs[] = {
	{ "add", NV_ADD, "added", "add" },
	{ "delete", NV_DELETE, "deleted", "deletion" },
	{ "show", NV_SHOW, NULL, NULL },
	{ "update", NV_UPDATE, "updated", "update" },
};
#define NETSH_NVERBS (sizeof(netsh_verbs) / sizeof(netsh_verbs[0]))

/* One netsh command as its words are read: the parameter table it takes (sslcert's or
 * sslpropertyex's), each parameter's value, the entry's key, and the conf keys and values
 * the edit sets. */
struct netsh_cmd {
	char *const                  *words;
	const struct netsh_verb      *verb;
	int                           propex;
	const struct edit_netsh_param *tab;
	size_t                        ntab;
	size_t                        keyp;      /* the key's parameter; ntab: none given */
	const char                   *val[NETSH_NPARAMS];
	char                          lower[NETSH_NPARAMS][16];
	char                          key[BINDING_HOST_MAX + 16];  /* as a [sslcert KEY] name */
	struct sslcert_key            k;
	unsigned                      kind;      /* NK_*: the key's kind */
	const char                   *kv[2 * NETSH_NPARAMS + 8];
	size_t                        nkv;
	char                          keep[3][32];
};

/* Read the parameters (words 3 on) by the table: known, of this verb, once, their values
 * of their type.  Returns 0, or -1 with *rc the exit status (the reason on errout). */
static int
netsh_words(struct netsh_cmd *c, int nwords, FILE *out, FILE *errout, int *rc)
{
	char *const *words = c->words;
	const struct edit_netsh_param *tab = c->tab;
	size_t i, n;
	int w;

	for (w = 3; w < nwords; w++) {
		const char *eq = strchr(words[w], '=');

		n = eq != NULL ? (size_t)(eq - words[w]) : 0;
		for (i = 0; eq != NULL && i < c->ntab; i++)
			if (strlen(tab[i].name) == n && strncasecmp(words[w], tab[i].name, n) == 0)
				break;
		if (eq == NULL || i == c->ntab) {
			fprintf(errout, "sysbind: netsh http %s %s: unknown parameter \"%s\"\n",
			    words[1], words[2], words[w]);
			*rc = netsh_syntax(out);
			return -1;
		}
		if (!(tab[i].flags & c->verb->verb)) {
			fprintf(errout, "sysbind: netsh http %s %s: %s= is not a parameter of %s\n",
			    words[1], words[2], tab[i].name, words[1]);
			*rc = netsh_syntax(out);
			return -1;
		}
		if (c->val[i] != NULL || (tab[i].type <= EDIT_NETSH_SCOPEDCCS && c->keyp != c->ntab)) {
			fprintf(errout, "sysbind: netsh http %s %s: %s given twice\n", words[1],
			    words[2], tab[i].type <= EDIT_NETSH_SCOPEDCCS ? "the entry's key" :
			    tab[i].name);
			*rc = netsh_syntax(out);
			return -1;
		}
		c->val[i] = eq + 1;
		if (tab[i].type <= EDIT_NETSH_SCOPEDCCS)
			c->keyp = i;
		if (!netsh_value_valid(tab[i].type, c->val[i])) {
			fprintf(errout, "sysbind: netsh http %s %s: %s=%s: %s\n", words[1], words[2],
			    tab[i].name, c->val[i], tab[i].type == EDIT_NETSH_ENABLE ?
			    "enable or disable" : tab[i].type == EDIT_NETSH_UINT ?
			    "a number from 0 to 4294967295" : tab[i].type == EDIT_NETSH_GUID ?
			    "a GUID in braces" : tab[i].type == EDIT_NETSH_HASH ?
			    "a SHA-1 thumbprint of 40 hex digits" : "a value");
			*rc = netsh_incorrect(out);
			return -1;
		}
		if (tab[i].type == EDIT_NETSH_ENABLE) {
			/* netsh takes Enable as well; the configuration spells it enable */
			snprintf(c->lower[i], sizeof(c->lower[i]), "%s", c->val[i]);
			for (n = 0; c->lower[i][n] != '\0'; n++)
				c->lower[i][n] = (char)tolower((unsigned char)c->lower[i][n]);
			c->val[i] = c->lower[i];
		}
	}
	return 0;
}

/* update sslpropertyex: propertyid=0 with receivewindow; 1 with maxsettingsperframe or
 * -perminute; their conf keys into c->kv.  Returns 0, or -1 with *rc. */
static int
netsh_propex_kv(struct netsh_cmd *c, FILE *out, FILE *errout, int *rc)
{
	const char *id = c->val[3];
	size_t i;

	if (id == NULL || (strcmp(id, "0") != 0 && strcmp(id, "1") != 0)) {
		fprintf(errout, "sysbind: netsh http update sslpropertyex: propertyid=0 "
		    "(receivewindow=) or propertyid=1 (maxsettingsperframe=, "
		    "maxsettingsperminute=)\n");
		*rc = id == NULL ? netsh_syntax(out) : netsh_incorrect(out);
		return -1;
	}
	for (i = 4; i < c->ntab; i++) {
		const struct conf_key *ck = conf_key_find(CONF_SECTION_SSLCERT, c->tab[i].conf_key);

		if (c->val[i] == NULL)
			continue;
		if (ck == NULL || (int)ck->extprop != atoi(id) + 1) {
			fprintf(errout, "sysbind: netsh http update sslpropertyex: %s= belongs to "
			    "propertyid=%u\n", c->tab[i].name, ck != NULL ? ck->extprop - 1 : 0);
			*rc = netsh_incorrect(out);
			return -1;
		}
		c->kv[c->nkv++] = c->tab[i].conf_key;
		c->kv[c->nkv++] = c->val[i];
	}
	if (c->nkv == 0) {
		fprintf(errout, "sysbind: netsh http update sslpropertyex: propertyid=%s needs "
		    "%s\n", id, strcmp(id, "0") == 0 ? "receivewindow=" :
		    "maxsettingsperframe= or maxsettingsperminute=");
		*rc = netsh_syntax(out);
		return -1;
	}
	return 0;
}

/* add|update sslcert: appid always, certhash for an ipport or hostnameport entry; each
 * parameter of this entry kind, kept under its conf key or (not emulated) refused unless
 * it has netsh's default.  Into c->kv; returns 0, or -1 with *rc. */
static int
netsh_sslcert_kv(struct netsh_cmd *c, FILE *out, FILE *errout, int *rc)
{
	const struct edit_netsh_param *tab = c->tab;
	size_t i;

	for (i = 0; i < c->ntab; i++)
		if (strcmp(tab[i].name, "appid") == 0 && c->val[i] == NULL) {
			*rc = netsh_syntax(out);
			return -1;
		}
	for (i = 0; i < c->ntab; i++) {
		const struct edit_netsh_param *q = &tab[i];

		if (c->val[i] == NULL || i == c->keyp)
			continue;
		if (!(q->flags & c->kind)) {
			fprintf(errout, "sysbind: netsh http %s sslcert: %s= does not apply to a "
			    "%s entry\n", c->words[1], q->name, tab[c->keyp].name);
			*rc = netsh_incorrect(out);
			return -1;
		}
		if (q->conf_key != NULL) {
			c->kv[c->nkv++] = q->conf_key;
			c->kv[c->nkv++] = c->val[i];
		} else if (q->def == NULL || strcasecmp(c->val[i], q->def) != 0) {
			fprintf(errout, "sysbind: netsh http %s sslcert: %s=%s is not emulated by "
			    "sysbind%s%s%s: nothing was changed\n", c->words[1], q->name, c->val[i],
			    q->shows != NULL ? " (netsh would show \"" : "",
			    q->shows != NULL ? q->shows : "", q->shows != NULL ? "\")" : "");
			*rc = 2;
			return -1;
		}
	}
	if (c->kind != NK_CCS) {
		for (i = 0; i < c->ntab; i++)
			if (strcmp(tab[i].name, "certhash") == 0 && c->val[i] == NULL) {
				*rc = netsh_syntax(out);
				return -1;
			}
	}
	return 0;
}

/* netsh refuses a thumbprint the machine store does not hold (error 1312), or holds
 * without its private key: checked in next, the edited text.  Returns 0, or -1 with *rc
 * (netsh's message on out, the reason on errout). */
static int
netsh_certhash_held(const struct netsh_cmd *c, const char *path, const char *next, FILE *out,
    FILE *errout, int *rc)
{
	char err[16384];
	size_t i;

	for (i = 0; i < c->nkv; i += 2) {
		struct conf *cf;
		const struct conf_sslcert *e;
		struct cert *found;

		if (strcmp(c->kv[i], "certhash") != 0)
			continue;
		cf = conf_parse(next, path, 0, err, sizeof(err));
		e = cf != NULL ? conf_find_sslcert(cf, &c->k) : NULL;
		if (e != NULL && cf->cert_store != NULL) {
			found = certstore_find_thumbprint(cf->cert_store, c->kv[i + 1], e->pfx_password,
			    0, err, sizeof(err));
			if (found == NULL) {
				*rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 1312\r\n"
				    "A specified logon session does not exist. It may already have been "
				    "terminated.", c->verb->doing);
				fprintf(errout, "sysbind: %s\n", err);
				conf_free(cf);
				return -1;
			}
			certstore_cert_free(found);
		}
		conf_free(cf);
	}
	return 0;
}

/* The edit c asks for, applied to path's text and written; netsh's message on out.
 * Returns the exit status. */
static int
netsh_apply(struct netsh_cmd *c, const char *path, FILE *out, FILE *errout)
{
	char err[16384], *text, *next;
	enum edit_status st;
	unsigned verb = c->verb->verb;
	int rc;

	if ((text = edit_slurp(path, errout)) == NULL)
		return 2;
	if (c->propex)
		next = edit_sslcert_set(text, c->key, c->kv, c->nkv / 2, &st, err, sizeof(err));
	else if (verb == NV_ADD)
		next = edit_sslcert_add(text, c->key, c->kv, c->nkv / 2, &st, err, sizeof(err));
	else if (verb == NV_UPDATE) {
		c->nkv = netsh_keep_propex(text, path, &c->k, c->kv, c->nkv, c->keep, 3);
		next = edit_sslcert_update(text, c->key, c->kv, c->nkv / 2, &st, err, sizeof(err));
	} else
		next = edit_sslcert_delete(text, c->key, &st, err, sizeof(err));
	if (next == NULL) {
		if (st == EDIT_DUPLICATE)
			rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 183\r\n"
			    "Cannot create a file when that file already exists.", c->verb->word);
		else if (st == EDIT_NOT_FOUND)
			rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 2\r\n"
			    "The system cannot find the file specified.", c->verb->doing);
		else
			rc = netsh_incorrect(out);
		fprintf(errout, "sysbind: %s\n", err);
		free(text);
		return rc;
	}
	if (netsh_certhash_held(c, path, next, out, errout, &rc) != 0) {
		free(text);
		free(next);
		return rc;
	}
	if ((rc = edit_file_write(path, next, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		edit_print_lines(errout, err);
		rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 87\r\n"
		    "The parameter is incorrect.", c->verb->doing);
	} else {
		/* sslpropertyex's own message is not documented: netsh's update one */
		rc = netsh_msg(out, 0, "SSL Certificate successfully %s", c->verb->did);
		if (!c->propex && (verb == NV_ADD || verb == NV_UPDATE))
			edit_note_certificate(path, text, next, &c->k, errout);
	}
	free(text);
	free(next);
	return rc;
}

int
edit_netsh(const char *path, int nwords, char *const *words, FILE *out, FILE *errout)
{
	struct netsh_cmd cmd, *c = &cmd;
	char err[16384];
	size_t v;
	int rc = 0;

	if (nwords < 3 || strcasecmp(words[0], "http") != 0 ||
	    (strcasecmp(words[2], "sslcert") != 0 && strcasecmp(words[2], "sslpropertyex") != 0)) {
		fprintf(errout, "sysbind: netsh: supported: http add|update|delete|show sslcert "
		    "[ipport=IP:PORT | hostnameport=NAME:PORT | ccs=PORT] ..., http update "
		    "sslpropertyex ... propertyid=0|1 ...\n");
		return 2;
	}
	memset(c, 0, sizeof(*c));
	c->words = words;
	c->propex = strcasecmp(words[2], "sslpropertyex") == 0;
	c->tab = c->propex ? netsh_propex_params : netsh_params;
	c->ntab = c->propex ? NETSH_NPROPEX : NETSH_NPARAMS;
	c->keyp = c->ntab;
	for (v = 0; v < NETSH_NVERBS; v++)
		if (strcasecmp(words[1], netsh_verbs[v].word) == 0)
			break;
	if (v == NETSH_NVERBS || (c->propex && netsh_verbs[v].verb != NV_UPDATE)) {
		fprintf(errout, "sysbind: netsh http %s %s: not supported (%s)\n", words[1],
		    words[2], c->propex ? "update" : "add, update, delete, show");
		return 2;
	}
	c->verb = &netsh_verbs[v];
	if (netsh_words(c, nwords, out, errout, &rc) != 0)
		return rc;

	/* the entry's key, as a [sslcert KEY] name */
	if (c->keyp != c->ntab)
		snprintf(c->key, sizeof(c->key), "%s%s", c->tab[c->keyp].type == EDIT_NETSH_CCS ?
		    "ccs:" : "", c->val[c->keyp]);
	if (c->verb->verb == NV_SHOW) {
		if (c->val[NETSH_NPARAMS - 1] != NULL) {   /* json= */
			fprintf(errout, "sysbind: netsh http show sslcert: json= is not emulated: "
			    "sysbind prints the text layout only\n");
			return 2;
		}
		return netsh_show(path, c->keyp != c->ntab ? c->key : NULL, c->keyp != c->ntab &&
		    c->tab[c->keyp].type == EDIT_NETSH_SCOPEDCCS, out, errout);
	}
	if (c->keyp == c->ntab)
		return netsh_syntax(out);
	c->kind = c->tab[c->keyp].flags & NK_ALL;
	err[0] = '\0';
	if (binding_sslkey_parse(c->key, &c->k, err, sizeof(err)) != 0 ||
	    (c->k.kind == SSLCERT_IPPORT) != (c->kind == NK_IPPORT) ||
	    (c->k.kind == SSLCERT_HOSTNAMEPORT) != (c->kind == NK_HOST)) {
		if (err[0] == '\0' || strstr(err, "sslcert") == NULL)
			snprintf(err, sizeof(err), "\"%s\" is not a %s key", c->val[c->keyp],
			    c->tab[c->keyp].name);
		fprintf(errout, "sysbind: %s\n", err);
		return netsh_incorrect(out);
	}
	if (c->propex && netsh_propex_kv(c, out, errout, &rc) != 0)
		return rc;
	if (!c->propex && (c->verb->verb == NV_ADD || c->verb->verb == NV_UPDATE) &&
	    netsh_sslcert_kv(c, out, errout, &rc) != 0)
		return rc;
	return netsh_apply(c, path, out, errout);
}
