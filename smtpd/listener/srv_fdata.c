/*
 * srv_fdata.c - a message through the filter processes of its listener
 * (their data-line phase).  When the transaction's text begins, the
 * listener hands the lookup one end of a socket pair
 * (MSG_LOOKUP_FILTER_DATA) and writes the text into it, dot-stuffed,
 * ended by a "." line; what comes back, in the same form, is the
 * message as the filters return it, and is what the spool gets.  The
 * commit waits for the returned "."; a stream that ends without it
 * (a filter failed) ends the session with 421, once the client has sent
 * the whole message.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cfg.h"
#include "ev.h"
#include "ipc.h"
#include "log.h"
#include "srv.h"
#include "xmalloc.h"

#define SRV_FDATA_LINE_MAX	65536	/* a returned line, at most */

struct srv_fdata {
	struct bufferevent	*bev;
	int			 bol;		/* what we wrote: at a line
						   start */
	int			 ended;		/* the "." is written */
	srv_fdata_fn		 done;
};

/* srv_fdata_free - forget the stream (the lookup sees its end) */
void
srv_fdata_free(struct srv_tx *tx)
{
	if (tx->fdata == NULL)
		return;
	bufferevent_free(tx->fdata->bev);
	free(tx->fdata);
	tx->fdata = NULL;
}

/*
 * srv_fdata_failed - the filters did not return the whole message: 421
 * at once if the client waits for it, else at the end of its data
 */
static void
srv_fdata_failed(struct srv_session *ss, const char *why)
{
	log_info("%016llx smtp event=filter phase=data-line decision=failed "
	    "reason=\"%s\"", (unsigned long long)ss->id, why);
	if (!ss->tx->fdata->ended) {
		srv_tx_fail(ss->tx, 421, "4.3.0",
		    "Temporary failure, closing");
		srv_fdata_free(ss->tx);
		return;
	}
	srv_tx_reset(ss);
	ss->input = SRV_IN_CMD;
	srv_reply(ss, 421, "4.3.0", "%s Temporary failure, closing",
	    srv_hostname(ss));
	srv_session_close(ss);
}

/* srv_fdata_spool - the returned lines gathered in out: one write */
static void
srv_fdata_spool(struct srv_session *ss, struct evbuffer *out)
{
	size_t	len = evbuffer_get_length(out);

	if (len > 0)
		srv_tx_spool(ss, (const char *)evbuffer_pullup(out, -1), len);
}

/*
 * srv_fdata_lines - the whole lines in, unstuffed, into out: 1 at the
 * final ".", 0 when more are to come, -1 when the "." came early
 */
static int
srv_fdata_lines(struct srv_fdata *fd, struct evbuffer *in,
    struct evbuffer *out)
{
	char	*line;
	size_t	 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		if (strcmp(line, ".") == 0) {
			free(line);
			return fd->ended && evbuffer_get_length(in) == 0 ?
			    1 : -1;
		}
		evbuffer_add(out, line + (line[0] == '.'), len -
		    (line[0] == '.'));
		evbuffer_add(out, "\n", 1);
		free(line);
	}
	return 0;
}

/* srv_fdata_on_read - lines the filters return: into the spool */
static void
srv_fdata_on_read(struct bufferevent *bev, void *arg)
{
	struct srv_session	*ss = arg;
	struct srv_fdata	*fd = ss->tx->fdata;
	struct evbuffer		*in = bufferevent_get_input(bev), *out;
	srv_fdata_fn		 done = fd->done;
	int			 rc;

	if ((out = evbuffer_new()) == NULL)
		fatalx("srv_fdata_on_read: evbuffer_new");
	rc = srv_fdata_lines(fd, in, out);
	srv_fdata_spool(ss, out);
	evbuffer_free(out);
	if (rc == -1)
		srv_fdata_failed(ss, "early end");
	else if (rc == 1) {
		srv_fdata_free(ss->tx);
		done(ss);
		srv_session_resume(ss);
	} else if (evbuffer_get_length(in) > SRV_FDATA_LINE_MAX)
		srv_fdata_failed(ss, "line too long");
}

/* srv_fdata_on_event - the stream ended before the message did */
static void
srv_fdata_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	srv_fdata_failed(arg, "filter stream closed");
}

/* srv_fdata_start - the transaction's text begins: open the stream */
int
srv_fdata_start(struct srv_session *ss)
{
	struct msg_lka_filter_data	 m;
	struct srv_fdata		*fd;
	int				 sp[2];

	if (!cfg_sfilter_has_remote(ss->listener->cfg != NULL ?
	    ss->listener->cfg->filter : NULL))
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sp) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	m.sessid = ss->id;
	m.listener = ss->listener->index;
	m.msgid = ss->tx->msgid;
	if (ipc_send(ss->srv->lookup, MSG_LOOKUP_FILTER_DATA, 0, sp[1], &m,
	    sizeof(m)) == -1) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	close(sp[1]);
	fd = xcalloc(1, sizeof(*fd));
	fd->bol = 1;
	fd->bev = bufferevent_socket_new(ev_base(), sp[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (fd->bev == NULL)
		fatalx("srv_fdata_start: bufferevent_socket_new");
	bufferevent_setcb(fd->bev, srv_fdata_on_read, NULL,
	    srv_fdata_on_event, ss);
	bufferevent_enable(fd->bev, EV_READ | EV_WRITE);
	ss->tx->fdata = fd;
	return 0;
}

/* srv_fdata_write - text of the message to the filters, dot-stuffed */
void
srv_fdata_write(struct srv_tx *tx, const char *p, size_t len)
{
	struct srv_fdata	*fd = tx->fdata;
	struct evbuffer		*out = bufferevent_get_output(fd->bev);
	const char		*nl;
	size_t			 n;

	while (len > 0) {
		if (fd->bol && *p == '.')
			evbuffer_add(out, ".", 1);
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) + 1 : len;
		evbuffer_add(out, p, n);
		fd->bol = nl != NULL;
		p += n;
		len -= n;
	}
}

/* srv_fdata_end - the whole message is written: done(ss) once it is back */
void
srv_fdata_end(struct srv_session *ss, srv_fdata_fn done)
{
	struct srv_fdata	*fd = ss->tx->fdata;

	if (!fd->bol)
		srv_fdata_write(ss->tx, "\n", 1);
	evbuffer_add(bufferevent_get_output(fd->bev), ".\n", 2);
	fd->ended = 1;
	fd->done = done;
	ss->input = SRV_IN_WAIT;
}
