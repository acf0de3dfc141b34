#!/usr/bin/env python3
"""memscan.py - does a secret appear in the memory of a process?

usage: memscan.py (--key PEMFILE | --string S | --sha256 S) PID...

Reads every readable mapping of each PID through /proc/PID/maps and
/proc/PID/mem (as root), then its environment (/proc/PID/environ), and
prints one line per PID: "PID found NEEDLE" for the first needle found,
"PID absent" when none is there, "PID gone" when the process has ended.

Needles:
  --key PEMFILE  the private numbers of the key: for RSA the private
                 exponent and both primes, for EC the private scalar,
                 each big-endian (DER, a decoded PEM) and little-endian
                 (OpenSSL's BIGNUM words on this machine), and the base64
                 lines of the PEM text itself
  --string S     the bytes of S
  --sha256 S     SHA-256 of S (the AES key `queue encryption` derives)
"""
import argparse
import hashlib
import re
import subprocess
import sys

FIELDS = {"privateExponent", "prime1", "prime2", "priv"}


def key_numbers(path):
    """The private numbers of a PEM key, by `openssl pkey -text`."""
    out = subprocess.run(["openssl", "pkey", "-in", path, "-text", "-noout"],
                         check=True, capture_output=True, text=True).stdout
    numbers, name, digits = {}, None, ""
    for line in out.splitlines():
        if re.match(r"^\s+[0-9a-f:]+$", line) and name is not None:
            digits += line.strip().replace(":", "")
            continue
        if name is not None and digits:
            numbers[name] = int(digits, 16)
        m = re.match(r"^(\w+):\s*$", line)
        name = m.group(1) if m and m.group(1) in FIELDS else None
        digits = ""
    if name is not None and digits:
        numbers[name] = int(digits, 16)
    if not numbers:
        sys.exit("memscan: no private numbers in %s" % path)
    return numbers


def key_needles(path):
    """Needles of a key file: its numbers both ways, its PEM lines."""
    needles = []
    for name, n in sorted(key_numbers(path).items()):
        be = n.to_bytes((n.bit_length() + 7) // 8, "big")
        needles.append((name + "-be", be))
        needles.append((name + "-le", be[::-1]))
    with open(path, "rb") as f:
        for i, line in enumerate(f.read().splitlines()):
            if not line.startswith(b"-----") and len(line) >= 48:
                needles.append(("pem-line-%d" % i, line))
    return needles


# AddressSanitizer's shadow memory on x86-64 (make SANITIZE=1): the
# sanitizer's bookkeeping, terabytes of it, never data of ours.  Nothing
# else is mapped there.
ASAN_SHADOW = (0x7fff0000, 0x10007fff8000)


def regions(pid):
    """(start, end) of each readable mapping of pid."""
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            fields = line.split()
            if fields[1][0] != "r" or fields[-1] in ("[vvar]", "[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if ASAN_SHADOW[0] <= start and end <= ASAN_SHADOW[1]:
                continue
            yield start, end


def scan(pid, needles):
    """The name of the first needle in pid's memory or environment."""
    chunks = []
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for start, end in regions(pid):
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except (OSError, ValueError, OverflowError):
                continue
    with open("/proc/%d/environ" % pid, "rb") as f:
        chunks.append(f.read())
    for name, needle in needles:
        if any(needle in chunk for chunk in chunks):
            return name
    return None


def main():
    ap = argparse.ArgumentParser()
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--key")
    what.add_argument("--string")
    what.add_argument("--sha256")
    ap.add_argument("pids", nargs="+", type=int)
    args = ap.parse_args()
    if args.key:
        needles = key_needles(args.key)
    elif args.string:
        needles = [("string", args.string.encode())]
    else:
        needles = [("sha256", hashlib.sha256(args.sha256.encode()).digest())]
    for pid in args.pids:
        try:
            found = scan(pid, needles)
        except (FileNotFoundError, ProcessLookupError):
            print("%d gone" % pid)
            continue
        print("%d %s" % (pid, "found " + found if found else "absent"))


if __name__ == "__main__":
    main()
