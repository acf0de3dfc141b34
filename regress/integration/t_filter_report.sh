# t_filter_report.sh - the report events and the command phases a
# filter process gets (smtpd-filters(7), 0.7) from a real daemon over
# loopback: a filter that registers every event and the phases rset,
# quit, noop and help records the lines it reads; a session with EHLO,
# STARTTLS, AUTH, a message accepted, RSET, a recipient refused and
# QUIT must show them in OpenSMTPD's order, field by field (timestamps,
# session and message ids aside); tx-commit comes only after the 250
# that says the queue holds the message; a reject at noop reaches the
# client byte for byte.  A compromised listener that reports an event
# for a listener without filter processes stops the daemon.

. "$(atf_get_srcdir)/subr.sh"

RAW="$PY $PH_TOP/regress/tools/smtp_raw.py"

# fr_filter - the filter: registers every event ("*", as OpenSMTPD
# allows) and five phases, records report and filter lines under
# $PH/fout/r.in, rejects NOOP and the commit of a message from
# rollback@localhost (a sender it learns from tx-mail), reports on
# HELP, lets everything else through
fr_filter() {
	mkdir -p $PH/fout
	chmod 1777 $PH/fout
	cat > $PH/report.py <<'PY'
import sys

log = open("/tmp/ph/fout/r.in", "a", buffering=1)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    if line == "config|ready\n":
        break
say("register|report|smtp-in|*")
for p in ("rset", "quit", "noop", "help", "commit"):
    say("register|filter|smtp-in|" + p)
say("register|ready")
sender = {}
for line in sys.stdin:
    log.write(line)
    f = line.rstrip("\n").split("|")
    if f[0] == "report" and f[4] == "tx-mail":
        sender[f[5]] = f[-1]
    if f[0] != "filter":
        continue
    res = "filter-result|%s|%s|" % (f[5], f[6])
    if f[4] == "commit" and sender.get(f[5]) == "rollback@localhost":
        say(res + "reject|554 5.7.1 Not this one")
    elif f[4] == "noop":
        say(res + "reject|550 5.7.1 No noop | here")
    elif f[4] == "help":
        say(res + "report|asked for help")
        say(res + "proceed")
    else:
        say(res + "proceed")
PY
}

# fr_setup [chain] - certificate, credentials, the filter and the
# daemon: port 25 with STARTTLS and AUTH through the filter (with
# "chain": a builtin filter that reports every EHLO, then the filter),
# alice a local user
fr_setup() {
	ph_setup
	useradd -m -s /bin/sh alice || atf_fail "useradd alice"
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mx.test \
	    -keyout $PH/key.pem -out $PH/cert.pem -days 2 2>/dev/null
	echo "alice $($CTL encrypt secret)" > $PH/creds
	fr_filter
	ph_conf <<CONF
table creds file:$PH/creds
pki mx.test cert "$PH/cert.pem"
pki mx.test key "$PH/key.pem"
filter r proc-exec "exec /usr/bin/python3 /tmp/ph/report.py"
table none { nothing.test }
filter e phase ehlo match !helo <none> report "ehlo seen | noted"
filter c chain { e, r }
listen on 127.0.0.1 port 25 tls pki mx.test auth <creds> hostname mx.test \\
    filter ${1:-r}
action "l" maildir
match for local action "l"
CONF
	ph_start
	ph_wait_log 'lookup event=filter-ready name=r generation=1 '
}

# fr_auth_session CODES PART... - a session through STARTTLS and AUTH
# PLAIN as alice, then the parts; the codes of the replies after AUTH's
# must be CODES; returns once the filter heard of the session's end
fr_auth_session() {
	_codes=$1
	shift
	_plain=$(printf '\0alice\0secret' | base64)
	atf_check -o inline:"220 250 220 250 235 $_codes\n" $RAW --codes \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    "AUTH PLAIN $_plain\r\n" "$@"
	ph_wait_for "grep -q 'link-disconnect' $PH/fout/r.in" 10 ||
	    atf_fail "no link-disconnect"
}

# fr_events - the report lines the filter read, one session's, without
# the stream, version, time and subsystem; the session id as S, the
# message ids as M1, M2 in their order, link-connect's fields as *,
# the EHLO reply's continuation lines left out
fr_events() {
	$PY - $PH/fout/r.in <<'PY'
import re
import sys

ids = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("|")
    if f[0] != "report":
        continue
    ev, rest = f[4], f[6:]
    if ev == "link-connect":
        rest = ["*"]
    if ev == "protocol-server" and rest[0].startswith("250-"):
        continue
    out = "|".join([ev, "S"] + rest)
    for m in re.findall(r"\b[0-9a-f]{8}\b", out):
        ids.setdefault(m, "M%d" % (len(ids) + 1))
        out = out.replace(m, ids[m])
    print(out)
PY
}

atf_test_case sequence
sequence_head() {
	atf_set descr "EHLO, STARTTLS, AUTH, a message, RSET, a refused RCPT and QUIT: every report event in OpenSMTPD's order, field by field; tx-commit after the 250"
	atf_set timeout 90
}
sequence_body() {
	fr_setup
	fr_auth_session "250 250 354 250 250 250 550 221" \
	    'MAIL FROM:<alice@localhost>\r\n' 'RCPT TO:<alice@localhost>\r\n' \
	    'DATA\r\n' 'Subject: t\r\n\r\nhello\r\n.\r\n' 'RSET\r\n' \
	    'MAIL FROM:<alice@localhost>\r\n' 'RCPT TO:<x@elsewhere.test>\r\n' \
	    'QUIT\r\n'
	ph_wait_for "ls /home/alice/Maildir/new | grep -q ." 30 ||
	    atf_fail "not delivered"
	fr_events > $PH/events
	ehlo1=$(grep '^protocol-server|S|250 ' $PH/events | sed -n 1p)
	ehlo2=$(grep '^protocol-server|S|250 ' $PH/events | sed -n 2p)
	# STARTTLS is offered before TLS, AUTH inside it
	atf_check_equal "$ehlo1" "protocol-server|S|250 STARTTLS"
	atf_check_equal "$ehlo2" "protocol-server|S|250 AUTH PLAIN LOGIN"
	tls=$(sed -n 's/^link-tls|S|//p' $PH/events)
	echo "$tls" | grep -Eq '^version=TLSv1\.[23], cipher=[A-Z0-9_-]+, bits=[0-9]+$' ||
	    atf_fail "link-tls: $tls"
	size=$(sed -n 's/^tx-commit|S|M1|//p' $PH/events)
	[ "$size" -gt 0 ] 2>/dev/null || atf_fail "tx-commit size: $size"
	cat > $PH/expected <<EOF
link-connect|S|*
filter-response|S|connected|proceed
protocol-server|S|220 mx.test ESMTP posthorn
link-greeting|S|mx.test
protocol-client|S|EHLO c.test
filter-response|S|ehlo|proceed
link-identify|S|EHLO|c.test
$ehlo1
protocol-client|S|STARTTLS
filter-response|S|tls|proceed
protocol-server|S|220 2.0.0 Ready to start TLS
link-tls|S|$tls
protocol-client|S|EHLO c.test
filter-response|S|ehlo|proceed
link-identify|S|EHLO|c.test
$ehlo2
protocol-client|S|AUTH PLAIN ********
filter-response|S|auth|proceed
link-auth|S|pass|alice
protocol-server|S|235 2.7.0 Authentication succeeded
protocol-client|S|MAIL FROM:<alice@localhost>
filter-response|S|mail-from|proceed
tx-begin|S|M1
tx-mail|S|M1|ok|alice@localhost
protocol-server|S|250 2.1.0 Ok
protocol-client|S|RCPT TO:<alice@localhost>
filter-response|S|rcpt-to|proceed
tx-rcpt|S|M1|ok|alice@localhost
protocol-server|S|250 2.1.5 Recipient ok
protocol-client|S|DATA
filter-response|S|data|proceed
tx-data|S|M1|ok
protocol-server|S|354 Enter mail, end with "." on a line by itself
protocol-client|S|.
filter-response|S|commit|proceed
protocol-server|S|250 2.0.0 M1 Message accepted for delivery
tx-commit|S|M1|$size
tx-reset|S|M1
protocol-client|S|RSET
filter-response|S|rset|proceed
protocol-server|S|250 2.0.0 Reset state
protocol-client|S|MAIL FROM:<alice@localhost>
filter-response|S|mail-from|proceed
tx-begin|S|M2
tx-mail|S|M2|ok|alice@localhost
protocol-server|S|250 2.1.0 Ok
protocol-client|S|RCPT TO:<x@elsewhere.test>
filter-response|S|rcpt-to|proceed
tx-rcpt|S|M2|permfail|x@elsewhere.test
$(grep '^protocol-server|S|550 ' $PH/events)
protocol-client|S|QUIT
filter-response|S|quit|proceed
protocol-server|S|221 2.0.0 Bye
tx-rollback|S|M2
tx-reset|S|M2
link-disconnect|S
EOF
	grep -q '^protocol-server|S|550 5\.' $PH/events ||
	    atf_fail "no 550 for the refused recipient"
	diff -u $PH/expected $PH/events || atf_fail "the events differ"
	# the filter was asked at the command phases it registered
	for p in rset quit; do
		grep -Eq "^filter\|0\.7\|[0-9.]+\|smtp-in\|$p\|[0-9a-f]{16}\|[0-9a-f]{16}\|$" \
		    $PH/fout/r.in || atf_fail "no $p request"
	done
	grep -q secret $PH/fout/r.in && atf_fail "a password reached the filter"
	return 0
}

atf_test_case noop_reject
noop_reject_head() {
	atf_set descr "a filter process rejecting at noop: its reply on the wire byte for byte, the session goes on; help goes through, what the filter reported at help comes back as filter-report"
	atf_set timeout 60
}
noop_reject_body() {
	fr_setup c
	$RAW 'EHLO c.test\r\n' 'NOOP\r\n' 'HELP\r\n' 'QUIT\r\n' > $PH/out
	atf_check -o inline:'550 5.7.1 No noop | here\r\n' \
	    grep -a '^550' $PH/out
	atf_check -o match:'^214 ' -o match:'^221 ' cat $PH/out
	fr_events > $PH/events
	atf_check -o match:'^filter-response\|S\|noop\|reject\|550 5\.7\.1 No noop \| here$' \
	    -o match:'^filter-response\|S\|help\|proceed$' \
	    -o match:'^filter-report\|S\|proc\|r\|asked for help$' \
	    -o match:'^filter-report\|S\|builtin\|e\|ehlo seen \| noted$' \
	    cat $PH/events
	ph_wait_log 'lookup event=filter-report name=e kind=builtin text="ehlo seen \| noted"'
}

atf_test_case commit_refused
commit_refused_head() {
	atf_set descr "a message whose commit the filters refuse: tx-rollback and tx-reset after the refusal, no tx-commit"
	atf_set timeout 60
}
commit_refused_body() {
	fr_setup
	fr_auth_session "250 250 354 554 221" \
	    'MAIL FROM:<rollback@localhost>\r\n' \
	    'RCPT TO:<alice@localhost>\r\n' 'DATA\r\n' \
	    'Subject: t\r\n\r\nhello\r\n.\r\n' 'QUIT\r\n'
	fr_events | sed -n '/^protocol-client|S|\.$/,$p' > $PH/events
	cat > $PH/expected <<'EOF'
protocol-client|S|.
filter-response|S|commit|reject|554 5.7.1 Not this one
protocol-server|S|554 5.7.1 Not this one
tx-rollback|S|M1
tx-reset|S|M1
protocol-client|S|QUIT
filter-response|S|quit|proceed
protocol-server|S|221 2.0.0 Bye
link-disconnect|S
EOF
	diff -u $PH/expected $PH/events || atf_fail "the events differ"
}

atf_test_case forged_event
forged_event_head() {
	atf_set descr "a compromised listener reporting an event for a listener that runs no filter process stops the daemon, naming the message"
	atf_set timeout 60
}
forged_event_body() {
	ph_setup
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
CONF
	ph_start_hostile smtpd:filter-event
	ph_wait_log 'ipc: MSG_LOOKUP_FILTER_EVENT from smtpd: listener 0 runs no filter process'
	ph_wait_exit 20
}

atf_init_test_cases() {
	atf_add_test_case sequence
	atf_add_test_case noop_reject
	atf_add_test_case commit_refused
	atf_add_test_case forged_event
}
