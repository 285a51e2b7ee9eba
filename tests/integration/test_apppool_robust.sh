#!/usr/bin/env bash
# Application pools under abuse (issue 25, review): clients that give up while their request
# waits in the queue leave it (HTTPERR Client_Reset, CurrentQueueSize back to 0, nothing
# reaches the backend; HTTP/1.1 FIN, HTTP/2 RST_STREAM and connection close); a reload keeps
# a pool that keeps its name (its busy connection still counts against the limit, its
# waiters are served first, in order); new arrivals queue behind waiting requests.
. "$(dirname "$0")/lib.sh"

need_tool python3 python3 || { finish; exit; }

H=$(free_port); S=$(free_port); B=$(free_port); A=$(free_port)
be_start "$B" app || { finish; exit; }
conf() {   # EXTRA-SERVER-LINE
	cat <<EOF2
[server]
access_log = off
httperr_log = $T/httperr.log
admin = 127.0.0.1:$A
trace = on
$1

[sslcert 0.0.0.0:$S]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site App]
id = 1
bindings = http/*:$H:app, https/*:$S:app
backend = http://127.0.0.1:$B
queue_length = 10
backend_max_connections = 1
EOF2
}
conf "" >"$T/sb.ini"
sb_start "$T/sb.ini" "$H" || { finish; exit; }

metrics() { curl -s --max-time 10 "http://127.0.0.1:$A/metrics"; }
queued() { metrics | awk '$1 == "sysbind_queue_current_size{queue=\"App\"}" { print $2 }'; }
queued_is() { [ "$(queued)" = "$1" ]; }
waiting() { grep -c "waits in application pool \"App\"'s queue" "$T/sysbind.log"; }
waiting_is() { [ "$(waiting)" -ge "$1" ]; }
httperr_is() { [ "$(grep -c -- "$2" "$T/httperr.log" 2>/dev/null)" -eq "$1" ]; }
expect_httperr() {   # MESSAGE N PATTERN
	if wait_for -t 10 httperr_is "$2" "$3"; then ok "$1"
	else not_ok "$1" "$(grep -c -- "$3" "$T/httperr.log" 2>/dev/null) lines match [$3], want $2: $(grep -v "^#" "$T/httperr.log" | grep -v gone | tail -n 4)"; fi
}
# hold MS: one request holds the backend's only connection for MS (its status into hold.code)
hold() {
	local breq; breq=$(be_requests "$B")
	curl -s -o /dev/null -w '%{http_code}\n' -H "Host: app" "http://127.0.0.1:$H/slow/$1" >"$T/hold.code" &
	_pids+=($!); _hold=$!
	be_wait_requests "$B" "$breq" 1 || not_ok "the holder reaches the backend"
}

# --- HTTP/1.1: 10 clients queue, then close their sockets (FIN)
hold 4000
base=$(waiting)
python3 - "$H" 10 "$T/abandon.done" <<'PY' &
import socket, sys, time, os
port, n, done = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
for i, s in enumerate(socks):
    s.sendall(b"GET /echo?gone%d HTTP/1.1\r\nHost: app\r\n\r\n" % i)
end = time.time() + 20
while not os.path.exists(done + ".go") and time.time() < end:
    time.sleep(0.02)
for s in socks:
    s.close()
open(done, "w").write("closed\n")
PY
_pids+=($!); py=$!
if wait_for -t 10 waiting_is $((base + 10)); then ok "10 requests wait in App's queue (queue_length 10)"
else not_ok "10 requests wait in App's queue" "$(( $(waiting) - base ))"; fi
expect_eq "... CurrentQueueSize 10" "$(queued)" 10
breq=$(be_requests "$B")
: >"$T/abandon.done.go"; wait "$py"
if wait_for -t 10 queued_is 0; then ok "the 10 clients closed: CurrentQueueSize back to 0"
else not_ok "the 10 clients closed: CurrentQueueSize back to 0" "$(queued)"; fi
expect_httperr "... each logged as HTTP.SYS's Client_Reset for queue App" 10 'HTTP/1.1 GET /echo?gone[0-9] - - 1 Client_Reset App$'
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H "Host: app" "http://127.0.0.1:$H/echo?eleventh")
expect_eq "an 11th request is not refused QueueFull: it waits, then 200" "$code" 200
wait "$_hold"
expect_eq "... the holder's 200" "$(cat "$T/hold.code")" 200
# since the 10 queued, the backend saw the 11th (and be_requests' own /stats probe) only
expect_eq "none of the 10 abandoned requests reached the backend" "$(( $(be_requests "$B") - breq ))" 2
expect_eq "... and no QueueFull" "$(grep -c ' QueueFull ' "$T/httperr.log")" 0

# --- HTTP/2: one stream reset (RST_STREAM CANCEL at curl's 1 s), one connection closed (2 s)
if curl -V | grep -q HTTP2; then
	hold 5000
	base=$(waiting)
	curl -sk --http2 -Z -o /dev/null --max-time 1 --resolve "app:$S:127.0.0.1" "https://app:$S/echo?rst" \
		--next -k --http2 -o /dev/null --max-time 2 --resolve "app:$S:127.0.0.1" "https://app:$S/echo?fin" >/dev/null 2>&1 &
	_pids+=($!); c2=$!
	if wait_for -t 10 waiting_is $((base + 2)); then ok "h2: two streams wait in App's queue"
	else not_ok "h2: two streams wait in App's queue" "$(( $(waiting) - base ))"; fi
	breq=$(be_requests "$B")
	wait "$c2"
	if wait_for -t 10 queued_is 0; then ok "h2: the stream reset and the connection closed: CurrentQueueSize 0"
	else not_ok "h2: the stream reset and the connection closed: CurrentQueueSize 0" "$(queued)"; fi
	# one connection: stream 1 reset by curl at 1 s, stream 3 cut with it at 2 s
	expect_httperr "... the reset stream logged Client_Reset (streamid 1)" 1 'HTTP/2 GET /echo?rst 1 - 1 Client_Reset App$'
	expect_httperr "... the one of the closed connection too (streamid 3)" 1 'HTTP/2 GET /echo?fin 3 - 1 Client_Reset App$'
	wait "$_hold"
	expect_eq "... nothing of them reached the backend" "$(( $(be_requests "$B") - breq ))" 1
else
	skip "h2: a queued stream reset or closed" "curl without HTTP/2"
fi

# --- a reload keeps pool App: the held connection still counts, the old waiters go first
hold 3000
base=$(waiting)
: >"$T/order"; cl=()
for i in 1 2 3; do
	( c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Host: app" "http://127.0.0.1:$H/slow/300?old$i")
	  echo "old$i $c" >>"$T/order" ) &
	_pids+=($!); cl+=($!)
	wait_for -t 10 waiting_is $((base + i)) || not_ok "old request $i waits"
done
breq=$(be_requests "$B")
kill -HUP "$SB_PID"
wait_log "$T/sysbind.log" "reloaded: generation 2" 10 || not_ok "the reload is applied"
( c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Host: app" "http://127.0.0.1:$H/slow/300?new")
  echo "new $c" >>"$T/order" ) &
_pids+=($!); cl+=($!)
if wait_for -t 10 waiting_is $((base + 4)); then ok "after the reload a new request waits (the held connection still counts)"
else not_ok "after the reload a new request waits" "$(( $(waiting) - base ))"; fi
expect_eq "... the backend got nothing new while the holder holds its one connection" "$(( $(be_requests "$B") - breq ))" 1
expect_eq "... CurrentQueueSize 4 (3 of generation 1, 1 of generation 2)" "$(queued)" 4
wait "$_hold" "${cl[@]}"
expect_eq "served in arrival order, generation 1's waiters first" "$(tr '\n' ' ' <"$T/order")" \
	"old1 200 old2 200 old3 200 new 200 "

# --- arrival order across the workers (workers = auto: one per CPU, 2 here): 6 requests
# queue one by one on new connections, whichever worker accepts each; served in that order
hold 1500
base=$(waiting)
: >"$T/order"; cl=()
for i in 1 2 3 4 5 6; do
	( c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Host: app" "http://127.0.0.1:$H/slow/150?r$i")
	  echo "r$i $c" >>"$T/order" ) &
	_pids+=($!); cl+=($!)
	wait_for -t 10 waiting_is $((base + i)) || not_ok "request $i waits"
done
wait "$_hold" "${cl[@]}"
expect_eq "6 waiting requests (new connections, either worker) served first come, first served" \
	"$(tr '\n' ' ' <"$T/order")" "r1 200 r2 200 r3 200 r4 200 r5 200 r6 200 "

sb_stop >/dev/null
finish
