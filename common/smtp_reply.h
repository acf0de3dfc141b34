/*
 * smtp_reply.h - SMTP replies: formatting (one or more lines, each at
 * most SMTP_REPLY_LINE_MAX octets with CRLF) and a bounded incremental
 * parser for multi-line replies.
 */
#ifndef POSTHORN_SMTP_REPLY_H
#define POSTHORN_SMTP_REPLY_H

#include <stdarg.h>
#include <stddef.h>

#include "defs.h"

#define SMTP_REPLY_LINES_MAX	32	/* lines kept per reply */
#define SMTP_REPLY_TEXT_MAX	4096	/* text octets kept per reply */
#define SMTP_REPLY_ENH_MAX	16	/* "x.yyy.zzz" and its NUL */

enum smtp_reply_status {
	SMTP_REPLY_ERROR = -1,		/* malformed; see err */
	SMTP_REPLY_MORE = 0,		/* a continuation line was taken */
	SMTP_REPLY_DONE = 1		/* the last line was taken */
};

struct smtp_reply_parser {
	int		 done;
	int		 failed;
	int		 code;
	char		 enhanced[SMTP_REPLY_ENH_MAX];	/* "" when absent */
	size_t		 nlines;
	size_t		 textlen;
	size_t		 off[SMTP_REPLY_LINES_MAX];
	char		 text[SMTP_REPLY_TEXT_MAX];
	char		 err[ERRTEXT_MAX];	/* why it failed, or "" */
};

int	smtp_reply_format(char *buf, size_t bufsz, int code,
	    const char *enhanced, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
int	smtp_reply_vformat(char *buf, size_t bufsz, int code,
	    const char *enhanced, const char *fmt, va_list ap)
	    __attribute__((format(printf, 5, 0)));
int	smtp_reply_enhanced_valid(const char *s, size_t len, int code);

void	smtp_reply_init(struct smtp_reply_parser *);
enum smtp_reply_status smtp_reply_feed(struct smtp_reply_parser *,
	    const char *line, size_t len);
const char *smtp_reply_line(const struct smtp_reply_parser *, size_t);

#endif
