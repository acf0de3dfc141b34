/*
 * lookup_fchain.c - the requests that wait for filter processes.  No
 * phase asks a process yet: a line after its registration is ignored
 * (and logged by the caller).
 */
#include "lookup_fproc.h"

/* lookup_fchain_proc_down - a process went down: nothing waits on it */
void
lookup_fchain_proc_down(struct lookup_fproc *lf)
{
	(void)lf;
}

/* lookup_fchain_result - a line of a ready process: -1, not expected */
int
lookup_fchain_result(struct lookup_fproc *lf, const char *line)
{
	(void)lf;
	(void)line;
	return -1;
}
