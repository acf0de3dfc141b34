#!/usr/bin/env python3
"""sinkd.py - a scriptable SMTP/LMTP sink for the relay tests.

usage: sinkd.py --listen ADDR:PORT [--listen ...] --dir DIR
                [--starttls] [--smtps] [--cert FILE --key FILE]
                [--client-ca FILE]
                [--auth USER:PASS] [--fail-first N] [--lmtp] [--no-ehlo]
                [--no-pipelining] [--drop-rset] [--name NAME]
                [--pidfile FILE]

Serves sessions in threads.  Every accepted message is written to DIR as
N.env (the envelope: "helo", "tls yes|no", "auth USER", "mail PATH
PARAMS", one "rcpt PATH PARAMS" per accepted recipient), N.msg (the data
as received, CRLF kept, dot-unstuffed) and N.wire (the data octets as
they came over the wire, final dot included).  Every command line a
client sends is appended to DIR/transcript as "plain: LINE" or
"tls: LINE", so a test can see what travelled in clear.  Each
connection appends a line to DIR/connections and DIR/concurrent (the
number of sessions open at once, the new one included); a MAIL whose
RCPT or DATA came in the same read (pipelined) appends a line to
DIR/pipelined.

Replies by recipient local part: "temp" gets 451 4.2.0, "perm" gets
550 5.1.1 "<addr>: no such user", "liar354" gets 354 to RCPT and
"liar250" gets 250 to DATA (servers that break the protocol); --fail-first N answers 451 4.3.0 to
the RCPT of the first N transactions.  --starttls offers STARTTLS (with
--cert and --key), --smtps speaks TLS from the first byte, --client-ca
requires a client certificate issued by that CA inside TLS and notes its
subject as "client CN" in N.env, --auth offers
AUTH PLAIN and checks the credentials, --lmtp wants LHLO and answers
once per recipient after the final dot, --no-ehlo refuses EHLO with 502,
--no-pipelining does not offer PIPELINING, --drop-rset closes the
connection without a reply when RSET comes (a server gone idle).
The server prints "ready" once it listens.
"""
import argparse
import base64
import os
import socket
import socketserver
import ssl
import sys
import threading

LOCK = threading.Lock()
COUNT = [0, 0]          # messages stored, transactions seen
OPEN = [0]              # sessions open now


class Session(socketserver.StreamRequestHandler):
    """One SMTP or LMTP session."""

    def readline(self):
        """readline - one line (b"" at the end), from a buffer of our own
        so that a test can see what came in the same read"""
        while b"\n" not in self.buf:
            chunk = self.request.recv(65536)
            if not chunk:
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def log(self, name, line):
        with LOCK:
            with open(os.path.join(self.server.dir, name), "ab") as f:
                f.write(line + b"\n")

    def say(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def note(self, line):
        tag = b"tls: " if self.tls else b"plain: "
        with LOCK:
            with open(os.path.join(self.server.dir, "transcript"), "ab") as f:
                f.write(tag + line + b"\n")

    def start_tls(self):
        self.request = self.server.ctx.wrap_socket(self.request,
                                                   server_side=True)
        self.buf = b""
        self.wfile = self.request.makefile("wb")
        self.tls = True
        cert = self.request.getpeercert() or {}
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    self.client = value.encode()

    def store(self, helo, mail, rcpts, data, wire):
        with LOCK:
            COUNT[0] += 1
            base = os.path.join(self.server.dir, str(COUNT[0]))
            env = [b"server %s:%d" % (self.server.server_address[0].encode(),
                                      self.server.server_address[1]),
                   b"peer " + self.client_address[0].encode(),
                   b"helo " + helo, b"tls " + (b"yes" if self.tls else b"no"),
                   b"auth " + (self.auth or b"-"), b"mail " + mail]
            env += [b"rcpt " + r for r in rcpts]
            if self.server.client_ca:
                env.append(b"client " + self.client)
            for suffix, body in ((".msg", data), (".wire", wire),
                                 (".env", b"\n".join(env) + b"\n")):
                with open(base + suffix + ".tmp", "wb") as f:
                    f.write(body)
                os.rename(base + suffix + ".tmp", base + suffix)

    def read_data(self):
        data, wire = [], []
        while True:
            line = self.readline()
            if not line:
                return None, None
            wire.append(line)
            if line == b".\r\n":
                return b"".join(data), b"".join(wire)
            data.append(line[1:] if line.startswith(b".") else line)

    def ehlo_lines(self, name):
        lines = [name, "8BITMIME", "DSN", "SIZE 10000000",
                 "ENHANCEDSTATUSCODES", "SMTPUTF8"]
        if not self.server.no_pipelining:
            lines.insert(1, "PIPELINING")
        if self.server.starttls and not self.tls:
            lines.append("STARTTLS")
        if self.server.auth:
            lines.append("AUTH PLAIN")
        for i, text in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            self.say("250" + sep + text)

    def rcpt_reply(self, path):
        local = path.strip(b"<>").split(b"@")[0].lower()
        with LOCK:
            n = COUNT[1]
        if n <= self.server.fail_first:
            return "451 4.3.0 failing on purpose"
        if local == b"temp":
            return "451 4.2.0 mailbox busy, try later"
        if local == b"liar354":
            return "354 go ahead, says the liar"
        if local == b"perm":
            return "550 5.1.1 %s: no such user" % path.decode("ascii",
                                                            "replace")
        return "250 2.1.5 ok"

    def do_auth(self, arg):
        parts = arg.split()
        if len(parts) != 2 or parts[0].upper() != b"PLAIN":
            return "504 5.5.4 only AUTH PLAIN with an initial response"
        try:
            _, user, pw = base64.b64decode(parts[1]).split(b"\0")
        except ValueError:
            return "501 5.5.2 bad token"
        if (user + b":" + pw).decode() != self.server.auth:
            return "535 5.7.8 authentication failed"
        self.auth = user
        return "235 2.7.0 ok"

    def handle(self):
        with LOCK:
            OPEN[0] += 1
            now = OPEN[0]
        self.log("connections", b"connect")
        self.log("concurrent", b"%d" % now)
        try:
            self.serve()
        finally:
            with LOCK:
                OPEN[0] -= 1

    def serve(self):
        self.tls, self.auth, self.client, self.buf = False, None, b"-", b""
        if self.server.smtps:
            self.start_tls()
        self.say("220 %s sinkd ready" % self.server.name)
        helo, mail, rcpts = b"", None, []
        while True:
            line = self.readline()
            if not line:
                return
            line = line.rstrip(b"\r\n")
            self.note(line)
            verb = line.split(b" ")[0].upper()
            arg = line[len(verb) + 1:]
            if verb in (b"EHLO", b"LHLO"):
                if (verb == b"LHLO") != self.server.lmtp or self.server.no_ehlo:
                    self.say("502 5.5.1 not here")
                    continue
                helo, mail, rcpts = arg, None, []
                self.ehlo_lines(self.server.name)
            elif verb == b"HELO" and not self.server.lmtp:
                helo, mail, rcpts = arg, None, []
                self.say("250 %s" % self.server.name)
            elif verb == b"STARTTLS" and self.server.starttls and not self.tls:
                self.say("220 2.0.0 go ahead")
                self.start_tls()
                helo, mail, rcpts = b"", None, []
            elif verb == b"AUTH" and self.server.auth:
                self.say(self.do_auth(arg))
            elif verb == b"MAIL":
                mail, rcpts = line[10:], []
                if self.buf:
                    self.log("pipelined", line)
                with LOCK:
                    COUNT[1] += 1
                self.say("250 2.1.0 ok")
            elif verb == b"RCPT" and mail is not None:
                reply = self.rcpt_reply(line[8:].split(b" ")[0])
                if reply.startswith("2"):
                    rcpts.append(line[8:])
                self.say(reply)
            elif verb == b"DATA" and any(b"<liar250@" in r for r in rcpts):
                self.say("250 2.0.0 stored, says the liar")
                mail, rcpts = None, []
            elif verb == b"DATA" and rcpts:
                self.say("354 go ahead")
                data, wire = self.read_data()
                if data is None:
                    return
                self.store(helo, mail, rcpts, data, wire)
                for _ in (rcpts if self.server.lmtp else [0]):
                    self.say("250 2.0.0 stored")
                mail, rcpts = None, []
            elif verb == b"RSET" and self.server.drop_rset:
                return
            elif verb == b"RSET":
                mail, rcpts = None, []
                self.say("250 2.0.0 ok")
            elif verb == b"QUIT":
                self.say("221 2.0.0 bye")
                return
            else:
                self.say("503 5.5.1 bad sequence or unknown command")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128    # many sessions may connect at once


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", action="append", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--smtps", action="store_true")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca")
    ap.add_argument("--auth")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--lmtp", action="store_true")
    ap.add_argument("--no-ehlo", action="store_true")
    ap.add_argument("--no-pipelining", action="store_true")
    ap.add_argument("--drop-rset", action="store_true")
    ap.add_argument("--name", default="sink.test")
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    ctx = None
    if args.starttls or args.smtps:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
    servers = []
    for spec in args.listen:
        host, _, port = spec.rpartition(":")
        srv = Server((host.strip("[]"), int(port)), Session)
        srv.dir, srv.ctx, srv.name = args.dir, ctx, args.name
        srv.starttls, srv.smtps = args.starttls, args.smtps
        srv.auth, srv.fail_first = args.auth, args.fail_first
        srv.lmtp, srv.no_ehlo = args.lmtp, args.no_ehlo
        srv.no_pipelining, srv.drop_rset = args.no_pipelining, args.drop_rset
        srv.client_ca = args.client_ca
        servers.append(srv)
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("ready", flush=True)
    servers[0].serve_forever()


if __name__ == "__main__":
    socket.setdefaulttimeout(120)
    sys.exit(main())
