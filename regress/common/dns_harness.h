/*
 * dns_harness.h - what the resolver's tests share: regress/tools/dnsd.py
 * started on a free port of 127.0.0.1 with a zone, the resolver pointed
 * at it (and at a hosts file and nsswitch.conf of the test's own), each
 * answer recorded as text, and questions asked all at once.
 */
#ifndef POSTHORN_DNS_HARNESS_H
#define POSTHORN_DNS_HARNESS_H

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

#define DNS_HARNESS_PY		"/usr/bin/python3"
#define DNS_HARNESS_ANSWER_MAX	1024

static pid_t	dns_harness_dnsd_pid = -1;

/* one answer as text: "status|item,item,..." */
struct dns_harness_answer {
	int	 done;
	int	 calls;
	int	 sync;		/* called back inside the starting call */
	char	 text[DNS_HARNESS_ANSWER_MAX];
};

static int	dns_harness_starting;	/* inside a dns_* call */
static int	dns_harness_pending;	/* callbacks still due */

static const char *const dns_harness_zone __attribute__((unused)) =
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

/* dns_harness_kill_dnsd - stop the server this test started, by its pid */
static inline void
dns_harness_kill_dnsd(void)
{
	if (dns_harness_dnsd_pid > 0) {
		kill(dns_harness_dnsd_pid, SIGTERM);
		waitpid(dns_harness_dnsd_pid, NULL, 0);
		dns_harness_dnsd_pid = -1;
	}
}

/* dns_harness_tool - the path of a script under regress/tools */
static inline void
dns_harness_tool(const atf_tc_t *tc, const char *name, char *out, size_t outsz)
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

/* dns_harness_dnsd - start dnsd.py on a free port with zone; its port */
static inline int
dns_harness_dnsd(const atf_tc_t *tc, const char *zone)
{
	char	 tool[PATH_MAX], line[32];
	FILE	*f;
	int	 i, port = 0;

	dns_harness_tool(tc, "dnsd.py", tool, sizeof(tool));
	file_harness_text("zone", zone);
	unlink("port");
	ATF_REQUIRE((dns_harness_dnsd_pid = fork()) != -1);
	if (dns_harness_dnsd_pid == 0) {
		execl(DNS_HARNESS_PY, DNS_HARNESS_PY, tool, "--port", "0",
		    "--portfile", "port",
		    "--log", "queries", "zone", (char *)NULL);
		_exit(127);
	}
	atexit(dns_harness_kill_dnsd);
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

/* dns_harness_setup - dnsd.py with the zone and the resolver pointed at it */
static inline void
dns_harness_setup(const atf_tc_t *tc, const char *zone, int timeout_ms)
{
	char	 servers[64], err[256];

	snprintf(servers, sizeof(servers), "127.0.0.1:%d",
	    dns_harness_dnsd(tc, zone));
	if (dns_init_servers(servers, timeout_ms, 1, err, sizeof(err)) == -1)
		atf_tc_fail("dns_init_servers: %s", err);
}

/* dns_harness_files - the resolver's hosts file and nsswitch.conf */
static inline void
dns_harness_files(const char *hosts, const char *nsswitch)
{
	struct dns_files	 files = { "no-resolv.conf", "hosts",
				    "nsswitch.conf" };

	file_harness_text("hosts", hosts);
	file_harness_text("nsswitch.conf", nsswitch);
	dns_init_files(&files);
}

/* dns_harness_queried - how often dnsd.py was asked a question ("name TYPE") */
static inline int
dns_harness_queried(const char *question)
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

/* dns_harness_status - the name of a status */
static inline const char *
dns_harness_status(enum dns_status st)
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

/* dns_harness_answered - common bookkeeping of every callback */
static inline void
dns_harness_answered(struct dns_harness_answer *a, enum dns_status st)
{
	a->calls++;
	a->done = 1;
	if (dns_harness_starting)
		a->sync = 1;
	snprintf(a->text, sizeof(a->text), "%s|", dns_harness_status(st));
	if (--dns_harness_pending == 0)
		ev_exit();
}

/* dns_harness_on_mx - record an MX answer as "status|pref host,..." */
static inline void
dns_harness_on_mx(enum dns_status st, const struct dns_mx *mx, size_t n,
    void *arg)
{
	struct dns_harness_answer	*a = arg;
	char				 item[HOST_MAX + 16];
	size_t				 i;

	dns_harness_answered(a, st);
	for (i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s%u %s", i ? "," : "",
		    mx[i].pref, mx[i].host);
		strlcat(a->text, item, sizeof(a->text));
	}
}

/* dns_harness_addr_cmp - order addresses as text for a stable comparison */
static inline int
dns_harness_addr_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* dns_harness_on_addr - record an address answer as "status|a,b" (sorted) */
static inline void
dns_harness_on_addr(enum dns_status st, const struct sockaddr_storage *ss,
    size_t n, void *arg)
{
	struct dns_harness_answer *a = arg;
	char		 txt[DNS_ADDR_MAX][INET6_ADDRSTRLEN + 8];
	size_t		 i;

	dns_harness_answered(a, st);
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
	qsort(txt, n, sizeof(txt[0]), dns_harness_addr_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strlcat(a->text, ",", sizeof(a->text));
		strlcat(a->text, txt[i], sizeof(a->text));
	}
}

/* dns_harness_on_name - record a PTR answer as "status|name" */
static inline void
dns_harness_on_name(enum dns_status st, const char *name, void *arg)
{
	struct dns_harness_answer	*a = arg;

	dns_harness_answered(a, st);
	if (st == DNS_OK)
		strlcat(a->text, name, sizeof(a->text));
	else
		ATF_CHECK(name == NULL);
}

/* dns_harness_on_guard - the loop ran too long */
static inline void
dns_harness_on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
	ev_exit();
}

/* dns_harness_run - run the loop until every callback came or secs passed */
static inline void
dns_harness_run(int secs)
{
	struct timeval	 tv = { secs, 0 };
	struct event	*guard;
	int		 expired = 0;

	guard = evtimer_new(ev_base(), dns_harness_on_guard, &expired);
	evtimer_add(guard, &tv);
	if (dns_harness_pending > 0)
		ev_dispatch();
	event_free(guard);
	ATF_REQUIRE_MSG(!expired, "%d callbacks missing after %d s",
	    dns_harness_pending, secs);
}

/* dns_harness_mx - start an MX query, noting whether it called back at once */
static inline struct dns_query *
dns_harness_mx(const char *name, struct dns_harness_answer *a)
{
	struct dns_query	*q;

	dns_harness_pending++;
	dns_harness_starting = 1;
	q = dns_mx(name, dns_harness_on_mx, a);
	dns_harness_starting = 0;
	return q;
}

/* dns_harness_addr - start an address query */
static inline struct dns_query *
dns_harness_addr(const char *name, int family, struct dns_harness_answer *a)
{
	struct dns_query	*q;

	dns_harness_pending++;
	dns_harness_starting = 1;
	q = dns_addr(name, family, dns_harness_on_addr, a);
	dns_harness_starting = 0;
	return q;
}

/* dns_harness_ptr - start a PTR query for a numeric address */
static inline struct dns_query *
dns_harness_ptr(const char *addr, struct dns_harness_answer *a)
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
	dns_harness_pending++;
	dns_harness_starting = 1;
	q = dns_ptr((struct sockaddr *)&ss, dns_harness_on_name, a);
	dns_harness_starting = 0;
	return q;
}

/* dns_harness_long_name - a name of len octets made of labels of 63 */
static inline void
dns_harness_long_name(char *out, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		out[i] = (i % 64 == 63) ? '.' : 'a';
	out[len] = '\0';
}

#define DNS_HARNESS_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* one question and the answer it wants */
struct dns_harness_case {
	char		 kind;		/* 'p' PTR, 'a' address, 'm' MX */
	const char	*what;
	int		 family;
	const char	*want;
};

/* dns_harness_cases - ask every question at once, then check every answer */
static inline void
dns_harness_cases(const struct dns_harness_case *t, size_t n, int secs)
{
	struct dns_harness_answer	*a;
	size_t				 i;

	ATF_REQUIRE((a = calloc(n, sizeof(*a))) != NULL);
	for (i = 0; i < n; i++) {
		if (t[i].kind == 'p')
			dns_harness_ptr(t[i].what, &a[i]);
		else if (t[i].kind == 'a')
			dns_harness_addr(t[i].what, t[i].family, &a[i]);
		else
			dns_harness_mx(t[i].what, &a[i]);
	}
	dns_harness_run(secs);
	for (i = 0; i < n; i++) {
		ATF_CHECK_EQ_MSG(a[i].calls, 1, "%s: %d calls", t[i].what,
		    a[i].calls);
		ATF_CHECK_MSG(!a[i].sync, "%s: synchronous callback",
		    t[i].what);
		ATF_CHECK_STREQ_MSG(a[i].text, t[i].want, "%s", t[i].what);
	}
	free(a);
}

#endif
