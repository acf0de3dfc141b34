"""ceiling.py - what the machine allows, measured in the same namespace
set-up as the servers: the load tools alone (the sender straight into
the sink) and the durable commits per second of the spool's file
system (write, fsync, rename, fsync of the directory).
"""
import os
import time

import load
import nsproc

SPOOL = "/var/spool/fsrate"


def commits(seconds, size=4096):
    """commits - write+fsync+rename+directory fsync cycles per second,
    one writer, over seconds"""
    os.makedirs(SPOOL, exist_ok=True)
    dfd = os.open(SPOOL, os.O_RDONLY | os.O_DIRECTORY)
    data, n = b"x" * size, 0
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds:
            tmp = os.path.join(SPOOL, "tmp.%d" % n)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            os.rename(tmp, os.path.join(SPOOL, "m.%d" % n))
            os.fsync(dfd)
            n += 1
    finally:
        os.close(dfd)
    took = time.monotonic() - t0
    load.clear(SPOOL)
    return n / took


def measure(ctx, sessions, n, size, seconds):
    """measure - figures fs_commits (per second) and sink_sN (msg/s,
    the sender into the sink, for each count of sessions)"""
    out = ctx["out"]
    out("fs_commits", "%.0f" % commits(seconds))
    sink = load.start_sink(ctx["tools"], "127.0.0.1", 25, dump=False)
    if sink is None:
        for s in sessions:
            out("sink_s%d" % s, "n/a the sink did not start")
        return
    for s in sessions:
        _, took, err = load.source(ctx["tools"], s, n, size,
                                   load.RCPT["relay"], ctx["timeout"])
        out("sink_s%d" % s, "n/a " + err if err else "%.1f" % (n / took))
    nsproc.stop(sink)
