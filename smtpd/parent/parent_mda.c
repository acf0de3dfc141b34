/*
 * parent_mda.c - local deliveries, as the root parent sees them.
 *
 * The queue asks for one delivery per MSG_MDA_RUN (envelope + read-only
 * message fd).  The parent trusts nothing in it: the envelope must be one
 * the expansion rules of the parent's own configuration can make
 * (envelope_rule.h: the action exists and is local, a file or command
 * only from an alias table of the action as its alias account, or from
 * a ~/.forward as its owner), and the descriptor must be a readable
 * regular file; it is never reopened.  Refusals are logged as
 * "mda event=refused".  A request that passes goes to the local
 * delivery agent of its account and action (parent_agent.c), which
 * delivers as the recipient; once the agent's account is known, the
 * action's path, command or destination is expanded here with
 * fmt_expand (sanitised) into the agent's MSG_LOCAL_RUN.  Every request
 * gets exactly one MSG_MDA_RESULT.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "envelope_rule.h"
#include "fmt.h"
#include "ipc.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "xmalloc.h"

static const char *const parent_mda_methods[] = {
	[0] = "none",
	[IPC_LOCAL_MAILDIR] = "maildir",
	[IPC_LOCAL_MBOX] = "mbox",
	[IPC_LOCAL_MDA] = "mda",
	[IPC_LOCAL_LMTP] = "lmtp",
	[IPC_LOCAL_FILE] = "file",
	[IPC_LOCAL_COMMAND] = "command",
};

/*
 * parent_mda_env - the parent's options; the handler's arg is parent.c's
 * struct parent, whose first member is its struct proc_env pointer
 */
static const struct proc_env *
parent_mda_env(void *arg)
{
	return *(struct proc_env **)arg;
}

/*
 * parent_mda_done - a job is over: report status and text (made
 * printable, as it may come from an agent) to the queue, and free it
 */
void
parent_mda_done(struct parent_mda_job *job, int32_t status, int refused,
    const char *text)
{
	struct msg_dlv_result	 r;
	char			 vis[ERRTEXT_MAX * 4], user[NAME_MAX_CFG * 4];
	size_t			 i;

	memset(&r, 0, sizeof(r));
	r.evpid = job->evp.evpid;
	r.status = status;
	(void)strlcpy(r.text, text, sizeof(r.text));
	for (i = 0; r.text[i] != '\0'; i++)
		if ((unsigned char)r.text[i] < 0x20 ||
		    (unsigned char)r.text[i] >= 0x7f)
			r.text[i] = '?';
	log_info("%016llx mda event=%s user=%s method=%s result=\"%s\"",
	    (unsigned long long)r.evpid, refused ? "refused" :
	    r.status == IPC_DLV_OK ? "delivered" :
	    r.status == IPC_DLV_PERMFAIL ? "failed" : "deferred",
	    log_vis(user, sizeof(user), job->evp.user),
	    parent_mda_methods[job->method],
	    log_vis(vis, sizeof(vis), r.text));
	if (ipc_send(job->queue, MSG_MDA_RESULT, 0, -1, &r, sizeof(r)) == -1)
		log_warnx("%016llx mda event=report-failed peer=queue",
		    (unsigned long long)r.evpid);
	if (job->msg_fd != -1)
		close(job->msg_fd);
	free(job);
}

/* parent_mda_method - the method for an envelope under an action; -1 bad */
static int
parent_mda_method(const struct cfg_action *a, const struct envelope *evp,
    uint32_t *m)
{
	if (a->type == CFG_ACTION_RELAY)
		return -1;
	switch (evp->dest_type) {
	case ENVELOPE_DEST_FILE:
		*m = IPC_LOCAL_FILE;
		return evp->dest[0] == '/' ? 0 : -1;
	case ENVELOPE_DEST_COMMAND:
		*m = IPC_LOCAL_COMMAND;
		return evp->dest[0] != '\0' ? 0 : -1;
	case ENVELOPE_DEST_ADDRESS:
		break;
	default:
		return -1;
	}
	switch (a->type) {
	case CFG_ACTION_MAILDIR:
		*m = IPC_LOCAL_MAILDIR;
		return 0;
	case CFG_ACTION_MBOX:
		*m = IPC_LOCAL_MBOX;
		return 0;
	case CFG_ACTION_MDA:
		*m = IPC_LOCAL_MDA;
		return 0;
	case CFG_ACTION_LMTP:
		*m = IPC_LOCAL_LMTP;
		return 0;
	default:
		return -1;
	}
}

/* parent_mda_refuse - a request the checks refuse: answered; -1 */
static int __attribute__((format(printf, 2, 3)))
parent_mda_refuse(struct parent_mda_job *job, const char *fmt, ...)
{
	char	text[ERRTEXT_MAX];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	parent_mda_done(job, IPC_DLV_PERMFAIL, 1, text);
	return -1;
}

/* parent_mda_fd_ok - the message: a regular file opened to be read */
static int
parent_mda_fd_ok(int fd)
{
	struct stat	sb;
	int		fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 || (fl & O_PATH) ||
	    (fl & O_ACCMODE) != O_RDONLY)
		return 0;
	return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

/*
 * parent_mda_check - may this envelope be delivered at all: one the
 * rules of the parent's configuration can make, with a message to
 * read; 0, or -1 once the refusal is answered
 */
static int
parent_mda_check(struct parent_mda_job *job)
{
	const struct envelope	*evp = &job->evp;
	const struct cfg_action	*a;
	const char		*why;

	if ((a = cfg_action_find(job->env->cfg, evp->dispatcher)) == NULL)
		return parent_mda_refuse(job, "no action %s", evp->dispatcher);
	job->action = a;
	if (parent_mda_method(a, evp, &job->method) == -1)
		return parent_mda_refuse(job, "destination does not fit "
		    "action %s", a->name);
	if (evp->evpid == 0 || evp->user[0] == '\0')
		return parent_mda_refuse(job, "envelope without id or user");
	if ((why = envelope_rule_check(job->env->cfg, evp)) != NULL)
		return parent_mda_refuse(job, "action %s: %s", a->name, why);
	if (!parent_mda_fd_ok(job->msg_fd))
		return parent_mda_refuse(job, "message descriptor refused");
	job->forward = (job->method == IPC_LOCAL_FILE ||
	    job->method == IPC_LOCAL_COMMAND) &&
	    envelope_rule_origin(a, evp) == ENVELOPE_ORIGIN_FORWARD;
	return 0;
}

/* parent_mda_split - user and domain parts of addr into u and d */
static void
parent_mda_split(const char *addr, char *u, char *d, size_t sz)
{
	const char	*at = strrchr(addr, '@');
	size_t		 n = at ? (size_t)(at - addr) : strlen(addr);

	if (n >= sz)
		n = sz - 1;
	memcpy(u, addr, n);
	u[n] = '\0';
	(void)strlcpy(d, at ? at + 1 : "", sz);
}

/*
 * parent_mda_expand - the action's maildir path, mda command or lmtp
 * destination with its format specifiers expanded (sanitised unless
 * ":raw") for the account the agent runs as, into run->target; 0, or
 * -1 and why
 */
static int
parent_mda_expand(const struct parent_mda_job *job,
    const struct parent_account *acct, struct msg_local_run *run, char *err,
    size_t errsz)
{
	const struct cfg_action	*a = job->action;
	const struct envelope	*evp = &job->evp;
	const char		*spec = NULL;
	struct fmt_ctx		 ctx;
	char			 su[ADDR_MAX], sd[ADDR_MAX], ru[ADDR_MAX];
	char			 rd[ADDR_MAX], du[ADDR_MAX], dd[ADDR_MAX];

	if (job->method == IPC_LOCAL_MAILDIR)
		spec = a->maildir_path;
	else if (job->method == IPC_LOCAL_MDA)
		spec = a->mda_command;
	else if (job->method == IPC_LOCAL_LMTP)
		spec = a->lmtp_dest;
	if (spec == NULL)
		return 0;
	parent_mda_split(evp->sender, su, sd, sizeof(su));
	parent_mda_split(evp->rcpt, ru, rd, sizeof(ru));
	parent_mda_split(run->rcpt, du, dd, sizeof(du));
	memset(&ctx, 0, sizeof(ctx));
	ctx.sender_user = su;
	ctx.sender_domain = sd;
	ctx.rcpt_user = ru;
	ctx.rcpt_domain = rd;
	ctx.dest_user = du;
	ctx.dest_domain = dd;
	ctx.user_name = evp->user;
	ctx.user_dir = acct->home;
	ctx.mda = a->mda_command;
	ctx.subaddr_delim = job->env->cfg->smtp.sub_addr_delim;
	return fmt_expand(run->target, sizeof(run->target), spec, &ctx, err,
	    errsz);
}

/*
 * parent_mda_build - the agent's MSG_LOCAL_RUN for a job, now that the
 * account it runs as is known (seq is the agent's to set); 0, or -1
 * and why (a permanent failure)
 */
int
parent_mda_build(const struct parent_mda_job *job,
    const struct parent_account *acct, struct msg_local_run *run, char *err,
    size_t errsz)
{
	const struct envelope	*evp = &job->evp;
	char			 why[ERRTEXT_MAX];

	memset(run, 0, sizeof(*run));
	run->evpid = evp->evpid;
	run->method = job->method;
	run->uid = acct->uid;
	run->gid = acct->gid;
	run->fresh = job->fresh;
	run->junk = job->action->maildir_junk != 0;
	run->forward = job->forward;
	run->rcpt_to = job->action->lmtp_rcpt_to != 0;
	run->subaddr_delim = (unsigned char)job->env->cfg->smtp.sub_addr_delim;
	(void)strlcpy(run->user, evp->user, sizeof(run->user));
	(void)strlcpy(run->home, acct->home, sizeof(run->home));
	(void)strlcpy(run->shell, acct->shell, sizeof(run->shell));
	(void)strlcpy(run->sender, evp->sender, sizeof(run->sender));
	(void)strlcpy(run->orig_rcpt, evp->rcpt, sizeof(run->orig_rcpt));
	(void)strlcpy(run->rcpt, evp->dest_type == ENVELOPE_DEST_ADDRESS ?
	    evp->dest : evp->rcpt, sizeof(run->rcpt));
	if (job->method == IPC_LOCAL_FILE || job->method == IPC_LOCAL_COMMAND) {
		(void)strlcpy(run->target, evp->dest, sizeof(run->target));
		return 0;
	}
	why[0] = '\0';
	if (parent_mda_expand(job, acct, run, why, sizeof(why)) == -1) {
		(void)snprintf(err, errsz, "action %s: %s", job->action->name,
		    why);
		return -1;
	}
	return 0;
}

/* parent_on_mda_run - MSG_MDA_RUN from the queue: one local delivery */
void
parent_on_mda_run(struct ipc *c, uint32_t id, int fd, const void *payload,
    void *arg)
{
	const struct msg_mda_run	*m = payload;
	struct parent_mda_job		*job;

	(void)id;
	job = xcalloc(1, sizeof(*job));
	job->queue = c;
	job->env = parent_mda_env(arg);
	job->evp = m->evp;
	job->fresh = m->fresh == 1;
	job->msg_fd = fd;
	if (parent_mda_check(job) == -1)
		return;
	parent_agent_submit(job);
}
