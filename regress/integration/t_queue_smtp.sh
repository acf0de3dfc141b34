# t_queue_smtp.sh - the message path through the queue: SMTP in (Python
# smtplib), local delivery out (an mda script or Maildir).  Commit and
# delivery, retry, expiry and delay notices, NOTIFY=NEVER and <>, a full
# spool, and kill -9 at each step of a transaction: every message
# answered 250 is delivered exactly once, and nothing else is.
#
# These tests need the listener's transactions, the lookup's rules and
# the parent's local delivery; each skips, saying so, while the SMTP
# path does not accept a message.

. "$(atf_get_srcdir)/subr.sh"

SEND="$PY $PH_TOP/regress/tools/smtpsend.py"
DSNCHECK="$PY $PH_TOP/regress/tools/dsncheck.py"
OUT=$PH/out
MD=/home/phuser/Maildir
EVP_RE='^[0-9a-f]\{16\}|'

# s_setup - accounts, the mda script and its output directory
s_setup() {
	ph_setup
	useradd -m -s /bin/sh phuser
	mkdir -p $OUT $PH/stage && chmod 1777 $OUT $PH/stage
	# each message is written in stage/, then moved into out/ whole;
	# fail (75) while $PH/fail exists, for the test's own messages only
	# (by their own Subject:, not one quoted in a notice)
	cat > $PH/deliver.sh <<'SH'
#!/bin/sh
t=$(mktemp -p /tmp/ph/stage) || exit 75
cat > "$t" || exit 75
if [ -e /tmp/ph/fail ] && sed '/^$/q' "$t" | grep -q '^Subject: smtpsend'; then
	rm -f "$t"
	exit 75
fi
mv "$t" "/tmp/ph/out/m.${t##*/tmp.}"
SH
	chmod 0755 $PH/deliver.sh
}

# s_conf ACTION [EXTRA] - local mail through ACTION ("mda" or "md")
s_conf() {
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "mda" mda "$PH/deliver.sh"
action "md" maildir
action "out" relay
match from local for local action "$1"
match from local for any action "out"
$2
CONF
}

# s_start - start the daemon and wait for the control socket to answer
s_start() {
	rm -f $PH_RUN/control.sock
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
}

# s_need_smtp - one relay message must be accepted with 250
s_need_smtp() {
	if ! $SEND --to probe@dest.example --tag probe | grep -q '^sent=1 ok=1'; then
		atf_fail "the probe message was not accepted"
	fi
	$CTL remove all > /dev/null
}

# s_stat NAME - one counter of `show stats`
s_stat() {
	$CTL show stats | sed -n "s/^$1=//p"
}

# s_out - messages in the mda's output directory
s_out() {
	ls $OUT | grep -c '^m\.[^.]*$'
}

# s_wait_out N SECONDS - until the mda wrote N messages
s_wait_out() {
	ph_wait_for "[ \$(s_out) -ge $1 ]" $2 ||
	    { cat $PH_LOG; atf_fail "only $(s_out) of $1 delivered"; }
}

# s_msgno FILE - the smtpsend number in a delivered file's own header
# block (not one quoted in a notice), or nothing
s_msgno() {
	sed -n '/^$/q; s/^Message-ID: <\([0-9]*\)\.[a-z]*@smtpsend>$/\1/p' "$1"
}

# s_check_once ACKS FILE... - every message acknowledged in ACKS
# (smtpsend output) delivered exactly once and complete among the
# FILEs; nothing delivered twice or in part
s_check_once() {
	acks=$1
	shift
	for f in "$@"; do
		[ -f "$f" ] && s_msgno "$f"
	done | sort > delivered
	uniq -d delivered > dups
	[ -s dups ] && atf_fail "delivered twice: $(cat dups | tr '\n' ' ')"
	awk '$2 == "250" { print $1 }' $acks | sort > acked
	comm -23 acked delivered > lost
	[ -s lost ] && atf_fail "acknowledged, never delivered: $(cat lost | tr '\n' ' ')"
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$(s_msgno "$f")
		[ -z "$n" ] && continue
		grep -q "^end of $n" "$f" || atf_fail "message $n delivered in part"
	done
	return 0
}

atf_test_case commit_deliver
commit_deliver_head() {
	atf_set descr "20 messages over 5 connections: 250 each, delivered once each, queue empty"
	atf_set timeout 120
}
commit_deliver_body() {
	s_setup
	s_conf mda
	s_start
	s_need_smtp
	$SEND --to phuser@localhost --count 20 --conc 5 > acks
	atf_check -o match:'^sent=20 ok=20 ' tail -1 acks
	s_wait_out 20 20
	s_check_once acks $OUT/m.*
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 10 || atf_fail "queue not empty"
	atf_check -o empty $CTL show queue
	[ "$(s_stat queue.received)" -ge 20 ] || atf_fail "received not counted"
	[ "$(s_stat queue.delivered)" -eq 20 ] || atf_fail "delivered not counted"
	grep -q 'event=tx-commit' $PH_LOG || atf_fail "no commit log line"
}

atf_test_case retry_schedule
retry_schedule_head() {
	atf_set descr "an mda exiting 75 then 0: deferred with the error, delivered after smtpctl schedule"
	atf_set timeout 120
}
retry_schedule_body() {
	s_setup
	s_conf mda
	s_start
	s_need_smtp
	touch $PH/fail
	$SEND --to phuser@localhost > acks
	atf_check -o match:'^sent=1 ok=1 ' tail -1 acks
	# the probe of s_need_smtp was deferred too: wait for this envelope
	evp=$($CTL show queue | grep "$EVP_RE" | cut -d'|' -f1)
	[ -n "$evp" ] || atf_fail "no envelope in the queue"
	ph_wait_for "$CTL show envelope $evp | grep -q '^retries: 1\$'" 20 ||
	    { cat $PH_LOG; atf_fail "not deferred"; }
	atf_check -o match:'^retries: 1$' -o match:'^state: pending$' \
	    $CTL show envelope $evp
	atf_check_equal "$(s_out)" 0
	rm $PH/fail
	atf_check -o inline:"1 envelope scheduled\n" $CTL schedule $evp
	s_wait_out 1 10
	s_check_once acks $OUT/m.*
}

atf_test_case expire_notices
expire_notices_head() {
	atf_set descr "queue ttl 3s: a multipart/report bounce to the sender; none for NOTIFY=NEVER or <>"
	atf_set timeout 120
}
expire_notices_body() {
	s_setup
	s_conf mda "queue ttl 3s"
	s_start
	s_need_smtp
	touch $PH/fail
	$SEND --from phuser@localhost --to phuser@localhost --tag a > a
	$SEND --from phuser@localhost --to phuser@localhost --notify NEVER --tag b > b
	$SEND --from "" --to phuser@localhost --tag c > c
	for f in a b c; do
		atf_check -o match:'^sent=1 ok=1 ' tail -1 $f
	done
	ph_wait_for "[ \$(s_stat queue.expired) -ge 3 ]" 30 ||
	    { cat $PH_LOG; atf_fail "not expired"; }
	s_wait_out 1 20
	# every notice due was written at expiry; once the queue is empty
	# all of them have been delivered
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 30 ||
	    atf_fail "queue not empty"
	atf_check_equal "$(s_out)" 1
	f=$(ls $OUT/m.* | head -1)
	atf_check -o match:'^ok failed 5.4.7$' $DSNCHECK failed 5.4.7 \
	    phuser@localhost < $f
	atf_check -o match:'^From: Mail Delivery System <MAILER-DAEMON@' \
	    -o match:'Message-ID: <1\.a@smtpsend>' cat $f
}

atf_test_case delay_notice
delay_notice_head() {
	atf_set descr "bounce warn-interval 2s: one delayed notice, then delivery when the mda recovers"
	atf_set timeout 120
}
delay_notice_body() {
	s_setup
	s_conf mda "bounce warn-interval 2s"
	s_start
	s_need_smtp
	touch $PH/fail
	$SEND --from phuser@localhost --to phuser@localhost > acks
	s_wait_out 1 30
	f=$(ls $OUT/m.* | head -1)
	atf_check -o match:'^ok delayed 4' $DSNCHECK delayed \
	    "$(sed -n 's/^Status: //p' $f)" < $f
	rm $PH/fail
	$CTL schedule all > /dev/null
	s_wait_out 2 20
	s_check_once acks $OUT/m.*
}

atf_test_case disk_full
disk_full_head() {
	atf_set descr "a full spool: 452 4.3.1, never a 250 for a message it cannot hold, nothing partial delivered"
	atf_set timeout 180
}
disk_full_body() {
	s_setup
	mkdir -p $PH_SPOOL
	mount -t tmpfs -o size=3m tmpfs $PH_SPOOL
	s_conf mda
	s_start
	s_need_smtp
	$CTL pause mda
	$SEND --to phuser@localhost --count 40 --size 200000 > acks
	cat acks
	grep -q ' 452 ' acks || atf_fail "the spool never filled"
	awk '/^sent=/ { next } $2 != "250" && $2 != "452" && $2 != "451" { exit 1 }' acks ||
	    atf_fail "unexpected replies"
	grep ' 452 ' acks | grep -q '4\.3\.1' || atf_fail "no 4.3.1"
	$CTL resume mda
	n=$(awk '$2 == "250"' acks | wc -l)
	s_wait_out $n 60
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 30 ||
	    atf_fail "queue not empty"
	atf_check_equal "$(s_out)" "$n"
	s_check_once acks $OUT/m.*
	atf_check -o empty ls $PH_SPOOL/incoming
}

# s_wait_md N SECONDS - until phuser's Maildir holds N messages
s_wait_md() {
	ph_wait_for "[ \$(find $MD/new $MD/cur -type f 2>/dev/null | wc -l) -ge $1 ]" $2 ||
	    { cat $PH_LOG; atf_fail "not all $1 delivered"; }
}

# s_crash PIDS - kill -9 PIDS while 60 messages are sent; restart
s_crash() {
	$SEND --to phuser@localhost --count 60 --conc 3 --size 20000 > acks &
	sender=$!
	# in the middle of the run: some messages committed, most not yet
	ph_wait_for "[ \$(grep -c 'queue event=tx-commit ' $PH_LOG) -ge 5 ]" \
	    30 || { cat $PH_LOG; atf_fail "no message committed"; }
	for p in $1; do kill -9 $p 2>/dev/null; done
	wait $sender
	for p in $(ph_all_pids); do kill -9 $p 2>/dev/null; done
	ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 10
	s_start
}

atf_test_case crash_queue
crash_queue_head() {
	atf_set descr "kill -9 of the queue during transactions and Maildir deliveries: every 250 delivered exactly once"
	atf_set timeout 180
}
crash_queue_body() {
	s_setup
	s_conf md
	s_start
	s_need_smtp
	s_crash "$(ph_role_pids queue)"
	s_wait_md "$(awk '$2 == "250"' acks | wc -l)" 60
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 30 || atf_fail "queue not empty"
	s_check_once acks $MD/new/* $MD/cur/*
}

# s_crash_busy N PIDS - kill -9 PIDS once N of 400 messages sent over 10
# sessions are in the Maildir; fail unless some were then refused or cut
s_crash_busy() {
	$SEND --to phuser@localhost --count 400 --conc 10 > acks &
	sender=$!
	ph_wait_for "[ \$(find $MD/new $MD/cur -type f 2>/dev/null | \
	    wc -l) -ge $1 ]" 30 || atf_fail "fewer than $1 messages delivered"
	for p in $2; do kill -9 $p 2>/dev/null; done
	wait $sender
	grep -q '^sent=400 ok=400 ' acks &&
	    atf_fail "the kill came after the last transaction"
	for p in $(ph_all_pids); do kill -9 $p 2>/dev/null; done
	ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 10
	s_start
}

atf_test_case crash_queue_busy
crash_queue_busy_head() {
	atf_set descr "kill -9 of the queue while 10 sessions commit and deliveries remove: every 250 delivered exactly once, none twice or in part"
	atf_set timeout 180
}
crash_queue_busy_body() {
	s_setup
	s_conf md
	s_start
	s_need_smtp
	s_crash_busy 30 "$(ph_role_pids queue)"
	s_wait_md "$(awk '$2 == "250"' acks | wc -l)" 60
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 30 || atf_fail "queue not empty"
	s_check_once acks $MD/new/* $MD/cur/*
}

atf_test_case crash_all
crash_all_head() {
	atf_set descr "kill -9 of every process during transactions and Maildir deliveries: every 250 delivered exactly once"
	atf_set timeout 180
}
crash_all_body() {
	s_setup
	s_conf md
	s_start
	s_need_smtp
	s_crash "$(ph_all_pids)"
	s_wait_md "$(awk '$2 == "250"' acks | wc -l)" 60
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 30 || atf_fail "queue not empty"
	s_check_once acks $MD/new/* $MD/cur/*
}

atf_test_case crash_delivering
crash_delivering_head() {
	atf_set descr "kill -9 of everything while Maildir deliveries run: each message once"
	atf_set timeout 180
}
crash_delivering_body() {
	s_setup
	s_conf md
	s_start
	s_need_smtp
	$CTL pause mda
	$SEND --to phuser@localhost --count 200 --conc 10 > acks
	atf_check -o match:'^sent=200 ok=200 ' tail -1 acks
	$CTL resume mda
	ph_wait_for "[ \$(find $MD/new $MD/cur -type f 2>/dev/null | \
	    wc -l) -ge 10 ]" 30 || atf_fail "no delivery began"
	for p in $(ph_all_pids); do kill -9 $p 2>/dev/null; done
	ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 10
	s_start
	s_wait_md 200 60
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 30 || atf_fail "queue not empty"
	s_check_once acks $MD/new/* $MD/cur/*
	atf_check_equal "$(find $MD/new $MD/cur -type f | wc -l)" 200
}

atf_test_case offline_pickup
offline_pickup_head() {
	atf_set descr "mail left offline while the daemon was down is delivered after start, once"
	atf_set timeout 120
}
offline_pickup_body() {
	s_setup
	s_conf mda
	s_start
	s_need_smtp
	$CTL stop
	ph_wait_for "! kill -0 $(cat $PH/daemon.pid)" 20 || atf_fail "no stop"
	printf 'Subject: offline one\n\nhello\n' > msg
	atf_check setpriv --reuid=phuser --regid=phuser --init-groups \
	    $PH_BIN/sendmail -C $PH_CONF phuser@localhost < msg
	atf_check -o match:'.' ls $PH_SPOOL/offline
	s_start
	s_wait_out 1 20
	atf_check -o match:'^Subject: offline one$' cat $OUT/m.*
	ph_wait_for "[ -z \"\$(ls $PH_SPOOL/offline)\" ]" 10 ||
	    atf_fail "the drop file stayed"
	ph_wait_for "[ \$(s_stat queue.size) -eq 0 ]" 30 ||
	    atf_fail "queue not empty"
	atf_check_equal "$(s_out)" 1
}

atf_init_test_cases() {
	atf_add_test_case commit_deliver
	atf_add_test_case retry_schedule
	atf_add_test_case expire_notices
	atf_add_test_case delay_notice
	atf_add_test_case disk_full
	atf_add_test_case crash_queue
	atf_add_test_case crash_queue_busy
	atf_add_test_case crash_all
	atf_add_test_case crash_delivering
	atf_add_test_case offline_pickup
}
