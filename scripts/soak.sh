#!/usr/bin/env bash
# soak.sh — many requests through sysbind, then check that its open file descriptors and
# RSS are back to their baseline (the target: no fd or memory growth over 1,000,000
# requests).
#
#   scripts/soak.sh [BUILD]          (default build)
#   env: SOAK_REQUESTS   stop once this many requests were made after the baseline
#                        (default 1000000)
#        SOAK_SECONDS    and in any case after this long (default 900)
#        SOAK_PHASE      seconds of keep-alive load per round (default 5; the other
#                        phases take a fraction of it)
#        SOAK_RSS_SLACK  KiB the RSS may end above its baseline (default 2048)
#        SOAK_KEEP       a directory to copy the run's files to (logs, configuration)
#        FILL            clients of the fill step (default 64)
#
# Runs build/sysbind (workers = 2, access and HTTPERR logs on) in front of
# build/tests/backend, both on loopback, and repeats rounds of:
#   keep-alive   wrk, 16 connections, GET /bytes/64
#   close        wrk with Connection: close (a TLS connection per request)
#   slow backend wrk, 16 connections, GET /slow/20 (each answer 20 ms late)
#   aborts       clients that give up mid-request (curl --max-time on /slow/400) and
#                mid-response (on /bytes/50000000)
#   reload       a SIGHUP while the keep-alive phase runs (its connections, pooled
#                backend connections and requests in flight cross generations)
#   outage       the backend stopped: 50 keep-alive requests that must each get 503 (a
#                refused connection, then AppOffline once rapid-fail protection has
#                stopped the pool), the backend started again on its port, and a reload,
#                which starts the pool again (as an administrator would)
# A reload waits for the daemon's "reloaded: generation N" line.
# The baseline is taken after one warm-up round at full concurrency, with a fill step
# (fill, below) that leaves the per-thread caches full, and after its reload (the daemon
# then gives free pages back): the heap has reached its working size, whatever the
# machine's speed; "after" once every client is gone and the daemon has closed its side
# (the last round also ends with a reload).  Over the rounds after it, a run on a quiet
# machine moved RSS by less than 100 KiB: SOAK_RSS_SLACK (2 MiB) is a leak of 2 bytes a
# request over 1,000,000 requests, of 100 bytes over 20,000.
# Descriptors are counted apart from idle pooled backend connections, the daemon's
# ESTABLISHED sockets to the backend (their number varies with how the load fell on the
# workers; at most 32 per worker); a socket of the daemon's to the backend in
# CLOSE-WAIT (the backend closed it, the daemon did not) is a leak, never pooled.  A
# leaked socket the backend still holds open looks pooled: so at the end the backend is
# stopped, and the daemon, which drops an idle pooled connection at its EOF, must then
# hold no socket to it and exactly the baseline's other descriptors.  Prints the counts
# and both figures; exits 0 when fds are back exactly (and with the backend gone), no
# backend socket is left in CLOSE-WAIT, and RSS is within SOAK_RSS_SLACK; 1 otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
TARGET=${SOAK_REQUESTS:-1000000}
MAXSECS=${SOAK_SECONDS:-900}
PHASE=${SOAK_PHASE:-5}
SLACK=${SOAK_RSS_SLACK:-2048}
command -v wrk >/dev/null || "$ROOT/scripts/install-deps.sh" wrk
# a fresh Debian has no ss: without it every socket count below would read 0 and pass
command -v ss >/dev/null || "$ROOT/scripts/install-deps.sh" iproute2
command -v ss >/dev/null || { echo "soak: FAIL: no ss (iproute2) to count the daemon's sockets"; exit 1; }
[ -x "$BUILD/sysbind" ] && [ -x "$BUILD/tests/backend" ] && [ -x "$BUILD/tests/slowclient" ] ||
	make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/sysbind" "$BUILD/tests/backend" \
		"$BUILD/tests/slowclient" >/dev/null

T=$(mktemp -d /tmp/sysbind-soak.XXXXXX)
PIDS=()
# live_child PID: PID is a running child of this script.  A reaped child's PID may belong
# to another process by now (pid_max can be 32768): only live children are signalled.
live_child() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	set -- $st
	[ "${1:-}" != Z ] && [ "${2:-}" = "$$" ]
}
cleanup() {
	local p
	for p in "${PIDS[@]}"; do live_child "$p" && kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${SOAK_KEEP:-}" ] && trap 'cp -r "$T" "$SOAK_KEEP"; cleanup' EXIT
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p
	# below the ephemeral range (32768-60999): never a port a client socket holds
	while :; do p=$((10000 + RANDOM % 22000)); port_busy "$p" || { echo "$p"; return; }; done
}
wait_port() {
	local i
	for i in $(seq 1 100); do port_busy "$1" && return 0; sleep 0.05; done
	echo "soak: nothing listens on port $1" >&2; exit 1
}
if [ -z "${SB_CERTS:-}" ]; then
	SB_CERTS="$T/certs"; "$ROOT/scripts/mkcerts.sh" --demo "$SB_CERTS" >/dev/null
fi

P=$(free_port); B=$(free_port)
start_backend() {
	"$BUILD/tests/backend" --port "$B" --name soak >>"$T/backend.log" 2>&1 &
	BE=$!
	PIDS+=("$BE")
	wait_port "$B"
}
start_backend
cat >"$T/soak.ini" <<EOF
[server]
mode = iis7
workers = 2
; the session cache fills during the warm-up round (it is bounded, not a leak): what the
; rest measures is what the daemon keeps beyond it
tls_session_cache = 200
access_log = $T/access.log
httperr_log = $T/httperr.log

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/both.pem
key = $SB_CERTS/both.key

[site Soak]
id = 1
bindings = https/127.0.0.1:$P:
backend = http://127.0.0.1:$B
EOF
"$BUILD/sysbind" -c "$T/soak.ini" >"$T/sysbind.log" 2>&1 &
SB=$!
PIDS+=("$SB")
wait_port "$P"
U="https://127.0.0.1:$P"

# to_backend STATE...: how many sockets of the daemon's own (ss -p: pid=$SB) to the
# backend are in one of STATEs.
to_backend() {
	local st=() s
	for s in "$@"; do st+=(state "$s"); done
	ss -Htnp "${st[@]}" "( dport = :$B )" 2>/dev/null | grep -c "pid=$SB,"
}
# pooled: the daemon's connections to the backend, idle in its pools between requests:
# how many stay pooled depends on how the load fell on the workers (at most 32 a worker),
# so they are counted apart.  Only ESTABLISHED ones: one the backend has closed is
# dropped by the daemon at once (its EOF), so one left in CLOSE-WAIT is a leak, counted
# by closewait and among fds.  fds: every other descriptor of the daemon.
pooled() { to_backend established; }
closewait() { to_backend close-wait; }
fds() { echo $(( $(ls "/proc/$SB/fd" 2>/dev/null | wc -l) - $(pooled) )); }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SB/status" 2>/dev/null; }
# settle: wait (at most 30 s) until no client connection to the daemon is left in any
# state but TIME-WAIT, none of its backend connections is in CLOSE-WAIT, and its
# descriptor count held still for 2 s: aborted clients' connections are closed and freed
# (idle backend connections stay pooled: they are part of the baseline)
settle() {
	local i prev=-1 same=0 n c
	for i in $(seq 1 150); do
		n=$(fds)
		c=$(ss -Htn state established state close-wait state fin-wait-1 state fin-wait-2 \
			state last-ack state closing state syn-recv "( sport = :$P )" 2>/dev/null | wc -l)
		c=$((c + $(closewait)))
		if [ "$n" -eq "$prev" ] && [ "$c" -eq 0 ]; then same=$((same + 1)); else same=0; fi
		prev=$n
		[ "$same" -ge 10 ] && break
		sleep 0.2
	done
}

total=0 failed=0 n_keep=0 n_close=0 n_slow=0 n_abort=0 n_reload=0 n_outage=0
# wrk_run COUNTER ARGS...: run wrk, add its requests to COUNTER and total, errors to failed
wrk_run() {
	local var=$1 out n e
	shift
	out=$(wrk "$@" 2>&1)
	n=$(printf '%s\n' "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
	e=$(printf '%s\n' "$out" | awk '/Socket errors/ { gsub(",", ""); s += $4 + $6 + $8 + $10 }
		/Non-2xx/ { s += $5 } END { print s + 0 }')
	n=${n:-0}
	printf -v "$var" '%s' $(( ${!var} + n ))
	total=$((total + n)); failed=$((failed + e))
	[ "$e" -eq 0 ] || printf '%s\n' "$out" | grep -E 'Socket errors|Non-2xx' | sed 's/^/soak: /' >&2
}
aborts() {
	local i c=()
	for i in $(seq 1 20); do
		curl -sk -o /dev/null --max-time 0.1 "$U/slow/400" &
		c+=($!)
		curl -sk -o /dev/null --max-time 0.1 "$U/bytes/50000000" &
		c+=($!)
	done
	for i in "${c[@]}"; do wait "$i" 2>/dev/null; done
	n_abort=$((n_abort + 40)); total=$((total + 40))
}
# reload: SIGHUP the daemon half a second from now (while the next phase runs), in the
# background; reloaded waits (at most 20 s) for its "reloaded: generation N" log line
reload() {
	( sleep 0.5; live_child "$SB" && kill -HUP "$SB" ) &
	HUP=$!
}
reloaded() {
	local i
	[ -z "$HUP" ] || wait "$HUP"
	n_reload=$((n_reload + 1))
	for i in $(seq 1 200); do
		[ "$(grep -c 'reloaded: generation' "$T/sysbind.log")" -ge "$n_reload" ] && return
		sleep 0.1
	done
	echo "soak: reload $n_reload: no \"reloaded\" line from the daemon" >&2
	failed=$((failed + 1))
}
# outage: stop the backend; 50 requests on one keep-alive connection must each get 503
# (any other answer counts as failed); start the backend again on its port, and reload
# (rapid-fail protection has stopped the pool: a reload starts it)
outage() {
	local codes bad i
	kill -TERM "$BE"; wait "$BE"
	codes=$(curl -sk -w '%{http_code}\n' $(for i in $(seq 1 50); do echo "-o /dev/null $U/bytes/64"; done))
	bad=$(printf '%s\n' "$codes" | grep -vc '^503$')
	n_outage=$((n_outage + 50)); total=$((total + 50))
	[ "$bad" -eq 0 ] || { echo "soak: outage: $bad of 50 answers not 503" >&2; failed=$((failed + bad)); }
	start_backend
	HUP=; kill -HUP "$SB"; reloaded
}
# fill: FILL (64) clients at once ask for 50 MB and read none of it; once the daemon has
# stopped reading each one's backend connection (its queue for that client at the high-water
# mark, 256 KiB and a read, 16 KiB blocks), they are killed.  The per-thread block caches
# (base/objcache: at most 256 blocks, 4 MiB, a worker) are full after it: how full the
# rounds' aborted responses left them depended on timing (the machine's speed), and a cache
# that filled after the baseline looked like growth.  The pages the blocks beyond the caches
# leave free are given back by the outage's reload (the daemon trims after a reload).
# (The caches now give back each second what nobody asked for, and trimmed runs before
# both measurements: the fill stays as the load that fills them most.)
fill() {
	local i c=() k n same=0 f=${FILL:-64}
	for i in $(seq 1 "$f"); do
		"$BUILD/tests/slowclient" --port "$P" --tls --no-read --max-time 60 \
			--request 'GET /bytes/50000000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >/dev/null 2>&1 &
		c+=($!)
	done
	# wait (at most 30 s) until, for 1 s, each of f backend connections has data the daemon
	# leaves unread (Recv-Q > 0)
	for k in $(seq 1 150); do
		n=$(ss -Htnp state established "( dport = :$B )" 2>/dev/null | grep "pid=$SB," | awk '$1 > 0' | wc -l)
		if [ "$n" -ge "$f" ]; then same=$((same + 1)); else same=0; fi
		[ "$same" -ge 5 ] && break
		sleep 0.2
	done
	[ "$same" -ge 5 ] || echo "soak: fill: only $n of $f responses held back by the daemon" >&2
	echo "soak: fill: $n responses held, $(rss) KiB RSS" >&2
	for i in "${c[@]}"; do live_child "$i" && kill "$i" 2>/dev/null; done
	for i in "${c[@]}"; do wait "$i" 2>/dev/null; done
	settle
}
# trimmed: the memory a measurement reads is the live objects', whatever the last load
# left: the per-thread caches give back what nobody asked for each second (base/objcache:
# two of its trims, with no load, empty them), then a reload trims the heap (the daemon
# calls malloc_trim once every worker serves the new generation).  Used before the
# baseline and before "after" alike, so neither holds what the other has given back.
trimmed() {
	sleep 2.5
	HUP=; kill -HUP "$SB"; reloaded
}
round() {
	reload
	wrk_run n_keep -t1 -c16 -d"${PHASE}s" "$U/bytes/64"
	reloaded
	wrk_run n_close -t1 -c8 -d"$(( (PHASE + 2) / 3 ))s" -H 'Connection: close' "$U/bytes/64"
	wrk_run n_slow -t1 -c16 -d"$(( (PHASE + 2) / 3 ))s" "$U/slow/20"
	aborts
	[ "${1:-}" != warm-up ] || fill
	outage
}

start=$(date +%s)
round warm-up               # warm-up round, counted
settle; trimmed
base_fds=$(fds); base_rss=$(rss); base_pool=$(pooled); base_cw=$(closewait); base_total=$total
echo "soak: baseline after the warm-up round: $base_fds fds, $base_rss KiB RSS ($total requests)"
while :; do                 # at least one round after the baseline
	round
	echo "soak: $total requests ($(( $(date +%s) - start )) s; now $(fds) fds, $(rss) KiB)"
	[ $((total - base_total)) -lt "$TARGET" ] && [ $(( $(date +%s) - start )) -lt "$MAXSECS" ] || break
done
settle; trimmed
after_fds=$(fds); after_rss=$(rss); after_pool=$(pooled); after_cw=$(closewait)
# the backend goes: the daemon drops each pooled connection at its EOF; a leaked socket
# stays, in CLOSE-WAIT (wait at most 10 s for the daemon to hold none)
gone_fds=-1 gone_left=-1
if live_child "$BE"; then
	kill -TERM "$BE"; wait "$BE"
	for i in $(seq 1 100); do
		gone_left=$(to_backend all)
		[ "$gone_left" -eq 0 ] && break
		sleep 0.1
	done
	gone_fds=$(fds)
fi
echo "soak: $total requests: keep-alive $n_keep, close $n_close, slow backend $n_slow, aborted $n_abort, during outages $n_outage; $n_reload reloads; $failed failed"
echo "soak: $((total - base_total)) requests after the baseline"
echo "soak: fds  baseline $base_fds  after $after_fds"
echo "soak: pooled backend connections  baseline $base_pool  after $after_pool  (at most 64)"
echo "soak: backend connections in CLOSE-WAIT  baseline $base_cw  after $after_cw  (none allowed)"
echo "soak: the backend stopped: $gone_left socket(s) to it left, fds $gone_fds  (none; the baseline $base_fds)"
echo "soak: RSS  baseline $base_rss KiB  after $after_rss KiB  (allowed +$SLACK KiB)"
rc=0
if ! live_child "$SB"; then
	wait "$SB"; st=$?
	echo "soak: FAIL: the daemon died (exit status $st); its log ends:"
	tail -n 5 "$T/sysbind.log" | sed 's/^/soak:   /'
	exit 1
fi
[ $((total - base_total)) -ge "$TARGET" ] ||
	{ echo "soak: FAIL: only $((total - base_total)) of $TARGET requests after the baseline in ${MAXSECS}s"; rc=1; }
[ "$failed" -eq 0 ] || { echo "soak: FAIL: $failed failed requests"; rc=1; }
[ "$after_fds" -eq "$base_fds" ] || { echo "soak: FAIL: descriptors changed"; rc=1; }
[ "$after_pool" -le 64 ] || { echo "soak: FAIL: more pooled backend connections than the pools hold"; rc=1; }
[ "$base_cw" -eq 0 ] && [ "$after_cw" -eq 0 ] ||
	{ echo "soak: FAIL: backend connections left in CLOSE-WAIT (closed by the backend, not by the daemon)"; rc=1; }
[ "$gone_left" -eq 0 ] || { echo "soak: FAIL: sockets to the stopped backend left open"; rc=1; }
[ "$gone_fds" -eq "$base_fds" ] || { echo "soak: FAIL: descriptors with the backend gone differ from the baseline"; rc=1; }
[ "$after_rss" -le $((base_rss + SLACK)) ] || { echo "soak: FAIL: RSS grew"; rc=1; }
kill -TERM "$SB"; wait "$SB"; st=$?
[ "$st" -eq 0 ] || { echo "soak: FAIL: the daemon exited $st"; rc=1; }
[ "$rc" -eq 0 ] && echo "soak: PASS"
exit "$rc"
