#!/usr/bin/env python3
"""plcheck.py PROGRESS SAVED MAILDIR - after a power cut and a restart:
every message answered 250 (smtpsend.py --progress PROGRESS) is in
MAILDIR's new/ or cur/ exactly once, and each delivered file ends with
the message exactly as it was sent (smtpsend.py --save SAVED; line ends
compared as LF), so nothing half-written was delivered.  A message sent
but not acknowledged (the cut came before its 250 reached the client)
may be delivered, once.  Prints "acked=A delivered=D unacked=U"; exits
1 naming each fault."""
import os
import re
import sys

MSGID = re.compile(rb"^Message-ID: <(\d+)\.[a-z]+@smtpsend>\r?$", re.M)


def acked(progress):
    """The message numbers answered 250."""
    out = set()
    with open(progress) as f:
        for line in f:
            w = line.split()
            if len(w) >= 2 and w[1] == "250":
                out.add(int(w[0]))
    return out


def delivered(maildir, saved, faults):
    """Message number -> count of its complete copies in the Maildir."""
    seen = {}
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                data = f.read().replace(b"\r\n", b"\n")
            m = MSGID.search(data)
            if m is None:
                faults.append("%s/%s: not a message of the test" %
                              (sub, name))
                continue
            n = int(m.group(1))
            with open(os.path.join(saved, str(n)), "rb") as f:
                sent = f.read().replace(b"\r\n", b"\n")
            if not data.endswith(sent):
                faults.append("%s/%s: message %d not as sent (%d bytes, "
                              "sent %d)" % (sub, name, n, len(data),
                                            len(sent)))
            seen[n] = seen.get(n, 0) + 1
    return seen


def main():
    progress, saved, maildir = sys.argv[1:4]
    faults = []
    ok = acked(progress)
    seen = delivered(maildir, saved, faults)
    for n in sorted(seen):
        if seen[n] > 1:
            faults.append("message %d delivered %d times" % (n, seen[n]))
    for n in sorted(ok - set(seen)):
        faults.append("message %d answered 250, not delivered" % n)
    print("acked=%d delivered=%d unacked=%d" %
          (len(ok), len(seen), len(set(seen) - ok)))
    for f in faults:
        print("FAULT " + f)
    sys.exit(1 if faults else 0)


main()
