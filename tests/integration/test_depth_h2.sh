#!/usr/bin/env bash
# HTTP/2 in depth, on the paths every client takes, with clients nobody here wrote: curl
# --http2, nghttp, h2load (nghttp2-client) and tests/tools/h2attack.py (python3-h2), over
# IPv6 (::1, and `localhost` resolved to ::1 first) and IPv4 to one "*" binding listening
# on 0.0.0.0 and [::].  What a user sees, counted exactly:
#   1. the answers a backend gives (200 with a body, 204, 304 with and without the
#      representation's content-length, an ETag, a Transfer-Encoding; HEAD; 404, 500),
#      502 and 503 when it breaks or is down, and sysbind's own pages: the status, the
#      content-length as the backend gave it, END_STREAM on the HEADERS frame when there
#      is no body, the DATA bytes, the W3C line (s-ip, c-ip, cs-version, sc-status);
#   2. bodies of 0, 1, 16383, 16384, 16385, 65535, 65536 bytes and 1 MiB, down and up,
#      many at once on one connection (sha256 at each end), also through small windows;
#      h2load's mixed 204/304/200/404 streams, counted by status and by DATA bytes;
#      16 uploads queued behind one another (backend_max_connections = 1) all arrive;
#   3. early answers: a backend's 403 before it read an upload (keep-alive or close,
#      content-length or chunked): the answer whole, then RST_STREAM(NO_ERROR), the
#      connection's next stream served, an upload beside it unharmed;
#   4. reload and SIGTERM with streams in flight: they complete, GOAWAY NO_ERROR names
#      the last one, the W3C log has a line for each answer and none for the rest, the
#      daemon exits 0 at once (also when an early answer's client stops sending).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOL="$SB_ROOT/tests/tools/h2attack.py"
need_tool nghttp nghttp2-client || { finish; exit; }
need_tool h2load nghttp2-client || { finish; exit; }
if ! curl -V | grep -qw HTTP2; then not_ok "this curl speaks HTTP/2" "$(curl -V | head -n 1)"; finish; exit; fi
need_python_h2 || { finish; exit; }
# Whether IPv6 works is the machine's fact (::1 on lo): without it, the checks run over
# 127.0.0.1 only, and say so.
IP6=::1
if ! grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	IP6=127.0.0.1
	skip "IPv6 (::1)" "this machine has no ::1: every check below runs over 127.0.0.1"
fi
url6() { if [ "$IP6" = ::1 ]; then echo "https://[::1]:$1"; else echo "https://127.0.0.1:$1"; fi; }

P=$(free_port); B=$(free_port); DEAD=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/sb.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log
pid_file = $T/sysbind.pid

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

[sslcert [::]:$P]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

[site App]
id = 1
bindings = https/*:$P:app.mysite.com
backend = http://127.0.0.1:$B
; the fault paths below fail on purpose: no rapid-fail stop (test_apppool.sh has it)
rapid_fail = off

[site Dead]
id = 2
bindings = https/*:$P:dead.mysite.com
backend = http://127.0.0.1:$DEAD
rapid_fail = off

[site Diag]
id = 3
bindings = https/*:$P:diag.mysite.com

[site Local]
id = 4
bindings = https/*:$P:localhost
backend = http://127.0.0.1:$B

[site Queue]
id = 5
bindings = https/*:$P:queue.mysite.com
backend = http://127.0.0.1:$B
backend_max_connections = 1
queue_length = 20
EOF2
sb_start "$T/sb.ini" "$P" || { finish; exit; }
field() { sed -n "s/^$1=//p" <<<"$2"; }   # KEY OUTPUT: h2attack's value of KEY
H6=(--cacert "$SB_CERTS/ca.pem")
for h in app dead diag unknown; do H6+=(--resolve "$h.mysite.com:$P:$IP6"); done
H4=(--cacert "$SB_CERTS/ca.pem" --resolve "app.mysite.com:$P:127.0.0.1")
# w3c_new FILE: the records FILE gained since log_mark FILE; w3c_has FILE N: at least N
w3c_new() { sed -n "$(( ${_marks[$1]:-0} + 1 )),\$p" "$1" 2>/dev/null | grep -v '^#'; }
w3c_has() { [ "$(w3c_new "$1" | wc -l)" -ge "$2" ]; }
# w3c_count N AWK-FIELDS: once the access log has N new records, "COUNT x FIELDS" for
# each kind of them (fields by number: 3 s-ip, 4 cs-method, 5 cs-uri-stem, 9 c-ip,
# 10 cs-version, 13 sc-status, 15 sc-win32-status, 17 s-sitename)
w3c_count() {
	wait_for -t 10 w3c_has "$T/access.log" "$1"
	w3c_new "$T/access.log" | awk -v f="$2" 'BEGIN { n = split(f, k, " ") }
		{ key = ""; for (i = 1; i <= n; i++) key = key (i > 1 ? " " : "") $(k[i]); c[key]++ }
		END { for (key in c) print c[key] " x " key }' | sort
}
sha() { sha256sum | cut -c1-64; }
# data_bytes H2LOAD-OUTPUT: the DATA bytes h2load counted ("traffic: ... 58.59MB (61440000) data")
data_bytes() { sed -n 's/^traffic: .* (\([0-9]*\)) data$/\1/p' <<<"$1"; }

# ---- 1. each kind of answer, over IPv6, as the frames say
log_mark "$T/access.log"
# frames METHOD HOST PATH: nghttp's view of the one stream (13: nghttp opens 3-11 as
# priority anchors): "STATUS cl=CONTENT-LENGTH es=1 when END_STREAM was on the HEADERS
# frame, data=DATA BYTES (cl when they equal a content-length), etag=, te="
frames() {
	timeout 20 nghttp -v -H ":method: $1" -H ":authority: $2.mysite.com:$P" "$(url6 "$P")$3" 2>&1 | awk '
		/recv \(stream_id=13\) :status:/ { st = $NF }
		/recv \(stream_id=13\) content-length:/ { cl = $NF }
		/recv \(stream_id=13\) etag:/ { etag = $NF }
		/recv \(stream_id=13\) transfer-encoding:/ { te = $NF }
		/recv HEADERS frame .*stream_id=13>/ { if ($0 ~ /flags=0x[0-9a-f][13579bdf],/) es = 1 }
		/recv DATA frame .*stream_id=13>/ { match($0, /length=[0-9]+/); d += substr($0, RSTART + 7, RLENGTH - 7) }
		END { if (cl == "") cl = "-"; if (etag == "") etag = "-"; if (te == "") te = "-"
			printf "%s cl=%s es=%d data=%s etag=%s te=%s\n", st, cl, es,
				(cl != "-" && d + 0 == cl + 0 && d > 0) ? "cl" : d + 0, etag, te }'
}
answer() {   # NAME METHOD HOST PATH WANT
	expect_eq "$1" "$(frames "$2" "$3" "$4")" "$5"
}
answer "GET of a 200 with a body: HEADERS, then 11 bytes of DATA" GET app /status/200 "200 cl=11 es=0 data=cl etag=- te=-"
answer "GET of a 204: END_STREAM on the HEADERS frame, no DATA" GET app /status/204 "204 cl=- es=1 data=0 etag=- te=-"
answer "... also when the backend framed it Transfer-Encoding: chunked (not forwarded)" GET app "/status/204?te=chunked" \
	"204 cl=- es=1 data=0 etag=- te=-"
answer "GET of a 304: END_STREAM on HEADERS, no DATA" GET app /status/304 "304 cl=- es=1 data=0 etag=- te=-"
answer "... with its ETag and the representation's content-length, passed as the backend gave them" \
	GET app "/status/304?etag=v1&length=42" '304 cl=42 es=1 data=0 etag="v1" te=-'
answer "... with a Transfer-Encoding: chunked from the backend: not forwarded, still no DATA" \
	GET app "/status/304?etag=v2&te=chunked" '304 cl=- es=1 data=0 etag="v2" te=-'
answer "HEAD of a 200: the backend's content-length, END_STREAM on HEADERS, no DATA" HEAD app /bytes/1000 \
	"200 cl=1000 es=1 data=0 etag=- te=-"
answer "HEAD of a chunked 200: no transfer-encoding, END_STREAM on HEADERS" HEAD app /chunked/1000 \
	"200 cl=- es=1 data=0 etag=- te=-"
answer "HEAD of a 304 with content-length: passed, END_STREAM on HEADERS" HEAD app "/status/304?length=42" \
	"304 cl=42 es=1 data=0 etag=- te=-"
answer "GET of a 404: its body" GET app /status/404 "404 cl=11 es=0 data=cl etag=- te=-"
answer "GET of a 500: its body" GET app /status/500 "500 cl=11 es=0 data=cl etag=- te=-"
# page NAME HOST PATH STATUS: one of HTTP.SYS's pages, whole (its DATA bytes are its
# content-length), and its HEAD: the same content-length, END_STREAM on HEADERS, no DATA
page() {
	local got
	got=$(frames GET "$2" "$3")
	expect_eq "$1: HTTP.SYS's $4 page, whole" "${got%% *} ${got#* cl=* }" "$4 es=0 data=cl etag=- te=-"
	answer "... HEAD of it: the page's content-length, END_STREAM on HEADERS, no DATA" HEAD "$2" "$3" \
		"$4 cl=$(sed 's/.* cl=\([0-9]*\) .*/\1/' <<<"$got") es=1 data=0 etag=- te=-"
}
page "a backend's invalid response" app /bad 502
page "a backend that resets before answering" app /fault/reset-head 502
page "a backend that is down" dead /x 503
page "an unknown host" unknown /x 400
page "a site without a backend (the diagnostic page)" diag /x 200
# the W3C lines of those streams (the unknown host's two go to HTTPERR only, as
# HTTP.SYS's): s-ip and c-ip the client's address, HTTP/2, each method and status
expect_eq "W3C: one line for each of the 19 other streams, with s-ip and c-ip $IP6" \
	"$(w3c_count 19 "3 9 10 4 13" | tr '\n' ';')" \
	"$(printf '%s\n' "2 x S S HTTP/2 GET 200" "2 x S S HTTP/2 GET 204" "1 x S S HTTP/2 GET 404" \
		"1 x S S HTTP/2 GET 500" "2 x S S HTTP/2 GET 502" "1 x S S HTTP/2 GET 503" "3 x S S HTTP/2 GET 304" \
		"3 x S S HTTP/2 HEAD 200" "2 x S S HTTP/2 HEAD 502" "1 x S S HTTP/2 HEAD 503" "1 x S S HTTP/2 HEAD 304" |
		sed "s/S S/$IP6 $IP6/g" | sort | tr '\n' ';')"

# the same listener over IPv4, and `localhost` resolved to ::1 first, then 127.0.0.1 (as
# glibc orders them when /etc/hosts names both): curl's happy eyeballs takes ::1; the
# certificate (*.mysite.com) does not name localhost, so that check does not verify it
log_mark "$T/access.log"
out=$(curl -sS --http2 "${H4[@]}" -D - -o /dev/null -w '%{http_version} %{remote_ip}\n' \
	"https://app.mysite.com:$P/status/304?etag=v4&length=7" 2>&1 | tr -d '\r' | grep -iv '^date:')
expect_eq "IPv4: a 304 over HTTP/2 with its ETag and content-length, no body" "$out" \
	"$(printf 'HTTP/2 304 \nx-backend: app\netag: "v4"\ncontent-length: 7\n\n2 127.0.0.1')"
if [ "$IP6" = ::1 ]; then
	out=$(curl -sS --http2 -k --resolve "localhost:$P:::1,127.0.0.1" -w '%{http_version} %{http_code} %{remote_ip}' \
		-o "$T/local.json" "https://localhost:$P/echo?local" 2>&1)
	expect_eq "localhost (::1 first): HTTP/2 200 over ::1" "$out" "2 200 ::1"
	expect_contains "... the backend hears Host localhost:$P" "$(cat "$T/local.json")" "\"Host: localhost:$P\""
	expect_eq "W3C: the IPv4 line (s-ip, c-ip 127.0.0.1) and the localhost line (::1, site Local)" \
		"$(w3c_count 2 "3 9 10 4 13 17" | tr '\n' ';')" \
		"1 x 127.0.0.1 127.0.0.1 HTTP/2 GET 304 App;1 x ::1 ::1 HTTP/2 GET 200 Local;"
else
	skip "localhost (::1 first): HTTP/2 200 over ::1" "this machine has no ::1"
fi

# ---- 2. bodies of every size around the frame (16384) and window (65535) edges
SIZES="0 1 16383 16384 16385 65535 65536 1048576"
for n in $SIZES; do
	curl -s "http://127.0.0.1:$B/bytes/$n" >"$T/want.$n"   # the backend's bytes, straight
	head -c "$n" /dev/urandom >"$T/up.$n"
done
# downloads: 16 at once on one connection (curl -Z multiplexes), Content-Length and chunked
args=()
for n in $SIZES; do args+=(-o "$T/got.$n" "https://app.mysite.com:$P/bytes/$n" -o "$T/gotc.$n" "https://app.mysite.com:$P/chunked/$n"); done
out=$(timeout 60 curl -sS --http2 -Z "${H6[@]}" -w '%{http_code} %{num_connects} %{size_download}\n' "${args[@]}" 2>"$T/curlz.err")
expect_eq "16 downloads at once (8 sizes, Content-Length and chunked): all 200 on 1 connection" \
	"$(awk '{ c += $2; s[$1]++ } END { for (k in s) printf "%s x %d ", k, s[k]; print "connections " c }' <<<"$out")" \
	"200 x 16 connections 1"
bad=""
for n in $SIZES; do
	w=$(sha <"$T/want.$n")
	[ "$(sha <"$T/got.$n")" = "$w" ] || bad+=" bytes/$n"
	[ "$(sha <"$T/gotc.$n")" = "$w" ] || bad+=" chunked/$n"
done
expect_eq "... every body byte-exact (sha256 against the backend's)" "${bad:-none}" "none"
# h2load with small windows (stream 1 KiB, connection 64 KiB): the DATA bytes, exactly
printf "$(url6 "$P")/bytes/%s\n" $SIZES >"$T/uris"
total=0; for n in $SIZES; do total=$((total + 50 * n)); done
out=$(timeout 120 h2load -n 400 -c 2 -m 50 -w 10 -W 16 -H ":authority: app.mysite.com:$P" -i "$T/uris" 2>&1)
expect_contains "h2load, 400 downloads of the 8 sizes, 50 at a time, 1 KiB stream windows: all succeed" "$out" \
	"requests: 400 total, 400 started, 400 done, 400 succeeded, 0 failed, 0 errored, 0 timeout"
expect_eq "... exactly their $total body bytes arrive" "$(data_bytes "$out")" "$total"
# uploads: 20 streams of each size at once, with a content-length and without (chunked
# to the backend), the backend's sha256 of each
bad=""
for n in $SIZES; do
	w=$(sha <"$T/up.$n")
	for cl in "" --no-content-length; do
		got=$(timeout 60 nghttp -m 20 $cl -d "$T/up.$n" -H ":authority: app.mysite.com:$P" "$(url6 "$P")/upload" 2>&1 |
			grep -o "\"body_length\":$n,\"body_sha256\":\"$w\"" | wc -l)
		[ "$got" = 20 ] || bad+=" $n${cl:+(chunked)}:$got"
	done
done
expect_eq "nghttp, 20 uploads at once of each size, with and without content-length: all 320 arrive byte-exact" "${bad:-none}" "none"
# mixed answers, many streams: counted by status, then by DATA bytes
printf "$(url6 "$P")%s\n" /status/204 "/status/304?length=7" /bytes/16385 /chunked/65536 /status/404 >"$T/mixed"
log_mark "$T/access.log"
out=$(timeout 120 h2load -n 1000 -c 2 -m 50 -H ":authority: app.mysite.com:$P" -i "$T/mixed" 2>&1)
expect_contains "h2load, 1000 streams of 204, 304, 200 (16385 bytes), 200 chunked (65536), 404 in turn: 600 2xx, 200 3xx, 200 4xx" \
	"$out" "status codes: 600 2xx, 200 3xx, 200 4xx, 0 5xx"
expect_eq "... exactly their body bytes: 200 x (16385 + 65536 + 11)" \
	"$(data_bytes "$out")" "$((200 * (16385 + 65536 + 11)))"
expect_eq "... W3C: 200 lines of each" "$(w3c_count 1000 "5 13" | tr '\n' ';')" \
	"200 x /bytes/16385 200;200 x /chunked/65536 200;200 x /status/204 204;200 x /status/304 304;200 x /status/404 404;"
out=$(timeout 60 h2load -n 100 -c 1 -m 10 -H ":method: HEAD" -H ":authority: app.mysite.com:$P" "$(url6 "$P")/bytes/1000" 2>&1)
expect_contains "h2load, 100 HEADs 10 at a time: all 200" "$out" "status codes: 100 2xx, 0 3xx, 0 4xx, 0 5xx"
expect_contains "... and not one body byte" "$out" " 0B (0) data"

# ---- 3. early answers: the backend's 403 before it read the upload
# keep-alive (the body left unread: the backend connection must not be reused) or with
# Connection: close; a content-length or chunked; an upload of 1 byte to 1 MiB.  Each
# time curl gets the 403 whole and exits 0, and the connection's next stream is a 200.
bad=""
for n in 1 65535 70000 1048576; do
	for f in early-403 early-403-close; do
		for te in cl chunked; do
			d=(--data-binary @"$T/up.$n"); [ "$te" = chunked ] && d=(-T "$T/up.$n" -H 'Transfer-Encoding: chunked')
			[ -e "$T/up.$n" ] || head -c "$n" /dev/urandom >"$T/up.$n"
			out=$(timeout 30 curl -sS --http2 "${H6[@]}" "${d[@]}" -o "$T/early.body" -w '%{http_code} %{num_connects}' \
				"https://app.mysite.com:$P/fault/$f" --next --http2 "${H6[@]}" -o /dev/null -w ' %{http_code} %{num_connects}' \
				"https://app.mysite.com:$P/status/200?after" 2>&1; echo " exit $?")
			[ "$out" = "403 1 200 0 exit 0" ] && [ "$(cat "$T/early.body")" = forbidden ] || bad+=" [$n $f $te: $out]"
		done
	done
done
expect_eq "16 early 403s (1 B to 1 MiB, keep-alive or close, content-length or chunked): each whole, then the connection's next stream 200" \
	"${bad:-none}" "none"
# beside it on the same connection, a 10 MiB upload to a backend that reads it: both
# streams of nghttp post the same 10 MiB
head -c 10485760 /dev/urandom >"$T/up10"
out=$(timeout 60 nghttp -v -d "$T/up10" -H ":authority: app.mysite.com:$P" \
	"$(url6 "$P")/fault/early-403" "$(url6 "$P")/upload" 2>&1)
expect_eq "an early 403 and a 10 MiB upload on one connection: the 403 (stream 13) then RST_STREAM NO_ERROR" \
	"$(grep -o 'recv (stream_id=13) :status: [0-9]*\|recv RST_STREAM frame <length=4, flags=0x00, stream_id=[0-9]*>\|error_code=[A-Z_]*' <<<"$out" | tr '\n' ' ')" \
	"recv (stream_id=13) :status: 403 recv RST_STREAM frame <length=4, flags=0x00, stream_id=13> error_code=NO_ERROR error_code=NO_ERROR "
expect_contains "... and the upload beside it arrives whole (flow control gave the 403's share back)" "$out" \
	"\"body_length\":10485760,\"body_sha256\":\"$(sha <"$T/up10")\""

# uploads queued behind each other: a site with one backend connection, 16 uploads of
# 1 MiB at once on one HTTP/2 connection.  15 wait in the pool's queue for the one
# connection the first holds; the first needs the connection's window for its body.
# Those waiting must not hold that window (16 x 64 KiB is all of its 1 MiB), or nothing
# moves until the timers cut every stream.
w=$(sha <"$T/up.1048576")
urls=(); for i in $(seq 1 16); do urls+=("$(url6 "$P")/upload?q$i"); done
t0=$(_now_ms)
got=$(timeout 30 nghttp -d "$T/up.1048576" -H ":authority: queue.mysite.com:$P" "${urls[@]}" 2>&1 |
	grep -o "\"body_length\":1048576,\"body_sha256\":\"$w\"" | wc -l)
expect_eq "16 uploads of 1 MiB on one connection to a site with backend_max_connections = 1: all 16 arrive byte-exact, one after the other" \
	"$got" "16"
ms=$(( $(_now_ms) - t0 ))
if [ "$ms" -lt 15000 ]; then ok "... within 15 s ($ms ms)"; else not_ok "... within 15 s" "$ms ms"; fi

# a client that resets its TCP connection while its stream's request is at the backend,
# before any answer: HTTPERR Connection_Dropped ("closed before the final response was
# sent"), as over HTTP/1.1 (test_depth_h1.sh), and no W3C line
log_mark "$T/httperr.log"; log_mark "$T/access.log"
out=$("$PY" "$TOOL" drop --host "$IP6" --port "$P" --sni app.mysite.com --path "/slow/1000?h2dropped" \
	--log "$T/backend-app.log" --text "GET /slow/1000?h2dropped" --wait 10)
expect_eq "an HTTP/2 client resets while its request is at the backend" "$out" "dropped"
wait_log "$T/httperr.log" "h2dropped" 10 >/dev/null
expect_eq "... HTTPERR Connection_Dropped for its stream" \
	"$(log_next "$T/httperr.log" | awk '{ print $7, $8, $9, $11, $12, $13, $14 }')" \
	"HTTP/2 GET /slow/1000?h2dropped - 1 Connection_Dropped App"
curl -sk --http2 -o /dev/null --resolve "app.mysite.com:$P:$IP6" "https://app.mysite.com:$P/after-h2drop"
wait_log "$T/access.log" "after-h2drop" 10 >/dev/null
expect_eq "... and no W3C line for it: the next line is the next request's" \
	"$(log_next "$T/access.log" | grep -o '/[a-z0-9/?-]*drop[a-z]*' | head -n 1)" "/after-h2drop"
# one that resets once its answer started (the HEADERS came, the DATA of 100 MB flows):
# the W3C line, 200 with win32 status 64, and no HTTPERR line (the final response was
# sent: not Connection_Dropped); the next HTTPERR record is the next refusal's (an
# unknown host's 400), written after that W3C line
log_mark "$T/httperr.log"; log_mark "$T/access.log"
out=$("$PY" "$TOOL" drop --host "$IP6" --port "$P" --sni app.mysite.com --path "/bytes/100000000?h2mid" \
	--log "$T/backend-app.log" --text "GET /bytes/100000000?h2mid" --after-head --wait 10)
expect_eq "an HTTP/2 client resets once its answer started" "$out" "dropped"
expect_eq "... its W3C line: GET /bytes/100000000 200 0 64" \
	"$(log_next "$T/access.log" | awk '{ print $4, $5, $13, $14, $15 }')" "GET /bytes/100000000 200 0 64"
frames GET unknown /after-h2mid >/dev/null
expect_eq "... and no HTTPERR line for it: the next one is the next refusal's" \
	"$(log_next "$T/httperr.log" | awk '{ print $9, $11, $13 }')" "/after-h2mid 400 Hostname"

# ---- 4. a reload while 400 streams run (h2load, 10 at a time on 4 connections, each
# answered in 100 ms).  Each connection gets GOAWAY NO_ERROR; h2load counts the requests
# it had not sent by then as failed (it does not reconnect after a GOAWAY).  What was
# sent before completes: as many 200s as the W3C log has lines, as the backend had
# requests; none answered 5xx, none lost between.
log_mark "$T/access.log"
before=$(be_requests "$B")   # counts itself
timeout 120 h2load -n 400 -c 4 -m 10 -H ":authority: app.mysite.com:$P" "$(url6 "$P")/slow/100?hup" >"$T/h2load-hup.out" 2>&1 &
HL=$!; _pids+=("$HL")
if wait_for -t 20 w3c_has "$T/access.log" 40; then
	kill -HUP "$SB_PID"
	wait "$HL"
	out=$(cat "$T/h2load-hup.out")
	expect_log "the reload happened while they ran" "$T/sysbind.log" "reloaded: generation 2"
	done_=$(sed -n 's/^requests: .* \([0-9]*\) succeeded, .*/\1/p' <<<"$out")
	expect_contains "h2load across a reload: every answer it got is a 2xx" "$out" "status codes: ${done_:-?} 2xx, 0 3xx, 0 4xx, 0 5xx"
	if [ "${done_:-0}" -ge 40 ] && [ "$done_" -le 400 ]; then ok "... $done_ of 400 answered before the GOAWAYs"
	else not_ok "... at least the 40 answered before the reload" "$(grep '^requests:' <<<"$out")"; fi
	expect_eq "... W3C: exactly one 200 line for each" "$(w3c_count "${done_:-0}" "4 5 13" | tr '\n' ';')" "${done_:-?} x GET /slow/100 200;"
	expect_eq "... the backend got exactly as many requests" "$(( $(be_requests "$B") - before - 1 ))" "${done_:-?}"
	out=$(curl -sS --http2 "${H6[@]}" -o /dev/null -w '%{http_code}' "https://app.mysite.com:$P/status/200?after-hup" 2>&1)
	expect_eq "... a new connection after the reload: 200" "$out" "200"
else
	not_ok "h2load's first 40 answers are logged" "$(cat "$T/h2load-hup.out")"
fi

# SIGTERM, then, while nghttp has 4 streams in flight on one connection (ids 13 to 19):
# GOAWAY NO_ERROR names 19, all 4 complete, one W3C line each
# ---- 4. reload, then SIGTERM, while an early answer's client neither sends the rest
# nor resets.  The backend answered 403 to an upload of 60000 bytes after 50000 (the rest
# is small enough to be read and dropped, so the stream waits for it, up to
# entity_body_timeout, 120 s); the client stops there.  A reload or SIGTERM must not wait
# for that rest: the stream is told to stop (RST_STREAM NO_ERROR), the connection
# closes (and SIGTERM's daemon exits) at once.
timeout 60 "$PY" "$TOOL" early-hold --host "$IP6" --port "$P" --sni app.mysite.com --size 60000 --first 50000 \
	--wait 10 >"$T/early-hup.out" 2>&1 &
EH=$!; _pids+=("$EH")
if wait_log "$T/early-hup.out" answered 20; then
	kill -HUP "$SB_PID"
	wait "$EH"
	out=$(cat "$T/early-hup.out")
	expect_eq "a reload beside an early answer whose client stopped sending: the 403, then RST_STREAM NO_ERROR, GOAWAY NO_ERROR (last stream 1), the close" \
		"$(field first "$out") rst=$(field rst "$out") $(field goaway "$out") last=$(field goaway_last_stream "$out") closed=$(field closed "$out")" \
		"403 rst=NO_ERROR:1 NO_ERROR last=1 closed=1"
	ms=$(field closed_after_ms "$out")
	if [ "${ms:--1}" -ge 0 ] && [ "$ms" -lt 5000 ]; then ok "... the old connection closes within 5 s ($ms ms), not after entity_body_timeout"
	else not_ok "... the old connection closes within 5 s, not after entity_body_timeout" "closed_after_ms=$ms"; fi
else
	not_ok "an early answer's client is ready" "$(cat "$T/early-hup.out")"
fi

log_mark "$T/access.log"
before=$(be_requests "$B")
timeout 60 nghttp -v -H ":authority: app.mysite.com:$P" "$(url6 "$P")/slow/1500?t1" "$(url6 "$P")/slow/1500?t2" \
	"$(url6 "$P")/slow/1500?t3" "$(url6 "$P")/slow/1500?t4" >"$T/term4.out" 2>&1 &
NG=$!; _pids+=("$NG")
timeout 60 "$PY" "$TOOL" early-hold --host "$IP6" --port "$P" --sni app.mysite.com --size 60000 --first 50000 \
	--wait 30 >"$T/early-term.out" 2>&1 &
EH=$!; _pids+=("$EH")
if be_wait_requests "$B" "$before" 5 && wait_log "$T/early-term.out" answered 20; then
	t0=$(_now_ms)
	sb_stop >"$T/stop.rc"
	ms=$(( $(_now_ms) - t0 ))
	wait "$EH"; wait "$NG"; ngrc=$?
	out=$(cat "$T/term4.out")
	expect_eq "SIGTERM with 4 streams in flight on one connection: GOAWAY NO_ERROR, last stream 19" \
		"$(grep -o 'last_stream_id=[0-9]*, error_code=[A-Z_]*' <<<"$out" | head -n 1)" "last_stream_id=19, error_code=NO_ERROR"
	expect_eq "... all 4 complete: 200, nghttp exits 0" \
		"$(grep -c 'recv (stream_id=[0-9]*) :status: 200' <<<"$out") exit $ngrc" "4 exit 0"
	out=$(cat "$T/early-term.out")
	expect_eq "... beside an early answer whose client stopped sending: the 403, then RST_STREAM NO_ERROR, GOAWAY NO_ERROR (last stream 1), the close" \
		"$(field first "$out") rst=$(field rst "$out") $(field goaway "$out") last=$(field goaway_last_stream "$out") closed=$(field closed "$out")" \
		"403 rst=NO_ERROR:1 NO_ERROR last=1 closed=1"
	expect_eq "... the daemon exits 0" "$(cat "$T/stop.rc")" "0"
	if [ "$ms" -lt 5000 ]; then ok "... within 5 s ($ms ms; the streams took 1.5 s), not after the shutdown's 10 s grace"
	else not_ok "... within 5 s, not after the shutdown's 10 s grace" "$ms ms"; fi
	expect_not_contains "... no connection was left for the grace to close" "$(cat "$T/sysbind.log")" "still open after"
	expect_eq "... W3C: one line for each of the 5 streams" "$(w3c_count 5 "4 5 13" | tr '\n' ';')" \
		"1 x POST /fault/early-403 403;4 x GET /slow/1500 200;"
else
	not_ok "4 streams and an early answer are in flight" "$(cat "$T/term4.out" "$T/early-term.out")"
fi
finish
