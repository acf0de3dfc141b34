/*
 * srv_tx.c - one mail transaction: the queue opens an incoming message
 * when MAIL is accepted, DATA or BDAT streams into its descriptor (a
 * Received: header first, then the unstuffed text with "\n" line ends),
 * the commit follows, and 250 is said only once the queue made it
 * durable with the envelopes it holds (the lookup made them).  A message
 * is never held whole in memory.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "cfg.h"
#include "envelope.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "smtp_cmd.h"
#include "smtp_reply.h"
#include "srv.h"
#include "xmalloc.h"

#define SRV_TX_IO	4096	/* octets moved per step */
#define SRV_TX_JUNK_HDR	"X-Spam: yes\n"	/* a filter junked it */

/* srv_tx_send - one transaction message to the queue */
static void
srv_tx_send(struct srv_session *ss, enum ipc_type type, uint64_t size)
{
	struct msg_tx	m;

	memset(&m, 0, sizeof(m));
	m.sessid = ss->id;
	m.msgid = ss->tx->msgid;
	m.size = size;
	ipc_send(ss->srv->queue, type, 0, -1, &m, sizeof(m));
}

/*
 * srv_tx_free - forget the transaction; an open message is aborted.
 * RCPTs refused past max-rcpt after the first (logged when it came)
 * are counted in one line here, so a client cannot flood the log.
 */
void
srv_tx_free(struct srv_session *ss)
{
	struct srv_tx	*tx = ss->tx;

	if (tx == NULL)
		return;
	ss->flags &= ~SRV_F_JUNK_TX;
	if (tx->msgid != 0) {
		srv_fevent(ss, IPC_FEV_TX_ROLLBACK, tx->msgid, 0, 0, NULL);
		srv_fevent(ss, IPC_FEV_TX_RESET, tx->msgid, 0, 0, NULL);
	}
	if (tx->over_rcpt > 1)
		log_info("%016llx smtp event=refused reason=max-rcpt code=452 "
		    "count=%zu", (unsigned long long)ss->id, tx->over_rcpt);
	if (tx->msgid != 0 && tx->fd != -1)
		srv_tx_send(ss, MSG_TX_ABORT, 0);
	if (tx->fd != -1)
		close(tx->fd);
	srv_fdata_free(tx);
	free(tx->rcpt1);
	free(tx->cur_orcpt);
	free(tx);
	ss->tx = NULL;
}

/* srv_tx_reset - RSET, HELO, a new MAIL or the end of a transaction */
void
srv_tx_reset(struct srv_session *ss)
{
	srv_tx_free(ss);
	if (ss->state & (SRV_ST_MAIL | SRV_ST_RCPT | SRV_ST_BDAT))
		ss->state = SRV_ST_HELO;
}

/* srv_tx_fail - remember the first failure of the message being received */
void
srv_tx_fail(struct srv_tx *tx, int code, const char *enhanced,
    const char *text)
{
	if (tx->code != 0)
		return;
	tx->code = code;
	tx->enhanced = enhanced;
	tx->text = text;
}

/* srv_tx_write - spool text of the incoming message, via the filters */
static void
srv_tx_write(struct srv_session *ss, const char *p, size_t len)
{
	struct srv_tx	*tx = ss->tx;

	srv_tx_hdr_feed(&tx->hdr, p, len);
	if (tx->hdr.received > SRV_RECEIVED_MAX)
		srv_tx_fail(tx, 554, "5.4.6", "Loop detected: too many "
		    "Received: headers");
	if (tx->fdata != NULL && tx->code == 0)
		srv_fdata_write(tx, p, len);
	else
		srv_tx_spool(ss, p, len);
}

/* srv_tx_spool - append text to the incoming message's file */
void
srv_tx_spool(struct srv_session *ss, const char *p, size_t len)
{
	struct srv_tx	*tx = ss->tx;
	ssize_t		 n;

	while (len > 0 && tx->code == 0 && tx->fd != -1) {
		if ((n = write(tx->fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%016llx smtp event=tx-write msgid=%08x",
			    (unsigned long long)ss->id, tx->msgid);
			if (errno == ENOSPC || errno == EDQUOT)
				srv_tx_fail(tx, 452, "4.3.1",
				    "Insufficient system storage");
			else
				srv_tx_fail(tx, 451, "4.3.0",
				    "Temporary failure writing the message");
			return;
		}
		tx->written += (size_t)n;
		p += n;
		len -= (size_t)n;
	}
}

/* srv_tx_open - MAIL accepted: ask the queue for the transaction */
void
srv_tx_open(struct srv_session *ss)
{
	ss->tx->opening = 1;
	ss->input = SRV_IN_WAIT;
	srv_tx_send(ss, MSG_TX_OPEN, 0);
}

static void	srv_tx_started(struct srv_session *);

/* srv_tx_data - DATA: the Received: header, then 354 */
void
srv_tx_data(struct srv_session *ss)
{
	ss->tx->chunk_last = -1;
	srv_tx_started(ss);
}

/* srv_tx_chunk_refuse - a refused BDAT: reply now, discard its octets */
static void
srv_tx_chunk_refuse(struct srv_session *ss, const struct smtp_cmd *cmd,
    int code, const char *enhanced, const char *text)
{
	ss->chunk_left = cmd->size;
	ss->chunk_skip = 1;
	ss->input = SRV_IN_CHUNK;
	srv_reply(ss, code, enhanced, "%s", text);
}

/* srv_tx_bdat - BDAT: one chunk into the message */
void
srv_tx_bdat(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	struct srv_tx	*tx = ss->tx;
	uint64_t	 max;

	if (tx->nrcpt == 0) {
		srv_tx_chunk_refuse(ss, cmd, 554, "5.5.1",
		    "No valid recipients");
		return;
	}
	max = (uint64_t)ss->srv->env->cfg->smtp.max_message_size;
	if (cmd->size > max || tx->bdat.size + cmd->size > max)
		srv_tx_fail(tx, 552, "5.3.4", "Message too big");
	ss->chunk_left = cmd->size;
	ss->chunk_skip = 0;
	tx->chunk_last = cmd->last;
	if (ss->state != SRV_ST_BDAT) {
		ss->state = SRV_ST_BDAT;
		srv_tx_conv_init(&tx->bdat);
		srv_tx_started(ss);
		return;
	}
	ss->input = SRV_IN_CHUNK;
}

/* srv_tx_received_header - this session's Received: header */
static int
srv_tx_received_header(struct srv_session *ss, char *buf, size_t bufsz)
{
	const struct cfg_listener	*l = ss->listener->cfg;
	struct srv_tx			*tx = ss->tx;
	char				 with[16], tls[256], date[64];
	const char			*rcpt = NULL;
	time_t				 now = time(NULL);
	struct tm			 tm;

	snprintf(with, sizeof(with), "%sSMTP%s%s",
	    ss->flags & SRV_F_EHLO ? "E" : "", ss->flags & SRV_F_TLS ? "S" : "",
	    ss->flags & SRV_F_AUTH ? "A" : "");
	tls[0] = '\0';
	if (ss->flags & SRV_F_TLS)
		srv_tls_info(ss, tls, sizeof(tls));
	if (tx->nrcpt == 1)
		rcpt = tx->rcpt1;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000 (UTC)", &tm);
	return srv_tx_received(buf, bufsz,
	    l != NULL && l->mask_src ? NULL : srv_helo(ss),
	    ss->rdns != NULL ? ss->rdns : "",
	    ss->flags & SRV_F_LOCAL ? NULL : ss->src, srv_hostname(ss), with,
	    tls[0] ? tls : NULL, tx->msgid, rcpt, date);
}

/* srv_tx_started - DATA or the first chunk: the Received: header */
static void
srv_tx_started(struct srv_session *ss)
{
	struct srv_tx	*tx = ss->tx;
	struct timeval	 tv = { ss->srv->timeout_data, 0 };
	char		 hdr[4096];

	srv_tx_hdr_init(&tx->hdr);
	if (srv_fdata_start(ss) == -1)
		srv_tx_fail(tx, 451, "4.3.0", "Cannot run the filters");
	if (srv_tx_received_header(ss, hdr, sizeof(hdr)) == -1)
		srv_tx_fail(tx, 451, "4.3.0", "Cannot make a Received: header");
	else
		srv_tx_write(ss, hdr, strlen(hdr));
	if (srv_filter_junk(ss))
		srv_tx_write(ss, SRV_TX_JUNK_HDR, strlen(SRV_TX_JUNK_HDR));
	srv_tx_hdr_init(&tx->hdr);
	srv_fevent(ss, IPC_FEV_TX_DATA, tx->msgid, srv_fevent_result(tx->code),
	    0, NULL);
	ss->data_start = srv_limit_now();
	srv_limit_data(ss, 0);
	if (tx->chunk_last == -1) {
		smtp_data_in_init(&tx->din);
		bufferevent_set_timeouts(ss->bev, &tv, &tv);
		ss->input = SRV_IN_DATA;
		srv_reply(ss, 354, NULL, "Enter mail, end with \".\" on a line "
		    "by itself");
	} else
		ss->input = SRV_IN_CHUNK;
}

/* srv_tx_result_valid - a queue answer the listener can send as it is */
static int
srv_tx_result_valid(const struct msg_tx_result *m)
{
	if (m->code == 0)
		return 1;
	if (m->code < 400 || m->code > 599)
		return 0;
	return smtp_reply_enhanced_valid(m->enhanced, strlen(m->enhanced),
	    m->code) && strpbrk(m->text, "\r\n") == NULL;
}

/* srv_tx_stray - an answer for a transaction that no longer exists */
static void
srv_tx_stray(struct srv *s, const struct msg_tx_result *m, int fd)
{
	struct msg_tx	a;

	if (fd != -1) {
		close(fd);
		memset(&a, 0, sizeof(a));
		a.sessid = m->sessid;
		a.msgid = m->msgid;
		ipc_send(s->queue, MSG_TX_ABORT, 0, -1, &a, sizeof(a));
	}
	log_debug("%016llx smtp event=queue-answer-dropped msgid=%08x",
	    (unsigned long long)m->sessid, m->msgid);
}

/* srv_tx_on_opened - MSG_TX_OPENED: the transaction, or a refusal */
void
srv_tx_on_opened(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_tx_result	*m = msg;
	struct srv_session		*ss;
	struct srv_tx			*tx;

	(void)c;
	(void)id;
	if (!srv_tx_result_valid(m) || (m->code == 0) != (fd != -1) ||
	    (m->code == 0 && m->msgid == 0))
		fatalx("ipc: MSG_TX_OPENED from queue: bad answer %d", m->code);
	ss = srv_session_find(arg, m->sessid);
	if (ss == NULL || (tx = ss->tx) == NULL || !tx->opening ||
	    (ss->flags & SRV_F_CLOSING)) {
		srv_tx_stray(arg, m, fd);
		return;
	}
	tx->opening = 0;
	ss->input = SRV_IN_CMD;
	if (m->code != 0) {
		log_info("%016llx smtp event=refused cmd=mail code=%d",
		    (unsigned long long)ss->id, m->code);
		srv_fevent(ss, IPC_FEV_TX_MAIL, 0, srv_fevent_result(m->code),
		    0, tx->sender);
		srv_reply(ss, m->code, m->enhanced, "%s", m->text);
		srv_tx_reset(ss);
	} else {
		tx->msgid = m->msgid;
		tx->fd = fd;
		ss->state = SRV_ST_MAIL;
		srv_fevent(ss, IPC_FEV_TX_BEGIN, tx->msgid, 0, 0, NULL);
		srv_fevent(ss, IPC_FEV_TX_MAIL, tx->msgid, IPC_FEV_OK, 0,
		    tx->sender);
		srv_reply(ss, 250, "2.1.0", "Ok");
	}
	srv_session_resume(ss);
}

/* srv_tx_commit - the commit (the filter let it); the verdict comes later */
static void
srv_tx_commit(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	struct srv_tx	*tx = ss->tx;

	(void)cmd;
	close(tx->fd);
	tx->fd = -1;
	ss->input = SRV_IN_WAIT;
	srv_tx_send(ss, MSG_TX_COMMIT, tx->written);
}

/* srv_tx_filtered - the message is in the spool: the commit phase */
static void
srv_tx_filtered(struct srv_session *ss)
{
	srv_filter_phase(ss, CFG_SFILTER_COMMIT, NULL, srv_tx_commit);
}

/* srv_tx_flags_fail - what the receiver's flags say about the message */
static void
srv_tx_flags_fail(struct srv_tx *tx, int flags)
{
	if (flags & SMTP_DATA_BARE_EOL)
		srv_tx_fail(tx, 550, "5.6.0", "Bare CR or LF in message data");
	else if (flags & SMTP_DATA_NUL)
		srv_tx_fail(tx, 550, "5.6.0", "NUL octet in message data");
	else if (flags & SMTP_DATA_LINE_TOO_LONG)
		srv_tx_fail(tx, 500, "5.5.6", "Line too long");
}

/* srv_tx_end - the whole message is in: commit it or refuse it */
static void
srv_tx_end(struct srv_session *ss, int flags)
{
	struct srv_tx	*tx = ss->tx;
	struct timeval	 tv = { ss->srv->timeout_cmd, 0 };

	bufferevent_set_timeouts(ss->bev, &tv, &tv);
	srv_tx_flags_fail(tx, flags);
	if (tx->code == 0 && tx->fdata != NULL) {
		srv_fdata_end(ss, srv_tx_filtered);
		return;
	}
	if (tx->code == 0) {
		srv_tx_filtered(ss);
		return;
	}
	log_info("%016llx smtp event=refused cmd=data msgid=%08x code=%d "
	    "reason=\"%s\"", (unsigned long long)ss->id, tx->msgid, tx->code,
	    tx->text);
	srv_reply(ss, tx->code, tx->enhanced, "%s", tx->text);
	if (tx->code == 421)
		srv_session_close(ss);
	srv_tx_reset(ss);
	ss->input = SRV_IN_CMD;
}

/* srv_tx_data_input - DATA octets up to CRLF.CRLF */
static void
srv_tx_data_input(struct srv_session *ss, struct evbuffer *in)
{
	struct srv_tx	*tx = ss->tx;
	char		 ibuf[SRV_TX_IO], obuf[SRV_TX_IO];
	size_t		 n, used, olen;
	int		 done;
	uint64_t	 max;

	max = (uint64_t)ss->srv->env->cfg->smtp.max_message_size;
	while ((n = evbuffer_copyout(in, ibuf, sizeof(ibuf))) > 0 &&
	    n != (size_t)-1) {
		done = smtp_data_in_feed(&tx->din, ibuf, n, &used, obuf,
		    sizeof(obuf), &olen);
		evbuffer_drain(in, used);
		if (tx->din.size > max)
			srv_tx_fail(tx, 552, "5.3.4", "Message too big");
		srv_tx_write(ss, obuf, olen);
		if (done) {
			srv_fevent_command(ss, ".", 1);
			srv_tx_end(ss, tx->din.flags);
			return;
		}
	}
}

/* srv_tx_chunk_end - the last octet of a BDAT chunk */
static void
srv_tx_chunk_end(struct srv_session *ss)
{
	struct srv_tx	*tx = ss->tx;

	if (ss->chunk_skip) {
		ss->chunk_skip = 0;
		ss->input = SRV_IN_CMD;
		return;
	}
	if (tx->chunk_last) {
		srv_tx_conv_end(&tx->bdat);
		srv_tx_end(ss, tx->bdat.flags);
		return;
	}
	ss->input = SRV_IN_CMD;
	if (tx->code != 0 || (tx->bdat.flags & ~SMTP_DATA_8BIT))
		srv_tx_end(ss, tx->bdat.flags);
	else
		srv_reply(ss, 250, "2.0.0", "%llu octets received",
		    (unsigned long long)tx->bdat.size);
}

/* srv_tx_chunk_input - the octets of a BDAT chunk */
static void
srv_tx_chunk_input(struct srv_session *ss, struct evbuffer *in)
{
	char	ibuf[SRV_TX_IO], obuf[SRV_TX_IO + 1];
	size_t	n, olen;

	while (ss->chunk_left > 0 && evbuffer_get_length(in) > 0) {
		n = ss->chunk_left < sizeof(ibuf) ? ss->chunk_left :
		    sizeof(ibuf);
		if (ss->chunk_skip) {
			n = n < evbuffer_get_length(in) ? n :
			    evbuffer_get_length(in);
			evbuffer_drain(in, n);
		} else {
			n = evbuffer_remove(in, ibuf, n);
			olen = srv_tx_conv_feed(&ss->tx->bdat, ibuf, n, obuf);
			srv_tx_write(ss, obuf, olen);
		}
		ss->chunk_left -= n;
	}
	if (ss->chunk_left == 0)
		srv_tx_chunk_end(ss);
}

/* srv_tx_input - message octets from the client */
void
srv_tx_input(struct srv_session *ss)
{
	struct evbuffer	*in = bufferevent_get_input(ss->bev);
	size_t		 before = evbuffer_get_length(in);

	if (ss->input == SRV_IN_DATA)
		srv_tx_data_input(ss, in);
	else if (ss->input == SRV_IN_CHUNK)
		srv_tx_chunk_input(ss, in);
	if (ss->tx != NULL) {
		ss->tx->received += before - evbuffer_get_length(in);
		srv_limit_data(ss, ss->tx->received);
	}
}

/* srv_tx_on_committed - MSG_TX_COMMITTED: now, and only now, 250 */
void
srv_tx_on_committed(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_tx_result	*m = msg;
	struct srv_session		*ss;
	struct srv_tx			*tx;

	(void)c;
	(void)id;
	(void)fd;
	if (!srv_tx_result_valid(m))
		fatalx("ipc: MSG_TX_COMMITTED from queue: bad answer %d",
		    m->code);
	ss = srv_session_find(arg, m->sessid);
	if (ss == NULL || (tx = ss->tx) == NULL || tx->msgid != m->msgid ||
	    ss->input != SRV_IN_WAIT || (ss->flags & SRV_F_CLOSING)) {
		srv_tx_stray(arg, m, -1);
		return;
	}
	if (m->code == 0) {
		ss->nmails++;
		ss->nrcpts += tx->nrcpt;
		ss->srv->stats.messages_received++;
		ss->srv->stats.recipients_received += tx->nrcpt;
		log_info("%016llx smtp event=tx-commit msgid=%08x size=%llu "
		    "rcpts=%zu", (unsigned long long)ss->id, tx->msgid,
		    (unsigned long long)tx->written, tx->nrcpt);
		srv_reply(ss, 250, "2.0.0", "%08x Message accepted for delivery",
		    tx->msgid);
		srv_fevent(ss, IPC_FEV_TX_COMMIT, tx->msgid, 0, tx->written,
		    NULL);
		srv_fevent(ss, IPC_FEV_TX_RESET, tx->msgid, 0, 0, NULL);
		tx->msgid = 0;
	} else {
		log_info("%016llx smtp event=refused cmd=commit msgid=%08x "
		    "code=%d", (unsigned long long)ss->id, tx->msgid, m->code);
		srv_reply(ss, m->code, m->enhanced, "%s", m->text);
	}
	srv_tx_reset(ss);	/* a message not committed: tx-rollback */
	ss->input = SRV_IN_CMD;
	srv_session_resume(ss);
}

/* srv_tx_hdr_init - at the start of the header section */
void
srv_tx_hdr_init(struct srv_tx_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->bol = 1;
}

/* srv_tx_hdr_feed - count Received: fields of "\n"-terminated text */
void
srv_tx_hdr_feed(struct srv_tx_hdr *h, const char *p, size_t len)
{
	static const char	 kw[] = "received:";
	size_t			 i;
	char			 c;

	for (i = 0; i < len && !h->in_body; i++) {
		c = p[i];
		if (c == '\n') {
			if (h->bol)
				h->in_body = 1;
			h->bol = 1;
			continue;
		}
		if (h->bol) {
			h->bol = 0;
			h->matched = 0;
		}
		if (h->matched >= sizeof(kw) - 1)
			continue;		/* decided for this line */
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != kw[h->matched])
			h->matched = sizeof(kw);
		else if (++h->matched == sizeof(kw) - 1)
			h->received++;
	}
}

/* srv_tx_conv_init - before the first chunk */
void
srv_tx_conv_init(struct srv_tx_conv *b)
{
	memset(b, 0, sizeof(*b));
}

/* srv_tx_conv_octet - note one wire octet of a line, CR and LF included */
static void
srv_tx_conv_octet(struct srv_tx_conv *b, unsigned char c)
{
	if (c == '\0')
		b->flags |= SMTP_DATA_NUL;
	else if (c > 127)
		b->flags |= SMTP_DATA_8BIT;
	if (++b->linelen > SMTP_TEXT_LINE_MAX)
		b->flags |= SMTP_DATA_LINE_TOO_LONG;
}

/*
 * srv_tx_conv_feed - raw BDAT octets to spool text: CRLF becomes "\n"
 * (also across chunks), a bare CR or LF is kept and flagged.  out needs
 * room for inlen + 1 octets; returns the octets written.
 */
size_t
srv_tx_conv_feed(struct srv_tx_conv *b, const char *in, size_t inlen,
    char *out)
{
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < inlen; i++) {
		c = (unsigned char)in[i];
		if (b->cr) {
			b->cr = 0;
			if (c == '\n') {
				srv_tx_conv_octet(b, c);
				out[o++] = '\n';
				b->size += 2;
				b->linelen = 0;
				continue;
			}
			b->flags |= SMTP_DATA_BARE_EOL;
			out[o++] = '\r';
			b->size++;
		}
		if (c == '\r') {
			srv_tx_conv_octet(b, c);
			b->cr = 1;
			continue;
		}
		if (c == '\n')
			b->flags |= SMTP_DATA_BARE_EOL;
		srv_tx_conv_octet(b, c);
		out[o++] = (char)c;
		b->size++;
	}
	return o;
}

/* srv_tx_conv_end - after the LAST chunk: a held CR was bare */
void
srv_tx_conv_end(struct srv_tx_conv *b)
{
	if (b->cr)
		b->flags |= SMTP_DATA_BARE_EOL;
	b->cr = 0;
}

/* srv_tx_cat - append to a header being built; -1 when it does not fit */
static int
srv_tx_cat(char *buf, size_t bufsz, size_t *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *o, bufsz - *o, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= bufsz - *o)
		return -1;
	*o += (size_t)n;
	return 0;
}

/*
 * srv_tx_received - the Received: header in spool form ("\n" line ends).
 * helo NULL hides the client (mask-src); src NULL is the local socket;
 * rdns "" is unknown; tlsinfo and rcpt are optional.
 */
int
srv_tx_received(char *buf, size_t bufsz, const char *helo, const char *rdns,
    const char *src, const char *hostname, const char *with,
    const char *tlsinfo, uint32_t msgid, const char *rcpt, const char *date)
{
	size_t	o = 0;
	int	rc = 0;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	rc |= srv_tx_cat(buf, bufsz, &o, "Received:");
	if (helo != NULL && src == NULL)
		rc |= srv_tx_cat(buf, bufsz, &o, " from %s (localhost)\n\t",
		    helo);
	else if (helo != NULL)
		rc |= srv_tx_cat(buf, bufsz, &o, " from %s (%s%s[%s])\n\t",
		    helo, rdns, *rdns ? " " : "", src);
	else
		rc |= srv_tx_cat(buf, bufsz, &o, " ");
	rc |= srv_tx_cat(buf, bufsz, &o, "by %s (posthorn) with %s id %08x",
	    hostname, with, msgid);
	if (tlsinfo != NULL)
		rc |= srv_tx_cat(buf, bufsz, &o, "\n\t(%s)", tlsinfo);
	if (rcpt != NULL)
		rc |= srv_tx_cat(buf, bufsz, &o, "\n\tfor <%s>", rcpt);
	rc |= srv_tx_cat(buf, bufsz, &o, ";\n\t%s\n", date);
	if (rc != 0) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
