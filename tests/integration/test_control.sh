#!/usr/bin/env bash
# test_control.sh — `sysbind -s reload|reopen|stop|quit [-c FILE]`: the daemon of FILE
# found through its pid file and signalled, nobody else.  A reload changes what a request
# gets; a reopen reopens the logs (its log line, and lines go on into a rotated-away
# file's successor); a stop exits the daemon 0 and removes the pid file; a missing or
# stale pid file (a dead pid, a live process that is not sysbind) is refused with a
# message and exit 1, and a configuration the daemon would refuse is not sent (exit 2);
# with two daemons on two configurations, -s reload -c A reaches A only; the default pid
# file of a configuration that names none.
. "$(dirname "$0")/lib.sh"

# run ARGS...: run sysbind, stdout in $out, stderr in $err, status in $rc.
run() {
	"$SB_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# conf NAME HTTPPORT BACKENDPORT [PIDLINE]: a configuration proxying to that backend.
conf() {
	cat >"$T/$1.ini" <<EOF2
[server]
mode = iis8
access_log = $T/$1-access.log
${4-pid_file = $T/$1.pid}

[site $1]
id = 1
bindings = http/127.0.0.1:$2:
backend = http://127.0.0.1:$3
EOF2
}
# who PORT: the X-Backend of a request to the daemon on PORT.
who() { curl -s -D - -o /dev/null "http://127.0.0.1:$1/" | tr -d '\r' | sed -n 's/^X-Backend: //p'; }

PA=$(free_port); PB=$(free_port); B1=$(free_port); B2=$(free_port)
be_start "$B1" one || { finish; exit; }
be_start "$B2" two || { finish; exit; }
conf A "$PA" "$B1"
conf B "$PB" "$B1"
sb_start "$T/A.ini" "$PA" A || { finish; exit; }
A_PID=$SB_PID
sb_start "$T/B.ini" "$PB" B || { finish; exit; }
B_PID=$SB_PID
expect_eq "A's pid file holds A's pid" "$(cat "$T/A.pid" 2>/dev/null)" "$A_PID"
expect_eq "A proxies to backend one" "$(who "$PA")" "one"

# --- reload: only A's daemon
conf A "$PA" "$B2"
conf B "$PB" "$B2"
log_mark "$T/A.log"; log_mark "$T/B.log"
run -s reload -c "$T/A.ini"
expect_eq "-s reload -c A exits 0" "$rc" 0
expect_eq "... silently" "$out$err" ""
expect_log "... A reloads" "$T/A.log" "reloaded: generation 2 serving new connections"
expect_eq "... and a request to A now gets backend two" "$(who "$PA")" "two"
expect_eq "B was not signalled: it still proxies to backend one" "$(who "$PB")" "one"
expect_eq "... and logged no reload" "$(grep -c 'SIGHUP' "$T/B.log")" "0"

# --- reopen
mv "$T/A-access.log" "$T/A-access.log.1"
run -s reopen -c "$T/A.ini"
expect_eq "-s reopen exits 0" "$rc" 0
expect_log "... A reopens its log" "$T/A.log" "SIGUSR1: 1 log file(s) reopened"
who "$PA" >/dev/null
wait_for test -s "$T/A-access.log" || true
expect_eq "... and writes the next request's line into a new file" \
	"$(grep -vc '^#' "$T/A-access.log" 2>/dev/null)" "1"

# --- a configuration the daemon would refuse is not sent for a reload
cp "$T/A.ini" "$T/A.good"
printf 'bogus_key = 1\n' >>"$T/A.ini"
run -s reload -c "$T/A.ini"
expect_eq "-s reload on an invalid file exits 2" "$rc" 2
expect_contains "... names the error with its line" "$err" "A.ini:"
expect_contains "... and says nothing was sent" "$err" "-s reload not sent"
cp "$T/A.good" "$T/A.ini"

# --- stop and quit: each exits its own daemon 0, the pid file removed
run -s stop -c "$T/A.ini"
expect_eq "-s stop exits 0" "$rc" 0
wait "$A_PID"; st=$?
expect_eq "... the daemon A exits 0" "$st" 0
expect_eq "... and removed its pid file" "$(ls "$T/A.pid" 2>&1 >/dev/null | grep -c 'No such')" "1"
if kill -0 "$B_PID" 2>/dev/null; then ok "... B still runs"; else not_ok "... B still runs"; fi
run -s quit -c "$T/B.ini"
expect_eq "-s quit exits 0" "$rc" 0
wait "$B_PID"; st=$?
expect_eq "... the daemon B exits 0" "$st" 0

# --- nobody to signal
run -s reload -c "$T/A.ini"
expect_eq "no pid file: exit 1" "$rc" 1
expect_eq "... with one line naming it" "$err" \
	"sysbind: -s reload: $T/A.pid: no such file: the daemon of this configuration is not running (or it was started with another configuration)"
sleep 0 & dead=$!; wait "$dead"
echo "$dead" >"$T/A.pid"
run -s stop -c "$T/A.ini"
expect_eq "a pid file naming a dead process: exit 1" "$rc" 1
expect_contains "... called stale" "$err" "stale: process $dead is not running"
sleep 30 & other=$!; _pids+=("$other")
echo "$other" >"$T/A.pid"
run -s stop -c "$T/A.ini"
expect_eq "a pid file naming a live process that is not sysbind: exit 1" "$rc" 1
expect_contains "... not signalled" "$err" "process $other is \"sleep\", not sysbind (not signalled"
if kill -0 "$other" 2>/dev/null; then ok "... and the process still runs"; else not_ok "... and the process still runs"; fi
rm -f "$T/A.pid"

# --- two daemons cannot share a pid_file the configuration names
conf C "$(free_port)" "$B1" "pid_file = $T/B.pid"
sb_start "$T/B.ini" "$PB" B2 || { finish; exit; }
"$SB_BIN" -c "$T/C.ini" >"$T/C.log" 2>&1; st=$?
expect_eq "a second daemon on the first's pid_file does not start" "$st" 1
expect_contains "... and says whose it is" "$(cat "$T/C.log")" "sysbind (pid $SB_PID) is running with it"
expect_eq "... the first keeps its pid file" "$(cat "$T/B.pid")" "$SB_PID"
expect_eq "... and serves" "$(who "$PB")" "two"
"$SB_BIN" -s stop -c "$T/B.ini"; wait "$SB_PID"; st=$?
expect_eq "... until -s stop -c B stops it: exit 0" "$st" 0

# --- no pid_file: the default (for root /run/sysbind/NAME.pid, shared by every test run on
# this machine whose configuration has that name: only the non-root default is tried, as
# nobody)
user_run=(none)
if [ "$(id -u)" -ne 0 ]; then
	user_run=()
elif command -v setpriv >/dev/null; then
	user_run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ "${user_run[*]}" != none ]; then
	mkdir -p "$T/u"; chmod 0777 "$T/u"; chmod 0755 "$T"
	PU=$(free_port)
	conf u/D "$PU" "$B1" ""
	chmod 0644 "$T/u/D.ini"
	"${user_run[@]}" "$SB_BIN" -c "$T/u/D.ini" >"$T/D.log" 2>&1 &
	D_PID=$!; _pids+=("$D_PID")
	if wait_port "$PU" && wait_for test -s "$T/u/D.pid"; then
		expect_eq "no pid_file: the default is FILE.pid beside the configuration" \
			"$(cat "$T/u/D.pid")" "$D_PID"
		"${user_run[@]}" "$SB_BIN" -s stop -c "$T/u/D.ini" >"$T/out" 2>&1; rc=$?
		expect_eq "... which -s finds: exit 0" "$rc" 0
		wait "$D_PID"; st=$?
		expect_eq "... and the daemon exits 0" "$st" 0
	else
		not_ok "no pid_file: the daemon writes FILE.pid beside the configuration" "$(cat "$T/D.log")"
	fi
else
	skip "the default pid file of a user" "root without setpriv"
fi

finish
