/*
 * relay_worker.h - the deliver role's entry point (relay_worker.c), for smtpd(8)'s
 * role table.
 */
#ifndef POSTHORN_RELAY_WORKER_H
#define POSTHORN_RELAY_WORKER_H

struct proc_env;

int	relay_worker_main(struct proc_env *);

#endif
