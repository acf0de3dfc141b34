"""plot.py - the PNG plot of end-to-end throughput (into the Maildir)
against concurrent sessions for the three servers, with the load tools'
own ceiling (the sender straight into the sink), drawn by gnuplot on
logarithmic scales.
"""
import os
import subprocess

SCRIPT = """set terminal png size 800,500
set output '%(png)s'
set title "end-to-end throughput into a Maildir (%(title)s)"
set xlabel 'concurrent SMTP sessions'
set ylabel 'messages per second'
set logscale xy
set xtics (1, 10, 50)
set key top left
set grid
set datafile missing '?'
plot for [i=2:%(ncol)d] '%(dat)s' using 1:i with linespoints lw 2 \\
    title columnheader(i)
"""


def draw(path, sessions, series, title):
    """draw - write path (PNG) from series [(name, {sessions: msg/s})];
    None or the reason it could not"""
    dat = path[:-4] + ".dat"
    with open(dat, "w") as f:
        f.write("sessions " + " ".join('"%s"' % n for n, _ in series) + "\n")
        for s in sessions:
            vals = [v.get(s) for _, v in series]
            f.write("%d %s\n" % (s, " ".join(
                "?" if v is None else "%.1f" % v for v in vals)))
    gp = path[:-4] + ".gp"
    with open(gp, "w") as f:
        f.write(SCRIPT % {"png": path, "dat": dat,
                          "title": title.replace('"', "'"),
                          "ncol": len(series) + 1})
    try:
        r = subprocess.run(["gnuplot", gp], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
    except OSError as e:
        return "gnuplot: %s" % e
    if r.returncode != 0:
        return "gnuplot: " + r.stdout.decode(errors="replace").strip()
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return "gnuplot wrote no %s" % path
    return None
