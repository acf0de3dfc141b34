"""fetch.py - what `make bench` needs on the host: the plain libraries
the peers link with, gnuplot, strace and OpenDKIM (apt-get, without
recommended packages), and Debian's postfix and opensmtpd packages
fetched with `apt-get download` and extracted into BUILD/bench/root-PEER
(nothing of them is installed, no maintainer script runs, no service
starts).
"""
import glob
import os
import shutil
import subprocess
import sys

PEERS = ("postfix", "opensmtpd")
LIBS = ("libicu72 libnsl2 libsasl2-2 libdb5.3 libssl3 libevent-2.1-7 "
        "libpam0g zlib1g libcrypt1 iproute2 util-linux passwd openssl "
        "gnuplot-nox strace opendkim opendkim-tools").split()


def say(msg):
    """say - a progress line on standard error"""
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def missing(pkgs):
    """missing - the packages of pkgs that dpkg does not list as installed"""
    out = []
    for p in pkgs:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if b"ok installed" not in r.stdout:
            out.append(p)
    return out


def install(pkgs):
    """install - apt-get install what pkgs lacks; 0 or -1"""
    need = missing(pkgs)
    if not need:
        return 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say("installing: " + " ".join(need))
    subprocess.run(["apt-get", "update", "-q"], env=env,
                   stdout=subprocess.DEVNULL, timeout=300)
    r = subprocess.run(["apt-get", "install", "-y", "-q",
                        "--no-install-recommends"] + need, env=env,
                       stdout=subprocess.DEVNULL, timeout=600)
    return 0 if r.returncode == 0 else -1


def peer(bench, name):
    """peer - download (once) and extract one peer; None or the reason
    it cannot be had"""
    debs = os.path.join(bench, "debs")
    os.makedirs(debs, exist_ok=True)
    have = glob.glob(os.path.join(debs, name + "_*.deb"))
    if not have:
        say("apt-get download " + name)
        subprocess.run(["apt-get", "download", "-q", name], cwd=debs,
                       stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=300)
        have = glob.glob(os.path.join(debs, name + "_*.deb"))
    if not have:
        return "apt-get download %s failed" % name
    root = os.path.join(bench, "root-" + name)
    shutil.rmtree(root, ignore_errors=True)
    if subprocess.run(["dpkg-deb", "-x", sorted(have)[-1], root]).returncode:
        return "dpkg-deb -x failed"
    return None


def peers(bench):
    """peers - install the libraries and fetch every peer; {server:
    reason} for those that cannot run"""
    if install(LIBS) != 0:
        say("apt-get install failed; going on with what is there")
    broken = {}
    for name in PEERS:
        why = peer(bench, name)
        if why:
            broken[name] = why
    if "postfix" in broken:
        for s in ("posthorn", "opensmtpd", "ceiling"):
            broken.setdefault(s, "no smtp-source (Postfix package missing)")
    return broken
