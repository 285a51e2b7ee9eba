#!/usr/bin/env bash
# Run every tests/integration/test_*.sh against the binaries in BUILD (default: build).
# Each test file prints "ok - ..." / "not ok - ..." / "ok - ... # SKIP why" lines and ends
# with "N passed, N failed, N skipped".  This script adds them up, lists the skips again at
# the end, and ends with the same line for the whole run; it fails on any failure, on a
# file that ends without its result line, and on a file that exits non-zero.
#
# SB_ONLY="h2 robust ...": run only the files whose name holds one of these substrings.
# A sanitizer report fails the file it came from: ASan and LeakSanitizer write theirs into
# a directory of this run (ASAN_OPTIONS' log_path), whatever process found the error (the
# daemon, a subcommand); UBSan built in with ASan writes to stderr whatever its log_path
# says, so into a daemon's log, which lib.sh prints at the end of the file when it holds
# one: a file whose output shows a report fails too.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export SB_ROOT="$ROOT" SB_BUILD="$BUILD"

# One set of demo certificates for the whole run (tests copy or point at it).
SB_CERTS=$(mktemp -d /tmp/sysbind-certs.XXXXXX)
export SB_CERTS
SB_SAN=$(mktemp -d /tmp/sysbind-san.XXXXXX)
chmod 1777 "$SB_SAN"   # a daemon that dropped its privileges writes there too
trap 'rm -rf "$SB_CERTS" "$SB_SAN"' EXIT
"$ROOT/scripts/mkcerts.sh" --demo "$SB_CERTS" >/dev/null ||
	{ echo "mkcerts.sh failed"; echo "integration: 0 passed, 1 failed, 0 skipped"; exit 1; }

# selected NAME: NAME holds one of SB_ONLY's words (every name does without SB_ONLY).
selected() {
	local w
	[ -z "${SB_ONLY:-}" ] && return 0
	for w in $SB_ONLY; do [[ "$1" == *"$w"* ]] && return 0; done
	return 1
}

# sanitizer_clean NAME OUTPUT: no sanitizer report came from test file NAME: none in its
# report directory, none in its output (UBSan's, from the logs lib.sh prints).  Otherwise
# prints the reports and a failed check.
sanitizer_clean() {
	local f found=0
	for f in "$SB_SAN/$1"/*; do
		[ -s "$f" ] || continue
		found=1; echo "----- sanitizer report $(basename "$f")"; head -n 60 "$f"
	done
	if printf '%s\n' "$2" | grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:'; then
		found=1
	fi
	[ "$found" -eq 0 ] && return 0
	echo "not ok - $1: a sanitizer reported an error"
	return 1
}

total_pass=0 total_fail=0 total_skip=0 skips=""
for t in "$ROOT"/tests/integration/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	selected "$name" || continue
	echo "=== $name"
	mkdir -m 1777 "$SB_SAN/$name"
	out=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SB_SAN/$name/asan" \
		timeout 600 bash "$t" 2>&1); rc=$?
	echo "$out"
	if ! sanitizer_clean "$name" "$out"; then total_fail=$((total_fail + 1)); fi
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
