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

int
edit_netsh(const char *path, int nwords, char *const *words, FILE *out, FILE *errout)
{
	static const struct { const char *word; unsigned verb; const char *did, *doing; } verbs[] = {
		{ "add", NV_ADD, "added", "add" },
		{ "delete", NV_DELETE, "deleted", "deletion" },
		{ "show", NV_SHOW, NULL, NULL },
		{ "update", NV_UPDATE, "updated", "update" },
	};
	const char *val[NETSH_NPARAMS], *kv[2 * NETSH_NPARAMS + 8];
	char key[BINDING_HOST_MAX + 16] = "", err[16384], *text = NULL, *next = NULL;
	char lower[NETSH_NPARAMS][16], keep[3][32];
	const struct edit_netsh_param *tab = netsh_params;
	size_t ntab = NETSH_NPARAMS, nkv = 0, v, i, keyp;
	struct sslcert_key k;
	enum edit_status st;
	unsigned verb, kind;
	int rc, w, propex;

	memset(val, 0, sizeof(val));
	if (nwords < 3 || strcasecmp(words[0], "http") != 0 ||
	    (strcasecmp(words[2], "sslcert") != 0 && strcasecmp(words[2], "sslpropertyex") != 0)) {
		fprintf(errout, "sysbind: netsh: supported: http add|update|delete|show sslcert "
		    "[ipport=IP:PORT | hostnameport=NAME:PORT | ccs=PORT] ..., http update "
		    "sslpropertyex ... propertyid=0|1 ...\n");
		return 2;
	}
	propex = strcasecmp(words[2], "sslpropertyex") == 0;
	if (propex) {
		tab = netsh_propex_params;
		ntab = NETSH_NPROPEX;
	}
	keyp = ntab;
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcasecmp(words[1], verbs[v].word) == 0)
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0]) || (propex && verbs[v].verb != NV_UPDATE)) {
		fprintf(errout, "sysbind: netsh http %s %s: not supported (%s)\n", words[1],
		    words[2], propex ? "update" : "add, update, delete, show");
		return 2;
	}
	verb = verbs[v].verb;
	for (w = 3; w < nwords; w++) {
		const char *eq = strchr(words[w], '=');
		size_t n = eq != NULL ? (size_t)(eq - words[w]) : 0;

		for (i = 0; eq != NULL && i < ntab; i++)
			if (strlen(tab[i].name) == n && strncasecmp(words[w], tab[i].name, n) == 0)
				break;
		if (eq == NULL || i == ntab) {
			fprintf(errout, "sysbind: netsh http %s %s: unknown parameter \"%s\"\n",
			    words[1], words[2], words[w]);
			return netsh_syntax(out);
		}
		if (!(tab[i].flags & verb)) {
			fprintf(errout, "sysbind: netsh http %s %s: %s= is not a parameter of %s\n",
			    words[1], words[2], tab[i].name, words[1]);
			return netsh_syntax(out);
		}
		if (val[i] != NULL || (tab[i].type <= EDIT_NETSH_SCOPEDCCS && keyp != ntab)) {
			fprintf(errout, "sysbind: netsh http %s %s: %s given twice\n", words[1],
			    words[2], tab[i].type <= EDIT_NETSH_SCOPEDCCS ? "the entry's key" :
			    tab[i].name);
			return netsh_syntax(out);
		}
		val[i] = eq + 1;
		if (tab[i].type <= EDIT_NETSH_SCOPEDCCS)
			keyp = i;
		if (!netsh_value_valid(tab[i].type, val[i])) {
			fprintf(errout, "sysbind: netsh http %s %s: %s=%s: %s\n", words[1], words[2],
			    tab[i].name, val[i], tab[i].type == EDIT_NETSH_ENABLE ?
			    "enable or disable" : tab[i].type == EDIT_NETSH_UINT ?
			    "a number from 0 to 4294967295" : tab[i].type == EDIT_NETSH_GUID ?
			    "a GUID in braces" : tab[i].type == EDIT_NETSH_HASH ?
			    "a SHA-1 thumbprint of 40 hex digits" : "a value");
			return netsh_incorrect(out);
		}
		if (tab[i].type == EDIT_NETSH_ENABLE) {
			/* netsh takes Enable as well; the configuration spells it enable */
			snprintf(lower[i], sizeof(lower[i]), "%s", val[i]);
			for (n = 0; lower[i][n] != '\0'; n++)
				lower[i][n] = (char)tolower((unsigned char)lower[i][n]);
			val[i] = lower[i];
		}
	}

	/* the entry's key, as a [sslcert KEY] name */
	if (keyp != ntab) {
		if (tab[keyp].type == EDIT_NETSH_CCS)
			snprintf(key, sizeof(key), "ccs:%s", val[keyp]);
		else
			snprintf(key, sizeof(key), "%s", val[keyp]);
	}
	if (verb == NV_SHOW) {
		if (val[NETSH_NPARAMS - 1] != NULL) {   /* json= */
			fprintf(errout, "sysbind: netsh http show sslcert: json= is not emulated: "
			    "sysbind prints the text layout only\n");
			return 2;
		}
		return netsh_show(path, keyp != ntab ? key : NULL,
		    keyp != ntab && tab[keyp].type == EDIT_NETSH_SCOPEDCCS, out, errout);
	}
	if (keyp == ntab)
		return netsh_syntax(out);
	kind = tab[keyp].flags & NK_ALL;
	if (binding_sslkey_parse(key, &k, err, sizeof(err)) != 0 ||
	    (k.kind == SSLCERT_IPPORT) != (kind == NK_IPPORT) ||
	    (k.kind == SSLCERT_HOSTNAMEPORT) != (kind == NK_HOST)) {
		if (err[0] == '\0' || strstr(err, "sslcert") == NULL)
			snprintf(err, sizeof(err), "\"%s\" is not a %s key", val[keyp], tab[keyp].name);
		fprintf(errout, "sysbind: %s\n", err);
		return netsh_incorrect(out);
	}
	if (propex) {
		/* propertyid=0 with receivewindow; 1 with maxsettingsperframe/-perminute */
		const char *id = val[3];

		if (id == NULL || (strcmp(id, "0") != 0 && strcmp(id, "1") != 0)) {
			fprintf(errout, "sysbind: netsh http update sslpropertyex: propertyid=0 "
			    "(receivewindow=) or propertyid=1 (maxsettingsperframe=, "
			    "maxsettingsperminute=)\n");
			return id == NULL ? netsh_syntax(out) : netsh_incorrect(out);
		}
		for (i = 4; i < ntab; i++) {
			const struct conf_key *ck = conf_key_find(CONF_SECTION_SSLCERT,
			    tab[i].conf_key);

			if (val[i] == NULL)
				continue;
			if (ck == NULL || (int)ck->extprop != atoi(id) + 1) {
				fprintf(errout, "sysbind: netsh http update sslpropertyex: %s= belongs to "
				    "propertyid=%u\n", tab[i].name, ck != NULL ? ck->extprop - 1 : 0);
				return netsh_incorrect(out);
			}
			kv[nkv++] = tab[i].conf_key;
			kv[nkv++] = val[i];
		}
		if (nkv == 0) {
			fprintf(errout, "sysbind: netsh http update sslpropertyex: propertyid=%s needs "
			    "%s\n", id, strcmp(id, "0") == 0 ? "receivewindow=" :
			    "maxsettingsperframe= or maxsettingsperminute=");
			return netsh_syntax(out);
		}
	}
	if (!propex && (verb == NV_ADD || verb == NV_UPDATE)) {
		/* appid always; certhash for an ipport or hostnameport entry */
		for (i = 0; i < ntab; i++)
			if (strcmp(tab[i].name, "appid") == 0 && val[i] == NULL)
				return netsh_syntax(out);
		for (i = 0; i < ntab; i++) {
			const struct edit_netsh_param *q = &tab[i];

			if (val[i] == NULL || i == keyp)
				continue;
			if (!(q->flags & kind)) {
				fprintf(errout, "sysbind: netsh http %s sslcert: %s= does not apply to a "
				    "%s entry\n", words[1], q->name, tab[keyp].name);
				return netsh_incorrect(out);
			}
			if (q->conf_key != NULL) {
				kv[nkv++] = q->conf_key;
				kv[nkv++] = val[i];
			} else if (q->def == NULL || strcasecmp(val[i], q->def) != 0) {
				fprintf(errout, "sysbind: netsh http %s sslcert: %s=%s is not emulated by "
				    "sysbind%s%s%s: nothing was changed\n", words[1], q->name, val[i],
				    q->shows != NULL ? " (netsh would show \"" : "",
				    q->shows != NULL ? q->shows : "", q->shows != NULL ? "\")" : "");
				return 2;
			}
		}
		if (kind != NK_CCS) {
			for (i = 0; i < ntab; i++)
				if (strcmp(tab[i].name, "certhash") == 0 && val[i] == NULL)
					return netsh_syntax(out);
		}
	}
	if ((text = edit_slurp(path, errout)) == NULL)
		return 2;
	if (propex)
		next = edit_sslcert_set(text, key, kv, nkv / 2, &st, err, sizeof(err));
	else if (verb == NV_ADD)
		next = edit_sslcert_add(text, key, kv, nkv / 2, &st, err, sizeof(err));
	else if (verb == NV_UPDATE) {
		nkv = netsh_keep_propex(text, path, &k, kv, nkv, keep, 3);
		next = edit_sslcert_update(text, key, kv, nkv / 2, &st, err, sizeof(err));
	} else
		next = edit_sslcert_delete(text, key, &st, err, sizeof(err));
	if (next == NULL) {
		if (st == EDIT_DUPLICATE)
			rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 183\r\n"
			    "Cannot create a file when that file already exists.", verbs[v].word);
		else if (st == EDIT_NOT_FOUND)
			rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 2\r\n"
			    "The system cannot find the file specified.", verbs[v].doing);
		else
			rc = netsh_incorrect(out);
		fprintf(errout, "sysbind: %s\n", err);
		free(text);
		return rc;
	}
	/* netsh refuses a thumbprint the machine store does not hold (error 1312), or holds
	 * without its private key */
	for (i = 0; i < nkv; i += 2) {
		struct conf *c;
		const struct conf_sslcert *e;
		struct cert *found;

		if (strcmp(kv[i], "certhash") != 0)
			continue;
		c = conf_parse(next, path, 0, err, sizeof(err));
		e = c != NULL ? conf_find_sslcert(c, &k) : NULL;
		if (e != NULL && c->cert_store != NULL) {
			found = certstore_find_thumbprint(c->cert_store, kv[i + 1], e->pfx_password, 0,
			    err, sizeof(err));
			if (found == NULL) {
				rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 1312\r\n"
				    "A specified logon session does not exist. It may already have been "
				    "terminated.", verbs[v].doing);
				fprintf(errout, "sysbind: %s\n", err);
				conf_free(c);
				free(text);
				free(next);
				return rc;
			}
			certstore_cert_free(found);
		}
		conf_free(c);
	}
	if ((rc = edit_file_write(path, next, err, sizeof(err))) != 0) {
		fprintf(errout, "sysbind: %s not changed%s\n", path, rc == -1 ?
		    ": the result would be invalid:" : "");
		edit_print_lines(errout, err);
		rc = netsh_msg(out, 1, "SSL Certificate %s failed, Error: 87\r\n"
		    "The parameter is incorrect.", verbs[v].doing);
	} else {
		/* sslpropertyex's own message is not documented: netsh's update one */
		rc = netsh_msg(out, 0, "SSL Certificate successfully %s", verbs[v].did);
		if (!propex && (verb == NV_ADD || verb == NV_UPDATE))
			edit_note_certificate(path, text, next, &k, errout);
	}
	free(text);
	free(next);
	return rc;
}
