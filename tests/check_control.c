/*
 * check_control — `sysbind -s`'s pure parts (control.c): the action table, the default
 * pid file, and what control_find makes of a pid file: missing, not a number, naming a
 * process that is gone, naming a live process that is not sysbind (this test itself),
 * each with its message; and that such a process is never signalled.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/control.h"

START_TEST(test_control_actions)
{
	ck_assert_int_eq(control_action_find("reload")->signo, SIGHUP);
	ck_assert_int_eq(control_action_find("reopen")->signo, SIGUSR1);
	ck_assert_int_eq(control_action_find("stop")->signo, SIGTERM);
	ck_assert_int_eq(control_action_find("quit")->signo, SIGTERM);
	ck_assert_ptr_null(control_action_find("restart"));
	ck_assert_ptr_null(control_action_find("RELOAD"));
}
END_TEST

START_TEST(test_control_default_pid_file)
{
	char *p;

	p = control_default_pid_file("conf/sysbind.ini", 0);
	ck_assert_str_eq(p, "conf/sysbind.pid");
	free(p);
	p = control_default_pid_file("/home/u/a.conf", 0);
	ck_assert_str_eq(p, "/home/u/a.conf.pid");
	free(p);
	p = control_default_pid_file(".ini", 0);
	ck_assert_str_eq(p, ".ini.pid");
	free(p);
	p = control_default_pid_file("/etc/sysbind/sysbind.ini", 1);
	ck_assert_str_eq(p, "/run/sysbind/sysbind.pid");
	free(p);
	/* as root, one per configuration: -s -c B never reaches A's daemon */
	p = control_default_pid_file("/srv/b/B.ini", 1);
	ck_assert_str_eq(p, "/run/sysbind/B.pid");
	free(p);
	p = control_default_pid_file("plain", 1);
	ck_assert_str_eq(p, "/run/sysbind/plain.pid");
	free(p);
}
END_TEST

static char *
pid_file_with(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_control.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_control_find_refuses_what_is_not_a_running_sysbind)
{
	char err[512], text[32], *path;
	pid_t pid, child;
	int status;

	ck_assert_int_eq(control_find("/nonexistent/sysbind.pid", &pid, err, sizeof(err)),
	    CONTROL_NO_FILE);
	ck_assert_str_eq(err, "/nonexistent/sysbind.pid: no such file: the daemon of this "
	    "configuration is not running (or it was started with another configuration)");

	path = pid_file_with("12ab\n");
	ck_assert_int_eq(control_find(path, &pid, err, sizeof(err)), CONTROL_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err, ": not a process id (\"12ab\")"));
	unlink(path);

	/* a process that has exited (reaped: its number is free) */
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	snprintf(text, sizeof(text), "%ld\n", (long)child);
	path = pid_file_with(text);
	ck_assert_int_eq(control_find(path, &pid, err, sizeof(err)), CONTROL_STALE);
	ck_assert_int_eq(pid, child);
	ck_assert_ptr_nonnull(strstr(err, "is not running (the daemon died without removing "
	    "it; remove the file)"));
	unlink(path);

	/* a live process that is not sysbind: this test; control_send must not signal it */
	snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	path = pid_file_with(text);
	ck_assert_int_eq(control_find(path, &pid, err, sizeof(err)), CONTROL_STALE);
	ck_assert_ptr_nonnull(strstr(err, "\"check_control\", not sysbind (not signalled; "
	    "remove the file)"));
	ck_assert_int_eq(control_send(path, control_action_find("stop"), err, sizeof(err)), 1);
	unlink(path);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_control_actions);
	tcase_add_test(tc, test_control_default_pid_file);
	tcase_add_test(tc, test_control_find_refuses_what_is_not_a_running_sysbind);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
