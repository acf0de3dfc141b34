# t_milter_tools.sh - the equipment of the milter tests, each piece
# proven with a milter client that exists today, miltertest(8) (Lua
# scripts mt_send.lua and mt_scripted.lua beside this file):
# regress/tools/milter.py answers and modifies as scripted, logs every
# callback, and in raw mode misbehaves as asked; milter_subr.sh's
# OpenDKIM signs (the signature verifies with python3-dkim,
# opendkim-testmsg and a verifying OpenDKIM), OpenDMARC judges by SPF
# and DKIM results, rspamd rejects GTUBE over milter and HTTP and
# OpenSMTPD's filter-rspamd registers and asks it; dnsd.py serves the
# TXT records (DKIM key, SPF, DMARC) they read.

. "$(atf_get_srcdir)/subr.sh"
. "$(atf_get_srcdir)/milter_subr.sh"

MILTER="$PY $PH_TOP/regress/tools/milter.py"
MT_AR="Authentication-Results: $ML_AUTHSERV"

# mt_send SOCK MSGFILE [VAR=VALUE...] - miltertest running mt_send.lua
# on the message in MSGFILE (MT_FLAGS: its options); its output in
# $PH/mt.out, the same with folded lines joined in $PH/mt.flat, its
# status in $PH/mt.rc
mt_send() {
	_sock=$1
	_msg=$2
	shift 2
	for _v in "$@"; do set -- "$@" -D "$_v"; shift; done
	# shellcheck disable=SC2086
	miltertest ${MT_FLAGS:-} -D sock="$_sock" -D msg="$_msg" "$@" \
	    -s "$(atf_get_srcdir)/mt_send.lua" > $PH/mt.out 2>&1
	echo $? > $PH/mt.rc
	cat $PH/mt.out >&2
	awk '/^[ \t]/ { sub(/^[ \t]+/, " "); l = l $0; next }
	    { if (NR > 1) print l; l = $0 } END { print l }' \
	    $PH/mt.out > $PH/mt.flat
}

# mt_msg FILE [BODY] - a message from a@example.org to b@example.org
mt_msg() {
	printf '%s\n' "From: Alice <a@example.org>" "To: <b@example.org>" \
	    "Subject: a test" " folded" \
	    "Date: Mon, 7 Dec 2026 12:00:00 +0000" \
	    "Message-ID: <1@example.org>" "" "${2:-hello}" "..dot" > "$1"
}

# mt_tools - fail unless miltertest and python3-milter are there
mt_tools() {
	command -v miltertest >/dev/null ||
	    atf_fail "miltertest is missing: run regress/deps.sh"
	$PY -c 'import Milter' ||
	    atf_fail "python3-milter is missing: run regress/deps.sh"
}

# mt_milter NAME ARGS - milter.py with ARGS, its pid in $PH/NAME.pid
# once it accepts, its log in $PH/NAME.log
mt_milter() {
	_mn=$1
	shift
	$MILTER --log $PH/$_mn.log --pidfile $PH/$_mn.pid "$@" \
	    > $PH/$_mn.out 2>&1 &
	ph_wait_for "test -s $PH/$_mn.pid" 10 ||
	    { cat $PH/$_mn.out; atf_fail "milter.py $*"; }
}

atf_test_case scripted
scripted_head() {
	atf_set descr "milter.py on libmilter answers each callback as its script says, makes every modification at eom and logs each callback with its arguments and macros"
	atf_set timeout 30
}
scripted_body() {
	mt_tools
	ph_setup
	cat > $PH/script.json <<'EOF'
{"envrcpt": [{"if": "bad@", "action": "reject",
              "reply": ["550", "5.7.1", "no such user"]}],
 "eom": {"action": "accept",
         "mods": [["addheader", "X-Added", "yes"],
                  ["insheader", 0, "X-First", "top"],
                  ["chgheader", "Subject", 1, "new"],
                  ["chgheader", "X-Old", 1, ""],
                  ["replacebody", "new body\r\n"],
                  ["addrcpt", "<c@example.org>"],
                  ["delrcpt", "<b@example.org>"],
                  ["chgfrom", "<d@example.org>"],
                  ["quarantine", "held"]]},
 "symlist": {"connect": ["j", "{daemon_name}"]}, "leadspc": true}
EOF
	mt_milter milter --socket inet:8890@127.0.0.1 --script $PH/script.json
	atf_check -o inline:"scripted: ok\n" miltertest \
	    -D sock=inet:8890@127.0.0.1 \
	    -s "$(atf_get_srcdir)/mt_scripted.lua"
	ph_wait_for "grep -q '\"cb\": \"close\"' $PH/milter.log" 10 ||
	    atf_fail "no close in the log"
	cat > $PH/check.py <<'PY'
import json
import sys

ev = [json.loads(line) for line in open(sys.argv[1])]
cbs = [e["cb"] for e in ev]
want = ["negotiate", "connect", "helo", "envfrom", "envrcpt", "envrcpt",
        "data", "header", "header", "eoh", "body", "body", "eom", "close"]
assert cbs == want, cbs
neg, conn, helo, mail, rcpt, _, _, subj = ev[:8]
assert neg["actions"] & 0x100 and neg["protocol"], neg
assert conn["hostname"] == "client.example.org", conn
assert conn["family"] == "inet" and conn["address"][0] == "127.0.0.1", conn
assert conn["macros"] == {"j": "mx.example.org",
                          "{daemon_name}": "posthorn"}, conn
assert helo["hostname"] == "client.example.org", helo
assert mail["addr"] == "<a@example.org>", mail
assert mail["args"] == ["SIZE=100", "BODY=8BITMIME"], mail
assert mail["macros"]["i"] == "4A1B2C", mail
assert mail["macros"]["{auth_authen}"] == "alice", mail
assert rcpt["addr"] == "<bad@example.org>", rcpt
# leadspc: the value as sent, miltertest's own leading space kept
assert subj["name"] == "Subject" and subj["value"] == "  odd\tvalue ", subj
assert [e["len"] for e in ev if e["cb"] == "body"] == [10, 10], ev
assert ev[12]["body"] == "line one\r\nline two\r\n", ev[12]
PY
	atf_check $PY $PH/check.py $PH/milter.log
}

atf_test_case sockets
sockets_head() {
	atf_set descr "milter.py listens on a port it chose (--portfile) and on a Unix socket; a scripted sleep at eom outlasts the client's timeout"
	atf_set timeout 30
}
sockets_body() {
	mt_tools
	ph_setup
	mt_msg $PH/msg
	mt_milter any --socket inet:0@127.0.0.1 --portfile $PH/any.port
	_port=$(cat $PH/any.port)
	mt_send inet:$_port@127.0.0.1 $PH/msg
	atf_check -o inline:"step=eom reply=accept\n" cat $PH/mt.out
	atf_check -o match:'"cb": "eom"' cat $PH/any.log
	echo '{"eom": {"sleep": 4}}' > $PH/slow.json
	mt_milter slow --socket unix:$PH/slow.sock --script $PH/slow.json
	mt_send unix:$PH/slow.sock $PH/msg timeout=1
	atf_check -o match:'^fail=eom ' cat $PH/mt.out
	atf_check -o match:'"cb": "eom"' cat $PH/slow.log
}

atf_test_case raw
raw_head() {
	atf_set descr "milter.py --raw misbehaves as asked: a malformed option negotiation, garbage for a chosen step, death at the first body chunk, no answer in time at eom; the steps before it are answered"
	atf_set timeout 40
}
raw_body() {
	mt_tools
	ph_setup
	mt_msg $PH/msg
	_port=8900
	for _m in "garbage" "garbage envrcpt" "die-at body" "sleep-at eom 5"
	do
		_port=$((_port + 1))
		# shellcheck disable=SC2086
		mt_milter raw.$_port --socket inet:$_port@127.0.0.1 --raw $_m
		MT_FLAGS=-vv mt_send inet:$_port@127.0.0.1 $PH/msg timeout=2
		case $_m in
		"garbage")
			# three octets where twelve belong; miltertest
			# does not mind
			atf_check -o match:'mt_milter_read\(3\): cmd O, len 3$' \
			    cat $PH/mt.out
			;;
		"garbage envrcpt")
			# 90 is 'Z', no reply code of the protocol
			atf_check -o match:'^step=envrcpt reply=90' cat $PH/mt.out
			;;
		"die-at body")
			atf_check -o match:'^fail=body ' cat $PH/mt.out
			atf_check -o match:'"cb": "body"' cat $PH/raw.$_port.log
			atf_check -s exit:1 grep -q '"eom"' $PH/raw.$_port.log
			;;
		"sleep-at eom 5")
			atf_check -o match:'^fail=eom ' cat $PH/mt.out
			;;
		esac
	done
}

# mt_dkim_setup - dnsd with SPF and DMARC for example.org, OpenDKIM
# signing on 8891 for example.org with selector sel
mt_dkim_setup() {
	mt_tools
	ph_setup
	ph_dns_zone <<'EOF'
example.org TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.example.org TXT "v=DMARC1; p=reject"
EOF
	ph_dns_start
	ml_opendkim_sign 8891 example.org sel
	mt_msg $PH/msg
	mt_send inet:8891@127.0.0.1 $PH/msg get=DKIM-Signature
	atf_check -o match:'^DKIM-Signature: v=1; a=rsa-sha256; ' \
	    -o match:' c=relaxed/relaxed; d=example.org; s=sel;' \
	    cat $PH/mt.out
	{ grep -v '^step=' $PH/mt.out; cat $PH/msg; } > $PH/signed
}

atf_test_case opendkim_sign
opendkim_sign_head() {
	atf_set descr "ml_opendkim_sign: OpenDKIM signs mail from its domain sent by 127.0.0.1; the signature verifies with python3-dkim and opendkim-testmsg against the key dnsd.py serves, a changed body does not; a client elsewhere gets no signature unless authenticated"
	atf_set timeout 40
}
opendkim_sign_body() {
	mt_dkim_setup
	atf_check -o match:'^step=eom reply=accept' cat $PH/mt.out
	cat > $PH/verify.py <<'PY'
import sys

import dkim

sys.exit(0 if dkim.verify(open(sys.argv[1], "rb").read()) else 1)
PY
	atf_check $PY $PH/verify.py $PH/signed
	atf_check opendkim-testmsg < $PH/signed
	sed 's/^hello$/hellO/' $PH/signed > $PH/changed
	atf_check -s exit:1 $PY $PH/verify.py $PH/changed
	atf_check -s not-exit:0 -o ignore -e ignore \
	    opendkim-testmsg < $PH/changed
	# not an internal host: accepted unsigned, unless authenticated
	mt_send inet:8891@127.0.0.1 $PH/msg get=DKIM-Signature ip=192.0.2.7
	atf_check -o inline:"step=eoh reply=accept\n" cat $PH/mt.out
	mt_send inet:8891@127.0.0.1 $PH/msg get=DKIM-Signature ip=192.0.2.7 \
	    auth=alice
	atf_check -o match:'^DKIM-Signature: v=1;' cat $PH/mt.out
}

atf_test_case opendkim_verify
opendkim_verify_head() {
	atf_set descr "ml_opendkim_verify: OpenDKIM adds Authentication-Results with dkim=pass for a message signed by ml_opendkim_sign, dkim=fail when its body changed, dkim=none without signature"
	atf_set timeout 40
}
opendkim_verify_body() {
	mt_dkim_setup
	ml_opendkim_verify 8892
	mt_send inet:8892@127.0.0.1 $PH/signed get=Authentication-Results \
	    ip=192.0.2.7
	atf_check -o match:"^$MT_AR;.*dkim=pass .*header.d=example.org" \
	    cat $PH/mt.flat
	sed 's/^hello$/hellO/' $PH/signed > $PH/changed
	mt_send inet:8892@127.0.0.1 $PH/changed get=Authentication-Results \
	    ip=192.0.2.7
	atf_check -o match:"^$MT_AR;.*dkim=fail" \
	    cat $PH/mt.flat
	mt_send inet:8892@127.0.0.1 $PH/msg get=Authentication-Results \
	    ip=192.0.2.7
	atf_check -o match:"^$MT_AR; dkim=none" \
	    cat $PH/mt.flat
}

atf_test_case opendmarc
opendmarc_head() {
	atf_set descr "ml_opendmarc: mail claiming example.org (p=reject) gets dmarc=pass with a trusted DKIM pass or an aligned SPF pass, dmarc=fail with neither; with reject, the failing message is refused; ml_stop stops both instances"
	atf_set timeout 40
}
opendmarc_body() {
	mt_tools
	ph_setup
	ph_dns_zone <<'EOF'
example.org TXT "v=spf1 ip4:127.0.0.1 ip4:192.0.2.7 -all"
_dmarc.example.org TXT "v=DMARC1; p=reject"
EOF
	ph_dns_start
	ml_opendmarc 8893
	mt_msg $PH/msg
	# from 127.0.0.1, OpenDMARC's own SPF check passes any domain
	# without asking: an envelope outside example.org is unaligned
	mt_send inet:8893@127.0.0.1 $PH/msg get=Authentication-Results \
	    from='<b@other.test>'
	atf_check -o match:"^$MT_AR; dmarc=fail \(p=reject" \
	    cat $PH/mt.flat
	# a DKIM pass from the trusted verifier
	{
		echo "Authentication-Results: $ML_AUTHSERV; dkim=pass" \
		    "header.d=example.org header.s=sel"
		cat $PH/msg
	} > $PH/dkim
	mt_send inet:8893@127.0.0.1 $PH/dkim get=Authentication-Results \
	    from='<b@other.test>'
	atf_check -o match:"^$MT_AR; dmarc=pass" \
	    cat $PH/mt.flat
	# SPF from the record: 192.0.2.7 passes and aligns, 192.0.2.8 fails
	mt_send inet:8893@127.0.0.1 $PH/msg get=Authentication-Results \
	    ip=192.0.2.7
	atf_check -o match:"^$MT_AR; spf=pass smtp.mailfrom=example.org" \
	    -o match:"^$MT_AR; dmarc=pass" \
	    cat $PH/mt.flat
	mt_send inet:8893@127.0.0.1 $PH/msg get=Authentication-Results \
	    ip=192.0.2.8
	atf_check -o match:"^$MT_AR; spf=fail smtp.mailfrom=example.org" \
	    -o match:"^$MT_AR; dmarc=fail" \
	    cat $PH/mt.flat
	ml_opendmarc 8894 reject
	mt_send inet:8894@127.0.0.1 $PH/msg from='<b@other.test>'
	atf_check -o match:'^step=eom reply=(reject|replycode)' cat $PH/mt.out
	# ml_stop ends both
	ml_stop
	atf_check -o empty ss -Hltn 'sport = :8893 or sport = :8894'
	atf_check -s exit:1 -o empty ps -C opendmarc -o pid=
}

atf_test_case rspamd
rspamd_head() {
	atf_set descr "ml_rspamd: rspamc on the normal worker says reject for GTUBE and no action for a clean message; over milter the proxy refuses GTUBE and accepts the clean one; OpenSMTPD's filter-rspamd registers and, asking the normal worker, rejects GTUBE at commit and lets the clean one proceed"
	atf_set timeout 60
}
rspamd_body() {
	mt_tools
	ph_setup
	ph_dns_start
	ml_rspamd 8895 8896
	mt_msg $PH/clean
	mt_msg $PH/gtube \
	    'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
	atf_check -o match:'^Action: reject' rspamc -h 127.0.0.1:8896 $PH/gtube
	atf_check -o match:'^Action: no action' \
	    rspamc -h 127.0.0.1:8896 $PH/clean
	mt_send inet:8895@127.0.0.1 $PH/gtube
	atf_check -o match:'^step=eom reply=replycode' cat $PH/mt.out
	atf_check -o match:'S \(reject\): .*GTUBE' \
	    grep 'qid: <4A1B2C3D>' $ML/rspamd-8895/rspamd.log
	mt_send inet:8895@127.0.0.1 $PH/clean
	atf_check -s exit:1 grep -q '^step=.*reply=\(replycode\|reject\)' \
	    $PH/mt.out
	atf_check -o inline:"0\n" cat $PH/mt.rc
	# OpenSMTPD's filter-rspamd asks the normal worker over HTTP
	mt_filter_rspamd
	_r=filter-result
	atf_check -o inline:"$_r|00000000000000a1|2222|reject|550 Gtube pattern
$_r|00000000000000b2|2222|proceed
" \
	    $PY $PH/frs.py /usr/libexec/opensmtpd/filter-rspamd \
	    -url http://127.0.0.1:8896
}

# mt_filter_rspamd - $PH/frs.py FILTER ARGS: the lookup's side of
# smtpd-filters(7) by hand: configure and wait for register|ready, then
# one session with GTUBE and one clean, printing what the filter
# answers to each commit
mt_filter_rspamd() {
	cat > $PH/frs.py <<'PY'
import subprocess
import sys
import time

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True, bufsize=1)


def say(line):
    p.stdin.write(line + "\n")
    p.stdin.flush()


def session(sid, body):
    ts = "%.6f" % time.time()
    rep = "report|0.7|%s|smtp-in|" % ts
    fil = "filter|0.7|%s|smtp-in|" % ts
    say(rep + "link-connect|%s|localhost|pass|127.0.0.1:40000|"
        "127.0.0.1:25" % sid)
    say(rep + "link-greeting|%s|mx.example.org" % sid)
    say(rep + "link-identify|%s|EHLO|client.example.org" % sid)
    say(rep + "tx-begin|%s|0000000a" % sid)
    say(rep + "tx-mail|%s|0000000a|ok|a@example.org" % sid)
    say(rep + "tx-rcpt|%s|0000000a|ok|b@example.org" % sid)
    for line in ["From: <a@example.org>", "Subject: t", "", body, "bye",
                 "."]:
        say(fil + "data-line|%s|1111|%s" % (sid, line))
    for line in p.stdout:
        if line.endswith("|.\n"):
            break
    # as OpenSMTPD: an empty last field, which filter-rspamd requires
    say(fil + "commit|%s|2222|" % sid)
    print(p.stdout.readline(), end="")


for c in ("smtpd-version|7.5.0", "protocol|0.7", "smtp-session-timeout|300",
          "subsystem|smtp-in", "ready"):
    say("config|" + c)
for line in p.stdout:
    if line == "register|ready\n":
        break
session("00000000000000a1", GTUBE)
session("00000000000000b2", "hello")
p.stdin.close()
sys.exit(p.wait())
PY
}

atf_init_test_cases() {
	atf_add_test_case scripted
	atf_add_test_case sockets
	atf_add_test_case raw
	atf_add_test_case opendkim_sign
	atf_add_test_case opendkim_verify
	atf_add_test_case opendmarc
	atf_add_test_case rspamd
}
