#!/usr/bin/env bash
# Limits and timers: header_wait_timeout closes a connection whose head does not arrive
# (HTTPERR Timer_HeaderWait); max_connections answers 503 (ConnLimit); running out of
# file descriptors pauses accepting instead of failing, and service resumes.
. "$(dirname "$0")/lib.sh"

H=$(free_port)
cat >"$T/lim.ini" <<EOF2
[server]
access_log = off
httperr_log = $T/httperr.log
header_wait_timeout = 1
max_connections = 3

[site Diag]
id = 1
bindings = http/*:$H:
EOF2
sb_start "$T/lim.ini" "$H" || { finish; exit; }

start=$(_now_ms)
out=$(raw_http "$H" 'GET / HTTP/1.1\r\nHost: a'); rc=$?
ms=$(( $(_now_ms) - start ))
expect_eq "an unfinished head is closed after header_wait_timeout, unanswered" "$rc|$out" "0|"
if [ "$ms" -ge 900 ] && [ "$ms" -le 4000 ]; then ok "... after about header_wait_timeout (1 s: $ms ms)"
else not_ok "... after about header_wait_timeout (1 s)" "$ms ms"; fi
expect_log "... and recorded as Timer_HeaderWait" "$T/httperr.log" " Timer_HeaderWait "

# Three connections held open, once the daemon has accepted them (it holds 3 more sockets).
n0=$(sock_count "$SB_PID")
exec 5<>"/dev/tcp/127.0.0.1/$H" 6<>"/dev/tcp/127.0.0.1/$H" 7<>"/dev/tcp/127.0.0.1/$H"
wait_for sock_count_is "$SB_PID" $((n0 + 3)) ||
	not_ok "the daemon accepts the three held connections" "it holds $(sock_count "$SB_PID") sockets, $n0 before"
out=$(raw_http "$H" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
expect_contains "beyond max_connections: 503" "$out" "HTTP/1.1 503 Service Unavailable"
expect_contains "... with Connection: close" "$out" $'\r\nConnection: close\r\n'
expect_log "... recorded as ConnLimit" "$T/httperr.log" " ConnLimit "
exec 5>&- 6>&- 7>&-
wait_for sock_count_is "$SB_PID" "$n0" ||
	not_ok "the daemon closes the three connections it held" "it holds $(sock_count "$SB_PID") sockets, $n0 before"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: x' "http://127.0.0.1:$H/")
expect_eq "below the limit again: served" "$code" "200"
sb_stop >"$T/stop.rc"

# Out of descriptors: a daemon limited to 32 file descriptors, 40 clients at once.
cat >"$T/fd.ini" <<EOF2
[server]
access_log = off

[site Diag]
id = 1
bindings = http/*:$H:
EOF2
( ulimit -n 32; exec "$SB_BIN" -c "$T/fd.ini" ) >"$T/fd.log" 2>&1 &
SB_PID=$!; _pids+=("$SB_PID")
wait_port "$H" || not_ok "the fd-limited daemon starts"
fds=()
for i in $(seq 1 40); do exec {fd}<>"/dev/tcp/127.0.0.1/$H" && fds+=("$fd"); done
expect_log "EMFILE pauses accepting (logged)" "$T/fd.log" "pausing accepts for 1 s"
for fd in "${fds[@]}"; do exec {fd}>&-; done
# no wait here: curl's connection waits in the listen queue until accepting resumes
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Host: x' "http://127.0.0.1:$H/")
expect_eq "after the clients leave, the daemon serves again" "$code" "200"
sb_stop >"$T/stop.rc"
expect_eq "... and stops cleanly" "$(cat "$T/stop.rc")" "0"
finish
