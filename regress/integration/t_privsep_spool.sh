# t_privsep_spool.sh - what a compromised queue or a local user can do
# to root through the spool and the control socket: root follows no path
# through a directory the queue can write (planted links change nothing
# outside the spool, an older spool is taken over safely), and the
# control socket holds against a flood and answers each user only what
# that user may ask.

. "$(atf_get_srcdir)/subr.sh"

SPOOLGEN="$PY $PH_TOP/regress/tools/spoolgen.py"
FLOOD="$PY $PH_TOP/regress/tools/ctlflood.py"
SEND="$PY $PH_TOP/regress/tools/smtpsend.py --port 25"

# sp_conf - mail for any address to the recipient's ~/Maildir
sp_conf() {
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "local" maildir user "alice"
match from any for any action "local"
CONF
	id alice >/dev/null 2>&1 || useradd -m alice
}

# sp_victims - root's files outside the spool that planted links name:
# a secret, a socket-shaped target, a directory, and /etc/shadow
sp_victims() {
	printf 'secret\n' > $PH/victim
	chmod 0600 $PH/victim
	printf 'not a socket\n' > $PH/victim-sock
	chmod 0640 $PH/victim-sock
	mkdir -m 0700 $PH/victim-dir
	printf 'keep\n' > $PH/victim-dir/keep
	sp_snapshot > $PH/victims.before
}

# sp_snapshot - owner, mode, size and content of every victim
sp_snapshot() {
	for f in $PH/victim $PH/victim-sock $PH/victim-dir \
	    $PH/victim-dir/keep /etc/shadow; do
		stat -c '%n %u:%g %a %s %F' "$f"
		[ -f "$f" ] && sha256sum "$f"
	done
	ls -a $PH/victim-dir
}

# sp_victims_check - no victim changed owner, mode or content
sp_victims_check() {
	sp_snapshot > $PH/victims.after
	diff -u $PH/victims.before $PH/victims.after ||
	    atf_fail "a file outside the spool changed"
}

# sp_layout_check - the spool as the root parent leaves it
sp_layout_check() {
	atf_check -o inline:"root 755 directory\n" \
	    stat -c '%U %a %F' $PH_SPOOL
	atf_check -o inline:"root 555 directory\n" \
	    stat -c '%U %a %F' $PH_SPOOL/empty
	atf_check -o inline:"root 755 directory\n" stat -c '%U %a %F' $PH_RUN
	atf_check -o inline:"root 666 socket\n" \
	    stat -c '%U %a %F' $PH_RUN/control.sock
	atf_check -o inline:"root 666 socket\n" \
	    stat -c '%U %a %F' $PH_RUN/enqueue.sock
	atf_check -o inline:"root 644 regular file\n" \
	    stat -c '%U %a %F' $PH_RUN/smtpd.pid
	for d in incoming queue quarantine; do
		atf_check -o inline:"_posthornq 700 directory\n" \
		    stat -c '%U %a %F' $PH_SPOOL/$d
	done
	atf_check -o inline:"_posthornq 1777 directory\n" \
	    stat -c '%U %a %F' $PH_SPOOL/offline
}

# sp_stop - SIGTERM to the parent, and every process gone
sp_stop() {
	kill -TERM "$(cat $PH/daemon.pid)"
	ph_wait_exit 20
	rm -f $PH/daemon.pid
}

# sp_as USER - the command prefix that runs a command as a local user
sp_as() {
	echo "setpriv --reuid=$1 --regid=$(id -g "$1") --init-groups"
}

# sp_cpu PID - user plus system CPU time of a process, in clock ticks
sp_cpu() {
	awk '{ print $14 + $15 }' /proc/$1/stat
}

# sp_old_spool - a spool of the older layout, as the queue owned it: the
# spool and its areas _posthornq's, one message for alice waiting, and
# the queue's links where the older parent wrote as root
sp_old_spool() {
	mkdir -m 0700 $PH_SPOOL
	for d in incoming queue quarantine; do
		mkdir -m 0700 $PH_SPOOL/$d
	done
	mkdir -m 1777 $PH_SPOOL/offline
	printf 'posthorn spool 1\n' > $PH_SPOOL/version
	chmod 0600 $PH_SPOOL/version
	$SPOOLGEN $PH_SPOOL 1 --dispatcher local --rcpt alice@example.org \
	    --user alice > $PH/seeded || atf_fail "spoolgen failed"
	chown -R _posthornq: $PH_SPOOL
	$(sp_as _posthornq) sh -c "
	    ln -s $PH/victim $PH_SPOOL/smtpd.pid &&
	    ln -s $PH/victim-sock $PH_SPOOL/control.sock &&
	    ln -s /etc/shadow $PH_SPOOL/enqueue.sock &&
	    ln -s $PH/victim-dir $PH_SPOOL/empty &&
	    ln -s $PH/victim-dir $PH_SPOOL/run" ||
	    atf_fail "could not prepare the older layout"
}

atf_test_case queue_plants
queue_plants_head() {
	atf_set descr "a compromised queue cannot plant a link where root writes; the next start changes nothing outside the spool"
	atf_set timeout 90
}
queue_plants_body() {
	ph_setup
	sp_conf
	sp_victims
	ph_start_hostile queue:plant $PH/victim
	ph_wait_log 'hostile event=plant-done'
	atf_check -o match:'event=plant-done tries=14 planted=0$' cat $PH_LOG
	atf_check -o inline:"14\n" grep -c 'event=plant .*result=refused' \
	    $PH_LOG
	# its own area is the queue's to write; root must never follow it
	atf_check -o match:'event=plant-own path=queue/planted result=planted' \
	    cat $PH_LOG
	sp_stop
	ph_start
	atf_check -o match:'^uptime=' $CTL show stats
	sp_layout_check
	sp_victims_check
	atf_check -s exit:1 grep -q 'event=spool-repair' $PH_LOG
}

atf_test_case old_layout_links
old_layout_links_head() {
	atf_set descr "an older spool whose pid file, control.sock, empty and run are the queue's links is taken over without following them"
	atf_set timeout 90
}
old_layout_links_body() {
	ph_setup
	sp_conf
	sp_victims
	sp_old_spool
	ph_start
	atf_check -o match:"event=spool-migrate path=$PH_SPOOL from=" cat $PH_LOG
	for n in smtpd.pid control.sock enqueue.sock; do
		atf_check -o match:"event=spool-migrate path=$PH_SPOOL/$n removed=\"a symbolic link\"" \
		    cat $PH_LOG
	done
	for n in empty run; do
		atf_check -o match:"event=spool-repair path=$PH_SPOOL/$n removed=\"a symbolic link\"" \
		    cat $PH_LOG
	done
	sp_layout_check
	sp_victims_check
	for n in smtpd.pid control.sock enqueue.sock; do
		[ ! -e $PH_SPOOL/$n ] && [ ! -L $PH_SPOOL/$n ] ||
		    atf_fail "$n is still at the top of the spool"
	done
	# the waiting message survived the take-over and is delivered
	ph_wait_for "ls /home/alice/Maildir/new | grep -q ." 30 ||
	    { cat $PH_LOG; atf_fail "the seeded message was not delivered"; }
	atf_check -o match:'seeded message 0' cat /home/alice/Maildir/new/*
	atf_check -o match:'^uptime=' $CTL show stats
}

atf_test_case refuse_unsafe
refuse_unsafe_head() {
	atf_set descr "a queue area that is a link, or a path through a directory others may write, stops the start with a log line"
	atf_set timeout 90
}
refuse_unsafe_body() {
	ph_setup
	sp_conf
	sp_victims
	# the queue area replaced by a link: the mail may be anywhere
	sp_old_spool
	$(sp_as _posthornq) sh -c "rm -rf $PH_SPOOL/queue &&
	    ln -s $PH/victim-dir $PH_SPOOL/queue" || atf_fail "no link"
	atf_check -s exit:1 -e match:"event=spool-refused path=$PH_SPOOL/queue reason=\"a symbolic link, not a directory" \
	    timeout 20 $PH_BIN/smtpd -d -f $PH_CONF
	sp_victims_check
	# a directory on the way that any user may write
	mkdir -m 0777 $PH/open
	sed -i "s|^queue path .*|queue path \"$PH/open/spool\"|" $PH_CONF
	atf_check -s exit:1 -e match:"event=spool-refused path=$PH/open reason=\".*others may write" \
	    timeout 20 $PH_BIN/smtpd -d -f $PH_CONF
	[ ! -e $PH/open/spool ] || atf_fail "a spool was made in $PH/open"
	# a symbolic link on the way
	mkdir -m 0755 $PH/real
	ln -s $PH/real $PH/link
	sed -i "s|^queue path .*|queue path \"$PH/link/spool\"|" $PH_CONF
	atf_check -s exit:1 -e match:"event=spool-refused path=$PH/link reason=\"a symbolic link; name the real directory" \
	    timeout 20 $PH_BIN/smtpd -d -f $PH_CONF
	[ ! -e $PH/real/spool ] || atf_fail "a spool was made through the link"
}

atf_test_case control_flood
control_flood_head() {
	atf_set descr "1000 idle control connections of a local user: the cap holds and is logged, root and SMTP go on, idle ones are closed, no spin"
	atf_set timeout 180
}
control_flood_body() {
	ph_setup
	sp_conf
	ph_start
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
	q=$(ph_role_pids queue)
	fds=$(ls /proc/$q/fd | wc -l)
	cpu=$(sp_cpu $q)
	install -d -o nobody $PH/flood
	$(sp_as nobody) $FLOOD $PH_RUN/control.sock 1000 $PH/flood/status \
	    > $PH/flood.out 2>&1 &
	flood=$!
	# every connection over the limit is told so and closed at once
	ph_wait_for "grep -q 'connected=1000 open=4 eof=996 told=996' $PH/flood/status" 60 ||
	    { cat $PH/flood/status $PH/flood.out; atf_fail "the cap did not hold"; }
	[ $(ls /proc/$q/fd | wc -l) -le $((fds + 4)) ] ||
	    atf_fail "the queue holds $(ls /proc/$q/fd | wc -l) descriptors, had $fds"
	ph_wait_log "control event=conn-limit uid=$(id -u nobody) reason=user-limit"
	# root still gets in, and mail still flows
	atf_check -o match:'^uptime=' $CTL show stats
	atf_check -o match:'^sent=1 ok=1' $SEND --to alice@example.org --tag flood
	ph_wait_for "ls /home/alice/Maildir/new | grep -q ." 30 ||
	    { cat $PH_LOG; atf_fail "the message was not delivered"; }
	# the idle ones are closed by the daemon
	wait $flood || { cat $PH/flood.out; atf_fail "connections left open"; }
	atf_check -o match:'^connected=1000 open=0 eof=1000 told=996 failed=0$' \
	    cat $PH/flood.out
	ph_wait_log "control event=idle-close uid=$(id -u nobody)"
	used=$(( $(sp_cpu $q) - cpu ))
	[ $used -lt $(getconf CLK_TCK) ] ||
	    atf_fail "the queue spent $used ticks of CPU on the flood"
}

atf_test_case control_emfile
control_emfile_head() {
	atf_set descr "out of descriptors, the queue rests from accepting instead of spinning, and accepts again when one frees"
	atf_set timeout 120
}
control_emfile_body() {
	ph_setup
	sp_conf
	ph_start_hostile queue:exhaust 2
	ph_wait_for "$CTL show stats" 10 || atf_fail "no control socket"
	q=$(ph_role_pids queue)
	# the queue keeps room for two more descriptors
	kill -USR1 $q
	ph_wait_log 'hostile event=exhausted held=[0-9]+ free=2'
	cpu=$(sp_cpu $q)
	install -d -o nobody $PH/flood
	$(sp_as nobody) $FLOOD $PH_RUN/control.sock 6 $PH/flood/status \
	    > $PH/flood.out 2>&1 &
	flood=$!
	ph_wait_log 'control event=accept-paused reason="Too many open files"'
	# the two connections it took time out: until then the queue was
	# out of descriptors with connections waiting, for seconds
	ph_wait_log "control event=idle-close uid=$(id -u nobody)" 30
	used=$(( $(sp_cpu $q) - cpu ))
	[ $used -lt $(getconf CLK_TCK) ] ||
	    atf_fail "the queue spent $used ticks of CPU while out of descriptors"
	ph_wait_log 'control event=accept-resumed'
	kill -USR2 $q
	ph_wait_log 'hostile event=released'
	wait $flood || { cat $PH/flood.out; atf_fail "connections left open"; }
	atf_check -o match:'^connected=6 open=0 eof=6 ' cat $PH/flood.out
	atf_check -o match:'^uptime=' $CTL show stats
}

atf_test_case nonroot_commands
nonroot_commands_head() {
	atf_set descr "a local user may show the queue and the stats; stop, pause, remove and the mail of others are root's"
	atf_set timeout 90
}
nonroot_commands_body() {
	ph_setup
	sp_conf
	useradd -m carol
	ph_start
	atf_check $CTL pause mda
	atf_check -o match:'^sent=1 ok=1' $SEND --to alice@example.org --tag nr
	ph_wait_for "$CTL show queue | grep -q alice@example.org" 10 ||
	    atf_fail "the message is not queued"
	id=$($CTL show queue | sed -n 's/^\([0-9a-f]\{16\}\)|.*/\1/p')
	atf_check -o match:"^$id\\|.*alice@example.org" \
	    $(sp_as carol) $PH_BIN/smtpctl -f $PH_CONF show queue
	atf_check -o match:'^uptime=' \
	    $(sp_as carol) $PH_BIN/smtpctl -f $PH_CONF show stats
	atf_check -o match:"^$id\\|" \
	    $(sp_as carol) $PH_BIN/sendmail -C $PH_CONF -bp
	for cmd in stop "pause smtp" "resume mda" "remove all" \
	    "schedule $id" "log verbose" "show envelope $id" \
	    "show message $id"; do
		w=${cmd% *}
		atf_check -s exit:1 -o empty \
		    -e match:"smtpctl: permission denied: only root may use \"$w\"" \
		    $(sp_as carol) $PH_BIN/smtpctl -f $PH_CONF $cmd
	done
	atf_check -o match:"control event=refused uid=$(id -u carol) command=\"stop\" reason=root-only" \
	    cat $PH_LOG
	# nothing of it happened: the daemon runs, the envelope waits
	atf_check -o match:"^$id\\|" $CTL show queue
	atf_check -o match:'^220 ' $GREETING 25
	atf_check -o match:'alice@example.org' $CTL show envelope $id
}

atf_init_test_cases() {
	atf_add_test_case queue_plants
	atf_add_test_case old_layout_links
	atf_add_test_case refuse_unsafe
	atf_add_test_case control_flood
	atf_add_test_case control_emfile
	atf_add_test_case nonroot_commands
}
