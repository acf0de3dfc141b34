# t_install.sh - `make install`: the layout of SPEC.md, and the accounts.

. "$(atf_get_srcdir)/subr.sh"

atf_test_case layout_and_accounts
layout_and_accounts_head() {
	atf_set descr "install.sh lays out sbin, bin, man pages and the sample, and creates the accounts as root"
	atf_set timeout 60
}
layout_and_accounts_body() {
	ph_setup
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
	getent passwd _posthorn >/dev/null && atf_fail "DESTDIR install made accounts"
	# a real install as root creates both accounts, without a login shell
	atf_check -o match:'created account _posthorn' -o match:'created account _posthornq' \
	    sh etc/install.sh "" $PH/prefix "$PH_BUILD"
	for u in _posthorn _posthornq; do
		sh=$(getent passwd $u | cut -d: -f7)
		case "$sh" in */nologin|*/false) ;; *) atf_fail "$u has shell $sh" ;; esac
	done
	test -x $PH/prefix/sbin/smtpd || atf_fail "no smtpd under the prefix"
	# the mailq link runs sendmail -bp
	atf_check -s not-exit:0 -e match:'not running' $PH/prefix/bin/mailq
}

atf_init_test_cases() {
	atf_add_test_case layout_and_accounts
}
