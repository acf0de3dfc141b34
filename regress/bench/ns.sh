#!/bin/sh
# ns.sh SERVER STORAGE BENCHDIR TOP BUILD [nsbench.py options]
#
# One benchmark run of one server, as PID 1 of its own PID, mount,
# network and UTS namespaces (bench.py starts it under
# `unshare -pmnuf --mount-proc`), so that everything the server starts
# dies with this script and nothing of it is left on the host.
#
# SERVER is posthorn, postfix, opensmtpd or ceiling (no server: the
# load tools and the file system alone); STORAGE is tmpfs (spool and
# Maildir in memory) or disk (spool and Maildir in BENCHDIR/disk, on the
# file system of the build tree).  The namespace gets private tmpfs on
# /var/spool, /var/mail, /home, /tmp and /run, overlays on /etc and
# /var/lib (accounts, configurations, a resolv.conf pointing to
# 127.0.0.1), and an overlay of the extracted Debian packages onto /usr:
# the peer's, so that its compiled-in paths work, and Postfix's for the
# load tools smtp-source and smtp-sink; a self-signed certificate in
# /etc/ssl/bench for STARTTLS.  nsbench.py then starts
# the server and measures it; its key=value lines go to standard output.
# NS_CONF and NS_MAIN name another configuration script and another
# program to run in its place (the soak test, regress/soak/).

server=$1 storage=$2 bench=$3 top=$4 build=$5
shift 5
here=$top/regress/bench
tag=$server-$storage
W=/tmp/bench

# keep_logs - copy this run's logs out of the namespace's /tmp
keep_logs() {
	for f in $W/logs/*; do
		[ -f "$f" ] && cp "$f" "$bench/logs/$tag-${f##*/}"
	done
}

# die MESSAGE - report an error line, keep the logs, end the run
die() {
	echo "error=$*"
	keep_logs
	exit 1
}

[ "$$" -eq 1 ] || die "not in a private PID namespace"

ip link set lo up || die "no loopback"
hostname bench.example

# private file systems
for d in /var/spool /var/mail /home /tmp /run; do
	mkdir -p $d
	mount -t tmpfs -o mode=0755 tmpfs $d || die "cannot mount $d"
done
chmod 1777 /tmp /var/mail
if [ "$storage" = disk ]; then
	disk=$bench/disk
	rm -rf "$disk"
	mkdir -p "$disk/spool" "$disk/home" || die "cannot create $disk"
	mount --bind "$disk/spool" /var/spool || die "cannot bind spool"
	mount --bind "$disk/home" /home || die "cannot bind home"
	chmod 0755 "$disk/spool" "$disk/home"
fi
mkdir -p $W/logs $W/etc-up $W/etc-work $W/lib-up $W/lib-work
mount -t overlay overlay \
    -o lowerdir=/etc,upperdir=$W/etc-up,workdir=$W/etc-work /etc ||
    die "cannot overlay /etc"
mount -t overlay overlay \
    -o lowerdir=/var/lib,upperdir=$W/lib-up,workdir=$W/lib-work /var/lib ||
    die "cannot overlay /var/lib"
rm -f /etc/resolv.conf
echo "nameserver 127.0.0.1" > /etc/resolv.conf
printf '127.0.0.1\tlocalhost bench.example\n::1\tlocalhost\n' > /etc/hosts
echo bench.example > /etc/mailname
echo bench.example > /etc/hostname

# the mailbox owner
useradd -m -d /home/bench -s /bin/sh bench || die "cannot add user bench"

# the peer's package, and Postfix's for smtp-source and smtp-sink (the
# python tools stand in for these when it is not there: bench-smoke)
lower=/usr
if [ -x "$bench/root-postfix/usr/sbin/smtp-source" ]; then
	lower=$bench/root-postfix/usr:/usr
elif [ "$server" = postfix ]; then
	die "$bench/root-postfix not extracted"
fi
if [ "$server" = opensmtpd ]; then
	[ -d "$bench/root-opensmtpd/usr" ] ||
	    die "$bench/root-opensmtpd not extracted"
	lower=$bench/root-opensmtpd/usr:$lower
fi
if [ "$lower" != /usr ]; then
	mount -t overlay overlay -o "lowerdir=$lower" /usr ||
	    die "cannot overlay /usr"
fi

# a self-signed certificate for every server's STARTTLS
mkdir -p /etc/ssl/bench
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -days 2 -subj /CN=bench.example \
    -keyout /etc/ssl/bench/key.pem -out /etc/ssl/bench/cert.pem \
    2>/dev/null || die "cannot make a certificate"
chmod 0600 /etc/ssl/bench/key.pem
chmod 0644 /etc/ssl/bench/cert.pem

if [ "$server" != ceiling ]; then
	sh "${NS_CONF:-$here/conf_$server.sh}" "$here" "$build" "$bench" >&2 ||
	    die "cannot configure $server"
fi
ulimit -n "$(ulimit -Hn)"

python3 -W ignore "${NS_MAIN:-$here/nsbench.py}" --server "$server" --logs $W/logs "$@"
rc=$?
keep_logs
exit $rc
