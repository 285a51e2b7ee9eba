#!/usr/bin/env bash
# A backend that answers a complete response without "Connection: close" and then closes
# its socket (the FIN in the same segment as the response, or right behind it): sysbind
# must not pool that connection.  Backend sockets are edge-triggered, so a FIN that came
# with the last bytes is never reported again; a pooled dead connection made the next
# request meet a reset: a GET was sent again, a POST answered 502, and five 502s stopped
# the application pool (rapid-fail protection): 503 AppOffline for every request after.
. "$(dirname "$0")/lib.sh"

H=$(free_port); B1=$(free_port); B2=$(free_port)
cat >"$T/finbe.py" <<'PY'
# finbe.py PORT cork|plain: answers each request "200, Content-Length, connN" and closes
import socket, sys, threading
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(64)
def serve(c, k):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            c.close(); return
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    cl = 0
    for l in head.split(b"\r\n")[1:]:
        if l.lower().startswith(b"content-length:"):
            cl = int(l.split(b":")[1])
    while len(body) < cl:
        d = c.recv(65536)
        if not d:
            break
        body += d
    msg = b"conn%d" % k
    if mode == "cork":   # the response and the FIN in one segment
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(msg), msg))
    c.shutdown(socket.SHUT_WR)
    c.close()
    print("served", k, head.split(b"\r\n")[0].decode(), flush=True)
n = 0
while True:
    c, _ = s.accept(); n += 1
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
PY
python3 "$T/finbe.py" "$B1" cork >"$T/be1.log" 2>&1 &
_pids+=("$!")
python3 "$T/finbe.py" "$B2" plain >"$T/be2.log" 2>&1 &
_pids+=("$!")
wait_port "$B1" && wait_port "$B2" || { not_ok "the two backends listen"; finish; exit; }
cat >"$T/fin.ini" <<EOF2
[server]
workers = 1
httperr_log = $T/httperr.log

[site Cork]
id = 1
bindings = http/*:$H:cork.test
backend = http://127.0.0.1:$B1

[site Plain]
id = 2
bindings = http/*:$H:plain.test
backend = http://127.0.0.1:$B2
EOF2
sb_start "$T/fin.ini" "$H" || { finish; exit; }

for site in cork plain; do
	got=""
	for i in $(seq 1 20); do
		g=$(raw_http "$H" "GET / HTTP/1.1\r\nHost: $site.test\r\nConnection: close\r\n\r\n" | head -n 1 | tr -d '\r')
		p=$(raw_http "$H" "POST / HTTP/1.1\r\nHost: $site.test\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello" | head -n 1 | tr -d '\r')
		got="$got${g#HTTP/1.1 }/${p#HTTP/1.1 } "
	done
	want=$(for i in $(seq 1 20); do printf '200 OK/200 OK '; done)
	expect_eq "$site: 20 GETs and 20 POSTs, each after a response whose backend closed: 200 every time" "$got" "$want"
done
n1=$(grep -c '^served' "$T/be1.log"); n2=$(grep -c '^served' "$T/be2.log")
expect_eq "... each request on a connection of its own: 40 and 40 served, none sent twice" "$n1 $n2" "40 40"
expect_eq "... no HTTPERR line (no 502, no pool stopped)" "$(grep -vc '^#' "$T/httperr.log" 2>/dev/null || true)" "0"
finish
