# t_filter_milter_real.sh - the milters and filters administrators run,
# from their Debian packages, with a real daemon over loopback
# (milter_subr.sh starts them in the test's namespaces): OpenDKIM signs
# what one listener receives, python3-dkim verifies the delivered
# message and another listener's OpenDKIM verifies it once sent again; OpenDMARC passes the signed
# message and refuses an unaligned one; rspamd's milter proxy and
# OpenSMTPD's filter-rspamd refuse GTUBE and pass a clean message.

. "$(atf_get_srcdir)/subr.sh"
. "$(atf_get_srcdir)/milter_subr.sh"

GTUBE='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'

# mr_setup - namespaces, the test's DNS with example.org's SPF and DMARC
# records, user alice
mr_setup() {
	ph_setup
	useradd -m -s /bin/sh alice || atf_fail "useradd alice"
	ph_dns_zone <<'ZONE'
example.org TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.example.org TXT "v=DMARC1; p=reject"
ZONE
	ph_dns_start
}

# mr_talk ARGS - a session through talk.py into $PH/out
mr_talk() {
	$TALK "$@" > $PH/out 2>&1 || { cat $PH/out; atf_fail "talk"; }
}

# mr_send PORT FROM BODY - one message From: a@example.org to
# alice@example.net, envelope sender FROM, through the listener on PORT
mr_send() {
	mr_talk --port "$1" "EHLO client.example.org" "MAIL FROM:<$2>" \
	    "RCPT TO:<alice@example.net>" "DATA" \
	    "=From: Alice <a@example.org>" "=To: <alice@example.net>" \
	    "=Subject: a test" "=Date: Mon, 7 Dec 2026 12:00:00 +0000" \
	    "=Message-ID: <$3@example.org>" "=" "=$3" "=" \
	    "=some more text, so that no scanner finds the body too short" \
	    "." "QUIT"
}

# mr_delivered N - wait for N deliveries in the log
mr_delivered() {
	ph_wait_for "[ \$(grep -c 'mda event=delivered' $PH_LOG) -ge $1 ]" \
	    30 || { cat $PH_LOG; atf_fail "no $1 deliveries"; }
}

# mr_mail TEXT - the file in alice's Maildir whose body has TEXT
mr_mail() {
	grep -l -x -- "$1" /home/alice/Maildir/new/* 2>/dev/null | head -n 1
}

# mr_dkim_conf [LINES [FILTER]] - OpenDKIM signing on 8891 (example.org,
# selector sel) and verifying on 8892; port 25 signs, port 2525 runs
# the verifier (or FILTER, among LINES); both deliver to alice
mr_dkim_conf() {
	ml_opendkim_sign 8891 example.org sel
	ml_opendkim_verify 8892
	ph_conf <<CONF
filter dkims milter "inet:127.0.0.1:8891"
filter dkimv milter "inet:127.0.0.1:8892"
${1:-}
listen on 127.0.0.1 port 25 filter dkims
listen on 127.0.0.1 port 2525 filter ${2:-dkimv}
action "in" maildir
match from any for domain "example.net" action "in"
CONF
	ph_start
}

# mr_resend FILE PORT - the message in FILE (the agent's Return-Path:
# and Delivered-To: left out) sent again through the listener on PORT
mr_resend() {
	sed '1,2d' "$1" > $PH/resend
	cat > $PH/resend.py <<'PY'
import smtplib
import sys

with smtplib.SMTP("127.0.0.1", int(sys.argv[2])) as s:
    s.sendmail("a@example.org", ["alice@example.net"],
               open(sys.argv[1], "rb").read().replace(b"\n", b"\r\n"))
PY
	$PY $PH/resend.py $PH/resend "$2" ||
	    { cat $PH_LOG; atf_fail "cannot send $1 again"; }
}

atf_test_case opendkim
opendkim_head() {
	atf_set descr "OpenDKIM as a milter signs mail from example.org received from 127.0.0.1: the delivered message verifies with python3-dkim, not once changed; sent again through a listener whose OpenDKIM verifies, it gets dkim=pass"
	atf_set timeout 90
}
opendkim_body() {
	mr_setup
	mr_dkim_conf
	mr_send 25 a@example.org signed-one
	grep -q '^250 2\.0\.0 ' $PH/out ||
	    { cat $PH/out $PH_LOG; atf_fail "refused"; }
	mr_delivered 1
	_m=$(mr_mail signed-one)
	[ -n "$_m" ] || atf_fail "no message delivered"
	atf_check -o match:'^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel;' \
	    cat "$_m"
	cat > $PH/verify.py <<'PY'
import sys

import dkim

sys.exit(0 if dkim.verify(open(sys.argv[1], "rb").read()) else 1)
PY

	atf_check $PY $PH/verify.py "$_m"
	sed 's/^signed-one$/signed-One/' "$_m" > $PH/changed
	atf_check -s exit:1 $PY $PH/verify.py $PH/changed
	mr_resend "$_m" 2525
	mr_delivered 2
	_v=$(ls -t /home/alice/Maildir/new/* | head -n 1)
	atf_check -o match:"^Authentication-Results: $ML_AUTHSERV;" \
	    -o match:'dkim=pass .*header\.d=example\.org' \
	    sed -n '/^Authentication-Results:/{N;N;s/\n[ \t]*/ /g;p;}' "$_v"
}

atf_test_case opendmarc
opendmarc_head() {
	atf_set descr "OpenDKIM verifying then OpenDMARC in a chain: the signed message passes DMARC (its Authentication-Results say so); one from an unaligned envelope sender without signature is refused at the end of its data under p=reject, and not queued"
	atf_set timeout 90
}
opendmarc_body() {
	mr_setup
	ml_opendmarc 8893 reject
	mr_dkim_conf 'filter dmarc milter "inet:127.0.0.1:8893"
filter in chain { dkimv, dmarc }' in
	mr_send 25 a@example.org dmarc-pass
	mr_delivered 1
	mr_resend "$(mr_mail dmarc-pass)" 2525
	mr_delivered 2
	_v=$(ls -t /home/alice/Maildir/new/* | head -n 1)
	atf_check -o match:"^Authentication-Results: $ML_AUTHSERV; dmarc=pass" \
	    sed -n '/^Authentication-Results:/{N;s/\n[ \t]*/ /g;p;}' "$_v"
	mr_send 2525 b@other.test dmarc-fail
	atf_check -o match:'^550 5\.7\.1 .*' grep '^5' $PH/out
	ph_wait_log 'smtp event=filter phase=commit filter=dmarc decision=reject'
	[ -z "$(mr_mail dmarc-fail)" ] || atf_fail "the refused message came"
	atf_check_equal "$(grep -c 'queue event=tx-commit' $PH_LOG)" 2
}

atf_test_case rspamd
rspamd_head() {
	atf_set descr "rspamd through its milter proxy, and OpenSMTPD's filter-rspamd asking rspamd over HTTP: GTUBE is refused at the end of its data and not queued, a clean message is delivered"
	atf_set timeout 120
}
rspamd_body() {
	mr_setup
	ml_rspamd 8895 8896
	ph_conf <<'CONF'
filter rspamd milter "inet:127.0.0.1:8895"
filter frs proc-exec "/usr/libexec/opensmtpd/filter-rspamd -url http://127.0.0.1:8896"
listen on 127.0.0.1 port 25 filter rspamd
listen on 127.0.0.1 port 2525 filter frs
action "in" maildir
match from any for domain "example.net" action "in"
CONF
	ph_start
	ph_wait_log 'lookup event=filter-ready name=frs generation=1 '
	mr_send 25 a@example.org "$GTUBE"
	atf_check -o match:'^554 5\.7\.1 ' grep '^5' $PH/out
	mr_send 25 a@example.org clean-milter
	mr_delivered 1
	[ -n "$(mr_mail clean-milter)" ] || atf_fail "the clean message"
	mr_send 2525 a@example.org "$GTUBE"
	atf_check -o match:'^550 ' grep '^5' $PH/out
	mr_send 2525 a@example.org clean-filter
	mr_delivered 2
	[ -n "$(mr_mail clean-filter)" ] || atf_fail "the clean message"
	atf_check_equal "$(grep -c 'queue event=tx-commit' $PH_LOG)" 2
	atf_check -s exit:1 grep -rq 'GTUBE' /home/alice/Maildir
}

atf_init_test_cases() {
	atf_add_test_case opendkim
	atf_add_test_case opendmarc
	atf_add_test_case rspamd
}
