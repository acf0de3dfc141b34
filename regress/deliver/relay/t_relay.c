/*
 * t_relay.c - the pure pieces of the relay client: MX selection (null
 * MX, backup), address literals and ports, recipient domains and result
 * texts.  Paths, the AUTH PLAIN token, reply verdicts and ORCPT halves
 * are the client engine's (regress/common/t_smtp_client.c).
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
#include "../../../deliver/relay/relay.h"

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

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, relay_mx_select_table);
	ATF_TP_ADD_TC(tp, relay_mx_literal_table);
	ATF_TP_ADD_TC(tp, relay_mx_literal_overlong);
	ATF_TP_ADD_TC(tp, relay_mx_port_schemes);
	ATF_TP_ADD_TC(tp, relay_text_domain_table);
	ATF_TP_ADD_TC(tp, relay_text_remote_form);
	return atf_no_error();
}
