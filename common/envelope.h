/*
 * envelope.h - one recipient of one message, and its spool record.
 *
 * An envelope ID is 64 bits: the high 32 bits are the message ID, the low
 * 32 bits are random and nonzero.  Both print as lowercase hex, 16 and 8
 * digits.  The record format is versioned text (see envelope.c).
 */
#ifndef POSTHORN_ENVELOPE_H
#define POSTHORN_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "defs.h"

#define ENVELOPE_VERSION	4	/* the newest record version */
#define ENVELOPE_DUMP_MAX	16384	/* a record's maximal size in bytes */
#define ENVELOPE_ID_STRLEN	16
#define ENVELOPE_MSGID_STRLEN	8

enum envelope_state {
	ENVELOPE_ST_PENDING,		/* waiting for its next try */
	ENVELOPE_ST_INFLIGHT,		/* handed to a delivery worker */
	ENVELOPE_ST_HELD		/* kept aside until released */
};

/* flags */
#define ENVELOPE_F_BOUNCE	0x01	/* a bounce generated here */
#define ENVELOPE_F_AUTH		0x02	/* sender authenticated */
#define ENVELOPE_F_TLS		0x04	/* received over TLS */
#define ENVELOPE_F_8BITMIME	0x08	/* BODY=8BITMIME */
#define ENVELOPE_F_SMTPUTF8	0x10	/* SMTPUTF8 */
#define ENVELOPE_F_EXPAND	0x20	/* not expanded yet (version 2) */
#define ENVELOPE_F_HOLD		0x40	/* held (a milter's quarantine):
					   not delivered until released */

/* what dest names, after expansion */
#define ENVELOPE_DEST_ADDRESS	0	/* a mail address (mailbox or relay) */
#define ENVELOPE_DEST_FILE	1	/* an aliases(5) /path/file */
#define ENVELOPE_DEST_COMMAND	2	/* an aliases(5) |command */

/*
 * which expansion rule made a local delivery (version 3): a mailbox of
 * the account, an alias or virtual table entry, or an entry of the
 * user's ~/.forward; ENVELOPE_ORIGIN_NONE for relaying and for records
 * of version 1 and 2
 */
#define ENVELOPE_ORIGIN_NONE	0
#define ENVELOPE_ORIGIN_MAILBOX	1
#define ENVELOPE_ORIGIN_ALIAS	2
#define ENVELOPE_ORIGIN_FORWARD	3

/* DSN NOTIFY (RFC 3461); 0 means "not given" */
#define ENVELOPE_DSN_NEVER	0x01
#define ENVELOPE_DSN_SUCCESS	0x02
#define ENVELOPE_DSN_FAILURE	0x04
#define ENVELOPE_DSN_DELAY	0x08

enum envelope_ret {
	ENVELOPE_RET_NONE,		/* RET not given */
	ENVELOPE_RET_FULL,
	ENVELOPE_RET_HDRS
};

struct envelope {
	uint64_t		evpid;
	char			sender[ADDR_MAX];	/* "" is <> */
	char			rcpt[ADDR_MAX];		/* as given at RCPT */
	char			orig_rcpt[ORCPT_MAX];	/* DSN ORCPT */
	char			dest[ADDR_MAX];		/* after expansion */
	char			dispatcher[NAME_MAX_CFG]; /* action name */
	char			user[NAME_MAX_CFG];	/* local account, "" if none */
	uint32_t		dest_type;		/* ENVELOPE_DEST_* */
	uint32_t		origin;			/* ENVELOPE_ORIGIN_* */
	char			auth_user[ADDR_MAX];	/* AUTH identity, "" if none */
	char			tag[NAME_MAX_CFG];
	char			helo[HOST_MAX];
	char			client[HOST_MAX];	/* peer address */
	char			hostname[HOST_MAX];	/* listener's name */
	char			envid[ENVID_MAX];	/* DSN ENVID */
	char			errmsg[ERRTEXT_MAX];	/* last error */
	uint32_t		flags;			/* ENVELOPE_F_* */
	uint32_t		dsn_notify;		/* ENVELOPE_DSN_* */
	enum envelope_ret	dsn_ret;
	enum envelope_state	state;
	int64_t			ctime;			/* creation */
	int64_t			ttl;			/* seconds to expiry */
	int64_t			lasttry;
	int64_t			nexttry;
	uint32_t		retry;
	uint32_t		warn;
};

uint32_t	envelope_msgid(uint64_t evpid);
void		envelope_id_format(uint64_t evpid,
		    char buf[ENVELOPE_ID_STRLEN + 1]);
void		envelope_msgid_format(uint32_t msgid,
		    char buf[ENVELOPE_MSGID_STRLEN + 1]);
int		envelope_id_parse(const char *s, uint64_t *evpid);
int		envelope_msgid_parse(const char *s, uint32_t *msgid);
int		envelope_dump(const struct envelope *, char *buf, size_t bufsz);
int		envelope_load(struct envelope *, const char *buf, size_t len,
		    char *err, size_t errsz);

#endif
