#!/usr/bin/env bash
# Request framing (RFC 9112): every ambiguous or malformed request is refused
# with 400 (or the status the RFC allows) and the connection closed, and the backend
# receives nothing; accepted requests reach it re-serialised, never as the client's bytes.
# The backend records every byte it receives (--record), so each test asserts exactly
# what it got.
. "$(dirname "$0")/lib.sh"

H=$(free_port); B=$(free_port)
"$SB_BUILD/tests/backend" --port "$B" --name app --record "$T/recv" >"$T/backend-app.log" 2>&1 &
_pids+=("$!"); wait_port "$B" || { not_ok "backend starts"; finish; exit; }
cat >"$T/f.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log

[site App]
id = 1
bindings = http/*:$H:app.test
backend = http://127.0.0.1:$B

[site Any]
id = 2
bindings = http/*:$H:
backend = http://127.0.0.1:$B
EOF2
sb_start "$T/f.ini" "$H" || { finish; exit; }

# refused NAME STATUS REQUEST [REASON]: answered STATUS, closed, nothing forwarded.  Sent
# to port $RH (default $H).
refused() {
	local out rc sync
	: >"$T/recv"
	log_mark "$T/httperr.log"
	raw_http1 "${RH:-$H}" "$3" >"$T/resp"; rc=$?
	out=$(head -n 1 "$T/resp" | tr -d '\r')
	sync=$(be_sync "$B")
	if [[ "$out" == "HTTP/1.1 $2 "* ]] && [ "$rc" -eq 0 ] && [ "$sync" = "HTTP/1.1 204 No Content" ] &&
		[ "$(od -c "$T/recv")" = "$(be_sync_req "$B" | od -c)" ]; then
		ok "$1: $2, closed, nothing forwarded"
	else
		not_ok "$1: $2, closed, nothing forwarded" \
			"status [$out] rc $rc (0: closed); then [$sync]; backend got [$(head -c 400 "$T/recv" | tr '\r\n' '~|')]"
	fi
	if [ -n "${4:-}" ]; then
		expect_contains "... HTTPERR reason $4" "$(log_next "$T/httperr.log")" " $4 "
	fi
}

A='Host: app.test\r\n'
# unvia FILE: FILE with the random token of the Via field sysbind adds as "TOKEN"
unvia() { sed 's/^Via: 1\.1 sysbind-[0-9a-f]\{16\}\r$/Via: 1.1 sysbind-TOKEN\r/' "$1"; }
# raw_http1 PORT TEXT: raw_http, the request sent in one write (bash's printf writes in
# pieces, and a head that arrives alone is forwarded before its body is seen).
raw_http1() {
	printf "$2" >"$T/req"
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&3; cat <&3' _ "$1" "$T/req"
}
refused "Transfer-Encoding with Content-Length" 400 "POST /echo HTTP/1.1\r\n${A}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
refused "two different Content-Length" 400 "POST /echo HTTP/1.1\r\n${A}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
refused "two equal Content-Length" 400 "POST /echo HTTP/1.1\r\n${A}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
refused "a Content-Length list" 400 "POST /echo HTTP/1.1\r\n${A}Content-Length: 5, 5\r\n\r\nhello"
refused "a malformed Content-Length" 400 "POST /echo HTTP/1.1\r\n${A}Content-Length: 5x\r\n\r\nhello"
refused "a negative Content-Length" 400 "POST /echo HTTP/1.1\r\n${A}Content-Length: -1\r\n\r\n"
refused "a final coding other than chunked" 400 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: gzip\r\n\r\nxx"
refused "chunked twice" 400 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"
refused "gzip before chunked (a coding we cannot carry)" 501 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" "N/I"
refused "HTTP/1.0 with Transfer-Encoding" 400 "POST /echo HTTP/1.0\r\n${A}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
refused "obs-fold" 400 "GET /echo HTTP/1.1\r\n${A}X-Fold: a\r\n b\r\n\r\n" "Header"
refused "whitespace before a colon" 400 "GET /echo HTTP/1.1\r\n${A}X-Sp : a\r\n\r\n" "Header"
refused "a bare LF" 400 "GET /echo HTTP/1.1\r\n${A}X-A: 1\nX-B: 2\r\n\r\n" "Invalid_CR/LF"
refused "a bare CR" 400 "GET /echo HTTP/1.1\r\n${A}X-A: 1\rX-B: 2\r\n\r\n" "Invalid_CR/LF"
refused "NUL in a field value" 400 "GET /echo HTTP/1.1\r\n${A}X-A: a\x00b\r\n\r\n"
refused "a control character in a field value" 400 "GET /echo HTTP/1.1\r\n${A}X-A: a\x01b\r\n\r\n"
refused "a control character in the target" 400 "GET /ec\x01ho HTTP/1.1\r\n${A}\r\n"
refused "a bad chunk size" 400 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
refused "a chunk size overflowing 64 bits" 400 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\nx\r\n0\r\n\r\n"
refused "a bad chunk extension" 400 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: chunked\r\n\r\n5;a\x01b\r\nhello\r\n0\r\n\r\n"
refused "chunk data longer than its size" 400 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n"
# A bad chunk that arrives after its head: the head was forwarded (HTTP.SYS too hands a
# head to the application before its body), the bad bytes are not, and the backend
# connection is dropped.  The chunk is sent once the backend has the head.
: >"$T/recv"
timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n" >&3
	for i in $(seq 1 160); do grep -q "X-Forwarded-Host" "$2" && break; sleep 0.05; done
	printf "5\r\nhello\r\nzz\r\n" >&3; cat <&3' _ "$H" "$T/recv" >"$T/resp"; rc=$?
expect_eq "a bad chunk size after the head: 400, closed" "$(head -n 1 "$T/resp" | tr -d '\r') rc $rc" \
	"HTTP/1.1 400 Bad Request rc 0"
be_sync "$B" >/dev/null
want='POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app.test\r\nVia: 1.1 sysbind-TOKEN\r\n\r\n'
printf "$want" >"$T/want"
expect_eq "... the backend got the head" "$(unvia "$T/recv" | head -c "$(stat -c %s "$T/want")" | od -c)" "$(od -c <"$T/want")"
expect_not_contains "... (perhaps the good chunk before it) but never the bad bytes" "$(cat "$T/recv")" "zz"
refused "two Host fields" 400 "GET /echo HTTP/1.1\r\n${A}${A}\r\n" "Hostname"
refused "HTTP/1.1 without Host" 400 "GET /echo HTTP/1.1\r\n\r\n" "Hostname"
refused "userinfo in an absolute-form target" 400 "GET http://u@app.test/echo HTTP/1.1\r\n${A}\r\n"
refused "CONNECT" 400 "CONNECT app.test:443 HTTP/1.1\r\n${A}\r\n"
refused "an asterisk target with GET" 400 "GET * HTTP/1.1\r\n${A}\r\n"
refused "HTTP/2.0 as a version" 505 "GET /echo HTTP/2.0\r\n${A}\r\n" "Version_N/S"
refused "a field name with a space" 400 "GET /echo HTTP/1.1\r\n${A}X A: 1\r\n\r\n"

# Accepted requests are re-serialised: exact bytes at the backend.
: >"$T/recv"
raw_http "$H" "POST /echo HTTP/1.1\r\n${A}Connection: close, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: 5\r\nTE: trailers\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\nContent-Length: 8\r\nX-Forwarded-For: 192.0.2.9\r\n\r\n" >"$T/out"
want='POST /echo HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app.test\r\nVia: 1.1 sysbind-TOKEN\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n'
expect_eq "a chunked request is re-serialised: hop-by-hop fields and extensions dropped, its trailer field kept, Content-Length and X-Forwarded-For out of the trailer section" \
	"$(unvia "$T/recv" | od -c)" "$(printf "$want" | od -c)"
expect_contains "... and answered" "$(head -n 1 "$T/out")" "HTTP/1.1 200 OK"

: >"$T/recv"
raw_http "$H" "GET http://app.test/echo?q=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n" >"$T/out"
want='GET /echo?q=1 HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app.test\r\nVia: 1.1 sysbind-TOKEN\r\n\r\n'
expect_eq "absolute-form: origin-form for the backend, Host from the target (RFC 9112 §3.2.2)" \
	"$(unvia "$T/recv" | od -c)" "$(printf "$want" | od -c)"

: >"$T/recv"
raw_http "$H" "GET /echo HTTP/1.0\r\n\r\n" >"$T/out"
want='GET /echo HTTP/1.1\r\nHost: \r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nVia: 1.1 sysbind-TOKEN\r\n\r\n'
expect_eq "HTTP/1.0 without Host: forwarded as HTTP/1.1 with an empty Host" \
	"$(unvia "$T/recv" | od -c)" "$(printf "$want" | od -c)"
expect_contains "... answered with the connection closed" "$(head -n 1 "$T/out")" "HTTP/1.1 200 OK"

: >"$T/recv"
raw_http "$H" "GET /echo HTTP/1.1\r\n${A}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\nGET /status/204 HTTP/1.1\r\n${A}Connection: close\r\n\r\n" >"$T/out"
want='GET /echo HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app.test\r\nVia: 1.1 sysbind-TOKEN\r\n\r\nGET /status/204 HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app.test\r\nVia: 1.1 sysbind-TOKEN\r\n\r\n'
expect_eq "an h2c upgrade is not forwarded: a plain HTTP/1.1 request reaches the backend" \
	"$(unvia "$T/recv" | od -c)" "$(printf "$want" | od -c)"
expect_eq "... answered in HTTP/1.1, no 101, and the next request follows" \
	"$(grep -a '^HTTP/' "$T/out" | tr -d '\r' | tr '\n' '|')" "HTTP/1.1 200 OK|HTTP/1.1 204 No Content|"

# Pipelined requests with bodies: forwarded one after the other, answered in order.
: >"$T/recv"
raw_http "$H" "POST /status/201 HTTP/1.1\r\n${A}Content-Length: 3\r\n\r\nabcGET /status/202 HTTP/1.1\r\n${A}\r\nPOST /status/203 HTTP/1.1\r\n${A}Content-Length: 2\r\nConnection: close\r\n\r\nxy" >"$T/out"
expect_eq "pipelined requests are answered in order" \
	"$(grep -a '^HTTP/' "$T/out" | tr -d '\r' | tr '\n' '|')" "HTTP/1.1 201 Created|HTTP/1.1 202 Status|HTTP/1.1 203 Status|"
expect_eq "... and reached the backend in order, bodies whole" \
	"$(tr -d '\r' <"$T/recv" | grep -aE '^(POST|GET) |^abc|^xy' | tr '\n' '|')" \
	"POST /status/201 HTTP/1.1|abcGET /status/202 HTTP/1.1|POST /status/203 HTTP/1.1|xy|"
expect_eq "... the last body too" "$(tail -c 2 "$T/recv")" "xy"

# A smuggling attempt split over two packets: the second request never reaches the backend
# as part of the first.
: >"$T/recv"
out=$(raw_http "$H" "POST /echo HTTP/1.1\r\n${A}Content-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n" | head -n 1 | tr -d '\r')
expect_eq "CL.CL smuggling: refused" "$out" "HTTP/1.1 400 Bad Request"
be_sync "$B" >/dev/null
expect_not_contains "... /smuggled never reaches the backend" "$(cat "$T/recv")" "smuggled"
out=$(raw_http "$H" "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n" | head -n 1 | tr -d '\r')
expect_eq "TE.CL smuggling: refused" "$out" "HTTP/1.1 400 Bad Request"
be_sync "$B" >/dev/null
expect_not_contains "... /smuggled never reaches the backend" "$(cat "$T/recv")" "smuggled"

sb_stop >"$T/stop.rc"
expect_eq "exit 0" "$(cat "$T/stop.rc")" "0"

# Head and bad body arriving together, when a backend connection is already pooled: still
# nothing forwarded (above, no pooled connection existed yet when these ran).  One worker,
# so the request is handled where the pooled connection is.
RH=$(free_port)
cat >"$T/f1.ini" <<EOF2
[server]
workers = 1
access_log = off
httperr_log = $T/httperr.log

[site App]
id = 1
bindings = http/*:$RH:app.test
backend = http://127.0.0.1:$B
EOF2
sb_start "$T/f1.ini" "$RH" pooled || { finish; exit; }
pool() { raw_http "$RH" 'GET /status/204?pool HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n' | head -n 1 | tr -d '\r'; }
for t in "a bad chunk size|zz\r\nhello\r\n0\r\n\r\n" "a bad chunk extension|5;a\x01b\r\nhello\r\n0\r\n\r\n" \
	"chunk data longer than its size|2\r\nhello\r\n0\r\n\r\n"; do
	expect_eq "pooled: a good request leaves a backend connection in the pool" "$(pool)" "HTTP/1.1 204 No Content"
	refused "pooled: ${t%%|*}" 400 "POST /echo HTTP/1.1\r\n${A}Transfer-Encoding: chunked\r\n\r\n${t#*|}"
done
sb_stop >"$T/stop.rc"
expect_eq "exit 0" "$(cat "$T/stop.rc")" "0"
finish
