#!/bin/sh
# conf_opensmtpd.sh HERE BUILD - OpenSMTPD's accounts (Debian's build
# runs as opensmtpd and opensmtpq) and /etc/smtpd.conf inside a
# benchmark namespace (see ns.sh): Maildir delivery for bench.example, a
# relay rule for relay.example to the sink on 127.0.0.2, STARTTLS offered.
for u in opensmtpd opensmtpq; do
	groupadd -r "$u" || exit 1
	useradd -r -M -g "$u" -d /var/lib/opensmtpd/empty \
	    -s /usr/sbin/nologin "$u" || exit 1
done
mkdir -p /var/lib/opensmtpd/empty || exit 1
# smtpctl must be set-gid opensmtpq, a group the extracted package could
# not name: a copy that is
cp /usr/sbin/smtpctl /tmp/bench/opensmtpctl || exit 1
chgrp opensmtpq /tmp/bench/opensmtpctl && chmod 2555 /tmp/bench/opensmtpctl
chmod 0755 /var/lib/opensmtpd /var/lib/opensmtpd/empty
cat > /etc/smtpd.conf <<CONF
pki bench.example cert "/etc/ssl/bench/cert.pem"
pki bench.example key "/etc/ssl/bench/key.pem"
listen on 127.0.0.1 port 25 tls pki bench.example
action "local" maildir
action "relay" relay host smtp://127.0.0.2:25
match from any for domain "bench.example" action "local"
match from any for domain "relay.example" action "relay"
CONF
/usr/sbin/smtpd -n -f /etc/smtpd.conf
