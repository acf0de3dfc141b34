/*
 * fuzz_cfg.c - the configuration parser (smtpd.conf(5)): the input is
 * the file, loaded with its includes and checked as smtpd -n does.
 */
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "fuzz.h"

static char	fuzz_cfg_dir[PATH_MAX - 32];
static char	fuzz_cfg_path[PATH_MAX];

/* fuzz_cfg_cleanup - remove the file and its directory */
static void
fuzz_cfg_cleanup(void)
{
	unlink(fuzz_cfg_path);
	rmdir(fuzz_cfg_dir);
}

/* LLVMFuzzerInitialize - a private directory for the file */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	log_init("fuzz_cfg", 1, 0);
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (snprintf(fuzz_cfg_dir, sizeof(fuzz_cfg_dir), "%s/fuzz_cfg.XXXXXX",
	    tmp) >= (int)sizeof(fuzz_cfg_dir) || mkdtemp(fuzz_cfg_dir) == NULL)
		err(1, "mkdtemp %s", fuzz_cfg_dir);
	snprintf(fuzz_cfg_path, sizeof(fuzz_cfg_path), "%s/smtpd.conf",
	    fuzz_cfg_dir);
	atexit(fuzz_cfg_cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg	*cfg;
	char		 e[1024];
	int		 fd;

	if ((fd = open(fuzz_cfg_path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) == -1)
		err(1, "%s", fuzz_cfg_path);
	if (write(fd, data, size) != (ssize_t)size)
		err(1, "%s", fuzz_cfg_path);
	close(fd);
	if ((cfg = cfg_load(fuzz_cfg_path, NULL, e, sizeof(e))) != NULL)
		cfg_free(cfg);
	else if (memchr(e, '\0', sizeof(e)) == NULL)
		abort();
	return 0;
}
