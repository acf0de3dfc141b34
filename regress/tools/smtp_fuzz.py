#!/usr/bin/env python3
"""smtp_fuzz.py [--port N] [--conns N] [--seed S] [--no-tx] - throw bad input at a
listener from several connections at once: random bytes, NULs, 100 KiB
lines with and without CRLF, binary inside DATA, half-closed sockets.
Prints "done" when every connection has been served or dropped."""
import argparse
import random
import socket
import threading


def attempt(port, kind, rnd, no_tx):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.settimeout(5)
        s.recv(512)
        if kind == 0:
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(65536)))
        elif kind == 1:
            s.sendall(b"\0" * 4096 + b"\r\n" + b"NOOP\0\r\n" * 64)
        elif kind == 2:
            s.sendall(b"A" * 102400 + b"\r\n" + b"B" * 102400)
        elif kind == 3 and no_tx:
            s.sendall(b"EHLO x\r\nDATA\r\n" + bytes(rnd.getrandbits(8)
                                                  for _ in range(32768)))
        elif kind == 3:
            s.sendall(b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<root@localhost>"
                      b"\r\nDATA\r\n" + bytes(rnd.getrandbits(8)
                                            for _ in range(32768)))
        elif kind == 4:
            s.sendall(b"EHLO x\r\nBDAT 999999999999\r\n" + b"x" * 1000)
        elif kind == 5:
            s.sendall(b"EHLO x\r\nAUTH PLAIN " + b"=" * 600 + b"\r\n")
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--conns", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-tx", action="store_true",
                    help="never start a transaction (no lookup needed)")
    args = ap.parse_args()
    threads = []
    for i in range(args.conns):
        rnd = random.Random(args.seed + i)
        t = threading.Thread(target=attempt, args=(args.port, i % 6, rnd,
                                                args.no_tx))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(60)
    print("done")


if __name__ == "__main__":
    main()
