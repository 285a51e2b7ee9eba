/*
 * views — formatting of the offline commands, and what all of them share: `show sslcert`
 * as netsh prints it (CRLF, byte for byte), `list site` as appcmd prints it, the note on
 * sites sharing one HTTPS binding, and the helpers check (viewscheck.c) and explain
 * (viewsexplain.c) write with (JSON strings, certificate names and their JSON, TLS
 * versions, thumbprints, site labels).  Every decision shown here is made by
 * binding_resolve_cert, binding_route and certstore_verdict; nothing in these files
 * re-implements them.  They do not load configurations or choose exit statuses (cli.c
 * does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <sys/socket.h>

#include <openssl/tls1.h>

#include "iis/views.h"
#include "iis/views_int.h"
#include "model/apppool.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/clientcert.h"
#include "model/conf.h"
#include "model/respond.h"

/* ---- JSON: every --json output through respond.c's one string escaper ---- */

static void
json_put_file(void *arg, const char *p, size_t n)
{
	fwrite(p, 1, n, arg);
}

void
views_json_string(FILE *out, const char *s)
{
	respond_json_escape(s, json_put_file, out);
}

/* ---- show sslcert ---- */

/* One netsh line: the label is padded to 28 columns; a longer one keeps a single space.
 * Windows Server 2008's netsh (layout < 2012) had a field of its own for each label and a
 * space after some values (conf_netsh2008_lead); a line it never printed is padded to 24. */
static void
sslcert_line(FILE *out, unsigned layout, const char *label, const char *value)
{
	const char *lead;
	int trail;

	if (layout >= 2012)
		fprintf(out, "    %-28s : %s\r\n", label, value);
	else if ((lead = conf_netsh2008_lead(label, &trail)) != NULL)
		fprintf(out, "    %s: %s%s\r\n", lead, value, trail ? " " : "");
	else
		fprintf(out, "    %-24s: %s\r\n", label, value);
}

/* The thumbprint netsh would show: the loaded certificate's, else certhash as written
 * without spaces and lowercased, else "(null)". */
static void
sslcert_hash(const struct conf_sslcert *e, char *buf, size_t len)
{
	size_t n = 0;
	const char *p;

	if (e->key.kind == SSLCERT_CCS) {
		snprintf(buf, len, "(null)");
		return;
	}
	if (e->cert != NULL) {
		snprintf(buf, len, "%s", e->cert->thumbprint);
		return;
	}
	if (e->certhash == NULL) {
		snprintf(buf, len, "(null)");
		return;
	}
	for (p = e->certhash; *p != '\0' && n + 1 < len; p++)
		if (!isspace((unsigned char)*p))
			buf[n++] = (char)tolower((unsigned char)*p);
	buf[n] = '\0';
}

/* The value netsh prints for key k of entry e: Enabled/Disabled or Set/Not Set for a
 * flag, the number, the text or "(null)". */
static const char *
sslcert_value(const struct conf_key *k, const struct conf_sslcert *e, char *buf, size_t len)
{
	const char *v;

	if (strcmp(k->name, "certhash") == 0) {
		sslcert_hash(e, buf, len);
		return buf;
	}
	if (k->type == CONF_TYPE_SWITCH) {
		int on = conf_switch_enabled(k, e);

		if (k->flags & CONF_KEY_SETWORDS)
			return on ? "Set" : "Not Set";
		return on ? "Enabled" : "Disabled";
	}
	if (strcmp(k->name, "certstorename") == 0 && e->key.kind == SSLCERT_CCS)
		return "(null)";
	v = conf_key_value(k, e, buf, len);
	return v != NULL ? v : "(null)";
}

/* Whether key k of e holds something other than netsh's default (what `show` would
 * print differently from an entry added with no parameters). */
static int
sslcert_not_default(const struct conf_key *k, const struct conf_sslcert *e)
{
	char buf[64];
	const char *v = conf_key_value(k, e, buf, sizeof(buf));

	if (k->def == NULL)
		return v != NULL;
	return v == NULL || strcmp(v, k->def) != 0;
}

int
views_show_sslcert(const struct conf *cfg, FILE *out, FILE *note)
{
	size_t i, j, n;
	const struct conf_key *keys = conf_keys(&n);
	unsigned layout = (unsigned)cfg->show_layout, prop;

	fputs("\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n", out);
	for (i = 0; i < cfg->nsslcerts; i++) {
		const struct conf_sslcert *e = &cfg->sslcerts[i];
		char key[BINDING_HOST_MAX + 16], val[128];
		const char *label = "IP:port";

		if (e->key.kind == SSLCERT_HOSTNAMEPORT)
			label = "Hostname:port";
		else if (e->key.kind == SSLCERT_CCS)
			label = "Central Certificate Store";
		binding_sslkey_format(&e->key, key, sizeof(key));
		if (layout < 2012 && e->key.kind != SSLCERT_IPPORT && note != NULL)
			fprintf(note, "sysbind: [sslcert %s]: show_layout = %s has no %s "
			    "entries (they came with Windows Server 2012): shown in its layout all "
			    "the same\n", e->name, conf_layout_word(layout), label);
		sslcert_line(out, layout, label, key);
		for (j = 0; j < n; j++) {
			const struct conf_key *k = &keys[j];

			if (k->section != CONF_SECTION_SSLCERT || k->label == NULL)
				continue;
			if (k->since > layout) {
				/* what this layout has no line for is said, not dropped */
				if (note != NULL && sslcert_not_default(k, e))
					fprintf(note, "sysbind: [sslcert %s]: %s = %s is not shown: "
					    "show_layout = %s has no \"%s\" line (it came with %s)\n",
					    e->name, k->name, conf_key_value(k, e, val, sizeof(val)),
					    conf_layout_word(layout), k->label,
					    conf_layout_title(k->since));
				continue;
			}
			if (k->extprop == 0)
				sslcert_line(out, layout, k->label, sslcert_value(k, e, val,
				    sizeof(val)));
		}
		/* the "Extended Properties" blocks (netsh http update sslpropertyex); those
		 * past PropertyId 1 hold no line sysbind knows: printed empty, as Windows 11's
		 * netsh prints them */
		for (prop = 1; layout >= 2022 && prop <= cfg->show_property_blocks; prop++) {
			fputs(" Extended Properties:\r\n", out);
			snprintf(val, sizeof(val), "%u", prop - 1);
			sslcert_line(out, layout, "PropertyId", val);
			for (j = 0; j < n; j++)
				if (keys[j].section == CONF_SECTION_SSLCERT && keys[j].extprop == prop)
					sslcert_line(out, layout, keys[j].label,
					    sslcert_value(&keys[j], e, val, sizeof(val)));
		}
		fputs("\r\n", out);
	}
	return ferror(out) ? -1 : 0;
}

/* The kind of an [sslcert] entry, as its section name says it. */
static const char *
sslcert_kind_name(enum sslcert_kind kind)
{
	return kind == SSLCERT_HOSTNAMEPORT ? "hostnameport" : kind == SSLCERT_CCS ? "ccs" :
	    "ipport";
}

int
views_show_sslcert_json(const struct conf *cfg, FILE *out)
{
	size_t i, j, n;
	const struct conf_key *keys = conf_keys(&n);

	fputs("[", out);
	for (i = 0; i < cfg->nsslcerts; i++) {
		const struct conf_sslcert *e = &cfg->sslcerts[i];
		char key[BINDING_HOST_MAX + 16], val[128];

		binding_sslkey_format(&e->key, key, sizeof(key));
		fputs(i > 0 ? ",\n  {\"kind\": " : "\n  {\"kind\": ", out);
		views_json_string(out, sslcert_kind_name(e->key.kind));
		fputs(", \"name\": ", out);
		views_json_string(out, key);
		for (j = 0; j < n; j++) {
			const struct conf_key *k = &keys[j];
			const char *v;

			/* what netsh shows, and the files; never a password */
			if (k->section != CONF_SECTION_SSLCERT ||
			    (k->label == NULL && k->type != CONF_TYPE_PATH))
				continue;
			fprintf(out, ", \"%s\": ", k->name);
			if (k->type == CONF_TYPE_SWITCH) {
				fputs(conf_switch_enabled(k, e) ? "true" : "false", out);
				continue;
			}
			if (strcmp(k->name, "certhash") == 0) {
				sslcert_hash(e, val, sizeof(val));
				v = strcmp(val, "(null)") == 0 ? NULL : val;
			} else {
				v = conf_key_value(k, e, val, sizeof(val));
			}
			if (v != NULL && k->type == CONF_TYPE_NUMBER && v[0] != '\0' &&
			    strspn(v, "0123456789") == strlen(v))
				fputs(v, out);
			else
				views_json_string(out, v);
		}
		fputs("}", out);
	}
	fputs(cfg->nsslcerts > 0 ? "\n]\n" : "]\n", out);
	return ferror(out) ? -1 : 0;
}

/* ---- list site ---- */

int
views_list_site_json(const struct conf *cfg, FILE *out)
{
	size_t i, j;
	char b[BINDING_HOST_MAX + 64];

	fputs("[", out);
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];

		fputs(i > 0 ? ",\n  {\"name\": " : "\n  {\"name\": ", out);
		views_json_string(out, s->name);
		fprintf(out, ", \"id\": %ld, \"bindings\": [", s->id);
		for (j = 0; j < s->nbindings; j++) {
			binding_format(&s->bindings[j], b, sizeof(b));
			if (j > 0)
				fputs(", ", out);
			views_json_string(out, b);
		}
		fprintf(out, "], \"state\": \"%s\", \"backend\": ", s->stopped ? "Stopped" :
		    "Started");
		views_json_string(out, s->backend);
		/* IIS 10's <hsts>, by its attribute names */
		fprintf(out, ", \"hsts\": {\"enabled\": %s, \"max-age\": %lu, "
		    "\"includeSubDomains\": %s, \"preload\": %s, \"redirectHttpToHttps\": %s}",
		    s->hsts ? "true" : "false", s->hsts_max_age,
		    s->hsts_include_subdomains ? "true" : "false", s->hsts_preload ? "true" : "false",
		    s->hsts_redirect_http ? "true" : "false");
		fputs("}", out);
	}
	fputs(cfg->nsites > 0 ? "\n]\n" : "]\n", out);
	return ferror(out) ? -1 : 0;
}

int
views_list_site(const struct conf *cfg, FILE *out)
{
	size_t i, j;
	char b[BINDING_HOST_MAX + 64];

	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];

		fprintf(out, "SITE \"%s\" (id:%ld,bindings:", s->name, s->id);
		for (j = 0; j < s->nbindings; j++) {
			binding_format(&s->bindings[j], b, sizeof(b));
			fprintf(out, "%s%s", j > 0 ? "," : "", b);
		}
		fprintf(out, ",state:%s)\n", s->stopped ? "Stopped" : "Started");
	}
	return ferror(out) ? -1 : 0;
}

int
views_list_apppool(const struct conf *cfg, const char *name, FILE *out)
{
	size_t *of = NULL, npools = 0, i, next = 0;
	int n = 0;

	if (cfg->nsites > 0 && ((of = calloc(cfg->nsites, sizeof(*of))) == NULL ||
	    apppool_group(cfg, of, &npools) != 0)) {
		free(of);
		return -1;
	}
	for (i = 0; i < cfg->nsites; i++) {
		const char *pool = apppool_name(&cfg->sites[i]);

		if (of[i] != next)   /* pools are numbered in order of first use */
			continue;
		next++;
		if (name != NULL && strcasecmp(pool, name) != 0)
			continue;
		fprintf(out, "APPPOOL \"%s\" (MgdVersion:,MgdMode:Integrated,state:%s)\n", pool,
		    apppool_run_name(APPPOOL_STARTED));
		n++;
	}
	free(of);
	return ferror(out) ? -1 : n;
}

int
views_list_app(const struct conf *cfg, const char *app, const char *pool, FILE *out)
{
	size_t i;
	int n = 0;

	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];
		size_t len = strlen(s->name);

		if (app != NULL && (strncasecmp(app, s->name, len) != 0 ||
		    (app[len] != '\0' && strcmp(app + len, "/") != 0)))
			continue;
		if (pool != NULL && strcasecmp(pool, apppool_name(s)) != 0)
			continue;
		fprintf(out, "APP \"%s/\" (applicationPool:%s)\n", s->name, apppool_name(s));
		n++;
	}
	return ferror(out) ? -1 : n;
}

/* ---- shared helpers ---- */

const char *
views_pool_story(const struct conf_site *s, char *buf, size_t len)
{
	static const char *const answers[] = {
		[APPPOOL_ANSWER_RESET] = "a reset, no byte",
		[APPPOOL_ANSWER_LIMITED] = "503 Service Unavailable",
		[APPPOOL_ANSWER_FULL] = "503 with the detailed reason phrase (unverified)",
	};
	enum apppool_answer a = apppool_answer((enum conf_load_balancer)s->load_balancer,
	    (enum conf_verbosity)s->verbosity);
	char lbuf[32], vbuf[32], wait[64];
	const char *lb = conf_key_value(conf_key_find(CONF_SECTION_SITE, "load_balancer"), s,
	    lbuf, sizeof(lbuf));
	const char *vb = conf_key_value(conf_key_find(CONF_SECTION_SITE, "verbosity"), s, vbuf,
	    sizeof(vbuf));
	if (s->backend_max_connections == 0)
		snprintf(wait, sizeof(wait), "0 (no limit: no request waits)");
	else
		snprintf(wait, sizeof(wait), "%lu", s->backend_max_connections);
	if (s->rapid_fail)
		snprintf(buf, len, "application pool \"%s\": queue_length %u, "
		    "backend_max_connections %s, rapid_fail on (%lu failures within %u minute%s "
		    "stop it), load_balancer %s, verbosity %s: a refused request (QueueFull, "
		    "AppOffline) gets %s", apppool_name(s), s->queue_length, wait,
		    s->rapid_fail_max_crashes, s->rapid_fail_interval,
		    s->rapid_fail_interval == 1 ? "" : "s", lb, vb, answers[a]);
	else
		snprintf(buf, len, "application pool \"%s\": queue_length %u, "
		    "backend_max_connections %s, rapid_fail off, load_balancer %s, verbosity %s: a "
		    "refused request (QueueFull) gets %s", apppool_name(s), s->queue_length, wait,
		    lb, vb, answers[a]);
	return buf;
}

int
views_pool_custom(const struct conf_site *s)
{
	return s->queue_length != 1000 || !s->rapid_fail || s->rapid_fail_max_crashes != 5 ||
	    s->rapid_fail_interval != 5 || s->load_balancer != CONF_LB_HTTP ||
	    s->verbosity != CONF_VERBOSITY_LIMITED || s->backend_max_connections != 0;
}

/* The name a person knows a certificate by: its CN, else its first SAN, else its subject. */
const char *
views_cert_name(const struct cert *c)
{
	if (c->common_name[0] != '\0')
		return c->common_name;
	if (c->nsans > 0)
		return c->sans[0];
	return c->subject;
}

static void
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

const char *
views_mode_story(const struct conf *cfg)
{
	if (cfg->mode == CONF_MODE_IIS8)
		return "HTTP.SYS with SNI and CCS: exact IP:Port, then hostnameport, then ccs, "
		    "then the wildcard IP:Port";
	return "HTTP.SYS before SNI: the certificate is chosen by IP:Port alone";
}

/* "[site NAME]", the name quoted when the file must quote it. */
void
views_site_label(const struct conf_site *s, char *buf, size_t len)
{
	char *q = conf_name_quote(s->name);

	snprintf(buf, len, "[site %s]", q != NULL ? q : s->name);
	free(q);
}

/* ---- sites sharing one HTTPS binding ---- */

#define SHARE_LIST_MAX 10   /* sites, bindings or hosts named in one note */

/* What a note says about one share: its sites, its bindings, the hosts its certificate
 * does not name.  The texts point into the configuration, or into the owned buffers. */
struct share_facts {
	const char *sites[SHARE_LIST_MAX];
	size_t      nsites;            /* all of them, named or not */
	char        bindings[SHARE_LIST_MAX][2 * BINDING_HOST_MAX + 640];
	size_t      nbindings;
	const char *unnamed[SHARE_LIST_MAX];
	size_t      nunnamed;          /* the distinct ones listed */
	int         more_unnamed;      /* more than SHARE_LIST_MAX */
	char        cert[640];
	int         known;             /* the certificate is loaded: its names are known */
};

/* "a", "a and b", "a, b and c"; past SHARE_LIST_MAX "a, ..., j and N more" (more < 0:
 * "and more"). */
static void
share_phrase(FILE *out, const char *const *v, size_t shown, long more)
{
	size_t i;

	for (i = 0; i < shown; i++) {
		if (i > 0)
			fputs(i + 1 == shown && more == 0 ? " and " : ", ", out);
		fputs(v[i], out);
	}
	if (more > 0)
		fprintf(out, " and %ld more", more);
	else if (more < 0)
		fputs(" and more", out);
}

static void
share_facts(const struct binding_share *s, time_t now, struct share_facts *f)
{
	const struct conf_sslcert *e = s->entry;
	char text[BINDING_HOST_MAX + 64], label[BINDING_HOST_MAX + 560];
	size_t i, k;

	memset(f, 0, sizeof(*f));
	f->known = e->cert != NULL;
	if (e->cert != NULL)
		snprintf(f->cert, sizeof(f->cert), "%s", views_cert_name(e->cert));
	else if (e->certhash != NULL)
		snprintf(f->cert, sizeof(f->cert), "certificate %s (not available here)",
		    e->certhash);
	else
		snprintf(f->cert, sizeof(f->cert), "its certificate (not available here)");
	for (i = 0; i < s->nmembers; i++) {
		const struct binding_share_member *m = &s->members[i];
		const char *h = m->binding->host;

		/* members come in site order: a site's bindings are next to each other */
		if (i == 0 || m->site != s->members[i - 1].site) {
			if (f->nsites < SHARE_LIST_MAX)
				f->sites[f->nsites] = m->site->name;
			f->nsites++;
		}
		if (f->nbindings < SHARE_LIST_MAX) {
			binding_format(m->binding, text, sizeof(text));
			views_site_label(m->site, label, sizeof(label));
			snprintf(f->bindings[f->nbindings], sizeof(f->bindings[0]), "%s of %s", text,
			    label);
		}
		f->nbindings++;
		/* a blank host answers any name: there is no name to check */
		if (!f->known || h[0] == '\0' || certstore_verdict(e->cert, h, NULL, now, NULL, 0) !=
		    VERDICT_NAME_MISMATCH)
			continue;
		for (k = 0; k < f->nunnamed && strcasecmp(f->unnamed[k], h) != 0; k++)
			;
		if (k < f->nunnamed)
			continue;
		if (f->nunnamed == SHARE_LIST_MAX)
			f->more_unnamed = 1;
		else
			f->unnamed[f->nunnamed++] = h;
	}
}

/* Whether host is among the hosts f's certificate does not name. */
static int
share_unnamed(const struct share_facts *f, const char *host)
{
	size_t k;

	for (k = 0; k < f->nunnamed; k++)
		if (strcasecmp(f->unnamed[k], host) == 0)
			return 1;
	return 0;
}

static void
share_bindings(FILE *out, const struct share_facts *f)
{
	const char *v[SHARE_LIST_MAX];
	size_t i, shown = f->nbindings < SHARE_LIST_MAX ? f->nbindings : SHARE_LIST_MAX;

	for (i = 0; i < shown; i++)
		v[i] = f->bindings[i];
	share_phrase(out, v, shown, (long)(f->nbindings - shown));
}

static void
share_sites(FILE *out, const struct share_facts *f, const struct conf_site *except)
{
	const char *v[SHARE_LIST_MAX];
	size_t i, n = 0, shown = f->nsites < SHARE_LIST_MAX ? f->nsites : SHARE_LIST_MAX;

	for (i = 0; i < shown; i++)
		if (except == NULL || strcmp(f->sites[i], except->name) != 0)
			v[n++] = f->sites[i];
	share_phrase(out, v, n, (long)(f->nsites - shown));
}

static void
share_not_named(FILE *out, const struct share_facts *f)
{
	fputs("does not name ", out);
	share_phrase(out, f->unnamed, f->nunnamed, f->more_unnamed ? -1 : 0);
}

int
views_share_note(const struct binding_share *s,
    enum views_share_when when, const struct binding *joined, time_t now, FILE *out)
{
	struct share_facts *f = malloc(sizeof(*f));
	const struct binding_share_member *jm = NULL;
	const char *entry = s->entry->name;
	char text[BINDING_HOST_MAX + 64], label[BINDING_HOST_MAX + 560];
	size_t i;
	int written = 1;

	if (f == NULL)
		return 0;
	share_facts(s, now, f);
	switch (when) {
	case VIEWS_SHARE_CHECK:
		fputs("note: ", out);
		share_sites(out, f, NULL);
		fprintf(out, " share the HTTPS binding %s: one certificate, %s, for ", entry,
		    f->cert);
		share_bindings(out, f);
		if (f->nunnamed > 0) {
			fputs("; it ", out);
			share_not_named(out, f);
			fputs(". Giving one of these sites a different certificate gives it to all "
			    "of them, and IIS Manager asks first: \"" VIEWS_IIS_SHARED_TEXT "\" The "
			    "fix: one certificate naming every host, or SNI (mode = iis8 and a "
			    "hostnameport entry per host).\n", out);
		} else if (f->known) {
			fputs("; it names every host of theirs (a new certificate for [sslcert ", out);
			fprintf(out, "%s] is a new certificate for all of them).\n", entry);
		} else {
			fputs(" (its names are not known here: `check` needs the certificate).\n", out);
		}
		break;
	case VIEWS_SHARE_JOINED:
		for (i = 0; i < s->nmembers && jm == NULL; i++)
			if (s->members[i].binding == joined)
				jm = &s->members[i];
		if (jm == NULL) {
			written = 0;
			break;
		}
		binding_format(joined, text, sizeof(text));
		views_site_label(jm->site, label, sizeof(label));
		fprintf(out, "note: %s of %s reuses the HTTPS binding %s of ", text, label, entry);
		share_sites(out, f, jm->site);
		fprintf(out, " and its one certificate, %s", f->cert);
		if (joined->host[0] != '\0' && share_unnamed(f, joined->host)) {
			fprintf(out, ", which does not name %s (name-mismatch). Giving %s a different "
			    "certificate gives it to ", joined->host, jm->site->name);
			share_sites(out, f, jm->site);
			fputs(" too, and IIS Manager asks first: \"" VIEWS_IIS_SHARED_TEXT "\"\n", out);
		} else if (f->known && joined->host[0] != '\0') {
			fprintf(out, ", which names %s too.\n", joined->host);
		} else {
			fputs(".\n", out);
		}
		break;
	case VIEWS_SHARE_NEW_CERT:
	case VIEWS_SHARE_FIRST_CERT:
		if (when == VIEWS_SHARE_NEW_CERT)
			fputs("note: IIS Manager asks here: \"" VIEWS_IIS_SHARED_TEXT "\" netsh does "
			    "not ask: ", out);
		else
			fputs("note: ", out);
		fprintf(out, "the certificate of [sslcert %s], %s, is now the one certificate of ",
		    entry, f->cert);
		share_bindings(out, f);
		if (f->nunnamed > 0) {
			fputs("; it ", out);
			share_not_named(out, f);
		}
		fputs(".\n", out);
		break;
	case VIEWS_SHARE_START:
		if (f->nunnamed == 0) {
			written = 0;
			break;
		}
		share_sites(out, f, NULL);
		fprintf(out, " share the HTTPS binding %s and its one certificate, %s, which ",
		    entry, f->cert);
		share_not_named(out, f);
		fprintf(out, ": visitors of %s get a certificate error (sysbind check)\n",
		    f->nunnamed > 1 || f->more_unnamed ? "those names" : "that name");
		break;
	}
	free(f);
	return written;
}

/* ---- shared by check and explain ---- */

const char *
views_tls_version_name(int v)
{
	return v == TLS1_3_VERSION ? "TLS 1.3" : v == TLS1_2_VERSION ? "TLS 1.2" :
	    v == TLS1_1_VERSION ? "TLS 1.1" : "TLS 1.0";
}

/* The highest version an entry allows, as OpenSSL numbers it; 0 when none. */
int
views_tls_highest(unsigned versions)
{
	return (versions & CONF_TLS13) ? TLS1_3_VERSION : (versions & CONF_TLS12) ?
	    TLS1_2_VERSION : (versions & CONF_TLS11) ? TLS1_1_VERSION :
	    (versions & CONF_TLS10) ? TLS1_VERSION : 0;
}

/* The thumbprint an entry names, as netsh shows it (lowercase, no spaces). */
void
views_entry_thumbprint(const struct conf_sslcert *e, char *buf, size_t len)
{
	size_t n = 0;
	const char *p;

	buf[0] = '\0';
	for (p = e->certhash != NULL ? e->certhash : ""; *p != '\0' && n + 1 < len; p++)
		if (!isspace((unsigned char)*p))
			buf[n++] = (char)tolower((unsigned char)*p);
	buf[n] = '\0';
}

/*
 * The certificate a choice came to, as check and explain write it: {subject, sans,
 * thumbprint, not_after, selected_by[, available: false]}; an entry that matched without
 * its certificate at hand has a thumbprint only; no choice at all is null.
 */
void
views_json_cert(FILE *out, const struct cert *cert, const struct cert_choice *ch)
{
	char t[32], tp[64];
	size_t k;

	if (cert == NULL && ch->entry != NULL) {
		views_entry_thumbprint(ch->entry, tp, sizeof(tp));
		fputs("{\"subject\": null, \"sans\": [], \"thumbprint\": ", out);
		views_json_string(out, tp);
		fputs(", \"not_after\": null, \"selected_by\": ", out);
		views_json_string(out, ch->selected_by);
		fputs(", \"available\": false}", out);
		return;
	}
	if (cert == NULL) {
		fputs("null", out);
		return;
	}
	fputs("{\"subject\": ", out);
	views_json_string(out, cert->subject);
	fputs(", \"sans\": [", out);
	for (k = 0; k < cert->nsans; k++) {
		if (k > 0)
			fputs(", ", out);
		views_json_string(out, cert->sans[k]);
	}
	fputs("], \"thumbprint\": ", out);
	views_json_string(out, cert->thumbprint);
	iso_time(cert->not_after, t, sizeof(t));
	fputs(", \"not_after\": ", out);
	views_json_string(out, t);
	fputs(", \"selected_by\": ", out);
	views_json_string(out, ch->selected_by);
	if (cert->key == NULL)
		fputs(", \"available\": false", out);
	fputs("}", out);
}
