/*
 * smtpd_run.c - smtpd(8) as a library call: option parsing, then the parent
 * or one role, whose entry point comes from the caller's table.
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
#include "smtpd_run.h"
#include "xmalloc.h"

/* smtpd_run_usage - the synopsis on stderr, then exit 1 */
static void __attribute__((noreturn))
smtpd_run_usage(void)
{
	fprintf(stderr,
	    "usage: smtpd [-dnv] [-f file] [-D name=value]\n");
	exit(1);
}

/* smtpd_run_role - run the role named by -X in a re-executed child */
static int
smtpd_run_role(const char *name, struct proc_env *env,
    const struct proc_main *mains)
{
	enum proc_role	role;

	if (proc_role_parse(name, &role) == -1)
		fatalx("unknown role %s", name);
	log_init(name, env->debug, env->verbose);
	for (; mains->main != NULL; mains++)
		if (mains->role == role && role != PROC_PARENT)
			return mains->main(env);
	fatalx("role %s cannot be started with -X", name);
}

/*
 * smtpd_run_take_key - the parent takes the queue's key out of the
 * environment, wiping the original, before any role starts: it goes to
 * the queue alone (proc_spawn), never to the other roles or deliveries
 */
static char *
smtpd_run_take_key(void)
{
	char	*v, *entry;
	size_t	 len;

	if ((v = getenv(POSTHORN_QUEUE_KEY_ENV)) == NULL)
		return NULL;
	len = strlen(POSTHORN_QUEUE_KEY_ENV) + strlen(v) + 2;
	entry = xmalloc(len);
	snprintf(entry, len, "%s=%s", POSTHORN_QUEUE_KEY_ENV, v);
	explicit_bzero(v, strlen(v));
	if (unsetenv(POSTHORN_QUEUE_KEY_ENV) == -1)
		fatal("unsetenv %s", POSTHORN_QUEUE_KEY_ENV);
	return entry;
}

/* smtpd_run_is - whether the -X role is want */
static int
smtpd_run_is(const char *name, enum proc_role want)
{
	enum proc_role	role;

	return name != NULL && proc_role_parse(name, &role) == 0 &&
	    role == want;
}

/* smtpd_run_options - parse argv into env; the -X role or NULL, -n in check */
static const char *
smtpd_run_options(int argc, char *argv[], struct proc_env *env, int *check)
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
				smtpd_run_usage();
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
			smtpd_run_usage();
		}
	}
	if (optind != argc)
		smtpd_run_usage();
	env->defines = defs;
	return role;
}

/*
 * smtpd_run - smtpd(8): check the configuration, then run the parent or
 * the role of -X; mains maps each role to its entry point (PROC_PARENT
 * included) and ends with a NULL main.  Only the queue keeps the key of
 * `queue encryption`; a local delivery agent, which runs as a
 * recipient, reads no configuration at all.
 */
int
smtpd_run(int argc, char *argv[], const struct proc_main *mains)
{
	struct proc_env	 env;
	struct cfg	*cfg;
	char		 err[2048], exe[PATH_MAX];
	const char	*role;
	int		 check = 0;
	ssize_t		 n;

	memset(&env, 0, sizeof(env));
	env.conf = POSTHORN_CONF;
	role = smtpd_run_options(argc, argv, &env, &check);
	log_init("parent", 1, env.verbose);
	if (smtpd_run_is(role, PROC_LOCAL) && !check)
		return smtpd_run_role(role, &env, mains);

	if ((cfg = cfg_load(env.conf, env.defines, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		return 0;
	}
	if (!smtpd_run_is(role, PROC_QUEUE))
		cfg_wipe_queue_key(cfg);
	env.cfg = cfg;
	env.spool = cfg->queue.path;
	env.started = time(NULL);
	if (role != NULL)
		return smtpd_run_role(role, &env, mains);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	exe[n] = '\0';
	env.exe = exe;
	env.queue_key = smtpd_run_take_key();
	for (; mains->main != NULL; mains++)
		if (mains->role == PROC_PARENT)
			return mains->main(&env);
	panic("smtpd_run: no parent in the role table");
}
