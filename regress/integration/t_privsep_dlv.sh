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
	ph_start_hostile deliver:forge "$evpid"
	ph_wait_for "test -S $PH_SPOOL/control.sock" 10 ||
	    atf_fail "no control socket"
	ph_wait_for "test -e /home/alice/started" 20 ||
	    { cat $PH_LOG; atf_fail "the local delivery did not start"; }
	kill -USR1 $(ph_role_pids deliver) || atf_fail "no relay worker"
	ph_wait_log 'hostile event=forged'
	ph_wait_for "[ \$(grep -c 'event=result-refused' $PH_LOG) -eq 4 ]" 10 ||
	    { cat $PH_LOG; atf_fail "not four refusals"; }
	atf_check -o inline:"2\n" grep -c "^.*$evpid queue event=result-refused from=deliver status=\(ok\|permfail\) error=\"given to another process\"" $PH_LOG
	atf_check -o inline:"2\n" grep -c '0123456789abcdef queue event=result-refused from=deliver status=\(ok\|permfail\) error="not in flight"' $PH_LOG
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

atf_init_test_cases() {
	atf_add_test_case forged_results_delivered
	atf_add_test_case forged_results_deferred
}
