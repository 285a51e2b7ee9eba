#!/usr/bin/env bash
# test_layers.sh — scripts/layer-check.sh and scripts/size-check.sh on the tree as it is (clean: no include goes up a
# layer) and on copies of it with each kind of violation planted, which it must name by
# file:line and fail on.
. "$(dirname "$0")/lib.sh"

out=$("$SB_ROOT/scripts/layer-check.sh" "$SB_ROOT" 2>&1); rc=$?
echo "    $out"
if [ "$rc" -eq 0 ] && [[ "$out" == "layer-check: base model iis core cli: "*" none goes up a layer" ]]; then
	ok "layer-check: the tree is clean"
else
	not_ok "layer-check: the tree is clean" "exit $rc: $out"
fi

# plant NAME FILE LINE: copy the tree, append LINE to FILE, expect exit 1 and WANT in the output.
plant() {
	local name=$1 file=$2 line=$3 want=$4 d out rc
	d="$T/tree-$name"; mkdir -p "$d"
	cp -r "$SB_ROOT/src" "$SB_ROOT/include" "$d/"
	if [ -n "$file" ]; then printf '%s\n' "$line" >>"$d/$file"; fi
	[ "$name" = flat ] && : >"$d/src/stray.c"
	[ "$name" = misplaced ] && cp "$d/include/core/conn.h" "$d/include/model/conn.h"
	out=$("$SB_ROOT/scripts/layer-check.sh" "$d" 2>&1); rc=$?
	if [ "$rc" -eq 1 ] && grep -qF -- "$want" <<<"$out"; then
		ok "layer-check refuses $name: $want"
	else
		not_ok "layer-check refuses $name" "exit $rc, wanted \"$want\" in: $out"
	fi
}
n=$(($(wc -l <"$SB_ROOT/src/model/binding.c") + 1))
plant up src/model/binding.c '#include "core/conn.h"' \
	"src/model/binding.c:$n: #include \"core/conn.h\" goes up: model (layer 2) may include base model, not core"
n=$(($(wc -l <"$SB_ROOT/include/base/log.h") + 1))
plant unqualified include/base/log.h '#include "conf.h"' "include/base/log.h:$n: #include \"conf.h\" names no layer"
plant missing src/cli/cli.c '#include "iis/nosuch.h"' '#include "iis/nosuch.h": no such header'
plant flat '' '' "src/stray.c: not in a layer's folder"
plant misplaced '' '' "include/model/conn.h: its source src/core/conn.c is in layer core"

# The sizes the layout keeps: no source file over 1,500 lines, no function over 150.
out=$("$SB_ROOT/scripts/size-check.sh" "$SB_ROOT" 2>&1); rc=$?
echo "    ${out##*$'\n'}"
if [ "$rc" -eq 0 ]; then ok "size-check: no file over 1500 lines, no function over 150"
else not_ok "size-check: no file over 1500 lines, no function over 150" "$out"; fi
d="$T/tree-big"; mkdir -p "$d/src/core"
{ printf 'static int\nbig(void)\n{\n'; for i in $(seq 1 150); do echo "	x();"; done; printf '}\n'; } >"$d/src/core/big.c"
out=$("$SB_ROOT/scripts/size-check.sh" "$d" 2>&1); rc=$?
if [ "$rc" -eq 1 ] && grep -qF 'src/core/big.c:2: big() 153 lines (at most 150)' <<<"$out"; then
	ok "size-check refuses a function over 150 lines, named by file:line"
else not_ok "size-check refuses a function over 150 lines" "exit $rc: $out"; fi

finish
