# t_sandbox.sh - the walls of the roles that dropped their privileges
# (common/sandbox.c): a system call outside its role's list kills the
# process that makes it, the daemon then stops cleanly, and a message
# answered 250 is still delivered after a restart; the sandboxed roles
# cannot dump core nor gain privileges.

. "$(atf_get_srcdir)/subr.sh"

SINK="$PY $PH_TOP/regress/tools/sinkd.py"

# sb_conf - relay everything to a host that is not listening yet
sb_conf() {
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "out" relay host smtp://127.0.0.2:2599
match from any for any action "out"
CONF
}

# sb_send - one message over SMTP, answered 250
sb_send() {
	$PY -c "
import smtplib
s = smtplib.SMTP('127.0.0.1', 25)
s.sendmail('alice@example.org', ['bob@example.net'],
           'Subject: kept\r\n\r\nanswered 250 before the attack\r\n')
s.quit()" || atf_fail "the message was not accepted"
}

atf_test_case forbidden_syscall
forbidden_syscall_head() {
	atf_set descr "a listener that starts a shell is killed by its filter; the daemon stops, and the message it had accepted is delivered after a restart"
	atf_set timeout 90
}
forbidden_syscall_body() {
	ph_setup
	sb_conf
	ph_start_hostile smtpd:syscall
	ph_wait_for "$GREETING 25" 10 || atf_fail "no greeting"
	sb_send
	ph_wait_log 'event=tx-commit' 10
	kill -USR1 $(ph_role_pids smtpd) || atf_fail "no listener"
	ph_wait_log 'hostile event=execve' 10
	ph_wait_log 'parent event=child-exit role=smtpd .*signal=31' 20
	ph_wait_exit 30
	if grep -q 'execve-returned' $PH_LOG; then
		atf_fail "execve was not stopped"
	fi
	# nothing lost: the real daemon delivers it once the host listens
	mkdir -p $PH/sink
	$SINK --listen 127.0.0.2:2599 --dir $PH/sink > $PH/sink.out 2>&1 &
	ph_wait_for "grep -q ready $PH/sink.out" 10 || atf_fail "no sink"
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
	$CTL schedule all > /dev/null
	ph_wait_for "ls $PH/sink | grep -q 'env$'" 30 ||
	    { cat $PH_LOG; atf_fail "the accepted message was lost"; }
	atf_check -o match:'answered 250 before the attack' cat $PH/sink/1.msg
}

atf_test_case walls
walls_head() {
	atf_set descr "every sandboxed role runs with a seccomp filter, no new privileges and no core files"
	atf_set timeout 60
}
walls_body() {
	ph_setup
	sb_conf
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
	for role in smtpd queue lookup relay; do
		pid=$(ph_role_pids $role)
		[ -n "$pid" ] || atf_fail "no $role process"
		ph_wait_for "grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status" \
		    10 || atf_fail "$role has no filter"
		atf_check -o match:'^NoNewPrivs:[[:space:]]*1' \
		    cat /proc/$pid/status
		atf_check -o match:'^Max core file size +0 +0 ' \
		    cat /proc/$pid/limits
	done
}

atf_init_test_cases() {
	atf_add_test_case forbidden_syscall
	atf_add_test_case walls
}
