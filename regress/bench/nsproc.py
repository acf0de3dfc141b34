"""nsproc.py - the server under benchmark as processes, inside the
benchmark namespace: how each server is started and stopped, whether it
greets, and what its processes cost (memory from smaps_rollup, CPU time
from a cgroup v2 of their own, or /proc when there is none).
"""
import os
import signal
import socket
import subprocess
import time

W = "/tmp/bench"
TOOLS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tools")
ARGV = {
    "posthorn": [W + "/bin/smtpd", "-d", "-f", W + "/smtpd.conf"],
    "opensmtpd": ["/usr/sbin/smtpd", "-d", "-f", "/etc/smtpd.conf"],
    "postfix": ["/usr/sbin/postfix", "start-fg"],
}


def cgroup_root():
    """cgroup_root - the mount point of the cgroup v2 hierarchy, or None"""
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if fstype == "cgroup2" and os.access(mnt, os.W_OK):
                return mnt
    return None


def cgroup_new(name):
    """cgroup_new - a fresh cgroup v2 directory for one server, or None;
    named by the PID namespace too, as the hierarchy is the host's and
    runs in other namespaces have the same small pids"""
    root = cgroup_root()
    if root is None:
        return None
    path = os.path.join(root, "phbench-%s-%d-%d" % (
        name, os.stat("/proc/self/ns/pid").st_ino, os.getpid()))
    try:
        os.mkdir(path)
    except FileExistsError:
        pass
    except OSError:
        return None
    return path


def start(server, logs, wrap=(), cgroup=None, tag=""):
    """start - the daemon in the foreground, its output in logs, in its
    own session and (when given) in cgroup; returns its Popen"""
    out = open(os.path.join(logs, server + tag + ".log"), "ab")

    def enter():
        if cgroup:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write("0")
    return subprocess.Popen(list(wrap) + ARGV[server], stdout=out,
                            stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=enter)


def greets(host="127.0.0.1", port=25):
    """greets - True when the server answers a connection with 220"""
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            f = s.makefile("rb")
            line = f.readline()
            ok = line.startswith(b"220")
            while line[3:4] == b"-":
                line = f.readline()
            s.sendall(b"QUIT\r\n")
            return ok
    except OSError:
        return False


def wait_for(cond, seconds, step=0.05):
    """wait_for - poll cond until it holds or seconds have passed; its
    last value"""
    end = time.monotonic() + seconds
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def parents():
    """parents - a map pid -> parent pid of every process in this
    namespace"""
    tree = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        tree[int(d)] = int(st[st.rindex(")") + 2:].split()[1])
    return tree


def descendants(root):
    """descendants - root and every process below it"""
    tree = parents()
    out, todo = set(), [root]
    while todo:
        p = todo.pop()
        out.add(p)
        todo.extend(c for c, pp in tree.items() if pp == p and c not in out)
    return out


def pids(p, cgroup):
    """pids - the server's processes: its cgroup's (Postfix's master
    leaves the tree of the command that starts it), else p's tree"""
    if cgroup:
        with open(os.path.join(cgroup, "cgroup.procs")) as f:
            return {int(x) for x in f.read().split()}
    return descendants(p.pid)


def memory(procs):
    """memory - (RSS, PSS) in KiB summed over the processes procs"""
    rss = pss = 0
    for p in procs:
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def cpu_usec(p, cgroup):
    """cpu_usec - CPU time in microseconds used so far by the server's
    processes: the cgroup's usage_usec, else the live process tree's
    times with those of the children it reaped"""
    if cgroup:
        with open(os.path.join(cgroup, "cpu.stat")) as f:
            for line in f:
                k, v = line.split()
                if k == "usage_usec":
                    return int(v)
    ticks, hz = 0, os.sysconf("SC_CLK_TCK")
    for pid in descendants(p.pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                st = f.read()
        except OSError:
            continue
        ticks += sum(int(x) for x in st[st.rindex(")") + 2:].split()[11:15])
    return ticks * 1000000 // hz


def stop(p, cgroup=None, keep=False):
    """stop - SIGTERM the process group of p, then whatever is left in
    its cgroup, SIGKILL after a grace time; the cgroup is removed unless
    keep"""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(p.pid, sig)
        except OSError:
            pass
        try:
            p.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            pass
    if not cgroup:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids(p, cgroup):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        if wait_for(lambda: not pids(p, cgroup), 10):
            break
    if not keep:
        try:
            os.rmdir(cgroup)
        except OSError:
            pass
