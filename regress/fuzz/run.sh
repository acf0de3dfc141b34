#!/bin/sh
# run.sh FUZZ_BUILD SECONDS fuzz_NAME... - run each libFuzzer target
# for SECONDS over a copy of its corpus (regress/fuzz/corpus/NAME, which
# stays as it is), then print one line per target: executions, exec/s,
# coverage (cov: edges, ft: features) and the crashes found.  Inputs
# that crash are kept as FUZZ_BUILD/fuzz/NAME.crash/* until the next
# run; the exit status is 1 if there is any.  FUZZ_FLAGS adds libFuzzer
# options (-max_len=16384 -len_control=0: long inputs from the start).
build=$1
secs=$2
shift 2
top=$(pwd)
status=0
summary=""
for name in "$@"; do
	bin=$build/fuzz/$name
	work=$build/fuzz/$name.corpus
	crash=$build/fuzz/$name.crash
	log=$build/fuzz/$name.log
	rm -rf "$crash"
	mkdir -p "$work" "$crash"
	cp "$top/regress/fuzz/corpus/${name#fuzz_}"/* "$work"/ 2>/dev/null
	echo "fuzz: $name for ${secs}s"
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
	    -rss_limit_mb=1024 -close_fd_mask=2 -artifact_prefix="$crash/" \
	    ${FUZZ_FLAGS:-} "$work" > "$log" 2>&1
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(echo "$last" | sed -n 's/.*\(cov: [0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*\(ft: [0-9]*\).*/\1/p')
	crashes=$(find "$crash" -type f | wc -l)
	[ "$crashes" -gt 0 ] && status=1
	line=$(printf '%-16s execs %s  exec/s %s  %s  %s  crashes %s' \
	    "$name" "${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" \
	    "${ft:-ft: ?}" "$crashes")
	summary="$summary$line
"
done
printf '%s' "$summary"
exit $status
