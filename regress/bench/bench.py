#!/usr/bin/env python3
"""bench.py BUILD - `make bench`: posthorn side by side with Postfix and
OpenSMTPD on this machine, over loopback, reported as ratios.

Run as root.  Installs the plain libraries the peers need (apt-get),
downloads Debian's postfix and opensmtpd packages with `apt-get download`
into BUILD/bench/debs and extracts each into its own tree (no package is
installed, no maintainer script runs, no service starts on the host).
Every run of a server happens in private namespaces (ns.sh) that die with
it.  Each figure is the median of --reps runs; runs of the three servers
are interleaved.  The table goes to standard output and to
BUILD/bench/results.txt.
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SERVERS = ("posthorn", "postfix", "opensmtpd")
PEERS = ("postfix", "opensmtpd")
LIBS = ("libicu72 libnsl2 libsasl2-2 libdb5.3 libssl3 libevent-2.1-7 "
        "libpam0g zlib1g libcrypt1 iproute2 util-linux passwd").split()


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


def fetch_peers(bench):
    """fetch_peers - download and extract the peers; {peer: reason} for
    those that cannot be had"""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    debs = os.path.join(bench, "debs")
    os.makedirs(debs, exist_ok=True)
    say("apt-get update")
    subprocess.run(["apt-get", "update", "-q"], env=env,
                   stdout=subprocess.DEVNULL, timeout=300)
    need = missing(LIBS)
    if need:
        say("installing libraries: " + " ".join(need))
        subprocess.run(["apt-get", "install", "-y", "-q",
                        "--no-install-recommends"] + need, env=env,
                       stdout=subprocess.DEVNULL, timeout=600)
    broken = {}
    for peer in PEERS:
        have = glob.glob(os.path.join(debs, peer + "_*.deb"))
        if not have:
            say("apt-get download " + peer)
            subprocess.run(["apt-get", "download", "-q", peer], cwd=debs,
                           env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=300)
            have = glob.glob(os.path.join(debs, peer + "_*.deb"))
        if not have:
            broken[peer] = "apt-get download %s failed" % peer
            continue
        root = os.path.join(bench, "root-" + peer)
        shutil.rmtree(root, ignore_errors=True)
        r = subprocess.run(["dpkg-deb", "-x", sorted(have)[-1], root])
        if r.returncode != 0:
            broken[peer] = "dpkg-deb -x failed"
    if "postfix" in broken:
        for s in SERVERS:
            broken.setdefault(s, "no smtp-source (Postfix package missing)")
    return broken


def run_one(server, storage, bench, build, opts, limit):
    """run_one - one namespace run of one server; {key: value}"""
    argv = ["timeout", "-k", "10", str(limit), "unshare", "-pmnuf",
            "--mount-proc", "sh", os.path.join(HERE, "ns.sh"), server,
            storage, bench, TOP, build] + opts
    say("%s on %s" % (server, storage))
    r = subprocess.run(argv, stdout=subprocess.PIPE)
    res = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            res[k.strip()] = v.strip()
    if r.returncode == 124:
        res.setdefault("error", "run exceeded %d s" % limit)
    if "error" in res:
        say("%s on %s: %s" % (server, storage, res["error"]))
    return res


ROWS = [
    ("accept_s1", "accept msg/s, 1 session"),
    ("accept_s10", "accept msg/s, 10 sessions"),
    ("accept_s50", "accept msg/s, 50 sessions"),
    ("e2e_s1", "end-to-end msg/s, 1 session"),
    ("e2e_s10", "end-to-end msg/s, 10 sessions"),
    ("e2e_s50", "end-to-end msg/s, 50 sessions"),
    ("relay_s10", "relay msg/s, 10 sessions"),
    ("rss_idle", "RSS idle, KiB"),
    ("rss_load", "RSS with sessions, KiB"),
    ("rss_per_session", "RSS per idle session, KiB"),
    ("pss_idle", "PSS idle, KiB"),
    ("pss_load", "PSS with sessions, KiB"),
    ("pss_per_session", "PSS per idle session, KiB"),
    ("sessions_held", "idle sessions held"),
]


def median(runs, key):
    """median - (median of the numeric values, count) or (None, reason)"""
    vals, why = [], "not run"
    for r in runs:
        v = r.get(key, r.get("error", "not measured"))
        try:
            vals.append(float(v))
        except ValueError:
            why = v[4:] if v.startswith("n/a ") else v
    if not vals:
        return None, why
    return statistics.median(vals), len(vals)


def fmt(v):
    """fmt - a figure for the table"""
    if v is None:
        return "n/a"
    return "%.0f" % v if v >= 100 else "%.1f" % v


def table(results, storage, args):
    """table - the lines of the result table of one storage"""
    lines = ["", "== spool and Maildir on %s; %d messages of %d bytes; "
             "%d idle sessions; median of up to %d runs ==" % (
                 "tmpfs (memory)" if storage == "tmpfs" else
                 "disk (the build tree's file system)", args.messages,
                 args.size, args.idle, args.reps),
             "%-30s %10s %10s %10s %10s %10s" % (
                 "metric", "posthorn", "postfix", "opensmtpd",
                 "ph/postfix", "ph/opensmtpd")]
    notes = ["runs: " + ", ".join("%s %d of %d" % (
        s, len(results[storage][s]), args.reps) for s in SERVERS)]
    for key, label in ROWS:
        med = {}
        for s in SERVERS:
            v, n = median(results[storage][s], key)
            med[s] = v
            if v is None:
                notes.append("%s %s: n/a (%s)" % (s, key, n))
        cells = [fmt(med[s]) for s in SERVERS]
        for peer in PEERS:
            a, b = med["posthorn"], med[peer]
            cells.append("%.2f" % (a / b) if a is not None and b else "n/a")
        lines.append("%-30s %10s %10s %10s %10s %10s" % ((label,) +
                                                        tuple(cells)))
    if notes:
        lines.append("notes (a median is over the runs that measured it):")
        seen = set()
        for n in notes:
            if n not in seen:
                seen.add(n)
                lines.append("  " + n)
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--reps", type=int,
                    default=int(os.environ.get("BENCH_REPS", 3)))
    ap.add_argument("--messages", type=int,
                    default=int(os.environ.get("BENCH_MESSAGES", 500)))
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--storage",
                    default=os.environ.get("BENCH_STORAGE", "tmpfs,disk"))
    ap.add_argument("--budget", type=int,
                    default=int(os.environ.get("BENCH_BUDGET", 1140)),
                    help="seconds for all runs together")
    args = ap.parse_args()
    if os.geteuid() != 0:
        say("must run as root (namespaces, accounts, apt-get)")
        return 1
    t_start = time.monotonic()
    load0 = open("/proc/loadavg").read().split(" ")[0]
    build = os.path.abspath(args.build)
    bench = os.path.join(build, "bench")
    os.makedirs(os.path.join(bench, "logs"), exist_ok=True)
    for f in glob.glob(os.path.join(bench, "logs", "*")):
        os.unlink(f)
    broken = fetch_peers(bench)
    storages = [s for s in args.storage.split(",") if s]
    results = {st: {s: [] for s in SERVERS} for st in storages}
    opts = ["--messages", str(args.messages), "--size", str(args.size),
            "--idle", str(args.idle), "--timeout", "120"]
    for storage in storages:
        # relay throughput once, with the first storage: time is short
        extra = [] if storage == storages[0] else ["--relay", "0"]
        for rep in range(args.reps):
            for server in SERVERS:
                left = args.budget - (time.monotonic() - t_start)
                if server in broken:
                    results[storage][server].append(
                        {"error": broken[server]})
                    continue
                if left < 60:
                    say("time budget spent; skipping %s on %s, run %d" % (
                        server, storage, rep + 1))
                    continue
                results[storage][server].append(run_one(
                    server, storage, bench, build, opts + extra,
                    min(left, 480)))
    shutil.rmtree(os.path.join(bench, "disk"), ignore_errors=True)
    out = ["posthorn benchmark, %s, %d cores, load average %s before, "
           "%s after" % (time.strftime("%Y-%m-%d %H:%M"), os.cpu_count(),
                         load0, open("/proc/loadavg").read().split(" ")[0])]
    for storage in storages:
        out += table(results, storage, args)
    out.append("")
    out.append("took %.0f s; logs in %s" % (time.monotonic() - t_start,
                                           os.path.join(bench, "logs")))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(bench, "results.txt"), "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
