# t_smtp_rdns.sh - the listener's reverse DNS against regress/tools/dnsd.py
# on 127.0.0.1:53 (the nameserver of the test's private resolv.conf):
# only a forward-confirmed PTR name counts, `match from rdns [<table>]`
# matches it, the Received: header shows it, and a nameserver that never
# answers delays the greeting by a few seconds at most.

. "$(atf_get_srcdir)/subr.sh"

RAW="$PY $PH_TOP/regress/tools/smtp_raw.py"

# rdns_start RULE [TABLE] - nameserver, daemon, local user phuser
# (after ph_setup and ph_dns_zone)
rdns_start() {
	useradd -m -s /bin/sh phuser 2>/dev/null
	ph_dns_start
	ph_conf <<CONF
$2
listen on 127.0.0.1 port 25 hostname mx.test
action "local" mbox
$1 action "local"
CONF
	ph_start
	$CTL pause mda >/dev/null || atf_fail "cannot pause deliveries"
}

# rdns_rcpt CODES - one transaction up to RCPT gets these reply codes
rdns_rcpt() {
	atf_check_equal "$($RAW --codes 'EHLO c.test\r\n' \
	    'MAIL FROM:<a@b.test>\r\n' 'RCPT TO:<phuser@localhost>\r\n' \
	    'QUIT\r\n')" "$1"
}

# rdns_logged N REGEX - the Nth event=rdns line of the log matches REGEX
rdns_logged() {
	ph_wait_for "test \$(grep -c 'event=rdns' $PH_LOG) -ge $1" 10 ||
	    atf_fail "no event=rdns number $1 in $(cat $PH_LOG)"
	grep 'event=rdns' $PH_LOG | sed -n "${1}p" | grep -Eq -- "$2" ||
	    atf_fail "event=rdns number $1 does not match $2: $(cat $PH_LOG)"
}

# rdns_codes FILE - the reply codes of a transcript, space separated
rdns_codes() {
	grep -E '^[0-9]{3} ' "$1" | cut -c1-3 | tr '\n' ' ' | sed 's/ $//'
}

atf_test_case confirmed
confirmed_head() {
	atf_set descr "a PTR name whose A record is the client matches 'from rdns' and shows in Received:"
	atf_set timeout 90
}
confirmed_body() {
	ph_setup
	ph_dns_zone <<ZONE
127.0.0.1 PTR Client-1.rdns.test.
client-1.rdns.test A 192.0.2.1
client-1.rdns.test A 127.0.0.1
ZONE
	rdns_start "match from rdns for local"
	$RAW 'EHLO c.test\r\n' 'MAIL FROM:<a@b.test>\r\n' \
	    'RCPT TO:<phuser@localhost>\r\n' 'DATA\r\n' \
	    'Subject: t\r\n\r\nbody\r\n.\r\n' 'QUIT\r\n' > out
	atf_check_equal "$(rdns_codes out)" "220 250 250 250 354 250 221"
	id=$(sed -n 's/^250 2\.0\.0 \([0-9a-f]\{8\}\) .*/\1/p' out | tail -1)
	f=$PH_SPOOL/queue/$id/message
	ph_wait_for "test -f $f" 5 || atf_fail "no message $id"
	atf_check -o inline:"Received: from c.test (Client-1.rdns.test [127.0.0.1])\n" \
	    head -1 $f
	rdns_logged 1 'event=rdns name=Client-1\.rdns\.test$'
	atf_check -o match:'^1\.0\.0\.127\.in-addr\.arpa PTR$' cat $PH/dns.log
	atf_check -o match:'^client-1\.rdns\.test A$' cat $PH/dns.log
}

atf_test_case not_confirmed
not_confirmed_head() {
	atf_set descr "a PTR name without the client's address, no PTR, SERVFAIL: rdns unknown, 550 5.7.1"
	atf_set timeout 90
}
not_confirmed_body() {
	ph_setup
	ph_dns_zone <<ZONE
127.0.0.1 PTR liar.rdns.test
liar.rdns.test A 192.0.2.1
liar.rdns.test AAAA ::1
ZONE
	rdns_start "match from rdns for local"
	rdns_rcpt "220 250 250 550 221"
	rdns_logged 1 'event=rdns name=unknown reason=not-confirmed'
	# a PTR name that does not exist
	ph_dns_zone <<ZONE
127.0.0.1 PTR ghost.rdns.test
ZONE
	atf_check -o match:'^550 5\.7\.1' $RAW 'EHLO c.test\r\n' \
	    'MAIL FROM:<a@b.test>\r\n' 'RCPT TO:<phuser@localhost>\r\n'
	rdns_logged 2 'event=rdns name=unknown reason=not-confirmed'
	# no PTR record at all
	echo "other.rdns.test A 127.0.0.1" | ph_dns_zone
	rdns_rcpt "220 250 250 550 221"
	rdns_logged 3 'event=rdns name=unknown reason=no-ptr'
	# the nameserver fails
	echo "127.0.0.1 SERVFAIL" | ph_dns_zone
	rdns_rcpt "220 250 250 550 221"
	rdns_logged 4 'event=rdns name=unknown reason=tempfail'
}

atf_test_case table
table_head() {
	atf_set descr "'from rdns <table>' matches only the confirmed names in the table"
	atf_set timeout 90
}
table_body() {
	ph_setup
	ph_dns_zone <<ZONE
127.0.0.1 PTR other.rdns.test
other.rdns.test A 127.0.0.1
good.rdns.test A 127.0.0.1
ZONE
	rdns_start "match from rdns <names> for local" \
	    "table names { good.rdns.test, another.rdns.test }"
	rdns_rcpt "220 250 250 550 221"
	rdns_logged 1 'name=other\.rdns\.test$'
	echo "127.0.0.1 PTR good.rdns.test" >> $PH/dns.zone
	sed -i '/PTR other/d' $PH/dns.zone
	rdns_rcpt "220 250 250 250 221"
	rdns_logged 2 'name=good\.rdns\.test$'
}

atf_test_case timeout
timeout_head() {
	atf_set descr "a nameserver that never answers delays the greeting 5 s at most, rdns unknown; other clients are not held up"
	atf_set timeout 90
}
timeout_body() {
	ph_setup
	ph_dns_zone <<ZONE
127.0.0.1 TIMEOUT
127.0.0.2 PTR fast.rdns.test
fast.rdns.test A 127.0.0.2
ZONE
	rdns_start "match from rdns for local"
	t0=$(date +%s)
	$RAW --quiet 10 'EHLO c.test\r\n' 'MAIL FROM:<a@b.test>\r\n' \
	    'RCPT TO:<phuser@localhost>\r\n' 'QUIT\r\n' > out &
	raw=$!
	sleep 1
	# meanwhile a client from 127.0.0.2 is greeted at once
	atf_check -o match:'^220 mx\.test ' $PY -c 'if True:
	    import socket
	    s = socket.create_connection(("127.0.0.1", 25), timeout=2,
	                                 source_address=("127.0.0.2", 0))
	    print(s.makefile("rb").readline().decode().rstrip())'
	rdns_logged 1 'event=rdns name=fast\.rdns\.test$'
	wait $raw
	t1=$(date +%s)
	atf_check_equal "$(rdns_codes out)" "220 250 250 550 221"
	[ $((t1 - t0)) -ge 4 ] || atf_fail "no wait for DNS: $((t1 - t0)) s"
	[ $((t1 - t0)) -le 8 ] || atf_fail "the session took $((t1 - t0)) s"
	rdns_logged 2 'event=rdns name=unknown reason=(timeout|tempfail)'
}

atf_test_case early_close
early_close_head() {
	atf_set descr "a client that leaves while its lookup runs: the daemon goes on"
	atf_set timeout 90
}
early_close_body() {
	ph_setup
	echo "127.0.0.1 TIMEOUT" | ph_dns_zone
	rdns_start "match from any for local"
	for i in 1 2 3 4 5; do
		$PY -c 'import socket; socket.create_connection(("127.0.0.1", 25)).close()'
	done
	sleep 1
	ph_dns_zone <<ZONE
127.0.0.1 PTR back.rdns.test
back.rdns.test A 127.0.0.1
ZONE
	rdns_rcpt "220 250 250 250 221"
	# the lookups of the clients that left were dropped with them
	rdns_logged 1 'name=back\.rdns\.test$'
	atf_check -o inline:"1\n" grep -c 'event=rdns' $PH_LOG
	ph_wait_for "test \$(grep -c event=disconnect $PH_LOG) -ge 6" 5 ||
	    atf_fail "sessions left open: $(cat $PH_LOG)"
	kill -0 "$(cat $PH/daemon.pid)" || atf_fail "the daemon died"
}

atf_init_test_cases() {
	atf_add_test_case confirmed
	atf_add_test_case not_confirmed
	atf_add_test_case table
	atf_add_test_case timeout
	atf_add_test_case early_close
}
