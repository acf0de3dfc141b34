#!/usr/bin/env python3
"""smtp_load.py [options] - many concurrent SMTP sessions against one port.

--sessions N   how many connections are opened and held together
--pid PID      report the listener's resident memory (VmRSS) before and
               after N idle sessions have said EHLO:
               "sessions=N rss_before=KB rss_after=KB per_session=BYTES"
--commit       every session then sends one message (pipelined MAIL, RCPT,
               DATA; then the body) and must get 250 for it; prints
               "committed=N refused=M"
--rcpt ADDR    the recipient for --commit (default root@localhost)
--smtps        TLS from the first byte (the server is not verified)
Exit 1 if a session fails to get through EHLO (or a message is refused).
"""
import argparse
import resource
import socket
import ssl
import sys


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_reply(f):
    """the lines of one reply; the last has a space after the code"""
    lines = []
    while True:
        line = f.readline()
        if not line:
            return lines
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--commit", action="store_true")
    ap.add_argument("--rcpt", default="root@localhost")
    ap.add_argument("--smtps", action="store_true")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before = rss_kb(args.pid) if args.pid else 0
    conns = []
    for i in range(args.sessions):
        s = socket.create_connection((args.host, args.port), timeout=30)
        if args.smtps:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
        f = s.makefile("rb")
        if not read_reply(f)[-1:][0].startswith(b"220"):
            print("session %d: no greeting" % i)
            return 1
        s.sendall(b"EHLO load.test\r\n")
        if not read_reply(f)[-1].startswith(b"250 "):
            print("session %d: EHLO refused" % i)
            return 1
        conns.append((s, f))
    if args.pid:
        after = rss_kb(args.pid)
        print("sessions=%d rss_before=%d rss_after=%d per_session=%d" % (
            args.sessions, before, after,
            (after - before) * 1024 // max(args.sessions, 1)))
    if args.commit:
        ok = bad = 0
        for i, (s, f) in enumerate(conns):
            s.sendall(b"MAIL FROM:<load@load.test>\r\nRCPT TO:<%s>\r\n"
                      b"DATA\r\n" % args.rcpt.encode())
        for i, (s, f) in enumerate(conns):
            r = [read_reply(f)[-1][:3] for _ in range(3)]
            if r != [b"250", b"250", b"354"]:
                print("session %d: %r" % (i, r))
        for i, (s, f) in enumerate(conns):
            s.sendall(b"Subject: load %d\r\n\r\nmessage %d\r\n.\r\n" % (i, i))
        for i, (s, f) in enumerate(conns):
            r = read_reply(f)
            if r and r[-1].startswith(b"250 "):
                ok += 1
            else:
                bad += 1
        print("committed=%d refused=%d" % (ok, bad))
        if bad:
            return 1
    for s, f in conns:
        try:
            s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
