#!/usr/bin/env bash
# The README's and the man pages' claims about the daemon that no other file checked
# (issue 20), each with a real client: no h2c on a plain http port; the client-certificate
# decision for a path spelled another way (/%73ecure, /SECURE, /secure/..;/), a bad
# certificate on an SslNegotiateCert-only path, a client's own renegotiation refused;
# logextendedevents; tls_session_cache N > 0 (the oldest dropped) and 0;
# tls_session_cache_time; min_send_rate = 0; the server certificate's verdicts (expired,
# not yet valid, untrusted) in the W3C log and the diagnostic JSON; server_header on the
# wire; a held HTTP/1.1 connection across a reload; SIGINT; the 10 s stop cap; start
# failures exiting 1.  (Ticket keys rotated on reload: test_tls_policy.sh; an HTTP/2
# connection across a reload: test_h2_lifecycle.sh.)
. "$(dirname "$0")/lib.sh"

need_tool python3 python3 || { finish; exit; }
P=$(free_port); H=$(free_port); B=$(free_port)
PC=$(free_port); HC=$(free_port); PD=$(free_port); HD=$(free_port)
be_start "$B" app || { finish; exit; }
C=$SB_CERTS

# A: client certificates, logextendedevents, a one-session cache, min_send_rate = 0, the
# server certificate's verdicts, the default Server header
cat >"$T/a.ini" <<EOF
[server]
mode = iis8
workers = 1
trust = $C/ca.pem
crl = $C/clientca.crl
access_log = $T/w3c.log
httperr_log = $T/httperr.log
tls_session_cache = 1
min_send_rate = 0

[sslcert 127.0.0.1:$P]
certificate = $C/localhost.pem
key = $C/localhost.key
logextendedevents = enable

[sslcert 127.0.0.2:$P]
certificate = $C/localhost.pem
key = $C/localhost.key

[sslcert 127.0.0.3:$P]
certificate = $C/expired.pem
key = $C/expired.key

[sslcert 127.0.0.4:$P]
certificate = $C/notyet.pem
key = $C/notyet.key

[sslcert 127.0.0.5:$P]
certificate = $C/selfsigned.pem
key = $C/selfsigned.key

[site App]
id = 1
bindings = https/*:$P:, http/*:$H:
backend = http://127.0.0.1:$B

[site Diag]
id = 2
bindings = https/*:$P:sitev1.mysite.com, http/*:$H:diag.test

[location App/secure]
ssl_flags = Ssl, SslNegotiateCert, SslRequireCert

[location App/accept]
ssl_flags = Ssl, SslNegotiateCert
EOF
# C: sessions that live 2 s, min_send_rate 100000 (the slow reader's control), a Server
# header of its own; SIGTERM with a request that never ends
cat >"$T/c.ini" <<EOF
[server]
mode = iis8
workers = 1
tls_session_cache_time = 2
min_send_rate = 100000
server_header = Acme/1.0
access_log = off
httperr_log = $T/httperr-c.log

[sslcert 127.0.0.1:$PC]
certificate = $C/localhost.pem
key = $C/localhost.key

[site App]
id = 1
bindings = https/*:$PC:, http/*:$HC:
backend = http://127.0.0.1:$B

[site Diag]
id = 2
bindings = http/*:$HC:diag.test
EOF
# D: no session cache, no Server header; a reload under a held connection, then SIGINT
cat >"$T/d.ini" <<EOF
[server]
mode = iis8
workers = 1
tls_session_cache = 0
server_header =
access_log = off

[sslcert 127.0.0.1:$PD]
certificate = $C/localhost.pem
key = $C/localhost.key

[site App]
id = 1
bindings = https/*:$PD:, http/*:$HD:
backend = http://127.0.0.1:$B

[site Diag]
id = 2
bindings = http/*:$HD:diag.test
EOF
sb_start "$T/a.ini" "$P" sysbind || { finish; exit; }
A_PID=$SB_PID
wait_port "$H" || not_ok "A's http port opens"
sb_start "$T/c.ini" "$PC" sysbind-c || { finish; exit; }
C_PID=$SB_PID
wait_port "$HC" || not_ok "C's http port opens"
sb_start "$T/d.ini" "$PD" sysbind-d || { finish; exit; }
D_PID=$SB_PID
wait_port "$HD" || not_ok "D's http port opens"

# not_child PID: PID is no longer a running child of this shell (it exited)
not_child() { ! our_child "$1"; }
# w3c_next: "uri-stem status substatus win32" of the W3C line A writes next
w3c_next() { log_next "$T/w3c.log" | awk '{print $5, $13, $14, $15}'; }

# ---- no h2c: the HTTP/2 preface on a plain http port ----
log_mark "$T/httperr.log"
r0=$(be_requests "$B")
out=$(raw_http "$H" 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00' | head -n 1 | tr -d '\r')
expect_eq "the HTTP/2 prior-knowledge preface (and a SETTINGS frame) on plain http: HTTP/1.1 400" \
	"$out" "HTTP/1.1 400 Bad Request"
expect_contains "... HTTPERR 400 URL (\"*\" is OPTIONS's only)" "$(log_next "$T/httperr.log")" \
	"127.0.0.1 $H - - - - 400 - URL -"
log_mark "$T/httperr.log"
curl -s --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$H/h2c"; rc=$?
expect_eq "curl --http2-prior-knowledge: no HTTP/2 answer (exit 52, empty reply)" "$rc" 52
expect_contains "... its preface got the same 400" "$(log_next "$T/httperr.log")" \
	"127.0.0.1 $H - - - - 400 - URL -"
expect_eq "... neither reached the backend (it counts only the next /stats probe)" \
	"$(be_requests "$B")" "$((r0 + 1))"

# ---- client certificates: the path spelled otherwise gets /secure's decision ----
CC=(curl -sS --path-as-is --cacert "$C/ca.pem" --http1.1 --tls-max 1.2 --resolve "localhost:$P:127.0.0.2")
CERT=(--cert "$C/client.pem" --key "$C/client.key")
want_b64=$(openssl x509 -in "$C/client.pem" -outform DER | base64 -w 0)
arr() { grep -o '"X-ARR-ClientCert: [^"]*"' "$1" | sed 's/^"X-ARR-ClientCert: //; s/"$//'; }
for u in '/%73ecure/a' '/SECURE/a' '/secure/..;/a' '/public/../secure/a'; do
	log_mark "$T/w3c.log"
	code=$("${CC[@]}" -o /dev/null -w '%{http_code}' "https://localhost:$P$u")
	expect_eq "$u without a certificate: 403.7, as /secure (SslRequireCert)" "$code $(w3c_next)" \
		"403 $u 403 7 0"
	log_mark "$T/w3c.log"
	code=$("${CC[@]}" "${CERT[@]}" -o "$T/out" -w '%{http_code}' "https://localhost:$P$u")
	expect_eq "$u with a good certificate: asked by renegotiation, 200, the certificate forwarded" \
		"$code $(w3c_next) $(arr "$T/out")" "200 $u 200 0 0 $want_b64"
done
log_mark "$T/w3c.log"
code=$("${CC[@]}" -o /dev/null -w '%{http_code}' "https://localhost:$P/public/a")
expect_eq "control: /public/a asks nothing, 200" "$code $(w3c_next)" "200 /public/a 200 0 0"

# a bad certificate where it is only negotiated: IIS checks every certificate it is given
for c in "client-unknown 16 2148204809" "client-expired 17 2148204801" "client-revoked 13 2148081680"; do
	set -- $c
	log_mark "$T/w3c.log"
	r0=$(be_requests "$B")
	code=$("${CC[@]}" --cert "$C/$1.pem" --key "$C/$1.key" -o /dev/null -w '%{http_code}' \
		"https://localhost:$P/accept/a")
	expect_eq "$1 on an SslNegotiateCert-only path: 403.$2, not served" "$code $(w3c_next)" \
		"403 /accept/a 403 $2 $3"
	expect_eq "... nothing reached the backend" "$(be_requests "$B")" "$((r0 + 1))"
done
log_mark "$T/w3c.log"
code=$("${CC[@]}" "${CERT[@]}" -o "$T/out" -w '%{http_code}' "https://localhost:$P/accept/a")
expect_eq "a good certificate there: 200, forwarded" "$code $(w3c_next) $(arr "$T/out")" \
	"200 /accept/a 200 0 0 $want_b64"
log_mark "$T/w3c.log"
code=$("${CC[@]}" -o /dev/null -w '%{http_code}' "https://localhost:$P/accept/a")
expect_eq "none there: 200" "$code $(w3c_next)" "200 /accept/a 200 0 0"

# a client's own renegotiation: s_client's "R" after a first answer
mkfifo "$T/rin"
exec 7<>"$T/rin"
timeout 20 openssl s_client -connect "127.0.0.2:$P" -servername localhost -tls1_2 \
	<"$T/rin" >"$T/reneg.out" 2>&1 &
SCL=$!; _pids+=("$SCL")
log_mark "$T/w3c.log"
printf 'GET /first HTTP/1.1\r\nHost: localhost\r\n\r\n' >&7
if wait_log "$T/reneg.out" '"path":"/first"'; then ok "s_client over TLS 1.2: a first request answered"; else
	not_ok "s_client over TLS 1.2: a first request answered" "$(tail -n 5 "$T/reneg.out")"; fi
printf 'R\n' >&7
wait_for -t 10 not_child "$SCL" || not_ok "s_client ends after R"
wait "$SCL"; rc=$?
exec 7>&-
expect_eq "its renegotiation is refused: s_client exits 1, no_renegotiation" \
	"$rc $(grep -c 'RENEGOTIATING' "$T/reneg.out") $(grep -c ':no renegotiation:' "$T/reneg.out")" "1 1 1"
expect_eq "... the W3C log has the first request only" "$(w3c_next)" "/first 200 0 0"

# ---- logextendedevents ----
# fail IP: a TLS 1.2 handshake that cannot succeed (no shared cipher for an EC key)
fail() { echo | timeout 10 openssl s_client -connect "$1:$P" -tls1_2 -cipher AES128-SHA 2>&1 |
	grep -c '^New, (NONE), Cipher is (NONE)'; }
hs_lines() { grep -c ': TLS handshake with 127.0.0.1 failed: ' "$T/sysbind.log"; }
hs_more() { [ "$(hs_lines)" -gt "$1" ]; }
n0=$(hs_lines)
expect_eq "a handshake without a shared cipher fails (without logextendedevents)" "$(fail 127.0.0.2)" 1
expect_eq "the same on the entry with logextendedevents = enable" "$(fail 127.0.0.1)" 1
wait_for hs_more "$n0" || not_ok "logextendedevents: the failed handshake is logged"
expect_eq "... logged once, for that entry only (one worker: the first one's line would be first)" \
	"$(hs_lines)" "$((n0 + 1))"
expect_eq "... at info, with OpenSSL's reason" \
	"$(grep ': TLS handshake with 127.0.0.1 failed: ' "$T/sysbind.log" | tail -n 1 |
		sed 's/^[0-9-]* [0-9:]* //; s/conn [0-9]*:/conn N:/')" \
	"info: conn N: TLS handshake with 127.0.0.1 failed: error:0A0000C1:SSL routines::no shared cipher"

# ---- the session cache ----
# sess IP:PORT in|out FILE: "New" or "Reused" of one TLS 1.2 handshake
sess() { echo | timeout 10 openssl s_client -connect "$1" -tls1_2 "-sess_$2" "$3" 2>&1 |
	sed -n 's/^\(New\|Reused\), TLSv1.2, .*/\1/p'; }
expect_eq "tls_session_cache = 1: session A is made" "$(sess "127.0.0.2:$P" out "$T/sA")" New
expect_eq "... and resumed" "$(sess "127.0.0.2:$P" in "$T/sA")" Reused
expect_eq "... session B is made" "$(sess "127.0.0.2:$P" out "$T/sB")" New
expect_eq "... and resumed" "$(sess "127.0.0.2:$P" in "$T/sB")" Reused
expect_eq "... A, the oldest, was dropped for it: a new handshake" "$(sess "127.0.0.2:$P" in "$T/sA")" New
expect_eq "tls_session_cache = 0: a full handshake" "$(sess "127.0.0.1:$PD" out "$T/sD")" New
expect_eq "... its session id resumes nothing (a new handshake)" "$(sess "127.0.0.1:$PD" in "$T/sD")" New

# tls_session_cache_time = 2: resumed at once, no longer once 2 s have passed
t0=$(_now_ms)
expect_eq "tls_session_cache_time = 2: a session is made" "$(sess "127.0.0.1:$PC" out "$T/sC")" New
expect_eq "... and resumed at once" "$(sess "127.0.0.1:$PC" in "$T/sC")" Reused
not_resumed() { [ "$(sess "127.0.0.1:$PC" in "$T/sC")" = New ]; }
if wait_for -t 10 not_resumed; then
	ms=$(( $(_now_ms) - t0 ))
	if [ "$ms" -ge 2000 ]; then ok "... not resumed (a new handshake) once 2 s have passed ($ms ms)"
	else not_ok "... resumed until 2 s have passed" "a new handshake after $ms ms"; fi
else
	not_ok "... not resumed once 2 s have passed" "still resumed after 10 s"
fi

# ---- min_send_rate = 0: a slow reader is never cut ----
# 20,000 B/s for 6 s, then as fast as it can: C (min_send_rate 100000) cuts it, A (0) not
REQ='GET /bytes/8000000 HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n'
full=$(curl -s -i --raw -H 'Connection: close' "http://127.0.0.1:$H/bytes/8000000" | wc -c)
log_mark "$T/httperr-c.log"
out=$("$SB_BUILD/tests/slowclient" --port "$HC" --rate 20000 --slow-for 6 --max-time 20 --request "$REQ")
expect_contains "control, min_send_rate = 100000: the slow reader is cut (HTTPERR Timer_MinBytesPerSecond)" \
	"$(log_next "$T/httperr-c.log")" "HTTP/1.1 GET /bytes/8000000 - - 1 Timer_MinBytesPerSecond App"
if [[ "$out" =~ ^bytes=([0-9]+)\ end=eof$ ]] && [ "${BASH_REMATCH[1]}" -lt "$full" ]; then
	ok "... it got less than the response (${BASH_REMATCH[1]} of $full bytes)"
else not_ok "... it got less than the response" "$out, the response is $full bytes"; fi
log_mark "$T/w3c.log"
out=$("$SB_BUILD/tests/slowclient" --port "$H" --rate 20000 --slow-for 6 --max-time 20 --request "$REQ")
expect_eq "min_send_rate = 0: the same reader gets the whole response" "$out" "bytes=$full end=eof"
expect_eq "... W3C 200 0 0 (no win32 121)" "$(w3c_next)" "/bytes/8000000 200 0 0"

# ---- the server certificate's verdict, through the daemon ----
for c in "3 expired 60 certificate has expired" "4 not-yet-valid 60 certificate is not yet valid" \
	"5 untrusted 60 self-signed certificate"; do
	read -r ip verdict code msg <<<"$c"
	out=$(curl -sS --cacert "$C/ca.pem" --resolve "sitev1.mysite.com:$P:127.0.0.$ip" \
		"https://sitev1.mysite.com:$P/" 2>&1); rc=$?
	expect_eq "$verdict certificate: curl trusting the demo CA refuses it (exit $code, $msg)" \
		"$rc $(grep -c "$msg" <<<"$out")" "$code 1"
	log_mark "$T/w3c.log"
	out=$(curl -sSk -H 'Accept: application/json' --resolve "sitev1.mysite.com:$P:127.0.0.$ip" \
		"https://sitev1.mysite.com:$P/")
	expect_eq "... the diagnostic JSON says \"verdict\": \"$verdict\"" \
		"$(grep '^  "verdict": ' <<<"$out")" "  \"verdict\": \"$verdict\","
	expect_eq "... W3C x-cert-verdict $verdict" "$(log_next "$T/w3c.log" | awk '{print $13, $17, $21}')" \
		"200 Diag $verdict"
done
out=$(curl -sS -H 'Accept: application/json' --cacert "$C/ca.pem" --resolve "localhost:$P:127.0.0.2" \
	-H 'Host: sitev1.mysite.com' "https://localhost:$P/")
expect_contains "control: a good certificate for another name is name-mismatch" "$out" '"verdict": "name-mismatch",'

# ---- server_header: the Server field of sysbind's own pages ----
server() { curl -s -D - -o /dev/null "$@" | tr -d '\r' | grep -i '^server:' | paste -sd '|'; }
expect_eq "default: the diagnostic page says Server: Microsoft-HTTPAPI/2.0" \
	"$(server -H 'Host: diag.test' "http://127.0.0.1:$H/")" "Server: Microsoft-HTTPAPI/2.0"
expect_eq "... and HTTP.SYS's 400 page too" "$(server -H 'Host: a b' "http://127.0.0.1:$H/")" \
	"Server: Microsoft-HTTPAPI/2.0"
expect_eq "server_header = Acme/1.0: the diagnostic page" \
	"$(server -H 'Host: diag.test' "http://127.0.0.1:$HC/")" "Server: Acme/1.0"
expect_eq "... the 400 page" "$(server -H 'Host: a b' "http://127.0.0.1:$HC/")" "Server: Acme/1.0"
expect_eq "server_header empty: no Server field (the page is served: 200)" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: diag.test' "http://127.0.0.1:$HD/") [$(server -H 'Host: diag.test' "http://127.0.0.1:$HD/")]" \
	"200 []"

# ---- a keep-alive connection held across a reload (HTTP/1.1) ----
# read_resp FD: the head of one response on FD (a bodiless 204), as "status|connection"
read_resp() {
	local line st="" cn="-"
	while IFS= read -r -t 10 -u "$1" line; do
		line=${line%$'\r'}
		[ -z "$line" ] && break
		case $line in
		HTTP/1.1\ *) st=${line#HTTP/1.1 } ;;
		[Cc]onnection:*) cn=${line#*: } ;;
		esac
	done
	echo "$st|$cn"
}
exec 8<>"/dev/tcp/127.0.0.1/$HD"
printf 'GET /status/204 HTTP/1.1\r\nHost: app.test\r\n\r\n' >&8
expect_eq "a keep-alive request before the reload: 204, the connection kept" "$(read_resp 8)" "204 No Content|-"
kill -HUP "$D_PID"
expect_log "the daemon reloads" "$T/sysbind-d.log" "reloaded: generation 2 serving new connections"
printf 'GET /status/204 HTTP/1.1\r\nHost: app.test\r\n\r\n' >&8
expect_eq "the held connection's next response says Connection: close" "$(read_resp 8)" "204 No Content|close"
timeout 10 cat <&8 >"$T/rest"; rc=$?
expect_eq "... and the connection ends after it (EOF within 10 s, nothing more sent)" \
	"$rc $(wc -c <"$T/rest")" "0 0"
exec 8>&-
expect_eq "a new connection is served under the new configuration" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HD/status/204")" 204

# ---- SIGINT stops as SIGTERM does ----
kill -INT "$D_PID"
if wait_for -t 20 not_child "$D_PID"; then wait "$D_PID"; rc=$?; else rc=timeout; fi
expect_eq "SIGINT: the daemon exits 0" "$rc" 0
expect_log "... saying why" "$T/sysbind-d.log" "info: Interrupt: stopping; 0 connection(s) open"
expect_log "... and that it stopped" "$T/sysbind-d.log" "info: stopped"

# ---- the 10 s stop cap: a request that never finishes ----
r0=$(be_requests "$B")
curl -s -o /dev/null --max-time 30 "http://127.0.0.1:$HC/fault/silent" &
CU=$!; _pids+=("$CU")
be_wait_requests "$B" "$r0" 1 || not_ok "the request reaches the backend"
t0=$(_now_ms)
kill -TERM "$C_PID"
if wait_for -t 20 not_child "$C_PID"; then wait "$C_PID"; rc=$?; else rc=timeout; fi
ms=$(( $(_now_ms) - t0 ))
expect_eq "SIGTERM with a request that never finishes: exit 0" "$rc" 0
if [ "$ms" -ge 9500 ] && [ "$ms" -le 15000 ]; then ok "... after the 10 s cap ($ms ms)"; else
	not_ok "... after the 10 s cap" "$ms ms"; fi
expect_log "... the log says so" "$T/sysbind-c.log" \
	"worker 0: 1 connection(s) still open after 10 s: closing them"
expect_log "... then stopped" "$T/sysbind-c.log" "info: stopped"
wait "$CU" 2>/dev/null

# ---- start failures exit 1 ----
BP=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("listening", flush=True); time.sleep(60)' "$BP" >"$T/holder.out" 2>&1 &
HOLD=$!; _pids+=("$HOLD")
wait_log "$T/holder.out" listening || not_ok "another process holds port $BP"
cat >"$T/busy.ini" <<EOF
[server]
mode = iis8
access_log = off

[site App]
id = 1
bindings = http/127.0.0.1:$BP:
backend = http://127.0.0.1:$B
EOF
timeout 10 "$SB_BIN" -c "$T/busy.ini" >"$T/busy.log" 2>&1; rc=$?
expect_eq "an address another process holds: exit 1" "$rc" 1
expect_eq "... saying why, who holds it, and that it did not start" \
	"$(sed 's/^[0-9-]* [0-9:]* //' "$T/busy.log")" \
	"error: cannot listen on 127.0.0.1:$BP: Address already in use: python3 (pid $HOLD) holds it: stop it, or bind the site to a free port
error: sysbind did not start: cannot listen on 127.0.0.1:$BP: Address already in use"
kill "$HOLD"; wait "$HOLD" 2>/dev/null

NP=$(free_port)
: >"$T/notadir"
cat >"$T/pid.ini" <<EOF
[server]
mode = iis8
access_log = off
pid_file = $T/notadir/sysbind.pid

[site App]
id = 1
bindings = http/127.0.0.1:$NP:
backend = http://127.0.0.1:$B
EOF
timeout 10 "$SB_BIN" -c "$T/pid.ini" >"$T/pid.log" 2>&1; rc=$?
expect_eq "a pid_file it cannot write: exit 1" "$rc" 1
expect_eq "... saying why, and that it did not start" \
	"$(grep -v 'info: listening on' "$T/pid.log" | sed 's/^[0-9-]* [0-9:]* //')" \
	"error: cannot write pid_file $T/notadir/sysbind.pid: Not a directory: a part of $T/notadir is not a directory: choose another path
error: sysbind did not start: cannot write pid_file $T/notadir/sysbind.pid: Not a directory"
expect_eq "... and nothing listens on its port afterwards" "$(port_busy "$NP" && echo busy || echo free)" free

our_child "$A_PID" && kill -TERM "$A_PID"; wait "$A_PID"
finish
