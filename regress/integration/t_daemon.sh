# t_daemon.sh - the process model: privilege separation, development
# mode, stopping, a dying child, configuration checks.

. "$(atf_get_srcdir)/subr.sh"

ph_basic_conf() {
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "local" maildir
match from local for local action "local"
CONF
}

atf_test_case privsep_root
privsep_root_head() {
	atf_set descr "as root: listener and key holder are _posthorn in an empty root, queue is _posthornq in the spool"
	atf_set timeout 60
}
privsep_root_body() {
	ph_setup
	ph_basic_conf
	ph_start
	# the control socket is the queue's: wait until every role has
	# left root, the end of its start
	for r in queue smtpd relay lookup keys; do
		ph_wait_for "p=\$(ph_role_pids $r); [ -n \"\$p\" ] &&
		    [ \"\$(ph_uid \$p)\" != 0 ]" 10 || atf_fail "$r still root"
	done
	q=$(ph_role_pids queue)
	s=$(ph_role_pids smtpd)
	d=$(ph_role_pids relay)
	l=$(ph_role_pids lookup)
	k=$(ph_role_pids keys)
	[ -n "$q" ] && [ -n "$s" ] && [ -n "$d" ] && [ -n "$l" ] && [ -n "$k" ] ||
	    atf_fail "roles missing: q=$q s=$s d=$d l=$l k=$k"
	atf_check_equal "$(ph_uid $s)" "$(id -u _posthorn)"
	atf_check_equal "$(ph_uid $d)" "$(id -u _posthorn)"
	atf_check_equal "$(ph_uid $q)" "$(id -u _posthornq)"
	atf_check_equal "$(ph_uid $l)" "$(id -u _posthorn)"
	atf_check_equal "$(ph_uid $k)" "$(id -u _posthorn)"
	atf_check_equal "$(ph_uid $(cat $PH/daemon.pid))" 0
	atf_check_equal "$(readlink /proc/$s/root)" "$PH_SPOOL/empty"
	atf_check_equal "$(readlink /proc/$q/root)" "$PH_SPOOL"
	atf_check_equal "$(readlink /proc/$d/root)" "$PH_SPOOL/empty"
	atf_check_equal "$(readlink /proc/$k/root)" "$PH_SPOOL/empty"
	[ "$(readlink /proc/$s/root)" != / ] || atf_fail "listener not chrooted"
	# no supplementary groups, no capabilities left
	atf_check -o match:'^CapEff:[[:space:]]*0+$' grep CapEff /proc/$s/status
	atf_check -o match:'^CapEff:[[:space:]]*0+$' grep CapEff /proc/$q/status
	atf_check -o match:'^CapEff:[[:space:]]*0+$' grep CapEff /proc/$k/status
	atf_check -o match:'^220 ' $GREETING 25
}

atf_test_case devmode_user
devmode_user_head() {
	atf_set descr "started by an ordinary user, the same processes run as that user"
	atf_set timeout 60
}
devmode_user_body() {
	ph_setup
	useradd -m -s /bin/sh phuser
	spool=/home/phuser/spool
	cat > /home/phuser/smtpd.conf <<CONF
queue path "$spool"
listen on 127.0.0.1 port 2525
action "local" maildir
match from local for local action "local"
CONF
	chown -R phuser: /home/phuser
	setpriv --reuid=phuser --regid=phuser --init-groups \
	    $PH_BIN/smtpd -d -f /home/phuser/smtpd.conf > $PH_LOG 2>&1 &
	echo $! > $PH/daemon.pid
	ph_wait_for "test -S $spool/run/control.sock" 10 || { cat $PH_LOG; atf_fail "no start"; }
	uid=$(id -u phuser)
	for r in queue smtpd relay lookup keys; do
		ph_wait_for "[ -n \"\$(ph_role_pids $r)\" ]" 10 ||
		    atf_fail "no $r process"
		p=$(ph_role_pids $r)
		atf_check_equal "$(ph_uid $p)" "$uid"
	done
	atf_check -o match:'^220 ' $GREETING 2525
	atf_check -o match:'parent event=development-mode uid=[0-9]+ note="development mode' cat $PH_LOG
	atf_check -o match:'^uptime=' setpriv --reuid=phuser --regid=phuser \
	    --init-groups $PH_BIN/smtpctl -f /home/phuser/smtpd.conf show stats
}

atf_test_case smtpctl_stop
smtpctl_stop_head() {
	atf_set descr "smtpctl stop ends every process the daemon started"
	atf_set timeout 60
}
smtpctl_stop_body() {
	ph_setup
	ph_basic_conf
	ph_start
	pids="$(ph_all_pids)"
	[ $(echo $pids | wc -w) -eq 6 ] || atf_fail "expected 6 processes: $pids"
	atf_check $CTL stop
	ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 15 || atf_fail "left: $(ph_all_pids)"
	wait "$(cat $PH/daemon.pid)"
	atf_check_equal $? 0
	[ ! -e $PH_RUN/smtpd.pid ] || atf_fail "pid file left behind"
	atf_check -s exit:1 -e match:'not running' $CTL show stats
}

atf_test_case sigterm
sigterm_head() {
	atf_set descr "SIGTERM to the parent stops everything with status 0"
	atf_set timeout 60
}
sigterm_body() {
	ph_setup
	ph_basic_conf
	ph_start
	kill -TERM "$(cat $PH/daemon.pid)"
	wait "$(cat $PH/daemon.pid)"
	atf_check_equal $? 0
	ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 15 || atf_fail "left: $(ph_all_pids)"
}

atf_test_case child_death
child_death_head() {
	atf_set descr "a child killed brings the whole daemon down with a log line naming it"
	atf_set timeout 90
}
child_death_body() {
	ph_setup
	ph_basic_conf
	for role in queue smtpd relay lookup keys; do
		ph_start
		# the control socket is the queue's: another role may still
		# be on its way to exec
		ph_wait_for "[ -n \"\$(ph_role_pids $role)\" ]" 10 ||
		    atf_fail "no $role process"
		victim=$(ph_role_pids $role)
		kill -KILL "$victim"
		wait "$(cat $PH/daemon.pid)"
		st=$?
		[ $st -ne 0 ] || atf_fail "parent exited 0 after $role died"
		ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" 15 ||
		    atf_fail "left after $role died: $(ph_all_pids)"
		atf_check -o match:"parent event=child-exit role=$role pid=$victim signal=9 action=shutdown" cat $PH_LOG
	done
	rm -f $PH/daemon.pid
}

atf_test_case show_stats
show_stats_head() {
	atf_set descr "smtpctl show stats prints name=value lines with per-role counters"
	atf_set timeout 60
}
show_stats_body() {
	ph_setup
	ph_basic_conf
	ph_start
	$GREETING 25 >/dev/null
	atf_check -o save:stats $CTL show stats
	for k in uptime smtp.sessions smtp.sessions.current queue.received \
	    queue.size relay.jobs; do
		grep -q "^$k=[0-9][0-9]*\$" stats || atf_fail "no $k in $(cat stats)"
	done
	grep -qv '=' stats && atf_fail "a line without =: $(cat stats)"
	atf_check -o match:'^smtp.sessions=1$' cat stats
}

atf_test_case pause_smtp
pause_smtp_head() {
	atf_set descr "no greeting while smtp is paused; greeting again after resume"
	atf_set timeout 60
}
pause_smtp_body() {
	ph_setup
	ph_basic_conf
	ph_start
	atf_check $CTL pause smtp
	atf_check -s not-exit:0 -e ignore -o empty $GREETING 25
	atf_check $CTL resume smtp
	atf_check -o match:'^220 ' $GREETING 25
	atf_check -s exit:1 -e match:'expected smtp, mta or mda' $CTL pause nothing
}

atf_test_case samples_parse
samples_parse_head() {
	atf_set descr "every sample configuration under etc/ passes smtpd -n"
	atf_set timeout 60
}
samples_parse_body() {
	ph_setup
	# a key pair for the samples that listen with TLS
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mail.test \
	    -keyout $PH/key.pem -out $PH/cert.pem -days 2 2>/dev/null
	n=0
	for f in "$PH_TOP"/etc/*.conf; do
		atf_check -o inline:"configuration OK\n" $PH_BIN/smtpd -n \
		    -D tls_cert=$PH/cert.pem -D tls_key=$PH/key.pem -f "$f"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || atf_fail "no samples"
}

atf_test_case check_error
check_error_head() {
	atf_set descr "smtpd -n prints FILE:LINE: message and exits 1 on a bad configuration"
	atf_set timeout 30
}
check_error_body() {
	ph_setup
	printf 'listen on 127.0.0.1\nbogus directive\n' > bad.conf
	atf_check -s exit:1 -o empty -e match:'^bad.conf:2: ' $PH_BIN/smtpd -n -f bad.conf
	atf_check -s exit:1 -e match:'nonexistent' $PH_BIN/smtpd -n -f nonexistent.conf
}

atf_test_case encrypt
encrypt_head() {
	atf_set descr "smtpctl encrypt prints a hash crypt(3) verifies, without a daemon"
	atf_set timeout 30
}
encrypt_body() {
	ph_setup
	h=$($PH_BIN/smtpctl encrypt 's3cret pass')
	atf_check -o inline:"ok\n" $PY -c "
import crypt, sys
h = sys.argv[1]
print('ok' if crypt.crypt('s3cret pass', h) == h and h.startswith('\$6\$') else 'bad')" "$h"
	h2=$(echo 'other' | $PH_BIN/smtpctl encrypt)
	atf_check -o inline:"ok\n" $PY -c "
import crypt, sys
h = sys.argv[1]
print('ok' if crypt.crypt('other', h) == h else 'bad')" "$h2"
}

atf_init_test_cases() {
	atf_add_test_case privsep_root
	atf_add_test_case devmode_user
	atf_add_test_case smtpctl_stop
	atf_add_test_case sigterm
	atf_add_test_case child_death
	atf_add_test_case show_stats
	atf_add_test_case pause_smtp
	atf_add_test_case samples_parse
	atf_add_test_case check_error
	atf_add_test_case encrypt
}
