/*
 * daemon — running sysbind as a server.  Owns the start-up sequence (configuration with
 * certificates, the first generation, the logs, the worker threads with their listeners,
 * pid file, privilege drop), the signals, which only the daemon's own thread receives
 * (SIGHUP: reload; SIGTERM/SIGINT: stop accepting, let requests in flight finish for up to
 * DAEMON_DRAIN_SECONDS, exit 0; SIGUSR1: reopen the access and HTTPERR logs; SIGPIPE
 * ignored) and the teardown.  The requests themselves are served by the workers (worker.c).
 *
 * A reload builds and checks everything before anything changes: the configuration with
 * every certificate, the TLS context, the logs it names and a probe bind of each address
 * it adds.  Any error is logged (every line) and the running generation keeps serving.
 * `workers`, `user` and `pid_file` take effect at start only.  The pid file (the
 * configuration's, or control.c's default) is what `sysbind -s` finds the daemon by.
 *
 * The service manager is told (notify.c) READY=1 once every worker listens and serves;
 * RELOADING=1 at SIGHUP, then READY=1 once every worker serves the new generation, or at
 * once with the failure in STATUS= when the new configuration is refused; STOPPING=1 at
 * SIGTERM/SIGINT.
 */
#include <errno.h>
#include <grp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/accesslog.h"
#include "core/admin.h"
#include "core/control.h"
#include "model/conf.h"
#include "core/daemon.h"
#include "core/hostcheck.h"
#include "core/listener.h"
#include "base/log.h"
#include "core/notify.h"
#include "core/stats.h"
#include "iis/views.h"
#include "core/upstream.h"
#include "core/worker.h"

#define DAEMON_DRAIN_SECONDS 10
#define DAEMON_LOGS_MAX      32   /* distinct log files opened over the daemon's life */
#define DAEMON_NSIGNALS      4    /* SIGTERM, SIGINT, SIGHUP, SIGUSR1 (daemon_signal_cb) */

struct daemon_state {
	const struct daemon_opts *opts;
	struct event_base   *base;
	struct admin        *admin;     /* the admin listener (`admin =`), or NULL: off */
	struct worker_gen   *gen;       /* the generation serving now (one reference) */
	struct worker      **workers;
	unsigned             nworkers;
	atomic_ulong         nconns;    /* every worker's open connections */
	int                  stopping;
	/* every log file opened so far: kept open until exit, shared by generations */
	struct accesslog    *logs[DAEMON_LOGS_MAX];
	enum accesslog_kind  log_kinds[DAEMON_LOGS_MAX];
	size_t               nlogs;
	struct event        *sig[DAEMON_NSIGNALS];
	/* reload completion: workers write applied_fd once they serve a new generation */
	int                  applied_fd;
	struct event        *applied_ev;
	int                  reload_waiting;  /* RELOADING=1 said, READY=1 not yet */
};

/* libevent's own warnings go to our log. */
static void
daemon_event_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Log each line of a multi-line message. */
static void
daemon_log_lines(const char *prefix, const char *text)
{
	const char *p = text, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		log_warnx("%s%.*s", prefix, nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* Each line of text, prefixed, into out. */
static void
daemon_prefix_lines(const char *prefix, const char *text, char *out, size_t outlen)
{
	const char *p = text, *nl;
	size_t off = 0;

	if (outlen > 0)
		out[0] = '\0';
	while (p != NULL && *p != '\0' && off < outlen) {
		nl = strchr(p, '\n');
		off += (size_t)snprintf(out + off, outlen - off, "%s%s%.*s", off > 0 ? "\n" : "",
		    prefix, nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* What the daemon serves, for STATUS=: "2 site(s) on 3 listener(s) with 2 worker(s) ...". */
static void
daemon_describe(const struct daemon_state *d, char *buf, size_t len)
{
	size_t listeners = d->nworkers > 0 ? worker_listener_count(d->workers[0]) : 0;

	snprintf(buf, len, "%zu site(s) on %zu listener(s) with %u worker(s) (mode %s, "
	    "generation %u)", d->gen->cfg->nsites, listeners, d->nworkers,
	    conf_mode_name(d->gen->cfg->mode), d->gen->number);
}

/* The open log for path and kind (opened now if new).  NULL path: off.  Returns 0 or -1
 * with err. */
static int
daemon_log_get(struct daemon_state *d, const char *path, enum accesslog_kind kind,
    struct accesslog **out, char *err, size_t errlen)
{
	size_t i;

	*out = NULL;
	if (path == NULL)
		return 0;
	for (i = 0; i < d->nlogs; i++)
		if (d->log_kinds[i] == kind && strcmp(accesslog_path(d->logs[i]), path) == 0) {
			*out = d->logs[i];
			return 0;
		}
	if (d->nlogs >= DAEMON_LOGS_MAX) {
		snprintf(err, errlen, "%s: too many different log files over reloads; restart",
		    path);
		return -1;
	}
	if ((*out = accesslog_open(path, kind, err, errlen)) == NULL) {
		char hint[4400];
		size_t n = strlen(err);

		hostcheck_log_hint(path, errno, hint, sizeof(hint));
		if (hint[0] != '\0')
			snprintf(err + n, errlen - n, ": %s", hint);
		return -1;
	}
	d->logs[d->nlogs] = *out;
	d->log_kinds[d->nlogs++] = kind;
	return 0;
}

/*
 * One info line per shared HTTPS binding whose one certificate does not name every host
 * of the sites sharing it (views_share_note, VIEWS_SHARE_START): those sites' clients get
 * a certificate error, which the person starting the daemon wants to know before the
 * first one does.  A share whose certificate names every host is the fix, not news: it
 * is said by `check` only.  IIS Manager's dialog is not quoted here: nothing is being
 * given a certificate at start.
 */
static void
daemon_log_shares(const struct conf *cfg)
{
	struct binding_share *sh = NULL;
	size_t nsh = 0, i, len;
	char *buf;
	FILE *f;
	int written;

	if (binding_shares(cfg, &sh, &nsh) != 0)
		return;
	for (i = 0; i < nsh; i++) {
		buf = NULL;
		len = 0;
		if ((f = open_memstream(&buf, &len)) == NULL)
			break;
		written = views_share_note(&sh[i], VIEWS_SHARE_START, NULL, time(NULL), f);
		if (fclose(f) == 0 && written && buf != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			log_info("%s", buf);
		}
		free(buf);
	}
	binding_shares_free(sh, nsh);
}

/* Load and check everything a generation needs.  Returns it, or NULL with every problem
 * in err, one per line, and *invalid set when the configuration itself is. */
static struct worker_gen *
daemon_gen_load(struct daemon_state *d, const struct conf *held, unsigned number,
    int *invalid, char *err, size_t errlen)
{
	struct accesslog *access = NULL, *httperr = NULL;
	struct worker_gen *g;
	struct conf *cfg;
	char why[8192];
	size_t i;

	err[0] = '\0';
	*invalid = 0;
	cfg = d->opts->conf_text != NULL ? conf_parse(d->opts->conf_text, d->opts->conf_path,
	    CONF_LOAD_CERTS, err, errlen) : conf_load(d->opts->conf_path, CONF_LOAD_CERTS, err,
	    errlen);
	if (cfg == NULL) {
		*invalid = 1;
		return NULL;
	}
	for (i = 0; i < cfg->nwarnings; i++)
		log_warnx("%s", cfg->warnings[i]);
	daemon_log_shares(cfg);
	if (listener_probe(cfg, held, -1, why, sizeof(why), NULL, 0) != 0) {
		daemon_prefix_lines("cannot listen on ", why, err, errlen);
		goto fail;
	}
	if (daemon_log_get(d, cfg->access_log, ACCESSLOG_W3C, &access, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "cannot open access_log %.4000s", why);
		goto fail;
	}
	if (daemon_log_get(d, cfg->httperr_log, ACCESSLOG_HTTPERR, &httperr, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "cannot open httperr_log %.4000s", why);
		goto fail;
	}
	if ((g = worker_gen_new(cfg, d->gen, access, httperr, cfg->trace || d->opts->verbose,
	    number, err, errlen)) == NULL)
		goto fail;
	return g;
fail:
	conf_free(cfg);
	return NULL;
}

static void
daemon_reload(struct daemon_state *d)
{
	struct worker_gen *g;
	const struct conf *now = d->gen->cfg;
	char err[8192];
	unsigned i;
	int invalid;

	char what[256];

	log_info("SIGHUP: reloading %s", d->opts->conf_path);
	notify_reloading("reloading %s", d->opts->conf_path);
	if ((g = daemon_gen_load(d, now, d->gen->number + 1, &invalid, err,
	    sizeof(err))) == NULL) {
		daemon_log_lines("reload: ", err);
		stats_reload(0);
		log_warnx("reload failed: still serving generation %u", d->gen->number);
		daemon_describe(d, what, sizeof(what));
		notify_ready("reload failed, still serving %s: %s", what, err);
		return;
	}
	if (worker_count(g->cfg->workers) != worker_count(now->workers))
		log_warnx("reload: workers changed; it takes effect at the next start (%u now)",
		    d->nworkers);
	if ((g->cfg->user == NULL) != (now->user == NULL) || (g->cfg->user != NULL &&
	    strcmp(g->cfg->user, now->user) != 0))
		log_warnx("reload: user changed; it takes effect at the next start");
	if ((g->cfg->pid_file == NULL) != (now->pid_file == NULL) || (g->cfg->pid_file != NULL &&
	    strcmp(g->cfg->pid_file, now->pid_file) != 0))
		log_warnx("reload: pid_file changed; it takes effect at the next start");
	if ((g->cfg->admin == NULL) != (now->admin == NULL) || (g->cfg->admin != NULL &&
	    strcmp(g->cfg->admin, now->admin) != 0))
		log_warnx("reload: admin changed; it takes effect at the next start");
	g->applied_fd = d->applied_fd;
	/* the pools it keeps by name carry their connections and waiters over; a reload
	 * starts them (before any worker serves g: none of its requests sees a stop) */
	upstream_addrs_start(g->addrs);
	for (i = 0; i < d->nworkers; i++)
		worker_reload(d->workers[i], g);
	worker_gen_release(d->gen);
	d->gen = g;
	worker_gen_publish(g);
	admin_set_gen(d->admin, g);
	stats_reload(1);
	d->reload_waiting = 1;   /* READY=1 once every worker serves g: daemon_applied_cb */
	log_info("reloaded: generation %u serving new connections (mode %s, %zu site(s))",
	    g->number, conf_mode_name(g->cfg->mode), g->cfg->nsites);
}

/* A worker switched generations: when all of them serve the newest one, the reload is over. */
static void
daemon_applied_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_state *d = arg;
	char status[256];
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
	if (!d->reload_waiting || d->stopping ||
	    atomic_load_explicit(&d->gen->applied, memory_order_acquire) < d->nworkers)
		return;
	d->reload_waiting = 0;
#ifdef __GLIBC__
	/* The previous generation is freed by now (unless connections opened on it still
	 * hold it: the next reload's trim gets it).  glibc keeps the free pages a generation
	 * leaves between live objects: without this, RSS climbed with every reload (9 MiB to
	 * 23 MiB over 1,000 reloads, the heap in use flat at 0.85 MiB).  malloc_trim gives
	 * them back, in every thread's arena. */
	malloc_trim(0);
#endif
	daemon_describe(d, status, sizeof(status));
	log_debug("every worker serves generation %u", d->gen->number);
	notify_ready("serving %s", status);
}

static void
daemon_reopen(struct daemon_state *d)
{
	char err[512];
	size_t i;
	int n = 0;

	for (i = 0; i < d->nlogs; i++) {
		if (d->logs[i] == NULL)
			continue;
		if (accesslog_reopen(d->logs[i], err, sizeof(err)) != 0)
			log_warnx("SIGUSR1: cannot reopen %s", err);
		else
			n++;
	}
	log_info("SIGUSR1: %d log file(s) reopened", n);
}

static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_state *d = arg;
	unsigned i;

	if (d->stopping)
		return;
	if (sig == SIGHUP) {
		daemon_reload(d);
		return;
	}
	if (sig == SIGUSR1) {
		daemon_reopen(d);
		return;
	}
	log_info("%s: stopping; %lu connection(s) open", strsignal((int)sig),
	    atomic_load_explicit(&d->nconns, memory_order_relaxed));
	notify_stopping("stopping on %s: %lu connection(s) open, finishing requests in flight "
	    "for up to %d s", strsignal((int)sig),
	    atomic_load_explicit(&d->nconns, memory_order_relaxed), DAEMON_DRAIN_SECONDS);
	d->stopping = 1;
	for (i = 0; i < d->nworkers; i++)
		worker_stop(d->workers[i]);
	event_base_loopbreak(d->base);
}

/*
 * Write the pid file.  Its directory (e.g. /run/sysbind, which systemd's RuntimeDirectory=
 * makes, but nothing does for a daemon started by hand) is made when missing, owned by
 * user when the daemon will become that user, so the file can be removed at exit.
 */
static int
daemon_write_pid(const char *path, const char *user, char *err, size_t errlen)
{
	char *dir = strdup(path), *slash;
	struct passwd *pw;
	FILE *fp;

	if (dir != NULL && (slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == 0) {
			log_info("pid_file: made the directory %s", dir);
			if (user != NULL && (pw = getpwnam(user)) != NULL && getuid() == 0 &&
			    chown(dir, pw->pw_uid, pw->pw_gid) != 0)
				log_warn("pid_file: chown %s to %s", dir, user);
		}
	}
	free(dir);
	if ((fp = fopen(path, "w")) == NULL) {
		char hint[4400];
		int e = errno;

		hostcheck_log_hint(path, e, hint, sizeof(hint));
		snprintf(err, errlen, "cannot write pid_file %s: %s%s%s", path, strerror(e),
		    hint[0] ? ": " : "", hint);
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0) {
		snprintf(err, errlen, "cannot write pid_file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A start-up failure: every line of why as an error, then the line that says the daemon
 * did not start (with why's first line, for a reader of the last line only).
 */
static void
daemon_fatal(const char *why)
{
	const char *p = why, *e, *cut;
	int len;

	while (p != NULL && *p != '\0') {
		e = strchr(p, '\n');
		log_errorx("%.*s", e != NULL ? (int)(e - p) : (int)strlen(p), p);
		p = e != NULL ? e + 1 : NULL;
	}
	/* the first line's cause, without the advice after it: up to its second ": " */
	len = (e = strchr(why, '\n')) != NULL ? (int)(e - why) : (int)strlen(why);
	if ((cut = strstr(why, ": ")) != NULL && (cut = strstr(cut + 2, ": ")) != NULL &&
	    cut - why < len)
		len = (int)(cut - why);
	log_errorx("sysbind did not start%s%.*s", len > 0 ? ": " : "", len, why);
}

/*
 * The pid file `sysbind -s` finds the daemon by: the configuration's pid_file, or the
 * default (control_default_pid_file).  One a live sysbind already holds is not taken
 * over: a pid_file the configuration names is then an error (two daemons told to share
 * it), the default one a warning (this daemon runs, unreachable by -s).  Failing to write
 * the default one is a warning too.  A configuration held in memory (reverse-proxy) has
 * no default: only the pid_file it names.  *written is the path to remove at exit (owned), or
 * NULL.  Returns 0, or -1 with the error and what to do in errbuf.
 */
static int
daemon_pid_file(struct daemon_state *d, char **written, char *errbuf, size_t errlen)
{
	const struct conf *cfg = d->gen->cfg;
	char *path, err[1024];
	pid_t other;

	*written = NULL;
	if (cfg->pid_file == NULL && d->opts->conf_text != NULL)
		return 0;   /* reverse-proxy: no file to name one after; it runs in a terminal */
	path = cfg->pid_file != NULL ? strdup(cfg->pid_file) :
	    control_default_pid_file(d->opts->conf_path, geteuid() == 0);
	if (path == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if (control_find(path, &other, err, sizeof(err)) == CONTROL_RUNNING &&
	    other != getpid()) {
		if (cfg->pid_file != NULL) {
			snprintf(errbuf, errlen, "pid_file %s: sysbind (pid %ld) is running with it: "
			    "two daemons cannot share one pid file; stop that one (sysbind -s stop) or "
			    "give this configuration another pid_file", path, (long)other);
			free(path);
			return -1;
		}
		log_warnx("pid file %s (the default) belongs to sysbind pid %ld: `sysbind -s` "
		    "will not reach this daemon; set pid_file in [server]", path, (long)other);
		free(path);
		return 0;
	}
	if (daemon_write_pid(path, cfg->user, errbuf, errlen) != 0) {
		if (cfg->pid_file != NULL) {
			free(path);
			return -1;
		}
		log_warnx("pid file %s (the default): not written (%s): `sysbind -s` will not "
		    "reach this daemon; set pid_file in [server]", path, errbuf);
		free(path);
		return 0;
	}
	log_debug("pid file %s", path);
	*written = path;
	return 0;
}

/* Become user (after the listeners are bound, the keys loaded and the logs opened, before
 * any thread starts).  The log files opened so far are given to the user first: after a
 * rotation that keeps their owner (logrotate's create), the user must be able to reopen
 * them.  Returns 0 or -1. */
static int
daemon_drop_privileges(struct daemon_state *d, const char *user, char *errbuf,
    size_t errlen)
{
	struct passwd *pw;
	char err[512];
	size_t i;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(errbuf, errlen, "user = %s: no such user: make it (useradd --system %s) "
		    "or name another", user, user);
		return -1;
	}
	if (getuid() == pw->pw_uid)
		return 0;
	for (i = 0; i < d->nlogs; i++)
		if (accesslog_chown(d->logs[i], pw->pw_uid, pw->pw_gid, err, sizeof(err)) != 0)
			log_warnx("cannot give the log %s to user %s: after a rotation it may not "
			    "be reopened", err, user);
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(errbuf, errlen, "cannot become user %s: %s: start sysbind as root for "
		    "`user =` to take effect, or remove it", user, strerror(errno));
		return -1;
	}
	log_info("running as user %s", user);
	return 0;
}

int
daemon_run(const struct daemon_opts *o)
{
	static const int sigs[DAEMON_NSIGNALS] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct daemon_state d;
	char err[8192], what[256];
	char *pid_file = NULL;
	const char *fail = "see the log";   /* STATUS= when the daemon fails */
	size_t i;
	unsigned n;
	int status = 1, invalid;

	memset(&d, 0, sizeof(d));
	d.opts = o;
	d.applied_fd = -1;
	signal(SIGPIPE, SIG_IGN);
	log_set_verbose(o->verbose);
	event_set_log_callback(daemon_event_log_cb);
	notify_status("starting: loading %s", o->conf_path);
	if ((d.gen = daemon_gen_load(&d, NULL, 1, &invalid, err, sizeof(err))) == NULL) {
		fail = err;
		if (!invalid) {
			daemon_fatal(err);
			goto out;
		}
		fprintf(stderr, "%s%s", err, err[0] && err[strlen(err) - 1] != '\n' ? "\n" : "");
		status = 2;
		goto out;
	}
	n = worker_count(d.gen->cfg->workers);
	if ((d.workers = calloc(n, sizeof(*d.workers))) == NULL) {
		daemon_fatal(fail = "out of memory");
		goto out;
	}
	for (d.nworkers = 0; d.nworkers < n; d.nworkers++)
		if ((d.workers[d.nworkers] = worker_new(d.nworkers, d.gen, &d.nconns,
		    DAEMON_DRAIN_SECONDS, err, sizeof(err))) == NULL) {
			daemon_fatal(fail = err);
			goto out;
		}
	/* the event base and the admin listener before the privilege drop: `admin =` may
	 * name a socket in a directory only root writes */
	if ((d.base = event_base_new()) == NULL) {
		daemon_fatal(fail = "cannot create the event loop");
		goto out;
	}
	if (d.gen->cfg->admin != NULL && (d.admin = admin_new(d.base, d.gen->cfg->admin, err,
	    sizeof(err))) == NULL) {
		daemon_fatal(fail = err);
		goto out;
	}
	admin_set_gen(d.admin, d.gen);
	worker_gen_publish(d.gen);
	if (daemon_pid_file(&d, &pid_file, err, sizeof(err)) != 0) {
		daemon_fatal(fail = err);
		goto out;
	}
	if (d.gen->cfg->user != NULL && daemon_drop_privileges(&d, d.gen->cfg->user, err,
	    sizeof(err)) != 0) {
		daemon_fatal(fail = err);
		goto out;
	}
	for (i = 0; i < DAEMON_NSIGNALS; i++)
		if ((d.sig[i] = evsignal_new(d.base, sigs[i], daemon_signal_cb, &d)) == NULL ||
		    event_add(d.sig[i], NULL) != 0) {
			daemon_fatal(fail = "cannot install signal handlers");
			goto out;
		}
	if ((d.applied_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    (d.applied_ev = event_new(d.base, d.applied_fd, EV_READ | EV_PERSIST,
	    daemon_applied_cb, &d)) == NULL || event_add(d.applied_ev, NULL) != 0) {
		daemon_fatal(fail = "cannot set up the reload events");
		goto out;
	}
	for (i = 0; i < d.nworkers; i++)
		if (worker_start(d.workers[i], err, sizeof(err)) != 0) {
			daemon_fatal(fail = err);
			for (n = 0; n < i; n++)
				worker_stop(d.workers[n]);
			goto out;
		}
	if (o->ready != NULL)
		o->ready(o->ready_arg);
	log_info("sysbind serving %s (mode %s, %zu site(s), %u worker(s))",
	    d.gen->cfg->path != NULL ? d.gen->cfg->path : o->conf_path,
	    conf_mode_name(d.gen->cfg->mode), d.gen->cfg->nsites, d.nworkers);
	if (d.admin != NULL)
		log_info("admin listener on %s: /metrics", admin_addr(d.admin));
	/* Every listener was bound and listening in worker_new, so connections queue from
	 * now on, and every worker's loop is running or about to. */
	daemon_describe(&d, what, sizeof(what));
	notify_ready("serving %s", what);
	if (event_base_dispatch(d.base) < 0) {
		log_warnx("%s", fail = "event loop failed");
		for (n = 0; n < d.nworkers; n++)
			worker_stop(d.workers[n]);
	} else {
		status = 0;
	}
out:
	if (status != 0)
		notify_status("failed: %s", fail);
	for (n = 0; n < d.nworkers; n++)
		worker_join(d.workers[n]);
	for (n = 0; n < d.nworkers; n++)
		worker_free(d.workers[n]);
	worker_caches_free();   /* what the last connections' frees gave back here */
	free(d.workers);
	if (status == 0)
		log_info("stopped");
	for (i = 0; i < DAEMON_NSIGNALS; i++)
		if (d.sig[i] != NULL)
			event_free(d.sig[i]);
	if (d.applied_ev != NULL)
		event_free(d.applied_ev);
	if (d.applied_fd >= 0)
		close(d.applied_fd);
	admin_free(d.admin);
	stats_thread_detach();   /* what worker_free's closes counted here */
	stats_free();
	if (d.base != NULL)
		event_base_free(d.base);
	if (pid_file != NULL && unlink(pid_file) != 0)
		log_warn("removing pid_file %s", pid_file);
	free(pid_file);
	worker_gen_release(d.gen);
	for (i = 0; i < d.nlogs; i++)
		accesslog_close(d.logs[i]);
	log_flush();
	return status;
}
