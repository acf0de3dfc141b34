/*
 * local_result.c - the outcome every local delivery method reports: a
 * status and a one-line reason fit for a log line and a bounce, and
 * the directory whose sync the success still waits for (a Maildir's
 * new/: its caller syncs it, once for all the files it linked there).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "local.h"

/* local_result_set - set status and a one-line reason; returns status */
enum local_status
local_result_set(struct local_result *res, enum local_status status,
    const char *fmt, ...)
{
	va_list	 ap;
	size_t	 i;

	res->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	for (i = 0; res->reason[i] != '\0'; i++) {
		if ((unsigned char)res->reason[i] < 0x20 ||
		    (unsigned char)res->reason[i] >= 0x7f)
			res->reason[i] = '?';
	}
	return status;
}

/* local_result_init - no outcome yet, no directory to sync */
void
local_result_init(struct local_result *res)
{
	memset(res, 0, sizeof(*res));
	res->sync_dir = -1;
}

/*
 * local_result_sync - fsync the directory a success waits for and close
 * it; a failure turns the result into a temporary one.  0, or -1.
 */
int
local_result_sync(struct local_result *res)
{
	int	 r = 0;

	if (res->sync_dir == -1)
		return 0;
	if (res->status == LOCAL_OK && (r = fsync(res->sync_dir)) == -1)
		(void)local_result_set(res, LOCAL_TEMPFAIL,
		    "maildir fsync new: %s", strerror(errno));
	close(res->sync_dir);
	res->sync_dir = -1;
	return r;
}
