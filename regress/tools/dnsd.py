#!/usr/bin/env python3
"""dnsd.py - a small authoritative DNS server for the tests.

usage: dnsd.py [--addr A] [--port N] [--pidfile F] [--portfile F]
               [--log F] ZONEFILE

The zone file is read again for every query, so a test can change it
while the server runs.  One record per line, `#` starts a comment:

    name TYPE value
        A 192.0.2.1 | AAAA 2001:db8::1 | PTR host.example |
        MX "pref host" (e.g. `example.org MX 10 mx1.example.org`) |
        CNAME target.example |
        TXT "text" (one or more quoted strings, concatenated: a DKIM
        key split over several; the text is sent as character-strings
        of 255 octets at most)
    name SERVFAIL       every query for name is answered SERVFAIL
    name TIMEOUT        queries for name are never answered

Names are matched case-insensitively and answered as written, a
trailing dot is optional; "." is the
root (a null MX is `example.org MX 0 .`).  The name of a PTR line may
be an address (127.0.0.2 PTR host.example), and so may that of a
SERVFAIL or TIMEOUT line: it stands for its in-addr.arpa / ip6.arpa
name.  Unknown names get NXDOMAIN; a known
name without a record of the asked type gets an empty NOERROR answer
(NODATA).  Answers over UDP larger than 512 octets are truncated (TC)
so the client retries over TCP, which is served on the same port.
--port 0 picks a free port and writes it to --portfile.  --log appends
"name TYPE" for every query received.
"""

import argparse
import ipaddress
import os
import select
import shlex
import signal
import socket
import struct
import sys
import threading

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODE_OK, RCODE_FORMERR, RCODE_SERVFAIL, RCODE_NXDOMAIN = 0, 1, 2, 3
RCODE_NOTIMP = 4
TTL = 60


def canon(name):
    """the lower-case name without its trailing dot ("" for the root)"""
    name = name.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    return name


def reverse_name(text):
    """the PTR owner name of an address, or the text itself"""
    try:
        return canon(ipaddress.ip_address(text).reverse_pointer)
    except ValueError:
        return canon(text)


def load_zone(path):
    """{name: {"records": [(type, value)], "mode": None|SERVFAIL|TIMEOUT}}"""
    zone = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].split()
            if not line:
                continue
            kind = line[1].upper() if len(line) > 1 else ""
            name = reverse_name(line[0])
            entry = zone.setdefault(name, {"records": [], "mode": None})
            if kind in ("SERVFAIL", "TIMEOUT"):
                entry["mode"] = kind
            elif kind == "TXT":
                entry["records"].append((TYPES[kind], txt_value(raw)))
            elif kind in TYPES and len(line) > 2:
                entry["records"].append((TYPES[kind], " ".join(line[2:])))
            else:
                raise ValueError("bad zone line: %r" % " ".join(line))
    return zone


def txt_value(line):
    """the text of a TXT line: its quoted strings concatenated"""
    try:
        parts = shlex.split(line, comments=True)
    except ValueError as e:
        raise ValueError("bad zone line: %r (%s)" % (line, e)) from e
    if len(parts) < 3:
        raise ValueError("bad zone line: %r" % line)
    return "".join(parts[2:])


def encode_name(name):
    """wire format of a name, its case kept"""
    out = b""
    name = name.strip()
    name = name[:-1] if name.endswith(".") else name
    for label in name.split(".") if name else []:
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise ValueError("bad label in %r" % name)
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def encode_rdata(rtype, value):
    """wire format of the data of one record"""
    if rtype == TYPES["A"]:
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == TYPES["AAAA"]:
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype in (TYPES["PTR"], TYPES["CNAME"], TYPES["NS"]):
        return encode_name(value)
    if rtype == TYPES["MX"]:
        pref, host = value.split()
        return struct.pack("!H", int(pref)) + encode_name(host)
    if rtype == TYPES["TXT"]:
        raw = value.encode("utf-8")
        chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)]
        return b"".join(bytes([len(c)]) + c for c in chunks or [b""])
    raise ValueError("no encoder for type %d" % rtype)


def parse_question(msg):
    """(id, flags, qname, qtype, qclass, question octets) or None"""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    pos, labels = 12, []
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n > 63 or pos + n > len(msg):
            return None
        labels.append(msg[pos:pos + n].decode("latin-1"))
        pos += n
    if pos + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack("!HH", msg[pos:pos + 4])
    return qid, flags, canon(".".join(labels)), qtype, qclass, \
        msg[12:pos + 4]


def answer_records(zone, qname, qtype):
    """(rcode, [(owner, type, value)]) following CNAMEs a few steps"""
    out, name = [], qname
    for _ in range(8):
        entry = zone.get(name)
        if entry is None:
            return (RCODE_NXDOMAIN if not out else RCODE_OK), out
        recs = entry["records"]
        match = [(name, t, v) for t, v in recs
                 if t == qtype or qtype == TYPES["ANY"]]
        cname = [v for t, v in recs if t == TYPES["CNAME"]]
        if match or not cname or qtype == TYPES["CNAME"]:
            return RCODE_OK, out + match
        out.append((name, TYPES["CNAME"], cname[0]))
        name = canon(cname[0])
    return RCODE_SERVFAIL, []


def respond(zone_path, msg, log_path, udp):
    """the reply to one query, or None for no reply at all"""
    q = parse_question(msg)
    if q is None:
        if len(msg) >= 2:
            return msg[:2] + struct.pack("!HHHHH", 0x8000 | RCODE_FORMERR,
                                         0, 0, 0, 0)
        return None
    qid, flags, qname, qtype, _qclass, question = q
    if log_path:
        with open(log_path, "a", encoding="utf-8") as f:
            f.write("%s %s\n" % (qname or ".",
                                 TYPE_NAMES.get(qtype, str(qtype))))
    entry = None
    try:
        zone = load_zone(zone_path)
        entry = zone.get(qname)
        rcode, records = answer_records(zone, qname, qtype)
    except (OSError, ValueError) as e:
        print("dnsd: %s" % e, file=sys.stderr)
        rcode, records = RCODE_SERVFAIL, []
    if entry is not None and entry["mode"] == "TIMEOUT":
        return None
    if entry is not None and entry["mode"] == "SERVFAIL":
        rcode, records = RCODE_SERVFAIL, []
    if (flags >> 11) & 0xf != 0:
        rcode, records = RCODE_NOTIMP, []
    body = b""
    for owner, rtype, value in records:
        rdata = encode_rdata(rtype, value)
        body += encode_name(owner) + struct.pack("!HHIH", rtype, 1, TTL,
                                                 len(rdata)) + rdata
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | rcode
    head = struct.pack("!HHHHHH", qid, rflags, 1, len(records), 0, 0)
    if udp and len(head) + len(question) + len(body) > 512:
        head = struct.pack("!HHHHHH", qid, rflags | 0x0200, 1, 0, 0, 0)
        return head + question
    return head + question + body


def serve_tcp_conn(conn, args):
    """queries on one TCP connection, each with a two-octet length"""
    with conn:
        conn.settimeout(10)
        try:
            while True:
                hdr = recv_exact(conn, 2)
                if hdr is None:
                    return
                msg = recv_exact(conn, struct.unpack("!H", hdr)[0])
                if msg is None:
                    return
                reply = respond(args.zone, msg, args.log, False)
                if reply is not None:
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            return


def recv_exact(conn, n):
    """exactly n octets, or None at end of stream"""
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def bind_sockets(addr, port):
    """a UDP and a TCP socket bound to the same port"""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    for _ in range(20):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.bind((addr, port))
        tcp = socket.socket(family, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((addr, udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            if port != 0:
                raise
            continue
        tcp.listen(16)
        return udp, tcp
    raise OSError("no port free for both UDP and TCP")


def main():
    """parse the arguments, bind, serve until SIGTERM"""
    p = argparse.ArgumentParser(description="authoritative DNS for tests")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--pidfile")
    p.add_argument("--portfile")
    p.add_argument("--log")
    p.add_argument("zone")
    args = p.parse_args()
    load_zone(args.zone)
    udp, tcp = bind_sockets(args.addr, args.port)
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))
    if args.portfile:
        write_atomic(args.portfile, "%d\n" % udp.getsockname()[1])
    if args.pidfile:
        write_atomic(args.pidfile, "%d\n" % os.getpid())
    while True:
        ready, _, _ = select.select([udp, tcp], [], [])
        if udp in ready:
            msg, peer = udp.recvfrom(4096)
            reply = respond(args.zone, msg, args.log, True)
            if reply is not None:
                udp.sendto(reply, peer)
        if tcp in ready:
            conn, _ = tcp.accept()
            threading.Thread(target=serve_tcp_conn, args=(conn, args),
                             daemon=True).start()


def write_atomic(path, text):
    """write a small file so that readers never see it half-written"""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
    os.rename(tmp, path)


if __name__ == "__main__":
    main()
