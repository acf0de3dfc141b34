/*
 * sendmail_main.c - sendmail(8), mailq(1), newaliases(1) entry point.
 */
#include "sendmail.h"

int
main(int argc, char *argv[])
{
	return sendmail_run(argc, argv);
}
