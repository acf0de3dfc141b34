#!/bin/sh
# install.sh DESTDIR PREFIX BUILD - `make install`: the layout of SPEC.md.
set -e
destdir=$1
prefix=${2:-/usr/local}
build=${3:-build}
top=$(pwd)
root=$destdir$prefix
install -d "$root/sbin" "$root/bin" "$root/libexec/posthorn" \
    "$root/share/man/man5" "$root/share/man/man8" "$destdir/etc/posthorn"
install -m 0555 "$build/bin/smtpd" "$build/bin/smtpctl" \
    "$build/bin/makemap" "$build/bin/sendmail" "$root/sbin/"
ln -sf ../sbin/sendmail "$root/bin/mailq"
ln -sf ../sbin/sendmail "$root/bin/newaliases"
for m in "$top"/*/*.5; do [ -f "$m" ] && install -m 0444 "$m" "$root/share/man/man5/"; done
for m in "$top"/*/*.8; do [ -f "$m" ] && install -m 0444 "$m" "$root/share/man/man8/"; done
[ -f "$destdir/etc/posthorn/smtpd.conf" ] ||
    install -m 0644 "$top/etc/smtpd.conf" "$destdir/etc/posthorn/smtpd.conf"
if [ -z "$destdir" ]; then
	sh "$top/etc/accounts.sh"
fi
