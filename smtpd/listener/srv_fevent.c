/*
 * srv_fevent.c - what a session tells the filter processes of its
 * listener (smtpd-filters(7) report events): the greeting, HELO or
 * EHLO, TLS, AUTH, each step of a transaction, every command line and
 * reply line, a time-out.  Only a session of a listener whose filter
 * runs processes tells (SRV_F_FREPORT), one MSG_LOOKUP_FILTER_EVENT an
 * event, whether or not a process registered for it: the lookup knows
 * which did and writes the lines.  AUTH's secrets never leave: the
 * lines of the exchange and an initial response are masked, as
 * OpenSMTPD masks them.
 */
#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include "ipc.h"
#include "srv.h"

#define SRV_FEVENT_MASK	"********"

/* srv_fevent - one event of the session, if its listener reports */
void
srv_fevent(struct srv_session *ss, uint32_t event, uint32_t msgid,
    uint32_t result, uint64_t size, const char *text)
{
	struct msg_lka_filter_event	m;

	if (!(ss->flags & SRV_F_FREPORT))
		return;
	memset(&m, 0, sizeof(m));
	m.sessid = ss->id;
	m.listener = ss->listener->index;
	m.event = event;
	m.msgid = msgid;
	m.result = result;
	m.size = size;
	if (text != NULL)
		strlcpy(m.text, text, sizeof(m.text));
	ipc_send(ss->srv->lookup, MSG_LOOKUP_FILTER_EVENT, 0, -1, &m,
	    sizeof(m));
}

/* srv_fevent_result - a reply code as a report's result */
uint32_t
srv_fevent_result(int code)
{
	if (code < 400)
		return IPC_FEV_OK;
	return code < 500 ? IPC_FEV_TEMPFAIL : IPC_FEV_PERMFAIL;
}

/* srv_fevent_replies - protocol-server: each line of the replies in buf */
void
srv_fevent_replies(struct srv_session *ss, const char *buf)
{
	char		 line[IPC_FEV_TEXT_MAX];
	const char	*end;
	size_t		 len;

	if (!(ss->flags & SRV_F_FREPORT))
		return;
	for (; *buf != '\0'; buf = end + 2) {
		if ((end = strstr(buf, "\r\n")) == NULL)
			return;
		len = (size_t)(end - buf);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, buf, len);
		line[len] = '\0';
		srv_fevent(ss, IPC_FEV_PROTOCOL_SERVER, 0, 0, 0, line);
	}
}

/*
 * srv_fevent_command - protocol-client: a command line; a line of the
 * AUTH exchange, or AUTH's initial response, masked
 */
void
srv_fevent_command(struct srv_session *ss, const char *line, size_t len)
{
	char		 text[IPC_FEV_TEXT_MAX];
	const char	*sp;

	if (!(ss->flags & SRV_F_FREPORT))
		return;
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, line, len);
	text[len] = '\0';
	if (ss->input == SRV_IN_AUTH)
		strlcpy(text, SRV_FEVENT_MASK, sizeof(text));
	else if (strncasecmp(text, "AUTH ", 5) == 0 &&
	    (sp = strchr(text + 5, ' ')) != NULL)
		strlcpy(text + (sp - text) + 1, SRV_FEVENT_MASK,
		    sizeof(text) - (size_t)(sp - text) - 1);
	srv_fevent(ss, IPC_FEV_PROTOCOL_CLIENT, 0, 0, 0, text);
	explicit_bzero(text, sizeof(text));
}
