# t_lookup.sh - policy, expansion and AUTH as an SMTP client sees them:
# RCPT replies for rules, relaying, unknown users and aliases; AUTH
# against a credentials table; `smtpctl update table`.  Cases skip
# themselves while the listener does not yet speak MAIL/RCPT/AUTH.

. "$(atf_get_srcdir)/subr.sh"

# lk_chat [-tls] LINE... - speak SMTP on 127.0.0.1:25; print the last
# line of every reply after the greeting, one per line
lk_chat() {
	$PY - "$@" <<'PYEOF'
import socket, ssl, sys
args = sys.argv[1:]
tls = args and args[0] == "-tls"
if tls:
    args = args[1:]
s = socket.create_connection(("127.0.0.1", 25), timeout=10)
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline().decode("utf-8", "replace").rstrip("\r\n")
        if len(l) < 4 or l[3] != "-":
            return l
reply()
if tls:
    s.sendall(b"EHLO client.test\r\n"); reply()
    s.sendall(b"STARTTLS\r\n"); reply()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(s)
    f = s.makefile("rb")
for a in args:
    s.sendall(a.encode() + b"\r\n")
    print(reply())
PYEOF
}

# lk_need_rcpt - the listener must accept MAIL (it asks the lookup)
lk_need_rcpt() {
	lk_chat "EHLO client.test" "MAIL FROM:<a@client.test>" > probe.out
	grep -q '^250 ' probe.out || atf_fail "MAIL/RCPT not accepted: $(cat probe.out)"
}

lk_conf() {
	useradd -m -s /bin/sh bob
	useradd -m -s /bin/sh carol
	cat > $PH/aliases <<'ALIASES'
root: bob
postmaster: root
gone: error:550 5.1.1 this list is gone
loop1: loop2
loop2: loop1
team: bob, carol
ALIASES
	ph_conf <<CONF
table aliases file:$PH/aliases
listen on 127.0.0.1 port 25
action "local" mbox alias <aliases>
action "out" relay host smtp://127.0.0.1:2526
match from any for domain example.org reject
match from any for domain relay.test action "out"
match from any for local action "local"
CONF
}

atf_test_case rcpt_policy
rcpt_policy_head() {
	atf_set descr "RCPT: rules in order, reject, relay, no rule, unknown user"
	atf_set timeout 60
}
rcpt_policy_body() {
	ph_setup
	lk_conf
	ph_start
	lk_need_rcpt
	lk_chat "EHLO client.test" "MAIL FROM:<a@client.test>" \
	    "RCPT TO:<bob@localhost>" "RCPT TO:<BOB+tag@LOCALHOST>" \
	    "RCPT TO:<nosuch@localhost>" "RCPT TO:<x@example.org>" \
	    "RCPT TO:<x@elsewhere.test>" "RCPT TO:<x@relay.test>" > out
	atf_check -o inline:"250 2.1.5 Recipient ok
250 2.1.5 Recipient ok
550 5.1.1 User unknown
550 5.7.1 Delivery not authorized
550 5.7.1 Delivery not authorized
250 2.1.5 Recipient ok
" sed 1,2d out
}

atf_test_case rcpt_aliases
rcpt_aliases_head() {
	atf_set descr "RCPT: alias chains, error: entries, loops, lists"
	atf_set timeout 60
}
rcpt_aliases_body() {
	ph_setup
	lk_conf
	ph_start
	lk_need_rcpt
	lk_chat "EHLO client.test" "MAIL FROM:<a@client.test>" \
	    "RCPT TO:<postmaster@localhost>" "RCPT TO:<gone@localhost>" \
	    "RCPT TO:<loop1@localhost>" "RCPT TO:<team@localhost>" > out
	atf_check -o inline:"250 2.1.5 Recipient ok
550 5.1.1 this list is gone
550 5.4.6 Mail loop detected
250 2.1.5 Recipient ok
" sed 1,2d out
	atf_check -o match:'event=rcpt rcpt=<team@localhost> result=250 results=2' \
	    cat $PH_LOG
}

atf_test_case auth_table
auth_table_head() {
	atf_set descr "AUTH PLAIN against a credentials table after STARTTLS"
	atf_set timeout 60
}
auth_table_body() {
	ph_setup
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mail.test \
	    -keyout $PH/key.pem -out $PH/cert.pem -days 2 2>/dev/null ||
	    atf_fail "openssl"
	chmod 0600 $PH/key.pem
	echo "alice $($CTL encrypt 's3cret')" > $PH/creds
	chmod 0640 $PH/creds
	ph_conf <<CONF
table creds file:$PH/creds
pki mail.test cert "$PH/cert.pem"
pki mail.test key "$PH/key.pem"
listen on 127.0.0.1 port 25 tls pki mail.test auth <creds>
action "out" relay
match from auth for any action "out"
CONF
	ph_start
	good=$(printf '\0alice\0s3cret' | base64)
	bad=$(printf '\0alice\0wrong' | base64)
	lk_chat -tls "EHLO client.test" "AUTH PLAIN $bad" > out
	grep -q '^535 ' out || atf_fail "AUTH not refused with 535: $(cat out)"
	lk_chat -tls "EHLO client.test" "AUTH PLAIN $good" \
	    "MAIL FROM:<alice@client.test>" "RCPT TO:<x@far.test>" > out
	atf_check -o inline:"235 2.7.0 Authentication succeeded
250 2.1.5 Recipient ok
" sed -n '2p;4p' out
	atf_check -s exit:1 grep -e s3cret -e wrong $PH_LOG
}

atf_test_case update_table
update_table_head() {
	atf_set descr "smtpctl update table reloads an alias table"
	atf_set timeout 60
}
update_table_body() {
	ph_setup
	lk_conf
	ph_start
	lk_need_rcpt
	lk_chat "EHLO c" "MAIL FROM:<a@client.test>" \
	    "RCPT TO:<newlist@localhost>" > out
	atf_check -o match:'^550 5.1.1' sed -n 3p out
	echo "newlist: carol" >> $PH/aliases
	$CTL update table aliases > ctl.out 2>&1 ||
	    atf_fail "update table failed: $(cat ctl.out)"
	lk_chat "EHLO c" "MAIL FROM:<a@client.test>" \
	    "RCPT TO:<newlist@localhost>" > out
	atf_check -o match:'^250 ' sed -n 3p out
	atf_check -s not-exit:0 -e ignore $CTL update table nosuchtable
}

atf_test_case table_watch
table_watch_head() {
	atf_set descr "file: and db: tables whose file changes are reloaded on their own; a broken one keeps its old contents"
	atf_set timeout 60
}
table_watch_body() {
	ph_setup
	useradd -m -s /bin/sh bob
	useradd -m -s /bin/sh carol
	printf 'root: bob\n' > $PH/aliases
	printf 'list1 bob\n' > $PH/virt
	$PH_BIN/makemap $PH/virt || atf_fail "makemap"
	ph_conf <<CONF
table aliases file:$PH/aliases
table virt db:$PH/virt.db
listen on 127.0.0.1 port 25
action "local" mbox alias <aliases>
action "virt" mbox virtual <virt>
match from any for domain virt.test action "virt"
match from any for local action "local"
CONF
	ph_start
	lk_need_rcpt
	lk_chat "EHLO c" "MAIL FROM:<a@client.test>" \
	    "RCPT TO:<newlist@localhost>" "RCPT TO:<list2@virt.test>" > out
	atf_check -o match:'^550 5.1.1' sed -n 3p out
	atf_check -o match:'^550 ' sed -n 4p out
	# an editor rewrites the aliases; makemap replaces the database
	printf 'root: bob\nnewlist: carol\n' > $PH/aliases.new
	mv $PH/aliases.new $PH/aliases
	printf 'list1 bob\nlist2 carol\n' > $PH/virt
	$PH_BIN/makemap $PH/virt || atf_fail "makemap"
	ph_wait_log 'lookup event=table-reload table=aliases reason=changed'
	ph_wait_log 'lookup event=table-reload table=virt reason=changed'
	lk_chat "EHLO c" "MAIL FROM:<a@client.test>" \
	    "RCPT TO:<newlist@localhost>" "RCPT TO:<list2@virt.test>" > out
	atf_check -o match:'^250 ' sed -n 3p out
	atf_check -o match:'^250 ' sed -n 4p out
	# a database that cannot be read: logged, the old contents stay
	echo garbage > $PH/virt.db.new
	mv $PH/virt.db.new $PH/virt.db
	ph_wait_log 'lookup event=table-reload table=virt error=.*old contents stay'
	lk_chat "EHLO c" "MAIL FROM:<a@client.test>" \
	    "RCPT TO:<list2@virt.test>" > out
	atf_check -o match:'^250 ' sed -n 3p out
	atf_check_equal "$(grep -c 'table-reload table=virt error' $PH_LOG)" 1
}

atf_init_test_cases() {
	atf_add_test_case table_watch
	atf_add_test_case rcpt_policy
	atf_add_test_case rcpt_aliases
	atf_add_test_case auth_table
	atf_add_test_case update_table
}
