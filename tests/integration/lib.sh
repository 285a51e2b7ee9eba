# Shared helpers for integration tests: source it first.  Each test file calls the expect_*
# helpers (or ok / not_ok / skip) and ends with `finish`, whose last line is
# "N passed, N failed, N skipped" (run.sh adds those up).  Everything runs on 127.0.0.1 /
# ::1 on free ports, in a temp dir removed at exit; on failure the daemon's and backends'
# logs are printed.  Tests wait for an event (a port, a log line, a file's content) with
# the wait_* helpers below, never for a fixed time.
set -u
SB_ROOT=${SB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SB_BUILD=${SB_BUILD:-$SB_ROOT/build}
SB_BIN="$SB_BUILD/sysbind"
T=$(mktemp -d /tmp/sysbind-it.XXXXXX)
if [ -z "${SB_CERTS:-}" ]; then
	SB_CERTS="$T/certs"; "$SB_ROOT/scripts/mkcerts.sh" --demo "$SB_CERTS" >/dev/null
fi
_pass=0 _fail=0 _skip=0 _pids=()

# our_child PID: PID is a live child of this shell.  A recorded PID whose process has
# exited and been reaped may since have been given to anybody's process (pid_max can be
# as low as 32768, with other test runs on the machine): never signal it.
our_child() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	set -- $st   # state, ppid, ...
	[ "${1:-}" != Z ] && [ "${2:-}" = "$$" ]
}

# _sanitizer_logs: print what a sanitizer build wrote into the logs of $T (UBSan, built in
# with ASan, writes to stderr whatever UBSAN_OPTIONS' log_path says), so that run.sh, which
# fails a file whose output holds a report, sees it after the logs are gone.
_sanitizer_logs() {
	local f re='ERROR: (Address|Leak)Sanitizer|runtime error:'
	for f in "$T"/*.log; do
		[ -e "$f" ] && grep -qE "$re" "$f" || continue
		echo "# sanitizer report in $(basename "$f"):"
		grep -E -A 20 "$re" "$f" | head -n 60 | sed 's/^/#   /'
	done
}

_cleanup() {
	local p
	for p in "${_pids[@]}"; do our_child "$p" && kill "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
	_sanitizer_logs
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
# skip NAME REASON: a check that cannot run here.  Printed TAP's way, "ok - NAME # SKIP
# REASON", and counted apart from the passes, so a skip is never mistaken for one.
skip()   { echo "ok - $1 # SKIP ${2:-}"; _skip=$((_skip + 1)); }

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

# port_free PORT: 0 when PORT can be bound, without SO_REUSEADDR, on every address the
# tests use: 0.0.0.0 (which no socket on 127.0.0.1-7 or any other IPv4 address may hold,
# listening, connected or in TIME-WAIT) and [::] (likewise ::1; skipped on a machine
# without IPv6).  A bind test, not a connect: a daemon listening on 127.0.0.5 or [::1]
# does not answer on 127.0.0.1, and a port held but not listening refuses connections.
port_free() {
	python3 -c '
import socket, sys
port = int(sys.argv[1])
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
    except OSError:
        if fam == socket.AF_INET6:
            continue        # no IPv6 here: no test binds it
        raise
    try:
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
' "$1" 2>/dev/null
}

# free_port: print a TCP port free on every address (port_free) and not handed out before
# in this test file (remembered in a file: free_port runs in $(...), a subshell), below the
# kernel's ephemeral range (32768-60999): a client socket, or its TIME-WAIT left by an
# earlier test, holding the port would make the daemon's bind fail even with SO_REUSEADDR.
free_port() {
	local p i
	if ! command -v python3 >/dev/null; then
		# (make test installs it: TEST_DEPS) -- a port handed out untested would be a lie
		echo "free_port: python3 is missing (scripts/install-deps.sh python3)" >&2
		return 1
	fi
	for i in $(seq 1 200); do
		p=$((10000 + RANDOM % 22000))
		grep -qx "$p" "$T/ports.given" 2>/dev/null && continue
		port_free "$p" || continue
		echo "$p" >>"$T/ports.given"; echo "$p"; return 0
	done
	return 1
}

# wait_port PORT [HOST] [SECONDS]: wait until something listens.
wait_port() { wait_for -t "${3:-10}" port_busy "$1" "${2:-127.0.0.1}"; }

# sb_start CONF PORT [NAME]: start the daemon on CONF in the background, logging to
# $T/NAME.log (default sysbind), and wait (10 s at most) until it has started: its log
# holds its readiness line, "sysbind serving ...", which it writes once every listener is
# bound and listening (the line before sd_notify's READY=1), it still runs, and PORT
# answers on 127.0.0.1.  Something else listening on PORT is not a start: a daemon whose
# bind failed exits 1 without the line.  On failure a failed check says why (its exit
# status when it died) and the logs are shown; returns 1.  Sets SB_PID.
SB_READY="info: sysbind serving "
# _sb_running PID: PID runs (not a zombie) and is a child of this shell (or subshell).
_sb_running() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	set -- $st
	[ "${1:-}" != Z ] && [ "${2:-}" = "$BASHPID" ]
}
# _sb_up PID LOG: the daemon has written its readiness line, or has died.
_sb_up() { grep -qF -- "$SB_READY" "$2" 2>/dev/null || ! _sb_running "$1"; }
sb_start() {
	local name=${3:-sysbind} st
	"$SB_BIN" -c "$1" >"$T/$name.log" 2>&1 &
	SB_PID=$!; _pids+=("$SB_PID")
	if ! wait_for -t 10 _sb_up "$SB_PID" "$T/$name.log"; then
		not_ok "sysbind starts on $1" "no readiness line ($SB_READY) within 10 s"; return 1
	fi
	if ! _sb_running "$SB_PID"; then
		wait "$SB_PID" 2>/dev/null; st=$?
		not_ok "sysbind starts on $1" "it exited with status $st during its start ($name.log below)"
		return 1
	fi
	# the listeners listen before the readiness line; a loaded machine has been seen to
	# refuse the first connect right after it (once in many runs), so a few seconds' grace
	if ! wait_for -t 5 port_busy "$2"; then
		not_ok "sysbind starts on $1" "it says it serves, but nothing answers on 127.0.0.1:$2"; return 1
	fi
}

# sb_stop: SIGTERM the daemon started last (if it still runs) and wait for it; prints its
# exit status.
sb_stop() {
	our_child "$SB_PID" && kill -TERM "$SB_PID" 2>/dev/null
	wait "$SB_PID" 2>/dev/null; echo $?
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
	echo "$_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" -eq 0 ]
}

# need_python_h2: make sure /usr/bin/python3 imports Debian's python3-h2 family (h2,
# hpack, hyperframe: what tests/tools/h2attack.py speaks HTTP/2 with), installing it with
# scripts/install-deps.sh on first use.  Returns 1, with a failed check saying why, when it
# cannot be installed.
need_python_h2() {
	/usr/bin/python3 -c 'import h2, hpack, hyperframe' 2>/dev/null && return 0
	echo "# installing python3-h2 (once)"
	if ! "$SB_ROOT/scripts/install-deps.sh" python3-h2 >"$T/install-python3-h2.log" 2>&1 ||
		! /usr/bin/python3 -c 'import h2, hpack, hyperframe' 2>/dev/null; then
		not_ok "python3-h2 installs (scripts/install-deps.sh python3-h2)" "$(tail -n 5 "$T/install-python3-h2.log")"
		return 1
	fi
}

# need_tool COMMAND PACKAGE: make sure COMMAND exists, installing Debian's PACKAGE with
# scripts/install-deps.sh on first use (as `make` installs the build's packages).  Returns
# 1, with a failed check saying why, when it cannot be installed.
need_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "# installing $2 (once)"
	if ! "$SB_ROOT/scripts/install-deps.sh" "$2" >"$T/install-$2.log" 2>&1 ||
		! command -v "$1" >/dev/null 2>&1; then
		not_ok "$2 installs (scripts/install-deps.sh $2)" "$(tail -n 5 "$T/install-$2.log")"
		return 1
	fi
}

# ---- waiting for an event, never for a fixed time ----

# _now_ms: milliseconds since the epoch, without a fork.
_now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t / 1000)); }

# wait_for [-t SECONDS] CMD [ARG...]: run CMD every 50 ms until it succeeds.  Returns 0 as
# soon as it does, 1 when it has not within SECONDS (default 10; integer).
wait_for() {
	local secs=10 end
	if [ "${1:-}" = "-t" ]; then secs=$2; shift 2; fi
	end=$(( $(_now_ms) + secs * 1000 ))
	while :; do
		"$@" && return 0
		[ "$(_now_ms)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# wait_log FILE TEXT [SECONDS]: wait until FILE (perhaps not created yet) holds TEXT, a
# fixed string.
wait_log() { wait_for -t "${3:-10}" grep -qF -- "$2" "$1" 2>/dev/null; }

# expect_log NAME FILE TEXT [SECONDS]: a check that FILE comes to hold TEXT within SECONDS.
expect_log() {
	if wait_log "$2" "$3" "${4:-10}"; then ok "$1"; else
		not_ok "$1" "[$3] never appeared in $(basename "$2"); it ends: $(tail -n 5 "$2" 2>/dev/null | head -c 600)"; fi
}

# log_mark FILE, then log_next FILE [SECONDS]: the first record FILE gained after the mark
# (a whole line, not a W3C "#" directive), as soon as it is written.  Prints nothing and
# returns 1 when none came within SECONDS (default 10).
declare -A _marks=()
_lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }
_next_record() {   # FILE MARK: print the first whole non-# line after line MARK
	local n; n=$(_lines "$1")
	[ "$n" -gt "$2" ] || return 1
	sed -n "$(( $2 + 1 )),${n}p" "$1" | grep -m 1 -v '^#'
}
log_mark() { _marks[$1]=$(_lines "$1"); }
log_next() { wait_for -t "${2:-10}" _next_record "$1" "${_marks[$1]:-0}"; }

# sock_count PID: how many sockets PID holds open (listeners, clients, backends).
sock_count() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
# sock_count_is PID N: PID holds exactly N sockets (for wait_for).
sock_count_is() { [ "$(sock_count "$1")" -eq "$2" ]; }

# ---- helpers for the daemon tests (test_daemon_*.sh) ----

# be_start PORT NAME: start build/tests/backend on 127.0.0.1:PORT answering as NAME,
# logging to $T/backend-NAME.log; waits for the port.  Sets BE_PID.
be_start() {
	"$SB_BUILD/tests/backend" --port "$1" --name "$2" >"$T/backend-$2.log" 2>&1 &
	BE_PID=$!; _pids+=("$BE_PID")
	if ! wait_port "$1"; then not_ok "backend $2 starts" "port $1 never opened"; return 1; fi
}

# be_accepted PORT: how many connections the backend on PORT has accepted so far
# (the /stats request itself included).
be_accepted() {
	curl -s "http://127.0.0.1:$1/stats" | sed -n 's/.*"accepted":\([0-9]*\).*/\1/p'
}
# be_requests PORT: how many requests the backend on PORT has received so far (this
# /stats request included).
be_requests() {
	curl -s "http://127.0.0.1:$1/stats" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p'
}
# be_wait_requests PORT BASE N: wait (10 s at most) until the backend on PORT has received
# N requests beyond BASE (an earlier be_requests), its own /stats probes not counted: the
# way to know a request is in flight at the backend.
be_wait_requests() {
	local probes=0 r end=$(( $(_now_ms) + 10000 ))
	while :; do
		r=$(be_requests "$1"); probes=$((probes + 1))
		[ -n "$r" ] && [ $((r - $2 - probes)) -ge "$3" ] && return 0
		[ "$(_now_ms)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# be_sync PORT: one request straight to the backend on PORT (not through sysbind, so no
# backend connection gets pooled by it), answered 204; prints the status line.  The
# backend, one event loop, answers only after it has read and recorded every byte already
# sent to it on any connection: afterwards its --record file holds what sysbind forwarded
# before, followed by the bytes of be_sync_req PORT.  The way to check "nothing forwarded".
be_sync_req() { printf 'GET /status/204?sync HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1"; }
be_sync() {
	be_sync_req "$1" >"$T/sync.req"
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&3; cat <&3' _ "$1" "$T/sync.req" |
		head -n 1 | tr -d '\r'
}

# rss_kb PID: the resident set size of PID in KiB (0 when gone).
rss_kb() {
	awk '/^VmRSS:/ { print $2; f=1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# rss_watch PID FILE: sample rss_kb every 50 ms into FILE until killed (the sleep is the
# sampling period, not a wait).  Sets RSS_PID.
rss_watch() {
	( while kill -0 "$1" 2>/dev/null; do rss_kb "$1"; sleep 0.05; done ) >"$2" &
	RSS_PID=$!; _pids+=("$RSS_PID")
}

# max_of FILE: the largest number in FILE (one per line).
max_of() { sort -n "$1" | tail -n 1; }

# raw_http PORT TEXT: send TEXT (printf format, e.g. with \r\n) to 127.0.0.1:PORT over plain
# TCP and print everything the server sends until it closes (at most 10 s).
raw_http() {
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "$2" >&3; cat <&3' _ "$1" "$2"
}

# raw_https PORT SNI|- TEXT: the same over TLS (openssl s_client), without certificate
# checks; prints only what the server sent after the handshake.
raw_https() {
	local sni=()
	[ "$2" != "-" ] && sni=(-servername "$2") || sni=(-noservername)
	printf "$3" | timeout 10 openssl s_client -connect "127.0.0.1:$1" "${sni[@]}" -quiet \
		-ign_eof 2>/dev/null
}

# no_date: drop the value of a Date header (for byte-exact comparisons).
no_date() { sed -e 's/^Date: .*\r$/Date: X\r/'; }
