#!/usr/bin/env python3
"""dsncheck.py ACTION STATUS [RCPT] < MESSAGE - check a delivery status
notice with Python's email package: multipart/report of type
delivery-status from MAILER-DAEMON, a text part, a delivery-status part
whose recipient block has the given Action and Status (and
Final-Recipient), and the original's headers.  Exits 1 saying why."""
import email
import sys


def fail(why):
    print("dsncheck: " + why, file=sys.stderr)
    sys.exit(1)


def main():
    action, status = sys.argv[1], sys.argv[2]
    rcpt = sys.argv[3] if len(sys.argv) > 3 else None
    m = email.message_from_file(sys.stdin)
    if m.get_content_type() != "multipart/report":
        fail("content type %s" % m.get_content_type())
    if m.get_param("report-type") != "delivery-status":
        fail("report-type %s" % m.get_param("report-type"))
    if "MAILER-DAEMON@" not in (m["From"] or ""):
        fail("From: %s" % m["From"])
    parts = m.get_payload()
    if len(parts) != 3:
        fail("%d parts" % len(parts))
    if parts[0].get_content_type() != "text/plain":
        fail("first part %s" % parts[0].get_content_type())
    if parts[1].get_content_type() != "message/delivery-status":
        fail("second part %s" % parts[1].get_content_type())
    blocks = parts[1].get_payload()
    if len(blocks) < 2 or not blocks[0]["Reporting-MTA"]:
        fail("no per-message block")
    r = blocks[1]
    if r["Action"] != action:
        fail("Action %s, want %s" % (r["Action"], action))
    if r["Status"] != status:
        fail("Status %s, want %s" % (r["Status"], status))
    if rcpt and r["Final-Recipient"] != "rfc822; " + rcpt:
        fail("Final-Recipient %s" % r["Final-Recipient"])
    if parts[2].get_content_type() not in ("text/rfc822-headers",
                                          "message/rfc822"):
        fail("third part %s" % parts[2].get_content_type())
    if "Subject:" not in parts[2].as_string():
        fail("original headers missing")
    print("ok %s %s" % (action, status))


main()
