/*
 * local.h - local delivery: the agent (local_agent.c) and its methods,
 * Maildir, mbox, MDA, alias files and commands, LMTP.
 *
 * The root parent starts one local delivery agent per recipient account
 * (it looks the account up, creates an mbox, becomes the recipient and
 * executes smtpd -X local); the agent gets deliveries over its channel
 * (MSG_LOCAL_RUN, ipc_msgs.h) and calls one of the methods for each,
 * with the committed message as a read-only descriptor positioned at
 * offset 0.  The spool holds the message with "\n" line endings,
 * unstuffed.  Each method delivers synchronously, needs no privilege
 * beyond the recipient's, and fills a struct local_result with a status
 * and a one-line reason.
 *
 * Every delivered copy starts with "Return-Path: <sender>" and
 * "Delivered-To: rcpt" lines (local_hdr.c).
 */
#ifndef POSTHORN_LOCAL_H
#define POSTHORN_LOCAL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

#define LOCAL_USER_MAX		256	/* a login name, NUL included */
#define LOCAL_CMD_MAX		4096	/* an expanded mda command */

enum local_status {
	LOCAL_OK = 0,		/* delivered (or delivered before) */
	LOCAL_TEMPFAIL,		/* try again later */
	LOCAL_PERMFAIL		/* bounce */
};

struct local_result {
	enum local_status	 status;
	char			 reason[ERRTEXT_MAX];	/* one line */
	int			 sync_dir;	/* a directory to fsync before
						   LOCAL_OK stands, or -1 */
};

struct local_delivery {
	int		 msg_fd;		/* read-only, at offset 0 */
	uint64_t	 evpid;			/* envelope id */
	int		 fresh;			/* no earlier attempt can
						   have left a copy */
	char		 sender[ADDR_MAX];	/* "" = null sender */
	char		 rcpt[ADDR_MAX];	/* final recipient */
	char		 orig_rcpt[ADDR_MAX];	/* as given at RCPT TO */
	char		 user[LOCAL_USER_MAX];
	uid_t		 uid;
	gid_t		 gid;
	char		 home[PATH_MAX_CFG];
	char		 shell[PATH_MAX_CFG];
	char		 maildir[PATH_MAX_CFG];	/* "" = HOME/Maildir */
	int		 junk;			/* spam to .Junk */
	char		 mbox[PATH_MAX_CFG];	/* /var/mail/USER */
	char		 mda[LOCAL_CMD_MAX];	/* expanded command */
	char		 extension[ADDR_MAX];	/* sub-address tag */
	char		 domain[HOST_MAX];
	char		 localpart[ADDR_MAX];
	unsigned int	 mda_timeout;		/* seconds, 0 = default */
};

#define LOCAL_HDR_MAX		(2 * ADDR_MAX + 64)	/* the prefix lines */
#define LOCAL_MDA_TIMEOUT	300	/* default mda time limit, seconds */
#define LOCAL_MBOX_LOCK_WAIT	60	/* seconds to wait for mbox locks */
#define LOCAL_MBOX_LOCK_STALE	300	/* a dot-lock older than this is stale */

/* local_hdr.c: the prefix lines; write all of a buffer */
int	local_hdr_format(struct buf *, const char *sender, const char *rcpt);
int	local_hdr_writeall(int fd, const void *, size_t);

/* local_result.c: fill a result */
enum local_status local_result_set(struct local_result *, enum local_status,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
void	local_result_init(struct local_result *);
int	local_result_sync(struct local_result *);

/* local_agent.c: the agent's entry point and its pure parts */
#define LOCAL_AGENT_TURN_MAX	64	/* deliveries answered together */
struct msg_local_run;
struct proc_env;
int	local_agent_main(struct proc_env *);
int	local_agent_check(const struct msg_local_run *, uid_t, gid_t,
	    char *err, size_t errsz);
void	local_agent_fill(const struct msg_local_run *, int msg_fd,
	    struct local_delivery *);

/* local_maildir.c */
enum local_status local_maildir_deliver(const struct local_delivery *,
	    struct local_result *);
int	local_maildir_junk(const char *hdr, size_t len);
int	local_maildir_name_match(const char *name, uint64_t evpid);
int	local_maildir_name_evpid(const char *name, uint64_t *evpid);
void	local_maildir_commit(void);

/* local_maildir_index.c: the envelope ids of new/ and cur/ */
int	local_maildir_index_find(int newfd, int curfd, uint64_t evpid);
int	local_maildir_index_check(int newfd, int curfd);
void	local_maildir_index_added(int newfd, uint64_t evpid, int fresh);
unsigned long local_maildir_index_scans(void);

/* local_mbox.c */
enum local_status local_mbox_deliver(const struct local_delivery *,
	    struct local_result *);
struct local_mbox_quote {
	int	 bol;		/* in the ">*From " prefix of a line */
	int	 empty;		/* nothing yet on the current line */
	size_t	 matched;	/* bytes of "From " held back */
};
void	local_mbox_quote_init(struct local_mbox_quote *);
int	local_mbox_quote(struct local_mbox_quote *, const char *, size_t,
	    struct buf *);
int	local_mbox_quote_end(struct local_mbox_quote *, struct buf *);
int	local_mbox_separator(struct buf *, const char *sender, time_t);

/* local_mda.c */
enum local_status local_mda_deliver(const struct local_delivery *,
	    struct local_result *);
enum local_status local_mda_status(int wstatus, const char *output,
	    struct local_result *);

#endif
