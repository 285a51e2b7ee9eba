/*
 * control — `sysbind -s reload|reopen|stop|quit`: the running daemon found through its
 * configuration's pid file, checked to be a sysbind process, and signalled, as `nginx -s`
 * does.  Also the default pid file (conf.c) and the check the daemon makes at start that
 * no other live sysbind holds its pid file.  No event loop; plain system calls.
 */
#ifndef SYSBIND_CONTROL_H
#define SYSBIND_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

/* One word of -s: its signal and what the daemon does on it (for messages and help). */
struct control_action {
	const char *name;     /* "reload" */
	int         signo;    /* SIGHUP */
	const char *does;     /* "load the configuration again; a bad one is refused" */
};

/* The action named name, or NULL.  Pure. */
const struct control_action *control_action_find(const char *name);

/* The names of every action, "reload|reopen|stop|quit" (a static string). */
const char *control_action_names(void);

/*
 * The pid file used when the configuration names none: /run/sysbind/sysbind.pid for root
 * (root != 0), else the configuration file's own path with ".ini" replaced by ".pid"
 * (".pid" appended when it does not end in ".ini"), so that two configurations have two
 * pid files and no privilege is needed.  Returns a new string (caller frees) or NULL
 * (memory).  Pure.
 */
char *control_default_pid_file(const char *conf_path, int root);

/* What control_find found. */
enum control_found {
	CONTROL_RUNNING = 0,  /* *pid is a live sysbind process */
	CONTROL_NO_FILE,      /* the pid file does not exist */
	CONTROL_BAD_FILE,     /* unreadable, or not one decimal process id */
	CONTROL_STALE,        /* no such process, or a process that is not sysbind */
};

/*
 * Read pid_file and check the process it names: alive and a sysbind (its /proc/PID/comm,
 * the name the kernel took from the executable's file name, is "sysbind").  Returns what
 * it found; *pid is set whenever the file held a number; err says it in one line (for
 * every result but CONTROL_RUNNING).
 */
enum control_found control_find(const char *pid_file, pid_t *pid, char *err, size_t errlen);

/*
 * Send the action's signal to the sysbind of pid_file.  Returns 0, or 1 when no daemon
 * was reached (err says why and what to do), as the exit status of `sysbind -s`.
 */
int control_send(const char *pid_file, const struct control_action *a, char *err,
    size_t errlen);

#endif
