# t_faults_time.sh - faults that take time: peers that stall in the
# middle of DATA (the relay's and the listener's time-outs), relay peers
# that trickle a reply an octet at a time (the relay's deadline per
# reply), and a real-time clock that jumps under the running daemon.
#
# The time-outs are RFC 5321's (minutes): the daemon runs under
# libfaketime at 60 times the speed of the clocks, so that a time-out
# of 5 minutes ends after 5 seconds; the clock jumps move the real-time
# clock alone, as a jump does, while the monotonic clock goes on.

. "$(atf_get_srcdir)/subr.sh"

SEND="$PY $PH_TOP/regress/tools/smtpsend.py"
SINK="$PY $PH_TOP/regress/tools/sinkd.py"
SINKDIR=$PH/sink
FAKETIME_LIB=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime\.so\.1$')

# ft_setup - namespaces, libfaketime's presence, the sink's directory
ft_setup() {
	ph_setup
	mkdir -p $PH/sink3
	[ -f "$FAKETIME_LIB" ] ||
	    atf_fail "libfaketime missing (regress/deps.sh installs it)"
	# ASan wants its run-time first; libfaketime is preloaded before it
	[ -n "${PH_SANITIZE:-}" ] &&
	    export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
	mkdir -p $SINKDIR
}

# ft_conf [LINE] - other.test relayed to 127.0.0.3:25, the rest to
# 127.0.0.2:25; LINE added first
ft_conf() {
	ph_conf <<CONF
${1:-}
listen on 127.0.0.1 port 25
action "out" relay host smtp://127.0.0.2:25
action "other" relay host smtp://127.0.0.3:25
match from any for domain other.test action "other"
match from any for any action "out"
CONF
}

# ft_sink - a sink on 127.0.0.3:25
ft_sink() {
	$SINK --dir $PH/sink3 --pidfile $PH/sink3.pid --listen 127.0.0.3:25 \
	    > $PH/sink3.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink3.out" 10 ||
	    { cat $PH/sink3.out; atf_fail "the sink did not start"; }
}

# ft_start FAKETIME - the daemon under libfaketime (FAKETIME as
# libfaketime reads it, e.g. "+0 x60")
ft_start() {
	FAKETIME="$1" FAKETIME_DONT_RESET=1 FAKETIME_NO_CACHE=1 \
	    LD_PRELOAD=$FAKETIME_LIB $PH_BIN/smtpd -d -f $PH_CONF \
	    > $PH_LOG 2>&1 &
	echo $! > $PH/daemon.pid
	ph_wait_for "test -S $PH_RUN/control.sock" 10 ||
	    { cat $PH_LOG; atf_fail "smtpd did not start"; }
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
}

# ft_start_jumpy - the daemon under libfaketime with the real-time
# clock offset by what ft_jump last wrote, the monotonic clock left true.
# The file is read at every call from outside the spool and, as the
# same file (a hard link), by the queue inside its root.
ft_start_jumpy() {
	mkdir -p $PH_SPOOL$PH_SPOOL
	echo +0 > $PH_SPOOL/.clock
	chmod 0644 $PH_SPOOL/.clock
	ln $PH_SPOOL/.clock $PH_SPOOL$PH_SPOOL/.clock
	FAKETIME_TIMESTAMP_FILE=$PH_SPOOL/.clock FAKETIME_NO_CACHE=1 \
	    DONT_FAKE_MONOTONIC=1 LD_PRELOAD=$FAKETIME_LIB \
	    $PH_BIN/smtpd -d -f $PH_CONF > $PH_LOG 2>&1 &
	echo $! > $PH/daemon.pid
	ph_wait_for "test -S $PH_RUN/control.sock" 10 ||
	    { cat $PH_LOG; atf_fail "smtpd did not start"; }
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
}

# ft_jump SECONDS - set the real-time clock's offset (+N or -N)
ft_jump() {
	echo "$1" > $PH_SPOOL/.clock
}

# ft_stall_tool - $PH/stall.py, an SMTP server on 127.0.0.2:25 that
# stalls its first session in DATA and stores the later ones
ft_stall_tool() {
	cat > $PH/stall.py <<'PY'
"""stall.py MODE DIR - the first session stalls after DATA: MODE "dot"
reads the whole message and never answers its final dot, "trickle"
answers it one octet every 2 seconds until the client closes and then
writes the octets it sent to DIR/trickled ("ehlo" does so to EHLO),
"read" stops reading; later sessions store each message in DIR/N.msg.
Writes DIR/stalled when the first session has stalled."""
import os, socket, sys, threading
mode, d = sys.argv[1], sys.argv[2]
n = [0]
def trickle(c):
    sent = 0
    c.settimeout(2)
    try:
        for o in b"250 2.0.0 stored, after all" * 64:
            c.sendall(bytes([o]))
            sent += 1
            try:
                if c.recv(1) == b"":
                    break
            except socket.timeout:
                pass
    except OSError:
        pass
    open(os.path.join(d, "trickled"), "w").write("%d\n" % sent)
def session(c, first):
    f = c.makefile("rb")
    c.sendall(b"220 stall.test\r\n")
    while True:
        l = f.readline()
        if not l:
            return
        v = l[:4].upper()
        if v in (b"EHLO", b"HELO") and first and mode == "ehlo":
            open(os.path.join(d, "stalled"), "w").close()
            return trickle(c)
        if v in (b"EHLO", b"HELO"):
            c.sendall(b"250 stall.test\r\n")
        elif v == b"DATA":
            c.sendall(b"354 go on\r\n")
            if first and mode == "read":
                open(os.path.join(d, "stalled"), "w").close()
                threading.Event().wait()
            body = []
            while True:
                l = f.readline()
                if not l or l == b".\r\n":
                    break
                body.append(l)
            if first:
                open(os.path.join(d, "stalled"), "w").close()
                if mode == "trickle":
                    return trickle(c)
                threading.Event().wait()
            n[0] += 1
            open(os.path.join(d, "%d.msg" % n[0]), "wb").write(b"".join(body))
            c.sendall(b"250 stored\r\n")
        elif v == b"QUIT":
            c.sendall(b"221 bye\r\n")
            return
        else:
            c.sendall(b"250 ok\r\n")
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.2", 25))
s.listen(16)
open(os.path.join(d, "ready"), "w").close()
first = True
while True:
    c, _ = s.accept()
    threading.Thread(target=session, args=(c, first), daemon=True).start()
    first = False
PY
}

# ft_stall MODE - start stall.py and wait until it listens
ft_stall() {
	ft_stall_tool
	$PY $PH/stall.py "$1" $SINKDIR > $PH/stall.out 2>&1 &
	ph_wait_for "test -e $SINKDIR/ready" 10 ||
	    { cat $PH/stall.out; atf_fail "stall.py did not start"; }
}

# ft_send TAG RCPT [SIZE] - one message, which must be answered 250
ft_send() {
	$SEND --to "$2" --tag "$1" --size "${3:-300}" > $PH/send.$1 2>&1
	grep -q '^1 250 ' $PH/send.$1 || { cat $PH/send.$1; atf_fail "refused"; }
}

# ft_relayed_once TAG - the stalled peer stored message TAG exactly once
ft_relayed_once() {
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 60 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "still queued"; }
	_n=$(cat $SINKDIR/*.msg 2>/dev/null | grep -c "^Message-ID: <1.$1@")
	[ "$_n" -eq 1 ] || { cat $PH_LOG; atf_fail "stored $_n times"; }
}

atf_test_case relay_stall_dot
relay_stall_dot_head() {
	atf_set descr "a relay peer that never answers the final dot: the" \
	    "relay times out, the message is deferred, and the retry" \
	    "delivers it once"
	atf_set timeout 120
}
relay_stall_dot_body() {
	ft_setup
	ft_conf
	ft_stall dot
	ft_start "+0 x60"
	ft_send a someone@remote.test
	ph_wait_for "test -e $SINKDIR/stalled" 10 || atf_fail "no stall"
	ph_wait_log 'event=deferred .*[Tt]ime' 30
	ft_relayed_once a
}

atf_test_case relay_trickle_dot
relay_trickle_dot_head() {
	atf_set descr "a relay peer that answers the final dot one octet" \
	    "every 2 seconds (2 minutes of the daemon's clock, within the" \
	    "time-out per read): the reply's deadline of 10 minutes ends" \
	    "it with a 4.4.2 time-out deferral, the relay worker lives," \
	    "mail to another destination flows, the retry delivers it once"
	atf_set timeout 120
}
relay_trickle_dot_body() {
	ft_setup
	ft_conf
	ft_stall trickle
	ft_sink
	ft_start "+0 x60"
	_relay=$(ph_role_pids relay)
	ft_send a someone@remote.test
	ph_wait_for "test -e $SINKDIR/stalled" 10 || atf_fail "no stall"
	ft_send b someone@other.test
	ph_wait_for "ls $PH/sink3 | grep -q '\.env\$'" 10 ||
	    { cat $PH_LOG; atf_fail "other.test waited for the trickle"; }
	ph_wait_log 'reason=deadline host=127\.0\.0\.2 .* secs=600' 30
	ph_wait_log 'event=deferred .*4\.4\.2 time-out at 127\.0\.0\.2' 10
	# 10 minutes are 10 s here: 5 octets, not the 512 of a whole line
	ph_wait_for "test -s $SINKDIR/trickled" 10 || atf_fail "still open"
	[ "$(cat $SINKDIR/trickled)" -le 8 ] ||
	    atf_fail "closed after $(cat $SINKDIR/trickled) octets"
	[ "$(grep -c 'event=deferred' $PH_LOG)" -eq 1 ] ||
	    { cat $PH_LOG; atf_fail "not deferred exactly once"; }
	ft_relayed_once a
	atf_check_equal "$_relay" "$(ph_role_pids relay)"
	atf_check -o not-match:'fatal|panic|event=died' cat $PH_LOG
}

atf_test_case relay_trickle_ehlo
relay_trickle_ehlo_head() {
	atf_set descr "a relay peer that answers EHLO one octet every 2" \
	    "seconds (2 minutes of the daemon's clock): the reply's" \
	    "deadline of 5 minutes ends it as a time-out of the host, the" \
	    "retry delivers the message once"
	atf_set timeout 120
}
relay_trickle_ehlo_body() {
	ft_setup
	ft_conf
	ft_stall ehlo
	ft_start "+0 x60"
	ft_send a someone@remote.test
	ph_wait_for "test -e $SINKDIR/stalled" 10 || atf_fail "no stall"
	ph_wait_log 'reason=deadline host=127\.0\.0\.2 .* secs=300' 30
	ph_wait_log 'event=deferred .*4\.4\.1 no host reachable: time-out' 10
	ph_wait_for "test -s $SINKDIR/trickled" 10 || atf_fail "still open"
	[ "$(cat $SINKDIR/trickled)" -le 5 ] ||
	    atf_fail "closed after $(cat $SINKDIR/trickled) octets"
	ft_relayed_once a
}

atf_test_case relay_stall_read
relay_stall_read_head() {
	atf_set descr "a relay peer that stops reading in the middle of" \
	    "DATA: the relay times out, the message is deferred and" \
	    "delivered once by the retry, and mail to another destination" \
	    "flows meanwhile"
	atf_set timeout 120
}
relay_stall_read_body() {
	ft_setup
	ft_conf
	ft_stall read
	ft_sink
	ft_start "+0 x60"
	ft_send a someone@remote.test 8000000
	ph_wait_for "test -e $SINKDIR/stalled" 10 || atf_fail "no stall"
	ft_send b someone@other.test
	ph_wait_for "ls $PH/sink3 | grep -q '\.env\$'" 10 ||
	    { cat $PH_LOG; atf_fail "other.test waited for the stalled peer"; }
	grep -q 'event=deferred' $PH_LOG &&
	    atf_fail "deferred before other.test was relayed"
	ph_wait_log 'event=deferred .*[Tt]ime' 30
	ft_relayed_once a
}

atf_test_case client_stall
client_stall_head() {
	atf_set descr "a client that stalls in the middle of DATA is cut" \
	    "off with 421 4.4.2 by the listener's time-out, and nothing of" \
	    "its message is queued"
	atf_set timeout 120
}
client_stall_body() {
	ft_setup
	ft_conf
	ft_start "+0 x60"
	$PY $PH_TOP/regress/tools/smtp_raw.py --quiet 60 \
	    'EHLO stall.test\r\n' 'MAIL FROM:<a@example.net>\r\n' \
	    'RCPT TO:<b@remote.test>\r\n' 'DATA\r\n' \
	    'Subject: stalled\r\n\r\nhalf of a message\r\n' \
	    > $PH/raw.out 2>&1
	cat $PH/raw.out
	grep -q '^421 4\.4\.2 ' $PH/raw.out || atf_fail "no 421 4.4.2"
	ph_wait_log 'event=disconnect .*mails=0'
	grep -q 'event=tx-commit' $PH_LOG && atf_fail "a message was queued"
	[ -z "$($CTL show queue)" ] || atf_fail "the queue is not empty"
	[ -z "$(find $PH_SPOOL/incoming $PH_SPOOL/queue -type f)" ] ||
	    atf_fail "files are left in the spool"
}

atf_test_case enospc_expire
enospc_expire_head() {
	atf_set descr "a message expires while the spool is full: the" \
	    "notice cannot be written, the message stays queued, and once" \
	    "space is back it expires with its notice sent"
	atf_set timeout 120
}
enospc_expire_body() {
	ft_setup
	mkdir -p $PH_SPOOL
	mount -t tmpfs -o size=2m,mode=0755 tmpfs $PH_SPOOL ||
	    atf_fail "cannot mount the spool's tmpfs"
	ft_conf "queue ttl 10m"
	ft_sink
	ft_start "+0 x60"
	$SEND --from a@other.test --to temp@other.test > $PH/send.a 2>&1
	grep -q '^1 250 ' $PH/send.a || { cat $PH/send.a; atf_fail "refused"; }
	ph_wait_log 'event=deferred'
	dd if=/dev/zero of=$PH_SPOOL/.fill bs=4k 2>/dev/null
	ph_wait_log 'event=expire-postponed' 30
	ph_wait_for "$CTL show queue | grep -q '|temp@other.test|'" 10 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "forgotten by the queue"; }
	rm $PH_SPOOL/.fill
	ph_wait_log 'event=expired' 30
	ph_wait_for "grep -l '^rcpt <a@other.test>' $PH/sink3/*.env" 30 ||
	    { cat $PH_LOG; atf_fail "no notice was sent"; }
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 30 ||
	    { $CTL show queue; atf_fail "still queued"; }
}

atf_test_case clock_back
clock_back_head() {
	atf_set descr "the real-time clock jumps back an hour under the" \
	    "daemon: the queue says so and moves its due times with it, so" \
	    "an expiry due in seconds still comes in seconds"
	atf_set timeout 90
}
clock_back_body() {
	ft_setup
	ft_conf "queue ttl 12s"
	ft_sink
	ft_start_jumpy
	$SEND --from a@other.test --to temp@other.test > $PH/send.a 2>&1
	grep -q '^1 250 ' $PH/send.a || { cat $PH/send.a; atf_fail "refused"; }
	ph_wait_log 'event=deferred'
	ft_jump -3600
	ph_wait_log 'event=expired' 20
	ph_wait_log 'event=clock-jump seconds=-(3599|3600) action=shift'
	ph_wait_for "grep -l '^rcpt <a@other.test>' $PH/sink3/*.env" 20 ||
	    { cat $PH_LOG; atf_fail "no notice was sent"; }
}

atf_test_case clock_forward
clock_forward_head() {
	atf_set descr "the real-time clock jumps forward an hour: what" \
	    "comes due is tried at once, messages whose ttl is longer are" \
	    "retried, not expired, and only one whose ttl the jump passed" \
	    "expires"
	atf_set timeout 90
}
clock_forward_body() {
	ft_setup
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "other" relay host smtp://127.0.0.3:25
action "short" relay host smtp://127.0.0.3:25 ttl 30m
match from any for domain short.test action "short"
match from any for any action "other"
CONF
	ft_sink
	ft_start_jumpy
	$SEND --from a@other.test --to temp@other.test --tag long \
	    > $PH/send.long 2>&1
	$SEND --from a@other.test --to temp@short.test --tag short \
	    > $PH/send.short 2>&1
	ph_wait_for "[ \$(grep -c 'event=deferred retry=1' $PH_LOG) -eq 2 ]" 20 ||
	    { cat $PH_LOG; atf_fail "not deferred"; }
	ft_jump +3600
	# new mail runs the scheduler before the retry's own time
	$SEND --to ok@other.test --tag kick > $PH/send.kick 2>&1
	ph_wait_log 'event=clock-jump seconds=(3599|3600|3601) action=none' 20
	ph_wait_log 'temp@short.test.*|event=expired' 20
	ph_wait_for "grep -q 'event=deferred retry=2' $PH_LOG" 20 ||
	    { cat $PH_LOG; atf_fail "the long-lived message was not retried"; }
	[ "$(grep -c 'event=expired' $PH_LOG)" -eq 1 ] ||
	    { cat $PH_LOG; atf_fail "not exactly one expiry"; }
	$CTL show queue | grep -q '|temp@other.test|' ||
	    atf_fail "the long-lived message left the queue"
}

atf_init_test_cases() {
	atf_add_test_case clock_back
	atf_add_test_case clock_forward
	atf_add_test_case enospc_expire
	atf_add_test_case relay_stall_dot
	atf_add_test_case relay_trickle_dot
	atf_add_test_case relay_trickle_ehlo
	atf_add_test_case relay_stall_read
	atf_add_test_case client_stall
}
