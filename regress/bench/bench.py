#!/usr/bin/env python3
"""bench.py [--smoke] [BUILD] - `make bench`: posthorn side by side with
Postfix and OpenSMTPD on this machine, over loopback, as ratios to
Postfix; `make bench-smoke`: every stage once with tiny counts, posthorn
alone, checked to produce every figure and the plot.

Run as root.  fetch.py brings the peers; every run of a server, and of
the machine's ceilings, happens in private namespaces (ns.sh, nsbench.py)
with only a loopback link and a private resolver, and dies with them.
Each figure is the median of the rounds; within a round the ceilings and
the three servers run one after the other, so that the machine's other
load falls on all of them alike.  Tables go to standard output,
OUT/results.txt and OUT/results.md, the plot to OUT/throughput.png (OUT
is BUILD/bench unless --out says).

Knobs (environment): BENCH_REPS rounds (3), BENCH_MESSAGES messages per
throughput run (300), BENCH_STORAGE disk and/or tmpfs (disk: the build
tree's file system), BENCH_IDLE idle sessions (1000), BENCH_LAT_SECONDS
length of each latency run at 200 msg/s (10), BENCH_RECOVERY queued
messages (10000; in the first round, for BENCH_RECOVERY_SERVERS:
posthorn,postfix), BENCH_SYNCS messages of the strace run (200),
BENCH_BUDGET seconds for all runs (1650), BENCH_STAGES the stages to
run (all of them unless it names some, comma-separated, of: ceiling,
memory, throughput (local, relay and 1 MiB), milter, latency, recovery,
syncs).
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import time

import dkim
import fetch
import plot
import report

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
# BENCH_STAGES: the options of nsbench.py that turn each stage off, and
# the prefixes of its figures, left out of the tables
STAGES = {"memory": ([("--idle", "0"), ("--idle-tls", "0")],
                     ("rss_", "pss_", "tls_")),
          "throughput": ([("--sessions", ""), ("--big", "0")],
                         ("e2e_", "relay_")),
          "milter": ([("--milter", "0")], ("milter_",)),
          "latency": ([("--lat-seconds", "0")], ("lat_",)),
          "recovery": ([("--recovery", "0")], ("recovery_",)),
          "syncs": ([("--syncs", "0")], ("syncs_",)),
          "ceiling": ([], ("sink_", "fs_"))}


def env(name, default):
    """env - an integer knob from the environment"""
    return int(os.environ.get(name, default))


def options():
    """options - the command line and the environment's knobs"""
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--reps", type=int, default=env("BENCH_REPS", 3))
    ap.add_argument("--storage",
                    default=os.environ.get("BENCH_STORAGE", "disk"))
    ap.add_argument("--budget", type=int, default=env("BENCH_BUDGET", 1650))
    a = ap.parse_args()
    a.recovery_servers = os.environ.get("BENCH_RECOVERY_SERVERS",
                                        "posthorn,postfix").split(",")
    a.ceiling, a.off, a.skip = True, [], ()
    if a.smoke:
        a.reps, a.storage, a.servers = 1, "tmpfs", ("posthorn",)
        a.opts = ["--tools", "python", "--messages", "20", "--idle", "10",
                  "--idle-tls", "3", "--big", "2", "--lat-rate", "50",
                  "--lat-seconds", "0.4", "--fs-seconds", "0.5",
                  "--timeout", "30"]
        a.first = ["--recovery", "30", "--syncs", "5"]
        return a
    a.servers = report.SERVERS
    a.opts = ["--messages", str(env("BENCH_MESSAGES", 300)),
              "--idle", str(env("BENCH_IDLE", 1000)),
              "--lat-seconds", str(env("BENCH_LAT_SECONDS", 10))]
    a.first = ["--recovery", str(env("BENCH_RECOVERY", 10000)),
               "--syncs", str(env("BENCH_SYNCS", 200))]
    stages(a, os.environ.get("BENCH_STAGES", ""))
    return a


def stages(a, names):
    """stages - leave out the stages that names (comma-separated, all
    when empty) does not list: a.ceiling, a.off (options of nsbench.py
    given last) and a.skip (prefixes of the figures not measured)"""
    want = {x for x in names.split(",") if x}
    if not want:
        return
    bad = want - set(STAGES)
    if bad:
        sys.exit("bench: BENCH_STAGES: unknown %s" % ",".join(sorted(bad)))
    a.ceiling = "ceiling" in want
    for name, (flags, keys) in STAGES.items():
        if name not in want:
            a.skip += keys
            for flag, off in flags:
                a.off += [flag, off]


def run_one(server, storage, out, build, opts, limit):
    """run_one - one namespace run; {key: value}"""
    argv = ["timeout", "-k", "10", str(int(limit)), "unshare", "-pmnuf",
            "--mount-proc", "sh", os.path.join(HERE, "ns.sh"), server,
            storage, out, TOP, build, "--server", server] + opts
    fetch.say("%s on %s" % (server, storage))
    r = subprocess.run(argv, stdout=subprocess.PIPE)
    res = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            res[k.strip()] = v.strip()
    if r.returncode == 124:
        res.setdefault("error", "run exceeded %d s" % limit)
    if "error" in res:
        fetch.say("%s on %s: %s" % (server, storage, res["error"]))
    return res


def rounds(a, out, build, broken, t_start):
    """rounds - {storage: {server: [results of each round]}}"""
    res = {}
    for storage in [s for s in a.storage.split(",") if s]:
        res[storage] = {s: [] for s in ("ceiling",) + tuple(a.servers)}
        for rep in range(a.reps):
            for server in res[storage]:
                left = a.budget - (time.monotonic() - t_start)
                if server == "ceiling" and not a.ceiling:
                    continue
                if server in broken:
                    res[storage][server].append({"error": broken[server]})
                    continue
                if left < 60:
                    fetch.say("time budget spent; skipping %s, round %d" %
                              (server, rep + 1))
                    continue
                opts = list(a.opts)
                if rep == 0 and server != "ceiling":
                    opts += a.first if server in a.recovery_servers or \
                        a.smoke else a.first[2:]
                if server != "ceiling":
                    opts += a.off
                res[storage][server].append(run_one(
                    server, storage, out, build, opts, min(left, 900)))
    return res


def check(res, servers, png_err):
    """check - for the smoke run: the reasons it is not whole"""
    bad = [] if png_err is None else [png_err]
    for storage, by in res.items():
        for s in ("ceiling",) + tuple(servers):
            for r in by[s]:
                bad += ["%s %s: %s" % (s, k, v) for k, v in r.items()
                        if v.startswith("n/a") or k == "error"]
        keys = set(by["posthorn"][0]) if by["posthorn"] else set()
        bad += ["posthorn %s: missing" % k for k, _ in report.ROWS
                if k not in keys]
    return bad


def write(out, res, a, facts, t_start, load0):
    """write - the tables and the plot; None or why the plot failed"""
    titles = {"tmpfs": "spool and Maildir on tmpfs (memory)",
              "disk": "spool and Maildir on the build tree's disk"}
    txt = ["posthorn benchmark, %s, %s; load average %s before, %s after"
           % (time.strftime("%Y-%m-%d %H:%M"), report.machine(), load0,
              open("/proc/loadavg").read().split(" ")[0])]
    md = ["## posthorn benchmark", ""]
    png_err = None
    for storage, by in res.items():
        title = "%s; median of %d rounds" % (titles[storage], a.reps)
        txt += report.text(by, a.servers, title, a.skip)
        md += report.markdown(by, a.servers, title, facts, a.skip) + [""]
        if "e2e_" in a.skip:
            continue
        series = [(s, {n: report.median(by[s], "e2e_s%d" % n)[0]
                       for n in report.SESSIONS})
                  for s in a.servers + ("ceiling",)]
        series[-1] = ("sender into sink", {
            n: report.median(by["ceiling"], "sink_s%d" % n)[0]
            for n in report.SESSIONS})
        png_err = plot.draw(os.path.join(out, "throughput.png"),
                            report.SESSIONS, series, titles[storage])
    txt += ["", "took %.0f s; logs in %s" % (time.monotonic() - t_start,
                                             os.path.join(out, "logs"))]
    sys.stdout.write("\n".join(txt) + "\n")
    with open(os.path.join(out, "results.txt"), "w") as f:
        f.write("\n".join(txt) + "\n")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    return png_err


def main():
    a = options()
    if os.geteuid() != 0:
        fetch.say("must run as root (namespaces, accounts, apt-get)")
        return 1
    t_start = time.monotonic()
    load0 = open("/proc/loadavg").read().split(" ")[0]
    build = os.path.abspath(a.build)
    out = os.path.abspath(a.out or os.path.join(build, "bench"))
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    for f in glob.glob(os.path.join(out, "logs", "*")):
        os.unlink(f)
    broken = {} if a.smoke else fetch.peers(out)
    res = rounds(a, out, build, broken, t_start)
    shutil.rmtree(os.path.join(out, "disk"), ignore_errors=True)
    links = sorted({r.get("net_links", "?") for by in res.values()
                    for runs in by.values() for r in runs})
    facts = ["every run in its own network namespace; its links, as seen "
             "from inside: net_links=%s; DNS from a private resolver on "
             "127.0.0.1" % "/".join(links),
             "each server logs to a file (its standard output) and "
             "delivers to the Maildir of user bench with its own local "
             "agent; load: %s" % ("pacer.py and sinkd.py" if a.smoke else
                                  "smtp-source, smtp-sink (Postfix)"),
             "latency: paced at %s msg/s over 10 sessions, from the 250 "
             "to the last write of the message's file" % (
                 "50" if a.smoke else "200"), dkim.fact()]
    png_err = write(out, res, a, facts, t_start, load0)
    if png_err:
        fetch.say("no plot: " + png_err)
    if not a.smoke:
        return 0
    bad = check(res, a.servers, png_err)
    for b in bad:
        fetch.say("smoke: " + b)
    fetch.say("smoke: %s" % ("FAILED" if bad else "every figure and the "
                             "plot produced"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
