/*
 * t_pl_preload.c - the power-loss model itself: write, rename, unlink
 * and mkdir with and without syncs through the interposer (linked into
 * this program), then the rebuild, checked entry by entry: what a sync
 * made durable survives, everything else is forgotten.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "pl_rebuild.h"
#include "pl_store.h"

int	pl_preload_attach(const char *dir);

/* t_put - create (or truncate) dir/name with text; optionally fsync */
static void
t_put(const char *path, const char *text, int sync)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ATF_REQUIRE_MSG(fd != -1, "%s: %s", path, strerror(errno));
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	if (sync)
		ATF_REQUIRE(fdatasync(fd) == 0);
	ATF_REQUIRE(close(fd) == 0);
}

/* t_append - add text to path without a sync */
static void
t_append(const char *path, const char *text)
{
	int	fd;

	ATF_REQUIRE((fd = open(path, O_WRONLY | O_APPEND)) != -1);
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	ATF_REQUIRE(close(fd) == 0);
}

/* t_syncdir - fsync the directory path */
static void
t_syncdir(const char *path)
{
	int	fd;

	ATF_REQUIRE((fd = open(path, O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE(fsync(fd) == 0);
	ATF_REQUIRE(close(fd) == 0);
}

/* t_start - a store, root/ made and taken as durable, the model on */
static void
t_start(unsigned limit)
{
	int	fd;

	ATF_REQUIRE(pl_store_init("store", limit) == 0);
	ATF_REQUIRE(mkdir("root", 0755) == 0);
	ATF_REQUIRE((fd = open("store", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE(pl_store_record_tree(fd, open(".", O_RDONLY)) == 0);
	ATF_REQUIRE(close(fd) == 0);
	ATF_REQUIRE(pl_preload_attach("store") == 0);
}

/* t_rebuild - rebuild root/ into out/; pl_rebuild's result */
static int
t_rebuild(void)
{
	char	err[512];
	int	fd, r;

	ATF_REQUIRE((fd = open("store", O_RDONLY | O_DIRECTORY)) != -1);
	r = pl_rebuild(fd, ".", "root", "out", err, sizeof(err));
	ATF_REQUIRE_MSG(r != -1, "%s", err);
	return r;
}

/* t_is - path exists after the rebuild with exactly text, or not (NULL) */
static void
t_is(const char *path, const char *text)
{
	char	buf[256];
	ssize_t	n;
	int	fd;

	fd = open(path, O_RDONLY);
	if (text == NULL) {
		ATF_CHECK_MSG(fd == -1 && errno == ENOENT, "%s survived", path);
		return;
	}
	ATF_REQUIRE_MSG(fd != -1, "%s lost", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ATF_REQUIRE(n >= 0);
	buf[n] = '\0';
	ATF_CHECK_STREQ_MSG(buf, text, "%s", path);
}

ATF_TC_WITHOUT_HEAD(pl_rebuild_files_and_entries);
ATF_TC_BODY(pl_rebuild_files_and_entries, tc)
{
	struct stat	sb;

	t_start(0);
	t_put("root/synced", "one", 1);
	t_append("root/synced", "two");
	t_put("root/unsynced", "x", 0);
	t_put("root/gone", "g", 1);
	t_put("root/a", "moved", 1);
	ATF_REQUIRE(mkdir("root/sub", 0700) == 0);
	t_put("root/sub/f", "in sub", 1);
	ATF_REQUIRE(mkdir("root/sub2", 0750) == 0);
	t_put("root/sub2/f", "in sub2", 1);
	t_put("root/sub2/late", "late", 1);
	t_syncdir("root/sub2");
	t_syncdir("root");
	/* after the last sync of root: all of it forgotten */
	ATF_REQUIRE(unlink("root/gone") == 0);
	ATF_REQUIRE(rename("root/a", "root/b") == 0);
	t_put("root/new", "n", 1);
	ATF_REQUIRE(unlink("root/sub2/late") == 0);
	ATF_REQUIRE_EQ(t_rebuild(), 1);
	t_is("out/synced", "one");
	t_is("out/unsynced", "");
	t_is("out/gone", "g");
	t_is("out/a", "moved");
	t_is("out/b", NULL);
	t_is("out/new", NULL);
	t_is("out/sub/f", NULL);
	t_is("out/sub2/f", "in sub2");
	t_is("out/sub2/late", "late");
	ATF_REQUIRE(stat("out/sub2", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0750);
}

ATF_TC_WITHOUT_HEAD(pl_rebuild_unsynced_mkdir);
ATF_TC_BODY(pl_rebuild_unsynced_mkdir, tc)
{
	t_start(0);
	ATF_REQUIRE(mkdir("root/d", 0700) == 0);
	t_put("root/d/f", "f", 1);
	t_syncdir("root/d");
	/* root/ never synced after the mkdir: d is not there */
	ATF_REQUIRE_EQ(t_rebuild(), 1);
	t_is("out/d/f", NULL);
	ATF_REQUIRE(access("out", F_OK) == 0);
}

ATF_TC_WITHOUT_HEAD(pl_rebuild_absent);
ATF_TC_BODY(pl_rebuild_absent, tc)
{
	char	err[256];
	int	fd;

	ATF_REQUIRE(pl_store_init("store", 0) == 0);
	ATF_REQUIRE((fd = open("store", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE(pl_store_record_tree(fd, open(".", O_RDONLY)) == 0);
	ATF_REQUIRE(pl_preload_attach("store") == 0);
	ATF_REQUIRE(mkdir("root", 0755) == 0);
	ATF_CHECK_EQ(pl_rebuild(fd, ".", "root", "out", err, sizeof(err)), 0);
	ATF_CHECK_EQ(pl_rebuild(fd, "/nonexistent/..", "root", "out", err,
	    sizeof(err)), -1);
}

ATF_TC_WITHOUT_HEAD(pl_preload_write_only);
ATF_TC_BODY(pl_preload_write_only, tc)
{
	int	fd;

	t_start(0);
	fd = openat(AT_FDCWD, "root/w", O_WRONLY | O_CREAT | O_EXCL, 0200);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE(write(fd, "wo", 2) == 2);
	ATF_REQUIRE(fsync(fd) == 0);
	ATF_REQUIRE(close(fd) == 0);
	t_syncdir("root");
	ATF_REQUIRE_EQ(access("store/error", F_OK), -1);
	ATF_REQUIRE_EQ(t_rebuild(), 1);
	ATF_REQUIRE(chmod("out/w", 0600) == 0);
	t_is("out/w", "wo");
}

ATF_TC_WITHOUT_HEAD(pl_preload_new_inode_new_record);
ATF_TC_BODY(pl_preload_new_inode_new_record, tc)
{
	char	name[32];
	int	i;

	t_start(0);
	/* inodes are reused: a fresh file never inherits an old record */
	for (i = 0; i < 10; i++) {
		(void)snprintf(name, sizeof(name), "root/old%d", i);
		t_put(name, "stale", 1);
		t_syncdir("root");
		ATF_REQUIRE(unlink(name) == 0);
		(void)snprintf(name, sizeof(name), "root/fresh%d", i);
		t_put(name, "", 0);
	}
	t_syncdir("root");
	ATF_REQUIRE_EQ(t_rebuild(), 1);
	for (i = 0; i < 10; i++) {
		(void)snprintf(name, sizeof(name), "out/fresh%d", i);
		t_is(name, "");
		(void)snprintf(name, sizeof(name), "out/old%d", i);
		t_is(name, NULL);
	}
}

ATF_TC_WITHOUT_HEAD(pl_preload_closefrom_keeps_store);
ATF_TC_BODY(pl_preload_closefrom_keeps_store, tc)
{
	t_start(0);
	closefrom(3);
	ATF_REQUIRE(fcntl(PL_FD, F_GETFD) != -1);
	ATF_REQUIRE(close(PL_FD) == 0);
	ATF_REQUIRE(fcntl(PL_FD, F_GETFD) != -1);
	t_put("root/f", "after", 1);
	t_syncdir("root");
	ATF_REQUIRE_EQ(t_rebuild(), 1);
	t_is("out/f", "after");
}

ATF_TC_WITHOUT_HEAD(pl_preload_syncfs_tree);
ATF_TC_BODY(pl_preload_syncfs_tree, tc)
{
	int	fd;

	t_start(0);
	ATF_REQUIRE(mkdir("root/d", 0700) == 0);
	t_put("root/d/f", "all", 0);
	ATF_REQUIRE((fd = open("root", O_RDONLY | O_DIRECTORY)) != -1);
	ATF_REQUIRE(syncfs(fd) == 0);
	ATF_REQUIRE(close(fd) == 0);
	ATF_REQUIRE_EQ(t_rebuild(), 1);
	t_is("out/d/f", "all");
}

ATF_TC_WITHOUT_HEAD(pl_preload_cut_at_limit);
ATF_TC_BODY(pl_preload_cut_at_limit, tc)
{
	struct pl_ctl	*ctl;
	char		 name[32];
	pid_t		 pid;
	int		 i, fd, st;

	t_start(4);
	if ((pid = fork()) == 0) {
		for (i = 0; i < 10; i++) {
			(void)snprintf(name, sizeof(name), "root/f%d", i);
			t_put(name, "data", 1);
			t_syncdir("root");
		}
		_exit(0);
	}
	ATF_REQUIRE(pid != -1);
	ATF_REQUIRE((fd = open("store", O_RDONLY)) != -1);
	ATF_REQUIRE((ctl = pl_store_map(fd)) != NULL);
	while (!__atomic_load_n(&ctl->frozen, __ATOMIC_SEQ_CST))
		usleep(1000);
	/* the fourth sync blocks: f1's data synced, its entry never */
	ATF_REQUIRE(waitpid(pid, &st, WNOHANG) == 0);
	ATF_REQUIRE(kill(pid, SIGKILL) == 0 && waitpid(pid, &st, 0) == pid);
	ATF_CHECK_EQ(ctl->count, 4);
	ATF_REQUIRE_EQ(t_rebuild(), 1);
	t_is("out/f0", "data");
	t_is("out/f1", NULL);
}

ATF_TC_WITHOUT_HEAD(pl_rebuild_refuses_error);
ATF_TC_BODY(pl_rebuild_refuses_error, tc)
{
	char	err[256];
	int	fd;

	t_start(0);
	ATF_REQUIRE((fd = open("store", O_RDONLY | O_DIRECTORY)) != -1);
	pl_store_error(fd, "fsync", EBADF);
	ATF_CHECK_EQ(pl_rebuild(fd, ".", "root", "out", err, sizeof(err)), -1);
	ATF_CHECK(strstr(err, "unrecorded") != NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, pl_rebuild_files_and_entries);
	ATF_TP_ADD_TC(tp, pl_rebuild_unsynced_mkdir);
	ATF_TP_ADD_TC(tp, pl_rebuild_absent);
	ATF_TP_ADD_TC(tp, pl_preload_write_only);
	ATF_TP_ADD_TC(tp, pl_preload_new_inode_new_record);
	ATF_TP_ADD_TC(tp, pl_preload_closefrom_keeps_store);
	ATF_TP_ADD_TC(tp, pl_preload_syncfs_tree);
	ATF_TP_ADD_TC(tp, pl_preload_cut_at_limit);
	ATF_TP_ADD_TC(tp, pl_rebuild_refuses_error);
	return atf_no_error();
}
