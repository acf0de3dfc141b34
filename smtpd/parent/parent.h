/*
 * parent.h - the root parent's private interfaces.
 */
#ifndef POSTHORN_PARENT_H
#define POSTHORN_PARENT_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "defs.h"
#include "envelope.h"
#include "ipc.h"

struct proc_env;

struct cfg;

struct parent_sock {
	int		fd;
	uint32_t	flags;		/* IPC_LSN_* */
	size_t		index;		/* listener in the configuration */
	char		name[HOST_MAX];
};

struct parent_socks {
	struct parent_sock	*v;
	size_t			 n;
};

/* The spool as the parent holds it (parent_spool.c). */
struct parent_spool {
	char	path[PATH_MAX_CFG];		/* the spool */
	char	run[PATH_MAX_CFG + 8];		/* its run/, for bind(2) */
	int	fd;				/* the spool directory */
	int	runfd;				/* run/ */
	uid_t	root_uid;			/* root, or the developer */
	gid_t	root_gid;			/* (gid_t)-1: any */
	uid_t	queue_uid;			/* _posthornq, or the developer */
	gid_t	queue_gid;
};

int	parent_listen_all(const struct cfg *, struct parent_socks *, char *,
	    size_t);
int	parent_listen_local(struct parent_socks *, const struct parent_spool *,
	    char *, size_t);
int	parent_listen_unix(const struct parent_spool *, const char *name, int,
	    mode_t, char *, size_t);

int	parent_spool_prepare(struct parent_spool *, const char *path, char *,
	    size_t);
int	parent_spool_pidfile(struct parent_spool *, char *, size_t);
void	parent_spool_cleanup(struct parent_spool *);

/*
 * parent_mda.c: MSG_MDA_RUN.  Like every handler of parent.c's tables it
 * gets parent.c's struct parent as arg, whose first member must stay the
 * struct proc_env pointer.  One job per request, checked against the
 * parent's configuration, then handed to a local delivery agent.
 */
struct cfg_action;
struct parent_mda_job {
	TAILQ_ENTRY(parent_mda_job)	 entry;
	struct ipc			*queue;
	const struct proc_env		*env;
	const struct cfg_action		*action;
	struct envelope			 evp;
	int				 fresh;	/* msg_mda_run.fresh */
	int				 msg_fd;
	uint32_t			 method; /* IPC_LOCAL_* */
	int				 forward; /* entry of ~/.forward */
	uint32_t			 seq;	/* the agent's, once given */
};
TAILQ_HEAD(parent_mda_list, parent_mda_job);

/* what the account look-up of an agent's start found (parent_account.c) */
struct parent_account {
	int32_t		status;			/* IPC_DLV_OK, or why not */
	int32_t		refused;		/* by the checks (root...) */
	uint32_t	uid;
	uint32_t	gid;
	char		home[PATH_MAX_CFG];
	char		shell[PATH_MAX_CFG];
	char		text[ERRTEXT_MAX];
};

struct msg_local_run;
void	parent_on_mda_run(struct ipc *, uint32_t, int, const void *, void *);
int	parent_mda_build(const struct parent_mda_job *,
	    const struct parent_account *, struct msg_local_run *, char *,
	    size_t);
void	parent_mda_done(struct parent_mda_job *, int32_t status, int refused,
	    const char *text);

/*
 * parent_agent.c: the local delivery agents, one per account and action,
 * at most PARENT_MDA_MAX, each given up to PARENT_AGENT_DEPTH deliveries
 * at once; each is closed after PARENT_AGENT_IDLE_SEC seconds without
 * work or PARENT_AGENT_USES deliveries.
 */
#define PARENT_MDA_MAX		32	/* agents at once */
#define PARENT_AGENT_DEPTH	16	/* deliveries in flight per agent */
#define PARENT_AGENT_IDLE_SEC	10	/* seconds */
#define PARENT_AGENT_USES	1024	/* deliveries */
void		 parent_agent_submit(struct parent_mda_job *);
void		 parent_agent_shutdown(void);
const char	*parent_agent_result_check(uint32_t seq, uint64_t evpid,
		    int busy, const struct msg_local_result *);

/* parent_account.c: fork the start of an agent; its pid, or -1 */
pid_t	parent_account_start(const struct parent_mda_job *, int *chan,
	    int *answer);

/* parent_lookup.c: requests of the lookup process */
extern const struct ipc_handler parent_lookup_handlers[];

struct spwd;
const char	*parent_lookup_auth_refusal(uid_t uid, const char *hash,
		    const struct spwd *sp, long today);

/*
 * parent_helper.c: short-lived children for work that may block, with
 * bounded concurrency and a time limit (see there).
 */
#define PARENT_HELPER_LIMIT	10	/* seconds: the pools' time limit */
#define PARENT_HELPER_ANSWER_MAX 64	/* bytes of a child's answer */
#define PARENT_HELPER_WAIT_MAX	4096	/* waiting requests per pool */

enum parent_helper_status {
	PARENT_HELPER_OK,		/* the answer came */
	PARENT_HELPER_TIMEOUT,		/* killed, or never started */
	PARENT_HELPER_BUSY,		/* too many requests waiting */
	PARENT_HELPER_FAILED		/* no fork, or no (whole) answer */
};

struct parent_helper_req {
	/* in the child, as root: answer with parent_helper_answer(sock) */
	void		(*child)(void *arg, int sock);
	/* in the parent, once: answer NULL unless PARENT_HELPER_OK */
	void		(*done)(void *arg, enum parent_helper_status,
			    const void *answer, int fd);
	void		 *arg;
	size_t		  answer_size;
};

struct parent_helper_job;
struct parent_helper_pool {
	const char		*name;
	size_t			 max;		/* children at once */
	time_t			 limit;		/* seconds from a request's arrival */
	size_t			 running;
	size_t			 nwaiting;
	int			 init;
	TAILQ_HEAD(, parent_helper_job) waiting;
};

void		 parent_helper_run(struct parent_helper_pool *,
		    const struct parent_helper_req *);
int		 parent_helper_answer(int sock, const void *, size_t, int fd);
int		 parent_helper_orphan_guard(void);
int		 parent_helper_become(const char *user, uid_t, gid_t,
		    int initgroups);
const char	*parent_helper_status_name(enum parent_helper_status);

/* parent_fproc.c: the filter processes, restarted when they die */
void	parent_fproc_init(const struct cfg *, struct ipc *lookup);
int	parent_fproc_reaped(pid_t, int wstatus);
void	parent_fproc_shutdown(void);

/* parent.c: the root parent's entry point, in smtpd(8)'s role table */
int	parent_main(struct proc_env *);

#endif
