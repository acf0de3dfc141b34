"""idle.py - the memory a server spends on idle sessions: many sessions
opened and left idle after EHLO, in clear or after STARTTLS, and the
server's memory (nsproc.memory) before and with them.
"""
import selectors
import socket
import ssl
import time

import nsproc


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


def hold_plain(n, deadline, window=4):
    """hold_plain - open n sessions, at most window of them in their
    greeting or EHLO at once, and say EHLO on each; (sockets, sessions
    through EHLO, error)"""
    sel = selectors.DefaultSelector()
    socks, pending, done = [], 0, 0
    try:
        while done < n:
            if time.monotonic() > deadline:
                return socks, done, "time-out after %d sessions" % done
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


def reply(f):
    """reply - the code of the next whole reply read from file f"""
    line = f.readline()
    while line[3:4] == b"-":
        line = f.readline()
    return line[:3]


def tls_session(ctx):
    """tls_session - one session through EHLO, STARTTLS, the handshake
    and EHLO again inside TLS; the TLS socket"""
    s = socket.create_connection(("127.0.0.1", 25), timeout=30)
    f = s.makefile("rb")
    for cmd, want in ((None, b"220"), (b"EHLO load.bench.example", b"250"),
                      (b"STARTTLS", b"220")):
        if cmd:
            s.sendall(cmd + b"\r\n")
        got = reply(f)
        if got != want:
            s.close()
            raise OSError("%s answered %r" % (cmd or b"connect", got))
    t = ctx.wrap_socket(s)
    t.sendall(b"EHLO load.bench.example\r\n")
    if reply(t.makefile("rb")) != b"250":
        t.close()
        raise OSError("EHLO inside TLS refused")
    return t


def hold_tls(n, deadline):
    """hold_tls - n sessions idle inside TLS, one handshake at a time;
    (sockets, sessions held, error)"""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    socks = []
    try:
        while len(socks) < n:
            if time.monotonic() > deadline:
                return socks, len(socks), "time-out after %d sessions" % (
                    len(socks))
            socks.append(tls_session(ctx))
    except (OSError, ssl.SSLError) as e:
        return socks, 0, "TLS session %d: %s" % (len(socks), e)
    return socks, len(socks), None


def measure(ctx, n, tls, log):
    """measure - idle memory, then with n idle sessions (clear, or
    inside TLS) open; figures rss_*/pss_* and their tls_ variants"""
    pre, out = "tls_" if tls else "", ctx["out"]
    procs = lambda: nsproc.pids(ctx["p"], ctx["cgroup"])
    time.sleep(2)
    rss0, pss0 = nsproc.memory(procs())
    out(pre + "rss_idle", rss0)
    out(pre + "pss_idle", pss0)
    hold = hold_tls if tls else hold_plain
    conns, held, err = hold(n, time.monotonic() + 120)
    if err:
        log(err)
    out(pre + "sessions_held", held)
    if held >= max(1, n // 10):
        time.sleep(2)
        rss1, pss1 = nsproc.memory(procs())
        out(pre + "rss_per_session", "%.1f" % ((rss1 - rss0) / held))
        out(pre + "pss_per_session", "%.1f" % ((pss1 - pss0) / held))
    else:
        for k in ("rss_per_session", "pss_per_session"):
            out(pre + k, "n/a " + str(err))
    for s in conns:
        try:
            s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        s.close()
    time.sleep(1)
