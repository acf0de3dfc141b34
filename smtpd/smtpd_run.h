/*
 * smtpd_run.h - smtpd(8)'s start, with the role entry points as a table,
 * so that the program and test builds share everything but that table.
 */
#ifndef POSTHORN_SMTPD_RUN_H
#define POSTHORN_SMTPD_RUN_H

#include "proc.h"

/* smtpd(8)'s roles, ending with a NULL main (smtpd_roles.c) */
extern const struct proc_main smtpd_mains[];

int	smtpd_run(int argc, char *argv[], const struct proc_main *mains);

#endif
