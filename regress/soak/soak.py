#!/usr/bin/env python3
"""soak.py [--smoke] [--out DIR] [BUILD] - `make soak`: posthorn under
mixed traffic for SOAK_SECONDS (600) with restarts and table reloads,
checked to lose and double no mail and to keep the memory and the
descriptors of every role flat; `make soak-smoke` (and the suite's
integration/t_soak): the same for 40 seconds with limits fit to a short
run.

Run as root.  The run happens in private namespaces, as the benchmark's
do (regress/bench/ns.sh with conf_soak.sh and nssoak.py), with only a
loopback link, a private nameserver and a sink on 127.0.0.2; nothing is
left running.  OUT (BUILD/soak unless --out says) receives soak.md (the
table), soak.dat (every sample), soak-rss.png (the curve) and logs/.

Knobs (environment): SOAK_SECONDS (600), SOAK_RATE sessions per second
(8), SOAK_RESTART seconds between restarts (150), SOAK_MAX_SLOPE
KiB/min (32), SOAK_MAX_GROWTH percent (10).
"""
import argparse
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BENCH = os.path.join(TOP, "regress", "bench")


def env(name, default):
    """env - a knob from the environment"""
    return os.environ.get(name, str(default))


def options():
    """options - the command line, the knobs, the options of nssoak.py"""
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.smoke:
        # a short run: three epochs, samples every second; the limits
        # allow what a burst of sessions and the allocator's steps show
        # over some ten seconds, so only a leak of several KiB per
        # message goes over them
        a.seconds, a.ttl = 40, "2m"
        a.opts = ["--seconds", "40", "--rate", "12", "--restart-every",
                  "13", "--update-every", "4", "--sample-every", "1",
                  "--drain", "90", "--max-slope", "1024",
                  "--max-growth", "30", "--fd-slack", "8"]
        return a
    a.seconds, a.ttl = float(env("SOAK_SECONDS", 600)), "2m"
    a.opts = ["--seconds", str(a.seconds),
              "--rate", env("SOAK_RATE", 8),
              "--restart-every", env("SOAK_RESTART", 150),
              "--max-slope", env("SOAK_MAX_SLOPE", 32),
              "--max-growth", env("SOAK_MAX_GROWTH", 10)]
    return a


def main():
    a = options()
    if os.geteuid() != 0:
        sys.stderr.write("soak: must run as root (namespaces, accounts)\n")
        return 1
    build = os.path.abspath(a.build)
    out = os.path.abspath(a.out or os.path.join(build, "soak"))
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    for f in glob.glob(os.path.join(out, "logs", "*")) + \
            glob.glob(os.path.join(out, "soak*")):
        os.unlink(f)
    e = dict(os.environ, NS_CONF=os.path.join(HERE, "conf_soak.sh"),
             NS_MAIN=os.path.join(HERE, "nssoak.py"), SOAK_TTL=a.ttl)
    limit = int(a.seconds) + 600
    argv = ["timeout", "-k", "10", str(limit), "unshare", "-pmnuf",
            "--mount-proc", "sh", os.path.join(BENCH, "ns.sh"), "soak",
            "tmpfs", out, TOP, build, "--out", out] + a.opts
    r = subprocess.run(argv, env=e)
    md = os.path.join(out, "soak.md")
    if os.path.exists(md):
        sys.stdout.write(open(md).read())
    if r.returncode == 124:
        sys.stderr.write("soak: the run exceeded %d s\n" % limit)
    sys.stderr.write("soak: %s; report, data and curve in %s\n" % (
        "PASS" if r.returncode == 0 else "FAILED", out))
    return 0 if r.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
