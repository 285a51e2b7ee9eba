#!/usr/bin/env bash
# Application pools shared by sites, and the defaults (issue 25): two sites naming one
# app_pool wait in ONE request queue (HTTP.SYS: a pool is one request queue) and share one
# rapid-fail count; with IIS's default queue_length (1000) the 1,001st waiting request gets
# 503 QueueFull; over HTTP/2 the limited 503 carries the HTTP/1.1 page's headers, header by
# header (nghttp -v).
. "$(dirname "$0")/lib.sh"

need_tool python3 python3 || { finish; exit; }
need_tool nghttp nghttp2-client || { finish; exit; }
# 1,001 client connections, as many waiting on the backend side: room for them (the machine
# allows 20000)
ulimit -n 8192 2>/dev/null || { skip "1,001 connections" "ulimit -n 8192 refused"; finish; exit; }

H=$(free_port); S=$(free_port); B=$(free_port); DEAD=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/shared.ini" <<EOF2
[server]
access_log = off
httperr_log = $T/httperr.log
trace = on

[sslcert 0.0.0.0:$S]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site Shop]
id = 1
bindings = http/*:$H:shop
backend = http://127.0.0.1:$B
app_pool = Web
queue_length = 10
backend_max_connections = 1

[site Blog]
id = 2
bindings = http/*:$H:blog
backend = http://127.0.0.1:$B
app_pool = web
queue_length = 10
backend_max_connections = 1

[site Big]
id = 3
bindings = http/*:$H:big, https/*:$S:big
backend = http://127.0.0.1:$B
backend_max_connections = 1

[site DeadA]
id = 4
bindings = http/*:$H:deada
backend = http://127.0.0.1:$DEAD
app_pool = DeadPool
rapid_fail_max_crashes = 2

[site DeadB]
id = 5
bindings = http/*:$H:deadb
backend = http://127.0.0.1:$DEAD
app_pool = DeadPool
rapid_fail_max_crashes = 2
EOF2
sb_start "$T/shared.ini" "$H" || { finish; exit; }

waiting() { grep -c "waits in application pool \"$1\"'s queue" "$T/sysbind.log"; }
waiting_is() { [ "$(waiting "$1")" -ge "$2" ]; }
httperr_is() { [ "$(grep -c -- "$2" "$T/httperr.log")" -eq "$1" ]; }
expect_httperr() {   # MESSAGE N PATTERN
	if wait_for -t 10 httperr_is "$2" "$3"; then ok "$1"
	else not_ok "$1" "$(grep -c -- "$3" "$T/httperr.log" 2>/dev/null) lines match [$3], want $2"; fi
}
# hold HOST MS: one request holds the backend's only connection for MS
hold() {
	local breq; breq=$(be_requests "$B")
	curl -s -o /dev/null -w '%{http_code}\n' -H "Host: $1" "http://127.0.0.1:$H/slow/$2" >"$T/hold-$1" &
	_pids+=($!); _hold=$!
	be_wait_requests "$B" "$breq" 1 || not_ok "the holder of site $1 reaches the backend"
}
# many PORT N HOST OUT: N connections each send one request, then each answer's status
# (or "none") is counted into OUT as "CODE:COUNT ..." (bounded: 60 s in all).
many() {
	python3 - "$@" <<'PY' &
import socket, sys, time
port, n, host, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /echo?%d HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (i, host.encode()))
    socks.append(s)
end = time.time() + 60
codes = {}
for s in socks:
    data = b""
    try:
        s.settimeout(max(0.1, end - time.time()))
        while b"\r\n" not in data:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except OSError:
        pass
    code = data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "none"
    codes[code] = codes.get(code, 0) + 1
    s.close()
open(out, "w").write(" ".join("%s:%d" % kv for kv in sorted(codes.items())) + "\n")
PY
	_pids+=($!); _many=$!
}

# --- one queue for two sites of pool Web: 5 wait on Shop, 5 on Blog, the 11th is refused
hold shop 6000
base=$(waiting Web)
many "$H" 5 shop "$T/shop.codes"; m1=$_many
wait_for -t 10 waiting_is Web $((base + 5)) || not_ok "5 requests of Shop wait" "$(waiting Web)"
many "$H" 5 blog "$T/blog.codes"; m2=$_many
if wait_for -t 10 waiting_is web 5; then ok "5 requests of Blog wait in the same queue"
else not_ok "5 requests of Blog wait in the same queue" "$(waiting web)"; fi
# (each worker writes its own lines: the one that counted the 10th need not be the last)
expect_eq "... the 10th waiting request is counted as the pool's 10th, not Blog's 5th" \
	"$(grep "waits in application pool \"web\"'s queue" "$T/sysbind.log" | grep -c "(10 waiting of queue_length 10)")" 1
out=$(raw_http "$H" 'GET /echo HTTP/1.1\r\nHost: blog\r\n\r\n' | head -n 1 | tr -d '\r')
expect_eq "the 11th (a Blog request behind 5 of Shop's): 503, the pool's queue is full" "$out" "HTTP/1.1 503 Service Unavailable"
expect_httperr "... HTTPERR QueueFull, site 2, queue web" 1 ' 503 2 QueueFull web$'
wait "$_hold" "$m1" "$m2"
expect_eq "the 5 of Shop served once the connection frees" "$(cat "$T/shop.codes")" "200:5"
expect_eq "the 5 of Blog too" "$(cat "$T/blog.codes")" "200:5"

# --- one rapid-fail count: a failure on each site of DeadPool (max crashes 2) stops it
c1=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: deada' "http://127.0.0.1:$H/")
c2=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: deadb' "http://127.0.0.1:$H/")
expect_eq "one refused backend request on each site of DeadPool: 503 each" "$c1 $c2" "503 503"
expect_log "... the second (DeadB's) stops the shared pool" "$T/sysbind.log" \
	"application pool \"DeadPool\" of site \"DeadB\" stopped by rapid-fail protection: 2 backend failures"
c3=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: deada' "http://127.0.0.1:$H/")
expect_eq "then DeadA, which failed once, is stopped too: 503" "$c3" 503
expect_httperr "... HTTPERR AppOffline for DeadA (site 4)" 1 ' 503 4 AppOffline DeadPool$'

# --- IIS's default queue_length 1000: 1,000 wait, the 1,001st gets QueueFull
hold big 20000
base=$(waiting Big)
many "$H" 1000 big "$T/big.codes"; m3=$_many
if wait_for -t 30 waiting_is Big $((base + 1000)); then ok "1,000 requests wait in pool Big (queue_length default 1000)"
else not_ok "1,000 requests wait in pool Big" "$(( $(waiting Big) - base )) waiting"; fi
expect_contains "... the last counted as the 1,000th" \
	"$(grep "waits in application pool \"Big\"'s queue" "$T/sysbind.log" | tail -n 1)" "(1000 waiting of queue_length 1000)"
out=$(raw_http "$H" 'GET /echo HTTP/1.1\r\nHost: big\r\n\r\n' | head -n 1 | tr -d '\r')
expect_eq "the 1,001st: 503 Service Unavailable" "$out" "HTTP/1.1 503 Service Unavailable"
expect_httperr "... HTTPERR QueueFull, queue Big" 1 ' 503 3 QueueFull Big$'

# --- HTTP/2, verbosity limited, queue full: the HTTP/1.1 page's headers, one by one
printf ':status: 503\ncontent-type: text/html; charset=us-ascii\nserver: Microsoft-HTTPAPI/2.0\ndate: X\ncontent-length: 326\n' >"$T/h2.want"
nghttp -v -H ':authority: big' "https://127.0.0.1:$S/echo" >"$T/h2.out" 2>&1
sed -n 's/^\[[ 0-9.]*\] recv (stream_id=[0-9]*) //p' "$T/h2.out" | sed 's/^date: .*/date: X/' >"$T/h2.got"
if cmp -s "$T/h2.want" "$T/h2.got"; then ok "h2, queue full: :status 503 and the limited page's headers in HTTP.SYS's order (Connection: close has no h2 form)"
else not_ok "h2, queue full: the limited 503's headers" "$(diff "$T/h2.want" "$T/h2.got" | head -20)"; fi
expect_httperr "... HTTPERR QueueFull for it too" 2 ' 503 3 QueueFull Big$'
wait "$_hold" "$m3"
expect_eq "the 1,000 waiting requests are all served once the connection frees" "$(cat "$T/big.codes")" "200:1000"

sb_stop >/dev/null
finish
