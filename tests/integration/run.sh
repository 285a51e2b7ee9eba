#!/usr/bin/env bash
# Run every tests/integration/test_*.sh against the binaries in BUILD (default: build).
# Each test file prints "ok - ..." / "not ok - ..." lines and ends with "N passed, N failed".
# This script adds them up and ends with the same line for the whole run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export SB_ROOT="$ROOT" SB_BUILD="$BUILD"

# One set of demo certificates for the whole run (tests copy or point at it).
SB_CERTS=$(mktemp -d /tmp/sysbind-certs.XXXXXX)
export SB_CERTS
trap 'rm -rf "$SB_CERTS"' EXIT
"$ROOT/scripts/mkcerts.sh" --demo "$SB_CERTS" >/dev/null || { echo "mkcerts.sh failed"; echo "0 passed, 1 failed"; exit 1; }

total_pass=0 total_fail=0
for t in "$ROOT"/tests/integration/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	[ -n "${SB_ONLY:-}" ] && [[ "$name" != *"$SB_ONLY"* ]] && continue
	echo "=== $name"
	out=$(timeout 600 bash "$t" 2>&1); rc=$?
	echo "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $name ended without a result line (exit $rc)"
		total_fail=$((total_fail + 1)); continue
	fi
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $rc"; total_fail=$((total_fail + 1))
	fi
done
echo "integration: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
