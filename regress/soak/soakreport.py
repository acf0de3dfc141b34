"""soakreport.py - the soak's report (OUT/soak.md: per role the RSS at
start, peak and end, descriptors, the fitted slope and the growth; the
messages' fate; the verdict) and its curve (OUT/soak-rss.png: RSS of
each role over time, drawn by gnuplot from OUT/soak.dat, one block per
role; restarts marked).
"""
import os
import subprocess

SCRIPT = """set terminal png size 900,540
set output '%(png)s'
set title "posthorn soak: resident memory per role (%(title)s)"
set xlabel 'seconds'
set ylabel 'RSS, KiB (all processes of the role)'
set key outside right
set grid
%(marks)s
plot %(plots)s
"""


def table(res, roles, lim):
    """table - the markdown lines of the per-role table"""
    md = ["| role | procs | RSS start KiB | peak | end | slope KiB/min "
          "| growth % | fds start | end | verdict |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for role in roles:
        r = res[role]
        md.append("| %s | %d | %d | %d | %d | %.1f | %.1f | %d | %d | %s |"
                  % (role, r["procs"], r["start"], r["peak"], r["end"],
                     r["slope"], r["growth"], r["fds_start"], r["fds_end"],
                     "flat" if not r["bad"] else "; ".join(r["bad"])))
    md += ["", "Flat: slope of a least-squares fit over the last %d%% of "
           "each epoch between restarts (pooled, one intercept per epoch) "
           "at most %s KiB/min; the epoch's last samples at most %s%% (or "
           "256 KiB) over its first after warm-up; descriptors up by at "
           "most %s." % (80, lim["max_slope"], lim["max_growth"],
                         lim["fd_slack"])]
    return md


def write(out, facts, res, roles, lim, mail, load, bad):
    """write - OUT/soak.md"""
    md = ["## posthorn soak", ""] + ["- " + f for f in facts] + [""]
    md += table(res, roles, lim)
    md += ["", "| messages | |", "| --- | --- |"]
    for k in ("accepted", "delivered", "bounced", "deferred",
              "unacknowledged"):
        md.append("| %s | %d |" % (k, mail[k]))
    for k in sorted(load):
        md.append("| %s | %d |" % (k.replace("_", " "), load[k]))
    md += ["", "Verdict: %s" % ("PASS" if not bad else "FAIL")]
    md += ["- " + b for b in bad]
    with open(os.path.join(out, "soak.md"), "w") as f:
        f.write("\n".join(md) + "\n")


def plot(out, rows, roles, restarts, title):
    """plot - OUT/soak-rss.png; None or the reason it could not"""
    dat = os.path.join(out, "soak-rss.dat")
    with open(dat, "w") as f:
        for role in roles:
            f.write("# %s\n" % role)
            for r in rows:
                if r[2] == role:
                    f.write("%.1f %d\n" % (r[0], r[4]))
            f.write("\n\n")
    png = os.path.join(out, "soak-rss.png")
    marks = "\n".join("set arrow from %.1f, graph 0 to %.1f, graph 1 "
                      "nohead dt 2 lc rgb 'gray'" % (t, t)
                      for t in restarts)
    plots = ", \\\n    ".join(
        "'%s' index %d using 1:2 with lines lw 2 title '%s'" % (dat, i, r)
        for i, r in enumerate(roles))
    gp = os.path.join(out, "soak-rss.gp")
    with open(gp, "w") as f:
        f.write(SCRIPT % {"png": png, "title": title, "marks": marks,
                          "plots": plots})
    try:
        r = subprocess.run(["gnuplot", gp], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "gnuplot: %s" % e
    if r.returncode != 0:
        return "gnuplot: " + r.stdout.decode(errors="replace").strip()
    if not os.path.exists(png) or os.path.getsize(png) == 0:
        return "gnuplot wrote no " + png
    return None
