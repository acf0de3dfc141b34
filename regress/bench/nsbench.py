#!/usr/bin/env python3
"""nsbench.py --server NAME [options] - one benchmark run inside the
namespace that ns.sh has prepared: start the server, measure it, stop it.

NAME is posthorn, postfix, opensmtpd, or "ceiling" (no server: the load
tools alone and the spool's file system, ceiling.py).  Prints one
key=value line per figure, "n/a REASON" where a measurement failed:
  net_links                 the namespace's network links (lo alone)
  rss_*, pss_*, tls_*       idle memory (idle.py), KiB
  e2e_accept_sN, e2e_sN     msg/s into the Maildir with N sessions: the
                            sender's rate, and the rate of arrival
  e2e_cpu_sN                the server's CPU ms per message (load.py)
  relay_*                   the same towards the sink on 127.0.0.2
  e2e_1m_*                  1 MiB messages into the Maildir
  milter_*                  the same as e2e_* through a listener whose
                            milter is OpenDKIM, signing (dkim.py)
  lat_relay_*, lat_local_*  latency at a fixed rate (latency.py)
  recovery_*                a restart with a full queue (recovery.py)
  syncs_*                   sync calls per message (syncs.py)
Every loop is bounded in time; servers are stopped by their pid.
"""
import argparse
import os
import subprocess
import sys
import time

import ceiling
import dkim
import idle
import latency
import load
import nsproc
import recovery
import syncs


def log(msg):
    """log - a progress line on standard error"""
    sys.stderr.write("  [%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def links():
    """links - the names of this namespace's network links"""
    r = subprocess.run(["ip", "-o", "link"], stdout=subprocess.PIPE)
    return [ln.split(":")[1].strip().split("@")[0]
            for ln in r.stdout.decode().splitlines() if ":" in ln]


def options():
    """options - the command line"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--tools", default="smtp-source",
                    choices=("smtp-source", "python"))
    ap.add_argument("--logs", default=nsproc.W + "/logs")
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--sessions", default="1,10,50")
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--idle-tls", type=int, default=200)
    ap.add_argument("--big", type=int, default=40,
                    help="1 MiB messages (0: none)")
    ap.add_argument("--milter", type=int, default=10,
                    help="sessions of the milter stage (0: none)")
    ap.add_argument("--lat-rate", type=float, default=200)
    ap.add_argument("--lat-seconds", type=float, default=10,
                    help="length of each latency run (0: none)")
    ap.add_argument("--recovery", type=int, default=0,
                    help="messages queued for the recovery run (0: none)")
    ap.add_argument("--syncs", type=int, default=0,
                    help="messages of the strace run (0: none)")
    ap.add_argument("--fs-seconds", type=float, default=3)
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds allowed for one throughput run")
    return ap.parse_args()


def throughput_stages(ctx, args, sessions):
    """throughput_stages - local, 1 MiB, relay, milter and latency
    runs"""
    for s in sessions:
        load.throughput(ctx, "e2e", s, args.messages, args.size)
    log("local throughput done")
    if args.big:
        load.throughput(ctx, "e2e", 10, args.big, 1 << 20, "_1m")
        log("1 MiB done")
    sink = load.start_sink(ctx["tools"])
    for s in sessions:
        if sink:
            load.throughput(ctx, "relay", s, args.messages, args.size)
        else:
            ctx["out"]("relay_s%d" % s, "n/a the sink did not start")
    if sink:
        nsproc.stop(sink)
    log("relay throughput done")
    if args.milter:
        dkim.measure(ctx, args.server, args.milter, args.messages,
                     args.size)
        log("milter throughput done")
    if args.lat_seconds:
        sink = load.start_sink("python")
        latency.paced(ctx, "relay", args.lat_rate, args.lat_seconds)
        latency.paced(ctx, "e2e", args.lat_rate, args.lat_seconds)
        if sink:
            nsproc.stop(sink)
        log("latency done")


def restart(ctx, server, logs):
    """restart - stop and start the server afresh (Postfix keeps the
    processes of closed sessions for later ones); 0 or -1"""
    nsproc.stop(ctx["p"], ctx["cgroup"], keep=True)
    p = ctx["p"] = nsproc.start(server, logs, cgroup=ctx["cgroup"])
    if nsproc.wait_for(lambda: p.poll() is None and nsproc.greets(), 30,
                       0.2):
        return 0
    ctx["out"]("tls_rss_per_session", "n/a %s did not restart" % server)
    return -1


def server_run(ctx, args, sessions):
    """server_run - every stage of one server; 0 or 1"""
    server = args.server
    ctx["cgroup"] = nsproc.cgroup_new(server)
    ctx["out"]("cpu_source", "cgroup" if ctx["cgroup"] else "proc")
    p = ctx["p"] = nsproc.start(server, args.logs, cgroup=ctx["cgroup"])
    if not nsproc.wait_for(lambda: p.poll() is None and nsproc.greets(),
                           30, 0.2):
        ctx["out"]("error", "%s did not start (see its log)" % server)
        nsproc.stop(p, ctx["cgroup"])
        return 1
    log("%s up (pid %d)" % (server, p.pid))
    if args.idle:
        idle.measure(ctx, args.idle, False, log)
    if args.idle_tls and restart(ctx, server, args.logs) == 0:
        idle.measure(ctx, args.idle_tls, True, log)
    log("memory measured")
    throughput_stages(ctx, args, sessions)
    if args.recovery:
        ctx["p"] = recovery.measure(ctx, server, args.recovery, os.path.join(
            args.logs, server + ".log"))
        log("recovery done")
    nsproc.stop(ctx["p"], ctx["cgroup"], keep=True)
    if args.syncs:
        sink = load.start_sink(ctx["tools"])
        syncs.measure(ctx, server, args.syncs)
        if sink:
            nsproc.stop(sink)
        log("syncs counted")
    nsproc.stop(ctx["p"], ctx["cgroup"])
    return 0


def main():
    args = options()

    def out(k, v):
        print("%s=%s" % (k, v), flush=True)

    if args.tools == "smtp-source" and not os.path.exists(load.SOURCE):
        out("error", "smtp-source is missing")
        return 1
    nets = links()
    out("net_links", ",".join(nets))
    if nets != ["lo"]:
        out("error", "the namespace has links other than lo")
        return 1
    dns = subprocess.Popen([sys.executable, os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "dns.py")],
        start_new_session=True)
    sessions = [int(x) for x in args.sessions.split(",") if x]
    ctx = {"out": out, "tools": args.tools, "timeout": args.timeout,
           "logs": args.logs, "p": None, "cgroup": None}
    if args.server == "ceiling":
        ceiling.measure(ctx, sessions, args.messages, args.size,
                        args.fs_seconds)
        rc = 0
    else:
        rc = server_run(ctx, args, sessions)
    nsproc.stop(dns)
    return rc


if __name__ == "__main__":
    sys.exit(main())
