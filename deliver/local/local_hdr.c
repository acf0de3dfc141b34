/*
 * local_hdr.c - the Return-Path/Delivered-To prefix every local method
 * writes before the message, and the loop that writes it all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "local.h"

/* local_hdr_addr_ok - an address fits one header line: no controls, bounded */
static int
local_hdr_addr_ok(const char *addr)
{
	size_t	 i;

	for (i = 0; addr[i] != '\0'; i++) {
		if (i >= ADDR_MAX - 1)
			return 0;
		if ((unsigned char)addr[i] < 0x20 || addr[i] == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * local_hdr_format - append "Return-Path: <sender>\nDelivered-To: rcpt\n"
 * to out; -1 when an address holds a control character, is longer than
 * ADDR_MAX - 1 bytes, or the result does not fit the buffer.
 */
int
local_hdr_format(struct buf *out, const char *sender, const char *rcpt)
{
	if (!local_hdr_addr_ok(sender) || !local_hdr_addr_ok(rcpt))
		return -1;
	if (rcpt[0] == '\0')
		return -1;
	return buf_printf(out, "Return-Path: <%s>\nDelivered-To: %s\n",
	    sender, rcpt);
}

/* local_hdr_writeall - write len bytes, retrying short writes; 0 / -1 */
int
local_hdr_writeall(int fd, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}
