/*
 * parent_lookup.c - what the root parent does for the lookup process:
 * check a system account's password (MSG_AUTH_SYSTEM) and open a
 * user's ~/.forward (MSG_FORWARD_OPEN).  Kept small: this is root.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "ipc.h"
#include "log.h"
#include "parent.h"
#include "passwd.h"

#define PARENT_FORWARD_NONE	1	/* msg_forward_fd.status: no file */
#define PARENT_FORWARD_REFUSED	(-1)	/* unsafe file */

static void	parent_lookup_on_auth(struct ipc *, uint32_t, int, const void *,
		    void *);
static void	parent_lookup_on_forward(struct ipc *, uint32_t, int,
		    const void *, void *);

const struct ipc_handler parent_lookup_handlers[] = {
	{ MSG_AUTH_SYSTEM,	parent_lookup_on_auth },
	{ MSG_FORWARD_OPEN,	parent_lookup_on_forward },
	{ MSG_NONE,		NULL }
};

/* parent_lookup_auth_check - 1 if pass is user's system password */
static int
parent_lookup_auth_check(const char *user, const char *pass)
{
	struct passwd	*pw;
	struct spwd	*sp;
	const char	*hash;

	if (*user == '\0' || *pass == '\0' || (pw = getpwnam(user)) == NULL)
		return 0;
	hash = pw->pw_passwd;
	if ((sp = getspnam(user)) != NULL)
		hash = sp->sp_pwdp;
	return passwd_check(pass, hash) == 1;
}

/*
 * parent_lookup_on_auth - MSG_AUTH_SYSTEM: check and answer; the
 * password is wiped from the received frame as soon as it was used.
 */
static void
parent_lookup_on_auth(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct msg_auth_system		*m = (struct msg_auth_system *)msg;
	struct msg_auth_system_result	 r;

	(void)fd;
	(void)arg;
	memset(&r, 0, sizeof(r));
	r.reqid = m->reqid;
	r.result = parent_lookup_auth_check(m->user, m->pass);
	explicit_bzero(m->pass, sizeof(m->pass));
	if (ipc_send(c, MSG_AUTH_SYSTEM_RESULT, id, -1, &r, sizeof(r)) == -1)
		log_warn("parent: auth result");
}

/* parent_lookup_forward_open - ~user/.forward: fd, or -1 with *status */
static int
parent_lookup_forward_open(const char *user, int *status)
{
	struct passwd	*pw;
	struct stat	 st;
	char		 path[PATH_MAX_CFG];
	int		 fd;

	*status = PARENT_FORWARD_NONE;
	if (*user == '\0' || strchr(user, '/') != NULL ||
	    (pw = getpwnam(user)) == NULL || pw->pw_dir[0] != '/')
		return -1;
	if (snprintf(path, sizeof(path), "%s/.forward", pw->pw_dir) >=
	    (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			*status = PARENT_FORWARD_REFUSED;
		return -1;
	}
	if (fstat(fd, &st) == -1 || !aliases_forward_safe(&st, pw->pw_uid)) {
		log_warnx("parent: %s ignored: not a safe regular file", path);
		close(fd);
		*status = PARENT_FORWARD_REFUSED;
		return -1;
	}
	*status = 0;
	return fd;
}

/* parent_lookup_on_forward - MSG_FORWARD_OPEN: answer with the fd */
static void
parent_lookup_on_forward(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_forward_open	*m = msg;
	struct msg_forward_fd		 r;
	int				 ffd;

	(void)fd;
	(void)arg;
	memset(&r, 0, sizeof(r));
	r.reqid = m->reqid;
	ffd = parent_lookup_forward_open(m->user, &r.status);
	if (ipc_send(c, MSG_FORWARD_FD, id, ffd, &r, sizeof(r)) == -1)
		log_warn("parent: forward answer");
	if (ffd != -1)
		close(ffd);
}
