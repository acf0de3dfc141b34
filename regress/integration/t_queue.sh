# t_queue.sh - the queue process on a seeded spool: loading, relay
# deferral, expiry and delay notices, quarantine, restart of a big
# queue, message coding, messages on hold, and every smtpctl queue
# command's output.
#
# The spool is seeded with regress/tools/spoolgen.py (committed messages
# written in the spool format), so these tests need neither the listener
# nor local delivery: relay envelopes stay deferred with a "4.4.3" DNS
# error, as the test's namespace has no nameserver.

. "$(atf_get_srcdir)/subr.sh"

SPOOLGEN="$PY $PH_TOP/regress/tools/spoolgen.py"
DSNCHECK="$PY $PH_TOP/regress/tools/dsncheck.py"
EVP_RE='^[0-9a-f]\{16\}|'

# q_conf [EXTRA] - relay everything from local; EXTRA lines appended
q_conf() {
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mbox
action "out" relay
match from local for local action "local"
match from local for any action "out"
$1
CONF
}

# q_seed ARGS - seed the spool (spoolgen ARGS), owned by the queue user
q_seed() {
	$SPOOLGEN $PH_SPOOL "$@" || atf_fail "spoolgen failed"
	chown -R _posthornq: $PH_SPOOL/queue
}

# q_count - envelopes in `show queue`
q_count() {
	$CTL show queue | grep -c "$EVP_RE"
}

# q_stat NAME - one counter of `show stats`
q_stat() {
	$CTL show stats | sed -n "s/^$1=//p"
}

# q_wait_count N SECONDS - until show queue lists N envelopes
q_wait_count() {
	ph_wait_for "[ \$(q_count) -eq $1 ]" $2 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "queue never held $1"; }
}

atf_test_case ctl_empty_queue
ctl_empty_queue_head() {
	atf_set descr "smtpctl queue commands on an empty queue: output and errors"
	atf_set timeout 60
}
ctl_empty_queue_body() {
	ph_setup
	q_conf
	ph_start
	atf_check -o empty $CTL show queue
	atf_check -o match:'^queue.size=0$' -o match:'^queue.received=0$' \
	    -o match:'^queue.delivered=0$' -o match:'^queue.deferred=0$' \
	    -o match:'^queue.bounced=0$' -o match:'^queue.expired=0$' \
	    -o match:'^queue.quarantined=0$' -o match:'^uptime=' \
	    -o match:'^smtp.sessions.current=0$' $CTL show stats
	atf_check -o match:'^0 envelopes scheduled$' $CTL schedule all
	atf_check -o match:'^0 envelopes removed$' $CTL remove all
	atf_check -s exit:1 -e match:'no such envelope' \
	    $CTL show envelope 0123456789abcdef
	atf_check -s exit:1 -e match:'expected an envelope id' \
	    $CTL show envelope 01234567
	atf_check -s exit:1 -e match:'no such envelope or message' \
	    $CTL schedule 0123456789abcdef
	atf_check -s exit:1 -e match:'no such envelope or message' \
	    $CTL remove 01234567
	atf_check -s exit:1 -e match:'expected an envelope id, message id or all' \
	    $CTL remove 0123
	atf_check -s exit:1 -e match:'expected an envelope or message id' \
	    $CTL show message all
	atf_check -s exit:1 -e match:'no such message' $CTL show message 01234567
	atf_check -s exit:1 -e match:'no such table' $CTL update table nosuch
	atf_check -s exit:1 -e match:'usage' $CTL show envelope
	atf_check -s exit:1 -e match:'usage' $CTL schedule
}

atf_test_case relay_deferred
relay_deferred_head() {
	atf_set descr "loaded relay envelopes are deferred, listed, shown, scheduled and removed"
	atf_set timeout 90
}
relay_deferred_body() {
	ph_setup
	q_conf
	q_seed 3 --rcpts 2 > msgids
	ph_start
	q_wait_count 6 10
	ph_wait_for "[ \$(q_stat queue.deferred) -ge 6 ]" 10 ||
	    atf_fail "envelopes not deferred"
	$CTL show queue > q.out
	atf_check -o inline:"6\n" grep -c "$EVP_RE" q.out
	# every line: id first, the recipient on the line, the error last
	atf_check -o inline:"6\n" grep -c \
	    '^[0-9a-f]\{16\}|mta|pending|out|sender@remote.example|rcpt[01]@dest.example|' q.out
	atf_check -o inline:"6\n" grep -c '|4\.4\.3 [^|]*$' q.out
	evp=$(head -1 q.out | cut -d'|' -f1)
	msg=$(echo $evp | cut -c1-8)
	atf_check -o match:"^id: $evp\$" -o match:'^sender: <sender@remote.example>$' \
	    -o match:'^recipient: <rcpt[01]@dest.example>$' -o match:'^state: pending$' \
	    -o match:'^retries: 1$' -o match:'^last error: 4\.4\.3 ' \
	    $CTL show envelope $evp
	atf_check -o match:'^Subject: seeded message' -o match:'^\.\.leading dot$' \
	    $CTL show message $msg
	atf_check -o match:'^Subject: seeded message' $CTL show message $evp
	atf_check -o inline:"2 envelopes scheduled\n" $CTL schedule $msg
	atf_check -o inline:"1 envelope scheduled\n" $CTL schedule $evp
	atf_check -o inline:"6 envelopes scheduled\n" $CTL schedule all
	ph_wait_for "$CTL show envelope $evp | grep -q '^retries: [3-9]'" 10 ||
	    atf_fail "schedule did not retry"
	atf_check -o inline:"1 envelope removed\n" $CTL remove $evp
	atf_check_equal "$(q_count)" "5"
	atf_check -o inline:"1 envelope removed\n" $CTL remove $msg
	atf_check_equal "$(q_count)" "4"
	atf_check -o inline:"4 envelopes removed\n" $CTL remove all
	atf_check -o empty $CTL show queue
	atf_check_equal "$(q_stat queue.size)" "0"
	# nothing left in the spool
	atf_check -o empty ls $PH_SPOOL/queue
}

atf_test_case expire_bounce
expire_bounce_head() {
	atf_set descr "an expired envelope bounces once as an RFC 3464 report; NOTIFY=NEVER and <> do not"
	atf_set timeout 90
}
expire_bounce_body() {
	ph_setup
	q_conf
	q_seed 1 --ttl 3 --envid ENV-1 > m1
	q_seed 1 --ttl 3 --notify never > m2
	q_seed 1 --ttl 3 --sender "" > m3
	q_seed 1 --ttl 3 --notify success > m4
	ph_start
	# the four expire; one notice (to sender@remote.example) remains
	ph_wait_for "[ \$(q_stat queue.expired) -eq 4 ]" 20 ||
	    { cat $PH_LOG; atf_fail "not expired"; }
	q_wait_count 1 10
	line=$($CTL show queue | grep "$EVP_RE")
	echo "$line" | grep -q '^[0-9a-f]\{16\}|mta|pending|out||sender@remote.example|' ||
	    atf_fail "unexpected notice envelope: $line"
	evp=$(echo "$line" | cut -d'|' -f1)
	$CTL show message $evp > dsn
	atf_check -o match:'^ok failed 5.4.7$' $DSNCHECK failed 5.4.7 \
	    rcpt@dest.example < dsn
	atf_check -o match:'^To: <sender@remote.example>$' \
	    -o match:'^Original-Envelope-Id: ENV-1$' \
	    -o match:'delivery time expired; last error: 4\.4\.3 ' \
	    cat dsn
	# expiry is counted apart from permanent failures
	atf_check_equal "$(q_stat queue.bounced)" "0"
	for m in $(cat m1 m2 m3 m4); do
		! ph_spool_has $m || atf_fail "expired $m still spooled"
	done
}

atf_test_case hold_release
hold_release_head() {
	atf_set descr "envelopes on hold are listed held, never tried, not by schedule all; schedule ID releases one for good; remove takes one"
	atf_set timeout 90
}
hold_release_body() {
	ph_setup
	q_conf
	q_seed 1 --rcpts 2 --flags hold > held
	q_seed 1 > plain
	ph_start
	q_wait_count 3 10
	# the plain one was tried (and deferred: no DNS here)
	ph_wait_for "[ \$(q_stat queue.deferred) -ge 1 ]" 10 ||
	    atf_fail "the plain envelope was not tried"
	$CTL show queue > q.out
	atf_check -o inline:"2\n" grep -c \
	    "^$(cat held)[0-9a-f]\{8\}|mta|held|out|" q.out
	evp=$(grep "^$(cat held)" q.out | head -1 | cut -d'|' -f1)
	other=$(grep "^$(cat held)" q.out | tail -1 | cut -d'|' -f1)
	atf_check -o match:'^state: held$' -o match:'^retries: 0$' \
	    $CTL show envelope $evp
	atf_check -o inline:"1 envelope scheduled\n" $CTL schedule all
	atf_check -o match:'^retries: 0$' $CTL show envelope $other
	# named: released, then tried (and deferred)
	atf_check -o inline:"1 envelope scheduled\n" $CTL schedule $evp
	ph_wait_log "$evp queue event=released"
	ph_wait_for "$CTL show envelope $evp | grep -q '^retries: [1-9]'" 10 ||
	    atf_fail "the released envelope was not tried"
	atf_check -o match:'^state: (pending|inflight)$' \
	    $CTL show envelope $evp
	# a restart keeps the release and the hold
	$CTL stop
	ph_wait_for "! kill -0 $(cat $PH/daemon.pid)" 20 || atf_fail "no stop"
	ph_start
	q_wait_count 3 10
	atf_check -o match:'^state: held$' $CTL show envelope $other
	atf_check -o not-match:'^state: held$' $CTL show envelope $evp
	atf_check -o inline:"1 envelope removed\n" $CTL remove $other
	q_wait_count 2 10
}

atf_test_case hold_expire
hold_expire_head() {
	atf_set descr "an envelope on hold still expires at its ttl and bounces"
	atf_set timeout 90
}
hold_expire_body() {
	ph_setup
	q_conf
	q_seed 1 --ttl 3 --flags hold > m1
	ph_start
	ph_wait_for "[ \$(q_stat queue.expired) -eq 1 ]" 20 ||
	    { cat $PH_LOG; atf_fail "not expired"; }
	q_wait_count 1 10
	line=$($CTL show queue | grep "$EVP_RE")
	echo "$line" | grep -q '^[0-9a-f]\{16\}|mta|pending|out||sender@remote.example|' ||
	    atf_fail "unexpected notice envelope: $line"
	$CTL show message $(echo "$line" | cut -d'|' -f1) > dsn
	atf_check -o match:'^ok failed 5.4.7$' $DSNCHECK failed 5.4.7 \
	    rcpt@dest.example < dsn
	! ph_spool_has $(cat m1) || atf_fail "expired $(cat m1) still spooled"
}

atf_test_case delay_warning
delay_warning_head() {
	atf_set descr "bounce warn-interval: one delayed notice per interval, the envelope stays"
	atf_set timeout 90
}
delay_warning_body() {
	ph_setup
	q_conf "bounce warn-interval 2s"
	q_seed 1 > m1
	ph_start
	q_wait_count 2 15
	bounce=$($CTL show queue | grep "$EVP_RE" | grep '|out||' | cut -d'|' -f1)
	[ -n "$bounce" ] || atf_fail "no notice"
	$CTL show message $bounce > dsn
	atf_check -o match:'^ok delayed 4.4.3$' $DSNCHECK delayed 4.4.3 \
	    rcpt@dest.example < dsn
	atf_check -o match:'^Will-Retry-Until: ' cat dsn
	# one interval configured: no second notice.  Once two intervals
	# have passed, a retry is forced; when its result is in (the retry
	# count goes up), a second notice would have been written with it.
	evp=$($CTL show queue | grep "$EVP_RE" | grep -v '|out||' | cut -d'|' -f1)
	created=$($CTL show envelope $evp | sed -n 's/^created: //p')
	ph_wait_for "[ \$(date +%s) -gt $((created + 4)) ]" 10 ||
	    atf_fail "the clock did not move"
	r0=$($CTL show envelope $evp | sed -n 's/^retries: //p')
	$CTL schedule $evp > /dev/null
	ph_wait_for "[ \$($CTL show envelope $evp | sed -n 's/^retries: //p') -gt $r0 ]" \
	    15 || atf_fail "the forced retry did not happen"
	atf_check_equal "$(q_count)" "2"
	atf_check_equal "$(grep -c 'event=bounce kind=delayed' $PH_LOG)" 1
	atf_check -o match:'^state: pending$' $CTL show envelope $evp
}

atf_test_case quarantine
quarantine_head() {
	atf_set descr "a corrupted envelope is quarantined, shown, counted; the rest flows"
	atf_set timeout 60
}
quarantine_body() {
	ph_setup
	q_conf
	q_seed 2 > msgids
	bad=$(head -1 msgids)
	f=$(ls $PH_SPOOL/queue/$bad | grep -v message)
	echo "garbage: 1" > $PH_SPOOL/queue/$bad/$f
	ph_start
	q_wait_count 1 10
	atf_check -o match:"^quarantined\\|$bad/$f\$" $CTL show queue
	atf_check_equal "$(q_stat queue.quarantined)" "1"
	# one keyed line names the file and the reason, no line is prose
	ph_wait_log " queue\\[[0-9]+\\]: queue event=quarantine file=queue/$bad/$f reason=\""
	atf_check -o empty sh -c "grep -E ' queue\\[[0-9]+\\]: ' $PH_LOG | grep -Ev ': ([0-9a-f]{16} )?(queue|control) event=' || true"
	# no line other than envelopes starts with an id and '|'
	atf_check -o inline:"1\n" sh -c "$CTL show queue | grep -c '$EVP_RE'"
	good=$(tail -1 msgids)
	atf_check -o match:"^$good" sh -c "$CTL show queue | grep '$EVP_RE'"
}

atf_test_case restart_many
restart_many_head() {
	atf_set descr "10,000 queued messages survive a restart; recovery time logged"
	atf_set timeout 300
}
restart_many_body() {
	ph_setup
	q_conf
	q_seed 10000 --quiet
	ph_start
	ph_wait_for "[ \$(q_stat queue.size) -eq 10000 ]" 60 ||
	    atf_fail "not loaded: $(q_stat queue.size)"
	grep 'event=loaded' $PH_LOG
	ph_wait_for "[ \$(q_stat queue.deferred) -ge 10000 ]" 120 ||
	    atf_fail "not all tried: $(q_stat queue.deferred)"
	$CTL stop
	ph_wait_for "! kill -0 $(cat $PH/daemon.pid)" 20 || atf_fail "no stop"
	ph_start
	ph_wait_for "[ \$(q_stat queue.size) -eq 10000 ]" 60 ||
	    atf_fail "lost envelopes: $(q_stat queue.size)"
	atf_check -o match:'event=loaded envelopes=10000 quarantined=0 ms=' \
	    cat $PH_LOG
	grep 'event=loaded' $PH_LOG
	atf_check_equal "$(q_count)" "10000"
}

atf_test_case encrypted_notice
encrypted_notice_head() {
	atf_set descr "queue compression and encryption: notices are stored coded, shown plain"
	atf_set timeout 90
}
encrypted_notice_body() {
	ph_setup
	q_conf 'queue compression
queue encryption "the key"'
	q_seed 1 --ttl 2 > m1
	ph_start
	ph_wait_for "[ \$(q_stat queue.expired) -eq 1 ]" 20 || atf_fail "no expiry"
	q_wait_count 1 10
	evp=$($CTL show queue | grep "$EVP_RE" | cut -d'|' -f1)
	msg=$(echo $evp | cut -c1-8)
	# on disk: the coded header, no readable text
	atf_check -o inline:'\000PHQ\001\003' head -c 6 $(ph_spool_msg $msg)
	atf_check -s exit:1 grep -q MAILER-DAEMON $(ph_spool_msg $msg)
	$CTL show message $msg > dsn
	atf_check -o match:'^ok failed 5.4.7$' $DSNCHECK failed 5.4.7 < dsn
	# a restart with the same key reads it back
	$CTL stop
	ph_wait_for "! kill -0 $(cat $PH/daemon.pid)" 20 || atf_fail "no stop"
	ph_start
	q_wait_count 1 10
	atf_check -o match:'^From: Mail Delivery System' $CTL show message $msg
}

atf_test_case pause_mta
pause_mta_head() {
	atf_set descr "pause mta holds relay deliveries; resume releases them"
	atf_set timeout 60
}
pause_mta_body() {
	ph_setup
	q_conf
	q_seed 2 > msgids
	ph_start
	atf_check $CTL pause mta
	q_wait_count 2 10
	# while paused, a forced schedule puts nothing in flight.  The queue
	# dispatches on its next loop turn after `schedule`; the commands
	# that follow are served after that turn, so they see the result.
	ph_wait_for "! $CTL show queue | grep -q '|inflight|'" 10 ||
	    atf_fail "tries begun before the pause did not end"
	d0=$(q_stat queue.deferred)
	n0=$(grep -c 'relay event=' $PH_LOG)
	atf_check -o match:'^2 envelopes scheduled$' $CTL schedule all
	$CTL show queue > q
	atf_check -s exit:1 grep -q '|inflight|' q
	atf_check_equal "$(q_stat queue.deferred)" "$d0"
	atf_check_equal "$(grep -c 'relay event=' $PH_LOG)" "$n0"
	atf_check $CTL resume mta
	ph_wait_for "[ \$(q_stat queue.deferred) -gt $d0 ]" 10 ||
	    atf_fail "resume did not release the envelopes"
}

atf_test_case update_table
update_table_head() {
	atf_set descr "smtpctl update table: reloaded by the lookup process; errors reported"
	atf_set timeout 60
}
update_table_body() {
	ph_setup
	echo "root: phuser" > $PH/aliases
	chmod 0644 $PH/aliases
	q_conf "table aliases file:$PH/aliases"
	ph_start
	atf_check -o empty $CTL update table aliases
	echo "postmaster: root" >> $PH/aliases
	atf_check -o empty $CTL update table aliases
	rm $PH/aliases
	atf_check -s exit:1 -e not-empty $CTL update table aliases
	atf_check -s exit:1 -e match:'no such table' $CTL update table other
}

atf_test_case encryption_key_env
encryption_key_env_head() {
	atf_set descr "queue encryption without a key: POSTHORN_QUEUE_KEY, or no start"
	atf_set timeout 60
}
encryption_key_env_body() {
	ph_setup
	q_conf "queue encryption"
	$PH_BIN/smtpd -d -f $PH_CONF > nokey.log 2>&1 &
	pid=$!
	ph_wait_for "! kill -0 $pid" 10 || atf_fail "started without a key"
	atf_check -o match:'queue encryption needs a key' cat nokey.log
	q_seed 1 --ttl 1 > m1
	POSTHORN_QUEUE_KEY="from the environment"
	export POSTHORN_QUEUE_KEY
	ph_start
	unset POSTHORN_QUEUE_KEY
	ph_wait_for "[ \$(q_stat queue.expired) -eq 1 ]" 20 || atf_fail "no expiry"
	q_wait_count 1 10
	evp=$($CTL show queue | grep "$EVP_RE" | cut -d'|' -f1)
	msg=$(echo $evp | cut -c1-8)
	atf_check -o inline:'\000PHQ\001\002' head -c 6 $(ph_spool_msg $msg)
	atf_check -o match:'^From: Mail Delivery System' $CTL show message $msg
	# the key does not stay readable in the queue process
	q=$(ph_role_pids queue)
	atf_check -s exit:1 grep -q 'from the environment' /proc/$q/environ
}

atf_init_test_cases() {
	atf_add_test_case ctl_empty_queue
	atf_add_test_case relay_deferred
	atf_add_test_case expire_bounce
	atf_add_test_case delay_warning
	atf_add_test_case quarantine
	atf_add_test_case restart_many
	atf_add_test_case encrypted_notice
	atf_add_test_case pause_mta
	atf_add_test_case hold_release
	atf_add_test_case hold_expire
	atf_add_test_case update_table
	atf_add_test_case encryption_key_env
}
