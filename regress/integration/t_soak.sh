# t_soak.sh - the soak (regress/soak/) works and posthorn passes its short
# run: make soak-smoke, 40 seconds of every kind of traffic (clear and
# STARTTLS, local and relayed, AUTH refused and accepted, a relay that
# answers 451 and 550) with two restarts and table reloads, in its own
# namespaces; no timing is judged, only what the mail became and whether
# each role's memory and descriptors stayed flat.  The leak criterion
# itself is proved on made-up samples.

. "$(atf_get_srcdir)/subr.sh"

atf_test_case smoke
smoke_head() {
	atf_set descr "soak.py --smoke: every message answered 250 delivered once or bounced or still deferred, every role flat, the report and the curve written"
	atf_set timeout 400
}
smoke_body() {
	[ "$$" -eq 1 ] || atf_fail "not in a private PID namespace"
	command -v gnuplot >/dev/null || atf_fail "gnuplot is missing"
	out=$(pwd)/out
	$PY "$PH_TOP/regress/soak/soak.py" --smoke --out "$out" \
	    "$PH_BUILD" > stdout 2> stderr ||
	    atf_fail "soak failed: $(grep '^error=' stdout | head -5)"
	atf_check -o match:'^verdict=PASS$' cat stdout
	atf_check -o match:'^restarts=2$' cat stdout
	# every kind of outcome happened
	for k in accepted delivered bounced deferred auth_refused auth_ok; do
		grep -Eq "^$k=[1-9][0-9]*\$" stdout ||
		    atf_fail "no $k in: $(cat stdout)"
	done
	atf_check -o match:'^unacknowledged=0$' cat stdout
	# a row per role, each flat
	for r in parent queue smtpd lookup relay keys local; do
		grep -Eq "^\| $r \| [0-9]+ \| [0-9]+ .*\| flat \|\$" \
		    "$out/soak.md" || atf_fail "role $r: $(cat "$out/soak.md")"
	done
	atf_check -o match:'^Verdict: PASS$' cat "$out/soak.md"
	atf_check -o inline:'PNG\n' \
	    sh -c "head -c 4 '$out/soak-rss.png' | tail -c 3; echo"
}

atf_test_case criterion
criterion_head() {
	atf_set descr "the leak criterion flags a role whose RSS or descriptors grow within epochs, not one that only drops at restarts"
}
criterion_body() {
	cat > judge.py <<'PY'
import sys
sys.path[:0] = [sys.argv[1] + "/regress/soak", sys.argv[1] + "/regress/bench"]
import soakstat
lim = {"max_slope": 32, "max_growth": 10, "fd_slack": 4}
def rows(rss, fds):
    # three epochs of 100 samples, 2 s apart
    return [(e * 200 + i * 2.0, e, "r", 1, rss(e, i), 0, fds(e, i))
            for e in range(3) for i in range(100)]
cases = {
    "flat": rows(lambda e, i: 5000 + (i % 3) * 40, lambda e, i: 10),
    "sawtooth": rows(lambda e, i: 5000 + 10 * min(i, 20), lambda e, i: 10),
    "leak": rows(lambda e, i: 5000 + 3 * i, lambda e, i: 10),
    "fdleak": rows(lambda e, i: 5000, lambda e, i: 10 + i // 10),
}
for name, r in cases.items():
    print(name, "bad" if soakstat.judge(r, "r", lim)["bad"] else "flat")
PY
	atf_check -o inline:'flat flat\nsawtooth flat\nleak bad\nfdleak bad\n' \
	    $PY judge.py "$PH_TOP"
}

atf_init_test_cases() {
	atf_add_test_case smoke
	atf_add_test_case criterion
}
