# t_hostile_peers.sh - relay targets that break the rules
# (regress/tools/hostile_peer.py server MODE on 127.0.0.2:2526, the
# action's relay host): endless multi-line replies, a reply line that
# never ends, replies written an octet at a time, replies injected
# after "220 Ready to start TLS", a TLS alert and a reset in the middle
# of the message.  The relay worker neither crashes nor hangs nor
# grows: its pid stays, the job ends within its time-out with a
# deferral whose reason `show queue` names, the resident memory of
# every process stays within 8 MiB of what it was, and the
# message is never counted as delivered, never lost.

. "$(atf_get_srcdir)/subr.sh"

PEER="$PY $PH_TOP/regress/tools/hostile_peer.py"
PEERDIR=$PH/peer

# hp_start MODE [ARGS] - accounts, a hostile relay target in MODE (with
# ARGS), the daemon relaying everything not local to it, and the memory
# of its processes
hp_start() {
	ph_setup
	useradd -m -s /bin/sh phuser
	mkdir -p $PEERDIR
	case $1 in inject|alert) hp_certs ;; esac
	$PEER server "$@" --listen 127.0.0.2:2526 --dir $PEERDIR \
	    ${HP_CERT:+--cert $HP_CERT --key $HP_KEY} \
	    --pidfile $PH/peer.pid > $PH/peer.out 2>&1 &
	ph_wait_for "grep -q ready $PH/peer.out" 10 ||
	    { cat $PH/peer.out; atf_fail "the hostile peer did not start"; }
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mbox
action "out" relay host smtp://127.0.0.2:2526
match from local for local action "local"
match from local for any action "out"
CONF
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
	ph_rss_save $PH/rss.before
}

# hp_certs - a self-signed certificate for the peer's TLS
hp_certs() {
	HP_CERT=$PH/peer.crt
	HP_KEY=$PH/peer.key
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=hostile.test \
	    -keyout $HP_KEY -out $HP_CERT -days 2 2>/dev/null
	[ -s $HP_CERT ] || atf_fail "no certificate"
}

# hp_send [FILE] - submit FILE (or a short message) to bob@example.org
hp_send() {
	if [ -n "${1:-}" ]; then
		cat "$1"
	else
		printf 'Subject: hostile peer\n\nhello\n'
	fi | su phuser -c "$PH_BIN/sendmail -C $PH_CONF -i \
	    -f phuser@localhost bob@example.org" || atf_fail "sendmail failed"
}

# hp_deferred REGEX SECONDS - the message waits in the queue for bob
# with a last error matching REGEX, and was neither delivered nor
# bounced: the relay process is the one that started, nothing is stored
# by the peer, no notice went back to phuser
hp_deferred() {
	ph_wait_for "$CTL show queue | grep -Eq 'bob@example\.org.*$1'" $2 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "not deferred: $1"; }
	$CTL show queue >&2
	atf_check -o match:'^1$' -x "$CTL show queue | grep -c bob@example.org"
	atf_check -o not-match:'event=(delivered|failed)' cat $PH_LOG
	atf_check -o not-match:'^stored' cat $PEERDIR/events
	[ ! -s /var/mail/phuser ] || atf_fail "a notice went to the sender"
	hp_relay_same
}

# hp_relay_same - the relay worker that started is still the only one
hp_relay_same() {
	_was=$(awk '$2 == "relay" { print $1 }' $PH/rss.before)
	atf_check_equal "$_was" "$(ph_role_pids relay)"
	atf_check -o not-match:'fatal|panic|event=died|signal' cat $PH_LOG
}

atf_test_case endless_multiline
endless_multiline_head() {
	atf_set descr "a server that answers EHLO with 250- lines forever: the relay cuts it off at the reply limit and defers; bounded memory"
	atf_set timeout 90
}
endless_multiline_body() {
	hp_start multiline
	hp_send
	hp_deferred '4\.4\.1 .*reply too long' 30
	ph_wait_for "grep -q '^closed-by-client' $PEERDIR/events" 10 ||
	    atf_fail "the relay did not close the connection"
	ph_rss_bound $PH/rss.before
}

atf_test_case endless_line
endless_line_head() {
	atf_set descr "a reply line that never ends in CRLF: the relay stops at the line limit and defers; bounded memory"
	atf_set timeout 90
}
endless_line_body() {
	hp_start noeol
	hp_send
	hp_deferred '4\.4\.1 .*reply line too long' 30
	ph_wait_for "grep -q '^closed-by-client' $PEERDIR/events" 10 ||
	    atf_fail "the relay did not close the connection"
	ph_rss_bound $PH/rss.before
}

# hp_dot MODE - MODE as the reply to the final dot: deferred (4.4.2)
# after the message went out, the connection closed by the relay
hp_dot() {
	hp_start $1 --at dot
	hp_send
	hp_deferred '4\.4\.2 .*reply (line )?too long at 127\.0\.0\.2' 30
	atf_check -o match:'^message-read$' cat $PEERDIR/events
	ph_wait_for "grep -q '^closed-by-client' $PEERDIR/events" 10 ||
	    atf_fail "the relay did not close the connection"
	ph_rss_bound $PH/rss.before
}

atf_test_case dot_endless_multiline
dot_endless_multiline_head() {
	atf_set descr "250- lines forever as the reply to the final dot: deferred (4.4.2), never counted as delivered; bounded memory"
	atf_set timeout 90
}
dot_endless_multiline_body() {
	hp_dot multiline
}

atf_test_case dot_endless_line
dot_endless_line_head() {
	atf_set descr "a reply line without end as the reply to the final dot: deferred (4.4.2), never counted as delivered; bounded memory"
	atf_set timeout 90
}
dot_endless_line_body() {
	hp_dot noeol
}

atf_test_case tiny_writes
tiny_writes_head() {
	atf_set descr "every reply written one octet at a time: parsed whole, the message is delivered once, byte for byte"
	atf_set timeout 90
}
tiny_writes_body() {
	hp_start tiny
	printf 'Subject: slowly\n\nline one\n.dot\nline three\n' > msg
	hp_send msg
	ph_wait_log 'queue event=delivered action=out' 60
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
	atf_check -o inline:"stored 1\n" grep '^stored' $PEERDIR/events
	sed '1,/^Subject: slowly\r$/d' $PEERDIR/1.msg > body
	printf '\r\nline one\r\n.dot\r\nline three\r\n' > expect
	atf_check -o file:expect cat body
	hp_relay_same
	ph_rss_bound $PH/rss.before
}

atf_test_case starttls_injection
starttls_injection_head() {
	atf_set descr "replies sent in clear after 220 Ready to start TLS are discarded, never read as replies inside TLS (CVE-2011-0411 class): delivered once over TLS"
	atf_set timeout 90
}
starttls_injection_body() {
	hp_start inject
	hp_send
	ph_wait_log 'queue event=delivered action=out' 60
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
	atf_check -o match:'^injected$' cat $PEERDIR/events
	atf_check -o inline:"stored 1\n" grep '^stored' $PEERDIR/events
	atf_check -o match:'^plain: STARTTLS$' -o match:'^tls: EHLO ' \
	    -o match:'^tls: MAIL FROM:<phuser@localhost>' \
	    -o match:'^tls: RCPT TO:<bob@example.org>' \
	    -o not-match:'^plain: MAIL' cat $PEERDIR/transcript
	atf_check -o not-match:'injected' cat $PH_LOG
	[ ! -s /var/mail/phuser ] || atf_fail "a notice went to the sender"
	hp_relay_same
}

# hp_big - a message of about 1 MiB, more than the peer reads
hp_big() {
	printf 'Subject: big\n\n' > big
	awk 'BEGIN { for (i = 0; i < 16384; i++)
	    printf "line %06d of a message the server never takes\n", i }' \
	    >> big
}

atf_test_case tls_alert_mid_data
tls_alert_mid_data_head() {
	atf_set descr "a fatal TLS alert record in the middle of the message: deferred with the TLS error as the reason (not the unverified certificate), not delivered, not lost; bounded memory"
	atf_set timeout 90
}
tls_alert_mid_data_body() {
	hp_start alert
	hp_big
	hp_send big
	ph_wait_for "grep -q '^alert-sent' $PEERDIR/events" 30 ||
	    { cat $PEERDIR/events; atf_fail "the peer sent no alert"; }
	# the TLS error is the reason, not the certificate nobody verified
	hp_deferred '4\.4\.2 TLS: error:' 30
	atf_check -o not-match:'certificate' -x "$CTL show queue"
	atf_check -o match:'event=deferred .*TLS: error:.* at 127\.0\.0\.2' \
	    cat $PH_LOG
	ph_rss_bound $PH/rss.before
}

atf_test_case reset_mid_data
reset_mid_data_head() {
	atf_set descr "a connection reset in the middle of the message: deferred, not delivered, not lost; bounded memory"
	atf_set timeout 90
}
reset_mid_data_body() {
	hp_start reset
	hp_big
	hp_send big
	ph_wait_for "grep -q '^reset-sent' $PEERDIR/events" 30 ||
	    { cat $PEERDIR/events; atf_fail "the peer sent no reset"; }
	hp_deferred '4\.4\.2 .*at 127\.0\.0\.2' 30
	ph_rss_bound $PH/rss.before
}

atf_init_test_cases() {
	atf_add_test_case endless_multiline
	atf_add_test_case endless_line
	atf_add_test_case dot_endless_multiline
	atf_add_test_case dot_endless_line
	atf_add_test_case tiny_writes
	atf_add_test_case starttls_injection
	atf_add_test_case tls_alert_mid_data
	atf_add_test_case reset_mid_data
}
