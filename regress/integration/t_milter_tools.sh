# t_milter_tools.sh - the equipment of the milter tests, each piece
# proven with a milter client that exists today, miltertest(8) (Lua
# scripts mt_send.lua and mt_scripted.lua beside this file):
# regress/tools/milter.py answers and modifies as scripted, logs every
# callback, and in raw mode misbehaves as asked.

. "$(atf_get_srcdir)/subr.sh"

MILTER="$PY $PH_TOP/regress/tools/milter.py"

# mt_send SOCK MSGFILE [VAR=VALUE...] - miltertest running mt_send.lua
# on the message in MSGFILE (MT_FLAGS: its options); its output in
# $PH/mt.out, the same with folded lines joined in $PH/mt.flat, its
# status in $PH/mt.rc
mt_send() {
	_sock=$1
	_msg=$2
	shift 2
	_defs=""
	for _v in "$@"; do _defs="$_defs -D $_v"; done
	# shellcheck disable=SC2086
	miltertest ${MT_FLAGS:-} -D sock="$_sock" -D msg="$_msg" $_defs \
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
	$MILTER --socket inet:8890@127.0.0.1 --log $PH/milter.log \
	    --script $PH/script.json --pidfile $PH/milter.pid \
	    > $PH/milter.out 2>&1 &
	ph_wait_for "test -s $PH/milter.pid" 10 ||
	    { cat $PH/milter.out; atf_fail "milter.py did not start"; }
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
		$MILTER --socket inet:$_port@127.0.0.1 --log $PH/raw.$_port \
		    --pidfile $PH/raw.$_port.pid --raw $_m \
		    > $PH/raw.$_port.out 2>&1 &
		ph_wait_for "test -s $PH/raw.$_port.pid" 10 ||
		    { cat $PH/raw.$_port.out; atf_fail "milter.py --raw $_m"; }
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
			atf_check -o match:'"cb": "body"' cat $PH/raw.$_port
			atf_check -s exit:1 grep -q '"eom"' $PH/raw.$_port
			;;
		"sleep-at eom 5")
			atf_check -o match:'^fail=eom ' cat $PH/mt.out
			;;
		esac
	done
}

atf_init_test_cases() {
	atf_add_test_case scripted
	atf_add_test_case raw
}
