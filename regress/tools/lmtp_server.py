#!/usr/bin/env python3
"""lmtp_server.py - a small scriptable LMTP server (RFC 2033) for tests.

usage: lmtp_server.py (--socket PATH | --port N) --dir DIR
                      [--rcpt ADDR=REPLY]... [--final ADDR=REPLY]...
                      [--pidfile FILE]

Listens on a Unix socket or on 127.0.0.1:N and serves sessions in
threads.  ADDR is the RCPT TO address as sent, without the angle
brackets ("bob" or "bob@example.org").  --rcpt gives the reply to RCPT TO
for that address (default "250 2.1.5 ok"), --final the reply after the
final dot (default "250 2.0.0 delivered").  Every message accepted for an
address is appended to DIR/ADDR, unstuffed and with LF line endings;
every command line received is appended to DIR/transcript.  The server
prints "ready" once it listens.
"""
import argparse
import os
import socket
import socketserver
import sys
import threading

LOCK = threading.Lock()


def parse_map(items):
    """ADDR=REPLY pairs into a dict."""
    out = {}
    for item in items or []:
        addr, _, reply = item.partition("=")
        out[addr] = reply
    return out


class Session(socketserver.StreamRequestHandler):
    """One LMTP session."""

    def say(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def note(self, line):
        with LOCK:
            with open(os.path.join(self.server.dir, "transcript"), "ab") as f:
                f.write(line + b"\n")

    def store(self, rcpts, data):
        with LOCK:
            for r in rcpts:
                name = r.replace("/", "_") or "_"
                with open(os.path.join(self.server.dir, name), "ab") as f:
                    f.write(data)

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                return None
            if line == b".\r\n":
                return b"".join(lines)
            if line.startswith(b"."):
                line = line[1:]
            if line.endswith(b"\r\n"):
                line = line[:-2] + b"\n"
            lines.append(line)

    def handle(self):
        srv = self.server
        rcpts = []
        self.say("220 lmtp.test LMTP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            self.note(line.rstrip(b"\r\n"))
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb == "LHLO":
                self.say("250-lmtp.test")
                self.say("250-PIPELINING")
                self.say("250 ENHANCEDSTATUSCODES")
            elif verb == "MAIL":
                rcpts = []
                self.say("250 2.1.0 ok")
            elif verb == "RCPT":
                addr = cmd[cmd.find("<") + 1:cmd.rfind(">")]
                reply = srv.rcpt.get(addr, "250 2.1.5 ok")
                if reply.startswith("2"):
                    rcpts.append(addr)
                self.say(reply)
            elif verb == "DATA":
                if not rcpts:
                    self.say("503 5.5.1 no valid recipients")
                    continue
                self.say("354 go ahead")
                data = self.read_data()
                if data is None:
                    return
                ok = [r for r in rcpts
                      if srv.final.get(r, "250").startswith("2")]
                self.store(ok, data)
                for r in rcpts:
                    self.say(srv.final.get(r, "250 2.0.0 delivered"))
                rcpts = []
            elif verb == "RSET":
                rcpts = []
                self.say("250 2.0.0 ok")
            elif verb == "QUIT":
                self.say("221 2.0.0 bye")
                return
            else:
                self.say("500 5.5.1 unknown command")


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket")
    ap.add_argument("--port", type=int)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--rcpt", action="append")
    ap.add_argument("--final", action="append")
    ap.add_argument("--pidfile")
    a = ap.parse_args()
    if a.socket:
        if os.path.exists(a.socket):
            os.unlink(a.socket)
        srv = UnixServer(a.socket, Session)
        os.chmod(a.socket, 0o777)
    elif a.port:
        srv = TCPServer(("127.0.0.1", a.port), Session)
    else:
        ap.error("--socket or --port is required")
    srv.dir = a.dir
    srv.rcpt = parse_map(a.rcpt)
    srv.final = parse_map(a.final)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    print("ready", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
