/*
 * proc_role.h - the processes of posthorn, as IPC endpoints.
 *
 * Kept apart from proc.h so the IPC catalogue can name routes without
 * pulling in the process runner.
 */
#ifndef POSTHORN_PROC_ROLE_H
#define POSTHORN_PROC_ROLE_H

enum proc_role {
	PROC_PARENT	= 0,	/* root: binds, starts the roles and agents */
	PROC_QUEUE	= 1,	/* _posthornq, chrooted to the spool */
	PROC_SMTPD	= 2,	/* _posthorn, chrooted to an empty dir */
	PROC_RELAY	= 3,	/* _posthorn, chrooted: relay worker */
	PROC_CONTROL	= 4,	/* smtpctl, on the control socket */
	PROC_LOOKUP	= 5,	/* _posthorn: tables, rules, expansion */
	PROC_KEYS	= 6,	/* _posthorn, chrooted: the private keys */
	PROC_LOCAL	= 7,	/* one recipient: local delivery agent */
	PROC_MAX	= 8
};

#define PROC_BIT(r)	(1U << (r))
#define PROC_ANY	(PROC_BIT(PROC_MAX) - 1)

const char	*proc_role_name(enum proc_role);
int		 proc_role_parse(const char *, enum proc_role *);

#endif
