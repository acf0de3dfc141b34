#!/usr/bin/env python3
"""talk.py [--src A] [--port N] [--timeout S] [--eof] LINE... - one SMTP
session.

Prints every reply line as received, CR and LF shown as \\r\\n, and
"EOF" when the server closes.  Each LINE is sent with CRLF and its reply
read, except a LINE starting with "=" (message text: sent without "=",
no reply awaited).  --eof: after the last LINE, wait for the close.
"""
import socket
import sys

args = sys.argv[1:]
src, port, eof, timeout = "127.0.0.1", 25, False, 20
while args and args[0].startswith("--"):
    if args[0] == "--eof":
        eof, args = True, args[1:]
        continue
    if args[0] == "--src":
        src = args[1]
    elif args[0] == "--timeout":
        timeout = int(args[1])
    else:
        port = int(args[1])
    args = args[2:]
s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                             source_address=(src, 0))
f = s.makefile("rb")


def reply():
    while True:
        try:
            line = f.readline()
        except ConnectionError:
            line = b""
        if not line:
            print("EOF")
            return False
        print(line.decode("latin-1").replace("\r", "\\r").replace(
            "\n", "\\n"))
        if line[3:4] != b"-":
            return True


if reply():
    for a in args:
        if a.startswith("="):
            s.sendall(a[1:].encode() + b"\r\n")
            continue
        s.sendall(a.encode() + b"\r\n")
        if not reply():
            break
    else:
        if eof:
            reply()
