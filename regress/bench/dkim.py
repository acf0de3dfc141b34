"""dkim.py - the milter stage: OpenDKIM signing every message as a
milter of the server under benchmark, started inside the benchmark
namespace for the stage and stopped after it, with a key and a
configuration of its own in DIR (never the system's).  Local delivery
through the server's listener on port 2525, whose milter it is
(conf_posthorn.sh, conf_postfix.sh), at a number of sessions; the
figures count only when a sample of the delivered messages carries the
signature.
"""
import os
import shutil
import subprocess

import load
import nsproc

# not below /tmp: OpenDKIM refuses a configuration file below a
# directory that others may write
DIR = "/run/bench-dkim"
PORT = 8891
# the domain of the From: that smtp-source (-f) and pacer.py write
DOMAIN = "client.bench.example"
SELECTOR = "bench"
SAMPLE = 20
NO_MILTER = {"opensmtpd": "OpenSMTPD has no milter client"}
# the kernel's route to 127.0.0.1, to which quickack() adds "quickack 1":
# OpenDKIM writes the header it inserts and its accept in two segments,
# and the second waits for the MTA's delayed ACK (40 ms)
ROUTE = ["ip", "route", "replace", "local", "127.0.0.1", "dev", "lo",
         "table", "local", "proto", "kernel", "scope", "host", "src",
         "127.0.0.1"]


def fact():
    """fact - one line saying what the milter stage measures"""
    try:
        r = subprocess.run(["opendkim", "-V"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        ver = r.stdout.decode(errors="replace").split("\n")[0]
        ver = ver.split(" v")[-1]
    except OSError:
        ver = "(missing)"
    return ("milter: OpenDKIM %s signing every message (From: sender@%s, "
            "RSA 2048, relaxed/relaxed) for 127.0.0.1, the only milter of "
            "a second listener, 10 sessions into the Maildir; %d delivered "
            "messages checked for its signature; CPU: the MTA's alone; "
            "+quickack: the same with the loopback's delayed ACKs off "
            "(OpenDKIM's accept, written after the header it inserts, "
            "otherwise waits 40 ms for the MTA's ACK); OpenSMTPD has no "
            "milter client" % (ver, DOMAIN, SAMPLE))


def configure():
    """configure - a new key and opendkim.conf in DIR; None or why not"""
    shutil.rmtree(DIR, ignore_errors=True)
    os.makedirs(DIR, 0o755)
    r = subprocess.run(["opendkim-genkey", "-b", "2048", "-D", DIR, "-d",
                        DOMAIN, "-s", SELECTOR], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return "opendkim-genkey: " + r.stdout.decode(errors="replace")
    key = os.path.join(DIR, SELECTOR + ".private")
    shutil.chown(key, "opendkim", "opendkim")
    os.chmod(key, 0o600)
    with open(os.path.join(DIR, "opendkim.conf"), "w") as f:
        f.write("Mode s\nSocket inet:%d@127.0.0.1\nUserID opendkim:opendkim\n"
                "PidFile %s/opendkim.pid\nSyslog no\n"
                "Canonicalization relaxed/relaxed\nDomain %s\n"
                "Selector %s\nKeyFile %s\nInternalHosts 127.0.0.1\n"
                % (PORT, DIR, DOMAIN, SELECTOR, key))
    return None


def listening(port):
    """listening - True when a socket listens on 127.0.0.1:port (read
    from /proc/net/tcp, without connecting to it)"""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            w = line.split()
            if w[1] == want and w[3] == "0A":
                return True
    return False


def start(logs):
    """start - OpenDKIM in the foreground, its output in logs; (Popen,
    None) once it listens, or (None, why not)"""
    try:
        why = configure()
        if why:
            return None, why
        out = open(os.path.join(logs, "opendkim.log"), "ab")
        p = subprocess.Popen(["opendkim", "-f", "-x", os.path.join(
            DIR, "opendkim.conf")], stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    except (OSError, LookupError) as e:
        return None, "OpenDKIM: %s" % e
    if nsproc.wait_for(lambda: p.poll() is None and listening(PORT), 30):
        return p, None
    nsproc.stop(p)
    return None, "OpenDKIM did not start (see opendkim.log)"


def signed(dest, sample=SAMPLE):
    """signed - None when each of a sample of the messages in dest has
    a DKIM-Signature of DOMAIN in its header, else why not"""
    try:
        names = sorted(e.path for e in os.scandir(dest) if e.is_file())
    except OSError as e:
        return "cannot read %s: %s" % (dest, e)
    step = max(1, len(names) // sample)
    picked, good = names[::step][:sample], 0
    for path in picked:
        with open(path, "rb") as f:
            head = f.read(1 << 16).replace(b"\r\n", b"\n").split(b"\n\n")[0]
        sig = [h for h in head.split(b"\n") if h.lower().startswith(
            b"dkim-signature:")]
        if sig and b"d=" + DOMAIN.encode() in head:
            good += 1
    if not picked or good < len(picked):
        return "%d of %d sampled messages signed" % (good, len(picked))
    return None


def quickack(on):
    """quickack - delayed ACKs off (on) or back on for 127.0.0.1, in the
    routes of this namespace alone; None or why not"""
    r = subprocess.run(ROUTE + ["quickack", "1" if on else "0"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return "ip route: " + r.stdout.decode(errors="replace").strip()
    return None


def run(ctx, sessions, n, size, tag):
    """run - one throughput run through the milter: figures
    milter{tag}_*, n/a when OpenDKIM did not sign what arrived; its
    milter{tag}_signed says which"""
    figs = {}
    load.throughput(dict(ctx, out=figs.__setitem__), "milter", sessions, n,
                    size, tag)
    why = signed(load.DEST["milter"])
    ctx["out"]("milter%s_signed" % tag, "no: " + why if why else "yes")
    for k, v in sorted(figs.items()):
        ctx["out"](k, "n/a " + why if why and not v.startswith("n/a")
                   else v)


def measure(ctx, server, sessions, n, size):
    """measure - the milter stage: milter_accept_sN, milter_sN and
    milter_cpu_sN (load.throughput's), and the same as milter_qa_* with
    the loopback's delayed ACKs off"""
    keys = ["milter%s_%ss%d" % (t, k, sessions) for t in ("", "_qa")
            for k in ("accept_", "", "cpu_")]
    why = NO_MILTER.get(server)
    p = None
    if why is None:
        p, why = start(ctx["logs"])
    if why:
        for k in keys:
            ctx["out"](k, "n/a " + why)
        return
    try:
        run(ctx, sessions, n, size, "")
        why = quickack(True)
        for k in keys[3:] if why else ():
            ctx["out"](k, "n/a " + why)
        if why is None:
            run(ctx, sessions, n, size, "_qa")
            why = quickack(False)
            if why:
                ctx["out"]("error", "delayed ACKs stay off: " + why)
    finally:
        nsproc.stop(p)
