/*
 * views — formatting of the offline commands: `show sslcert` as netsh prints it (CRLF,
 * byte for byte), `list site` as appcmd prints it, the `check` table and JSON, and the
 * `explain` narration.  Every decision shown here is made by binding_resolve_cert,
 * binding_route and certstore_verdict; nothing in this file re-implements them.  This
 * file does not load configurations or choose exit statuses (cli.c does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <sys/socket.h>

#include "views.h"
#include "binding.h"
#include "certstore.h"
#include "conf.h"

/* ---- show sslcert ---- */

/* One netsh line: the label is padded to 28 columns; a longer one keeps a single space. */
static void
sslcert_line(FILE *out, const char *label, const char *value)
{
	fprintf(out, "    %-28s : %s\r\n", label, value);
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
		sslcert_line(out, label, key);
		for (j = 0; j < n; j++) {
			const struct conf_key *k = &keys[j];

			if (k->section != CONF_SECTION_SSLCERT || k->label == NULL)
				continue;
			if (k->since > layout) {
				/* what this layout has no line for is said, not dropped */
				if (note != NULL && sslcert_not_default(k, e))
					fprintf(note, "sysbind: [sslcert %s]: %s = %s is not shown: "
					    "show_layout = %u has no \"%s\" line (it came with Windows "
					    "Server %u)\n", e->name, k->name, conf_key_value(k, e, val,
					    sizeof(val)), layout, k->label, k->since);
				continue;
			}
			if (k->extprop == 0)
				sslcert_line(out, k->label, sslcert_value(k, e, val, sizeof(val)));
		}
		/* the "Extended Properties" blocks (netsh http update sslpropertyex) */
		for (prop = 1; layout >= 2022 && prop <= 2; prop++) {
			fputs(" Extended Properties:\r\n", out);
			snprintf(val, sizeof(val), "%u", prop - 1);
			sslcert_line(out, "PropertyId", val);
			for (j = 0; j < n; j++)
				if (keys[j].section == CONF_SECTION_SSLCERT && keys[j].extprop == prop)
					sslcert_line(out, keys[j].label, sslcert_value(&keys[j], e, val,
					    sizeof(val)));
		}
		fputs("\r\n", out);
	}
	return ferror(out) ? -1 : 0;
}

/* ---- list site ---- */

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

/* ---- shared helpers ---- */

/* The name a person knows a certificate by: its CN, else its first SAN, else its subject. */
static const char *
cert_name(const struct cert *c)
{
	if (c->common_name[0] != '\0')
		return c->common_name;
	if (c->nsans > 0)
		return c->sans[0];
	return c->subject;
}

static void
json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

static const char *
mode_story(const struct conf *cfg)
{
	if (cfg->mode == CONF_MODE_IIS8)
		return "HTTP.SYS with SNI and CCS: exact IP:Port, then hostnameport, then ccs, "
		    "then the wildcard IP:Port";
	return "HTTP.SYS before SNI: the certificate is chosen by IP:Port alone";
}

/* ---- check ---- */

struct prediction {
	const struct conf_site *site;
	const struct binding *b;
	char               binding[BINDING_HOST_MAX + 64];
	char               local[80];
	int                family;   /* the connection's: AF_INET or AF_INET6 */
	int                wildcard; /* a "*" binding: one of its two families */
	const char        *host;     /* the binding's host, NULL when blank */
	const char        *sni;      /* NULL: the client sends none */
	struct cert_choice choice;
	const struct cert *cert;     /* NULL: no certificate (handshake fails or unknown) */
	const char        *verdict;  /* certstore_verdict_name(), "n/a" or "unknown" */
	char               why[768];
	int                error;    /* a client error: counts for the exit status */
};

/* The thumbprint an entry names, as netsh shows it (lowercase, no spaces). */
static void
entry_thumbprint(const struct conf_sslcert *e, char *buf, size_t len)
{
	size_t n = 0;
	const char *p;

	buf[0] = '\0';
	for (p = e->certhash != NULL ? e->certhash : ""; *p != '\0' && n + 1 < len; p++)
		if (!isspace((unsigned char)*p))
			buf[n++] = (char)tolower((unsigned char)*p);
	buf[n] = '\0';
}

static void
predict(const struct conf *cfg, const struct conf_site *s, const struct binding *b,
    const char *sni, int family, time_t now, struct prediction *p)
{
	struct binding_addr addr = b->addr;
	enum cert_verdict v;

	memset(p, 0, sizeof(*p));
	p->site = s;
	p->b = b;
	binding_format(b, p->binding, sizeof(p->binding));
	if (addr.family == AF_UNSPEC) {
		/* "*" (All Unassigned): the listener's wildcard of this family */
		memset(&addr, 0, sizeof(addr));
		addr.family = family;
		p->wildcard = 1;
	}
	p->family = addr.family;
	binding_ipport_format(&addr, b->port, p->local, sizeof(p->local));
	p->host = b->host[0] != '\0' ? b->host : NULL;
	p->sni = sni;
	if (binding_resolve_cert(cfg, &addr, b->port, sni, &p->choice) == 0)
		p->cert = p->choice.cert;
	if (p->cert == NULL && p->choice.entry != NULL) {
		/* The entry is known, its certificate is not here: the IIS server has it. */
		const struct conf_sslcert *e = p->choice.entry;
		char tp[64];

		entry_thumbprint(e, tp, sizeof(tp));
		p->verdict = "unknown";
		snprintf(p->why, sizeof(p->why), "[sslcert %s] names certificate %s, not available "
		    "here (%.300s): the verdict needs it in cert_store; sysbind itself fails this "
		    "handshake until then", e->name, tp[0] != '\0' ? tp : "(none)",
		    e->unavailable != NULL ? e->unavailable : "not loaded");
		return;
	}
	if (p->cert == NULL) {
		v = certstore_verdict(NULL, p->host != NULL ? p->host : "", cfg->trust_store, now,
		    p->why, sizeof(p->why));
		snprintf(p->why, sizeof(p->why), "no certificate binding matches %s%s%s: "
		    "the handshake fails", p->local, sni != NULL ? " with SNI " : " without SNI",
		    sni != NULL ? sni : "");
		p->verdict = certstore_verdict_name(v);
		p->error = 1;
		return;
	}
	if (p->host != NULL) {
		v = certstore_verdict(p->cert, p->host, cfg->trust_store, now, p->why,
		    sizeof(p->why));
		p->verdict = certstore_verdict_name(v);
		p->error = v != VERDICT_OK;
	} else {
		/* No host to check the name against: "" makes certstore_verdict skip the name
		 * check, so only the dates and the chain count. */
		v = certstore_verdict(p->cert, "", cfg->trust_store, now, p->why, sizeof(p->why));
		if (v == VERDICT_OK) {
			char dates[sizeof(p->why)];

			memcpy(dates, p->why, sizeof(dates));
			p->verdict = "n/a";
			snprintf(p->why, sizeof(p->why), "the binding answers any host, so there is no "
			    "name to check; %.400s", dates);
		} else {
			p->verdict = certstore_verdict_name(v);
			p->error = 1;
		}
	}
	if (p->cert->key == NULL) {
		size_t n = strlen(p->why);

		snprintf(p->why + n, sizeof(p->why) - n, "%s(the certificate is here without its "
		    "private key: predicted as the IIS server serves it; sysbind itself cannot)",
		    n > 0 ? " " : "");
	}
}

/*
 * Every prediction of cfg, in site and binding order; for each binding with SNI (when it
 * has a host) then without, and for a "*" binding each for IPv4 then IPv6, as the daemon
 * listens on both.  Returns 0 or -1 (no memory).
 */
static int
predict_all(const struct conf *cfg, time_t now, struct prediction **out, size_t *n)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	size_t i, j, cap = 0;
	struct prediction *p;
	int f, nf, with;

	*out = NULL;
	*n = 0;
	for (i = 0; i < cfg->nsites; i++)
		cap += cfg->sites[i].nbindings * 4;
	if (cap == 0)
		return 0;
	if ((p = calloc(cap, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *s = &cfg->sites[i];

		for (j = 0; j < s->nbindings; j++) {
			const struct binding *b = &s->bindings[j];

			if (b->proto != BINDING_HTTPS)
				continue;
			nf = b->addr.family == AF_UNSPEC ? 2 : 1;
			for (with = b->host[0] != '\0'; with >= 0; with--)
				for (f = 0; f < nf; f++)
					predict(cfg, s, b, with ? b->host : NULL,
					    nf == 2 ? families[f] : b->addr.family, now, &p[(*n)++]);
		}
	}
	*out = p;
	return 0;
}

static void
check_json(FILE *out, const struct prediction *p, size_t n)
{
	size_t i, k;
	char t[32], tp[64];

	fputs("[", out);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		fputs("\"site\": ", out);
		json_string(out, p[i].site->name);
		fprintf(out, ", \"site_id\": %ld, \"binding\": ", p[i].site->id);
		json_string(out, p[i].binding);
		fputs(", \"local\": ", out);
		json_string(out, p[i].local);
		fputs(", \"sni\": ", out);
		json_string(out, p[i].sni);
		fputs(", \"certificate\": ", out);
		if (p[i].cert == NULL && p[i].choice.entry != NULL) {
			entry_thumbprint(p[i].choice.entry, tp, sizeof(tp));
			fputs("{\"subject\": null, \"sans\": [], \"thumbprint\": ", out);
			json_string(out, tp);
			fputs(", \"not_after\": null, \"selected_by\": ", out);
			json_string(out, p[i].choice.selected_by);
			fputs(", \"available\": false}", out);
		} else if (p[i].cert == NULL) {
			fputs("null", out);
		} else {
			fputs("{\"subject\": ", out);
			json_string(out, p[i].cert->subject);
			fputs(", \"sans\": [", out);
			for (k = 0; k < p[i].cert->nsans; k++) {
				if (k > 0)
					fputs(", ", out);
				json_string(out, p[i].cert->sans[k]);
			}
			fputs("], \"thumbprint\": ", out);
			json_string(out, p[i].cert->thumbprint);
			iso_time(p[i].cert->not_after, t, sizeof(t));
			fputs(", \"not_after\": ", out);
			json_string(out, t);
			fputs(", \"selected_by\": ", out);
			json_string(out, p[i].choice.selected_by);
			if (p[i].cert->key == NULL)
				fputs(", \"available\": false", out);
			fputs("}", out);
		}
		fputs(", \"verdict\": ", out);
		json_string(out, p[i].verdict);
		fputs(", \"why\": ", out);
		json_string(out, p[i].why);
		fputs("}", out);
	}
	fputs(n > 0 ? "\n]\n" : "]\n", out);
}

/* One line of the table: a prediction, or two (IPv4 and IPv6 of a "*" binding) that
 * came out the same. */
struct check_row {
	const struct prediction *p;
	const char              *family;   /* "", " (IPv4)" or " (IPv6)" */
	char                     selected_by[2 * sizeof(((struct cert_choice *)0)->selected_by) + 8];
	int                      twin_done;
};

static void
client_label(const struct check_row *r, char *buf, size_t len)
{
	if (r->p->sni != NULL)
		snprintf(buf, len, "with SNI %s%s", r->p->sni, r->family);
	else
		snprintf(buf, len, "without SNI%s", r->family);
}

/* The certificate column: the name a person knows it by, or why there is none. */
static void
cert_label(const struct prediction *p, char *buf, size_t len)
{
	if (p->cert != NULL)
		snprintf(buf, len, "%s%s", cert_name(p->cert), p->cert->key == NULL ?
		    " (no key here)" : "");
	else if (p->choice.entry != NULL)
		snprintf(buf, len, "(not available)");
	else
		snprintf(buf, len, "(none)");
}

static size_t
max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Two predictions a client would not tell apart: the same certificate (or the same
 * entry without one) and verdict, whichever entry chose it. */
static int
same_outcome(const struct prediction *a, const struct prediction *b)
{
	if (strcmp(a->verdict, b->verdict) != 0)
		return 0;
	if (a->cert == NULL || b->cert == NULL)
		return a->cert == b->cert && a->choice.entry == b->choice.entry;
	return strcmp(a->cert->thumbprint, b->cert->thumbprint) == 0;
}

/* The problem line for row r (and its twin q, the same binding and family without SNI,
 * when both got the same certificate and verdict). */
static void
check_problem(FILE *out, const struct check_row *r, const struct check_row *q)
{
	const struct prediction *p = r->p;
	const char *who = p->host != NULL ? p->host : "any host";
	const char *how = q != NULL ? "with and without SNI" :
	    p->sni != NULL ? "with SNI" : "without SNI";
	const char *fam = strcmp(r->family, " (IPv4)") == 0 ? " over IPv4" :
	    strcmp(r->family, " (IPv6)") == 0 ? " over IPv6" : "";

	fprintf(out, "  %s (%s): ", p->site->name, p->binding);
	if (p->cert == NULL)
		fprintf(out, "%s %s%s gets no certificate: the handshake fails (%s)\n", who, how, fam,
		    p->verdict);
	else
		fprintf(out, "%s %s%s is served %s's certificate (%s): %s: %s\n", who, how, fam,
		    cert_name(p->cert), r->selected_by, p->verdict, p->why);
}

/* The rows of the table: the two families of a "*" binding merged when they agree. */
static struct check_row *
check_rows(const struct prediction *p, size_t n, size_t *nrows)
{
	struct check_row *r = calloc(n + 1, sizeof(*r));
	size_t i, k = 0;

	if (r == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		r[k].p = &p[i];
		r[k].family = "";
		snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s", p[i].choice.selected_by);
		if (p[i].wildcard && i + 1 < n && p[i + 1].wildcard && p[i + 1].b == p[i].b &&
		    p[i + 1].sni == p[i].sni) {
			if (same_outcome(&p[i], &p[i + 1])) {
				const char *a = p[i].choice.selected_by, *b = p[i + 1].choice.selected_by;
				size_t w = strcspn(a, " ");

				/* "ipport 0.0.0.0:443 and [::]:443" when two entries agree */
				if (strcmp(a, b) != 0 && strncmp(a, b, w + 1) == 0)
					snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s and %s", a,
					    b + w + 1);
				else if (strcmp(a, b) != 0)
					snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s and %s", a, b);
				i++;
			} else {
				r[k].family = " (IPv4)";
				k++;
				r[k].p = &p[++i];
				r[k].family = " (IPv6)";
				snprintf(r[k].selected_by, sizeof(r[k].selected_by), "%s",
				    p[i].choice.selected_by);
			}
		}
		k++;
	}
	*nrows = k;
	return r;
}

static void
check_table(FILE *out, const struct conf *cfg, const struct prediction *p, size_t n)
{
	static const char *const order[] = { "ok", "n/a", "name-mismatch", "expired",
	    "not-yet-valid", "untrusted", "no-certificate", "unknown" };
	size_t i, k, nrows = 0, nerr = 0, wc = strlen("client"), wn = strlen("certificate");
	size_t ws = strlen("selected by");
	char c[BINDING_HOST_MAX + 32], cl[600];
	struct check_row *r;
	const char *sep;

	fprintf(out, "mode %s: %s\n\n", conf_mode_name(cfg->mode), mode_story(cfg));
	if (n == 0) {
		fputs("0 predictions: no https bindings\n", out);
		return;
	}
	if ((r = check_rows(p, n, &nrows)) == NULL) {
		fputs("out of memory\n", out);
		return;
	}
	for (i = 0; i < nrows; i++) {
		client_label(&r[i], c, sizeof(c));
		cert_label(r[i].p, cl, sizeof(cl));
		wc = max_size(wc, strlen(c));
		wn = max_size(wn, strlen(cl));
		ws = max_size(ws, strlen(r[i].selected_by));
	}
	fprintf(out, "  %-*s  %-*s  %-*s  %s\n", (int)wc, "client", (int)wn, "certificate",
	    (int)ws, "selected by", "verdict");
	for (i = 0; i < nrows; i++) {
		const struct prediction *q = r[i].p;

		if ((i == 0 || q->b != r[i - 1].p->b) && q->wildcard)
			fprintf(out, "%s (id:%ld) %s on 0.0.0.0:%u and [::]:%u%s\n", q->site->name,
			    q->site->id, q->binding, q->b->port, q->b->port,
			    q->site->stopped ? " (site stopped)" : "");
		else if (i == 0 || q->b != r[i - 1].p->b)
			fprintf(out, "%s (id:%ld) %s on %s%s\n", q->site->name, q->site->id,
			    q->binding, q->local, q->site->stopped ? " (site stopped)" : "");
		client_label(&r[i], c, sizeof(c));
		cert_label(q, cl, sizeof(cl));
		fprintf(out, "  %-*s  %-*s  %-*s  %s", (int)wc, c, (int)wn, cl, (int)ws,
		    r[i].selected_by, q->verdict);
		if (strcmp(q->verdict, "n/a") == 0)
			fputs(" (any host)", out);
		else if (strcmp(q->verdict, "ok") != 0)
			fprintf(out, " (%s)", q->why);
		fputs("\n", out);
		nerr += q->error;
	}
	fprintf(out, "\n%zu prediction%s", nrows, nrows == 1 ? "" : "s");
	sep = ": ";
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		size_t cnt = 0;

		for (i = 0; i < nrows; i++)
			cnt += strcmp(r[i].p->verdict, order[k]) == 0;
		if (cnt == 0)
			continue;
		fprintf(out, "%s%zu %s%s", sep, cnt, order[k],
		    strcmp(order[k], "n/a") == 0 ? " (any host)" :
		    strcmp(order[k], "unknown") == 0 ? " (certificate not available)" : "");
		sep = ", ";
	}
	fputs("\n", out);
	if (nerr > 0) {
		fprintf(out, "client errors:\n");
		for (i = 0; i < nrows; i++) {
			const struct check_row *q = NULL;

			if (!r[i].p->error || r[i].twin_done)
				continue;
			/* The row without SNI of the same binding and family, when it tells the same
			 * story. */
			for (k = i + 1; r[i].p->sni != NULL && k < nrows && r[k].p->b == r[i].p->b; k++) {
				if (r[k].p->sni == NULL && strcmp(r[k].family, r[i].family) == 0 &&
				    r[k].p->cert == r[i].p->cert &&
				    strcmp(r[k].p->verdict, r[i].p->verdict) == 0) {
					q = &r[k];
					r[k].twin_done = 1;
					break;
				}
			}
			check_problem(out, &r[i], q);
		}
	}
	free(r);
}

int
views_check(const struct conf *cfg, time_t now, int json, FILE *out)
{
	struct prediction *p;
	size_t n, i;
	int nerr = 0;

	if (predict_all(cfg, now, &p, &n) == -1)
		return -1;
	if (json)
		check_json(out, p, n);
	else
		check_table(out, cfg, p, n);
	for (i = 0; i < n; i++)
		nerr += p[i].error;
	free(p);
	return ferror(out) ? -1 : nerr;
}

/* ---- explain ---- */

/* What a browser and curl report for verdict v on c for host (reference for teaching). */
static void
explain_clients(FILE *out, enum cert_verdict v, const struct cert *c, const char *host,
    const char *local)
{
	const char *browser = NULL;

	switch (v) {
	case VERDICT_OK:
		fputs("   browser: no warning; curl: no TLS error, the response follows\n", out);
		return;
	case VERDICT_NAME_MISMATCH:
		browser = "NET::ERR_CERT_COMMON_NAME_INVALID (\"Your connection is not private\")";
		fprintf(out, "   browser: %s\n", browser);
		if (c->nsans > 0)
			fprintf(out, "   curl: (60) SSL: no alternative certificate subject name "
			    "matches target host name '%s'\n", host);
		else
			fprintf(out, "   curl: (60) SSL: certificate subject name '%s' does not match "
			    "target host name '%s'\n", c->common_name, host);
		return;
	case VERDICT_EXPIRED:
		fputs("   browser: NET::ERR_CERT_DATE_INVALID\n", out);
		fputs("   curl: (60) SSL certificate problem: certificate has expired\n", out);
		return;
	case VERDICT_NOT_YET_VALID:
		fputs("   browser: NET::ERR_CERT_DATE_INVALID\n", out);
		fputs("   curl: (60) SSL certificate problem: certificate is not yet valid\n", out);
		return;
	case VERDICT_UNTRUSTED:
		fputs("   browser: NET::ERR_CERT_AUTHORITY_INVALID\n", out);
		fprintf(out, "   curl: (60) SSL certificate problem: %s\n",
		    strcmp(c->subject, c->issuer) == 0 ? "self-signed certificate" :
		    "unable to get local issuer certificate");
		return;
	case VERDICT_NO_CERTIFICATE:
		fputs("   browser: ERR_CONNECTION_CLOSED (the handshake never completes)\n", out);
		fprintf(out, "   curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection "
		    "to %s\n", local);
		return;
	}
}

/* Step 2: the ClientHello, and whether this mode reads its SNI. */
static void
explain_hello(FILE *out, const struct conf *cfg, const char *sni, const char *note,
    const struct cert_choice *ch, int ok)
{
	if (sni == NULL) {
		fprintf(out, "ClientHello without SNI%s: ", note);
		if (cfg->mode == CONF_MODE_IIS8)
			fputs("only the ipport entries can match (the hostnameport and ccs steps "
			    "need a name)\n", out);
		else
			fprintf(out, "nothing lost in mode iis7 (%s)\n", mode_story(cfg));
		return;
	}
	fprintf(out, "ClientHello with SNI \"%s\"%s: ", sni, note);
	if (cfg->mode != CONF_MODE_IIS8)
		fprintf(out, "ignored in mode iis7: %s\n", mode_story(cfg));
	else if (ch->sni_used)
		fputs("used in mode iis8: the name chose the certificate\n", out);
	else if (ok && ch->step == CERT_STEP_IPPORT_EXACT)
		fputs("read in mode iis8 but not used: an entry for the exact IP:Port wins "
		    "before the name is consulted\n", out);
	else
		fputs("read in mode iis8 but not used: no hostnameport or ccs entry "
		    "matched it\n", out);
}

int
views_explain(const struct conf *cfg, const struct views_conn *c, time_t now, FILE *out)
{
	char local[80], norm[BINDING_HOST_MAX], why[512];
	const char *host = c->host, *sni = NULL, *note = "";
	struct binding_addr lit;
	struct cert_choice ch;
	struct route r;
	enum cert_verdict v = VERDICT_NO_CERTIFICATE;
	int step = 1, ok = 0, i;

	why[0] = '\0';

	binding_ipport_format(&c->local, c->port, local, sizeof(local));
	if (binding_host_normalize(c->host, norm, sizeof(norm)) == 0)
		host = norm;
	fprintf(out, "mode %s, configuration %s\n", conf_mode_name(cfg->mode),
	    cfg->path != NULL ? cfg->path : "-");
	fprintf(out, "%d. accepted a connection on %s (%s)\n", step++, local,
	    c->http ? "http" : "https");

	if (!c->http) {
		if (c->sni != NULL) {
			sni = c->sni;
		} else if (!c->no_sni) {
			if (binding_addr_parse(host, &lit) == 0)
				note = " (clients send none for an IP address)";
			else
				sni = host;
		}
		memset(&ch, 0, sizeof(ch));
		ok = binding_resolve_cert(cfg, &c->local, c->port, sni, &ch) == 0 &&
		    ch.cert != NULL;
		fprintf(out, "%d. ", step++);
		explain_hello(out, cfg, sni, note, &ch, ok);
		fprintf(out, "%d. certificate lookup (mode %s):\n", step++,
		    conf_mode_name(cfg->mode));
		for (i = 0; i < ch.nsteps && i < CERT_TRACE_MAX; i++)
			fprintf(out, "     %s\n", ch.steps[i]);
		if (ok)
			fprintf(out, "   chosen: %s, thumbprint %s, selected by %s%s\n",
			    ch.cert->subject, ch.cert->thumbprint, ch.selected_by,
			    ch.cert->key == NULL ? " (here without its private key: the IIS server "
			    "serves it, sysbind cannot)" : "");
		else if (ch.entry != NULL && ch.entry->key.kind != SSLCERT_CCS)
			fprintf(out, "   no certificate here: [sslcert %s] matched, but its certificate "
			    "is not available (%s); on the IIS server it is served, sysbind fails the "
			    "handshake\n", ch.entry->name, ch.entry->unavailable != NULL ?
			    ch.entry->unavailable : "not loaded");
		else
			fputs("   no certificate: the handshake fails and the connection is closed "
			    "without one\n", out);
	}

	fprintf(out, "%d. ", step++);
	if (!c->http && !ok && (ch.entry == NULL || ch.entry->key.kind == SSLCERT_CCS)) {
		fputs("no request: the Host header is inside the TLS stream that never "
		    "started\n", out);
	} else {
		binding_route(cfg, c->http ? BINDING_HTTP : BINDING_HTTPS, &c->local, c->port,
		    c->host, 0, &r);
		fprintf(out, "%s Host \"%s\": ", c->http ? "request" : !ok ?
		    "on the IIS server, the decrypted request" : "decrypted request", c->host);
		if (r.status == 0 && r.site != NULL) {
			char b[BINDING_HOST_MAX + 64];

			binding_format(r.binding, b, sizeof(b));
			/* r.explain restates the binding and site: the tier is the news here. */
			fprintf(out, "site \"%s\" (id:%ld) by binding %s (routing rule %d: %s)\n",
			    r.site->name, r.site->id, b, (int)r.tier, binding_route_tier_name(r.tier));
			if (r.site->backend != NULL)
				fprintf(out, "   proxied to %s\n", r.site->backend);
			else
				fputs("   answered by the built-in diagnostic page\n", out);
		} else if (r.status == 503) {
			fprintf(out, "site \"%s\" is stopped: HTTP.SYS answers 503 Service "
			    "Unavailable (HTTPERR reason %s): %s\n",
			    r.site != NULL ? r.site->name : "?",
			    r.reason != NULL ? r.reason : "Disabled", r.explain);
		} else {
			fprintf(out, "HTTP.SYS answers 400 Bad Request - Invalid Hostname and "
			    "closes the connection (HTTPERR reason %s): %s\n",
			    r.reason != NULL ? r.reason : "Hostname", r.explain);
		}
	}

	fprintf(out, "%d. ", step++);
	if (c->http) {
		fputs("verdict: n/a (plain HTTP: no certificate)\n", out);
	} else if (!ok && ch.entry != NULL && ch.entry->key.kind != SSLCERT_CCS) {
		char tp[64];

		entry_thumbprint(ch.entry, tp, sizeof(tp));
		fprintf(out, "verdict for %s: unknown: certificate %s is not available here; put "
		    "it in cert_store to predict what a client concludes\n", host,
		    tp[0] != '\0' ? tp : "(none)");
	} else {
		v = certstore_verdict(ok ? ch.cert : NULL, host, cfg->trust_store, now, why,
		    sizeof(why));
		fprintf(out, "verdict for %s: %s", host, certstore_verdict_name(v));
		if (v != VERDICT_OK && why[0] != '\0')
			fprintf(out, ": %s", why);
		else if (v == VERDICT_OK && ok)
			fprintf(out, ": %s's certificate names it", cert_name(ch.cert));
		fputs("\n", out);
		explain_clients(out, v, ok ? ch.cert : NULL, host, local);
	}
	return ferror(out) ? -1 : 0;
}
