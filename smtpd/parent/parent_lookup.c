/*
 * parent_lookup.c - what the root parent does for the lookup process:
 * check a system account's password (MSG_AUTH_SYSTEM) and open a
 * user's ~/.forward (MSG_FORWARD_OPEN).  Neither runs in the parent's
 * event loop: each request is one short-lived child (parent_helper.c)
 * with a time limit, so a slow hash, a hung NSS source or a home on a
 * hung file system delays that one request, never the parent.  A
 * request over the limit is answered as a temporary failure, and so is
 * every request of the same kind for that user during the next
 * PARENT_LOOKUP_HUNG_TIME seconds, without a child: a user cannot keep
 * a pool full with a ~/.forward that never opens.
 *
 * AUTH is refused, before any hash is computed, for uid 0 and for an
 * account whose password is empty, locked or expired
 * (parent_lookup_auth_refusal).  A ~/.forward is opened by a child that
 * has become its user, with O_NOFOLLOW and without O_NONBLOCK (a FIFO
 * then waits like a hung file system and meets the time limit); it
 * must be a regular file owned by the user and not writable by group or
 * others.  Its text, less than IPC_FORWARD_MAX bytes, is copied into a
 * memory file, which is what the lookup receives: the lookup never
 * reads from the user's file system.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "parent.h"
#include "pwhash.h"
#include "xmalloc.h"

#define PARENT_LOOKUP_AUTH_MAX		4	/* password checks at once */
#define PARENT_LOOKUP_FORWARD_MAX	16	/* ~/.forward opens at once */
#define PARENT_LOOKUP_HUNG_MAX		32	/* users remembered as hung */
#define PARENT_LOOKUP_HUNG_TIME		60	/* seconds they are not tried */

/* A user whose last request met the time limit, and until when. */
struct parent_lookup_hung {
	char	user[ADDR_MAX];
	time_t	until;
};

/*
 * A kind of request: its pool of children, what they run and report,
 * and its users that hung lately, whose requests fail at once, so that
 * one user's hung home or hash cannot keep the pool full.
 */
struct parent_lookup_kind {
	struct parent_helper_pool	 pool;
	void				(*child)(void *, int);
	void				(*done)(void *,
					    enum parent_helper_status,
					    const void *, int);
	struct parent_lookup_hung	 hung[PARENT_LOOKUP_HUNG_MAX];
};

/* One request of the lookup, kept until its child has answered. */
struct parent_lookup_req {
	struct parent_lookup_kind	*kind;
	struct ipc			*c;
	uint32_t			 id;
	uint64_t			 reqid;
	int				 hung;	/* failed at once */
	char				 user[ADDR_MAX];
	char				 pass[512];	/* AUTH only */
};

/* What a child answers (at most PARENT_HELPER_ANSWER_MAX bytes). */
struct parent_lookup_answer {
	int32_t		 status;	/* auth: 1/0/-1; forward: IPC_FORWARD_* */
	char		 why[48];	/* a refusal's reason, or "" */
};

static void	parent_lookup_on_auth(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	parent_lookup_on_forward(struct ipc *, uint32_t, int,
		    const void *, void *);

const struct ipc_handler parent_lookup_handlers[] = {
	{ MSG_AUTH_SYSTEM,	parent_lookup_on_auth },
	{ MSG_FORWARD_OPEN,	parent_lookup_on_forward },
	{ MSG_NONE,		NULL }
};

/*
 * parent_lookup_auth_refusal - why an account may not log in with a
 * password at all, or NULL: uid 0, an empty or locked hash ("", "!",
 * "!!", "*", "!$6$..."), an expired account or password (shadow(5)
 * fields, -1 when unset; today in days since the epoch)
 */
const char *
parent_lookup_auth_refusal(uid_t uid, const char *hash, const struct spwd *sp,
    long today)
{
	if (uid == 0)
		return "uid 0";
	if (hash == NULL || *hash == '\0')
		return "no password";
	if (*hash == '!' || *hash == '*')
		return "locked";
	if (sp == NULL)
		return NULL;
	if (sp->sp_expire > 0 && today >= sp->sp_expire)
		return "account expired";
	if (sp->sp_lstchg == 0 || (sp->sp_lstchg > 0 && sp->sp_max >= 0 &&
	    today >= sp->sp_lstchg + sp->sp_max))
		return "password expired";
	return NULL;
}

/* parent_lookup_auth_check - in the child: 1 if pass is user's password */
static int
parent_lookup_auth_check(const char *user, const char *pass,
    struct parent_lookup_answer *a)
{
	struct passwd	*pw;
	struct spwd	*sp;
	const char	*hash, *why;

	if (*user == '\0' || *pass == '\0' || (pw = getpwnam(user)) == NULL)
		return 0;
	hash = pw->pw_passwd;
	if ((sp = getspnam(user)) != NULL)
		hash = sp->sp_pwdp;
	if ((why = parent_lookup_auth_refusal(pw->pw_uid, hash, sp,
	    (long)(time(NULL) / 86400))) != NULL) {
		strlcpy(a->why, why, sizeof(a->why));
		return 0;
	}
	return pwhash_check(pass, hash) == 1;
}

/* parent_lookup_auth_child - the child of one MSG_AUTH_SYSTEM */
static void
parent_lookup_auth_child(void *arg, int sock)
{
	struct parent_lookup_req	*req = arg;
	struct parent_lookup_answer	 a;

	memset(&a, 0, sizeof(a));
	a.status = parent_lookup_auth_check(req->user, req->pass, &a);
	explicit_bzero(req->pass, sizeof(req->pass));
	(void)parent_helper_answer(sock, &a, sizeof(a), -1);
}

/* parent_lookup_why - a child's reason, terminated and escaped */
static const char *
parent_lookup_why(const struct parent_lookup_answer *a, char *vis, size_t sz)
{
	char	why[sizeof(a->why)];

	memcpy(why, a->why, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	return log_vis(vis, sz, why);
}

/*
 * parent_lookup_failed - why a request fails temporarily; the user of
 * one that met the time limit is remembered as hung
 */
static const char *
parent_lookup_failed(struct parent_lookup_req *req,
    enum parent_helper_status st)
{
	struct parent_lookup_hung	*h = req->kind->hung, *slot = h;
	size_t				 i;

	if (req->hung)
		return "time limit met moments ago";
	if (st != PARENT_HELPER_TIMEOUT)
		return parent_helper_status_name(st);
	for (i = 0; i < PARENT_LOOKUP_HUNG_MAX; i++) {
		if (strcmp(h[i].user, req->user) == 0) {
			slot = &h[i];
			break;
		}
		if (h[i].until < slot->until)
			slot = &h[i];
	}
	strlcpy(slot->user, req->user, sizeof(slot->user));
	slot->until = time(NULL) + PARENT_LOOKUP_HUNG_TIME;
	return parent_helper_status_name(st);
}

/* parent_lookup_auth_done - the child's verdict, to the lookup */
static void
parent_lookup_auth_done(void *arg, enum parent_helper_status st,
    const void *answer, int fd)
{
	struct parent_lookup_req		*req = arg;
	const struct parent_lookup_answer	*a = answer;
	struct msg_auth_system_result		 r;
	char					 user[ADDR_MAX * 4];
	char					 why[256];

	(void)fd;
	memset(&r, 0, sizeof(r));
	r.reqid = req->reqid;
	r.result = st != PARENT_HELPER_OK ? -1 : a->status == 1 ? 1 : 0;
	log_vis(user, sizeof(user), req->user);
	if (st != PARENT_HELPER_OK)
		log_warnx("parent event=auth user=%s result=tempfail "
		    "error=\"%s\"", user, parent_lookup_failed(req, st));
	else if (a->status != 1 && a->why[0] != '\0')
		log_info("parent event=auth user=%s result=refused "
		    "reason=\"%s\"", user, parent_lookup_why(a, why,
		    sizeof(why)));
	if (ipc_send(req->c, MSG_AUTH_SYSTEM_RESULT, req->id, -1, &r,
	    sizeof(r)) == -1)
		log_warn("parent event=send-failed what=auth-result");
	freezero(req, sizeof(*req));
}

/* parent_lookup_refuse - a refusal with its reason; -1 */
static int
parent_lookup_refuse(struct parent_lookup_answer *a, const char *why)
{
	a->status = IPC_FORWARD_REFUSED;
	strlcpy(a->why, why, sizeof(a->why));
	return -1;
}

/* parent_lookup_forward_copy - fd's text in a memory file; fd or -1 */
static int
parent_lookup_forward_copy(int fd, struct parent_lookup_answer *a)
{
	char	buf[8192];
	size_t	total = 0;
	ssize_t	n;
	int	mfd;

	if ((mfd = memfd_create("forward", MFD_CLOEXEC)) == -1)
		return parent_lookup_refuse(a, "no memory file");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if ((total += (size_t)n) >= IPC_FORWARD_MAX) {
			close(mfd);
			return parent_lookup_refuse(a, "too large");
		}
		if (write(mfd, buf, (size_t)n) != n) {
			close(mfd);
			return parent_lookup_refuse(a, "cannot copy");
		}
	}
	if (n == -1 || lseek(mfd, 0, SEEK_SET) == -1) {
		close(mfd);
		return parent_lookup_refuse(a, "unreadable");
	}
	a->status = IPC_FORWARD_OK;
	return mfd;
}

/*
 * parent_lookup_forward_open - in the child, already the user: open
 * and check path, then copy it; the copy's fd, or -1 with a->status
 */
static int
parent_lookup_forward_open(const char *path, uid_t uid,
    struct parent_lookup_answer *a)
{
	struct stat	 st;
	int		 fd, mfd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -1;
		return parent_lookup_refuse(a, errno == ELOOP ?
		    "symbolic link" : strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		mfd = parent_lookup_refuse(a, "not a regular file");
	else if (st.st_uid != uid)
		mfd = parent_lookup_refuse(a, "not owned by the user");
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		mfd = parent_lookup_refuse(a, "writable by group or others");
	else
		mfd = parent_lookup_forward_copy(fd, a);
	close(fd);
	return mfd;
}

/* parent_lookup_forward_path - user's account and ~/.forward; NULL if none */
static struct passwd *
parent_lookup_forward_path(const char *user, char *path, size_t pathsz)
{
	struct passwd	*pw;

	if (*user == '\0' || strchr(user, '/') != NULL ||
	    (pw = getpwnam(user)) == NULL || pw->pw_dir[0] != '/' ||
	    snprintf(path, pathsz, "%s/.forward", pw->pw_dir) >= (int)pathsz)
		return NULL;
	return pw;
}

/* parent_lookup_forward_child - the child of one MSG_FORWARD_OPEN */
static void
parent_lookup_forward_child(void *arg, int sock)
{
	struct parent_lookup_req	*req = arg;
	struct parent_lookup_answer	 a;
	struct passwd			*pw;
	char				 path[PATH_MAX_CFG];
	int				 fd = -1;

	memset(&a, 0, sizeof(a));
	a.status = IPC_FORWARD_NONE;
	if ((pw = parent_lookup_forward_path(req->user, path,
	    sizeof(path))) == NULL)
		;	/* no such account or home: no ~/.forward */
	else if (pw->pw_uid != geteuid() && (parent_helper_become(pw->pw_name,
	    pw->pw_uid, pw->pw_gid, 1) == -1 ||
	    parent_helper_orphan_guard() == -1))
		(void)parent_lookup_refuse(&a, "cannot become the user");
	else
		fd = parent_lookup_forward_open(path, pw->pw_uid, &a);
	(void)parent_helper_answer(sock, &a, sizeof(a), fd);
}

/* parent_lookup_forward_status - a child's answer as IPC_FORWARD_* */
static int32_t
parent_lookup_forward_status(enum parent_helper_status st,
    const struct parent_lookup_answer *a, int fd)
{
	if (st != PARENT_HELPER_OK)
		return IPC_FORWARD_TEMPFAIL;
	if (a->status == IPC_FORWARD_OK)
		return fd != -1 ? IPC_FORWARD_OK : IPC_FORWARD_TEMPFAIL;
	return a->status == IPC_FORWARD_REFUSED ? IPC_FORWARD_REFUSED :
	    IPC_FORWARD_NONE;
}

/* parent_lookup_forward_done - the child's answer, to the lookup */
static void
parent_lookup_forward_done(void *arg, enum parent_helper_status st,
    const void *answer, int fd)
{
	struct parent_lookup_req	*req = arg;
	struct msg_forward_fd		 r;
	char				 user[ADDR_MAX * 4], why[256];

	memset(&r, 0, sizeof(r));
	r.reqid = req->reqid;
	r.status = parent_lookup_forward_status(st, answer, fd);
	log_vis(user, sizeof(user), req->user);
	if (r.status == IPC_FORWARD_TEMPFAIL)
		log_warnx("parent event=forward user=%s result=tempfail "
		    "error=\"%s\"", user, st != PARENT_HELPER_OK ?
		    parent_lookup_failed(req, st) : "no file in the answer");
	else if (r.status == IPC_FORWARD_REFUSED)
		log_warnx("parent event=forward user=%s result=refused "
		    "error=\"%s\"", user, parent_lookup_why(answer, why,
		    sizeof(why)));
	if (ipc_send(req->c, MSG_FORWARD_FD, req->id, r.status ==
	    IPC_FORWARD_OK ? fd : -1, &r, sizeof(r)) == -1)
		log_warn("parent event=send-failed what=forward-answer");
	if (fd != -1)
		close(fd);
	free(req);
}

static struct parent_lookup_kind parent_lookup_auth = {
	.pool = { .name = "auth", .max = PARENT_LOOKUP_AUTH_MAX,
	    .limit = PARENT_HELPER_LIMIT },
	.child = parent_lookup_auth_child,
	.done = parent_lookup_auth_done,
};
static struct parent_lookup_kind parent_lookup_forward = {
	.pool = { .name = "forward", .max = PARENT_LOOKUP_FORWARD_MAX,
	    .limit = PARENT_HELPER_LIMIT },
	.child = parent_lookup_forward_child,
	.done = parent_lookup_forward_done,
};

/* parent_lookup_hung - user's last request of kind k hung lately */
static int
parent_lookup_hung(const struct parent_lookup_kind *k, const char *user)
{
	time_t	now = time(NULL);
	size_t	i;

	for (i = 0; i < PARENT_LOOKUP_HUNG_MAX; i++)
		if (k->hung[i].until > now && strcmp(k->hung[i].user,
		    user) == 0)
			return 1;
	return 0;
}

/*
 * parent_lookup_run - one request of the lookup, for a child of its
 * kind, or failed at once when its user hung lately; pass (or NULL)
 * goes along and is wiped from where it came from
 */
static void
parent_lookup_run(struct parent_lookup_kind *k, struct ipc *c, uint32_t id,
    uint64_t reqid, const char *user, char *pass, size_t passsz)
{
	struct parent_lookup_req	*req;
	struct parent_helper_req	 h;

	req = xcalloc(1, sizeof(*req));
	req->kind = k;
	req->c = c;
	req->id = id;
	req->reqid = reqid;
	strlcpy(req->user, user, sizeof(req->user));
	if (pass != NULL) {
		strlcpy(req->pass, pass, sizeof(req->pass));
		explicit_bzero(pass, passsz);
	}
	if ((req->hung = parent_lookup_hung(k, req->user))) {
		k->done(req, PARENT_HELPER_TIMEOUT, NULL, -1);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.child = k->child;
	h.done = k->done;
	h.arg = req;
	h.answer_size = sizeof(struct parent_lookup_answer);
	parent_helper_run(&k->pool, &h);
}

/*
 * parent_lookup_on_auth - MSG_AUTH_SYSTEM: check in a child; the
 * password is wiped from the received frame at once, and from the
 * request once answered
 */
static void
parent_lookup_on_auth(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct msg_auth_system	*m = (void *)msg;

	(void)fd;
	(void)arg;
	parent_lookup_run(&parent_lookup_auth, c, id, m->reqid, m->user,
	    m->pass, sizeof(m->pass));
}

/* parent_lookup_on_forward - MSG_FORWARD_OPEN: open it in a child */
static void
parent_lookup_on_forward(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_forward_open	*m = msg;

	(void)fd;
	(void)arg;
	parent_lookup_run(&parent_lookup_forward, c, id, m->reqid, m->user,
	    NULL, 0);
}
