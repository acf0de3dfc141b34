# t_filter_milter.sh - milters (smtpd.conf "filter NAME milter ...") with
# a real daemon over loopback and a milter on Sendmail's own libmilter
# (regress/tools/milter.py): what the milter hears, callback by callback
# with its macros; its edits, byte for byte in the delivered message;
# its refusals byte for byte on the wire; a milter that is late, dies,
# answers garbage or is not there gets its on-error action, and a slow
# one holds up no other session.

. "$(atf_get_srcdir)/subr.sh"

MILTER="$PY $PH_TOP/regress/tools/milter.py"

# mt_setup - the test's namespaces, accounts alice and bob (Maildir)
mt_setup() {
	ph_setup
	for _u in alice bob; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
}

# mt_start - the daemon with the configuration on standard input
mt_start() {
	ph_conf
	ph_start
}

# mt_milter NAME PORT [ARGS] - milter.py on 127.0.0.1:PORT, logging to
# $PH/NAME.log, with the script $PH/NAME.json if there is one
mt_milter() {
	_mn=$1
	_p=$2
	shift 2
	[ -f $PH/$_mn.json ] || echo '{}' > $PH/$_mn.json
	$MILTER --socket "inet:$_p@127.0.0.1" --log $PH/$_mn.log \
	    --script $PH/$_mn.json --pidfile $PH/$_mn.pid "$@" \
	    > $PH/$_mn.out 2>&1 &
	ph_wait_for "test -s $PH/$_mn.pid" 10 ||
	    { cat $PH/$_mn.out; atf_fail "milter $_mn did not start"; }
}

# mt_one - milter m (script $PH/m.json) on port 8891, the only filter of
# the daemon's listener on port 25, which delivers to local users
mt_one() {
	mt_milter m 8891
	mt_start <<'CONF'
filter m milter "inet:127.0.0.1:8891"
listen on 127.0.0.1 port 25 filter m
action "l" maildir
match for local action "l"
CONF
}

# mt_talk ARGS - a session through talk.py into $PH/out
mt_talk() {
	$TALK "$@" > $PH/out 2>&1 || { cat $PH/out; atf_fail "talk"; }
}

# mt_ok FILE - the session in FILE had its message accepted (250 2.0.0)
mt_ok() {
	grep -q '^250 2\.0\.0 ' "$1" ||
	    { cat "$1" $PH_LOG; atf_fail "no message accepted in $1"; }
}

# mt_delivered N - wait for N deliveries in the log
mt_delivered() {
	ph_wait_for "[ \$(grep -c 'mda event=delivered' $PH_LOG) -ge $1 ]" \
	    30 || { cat $PH_LOG; atf_fail "no $1 deliveries"; }
}

# mt_calls LOG - the callbacks of a milter's log, one line each: the
# callback, its arguments, and those of the macros named in $MT_MACROS
# that are new or changed since the callback before
mt_calls() {
	MT_MACROS="${MT_MACROS:-}" $PY - "$1" <<'PY'
import json
import os
import sys

want = os.environ["MT_MACROS"].split()
seen = {}
for line in open(sys.argv[1], encoding="ascii"):
    e = json.loads(line)
    cb = e.pop("cb")
    macros = e.pop("macros", {})
    if cb in ("negotiate", "body"):
        continue
    if cb == "header" and e["name"] == "Received":
        e["value"] = "..."
    args = " ".join("%s=%r" % (k, e[k]) for k in sorted(e))
    ms = " ".join("%s=%s" % (m, macros[m]) for m in want
                  if m in macros and seen.get(m) != macros[m])
    seen.update(macros)
    print(" ".join(x for x in (cb, args, ms) if x))
PY
}

atf_test_case callbacks
callbacks_head() {
	atf_set descr "the milter hears every step of a session with the macros milters rely on, the message with its Received: header and CRLF body; a message it lets pass is delivered as sent"
	atf_set timeout 90
}
callbacks_body() {
	mt_setup
	mt_milter m 8891
	mt_start <<'CONF'
filter m milter "inet:127.0.0.1:8891"
listen on 127.0.0.1 port 25 tag MTA filter m
action "l" maildir
match for local action "l"
CONF
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "RCPT TO:<bob@localhost>" "DATA" \
	    "=Subject: hi" "=X-Folded: one" "=	two" "=" "=..dot" "=body" \
	    "." "QUIT"
	mt_ok $PH/out
	mt_delivered 2
	ph_wait_for "grep -q '\"close\"' $PH/m.log" 10 || atf_fail "no close"
	_id=$(sed -n 's/.*event=tx-commit msgid=\([0-9a-f]*\).*/\1/p' \
	    $PH_LOG | head -n 1)
	MT_MACROS="j {daemon_name} {daemon_port} {client_addr} {client_name} {mail_addr} {rcpt_addr} i" \
	    mt_calls $PH/m.log > $PH/calls
	cat > $PH/expect <<EXP
connect address=['127.0.0.1', PORT] family='inet' hostname='localhost' j=$(hostname) {daemon_name}=MTA {daemon_port}=25 {client_addr}=127.0.0.1 {client_name}=localhost
helo hostname='c.test'
envfrom addr='<a@good.test>' args=[] {mail_addr}=a@good.test
envrcpt addr='<alice@localhost>' args=[] {rcpt_addr}=alice@localhost
envrcpt addr='<bob@localhost>' args=[] {rcpt_addr}=bob@localhost
data
header name='Received' value='...'
header name='Subject' value='hi'
header name='X-Folded' value='one\\n\\ttwo'
eoh
eom body='.dot\\r\\nbody\\r\\n' len=12 i=$_id
close
EXP
	sed -i 's/\(address=\[.127\.0\.0\.1., \)[0-9]*\]/\1PORT]/' $PH/calls
	atf_check -o file:$PH/expect cat $PH/calls
	atf_check -o inline:'Subject: hi\nX-Folded: one\n\ttwo\n\n.dot\nbody\n' \
	    sed -n '/^Subject: hi$/,$p' /home/alice/Maildir/new/*
}

atf_test_case edits
edits_head() {
	atf_set descr "the milter's edits at the end of the message (add, insert, change, delete a header field, replace the body) are the message delivered, byte for byte"
	atf_set timeout 90
}
edits_body() {
	mt_setup
	cat > $PH/m.json <<'JSON'
{"eom": {"action": "continue",
         "mods": [["addheader", "X-Added", "yes"],
                  ["insheader", 0, "X-Top", "first"],
                  ["chgheader", "Subject", 1, "changed"],
                  ["chgheader", "X-Gone", 1, ""],
                  ["addheader", "X-Multi", "one\n\ttwo"],
                  ["replacebody", "new\r\n.dot\r\nbody\r\n"]]}}
JSON
	mt_one
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: hi" "=X-Gone: x" \
	    "=From: a@good.test" "=" "=old body" "." "QUIT"
	mt_ok $PH/out
	mt_delivered 1
	_m=$(ls /home/alice/Maildir/new/*)
	# the agent's Return-Path:, then the header as the milter left it
	sed -e '1,2d' -e 's/^\(Received: \).*/\1.../' -e '/^\t/d' "$_m" \
	    > $PH/got
	cat > $PH/expect <<'EXP'
X-Top: first
Received: ...
Subject: changed
From: a@good.test
X-Added: yes
X-Multi: one

new
.dot
body
EXP
	atf_check -o file:$PH/expect cat $PH/got
	atf_check -o inline:'X-Multi: one\n\ttwo\n' grep -A1 '^X-Multi:' "$_m"
}

atf_test_case refusals
refusals_head() {
	atf_set descr "the milter's refusals reach the client byte for byte: a tempfail at MAIL, a reply of its own for one recipient, a reject and a discard at the end of the message; what it refused or discarded is never queued"
	atf_set timeout 90
}
refusals_body() {
	mt_setup
	cat > $PH/m.json <<'JSON'
{"envfrom": [{"if": "later@", "action": "tempfail"}],
 "envrcpt": [{"if": "bob@", "action": "reject",
              "reply": ["550", "5.7.1", "no such user"]}],
 "eom": [{"if": "REJECTME", "action": "reject",
          "reply": ["554", "5.7.1", "content refused"]},
         {"if": "DISCARDME", "action": "discard"},
         {"action": "accept"}]}
JSON
	mt_one
	mt_talk "EHLO c.test" "MAIL FROM:<later@good.test>" \
	    "MAIL FROM:<a@good.test>" "RCPT TO:<bob@localhost>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: ok" "=" "=fine" \
	    "." "QUIT"
	atf_check -o inline:'451 4.7.1 Service unavailable - try again later\\r\\n\n' \
	    grep '^451' $PH/out
	atf_check -o inline:'550 5.7.1 no such user\\r\\n\n' grep '^550' $PH/out
	mt_delivered 1
	atf_check -o match:'^Subject: ok$' cat /home/alice/Maildir/new/*
	[ -z "$(ls /home/bob/Maildir/new 2>/dev/null)" ] ||
	    atf_fail "bob, refused by the milter, got mail"
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: no" "=" \
	    "=REJECTME" "." "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: gone" "=" \
	    "=DISCARDME" "." "QUIT"
	atf_check -o inline:'554 5.7.1 content refused\\r\\n\n' \
	    grep '^554' $PH/out
	atf_check -o inline:'250 2.0.0 Ok: discarded\\r\\n\n' \
	    grep 'discarded' $PH/out
	ph_wait_log 'smtp event=filter phase=commit filter=m decision=discard'
	atf_check_equal "$(ph_spool_count)" 0
	atf_check_equal "$(grep -c 'queue event=tx-commit' $PH_LOG)" 1
	atf_check -o inline:'1\n' sh -c 'ls /home/alice/Maildir/new | wc -l'
}

atf_test_case envelope
envelope_head() {
	atf_set descr "the milter's changes of the envelope at the end of the message: a recipient added (expanded through the rules), one deleted, the sender changed; a recipient no rule accepts is dropped; a message left without recipients is discarded"
	atf_set timeout 90
}
envelope_body() {
	mt_setup
	cat > $PH/m.json <<'JSON'
{"eom": [{"if": "DROPALL", "action": "continue",
          "mods": [["delrcpt", "<alice@localhost>"]]},
         {"action": "continue",
          "mods": [["addrcpt", "<bob@localhost>"],
                   ["addrcpt", "<nobody@elsewhere.test>"],
                   ["delrcpt", "<alice@localhost>"],
                   ["chgfrom", "<new@good.test>"]]}]}
JSON
	mt_one
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: moved" "=" "=x" "." \
	    "QUIT"
	mt_ok $PH/out
	mt_delivered 1
	atf_check -o inline:'Return-Path: <new@good.test>\n' \
	    head -n 1 /home/bob/Maildir/new/*
	atf_check -o match:'^Subject: moved$' cat /home/bob/Maildir/new/*
	[ -z "$(ls /home/alice/Maildir/new 2>/dev/null)" ] ||
	    atf_fail "alice, deleted by the milter, got mail"
	ph_wait_log 'lookup event=milter-rcpt-dropped name=m msgid=[0-9a-f]+ reason="no rule accepts it"'
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: none" "=" \
	    "=DROPALL" "." "QUIT"
	atf_check -o inline:'250 2.0.0 Ok: discarded\\r\\n\n' \
	    grep 'discarded' $PH/out
	atf_check_equal "$(grep -c 'queue event=tx-commit' $PH_LOG)" 1
}

atf_test_case quarantine
quarantine_head() {
	atf_set descr "a message the milter quarantines is queued held: listed held, not delivered, until smtpctl schedule names it"
	atf_set timeout 90
}
quarantine_body() {
	mt_setup
	cat > $PH/m.json <<'JSON'
{"eom": {"action": "accept", "mods": [["quarantine", "held for review"]]}}
JSON
	mt_one
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: held" "=" "=x" "." \
	    "QUIT"
	mt_ok $PH/out
	ph_wait_log 'queue event=tx-commit msgid='
	_id=$(sed -n 's/.*queue event=tx-commit msgid=\([0-9a-f]*\).*/\1/p' \
	    $PH_LOG | head -n 1)
	ph_wait_log 'reason="held for review"'
	$CTL show queue > $PH/q.out
	atf_check -o match:"^$_id[0-9a-f]{8}\|mda\|held\|" cat $PH/q.out
	atf_check -o inline:"0 envelopes scheduled\n" $CTL schedule all
	[ -z "$(ls /home/alice/Maildir/new 2>/dev/null)" ] ||
	    atf_fail "the held message was delivered"
	atf_check -o inline:"1 envelope scheduled\n" $CTL schedule $_id
	mt_delivered 1
	atf_check -o match:'^Subject: held$' cat /home/alice/Maildir/new/*
}

atf_test_case on_error
on_error_head() {
	atf_set descr "a milter late at the end of the message, one that dies in the body, one that answers garbage and one not there: each session gets its milter's on-error action, nothing half-edited is queued, the daemon lives"
	atf_set timeout 120
}
on_error_body() {
	mt_setup
	mt_milter late 8892 --raw sleep-at eom 20
	mt_milter dies 8893 --raw die-at body
	mt_milter garbage 8894 --raw garbage
	mt_start <<'CONF'
filter late milter "inet:127.0.0.1:8892" timeout 2s
filter dies milter "inet:127.0.0.1:8893" on-error accept
filter garbage milter "inet:127.0.0.1:8894" on-error reject
filter gone milter "inet:127.0.0.1:8899"
listen on 127.0.0.1 port 25 filter late
listen on 127.0.0.1 port 2525 filter dies
listen on 127.0.0.1 port 2526 filter garbage
listen on 127.0.0.1 port 2527 filter gone
action "l" maildir
match for local action "l"
CONF
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: late" "=" "=x" "." \
	    "QUIT"
	atf_check -o inline:'451 4.7.1 Service unavailable - try again later\\r\\n\n' \
	    grep '^451' $PH/out
	ph_wait_log 'lookup event=milter-failed name=late reason="time-out" on-error=tempfail'
	mt_talk --port 2525 "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: dies" "=" "=x" "." \
	    "QUIT"
	mt_ok $PH/out
	ph_wait_log 'lookup event=milter-failed name=dies reason="connection closed" on-error=accept'
	mt_delivered 1
	atf_check -o inline:'Subject: dies\n\nx\n' \
	    sed -n '/^Subject: dies$/,$p' /home/alice/Maildir/new/*
	mt_talk --port 2526 --eof "EHLO c.test"
	atf_check -o inline:'554 5.7.1 Service unavailable\\r\\n\nEOF\n' cat $PH/out
	ph_wait_log 'lookup event=milter-failed name=garbage reason=".*" on-error=reject'
	mt_talk --port 2527 --eof "EHLO c.test"
	atf_check -o inline:'421 4.7.1 Service unavailable - try again later\\r\\n\nEOF\n' \
	    cat $PH/out
	ph_wait_log 'lookup event=milter-failed name=gone reason="connection failed" on-error=tempfail'
	atf_check_equal "$(grep -c 'queue event=tx-commit' $PH_LOG)" 1
	atf_check -s exit:1 grep -rq 'Subject: late' /home/alice/Maildir
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon died"
}

atf_test_case slow_unix
slow_unix_head() {
	atf_set descr "a milter on a Unix socket the daemon's account may use, slow for one session: another session through it delivers meanwhile"
	atf_set timeout 90
}
slow_unix_body() {
	mt_setup
	mkdir -p $PH/msock
	chmod 0755 $PH/msock
	echo '{"envfrom": [{"if": "slow@", "action": "continue", "sleep": 8}]}' \
	    > $PH/m.json
	$MILTER --socket "unix:$PH/msock/m.sock" --log $PH/m.log \
	    --script $PH/m.json --pidfile $PH/m.pid > $PH/m.out 2>&1 &
	ph_wait_for "test -s $PH/m.pid" 10 ||
	    { cat $PH/m.out; atf_fail "the milter did not start"; }
	chgrp _posthorn $PH/msock/m.sock
	chmod 0660 $PH/msock/m.sock
	mt_start <<'CONF'
filter m milter "unix:/tmp/ph/msock/m.sock"
listen on 127.0.0.1 port 25 filter m
action "l" maildir
match for local action "l"
CONF
	$TALK --timeout 60 "EHLO c.test" "MAIL FROM:<slow@good.test>" \
	    "RCPT TO:<bob@localhost>" "DATA" "=Subject: slow" "=" "=x" "." \
	    "QUIT" > $PH/slow 2>&1 &
	_slow=$!
	ph_wait_for "grep -q 'slow@good.test' $PH/m.log" 10 ||
	    atf_fail "the milter did not hear the slow session"
	mt_talk "EHLO c.test" "MAIL FROM:<a@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: fast" "=" "=x" "." \
	    "QUIT"
	mt_delivered 1
	ph_alive $_slow || atf_fail "the slow session ended before the fast one"
	wait $_slow
	mt_ok $PH/slow
	mt_delivered 2
}

atf_init_test_cases() {
	atf_add_test_case callbacks
	atf_add_test_case edits
	atf_add_test_case refusals
	atf_add_test_case envelope
	atf_add_test_case quarantine
	atf_add_test_case on_error
	atf_add_test_case slow_unix
}
