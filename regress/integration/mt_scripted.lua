-- mt_scripted.lua - miltertest(8) drives regress/tools/milter.py with
-- the script of t_milter_tools:scripted: every step answers as written,
-- each modification of eom reaches the client.  -D sock=SPEC.

-- check - fail the script with what when got is not want
function check(what, got, want)
	if got ~= want then
		mt.echo("FAIL " .. what .. ": got " .. tostring(got))
		error(what .. ": got " .. tostring(got) .. ", want " ..
		    tostring(want))
	end
end

conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
check("negotiate", mt.negotiate(conn, nil, nil, nil), nil)
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org",
    "{daemon_name}", "posthorn")
check("conninfo", mt.conninfo(conn, "client.example.org", "127.0.0.1"), nil)
check("connect reply", mt.getreply(conn), SMFIR_CONTINUE)
check("helo", mt.helo(conn, "client.example.org"), nil)
check("helo reply", mt.getreply(conn), SMFIR_CONTINUE)
mt.macro(conn, SMFIC_MAIL, "i", "4A1B2C", "{auth_authen}", "alice")
check("mail", mt.mailfrom(conn, "<a@example.org>", "SIZE=100",
    "BODY=8BITMIME"), nil)
check("mail reply", mt.getreply(conn), SMFIR_CONTINUE)
check("rcpt bad", mt.rcptto(conn, "<bad@example.org>"), nil)
check("rcpt bad reply", mt.getreply(conn), SMFIR_REPLYCODE)
check("rcpt", mt.rcptto(conn, "<b@example.org>"), nil)
check("rcpt reply", mt.getreply(conn), SMFIR_CONTINUE)
check("header", mt.header(conn, "Subject", " odd\tvalue "), nil)
check("header reply", mt.getreply(conn), SMFIR_CONTINUE)
check("header2", mt.header(conn, "X-Old", "gone"), nil)
check("eoh", mt.eoh(conn), nil)
check("body", mt.bodystring(conn, "line one\r\n"), nil)
check("body2", mt.bodystring(conn, "line two\r\n"), nil)
check("eom", mt.eom(conn), nil)
check("eom reply", mt.getreply(conn), SMFIR_ACCEPT)
check("addheader", mt.eom_check(conn, MT_HDRADD, "X-Added", "yes"), true)
check("insheader", mt.eom_check(conn, MT_HDRINSERT, "X-First", "top", 0),
    true)
check("chgheader", mt.eom_check(conn, MT_HDRCHANGE, "Subject", "new"), true)
check("delheader", mt.eom_check(conn, MT_HDRDELETE, "X-Old"), true)
check("replacebody", mt.eom_check(conn, MT_BODYCHANGE, "new body\r\n"), true)
check("addrcpt", mt.eom_check(conn, MT_RCPTADD, "<c@example.org>"), true)
check("delrcpt", mt.eom_check(conn, MT_RCPTDELETE, "<b@example.org>"), true)
check("quarantine", mt.eom_check(conn, MT_QUARANTINE, "held"), true)
check("disconnect", mt.disconnect(conn), nil)
mt.echo("scripted: ok")
