/*
 * smtp_client.h - the one SMTP and LMTP client engine: a state machine
 * that takes whole replies and hands out the next command line to send
 * or the next step for its driver (start TLS, send the message, the
 * outcome is known, close).  It does no I/O, keeps no time and logs
 * nothing: the relay worker drives it from its event loop, LMTP
 * delivery and sendmail's enqueue with bounded blocking I/O.
 *
 * A session: the greeting (220), EHLO (HELO after a 5xx; LHLO for
 * LMTP), STARTTLS when offered and wanted, AUTH PLAIN (only inside
 * TLS), MAIL FROM with SIZE, BODY, SMTPUTF8, RET and ENVID as the
 * server offers them, one RCPT TO per recipient with NOTIFY and ORCPT,
 * DATA when at least one was accepted, the message, then one reply
 * (SMTP) or one per accepted recipient (LMTP), and QUIT.
 *
 * Verdicts: only a 2xx after the final dot delivers.  A 2xx or 3xx
 * where a refusal or 354 was due is a protocol error, a temporary
 * failure of the destination.  A 4xx to RCPT, DATA or the dot (421
 * aside) defers that recipient or message alone; 421 and a 4xx before
 * RCPT are failures of the destination; a 5xx refuses.  What goes wrong
 * before MAIL FROM (greeting, hello, TLS, no usable AUTH) says nothing
 * about the envelope: the server cannot be used, another may be tried.
 *
 * The driver's loop:
 *	smtp_client_init(&c, &params);
 *	for (;;) switch (smtp_client_next(&c, &line, &len)) {
 *	SEND: write line; READ: smtp_client_reply(&c, &parser) with a whole
 *	reply; TLS: handshake, then smtp_client_tls_done(&c); BODY: write
 *	the message dot-stuffed and its final dot; RESULT: read the results;
 *	DONE: close.  }
 * A broken connection, a time-out or a malformed reply is
 * smtp_client_broken(&c, why) at any point.  smtp_client_run is that
 * loop for drivers with blocking I/O, given as callbacks.
 *
 * With SMTP_CLIENT_F_PIPELINING and a server offering PIPELINING, MAIL,
 * the RCPTs and DATA go as one group (SEND after SEND, then READ): the
 * driver writes them together and the replies are taken in order.
 * After a RESULT that ended the transaction cleanly (a reply to every
 * command, no 421, no failure of the destination) smtp_client_reusable
 * says so and smtp_client_again starts the next transaction on the
 * same connection with new parameters: RSET, then MAIL (in the group
 * when pipelining).  Until MAIL FROM goes (smtp_client_unsent), the
 * driver may hand in a longer list of recipients (smtp_client_rcpts).
 */
#ifndef POSTHORN_SMTP_CLIENT_H
#define POSTHORN_SMTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "smtp_addr.h"
#include "smtp_ext.h"
#include "smtp_reply.h"

/* parameter flags */
#define SMTP_CLIENT_F_LMTP		0x0001	/* LHLO, a reply per recipient */
#define SMTP_CLIENT_F_TLS		0x0002	/* in TLS from the first byte */
#define SMTP_CLIENT_F_STARTTLS		0x0004	/* STARTTLS when offered */
#define SMTP_CLIENT_F_TLS_REQUIRED	0x0008	/* no MAIL outside TLS */
#define SMTP_CLIENT_F_AUTH		0x0010	/* AUTH PLAIN, inside TLS */
#define SMTP_CLIENT_F_SIZE		0x0020	/* size is the message's */
#define SMTP_CLIENT_F_8BIT		0x0040	/* the message has 8-bit octets */
#define SMTP_CLIENT_F_UTF8		0x0080	/* the message wants SMTPUTF8 */
#define SMTP_CLIENT_F_BARE		0x0100	/* "user" without a domain */
#define SMTP_CLIENT_F_ALLRCPT		0x0200	/* all recipients or nothing */
#define SMTP_CLIENT_F_PIPELINING	0x0400	/* pipeline when offered */

/* smtp_client_text_addr flag beyond the SMTP_ADDR_F_* bits */
#define SMTP_CLIENT_TEXT_BARE		0x0100

enum smtp_client_action {
	SMTP_CLIENT_A_SEND,		/* send the line handed out */
	SMTP_CLIENT_A_READ,		/* read a whole reply, hand it in */
	SMTP_CLIENT_A_TLS,		/* start TLS, then _tls_done */
	SMTP_CLIENT_A_BODY,		/* send the message and the dot */
	SMTP_CLIENT_A_RESULT,		/* the results are known (once) */
	SMTP_CLIENT_A_DONE		/* close the connection */
};

enum smtp_client_state {
	SMTP_CLIENT_S_GREETING,
	SMTP_CLIENT_S_EHLO,		/* EHLO or LHLO */
	SMTP_CLIENT_S_HELO,
	SMTP_CLIENT_S_STARTTLS,
	SMTP_CLIENT_S_TLS,		/* the driver sets TLS up */
	SMTP_CLIENT_S_AUTH,
	SMTP_CLIENT_S_RSET,		/* a transaction after another */
	SMTP_CLIENT_S_MAIL,
	SMTP_CLIENT_S_RCPT,
	SMTP_CLIENT_S_DATA,
	SMTP_CLIENT_S_DOT,		/* the message went: final replies */
	SMTP_CLIENT_S_QUIT,
	SMTP_CLIENT_S_DONE
};

enum smtp_client_verdict {
	SMTP_CLIENT_V_NONE,		/* not decided yet */
	SMTP_CLIENT_V_OK,
	SMTP_CLIENT_V_HOST,		/* this server cannot be used */
	SMTP_CLIENT_V_TEMPFAIL,		/* the destination failed */
	SMTP_CLIENT_V_TEMPFAIL_RCPT,	/* a 4xx for this recipient only */
	SMTP_CLIENT_V_PERMFAIL
};

/* an outcome and what it rests on */
struct smtp_client_result {
	enum smtp_client_verdict verdict;
	const char		*step;		/* "greeting", "EHLO", "RCPT" */
	const char		*addr;		/* the path at MAIL or RCPT */
	int			 code;		/* the reply's; 0: no reply */
	char			 enhanced[SMTP_REPLY_ENH_MAX];
	char			 text[ERRTEXT_MAX];	/* reply text, or why */
};

/* one recipient of the transaction; the engine fills in the rest */
struct smtp_client_rcpt {
	const char		*addr;		/* "user@domain" */
	int			 notify;	/* SMTP_CMD_NOTIFY_*, 0: none */
	const char		*orcpt;		/* "type;address", NULL: none */
	int			 accepted;	/* 2xx to its RCPT */
	struct smtp_client_result res;
};

struct smtp_client_params {
	unsigned int		 flags;		/* SMTP_CLIENT_F_* */
	const char		*helo;		/* our name */
	const char		*host;		/* the server's, for texts */
	const char		*user;		/* AUTH; NULL: none known */
	const char		*pass;
	const char		*sender;	/* "" is <> */
	uint64_t		 size;		/* with SMTP_CLIENT_F_SIZE */
	int			 ret;		/* SMTP_CMD_RET_*, 0: none */
	const char		*envid;		/* NULL or "": none */
	struct smtp_client_rcpt	*rcpts;
	size_t			 nrcpts;
};

/* where a pipelined group (RFC 2920) stands */
enum smtp_client_pipe {
	SMTP_CLIENT_P_NONE,		/* one command, one reply */
	SMTP_CLIENT_P_MAIL,		/* RSET went, MAIL follows it */
	SMTP_CLIENT_P_RCPT,		/* MAIL went, the RCPTs follow */
	SMTP_CLIENT_P_DATA		/* the group went */
};

struct smtp_client {
	struct smtp_client_params p;
	enum smtp_client_state	 st;
	enum smtp_client_action	 todo;		/* what next() hands out */
	int			 tls;		/* inside TLS */
	int			 quit;		/* QUIT after the result */
	struct smtp_ext		 ext;		/* what the server offers */
	size_t			 rcpt;		/* the one asked or answered */
	size_t			 naccepted;
	enum smtp_client_pipe	 pipe;
	int			 more;		/* the group goes on */
	size_t			 sendi;		/* next RCPT of the group */
	size_t			 nsent;		/* RCPTs of the group */
	struct smtp_client_result res;		/* the session as a whole */
	char			 line[SMTP_CMD_LINE_MAX + 2];
	size_t			 linelen;
};

/*
 * The I/O of a blocking driver for smtp_client_run: each 0 (read: the
 * whole reply), or -1 / NULL with the reason in err.
 */
struct smtp_client_io {
	int	(*send)(void *, const char *line, size_t len, char *err,
		    size_t errsz);
	const struct smtp_reply_parser *(*read)(void *, char *err,
		    size_t errsz);
	int	(*body)(void *, char *err, size_t errsz);
};

/* smtp_client.c */
void	smtp_client_init(struct smtp_client *,
	    const struct smtp_client_params *);
enum smtp_client_action smtp_client_next(struct smtp_client *,
	    const char **line, size_t *len);
void	smtp_client_reply(struct smtp_client *,
	    const struct smtp_reply_parser *);
void	smtp_client_tls_done(struct smtp_client *);
void	smtp_client_broken(struct smtp_client *, const char *why);
int	smtp_client_reusable(const struct smtp_client *);
int	smtp_client_unsent(const struct smtp_client *);
int	smtp_client_rcpts(struct smtp_client *, struct smtp_client_rcpt *,
	    size_t);
int	smtp_client_again(struct smtp_client *,
	    const struct smtp_client_params *);
void	smtp_client_run(struct smtp_client *, const struct smtp_client_io *,
	    void *);
enum smtp_client_verdict smtp_client_judge(int code,
	    enum smtp_client_state);

/* smtp_client_cmd.c */
struct smtp_cmd;
int	smtp_client_cmd_mail(const struct smtp_client *, struct smtp_cmd *);
int	smtp_client_cmd_rcpt(const struct smtp_client *,
	    const struct smtp_client_rcpt *, struct smtp_cmd *);

/* smtp_client_text.c */
int	smtp_client_text_addr(const char *s, int flags, struct smtp_addr *);
int	smtp_client_text_plain(char *buf, size_t bufsz, const char *user,
	    const char *pass);
int	smtp_client_text_orcpt(const char *s, char *type, size_t typesz,
	    char *addr, size_t addrsz);
void	smtp_client_text_reply(const struct smtp_reply_parser *, char *buf,
	    size_t bufsz);
void	smtp_client_text_clean(char *s);
void	smtp_client_text_why(const struct smtp_client_result *, char *buf,
	    size_t bufsz);

#endif
