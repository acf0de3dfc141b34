"""soakcount.py - where the soak's messages went: every message answered
250 must have been delivered exactly once (the Maildir of bench, or the
sink) or bounced ("Undelivered Mail Returned to Sender" to the sender,
quoting its X-Soak-Id), or, for the kind temp, be still deferred in the
queue; nothing may arrive twice.
"""
import os
import re
import subprocess

MAILDIR = "/home/bench/Maildir"
ID_RE = re.compile(rb"^X-Soak-Id: (\d+)\r?$", re.M)
BOUNCE = b"Subject: Undelivered Mail Returned to Sender"
DELAY = b"Subject: Delayed Mail"


def files(d, suffix=""):
    """files - the paths of the files of d ending in suffix"""
    try:
        return [e.path for e in os.scandir(d)
                if e.is_file() and e.name.endswith(suffix)]
    except OSError:
        return []


def arrivals(sinkdir):
    """arrivals - ({id: copies delivered}, {id: bounces}, warnings)"""
    got, bounced, warned = {}, {}, 0
    paths = files(os.path.join(MAILDIR, "new")) + \
        files(os.path.join(MAILDIR, "cur")) + files(sinkdir, ".msg")
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        head = data.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
        ids = [int(x) for x in ID_RE.findall(data)]
        if DELAY in head:
            warned += 1
            continue
        into = bounced if BOUNCE in head else got
        for i in ids[:1]:
            into[i] = into.get(i, 0) + 1
    return got, bounced, warned


def deferred(ctl):
    """deferred - how many envelopes `smtpctl show queue` lists for
    temp@relay.example, and how many in all (None, None on failure)"""
    r = subprocess.run(ctl + ["show", "queue"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return None, None
    lines = [ln for ln in r.stdout.decode(errors="replace").splitlines()
             if re.match(r"^[0-9a-f]{16}\|", ln)]
    return sum(1 for ln in lines if "temp@relay.example" in ln), len(lines)


def settled(accepted, got, bounced):
    """settled - True when every accepted message but the deferred kind
    has arrived or bounced"""
    return all(i in got or i in bounced for i, k in accepted.items()
               if k != "temp")


def account(accepted, got, bounced, queued_temp):
    """account - the figures and the reasons the run lost or doubled
    mail: a dict with delivered, bounced, deferred, unacknowledged and
    bad"""
    res = {"accepted": len(accepted), "delivered": 0, "bounced": 0,
           "deferred": 0, "unacknowledged": 0, "bad": []}
    lost = []
    for i, kind in sorted(accepted.items()):
        n, b = got.get(i, 0), bounced.get(i, 0)
        if n + b > 1:
            res["bad"].append("message %d (%s): %d copies, %d bounces" %
                              (i, kind, n, b))
        if n:
            res["delivered"] += 1
        elif b:
            res["bounced"] += 1
        elif kind == "temp":
            res["deferred"] += 1
        else:
            lost.append(i)
    if lost:
        res["bad"].append("%d accepted messages neither delivered nor "
                          "bounced, the first %s" % (len(lost), lost[:5]))
    if queued_temp is None or res["deferred"] != queued_temp:
        res["bad"].append("%d deferred messages expected in the queue, "
                          "`show queue` lists %s" % (res["deferred"],
                                                     queued_temp))
    extra = [i for i in set(got) | set(bounced) if i not in accepted]
    res["unacknowledged"] = len(extra)
    res["bad"] += ["message %d (never answered 250): %d copies" %
                   (i, got.get(i, 0) + bounced.get(i, 0)) for i in extra
                   if got.get(i, 0) + bounced.get(i, 0) > 1]
    for i, kind in accepted.items():
        if kind in ("perm",) and got.get(i):
            res["bad"].append("message %d to perm@ was delivered" % i)
    return res
