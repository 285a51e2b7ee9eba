#!/usr/bin/env bash
# layer-check.sh — src/ and include/ are in layers (README, "Layout"), lowest first:
#
#   base   what knows nothing of HTTP or IIS: files, logs, buffers, hashing
#   model  HTTP.SYS's decisions, pure: configuration, binding lookup, certificates and
#          their verdicts, HTTP's rules, HTTP.SYS's answers
#   iis    IIS's files and views: import, edit (netsh, appcmd), show, list, check, explain
#   core   the daemon's I/O: listeners, connections, TLS, HTTP/1.1 and HTTP/2, exchanges,
#          backends, workers, logs on disk, signals
#   cli    the commands
#
# A file may include its own layer's headers and those of the layers before it, never one
# after.  Every quoted include names its layer ("model/conf.h"); every source and header
# lives in a layer's folder, and a header sits in the same layer as the source of its name.
# Prints each violation as FILE:LINE: what, then one line; exits 1 on any violation.
#
#   scripts/layer-check.sh [ROOT]
set -u
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2
LAYERS=(base model iis core cli)

rank() { # rank LAYER: its index in LAYERS, or -1
	local i
	for i in "${!LAYERS[@]}"; do [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }; done
	echo -1
}

bad=0 files=0 incs=0
fail() { echo "$1"; bad=$((bad + 1)); }

for f in src/*.c include/*.h; do
	[ -e "$f" ] && fail "$f: not in a layer's folder (${LAYERS[*]})"
done
for d in src/*/ include/*/; do
	l=$(basename "$d")
	[ "$(rank "$l")" -ge 0 ] || fail "${d%/}: not a layer (${LAYERS[*]})"
done

for f in src/*/*.c include/*/*.h; do
	[ -e "$f" ] || continue
	files=$((files + 1))
	l=${f#*/}; l=${l%%/*}
	r=$(rank "$l")
	case "$f" in include/*)
		m=$(basename "$f" .h)
		for s in src/*/"$m".c; do
			[ -e "$s" ] || continue
			sl=${s#src/}; sl=${sl%%/*}
			[ "$sl" = "$l" ] || fail "$f: its source $s is in layer $sl"
		done ;;
	esac
	while IFS=: read -r n inc; do
		incs=$((incs + 1))
		inc=${inc#*\"}; inc=${inc%\"*}
		case "$inc" in
		*/*) il=${inc%%/*} ;;
		*) fail "$f:$n: #include \"$inc\" names no layer"; continue ;;
		esac
		ir=$(rank "$il")
		if [ "$ir" -lt 0 ]; then
			fail "$f:$n: #include \"$inc\": $il is not a layer"
		elif [ ! -e "include/$inc" ]; then
			fail "$f:$n: #include \"$inc\": no such header"
		elif [ "$ir" -gt "$r" ]; then
			fail "$f:$n: #include \"$inc\" goes up: $l (layer $((r + 1))) may include ${LAYERS[*]:0:r+1}, not $il"
		fi
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
done

if [ "$bad" -eq 0 ]; then
	echo "layer-check: ${LAYERS[*]}: $files files, $incs includes, none goes up a layer"
	exit 0
fi
echo "layer-check: $bad violation(s) in $files files"
exit 1
