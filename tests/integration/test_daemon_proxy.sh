#!/usr/bin/env bash
# Proxying: 100 MiB up and down through TLS while the daemon stays under
# 64 MiB RSS; 1,000 keep-alive requests on one client connection over pooled backend
# connections; framing (chunked, Content-Length, close-delimited, HEAD, 1xx, 204, 304);
# hop-by-hop headers; HTTP/1.0 clients; a WebSocket-style 101 tunnel; SIGTERM letting a
# request in flight finish.
. "$(dirname "$0")/lib.sh"

P=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/proxy.ini" <<EOF2
[server]
mode = iis7
access_log = off

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/both.pem
key = $SB_CERTS/both.key

[site App]
id = 1
bindings = https/*:$P:app.mysite.com, https/*:$P:sitev2.mysite.com
backend = http://127.0.0.1:$B
EOF2
sb_start "$T/proxy.ini" "$P" || { finish; exit; }
U="https://sitev2.mysite.com:$P"
# HTTP/1.1 here: these are its framing rules (test_h2.sh has HTTP/2's)
C=(curl -sSk --http1.1 --resolve "sitev2.mysite.com:$P:127.0.0.1")
LIMIT=$((64 * 1024))

# --- 100 MiB each way, memory bounded
head -c $((100 * 1024 * 1024)) /dev/urandom >"$T/big"
want=$(sha256sum <"$T/big" | cut -c1-64)
rss_watch "$SB_PID" "$T/rss"
out=$("${C[@]}" --data-binary @"$T/big" -H 'Content-Type: application/octet-stream' "$U/upload")
expect_contains "100 MiB upload (Content-Length) arrives whole" "$out" "\"body_length\":104857600,\"body_sha256\":\"$want\""
out=$("${C[@]}" -T "$T/big" "$U/upload")
expect_contains "100 MiB upload with Expect: 100-continue arrives whole" "$out" "\"body_sha256\":\"$want\""
out=$("${C[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$U/upload")
expect_contains "100 MiB chunked upload arrives whole (re-chunked)" "$out" "\"body_sha256\":\"$want\""
# a body in TLS records of every size (1 byte to one more than a full record): each split
# reaches the backend intact, Content-Length and chunked
head -c $((1024 * 1024)) "$T/big" >"$T/1m"
want1=$(sha256sum <"$T/1m" | cut -c1-64)
out=$(timeout 60 python3 "$SB_ROOT/tests/tools/uprecords.py" --port "$P" --host sitev2.mysite.com --file "$T/1m")
expect_contains "1 MiB upload (Content-Length) in records of every size arrives whole" "$out" "\"body_length\":1048576,\"body_sha256\":\"$want1\""
out=$(timeout 60 python3 "$SB_ROOT/tests/tools/uprecords.py" --port "$P" --host sitev2.mysite.com --file "$T/1m" --chunked)
expect_contains "1 MiB chunked upload in records of every size arrives whole" "$out" "\"body_length\":1048576,\"body_sha256\":\"$want1\""
direct=$(curl -s "http://127.0.0.1:$B/bytes/104857600" | sha256sum | cut -c1-64)
got=$("${C[@]}" "$U/bytes/104857600" | sha256sum | cut -c1-64)
expect_eq "100 MiB download (Content-Length) arrives whole" "$got" "$direct"
got=$("${C[@]}" "$U/chunked/104857600" | sha256sum | cut -c1-64)
expect_eq "100 MiB chunked download arrives whole" "$got" "$direct"
kill "$RSS_PID" 2>/dev/null; wait "$RSS_PID" 2>/dev/null
max=$(max_of "$T/rss")
if ldd "$SB_BIN" 2>/dev/null | grep -q libasan; then
	skip "the daemon's RSS stayed under 64 MiB" "not measured under AddressSanitizer (its quarantine holds freed memory)"
elif [ -n "$max" ] && [ "$max" -gt 0 ] && [ "$max" -lt "$LIMIT" ]; then
	ok "the daemon's RSS stayed under 64 MiB (max $max KiB)"
else
	not_ok "the daemon's RSS stayed under 64 MiB" "max ${max:-?} KiB"
fi
rm -f "$T/big"

# --- 1,000 keep-alive requests on one client connection
before=$(be_accepted "$B")
for i in $(seq 1 1000); do printf 'url = "%s/echo?i=%d"\noutput = /dev/null\n' "$U" "$i"; done >"$T/urls"
reqs_before=$(curl -s "http://127.0.0.1:$B/stats" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
out=$("${C[@]}" -K "$T/urls" -w '%{http_code} %{num_connects}\n' | sort | uniq -c | awk '{print $1" "$2" "$3}' | sort | tr '\n' '|')
expect_eq "1,000 requests: all 200, one client connection" "$out" "1 200 1|999 200 0|"
reqs_after=$(curl -s "http://127.0.0.1:$B/stats" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
expect_eq "... all 1,000 reached the backend" "$((reqs_after - reqs_before - 1))" "1000"
after=$(be_accepted "$B")
used=$((after - before - 3))   # minus the three /stats connections since "before"
if [ "$used" -ge 0 ] && [ "$used" -le 3 ]; then
	ok "... over pooled backend connections ($used new ones opened)"
else
	not_ok "... over pooled backend connections" "$used backend connections opened"
fi

# --- Content-Length bodies read straight into the client's queue end where a read ends:
# the backend connection goes back to the pool all the same (edge-triggered readiness)
before=$(be_accepted "$B")
for i in $(seq 1 20); do printf 'url = "%s/bytes/1048576?i=%d"\noutput = /dev/null\n' "$U" "$i"; done >"$T/urls"
out=$("${C[@]}" -K "$T/urls" -w '%{http_code} %{size_download}\n' | sort | uniq -c | awk '{print $1" "$2" "$3}' | tr '\n' '|')
expect_eq "20 responses of 1 MiB on one connection: all 200, whole" "$out" "20 200 1048576|"
after=$(be_accepted "$B")
used=$((after - before - 1))   # minus the /stats connection since "before"
if [ "$used" -ge 0 ] && [ "$used" -le 2 ]; then
	ok "... over pooled backend connections ($used new ones opened)"
else
	not_ok "... over pooled backend connections" "$used backend connections opened for 20 responses"
fi

# --- framing
out=$("${C[@]}" -D - -o "$T/b" "$U/close/100000")
expect_contains "close-delimited body reaches an HTTP/1.1 client chunked" "$out" "Transfer-Encoding: chunked"
expect_eq "... whole" "$(stat -c %s "$T/b")" "100000"
out=$("${C[@]}" --http1.0 -D - -o "$T/b" "$U/close/100000")
expect_contains "... and an HTTP/1.0 client close-delimited" "$out" "Connection: close"
expect_not_contains "... not chunked" "$out" "chunked"
expect_eq "... whole" "$(stat -c %s "$T/b")" "100000"
out=$("${C[@]}" --http1.0 -D - -o "$T/b" "$U/chunked/5000")
expect_eq "a chunked body reaches an HTTP/1.0 client de-chunked" "$(stat -c %s "$T/b")" "5000"
out=$("${C[@]}" -I "$U/bytes/1000")
expect_contains "HEAD: Content-Length kept" "$out" $'\r\nContent-Length: 1000\r\n'
out=$("${C[@]}" -w '%{http_code} %{size_download} %{num_connects}\n' -o /dev/null "$U/status/204" -o /dev/null "$U/status/304" -o /dev/null "$U/status/200")
expect_eq "204 and 304 are bodiless and keep the connection" "$(echo "$out" | tr '\n' '|')" "204 0 1|304 0 0|200 11 0|"
out=$("${C[@]}" -H 'Connection: X-Secret' -H 'X-Secret: 1' -H 'Keep-Alive: 5' -H 'Proxy-Connection: x' -H 'X-Forwarded-For: 10.0.0.1' "$U/echo")
expect_contains "hop-by-hop: the request reaches the backend" "$out" '"path":"/echo"'
expect_not_contains "hop-by-hop: what Connection names is removed" "$out" "X-Secret"
expect_not_contains "hop-by-hop: Keep-Alive removed" "$out" "Keep-Alive"
expect_not_contains "hop-by-hop: Proxy-Connection removed" "$out" "Proxy-Connection"
expect_contains "X-Forwarded-For appended" "$out" '"X-Forwarded-For: 10.0.0.1, 127.0.0.1"'
expect_contains "X-Forwarded-Host set" "$out" "\"X-Forwarded-Host: sitev2.mysite.com:$P\""
out=$(raw_https "$P" sitev2.mysite.com 'GET /status/201 HTTP/1.1\r\nHost: sitev2.mysite.com\r\n\r\nHEAD /bytes/10 HTTP/1.1\r\nHost: sitev2.mysite.com\r\n\r\nGET /bytes/3 HTTP/1.1\r\nHost: sitev2.mysite.com\r\nConnection: close\r\n\r\n' | grep -a '^HTTP/1.1' | tr -d '\r' | tr '\n' '|')
expect_eq "pipelined requests are answered in order" "$out" "HTTP/1.1 201 Created|HTTP/1.1 200 OK|HTTP/1.1 200 OK|"

# --- 101: a byte tunnel both ways
out=$(raw_https "$P" sitev2.mysite.com 'GET /ws HTTP/1.1\r\nHost: sitev2.mysite.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nping-through-the-tunnel' | head -c 2000 | tr -d '\r')
expect_contains "Upgrade: the backend's 101 is relayed" "$out" "HTTP/1.1 101 Switching Protocols"
expect_contains "... and bytes flow both ways" "$out" "ping-through-the-tunnel"

# --- SIGTERM: the request in flight finishes, then exit 0
r0=$(be_requests "$B")
"${C[@]}" -o "$T/slow" -w '%{http_code}' "$U/slow/1500" >"$T/slow.code" &
cpid=$!
if be_wait_requests "$B" "$r0" 1 && kill -0 "$cpid" 2>/dev/null; then ok "the slow request is at the backend, unanswered, when SIGTERM comes"
else not_ok "the slow request is at the backend, unanswered, when SIGTERM comes"; fi
kill -TERM "$SB_PID"
wait "$cpid"
expect_eq "a request in flight at SIGTERM completes" "$(cat "$T/slow.code")" "200"
wait "$SB_PID"; rc=$?
expect_eq "then the daemon exits 0" "$rc" "0"
if port_busy "$P"; then not_ok "the listener is closed"; else ok "the listener is closed"; fi
finish
