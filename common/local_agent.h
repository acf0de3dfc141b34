/*
 * local_agent.h - the interface of the local delivery agents
 * (deliver/local/) to the root parent's delivery child
 * (smtpd/parent/parent_mda.c): what one delivery is, its result, and
 * the entry points the child calls once it has become the recipient.
 *
 * Each entry point gets the committed message as a read-only descriptor
 * positioned at offset 0 ("\n" line endings, unstuffed), delivers
 * synchronously with no privilege beyond the recipient's, and fills a
 * struct local_result with a status and a one-line reason.
 */
#ifndef POSTHORN_LOCAL_AGENT_H
#define POSTHORN_LOCAL_AGENT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

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

/* local_hdr.c: write all of a buffer; local_result.c: fill a result */
int	local_hdr_writeall(int fd, const void *, size_t);
enum local_status local_result_set(struct local_result *, enum local_status,
	    const char *, ...) __attribute__((format(printf, 3, 4)));

/* local_maildir.c, local_mbox.c, local_mda.c */
enum local_status local_maildir_deliver(const struct local_delivery *,
	    struct local_result *);
enum local_status local_mbox_deliver(const struct local_delivery *,
	    struct local_result *);
enum local_status local_mda_deliver(const struct local_delivery *,
	    struct local_result *);

/* local_file.c: aliases(5) "/path" and "|command" destinations */
enum local_status local_file_deliver(const struct local_delivery *,
	    const char *path, struct local_result *);
enum local_status local_file_command(const struct local_delivery *,
	    const char *command, struct local_result *);
int	local_file_forward_check(const struct local_delivery *, int command,
	    const char *dest, struct local_result *);

/* lmtp.c: an LMTP server at dest */
enum local_status lmtp_deliver(const struct local_delivery *,
	    const char *dest, int rcpt_to, struct local_result *);

#endif
