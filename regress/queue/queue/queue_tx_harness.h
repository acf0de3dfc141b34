/*
 * queue_tx_harness.h - what the tests of the queue's message path share:
 * a queue on ./spool with a scripted listener, lookup and parent on real
 * IPC channels, and helpers that open, fill and commit transactions.
 */
#ifndef POSTHORN_QUEUE_TX_HARNESS_H
#define POSTHORN_QUEUE_TX_HARNESS_H

#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "proc.h"
#include "../../../queue/queue/qstore.h"
#include "../../../queue/queue/qstore_crypt.h"
#include "../../../queue/queue/queue.h"
#include "../../../queue/queue/sched.h"
#include "xmalloc.h"
#include "../../common/ev_harness.h"

#define T_MAX	16

/* what the scripted listener and parent saw */
struct t_peer {
	int		 nopened;
	struct msg_tx_result opened[T_MAX];
	int		 fds[T_MAX];
	int		 ncommitted;
	struct msg_tx_result committed[T_MAX];
	int		 nrcpts;
	struct msg_rcpt_result rcpts[T_MAX];
	int		 nedited;
	struct msg_lka_txedited edited[T_MAX];
	int		 nruns;
	struct envelope	 runs[T_MAX];
	char		 bodies[T_MAX][4096];
};

static struct t_peer	 t_p;
static struct queue	 t_q;
static struct proc_env	 t_env;
static struct ipc	*t_smtpd;	/* the test's listener end */
static struct ipc	*t_parent;	/* the test's parent end */
static struct ipc	*t_lookup;	/* the test's lookup end */
static int		 t_nnotices;	/* notice expansions asked */

/*
 * t_on_notice - MSG_LOOKUP_NOTICE at the scripted lookup: "unknown*" is
 * refused, "busy*" fails for now, "bad*" gets a result naming no action,
 * "root" expands to alice and bob, anything else to its local part.
 */
static inline void
t_on_notice(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	const struct msg_lka_notice	*m = msg;
	struct msg_lka_notice_expanded	 e;
	struct msg_lka_notice_result	 r;
	static const char		*root[] = { "alice", "bob", NULL };
	const char			*one[2] = { NULL, NULL }, **u = one;
	char				 local[ADDR_MAX];

	(void)id;
	(void)fd;
	(void)arg;
	t_nnotices++;
	memset(&r, 0, sizeof(r));
	r.reqid = m->reqid;
	r.code = 250;
	if (strncmp(m->rcpt, "unknown", 7) == 0 ||
	    strncmp(m->rcpt, "busy", 4) == 0) {
		r.code = m->rcpt[0] == 'u' ? 550 : 451;
		strlcpy(r.enhanced, m->rcpt[0] == 'u' ? "5.1.1" : "4.3.0",
		    sizeof(r.enhanced));
		strlcpy(r.text, "scripted", sizeof(r.text));
		ipc_send(c, MSG_LOOKUP_NOTICE_RESULT, 0, -1, &r, sizeof(r));
		return;
	}
	strlcpy(local, m->rcpt, sizeof(local));
	local[strcspn(local, "@")] = '\0';
	one[0] = local;
	if (strcmp(m->rcpt, "root") == 0)
		u = root;
	for (; *u != NULL; u++) {
		memset(&e, 0, sizeof(e));
		e.reqid = m->reqid;
		/* a notice names no action: the rules give "local" */
		strlcpy(e.evp.dispatcher, strncmp(m->rcpt, "bad", 3) == 0 ?
		    "nosuch" : m->dispatcher[0] == '\0' ? "local" :
		    m->dispatcher, sizeof(e.evp.dispatcher));
		strlcpy(e.evp.rcpt, m->rcpt, sizeof(e.evp.rcpt));
		strlcpy(e.evp.dest, *u, sizeof(e.evp.dest));
		strlcpy(e.evp.user, *u, sizeof(e.evp.user));
		ipc_send(c, MSG_LOOKUP_NOTICE_EXPANDED, 0, -1, &e, sizeof(e));
	}
	ipc_send(c, MSG_LOOKUP_NOTICE_RESULT, 0, -1, &r, sizeof(r));
}

/* t_on_opened - MSG_TX_OPENED at the scripted listener */
static inline void
t_on_opened(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)arg;
	ATF_REQUIRE(t_p.nopened < T_MAX);
	t_p.fds[t_p.nopened] = fd;
	t_p.opened[t_p.nopened++] = *(const struct msg_tx_result *)msg;
}

/* t_on_committed - MSG_TX_COMMITTED at the scripted listener */
static inline void
t_on_committed(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)arg;
	ATF_REQUIRE(t_p.ncommitted < T_MAX);
	t_p.committed[t_p.ncommitted++] = *(const struct msg_tx_result *)msg;
}

/* t_on_rcpt_result - MSG_TX_RCPT_RESULT at the scripted listener */
static inline void
t_on_rcpt_result(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)arg;
	ATF_REQUIRE(t_p.nrcpts < T_MAX);
	t_p.rcpts[t_p.nrcpts++] = *(const struct msg_rcpt_result *)msg;
}

/* t_on_mda_run - MSG_MDA_RUN at the scripted parent: keep the text */
static inline void
t_on_mda_run(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	ssize_t	n;

	(void)c;
	(void)id;
	(void)arg;
	ATF_REQUIRE(t_p.nruns < T_MAX);
	t_p.runs[t_p.nruns] = ((const struct msg_mda_run *)msg)->evp;
	n = read(fd, t_p.bodies[t_p.nruns], sizeof(t_p.bodies[0]) - 1);
	ATF_CHECK(n >= 0);
	ATF_CHECK(write(fd, "x", 1) == -1);	/* read-only */
	close(fd);
	t_p.nruns++;
}

/* t_on_edited - MSG_LOOKUP_TX_EDITED at the scripted lookup */
static inline void
t_on_edited(struct ipc *c, uint32_t id, int fd, const void *msg, void *arg)
{
	(void)c;
	(void)id;
	(void)fd;
	(void)arg;
	ATF_REQUIRE(t_p.nedited < T_MAX);
	t_p.edited[t_p.nedited++] = *(const struct msg_lka_txedited *)msg;
}

static const struct ipc_handler t_smtpd_handlers[] = {
	{ MSG_TX_OPENED,	t_on_opened },
	{ MSG_TX_COMMITTED,	t_on_committed },
	{ MSG_TX_RCPT_RESULT,	t_on_rcpt_result },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_parent_handlers[] = {
	{ MSG_MDA_RUN,		t_on_mda_run },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_q_smtpd_handlers[] = {
	{ MSG_TX_OPEN,		queue_tx_on_open },
	{ MSG_TX_COMMIT,	queue_tx_on_commit },
	{ MSG_TX_ABORT,		queue_tx_on_abort },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_q_parent_handlers[] = {
	{ MSG_MDA_RESULT,	qdispatch_on_mda_result },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_lookup_handlers[] = {
	{ MSG_LOOKUP_NOTICE,	t_on_notice },
	{ MSG_LOOKUP_TX_EDITED,	t_on_edited },
	{ MSG_NONE,		NULL }
};
static const struct ipc_handler t_q_lookup_handlers[] = {
	{ MSG_LOOKUP_ENVELOPE,	queue_tx_on_envelope },
	{ MSG_LOOKUP_RCPT_RESULT,	queue_tx_on_rcpt_result },
	{ MSG_LOOKUP_TX_EDIT,	queue_tx_edit_on_edit },
	{ MSG_LOOKUP_NOTICE_EXPANDED, qdispatch_on_notice_expanded },
	{ MSG_LOOKUP_NOTICE_RESULT, qdispatch_on_notice_result },
	{ MSG_NONE,		NULL }
};

/* t_run - turn the event loop until *n reaches want (2 s at most) */
static inline void
t_run(const int *n, int want)
{
	if (n == NULL) {
		ev_harness_turns(200);
		return;
	}
	(void)ev_harness_until(n, want, 2);
	ATF_REQUIRE_EQ_MSG(*n, want, "waited for %d, got %d", want, *n);
}

/* t_start - a queue on ./spool with the scripted peers */
static inline void
t_start(const char *key)
{
	static const char conf[] =
	    "table al { \"x\" = \"y\" }\n"
	    "action \"local\" mbox\naction \"out\" relay\n"
	    "action \"al\" mbox alias <al>\n"
	    "action \"as\" mbox alias <al> user \"carol\"\n"
	    "match from local for local action \"local\"\n"
	    "match from local for any action \"out\"\n";
	char	err[1024];
	int	sv[2], pv[2], lv[2], dfd;
	FILE	*f;

	t_nnotices = 0;
	memset(&t_p, 0, sizeof(t_p));
	memset(&t_q, 0, sizeof(t_q));
	ev_init();
	ATF_REQUIRE((f = fopen("smtpd.conf", "w")) != NULL);
	fputs(conf, f);
	fclose(f);
	t_env.cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(t_env.cfg != NULL, "%s", err);
	t_env.started = time(NULL);
	t_q.env = &t_env;
	ATF_REQUIRE(mkdir("spool", 0700) == 0);
	ATF_REQUIRE((dfd = open("spool", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE((t_q.qs = qstore_open(dfd, err, sizeof(err))) != NULL);
	if (key != NULL)
		ATF_REQUIRE((t_q.crypt = qstore_crypt_new(1, key, err,
		    sizeof(err))) != NULL);
	t_q.tx = queue_tx_new(&t_q);
	t_q.dsp = qdispatch_new(&t_q);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pv) == 0);
	t_q.smtpd = ipc_new(sv[0], PROC_QUEUE, PROC_SMTPD, IPC_TRUST_PEER,
	    t_q_smtpd_handlers, &t_q);
	t_q.parent = ipc_new(pv[0], PROC_QUEUE, PROC_PARENT, IPC_TRUST_PEER,
	    t_q_parent_handlers, &t_q);
	t_smtpd = ipc_new(sv[1], PROC_SMTPD, PROC_QUEUE, IPC_TRUST_PEER,
	    t_smtpd_handlers, NULL);
	t_parent = ipc_new(pv[1], PROC_PARENT, PROC_QUEUE, IPC_TRUST_PEER,
	    t_parent_handlers, NULL);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, lv) == 0);
	t_q.lookup = ipc_new(lv[0], PROC_QUEUE, PROC_LOOKUP, IPC_TRUST_PEER,
	    t_q_lookup_handlers, &t_q);
	t_lookup = ipc_new(lv[1], PROC_LOOKUP, PROC_QUEUE, IPC_TRUST_PEER,
	    t_lookup_handlers, NULL);
	t_run(NULL, 0);
}

/* t_open - n transactions; their fds are in t_p.fds */
static inline void
t_open(int n)
{
	struct msg_tx	m;
	int		i, base = t_p.nopened;

	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.sessid = 100 + (uint64_t)(base + i);
		ipc_send(t_smtpd, MSG_TX_OPEN, 0, -1, &m, sizeof(m));
	}
	t_run(&t_p.nopened, base + n);
	for (i = base; i < base + n; i++) {
		ATF_REQUIRE_EQ(t_p.opened[i].code, 0);
		ATF_REQUIRE(t_p.fds[i] != -1);
		ATF_REQUIRE_EQ(t_p.opened[i].sessid, 100 + (uint64_t)i);
	}
}

/* t_evp - an envelope of transaction i for action disp */
static inline void
t_evp(struct msg_lka_envelope *e, int i, const char *disp, const char *user)
{
	memset(e, 0, sizeof(*e));
	e->sessid = t_p.opened[i].sessid;
	e->msgid = t_p.opened[i].msgid;
	strlcpy(e->evp.sender, "s@localhost", sizeof(e->evp.sender));
	strlcpy(e->evp.rcpt, "rcpt@localhost", sizeof(e->evp.rcpt));
	strlcpy(e->evp.dest, "rcpt@localhost", sizeof(e->evp.dest));
	strlcpy(e->evp.dispatcher, disp, sizeof(e->evp.dispatcher));
	strlcpy(e->evp.user, user, sizeof(e->evp.user));
	strlcpy(e->evp.hostname, "mx.test", sizeof(e->evp.hostname));
}

/* t_write - the message of transaction i; its size */
static inline uint64_t
t_write(int i)
{
	char	body[256];
	int	len;

	len = snprintf(body, sizeof(body), "Received: by mx.test\n"
	    "Subject: message %d\n\nbody %d\n", i, i);
	ATF_REQUIRE_EQ(write(t_p.fds[i], body, (size_t)len), len);
	close(t_p.fds[i]);
	return (uint64_t)len;
}

/*
 * t_rcpt - the scripted lookup's envelopes for one RCPT of session
 * sessid in msgid, then its verdict; the queue's answer to the listener
 */
static inline const struct msg_rcpt_result *
t_rcpt(uint64_t sessid, uint32_t msgid, const struct msg_lka_envelope *e,
    int nevp, int code)
{
	struct msg_rcpt_result	v;
	int			j, base = t_p.nrcpts;

	for (j = 0; j < nevp; j++)
		ipc_send(t_lookup, MSG_LOOKUP_ENVELOPE, 0, -1, &e[j],
		    sizeof(e[j]));
	memset(&v, 0, sizeof(v));
	v.sessid = sessid;
	v.msgid = msgid;
	v.code = code;
	strlcpy(v.enhanced, code == 250 ? "2.1.5" : "5.1.1",
	    sizeof(v.enhanced));
	strlcpy(v.text, "scripted", sizeof(v.text));
	ipc_send(t_lookup, MSG_LOOKUP_RCPT_RESULT, 0, -1, &v, sizeof(v));
	t_run(&t_p.nrcpts, base + 1);
	ATF_CHECK_EQ(t_p.rcpts[base].sessid, sessid);
	ATF_CHECK_EQ(t_p.rcpts[base].msgid, msgid);
	return &t_p.rcpts[base];
}

/* t_commit - envelope(s) of one RCPT, then the commit of transaction i */
static inline void
t_commit(int i, const struct msg_lka_envelope *e, int nevp, uint64_t size)
{
	struct msg_tx	m;

	if (nevp > 0)
		(void)t_rcpt(t_p.opened[i].sessid, t_p.opened[i].msgid, e,
		    nevp, 250);
	memset(&m, 0, sizeof(m));
	m.sessid = t_p.opened[i].sessid;
	m.msgid = t_p.opened[i].msgid;
	m.size = size;
	ipc_send(t_smtpd, MSG_TX_COMMIT, 0, -1, &m, sizeof(m));
}

/*
 * t_entries - messages in a spool directory: its entries, a flat
 * message's two files (<msgid>.m, <msgid>.e) counted once
 */
static inline int
t_entries(const char *path)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 len;
	int		 n = 0;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		n += de->d_name[0] != '.' && (len < 2 ||
		    strcmp(de->d_name + len - 2, ".m") != 0);
	}
	closedir(d);
	return n;
}

#endif
