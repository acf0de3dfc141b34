/*
 * relay_text.c - the pure pieces of the relay client that are its own:
 * the domain of a recipient and the result texts the queue turns into
 * bounces ("host NAME said: REPLY").  Paths, the AUTH PLAIN token and
 * the verdicts of replies are the client engine's (smtp_client.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "smtp_client.h"

/* relay_text_domain - the domain of user@domain, brackets kept; 0 / -1 */
int
relay_text_domain(const char *addr, char *buf, size_t bufsz)
{
	const char	*at;

	if ((at = strrchr(addr, '@')) == NULL || at[1] == '\0')
		return -1;
	if (strlcpy(buf, at + 1, bufsz) >= bufsz)
		return -1;
	return 0;
}

/*
 * relay_text_remote - "host NAME said: CODE [ENH] TEXT", the form the
 * queue's bounces quote; -1 when truncated (the text is still set)
 */
int
relay_text_remote(char *buf, size_t bufsz, const char *host, int code,
    const char *enhanced, const char *text)
{
	int	n;

	n = snprintf(buf, bufsz, "host %s said: %03d%s%s%s%s", host, code,
	    enhanced[0] ? " " : "", enhanced, text[0] ? " " : "", text);
	smtp_client_text_clean(buf);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

/* relay_text_fmt - a result text, cut to the buffer when too long */
void
relay_text_fmt(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
}
