#!/bin/sh
# kyua_run.sh BUILD - run the whole Kyua suite and print, as the last line,
# "N passed, N failed" counted from Kyua's own results.  Exits non-zero
# when a test failed or broke.
build=${1:-build}
supp=$(cd "$(dirname "$0")" && pwd)/lsan.supp
[ $# -gt 0 ] && shift
cd "$build/regress" || exit 1
# Kyua's work directories must not live under /tmp: integration tests
# mount a private tmpfs there.
mkdir -p kyua-tmp
rm -f results.db
TMPDIR=$(pwd)/kyua-tmp
export TMPDIR
# A sanitizer build (make SANITIZE=1; PH_SANITIZE non-empty): the first
# report stops the process with SIGABRT, so the test that triggered it
# fails; reports go to standard error, which Kyua keeps with the result,
# and an integration test sends them to files it checks (subr.sh).
if [ -n "${PH_SANITIZE:-}" ]; then
	ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
	LSAN_OPTIONS="suppressions=$supp:print_suppressions=0"
	UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
	export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
fi
kyua test --results-file=results.db --kyuafile=Kyuafile "$@" | tee kyua.log
kyua report --results-file=results.db --verbose \
    --results-filter=broken,failed > report.log 2>&1
# what the failed tests printed, then their names again, so that the
# end of the log alone says what failed and why
if grep -qE ' ->  (failed|broken)' kyua.log; then
	echo "=== what the failed tests printed (the report's last 200 lines)"
	tail -n 200 report.log
	echo "=== failed:"
	grep -E ' ->  (failed|broken)' kyua.log
fi
passed=$(grep -cE ' ->  (passed|expected_failure)' kyua.log)
failed=$(grep -cE ' ->  (failed|broken)' kyua.log)
skipped=$(grep -cE ' ->  skipped' kyua.log)
[ "$skipped" -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
