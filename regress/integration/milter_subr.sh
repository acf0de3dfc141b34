# milter_subr.sh - real milters for the integration tests, sourced after
# subr.sh (ph_setup first: the daemons below run in the test's
# namespaces, on 127.0.0.1, and die with it).
#
# Each daemon gets a directory of its own, $ML/NAME-PORT (configuration,
# keys, logs; its standard output and error in $ML/NAME-PORT.out) and
# never reads the system's configuration files.  $ML is on the test's
# private /var/spool, not below $PH: OpenDKIM refuses a configuration
# file below a directory others may write, such as /tmp.  The DNS
# they query is the test's nameserver (ph_dns_start): DKIM keys, SPF
# and DMARC records go to $PH/dns.zone, which dnsd.py reads again for
# every query.
#
#   ml_opendkim_sign PORT DOMAIN SELECTOR   OpenDKIM signing mail from
#                                           DOMAIN for 127.0.0.1 (its
#                                           InternalHosts) and for
#                                           authenticated clients
#   ml_opendkim_verify PORT                 OpenDKIM verifying
#   ml_opendmarc PORT [reject]              OpenDMARC (SPF checked itself)
#   ml_rspamd MILTER_PORT NORMAL_PORT       rspamd: its proxy as a milter,
#                                           its normal worker over HTTP
#   ml_wait_port PORT [SECONDS]             until 127.0.0.1:PORT listens
#   ml_stop                                 stop every daemon started here
#
# The verifiers write Authentication-Results headers naming $ML_AUTHSERV,
# inserted at the top (SMFIR_INSHEADER index 0), as OpenDKIM inserts its
# DKIM-Signature.  What they expect of the MTA:
# - OpenDKIM signs for a client whose address is in InternalHosts (the
#   connect step's) or when the macro {auth_type} is set at MAIL
#   ({auth_authen} alone does not do); it signs only mail whose From:
#   is in its Domain, and otherwise answers accept at eoh.  It asks for
#   leading spaces of header values (SMFIP_HDR_LEADSPC) and does not
#   want HELO, DATA or unknown commands; verifying a message without a
#   signature, it answers skip to the first body chunk.
# - OpenDMARC's own SPF check passes 127.0.0.1 (and ::1) for any domain
#   without asking the DNS: from 127.0.0.1, a message fails DMARC only
#   when its envelope sender is outside the From: domain.  It takes the
#   DKIM results of Authentication-Results naming $ML_AUTHSERV.  It
#   does not want the body, DATA or unknown commands.
# - rspamd's proxy wants no reply to any step before eom (SMFIP_NR_*)
#   and answers GTUBE at eom with a reply code (554 5.7.1).  Its GTUBE
#   check ignores a text part shorter than 69 octets: the pattern must
#   not be the body's only line.

ML=/var/spool/ph-milters
ML_AUTHSERV=mx.example.org

# ml_wait_port PORT [SECONDS] - wait until a socket listens on
# 127.0.0.1:PORT (without connecting to it)
ml_wait_port() {
	ph_wait_for "ss -Hltn 'sport = :$1' | grep -q 127.0.0.1:$1" \
	    "${2:-20}"
}

# ml_dir NAME [ACCOUNT] - the private directory of daemon NAME (owned
# by ACCOUNT, or root)
ml_dir() {
	mkdir -p "$ML/$1"
	chmod 0755 "$ML" "$ML/$1"
	[ -n "${2:-}" ] && chown "$2" "$ML/$1"
	echo "$ML/$1"
}

# ml_run NAME PORT CMD... - start CMD in the background as daemon NAME
# (its pid in $ML/NAME.pid, its output in $ML/NAME.out) and wait until
# it listens on PORT; fail with its output if it does not
ml_run() {
	_mln=$1
	_port=$2
	shift 2
	"$@" > "$ML/$_mln.out" 2>&1 &
	echo $! > "$ML/$_mln.pid"
	ml_wait_port "$_port" 30 ||
	    { cat "$ML/$_mln.out"; atf_fail "$_mln does not listen on $_port"; }
}

# ml_opendkim_conf NAME PORT MODE - the common lines of an opendkim.conf
ml_opendkim_conf() {
	cat <<EOF
Mode			$3
Socket			inet:$2@127.0.0.1
UserID			opendkim:opendkim
PidFile			$ML/$1/opendkim.pid
Syslog			no
Canonicalization	relaxed/relaxed
Nameservers		127.0.0.1
AlwaysAddARHeader	yes
AuthservID		$ML_AUTHSERV
EOF
}

# ml_opendkim_sign PORT DOMAIN SELECTOR - OpenDKIM signing for DOMAIN
# with a new 2048-bit key, its public half published in $PH/dns.zone
# as SELECTOR._domainkey.DOMAIN; the private key is
# $ML/dkim-sign-PORT/SELECTOR.private
ml_opendkim_sign() {
	_d=$(ml_dir dkim-sign-"$1")
	opendkim-genkey -b 2048 -D $_d -d "$2" -s "$3" ||
	    atf_fail "opendkim-genkey"
	chown opendkim:opendkim $_d/"$3".private
	chmod 0600 $_d/"$3".private
	{
		ml_opendkim_conf dkim-sign-"$1" "$1" s
		printf 'Domain\t\t\t%s\nSelector\t\t%s\n' "$2" "$3"
		printf 'KeyFile\t\t\t%s\n' "$_d/$3.private"
		printf 'InternalHosts\t\t127.0.0.1\n'
	} > $_d/opendkim.conf
	# opendkim-genkey writes a zone file line: join its strings
	_txt=$(tr -d '\n' < $_d/"$3".txt | grep -o '"[^"]*"' | tr -d '"\n')
	echo "$3._domainkey.$2 TXT \"$_txt\"" >> $PH/dns.zone
	ml_run dkim-sign-"$1" "$1" opendkim -f -x $_d/opendkim.conf
}

# ml_opendkim_verify PORT - OpenDKIM verifying every message, adding
# Authentication-Results (dkim=none when there is no signature)
ml_opendkim_verify() {
	_d=$(ml_dir dkim-verify-"$1")
	ml_opendkim_conf dkim-verify-"$1" "$1" v > $_d/opendkim.conf
	ml_run dkim-verify-"$1" "$1" opendkim -f -x $_d/opendkim.conf
}

# ml_opendmarc PORT [reject] - OpenDMARC judging mail from every client
# (127.0.0.1 and authenticated ones included) by the SPF it checks
# itself and the DKIM results of $ML_AUTHSERV's Authentication-Results;
# with "reject", a failing message under p=reject is refused at eom
ml_opendmarc() {
	_d=$(ml_dir dmarc-"$1" opendmarc)
	# the default list of hosts to ignore is 127.0.0.1 alone
	echo 192.0.2.255 > $_d/ignore.hosts
	_rej=false
	[ "${2:-}" = reject ] && _rej=true
	cat > $_d/opendmarc.conf <<EOF
AuthservID			$ML_AUTHSERV
TrustedAuthservIDs		$ML_AUTHSERV
Socket				inet:$1@127.0.0.1
UserID				opendmarc:opendmarc
PidFile				$_d/opendmarc.pid
IgnoreHosts			$_d/ignore.hosts
IgnoreAuthenticatedClients	false
SPFSelfValidate			true
SPFIgnoreResults		true
RejectFailures			$_rej
FailureReports			false
RequiredHeaders			false
Syslog				false
EOF
	ml_run dmarc-"$1" "$1" opendmarc -f -c $_d/opendmarc.conf
}

# ml_rspamd MILTER_PORT NORMAL_PORT - rspamd with no module, no redis
# and no network beyond the test's resolver: the normal worker (HTTP,
# rspamc, filter-rspamd) and the proxy speaking milter, scanning
# itself; GTUBE gets the action "reject"
ml_rspamd() {
	_d=$(ml_dir rspamd-"$1" _rspamd)
	# a short list of suffixes: the full one takes seconds to compile
	printf 'org\ncom\nnet\ntest\n' > $_d/tld.dat
	cat > $_d/rspamd.conf <<EOF
options {
	dns { nameserver = ["127.0.0.1:53"]; timeout = 1s; retransmits = 1; }
	filters = "";
	local_addrs = [];
	hs_cache_dir = "$_d";
	url_tld = "$_d/tld.dat";
	tempdir = "$_d";
}
logging { type = "file"; filename = "$_d/rspamd.log"; level = "info"; }
worker "normal" { bind_socket = "127.0.0.1:$2"; count = 1; }
worker "rspamd_proxy" {
	bind_socket = "127.0.0.1:$1"; count = 1; milter = yes;
	timeout = 120s;
	upstream "local" { default = yes; self_scan = yes; }
}
EOF
	ml_run rspamd-"$1" "$1" rspamd -f -u _rspamd -g _rspamd \
	    -c $_d/rspamd.conf --var DBDIR=$_d --var RUNDIR=$_d
	ml_wait_port "$2" 30 ||
	    { cat "$ML/rspamd-$1.out"; atf_fail "rspamd: nothing on $2"; }
	for _w in normal rspamd_proxy; do
		ph_wait_for "grep -q 'starting $_w process' $_d/rspamd.log" 30 ||
		    { cat $_d/rspamd.log; atf_fail "rspamd: no $_w worker"; }
	done
}

# ml_stop - stop every daemon started by ml_run (TERM, then KILL)
ml_stop() {
	for _f in "$ML"/*.pid; do
		[ -f "$_f" ] || continue
		_p=$(cat "$_f")
		kill -TERM "$_p" 2>/dev/null
		ph_wait_for "! ph_alive $_p" 10 || kill -KILL "$_p" 2>/dev/null
		rm -f "$_f"
	done
	return 0
}
