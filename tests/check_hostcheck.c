/*
 * check_hostcheck — the pure pieces of hostcheck.c: a /proc/net/tcp{,6} line read into an
 * address, a port, a state, a uid and an inode (real lines, byte order included), the
 * holder of a port this test listens on itself, and -t's log-file check (an existing file
 * left as it was, a missing one not made, a missing directory named).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "core/hostcheck.h"

START_TEST(test_hostcheck_parse_tcp_lines)
{
	static const char v4[] = "   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000  1000        0 424242 1 0000000000000000 100 0 0 10 0\n";
	static const char v6[] = "   0: 00000000000000000000000001000000:20FB "
	    "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000"
	    "     0        0 777 1 0000000000000000 100 0 0 10 0\n";
	static const char head[] = "  sl  local_address rem_address   st tx_queue rx_queue tr "
	    "tm->when retrnsmt   uid  timeout inode\n";
	static const unsigned char lo4[4] = { 127, 0, 0, 1 };
	unsigned char ip[16], lo6[16] = { 0 };
	unsigned port;
	int state;
	long uid;
	unsigned long inode;

	lo6[15] = 1;
	ck_assert_int_eq(hostcheck_parse_tcp_line(v4, 0, ip, &port, &state, &uid, &inode), 0);
	ck_assert_mem_eq(ip, lo4, 4);
	ck_assert_uint_eq(port, 8080);
	ck_assert_int_eq(state, 0x0A);
	ck_assert_int_eq(uid, 1000);
	ck_assert_uint_eq(inode, 424242);
	ck_assert_int_eq(hostcheck_parse_tcp_line(v6, 1, ip, &port, &state, &uid, &inode), 0);
	ck_assert_mem_eq(ip, lo6, 16);
	ck_assert_uint_eq(port, 8443);
	ck_assert_uint_eq(inode, 777);
	ck_assert_int_eq(hostcheck_parse_tcp_line(head, 0, ip, &port, &state, &uid, &inode), -1);
	ck_assert_int_eq(hostcheck_parse_tcp_line(v6, 0, ip, &port, &state, &uid, &inode), -1);
}
END_TEST

START_TEST(test_hostcheck_names_its_own_listener)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct hostcheck_holder h;
	char hint[1024], want[1200];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_eq(hostcheck_port_holder(AF_INET, (unsigned char *)&sin.sin_addr,
	    ntohs(sin.sin_port), &h), 0);
	ck_assert_int_eq(h.pid, getpid());
	ck_assert_int_eq(h.listening, 1);
	ck_assert_int_eq(hostcheck_held_by(&h, getpid()), 1);
	ck_assert_int_eq(hostcheck_held_by(&h, -1), 0);
	hostcheck_bind_hint(AF_INET, (unsigned char *)&sin.sin_addr, ntohs(sin.sin_port),
	    EADDRINUSE, hint, sizeof(hint));
	snprintf(want, sizeof(want), "%s (pid %ld) holds it: stop it, or bind the site to a "
	    "free port", h.comm, (long)getpid());
	ck_assert_str_eq(hint, want);
	close(fd);
}
END_TEST

START_TEST(test_hostcheck_log_file)
{
	char dir[] = "/tmp/check_hostcheck.XXXXXX", path[128], err[8192], want[8192];
	struct stat st;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kept.log", dir);
	fp = fopen(path, "w");
	fputs("kept\n", fp);
	fclose(fp);
	ck_assert_int_eq(hostcheck_log_file(path, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 5);
	unlink(path);
	snprintf(path, sizeof(path), "%s/new.log", dir);
	ck_assert_int_eq(hostcheck_log_file(path, err, sizeof(err)), 0);
	ck_assert_int_ne(stat(path, &st), 0);   /* not made */
	ck_assert_int_eq(hostcheck_log_file("-", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/no/such/x.log", dir);
	ck_assert_int_eq(hostcheck_log_file(path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory: the directory %s/no/such "
	    "does not exist: make it (mkdir -p %s/no/such), writable by the user sysbind runs "
	    "as, or choose another path", path, dir, dir);
	ck_assert_str_eq(err, want);
	rmdir(dir);
}
END_TEST

static Suite *
hostcheck_suite(void)
{
	Suite *s = suite_create("hostcheck");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_hostcheck_parse_tcp_lines);
	tcase_add_test(tc, test_hostcheck_names_its_own_listener);
	tcase_add_test(tc, test_hostcheck_log_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hostcheck_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
