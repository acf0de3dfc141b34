/*
 * smtpd_run.h - smtpd(8)'s start, with the role entry points as a table
 * (proc_entries()), so that a test build can replace one of them.
 */
#ifndef POSTHORN_SMTPD_RUN_H
#define POSTHORN_SMTPD_RUN_H

#include "proc.h"

int	smtpd_run(int argc, char *argv[], const struct proc_main *mains);

#endif
