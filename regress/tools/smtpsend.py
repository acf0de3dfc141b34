#!/usr/bin/env python3
"""smtpsend.py [options] - send numbered messages over SMTP with several
concurrent connections and report each answer.

Every message carries "Subject: smtpsend N" and "Message-ID:
<N.TAG@smtpsend>".  One line per message on stdout: "N CODE text" (CODE
is the final reply code, or 000 when the connection broke), then a last
line "sent=N ok=K fail=F seconds=S rate=R" (messages accepted per
second).

Options: --port P --host H --from ADDR --to ADDR (repeatable) --count N
--conc C --size BYTES --notify WORDS --ret FULL|HDRS --envid TEXT
--tag TAG --per-conn N (messages per connection, default 1)
--progress FILE (each answer's "N CODE text" line appended as it
arrives) --save DIR (each message's bytes, as sent, in DIR/N)
--at-250 K --run CMD (run the shell command CMD right after the K-th
250, before any other answer is taken in)."""
import argparse
import smtplib
import subprocess
import sys
import threading
import time


def body(a, n):
    """Message n: headers, then size bytes of text in short lines."""
    head = ("From: <%s>\r\nTo: <%s>\r\nSubject: smtpsend %d\r\n"
            "Message-ID: <%d.%s@smtpsend>\r\n\r\n" %
            (a.sender, a.to[0], n, n, a.tag))
    line = "%d 0123456789abcdefghijklmnopqrstuvwxyz\r\n" % n
    text = (line * (a.size // len(line) + 1))[:a.size]
    return (head + text + "\r\nend of %d\r\n" % n).encode()


def one(a, s, n):
    """Send message n on connection s; (code, text)."""
    mopts, ropts = [], []
    if a.ret:
        mopts.append("RET=" + a.ret)
    if a.envid:
        mopts.append("ENVID=" + a.envid)
    if a.notify:
        ropts.append("NOTIFY=" + a.notify)
    code, text = s.mail(a.sender, mopts)
    if code != 250:
        s.rset()
        return code, text
    ok = 0
    for r in a.to:
        code, text = s.rcpt(r, ropts)
        ok += code in (250, 251)
    if ok == 0:
        s.rset()
        return code, text
    msg = body(a, n)
    if a.save:
        with open("%s/%d" % (a.save, n), "wb") as f:
            f.write(msg)
    code, text = s.data(msg)
    return code, text


def worker(a, todo, lock, out):
    """Take message numbers off todo until it is empty."""
    while True:
        with lock:
            if not todo:
                return
            batch = [todo.pop() for _ in range(min(a.per_conn, len(todo)))]
        try:
            s = smtplib.SMTP(a.host, a.port, timeout=60)
            s.ehlo("smtpsend.test")
        except (OSError, smtplib.SMTPException) as e:
            with lock:
                out.extend((n, 0, str(e)) for n in batch)
            continue
        for n in batch:
            try:
                code, text = one(a, s, n)
            except (OSError, smtplib.SMTPException) as e:
                code, text = 0, str(e)
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            with lock:
                out.append((n, code, text.replace("\n", " ")))
                if a.progress:
                    a.progress.write("%d %03d %s\n" % out[-1])
                    a.progress.flush()
                if code == 250 and a.run:
                    a.acked += 1
                    if a.acked == a.at_250:
                        subprocess.run(a.run, shell=True, check=False)
            if code == 0:
                break
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=25)
    p.add_argument("--from", dest="sender", default="sender@example.org")
    p.add_argument("--to", action="append", default=[])
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--conc", type=int, default=1)
    p.add_argument("--per-conn", type=int, default=1)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--notify", default="")
    p.add_argument("--ret", default="")
    p.add_argument("--envid", default="")
    p.add_argument("--tag", default="t")
    p.add_argument("--progress", type=argparse.FileType("a"))
    p.add_argument("--save", default="")
    p.add_argument("--at-250", type=int, default=0)
    p.add_argument("--run", default="")
    a = p.parse_args()
    a.acked = 0
    if not a.to:
        a.to = ["user@localhost"]
    todo = list(range(a.count, 0, -1))
    lock = threading.Lock()
    out = []
    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(a, todo, lock, out))
          for _ in range(a.conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    ok = sum(1 for _, c, _ in out if c == 250)
    for n, c, text in sorted(out):
        print("%d %03d %s" % (n, c, text))
    print("sent=%d ok=%d fail=%d seconds=%.2f rate=%.1f" %
          (len(out), ok, len(out) - ok, dt, ok / dt if dt > 0 else 0))
    sys.exit(0)


main()
