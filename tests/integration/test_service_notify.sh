#!/usr/bin/env bash
# The systemd readiness protocol (Type=notify, issue 10), against a NOTIFY_SOCKET this test
# listens on (build/tests/notifysock, which prints each message with the sender's pid and,
# on READY=1, probes ports with a plain HTTP request at that very moment):
#   start:    STATUS=starting, then READY=1 with STATUS= naming sites, listeners and
#             workers; at READY=1 the listeners already answer;
#   SIGHUP:   RELOADING=1 (with MONOTONIC_USEC) then READY=1 once the new generation
#             serves (a listener the reload adds answers at that READY=1);
#   bad HUP:  RELOADING=1 then READY=1 with the file:line failure in STATUS=, the old
#             configuration still serving;
#   SIGTERM:  STOPPING=1, exit 0;
# and the exact sequence of messages, all from the daemon's own pid; a configuration that
# does not load: STATUS=failed with the error, no READY=1, exit 2; a NOTIFY_SOCKET nobody
# listens on: one warning, and the daemon serves.
. "$(dirname "$0")/lib.sh"

NS="$SB_BUILD/tests/notifysock"
P=$(free_port); H=$(free_port); H2=$(free_port)

# wait_msgs FILE N [SECONDS]: wait until FILE holds N "msg " lines (at most SECONDS, 10).
wait_msgs() {
	local i
	for i in $(seq 1 $(( ${3:-10} * 20 ))); do
		[ "$(grep -c '^msg ' "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# nth_msg FILE N: the Nth message, without "msg pid=... ".
nth_msg() { grep '^msg ' "$1" | sed -n "${2}p" | sed 's/^msg pid=[0-9-]* //'; }
# ns_start FILE PROBE-PORTS...: start notifysock writing to FILE; sets NS_SOCK, NS_PID.
ns_start() {
	local out=$1 i; shift
	local args=()
	for i in "$@"; do args+=(--probe "$i"); done
	NS_SOCK="$T/notify-$RANDOM.sock"
	"$NS" --socket "$NS_SOCK" "${args[@]}" --timeout 120 >"$out" 2>&1 &
	NS_PID=$!; _pids+=("$NS_PID")
	for i in $(seq 1 200); do grep -q '^listening ' "$out" 2>/dev/null && return 0; sleep 0.05; done
	not_ok "notifysock listens" "$(cat "$out")"; return 1
}

conf() {   # conf EXTRA-BINDING
	cat <<EOF
[server]
mode = iis7
workers = 2
access_log = off

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site One]
id = 1
bindings = https/127.0.0.1:$P:sitev1.mysite.com, http/127.0.0.1:$H:$1

[site Two]
id = 2
bindings = https/127.0.0.1:$P:sitev2.mysite.com
EOF
}
conf "" >"$T/svc.ini"

# --- start
ns_start "$T/msgs" "$H" "$H2" || { finish; exit; }
NOTIFY_SOCKET="$NS_SOCK" "$SB_BIN" -c "$T/svc.ini" >"$T/sysbind.log" 2>&1 &
SB_PID=$!; _pids+=("$SB_PID")
if ! wait_msgs "$T/msgs" 2; then not_ok "two messages at start" "$(cat "$T/msgs")"; finish; exit; fi
expect_eq "the first message says what is loading" "$(nth_msg "$T/msgs" 1)" \
	"STATUS=starting: loading $T/svc.ini"
expect_eq "then READY=1 with sites, listeners and workers in STATUS=" "$(nth_msg "$T/msgs" 2)" \
	"READY=1|STATUS=serving 2 site(s) on 2 listener(s) with 2 worker(s) (mode iis7, generation 1)"
# the probes ran right after READY=1 was received, before anything else was read
expect_eq "at READY=1 the http listener already answers (probed at once)" \
	"$(grep -A2 '^msg .*READY=1' "$T/msgs" | sed -n 2p)" "probe $H HTTP/1.1 200 OK"
expect_eq "... and a port the configuration does not name refuses" \
	"$(grep -A2 '^msg .*READY=1' "$T/msgs" | sed -n 3p)" "probe $H2 connect: Connection refused"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$SB_CERTS/ca.pem" \
	--resolve "sitev1.mysite.com:$P:127.0.0.1" "https://sitev1.mysite.com:$P/")
expect_eq "... and so does https" "$code" "200"

# --- a reload that adds a listener
sed "s|http/127.0.0.1:$H:|http/127.0.0.1:$H:, http/127.0.0.1:$H2:|" "$T/svc.ini" >"$T/svc.new"
mv "$T/svc.new" "$T/svc.ini"
kill -HUP "$SB_PID"
if ! wait_msgs "$T/msgs" 4; then not_ok "two messages at SIGHUP" "$(cat "$T/msgs")"; finish; exit; fi
m3=$(nth_msg "$T/msgs" 3)
if [[ "$m3" =~ ^RELOADING=1\|MONOTONIC_USEC=[1-9][0-9]*\|STATUS=reloading\ $T/svc.ini$ ]]; then
	ok "SIGHUP: RELOADING=1 with MONOTONIC_USEC and STATUS="
else
	not_ok "SIGHUP: RELOADING=1 with MONOTONIC_USEC and STATUS=" "got [$m3]"
fi
expect_eq "... then READY=1 once generation 2 serves, with the new listener counted" \
	"$(nth_msg "$T/msgs" 4)" \
	"READY=1|STATUS=serving 2 site(s) on 3 listener(s) with 2 worker(s) (mode iis7, generation 2)"
expect_eq "... and at that READY=1 the listener the reload added answers" \
	"$(grep -A2 '^msg .*READY=1' "$T/msgs" | grep "^probe $H2" | sed -n 2p)" "probe $H2 HTTP/1.1 200 OK"

# --- a reload that fails
printf '[server]\nmode = iis9\n' >"$T/svc.ini"
kill -HUP "$SB_PID"
if ! wait_msgs "$T/msgs" 6; then not_ok "two messages at a bad SIGHUP" "$(cat "$T/msgs")"; finish; exit; fi
expect_contains "a refused reload: RELOADING=1 first" "$(nth_msg "$T/msgs" 5)" "RELOADING=1|MONOTONIC_USEC="
expect_eq "... then READY=1 with the failure, file:line, and what still serves" "$(nth_msg "$T/msgs" 6)" \
	"READY=1|STATUS=reload failed, still serving 2 site(s) on 3 listener(s) with 2 worker(s) (mode iis7, generation 2): $T/svc.ini:2: mode must be iis7 or iis8, not \"iis9\""
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H2/")
expect_eq "... and the old configuration still answers" "$code" "200"

# --- stop
kill -TERM "$SB_PID"; wait "$SB_PID"; rc=$?
expect_eq "SIGTERM: exit 0" "$rc" "0"
wait_msgs "$T/msgs" 7 2
m7=$(nth_msg "$T/msgs" 7)
# (curl's last connection may not be closed yet on the daemon's side: the count may be 1)
if [[ "$m7" =~ ^STOPPING=1\|STATUS=stopping\ on\ Terminated:\ [0-9]+\ connection\(s\)\ open,\ finishing\ requests\ in\ flight\ for\ up\ to\ 10\ s$ ]]; then
	ok "... after STOPPING=1, with the connections still open in STATUS="
else
	not_ok "... after STOPPING=1, with the connections still open in STATUS=" "got [$m7]"
fi
expect_eq "the whole sequence, in order" \
	"$(grep '^msg ' "$T/msgs" | sed 's/^msg pid=[0-9-]* //; s/|.*//; s/=.*//' | tr '\n' ' ')" \
	"STATUS READY RELOADING READY RELOADING READY STOPPING "
expect_eq "every message came from the daemon's own pid (NotifyAccess=main)" \
	"$(grep '^msg ' "$T/msgs" | sed 's/^msg pid=\([0-9-]*\) .*/\1/' | sort -u)" "$SB_PID"
kill "$NS_PID" 2>/dev/null; wait "$NS_PID" 2>/dev/null

# --- a configuration that does not load
ns_start "$T/msgs-bad" || { finish; exit; }
printf '[server]\nworkers = many\n' >"$T/bad.ini"
NOTIFY_SOCKET="$NS_SOCK" "$SB_BIN" -c "$T/bad.ini" >"$T/bad.log" 2>&1; rc=$?
expect_eq "an invalid configuration: exit 2" "$rc" "2"
wait_msgs "$T/msgs-bad" 2 5
expect_eq "... STATUS=failed with the file:line error" "$(nth_msg "$T/msgs-bad" 2)" \
	"STATUS=failed: $T/bad.ini:2: workers must be auto or a number from 1 to 64, not \"many\""
expect_eq "... and never READY=1" "$(grep -c 'READY=1' "$T/msgs-bad")" "0"
kill "$NS_PID" 2>/dev/null; wait "$NS_PID" 2>/dev/null

# --- nobody listens on NOTIFY_SOCKET
conf "" >"$T/svc.ini"
NOTIFY_SOCKET="$T/nobody.sock" sb_start "$T/svc.ini" "$H" nobody || { finish; exit; }
kill -HUP "$SB_PID"
# RELOADING=1 is sent before this line: three messages tried by then (STATUS, READY, RELOADING)
expect_log "a NOTIFY_SOCKET nobody listens on: SIGHUP still reloads" "$T/nobody.log" \
	"info: reloaded: generation 2 serving"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H/")
expect_eq "a NOTIFY_SOCKET nobody listens on: the daemon serves" "$code" "200"
expect_eq "... and warns once, not at every message" \
	"$(grep -c 'cannot notify the service manager' "$T/nobody.log")" "1"
sb_stop >"$T/stop.rc"
expect_eq "... and stops with 0" "$(cat "$T/stop.rc")" "0"
finish
