/*
 * t_dns_hosts.c - the hosts(5) table: comments, several names per line,
 * IPv4 and IPv6, the first line winning for an address, every line
 * counting for a name, and what is skipped: bad addresses, lines
 * without a name, NUL, 8-bit and overlong names and lines, names past
 * the bound.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "defs.h"
#include "dns_hosts.h"

#define T_TEXT_MAX	1024

/* t_parse - the table of a NUL-terminated text */
static struct dns_hosts *
t_parse(const char *text, size_t *skipped)
{
	return dns_hosts_parse(text, strlen(text), skipped);
}

/* t_sockaddr - a socket address of a numeric address ("unix": AF_UNIX) */
static void
t_sockaddr(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		ss->ss_family = AF_UNIX;
}

/* t_name - the name of an address as text, "-" for none */
static const char *
t_name(const struct dns_hosts *h, const char *addr, char *out, size_t outsz)
{
	struct sockaddr_storage	 ss;

	t_sockaddr(addr, &ss);
	if (dns_hosts_name(h, (struct sockaddr *)&ss, out, outsz) != 1)
		strlcpy(out, "-", outsz);
	return out;
}

/* t_addrs - the addresses of a name as "a,b", "" for none */
static const char *
t_addrs(const struct dns_hosts *h, const char *name, int family,
    size_t max, char *out, size_t outsz)
{
	struct sockaddr_storage	 ss[8];
	char			 txt[INET6_ADDRSTRLEN];
	size_t			 i, n;

	ATF_REQUIRE(max <= 8);
	n = dns_hosts_addrs(h, name, family, ss, max);
	ATF_REQUIRE(n <= max);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (ss[i].ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss[i])->
			    sin_addr, txt, sizeof(txt));
			ATF_CHECK_EQ(((struct sockaddr_in *)&ss[i])->sin_port,
			    0);
		} else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss[i])->
			    sin6_addr, txt, sizeof(txt));
		if (i > 0)
			strlcat(out, ",", outsz);
		strlcat(out, txt, outsz);
	}
	return out;
}

static const char *const t_hosts =
    "# The following lines are desirable for IPv4 capable hosts\n"
    "127.0.0.1\tlocalhost\n"
    "127.0.1.1 Box.Example.org box   # the machine itself\n"
    "\n"
    "   # an indented comment\n"
    "192.0.2.1 smart.test relay\r\n"
    "192.0.2.2 smart.test\n"
    "192.0.2.1 second.test\n"
    "2001:db8::1 smart.test v6only.test\n"
    "::1 localhost ip6-localhost ip6-loopback\n"
    "192.0.2.3 dotted.test.\n"
    "198.51.100.1 under_score.test\t\tlast";	/* no final LF */

ATF_TC_WITHOUT_HEAD(dns_hosts_parse_valid);
ATF_TC_BODY(dns_hosts_parse_valid, tc)
{
	static const struct {
		const char	*addr;
		const char	*name;
	} names[] = {
		{ "127.0.0.1", "localhost" },
		{ "127.0.1.1", "Box.Example.org" },	/* case kept */
		{ "192.0.2.1", "smart.test" },		/* the first line */
		{ "192.0.2.2", "smart.test" },
		{ "::ffff:192.0.2.1", "smart.test" },	/* IPv4-mapped */
		{ "2001:db8::1", "smart.test" },
		{ "::1", "localhost" },
		{ "192.0.2.3", "dotted.test" },
		{ "198.51.100.1", "under_score.test" },
		{ "192.0.2.9", "-" },
		{ "2001:db8::2", "-" },
		{ "unix", "-" },
	};
	static const struct {
		const char	*name;
		int		 family;
		const char	*want;
	} addrs[] = {
		{ "smart.test", AF_UNSPEC, "192.0.2.1,192.0.2.2,2001:db8::1" },
		{ "SMART.Test.", AF_UNSPEC, "192.0.2.1,192.0.2.2,2001:db8::1" },
		{ "smart.test", AF_INET, "192.0.2.1,192.0.2.2" },
		{ "smart.test", AF_INET6, "2001:db8::1" },
		{ "relay", AF_UNSPEC, "192.0.2.1" },	/* an alias */
		{ "second.test", AF_UNSPEC, "192.0.2.1" },
		{ "box", AF_INET, "127.0.1.1" },
		{ "localhost", AF_UNSPEC, "127.0.0.1,::1" },
		{ "ip6-loopback", AF_INET, "" },
		{ "v6only.test", AF_INET, "" },
		{ "dotted.test", AF_UNSPEC, "192.0.2.3" },
		{ "dotted.test.", AF_UNSPEC, "192.0.2.3" },
		{ "last", AF_UNSPEC, "198.51.100.1" },
		{ "nowhere.test", AF_UNSPEC, "" },
		{ "smart", AF_UNSPEC, "" },
		{ "", AF_UNSPEC, "" },
		{ ".", AF_UNSPEC, "" },
	};
	struct dns_hosts	*h;
	char			 out[T_TEXT_MAX];
	size_t			 i, skipped;

	(void)tc;
	h = t_parse(t_hosts, &skipped);
	ATF_CHECK_EQ(skipped, 0);
	ATF_CHECK_EQ(dns_hosts_count(h), 15);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ATF_CHECK_STREQ_MSG(t_name(h, names[i].addr, out, sizeof(out)),
		    names[i].name, "%s", names[i].addr);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		ATF_CHECK_STREQ_MSG(t_addrs(h, addrs[i].name, addrs[i].family,
		    8, out, sizeof(out)), addrs[i].want, "%s", addrs[i].name);
	dns_hosts_free(h);
}

ATF_TC_WITHOUT_HEAD(dns_hosts_lookup_bounds);
ATF_TC_BODY(dns_hosts_lookup_bounds, tc)
{
	struct dns_hosts	*h;
	struct sockaddr_storage	 ss;
	char			 out[T_TEXT_MAX];
	size_t			 skipped;

	(void)tc;
	h = t_parse("192.0.2.1 abcd.test\n192.0.2.1 a.test\n"
	    "192.0.2.2 a.test\n192.0.2.3 A.test\n", &skipped);
	t_sockaddr("192.0.2.1", &ss);
	/* the name and its NUL fit exactly; one octet less does not */
	ATF_CHECK_EQ(dns_hosts_name(h, (struct sockaddr *)&ss, out, 10), 1);
	ATF_CHECK_STREQ(out, "abcd.test");
	ATF_CHECK_EQ(dns_hosts_name(h, (struct sockaddr *)&ss, out, 9), 0);
	/* at most max addresses, in file order; the same one once */
	ATF_CHECK_STREQ(t_addrs(h, "a.test", AF_UNSPEC, 2, out, sizeof(out)),
	    "192.0.2.1,192.0.2.2");
	ATF_CHECK_STREQ(t_addrs(h, "a.test", AF_UNSPEC, 8, out, sizeof(out)),
	    "192.0.2.1,192.0.2.2,192.0.2.3");
	ATF_CHECK_STREQ(t_addrs(h, "a.test", AF_UNSPEC, 0, out, sizeof(out)),
	    "");
	dns_hosts_free(h);
	h = t_parse("192.0.2.1 a.test\n192.0.2.1 a.test A.TEST\n", &skipped);
	ATF_CHECK_STREQ(t_addrs(h, "a.test", AF_UNSPEC, 8, out, sizeof(out)),
	    "192.0.2.1");
	dns_hosts_free(h);
	/* a NULL table is empty */
	ATF_CHECK_EQ(dns_hosts_name(NULL, (struct sockaddr *)&ss, out,
	    sizeof(out)), 0);
	ATF_CHECK_EQ(dns_hosts_addrs(NULL, "a.test", AF_UNSPEC, &ss, 1), 0);
	ATF_CHECK_EQ(dns_hosts_count(NULL), 0);
	dns_hosts_free(NULL);
}

ATF_TC_WITHOUT_HEAD(dns_hosts_parse_malformed);
ATF_TC_BODY(dns_hosts_parse_malformed, tc)
{
	static const struct {
		const char	*text;
		size_t		 len;		/* 0: strlen */
		size_t		 skipped;
		size_t		 count;
	} t[] = {
		{ "", 0, 0, 0 },
		{ "\n\n# only comments\n#127.0.0.1 x\n", 0, 0, 0 },
		{ "127.0.0.1\n", 0, 1, 0 },		/* no name */
		{ "127.0.0.1 # a comment\n", 0, 1, 0 },
		{ "300.1.1.1 bad.test\n", 0, 1, 0 },
		{ "127.1 short.test\n", 0, 1, 0 },	/* inet_pton only */
		{ "fe80::1%lo scoped.test\n", 0, 1, 0 },
		{ "localhost 127.0.0.1\n", 0, 1, 0 },	/* reversed */
		{ "127.0.0.1 ok.test b\xc3\xa4" "d.test ok2.test\n", 0, 1, 2 },
		{ "127.0.0.1 b\xc3\xa4" "d.test\n", 0, 2, 0 },
		{ "127.0.0.1 a/b.test a(b).test .\n", 0, 4, 0 },
		{ "127.0.0.1 x.test\0y.test\n127.0.0.2 z.test\n", 40, 1, 1 },
		{ "127.0.0.1 bare\rcr.test\n", 0, 0, 2 },	/* CR: blank */
		{ "127.0.0.1 a.test\n\n127.0.0.2 b.test", 0, 0, 2 },
	};
	struct dns_hosts	*h;
	size_t			 i, skipped;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		h = dns_hosts_parse(t[i].text, t[i].len ? t[i].len :
		    strlen(t[i].text), &skipped);
		ATF_CHECK_EQ_MSG(skipped, t[i].skipped, "%zu: %zu skipped", i,
		    skipped);
		ATF_CHECK_EQ_MSG(dns_hosts_count(h), t[i].count, "%zu: %zu",
		    i, dns_hosts_count(h));
		dns_hosts_free(h);
	}
}

ATF_TC_WITHOUT_HEAD(dns_hosts_parse_limits);
ATF_TC_BODY(dns_hosts_parse_limits, tc)
{
	static char	 line[DNS_HOSTS_LINE_MAX + 8];
	struct dns_hosts *h;
	char		 name[HOST_MAX + 1], out[T_TEXT_MAX];
	size_t		 skipped, len;

	(void)tc;
	/* a name of HOST_MAX - 1 octets is kept, one of HOST_MAX is not */
	memset(name, 'a', sizeof(name));
	name[HOST_MAX - 1] = '\0';
	snprintf(line, sizeof(line), "192.0.2.1 %s\n", name);
	h = t_parse(line, &skipped);
	ATF_CHECK_EQ(skipped, 0);
	ATF_CHECK_STREQ(t_name(h, "192.0.2.1", out, sizeof(out)), name);
	dns_hosts_free(h);
	name[HOST_MAX - 1] = 'a';
	name[HOST_MAX] = '\0';
	snprintf(line, sizeof(line), "192.0.2.1 %s\n", name);
	h = t_parse(line, &skipped);
	ATF_CHECK_EQ(skipped, 2);		/* the name, then the line */
	ATF_CHECK_EQ(dns_hosts_count(h), 0);
	dns_hosts_free(h);
	/* a line of DNS_HOSTS_LINE_MAX octets is read, a longer one not */
	len = strlcpy(line, "192.0.2.1 a.test", sizeof(line));
	memset(line + len, ' ', DNS_HOSTS_LINE_MAX - len - 1);
	line[DNS_HOSTS_LINE_MAX - 1] = 'b';
	line[DNS_HOSTS_LINE_MAX] = '\n';
	h = dns_hosts_parse(line, DNS_HOSTS_LINE_MAX + 1, &skipped);
	ATF_CHECK_EQ(skipped, 0);
	ATF_CHECK_STREQ(t_addrs(h, "b", AF_INET, 1, out, sizeof(out)),
	    "192.0.2.1");
	dns_hosts_free(h);
	memmove(line + 1, line, DNS_HOSTS_LINE_MAX + 1);
	line[0] = ' ';
	h = dns_hosts_parse(line, DNS_HOSTS_LINE_MAX + 2, &skipped);
	ATF_CHECK_EQ(skipped, 1);
	ATF_CHECK_EQ(dns_hosts_count(h), 0);
	dns_hosts_free(h);
}

ATF_TC_WITHOUT_HEAD(dns_hosts_parse_names_max);
ATF_TC_BODY(dns_hosts_parse_names_max, tc)
{
	struct dns_hosts	*h;
	char			*text, out[T_TEXT_MAX];
	size_t			 i, len = 0, skipped, sz;

	(void)tc;
	/* DNS_HOSTS_NAMES_MAX + 1 lines: the last one is left out */
	sz = (DNS_HOSTS_NAMES_MAX + 1) * 32;
	ATF_REQUIRE((text = malloc(sz)) != NULL);
	for (i = 0; i <= DNS_HOSTS_NAMES_MAX; i++)
		len += snprintf(text + len, sz - len, "10.%zu.%zu.%zu h%zu\n",
		    (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, i);
	h = dns_hosts_parse(text, len, &skipped);
	free(text);
	ATF_CHECK_EQ(dns_hosts_count(h), DNS_HOSTS_NAMES_MAX);
	ATF_CHECK_EQ(skipped, 2);		/* the name, then its line */
	ATF_CHECK_STREQ(t_name(h, "10.0.0.0", out, sizeof(out)), "h0");
	ATF_CHECK_STREQ(t_addrs(h, "h99999", AF_INET, 1, out, sizeof(out)),
	    "10.1.134.159");
	ATF_CHECK_STREQ(t_addrs(h, "h100000", AF_INET, 1, out, sizeof(out)),
	    "");
	dns_hosts_free(h);
}

ATF_TC_WITHOUT_HEAD(dns_hosts_name_ok_forms);
ATF_TC_BODY(dns_hosts_name_ok_forms, tc)
{
	static const struct {
		const char	*name;
		int		 ok;
	} t[] = {
		{ "a", 1 }, { "mx-1.Example.ORG", 1 }, { "_srv.x", 1 },
		{ "", 0 }, { "a b", 0 }, { "a\nb", 0 }, { "a\rb", 0 },
		{ "a/b", 0 }, { "b\xc3\xa4", 0 }, { "a\x7f", 0 },
	};
	char	 at[HOST_MAX + 1];
	size_t	 i;

	(void)tc;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ATF_CHECK_EQ_MSG(dns_hosts_name_ok(t[i].name,
		    strlen(t[i].name)), t[i].ok, "%zu", i);
	ATF_CHECK_EQ(dns_hosts_name_ok("a\0b", 3), 0);
	memset(at, 'a', sizeof(at));
	ATF_CHECK_EQ(dns_hosts_name_ok(at, HOST_MAX - 1), 1);
	ATF_CHECK_EQ(dns_hosts_name_ok(at, HOST_MAX), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, dns_hosts_parse_valid);
	ATF_TP_ADD_TC(tp, dns_hosts_lookup_bounds);
	ATF_TP_ADD_TC(tp, dns_hosts_parse_malformed);
	ATF_TP_ADD_TC(tp, dns_hosts_parse_limits);
	ATF_TP_ADD_TC(tp, dns_hosts_parse_names_max);
	ATF_TP_ADD_TC(tp, dns_hosts_name_ok_forms);
	return atf_no_error();
}
