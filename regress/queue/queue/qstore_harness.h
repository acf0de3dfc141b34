/*
 * qstore_harness.h - what the spool tests share: a store in ./spool.
 */
#ifndef POSTHORN_QSTORE_HARNESS_H
#define POSTHORN_QSTORE_HARNESS_H

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <atf-c.h>

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

#endif
