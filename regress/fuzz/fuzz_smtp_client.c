/*
 * fuzz_smtp_client.c - the SMTP client engine (relay, LMTP, sendmail)
 * through a whole session: the first octet chooses the client's flags
 * (SMTP_CLIENT_F_*: LMTP, TLS, AUTH, SIZE, 8BIT, UTF8), the rest is the
 * server's stream, read reply by reply.  The session must end with a
 * verdict on the whole and on every recipient.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp_client.h"
#include "smtp_cmd.h"
#include "smtp_reply.h"
#include "fuzz.h"

struct fuzz_smtp_client_in {
	const char			*s;
	size_t				 left;
	struct smtp_reply_parser	 rp;
};

/* fuzz_smtp_client_send - what the client says goes nowhere */
static int
fuzz_smtp_client_send(void *arg, const char *line, size_t len,
    char *err, size_t errsz)
{
	(void)arg; (void)err; (void)errsz;
	if (len < 2 || line[len - 2] != '\r' || line[len - 1] != '\n')
		abort();
	return 0;
}

/* fuzz_smtp_client_read - the next reply of the input, line by line */
static const struct smtp_reply_parser *
fuzz_smtp_client_read(void *arg, char *err, size_t errsz)
{
	struct fuzz_smtp_client_in	*in = arg;
	const char			*nl;
	size_t				 len;
	enum smtp_reply_status		 st = SMTP_REPLY_MORE;

	smtp_reply_init(&in->rp);
	while (st == SMTP_REPLY_MORE) {
		if (in->left == 0 ||
		    (nl = memchr(in->s, '\n', in->left)) == NULL) {
			(void)strlcpy(err, "connection closed", errsz);
			return NULL;
		}
		len = (size_t)(nl - in->s);
		st = smtp_reply_feed(&in->rp, in->s, len > 0 &&
		    in->s[len - 1] == '\r' ? len - 1 : len);
		in->s += len + 1;
		in->left -= len + 1;
	}
	return &in->rp;
}

/* fuzz_smtp_client_body - the message goes nowhere either */
static int
fuzz_smtp_client_body(void *arg, char *err, size_t errsz)
{
	(void)arg; (void)err; (void)errsz;
	return 0;
}

static const struct smtp_client_io fuzz_smtp_client_io = {
	fuzz_smtp_client_send, fuzz_smtp_client_read, fuzz_smtp_client_body
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_smtp_client_in	 in;
	struct smtp_client		 c;
	struct smtp_client_params	 p;
	struct smtp_client_rcpt		 r[3];
	size_t				 i;

	if (size < 1)
		return 0;
	memset(r, 0, sizeof(r));
	r[0].addr = "bob@example.net";
	r[1].addr = "carol@example.net";
	r[1].notify = SMTP_CMD_NOTIFY_SUCCESS | SMTP_CMD_NOTIFY_FAILURE;
	r[1].orcpt = "rfc822;carol@example.net";
	r[2].addr = "d\xc3\xa9nis@example.net";
	memset(&p, 0, sizeof(p));
	p.flags = data[0] & 0xf7;	/* all but TLS_REQUIRED */
	p.helo = "mx.example.org";
	p.host = "mx.example.net";
	p.user = "alice";
	p.pass = "secret";
	p.sender = "alice@example.org";
	p.size = 12345;
	p.ret = SMTP_CMD_RET_HDRS;
	p.envid = "QQ314159";
	p.rcpts = r;
	p.nrcpts = 3;
	in.s = (const char *)data + 1;
	in.left = size - 1;
	smtp_client_init(&c, &p);
	smtp_client_run(&c, &fuzz_smtp_client_io, &in);
	if (c.res.verdict == SMTP_CLIENT_V_NONE)
		abort();
	for (i = 0; i < 3; i++)
		if (r[i].res.verdict == SMTP_CLIENT_V_NONE)
			abort();
	return 0;
}
