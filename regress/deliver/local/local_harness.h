/*
 * local_harness.h - what the tests of the local delivery methods share:
 * a message file and a delivery request for it, reading a whole result
 * file back, and one delivery with its status checked.
 */
#ifndef POSTHORN_LOCAL_HARNESS_H
#define POSTHORN_LOCAL_HARNESS_H

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "../../../deliver/local/local.h"

#define LOCAL_HARNESS_EVPID	0x5a1c93e041e7b001ULL

/*
 * local_harness_msg - the file name holding len octets of text, and a
 * request to deliver it from alice@example.org to bob@example.net as
 * the running user; the caller adds what its method needs
 */
static inline void
local_harness_msg(struct local_delivery *ld, const char *name,
    const char *text, size_t len)
{
	int	 fd;

	memset(ld, 0, sizeof(*ld));
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, text, len) == (ssize_t)len);
	close(fd);
	ld->msg_fd = open(name, O_RDONLY);
	ATF_REQUIRE(ld->msg_fd != -1);
	ld->evpid = LOCAL_HARNESS_EVPID;
	strlcpy(ld->sender, "alice@example.org", sizeof(ld->sender));
	strlcpy(ld->rcpt, "bob@example.net", sizeof(ld->rcpt));
	strlcpy(ld->user, "bob", sizeof(ld->user));
	ld->uid = getuid();
	ld->gid = getgid();
}

/* local_harness_slurp - the file at path, NUL-terminated; length in *lenp */
static inline char *
local_harness_slurp(const char *path, size_t *lenp)
{
	struct stat	 sb;
	char		*data;
	int		 fd;

	fd = open(path, O_RDONLY);
	ATF_REQUIRE_MSG(fd != -1, "open %s: %s", path, strerror(errno));
	ATF_REQUIRE(fstat(fd, &sb) == 0);
	data = malloc(sb.st_size + 1);
	ATF_REQUIRE(data != NULL);
	ATF_REQUIRE(read(fd, data, sb.st_size) == sb.st_size);
	data[sb.st_size] = '\0';
	close(fd);
	if (lenp != NULL)
		*lenp = sb.st_size;
	return data;
}

/*
 * local_harness_deliver - deliver with method from the message's first
 * octet, then sync what the result waits for as the agent does; the
 * status must be want and the reason one line
 */
static inline void
local_harness_deliver(struct local_delivery *ld,
    enum local_status (*method)(const struct local_delivery *,
    struct local_result *), enum local_status want, struct local_result *res)
{
	ATF_REQUIRE(lseek(ld->msg_fd, 0, SEEK_SET) == 0);
	local_result_init(res);
	(void)method(ld, res);
	local_maildir_commit();
	(void)local_result_sync(res);
	ATF_CHECK_EQ(res->sync_dir, -1);
	ATF_CHECK_EQ_MSG(res->status, want, "reason: %s", res->reason);
	ATF_CHECK(strchr(res->reason, '\n') == NULL);
}

#endif
