#!/usr/bin/env bash
# A short soak (issue 5): scripts/soak.sh with ~20,000 requests mixing keep-alive and
# close, slow backend answers and clients that abort mid-request and mid-response; the
# daemon's descriptors and RSS must be back to their baseline afterwards.  The full run
# (1,000,000 requests) is `scripts/soak.sh` by hand.
. "$(dirname "$0")/lib.sh"

if ! command -v wrk >/dev/null; then
	ok "# skip: wrk is not installed (scripts/install-deps.sh installs it)"
	finish; exit
fi
slack=2048
if ldd "$SB_BIN" 2>/dev/null | grep -q libasan; then
	slack=1000000   # AddressSanitizer's quarantine holds freed memory: RSS is not measured
fi
out=$(SOAK_REQUESTS=20000 SOAK_PHASE=1 SOAK_SECONDS=120 SOAK_RSS_SLACK=$slack SB_CERTS="$SB_CERTS" \
	"$SB_ROOT/scripts/soak.sh" "$SB_BUILD" 2>&1)
echo "$out" | sed 's/^/    /'
expect_contains "the soak ends with PASS" "$out" "soak: PASS"
expect_contains "... with no failed request" "$out" "; 0 failed"
fds=$(printf '%s\n' "$out" | sed -n 's/^soak: fds  baseline \([0-9]*\)  after \([0-9]*\)$/\1 \2/p')
set -- $fds
expect_eq "descriptors are back to the baseline" "${2:-?}" "${1:-none}"
finish
