# t_privsep.sh - the trust boundaries, with the daemon's own processes
# played by an attacker (regress/hostile/): every frame that breaks the
# IPC contract stops the daemon cleanly, naming the message and the peer.

. "$(atf_get_srcdir)/subr.sh"

ph_privsep_conf() {
	ph_conf <<'CONF'
listen on 127.0.0.1 port 25
action "local" maildir
match from local for local action "local"
CONF
}

# ph_contract SCENARIO REGEX - a hostile frame breaks the contract: the
# receiver names it, the daemon stops, no process is left
ph_contract() {
	ph_setup
	ph_privsep_conf
	ph_start_hostile "$1"
	ph_wait_log "$2"
	ph_wait_exit 20
}

atf_test_case listener_route
listener_route_head() {
	atf_set descr "a listener sending a control command stops the daemon"
	atf_set timeout 60
}
listener_route_body() {
	ph_contract smtpd:route \
	    'ipc: MSG_CTL_STOP from smtpd: .*(route|not allowed)'
}

atf_test_case listener_hello
listener_hello_head() {
	atf_set descr "a second hello from the listener stops the daemon"
	atf_set timeout 60
}
listener_hello_body() {
	ph_contract smtpd:hello 'ipc: MSG_HELLO from smtpd: second hello'
}

atf_test_case listener_oversized
listener_oversized_head() {
	atf_set descr "a frame larger than any message stops the daemon"
	atf_set timeout 60
}
listener_oversized_body() {
	ph_contract smtpd:oversized 'ipc: .* from smtpd: '
}

atf_test_case listener_short
listener_short_head() {
	atf_set descr "a payload shorter than its type stops the daemon"
	atf_set timeout 60
}
listener_short_body() {
	ph_contract smtpd:short 'ipc: MSG_TX_COMMIT from smtpd: .*length'
}

atf_init_test_cases() {
	atf_add_test_case listener_route
	atf_add_test_case listener_hello
	atf_add_test_case listener_oversized
	atf_add_test_case listener_short
}
