/*
 * smtp_data.h - message data on the wire: strict dot-unstuffing of
 * incoming DATA and dot-stuffing of outgoing messages.
 *
 * Input: only CRLF "." CRLF ends the data; the data begins at the start
 * of a line.  A bare CR or LF, an overlong line or a NUL sets a flag but
 * never ends the data, so the session stays in step with the client and
 * a smuggled "\n.\n" cannot split one message into two.  Lines leave as
 * "\n"-terminated text.  Output: "\n"-terminated text leaves as CRLF
 * lines, dot-stuffed, followed by ".\r\n".
 */
#ifndef POSTHORN_SMTP_DATA_H
#define POSTHORN_SMTP_DATA_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_DATA_BARE_EOL	0x01	/* a bare CR or LF was seen */
#define SMTP_DATA_LINE_TOO_LONG	0x02	/* a line over SMTP_TEXT_LINE_MAX */
#define SMTP_DATA_NUL		0x04	/* a NUL octet was seen */
#define SMTP_DATA_8BIT		0x08	/* an octet over 127 was seen */

enum smtp_data_in_state {
	SMTP_DATA_IN_BOL,	/* at the start of a line */
	SMTP_DATA_IN_DOT,	/* a "." at the start of a line */
	SMTP_DATA_IN_DOTCR,	/* "." CR at the start of a line */
	SMTP_DATA_IN_TEXT,	/* inside a line */
	SMTP_DATA_IN_CR,	/* CR inside a line */
	SMTP_DATA_IN_DONE	/* CRLF "." CRLF consumed */
};

struct smtp_data_in {
	enum smtp_data_in_state	 state;
	int			 flags;		/* SMTP_DATA_* */
	size_t			 linelen;	/* wire octets of this line */
	uint64_t		 size;		/* unstuffed octets, CRLF = 2 */
};

struct smtp_data_out {
	int	bol;		/* at the start of a line */
	int	cr;		/* a CR is held back */
};

void	smtp_data_in_init(struct smtp_data_in *);
int	smtp_data_in_feed(struct smtp_data_in *, const char *in, size_t inlen,
	    size_t *consumed, char *out, size_t outsz, size_t *outlen);

void	smtp_data_out_init(struct smtp_data_out *);
void	smtp_data_stuff(struct smtp_data_out *, const char *in, size_t inlen,
	    size_t *consumed, char *out, size_t outsz, size_t *outlen);
int	smtp_data_stuff_end(struct smtp_data_out *, char *out, size_t outsz,
	    size_t *outlen);

#endif
