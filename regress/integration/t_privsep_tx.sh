# t_privsep_tx.sh - envelopes are made on the privileged side: a
# compromised listener (regress/hostile/hostile_smtpd.c) names another
# session's transaction, a committed one, one never opened, or sends
# frames only the lookup may send; a compromised lookup
# (hostile_lookup.c) hands the queue commands, files, accounts,
# dispatchers and msgids the rules cannot produce.  Each attempt is
# refused and logged by the queue or the root parent, no command runs,
# no file is written, and ordinary mail in flight is delivered byte for
# byte.

. "$(atf_get_srcdir)/subr.sh"

TX_MARK=/tmp/pwned-marker	# what a hostile command or file would make

# tx_tools - the SMTP client of these tests
tx_tools() {
	cat > $PH/tx.py <<'PY'
"""tx.py - SMTP on 127.0.0.1:25 for t_privsep_tx.sh.

send FROM RCPT[,RCPT...] MSG
    one transaction; prints "RCPT addr code" and "DATA code"; exit 0 when
    DATA got 250.
foreign LOG TARGET MSG
    two sessions A and B each open a transaction (MAIL); the
    compromised listener is told (file TARGET) to name A's msgid in B's
    name; once LOG shows both refusals, A and B each send MSG to alice.
committed LOG TARGET MSG
    session A sends MSG to alice; the compromised listener is told to
    name A's committed msgid; once LOG shows the refusals, A sends MSG
    once more in the same session.
edit LOG MSG
    session A gives alice; session B gives evil@localhost, which the
    compromised lookup answers by editing A's transaction in B's name;
    once LOG shows the queue refused the end of those edits, A sends
    MSG.
"""
import re, smtplib, sys, time

def log_wait(path, regex, count=1, secs=15):
    end = time.time() + secs
    while time.time() < end:
        hits = re.findall(regex, open(path).read(), re.M)
        if len(hits) >= count:
            return hits
        time.sleep(0.1)
    sys.exit("no %d lines matching %s in %s" % (count, regex, path))

def session():
    end = time.time() + 10
    while True:
        try:
            s = smtplib.SMTP("127.0.0.1", 25, timeout=30)
            break
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.1)
    s.ehlo("client.test")
    return s

def cmd(s, verb, arg):
    s.putcmd(verb, arg)
    code, msg = s.getreply()
    print(verb, arg, code, msg.decode())
    return code

def data(s, path):
    body = open(path, "rb").read().replace(b"\n", b"\r\n")
    try:
        code, msg = s.data(body)
    except smtplib.SMTPDataError as e:
        code, msg = e.smtp_code, e.smtp_error
    print("DATA", code, msg.decode())
    return code

def tx(s, rcpts, path):
    if cmd(s, "MAIL", "FROM:<s@example.net>") != 250:
        return 1
    ok = sum(cmd(s, "RCPT", "TO:<%s>" % r) == 250 for r in rcpts)
    return 0 if ok and data(s, path) == 250 else 1

OPEN = r"^.*?([0-9a-f]{16}) queue event=tx-open msgid=([0-9a-f]{8})"

def foreign(logf, target, path):
    a = session()
    assert cmd(a, "MAIL", "FROM:<s@example.net>") == 250
    sa, ma = log_wait(logf, OPEN)[0]
    b = session()
    assert cmd(b, "MAIL", "FROM:<s@example.net>") == 250
    sb, mb = log_wait(logf, OPEN, 2)[1]
    open(target, "w").write("%s %s bob@localhost\n" % (sb, ma))
    log_wait(logf, "event=rcpt-refused msgid=%s .*error=\"transaction of "
             "another session\"" % ma)
    log_wait(logf, "event=tx-commit-refused msgid=%s error=\"transaction "
             "of another session\"" % ma)
    rc = 0
    for s in (a, b):
        rc |= cmd(s, "RCPT", "TO:<alice@localhost>") != 250
        rc |= data(s, path) != 250
        s.quit()
    return rc

def committed(logf, target, path):
    a = session()
    if tx(a, ["alice@localhost"], path) != 0:
        return 1
    sa, ma = log_wait(logf, OPEN)[0]
    log_wait(logf, "queue event=tx-commit msgid=%s" % ma)
    open(target, "w").write("%s %s bob@localhost\n" % (sa, ma))
    log_wait(logf, "event=rcpt-refused msgid=%s .*error=\"no such open "
             "transaction\"" % ma)
    log_wait(logf, "event=tx-commit-refused msgid=%s error=\"no such open "
             "transaction\"" % ma)
    rc = tx(a, ["alice@localhost"], path)
    a.quit()
    return rc

def edit(logf, path):
    a = session()
    assert cmd(a, "MAIL", "FROM:<s@example.net>") == 250
    sa, ma = log_wait(logf, OPEN)[0]
    assert cmd(a, "RCPT", "TO:<alice@localhost>") == 250
    b = session()
    assert cmd(b, "MAIL", "FROM:<s@example.net>") == 250
    assert cmd(b, "RCPT", "TO:<evil@localhost>") == 550
    log_wait(logf, "queue event=tx-edit-refused op=end msgid=%s "
             "error=\"transaction of another session\"" % ma)
    rc = data(a, path) != 250
    for s in (a, b):
        s.quit()
    return rc

if sys.argv[1] == "send":
    s = session()
    rc = tx(s, sys.argv[3].split(","), sys.argv[4])
    s.quit()
    sys.exit(rc)
sys.exit({"foreign": foreign, "committed": committed, "edit": edit}[
    sys.argv[1]](*sys.argv[2:5]))
PY
}

# tx_setup - namespaces, accounts, the configuration, a message
tx_setup() {
	ph_setup
	tx_tools
	for _u in alice bob; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
	useradd -m -s /bin/sh -g 0 phgid0 || atf_fail "useradd phgid0"
	install -d -o bob -g bob -m 0700 /home/bob/.ssh
	printf '"|cat > /dev/null"\n' > /home/bob/.forward
	chown bob: /home/bob/.forward
	echo "list: alice" > $PH/aliases
	ph_conf <<CONF
table aliases file:$PH/aliases
listen on 127.0.0.1 port 25
action "local" maildir
action "aliased" maildir alias <aliases>
match from any for local action "local"
CONF
	printf 'From: s@example.net\nSubject: t\n\nline one\n.dot\nFrom x\n' \
	    > $PH/m1
	rm -f $TX_MARK
}

# tx_delivered N - wait for N deliveries to alice, then check each
# Maildir file byte for byte: what was sent, after the Return-Path,
# Delivered-To and Received: lines the path adds
tx_delivered() {
	ph_wait_for "[ \$(grep -c 'mda event=delivered user=alice' $PH_LOG) \
	    -ge $1 ]" 30 || { cat $PH_LOG; atf_fail "alice got no mail"; }
	atf_check -o inline:"$1\n" sh -c "ls /home/alice/Maildir/new | wc -l"
	for _f in /home/alice/Maildir/new/*; do
		awk 'NR == 1 && !/^Return-Path: <s@example.net>$/ { exit 1 }
		    NR == 2 && !/^Delivered-To: alice@localhost$/ { exit 1 }
		    NR == 3 && !/^Received: / { exit 1 }
		    NR > 3 && body == 0 && /^[ \t]/ { next }
		    NR > 3 { body = 1; print }' "$_f" > $PH/got ||
		    atf_fail "bad delivery prefix in $_f"
		cmp -s $PH/got $PH/m1 || { diff $PH/got $PH/m1;
		    atf_fail "$_f differs from what was sent"; }
	done
}

# tx_no_mark - no hostile command ran, no hostile file was written
tx_no_mark() {
	[ ! -e $TX_MARK ] || atf_fail "$TX_MARK exists: a command ran"
	[ ! -d /home/bob/Maildir ] || atf_fail "bob got mail"
}

# tx_lookup SCENARIO ARG EVIL_CODE REGEX - a compromised lookup gives
# evil@localhost the scenario's expansion; REGEX is the refusal's log
# line; alice's copy of the same message is delivered
tx_lookup() {
	tx_setup
	ph_start_hostile "lookup:$1" "$2"
	atf_check -o match:"RCPT TO:<evil@localhost> $3 " \
	    -o match:'RCPT TO:<alice@localhost> 250 ' -o match:'^DATA 250 ' \
	    $PY $PH/tx.py send s@example.net evil@localhost,alice@localhost \
	    $PH/m1
	ph_wait_log "$4" 30
	tx_delivered 1
	tx_no_mark
	[ ! -e /home/bob/.ssh/authorized_keys ] ||
	    atf_fail "a file was written in bob's home"
}

atf_test_case lookup_command_noalias
lookup_command_noalias_head() {
	atf_set descr "lookup: a command under a maildir action without alias table is refused by the queue"
	atf_set timeout 90
}
lookup_command_noalias_body() {
	tx_lookup command-noalias "$TX_MARK" 451 \
	    'queue event=envelope-refused .*type=command user="nobody" error="the action has no alias or virtual table"'
}

atf_test_case lookup_command_root
lookup_command_root_head() {
	atf_set descr "lookup: a command as root is refused by the parent"
	atf_set timeout 90
}
lookup_command_root_body() {
	tx_lookup command-root "$TX_MARK" 250 \
	    'mda event=refused user=root method=command result=".*as root refused'
}

atf_test_case lookup_command_gid0
lookup_command_gid0_head() {
	atf_set descr "lookup: a command as an account of group 0 is refused by the parent"
	atf_set timeout 90
}
lookup_command_gid0_body() {
	tx_lookup command-gid0 "$TX_MARK" 250 \
	    'mda event=refused user=phgid0 method=command result=".*gid 0'
}

atf_test_case lookup_command_forward
lookup_command_forward_head() {
	atf_set descr "lookup: a ~/.forward command that the user's ~/.forward does not hold never runs"
	atf_set timeout 90
}
lookup_command_forward_body() {
	tx_lookup command-forward "$TX_MARK" 250 \
	    'mda event=failed user=bob method=command result="refused: the command is not in ~/.forward of bob"'
}

atf_test_case lookup_file_home
lookup_file_home_head() {
	atf_set descr "lookup: a file in another user's home, as that user, is refused"
	atf_set timeout 90
}
lookup_file_home_body() {
	tx_lookup file-home /home/bob/.ssh/authorized_keys 250 \
	    'mda event=failed user=bob method=file result="refused: the file is not in ~/.forward of bob"'
}

atf_test_case lookup_traversal
lookup_traversal_head() {
	atf_set descr "lookup: a file path with .. components is refused by the queue"
	atf_set timeout 90
}
lookup_traversal_body() {
	tx_lookup traversal "$TX_MARK" 451 \
	    'queue event=envelope-refused .*dispatcher="aliased" type=file user="nobody" error="the file is no absolute path'
}

atf_test_case lookup_dispatcher
lookup_dispatcher_head() {
	atf_set descr "lookup: a dispatcher the configuration does not have is refused"
	atf_set timeout 90
}
lookup_dispatcher_body() {
	tx_lookup dispatcher "$TX_MARK" 451 \
	    'queue event=envelope-refused .*dispatcher="nosuch" .*error="unknown dispatcher"'
}

atf_test_case lookup_msgid
lookup_msgid_head() {
	atf_set descr "lookup: envelopes for a msgid that is not open are refused"
	atf_set timeout 90
}
lookup_msgid_body() {
	tx_lookup msgid "$TX_MARK" 550 \
	    'queue event=rcpt-refused msgid=[0-9a-f]{8} code=554 error="no such open transaction"'
}

atf_test_case lookup_txedit_foreign
lookup_txedit_foreign_head() {
	atf_set descr "lookup: a milter's edits of another session's transaction are refused; it is delivered unchanged"
	atf_set timeout 90
}
lookup_txedit_foreign_body() {
	tx_setup
	ph_start_hostile lookup:txedit-foreign
	atf_check -o match:'^DATA 250 ' $PY $PH/tx.py edit $PH_LOG $PH/m1
	_why='error="transaction of another session"'
	for _op in addrcpt delrcpt chgfrom hold end; do
		ph_wait_log "event=tx-edit-refused op=$_op msgid=[0-9a-f]{8} $_why"
	done
	# delivered, so not held; from s@example.net, to alice alone
	tx_delivered 1
	tx_no_mark
	! grep -q 'queue event=tx-edit op=' $PH_LOG ||
	    atf_fail "an edit was applied"
}

# tx_target MODE - the compromised listener names, in a RCPT to bob and
# a commit, the transaction tx.py MODE tells it (through a file in the
# listener's root); two messages reach alice, nothing reaches bob
tx_target() {
	tx_setup
	ph_start_hostile smtpd:target target
	atf_check -o ignore $PY $PH/tx.py "$1" $PH_LOG \
	    $PH_SPOOL/empty/target $PH/m1
	tx_delivered 2
	tx_no_mark
}

atf_test_case listener_foreign_msgid
listener_foreign_msgid_head() {
	atf_set descr "listener: a RCPT and a commit in another session's transaction are refused; both sessions deliver"
	atf_set timeout 90
}
listener_foreign_msgid_body() {
	tx_target foreign
}

atf_test_case listener_committed_msgid
listener_committed_msgid_head() {
	atf_set descr "listener: a RCPT and a commit naming a committed message are refused; the session goes on"
	atf_set timeout 90
}
listener_committed_msgid_body() {
	tx_target committed
}

atf_test_case listener_unopened
listener_unopened_head() {
	atf_set descr "listener: frames out of order (commit, RCPT, abort of nothing, a second open) are refused; mail flows"
	atf_set timeout 90
}
listener_unopened_body() {
	tx_setup
	ph_start_hostile smtpd:unopened bob@localhost
	ph_wait_log 'queue event=tx-commit-refused msgid=0badcafe error="no such open transaction"'
	ph_wait_log 'queue event=tx-open-refused code=503 error="session has a transaction"'
	ph_wait_log 'queue event=rcpt-refused msgid=0badcafe code=554 error="no such open transaction"'
	atf_check -o match:'^DATA 250 ' $PY $PH/tx.py send s@example.net \
	    alice@localhost $PH/m1
	tx_delivered 1
	tx_no_mark
}

atf_test_case listener_lookup_type
listener_lookup_type_head() {
	atf_set descr "listener: an envelope only the lookup may send stops the daemon, naming it"
	atf_set timeout 60
}
listener_lookup_type_body() {
	tx_setup
	ph_start_hostile smtpd:lookup-type
	ph_wait_log 'ipc: MSG_LOOKUP_ENVELOPE from smtpd: message not allowed on this route'
	ph_wait_exit 20
	tx_no_mark
}

atf_test_case listener_rcpt_oversized
listener_rcpt_oversized_head() {
	atf_set descr "listener: a RCPT request longer than its type stops the daemon, naming it"
	atf_set timeout 60
}
listener_rcpt_oversized_body() {
	tx_setup
	ph_start_hostile smtpd:rcpt-oversized
	ph_wait_log 'ipc: MSG_LOOKUP_RCPT from smtpd: wrong payload length'
	ph_wait_exit 20
}

atf_test_case forward_command_runs
forward_command_runs_head() {
	atf_set descr "the real lookup: a command in the user's ~/.forward still runs, as the user"
	atf_set timeout 90
}
forward_command_runs_body() {
	tx_setup
	printf '"|id -un > /home/bob/ran; cat > /home/bob/got"\n' \
	    > /home/bob/.forward
	ph_start
	atf_check -o match:'^DATA 250 ' $PY $PH/tx.py send s@example.net \
	    bob@localhost $PH/m1
	ph_wait_log 'mda event=delivered user=bob method=command' 30
	atf_check -o inline:"bob\n" cat /home/bob/ran
	atf_check -o match:'^Subject: t$' cat /home/bob/got
}

atf_init_test_cases() {
	atf_add_test_case lookup_command_noalias
	atf_add_test_case lookup_command_root
	atf_add_test_case lookup_command_gid0
	atf_add_test_case lookup_command_forward
	atf_add_test_case lookup_file_home
	atf_add_test_case lookup_traversal
	atf_add_test_case lookup_dispatcher
	atf_add_test_case lookup_msgid
	atf_add_test_case lookup_txedit_foreign
	atf_add_test_case listener_foreign_msgid
	atf_add_test_case listener_committed_msgid
	atf_add_test_case listener_unopened
	atf_add_test_case listener_lookup_type
	atf_add_test_case listener_rcpt_oversized
	atf_add_test_case forward_command_runs
}
