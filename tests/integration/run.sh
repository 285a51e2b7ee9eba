#!/usr/bin/env bash
# Run every tests/integration/test_*.sh against the binaries in BUILD (default: build).
# Each test file prints "ok - ..." / "not ok - ..." / "ok - ... # SKIP why" lines and ends
# with "N passed, N failed, N skipped".  This script adds them up, lists the skips again at
# the end, and ends with the same line for the whole run; it fails on any failure, on a
# file that ends without its result line, and on a file that exits non-zero.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export SB_ROOT="$ROOT" SB_BUILD="$BUILD"

# One set of demo certificates for the whole run (tests copy or point at it).
SB_CERTS=$(mktemp -d /tmp/sysbind-certs.XXXXXX)
export SB_CERTS
trap 'rm -rf "$SB_CERTS"' EXIT
"$ROOT/scripts/mkcerts.sh" --demo "$SB_CERTS" >/dev/null ||
	{ echo "mkcerts.sh failed"; echo "integration: 0 passed, 1 failed, 0 skipped"; exit 1; }

total_pass=0 total_fail=0 total_skip=0 skips=""
for t in "$ROOT"/tests/integration/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	[ -n "${SB_ONLY:-}" ] && [[ "$name" != *"$SB_ONLY"* ]] && continue
	echo "=== $name"
	out=$(timeout 600 bash "$t" 2>&1); rc=$?
	echo "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $name ended without a result line (exit $rc)"
		total_fail=$((total_fail + 1)); continue
	fi
	read -r p _ f _ s _ <<<"${line//,/}"
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
	skips+=$(printf '%s\n' "$out" | grep -E '^ok - .* # SKIP' | sed "s|^ok - |    $name: |")$'\n'
	# the result line must tell what the file printed: no check counted without its line
	nskip=$(printf '%s\n' "$out" | grep -cE '^ok - .* # SKIP')
	nok=$(printf '%s\n' "$out" | grep -cE '^ok - ')
	nnot=$(printf '%s\n' "$out" | grep -cE '^not ok - ')
	if [ "$s" -ne "$nskip" ] || [ "$p" -ne $((nok - nskip)) ] || [ "$f" -ne "$nnot" ]; then
		echo "not ok - $name: its result line ($line) does not match its lines" \
			"($((nok - nskip)) ok, $nnot not ok, $nskip skip)"
		total_fail=$((total_fail + 1))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $rc"; total_fail=$((total_fail + 1))
	fi
done
if [ "$total_skip" -gt 0 ]; then
	echo "skipped:"; printf '%s' "$skips" | grep -v '^$'
fi
echo "integration: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
