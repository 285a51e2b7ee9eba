/*
 * conf_certs — with CONF_LOAD_CERTS, what a sysbind.ini(5) names on disk: each [sslcert]
 * entry's certificate (a PEM chain, a PFX, a thumbprint looked up in [server] cert_store,
 * a Central Certificate Store), the trust bundle, the CRLs, the session ticket keys and
 * each entry's issuer list.  A file that cannot be read is an error at its key for the
 * daemon and -t, a warning for the offline views; a certificate that can be shown but not
 * served is remembered on its entry (unavailable).  Loading itself is certstore.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "model/conf_int.h"
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
 * The intermediate store, and with served_chain = store every loaded certificate's chain
 * built through it (its own extra certificates counted as imported), as Windows builds it.
 * A store file that cannot be read is an error at intermediate_store's line (a warning for
 * the offline views, which then build with the files' extras alone); a file of another
 * name, which Windows would not import either, is a warning there naming it.
 */
static void
conf_serve_chains(struct conf_parser *p)
{
	struct conf *c = p->c;
	int kis = conf_key_at(CONF_SECTION_SERVER, "intermediate_store");
	time_t now = time(NULL);
	char msg[1024];
	size_t i, j;
	int bad = 0;

	if (c->intermediate_store != NULL &&
	    (c->istore = chain_store_load(c->intermediate_store, msg, sizeof(msg))) == NULL)
		conf_load_failed(p, p->server_lines[kis], "intermediate_store: ", msg);
	for (i = 0; chain_store_skipped(c->istore, i) != NULL; i++)
		conf_warning(p, p->server_lines[kis], "intermediate_store: %s is not read: not a "
		    "certificate file (.cer, .crt, .der, .pem, or a .p7b/.p7c bundle)",
		    chain_store_skipped(c->istore, i));
	if (c->served_chain != CHAIN_SERVE_STORE)
		return;
	for (i = 0; i < c->nsslcerts; i++) {
		struct conf_sslcert *e = &c->sslcerts[i];
		struct cert *x;

		if (e->cert != NULL && chain_serve(e->cert, c->istore, now) != 0)
			bad = 1;
		for (j = 0; (x = certstore_ccs_cert_edit(e->ccs, j)) != NULL; j++)
			if (chain_serve(x, c->istore, now) != 0)
				bad = 1;
	}
	if (bad)
		conf_error(p, p->server_lines[kis], "building the served chains: out of memory");
}

/*
 * With CONF_LOAD_CERTS: every certificate, store and trust bundle.  A file the
 * configuration names that cannot be read is an error at its key (a warning for the offline
 * views); a thumbprint the store does not hold, or holds without its key, is a warning.
 */
void
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
	conf_serve_chains(p);
}
