#!/bin/sh
# accounts.sh - create posthorn's unprivileged accounts when missing:
# _posthorn (listener, relay workers), _posthornq (spool owner) and
# _posthornf (filter processes), with no login shell and no home
# directory.
[ "$(id -u)" -eq 0 ] || exit 0
nologin=/usr/sbin/nologin
[ -x $nologin ] || nologin=/bin/false
for u in _posthorn _posthornq _posthornf; do
	getent passwd "$u" >/dev/null && continue
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell "$nologin" --user-group "$u" || exit 1
	echo "created account $u"
done
