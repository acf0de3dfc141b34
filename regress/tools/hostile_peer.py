#!/usr/bin/env python3
"""hostile_peer.py - SMTP peers that break the rules, for the hardening
tests: relay targets that misbehave (server MODE) and clients that
flood the listener (client MODE), and big nested MIME (mime).

usage: hostile_peer.py server MODE --listen ADDR:PORT --dir DIR
                       [--at ehlo|dot] [--cert FILE --key FILE]
                       [--pidfile FILE]
       hostile_peer.py client MODE [--port N] [--count N] [--size N]
       hostile_peer.py mime --depth N --parts N --headers BYTES

Server modes (each connection appends one line to DIR/events, such as
"connect", "closed-by-client sent=N" or "stored N"; every command line
goes to DIR/transcript as "plain: LINE" or "tls: LINE"; an accepted
message is written to DIR/N.msg):
  multiline  answers EHLO with "250-" lines as fast as it can, never a
             last line, until the client closes
  noeol      answers EHLO with "250 " and then octets that never end in
             CRLF, until the client closes
  tiny       a well-behaved server whose every reply goes out one octet
             per write (TCP_NODELAY, 1 ms apart)
  inject     offers STARTTLS and writes "220 Ready to start TLS" and, in
             the same segment, replies that would refuse the message
             (the STARTTLS response injection); well-behaved inside TLS
  alert      offers STARTTLS; inside TLS, after 354 and the first 64 KiB
             of the message, sends a fatal TLS alert in clear, ends its
             side and reads until the client closes (no reset)
  reset      after 354 and the first 64 KiB of the message, resets the
             connection (RST)
With --at dot, multiline and noeol behave well up to the message's
final dot and answer it endlessly instead of EHLO (the message is read,
not stored).  The server prints "ready" once it listens.  The endless modes stop on
their own after 120 s or 1 GiB.

Client modes (to 127.0.0.1:PORT, reading replies while sending; one
line on stdout per reply code, the first reply with that code, then
"codes CODE=N ... seconds=S" counting every reply's code, the greeting
included):
  longline   one transaction whose header is one line of --size octets
  headers    one transaction whose header is --size octets of lines of
             998 octets
  rcpts      one MAIL and --count RCPTs, pipelined, then DATA, a short
             message and QUIT
Both header modes then send NOOP, whose reply shows the session is
still usable, and QUIT.

mime writes to stdout a message whose header block has --headers octets
of extra header lines and whose body nests multipart --depth levels
deep with --parts leaf parts in the innermost level.
"""
import argparse
import os
import socket
import socketserver
import ssl
import sys
import threading
import time

LOCK = threading.Lock()
COUNT = [0]
ENDLESS_SECONDS = 120
ENDLESS_BYTES = 1 << 30
EHLO_LINES = [b"250-hostile.test", b"250-PIPELINING", b"250-8BITMIME",
              b"250 SIZE 100000000"]


class Session(socketserver.BaseRequestHandler):
    """One session of a misbehaving relay target."""

    def setup(self):
        self.sock = self.request
        self.buf = b""
        self.tls = False

    def note(self, what, line):
        a = self.server.args
        with LOCK, open(os.path.join(a.dir, what), "ab") as f:
            f.write(line + b"\n")

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def say(self, *lines):
        data = b"".join(x + b"\r\n" for x in lines)
        if self.server.args.mode != "tiny":
            self.sock.sendall(data)
            return
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            time.sleep(0.001)

    def endless(self, head, unit):
        """write head, then unit again and again until the peer goes"""
        sent, start = 0, time.monotonic()
        try:
            self.sock.sendall(head)
            while (sent < ENDLESS_BYTES and
                   time.monotonic() - start < ENDLESS_SECONDS):
                sent += self.sock.send(unit)
        except OSError:
            self.note("events", b"closed-by-client sent=%d" % sent)
            return
        self.note("events", b"gave-up sent=%d" % sent)

    def read_data(self, limit=None):
        """the message up to the dot, or None once limit octets came"""
        data = b""
        while True:
            line = self.readline()
            if not line:
                return None
            if line == b".\r\n":
                return data
            data += line[1:] if line.startswith(b".") else line
            if limit is not None and len(data) >= limit:
                return None

    def abort(self):
        """the hostile end of a transaction in alert and reset modes"""
        if self.server.args.mode == "alert":
            # a fatal internal_error alert record, in clear, mid-stream
            os.write(self.sock.fileno(), b"\x15\x03\x03\x00\x02\x02\x50")
            self.note("events", b"alert-sent")
            # no reset: closing with the client's data unread would send
            # one, which may reach the client before it reads the alert;
            # so end our side and read until the client closes
            fd = self.sock.fileno()
            raw = socket.socket(fileno=os.dup(fd))
            self.sock.close()
            raw.shutdown(socket.SHUT_WR)
            raw.settimeout(30)
            try:
                while raw.recv(65536):
                    pass
            except OSError:
                pass
            raw.close()
            return
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.sock.close()
        self.note("events", b"reset-sent")

    def start_tls(self):
        self.sock = self.server.ctx.wrap_socket(self.sock, server_side=True)
        self.tls = True
        self.buf = b""

    def starttls_reply(self):
        a = self.server.args
        if a.mode == "inject":
            self.sock.sendall(b"220 2.0.0 Ready to start TLS\r\n"
                              b"250 injected\r\n"
                              b"554 5.7.1 injected refusal\r\n"
                              b"554 5.7.1 injected refusal\r\n")
            self.note("events", b"injected")
        else:
            self.say(b"220 2.0.0 Ready to start TLS")
        self.start_tls()

    def ehlo(self):
        mode = self.server.args.mode
        if self.server.args.at == "dot":
            mode = None
        if mode == "multiline":
            self.endless(b"250-hostile.test\r\n", b"250-more\r\n" * 512)
            return False
        if mode == "noeol":
            self.endless(b"250 hostile.test ", b"x" * 65536)
            return False
        lines = list(EHLO_LINES)
        if mode in ("inject", "alert") and not self.tls:
            lines.insert(1, b"250-STARTTLS")
        self.say(*lines)
        return True

    def endless_reply(self):
        """the endless modes, as the reply to a message's final dot"""
        if self.server.args.mode == "multiline":
            self.endless(b"250-stored\r\n", b"250-more\r\n" * 512)
        else:
            self.endless(b"250 stored ", b"x" * 65536)
        return False

    def data(self):
        if self.server.args.mode in ("alert", "reset"):
            self.say(b"354 go on")
            self.read_data(64 * 1024)
            self.abort()
            return False
        self.say(b"354 go on")
        msg = self.read_data()
        if msg is None:
            return False
        if self.server.args.at == "dot":
            self.note("events", b"message-read")
            return self.endless_reply()
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
        with open(os.path.join(self.server.args.dir, "%d.msg" % n),
                  "wb") as f:
            f.write(msg)
        self.note("events", b"stored %d" % n)
        self.say(b"250 2.0.0 stored %d" % n)
        return True

    def command(self, line):
        """one command; False when the session is over"""
        verb = line.split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            return self.ehlo()
        if verb == b"STARTTLS":
            self.starttls_reply()
            return True
        if verb == b"DATA":
            return self.data()
        if verb == b"QUIT":
            self.say(b"221 2.0.0 bye")
            return False
        self.say(b"250 2.0.0 ok")
        return True

    def handle(self):
        self.note("events", b"connect")
        try:
            self.say(b"220 hostile.test ESMTP")
            while True:
                line = self.readline()
                if not line:
                    return
                self.note("transcript", (b"tls: " if self.tls else
                                         b"plain: ") + line.rstrip(b"\r\n"))
                if not self.command(line.rstrip(b"\r\n")):
                    return
        except (OSError, ssl.SSLError) as e:
            self.note("events", b"error " + str(e).encode())


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(a):
    os.makedirs(a.dir, exist_ok=True)
    host, port = a.listen.rsplit(":", 1)
    srv = Server((host, int(port)), Session)
    srv.args = a
    if a.cert:
        srv.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        srv.ctx.load_cert_chain(a.cert, a.key)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    print("ready", flush=True)
    srv.serve_forever()


class Client:
    """A client that writes as fast as it can while a thread reads."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.codes = {}
        self.first = {}
        self.replies = 0
        self.cond = threading.Condition()
        threading.Thread(target=self.reader, daemon=True).start()

    def reader(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            *whole, buf = buf.split(b"\r\n")
            with self.cond:
                for line in whole:
                    if len(line) >= 4 and line[3:4] == b" ":
                        code = line[:3].decode()
                        self.codes[code] = self.codes.get(code, 0) + 1
                        self.replies += 1
                        self.first.setdefault(code, line.decode("latin-1"))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait(self, n, secs=120):
        """until n replies came (or the connection closed)"""
        with self.cond:
            self.cond.wait_for(lambda: self.replies >= n or
                               getattr(self, "closed", False), secs)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass


def client_header(c, a):
    c.send(b"EHLO hostile.test\r\nMAIL FROM:<a@hostile.test>\r\n"
           b"RCPT TO:<phuser@localhost>\r\nDATA\r\n")
    c.wait(5)
    if a.mode == "longline":
        c.send(b"X-Long: ")
        unit, left = b"a" * 65536, a.size
        while left > 0:
            c.send(unit[:left])
            left -= len(unit)
        c.send(b"\r\n")
    else:
        unit = b"X-Many: " + b"b" * 988 + b"\r\n"
        block, left = unit * 64, a.size
        while left > 0:
            c.send(block)
            left -= len(block)
    c.send(b"\r\nbody\r\n.\r\n")
    c.wait(6)
    c.send(b"NOOP\r\nQUIT\r\n")
    c.wait(8)


def client_rcpts(c, a):
    c.send(b"EHLO hostile.test\r\nMAIL FROM:<a@hostile.test>\r\n")
    batch = b"".join(b"RCPT TO:<phuser@localhost>\r\n" for i in range(1000))
    for _ in range(a.count // 1000):
        c.send(batch)
    c.send(b"DATA\r\n")
    c.wait(3 + a.count // 1000 * 1000)
    c.send(b"Subject: many\r\n\r\nhello\r\n.\r\nQUIT\r\n")
    c.wait(6 + a.count // 1000 * 1000)


def client(a):
    start = time.monotonic()
    c = Client(a.port)
    c.wait(1)
    if a.mode == "rcpts":
        client_rcpts(c, a)
    else:
        client_header(c, a)
    with c.cond:
        codes = " ".join("%s=%d" % kv for kv in sorted(c.codes.items()))
        for code in sorted(c.first):
            print(c.first[code])
    print("codes %s seconds=%.1f" % (codes, time.monotonic() - start))


def mime(a):
    out = sys.stdout.buffer
    out.write(b"Subject: nested\nMIME-Version: 1.0\n")
    unit = b"X-Pad: " + b"p" * 70 + b"\n"
    for _ in range(a.headers // len(unit)):
        out.write(unit)
    out.write(b'Content-Type: multipart/mixed; boundary="b0"\n\n')
    for d in range(1, a.depth):
        out.write(b'--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n'
                  % (d - 1, d))
    leaf = a.depth - 1
    for i in range(a.parts):
        out.write(b"--b%d\nContent-Type: text/plain\n\npart %d\n" % (leaf, i))
    for d in range(leaf, -1, -1):
        out.write(b"--b%d--\n" % d)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["server", "client", "mime"])
    p.add_argument("mode", nargs="?")
    p.add_argument("--listen")
    p.add_argument("--dir")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--pidfile")
    p.add_argument("--at", choices=["ehlo", "dot"], default="ehlo")
    p.add_argument("--port", type=int, default=25)
    p.add_argument("--count", type=int, default=1000000)
    p.add_argument("--size", type=int, default=100 << 20)
    p.add_argument("--depth", type=int, default=5000)
    p.add_argument("--parts", type=int, default=100000)
    p.add_argument("--headers", type=int, default=0)
    a = p.parse_args()
    {"server": serve, "client": client, "mime": mime}[a.role](a)


if __name__ == "__main__":
    main()
