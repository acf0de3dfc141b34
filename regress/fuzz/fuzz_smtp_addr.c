/*
 * fuzz_smtp_addr.c - the address parser: the first octet chooses the
 * flags (SMTP_ADDR_F_*), the rest is a path as MAIL or RCPT give it.
 * An address that parses must format to one that parses the same.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp_addr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_addr	 a, b;
	char			err[ERRTEXT_MAX];
	char			 buf[ADDR_MAX + 8];
	size_t			 used;
	int			 flags;

	if (size < 1)
		return 0;
	flags = data[0] & (SMTP_ADDR_F_MAIL | SMTP_ADDR_F_RCPT |
	    SMTP_ADDR_F_UTF8);
	if (smtp_addr_parse((const char *)data + 1, size - 1, flags, &a,
	    &used, err, sizeof(err)) != 0)
		return 0;
	if (used > size - 1 || smtp_addr_format(&a, buf, sizeof(buf)) != 0)
		abort();
	if (smtp_addr_parse(buf, strlen(buf), flags, &b, &used,
	    err, sizeof(err)) != 0 || used != strlen(buf) ||
	    strcmp(a.text, b.text) != 0 || a.kind != b.kind)
		abort();
	smtp_addr_domain_valid((const char *)data + 1, size - 1,
	    flags & SMTP_ADDR_F_UTF8);
	return 0;
}
