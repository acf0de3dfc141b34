-- mt_send.lua - miltertest(8) sends one message to a milter and prints
-- what the milter answered, one line each:
--     step=STAGE reply=NAME   the step answered otherwise than by
--                             "continue" (accept, reject, tempfail,
--                             discard, replycode, skip or the code);
--                             before eom, the last step sent
--     fail=STAGE ERROR        when a step fails (the milter closed,
--                             timed out or answered garbage); exit 1
--     NAME: VALUE             each header NAME of -D get=N1,N2 the
--                             milter added or inserted at eom
-- Variables (-D name=value): sock (libmilter's socket specification),
-- msg (the message file: header fields, an empty line, the body),
-- ip (127.0.0.1), helo (client.example.org), from and rcpt (envelope,
-- <a@example.org> and <b@example.org>), auth (when set, the macros
-- {auth_type} PLAIN and {auth_authen} with MAIL), timeout (seconds to
-- wait for a reply, 10).  Steps the milter asked not to see are not
-- sent; an answer other than continue or skip before eom ends the
-- message, as an MTA would.

ip = ip or "127.0.0.1"
helo = helo or "client.example.org"
from = from or "<a@example.org>"
rcpt = rcpt or "<b@example.org>"
names = {
	[SMFIR_CONTINUE] = "continue", [SMFIR_ACCEPT] = "accept",
	[SMFIR_REJECT] = "reject", [SMFIR_TEMPFAIL] = "tempfail",
	[SMFIR_DISCARD] = "discard", [SMFIR_REPLYCODE] = "replycode",
	[SMFIR_SKIP] = "skip"
}

-- step - run one step; print its failure or an answer other than continue
function step(stage, err)
	if err ~= nil then
		print("fail=" .. stage .. " " .. tostring(err))
		os.exit(1)
	end
	local r = mt.getreply(conn)
	if r ~= SMFIR_CONTINUE and stage ~= "optneg" then
		print("step=" .. stage .. " reply=" .. (names[r] or tostring(r)))
		-- the message is decided: an MTA sends no more of it (skip
		-- only ends the body)
		if stage ~= "eom" and r ~= SMFIR_SKIP then
			mt.disconnect(conn)
			os.exit(0)
		end
	end
	return r
end

-- read_message - the header fields ({name, value}, folded lines joined
-- with LF, as MTAs send them) and the body (CRLF line ends) of file msg
function read_message()
	local hdrs, body, inbody = {}, {}, false
	for line in io.lines(msg) do
		line = line:gsub("\r$", "")
		if inbody then
			table.insert(body, line .. "\r\n")
		elseif line == "" then
			inbody = true
		elseif line:match("^[ \t]") and #hdrs > 0 then
			local h = hdrs[#hdrs]
			h[2] = h[2] .. "\n" .. line
		else
			local n, v = line:match("^([^:]+):[ \t]?(.*)$")
			table.insert(hdrs, {n, v})
		end
	end
	return hdrs, table.concat(body)
end

if timeout then mt.set_timeout(tonumber(timeout)) end
conn = mt.connect(sock, 100, 0.1)
if conn == nil then
	print("fail=connect " .. sock)
	os.exit(1)
end
step("optneg", mt.negotiate(conn, nil, nil, nil))
hdrs, body = read_message()
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org", "{daemon_name}",
    "posthorn", "{client_addr}", ip)
-- a step the milter asked not to see (SMFIP_NO*) is skipped: miltertest
-- would end the script
function maybe(opt, stage, f, ...)
	if not mt.test_option(conn, opt) then step(stage, f(conn, ...)) end
end
maybe(SMFIP_NOCONNECT, "connect", mt.conninfo, "client.example.org", ip)
maybe(SMFIP_NOHELO, "helo", mt.helo, helo)
if auth then
	mt.macro(conn, SMFIC_MAIL, "i", "4A1B2C3D", "{auth_type}", "PLAIN",
	    "{auth_authen}", auth)
else
	mt.macro(conn, SMFIC_MAIL, "i", "4A1B2C3D")
end
maybe(SMFIP_NOMAIL, "envfrom", mt.mailfrom, from)
maybe(SMFIP_NORCPT, "envrcpt", mt.rcptto, rcpt)
maybe(SMFIP_NODATA, "data", mt.data)
for _, h in ipairs(hdrs) do
	maybe(SMFIP_NOHDRS, "header", mt.header, h[1], h[2])
end
maybe(SMFIP_NOEOH, "eoh", mt.eoh)
if #body > 0 then maybe(SMFIP_NOBODY, "body", mt.bodystring, body) end
step("eom", mt.eom(conn))
for n in string.gmatch(get or "", "[^,]+") do
	local i = 0
	while true do
		local v = mt.getheader(conn, n, i)
		if v == nil then break end
		-- a milter that negotiated SMFIP_HDR_LEADSPC sends its own
		print(n .. (v:match("^[ \t]") and ":" or ": ") .. v)
		i = i + 1
	end
end
mt.disconnect(conn)
