/*
 * lookup_harness.h - what the lookup process's tests share: the role's
 * own handler tables (lookup.c) on real channels to a scripted
 * listener, queue and parent, a configuration with three listeners
 * (credentials table with a senders table, system accounts, no AUTH),
 * alias rules and a reject rule, and what each scripted process
 * received.  The parent answers AUTH and ~/.forward as the case sets.
 */
#ifndef POSTHORN_LOOKUP_HARNESS_H
#define POSTHORN_LOOKUP_HARNESS_H

#include <sys/socket.h>
#include <sys/wait.h>

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
#include "log.h"
#include "proc.h"
#include "pwhash.h"
#include "../../../smtpd/lookup/lookup.h"
#include "../../common/ev_harness.h"
#include "../../common/file_harness.h"

#define LOOKUP_HARNESS_MAX	32
#define LOOKUP_HARNESS_CREDS	0	/* listener: auth <creds> senders */
#define LOOKUP_HARNESS_SYSTEM	1	/* listener: auth (system accounts) */
#define LOOKUP_HARNESS_PLAIN	2	/* listener: no auth */
#define LOOKUP_HARNESS_HOLD	99	/* the parent leaves it unanswered */

static const char lookup_harness_conf[] =
	"table creds file:./creds\n"
	"table snd { alice = \"alice@mx.test\" }\n"
	"table al { list = \"nobody, list2, x@remote.test\", list2 = nobody,\n"
	"  gone = \"error:550 5.1.1 No such list\",\n"
	"  later = \"error:451 4.3.0 Try later\", out = x@remote.test,\n"
	"  root = nobody }\n"
	"pki mx.test cert \"./cert.pem\"\n"
	"pki mx.test key \"./key.pem\"\n"
	"listen on 127.0.0.1 port 587 tls-require pki mx.test auth <creds> "
	    "senders <snd> tag SUB hostname sub.mx.test\n"
	"listen on 127.0.0.1 port 588 tls-require pki mx.test auth\n"
	"listen on 127.0.0.1 port 25\n"
	"action \"local\" mbox alias <al>\n"
	"action \"out\" relay\n"
	"match from any for domain denied.test reject\n"
	"match from any for local action \"local\"\n"
	"match from auth for any action \"out\"\n"
	"match from local for any action \"out\"\n";

/* what the scripted processes received, and the parent's answers */
struct lookup_harness {
	struct lookup		 l;
	struct proc_env		 env;
	struct ipc		*parent, *queue, *smtpd;	/* test ends */
	int			 nresults;		/* at the listener */
	struct msg_lka_result	 results[LOOKUP_HARNESS_MAX];
	int			 nevps;			/* at the queue */
	struct msg_lka_envelope	 evps[LOOKUP_HARNESS_MAX];
	int			 nverdicts;
	struct msg_rcpt_result	 verdicts[LOOKUP_HARNESS_MAX];
	int			 nexpanded;
	struct msg_lka_notice_expanded expanded[LOOKUP_HARNESS_MAX];
	int			 nnotices;
	struct msg_lka_notice_result notices[LOOKUP_HARNESS_MAX];
	int			 nupdated;
	struct msg_table_updated updated;
	int			 nauths;		/* at the parent */
	struct msg_auth_system	 auth;
	int32_t			 auth_result;		/* or _HOLD */
	int			 nforwards;
	struct msg_forward_open	 forward;
	int32_t			 forward_status;	/* or _HOLD */
	const char		*forward_text;		/* with _OK */
};

static struct lookup_harness	lookup_harness;

/* lookup_harness_keep - append one received payload to a list */
static inline void
lookup_harness_keep(int *n, void *list, size_t size, const void *msg)
{
	ATF_REQUIRE(*n < LOOKUP_HARNESS_MAX);
	memcpy((char *)list + (size_t)*n * size, msg, size);
	(*n)++;
}

/* lookup_harness_on_result - MSG_LOOKUP_RESULT at the listener */
static inline void
lookup_harness_on_result(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	lookup_harness_keep(&h->nresults, h->results, sizeof(h->results[0]),
	    msg);
}

/* lookup_harness_on_envelope - MSG_LOOKUP_ENVELOPE at the queue */
static inline void
lookup_harness_on_envelope(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	lookup_harness_keep(&h->nevps, h->evps, sizeof(h->evps[0]), msg);
}

/* lookup_harness_on_verdict - MSG_LOOKUP_RCPT_RESULT at the queue */
static inline void
lookup_harness_on_verdict(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	lookup_harness_keep(&h->nverdicts, h->verdicts,
	    sizeof(h->verdicts[0]), msg);
}

/* lookup_harness_on_expanded - MSG_LOOKUP_NOTICE_EXPANDED at the queue */
static inline void
lookup_harness_on_expanded(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	lookup_harness_keep(&h->nexpanded, h->expanded,
	    sizeof(h->expanded[0]), msg);
}

/* lookup_harness_on_notice - MSG_LOOKUP_NOTICE_RESULT at the queue */
static inline void
lookup_harness_on_notice(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	lookup_harness_keep(&h->nnotices, h->notices, sizeof(h->notices[0]),
	    msg);
}

/* lookup_harness_on_updated - MSG_TABLE_UPDATED at the queue */
static inline void
lookup_harness_on_updated(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	h->updated = *(const struct msg_table_updated *)msg;
	h->nupdated++;
}

/* lookup_harness_auth_answer - the parent's verdict on a password */
static inline void
lookup_harness_auth_answer(struct lookup_harness *h, uint64_t reqid,
    int32_t result)
{
	struct msg_auth_system_result	r;

	memset(&r, 0, sizeof(r));
	r.reqid = reqid;
	r.result = result;
	ATF_REQUIRE(ipc_send(h->parent, MSG_AUTH_SYSTEM_RESULT, 0, -1, &r,
	    sizeof(r)) == 0);
}

/* lookup_harness_on_auth - MSG_AUTH_SYSTEM at the parent */
static inline void
lookup_harness_on_auth(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	h->auth = *(const struct msg_auth_system *)msg;
	h->nauths++;
	if (h->auth_result != LOOKUP_HARNESS_HOLD)
		lookup_harness_auth_answer(h, h->auth.reqid, h->auth_result);
}

/* lookup_harness_forward_answer - the parent's ~/.forward answer */
static inline void
lookup_harness_forward_answer(struct lookup_harness *h, uint64_t reqid,
    int32_t status, const char *text)
{
	struct msg_forward_fd	m;
	int			p[2] = { -1, -1 };

	memset(&m, 0, sizeof(m));
	m.reqid = reqid;
	m.status = status;
	if (text != NULL) {
		ATF_REQUIRE(pipe(p) == 0);
		ATF_REQUIRE(write(p[1], text, strlen(text)) ==
		    (ssize_t)strlen(text));
		close(p[1]);
	}
	ATF_REQUIRE(ipc_send(h->parent, MSG_FORWARD_FD, 0, p[0], &m,
	    sizeof(m)) == 0);
	if (p[0] != -1)
		close(p[0]);
}

/* lookup_harness_on_forward - MSG_FORWARD_OPEN at the parent */
static inline void
lookup_harness_on_forward(struct ipc *c, uint32_t id, int fd,
    const void *msg, void *arg)
{
	struct lookup_harness	*h = arg;

	(void)c;
	(void)id;
	(void)fd;
	h->forward = *(const struct msg_forward_open *)msg;
	h->nforwards++;
	if (h->forward_status != LOOKUP_HARNESS_HOLD)
		lookup_harness_forward_answer(h, h->forward.reqid,
		    h->forward_status, h->forward_status == IPC_FORWARD_OK ?
		    h->forward_text : NULL);
}

static const struct ipc_handler lookup_harness_smtpd[] = {
	{ MSG_LOOKUP_RESULT,		lookup_harness_on_result },
	{ MSG_NONE,			NULL }
};
static const struct ipc_handler lookup_harness_queue[] = {
	{ MSG_LOOKUP_ENVELOPE,		lookup_harness_on_envelope },
	{ MSG_LOOKUP_RCPT_RESULT,	lookup_harness_on_verdict },
	{ MSG_LOOKUP_NOTICE_EXPANDED,	lookup_harness_on_expanded },
	{ MSG_LOOKUP_NOTICE_RESULT,	lookup_harness_on_notice },
	{ MSG_TABLE_UPDATED,		lookup_harness_on_updated },
	{ MSG_NONE,			NULL }
};
static const struct ipc_handler lookup_harness_parent[] = {
	{ MSG_AUTH_SYSTEM,		lookup_harness_on_auth },
	{ MSG_FORWARD_OPEN,		lookup_harness_on_forward },
	{ MSG_NONE,			NULL }
};

/* lookup_harness_wait - turn the event loop until *n is want (3 s) */
static inline int
lookup_harness_wait(const int *n, int want)
{
	return ev_harness_until(n, want, 3) && *n == want;
}

/* lookup_harness_pair - a channel of the lookup and a scripted peer */
static inline struct ipc *
lookup_harness_pair(struct lookup_harness *h, enum proc_role peer,
    const struct ipc_handler *lh, const struct ipc_handler *ph,
    struct ipc **lside)
{
	int	sv[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	*lside = ipc_new(sv[0], PROC_LOOKUP, peer, IPC_TRUST_PEER, lh, &h->l);
	return ipc_new(sv[1], peer, PROC_LOOKUP, IPC_TRUST_PEER, ph, h);
}

/* lookup_harness_config - smtpd.conf, creds (alice, "secret"), the pki */
static inline void
lookup_harness_config(struct lookup_harness *h)
{
	static char	*names[] = { "localhost", "mx.test", NULL };
	char		 hash[PWHASH_HASH_MAX], line[PWHASH_HASH_MAX + 16];
	char		 err[1024];

	ATF_REQUIRE(pwhash_hash("secret", hash, sizeof(hash)) == 0);
	snprintf(line, sizeof(line), "alice %s\n", hash);
	file_harness_text("creds", line);
	file_harness_text("cert.pem", "");
	file_harness_text("key.pem", "");
	file_harness_text("smtpd.conf", lookup_harness_conf);
	h->env.cfg = cfg_load("smtpd.conf", NULL, err, sizeof(err));
	ATF_REQUIRE_MSG(h->env.cfg != NULL, "%s", err);
	h->l.env = &h->env;
	h->l.tables = lookup_tables_open(h->env.cfg, err, sizeof(err));
	ATF_REQUIRE_MSG(h->l.tables != NULL, "%s", err);
	h->l.localnames = names;
	strlcpy(h->l.hostname, "mx.test", sizeof(h->l.hostname));
}

/* lookup_harness_start - the lookup role and its scripted peers */
static inline struct lookup_harness *
lookup_harness_start(void)
{
	struct lookup_harness	*h = &lookup_harness;

	log_init("t_lookup", 1, 0);
	ev_init();
	memset(h, 0, sizeof(*h));
	h->forward_status = IPC_FORWARD_NONE;
	h->auth_result = 1;
	TAILQ_INIT(&h->l.reqs);
	lookup_harness_config(h);
	h->l.authlimit = lookup_authlimit_new(LOOKUP_AUTHLIMIT_FAILS,
	    LOOKUP_AUTHLIMIT_WINDOW, LOOKUP_AUTHLIMIT_ADDRS);
	h->parent = lookup_harness_pair(h, PROC_PARENT,
	    lookup_parent_handlers, lookup_harness_parent, &h->l.parent);
	h->queue = lookup_harness_pair(h, PROC_QUEUE, lookup_queue_handlers,
	    lookup_harness_queue, &h->l.queue);
	h->smtpd = lookup_harness_pair(h, PROC_SMTPD, lookup_smtpd_handlers,
	    lookup_harness_smtpd, &h->l.smtpd);
	return h;
}

/* lookup_harness_sess - a session on listener ls (or the local socket) */
static inline void
lookup_harness_sess(struct ipc_sess *s, uint64_t id, uint32_t ls,
    const char *auth_user)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->listener = ls;
	if (ls == UINT32_MAX)
		s->flags |= IPC_SESS_LOCAL;
	else
		s->flags |= IPC_SESS_TLS;
	if (auth_user != NULL) {
		s->flags |= IPC_SESS_AUTH;
		strlcpy(s->auth_user, auth_user, sizeof(s->auth_user));
	}
	strlcpy(s->src, ls == UINT32_MAX ? "local" : "192.0.2.7",
	    sizeof(s->src));
	strlcpy(s->helo, "client.test", sizeof(s->helo));
}

/*
 * lookup_harness_fatal - the lookup must die (fatalx, exit 1) of what
 * send makes a peer send, and say why on stderr: run in a child
 */
static inline void
lookup_harness_fatal(void (*send)(struct lookup_harness *),
    const char *why)
{
	char	buf[4096];
	ssize_t	n;
	pid_t	pid;
	int	st, fd;

	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		fd = open("fatal.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || dup2(fd, STDERR_FILENO) == -1)
			_exit(2);
		send(lookup_harness_start());
		(void)lookup_harness_wait(&lookup_harness.nresults, 1000);
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_REQUIRE((fd = open("fatal.log", O_RDONLY)) != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "%s: the lookup did not die (status %d): %s", why, st, buf);
	ATF_CHECK_MSG(strstr(buf, why) != NULL, "\"%s\" not in: %s", why,
	    buf);
}

#endif
