#!/usr/bin/env bash
# Client certificates by IIS's rules (issue 14),
# with real clients: curl --cert over TLS 1.2 (a renegotiation inside the connection asks
# for the certificate once the URL is known) and TLS 1.3 (no renegotiation: Server 2022
# resets, Server 2025 answers 500.0), openssl s_client -cert, HTTP/2 (HTTP_1_1_REQUIRED and
# curl's retry over HTTP/1.1), the body read ahead (10 KB passes, 100 KB gets 413), the
# chain verdicts (403.13, 403.16, 403.17), the X-ARR-ClientCert bytes the backend receives,
# and the W3C and HTTPERR lines.
. "$(dirname "$0")/lib.sh"

P=$(free_port); H=$(free_port); B=$(free_port); P5=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/cc.ini" <<EOF
[server]
mode = iis8
access_log = $T/w3c.log
httperr_log = $T/httperr.log
trust = $SB_CERTS/ca.pem
crl = $SB_CERTS/clientca.crl
renegotiation_timeout = 2
trace = on

# renegotiates when a URL wants a certificate
[sslcert 127.0.0.1:$P]
certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key

# asks in the handshake, naming the client CA
[sslcert 127.0.0.2:$P]
certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key
clientcertnegotiation = enable
sslctlstorename = $SB_CERTS/ClientAuthIssuer

# TLS 1.3 off: a TLS 1.3 client speaks 1.2 here, and can be asked
[sslcert 127.0.0.3:$P]
certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key
disabletls13 = enable

[site App]
id = 1
bindings = https/*:$P:, http/*:$H:
backend = http://127.0.0.1:$B

[location App/secure]
ssl_flags = Ssl, SslNegotiateCert, SslRequireCert

[location App/accept]
ssl_flags = Ssl, SslNegotiateCert

[location App/ssl]
ssl_flags = Ssl

[location App/reqonly]
ssl_flags = Ssl, SslRequireCert
EOF
sb_start "$T/cc.ini" "$P" || { finish; exit; }
wait_port "$H" || not_ok "http port opens"

CC=(curl -sS --cacert "$SB_CERTS/ca.pem" --http1.1 --resolve "localhost:$P:127.0.0.1")
CERT=(--cert "$SB_CERTS/client.pem" --key "$SB_CERTS/client.key")
U="https://localhost:$P"
want_b64=$(openssl x509 -in "$SB_CERTS/client.pem" -outform DER | base64 -w 0)
# arr FILE: the X-ARR-ClientCert values the backend echoed (one per line)
arr() { grep -o '"X-ARR-ClientCert: [^"]*"' "$1" | sed 's/^"X-ARR-ClientCert: //; s/"$//'; }
# w3c_fields: "status substatus win32" of the W3C line the daemon writes next
w3c_fields() { log_next "$T/w3c.log" | awk '{print $13, $14, $15}'; }

# ---- TLS 1.2: a renegotiation asks, once the URL is known ----
log_mark "$T/w3c.log"
code=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -o "$T/out" -w '%{http_code}' "$U/secure/a")
expect_eq "TLS 1.2 + certificate on a Require path: 200 after renegotiation" "$code" 200
expect_eq "the backend received the certificate as X-ARR-ClientCert (base64 DER, one line)" \
	"$(arr "$T/out")" "$want_b64"
expect_eq "W3C: 200 0 0" "$(w3c_fields)" "200 0 0"
tr=$(cat "$T/sysbind.log")
expect_contains "trace: why it asks only now" "$tr" "the second chicken-and-egg: at the handshake sysbind knew the local IP:Port and the SNI, not the URL; that /secure/a wants a client certificate is known only now"
expect_contains "trace: the renegotiation" "$tr" "renegotiating: HelloRequest sent"
expect_contains "trace: what the client sent" "$tr" "second round done: the client sent a certificate (CN=client.alice)"
expect_contains "trace: the decision after it" "$tr" "and the client's is good"

log_mark "$T/w3c.log"
code=$("${CC[@]}" --tls-max 1.2 -o "$T/out" -w '%{http_code}' "$U/secure/a")
expect_eq "TLS 1.2 without a certificate on a Require path: 403" "$code" 403
expect_contains "IIS's 403.htm" "$(cat "$T/out")" "<h2>403 - Forbidden: Access is denied.</h2>"
expect_eq "IIS's 403.htm is 1233 bytes, as IIS sends it" "$(wc -c <"$T/out")" 1233
expect_eq "W3C: 403 7 0" "$(w3c_fields)" "403 7 0"

log_mark "$T/w3c.log"
code=$("${CC[@]}" --tls-max 1.2 -o "$T/out" -w '%{http_code}' "$U/accept/a")
expect_eq "Accept path without a certificate: served" "$code" 200
expect_eq "... and no X-ARR-ClientCert reaches the backend" "$(arr "$T/out")" ""
expect_eq "W3C: 200 0 0 (accept)" "$(w3c_fields)" "200 0 0"

log_mark "$T/w3c.log"
code=$("${CC[@]}" --tls-max 1.2 -H 'X-ARR-ClientCert: forged' -o "$T/out" -w '%{http_code}' "$U/plain")
expect_eq "a path with no flags is served" "$code" 200
expect_eq "a client's own X-ARR-ClientCert never reaches the backend" "$(arr "$T/out")" ""
log_next "$T/w3c.log" >/dev/null
log_mark "$T/w3c.log"
code=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -H 'x-arr-clientcert: forged' -o "$T/out" -w '%{http_code}' "$U/secure/b")
expect_eq "with a certificate and a forged header: only the real one arrives" \
	"$code $(arr "$T/out" | tr '\n' ' ')" "200 $want_b64 "
log_next "$T/w3c.log" >/dev/null   # its line, before the next mark

# chain verdicts: the handshake never fails, the 403's sub-status says why
for c in "client-expired 403 17 2148204801" "client-revoked 403 13 2148081680" \
	"client-unknown 403 16 2148204809" "client-serverauth 403 16 2148204809"; do
	set -- $c
	log_mark "$T/w3c.log"
	code=$("${CC[@]}" --tls-max 1.2 --cert "$SB_CERTS/$1.pem" --key "$SB_CERTS/$1.key" \
		-o /dev/null -w '%{http_code}' "$U/secure/a")
	expect_eq "$1: $2.$3 (status on the wire $2)" "$code" "$2"
	expect_eq "$1: W3C $2 $3 $4" "$(w3c_fields)" "$2 $3 $4"
done

log_mark "$T/w3c.log"
code=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -o /dev/null -w '%{http_code}' "$U/reqonly/a")
expect_eq "SslRequireCert without SslNegotiateCert: nothing asks, 403.7" "$code $(w3c_fields)" "403 403 7 0"

# plain http
log_mark "$T/w3c.log"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H/ssl/a")
expect_eq "Ssl over plain http: 403.4" "$code $(w3c_fields)" "403 403 4 0"

# ---- the body read ahead before the renegotiation ----
head -c 10240 /dev/urandom >"$T/b10k"; head -c 102400 /dev/urandom >"$T/b100k"
records() { grep -vc '^#' "$T/w3c.log"; }
records_are() { [ "$(records)" -eq "$1" ]; }
r0=$(records)
out=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -H 'Expect:' --data-binary @"$T/b10k" "$U/secure/up")
expect_contains "10 KB POST: read ahead, renegotiated, delivered whole" "$out" \
	"\"body_length\":10240,\"body_sha256\":\"$(sha256sum <"$T/b10k" | cut -c1-64)\""
out=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -H 'Expect:' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/b10k" "$U/secure/up")
expect_contains "10 KB chunked POST: delivered whole" "$out" "\"body_length\":10240"
# the two POSTs' W3C lines are written at the end of the loop pass that answered each,
# perhaps after curl has the answer: waited for, so that the mark below comes after them
wait_for records_are $((r0 + 2)) || not_ok "the two POSTs are in the W3C log"
log_mark "$T/w3c.log"
hdr=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -H 'Expect:' --data-binary @"$T/b100k" -D - -o "$T/out" "$U/secure/up" | tr -d '\r')
expect_contains "100 KB POST: 413 (beyond upload_read_ahead_size 49152)" "$hdr" "HTTP/1.1 413 Request Entity Too Large"
expect_contains "... and the connection closes" "$hdr" "Connection: close"
expect_eq "W3C: 413 0 0" "$(w3c_fields)" "413 0 0"
code=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -H 'Expect:' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/b100k" -o /dev/null -w '%{http_code}' "$U/secure/up")
expect_eq "100 KB chunked POST: 413 once it passes the limit" "$code" 413
out=$("${CC[@]}" --tls-max 1.2 "${CERT[@]}" -H 'Expect: 100-continue' --data-binary @"$T/b100k" "$U/secure/up")
expect_contains "100 KB POST with Expect: 100-continue: asked before the body, delivered" "$out" \
	"\"body_length\":102400"

# ---- openssl s_client -cert, with and without the renegotiation ----
req=$'GET /secure/s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
out=$(printf '%s' "$req" | timeout 10 openssl s_client \
	-connect "127.0.0.1:$P" -tls1_2 -cert "$SB_CERTS/client.pem" -key "$SB_CERTS/client.key" \
	-cert_chain "$SB_CERTS/clientca.pem" -quiet 2>/dev/null)
expect_contains "s_client -tls1_2 -cert: renegotiated, 200" "$out" "HTTP/1.1 200 OK"
expect_contains "... X-ARR-ClientCert reached the backend" "$out" "X-ARR-ClientCert: $want_b64"
out=$(printf '%s' "$req" | timeout 10 openssl s_client -connect "127.0.0.1:$P" -tls1_2 \
	-cert "$SB_CERTS/client.pem" -key "$SB_CERTS/client.key" -quiet 2>/dev/null)
expect_contains "s_client -cert without the client CA: the chain cannot be built, 403" "$out" \
	"HTTP/1.1 403 Forbidden"
out=$(printf '%s' "$req" | timeout 10 openssl s_client -connect "127.0.0.2:$P" -tls1_3 \
	-cert "$SB_CERTS/client.pem" -key "$SB_CERTS/client.key" -cert_chain "$SB_CERTS/clientca.pem" \
	-ign_eof 2>&1)
expect_contains "clientcertnegotiation = enable: TLS 1.3 and a certificate: 200" "$out" "HTTP/1.1 200 OK"
expect_contains "... the CertificateRequest names the sslctlstorename CA" "$out" \
	"CN = sysbind demo client CA"
out=$(printf '%s' "$req" | timeout 10 openssl s_client -connect "127.0.0.1:$P" -tls1_3 -ign_eof 2>&1)
expect_contains "without clientcertnegotiation: no CertificateRequest in the handshake" "$out" \
	"No client certificate CA names sent"
# a resumed session (the session cache) keeps the certificate and the intermediate the
# client sent: the chain still builds, the same 200, without sending them again
for v in tls1_2 tls1_3; do
	rm -f "$T/cc-sess.pem"
	out=$(printf '%s' "$req" | timeout 10 openssl s_client -connect "127.0.0.2:$P" "-$v" \
		-cert "$SB_CERTS/client.pem" -key "$SB_CERTS/client.key" \
		-cert_chain "$SB_CERTS/clientca.pem" -sess_out "$T/cc-sess.pem" -ign_eof 2>&1)
	expect_eq "$v: a full handshake with the certificate and its CA: 200" \
		"$(sed -n 's/^\(New\|Reused\), .*/\1/p; s/^\(HTTP\/1.1 [0-9]*\).*/\1/p' <<<"$out" | tr '\n' ' ')" \
		"New HTTP/1.1 200 "
	out=$(printf '%s' "$req" | timeout 10 openssl s_client -connect "127.0.0.2:$P" "-$v" \
		-sess_in "$T/cc-sess.pem" -ign_eof 2>&1)
	expect_eq "$v: resumed without sending them: the same 200 (not 403.16)" \
		"$(sed -n 's/^\(New\|Reused\), .*/\1/p; s/^\(HTTP\/1.1 [0-9]*\).*/\1/p' <<<"$out" | tr '\n' ' ')" \
		"Reused HTTP/1.1 200 "
	expect_contains "... X-ARR-ClientCert is the certificate of the session" "$out" \
		"X-ARR-ClientCert: $want_b64"
done

# a client that never answers the HelloRequest, and one that refuses it (as rustls does)
log_mark "$T/httperr.log"
"$SB_BUILD/tests/slowclient" --port "$P" --tls12 --no-read --max-time 20 \
	--request 'GET /secure/never HTTP/1.1\r\nHost: localhost\r\n\r\n' >/dev/null &
SC=$!; _pids+=("$SC")
wait_log "$T/httperr.log" "Timer_SslRenegotiation" 15
kill "$SC" 2>/dev/null; wait "$SC" 2>/dev/null
expect_contains "no answer within renegotiation_timeout: HTTPERR Timer_SslRenegotiation" \
	"$(log_next "$T/httperr.log")" "GET /secure/never - - 1 Timer_SslRenegotiation App"
log_mark "$T/httperr.log"
out=$("$SB_BUILD/tests/slowclient" --port "$P" --tls12 --no-renegotiation --max-time 10 \
	--request 'GET /secure/refused HTTP/1.1\r\nHost: localhost\r\n\r\n')
expect_eq "a client refusing to renegotiate gets no response" "$out" "bytes=0 end=error"
expect_contains "... HTTPERR Connection_Dropped" "$(log_next "$T/httperr.log")" \
	"GET /secure/refused - - 1 Connection_Dropped App"

# ---- TLS 1.3: asked too late ----
log_mark "$T/httperr.log"
"${CC[@]}" --tlsv1.3 "${CERT[@]}" -o /dev/null "$U/secure/t" 2>"$T/err"; rc=$?
expect_eq "TLS 1.3 + Require path, no clientcertnegotiation: the connection is reset (curl 56)" \
	"$rc $(grep -c 'Connection reset by peer' "$T/err")" "56 1"
expect_contains "HTTPERR: Connection_Dropped" "$(log_next "$T/httperr.log")" "GET /secure/t - - 1 Connection_Dropped App"
log_mark "$T/w3c.log"
code=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http1.1 --resolve "localhost:$P:127.0.0.2" --tlsv1.3 \
	"${CERT[@]}" -o "$T/out" -w '%{http_code} %{ssl_verify_result}' "$U/secure/t")
expect_eq "the fix, clientcertnegotiation = enable: TLS 1.3 gets 200" "$code" "200 0"
expect_eq "... with the certificate forwarded" "$(arr "$T/out")" "$want_b64"
expect_eq "... W3C 200 0 0" "$(w3c_fields)" "200 0 0"
code=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http2 --resolve "localhost:$P:127.0.0.2" \
	"${CERT[@]}" -o "$T/out" -w '%{http_code} %{http_version}' "$U/secure/t2")
expect_eq "... and HTTP/2 too: the certificate came with the handshake" "$code" "200 2"
expect_eq "... forwarded from the HTTP/2 stream" "$(arr "$T/out")" "$want_b64"
code=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http1.1 --resolve "localhost:$P:127.0.0.2" \
	-o /dev/null -w '%{http_code}' "$U/secure/t")
expect_eq "clientcertnegotiation = enable, no certificate sent: 403" "$code" 403
out=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http1.1 --resolve "localhost:$P:127.0.0.3" \
	"${CERT[@]}" -w '%{http_code}' -o "$T/out" "$U/secure/t")
expect_eq "the other fix, disabletls13: a TLS 1.3 client speaks 1.2, is asked, 200" "$out" 200

# ---- HTTP/2: HTTP_1_1_REQUIRED, and curl retries over HTTP/1.1 ----
log_mark "$T/httperr.log"
out=$(curl -sS -v --cacert "$SB_CERTS/ca.pem" --http2 --tls-max 1.2 --resolve "localhost:$P:127.0.0.1" \
	"${CERT[@]}" -o "$T/out" -w 'got %{http_code} over %{http_version}\n' "$U/secure/h2" 2>&1)
expect_contains "HTTP/2: the stream is reset with HTTP_1_1_REQUIRED" "$out" "HTTP_1_1_REQUIRED"
expect_contains "... curl retries over HTTP/1.1, is asked, gets 200" "$out" "got 200 over 1.1"
expect_contains "HTTPERR: the stream's line" "$(log_next "$T/httperr.log")" "HTTP/2 GET /secure/h2 1 - 1 HTTP_1_1_Required App"

# ---- a forged certificate in any spelling (issue 19): a CGI-style backend (CGI/PHP, WSGI,
# Rack) reads X-ARR-ClientCert, X_ARR_ClientCert and X-ARR_ClientCert alike, as
# HTTP_X_ARR_CLIENTCERT, and X_Forwarded_For as HTTP_X_FORWARDED_FOR: none of a client's
# reaches the backend, in the head or in a trailer section, over HTTP/1.1 or HTTP/2; the
# real certificate still does.  X-ARR-ClientCertX merely resembles the name: it passes.
# cgi FILE: per name sysbind sets, the values of every header and trailer field the backend
# echoed whose name a CGI backend reads as that name's variable, then X-ARR-ClientCertX's
cgi() {
	local n re
	for n in X-ARR-ClientCert X-Forwarded-For X-Forwarded-Proto X-Forwarded-Host X-ARR-ClientCertX; do
		re=${n//-/[-_]}
		printf '%s=[%s] ' "$n" "$(grep -o -i -E "\"$re: [^\"]*\"" "$1" | sed 's/^"[^:]*: //; s/"$//' | paste -sd '|')"
	done
}
SPELL=('X-ARR-ClientCert: forged1' 'x-arr-clientcert: forged2' 'X_ARR_ClientCert: forged3'
	'X-ARR_ClientCert: forged4' 'X_arr_clientcert: forged5' 'X-ARR-ClientCertX: kept'
	'X-Forwarded-For: 10.9.9.9' 'X_Forwarded_For: 6.6.6.1' 'X-Forwarded_For: 6.6.6.2'
	'x_forwarded_for: 6.6.6.3' 'X-Forwarded-Proto: ftp1' 'X_Forwarded_Proto: ftp2'
	'x-forwarded_proto: ftp3' 'X-Forwarded-Host: evil1' 'X_Forwarded_Host: evil2'
	'X-FORWARDED_HOST: evil3')
FORGE=(); for h in "${SPELL[@]}"; do FORGE+=(-H "$h"); done
want_none="X-ARR-ClientCert=[] X-Forwarded-For=[10.9.9.9, 127.0.0.1] X-Forwarded-Proto=[https] X-Forwarded-Host=[localhost:$P] X-ARR-ClientCertX=[kept] "
want_cert="X-ARR-ClientCert=[$want_b64] X-Forwarded-For=[10.9.9.9, 127.0.0.1] X-Forwarded-Proto=[https] X-Forwarded-Host=[localhost:$P] X-ARR-ClientCertX=[kept] "
code=$("${CC[@]}" --tls-max 1.2 "${FORGE[@]}" -o "$T/out" -w '%{http_code}' "$U/plain/spell")
expect_eq "HTTP/1.1 head, no certificate: no spelling of X-ARR-ClientCert or X-Forwarded-* of the client's reaches the backend (curl -H)" \
	"$code $(cgi "$T/out")" "200 $want_none"
code=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http1.1 --resolve "localhost:$P:127.0.0.2" \
	"${CERT[@]}" "${FORGE[@]}" -o "$T/out" -w '%{http_code}' "$U/secure/spell")
expect_eq "... with a certificate: only sysbind's X-ARR-ClientCert, the real one" \
	"$code $(cgi "$T/out")" "200 $want_cert"
code=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http2 --resolve "localhost:$P:127.0.0.1" \
	"${FORGE[@]}" -o "$T/out" -w '%{http_code} %{http_version}' "$U/plain/spell2")
expect_eq "HTTP/2 head, no certificate: none either (curl --http2 -H, names lowercased)" \
	"$code $(cgi "$T/out")" "200 2 $want_none"
code=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http2 --resolve "localhost:$P:127.0.0.2" \
	"${CERT[@]}" "${FORGE[@]}" -o "$T/out" -w '%{http_code} %{http_version}' "$U/secure/spell2")
expect_eq "... with a certificate: only the real one" "$code $(cgi "$T/out")" "200 2 $want_cert"
# a chunked request's trailer section, raw, with the certificate in the handshake
{
	printf 'POST /secure/spell3 HTTP/1.1\r\nHost: localhost:%s\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n' "$P"
	printf '%s\r\n' "${SPELL[@]}"
	printf '\r\n3\r\nabc\r\n0\r\n'
	printf '%s\r\n' "${SPELL[@]}" | sed 's/kept/tkept/'
	printf '\r\n'
} >"$T/spell.req"
timeout 10 openssl s_client -connect "127.0.0.2:$P" -servername localhost -tls1_3 \
	-cert "$SB_CERTS/client.pem" -key "$SB_CERTS/client.key" -cert_chain "$SB_CERTS/clientca.pem" \
	-quiet -ign_eof <"$T/spell.req" >"$T/out" 2>/dev/null
expect_eq "HTTP/1.1 head and trailer section, with a certificate: only the real one, and X-ARR-ClientCertX in both (openssl s_client)" \
	"$(head -n 1 "$T/out" | tr -d '\r') $(cgi "$T/out")" \
	"HTTP/1.1 200 OK ${want_cert/\[kept\]/[kept|tkept]}"
expect_contains "... the trailer section the backend got holds X-ARR-ClientCertX alone" "$(cat "$T/out")" \
	'"trailers":["X-ARR-ClientCertX: tkept"]}'
# HTTP/2's trailing HEADERS frame, frame by frame (Debian's python3-h2, with its python3)
PY=/usr/bin/python3
if ! "$PY" -c 'import h2, hpack, hyperframe' 2>/dev/null; then
	echo "# installing python3-h2 (once)"
	"$SB_ROOT/scripts/install-deps.sh" python3-h2 >"$T/install-python3-h2.log" 2>&1
fi
if "$PY" -c 'import h2, hpack, hyperframe' 2>/dev/null; then
	H2=(); TR=()
	for h in "${SPELL[@]}"; do
		h=${h,,}; H2+=(--header "$h"); TR+=(--trailer "${h/kept/tkept}")
	done
	out=$(timeout 60 "$PY" "$SB_ROOT/tests/tools/h2attack.py" trailers --port "$P" \
		--authority "localhost:$P" --sni localhost --path /plain/spell4 --size 3 "${H2[@]}" \
		"${TR[@]}" 2>>"$T/h2attack.log")
	sed -n 's/^body=//p' <<<"$out" >"$T/out"
	expect_eq "HTTP/2 head and trailing HEADERS, no certificate: none of the client's spellings reach the backend (python3-h2)" \
		"$(sed -n 's/^status=//p' <<<"$out") $(cgi "$T/out")" "200:1 ${want_none/\[kept\]/[kept|tkept]}"
	expect_contains "... the trailer section the backend got holds x-arr-clientcertx alone" "$(cat "$T/out")" \
		'"trailers":["x-arr-clientcertx: tkept"]}'
else
	not_ok "python3-h2 installs (scripts/install-deps.sh python3-h2)" "$(tail -n 5 "$T/install-python3-h2.log")"
fi

# ---- a renegotiation across the release of OpenSSL's buffers (tlsio_buffers_idle) ----
# Two requests make a busy spell (the record buffers kept); the third asks for the
# certificate and the client reads the HelloRequest only 100 ms later, so the buffers go
# back while the renegotiation waits for its ClientHello; requests after it, and a second
# certificate URL after another idle spell, are answered on the same connection.
r=$(timeout 20 python3 "$SB_ROOT/tests/tools/kareneg.py" "$P" "$SB_CERTS/ca.pem" \
	"$SB_CERTS/client.pem" "$SB_CERTS/client.key" /ssl/a /ssl/b /secure/a@100 /ssl/c@60 \
	/secure/b@100 /ssl/d 2>&1)
expect_eq "TLS 1.2 keep-alive: renegotiation after the buffers went back, 6 answers" "$r" \
	"200 200 200 200 200 200"

# ---- Server 2025's behaviour: 500.0 ----
cat >"$T/cc5.ini" <<EOF
[server]
mode = iis8
access_log = $T/w3c5.log
tls13_delayed_client_cert = error500

[sslcert 127.0.0.1:$P5]
certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key

[site App]
id = 1
bindings = https/*:$P5:
backend = http://127.0.0.1:$B

[location App/secure]
ssl_flags = Ssl, SslNegotiateCert, SslRequireCert
EOF
sb_start "$T/cc5.ini" "$P5" sysbind5 || { finish; exit; }
log_mark "$T/w3c5.log"
code=$(curl -sS --cacert "$SB_CERTS/ca.pem" --http1.1 --tlsv1.3 --resolve "localhost:$P5:127.0.0.1" \
	"${CERT[@]}" -o "$T/out" -w '%{http_code}' "https://localhost:$P5/secure/x")
expect_eq "tls13_delayed_client_cert = error500: 500" "$code" 500
expect_contains "... IIS's 500.htm" "$(cat "$T/out")" "<h2>500 - Internal server error.</h2>"
expect_eq "... W3C 500 0 2147942450 (0x80070032)" "$(log_next "$T/w3c5.log" | awk '{print $13, $14, $15}')" \
	"500 0 2147942450"
finish
