#!/usr/bin/env python3
"""logscan.py [--allow FILE] DIR... - log lines that break the house form.

Reads every .c file below each DIR, finds each call of log_info,
log_warn, log_warnx and log_debug, joins the string literals of its
format (adjacent literals and PRIx64-style macros included) and prints
"path:line: format" for each format that is not one event:

    [id ]<role> event=<kebab-name> key=value ...

where the optional id is a "%s", "%016llx", "%016" PRIx64 or "%08x"
conversion.  A
format that is no literal at all is printed too.  fatal(), fatalx() and
panic() end the process and are not looked at.  An allow-list file
names paths (a directory when it ends in "/"), one a line, each
followed by its reason; "#" starts a comment.  Exits 1 when it printed
anything, 0 otherwise.
"""
import os
import re
import sys

CALL = re.compile(r'\blog_(?:info|warn|warnx|debug)\s*\(')
PIECE = re.compile(r'\s*"((?:[^"\\\n]|\\.)*)"|\s*(PRI[a-zA-Z0-9]+)\b')
FORM = re.compile(r'^(?:%s |%016llx |%016lx |%016PRIx64 |%08x )?'
                  r'[a-z][a-z-]* event=(?:[a-z0-9][a-z0-9-]*|%s)(?: |$)')
DEFINITION = re.compile(r'\s*const\s+char\s*\*')


def formats(text):
    """(line, format or None) of each log call in C text"""
    for m in CALL.finditer(text):
        if DEFINITION.match(text, m.end()):
            continue                    # log.c defining the function
        line = text.count('\n', 0, m.start()) + 1
        pos, fmt = m.end(), None
        while True:
            p = PIECE.match(text, pos)
            if p is None:
                break
            piece = p.group(1) if p.group(1) is not None else p.group(2)
            fmt = (fmt or '') + piece
            pos = p.end()
        yield line, fmt


def allowed(path, allow):
    """whether the allow-list covers path"""
    return any(path == a or (a.endswith('/') and path.startswith(a))
               for a in allow)


def read_allow(name):
    """the paths of an allow-list file; each needs a reason"""
    paths = []
    with open(name) as f:
        for n, raw in enumerate(f, 1):
            words = raw.split('#', 1)[0].split(None, 1)
            if not words:
                continue
            if len(words) < 2:
                sys.exit('%s:%d: %s: no reason given' % (name, n, words[0]))
            paths.append(words[0])
    return paths


def main(argv):
    allow = []
    if len(argv) > 2 and argv[1] == '--allow':
        allow = read_allow(argv[2])
        argv = argv[2:]
    bad = 0
    for top in argv[1:]:
        for d, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(d, name)
                if not name.endswith('.c') or allowed(path, allow):
                    continue
                with open(path, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                for line, fmt in formats(text):
                    if fmt is None or not FORM.match(fmt):
                        print('%s:%d: %s' % (path, line, fmt))
                        bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
