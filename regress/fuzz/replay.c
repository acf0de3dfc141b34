/*
 * replay.c - a fuzz target without libFuzzer: runs every file named on
 * the command line (a directory: every file in it) through
 * LLVMFuzzerTestOneInput once and says how many it ran.  Built with the
 * ordinary compiler, so make check keeps the targets and their corpora
 * working where no clang is installed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* LLVMFuzzerInitialize - none unless the target defines one */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* replay_file - one input file through the target */
static void
replay_file(const char *path)
{
	FILE		*f;
	uint8_t		*data;
	struct stat	 st;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1)
		err(1, "%s", path);
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		err(1, "malloc");
	n = fread(data, 1, (size_t)st.st_size, f);
	if (ferror(f))
		err(1, "%s", path);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
}

/* replay_path - a file, or every file of a directory in name order */
static size_t
replay_path(const char *path)
{
	struct dirent	**names;
	struct stat	  st;
	char		  sub[4096];
	int		  i, n;
	size_t		  ran = 0;

	if (stat(path, &st) == -1)
		err(1, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return 1;
	}
	if ((n = scandir(path, &names, NULL, alphasort)) == -1)
		err(1, "%s", path);
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(sub, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			replay_file(sub);
			ran++;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int
main(int argc, char *argv[])
{
	size_t	ran = 0;
	int	i;

	if (argc < 2)
		errx(2, "usage: %s file|directory ...", argv[0]);
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		ran += replay_path(argv[i]);
	printf("replay: %zu inputs\n", ran);
	return ran > 0 ? 0 : 1;
}
