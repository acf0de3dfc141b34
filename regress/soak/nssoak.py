#!/usr/bin/env python3
"""nssoak.py [options] - the soak inside the namespace that
regress/bench/ns.sh has prepared (conf_soak.sh configured it): the
private nameserver (dnsd.py), the sink on 127.0.0.2 (sinkd.py), smtpd;
traffic of every kind (soakload.py) for --seconds while the daemon is
restarted every --restart-every seconds (by `smtpctl stop` and by
SIGTERM in turn, on the same spool) and its tables reloaded every
--update-every seconds (`smtpctl update table`); memory and descriptors
of every role sampled every --sample-every seconds (soakstat.py); then
the queue drained, every message accounted for (soakcount.py), the
report and the curve written to --out (soakreport.py).  Prints
key=value lines; exit 1 when a check fails.  --kinds narrows the
traffic to some kinds of session (soakload.KINDS), to find which one
makes a role grow.
"""
import argparse
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bench"))

import load as bload    # noqa: E402
import nsbench          # noqa: E402
import nsproc           # noqa: E402
import soakcount        # noqa: E402
import soakload         # noqa: E402
import soakreport       # noqa: E402
import soakstat         # noqa: E402

W = nsproc.W
CTL = [W + "/bin/smtpctl", "-f", W + "/smtpd.conf"]
log = nsbench.log


def options():
    """options - the command line"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="soak")
    ap.add_argument("--logs", default=W + "/logs")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--rate", type=float, default=8,
                    help="sessions per second, all workers together")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--kinds", help="the kinds of session, comma "
                    "separated (default: soakload.KINDS)")
    ap.add_argument("--restart-every", type=float, default=150)
    ap.add_argument("--update-every", type=float, default=20)
    ap.add_argument("--sample-every", type=float, default=3)
    ap.add_argument("--drain", type=float, default=180,
                    help="seconds allowed for the queue to settle")
    ap.add_argument("--max-slope", type=float, default=32)
    ap.add_argument("--max-growth", type=float, default=10)
    ap.add_argument("--fd-slack", type=float, default=4)
    return ap.parse_args()


class Daemon:
    """smtpd as started and restarted by the soak, and its epochs."""

    def __init__(self, logs):
        self.logs, self.p, self.epoch, self.up = logs, None, 0, False
        self.restarts, self.bad = [], []

    def start(self):
        """start - smtpd, until both listeners greet; True if they do"""
        p = self.p = nsproc.start("posthorn", self.logs)
        ok = nsproc.wait_for(lambda: p.poll() is None and nsproc.greets()
                             and nsproc.greets(port=587), 60, 0.2)
        self.up = bool(ok)
        if not ok:
            self.bad.append("smtpd did not start (epoch %d)" % self.epoch)
        return self.up

    def stop(self, how):
        """stop - by `smtpctl stop` or SIGTERM; every process gone"""
        self.up = False
        if how == "smtpctl":
            r = subprocess.run(CTL + ["stop"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            if r.returncode != 0:
                self.bad.append("smtpctl stop: " + r.stdout.decode(
                    errors="replace").strip())
        else:
            os.kill(self.p.pid, signal.SIGTERM)
        try:
            self.p.wait(60)
        except subprocess.TimeoutExpired:
            self.bad.append("smtpd did not stop after %s" % how)
            nsproc.stop(self.p)
        left = nsproc.wait_for(lambda: not any(
            soakstat.role_of(int(d)) for d in os.listdir("/proc")
            if d.isdigit()), 15)
        if not left:
            self.bad.append("processes left after %s" % how)

    def restart(self, t):
        """restart - stop (each way in turn) and start on the same
        spool; t is the time of the restart on the samples' clock"""
        how = ("smtpctl", "SIGTERM")[len(self.restarts) % 2]
        self.stop(how)
        self.epoch += 1
        self.restarts.append(t)
        log("restart %d (%s)" % (self.epoch, how))
        return self.start()


def update_tables(bad):
    """update_tables - reload the aliases and credentials tables"""
    os.utime(W + "/aliases")
    for t in ("aliases", "creds"):
        r = subprocess.run(CTL + ["update", "table", t],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            bad.append("update table %s: %s" % (t, r.stdout.decode(
                errors="replace").strip()))


def sampling(d, smp, every, stop):
    """sampling - take samples of the daemon while it is up"""
    while not stop.wait(every):
        if d.up and d.p.poll() is None:
            smp.take(d.p.pid, d.epoch)


def drive(a, d, smp, ld):
    """drive - the traffic, restarts and reloads for a.seconds; the
    reasons for failure found on the way"""
    bad, stop = [], threading.Event()
    th = threading.Thread(target=sampling, args=(d, smp, a.sample_every,
                                                 stop), daemon=True)
    th.start()
    ld.start(a.workers, a.rate)
    t0 = time.monotonic()
    next_r, next_u = t0 + a.restart_every, t0 + a.update_every
    while time.monotonic() - t0 < a.seconds and not d.bad:
        now = time.monotonic()
        if d.p.poll() is not None:
            d.bad.append("smtpd exited on its own (status %s)" %
                         d.p.returncode)
            break
        if now >= next_r and now + a.restart_every / 2 < t0 + a.seconds:
            d.restart(now - smp.t0)
            next_r = now + a.restart_every
        if now >= next_u:
            update_tables(bad)
            next_u = now + a.update_every
        time.sleep(0.2)
    ld.finish()
    stop.set()
    th.join()
    return bad


def settle(a, ld, sinkdir):
    """settle - wait until the queue has delivered or bounced what it
    can; the accounting"""
    end = time.monotonic() + a.drain
    while True:
        got, bounced, warned = soakcount.arrivals(sinkdir)
        temp, _ = soakcount.deferred(CTL)
        mail = soakcount.account(ld.accepted, got, bounced, temp)
        if not mail["bad"] or time.monotonic() > end:
            mail["warnings"] = warned
            return mail
        time.sleep(1)


def main():
    a = options()
    os.makedirs(a.out, exist_ok=True)
    out = lambda k, v: print("%s=%s" % (k, v), flush=True)  # noqa: E731
    nets = nsbench.links()
    out("net_links", ",".join(nets))
    if nets != ["lo"]:
        out("error", "the namespace has links other than lo")
        return 1
    return soak(a, out)


def soak(a, out):
    """soak - the run itself, with its helpers started and stopped"""
    dns = subprocess.Popen([sys.executable, os.path.join(
        nsproc.TOOLS, "dnsd.py"), "--pidfile", W + "/dnsd.pid",
        W + "/dns.zone"], start_new_session=True)
    sink = bload.start_sink("python")
    d = Daemon(a.logs)
    bad = [] if sink else ["the sink did not start"]
    if sink and d.start():
        log("smtpd up (pid %d); %d s of traffic" % (d.p.pid, a.seconds))
        smp = soakstat.Sampler(os.path.join(a.out, "soak.dat"))
        ld = soakload.Load(a.kinds.split(",") if a.kinds else None)
        bad += drive(a, d, smp, ld)
        log("traffic done; draining the queue")
        if not d.bad:
            bad = finish(a, d, smp, ld, out, bad)
        d.stop("smtpctl")
    for p in (sink, dns):
        if p:
            nsproc.stop(p)
    bad = d.bad + bad
    for b in bad:
        out("error", b)
    out("verdict", "FAIL" if bad else "PASS")
    return 1 if bad else 0


def finish(a, d, smp, ld, out, bad):
    """finish - the accounting, the verdicts, the report and the curve;
    bad (the reasons for failure so far) with those found here"""
    mail = settle(a, ld, bload.SINKDIR)
    lim = {"max_slope": a.max_slope, "max_growth": a.max_growth,
           "fd_slack": a.fd_slack}
    roles = sorted({r[2] for r in smp.rows})
    res = {role: soakstat.judge(smp.rows, role, lim) for role in roles}
    bad = bad + mail["bad"]
    for role in roles:
        bad += ["%s: %s" % (role, b) for b in res[role]["bad"]]
        out("rss_" + role, "%d,%d,%d slope=%.1f growth=%.1f fds=%d,%d" % (
            res[role]["start"], res[role]["peak"], res[role]["end"],
            res[role]["slope"], res[role]["growth"], res[role]["fds_start"],
            res[role]["fds_end"]))
    counts = dict(ld.counts, restarts=len(d.restarts),
                  delay_warnings=mail["warnings"])
    for k in ("accepted", "delivered", "bounced", "deferred",
              "unacknowledged"):
        out(k, mail[k])
    for k, v in sorted(counts.items()):
        out(k, v)
    for e in ld.errors[:5]:
        log("session failed: " + e)
    facts = ["%s; %.0f s of traffic at %.1f sessions/s, %d restarts, "
             "samples every %.0f s" % (time.strftime("%Y-%m-%d %H:%M"),
                                       a.seconds, a.rate, len(d.restarts),
                                       a.sample_every),
             "load average at the end: " +
             open("/proc/loadavg").read().split(" ")[0]]
    soakreport.write(a.out, facts, res, roles, lim, mail, counts, bad)
    err = soakreport.plot(a.out, smp.rows, roles, d.restarts,
                          "%.0f s" % a.seconds)
    if err:
        bad.append(err)
    return bad


if __name__ == "__main__":
    sys.exit(main())
