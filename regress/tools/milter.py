#!/usr/bin/env python3
"""milter.py - a scriptable milter for the tests.

usage: milter.py --socket SPEC [--log F] [--script F] [--pidfile F]
                 [--portfile F] [--raw MODE [STAGE [SECONDS]]]

--socket is libmilter's: inet:PORT@127.0.0.1 or unix:PATH.  Port 0
picks a free port (libmilter cannot say which it bound: the port is
chosen first, a race no other program takes part in inside a test's
network namespace) and --portfile gets its number.  --pidfile is
written once the socket accepts connections, after --portfile.

Without --raw it runs on libmilter (python3-milter), Sendmail's own
milter library: --log appends one JSON object a line per callback,
{"cb": NAME, ...its arguments..., "macros": {name: value}}, for
negotiate (the MTA's actions and protocol), connect (hostname, family,
address), helo, envfrom and envrcpt (addr, args), data, header (name,
value as received), eoh, body (len of the chunk), eom (body: the
whole body), abort, unknown and close.  Every string is the received
octets one code point per octet (latin-1): .encode("latin-1") gives
them back exactly.

--script (JSON) says what each callback answers; an absent callback
continues, eom accepts:

    {"envrcpt": [{"if": "bad@", "action": "reject",
                  "reply": ["550", "5.7.1", "no such user"]}],
     "header": {"action": "continue", "sleep": 2},
     "eom": {"action": "accept",
             "mods": [["addheader", "X-A", "1"],
                      ["insheader", 0, "X-B", "2"],
                      ["chgheader", "Subject", 1, ""],
                      ["replacebody", "new body\\r\\n"],
                      ["addrcpt", "<c@example.org>"],
                      ["delrcpt", "<b@example.org>"],
                      ["chgfrom", "<d@example.org>"],
                      ["quarantine", "held"]]},
     "symlist": {"connect": ["j", "{daemon_name}"], "envfrom": ["i"]},
     "leadspc": true}

An answer is an action name (continue, accept, reject, tempfail,
discard), an object with "action", optional "reply" (code, xcode, text
lines), "sleep" (seconds before answering), "if" (applies only when the
callback's first argument contains this text) and, at eom, "mods"; or a
list of such objects, the first that applies answers.  chgheader with
an empty value deletes the field.  "symlist" asks the MTA for these
macros per stage (connect, helo, envfrom, envrcpt, data, eoh, eom) when
it offers SMFIF_SETSYMLIST; "leadspc" asks for header values with
their leading space (SMFIP_HDR_LEADSPC).

--raw does not use libmilter but speaks the protocol itself, to
misbehave; otherwise it continues at every step and accepts at eom:
    garbage [STAGE]         answers STAGE (default optneg: a truncated
                            option packet) with an unknown reply code
    die-at STAGE            closes the connection when STAGE arrives
    sleep-at STAGE SECONDS  waits that long before answering STAGE
STAGE is one of optneg, connect, helo, envfrom, envrcpt, data, header,
eoh, body, eom.  In raw mode --log gets {"cb": STAGE, "len": N} for
every command received.
"""

import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

# python3-milter's own module "milter" must not be this file
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [d for d in sys.path if os.path.abspath(d or ".") != HERE]
import Milter  # noqa: E402 pylint: disable=wrong-import-position

CMDS = {b"O": "optneg", b"C": "connect", b"H": "helo", b"M": "envfrom",
        b"R": "envrcpt", b"T": "data", b"L": "header", b"N": "eoh",
        b"B": "body", b"E": "eom", b"A": "abort", b"Q": "quit",
        b"K": "quit-nc", b"U": "unknown", b"D": "macro"}
NO_REPLY = ("abort", "macro", "quit", "quit-nc")
MACROS = ["j", "_", "v", "i", "{daemon_name}", "{daemon_addr}",
          "{daemon_port}", "{if_name}", "{if_addr}", "{client_addr}",
          "{client_name}", "{client_port}", "{client_ptr}",
          "{client_resolve}", "{auth_type}", "{auth_authen}",
          "{auth_author}", "{auth_ssf}", "{mail_mailer}", "{mail_host}",
          "{mail_addr}", "{rcpt_mailer}", "{rcpt_host}", "{rcpt_addr}",
          "{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}",
          "{cert_issuer}", "{mail_auth}"]
LOCK = threading.Lock()
ACTIONS = {"continue": Milter.CONTINUE, "accept": Milter.ACCEPT,
           "reject": Milter.REJECT, "tempfail": Milter.TEMPFAIL,
           "discard": Milter.DISCARD}
STAGES = {"connect": Milter.M_CONNECT, "helo": Milter.M_HELO,
          "envfrom": Milter.M_ENVFROM, "envrcpt": Milter.M_ENVRCPT,
          "data": Milter.M_DATA, "eoh": Milter.M_EOH, "eom": Milter.M_EOM}


def text(v):
    """octets (or a str) as a str of one code point per octet"""
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape").decode("latin-1")
    return v


def log_event(path, event):
    """append one JSON line to the log"""
    if not path:
        return
    with LOCK, open(path, "a", encoding="ascii") as f:
        f.write(json.dumps(event) + "\n")


def write_atomic(path, content):
    """write a small file so that readers never see it half-written"""
    with open(path + ".tmp", "w", encoding="ascii") as f:
        f.write(content)
    os.rename(path + ".tmp", path)


def choose(script, cb, arg):
    """the answer (a dict) of the script for callback cb and argument"""
    ans = script.get(cb, {})
    for a in ans if isinstance(ans, list) else [ans]:
        a = {"action": a} if isinstance(a, str) else a
        if "if" not in a or (arg is not None and a["if"] in text(arg)):
            return a
    return {}


class Scripted(Milter.Base):
    """one connection of the MTA: log each callback, answer as scripted"""

    args = None
    script = {}
    wanted = MACROS

    def __init__(self):
        self.chunks = []

    def record(self, cb, **kw):
        """log callback cb with its arguments and the macros known"""
        macros = {}
        for m in self.wanted:
            v = self.getsymval(m) if self._ctx else None
            if v is not None:
                macros[m] = text(v)
        kw.update(cb=cb, macros=macros)
        log_event(self.args.log, kw)

    def answer(self, cb, arg=None, default="continue"):
        """the scripted answer of callback cb (reply, mods, sleep)"""
        a = choose(self.script, cb, arg)
        time.sleep(a.get("sleep", 0))
        if a.get("reply"):
            self.setreply(*a["reply"])
        for m in a.get("mods", []) if cb == "eom" else []:
            self.modify(m)
        return ACTIONS[a.get("action", default)]

    def modify(self, m):
        """one modification at eom"""
        op, rest = m[0], m[1:]
        if op == "addheader":
            self.addheader(rest[0], rest[1])
        elif op == "insheader":
            self.addheader(rest[1], rest[2], int(rest[0]))
        elif op == "chgheader":
            self.chgheader(rest[0], int(rest[1]), rest[2])
        elif op == "replacebody":
            self.replacebody(rest[0].encode("utf-8"))
        elif op in ("addrcpt", "delrcpt", "chgfrom", "quarantine"):
            getattr(self, op)(rest[0])
        else:
            raise ValueError("unknown modification %r" % op)

    def negotiate(self, opts):
        """log the MTA's offer; ask for leading spaces and macros"""
        self.record("negotiate", actions=opts[0], protocol=opts[1])
        offered = opts[1]
        rc = Milter.Base.negotiate(self, opts)
        if self.script.get("leadspc"):
            opts[1] = self._protocol = (
                opts[1] | (offered & Milter.P_HDR_LEADSPC))
        if self._actions & Milter.SETSYMLIST:
            # Base.setsymlist hands the C module bytes, it wants str
            for st, names in self.script.get("symlist", {}).items():
                self._ctx.setsymlist(STAGES[st], " ".join(names))
        return rc

    def connect(self, hostname, family, hostaddr):
        fam = {socket.AF_INET: "inet", socket.AF_INET6: "inet6",
               socket.AF_UNIX: "unix"}.get(family, str(family))
        addr = [text(x) for x in hostaddr] \
            if isinstance(hostaddr, tuple) else text(hostaddr)
        self.record("connect", hostname=text(hostname), family=fam,
                    address=addr)
        return self.answer("connect", hostname)

    def hello(self, hostname):
        self.record("helo", hostname=text(hostname))
        return self.answer("helo", hostname)

    def envfrom(self, f, *params):
        self.chunks = []
        self.record("envfrom", addr=text(f), args=[text(p) for p in params])
        return self.answer("envfrom", f)

    def envrcpt(self, to, *params):
        self.record("envrcpt", addr=text(to), args=[text(p) for p in params])
        return self.answer("envrcpt", to)

    def data(self):
        self.record("data")
        return self.answer("data")

    @Milter.decode("bytes")
    def header(self, fld, val):
        self.record("header", name=text(fld), value=text(val))
        return self.answer("header", text(fld) + ": " + text(val))

    def eoh(self):
        self.record("eoh")
        return self.answer("eoh")

    def body(self, blk):
        self.chunks.append(blk)
        self.record("body", len=len(blk))
        return self.answer("body", blk)

    def eom(self):
        whole = b"".join(self.chunks)
        self.record("eom", body=text(whole), len=len(whole))
        return self.answer("eom", whole, "accept")

    def abort(self):
        self.record("abort")
        return Milter.CONTINUE

    def unknown(self, cmd):
        self.record("unknown", command=text(cmd))
        return self.answer("unknown", cmd)

    def close(self):
        self.record("close")
        return Milter.CONTINUE


def libmilter_main(args, script):
    """run the scripted milter on libmilter until killed"""
    Scripted.args = args
    Scripted.script = script
    Scripted.wanted = sorted(set(MACROS).union(
        *[set(v) for v in script.get("symlist", {}).values()]))
    Milter.factory = Scripted
    threading.Thread(target=announce, args=(args,), daemon=True).start()
    Milter.runmilter("milter.py", args.socket, 240)


def announce(args):
    """write the port and pid files once the socket accepts connections"""
    if not args.pidfile and not args.portfile:
        return
    while True:
        try:
            probe_socket(args.socket).close()
            break
        except OSError:
            time.sleep(0.05)
    ready(args)


def ready(args):
    """write the port file (inet sockets) and the pid file"""
    if args.portfile and args.socket.startswith("inet:"):
        port = args.socket.split(":", 1)[1].split("@")[0]
        write_atomic(args.portfile, port + "\n")
    if args.pidfile:
        write_atomic(args.pidfile, "%d\n" % os.getpid())


def free_port(spec):
    """spec with a free port in place of port 0"""
    if not spec.startswith("inet:"):
        return spec
    port, host = spec.split(":", 1)[1].split("@")
    if port != "0":
        return spec
    with socket.socket() as s:
        s.bind((host, 0))
        return "inet:%d@%s" % (s.getsockname()[1], host)


def probe_socket(spec):
    """a connection to a libmilter socket specification"""
    if spec.startswith("unix:") or spec.startswith("local:"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(spec.split(":", 1)[1])
        return s
    port, host = spec.split(":", 1)[1].split("@")
    return socket.create_connection((host, int(port)), timeout=2)


def listen_socket(spec):
    """a listening socket for a libmilter socket specification"""
    if spec.startswith("unix:") or spec.startswith("local:"):
        path = spec.split(":", 1)[1]
        if os.path.exists(path):
            os.unlink(path)
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
    else:
        port, host = spec.split(":", 1)[1].split("@")
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
    s.listen(16)
    return s


def recv_exact(conn, n):
    """exactly n octets, or None at end of stream"""
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def packet(code, data=b""):
    """one milter packet: length, command or reply code, data"""
    return struct.pack("!I", len(data) + 1) + code + data


def raw_reply(mode, stage, data):
    """the octets the misbehaving milter answers to stage"""
    name, at = mode[0], mode[1] if len(mode) > 1 else "optneg"
    if name == "garbage" and stage == at:
        if stage == "optneg":
            return packet(b"O", b"\0\0\0")
        return packet(b"Z", b"\xff garbage")
    if name == "sleep-at" and stage == at:
        time.sleep(float(mode[2]))
    if stage == "optneg":
        ver, acts = struct.unpack("!II", data[:8])
        return packet(b"O", struct.pack("!III", min(ver, 6), 0, 0))
    if stage in NO_REPLY:
        return b""
    return packet(b"a" if stage == "eom" else b"c")


def raw_conn(conn, args):
    """serve one connection of the MTA, misbehaving as asked"""
    with conn:
        while True:
            hdr = recv_exact(conn, 4)
            if hdr is None:
                return
            n = struct.unpack("!I", hdr)[0]
            body = recv_exact(conn, n) if 0 < n < 1 << 24 else None
            if body is None:
                return
            stage = CMDS.get(body[:1], "cmd-" + body[:1].hex())
            log_event(args.log, {"cb": stage, "len": n - 1})
            if args.raw[0] == "die-at" and stage == args.raw[1]:
                return
            if stage == "quit":
                return
            try:
                conn.sendall(raw_reply(args.raw, stage, body[1:]))
            except OSError:
                return


def raw_main(args):
    """accept connections for ever, a thread each"""
    if args.raw[0] not in ("garbage", "die-at", "sleep-at") or \
            (args.raw[0] != "garbage" and len(args.raw) < 2) or \
            (args.raw[0] == "sleep-at" and len(args.raw) < 3):
        sys.exit("milter.py: bad --raw %s" % " ".join(args.raw))
    s = listen_socket(args.socket)
    ready(args)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=raw_conn, args=(conn, args),
                         daemon=True).start()


def main():
    """parse the arguments, serve until killed"""
    p = argparse.ArgumentParser(description="scriptable milter for tests")
    p.add_argument("--socket", required=True)
    p.add_argument("--log")
    p.add_argument("--script")
    p.add_argument("--pidfile")
    p.add_argument("--portfile")
    p.add_argument("--raw", nargs="+")
    args = p.parse_args()
    args.socket = free_port(args.socket)
    if args.raw:
        raw_main(args)
    script = {}
    if args.script:
        with open(args.script, encoding="utf-8") as f:
            script = json.load(f)
    libmilter_main(args, script)


if __name__ == "__main__":
    main()
