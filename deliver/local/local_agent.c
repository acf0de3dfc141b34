/*
 * local_agent.c - the local delivery agent: smtpd -X local.
 *
 * The root parent starts it for one recipient account: it has looked
 * the account up, created the mbox, become the recipient for good and
 * executed this role, so the agent holds nothing of the parent's memory
 * and no privilege beyond the recipient's.  It reads no configuration.
 * Its one channel goes to the parent, which may send several deliveries
 * before the first is answered (MSG_LOCAL_RUN with the message
 * descriptor); the agent checks each against what it knows itself (its
 * uid and gid, a method it has, a sane account name and paths) and runs
 * the method (a Maildir copy is only written to tmp/).  When the turn's
 * frames are all handled (at most LOCAL_AGENT_TURN_MAX), it syncs each
 * Maildir copy and links it into new/, syncs each directory the
 * successes wait for once (a Maildir's new/, however many files were
 * linked there: one fsync instead of one per message), then answers
 * every delivery with MSG_LOCAL_RESULT in the order they came.  When the parent closes the
 * channel (idle, enough deliveries, shutdown) the agent exits.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ev.h"
#include "ipc.h"
#include "lmtp.h"
#include "local.h"
#include "local_file.h"
#include "log.h"
#include "proc.h"

static void	local_agent_on_run(struct ipc *, uint32_t, int, const void *,
		    void *);

static const struct ipc_handler local_agent_handlers[] = {
	{ MSG_LOCAL_RUN,	local_agent_on_run },
	{ MSG_NONE,		NULL }
};

/* a delivery done in this turn, its answer waiting for the syncs */
struct local_agent_done {
	struct local_result	 res;
	uint64_t		 evpid;
	uint32_t		 seq;
	uint32_t		 id;
	enum {
		LOCAL_AGENT_UNSYNCED,		/* nothing synced by this one */
		LOCAL_AGENT_SYNCED,		/* its fsync of dev/ino did */
		LOCAL_AGENT_SYNC_FAILED		/* ... failed (res says why) */
	}			 synced;
	dev_t			 dev;
	ino_t			 ino;
};

static struct {
	struct local_agent_done	 done[LOCAL_AGENT_TURN_MAX];
	size_t			 n;
	struct event		*flush;
	int			 leave;		/* exit once answered */
} local_agent;

/* local_agent_why - say why a request is refused; -1 */
static int
local_agent_why(char *err, size_t errsz, const char *why)
{
	(void)strlcpy(err, why, errsz);
	return -1;
}

/*
 * local_agent_check - whether a delivery fits this agent: its uid and
 * gid, a known method with the target it needs, an account name that
 * names one file of the mbox directory; 0, or -1 and why in err
 */
int
local_agent_check(const struct msg_local_run *m, uid_t uid, gid_t gid,
    char *err, size_t errsz)
{
	if (m->uid != (uint32_t)uid || m->gid != (uint32_t)gid)
		return local_agent_why(err, errsz,
		    "delivery for another account");
	if (m->evpid == 0 || m->seq == 0)
		return local_agent_why(err, errsz, "delivery without id");
	if (m->method < IPC_LOCAL_MAILDIR || m->method > IPC_LOCAL_COMMAND)
		return local_agent_why(err, errsz, "unknown method");
	if (m->user[0] == '\0' || strchr(m->user, '/') != NULL ||
	    strcmp(m->user, ".") == 0 || strcmp(m->user, "..") == 0)
		return local_agent_why(err, errsz, "bad account name");
	if (m->home[0] != '\0' && m->home[0] != '/')
		return local_agent_why(err, errsz, "relative home directory");
	if (m->method != IPC_LOCAL_MAILDIR && m->method != IPC_LOCAL_MBOX &&
	    m->target[0] == '\0')
		return local_agent_why(err, errsz, "method without a target");
	if ((m->method == IPC_LOCAL_FILE || (m->method == IPC_LOCAL_MAILDIR &&
	    m->target[0] != '\0')) && m->target[0] != '/')
		return local_agent_why(err, errsz, "relative path");
	if ((m->forward != 0 && m->forward != 1) || (m->fresh != 0 &&
	    m->fresh != 1) || (m->junk != 0 && m->junk != 1) ||
	    m->subaddr_delim < 0 || m->subaddr_delim > 0x7e)
		return local_agent_why(err, errsz, "bad flag");
	return 0;
}

/* local_agent_answer - MSG_LOCAL_RESULT for one delivery of the turn */
static void
local_agent_answer(struct ipc *c, const struct local_agent_done *d)
{
	struct msg_local_result	 r;

	memset(&r, 0, sizeof(r));
	r.evpid = d->evpid;
	r.seq = d->seq;
	r.status = d->res.status == LOCAL_OK ? IPC_DLV_OK :
	    d->res.status == LOCAL_PERMFAIL ? IPC_DLV_PERMFAIL :
	    IPC_DLV_TEMPFAIL;
	(void)strlcpy(r.text, d->res.reason, sizeof(r.text));
	if (ipc_send(c, MSG_LOCAL_RESULT, d->id, -1, &r, sizeof(r)) == -1)
		fatalx("cannot answer the parent");
}

/* local_agent_addr - split the recipient into the parts the methods want */
static void
local_agent_addr(struct local_delivery *ld, char delim)
{
	const char	*at = strrchr(ld->rcpt, '@');
	char		*ext;
	size_t		 n = at ? (size_t)(at - ld->rcpt) : strlen(ld->rcpt);

	if (n >= sizeof(ld->localpart))
		n = sizeof(ld->localpart) - 1;
	memcpy(ld->localpart, ld->rcpt, n);
	ld->localpart[n] = '\0';
	(void)strlcpy(ld->domain, at ? at + 1 : "", sizeof(ld->domain));
	if ((ext = strchr(ld->localpart, delim ? delim : '+')) != NULL)
		(void)strlcpy(ld->extension, ext + 1, sizeof(ld->extension));
}

/* local_agent_fill - the delivery the methods see, from a checked run */
void
local_agent_fill(const struct msg_local_run *m, int msg_fd,
    struct local_delivery *ld)
{
	memset(ld, 0, sizeof(*ld));
	ld->msg_fd = msg_fd;
	ld->evpid = m->evpid;
	ld->fresh = m->fresh;
	ld->junk = m->junk;
	ld->uid = (uid_t)m->uid;
	ld->gid = (gid_t)m->gid;
	(void)strlcpy(ld->sender, m->sender, sizeof(ld->sender));
	(void)strlcpy(ld->rcpt, m->rcpt, sizeof(ld->rcpt));
	(void)strlcpy(ld->orig_rcpt, m->orig_rcpt, sizeof(ld->orig_rcpt));
	(void)strlcpy(ld->user, m->user, sizeof(ld->user));
	(void)strlcpy(ld->home, m->home, sizeof(ld->home));
	(void)strlcpy(ld->shell, m->shell, sizeof(ld->shell));
	(void)snprintf(ld->mbox, sizeof(ld->mbox), "%s/%s",
	    IPC_LOCAL_MBOX_DIR, m->user);
	if (m->method == IPC_LOCAL_MAILDIR)
		(void)strlcpy(ld->maildir, m->target, sizeof(ld->maildir));
	else if (m->method == IPC_LOCAL_MDA)
		(void)strlcpy(ld->mda, m->target, sizeof(ld->mda));
	local_agent_addr(ld, (char)m->subaddr_delim);
}

/* local_agent_deliver - the method of a checked run, as the recipient */
static void
local_agent_deliver(const struct msg_local_run *m,
    const struct local_delivery *ld, struct local_result *res)
{
	switch (m->method) {
	case IPC_LOCAL_MAILDIR:
		local_maildir_deliver(ld, res);
		break;
	case IPC_LOCAL_MBOX:
		local_mbox_deliver(ld, res);
		break;
	case IPC_LOCAL_MDA:
		local_mda_deliver(ld, res);
		break;
	case IPC_LOCAL_LMTP:
		lmtp_deliver(ld, m->target, m->rcpt_to, res);
		break;
	case IPC_LOCAL_FILE:
		if (!m->forward || local_file_forward_check(ld, 0,
		    m->target, res) == 0)
			local_file_deliver(ld, m->target, res);
		break;
	case IPC_LOCAL_COMMAND:
		if (!m->forward || local_file_forward_check(ld, 1,
		    m->target, res) == 0)
			local_file_command(ld, m->target, res);
		break;
	}
}

/*
 * local_agent_sync - sync the directory delivery i of the turn waits
 * for, unless an earlier one of the turn synced it already: then share
 * that outcome (a failed sync fails every delivery that waited for it)
 */
static void
local_agent_sync(size_t i)
{
	struct local_agent_done	*d = &local_agent.done[i], *e;
	struct stat		 sb;
	size_t			 j;

	d->synced = LOCAL_AGENT_UNSYNCED;
	if (d->res.sync_dir == -1)
		return;
	if (fstat(d->res.sync_dir, &sb) == 0) {
		for (j = 0; j < i; j++) {
			e = &local_agent.done[j];
			if (e->synced == LOCAL_AGENT_UNSYNCED ||
			    e->dev != sb.st_dev || e->ino != sb.st_ino)
				continue;
			close(d->res.sync_dir);
			d->res.sync_dir = -1;
			if (e->synced == LOCAL_AGENT_SYNC_FAILED &&
			    d->res.status == LOCAL_OK)
				d->res = e->res;
			return;
		}
		d->dev = sb.st_dev;
		d->ino = sb.st_ino;
	}
	d->synced = local_result_sync(&d->res) == 0 ? LOCAL_AGENT_SYNCED :
	    LOCAL_AGENT_SYNC_FAILED;
}

/*
 * local_agent_flush - the turn's deliveries are written: sync and link
 * the Maildir copies (local_maildir_commit), sync each directory they
 * wait for once (a Maildir's new/, shared by all the
 * files linked there), then answer them all in the order they came.
 * A missing mbox (the recipient removed it) is a temporary failure the
 * agent cannot mend: it exits after answering, so that the next agent
 * the parent starts creates the mbox again.
 */
static void
local_agent_flush(evutil_socket_t fd, short what, void *arg)
{
	struct ipc	*c = arg;
	size_t		 i;

	(void)fd;
	(void)what;
	local_maildir_commit();
	for (i = 0; i < local_agent.n; i++)
		local_agent_sync(i);
	for (i = 0; i < local_agent.n; i++)
		local_agent_answer(c, &local_agent.done[i]);
	local_agent.n = 0;
	if (local_agent.leave) {
		(void)ipc_flush(c);
		ev_exit();
	}
}

/*
 * local_agent_on_run - MSG_LOCAL_RUN: check, deliver; the answer to a
 * Maildir delivery waits for the end of the turn (local_agent_flush),
 * when every delivery the parent sent meanwhile is written too; any
 * other is answered at once, after those before it
 */
static void
local_agent_on_run(struct ipc *c, uint32_t id, int fd, const void *payload,
    void *arg)
{
	const struct msg_local_run	*m = payload;
	static struct local_delivery	 ld;
	struct local_agent_done		*d;
	struct timeval			 now = { 0, 0 };
	char				 why[ERRTEXT_MAX];

	(void)arg;
	if (local_agent_check(m, getuid(), getgid(), why, sizeof(why)) == -1)
		fatalx("MSG_LOCAL_RUN from parent: %s", why);
	if (local_agent.n == LOCAL_AGENT_TURN_MAX)
		local_agent_flush(-1, 0, c);
	local_agent_fill(m, fd, &ld);
	d = &local_agent.done[local_agent.n++];
	local_result_init(&d->res);
	d->evpid = m->evpid;
	d->seq = m->seq;
	d->id = id;
	(void)lseek(fd, 0, SEEK_SET);
	if (ld.home[0] == '\0' || chdir(ld.home) == -1)
		(void)chdir("/");
	local_agent_deliver(m, &ld, &d->res);
	close(fd);
	if (m->method == IPC_LOCAL_MBOX && d->res.status == LOCAL_TEMPFAIL &&
	    access(ld.mbox, F_OK) == -1 && errno == ENOENT)
		local_agent.leave = 1;
	if (m->method != IPC_LOCAL_MAILDIR) {
		/* no sync to share: answered now, after those before it */
		local_agent_flush(-1, 0, c);
		return;
	}
	if (local_agent.flush == NULL)
		local_agent.flush = evtimer_new(ev_base(), local_agent_flush,
		    c);
	evtimer_add(local_agent.flush, &now);
}

/* local_agent_on_close - the parent closed the channel: done */
static void
local_agent_on_close(struct ipc *c, void *arg)
{
	(void)c;
	(void)arg;
	ev_exit();
}

/* local_agent_guard - never run as root: no uid, gid or group 0 */
static void
local_agent_guard(void)
{
	gid_t	groups[NGROUPS_MAX + 1];
	int	n, i;

	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0)
		fatalx("event=agent-refused error=\"runs as root\"");
	if ((n = getgroups(NGROUPS_MAX + 1, groups)) == -1)
		fatal("getgroups");
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			fatalx("event=agent-refused error=\"group 0\"");
}

/* local_agent_main - the agent's entry point: deliveries until closed */
int
local_agent_main(struct proc_env *env)
{
	struct ipc	*c;

	(void)env;
	local_agent_guard();
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	c = proc_channel(PROC_LOCAL, PROC_PARENT, local_agent_handlers, NULL);
	ipc_set_close_cb(c, local_agent_on_close);
	log_debug("local event=agent-ready uid=%d gid=%d", (int)getuid(),
	    (int)getgid());
	ev_dispatch();
	return 0;
}
PROC_ENTRY(PROC_LOCAL, local_agent_main);
