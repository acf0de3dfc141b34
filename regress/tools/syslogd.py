#!/usr/bin/env python3
"""syslogd.py - a minimal syslog receiver for the logging tests.

usage: syslogd.py --socket PATH --log FILE [--pidfile FILE]

Binds a datagram Unix socket at PATH (as /dev/log is) and appends every
message it receives to FILE as one line, unchanged: "<PRI>" first, then
what syslog(3) sent (timestamp, tag, text).  A message that holds a
newline or a NUL is written with them escaped, so one datagram stays one
line.  Writes the pid file once the socket is bound.
"""
import argparse
import os
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile")
    args = ap.parse_args()

    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(args.socket)
    os.chmod(args.socket, 0o666)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(args.pidfile + ".tmp", args.pidfile)
    with open(args.log, "ab", buffering=0) as out:
        while True:
            data = s.recv(65536).rstrip(b"\n").rstrip(b"\0")
            data = data.replace(b"\\", b"\\\\").replace(b"\n", b"\\n")
            out.write(data.replace(b"\0", b"\\0") + b"\n")


if __name__ == "__main__":
    main()
