"""soakstat.py - what each role of the daemon holds over time: samples of
the resident memory and open descriptors of every smtpd process (its
role from the "-X ROLE" of its command line, the parent's being none),
summed per role, and the judgement of whether they stay flat.

A run is cut into epochs by the restarts.  Within an epoch the first
WARM of its samples are warm-up; over the rest of every epoch the slope
of RSS against time is a least-squares fit pooled across epochs (each
epoch its own intercept, so the restarts' drops do not count), and the
growth is the epoch's last samples against its first samples after
warm-up.  A role is flat when the slope is at most max_slope KiB/min,
the growth at most max_growth percent (or GROWTH_FLOOR KiB, whichever
is larger) and its descriptors grow by at most fd_slack.
"""
import os
import time

import nsproc

WARM = 0.2              # the share of each epoch that is warm-up
GROWTH_FLOOR = 256      # KiB of growth allowed whatever the percentage
EDGE = 3                # samples averaged for the start and end levels


def role_of(pid):
    """role_of - the role of an smtpd process, or None if it is not one"""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        with open("/proc/%d/comm" % pid) as f:
            comm = f.read().strip()
    except OSError:
        return None
    if comm != "smtpd":
        return None
    if b"-X" in argv[:-1]:
        return argv[argv.index(b"-X") + 1].decode(errors="replace")
    return "parent"


def fds(pid):
    """fds - how many descriptors a process holds (0 when it is gone)"""
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return 0


def sample(root):
    """sample - {role: [procs, rss KiB, pss KiB, fds]} for the processes
    below pid root"""
    out = {}
    for pid in nsproc.descendants(root):
        role = role_of(pid)
        if role is None or (role == "parent" and pid != root):
            continue        # not smtpd, or a fork on its way to exec
        rss, pss = nsproc.memory([pid])
        v = out.setdefault(role, [0, 0, 0, 0])
        v[0] += 1
        v[1] += rss
        v[2] += pss
        v[3] += fds(pid)
    return out


class Sampler:
    """Rows (t, epoch, role, procs, rss, pss, fds) written to a data
    file as they are taken."""

    def __init__(self, path):
        self.rows = []
        self.t0 = time.monotonic()
        self.f = open(path, "w")
        self.f.write("# seconds epoch role procs rss_kib pss_kib fds\n")

    def take(self, root, epoch):
        """take - one sample of the daemon whose parent is root"""
        t = time.monotonic() - self.t0
        for role, v in sorted(sample(root).items()):
            row = (t, epoch, role) + tuple(v)
            self.rows.append(row)
            self.f.write("%.1f %d %s %d %d %d %d\n" % row)
        self.f.flush()


def fit(groups):
    """fit - the pooled slope (per second) of [[(t, y)], ...], each
    group with its own intercept; 0 without enough points"""
    num = den = 0.0
    for g in groups:
        if len(g) < 2:
            continue
        mt = sum(t for t, _ in g) / len(g)
        my = sum(y for _, y in g) / len(g)
        num += sum((t - mt) * (y - my) for t, y in g)
        den += sum((t - mt) ** 2 for t, _ in g)
    return num / den if den else 0.0


def mean(xs):
    """mean - of a non-empty list"""
    return sum(xs) / float(len(xs))


def epochs(rows, role, col):
    """epochs - the post-warm-up (t, value) series of each epoch"""
    by = {}
    for r in rows:
        if r[2] == role:
            by.setdefault(r[1], []).append((r[0], r[col]))
    out = []
    for e in sorted(by):
        s = by[e]
        out.append(s[int(len(s) * WARM):])
    return [s for s in out if len(s) >= 2 * EDGE]


def judge(rows, role, lim):
    """judge - figures and verdict of one role: a dict with start,
    peak, end (KiB), fds_start, fds_end, slope (KiB/min), growth (%),
    fd_growth, and bad: the reasons it is not flat"""
    mine = [r for r in rows if r[2] == role]
    res = {"start": mine[0][4], "peak": max(r[4] for r in mine),
           "end": mine[-1][4], "fds_start": mine[0][6],
           "fds_end": mine[-1][6], "procs": max(r[3] for r in mine),
           "bad": []}
    rss, fd = epochs(rows, role, 4), epochs(rows, role, 6)
    if not rss:
        res["bad"].append("no epoch with enough samples")
        res.update(slope=0.0, growth=0.0, fd_growth=0)
        return res
    res["slope"] = fit(rss) * 60
    grow = [(mean([y for _, y in s[-EDGE:]]),
             mean([y for _, y in s[:EDGE]])) for s in rss]
    worst = max(grow, key=lambda g: g[0] - g[1])
    res["growth"] = 100.0 * (worst[0] - worst[1]) / max(worst[1], 1)
    res["fd_growth"] = max(mean([y for _, y in s[-EDGE:]]) -
                           mean([y for _, y in s[:EDGE]]) for s in fd)
    if res["slope"] > lim["max_slope"]:
        res["bad"].append("RSS slope %.1f KiB/min over %s" %
                          (res["slope"], lim["max_slope"]))
    if worst[0] - worst[1] > max(GROWTH_FLOOR,
                                 worst[1] * lim["max_growth"] / 100.0):
        res["bad"].append("RSS grew %.1f%% in an epoch (%d to %d KiB)" %
                          (res["growth"], worst[1], worst[0]))
    if res["fd_growth"] > lim["fd_slack"]:
        res["bad"].append("descriptors grew by %.1f in an epoch" %
                          res["fd_growth"])
    return res
