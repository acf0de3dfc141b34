/*
 * local.h - local delivery methods: Maildir, mbox and MDA.
 *
 * The root parent forks one child per local delivery; the child becomes
 * the recipient (initgroups/setgid/setuid) and calls one of the
 * local_*_deliver() functions with the committed message as a read-only
 * descriptor positioned at offset 0.  The spool holds the message with
 * "\n" line endings, unstuffed.  Each function delivers synchronously,
 * needs no privilege beyond the recipient's, and fills a struct
 * local_result with a status and a one-line reason.
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
#include "local_agent.h"

#define LOCAL_HDR_MAX		(2 * ADDR_MAX + 64)	/* the prefix lines */
#define LOCAL_MDA_TIMEOUT	300	/* default mda time limit, seconds */
#define LOCAL_MBOX_LOCK_WAIT	60	/* seconds to wait for mbox locks */
#define LOCAL_MBOX_LOCK_STALE	300	/* a dot-lock older than this is stale */

/* local_hdr.c; local_hdr_writeall and local_result_set: local_agent.h */
int	local_hdr_format(struct buf *, const char *sender, const char *rcpt);

/* local_maildir.c (local_maildir_deliver: local_agent.h) */
int	local_maildir_junk(const char *hdr, size_t len);
int	local_maildir_name_match(const char *name, uint64_t evpid);

/* local_mbox.c (local_mbox_deliver: local_agent.h) */
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

/* local_mda.c (local_mda_deliver: local_agent.h) */
enum local_status local_mda_status(int wstatus, const char *output,
	    struct local_result *);

#endif
