/*
 * lookup_mproto.h - the milter protocol (Sendmail's libmilter, version 6
 * as Postfix speaks it): the packets the lookup sends to a milter and
 * the parser of the packets a milter sends back.  Pure functions: no
 * I/O, no state.
 *
 * A packet is a 4-octet length in network order (counting the command
 * octet and the data), one command octet, then the data.  Every encoder
 * appends one whole packet to the buffer and returns 0, or returns -1
 * and leaves the buffer as it was when the packet does not fit its cap
 * or an argument is invalid.
 */
#ifndef POSTHORN_LOOKUP_MPROTO_H
#define POSTHORN_LOOKUP_MPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LOOKUP_MPROTO_VERSION		6
#define LOOKUP_MPROTO_CHUNK		65535	/* body octets per BODY */
/* a reply packet's length at most; a longer one is invalid */
#define LOOKUP_MPROTO_PACKET_MAX	(1024 * 1024)
/* an SMTP reply line, CRLF excluded (RFC 5321 4.5.3.1.5) */
#define LOOKUP_MPROTO_REPLY_LINE_MAX	510

/* commands: what the lookup sends */
#define LOOKUP_MPROTO_C_ABORT		'A'
#define LOOKUP_MPROTO_C_BODY		'B'
#define LOOKUP_MPROTO_C_CONNECT		'C'
#define LOOKUP_MPROTO_C_MACRO		'D'
#define LOOKUP_MPROTO_C_BODYEOB		'E'
#define LOOKUP_MPROTO_C_HELO		'H'
#define LOOKUP_MPROTO_C_QUIT_NC		'K'
#define LOOKUP_MPROTO_C_HEADER		'L'
#define LOOKUP_MPROTO_C_MAIL		'M'
#define LOOKUP_MPROTO_C_EOH		'N'
#define LOOKUP_MPROTO_C_OPTNEG		'O'
#define LOOKUP_MPROTO_C_QUIT		'Q'
#define LOOKUP_MPROTO_C_RCPT		'R'
#define LOOKUP_MPROTO_C_DATA		'T'
#define LOOKUP_MPROTO_C_UNKNOWN		'U'

/* replies: what a milter sends back */
#define LOOKUP_MPROTO_R_ADDRCPT		'+'
#define LOOKUP_MPROTO_R_DELRCPT		'-'
#define LOOKUP_MPROTO_R_ADDRCPT_PAR	'2'
#define LOOKUP_MPROTO_R_SHUTDOWN	'4'
#define LOOKUP_MPROTO_R_ACCEPT		'a'
#define LOOKUP_MPROTO_R_REPLBODY	'b'
#define LOOKUP_MPROTO_R_CONTINUE	'c'
#define LOOKUP_MPROTO_R_DISCARD		'd'
#define LOOKUP_MPROTO_R_CHGFROM		'e'
#define LOOKUP_MPROTO_R_CONN_FAIL	'f'
#define LOOKUP_MPROTO_R_ADDHEADER	'h'
#define LOOKUP_MPROTO_R_INSHEADER	'i'
/* the macro lists travel inside the OPTNEG reply, never on their own */
#define LOOKUP_MPROTO_R_SETSYMLIST	'l'
#define LOOKUP_MPROTO_R_CHGHEADER	'm'
#define LOOKUP_MPROTO_R_PROGRESS	'p'
#define LOOKUP_MPROTO_R_QUARANTINE	'q'
#define LOOKUP_MPROTO_R_REJECT		'r'
#define LOOKUP_MPROTO_R_SKIP		's'
#define LOOKUP_MPROTO_R_TEMPFAIL	't'
#define LOOKUP_MPROTO_R_REPLYCODE	'y'
#define LOOKUP_MPROTO_R_OPTNEG		'O'

/* actions a milter may ask for (SMFIF_*) */
#define LOOKUP_MPROTO_F_ADDHDRS		0x01
#define LOOKUP_MPROTO_F_CHGBODY		0x02
#define LOOKUP_MPROTO_F_ADDRCPT		0x04
#define LOOKUP_MPROTO_F_DELRCPT		0x08
#define LOOKUP_MPROTO_F_CHGHDRS		0x10
#define LOOKUP_MPROTO_F_QUARANTINE	0x20
#define LOOKUP_MPROTO_F_CHGFROM		0x40
#define LOOKUP_MPROTO_F_ADDRCPT_PAR	0x80
#define LOOKUP_MPROTO_F_SETSYMLIST	0x100

/* protocol steps a milter may leave out or not answer (SMFIP_*) */
#define LOOKUP_MPROTO_P_NOCONNECT	0x1
#define LOOKUP_MPROTO_P_NOHELO		0x2
#define LOOKUP_MPROTO_P_NOMAIL		0x4
#define LOOKUP_MPROTO_P_NORCPT		0x8
#define LOOKUP_MPROTO_P_NOBODY		0x10
#define LOOKUP_MPROTO_P_NOHDRS		0x20
#define LOOKUP_MPROTO_P_NOEOH		0x40
#define LOOKUP_MPROTO_P_NR_HDR		0x80
#define LOOKUP_MPROTO_P_NOUNKNOWN	0x100
#define LOOKUP_MPROTO_P_NODATA		0x200
#define LOOKUP_MPROTO_P_SKIP		0x400
#define LOOKUP_MPROTO_P_RCPT_REJ	0x800
#define LOOKUP_MPROTO_P_NR_CONN		0x1000
#define LOOKUP_MPROTO_P_NR_HELO		0x2000
#define LOOKUP_MPROTO_P_NR_MAIL		0x4000
#define LOOKUP_MPROTO_P_NR_RCPT		0x8000
#define LOOKUP_MPROTO_P_NR_DATA		0x10000
#define LOOKUP_MPROTO_P_NR_UNKN		0x20000
#define LOOKUP_MPROTO_P_NR_EOH		0x40000
#define LOOKUP_MPROTO_P_NR_BODY		0x80000
#define LOOKUP_MPROTO_P_HDR_LEADSPC	0x100000

/* address families of CONNECT */
#define LOOKUP_MPROTO_A_INET		'4'
#define LOOKUP_MPROTO_A_INET6		'6'
#define LOOKUP_MPROTO_A_UNIX		'L'
#define LOOKUP_MPROTO_A_UNKNOWN		'U'

/*
 * One reply as parsed; the pointers point into the packet.  Strings are
 * checked: a header name is printable ASCII without ':' or space, a
 * header value folds only with "\r\n" or "\n" followed by a space or a
 * tab (lookup_mproto_value_valid), an address, its ESMTP arguments and
 * a quarantine reason hold no control octet, a REPLYCODE is a 4xx or
 * 5xx SMTP reply whose lines ("\r\n" between them) all carry the same
 * code, '-' after it on every line but the last, ' ' on the last.
 */
struct lookup_mproto_reply {
	char		 kind;		/* the reply octet */
	uint32_t	 version, actions, protocol;	/* OPTNEG */
	uint32_t	 index;		/* INSHEADER, CHGHEADER */
	/*
	 * header name and value; ADDRCPT, DELRCPT, CHGFROM, ADDRCPT_PAR
	 * address and its ESMTP arguments ("" when none); REPLYCODE text;
	 * QUARANTINE reason; NULL when unused
	 */
	const char	*s1, *s2;
	const char	*data;		/* REPLBODY chunk */
	size_t		 len;
};

int	lookup_mproto_optneg(struct buf *, uint32_t version, uint32_t actions,
	    uint32_t protocol);
/* nv: n name, value pairs (2n strings), names as "j" or "{daemon_name}" */
int	lookup_mproto_macros(struct buf *, char cmd, const char *const *nv,
	    size_t n);
/* family: LOOKUP_MPROTO_A_*; UNKNOWN sends neither port nor address */
int	lookup_mproto_connect(struct buf *, const char *host, char family,
	    uint16_t port, const char *addr);
int	lookup_mproto_helo(struct buf *, const char *name);
/* MAIL or RCPT: args[0] "<addr>", then the ESMTP parameters */
int	lookup_mproto_args(struct buf *, char cmd, const char *const *args,
	    size_t n);
int	lookup_mproto_header(struct buf *, const char *name,
	    const char *value);
int	lookup_mproto_body(struct buf *, const void *, size_t);
/* DATA, EOH, BODYEOB, ABORT, QUIT, QUIT_NC: no data */
int	lookup_mproto_cmd(struct buf *, char cmd);

/* 1 and *used: one packet parsed; 0: not whole yet; -1: invalid */
int	lookup_mproto_parse(const char *, size_t, size_t *used,
	    struct lookup_mproto_reply *, char *err, size_t errsz);

/* 1 if a header field name / value is one a milter may set */
int	lookup_mproto_name_valid(const char *);
int	lookup_mproto_value_valid(const char *);
/* the reply octet's name, for the logs ("?" when unknown) */
const char *lookup_mproto_reply_name(char);

#endif
