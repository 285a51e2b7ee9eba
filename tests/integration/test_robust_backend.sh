#!/usr/bin/env bash
# Backend faults (issue 4 §3, §4): refused, unreachable (connect timeout), reset before or
# after the head, silent, truncated, invalid framing, bytes after a response, a 101 nobody
# asked for; the retry of an idempotent request on a dead pooled connection and no retry
# of a POST; backend_timeout counting only while the backend owes bytes; the WebSocket
# tunnel and its idle timeout.  Each test asserts the status, whether the connection
# closed, what the backend received (--record) and the log line that says why.
. "$(dirname "$0")/lib.sh"

H=$(free_port); B=$(free_port); DEAD=$(free_port); NA=$(free_port)
"$SB_BUILD/tests/backend" --port "$B" --name app --record "$T/recv" >"$T/backend-app.log" 2>&1 &
_pids+=("$!"); wait_port "$B" || { not_ok "backend starts"; finish; exit; }
"$SB_BUILD/tests/backend" --port "$NA" --name blackhole --no-accept >"$T/backend-na.log" 2>&1 &
_pids+=("$!")
wait_log "$T/backend-na.log" 'never accepting' || { not_ok "the blackhole backend starts"; finish; exit; }
# Its queue (backlog 0) holds one connection, never accepted, even once the client left;
# after that, SYNs are dropped and a connect hangs.  Filled here, on loopback, by probes
# that connect and leave, until one hangs (bounded): then a connect to it times out.
na_connect_hangs() { timeout 0.5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$NA" 2>/dev/null; [ $? -eq 124 ]; }
wait_for na_connect_hangs || not_ok "the blackhole's queue fills (a connect to it hangs)"
cat >"$T/b.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log
backend_timeout = 1
backend_connect_timeout = 1
websocket_idle_timeout = 1
workers = 1

[site App]
id = 1
bindings = http/*:$H:app.test
backend = http://127.0.0.1:$B

[site Dead]
id = 2
bindings = http/*:$H:dead.test
backend = http://127.0.0.1:$DEAD

[site Hole]
id = 3
bindings = http/*:$H:hole.test
backend = http://127.0.0.1:$NA
EOF2
sb_start "$T/b.ini" "$H" || { finish; exit; }
A='Host: app.test\r\n'

# req TEXT: raw request; sets OUT (response), RC (0: the server closed), STATUS; marks the
# logs, so httperr_last / access_last print the line this request wrote.
req() {
	log_mark "$T/httperr.log"; log_mark "$T/access.log"
	raw_http "$H" "$1" >"$T/out"; RC=$?
	OUT=$(cat "$T/out"); STATUS=$(head -n 1 "$T/out" | tr -d '\r')
}
httperr_last() { log_next "$T/httperr.log"; }
access_last() { log_next "$T/access.log"; }

req "GET / HTTP/1.1\r\nHost: dead.test\r\n\r\n"
expect_eq "backend refused: 503" "$STATUS" "HTTP/1.1 503 Service Unavailable"
expect_eq "... connection closed" "$RC" "0"
expect_contains "... HTTPERR N/A" "$(httperr_last)" "GET / - 503 2 N/A Dead"
expect_contains "... W3C win32 status 1225 (refused)" "$(access_last)" " 503 0 1225 "

start=$(date +%s%N)
req "GET / HTTP/1.1\r\nHost: hole.test\r\n\r\n"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "backend unreachable within backend_connect_timeout: 503" "$STATUS" "HTTP/1.1 503 Service Unavailable"
if [ "$ms" -ge 900 ] && [ "$ms" -le 4000 ]; then ok "... after about backend_connect_timeout (1 s: $ms ms)"; else not_ok "... after about backend_connect_timeout" "$ms ms"; fi
expect_contains "... HTTPERR N/A" "$(httperr_last)" "GET / - 503 3 N/A Hole"

: >"$T/recv"
req "GET /fault/reset-head HTTP/1.1\r\n${A}\r\n"
expect_eq "backend resets before the head: 502" "$STATUS" "HTTP/1.1 502 Bad Gateway"
expect_eq "... connection closed" "$RC" "0"
expect_eq "... the backend got the request once (GET retried only on a pooled connection)" "$(grep -c 'GET /fault/reset-head' "$T/recv")" "1"
expect_contains "... HTTPERR Connection_Abandoned_By_AppPool" "$(httperr_last)" "GET /fault/reset-head - 502 1 Connection_Abandoned_By_AppPool App"

req "GET /fault/reset-body HTTP/1.1\r\n${A}\r\n"
expect_eq "backend resets after the head: its head is relayed" "$STATUS" "HTTP/1.1 200 OK"
expect_eq "... the client connection is closed (rc $RC)" "$RC" "0"
expect_eq "... with the 10 bytes that came, not 1000" "$(sed -n '/^\r$/,$p' "$T/out" | tail -c +3)" "0123456789"
expect_contains "... HTTPERR Connection_Abandoned_By_AppPool" "$(httperr_last)" "GET /fault/reset-body - - 1 Connection_Abandoned_By_AppPool App"
expect_contains "... W3C line 200 with win32 status 64" "$(access_last)" "/fault/reset-body - $H - 127.0.0.1 HTTP/1.1 - - 200 0 64 "

start=$(date +%s%N)
req "GET /fault/silent HTTP/1.1\r\n${A}\r\n"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "a silent backend: 504" "$STATUS" "HTTP/1.1 504 Gateway Timeout"
if [ "$ms" -ge 900 ] && [ "$ms" -le 4000 ]; then ok "... after backend_timeout (1 s: $ms ms)"; else not_ok "... after backend_timeout" "$ms ms"; fi
expect_contains "... HTTPERR Timer_AppPool" "$(httperr_last)" "GET /fault/silent - 504 1 Timer_AppPool App"
expect_contains "... W3C win32 status 121" "$(access_last)" " 504 0 121 "

req "GET /fault/truncate HTTP/1.1\r\n${A}\r\n"
expect_eq "a truncated body: the head is relayed" "$STATUS" "HTTP/1.1 200 OK"
expect_contains "... with the declared length" "$OUT" $'\r\nContent-Length: 100\r\n'
expect_eq "... then the connection is closed after the 10 bytes" "$RC|$(sed -n '/^\r$/,$p' "$T/out" | tail -c +3)" "0|0123456789"
expect_contains "... HTTPERR Connection_Abandoned_By_AppPool" "$(httperr_last)" "GET /fault/truncate - - 1 Connection_Abandoned_By_AppPool App"

req "GET /fault/malformed HTTP/1.1\r\n${A}\r\n"
expect_eq "invalid framing from the backend (two Content-Length): 502" "$STATUS" "HTTP/1.1 502 Bad Gateway"
expect_not_contains "... nothing of it reaches the client" "$OUT" "hello"
expect_contains "... W3C win32 status 13 (invalid data)" "$(access_last)" " 502 0 13 "

req "GET /fault/101 HTTP/1.1\r\n${A}\r\n"
expect_eq "a 101 nobody asked for: 502" "$STATUS" "HTTP/1.1 502 Bad Gateway"
expect_not_contains "... no tunnel bytes reach the client" "$OUT" "unasked-tunnel"

# Bytes after a complete response: that connection is never reused, the bytes never
# reach anyone.
acc0=$(be_accepted "$B")
out=$(curl -s -H 'Host: app.test' "http://127.0.0.1:$H/fault/extra")
expect_eq "a response followed by extra bytes: the response is relayed" "$out" "ok"
out=$(curl -s -D - -H 'Host: app.test' "http://127.0.0.1:$H/status/200" | tr -d '\r')
expect_not_contains "... the next request does not get the extra bytes" "$out" "smuggled"
expect_contains "... it gets its own answer" "$out" "status 200"
acc1=$(be_accepted "$B")
expect_eq "... over a new backend connection" "$((acc1 - acc0))" "3"

# A pooled connection that dies: a GET is sent again on a new connection, a POST is not.
curl -s -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$H/fault/die-next"
: >"$T/recv"
out=$(curl -s -w '%{http_code}' -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$H/echo?retry")
expect_eq "an idempotent request on a dead pooled connection is retried: 200" "$out" "200"
expect_eq "... the backend got it twice (dead connection, then a new one)" "$(grep -c 'GET /echo?retry' "$T/recv")" "2"
curl -s -o /dev/null -H 'Host: app.test' "http://127.0.0.1:$H/fault/die-next"
: >"$T/recv"
out=$(curl -s -w '%{http_code}' -o /dev/null -H 'Host: app.test' --data-binary abc "http://127.0.0.1:$H/echo?post")
expect_eq "a POST on a dead pooled connection is not retried: 502" "$out" "502"
expect_eq "... the backend got it once" "$(grep -c 'POST /echo?post' "$T/recv")" "1"

# backend_timeout (1 s) runs only while the backend owes bytes.  The sleeps are the test:
# an upload whose pieces come 0.6 s apart, 2.4 s in all.
start=$(date +%s%N)
out=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 20\r\nConnection: close\r\n\r\n" >&3
	for i in 1 2 3 4; do sleep 0.6; printf "abcde" >&3; done; cat <&3' _ "$H")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_contains "an upload lasting longer than backend_timeout ($ms ms) is answered 200" "$out" "HTTP/1.1 200 OK"
expect_contains "... with the whole body" "$out" '"body_length":20,'
out=$(curl -s -m 10 -w ' %{http_code}' -H 'Host: app.test' "http://127.0.0.1:$H/fault/drip/5/400")
expect_eq "a response dripping for 2 s with 0.4 s gaps passes backend_timeout 1 s" "$out" "..... 200"

# WebSocket: Upgrade + 101 is a two-way tunnel, closed after websocket_idle_timeout.  The
# sleeps are the test: two pings 0.5 s apart keep the tunnel open past the 1 s timeout.
log_mark "$T/access.log"
start=$(date +%s%N)
out=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "GET /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" >&3
	sleep 0.5; printf "ping-1" >&3; sleep 0.5; printf "ping-2" >&3; cat <&3' _ "$H" | tr -d '\r')
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_contains "WebSocket: the 101 is relayed" "$out" "HTTP/1.1 101 Switching Protocols"
expect_contains "... bytes flow both ways, and keep the tunnel open past 1 s" "$out" "ping-1ping-2"
if [ "$ms" -ge 1900 ] && [ "$ms" -le 5000 ]; then ok "... then idle for websocket_idle_timeout: closed ($ms ms)"; else not_ok "... closed after websocket_idle_timeout" "$ms ms"; fi
expect_contains "... W3C line of the 101 with win32 status 121" "$(access_last)" "GET /ws - $H - 127.0.0.1 HTTP/1.1 - - 101 0 121 "

sb_stop >"$T/stop.rc"
expect_eq "exit 0" "$(cat "$T/stop.rc")" "0"
finish
