#!/bin/sh
# conf_postfix.sh HERE BUILD BENCHDIR - Postfix's accounts and
# /etc/postfix inside a benchmark namespace (see ns.sh): the package's
# /etc/postfix (postfix-files, postfix-script), Debian's master.cf without
# chroot, main.cf with Maildir delivery for bench.example, a transport
# for relay.example to the sink on 127.0.0.2, and process and
# connection limits raised for 1,000 concurrent sessions, STARTTLS
# offered; a second smtpd(8) on port 2525 passes every message to the
# milter on 127.0.0.1:8891 (OpenDKIM, started by dkim.py for the milter
# stage), and a milter that fails makes it answer 4xx.
groupadd -r postdrop || exit 1
useradd -r -M -U -d /var/spool/postfix -s /usr/sbin/nologin postfix || exit 1
mkdir -p /etc/postfix /var/lib/postfix /var/spool/postfix || exit 1
cp -R "$3"/root-postfix/etc/postfix/. /etc/postfix/ || exit 1
chown postfix:postfix /var/lib/postfix
cp /usr/share/postfix/dynamicmaps.cf /etc/postfix/ || exit 1
awk '/^[a-z]/ && NF >= 8 { $5 = "n" } { print }' \
    /usr/share/postfix/master.cf.dist > /etc/postfix/master.cf || exit 1
cat >> /etc/postfix/master.cf <<CONF
127.0.0.1:2525 inet n - n - - smtpd
  -o smtpd_milters=inet:127.0.0.1:8891
CONF
cat > /etc/postfix/main.cf <<CONF
compatibility_level = 3.6
myhostname = bench.example
mydomain = bench.example
myorigin = bench.example
mydestination = bench.example, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
home_mailbox = Maildir/
alias_maps =
alias_database =
biff = no
relay_domains = relay.example
transport_maps = inline:{relay.example=smtp:[127.0.0.2]:25}
maillog_file = /dev/stdout
smtpd_tls_cert_file = /etc/ssl/bench/cert.pem
smtpd_tls_key_file = /etc/ssl/bench/key.pem
smtpd_tls_security_level = may
default_process_limit = 1200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
milter_default_action = tempfail
CONF
# the package's set-gid programs lose their group here: warnings only
/usr/sbin/postfix check > /tmp/bench/logs/postfix-check.log 2>&1
