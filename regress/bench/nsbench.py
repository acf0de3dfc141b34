#!/usr/bin/env python3
"""nsbench.py --server NAME [options] - one benchmark run inside the
namespace that ns.sh has prepared: start the server, measure it, stop it.

Prints one key=value line per figure, "n/a" (with a reason) where a
measurement failed:
  rss_idle, pss_idle       KiB, all the server's processes, idle after start
  rss_load, pss_load       KiB, the same with --idle sessions open after EHLO
  rss_per_session, pss_per_session   KiB per idle session
  sessions_held            how many idle sessions that was (--idle, unless
                           the server could not take them all in 150 s)
  accept_sN                messages/s with smtp-source -s N, first connect
                           until smtp-source exits
  e2e_sN                   messages/s, first connect until all messages are
                           in the Maildir
  relay_sN                 messages/s, first connect until the sink on
                           127.0.0.2:25 has received all messages
Every loop is bounded in time; the server is stopped by its pid.
"""
import argparse
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

W = "/tmp/bench"
MAILDIR = "/home/bench/Maildir/new"
SINKDIR = W + "/sink"
SOURCE = "/usr/sbin/smtp-source"
SINK = "/usr/sbin/smtp-sink"


def log(msg):
    """log - a progress line on standard error"""
    sys.stderr.write("  [%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def start(server, logs):
    """start - the daemon in the foreground; returns its Popen"""
    out = open(os.path.join(logs, server + ".log"), "wb")
    if server == "posthorn":
        argv = [W + "/bin/smtpd", "-d", "-f", W + "/smtpd.conf"]
    elif server == "opensmtpd":
        argv = ["/usr/sbin/smtpd", "-d", "-f", "/etc/smtpd.conf"]
    else:
        argv = ["/usr/sbin/postfix", "start-fg"]
    return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def greets(host="127.0.0.1", port=25):
    """greets - True when the server answers a connection with 220"""
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            f = s.makefile("rb")
            line = f.readline()
            ok = line.startswith(b"220")
            while line[3:4] == b"-":
                line = f.readline()
            s.sendall(b"QUIT\r\n")
            return ok
    except OSError:
        return False


def wait_for(cond, seconds, step=0.05):
    """wait_for - poll cond until it holds or seconds have passed; its
    last value"""
    end = time.monotonic() + seconds
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def children():
    """children - a map pid -> parent pid of every process in this namespace"""
    tree = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        tree[int(d)] = int(st[st.rindex(")") + 2:].split()[1])
    return tree


def descendants(root):
    """descendants - root and every process below it"""
    tree = children()
    out, todo = set(), [root]
    while todo:
        p = todo.pop()
        out.add(p)
        todo.extend(c for c, pp in tree.items() if pp == p and c not in out)
    return out


def memory(root):
    """memory - (RSS, PSS) in KiB summed over root's process tree"""
    rss = pss = 0
    for p in descendants(root):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def reply_done(buf):
    """reply_done - the code of the last line when buf holds a whole
    reply, else None"""
    lines = buf.split(b"\r\n")
    if len(lines) < 2:
        return None
    last = lines[-2]
    if len(last) >= 4 and last[3:4] == b" ":
        return last[:3]
    return None


def session_step(conn):
    """session_step - read what a session's socket holds and move it
    on: greeting, EHLO, then done; an error string or None"""
    data = conn["s"].recv(4096)
    if not data:
        return "closed by the server"
    conn["buf"] += data
    code = reply_done(conn["buf"])
    if code is None:
        return None
    conn["buf"] = b""
    if conn["state"] == "greeting":
        if code != b"220":
            return "greeting %r" % code
        conn["s"].sendall(b"EHLO load.bench.example\r\n")
        conn["state"] = "ehlo"
    elif conn["state"] == "ehlo":
        if code != b"250":
            return "EHLO answered %r" % code
        conn["state"] = "done"
    return None


def hold_sessions(n, deadline, window=4):
    """hold_sessions - open n sessions, at most window of them in their
    greeting or EHLO at once, and say EHLO on each; (sockets, sessions
    through EHLO, error); at the deadline, those that made it in time"""
    sel = selectors.DefaultSelector()
    socks, pending, done = [], 0, 0
    try:
        while done < n:
            if time.monotonic() > deadline:
                waiting = sorted(k.data["state"] for k in
                                 sel.get_map().values())
                return socks, done, "time-out after %d sessions (%d " \
                    "waiting in %s)" % (done, len(waiting),
                                        ",".join(sorted(set(waiting))))
            while pending < window and len(socks) < n:
                s = socket.create_connection(("127.0.0.1", 25), timeout=30)
                s.setblocking(False)
                socks.append(s)
                sel.register(s, selectors.EVENT_READ,
                             {"s": s, "buf": b"", "state": "greeting"})
                pending += 1
            for key, _ in sel.select(timeout=1):
                err = session_step(key.data)
                if err:
                    return socks, 0, "session %d: %s" % (done, err)
                if key.data["state"] == "done":
                    sel.unregister(key.fileobj)
                    pending -= 1
                    done += 1
    except OSError as e:
        return socks, 0, "session %d: %s" % (done, e)
    finally:
        sel.close()
    return socks, done, None


def measure_memory(pid, n, out):
    """measure_memory - idle memory, then memory with n idle sessions
    open (or as many as opened within the time allowed, at least 100)"""
    time.sleep(3)
    rss0, pss0 = memory(pid)
    out("rss_idle", rss0)
    out("pss_idle", pss0)
    conns, held, err = hold_sessions(n, time.monotonic() + 150)
    if err:
        log(err)
    out("sessions_held", held)
    if held >= min(n, 100):
        time.sleep(2)
        rss1, pss1 = memory(pid)
        out("rss_load", rss1)
        out("pss_load", pss1)
        out("rss_per_session", "%.1f" % ((rss1 - rss0) / held))
        out("pss_per_session", "%.1f" % ((pss1 - pss0) / held))
    else:
        for k in ("rss_load", "pss_load", "rss_per_session",
                  "pss_per_session"):
            out(k, "n/a " + err)
    for s in conns:
        try:
            s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        s.close()
    time.sleep(1)


def count(d):
    """count - how many files directory d holds (0 when it does not exist)"""
    try:
        return sum(1 for e in os.scandir(d) if e.is_file())
    except OSError:
        return 0


def clear(d):
    """clear - remove every file of directory d"""
    try:
        for e in os.scandir(d):
            if e.is_file():
                os.unlink(e.path)
    except OSError:
        pass


def source(sessions, n, size, rcpt, seconds):
    """source - run smtp-source; (start, seconds it took, None) or
    (start, None, error)"""
    argv = [SOURCE, "-4", "-s", str(sessions), "-m", str(n), "-l", str(size),
            "-M", "client.bench.example", "-f", "sender@client.bench.example",
            "-t", rcpt, "-S", "bench", "127.0.0.1:25"]
    t0 = time.monotonic()
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
    """arrival - wait until dest holds n files; False at the deadline or when
    nothing new has arrived for stall seconds"""
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


def throughput(key, dest, sessions, n, size, rcpt, seconds, out):
    """throughput - accept rate (key e2e) and arrival rate of one run"""
    clear(dest)
    t0, took, err = source(sessions, n, size, rcpt, seconds)
    arrived = key + "_s%d" % sessions
    if err:
        if key == "e2e":
            out("accept_s%d" % sessions, "n/a " + err)
        out(arrived, "n/a " + err)
        return
    if key == "e2e":
        out("accept_s%d" % sessions, "%.1f" % (n / took))
    got = arrival(dest, n, t0 + seconds)
    if got:
        out(arrived, "%.1f" % (n / (time.monotonic() - t0)))
    else:
        out(arrived, "n/a %d of %d arrived" % (count(dest), n))


def start_sink():
    """start_sink - smtp-sink on 127.0.0.2:25, one file per message in
    SINKDIR"""
    os.makedirs(SINKDIR, exist_ok=True)
    os.chmod(SINKDIR, 0o1777)
    return subprocess.Popen([SINK, "-u", "nobody", "-d", SINKDIR + "/m.",
                             "127.0.0.2:25", "1024"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop(p):
    """stop - SIGTERM the process group of p, then SIGKILL after a grace
    time"""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(p.pid, sig)
        except OSError:
            pass
        try:
            p.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--logs", default=W + "/logs")
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--sessions", default="1,10,50")
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--relay", type=int, default=10,
                    help="smtp-source sessions for the relay run (0: none)")
    ap.add_argument("--timeout", type=int, default=90,
                    help="seconds allowed for one throughput run")
    args = ap.parse_args()

    def out(k, v):
        print("%s=%s" % (k, v), flush=True)

    if not os.path.exists(SOURCE):
        out("error", "smtp-source is missing")
        return 1
    dns = subprocess.Popen([sys.executable, os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "dns.py")],
        start_new_session=True)
    p = start(args.server, args.logs)
    if not wait_for(lambda: p.poll() is None and greets(), 30, 0.2):
        out("error", "%s did not start (see its log)" % args.server)
        stop(p)
        stop(dns)
        return 1
    log("%s up (pid %d)" % (args.server, p.pid))
    if args.idle:
        measure_memory(p.pid, args.idle, out)
        log("memory measured")
    for s in (int(x) for x in args.sessions.split(",") if x):
        throughput("e2e", MAILDIR, s, args.messages, args.size,
                   "bench@bench.example", args.timeout, out)
        log("%d sessions done" % s)
    if args.relay:
        sink = start_sink()
        if wait_for(lambda: greets("127.0.0.2"), 10, 0.1):
            throughput("relay", SINKDIR, args.relay, args.messages,
                       args.size, "sink@relay.example", args.timeout, out)
        else:
            out("relay_s%d" % args.relay, "n/a smtp-sink did not start")
        stop(sink)
        log("relay done")
    stop(p)
    stop(dns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
