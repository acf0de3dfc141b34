# t_smtp_session.sh - the listener without a transaction: commands and
# their codes, the error budget, long lines, max-sessions, the local
# socket, bad input from many connections, slow clients, memory per
# idle session and SIGTERM.

. "$(atf_get_srcdir)/subr.sh"

RAW="$PY $PH_TOP/regress/tools/smtp_raw.py"
LOAD="$PY $PH_TOP/regress/tools/smtp_load.py"
FUZZ="$PY $PH_TOP/regress/tools/smtp_fuzz.py"

# sess_start [CONF] - the daemon on port 25 with extra configuration
sess_start() {
	ph_setup
	ph_conf <<CONF
$1
listen on 127.0.0.1 port 25 hostname mx.test
action "local" maildir
match from any for local action "local"
CONF
	ph_start
	ph_wait_for "$GREETING 25" 5 || atf_fail "no greeting"
}

# sess_connects - how many sessions the listener has logged so far
sess_connects() {
	grep -c 'smtp event=connect ' $PH_LOG
}

# sess_have_tx - the lookup and queue sides of a transaction are there
sess_have_tx() {
	grep -rqs MSG_LOOKUP_RCPT "$PH_TOP/queue" &&
	    grep -rqs MSG_TX_COMMIT "$PH_TOP/queue"
}

# sess_line N - a NOOP command line of exactly N octets before CRLF
sess_line() {
	printf 'NOOP %s' "$(printf '%*s' $(($1 - 5)) '' | tr ' ' a)"
}

atf_test_case commands
commands_head() {
	atf_set descr "each command's reply code, one connection per case"
	atf_set timeout 60
}
commands_body() {
	sess_start
	while IFS='|' read -r want input; do
		atf_check -o inline:"$want\n" $RAW --codes --quiet 0.5 "$input"
	done <<'CASES'
220 250 221|HELO c.test\r\nQUIT\r\n
220 250 250 250|EHLO c.test\r\nNOOP\r\nRSET\r\n
220 252 502 214|VRFY root\r\nEXPN staff\r\nHELP\r\n
220 500 501|FOO\r\nMAIL\r\n
220 503 503 503|MAIL FROM:<a@b.test>\r\nRCPT TO:<a@b.test>\r\nDATA\r\n
220 250 503 503|EHLO c.test\r\nRCPT TO:<a@b.test>\r\nDATA\r\n
220 250 501 555|EHLO c.test\r\nMAIL FROM:a@b\r\nMAIL FROM:<a@b.test> X=1\r\n
220 250 502 503|EHLO c.test\r\nSTARTTLS\r\nAUTH PLAIN\r\n
220 500 250|\x00\x01\x02\r\nNOOP\r\n
220 221|QUIT\r\nNOOP\r\n
CASES
	atf_check -o match:'^250-mx.test Hello' -o match:'^250-PIPELINING' \
	    -o match:'^250-SIZE 36700160' -o match:'^250-8BITMIME' \
	    -o match:'^250-ENHANCEDSTATUSCODES' -o match:'^250-SMTPUTF8' \
	    -o match:'^250-DSN' -o match:'^250-CHUNKING' -o match:'^250 HELP' \
	    -o not-match:'AUTH' -o not-match:'STARTTLS' \
	    $RAW 'EHLO c.test\r\n'
	atf_check -o match:'^252 2\.' -o match:'^502 5\.5\.1' -o match:'^214 2\.' \
	    $RAW 'VRFY root\r\nEXPN root\r\nHELP\r\n'
}

atf_test_case error_budget
error_budget_head() {
	atf_set descr "10 protocol errors are tolerated; the 11th gets 421 and the close"
	atf_set timeout 60
}
error_budget_body() {
	sess_start
	ten='X\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\nX\r\n'
	atf_check -o inline:"220 500 500 500 500 500 500 500 500 500 500 250\n" \
	    $RAW --codes "${ten}NOOP\r\n"
	atf_check -o inline:"220 500 500 500 500 500 500 500 500 500 500 500 421\n" \
	    $RAW --codes "${ten}X\r\nNOOP\r\n"
	atf_check -o match:'^421 4\.7\.0' $RAW "${ten}X\r\n"
}

atf_test_case long_lines
long_lines_head() {
	atf_set descr "512-octet command lines: 510+CRLF is fine, 511 gets 500 5.5.6 and the session goes on"
	atf_set timeout 60
}
long_lines_body() {
	sess_start
	atf_check -o inline:"220 250 250\n" $RAW --codes "$(sess_line 510)\r\n" \
	    'NOOP\r\n'
	atf_check -o inline:"220 500 250\n" $RAW --codes "$(sess_line 511)\r\n" \
	    'NOOP\r\n'
	# 100 KiB: one 500, the rest is eaten, never run as commands
	atf_check -o inline:"220 500 250\n" $RAW --codes \
	    "$(sess_line 102400)\r\n" 'NOOP\r\n'
	atf_check -o match:'^500 5\.5\.6' $RAW "$(sess_line 600)\r\n"
}

atf_test_case max_sessions
max_sessions_head() {
	atf_set descr "smtp limit max-sessions N: N sessions are greeted, the next gets 421 4.3.2"
	atf_set timeout 60
}
max_sessions_body() {
	sess_start "smtp limit max-sessions 3"
	cat > held.py <<'PY'
import socket, sys
socks = []
for i in range(int(sys.argv[1])):
    s = socket.create_connection(("127.0.0.1", 25), timeout=5)
    print(s.recv(512).decode()[:9])
    socks.append(s)
PY
	atf_check -o inline:"220 mx.te\n220 mx.te\n220 mx.te\n" $PY held.py 3
	atf_check -o inline:"220 mx.te\n220 mx.te\n220 mx.te\n421 4.3.2\n" \
	    $PY held.py 4
	# once they are gone there is room again
	ph_wait_for "$GREETING 25" 5 || atf_fail "no greeting afterwards"
}

atf_test_case per_address
per_address_head() {
	atf_set descr "smtp limit max-sessions-per-address N: an address holding N sessions gets 421 4.3.2, another address and the local socket are still served"
	atf_set timeout 60
}
per_address_body() {
	# two client addresses of this network namespace that are not
	# loopback ones (those are exempt)
	ip addr add 192.0.2.1/32 dev lo && ip addr add 192.0.2.2/32 dev lo ||
	    atf_fail "cannot add client addresses"
	sess_start "smtp limit max-sessions 3 max-sessions-per-address 2"
	cat > held.py <<'PY'
import socket, subprocess, sys
def greet(src):
    s = socket.create_connection(("127.0.0.1", 25), timeout=5,
                                 source_address=(src, 0))
    return s, s.recv(512).decode()[:9]
socks = []
for src in sys.argv[1].split(","):
    s, g = greet(src)
    print(src, g)
    socks.append(s)
# with every network slot taken, the enqueuer's socket still takes mail
r = subprocess.run(sys.argv[2:], input=b"Subject: t\n\nbody\n")
print("sendmail", r.returncode)
PY
	useradd -m alice
	atf_check -o inline:"192.0.2.1 220 mx.te\n192.0.2.1 220 mx.te\n192.0.2.1 421 4.3.2\n192.0.2.2 220 mx.te\nsendmail 0\n" \
	    $PY held.py 192.0.2.1,192.0.2.1,192.0.2.1,192.0.2.2 \
	    $PH_BIN/sendmail -C $PH_CONF alice
	# refused once, and the enqueuer's session was not (it did not wait
	# in the offline area either)
	atf_check -o inline:"1\n" grep -c 'event=refused' $PH_LOG
	atf_check -o match:'event=refused reason=max-sessions-per-address' \
	    cat $PH_LOG
	atf_check -o match:'event=connect src=local' cat $PH_LOG
	ph_wait_for "ls /home/alice/Maildir/new | grep -q ." 20 ||
	    atf_fail "the local submission was not delivered"
}

atf_test_case local_socket
local_socket_head() {
	atf_set descr "listen on socket: the enqueuer's socket speaks SMTP"
	atf_set timeout 60
}
local_socket_body() {
	sess_start
	ph_wait_for "test -S $PH_RUN/enqueue.sock" 5 || atf_fail "no socket"
	atf_check -o inline:"220 250 221\n" $RAW --codes \
	    --unix $PH_RUN/enqueue.sock 'EHLO me\r\n' 'QUIT\r\n'
	atf_check -o match:'event=connect src=local' cat $PH_LOG
}

atf_test_case bad_input
bad_input_head() {
	atf_set descr "random bytes, NULs and 100 KiB lines from many connections never crash the listener"
	atf_set timeout 120
}
bad_input_body() {
	sess_start
	pid=$(ph_role_pids smtpd)
	notx=--no-tx
	sess_have_tx && notx=
	atf_check -o inline:"done\n" $FUZZ --port 25 --conns 24 --seed 7 $notx
	atf_check -o inline:"done\n" $FUZZ --port 25 --conns 24 --seed 99 $notx
	[ "$(ph_role_pids smtpd)" = "$pid" ] ||
	    { cat $PH_LOG; atf_fail "the listener did not survive"; }
	atf_check -o inline:"220 250\n" $RAW --codes 'NOOP\r\n'
}

atf_test_case slow_client
slow_client_head() {
	atf_set descr "a client sending one byte a second does not delay the others"
	atf_set timeout 60
}
slow_client_body() {
	sess_start
	n=$(sess_connects)
	$RAW --codes 'N' @SLEEP:2 'O' @SLEEP:2 'O' @SLEEP:2 'P' @SLEEP:2 \
	    '\r' @SLEEP:2 '\n' > slow.out &
	slow=$!
	ph_wait_for "[ \$(sess_connects) -gt $n ]" 10 ||
	    atf_fail "the slow client did not connect"
	atf_check -o inline:"220 250 221\n" $RAW --codes --quiet 0.3 \
	    'EHLO fast\r\nQUIT\r\n'
	# the fast client was served while the slow one still dribbles
	kill -0 $slow 2>/dev/null ||
	    atf_fail "the fast client was served only after the slow one"
	wait $slow
	atf_check -o inline:"220 250\n" cat slow.out
}

atf_test_case idle_memory
idle_memory_head() {
	atf_set descr "1,000 idle sessions after EHLO cost under 16 KiB each"
	atf_set timeout 120
}
idle_memory_body() {
	sess_start "smtp limit max-sessions 1100"
	pid=$(ph_role_pids smtpd)
	atf_check -o save:mem.out $LOAD --port 25 --sessions 1000 --pid $pid
	cat mem.out
	ph_per_session mem.out 16384
}

atf_test_case sigterm_sessions
sigterm_sessions_head() {
	atf_set descr "SIGTERM: connected clients get 421 before the close"
	atf_set timeout 60
}
sigterm_sessions_body() {
	sess_start
	n=$(sess_connects)
	$RAW 'EHLO c.test\r\n' @SLEEP:8 > term.out &
	client=$!
	ph_wait_for "[ \$(sess_connects) -gt $n ]" 10 ||
	    atf_fail "the client did not connect"
	kill -TERM "$(cat $PH/daemon.pid)"
	wait $client
	atf_check -o match:'^421 4\.3\.0' cat term.out
}

atf_init_test_cases() {
	atf_add_test_case commands
	atf_add_test_case error_budget
	atf_add_test_case long_lines
	atf_add_test_case max_sessions
	atf_add_test_case per_address
	atf_add_test_case local_socket
	atf_add_test_case bad_input
	atf_add_test_case slow_client
	atf_add_test_case idle_memory
	atf_add_test_case sigterm_sessions
}
