#!/usr/bin/env bash
# Application pools (issue 25): a request waits in its site's queue while the backend's
# backend_max_connections are busy; one beyond queue_length gets HTTP.SYS's 503 QueueFull
# (verbosity limited: byte for byte; full: the detailed reason phrase), or a reset (verbosity
# basic, load_balancer tcp); a backend that refuses stops the pool after rapid_fail_max_crashes
# failures: 503 AppOffline until a reload.  HTTP/1.1 and HTTP/2 (a stream reset).
. "$(dirname "$0")/lib.sh"

H=$(free_port); S=$(free_port); B=$(free_port); DEAD=$(free_port)
be_start "$B" app || { finish; exit; }
site() {   # NAME HOST EXTRA...
	printf '[site %s]\nid = %s\nbindings = http/*:%s:%s, https/*:%s:%s\nbackend = http://127.0.0.1:%s\n' \
		"$1" "$((++_sid))" "$H" "$2" "$S" "$2" "$3"
	shift 3; printf '%s\n' "$@"; echo
}
_sid=0
{
cat <<EOF2
[server]
access_log = off
httperr_log = $T/httperr.log
trace = on

[sslcert 0.0.0.0:$S]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

EOF2
site Limited lim "$B" "queue_length = 10" "backend_max_connections = 1"
site Full full "$B" "queue_length = 10" "backend_max_connections = 1" "verbosity = full"
site Basic basic "$B" "queue_length = 10" "backend_max_connections = 1" "verbosity = basic"
site Tcp tcp "$B" "queue_length = 10" "backend_max_connections = 1" "load_balancer = tcp"
site Dead dead "$DEAD" "app_pool = DeadPool"
site Dead2 dead2 "$DEAD" "load_balancer = tcp" "rapid_fail_max_crashes = 2"
} >"$T/pool.ini"
sb_start "$T/pool.ini" "$H" || { finish; exit; }

waiting() { grep -c "waits in application pool \"$1\"'s queue" "$T/sysbind.log"; }
waiting_is() { [ "$(waiting "$1")" -ge "$2" ]; }
# httperr_is N PATTERN: the HTTPERR log (written in batches) holds N lines matching PATTERN.
httperr_is() { [ "$(grep -c -- "$2" "$T/httperr.log")" -eq "$1" ]; }
expect_httperr() {   # MESSAGE N PATTERN
	if wait_for -t 10 httperr_is "$2" "$3"; then ok "$1"
	else not_ok "$1" "$(grep -c -- "$3" "$T/httperr.log") lines match [$3], want $2"; fi
}

# fill HOST N MS POOL: one request holds the backend's only connection (/slow/MS), N more
# wait in POOL's queue.  reap: wait for those curls.
_curls=()
reap() { wait "${_curls[@]}"; _curls=(); }
fill() {
	local base breq; base=$(waiting "$4"); breq=$(be_requests "$B"); : >"$T/codes-$1"
	curl -s -o "$T/hold-$1" -w '%{http_code}\n' -H "Host: $1" "http://127.0.0.1:$H/slow/$3" >>"$T/codes-$1" &
	_pids+=($!); _curls+=($!)
	be_wait_requests "$B" "$breq" 1 || not_ok "the holder of site $1 reaches the backend"
	# one curl, N connections at once (N processes start too slowly on a busy machine)
	local args=()
	for i in $(seq 1 "$2"); do args+=(-o /dev/null "http://127.0.0.1:$H/echo?$i"); done
	curl -s --no-progress-meter -Z --parallel-immediate --parallel-max "$2" -w '%{http_code}\n' -H "Host: $1" \
		"${args[@]}" >>"$T/codes-$1" &
	_pids+=($!); _curls+=($!)
	wait_for -t 10 waiting_is "$4" $((base + $2)) ||
		not_ok "$2 requests wait for site $1's backend" "$(waiting "$4") lines"
}

# --- QueueFull, verbosity limited: HTTP.SYS's 503 byte for byte
fill lim 10 4000 Limited
printf 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=us-ascii\r\nServer: Microsoft-HTTPAPI/2.0\r\nDate: X\r\nConnection: close\r\nContent-Length: 326\r\n\r\n<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n' >"$T/limited.want"
raw_http "$H" 'GET /echo HTTP/1.1\r\nHost: lim\r\n\r\n' | no_date >"$T/limited.got"
if cmp -s "$T/limited.want" "$T/limited.got"; then ok "the 11th waiting request (queue_length 10): HTTP.SYS's 503, byte for byte (326-byte body)"
else not_ok "the 11th waiting request: HTTP.SYS's 503 byte for byte" "$(diff <(cat -A "$T/limited.want") <(cat -A "$T/limited.got") | head -20)"; fi
expect_httperr "... HTTPERR: 503 QueueFull, queue name Limited" 1 " 503 [0-9]* QueueFull Limited$"
reap
expect_eq "the holder and the 10 waiting requests are all served once the connection frees" \
	"$(sort "$T/codes-lim" | uniq -c | tr -s ' ')" " 11 200"

# --- verbosity full: the detailed reason phrase on the status line
fill full 10 4000 Full
out=$(raw_http "$H" 'GET /echo HTTP/1.1\r\nHost: full\r\n\r\n' | no_date)
expect_eq "verbosity full: the status line carries IIS 6's reason string" "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" \
	"HTTP/1.1 503 Application request queue full."
expect_eq "... the same headers and body as limited" "$(printf '%s' "$out" | tail -n +2)" "$(tail -n +2 "$T/limited.want")"
reap

# --- verbosity basic and load_balancer tcp: a reset, no byte
for h in basic tcp; do
	fill "$h" 10 4000 "${h^}"
	curl -s -o /dev/null -H "Host: $h" "http://127.0.0.1:$H/echo"; rc=$?
	expect_eq "$h: the 11th waiting request gets a connection reset (curl exit 56), no 503" "$rc" 56
	reap
	expect_eq "... the 11 before it are served" "$(sort "$T/codes-$h" | uniq -c | tr -s ' ')" " 11 200"
done
expect_httperr "HTTPERR: a QueueFull line for each of basic and tcp too" 2 ' 503 [0-9]* QueueFull \(Basic\|Tcp\)$'

# --- HTTP/2: one stream reset (REFUSED_STREAM), the others served
need_tool nghttp nghttp2-client
fill tcp 10 4000 Tcp
nghttp -v "https://127.0.0.1:$S/echo" -H ':authority: tcp' >"$T/h2tcp.out" 2>&1
expect_contains "h2, load_balancer tcp, queue full: RST_STREAM REFUSED_STREAM for the stream" \
	"$(grep -m1 RST_STREAM -A1 "$T/h2tcp.out")" "error_code=REFUSED_STREAM(0x07)"
reap
fill lim 10 4000 Limited
out=$(curl -sk --http2 -D - -o "$T/h2lim.body" --resolve "lim:$S:127.0.0.1" "https://lim:$S/echo")
expect_eq "h2, verbosity limited, queue full: :status 503" "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" "HTTP/2 503 "
expect_eq "... the 326-byte page" "$(wc -c <"$T/h2lim.body")" 326
reap

# --- rapid-fail protection: a refused backend; the 5th failure stops the pool
for i in 1 2 3 4 5; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: dead" "http://127.0.0.1:$H/")
	echo "$code" >>"$T/dead.codes"
done
expect_eq "five requests to a refused backend: 503 each (N/A)" "$(sort "$T/dead.codes" | uniq -c | tr -s ' ')" " 5 503"
expect_httperr "... HTTPERR N/A five times" 5 ' 503 [0-9]* N/A DeadPool$'
expect_log "... the 5th stops the pool (logged)" "$T/sysbind.log" "application pool \"DeadPool\" of site \"Dead\" stopped by rapid-fail protection: 5 backend failures within 5 minutes"
out=$(raw_http "$H" 'GET / HTTP/1.1\r\nHost: dead\r\n\r\n' | head -n 1 | tr -d '\r')
expect_eq "then: 503 from HTTP.SYS" "$out" "HTTP/1.1 503 Service Unavailable"
expect_httperr "... HTTPERR AppOffline" 1 ' 503 [0-9]* AppOffline DeadPool$'
curl -s -o /dev/null -H "Host: dead2" "http://127.0.0.1:$H/"
curl -s -o /dev/null -H "Host: dead2" "http://127.0.0.1:$H/"
curl -s -o /dev/null -H "Host: dead2" "http://127.0.0.1:$H/"; rc=$?
expect_eq "load_balancer tcp, pool stopped after rapid_fail_max_crashes = 2: a reset (curl 56)" "$rc" 56
expect_httperr "... HTTPERR AppOffline (the reset logged as 503, no byte sent)" 1 ' 503 [0-9]* AppOffline Dead2$'
kill -HUP "$SB_PID"
wait_log "$T/sysbind.log" "reloaded: generation" 10
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: dead' "http://127.0.0.1:$H/")
expect_eq "after a reload: 503 again" "$code" 503
expect_httperr "... N/A (the backend tried again), not AppOffline: the reload started the pool" 6 ' 503 [0-9]* N/A DeadPool$'

sb_stop >/dev/null
finish
