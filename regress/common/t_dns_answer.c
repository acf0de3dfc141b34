/*
 * t_dns_answer.c - what is kept of MX and PTR answers, from the bytes a
 * nameserver sends (dns_answer.c).
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "dns_answer.h"

#define T_MSG_MAX	4096

struct t_msg {
	unsigned char	b[T_MSG_MAX];
	size_t		len;
};

/* t_put - append octets */
static void
t_put(struct t_msg *m, const void *p, size_t n)
{
	ATF_REQUIRE(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

/* t_u16 - append a 16-bit number in network order */
static void
t_u16(struct t_msg *m, unsigned int v)
{
	unsigned char	b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	t_put(m, b, 2);
}

/* t_name - append a name as labels ("" is the root) */
static void
t_name(struct t_msg *m, const char *name)
{
	const char	*dot;
	unsigned char	 n;

	while (*name != '\0') {
		dot = strchr(name, '.');
		n = (unsigned char)(dot ? (size_t)(dot - name) : strlen(name));
		t_put(m, &n, 1);
		t_put(m, name, n);
		name += n + (dot ? 1 : 0);
	}
	t_put(m, "", 1);
}

/* t_start - header and question of an answer with an answers */
static void
t_start(struct t_msg *m, const char *qname, unsigned int type, int rcode,
    unsigned int an)
{
	m->len = 0;
	t_u16(m, 0x1234);
	t_u16(m, 0x8180 | (unsigned int)rcode);
	t_u16(m, 1);
	t_u16(m, an);
	t_u16(m, 0);
	t_u16(m, 0);
	t_name(m, qname);
	t_u16(m, type);
	t_u16(m, 1);
}

/* t_rr - one answer record for the question's name (a pointer to it) */
static void
t_rr(struct t_msg *m, unsigned int type, int pref, const char *target)
{
	struct t_msg	rd = { .len = 0 };

	if (pref >= 0)
		t_u16(&rd, (unsigned int)pref);
	t_name(&rd, target);
	t_u16(m, 0xc00c);
	t_u16(m, type);
	t_u16(m, 1);
	t_u16(m, 0);
	t_u16(m, 300);
	t_u16(m, (unsigned int)rd.len);
	t_put(m, rd.b, rd.len);
}

ATF_TC_WITHOUT_HEAD(dns_answer_mx_sorted);
ATF_TC_BODY(dns_answer_mx_sorted, tc)
{
	struct t_msg	m;
	struct dns_mx	mx[DNS_MX_MAX];
	size_t		n;

	t_start(&m, "example.org", 15, 0, 3);
	t_rr(&m, 15, 20, "b.example.org");
	t_rr(&m, 15, 10, "a.example.org");
	t_rr(&m, 15, 30, "c.example.org");
	ATF_REQUIRE_EQ(dns_answer_mx(m.b, (int)m.len, mx, &n), DNS_OK);
	ATF_REQUIRE_EQ(n, 3);
	ATF_CHECK_STREQ(mx[0].host, "a.example.org");
	ATF_CHECK_EQ(mx[0].pref, 10);
	ATF_CHECK_STREQ(mx[1].host, "b.example.org");
	ATF_CHECK_STREQ(mx[2].host, "c.example.org");
	/* RFC 7505: the null MX */
	t_start(&m, "example.net", 15, 0, 1);
	t_rr(&m, 15, 0, "");
	ATF_REQUIRE_EQ(dns_answer_mx(m.b, (int)m.len, mx, &n), DNS_OK);
	ATF_CHECK_STREQ(mx[0].host, ".");
}

ATF_TC_WITHOUT_HEAD(dns_answer_mx_bounded);
ATF_TC_BODY(dns_answer_mx_bounded, tc)
{
	struct t_msg	m;
	struct dns_mx	mx[DNS_MX_MAX];
	char		host[32];
	size_t		n;
	int		i;

	t_start(&m, "example.org", 15, 0, DNS_MX_MAX + 8);
	for (i = 0; i < DNS_MX_MAX + 8; i++) {
		snprintf(host, sizeof(host), "mx%d.example.org", i);
		t_rr(&m, 15, 100 - i, host);
	}
	ATF_REQUIRE_EQ(dns_answer_mx(m.b, (int)m.len, mx, &n), DNS_OK);
	ATF_CHECK_EQ(n, DNS_MX_MAX);
}

ATF_TC_WITHOUT_HEAD(dns_answer_mx_malformed);
ATF_TC_BODY(dns_answer_mx_malformed, tc)
{
	struct t_msg	m;
	struct dns_mx	mx[DNS_MX_MAX];
	size_t		n;

	/* no record: the name has no MX */
	t_start(&m, "example.org", 15, 0, 0);
	ATF_CHECK_EQ(dns_answer_mx(m.b, (int)m.len, mx, &n), DNS_NONE);
	ATF_CHECK_EQ(n, 0);
	/* cut in the middle of a record: try again later */
	t_start(&m, "example.org", 15, 0, 1);
	t_rr(&m, 15, 10, "a.example.org");
	ATF_CHECK_EQ(dns_answer_mx(m.b, (int)m.len - 5, mx, &n),
	    DNS_TEMPFAIL);
	ATF_CHECK_EQ(dns_answer_mx(m.b, 5, mx, &n), DNS_TEMPFAIL);
	ATF_CHECK_EQ(n, 0);
}

ATF_TC_WITHOUT_HEAD(dns_answer_ptr_name);
ATF_TC_BODY(dns_answer_ptr_name, tc)
{
	struct t_msg	m;
	char		name[HOST_MAX];

	t_start(&m, "7.2.0.192.in-addr.arpa", 12, 0, 1);
	t_rr(&m, 12, -1, "mail.example.org");
	ATF_REQUIRE_EQ(dns_answer_ptr(m.b, (int)m.len, name, sizeof(name)),
	    DNS_OK);
	ATF_CHECK_STREQ(name, "mail.example.org");
	/* a name that is no host name is no answer */
	t_start(&m, "7.2.0.192.in-addr.arpa", 12, 0, 1);
	t_rr(&m, 12, -1, "mail example.org");
	ATF_CHECK(dns_answer_ptr(m.b, (int)m.len, name, sizeof(name)) !=
	    DNS_OK);
	ATF_CHECK_STREQ(name, "");
	/* no room for it */
	t_start(&m, "7.2.0.192.in-addr.arpa", 12, 0, 1);
	t_rr(&m, 12, -1, "mail.example.org");
	ATF_CHECK_EQ(dns_answer_ptr(m.b, (int)m.len, name, 8), DNS_NONE);
	ATF_CHECK_EQ(dns_answer_ptr(m.b, 11, name, sizeof(name)),
	    DNS_TEMPFAIL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, dns_answer_mx_sorted);
	ATF_TP_ADD_TC(tp, dns_answer_mx_bounded);
	ATF_TP_ADD_TC(tp, dns_answer_mx_malformed);
	ATF_TP_ADD_TC(tp, dns_answer_ptr_name);
	return atf_no_error();
}
