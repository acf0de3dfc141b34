/*
 * hostile_relay.c - a compromised relay worker.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "hostile.h"

/* hostile_relay_result - one MSG_RELAY_RESULT for evpid */
static void
hostile_relay_result(struct hostile *h, uint64_t evpid, int32_t status)
{
	struct msg_dlv_result	m;

	memset(&m, 0, sizeof(m));
	m.evpid = evpid;
	m.status = status;
	strlcpy(m.text, status == IPC_DLV_OK ? "250 2.0.0 forged" :
	    "550 5.0.0 forged", sizeof(m.text));
	hostile_log("event=forge evpid=%016llx status=%s",
	    (unsigned long long)evpid, status == IPC_DLV_OK ? "ok" :
	    "permfail");
	hostile_msg(h, PROC_QUEUE, MSG_RELAY_RESULT, 0, -1, &m);
}

/*
 * hostile_relay_on_usr1 - the test's signal: report success and
 * permanent failure for the envelope PH_HOSTILE_ARG names (never given
 * to this worker) and for an id no envelope has
 */
static void
hostile_relay_on_usr1(evutil_socket_t sig, short what, void *arg)
{
	struct hostile	*h = arg;
	uint64_t	 evpid;

	(void)sig;
	(void)what;
	evpid = strtoull(h->arg, NULL, 16);
	hostile_relay_result(h, evpid, IPC_DLV_OK);
	hostile_relay_result(h, evpid, IPC_DLV_PERMFAIL);
	hostile_relay_result(h, 0x0123456789abcdefULL, IPC_DLV_OK);
	hostile_relay_result(h, 0x0123456789abcdefULL, IPC_DLV_PERMFAIL);
	hostile_log("event=forged");
}

/* hostile_relay_forge - wait for SIGUSR1, then forge results */
static void
hostile_relay_forge(struct hostile *h)
{
	hostile_on_signal(SIGUSR1, hostile_relay_on_usr1, h);
}

const struct hostile_scenario hostile_relay_scenarios[] = {
	{ "forge",	PROC_RELAY, HOSTILE_ALONE, hostile_relay_forge },
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
