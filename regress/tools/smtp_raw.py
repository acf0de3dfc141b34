#!/usr/bin/env python3
"""smtp_raw.py [options] PART... - talk raw SMTP and print what comes back.

Each PART is written on its own (50 ms apart, so parts arrive as separate
segments); backslash escapes are understood (\\r \\n \\x00 ...).  A PART
"@STARTTLS" starts TLS at that point (after reading the server's reply
to what was sent before), "@SLEEP:s" waits s seconds.  After the last
part, replies are read until the server closes or is quiet for --quiet
seconds.  Output: the transcript, or with --codes only the codes of the
last line of each reply, space separated.

Options: --port N  --host H  --unix PATH  --smtps  --sni NAME  --cert FILE --key FILE
         --ca FILE (verify the server)  --codes  --quiet S  --peer-cn
"""
import argparse
import socket
import ssl
import sys
import time


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def tls_wrap(sock, args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if args.ca:
        ctx.load_verify_locations(args.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    return ctx.wrap_socket(sock, server_hostname=args.sni)


def read_quiet(sock, quiet):
    out = b""
    sock.settimeout(quiet)
    while True:
        try:
            b = sock.recv(65536)
        except (socket.timeout, TimeoutError):
            break
        except (ConnectionError, ssl.SSLError, OSError):
            break
        if not b:
            break
        out += b
    return out


def codes(transcript):
    res = []
    for line in transcript.split(b"\n"):
        if len(line) >= 4 and line[3:4] == b" " and line[:3].isdigit():
            res.append(line[:3].decode())
    return " ".join(res)


def peer_cn(sock):
    der = sock.getpeercert(binary_form=True)
    # the test certificates carry CN=<name> in ASCII; the subject's CN
    # is the last one in the DER (the issuer's comes first)
    i = der.rfind(b"\x06\x03\x55\x04\x03")
    if i < 0:
        return ""
    ln = der[i + 6]
    return der[i + 7:i + 7 + ln].decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--unix")
    ap.add_argument("--smtps", action="store_true")
    ap.add_argument("--sni")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ca")
    ap.add_argument("--codes", action="store_true")
    ap.add_argument("--peer-cn", action="store_true")
    ap.add_argument("--quiet", type=float, default=1.0)
    ap.add_argument("parts", nargs="*")
    args = ap.parse_args()

    out = b""
    try:
        if args.unix:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(10)
            sock.connect(args.unix)
        else:
            sock = socket.create_connection((args.host, args.port),
                                            timeout=10)
        if args.smtps:
            sock = tls_wrap(sock, args)
        for part in args.parts:
            time.sleep(0.05)
            if part == "@STARTTLS":
                out += read_quiet(sock, 0.5)
                sock.settimeout(10)
                sock = tls_wrap(sock, args)
                if args.peer_cn:
                    print("CN=" + peer_cn(sock))
                continue
            if part.startswith("@SLEEP:"):
                time.sleep(float(part[7:]))
                continue
            sock.sendall(unescape(part))
        out += read_quiet(sock, args.quiet)
        if args.smtps and args.peer_cn:
            print("CN=" + peer_cn(sock))
    except (OSError, ssl.SSLError) as e:
        out += ("error: %s\n" % e).encode()
    if args.codes:
        print(codes(out))
    else:
        sys.stdout.write(out.decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
