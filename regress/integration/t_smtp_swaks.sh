# t_smtp_swaks.sh - the listener as an independent client sees it:
# swaks submits in the clear, pipelined, after STARTTLS (TLS 1.2 and
# 1.3) and over smtps, authenticates with PLAIN and LOGIN inside TLS
# against a table made by `smtpctl encrypt`, and meets tls-require and
# max-message-size.  What is accepted is compared byte for byte with
# `smtpctl show message`.
#
# BDAT is not covered here: swaks 20201014 (Debian 12) has no option to
# send CHUNKING; t_smtp_tx.sh covers it with its own client.

. "$(atf_get_srcdir)/subr.sh"

RAW="$PY $PH_TOP/regress/tools/smtp_raw.py"
SWAKS="swaks --server 127.0.0.1 --helo c.test --from a@b.test --timeout 10"

# sw_start - the daemon with a listener per case; deliveries paused so
# that what is accepted stays in the spool
sw_start() {
	ph_setup
	useradd -m -s /bin/sh phuser 2>/dev/null
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mx.test \
	    -keyout $PH/key.pem -out $PH/cert.pem -days 2 2>/dev/null
	echo "alice $($CTL encrypt secret)" > $PH/creds
	ph_conf <<CONF
table creds file:$PH/creds
pki mx.test cert "$PH/cert.pem"
pki mx.test key "$PH/key.pem"
smtp max-message-size 8K
listen on 127.0.0.1 port 25 tls pki mx.test hostname mx.test
listen on 127.0.0.1 port 465 smtps pki mx.test hostname mx.test
listen on 127.0.0.1 port 587 tls-require pki mx.test auth <creds> hostname mx.test
listen on 127.0.0.1 port 2525 tls-require pki mx.test hostname mx.test
action "local" mbox
match from any for local action "local"
match from auth for any action "local"
CONF
	ph_start
	ph_wait_for "$GREETING 25" 5 || atf_fail "no greeting"
	$CTL pause mda >/dev/null || atf_fail "cannot pause deliveries"
}

# sw_data - the message every case sends: a dot line, an empty line,
# a long line.  swaks ends DATA with CRLF.CRLF after what it is given,
# so its file holds this without the last newline.
sw_data() {
	printf 'From: a@b.test\nTo: phuser@localhost\nSubject: swaks\n\n'
	printf 'first line\n.a line that starts with a dot\n..two dots\n\n'
	printf '%0998d\n' 0
	printf 'last line\n'
}

# sw_msgid FILE - the message id of swaks' "250 2.0.0 <msgid>" in FILE
sw_msgid() {
	sed -n 's/^<[-~]  250 2\.0\.0 \([0-9a-f]\{8\}\) .*/\1/p' "$1" | tail -1
}

# sw_spooled FILE WITH - the message accepted in swaks' transcript FILE
# is in the spool as sent, behind our one Received: header that names
# the protocol WITH (ESMTP, ESMTPS, ESMTPSA)
sw_spooled() {
	id=$(sw_msgid "$1")
	[ -n "$id" ] || atf_fail "no message id in $(cat "$1")"
	atf_check -o save:msg $CTL show message $id
	atf_check -o match:'^Received: from c\.test \(localhost \[127\.0\.0\.1\]\)$' \
	    head -1 msg
	atf_check -o match:"by mx\\.test \\(posthorn\\) with $2 id $id\$" \
	    cat msg
	sed '1,/^[^	R]/{/^Received:/d;/^	/d}' msg > got
	sw_data > want
	atf_check -o file:want cat got
}

atf_test_case plain
plain_head() {
	atf_set descr "swaks in the clear: 250, and the message spooled byte for byte"
	atf_set timeout 60
}
plain_body() {
	sw_start
	printf %s "$(sw_data)" > data
	atf_check -o save:out $SWAKS --port 25 --to phuser@localhost \
	    --data @data
	atf_check -o match:'^<-  250[- ]PIPELINING' cat out
	sw_spooled out ESMTP
}

atf_test_case pipeline
pipeline_head() {
	atf_set descr "swaks --pipeline: MAIL, RCPT and DATA in one write"
	atf_set timeout 60
}
pipeline_body() {
	sw_start
	printf %s "$(sw_data)" > data
	atf_check -o save:out $SWAKS --port 25 --pipeline \
	    --to phuser@localhost --data @data
	# MAIL, RCPT and DATA left together, before any reply came back
	printf ' -> %s\n' 'MAIL FROM:<a@b.test>' 'RCPT TO:<phuser@localhost>' \
	    DATA > sent
	atf_check -o file:sent grep -A2 '^ -> MAIL' out
	sw_spooled out ESMTP
	# a refused recipient in the pipeline does not stop the others
	atf_check -s exit:0 -o save:out2 $SWAKS --port 25 --pipeline \
	    --to nosuchuser@localhost,phuser@localhost --data @data
	atf_check -o match:'^<\*\* 550 5\.1\.1' cat out2
	sw_spooled out2 ESMTP
}

atf_test_case starttls
starttls_head() {
	atf_set descr "swaks --tls: STARTTLS with TLS 1.3 and TLS 1.2, the message spooled"
	atf_set timeout 60
}
starttls_body() {
	sw_start
	printf %s "$(sw_data)" > data
	atf_check -o save:out $SWAKS --port 25 --tls --to phuser@localhost \
	    --data @data
	atf_check -o match:'^=== TLS started with cipher TLSv1\.3' cat out
	sw_spooled out ESMTPS
	atf_check -o save:out12 $SWAKS --port 25 --tls \
	    --tls-protocol tlsv1_2 --to phuser@localhost --data @data
	atf_check -o match:'^=== TLS started with cipher TLSv1\.2' cat out12
	sw_spooled out12 ESMTPS
	atf_check -o match:'event=tls version=TLSv1\.2' cat $PH_LOG
	# older than the listener allows: no session
	atf_check -s exit:29 -o ignore -e match:"TLS startup failed" \
	    $SWAKS --port 25 --tls --tls-protocol tlsv1_1 \
	    --to phuser@localhost --data @data
}

atf_test_case smtps
smtps_head() {
	atf_set descr "swaks --tlsc: smtps from the first byte, the message spooled"
	atf_set timeout 60
}
smtps_body() {
	sw_start
	printf %s "$(sw_data)" > data
	atf_check -o save:out $SWAKS --port 465 --tlsc --to phuser@localhost \
	    --data @data
	atf_check -o match:'^=== TLS started with cipher' cat out
	atf_check -o not-match:'STARTTLS' cat out
	sw_spooled out ESMTPS
}

atf_test_case auth
auth_head() {
	atf_set descr "AUTH PLAIN and LOGIN inside TLS against an smtpctl encrypt table: 235, 535"
	atf_set timeout 90
}
auth_body() {
	sw_start
	printf %s "$(sw_data)" > data
	for m in PLAIN LOGIN; do
		atf_check -o save:out $SWAKS --port 587 --tls --auth $m \
		    --auth-user alice --auth-password secret \
		    --to phuser@localhost --data @data
		atf_check -o match:'^<~  235 ' cat out
		sw_spooled out ESMTPSA
		atf_check -s exit:28 -o save:bad \
		    -e match:'No authentication type succeeded' \
		    $SWAKS --port 587 --tls --auth $m --auth-user alice \
		    --auth-password wrong --to phuser@localhost --data @data
		atf_check -o match:'^<~\* 535 5\.7\.8' cat bad
	done
	grep -q secret $PH_LOG && atf_fail "a password in the log"
	return 0
}

atf_test_case auth_before_tls
auth_before_tls_head() {
	atf_set descr "before STARTTLS AUTH is neither offered nor accepted"
	atf_set timeout 60
}
auth_before_tls_body() {
	sw_start
	printf %s "$(sw_data)" > data
	# swaks gives up: the server offers no AUTH in the clear
	atf_check -s exit:28 -o save:out \
	    -e match:'did not advertise authentication' $SWAKS --port 587 \
	    --auth PLAIN --auth-user alice --auth-password secret \
	    --to phuser@localhost --data @data
	atf_check -o not-match:'^<-  250[- ]AUTH' cat out
	atf_check -o not-match:'^ -> AUTH' cat out
	# and a client that sends it anyway is refused
	plain=$(printf '\0alice\0secret' | base64)
	atf_check -o inline:"220 250 503\n" $RAW --codes --port 587 \
	    'EHLO c.test\r\n' "AUTH PLAIN $plain\r\n"
}

atf_test_case tls_require
tls_require_head() {
	atf_set descr "tls-require: 530 before STARTTLS, the message accepted after it"
	atf_set timeout 60
}
tls_require_body() {
	sw_start
	printf %s "$(sw_data)" > data
	atf_check -s exit:23 -o save:out $SWAKS --port 2525 \
	    --to phuser@localhost --data @data
	atf_check -o match:'^<\*\* 530 5\.7\.0' cat out
	atf_check -o save:tls $SWAKS --port 2525 --tls --to phuser@localhost \
	    --data @data
	sw_spooled tls ESMTPS
}

atf_test_case size
size_head() {
	atf_set descr "a message over max-message-size: 552 after the final dot, nothing spooled"
	atf_set timeout 60
}
size_body() {
	sw_start
	printf %s "$(sw_data)" > data
	atf_check -o match:'^<-  250[- ]SIZE 8192$' $SWAKS --port 25 \
	    --quit-after EHLO
	# a message under the limit is accepted
	atf_check -o save:ok $SWAKS --port 25 --to phuser@localhost \
	    --data @data
	sw_spooled ok ESMTP
	pad=$(printf '%0900d' 0)
	h=""
	for i in 1 2 3 4 5 6 7 8; do
		h="$h --add-header X-Pad-$i:$pad"
	done
	# shellcheck disable=SC2086
	atf_check -s exit:26 -o save:out $SWAKS --port 25 \
	    --to phuser@localhost --data @data $h
	atf_check -o match:'^<\*\* 552 ' cat out
	[ "$($CTL show queue | grep -c '^[0-9a-f]\{16\}|')" -eq 1 ] ||
	    atf_fail "the refused message was queued: $($CTL show queue)"
}

atf_init_test_cases() {
	atf_add_test_case plain
	atf_add_test_case pipeline
	atf_add_test_case starttls
	atf_add_test_case smtps
	atf_add_test_case auth
	atf_add_test_case auth_before_tls
	atf_add_test_case tls_require
	atf_add_test_case size
}
