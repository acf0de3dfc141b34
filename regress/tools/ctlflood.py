#!/usr/bin/env python3
"""ctlflood.py SOCKET COUNT STATUSFILE [--timeout S] - a local user
flooding smtpd's control socket: open COUNT connections and hold them
without ever sending a byte, reading whatever the daemon sends, until
the daemon has closed every one of them (or the time-out passes).

STATUSFILE is rewritten atomically whenever a count changes:
"connected=C open=O eof=E told=T failed=F", where told counts the
connections that got a frame after the daemon's hello (the refusal of a
connection over its limit) and failed the connects that did not succeed.
The same line is printed at the end.  Exit 0 when every connection
ended in EOF, 1 otherwise."""
import argparse
import os
import resource
import select
import socket
import sys
import time


def write_status(path, line):
    """Replace the status file in one rename."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(line + "\n")
    os.rename(tmp, path)


def status(st):
    """The status line of the counts in st."""
    return ("connected=%(connected)d open=%(open)d eof=%(eof)d "
            "told=%(told)d failed=%(failed)d" % st)


def connect_all(path, count, st):
    """COUNT connections, each blocking until the daemon has queued it."""
    socks = {}
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(10)
        try:
            s.connect(path)
        except OSError:
            st["failed"] += 1
            s.close()
            continue
        s.setblocking(False)
        socks[s.fileno()] = [s, 0]
        st["connected"] += 1
        st["open"] += 1
    return socks


def drain(socks, st, statusfile, deadline):
    """Read until every connection reached EOF or the deadline passed."""
    p = select.poll()
    for fd in socks:
        p.register(fd, select.POLLIN)
    while socks and time.time() < deadline:
        changed = False
        for fd, _ in p.poll(500):
            s, frames = socks[fd]
            try:
                data = s.recv(16384)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                socks[fd][1] = frames + 1
                if frames + 1 == 2:
                    st["told"] += 1
                    changed = True
                continue
            p.unregister(fd)
            s.close()
            del socks[fd]
            st["open"] -= 1
            st["eof"] += 1
            changed = True
        if changed:
            write_status(statusfile, status(st))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("count", type=int)
    ap.add_argument("statusfile")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.count + 64 <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (a.count + 64, hard))
    st = dict(connected=0, open=0, eof=0, told=0, failed=0)
    deadline = time.time() + a.timeout
    socks = connect_all(a.socket, a.count, st)
    write_status(a.statusfile, status(st))
    drain(socks, st, a.statusfile, deadline)
    write_status(a.statusfile, status(st))
    print(status(st))
    sys.exit(0 if st["eof"] == a.count else 1)


main()
