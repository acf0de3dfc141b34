/*
 * lookup_fproc.c - the lookup's end of the filter processes: the parent
 * starts each and hands over a socket (MSG_FILTER_PROC), taken only for
 * a process of this configuration and a newer start than the one held.
 * The lookup writes the configuration lines, reads the registrations up
 * to "register|ready", then the results (lookup_fchain.c).  Everything
 * a process writes is bounded and checked: a line too long or a broken
 * registration puts the process down until the parent starts it again.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "buf.h"
#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "lookup.h"
#include "lookup_fproc.h"
#include "lookup_fproto.h"
#include "lookup_milter.h"
#include "xmalloc.h"

/* lookup_fproc_new - the processes of cfg, none running yet */
struct lookup_fprocs *
lookup_fproc_new(struct lookup *l, const struct cfg *cfg)
{
	struct lookup_fprocs	*fp;
	const struct cfg_fproc	*c;

	fp = xcalloc(1, sizeof(*fp));
	fp->l = l;
	TAILQ_INIT(&fp->reqs);
	TAILQ_INIT(&fp->sessions);
	TAILQ_INIT(&fp->streams);
	arc4random_buf(&fp->next_token, sizeof(fp->next_token));
	fp->milters = lookup_milter_new(l, cfg);
	TAILQ_FOREACH(c, &cfg->fprocs, entry)
		fp->n++;
	fp->v = xcalloc(fp->n + 1, sizeof(*fp->v));
	TAILQ_FOREACH(c, &cfg->fprocs, entry) {
		fp->v[c->index].cfg = c;
		fp->v[c->index].fps = fp;
	}
	return fp;
}

/* lookup_fproc_of - the process of a configured filter process */
struct lookup_fproc *
lookup_fproc_of(struct lookup_fprocs *fp, const struct cfg_fproc *c)
{
	if (c == NULL || c->index >= fp->n)
		return NULL;
	return &fp->v[c->index];
}

/* lookup_fproc_vis - a line of the process, printable for the log */
static const char *
lookup_fproc_vis(const char *line, char *out, size_t size)
{
	strnvis(out, line, size, VIS_SAFE | VIS_OCTAL | VIS_DQ);
	return out;
}

/* lookup_fproc_down - the process is gone or broken: forget its socket */
void
lookup_fproc_down(struct lookup_fproc *lf, const char *why)
{
	if (lf->bev == NULL)
		return;
	log_warnx("lookup event=filter-down name=%s generation=%u "
	    "reason=\"%s\"", lf->cfg->name, lf->generation, why);
	bufferevent_free(lf->bev);
	lf->bev = NULL;
	lf->ready = 0;
	lookup_fchain_proc_down(lf);
	lookup_fdata_proc_down(lf);
}

/* lookup_fproc_write - queue formatted lines to the process; -1 if down */
int
lookup_fproc_write(struct lookup_fproc *lf, const struct buf *b)
{
	if (lf->bev == NULL)
		return -1;
	if (bufferevent_write(lf->bev, b->data, b->len) == -1) {
		log_warnx("lookup event=filter-write-failed name=%s",
		    lf->cfg->name);
		return -1;
	}
	return 0;
}

/* lookup_fproc_register - one registration line; -1: the process broke */
static int
lookup_fproc_register(struct lookup_fproc *lf, const char *line)
{
	struct lookup_fproto_reg	 reg;
	char				 err[128], vis[256];

	if (lookup_fproto_register_parse(line, &reg, err, sizeof(err)) == -1) {
		log_warnx("lookup event=filter-refused name=%s line=\"%s\" "
		    "reason=\"%s\"", lf->cfg->name,
		    lookup_fproc_vis(line, vis, sizeof(vis)), err);
		return -1;
	}
	if (reg.kind == LOOKUP_FPROTO_REG_REPORT)
		lf->reports |= reg.which == LOOKUP_FPROTO_EVENTS ?
		    (1u << LOOKUP_FPROTO_EVENTS) - 1 : 1u << reg.which;
	else if (reg.kind == LOOKUP_FPROTO_REG_FILTER)
		lf->filters |= 1u << reg.which;
	else {
		lf->ready = 1;
		log_info("lookup event=filter-ready name=%s generation=%u "
		    "pid=%u filters=%#x reports=%#x", lf->cfg->name,
		    lf->generation, lf->pid, lf->filters, lf->reports);
	}
	return 0;
}

/* lookup_fproc_line - one line from the process; -1: the process broke */
static int
lookup_fproc_line(struct lookup_fproc *lf, const char *line, size_t len)
{
	char	vis[256];

	if (len != strlen(line)) {
		log_warnx("lookup event=filter-line-ignored name=%s "
		    "reason=\"NUL byte\"", lf->cfg->name);
		return 0;
	}
	if (!lf->ready)
		return lookup_fproc_register(lf, line);
	if (lookup_fchain_result(lf, line) == -1)
		log_warnx("lookup event=filter-line-ignored name=%s "
		    "line=\"%s\"", lf->cfg->name,
		    lookup_fproc_vis(line, vis, sizeof(vis)));
	return 0;
}

/* lookup_fproc_on_read - whole lines from the process, each bounded */
static void
lookup_fproc_on_read(struct bufferevent *bev, void *arg)
{
	struct lookup_fproc	*lf = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 len;
	int			 r;

	while (lf->bev != NULL && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		r = len > LOOKUP_FPROTO_LINE_MAX ? -1 :
		    lookup_fproc_line(lf, line, len);
		free(line);
		if (r == -1) {
			lookup_fproc_down(lf, len > LOOKUP_FPROTO_LINE_MAX ?
			    "line too long" : "invalid registration");
			return;
		}
	}
	if (lf->bev != NULL && evbuffer_get_length(in) > LOOKUP_FPROTO_LINE_MAX)
		lookup_fproc_down(lf, "line too long");
}

/* lookup_fproc_on_event - end of file or an error on the socket */
static void
lookup_fproc_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	lookup_fproc_down(arg, what & BEV_EVENT_EOF ? "end of file" :
	    "socket error");
}

/* lookup_fproc_take - a started process: write it the configuration */
static void
lookup_fproc_take(struct lookup *l, struct lookup_fproc *lf, int fd)
{
	struct buf	b;

	lf->bev = bufferevent_socket_new(ev_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	if (lf->bev == NULL)
		fatalx("lookup: bufferevent_socket_new");
	lf->filters = lf->reports = 0;
	bufferevent_setcb(lf->bev, lookup_fproc_on_read, NULL,
	    lookup_fproc_on_event, lf);
	bufferevent_enable(lf->bev, EV_READ | EV_WRITE);
	buf_init(&b, LOOKUP_FPROTO_LINE_MAX);
	if (lookup_fproto_config(&b, l->hostname) == 0)
		(void)lookup_fproc_write(lf, &b);
	buf_free(&b);
}

/* lookup_fproc_on_start - MSG_FILTER_PROC: a process the parent started */
void
lookup_fproc_on_start(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_filter_proc	*m = msg;
	struct lookup			*l = arg;
	struct lookup_fproc		*lf = NULL;

	(void)c;
	(void)id;
	if (m->index < l->fprocs->n)
		lf = &l->fprocs->v[m->index];
	if (lf == NULL || strcmp(lf->cfg->name, m->name) != 0 ||
	    m->generation <= lf->generation)
		fatalx("ipc: MSG_FILTER_PROC from parent: process %u '%s' "
		    "generation %u is not one of ours", m->index, m->name,
		    m->generation);
	lookup_fproc_down(lf, "restarted");
	lf->generation = m->generation;
	lf->pid = m->pid;
	lookup_fproc_take(l, lf, fd);
}
