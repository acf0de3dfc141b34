/*
 * main.c - smtpd(8).
 */
#include "smtpd_run.h"

/* main - smtpd(8): its own role table, then smtpd_run() */
int
main(int argc, char *argv[])
{
	return smtpd_run(argc, argv, smtpd_mains);
}
