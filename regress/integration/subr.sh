# subr.sh - shared set-up for the integration tests.
#
# Each test program runs as PID 1 of its own PID, mount and network
# namespaces (the build wraps it in `unshare -pmnf --mount-proc`), so
# whatever a test starts dies with it.  ph_setup gives it private tmpfs
# on /var/spool, /var/mail, /home and /tmp, an overlay on /etc (test
# accounts; a private resolv.conf naming 127.0.0.1, an /etc/hosts
# naming only localhost and `hosts: files dns`, whatever the machine
# has) and a loopback interface.
#
# PH_TOP (the source tree) and PH_BUILD (the build tree) come from the
# wrapper, and PH_SANITIZE, non-empty when the build has AddressSanitizer
# and UndefinedBehaviorSanitizer (make SANITIZE=1): every process of the
# test then writes its reports below $PH/san, and ph_cleanup fails the
# test case that left one.

PH=/tmp/ph
PH_BIN=$PH/bin
PH_CONF=$PH/smtpd.conf
PH_SPOOL=/var/spool/posthorn
PH_RUN=$PH_SPOOL/run		# root's: smtpd.pid, control.sock, enqueue.sock
PH_LOG=$PH/smtpd.log
PY="/usr/bin/python3 -W ignore"

# ph_mask DIR MODE - a private tmpfs on DIR.  When the tree under test
# lives below DIR, it is bound back into place on top of the tmpfs.
ph_mask() {
	_keep=""
	for _t in "$PH_TOP" "$PH_BUILD"; do
		case "$_t/" in "$1"/*) _keep="$_keep $_t" ;; esac
	done
	if [ -n "$_keep" ]; then
		_stage=/var/spool/.ph-stage$1
		mkdir -p "$_stage"
		mount --bind "$1" "$_stage"
	fi
	mkdir -p "$1"
	mount -t tmpfs -o "mode=$2" tmpfs "$1"
	for _t in $_keep; do
		mkdir -p "$_t"
		mount --bind "$_stage${_t#"$1"}" "$_t"
	done
}

# ph_setup - isolate the file system, network and accounts of this test
ph_setup() {
	[ "$$" -eq 1 ] || atf_fail "not in a private PID namespace"
	ip link set lo up
	ph_mask /var/spool 0755
	ph_mask /var/mail 1777
	ph_mask /home 0755
	ph_mask /tmp 1777
	mkdir -p $PH/etc-upper $PH/etc-work
	mount -t overlay overlay \
	    -o lowerdir=/etc,upperdir=$PH/etc-upper,workdir=$PH/etc-work /etc
	rm -f /etc/resolv.conf /etc/hosts
	echo "nameserver 127.0.0.1" > /etc/resolv.conf
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' \
	    > /etc/hosts
	sed -i '/^[[:space:]]*hosts[[:space:]]*:/d' /etc/nsswitch.conf \
	    2>/dev/null
	echo "hosts: files dns" >> /etc/nsswitch.conf
	getent passwd _posthorn >/dev/null || useradd -r -M -d /nonexistent \
	    -s /usr/sbin/nologin _posthorn
	getent passwd _posthornq >/dev/null || useradd -r -M -d /nonexistent \
	    -s /usr/sbin/nologin _posthornq
	getent passwd _posthornf >/dev/null || useradd -r -M -d /nonexistent \
	    -s /usr/sbin/nologin _posthornf
	mkdir -p $PH_BIN
	cp "$PH_BUILD"/bin/* $PH_BIN/
	chmod 0755 $PH $PH_BIN $PH_BIN/*
	ph_san_setup
	cd $PH || atf_fail "cannot enter $PH"
	trap ph_cleanup EXIT
}

# ph_san_setup - in a sanitizer build, send AddressSanitizer's reports
# of every process (each role, whatever its account; a chrooted role
# opens its file before it chroots) to $PH/san/report.PID
ph_san_setup() {
	[ -n "${PH_SANITIZE:-}" ] || return 0
	mkdir -p $PH/san
	chmod 1777 $PH/san
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$PH/san/report"
	# No leak check: LeakSanitizer reads /proc, which a chrooted role
	# does not see, and a role's exit leaves its state allocated on
	# purpose; leaks are the unit tests' business (kyua_run.sh).
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
	export ASAN_OPTIONS
}

# ph_san_check - fail the test case when a process left a sanitizer
# report: a file below $PH/san (empty until a process has something to
# say), or UndefinedBehaviorSanitizer's lines, which go to standard error
# whatever log_path says when libubsan is linked with libasan (the
# daemon's is $PH_LOG; a program run by atf_check has its own checked)
ph_san_check() {
	[ -d $PH/san ] || return 0
	_reports=$(find $PH/san -type f -size +0 | sort)
	grep -qs 'runtime error: ' $PH_LOG && _reports="$_reports $PH_LOG"
	[ -z "$_reports" ] && return 0
	for _r in $_reports; do
		echo "== $_r" >&2
		ph_san_symbolize < "$_r" >&2
	done
	atf_fail "sanitizer report:" $_reports
}

# ph_san_symbolize - a report with each frame that a chrooted process
# could not name ("#N 0xADDR  (FILE+0xOFFSET)") named by addr2line
ph_san_symbolize() {
	while IFS= read -r _l; do
		case $_l in
		*"#"[0-9]*" ("/*"+0x"*")")
			_m=${_l##*\(}
			_m=${_m%\)}
			printf '%s %s\n' "$_l" "$(addr2line -f -i -p \
			    -e "${_m%+*}" "${_m##*+}" 2>/dev/null | head -n 1)"
			;;
		*)
			printf '%s\n' "$_l"
			;;
		esac
	done
}

# ph_per_session FILE BUDGET - fail unless the per_session figure in
# FILE (smtp_load.py, tls_idle.py) is under BUDGET bytes.  In a
# sanitizer build the figure is AddressSanitizer's (freed blocks held in
# quarantine, redzones, shadow) more than posthorn's: there it must
# exist, and the budget is the normal build's (make check) to meet.
ph_per_session() {
	_per=$(sed -n 's/.*per_session=\([0-9]*\).*/\1/p' "$1")
	[ -n "$_per" ] || atf_fail "no per-session figure in $1"
	[ -n "${PH_SANITIZE:-}" ] && return 0
	[ "$_per" -lt "$2" ] || atf_fail "per session: $_per, over $2"
}

# ph_conf - the configuration from standard input, with the test spool
ph_conf() {
	{
		echo "queue path \"$PH_SPOOL\""
		cat
	} > $PH_CONF
}

# ph_start [ARGS] - start smtpd in the foreground (logging to $PH_LOG)
# and wait until it accepts on port 25 or the control socket
ph_start() {
	$PH_BIN/smtpd -d -f $PH_CONF "$@" > $PH_LOG 2>&1 &
	echo $! > $PH/daemon.pid
	ph_wait_for "test -S $PH_RUN/control.sock" 10 ||
	    { cat $PH_LOG; atf_fail "smtpd did not start"; }
}

# ph_wait_for CMD SECONDS - poll CMD every 0.1 s; 1 on time-out
ph_wait_for() {
	_n=$(( $2 * 10 ))
	while [ $_n -gt 0 ]; do
		eval "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# ph_role_pids ROLE - pids of the processes running a role (-X ROLE)
ph_role_pids() {
	for _p in /proc/[0-9]*; do
		tr '\0' ' ' < $_p/cmdline 2>/dev/null | \
		    grep -q -- "-X $1 " && echo "${_p#/proc/}"
	done
}

# ph_all_pids - every smtpd process
ph_all_pids() {
	for _p in /proc/[0-9]*; do
		[ "$(cat $_p/comm 2>/dev/null)" = smtpd ] && echo "${_p#/proc/}"
	done
}

# ph_uid PID - the real uid of a process
ph_uid() {
	awk '/^Uid:/ { print $2 }' /proc/$1/status
}

# smtpctl and tools, as commands atf_check can run
CTL="$PH_BIN/smtpctl -f $PH_CONF"
GREETING="$PY $PH_TOP/regress/tools/greeting.py"
TALK="$PY $PH_TOP/regress/tools/talk.py"

# ph_cleanup - stop the daemon by its pid file, then anything left
ph_cleanup() {
	if [ -f $PH/daemon.pid ]; then
		kill -TERM "$(cat $PH/daemon.pid)" 2>/dev/null
		ph_wait_for "! kill -0 $(cat $PH/daemon.pid)" 10
	fi
	for _p in $(ph_all_pids); do kill -KILL "$_p" 2>/dev/null; done
	ph_san_check
	return 0
}


# ph_dns_zone - the zone of the test nameserver from standard input
# (dnsd.py reads it again for every query, so it may change at any time)
ph_dns_zone() {
	cat > $PH/dns.zone
}

# ph_dns_start [ZONEFILE] - start regress/tools/dnsd.py on 127.0.0.1:53,
# the nameserver of the private /etc/resolv.conf; queries are logged
# to $PH/dns.log.  ph_dns_stop stops it by its pid file; it dies with
# the test's PID namespace in any case.
ph_dns_start() {
	_zone=${1:-$PH/dns.zone}
	[ -f "$_zone" ] || : > "$_zone"
	rm -f $PH/dnsd.pid
	$PY "$PH_TOP/regress/tools/dnsd.py" --pidfile $PH/dnsd.pid \
	    --log $PH/dns.log "$_zone" > $PH/dnsd.out 2>&1 &
	ph_wait_for "test -s $PH/dnsd.pid" 10 ||
	    { cat $PH/dnsd.out; atf_fail "dnsd.py did not start"; }
}

# ph_dns_stop - stop the test nameserver by its pid file
ph_dns_stop() {
	[ -f $PH/dnsd.pid ] || return 0
	kill -TERM "$(cat $PH/dnsd.pid)" 2>/dev/null
	rm -f $PH/dnsd.pid
	return 0
}

# ph_start_hostile ROLE:SCENARIO [ARG] - start the daemon built with one
# role played by an attacker (regress/hostile/hostile.h), otherwise as
# ph_start does; the attacker logs "hostile event=..." lines to $PH_LOG
ph_start_hostile() {
	mkdir -p $PH/hostile
	cp "$PH_BUILD/regress/hostile/ph_hostile" $PH/hostile/smtpd
	chmod 0755 $PH/hostile $PH/hostile/smtpd
	PH_HOSTILE=$1 PH_HOSTILE_ARG=${2:-} $PH/hostile/smtpd -d -f $PH_CONF \
	    > $PH_LOG 2>&1 &
	echo $! > $PH/daemon.pid
	ph_wait_for "grep -q 'hostile event=scenario' $PH_LOG" 10 ||
	    { cat $PH_LOG; atf_fail "the hostile daemon did not start"; }
}

# ph_spool_msg ID - the message file of spooled message ID, in either
# form: a directory queue/ID/ or the flat queue/ID.m beside queue/ID.e
ph_spool_msg() {
	if [ -d $PH_SPOOL/queue/$1 ]; then
		echo $PH_SPOOL/queue/$1/message
	else
		echo $PH_SPOOL/queue/$1.m
	fi
}

# ph_spool_has ID - whether message ID is still spooled, in either form
ph_spool_has() {
	[ -e $PH_SPOOL/queue/$1 ] || [ -e $PH_SPOOL/queue/$1.e ] ||
	    [ -e $PH_SPOOL/queue/$1.m ]
}

# ph_spool_count - messages in the spool, in either form
ph_spool_count() {
	ls $PH_SPOOL/queue 2>/dev/null | grep -Ev '\.[mt]$' | wc -l
}

# ph_wait_log REGEX [SECONDS] - wait until the daemon's log matches
ph_wait_log() {
	ph_wait_for "grep -Eq -- '$1' $PH_LOG" "${2:-10}" ||
	    { cat $PH_LOG; atf_fail "no log line matching $1"; }
}

# ph_alive PID - the process runs (a zombie that the test shell has not
# reaped yet does not)
ph_alive() {
	[ -r /proc/$1/status ] && ! grep -q '^State:[[:space:]]*Z' /proc/$1/status
}

# ph_wait_exit [SECONDS] - wait until every process of the daemon is gone
ph_wait_exit() {
	ph_wait_for "! ph_alive $(cat $PH/daemon.pid)" "${1:-10}" ||
	    { cat $PH_LOG; atf_fail "the daemon did not stop"; }
	ph_wait_for "[ -z \"\$(ph_all_pids)\" ]" "${1:-10}" ||
	    { ps ax; atf_fail "processes of the daemon are left"; }
}

# ph_rss_save FILE - "PID ROLE KIB" for every smtpd process: its role
# (the parent has none) and its resident memory (VmRSS)
ph_rss_save() {
	: > "$1"
	for _p in $(ph_all_pids); do
		_r=$(tr '\0' ' ' < /proc/$_p/cmdline 2>/dev/null |
		    sed -n 's/.* -X \([a-z]*\) .*/\1/p')
		_k=$(awk '/^VmRSS:/ { print $2 }' /proc/$_p/status 2>/dev/null)
		[ -n "$_k" ] && echo "$_p ${_r:-parent} $_k" >> "$1"
	done
	return 0
}

# ph_rss_bound FILE [KIB] - fail unless every process of FILE
# (ph_rss_save) still runs and its resident memory grew by less than
# KIB (8 MiB); the figures go to standard error.  In a sanitizer build
# the growth is AddressSanitizer's quarantine as much as posthorn's:
# there the processes must live, and the bound is the normal build's.
ph_rss_bound() {
	ph_rss_save $PH/rss.now
	while read -r _p _r _k; do
		_n=$(awk -v p=$_p '$1 == p { print $3 }' $PH/rss.now)
		[ -n "$_n" ] || atf_fail "$_r (pid $_p) is gone"
		echo "rss role=$_r before=${_k}k after=${_n}k" >&2
		[ -n "${PH_SANITIZE:-}" ] && continue
		[ $((_n - _k)) -lt "${2:-8192}" ] ||
		    atf_fail "$_r grew from ${_k}k to ${_n}k"
	done < "$1"
}
