#!/usr/bin/env bash
# The TLS transport's own defects (issue 19, item 3), each with a client that makes it
# show: records that arrived in one TCP write and waited inside OpenSSL (HTTP/2 HEADERS,
# pipelined HTTP/1.1 requests, a chunked upload), the answer to a pipelined request lost
# to the reset of a TLS 1.3 client-certificate request, the close_notify lost when the
# socket was full, and the input block an idle connection without a request kept.  Each
# check failed before its fix.
. "$(dirname "$0")/lib.sh"

S=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/t.ini" <<EOF
[server]
mode = iis8
access_log = $T/w3c.log
httperr_log = $T/httperr.log
workers = 1

[sslcert 127.0.0.1:$S]
certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key

[site App]
id = 1
bindings = https/*:$S:
backend = http://127.0.0.1:$B

[location App/secure]
ssl_flags = Ssl, SslNegotiateCert, SslRequireCert
EOF
sb_start "$T/t.ini" "$S" || { finish; exit; }
PY=/usr/bin/python3
BURST=("$PY" "$SB_ROOT/tests/tools/tlsburst.py" --port "$S")


# ---- 1. records OpenSSL holds are read without waiting for the socket ----
out=$("${BURST[@]}" --pipeline 40 --path /echo --responses 40 --wait 10)
expect_eq "40 pipelined requests, each its own TLS record, in one TCP write: 40 answers" \
	"$(grep -E '^(status|complete)=' <<<"$out" | tr '\n' ' ')" "status=200:40 complete=40 "
out=$("${BURST[@]}" --chunked 13 --chunk-size 100 --path /upload --responses 1 --wait 10)
expect_eq "a chunked upload in 13 records, one TCP write: 200 (before: Timer_EntityBody)" \
	"$(grep -E '^(status|complete)=' <<<"$out" | tr '\n' ' ')" "status=200:1 complete=1 "
if need_tool python3 python3-h2 && "$PY" -c 'import h2, hpack, hyperframe' 2>/dev/null; then
	out=$("$PY" "$SB_ROOT/tests/tools/h2attack.py" records --port "$S" --sni localhost \
		--path /echo --count 40 --wait 10)
	expect_eq "HTTP/2: 40 HEADERS, each its own TLS record, in one TCP write: 40 answers" \
		"$(grep -E '^(status|ended)=' <<<"$out" | tr '\n' ' ')" "status=200:40 ended=40 "
else
	skip "HTTP/2: 40 HEADERS in 40 records, one TCP write" "python3-h2 missing"
fi

# ---- 2. TLS 1.3, a certificate wanted after the handshake: what was answered goes out ----
log_mark "$T/w3c.log"; log_mark "$T/httperr.log"
out=$(printf 'GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\nGET /secure/x HTTP/1.1\r\nHost: localhost\r\n\r\n' |
	timeout 10 openssl s_client -connect "127.0.0.1:$S" -servername localhost -tls1_3 -ign_eof -quiet 2>&1)
expect_eq "TLS 1.3, /echo then /secure pipelined: the /echo 200 arrives whole (its body's last byte), then the reset" \
	"$(grep -c '^HTTP/1.1 200' <<<"$out") $(grep -c '"trailers":\[\]}$' <<<"$out") $(grep -c 'errno=104' <<<"$out")" "1 1 1"
expect_eq "... W3C 200 for /echo" "$(log_next "$T/w3c.log" | awk '{print $5, $13}')" "/echo 200"
expect_contains "... HTTPERR Connection_Dropped for /secure" "$(log_next "$T/httperr.log")" \
	"GET /secure/x - - 1 Connection_Dropped App"

# ---- 3. close_notify after a response the client took slowly ----
bad=0
for n in 3000000 3000001 3016384 3200000 4000000; do
	out=$("${BURST[@]}" --get "/bytes/$n" --idle 1 --slow --wait 30)
	got=$(grep -E '^(status|complete|end)=' <<<"$out" | tr '\n' ' ')
	[ "$got" = "status=200:1 complete=1 end=close_notify " ] || { bad=$((bad + 1)); echo "# /bytes/$n: $got"; }
done
expect_eq "5 slow readers of a Connection: close response: each ends with close_notify" "$bad" 0

# ---- 4. an idle TLS connection that sent no request holds no input block ----
asan=0; ldd "$SB_BIN" 2>/dev/null | grep -q libasan && asan=1
if [ "$asan" = 1 ]; then
	skip "200 idle TLS connections without a request: RSS" \
		"not measured under AddressSanitizer (its quarantine holds freed memory)"
else
	coproc IC { "$SB_BUILD/tests/idleconns" --port "$S" --sni localhost --count 20 \
		--no-request --hold 60; }
	read -r -t 30 w0 n0 <&"${IC[0]}"
	eval "exec ${IC[1]}>&-"; wait "$IC_PID" 2>/dev/null
	rss0=$(rss_kb "$SB_PID")
	coproc IC { "$SB_BUILD/tests/idleconns" --port "$S" --sni localhost --count 200 \
		--no-request --hold 60; }
	read -r -t 60 word n <&"${IC[0]}"
	rss1=$(rss_kb "$SB_PID")
	eval "exec ${IC[1]}>&-"; wait "$IC_PID" 2>/dev/null
	per=$(( (rss1 - rss0) * 1024 / 200 ))
	if [ "$word $n" != "ready 200" ]; then
		not_ok "200 idle TLS connections without a request open" "$word $n"
	elif [ "$per" -le $((24 * 1024)) ]; then
		ok "200 idle TLS connections without a request: $per bytes each (<= 24 KiB)"
	else
		not_ok "200 idle TLS connections without a request: <= 24 KiB each" "$per bytes each"
	fi
fi
finish
