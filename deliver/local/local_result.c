/*
 * local_result.c - the outcome every local delivery method reports: a
 * status and a one-line reason fit for a log line and a bounce.
 */
#include <stdarg.h>
#include <stdio.h>

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
