/*
 * smtp_data.c - strict dot-unstuffing and dot-stuffing of message data.
 *
 * The unstuffer is a byte-at-a-time state machine whose state is a few
 * words whatever the input, so DATA may arrive in any segmentation.  Each
 * step emits at most one octet; a step that needs to emit an octet for a
 * byte it has not consumed yet (a bare CR before some other byte) emits
 * it and looks at the byte again in the next step.
 */
#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "smtp_data.h"

/* smtp_data_in_init - ready to read data right after the 354 reply */
void
smtp_data_in_init(struct smtp_data_in *st)
{
	st->state = SMTP_DATA_IN_BOL;
	st->flags = 0;
	st->linelen = 0;
	st->size = 0;
}

/*
 * smtp_data_in_note - flags and line length for one consumed octet of
 * text (RFC 5321 4.5.3.1.6: 1000 octets with CRLF, without the dot)
 */
static void
smtp_data_in_note(struct smtp_data_in *st, unsigned char c)
{
	if (c == '\0')
		st->flags |= SMTP_DATA_NUL;
	else if (c > 127)
		st->flags |= SMTP_DATA_8BIT;
	if (st->linelen < SIZE_MAX)
		st->linelen++;
	if (st->linelen > SMTP_TEXT_LINE_MAX)
		st->flags |= SMTP_DATA_LINE_TOO_LONG;
}

/*
 * smtp_data_in_step - one transition on octet c: sets *emit to the octet
 * to output or -1, returns whether c is consumed
 */
static int
smtp_data_in_step(struct smtp_data_in *st, unsigned char c, int *emit)
{
	*emit = -1;
	switch (st->state) {
	case SMTP_DATA_IN_BOL:
		if (c == '.') {
			st->state = SMTP_DATA_IN_DOT;
			return 1;
		}
		/* FALLTHROUGH */
	case SMTP_DATA_IN_DOT:
	case SMTP_DATA_IN_TEXT:
		if (c == '\r') {
			st->state = st->state == SMTP_DATA_IN_DOT ?
			    SMTP_DATA_IN_DOTCR : SMTP_DATA_IN_CR;
			return 1;
		}
		if (c == '\n')
			st->flags |= SMTP_DATA_BARE_EOL;
		st->state = SMTP_DATA_IN_TEXT;
		*emit = c;
		return 1;
	case SMTP_DATA_IN_DOTCR:
	case SMTP_DATA_IN_CR:
		if (c == '\n') {
			st->state = st->state == SMTP_DATA_IN_DOTCR ?
			    SMTP_DATA_IN_DONE : SMTP_DATA_IN_BOL;
			if (st->state == SMTP_DATA_IN_BOL)
				*emit = '\n';
			return 1;
		}
		/* a bare CR: pass it on, then look at c inside the line */
		st->flags |= SMTP_DATA_BARE_EOL;
		st->state = SMTP_DATA_IN_TEXT;
		*emit = '\r';
		return 0;
	case SMTP_DATA_IN_DONE:
		break;
	}
	return 0;
}

/*
 * smtp_data_in_feed - unstuff up to inlen octets into out; returns 1 once
 * CRLF "." CRLF has been consumed (input behind it is left alone), 0 when
 * more input or more output room is needed
 */
int
smtp_data_in_feed(struct smtp_data_in *st, const char *in, size_t inlen,
    size_t *consumed, char *out, size_t outsz, size_t *outlen)
{
	struct smtp_data_in	 save;
	size_t			 i = 0, o = 0;
	int			 emit, used;

	while (i < inlen && st->state != SMTP_DATA_IN_DONE) {
		save = *st;
		used = smtp_data_in_step(st, in[i], &emit);
		if (emit != -1) {
			if (o >= outsz) {
				*st = save;
				break;
			}
			out[o++] = emit;
			st->size += emit == '\n' ? 2 : 1;
		}
		if (used) {
			/* the dot added for transparency is not text */
			if (save.state != SMTP_DATA_IN_BOL || in[i] != '.')
				smtp_data_in_note(st, in[i]);
			if (st->state == SMTP_DATA_IN_BOL)
				st->linelen = 0;
			i++;
		}
	}
	*consumed = i;
	*outlen = o;
	return st->state == SMTP_DATA_IN_DONE;
}

/* smtp_data_out_init - ready to stuff a message from its first line */
void
smtp_data_out_init(struct smtp_data_out *st)
{
	st->bol = 1;
	st->cr = 0;
}

/*
 * smtp_data_stuff - convert "\n"-terminated text into dot-stuffed CRLF
 * lines; a CR LF pair or a lone CR in the text also ends a line, so the
 * output never carries a bare CR or LF.  Stops when out is full.
 */
void
smtp_data_stuff(struct smtp_data_out *st, const char *in, size_t inlen,
    size_t *consumed, char *out, size_t outsz, size_t *outlen)
{
	size_t	 i = 0, o = 0;
	char	 c;

	while (i < inlen && outsz - o >= 2) {
		c = in[i];
		if (st->cr || c == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			st->bol = 1;
			if (st->cr && c != '\n') {
				st->cr = 0;
				continue;
			}
			st->cr = 0;
		} else if (c == '\r') {
			st->cr = 1;
		} else {
			if (st->bol && c == '.')
				out[o++] = '.';
			out[o++] = c;
			st->bol = 0;
		}
		i++;
	}
	*consumed = i;
	*outlen = o;
}

/*
 * smtp_data_stuff_end - finish the last line if needed and append the
 * terminating ".\r\n"; -1 (nothing written) if out is too small
 */
int
smtp_data_stuff_end(struct smtp_data_out *st, char *out, size_t outsz,
    size_t *outlen)
{
	size_t	o = 0;

	if (outsz < (st->bol && !st->cr ? 3u : 5u))
		return -1;
	if (!st->bol || st->cr) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	st->bol = 1;
	st->cr = 0;
	*outlen = o;
	return 0;
}
