# t_hostile_clients.sh - clients that try to swell the daemon
# (regress/tools/hostile_peer.py client MODE): a 100 MB header as one
# endless line and as many lines, a million pipelined RCPTs, and a
# message of deeply nested MIME whose bounce must stay small.  Each
# client is answered as the SPEC says (500 for the line, 552 for the
# size, 452 past max-rcpt), within the test's time-out; the session
# stays usable, a new client is greeted afterwards, and the resident
# memory of every process stays within 8 MiB of what it was.

. "$(atf_get_srcdir)/subr.sh"

PEER="$PY $PH_TOP/regress/tools/hostile_peer.py"
SINK="$PY $PH_TOP/regress/tools/sinkd.py"

# hc_start - accounts, the daemon (local mail to mbox, the rest relayed
# to 127.0.0.2:2526) and the memory of its processes
hc_start() {
	ph_setup
	useradd -m -s /bin/sh phuser
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mbox
action "out" relay host smtp://127.0.0.2:2526
match from any for local action "local"
match from local for any action "out"
CONF
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
	ph_wait_for "$GREETING 25" 10 || atf_fail "no greeting"
	ph_rss_save $PH/rss.before
}

# hc_after - a fresh client is still served, nothing was queued, every
# process lives and its memory is bounded
hc_after() {
	atf_check -o match:'^220 ' $GREETING 25
	atf_check -o empty $CTL show queue
	atf_check -o not-match:'fatal|panic|event=died' cat $PH_LOG
	ph_rss_bound $PH/rss.before
}

atf_test_case long_header_line
long_header_line_head() {
	atf_set descr "one header line of 20 MB: 500 line too long after the dot; of 100 MB: 552 message too big; nothing queued, the session stays usable; bounded memory and time"
	atf_set timeout 300
}
long_header_line_body() {
	hc_start
	$PEER client longline --size $((20 << 20)) > out ||
	    atf_fail "the client failed"
	cat out >&2
	atf_check -o match:'^500 5\.5\.6 ' -o match:'^221 ' \
	    -o match:'codes 220=1 221=1 250=4 354=1 500=1 ' cat out
	$PEER client longline --size $((100 << 20)) > out ||
	    atf_fail "the client failed"
	cat out >&2
	atf_check -o match:'^552 5\.3\.4 ' -o match:'^221 ' \
	    -o match:'codes 220=1 221=1 250=4 354=1 552=1 ' cat out
	hc_after
}

atf_test_case many_header_lines
many_header_lines_head() {
	atf_set descr "100 MB of header lines: 552 message too big after the dot, nothing queued, the session stays usable; bounded memory and time"
	atf_set timeout 300
}
many_header_lines_body() {
	hc_start
	$PEER client headers --size $((100 << 20)) > out ||
	    atf_fail "the client failed"
	cat out >&2
	atf_check -o match:'^552 5\.3\.4 ' -o match:'^221 ' cat out
	atf_check -o match:'codes 220=1 221=1 250=4 354=1 552=1 ' cat out
	hc_after
}

atf_test_case million_rcpts
million_rcpts_head() {
	atf_set descr "1,000,000 pipelined RCPTs: the first max-rcpt are taken, every other gets 452, the message is delivered once; bounded memory and time"
	atf_set timeout 300
}
million_rcpts_body() {
	hc_start
	$PEER client rcpts --count 1000000 > out ||
	    atf_fail "the client failed"
	cat out >&2
	atf_check -o match:'^452 4\.5\.3 ' -o match:'^221 ' cat out
	atf_check -o match:'codes 220=1 221=1 250=1003 354=1 452=999000 ' \
	    cat out
	# the refusals are logged once, then counted in one line
	atf_check -o match:'^1$' -x \
	    "grep -c 'event=refused reason=max-rcpt code=452\$' $PH_LOG"
	atf_check -o match:'^1$' -x \
	    "grep -c 'reason=max-rcpt code=452 count=999000' $PH_LOG"
	[ $(wc -c < $PH_LOG) -lt $((1 << 20)) ] || atf_fail "the log swelled"
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 60 ||
	    { $CTL show queue | head; atf_fail "not delivered"; }
	atf_check -o match:'^1$' -x "grep -c '^Subject: many' /var/mail/phuser"
	hc_after
}

atf_test_case nested_mime_bounce
nested_mime_bounce_head() {
	atf_set descr "5000 levels of nested multipart, 100000 parts and 1 MB of header lines to a recipient that fails: one bounce, under 300 KiB, delivered; the queue empties; bounded memory"
	atf_set timeout 300
}
nested_mime_bounce_body() {
	hc_start
	mkdir -p $PH/sink
	$SINK --listen 127.0.0.2:2526 --dir $PH/sink > $PH/sink.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink.out" 10 ||
	    { cat $PH/sink.out; atf_fail "the sink did not start"; }
	$PEER mime --depth 5000 --parts 100000 --headers $((1 << 20)) > msg
	su phuser -c "$PH_BIN/sendmail -C $PH_CONF -i -f phuser@localhost \
	    perm@example.org" < msg || atf_fail "sendmail failed"
	ph_wait_log 'queue event=failed' 60
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 60 ||
	    { $CTL show queue; atf_fail "the notice was not delivered"; }
	atf_check -o match:'^1$' -x \
	    "grep -c '^From MAILER-DAEMON' /var/mail/phuser"
	atf_check -o match:'perm@example\.org' cat /var/mail/phuser
	_size=$(wc -c < /var/mail/phuser)
	echo "bounce size=$_size message size=$(wc -c < msg)" >&2
	[ "$_size" -lt $((300 << 10)) ] ||
	    atf_fail "the notice is $_size octets"
	atf_check -o match:'^1$' -x "grep -c 'event=failed' $PH_LOG"
	hc_after
}

atf_init_test_cases() {
	atf_add_test_case long_header_line
	atf_add_test_case many_header_lines
	atf_add_test_case million_rcpts
	atf_add_test_case nested_mime_bounce
}
