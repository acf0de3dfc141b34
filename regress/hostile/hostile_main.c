/*
 * hostile_main.c - ph_hostile: smtpd(8) with the role of PH_HOSTILE
 * played by one of the scenarios (see hostile.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "hostile.h"
#include "log.h"
#include "proc.h"
#include "../../smtpd/smtpd_run.h"

static const struct hostile_scenario *const hostile_tables[] = {
	hostile_smtpd_scenarios,
	hostile_lookup_scenarios,
	hostile_relay_scenarios,
	hostile_queue_scenarios,
	hostile_local_scenarios,
};

static const struct hostile_scenario	*hostile_the;
static struct hostile			 hostile_state;

/* hostile_find - the scenario PH_HOSTILE names ("role:name"); NULL if none */
static const struct hostile_scenario *
hostile_find(const char *spec)
{
	const struct hostile_scenario	*s;
	enum proc_role			 role;
	char				 buf[128], *name;
	size_t				 i;

	strlcpy(buf, spec, sizeof(buf));
	if ((name = strchr(buf, ':')) == NULL)
		return NULL;
	*name++ = '\0';
	if (proc_role_parse(buf, &role) == -1)
		return NULL;
	for (i = 0; i < sizeof(hostile_tables) / sizeof(hostile_tables[0]); i++)
		for (s = hostile_tables[i]; s->name != NULL; s++)
			if (s->role == role && strcmp(s->name, name) == 0)
				return s;
	return NULL;
}

/* the real entry points, as smtpd(8)'s processes declare them */
static struct proc_main	hostile_mains[PROC_MAX + 1];

/* hostile_real - the real entry point of a role */
static int
(*hostile_real(enum proc_role role))(struct proc_env *)
{
	const struct proc_main	*m;

	for (m = hostile_mains; m->main != NULL; m++)
		if (m->role == role)
			return m->main;
	return NULL;
}

/* hostile_on_fire - HOSTILE_INLINE: the scenario, once, from the loop */
static void
hostile_on_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	hostile_log("event=scenario name=%s", hostile_the->name);
	hostile_the->run(&hostile_state);
}

/* hostile_on_frame - HOSTILE_ALONE: log what a peer sends, close fds */
static void
hostile_on_frame(evutil_socket_t sock, short what, void *arg)
{
	struct event	*ev = arg;
	struct ipc_hdr	 hdr;
	char		 buf[IPC_FRAME_MAX];
	int		 fd, peer;

	(void)what;
	for (peer = 0; peer < PROC_MAX; peer++)
		if (hostile_state.fd[peer] == sock)
			break;
	if (hostile_recv(&hostile_state, (enum proc_role)peer, &hdr, buf,
	    sizeof(buf), &fd, 0) == -1) {
		event_del(ev);
		return;
	}
	if (fd != -1)
		close(fd);
}

/* hostile_alone - play the whole role: drop, hello, run, then listen */
static int
hostile_alone(struct proc_env *env)
{
	struct event	*ev;
	int		 peer;

	if (hostile_the->role != PROC_LOCAL)
		proc_child_start(hostile_the->role, env->spool, NULL, NULL);
	for (peer = 0; peer < PROC_MAX; peer++)
		if (hostile_state.fd[peer] != -1)
			hostile_hello(&hostile_state, (enum proc_role)peer);
	hostile_log("event=scenario name=%s", hostile_the->name);
	hostile_the->run(&hostile_state);
	for (peer = 0; peer < PROC_MAX; peer++) {
		if (hostile_state.fd[peer] == -1)
			continue;
		ev = event_new(ev_base(), hostile_state.fd[peer], EV_READ |
		    EV_PERSIST, hostile_on_frame, event_self_cbarg());
		event_add(ev, NULL);
	}
	ev_dispatch();
	return 0;
}

/* hostile_role_main - the entry point that replaces the role's */
static int
hostile_role_main(struct proc_env *env)
{
	struct timeval	tv = { 0, 0 };
	int		peer;

	hostile_state.env = env;
	hostile_state.self = hostile_the->role;
	hostile_state.arg = getenv("PH_HOSTILE_ARG");
	if (hostile_state.arg == NULL)
		hostile_state.arg = "";
	for (peer = 0; peer < PROC_MAX; peer++)
		hostile_state.fd[peer] = proc_child_fd(hostile_the->role,
		    (enum proc_role)peer);
	if (hostile_the->mode == HOSTILE_ALONE)
		return hostile_alone(env);
	event_base_once(ev_base(), -1, EV_TIMEOUT, hostile_on_fire, NULL, &tv);
	return hostile_real(hostile_the->role)(env);
}

/* main - smtpd(8) with one role replaced when PH_HOSTILE says so */
int
main(int argc, char *argv[])
{
	static struct proc_main	 mains[PROC_MAX + 1];
	const char		*spec;
	size_t			 i;

	proc_entries(hostile_mains);
	for (i = 0; hostile_mains[i].main != NULL; i++)
		mains[i] = hostile_mains[i];
	mains[i] = hostile_mains[i];
	if ((spec = getenv("PH_HOSTILE")) != NULL && *spec != '\0') {
		if ((hostile_the = hostile_find(spec)) == NULL) {
			fprintf(stderr, "ph_hostile: no scenario %s\n", spec);
			return 1;
		}
		for (i = 0; mains[i].main != NULL; i++)
			if (mains[i].role == hostile_the->role)
				mains[i].main = hostile_role_main;
	}
	return smtpd_run(argc, argv, mains);
}
