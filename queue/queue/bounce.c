/*
 * bounce.c - delivery status notifications (RFC 3464 multipart/report),
 * written straight into the spool as new messages from <>.
 *
 * One notice per envelope: failed (permanent error or expiry), delayed
 * (a `bounce warn-interval` passed) or delivered (NOTIFY=SUCCESS).
 * NOTIFY=NEVER and a null sender get none.  A notice that fails itself
 * goes once to the postmaster; one to the postmaster that fails is
 * dropped with a log line, so notices never loop.
 *
 * Where a notice goes (documented in smtpd.conf.5): it is mail from the
 * local daemon with the null sender, so it goes through the same match
 * rules as any local submission.  It is written unexpanded
 * (ENVELOPE_F_EXPAND, no action, no user): when it comes due,
 * qdispatch_expand.c has the lookup match the rules for it (from local,
 * mail-from <>, for its recipient) and expand it under the action found
 * exactly as a RCPT to that address (aliases, virtual, userbase,
 * ~/.forward, sub-addresses, or relay), and durably replaces it by the
 * final recipients, so a notice to root or postmaster reaches whoever
 * the aliases name.  A notice that no rule accepts, or to an unknown
 * local sender, fails like any other recipient: one notice to the
 * postmaster, never a loop.
 *
 * A delivery error of the form "host NAME said: REPLY" (what the relay
 * worker reports) gives Remote-MTA: NAME and Diagnostic-Code: smtp; REPLY.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "proc.h"
#include "qstore.h"
#include "qstore_crypt.h"
#include "queue.h"
#include "xmalloc.h"
#include "xtext.h"

#define BOUNCE_POSTMASTER	"postmaster"

/* bounce_is_postmaster - addr's local part is postmaster */
static int
bounce_is_postmaster(const char *addr)
{
	size_t	n = strlen(BOUNCE_POSTMASTER);

	return strncasecmp(addr, BOUNCE_POSTMASTER, n) == 0 &&
	    (addr[n] == '\0' || addr[n] == '@');
}

/* bounce_target - who, if anyone, gets a notice of this kind */
enum bounce_target
bounce_target(const struct envelope *evp, enum bounce_kind kind)
{
	if (evp->flags & ENVELOPE_F_BOUNCE) {
		if (kind != BOUNCE_KIND_FAILED ||
		    bounce_is_postmaster(evp->rcpt))
			return BOUNCE_TARGET_NONE;
		return BOUNCE_TARGET_POSTMASTER;
	}
	if (evp->sender[0] == '\0' || (evp->dsn_notify & ENVELOPE_DSN_NEVER))
		return BOUNCE_TARGET_NONE;
	switch (kind) {
	case BOUNCE_KIND_FAILED:
		if (evp->dsn_notify == 0 ||
		    (evp->dsn_notify & ENVELOPE_DSN_FAILURE))
			return BOUNCE_TARGET_SENDER;
		break;
	case BOUNCE_KIND_DELAYED:
		if (evp->dsn_notify == 0 ||
		    (evp->dsn_notify & ENVELOPE_DSN_DELAY))
			return BOUNCE_TARGET_SENDER;
		break;
	case BOUNCE_KIND_DELIVERED:
		if (evp->dsn_notify & ENVELOPE_DSN_SUCCESS)
			return BOUNCE_TARGET_SENDER;
		break;
	}
	return BOUNCE_TARGET_NONE;
}

/* bounce_is_reply - text starts with an SMTP reply code */
static int
bounce_is_reply(const char *p)
{
	return isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '-');
}

/* bounce_digits - 1 to 3 digits at p; how many, 0 if not */
static size_t
bounce_digits(const char *p)
{
	size_t	n = strspn(p, "0123456789");

	return n <= 3 ? n : 0;
}

/* bounce_enhanced - the length of an RFC 3463 code at p, 0 if none */
static size_t
bounce_enhanced(const char *p)
{
	size_t	i = 2, n;

	if (strchr("245", p[0]) == NULL || p[0] == '\0' || p[1] != '.')
		return 0;
	if ((n = bounce_digits(p + i)) == 0 || p[i + n] != '.')
		return 0;
	i += n + 1;
	if ((n = bounce_digits(p + i)) == 0)
		return 0;
	i += n;
	return p[i] == '\0' || p[i] == ' ' ? i : 0;
}

/*
 * bounce_status - the RFC 3463 status for a notice: the enhanced code
 * the diagnostic carries (after an optional reply code) when its class
 * fits the kind, else 5.0.0 / 4.0.0 / 2.0.0.
 */
int
bounce_status(const char *diag, enum bounce_kind kind, char *buf,
    size_t bufsz)
{
	static const char	 cls[] = { '5', '4', '2' };
	const char		*p = diag ? diag : "";
	size_t			 n;

	if (bounce_is_reply(p))
		p += 4;
	if ((n = bounce_enhanced(p)) != 0 && p[0] == cls[kind]) {
		if (n >= bufsz)
			return -1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return 0;
	}
	return snprintf(buf, bufsz, "%c.0.0", cls[kind]) >= (int)bufsz ?
	    -1 : 0;
}

/* bounce_date - an RFC 5322 date in UTC */
int
bounce_date(int64_t t, char *buf, size_t bufsz)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;
	time_t			 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	return snprintf(buf, bufsz, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec) >=
	    (int)bufsz ? -1 : 0;
}

/* bounce_clean - text safe for one header line: controls become spaces */
static void
bounce_clean(char *dst, size_t dstsz, const char *src)
{
	size_t	i;

	strlcpy(dst, src, dstsz);
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
	while (i > 0 && dst[i - 1] == ' ')
		dst[--i] = '\0';
}

/* bounce_text - the human-readable part */
static void
bounce_text(struct buf *b, const struct bounce_ctx *ctx,
    const struct envelope *evp, enum bounce_kind kind, const char *diag)
{
	static const char	*intro[] = {
		"Your message could not be delivered to the recipient "
		    "below.\nThe error was permanent, or it lasted too long; "
		    "the message has\nbeen removed from the queue.",
		"Your message has not been delivered yet to the recipient "
		    "below.\nThe mail system keeps trying; you need not "
		    "send it again.",
		("Your message was delivered to the recipient below, as "
		    "you asked\nto be told.")
	};

	buf_printf(b, "--%s\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n", ctx->boundary);
	buf_printf(b, "This is the mail system at %s.\n\n%s\n\n",
	    ctx->hostname, intro[kind]);
	buf_printf(b, "    Recipient: <%s>\n", evp->rcpt);
	if (diag[0] != '\0')
		buf_printf(b, "    Reason:    %s\n", diag);
	buf_printf(b, "\n");
}

/*
 * bounce_remote - split a relay diagnostic "host NAME said: REPLY" into
 * the remote host (into host, "" if the text has another form) and the
 * reply, which is returned.
 */
static const char *
bounce_remote(const char *diag, char *host, size_t hostsz)
{
	const char	*p, *end;
	size_t		 n;

	host[0] = '\0';
	if (strncmp(diag, "host ", 5) != 0)
		return diag;
	p = diag + 5;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]");
	end = p + n;
	if (n == 0 || n >= hostsz || strncmp(end, " said: ", 7) != 0)
		return diag;
	memcpy(host, p, n);
	host[n] = '\0';
	return end + 7;
}

/*
 * bounce_xtext - a client-supplied DSN value (ENVID, ORCPT, already
 * xtext-decoded) fit for a header line: as it is when it is printable
 * US-ASCII, else xtext-encoded again, so a CR or LF in it never starts a
 * line of its own
 */
static const char *
bounce_xtext(const char *v, char *buf, size_t bufsz)
{
	const char	*p;

	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			break;
	if (*p == '\0')
		return v;
	if (xtext_encode(v, strlen(v), buf, bufsz) == -1)
		return "(unprintable)";
	return buf;
}

/* bounce_report - the message/delivery-status part */
static void
bounce_report(struct buf *b, const struct bounce_ctx *ctx,
    const struct envelope *evp, enum bounce_kind kind, const char *diag)
{
	static const char	*actions[] = { "failed", "delayed",
	    "delivered" };
	char			 date[64], status[16], host[HOST_MAX];
	char			 safe[ADDR_MAX * 3 + 1];
	const char		*reply;

	buf_printf(b, "--%s\nContent-Type: message/delivery-status\n\n",
	    ctx->boundary);
	buf_printf(b, "Reporting-MTA: dns; %s\n", ctx->hostname);
	if (evp->envid[0] != '\0')
		buf_printf(b, "Original-Envelope-Id: %s\n",
		    bounce_xtext(evp->envid, safe, sizeof(safe)));
	if (bounce_date(evp->ctime, date, sizeof(date)) == 0)
		buf_printf(b, "Arrival-Date: %s\n", date);
	buf_printf(b, "\n");
	if (evp->orig_rcpt[0] != '\0')
		buf_printf(b, "Original-Recipient: %s%s\n",
		    strchr(evp->orig_rcpt, ';') ? "" : "rfc822; ",
		    bounce_xtext(evp->orig_rcpt, safe, sizeof(safe)));
	buf_printf(b, "Final-Recipient: rfc822; %s\n", evp->rcpt);
	buf_printf(b, "Action: %s\n", actions[kind]);
	reply = bounce_remote(diag, host, sizeof(host));
	(void)bounce_status(reply, kind, status, sizeof(status));
	buf_printf(b, "Status: %s\n", status);
	if (host[0] != '\0')
		buf_printf(b, "Remote-MTA: dns; %s\n", host);
	if (reply[0] != '\0')
		buf_printf(b, "Diagnostic-Code: %s; %s\n",
		    bounce_is_reply(reply) ? "smtp" : "X-Posthorn", reply);
	if (bounce_date(ctx->now, date, sizeof(date)) == 0)
		buf_printf(b, "Last-Attempt-Date: %s\n", date);
	if (kind == BOUNCE_KIND_DELAYED &&
	    bounce_date(evp->ctime + evp->ttl, date, sizeof(date)) == 0)
		buf_printf(b, "Will-Retry-Until: %s\n", date);
	buf_printf(b, "\n");
}

/* bounce_head - headers, text and report parts, up to the original */
static void
bounce_head(struct buf *b, const struct bounce_ctx *ctx,
    const struct envelope *evp, enum bounce_kind kind, const char *diag,
    int full)
{
	static const char	*subjects[] = {
		"Undelivered Mail Returned to Sender",
		"Delayed Mail (still being retried)",
		"Successful Mail Delivery Report"
	};
	char			 date[64];

	(void)bounce_date(ctx->now, date, sizeof(date));
	buf_printf(b, "From: Mail Delivery System <MAILER-DAEMON@%s>\n",
	    ctx->hostname);
	/* a notice about a failed notice goes to the postmaster */
	buf_printf(b, "To: <%s>\n", (evp->flags & ENVELOPE_F_BOUNCE) ?
	    BOUNCE_POSTMASTER : evp->sender);
	buf_printf(b, "Subject: %s\n", subjects[kind]);
	buf_printf(b, "Date: %s\n", date);
	buf_printf(b, "Message-ID: <%s>\n", ctx->msgid);
	buf_printf(b, "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n");
	buf_printf(b, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\n\tboundary=\"%s\"\n\n",
	    ctx->boundary);
	buf_printf(b, "This is a MIME-encapsulated message.\n\n");
	bounce_text(b, ctx, evp, kind, diag);
	bounce_report(b, ctx, evp, kind, diag);
	buf_printf(b, "--%s\nContent-Type: %s\n\n", ctx->boundary,
	    full ? "message/rfc822" : "text/rfc822-headers");
}

/* bounce_copy - the original: headers only (up to max), or all of it */
static int
bounce_copy(int out, int msgfd, int full, struct buf *b)
{
	char	chunk[8192], *end;
	ssize_t	n;
	size_t	keep;

	if (msgfd == -1 || lseek(msgfd, 0, SEEK_SET) == -1)
		return 0;
	while ((n = read(msgfd, chunk, sizeof(chunk))) > 0) {
		if (full) {
			if (write(out, chunk, (size_t)n) != n)
				return -1;
			continue;
		}
		if (buf_add(b, chunk, (size_t)n) == -1)
			break;
		if ((end = strstr(b->data, "\n\n")) != NULL)
			break;
	}
	if (n == -1)
		return -1;
	if (full || b->len == 0)
		return 0;
	/* the header block, or what fits of it in whole lines */
	if ((end = strstr(b->data, "\n\n")) == NULL)
		end = strrchr(b->data, '\n');
	keep = end ? (size_t)(end - b->data) + 1 : 0;
	return write(out, b->data, keep) == (ssize_t)keep ? 0 : -1;
}

/*
 * bounce_write - the notice about evp into out: headers, the text part,
 * the delivery-status part and the original's headers (or the whole
 * original with RET=FULL) read from msgfd (-1: none).
 */
int
bounce_write(int out, const struct bounce_ctx *ctx,
    const struct envelope *evp, enum bounce_kind kind, const char *diag,
    int msgfd)
{
	struct buf	b, hdrs;
	char		clean[BOUNCE_DIAG_MAX];
	int		full, r;

	full = evp->dsn_ret == ENVELOPE_RET_FULL && kind == BOUNCE_KIND_FAILED;
	bounce_clean(clean, sizeof(clean), diag ? diag : "");
	buf_init(&b, 64 * 1024);
	bounce_head(&b, ctx, evp, kind, clean, full);
	r = write(out, b.data, b.len) == (ssize_t)b.len ? 0 : -1;
	buf_free(&b);
	buf_init(&hdrs, BOUNCE_HEADERS_MAX);
	if (r == 0)
		r = bounce_copy(out, msgfd, full, &hdrs);
	buf_free(&hdrs);
	buf_init(&b, 1024);
	buf_printf(&b, "\n--%s--\n", ctx->boundary);
	if (r == 0 && write(out, b.data, b.len) != (ssize_t)b.len)
		r = -1;
	buf_free(&b);
	return r;
}

/*
 * bounce_envelope - the envelope of a notice to rcpt: no action yet, the
 * lookup routes it by the rules when it comes due
 */
static void
bounce_envelope(struct queue *q, const char *rcpt, const char *host,
    struct envelope *b)
{
	memset(b, 0, sizeof(*b));
	strlcpy(b->rcpt, rcpt, sizeof(b->rcpt));
	strlcpy(b->dest, rcpt, sizeof(b->dest));
	strlcpy(b->hostname, host, sizeof(b->hostname));
	strlcpy(b->helo, host, sizeof(b->helo));
	strlcpy(b->client, "localhost", sizeof(b->client));
	b->dest_type = ENVELOPE_DEST_ADDRESS;
	b->flags = ENVELOPE_F_BOUNCE | ENVELOPE_F_EXPAND;
	b->ctime = b->nexttry = time(NULL);
	b->ttl = queue_tx_ttl(q, "");
}

/* bounce_hostname - the name notices come from */
static void
bounce_hostname(const struct envelope *evp, char *buf, size_t bufsz)
{
	if (evp->hostname[0] != '\0')
		strlcpy(buf, evp->hostname, bufsz);
	else if (gethostname(buf, bufsz) == -1 || buf[0] == '\0')
		strlcpy(buf, "localhost", bufsz);
	buf[bufsz - 1] = '\0';
}

/* bounce_spool - write the notice as a new message and queue it */
static int
bounce_spool(struct queue *q, const struct envelope *evp,
    enum bounce_kind kind, const char *diag, struct envelope *b)
{
	struct bounce_ctx	ctx;
	char			err[256], host[HOST_MAX], msgid[HOST_MAX + 32];
	char			bnd[64], vis[1024];
	uint32_t		id;
	int			fd, msgfd, serrno;

	bounce_hostname(evp, host, sizeof(host));
	if (qstore_msg_create(q->qs, &id, &fd, err, sizeof(err)) == -1) {
		log_warnx("%016llx queue event=bounce-failed step=create "
		    "error=\"%s\"", (unsigned long long)evp->evpid,
		    log_vis(vis, sizeof(vis), err));
		return -1;
	}
	(void)snprintf(msgid, sizeof(msgid), "%08x.%016llx@%s", id,
	    (unsigned long long)evp->evpid, host);
	(void)snprintf(bnd, sizeof(bnd), "%08x/%s", id, "posthorn");
	ctx.hostname = host;
	ctx.now = time(NULL);
	ctx.boundary = bnd;
	ctx.msgid = msgid;
	msgfd = qstore_crypt_msg_fd(q->qs, q->crypt, envelope_msgid(evp->evpid),
	    err, sizeof(err));
	if (bounce_write(fd, &ctx, evp, kind, diag, msgfd) == -1 ||
	    close(fd) == -1) {
		serrno = errno;
		if (msgfd != -1)
			close(msgfd);
		(void)qstore_msg_abort(q->qs, id);
		log_warnx("%016llx queue event=bounce-failed step=write "
		    "error=\"%s\"", (unsigned long long)evp->evpid,
		    strerror(serrno));
		return -1;
	}
	if (msgfd != -1)
		close(msgfd);
	if (queue_tx_inject(q, id, b, 1, err, sizeof(err)) == -1) {
		log_warnx("%016llx queue event=bounce-failed step=inject "
		    "error=\"%s\"", (unsigned long long)evp->evpid,
		    log_vis(vis, sizeof(vis), err));
		return -1;
	}
	return 0;
}

/*
 * bounce_send - queue the notice of this kind about evp, if one is due;
 * 0 when queued or not due, -1 when it could not be written.
 */
int
bounce_send(struct queue *q, const struct envelope *evp,
    enum bounce_kind kind, const char *diag)
{
	static const char	*kinds[] = { "failed", "delayed", "delivered" };
	struct envelope		 b;
	enum bounce_target	 t;
	char			 host[HOST_MAX], rcpt[ADDR_MAX];
	char			 vis[ADDR_MAX * 4];

	if ((t = bounce_target(evp, kind)) == BOUNCE_TARGET_NONE) {
		if ((evp->flags & ENVELOPE_F_BOUNCE) &&
		    kind == BOUNCE_KIND_FAILED)
			log_warnx("%016llx queue event=bounce-discarded to=<%s> "
			    "reason=\"a notice to the postmaster failed\"",
			    (unsigned long long)evp->evpid,
			    log_vis(vis, sizeof(vis), evp->rcpt));
		return 0;
	}
	bounce_hostname(evp, host, sizeof(host));
	if (t == BOUNCE_TARGET_POSTMASTER)
		strlcpy(rcpt, BOUNCE_POSTMASTER, sizeof(rcpt));
	else
		strlcpy(rcpt, evp->sender, sizeof(rcpt));
	bounce_envelope(q, rcpt, host, &b);
	if (bounce_spool(q, evp, kind, diag, &b) == -1)
		return -1;
	log_info("%016llx queue event=bounce kind=%s to=<%s> evpid=%016llx",
	    (unsigned long long)evp->evpid, kinds[kind],
	    log_vis(vis, sizeof(vis), rcpt), (unsigned long long)b.evpid);
	return 0;
}
