/*
 * sendmail.c - sendmail(8), mailq(1) and newaliases(1): the local
 * enqueuer every Unix program calls.
 *
 * A message read from standard input is submitted over SMTP on the
 * spool's enqueue socket (so the listener applies the same rules as to
 * any other client, as "from local").  When the daemon is down it is
 * written to the spool's offline area and enqueued when the daemon
 * starts.  It never reports success (exit 0) for a message that is not
 * in the spool or accepted by the daemon.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "ctl_client.h"
#include "log.h"
#include "sendmail.h"
#include "table.h"
#include "xmalloc.h"

/* sendmail_usage - print the synopsis; EX_USAGE */
static int
sendmail_usage(void)
{
	fprintf(stderr, "usage: sendmail [-tiUv] [-oi] [-f from] [-F name] "
	    "[-C file] [-bs|-bp|-bi|-bm] [--] [recipient ...]\n");
	return EX_USAGE;
}

/* sendmail_optarg - the value of -X value or -Xvalue */
static const char *
sendmail_optarg(int argc, char *argv[], int *i)
{
	if (argv[*i][2] != '\0')
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* sendmail_opt - one option; 0, or an exit code for a bad one */
static int
sendmail_opt(struct sendmail *sm, int argc, char *argv[], int *i)
{
	const char	*a = argv[*i], *v;

	switch (a[1]) {
	case 't':
		sm->opt_t = 1;
		return a[2] ? sendmail_usage() : 0;
	case 'i':
		sm->opt_i = 1;
		return 0;
	case 'U':
	case 'v':
		return 0;
	case 'o':
		if (strcmp(a, "-oi") == 0)
			sm->opt_i = 1;
		return 0;	/* other -oX options: accepted, no effect */
	case 'b':
		if (strchr("spim", a[2]) == NULL || a[3] != '\0')
			return sendmail_usage();
		sm->mode = a[2];
		return 0;
	case 'f':
	case 'r':
	case 'F':
	case 'C':
	case 'B':
	case 'N':
	case 'R':
	case 'V':
	case 'X':
	case 'L':
		if ((v = sendmail_optarg(argc, argv, i)) == NULL)
			return sendmail_usage();
		if (a[1] == 'f' || a[1] == 'r')
			sm->from = v;
		else if (a[1] == 'F')
			sm->fullname = v;
		else if (a[1] == 'C')
			sm->conf = v;
		return 0;
	default:
		return sendmail_usage();
	}
}

/* sendmail_args - options, then recipients; 0 or an exit code */
static int
sendmail_args(struct sendmail *sm, int argc, char *argv[])
{
	int	i, rv;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if ((rv = sendmail_opt(sm, argc, argv, &i)) != 0)
			return rv;
	}
	for (; i < argc; i++)
		if (sendmail_rcpt_add(sm, argv[i]) == -1)
			return EX_DATAERR;
	return 0;
}

/* sendmail_identity - who sends: -f, else the invoking user at sm->host */
static int
sendmail_identity(struct sendmail *sm)
{
	struct passwd	*pw;

	if ((pw = getpwuid(getuid())) == NULL) {
		fprintf(stderr, "sendmail: who are you (uid %d)?\n",
		    (int)getuid());
		return EX_NOUSER;
	}
	strlcpy(sm->login, pw->pw_name, sizeof(sm->login));
	if (sm->fullname == NULL && pw->pw_gecos != NULL &&
	    pw->pw_gecos[0] != '\0')
		sm->fullname = xstrndup(pw->pw_gecos,
		    strcspn(pw->pw_gecos, ","));
	if (sm->from != NULL && strcmp(sm->from, "<>") == 0)
		sm->sender[0] = '\0';
	else if (sendmail_qualify(sm, sm->from ? sm->from : sm->login,
	    sm->sender, sizeof(sm->sender)) == -1) {
		fprintf(stderr, "sendmail: bad sender address\n");
		return EX_DATAERR;
	}
	return 0;
}

/* sendmail_spool - the spool of the instance the configuration names */
static int
sendmail_spool(struct sendmail *sm)
{
	struct cfg	*cfg;
	char		 err[2048];

	if (sm->conf == NULL && access(POSTHORN_CONF, F_OK) == -1) {
		strlcpy(sm->spool, POSTHORN_SPOOL, sizeof(sm->spool));
		sm->max_size = 35 * 1024 * 1024;
		return 0;
	}
	if ((cfg = cfg_load(sm->conf ? sm->conf : POSTHORN_CONF, NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "sendmail: %s\n", err);
		return EX_CONFIG;
	}
	strlcpy(sm->spool, cfg->queue.path, sizeof(sm->spool));
	sm->max_size = (size_t)cfg->smtp.max_message_size;
	sm->cfg = cfg;
	return 0;
}

/* sendmail_mailq - `sendmail -bp`: the queue, as smtpctl shows it */
static int
sendmail_mailq(struct sendmail *sm)
{
	return ctl_client_send(sm->spool, MSG_CTL_SHOW_QUEUE, NULL) ?
	    EX_UNAVAILABLE : EX_OK;
}

/* sendmail_newaliases - `sendmail -bi`: rebuild every db: alias table */
static int
sendmail_newaliases(struct sendmail *sm)
{
	const struct cfg_action	*a;
	char			 src[PATH_MAX_CFG], err[1024];
	size_t			 len, n = 0;

	if (sm->cfg == NULL) {
		fprintf(stderr, "newaliases: no configuration\n");
		return EX_CONFIG;
	}
	TAILQ_FOREACH(a, &sm->cfg->actions, entry) {
		if (a->alias == NULL || a->alias->type != CFG_TABLE_DB)
			continue;
		len = strlcpy(src, a->alias->path, sizeof(src));
		if (len > 3 && strcmp(src + len - 3, ".db") == 0)
			src[len - 3] = '\0';
		if (makemap_build(src, a->alias->path, MAKEMAP_SRC_ALIASES, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "newaliases: %s\n", err);
			return EX_DATAERR;
		}
		n++;
	}
	if (n == 0)
		printf("newaliases: no db: aliases table to rebuild; "
		    "file: tables are read directly\n");
	return EX_OK;
}

/* sendmail_enqueue - read, complete and submit one message */
static int
sendmail_enqueue(struct sendmail *sm)
{
	int	rv;

	if ((rv = sendmail_read(sm, stdin)) != 0)
		return rv;
	if (sm->nrcpt == 0) {
		fprintf(stderr, "sendmail: no recipients\n");
		return EX_USAGE;
	}
	if ((rv = sendmail_submit(sm)) != EX_TEMPFAIL || !sm->untaken)
		return rv;
	return sendmail_offline(sm);
}

/* sendmail_run - the program; returns a sysexits.h code */
int
sendmail_run(int argc, char *argv[])
{
	struct sendmail	 sm;
	const char	*prog;
	int		 rv;

	memset(&sm, 0, sizeof(sm));
	log_init("sendmail", 1, 0);
	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	sm.mode = 'm';
	if (strcmp(prog, "mailq") == 0)
		sm.mode = 'p';
	else if (strcmp(prog, "newaliases") == 0)
		sm.mode = 'i';
	/* before the arguments: bare recipients are qualified with it */
	if (gethostname(sm.host, sizeof(sm.host)) == -1 || sm.host[0] == '\0')
		strlcpy(sm.host, "localhost", sizeof(sm.host));
	if ((rv = sendmail_args(&sm, argc, argv)) != 0 ||
	    (rv = sendmail_spool(&sm)) != 0)
		return rv;
	switch (sm.mode) {
	case 'p':
		return sendmail_mailq(&sm);
	case 'i':
		return sendmail_newaliases(&sm);
	case 's':
		return sendmail_stdio(&sm);
	}
	if ((rv = sendmail_identity(&sm)) != 0)
		return rv;
	return sendmail_enqueue(&sm);
}
