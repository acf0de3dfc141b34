# t_conventions.sh - the house rules that a reading of the sources can
# check, so they cannot rot: every log line of the daemons and programs
# is one event, "[id ]<role> event=<kebab-name> key=value ...", and no
# function says why through a pointer to a static string handed back in
# a const char ** parameter.
#
# The log scan is regress/tools/logscan.py.  fatal(), fatalx() and
# panic() are not scanned: they end the process, mostly at start-up,
# and may stay prose (README, Hacking).

. "$(atf_get_srcdir)/subr.sh"

LOGSCAN="$PY $PH_TOP/regress/tools/logscan.py"

# the files whose log lines may still be prose, each with its reason
# (none now; the list stays so an exception is written down with why)
c_allow() {
	: > allow
}

atf_test_case log_lines_keyed
log_lines_keyed_head() {
	atf_set descr "every log_info/log_warn/log_warnx/log_debug format" \
	    "of common/, smtpd/, queue/ and deliver/ is one event= line"
	atf_set timeout 60
}
log_lines_keyed_body() {
	c_allow
	_allow=$PWD/allow
	atf_check -o empty -s exit:0 sh -c "cd '$PH_TOP' &&
	    $LOGSCAN --allow '$_allow' common smtpd queue deliver"
}

atf_test_case logscan_catches
logscan_catches_head() {
	atf_set descr "the scan finds prose, a missing role, a bad event" \
	    "name and a non-literal format across split literals, and" \
	    "passes the house form"
	atf_set timeout 60
}
logscan_catches_body() {
	mkdir -p src/a src/skip
	cat > src/a/x.c <<'C'
void
f(void)
{
	log_info("%016llx smtp event=tx-commit msgid=%08x "
	    "size=%zu", id, m, n);
	log_debug("%016" PRIx64 " relay event=reply code=%d", id, c);
	log_warn("parent event=send-failed what=auth-result");
	log_info("%s lookup event=%s rcpt=<%s>", id, ev, r);
	log_warnx("cannot open %s", path);
	log_info("event=start pid=%d", pid);
	log_warnx("queue "
	    "event=Bad_Name x=1");
	log_debug(fmt, x);
	fatalx("no config: %s", err);
}
C
	cp src/a/x.c src/skip/y.c
	printf 'src/skip/\tfixture\n' > allow
	cat > expout <<'OUT'
src/a/x.c:9: cannot open %s
src/a/x.c:10: event=start pid=%d
src/a/x.c:11: queue event=Bad_Name x=1
src/a/x.c:13: None
OUT
	atf_check -o file:expout -s exit:1 $LOGSCAN --allow allow src
	# an allow-list entry without its reason is refused
	printf 'src/skip/\n' > allow
	atf_check -e match:'no reason given' -s exit:1 \
	    $LOGSCAN --allow allow src
}

atf_test_case error_convention
error_convention_head() {
	atf_set descr "no function takes a const char **errstr or **why:" \
	    "reasons go into the caller's (err, errsz)"
	atf_set timeout 60
}
error_convention_body() {
	(cd "$PH_TOP" && grep -rnE --include='*.[ch]' \
	    'const char \*\*(errstr|why)\b' common smtpd queue deliver) \
	    > found
	atf_check -o empty cat found
}

atf_init_test_cases() {
	atf_add_test_case log_lines_keyed
	atf_add_test_case logscan_catches
	atf_add_test_case error_convention
}
