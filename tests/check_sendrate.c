/*
 * check_sendrate — min_send_rate's decisions: the deadline of a send, a client that takes
 * each send in time goes on, one that does not is cut, and a connection with nothing
 * waiting stops being timed; and the socket reading on a real loopback connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "model/sendrate.h"

START_TEST(test_sendrate_window)
{
	/* 64 KiB at 150 B/s: 437 s (rounded up) plus the grace */
	ck_assert_uint_eq(sendrate_window_ms(65536, 150), 436907 + SENDRATE_GRACE_MS);
	/* never under the floor */
	ck_assert_uint_eq(sendrate_window_ms(100, 150), SENDRATE_FLOOR_MS + SENDRATE_GRACE_MS);
	ck_assert_uint_eq(sendrate_window_ms(65536, 65536), 1000 + SENDRATE_GRACE_MS);
	ck_assert_uint_eq(sendrate_window_ms(65536, 0), 0);
}
END_TEST

START_TEST(test_sendrate_send_is_at_most_64k)
{
	struct sendrate s;

	memset(&s, 0, sizeof(s));
	sendrate_start(&s, 1000, 5000000, 150);
	ck_assert_int_eq(s.active, 1);
	ck_assert_uint_eq(s.base, 1000);
	ck_assert_uint_eq(s.need, SENDRATE_SEND_MAX);
	sendrate_start(&s, 1000, 300, 150);
	ck_assert_uint_eq(s.need, 300);
}
END_TEST

START_TEST(test_sendrate_taken_in_time_goes_on)
{
	struct sendrate s;
	unsigned long ms = 0;

	memset(&s, 0, sizeof(s));
	sendrate_start(&s, 0, 1000000, 1000);
	/* the client acknowledged 70,000 bytes: a new send starts where it is now */
	ck_assert_int_eq(sendrate_check(&s, 70000, 900000, 1000, &ms), SENDRATE_NEXT);
	ck_assert_uint_eq(s.base, 70000);
	ck_assert_uint_eq(ms, sendrate_window_ms(SENDRATE_SEND_MAX, 1000));
	/* exactly the send: still in time */
	ck_assert_int_eq(sendrate_check(&s, 70000 + 65536, 10, 1000, &ms), SENDRATE_NEXT);
	ck_assert_uint_eq(s.need, 10);
	/* all taken, nothing waits: stop */
	ck_assert_int_eq(sendrate_check(&s, 70000 + 65536 + 10, 0, 1000, &ms), SENDRATE_IDLE);
	ck_assert_int_eq(s.active, 0);
	ck_assert_int_eq(sendrate_check(&s, 0, 0, 1000, &ms), SENDRATE_IDLE);
}
END_TEST

START_TEST(test_sendrate_short_of_the_send_is_cut)
{
	struct sendrate s;
	unsigned long ms = 0;

	memset(&s, 0, sizeof(s));
	sendrate_start(&s, 500, 1000000, 150);
	ck_assert_int_eq(sendrate_check(&s, 500, 1000000, 150, &ms), SENDRATE_CUT);
	sendrate_start(&s, 500, 1000000, 150);
	ck_assert_int_eq(sendrate_check(&s, 500 + 65535, 1000000, 150, &ms), SENDRATE_CUT);
	/* a counter that went backwards is nothing taken */
	sendrate_start(&s, 500, 1000000, 150);
	ck_assert_int_eq(sendrate_check(&s, 10, 1000000, 150, &ms), SENDRATE_CUT);
}
END_TEST

/* On a real loopback connection: what was written and read shows as acknowledged, and
 * what the peer does not read stays counted until its window fills. */
START_TEST(test_sendrate_socket_reads_acked_and_queue)
{
	int l, c, a, on = 1;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	uint64_t acked = 1, queued = 1, a0;
	char buf[4096];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(l = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &sl), 0);
	ck_assert_int_ge(c = socket(AF_INET, SOCK_STREAM, 0), 0);
	setsockopt(c, IPPROTO_TCP, 1 /* TCP_NODELAY */, &on, sizeof(on));
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_ge(a = accept(l, NULL, NULL), 0);
	ck_assert_int_eq(sendrate_socket(c, &a0, &queued), 0);
	ck_assert_uint_le(a0, 1);   /* the SYN counts as one byte (RFC 4898) */
	ck_assert_uint_eq(queued, 0);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(write(c, buf, sizeof(buf)), (int)sizeof(buf));
	ck_assert_int_eq(read(a, buf, sizeof(buf)), (int)sizeof(buf));
	/* loopback acknowledges at once; poll briefly (bounded) for the ACK to be processed */
	for (int i = 0; i < 100 && (acked - a0 != sizeof(buf) || queued != 0); i++) {
		ck_assert_int_eq(sendrate_socket(c, &acked, &queued), 0);
		usleep(10000);
	}
	ck_assert_uint_eq(acked - a0, sizeof(buf));
	ck_assert_uint_eq(queued, 0);
	ck_assert_int_eq(sendrate_socket(-1, &acked, &queued), -1);
	close(a);
	close(c);
	close(l);
}
END_TEST

static Suite *
sendrate_suite(void)
{
	Suite *s = suite_create("sendrate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sendrate_window);
	tcase_add_test(tc, test_sendrate_send_is_at_most_64k);
	tcase_add_test(tc, test_sendrate_taken_in_time_goes_on);
	tcase_add_test(tc, test_sendrate_short_of_the_send_is_cut);
	tcase_add_test(tc, test_sendrate_socket_reads_acked_and_queue);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sendrate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
