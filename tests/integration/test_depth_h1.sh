#!/usr/bin/env bash
# Depth tests of HTTP/1.1 over TLS with real clients (curl, openssl s_client, python's ssl
# through tests/tools/h1depth.py), on the paths every client takes: both address families
# at once (which certificate, which W3C fields), HTTP.SYS's own 400s and their HTTPERR
# lines (the request named once its head was read), framing a backend gets wrong (a body on
# 204/304/HEAD: never forwarded, the connection kept in sync), 1xx, a dripped head, byte-
# per-record and split-head clients, a burst of 51 pipelined requests in one write, early
# answers to big uploads, reload and stop with requests in flight and with idle kept
# connections, TLS resumption, and clients that leave by close_notify, FIN or reset (at
# the backend: HTTPERR Connection_Dropped; mid-answer: W3C win32 status 64).
. "$(dirname "$0")/lib.sh"

need_tool curl curl || { finish; exit; }
need_tool python3 python3 || { finish; exit; }
P=$(free_port); B=$(free_port); B2=$(free_port); BAD=$(free_port)
D="$SB_ROOT/tests/tools/h1depth.py"
CA="$SB_CERTS/ca.pem"
be_start "$B" app || { finish; exit; }
APP_PID=$BE_PID
be_start "$B2" app2 || { finish; exit; }

# A backend that gets framing wrong, each path one way (the test backend is too correct).
cat >"$T/badbe.py" <<'EOF'
import socket, sys, threading, time
def handle(c):
    buf = b''
    while True:
        while b'\r\n\r\n' not in buf:
            d = c.recv(65536)
            if not d:
                c.close(); return
            buf += d
        head, buf = buf.split(b'\r\n\r\n', 1)
        m, path = head.split(b' ')[:2]
        r = {
            b'/204-length-body': b'HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\noops',
            b'/204-body': b'HTTP/1.1 204 No Content\r\n\r\noops',
            b'/304-body': b'HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\noops',
            b'/304-chunked': b'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
            b'/head-body': b'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n' + (b'oops' if m == b'HEAD' else b'good'),
            b'/103': b'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
            b'/100x2': b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
            b'/http10': b'HTTP/1.0 200 OK\r\n\r\nten-body',
        }.get(path, b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        if path == b'/drip':   # a head and body one byte per write
            for ch in b'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc':
                c.sendall(bytes([ch])); time.sleep(0.002)
            continue
        c.sendall(r)
        if path == b'/http10':
            c.close(); return
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept(); threading.Thread(target=handle, args=(c,), daemon=True).start()
EOF
python3 "$T/badbe.py" "$BAD" >"$T/backend-bad.log" 2>&1 &
_pids+=($!)
wait_port "$BAD" || not_ok "the misbehaving backend starts"

# write_conf BACKEND-PORT: 0.0.0.0:$P has sitev1's certificate, [::]:$P sitev2's; two
# sites on the same port told apart by host: app.test (BACKEND-PORT) and bad.test.
write_conf() {
	cat >"$T/sb.ini" <<EOF2
[server]
mode = iis7
access_log = $T/access.log
httperr_log = $T/httperr.log

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[sslcert [::]:$P]
certificate = $SB_CERTS/sitev2.pem
key = $SB_CERTS/sitev2.key

[site App]
id = 1
bindings = https/*:$P:app.test, https/*:$P:localhost, https/*:$P:
backend = http://127.0.0.1:$1

[site Bad]
id = 2
bindings = https/*:$P:bad.test
backend = http://127.0.0.1:$BAD
EOF2
}
write_conf "$B"
# -v: the daemon logs "every worker serves generation N" once a reload has reached every
# worker (what the reload checks wait for)
printf '#!/bin/sh\nexec "%s" -v "$@"\n' "$SB_BIN" >"$T/sysbind-v"; chmod +x "$T/sysbind-v"
SB_BIN="$T/sysbind-v" sb_start "$T/sb.ini" "$P" || { finish; exit; }
LOG="$T/sysbind.log"
have6=0
if grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && wait_port "$P" ::1; then have6=1; fi

flat() { tr -d '\r' | tr '\n' '|'; }   # a response on one line, "|" for each line end
fp() { openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//'; }
FP1=$(fp <"$SB_CERTS/sitev1.pem"); FP2=$(fp <"$SB_CERTS/sitev2.pem")
# served_fp HOST SNI: the SHA-256 fingerprint of the certificate served on HOST:$P
served_fp() {
	echo | timeout 10 openssl s_client -connect "$1:$P" -servername "$2" 2>/dev/null | fp 2>/dev/null
}
# w3c: the fields s-ip s-port c-ip cs-host sc-status of the next W3C record
w3c() { log_next "$T/access.log" | awk '{ print $3, $7, $9, $18, $13 }'; }

# ---- both families at once: the certificate and the W3C fields of each
expect_eq "IPv4 client: the 0.0.0.0 certificate, exactly" "$(served_fp 127.0.0.1 app.test)" "$FP1"
log_mark "$T/access.log"
out=$(curl -sS --cacert "$CA" --http1.1 --resolve "sitev1.mysite.com:$P:127.0.0.1" -o /dev/null \
	-H "Host: app.test" -w '%{http_code} %{remote_ip}' "https://sitev1.mysite.com:$P/echo" 2>&1)
expect_eq "IPv4 client: curl verifies it and gets 200" "$out" "200 127.0.0.1"
expect_eq "IPv4 client: W3C s-ip s-port c-ip cs-host sc-status" "$(w3c)" "127.0.0.1 $P 127.0.0.1 app.test 200"
# the 0.0.0.0 listener logs the address the client reached, not 0.0.0.0
log_mark "$T/access.log"
out=$(python3 "$D" --host 127.0.0.2 --port "$P" send 'GET /s-ip HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n' | head -n 1 | tr -d '\r')
expect_eq "IPv4 client to 127.0.0.2: 200, W3C s-ip 127.0.0.2" "$out | $(w3c)" "HTTP/1.1 200 OK | 127.0.0.2 $P 127.0.0.1 app.test 200"
if [ "$have6" = 1 ]; then
	expect_eq "IPv6 client: the [::] certificate, exactly" "$(served_fp '[::1]' app.test)" "$FP2"
	log_mark "$T/access.log"
	out=$(curl -sS --cacert "$CA" --http1.1 --resolve "sitev2.mysite.com:$P:[::1]" -o /dev/null \
		-H "Host: localhost:$P" -w '%{http_code} %{remote_ip}' "https://sitev2.mysite.com:$P/echo" 2>&1)
	expect_eq "IPv6 client: curl verifies it and gets 200" "$out" "200 ::1"
	expect_eq "IPv6 client: W3C s-ip s-port c-ip cs-host sc-status" "$(w3c)" "::1 $P ::1 localhost:$P 200"
	log_mark "$T/access.log"
	out=$(python3 "$D" --host ::1 --sni localhost --port "$P" send \
		'GET /bytes/5 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' | head -n 1 | tr -d '\r')
	expect_eq "IPv6 client, SNI localhost: 200" "$out" "HTTP/1.1 200 OK"
	expect_eq "... W3C s-ip s-port c-ip cs-host sc-status" "$(w3c)" "::1 $P ::1 localhost 200"
else
	for c in "IPv6 client: the [::] certificate, exactly" "IPv6 client: curl verifies it and gets 200" \
		"IPv6 client: W3C s-ip s-port c-ip cs-host sc-status" "IPv6 client, SNI localhost: 200" \
		"... W3C s-ip s-port c-ip cs-host sc-status"; do skip "$c" "this machine has no ::1"; done
fi

# ---- HTTP.SYS's own 400s, each family: a request refused after its head was read (no
# Host, two Hosts) is logged in HTTPERR with its version, method and URL, as HTTP.SYS does
# ("HTTP/1.1 GET /ThisIsMyUrl.htm 400 - Hostname"); one refused in its request line without
# them.  The fields: c-ip s-ip s-port cs-version cs-method cs-uri sc-status s-reason
# httperr_after REQUEST [HOST]: the page's status line, then those fields of the HTTPERR line
httperr_after() {
	local st
	log_mark "$T/httperr.log"
	st=$(python3 "$D" --host "${2:-127.0.0.1}" --port "$P" send "$1" | head -n 1 | tr -d '\r')
	echo "$st | $(log_next "$T/httperr.log" | awk '{ print $3, $5, $6, $7, $8, $9, $11, $13 }')"
}
expect_eq "HTTP/1.1 without Host: 400, HTTPERR names the request" \
	"$(httperr_after 'GET /nohost?x=1 HTTP/1.1\r\n\r\n')" \
	"HTTP/1.1 400 Bad Request | 127.0.0.1 127.0.0.1 $P HTTP/1.1 GET /nohost?x=1 400 Hostname"
expect_eq "two Host fields: 400, HTTPERR names the request" \
	"$(httperr_after 'HEAD /twohosts HTTP/1.1\r\nHost: app.test\r\nHost: bad.test\r\n\r\n')" \
	"HTTP/1.1 400 Bad Request | 127.0.0.1 127.0.0.1 $P HTTP/1.1 HEAD /twohosts 400 Hostname"
out=$(python3 "$D" --port "$P" send 'HEAD /twohosts HTTP/1.1\r\nHost: app.test\r\nHost: bad.test\r\n\r\n' | flat)
expect_eq "... its page to HEAD has the length of the page, and no body (as for an unknown host)" \
	"${out##*Connection: close|}" "Content-Length: 334||<close_notify>|"
expect_eq "a bad verb: 400, HTTPERR without a request" "$(httperr_after 'G@T / HTTP/1.1\r\nHost: app.test\r\n\r\n')" \
	"HTTP/1.1 400 Bad Request | 127.0.0.1 127.0.0.1 $P - - - 400 Verb"
if [ "$have6" = 1 ]; then
	expect_eq "over ::1, HTTP/1.1 without Host: 400, HTTPERR names the request and ::1" \
		"$(httperr_after 'GET /nohost6 HTTP/1.1\r\n\r\n' ::1)" \
		"HTTP/1.1 400 Bad Request | ::1 ::1 $P HTTP/1.1 GET /nohost6 400 Hostname"
else
	skip "over ::1, HTTP/1.1 without Host: 400, HTTPERR names the request and ::1" "this machine has no ::1"
fi

# ---- framing a backend gets wrong: no body byte of a 204, 304 or HEAD answer reaches the
# client, and the next pipelined request on the connection is answered in sync
NEXT='GET /next HTTP/1.1\r\nHost: bad.test\r\nConnection: close\r\n\r\n'
bad() { python3 "$D" --sni bad.test --port "$P" send "$1 HTTP/1.1\r\nHost: bad.test\r\n\r\n$NEXT" | flat; }
OKNEXT='HTTP/1.1 200 OK|Content-Length: 2|Connection: close||ok<close_notify>|'
out=$(bad 'GET /204-length-body')
expect_eq "204 with Content-Length: 4 and a body: no body byte forwarded, next in sync" \
	"$(printf '%s' "$out" | sed 's/Content-Length: 4|//')" "HTTP/1.1 204 No Content||$OKNEXT"
expect_eq "204 with a body and no length: the same" "$(bad 'GET /204-body')" "HTTP/1.1 204 No Content||$OKNEXT"
expect_eq "304 with Content-Length: 4 and a body: the length kept (the representation's), no body" \
	"$(bad 'GET /304-body')" "HTTP/1.1 304 Not Modified|Content-Length: 4||$OKNEXT"
expect_eq "304 with Transfer-Encoding: chunked and a last chunk: no chunk forwarded" \
	"$(bad 'GET /304-chunked')" "HTTP/1.1 304 Not Modified||$OKNEXT"
expect_eq "HEAD answered with a body: the length kept, no body" \
	"$(bad 'HEAD /head-body')" "HTTP/1.1 200 OK|Content-Length: 4||$OKNEXT"
expect_eq "GET of the same: its body" "$(bad 'GET /head-body')" "HTTP/1.1 200 OK|Content-Length: 4||good$OKNEXT"
expect_eq "103 Early Hints is relayed before the answer" "$(bad 'GET /103')" \
	"HTTP/1.1 103 Early Hints|Link: </a.css>; rel=preload||HTTP/1.1 200 OK|Content-Length: 2||ok$OKNEXT"
expect_eq "two unasked 100 Continue heads, then the answer" "$(bad 'GET /100x2')" \
	"HTTP/1.1 100 Continue||HTTP/1.1 100 Continue||HTTP/1.1 200 OK|Content-Length: 2||ok$OKNEXT"
expect_eq "an HTTP/1.0 backend's close-delimited body reaches an HTTP/1.1 client chunked" \
	"$(bad 'GET /http10')" "HTTP/1.1 200 OK|Transfer-Encoding: chunked||8|ten-body|0||$OKNEXT"
expect_eq "a head and body dripped one byte per write arrive whole" "$(bad 'GET /drip')" \
	"HTTP/1.1 200 OK|Content-Length: 3|X-A: b||abc$OKNEXT"

# ---- 51 pipelined requests in one write: every method and status in order, bodies whole
burst="" seq51=""
for i in $(seq 0 49); do
	case $((i % 10)) in
	0) burst+="GET /bytes/$((100 + i)) HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="200 ";;
	1) burst+="HEAD /bytes/1000 HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="200 ";;
	2) burst+="GET /status/204 HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="204 ";;
	3) burst+="GET /status/304?length=50 HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="304 ";;
	4) burst+="HEAD /chunked/500 HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="200 ";;
	5) burst+="GET /chunked/3000 HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="200 ";;
	6) burst+="GET /status/404 HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="404 ";;
	7) burst+="POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello"; seq51+="200 ";;
	8) burst+="POST /upload HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"; seq51+="200 ";;
	9) burst+="GET /status/500 HTTP/1.1\r\nHost: app.test\r\n\r\n"; seq51+="500 ";;
	esac
done
burst+="GET /bytes/7 HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n"; seq51+="200"
python3 "$D" --port "$P" send "$burst" >"$T/burst.out"
expect_eq "51 pipelined requests in one write: 51 answers in order" \
	"$(grep -ao 'HTTP/1.1 [0-9]*' "$T/burst.out" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')" "$seq51"
HELLO='"body_length":5,"body_sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"'
expect_eq "... the ten uploads each arrive as the 5 bytes \"hello\"" "$(grep -aoF "$HELLO" "$T/burst.out" | wc -l)" 10
expect_eq "... the connection ends after the last answer, with close_notify" "$(tail -c 15 "$T/burst.out")" "<close_notify>"
# the five /bytes/N bodies (N = 100, 110, ... 140), cut out by their Content-Length
bodies() {
	python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
for m in re.finditer(rb"Content-Length: (1[0-4]0)\r\n\r\n", d):
    sys.stdout.buffer.write(d[m.end():m.end() + int(m.group(1))])' "$1"
}
want=$(for i in 0 10 20 30 40; do curl -s "http://127.0.0.1:$B/bytes/$((100 + i))"; done | sha256sum)
expect_eq "... the five /bytes bodies are exactly the backend's" "$(bodies "$T/burst.out" | sha256sum)" "$want"

# ---- one byte per TLS record and per write; a head split across two records
# statuses KIND TEXT [HOST]: the status codes (and the end) of TEXT sent as KIND
statuses() {
	python3 "$D" --host "${3:-127.0.0.1}" --port "$P" "$1" "${@:4}" "$2" >"$T/st.out"
	{ grep -ao 'HTTP/1.1 [0-9]*\|"body_length":[0-9]*,"body_sha256":"[0-9a-f]\{8\}\|"trailers":\[[^]]*\]' "$T/st.out"
	  tail -c 15 "$T/st.out"; } | tr '\n' ' '
}
PIPE3='POST /upload HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\nHEAD /chunked/10 HTTP/1.1\r\nHost: app.test\r\n\r\nPOST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789'
WANT3='HTTP/1.1 100 HTTP/1.1 200 "body_length":8,"body_sha256":"f6c97370 "trailers":["X-T: v"] HTTP/1.1 200 HTTP/1.1 200 "body_length":10,"body_sha256":"84d89877 "trailers":[] <close_notify> '
expect_eq "one byte per record: a chunked upload with Expect and trailers, a HEAD, a close" \
	"$(statuses bytewise "$PIPE3")" "$WANT3"
if [ "$have6" = 1 ]; then
	expect_eq "... the same over ::1" "$(statuses bytewise "$PIPE3" ::1)" "$WANT3"
else
	skip "... the same over ::1" "this machine has no ::1"
fi
for k in 1 4 15 16 17 30 31 60; do
	st=$(statuses split "$PIPE3" 127.0.0.1 "$k")
	[ "$st" = "$WANT3" ] || break
done
expect_eq "the three requests split in two records at offsets 1 4 15 16 17 30 31 60 (last: $k)" "$st" "$WANT3"

# ---- early answers to a 20 MB upload: the answer arrives whole, then close_notify (no
# reset that would destroy it), Content-Length and chunked
for path in /fault/early-403 /fault/early-403-close; do
	for how in length chunked; do
		out=$(python3 "$D" --port "$P" early "$path" 20000000 "$how" | flat)
		expect_eq "$path to a 20 MB $how upload: 403 whole, then close_notify" "$out" \
			"HTTP/1.1 403 Status|X-Backend: app|Content-Length: 10|Connection: close||forbidden|<close_notify>|"
	done
done

# ---- reload: a request in flight (at the backend, /slow/) finishes under the configuration
# it started with, says Connection: close, and the connection ends; a new connection gets
# the new configuration.  (HTTP/1.1 has no GOAWAY: a kept connection's next request is
# answered under its own configuration with Connection: close, test_h2_lifecycle.sh 4.)
reloads=0
reload_to() {   # reload_to BACKEND-PORT: reload onto it and wait until every worker serves it
	write_conf "$1"; reloads=$((reloads + 1))
	kill -HUP "$SB_PID"
	wait_log "$LOG" "every worker serves generation $((reloads + 1))" ||
		not_ok "reload $reloads reaches every worker"
}
r0=$(be_requests "$B")
python3 "$D" --port "$P" send 'GET /slow/1500 HTTP/1.1\r\nHost: app.test\r\n\r\n' >"$T/slow.out" &
spid=$!
if be_wait_requests "$B" "$r0" 1; then ok "reload: the slow request is at the backend"; else not_ok "reload: the slow request is at the backend"; fi
reload_to "$B2"
wait "$spid"
expect_eq "reload: the request in flight finishes on the old backend, Connection: close, close_notify" \
	"$(flat <"$T/slow.out" | sed 's/"headers".*"trailers"/…/; s/Content-Length: [0-9]*|//')" \
	'HTTP/1.1 200 OK|X-Backend: app|Content-Type: application/json|Connection: close||{"backend":"app","method":"GET","path":"/slow/1500",…:[]}|<close_notify>|'
out=$(python3 "$D" --port "$P" send 'GET /echo HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n' | grep -a '^X-Backend')
expect_eq "reload: a new connection goes to the new backend" "$out" $'X-Backend: app2\r'
# a response whose head went out before the reload (keep-alive, no Connection: close in
# it): it ends whole, and the next request on the connection is answered Connection: close
# and the connection ends (the client's next one goes to the new configuration)
write_conf "$B"
out=$(python3 "$D" --port "$P" --after-head signal "$SB_PID" SIGHUP \
	'GET /fault/drip/5/100 HTTP/1.1\r\nHost: app.test\r\n\r\n' 'GET /echo HTTP/1.1\r\nHost: app.test\r\n\r\n' \
	"$LOG" "every worker serves generation" $((reloads + 2)) | flat)
reloads=$((reloads + 1))
expect_eq "reload while a response streams: it ends whole; the next answer says Connection: close, then close_notify" \
	"$(printf '%s' "$out" | sed 's/{.*}/{…}/; s/Content-Length: [0-9]*|//')" \
	"HTTP/1.1 200 OK|X-Backend: app2|Transfer-Encoding: chunked||1|.|1|.|1|.|1|.|1|.|0|||HTTP/1.1 200 OK|X-Backend: app2|Content-Type: application/json|Connection: close||{…}|<close_notify>|"
out=$(python3 "$D" --port "$P" send 'GET /echo HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n' | grep -a '^X-Backend')
expect_eq "... and a new connection goes to the new backend" "$out" $'X-Backend: app\r'

# ---- TLS session resumption (s_client -sess_out / -sess_in), 1.2 and 1.3; a session of
# the IPv4 certificate is not resumed on ::1, which has another certificate
# resumed VERSION HOST: "New" or "Reused" and the status of a request on a resumed session
REQ='GET /bytes/3 HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n'
resumed() {
	printf "$REQ" | timeout 10 openssl s_client -connect "$2:$P" "$1" -servername app.test \
		-sess_in "$T/sess$1" -ign_eof 2>/dev/null | grep -a '^New,\|^Reused,\|^HTTP/1.1' |
		sed 's/,.*//' | tr -d '\r' | tr '\n' ' '
}
for v in -tls1_2 -tls1_3; do
	rm -f "$T/sess$v"
	printf "$REQ" | timeout 10 openssl s_client -connect "127.0.0.1:$P" "$v" -servername app.test \
		-sess_out "$T/sess$v" -ign_eof >/dev/null 2>&1
	expect_eq "$v: the session is resumed, and the request on it answered" "$(resumed "$v" 127.0.0.1)" "Reused HTTP/1.1 200 OK "
	expect_eq "$v: ... twice" "$(resumed "$v" 127.0.0.1)" "Reused HTTP/1.1 200 OK "
	if [ "$have6" = 1 ]; then
		expect_eq "$v: ... but not on ::1, whose certificate is another" "$(resumed "$v" '[::1]')" "New HTTP/1.1 200 OK "
	else
		skip "$v: ... but not on ::1, whose certificate is another" "this machine has no ::1"
	fi
done

# ---- clients that leave
# a bare FIN (no close_notify) right after a request: its whole answer, Connection: close
out=$(python3 "$D" --port "$P" leave fin 'GET /slow/300 HTTP/1.1\r\nHost: app.test\r\n\r\n' 0 | flat |
	sed 's/{.*}/{…}/; s/Content-Length: [0-9]*|//')
expect_eq "a request, then a bare FIN: its whole answer, Connection: close, then close_notify" "$out" \
	"HTTP/1.1 200 OK|X-Backend: app|Content-Type: application/json|Connection: close||{…}|<close_notify>|left after 0 bytes|"
# close_notify right after the request (s_client without -ign_eof, stdin at its end)
out=$(printf 'GET /slow/300 HTTP/1.1\r\nHost: app.test\r\n\r\n' | timeout 10 openssl s_client \
	-connect "127.0.0.1:$P" -servername app.test -quiet 2>/dev/null | head -n 1 | tr -d '\r')
expect_eq "a request, then close_notify: its answer still comes" "$out" "HTTP/1.1 200 OK"
# a reset while the request is at the backend, before any answer: HTTPERR Connection_Dropped
# ("closed before the final response was sent"), no W3C line (nothing was answered)
log_mark "$T/httperr.log"; log_mark "$T/access.log"
python3 "$D" --port "$P" leave rst 'GET /slow/1000?dropped HTTP/1.1\r\nHost: app.test\r\n\r\n' 0 \
	"$T/backend-app.log" "request GET /slow/1000?dropped" >/dev/null
expect_eq "a client that resets while its request is at the backend: HTTPERR Connection_Dropped" \
	"$(log_next "$T/httperr.log" | awk '{ print $3, $7, $8, $9, $11, $12, $13, $14 }')" \
	"127.0.0.1 HTTP/1.1 GET /slow/1000?dropped - 1 Connection_Dropped App"
# the next W3C record is the next request's, not the dropped one's
python3 "$D" --port "$P" send 'GET /after-drop HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n' >/dev/null
expect_eq "... and no W3C line for it" "$(log_next "$T/access.log" | awk '{ print $5, $13 }')" "/after-drop 200"
# a reset in the middle of a 100 MB answer: the W3C line says 200 and win32 status 64
# (ERROR_NETNAME_DELETED), and the daemon holds no more sockets than before (a pooled
# backend connection may have gone meanwhile: at most as many)
socks=$(sock_count "$SB_PID")
socks_at_most() { [ "$(sock_count "$1")" -le "$2" ]; }
log_mark "$T/access.log"; log_mark "$T/httperr.log"
out=$(python3 "$D" --port "$P" leave rst 'GET /bytes/100000000 HTTP/1.1\r\nHost: app.test\r\n\r\n' 1000000)
expect_eq "a client that resets after 1 MB of 100 MB left" "${out%% after*}" "left"
expect_eq "... its W3C line: GET /bytes/100000000 200 0 64" \
	"$(log_next "$T/access.log" | awk '{ print $4, $5, $13, $14, $15 }')" "GET /bytes/100000000 200 0 64"
# no HTTPERR line (the final response was sent, not Connection_Dropped): the next HTTPERR
# record is the next refusal's, written after that W3C line
python3 "$D" --port "$P" send 'GET /after-midreset HTTP/1.1\r\n\r\n' >/dev/null
expect_eq "... and no HTTPERR line for it: the next one is the next refusal's" \
	"$(log_next "$T/httperr.log" | awk '{ print $9, $11, $13 }')" "/after-midreset 400 Hostname"
if wait_for -t 10 socks_at_most "$SB_PID" "$socks"; then ok "... the daemon's sockets are back to at most $socks"
else not_ok "... the daemon's sockets are back to at most $socks" "it holds $(sock_count "$SB_PID")"; fi

# ---- SIGTERM with an upload in flight (head and half its body in): the rest of the body
# goes through, the answer says Connection: close, and the daemon exits 0
half=$(head -c 50000 /dev/zero | tr '\0' 'h')
want=$(printf '%s%s' "$half" "$half" | sha256sum | cut -c1-64)
out=$(python3 "$D" --port "$P" --before "decrypted request: POST /upload?sigterm" signal "$SB_PID" SIGTERM \
	"POST /upload?sigterm HTTP/1.1\r\nHost: app.test\r\nContent-Length: 100000\r\n\r\n$half" "$half" \
	"$LOG" "stopping;" 1 | flat)
expect_eq "SIGTERM with an upload in flight: 200, all 100000 bytes, Connection: close, close_notify" \
	"$(printf '%s' "$out" | sed 's/{.*"body_length":\([0-9]*\),"body_sha256":"\([0-9a-f]*\)".*}/\1 \2/; s/Content-Length: [0-9]*|//')" \
	"|HTTP/1.1 200 OK|X-Backend: app|Content-Type: application/json|Connection: close||100000 $want|<close_notify>|"
if wait_for -t 15 eval '! _sb_running "$SB_PID"'; then
	wait "$SB_PID"; expect_eq "... the daemon exits 0" "$?" 0
else
	not_ok "... the daemon exits 0" "it still runs 15 s after SIGTERM"
fi

finish
