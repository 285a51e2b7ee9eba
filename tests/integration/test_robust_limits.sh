#!/usr/bin/env bash
# Limits and timers with HTTP.SYS's names (issue 4 §2): max_field_length,
# max_request_bytes, the URL length, header_wait_timeout against a slowloris,
# idle_connection_timeout, entity_body_timeout, handshake_timeout, min_send_rate against
# a reader that stops reading, and accepting paused without spinning when out of file
# descriptors.  Each asserts the status (or silence), the close, what the backend got and
# the HTTPERR reason.
. "$(dirname "$0")/lib.sh"

H=$(free_port); P=$(free_port); B=$(free_port)
"$SB_BUILD/tests/backend" --port "$B" --name app --record "$T/recv" >"$T/backend-app.log" 2>&1 &
_pids+=("$!"); wait_port "$B" || { not_ok "backend starts"; finish; exit; }
cat >"$T/l.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log
max_field_length = 100
max_request_bytes = 300
max_url_length = 64
header_wait_timeout = 1
idle_connection_timeout = 1
entity_body_timeout = 1
handshake_timeout = 1
min_send_rate = 100000
workers = 1

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site App]
id = 1
bindings = http/*:$H:app.test, https/*:$P:
backend = http://127.0.0.1:$B
EOF2
sb_start "$T/l.ini" "$H" || { finish; exit; }
wait_port "$P"
A='Host: app.test\r\n'
# raw_http1 PORT TEXT: raw_http, the request sent in one write (bash's printf writes in
# pieces, and a head that arrives alone is forwarded before its body is seen).
raw_http1() {
	printf "$2" >"$T/req"
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&3; cat <&3' _ "$1" "$T/req"
}
# mark, then httperr_last: the HTTPERR line written since the mark (waiting for it).
mark() { log_mark "$T/httperr.log"; log_mark "$T/access.log"; }
httperr_last() { log_next "$T/httperr.log"; }

# limit NAME STATUS REQUEST REASON: answered STATUS, closed, nothing forwarded, HTTPERR REASON.
limit() {
	local out rc sync
	: >"$T/recv"
	mark
	raw_http1 "$H" "$3" >"$T/resp"; rc=$?
	out=$(head -n 1 "$T/resp" | tr -d '\r')
	sync=$(be_sync "$B")
	if [[ "$out" == "HTTP/1.1 $2 "* ]] && [ "$rc" -eq 0 ] && [ "$sync" = "HTTP/1.1 204 No Content" ] &&
		[ "$(od -c "$T/recv")" = "$(be_sync_req "$B" | od -c)" ]; then
		ok "$1: $2, closed, nothing forwarded"
	else
		not_ok "$1: $2, closed, nothing forwarded" \
			"status [$out] rc $rc (0: closed); then [$sync]; backend got $(wc -c <"$T/recv") bytes"
	fi
	expect_contains "... HTTPERR $4" "$(httperr_last)" " $4 "
}
f100="X-F: $(head -c 95 /dev/zero | tr '\0' f)"   # 100 bytes: exactly at the limit
f101="X-F: $(head -c 96 /dev/zero | tr '\0' f)"
out=$(raw_http "$H" "GET /status/204 HTTP/1.1\r\n${A}${f100}\r\nConnection: close\r\n\r\n" | head -n 1 | tr -d '\r')
expect_eq "a field exactly max_field_length long passes" "$out" "HTTP/1.1 204 No Content"
limit "a field one byte over max_field_length" 400 "GET /status/204 HTTP/1.1\r\n${A}${f101}\r\n\r\n" "FieldLength"
limit "a head over max_request_bytes" 400 "GET /status/204 HTTP/1.1\r\n${A}${f100}\r\n${f100}\r\n${f100}\r\n\r\n" "RequestLength"
limit "a URL over max_url_length" 414 "GET /$(head -c 64 /dev/zero | tr '\0' u) HTTP/1.1\r\n${A}\r\n" "URL_Length"

# Slowloris: header lines keep arriving, one every 0.3 s, but the head takes longer than
# header_wait_timeout (1 s) in all.  The sleeps are the test: the client's pace.
: >"$T/recv"
mark
start=$(date +%s%N)
out=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "GET /echo HTTP/1.1\r\n" >&3
	for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.3; printf "X-S$i: x\r\n" >&3 2>/dev/null || break; done
	cat <&3' _ "$H" 2>/dev/null)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "slowloris: closed without an answer" "$out" ""
if [ "$ms" -ge 900 ] && [ "$ms" -le 2500 ]; then ok "... after header_wait_timeout, however busy ($ms ms)"; else not_ok "... after header_wait_timeout (1 s), however busy" "$ms ms"; fi
expect_contains "... HTTPERR Timer_HeaderWait" "$(httperr_last)" " Timer_HeaderWait "
expect_eq "... nothing forwarded" "$(be_sync "$B") $(od -c "$T/recv")" "HTTP/1.1 204 No Content $(be_sync_req "$B" | od -c)"

mark
start=$(date +%s%N)
out=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "GET /status/204 HTTP/1.1\r\nHost: app.test\r\n\r\n" >&3; cat <&3' _ "$H" | tr -d '\r')
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_contains "idle_connection_timeout: the request is answered" "$out" "HTTP/1.1 204 No Content"
if [ "$ms" -ge 900 ] && [ "$ms" -le 3000 ]; then ok "... then the idle connection closed after 1 s ($ms ms)"; else not_ok "... idle connection closed after 1 s" "$ms ms"; fi
expect_contains "... HTTPERR Timer_ConnectionIdle" "$(httperr_last)" " Timer_ConnectionIdle "

: >"$T/recv"
mark
out=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 10\r\n\r\nabc" >&3; cat <&3' _ "$H")
expect_eq "entity_body_timeout: a body that stops arriving is cut, unanswered" "$out" ""
expect_contains "... HTTPERR Timer_EntityBody with the request" "$(httperr_last)" "HTTP/1.1 POST /echo - - 1 Timer_EntityBody App"
want='POST /echo HTTP/1.1\r\nHost: app.test\r\nContent-Length: 10\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app.test\r\nVia: 1.1 sysbind-TOKEN\r\n\r\nabc'
be_sync "$B" >/dev/null
# (the random token of the Via field sysbind adds, as "TOKEN")
expect_eq "... the backend got the head and the 3 bytes, nothing more" \
	"$(sed 's/^Via: 1\.1 sysbind-[0-9a-f]\{16\}\r$/Via: 1.1 sysbind-TOKEN\r/' "$T/recv" | od -c)" \
	"$( { printf "$want"; be_sync_req "$B"; } | od -c)"

mark
start=$(date +%s%N)
out=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; cat <&3' _ "$P")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -ge 900 ] && [ "$ms" -le 3000 ]; then ok "handshake_timeout: a silent TLS client is closed after 1 s ($ms ms)"; else not_ok "handshake_timeout closes a silent TLS client after 1 s" "$ms ms"; fi
expect_contains "... HTTPERR Timer_ConnectionIdle" "$(httperr_last)" "127.0.0.1 $P - - - - - - Timer_ConnectionIdle"

# min_send_rate 100000 B/s: a client that stops reading a 64 MiB response is cut.  The
# reader's `sleep 15` is the test (it holds the connection open, reading nothing); it is
# killed as soon as the daemon has logged the cut.
mark
start=$(date +%s%N)
timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "GET /bytes/67108864 HTTP/1.1\r\nHost: app.test\r\n\r\n" >&3
	head -c 1000 <&3 >/dev/null; sleep 15' _ "$H" &
reader=$!
line=$(log_next "$T/httperr.log" 15)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
expect_contains "min_send_rate: a reader that stops is cut (HTTPERR Timer_MinBytesPerSecond, $ms ms)" \
	"$line" "HTTP/1.1 GET /bytes/67108864 - - 1 Timer_MinBytesPerSecond App"
expect_contains "... W3C line 200 with win32 status 121" "$(log_next "$T/access.log")" "/bytes/67108864 - $H - 127.0.0.1 HTTP/1.1 - - 200 0 121 "
# The trickling reader's sleeps are the test too: 2,000 bytes every 0.1 s.
mark
start=$(date +%s%N)
timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "GET /bytes/67108864?trickle HTTP/1.1\r\nHost: app.test\r\n\r\n" >&3
	for i in $(seq 1 150); do dd bs=2000 count=1 status=none <&3 >/dev/null || break; sleep 0.1; done' _ "$H" &
reader=$!
line=$(log_next "$T/httperr.log" 15)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
expect_contains "... and so is a reader trickling at 20 kB/s ($ms ms)" \
	"$line" "GET /bytes/67108864?trickle - - 1 Timer_MinBytesPerSecond App"
got=$(curl -s -m 20 -H 'Host: app.test' "http://127.0.0.1:$H/bytes/20000000" | wc -c)
expect_eq "... a reader that keeps up gets all 20 MB" "$got" "20000000"
sb_stop >"$T/stop.rc"

# Out of descriptors: accepting pauses without spinning, then resumes.
cat >"$T/fd.ini" <<EOF2
[server]
access_log = off
workers = 1

[site Diag]
id = 1
bindings = http/*:$H:
EOF2
( ulimit -n 32; exec "$SB_BIN" -c "$T/fd.ini" ) >"$T/fd.log" 2>&1 &
SB_PID=$!; _pids+=("$SB_PID")
wait_port "$H" || not_ok "the fd-limited daemon starts"
fds=()
for i in $(seq 1 40); do exec {fd}<>"/dev/tcp/127.0.0.1/$H" && fds+=("$fd"); done
expect_log "out of descriptors: accepting pauses (logged)" "$T/fd.log" "pausing accepts for 1 s"
cpu() { awk '{ print $14 + $15 }' "/proc/$SB_PID/stat"; }
c0=$(cpu); sleep 1; c1=$(cpu)   # the sleep is the test: CPU used over one second
if [ $((c1 - c0)) -le 20 ]; then ok "... without spinning ($((c1 - c0)) ticks of CPU in 1 s)"; else not_ok "... without spinning" "$((c1 - c0)) ticks in 1 s"; fi
for fd in "${fds[@]}"; do exec {fd}>&-; done
# no wait here: curl's connection waits in the listen queue until accepting resumes
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Host: x' "http://127.0.0.1:$H/")
expect_eq "... and resumes when descriptors are free again" "$code" "200"
sb_stop >"$T/stop.rc"
expect_eq "exit 0" "$(cat "$T/stop.rc")" "0"
finish
