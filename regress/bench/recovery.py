"""recovery.py - how long a server takes, restarted with a full queue,
to deliver it: n messages accepted with local delivery held (smtpctl
pause mda; Postfix: defer_transports = local), the server stopped and
started again with delivery allowed, and the time from its start until
all n are in the Maildir.
"""
import subprocess
import time

import load
import nsproc

CTL = {"posthorn": [nsproc.W + "/bin/smtpctl", "-f",
                    nsproc.W + "/smtpd.conf"],
       "opensmtpd": [nsproc.W + "/opensmtpctl"]}


def run(argv):
    """run - a command's exit status, its output thrown away"""
    return subprocess.run(argv, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=60).returncode


def hold(server, log_path):
    """hold - stop local delivery of the running server; 0 or -1"""
    if server != "postfix":
        return 0 if run(CTL[server] + ["pause", "mda"]) == 0 else -1
    if run(["postconf", "-e", "defer_transports = local"]) != 0:
        return -1
    with open(log_path, "rb") as f:
        seen = f.read().count(b"reload")
    if run(["postfix", "reload"]) != 0:
        return -1
    ok = nsproc.wait_for(lambda: open(log_path, "rb").read().count(
        b"reload") > seen, 20)
    return 0 if ok else -1


def release(server):
    """release - allow local delivery again in a server about to start"""
    if server == "postfix":
        run(["postconf", "-e", "defer_transports ="])


def kick(server):
    """kick - make the restarted server take up its queue now: Postfix
    keeps deferred mail for its queue_run_delay otherwise"""
    if server == "postfix":
        run(["postqueue", "-f"])
    else:
        run(CTL[server] + ["resume", "mda"])


def measure(ctx, server, n, log_path):
    """measure - figures recovery_s (seconds from the start to the last
    delivery) and recovery_rate (msg/s) of n queued messages"""
    out = ctx["out"]
    if hold(server, log_path) != 0:
        out("recovery_s", "n/a cannot hold local delivery")
        return ctx["p"]
    load.clear(load.MAILDIR)
    _, _, err = load.source(ctx["tools"], 20, n, 4096,
                                load.RCPT["e2e"], ctx["timeout"] * 4)
    if err:
        out("recovery_s", "n/a " + err)
        return ctx["p"]
    queued = n - load.count(load.MAILDIR)
    nsproc.stop(ctx["p"], ctx["cgroup"], keep=True)
    release(server)
    t0 = time.monotonic()
    p = nsproc.start(server, ctx["logs"], cgroup=ctx["cgroup"])
    if not nsproc.wait_for(lambda: nsproc.greets(), 30, 0.05):
        out("recovery_s", "n/a %s did not restart" % server)
        return p
    kick(server)
    if load.arrival(load.MAILDIR, n, t0 + ctx["timeout"] * 4, stall=30):
        s = time.monotonic() - t0
        out("recovery_s", "%.2f" % s)
        out("recovery_rate", "%.1f" % (queued / s))
    else:
        out("recovery_s", "n/a %d of %d delivered" % (
            load.count(load.MAILDIR), n))
    return p
