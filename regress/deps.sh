#!/bin/sh
# deps.sh [fuzz] - install the Debian packages posthorn builds and tests
# with (with "fuzz": clang and its libFuzzer, for make fuzz only), when
# any is missing.  Idempotent; quiet when everything is there.
# systemd: systemd-analyze verify and systemd-journald for t_install;
# man-db: verify looks up the unit's Documentation= pages with man(1);
# gnuplot-nox, strace: the benchmark's smoke test (t_bench).
# faketime: t_faults_time runs the daemon on sped-up and jumping clocks.
# opensmtpd-filter-dkimsign, python3-dkim: t_filter_proc runs OpenSMTPD's
# DKIM signing filter as a filter process and verifies its signature.
# python3-milter, miltertest, opendkim, opendkim-tools, opendmarc,
# rspamd, opensmtpd-filter-rspamd: t_milter_tools drives real milters
# (regress/tools/milter.py on libmilter, OpenDKIM, OpenDMARC, rspamd's
# proxy) with miltertest and OpenSMTPD's rspamd filter by hand.
PKGS="gcc make bison pkg-config libbsd-dev libssl-dev libdb-dev
libevent-dev zlib1g-dev libcrypt-dev libc-ares-dev libseccomp-dev libatf-dev atf-sh kyua swaks
python3 openssl iproute2 util-linux passwd db-util
libnet-ssleay-perl libio-socket-ssl-perl systemd man-db gnuplot-nox strace
faketime opensmtpd-filter-dkimsign python3-dkim
python3-milter miltertest opendkim opendkim-tools opendmarc rspamd
opensmtpd-filter-rspamd"
[ "${1:-}" = fuzz ] && PKGS="clang libclang-rt-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -q >/dev/null || exit 1
# shellcheck disable=SC2086
${SUDO:-} apt-get install -y -q --no-install-recommends $missing >/dev/null || exit 1
