/*
 * hostile_local.c - a compromised local delivery agent: it runs as the
 * recipient, is given one delivery and answers for another, answers
 * the second of two deliveries in flight before the first, or answers
 * with a frame the catalogue does not allow.
 */
#include <string.h>
#include <unistd.h>

#include "hostile.h"

/* hostile_local_run - wait for the parent's MSG_LOCAL_RUN; 0, or -1 */
static int
hostile_local_run(struct hostile *h, struct msg_local_run *run)
{
	static unsigned char	 buf[IPC_FRAME_MAX];
	struct ipc_hdr		 hdr;
	int			 fd, rv;

	while ((rv = hostile_recv(h, PROC_PARENT, &hdr, buf, sizeof(buf),
	    &fd, 30000)) == 1) {
		if (fd != -1)
			close(fd);
		if (hdr.type == MSG_LOCAL_RUN) {
			memcpy(run, buf, sizeof(*run));
			return 0;
		}
	}
	hostile_log("event=error what=no-delivery");
	return -1;
}

/*
 * hostile_local_answer - wait for a delivery, and make r the honest
 * answer to it, for the scenario to spoil; 0, or -1
 */
static int
hostile_local_answer(struct hostile *h, struct msg_local_result *r)
{
	struct msg_local_run	 run;

	if (hostile_local_run(h, &run) == -1)
		return -1;
	memset(r, 0, sizeof(*r));
	r->evpid = run.evpid;
	r->seq = run.seq;
	r->status = IPC_DLV_OK;
	strlcpy(r->text, "delivered (forged)", sizeof(r->text));
	hostile_log("event=forged evpid=%016llx seq=%u",
	    (unsigned long long)run.evpid, run.seq);
	return 0;
}

/*
 * hostile_local_forge - given delivery seq, report success for seq + 1
 * and for another envelope: deliveries it was never given
 */
static void
hostile_local_forge(struct hostile *h)
{
	struct msg_local_result	 r;

	if (hostile_local_answer(h, &r) == -1)
		return;
	r.seq++;
	hostile_msg(h, PROC_PARENT, MSG_LOCAL_RESULT, 0, -1, &r);
	r.seq--;
	r.evpid ^= 1;
	hostile_msg(h, PROC_PARENT, MSG_LOCAL_RESULT, 0, -1, &r);
}

/*
 * hostile_local_reorder - given two deliveries at once, report success
 * for the second before the first: the parent takes results only in
 * the order it gave the deliveries
 */
static void
hostile_local_reorder(struct hostile *h)
{
	struct msg_local_result	 r[2];

	if (hostile_local_answer(h, &r[0]) == -1 ||
	    hostile_local_answer(h, &r[1]) == -1)
		return;
	hostile_msg(h, PROC_PARENT, MSG_LOCAL_RESULT, 0, -1, &r[1]);
	hostile_msg(h, PROC_PARENT, MSG_LOCAL_RESULT, 0, -1, &r[0]);
}

/* hostile_local_garbage - given a delivery, answer with a short frame */
static void
hostile_local_garbage(struct hostile *h)
{
	struct msg_local_result	 r;

	if (hostile_local_answer(h, &r) == -1)
		return;
	hostile_send(h, PROC_PARENT, MSG_LOCAL_RESULT, 0, -1, &r,
	    sizeof(r) - 1);
}

const struct hostile_scenario hostile_local_scenarios[] = {
	{ "forge",	PROC_LOCAL, HOSTILE_ALONE, hostile_local_forge },
	{ "garbage",	PROC_LOCAL, HOSTILE_ALONE, hostile_local_garbage },
	{ "reorder",	PROC_LOCAL, HOSTILE_ALONE, hostile_local_reorder },
	{ NULL,		PROC_MAX, HOSTILE_ALONE, NULL }
};
