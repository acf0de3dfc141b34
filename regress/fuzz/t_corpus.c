/*
 * t_corpus.c - every fuzz target, built without libFuzzer (replay.c),
 * runs its whole seed corpus (regress/fuzz/corpus/NAME/) and exits 0:
 * the targets keep building and running, and the inputs that once
 * crashed them (kept in the corpora) stay fixed.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

/* t_corpus_dir - the source tree's corpus directory */
static void
t_corpus_dir(const atf_tc_t *tc, char *dir, size_t dirsz)
{
	char	 src[PATH_MAX], path[PATH_MAX * 2];

	strlcpy(src, __FILE__, sizeof(src));
	if (src[0] == '/')
		snprintf(path, sizeof(path), "%s/corpus", dirname(src));
	else	/* BUILD/regress/fuzz/t_corpus, sources relative to the top */
		snprintf(path, sizeof(path), "%s/../../../%s/corpus",
		    atf_tc_get_config_var(tc, "srcdir"), dirname(src));
	if (realpath(path, dir) == NULL || strlen(dir) >= dirsz)
		atf_tc_fail("cannot find the corpora at %s", path);
}

/* t_corpus_run - run prog over dir; its exit status, or -1 */
static int
t_corpus_run(const char *prog, const char *dir)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1)
		atf_tc_fail("fork");
	if (pid == 0) {
		execl(prog, prog, dir, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* t_corpus_one - one target over its corpus; 1 if it ran */
static int
t_corpus_one(const char *bindir, const char *corpus, const char *name)
{
	char		prog[PATH_MAX * 2], dir[PATH_MAX * 2];
	struct stat	st;
	int		rc;

	snprintf(prog, sizeof(prog), "%s/fuzz_%s", bindir, name);
	snprintf(dir, sizeof(dir), "%s/%s", corpus, name);
	if (stat(prog, &st) == -1) {
		atf_tc_fail_nonfatal("corpus %s has no target %s", name, prog);
		return 0;
	}
	if ((rc = t_corpus_run(prog, dir)) != 0) {
		atf_tc_fail_nonfatal("fuzz_%s over %s: %s %d", name, dir,
		    rc == -1 ? "killed, status" : "exit", rc);
		return 0;
	}
	return 1;
}

ATF_TC_WITHOUT_HEAD(corpus_replay_all);
ATF_TC_BODY(corpus_replay_all, tc)
{
	char		 corpus[PATH_MAX], bindir[PATH_MAX];
	struct dirent	*d;
	DIR		*dp;
	int		 ran = 0;

	t_corpus_dir(tc, corpus, sizeof(corpus));
	if (realpath(atf_tc_get_config_var(tc, "srcdir"), bindir) == NULL)
		atf_tc_fail("no srcdir");
	if ((dp = opendir(corpus)) == NULL)
		atf_tc_fail("cannot open %s", corpus);
	while ((d = readdir(dp)) != NULL)
		if (d->d_name[0] != '.')
			ran += t_corpus_one(bindir, corpus, d->d_name);
	closedir(dp);
	ATF_CHECK_MSG(ran >= 15, "only %d targets ran", ran);
}

/* every target has a corpus: a binary without one is a failure */
ATF_TC_WITHOUT_HEAD(corpus_every_target);
ATF_TC_BODY(corpus_every_target, tc)
{
	char		 corpus[PATH_MAX], bindir[PATH_MAX], dir[PATH_MAX * 2];
	struct dirent	*d;
	struct stat	 st;
	DIR		*dp;

	t_corpus_dir(tc, corpus, sizeof(corpus));
	if (realpath(atf_tc_get_config_var(tc, "srcdir"), bindir) == NULL ||
	    (dp = opendir(bindir)) == NULL)
		atf_tc_fail("no srcdir");
	while ((d = readdir(dp)) != NULL) {
		if (strncmp(d->d_name, "fuzz_", 5) != 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", corpus, d->d_name + 5);
		if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
			atf_tc_fail_nonfatal("%s has no corpus %s", d->d_name,
			    dir);
	}
	closedir(dp);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, corpus_replay_all);
	ATF_TP_ADD_TC(tp, corpus_every_target);
	return atf_no_error();
}
