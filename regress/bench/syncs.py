"""syncs.py - how many times a server syncs per message: a separate
short run of the server under `strace -f -c` restricted to the sync
calls, n messages into the Maildir and n to the sink, the calls counted
per message (this run's throughput is not reported: strace slows every
traced call down).
"""
import os
import signal
import subprocess
import time

import load
import nsproc

CALLS = ("fsync", "fdatasync", "sync_file_range", "syncfs", "sync", "msync")
# calls that wait for the disk, summed in syncs_per_msg; sync_file_range
# is only shown in syncs_calls: posthorn calls it with
# SYNC_FILE_RANGE_WRITE alone, which starts writeback and waits for
# nothing (the fdatasync that follows is counted), and neither peer
# calls it at all (their counts show it)
WAITING = ("fsync", "fdatasync", "syncfs", "sync", "msync")

# what each server makes durable before it answers 250 to the final dot:
# posthorn's from its spool code (queue/queue/qstore.c), the peers' as
# their documentation and code describe it; the counts printed beside
# it are measured
BEFORE_250 = {
    "posthorn": "envelope file and message file written and their "
                "writeback started, both renamed into queue/, then "
                "fdatasync'd, queue/ fsync'd (commits grouped)",
    "postfix": "queue file fsync'd by cleanup(8) before smtpd(8) "
               "answers; directory entries not synced",
    "opensmtpd": "envelope file fsync'd and renamed (queue_fs); "
                 "directories not synced",
}


def parse(path):
    """parse - {call: count} from an `strace -c` summary"""
    calls = {}
    with open(path) as f:
        for line in f:
            cols = line.split()
            if len(cols) >= 5 and cols[-1] in CALLS and cols[3].isdigit():
                calls[cols[-1]] = int(cols[3])
    return calls


def stop_traced(server, tracer):
    """stop_traced - stop the server below strace (Postfix's master has
    left strace's process tree: postfix stop), let strace write its
    summary once every traced process is gone (what is left after 30 s
    is for the caller's nsproc.stop)"""
    if server == "postfix":
        subprocess.run(["postfix", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    else:
        kids = [p for p in nsproc.descendants(tracer.pid)
                if p != tracer.pid]
        if kids:
            os.kill(min(kids), signal.SIGTERM)
    try:
        tracer.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def measure(ctx, server, n):
    """measure - figure syncs_per_msg, and syncs_calls naming each call's
    count per message"""
    out = ctx["out"]
    path = os.path.join(ctx["logs"], "strace-%s.txt" % server)
    wrap = ["strace", "-f", "-c", "-o", path, "-e",
            "trace=" + ",".join(CALLS)]
    p = ctx["p"] = nsproc.start(server, ctx["logs"], wrap=wrap,
                                tag="-strace", cgroup=ctx["cgroup"])
    if not nsproc.wait_for(lambda: nsproc.greets(), 60, 0.1):
        out("syncs_per_msg", "n/a %s did not start under strace" % server)
        return
    sent = 0
    for kind in ("e2e", "relay"):
        load.clear(load.DEST[kind])
        t0, _, err = load.source(ctx["tools"], 10, n, 4096,
                                 load.RCPT[kind], ctx["timeout"])
        if not err and load.arrival(load.DEST[kind], n,
                                    t0 + ctx["timeout"]):
            sent += n
    time.sleep(1)
    stop_traced(server, p)
    calls = parse(path) if os.path.exists(path) else {}
    if sent < 2 * n or not calls:
        out("syncs_per_msg", "n/a %d of %d delivered under strace" % (
            sent, 2 * n))
        return
    out("syncs_per_msg", "%.2f" % (sum(calls.get(c, 0) for c in WAITING)
                                   / sent))
    out("syncs_calls", ",".join("%s:%.2f" % (c, calls[c] / sent)
                                for c in CALLS if c in calls))
