# t_privsep_dlv.sh - privilege separation around deliveries and the
# root parent: a compromised relay worker cannot decide the fate of a
# local delivery; AUTH against system accounts refuses root, locked
# accounts and an address that failed too often, and a password check
# or a ~/.forward that hangs stalls nobody else's mail; offline drop
# files that are too large or keep failing end in quarantine.

. "$(atf_get_srcdir)/subr.sh"

SPOOLGEN="$PY $PH_TOP/regress/tools/spoolgen.py"

# pd_tools - the SMTP clients this file uses
pd_tools() {
	cat > $PH/auth.py <<'PY'
"""auth.py PORT USER PASS [SRC] - STARTTLS, then AUTH PLAIN (from the
source address SRC if given); prints the reply to AUTH: "CODE text"."""
import base64, smtplib, ssl, sys
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
src = (sys.argv[4], 0) if len(sys.argv) > 4 else None
s = smtplib.SMTP("127.0.0.1", port, timeout=60, source_address=src)
s.ehlo("client.test")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s.starttls(context=ctx)
s.ehlo("client.test")
tok = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode())
code, msg = s.docmd("AUTH", "PLAIN " + tok.decode())
print(code, msg.decode())
s.close()
PY
	cat > $PH/mail.py <<'PY'
"""mail.py RCPT [SUBJECT] - one message to RCPT on port 25; prints the
reply to RCPT, and to DATA when RCPT got 250."""
import smtplib, sys
rcpt = sys.argv[1]
subject = sys.argv[2] if len(sys.argv) > 2 else "test"
s = smtplib.SMTP("127.0.0.1", 25, timeout=60)
s.ehlo("client.test")
s.mail("sender@example.net")
code, msg = s.rcpt(rcpt)
print("RCPT", code, msg.decode())
if code == 250:
    code, msg = s.data(("Subject: %s\r\n\r\nhello\r\n" % subject).encode())
    print("DATA", code, msg.decode())
s.close()
PY
}

# pd_setup USER... - namespaces, tools and the accounts named
pd_setup() {
	ph_setup
	pd_tools
	for _u in "$@"; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
}

# pd_line REGEX - the number of the first log line matching REGEX
pd_line() {
	grep -En -- "$1" $PH_LOG | head -1 | cut -d: -f1
}

# pd_forks - processes forked by the parent (helpers, deliveries):
# smtpd processes that run no role (-X) and are not the parent
pd_forks() {
	_n=0
	for _p in $(ph_all_pids); do
		[ "$_p" = "$(cat $PH/daemon.pid)" ] && continue
		tr '\0' ' ' < /proc/$_p/cmdline | grep -q -- ' -X ' ||
		    _n=$((_n + 1))
	done
	echo $_n
}

# pd_deliver_meanwhile POOL - while a request waits in a child of the
# parent's POOL, a message to alice is accepted and delivered
pd_deliver_meanwhile() {
	ph_wait_log "parent event=helper-start pool=$1"
	atf_check -o match:'^DATA 250 ' $PY $PH/mail.py alice@localhost
	ph_wait_log 'mda event=delivered user=alice' 20
}

# pd_limit_met REGEX - the waiting request met the time limit (the log
# line REGEX), after alice's delivery, and its child is gone
pd_limit_met() {
	ph_wait_log "$1"
	[ "$(pd_line 'mda event=delivered user=alice')" -lt \
	    "$(pd_line "$1")" ] ||
	    { cat $PH_LOG; atf_fail "the delivery waited for the request"; }
	ph_wait_for "[ \$(pd_forks) -eq 0 ]" 10 ||
	    { ps ax; atf_fail "the request's child was not killed"; }
}

# --- results of deliveries --------------------------------------------

# pd_forge_conf - a local mda action that waits for $PH/release, whose
# content is its exit status; the envelope of one seeded message for
# alice, whose id goes to $PH/evpid
pd_forge_setup() {
	pd_setup alice
	cat > $PH/mda.sh <<'SH'
#!/bin/sh
: > "$HOME/started"
while [ ! -s /tmp/ph/release ]; do sleep 0.1; done
cat > "$HOME/got"
exit "$(cat /tmp/ph/release)"
SH
	chmod 0755 $PH/mda.sh
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mda "$PH/mda.sh"
match from local for local action "local"
CONF
	msgid=$($SPOOLGEN $PH_SPOOL 1 --dispatcher local --user alice \
	    --rcpt alice@localhost) || atf_fail "spoolgen failed"
	chown -R _posthornq: $PH_SPOOL
	ls $PH_SPOOL/queue/$msgid | grep -v message > $PH/evpid
	[ "$(wc -c < $PH/evpid)" -eq 17 ] || atf_fail "no envelope id"
}

# pd_forge STATUS - the hostile relay worker reports success and
# permanent failure for the local delivery in flight (and for an id no
# envelope has); each report is refused and changes nothing; then the
# delivery really ends with the mda's exit STATUS
pd_forge() {
	evpid=$(cat $PH/evpid)
	ph_start_hostile relay:forge "$evpid"
	ph_wait_for "test -S $PH_RUN/control.sock" 10 ||
	    atf_fail "no control socket"
	ph_wait_for "test -e /home/alice/started" 20 ||
	    { cat $PH_LOG; atf_fail "the local delivery did not start"; }
	kill -USR1 $(ph_role_pids relay) || atf_fail "no relay worker"
	ph_wait_log 'hostile event=forged'
	ph_wait_for "[ \$(grep -c 'event=result-refused' $PH_LOG) -eq 4 ]" 10 ||
	    { cat $PH_LOG; atf_fail "not four refusals"; }
	atf_check -o inline:"2\n" grep -c "^.*$evpid queue event=result-refused from=relay status=\(ok\|permfail\) error=\"given to another process\"" $PH_LOG
	atf_check -o inline:"2\n" grep -c '0123456789abcdef queue event=result-refused from=relay status=\(ok\|permfail\) error="not in flight"' $PH_LOG
	# still in flight, as the parent has it: not delivered, not bounced
	atf_check -o match:"^$evpid|" $CTL show queue
	atf_check -s exit:1 grep -E 'queue event=(delivered|failed)' $PH_LOG
	echo "$1" > $PH/release
}

atf_test_case forged_results_delivered
forged_results_delivered_head() {
	atf_set descr "a relay worker's results for a local delivery it was never given, and for no delivery, are refused; the delivery then succeeds"
	atf_set timeout 90
}
forged_results_delivered_body() {
	pd_forge_setup
	pd_forge 0
	ph_wait_log "$(cat $PH/evpid) queue event=delivered" 20
	atf_check -o match:'^Subject: seeded message 0$' cat /home/alice/got
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
	atf_check -o inline:"1\n" grep -c 'queue event=delivered' $PH_LOG
	atf_check -s exit:1 grep 'queue event=failed' $PH_LOG
}

atf_test_case forged_results_deferred
forged_results_deferred_head() {
	atf_set descr "a relay worker's forged success for a local delivery is refused; the delivery's own temporary failure stands"
	atf_set timeout 90
}
forged_results_deferred_body() {
	pd_forge_setup
	pd_forge 75
	ph_wait_log "$(cat $PH/evpid) queue event=deferred retry=1" 20
	atf_check -o match:'^retries: 1$' $CTL show envelope $(cat $PH/evpid)
	atf_check -s exit:1 grep -E 'queue event=(delivered|failed)' $PH_LOG
}

# --- AUTH against system accounts -------------------------------------

# pd_auth_start - a tls-require listener with system-account AUTH on
# 587, local Maildir delivery on 25; alice, root and carol (locked)
# have the password "secret"
pd_auth_start() {
	pd_setup alice carol slow
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mx.test \
	    -keyout $PH/key.pem -out $PH/cert.pem -days 2 2>/dev/null
	printf 'alice:secret\nroot:secret\ncarol:secret\n' | chpasswd ||
	    atf_fail "chpasswd"
	usermod -L carol || atf_fail "usermod -L"
	ph_conf <<CONF
pki mx.test cert "$PH/cert.pem"
pki mx.test key "$PH/key.pem"
listen on 127.0.0.1 port 25
listen on 127.0.0.1 port 587 tls-require pki mx.test auth hostname mx.test
action "local" maildir
match from local for local action "local"
match from auth for local action "local"
CONF
	ph_start -v
}

# the reply to AUTH PLAIN on 587: $AUTH USER PASS [SRC]
AUTH="$PY $PH/auth.py 587"

atf_test_case auth_root_locked
auth_root_locked_head() {
	atf_set descr "AUTH with system passwords: root and a locked account are refused even with the right password"
	atf_set timeout 60
}
auth_root_locked_body() {
	pd_auth_start
	atf_check -o match:'^235 ' $AUTH alice secret
	atf_check -o match:'^535 ' $AUTH root secret
	ph_wait_log 'parent event=auth user=root result=refused reason="uid 0"'
	atf_check -o match:'^535 ' $AUTH carol secret
	ph_wait_log 'parent event=auth user=carol result=refused reason="locked"'
	atf_check -o match:'^535 ' $AUTH alice wrong
}

atf_test_case auth_rate_limit
auth_rate_limit_head() {
	atf_set descr "after 5 failed AUTH from one address it is refused at once with 454, even with the right password; other addresses are not"
	atf_set timeout 90
}
auth_rate_limit_body() {
	pd_auth_start
	for _i in 1 2 3 4 5; do
		atf_check -o match:'^535 ' $AUTH alice "wrong$_i"
	done
	ph_wait_log 'lookup event=auth-limit src=127\.0\.0\.1 failures=5 window=300'
	atf_check -o match:'^454 4\.7\.0 Too many failed authentications' \
	    $AUTH alice secret
	ph_wait_log 'lookup event=auth src=127\.0\.0\.1 result=limited'
	atf_check -o match:'^454 4\.7\.0 Too many failed authentications' \
	    $AUTH slow anything
	# the limit is the address's, not the account's
	atf_check -o match:'^235 ' $AUTH alice secret 127.0.0.2
	atf_check -o inline:"5\n" grep -c \
	    'lookup event=auth src=127\.0\.0\.1 result=refused' $PH_LOG
}

atf_test_case auth_check_hangs
auth_check_hangs_head() {
	atf_set descr "a password check that takes forever is killed at the time limit (454) and other mail is delivered meanwhile"
	atf_set timeout 90
}
auth_check_hangs_body() {
	pd_auth_start
	# SHA-512 crypt with 999999999 rounds: about a quarter of an hour
	usermod -p '$6$rounds=999999999$saltsalt$0123456789012345678901234567890123456789012345678901234567890123456789012345678901' slow ||
	    atf_fail "usermod -p"
	$AUTH slow secret > $PH/slow.out 2>&1 &
	pd_deliver_meanwhile auth
	wait $! || atf_fail "the AUTH client failed: $(cat $PH/slow.out)"
	atf_check -o match:'^454 ' cat $PH/slow.out
	pd_limit_met 'parent event=auth user=slow result=tempfail error="time limit"'
	# the account hung lately: the next check fails without a child
	atf_check -o match:'^454 ' $AUTH slow secret
	ph_wait_log 'parent event=auth user=slow result=tempfail error="time limit met moments ago"'
	atf_check -o inline:"1\n" grep -c 'parent event=helper-start pool=auth' \
	    $PH_LOG
}

# --- ~/.forward -------------------------------------------------------

# pd_forward_start - Maildir delivery for local users on 25
pd_forward_start() {
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "l" maildir
match from local for any action "l"
CONF
	ph_start -v
}

atf_test_case forward_blocks
forward_blocks_head() {
	atf_set descr "a ~/.forward whose open(2) blocks (a FIFO) fails that recipient temporarily at the time limit; other mail is delivered meanwhile"
	atf_set timeout 90
}
forward_blocks_body() {
	pd_setup alice bob
	mkfifo -m 0644 /home/bob/.forward
	chown bob: /home/bob/.forward
	pd_forward_start
	$PY $PH/mail.py bob@localhost > $PH/bob.out 2>&1 &
	pd_deliver_meanwhile forward
	wait $! || atf_fail "the client failed: $(cat $PH/bob.out)"
	atf_check -o match:'^RCPT 451 4\.3\.0 ' cat $PH/bob.out
	pd_limit_met 'parent event=forward user=bob result=tempfail error="time limit"'
	# bob's home hung lately: his next recipient fails without a child
	atf_check -o match:'^RCPT 451 4\.3\.0 ' $PY $PH/mail.py bob@localhost
	ph_wait_log 'parent event=forward user=bob result=tempfail error="time limit met moments ago"'
	# children: bob's first recipient's and alice's, no more
	atf_check -o inline:"2\n" grep -c \
	    'parent event=helper-start pool=forward' $PH_LOG
}

atf_test_case forward_unsafe
forward_unsafe_head() {
	atf_set descr "a ~/.forward not owned by its user, writable by its group, or a symbolic link is ignored with a log line"
	atf_set timeout 90
}
forward_unsafe_body() {
	pd_setup alice bob carol dave
	echo alice > /home/bob/.forward			# root's
	echo alice > /home/carol/.forward
	chown carol: /home/carol/.forward
	chmod 0664 /home/carol/.forward
	echo alice > /home/dave/real
	chown dave: /home/dave/real
	ln -s real /home/dave/.forward
	pd_forward_start
	for _u in bob carol dave; do
		atf_check -o match:'^DATA 250 ' $PY $PH/mail.py $_u@localhost
	done
	ph_wait_log 'parent event=forward user=bob result=refused error="not owned by the user"'
	ph_wait_log 'parent event=forward user=carol result=refused error="writable by group or others"'
	ph_wait_log 'parent event=forward user=dave result=refused error="symbolic link"'
	ph_wait_for "[ \$(grep -c 'mda event=delivered' $PH_LOG) -eq 3 ]" 20 ||
	    { cat $PH_LOG; atf_fail "not delivered"; }
	for _u in bob carol dave; do
		atf_check -o inline:"1\n" sh -c "ls /home/$_u/Maildir/new | wc -l"
	done
	[ ! -d /home/alice/Maildir ] || atf_fail "a refused .forward was used"
}

# --- offline drop files -----------------------------------------------

# pd_offline_conf - local Maildir delivery, messages up to 10K
pd_offline_conf() {
	ph_conf <<'CONF'
smtp max-message-size 10K
listen on 127.0.0.1 port 25
action "local" maildir
match from local for local action "local"
CONF
}

# pd_offline_run N - start, wait for the walk's summary (with N files
# seen), keep the log in $PH/all.log, stop
pd_offline_run() {
	ph_start
	ph_wait_log "queue event=offline-walk files=$1 " 20
	cat $PH_LOG >> $PH/all.log
	$CTL stop > /dev/null || atf_fail "smtpctl stop"
	ph_wait_for "! kill -0 $(cat $PH/daemon.pid)" 20 || atf_fail "no stop"
}

# pd_sendmail USER RCPT SUBJECT - sendmail as USER while the daemon is down
pd_sendmail() {
	printf 'Subject: %s\n\nhello\n' "$3" | setpriv --reuid="$1" \
	    --regid="$1" --init-groups $PH_BIN/sendmail -C $PH_CONF "$2" ||
	    atf_fail "sendmail as $1"
}

atf_test_case offline_quarantine
offline_quarantine_head() {
	atf_set descr "offline drop files larger than max-message-size, or refused 5 times, go to quarantine and are not read again; others are enqueued"
	atf_set timeout 180
}
offline_quarantine_body() {
	pd_setup alice
	pd_offline_conf
	ph_start
	$CTL stop > /dev/null
	ph_wait_for "! kill -0 $(cat $PH/daemon.pid)" 20 || atf_fail "no stop"
	pd_sendmail alice alice@localhost good
	pd_sendmail alice nobody@elsewhere.example refused
	refused=$(grep -l 'rcpt: nobody@' $PH_SPOOL/offline/*)
	refused=${refused##*/}
	{
		printf 'version: 1\nuid: %s\nsender: alice@localhost\n' \
		    "$(id -u alice)"
		printf 'rcpt: alice@localhost\n\n'
		head -c 20000 /dev/zero | tr '\0' x
	} > $PH/big
	setpriv --reuid=alice --regid=alice --init-groups \
	    sh -c "cat $PH/big > $PH_SPOOL/offline/big" || atf_fail "big"
	: > $PH/all.log
	# first walk: one queued, the large one quarantined unread
	pd_offline_run 3
	atf_check -o match:'queue event=offline-walk files=3 queued=1 kept=1 quarantined=1' cat $PH/all.log
	atf_check -o match:'queue event=offline-quarantine file=big reason="too large: 20000 bytes"' cat $PH/all.log
	atf_check -o match:'^Subject: good$' cat /home/alice/Maildir/new/*
	# four more walks: the refused one counts up, then is quarantined
	for _n in 2 3 4 5; do
		pd_offline_run 1
	done
	atf_check -o match:"queue event=offline-quarantine file=$refused,4 reason=\"failed 5 times\"" cat $PH/all.log
	atf_check -o inline:"5\n" grep -c "event=offline-enqueue file=$refused.* result=refused" $PH/all.log
	atf_check -s exit:1 grep 'event=offline-enqueue file=big' $PH/all.log
	test -f "$PH_SPOOL/quarantine/offline.$refused,4" ||
	    atf_fail "the refused file is not in quarantine"
	test -f "$PH_SPOOL/quarantine/offline.big" ||
	    atf_fail "the large file is not in quarantine"
	# a sixth walk sees only a new drop file
	pd_sendmail alice alice@localhost again
	pd_offline_run 1
	atf_check -o inline:"7\n" grep -c 'event=offline-enqueue' $PH/all.log
	atf_check -o inline:"5\n" grep -c "event=offline-enqueue file=$refused" $PH/all.log
	atf_check -o inline:"2\n" sh -c "ls /home/alice/Maildir/new | wc -l"
	atf_check -o empty ls $PH_SPOOL/offline
}

atf_init_test_cases() {
	atf_add_test_case forged_results_delivered
	atf_add_test_case forged_results_deferred
	atf_add_test_case auth_root_locked
	atf_add_test_case auth_rate_limit
	atf_add_test_case auth_check_hangs
	atf_add_test_case forward_blocks
	atf_add_test_case forward_unsafe
	atf_add_test_case offline_quarantine
}
