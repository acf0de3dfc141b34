/*
 * lookup_fdata.c - a message through the data-line phase of the filter
 * processes of its listener.  The listener writes the message on a
 * socket (MSG_LOOKUP_FILTER_DATA), dot-stuffed lines ended by "."; each
 * line goes to the first process of the chain that registered data-line,
 * what it returns (filter-dataline) to the next, and what the last
 * returns back to the listener, which spools it.  A milter of the chain
 * is a stage too: it keeps the lines to the end, then passes on the
 * message as the milter edited it (lookup_mdata.c).  A chain without such a
 * process returns the lines as they came.  A process that goes down,
 * returns a line too long or is silent for LOOKUP_FCHAIN_TIMEOUT seconds
 * once the message is in closes the stream: the listener, which sees no
 * final ".", ends the session.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

struct lookup_fdata {
	TAILQ_ENTRY(lookup_fdata)	 entry;
	struct lookup_fprocs		*fps;
	uint64_t			 sessid;
	struct bufferevent		*bev;	/* the listener's stream */
	struct lookup_fproc		*stage[CFG_SFILTER_MEMBERS];
	struct lookup_mconn		*milter[CFG_SFILTER_MEMBERS];
	uint64_t			 token[CFG_SFILTER_MEMBERS];
	size_t				 nstages;
	int				 in_ended;	/* "." came in */
	int				 reading;	/* in on_read */
	const char			*failed;	/* while reading */
	struct event			*timer;
};

/* lookup_fdata_free - forget the stream; the listener sees its end */
static void
lookup_fdata_free(struct lookup_fdata *fd)
{
	size_t	i;

	for (i = 0; i < fd->nstages; i++)
		if (fd->milter[i] != NULL)
			lookup_milter_data_gone(fd->milter[i]);
	TAILQ_REMOVE(&fd->fps->streams, fd, entry);
	bufferevent_free(fd->bev);
	event_free(fd->timer);
	free(fd);
}

/*
 * lookup_fdata_abort - the message cannot go through: close the stream
 * (once the lines read are handled, when it comes from one of them)
 */
void
lookup_fdata_abort(struct lookup_fdata *fd, const char *why)
{
	if (fd->reading) {
		if (fd->failed == NULL)
			fd->failed = why;
		return;
	}
	log_warnx("%016llx lookup event=filter-failed phase=data-line "
	    "reason=\"%s\"", (unsigned long long)fd->sessid, why);
	lookup_fchain_tx_end(fd->fps, fd->sessid, 0);
	lookup_fdata_free(fd);
}

/* lookup_fdata_on_timeout - a process kept the end of the message */
static void
lookup_fdata_on_timeout(evutil_socket_t s, short what, void *arg)
{
	(void)s;
	(void)what;
	lookup_fdata_abort(arg, "time-out");
}

/* lookup_fdata_emit - a stuffed line to stage i, or to the listener */
int
lookup_fdata_emit(struct lookup_fdata *fd, size_t i, const char *line)
{
	struct timeval	 tv = { LOOKUP_FCHAIN_TIMEOUT, 0 };
	struct timespec	 ts;
	struct buf	 b;
	const char	*un;
	int		 r, end;

	if (fd->in_ended)
		evtimer_add(fd->timer, &tv);
	if (i == fd->nstages) {
		if (strcmp(line, ".") == 0)
			evtimer_del(fd->timer);
		evbuffer_add_printf(bufferevent_get_output(fd->bev), "%s\n",
		    line);
		return 0;
	}
	if (fd->milter[i] != NULL)
		return lookup_milter_data_line(fd->milter[i], line);
	if (fd->stage[i] == NULL)
		return -1;	/* a milter's connection that went away */
	end = lookup_fproto_unstuff(line, &un);
	clock_gettime(CLOCK_REALTIME, &ts);
	buf_init(&b, LOOKUP_FPROTO_LINE_MAX + 1);
	r = lookup_fproto_dataline(&b, &ts, fd->sessid, fd->token[i],
	    end ? NULL : un);
	if (r == 0)
		r = lookup_fproc_write(fd->stage[i], &b);
	buf_free(&b);
	return r;
}

/* lookup_fdata_on_read - lines of the message from the listener */
static void
lookup_fdata_on_read(struct bufferevent *bev, void *arg)
{
	struct lookup_fdata	*fd = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 len;
	int			 r;

	fd->reading = 1;
	while (fd->failed == NULL &&
	    (line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		r = fd->in_ended || len > LOOKUP_FPROTO_LINE_MAX - 64 ||
		    len != strlen(line) ? -1 : 0;
		if (r == 0 && strcmp(line, ".") == 0)
			fd->in_ended = 1;
		if (r == 0)
			r = lookup_fdata_emit(fd, 0, line);
		free(line);
		if (r == -1)
			lookup_fdata_abort(fd, "invalid line from the "
			    "listener");
	}
	if (fd->failed == NULL && evbuffer_get_length(in) >
	    LOOKUP_FPROTO_LINE_MAX)
		lookup_fdata_abort(fd, "line too long from the listener");
	fd->reading = 0;
	if (fd->failed != NULL)
		lookup_fdata_abort(fd, fd->failed);
}

/* lookup_fdata_on_event - the listener closed the stream: forget it */
static void
lookup_fdata_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	lookup_fdata_free(arg);
}

/*
 * lookup_fdata_touch - a milter stage awaits an answer for at most secs:
 * the stream waits that long, and a little more, before it gives up
 */
void
lookup_fdata_touch(struct lookup_fdata *fd, long long secs)
{
	struct timeval	tv = { LOOKUP_FCHAIN_TIMEOUT, 0 };

	if (secs + 5 > LOOKUP_FCHAIN_TIMEOUT)
		tv.tv_sec = (time_t)secs + 5;
	evtimer_add(fd->timer, &tv);
}

/* lookup_fdata_forget - a milter stage's connection goes away */
void
lookup_fdata_forget(struct lookup_fdata *fd, const struct lookup_mconn *mc)
{
	size_t	i;

	for (i = 0; i < fd->nstages; i++)
		if (fd->milter[i] == mc)
			fd->milter[i] = NULL;
}

/* lookup_fdata_milter - milter f takes the message, if it wants it */
static void
lookup_fdata_milter(struct lookup_fdata *fd, const struct cfg_sfilter *f,
    uint32_t msgid)
{
	struct lookup_mconn	*mc;

	if ((mc = lookup_milter_stage(fd->fps->milters, fd->sessid,
	    f)) == NULL)
		return;
	fd->milter[fd->nstages] = mc;
	lookup_milter_data_begin(mc, fd, fd->nstages++, msgid);
}

/* lookup_fdata_stages - the chain's processes that take data-line */
static int
lookup_fdata_stages(struct lookup_fdata *fd, const struct cfg_sfilter *f,
    uint32_t msgid)
{
	const struct cfg_sfilter *const	*m = &f;
	struct lookup_fproc		*lf;
	size_t				 i, n = 1;

	if (f->kind == CFG_SFILTER_CHAIN) {
		m = (const struct cfg_sfilter *const *)f->members;
		n = f->nmembers;
	}
	for (i = 0; i < n; i++) {
		if (m[i]->kind == CFG_SFILTER_MILTER) {
			lookup_fdata_milter(fd, m[i], msgid);
			continue;
		}
		if (m[i]->kind != CFG_SFILTER_PROC)
			continue;
		lf = lookup_fproc_of(fd->fps, m[i]->proc);
		if (lf == NULL || !lf->ready)
			return -1;
		if (!(lf->filters & (1u << LOOKUP_FPROTO_DATA_LINE)))
			continue;
		fd->token[fd->nstages] = ++fd->fps->next_token;
		fd->stage[fd->nstages++] = lf;
	}
	return 0;
}

/* lookup_fdata_on_start - MSG_LOOKUP_FILTER_DATA: a message begins */
void
lookup_fdata_on_start(struct ipc *c, uint32_t id, int s, const void *msg,
    void *arg)
{
	const struct msg_lka_filter_data	*m = msg;
	struct lookup				*l = arg;
	const struct cfg_listener		*ls;
	struct lookup_fdata			*fd;

	(void)c;
	(void)id;
	ls = lookup_listener_at(l, m->listener);
	if (ls == NULL || !cfg_sfilter_has_remote(ls->filter))
		fatalx("ipc: MSG_LOOKUP_FILTER_DATA from smtpd: listener %u "
		    "runs no filter process or milter", m->listener);
	fd = xcalloc(1, sizeof(*fd));
	fd->fps = l->fprocs;
	fd->sessid = m->sessid;
	fd->bev = bufferevent_socket_new(ev_base(), s, BEV_OPT_CLOSE_ON_FREE);
	if (fd->bev == NULL)
		fatalx("lookup: bufferevent_socket_new");
	fd->timer = evtimer_new(ev_base(), lookup_fdata_on_timeout, fd);
	TAILQ_INSERT_TAIL(&l->fprocs->streams, fd, entry);
	bufferevent_setcb(fd->bev, lookup_fdata_on_read, NULL,
	    lookup_fdata_on_event, fd);
	bufferevent_enable(fd->bev, EV_READ | EV_WRITE);
	lookup_fchain_tx_begin(l->fprocs, m->sessid, m->msgid);
	if (lookup_fdata_stages(fd, ls->filter, m->msgid) == -1)
		lookup_fdata_abort(fd, "filter process not running");
}

/*
 * lookup_fdata_result - a filter-dataline of process lf: 0, or -1 when
 * it belongs to no stream (the caller logs it)
 */
int
lookup_fdata_result(struct lookup_fproc *lf,
    const struct lookup_fproto_result *res)
{
	struct lookup_fdata	*fd;
	size_t			 i;

	TAILQ_FOREACH(fd, &lf->fps->streams, entry) {
		if (fd->sessid != res->sessid)
			continue;
		for (i = 0; i < fd->nstages; i++)
			if (fd->stage[i] == lf && fd->token[i] == res->token) {
				if (lookup_fdata_emit(fd, i + 1,
				    res->param) == -1)
					lookup_fdata_abort(fd, "filter process "
					    "not running");
				return 0;
			}
	}
	return -1;
}

/* lookup_fdata_proc_down - a process went down: its streams fail */
void
lookup_fdata_proc_down(struct lookup_fproc *lf)
{
	struct lookup_fdata	*fd, *next;
	size_t			 i;

	TAILQ_FOREACH_SAFE(fd, &lf->fps->streams, entry, next)
		for (i = 0; i < fd->nstages; i++)
			if (fd->stage[i] == lf) {
				lookup_fdata_abort(fd, "filter process down");
				break;
			}
}
