# t_powerloss.sh - power cuts, not only kill -9: smtpd runs with the
# power-loss model (regress/powerloss/: an LD_PRELOAD interposer that
# records what each fsync, fdatasync and syncfs made durable), 8
# messages over 4 concurrent sessions go to a Maildir, and the power is
# cut: syncs stop, every process is killed, the spool and the Maildir's
# home are rebuilt from what was durable alone, and smtpd starts again
# on them.  Then every message answered 250 is in the Maildir exactly
# once, as it was sent, and nothing is delivered twice or in part.
#
# cut_after_250 cuts right after the first, second, ... 250 in turn;
# cut_at_sync cuts at the N-th sync of the run (in group commits,
# Maildir deliveries and the commits that make removals durable), for N
# from 1 in steps of PH_POWERLOSS_STEP (default 2; 1 sweeps every sync);
# cut_during_retries does the same while every delivery fails for now
# and its envelope is rewritten with its retry time; cut_among_batched
# queues the messages with local delivery paused, then resumes it, so
# that the agent writes several at once and syncs Maildir/new once for
# them, and cuts at the N-th sync after the resume.
# PH_POWERLOSS_COUNT and PH_POWERLOSS_CONC change the messages (8) and
# sessions (4) of a run.

. "$(atf_get_srcdir)/subr.sh"

SEND="$PY $PH_TOP/regress/tools/smtpsend.py"
PLCHECK="$PY $PH_TOP/regress/tools/plcheck.py"
PL=$PH/pl
PLTOOL="$PH_BUILD/regress/powerloss/pltool"
STORE=$PL/store
HOMEDIR=/home/phuser
MD=$HOMEDIR/Maildir
COUNT=${PH_POWERLOSS_COUNT:-8}
BLOCK=
PAUSED=
CONC=${PH_POWERLOSS_CONC:-4}

# p_setup - the account, the interposer where every account reads it
p_setup() {
	ph_setup
	useradd -m -s /bin/sh phuser
	mkdir -p $PL
	cp "$PH_BUILD/regress/powerloss/libpowerloss.so" $PL/
	chmod 0755 $PL $PL/libpowerloss.so
	ph_conf <<CONF
listen on 127.0.0.1 port 25
action "md" maildir
match from local for local action "md"
CONF
}

# p_stat NAME - one counter of smtpctl show stats
p_stat() {
	$CTL show stats | sed -n "s/^$1=//p"
}

# p_state - the store's control page: count=N frozen=F limit=L
p_state() {
	$PLTOOL state $STORE
}

# p_run LIMIT [K] - a fresh spool and Maildir, a store whose power fails
# at the LIMIT-th sync (0: never) or right after the K-th 250, its
# baseline, smtpd under the model, the sender in the background (its
# answers in $PL/progress as they come)
p_run() {
	rm -rf $PH_SPOOL $HOMEDIR.dead $PH_SPOOL.dead $STORE $PL/saved
	rm -rf $MD
	# a file where the Maildir should be: each delivery fails for now
	[ -n "$BLOCK" ] && { : > $MD; chown phuser $MD; }
	: > $PL/progress
	mkdir -p $PL/saved
	$PLTOOL init $STORE "$1" || atf_fail "pltool init"
	$PLTOOL snapshot $STORE /var/spool /home || atf_fail "pltool snapshot"
	# a Maildir made after the baseline and never synced, as a delivery
	# killed between its mkdirs and their syncs leaves it
	if [ -n "$UNSYNCED_MD" ]; then
		mkdir -m 0700 $MD $MD/tmp $MD/new $MD/cur
		chown -R phuser $MD
	fi
	(
		export POWERLOSS_STORE=$STORE LD_PRELOAD=$PL/libpowerloss.so
		[ -n "${PH_SANITIZE:-}" ] &&
		    export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
		exec $PH_BIN/smtpd -d -f $PH_CONF > $PH_LOG 2>&1
	) &
	echo $! > $PH/daemon.pid
	ph_wait_for "test -S $PH_RUN/control.sock || p_state | grep -q frozen=1" \
	    10 || { cat $PH_LOG; atf_fail "smtpd did not start"; }
	[ -z "$PAUSED" ] || $CTL pause mda > /dev/null ||
	    atf_fail "pause mda"
	$SEND --to phuser@localhost --count $COUNT --conc $CONC --size 3000 \
	    --progress $PL/progress --save $PL/saved --at-250 "${2:-0}" \
	    --run "$PLTOOL freeze $STORE" > $PL/acks 2>&1 &
	echo $! > $PL/sender.pid
}

# p_kill_all - SIGKILL every process of the daemon; 0 once none is left
p_kill_all() {
	for _p in $(ph_all_pids); do kill -KILL "$_p" 2>/dev/null; done
	[ -z "$(ph_all_pids)" ]
}

# p_cut - the power fails now (if it has not yet): syncs stop, then
# every process dies, again and again, as a parent killed after the
# others were listed may have started an agent meanwhile (which then
# blocks at its first sync); the sender sees its sessions break
p_cut() {
	$PLTOOL freeze $STORE
	ph_wait_for p_kill_all 10 ||
	    atf_fail "processes of the daemon are left"
	wait "$(cat $PL/sender.pid)"
	[ -s $STORE/error ] &&
	    { cat $STORE/error; atf_fail "a sync went unrecorded"; }
	CUT_COMMITS=$(grep -c 'queue event=tx-commit ' $PH_LOG)
	CUT_DELIVERED=$(grep -c 'queue event=delivered ' $PH_LOG)
	return 0
}

# p_rebuild - the spool and phuser's home as the cut left them
p_rebuild() {
	mv $PH_SPOOL $PH_SPOOL.dead 2>/dev/null
	mv $HOMEDIR $HOMEDIR.dead
	$PLTOOL rebuild $STORE /var/spool posthorn $PH_SPOOL
	[ $? -le 2 ] || atf_fail "rebuild of the spool"
	$PLTOOL rebuild $STORE /home phuser $HOMEDIR ||
	    atf_fail "rebuild of phuser's home"
	[ -z "$BLOCK" ] || rm -f $MD
}

# p_restart_check WHAT - smtpd without the model on the rebuilt disk:
# once the queue is empty, each 250 delivered once and whole
p_restart_check() {
	rm -f $PH_RUN/control.sock
	ph_start
	[ -z "$BLOCK" ] || $CTL schedule all > /dev/null
	ph_wait_for "[ \"\$(p_stat queue.size)\" = 0 ]" 30 ||
	    { cat $PH_LOG; atf_fail "$1: the queue did not empty"; }
	$PLCHECK $PL/progress $PL/saved $MD > $PL/check ||
	    { cat $PL/check $PL/acks; atf_fail "$1: $(grep FAULT $PL/check |
	    head -3 | tr '\n' ' ')"; }
	echo "$1: $(p_state) commits=$CUT_COMMITS" \
	    "delivered=$CUT_DELIVERED; after the restart: $(cat $PL/check)"
	kill -TERM "$(cat $PH/daemon.pid)"
	ph_wait_exit 10
}

# p_walls - the queue runs the model inside its walls: chrooted in the
# spool, under its system call filter, the interposer mapped
p_walls() {
	pid=$(ph_role_pids queue)
	[ -n "$pid" ] || atf_fail "no queue process"
	ph_wait_for "grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status" 10 ||
	    atf_fail "the queue has no system call filter"
	grep -q libpowerloss.so /proc/$pid/maps ||
	    atf_fail "the queue runs without the model"
	[ "$(readlink /proc/$pid/root)" = $PH_SPOOL ] ||
	    atf_fail "the queue is not chrooted in the spool"
}

atf_test_case cut_after_250
cut_after_250_head() {
	atf_set descr "the power fails right after the 1st, 2nd, ... 250 of \
4 concurrent sessions: each 250 delivered once and whole after the restart"
	atf_set timeout 300
}
cut_after_250_body() {
	p_setup
	k=1
	while [ $k -le $COUNT ]; do
		p_run 0 $k
		[ $k = 1 ] && p_walls
		ph_wait_for "p_state | grep -q frozen=1" 20 ||
		    { cat $PL/progress $PH_LOG; atf_fail "no ${k}th 250"; }
		p_cut
		p_rebuild
		p_restart_check "after 250 number $k"
		k=$((k + 1))
	done
}

atf_test_case cut_at_sync
cut_at_sync_head() {
	atf_set descr "the power fails at the Nth sync of a run (commits, \
deliveries, removals) for many N: each 250 delivered once and whole after \
the restart"
	atf_set timeout 600
}
cut_at_sync_body() {
	p_setup
	step=${PH_POWERLOSS_STEP:-2}
	MID_COMMITS= MID_DELIVERIES= AFTER_ALL=
	n=1
	while :; do
		p_run $n
		# the power fails by itself at sync n, or the run ends first
		ph_wait_for "p_state | grep -q frozen=1 || \
		    ! kill -0 $(cat $PL/sender.pid)" 30 ||
		    atf_fail "sync $n: neither a cut nor the end of sending"
		p_state | grep -q frozen=1 && cut=1 || cut=0
		if [ $cut = 0 ]; then
			ph_wait_for "[ \"\$(p_stat queue.size)\" = 0 ]" 30 ||
			    atf_fail "sync $n: the queue did not empty"
		fi
		p_cut
		p_cover
		p_rebuild
		p_restart_check "cut at sync $n"
		[ $cut = 1 ] || break
		n=$((n + step))
	done
	[ $n -gt 20 ] || atf_fail "a run made only $n syncs"
	[ -n "$MID_COMMITS" ] || atf_fail "no cut fell among the commits"
	[ -n "$MID_DELIVERIES" ] || atf_fail "no cut fell among the deliveries"
	[ -n "$AFTER_ALL" ] || atf_fail "no cut fell after the last delivery"
}

# p_cover - note which stage of a run the last cut fell in
p_cover() {
	[ "$CUT_COMMITS" -gt 0 ] && [ "$CUT_COMMITS" -lt $COUNT ] &&
	    MID_COMMITS=1
	[ "$CUT_DELIVERED" -gt 0 ] && [ "$CUT_DELIVERED" -lt $COUNT ] &&
	    MID_DELIVERIES=1
	[ "$CUT_DELIVERED" -eq $COUNT ] && AFTER_ALL=1
	return 0
}

atf_test_case cut_during_retries
cut_during_retries_head() {
	atf_set descr "the power fails at the Nth sync while each delivery \
fails for now and its envelope is rewritten with a retry time: each 250 \
delivered once and whole once the Maildir can be made"
	atf_set timeout 600
}
cut_during_retries_body() {
	p_setup
	BLOCK=1
	n=1
	while :; do
		p_run $n
		ph_wait_for "p_state | grep -q frozen=1 || \
		    ! kill -0 $(cat $PL/sender.pid)" 30 ||
		    atf_fail "sync $n: neither a cut nor the end of sending"
		p_state | grep -q frozen=1 && cut=1 || cut=0
		[ $cut = 1 ] || ph_wait_for "[ \$(grep -c 'event=deferred' \
		    $PH_LOG) -ge \$(grep -c '^[0-9]* 250' $PL/progress) ]" 30 ||
		    atf_fail "sync $n: not every delivery was deferred"
		p_cut
		[ $cut = 0 ] || [ "$(grep -c 'event=deferred' $PH_LOG)" = 0 ] ||
		    UPDATES=1
		p_rebuild
		p_restart_check "cut at sync $n, deliveries failing"
		[ $cut = 1 ] || break
		n=$((n + ${PH_POWERLOSS_STEP:-2}))
	done
	[ -n "$UPDATES" ] || atf_fail "no cut fell among the retries"
}

atf_test_case cut_among_batched
cut_among_batched_head() {
	atf_set descr "the messages are queued with local delivery paused, \
then delivered several at once with one sync of Maildir/new each batch; \
the power fails at the Nth sync after the resume, for many N: each 250 \
delivered once and whole after the restart"
	atf_set timeout 600
}
cut_among_batched_body() {
	p_setup
	PAUSED=1
	# more than an agent takes at once: batches follow one another
	COUNT=${PH_POWERLOSS_COUNT:-24}
	MID_DELIVERIES= AFTER_ALL=
	n=1
	while :; do
		p_run 0
		ph_wait_for "! kill -0 $(cat $PL/sender.pid) 2>/dev/null" 60 ||
		    atf_fail "sync $n: the sender did not finish"
		[ "$(grep -c '^[0-9]* 250' $PL/progress)" = $COUNT ] ||
		    { cat $PL/acks; atf_fail "sync $n: not every message 250"; }
		$PLTOOL limit $STORE $n || atf_fail "pltool limit"
		$CTL resume mda > /dev/null || atf_fail "resume mda"
		ph_wait_for "p_state | grep -q frozen=1 || \
		    [ \"\$(p_stat queue.size)\" = 0 ]" 30 ||
		    atf_fail "sync $n: neither a cut nor an empty queue"
		p_state | grep -q frozen=1 && cut=1 || cut=0
		p_cut
		p_cover
		p_rebuild
		p_restart_check "cut at sync $n after the resume"
		[ $cut = 1 ] || break
		n=$((n + ${PH_POWERLOSS_STEP:-2}))
	done
	[ -n "$MID_DELIVERIES" ] || atf_fail "no cut fell among the deliveries"
	[ -n "$AFTER_ALL" ] || atf_fail "no cut fell after the last delivery"
}

atf_test_case maildir_found_unsynced
maildir_found_unsynced_head() {
	atf_set descr "a Maildir whose names nothing synced (a delivery \
killed after its mkdirs) is synced by the next delivery that finds it: \
the power fails after the run, each 250 is there once"
	atf_set timeout 120
}
maildir_found_unsynced_body() {
	p_setup
	UNSYNCED_MD=1
	p_run 0
	ph_wait_for "! kill -0 $(cat $PL/sender.pid) 2>/dev/null" 60 ||
	    atf_fail "the sender did not finish"
	ph_wait_for "[ \"\$(p_stat queue.size)\" = 0 ]" 30 ||
	    { cat $PH_LOG; atf_fail "the queue did not empty"; }
	p_cut
	p_rebuild
	p_restart_check "after the run, Maildir made unsynced"
}

atf_init_test_cases() {
	atf_add_test_case maildir_found_unsynced
	atf_add_test_case cut_after_250
	atf_add_test_case cut_at_sync
	atf_add_test_case cut_during_retries
	atf_add_test_case cut_among_batched
}
