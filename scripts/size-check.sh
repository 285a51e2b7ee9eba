#!/usr/bin/env bash
# size-check.sh — the sizes the layout keeps (issue 21): no source file over MAX_FILE
# lines, no function over MAX_FN lines (from the line that names it to its closing brace
# in column 0).
#
#   scripts/size-check.sh [--table] [ROOT]
# --table  print every file's lines and every function over 100 lines, largest first
# Prints each file or function over its limit as FILE:LINE: what; exits 1 on any.
# make layer-check and tests/integration/test_layers.sh (make test) run it.
set -u
table=0
[ "${1:-}" = --table ] && { table=1; shift; }
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2
MAX_FILE=${MAX_FILE:-1500} MAX_FN=${MAX_FN:-150}

fns=$(awk '
	FNR == 1 { cand = ""; name = "" }
	/^[a-z_][^;]*[a-z0-9_]\(/ && $0 !~ /;[[:space:]]*$/ { cand = $0; cline = FNR; next }
	/^{/ && cand != "" { name = cand; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name); start = cline; cand = ""; next }
	/^}/ && name != "" { print FILENAME ":" start ": " name "() " FNR - start + 1; name = "" }
	/^[^[:space:]]/ && $0 !~ /^[a-z_]/ && $0 !~ /^{/ && $0 !~ /^\/\*/ && $0 !~ /^ \*/ { cand = "" }' src/*/*.c)

bad=0
while read -r n f; do
	[ "$f" = total ] && continue
	[ "$table" -eq 1 ] && printf '%6d %s\n' "$n" "$f"
	if [ "$n" -gt "$MAX_FILE" ]; then echo "$f:1: $n lines (at most $MAX_FILE)"; bad=$((bad + 1)); fi
done < <(wc -l src/*/*.c | sort -rn)
[ "$table" -eq 1 ] && { echo "functions over 100 lines:"; sort -t' ' -k3 -rn <<<"$fns" | awk '$NF > 100'; }
while read -r where name n; do
	[ -n "$where" ] || continue
	if [ "$n" -gt "$MAX_FN" ]; then echo "$where $name $n lines (at most $MAX_FN)"; bad=$((bad + 1)); fi
done <<<"$fns"
nf=$(ls src/*/*.c | wc -l); nfn=$(grep -c . <<<"$fns")
if [ "$bad" -eq 0 ]; then
	echo "size-check: $nf files (at most $MAX_FILE lines), $nfn functions (at most $MAX_FN lines)"
	exit 0
fi
echo "size-check: $bad over the limits in $nf files, $nfn functions"
exit 1
