/*
 * srv_auth.c - AUTH PLAIN and LOGIN (RFC 4954), offered only inside
 * TLS.  The lookup process checks the credentials; a failure is
 * answered with 535 after a delay that doubles with each failure of the
 * session (a timer, so other sessions go on).  Secrets are wiped after
 * use and never logged.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "ev.h"
#include "log.h"
#include "smtp_cmd.h"
#include "srv.h"
#include "xmalloc.h"

#define SRV_AUTH_B64_MAX	1024	/* one continuation line */

enum srv_auth_step {
	SRV_AUTH_PLAIN,		/* waiting for the PLAIN response */
	SRV_AUTH_LOGIN_USER,	/* waiting for the LOGIN user name */
	SRV_AUTH_LOGIN_PASS,	/* waiting for the LOGIN password */
	SRV_AUTH_CHECK		/* the lookup is checking */
};

struct srv_auth {
	enum srv_auth_step	step;
	char			user[ADDR_MAX];
};

/* srv_auth_b64_decode - strict base64 to octets, NUL-terminated; -1 if bad */
int
srv_auth_b64_decode(const char *in, char *out, size_t outsz, size_t *outlen)
{
	size_t	len = strlen(in), pad = 0, i;
	int	n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 + 1 > outsz)
		return -1;
	for (i = 0; i < len; i++) {
		if (in[i] == '=' && i >= len - 2) {
			pad++;
			continue;
		}
		if (pad != 0 || !((in[i] >= 'A' && in[i] <= 'Z') ||
		    (in[i] >= 'a' && in[i] <= 'z') ||
		    (in[i] >= '0' && in[i] <= '9') || in[i] == '+' ||
		    in[i] == '/'))
			return -1;
	}
	if ((n = EVP_DecodeBlock((unsigned char *)out,
	    (const unsigned char *)in, (int)len)) < 0 || (size_t)n < pad)
		return -1;
	*outlen = (size_t)n - pad;
	out[*outlen] = '\0';
	return 0;
}

/*
 * srv_auth_plain_decode - a PLAIN response "authzid NUL user NUL pass";
 * an authzid other than the user is refused
 */
int
srv_auth_plain_decode(const char *b64, char *user, size_t usersz,
    char *pass, size_t passsz)
{
	char	buf[SRV_AUTH_B64_MAX];
	size_t	len, zlen, ulen, plen;
	int	rc = -1;

	if (srv_auth_b64_decode(b64, buf, sizeof(buf), &len) == -1)
		return -1;
	zlen = strnlen(buf, len);
	if (zlen >= len)
		goto done;
	ulen = strnlen(buf + zlen + 1, len - zlen - 1);
	if (zlen + 1 + ulen >= len)
		goto done;
	plen = len - zlen - ulen - 2;
	if (ulen == 0 || plen == 0 || ulen >= usersz || plen >= passsz ||
	    memchr(buf + zlen + ulen + 2, '\0', plen) != NULL ||
	    (zlen != 0 && (zlen != ulen || memcmp(buf, buf + zlen + 1, ulen))))
		goto done;
	memcpy(user, buf + zlen + 1, ulen);
	user[ulen] = '\0';
	memcpy(pass, buf + zlen + ulen + 2, plen);
	pass[plen] = '\0';
	rc = 0;
 done:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* srv_auth_free - forget the exchange in progress */
void
srv_auth_free(struct srv_session *ss)
{
	if (ss->auth == NULL)
		return;
	freezero(ss->auth, sizeof(*ss->auth));
	ss->auth = NULL;
}

/* srv_auth_abort - end the exchange with a reply */
static void
srv_auth_abort(struct srv_session *ss, int code, const char *enhanced,
    const char *text)
{
	srv_auth_free(ss);
	ss->input = SRV_IN_CMD;
	srv_reply(ss, code, enhanced, "%s", text);
}

/* srv_auth_check - hand the credentials to the lookup */
static void
srv_auth_check(struct srv_session *ss, const char *user, const char *pass)
{
	strlcpy(ss->auth->user, user, sizeof(ss->auth->user));
	ss->auth->step = SRV_AUTH_CHECK;
	srv_lookup_auth(ss, user, pass);
}

/* srv_auth_plain - a PLAIN response */
static void
srv_auth_plain(struct srv_session *ss, const char *b64)
{
	char	user[ADDR_MAX], pass[512];

	if (srv_auth_plain_decode(b64, user, sizeof(user), pass,
	    sizeof(pass)) == -1)
		srv_auth_abort(ss, 501, "5.5.2", "Invalid AUTH response");
	else
		srv_auth_check(ss, user, pass);
	explicit_bzero(pass, sizeof(pass));
}

/* srv_auth_login - a LOGIN user name or password */
static void
srv_auth_login(struct srv_session *ss, const char *b64)
{
	char	buf[SRV_AUTH_B64_MAX];
	size_t	len;

	if (srv_auth_b64_decode(b64, buf, sizeof(buf), &len) == -1 ||
	    len == 0 || memchr(buf, '\0', len) != NULL ||
	    (ss->auth->step == SRV_AUTH_LOGIN_USER &&
	    len >= sizeof(ss->auth->user)) || len >= 512) {
		srv_auth_abort(ss, 501, "5.5.2", "Invalid AUTH response");
	} else if (ss->auth->step == SRV_AUTH_LOGIN_USER) {
		strlcpy(ss->auth->user, buf, sizeof(ss->auth->user));
		ss->auth->step = SRV_AUTH_LOGIN_PASS;
		ss->input = SRV_IN_AUTH;
		srv_reply(ss, 334, NULL, "UGFzc3dvcmQ6");
	} else
		srv_auth_check(ss, ss->auth->user, buf);
	explicit_bzero(buf, sizeof(buf));
}

/* srv_auth_start - AUTH mechanism [initial-response] */
void
srv_auth_start(struct srv_session *ss, const struct smtp_cmd *cmd)
{
	if (strcmp(cmd->mech, "PLAIN") != 0 && strcmp(cmd->mech, "LOGIN")) {
		srv_reply(ss, 504, "5.5.4", "Mechanism not supported");
		return;
	}
	ss->auth = xcalloc(1, sizeof(*ss->auth));
	if (strcmp(cmd->mech, "PLAIN") == 0) {
		ss->auth->step = SRV_AUTH_PLAIN;
		if (cmd->arg[0] != '\0')
			srv_auth_plain(ss, cmd->arg);
		else {
			ss->input = SRV_IN_AUTH;
			srv_reply(ss, 334, NULL, " ");
		}
		return;
	}
	ss->auth->step = SRV_AUTH_LOGIN_USER;
	if (cmd->arg[0] != '\0')
		srv_auth_login(ss, cmd->arg);
	else {
		ss->input = SRV_IN_AUTH;
		srv_reply(ss, 334, NULL, "VXNlcm5hbWU6");
	}
}

/* srv_auth_line - a continuation line of the exchange */
void
srv_auth_line(struct srv_session *ss, const char *line, size_t len)
{
	char	b64[SRV_AUTH_B64_MAX];

	if (len == 1 && line[0] == '*') {
		srv_auth_abort(ss, 501, "5.7.0", "Authentication cancelled");
		return;
	}
	if (len >= sizeof(b64) || memchr(line, '\0', len) != NULL) {
		srv_auth_abort(ss, 501, "5.5.2", "Invalid AUTH response");
		return;
	}
	memcpy(b64, line, len);
	b64[len] = '\0';
	ss->input = SRV_IN_CMD;
	if (ss->auth->step == SRV_AUTH_PLAIN)
		srv_auth_plain(ss, b64);
	else
		srv_auth_login(ss, b64);
	explicit_bzero(b64, sizeof(b64));
}

/* srv_auth_on_delay - the 535 delay is over */
static void
srv_auth_on_delay(evutil_socket_t fd, short what, void *arg)
{
	struct srv_session	*ss = arg;

	(void)fd;
	(void)what;
	ss->input = SRV_IN_CMD;
	srv_reply(ss, 535, "5.7.8", "Authentication failed");
	srv_session_resume(ss);
}

/* srv_auth_result - the lookup's verdict */
void
srv_auth_result(struct srv_session *ss, int code, const char *enhanced,
    const char *text)
{
	struct timeval	tv = { 1, 0 };
	unsigned int	i;
	char		vis[ADDR_MAX * 4];

	log_vis(vis, sizeof(vis), ss->auth->user);
	srv_fevent(ss, IPC_FEV_LINK_AUTH, 0, code == 235 ? IPC_FEV_OK :
	    code == 535 ? IPC_FEV_PERMFAIL : IPC_FEV_TEMPFAIL, 0, vis);
	if (code == 235) {
		ss->flags |= SRV_F_AUTH;
		ss->auth_user = xstrdup(ss->auth->user);
		log_info("%016llx smtp event=auth user=%s result=ok",
		    (unsigned long long)ss->id, vis);
		srv_auth_abort(ss, 235, "2.7.0", "Authentication succeeded");
		return;
	}
	log_info("%016llx smtp event=auth user=%s result=%d",
	    (unsigned long long)ss->id, vis, code);
	if (code != 535) {
		srv_auth_abort(ss, code, enhanced, text);
		return;
	}
	srv_auth_free(ss);
	for (i = 0; i < ss->auth_failures && tv.tv_sec < SRV_AUTH_DELAY_MAX;
	    i++)
		tv.tv_sec *= 2;
	ss->auth_failures++;
	if (ss->delay == NULL)
		ss->delay = evtimer_new(ev_base(), srv_auth_on_delay, ss);
	ss->input = SRV_IN_WAIT;
	evtimer_add(ss->delay, &tv);
}
