/*
 * import_netsh — the text of `netsh http show sslcert` read into entries
 * (import_netsh_parse, import_text_decode): its encodings (UTF-8, UTF-16 with or without
 * a BOM), its English labels (a localized output is named and refused), each entry's lines
 * and the layout of the Windows version that printed them, and the warnings about what
 * `show sslcert` would not give back as read.  Writing the entries is import_write.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
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
#include <expat.h>

#include "iis/import.h"
#include "iis/import_int.h"
#include "model/binding.h"
#include "model/certstore.h"
#include "model/conf.h"
#include "base/file.h"
#include "base/strhash.h"

/* ---- netsh http show sslcert ---- */

char *
import_text_decode(const char *raw, size_t len, const char *name, size_t *outlen,
    const char **encoding, char *err, size_t errlen)
{
	const unsigned char *u = (const unsigned char *)raw;
	const char *from = NULL, *enc = "UTF-8";
	size_t skip = 0, inleft, outleft, cap;
	char *out, *in, *o;
	iconv_t cd;

	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		skip = 3;
		enc = "UTF-8 with BOM";
	} else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
		from = enc = "UTF-16LE";
		skip = 2;
	} else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
		from = enc = "UTF-16BE";
		skip = 2;
	} else if (len >= 2 && u[0] != 0 && u[1] == 0) {
		from = enc = "UTF-16LE";   /* without a BOM: ASCII text has every other byte 0 */
	} else if (len >= 2 && u[0] == 0 && u[1] != 0) {
		from = enc = "UTF-16BE";
	}
	if (encoding != NULL)
		*encoding = enc;
	if (from == NULL) {
		if ((out = malloc(len - skip + 1)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", name);
			return NULL;
		}
		memcpy(out, raw + skip, len - skip);
		out[len - skip] = '\0';
		*outlen = len - skip;
		return out;
	}
	if ((cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		snprintf(err, errlen, "%s: cannot convert from %s: %s", name, from, strerror(errno));
		return NULL;
	}
	/* UTF-16 to UTF-8 at most doubles a code unit's 2 bytes into 3: 3/2 plus the NUL */
	cap = (len - skip) / 2 * 3 + 4;
	if ((out = malloc(cap)) == NULL) {
		iconv_close(cd);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	in = (char *)raw + skip;
	inleft = len - skip;
	o = out;
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		snprintf(err, errlen, "%s: not valid %s text at byte %zu: %s", name, from,
		    (size_t)(in - raw), strerror(errno));
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

static void
trim_copy(char *dst, size_t dstlen, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The labels netsh prints in English (every Windows from Server 2008 to 2025). */
static const char *const netsh_english[] = {
	"IP:port", "Hostname:port", "Central Certificate Store", "Certificate Hash",
	"Application ID", "Certificate Store Name", "Verify Client Certificate Revocation",
	"Usage Check", "Negotiate Client Certificate",
};

/* Labels of localized outputs, to say which language a file is in. */
static const struct { const char *label, *language; } netsh_foreign[] = {
	{ "SSL-Zertifikatbindungen:", "German" }, { "Zertifikathash", "German" },
	{ "Anwendungs-ID", "German" }, { "Zertifikatspeichername", "German" },
	{ "Liaisons de certificat SSL", "French" }, { "Hachage du certificat", "French" },
	{ "ID de l'application", "French" }, { "Hash del certificado", "Spanish" },
	{ "Enlaces de certificado SSL", "Spanish" }, { "Hash del certificato", "Italian" },
};

/* The [sslcert] keys an entry's lines other than its key, hash, appid and store name
 * are read into: labelled, and not one of those three. */
int
import_netsh_key_read(const struct conf_key *k)
{
	return k->section == CONF_SECTION_SSLCERT && k->label != NULL &&
	    strcmp(k->name, "certhash") != 0 && strcmp(k->name, "appid") != 0 &&
	    strcmp(k->name, "certstorename") != 0;
}

/* Where in an entry key k's value is kept: its index among the read keys of its kind
 * (nums for NUMBER, strs for STRING); -1 for a SWITCH (flags, checkmode). */
int
import_netsh_key_slot(const struct conf_key *k)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n);
	int slot = 0;

	if (k->type == CONF_TYPE_SWITCH)
		return -1;
	for (i = 0; &t[i] != k && i < n; i++)
		if (import_netsh_key_read(&t[i]) && t[i].type == k->type)
			slot++;
	return slot;
}

/* The word of an entry's flags or checkmode that SWITCH key k keeps its bit in. */
static unsigned *
netsh_key_word(struct import_netsh_entry *e, const struct conf_key *k)
{
	return k->offset == offsetof(struct conf_sslcert, checkmode) ? &e->checkmode : &e->flags;
}

/* Set SWITCH key k of e to netsh's enable (on) or disable. */
static void
netsh_switch_set(struct import_netsh_entry *e, const struct conf_key *k, int on)
{
	unsigned *w = netsh_key_word(e, k);

	if (on == (k->words[0].value != 0))
		*w |= (unsigned)k->bit;
	else
		*w &= ~(unsigned)k->bit;
}

int
import_netsh_switch_on(const struct import_netsh_entry *e, const struct conf_key *k)
{
	const unsigned *w = k->offset == offsetof(struct conf_sslcert, checkmode) ?
	    &e->checkmode : &e->flags;
	int set = (*w & (unsigned)k->bit) != 0;

	return k->words[0].value ? set : !set;
}

/* netsh's defaults for every line an output may lack. */
static void
netsh_entry_defaults(struct import_netsh_entry *e)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n);

	for (i = 0; i < n; i++) {
		int slot;

		if (!import_netsh_key_read(&t[i]) || t[i].def == NULL)
			continue;
		slot = import_netsh_key_slot(&t[i]);
		if (t[i].type == CONF_TYPE_SWITCH)
			netsh_switch_set(e, &t[i], strcmp(t[i].def, "enable") == 0);
		else if (t[i].type == CONF_TYPE_NUMBER && slot < IMPORT_NETSH_NUMS)
			e->nums[slot] = strtoul(t[i].def, NULL, 10);
	}
	e->layout = 2012;
}

/*
 * One line of an entry: label and value as netsh printed them, prop the PropertyId of
 * the Extended Properties block it is in (-1 outside).  Returns 0 when the line was
 * read, -1 with why in msg (the caller warns; the entry keeps netsh's default).
 */
static int
netsh_line_read(struct import_netsh_entry *e, const char *label, const char *value,
    int prop, char *msg, size_t msglen)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n), *k = NULL;
	unsigned long v;
	char *end;
	int slot;

	for (i = 0; i < n && k == NULL; i++)
		if (import_netsh_key_read(&t[i]) && strcasecmp(t[i].label, label) == 0)
			k = &t[i];
	if (k == NULL) {
		snprintf(msg, msglen, "\"%s\" is not a line of `netsh http show sslcert` sysbind "
		    "knows: not carried over", label);
		return -1;
	}
	if (k->extprop != 0 && (int)k->extprop != prop + 1) {
		snprintf(msg, msglen, "%s belongs in the Extended Properties block of PropertyId "
		    "%u: not carried over", label, k->extprop - 1);
		return -1;
	}
	slot = import_netsh_key_slot(k);
	switch (k->type) {
	case CONF_TYPE_SWITCH:
		/* both vocabularies, whichever the line's Windows used */
		if (strcasecmp(value, "Enabled") == 0 || strcasecmp(value, "Set") == 0)
			netsh_switch_set(e, k, 1);
		else if (strcasecmp(value, "Disabled") == 0 || strcasecmp(value, "Not Set") == 0)
			netsh_switch_set(e, k, 0);
		else {
			snprintf(msg, msglen, "%.100s \"%.200s\" is none of Enabled, Disabled, Set, "
			    "Not Set: left at netsh's default (%.40s)", label, value, k->def);
			return -1;
		}
		break;
	case CONF_TYPE_NUMBER:
		errno = 0;
		v = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 ||
		    v < k->min || v > k->max || slot >= IMPORT_NETSH_NUMS) {
			snprintf(msg, msglen, "%s \"%s\" is not a number from %lu to %lu: left at "
			    "netsh's default (%s)", label, value, k->min, k->max, k->def);
			return -1;
		}
		e->nums[slot] = v;
		break;
	default:
		if (slot >= IMPORT_NETSH_STRS || strlen(value) >= sizeof(e->strs[0]) ||
		    (value[0] != '\0' && !import_value_writable(k->name, value))) {
			snprintf(msg, msglen, "%s \"%s\" cannot be written on a configuration line: "
			    "not carried over", label, value);
			return -1;
		}
		memcpy(e->strs[slot], value, strlen(value) + 1);   /* it fits: checked above */
		break;
	}
	if (k->since > e->layout)
		e->layout = k->since;
	return 0;
}

/* value into dst of len bytes, cut to fit as before (a real hash, GUID or store name is
 * far shorter; a hash that long fails import_write's thumbprint check either way). */
static void
netsh_field_copy(char *dst, size_t len, const char *value)
{
	size_t n = strnlen(value, len - 1);

	memcpy(dst, value, n);
	dst[n] = '\0';
}

/*
 * Whose fields a line of e is printed in: field is the line up to its " : ", label the
 * label in it.  Windows Server 2008's netsh had one width per label (conf_netsh2008_lead),
 * later ones pad every label to 28 columns; a line in neither (a label of both widths'
 * length, an indent PowerShell changed) counts for none.
 */
static void
netsh_line_shape(struct import_netsh_entry *e, const char *label, const char *field,
    size_t len)
{
	const char *lead;
	int trail;

	while (len > 0 && (*field == ' ' || *field == '\t')) {
		field++;
		len--;
	}
	/* the lead ends in the space that begins " : " */
	if ((lead = conf_netsh2008_lead(label, &trail)) != NULL && strlen(lead) == len + 1 &&
	    memcmp(lead, field, len) == 0)
		e->lines2008++;
	else if (len == 28 || (strlen(label) >= 28 && len == strlen(label)))
		e->lines28++;
}

/* The labelled [sslcert] key of label (the conf key table's, any of them), or NULL; its
 * bit in an entry's lines_read in *bit (0 past the 64th). */
static const struct conf_key *
netsh_label_key(const char *label, unsigned long long *bit)
{
	size_t n, i;
	const struct conf_key *t = conf_keys(&n);
	unsigned idx = 0;

	for (i = 0; i < n; i++) {
		if (t[i].section != CONF_SECTION_SSLCERT || t[i].label == NULL)
			continue;
		if (strcasecmp(t[i].label, label) == 0) {
			*bit = idx < 64 ? 1ULL << idx : 0;
			return &t[i];
		}
		idx++;
	}
	*bit = 0;
	return NULL;
}

/* What `show sslcert` prints for key k when an entry has no line of it: netsh's default
 * in netsh's words. */
static const char *
netsh_default_text(const struct conf_key *k)
{
	if (k->type == CONF_TYPE_SWITCH) {
		int on = k->def != NULL && strcmp(k->def, "enable") == 0;

		if (k->flags & CONF_KEY_SETWORDS)
			return on ? "Set" : "Not Set";
		return on ? "Enabled" : "Disabled";
	}
	return k->def != NULL ? k->def : "(null)";
}

/*
 * The lines of the output's layout (the newest any entry shows, 2008's when it is in
 * 2008's fields) that an entry lacks: one warning per entry at the line where it ends,
 * naming each and the default show sslcert prints in its place.  A line the layout never
 * had (Reject Connections in a 2012 output) is not missing; nor is Certificate Hash, whose
 * absence is warned where the entry is dropped.
 */
static void
netsh_warn_missing(FILE *warn, const char *name, const struct import_netsh_entry *v,
    size_t nv)
{
	size_t n, i, e;
	const struct conf_key *t = conf_keys(&n);
	unsigned layout = 0;

	for (e = 0; e < nv; e++)
		if (v[e].layout > layout)
			layout = v[e].layout;
	for (e = 0; e < nv; e++) {
		char labels[1024] = "", defs[512] = "";
		size_t ll = 0, dl = 0;
		unsigned missing = 0, idx = 0;

		for (i = 0; i < n; i++) {
			const struct conf_key *k = &t[i];
			unsigned long long bit;

			if (k->section != CONF_SECTION_SSLCERT || k->label == NULL)
				continue;
			bit = idx < 64 ? 1ULL << idx : 0;
			idx++;
			if (k->since > layout || (v[e].lines_read & bit) != 0 || bit == 0 ||
			    strcmp(k->name, "certhash") == 0)
				continue;
			ll += (size_t)snprintf(labels + ll, ll < sizeof(labels) ? sizeof(labels) - ll :
			    0, "%s\"%s\"", missing ? ", " : "", k->label);
			dl += (size_t)snprintf(defs + dl, dl < sizeof(defs) ? sizeof(defs) - dl : 0,
			    "%s%s", missing ? ", " : "", netsh_default_text(k));
			if (ll >= sizeof(labels))
				ll = sizeof(labels) - 1;
			if (dl >= sizeof(defs))
				dl = sizeof(defs) - 1;
			missing++;
		}
		if (missing == 1)
			import_warn(warn, name, v[e].lastline, "[sslcert %s]: the entry (lines %d to "
			    "%d) has no %s line: netsh's default (%s) is used", v[e].keytext,
			    v[e].line, v[e].lastline, labels, defs);
		else if (missing > 1)
			import_warn(warn, name, v[e].lastline, "[sslcert %s]: the entry (lines %d to "
			    "%d) has none of the %u lines %s: netsh's defaults (%s) are used",
			    v[e].keytext, v[e].line, v[e].lastline, missing, labels, defs);
	}
}

/* Whether a line (its \r aside) ends in a blank. */
static int
line_trails(const char *s, size_t ll)
{
	if (ll > 0 && s[ll - 1] == '\r')
		ll--;
	return ll > 0 && (s[ll - 1] == ' ' || s[ll - 1] == '\t');
}

/*
 * What show sslcert prints around the entries: netsh's header (an empty line, the title,
 * its dashes, an empty line) and one empty line after each entry.  Called for each line
 * (s, ll: its text, \r included; in_entries: an entry has begun); notes in *header_line
 * the first line of a header that is not that one, in *spacing_line the first entry
 * followed by other than one empty line (*blanks counts the empty lines in a row,
 * *nheader the header's lines read).
 */
static void
netsh_frame_read(const char *s, size_t ll, int line, int in_entries, int *nheader,
    int *blanks, int *header_line, int *spacing_line)
{
	static const char *const header[] = { "", "SSL Certificate bindings:",
	    "-------------------------", "" };
	size_t n = ll > 0 && s[ll - 1] == '\r' ? ll - 1 : ll;

	if (!in_entries) {
		if (n >= 3 && memmem(s, n, " : ", 3) != NULL) {
			/* the first entry's key line: the header ends here */
			if (*nheader != 4 && *header_line == 0)
				*header_line = line;
			*blanks = 0;
			return;
		}
		if (*header_line == 0 && (*nheader >= 4 || strlen(header[*nheader]) != n ||
		    memcmp(header[*nheader], s, n) != 0))
			*header_line = line;
		(*nheader)++;
		return;
	}
	if (n == 0) {
		(*blanks)++;
		return;
	}
	/* a line with text after empty ones: the next entry's key line, or more of this */
	if (*blanks > 0 && *blanks != 1 && *spacing_line == 0)
		*spacing_line = line;
	*blanks = 0;
}

/*
 * Say what show sslcert will not give back as it was read: a header other than netsh's,
 * other empty lines between entries, blanks after a value (Windows Server 2008's own
 * trailing spaces aside: its layout prints them).
 */
static void
netsh_warn_frame(FILE *warn, const char *name, const struct import_netsh_entry *v,
    size_t nv, int header_line, int spacing_line)
{
	size_t e;

	if (header_line != 0)
		import_warn(warn, name, header_line, "the header is not netsh's usual one (an "
		    "empty line, \"SSL Certificate bindings:\", its dashes, an empty line; a "
		    "trailing blank or another empty line here): show sslcert prints the usual "
		    "one, not this file's");
	if (spacing_line != 0)
		import_warn(warn, name, spacing_line, "the entries are not each followed by one "
		    "empty line, as netsh prints them: show sslcert prints one");
	for (e = 0; e < nv; e++)
		if (v[e].trailline != 0 && v[e].layout != 2008) {
			import_warn(warn, name, v[e].trailline, "[sslcert %s]: a blank ends the "
			    "line: show sslcert prints none there (nor after the other values of "
			    "this output)", v[e].keytext);
			break;
		}
}

/* import_netsh_parse's reading of one output: the entries so far, the one being read,
 * and what the output says of itself (its language, its frame: netsh_frame_read). */
struct netsh_read {
	const char                *name;
	FILE                      *warn;
	FILE                      *linewarn;  /* single lines' warnings, until English is known */
	struct import_netsh_entry *v, *cur;
	struct import_netsh_entry  fresh;     /* netsh's defaults: each entry starts as a copy */
	size_t                     nv, cap;
	struct strhash             seen;      /* the entries' keys: line of the first */
	int                        line, fields, english, prop;
	const char                *language;  /* a foreign label's language, first seen */
	int                        foreign_line;
	char                       foreign_label[128];
	/* what show sslcert does not give back (netsh_frame_read): the first line of each */
	int                        header_line, spacing_line, blanks, nheader;
};

/* Note the language of the first foreign label on line s (ll bytes). */
static void
netsh_language(struct netsh_read *r, const char *s, size_t ll)
{
	size_t k;

	if (r->language != NULL)
		return;
	for (k = 0; k < sizeof(netsh_foreign) / sizeof(netsh_foreign[0]); k++)
		if (memmem(s, ll, netsh_foreign[k].label, strlen(netsh_foreign[k].label)) != NULL) {
			r->language = netsh_foreign[k].language;
			r->foreign_line = r->line;
			snprintf(r->foreign_label, sizeof(r->foreign_label), "%s",
			    netsh_foreign[k].label);
		}
}

/* A key line (label: IP:port, Hostname:port or Central Certificate Store, of kind) opens
 * an entry, unless its key is not one sysbind can key or was listed before (warned).
 * Returns 0 or -1 (no memory). */
static int
netsh_key_line(struct netsh_read *r, enum sslcert_kind kind, const char *label,
    const char *value, const char *s, size_t ll)
{
	struct import_netsh_entry e;
	char keytext[sizeof(e.keytext)], hk[BINDING_HOST_MAX + 64], msg[512];
	ENTRY *ent;
	int created;

	e = r->fresh;
	e.line = e.lastline = r->line;
	r->prop = -1;
	if (kind == SSLCERT_CCS)
		snprintf(keytext, sizeof(keytext), "ccs:%s", value);
	else
		snprintf(keytext, sizeof(keytext), "%s", value);
	r->cur = NULL;
	msg[0] = '\0';
	if (binding_sslkey_parse(keytext, &e.key, msg, sizeof(msg)) != 0 || e.key.kind != kind) {
		if (msg[0] == '\0')
			snprintf(msg, sizeof(msg), "\"%s\" is a %s key, not an %s key",
			    value, e.key.kind == SSLCERT_HOSTNAMEPORT ? "Hostname:port" :
			    "IP:port", label);
		import_warn(r->warn, r->name, r->line, "%s \"%s\" is not a certificate binding "
		    "sysbind can key (%s): not carried over", label, value, msg);
		return 0;
	}
	binding_sslkey_hashkey(&e.key, hk, sizeof(hk));
	if ((ent = strhash_enter(&r->seen, hk, (size_t)r->line, &created)) == NULL)
		return -1;
	if (!created) {
		import_warn(r->warn, r->name, r->line, "%s %s listed twice (first at line %zu): "
		    "the second is not carried over", label, value,
		    (size_t)(uintptr_t)ent->data);
		return 0;
	}
	snprintf(e.keytext, sizeof(e.keytext), "%s", keytext);
	if (line_trails(s, ll))
		e.trailline = r->line;
	if (r->nv == r->cap) {
		struct import_netsh_entry *nv2;
		size_t cap = r->cap ? r->cap * 2 : 16;

		if ((nv2 = realloc(r->v, cap * sizeof(*r->v))) == NULL)
			return -1;
		r->v = nv2;
		r->cap = cap;
	}
	r->v[r->nv] = e;
	r->cur = &r->v[r->nv++];
	return 0;
}

/* Any other "label : value" line of the current entry (cur): its hash, application id,
 * store name, an Extended Properties block's PropertyId, or a line netsh_line_read knows
 * (its warnings to linewarn).  value may be changed ("(null)" is empty). */
static void
netsh_field_line(struct netsh_read *r, const char *label, char *value, const char *s,
    size_t ll, size_t labellen)
{
	struct import_netsh_entry *cur = r->cur;
	unsigned long long bit;
	char msg[512];

	netsh_line_shape(cur, label, s, labellen);
	cur->lastline = r->line;
	if (cur->trailline == 0 && line_trails(s, ll))
		cur->trailline = r->line;
	if (netsh_label_key(label, &bit) != NULL)
		cur->lines_read |= bit;
	if (strcmp(value, "(null)") == 0)
		value[0] = '\0';
	if (strcasecmp(label, "Certificate Hash") == 0) {
		netsh_field_copy(cur->certhash, sizeof(cur->certhash), value);
		cur->hashline = r->line;
	} else if (strcasecmp(label, "Application ID") == 0) {
		netsh_field_copy(cur->appid, sizeof(cur->appid), value);
		cur->appidline = r->line;
	} else if (strcasecmp(label, "Certificate Store Name") == 0) {
		netsh_field_copy(cur->storename, sizeof(cur->storename), value);
	} else if (strcasecmp(label, "PropertyId") == 0) {
		char *end;
		unsigned long id = strtoul(value, &end, 10);

		/* a block sysbind has no line for (Windows 11's PropertyId 2 to 4 are empty)
		 * is only a problem when a line of it is not understood */
		r->prop = *end == '\0' && isdigit((unsigned char)value[0]) && id < 64 ?
		    (int)id : -2;
		if (r->prop >= 0 && (unsigned)r->prop + 1 > cur->propblocks)
			cur->propblocks = (unsigned)r->prop + 1;
	} else if (netsh_line_read(cur, label, value, r->prop, msg, sizeof(msg)) != 0 &&
	    r->linewarn != NULL) {
		fprintf(r->linewarn, "%s:%d: warning: [sslcert %s]: %s\n", r->name, r->line,
		    cur->keytext, msg);
	}
}

/* One line of the output (s, ll bytes, its line end aside).  Returns 0 or -1 (memory). */
static int
netsh_read_line(struct netsh_read *r, const char *s, size_t ll)
{
	char label[128], value[BINDING_HOST_MAX + 64];
	const char *sep;
	size_t k;

	r->line++;
	netsh_frame_read(s, ll, r->line, r->nv > 0, &r->nheader, &r->blanks, &r->header_line,
	    &r->spacing_line);
	netsh_language(r, s, ll);
	if ((sep = memmem(s, ll, " : ", 3)) == NULL) {
		/* " Extended Properties:" opens a block of the current entry */
		if (r->cur != NULL && memmem(s, ll, "Extended Properties:", 20) != NULL) {
			r->prop = -2;   /* until its PropertyId line */
			r->cur->lastline = r->line;
			if (r->cur->layout < 2022)
				r->cur->layout = 2022;
		}
		return 0;
	}
	trim_copy(label, sizeof(label), s, (size_t)(sep - s));
	trim_copy(value, sizeof(value), sep + 3, ll - (size_t)(sep + 3 - s));
	r->fields++;
	for (k = 0; k < sizeof(netsh_english) / sizeof(netsh_english[0]); k++)
		if (strcmp(label, netsh_english[k]) == 0)
			r->english++;
	if (strcasecmp(label, "IP:port") == 0)
		return netsh_key_line(r, SSLCERT_IPPORT, label, value, s, ll);
	if (strcasecmp(label, "Hostname:port") == 0)
		return netsh_key_line(r, SSLCERT_HOSTNAMEPORT, label, value, s, ll);
	if (strcasecmp(label, "Central Certificate Store") == 0)
		return netsh_key_line(r, SSLCERT_CCS, label, value, s, ll);
	if (r->cur != NULL)
		netsh_field_line(r, label, value, s, ll, (size_t)(sep - s));
	return 0;
}

/* An output with labels but none of them English: warned (naming its language when a
 * label says it), and nothing is imported from it. */
static void
netsh_warn_foreign(const struct netsh_read *r)
{
	/* Key lines may still have matched ("IP:Port" is German too), but nothing else
	 * can be read: no hash, no application id. */
	static const char how[] = "sysbind reads the English labels (IP:port, "
	    "Hostname:port, Central Certificate Store, Certificate Hash, Application ID, "
	    "Certificate Store Name). netsh prints them in the Windows display language, "
	    "and chcp does not change that: run `netsh http show sslcert` as a user whose "
	    "display language is English (install the en-US language pack, then "
	    "Set-WinUILanguageOverride -Language en-US and sign in again), or replace those "
	    "labels with the English ones. No certificate binding is imported from it";

	if (r->language != NULL)
		import_warn(r->warn, r->name, r->foreign_line, "this netsh output is in %s, not "
		    "English (\"%s\"): %s", r->language, r->foreign_label, how);
	else
		import_warn(r->warn, r->name, 0, "this netsh output is not in English (none of its "
		    "labels is): %s", how);
}

int
import_netsh_parse(const char *text, size_t len, const char *name,
    struct import_netsh_entry **out, size_t *n, FILE *warn, char *err, size_t errlen)
{
	struct netsh_read r;
	size_t pos = 0, k, lwlen = 0;
	char *lw = NULL;

	*out = NULL;
	*n = 0;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.warn = warn;
	r.prop = -1;
	netsh_entry_defaults(&r.fresh);
	/* the warnings about single lines wait until the output is known to be English */
	if (strhash_init(&r.seen, len / 64 + 16) != 0 ||
	    (warn != NULL && (r.linewarn = open_memstream(&lw, &lwlen)) == NULL)) {
		strhash_clear(&r.seen);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t ll = nl != NULL ? (size_t)(nl - s) : len - pos;

		pos += ll + (nl != NULL);
		if (netsh_read_line(&r, s, ll) != 0)
			goto nomem;
	}
	strhash_clear(&r.seen);
	for (k = 0; k < r.nv; k++)
		if (r.v[k].layout <= 2012 && r.v[k].lines2008 > 0 && r.v[k].lines28 == 0)
			r.v[k].layout = 2008;
	if (r.nv > 0 && r.blanks != 1 && r.spacing_line == 0)
		r.spacing_line = r.line;
	if (r.linewarn != NULL) {
		netsh_warn_missing(r.linewarn, name, r.v, r.nv);
		netsh_warn_frame(r.linewarn, name, r.v, r.nv, r.header_line, r.spacing_line);
	}
	if (r.linewarn != NULL && fclose(r.linewarn) != 0) {
		r.linewarn = NULL;
		goto nomem;
	}
	r.linewarn = NULL;
	if (r.fields > 0 && r.english == 0) {
		netsh_warn_foreign(&r);
		free(lw);
		free(r.v);
		return 0;
	}
	if (warn != NULL && lw != NULL)
		fputs(lw, warn);
	free(lw);
	*out = r.v;
	*n = r.nv;
	return 0;
nomem:
	if (r.linewarn != NULL)
		fclose(r.linewarn);
	free(lw);
	free(r.v);
	strhash_clear(&r.seen);
	snprintf(err, errlen, "%s: out of memory", name);
	return -1;
}

