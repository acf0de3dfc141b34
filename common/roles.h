/*
 * roles.h - the entry point of each process of smtpd(8).
 *
 * Each returns the process's exit status.  The parent starts the others
 * by re-executing the program with -X ROLE.
 */
#ifndef POSTHORN_ROLES_H
#define POSTHORN_ROLES_H

struct proc_env;

int	parent_main(struct proc_env *);		/* queue/parent.c */
int	queue_main(struct proc_env *);		/* queue/queue.c */
int	srv_main(struct proc_env *);		/* smtpd/srv.c */
int	worker_main(struct proc_env *);		/* deliver/worker.c */
int	lookup_main(struct proc_env *);		/* queue/lookup.c */
int	keys_main(struct proc_env *);		/* smtpd/keys.c */

#endif
