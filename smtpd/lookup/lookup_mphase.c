/*
 * lookup_mphase.c - the phases of a session as a milter hears of them:
 * connect (SMFIC_CONNECT), helo and ehlo (SMFIC_HELO), mail-from
 * (SMFIC_MAIL), rcpt-to (SMFIC_RCPT) and data (SMFIC_DATA), each after
 * the macros Postfix sends at that step, and the milter's answer as a
 * verdict on the phase.  starttls and auth have no milter step.
 *
 * Macros: at connect j (this host's name), {daemon_name} (the
 * listener's tag, else j), {daemon_addr}, {daemon_port}, {client_addr},
 * {client_port}, {client_name} and {client_ptr} (the client's checked
 * name, "unknown" when none), _ and v; at helo {tls_version} when the
 * session is in TLS; at mail-from {mail_addr}, and {auth_type} (AUTH's
 * mechanism) and {auth_authen} when the client authenticated; at
 * rcpt-to {rcpt_addr}.
 * The message's {i} comes with its text (lookup_mdata.c).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "ipc.h"
#include "lookup.h"
#include "lookup_mconn.h"
#include "lookup_milter.h"
#include "lookup_mproto.h"

#define LOOKUP_MPHASE_MACROS	10	/* pairs at one step, at most */

/* lookup_mphase_split - "addr:port" or "[addr]:port" into its parts */
static void
lookup_mphase_split(const char *s, char *addr, size_t size, char *port,
    size_t psize)
{
	const char	*colon = strrchr(s, ':');
	size_t		 n;

	addr[0] = port[0] = '\0';
	if (colon == NULL || strncmp(s, "unix:", 5) == 0)
		return;
	n = (size_t)(colon - s);
	if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n >= size)
		return;
	memcpy(addr, s, n);
	addr[n] = '\0';
	strlcpy(port, colon + 1, psize);
}

/* lookup_mphase_connect - the macros and SMFIC_CONNECT of the session */
static int
lookup_mphase_connect(const struct lookup_mconn *mc,
    const struct msg_lka_filter *m, struct buf *b)
{
	const struct cfg_listener	*ls;
	const char			*j = mc->ms->l->hostname;
	const char			*nv[2 * LOOKUP_MPHASE_MACROS];
	char				 ca[HOST_MAX], cp[8], da[HOST_MAX];
	char				 dp[8], us[2 * HOST_MAX + 4];
	const char			*name;
	size_t				 n = 0;
	char				 fam;

	lookup_mphase_split(m->link_src, ca, sizeof(ca), cp, sizeof(cp));
	lookup_mphase_split(m->link_dest, da, sizeof(da), dp, sizeof(dp));
	ls = lookup_listener_at(mc->ms->l, m->sess.listener);
	name = m->sess.rdns[0] != '\0' ? m->sess.rdns : "unknown";
	snprintf(us, sizeof(us), "%s [%s]", name, ca[0] != '\0' ? ca :
	    "127.0.0.1");
	nv[n++] = "j";			nv[n++] = j;
	nv[n++] = "{daemon_name}";
	nv[n++] = ls != NULL && ls->tag[0] != '\0' ? ls->tag : j;
	nv[n++] = "{daemon_addr}";	nv[n++] = da;
	nv[n++] = "{daemon_port}";	nv[n++] = dp;
	nv[n++] = "{client_addr}";	nv[n++] = ca;
	nv[n++] = "{client_port}";	nv[n++] = cp;
	nv[n++] = "{client_name}";	nv[n++] = name;
	nv[n++] = "{client_ptr}";	nv[n++] = name;
	nv[n++] = "_";			nv[n++] = us;
	nv[n++] = "v";			nv[n++] = "posthorn";
	if (lookup_mproto_macros(b, LOOKUP_MPROTO_C_CONNECT, nv, n / 2) == -1)
		return -1;
	if (ca[0] == '\0')
		return lookup_mproto_connect(b, name, 'L', 0, "local");
	fam = strchr(ca, ':') != NULL ? '6' : '4';
	return lookup_mproto_connect(b, m->sess.rdns[0] != '\0' ?
	    m->sess.rdns : us + strlen(name) + 1, fam,
	    (uint16_t)strtoul(cp, NULL, 10), ca);
}

/* lookup_mphase_addr - "<addr>" of MAIL or RCPT, with its macros */
static int
lookup_mphase_addr(const struct lookup_mconn *mc,
    const struct msg_lka_filter *m, char cmd, struct buf *b)
{
	const char	*nv[6], *args[1];
	const char	*addr = cmd == LOOKUP_MPROTO_C_MAIL ? m->sender :
		    m->rcpt;
	char		 br[ADDR_MAX + 2];
	size_t		 n = 0;

	snprintf(br, sizeof(br), "<%s>", addr);
	nv[n++] = cmd == LOOKUP_MPROTO_C_MAIL ? "{mail_addr}" : "{rcpt_addr}";
	nv[n++] = addr;
	if (cmd == LOOKUP_MPROTO_C_MAIL && (m->sess.flags & IPC_SESS_AUTH)) {
		nv[n++] = "{auth_type}";
		nv[n++] = mc->auth_type[0] != '\0' ? mc->auth_type : "PLAIN";
		nv[n++] = "{auth_authen}";	nv[n++] = m->sess.auth_user;
	}
	args[0] = br;
	if (lookup_mproto_macros(b, cmd, nv, n / 2) == -1)
		return -1;
	return lookup_mproto_args(b, cmd, args, 1);
}

/*
 * lookup_mphase_build - the packets of m's phase into b: 1, with
 * *reply set when the milter answers the last; 0 when the milter takes
 * no part in the phase; -1 when they do not fit
 */
int
lookup_mphase_build(struct lookup_mconn *mc, const struct msg_lka_filter *m,
    struct buf *b, int *reply)
{
	const char	*tls[2] = { "{tls_version}", "TLS" };
	uint32_t	 p = mc->protocol, skip, nr;
	int		 rc;

	switch (m->phase) {
	case CFG_SFILTER_CONNECT:
		skip = LOOKUP_MPROTO_P_NOCONNECT;
		nr = LOOKUP_MPROTO_P_NR_CONN;
		rc = (p & skip) ? 0 : lookup_mphase_connect(mc, m, b);
		break;
	case CFG_SFILTER_HELO:
	case CFG_SFILTER_EHLO:
		skip = LOOKUP_MPROTO_P_NOHELO;
		nr = LOOKUP_MPROTO_P_NR_HELO;
		rc = (p & skip) ? 0 : lookup_mproto_macros(b,
		    LOOKUP_MPROTO_C_HELO, tls, (m->sess.flags & IPC_SESS_TLS) ?
		    1 : 0);
		if (rc == 0 && !(p & skip))
			rc = lookup_mproto_helo(b, m->sess.helo);
		break;
	case CFG_SFILTER_MAIL_FROM:
		mc->in_tx = 1;
		skip = LOOKUP_MPROTO_P_NOMAIL;
		nr = LOOKUP_MPROTO_P_NR_MAIL;
		rc = (p & skip) ? 0 : lookup_mphase_addr(mc, m,
		    LOOKUP_MPROTO_C_MAIL, b);
		break;
	case CFG_SFILTER_RCPT_TO:
		skip = LOOKUP_MPROTO_P_NORCPT;
		nr = LOOKUP_MPROTO_P_NR_RCPT;
		rc = (p & skip) ? 0 : lookup_mphase_addr(mc, m,
		    LOOKUP_MPROTO_C_RCPT, b);
		break;
	case CFG_SFILTER_DATA:
		skip = LOOKUP_MPROTO_P_NODATA;
		nr = LOOKUP_MPROTO_P_NR_DATA;
		rc = (p & skip) ? 0 : lookup_mproto_cmd(b,
		    LOOKUP_MPROTO_C_DATA);
		break;
	default:
		return 0;
	}
	if (rc == -1)
		return -1;
	if (p & skip)
		return 0;
	*reply = !(p & nr);
	return 1;
}

/*
 * lookup_mphase_verdict - a refusal of the milter (r, t, y, 4 or f) as
 * the listener's reply: 1, or 0 when r is no refusal, or -1 when its
 * reply text is not one the listener can send
 */
int
lookup_mphase_verdict(const struct lookup_mproto_reply *r,
    enum cfg_sfilter_phase p, struct lookup_milter_verdict *v)
{
	const char	*text;
	size_t		 n;

	memset(v, 0, sizeof(*v));
	v->decision = CFG_SFILTER_REJECT;
	switch (r->kind) {
	case LOOKUP_MPROTO_R_REJECT:
		text = p == CFG_SFILTER_CONNECT ?
		    "554 5.7.1 Service unavailable" :
		    "550 5.7.1 Command rejected";
		break;
	case LOOKUP_MPROTO_R_TEMPFAIL:
		text = p == CFG_SFILTER_CONNECT ?
		    "421 4.7.1 Service unavailable - try again later" :
		    "451 4.7.1 Service unavailable - try again later";
		break;
	case LOOKUP_MPROTO_R_SHUTDOWN:
	case LOOKUP_MPROTO_R_CONN_FAIL:
		text = "421 4.7.0 Service unavailable, closing";
		break;
	case LOOKUP_MPROTO_R_REPLYCODE:
		text = r->s1;
		break;
	default:
		return 0;
	}
	n = strcspn(text, "\r\n");
	if (n >= sizeof(v->message))
		return -1;
	memcpy(v->message, text, n);
	if (n > 3 && v->message[3] == '-')
		v->message[3] = ' ';
	if (!cfg_sfilter_reply_valid(v->message))
		return -1;
	if (strncmp(v->message, "421", 3) == 0)
		v->decision = CFG_SFILTER_DISCONNECT;
	return 1;
}

/*
 * lookup_mphase_reply - the milter's answer at the phase: 1 with *v the
 * verdict, or -1 when the answer is not one of the phase
 */
int
lookup_mphase_reply(struct lookup_mconn *mc,
    const struct lookup_mproto_reply *r, struct lookup_milter_verdict *v)
{
	int	rc, conn = mc->phase == CFG_SFILTER_CONNECT ||
		    mc->phase == CFG_SFILTER_HELO ||
		    mc->phase == CFG_SFILTER_EHLO;

	if ((rc = lookup_mphase_verdict(r, mc->phase, v)) != 0)
		return rc;
	v->decision = -1;
	switch (r->kind) {
	case LOOKUP_MPROTO_R_CONTINUE:
		return 1;
	case LOOKUP_MPROTO_R_ACCEPT:
		if (conn)
			mc->accepted = 1;
		else
			mc->tx_accepted = 1;
		return 1;
	case LOOKUP_MPROTO_R_DISCARD:
		if (conn)
			return -1;
		mc->tx_accepted = 1;
		mc->txv.decision = CFG_SFILTER_DISCARD;
		return 1;
	default:
		return -1;
	}
}
