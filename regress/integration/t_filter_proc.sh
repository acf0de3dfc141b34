# t_filter_proc.sh - filter processes (smtpd.conf "filter NAME
# proc-exec", "proc NAME" and "filter NAME proc NAME") speaking
# smtpd-filters(7) with a real daemon over loopback: the process runs as
# its configured user and registers; its reject reaches the client byte
# for byte, its rewrite and junk the mailbox; one that dies, hangs or
# answers garbage costs its session a 421 and nothing else: the daemon
# goes on, other sessions complete, a dead filter is started again.
#
# The filter, written below, decides on what it is asked, by sender and
# recipient, and may add a header through data-lines; it records its uid
# and gid, and each line it reads, under $PH/fout/NAME.  OpenSMTPD's own
# filter-dkimsign signs a message whose signature must verify.

. "$(atf_get_srcdir)/subr.sh"

# fp_filter - the filter program: filter.py NAME
fp_filter() {
	mkdir -p $PH/fout
	chmod 1777 $PH/fout
	cat > $PH/filter.py <<'PY'
import os
import sys

name = sys.argv[1]
data = sys.argv[2:] == ["data"]
out = "/tmp/ph/fout/" + name
with open(out + ".id", "w") as f:
    f.write("%d %d\n" % (os.getuid(), os.getgid()))
with open(out + ".root", "w") as f:
    f.write("jail\n" if os.path.exists("/JAIL") else "host\n")
log = open(out + ".in", "a", buffering=1)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    log.write(line)
    if line == "config|ready\n":
        break
for r in ("report|smtp-in|link-connect", "report|smtp-in|link-identify",
          "report|smtp-in|link-disconnect", "filter|smtp-in|mail-from",
          "filter|smtp-in|rcpt-to") + (("filter|smtp-in|data-line",) if
                                       data else ()) + ("ready",):
    say("register|" + r)
seen = set()
for line in sys.stdin:
    log.write(line)
    f = line.rstrip("\n").split("|")
    if f[0] != "filter":
        continue
    res = "filter-result|%s|%s|" % (f[5], f[6])
    arg = "|".join(f[7:])
    if f[4] == "data-line":
        if arg == "die-now":
            os._exit(4)
        dl = "filter-dataline|%s|%s|" % (f[5], f[6])
        if (f[5], f[6]) not in seen:
            seen.add((f[5], f[6]))
            say(dl + "X-Filtered: by " + name)
        say(dl + arg)
        continue
    if arg == "reject@bad.test":
        say(res + "reject|550 5.7.1 Refused | by the filter")
    elif arg == "junk@bad.test":
        say(res + "junk")
    elif arg == "die@bad.test":
        os._exit(3)
    elif arg == "hang@bad.test":
        continue
    elif arg == "garbage@bad.test":
        say(res + "maybe")
    elif arg == "old@localhost":
        say(res + "report|rewriting")
        say(res + "rewrite|bob@localhost")
    else:
        say(res + "proceed")
PY
}

# fp_setup [-] - the filter, accounts, the daemon with the configuration
# on standard input (-) or filter f alone on port 25; users alice and
# bob receive into ~/Maildir, junk into .Junk
fp_setup() {
	ph_setup
	groupadd fgroup || atf_fail "groupadd"
	useradd -M -d /nonexistent -s /usr/sbin/nologin fuser ||
	    atf_fail "useradd"
	for _u in alice bob; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
	fp_filter
	if [ "${1:-}" != - ]; then
		ph_conf <<'CONF'
filter f proc-exec "exec /usr/bin/python3 /tmp/ph/filter.py f"
listen on 127.0.0.1 port 25 filter f
action "l" maildir junk
match for local action "l"
CONF
	else
		ph_conf
	fi
	ph_start
	ph_wait_log 'lookup event=filter-ready name=f generation=1 '
}

# fp_talk ARGS - a session through talk.py into $PH/out
fp_talk() {
	$TALK "$@" > $PH/out 2>&1 || { cat $PH/out; atf_fail "talk"; }
}

# fp_mail FROM RCPT [TALK-ARGS] - one message in one session into $PH/out
fp_mail() {
	_from=$1
	_rcpt=$2
	shift 2
	fp_talk "$@" "EHLO c.test" "MAIL FROM:<$_from>" "RCPT TO:<$_rcpt>" \
	    "DATA" "=Subject: test" "=" "=hello" "." "QUIT"
}

# fp_delivered N - wait for N deliveries in the log
fp_delivered() {
	ph_wait_for "[ \$(grep -c 'mda event=delivered' $PH_LOG) -ge $1 ]" \
	    30 || { cat $PH_LOG; atf_fail "no $1 deliveries"; }
}

# fp_closed_421 - the session's last replies: 421 4.3.0, then the close
fp_closed_421() {
	tail -n 2 $PH/out | head -n 1 > $PH/out421
	atf_check -o match:'^421 4\.3\.0 .*Temporary failure, closing\\r\\n$' \
	    cat $PH/out421
	atf_check -o inline:'EOF\n' tail -n 1 $PH/out
}

# fp_pid NAME generation=N - the pid of that start of the filter
fp_pid() {
	sed -n "s/.*event=filter-start name=$1 pid=\([0-9]*\) .*$2\$/\1/p" \
	    $PH_LOG | tail -n 1
}

atf_test_case start_user_restart
start_user_restart_head() {
	atf_set descr "each filter process starts as its user (default: _posthornf, no role's account) and registers; one killed is started again, the daemon lives and takes mail"
	atf_set timeout 90
}
start_user_restart_body() {
	fp_setup - <<'CONF'
filter f proc-exec "/usr/bin/python3 /tmp/ph/filter.py f" user fuser \
	group fgroup
proc shared "exec /usr/bin/python3 /tmp/ph/filter.py shared"
filter s proc shared
filter c chain { f, s }
listen on 127.0.0.1 port 25 filter c
action "l" maildir
match for local action "l"
CONF
	ph_wait_log 'event=filter-ready name=f generation=1 .*filters=0x60 '
	ph_wait_log 'event=filter-ready name=f generation=1 .* reports=0x25$'
	ph_wait_log 'lookup event=filter-ready name=shared generation=1 '
	_gid=$(getent group fgroup | cut -d: -f3)
	atf_check -o inline:"$(id -u fuser) $_gid\n" cat $PH/fout/f.id
	atf_check -o inline:"$(id -u _posthornf) $(id -g _posthornf)\n" \
	    cat $PH/fout/shared.id
	atf_check -o match:'^config\|smtpd-version\|' \
	    -o match:'^config\|protocol\|0\.7$' \
	    -o match:'^config\|subsystem\|smtp-in$' \
	    -o match:'^config\|ready$' cat $PH/fout/f.in
	_pid=$(fp_pid f generation=1)
	[ -n "$_pid" ] || { cat $PH_LOG; atf_fail "no pid for filter f"; }
	kill -KILL "$_pid"
	ph_wait_log "parent event=filter-exit name=f pid=$_pid signal=9"
	ph_wait_log 'lookup event=filter-down name=f generation=1 '
	ph_wait_log 'lookup event=filter-ready name=f generation=2 ' 20
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon died"
	$TALK "QUIT" > $PH/out || atf_fail "talk"
	atf_check -o match:'^221 ' tail -n 1 $PH/out
}

atf_test_case refused
refused_head() {
	atf_set descr "smtpd -n refuses a filter process for root or an unknown proc; the daemon refuses an unknown user at start"
	atf_set timeout 60
}
refused_body() {
	ph_setup
	ph_conf <<'CONF'
filter f proc-exec "/bin/cat" user root
CONF
	atf_check -s exit:1 -e match:'filters never run as root' \
	    $PH_BIN/smtpd -n -f $PH_CONF
	ph_conf <<'CONF'
filter f proc-exec "/bin/cat" user nosuchuser
listen on 127.0.0.1 port 25 filter f
CONF
	atf_check -s not-exit:0 -o ignore -e match:'unknown user nosuchuser' \
	    $PH_BIN/smtpd -d -f $PH_CONF
}

atf_test_case reject_rewrite_junk
reject_rewrite_junk_head() {
	atf_set descr "the filter's reject reaches the client byte for byte, its rewrite changes the recipient, its junk files the message into .Junk; it hears link-connect, link-identify and link-disconnect"
	atf_set timeout 90
}
reject_rewrite_junk_body() {
	fp_setup
	fp_talk "EHLO c.test" "MAIL FROM:<reject@bad.test>" \
	    "MAIL FROM:<ok@good.test>" "RCPT TO:<old@localhost>" "DATA" \
	    "=Subject: rewritten" "=" "=hello" "." "QUIT"
	atf_check -o inline:'550 5.7.1 Refused | by the filter\\r\\n\n' \
	    grep -F 'by the filter' $PH/out
	atf_check -o match:'^250 2\.1\.5 ' grep '^250 2\.1\.5 ' $PH/out
	fp_delivered 1
	atf_check -o match:'^Subject: rewritten$' cat /home/bob/Maildir/new/*
	ph_wait_log 'phase=mail-from filter=f decision=reject'
	ph_wait_log 'phase=rcpt-to filter=f decision=rewrite'
	ph_wait_log 'event=filter-report name=f text="rewriting"'
	fp_mail junk@bad.test alice@localhost
	fp_delivered 2
	atf_check -o match:'^X-Spam: yes$' cat /home/alice/Maildir/.Junk/new/*
	_in=$PH/fout/f.in
	ph_wait_for "grep -q '|link-disconnect|' $_in" 10 ||
	    atf_fail "no link-disconnect"
	atf_check -o match:'^report\|0\.7\|[0-9]+\.[0-9]{6}\|smtp-in\|link-connect\|[0-9a-f]{16}\|localhost\|pass\|127\.0\.0\.1:[0-9]+\|127\.0\.0\.1:25$' \
	    -o match:'\|link-identify\|[0-9a-f]{16}\|EHLO\|c\.test$' \
	    -o match:'^filter\|0\.7\|.*\|mail-from\|[0-9a-f]{16}\|[0-9a-f]{16}\|reject@bad\.test$' \
	    -o match:'\|rcpt-to\|[0-9a-f]{16}\|[0-9a-f]{16}\|old@localhost$' \
	    cat $_in
}

atf_test_case dies
dies_head() {
	atf_set descr "a filter that dies mid-session: that client gets 421 and the close, the filter is started again, the next session delivers, the daemon lives"
	atf_set timeout 90
}
dies_body() {
	fp_setup
	fp_talk "EHLO c.test" "MAIL FROM:<die@bad.test>" "RCPT TO:<x@y>"
	fp_closed_421
	ph_wait_log 'lookup event=filter-failed name=f phase=mail-from'
	ph_wait_log 'parent event=filter-exit name=f pid=[0-9]+ status=3'
	ph_wait_log 'lookup event=filter-ready name=f generation=2 ' 20
	fp_mail ok@good.test alice@localhost
	fp_delivered 1
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon died"
}

atf_test_case hangs
hangs_head() {
	atf_set descr "a filter that never answers one session: that session gets 421 after the time-out while another session through the same filter delivers"
	atf_set timeout 150
}
hangs_body() {
	fp_setup
	$TALK --timeout 90 "EHLO c.test" "MAIL FROM:<hang@bad.test>" \
	    "RCPT TO:<x@y>" > $PH/hung 2>&1 &
	_talk=$!
	ph_wait_for "grep -q '|mail-from|.*|hang@bad.test\$' $PH/fout/f.in" \
	    10 || atf_fail "the filter was not asked"
	fp_mail ok@good.test alice@localhost
	fp_delivered 1
	ph_alive $_talk || atf_fail "the hung session ended early"
	wait $_talk
	cp $PH/hung $PH/out
	fp_closed_421
	ph_wait_log 'lookup event=filter-failed name=f phase=mail-from reason="time-out"'
}

atf_test_case garbage
garbage_head() {
	atf_set descr "a filter that answers garbage: the session gets 421, nothing is queued, the filter keeps serving other sessions"
	atf_set timeout 90
}
garbage_body() {
	fp_setup
	fp_talk "EHLO c.test" "MAIL FROM:<garbage@bad.test>" "RCPT TO:<x@y>"
	fp_closed_421
	ph_wait_log 'event=filter-failed name=f phase=mail-from reason="unknown decision"'
	atf_check -s exit:1 grep -q 'event=tx-commit' $PH_LOG
	atf_check_equal "$(ph_spool_count)" 0
	fp_mail ok@good.test alice@localhost
	fp_delivered 1
}

atf_test_case dataline
dataline_head() {
	atf_set descr "a filter that adds a header through data-lines: the delivered Maildir file is what it returned, byte for byte, dot-escaped lines and '|' included"
	atf_set timeout 90
}
dataline_body() {
	fp_setup - <<'CONF'
filter f proc-exec "exec /usr/bin/python3 /tmp/ph/filter.py f data"
listen on 127.0.0.1 port 25 filter f
action "l" maildir
match for local action "l"
CONF
	fp_talk "EHLO c.test" "MAIL FROM:<ok@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: dl" "=" \
	    "=..dotline" "=a|b" "=.." "." "QUIT"
	atf_check -o match:'^250 2\.0\.0 ' grep '^250 2\.0\.0 ' $PH/out
	fp_delivered 1
	_m=$(ls /home/alice/Maildir/new/*)
	# what the agent adds (Return-Path:), then what the filter returned
	atf_check -o inline:'X-Filtered: by f\n' grep -x 'X-Filtered: by f' "$_m"
	atf_check -o match:'^Received: ' sed -n '/^X-Filtered: by f$/{n;p;}' "$_m"
	atf_check -o inline:'Subject: dl\n\n.dotline\na|b\n.\n' \
	    sed -n '/^Subject: dl$/,$p' "$_m"
	atf_check -o match:'\|data-line\|[0-9a-f]{16}\|[0-9a-f]{16}\|\.\.dotline$' \
	    -o match:'\|data-line\|[0-9a-f]{16}\|[0-9a-f]{16}\|\.$' \
	    cat $PH/fout/f.in
	# CHUNKING: the same way through (18 octets: two lines with CRLF)
	fp_talk "EHLO c.test" "MAIL FROM:<ok@good.test>" \
	    "RCPT TO:<bob@localhost>" "=BDAT 18 LAST" "=Subject: bdat" "x" \
	    "QUIT"
	atf_check -o match:'^250 2\.0\.0 ' grep '^250 2\.0\.0 ' $PH/out
	fp_delivered 2
	atf_check -o inline:'X-Filtered: by f\n' \
	    grep -x 'X-Filtered: by f' /home/bob/Maildir/new/*
	atf_check -o inline:'Subject: bdat\nx\n' \
	    sed -n '/^Subject: bdat$/,$p' /home/bob/Maildir/new/*
	# the filter dies inside a message: 421, the close, nothing queued
	fp_talk --eof "EHLO c.test" "MAIL FROM:<ok@good.test>" \
	    "RCPT TO:<bob@localhost>" "DATA" "=Subject: dies" "=" \
	    "=die-now" "."
	fp_closed_421
	ph_wait_log 'event=filter-failed phase=data-line reason="filter process down"'
	ph_wait_log 'lookup event=filter-ready name=f generation=2 ' 20
	atf_check_equal "$(ph_spool_count)" 0
	atf_check -s exit:1 grep -rq 'Subject: dies' /home/bob/Maildir
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon died"
}

atf_test_case dkimsign
dkimsign_head() {
	atf_set descr "OpenSMTPD's filter-dkimsign (Debian's opensmtpd-filter-dkimsign) runs as a filter process and signs; the delivered message's signature verifies"
	atf_set timeout 90
}
dkimsign_body() {
	_sign=/usr/libexec/opensmtpd/filter-dkimsign
	[ -x $_sign ] || atf_fail "$_sign is missing: run regress/deps.sh"
	$PY -c 'import dkim' || atf_fail "python3-dkim is missing: run regress/deps.sh"
	ph_setup
	useradd -m -s /bin/sh alice || atf_fail "useradd alice"
	getent passwd _dkimsign >/dev/null || useradd -r -M \
	    -d /nonexistent -s /usr/sbin/nologin _dkimsign
	openssl genrsa -out $PH/dkim.key 2048 2>/dev/null ||
	    atf_fail "openssl genrsa"
	chown _dkimsign $PH/dkim.key
	chmod 0400 $PH/dkim.key
	ph_conf <<CONF
filter f proc-exec "$_sign -d example.test -s sel -k $PH/dkim.key" \
	user _dkimsign
listen on 127.0.0.1 port 25 filter f
action "l" maildir
match for local action "l"
CONF
	ph_start
	ph_wait_log 'lookup event=filter-ready name=f generation=1 '
	fp_talk "EHLO c.test" "MAIL FROM:<a@example.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=From: <a@example.test>" \
	    "=To: <alice@localhost>" "=Subject: signed" \
	    "=Date: Mon, 7 Dec 2026 12:00:00 +0000" "=" "=hello" "=..dot" \
	    "." "QUIT"
	atf_check -o match:'^250 2\.0\.0 ' grep '^250 2\.0\.0 ' $PH/out
	fp_delivered 1
	_m=$(ls /home/alice/Maildir/new/*)
	atf_check -o match:'^DKIM-Signature: v=1; a=rsa-sha256; ' cat "$_m"
	cat > $PH/verify.py <<'PY'
import base64
import subprocess
import sys

import dkim

msg = open(sys.argv[1], "rb").read()
der = subprocess.run(["openssl", "rsa", "-in", sys.argv[2], "-pubout",
                      "-outform", "DER"], capture_output=True,
                     check=True).stdout
record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def dns(name, timeout=5):
    return record if name == b"sel._domainkey.example.test." else None


sys.exit(0 if dkim.verify(msg, dnsfunc=dns) else 1)
PY
	atf_check $PY $PH/verify.py "$_m" $PH/dkim.key
	# the check can fail: a changed body does not verify
	sed 's/^hello$/hellO/' "$_m" > $PH/changed
	atf_check -s exit:1 $PY $PH/verify.py $PH/changed $PH/dkim.key
}

atf_test_case forged_stream
forged_stream_head() {
	atf_set descr "a compromised listener handing the lookup a message stream for a listener without filter process stops the daemon, naming the message"
	atf_set timeout 60
}
forged_stream_body() {
	ph_setup
	ph_conf <<'CONF'
filter f proc-exec "/bin/cat"
listen on 127.0.0.1 port 25
CONF
	ph_start_hostile smtpd:filter-stream
	ph_wait_log 'ipc: MSG_LOOKUP_FILTER_DATA from smtpd: listener 0 runs no filter process'
	ph_wait_exit 20
}

atf_test_case chroot
chroot_head() {
	atf_set descr "a filter process with chroot DIR runs inside DIR (it sees the jail's marker, not the host's files) as its user, and filters as any other"
	atf_set timeout 90
}
chroot_body() {
	ph_setup
	useradd -m -s /bin/sh alice || atf_fail "useradd alice"
	fp_filter
	# a jail with the system's programs, read-only, and the filter's
	# output directory
	_j=/var/spool/jail
	mkdir -p $_j/usr $_j/tmp/ph/fout
	for _l in bin lib lib64 sbin; do ln -s usr/$_l $_j/$_l; done
	mount --bind -o ro /usr $_j/usr || atf_fail "bind /usr"
	mount --bind $PH/fout $_j/tmp/ph/fout || atf_fail "bind fout"
	cp $PH/filter.py $_j/tmp/ph/filter.py
	touch $_j/JAIL
	chmod 0755 $_j $_j/tmp $_j/tmp/ph
	ph_conf <<'CONF'
filter f proc-exec "exec /usr/bin/python3 /tmp/ph/filter.py f" \
	chroot "/var/spool/jail"
listen on 127.0.0.1 port 25 filter f
action "l" maildir
match for local action "l"
CONF
	ph_start
	ph_wait_log 'lookup event=filter-ready name=f generation=1 '
	atf_check -o inline:'jail\n' cat $PH/fout/f.root
	atf_check -o inline:"$(id -u _posthornf) $(id -g _posthornf)\n" \
	    cat $PH/fout/f.id
	fp_talk "EHLO c.test" "MAIL FROM:<reject@bad.test>" "QUIT"
	atf_check -o inline:'550 5.7.1 Refused | by the filter\\r\\n\n' \
	    grep -F 'by the filter' $PH/out
	fp_mail ok@good.test alice@localhost
	fp_delivered 1
}

atf_init_test_cases() {
	atf_add_test_case chroot
	atf_add_test_case forged_stream
	atf_add_test_case dkimsign
	atf_add_test_case dataline
	atf_add_test_case start_user_restart
	atf_add_test_case refused
	atf_add_test_case reject_rewrite_junk
	atf_add_test_case dies
	atf_add_test_case hangs
	atf_add_test_case garbage
}
