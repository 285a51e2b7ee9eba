/*
 * daemon — running sysbind as a server: load the configuration, open the listeners,
 * serve until a signal says stop.  The rest of the daemon (listener, tlsctx, conn,
 * upstream, worker, log) hangs off this entry point.
 */
#ifndef SYSBIND_DAEMON_H
#define SYSBIND_DAEMON_H

struct daemon_opts {
	const char *conf_path;  /* configuration file (with conf_text: its name in messages) */
	const char *conf_text;  /* the configuration itself, held in memory (`reverse-proxy`),
	                         * parsed by conf_parse at start and at each reload; NULL:
	                         * read conf_path */
	int         verbose;    /* -v: trace on, whatever the file says */
	void      (*ready)(void *arg);  /* called once, when every listener is bound and every
	                                 * worker started, before the "sysbind serving" line
	                                 * (`scenarios` prints its table there); NULL: none */
	void       *ready_arg;
};

/*
 * Load the configuration, bind every listener, serve in the foreground until SIGTERM or
 * SIGINT.  Returns the process exit status: 0 after a clean stop, 1 when the daemon failed
 * at run time, 2 when the configuration was invalid (messages already printed to stderr).
 */
int daemon_run(const struct daemon_opts *o);

#endif
