"""latency.py - delay from the 250 that accepted a message to its
arrival, at a fixed moderate rate: pacer.py sends, the arrival time is
the modification time of the message's file (the Maildir's, or
sinkd.py's N.msg at the sink), matched by its X-Bench-Id header.
"""
import os
import time

import load
import pacer


def bench_id(path):
    """bench_id - the X-Bench-Id of the message in file path, or None"""
    try:
        with open(path, "rb") as f:
            for line in f:
                if line in (b"\r\n", b"\n"):
                    return None
                if line.lower().startswith(b"x-bench-id:"):
                    return int(line.split(b":", 1)[1])
    except (OSError, ValueError):
        return None
    return None


def delays(dest, accepted):
    """delays - seconds from the 250 to the file's last write, for every
    message of dest that was accepted"""
    out = []
    for e in os.scandir(dest):
        if e.name == "transcript" or e.name.endswith((".env", ".wire")):
            continue
        i = bench_id(e.path)
        if i in accepted:
            out.append(e.stat().st_mtime_ns / 1e9 - accepted[i])
    return sorted(out)


def percentile(vals, q):
    """percentile - the q-th percentile (nearest rank) of sorted vals"""
    k = max(0, min(len(vals) - 1, int(round(q / 100.0 * len(vals))) - 1))
    return vals[k]


def paced(ctx, kind, rate, seconds, sessions=10):
    """paced - one paced run into the Maildir or the sink: figures
    lat_KIND_p50, lat_KIND_p99 (ms) and lat_KIND_rate (msg/s reached)"""
    out, dest = ctx["out"], load.DEST[kind]
    pre = "lat_%s_" % ("local" if kind == "e2e" else kind)
    n = max(1, int(rate * seconds))
    load.clear(dest)
    accepted, took, errs = pacer.send(n, sessions, load.RCPT[kind], 4096,
                                      rate, timeout=max(30, 3 * seconds))
    if errs or len(accepted) < n:
        for k in ("p50", "p99", "rate"):
            out(pre + k, "n/a %d of %d accepted %s" % (
                len(accepted), n, "; ".join(errs[:1])))
        return
    out(pre + "rate", "%.1f" % (n / took))
    if not load.arrival(dest, n, time.monotonic() + ctx["timeout"]):
        for k in ("p50", "p99"):
            out(pre + k, "n/a %d of %d arrived" % (load.count(dest), n))
        return
    d = delays(dest, accepted)
    if len(d) < n:
        for k in ("p50", "p99"):
            out(pre + k, "n/a %d of %d matched" % (len(d), n))
        return
    out(pre + "p50", "%.2f" % (1000 * percentile(d, 50)))
    out(pre + "p99", "%.2f" % (1000 * percentile(d, 99)))
