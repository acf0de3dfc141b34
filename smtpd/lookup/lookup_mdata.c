/*
 * lookup_mdata.c - a message through a milter.  Its lines come in from
 * the stage before (lookup_fdata.c) and are kept until the last; then
 * the milter gets its header fields (SMFIC_HEADER each), the end of
 * the header (SMFIC_EOH), the body in chunks with CRLF line ends
 * (SMFIC_BODY) and the end of the message ({i}, SMFIC_BODYEOB), each
 * answered unless the milter said it would not answer.  At the end it
 * sends its edits, then its verdict: the changes of the envelopes go to
 * the queue (lookup_menv.c), the edited message goes on to the next
 * stage, the verdict waits for the commit phase (lookup_milter_phase).
 * A message the milter refuses, discards or fails on goes on unedited:
 * the commit phase refuses it.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "lookup.h"
#include "lookup_fproc.h"
#include "lookup_fproto.h"
#include "lookup_mconn.h"
#include "lookup_medit.h"
#include "lookup_milter.h"
#include "lookup_mproto.h"
#include "proc.h"

/* what the milter may be sent beyond the message's size */
#define LOOKUP_MDATA_SLACK	(1024 * 1024)

static void	lookup_mdata_next(struct lookup_mconn *);

/* lookup_mdata_drop - forget the message's text and edits */
static void
lookup_mdata_drop(struct lookup_mconn *mc)
{
	if (mc->msg.data != NULL)
		buf_free(&mc->msg);
	memset(&mc->msg, 0, sizeof(mc->msg));
	lookup_medit_free(mc->edits);
	mc->edits = NULL;
	mc->msg_ended = 0;
	lookup_menv_free(mc);
}

/* lookup_mdata_free - forget the message and its stream */
void
lookup_mdata_free(struct lookup_mconn *mc)
{
	lookup_mdata_drop(mc);
	if (mc->fd != NULL)
		lookup_fdata_forget(mc->fd, mc);
	mc->fd = NULL;
}

/* lookup_mdata_emit - text (whole lines) on to the next stage */
static int
lookup_mdata_emit(struct lookup_mconn *mc, const char *p, size_t len)
{
	char		 line[LOOKUP_FPROTO_LINE_MAX];
	const char	*nl;
	size_t		 n;

	while (len > 0 && mc->fd != NULL) {
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) : len;
		if (n + 2 > sizeof(line))
			return -1;
		line[0] = '.';
		memcpy(line + 1, p, n);
		line[n + 1] = '\0';
		if (lookup_fdata_emit(mc->fd, mc->stage + 1,
		    line + (p[0] != '.' || n == 0)) == -1)
			return -1;
		n += nl != NULL;
		p += n;
		len -= n;
	}
	return 0;
}

/* lookup_mdata_finish - the message, edited or not, on; then "." */
void
lookup_mdata_finish(struct lookup_mconn *mc, int edit)
{
	struct lookup_fdata	*fd = mc->fd;
	struct buf		 out;
	char			 err[128];
	int			 rc;

	mc->wait = LOOKUP_MWAIT_NONE;
	mc->in_tx = 0;
	buf_init(&out, mc->msg.max + LOOKUP_MDATA_SLACK);
	if (edit && mc->edits != NULL && !lookup_medit_empty(mc->edits) &&
	    lookup_medit_apply(mc->edits, mc->msg.data, mc->msg.len, &out,
	    err, sizeof(err)) == -1) {
		log_warnx("%016llx lookup event=milter-edit-failed name=%s "
		    "reason=\"%s\"", (unsigned long long)mc->sessid,
		    mc->f->name, err);
		lookup_mconn_onerror(mc, CFG_SFILTER_COMMIT, &mc->txv);
		edit = 0;
	}
	if (edit && out.len > 0)
		rc = lookup_mdata_emit(mc, out.data, out.len);
	else
		rc = lookup_mdata_emit(mc, mc->msg.data, mc->msg.len);
	buf_free(&out);
	if (rc == 0 && mc->fd != NULL)
		rc = lookup_fdata_emit(mc->fd, mc->stage + 1, ".");
	lookup_mdata_drop(mc);
	if (rc == -1 && mc->fd == fd && fd != NULL)
		lookup_fdata_abort(fd, "milter stage cannot pass the message");
}

/* lookup_mdata_fail - the milter failed: the message goes on unedited */
void
lookup_mdata_fail(struct lookup_mconn *mc)
{
	lookup_mconn_onerror(mc, CFG_SFILTER_COMMIT, &mc->txv);
	if (!mc->msg_ended) {
		if (lookup_mdata_emit(mc, mc->msg.data, mc->msg.len) == -1 &&
		    mc->fd != NULL)
			lookup_fdata_abort(mc->fd, "milter stage cannot pass "
			    "the message");
		buf_reset(&mc->msg);
		return;
	}
	lookup_mdata_finish(mc, 0);
}

/* lookup_milter_data_begin - the message of msgid begins (lookup_milter.h) */
void
lookup_milter_data_begin(struct lookup_mconn *mc, struct lookup_fdata *fd,
    size_t stage, uint32_t msgid)
{
	const struct cfg	*cfg = mc->ms->l->env->cfg;

	lookup_mdata_free(mc);
	mc->fd = fd;
	mc->stage = stage;
	mc->msgid = msgid;
	buf_init(&mc->msg, (size_t)cfg->smtp.max_message_size +
	    LOOKUP_MDATA_SLACK);
}

/* lookup_milter_data_line - a stuffed line of the message, "." last */
int
lookup_milter_data_line(struct lookup_mconn *mc, const char *line)
{
	const char	*un = line + (line[0] == '.');

	if (mc->dead || mc->msg.max == 0)
		return mc->fd != NULL ? lookup_fdata_emit(mc->fd,
		    mc->stage + 1, line) : 0;
	if (strcmp(line, ".") == 0) {
		mc->msg_ended = 1;
		mc->step = LOOKUP_MSTEP_HEADERS;
		mc->hdr_off = 0;
		mc->body_off = 0;
		mc->edits = lookup_medit_new();
		lookup_medit_bound(mc->edits, mc->msg.max);
		lookup_mdata_next(mc);
		return 0;
	}
	if (buf_addstr(&mc->msg, un) == -1 || buf_add(&mc->msg, "\n", 1) == -1)
		return -1;
	return 0;
}

/* lookup_milter_data_gone - the stream ended: nothing goes on any more */
void
lookup_milter_data_gone(struct lookup_mconn *mc)
{
	mc->fd = NULL;
	if (!mc->msg_ended)
		lookup_mdata_drop(mc);
}

/* lookup_mdata_header_fn - a header field into a packet */
static int
lookup_mdata_header_fn(void *arg, const char *name, const char *value)
{
	return lookup_mproto_header(arg, name, value);
}

/*
 * lookup_mdata_header - the next header field's packet into b: 1, 0
 * past the last (the body's offset then in mc->body_off), -1 when it
 * does not fit
 */
static int
lookup_mdata_header(struct lookup_mconn *mc, struct buf *b)
{
	int	rc;

	rc = lookup_medit_field(mc->msg.data, mc->msg.len, &mc->hdr_off,
	    (mc->protocol & LOOKUP_MPROTO_P_HDR_LEADSPC) != 0,
	    lookup_mdata_header_fn, b);
	if (rc == 0)
		mc->body_off = mc->hdr_off;
	return rc;
}

/* lookup_mdata_send - packets, answered unless the milter said nr */
static int
lookup_mdata_send(struct lookup_mconn *mc, struct buf *b, uint32_t nr,
    enum lookup_mwait w)
{
	int	rc;

	rc = lookup_mconn_send(mc, b, (mc->protocol & nr) ?
	    LOOKUP_MWAIT_NONE : w);
	buf_reset(b);
	if (rc == -1)
		return -1;
	return (mc->protocol & nr) ? 0 : 1;
}

/* lookup_mdata_body - the next chunk of the body, CRLF line ends */
static int
lookup_mdata_body(struct lookup_mconn *mc, struct buf *b)
{
	static char	 crlf[LOOKUP_MPROTO_CHUNK];
	size_t		 n = mc->msg.len - mc->body_off, len;

	if (n > LOOKUP_MPROTO_CHUNK / 2)
		n = LOOKUP_MPROTO_CHUNK / 2;
	len = lookup_medit_crlf(mc->msg.data + mc->body_off, n, crlf);
	mc->body_off += n;
	return lookup_mproto_body(b, crlf, len);
}

/* lookup_mdata_eom - the end of the message, with its {i} */
static int
lookup_mdata_eom(struct lookup_mconn *mc, struct buf *b)
{
	char		 id[16];
	const char	*nv[2] = { "i", id };

	snprintf(id, sizeof(id), "%08x", mc->msgid);
	if (lookup_mproto_macros(b, LOOKUP_MPROTO_C_BODYEOB, nv, 1) == -1 ||
	    lookup_mproto_cmd(b, LOOKUP_MPROTO_C_BODYEOB) == -1)
		return -1;
	return 0;
}

/* lookup_mdata_step - the next packet of the message into b: its wait */
static int
lookup_mdata_step(struct lookup_mconn *mc, struct buf *b, uint32_t *nr,
    enum lookup_mwait *w)
{
	int	rc;

	if (mc->step == LOOKUP_MSTEP_HEADERS) {
		if (mc->protocol & LOOKUP_MPROTO_P_NOHDRS) {
			while ((rc = lookup_mdata_header(mc, b)) == 1)
				buf_reset(b);
			buf_reset(b);
		} else
			rc = lookup_mdata_header(mc, b);
		*nr = LOOKUP_MPROTO_P_NR_HDR;
		*w = LOOKUP_MWAIT_HEADER;
		if (rc != 0)
			return rc;
		mc->step = LOOKUP_MSTEP_EOH;
		if (!(mc->protocol & LOOKUP_MPROTO_P_NOEOH)) {
			*nr = LOOKUP_MPROTO_P_NR_EOH;
			*w = LOOKUP_MWAIT_EOH;
			return lookup_mproto_cmd(b, LOOKUP_MPROTO_C_EOH) == 0 ?
			    1 : -1;
		}
	}
	if (mc->step <= LOOKUP_MSTEP_BODY) {
		mc->step = LOOKUP_MSTEP_BODY;
		if (!(mc->protocol & LOOKUP_MPROTO_P_NOBODY) &&
		    mc->body_off < mc->msg.len) {
			*nr = LOOKUP_MPROTO_P_NR_BODY;
			*w = LOOKUP_MWAIT_BODY;
			return lookup_mdata_body(mc, b) == 0 ? 1 : -1;
		}
	}
	mc->step = LOOKUP_MSTEP_EOM;
	*nr = 0;
	*w = LOOKUP_MWAIT_EOM;
	return lookup_mdata_eom(mc, b) == 0 ? 1 : -1;
}

/* lookup_mdata_next - send on until a reply is awaited */
static void
lookup_mdata_next(struct lookup_mconn *mc)
{
	struct buf		b;
	uint32_t		nr;
	enum lookup_mwait	w;
	int			rc;

	buf_init(&b, LOOKUP_MPROTO_PACKET_MAX);
	do {
		rc = lookup_mdata_step(mc, &b, &nr, &w);
		if (rc == 1)
			rc = lookup_mdata_send(mc, &b, nr, w);
	} while (rc == 0 && w != LOOKUP_MWAIT_EOM);
	buf_free(&b);
	if (rc == -1)
		lookup_mconn_fail(mc, "cannot send the message");
}

/* lookup_mdata_edit - an edit at the end of the message; -1 if refused */
static int
lookup_mdata_edit(struct lookup_mconn *mc, const struct lookup_mproto_reply *r)
{
	uint32_t	need;
	char		err[128];

	switch (r->kind) {
	case LOOKUP_MPROTO_R_ADDHEADER:
	case LOOKUP_MPROTO_R_INSHEADER:
		need = LOOKUP_MPROTO_F_ADDHDRS;
		break;
	case LOOKUP_MPROTO_R_CHGHEADER:
		need = LOOKUP_MPROTO_F_CHGHDRS;
		break;
	case LOOKUP_MPROTO_R_REPLBODY:
		need = LOOKUP_MPROTO_F_CHGBODY;
		break;
	default:
		return lookup_menv_add(mc, r);
	}
	if (!(mc->actions & need))
		return -1;
	if (lookup_medit_add(mc->edits, r, err, sizeof(err)) == -1) {
		log_warnx("%016llx lookup event=milter-edit-refused name=%s "
		    "reason=\"%s\"", (unsigned long long)mc->sessid,
		    mc->f->name, err);
		return -1;
	}
	return 0;
}

/* lookup_mdata_verdict - the milter decided on the message: it goes on */
static int
lookup_mdata_verdict(struct lookup_mconn *mc,
    const struct lookup_mproto_reply *r)
{
	int	rc, edit = 0;

	if ((rc = lookup_mphase_verdict(r, CFG_SFILTER_COMMIT,
	    &mc->txv)) == -1)
		return -1;
	if (rc == 0) {
		mc->txv.decision = -1;
		switch (r->kind) {
		case LOOKUP_MPROTO_R_CONTINUE:
			if (mc->wait != LOOKUP_MWAIT_EOM)
				return 1;
			edit = 1;
			break;
		case LOOKUP_MPROTO_R_ACCEPT:
			edit = mc->wait == LOOKUP_MWAIT_EOM;
			break;
		case LOOKUP_MPROTO_R_DISCARD:
			mc->txv.decision = CFG_SFILTER_DISCARD;
			break;
		default:
			return -1;
		}
	}
	if (mc->wait != LOOKUP_MWAIT_EOM)
		mc->tx_accepted = 1;
	if (edit && mc->nenv > 0)
		lookup_menv_start(mc);
	else
		lookup_mdata_finish(mc, edit);
	return 0;
}

/* lookup_mdata_reply - the milter's answer on the message: -1, a fault */
int
lookup_mdata_reply(struct lookup_mconn *mc,
    const struct lookup_mproto_reply *r)
{
	int	rc;

	if (mc->wait == LOOKUP_MWAIT_EOM &&
	    r->kind != LOOKUP_MPROTO_R_CONTINUE &&
	    r->kind != LOOKUP_MPROTO_R_ACCEPT &&
	    r->kind != LOOKUP_MPROTO_R_DISCARD &&
	    lookup_mphase_verdict(r, CFG_SFILTER_COMMIT, &mc->txv) == 0)
		return lookup_mdata_edit(mc, r);
	if (mc->wait == LOOKUP_MWAIT_BODY && r->kind == LOOKUP_MPROTO_R_SKIP) {
		mc->body_off = mc->msg.len;
		lookup_mdata_next(mc);
		return 0;
	}
	if ((rc = lookup_mdata_verdict(mc, r)) != 1)
		return rc;
	lookup_mdata_next(mc);
	return 0;
}
