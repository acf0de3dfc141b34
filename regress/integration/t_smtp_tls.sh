# t_smtp_tls.sh - the listener's TLS: STARTTLS, smtps, SNI among two
# pki, tls-require, client certificates with verify, AUTH offered only
# inside TLS, plaintext pipelined behind STARTTLS never executed, and
# the memory of idle TLS sessions.

. "$(atf_get_srcdir)/subr.sh"

RAW="$PY $PH_TOP/regress/tools/smtp_raw.py"
IDLE="$PY $PH_TOP/regress/tools/tls_idle.py"

# after_tls ARGS - smtp_raw.py's transcript from behind the TLS handshake
after_tls() {
	$RAW "$@" | sed '1,/Ready to start TLS/d'
}

# tls_certs - a CA, server certificates for mx1.test and mx2.test and
# a client certificate, all made now
tls_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test-ca \
	    -keyout $PH/ca.key -out $PH/ca.crt -days 2 2>/dev/null
	for n in mx1.test mx2.test client.test; do
		openssl req -newkey rsa:2048 -nodes -subj /CN=$n \
		    -keyout $PH/$n.key -out $PH/$n.csr 2>/dev/null
		openssl x509 -req -in $PH/$n.csr -CA $PH/ca.crt \
		    -CAkey $PH/ca.key -CAcreateserial -days 2 \
		    -out $PH/$n.crt 2>/dev/null
	done
	[ -s $PH/client.test.crt ] || atf_fail "no certificates"
}

# tls_start [CONF] - the daemon with every TLS listener and extra
# configuration
tls_start() {
	ph_setup
	tls_certs
	ph_conf <<CONF
$1
pki mx1.test cert "$PH/mx1.test.crt"
pki mx1.test key "$PH/mx1.test.key"
pki mx2.test cert "$PH/mx2.test.crt"
pki mx2.test key "$PH/mx2.test.key"
ca testca cert "$PH/ca.crt"
listen on 127.0.0.1 port 25 tls pki mx1.test pki mx2.test hostname mx1.test
listen on 127.0.0.1 port 465 smtps pki mx1.test hostname mx1.test
listen on 127.0.0.1 port 587 tls-require pki mx1.test auth hostname mx1.test
listen on 127.0.0.1 port 2525 tls-require verify pki mx1.test ca testca
action "local" maildir
match from any for local action "local"
CONF
	ph_start
	ph_wait_for "$GREETING 25" 5 ||
	    atf_fail "no greeting"
}

atf_test_case starttls
starttls_head() {
	atf_set descr "STARTTLS: offered before TLS only; a fresh EHLO inside"
	atf_set timeout 60
}
starttls_body() {
	tls_start
	atf_check -o inline:"220 250 220 250 221\n" $RAW --codes \
	    'EHLO c.test\r\n' 'STARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    'QUIT\r\n'
	atf_check -o match:'^250[- ]STARTTLS' $RAW 'EHLO c.test\r\n'
	after_tls 'EHLO c.test\r\n' 'STARTTLS\r\n' @STARTTLS \
	    'EHLO c.test\r\n' > out
	atf_check -o not-match:'STARTTLS' -o match:'^250 ' cat out
	# inside TLS, the state before is forgotten: MAIL needs a new EHLO
	atf_check -o inline:"220 250 220 503\n" $RAW --codes \
	    'EHLO c.test\r\n' 'STARTTLS\r\n' @STARTTLS \
	    'MAIL FROM:<a@b.test>\r\n'
}

atf_test_case starttls_pipelined
starttls_pipelined_head() {
	atf_set descr "plaintext after STARTTLS in the same write is discarded"
	atf_set timeout 60
}
starttls_pipelined_body() {
	tls_start
	# RSET and HELP ride behind STARTTLS; only NOOP (inside TLS) answers
	atf_check -o inline:"220 250 220 250\n" $RAW --codes \
	    'EHLO c.test\r\nSTARTTLS\r\nRSET\r\nHELP\r\n' @STARTTLS 'NOOP\r\n'
	atf_check -o inline:"220 220 250\n" $RAW --codes \
	    'STARTTLS\r\nRSET\r\n' @STARTTLS 'NOOP\r\n'
}

atf_test_case smtps
smtps_head() {
	atf_set descr "smtps: TLS from the first byte, no STARTTLS offered"
	atf_set timeout 60
}
smtps_body() {
	tls_start
	atf_check -o inline:"220 250 221\n" $RAW --codes --smtps --port 465 \
	    'EHLO c.test\r\n' 'QUIT\r\n'
	atf_check -o not-match:'STARTTLS' $RAW --smtps --port 465 \
	    'EHLO c.test\r\n'
	# a plaintext client on the smtps port gets no SMTP at all
	atf_check -o not-match:'^220 ' $RAW --port 465 'EHLO c.test\r\n'
}

atf_test_case sni
sni_head() {
	atf_set descr "SNI picks the pki named like the server name; the first otherwise"
	atf_set timeout 60
}
sni_body() {
	tls_start
	atf_check -o match:'^CN=mx2.test$' $RAW --peer-cn --sni mx2.test \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS
	atf_check -o match:'^CN=mx1.test$' $RAW --peer-cn --sni mx1.test \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS
	atf_check -o match:'^CN=mx1.test$' $RAW --peer-cn --sni other.test \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS
	# the server certificate verifies against the CA
	atf_check -o inline:"220 250 220 250\n" $RAW --codes --ca $PH/ca.crt \
	    --sni mx2.test 'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS \
	    'NOOP\r\n'
}

atf_test_case tls_require
tls_require_head() {
	atf_set descr "tls-require: 530 for MAIL, RCPT and DATA before STARTTLS; AUTH only inside TLS"
	atf_set timeout 60
}
tls_require_body() {
	tls_start
	atf_check -o inline:"220 250 530 530 530 250\n" $RAW --codes --port 587 \
	    'EHLO c.test\r\n' 'MAIL FROM:<a@b.test>\r\n' \
	    'RCPT TO:<c@d.test>\r\n' 'DATA\r\n' 'NOOP\r\n'
	atf_check -o match:'530 5.7.0' $RAW --port 587 'EHLO c.test\r\n' \
	    'MAIL FROM:<a@b.test>\r\n'
	atf_check -o not-match:'AUTH' $RAW --port 587 'EHLO c.test\r\n'
	after_tls --port 587 'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS \
	    'EHLO c.test\r\n' > out
	atf_check -o match:'^250[- ]AUTH PLAIN LOGIN' cat out
	# auth: inside TLS, MAIL still needs AUTH first
	atf_check -o inline:"220 250 220 250 530\n" $RAW --codes --port 587 \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    'MAIL FROM:<a@b.test>\r\n'
	# a mechanism that is not offered
	atf_check -o match:'504 5.5.4' $RAW --port 587 \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n' \
	    'AUTH CRAM-MD5\r\n'
}

atf_test_case verify
verify_head() {
	atf_set descr "tls-require verify: a client certificate signed by the ca is required"
	atf_set timeout 60
}
verify_body() {
	tls_start
	atf_check -o inline:"220 250 220 250\n" $RAW --codes --port 2525 \
	    --cert $PH/client.test.crt --key $PH/client.test.key \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n'
	atf_check -o not-match:'^220 250 220 250' $RAW --codes --port 2525 \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n'
	# a self-signed client certificate is refused too
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=rogue \
	    -keyout $PH/rogue.key -out $PH/rogue.crt -days 2 2>/dev/null
	atf_check -o not-match:'^220 250 220 250' $RAW --codes --port 2525 \
	    --cert $PH/rogue.crt --key $PH/rogue.key \
	    'EHLO c.test\r\nSTARTTLS\r\n' @STARTTLS 'EHLO c.test\r\n'
	atf_check -o match:'event=tls .*verified=yes' cat $PH_LOG
}

# tls_idle MODE PORT - the listener's memory for idle sessions of MODE
# after EHLO.  About 16 KiB each today, 14 of them OpenSSL's own state
# for a TLS 1.3 connection; over 20 KiB means that something per
# session is kept that was not before (record buffers held, a session
# cache, handshake state).  The number of sessions is the configuration
# variable idle_sessions (300 by default).
tls_idle() {
	count=$(atf_config_get idle_sessions 300)
	tls_start "smtp limit max-sessions $((count + 100))"
	pid=$(ph_role_pids smtpd)
	atf_check -o save:mem.out $IDLE --mode $1 --port $2 --sessions $count \
	    --sni mx2.test --pid $pid
	cat mem.out
	ph_per_session mem.out 20480
}

atf_test_case idle_memory_starttls
idle_memory_starttls_head() {
	atf_set descr "idle sessions after STARTTLS and EHLO: under 20 KiB each"
	atf_set timeout 300
}
idle_memory_starttls_body() {
	tls_idle starttls 25
}

atf_test_case idle_memory_smtps
idle_memory_smtps_head() {
	atf_set descr "idle smtps sessions after EHLO: under 20 KiB each"
	atf_set timeout 300
}
idle_memory_smtps_body() {
	tls_idle smtps 465
}

atf_init_test_cases() {
	atf_add_test_case starttls
	atf_add_test_case starttls_pipelined
	atf_add_test_case smtps
	atf_add_test_case sni
	atf_add_test_case tls_require
	atf_add_test_case verify
	atf_add_test_case idle_memory_starttls
	atf_add_test_case idle_memory_smtps
}
