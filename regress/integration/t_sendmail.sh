# t_sendmail.sh - the local enqueuer: header completion, -t, Bcc removal,
# the end of input, and the offline area when the daemon is down.

. "$(atf_get_srcdir)/subr.sh"

ph_sm_conf() {
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "local" maildir
match from local for local action "local"
CONF
}

# the offline area exists once the daemon has run once
ph_sm_spool() {
	ph_start
	kill -TERM "$(cat $PH/daemon.pid)"
	wait "$(cat $PH/daemon.pid)"
	rm -f $PH/daemon.pid
	test -d $PH_SPOOL/offline || { mkdir -m 1777 $PH_SPOOL/offline; chown _posthornq $PH_SPOOL/offline; }
}

atf_test_case offline_headers
offline_headers_head() {
	atf_set descr "daemon down: the message waits in offline/ with Date, Message-ID, From added"
	atf_set timeout 60
}
offline_headers_body() {
	ph_setup
	ph_sm_conf
	ph_sm_spool
	useradd -m -c "Alice Example,,," alice
	printf 'Subject: hi\n\nhello\n.\nnot sent\n' > msg
	atf_check setpriv --reuid=alice --regid=alice --init-groups \
	    $PH_BIN/sendmail -C $PH_CONF bob@example.org < msg
	f=$(ls $PH_SPOOL/offline)
	[ $(echo $f | wc -w) -eq 1 ] || atf_fail "expected one file: $f"
	h=$(hostname)
	atf_check -o match:"^uid: $(id -u alice)\$" cat $PH_SPOOL/offline/$f
	atf_check -o match:"^sender: alice@$h\$" cat $PH_SPOOL/offline/$f
	atf_check -o match:'^rcpt: bob@example.org$' cat $PH_SPOOL/offline/$f
	atf_check -o match:'^Date: ' cat $PH_SPOOL/offline/$f
	atf_check -o match:"^Message-ID: <.*@$h>\$" cat $PH_SPOOL/offline/$f
	atf_check -o match:"^From: \"Alice Example\" <alice@$h>\$" cat $PH_SPOOL/offline/$f
	atf_check -o match:'^hello$' cat $PH_SPOOL/offline/$f
	atf_check -s exit:1 -o ignore grep 'not sent' $PH_SPOOL/offline/$f
	[ "$(stat -c %U $PH_SPOOL/offline/$f)" = alice ] || atf_fail "not owned by alice"
}

atf_test_case offline_t_bcc
offline_t_bcc_head() {
	atf_set descr "-t takes To/Cc/Bcc recipients and removes Bcc; -i keeps a lone dot"
	atf_set timeout 60
}
offline_t_bcc_body() {
	ph_setup
	ph_sm_conf
	ph_sm_spool
	cat > msg <<'MSG'
From: Carol <carol@example.net>
To: Bob <bob@example.org>, "Doe, John" <john@example.org>
Cc: eve@example.com (Eve)
Bcc: secret@example.org,
 hidden@example.org
Subject: t

body
.
still body
MSG
	atf_check $PH_BIN/sendmail -C $PH_CONF -t -i -f carol@example.net < msg
	f=$PH_SPOOL/offline/$(ls $PH_SPOOL/offline)
	for r in bob@example.org john@example.org eve@example.com \
	    secret@example.org hidden@example.org; do
		atf_check -o match:"^rcpt: $r\$" cat $f
	done
	# the message follows the drop file's own header block
	sed '1,/^$/d' $f > body
	atf_check -s exit:1 grep -i '^bcc:' body
	atf_check -s exit:1 grep 'hidden@example.org' body
	atf_check -o match:'^From: Carol <carol@example.net>$' cat body
	atf_check -s exit:1 grep '^From: "' body
	atf_check -o match:'^still body$' cat body
}

atf_test_case bare_names
bare_names_head() {
	atf_set descr "bare local names, as arguments and in To/Cc with -t, are qualified with the host name and delivered"
	atf_set timeout 60
}
bare_names_body() {
	ph_setup
	ph_sm_conf
	useradd -m alice
	useradd -m bob
	useradd -m carol
	ph_start
	h=$(hostname)
	printf 'Subject: one\n\nto alice\n' > msg1
	atf_check setpriv --reuid=carol --regid=carol --init-groups \
	    $PH_BIN/sendmail -C $PH_CONF alice < msg1
	printf 'To: bob\nCc: Carol <carol>\nSubject: two\n\nto bob\n' > msg2
	atf_check setpriv --reuid=alice --regid=alice --init-groups \
	    $PH_BIN/sendmail -C $PH_CONF -t < msg2
	for u in alice bob carol; do
		ph_wait_for "ls /home/$u/Maildir/new/* " 10 ||
		    { cat $PH_LOG; atf_fail "nothing delivered to $u"; }
	done
	atf_check -o match:'^to alice$' cat /home/alice/Maildir/new/*
	atf_check -o match:"^From: .*carol@$h" cat /home/alice/Maildir/new/*
	atf_check -o match:'^to bob$' cat /home/bob/Maildir/new/*
	atf_check -o match:'^Subject: two$' cat /home/carol/Maildir/new/*
}

atf_test_case busy_fallback
busy_fallback_head() {
	atf_set descr "a daemon that cannot take the message now (421, all of the enqueuer's sessions busy): the message waits in offline/ and is delivered later"
	atf_set timeout 150
}
busy_fallback_body() {
	ph_setup
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "local" maildir
match from local for local action "local"
CONF
	useradd -m alice
	ph_start
	ph_wait_for "test -S $PH_RUN/enqueue.sock" 10 || atf_fail "no socket"
	# local clients hold every session of the enqueuer's own budget
	# until told to go
	$PY -c "
import os, socket, time
socks = []
while True:
    s = socket.socket(socket.AF_UNIX)
    s.connect('$PH_RUN/enqueue.sock')
    if s.recv(512).startswith(b'421'):
        break
    socks.append(s)
open('$PH/held', 'w').write(str(len(socks)))
while not os.path.exists('$PH/release'):
    time.sleep(0.05)
for s in socks:
    s.sendall(b'QUIT\r\n')
" &
	holder=$!
	ph_wait_for "test -s $PH/held" 20 || atf_fail "no session held"
	atf_check -o inline:256 cat $PH/held
	printf 'Subject: later\n\ncron output\n' > msg
	atf_check -e match:'421 .*waits in the offline area' \
	    setpriv --reuid=alice --regid=alice --init-groups \
	    $PH_BIN/sendmail -C $PH_CONF alice < msg
	atf_check -o match:'.' ls $PH_SPOOL/offline
	touch $PH/release
	wait $holder
	# the queue walks the offline area every minute
	ph_wait_for "ls /home/alice/Maildir/new/* " 90 ||
	    { cat $PH_LOG; atf_fail "the offline message was not delivered"; }
	atf_check -o match:'^cron output$' cat /home/alice/Maildir/new/*
	atf_check -o empty ls $PH_SPOOL/offline
}

atf_test_case usage_errors
usage_errors_head() {
	atf_set descr "bad options and missing recipients give sysexits codes"
	atf_set timeout 30
}
usage_errors_body() {
	ph_setup
	ph_sm_conf
	atf_check -s exit:64 -e match:usage $PH_BIN/sendmail -C $PH_CONF -Q x < /dev/null
	atf_check -s exit:64 -e match:'no recipients' $PH_BIN/sendmail -C $PH_CONF < /dev/null
	atf_check -s exit:65 -e match:'bad recipient' $PH_BIN/sendmail -C $PH_CONF 'a b@c' < /dev/null
}

atf_init_test_cases() {
	atf_add_test_case offline_headers
	atf_add_test_case offline_t_bcc
	atf_add_test_case bare_names
	atf_add_test_case busy_fallback
	atf_add_test_case usage_errors
}
