/*
 * log.c - logging to syslog(3) (facility mail) or stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "log.h"

static struct {
	char	proc[32];
	int	to_stderr;
	int	verbose;
	int	opened;
} log_state = { "posthorn", 1, 0, 0 };

/*
 * log_init - set the process name and destination for all further lines.
 * Syslog's socket is connected here (LOG_NDELAY), before a role chroots:
 * inside its root there is no /dev/log to connect to later.
 */
void
log_init(const char *procname, int to_stderr, int verbose)
{
	log_setproc(procname);
	log_state.to_stderr = to_stderr;
	log_state.verbose = verbose;
	if (!to_stderr && !log_state.opened) {
		openlog("posthorn", LOG_PID | LOG_NDELAY, LOG_MAIL);
		log_state.opened = 1;
	}
}

/* log_setproc - name the current process in every line */
void
log_setproc(const char *procname)
{
	strlcpy(log_state.proc, procname, sizeof(log_state.proc));
}

void
log_setverbose(int verbose)
{
	log_state.verbose = verbose;
}

int
log_getverbose(void)
{
	return log_state.verbose;
}

int
log_tostderr(void)
{
	return log_state.to_stderr;
}

/*
 * log_emit - write one formatted line with an optional errno suffix: an
 * error="..." key on an event= line, ": reason" on a start-up message
 */
static void
log_emit(int pri, int err, const char *fmt, va_list ap)
{
	char	msg[2048];
	size_t	len;
	int	n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		strlcpy(msg, "(unformattable log message)", sizeof(msg));
	len = strlen(msg);
	if (err && strstr(msg, "event=") != NULL)
		(void)snprintf(msg + len, sizeof(msg) - len, " error=\"%s\"",
		    strerror(err));
	else if (err)
		(void)snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(err));

	if (log_state.to_stderr) {
		struct timespec	ts;
		struct tm	tm;
		char		tbuf[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%d]: %s\n", tbuf,
		    ts.tv_nsec / 1000000, log_state.proc, (int)getpid(), msg);
		fflush(stderr);
	} else
		syslog(pri, "%s: %s", log_state.proc, msg);
}

#define LOG_BODY(pri, err) do {			\
	va_list	ap;				\
	int	saved = errno;			\
	va_start(ap, fmt);			\
	log_emit((pri), (err), fmt, ap);	\
	va_end(ap);				\
	errno = saved;				\
} while (0)

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, errno);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void
log_debug(const char *fmt, ...)
{
	if (!log_state.verbose)
		return;
	LOG_BODY(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, errno);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}

void
panic(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	abort();
}

/* log_vis - escape control and 8-bit characters so a line stays one line */
const char *
log_vis(char *dst, size_t dstsz, const char *s)
{
	if (dstsz == 0)
		return "";
	if (s == NULL)
		s = "(null)";
	if (strlen(s) * 4 + 1 > dstsz) {
		char	tmp[1024];

		strlcpy(tmp, s, sizeof(tmp) < dstsz / 4 ? sizeof(tmp) : dstsz / 4);
		strvis(dst, tmp, VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL);
	} else
		strvis(dst, s, VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL);
	return dst;
}
