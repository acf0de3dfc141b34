# t_install.sh - posthorn as the system's mail server: `make install`
# lays out SPEC.md's tree, the accounts, the systemd unit, sendmail
# where other programs call it and an /etc/aliases; the unit passes
# systemd-analyze verify and its commands start, reload and stop the
# daemon; every role logs to syslog (facility mail) after its chroot,
# and the journal shows those lines.

. "$(atf_get_srcdir)/subr.sh"

# inst_private DIR... - a private overlay on each DIR, so that a real
# install (DESTDIR empty, PREFIX=/usr) or a /dev/log stays inside this
# test's mount namespace
inst_private() {
	for _d in "$@"; do
		_n=$(echo "$_d" | tr / _)
		mkdir -p $PH/ovl/$_n-upper $PH/ovl/$_n-work
		mount -t overlay overlay -o "lowerdir=$_d,upperdir=$PH/ovl/$_n-upper,workdir=$PH/ovl/$_n-work" "$_d" ||
		    atf_fail "cannot lay an overlay on $_d"
	done
}

# inst_setup - ph_setup, and a private /run: no systemd of the host is
# seen (install.sh reloads a running systemd)
inst_setup() {
	ph_setup
	mount -t tmpfs -o mode=0755 tmpfs /run
}

# `make install` with the tree under test, as a command atf_check runs;
# without building (the suite runs on a built tree)
INST_MAKE="env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C $PH_TOP --no-print-directory -o all install BUILD=$PH_BUILD"

# inst_unit_cmd KEY - the command line of a key of the installed unit
inst_unit_cmd() {
	sed -n "s/^$1=//p" /usr/lib/systemd/system/posthorn.service
}

# inst_syslogd - a syslog receiver on /dev/log writing $PH/syslog
inst_syslogd() {
	inst_private /dev
	rm -f /dev/log
	$PY "$PH_TOP/regress/tools/syslogd.py" --socket /dev/log \
	    --log $PH/syslog --pidfile $PH/syslogd.pid > $PH/syslogd.out 2>&1 &
	ph_wait_for "test -s $PH/syslogd.pid" 10 ||
	    { cat $PH/syslogd.out; atf_fail "syslogd.py did not start"; }
}

# inst_journald - systemd-journald of this namespace, volatile, behind
# /dev/log as on a systemd host
inst_journald() {
	inst_private /dev
	mount -t tmpfs tmpfs /var/log
	[ -s /etc/machine-id ] || systemd-machine-id-setup >/dev/null ||
	    atf_fail "no machine id"
	mkdir -p /etc/systemd
	printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nForwardToConsole=no\n' \
	    > /etc/systemd/journald.conf
	for _j in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
		[ -x $_j ] && break
	done
	$_j > $PH/journald.out 2>&1 &
	ph_wait_for "test -S /run/systemd/journal/dev-log" 10 ||
	    { cat $PH/journald.out; atf_fail "systemd-journald did not start"; }
	rm -f /dev/log
	ln -s /run/systemd/journal/dev-log /dev/log
}

# inst_journal - the journal's posthorn lines of facility mail
inst_journal() {
	journalctl --no-pager -o cat SYSLOG_IDENTIFIER=posthorn \
	    SYSLOG_FACILITY=2 2>/dev/null
}

# inst_wait_journal REGEX - wait until the journal has a matching line
inst_wait_journal() {
	ph_wait_for "inst_journal | grep -Eq -- '$1'" 10 ||
	    { inst_journal; atf_fail "no journal line matching $1"; }
}

# inst_wait_syslog REGEX - wait until a mail-facility line (priority
# 16 to 23: facility 2) from posthorn matches REGEX
inst_wait_syslog() {
	ph_wait_for "grep -Eq -- '^<(1[6-9]|2[0-3])>.* posthorn\\[[0-9]+\\]: $1' $PH/syslog" 10 ||
	    { cat $PH/syslog; atf_fail "no syslog line matching $1"; }
}

# inst_syslog_pid REGEX - the pid of the first line matching REGEX
inst_syslog_pid() {
	sed -nE "s/^<[0-9]+>.* posthorn\\[([0-9]+)\\]: $1.*/\\1/p" $PH/syslog |
	    head -1
}

# inst_pidfile - the daemon's pid file, for ph_cleanup (written by the
# parent once it has left the foreground, so maybe after smtpd returned)
inst_pidfile() {
	ph_wait_for "test -s $PH_RUN/smtpd.pid" 10 || atf_fail "no pid file"
	cp $PH_RUN/smtpd.pid $PH/daemon.pid
}

# inst_main_pids - smtpd processes whose parent is PID 1, the test's
# shell, standing where systemd would: the one a forking unit guesses
inst_main_pids() {
	for _p in $(ph_all_pids); do
		awk '/^PPid:/ { print $2 }' /proc/$_p/status | grep -qx 1 &&
		    echo $_p
	done
}

atf_test_case layout_and_accounts
layout_and_accounts_head() {
	atf_set descr "install.sh lays out sbin, bin, man pages, the unit and the samples, and creates the accounts as root"
	atf_set timeout 60
}
layout_and_accounts_body() {
	inst_setup
	userdel _posthorn 2>/dev/null
	userdel _posthornq 2>/dev/null
	groupdel _posthorn 2>/dev/null
	groupdel _posthornq 2>/dev/null
	cd "$PH_TOP" || atf_fail "no source tree"
	# DESTDIR: a staging root, no accounts
	atf_check -o ignore sh etc/install.sh $PH/stage /usr/local "$PH_BUILD"
	for f in sbin/smtpd sbin/smtpctl sbin/makemap sbin/sendmail; do
		test -x $PH/stage/usr/local/$f || atf_fail "missing $f"
	done
	atf_check_equal "$(readlink $PH/stage/usr/local/bin/mailq)" ../sbin/sendmail
	atf_check_equal "$(readlink $PH/stage/usr/local/bin/newaliases)" ../sbin/sendmail
	for m in man8/smtpd.8 man8/smtpctl.8 man8/makemap.8 man8/sendmail.8 \
	    man5/smtpd.conf.5 man5/aliases.5; do
		test -f $PH/stage/usr/local/share/man/$m || atf_fail "missing $m"
	done
	atf_check -o inline:"configuration OK\n" \
	    $PH/stage/usr/local/sbin/smtpd -n -f $PH/stage/etc/posthorn/smtpd.conf
	# the unit names the programs of this prefix, and nothing else
	unit=$PH/stage/usr/local/lib/systemd/system/posthorn.service
	atf_check -o inline:"/usr/local/sbin/smtpd -n\n/usr/local/sbin/smtpd\n/usr/local/sbin/smtpctl update table\n" \
	    sed -n 's/^Exec[A-Za-z]*=//p' $unit
	atf_check -s exit:1 grep -e @ -e "$PH" $unit
	test -f $PH/stage/etc/aliases || atf_fail "no /etc/aliases staged"
	getent passwd _posthorn >/dev/null && atf_fail "DESTDIR install made accounts"
	# a real install as root creates both accounts, without a login shell
	atf_check -o match:'created account _posthorn' -o match:'created account _posthornq' \
	    sh etc/install.sh "" $PH/prefix "$PH_BUILD"
	for u in _posthorn _posthornq; do
		sh=$(getent passwd $u | cut -d: -f7)
		case "$sh" in */nologin|*/false) ;; *) atf_fail "$u has shell $sh" ;; esac
	done
	test -x $PH/prefix/sbin/smtpd || atf_fail "no smtpd under the prefix"
	test -f $PH/prefix/lib/systemd/system/posthorn.service ||
	    atf_fail "no unit under the prefix"
	# the mailq link runs sendmail -bp
	atf_check -s not-exit:0 -e match:'not running' $PH/prefix/bin/mailq
}

atf_test_case system_paths
system_paths_head() {
	atf_set descr "make install PREFIX=/usr puts sendmail, mailq, newaliases and /usr/lib/sendmail where programs call them; another PREFIX links them only with SENDMAIL_LINKS=yes"
	atf_set timeout 60
}
system_paths_body() {
	inst_setup
	s=$PH/usr-stage
	atf_check -o ignore $INST_MAKE DESTDIR=$s PREFIX=/usr
	test -f $s/usr/sbin/sendmail && test ! -L $s/usr/sbin/sendmail ||
	    atf_fail "/usr/sbin/sendmail is not the program"
	for l in bin/mailq bin/newaliases lib/sendmail; do
		atf_check_equal "$(readlink $s/usr/$l)" ../sbin/sendmail
	done
	test -f $s/usr/lib/systemd/system/posthorn.service ||
	    atf_fail "no unit in /usr/lib/systemd/system"
	# another prefix: /usr is left alone unless asked
	s=$PH/local-stage
	atf_check -o ignore $INST_MAKE DESTDIR=$s PREFIX=/usr/local
	test -e $s/usr/sbin || test -e $s/usr/lib/sendmail &&
	    atf_fail "links made without SENDMAIL_LINKS"
	test -f $s/usr/local/lib/systemd/system/posthorn.service ||
	    atf_fail "no unit in /usr/local/lib/systemd/system"
	atf_check -o ignore $INST_MAKE DESTDIR=$s PREFIX=/usr/local SENDMAIL_LINKS=yes
	for l in sbin/sendmail lib/sendmail bin/mailq bin/newaliases; do
		atf_check_equal "$(readlink $s/usr/$l)" /usr/local/sbin/sendmail
	done
	atf_check -s not-exit:0 -o ignore -e match:'SENDMAIL_LINKS is yes or no' \
	    $INST_MAKE DESTDIR=$PH/bad-stage PREFIX=/opt/ph SENDMAIL_LINKS=maybe
	# UNITDIR puts the unit where the administrator says
	atf_check -o ignore $INST_MAKE DESTDIR=$PH/opt-stage PREFIX=/opt/ph \
	    UNITDIR=/etc/systemd/system
	atf_check -o match:'^ExecStart=/opt/ph/sbin/smtpd$' \
	    cat $PH/opt-stage/etc/systemd/system/posthorn.service
}

atf_test_case aliases_created_never_replaced
aliases_created_never_replaced_head() {
	atf_set descr "install creates /etc/aliases with postmaster: root when there is none, and never touches an existing one"
	atf_set timeout 60
}
aliases_created_never_replaced_body() {
	inst_setup
	cd "$PH_TOP" || atf_fail "no source tree"
	atf_check -o match:"created $PH/stage/etc/aliases" \
	    sh etc/install.sh $PH/stage /usr "$PH_BUILD"
	atf_check -o inline:"postmaster: root\n" \
	    grep -x 'postmaster: root' $PH/stage/etc/aliases
	# an aliases(5) file that makemap reads
	atf_check -o ignore $PH_BIN/makemap -t aliases -o $PH/aliases.db \
	    $PH/stage/etc/aliases
	# an existing file, a second install: the same bytes
	printf 'postmaster: alice\nroot: alice\n' > $PH/stage/etc/aliases
	cp $PH/stage/etc/aliases $PH/aliases.mine
	atf_check -o not-match:created sh etc/install.sh $PH/stage /usr "$PH_BUILD"
	atf_check cmp $PH/aliases.mine $PH/stage/etc/aliases
	# a real install: the system's /etc/aliases (this test's overlay)
	rm -f /etc/aliases
	atf_check -o match:'created /etc/aliases' -o ignore \
	    sh etc/install.sh "" $PH/prefix "$PH_BUILD"
	grep -qx 'postmaster: root' /etc/aliases || atf_fail "no postmaster"
	echo "root: alice" >> /etc/aliases
	cp /etc/aliases $PH/aliases.mine
	atf_check -o not-match:'created /etc/aliases' \
	    sh etc/install.sh "" $PH/prefix "$PH_BUILD"
	atf_check cmp $PH/aliases.mine /etc/aliases
}

atf_test_case unit_verify
unit_verify_head() {
	atf_set descr "the installed posthorn.service passes systemd-analyze verify, from /usr and from /usr/local, and asks for no sandboxing that breaks privilege separation"
	atf_set timeout 120
}
unit_verify_body() {
	inst_setup
	inst_private /usr
	cd "$PH_TOP" || atf_fail "no source tree"
	atf_check -o ignore sh etc/install.sh "" /usr "$PH_BUILD"
	atf_check -o empty -e empty systemd-analyze verify posthorn.service
	atf_check -o empty -e empty systemd-analyze verify \
	    /usr/lib/systemd/system/posthorn.service
	atf_check -o inline:"forking\n" sed -n 's/^Type=//p' \
	    /usr/lib/systemd/system/posthorn.service
	atf_check -o inline:"mixed\n" sed -n 's/^KillMode=//p' \
	    /usr/lib/systemd/system/posthorn.service
	atf_check -s exit:1 grep -E '^(User|Group|DynamicUser|NoNewPrivileges|Protect[A-Za-z]*|Private[A-Za-z]*|CapabilityBoundingSet|RestrictNamespaces|SystemCallFilter|ReadOnlyPaths|InaccessiblePaths)=' \
	    /usr/lib/systemd/system/posthorn.service
	# /usr/local is in systemd's search path as well
	rm /usr/lib/systemd/system/posthorn.service
	atf_check -o ignore sh etc/install.sh "" /usr/local "$PH_BUILD"
	atf_check -o empty -e empty systemd-analyze verify posthorn.service
	# a broken unit does not pass: the check can fail
	sed 's/^Type=forking/Type=forked/' \
	    /usr/local/lib/systemd/system/posthorn.service > $PH/broken.service
	atf_check -o ignore -e match:'Type|type' systemd-analyze verify \
	    $PH/broken.service
}

atf_test_case unit_start_reload_stop
unit_start_reload_stop_head() {
	atf_set descr "installed with PREFIX=/usr, the unit's commands start the daemon ready to accept, reload every table and stop it; the journal shows each role's event= lines with facility mail"
	atf_set timeout 120
}
unit_start_reload_stop_body() {
	inst_setup
	inst_private /usr
	inst_journald
	useradd -m -s /bin/sh alice
	rm -f /etc/aliases /etc/posthorn/smtpd.conf
	cd "$PH_TOP" || atf_fail "no source tree"
	atf_check -o ignore sh etc/install.sh "" /usr "$PH_BUILD"
	cd $PH || atf_fail "no $PH"
	atf_check -o inline:"configuration OK\n" $(inst_unit_cmd ExecStartPre)
	# Type=forking: when ExecStart returns, the listener accepts
	atf_check $(inst_unit_cmd ExecStart)
	atf_check -o match:'^220 ' $GREETING 25
	inst_pidfile
	main=$(inst_main_pids)
	atf_check_equal "$main" "$(cat $PH/daemon.pid)"
	inst_wait_journal '^parent: parent event=start '
	inst_wait_journal '^queue: queue event=loaded '
	inst_wait_journal '^smtpd: [0-9a-f]{16} smtp event=connect src=127\.0\.0\.1'
	# systemctl reload: after root is aliased, postmaster mail is read
	echo "root: alice" >> /etc/aliases
	atf_check -o empty -e empty $(inst_unit_cmd ExecReload)
	inst_wait_journal '^lookup: lookup event=table-update table=aliases$'
	printf 'Subject: to the postmaster\n\nhello\n' > $PH/msg
	atf_check /usr/sbin/sendmail postmaster < $PH/msg
	atf_check /usr/lib/sendmail postmaster < $PH/msg
	ph_wait_for "[ \$(ls /home/alice/Maildir/new | wc -l) -eq 2 ]" 10 ||
	    atf_fail "postmaster's mail did not reach alice"
	inst_wait_journal '^parent: [0-9a-f]{16} mda event=delivered user=alice '
	atf_check -o ignore /usr/bin/mailq
	atf_check -o match:'no db: aliases table' /usr/bin/newaliases
	# systemctl stop, KillMode=mixed: SIGTERM to the main process only
	kill -TERM $main
	ph_wait_exit 20
	inst_wait_journal '^parent: parent event=stop status=0$'
	atf_check -o match:'^_TRANSPORT=syslog$' -o match:'^PRIORITY=6$' \
	    journalctl --no-pager -o export SYSLOG_IDENTIFIER=posthorn \
	    SYSLOG_FACILITY=2 _PID=$main
}

atf_test_case syslog_roles
syslog_roles_head() {
	atf_set descr "without -d every role logs to /dev/log with facility mail and its event= keys, also after its chroot and privilege drop"
	atf_set timeout 120
}
syslog_roles_body() {
	inst_setup
	inst_syslogd
	useradd -m -s /bin/sh alice
	ph_conf <<'CONF'
table aliases { root = alice }
listen on 127.0.0.1 port 25
action "local" mbox alias <aliases>
action "out" relay host smtp://127.0.0.1:2
match from local for domain remote.test action "out"
match from local for local action "local"
CONF
	atf_check -o empty -e empty $PH_BIN/smtpd -f $PH_CONF
	inst_pidfile
	atf_check -o match:'^220 ' $GREETING 25
	printf 'Subject: t\n\nhello\n' > $PH/msg
	atf_check $PH_BIN/sendmail -C $PH_CONF alice bob@remote.test < $PH/msg
	inst_wait_syslog 'parent: parent event=start '
	inst_wait_syslog 'queue: queue event=loaded '
	inst_wait_syslog 'smtpd: [0-9a-f]{16} smtp event=connect src=127\.0\.0\.1'
	inst_wait_syslog 'lookup: [0-9a-f]{16} lookup event=rcpt rcpt=<alice@'
	inst_wait_syslog 'relay: [0-9a-f]{16} relay event=host-failed host=127\.0\.0\.1'
	inst_wait_syslog 'parent: [0-9a-f]{16} mda event=delivered user=alice '
	test -s /var/mail/alice || atf_fail "no mbox"
	# the lines came from the roles in their chroots, as their accounts
	for r in queue:_posthornq:$PH_SPOOL smtpd:_posthorn:$PH_SPOOL/empty \
	    relay:_posthorn:$PH_SPOOL/empty; do
		role=${r%%:*} rest=${r#*:}
		pid=$(inst_syslog_pid "$role: ")
		[ -n "$pid" ] || atf_fail "no line from $role"
		atf_check_equal "$(ph_uid $pid)" "$(id -u ${rest%%:*})"
		atf_check_equal "$(readlink /proc/$pid/root)" "${rest#*:}"
	done
	# the lines carry no time or pid of their own: syslog adds them
	atf_check -s exit:1 grep -E 'posthorn\[[0-9]+\]: [0-9:.]+ ' $PH/syslog
	kill -TERM "$(cat $PH/daemon.pid)"
	ph_wait_exit 20
	inst_wait_syslog 'parent: parent event=stop status=0$'
}

atf_test_case reload_all_tables
reload_all_tables_head() {
	atf_set descr "smtpctl update table without a name reloads every named table; one that fails keeps its contents, is logged and named, and the others are reloaded"
	atf_set timeout 60
}
reload_all_tables_body() {
	inst_setup
	useradd -m -s /bin/sh alice
	useradd -m -s /bin/sh bob
	echo "list1: alice" > $PH/aliases1
	echo "list2: alice" > $PH/aliases2
	ph_conf <<CONF
table one file:$PH/aliases1
table two file:$PH/aliases2
table three { x = y }
listen on 127.0.0.1 port 25
action "one" mbox alias <one>
action "two" mbox alias <two>
match from local for rcpt-to list1@localhost action "one"
match from local for local action "two"
CONF
	ph_start
	echo "list1: bob" > $PH/aliases1
	echo "list2: bob" > $PH/aliases2
	atf_check -o empty -e empty $CTL update table
	ph_wait_log 'lookup event=table-update table=one$'
	ph_wait_log 'lookup event=table-update table=two$'
	ph_wait_log 'lookup event=table-update table=three$'
	printf 'Subject: t\n\nhello\n' > $PH/msg
	atf_check $PH_BIN/sendmail -C $PH_CONF list1@localhost list2@localhost \
	    < $PH/msg
	ph_wait_for "[ \$(grep -c '^Subject: t' /var/mail/bob) -eq 2 ]" 10 ||
	    { cat $PH_LOG; ls -l /var/mail
	    atf_fail "the reloaded aliases were not used"; }
	test -e /var/mail/alice && atf_fail "old aliases used"
	# one table fails: named, logged, the other still reloaded
	rm $PH/aliases1
	echo "list2: alice" > $PH/aliases2
	atf_check -s exit:1 -e match:'table one' -e not-match:more \
	    $CTL update table
	ph_wait_log 'lookup event=table-update table=one error='
	atf_check $PH_BIN/sendmail -C $PH_CONF list1@localhost list2@localhost \
	    < $PH/msg
	ph_wait_for "[ \$(grep -c '^Subject: t' /var/mail/bob) -eq 3 ]" 10 &&
	    ph_wait_for "test -s /var/mail/alice" 10 ||
	    atf_fail "list1 must keep bob, list2 must now be alice"
	# only root may reload
	atf_check -s exit:1 -e match:'permission denied' \
	    su -s /bin/sh alice -c "$CTL update table"
}

atf_init_test_cases() {
	atf_add_test_case layout_and_accounts
	atf_add_test_case system_paths
	atf_add_test_case aliases_created_never_replaced
	atf_add_test_case unit_verify
	atf_add_test_case unit_start_reload_stop
	atf_add_test_case syslog_roles
	atf_add_test_case reload_all_tables
}
