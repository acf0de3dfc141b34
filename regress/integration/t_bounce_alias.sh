# t_bounce_alias.sh - delivery status notices to local senders go through
# the same expansion as a RCPT to that address: aliases (root and
# postmaster), and an unknown sender's notice goes to the postmaster
# once and never loops.  Mail to the domain fail.test is delivered by an
# mda that exits 1 (as the account phfail), so it fails at once and
# produces the notice.

. "$(atf_get_srcdir)/subr.sh"

SEND="$PY $PH_TOP/regress/tools/smtpsend.py"

# b_setup ALIASES USER... - namespaces, the aliases file, the accounts
b_setup() {
	ph_setup
	printf '%b' "$1" > $PH/aliases
	shift
	for _u in phfail "$@"; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
	ph_conf <<CONF
listen on 127.0.0.1 port 25
table aliases file:$PH/aliases
action "fail" mda "exit 1" user "phfail"
action "md" maildir alias <aliases>
action "out" relay
match from local for domain "fail.test" action "fail"
match from local for local action "md"
match from local for any action "out"
CONF
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
}

# b_send FROM - one message from FROM to x@fail.test, accepted
b_send() {
	$SEND --from "$1" --to x@fail.test --tag bnc > $PH/send.out 2>&1
	grep -q '^sent=1 ok=1 ' $PH/send.out ||
	    { cat $PH/send.out $PH_LOG; atf_fail "not accepted"; }
}

# b_count USER - messages in USER's Maildir/new
b_count() {
	ls /home/$1/Maildir/new 2>/dev/null | wc -l
}

# b_wait_mail USER N - wait until USER has N messages
b_wait_mail() {
	ph_wait_for "[ \$(b_count $1) -ge $2 ]" 30 ||
	    { cat $PH_LOG; atf_fail "no $2 message(s) for $1"; }
}

# b_wait_empty - wait until the queue holds no envelope
b_wait_empty() {
	ph_wait_for "[ -z \"\$($CTL show queue | grep '^[0-9a-f]\{16\}|')\" ]" \
	    30 || { $CTL show queue; cat $PH_LOG; atf_fail "queue not empty"; }
}

atf_test_case notice_to_root
notice_to_root_head() {
	atf_set descr "a notice to root@localhost follows 'root: alice' in the aliases"
	atf_set timeout 90
}
notice_to_root_body() {
	b_setup 'root: alice\n' alice
	b_send root@localhost
	b_wait_mail alice 1
	f=$(ls /home/alice/Maildir/new/*)
	atf_check -o match:'^From: Mail Delivery System <MAILER-DAEMON@' \
	    -o match:'^To: <root@localhost>' \
	    -o match:'^Final-Recipient: rfc822; x@fail.test' \
	    -o match:'^Subject: smtpsend 1' cat "$f"
	atf_check -o match:'queue event=expanded rcpt=<root@localhost> results=1' \
	    cat $PH_LOG
	b_wait_empty
	atf_check_equal "$(b_count alice)" 1
	[ ! -e /root/Maildir ] || atf_fail "delivered as root"
}

atf_test_case notice_to_postmaster
notice_to_postmaster_head() {
	atf_set descr "a notice to postmaster follows 'postmaster: root', 'root: bob'"
	atf_set timeout 90
}
notice_to_postmaster_body() {
	b_setup 'postmaster: root\nroot: bob\n' bob
	b_send postmaster@localhost
	b_wait_mail bob 1
	atf_check -o match:'^To: <postmaster@localhost>' \
	    cat /home/bob/Maildir/new/*
	b_wait_empty
	atf_check_equal "$(b_count bob)" 1
}

atf_test_case notice_unknown_sender
notice_unknown_sender_head() {
	atf_set descr "a notice to an unknown local sender goes to the postmaster once"
	atf_set timeout 90
}
notice_unknown_sender_body() {
	b_setup 'postmaster: bob\n' bob
	b_send nosuchuser@localhost
	b_wait_mail bob 1
	f=$(ls /home/bob/Maildir/new/*)
	# the postmaster's notice is about the failed notice
	atf_check -o match:'^To: <postmaster>' \
	    -o match:'^Final-Recipient: rfc822; nosuchuser@localhost' \
	    -o match:'5\.1\.1' cat "$f"
	# the queue is empty: every notice of the chain has been written
	b_wait_empty
	atf_check_equal "$(b_count bob)" 1
	atf_check_equal "$(grep -c 'queue event=bounce kind=failed' $PH_LOG)" 2
}

atf_test_case notice_no_loop
notice_no_loop_head() {
	atf_set descr "when the postmaster cannot be expanded either, the notice is dropped: no loop"
	atf_set timeout 90
}
notice_no_loop_body() {
	b_setup 'abuse: root\n' bob
	b_send nosuchuser@localhost
	ph_wait_for "grep -q 'queue event=bounce-discarded to=<postmaster>' $PH_LOG" \
	    30 || { cat $PH_LOG; atf_fail "the last notice was not discarded"; }
	b_wait_empty
	# the sender's notice and the postmaster's, then nothing
	atf_check_equal "$(grep -c 'queue event=bounce kind=failed' $PH_LOG)" 2
	atf_check -o match:'lookup event=notice rcpt=<postmaster> result=550' \
	    cat $PH_LOG
	atf_check_equal "$(b_count bob)" 0
}

# b_conf_domains - a site with domain rules only: the senders' notices
# match no "for local" rule
b_conf_domains() {
	ph_conf <<CONF
listen on 127.0.0.1 port 25
table aliases file:$PH/aliases
action "fail" mda "exit 1" user "phfail"
action "local" maildir alias <aliases>
match from any for domain "fail.test" action "fail"
match from any for domain "example.org" action "local"
match from local for local action "local"
CONF
}

atf_test_case notice_domain_rule
notice_domain_rule_head() {
	atf_set descr "a notice to a sender whose domain a 'for domain' rule routes is delivered by that rule"
	atf_set timeout 90
}
notice_domain_rule_body() {
	ph_setup
	: > $PH/aliases
	useradd -m -s /bin/sh phfail
	useradd -m -s /bin/sh alice
	b_conf_domains
	ph_start
	b_send alice@example.org
	b_wait_mail alice 1
	atf_check -o match:'^To: <alice@example.org>' \
	    -o match:'^Final-Recipient: rfc822; x@fail.test' \
	    cat /home/alice/Maildir/new/*
	b_wait_empty
	atf_check -s exit:1 grep -q 'bounce-dropped' $PH_LOG
}

atf_test_case notice_no_rule
notice_no_rule_head() {
	atf_set descr "a notice that no rule accepts goes to the postmaster, with the reason"
	atf_set timeout 90
}
notice_no_rule_body() {
	ph_setup
	printf 'postmaster: bob\n' > $PH/aliases
	useradd -m -s /bin/sh phfail
	useradd -m -s /bin/sh bob
	b_conf_domains
	ph_start
	b_send carol@elsewhere.test
	b_wait_mail bob 1
	atf_check -o match:'^To: <postmaster>' \
	    -o match:'^Final-Recipient: rfc822; carol@elsewhere.test' \
	    -o match:'No rule accepts the notice' cat /home/bob/Maildir/new/*
	atf_check -o match:'lookup event=notice rcpt=<carol@elsewhere.test> result=550 rule=none' \
	    cat $PH_LOG
	b_wait_empty
	atf_check_equal "$(b_count bob)" 1
}

atf_init_test_cases() {
	atf_add_test_case notice_domain_rule
	atf_add_test_case notice_no_rule
	atf_add_test_case notice_to_root
	atf_add_test_case notice_to_postmaster
	atf_add_test_case notice_unknown_sender
	atf_add_test_case notice_no_loop
}
