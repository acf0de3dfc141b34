/*
 * main.c - smtpd(8): option parsing, then the parent or one role.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "proc.h"
#include "roles.h"
#include "xmalloc.h"

/* usage - the synopsis on stderr, then exit 1 */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: smtpd [-dnv] [-f file] [-D name=value]\n");
	exit(1);
}

/* main_role - run the role named by -X in a re-executed child */
static int
main_role(const char *name, struct proc_env *env)
{
	enum proc_role	role;

	if (proc_role_parse(name, &role) == -1)
		fatalx("unknown role %s", name);
	log_init(name, env->debug, env->verbose);
	switch (role) {
	case PROC_QUEUE:
		return queue_main(env);
	case PROC_SMTPD:
		return srv_main(env);
	case PROC_DELIVER:
		return worker_main(env);
	case PROC_LOOKUP:
		return lookup_main(env);
	default:
		fatalx("role %s cannot be started with -X", name);
	}
}

/* main_options - parse argv into env; the -X role or NULL, -n in check */
static const char *
main_options(int argc, char *argv[], struct proc_env *env, int *check)
{
	const char	*role = NULL;
	char		**defs;
	int		 ch, ndefs = 0;

	defs = xcalloc((size_t)argc + 1, sizeof(char *));
	while ((ch = getopt(argc, argv, "dD:f:nvX:")) != -1) {
		switch (ch) {
		case 'd':
			env->debug = 1;
			break;
		case 'D':
			if (strchr(optarg, '=') == NULL)
				usage();
			defs[ndefs++] = optarg;
			break;
		case 'f':
			env->conf = optarg;
			break;
		case 'n':
			*check = 1;
			break;
		case 'v':
			env->verbose = 1;
			break;
		case 'X':
			role = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	env->defines = defs;
	return role;
}

/* main - smtpd(8): check the configuration, then run the parent or a role */
int
main(int argc, char *argv[])
{
	struct proc_env	 env;
	struct cfg	*cfg;
	char		 err[2048], exe[PATH_MAX];
	const char	*role;
	int		 check = 0;
	ssize_t		 n;

	memset(&env, 0, sizeof(env));
	env.conf = POSTHORN_CONF;
	role = main_options(argc, argv, &env, &check);
	log_init("parent", 1, env.verbose);

	if ((cfg = cfg_load(env.conf, env.defines, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		return 0;
	}
	env.cfg = cfg;
	env.spool = cfg->queue.path;
	env.started = time(NULL);
	if (role != NULL)
		return main_role(role, &env);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	exe[n] = '\0';
	env.exe = exe;
	return parent_main(&env);
}
