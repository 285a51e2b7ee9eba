#!/usr/bin/env bash
# Trailer sections forwarded end to end (issue 15's "trailers"), as HTTP.SYS passes them
# (response trailers since Windows 10 1709, for gRPC; request trailers readable by the
# application) and as HAProxy forwards them: a backend's chunked response's trailer
# section reaches an HTTP/1.1 client as its last chunk and an HTTP/2 client as a trailing
# HEADERS frame with END_STREAM; a client's chunked HTTP/1.1 trailer section, or its
# HTTP/2 trailing HEADERS, reaches the backend as the chunked request's trailer section.
# The fields RFC 9110 §6.5.1 keeps out of trailers never cross (backend /trailers/N sends
# ten of them, each with a value saying "forbidden").  Clients nobody here wrote: curl
# (HTTP/1.1 --raw, HTTP/2 -v), openssl s_client (an HTTP/1.0 client, raw chunked uploads),
# nghttp (--trailer, -v), and python3-h2's frames (tests/tools/h2attack.py trailers).  The
# backend records every byte it receives (--record) and reports the request's trailer
# section in /echo's JSON.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOL="$SB_ROOT/tests/tools/h2attack.py"
need_tool nghttp nghttp2-client || { finish; exit; }
need_python_h2 || { finish; exit; }

P=$(free_port); B=$(free_port)
"$SB_BUILD/tests/backend" --port "$B" --name app --record "$T/recv" >"$T/backend-app.log" 2>&1 &
_pids+=("$!"); wait_port "$B" || { not_ok "backend starts"; finish; exit; }
cat >"$T/t.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log
trace = on
max_request_bytes = 8192
max_field_length = 1024

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/both.pem
key = $SB_CERTS/both.key

[site MySite V1]
id = 1
bindings = https/*:$P:sitev1.mysite.com
backend = http://127.0.0.1:$B
EOF2
sb_start "$T/t.ini" "$P" || { finish; exit; }
V1="https://sitev1.mysite.com:$P"
R=(--cacert "$SB_CERTS/ca.pem" --resolve "sitev1.mysite.com:$P:127.0.0.1")
nh() { nghttp -H ":authority: sitev1.mysite.com:$P" "$@" 2>>"$T/nghttp.log"; }
h2t() { timeout 60 "$PY" "$TOOL" trailers --port "$P" --authority "sitev1.mysite.com:$P" "$@" 2>>"$T/h2attack.log"; }
field() { sed -n "s/^$1=//p" <<<"$2"; }
# what a proxy forwards of backend /trailers/N's section, in order
FWD='X-Trailer-One: t1\r\nX-Checksum: done\r\nGrpc-Status: 0\r\n'
FWD2='x-trailer-one: t1 | x-checksum: done | grpc-status: 0'

# ---- responses, HTTP/1.1: the last chunk carries the section, filtered
want=$(curl -s "http://127.0.0.1:$B/bytes/100000" | sha256sum | cut -c1-64)
got=$(curl -sS --http1.1 "${R[@]}" "$V1/trailers/100000" | sha256sum | cut -c1-64)
expect_eq "HTTP/1.1: a chunked response with trailers arrives whole (curl)" "$got" "$want"
log_mark "$T/sysbind.log"
curl -sS --http1.1 --raw "${R[@]}" -o "$T/raw" "$V1/trailers/100000"
tail_want=$(printf "\r\n0\r\n${FWD}\r\n" | od -c)
expect_eq "... its last chunk carries the trailer section: the three fields a proxy forwards, in order (curl --raw)" \
	"$(tail -c "$(printf "\r\n0\r\n${FWD}\r\n" | wc -c)" "$T/raw" | od -c)" "$tail_want"
expect_eq "... none of the ten that never travel in trailers (framing, routing, authentication, control, content)" \
	"$(grep -a -c -i -e forbidden -e 31337 -e 192.0.2.66 "$T/raw")" "0"
expect_log "... the trace names each field kept back and why" "$T/sysbind.log" \
	"the response's trailer section: 13 fields, forwarded to the client; never forwarded: Content-Length (framing), Trailer (framing), Host (routing), X-Forwarded-For (routing), Set-Cookie (authentication), Authorization (authentication), WWW-Authenticate (authentication), Cache-Control (control), Content-Type (content), Location (control)"
# curl hands trailers to its header output, after the body
curl -sS --http1.1 "${R[@]}" -D "$T/hdrs" -o /dev/null "$V1/trailers/1000"
expect_eq "... curl sees them after the head (-D): X-Trailer-One, X-Checksum, Grpc-Status" \
	"$(tr -d '\r' <"$T/hdrs" | sed -n '/^$/,$p' | grep -v '^$')" \
	"$(printf 'X-Trailer-One: t1\nX-Checksum: done\nGrpc-Status: 0')"
# two responses with trailers on one keep-alive connection: each framed right (one last
# chunk each), so the second is read whole on the same connection
out=$(curl -sS --http1.1 --raw "${R[@]}" -o "$T/k1" -w '%{num_connects} %{http_code}\n' "$V1/trailers/3000" \
	-o "$T/k2" -w '%{num_connects} %{http_code}\n' "$V1/trailers/3000")
expect_eq "... two such responses on one keep-alive connection: both 200, one connection" "$out" "$(printf '1 200\n0 200')"
expect_eq "... the second ends with the same trailer section" "$(tail -c "$(printf "\r\n0\r\n${FWD}\r\n" | wc -c)" "$T/k2" | od -c)" \
	"$tail_want"
expect_eq "... and holds exactly one last chunk" "$(grep -a -c '^0'$'\r''$' "$T/k2")" "1"

# an HTTP/1.0 client: the response is close-delimited, there is no place for a trailer
# section: dropped, the body whole
printf 'GET /trailers/1000 HTTP/1.0\r\nHost: sitev1.mysite.com\r\n\r\n' >"$T/req10"
timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername sitev1.mysite.com -quiet -ign_eof \
	<"$T/req10" >"$T/r10" 2>/dev/null
want=$(curl -s "http://127.0.0.1:$B/bytes/1000" | sha256sum | cut -c1-64)
expect_eq "HTTP/1.0: the body arrives whole, close-delimited (openssl s_client)" \
	"$(sed '1,/^\r$/d' "$T/r10" | sha256sum | cut -c1-64)" "$want"
expect_eq "... without its trailer section (nowhere to put it)" "$(grep -a -c -i -e x-trailer-one -e grpc-status "$T/r10")" "0"

# a backend's trailer line over max_field_length: a bad response, cut (never made to look
# complete: no last chunk)
log_mark "$T/httperr.log"
curl -sS --http1.1 --raw "${R[@]}" -o /dev/null "$V1/trailers-long/2000" 2>"$T/long.err"; rc=$?
expect_eq "a backend trailer line over max_field_length: the client's response is cut (curl fails)" \
	"$([ "$rc" -ne 0 ] && echo cut || echo "complete (rc 0)")" "cut"
printf 'GET /trailers-long/2000 HTTP/1.1\r\nHost: sitev1.mysite.com\r\n\r\n' >"$T/req"
timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername sitev1.mysite.com -quiet -ign_eof \
	<"$T/req" >"$T/long" 2>/dev/null
expect_eq "... what the client got never ends as a chunked body does (openssl s_client: no last chunk)" \
	"$(grep -a -c '^0'$'\r''$' "$T/long")" "0"
expect_contains "... HTTPERR Connection_Abandoned_By_AppPool" "$(log_next "$T/httperr.log")" "Connection_Abandoned_By_AppPool"
out=$(curl -sS --http1.1 --raw "${R[@]}" "$V1/trailers-long/1000" | tr -d '\r' | tail -n 3 | head -n 2)
expect_eq "... one at the limit (1024 bytes with its name) passes" "$out" "$(printf '0\nX-Long: %s' "$(head -c 1000 /dev/zero | tr '\0' l)")"

# ---- requests, HTTP/1.1: the chunked request's trailer section reaches the backend
: >"$T/recv"
log_mark "$T/sysbind.log"
printf 'POST /echo HTTP/1.1\r\nHost: sitev1.mysite.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\nX-Req-Trailer: one\r\nAuthorization: Basic eA==\r\nX-ARR-ClientCert: forged\r\nContent-Type: forbidden/type\r\nGrpc-Timeout: 1S\r\n\r\n' >"$T/req"
out=$(timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername sitev1.mysite.com -quiet -ign_eof \
	<"$T/req" 2>/dev/null)
expect_contains "HTTP/1.1 request trailers: the backend's /echo reports the two fields a proxy forwards (openssl s_client)" \
	"$out" '"body_length":3,"body_sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","trailers":["X-Req-Trailer: one","Grpc-Timeout: 1S"]}'
be_sync "$B" >/dev/null
body_at_backend=$(sed '1,/^\r$/d' "$T/recv" | sed '/^GET \/status\/204?sync/,$d' | od -c)
expect_eq "... the bytes at the backend: the body re-chunked, its last chunk with exactly those two (Authorization, X-ARR-ClientCert, Content-Type kept back)" \
	"$body_at_backend" "$(printf '3\r\nabc\r\n0\r\nX-Req-Trailer: one\r\nGrpc-Timeout: 1S\r\n\r\n' | od -c)"
expect_log "... the trace says why each stayed" "$T/sysbind.log" \
	"the request's trailer section: 5 fields, forwarded with the last chunk; never forwarded: Authorization (authentication), X-ARR-ClientCert (sysbind's to set), Content-Type (content)"
# a request trailer line over max_field_length: HTTP.SYS's 400, nothing of it forwarded
log_mark "$T/httperr.log"
long=$(head -c 1100 /dev/zero | tr '\0' a)
printf "POST /echo HTTP/1.1\r\nHost: sitev1.mysite.com\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Long: $long\r\n\r\n" >"$T/req"
out=$(timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername sitev1.mysite.com -quiet -ign_eof \
	<"$T/req" 2>/dev/null | head -n 1 | tr -d '\r')
expect_eq "a request trailer line over max_field_length: 400 (openssl s_client)" "$out" "HTTP/1.1 400 Bad Request"
expect_contains "... HTTPERR FieldLength" "$(log_next "$T/httperr.log")" " FieldLength "

# ---- HTTP/2, frame by frame (python3-h2): request trailers to the backend, response
# trailers back as a HEADERS frame with END_STREAM
out=$(h2t --path /echo --trailer 'x-req-trailer: two' --trailer 'grpc-timeout: 1S' \
	--trailer 'authorization: Basic eA==' --trailer 'x-arr-clientcert: forged' \
	--trailer 'cache-control: forbidden' --trailer 'x-forwarded-for: 192.0.2.66')
sha=$(field sha256 "$out")
expect_eq "HTTP/2 request trailers (python3-h2): 200" "$(field status "$out")" "200:1"
expect_contains "... the body arrives whole, chunked" "$(field body "$out")" "\"body_length\":1000,\"body_sha256\":\"$sha\""
expect_contains "... the backend gets the two fields a proxy forwards, names lowercase" "$(field body "$out")" \
	'"trailers":["x-req-trailer: two","grpc-timeout: 1S"]}'
log_mark "$T/httperr.log"
out=$(h2t --path /echo --trailer 'x-req-trailer: two' --trailer 'content-length: 5')
expect_eq "... a content-length in a trailer section is a malformed request (nghttp2): RST_STREAM PROTOCOL_ERROR" \
	"$(field rst "$out") $(field responses "$out")" "PROTOCOL_ERROR:1 0"
expect_contains "... HTTPERR BadRequest" "$(log_next "$T/httperr.log")" "POST /echo 1 - 1 BadRequest"
log_mark "$T/httperr.log"
out=$(h2t --path /echo --trailer "x-long: $(head -c 1100 /dev/zero | tr '\0' a)")
expect_eq "... a trailer field over max_field_length: HTTP.SYS's 400, as over HTTP/1.1" "$(field status "$out")" "400:1"
expect_contains "... HTTPERR FieldLength with the stream id" "$(log_next "$T/httperr.log")" "POST /echo 1 400 1 FieldLength"
out=$(h2t --path /echo --content-length --trailer 'x-req-trailer: two')
expect_contains "... a request with a content-length goes with it: its trailer section is dropped" \
	"$(field body "$out")" "\"body_length\":1000,\"body_sha256\":\"$(field sha256 "$out")\",\"trailers\":[]"
out=$(h2t --path /trailers/100 --size 0 | tr -d "\0")
expect_eq "HTTP/2 response trailers (python3-h2): the three fields a proxy forwards, in order" \
	"$(field trailers "$out")" "$FWD2"
expect_eq "... in the HEADERS frame that ends the stream" "$(field trailers_end_stream "$out")" "1"
expect_eq "... not in a DATA frame" "$(field data_end_stream "$out")" "0"
out=$(h2t --path /trailers/100000 --size 0 --trailer "x-req-trailer: three" | tr -d "\0")
expect_eq "... after 100000 bytes (flow control, the client's windows) too" \
	"$(field trailers "$out") $(field trailers_end_stream "$out")" "$FWD2 1"

# ---- HTTP/2, nghttp and curl
out=$(nh -n -v "https://127.0.0.1:$P/trailers/1000")
expect_contains "nghttp -v: the trailer fields arrive" "$out" "grpc-status: 0"
expect_contains "... in a trailing HEADERS frame with END_STREAM" "$(sed -n '/recv (stream_id=[0-9]*) grpc-status/,$p' <<<"$out")" \
	"; END_STREAM | END_HEADERS"
expect_eq "... no field that never travels in trailers" "$(grep -c -i -e forbidden -e 31337 <<<"$out")" "0"
head -c 5000 /dev/urandom >"$T/up"
out=$(nh --no-content-length -d "$T/up" --trailer 'x-nghttp-trailer: 4' --trailer 'set-cookie: forbidden=1' "https://127.0.0.1:$P/echo")
expect_contains "nghttp --trailer: the backend gets it as the chunked request's trailer section" "$out" \
	"\"body_length\":5000,\"body_sha256\":\"$(sha256sum <"$T/up" | cut -c1-64)\",\"trailers\":[\"x-nghttp-trailer: 4\"]}"
out=$(curl -sS --http2 -v "${R[@]}" -o /dev/null "$V1/trailers/1000" 2>&1 | tr -d '\r')
expect_contains "curl --http2 -v shows the trailer fields" "$out" "$(printf '< x-trailer-one: t1\n< x-checksum: done\n< grpc-status: 0')"

# ---- the daemon stayed healthy
expect_eq "sysbind still runs" "$(our_child "$SB_PID" && echo yes)" "yes"
finish
