/*
 * daemon — running sysbind as a server.  Owns the start-up sequence (configuration with
 * certificates, TLS context, backend pool, logs, listeners), the signals (SIGTERM/SIGINT:
 * stop accepting, let requests in flight finish for up to DAEMON_DRAIN_SECONDS, exit 0;
 * SIGPIPE ignored) and the teardown.  One event loop in the calling thread; `workers`,
 * reload (SIGHUP) and log reopening (SIGUSR1) belong to later work.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "accesslog.h"
#include "conf.h"
#include "conn.h"
#include "daemon.h"
#include "listener.h"
#include "log.h"
#include "tlsctx.h"
#include "upstream.h"

#define DAEMON_DRAIN_SECONDS 10

struct daemon_state {
	struct conn_server   srv;
	struct listener_set *listeners;
	struct event        *sigterm, *sigint, *drain;
	int                  drain_ticks;
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

static void
daemon_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_state *d = arg;

	d->drain_ticks++;
	if (d->srv.nconns == 0) {
		event_base_loopexit(d->srv.base, NULL);
		return;
	}
	if (d->drain_ticks >= DAEMON_DRAIN_SECONDS * 10) {
		log_warnx("%lu connection(s) still open after %d s: closing them", d->srv.nconns,
		    DAEMON_DRAIN_SECONDS);
		event_base_loopexit(d->srv.base, NULL);
	}
}

static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_state *d = arg;
	struct timeval tick = { 0, 100000 };

	if (d->srv.stopping)
		return;
	log_info("%s: stopping; %lu connection(s) open", strsignal((int)sig), d->srv.nconns);
	d->srv.stopping = 1;
	listener_close(d->listeners);
	d->listeners = NULL;
	conn_stop_idle(&d->srv);
	if ((d->drain = event_new(d->srv.base, -1, EV_PERSIST, daemon_drain_cb, d)) == NULL ||
	    event_add(d->drain, &tick) != 0)
		event_base_loopexit(d->srv.base, NULL);
}

static int
daemon_write_pid(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		log_warn("pid_file %s", path);
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
	return 0;
}

/* Become user (after the listeners are bound and the logs opened).  Returns 0 or -1. */
static int
daemon_drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_warn("user %s: no such user", user);
		return -1;
	}
	if (getuid() == pw->pw_uid)
		return 0;
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_warn("cannot become user %s", user);
		return -1;
	}
	log_info("running as user %s", user);
	return 0;
}

int
daemon_run(const struct daemon_opts *o)
{
	struct daemon_state d;
	struct conf *cfg;
	char err[8192];
	size_t i;
	int status = 1;

	memset(&d, 0, sizeof(d));
	signal(SIGPIPE, SIG_IGN);
	log_set_verbose(o->verbose);
	event_set_log_callback(daemon_event_log_cb);
	err[0] = '\0';
	if ((cfg = conf_load(o->conf_path, CONF_LOAD_CERTS, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s%s", err, err[0] && err[strlen(err) - 1] != '\n' ? "\n" : "");
		return 2;
	}
	for (i = 0; i < cfg->nwarnings; i++)
		log_warnx("%s", cfg->warnings[i]);
	d.srv.cfg = cfg;
	d.srv.trace = cfg->trace || o->verbose;
	if ((d.srv.base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	if ((d.srv.tls = tlsctx_new(cfg, err, sizeof(err))) == NULL ||
	    (d.srv.pool = upstream_pool_new(d.srv.base, cfg, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	if (cfg->access_log != NULL &&
	    (d.srv.access = accesslog_open(cfg->access_log, ACCESSLOG_W3C, err, sizeof(err))) == NULL) {
		log_warnx("access_log %s", err);
		goto out;
	}
	if (cfg->httperr_log != NULL &&
	    (d.srv.httperr = accesslog_open(cfg->httperr_log, ACCESSLOG_HTTPERR, err,
	    sizeof(err))) == NULL) {
		log_warnx("httperr_log %s", err);
		goto out;
	}
	if ((d.listeners = listener_open(&d.srv, err, sizeof(err))) == NULL) {
		log_warnx("cannot listen: %s", err);
		goto out;
	}
	if (cfg->pid_file != NULL && daemon_write_pid(cfg->pid_file) != 0)
		goto out;
	if (cfg->user != NULL && daemon_drop_privileges(cfg->user) != 0)
		goto out;
	d.sigterm = evsignal_new(d.srv.base, SIGTERM, daemon_signal_cb, &d);
	d.sigint = evsignal_new(d.srv.base, SIGINT, daemon_signal_cb, &d);
	if (d.sigterm == NULL || d.sigint == NULL || event_add(d.sigterm, NULL) != 0 ||
	    event_add(d.sigint, NULL) != 0) {
		log_warnx("cannot install signal handlers");
		goto out;
	}
	log_info("sysbind serving %s (mode %s, %zu site(s))", cfg->path != NULL ? cfg->path :
	    o->conf_path, conf_mode_name(cfg->mode), cfg->nsites);
	if (event_base_dispatch(d.srv.base) < 0) {
		log_warnx("event loop failed");
		goto out;
	}
	status = 0;
	log_info("stopped");
out:
	if (d.srv.base != NULL) {
		listener_close(d.listeners);
		conn_close_all(&d.srv);
		/* the closed connections' memory is released on the loop's next pass */
		event_base_loop(d.srv.base, EVLOOP_NONBLOCK);
		if (d.drain != NULL)
			event_free(d.drain);
		if (d.sigterm != NULL)
			event_free(d.sigterm);
		if (d.sigint != NULL)
			event_free(d.sigint);
		upstream_pool_free(d.srv.pool);
		event_base_free(d.srv.base);
	}
	if (cfg->pid_file != NULL && status == 0)
		unlink(cfg->pid_file);
	tlsctx_free(d.srv.tls);
	accesslog_close(d.srv.access);
	accesslog_close(d.srv.httperr);
	conf_free(cfg);
	return status;
}
