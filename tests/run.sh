#!/usr/bin/env bash
# run.sh - runs tests/*.test (or the files named), each in its own bash, bounded
# in time; ends with one line "N passed, N failed" and exits non-zero on failure.
cd "$(dirname "$0")/.." || exit 2
export SOCKIT="${SOCKIT:-$PWD/sockit}"
export TESTS="$PWD/tests"
[ -x "$SOCKIT" ] || { echo "run.sh: no executable $SOCKIT (run make first)" >&2; exit 2; }
[ $# -gt 0 ] || set -- tests/*.test
pass=0
fail=0
for t in "$@"; do
	echo "# $t"
	log=$(mktemp)
	timeout -k 5 600 bash "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	if [ "$rc" -ne 0 ]; then
		echo "not ok - $t: exited $rc (124: timed out)"
		f=$((f + 1))
	fi
	rm -f "$log"
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
