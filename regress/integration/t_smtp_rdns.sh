# t_smtp_rdns.sh - the listener's reverse DNS against regress/tools/dnsd.py
# on 127.0.0.1:53 (the nameserver of the test's private resolv.conf):
# only a forward-confirmed PTR name counts, `match from rdns [<table>]`
# matches it, the Received: header shows it, and a nameserver that never
# answers delays the greeting by SRV_RDNS_WAIT (2 s) at most.  Names are
# looked up as the system resolver does: /etc/hosts and DNS in the order
# of nsswitch.conf's hosts: line, with resolv.conf's timeout: and
# attempts: (the relay's lookups too).  Cases write /etc/hosts and
# nsswitch.conf in their private /etc overlay (ph_setup's are a stock
# `hosts: files dns` and localhost); unless a case says otherwise,
# 127.0.0.1 is not in /etc/hosts, so its name comes from DNS.

. "$(atf_get_srcdir)/subr.sh"

RAW="$PY $PH_TOP/regress/tools/smtp_raw.py"
PTR1='^1\.0\.0\.127\.in-addr\.arpa PTR$'

# rdns_etc FILE - replace /etc/FILE in the test's overlay with standard
# input (removed first: it may be a link to a file outside /etc)
rdns_etc() {
	rm -f /etc/$1
	cat > /etc/$1
	touch $PH/rdns-etc-$1
}

# rdns_start RULE [CONF [ACTION]] - nameserver, daemon, local user
# phuser (after ph_setup and ph_dns_zone): RULE leads to ACTION ("local",
# mbox, by default), CONF adds tables or actions; /etc/hosts without
# 127.0.0.1 unless the case wrote its own
rdns_start() {
	useradd -m -s /bin/sh phuser 2>/dev/null
	[ -f $PH/rdns-etc-hosts ] ||
	    printf '::1\tlocalhost ip6-localhost\n' | rdns_etc hosts
	ph_dns_start
	ph_conf <<CONF
$2
listen on 127.0.0.1 port 25 hostname mx.test
action "local" mbox
$1 action "${3:-local}"
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

# rdns_greet SRC - connect from address SRC; print the first line the
# server sends and the seconds it took, as "LINE|SECONDS"
rdns_greet() {
	$PY -c 'if True:
	    import socket, sys, time
	    t0 = time.monotonic()
	    s = socket.create_connection(("127.0.0.1", 25), timeout=15,
	                                 source_address=(sys.argv[1], 0))
	    f = s.makefile("rb")
	    line = f.readline().decode().rstrip()
	    print("%s|%.2f" % (line, time.monotonic() - t0))
	    s.sendall(b"QUIT\r\n")
	    f.readline()' "$1"
}

# rdns_took OUT MIN MAX - the greeting of rdns_greet output OUT is a 220
# that came after MIN seconds and before MAX
rdns_took() {
	echo "$1" | grep -q '^220 mx\.test ' || atf_fail "no greeting: $1"
	awk -v t="${1##*|}" -v lo="$2" -v hi="$3" \
	    'BEGIN { exit !(t >= lo && t <= hi) }' ||
	    atf_fail "greeting after ${1##*|} s, not within $2..$3 s"
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
	f=$(ph_spool_msg $id)
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
	atf_set descr "a nameserver that never answers holds the 220 for 2 s at most, rdns unknown; other clients are not held up"
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
	rdns_greet 127.0.0.1 > slow &
	slow=$!
	ph_wait_for "grep -q '$PTR1' $PH/dns.log" 10 ||
	    atf_fail "no PTR query for 127.0.0.1"
	# meanwhile a client from 127.0.0.2 is looked up and greeted
	rdns_took "$(rdns_greet 127.0.0.2)" 0 2
	rdns_logged 1 'event=rdns name=fast\.rdns\.test$'
	wait $slow
	# resolv.conf gives 5 s and 2 tries: the greeting's bound ran out
	rdns_took "$(cat slow)" 1.8 3.5
	rdns_logged 2 'event=rdns name=unknown reason=timeout$'
	atf_check -o inline:"220 250 250 550 221\n" $RAW --codes --quiet 5 \
	    'EHLO c.test\r\n' 'MAIL FROM:<a@b.test>\r\n' \
	    'RCPT TO:<phuser@localhost>\r\n' 'QUIT\r\n'
	rdns_logged 3 'event=rdns name=unknown reason=timeout$'
}

atf_test_case resolv_options
resolv_options_head() {
	atf_set descr "resolv.conf's 'options timeout:1 attempts:1': the PTR query is sent once and given up after 1 s, before the greeting's bound"
	atf_set timeout 90
}
resolv_options_body() {
	ph_setup
	echo "127.0.0.1 TIMEOUT" | ph_dns_zone
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' |
	    rdns_etc resolv.conf
	rdns_start "match from any for local"
	rdns_took "$(rdns_greet 127.0.0.1)" 0.8 1.9
	rdns_logged 1 'event=rdns name=unknown reason=tempfail$'
	atf_check -o inline:"1\n" grep -c "$PTR1" $PH/dns.log
}

atf_test_case hosts_file
hosts_file_head() {
	atf_set descr "a client whose address is in /etc/hosts gets that name, forward-confirmed there, without a query to the nameserver"
	atf_set timeout 90
}
hosts_file_body() {
	ph_setup
	ph_dns_zone <<ZONE
127.0.0.1 PTR dns.rdns.test
dns.rdns.test A 127.0.0.1
127.0.0.2 PTR two.rdns.test
two.rdns.test A 127.0.0.2
ZONE
	rdns_etc hosts <<HOSTS
# the client, with an alias; a later line for the address does not count
127.0.0.1	Client.Hosts.test client
127.0.0.1	later.hosts.test
::1		localhost
HOSTS
	echo "hosts: files dns" | rdns_etc nsswitch.conf
	rdns_start "match from rdns <names> for local" \
	    "table names { client.hosts.test }"
	rdns_rcpt "220 250 250 250 221"
	rdns_logged 1 'event=rdns name=Client\.Hosts\.test$'
	# a client that /etc/hosts does not name is looked up in DNS, so
	# the nameserver's log shows what was asked
	rdns_took "$(rdns_greet 127.0.0.2)" 0 2
	rdns_logged 2 'event=rdns name=two\.rdns\.test$'
	atf_check -o match:'^2\.0\.0\.127\.in-addr\.arpa PTR$' \
	    -o match:'^two\.rdns\.test A$' cat $PH/dns.log
	atf_check -s exit:1 grep -E "$PTR1|hosts\.test" $PH/dns.log
}

atf_test_case dns_first
dns_first_head() {
	atf_set descr "'hosts: dns files' asks the nameserver first; /etc/hosts names what DNS does not know"
	atf_set timeout 90
}
dns_first_body() {
	ph_setup
	ph_dns_zone <<ZONE
127.0.0.1 PTR dns.rdns.test
dns.rdns.test A 127.0.0.1
ZONE
	printf '127.0.0.1 files.hosts.test\n' | rdns_etc hosts
	echo "hosts: dns files" | rdns_etc nsswitch.conf
	rdns_start "match from rdns for local"
	rdns_rcpt "220 250 250 250 221"
	rdns_logged 1 'event=rdns name=dns\.rdns\.test$'
	# no PTR record any more: DNS is asked, then /etc/hosts answers,
	# for the PTR name as for its address
	echo "other.rdns.test A 127.0.0.1" | ph_dns_zone
	rdns_rcpt "220 250 250 250 221"
	rdns_logged 2 'event=rdns name=files\.hosts\.test$'
	atf_check -o inline:"2\n" grep -c "$PTR1" $PH/dns.log
	atf_check -o match:'^files\.hosts\.test A$' cat $PH/dns.log
}

atf_test_case relay_hosts_file
relay_hosts_file_head() {
	atf_set descr "the relay finds a smarthost named in /etc/hosts there, not in DNS"
	atf_set timeout 90
}
relay_hosts_file_body() {
	ph_setup
	# DNS would send the mail where nothing listens
	echo "smart.hosts.test A 127.0.0.4" | ph_dns_zone
	printf '127.0.0.1 client.hosts.test\n127.0.0.3 smart.hosts.test\n' |
	    rdns_etc hosts
	mkdir -p $PH/sink
	$PY $PH_TOP/regress/tools/sinkd.py --dir $PH/sink \
	    --listen 127.0.0.3:2526 > $PH/sink.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink.out" 10 ||
	    atf_fail "the sink did not start: $(cat $PH/sink.out)"
	rdns_start "match from rdns for domain far.test" \
	    'action "smart" relay host smtp://smart.hosts.test:2526' smart
	atf_check -o match:'^250 2\.0\.0 ' $RAW 'EHLO c.test\r\n' \
	    'MAIL FROM:<a@b.test>\r\n' 'RCPT TO:<bob@far.test>\r\n' \
	    'DATA\r\n' 'Subject: t\r\n\r\nbody\r\n.\r\n' 'QUIT\r\n'
	ph_wait_for "test -f $PH/sink/1.env" 20 ||
	    atf_fail "the smarthost got nothing: $(cat $PH_LOG)"
	atf_check -o match:'^rcpt <bob@far\.test>' cat $PH/sink/1.env
	atf_check -s exit:1 grep 'hosts\.test' $PH/dns.log
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
	# each was dropped, lookup and all, when its client left
	ph_wait_for "test \$(grep -c event=disconnect $PH_LOG) -ge 5" 10 ||
	    atf_fail "sessions left open: $(cat $PH_LOG)"
	atf_check -s exit:1 grep 'event=rdns' $PH_LOG
	ph_dns_zone <<ZONE
127.0.0.1 PTR back.rdns.test
back.rdns.test A 127.0.0.1
ZONE
	rdns_rcpt "220 250 250 250 221"
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
	atf_add_test_case resolv_options
	atf_add_test_case hosts_file
	atf_add_test_case dns_first
	atf_add_test_case relay_hosts_file
	atf_add_test_case early_close
}
