#!/usr/bin/env python3
"""spoolgen.py SPOOL COUNT [options] - write COUNT committed messages
straight into SPOOL/queue/ (spool format 1), as the queue would after a
commit, and print each message id.  Used to seed the queue for restart,
expiry and control tests without a listener.

Options: --dispatcher NAME --sender ADDR --rcpt ADDR --rcpts N
--notify WORDS --ret full|hdrs --envid TEXT --ctime SECS --ttl SECS
--user NAME --flags WORDS --quiet

--flags hold (a message a milter quarantined) writes records of
version 4, the first that has that flag; others are version 1."""
import argparse
import os
import random
import sys
import time


def record(fields, version=1):
    """An envelope record: "version: N" then one "key: value" line each."""
    lines = ["version: %d" % version]
    for k, v in fields:
        lines.append("%s: %s" % (k, v))
    return "\n".join(lines) + "\n"


def envelope(a, evpid, rcpt):
    """The record of one envelope of a seeded message."""
    f = [("evpid", "%016x" % evpid), ("state", "pending"),
         ("sender", a.sender), ("rcpt", rcpt), ("dest", rcpt),
         ("dispatcher", a.dispatcher), ("dest-type", "0"),
         ("ctime", str(a.ctime)), ("ttl", str(a.ttl)),
         ("nexttry", str(a.ctime))]
    if a.user:
        f.append(("user", a.user))
    if a.notify:
        f.append(("dsn-notify", a.notify))
    if a.ret:
        f.append(("dsn-ret", a.ret))
    if a.envid:
        f.append(("dsn-envid", a.envid))
    if a.flags:
        f.append(("flags", a.flags))
    return record(f, 4 if "hold" in a.flags.split(",") else 1)


def message(i):
    """A small message, numbered."""
    return ("Received: from spoolgen by localhost\n"
            "From: <sender@example.org>\n"
            "Subject: seeded message %d\n"
            "Message-ID: <%d@spoolgen>\n\n"
            "line one of message %d\n.\n..leading dot\n" % (i, i, i))


def seed(a, i, qdir, used):
    """Write one message directory; its message id."""
    while True:
        msgid = random.randrange(1, 1 << 32)
        if msgid not in used:
            break
    used.add(msgid)
    d = os.path.join(qdir, "%08x" % msgid)
    os.mkdir(d, 0o700)
    with open(os.path.join(d, "message"), "w") as f:
        f.write(message(i))
    for j in range(a.rcpts):
        evpid = (msgid << 32) | random.randrange(1, 1 << 32)
        rcpt = a.rcpt if a.rcpts == 1 else a.rcpt.replace("@", "%d@" % j)
        with open(os.path.join(d, "%016x" % evpid), "w") as f:
            f.write(envelope(a, evpid, rcpt))
    return msgid


def main():
    p = argparse.ArgumentParser()
    p.add_argument("spool")
    p.add_argument("count", type=int)
    p.add_argument("--dispatcher", default="out")
    p.add_argument("--sender", default="sender@remote.example")
    p.add_argument("--rcpt", default="rcpt@dest.example")
    p.add_argument("--rcpts", type=int, default=1)
    p.add_argument("--user", default="")
    p.add_argument("--notify", default="")
    p.add_argument("--ret", default="")
    p.add_argument("--envid", default="")
    p.add_argument("--flags", default="")
    p.add_argument("--ctime", type=int, default=int(time.time()))
    p.add_argument("--ttl", type=int, default=4 * 86400)
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args()
    qdir = os.path.join(a.spool, "queue")
    os.makedirs(qdir, 0o700, exist_ok=True)
    used = set(int(n, 16) for n in os.listdir(qdir) if len(n) == 8)
    out = []
    for i in range(a.count):
        out.append("%08x" % seed(a, i, qdir, used))
    if not a.quiet:
        sys.stdout.write("".join(m + "\n" for m in out))


if __name__ == "__main__":
    main()
