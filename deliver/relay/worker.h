/*
 * worker.h - the deliver role's entry point (worker.c), for smtpd(8)'s
 * role table.
 */
#ifndef POSTHORN_WORKER_H
#define POSTHORN_WORKER_H

struct proc_env;

int	worker_main(struct proc_env *);

#endif
