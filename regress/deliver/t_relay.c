/*
 * t_relay.c - the pure pieces of the relay client: MX selection (null
 * MX, backup), address literals and ports, paths, result texts, the
 * AUTH PLAIN token, reply verdicts and ORCPT splitting.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cfg.h"
#include "dns.h"
#include "smtp_addr.h"
#include "smtp_reply.h"
#include "../../deliver/relay.h"

/* t_mx - fill n MX records from "pref host" pairs */
static size_t
t_mx(struct dns_mx *mx, const char *const *spec)
{
	size_t	n;

	for (n = 0; spec[n] != NULL; n++) {
		mx[n].pref = (unsigned int)strtoul(spec[n], NULL, 10);
		strlcpy(mx[n].host, strchr(spec[n], ' ') + 1,
		    sizeof(mx[n].host));
	}
	return n;
}

ATF_TC_WITHOUT_HEAD(relay_mx_select_table);
ATF_TC_BODY(relay_mx_select_table, tc)
{
	static const struct {
		const char		*in[6];
		int			 backup;
		const char		*self;
		enum relay_mx_verdict	 verdict;
		const char		*out;	/* hosts kept, space separated */
	} t[] = {
		{ { "10 a.test", "20 b.test", NULL }, 0, "", RELAY_MX_OK,
		    "a.test b.test" },
		{ { "0 .", NULL }, 0, "", RELAY_MX_NULL, "" },
		{ { "0 .", "10 a.test", NULL }, 0, "", RELAY_MX_OK, "a.test" },
		{ { NULL }, 0, "", RELAY_MX_OK, "" },
		/* backup: strictly better than our own preference, not us */
		{ { "10 a.test", "20 me.test", "20 c.test", "30 d.test", NULL },
		    1, "me.test", RELAY_MX_OK, "a.test" },
		{ { "10 ME.test.", "20 b.test", NULL }, 1, "me.test",
		    RELAY_MX_SELF, "" },
		/* not listed: every MX */
		{ { "10 a.test", "20 b.test", NULL }, 1, "me.test",
		    RELAY_MX_OK, "a.test b.test" },
		{ { "10 me.test", NULL }, 1, "me.test", RELAY_MX_SELF, "" },
		{ { "0 .", NULL }, 1, "me.test", RELAY_MX_NULL, "" },
	};
	struct dns_mx	in[6], out[6];
	char		got[256];
	size_t		i, j, n, nout;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = t_mx(in, t[i].in);
		nout = 99;
		ATF_CHECK_EQ_MSG(relay_mx_select(in, n, t[i].backup, t[i].self,
		    out, &nout), t[i].verdict, "case %zu", i);
		if (t[i].verdict != RELAY_MX_OK)
			continue;
		got[0] = '\0';
		for (j = 0; j < nout; j++) {
			if (j > 0)
				strlcat(got, " ", sizeof(got));
			strlcat(got, out[j].host, sizeof(got));
		}
		ATF_CHECK_STREQ_MSG(got, t[i].out, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(relay_mx_literal_table);
ATF_TC_BODY(relay_mx_literal_table, tc)
{
	static const struct {
		const char	*in;
		int		 family;	/* 0: not a literal */
		const char	*addr;
	} t[] = {
		{ "192.0.2.1", AF_INET, "192.0.2.1" },
		{ "[192.0.2.1]", AF_INET, "192.0.2.1" },
		{ "2001:db8::1", AF_INET6, "2001:db8::1" },
		{ "[IPv6:2001:db8::1]", AF_INET6, "2001:db8::1" },
		{ "[ipv6:::1]", AF_INET6, "::1" },
		{ "mx.example.org", 0, NULL },
		{ "", 0, NULL },
		{ "[]", 0, NULL },
		{ "192.0.2.256", 0, NULL },
		{ "192.0.2.1 ", 0, NULL },
		{ "[192.0.2.1", 0, NULL },
		{ "[IPv6:192.0.2.1x]", 0, NULL },
	};
	struct sockaddr_storage	ss;
	char			buf[64];
	size_t			i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_CHECK_EQ_MSG(relay_mx_literal(t[i].in, 2525, &ss),
		    t[i].family != 0, "%s", t[i].in);
		if (t[i].family == 0)
			continue;
		ATF_CHECK_EQ(ss.ss_family, t[i].family);
		ATF_CHECK_STREQ(relay_mx_addrstr(&ss, buf, sizeof(buf)),
		    t[i].addr);
		ATF_CHECK_EQ(ntohs(t[i].family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port), 2525);
	}
}

ATF_TC_WITHOUT_HEAD(relay_mx_literal_overlong);
ATF_TC_BODY(relay_mx_literal_overlong, tc)
{
	struct sockaddr_storage	ss;
	char			host[HOST_MAX + 8];

	memset(host, '1', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	ATF_CHECK_EQ(relay_mx_literal(host, 25, &ss), 0);
}

ATF_TC_WITHOUT_HEAD(relay_mx_port_schemes);
ATF_TC_BODY(relay_mx_port_schemes, tc)
{
	static const struct {
		int			has_host;
		enum cfg_relay_scheme	scheme;
		int			port;
		int			want;
	} t[] = {
		{ 0, CFG_RELAY_SMTP, 0, 25 },
		{ 1, CFG_RELAY_SMTP, 0, 25 },
		{ 1, CFG_RELAY_SMTP_TLS, 0, 25 },
		{ 1, CFG_RELAY_SMTP_NOTLS, 0, 25 },
		{ 1, CFG_RELAY_SMTPS, 0, 465 },
		{ 1, CFG_RELAY_LMTP, 0, 24 },
		{ 1, CFG_RELAY_SMTPS, 2465, 2465 },
		{ 1, CFG_RELAY_SMTP, 65535, 65535 },
	};
	struct cfg_action	a;
	size_t			i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.has_host = t[i].has_host;
		a.host.scheme = t[i].scheme;
		a.host.port = t[i].port;
		ATF_CHECK_EQ_MSG(relay_mx_port(&a), t[i].want, "case %zu", i);
	}
}

ATF_TC_WITHOUT_HEAD(relay_text_addr_table);
ATF_TC_BODY(relay_text_addr_table, tc)
{
	static const struct {
		const char	*in;
		int		 flags;
		int		 ok;
		int		 kind;		/* bits that must be set */
	} t[] = {
		{ "bob@example.org", SMTP_ADDR_F_RCPT, 1, 0 },
		{ "", SMTP_ADDR_F_MAIL, 1, SMTP_ADDR_NULL },
		{ "", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "postmaster", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob@[192.0.2.1]", SMTP_ADDR_F_RCPT, 1, SMTP_ADDR_LITERAL },
		{ "j\xc3\xb6rg@example.org", SMTP_ADDR_F_RCPT, 1,
		    SMTP_ADDR_UTF8 },
		{ "bob@exa mple.org", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob@example.org\n", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob@example.org>", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "<bob@example.org>", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "bob\r@example.org", SMTP_ADDR_F_RCPT, 0, 0 },
		{ "\xff@example.org", SMTP_ADDR_F_RCPT, 0, 0 },
	};
	struct smtp_addr	a;
	size_t			i;
	int			r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = relay_text_addr(t[i].in, t[i].flags, &a);
		ATF_CHECK_EQ_MSG(r == 0, t[i].ok, "case %zu", i);
		if (r == 0)
			ATF_CHECK_MSG((a.kind & t[i].kind) == t[i].kind,
			    "case %zu kind %x", i, a.kind);
	}
}

ATF_TC_WITHOUT_HEAD(relay_text_addr_limits);
ATF_TC_BODY(relay_text_addr_limits, tc)
{
	struct smtp_addr	a;
	char			s[SMTP_LOCALPART_MAX + 32];

	/* a local part of exactly 64 octets, then 65 */
	memset(s, 'a', SMTP_LOCALPART_MAX);
	strlcpy(s + SMTP_LOCALPART_MAX, "@example.org",
	    sizeof(s) - SMTP_LOCALPART_MAX);
	ATF_CHECK_EQ(relay_text_addr(s, SMTP_ADDR_F_RCPT, &a), 0);
	memset(s, 'a', SMTP_LOCALPART_MAX + 1);
	strlcpy(s + SMTP_LOCALPART_MAX + 1, "@example.org",
	    sizeof(s) - SMTP_LOCALPART_MAX - 1);
	ATF_CHECK_EQ(relay_text_addr(s, SMTP_ADDR_F_RCPT, &a), -1);
}

ATF_TC_WITHOUT_HEAD(relay_text_domain_table);
ATF_TC_BODY(relay_text_domain_table, tc)
{
	char	buf[16];

	ATF_CHECK_EQ(relay_text_domain("a@b.test", buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ(buf, "b.test");
	ATF_CHECK_EQ(relay_text_domain("\"a@x\"@b.test", buf, sizeof(buf)),
	    0);
	ATF_CHECK_STREQ(buf, "b.test");
	/* exactly fits (15 + NUL), then one more */
	ATF_CHECK_EQ(relay_text_domain("a@abcdefghijk.org", buf, sizeof(buf)),
	    0);
	ATF_CHECK_EQ(relay_text_domain("a@abcdefghijkl.org", buf, sizeof(buf)),
	    -1);
	ATF_CHECK_EQ(relay_text_domain("a@", buf, sizeof(buf)), -1);
	ATF_CHECK_EQ(relay_text_domain("ab.test", buf, sizeof(buf)), -1);
}

ATF_TC_WITHOUT_HEAD(relay_text_remote_form);
ATF_TC_BODY(relay_text_remote_form, tc)
{
	char	buf[ERRTEXT_MAX], small[24];

	ATF_CHECK_EQ(relay_text_remote(buf, sizeof(buf), "mx.example.org",
	    550, "5.1.1", "<bob@example.org>: no such user"), 0);
	ATF_CHECK_STREQ(buf, "host mx.example.org said: 550 5.1.1 "
	    "<bob@example.org>: no such user");
	ATF_CHECK_EQ(relay_text_remote(buf, sizeof(buf), "h", 451, "", ""),
	    0);
	ATF_CHECK_STREQ(buf, "host h said: 451");
	/* control and 8-bit octets of the peer do not reach the record */
	ATF_CHECK_EQ(relay_text_remote(buf, sizeof(buf), "h", 550, "",
	    "a\tb\x1b[1m\xc3\xa9"), 0);
	ATF_CHECK_STREQ(buf, "host h said: 550 a?b?[1m??");
	ATF_CHECK_EQ(relay_text_remote(small, sizeof(small), "h", 550,
	    "5.1.1", "too long a text"), -1);
	ATF_CHECK_STREQ(small, "host h said: 550 5.1.1 ");
}

ATF_TC_WITHOUT_HEAD(relay_text_reply_lines);
ATF_TC_BODY(relay_text_reply_lines, tc)
{
	struct smtp_reply_parser	rp;
	char				buf[64], tiny[8];

	smtp_reply_init(&rp);
	ATF_REQUIRE_EQ(smtp_reply_feed(&rp, "550-5.1.1 first", 15),
	    SMTP_REPLY_MORE);
	ATF_REQUIRE_EQ(smtp_reply_feed(&rp, "550 5.1.1 second", 16),
	    SMTP_REPLY_DONE);
	relay_text_reply(&rp, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "first second");
	relay_text_reply(&rp, tiny, sizeof(tiny));
	ATF_CHECK_STREQ(tiny, "first s");
}

ATF_TC_WITHOUT_HEAD(relay_text_plain_vectors);
ATF_TC_BODY(relay_text_plain_vectors, tc)
{
	char	buf[SMTP_CMD_LINE_MAX], small[8];
	char	user[400];

	ATF_CHECK_EQ(relay_text_plain(buf, sizeof(buf), "user", "pass"), 0);
	ATF_CHECK_STREQ(buf, "AHVzZXIAcGFzcw==");
	ATF_CHECK_EQ(relay_text_plain(buf, sizeof(buf), "tim",
	    "tanstaaftanstaaf"), 0);
	ATF_CHECK_STREQ(buf, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	ATF_CHECK_EQ(relay_text_plain(buf, sizeof(buf), "", "pass"), -1);
	ATF_CHECK_EQ(relay_text_plain(small, sizeof(small), "user", "pass"),
	    -1);
	/* 382 octets encode to 512 characters: no room for the NUL */
	memset(user, 'u', 380);
	user[380] = '\0';
	ATF_CHECK_EQ(relay_text_plain(buf, sizeof(buf), user, ""), -1);
	user[379] = '\0';
	ATF_CHECK_EQ(relay_text_plain(buf, sizeof(buf), user, ""), 0);
	ATF_CHECK_EQ(strlen(buf), 508);
}

ATF_TC_WITHOUT_HEAD(relay_text_status_codes);
ATF_TC_BODY(relay_text_status_codes, tc)
{
	ATF_CHECK_EQ(relay_text_status(250), RELAY_OK);
	ATF_CHECK_EQ(relay_text_status(251), RELAY_OK);
	ATF_CHECK_EQ(relay_text_status(354), RELAY_TEMPFAIL);
	ATF_CHECK_EQ(relay_text_status(334), RELAY_TEMPFAIL);
	ATF_CHECK_EQ(relay_text_status(421), RELAY_TEMPFAIL);
	ATF_CHECK_EQ(relay_text_status(451), RELAY_TEMPFAIL);
	ATF_CHECK_EQ(relay_text_status(550), RELAY_PERMFAIL);
	ATF_CHECK_EQ(relay_text_status(554), RELAY_PERMFAIL);
	ATF_CHECK_EQ(relay_text_status(0), RELAY_TEMPFAIL);
	ATF_CHECK_EQ(relay_text_status(199), RELAY_TEMPFAIL);
	ATF_CHECK_EQ(relay_text_status(600), RELAY_TEMPFAIL);
}

ATF_TC_WITHOUT_HEAD(relay_text_orcpt_split);
ATF_TC_BODY(relay_text_orcpt_split, tc)
{
	char	type[8], addr[32];

	ATF_CHECK_EQ(relay_text_orcpt("rfc822;bob@b.test", type, sizeof(type),
	    addr, sizeof(addr)), 0);
	ATF_CHECK_STREQ(type, "rfc822");
	ATF_CHECK_STREQ(addr, "bob@b.test");
	ATF_CHECK_EQ(relay_text_orcpt("", type, sizeof(type), addr,
	    sizeof(addr)), -1);
	ATF_CHECK_EQ(relay_text_orcpt(";bob@b.test", type, sizeof(type), addr,
	    sizeof(addr)), -1);
	ATF_CHECK_EQ(relay_text_orcpt("rfc822;", type, sizeof(type), addr,
	    sizeof(addr)), -1);
	/* a type of exactly 7 octets fits, 8 does not */
	ATF_CHECK_EQ(relay_text_orcpt("abcdefg;x", type, sizeof(type), addr,
	    sizeof(addr)), 0);
	ATF_CHECK_EQ(relay_text_orcpt("abcdefgh;x", type, sizeof(type), addr,
	    sizeof(addr)), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, relay_mx_select_table);
	ATF_TP_ADD_TC(tp, relay_mx_literal_table);
	ATF_TP_ADD_TC(tp, relay_mx_literal_overlong);
	ATF_TP_ADD_TC(tp, relay_mx_port_schemes);
	ATF_TP_ADD_TC(tp, relay_text_addr_table);
	ATF_TP_ADD_TC(tp, relay_text_addr_limits);
	ATF_TP_ADD_TC(tp, relay_text_domain_table);
	ATF_TP_ADD_TC(tp, relay_text_remote_form);
	ATF_TP_ADD_TC(tp, relay_text_reply_lines);
	ATF_TP_ADD_TC(tp, relay_text_plain_vectors);
	ATF_TP_ADD_TC(tp, relay_text_status_codes);
	ATF_TP_ADD_TC(tp, relay_text_orcpt_split);
	return atf_no_error();
}
