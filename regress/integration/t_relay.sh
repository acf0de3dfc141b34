# t_relay.sh - the relay client: mail submitted to posthorn for a relay
# action arrives at a sink (regress/tools/sinkd.py) byte for byte; TLS
# (opportunistic, required, smtps), AUTH only inside TLS, temporary and
# permanent refusals (deferral, retry, bounce), LMTP and MX routing;
# connections kept for the next message (RSET between transactions,
# limits, a server that drops them), pipelining when offered.
#
# Loopback addresses 127.0.0.2 and up stand for different hosts; the
# sinks and the test's DNS server run inside the test's own network
# namespace.

. "$(atf_get_srcdir)/subr.sh"

SINK="$PY $PH_TOP/regress/tools/sinkd.py"
SINKDIR=$PH/sink
EVP_RE='^[0-9a-f]\{16\}|'

# r_setup - accounts and the sink's directory
r_setup() {
	ph_setup
	useradd -m -s /bin/sh phuser
	mkdir -p $SINKDIR
}

# r_conf ACTION_ARGS [EXTRA] - relay from local through one action;
# local mail (bounces) to mbox
r_conf() {
	ph_conf <<CONF
listen on 127.0.0.1 port 25
$2
action "local" mbox
action "out" relay $1
match from local for local action "local"
match from local for any action "out"
CONF
}

# r_sink ARGS - start a sink (sinkd.py ARGS) and wait until it listens
r_sink() {
	n=$(ls $PH | grep -c '^sink.*\.pid$')
	$SINK --dir $SINKDIR --pidfile $PH/sink$n.pid "$@" > $PH/sink$n.out \
	    2>&1 &
	ph_wait_for "grep -q ready $PH/sink$n.out" 10 ||
	    { cat $PH/sink$n.out; atf_fail "the sink did not start"; }
}

# r_start - the daemon, and its control socket answering
r_start() {
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
}

# r_send RCPT [FILE] - submit FILE (or a short message) from phuser
r_send() {
	if [ -n "$2" ]; then
		cat "$2"
	else
		printf 'Subject: relay test\n\nhello\n'
	fi | su phuser -c "$PH_BIN/sendmail -C $PH_CONF -i -f phuser@localhost $1" ||
	    atf_fail "sendmail failed"
}

# r_wait_sink N SECONDS - until the sink stored N messages
r_wait_sink() {
	ph_wait_for "[ \$(ls $SINKDIR | grep -c '\.env\$') -ge $1 ]" $2 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "the sink got no message"; }
}

# r_wait_queue PATTERN SECONDS - until `show queue` has a matching line
r_wait_queue() {
	ph_wait_for "$CTL show queue | grep -q '$1'" $2 ||
	    { $CTL show queue; cat $PH_LOG; atf_fail "no queue line like $1"; }
}

# r_certs - a CA and a certificate for sink.test and 127.0.0.2
r_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test-ca \
	    -keyout $PH/ca.key -out $PH/ca.crt -days 2 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=sink.test \
	    -keyout $PH/sink.key -out $PH/sink.csr 2>/dev/null
	printf 'subjectAltName=DNS:sink.test,IP:127.0.0.2\n' > $PH/san.ext
	openssl x509 -req -in $PH/sink.csr -CA $PH/ca.crt -CAkey $PH/ca.key \
	    -CAcreateserial -days 2 -extfile $PH/san.ext \
	    -out $PH/sink.crt 2>/dev/null
	[ -s $PH/sink.crt ] || atf_fail "no certificates"
}

atf_test_case smarthost
smarthost_head() {
	atf_set descr "relay host smtp://IP:PORT: the message arrives byte for byte, dot lines and CRLF intact"
	atf_set timeout 60
}
smarthost_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	printf 'Subject: dots\n\n.leading dot\n..two dots\n.\nlast\n' > msg
	r_send bob@example.org msg
	r_wait_sink 1 20
	atf_check -o match:'^mail <phuser@localhost>' \
	    -o match:'^rcpt <bob@example.org>' -o match:'^tls no$' \
	    cat $SINKDIR/1.env
	# what arrived: our Received: header, then the message, CRLF lines
	sed '1,/^Subject: dots\r$/d' $SINKDIR/1.msg > body
	printf '\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n' > expect
	atf_check -o file:expect cat body
	# on the wire: stuffed, every line ending in CRLF, the final dot
	tr -d '\r' < $SINKDIR/1.wire > wire
	atf_check -o match:'^\.\.\.two dots$' -o match:'^\.\.$' cat wire
	atf_check -o inline:".\n" tail -1 wire
	atf_check_equal "$(grep -c "$(printf '\r')\$" $SINKDIR/1.wire)" \
	    "$(wc -l < $SINKDIR/1.wire)"
	atf_check -o match:'^Received: ' head -1 $SINKDIR/1.msg
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

# r_trust - trust the test CA (the system bundle, read at start)
r_trust() {
	cat $PH/ca.crt >> /etc/ssl/certs/ca-certificates.crt
}

atf_test_case starttls
starttls_head() {
	atf_set descr "smtp://: STARTTLS when offered, without verification"
	atf_set timeout 60
}
starttls_body() {
	r_setup
	r_certs
	r_sink --listen 127.0.0.2:2526 --starttls --cert $PH/sink.crt \
	    --key $PH/sink.key
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	r_send bob@example.org
	r_wait_sink 1 20
	atf_check -o match:'^tls yes$' cat $SINKDIR/1.env
	atf_check -o match:'^plain: STARTTLS$' -o match:'^tls: EHLO ' \
	    -o match:'^tls: MAIL FROM:<phuser@localhost> SIZE=[0-9]+$' \
	    cat $SINKDIR/transcript
}

atf_test_case tls_required
tls_required_head() {
	atf_set descr "smtp+tls:// to a host without STARTTLS: deferred, nothing sent"
	atf_set timeout 60
}
tls_required_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp+tls://127.0.0.2:2526"
	r_start
	r_send bob@example.org
	r_wait_queue '|4\.4\.1 no host reachable: TLS is required' 20
	atf_check -o not-match:'^plain: MAIL' cat $SINKDIR/transcript
	[ -z "$(ls $SINKDIR | grep '\.env$')" ] || atf_fail "a message arrived"
}

atf_test_case tls_verify
tls_verify_head() {
	atf_set descr "tls, smtp+tls://, smtps:// and auth: the certificate is verified against the host name; a mismatch defers; no-verify opts out"
	atf_set timeout 60
}
tls_verify_body() {
	r_setup
	r_certs
	r_trust
	r_sink --listen 127.0.0.2:2526 --listen 127.0.0.3:2526 --starttls \
	    --cert $PH/sink.crt --key $PH/sink.key
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mbox
action "good" relay host smtp+tls://127.0.0.2:2526 tls
action "bad" relay host smtp+tls://127.0.0.3:2526 tls
action "lax" relay host smtp+tls://127.0.0.3:2526 tls no-verify
action "plus" relay host smtp+tls://127.0.0.3:2526
table creds { "127.0.0.3" = "u:p" }
action "creds" relay host smtp://127.0.0.3:2526 auth <creds>
match from local for local action "local"
match from local for domain good.test action "good"
match from local for domain bad.test action "bad"
match from local for domain lax.test action "lax"
match from local for domain plus.test action "plus"
match from local for domain creds.test action "creds"
CONF
	r_start
	r_send bob@good.test
	r_wait_sink 1 20
	atf_check -o match:'^rcpt <bob@good.test>' -o match:'^tls yes$' \
	    cat $SINKDIR/1.env
	r_send bob@bad.test
	r_wait_queue 'bob@bad\.test|.*|4\.4\.1 no host reachable: TLS: certificate' 20
	r_send bob@lax.test
	r_wait_sink 2 20
	atf_check -o match:'^rcpt <bob@lax.test>' cat $SINKDIR/2.env
	# without `tls`: smtp+tls:// smarthosts and credentials verify too
	r_send bob@plus.test
	r_wait_queue 'bob@plus\.test|.*|4\.4\.1 no host reachable: TLS: certificate' 20
	r_send bob@creds.test
	r_wait_queue 'bob@creds\.test|.*|4\.4\.1 no host reachable: TLS: certificate' 20
	atf_check -o not-match:'AUTH' cat $SINKDIR/transcript
}

atf_test_case smtps
smtps_head() {
	atf_set descr "smtps://: TLS from the first byte"
	atf_set timeout 60
}
smtps_body() {
	r_setup
	r_certs
	r_trust
	r_sink --listen 127.0.0.2:2465 --smtps --cert $PH/sink.crt \
	    --key $PH/sink.key
	r_conf "host smtps://127.0.0.2:2465"
	r_start
	r_send bob@example.org
	r_wait_sink 1 20
	atf_check -o match:'^tls yes$' cat $SINKDIR/1.env
	atf_check -o not-match:'^plain:' cat $SINKDIR/transcript
}

atf_test_case auth_tls
auth_tls_head() {
	atf_set descr "auth <table>: AUTH PLAIN with the label's credentials, inside TLS only"
	atf_set timeout 60
}
auth_tls_body() {
	r_setup
	r_certs
	r_trust
	r_sink --listen 127.0.0.2:2526 --starttls --cert $PH/sink.crt \
	    --key $PH/sink.key --auth relayuser:s3cret
	r_conf "host smtp+tls://mylabel@127.0.0.2:2526 auth <creds>" \
	    'table creds { mylabel = "relayuser:s3cret" }'
	r_start
	r_send bob@example.org
	r_wait_sink 1 20
	atf_check -o match:'^auth relayuser$' cat $SINKDIR/1.env
	atf_check -o match:'^tls: AUTH PLAIN ' -o not-match:'^plain: AUTH' \
	    cat $SINKDIR/transcript
	atf_check -s exit:1 -o ignore -e ignore grep -q s3cret $PH_LOG
}

atf_test_case auth_no_tls
auth_no_tls_head() {
	atf_set descr "auth with a host offering no STARTTLS: deferred, credentials never sent; smtp+notls:// with auth is refused"
	atf_set timeout 60
}
auth_no_tls_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526 --auth relayuser:s3cret
	r_conf "host smtp://mylabel@127.0.0.2:2526 auth <creds>" \
	    'table creds { mylabel = "relayuser:s3cret" }'
	r_start
	r_send bob@example.org
	r_wait_queue '|4\.4\.1 no host reachable: credentials need TLS' 20
	atf_check -o not-match:'AUTH' cat $SINKDIR/transcript
	r_conf "host smtp+notls://mylabel@127.0.0.2:2526 auth <creds>" \
	    'table creds { mylabel = "relayuser:s3cret" }'
	atf_check -s exit:1 -o ignore -e match:'auth requires' \
	    $PH_BIN/smtpd -n -f $PH_CONF
}

atf_test_case tempfail_schedule
tempfail_schedule_head() {
	atf_set descr "451 to RCPT: deferred with the remote text, delivered after smtpctl schedule"
	atf_set timeout 60
}
tempfail_schedule_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526 --fail-first 1
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	r_send bob@example.org
	r_wait_queue '|host 127\.0\.0\.2 said: 451 4\.3\.0 failing on purpose$' 20
	evp=$($CTL show queue | grep "$EVP_RE" | cut -d'|' -f1)
	atf_check -o inline:"1 envelope scheduled\n" $CTL schedule $evp
	r_wait_sink 1 20
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

atf_test_case tempfail_rcpt_only
tempfail_rcpt_only_head() {
	atf_set descr "a 451 to one RCPT defers that recipient alone: other mail to the domain goes on"
	atf_set timeout 60
}
tempfail_rcpt_only_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	r_send temp@example.org
	r_wait_queue '|host 127\.0\.0\.2 said: 451 4\.2\.0 mailbox busy' 20
	# the retry is a minute away; the destination is not suspended
	r_send bob@example.org
	r_wait_sink 1 20
	atf_check -o match:'^rcpt <bob@example.org>' cat $SINKDIR/1.env
	atf_check -o match:'temp@example.org' $CTL show queue
	$CTL show queue > q; atf_check -s exit:1 grep bob@example.org q
}

atf_test_case reply_strict
reply_strict_head() {
	atf_set descr "354 to RCPT or 250 to DATA is not a delivery: the envelopes are deferred"
	atf_set timeout 60
}
reply_strict_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	# two domains: the first failure suspends its destination (mta
	# max-deferred), and would hold the second if it came after it
	r_send liar354@example.org
	r_send liar250@example.net
	r_wait_queue 'liar354@example.org.*354 go ahead' 20
	r_wait_queue 'liar250@example.net.*250 2\.0\.0 stored, says the liar' 20
	atf_check -s exit:1 grep -q 'relay event=delivered' $PH_LOG
	[ -z "$(ls $SINKDIR | grep '\.env$')" ] || atf_fail "the sink stored a message"
}

atf_test_case permfail_bounce
permfail_bounce_head() {
	atf_set descr "550 to RCPT: a bounce to the local sender quoting the remote host and reply"
	atf_set timeout 60
}
permfail_bounce_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	r_send perm@example.org
	ph_wait_for "grep -q '^Diagnostic-Code: ' /var/mail/phuser" 20 ||
	    { cat $PH_LOG; atf_fail "no bounce"; }
	atf_check -o match:'^Remote-MTA: dns; 127\.0\.0\.2$' \
	    -o match:'^Diagnostic-Code: smtp; 550 5\.1\.1 <perm@example\.org>: no such user$' \
	    -o match:'^Status: 5\.1\.1$' -o match:'^Final-Recipient: rfc822; perm@example\.org$' \
	    cat /var/mail/phuser
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

atf_test_case permfail_bounce_remote
permfail_bounce_remote_head() {
	atf_set descr "550 to RCPT: the notice to a remote sender is relayed by the rules like any mail"
	atf_set timeout 60
}
permfail_bounce_remote_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	printf 'Subject: relay test\n\nhello\n' | su phuser -c \
	    "$PH_BIN/sendmail -C $PH_CONF -i -f alice@remote.example perm@example.org" ||
	    atf_fail "sendmail failed"
	r_wait_sink 1 20
	f=$(grep -l '^rcpt <alice@remote.example>' $SINKDIR/*.env)
	[ -n "$f" ] || { cat $SINKDIR/*.env; atf_fail "no notice at the sink"; }
	atf_check -o match:'^mail <>' cat "$f"
	atf_check -o match:'^Final-Recipient: rfc822; perm@example\.org' \
	    cat "${f%.env}.msg"
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

atf_test_case lmtp
lmtp_head() {
	atf_set descr "lmtp://: LHLO and one reply after the final dot"
	atf_set timeout 60
}
lmtp_body() {
	r_setup
	r_sink --listen 127.0.0.2:2424 --lmtp
	r_conf "host lmtp://127.0.0.2:2424"
	r_start
	r_send bob@example.org
	r_wait_sink 1 20
	atf_check -o match:'^plain: LHLO ' cat $SINKDIR/transcript
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

atf_test_case helo_fallback
helo_fallback_head() {
	atf_set descr "EHLO refused with 5xx: HELO, and the configured helo name"
	atf_set timeout 60
}
helo_fallback_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526 --no-ehlo
	r_conf "host smtp://127.0.0.2:2526 helo relay.posthorn.test"
	r_start
	r_send bob@example.org
	r_wait_sink 1 20
	atf_check -o match:'^helo relay\.posthorn\.test$' cat $SINKDIR/1.env
	atf_check -o match:'^plain: MAIL FROM:<phuser@localhost>$' \
	    cat $SINKDIR/transcript
}

atf_test_case unreachable
unreachable_head() {
	atf_set descr "connection refused: deferred with 4.4.1 naming the last error; src binds the address"
	atf_set timeout 60
}
unreachable_body() {
	r_setup
	r_conf "host smtp://127.0.0.2:2599 src 127.0.0.5"
	r_start
	r_send bob@example.org
	r_wait_queue '|4\.4\.1 no host reachable: Connection refused at 1' 20
	r_sink --listen 127.0.0.2:2599
	$CTL schedule all > /dev/null
	r_wait_sink 1 20
	atf_check -o match:'^peer 127\.0\.0\.5$' cat $SINKDIR/1.env
}

# r_zone - the test zone (standard input) and its nameserver
r_zone() {
	cat > $PH/dns.zone
	ph_dns_start $PH/dns.zone
}

atf_test_case mx_order
mx_order_head() {
	atf_set descr "MX records in preference order: the first refuses connections, the second gets the mail"
	atf_set timeout 60
}
mx_order_body() {
	r_setup
	r_zone <<ZONE
mx.test MX 20 mx2.mx.test
mx.test MX 10 mx1.mx.test
mx1.mx.test A 127.0.0.2
mx2.mx.test A 127.0.0.3
ZONE
	r_sink --listen 127.0.0.3:25
	r_conf ""
	r_start
	r_send bob@mx.test
	r_wait_sink 1 20
	atf_check -o match:'^rcpt <bob@mx.test>' \
	    -o match:'^server 127\.0\.0\.3:25$' cat $SINKDIR/1.env
	atf_check -o match:'event=host-failed host=mx1\.mx\.test addr=127\.0\.0\.2' \
	    cat $PH_LOG
	atf_check -o match:'^mx\.test MX' cat $PH/dns.log
}

atf_test_case loop_self
loop_self_head() {
	atf_set descr "an MX or smarthost that is this daemon's own listener: 5.4.6 mail loops back to myself, at once"
	atf_set timeout 60
}
loop_self_body() {
	r_setup
	r_zone <<ZONE
loop.test MX 10 mx.loop.test
mx.loop.test A 127.0.0.1
half.test MX 10 mx.loop.test
half.test MX 20 mx2.half.test
mx2.half.test A 127.0.0.3
ZONE
	r_sink --listen 127.0.0.3:25
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mbox
action "out" relay
action "smart" relay host smtp://127.0.0.1:25
match from local for local action "local"
match from local for domain "smart.test" action "smart"
match from local for any action "out"
CONF
	r_start
	r_send bob@loop.test
	r_send carol@smart.test
	r_send dave@half.test
	ph_wait_for "[ \$(grep -c '^Status: 5\.4\.6' /var/mail/phuser 2>/dev/null) -ge 2 ]" 20 ||
	    { cat $PH_LOG; atf_fail "no 5.4.6 bounces"; }
	atf_check -o match:'loops back to myself' cat /var/mail/phuser
	atf_check -o match:'mail for loop\.test loops back to myself' cat $PH_LOG
	atf_check -o match:'mail for smart\.test loops back to myself' cat $PH_LOG
	# one MX of half.test is ours, the other one is not: delivered
	r_wait_sink 1 20
	atf_check -o match:'^rcpt <dave@half.test>' cat $SINKDIR/1.env
	# the daemon never talked to itself: three messages came in, all
	# from sendmail
	atf_check_equal "$(grep -c 'smtp event=tx-commit' $PH_LOG)" 3
}

atf_test_case mx_implicit
mx_implicit_head() {
	atf_set descr "no MX record: the domain's A record is its mail host; a smarthost by name"
	atf_set timeout 60
}
mx_implicit_body() {
	r_setup
	r_zone <<ZONE
a.test A 127.0.0.2
smart.test A 127.0.0.3
ZONE
	r_sink --listen 127.0.0.2:25 --listen 127.0.0.3:2526
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mbox
action "direct" relay
action "smart" relay host smtp://smart.test:2526
match from local for local action "local"
match from local for domain a.test action "direct"
match from local for any action "smart"
CONF
	r_start
	r_send bob@a.test
	r_wait_sink 1 20
	atf_check -o match:'^server 127\.0\.0\.2:25$' \
	    -o match:'^rcpt <bob@a.test>' cat $SINKDIR/1.env
	r_send carol@elsewhere.test
	r_wait_sink 2 20
	atf_check -o match:'^rcpt <carol@elsewhere.test>' \
	    -o match:'^server 127\.0\.0\.3:2526$' cat $SINKDIR/2.env
}

atf_test_case mx_null
mx_null_head() {
	atf_set descr "a null MX and a domain that does not exist bounce at once (5.1.10, 5.1.2); SERVFAIL defers"
	atf_set timeout 60
}
mx_null_body() {
	r_setup
	r_zone <<ZONE
null.test MX 0 .
broken.test SERVFAIL
ZONE
	r_conf ""
	r_start
	r_send bob@null.test
	r_send bob@nx.test
	r_send bob@broken.test
	ph_wait_for "[ \$(grep -c '^Diagnostic-Code: ' /var/mail/phuser) -ge 2 ]" 20 ||
	    { cat $PH_LOG; atf_fail "no bounces"; }
	atf_check -o match:'^Status: 5\.1\.10$' -o match:'^Status: 5\.1\.2$' \
	    cat /var/mail/phuser
	r_wait_queue 'bob@broken\.test|.*|4\.4\.3 MX lookup of broken\.test' 20
}

atf_test_case mx_backup
mx_backup_head() {
	atf_set descr "backup mx NAME: only MX hosts better than NAME; none better: deferred"
	atf_set timeout 60
}
mx_backup_body() {
	r_setup
	r_zone <<ZONE
bk.test MX 10 primary.bk.test
bk.test MX 20 me.bk.test
bk.test MX 30 worse.bk.test
primary.bk.test A 127.0.0.2
me.bk.test A 127.0.0.3
worse.bk.test A 127.0.0.4
top.test MX 10 me.bk.test
top.test MX 20 worse.bk.test
ZONE
	r_sink --listen 127.0.0.2:25 --listen 127.0.0.3:25 --listen 127.0.0.4:25
	r_conf "backup mx me.bk.test"
	r_start
	r_send bob@bk.test
	r_wait_sink 1 20
	atf_check -o match:'^server 127\.0\.0\.2:25$' \
	    -o match:'^rcpt <bob@bk.test>' cat $SINKDIR/1.env
	r_send bob@top.test
	r_wait_queue 'bob@top\.test|.*|4\.4\.4 no MX of top\.test' 20
	[ $(ls $SINKDIR | grep -c '\.env$') -eq 1 ] ||
	    atf_fail "a worse MX got mail"
}

atf_test_case alias_remote
alias_remote_head() {
	atf_set descr "an alias to a remote address and a local user: the remote copy is relayed, the local one delivered"
	atf_set timeout 60
}
alias_remote_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	printf 'bob: carol@remote.example, phuser\n' > $PH/aliases
	ph_conf <<CONF
listen on 127.0.0.1 port 25
table aliases file:$PH/aliases
action "local" mbox alias <aliases>
action "out" relay host smtp://127.0.0.2:2526
match from local for local action "local"
match from local for any action "out"
CONF
	r_start
	r_send bob@localhost
	r_wait_sink 1 20
	atf_check -o match:'^mail <phuser@localhost>( |$)' \
	    -o match:'^rcpt <carol@remote.example>$' cat $SINKDIR/1.env
	atf_check -o match:'^hello' cat $SINKDIR/1.msg
	ph_wait_for "grep -q '^hello' /var/mail/phuser" 20 ||
	    atf_fail "no local copy"
	atf_check -o match:'^Delivered-To: phuser@localhost$' \
	    cat /var/mail/phuser
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
	atf_check_equal "$(ls $SINKDIR | grep -c '\.env$')" 1
}

# r_send_n N [WAIT] - N messages to bob1..bobN@example.org, one after
# the other; with WAIT, each once the one before is at the sink
r_send_n() {
	i=1
	while [ $i -le $1 ]; do
		r_send bob$i@example.org
		[ -z "$2" ] || r_wait_sink $i 20
		i=$((i + 1))
	done
}

atf_test_case reuse_route
reuse_route_head() {
	atf_set descr "20 messages to one route, each after the other: one connection, RSET between transactions, MAIL/RCPT/DATA in one write"
	atf_set timeout 120
}
reuse_route_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	r_send_n 20 wait
	atf_check -o inline:"1\n" sh -c "wc -l < $SINKDIR/connections"
	atf_check -o match:'^plain: RSET$' cat $SINKDIR/transcript
	atf_check -o match:'^MAIL FROM:<phuser@localhost>' \
	    cat $SINKDIR/pipelined
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

atf_test_case reuse_limit
reuse_limit_head() {
	atf_set descr "20 messages at once to one route: at most 8 connections open at a time, fewer connections than messages"
	atf_set timeout 120
}
reuse_limit_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	atf_check $CTL pause mta
	r_send_n 20
	r_wait_queue 'bob20@example.org' 20
	atf_check $CTL resume mta
	r_wait_sink 20 60
	most=$(sort -n $SINKDIR/concurrent | tail -1)
	[ "$most" -le 8 ] || atf_fail "$most connections open at once"
	n=$(wc -l < $SINKDIR/connections)
	[ "$n" -lt 20 ] || atf_fail "$n connections for 20 messages"
}

atf_test_case reuse_no_pipelining
reuse_no_pipelining_head() {
	atf_set descr "a server without PIPELINING gets one command at a time, and its connection is kept all the same"
	atf_set timeout 60
}
reuse_no_pipelining_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526 --no-pipelining
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	r_send_n 3 wait
	atf_check -s exit:1 test -e $SINKDIR/pipelined
	atf_check -o inline:"1\n" sh -c "wc -l < $SINKDIR/connections"
}

atf_test_case reuse_dropped
reuse_dropped_head() {
	atf_set descr "a server that drops a kept connection (at RSET): the next message goes over a new connection, nothing is lost"
	atf_set timeout 60
}
reuse_dropped_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526 --drop-rset
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	r_send_n 3 wait
	atf_check -o inline:"3\n" sh -c "wc -l < $SINKDIR/connections"
	atf_check -o match:'event=reuse-failed' cat $PH_LOG
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

atf_test_case rcpts_one_transaction
rcpts_one_transaction_head() {
	atf_set descr "a message with 5 recipients in one domain: one MAIL, five RCPT, one DATA"
	atf_set timeout 60
}
rcpts_one_transaction_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	# held until all five are expanded: they reach the relay together
	atf_check $CTL pause mta
	r_send "a@example.org b@example.org c@example.org d@example.org e@example.org"
	r_wait_queue 'e@example.org' 20
	atf_check $CTL resume mta
	r_wait_sink 1 20
	atf_check -o inline:"5\n" sh -c "grep -c '^rcpt ' $SINKDIR/1.env"
	atf_check -o inline:"1\n" sh -c "grep -c '^plain: MAIL ' \
	    $SINKDIR/transcript"
	ph_wait_for "[ -z \"\$($CTL show queue)\" ]" 10 ||
	    atf_fail "the queue is not empty"
}

atf_test_case rcpts_each_result
rcpts_each_result_head() {
	atf_set descr "a 451 and a 550 to two RCPT of five: that one is deferred, that one bounces, three are delivered in one transaction"
	atf_set timeout 60
}
rcpts_each_result_body() {
	r_setup
	r_sink --listen 127.0.0.2:2526
	r_conf "host smtp://127.0.0.2:2526"
	r_start
	atf_check $CTL pause mta
	r_send "a@example.org temp@example.org b@example.org perm@example.org c@example.org"
	r_wait_queue 'c@example.org' 20
	atf_check $CTL resume mta
	r_wait_sink 1 20
	atf_check -o inline:"3\n" sh -c "grep -c '^rcpt ' $SINKDIR/1.env"
	r_wait_queue '|host 127\.0\.0\.2 said: 451 4\.2\.0 mailbox busy' 20
	ph_wait_for "grep -q '^Diagnostic-Code: ' /var/mail/phuser" 20 ||
	    { cat $PH_LOG; atf_fail "no bounce"; }
	atf_check -o match:'^Final-Recipient: rfc822; perm@example\.org$' \
	    -o match:'^Diagnostic-Code: smtp; 550 5\.1\.1 <perm@example\.org>: no such user$' \
	    cat /var/mail/phuser
	$CTL show queue > q
	atf_check -o inline:"1\n" grep -c "$EVP_RE" q
	atf_check -o match:'temp@example\.org' cat q
}

atf_init_test_cases() {
	atf_add_test_case rcpts_one_transaction
	atf_add_test_case rcpts_each_result
	atf_add_test_case reuse_route
	atf_add_test_case reuse_limit
	atf_add_test_case reuse_no_pipelining
	atf_add_test_case reuse_dropped
	atf_add_test_case alias_remote
	atf_add_test_case smarthost
	atf_add_test_case starttls
	atf_add_test_case tls_required
	atf_add_test_case tls_verify
	atf_add_test_case smtps
	atf_add_test_case auth_tls
	atf_add_test_case auth_no_tls
	atf_add_test_case tempfail_schedule
	atf_add_test_case tempfail_rcpt_only
	atf_add_test_case reply_strict
	atf_add_test_case permfail_bounce
	atf_add_test_case permfail_bounce_remote
	atf_add_test_case lmtp
	atf_add_test_case helo_fallback
	atf_add_test_case unreachable
	atf_add_test_case mx_order
	atf_add_test_case loop_self
	atf_add_test_case mx_implicit
	atf_add_test_case mx_null
	atf_add_test_case mx_backup
}
