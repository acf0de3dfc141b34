#!/usr/bin/env python3
"""tls_idle.py [options] - many idle TLS sessions held against one port,
and the listener's resident memory they cost.

--mode M       plain, starttls (EHLO, STARTTLS, handshake) or smtps
               (handshake first); every session ends with an answered
               EHLO (inside TLS) and is then left idle
--sessions N   how many sessions are opened and held together
--pid PID      the listener; its VmRSS is read before the first session
               and once all N are idle, and printed as
               "mode=M sessions=N rss_before=KB rss_after=KB per_session=BYTES"
--settle S     seconds to wait, all sessions idle, before the second
               reading (default 1)
--sni NAME     the server name to send (default none)
--hold S       keep the idle sessions S seconds more after the report, so
               that the listener can be looked at (default 0)
Exit 1 if a session does not get through its EHLO.
"""
import argparse
import resource
import socket
import ssl
import sys
import time

from smtp_load import read_reply, rss_kb


def code(f):
    """the code of the next reply, or b'' at end of file"""
    r = read_reply(f)
    return r[-1][:3] if r else b""


def context():
    """a client context that does not check the server"""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def session(args, ctx):
    """one session up to an answered EHLO; (socket, file) or a reason"""
    s = socket.create_connection((args.host, args.port), timeout=30)
    if args.mode == "smtps":
        s = ctx.wrap_socket(s, server_hostname=args.sni)
    f = s.makefile("rb")
    if code(f) != b"220":
        return "no greeting"
    if args.mode == "starttls":
        s.sendall(b"EHLO idle.test\r\nSTARTTLS\r\n")
        if code(f) != b"250" or code(f) != b"220":
            return "STARTTLS refused"
        s = ctx.wrap_socket(s, server_hostname=args.sni)
        f = s.makefile("rb")
    s.sendall(b"EHLO idle.test\r\n")
    if code(f) != b"250":
        return "EHLO refused"
    return (s, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--mode", choices=("plain", "starttls", "smtps"),
                    default="starttls")
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--settle", type=float, default=1.0)
    ap.add_argument("--sni")
    ap.add_argument("--hold", type=float, default=0.0)
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ctx = context()
    before = rss_kb(args.pid) if args.pid else 0
    conns = []
    for i in range(args.sessions):
        r = session(args, ctx)
        if isinstance(r, str):
            print("session %d: %s" % (i, r))
            return 1
        conns.append(r)
    time.sleep(args.settle)
    if args.pid:
        after = rss_kb(args.pid)
        print("mode=%s sessions=%d rss_before=%d rss_after=%d "
              "per_session=%d" % (args.mode, args.sessions, before, after,
                                  (after - before) * 1024 //
                                  max(args.sessions, 1)))
        sys.stdout.flush()
    time.sleep(args.hold)
    for s, f in conns:
        try:
            s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
