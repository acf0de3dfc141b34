/*
 * offline.h - the local enqueuer's drop files in the spool's offline/
 * area: written by sendmail(8) while the daemon is down, parsed by the
 * queue.  The format is described at the top of offline.c.
 */
#ifndef POSTHORN_OFFLINE_H
#define POSTHORN_OFFLINE_H

#include <sys/types.h>

#include <stddef.h>

#include "defs.h"

#define OFFLINE_TMP	"tmp."		/* a file still being written */

#define OFFLINE_RCPT_MAX	1000
#define OFFLINE_HDR_MAX	\
	(64 + (SMTP_PATH_MAX + 8) * (OFFLINE_RCPT_MAX + 1))

struct offline {
	const char *name;		/* in offline/, for logs */
	unsigned  tries;		/* failures so far */
	uid_t	  uid;			/* the writer, as it claims */
	char	  sender[SMTP_PATH_MAX];
	char	(*rcpts)[SMTP_PATH_MAX];
	size_t	  nrcpt;
	size_t	  body_off;		/* where the message starts */
};

/* an offline file being written */
struct offline_tx {
	int	dirfd;			/* offline/, the caller's */
	int	fd;			/* write the message here */
	char	tmp[32];
};

int	offline_parse(struct offline *, const char *buf, size_t len,
	    char *err, size_t errsz);
void	offline_free(struct offline *);
int	offline_open(struct offline_tx *, int offline_dirfd, uid_t uid,
	    const char *sender, const char *const *rcpts, size_t nrcpt,
	    char *err, size_t errsz);
int	offline_commit(struct offline_tx *, char *err, size_t errsz);
void	offline_cancel(struct offline_tx *);
int	offline_write(int offline_dirfd, uid_t uid, const char *sender,
	    const char *const *rcpts, size_t nrcpt, const char *msg,
	    size_t msglen, char *err, size_t errsz);

#endif
