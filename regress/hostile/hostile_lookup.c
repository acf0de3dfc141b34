/*
 * hostile_lookup.c - a compromised lookup process.
 *
 * Every scenario plays the whole role (HOSTILE_ALONE): it accepts any
 * MAIL, gives a recipient "evil@..." the scenario's expansion (a
 * command or file as some account, a dispatcher, a msgid), and every
 * other recipient the mailbox of its local part, as the real lookup
 * would, so that ordinary mail keeps flowing.  The envelopes and the
 * verdict go to the queue, as the real lookup's do.  "%s" in a
 * scenario's destination is PH_HOSTILE_ARG (a marker file to create).
 * Every SMTP filter request is answered with the verdict "reject" of
 * the filter whose index is PH_HOSTILE_ARG (filter-foreign: one that is
 * not the listener's).  txedit-foreign answers "evil@..." by editing,
 * as a milter's changes, the transaction of the first recipient another
 * session gave: a recipient added, the first one deleted, the sender
 * changed, the message held, in the evil session's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "hostile.h"

struct hostile_lookup_evil {
	const char	*name;
	const char	*dispatcher;
	uint32_t	 type;		/* ENVELOPE_DEST_* */
	const char	*dest;		/* "%s": PH_HOSTILE_ARG */
	const char	*user;
	uint32_t	 origin;
	uint32_t	 msgid_xor;	/* names another transaction */
};

static const struct hostile_lookup_evil hostile_lookup_evils[] = {
	{ "command-noalias", "local", ENVELOPE_DEST_COMMAND, "touch %s",
	    "nobody", ENVELOPE_ORIGIN_ALIAS, 0 },
	{ "command-root", "local", ENVELOPE_DEST_COMMAND, "touch %s", "root",
	    ENVELOPE_ORIGIN_FORWARD, 0 },
	{ "command-gid0", "local", ENVELOPE_DEST_COMMAND, "touch %s",
	    "phgid0", ENVELOPE_ORIGIN_FORWARD, 0 },
	{ "command-forward", "local", ENVELOPE_DEST_COMMAND, "touch %s",
	    "bob", ENVELOPE_ORIGIN_FORWARD, 0 },
	{ "file-home", "local", ENVELOPE_DEST_FILE, "%s", "bob",
	    ENVELOPE_ORIGIN_FORWARD, 0 },
	{ "traversal", "aliased", ENVELOPE_DEST_FILE, "/var/mail/../..%s",
	    "nobody", ENVELOPE_ORIGIN_ALIAS, 0 },
	{ "dispatcher", "nosuch", ENVELOPE_DEST_COMMAND, "touch %s",
	    "nobody", ENVELOPE_ORIGIN_ALIAS, 0 },
	{ "msgid", "local", ENVELOPE_DEST_ADDRESS, "alice@localhost",
	    "alice", ENVELOPE_ORIGIN_MAILBOX, 0x5a5a5a5a },
	{ "filter-foreign", "local", ENVELOPE_DEST_ADDRESS, "alice@localhost",
	    "alice", ENVELOPE_ORIGIN_MAILBOX, 0 },
	{ "txedit-foreign", "local", ENVELOPE_DEST_ADDRESS, "bob@localhost",
	    "bob", ENVELOPE_ORIGIN_MAILBOX, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0, 0 }
};

/* hostile_lookup_evil - the expansion of the scenario PH_HOSTILE names */
static const struct hostile_lookup_evil *
hostile_lookup_evil(void)
{
	const struct hostile_lookup_evil	*e;
	const char				*spec, *name;

	if ((spec = getenv("PH_HOSTILE")) == NULL ||
	    (name = strchr(spec, ':')) == NULL)
		return NULL;
	for (e = hostile_lookup_evils; e->name != NULL; e++)
		if (strcmp(e->name, name + 1) == 0)
			return e;
	return NULL;
}

/* hostile_lookup_verdict - the verdict on a RCPT, to the queue */
static void
hostile_lookup_verdict(struct hostile *h, const struct msg_lka_rcpt *m,
    uint32_t msgid, int code)
{
	struct msg_rcpt_result	r;

	memset(&r, 0, sizeof(r));
	r.sessid = m->sess.id;
	r.msgid = msgid;
	r.code = code;
	strlcpy(r.enhanced, code == 250 ? "2.1.5" : "5.1.1",
	    sizeof(r.enhanced));
	strlcpy(r.text, code == 250 ? "Recipient ok" : "User unknown",
	    sizeof(r.text));
	hostile_msg(h, PROC_QUEUE, MSG_LOOKUP_RCPT_RESULT, 0, -1, &r);
}

/* hostile_lookup_envelope - an envelope of the RCPT, to the queue */
static void
hostile_lookup_envelope(struct hostile *h, const struct msg_lka_rcpt *m,
    uint32_t msgid, const char *disp, uint32_t type, const char *dest,
    const char *user, uint32_t origin)
{
	static struct msg_lka_envelope	e;

	memset(&e, 0, sizeof(e));
	e.sessid = m->sess.id;
	e.msgid = msgid;
	strlcpy(e.evp.sender, m->sender, sizeof(e.evp.sender));
	strlcpy(e.evp.rcpt, m->rcpt, sizeof(e.evp.rcpt));
	strlcpy(e.evp.helo, m->sess.helo, sizeof(e.evp.helo));
	strlcpy(e.evp.client, m->sess.src, sizeof(e.evp.client));
	strlcpy(e.evp.hostname, "localhost", sizeof(e.evp.hostname));
	strlcpy(e.evp.dispatcher, disp, sizeof(e.evp.dispatcher));
	strlcpy(e.evp.dest, dest, sizeof(e.evp.dest));
	strlcpy(e.evp.user, user, sizeof(e.evp.user));
	e.evp.dest_type = type;
	e.evp.origin = origin;
	hostile_log("event=envelope msgid=%08x dispatcher=%s type=%u user=%s",
	    msgid, disp, type, user);
	hostile_msg(h, PROC_QUEUE, MSG_LOOKUP_ENVELOPE, 0, -1, &e);
}

/* the first transaction another session gave a recipient */
static struct msg_lka_rcpt	hostile_lookup_victim;

/* hostile_lookup_edit - one milter edit of the victim, in m's name */
static void
hostile_lookup_edit(struct hostile *h, const struct msg_lka_rcpt *m,
    uint32_t op, const char *addr)
{
	struct msg_lka_txedit	e;

	memset(&e, 0, sizeof(e));
	e.sessid = m->sess.id;
	e.msgid = hostile_lookup_victim.msgid;
	e.op = op;
	strlcpy(e.addr, addr, sizeof(e.addr));
	hostile_log("event=tx-edit msgid=%08x op=%u", e.msgid, op);
	hostile_msg(h, PROC_QUEUE, MSG_LOOKUP_TX_EDIT, 0, -1, &e);
}

/* hostile_lookup_txedit - edit the victim's transaction in m's name */
static void
hostile_lookup_txedit(struct hostile *h, const struct hostile_lookup_evil *x,
    const struct msg_lka_rcpt *m)
{
	hostile_lookup_envelope(h, m, hostile_lookup_victim.msgid,
	    x->dispatcher, x->type, x->dest, x->user, x->origin);
	hostile_lookup_edit(h, m, IPC_TXEDIT_ADDRCPT, x->dest);
	hostile_lookup_edit(h, m, IPC_TXEDIT_DELRCPT,
	    hostile_lookup_victim.rcpt);
	hostile_lookup_edit(h, m, IPC_TXEDIT_CHGFROM, "evil@example.net");
	hostile_lookup_edit(h, m, IPC_TXEDIT_HOLD, "hostile");
	hostile_lookup_edit(h, m, IPC_TXEDIT_END, "");
	hostile_lookup_verdict(h, m, m->msgid, 550);
}

/* hostile_lookup_rcpt - MSG_LOOKUP_RCPT: the evil one, or a mailbox */
static void
hostile_lookup_rcpt(struct hostile *h, const struct hostile_lookup_evil *x,
    const struct msg_lka_rcpt *m)
{
	char		 user[NAME_MAX_CFG], dest[ADDR_MAX];
	uint32_t	 msgid = m->msgid ^ x->msgid_xor;

	if (strncmp(m->rcpt, "evil@", 5) != 0) {
		if (hostile_lookup_victim.msgid == 0)
			hostile_lookup_victim = *m;
		strlcpy(user, m->rcpt, sizeof(user));
		user[strcspn(user, "@")] = '\0';
		hostile_lookup_envelope(h, m, m->msgid, "local",
		    ENVELOPE_DEST_ADDRESS, m->rcpt, user,
		    ENVELOPE_ORIGIN_MAILBOX);
		hostile_lookup_verdict(h, m, m->msgid, 250);
		return;
	}
	if (strcmp(x->name, "txedit-foreign") == 0) {
		hostile_lookup_txedit(h, x, m);
		return;
	}
	(void)snprintf(dest, sizeof(dest), x->dest, h->arg);
	hostile_lookup_envelope(h, m, msgid, x->dispatcher, x->type, dest,
	    x->user, x->origin);
	hostile_lookup_verdict(h, m, msgid, 250);
	if (msgid != m->msgid)		/* the session waits for its own */
		hostile_lookup_verdict(h, m, m->msgid, 550);
}

/* hostile_lookup_mail - MSG_LOOKUP_MAIL and MSG_LOOKUP_AUTH: yes to MAIL */
static void
hostile_lookup_mail(struct hostile *h, uint32_t type, const void *buf)
{
	const struct msg_lka_mail	*m = buf;
	const struct msg_lka_auth	*a = buf;
	struct msg_lka_result		 r;

	memset(&r, 0, sizeof(r));
	r.sessid = type == MSG_LOOKUP_MAIL ? m->sess.id : a->sessid;
	r.code = type == MSG_LOOKUP_MAIL ? 250 : 535;
	strlcpy(r.enhanced, type == MSG_LOOKUP_MAIL ? "2.1.0" : "5.7.8",
	    sizeof(r.enhanced));
	strlcpy(r.text, "hostile", sizeof(r.text));
	hostile_msg(h, PROC_SMTPD, MSG_LOOKUP_RESULT, 0, -1, &r);
}

/* hostile_lookup_filter - MSG_LOOKUP_FILTER: filter PH_HOSTILE_ARG rejects */
static void
hostile_lookup_filter(struct hostile *h, const struct msg_lka_filter *m)
{
	struct msg_lka_filter_result	r;

	memset(&r, 0, sizeof(r));
	r.sessid = m->sess.id;
	r.phase = m->phase;
	r.status = IPC_FILTER_DECIDED;
	r.rule = (uint32_t)strtoul(h->arg, NULL, 10);
	r.decision = CFG_SFILTER_REJECT;
	hostile_msg(h, PROC_SMTPD, MSG_LOOKUP_FILTER_RESULT, 0, -1, &r);
}

/*
 * hostile_lookup_serve - answer the real listener until SIGTERM (the
 * role's handler breaks the event loop, turned here between frames)
 */
static void
hostile_lookup_serve(struct hostile *h)
{
	const struct hostile_lookup_evil	*x;
	static char				 buf[IPC_FRAME_MAX];
	struct ipc_hdr				 hdr;
	int					 fd, r;

	if ((x = hostile_lookup_evil()) == NULL)
		return;
	while (!event_base_got_break(ev_base())) {
		event_base_loop(ev_base(), EVLOOP_NONBLOCK);
		r = hostile_recv(h, PROC_SMTPD, &hdr, buf, sizeof(buf), &fd,
		    200);
		if (r == -1)
			break;
		if (fd != -1)
			close(fd);
		if (r == 0)
			continue;
		if (hdr.type == MSG_LOOKUP_MAIL || hdr.type == MSG_LOOKUP_AUTH)
			hostile_lookup_mail(h, hdr.type, buf);
		else if (hdr.type == MSG_LOOKUP_RCPT)
			hostile_lookup_rcpt(h, x, (const void *)buf);
		else if (hdr.type == MSG_LOOKUP_FILTER)
			hostile_lookup_filter(h, (const void *)buf);
	}
	hostile_log("event=exit");
	exit(0);
}

const struct hostile_scenario hostile_lookup_scenarios[] = {
	{ "command-noalias", PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "command-root", PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "command-gid0", PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "command-forward", PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "file-home",	PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "traversal",	PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "dispatcher",	PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "msgid",	PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "filter-foreign", PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ "txedit-foreign", PROC_LOOKUP, HOSTILE_ALONE, hostile_lookup_serve },
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
