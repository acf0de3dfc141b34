/*
 * ctl_client.c - the control socket's client: sends one command to the
 * running daemon's control socket (the spool's run/ directory) and prints
 * the answer.  smtpctl(8) and sendmail -bp (mailq) share it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl_client.h"
#include "ev.h"
#include "ipc.h"
#include "unixsock.h"

struct ctl_client_state {
	int	done;
	int	status;
	int	failed;		/* a local error while printing */
};

/* ctl_client_on_line - one line of the daemon's answer */
static void
ctl_client_on_line(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_ctl_line	*m = msg;

	(void)c;
	(void)id;
	(void)fd;
	(void)arg;
	printf("%s\n", m->line);
}

/* ctl_client_on_end - the daemon's status for the command */
static void
ctl_client_on_end(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	const struct msg_ctl_end	*m = msg;
	struct ctl_client_state		*st = arg;

	(void)c;
	(void)id;
	(void)fd;
	st->done = 1;
	st->status = m->status || st->failed ? 1 : 0;
	if (m->status)
		fprintf(stderr, "smtpctl: %s\n", m->error[0] ? m->error :
		    "command failed");
	ev_exit();
}

/* ctl_client_on_message_fd - `show message`: copy the message to stdout */
static void
ctl_client_on_message_fd(struct ipc *c, uint32_t id, int fd, const void *msg,
    void *arg)
{
	struct ctl_client_state	*st = arg;
	char			 buf[8192];
	ssize_t			 n;

	(void)c;
	(void)id;
	(void)msg;
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	if (n != 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "smtpctl: copying the message: %s\n",
		    strerror(errno));
		st->failed = 1;
	}
	close(fd);
}

static const struct ipc_handler ctl_client_handlers[] = {
	{ MSG_CTL_LINE,	ctl_client_on_line },
	{ MSG_CTL_MESSAGE_FD, ctl_client_on_message_fd },
	{ MSG_CTL_END,	ctl_client_on_end },
	{ MSG_NONE,	NULL }
};

/* ctl_client_on_close - the daemon hung up before answering */
static void
ctl_client_on_close(struct ipc *c, void *arg)
{
	struct ctl_client_state	*st = arg;

	(void)c;
	if (!st->done) {
		fprintf(stderr, "smtpctl: the daemon closed the connection\n");
		st->status = 1;
		st->done = 1;
	}
	ev_exit();
}

/* ctl_client_connect - the control socket of the instance owning spool */
static int
ctl_client_connect(const char *spool)
{
	char	path[PATH_MAX_CFG + 32], err[PATH_MAX_CFG + 128];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s/%s", spool, SPOOL_RUN_DIR,
	    SPOOL_CONTROL_SOCK);
	if ((fd = unixsock_connect(path, SOCK_SEQPACKET, err,
	    sizeof(err))) == -1)
		fprintf(stderr, "smtpctl: smtpd is not running "
		    "(cannot connect to %s)\n", err);
	return fd;
}

/* ctl_client_send - run one command against the daemon; the exit status */
int
ctl_client_send(const char *spool, enum ipc_type type, const char *arg)
{
	struct ctl_client_state	 st = { 0, 1, 0 };
	struct msg_ctl_arg	 m;
	struct ipc		*c;
	int			 fd;

	memset(&m, 0, sizeof(m));
	if (arg && strlcpy(m.arg, arg, sizeof(m.arg)) >= sizeof(m.arg)) {
		fprintf(stderr, "smtpctl: argument too long\n");
		return 1;
	}
	if ((fd = ctl_client_connect(spool)) == -1)
		return 1;
	c = ipc_new(fd, PROC_CONTROL, PROC_QUEUE, IPC_TRUST_PEER,
	    ctl_client_handlers, &st);
	ipc_set_close_cb(c, ctl_client_on_close);
	ipc_send(c, type, 0, -1, &m, sizeof(m));
	ev_dispatch();
	ipc_free(c);
	return st.status;
}
