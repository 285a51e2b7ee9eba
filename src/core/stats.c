/*
 * stats — the live counters (see stats.h): each thread's block, the registry of blocks
 * and of site and backend names, and the scrape, which sums the blocks into the
 * Prometheus series /metrics shows (promtext writes them).  The series are named after
 * HTTP.SYS's performance counters where one exists, its name in the HELP text.  It does
 * not own the admin listener (admin.c) nor decide when anything is counted: the modules
 * where an event happens call the increments.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/promtext.h"
#include "core/servicestate.h"
#include "core/stats.h"

#define STATS_THREADS_MAX 256

__thread struct stats stats_self;

/* HTTP.SYS's HTTPERR reason phrases (KB 820729) and sysbind's own (H2_*), for the label
 * of sysbind_http_errors_total; anything else is counted as "Other". */
static const char *const stats_reasons[STATS_REASONS] = {
	"AppOffline", "AppPoolTimer", "AppShutdown", "BadRequest", "Client_Reset",
	"Connection_Abandoned_By_AppPool", "Connection_Abandoned_By_ReqQueue",
	"Connection_Dropped", "Connection_Dropped_List_Full", "ConnLimit",
	"Connections_Refused", "Disabled", "EntityTooLarge", "FieldLength", "Forbidden",
	"Header", "Hostname", "Internal", "Invalid_CR/LF", "LengthRequired", "N/A", "N/I",
	"Number", "Precondition", "QueueFull", "RequestLength", "Timer_AppPool",
	"Timer_ConnectionIdle", "Timer_EntityBody", "Timer_HeaderWait",
	"Timer_MinBytesPerSecond", "Timer_ReqQueue", "Timer_Response",
	"Timer_SslRenegotiation", "URL", "URL_Length", "Verb", "Version_N/S",
	"H2_ContinuationFlood", "H2_EnhanceYourCalm", "H2_Flood", "H2_FlowControl",
	"H2_HpackBomb", "H2_InternalError", "H2_PingFlood", "H2_ProtocolError",
	"H2_RapidReset", "H2_SettingsFlood", "H2_TooManyStreams", "BadResponse",
};

/* §1.1's steps as the label says them (enum cert_step). */
static const char *const stats_steps[STATS_STEPS] = {
	NULL, "ipport", "hostnameport", "ccs", "ipport_wildcard", "none",
};
static const char *const stats_hs_names[STATS_NHS] = { "ok", "failed", "refused" };
static const char *const stats_protos[STATS_NPROTO] = { "h1", "h2" };
static const char *const stats_schemes[2] = { "http", "https" };

struct stats_names {
	char          *name[STATS_SLOTS_MAX];
	unsigned char  live[STATS_SLOTS_MAX];
	size_t         n;
	int            full_said;
};

static struct {
	pthread_mutex_t    mu;
	struct stats      *threads[STATS_THREADS_MAX];
	size_t             nthreads;
	struct stats_names names[STATS_NKINDS];
	stats_u64          reloads[2];   /* refused, applied */
} stats_reg = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* ---------- the request path ---------- */

struct stats_site *
stats_site_make(unsigned slot)
{
	struct stats_site *s;

	if (slot >= STATS_SLOTS_MAX)
		return NULL;
	if ((s = atomic_load_explicit(&stats_self.site[slot], memory_order_relaxed)) == NULL &&
	    (s = calloc(1, sizeof(*s))) != NULL)
		atomic_store_explicit(&stats_self.site[slot], s, memory_order_release);
	return s;
}

struct stats_backend *
stats_backend_make(unsigned slot)
{
	struct stats_backend *b;

	if (slot >= STATS_SLOTS_MAX)
		return NULL;
	if ((b = atomic_load_explicit(&stats_self.backend[slot], memory_order_relaxed)) ==
	    NULL && (b = calloc(1, sizeof(*b))) != NULL)
		atomic_store_explicit(&stats_self.backend[slot], b, memory_order_release);
	return b;
}

void
stats_httperr(const char *reason)
{
	size_t i;

	for (i = 0; reason != NULL && i < STATS_REASONS; i++)
		if (stats_reasons[i] != NULL && reason[0] == stats_reasons[i][0] &&
		    strcmp(reason, stats_reasons[i]) == 0)
			break;
	stats_add(&stats_self.httperr[reason != NULL ? i : STATS_REASONS], 1);
}

/* ---------- the registry ---------- */

int
stats_thread_attach(void)
{
	int rc = -1;

	pthread_mutex_lock(&stats_reg.mu);
	if (stats_reg.nthreads < STATS_THREADS_MAX) {
		stats_reg.threads[stats_reg.nthreads++] = &stats_self;
		rc = 0;
	}
	pthread_mutex_unlock(&stats_reg.mu);
	return rc;
}

void
stats_thread_detach(void)
{
	size_t i;

	pthread_mutex_lock(&stats_reg.mu);
	for (i = 0; i < stats_reg.nthreads; i++)
		if (stats_reg.threads[i] == &stats_self) {
			stats_reg.threads[i] = stats_reg.threads[--stats_reg.nthreads];
			break;
		}
	pthread_mutex_unlock(&stats_reg.mu);
	for (i = 0; i < STATS_SLOTS_MAX; i++) {
		free(atomic_exchange(&stats_self.site[i], NULL));
		free(atomic_exchange(&stats_self.backend[i], NULL));
	}
}

unsigned
stats_slot(enum stats_kind kind, const char *name)
{
	struct stats_names *t = &stats_reg.names[kind];
	unsigned slot = STATS_SLOT_NONE;
	size_t i;

	pthread_mutex_lock(&stats_reg.mu);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->name[i], name) == 0) {
			slot = (unsigned)i;
			goto out;
		}
	if (t->n < STATS_SLOTS_MAX && (t->name[t->n] = strdup(name)) != NULL)
		slot = (unsigned)t->n++;
	else if (!t->full_said) {
		t->full_said = 1;
		log_warnx("counters: more than %d %s names since the start: \"%s\" and later "
		    "ones are not counted (restart to reset)", STATS_SLOTS_MAX,
		    kind == STATS_SITE ? "site" : "backend", name);
	}
out:
	pthread_mutex_unlock(&stats_reg.mu);
	return slot;
}

void
stats_live(enum stats_kind kind, const unsigned *slots, size_t n)
{
	struct stats_names *t = &stats_reg.names[kind];
	size_t i;

	pthread_mutex_lock(&stats_reg.mu);
	memset(t->live, 0, sizeof(t->live));
	for (i = 0; i < n; i++)
		if (slots[i] < STATS_SLOTS_MAX)
			t->live[slots[i]] = 1;
	pthread_mutex_unlock(&stats_reg.mu);
}

void
stats_reload(int ok)
{
	atomic_fetch_add_explicit(&stats_reg.reloads[ok ? 1 : 0], 1, memory_order_relaxed);
}

void
stats_free(void)
{
	size_t k, i;

	pthread_mutex_lock(&stats_reg.mu);
	for (k = 0; k < STATS_NKINDS; k++) {
		for (i = 0; i < stats_reg.names[k].n; i++)
			free(stats_reg.names[k].name[i]);
		memset(&stats_reg.names[k], 0, sizeof(stats_reg.names[k]));
	}
	pthread_mutex_unlock(&stats_reg.mu);
}

/* ---------- the scrape ---------- */

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* Sum of one field over every registered block (the mutex held). */
#define SUM(out, field) do { \
	size_t t_; \
	(out) = 0; \
	for (t_ = 0; t_ < stats_reg.nthreads; t_++) \
		(out) += LD(stats_reg.threads[t_]->field); \
} while (0)

/* The per-site series: requests by status.  (The request queues' series are per pool,
 * read from the serving generation: stats_write_queues.) */
static void
stats_write_sites(struct promtext *w)
{
	const struct stats_names *t = &stats_reg.names[STATS_SITE];
	char code[12];   /* "%d" of any int: the compiler cannot see st stays below 600 */
	size_t i, th;
	int st;

	promtext_family(w, "sysbind_requests_total", PROMTEXT_COUNTER,
	    "HTTP Service Url Groups\\AllRequests: requests answered, by site and status "
	    "(the W3C line's sc-status)");
	for (i = 0; i < t->n; i++) {
		uint64_t sum[STATS_STATUS_MAX];

		if (!t->live[i])
			continue;
		memset(sum, 0, sizeof(sum));
		for (th = 0; th < stats_reg.nthreads; th++) {
			struct stats_site *s = atomic_load_explicit(&stats_reg.threads[th]->site[i],
			    memory_order_acquire);

			for (st = 100; s != NULL && st < STATS_STATUS_MAX; st++)
				sum[st] += LD(s->status[st]);
		}
		for (st = 100; st < STATS_STATUS_MAX; st++) {
			const char *l[] = { "site", t->name[i], "code", code };

			if (sum[st] == 0)
				continue;
			snprintf(code, sizeof(code), "%d", st);
			promtext_u64(w, l, 2, sum[st]);
		}
	}
}

/* Per backend: opened, failed, busy, idle. */
static void
stats_write_backends(struct promtext *w)
{
	static const struct {
		const char *name, *help;
		enum promtext_type type;
	} fam[] = {
		{ "sysbind_backend_connections_opened_total", "backend connections that "
		  "connected, by backend (no HTTP.SYS counter: IIS's worker processes are local)",
		  PROMTEXT_COUNTER },
		{ "sysbind_backend_connections_failed_total", "backend connections that could not "
		  "connect (refused, unreachable, timed out), by backend", PROMTEXT_COUNTER },
		{ "sysbind_backend_connections", "backend connections open now, by backend and "
		  "state (busy: carrying a request; idle: kept in the pool)", PROMTEXT_GAUGE },
	};
	const struct stats_names *t = &stats_reg.names[STATS_BACKEND];
	size_t f, i, th;

	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		promtext_family(w, fam[f].name, fam[f].type, fam[f].help);
		for (i = 0; i < t->n; i++) {
			int64_t v[4] = { 0, 0, 0, 0 };   /* opened, failed, open, idle */

			if (!t->live[i])
				continue;
			for (th = 0; th < stats_reg.nthreads; th++) {
				struct stats_backend *b = atomic_load_explicit(
				    &stats_reg.threads[th]->backend[i], memory_order_acquire);

				if (b == NULL)
					continue;
				v[0] += (int64_t)LD(b->opened);
				v[1] += (int64_t)LD(b->failed);
				v[2] += LD(b->open);
				v[3] += LD(b->idle);
			}
			if (f < 2) {
				const char *l[] = { "backend", t->name[i] };

				promtext_u64(w, l, 1, (uint64_t)v[f]);
			} else {
				const char *busy[] = { "backend", t->name[i], "state", "busy" };
				const char *idle[] = { "backend", t->name[i], "state", "idle" };

				promtext_i64(w, busy, 2, v[2] - v[3]);
				promtext_i64(w, idle, 2, v[3]);
			}
		}
	}
}

/* The connection series: by framing, open and idle, HTTP/2 streams. */
static void
stats_write_conns(struct promtext *w)
{
	uint64_t u;
	int64_t g, idle;
	size_t p;

	promtext_family(w, "sysbind_connections_total", PROMTEXT_COUNTER,
	    "HTTP Service Url Groups\\ConnectionAttempts (as a count): client connections, "
	    "by protocol once chosen (h1: HTTP/1.x, h2: HTTP/2)");
	for (p = 0; p < STATS_NPROTO; p++) {
		const char *l[] = { "protocol", stats_protos[p] };

		SUM(u, conns_total[p]);
		promtext_u64(w, l, 1, u);
	}
	promtext_family(w, "sysbind_current_connections", PROMTEXT_GAUGE,
	    "HTTP Service Url Groups\\CurrentConnections: client connections open now, by "
	    "protocol and state (active: a request in flight; idle: waiting for one)");
	for (p = 0; p < STATS_NPROTO; p++) {
		const char *a[] = { "protocol", stats_protos[p], "state", "active" };
		const char *i[] = { "protocol", stats_protos[p], "state", "idle" };

		SUM(g, conns[p]);
		SUM(idle, conns_idle[p]);
		promtext_i64(w, a, 2, g - idle);
		promtext_i64(w, i, 2, idle);
	}
	promtext_family(w, "sysbind_h2_streams", PROMTEXT_GAUGE,
	    "HTTP/2 streams open now (no HTTP.SYS counter)");
	SUM(g, streams);
	promtext_i64(w, NULL, 0, g);
	promtext_family(w, "sysbind_h2_streams_total", PROMTEXT_COUNTER,
	    "HTTP/2 streams opened by clients (no HTTP.SYS counter)");
	SUM(u, streams_total);
	promtext_u64(w, NULL, 0, u);
	promtext_family(w, "sysbind_received_bytes_total", PROMTEXT_COUNTER,
	    "HTTP Service Url Groups\\BytesReceivedRate (as a count): HTTP bytes read from "
	    "clients (after TLS), by the scheme of the binding");
	for (p = 0; p < 2; p++) {
		const char *l[] = { "scheme", stats_schemes[p] };

		SUM(u, bytes_in[p]);
		promtext_u64(w, l, 1, u);
	}
	promtext_family(w, "sysbind_sent_bytes_total", PROMTEXT_COUNTER,
	    "HTTP Service Url Groups\\BytesSentRate (as a count): HTTP bytes written to "
	    "clients (before TLS), by the scheme of the binding");
	for (p = 0; p < 2; p++) {
		const char *l[] = { "scheme", stats_schemes[p] };

		SUM(u, bytes_out[p]);
		promtext_u64(w, l, 1, u);
	}
}

/* Handshakes, verdicts, HTTPERR reasons, reloads. */
static void
stats_write_decisions(struct promtext *w)
{
	char step_help[] = "TLS handshakes by the step of HTTP.SYS's certificate lookup that "
	    "chose the certificate (ipport, hostnameport, ccs, ipport_wildcard; none: no "
	    "binding) and by result (ok, failed, refused: no certificate to serve)";
	uint64_t u;
	size_t s, r;

	promtext_family(w, "sysbind_tls_handshakes_total", PROMTEXT_COUNTER, step_help);
	for (s = 1; s < STATS_STEPS; s++)
		for (r = 0; r < STATS_NHS; r++) {
			const char *l[] = { "step", stats_steps[s], "result", stats_hs_names[r] };

			SUM(u, handshakes[s][r]);
			if (u > 0)
				promtext_u64(w, l, 2, u);
		}
	promtext_family(w, "sysbind_certificate_verdicts_total", PROMTEXT_COUNTER,
	    "what a client concludes about the certificate served, for the host it asked "
	    "(once per connection and host: ok, name-mismatch, expired, not-yet-valid, "
	    "untrusted, no-certificate, incomplete-chain, stale-intermediate)");
	for (s = 0; s < STATS_VERDICTS; s++) {
		const char *l[] = { "verdict", certstore_verdict_name((enum cert_verdict)s) };

		SUM(u, verdicts[s]);
		promtext_u64(w, l, 1, u);
	}
	promtext_family(w, "sysbind_http_errors_total", PROMTEXT_COUNTER,
	    "HTTPERR lines by s-reason: requests HTTP.SYS answers or cuts itself (no HTTP.SYS "
	    "counter; the reasons of KB 820729, sysbind's H2_*, Other)");
	for (r = 0; r <= STATS_REASONS; r++) {
		const char *l[] = { "reason", r < STATS_REASONS ? stats_reasons[r] : "Other" };

		if (l[1] == NULL)
			continue;
		SUM(u, httperr[r]);
		if (u > 0)
			promtext_u64(w, l, 1, u);
	}
	promtext_family(w, "sysbind_reloads_total", PROMTEXT_COUNTER,
	    "configuration reloads (SIGHUP, sysbind -s reload) by result");
	{
		const char *ok[] = { "result", "applied" }, *bad[] = { "result", "refused" };

		promtext_u64(w, ok, 1, LD(stats_reg.reloads[1]));
		promtext_u64(w, bad, 1, LD(stats_reg.reloads[0]));
	}
}

/* Per request queue (application pool), named after "HTTP Service Request Queues". */
static void
stats_write_queues(struct promtext *w, const struct servicestate *ss)
{
	enum { Q_SIZE, Q_AGE, Q_ARRIVED, Q_REJECTED, Q_STATE, Q_BUSY, Q_FAILURES, Q_N };
	static const struct {
		const char *name, *help;
		enum promtext_type type;
	} fam[Q_N] = {
		[Q_SIZE] = { "sysbind_queue_current_size", "HTTP Service Request Queues\\"
		  "CurrentQueueSize: requests waiting in the application pool's queue for a "
		  "backend connection, by queue (the pool's name)", PROMTEXT_GAUGE },
		[Q_AGE] = { "sysbind_queue_max_item_age_seconds", "HTTP Service Request Queues\\"
		  "MaxQueueItemAge: how long the oldest waiting request has waited, by queue",
		  PROMTEXT_GAUGE },
		[Q_ARRIVED] = { "sysbind_queue_arrivals_total", "HTTP Service Request Queues\\"
		  "ArrivalRate (as a count): requests that reached the queue's pool, by queue",
		  PROMTEXT_COUNTER },
		[Q_REJECTED] = { "sysbind_queue_rejected_requests_total", "HTTP Service Request "
		  "Queues\\RejectedRequests: requests the queue refused, by queue and HTTPERR "
		  "reason (QueueFull: queue_length reached; AppOffline: rapid-fail protection "
		  "stopped the pool)", PROMTEXT_COUNTER },
		[Q_STATE] = { "sysbind_queue_state", "the application pool's state, by queue (1 "
		  "started, 0 stopped by rapid-fail protection until a reload)", PROMTEXT_GAUGE },
		[Q_BUSY] = { "sysbind_backend_busy_connections", "backend connections the "
		  "pool's requests hold now (netsh's Active requests), by queue", PROMTEXT_GAUGE },
		[Q_FAILURES] = { "sysbind_queue_backend_failures_total", "backend failures counted "
		  "against the pool (refused, reset, closed before the response): what rapid-fail "
		  "protection counts, by queue (no HTTP.SYS counter)", PROMTEXT_COUNTER },
	};
	size_t f, i, r;

	for (f = 0; f < Q_N; f++) {
		promtext_family(w, fam[f].name, fam[f].type, fam[f].help);
		for (i = 0; ss != NULL && i < ss->n; i++) {
			const struct servicestate_queue *q = &ss->v[i];
			const char *l[] = { "queue", q->name, "reason", NULL };

			switch (f) {
			case Q_SIZE: promtext_u64(w, l, 1, q->snap.queued); break;
			case Q_AGE: promtext_u64(w, l, 1, q->age_ms / 1000); break;
			case Q_ARRIVED: promtext_u64(w, l, 1, q->snap.arrived); break;
			case Q_STATE:
				promtext_u64(w, l, 1, q->snap.run == APPPOOL_STARTED);
				break;
			case Q_BUSY: promtext_u64(w, l, 1, q->snap.busy); break;
			case Q_FAILURES: promtext_u64(w, l, 1, q->snap.failures); break;
			default:
				for (r = 0; r < APPPOOL_NREASONS; r++) {
					l[3] = apppool_reason_name((enum apppool_reason)r);
					promtext_u64(w, l, 2, q->snap.rejected[r]);
				}
			}
		}
	}
}

int
stats_write(FILE *f, const struct servicestate *ss)
{
	struct promtext w;

	promtext_init(&w, f);
	stats_write_queues(&w, ss);
	pthread_mutex_lock(&stats_reg.mu);
	stats_write_sites(&w);
	stats_write_decisions(&w);
	stats_write_conns(&w);
	stats_write_backends(&w);
	pthread_mutex_unlock(&stats_reg.mu);
	if (w.failed) {
		log_warnx("counters: a series was refused by the exposition writer");
		return -1;
	}
	return 0;
}
