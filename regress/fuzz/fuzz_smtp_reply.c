/*
 * fuzz_smtp_reply.c - the SMTP reply parser: the input is split into
 * lines at LF (a CR before it removed) and fed until the reply is done
 * or malformed; what was kept must stay within its bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp_reply.h"
#include "fuzz.h"

/* fuzz_smtp_reply_check - the parser's state respects its limits */
static void
fuzz_smtp_reply_check(const struct smtp_reply_parser *p)
{
	size_t	i;

	if (p->nlines > SMTP_REPLY_LINES_MAX ||
	    p->textlen > SMTP_REPLY_TEXT_MAX ||
	    memchr(p->enhanced, '\0', sizeof(p->enhanced)) == NULL)
		abort();
	for (i = 0; i < p->nlines; i++)
		if (smtp_reply_line(p, i) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply_parser	 p;
	const char			*s = (const char *)data, *nl;
	size_t				 len;
	enum smtp_reply_status		 st = SMTP_REPLY_MORE;

	smtp_reply_init(&p);
	while (size > 0 && st == SMTP_REPLY_MORE) {
		nl = memchr(s, '\n', size);
		len = nl != NULL ? (size_t)(nl - s) : size;
		st = smtp_reply_feed(&p, s, len > 0 && s[len - 1] == '\r' ?
		    len - 1 : len);
		fuzz_smtp_reply_check(&p);
		len = nl != NULL ? len + 1 : len;
		s += len;
		size -= len;
	}
	if (st == SMTP_REPLY_DONE && (p.code < 200 || p.code > 599))
		abort();
	return 0;
}
