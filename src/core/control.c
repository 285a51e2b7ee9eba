/*
 * control — `sysbind -s ACTION`: the daemon of a configuration found by its pid file,
 * checked to be a live sysbind (a pid file left by a daemon that died may name a process
 * that has since been given the number: it is never signalled), and sent the action's
 * signal.  Also the default pid file's name.  Owns nothing long-lived; the daemon's side
 * (what each signal does) is daemon.c's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/control.h"

/*
 * sysbind has one way to stop: stop accepting, let requests in flight finish for up to
 * DAEMON_DRAIN_SECONDS, exit 0 (SIGTERM, or SIGINT).  nginx's fast `stop` and graceful
 * `quit` are both that one, so a script written for either word does what it means.
 */
static const struct control_action control_actions[] = {
	{ "reload", SIGHUP, "load the configuration again (a bad one is refused, the running "
	  "one keeps serving)" },
	{ "reopen", SIGUSR1, "reopen the access and HTTPERR logs (after a rotation)" },
	{ "stop", SIGTERM, "stop accepting, finish requests in flight (up to 10 s), exit" },
	{ "quit", SIGTERM, "the same as stop" },
};

const struct control_action *
control_action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(control_actions) / sizeof(control_actions[0]); i++)
		if (strcmp(name, control_actions[i].name) == 0)
			return &control_actions[i];
	return NULL;
}

const char *
control_action_names(void)
{
	return "reload|reopen|stop|quit";
}

char *
control_default_pid_file(const char *conf_path, int root)
{
	size_t n = strlen(conf_path);
	char *out;

	const char *base = strrchr(conf_path, '/');

	if (n > 4 && strcmp(conf_path + n - 4, ".ini") == 0)
		n -= 4;
	if (root) {
		/* one per configuration, so that -s reaches that configuration's daemon only:
		 * /etc/sysbind/sysbind.ini's is /run/sysbind/sysbind.pid */
		base = base != NULL ? base + 1 : conf_path;
		if (asprintf(&out, "/run/sysbind/%.*s.pid", (int)(n - (size_t)(base - conf_path)),
		    base) < 0)
			return NULL;
		return out;
	}
	if (asprintf(&out, "%.*s.pid", (int)n, conf_path) < 0)
		return NULL;
	return out;
}

/* The process's name as the kernel keeps it (15 bytes at most), or "" when unreadable. */
static void
control_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

enum control_found
control_find(const char *pid_file, pid_t *pid, char *err, size_t errlen)
{
	char line[64], comm[32], *end;
	FILE *f;
	long v;

	*pid = 0;
	err[0] = '\0';
	if ((f = fopen(pid_file, "r")) == NULL) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "%s: no such file: the daemon of this configuration is "
			    "not running (or it was started with another configuration)", pid_file);
			return CONTROL_NO_FILE;
		}
		snprintf(err, errlen, "%s: %s", pid_file, strerror(errno));
		return CONTROL_BAD_FILE;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	errno = 0;
	v = strtol(line, &end, 10);
	if (end == line || (*end != '\n' && *end != '\0') || errno != 0 || v < 2 ||
	    (pid_t)v != v) {
		snprintf(err, errlen, "%s: not a process id (\"%.*s\")", pid_file,
		    (int)strcspn(line, "\n"), line);
		return CONTROL_BAD_FILE;
	}
	*pid = (pid_t)v;
	if (kill(*pid, 0) != 0 && errno == ESRCH) {
		snprintf(err, errlen, "%s: stale: process %ld is not running (the daemon died "
		    "without removing it; remove the file)", pid_file, v);
		return CONTROL_STALE;
	}
	control_comm(*pid, comm, sizeof(comm));
	if (strcmp(comm, "sysbind") != 0) {
		snprintf(err, errlen, "%s: stale: process %ld is %s%s%s, not sysbind (not "
		    "signalled; remove the file)", pid_file, v, comm[0] ? "\"" : "",
		    comm[0] ? comm : "unknown", comm[0] ? "\"" : "");
		return CONTROL_STALE;
	}
	return CONTROL_RUNNING;
}

int
control_send(const char *pid_file, const struct control_action *a, char *err, size_t errlen)
{
	pid_t pid;

	if (control_find(pid_file, &pid, err, errlen) != CONTROL_RUNNING)
		return 1;
	if (kill(pid, a->signo) != 0) {
		snprintf(err, errlen, "%s: cannot signal process %ld: %s%s", pid_file, (long)pid,
		    strerror(errno), errno == EPERM ? " (run as root or as the daemon's user)" :
		    "");
		return 1;
	}
	return 0;
}
