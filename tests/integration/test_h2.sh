#!/usr/bin/env bash
# HTTP/2 (issue 15) with clients nobody here wrote: curl --http2, nghttp and h2load
# (Debian's nghttp2-client), openssl s_client for ALPN, and tests/tools/h2attack.py (python3-h2)
# where a client must misbehave on purpose (a reader that stops, an upload into a stopped
# backend).  What a user sees: the protocol ALPN chose, statuses, bytes (sha256 at the
# backend and at the client), the headers that reach each side, which site answered each
# stream with which verdict over one coalesced connection, HTTP.SYS's pages for its
# limits, the W3C and HTTPERR lines, the trace.  Tools are installed on first use with
# scripts/install-deps.sh.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOL="$SB_ROOT/tests/tools/h2attack.py"
need_tool nghttp nghttp2-client || { finish; exit; }
need_tool h2load nghttp2-client || { finish; exit; }
if ! curl -V | grep -qw HTTP2; then not_ok "this curl speaks HTTP/2" "$(curl -V | head -n 1)"; finish; exit; fi
need_python_h2 || { finish; exit; }

P=$(free_port); P2=$(free_port); P3=$(free_port); B=$(free_port); BS=$(free_port); BSTUCK=$(free_port)
be_start "$B" app || { finish; exit; }
# sites(PORT): the two sites of the story sharing both.pem (it names both), an IIS 10
# wildcard-host site, and nothing for any other host (400 Invalid Hostname)
sites() {
	cat <<EOF2
[sslcert 0.0.0.0:$1]
certificate = $SB_CERTS/both.pem
key = $SB_CERTS/both.key

[site MySite V1]
id = 1
bindings = https/*:$1:sitev1.mysite.com
backend = http://127.0.0.1:$B

[site MySite V2]
id = 2
bindings = https/*:$1:sitev2.mysite.com

[site Wild]
id = 3
bindings = https/*:$1:*.mysite.com
backend = http://127.0.0.1:$B
EOF2
}
cat >"$T/h2.ini" <<EOF2
[server]
trust = $SB_CERTS/ca.pem
access_log = $T/access.log
httperr_log = $T/httperr.log
trace = on
max_request_bytes = 8192
max_field_length = 4096
max_url_length = 1024

$(sites "$P")

[site Slow]
id = 4
bindings = https/*:$P:slow.mysite.com
backend = http://127.0.0.1:$BS

[site Stuck]
id = 5
bindings = https/*:$P:stuck.mysite.com
backend = http://127.0.0.1:$BSTUCK
EOF2
sb_start "$T/h2.ini" "$P" || { finish; exit; }
V1="https://sitev1.mysite.com:$P"
R=(--cacert "$SB_CERTS/ca.pem" --resolve "sitev1.mysite.com:$P:127.0.0.1"
	--resolve "sitev2.mysite.com:$P:127.0.0.1" --resolve "api.mysite.com:$P:127.0.0.1")
C=(curl -sS --http2 "${R[@]}")

# ---- ALPN: what a browser is offered
alpn() {   # PORT ALPN-LIST|-: the protocol the server chose, as openssl s_client reports it
	local a=()
	[ "$2" != - ] && a=(-alpn "$2")
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername sitev1.mysite.com "${a[@]}" 2>/dev/null |
		sed -n 's/^\(ALPN protocol: .*\|No ALPN negotiated\)$/\1/p'
}
expect_eq "a browser's ALPN offer (h2, http/1.1) gets h2" "$(alpn "$P" h2,http/1.1)" "ALPN protocol: h2"
expect_eq "a client offering only http/1.1 gets http/1.1" "$(alpn "$P" http/1.1)" "ALPN protocol: http/1.1"
expect_eq "a client offering no ALPN negotiates none (and speaks HTTP/1.1)" "$(alpn "$P" -)" "No ALPN negotiated"
out=$(curl -sS --http1.1 "${R[@]}" "$V1/status/200" -w ' %{http_version}')
expect_eq "... and is answered over HTTP/1.1" "$out" "status 200
 1.1"
cat >"$T/off.ini" <<EOF2
[server]
http2 = off
access_log = off

$(sites "$P2")
EOF2
"$SB_BIN" -c "$T/off.ini" >"$T/sysbind-off.log" 2>&1 &
OFF_PID=$!; _pids+=("$OFF_PID")
if wait_port "$P2"; then
	expect_eq "http2 = off: a browser's offer gets http/1.1" "$(alpn "$P2" h2,http/1.1)" "ALPN protocol: http/1.1"
	out=$(curl -sS --http2 --cacert "$SB_CERTS/ca.pem" --resolve "sitev1.mysite.com:$P2:127.0.0.1" \
		"https://sitev1.mysite.com:$P2/status/200" -w '%{http_version} %{http_code}' -o /dev/null)
	expect_eq "... and curl --http2 falls back to HTTP/1.1" "$out" "1.1 200"
else
	not_ok "sysbind starts with http2 = off" "port $P2 never opened"
fi
our_child "$OFF_PID" && kill "$OFF_PID"; wait "$OFF_PID" 2>/dev/null

# ---- GET, HEAD: :authority becomes Host; the W3C line says HTTP/2
log_mark "$T/access.log"
out=$("${C[@]}" "$V1/echo?get" -w '\n%{http_version} %{http_code}')
expect_eq "GET over HTTP/2: 200" "$(tail -n 1 <<<"$out")" "2 200"
expect_contains "... the backend hears :authority as Host" "$out" "\"Host: sitev1.mysite.com:$P\""
expect_eq "... and no other host field" "$(grep -o -i '"host:' <<<"$out" | wc -l)" "1"
expect_contains "... with X-Forwarded-Proto https" "$out" '"X-Forwarded-Proto: https"'
expect_not_contains "... and no pseudo-header (:authority)" "$out" '":authority'
expect_not_contains "... (:path)" "$out" '":path'
line=$(log_next "$T/access.log")
expect_eq "... the W3C line: GET /echo get, cs-version HTTP/2, 200, site, host, verdict" \
	"$(awk '{ print $4, $5, $6, $10, $13, $17, $18, $21, $22 }' <<<"$line")" \
	"GET /echo get HTTP/2 200 MySite+V1 sitev1.mysite.com:$P ok -"
out=$("${C[@]}" -I "$V1/bytes/1000" -w '%{size_download}')
expect_contains "HEAD over HTTP/2: 200" "$out" "HTTP/2 200"
expect_contains "... with the backend's content-length" "$out" "content-length: 1000"
expect_eq "... and no body" "$(tail -n 1 <<<"$out")" "0"

# ---- bodies: 10 MB up (sha256 at the backend), 20 MB down (sha256 at the client)
head -c 10485760 /dev/urandom >"$T/up10"
want=$(sha256sum <"$T/up10" | cut -c1-64)
out=$("${C[@]}" --data-binary @"$T/up10" "$V1/upload")
expect_contains "POST of 10 MB with a content-length arrives whole at the backend" "$out" \
	"\"body_length\":10485760,\"body_sha256\":\"$want\""
out=$("${C[@]}" -T - "$V1/upload" <"$T/up10")
expect_contains "a 10 MB body of unknown length arrives whole (chunked to the backend)" "$out" \
	"\"body_length\":10485760,\"body_sha256\":\"$want\""
expect_contains "... the backend was told Transfer-Encoding: chunked" "$out" '"Transfer-Encoding: chunked"'
direct=$(curl -s "http://127.0.0.1:$B/bytes/20971520" | sha256sum | cut -c1-64)
got=$("${C[@]}" "$V1/bytes/20971520" | sha256sum | cut -c1-64)
expect_eq "a 20 MB download arrives whole (sha256 at the client)" "$got" "$direct"
# nh: nghttp, which cannot be told an address: it connects to 127.0.0.1 and names sitev1
# with an :authority override (its SNI follows it); its warnings go to nghttp.log
nh() { nghttp -H ":authority: sitev1.mysite.com:$P" "$@" 2>>"$T/nghttp.log"; }
out=$(nh -d "$T/up10" "https://127.0.0.1:$P/upload")
expect_contains "nghttp's POST of 10 MB arrives whole too" "$out" "\"body_sha256\":\"$(sha256sum <"$T/up10" | cut -c1-64)\""
got=$(nh -w 12 -W 14 "https://127.0.0.1:$P/bytes/20971520" | sha256sum | cut -c1-64)
expect_eq "... and to nghttp with 4 KiB stream and 16 KiB connection windows" "$got" "$direct"
for kind in chunked close; do
	want=$(curl -s "http://127.0.0.1:$B/bytes/1000000" | sha256sum | cut -c1-64)
	got=$("${C[@]}" "$V1/$kind/1000000" | sha256sum | cut -c1-64)
	expect_eq "a $kind backend body reaches the HTTP/2 client whole" "$got" "$want"
done
out=$(nh -n -v "https://127.0.0.1:$P/close/1000")
expect_contains "... the close-delimited one ends its stream with END_STREAM" "$out" "flags=0x01, stream_id=13>"

# ---- back-pressure, both ways, with what the daemon holds meanwhile
# unread_from PORT: how many of the daemon's sockets to 127.0.0.1:PORT hold bytes it has
# not read (the kernel's receive queue, /proc/net/tcp)
unread_from() {
	awk -v p="$(printf '%04X' "$1")" 'NR > 1 { split($3, r, ":"); split($5, q, ":");
		if (r[1] == "0100007F" && r[2] == p && q[2] != "00000000") n++ } END { print n + 0 }' /proc/net/tcp
}
unread() { [ "$(unread_from "$1")" -gt 0 ]; }
asan=0; ldd "$SB_BIN" 2>/dev/null | grep -q libasan && asan=1
# rss_bound NAME BEFORE FILE: the daemon, sampled every 50 ms into FILE (rss_watch) over
# the whole transfer, grew by less than 16 MiB at its largest: one sample taken when the
# client stops would come before the buffers fill
rss_bound() {
	local grew=$(( $(max_of "$3") - $2 ))
	if [ "$asan" = 1 ]; then
		skip "$1" "not measured under AddressSanitizer (its quarantine holds freed memory)"
	elif [ "$(wc -l <"$3")" -lt 2 ]; then not_ok "$1" "$(wc -l <"$3") RSS sample(s)"
	elif [ "$grew" -lt 16384 ]; then ok "$1 (+$grew KiB at most, $(wc -l <"$3") samples)"
	else not_ok "$1" "+$grew KiB"; fi
}
rss_stop() { kill "$RSS_PID" 2>/dev/null; wait "$RSS_PID" 2>/dev/null; }
rm -f "$T/release"
rss0=$(rss_kb "$SB_PID")
rss_watch "$SB_PID" "$T/rss-slow"
"$PY" "$TOOL" slow-read --port "$P" --sni sitev1.mysite.com --path /bytes/67108864 \
	--first 1048576 --release "$T/release" --wait 60 >"$T/slow.out" 2>&1 &
SR=$!; _pids+=("$SR")
if wait_log "$T/slow.out" "holding" 30; then
	# it holds now: whatever the backend still sends fills sockets, not the daemon
	held=$(sed -n 's/^holding received=//p' "$T/slow.out")
	if wait_for -t 10 unread "$B"; then
		ok "a client that stops opening its window (after $held bytes of 64 MiB): the daemon stops reading the backend"
	else
		not_ok "a client that stops opening its window: the daemon stops reading the backend" "no unread bytes in its backend socket"
	fi
else
	not_ok "the slow reader reads its first MiB" "$(cat "$T/slow.out")"
fi
touch "$T/release"
wait "$SR"
rss_stop
rss_bound "... and holds less than 16 MiB more over the whole transfer" "$rss0" "$T/rss-slow"
direct=$(curl -s "http://127.0.0.1:$B/bytes/67108864" | sha256sum | cut -c1-64)
expect_contains "... then, its window open again, it gets all 64 MiB intact" "$(cat "$T/slow.out")" "sha256=$direct"

be_start "$BS" stopped || { finish; exit; }
STOPPED=$BE_PID
rm -f "$T/release"
rss0=$(rss_kb "$SB_PID")
rss_watch "$SB_PID" "$T/rss-upload"
kill -STOP "$STOPPED"
"$PY" "$TOOL" upload --port "$P" --sni slow.mysite.com --path /upload --size 50331648 \
	--release "$T/release" --wait 60 >"$T/upload.out" 2>&1 &
UP=$!; _pids+=("$UP")
if wait_log "$T/upload.out" "blocked" 30; then
	sent=$(sed -n 's/^blocked sent=//p' "$T/upload.out")
	if [ "$sent" -lt $((24 * 1024 * 1024)) ]; then
		ok "an upload into a stopped backend: the daemon's flow control stops the client ($((sent / 1024)) KiB of 48 MiB sent)"
	else
		not_ok "an upload into a stopped backend: the daemon's flow control stops the client" "$sent bytes sent"
	fi
else
	not_ok "an upload into a stopped backend is held by flow control" "$(cat "$T/upload.out")"
fi
kill -CONT "$STOPPED"
touch "$T/release"
wait "$UP"
rss_stop
rss_bound "... and holds less than 16 MiB more over the whole upload" "$rss0" "$T/rss-upload"
sha=$(sed -n 's/^sha256=//p' "$T/upload.out")
expect_contains "... once the backend goes on, all 48 MiB arrive intact" "$(cat "$T/upload.out")" \
	"\"body_length\":50331648,\"body_sha256\":\"$sha\""

# Uploads the client gives up while their backend takes nothing (it never accepts): what
# the daemon held back of each must go back to the connection's window, or 20 of them
# (1 MiB) leave the connection unable to send a byte of any body
"$SB_BUILD/tests/backend" --port "$BSTUCK" --name stuck --no-accept >"$T/backend-stuck.log" 2>&1 &
_pids+=("$!"); wait_port "$BSTUCK"
out=$(timeout 120 "$PY" "$TOOL" reset-uploads --port "$P" --sni stuck.mysite.com --path /upload --count 20 \
	--quiet 0.3 --then-authority "sitev1.mysite.com:$P" 2>&1)
expect_eq "20 uploads into a backend that takes nothing, each held by flow control, then reset" \
	"$(sed -n 's/^held=//p' <<<"$out")" "20"
expect_eq "... the connection's window is whole again (1 MiB)" "$(sed -n 's/^conn_window=//p' <<<"$out")" "1048576"
expect_eq "... and a 1 MiB upload to sitev1 goes through on the same connection" \
	"$(sed -n 's/^then_sent=//p;s/^then_status=//p' <<<"$out" | tr '\n' ' ')" "200 1048576 "

# ---- 1xx, 204, 304
head -c 100000 /dev/urandom >"$T/small"
out=$(nh -v --expect-continue -d "$T/small" "https://127.0.0.1:$P/upload")
expect_contains "Expect: 100-continue: the backend's 100 reaches the client as an interim response" \
	"$out" "recv (stream_id=13) :status: 100"
expect_contains "... then the final 200" "$out" "recv (stream_id=13) :status: 200"
for st in 204 304; do
	out=$(nh -v "https://127.0.0.1:$P/status/$st")
	expect_contains "$st: its head ends the stream (END_STREAM on HEADERS)" \
		"$(grep -A1 'recv HEADERS frame' <<<"$out")" "; END_STREAM | END_HEADERS"
	expect_not_contains "... no DATA frame" "$out" "recv DATA frame"
	expect_not_contains "... no content-length" "$out" "content-length"
done

# ---- headers both ways
out=$(nh -v "https://127.0.0.1:$P/hop-headers")
expect_contains "the backend's headers reach the client lowercased" "$out" "recv (stream_id=13) x-mixed-case: Value"
for f in connection keep-alive proxy-connection x-hop-named transfer-encoding; do
	expect_not_contains "... without $f (connection-specific)" "$out" "recv (stream_id=13) $f:"
done
out=$(nh -n -v "https://127.0.0.1:$P/chunked/100")
expect_not_contains "a chunked response arrives without transfer-encoding" "$out" "transfer-encoding"
out=$(nh -H 'cookie: a=1' -H 'cookie: b=2' -H 'cookie: c=3' "https://127.0.0.1:$P/echo")
expect_contains "cookie crumbs are joined into one Cookie for the backend" "$out" '"cookie: a=1; b=2; c=3"'
expect_eq "... and only one" "$(grep -o -i '"cookie:' <<<"$out" | wc -l)" "1"
log_mark "$T/httperr.log"
out=$(nghttp -v -H "host: sitev2.mysite.com" -H ":authority: sitev1.mysite.com:$P" \
	"https://127.0.0.1:$P/host-mismatch" 2>&1)
expect_contains "a Host field naming another host than :authority: 400" "$out" ":status: 400"
expect_contains "... HTTP.SYS's Invalid Hostname page" "$out" "Bad Request - Invalid Hostname"
expect_eq "... HTTPERR with the stream id, reason Hostname" "$(log_next "$T/httperr.log" | cut -d' ' -f7-)" \
	"HTTP/2 GET /host-mismatch 13 400 - Hostname -"

f3000=$(head -c 3000 /dev/zero | tr '\0' a)
# ---- trailers: forwarded both ways (test_trailers.sh has the rest: HTTP/1.1, python3-h2,
# the limits); the bodies around them arrive whole
want=$(curl -s "http://127.0.0.1:$B/bytes/100000" | sha256sum | cut -c1-64)
got=$(nh "https://127.0.0.1:$P/trailers/100000" | sha256sum | cut -c1-64)
expect_eq "a chunked response with trailers arrives whole" "$got" "$want"
out=$(nh -n -v "https://127.0.0.1:$P/trailers/100000")
# what came after the last DATA frame: the trailer fields, then their HEADERS frame
tail_frames=$(awk '/recv DATA frame/ { last = $0; buf = ""; next } { buf = buf $0 "\n" }
	END { print last; printf "%s", buf }' <<<"$out")
expect_eq "... its trailer section arrives as a trailing HEADERS frame: the three fields a proxy forwards, in order" \
	"$(grep -o 'recv (stream_id=[0-9]*) .*' <<<"$tail_frames" | cut -d' ' -f3-)" \
	"$(printf 'x-trailer-one: t1\nx-checksum: done\ngrpc-status: 0')"
expect_contains "... that frame ends the stream" "$tail_frames" "flags=0x05"
expect_contains "... ; END_STREAM | END_HEADERS" "$tail_frames" "END_STREAM | END_HEADERS"
expect_contains "... and the last DATA frame did not" "$(head -n 1 <<<"$tail_frames")" "flags=0x00"
expect_not_contains "... none of the ten fields that never travel in trailers (framing, routing, authentication, control, content)" \
	"$tail_frames" "forbidden"
expect_not_contains "... (the Content-Length: 31337 among them)" "$tail_frames" "31337"
want=$(sha256sum <"$T/small" | cut -c1-64)
uploads() { grep -c ' POST /upload ' "$T/access.log"; }
uploads_are() { [ "$(uploads)" -eq "$1" ]; }
u0=$(uploads)
out=$(nh -d "$T/small" --trailer 'x-req-trailer: 1' "https://127.0.0.1:$P/upload")
expect_contains "a request with a content-length and trailers: its body arrives whole" "$out" "\"body_sha256\":\"$want\""
expect_contains "... with its Content-Length, so its trailer field is dropped (README: HTTP/2)" "$out" '"trailers":[]'
out=$(nh --no-content-length -d "$T/small" --trailer 'x-req-trailer: 1' --trailer 'authorization: Basic eA==' \
	"https://127.0.0.1:$P/upload")
expect_contains "a request of unknown length ended by its trailers: the chunked body ends there" "$out" \
	"\"body_length\":100000,\"body_sha256\":\"$want\""
expect_contains "... its trailer field reaches the backend as the chunked body's trailer section" "$out" \
	'"trailers":["x-req-trailer: 1"]'
# the two uploads' W3C lines are written at the end of the loop pass that answered each,
# perhaps after nghttp has the answer: waited for, so that the mark below comes after them
wait_for uploads_are $((u0 + 2)) || not_ok "the two uploads are in the access log"
log_mark "$T/access.log"
out=$(nh -d "$T/small" --trailer "x-t1: $f3000" --trailer "x-t2: $f3000" "https://127.0.0.1:$P/upload?bigtrailers")
expect_contains "trailers of 6000 bytes (under max_request_bytes): the body arrives whole" "$out" "\"body_sha256\":\"$want\""
expect_eq "... and the request's W3C line is intact (the head outlives its trailers)" \
	"$(log_next "$T/access.log" | awk '{ print $4, $5, $6, $10, $13 }')" "POST /upload bigtrailers HTTP/2 200"
log_mark "$T/httperr.log"
out=$(nh -v -d "$T/small" --trailer "x-t1: $f3000" --trailer "x-t2: $f3000" --trailer "x-t3: $f3000" \
	"https://127.0.0.1:$P/upload?toolongtrailers")
expect_contains "trailers over max_request_bytes: 400, as HTTP/1.1's" "$out" "recv (stream_id=13) :status: 400"
expect_eq "... HTTPERR RequestLength with the stream id" "$(log_next "$T/httperr.log" | cut -d' ' -f7-)" \
	"HTTP/2 POST /upload?toolongtrailers 13 400 1 RequestLength MySite+V1"

# ---- routing by :authority: streams of one connection (SNI sitev1) to every site
# curl reuses its connection for each --next transfer (streams 1, 3, 5, ...); -H Host sets
# :authority
log_mark "$T/access.log"; log_mark "$T/httperr.log"; log_mark "$T/sysbind.log"
curl -sS --http2 "${R[@]}" -o "$T/r1" -w '%{num_connects} %{http_code} r1\n' "$V1/echo?route=v1" \
	--next --http2 "${R[@]}" -o "$T/r2" -w '%{num_connects} %{http_code} r2\n' -H "Host: sitev2.mysite.com:$P" \
		-H 'Accept: application/json' "$V1/?route=v2" \
	--next --http2 "${R[@]}" -o "$T/r3" -w '%{num_connects} %{http_code} r3\n' -H "Host: sitev2.mysite.com:$P" "$V1/?route=v2html" \
	--next --http2 "${R[@]}" -o "$T/r4" -w '%{num_connects} %{http_code} r4\n' -H "Host: API.MYSITE.COM:$P" "$V1/echo?route=wild" \
	--next --http2 "${R[@]}" -o "$T/r5" -w '%{num_connects} %{http_code} r5\n' -H "Host: unknown.example:$P" "$V1/?route=none" \
	--next --http2 "${R[@]}" -o "$T/r6" -w '%{num_connects} %{http_code} r6\n' -H "Host: sitev1.mysite.com.:$P" "$V1/?route=dot" \
	>"$T/route.out" 2>&1
sort -k3 "$T/route.out" >"$T/route.sorted"
expect_eq "one connection carries streams for sitev1, sitev2, a wildcard host and unknown hosts" \
	"$(awk '{ n += $1 } END { print n }' "$T/route.sorted")" "1"
expect_eq "... answered 200 200 200 200 400 400" "$(awk '{ printf "%s ", $2 }' "$T/route.sorted")" "200 200 200 200 400 400 "
expect_contains "... sitev1's stream reached its backend" "$(cat "$T/r1")" "\"Host: sitev1.mysite.com:$P\""
expect_contains "... sitev2's stream got site 2's diagnostic page" "$(cat "$T/r2")" '"site": "MySite V2"'
expect_contains "... which says HTTP/2" "$(cat "$T/r2")" '"http_version": "HTTP/2"'
expect_contains "... and that the connection is coalesced: certificate chosen for SNI sitev1" \
	"$(cat "$T/r2")" '"coalesced_sni": "sitev1.mysite.com"'
expect_contains "... its verdict: ok (both.pem names sitev2 too)" "$(cat "$T/r2")" '"verdict": "ok"'
expect_contains "... the HTML page says so in words" "$(cat "$T/r3")" \
	"<b>Coalesced connection</b>: the certificate was chosen for SNI <code>sitev1.mysite.com</code>, this request is for <code>sitev2.mysite.com:$P</code>"
expect_contains "... API.MYSITE.COM went to the *.mysite.com site (IIS 10 wildcard, any case)" "$(cat "$T/r4")" "\"Host: API.MYSITE.COM:$P\""
expect_contains "... an unknown host: HTTP.SYS's Invalid Hostname, on that stream only" "$(cat "$T/r5")" "Bad Request - Invalid Hostname"
expect_contains "... a host with a trailing dot matches nothing" "$(cat "$T/r6")" "Bad Request - Invalid Hostname"
wait_log "$T/access.log" "route=wild"
w3c() {   # QUERY: site, host, sni, verdict, coalesced of the W3C line of that request
	grep " $1 " "$T/access.log" | tail -n 1 | awk '{ print $10, $13, $17, $18, $19, $21, $22 }'
}
expect_eq "W3C: sitev1's stream, site 1, verdict ok, not coalesced" "$(w3c route=v1)" \
	"HTTP/2 200 MySite+V1 sitev1.mysite.com:$P sitev1.mysite.com ok -"
expect_eq "W3C: sitev2's stream, site 2, verdict ok, x-coalesced carries the SNI" "$(w3c route=v2)" \
	"HTTP/2 200 MySite+V2 sitev2.mysite.com:$P sitev1.mysite.com ok sitev1.mysite.com"
expect_eq "W3C: the wildcard's stream, site 3, verdict name-mismatch, coalesced" "$(w3c route=wild)" \
	"HTTP/2 200 Wild API.MYSITE.COM:$P sitev1.mysite.com name-mismatch sitev1.mysite.com"
expect_log "the trace: coalesced connection: certificate chosen for SNI sitev1, request for sitev2" "$T/sysbind.log" \
	"coalesced connection: certificate chosen for SNI sitev1.mysite.com, request for sitev2.mysite.com:$P; routed by :authority, as HTTP.SYS does"
wait_log "$T/httperr.log" "route=dot"
expect_eq "HTTPERR: the unknown host's stream, with its id, reason Hostname" \
	"$(grep -F '/?route=none' "$T/httperr.log" | tail -n 1 | cut -d' ' -f7-)" "HTTP/2 GET /?route=none 9 400 - Hostname -"

# misdirected = 421: the coalesced stream only is answered 421
cat >"$T/421.ini" <<EOF2
[server]
misdirected = 421
access_log = off
httperr_log = $T/httperr-421.log

$(sites "$P3")
EOF2
"$SB_BIN" -c "$T/421.ini" >"$T/sysbind-421.log" 2>&1 &
MIS_PID=$!; _pids+=("$MIS_PID")
if wait_port "$P3"; then
	U3="https://sitev1.mysite.com:$P3"
	R3=(--cacert "$SB_CERTS/ca.pem" --resolve "sitev1.mysite.com:$P3:127.0.0.1")
	curl -sS --http2 "${R3[@]}" -o "$T/m1" -w '%{num_connects} %{http_code} m1\n' "$U3/echo?m=1" \
		--next --http2 "${R3[@]}" -o "$T/m2" -w '%{num_connects} %{http_code} m2\n' -H "Host: sitev2.mysite.com:$P3" "$U3/?m=2" \
		--next --http2 "${R3[@]}" -o "$T/m3" -w '%{num_connects} %{http_code} m3\n' "$U3/echo?m=3" \
		>"$T/mis.out" 2>&1
	expect_eq "misdirected = 421: on one connection, sitev1 200, the coalesced sitev2 421, sitev1 200" \
		"$(sort -k3 "$T/mis.out" | awk '{ n += $1; s = s $2 " " } END { print n, s }')" "1 200 421 200 "
	expect_contains "... the 421 is sysbind's page" "$(cat "$T/m2")" "421"
	wait_log "$T/httperr-421.log" "m=2"
	expect_eq "... HTTPERR: the stream's id, 421, reason Misdirected" \
		"$(grep -F '/?m=2' "$T/httperr-421.log" | cut -d' ' -f7-)" "HTTP/2 GET /?m=2 3 421 2 Misdirected MySite+V2"
else
	not_ok "sysbind starts with misdirected = 421" "port $P3 never opened"
fi
our_child "$MIS_PID" && kill "$MIS_PID"; wait "$MIS_PID" 2>/dev/null

# ---- HTTP.SYS's limits on HTTP/2: the page on that stream, HTTPERR with the stream id;
# the connection goes on (each time a second stream on it is answered)
f5000=$(head -c 5000 /dev/zero | tr '\0' a)
u1100=$(head -c 1100 /dev/zero | tr '\0' u)
limit() {   # NAME STATUS PAGE-TEXT REASON PATH CURL-ARGS...: the limit's request, then a good one
	local name=$1 st=$2 text=$3 reason=$4 path=$5 out
	shift 5
	log_mark "$T/httperr.log"
	out=$(curl -sS --http2 "${R[@]}" "$@" -o "$T/lim" -w '%{num_connects} %{http_code} a\n' "$V1$path" \
		--next --http2 "${R[@]}" -o /dev/null -w '%{num_connects} %{http_code} b\n' "$V1/status/200" 2>&1)
	expect_eq "$name: $st on that stream; the connection's next stream 200" \
		"$(sort -k3 <<<"$out" | awk '{ n += $1; s = s $2 " " } END { print n, s }')" "1 $st 200 "
	expect_contains "... HTTP.SYS's page" "$(cat "$T/lim")" "$text"
	expect_eq "... HTTPERR: HTTP/2, the stream id, $st, reason $reason" \
		"$(log_next "$T/httperr.log" | cut -d' ' -f7,8,10-)" "HTTP/2 GET 1 $st - $reason -"
}
limit "a header list over max_request_bytes (3 fields of 3000 bytes, limit 8192)" 400 \
	"Bad Request - Request Too Long" RequestLength /echo?toolong -H "X-A: $f3000" -H "X-B: $f3000" -H "X-C: $f3000"
limit "a field over max_field_length (5000 bytes, limit 4096)" 400 \
	"Bad Request - Request Too Long" FieldLength /echo?field -H "X-A: $f5000"
limit "a :path over max_url_length (1100 bytes, limit 1024)" 414 "Request URL Too Long" URL_Length "/$u1100"

# ---- h2load: many streams on few connections, counts exact
log_mark "$T/access.log"
before=$(be_requests "$B")   # counts itself
out=$(h2load -n 2000 -c 4 -m 25 -H ":authority: sitev1.mysite.com:$P" "https://127.0.0.1:$P/status/200?h2load" 2>&1)
expect_contains "h2load: 2000 requests on 4 connections, 25 streams each at a time: all succeed" "$out" \
	"requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout"
expect_contains "... all 2xx" "$out" "status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx"
after=$(be_requests "$B")   # h2load ended: every response, so every request, went through
expect_eq "... the backend got exactly 2000 requests" "$((after - before - 1))" "2000"
logged() { [ "$(grep -c " $1 " "$T/access.log")" -ge "$2" ]; }
wait_for -t 10 logged "/status/200 h2load" 2000
expect_eq "... the W3C log has exactly 2000 lines for them, all HTTP/2 200" \
	"$(grep ' /status/200 h2load ' "$T/access.log" | awk '$10 == "HTTP/2" && $13 == 200' | wc -l)" "2000"
if kill -0 "$SB_PID" 2>/dev/null; then ok "the daemon is still running"; else not_ok "the daemon is still running"; fi
finish
