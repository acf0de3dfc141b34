/*
 * file_harness.h - what tests share to set up the files they read: a
 * configuration, a table, a resolver's files, written whole.
 */
#ifndef POSTHORN_FILE_HARNESS_H
#define POSTHORN_FILE_HARNESS_H

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

/* file_harness_write - name holds exactly len octets of data (0644) */
static inline void
file_harness_write(const char *name, const char *data, size_t len)
{
	int	fd;

	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ATF_REQUIRE_MSG(fd != -1, "%s", name);
	ATF_REQUIRE_EQ(write(fd, data, len), (ssize_t)len);
	ATF_REQUIRE(close(fd) == 0);
}

/* file_harness_text - name holds the string text */
static inline void
file_harness_text(const char *name, const char *text)
{
	file_harness_write(name, text, strlen(text));
}

#endif
