#!/usr/bin/env bash
# Per-binding TLS policy (issue 14): the TLS
# versions and ciphers each [sslcert] entry accepts are exactly those its flags leave
# (tls_profile server2022 and modern; disablelegacytls, disabletls12, disabletls13, reject,
# disablehttp2), checked with openssl s_client, curl and testssl.sh; session tickets only
# where enablesessionticket is set, shared by two instances through one ticket key file and
# rotated on reload; disablesessionid; tls_session_cache = 0 (tickets still resume).
. "$(dirname "$0")/lib.sh"

need_tool testssl testssl.sh || { finish; exit; }
P=$(free_port); P2=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }

# an RSA certificate too: RSA key exchange and the ECDHE-RSA suites need one
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/rsa.key" -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost -out "$T/rsa.csr" 2>/dev/null &&
	openssl x509 -req -in "$T/rsa.csr" -CA "$SB_CERTS/ca.pem" -CAkey "$SB_CERTS/ca.key" \
	-days 30 -copy_extensions copy -out "$T/rsa.pem" 2>/dev/null || not_ok "an RSA certificate is made"
(umask 077; head -c 80 /dev/urandom >"$T/k1"; head -c 80 /dev/urandom >"$T/k2"; cp "$T/k1" "$T/tickets.key")

EC="certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key"
cat >"$T/a.ini" <<EOF
[server]
mode = iis8
tls_profile = server2022
session_ticket_keys = $T/tickets.key
access_log = off

[sslcert 127.0.0.1:$P]
certificate = $T/rsa.pem
key = $T/rsa.key
enablesessionticket = enable

[sslcert 127.0.0.2:$P]
$EC
disablelegacytls = enable

[sslcert 127.0.0.3:$P]
$EC
disabletls13 = enable

[sslcert 127.0.0.4:$P]
$EC
reject = enable

[sslcert 127.0.0.5:$P]
$EC
disablesessionid = enable

[sslcert 127.0.0.6:$P]
$EC
disabletls12 = enable

[sslcert 127.0.0.7:$P]
$EC
disablehttp2 = enable

[site App]
id = 1
bindings = https/*:$P:
backend = http://127.0.0.1:$B
EOF
cat >"$T/b.ini" <<EOF
[server]
mode = iis8
session_ticket_keys = $T/tickets.key
tls_session_cache = 0
access_log = off

[sslcert 127.0.0.1:$P2]
certificate = $T/rsa.pem
key = $T/rsa.key
enablesessionticket = enable

[sslcert 127.0.0.2:$P2]
$EC

[sslcert 127.0.0.3:$P2]
$EC
disabletls13 = enable

[site App]
id = 1
bindings = https/*:$P2:
backend = http://127.0.0.1:$B
EOF
sb_start "$T/a.ini" "$P" sysbind || { finish; exit; }
A_PID=$SB_PID
sb_start "$T/b.ini" "$P2" sysbind-b || { finish; exit; }

# testssl.sh takes ~20 s a run: two runs in the background while the rest goes on
TS=(testssl --quiet --color 0 --warnings off --nodns none)
"${TS[@]}" -p -e -P "127.0.0.1:$P" >"$T/testssl-2022.txt" 2>&1 &
TS1=$!; _pids+=("$TS1")
"${TS[@]}" -p -e "127.0.0.2:$P" >"$T/testssl-nolegacy.txt" 2>&1 &
TS2=$!; _pids+=("$TS2")

# more_lines FILE TEXT N: FILE has more than N lines holding TEXT
more_lines() { [ "$(grep -cF -- "$2" "$1")" -gt "$3" ]; }
# proto IP PORT VERSION: the protocol s_client negotiated, or "refused"
proto() {
	local out
	out=$(echo | timeout 10 openssl s_client -connect "$1:$2" "-$3" -cipher 'DEFAULT:@SECLEVEL=0' 2>&1)
	sed -n 's/^ *Protocol *: *//p; s/^New, \(TLSv1\.3\), .*/\1/p' <<<"$out" | grep -v '^$' | tail -n 1 |
		grep . || echo refused
	[[ "$out" == *"Cipher is (NONE)"* ]] && echo refused
}
# versions IP PORT: "1.0 1.1 1.2 1.3" marks, - where refused
versions() {
	local v out=""
	for v in tls1 tls1_1 tls1_2 tls1_3; do
		if [[ "$(proto "$1" "$2" "$v")" == *refused* ]]; then out+="- "; else out+="$v "; fi
	done
	echo "${out% }"
}
expect_eq "server2022: TLS 1.0 to 1.3" "$(versions 127.0.0.1 "$P")" "tls1 tls1_1 tls1_2 tls1_3"
expect_eq "disablelegacytls: TLS 1.2 and 1.3" "$(versions 127.0.0.2 "$P")" "- - tls1_2 tls1_3"
expect_eq "disabletls13: TLS 1.0 to 1.2" "$(versions 127.0.0.3 "$P")" "tls1 tls1_1 tls1_2 -"
# "nothing" is also what a dead daemon gives: each of the four refusals must be the
# daemon's own, logged with its reason
REJ="the binding rejects connections (reject = enable)"
n_rej=$(grep -cF "$REJ" "$T/sysbind.log")
expect_eq "reject: nothing" "$(versions 127.0.0.4 "$P")" "- - - -"
wait_for more_lines "$T/sysbind.log" "$REJ" $((n_rej + 3))
expect_eq "reject: each of the four refusals is logged with its reason" \
	"$(( $(grep -cF "$REJ" "$T/sysbind.log") - n_rej ))" 4
expect_eq "disabletls12 (server2022): 1.0, 1.1 and 1.3" "$(versions 127.0.0.6 "$P")" "tls1 tls1_1 - tls1_3"
expect_eq "modern profile: TLS 1.2 and 1.3" "$(versions 127.0.0.2 "$P2")" "- - tls1_2 tls1_3"

# ciphers: disablelegacytls leaves AES-GCM with ECDHE/DHE only; server2022 its own order
cipher() { echo | timeout 10 openssl s_client -connect "$1" -tls1_2 -cipher "$2" 2>&1 |
	sed -n 's/^New, [^,]*, Cipher is //p'; }
expect_eq "disablelegacytls refuses AES-CBC (ECDHE-ECDSA-AES128-SHA), takes AES-GCM right after" \
	"$(cipher "127.0.0.2:$P" 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0') $(cipher "127.0.0.2:$P" 'ECDHE-ECDSA-AES128-GCM-SHA256')" \
	"(NONE) ECDHE-ECDSA-AES128-GCM-SHA256"
expect_eq "without it, ECDHE-ECDSA-AES128-SHA is taken" \
	"$(cipher "127.0.0.3:$P" 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0')" "ECDHE-ECDSA-AES128-SHA"
expect_eq "server2022 takes RSA key exchange (AES128-SHA) when only that is offered" \
	"$(cipher "127.0.0.1:$P" 'AES128-SHA:@SECLEVEL=0')" "AES128-SHA"
expect_eq "server2022 prefers its own order (ECDHE-RSA-AES256-GCM-SHA384 over AES128-SHA)" \
	"$(cipher "127.0.0.1:$P" 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0')" \
	"ECDHE-RSA-AES256-GCM-SHA384"
out=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$P" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' 2>&1)
expect_contains "TLS 1.0 on server2022: its first TLS 1.0 suite" "$out" "Cipher is ECDHE-RSA-AES256-SHA"

# ALPN: disablehttp2
expect_eq "HTTP/2 offered by default" "$(curl -sk --resolve "localhost:$P:127.0.0.1" \
	-o /dev/null -w '%{http_version}' "https://localhost:$P/")" 2
expect_eq "disablehttp2: HTTP/1.1" "$(curl -sk --resolve "localhost:$P:127.0.0.7" \
	-o /dev/null -w '%{http_version}' "https://localhost:$P/")" 1.1

# ---- sessions ----
# sess IP:PORT VERSION in|out: s_client with a saved session, through one request (its
# response comes after TLS 1.3's NewSessionTicket, so the saved session holds the ticket)
sess() { printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
	timeout 10 openssl s_client -connect "$1" "-$2" "-sess_$3" "$T/sess.pem" -ign_eof 2>&1; }
# resumed IP:PORT VERSION: how the handshake with the saved session went, as s_client
# says it ("Reused, TLSv1.x": resumed; "New, TLSv1.x": a full handshake, nothing
# resumed), then the status line of the answer to the request sent over it.  s_client
# prints "New, TLSv1.x" from the offered session even when the handshake fails, so only
# the answer proves there was a handshake: a "resumes nothing" check cannot pass on a
# refused handshake or a dead daemon.
resumed() {
	local out
	out=$(sess "$1" "$2" in)
	printf '%s %s\n' "$(sed -n 's/^\(New\|Reused\), \(TLSv1\.[0-3]\), .*/\1, \2/p' <<<"$out" |
		tr '\n' ' ' | sed 's/ $//')" "$(grep -m 1 -o '^HTTP/1\.1 [0-9]*' <<<"$out")"
}
tv() { case $1 in tls1_2) echo TLSv1.2 ;; tls1_3) echo TLSv1.3 ;; esac; }
for v in tls1_2 tls1_3; do
	sess "127.0.0.1:$P" "$v" out >/dev/null
	expect_contains "$v, enablesessionticket: a ticket is issued" \
		"$(openssl sess_id -in "$T/sess.pem" -noout -text 2>&1)" "TLS session ticket:"
	expect_eq "$v: instance B resumes instance A's session (one ticket key file)" \
		"$(resumed "127.0.0.1:$P2" "$v")" "Reused, $(tv "$v") HTTP/1.1 200"
	expect_eq "$v: instance A resumes it too" "$(resumed "127.0.0.1:$P" "$v")" "Reused, $(tv "$v") HTTP/1.1 200"
done
rm -f "$T/sess.pem"
sess "127.0.0.3:$P" tls1_2 out >/dev/null
saved=$(openssl sess_id -in "$T/sess.pem" -noout -text 2>&1)
expect_contains "no enablesessionticket: a TLS 1.2 session is saved" "$saved" "Protocol  : TLSv1.2"
expect_not_contains "... with no ticket" "$saved" "TLS session ticket:"
expect_eq "... but the session id resumes on the same instance" "$(resumed "127.0.0.3:$P" tls1_2)" "Reused, TLSv1.2 HTTP/1.1 200"
expect_eq "... and again (a session id is not single-use)" "$(resumed "127.0.0.3:$P" tls1_2)" "Reused, TLSv1.2 HTTP/1.1 200"
sess "127.0.0.7:$P" tls1_3 out >/dev/null
expect_eq "no enablesessionticket, TLS 1.3: its stateful ticket resumes from the session cache" \
	"$(resumed "127.0.0.7:$P" tls1_3)" "Reused, TLSv1.3 HTTP/1.1 200"
expect_eq "... and again (a used stateful ticket stays in the cache, as with OpenSSL's own)" \
	"$(resumed "127.0.0.7:$P" tls1_3)" "Reused, TLSv1.3 HTTP/1.1 200"
# The ticket the handshake's end writes waits for the first answer (one segment), but not
# for a slow one: Finished and a request for /slow/3000 sent in one segment, the client
# gets the ticket alone first, then the answer (python3's ssl over a memory BIO).
tkt=$(timeout 20 python3 - "$P" <<'PY' 2>&1
import select, socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
s = socket.create_connection(("127.0.0.7", int(sys.argv[1])))
while True:
    try:
        tls.do_handshake(); break
    except ssl.SSLWantReadError:
        s.sendall(out.read()); inc.write(s.recv(65536))
tls.write(b"GET /slow/3000 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
s.sendall(out.read())
first, body = None, b""
end = time.time() + 15
while time.time() < end:
    if not select.select([s], [], [], 0.5)[0]: continue
    d = s.recv(65536)
    if not d: break
    inc.write(d)
    try:
        body += tls.read(65536)
    except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
        pass
    if first is None:
        first = "ticket alone" if body == b"" and tls.session.has_ticket else "ticket with the answer"
    if body.startswith(b"HTTP/1.1 ") and b"\r\n\r\n" in body: break
print(first, body[:12].decode(errors="replace"))
PY
)
expect_eq "TLS 1.3, a slow first answer: the ticket comes first, alone, then the answer" "$tkt" "ticket alone HTTP/1.1 200"
# a session resumes while the connection that made it is still open (the store holds
# that connection's session, serialized only when it closes) and after it closed
okays() { grep -c '^HTTP/1.1 200' "$T/held.out" 2>/dev/null; }
for hv in "127.0.0.3 tls1_2" "127.0.0.7 tls1_3"; do
	read -r ip v <<<"$hv"
	rm -f "$T/held.pem" "$T/held.in" "$T/held.out"
	mkfifo "$T/held.in"
	timeout 20 openssl s_client -connect "$ip:$P" "-$v" -sess_out "$T/held.pem" \
		<"$T/held.in" >"$T/held.out" 2>&1 &
	hpid=$!
	exec 8>"$T/held.in"
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' >&8
	wait_for test "$(okays)" = 1
	cp "$T/held.pem" "$T/sess.pem"
	expect_eq "$v: a session resumes while its connection is still open" \
		"$(resumed "$ip:$P" "$v")" "Reused, $(tv "$v") HTTP/1.1 200"
	# the server ends the connection (a clean close: its close_notify); a client that
	# closes first without one, or with its input's end racing the answer, can make
	# OpenSSL drop the session as a failed connection's
	printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&8
	wait_for test "$(okays)" = 2
	expect_eq "... which still answers a second request" "$(okays)" 2
	wait_for eval '! kill -0 "$hpid" 2>/dev/null'
	exec 8>&-
	wait "$hpid"
	expect_eq "... and again once that connection closed" \
		"$(resumed "$ip:$P" "$v")" "Reused, $(tv "$v") HTTP/1.1 200"
done
sess "127.0.0.3:$P2" tls1_2 out >/dev/null
expect_eq "tls_session_cache = 0 (instance B): the session id resumes nothing" \
	"$(resumed "127.0.0.3:$P2" tls1_2)" "New, TLSv1.2 HTTP/1.1 200"
sess "127.0.0.2:$P2" tls1_3 out >/dev/null
expect_eq "... nor a TLS 1.3 ticket naming a cached session" "$(resumed "127.0.0.2:$P2" tls1_3)" "New, TLSv1.3 HTTP/1.1 200"
sess "127.0.0.5:$P" tls1_2 out >/dev/null
expect_eq "disablesessionid: a TLS 1.2 session id resumes nothing" "$(resumed "127.0.0.5:$P" tls1_2)" "New, TLSv1.2 HTTP/1.1 200"
sess "127.0.0.5:$P" tls1_3 out >/dev/null
expect_eq "disablesessionid: no TLS 1.3 resumption either" "$(resumed "127.0.0.5:$P" tls1_3)" "New, TLSv1.3 HTTP/1.1 200"

# rotation on reload: a new first key seals, the old one still opens until it is removed
# reload_a: SIGHUP daemon A and wait for its "reloaded" line
reload_a() {
	local n; n=$(grep -c "reloaded: generation" "$T/sysbind.log")
	kill -HUP "$A_PID"
	if wait_for more_lines "$T/sysbind.log" "reloaded: generation" "$n"; then ok "$1"; else
		not_ok "$1" "no \"reloaded\" line: $(tail -n 3 "$T/sysbind.log")"; fi
}
sess "127.0.0.1:$P" tls1_2 out >/dev/null   # sealed under k1
cat "$T/k2" "$T/k1" >"$T/tickets.key"
reload_a "reload with the rotated key file (k2, then k1)"
expect_eq "after rotation: a k1 ticket still resumes" "$(resumed "127.0.0.1:$P" tls1_2)" "Reused, TLSv1.2 HTTP/1.1 200"
cp "$T/k2" "$T/tickets.key"
reload_a "reload with k1 removed"
expect_eq "k1 removed: its ticket resumes nothing" "$(resumed "127.0.0.1:$P" tls1_2)" "New, TLSv1.2 HTTP/1.1 200"

# ---- testssl.sh's view ----
wait "$TS1"; wait "$TS2"
hexes() { sed -n 's/^ \(x[0-9a-f]*\) .*/\1/p' "$1" | sort | tr '\n' ' '; }
ts_protos() { grep -E '^ (SSLv[23]|TLS 1(\.[123])?) ' "$1" | sed 's/  */ /g; s/^ //' |
	sed -E 's/(offered|not offered).*/\1/' | tr '\n' ';'; }
expect_eq "testssl: server2022's protocols" "$(ts_protos "$T/testssl-2022.txt")" \
	"SSLv2 not offered;SSLv3 not offered;TLS 1 offered;TLS 1.1 offered;TLS 1.2 offered;TLS 1.3 offered;"
# Windows Server 2022's list for an RSA key: its ECDHE-ECDSA suites need an
# ECDSA certificate, its NULL suites are never offered by default, and its last one,
# TLS_RSA_WITH_3DES_EDE_CBC_SHA (x0a), is not in Debian 12's OpenSSL at all
expect_eq "testssl: server2022's ciphers are Windows' list for an RSA certificate" \
	"$(hexes "$T/testssl-2022.txt")" \
	"x1301 x1302 x2f x35 x3c x3d x9c x9d x9e x9f xc013 xc014 xc027 xc028 xc02f xc030 "
expect_contains "testssl: the server's order is its own" "$(cat "$T/testssl-2022.txt")" \
	"Has server cipher order?     yes"
expect_eq "testssl: disablelegacytls's protocols" "$(ts_protos "$T/testssl-nolegacy.txt")" \
	"SSLv2 not offered;SSLv3 not offered;TLS 1 not offered;TLS 1.1 not offered;TLS 1.2 offered;TLS 1.3 offered;"
expect_eq "testssl: disablelegacytls leaves AES-GCM with ECDHE only" \
	"$(hexes "$T/testssl-nolegacy.txt")" "x1301 x1302 xc02b xc02c "
finish
