/*
 * lookup_medit.h - a message as milters see it and as they change it.
 * Pure code: no I/O.
 *
 * The message is the one spooled: header lines, an empty line, the body;
 * LF line ends, no dot-stuffing.  A header field is a line "Name:" (the
 * name printable ASCII without ':', blanks allowed before the colon)
 * and the lines after it that begin with a space or a tab.  The header
 * section ends at the empty line (the body follows it), or, as Postfix
 * has it, at the first line that does not belong to a header field
 * (the body begins with that line), or at the end of the message.
 *
 * What a milter is sent (lookup_medit_headers): each field's name
 * without the blanks before the colon, and its value as Postfix and
 * Sendmail send it: the first space after the colon removed (not a
 * tab; kept when the milter negotiated HDR_LEADSPC), folded lines joined
 * by "\n", no line end after the last line.  The body goes in BODY
 * chunks with CRLF line ends (lookup_medit_crlf); a chunk of at most
 * LOOKUP_MPROTO_CHUNK / 2 octets always fits one packet.
 *
 * What a milter changes at the end of the message, applied as Postfix
 * applies it, in the order received, each edit to the header as the
 * edits before it left it (Postfix rewrites its queue file at once):
 *   ADDHEADER	appends a field after the last one.
 *   INSHEADER	index 0 puts the field before the first one, n after the
 *		n-th; an index past the end appends.
 *   CHGHEADER	index n (1-based) is the n-th field of that name, the
 *		name compared without regard to case; 0 counts as 1
 *		(Sendmail's and Postfix's rule).  A value replaces the
 *		field, an empty value deletes it; an index past the last
 *		field of that name appends a new field (Sendmail's and
 *		Postfix's rule), or does nothing for a deletion.
 *   REPLBODY	replaces the whole body; chunks concatenate, and must
 *		follow one another (as Postfix requires).  CRLF becomes
 *		LF; a last line without a line end gets one.
 * Indexes count every field of the message given, so a caller that
 * hides a field of its own from the milter (Postfix hides its Received:
 * line) passes the message without it and adds it back afterwards.
 * A value a milter folds with CRLF or LF is stored with LF; every line
 * after the first must begin with a space or a tab and hold more than
 * blanks (lookup_mproto_value_valid).  A field is written "Name: value"
 * and a line end: one space after the colon unless the value begins
 * with a blank.  The header section of an edited message ends with an
 * empty line whenever a body follows.
 */
#ifndef POSTHORN_LOOKUP_MEDIT_H
#define POSTHORN_LOOKUP_MEDIT_H

#include <stddef.h>

#include "buf.h"
#include "lookup_mproto.h"

/* edits of one message at most, and the octets they may carry */
#define LOOKUP_MEDIT_EDITS_MAX		4096
#define LOOKUP_MEDIT_SIZE_DEFAULT	(64 * 1024 * 1024)
/* header fields of a message that takes header edits, at most */
#define LOOKUP_MEDIT_FIELDS_MAX		10000

struct lookup_medit;

struct lookup_medit	*lookup_medit_new(void);
void			 lookup_medit_free(struct lookup_medit *);
/* the octets the edits may carry at most (LOOKUP_MEDIT_SIZE_DEFAULT) */
void			 lookup_medit_bound(struct lookup_medit *, size_t);
/* ADDHEADER, INSHEADER, CHGHEADER, REPLBODY; -1 for anything else */
int			 lookup_medit_add(struct lookup_medit *,
			    const struct lookup_mproto_reply *, char *err,
			    size_t errsz);
/* 1 when nothing is to change */
int			 lookup_medit_empty(const struct lookup_medit *);
/*
 * the edited message into out; -1 (out left as it was) past out's cap,
 * or for header edits on a message of more than LOOKUP_MEDIT_FIELDS_MAX
 * header fields
 */
int			 lookup_medit_apply(const struct lookup_medit *,
			    const char *msg, size_t len, struct buf *out,
			    char *err, size_t errsz);

/* fn for every header field in order; -1 as soon as fn returns -1 */
int			 lookup_medit_headers(const char *msg, size_t len,
			    int (*fn)(void *, const char *name,
			    const char *value), void *arg, size_t *body_off);
/* the same, the space after the colon kept when leadspc is set */
int			 lookup_medit_fields(const char *msg, size_t len,
			    int leadspc, int (*fn)(void *, const char *name,
			    const char *value), void *arg, size_t *body_off);
/*
 * one field at a time, *off 0 at first: 1 when fn was called for the
 * field at *off, *off then past it; 0 at the end of the header section,
 * *off then the body's offset; -1 when fn returned -1
 */
int			 lookup_medit_field(const char *msg, size_t len,
			    size_t *off, int leadspc, int (*fn)(void *,
			    const char *name, const char *value), void *arg);
/* LF -> CRLF; out has 2 * len octets of room; the octets written */
size_t			 lookup_medit_crlf(const char *, size_t, char *out);

#endif
