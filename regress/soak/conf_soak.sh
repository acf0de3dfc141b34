#!/bin/sh
# conf_soak.sh HERE BUILD OUT - posthorn inside the soak's namespace
# (regress/bench/ns.sh with NS_CONF naming this script): the benchmark's
# accounts and programs (conf_posthorn.sh), then the soak's
# configuration in /tmp/bench/smtpd.conf: Maildir delivery through an
# aliases table for bench.example, relay by MX for relay.example (the
# zone /tmp/bench/dns.zone points its MX to the sink on 127.0.0.2),
# STARTTLS on port 25 and AUTH against a credentials table on port 587.
# SOAK_TTL is the queue's ttl (deferred mail bounces after it).
here=$1
W=/tmp/bench
sh "$here/conf_posthorn.sh" "$@" >/dev/null || exit 1
echo "soak: bench" > $W/aliases
echo "soak $($W/bin/smtpctl encrypt 'right-pass')" > $W/creds
chmod 0644 $W/aliases
# readable by the lookup account, which reloads it on update table
chgrp _posthorn $W/creds
chmod 0640 $W/creds
cat > $W/dns.zone <<ZONE
relay.example MX 10 mx.relay.example
mx.relay.example A 127.0.0.2
ZONE
cat > $W/smtpd.conf <<CONF
queue path "/var/spool/posthorn"
queue ttl ${SOAK_TTL:-2m}
table aliases file:$W/aliases
table creds file:$W/creds
pki bench.example cert "/etc/ssl/bench/cert.pem"
pki bench.example key "/etc/ssl/bench/key.pem"
listen on 127.0.0.1 port 25 tls pki bench.example hostname bench.example
listen on 127.0.0.1 port 587 tls-require pki bench.example auth <creds> \\
    hostname bench.example
action "local" maildir alias <aliases>
action "relay" relay
match from any for domain "bench.example" action "local"
match from any for domain "relay.example" action "relay"
CONF
$W/bin/smtpd -n -f $W/smtpd.conf
