# t_smtp_tx.sh - transactions through the real lookup and queue: what
# lands in the spool byte for byte, refusals, smuggling, BDAT, AUTH
# against a credentials table, and 500 sessions committing at once.
#
# These need the lookup's rules (MSG_LOOKUP_*) and the queue's side of the
# transaction (MSG_TX_*); until both are there, they are skipped.

. "$(atf_get_srcdir)/subr.sh"

RAW="$PY $PH_TOP/regress/tools/smtp_raw.py"
LOAD="$PY $PH_TOP/regress/tools/smtp_load.py"

# tx_start [CONF] - the daemon, a local user phuser, extra configuration
tx_start() {
	[ "$1" = lookup-only ] && set -- ""
	ph_setup
	useradd -m -s /bin/sh phuser 2>/dev/null
	ph_conf <<CONF
$1
listen on 127.0.0.1 port 25 hostname mx.test
action "local" mbox
match from any for local action "local"
CONF
	ph_start
	ph_wait_for "$GREETING 25" 5 || atf_fail "no greeting"
	# keep what is received in the spool, where the tests look at it
	$CTL pause mda >/dev/null || atf_fail "cannot pause deliveries"
}

# tx_count - messages in the spool
tx_count() {
	ph_spool_count
}

# tx_codes FILE - the reply codes of a transcript, space separated
tx_codes() {
	grep -E '^[0-9]{3} ' "$1" | cut -c1-3 | tr '\n' ' ' | sed 's/ $//'
}

# tx_msgid FILE - the message id of the last "250 2.0.0 <msgid>" in FILE
tx_msgid() {
	sed -n 's/^250 2\.0\.0 \([0-9a-f]\{8\}\) .*/\1/p' "$1" | tail -1
}

atf_test_case commit
commit_head() {
	atf_set descr "one message: 250 only after the commit, spooled byte for byte"
	atf_set timeout 60
}
commit_body() {
	tx_start
	$RAW 'EHLO c.test\r\n' 'MAIL FROM:<a@b.test>\r\n' \
	    'RCPT TO:<phuser@localhost>\r\n' 'DATA\r\n' \
	    'Subject: t\r\n\r\n..dot\r\nline\r\n.\r\n' 'QUIT\r\n' > out
	atf_check_equal "$(tx_codes out)" "220 250 250 250 354 250 221"
	id=$(tx_msgid out)
	[ -n "$id" ] || atf_fail "no message id in $(cat out)"
	f=$(ph_spool_msg $id)
	ph_wait_for "test -f $f" 5 || atf_fail "no $f"
	atf_check -o match:'^Received: from c.test \(localhost \[127.0.0.1\]\)$' head -1 $f
	atf_check -o match:"by mx.test \\(posthorn\\) with ESMTP id $id" cat $f
	printf 'Subject: t\n\n.dot\nline\n' > want
	sed '1,/^[^	R]/{/^Received:/d;/^	/d}' $f > got
	atf_check -o file:want cat got
	atf_check -o match:'event=tx-commit' cat $PH_LOG
}

atf_test_case refusals
refusals_head() {
	atf_set descr "no matching rule: 550 5.7.1; unknown user: 550 5.1.1; DATA without recipient: 554"
	atf_set timeout 60
}
refusals_body() {
	tx_start lookup-only
	atf_check -o inline:"220 250 250 550 554\n" $RAW --codes \
	    'EHLO c.test\r\n' 'MAIL FROM:<a@b.test>\r\n' \
	    'RCPT TO:<x@elsewhere.test>\r\n' 'DATA\r\n'
	atf_check -o match:'^550 5\.7\.1' $RAW 'EHLO c.test\r\n' \
	    'MAIL FROM:<a@b.test>\r\n' 'RCPT TO:<x@elsewhere.test>\r\n'
	atf_check -o match:'^550 5\.1\.1' $RAW 'EHLO c.test\r\n' \
	    'MAIL FROM:<a@b.test>\r\n' 'RCPT TO:<nosuchuser@localhost>\r\n'
	atf_check_equal "$(tx_count)" 0
}

atf_test_case dot_line_limit
dot_line_limit_head() {
	atf_set descr "text lines: 1000 octets with CRLF, the dot added for transparency not counted"
	atf_set timeout 60
}
dot_line_limit_body() {
	tx_start
	x997=$(printf '%0997d' 0 | tr 0 x)
	hdr='EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<phuser@localhost>\r\nDATA\r\n'
	# a 998-octet line that begins with a dot: 999 on the wire, accepted
	$RAW "$hdr" "Subject: dot\r\n\r\n..$x997\r\n.\r\n" 'QUIT\r\n' > out
	atf_check_equal "$(tx_codes out)" "220 250 250 250 354 250 221"
	f=$(ph_spool_msg $(tx_msgid out))
	ph_wait_for "test -f $f" 5 || atf_fail "no $f"
	atf_check -o inline:"1\n" grep -c "^\.$x997\$" $f
	# 999 octets of text before CRLF, with or without a dot: too long
	atf_check -o inline:"220 250 250 250 354 500 221\n" $RAW --codes \
	    "$hdr" "Subject: long\r\n\r\n...$x997\r\n.\r\n" 'QUIT\r\n'
	atf_check -o inline:"220 250 250 250 354 500 221\n" $RAW --codes \
	    "$hdr" "Subject: long\r\n\r\nxx$x997\r\n.\r\n" 'QUIT\r\n'
}

atf_test_case smuggling
smuggling_head() {
	atf_set descr "bare LF/CR endings with a second transaction behind: never two messages"
	atf_set timeout 120
}
smuggling_body() {
	tx_start
	hdr='EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<phuser@localhost>\r\nDATA\r\n'
	evil='MAIL FROM:<evil@b.test>\r\nRCPT TO:<phuser@localhost>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n'
	for e in '\n.\n' '\r.\n' '\n.\r\n' '\r\n.\r' '\r\n.\n'; do
		atf_check -o inline:"220 250 250 250 354 550 221\n" $RAW --codes \
		    "$hdr" "Subject: a\r\n\r\nfirst${e}${evil}" 'QUIT\r\n'
		atf_check -o inline:"220 250 250 250 354 550 221\n" $RAW --codes \
		    "$hdr" "Subject: a\r\n\r\nfirst" "$e" "${evil}" 'QUIT\r\n'
	done
	atf_check_equal "$(tx_count)" 0
	grep -rqs smuggled $PH_SPOOL/queue && atf_fail "a smuggled message"
	return 0
}

atf_test_case bdat
bdat_head() {
	atf_set descr "BDAT chunks with CRLF split across them are spooled as one message"
	atf_set timeout 60
}
bdat_body() {
	tx_start
	$RAW 'EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<phuser@localhost>\r\n' \
	    'BDAT 11\r\nSubject: b\r' 'BDAT 9 LAST\r\n\n\r\nbody\r\n' > out
	id=$(tx_msgid out)
	[ -n "$id" ] || atf_fail "no message id in $(cat out)"
	f=$(ph_spool_msg $id)
	ph_wait_for "test -f $f" 5 || atf_fail "no $f"
	atf_check -o match:'^body$' cat $f
}

atf_test_case concurrent
concurrent_head() {
	atf_set descr "500 concurrent sessions each commit one message"
	atf_set timeout 180
}
concurrent_body() {
	tx_start
	atf_check -o match:'^committed=500 refused=0$' $LOAD --port 25 \
	    --sessions 500 --commit --rcpt phuser@localhost
	atf_check_equal "$(tx_count)" 500
}

atf_test_case auth
auth_head() {
	atf_set descr "AUTH PLAIN and LOGIN against a credentials table, 535 after a delay, senders"
	atf_set timeout 90
}
auth_body() {
	ph_setup
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mx.test \
	    -keyout $PH/key.pem -out $PH/cert.pem -days 2 2>/dev/null
	echo "alice $($CTL encrypt secret)" > $PH/creds
	ph_conf <<CONF
table creds file:$PH/creds
table snd { alice = "alice@mx.test" }
pki mx.test cert "$PH/cert.pem"
pki mx.test key "$PH/key.pem"
listen on 127.0.0.1 port 587 tls-require pki mx.test auth <creds> senders <snd>
action "relay" relay
match from auth for any action "relay"
CONF
	ph_start
	ph_wait_for "$GREETING 587" 5 || atf_fail "no greeting"
	plain=$(printf '\0alice\0secret' | base64)
	bad=$(printf '\0alice\0wrong' | base64)
	atf_check -o inline:"220 250 220 250 235 250\n" $RAW --codes --port 587 \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    "AUTH PLAIN $plain\r\n" 'MAIL FROM:<alice@mx.test>\r\n'
	# senders: alice may not send as bob
	atf_check -o inline:"220 250 220 250 235 553\n" $RAW --codes --port 587 \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    "AUTH PLAIN $plain\r\n" 'MAIL FROM:<bob@mx.test>\r\n'
	atf_check -o inline:"220 250 220 250 334 334 235\n" $RAW --codes --port 587 \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    'AUTH LOGIN\r\n' "$(printf alice | base64)\r\n" \
	    "$(printf secret | base64)\r\n"
	start=$(date +%s)
	atf_check -o inline:"220 250 220 250 535 535\n" $RAW --codes --port 587 --quiet 4 \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    "AUTH PLAIN $bad\r\n" "AUTH PLAIN $bad\r\n"
	[ $(( $(date +%s) - start )) -ge 3 ] || atf_fail "535 came too fast"
	grep -q secret $PH_LOG && atf_fail "a password in the log"
	return 0
}

atf_init_test_cases() {
	atf_add_test_case commit
	atf_add_test_case refusals
	atf_add_test_case dot_line_limit
	atf_add_test_case smuggling
	atf_add_test_case bdat
	atf_add_test_case concurrent
	atf_add_test_case auth
}
