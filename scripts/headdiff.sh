#!/usr/bin/env bash
# headdiff.sh [REV [ITER]] — the HTTP/1.1 parser of the working tree against REV's (default
# main), on the same mutated heads (tests/fuzz/headdiff.c): builds the harness against
# each tree's model/http*.c (and the same llhttp), runs both, and compares their outputs
# byte for byte.  HEADDIFF_SAN=1 builds both with AddressSanitizer and UBSan.  Exit 0 when
# identical; the first differing lines otherwise.  ITER (default 3000) mutations per seed.
# headdiff.sh --self [ITER]: the working tree's parser alone, each mutated head fed whole
# and cut in two at every offset: the same heads and error however the bytes came.
set -euo pipefail
SELF=0
[ "${1:-}" = --self ] && { SELF=1; shift; set -- HEAD "${1:-300}"; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REV=${1:-main}; ITER=${2:-3000}
LLHTTP_SRC=${LLHTTP_SRC:-/usr/share/llhttp}; LLHTTP_INC=${LLHTTP_INC:-/usr/share/include/llhttp}
T=$(mktemp -d /tmp/sysbind-headdiff.XXXXXX)
trap 'rm -rf "$T"' EXIT
git -C "$ROOT" archive "$REV" src include | tar -x -C "$T" --one-top-level=rev
FLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -w"
[ "${HEADDIFF_SAN:-0}" = 1 ] && FLAGS="$FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
build() {   # build TREE OUT
	# shellcheck disable=SC2086
	cc $FLAGS -I"$1/include" -I"$LLHTTP_INC" -o "$2" "$ROOT/tests/fuzz/headdiff.c" \
	    "$1"/src/model/http.c "$1"/src/model/httpparse.c "$1"/src/model/httpscan.c \
	    "$1"/src/base/strlist.c "$1"/src/base/objcache.c "$1"/src/base/iobuf.c \
	    "$LLHTTP_SRC"/api.c "$LLHTTP_SRC"/http.c "$LLHTTP_SRC"/llhttp.c $(pkg-config --libs libevent)
}
SEEDS=$(ls "$ROOT"/tests/fuzz/request/* "$ROOT"/tests/fuzz/response/* "$ROOT"/tests/fuzz/headdiff/*)
if [ "$SELF" = 1 ]; then
	build "$ROOT" "$T/hd.tree"
	# shellcheck disable=SC2086
	"$T/hd.tree" --self "$ITER" $SEEDS | tail -40
	exit "${PIPESTATUS[0]}"
fi
build "$T/rev" "$T/hd.rev"
build "$ROOT" "$T/hd.tree"
# shellcheck disable=SC2086
"$T/hd.rev" "$ITER" $SEEDS >"$T/rev.txt"
# shellcheck disable=SC2086
"$T/hd.tree" "$ITER" $SEEDS >"$T/tree.txt"
runs=$(grep -c '^==' "$T/rev.txt"); splits=$(grep -c '^-- split' "$T/rev.txt")
if cmp -s "$T/rev.txt" "$T/tree.txt"; then
	echo "headdiff: identical to $REV ($runs heads, $splits of them again at one cut, $(wc -l <"$T/rev.txt") lines)"
	exit 0
fi
echo "headdiff: differs from $REV:"
diff "$T/rev.txt" "$T/tree.txt" | head -40
exit 1
