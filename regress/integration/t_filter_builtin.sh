# t_filter_builtin.sh - builtin SMTP filters (smtpd.conf "filter ... phase
# ... match ...") in a chain on one listener, driven by a real client
# over loopback: each decision at its phase with its reply seen byte for
# byte, the session closed after a disconnect, junk filed by `maildir
# junk`, bypass skipping a later reject, a message refused at commit
# never queued, and a listener without filter untouched.
#
# The daemon: port 25 runs chain "main", port 2525 no filter; users
# alice and bob receive into ~/Maildir (junk to .Junk).

. "$(atf_get_srcdir)/subr.sh"

# flt_setup - namespaces, accounts, the dialogue client, the daemon
flt_setup() {
	ph_setup
	for _u in alice bob; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
	ph_conf <<'CONF'
table badsrc { 127.0.0.2 }
table badhelo { spammer.test }
table byehelo { bye.test }
table badfrom { spam@bad.test }
table junkfrom { junk@bad.test }
table latefrom { late@bad.test }
table vip { alice@localhost }
table old { old@localhost }
table blocked { alice@localhost, bob@localhost }
filter f_src phase connect match src <badsrc> reject "554 no service for you"
filter f_helo phase helo match helo <badhelo> reject "550 5.7.1 bad helo name"
filter f_ehlo phase ehlo match helo <badhelo> reject "550 5.7.1 bad helo name"
filter f_bye phase ehlo match helo <byehelo> \
	disconnect "421 4.7.0 go away now"
filter f_from phase mail-from match mail-from <badfrom> \
	reject "550 5.7.1 sender refused by filter"
filter f_junk phase mail-from match mail-from <junkfrom> junk
filter f_rw phase rcpt-to match rcpt-to <old> rewrite "bob@localhost"
filter f_vip phase rcpt-to match rcpt-to <vip> bypass
filter f_rcpt phase rcpt-to match rcpt-to <blocked> \
	reject "550 5.1.1 recipient refused by filter"
filter f_late phase commit match mail-from <latefrom> \
	reject "554 5.7.0 message refused by filter"
filter main chain { f_src, f_helo, f_ehlo, f_bye, f_from, f_junk, f_rw,
	f_vip, f_rcpt, f_late }
listen on 127.0.0.1 port 25 filter main
listen on 127.0.0.1 port 2525
action "l" maildir junk
match for local action "l"
CONF
	ph_start
}

# flt_talk ARGS - a session through talk.py into $PH/out
flt_talk() {
	$TALK "$@" > $PH/out 2>&1 || { cat $PH/out; atf_fail "talk"; }
}

# flt_has LINE - the session's transcript holds this reply line exactly
flt_has() {
	grep -qxF -- "$1" $PH/out ||
	    { cat $PH/out; atf_fail "no reply line '$1'"; }
}

# flt_last LINE - the session's transcript ends with this line
flt_last() {
	atf_check_equal "$(tail -n 1 $PH/out)" "$1"
}

# flt_delivered N - wait for N deliveries in the log
flt_delivered() {
	ph_wait_for "[ \$(grep -c 'mda event=delivered' $PH_LOG) -ge $1 ]" \
	    30 || { cat $PH_LOG; atf_fail "no $1 deliveries"; }
}

# flt_count DIR - messages in a Maildir subdirectory (0 when absent)
flt_count() {
	ls "$1" 2>/dev/null | wc -l
}

atf_test_case connect_src
connect_src_head() {
	atf_set descr "connect: a client whose address is in the src table gets the configured reply as its greeting, then the close"
	atf_set timeout 90
}
connect_src_body() {
	flt_setup
	flt_talk --src 127.0.0.2 --eof
	atf_check_equal "$(cat $PH/out)" "$(printf '%s\n' \
	    '554 no service for you\r\n' EOF)"
	ph_wait_log 'event=filter phase=connect filter=f_src decision=reject'
	flt_talk --src 127.0.0.1 "QUIT"
	atf_check -o match:'^220 .* ESMTP posthorn\\r\\n$' head -n 1 $PH/out
	# the listener without filter greets the same address
	flt_talk --src 127.0.0.2 --port 2525 "QUIT"
	atf_check -o match:'^220 ' head -n 1 $PH/out
}

atf_test_case helo_disconnect
helo_disconnect_head() {
	atf_set descr "helo/ehlo: a name of the table is refused with the configured reply, the session goes on; disconnect closes after its reply"
	atf_set timeout 90
}
helo_disconnect_body() {
	flt_setup
	flt_talk "HELO spammer.test" "EHLO spammer.test" "HELO good.test" \
	    "QUIT"
	atf_check_equal "$(sed -n 2,3p $PH/out)" "$(printf '%s\n' \
	    '550 5.7.1 bad helo name\r\n' '550 5.7.1 bad helo name\r\n')"
	atf_check -o match:'^250 .* Hello\\r\\n$' sed -n 4p $PH/out
	flt_last '221 2.0.0 Bye\r\n'
	ph_wait_log 'phase=helo filter=f_helo decision=reject'
	ph_wait_log 'phase=ehlo filter=f_ehlo decision=reject'
	flt_talk --eof "EHLO bye.test"
	atf_check_equal "$(sed -n '2,$p' $PH/out)" "$(printf '%s\n' \
	    '421 4.7.0 go away now\r\n' EOF)"
	ph_wait_log 'phase=ehlo filter=f_bye decision=disconnect'
}

atf_test_case mail_rcpt_bypass
mail_rcpt_bypass_head() {
	atf_set descr "mail-from and rcpt-to: the configured replies; bypass lets a recipient through that a later filter of the chain rejects"
	atf_set timeout 90
}
mail_rcpt_bypass_body() {
	flt_setup
	flt_talk "EHLO c.test" "MAIL FROM:<spam@bad.test>" \
	    "MAIL FROM:<ok@good.test>" "RCPT TO:<bob@localhost>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: ok" "=" "=hello" \
	    "." "QUIT"
	flt_has '550 5.7.1 sender refused by filter\r\n'
	flt_has '550 5.1.1 recipient refused by filter\r\n'
	atf_check_equal "$(grep -c '^250 2\.1\.5 ' $PH/out)" 1
	flt_has '221 2.0.0 Bye\r\n'
	flt_delivered 1
	atf_check_equal "$(flt_count /home/alice/Maildir/new)" 1
	atf_check_equal "$(flt_count /home/bob/Maildir/new)" 0
	ph_wait_log 'phase=mail-from filter=f_from decision=reject'
	ph_wait_log 'phase=rcpt-to filter=f_rcpt decision=reject'
	ph_wait_log 'phase=rcpt-to filter=f_vip decision=bypass'
}

atf_test_case commit_never_queued
commit_never_queued_head() {
	atf_set descr "commit: a refused message gets the configured reply after its data and never reaches the queue"
	atf_set timeout 90
}
commit_never_queued_body() {
	flt_setup
	flt_talk "EHLO c.test" "MAIL FROM:<late@bad.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: late" "=" \
	    "=refused" "." "QUIT"
	flt_has '354 Enter mail, end with "." on a line by itself\r\n'
	flt_has '554 5.7.0 message refused by filter\r\n'
	flt_last '221 2.0.0 Bye\r\n'
	ph_wait_log 'phase=commit filter=f_late decision=reject'
	ph_wait_log 'event=disconnect'
	atf_check -s exit:1 grep -q 'event=tx-commit' $PH_LOG
	ph_wait_for "[ -z \"\$(find $PH_SPOOL/incoming $PH_SPOOL/queue \
	    -type f)\" ]" 10 || atf_fail "the refused message is spooled"
	# the session goes on: a message from another sender is accepted
	flt_talk "EHLO c.test" "MAIL FROM:<ok@good.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: ok" "=" "=ok" "." \
	    "QUIT"
	flt_delivered 1
	atf_check_equal "$(flt_count /home/alice/Maildir/new)" 1
	atf_check -s exit:1 grep -rq 'refused' /home/alice/Maildir
}

atf_test_case junk
junk_head() {
	atf_set descr "junk: the message carries X-Spam: yes and maildir junk files it into .Junk; others stay in new/"
	atf_set timeout 90
}
junk_body() {
	flt_setup
	flt_talk "EHLO c.test" "MAIL FROM:<junk@bad.test>" \
	    "RCPT TO:<alice@localhost>" "DATA" "=Subject: spam" "=" "=buy" \
	    "." "MAIL FROM:<ok@good.test>" "RCPT TO:<alice@localhost>" \
	    "DATA" "=Subject: ham" "=" "=hi" "." "QUIT"
	atf_check_equal "$(grep -c '^250 2\.0\.0 [0-9a-f]\{8\} ' $PH/out)" 2
	flt_delivered 2
	atf_check_equal "$(flt_count /home/alice/Maildir/.Junk/new)" 1
	atf_check_equal "$(flt_count /home/alice/Maildir/new)" 1
	atf_check -o match:'^X-Spam: yes$' -o match:'^Subject: spam$' \
	    cat /home/alice/Maildir/.Junk/new/*
	atf_check -s exit:1 grep -q 'X-Spam' /home/alice/Maildir/new/*
	ph_wait_log 'phase=mail-from filter=f_junk decision=junk'
}

atf_test_case rewrite
rewrite_head() {
	atf_set descr "rewrite: the recipient the filter gives replaces the client's, and the rest of the chain is not run for it"
	atf_set timeout 90
}
rewrite_body() {
	flt_setup
	flt_talk "EHLO c.test" "MAIL FROM:<ok@good.test>" \
	    "RCPT TO:<old@localhost>" "DATA" "=Subject: moved" "=" "=hi" "." \
	    "QUIT"
	flt_has '250 2.1.5 Recipient ok\r\n'
	flt_delivered 1
	atf_check_equal "$(flt_count /home/bob/Maildir/new)" 1
	atf_check -o match:'^Delivered-To: bob@localhost$' \
	    -o match:'^Subject: moved$' cat /home/bob/Maildir/new/*
	ph_wait_log 'phase=rcpt-to filter=f_rw decision=rewrite'
}

atf_test_case starttls
starttls_head() {
	atf_set descr "starttls: a client whose HELO name is in the table is refused TLS with the configured reply and goes on in plain text; another gets 220"
	atf_set timeout 90
}
starttls_body() {
	ph_setup
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mx.test \
	    -keyout $PH/mx.key -out $PH/mx.crt -days 2 2>/dev/null
	[ -s $PH/mx.crt ] || atf_fail "no certificate"
	ph_conf <<CONF
table badhelo { spammer.test }
pki mx.test cert "$PH/mx.crt"
pki mx.test key "$PH/mx.key"
filter notls phase starttls match helo <badhelo> \
	reject "454 4.7.0 no TLS for you"
listen on 127.0.0.1 port 25 tls pki mx.test filter notls
CONF
	ph_start
	$PY $PH_TOP/regress/tools/smtp_raw.py 'EHLO spammer.test\r\n' \
	    'STARTTLS\r\n' 'NOOP\r\n' 'QUIT\r\n' > $PH/out 2>&1
	python3 -c 'import sys
t = open(sys.argv[1], "rb").read()
sys.exit(b"\r\n454 4.7.0 no TLS for you\r\n250 2.0.0 Ok\r\n" not in t)' \
	    $PH/out || { cat $PH/out; atf_fail "no refusal in plain text"; }
	ph_wait_log 'phase=starttls filter=notls decision=reject'
	atf_check -o match:'^220 2\.0\.0 Ready to start TLS' \
	    $PY $PH_TOP/regress/tools/smtp_raw.py 'EHLO c.test\r\n' \
	    'STARTTLS\r\n' @STARTTLS 'QUIT\r\n'
}

atf_test_case forged_verdict
forged_verdict_head() {
	atf_set descr "a compromised lookup naming a filter that is not the listener's: the listener stops rather than send that filter's reply"
	atf_set timeout 90
}
forged_verdict_body() {
	ph_setup
	ph_conf <<'CONF'
filter mine phase helo match !rdns reject "550 5.7.1 mine"
filter other phase helo match rdns reject "550 5.7.1 forged"
listen on 127.0.0.1 port 25 filter mine
CONF
	cp /dev/null $PH/out
	ph_start_hostile lookup:filter-foreign 1
	ph_wait_for "$GREETING 25" 10 || atf_fail "no greeting"
	$PY - > $PH/out 2>&1 <<'PY'
import socket
s = socket.create_connection(("127.0.0.1", 25), timeout=20)
f = s.makefile("rb")
print(f.readline().decode().rstrip())
s.sendall(b"HELO c.test\r\n")
try:
    print(f.readline().decode().rstrip() or "EOF")
except ConnectionError:
    print("EOF")
PY
	ph_wait_log 'MSG_LOOKUP_FILTER_RESULT from lookup: filter 1 is not the listener.s at phase helo'
	atf_check -o match:'^220 ' -o match:'^EOF$' cat $PH/out
	atf_check -s exit:1 grep -q 'forged' $PH/out
}

atf_test_case forged_request
forged_request_head() {
	atf_set descr "a compromised listener asking the lookup to run a filter its listener does not have stops the daemon, naming the message"
	atf_set timeout 60
}
forged_request_body() {
	ph_setup
	ph_conf <<'CONF'
filter mine phase helo match !rdns reject "550 5.7.1 mine"
listen on 127.0.0.1 port 25
CONF
	ph_start_hostile smtpd:filter-none
	ph_wait_log 'ipc: MSG_LOOKUP_FILTER from smtpd: phase 1 of listener 0 runs no filter'
	ph_wait_exit 20
}

atf_test_case no_filter
no_filter_head() {
	atf_set descr "a listener without filter: what the chain refuses on port 25 is accepted and delivered on port 2525, and no filter runs"
	atf_set timeout 90
}
no_filter_body() {
	flt_setup
	flt_talk --src 127.0.0.2 --port 2525 "HELO spammer.test" \
	    "MAIL FROM:<spam@bad.test>" "RCPT TO:<bob@localhost>" "DATA" \
	    "=Subject: fine" "=" "=hi" "." "QUIT"
	atf_check_equal "$(grep -Eo '^[0-9]{3}' $PH/out | tr '\n' ' ')" \
	    "220 250 250 250 354 250 221 "
	flt_delivered 1
	atf_check_equal "$(flt_count /home/bob/Maildir/new)" 1
	atf_check -s exit:1 grep -q 'event=filter' $PH_LOG
}

atf_init_test_cases() {
	atf_add_test_case connect_src
	atf_add_test_case helo_disconnect
	atf_add_test_case mail_rcpt_bypass
	atf_add_test_case commit_never_queued
	atf_add_test_case junk
	atf_add_test_case rewrite
	atf_add_test_case starttls
	atf_add_test_case forged_verdict
	atf_add_test_case forged_request
	atf_add_test_case no_filter
}
