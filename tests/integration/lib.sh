# Shared helpers for integration tests: source it first.  Each test file calls the expect_*
# helpers and ends with `finish`.  Everything runs on 127.0.0.1 / ::1 on free ports, in a
# temp dir removed at exit; on failure the daemon's and backends' logs are printed.
set -u
SB_ROOT=${SB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SB_BUILD=${SB_BUILD:-$SB_ROOT/build}
SB_BIN="$SB_BUILD/sysbind"
T=$(mktemp -d /tmp/sysbind-it.XXXXXX)
if [ -z "${SB_CERTS:-}" ]; then
	SB_CERTS="$T/certs"; "$SB_ROOT/scripts/mkcerts.sh" --demo "$SB_CERTS" >/dev/null
fi
_pass=0 _fail=0 _pids=()

_cleanup() {
	local p
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap _cleanup EXIT

_dump_logs() {
	local f
	for f in "$T"/*.log; do
		[ -e "$f" ] || continue
		echo "----- $(basename "$f") (last 40 lines)"; tail -n 40 "$f"
	done
}

ok()     { echo "ok - $1"; _pass=$((_pass + 1)); }
not_ok() { echo "not ok - $1"; [ $# -gt 1 ] && printf '    %s\n' "$2"; _fail=$((_fail + 1)); _dump_logs; }

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "got [$2], want [$3]"; fi
}
# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
	if [[ "$2" == *"$3"* ]]; then ok "$1"; else not_ok "$1" "[$3] not in: $(printf '%s' "$2" | head -c 600)"; fi
}
# expect_not_contains NAME HAYSTACK NEEDLE
expect_not_contains() {
	if [[ "$2" != *"$3"* ]]; then ok "$1"; else not_ok "$1" "[$3] unexpectedly in: $(printf '%s' "$2" | head -c 600)"; fi
}

# port_busy PORT [HOST]: 0 when something listens there.
port_busy() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# free_port: print a TCP port on 127.0.0.1 nothing listens on (and not handed out before).
_given=" "
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		[[ "$_given" == *" $p "* ]] && continue
		port_busy "$p" && continue
		_given="$_given$p "; echo "$p"; return 0
	done
	return 1
}

# wait_port PORT [HOST] [SECONDS]: wait until something listens.
wait_port() {
	local i n=$(( ${3:-10} * 20 ))
	for i in $(seq 1 "$n"); do port_busy "$1" "${2:-127.0.0.1}" && return 0; sleep 0.05; done
	return 1
}

# sb_start CONF PORT [NAME]: start the daemon on CONF in the background, logging to
# $T/NAME.log (default sysbind), and wait for PORT.  Sets SB_PID.
sb_start() {
	local name=${3:-sysbind}
	"$SB_BIN" -c "$1" >"$T/$name.log" 2>&1 &
	SB_PID=$!; _pids+=("$SB_PID")
	if ! wait_port "$2"; then not_ok "sysbind starts on $1" "port $2 never opened"; return 1; fi
}

# sb_stop: SIGTERM the daemon started last and wait for it; prints its exit status.
sb_stop() {
	kill -TERM "$SB_PID" 2>/dev/null; wait "$SB_PID" 2>/dev/null; echo $?
}

# served_cert PORT SNI|-: the subject CN of the certificate served on 127.0.0.1:PORT.
served_cert() {
	local sni=()
	[ "$2" != "-" ] && sni=(-servername "$2") || sni=(-noservername)
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" "${sni[@]}" 2>/dev/null \
		| openssl x509 -noout -subject -nameopt multiline 2>/dev/null \
		| sed -n 's/^ *commonName *= *//p'
}

finish() {
	echo "$_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ]
}
