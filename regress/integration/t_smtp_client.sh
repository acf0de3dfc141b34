# t_smtp_client.sh - the one SMTP client engine end to end: sendmail(8)
# hands the message to the listener through it, the relay worker takes
# it to a sink (regress/tools/sinkd.py) through it.  A UTF-8 address goes
# out with SMTPUTF8 on both legs; a recipient the listener refuses
# makes sendmail fail and submit nothing, not even for the others.

. "$(atf_get_srcdir)/subr.sh"

SINK="$PY $PH_TOP/regress/tools/sinkd.py"
SINKDIR=$PH/sink

# c_setup - a daemon relaying ok.test to a sink on 127.0.0.2:2526; mail
# for any other domain matches no rule
c_setup() {
	ph_setup
	useradd -m -s /bin/sh phuser
	mkdir -p $SINKDIR
	$SINK --dir $SINKDIR --listen 127.0.0.2:2526 > $PH/sink.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink.out" 10 ||
	    { cat $PH/sink.out; atf_fail "the sink did not start"; }
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "out" relay host smtp://127.0.0.2:2526
match from local for domain ok.test action "out"
CONF
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
}

# c_send RCPT... - sendmail from phuser; its exit status
c_send() {
	printf 'Subject: engine\n\nhello\n' | su phuser -c \
	    "$PH_BIN/sendmail -C $PH_CONF -i -f phuser@ok.test $*" 2> $PH/sm.err
}

# c_wait_sink N - until the sink stored N messages and the queue is empty
c_wait_sink() {
	ph_wait_for "[ \$(ls $SINKDIR | grep -c '\.env\$') -ge $1 ] &&
	    [ -z \"\$($CTL show queue)\" ]" 20 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "the sink got no message"; }
}

atf_test_case utf8_address
utf8_address_head() {
	atf_set descr "sendmail to a UTF-8 address: SMTPUTF8 to the listener and from the relay to the sink"
	atf_set timeout 60
}
utf8_address_body() {
	c_setup
	rcpt=$(printf 'j\303\266rg@ok.test')
	c_send "$rcpt" || { cat $PH/sm.err; atf_fail "sendmail failed"; }
	c_wait_sink 1
	atf_check -o match:"^rcpt <$rcpt>\$" \
	    -o match:'^mail <phuser@ok\.test> .*SMTPUTF8' cat $SINKDIR/1.env
	atf_check -o match:'^hello' cat $SINKDIR/1.msg
}

atf_test_case refused_rcpt_submits_nothing
refused_rcpt_submits_nothing_head() {
	atf_set descr "sendmail with one recipient the listener refuses: exit 69 naming it, no copy for the accepted one"
	atf_set timeout 60
}
refused_rcpt_submits_nothing_body() {
	c_setup
	rc=0
	c_send a@ok.test b@nowhere.test || rc=$?
	[ $rc -eq 69 ] || { cat $PH/sm.err; atf_fail "sendmail exited $rc"; }
	atf_check -o match:'^sendmail: b@nowhere\.test: 550 ' cat $PH/sm.err
	# a message committed for a@ok.test would be in the queue or at the
	# sink once a later one has passed and the queue is empty
	c_send c@ok.test || { cat $PH/sm.err; atf_fail "sendmail failed"; }
	c_wait_sink 1
	atf_check_equal "$(ls $SINKDIR | grep -c '\.env$')" 1
	atf_check -o match:'^rcpt <c@ok\.test>$' cat $SINKDIR/1.env
}

atf_init_test_cases() {
	atf_add_test_case utf8_address
	atf_add_test_case refused_rcpt_submits_nothing
}
