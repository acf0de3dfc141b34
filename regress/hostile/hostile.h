/*
 * hostile.h - a build of smtpd(8) in which one role is played by an
 * attacker: the compromised process of a trust boundary.
 *
 * ph_hostile is smtpd(8) with one entry of the role table replaced.  The
 * environment variable PH_HOSTILE=ROLE:SCENARIO names the role and the
 * scenario; every other role, and the role itself when PH_HOSTILE is
 * unset, runs the real code.  The parent re-executes the same binary for
 * each role, so the attacker speaks the real IPC with the real daemon.
 *
 * A scenario runs in one of two modes:
 *   HOSTILE_ALONE   the attacker replaces the role: it takes the role's
 *                   account and root (as a compromised process has
 *                   them; a local delivery agent starts as its
 *                   recipient), says hello on every channel, runs,
 *                   then reads and logs what the peers answer until
 *                   SIGTERM or until they close.
 *   HOSTILE_INLINE  the real role runs; the scenario fires once from its
 *                   event loop (after the role's hello has gone out) and
 *                   writes its frames on the role's own channels, so
 *                   that other mail keeps flowing through the real code.
 * Each frame sent and received is logged as "hostile event=..." lines in
 * the daemon's log, where the tests read them.
 */
#ifndef POSTHORN_HOSTILE_H
#define POSTHORN_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"
#include "proc.h"

enum hostile_mode {
	HOSTILE_ALONE,
	HOSTILE_INLINE
};

struct hostile {
	struct proc_env		*env;
	enum proc_role		 self;
	int			 fd[PROC_MAX];	/* channels; -1 if none */
	const char		*arg;		/* PH_HOSTILE_ARG, or "" */
};

struct hostile_scenario {
	const char		*name;
	enum proc_role		 role;
	enum hostile_mode	 mode;
	void			(*run)(struct hostile *);
};

/* hostile_send - one raw frame: any type, any length, optional fd */
int	hostile_send(struct hostile *, enum proc_role peer, uint32_t type,
	    uint32_t id, int fd, const void *payload, size_t len);
/* hostile_msg - a frame of a catalogue type with its catalogue size */
int	hostile_msg(struct hostile *, enum proc_role peer, enum ipc_type,
	    uint32_t id, int fd, const void *payload);
/* hostile_hello - the handshake a role sends first */
int	hostile_hello(struct hostile *, enum proc_role peer);
/*
 * hostile_recv - one frame from peer within timeout_ms (HOSTILE_ALONE,
 * or HOSTILE_INLINE on a channel off the role's event loop, as the key
 * holder's is): 1 and the frame, 0 on time-out, -1 when the peer is gone.
 */
int	hostile_recv(struct hostile *, enum proc_role peer,
	    struct ipc_hdr *, void *buf, size_t bufsz, int *fd,
	    int timeout_ms);
/* hostile_on_signal - run cb from the event loop on each signal sig */
void	hostile_on_signal(int sig, void (*cb)(int, short, void *), void *arg);
/* hostile_log - a "hostile event=..." line in the daemon's log */
void	hostile_log(const char *, ...) __attribute__((format(printf, 1, 2)));

/* The scenarios of each file, each table ending with a NULL name. */
extern const struct hostile_scenario hostile_smtpd_scenarios[];
extern const struct hostile_scenario hostile_lookup_scenarios[];
extern const struct hostile_scenario hostile_relay_scenarios[];
extern const struct hostile_scenario hostile_queue_scenarios[];
extern const struct hostile_scenario hostile_local_scenarios[];

#endif
