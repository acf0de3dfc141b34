/*
 * sendmail_submit.c - handing a message to the daemon: SMTP over the
 * spool's enqueue socket (enqueue.c), or the offline area when the
 * daemon is down or did not take it (a 421 when it is busy, a 4xx, a
 * connection lost before the final dot), so that no message a program
 * hands to sendmail is lost for a temporary reason.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "enqueue.h"
#include "sendmail.h"
#include "offline.h"

/* sendmail_submit - give the message to the running daemon */
int
sendmail_submit(struct sendmail *sm)
{
	struct enqueue_msg	m;
	char			err[ENQUEUE_ERR_MAX];
	int			rv;

	m.spool = sm->spool;
	m.sender = sm->sender;
	m.rcpt = (const char *const *)sm->rcpt;
	m.nrcpt = sm->nrcpt;
	m.body = &sm->msg;
	rv = enqueue_submit(&m, &sm->untaken, err, sizeof(err));
	if (err[0] != '\0')
		fprintf(stderr, "sendmail: %s%s\n", err, rv == EX_TEMPFAIL &&
		    sm->untaken ? "; the message waits in the offline area" :
		    "");
	return rv;
}

/* sendmail_offline - the daemon cannot take it: leave it in offline/ */
int
sendmail_offline(struct sendmail *sm)
{
	char	path[PATH_MAX_CFG + 16], err[1024];
	int	dfd, rv;

	if (sm->sender[0] == '\0') {
		fprintf(stderr, "sendmail: the daemon cannot take the message "
		    "and one from <> cannot wait offline\n");
		return EX_TEMPFAIL;
	}
	snprintf(path, sizeof(path), "%s/offline", sm->spool);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "sendmail: the daemon cannot take the message "
		    "and %s is not usable: %s\n", path, strerror(errno));
		return EX_TEMPFAIL;
	}
	rv = offline_write(dfd, getuid(), sm->sender,
	    (const char *const *)sm->rcpt, sm->nrcpt, sm->msg.data,
	    sm->msg.len, err, sizeof(err));
	close(dfd);
	if (rv == -1) {
		fprintf(stderr, "sendmail: %s\n", err);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}

/* sendmail_pump - copy what is readable from one fd to another */
static int
sendmail_pump(int from, int to)
{
	char	buf[4096];
	ssize_t	n;

	if ((n = read(from, buf, sizeof(buf))) <= 0)
		return -1;
	return enqueue_write(to, buf, (size_t)n);
}

/* sendmail_stdio - `sendmail -bs`: SMTP on stdin/stdout, to the daemon */
int
sendmail_stdio(struct sendmail *sm)
{
	struct pollfd	pfd[2];
	int		fd;

	if ((fd = enqueue_connect(sm->spool, &sm->untaken)) == -1) {
		printf("421 4.3.0 The mail system is not running\r\n");
		return EX_TEMPFAIL;
	}
	pfd[0].fd = STDIN_FILENO;
	pfd[1].fd = fd;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, ENQUEUE_TIMEOUT * 1000) <= 0)
			break;
		if (pfd[0].revents && sendmail_pump(STDIN_FILENO, fd) == -1)
			shutdown(fd, SHUT_WR), pfd[0].fd = -1;
		if (pfd[1].revents && sendmail_pump(fd, STDOUT_FILENO) == -1)
			break;
	}
	close(fd);
	return EX_OK;
}
