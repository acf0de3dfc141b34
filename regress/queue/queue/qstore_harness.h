/*
 * qstore_harness.h - what the spool tests share: a store in ./spool.
 */
#ifndef POSTHORN_QSTORE_HARNESS_H
#define POSTHORN_QSTORE_HARNESS_H

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <stdio.h>
#include <unistd.h>

#include <atf-c.h>

#include "envelope.h"

#include "../../../queue/queue/qstore.h"

/* t_spool - open (creating) ./spool as a store */
static struct qstore *
t_spool(int *dirfd)
{
	struct qstore	*q;
	char		 err[256];

	if (mkdir("spool", 0700) == -1 && errno != EEXIST)
		atf_tc_fail("mkdir spool: %s", strerror(errno));
	ATF_REQUIRE((*dirfd = open("spool", O_RDONLY | O_DIRECTORY)) != -1);
	if ((q = qstore_open(*dirfd, err, sizeof(err))) == NULL)
		atf_tc_fail("qstore_open: %s", err);
	return q;
}

/* t_spool_dirs - t_spool, every message committed as a directory */
static inline struct qstore *
t_spool_dirs(int *dirfd)
{
	struct qstore	*q = t_spool(dirfd);

	qstore_set_flat_max(q, 0);
	return q;
}

/* t_spool_walk - close and reopen the store as a restart does, then walk */
static inline struct qstore *
t_spool_walk(struct qstore *q, int *dirfd,
    int (*cb)(struct envelope *, void *), void *arg)
{
	qstore_close(q);
	close(*dirfd);
	q = t_spool(dirfd);
	ATF_REQUIRE_EQ(qstore_walk(q, cb, arg), 0);
	return q;
}

#define T_BODY	"Subject: torn\n\nwhole body\n"

/* t_evps - n envelopes of a relayed message */
static inline void
t_evps(struct envelope *evps, size_t n)
{
	size_t	i;

	memset(evps, 0, n * sizeof(*evps));
	for (i = 0; i < n; i++) {
		strlcpy(evps[i].sender, "alice@example.org", ADDR_MAX);
		(void)snprintf(evps[i].rcpt, ADDR_MAX, "r%zu@example.net", i);
		strlcpy(evps[i].dest, evps[i].rcpt, ADDR_MAX);
		strlcpy(evps[i].dispatcher, "relay", NAME_MAX_CFG);
		strlcpy(evps[i].errmsg, "421 4.4.2 later", ERRTEXT_MAX);
		evps[i].ctime = 1700000000;
		evps[i].ttl = 345600;
		evps[i].retry = 3;
	}
}

/* t_received - a message received but not committed; its msgid */
static inline uint32_t
t_received(struct qstore *q)
{
	uint32_t	msgid;
	char		err[256];
	int		fd;

	ATF_REQUIRE(qstore_msg_create(q, &msgid, &fd, err, sizeof(err)) == 0);
	ATF_REQUIRE(write(fd, T_BODY, strlen(T_BODY)) ==
	    (ssize_t)strlen(T_BODY));
	close(fd);
	return msgid;
}

/* t_committed - a committed message with n envelopes; its msgid */
static inline uint32_t
t_committed(struct qstore *q, struct envelope *evps, size_t n)
{
	uint32_t	msgid;
	char		err[256];

	msgid = t_received(q);
	t_evps(evps, n);
	if (qstore_msg_commit(q, msgid, evps, n, err, sizeof(err)) == -1)
		atf_tc_fail("commit: %s", err);
	return msgid;
}

#endif
