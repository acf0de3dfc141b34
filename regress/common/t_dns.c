/*
 * t_dns.c - the asynchronous resolver against regress/tools/dnsd.py,
 * started on a free port of 127.0.0.1 for each test case: MX order,
 * null MX, A/AAAA, literals, PTR, NXDOMAIN, NODATA, SERVFAIL, time-out,
 * bounds, cancellation, and callbacks that never run synchronously;
 * /etc/hosts and DNS in the order of an nsswitch.conf `hosts:` line,
 * and no memory kept by a query that went through both.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>
#include <event2/event.h>

#include "dns.h"
#include "dns_conf.h"
#include "ev.h"
#include "file_harness.h"

#define T_PY		"/usr/bin/python3"
#define T_ANSWER_MAX	1024

static pid_t	t_dnsd_pid = -1;

/* one answer as text: "status|item,item,..." */
struct t_answer {
	int	 done;
	int	 calls;
	int	 sync;		/* called back inside the starting call */
	char	 text[T_ANSWER_MAX];
};

static int	t_starting;	/* inside a dns_* call */
static int	t_pending;	/* callbacks still due */

static const char *const t_zone =
    "mx.test MX 20 b.mx.test\n"
    "mx.test MX 30 c.mx.test\n"
    "mx.test MX 10 a.mx.test\n"
    "null.test MX 0 .\n"
    "nodata.test A 192.0.2.7\n"
    "fail.test SERVFAIL\n"
    "slow.test TIMEOUT\n"
    "both.test A 192.0.2.1\n"
    "both.test AAAA 2001:db8::1\n"
    "v4.test A 192.0.2.4\n"
    "cname.test CNAME v4.test\n"
    "192.0.2.1 PTR host.test\n"
    "2001:db8::1 PTR host6.test\n"
    "192.0.2.3 SERVFAIL\n"
    "192.0.2.5 TIMEOUT\n"
    "192.0.2.6 PTR slow.test\n"
    "192.0.2.8 PTR bad/x.test\n"
    "192.0.2.11 PTR bad(x).test\n"
    "192.0.2.10 PTR under_score.test.\n";

/* t_kill_dnsd - stop the server this test started, by its pid */
static void
t_kill_dnsd(void)
{
	if (t_dnsd_pid > 0) {
		kill(t_dnsd_pid, SIGTERM);
		waitpid(t_dnsd_pid, NULL, 0);
		t_dnsd_pid = -1;
	}
}

/* t_tool - the path of a script under regress/tools */
static void
t_tool(const atf_tc_t *tc, const char *name, char *out, size_t outsz)
{
	char	 src[PATH_MAX], path[PATH_MAX * 2];

	strlcpy(src, __FILE__, sizeof(src));
	if (src[0] == '/')
		snprintf(path, sizeof(path), "%s/../tools/%s", dirname(src),
		    name);
	else	/* BUILD/regress/common/t_dns, sources relative to the top */
		snprintf(path, sizeof(path), "%s/../../../%s/../tools/%s",
		    atf_tc_get_config_var(tc, "srcdir"), dirname(src), name);
	if (realpath(path, out) == NULL || strlen(out) >= outsz)
		atf_tc_fail("cannot find %s", path);
}

/* t_dnsd - start dnsd.py on a free port with zone; its port */
static int
t_dnsd(const atf_tc_t *tc, const char *zone)
{
	char	 tool[PATH_MAX], line[32];
	FILE	*f;
	int	 i, port = 0;

	t_tool(tc, "dnsd.py", tool, sizeof(tool));
	file_harness_text("zone", zone);
	unlink("port");
	ATF_REQUIRE((t_dnsd_pid = fork()) != -1);
	if (t_dnsd_pid == 0) {
		execl(T_PY, T_PY, tool, "--port", "0", "--portfile", "port",
		    "--log", "queries", "zone", (char *)NULL);
		_exit(127);
	}
	atexit(t_kill_dnsd);
	for (i = 0; i < 100 && port == 0; i++) {
		if ((f = fopen("port", "r")) != NULL) {
			if (fgets(line, sizeof(line), f) != NULL)
				port = atoi(line);
			fclose(f);
		}
		if (port == 0)
			usleep(100000);
	}
	if (port == 0)
		atf_tc_fail("dnsd.py did not start");
	return port;
}

/* t_setup - dnsd.py with the zone and the resolver pointed at it */
static void
t_setup(const atf_tc_t *tc, const char *zone, int timeout_ms)
{
	char	 servers[64], err[256];

	snprintf(servers, sizeof(servers), "127.0.0.1:%d", t_dnsd(tc, zone));
	if (dns_init_servers(servers, timeout_ms, 1, err, sizeof(err)) == -1)
		atf_tc_fail("dns_init_servers: %s", err);
}

/* t_files - the resolver's hosts file and nsswitch.conf */
static void
t_files(const char *hosts, const char *nsswitch)
{
	struct dns_files	 files = { "no-resolv.conf", "hosts",
				    "nsswitch.conf" };

	file_harness_text("hosts", hosts);
	file_harness_text("nsswitch.conf", nsswitch);
	dns_init_files(&files);
}

/* t_queried - how often dnsd.py was asked a question ("name TYPE") */
static int
t_queried(const char *question)
{
	char	 line[512];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen("queries", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, question) == 0)
			n++;
	}
	fclose(f);
	return n;
}

/* t_status - the name of a status */
static const char *
t_status(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return "ok";
	case DNS_NONE:
		return "none";
	case DNS_TEMPFAIL:
		return "tempfail";
	}
	return "?";
}

/* t_answered - common bookkeeping of every callback */
static void
t_answered(struct t_answer *a, enum dns_status st)
{
	a->calls++;
	a->done = 1;
	if (t_starting)
		a->sync = 1;
	snprintf(a->text, sizeof(a->text), "%s|", t_status(st));
	if (--t_pending == 0)
		ev_exit();
}

/* t_on_mx - record an MX answer as "status|pref host,..." */
static void
t_on_mx(enum dns_status st, const struct dns_mx *mx, size_t n, void *arg)
{
	struct t_answer	*a = arg;
	char		 item[HOST_MAX + 16];
	size_t		 i;

	t_answered(a, st);
	for (i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s%u %s", i ? "," : "",
		    mx[i].pref, mx[i].host);
		strlcat(a->text, item, sizeof(a->text));
	}
}

/* t_addr_cmp - order addresses as text for a stable comparison */
static int
t_addr_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* t_on_addr - record an address answer as "status|a,b" (sorted) */
static void
t_on_addr(enum dns_status st, const struct sockaddr_storage *ss, size_t n,
    void *arg)
{
	struct t_answer	*a = arg;
	char		 txt[DNS_ADDR_MAX][INET6_ADDRSTRLEN + 8];
	size_t		 i;

	t_answered(a, st);
	ATF_REQUIRE(n <= DNS_ADDR_MAX);
	for (i = 0; i < n; i++) {
		if (ss[i].ss_family == AF_INET) {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			    &ss[i])->sin_addr, txt[i], sizeof(txt[i]));
			ATF_CHECK_EQ(((const struct sockaddr_in *)
			    &ss[i])->sin_port, 0);
		} else {
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			    &ss[i])->sin6_addr, txt[i], sizeof(txt[i]));
			ATF_CHECK_EQ(((const struct sockaddr_in6 *)
			    &ss[i])->sin6_port, 0);
		}
	}
	qsort(txt, n, sizeof(txt[0]), t_addr_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strlcat(a->text, ",", sizeof(a->text));
		strlcat(a->text, txt[i], sizeof(a->text));
	}
}

/* t_on_name - record a PTR answer as "status|name" */
static void
t_on_name(enum dns_status st, const char *name, void *arg)
{
	struct t_answer	*a = arg;

	t_answered(a, st);
	if (st == DNS_OK)
		strlcat(a->text, name, sizeof(a->text));
	else
		ATF_CHECK(name == NULL);
}

/* t_on_guard - the loop ran too long */
static void
t_on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
	ev_exit();
}

/* t_run - run the loop until every callback came or secs passed */
static void
t_run(int secs)
{
	struct timeval	 tv = { secs, 0 };
	struct event	*guard;
	int		 expired = 0;

	guard = evtimer_new(ev_base(), t_on_guard, &expired);
	evtimer_add(guard, &tv);
	if (t_pending > 0)
		ev_dispatch();
	event_free(guard);
	ATF_REQUIRE_MSG(!expired, "%d callbacks missing after %d s",
	    t_pending, secs);
}

/* t_mx - start an MX query, noting whether it called back at once */
static struct dns_query *
t_mx(const char *name, struct t_answer *a)
{
	struct dns_query	*q;

	t_pending++;
	t_starting = 1;
	q = dns_mx(name, t_on_mx, a);
	t_starting = 0;
	return q;
}

/* t_addr - start an address query */
static struct dns_query *
t_addr(const char *name, int family, struct t_answer *a)
{
	struct dns_query	*q;

	t_pending++;
	t_starting = 1;
	q = dns_addr(name, family, t_on_addr, a);
	t_starting = 0;
	return q;
}

/* t_ptr - start a PTR query for a numeric address */
static struct dns_query *
t_ptr(const char *addr, struct t_answer *a)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct dns_query	*q;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		ss.ss_family = AF_UNIX;
	t_pending++;
	t_starting = 1;
	q = dns_ptr((struct sockaddr *)&ss, t_on_name, a);
	t_starting = 0;
	return q;
}

/* t_long_name - a name of len octets made of labels of 63 */
static void
t_long_name(char *out, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		out[i] = (i % 64 == 63) ? '.' : 'a';
	out[len] = '\0';
}

ATF_TC_WITHOUT_HEAD(dns_mx_answers);
ATF_TC_BODY(dns_mx_answers, tc)
{
	static char	 at253[256], at255[256], over[HOST_MAX + 2];
	static const struct {
		const char	*name;
		const char	*want;
	} t[] = {
		{ "mx.test", "ok|10 a.mx.test,20 b.mx.test,30 c.mx.test" },
		{ "MX.Test.", "ok|10 a.mx.test,20 b.mx.test,30 c.mx.test" },
		{ "null.test", "ok|0 ." },
		{ "nx.test", "none|" },
		{ "nodata.test", "none|" },
		{ "fail.test", "tempfail|" },
		{ at253, "ok|5 long.test" },
		{ at255, "none|" },		/* longer than DNS allows */
		{ over, "none|" },		/* HOST_MAX + 1 */
		{ "", "none|" },
		{ "bad name.test", "none|" },
		{ "bad\nname.test", "none|" },
		{ "bad\rname.test", "none|" },
		{ "b\xc3\xa4" "d.test", "none|" },
	};
	struct t_answer	 a[sizeof(t) / sizeof(t[0])];
	char		 zone[4096];
	size_t		 i;

	t_long_name(at253, 253);
	t_long_name(at255, 255);
	t_long_name(over, HOST_MAX + 1);
	snprintf(zone, sizeof(zone), "%s%s MX 5 long.test\n", t_zone, at253);
	t_setup(tc, zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t_mx(t[i].name, &a[i]);
	t_run(10);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%zu: %d calls", i, a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%zu: synchronous callback", i);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%zu", i);
	}
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_mx_bounded_and_shuffled);
ATF_TC_BODY(dns_mx_bounded_and_shuffled, tc)
{
	struct t_answer	 a[20];
	char		 zone[8192], line[64], first[T_ANSWER_MAX];
	size_t		 i;
	int		 differ = 0;

	/* 40 records: too big for UDP, so this also goes over TCP */
	zone[0] = '\0';
	for (i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "many.test MX %zu h%02zu.test\n",
		    i < 8 ? (size_t)1 : i, i);
		strlcat(zone, line, sizeof(zone));
	}
	t_setup(tc, zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < 20; i++)
		t_mx("many.test", &a[i]);
	t_run(10);
	strlcpy(first, a[0].text, sizeof(first));
	for (i = 0; i < 20; i++) {
		ATF_REQUIRE_EQ(a[i].calls, 1);
		/* DNS_MX_MAX records: 8 at preference 1, then 8..31 */
		ATF_CHECK_MSG(strstr(a[i].text, ",8 h08.test,9 h09.test,") !=
		    NULL, "%s", a[i].text);
		ATF_CHECK_MSG(strstr(a[i].text, ",31 h31.test") + 12 ==
		    a[i].text + strlen(a[i].text), "%s", a[i].text);
		ATF_CHECK(strstr(a[i].text, "32 h32") == NULL);
		ATF_CHECK(strncmp(a[i].text, "ok|1 h0", 7) == 0);
		if (strcmp(a[i].text, first) != 0)
			differ = 1;
	}
	ATF_CHECK_MSG(differ, "ties always in the same order: %s", first);
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_addr_answers);
ATF_TC_BODY(dns_addr_answers, tc)
{
	static const struct {
		const char	*name;
		int		 family;
		const char	*want;
	} t[] = {
		{ "both.test", AF_UNSPEC, "ok|192.0.2.1,2001:db8::1" },
		{ "both.test", AF_INET, "ok|192.0.2.1" },
		{ "both.test", AF_INET6, "ok|2001:db8::1" },
		{ "v4.test", AF_INET6, "none|" },
		{ "v4.test", AF_UNSPEC, "ok|192.0.2.4" },
		{ "cname.test", AF_INET, "ok|192.0.2.4" },
		{ "nx.test", AF_UNSPEC, "none|" },
		{ "fail.test", AF_INET, "tempfail|" },
		{ "192.0.2.9", AF_UNSPEC, "ok|192.0.2.9" },
		{ "192.0.2.9", AF_INET, "ok|192.0.2.9" },
		{ "192.0.2.9", AF_INET6, "none|" },
		{ "2001:db8::9", AF_UNSPEC, "ok|2001:db8::9" },
		{ "2001:db8::9", AF_INET, "none|" },
		{ "both.test", AF_UNIX, "none|" },
		{ "bad\x01.test", AF_INET, "none|" },
		{ "many.test", AF_INET, "ok|10.0.0.10,10.0.0.11,10.0.0.12,"
		    "10.0.0.13,10.0.0.14,10.0.0.15,10.0.0.16,10.0.0.17,"
		    "10.0.0.18,10.0.0.19,10.0.0.20,10.0.0.21,10.0.0.22,"
		    "10.0.0.23,10.0.0.24,10.0.0.25" },
	};
	struct t_answer	 a[sizeof(t) / sizeof(t[0])];
	char		 zone[4096], line[64];
	size_t		 i;

	strlcpy(zone, t_zone, sizeof(zone));
	for (i = 10; i < 30; i++) {	/* DNS_ADDR_MAX + 4, in order */
		snprintf(line, sizeof(line), "many.test A 10.0.0.%zu\n", i);
		strlcat(zone, line, sizeof(zone));
	}
	t_setup(tc, zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t_addr(t[i].name, t[i].family, &a[i]);
	t_run(10);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%zu: %d calls", i, a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%zu: synchronous callback", i);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%zu", i);
	}
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_ptr_answers);
ATF_TC_BODY(dns_ptr_answers, tc)
{
	static const struct {
		const char	*addr;
		const char	*want;
	} t[] = {
		{ "192.0.2.1", "ok|host.test" },
		{ "::ffff:192.0.2.1", "ok|host.test" },
		{ "2001:db8::1", "ok|host6.test" },
		{ "192.0.2.2", "none|" },
		{ "192.0.2.3", "tempfail|" },
		{ "192.0.2.6", "ok|slow.test" },
		{ "192.0.2.8", "none|" },	/* not a host name */
		{ "192.0.2.11", "tempfail|" },	/* c-ares: malformed */
		{ "192.0.2.10", "ok|under_score.test" },
		{ "not-an-address", "none|" },	/* AF_UNIX */
	};
	struct t_answer	 a[sizeof(t) / sizeof(t[0])];
	size_t		 i;

	t_setup(tc, t_zone, 2000);
	memset(a, 0, sizeof(a));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t_ptr(t[i].addr, &a[i]);
	t_run(10);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%zu: %d calls", i, a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%zu: synchronous callback", i);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%zu", i);
	}
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_timeout_tempfail);
ATF_TC_BODY(dns_timeout_tempfail, tc)
{
	struct t_answer	 a[3];
	time_t		 start;

	t_setup(tc, t_zone, 300);
	memset(a, 0, sizeof(a));
	start = time(NULL);
	t_mx("slow.test", &a[0]);
	t_addr("slow.test", AF_UNSPEC, &a[1]);
	t_ptr("192.0.2.5", &a[2]);
	t_run(10);
	ATF_CHECK(time(NULL) - start <= 3);
	ATF_CHECK_STREQ(a[0].text, "tempfail|");
	ATF_CHECK_STREQ(a[1].text, "tempfail|");
	ATF_CHECK_STREQ(a[2].text, "tempfail|");
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_cancel_no_callback);
ATF_TC_BODY(dns_cancel_no_callback, tc)
{
	struct t_answer		 a[6], last;
	struct dns_query	*q[6];
	size_t			 i;

	t_setup(tc, t_zone, 500);
	memset(a, 0, sizeof(a));
	memset(&last, 0, sizeof(last));
	q[0] = t_mx("mx.test", &a[0]);			/* on the wire */
	q[1] = t_addr("both.test", AF_UNSPEC, &a[1]);
	q[2] = t_ptr("192.0.2.1", &a[2]);
	q[3] = t_mx("slow.test", &a[3]);		/* never answered */
	q[4] = t_addr("192.0.2.9", AF_INET, &a[4]);	/* answered at once */
	q[5] = t_mx("", &a[5]);				/* refused at once */
	for (i = 0; i < 6; i++) {
		dns_cancel(q[i]);
		t_pending--;
	}
	dns_cancel(NULL);
	/* a query after them, past the time-out of the slow one */
	t_addr("slow.test", AF_INET, &last);
	t_run(10);
	ATF_CHECK_STREQ(last.text, "tempfail|");
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(a[i].calls, 0, "%zu called back", i);
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_no_server_tempfail);
ATF_TC_BODY(dns_no_server_tempfail, tc)
{
	struct t_answer	 a[3];
	char		 err[256];
	int		 port;

	/* a port nobody listens on: the server's, once it is gone */
	port = t_dnsd(tc, t_zone);
	t_kill_dnsd();
	snprintf(err, sizeof(err), "127.0.0.1:%d", port);
	ATF_REQUIRE(dns_init_servers(err, 300, 1, err, sizeof(err)) == 0);
	memset(a, 0, sizeof(a));
	t_mx("mx.test", &a[0]);
	t_addr("both.test", AF_UNSPEC, &a[1]);
	t_ptr("192.0.2.1", &a[2]);
	t_run(10);
	ATF_CHECK_STREQ(a[0].text, "tempfail|");
	ATF_CHECK_STREQ(a[1].text, "tempfail|");
	ATF_CHECK_STREQ(a[2].text, "tempfail|");
	ATF_CHECK(!a[0].sync && !a[1].sync && !a[2].sync);
}

ATF_TC_WITHOUT_HEAD(dns_init_servers_malformed);
ATF_TC_BODY(dns_init_servers_malformed, tc)
{
	static const char *const bad[] = {
		"not an address", "127.0.0.1:port", "300.1.1.1",
	};
	char	 err[256];
	size_t	 i;

	(void)tc;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ATF_CHECK_EQ_MSG(dns_init_servers(bad[i], 300, 1, err,
		    sizeof(err)), -1, "%s accepted", bad[i]);
		ATF_CHECK(err[0] != '\0');
	}
}

ATF_TC_WITHOUT_HEAD(dns_uninitialised_tempfail);
ATF_TC_BODY(dns_uninitialised_tempfail, tc)
{
	struct t_answer	 a[4];

	(void)tc;
	memset(a, 0, sizeof(a));
	t_mx("mx.test", &a[0]);
	t_addr("both.test", AF_UNSPEC, &a[1]);
	t_ptr("192.0.2.1", &a[2]);
	t_addr("192.0.2.9", AF_UNSPEC, &a[3]);	/* needs no server */
	ATF_CHECK_EQ(a[0].calls + a[1].calls + a[2].calls + a[3].calls, 0);
	t_run(5);
	ATF_CHECK_STREQ(a[0].text, "tempfail|");
	ATF_CHECK_STREQ(a[1].text, "tempfail|");
	ATF_CHECK_STREQ(a[2].text, "tempfail|");
	ATF_CHECK_STREQ(a[3].text, "ok|192.0.2.9");
	ATF_CHECK(!a[0].sync && !a[1].sync && !a[2].sync && !a[3].sync);
}

ATF_TC_WITHOUT_HEAD(dns_ptr_name_forms);
ATF_TC_BODY(dns_ptr_name_forms, tc)
{
	static const struct {
		const char	*addr;
		size_t		 outsz;
		int		 want;
		const char	*name;
	} t[] = {
		{ "192.0.2.1", 64, 0, "1.2.0.192.in-addr.arpa" },
		{ "255.255.255.255", 64, 0, "255.255.255.255.in-addr.arpa" },
		{ "::ffff:192.0.2.1", 64, 0, "1.2.0.192.in-addr.arpa" },
		{ "192.0.2.1", 23, 0, "1.2.0.192.in-addr.arpa" },  /* at limit */
		{ "192.0.2.1", 22, -1, NULL },			/* one short */
		{ "2001:db8::1", DNS_PTR_NAME_MAX, 0,
		    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 73, 0,
		    "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f."
		    "f.f.f.f.f.f.f.f.ip6.arpa" },
		{ "::1", 72, -1, NULL },
		{ "unix", 64, -1, NULL },
	};
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			 out[DNS_PTR_NAME_MAX];
	size_t			 i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, t[i].addr, &sin->sin_addr) == 1)
			sin->sin_family = AF_INET;
		else if (inet_pton(AF_INET6, t[i].addr, &sin6->sin6_addr) == 1)
			sin6->sin6_family = AF_INET6;
		else
			ss.ss_family = AF_UNIX;
		ATF_CHECK_EQ_MSG(dns_ptr_name((struct sockaddr *)&ss, out,
		    t[i].outsz), t[i].want, "%zu", i);
		if (t[i].want == 0)
			ATF_CHECK_STREQ_MSG(out, t[i].name, "%zu", i);
	}
}

#define T_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* one question and the answer it wants */
struct t_case {
	char		 kind;		/* 'p' PTR, 'a' address, 'm' MX */
	const char	*what;
	int		 family;
	const char	*want;
};

/* t_cases - ask every question at once, then check every answer */
static void
t_cases(const struct t_case *t, size_t n, int secs)
{
	struct t_answer	*a;
	size_t		 i;

	ATF_REQUIRE((a = calloc(n, sizeof(*a))) != NULL);
	for (i = 0; i < n; i++) {
		if (t[i].kind == 'p')
			t_ptr(t[i].what, &a[i]);
		else if (t[i].kind == 'a')
			t_addr(t[i].what, t[i].family, &a[i]);
		else
			t_mx(t[i].what, &a[i]);
	}
	t_run(secs);
	for (i = 0; i < n; i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%s: %d calls", t[i].what,
		    a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%s: synchronous callback",
		    t[i].what);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%s", t[i].what);
	}
	free(a);
}

static const char *const t_hosts =
    "# hosts(5) of the tests\n"
    "192.0.2.1 files.test\n"
    "192.0.2.3 servfail.files.test\n"
    "192.0.2.5 slow.files.test\n"
    "192.0.2.12 only.files.test only\n"
    "2001:db8::1 both.test\n"
    "198.51.100.1 fail.test\n";

ATF_TC_WITHOUT_HEAD(dns_files_first);
ATF_TC_BODY(dns_files_first, tc)
{
	static const struct t_case t[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "::ffff:192.0.2.12", 0, "ok|only.files.test" },
		{ 'p', "192.0.2.10", 0, "ok|under_score.test" },
		{ 'p', "192.0.2.2", 0, "none|" },
		{ 'a', "both.test", AF_UNSPEC, "ok|2001:db8::1" },
		{ 'a', "Only.", AF_INET, "ok|192.0.2.12" },
		{ 'a', "fail.test", AF_INET, "ok|198.51.100.1" },
		{ 'a', "fail.test", AF_INET6, "tempfail|" },
		{ 'a', "v4.test", AF_INET, "ok|192.0.2.4" },
		{ 'm', "fail.test", 0, "tempfail|" },	/* MX: DNS alone */
	};

	t_setup(tc, t_zone, 2000);
	t_files(t_hosts, "hosts: files dns\n");
	t_cases(t, T_NITEMS(t), 10);
	/* what /etc/hosts answered never reached the nameserver */
	ATF_CHECK_EQ(t_queried("1.2.0.192.in-addr.arpa PTR"), 0);
	ATF_CHECK_EQ(t_queried("12.2.0.192.in-addr.arpa PTR"), 0);
	ATF_CHECK_EQ(t_queried("both.test AAAA"), 0);
	ATF_CHECK_EQ(t_queried("both.test A"), 0);
	ATF_CHECK_EQ(t_queried("only A"), 0);
	ATF_CHECK_EQ(t_queried("fail.test A"), 0);
	ATF_CHECK_EQ(t_queried("2.2.0.192.in-addr.arpa PTR"), 1);
	ATF_CHECK(t_queried("fail.test AAAA") >= 1);
	ATF_CHECK(t_queried("fail.test MX") >= 1);
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_dns_first);
ATF_TC_BODY(dns_dns_first, tc)
{
	static const struct t_case t[] = {
		{ 'p', "192.0.2.1", 0, "ok|host.test" },
		{ 'p', "192.0.2.12", 0, "ok|only.files.test" },	/* NXDOMAIN */
		{ 'p', "192.0.2.3", 0, "ok|servfail.files.test" },
		{ 'p', "192.0.2.5", 0, "ok|slow.files.test" },	/* time-out */
		{ 'p', "192.0.2.2", 0, "none|" },
		{ 'a', "both.test", AF_UNSPEC, "ok|192.0.2.1,2001:db8::1" },
		{ 'a', "fail.test", AF_INET, "ok|198.51.100.1" },
		{ 'a', "fail.test", AF_INET6, "tempfail|" },
		{ 'a', "slow.test", AF_INET, "tempfail|" },
	};

	t_setup(tc, t_zone, 500);
	t_files(t_hosts, "hosts: dns files\n");
	t_cases(t, T_NITEMS(t), 10);
	ATF_CHECK_EQ(t_queried("1.2.0.192.in-addr.arpa PTR"), 1);
	ATF_CHECK_EQ(t_queried("12.2.0.192.in-addr.arpa PTR"), 1);
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_order_actions);
ATF_TC_BODY(dns_order_actions, tc)
{
	static const struct t_case files_only[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "192.0.2.10", 0, "none|" },
		{ 'm', "mx.test", 0, "ok|10 a.mx.test,20 b.mx.test,"
		    "30 c.mx.test" },
	}, notfound_return[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "192.0.2.11", 0, "none|" },
	}, unavail_return[] = {
		{ 'p', "192.0.2.12", 0, "none|" },		/* NXDOMAIN */
		{ 'p', "192.0.2.3", 0, "tempfail|" },		/* SERVFAIL */
		{ 'p', "192.0.2.10", 0, "ok|under_score.test" },
	}, tryagain_continue[] = {
		{ 'p', "192.0.2.12", 0, "none|" },
		{ 'p', "192.0.2.3", 0, "ok|servfail.files.test" },
	};

	t_setup(tc, t_zone, 500);
	t_files(t_hosts, "hosts: files\n");
	t_cases(files_only, T_NITEMS(files_only), 10);
	t_files(t_hosts, "hosts: files [NOTFOUND=return] dns\n");
	t_cases(notfound_return, T_NITEMS(notfound_return), 10);
	ATF_CHECK_EQ(t_queried("10.2.0.192.in-addr.arpa PTR"), 0);
	ATF_CHECK_EQ(t_queried("11.2.0.192.in-addr.arpa PTR"), 0);
	t_files(t_hosts, "hosts: dns [!UNAVAIL=return] files\n");
	t_cases(unavail_return, T_NITEMS(unavail_return), 10);
	t_files(t_hosts, "hosts: dns [NOTFOUND=return] files\n");
	t_cases(tryagain_continue, T_NITEMS(tryagain_continue), 10);
	t_kill_dnsd();
}

ATF_TC_WITHOUT_HEAD(dns_files_without_servers);
ATF_TC_BODY(dns_files_without_servers, tc)
{
	static const struct t_case dns_files[] = {
		{ 'p', "192.0.2.1", 0, "ok|files.test" },
		{ 'p', "192.0.2.2", 0, "tempfail|" },
		{ 'a', "both.test", AF_UNSPEC, "ok|2001:db8::1" },
		{ 'm', "mx.test", 0, "tempfail|" },
	}, unavail_return[] = {
		{ 'p', "192.0.2.1", 0, "tempfail|" },
	};

	/* no dns_init: DNS is unavailable, /etc/hosts still answers */
	(void)tc;
	t_files(t_hosts, "hosts: dns files\n");
	t_cases(dns_files, T_NITEMS(dns_files), 5);
	t_files(t_hosts, "hosts: dns [UNAVAIL=return] files\n");
	t_cases(unavail_return, T_NITEMS(unavail_return), 5);
}

ATF_TC_WITHOUT_HEAD(dns_files_cancel);
ATF_TC_BODY(dns_files_cancel, tc)
{
	struct t_answer	 a[2], last;

	(void)tc;
	t_files(t_hosts, "hosts: files dns\n");
	memset(a, 0, sizeof(a));
	memset(&last, 0, sizeof(last));
	dns_cancel(t_ptr("192.0.2.1", &a[0]));
	dns_cancel(t_addr("both.test", AF_INET6, &a[1]));
	t_pending -= 2;
	t_addr("only", AF_INET, &last);
	t_run(5);
	ATF_CHECK_STREQ(last.text, "ok|192.0.2.12");
	ATF_CHECK_EQ(a[0].calls + a[1].calls, 0);
}

/*
 * a query that /etc/hosts could not answer and DNS did keeps nothing:
 * the heap in use after 200 of them is what it was before (each once
 * leaked the empty array the files left, 2 KiB)
 */
ATF_TC_WITHOUT_HEAD(dns_files_then_dns_no_growth);
ATF_TC_BODY(dns_files_then_dns_no_growth, tc)
{
	struct t_answer		a;
	struct mallinfo2	m0, m1;
	long long		grown;
	int			i;

	t_setup(tc, t_zone, 2000);
	t_files(t_hosts, "hosts: files dns\n");
	memset(&m0, 0, sizeof(m0));
	for (i = 0; i < 250; i++) {
		if (i == 50)
			m0 = mallinfo2();
		memset(&a, 0, sizeof(a));
		t_addr("v4.test", AF_INET, &a);
		t_run(5);
		ATF_REQUIRE_STREQ(a.text, "ok|192.0.2.4");
	}
	m1 = mallinfo2();
	grown = (long long)m1.uordblks - (long long)m0.uordblks;
	ATF_CHECK_MSG(grown < 64 * 1024, "heap grew by %lld octets", grown);
	t_kill_dnsd();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, dns_files_then_dns_no_growth);
	ATF_TP_ADD_TC(tp, dns_files_first);
	ATF_TP_ADD_TC(tp, dns_dns_first);
	ATF_TP_ADD_TC(tp, dns_order_actions);
	ATF_TP_ADD_TC(tp, dns_files_without_servers);
	ATF_TP_ADD_TC(tp, dns_files_cancel);
	ATF_TP_ADD_TC(tp, dns_ptr_name_forms);
	ATF_TP_ADD_TC(tp, dns_mx_answers);
	ATF_TP_ADD_TC(tp, dns_mx_bounded_and_shuffled);
	ATF_TP_ADD_TC(tp, dns_addr_answers);
	ATF_TP_ADD_TC(tp, dns_ptr_answers);
	ATF_TP_ADD_TC(tp, dns_timeout_tempfail);
	ATF_TP_ADD_TC(tp, dns_cancel_no_callback);
	ATF_TP_ADD_TC(tp, dns_no_server_tempfail);
	ATF_TP_ADD_TC(tp, dns_init_servers_malformed);
	ATF_TP_ADD_TC(tp, dns_uninitialised_tempfail);
	return atf_no_error();
}
