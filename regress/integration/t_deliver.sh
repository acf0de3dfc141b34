# t_deliver.sh - local delivery through the whole daemon: SMTP in with
# smtplib, queue, root parent, a child running as the recipient, and the
# mailbox checked byte for byte.  Each test creates real accounts inside
# its namespaces.

. "$(atf_get_srcdir)/subr.sh"

# dlv_tools - the client and checker scripts this file uses
dlv_tools() {
	cat > $PH/send.py <<'PY'
"""send.py FROM RCPT[,RCPT...] MSGFILE - one SMTP transaction on port 25.
Prints every reply; exit 0 when DATA got 250, 3 when the message path is
not there at all (MAIL not implemented, or a temporary failure at DATA),
1 otherwise."""
import smtplib, sys
frm, rcpts, path = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
# smtplib sends bytes as they are: SMTP wants CRLF line endings
data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
s = smtplib.SMTP("127.0.0.1", 25, timeout=60)
s.ehlo("client.test")
s.putcmd("MAIL", "FROM:<%s>" % frm)
code, msg = s.getreply()
print("MAIL", code, msg.decode())
if code == 502:
    sys.exit(3)
ok = 0
for r in rcpts:
    s.putcmd("RCPT", "TO:<%s>" % r)
    rc, rm = s.getreply()
    print("RCPT", r, rc, rm.decode())
    ok += rc == 250
if code != 250 or ok == 0:
    sys.exit(1)
try:
    code, msg = s.data(data)
except smtplib.SMTPDataError as e:
    code, msg = e.smtp_code, e.smtp_error
print("DATA", code, msg.decode())
try:
    s.quit()
except smtplib.SMTPException:
    pass
sys.exit(0 if code == 250 else 3 if code // 100 == 4 else 1)
PY
	cat > $PH/check.py <<'PY'
"""check.py maildir|mbox FILE SENDER RCPT MSGFILE... - FILE holds exactly
the messages (any order), each with Return-Path and Delivered-To first,
then at most one Received: header, then the message as sent; an mbox
adds the From line and >From quoting."""
import re, sys
mode, path, sender, rcpt = sys.argv[1:5]
want = [open(p, "rb").read() for p in sys.argv[5:]]
got = open(path, "rb").read()
def strip(m):
    head = b"Return-Path: <%s>\nDelivered-To: %s\n" % (sender.encode(),
                                                     rcpt.encode())
    if not m.startswith(head):
        sys.exit("bad prefix in %s: %r" % (path, m[:200]))
    m = m[len(head):]
    if m.startswith(b"Received:"):
        m = re.sub(rb"^Received:.*\n(?:[ \t].*\n)*", b"", m, count=1)
    return m
if mode == "maildir":
    msgs = [strip(got)]
else:
    parts = re.split(rb"(?:^|\n\n)(From \S+ \w{3} \w{3} [ \d]\d "
                     rb"\d\d:\d\d:\d\d \d{4}\n)", got)
    if parts[0] != b"" or not got.endswith(b"\n\n"):
        sys.exit("bad mbox framing: %r" % got[:200])
    msgs = [strip(parts[i + 1]) for i in range(1, len(parts), 2)]
    msgs[-1] = msgs[-1][:-2] + b"\n" if msgs[-1].endswith(b"\n\n") else msgs[-1]
    msgs = [m + b"\n" if not m.endswith(b"\n") else m for m in msgs]
    want = [re.sub(rb"(?m)^(>*From )", rb">\1", w) for w in want]
if sorted(msgs) != sorted(want):
    sys.exit("content differs:\n got %r\nwant %r" % (msgs, want))
print("ok")
PY
}

# dlv_setup - namespaces, tools, the accounts named as arguments
dlv_setup() {
	ph_setup
	dlv_tools
	for _u in "$@"; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
	DLV_SENT=0
}

# dlv_send FROM RCPTS MSGFILE - a transaction that must be accepted
dlv_send() {
	$PY $PH/send.py "$@" > $PH/send.out 2>&1
	_st=$?
	[ $_st -eq 0 ] || { cat $PH/send.out $PH_LOG; atf_fail "not accepted"; }
	DLV_SENT=$((DLV_SENT + 1))
}

# dlv_msg FILE [BODY] - a small message into FILE
dlv_msg() {
	printf 'From: a@example.net\nSubject: t\n\n%b\n' \
	    "${2:-hello\nFrom the start of a line\n.dot\n..two dots}" > "$1"
}

# dlv_events WHAT N SECS - wait for N "mda event=WHAT" log lines
dlv_events() {
	ph_wait_for "[ \$(grep -c 'mda event=$1' $PH_LOG) -ge $2 ]" $3 ||
	    { cat $PH_LOG; atf_fail "no $2 mda event=$1 in $3 s"; }
}

# dlv_mode PATH - "mode owner group" of a file
dlv_mode() {
	stat -c '%a %U %G' "$1"
}

atf_test_case maildir
maildir_head() {
	atf_set descr "maildir: ~/Maildir created 0700 by the user, one 0600 file, content byte for byte"
	atf_set timeout 90
}
maildir_body() {
	dlv_setup alice
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" maildir
match from local for any action "l"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_send s@example.net alice@example.org $PH/m1
	dlv_events delivered 1 30
	f=$(ls /home/alice/Maildir/new/*)
	atf_check -o inline:"1\n" sh -c "ls /home/alice/Maildir/new | wc -l"
	atf_check_equal "$(dlv_mode /home/alice/Maildir)" "700 alice alice"
	atf_check_equal "$(dlv_mode /home/alice/Maildir/new)" "700 alice alice"
	atf_check_equal "$(dlv_mode "$f")" "600 alice alice"
	atf_check -o inline:"ok\n" $PY $PH/check.py maildir "$f" \
	    s@example.net alice@example.org $PH/m1
	atf_check -o match:'mda event=delivered user=alice method=maildir' \
	    cat $PH_LOG
}

atf_test_case maildir_path_junk
maildir_path_junk_head() {
	atf_set descr "maildir PATH junk: the path is expanded, spam goes to .Junk"
	atf_set timeout 90
}
maildir_path_junk_body() {
	dlv_setup alice
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" maildir "~/Mail/%{rcpt.user}" junk
match from local for any action "l"
CONF
	ph_start
	dlv_msg $PH/m1
	printf 'X-Spam: yes\nSubject: buy\n\nspam\n' > $PH/m2
	dlv_send s@example.net alice@example.org $PH/m1
	dlv_send s@example.net alice@example.org $PH/m2
	dlv_events delivered 2 30
	atf_check -o inline:"ok\n" $PY $PH/check.py maildir \
	    "$(ls /home/alice/Mail/alice/new/*)" s@example.net \
	    alice@example.org $PH/m1
	atf_check -o inline:"ok\n" $PY $PH/check.py maildir \
	    "$(ls /home/alice/Mail/alice/.Junk/new/*)" s@example.net \
	    alice@example.org $PH/m2
}

atf_test_case mbox
mbox_head() {
	atf_set descr "mbox: /var/mail/USER created 0600 for the user, From line, >From quoting"
	atf_set timeout 90
}
mbox_body() {
	dlv_setup bob
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" mbox
match from local for any action "l"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_msg $PH/m2 "second\n>From quoted once"
	dlv_send s@example.net bob@example.org $PH/m1
	dlv_send s@example.net bob@example.org $PH/m2
	dlv_events delivered 2 30
	atf_check_equal "$(dlv_mode /var/mail/bob)" "600 bob bob"
	atf_check -o inline:"ok\n" $PY $PH/check.py mbox /var/mail/bob \
	    s@example.net bob@example.org $PH/m1 $PH/m2
	atf_check -o match:'^>From the start' cat /var/mail/bob
	atf_check -o match:'^>>From quoted once' cat /var/mail/bob
}

atf_test_case mbox_concurrent
mbox_concurrent_head() {
	atf_set descr "two large messages delivered at once into one mbox never interleave"
	atf_set timeout 120
}
mbox_concurrent_body() {
	dlv_setup bob
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" mbox
match from local for any action "l"
CONF
	ph_start
	$PY -c "
for name, tag in (('m1', 'AAAA'), ('m2', 'BBBB')):
    with open('$PH/' + name, 'w') as f:
        f.write('Subject: %s\n\n' % tag)
        for i in range(40000):
            f.write('%s line %d of the message body\n' % (tag, i))
"
	dlv_send s@example.net bob@example.org $PH/m1
	cp $PH/send.out $PH/send1.out
	$PY $PH/send.py s@example.net bob@example.org $PH/m1 > /dev/null &
	p1=$!
	$PY $PH/send.py s@example.net bob@example.org $PH/m2 > /dev/null &
	p2=$!
	wait $p1 || atf_fail "first concurrent message refused"
	wait $p2 || atf_fail "second concurrent message refused"
	dlv_events delivered 3 60
	atf_check -o inline:"ok\n" $PY $PH/check.py mbox /var/mail/bob \
	    s@example.net bob@example.org $PH/m1 $PH/m1 $PH/m2
}

atf_test_case mbox_locked
mbox_locked_head() {
	atf_set descr "a reader holding the mbox lock delays delivery, which then completes"
	atf_set timeout 120
}
mbox_locked_body() {
	dlv_setup bob
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" mbox
match from local for any action "l"
CONF
	ph_start
	install -m 0600 -o bob -g bob /dev/null /var/mail/bob
	$PY -c "
import fcntl, time
f = open('/var/mail/bob', 'r+')
fcntl.lockf(f, fcntl.LOCK_EX)
open('$PH/locked', 'w').close()
import os
while not os.path.exists('$PH/release'):
    time.sleep(0.05)
" &
	holder=$!
	ph_wait_for "test -e $PH/locked" 10 || atf_fail "no lock"
	dlv_msg $PH/m1
	dlv_send s@example.net bob@example.org $PH/m1
	# the delivery runs as bob and waits for the lock
	bob=$(id -u bob)
	ph_wait_for "grep -qE '^Uid:[[:space:]]+$bob[[:space:]]' /proc/[0-9]*/status" \
	    10 || atf_fail "no delivery running as bob"
	atf_check -o inline:"0\n" stat -c %s /var/mail/bob
	touch $PH/release
	wait $holder
	dlv_events delivered 1 30
	atf_check -o inline:"ok\n" $PY $PH/check.py mbox /var/mail/bob \
	    s@example.net bob@example.org $PH/m1
}

atf_test_case mbox_refused
mbox_refused_head() {
	atf_set descr "an mbox that is a symlink or owned by another user is refused, temporarily"
	atf_set timeout 90
}
mbox_refused_body() {
	dlv_setup bob carol
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" mbox
match from local for any action "l"
CONF
	ph_start
	cp /etc/shadow $PH/shadow.before
	ln -s /etc/shadow /var/mail/bob
	install -m 0600 -o bob -g bob /dev/null /var/mail/carol
	dlv_msg $PH/m1
	dlv_send s@example.net bob@example.org $PH/m1
	dlv_send s@example.net carol@example.org $PH/m1
	dlv_events deferred 2 30
	atf_check cmp /etc/shadow $PH/shadow.before
	atf_check -o inline:"0\n" stat -c %s /var/mail/carol
	atf_check -o match:'user=bob method=mbox result=".*symbolic link' \
	    cat $PH_LOG
	atf_check -o match:'user=carol method=mbox result=".*another user' \
	    cat $PH_LOG
	atf_check -o match:'bob@example.org' $CTL show queue
	atf_check -o match:'carol@example.org' $CTL show queue
}

atf_test_case maildir_refused
maildir_refused_head() {
	atf_set descr "a world-writable or symlinked Maildir is refused, temporarily"
	atf_set timeout 90
}
maildir_refused_body() {
	dlv_setup alice bob
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" maildir
match from local for any action "l"
CONF
	ph_start
	install -d -m 0777 -o alice -g alice /home/alice/Maildir
	install -d -m 0700 -o bob -g bob /home/bob/elsewhere
	ln -s /home/bob/elsewhere /home/bob/Maildir
	dlv_msg $PH/m1
	dlv_send s@example.net alice@example.org $PH/m1
	dlv_send s@example.net bob@example.org $PH/m1
	dlv_events deferred 2 30
	atf_check -o empty find /home/alice/Maildir /home/bob/elsewhere -type f
	atf_check -o match:'alice@example.org' $CTL show queue
}

atf_test_case mda_exit
mda_exit_head() {
	atf_set descr "mda runs as the user: exit 0 delivered, 75 retried, 1 failed"
	atf_set timeout 90
}
mda_exit_body() {
	dlv_setup alice bob carol
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "ok" mda "cat > ~/mda.out; id -un >> ~/mda.out"
action "later" mda "echo mailbox busy; exit 75"
action "never" mda "echo no such folder; exit 1"
match from local for rcpt-to "alice@example.org" action "ok"
match from local for rcpt-to "bob@example.org" action "later"
match from local for rcpt-to "carol@example.org" action "never"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_send s@example.net alice@example.org $PH/m1
	dlv_send s@example.net bob@example.org $PH/m1
	dlv_send s@example.net carol@example.org $PH/m1
	dlv_events delivered 1 30
	dlv_events deferred 1 30
	dlv_events failed 1 30
	atf_check_equal "$(dlv_mode /home/alice/mda.out)" "600 alice alice"
	atf_check -o match:'user=bob method=mda result="mailbox busy"' \
	    cat $PH_LOG
	atf_check -o match:'user=carol method=mda result="no such folder"' \
	    cat $PH_LOG
	atf_check -o match:'bob@example.org' $CTL show queue
	head -2 /home/alice/mda.out > $PH/prefix
	atf_check -o inline:"Return-Path: <s@example.net>\nDelivered-To: alice@example.org\n" \
	    cat $PH/prefix
	atf_check -o inline:"alice\n" tail -1 /home/alice/mda.out
}

atf_test_case lmtp_mixed
lmtp_mixed_head() {
	atf_set descr "lmtp rcpt-to to a Unix socket: per-recipient 250, 451 and 550"
	atf_set timeout 90
}
lmtp_mixed_body() {
	dlv_setup alice bob carol
	mkdir -p $PH/lmtp
	$PY "$PH_TOP/regress/tools/lmtp_server.py" --socket $PH/lmtp.sock \
	    --dir $PH/lmtp --final "bob@example.org=451 4.2.0 try later" \
	    --final "carol@example.org=550 5.1.1 no such mailbox" \
	    > $PH/lmtp.out 2>&1 &
	ph_wait_for "grep -q ready $PH/lmtp.out" 10 || atf_fail "no lmtp server"
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "l" lmtp "$PH/lmtp.sock" rcpt-to
match from local for any action "l"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_send s@example.net alice@example.org,bob@example.org,carol@example.org $PH/m1
	dlv_events delivered 1 30
	dlv_events deferred 1 30
	dlv_events failed 1 30
	atf_check -o inline:"ok\n" $PY $PH/check.py maildir \
	    $PH/lmtp/alice@example.org s@example.net alice@example.org $PH/m1
	atf_check -o match:'user=bob method=lmtp result="lmtp: 451 4.2.0 try later"' \
	    cat $PH_LOG
	atf_check -o match:'user=carol method=lmtp result="lmtp: 550 5.1.1 no such mailbox"' \
	    cat $PH_LOG
	atf_check -o match:'^LHLO ' cat $PH/lmtp/transcript
	[ ! -e $PH/lmtp/bob@example.org ] || atf_fail "bob stored"
}

atf_test_case lmtp_user
lmtp_user_head() {
	atf_set descr "lmtp over TCP without rcpt-to sends the login name"
	atf_set timeout 90
}
lmtp_user_body() {
	dlv_setup alice
	mkdir -p $PH/lmtp
	$PY "$PH_TOP/regress/tools/lmtp_server.py" --port 2424 \
	    --dir $PH/lmtp > $PH/lmtp.out 2>&1 &
	ph_wait_for "grep -q ready $PH/lmtp.out" 10 || atf_fail "no lmtp server"
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" lmtp "127.0.0.1:2424"
match from local for any action "l"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_send s@example.net alice@example.org $PH/m1
	dlv_events delivered 1 30
	atf_check -o match:'^RCPT TO:<alice>$' cat $PH/lmtp/transcript
	atf_check -o inline:"ok\n" $PY $PH/check.py maildir $PH/lmtp/alice \
	    s@example.net alice@example.org $PH/m1
}

atf_test_case mda_injection
mda_injection_head() {
	atf_set descr "CVE-2020-7247 and relatives: hostile senders and recipients reach no shell"
	atf_set timeout 120
}
mda_injection_body() {
	dlv_setup alice
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "m" mda "printf '%%s#%%s#%%s\n' %{sender} %{rcpt} %{sender.user} >> ~/mda.out"
match from local for any action "m"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_send s@example.net alice@example.org $PH/m1
	cat > $PH/inject.py <<'PY'
"""inject.py - raw SMTP transactions with hostile paths; prints how many
were accepted."""
import socket, sys
senders = [
    b";touch /tmp/pwned0;",
    b";touch /tmp/pwned1;@example.net",
    b"\";touch /tmp/pwned2;\"@example.net",
    b"`touch${IFS}/tmp/pwned3`@example.net",
    b"$(touch${IFS}/tmp/pwned4)@example.net",
    b"\"$(touch /tmp/pwned5)\"@example.net",
    b"|touch${IFS}/tmp/pwned6@example.net",
    b"x\nRCPT TO:<alice@example.org>\ntouch /tmp/pwned7",
    b"\"a\\\"; touch /tmp/pwned8; \\\"\"@example.net",
]
rcpts = [b"alice@example.org", b"alice+`touch${IFS}/tmp/pwned9`@example.org"]
accepted = 0
for frm in senders:
    for rcpt in rcpts:
        s = socket.create_connection(("127.0.0.1", 25), timeout=30)
        f = s.makefile("rb")
        def reply():
            while True:
                l = f.readline()
                if not l or l[3:4] != b"-":
                    return l
        reply()
        s.sendall(b"EHLO client.test\r\n"); reply()
        s.sendall(b"MAIL FROM:<" + frm + b">\r\n"); r1 = reply()
        s.sendall(b"RCPT TO:<" + rcpt + b">\r\n"); r2 = reply()
        if r1.startswith(b"250") and r2.startswith(b"250"):
            s.sendall(b"DATA\r\n")
            if reply().startswith(b"354"):
                s.sendall(b"Subject: x\r\n\r\nx\r\n.\r\n")
                accepted += reply().startswith(b"250")
        s.sendall(b"QUIT\r\n")
        s.close()
print(accepted)
PY
	n=$($PY $PH/inject.py) || atf_fail "injection client failed"
	dlv_events delivered $((n + 1)) 60
	# whatever the deliveries started as alice has ended
	alice=$(id -u alice)
	ph_wait_for "! grep -qE '^Uid:[[:space:]]+$alice[[:space:]]' /proc/[0-9]*/status" \
	    10 || atf_fail "processes of alice are left"
	# a file that vanishes under find while it scans (another program
	# on the machine) makes it exit 1: what it found is what counts
	atf_check -s ignore -e ignore -o empty find / -xdev -name 'pwned*'
	atf_check -o empty find /tmp -name 'pwned*'
	# every value reached printf as one sanitised word
	atf_check -o not-match:'[;`$()| ]' cat /home/alice/mda.out
	[ "$(wc -l < /home/alice/mda.out)" -eq $((n + 1)) ] ||
	    atf_fail "$(cat /home/alice/mda.out)"
}

atf_test_case aliases_file_db
aliases_file_db_head() {
	atf_set descr "aliases from file: and db: (makemap), :include:, a file and a pipe"
	atf_set timeout 120
}
aliases_file_db_body() {
	dlv_setup alice bob
	echo bob > $PH/inc.list
	{
		echo "team: alice, :include:$PH/inc.list"
		echo "archive: /tmp/archive.mbox"
		echo 'pipe: "|cat > /tmp/pipe.out"'
	} > $PH/aliases
	$PH_BIN/makemap -t aliases -o $PH/aliases.db $PH/aliases ||
	    atf_fail "makemap"
	for kind in file db; do
		rm -rf /home/alice/Maildir /home/bob/Maildir /tmp/archive.mbox \
		    /tmp/pipe.out
		[ $kind = file ] && t="file:$PH/aliases" || t="db:$PH/aliases.db"
		ph_conf <<CONF
listen on 127.0.0.1 port 25
table aliases $t
action "l" maildir alias <aliases>
match from local for any action "l"
CONF
		: > $PH_LOG
		ph_start
		dlv_msg $PH/m1
		dlv_send s@example.net team@example.org,archive@example.org,pipe@example.org $PH/m1
		dlv_events delivered 4 30
		atf_check -o inline:"ok\n" $PY $PH/check.py maildir \
		    "$(ls /home/alice/Maildir/new/*)" s@example.net \
		    alice@example.org $PH/m1
		atf_check -o inline:"ok\n" $PY $PH/check.py maildir \
		    "$(ls /home/bob/Maildir/new/*)" s@example.net \
		    bob@example.org $PH/m1
		atf_check -o match:'^Subject: t$' cat /tmp/archive.mbox
		atf_check -o match:'^From s@example.net ' cat /tmp/archive.mbox
		atf_check -o match:'^Subject: t$' cat /tmp/pipe.out
		atf_check $CTL stop
		ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 15 || atf_fail "no stop"
	done
}

atf_test_case virtual_catchall
virtual_catchall_head() {
	atf_set descr "virtual table: a named address and a @domain catch-all"
	atf_set timeout 90
}
virtual_catchall_body() {
	dlv_setup alice bob
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
table vt { "bob@example.org" = "bob", "@example.org" = "alice" }
action "v" maildir virtual <vt>
match from local for domain "example.org" action "v"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_send s@example.net bob@example.org,whoever@example.org $PH/m1
	dlv_events delivered 2 30
	atf_check -o inline:"1\n" sh -c "ls /home/bob/Maildir/new | wc -l"
	atf_check -o inline:"1\n" sh -c "ls /home/alice/Maildir/new | wc -l"
	atf_check -o match:'^Delivered-To: ' cat /home/alice/Maildir/new/*
}

atf_test_case forward
forward_head() {
	atf_set descr "~/.forward: redirect to another user, keep a copy with a backslash"
	atf_set timeout 90
}
forward_body() {
	dlv_setup alice bob carol
	echo alice > /home/bob/.forward
	echo '\carol, alice' > /home/carol/.forward
	chown bob: /home/bob/.forward
	chown carol: /home/carol/.forward
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" maildir
match from local for any action "l"
CONF
	ph_start
	dlv_msg $PH/m1
	dlv_send s@example.net bob@example.org,carol@example.org $PH/m1
	dlv_events delivered 2 30
	[ ! -d /home/bob/Maildir/new ] ||
	    atf_check -o inline:"0\n" sh -c "ls /home/bob/Maildir/new | wc -l"
	# reached through both .forward files, alice gets one copy
	atf_check -o inline:"1\n" sh -c "ls /home/alice/Maildir/new | wc -l"
	atf_check -o inline:"1\n" sh -c "ls /home/carol/Maildir/new | wc -l"
}

atf_init_test_cases() {
	atf_add_test_case maildir
	atf_add_test_case maildir_path_junk
	atf_add_test_case mbox
	atf_add_test_case mbox_concurrent
	atf_add_test_case mbox_locked
	atf_add_test_case mbox_refused
	atf_add_test_case maildir_refused
	atf_add_test_case mda_exit
	atf_add_test_case lmtp_mixed
	atf_add_test_case lmtp_user
	atf_add_test_case mda_injection
	atf_add_test_case aliases_file_db
	atf_add_test_case virtual_catchall
	atf_add_test_case forward
}
