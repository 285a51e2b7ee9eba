/*
 * servicestate — the request queues of a generation (see servicestate.h): which sites form
 * which queue (by pool name), the queues' numbers read now, and netsh's request-queue
 * view of them.  Owns only the arrays of one reading; the numbers are the pools'.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/strhash.h"
#include "model/apppool.h"
#include "model/binding.h"
#include "model/conf.h"
#include "core/servicestate.h"
#include "core/upstream.h"

/* Add b's numbers to a's (two states of one pool name: sites read before their pools
 * were shared by name). */
static void
servicestate_sum(struct apppool_snapshot *a, const struct apppool_snapshot *b)
{
	size_t r;

	a->busy += b->busy;
	a->queued += b->queued;
	a->arrived += b->arrived;
	a->failures += b->failures;
	for (r = 0; r < APPPOOL_NREASONS; r++)
		a->rejected[r] += b->rejected[r];
	if (b->run == APPPOOL_STOPPED)
		a->run = APPPOOL_STOPPED;
	if (b->window_count > a->window_count)
		a->window_count = b->window_count;
	if (b->oldest_ms != 0 && (a->oldest_ms == 0 || b->oldest_ms < a->oldest_ms))
		a->oldest_ms = b->oldest_ms;
}

int
servicestate_collect(struct servicestate *ss, const struct conf *cfg,
    const struct upstream_addrs *addrs, uint64_t now_ms)
{
	struct strhash names;
	size_t i, *last = NULL;

	memset(ss, 0, sizeof(*ss));
	ss->cfg = cfg;
	if (cfg->nsites == 0)
		return 0;
	if ((ss->v = calloc(cfg->nsites, sizeof(*ss->v))) == NULL ||
	    (ss->next = calloc(cfg->nsites, sizeof(*ss->next))) == NULL ||
	    (last = calloc(cfg->nsites, sizeof(*last))) == NULL ||
	    strhash_init(&names, cfg->nsites) != 0) {
		free(last);
		servicestate_clear(ss);
		ss->cfg = cfg;
		return -1;
	}
	for (i = 0; i < cfg->nsites; i++) {
		const struct conf_site *site = &cfg->sites[i];
		struct apppool_state *st = upstream_addrs_apppool(addrs, i);
		struct apppool_snapshot snap;
		struct servicestate_queue *q;
		int made;
		/* one pool per name, ASCII case ignored (model/apppool.h apppool_group) */
		char *key = strhash_lower(apppool_name(site));
		ENTRY *e = key != NULL ? strhash_enter(&names, key, ss->n + 1, &made) : NULL;

		free(key);
		if (e == NULL) {
			strhash_clear(&names);
			free(last);
			servicestate_clear(ss);
			ss->cfg = cfg;
			return -1;
		}
		ss->next[i] = SIZE_MAX;
		if (made) {
			q = &ss->v[ss->n++];
			q->name = apppool_name(site);
			q->site = site;
			q->first = i;
			if (st != NULL)
				apppool_snapshot(st, &q->snap);
			else
				q->snap.run = APPPOOL_STARTED;
		} else {
			size_t qi = (size_t)e->data - 1;

			q = &ss->v[qi];
			ss->next[last[qi]] = i;
			/* the same state as its first site's: the pool is shared, read once */
			if (st != NULL && st != upstream_addrs_apppool(addrs, q->first)) {
				apppool_snapshot(st, &snap);
				servicestate_sum(&q->snap, &snap);
			}
		}
		last[q - ss->v] = i;
	}
	for (i = 0; i < ss->n; i++)
		if (ss->v[i].snap.oldest_ms != 0 && now_ms > ss->v[i].snap.oldest_ms)
			ss->v[i].age_ms = now_ms - ss->v[i].snap.oldest_ms;
	strhash_clear(&names);
	free(last);
	return 0;
}

void
servicestate_clear(struct servicestate *ss)
{
	free(ss->v);
	free(ss->next);
	memset(ss, 0, sizeof(*ss));
}

const char *
servicestate_verbosity(const struct conf_site *site)
{
	switch (apppool_answer((enum conf_load_balancer)site->load_balancer,
	    (enum conf_verbosity)site->verbosity)) {
	case APPPOOL_ANSWER_RESET:
		return "Basic";
	case APPPOOL_ANSWER_FULL:
		return "Full";
	default:
		return "Limited";
	}
}

void
servicestate_url(const struct binding *b, char *buf, size_t len)
{
	char addr[64], ip[68], host[BINDING_HOST_MAX + 2];
	size_t i;

	binding_addr_format(&b->addr, addr, sizeof(addr));
	snprintf(ip, sizeof(ip), b->addr.family == AF_INET6 ? "[%s]" : "%s", addr);
	/* the host element: the binding's host name, else its address (the IP-bound form
	 * HTTP://127.0.0.1:8000:127.0.0.1/ of the IIS 10 capture), else the weak wildcard */
	snprintf(host, sizeof(host), "%s", b->host[0] != '\0' ? b->host : ip);
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)toupper((unsigned char)host[i]);
	if (b->addr.family == AF_UNSPEC)
		snprintf(buf, len, "%s://%s:%u/", b->proto == BINDING_HTTPS ? "HTTPS" : "HTTP",
		    host, b->port);
	else
		snprintf(buf, len, "%s://%s:%u:%s/", b->proto == BINDING_HTTPS ? "HTTPS" : "HTTP",
		    host, b->port, ip);
}

/* One site's URL group, under its queue. */
static void
servicestate_write_group(FILE *f, const struct conf_site *site, const char *queue)
{
	char url[BINDING_HOST_MAX + 128];
	size_t i;

	/* the group's ID: 16 hex digits as netsh prints them, unique per site (its id) */
	fprintf(f, "    URL group ID: FF000000%08lX\r\n", (unsigned long)site->id);
	fprintf(f, "        State: %s\r\n", site->stopped ? "Inactive" : "Active");
	fprintf(f, "        Request queue name: %s\r\n", queue);
	fputs("        Properties:\r\n"
	    "            Max bandwidth: inherited\r\n"
	    "            Max connections: inherited\r\n"
	    "            Timeouts:\r\n"
	    "                Timeout values inherited\r\n", f);
	fprintf(f, "            Number of registered URLs: %zu\r\n", site->nbindings);
	fputs("            Registered URLs:\r\n", f);
	for (i = 0; i < site->nbindings; i++) {
		servicestate_url(&site->bindings[i], url, sizeof(url));
		fprintf(f, "                %s\r\n", url);
	}
}

void
servicestate_write(FILE *f, const struct servicestate *ss, long pid)
{
	size_t i, s;

	fputs("Snapshot of HTTP service state (Request Queue View):\r\n"
	    "-----------------------------------------------------\r\n\r\n", f);
	for (i = 0; i < ss->n; i++) {
		const struct servicestate_queue *q = &ss->v[i];
		const struct apppool_snapshot *n = &q->snap;
		int started = n->run == APPPOOL_STARTED;
		unsigned long rejected = 0;
		size_t r;

		for (r = 0; r < APPPOOL_NREASONS; r++)
			rejected += n->rejected[r];
		fprintf(f, "Request queue name: %s\r\n", q->name);
		fputs("    Version: 2.0\r\n", f);
		/* a pool rapid-fail protection stopped: the queue is disabled (HTTP_ENABLED_STATE
		 * Inactive; netsh's word for it is not in any capture) */
		fprintf(f, "    State: %s\r\n", started ? "Active" : "Inactive");
		fprintf(f, "    Request queue 503 verbosity level: %s\r\n",
		    servicestate_verbosity(q->site));
		fprintf(f, "    Max requests: %u\r\n", q->site->queue_length);
		fprintf(f, "    Active requests: %lu\r\n", n->busy);
		fprintf(f, "    Queued requests: %lu\r\n", n->queued);
		fprintf(f, "    Max queued request age: %llus\r\n",
		    (unsigned long long)(q->age_ms / 1000));
		fprintf(f, "    Requests arrived: %lu\r\n", n->arrived);
		fprintf(f, "    Requests rejected: %lu\r\n", rejected);
		fputs("    Cache hits: 0\r\n", f);
		/* as WAS's pools: the worker process attached while the pool runs (none once
		 * it is stopped), the controller always */
		fprintf(f, "    Number of active processes attached: %d\r\n", started ? 1 : 0);
		fprintf(f, "    Controller process ID: %ld\r\n", pid);
		fputs("    Process IDs:\r\n", f);
		if (started)
			fprintf(f, "        %ld\r\n", pid);
		fputs("    URL groups:\r\n", f);
		for (s = q->first; s != SIZE_MAX; s = ss->next[s])
			servicestate_write_group(f, &ss->cfg->sites[s], q->name);
		fputs("\r\n", f);
	}
}
