# t_filter_proc.sh - filter processes (smtpd.conf "filter NAME
# proc-exec", "proc NAME" and "filter NAME proc NAME") speaking
# smtpd-filters(7) with a real daemon over loopback: the process runs as
# its configured user and registers; one that dies is started again
# while the daemon goes on.
#
# The filter, written below, decides on what it is asked: it records
# its uid and gid, and each line it reads, under $PH/fout/NAME.

. "$(atf_get_srcdir)/subr.sh"

# fp_filter - the filter program: filter.py NAME
fp_filter() {
	mkdir -p $PH/fout
	chmod 1777 $PH/fout
	cat > $PH/filter.py <<'PY'
import os
import sys

name = sys.argv[1]
out = "/tmp/ph/fout/" + name
with open(out + ".id", "w") as f:
    f.write("%d %d\n" % (os.getuid(), os.getgid()))
log = open(out + ".in", "a", buffering=1)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    log.write(line)
    if line == "config|ready\n":
        break
say("register|report|smtp-in|link-connect")
say("register|filter|smtp-in|mail-from")
say("register|ready")
for line in sys.stdin:
    log.write(line)
PY
}

# fp_setup CONF - the filter, an account for it, the daemon with CONF
fp_setup() {
	ph_setup
	groupadd fgroup || atf_fail "groupadd"
	useradd -M -d /nonexistent -s /usr/sbin/nologin fuser ||
	    atf_fail "useradd"
	fp_filter
	ph_conf
	ph_start
}

# fp_pid NAME generation=N - the pid of that start of the filter
fp_pid() {
	sed -n "s/.*event=filter-start name=$1 pid=\([0-9]*\) .*$2\$/\1/p" \
	    $PH_LOG | tail -n 1
}

atf_test_case start_user_restart
start_user_restart_head() {
	atf_set descr "each filter process starts as its user (default: _posthorn) and registers; one killed is started again, the daemon lives and takes mail"
	atf_set timeout 90
}
start_user_restart_body() {
	fp_setup <<'CONF'
filter f proc-exec "/usr/bin/python3 /tmp/ph/filter.py f" user fuser \
	group fgroup
proc shared "exec /usr/bin/python3 /tmp/ph/filter.py shared"
filter s proc shared
filter c chain { f, s }
listen on 127.0.0.1 port 25 filter c
action "l" maildir
match for local action "l"
CONF
	ph_wait_log 'event=filter-ready name=f generation=1 .*filters=0x20 '
	ph_wait_log 'event=filter-ready name=f generation=1 .* reports=0x1$'
	ph_wait_log 'lookup event=filter-ready name=shared generation=1 '
	_gid=$(getent group fgroup | cut -d: -f3)
	atf_check -o inline:"$(id -u fuser) $_gid\n" cat $PH/fout/f.id
	atf_check -o inline:"$(id -u _posthorn) $(id -g _posthorn)\n" \
	    cat $PH/fout/shared.id
	atf_check -o match:'^config\|smtpd-version\|' \
	    -o match:'^config\|protocol\|0\.7$' \
	    -o match:'^config\|subsystem\|smtp-in$' \
	    -o match:'^config\|ready$' cat $PH/fout/f.in
	_pid=$(fp_pid f generation=1)
	[ -n "$_pid" ] || { cat $PH_LOG; atf_fail "no pid for filter f"; }
	kill -KILL "$_pid"
	ph_wait_log "parent event=filter-exit name=f pid=$_pid signal=9"
	ph_wait_log 'lookup event=filter-down name=f generation=1 '
	ph_wait_log 'lookup event=filter-ready name=f generation=2 ' 20
	ph_alive "$(cat $PH/daemon.pid)" || atf_fail "the daemon died"
	$TALK "QUIT" > $PH/out || atf_fail "talk"
	atf_check -o match:'^221 ' tail -n 1 $PH/out
}

atf_test_case refused
refused_head() {
	atf_set descr "smtpd -n refuses a filter process for root or an unknown proc; the daemon refuses an unknown user at start"
	atf_set timeout 60
}
refused_body() {
	ph_setup
	ph_conf <<'CONF'
filter f proc-exec "/bin/cat" user root
CONF
	atf_check -s exit:1 -e match:'filters never run as root' \
	    $PH_BIN/smtpd -n -f $PH_CONF
	ph_conf <<'CONF'
filter f proc-exec "/bin/cat" user nosuchuser
listen on 127.0.0.1 port 25 filter f
CONF
	atf_check -s not-exit:0 -o ignore -e match:'unknown user nosuchuser' \
	    $PH_BIN/smtpd -d -f $PH_CONF
}

atf_init_test_cases() {
	atf_add_test_case start_user_restart
	atf_add_test_case refused
}
