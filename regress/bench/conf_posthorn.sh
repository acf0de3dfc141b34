#!/bin/sh
# conf_posthorn.sh HERE BUILD - posthorn's accounts and configuration
# inside a benchmark namespace (see ns.sh): its programs copied to
# /tmp/bench/bin, Maildir delivery for bench.example, a relay rule for
# relay.example to the sink on 127.0.0.2, STARTTLS offered; a second
# listener on port 2525 passes every message to the milter on
# 127.0.0.1:8891 (OpenDKIM, started by dkim.py for the milter stage).
build=$2
W=/tmp/bench
for u in _posthorn _posthornq; do
	getent passwd "$u" >/dev/null ||
	    useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$u" || exit 1
done
mkdir -p $W/bin || exit 1
cp "$build"/bin/* $W/bin/ || exit 1
chmod 0755 $W $W/bin $W/bin/*
cat > $W/smtpd.conf <<CONF
queue path "/var/spool/posthorn"
smtp limit max-sessions 1100
pki bench.example cert "/etc/ssl/bench/cert.pem"
pki bench.example key "/etc/ssl/bench/key.pem"
filter dkim milter "inet:127.0.0.1:8891" on-error tempfail
listen on 127.0.0.1 port 25 tls pki bench.example hostname bench.example
listen on 127.0.0.1 port 2525 tls pki bench.example hostname bench.example \
    filter dkim
action "local" maildir
action "relay" relay host smtp://127.0.0.2:25
match from any for domain "bench.example" action "local"
match from any for domain "relay.example" action "relay"
CONF
$W/bin/smtpd -n -f $W/smtpd.conf
