#!/usr/bin/env python3
"""greeting.py PORT [HOST] - print the first line an SMTP server sends.

Exits 1 when nothing arrives within 3 seconds."""
import socket
import sys

port = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
try:
    s = socket.create_connection((host, port), timeout=3)
    line = s.makefile("rb").readline()
except OSError as e:
    print("error: %s" % e, file=sys.stderr)
    sys.exit(1)
if not line:
    sys.exit(1)
print(line.decode("utf-8", "replace").rstrip())
