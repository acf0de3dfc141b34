# t_privsep_keys.sh - private keys stay in the key holder: the listener
# and the relay worker make TLS handshakes (RSA and ECDSA, STARTTLS and
# smtps, client certificates) with keys they never see, neither they nor
# any other process but the key holder has a private key in its memory
# or environment, the key of `queue encryption` is the queue's alone,
# and a compromised listener asking the key holder for what it may not
# have is refused and logged while TLS goes on working.

. "$(atf_get_srcdir)/subr.sh"

SWAKS="swaks --server 127.0.0.1 --helo c.test --from a@b.test --timeout 10"
MEMSCAN="$PY $PH_TOP/regress/tools/memscan.py"
SINK="$PY $PH_TOP/regress/tools/sinkd.py"
SINKDIR=$PH/sink
MAILDIR=/home/phuser/Maildir/new
QKEY="kh-queue-secret-7f3a9c51"

# kh_cert NAME ALG - a certificate for NAME issued by the test CA, with
# a key of ALG (rsa, ec, or what openssl genpkey -algorithm takes)
kh_cert() {
	case $2 in
	rsa)	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out $PH/$1.key 2>/dev/null ;;
	ec)	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out $PH/$1.key 2>/dev/null ;;
	*)	openssl genpkey -algorithm $2 -out $PH/$1.key 2>/dev/null ;;
	esac
	openssl req -new -key $PH/$1.key -subj /CN=$1 -out $PH/$1.csr \
	    2>/dev/null
	printf 'subjectAltName=DNS:%s,IP:127.0.0.2\n' $1 > $PH/$1.ext
	openssl x509 -req -in $PH/$1.csr -CA $PH/ca.crt -CAkey $PH/ca.key \
	    -CAcreateserial -days 2 -extfile $PH/$1.ext -out $PH/$1.crt \
	    2>/dev/null
	[ -s $PH/$1.crt ] || atf_fail "no certificate for $1"
}

# kh_setup - accounts, a CA, an RSA and an ECDSA server certificate and
# an RSA client certificate for the relay
kh_setup() {
	ph_setup
	useradd -m -s /bin/sh phuser
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test-ca \
	    -keyout $PH/ca.key -out $PH/ca.crt -days 2 2>/dev/null
	kh_cert rsa.test rsa
	kh_cert ec.test ec
	kh_cert client.test rsa
	chmod 0600 $PH/*.key
}

# kh_conf [EXTRA] - STARTTLS and smtps listeners for each key, local
# mail to Maildirs, a relay action with a client certificate
kh_conf() {
	ph_conf <<CONF
pki rsa.test cert "$PH/rsa.test.crt"
pki rsa.test key "$PH/rsa.test.key"
pki ec.test cert "$PH/ec.test.crt"
pki ec.test key "$PH/ec.test.key"
pki client.test cert "$PH/client.test.crt"
pki client.test key "$PH/client.test.key"
$1
listen on 127.0.0.1 port 25 tls pki rsa.test hostname rsa.test
listen on 127.0.0.1 port 465 smtps pki rsa.test hostname rsa.test
listen on 127.0.0.1 port 26 tls pki ec.test hostname ec.test
listen on 127.0.0.1 port 466 smtps pki ec.test hostname ec.test
action "local" maildir
action "out" relay host smtp+tls://127.0.0.2:2526 pki client.test
match from any for local action "local"
match from local for any action "out"
CONF
}

# kh_data - the message every case sends (without its last newline,
# which swaks adds): a dot line, an empty line, a long line
kh_data() {
	printf 'From: a@b.test\nTo: phuser@localhost\nSubject: keys\n\n'
	printf 'first line\n.a line that starts with a dot\n..two dots\n\n'
	printf '%0998d\n' 0
	printf 'last line'
}

# kh_delivered - the one message in phuser's Maildir is what was sent,
# behind the Return-Path, Delivered-To and Received headers; then it goes
kh_delivered() {
	ph_wait_for "[ \$(ls $MAILDIR 2>/dev/null | wc -l) -eq 1 ]" 20 ||
	    { cat $PH_LOG; atf_fail "no message delivered"; }
	f=$MAILDIR/$(ls $MAILDIR)
	sed '1,/^[^	RD]/{/^Return-Path:/d;/^Delivered-To:/d;/^Received:/d;/^	/d}' \
	    "$f" > got
	{ kh_data; echo; } > want
	atf_check -o file:want cat got
	rm -f "$f"
}

# kh_swaks PORT HOW [SWAKS_ARGS] - send kh_data over TLS (HOW is --tls
# or --tlsc), then check it was delivered byte for byte
kh_swaks() {
	printf %s "$(kh_data)" > data
	atf_check -o save:out $SWAKS --port $1 $2 --to phuser@localhost \
	    --data @data $3
	atf_check -o match:'^=== TLS started with cipher' cat out
	kh_delivered
}

# kh_sigtype PORT ARGS - the peer signature type of an openssl s_client
# handshake with STARTTLS on PORT
kh_sigtype() {
	_port=$1
	shift
	openssl s_client -connect 127.0.0.1:$_port -starttls smtp "$@" \
	    < /dev/null 2>/dev/null | sed -n 's/^Peer signature type: //p'
}

# kh_handshakes KEY PORT SMTPS_PORT SIGTYPE - STARTTLS with TLS 1.3 and
# 1.2 and smtps deliver; the key holder made each signature
kh_handshakes() {
	kh_swaks $2 --tls
	kh_swaks $2 --tls "--tls-protocol tlsv1_2"
	kh_swaks $3 --tlsc
	atf_check -o match:"keys event=used peer=smtpd pki=$1 op=$4" \
	    cat $PH_LOG
	atf_check -o match:'event=tls version=TLSv1\.2' cat $PH_LOG
	atf_check -o match:'event=tls version=TLSv1\.3' cat $PH_LOG
}

atf_test_case rsa
rsa_head() {
	atf_set descr "an RSA key: STARTTLS (TLS 1.3 PSS, TLS 1.2 PSS and PKCS#1) and smtps, signed by the key holder"
	atf_set timeout 90
}
rsa_body() {
	kh_setup
	kh_conf
	ph_start -v
	kh_handshakes rsa.test 25 465 MSG_KEY_RSA_SIGN
	atf_check_equal "$(kh_sigtype 25)" RSA-PSS
	atf_check_equal "$(kh_sigtype 25 -tls1_2 -sigalgs rsa_pkcs1_sha256)" RSA
	atf_check_equal "$(kh_sigtype 25 -tls1_2 -sigalgs rsa_pss_rsae_sha384)" \
	    RSA-PSS
	# RSA key exchange first in the client's list: ECDHE is chosen
	openssl s_client -connect 127.0.0.1:25 -starttls smtp -tls1_2 \
	    -cipher AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256 < /dev/null \
	    > krsa 2>&1
	atf_check -o match:'Cipher is ECDHE-RSA-AES128-GCM-SHA256' cat krsa
}

atf_test_case ecdsa
ecdsa_head() {
	atf_set descr "an ECDSA key: STARTTLS (TLS 1.3 and 1.2) and smtps, signed by the key holder"
	atf_set timeout 90
}
ecdsa_body() {
	kh_setup
	kh_conf
	ph_start -v
	kh_handshakes ec.test 26 466 MSG_KEY_ECDSA_SIGN
	atf_check_equal "$(kh_sigtype 26)" ECDSA
	atf_check_equal "$(kh_sigtype 26 -tls1_2)" ECDSA
}

atf_test_case relay_client_cert
relay_client_cert_head() {
	atf_set descr "the relay presents its client certificate; the key holder signs for the relay worker"
	atf_set timeout 90
}
relay_client_cert_body() {
	kh_setup
	kh_cert sink.test rsa
	cat $PH/ca.crt >> /etc/ssl/certs/ca-certificates.crt
	mkdir -p $SINKDIR
	$SINK --dir $SINKDIR --pidfile $PH/sink.pid --listen 127.0.0.2:2526 \
	    --starttls --cert $PH/sink.test.crt --key $PH/sink.test.key \
	    --client-ca $PH/ca.crt > $PH/sink.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink.out" 10 || atf_fail "no sink"
	kh_conf
	ph_start -v
	printf 'Subject: relay\n\nover TLS\n.with a dot\n' |
	    su phuser -c "$PH_BIN/sendmail -C $PH_CONF -i -f phuser@localhost bob@example.org" ||
	    atf_fail "sendmail failed"
	ph_wait_for "[ -s $SINKDIR/1.env ]" 20 ||
	    { cat $PH_LOG; atf_fail "nothing relayed"; }
	atf_check -o match:'^tls yes$' -o match:'^client client\.test$' \
	    cat $SINKDIR/1.env
	sed '1,/^Subject: relay\r$/d' $SINKDIR/1.msg > body
	printf '\r\nover TLS\r\n.with a dot\r\n' > expect
	atf_check -o file:expect cat body
	atf_check -o match:'keys event=used peer=relay pki=client\.test op=MSG_KEY_RSA_SIGN' \
	    cat $PH_LOG
}

# kh_no_start REGEX - the daemon with this configuration stops at once,
# saying why
kh_no_start() {
	$PH_BIN/smtpd -d -f $PH_CONF > $PH_LOG 2>&1 &
	_pid=$!
	ph_wait_for "! ph_alive $_pid" 20 || atf_fail "the daemon started"
	ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 20 || atf_fail "processes left"
	atf_check -o match:"$1" cat $PH_LOG
}

atf_test_case key_refused
key_refused_head() {
	atf_set descr "a key that does not match its certificate, or an Ed25519 key: the key holder says which, the daemon does not start"
	atf_set timeout 90
}
key_refused_body() {
	kh_setup
	kh_cert ed.test ed25519
	ph_conf <<CONF
pki rsa.test cert "$PH/rsa.test.crt"
pki rsa.test key "$PH/ec.test.key"
listen on 127.0.0.1 port 25 tls pki rsa.test
CONF
	kh_no_start "keys: pki rsa\\.test: key $PH/ec\\.test\\.key does not match the certificate $PH/rsa\\.test\\.crt"
	ph_conf <<CONF
pki ed.test cert "$PH/ed.test.crt"
pki ed.test key "$PH/ed.test.key"
listen on 127.0.0.1 port 25 tls pki ed.test
CONF
	kh_no_start "keys: pki ed\\.test: key $PH/ed\\.test\\.key: RSA and EC keys only"
}

# kh_scan NEEDLE_ARGS EXPECT PID... - memscan.py says EXPECT (found or
# absent) for every PID still running
kh_scan() {
	_args=$1
	_want=$2
	shift 2
	for _p in "$@"; do
		$MEMSCAN $_args $_p > scan || atf_fail "memscan failed on $_p"
		grep -q "^$_p gone$" scan && continue
		grep -q "^$_p $_want" scan ||
		    atf_fail "$(tr '\0' ' ' < /proc/$_p/cmdline): $(cat scan), want $_want"
	done
}

# kh_pids ROLE... - the pids of the daemon's roles, "parent" included
kh_pids() {
	for _r in "$@"; do
		if [ $_r = parent ]; then
			cat $PH/daemon.pid
		else
			ph_role_pids $_r
		fi
	done
}

atf_test_case key_memory
key_memory_head() {
	atf_set descr "after handshakes, no process but the key holder has a private key's numbers or PEM text in its memory or environment"
	atf_set timeout 120
}
key_memory_body() {
	kh_setup
	kh_conf
	ph_start
	kh_swaks 25 --tls
	kh_swaks 466 --tlsc
	keys=$(kh_pids keys)
	[ -n "$keys" ] || atf_fail "no key holder"
	atf_check_equal "$(ph_uid $keys)" "$(id -u _posthorn)"
	atf_check_equal "$(readlink /proc/$keys/root)" "$PH_SPOOL/empty"
	others=$(kh_pids parent queue smtpd relay lookup)
	[ $(echo $others | wc -w) -ge 5 ] || atf_fail "processes: $others"
	for k in rsa.test ec.test client.test; do
		kh_scan "--key $PH/$k.key" found $keys
		kh_scan "--key $PH/$k.key" absent $others
	done
}

atf_test_case queue_key_config
queue_key_config_head() {
	atf_set descr "queue encryption KEY: the key and the AES key made of it are in the queue's memory only"
	atf_set timeout 90
}
queue_key_config_body() {
	kh_setup
	kh_conf "queue encryption \"$QKEY\""
	ph_start
	kh_swaks 25 --tls
	kh_scan "--sha256 $QKEY" found $(kh_pids queue)
	others=$(kh_pids parent smtpd relay lookup keys)
	[ $(echo $others | wc -w) -eq 5 ] || atf_fail "processes: $others"
	kh_scan "--string $QKEY" absent $others
	kh_scan "--sha256 $QKEY" absent $others
}

atf_test_case queue_key_env
queue_key_env_head() {
	atf_set descr "POSTHORN_QUEUE_KEY: in no process's environment once started, in no memory but the queue's"
	atf_set timeout 90
}
queue_key_env_body() {
	kh_setup
	kh_conf "queue encryption"
	POSTHORN_QUEUE_KEY="$QKEY"
	export POSTHORN_QUEUE_KEY
	ph_start
	unset POSTHORN_QUEUE_KEY
	kh_scan "--sha256 $QKEY" found $(kh_pids queue)
	for p in $(ph_all_pids); do
		grep -q "$QKEY" /proc/$p/environ 2>/dev/null &&
		    atf_fail "the key in the environment of $p"
	done
	others=$(kh_pids parent smtpd relay lookup keys)
	[ $(echo $others | wc -w) -eq 5 ] || atf_fail "processes: $others"
	# a sanitizer's runtime keeps a copy of the environment its process
	# started with (/proc/self/environ, read before main): in a
	# sanitizer build the parent's holds the key out of smtpd's reach
	strings=$others
	[ -n "${PH_SANITIZE:-}" ] && strings=$(kh_pids smtpd relay lookup keys)
	kh_scan "--string $QKEY" absent $strings
	kh_scan "--sha256 $QKEY" absent $others
	# and mail flows: the queue has its key
	kh_swaks 25 --tls
}

# kh_hostile SCENARIO ARG N - the hostile listener's N requests are all
# refused, each with an answer; then the key holder still signs
kh_hostile() {
	kh_setup
	kh_conf
	ph_start_hostile smtpd:$1 $2
	ph_wait_for "[ \$(grep -c 'hostile event=key-answer' $PH_LOG) -eq $3 ]" 20 ||
	    { cat $PH_LOG; atf_fail "no answers from the key holder"; }
	atf_check_equal "$(grep -c 'hostile event=key-answer type=MSG_KEY_RESULT status=-1 len=0$' $PH_LOG)" $3
	atf_check_equal "$(grep -c 'keys event=refused peer=smtpd ' $PH_LOG)" $3
	keys=$(kh_pids keys)
	kh_swaks 25 --tls
	kh_swaks 466 --tlsc
	atf_check_equal "$(kh_pids keys)" "$keys"
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon stopped"
}

atf_test_case hostile_unknown_pki
hostile_unknown_pki_head() {
	atf_set descr "a listener asking for the relay's pki or an undeclared one is refused and logged; TLS goes on"
	atf_set timeout 90
}
hostile_unknown_pki_body() {
	kh_hostile keys-pki client.test 2
	atf_check -o match:'keys event=refused peer=smtpd pki=client\.test op=MSG_KEY_RSA_SIGN reason=unknown-pki' \
	    -o match:'keys event=refused peer=smtpd pki=no\.such\.pki op=MSG_KEY_RSA_SIGN reason=unknown-pki' \
	    cat $PH_LOG
}

atf_test_case hostile_oversized
hostile_oversized_head() {
	atf_set descr "lengths beyond the frame or the key are refused and logged; TLS goes on"
	atf_set timeout 90
}
hostile_oversized_body() {
	kh_hostile keys-oversized rsa.test 4
	atf_check -o match:'reason=bad-length len=2049 ' \
	    -o match:'reason=bad-length len=4294967295 ' \
	    -o match:'reason=bad-size len=2048 padding=3$' \
	    -o match:'reason=bad-size len=2048 padding=1$' cat $PH_LOG
}

atf_test_case hostile_bad_algorithm
hostile_bad_algorithm_head() {
	atf_set descr "ECDSA with an RSA key, OAEP signatures, a raw RSA block that is no PSS encoding (a decryption): refused and logged; TLS goes on"
	atf_set timeout 90
}
hostile_bad_algorithm_body() {
	kh_hostile keys-algorithm rsa.test 3
	atf_check -o match:'pki=rsa\.test op=MSG_KEY_ECDSA_SIGN reason=bad-algorithm' \
	    -o match:'pki=rsa\.test op=MSG_KEY_RSA_SIGN reason=bad-algorithm len=32 padding=4$' \
	    -o match:'pki=rsa\.test op=MSG_KEY_RSA_SIGN reason=bad-encoding len=256 padding=3$' \
	    cat $PH_LOG
}

atf_init_test_cases() {
	atf_add_test_case rsa
	atf_add_test_case ecdsa
	atf_add_test_case relay_client_cert
	atf_add_test_case key_refused
	atf_add_test_case key_memory
	atf_add_test_case queue_key_config
	atf_add_test_case queue_key_env
	atf_add_test_case hostile_unknown_pki
	atf_add_test_case hostile_oversized
	atf_add_test_case hostile_bad_algorithm
}
