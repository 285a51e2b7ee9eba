#!/usr/bin/env bash
# test-all.sh — run test phases one after another, each to its end whatever the others
# did, and end with one line for all of them:
#     total: N passed, N failed, N skipped
# (the last line of `make test` and of .ci/run, which CI reads).  Exits 1 when anything
# failed.  It builds nothing: the Makefile builds what the phases run first.
#
#   scripts/test-all.sh [build=DIR] [only="WORD..."] PHASE... [build=DIR2] PHASE...
#
# build=DIR   the build tree of the phases that follow (default: build)
# only=WORDS  the integration phases that follow run only the files whose name holds one
#             of WORDS (run.sh's SB_ONLY); only= alone runs them all again
# make=TARGET `make TARGET` (a build the phases after it need): counted only when it
#             fails, as one failure (the phases after it still run, and fail on what is
#             missing)
# Phases:
#   unit         every Check suite DIR/tests/check_* (one per tests/check_*.c): each of its
#                checks counts ("NN%: Checks: C, Failures: F, Errors: E": F + E failed, the
#                rest passed); a suite that crashes, exits non-zero, runs over 10 minutes
#                or prints no such line counts one more failure
#   man-lint     `make man-lint`: one check
#   integration  tests/integration/run.sh DIR: its own closing line; a run without one, or
#                exiting non-zero with no failure counted, counts one failure
#   fuzz-replay  DIR/fuzz/replay_NAME over the seed corpus tests/fuzz/NAME, for each
#                tests/fuzz/fuzz_NAME.c: one check each (`make fuzz-replay` builds them)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
# A sanitizer build stops at its first error, and LeakSanitizer looks at every exit: a
# report is a failure (run.sh collects the reports of the integration files' processes).
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

build=build only=${SB_ONLY:-}
tp=0 tf=0 ts=0 summary=""
tmp=$(mktemp -d /tmp/sysbind-test-all.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# add PHASE P F S: count a phase's results and remember its line for the summary, with
# the seconds since the phase began (t0).
t0=$SECONDS
add() {
	tp=$((tp + $2)); tf=$((tf + $3)); ts=$((ts + $4))
	summary+=$(printf '    %s: %s passed, %s failed, %s skipped (%d s)' "$1" "$2" "$3" "$4" \
		$((SECONDS - t0)))$'\n'
}

phase_make() {
	echo "== make $1"
	"$MAKE" --no-print-directory -j"$(nproc)" "$1" && return 0
	echo "not ok - make $1"; add "make $1" 0 1 0
}

phase_unit() {
	local src t out rc line c f e p=0 fl=0
	for src in tests/check_*.c; do
		t="$build/tests/$(basename "$src" .c)"
		echo "== $t"
		if [ ! -x "$t" ]; then
			echo "not ok - $t was not built"; fl=$((fl + 1)); continue
		fi
		out=$(CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-30} timeout 600 "$t" 2>&1); rc=$?
		printf '%s\n' "$out"
		line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+$' | tail -n 1)
		if [ -z "$line" ]; then
			echo "not ok - $t printed no summary (exit $rc)"; fl=$((fl + 1)); continue
		fi
		read -r c f e <<<"$(sed 's/^.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)$/\1 \2 \3/' <<<"$line")"
		p=$((p + c - f - e)); fl=$((fl + f + e))
		if [ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
			echo "not ok - $t exited $rc"; fl=$((fl + 1))
		fi
	done
	add "unit ($build)" "$p" "$fl" 0
}

phase_man_lint() {
	if "$MAKE" --no-print-directory -s BUILD="$build" man-lint; then
		add "man-lint" 1 0 0
	else
		echo "not ok - man-lint"; add "man-lint" 0 1 0
	fi
}

phase_integration() {
	local rc line p f s
	SB_ONLY="$only" tests/integration/run.sh "$build" 2>&1 | tee "$tmp/integration.out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$tmp/integration.out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - integration ($build) ended without its result line (exit $rc)"
		add "integration ($build)" 0 1 0; return
	fi
	read -r _ p _ f _ s _ <<<"${line//,/}"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - integration ($build) exited $rc"; f=$((f + 1))
	fi
	add "integration ($build)${only:+ [$only]}" "$p" "$f" "$s"
}

phase_fuzz_replay() {
	local src n bin p=0 fl=0
	for src in tests/fuzz/fuzz_*.c; do
		n=$(basename "$src" .c); n=${n#fuzz_}
		bin="$build/fuzz/replay_$n"
		echo "== $bin tests/fuzz/$n"
		if [ ! -x "$bin" ]; then
			echo "not ok - $bin was not built"; fl=$((fl + 1)); continue
		fi
		if "$bin" "tests/fuzz/$n"; then p=$((p + 1)); else
			echo "not ok - replay of tests/fuzz/$n"; fl=$((fl + 1))
		fi
	done
	add "fuzz-replay ($build)" "$p" "$fl" 0
}

for a in "$@"; do
	t0=$SECONDS
	case "$a" in
	build=*)     build=${a#build=} ;;
	make=*)      phase_make "${a#make=}" ;;
	only=*)      only=${a#only=} ;;
	unit)        phase_unit ;;
	man-lint)    phase_man_lint ;;
	integration) phase_integration ;;
	fuzz-replay) phase_fuzz_replay ;;
	*) echo "test-all.sh: unknown phase or setting: $a"; add "$a" 0 1 0 ;;
	esac
done

echo "== results ($SECONDS s)"
printf '%s' "$summary"
echo "total: $tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
