/*
 * pltool.c - the test's side of the power-loss model (pl_preload.c):
 *
 *	pltool init STORE [LIMIT]	a new store; the power fails at the
 *					LIMIT-th sync of the run (0: never)
 *	pltool snapshot STORE DIR...	record DIR and all below it as
 *					durable: the baseline before a run
 *	pltool freeze STORE		the power fails now: syncs block
 *	pltool limit STORE N		the power fails at the N-th sync
 *					from now (0: never)
 *	pltool state STORE		"count=N frozen=F limit=L"
 *	pltool rebuild STORE PARENT NAME OUT
 *					make PARENT/NAME as the cut left it
 *					at OUT; exit 0, 2 if nothing of it
 *					survived, 1 on error
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_rebuild.h"
#include "pl_store.h"

/* pltool_store - open the store directory or exit */
static int
pltool_store(const char *dir)
{
	int	fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "pltool: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	return fd;
}

/* pltool_ctl - the store's control page or exit */
static struct pl_ctl *
pltool_ctl(const char *dir)
{
	struct pl_ctl	*ctl;

	if ((ctl = pl_store_map(pltool_store(dir))) == NULL) {
		fprintf(stderr, "pltool: %s: no control page\n", dir);
		exit(1);
	}
	return ctl;
}

/* pltool_snapshot - record each directory tree as durable */
static int
pltool_snapshot(const char *store, char **dirs, int n)
{
	int	s = pltool_store(store), i, fd;

	for (i = 0; i < n; i++) {
		if ((fd = open(dirs[i], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 || pl_store_record_tree(s, fd) == -1) {
			fprintf(stderr, "pltool: snapshot %s: %s\n", dirs[i],
			    strerror(errno));
			return 1;
		}
		close(fd);
	}
	return 0;
}

/* pltool_rebuild - the rebuild command */
static int
pltool_rebuild(char **av)
{
	char	err[512];
	int	r;

	r = pl_rebuild(pltool_store(av[0]), av[1], av[2], av[3], err,
	    sizeof(err));
	if (r == -1) {
		fprintf(stderr, "pltool: rebuild: %s\n", err);
		return 1;
	}
	if (r == 0) {
		printf("absent %s/%s\n", av[1], av[2]);
		return 2;
	}
	return 0;
}

/* pltool_usage - say how and exit */
static void
pltool_usage(void)
{
	fprintf(stderr, "usage: pltool init|snapshot|freeze|limit|state|"
	    "rebuild "
	    "STORE ...\n");
	exit(1);
}

/* main - one command */
int
main(int ac, char **av)
{
	struct pl_ctl	*ctl;
	uint32_t	 n;

	if (ac < 3)
		pltool_usage();
	if (strcmp(av[1], "init") == 0) {
		if (pl_store_init(av[2], ac > 3 ? (uint32_t)strtoul(av[3],
		    NULL, 10) : 0) == -1) {
			fprintf(stderr, "pltool: init %s: %s\n", av[2],
			    strerror(errno));
			return 1;
		}
		return 0;
	}
	if (strcmp(av[1], "snapshot") == 0)
		return pltool_snapshot(av[2], av + 3, ac - 3);
	if (strcmp(av[1], "rebuild") == 0 && ac == 6)
		return pltool_rebuild(av + 2);
	if (strcmp(av[1], "freeze") == 0) {
		__atomic_store_n(&pltool_ctl(av[2])->frozen, 1,
		    __ATOMIC_SEQ_CST);
		return 0;
	}
	if (strcmp(av[1], "limit") == 0 && ac == 4) {
		ctl = pltool_ctl(av[2]);
		n = (uint32_t)strtoul(av[3], NULL, 10);
		__atomic_store_n(&ctl->limit, n == 0 ? 0 : __atomic_load_n(
		    &ctl->count, __ATOMIC_SEQ_CST) + n, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (strcmp(av[1], "state") == 0) {
		ctl = pltool_ctl(av[2]);
		printf("count=%u frozen=%u limit=%u\n", ctl->count,
		    ctl->frozen, ctl->limit);
		return 0;
	}
	pltool_usage();
	return 1;
}
