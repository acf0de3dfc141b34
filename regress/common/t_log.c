/*
 * t_log.c - log lines stay one line whatever a peer sends.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "log.h"

static const struct {
	const char	*in;
	const char	*out;
} t_vis[] = {
	{ "plain text", "plain text" },
	{ "a\nb", "a\\nb" },
	{ "a\r\nb", "a\\r\\nb" },
	{ "tab\there", "tab\\there" },
	{ "\x1b[31mred", "\\033[31mred" },
	{ "caf\xc3\xa9", "caf\\303\\251" },
	{ "", "" },
};

ATF_TC_WITHOUT_HEAD(log_vis_escapes);
ATF_TC_BODY(log_vis_escapes, tc)
{
	char	buf[256];
	size_t	i;

	for (i = 0; i < sizeof(t_vis) / sizeof(t_vis[0]); i++)
		ATF_CHECK_STREQ_MSG(log_vis(buf, sizeof(buf), t_vis[i].in),
		    t_vis[i].out, "case %zu", i);
	ATF_CHECK_STREQ(log_vis(buf, sizeof(buf), NULL), "(null)");
}

ATF_TC_WITHOUT_HEAD(log_vis_bounded);
ATF_TC_BODY(log_vis_bounded, tc)
{
	char	in[600], buf[64];

	memset(in, '\n', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	log_vis(buf, sizeof(buf), in);
	ATF_CHECK(strlen(buf) < sizeof(buf));
	ATF_CHECK(strchr(buf, '\n') == NULL);
	ATF_CHECK_STREQ(log_vis(buf, 0, "x"), "");
}

ATF_TC_WITHOUT_HEAD(log_verbose_toggle);
ATF_TC_BODY(log_verbose_toggle, tc)
{
	log_init("test", 1, 0);
	ATF_CHECK_EQ(log_getverbose(), 0);
	log_setverbose(1);
	ATF_CHECK_EQ(log_getverbose(), 1);
	ATF_CHECK_EQ(log_tostderr(), 1);
}

/* t_log_capture - what log_warn writes to stderr for fmt with errno */
static void
t_log_capture(const char *fmt, char *buf, size_t bufsz)
{
	FILE	*f;
	size_t	 n;
	int	 saved;

	ATF_REQUIRE((f = tmpfile()) != NULL);
	saved = dup(STDERR_FILENO);
	ATF_REQUIRE(saved != -1 && dup2(fileno(f), STDERR_FILENO) != -1);
	log_init("test", 1, 0);
	errno = ENOENT;
	log_warn(fmt, "x");
	ATF_REQUIRE(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, bufsz - 1, f);
	buf[n] = '\0';
	fclose(f);
}

ATF_TC_WITHOUT_HEAD(log_warn_errno_key);
ATF_TC_BODY(log_warn_errno_key, tc)
{
	char	buf[512];

	/* an event line gets the system error as one more key */
	t_log_capture("test event=open-failed path=%s", buf, sizeof(buf));
	ATF_CHECK_MSG(strstr(buf, "test event=open-failed path=x "
	    "error=\"No such file or directory\"\n") != NULL, "%s", buf);
	/* a start-up message keeps its prose form */
	t_log_capture("cannot open %s", buf, sizeof(buf));
	ATF_CHECK_MSG(strstr(buf, "cannot open x: No such file or directory\n")
	    != NULL, "%s", buf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, log_warn_errno_key);
	ATF_TP_ADD_TC(tp, log_vis_escapes);
	ATF_TP_ADD_TC(tp, log_vis_bounded);
	ATF_TP_ADD_TC(tp, log_verbose_toggle);
	return atf_no_error();
}
