/*
 * sendmail.h - the local enqueuer's state, shared by its files.
 */
#ifndef POSTHORN_SENDMAIL_H
#define POSTHORN_SENDMAIL_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "defs.h"

#define SENDMAIL_RCPT_MAX	1000	/* recipients of one message */
#define SENDMAIL_HDR_MAX	(256 * 1024)	/* the header block */

struct cfg;

struct sendmail {
	int		 opt_t;		/* -t: recipients from the headers */
	int		 opt_i;		/* -i, -oi: a lone "." is data */
	int		 mode;		/* 'm' send, 'p' mailq, 'i' newaliases,
					   's' SMTP on stdin/stdout */
	const char	*from;		/* -f */
	const char	*fullname;	/* -F, or the account's GECOS */
	const char	*conf;		/* -C */
	struct cfg	*cfg;
	char		 spool[PATH_MAX_CFG];
	size_t		 max_size;
	char		 host[HOST_MAX];
	char		 login[NAME_MAX_CFG];
	char		 sender[ADDR_MAX];	/* "" is <> */
	char		*rcpt[SENDMAIL_RCPT_MAX];
	size_t		 nrcpt;
	struct buf	 msg;		/* the complete message, "\n" lines */
	int		 untaken;	/* the daemon certainly has not got it */
};

/* sendmail_msg.c */
int	sendmail_qualify(const struct sendmail *, const char *, char *, size_t);
int	sendmail_rcpt_add(struct sendmail *, const char *);
int	sendmail_read(struct sendmail *, FILE *);
int	sendmail_addrs(struct sendmail *, const char *, size_t);

/* sendmail_submit.c */
int	sendmail_submit(struct sendmail *);
int	sendmail_offline(struct sendmail *);
int	sendmail_stdio(struct sendmail *);

int	sendmail_run(int, char *[]);

#endif
