/*
 * viewschain — the served chain as check and explain print it (issue 23): the chain as
 * sent, one certificate per line, and for an incomplete or stale chain what each client
 * family gets, in text and in JSON.  The decisions are chain.c's; this file only writes
 * them out.
 */
#include "iis/views_int.h"
#include "model/chain.h"

/* Whether the chain is worth telling for verdict v: it is what went wrong, or an ok whose
 * chain was not checked (no [server] trust): then the chain as sent is all there is to go
 * on. */
static int
views_chain_tells(enum cert_verdict v, int trusted)
{
	return v == VERDICT_INCOMPLETE_CHAIN || v == VERDICT_STALE_INTERMEDIATE ||
	    v == VERDICT_UNTRUSTED || (v == VERDICT_OK && !trusted);
}

int
views_chain_unfound(const struct cert *c)
{
	return c != NULL && c->built != NULL && c->built->missing[0] != '\0';
}

void
views_chain_print(FILE *out, const char *indent, const struct cert *c, enum cert_verdict v,
    int trusted)
{
	char lines[CHAIN_DEPTH_MAX + 2][CHAIN_LINE_MAX];
	const struct chain_client *cl;
	size_t n, i;

	if (c == NULL || !views_chain_tells(v, trusted))
		return;
	n = chain_sent_lines(c, lines, sizeof(lines) / sizeof(lines[0]));
	fprintf(out, "%schain sent:\n", indent);
	for (i = 0; i < n; i++)
		fprintf(out, "%s  %s\n", indent, lines[i]);
	if (v == VERDICT_OK && views_chain_unfound(c))
		fprintf(out, "%sa client without %s among its trusted roots fails (curl: (60) SSL "
		    "certificate problem: unable to get local issuer certificate)\n", indent,
		    c->built->missing);
	cl = chain_clients(v, &n);
	for (i = 0; cl != NULL && i < n; i++)
		fprintf(out, "%s%s: %s\n", indent, cl[i].family, cl[i].gets);
}

void
views_chain_json(FILE *out, const struct cert *c, enum cert_verdict v, int trusted)
{
	char lines[CHAIN_DEPTH_MAX + 2][CHAIN_LINE_MAX];
	const struct chain_client *cl;
	size_t n, i;

	if (c == NULL || !views_chain_tells(v, trusted))
		return;
	if (v == VERDICT_OK)
		fputs(", \"chain_checked\": false", out);
	n = chain_sent_lines(c, lines, sizeof(lines) / sizeof(lines[0]));
	fputs(", \"chain_sent\": [", out);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", out);
		views_json_string(out, lines[i]);
	}
	fputs("]", out);
	cl = chain_clients(v, &n);
	if (cl == NULL)
		return;
	fputs(", \"clients\": [", out);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ", {\"family\": " : "{\"family\": ", out);
		views_json_string(out, cl[i].family);
		fputs(", \"gets\": ", out);
		views_json_string(out, cl[i].gets);
		fputs("}", out);
	}
	fputs("]", out);
}
