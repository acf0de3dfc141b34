/*
 * t_lookup_freport.c - the report events the listener tells of, as the
 * lookup writes them for the filter processes: each event's fields in
 * OpenSMTPD's order (smtpd-filters(7), 0.7), byte for byte once formatted,
 * and what a compromised listener may send instead.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "buf.h"
#include "cfg.h"
#include "ipc.h"
#include "../../../smtpd/lookup/lookup_fproc.h"
#include "../../../smtpd/lookup/lookup_fproto.h"

static const struct timespec t_ts = { 1576146008, 6099000 };

/* t_line - the report line of event m as the lookup formats it */
static void
t_line(struct buf *b, const struct msg_lka_filter_event *m, unsigned int e)
{
	const char	*f[3];
	char		 id[9];
	int		 n;

	n = lookup_freport_fields(m, id, f);
	ATF_REQUIRE(n >= 0);
	ATF_REQUIRE_EQ(lookup_fproto_report(b, &t_ts, e, 0x7641df9771b4ed00ULL,
	    f, (size_t)n), 0);
}

/* t_ev - an event */
static struct msg_lka_filter_event
t_ev(uint32_t event, uint32_t msgid, uint32_t result, const char *text)
{
	struct msg_lka_filter_event	m;

	memset(&m, 0, sizeof(m));
	m.event = event;
	m.msgid = msgid;
	m.result = result;
	strlcpy(m.text, text, sizeof(m.text));
	return m;
}

ATF_TC_WITHOUT_HEAD(lookup_freport_fields_order);
ATF_TC_BODY(lookup_freport_fields_order, tc)
{
	struct msg_lka_filter_event	m;
	struct buf			b;

	buf_init(&b, 8192);
	m = t_ev(IPC_FEV_LINK_GREETING, 0, 0, "mx.example.org");
	t_line(&b, &m, LOOKUP_FPROTO_LINK_GREETING);
	m = t_ev(IPC_FEV_LINK_IDENTIFY, 0, 1, "c.test");
	t_line(&b, &m, LOOKUP_FPROTO_LINK_IDENTIFY);
	m = t_ev(IPC_FEV_LINK_TLS, 0, 0, "version=TLSv1.3, "
	    "cipher=TLS_AES_256_GCM_SHA384, bits=256");
	t_line(&b, &m, LOOKUP_FPROTO_LINK_TLS);
	m = t_ev(IPC_FEV_LINK_AUTH, 0, IPC_FEV_PERMFAIL, "alice");
	t_line(&b, &m, LOOKUP_FPROTO_LINK_AUTH);
	m = t_ev(IPC_FEV_TX_MAIL, 0x5a1c93e0, IPC_FEV_OK, "bob@example.org");
	t_line(&b, &m, LOOKUP_FPROTO_TX_MAIL);
	m = t_ev(IPC_FEV_TX_RCPT, 0x5a1c93e0, IPC_FEV_TEMPFAIL, "x@y.test");
	t_line(&b, &m, LOOKUP_FPROTO_TX_RCPT);
	m = t_ev(IPC_FEV_TX_DATA, 0x5a1c93e0, IPC_FEV_OK, "");
	t_line(&b, &m, LOOKUP_FPROTO_TX_DATA);
	m = t_ev(IPC_FEV_TX_RESET, 0x5a1c93e0, 0, "");
	t_line(&b, &m, LOOKUP_FPROTO_TX_RESET);
	m = t_ev(IPC_FEV_PROTOCOL_CLIENT, 0, 0, "AUTH PLAIN ********");
	t_line(&b, &m, LOOKUP_FPROTO_PROTOCOL_CLIENT);
	m = t_ev(IPC_FEV_TIMEOUT, 0, 0, "");
	t_line(&b, &m, LOOKUP_FPROTO_TIMEOUT);
#define H "report|0.7|1576146008.006099|smtp-in|"
#define S "|7641df9771b4ed00"
	ATF_CHECK_STREQ(b.data,
	    H "link-greeting" S "|mx.example.org\n"
	    H "link-identify" S "|EHLO|c.test\n"
	    H "link-tls" S "|version=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, "
	    "bits=256\n"
	    H "link-auth" S "|fail|alice\n"
	    H "tx-mail" S "|5a1c93e0|ok|bob@example.org\n"
	    H "tx-rcpt" S "|5a1c93e0|tempfail|x@y.test\n"
	    H "tx-data" S "|5a1c93e0|ok\n"
	    H "tx-reset" S "|5a1c93e0\n"
	    H "protocol-client" S "|AUTH PLAIN ********\n"
	    H "timeout" S "\n");
	buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(lookup_freport_fields_hostile);
ATF_TC_BODY(lookup_freport_fields_hostile, tc)
{
	struct msg_lka_filter_event	m;
	const char			*f[3];
	char				 id[9];

	m = t_ev(IPC_FEV_MAX, 0, 0, "");
	ATF_CHECK_EQ(lookup_freport_fields(&m, id, f), -1);
	m = t_ev(0xffffffffu, 0, 0, "");
	ATF_CHECK_EQ(lookup_freport_fields(&m, id, f), -1);
	m = t_ev(IPC_FEV_TX_MAIL, 1, IPC_FEV_TEMPFAIL + 1, "a@b.test");
	ATF_CHECK_EQ(lookup_freport_fields(&m, id, f), -1);
	m = t_ev(IPC_FEV_LINK_AUTH, 0, 0xffffffffu, "a");
	ATF_CHECK_EQ(lookup_freport_fields(&m, id, f), -1);
	/* a line end in a field: the line is refused, not split */
	m = t_ev(IPC_FEV_PROTOCOL_CLIENT, 0, 0, "NOOP\r\nfilter-result|1|2");
	ATF_REQUIRE_EQ(lookup_freport_fields(&m, id, f), 1);
	{
		struct buf	b;

		buf_init(&b, 4096);
		ATF_CHECK_EQ(lookup_fproto_report(&b, &t_ts,
		    LOOKUP_FPROTO_PROTOCOL_CLIENT, 1, f, 1), -1);
		ATF_CHECK_EQ(b.len, 0);
		buf_free(&b);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_freport_fields_order);
	ATF_TP_ADD_TC(tp, lookup_freport_fields_hostile);
	return atf_no_error();
}
