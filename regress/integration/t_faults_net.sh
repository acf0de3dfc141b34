# t_faults_net.sh - the network under faults: a name server that never
# answers.  Relaying to a domain whose lookups time out defers with a
# reason (log and smtpctl show queue) without holding up other
# destinations, and goes out once the name server answers again.

. "$(atf_get_srcdir)/subr.sh"

SEND="$PY $PH_TOP/regress/tools/smtpsend.py"
SINK="$PY $PH_TOP/regress/tools/sinkd.py"
SINKDIR=$PH/sink

# fn_setup - namespaces, a sink on 127.0.0.2:25, the test's name server
# asked with a time-out of TIMEOUT seconds and 2 tries
fn_setup() {
	ph_setup
	mkdir -p $SINKDIR
	printf 'nameserver 127.0.0.1\noptions timeout:%s attempts:2\n' "$1" \
	    > /etc/resolv.conf
	$SINK --dir $SINKDIR --pidfile $PH/sink.pid --listen 127.0.0.2:25 \
	    > $PH/sink.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink.out" 10 ||
	    { cat $PH/sink.out; atf_fail "the sink did not start"; }
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "out" relay
match from any for any action "out"
CONF
}

# fn_send TAG RCPT - one message, which must be answered 250
fn_send() {
	$SEND --to "$2" --tag "$1" > $PH/send.$1 2>&1
	grep -q '^1 250 ' $PH/send.$1 || { cat $PH/send.$1; atf_fail "refused"; }
}

# fn_sink_count RCPT - messages the sink holds for RCPT
fn_sink_count() {
	grep -l "^rcpt <$1>" $SINKDIR/*.env 2>/dev/null | wc -l
}

atf_test_case dns_timeout
dns_timeout_head() {
	atf_set descr "a name server that never answers: relay to that" \
	    "domain defers with the reason in the log and show queue, a" \
	    "domain that resolves is relayed meanwhile, and once the name" \
	    "server answers the message goes out once"
	atf_set timeout 120
}
dns_timeout_body() {
	fn_setup 3
	ph_dns_zone <<ZONE
slow.test TIMEOUT
fast.test MX 10 mx.fast.test
mx.fast.test A 127.0.0.2
ZONE
	ph_dns_start
	ph_start
	fn_send slow a@slow.test
	ph_wait_for "grep -q 'slow.test MX' $PH/dns.log" 10 ||
	    atf_fail "the name server was not asked about slow.test"
	fn_send fast b@fast.test
	# b goes out while the lookups for slow.test are still unanswered
	ph_wait_for "[ \$(fn_sink_count b@fast.test) -eq 1 ]" 10 ||
	    { cat $PH_LOG; atf_fail "fast.test was held up"; }
	grep -q 'a@slow.test' $PH_LOG &&
	    grep 'a@slow.test' $PH_LOG | grep -q 'event=deferred' &&
	    atf_fail "fast.test waited for the time-out of slow.test"
	ph_wait_log 'event=deferred .*4\.4\.3 MX lookup of slow.test failed' 40
	$CTL show queue > $PH/queue.out
	cat $PH/queue.out
	grep '|a@slow.test|' $PH/queue.out | grep -q '4\.4\.3 MX lookup' ||
	    atf_fail "show queue does not give the reason"
	ph_dns_zone <<ZONE
slow.test MX 10 mx.fast.test
mx.fast.test A 127.0.0.2
ZONE
	atf_check -o ignore $CTL schedule all
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 30 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "still queued"; }
	[ "$(fn_sink_count a@slow.test)" -eq 1 ] ||
	    atf_fail "a@slow.test not relayed exactly once"
	[ "$(fn_sink_count b@fast.test)" -eq 1 ] ||
	    atf_fail "b@fast.test not relayed exactly once"
}

atf_init_test_cases() {
	atf_add_test_case dns_timeout
}
