"""report.py - the medians of the rounds as tables: plain text for the
terminal and markdown for the README, every figure beside its ratio to
Postfix (and to OpenSMTPD), the machine's ceilings and what each server
syncs before it answers 250.
"""
import os
import platform
import statistics
import time

import syncs

SERVERS = ("posthorn", "postfix", "opensmtpd")
SESSIONS = (1, 10, 50)
ROWS = (
    [("e2e_accept_s%d" % s, "local: accept msg/s, %d sess" % s)
     for s in SESSIONS] +
    [("e2e_s%d" % s, "local: end-to-end msg/s, %d sess" % s)
     for s in SESSIONS] +
    [("relay_accept_s%d" % s, "relay: accept msg/s, %d sess" % s)
     for s in SESSIONS] +
    [("relay_s%d" % s, "relay: end-to-end msg/s, %d sess" % s)
     for s in SESSIONS] + [
        ("e2e_cpu_s10", "local: CPU ms/msg, 10 sess"),
        ("relay_cpu_s10", "relay: CPU ms/msg, 10 sess"),
        ("e2e_1m_accept_s10", "1 MiB local: accept msg/s"),
        ("e2e_1m_s10", "1 MiB local: end-to-end msg/s"),
        ("e2e_1m_cpu_s10", "1 MiB local: CPU ms/msg"),
        ("milter_accept_s10", "milter: accept msg/s, 10 sess"),
        ("milter_s10", "milter: end-to-end msg/s, 10 sess"),
        ("milter_cpu_s10", "milter: MTA CPU ms/msg, 10 sess"),
        ("milter_qa_s10", "milter+quickack: end-to-end msg/s"),
        ("milter_qa_cpu_s10", "milter+quickack: MTA CPU ms/msg"),
        ("lat_relay_p50", "relay latency p50, ms"),
        ("lat_relay_p99", "relay latency p99, ms"),
        ("lat_local_p50", "local latency p50, ms"),
        ("lat_local_p99", "local latency p99, ms"),
        ("lat_relay_rate", "paced rate reached, msg/s"),
        ("syncs_per_msg", "sync calls per message"),
        ("rss_idle", "RSS idle, KiB"),
        ("pss_idle", "PSS idle, KiB"),
        ("rss_per_session", "RSS per idle session, KiB"),
        ("pss_per_session", "PSS per idle session, KiB"),
        ("tls_rss_per_session", "RSS per idle TLS session, KiB"),
        ("tls_pss_per_session", "PSS per idle TLS session, KiB"),
        ("recovery_s", "recovery of the queue, s"),
        ("recovery_rate", "recovery, msg/s"),
    ])
CEILINGS = ([("sink_s%d" % s, "sender into sink, msg/s, %d sess" % s)
             for s in SESSIONS] +
            [("fs_commits", "write+fsync+rename+dir fsync /s")])


def median(runs, key):
    """median - (median of the numeric values, count) or (None, reason)"""
    vals, why = [], "not run"
    for r in runs:
        v = r.get(key, r.get("error", "not measured"))
        try:
            vals.append(float(v))
        except ValueError:
            why = v[4:] if v.startswith("n/a ") else v
    if not vals:
        return None, why
    return statistics.median(vals), len(vals)


def fmt(v):
    """fmt - a figure for the tables"""
    if v is None:
        return "n/a"
    return "%.0f" % v if v >= 100 else "%.1f" % v if v >= 10 else "%.2f" % v


def rows(res, servers, notes, skip=()):
    """rows - [label, figure per server..., ratio per peer...] for every
    row but those whose key starts with one of skip, the reasons for
    each n/a added to notes"""
    out = []
    for key, label in ROWS:
        if key.startswith(skip):
            continue
        med = {}
        for s in servers:
            med[s], n = median(res.get(s, []), key)
            if med[s] is None:
                notes.append("%s %s: n/a (%s)" % (s, key, n))
        cells = [label] + [fmt(med[s]) for s in servers]
        for peer in servers[1:]:
            a, b = med[servers[0]], med[peer]
            cells.append("%.2f" % (a / b) if a is not None and b else "n/a")
        out.append(cells)
    return out


def ceilings(res, notes, skip=()):
    """ceilings - [label, figure] of the machine's ceilings but those
    whose key starts with one of skip"""
    out = []
    for key, label in CEILINGS:
        if key.startswith(skip):
            continue
        v, n = median(res.get("ceiling", []), key)
        if v is None:
            notes.append("ceiling %s: n/a (%s)" % (key, n))
        out.append([label, fmt(v)])
    return out


def sync_notes(res, servers):
    """sync_notes - per server: what it makes durable before 250, and the
    sync calls per message measured under strace"""
    out = []
    for s in servers:
        calls = [r["syncs_calls"] for r in res.get(s, [])
                 if "syncs_calls" in r]
        out.append("%s: %s; measured per message: %s" % (
            s, syncs.BEFORE_250[s], calls[0] if calls else "n/a"))
    return out


def machine():
    """machine - one line naming this machine"""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    return "%s, %d cores, %d MiB, Linux %s" % (cpu, os.cpu_count(), mem,
                                              platform.release())


def header(servers):
    """header - the column titles"""
    return (["metric"] + list(servers) +
            ["ph/%s" % p for p in servers[1:]])


def text(res, servers, title, skip=()):
    """text - the plain-text table of one storage, without the figures
    whose key starts with one of skip"""
    notes = []
    lines = ["", "== %s ==" % title]
    fmtrow = "%-34s" + " %10s" * (2 * len(servers) - 1)
    lines.append(fmtrow % tuple(header(servers)))
    for r in rows(res, servers, notes, skip):
        lines.append(fmtrow % tuple(r))
    ceil = ceilings(res, notes, skip)
    lines += ["machine ceilings:"] if ceil else []
    lines += ["  %-34s %10s" % (label, v) for label, v in ceil]
    if "syncs_" not in skip:
        lines.append("synced before 250:")
        lines += ["  " + n for n in sync_notes(res, servers)]
    lines.append("notes:")
    lines += ["  " + n for n in sorted(set(notes))]
    return lines


def markdown(res, servers, title, facts, skip=()):
    """markdown - the markdown table of one storage, with date and
    machine, without the figures whose key starts with one of skip"""
    notes = []
    lines = ["### %s" % title, "",
             "%s; %s." % (time.strftime("%Y-%m-%d"), machine()), ""]
    lines += ["- " + f for f in facts] + [""]
    head = header(servers)
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + " --- |" * len(head))
    for r in rows(res, servers, notes, skip):
        lines.append("| " + " | ".join(r) + " |")
    ceil = ceilings(res, notes, skip)
    if ceil:
        lines += ["", "| machine ceiling | |", "| --- | --- |"]
    lines += ["| %s | %s |" % (label, v) for label, v in ceil]
    if "syncs_" not in skip:
        lines += ["", "Synced before 250:", ""]
        lines += ["- " + n for n in sync_notes(res, servers)]
    if notes:
        lines += ["", "Not measured:", ""]
        lines += ["- " + n for n in sorted(set(notes))]
    return lines
