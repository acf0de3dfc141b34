/*
 * ctl.c - smtpctl(8): parses a command and has the control client
 * (common/ctl_client.c) send it to the daemon.  `encrypt` works without
 * a daemon or a configuration.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_client.h"
#include "ipc.h"
#include "log.h"
#include "pwhash.h"

enum ctl_argk {
	CTL_ARG_NONE,
	CTL_ARG_ONE,		/* exactly one argument */
	CTL_ARG_OPT		/* none or one */
};

struct ctl_cmd {
	const char	*words;		/* the command as typed */
	enum ctl_argk	 arg;
	enum ipc_type	 type;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "show stats",		CTL_ARG_NONE,	MSG_CTL_SHOW_STATS },
	{ "show queue",		CTL_ARG_NONE,	MSG_CTL_SHOW_QUEUE },
	{ "show envelope",	CTL_ARG_ONE,	MSG_CTL_SHOW_ENVELOPE },
	{ "show message",	CTL_ARG_ONE,	MSG_CTL_SHOW_MESSAGE },
	{ "schedule",		CTL_ARG_ONE,	MSG_CTL_SCHEDULE },
	{ "remove",		CTL_ARG_ONE,	MSG_CTL_REMOVE },
	{ "update table",	CTL_ARG_OPT,	MSG_CTL_UPDATE_TABLE },
	{ "pause",		CTL_ARG_ONE,	MSG_CTL_PAUSE },
	{ "resume",		CTL_ARG_ONE,	MSG_CTL_RESUME },
	{ "log",		CTL_ARG_ONE,	MSG_CTL_LOG },
	{ "stop",		CTL_ARG_NONE,	MSG_CTL_STOP },
};

/* ctl_usage - the synopsis, exit 1 */
static void __attribute__((noreturn))
ctl_usage(void)
{
	fprintf(stderr, "usage: smtpctl [-f file] command [argument]\n");
	exit(1);
}

/* ctl_encrypt_one - print a crypt(3) hash of one password */
static int
ctl_encrypt_one(const char *pw)
{
	char	hash[PWHASH_HASH_MAX];

	if (pwhash_hash(pw, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "smtpctl: cannot hash this password\n");
		return 1;
	}
	printf("%s\n", hash);
	explicit_bzero(hash, sizeof(hash));
	return 0;
}

/* ctl_encrypt - `encrypt [string]`: the argument, or each stdin line */
static int
ctl_encrypt(int argc, char *argv[])
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 rv = 0;

	if (argc > 1)
		ctl_usage();
	if (argc == 1)
		return ctl_encrypt_one(argv[0]);
	while ((n = getline(&line, &cap, stdin)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		rv |= ctl_encrypt_one(line);
	}
	if (line)
		freezero(line, cap);
	return rv;
}

/* ctl_match - find the command the words spell; *used = words consumed */
static const struct ctl_cmd *
ctl_match(int argc, char *argv[], int *used)
{
	char	words[128];
	size_t	i;
	int	n;

	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		words[0] = '\0';
		for (n = 0; n < argc && n < 2; n++) {
			if (n)
				strlcat(words, " ", sizeof(words));
			strlcat(words, argv[n], sizeof(words));
			if (strcmp(words, ctl_cmds[i].words) == 0) {
				*used = n + 1;
				return &ctl_cmds[i];
			}
		}
	}
	return NULL;
}

/*
 * ctl_parse - the message and the argument (NULL: none) of the command
 * argv spells; -1 for an unknown command or a wrong number of arguments
 */
int
ctl_parse(int argc, char *argv[], enum ipc_type *type, const char **arg)
{
	const struct ctl_cmd	*cmd;
	int			 used;

	if (argc < 1 || (cmd = ctl_match(argc, argv, &used)) == NULL)
		return -1;
	argc -= used;
	argv += used;
	if ((cmd->arg == CTL_ARG_NONE && argc != 0) ||
	    (cmd->arg == CTL_ARG_ONE && argc != 1) || argc > 1)
		return -1;
	*type = cmd->type;
	*arg = argc ? argv[0] : NULL;
	return 0;
}

/* ctl_spool - the spool of the instance the configuration describes */
static int
ctl_spool(const char *conf, int explicit, char *spool, size_t spoolsz)
{
	struct cfg	*cfg;
	char		 err[2048];

	if (!explicit && access(conf, F_OK) == -1) {
		strlcpy(spool, POSTHORN_SPOOL, spoolsz);
		return 0;
	}
	if ((cfg = cfg_load(conf, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "smtpctl: %s\n", err);
		return -1;
	}
	strlcpy(spool, cfg->queue.path, spoolsz);
	cfg_free(cfg);
	return 0;
}

/* ctl_main - smtpctl(8) */
int
ctl_main(int argc, char *argv[])
{
	const char		*conf = POSTHORN_CONF, *arg;
	char			 spool[PATH_MAX_CFG];
	enum ipc_type		 type;
	int			 ch, explicit = 0, used;

	log_init("smtpctl", 1, 0);
	while ((ch = getopt(argc, argv, "f:")) != -1) {
		if (ch != 'f')
			ctl_usage();
		conf = optarg;
		explicit = 1;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ctl_usage();
	if (strcmp(argv[0], "encrypt") == 0)
		return ctl_encrypt(argc - 1, argv + 1);
	if (ctl_match(argc, argv, &used) == NULL) {
		fprintf(stderr, "smtpctl: unknown command: %s\n", argv[0]);
		return 1;
	}
	if (ctl_parse(argc, argv, &type, &arg) == -1)
		ctl_usage();
	if (ctl_spool(conf, explicit, spool, sizeof(spool)) == -1)
		return 1;
	return ctl_client_send(spool, type, arg);
}
