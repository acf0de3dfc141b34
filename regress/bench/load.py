"""load.py - throughput runs: n messages sent as fast as the server takes
them (smtp-source, or pacer.py unpaced where Postfix's tools are not
there), the accept rate, the arrival rate at the Maildir or the sink,
and the server's CPU time per message over the run.  Kind "milter" is
local delivery through the server's listener on port 2525, whose
messages pass a milter (dkim.py).
"""
import os
import subprocess
import time

import nsproc
import pacer

SOURCE = "/usr/sbin/smtp-source"
SINK = "/usr/sbin/smtp-sink"
MAILDIR = "/home/bench/Maildir/new"
SINKDIR = nsproc.W + "/sink"
RCPT = {"e2e": "bench@bench.example", "relay": "sink@relay.example",
        "milter": "bench@bench.example"}
DEST = {"e2e": MAILDIR, "relay": SINKDIR, "milter": MAILDIR}
ADDR = {"milter": "127.0.0.1:2525"}


def count(d):
    """count - how many messages directory d holds: its files, but only
    the .msg ones of a sinkd.py directory (0 when it does not exist)"""
    try:
        names = [e.name for e in os.scandir(d) if e.is_file()]
    except OSError:
        return 0
    if "transcript" in names:
        return sum(1 for x in names if x.endswith(".msg"))
    return len(names)


def clear(d):
    """clear - remove every file of directory d"""
    try:
        for e in os.scandir(d):
            if e.is_file():
                os.unlink(e.path)
    except OSError:
        pass


def source(tools, sessions, n, size, rcpt, seconds, addr="127.0.0.1:25"):
    """source - send n messages; (start, seconds it took, None) or
    (start, None, error)"""
    t0 = time.monotonic()
    if tools == "python":
        host, port = addr.split(":")
        acc, took, errs = pacer.send(n, sessions, rcpt, size, 0, host,
                                     int(port), seconds)
        if len(acc) < n:
            return t0, None, "%d of %d accepted: %s" % (len(acc), n,
                                                        "; ".join(errs))
        return t0, took, None
    argv = [SOURCE, "-4", "-s", str(sessions), "-m", str(n), "-l", str(size),
            "-M", "client.bench.example", "-f", "sender@client.bench.example",
            "-t", rcpt, "-S", "bench", addr]
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=seconds)
    except subprocess.TimeoutExpired:
        return t0, None, "smtp-source time-out"
    if p.returncode != 0:
        msg = p.stdout.decode(errors="replace").strip().splitlines()
        return t0, None, "smtp-source: " + (msg[-1] if msg else "failed")
    return t0, time.monotonic() - t0, None


def arrival(dest, n, deadline, stall=15):
    """arrival - wait until dest holds n messages; False at the deadline
    or when nothing new has arrived for stall seconds"""
    last, since = -1, time.monotonic()
    while True:
        c = count(dest)
        now = time.monotonic()
        if c >= n:
            return True
        if c != last:
            last, since = c, now
        if now > deadline or now - since > stall:
            return False
        time.sleep(0.01)


def throughput(ctx, kind, sessions, n, size, tag=""):
    """throughput - one run into the Maildir (kind e2e, or milter through
    the milter's listener) or the sink (relay): figures KIND_accept_sN,
    KIND_sN (arrival) and KIND_cpu_sN (CPU ms per message)"""
    out, dest = ctx["out"], DEST[kind]
    keys = ["%s%s_%ss%d" % (kind, tag, k, sessions)
            for k in ("accept_", "", "cpu_")]
    clear(dest)
    cpu0 = nsproc.cpu_usec(ctx["p"], ctx["cgroup"])
    t0, took, err = source(ctx["tools"], sessions, n, size, RCPT[kind],
                           ctx["timeout"], ADDR.get(kind, "127.0.0.1:25"))
    if err:
        for k in keys:
            out(k, "n/a " + err)
        return
    out(keys[0], "%.1f" % (n / took))
    if arrival(dest, n, t0 + ctx["timeout"]):
        out(keys[1], "%.1f" % (n / (time.monotonic() - t0)))
        cpu = nsproc.cpu_usec(ctx["p"], ctx["cgroup"]) - cpu0
        out(keys[2], "%.2f" % (cpu / 1000.0 / n))
    else:
        why = "n/a %d of %d arrived" % (count(dest), n)
        out(keys[1], why)
        out(keys[2], why)


def start_sink(tools, addr="127.0.0.2", port=25, dump=True):
    """start_sink - a sink on addr:port, one file per message in SINKDIR
    when dump: smtp-sink, or sinkd.py with the python tools; its Popen
    once it greets, or None"""
    os.makedirs(SINKDIR, exist_ok=True)
    os.chmod(SINKDIR, 0o1777)
    clear(SINKDIR)
    if tools == "python":
        argv = ["python3", "-W", "ignore", os.path.join(
            nsproc.TOOLS, "sinkd.py"), "--listen", "%s:%d" % (addr, port),
            "--dir", SINKDIR]
    else:
        argv = [SINK, "-u", "nobody"] + (["-d", SINKDIR + "/m."] if dump
                                         else []) + \
            ["%s:%d" % (addr, port), "1024"]
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    if nsproc.wait_for(lambda: nsproc.greets(addr, port), 10, 0.05):
        return p
    nsproc.stop(p)
    return None
