#!/usr/bin/env bash
# The admin listener (issue 25, live counters): off by default (no port opened), on at
# `[server] admin = 127.0.0.1:PORT` or a unix socket path; /metrics after known traffic
# (curl over HTTP/1.1 and HTTP/2, a request refused with HTTPERR reason Hostname, TLS
# handshakes whose certificate the hostnameport and the ipport 0.0.0.0 steps chose, a 404
# from the backend, the diagnostic page) holds exactly those counts; promtool check
# metrics passes on the scrape; a reload keeps the counts of a kept site and drops the
# series of a removed one; a bad `admin =` is refused with file:line; 404, 405 and 431;
# /certs and /certs.txt give the inventory sysbind show certs prints.
. "$(dirname "$0")/lib.sh"
# ss (iproute2) counts the daemon's listening ports and the admin socket's clients
need_tool ss iproute2 || { finish; exit; }

P=$(free_port); H=$(free_port); B=$(free_port); A=$(free_port)
be_start "$B" app || { finish; exit; }
# conf ADMIN SECOND: the configuration; ADMIN the admin line (or empty), SECOND the second
# site's section name (Diag, or New after the reload)
conf() {
	cat <<EOF2
[server]
mode = iis8
workers = 1
access_log = off
httperr_log = $T/httperr.log
pid_file = $T/sysbind.pid
$1

[sslcert sitev1.mysite.com:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site App]
id = 1
bindings = https/*:$P:sitev1.mysite.com
backend = http://127.0.0.1:$B

[site $2]
id = 2
bindings = http/127.0.0.1:$H:diag.test
EOF2
}
metrics() { curl -s --max-time 10 "http://127.0.0.1:$A/metrics"; }
# series NAME{LABELS}: its value in a fresh scrape ("" when absent)
series() { metrics | awk -v k="$1" '$1 == k { print $2 }'; }
idle_all() {   # every client connection closed: no connection counted open
	[ "$(metrics | awk '/^sysbind_current_connections\{/ { s += $2 } END { print s + 0 }')" = 0 ]
}
R=(--resolve "sitev1.mysite.com:$P:127.0.0.1" -sk --max-time 10 -o /dev/null -w '%{http_code} %{http_version}\n')

# --- off by default: the same configuration without admin opens no other port
conf "" Diag >"$T/off.ini"
sb_start "$T/off.ini" "$P" off || { finish; exit; }
off_ports=$(ss -Hltnp 2>/dev/null | grep -c "pid=$SB_PID,")
expect_eq "without admin = the daemon listens on its bindings only (https on 0.0.0.0 and [::], http)" "$off_ports" 3
expect_eq "... and logs no admin listener" "$(grep -c 'admin listener' "$T/off.log")" 0
sb_stop >/dev/null

# --- on: 127.0.0.1:PORT
conf "admin = 127.0.0.1:$A" Diag >"$T/sb.ini"
sb_start "$T/sb.ini" "$P" || { finish; exit; }
expect_log "the admin listener's address is logged" "$T/sysbind.log" "admin listener on 127.0.0.1:$A: /metrics"
expect_eq "admin = adds exactly one listening port" "$(ss -Hltnp 2>/dev/null | grep -c "pid=$SB_PID,")" 4

# known traffic
out=""
for path in /a /b /c /status/404; do
	out="$out$(curl --http1.1 "${R[@]}" "https://sitev1.mysite.com:$P$path")|"
done
expect_eq "four HTTP/1.1 requests on four connections (SNI sitev1.mysite.com)" "$out" "200 1.1|200 1.1|200 1.1|404 1.1|"
expect_eq "two HTTP/2 requests on one connection" \
	"$(curl --http2 "${R[@]}" -o /dev/null "https://sitev1.mysite.com:$P/h2a" "https://sitev1.mysite.com:$P/h2b" | tr '\n' '|')" "200 2|200 2|"
expect_eq "no SNI (an IP address): Host 127.0.0.1 names no site: 400" \
	"$(curl --http1.1 -sk --max-time 10 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/")" 400
expect_eq "http with an unknown Host: 400" \
	"$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Host: nosuch.test' "http://127.0.0.1:$H/")" 400
expect_eq "http diag.test: the diagnostic page, 200" \
	"$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Host: diag.test' "http://127.0.0.1:$H/")" 200
expect_eq "the HTTPERR log holds the two refusals, reason Hostname" "$(grep -c ' Hostname ' "$T/httperr.log")" 2
wait_for -t 10 idle_all || not_ok "every client connection is closed in the counters" "$(metrics | grep current_conn)"

metrics >"$T/scrape1.txt"
# expect_series NAME{LABELS} VALUE WHAT
expect_series() { expect_eq "$3: $1 $2" "$(awk -v k="$1" '$1 == k { print $2 }' "$T/scrape1.txt")" "$2"; }
expect_series 'sysbind_requests_total{site="App",code="200"}' 5 "App's 200s (3 h1, 2 h2)"
expect_series 'sysbind_requests_total{site="App",code="404"}' 1 "App's 404 (the backend's)"
expect_series 'sysbind_requests_total{site="Diag",code="200"}' 1 "Diag's diagnostic page"
expect_series 'sysbind_http_errors_total{reason="Hostname"}' 2 "refusals by HTTPERR reason"
expect_series 'sysbind_tls_handshakes_total{step="hostnameport",result="ok"}' 5 "handshakes chosen by hostnameport"
expect_series 'sysbind_tls_handshakes_total{step="ipport_wildcard",result="ok"}' 1 "handshakes chosen by ipport 0.0.0.0"
expect_series 'sysbind_certificate_verdicts_total{verdict="ok"}' 5 "verdict ok (once per connection and host)"
expect_series 'sysbind_connections_total{protocol="h1"}' 7 "HTTP/1.x connections (5 https, 2 http)"
expect_series 'sysbind_connections_total{protocol="h2"}' 1 "HTTP/2 connections"
expect_series 'sysbind_h2_streams_total' 2 "HTTP/2 streams"
expect_series 'sysbind_h2_streams' 0 "HTTP/2 streams open now"
expect_series 'sysbind_current_connections{protocol="h1",state="idle"}' 0 "idle h1 connections after the clients left"
expect_series "sysbind_backend_connections_opened_total{backend=\"127.0.0.1:$B\"}" 1 "backend connections opened (one, reused)"
expect_series "sysbind_backend_connections_failed_total{backend=\"127.0.0.1:$B\"}" 0 "backend connections failed"
expect_series "sysbind_backend_connections{backend=\"127.0.0.1:$B\",state=\"idle\"}" 1 "backend connections idle in the pool"
expect_series "sysbind_backend_connections{backend=\"127.0.0.1:$B\",state=\"busy\"}" 0 "backend connections busy"
expect_series 'sysbind_reloads_total{result="applied"}' 0 "reloads"
expect_eq "HELP names the HTTP.SYS counter" \
	"$(grep -c '^# HELP sysbind_current_connections HTTP Service Url Groups\\\\CurrentConnections: ' "$T/scrape1.txt")" 1

if need_tool promtool prometheus; then
	if promtool check metrics <"$T/scrape1.txt" >"$T/promtool.out" 2>&1; then
		ok "promtool check metrics passes on the scrape"
	else
		not_ok "promtool check metrics passes on the scrape" "$(cat "$T/promtool.out")"
	fi
else
	skip "promtool check metrics" "package prometheus cannot be installed"
fi

# --- the gauges while a client holds a connection: one h1 connection, handshake done, no
# request yet (python's ssl offers no ALPN: HTTP/1.1): idle 1, active 0
idle_one() { [ "$(series 'sysbind_current_connections{protocol="h1",state="idle"}')" = 1 ]; }
timeout 20 python3 -c '
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
    server_hostname="sitev1.mysite.com")
time.sleep(20)' "$P" &
hold=$!; _pids+=("$hold")
if wait_for -t 10 idle_one; then ok "a held connection with no request: h1 idle 1"
else not_ok "a held connection with no request: h1 idle 1" "$(metrics | grep current_conn)"; fi
expect_eq "... and h1 active 0" "$(series 'sysbind_current_connections{protocol="h1",state="active"}')" 0
kill "$hold" 2>/dev/null; wait "$hold" 2>/dev/null
wait_for -t 10 idle_all || not_ok "the held connection's end is counted" "$(metrics | grep current_conn)"

# --- the listener's own answers
hdrs=$(curl -s --max-time 10 -D - -o /dev/null "http://127.0.0.1:$A/metrics" | tr -d '\r')
expect_contains "/metrics says the exposition format's version" "$hdrs" "Content-Type: text/plain; version=0.0.4; charset=utf-8"
expect_eq "/ is an index naming /metrics" "$(curl -s --max-time 10 "http://127.0.0.1:$A/" | grep -c '^/metrics ')" 1
# /certs: the certificate inventory of the serving configuration, as show certs prints it
thumb=$(openssl x509 -in "$SB_CERTS/sitev1.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
cj=$(curl -s --max-time 10 "http://127.0.0.1:$A/certs")
expect_eq "/certs: JSON listing the served certificate once, by its SHA-1 thumbprint" \
	"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(" ".join(c["thumbprint"] for c in d["certificates"] if "served" in c["roles"]))' "$cj" 2>&1)" "$thumb"
expect_eq "/certs.txt: the text of sysbind show certs, line for line (but its clock)" \
	"$(curl -s --max-time 10 "http://127.0.0.1:$A/certs.txt" | grep -v 'expires in\|days ago')" \
	"$("$SB_BIN" show certs -c "$T/sb.ini" | grep -v 'expires in\|days ago')"
expect_eq "another path: 404" "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/nope")" 404
post=$(curl -s --max-time 10 -D - -o /dev/null -X POST "http://127.0.0.1:$A/metrics" | tr -d '\r')
expect_contains "POST: 405" "$post" "HTTP/1.1 405 Method Not Allowed"
expect_contains "... with Allow: GET" "$post" "Allow: GET"
big=$(python3 -c 'print("GET / HTTP/1.1\r\nX: " + "a" * 9000 + "\r\n\r\n", end="")')
expect_eq "a request head over 8 KiB: 431" \
	"$(raw_http "$A" "$big" | head -n 1 | tr -d '\r')" "HTTP/1.1 431 Request Header Fields Too Large"

# --- reload: App kept (its counts go on), Diag removed (its series go), New added
conf "admin = 127.0.0.1:$A" New >"$T/sb.ini"
kill -HUP "$SB_PID"
expect_log "the reload is applied" "$T/sysbind.log" "reloaded: generation 2"
expect_eq "after the reload, one more App request" "$(curl --http1.1 "${R[@]}" "https://sitev1.mysite.com:$P/again")" "200 1.1"
metrics >"$T/scrape2.txt"
expect_eq "a kept site keeps counting: App's 200s 5 + 1" \
	"$(awk '$1 == "sysbind_requests_total{site=\"App\",code=\"200\"}" { print $2 }' "$T/scrape2.txt")" 6
expect_eq "a removed site's series are gone" "$(grep -c 'site="Diag"' "$T/scrape2.txt")" 0
expect_eq "the reload is counted" \
	"$(awk '$1 == "sysbind_reloads_total{result=\"applied\"}" { print $2 }' "$T/scrape2.txt")" 1
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "the daemon stops with 0" "$(cat "$T/stop.rc")" 0

# --- a unix socket
conf "admin = $T/admin.sock" Diag >"$T/unix.ini"
sb_start "$T/unix.ini" "$P" unix || { finish; exit; }
expect_eq "admin = /path: curl --unix-socket gets /metrics" \
	"$(curl -s --max-time 10 --unix-socket "$T/admin.sock" http://x/metrics | grep -c '^# TYPE sysbind_requests_total counter$')" 1
expect_eq "... and no TCP port is added" "$(ss -Hltnp 2>/dev/null | grep -c "pid=$SB_PID,")" 3
sb_stop >/dev/null
if [ -e "$T/admin.sock" ]; then not_ok "the socket file is removed at exit"; else ok "the socket file is removed at exit"; fi

# another program's live socket on the path: refused, never replaced
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(30)' "$T/admin.sock" &
holder=$!
wait_for -t 10 test -S "$T/admin.sock"
ino=$(stat -c %i "$T/admin.sock")
out=$(timeout 20 "$SB_BIN" -c "$T/unix.ini" 2>&1); st=$?
expect_eq "a socket another program listens on: the daemon does not start (exit 1)" "$st" 1
expect_contains "... saying why" "$out" "admin $T/admin.sock: another program listens on this socket"
expect_eq "... and the other program's socket is the same file" "$(stat -c %i "$T/admin.sock" 2>&1)" "$ino"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
# a socket nobody listens on any more (a daemon that crashed): replaced
sb_start "$T/unix.ini" "$P" unix2 || { finish; exit; }
expect_eq "a stale socket file (nobody listens): replaced, /metrics served" \
	"$(curl -s --max-time 10 --unix-socket "$T/admin.sock" http://x/metrics | grep -c '^# TYPE sysbind_requests_total counter$')" 1
# clients trickling a head byte by byte cannot lock /metrics out: the oldest makes room
python3 -c 'import socket,sys,time
ss=[]
for i in range(20):
    s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"G"); ss.append(s)
for t in range(30):
    for s in ss:
        try: s.send(b"E")
        except OSError: pass
    time.sleep(0.5)' "$T/admin.sock" &
loris=$!
loris_in() { [ "$(ss -Hx state connected 2>/dev/null | grep -cF "$T/admin.sock")" -ge 16 ]; }
wait_for -t 10 loris_in || not_ok "the trickling clients are connected" "$(ss -Hx 2>&1 | head -5)"
expect_eq "20 clients trickling a head: /metrics still answers" \
	"$(curl -s --max-time 10 --unix-socket "$T/admin.sock" http://x/metrics | grep -c '^# TYPE sysbind_requests_total counter$')" 1
kill "$loris" 2>/dev/null; wait "$loris" 2>/dev/null
sb_stop >/dev/null

# --- a bad admin = value: file:line
conf "admin = localhost:$A" Diag >"$T/bad.ini"
line=$(grep -n '^admin = ' "$T/bad.ini" | cut -d: -f1)
msg=$("$SB_BIN" -t -c "$T/bad.ini" 2>&1); st=$?
expect_eq "sysbind -t refuses admin = localhost:PORT (exit 2)" "$st" 2
expect_contains "... with file:line" "$msg" "$T/bad.ini:$line: admin must be IPv4:PORT, [IPv6]:PORT or an absolute path of a unix socket, not \"localhost:$A\""
conf "admin = relative/admin.sock" Diag >"$T/bad2.ini"
expect_contains "a relative socket path is refused too" "$("$SB_BIN" -t -c "$T/bad2.ini" 2>&1)" "$T/bad2.ini:$line: admin must be"
conf "admin = [::1]:$A" Diag >"$T/v6.ini"
expect_eq "admin = [::1]:PORT is accepted" "$("$SB_BIN" -t -c "$T/v6.ini" >/dev/null 2>&1; echo $?)" 0

finish
