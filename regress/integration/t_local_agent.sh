# t_local_agent.sh - the local delivery agents of the root parent: one
# agent per account takes many deliveries, two accounts get two, an
# agent killed in the middle of a delivery makes it a temporary failure
# that the next try delivers, an account's queued messages go to its
# agent several at once and share a sync of Maildir/new, an idle agent
# exits, and a compromised agent's answers for deliveries it was not
# given, or malformed ones, are refused and logged.  The queue is seeded
# with spoolgen.py.

. "$(atf_get_srcdir)/subr.sh"

SPOOLGEN="$PY $PH_TOP/regress/tools/spoolgen.py"
LA_START="parent event=agent-start"

# la_setup USER... - namespaces and the accounts named
la_setup() {
	ph_setup
	for _u in "$@"; do
		useradd -m -s /bin/sh "$_u" || atf_fail "useradd $_u"
	done
}

# la_seed N USER [ACTION] - N committed messages for USER@localhost
la_seed() {
	$SPOOLGEN $PH_SPOOL "$1" --dispatcher "${3:-local}" --user "$2" \
	    --rcpt "$2@localhost" --quiet > /dev/null ||
	    atf_fail "spoolgen failed"
	chown -R _posthornq: $PH_SPOOL
}

# la_conf_maildir - Maildir delivery for local mail
la_conf_maildir() {
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" maildir
match from local for local action "local"
CONF
}

# la_count REGEX - log lines matching REGEX
la_count() {
	grep -Ec -- "$1" $PH_LOG
}

# la_evpid - the id of the one seeded envelope
la_evpid() {
	ls $PH_SPOOL/queue/*/ | grep -E '^[0-9a-f]{16}$' | head -1
}

atf_test_case one_agent_per_account
one_agent_per_account_head() {
	atf_set descr "30 Maildir deliveries to each of two accounts: every message is delivered, by one agent per account, each running as its account"
	atf_set timeout 120
}
one_agent_per_account_body() {
	la_setup alice bob
	la_conf_maildir
	la_seed 30 alice
	la_seed 30 bob
	ph_start
	ph_wait_for "[ \$(la_count 'mda event=delivered') -eq 60 ]" 60 ||
	    { cat $PH_LOG; atf_fail "not 60 deliveries"; }
	atf_check -o inline:"30\n" sh -c "ls /home/alice/Maildir/new | wc -l"
	atf_check -o inline:"30\n" sh -c "ls /home/bob/Maildir/new | wc -l"
	atf_check -o inline:"1\n" grep -c "$LA_START user=alice " $PH_LOG
	atf_check -o inline:"1\n" grep -c "$LA_START user=bob " $PH_LOG
	atf_check -o inline:"2\n" grep -c "$LA_START " $PH_LOG
	atf_check -o match:"uid=$(id -u alice) gid=$(id -g alice)" \
	    grep 'parent event=agent-start user=alice ' $PH_LOG
	for _p in $(ph_role_pids local); do
		_u=$(ph_uid $_p)
		[ "$_u" = "$(id -u alice)" ] || [ "$_u" = "$(id -u bob)" ] ||
		    atf_fail "an agent runs as uid $_u"
	done
	atf_check -s exit:1 grep -E 'mda event=(deferred|failed|refused)' \
	    $PH_LOG
}

atf_test_case agent_killed
agent_killed_head() {
	atf_set descr "an agent killed in the middle of a delivery: the delivery is deferred, the daemon goes on, and the next try delivers the message once"
	atf_set timeout 120
}
agent_killed_body() {
	la_setup alice
	_gate="until test -e $PH/release; do sleep 0.1; done"
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "local" mda "touch ~/started; $_gate; cat > ~/got.\$\$"
match from local for local action "local"
CONF
	la_seed 1 alice
	evpid=$(la_evpid)
	ph_start
	ph_wait_for "test -e /home/alice/started" 20 ||
	    { cat $PH_LOG; atf_fail "the delivery did not start"; }
	pid=$(ph_role_pids local)
	[ -n "$pid" ] || atf_fail "no agent"
	kill -KILL $pid
	ph_wait_log "$evpid mda event=deferred .*ended without a result" 20
	ph_wait_log "parent event=agent-stop user=alice .*reason=lost"
	ph_wait_log "$evpid queue event=deferred" 20
	touch $PH/release
	rm /home/alice/started
	atf_check -o ignore $CTL schedule $evpid
	ph_wait_log "$evpid queue event=delivered" 30
	atf_check -o inline:"2\n" grep -c "$LA_START user=alice " $PH_LOG
	atf_check -o inline:"1\n" grep -c "$evpid queue event=delivered" $PH_LOG
	atf_check -o match:'^Subject: seeded message 0$' \
	    sh -c "cat /home/alice/got.*"
	ph_alive $(cat $PH/daemon.pid) || atf_fail "the daemon died"
}

# la_same N USER - each of the N messages seeded for USER is in its
# Maildir/new once, byte for byte as spoolgen.py wrote it after the two
# lines the delivery adds
la_same() {
	$PY - "$1" "/home/$2/Maildir/new" "$2@localhost" "$PH_TOP" <<'PY' ||
import os, sys
n, d, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(sys.argv[4], "regress/tools"))
import spoolgen
seen = {}
for name in os.listdir(d):
    data = open(os.path.join(d, name)).read()
    i = int(data.split("Subject: seeded message ")[1].split("\n")[0])
    want = ("Return-Path: <sender@remote.example>\nDelivered-To: %s\n"
            % rcpt) + spoolgen.message(i)
    if data != want:
        sys.exit("%s: not message %d as seeded" % (name, i))
    seen[i] = seen.get(i, 0) + 1
if sorted(seen) != list(range(n)) or set(seen.values()) != {1}:
    sys.exit("messages delivered: %s" % sorted(seen.items()))
PY
	    atf_fail "the Maildir does not hold the $1 messages once each"
}

atf_test_case batched_sync
batched_sync_head() {
	atf_set descr "64 queued messages to one account: its agent takes several at once and syncs Maildir/new once for each batch (fewer syncs than half the messages), and every message arrives once, byte for byte"
	atf_set timeout 120
}
batched_sync_body() {
	command -v strace >/dev/null || atf_fail "strace is missing"
	la_setup alice
	la_conf_maildir
	la_seed 64 alice
	strace -f -qq -y -e trace=fsync -o $PH/fsync.trace \
	    $PH_BIN/smtpd -d -f $PH_CONF > $PH_LOG 2>&1 &
	echo $! > $PH/daemon.pid
	ph_wait_for "[ \$(la_count 'mda event=delivered') -eq 64 ]" 60 ||
	    { cat $PH_LOG; atf_fail "not 64 deliveries"; }
	la_same 64 alice
	syncs=$(grep -c 'fsync([0-9]*</home/alice/Maildir/new>) = 0' \
	    $PH/fsync.trace)
	echo "fsync of Maildir/new: $syncs for 64 deliveries"
	[ "$syncs" -ge 1 ] && [ "$syncs" -lt 32 ] ||
	    atf_fail "$syncs syncs of Maildir/new for 64 deliveries"
	atf_check -s exit:1 grep -E 'mda event=(deferred|failed|refused)' \
	    $PH_LOG
}

atf_test_case idle_exit
idle_exit_head() {
	atf_set descr "an agent without work exits after its idle time; the next message starts a new one"
	atf_set timeout 120
}
idle_exit_body() {
	la_setup alice
	la_conf_maildir
	la_seed 1 alice
	ph_start
	ph_wait_log 'mda event=delivered user=alice' 20
	ph_wait_log 'agent-stop user=alice .*reason=idle deliveries=1' 30
	ph_wait_for "[ -z \"\$(ph_role_pids local)\" ]" 10 ||
	    { ps ax; atf_fail "the idle agent did not exit"; }
	echo "Subject: again" | $PH_BIN/sendmail -C $PH_CONF alice ||
	    atf_fail "sendmail failed"
	ph_wait_for "[ \$(la_count 'mda event=delivered user=alice') -eq 2 ]" \
	    30 || { cat $PH_LOG; atf_fail "the second message was lost"; }
	atf_check -o inline:"2\n" grep -c "$LA_START user=alice " $PH_LOG
}

# la_hostile SCENARIO - a seeded message for alice given to a hostile
# agent: the answer is refused and logged, the delivery deferred, the
# mailbox untouched, the daemon alive
la_hostile() {
	la_setup alice
	la_conf_maildir
	la_seed 1 alice
	evpid=$(la_evpid)
	ph_start_hostile "local:$1"
	ph_wait_log 'hostile event=forged' 20
	ph_wait_log "$evpid mda event=deferred .*ended without a result" 20
	ph_wait_log "$evpid queue event=deferred" 20
	ph_wait_log "parent event=agent-stop user=alice .*reason=$2"
	atf_check -s exit:1 grep -E 'mda event=delivered|queue event=delivered' \
	    $PH_LOG
	[ ! -d /home/alice/Maildir/new ] ||
	    [ -z "$(ls /home/alice/Maildir/new)" ] ||
	    atf_fail "something was delivered"
	ph_alive $(cat $PH/daemon.pid) || atf_fail "the daemon died"
	atf_check -o match:"^$evpid\|" $CTL show queue
}

atf_test_case hostile_forged_result
hostile_forged_result_head() {
	atf_set descr "a compromised agent reports success for a delivery it was not given: refused and logged, the delivery it was given is deferred"
	atf_set timeout 90
}
hostile_forged_result_body() {
	la_hostile forge refused
	atf_check -o match:'parent event=agent-refused user=alice pid=[0-9]+ ' \
	    -o match:'seq=2 error="not the delivery it was given"' cat $PH_LOG
}

atf_test_case hostile_malformed
hostile_malformed_head() {
	atf_set descr "a compromised agent sends a frame of the wrong size: refused and logged, its channel closed, the delivery deferred"
	atf_set timeout 90
}
hostile_malformed_body() {
	la_hostile garbage lost
	atf_check -o match:'MSG_LOCAL_RESULT.*local.client.*wrong payload' \
	    cat $PH_LOG
}

atf_test_case hostile_reorder
hostile_reorder_head() {
	atf_set descr "a compromised agent given two deliveries at once reports the second before the first: refused and logged, both deferred, nothing delivered"
	atf_set timeout 90
}
hostile_reorder_body() {
	la_setup alice
	la_conf_maildir
	la_seed 2 alice
	ph_start_hostile "local:reorder"
	ph_wait_log 'parent event=agent-stop user=alice .*reason=refused' 20
	atf_check -o match:'parent event=agent-refused user=alice pid=[0-9]+ ' \
	    -o match:'seq=2 error="not the delivery it was given"' cat $PH_LOG
	atf_check -o inline:"2\n" grep -c 'hostile event=forged' $PH_LOG
	ph_wait_for "[ \$(la_count 'queue event=deferred') -eq 2 ]" 20 ||
	    { cat $PH_LOG; atf_fail "not both deferred"; }
	atf_check -o inline:"2\n" grep -c \
	    'mda event=deferred .*ended without a result' $PH_LOG
	atf_check -s exit:1 grep -E 'mda event=delivered|queue event=delivered' \
	    $PH_LOG
	ph_alive $(cat $PH/daemon.pid) || atf_fail "the daemon died"
}

atf_init_test_cases() {
	atf_add_test_case one_agent_per_account
	atf_add_test_case batched_sync
	atf_add_test_case agent_killed
	atf_add_test_case idle_exit
	atf_add_test_case hostile_forged_result
	atf_add_test_case hostile_malformed
	atf_add_test_case hostile_reorder
}
