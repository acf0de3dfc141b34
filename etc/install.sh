#!/bin/sh
# install.sh DESTDIR PREFIX BUILD - `make install`: the layout of SPEC.md,
# the systemd unit, sendmail where other programs look for it, and an
# /etc/aliases when there is none.
#
# From the environment (make passes them on):
#   UNITDIR         where posthorn.service goes
#                   (default PREFIX/lib/systemd/system)
#   SENDMAIL_LINKS  "yes": with a PREFIX other than /usr, also link
#                   /usr/sbin/sendmail, /usr/lib/sendmail, /usr/bin/mailq
#                   and /usr/bin/newaliases to PREFIX/sbin/sendmail
set -e
destdir=$1
prefix=${2:-/usr/local}
[ "$prefix" = / ] || prefix=${prefix%/}
build=${3:-build}
unitdir=${UNITDIR:-$prefix/lib/systemd/system}
top=$(pwd)
root=$destdir$prefix

# install_programs - programs, manual pages and the sample configuration
install_programs() {
	install -d "$root/sbin" "$root/bin" "$root/libexec/posthorn" \
	    "$root/share/man/man5" "$root/share/man/man8" "$destdir/etc/posthorn"
	install -m 0555 "$build/bin/smtpd" "$build/bin/smtpctl" \
	    "$build/bin/makemap" "$build/bin/sendmail" "$root/sbin/"
	ln -sf ../sbin/sendmail "$root/bin/mailq"
	ln -sf ../sbin/sendmail "$root/bin/newaliases"
	# each manual page lives next to its program's code
	for d in common smtpd queue deliver; do
		for m in "$top/$d"/*.[58] "$top/$d"/*/*.[58]; do
			[ -f "$m" ] || continue
			install -m 0444 "$m" "$root/share/man/man${m##*.}/"
		done
	done
	[ -f "$destdir/etc/posthorn/smtpd.conf" ] ||
	    install -m 0644 "$top/etc/smtpd.conf" "$destdir/etc/posthorn/smtpd.conf"
}

# install_unit - posthorn.service with this PREFIX's paths
install_unit() {
	install -d "$destdir$unitdir"
	sed "s|@PREFIX@|$prefix|g" "$top/etc/posthorn.service.in" \
	    > "$destdir$unitdir/posthorn.service.tmp"
	chmod 0644 "$destdir$unitdir/posthorn.service.tmp"
	mv -f "$destdir$unitdir/posthorn.service.tmp" \
	    "$destdir$unitdir/posthorn.service"
}

# install_links - sendmail at the paths other programs call: with
# PREFIX=/usr the programs are there and /usr/lib/sendmail is added;
# with another PREFIX only when SENDMAIL_LINKS=yes asks for it
install_links() {
	if [ "$prefix" = /usr ]; then
		install -d "$destdir/usr/lib"
		ln -sf ../sbin/sendmail "$destdir/usr/lib/sendmail"
		return 0
	fi
	case "${SENDMAIL_LINKS:-no}" in
	yes)	;;
	no)	return 0 ;;
	*)	echo "install.sh: SENDMAIL_LINKS is yes or no" >&2; exit 1 ;;
	esac
	install -d "$destdir/usr/sbin" "$destdir/usr/lib" "$destdir/usr/bin"
	for l in sbin/sendmail lib/sendmail bin/mailq bin/newaliases; do
		ln -sfn "$prefix/sbin/sendmail" "$destdir/usr/$l"
	done
}

# install_aliases - an /etc/aliases naming the postmaster, never replacing
# one that exists
install_aliases() {
	a="$destdir/etc/aliases"
	if [ -e "$a" ] || [ -L "$a" ]; then
		return 0
	fi
	cat > "$a.tmp" <<'ALIASES'
# /etc/aliases - see aliases(5).  Mail for a name on the left goes to the
# addresses on the right.  Mail is never delivered as root: name the
# user who reads root's mail (and with it the postmaster's), e.g.
#   root: alice
postmaster: root
MAILER-DAEMON: postmaster
ALIASES
	chmod 0644 "$a.tmp"
	mv -f "$a.tmp" "$a"
	echo "created $a: add a 'root: USER' line so that root's mail is read"
}

install_programs
install_unit
install_links
install_aliases
if [ -z "$destdir" ]; then
	sh "$top/etc/accounts.sh"
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		systemctl daemon-reload || true
	fi
fi
