#!/usr/bin/env python3
"""dns.py [--addr 127.0.0.1] [--port 53] - the benchmark namespace's
nameserver: answers every query at once with NXDOMAIN (over UDP and
TCP), so that no server under benchmark waits for a resolver time-out
and all of them see the same answers.  It runs until killed.
"""
import argparse
import selectors
import socket
import struct


def answer(query):
    """answer - the NXDOMAIN reply to one DNS query (None if malformed)"""
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    if flags & 0x8000:
        return None
    # the question section: labels up to the root, then type and class
    i = 12
    if qd == 1:
        while i < len(query) and query[i] != 0:
            i += 1 + query[i]
        i += 5
        if i > len(query):
            return None
    else:
        i = 12
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
    return struct.pack("!HHHHHH", qid, rflags, 1 if i > 12 else 0,
                       0, 0, 0) + query[12:i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    args = ap.parse_args()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.addr, args.port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((args.addr, args.port))
    tcp.listen(64)
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "tcp")
    while True:
        for key, _ in sel.select():
            if key.data == "udp":
                q, peer = udp.recvfrom(4096)
                r = answer(q)
                if r:
                    udp.sendto(r, peer)
                continue
            c, _ = tcp.accept()
            c.settimeout(2)
            try:
                n = struct.unpack("!H", c.recv(2, socket.MSG_WAITALL))[0]
                r = answer(c.recv(n, socket.MSG_WAITALL))
                if r:
                    c.sendall(struct.pack("!H", len(r)) + r)
            except (OSError, struct.error):
                pass
            c.close()


if __name__ == "__main__":
    main()
