/*
 * main.c - smtpd(8).
 */
#include "proc.h"
#include "smtpd_run.h"

/* main - smtpd(8): the role table its processes declared, then smtpd_run() */
int
main(int argc, char *argv[])
{
	struct proc_main	mains[PROC_MAX + 1];

	proc_entries(mains);
	return smtpd_run(argc, argv, mains);
}
