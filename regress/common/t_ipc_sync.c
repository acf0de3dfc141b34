/*
 * t_ipc_sync.c - blocking calls: the handshake, an answer found behind
 * a stale one, time-outs, a vanished peer, a broken contract.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "ipc_sync.h"

/* t_send - one frame of type with id and payload, as a peer writes it */
static void
t_send(int fd, uint32_t type, uint32_t id, const void *payload, size_t len)
{
	unsigned char	frame[IPC_FRAME_MAX];
	struct ipc_hdr	h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = (uint32_t)len;
	h.id = id;
	memcpy(frame, &h, sizeof(h));
	memcpy(frame + sizeof(h), payload, len);
	ATF_REQUIRE(ipc_sendmsg(fd, frame, sizeof(h) + len, -1) ==
	    (ssize_t)(sizeof(h) + len));
}

/* t_hello - the key holder's hello on fd */
static void
t_hello(int fd, uint32_t version)
{
	struct msg_hello	hello;

	memset(&hello, 0, sizeof(hello));
	hello.version = version;
	hello.role = PROC_KEYS;
	t_send(fd, MSG_HELLO, 0, &hello, sizeof(hello));
}

/* t_recv - the next frame the caller sent; its header into h */
static void
t_recv(int fd, struct ipc_hdr *h, void *payload, size_t len)
{
	unsigned char	frame[IPC_FRAME_MAX];
	ssize_t		n;

	n = recv(fd, frame, sizeof(frame), 0);
	ATF_REQUIRE(n >= (ssize_t)sizeof(*h));
	memcpy(h, frame, sizeof(*h));
	ATF_REQUIRE_EQ((size_t)n, sizeof(*h) + len);
	memcpy(payload, frame + sizeof(*h), len);
}

/* t_channel - a blocking channel of the listener to a key holder at *peer */
static struct ipc_sync *
t_channel(int *peer)
{
	struct msg_hello	hello;
	struct ipc_hdr		h;
	int			sv[2];
	struct ipc_sync		*s;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	t_hello(sv[1], IPC_PROTO_VERSION);
	s = ipc_sync_new(sv[0], PROC_SMTPD, PROC_KEYS, 1000);
	t_recv(sv[1], &h, &hello, sizeof(hello));
	ATF_CHECK_EQ(h.type, MSG_HELLO);
	ATF_CHECK_EQ(hello.role, PROC_SMTPD);
	*peer = sv[1];
	return s;
}

ATF_TC_WITHOUT_HEAD(ipc_sync_call_answer);
ATF_TC_BODY(ipc_sync_call_answer, tc)
{
	struct msg_key_op	m, got;
	struct msg_key_result	r, ans;
	struct ipc_hdr		h;
	struct ipc_sync		*s;
	char			 err[ERRTEXT_MAX];
	int			 peer;

	s = t_channel(&peer);
	memset(&m, 0, sizeof(m));
	strlcpy(m.pki, "mx.test", sizeof(m.pki));
	m.len = 3;
	/* an answer to an earlier call first, then the one to this call */
	memset(&r, 0, sizeof(r));
	r.len = 7;
	t_send(peer, MSG_KEY_RESULT, 77, &r, sizeof(r));
	r.len = 3;
	memcpy(r.data, "sig", 3);
	t_send(peer, MSG_KEY_RESULT, 1, &r, sizeof(r));
	ATF_REQUIRE_EQ(ipc_sync_call(s, MSG_KEY_RSA_SIGN, &m, MSG_KEY_RESULT,
	    &ans, 1000, err, sizeof(err)), 0);
	ATF_CHECK_EQ(ans.len, 3);
	ATF_CHECK(memcmp(ans.data, "sig", 3) == 0);
	t_recv(peer, &h, &got, sizeof(got));
	ATF_CHECK_EQ(h.type, MSG_KEY_RSA_SIGN);
	ATF_CHECK_EQ(h.id, 1);
	ATF_CHECK_STREQ(got.pki, "mx.test");
	ipc_sync_free(s);
	close(peer);
}

/* t_sign - one MSG_KEY_RSA_SIGN call on s: "answered", or why not */
static const char *
t_sign(struct ipc_sync *s, int timeout_ms)
{
	struct msg_key_op	m;
	struct msg_key_result	r;
	static char		 err[ERRTEXT_MAX];

	memset(&m, 0, sizeof(m));
	if (ipc_sync_call(s, MSG_KEY_RSA_SIGN, &m, MSG_KEY_RESULT, &r,
	    timeout_ms, err, sizeof(err)) == 0)
		return "answered";
	return err;
}

ATF_TC_WITHOUT_HEAD(ipc_sync_call_timeout);
ATF_TC_BODY(ipc_sync_call_timeout, tc)
{
	struct msg_key_result	r;
	struct ipc_sync		*s;
	int			 peer;

	s = t_channel(&peer);
	ATF_CHECK_STREQ(t_sign(s, 100), "timed out");
	/* the late answer does not answer the next call */
	memset(&r, 0, sizeof(r));
	t_send(peer, MSG_KEY_RESULT, 1, &r, sizeof(r));
	ATF_CHECK_STREQ(t_sign(s, 100), "timed out");
	/* the answer to that one does */
	t_send(peer, MSG_KEY_RESULT, 3, &r, sizeof(r));
	ATF_CHECK_STREQ(t_sign(s, 100), "answered");
	ipc_sync_free(s);
	close(peer);
}

ATF_TC_WITHOUT_HEAD(ipc_sync_call_peer_gone);
ATF_TC_BODY(ipc_sync_call_peer_gone, tc)
{
	struct ipc_sync	*s;
	int		 peer;

	s = t_channel(&peer);
	close(peer);
	ATF_CHECK_STREQ(t_sign(s, 1000), "the peer is gone");
	ATF_CHECK_STREQ(t_sign(s, 1000), "the peer is gone");
	ipc_sync_free(s);
}

/* t_fatal - run f in a child; its exit status */
static int
t_fatal(void (*f)(int), int peer_end[2])
{
	int	status;
	pid_t	pid;

	if ((pid = fork()) == 0) {
		close(peer_end[1]);
		f(peer_end[0]);
		_exit(0);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* t_open - what a listener does on fd: the blocking channel's handshake */
static void
t_open(int fd)
{
	(void)ipc_sync_new(fd, PROC_SMTPD, PROC_KEYS, 1000);
}

/* t_call - one call on fd, after the handshake */
static void
t_call(int fd)
{
	(void)t_sign(ipc_sync_new(fd, PROC_SMTPD, PROC_KEYS, 1000), 1000);
}

ATF_TC_WITHOUT_HEAD(ipc_sync_contract_is_fatal);
ATF_TC_BODY(ipc_sync_contract_is_fatal, tc)
{
	struct msg_key_result	r;
	int			sv[2];

	memset(&r, 0, sizeof(r));
	/* no hello at all, a wrong version, an answer before the hello */
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	close(sv[1]);
	ATF_CHECK_EQ(t_fatal(t_open, sv), 1);
	close(sv[0]);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	t_hello(sv[1], IPC_PROTO_VERSION + 1);
	ATF_CHECK_EQ(t_fatal(t_open, sv), 1);
	close(sv[0]);
	close(sv[1]);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	t_send(sv[1], MSG_KEY_RESULT, 1, &r, sizeof(r));
	ATF_CHECK_EQ(t_fatal(t_open, sv), 1);
	close(sv[0]);
	close(sv[1]);
	/* a payload of the wrong length as the answer */
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	t_hello(sv[1], IPC_PROTO_VERSION);
	t_send(sv[1], MSG_KEY_RESULT, 1, &r, sizeof(r) - 1);
	ATF_CHECK_EQ(t_fatal(t_call, sv), 1);
	close(sv[0]);
	close(sv[1]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ipc_sync_call_answer);
	ATF_TP_ADD_TC(tp, ipc_sync_call_timeout);
	ATF_TP_ADD_TC(tp, ipc_sync_call_peer_gone);
	ATF_TP_ADD_TC(tp, ipc_sync_contract_is_fatal);
	return atf_no_error();
}
