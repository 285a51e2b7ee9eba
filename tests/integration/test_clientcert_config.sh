#!/usr/bin/env bash
# test_clientcert_config.sh — the configuration side of issue 14 with the real binary:
# netsh outputs of Windows Server 2012, 2019, 2022 and 2025 (tests/fixtures/iis/, reduced
# from public captures) imported, checked by -t, and given back byte for byte by show
# sslcert; an IIS server whose paths require client certificates imported, what check and
# explain predict for it, and the fix applied with sysbind's netsh; appcmd's config
# commands; a daemon that loads every new key and does what client_cert_header,
# upload_read_ahead_size and show_layout say, and a binding's disablehttp2 as curl sees it.
. "$(dirname "$0")/lib.sh"

FIX="$SB_ROOT/tests/fixtures/iis"

run() {
	"$SB_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# --- every layout: import -> -t -> show sslcert gives the netsh output back, byte for byte
cat >"$T/one-site.config" <<'EOF'
<configuration><system.applicationHost><sites>
<site name="S" id="1"><bindings><binding protocol="http" bindingInformation="*:80:" />
</bindings></site>
</sites></system.applicationHost></configuration>
EOF
mkdir -p "$T/store/ccs"
for f in netsh-2012.txt netsh-2019.txt netsh-2022.txt netsh-2025.txt netsh-2022-every-flag.txt; do
	run import --applicationhost "$T/one-site.config" --sslcert "$FIX/$f" \
		--cert-store "$T/store" -o "$T/$f.ini"
	expect_eq "$f: import exits 0" "$rc" 0
	run -t -c "$T/$f.ini"
	expect_eq "$f: -t accepts the import (certificates not at hand are warnings)" "$rc" 0
	run show sslcert -c "$T/$f.ini"
	expect_eq "$f: show sslcert exits 0" "$rc" 0
	if cmp -s "$T/out" "$FIX/$f"; then
		ok "$f: show sslcert gives the netsh output back byte for byte"
	else
		not_ok "$f: show sslcert gives the netsh output back byte for byte" \
			"$(diff <(tr -d '\r' <"$FIX/$f") <(tr -d '\r' <"$T/out") | head -n 20)"
	fi
done
expect_contains "2012: the import names its layout" "$(cat "$T/netsh-2012.txt.ini")" \
	"show_layout = 2012 "
expect_contains "every flag: each parameter as its key" "$(cat "$T/netsh-2022-every-flag.txt.ini")" \
	"clientcertnegotiation = enable
reject = enable
disablehttp2 = enable"
# a flag the layout has no line for is said, not dropped
sed 's/^show_layout = 2025 .*/show_layout = 2012/' "$T/netsh-2025.txt.ini" >"$T/hidden.ini"
run show sslcert -c "$T/hidden.ini"
expect_contains "show_layout 2012 of a 2025 entry: the hidden flags named on stderr" "$err" \
	"sysbind: [sslcert 0.0.0.0:21443]: disablesessionid = enable is not shown: show_layout = 2012 has no \"Disable Session ID\" line (it came with Windows Server 2025)"
expect_eq "show_layout 2012: the entry ends at Negotiate Client Certificate" \
	"$(tr -d '\r' <"$T/out" | sed -n '17p;18s/^$/(end of entry)/p')" \
	"    Negotiate Client Certificate : Disabled
(end of entry)"

# --- an IIS server whose paths require client certificates
mkdir -p "$T/cc"
run import --applicationhost "$FIX/clientcert.applicationHost.config" \
	--sslcert "$FIX/clientcert.sslcert-2022.txt" -o "$T/cc/iis.ini"
expect_eq "clientcert: import exits 0" "$rc" 0
expect_eq "clientcert: nothing left out" "$err" ""
imported=$(cat "$T/cc/iis.ini")
expect_contains "clientcert: the path's access sslFlags as a [location]" "$imported" \
	"[location Default Web Site/DC3/login/certificateauth]   ; <location path> of IIS's line 44
ssl_flags = Ssl, SslNegotiateCert, SslRequireCert"
expect_contains "clientcert: the site's own as its ssl_flags" "$imported" \
	"ssl_flags = Ssl, SslNegotiateCert, SslRequireCert
"
expect_contains "clientcert: sslFlags NegotiateClientCert on the entry, as netsh shows it" "$imported" \
	"certstorename = My
clientcertnegotiation = enable"
# the certificates at hand: sitev1's for both entries
v1=$(awk '$1 == "sitev1" { print $2 }' "$SB_CERTS/thumbprints.txt")
sed -e "s/5e537858f558b101c877dd9a442344dd7f110794/$v1/" \
	-e "s/a74ce0a0d9a7035c3487162286654f45e5b81084/$v1/" \
	-e "s|^cert_store = \..*|cert_store = .\ntrust = $SB_CERTS/ca.pem|" \
	"$T/cc/iis.ini" >"$T/cc/known.ini"
cp "$SB_CERTS/sitev1.pem" "$SB_CERTS/sitev1.key" "$T/cc/"
run -t -c "$T/cc/known.ini"
expect_eq "clientcert: -t accepts it" "$rc" 0
run show sslcert -c "$T/cc/iis.ini"
if cmp -s "$T/out" "$FIX/clientcert.sslcert-2022.txt"; then
	ok "clientcert: show sslcert gives the netsh output back"
else
	not_ok "clientcert: show sslcert gives the netsh output back" \
		"$(diff <(tr -d '\r' <"$FIX/clientcert.sslcert-2022.txt") <(tr -d '\r' <"$T/out") | head -n 20)"
fi
run check -c "$T/cc/known.ini"
expect_eq "clientcert: check exits 1 (TLS 1.3 browsers are reset)" "$rc" 1
expect_contains "clientcert: what the three clients get at the path" "$out" \
	"Default Web Site /DC3/login/certificateauth (Ssl, SslNegotiateCert, SslRequireCert, [location Default Web Site/DC3/login/certificateauth]) on https/*:443: via [sslcert 0.0.0.0:443] (clientcertnegotiation = disable)
  TLS 1.2 client              renegotiates, then served
  TLS 1.3 browser (HTTP/1.1)  connection reset  <- client error
  HTTP/2 browser              HTTP_1_1_REQUIRED, then connection reset  <- client error
  fix: clientcertnegotiation = enable in [sslcert 0.0.0.0:443]"
expect_contains "clientcert: the site negotiating in its handshake serves everyone" "$out" \
	"AdcsConnector / (Ssl, SslNegotiateCert, SslRequireCert) on https/*:8443: via [sslcert 0.0.0.0:8443] (clientcertnegotiation = enable)
  TLS 1.2 client              served
  TLS 1.3 browser (HTTP/1.1)  served
  HTTP/2 browser              served"
run check --json -c "$T/cc/known.ini"
expect_contains "clientcert: check --json carries the reset" "$out" \
	'{"client": "TLS 1.3 browser (HTTP/1.1)", "action": "tls13-reset", "outcome": "connection reset", "error": true'
run explain -c "$T/cc/known.ini" --local 127.0.0.1:443 --host www.example.com \
	--path /DC3/login/certificateauth/index.aspx --tls 1.2
expect_contains "clientcert: explain --tls 1.2 renegotiates" "$out" \
	"   renegotiate: /DC3/login/certificateauth/index.aspx wants a client certificate (ssl_flags Ssl, SslNegotiateCert, SslRequireCert) the handshake did not ask for (clientcertnegotiation = disable): over TLS 1.2 HTTP.SYS renegotiates inside the connection to ask for it now"
run explain -c "$T/cc/known.ini" --local 127.0.0.1:443 --host www.example.com \
	--path /dc3/LOGIN/./certificateauth --h2
expect_contains "clientcert: explain --h2: HTTP_1_1_REQUIRED, then the reset" "$out" \
	"   then: tls13-reset: "
run appcmd list config "Default Web Site/DC3/login/certificateauth/x" \
	-section:system.webServer/security/access -c "$T/cc/known.ini"
expect_eq "clientcert: appcmd list config prints the effective section" "$out" \
'<system.webServer>
  <security>
    <access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" />
  </security>
</system.webServer>'

# the fix, with netsh as on Windows: negotiate in the handshake.  0.0.0.0 serves IPv6
# clients too (no [::] entry), so the one entry is the whole fix; [::] entries added then
# must say the same.
run netsh http update sslcert ipport=0.0.0.0:443 certhash="$v1" \
	appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' certstorename=My clientcertnegotiation=enable \
	-c "$T/cc/known.ini"
expect_eq "clientcert: netsh update clientcertnegotiation=enable" "$(tr -d '\r' <"$T/out")" "
SSL Certificate successfully updated"
run check -c "$T/cc/known.ini"
expect_eq "clientcert: after the 0.0.0.0 fix alone check exits 0 (IPv6 clients use it too)" "$rc" 0
for p in 443 8443; do
	run netsh http add sslcert "ipport=[::]:$p" certhash="$v1" \
		appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' clientcertnegotiation=enable \
		-c "$T/cc/known.ini"
	expect_eq "clientcert: netsh add [::]:$p" "$rc" 0
done
run check -c "$T/cc/known.ini"
expect_eq "clientcert: after the fix check exits 0" "$rc" 0
expect_not_contains "clientcert: after the fix no client errors" "$out" "client error"
expect_contains "clientcert: after the fix TLS 1.3 browsers are served" "$out" \
	"  TLS 1.3 browser (HTTP/1.1)  served"
run show sslcert -c "$T/cc/known.ini"
expect_contains "clientcert: show sslcert shows the fix" "$(tr -d '\r' <"$T/out")" \
	"    Negotiate Client Certificate : Enabled"

# entry_labels: the field names of the first entry of a show sslcert output, one a line
entry_labels() { tr -d '\r' | awk 'NR > 4 && /^$/ { exit } NR > 5' | sed 's/^ *//; s/ *: .*//'; }

# --- the daemon loads every new key, and does what each says; a binding's disablehttp2 is
# what clients see
p1=$(free_port); p2=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
mkdir -p "$T/d"
head -c 80 /dev/urandom >"$T/d/tickets.key"
chmod 600 "$T/d/tickets.key"
cat >"$T/d/sysbind.ini" <<EOF
[server]
access_log = off
trust = $SB_CERTS/ca.pem
crl = $SB_CERTS/clientca.crl
session_ticket_keys = tickets.key
upload_read_ahead_size = 65536
client_cert_header = X-Client-Cert
tls_profile = server2022
show_layout = 2019

[sslcert 127.0.0.1:$p1]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key
disablehttp2 = enable
sslctlstorename = $SB_CERTS/ClientAuthIssuer

[sslcert 127.0.0.1:$p2]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key
clientcertnegotiation = enable
receivewindow = 65535

[site A]
id = 1
bindings = https/127.0.0.1:$p1:, https/127.0.0.1:$p2:
backend = http://127.0.0.1:$B
ssl_flags = Ssl

[location A/secure]
ssl_flags = Ssl, SslNegotiateCert, SslRequireCert
EOF
run -t -c "$T/d/sysbind.ini"
expect_eq "daemon config: -t accepts every new key" "$rc" 0
expect_eq "daemon config: no warning" "$err" ""
# show_layout = 2019 (the default is 2022, whose entries have more fields)
run show sslcert -c "$T/d/sysbind.ini"
expect_eq "show_layout = 2019: show sslcert prints Windows Server 2019's fields (its netsh-2019.txt)" \
	"$(entry_labels <"$T/out" | tr '\n' ,)" "$(entry_labels <"$FIX/netsh-2019.txt" | tr '\n' ,)"
if sb_start "$T/d/sysbind.ini" "$p1"; then
	wait_port "$p2" || not_ok "daemon listens on $p2"
	expect_eq "daemon: it serves over https" \
		"$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$p1/")" 200
	if curl -V 2>/dev/null | grep -q HTTP2; then
		expect_eq "disablehttp2 = enable: curl --http2 gets HTTP/1.1" \
			"$(curl -sk --http2 -o /dev/null -w '%{http_version}' "https://127.0.0.1:$p1/")" 1.1
		expect_eq "the other binding offers h2: curl --http2 gets HTTP/2" \
			"$(curl -sk --http2 -o /dev/null -w '%{http_version}' "https://127.0.0.1:$p2/")" 2
	else
		skip "disablehttp2 as curl sees it" "this curl has no HTTP/2"
	fi
	# client_cert_header: the certificate a renegotiation asked for (TLS 1.2, $p1 does
	# not ask in its handshake) reaches the backend under the configured name only
	CC=(curl -sS -k --http1.1 --tls-max 1.2 --cert "$SB_CERTS/client.pem" --key "$SB_CERTS/client.key")
	want_b64=$(openssl x509 -in "$SB_CERTS/client.pem" -outform DER | base64 -w 0)
	out=$("${CC[@]}" "https://127.0.0.1:$p1/secure/a")
	expect_eq "client_cert_header = X-Client-Cert: the backend receives the certificate under that name" \
		"$(grep -o '"X-Client-Cert: [^"]*"' <<<"$out" | sed 's/^"X-Client-Cert: //; s/"$//')" "$want_b64"
	expect_eq "... and no X-ARR-ClientCert (the default name)" "$(grep -ic '"X-ARR-ClientCert:' <<<"$out")" 0
	# upload_read_ahead_size = 65536: a body between the default (49152) and it is read
	# ahead and delivered; one beyond it gets 413
	head -c 60000 /dev/urandom >"$T/b60k"; head -c 70000 /dev/urandom >"$T/b70k"
	out=$("${CC[@]}" -H 'Expect:' --data-binary @"$T/b60k" -w ' %{http_code}' "https://127.0.0.1:$p1/secure/up")
	expect_contains "upload_read_ahead_size = 65536: a 60,000-byte POST to a renegotiating path passes" \
		"$out" "\"body_length\":60000,\"body_sha256\":\"$(sha256sum <"$T/b60k" | cut -c1-64)\""
	expect_eq "... with 200" "${out##* }" 200
	code=$("${CC[@]}" -H 'Expect:' --data-binary @"$T/b70k" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$p1/secure/up")
	expect_eq "upload_read_ahead_size = 65536: a 70,000-byte one gets 413" "$code" 413
	sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
	expect_eq "daemon: SIGTERM stops it with 0" "$(cat "$T/stop.rc")" 0
fi

finish
