/*
 * check_servicestate — netsh's request-queue view of a configuration's pools: sites that
 * name one app_pool are one queue with a URL group each, the bindings as the upper-case
 * URLs HTTP.SYS registers (host, weak wildcard, IP-bound, IPv6), the verbosity a queue
 * prints (TcpLevel: Basic), a stopped pool (Inactive, no process attached); and the queue
 * series of /metrics from the same reading.  No daemon: no pool states (every queue
 * reads as started and empty).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/binding.h"
#include "model/conf.h"
#include "core/servicestate.h"
#include "core/stats.h"

static const char conf_text[] =
	"[server]\n"
	"[site A]\n"
	"id = 1\n"
	"bindings = https/*:443:sitev1.mysite.com, http/*:80:\n"
	"app_pool = Shared\n"
	"[site B]\n"
	"id = 10\n"
	"bindings = http/127.0.0.1:8000:, http/[::1]:8080:v6.test\n"
	"load_balancer = tcp\n"
	"[site C]\n"
	"id = 3\n"
	"bindings = http/*:81:c.test\n"
	"app_pool = Shared\n";

static struct conf *
load(void)
{
	char err[4096] = "";
	struct conf *c = conf_parse(conf_text, "t.ini", 0, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

static char *
written(const struct servicestate *ss, long pid)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	servicestate_write(f, ss, pid);
	fclose(f);
	return buf;
}

START_TEST(test_servicestate_url_forms)
{
	static const struct { const char *binding, *url; } t[] = {
		{ "https/*:443:sitev1.mysite.com", "HTTPS://SITEV1.MYSITE.COM:443/" },
		{ "http/*:80:", "HTTP://*:80/" },
		{ "http/127.0.0.1:8000:", "HTTP://127.0.0.1:8000:127.0.0.1/" },
		{ "http/127.0.0.1:80:www.x.test", "HTTP://WWW.X.TEST:80:127.0.0.1/" },
		{ "https/[::1]:443:", "HTTPS://[::1]:443:[::1]/" },
		{ "http/*:80:*.mysite.com", "HTTP://*.MYSITE.COM:80/" },
	};
	char err[256], url[512];
	struct binding b;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(binding_parse(t[i].binding, &b, err, sizeof(err)) == 0, "%s", err);
		servicestate_url(&b, url, sizeof(url));
		ck_assert_str_eq(url, t[i].url);
	}
}
END_TEST

START_TEST(test_servicestate_pools_and_layout)
{
	struct conf *c = load();
	struct servicestate ss;
	char *text;

	ck_assert_int_eq(servicestate_collect(&ss, c, NULL, 1000), 0);
	ck_assert_uint_eq(ss.n, 2);
	ck_assert_str_eq(ss.v[0].name, "Shared");
	ck_assert_str_eq(ss.v[1].name, "B");
	text = written(&ss, 77);
	ck_assert_str_eq(text,
	    "Snapshot of HTTP service state (Request Queue View):\r\n"
	    "-----------------------------------------------------\r\n"
	    "\r\n"
	    "Request queue name: Shared\r\n"
	    "    Version: 2.0\r\n"
	    "    State: Active\r\n"
	    "    Request queue 503 verbosity level: Limited\r\n"
	    "    Max requests: 1000\r\n"
	    "    Active requests: 0\r\n"
	    "    Queued requests: 0\r\n"
	    "    Max queued request age: 0s\r\n"
	    "    Requests arrived: 0\r\n"
	    "    Requests rejected: 0\r\n"
	    "    Cache hits: 0\r\n"
	    "    Number of active processes attached: 1\r\n"
	    "    Controller process ID: 77\r\n"
	    "    Process IDs:\r\n"
	    "        77\r\n"
	    "    URL groups:\r\n"
	    "    URL group ID: FF00000000000001\r\n"
	    "        State: Active\r\n"
	    "        Request queue name: Shared\r\n"
	    "        Properties:\r\n"
	    "            Max bandwidth: inherited\r\n"
	    "            Max connections: inherited\r\n"
	    "            Timeouts:\r\n"
	    "                Timeout values inherited\r\n"
	    "            Number of registered URLs: 2\r\n"
	    "            Registered URLs:\r\n"
	    "                HTTPS://SITEV1.MYSITE.COM:443/\r\n"
	    "                HTTP://*:80/\r\n"
	    "    URL group ID: FF00000000000003\r\n"
	    "        State: Active\r\n"
	    "        Request queue name: Shared\r\n"
	    "        Properties:\r\n"
	    "            Max bandwidth: inherited\r\n"
	    "            Max connections: inherited\r\n"
	    "            Timeouts:\r\n"
	    "                Timeout values inherited\r\n"
	    "            Number of registered URLs: 1\r\n"
	    "            Registered URLs:\r\n"
	    "                HTTP://C.TEST:81/\r\n"
	    "\r\n"
	    "Request queue name: B\r\n"
	    "    Version: 2.0\r\n"
	    "    State: Active\r\n"
	    "    Request queue 503 verbosity level: Basic\r\n"
	    "    Max requests: 1000\r\n"
	    "    Active requests: 0\r\n"
	    "    Queued requests: 0\r\n"
	    "    Max queued request age: 0s\r\n"
	    "    Requests arrived: 0\r\n"
	    "    Requests rejected: 0\r\n"
	    "    Cache hits: 0\r\n"
	    "    Number of active processes attached: 1\r\n"
	    "    Controller process ID: 77\r\n"
	    "    Process IDs:\r\n"
	    "        77\r\n"
	    "    URL groups:\r\n"
	    "    URL group ID: FF0000000000000A\r\n"
	    "        State: Active\r\n"
	    "        Request queue name: B\r\n"
	    "        Properties:\r\n"
	    "            Max bandwidth: inherited\r\n"
	    "            Max connections: inherited\r\n"
	    "            Timeouts:\r\n"
	    "                Timeout values inherited\r\n"
	    "            Number of registered URLs: 2\r\n"
	    "            Registered URLs:\r\n"
	    "                HTTP://127.0.0.1:8000:127.0.0.1/\r\n"
	    "                HTTP://V6.TEST:8080:[::1]/\r\n"
	    "\r\n");
	free(text);
	/* a stopped pool, a waiter 2.5 s old */
	ss.v[1].snap.run = APPPOOL_STOPPED;
	ss.v[1].snap.rejected[APPPOOL_APP_OFFLINE] = 3;
	ss.v[1].snap.rejected[APPPOOL_QUEUE_FULL] = 2;
	ss.v[0].age_ms = 2500;
	text = written(&ss, 77);
	ck_assert_ptr_nonnull(strstr(text, "    Max queued request age: 2s\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "Request queue name: B\r\n    Version: 2.0\r\n"
	    "    State: Inactive\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "    Requests rejected: 5\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "    Number of active processes attached: 0\r\n"
	    "    Controller process ID: 77\r\n    Process IDs:\r\n    URL groups:\r\n"));
	free(text);
	servicestate_clear(&ss);
	conf_free(c);
}
END_TEST

/* /metrics: one series per queue (and reason), after HTTP Service Request Queues */
START_TEST(test_servicestate_metrics)
{
	struct conf *c = load();
	struct servicestate ss;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(servicestate_collect(&ss, c, NULL, 1000), 0);
	ss.v[0].snap.queued = 4;
	ss.v[0].age_ms = 1999;
	ss.v[1].snap.run = APPPOOL_STOPPED;
	ss.v[1].snap.rejected[APPPOOL_APP_OFFLINE] = 3;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(stats_write(f, &ss), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\nsysbind_queue_current_size{queue=\"Shared\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nsysbind_queue_max_item_age_seconds{queue=\"Shared\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nsysbind_queue_state{queue=\"B\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nsysbind_queue_rejected_requests_total{queue=\"B\","
	    "reason=\"AppOffline\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nsysbind_queue_rejected_requests_total{queue=\"B\","
	    "reason=\"QueueFull\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "# HELP sysbind_queue_current_size HTTP Service "
	    "Request Queues\\\\CurrentQueueSize: "));
	free(buf);
	servicestate_clear(&ss);
	conf_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("servicestate");
	TCase *tc = tcase_create("view");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_servicestate_url_forms);
	tcase_add_test(tc, test_servicestate_pools_and_layout);
	tcase_add_test(tc, test_servicestate_metrics);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
