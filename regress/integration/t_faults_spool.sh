# t_faults_spool.sh - the spool and the mailboxes under faults: a full
# spool (a small tmpfs mounted over the queue path), a full disk under a
# recipient's Maildir, and the queue process killed while sessions are
# open.  What a client was answered 250 is delivered exactly once; what
# it was not answered 250 is never half there.

. "$(atf_get_srcdir)/subr.sh"

SEND="$PY $PH_TOP/regress/tools/smtpsend.py"
SINK="$PY $PH_TOP/regress/tools/sinkd.py"
SINKDIR=$PH/sink

# fs_eio_start - the daemon with regress/faults/eio.c preloaded: calls
# that write or sync the spool fail with EIO while $PH/eio.ctl says so
fs_eio_start() {
	cp "$PH_BUILD/regress/faults/ph_eio.so" $PH/ph_eio.so
	chmod 0755 $PH/ph_eio.so
	printf '\0\0\0\0\0\0\0\0' > $PH/eio.ctl
	chmod 0666 $PH/eio.ctl
	export PH_EIO_SPOOL=$PH_SPOOL PH_EIO_CTL=$PH/eio.ctl
	# ASan wants its run-time first; the library is not instrumented
	[ -n "${PH_SANITIZE:-}" ] &&
	    export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
	LD_PRELOAD=$PH/ph_eio.so
	export LD_PRELOAD
	fs_start
	unset LD_PRELOAD
}

# fs_eio_arm SKIP N - let SKIP calls through, then fail N (-1: all)
fs_eio_arm() {
	$PY -c 'import struct, sys
f = open(sys.argv[1], "r+b")
f.write(struct.pack("ii", int(sys.argv[2]), int(sys.argv[3])))' \
	    $PH/eio.ctl "$1" "$2"
}

# fs_eio_left - how many calls are still to fail
fs_eio_left() {
	$PY -c 'import struct, sys
print(struct.unpack("ii", open(sys.argv[1], "rb").read(8))[1])' $PH/eio.ctl
}

# fs_setup SPOOLSIZE - namespaces, the account phuser, and the spool on
# a tmpfs of SPOOLSIZE (no limit of its own when empty)
fs_setup() {
	ph_setup
	useradd -m -s /bin/sh phuser || atf_fail "useradd phuser"
	if [ -n "$1" ]; then
		mkdir -p $PH_SPOOL
		mount -t tmpfs -o "size=$1,mode=0755" tmpfs $PH_SPOOL ||
		    atf_fail "cannot mount the spool's tmpfs"
	fi
	mkdir -p $SINKDIR
}

# fs_conf - local mail to ~/Maildir, other domains relayed to 127.0.0.2
fs_conf() {
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "md" maildir
action "out" relay host smtp://127.0.0.2:25
match from any for local action "md"
match from any for any action "out"
CONF
}

# fs_start - the daemon, and its control socket answering
fs_start() {
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
}

# fs_sink ARGS - start a sink on 127.0.0.2:25 and wait until it listens
fs_sink() {
	$SINK --dir $SINKDIR --pidfile $PH/sink.pid --listen 127.0.0.2:25 \
	    "$@" > $PH/sink.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink.out" 10 ||
	    { cat $PH/sink.out; atf_fail "the sink did not start"; }
}

# fs_fill DIR - fill the file system of DIR (a tmpfs) up to the last page
fs_fill() {
	dd if=/dev/zero of="$1/.fill" bs=4k 2>/dev/null
	[ "$(df --output=avail "$1" | tail -n 1)" -eq 0 ] ||
	    atf_fail "$1 is not full"
}

# fs_send TAG COUNT RCPT [SIZE] - COUNT messages, the answers in
# $PH/send.TAG ("N CODE text" lines)
fs_send() {
	$SEND --to "$3" --count "$2" --size "${4:-2000}" --tag "$1" \
	    > $PH/send.$1 2>&1 || { cat $PH/send.$1; atf_fail "smtpsend"; }
}

# fs_codes TAG - the reply codes of a run of fs_send, one per line
fs_codes() {
	awk 'NF > 1 && $1 ~ /^[0-9]+$/ { print $2 }' $PH/send.$1
}

# fs_queue_empty - nothing left in the queue
fs_queue_empty() {
	[ -z "$($CTL show queue)" ]
}

# fs_maildir_count - messages in phuser's Maildir/new
fs_maildir_count() {
	ls /home/phuser/Maildir/new 2>/dev/null | wc -l
}

# fs_delivered_once N - phuser's Maildir holds N messages, no two alike
fs_delivered_once() {
	ph_wait_for "fs_queue_empty && [ \$(fs_maildir_count) -ge $1 ]" 30 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "not delivered"; }
	[ "$(fs_maildir_count)" -eq "$1" ] ||
	    atf_fail "$(fs_maildir_count) messages in the Maildir, not $1"
	_dup=$(cat /home/phuser/Maildir/new/* | grep '^Message-ID:' |
	    sort | uniq -d)
	[ -z "$_dup" ] || atf_fail "delivered twice: $_dup"
}

# fs_spool_clean - the spool's incoming area is empty: no message left
# half written by a refused transaction
fs_spool_clean() {
	_left=$(find $PH_SPOOL/incoming -type f | head -n 5)
	[ -z "$_left" ] || atf_fail "left in incoming: $_left"
}

atf_test_case enospc_data
enospc_data_head() {
	atf_set descr "a full spool: DATA gets 452 4.3.1, never 250, nothing" \
	    "is left half written; once space is back mail is accepted" \
	    "and delivered once"
	atf_set timeout 90
}
enospc_data_body() {
	fs_setup 2m
	fs_conf
	fs_start
	fs_fill $PH_SPOOL
	fs_send full 3 phuser@localhost 64000
	cat $PH/send.full
	[ "$(fs_codes full | grep -c .)" -eq 3 ] || atf_fail "not 3 answers"
	fs_codes full | grep -qv '^452$' && atf_fail "not 452 to all three"
	grep -q ' 4\.3\.1 ' $PH/send.full || atf_fail "no 4.3.1"
	ph_wait_log 'event=tx-write.*(No space left|rror="No space)'
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon stopped"
	fs_queue_empty || atf_fail "a refused message is queued"
	fs_spool_clean
	rm $PH_SPOOL/.fill
	fs_send room 2 phuser@localhost 64000
	[ "$(fs_codes room | grep -c '^250$')" -eq 2 ] ||
	    { cat $PH/send.room; atf_fail "not accepted with space back"; }
	fs_delivered_once 2
	fs_spool_clean
}

atf_test_case enospc_envelope
enospc_envelope_head() {
	atf_set descr "a full spool while a deferral and a bounce are" \
	    "written: both stay queued, the daemon runs on, and with space" \
	    "back the deferred message is relayed once and the bounce sent" \
	    "once"
	atf_set timeout 120
}
enospc_envelope_body() {
	fs_setup 2m
	fs_conf
	fs_sink --fail-first 1
	fs_start
	# the sink refuses its first transaction with 451: the deferral is
	# recorded while the spool is full
	atf_check -o ignore $CTL pause mta
	fs_send tmp 1 someone@remote.test
	[ "$(fs_codes tmp)" = 250 ] || atf_fail "not accepted"
	fs_fill $PH_SPOOL
	atf_check -o ignore $CTL resume mta
	ph_wait_log 'event=deferred'
	# its 550 to perm@ makes a bounce while the spool is full
	rm $PH_SPOOL/.fill
	atf_check -o ignore $CTL pause mta
	fs_send perm 1 perm@remote.test
	[ "$(fs_codes perm)" = 250 ] || atf_fail "not accepted"
	fs_fill $PH_SPOOL
	atf_check -o ignore $CTL resume mta
	ph_wait_log 'event=(bounce|permfail|failed)' 30
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon stopped"
	rm $PH_SPOOL/.fill
	atf_check -o ignore $CTL schedule all
	ph_wait_for "fs_queue_empty" 60 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "the queue kept mail"; }
	grep -q 'event=update-failed' $PH_LOG &&
	    grep -q 'event=bounce-failed step=write' $PH_LOG ||
	    { cat $PH_LOG; atf_fail "the full spool was not met"; }
	[ "$(grep -l '^rcpt <someone@remote.test>' $SINKDIR/*.env | wc -l)" -eq 1 ] ||
	    { cat $PH_LOG; atf_fail "the deferred message not relayed once"; }
	[ "$(grep -l '^rcpt <sender@example.org>' $SINKDIR/*.env | wc -l)" -eq 1 ] ||
	    { cat $PH_LOG; atf_fail "the bounce not delivered once"; }
	fs_spool_clean
}

atf_test_case eio_all
eio_all_head() {
	atf_set descr "every write and sync of the spool fails with EIO:" \
	    "DATA gets 451, never 250, the reason is logged, nothing is" \
	    "left half written, and once the disk works mail flows again"
	atf_set timeout 90
}
eio_all_body() {
	fs_setup 8m
	fs_conf
	fs_eio_start
	fs_eio_arm 0 -1
	fs_send eio 2 phuser@localhost
	cat $PH/send.eio
	[ "$(fs_codes eio | grep -c '^451$')" -eq 2 ] ||
	    { cat $PH_LOG; atf_fail "not 451 to both"; }
	ph_wait_log 'error="[^"]*Input/output error'
	fs_eio_arm 0 0
	ph_alive "$(cat $PH/daemon.pid)" || { cat $PH_LOG; atf_fail "stopped"; }
	fs_queue_empty || atf_fail "a refused message is queued"
	fs_spool_clean
	fs_send ok 2 phuser@localhost
	[ "$(fs_codes ok | grep -c '^250$')" -eq 2 ] ||
	    { cat $PH/send.ok $PH_LOG; atf_fail "not accepted"; }
	fs_delivered_once 2
}

atf_test_case eio_some
eio_some_head() {
	atf_set descr "single EIO faults at points spread over a stream of" \
	    "mail: every message answered 250 is delivered exactly once"
	atf_set timeout 120
}
eio_some_body() {
	fs_setup 8m
	fs_conf
	fs_eio_start
	# each round fails one call, after a number of calls that walks
	# through the steps of receiving, committing and delivering
	: > $PH/send.s
	: > $PH/accepted
	for _skip in 0 1 2 3 4 5 6 7 8 9 10 12 15 20 25 30 40 50; do
		fs_eio_arm $_skip 1
		$SEND --to phuser@localhost --count 12 --conc 3 \
		    --tag "s$_skip" > $PH/send.r 2>&1 ||
		    { cat $PH/send.r; atf_fail "smtpsend"; }
		cat $PH/send.r >> $PH/send.s
		awk -v t="s$_skip" '$2 == 250 { print "<" $1 "." t "@smtpsend>" }' \
		    $PH/send.r >> $PH/accepted
		[ "$(fs_eio_left)" -eq 0 ] ||
		    { cat $PH_LOG; atf_fail "fault after $_skip was not met"; }
	done
	_ok=$(fs_codes s | grep -c '^250$')
	echo "answered 250: $_ok of $(fs_codes s | grep -c .)"
	ph_alive "$(cat $PH/daemon.pid)" || { cat $PH_LOG; atf_fail "stopped"; }
	sort -o $PH/accepted $PH/accepted
	ph_wait_for "fs_queue_empty && [ \$(fs_maildir_count) -ge $_ok ]" 60 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "not delivered"; }
	cat /home/phuser/Maildir/new/* | sed -n 's/^Message-ID: //p' |
	    sort > $PH/delivered
	[ -z "$(uniq -d $PH/delivered)" ] ||
	    atf_fail "delivered twice: $(uniq -d $PH/delivered)"
	_lost=$(comm -23 $PH/accepted $PH/delivered)
	[ -z "$_lost" ] || atf_fail "answered 250 and lost: $_lost"
	grep 'Input/output error' $PH_LOG
	fs_spool_clean
}

atf_test_case maildir_full
maildir_full_head() {
	atf_set descr "a full disk under the recipient's Maildir: the" \
	    "delivery is deferred (not bounced, not lost) and, with space" \
	    "back, delivered once"
	atf_set timeout 90
}
maildir_full_body() {
	fs_setup ""
	mount -t tmpfs -o size=1m,mode=0755 tmpfs /home/phuser ||
	    atf_fail "cannot mount the home's tmpfs"
	chown phuser:phuser /home/phuser
	fs_conf
	fs_start
	fs_fill /home/phuser
	fs_send md 1 phuser@localhost 64000
	[ "$(fs_codes md)" = 250 ] || { cat $PH/send.md; atf_fail "refused"; }
	ph_wait_log 'event=(deferred|temp-?fail|defer)' 30
	grep -Eq 'event=(bounce|perm)' $PH_LOG &&
	    { cat $PH_LOG; atf_fail "bounced on a full disk"; }
	[ "$($CTL show queue | wc -l)" -eq 1 ] ||
	    { $CTL show queue; atf_fail "not kept in the queue"; }
	rm /home/phuser/.fill
	atf_check -o ignore $CTL schedule all
	fs_delivered_once 1
	find /home/phuser/Maildir/tmp -type f | grep -q . &&
	    atf_fail "a partial file is left in Maildir/tmp"
	return 0
}

atf_test_case queue_killed
queue_killed_head() {
	atf_set descr "the queue killed (SIGKILL) while sessions are open:" \
	    "they get 421, the daemon stops and says why, and after a" \
	    "restart every message answered 250 is delivered exactly once"
	atf_set timeout 120
}
queue_killed_body() {
	fs_setup ""
	fs_conf
	fs_start
	atf_check -o ignore $CTL pause mda
	cat > $PH/hold.py <<'PY'
"""hold.py READY - a session held open in the middle of DATA; READY is
created once the first lines are sent, then every reply until the
server closes is printed"""
import socket, sys
s = socket.create_connection(("127.0.0.1", 25), timeout=60)
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline()
        if not l or l[3:4] != b"-":
            return l
reply()
for c in (b"EHLO hold.test", b"MAIL FROM:<a@example.net>",
          b"RCPT TO:<phuser@localhost>", b"DATA"):
    s.sendall(c + b"\r\n")
    reply()
s.sendall(b"Subject: held\r\n\r\nhalf of a message\r\n")
open(sys.argv[1], "w").close()
while True:
    l = f.readline()
    if not l:
        break
    sys.stdout.write(l.decode())
PY
	$PY $PH/hold.py $PH/hold.ready > $PH/hold.out 2>&1 &
	ph_wait_for "test -e $PH/hold.ready" 10 || atf_fail "no held session"
	$SEND --to phuser@localhost --count 300 --conc 4 --tag k \
	    > $PH/send.k 2>&1 &
	_sender=$!
	ph_wait_for "[ \$(grep -c 'event=tx-commit' $PH_LOG) -ge 20 ]" 30 ||
	    { cat $PH_LOG; atf_fail "no commits"; }
	_q=$(ph_role_pids queue)
	[ -n "$_q" ] || atf_fail "no queue process"
	kill -KILL $_q
	wait $_sender
	ph_wait_exit 20
	grep -q "event=child-exit role=queue pid=$_q signal=9" $PH_LOG ||
	    { cat $PH_LOG; atf_fail "no log line names the queue's death"; }
	ph_wait_for "grep -q '^421 ' $PH/hold.out" 10 ||
	    { cat $PH/hold.out; atf_fail "the held session got no 421"; }
	_ok=$(fs_codes k | grep -c '^250$')
	echo "answered 250: $_ok of $(fs_codes k | grep -c .)"
	[ "$_ok" -ge 20 ] || { cat $PH/send.k; atf_fail "few accepted"; }
	awk '$2 == 250 { print "<" $1 ".k@smtpsend>" }' $PH/send.k |
	    sort > $PH/accepted
	mv $PH_LOG $PH/smtpd.log.1
	fs_start
	ph_wait_for "fs_queue_empty && [ \$(fs_maildir_count) -ge $_ok ]" 60 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "not delivered"; }
	cat /home/phuser/Maildir/new/* | sed -n 's/^Message-ID: //p' |
	    sort > $PH/delivered
	[ -z "$(uniq -d $PH/delivered)" ] ||
	    atf_fail "delivered twice: $(uniq -d $PH/delivered)"
	_lost=$(comm -23 $PH/accepted $PH/delivered)
	[ -z "$_lost" ] || atf_fail "answered 250 and lost: $_lost"
	grep -q '^Subject: held' /home/phuser/Maildir/new/* &&
	    atf_fail "the message cut off in DATA was delivered"
	return 0
}

atf_init_test_cases() {
	atf_add_test_case enospc_data
	atf_add_test_case enospc_envelope
	atf_add_test_case eio_all
	atf_add_test_case eio_some
	atf_add_test_case maildir_full
	atf_add_test_case queue_killed
}
