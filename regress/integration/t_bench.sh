# t_bench.sh - the benchmark instrument (regress/bench/) works: its smoke
# run (make bench-smoke) takes every stage once with tiny counts, with
# posthorn alone and the python load tools, so it needs no download and
# no network; no timing is judged.

. "$(atf_get_srcdir)/subr.sh"

atf_test_case smoke
smoke_head() {
	atf_set descr "bench.py --smoke produces every figure of posthorn (the milter stage's only when OpenDKIM signed the delivered messages), the machine's ceilings, the markdown table and the PNG plot"
	atf_set timeout 120
}
smoke_body() {
	[ "$$" -eq 1 ] || atf_fail "not in a private PID namespace"
	command -v gnuplot >/dev/null || atf_fail "gnuplot is missing"
	command -v strace >/dev/null || atf_fail "strace is missing"
	out=$(pwd)/out
	$PY "$PH_TOP/regress/bench/bench.py" --smoke --out "$out" \
	    "$PH_BUILD" > stdout 2> stderr ||
	    atf_fail "smoke run failed: $(grep 'smoke:' stderr | head -5)"
	atf_check -o match:'every figure and the plot produced' cat stderr
	# every row has a number, the ceilings too
	atf_check -o match:'^\| local: end-to-end msg/s, 50 sess \| -?[0-9.]+ \|$' \
	    cat "$out/results.md"
	# OpenDKIM signed what went through the milter listener
	atf_check -o match:'^\| milter: end-to-end msg/s, 10 sess \| [0-9.]+ \|$' \
	    cat "$out/results.md"
	atf_check -o match:'^\| write\+fsync\+rename\+dir fsync /s \| [0-9.]+ \|$' \
	    cat "$out/results.md"
	atf_check -o match:'net_links=lo' cat "$out/results.md"
	atf_check -o match:'measured per message: fsync:' cat "$out/results.md"
	atf_check -s exit:1 grep -q 'n/a' "$out/results.md"
	# a PNG image, drawn from the three sessions counts
	atf_check -o inline:'PNG\n' \
	    sh -c "head -c 4 '$out/throughput.png' | tail -c 3; echo"
	atf_check -o match:'^50 [0-9.]+ [0-9.]+$' cat "$out/throughput.dat"
}

atf_init_test_cases() {
	atf_add_test_case smoke
}
