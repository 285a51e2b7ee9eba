#!/usr/bin/env bash
# iis8 mode (§1.1): hostnameport bindings give each SNI name its own
# certificate; a client without SNI gets the 0.0.0.0 fallback, or a refused handshake
# when there is none; an exact-IP ipport binding wins over SNI; CCS serves <name>.pfx,
# then _.<parent>.pfx.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
sites() {
	cat <<EOF2
[site MySite V1]
id = 1
bindings = https/*:$P:sitev1.mysite.com

[site MySite V2]
id = 2
bindings = https/*:$P:sitev2.mysite.com
EOF2
}
run_with() {   # run_with NAME: start on $T/NAME.ini
	sb_start "$T/$1.ini" "$P" "$1"
}
stop() { sb_stop >"$T/stop.rc"; }

# --- hostnameport + wildcard fallback
{ cat <<EOF2
[server]
mode = iis8
trust = $SB_CERTS/ca.pem
access_log = off
trace = on

[sslcert sitev1.mysite.com:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[sslcert sitev2.mysite.com:$P]
certificate = $SB_CERTS/sitev2.pem
key = $SB_CERTS/sitev2.key

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

EOF2
sites; } >"$T/sni.ini"
run_with sni || { finish; exit; }
expect_eq "SNI sitev1 gets sitev1's certificate" "$(served_cert "$P" sitev1.mysite.com)" "sitev1.mysite.com"
expect_eq "SNI sitev2 gets sitev2's certificate" "$(served_cert "$P" sitev2.mysite.com)" "sitev2.mysite.com"
expect_eq "no SNI gets the 0.0.0.0 fallback" "$(served_cert "$P" -)" "*.mysite.com"
expect_eq "an unknown SNI name gets the fallback" "$(served_cert "$P" other.example)" "*.mysite.com"
R=(--resolve "sitev2.mysite.com:$P:127.0.0.1")
out=$(curl -sS --cacert "$SB_CERTS/ca.pem" "${R[@]}" -H 'Accept: application/json' "https://sitev2.mysite.com:$P/" 2>&1)
expect_contains "curl verifies sitev2 with its own certificate" "$out" '"verdict": "ok"'
expect_contains "... chosen by the hostnameport step" "$out" "hostnameport sitev2.mysite.com:$P"
stop

# --- no fallback: a client without SNI has its handshake refused
{ cat <<EOF2
[server]
mode = iis8
access_log = off
trace = on

[sslcert sitev1.mysite.com:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

EOF2
sites; } >"$T/nofb.ini"
run_with nofb || { finish; exit; }
# "no certificate" is also what a dead daemon serves: each refusal below must be the
# daemon's own (one "handshake refused" line each, counted) and the daemon serves sitev1
# right after.
# refusals SNI: how many times the daemon has logged refusing a handshake with SNI (none)
refusals() { grep -cF "no certificate for 127.0.0.1:$P (sni $1): handshake refused" "$T/nofb.log"; }
more_refusals() { [ "$(refusals "$1")" -gt "$2" ]; }
# refused_since SNI N K: the refusals logged beyond N, once K of them are written (5 s at most)
refused_since() { wait_for -t 5 more_refusals "$1" $(( $2 + $3 - 1 )); echo $(( $(refusals "$1") - $2 )); }
expect_eq "SNI sitev1 still gets its certificate" "$(served_cert "$P" sitev1.mysite.com)" "sitev1.mysite.com"
n=$(refusals none)
expect_eq "no SNI and no fallback: no certificate" "$(served_cert "$P" -)" ""
out=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$P" -noservername 2>&1)
expect_contains "... the handshake fails (no peer certificate)" "$out" "no peer certificate available"
expect_not_contains "... and no alert is sent" "$out" "alert"
expect_eq "... both refusals are the daemon's, each logged (sni none)" "$(refused_since none "$n" 2)" 2
expect_eq "... which serves sitev1 right after" "$(served_cert "$P" sitev1.mysite.com)" "sitev1.mysite.com"
n=$(refusals sitev2.mysite.com)
expect_eq "an unknown SNI name: no certificate either" "$(served_cert "$P" sitev2.mysite.com)" ""
curl -sS -k "${R[@]}" "https://sitev2.mysite.com:$P/" >/dev/null 2>&1
expect_eq "curl fails on the refused handshake" "$?" "35"
expect_eq "... both refusals are the daemon's, logged with the SNI" "$(refused_since sitev2.mysite.com "$n" 2)" 2
expect_eq "... which serves sitev1 right after" "$(served_cert "$P" sitev1.mysite.com)" "sitev1.mysite.com"
stop
expect_eq "the daemon survived the refusals (exit 0)" "$(cat "$T/stop.rc")" "0"

# --- an exact-IP ipport binding wins over SNI
{ cat <<EOF2
[server]
mode = iis8
access_log = off

[sslcert 127.0.0.1:$P]
certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key

[sslcert sitev2.mysite.com:$P]
certificate = $SB_CERTS/sitev2.pem
key = $SB_CERTS/sitev2.key

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

EOF2
sites; } >"$T/exact.ini"
run_with exact || { finish; exit; }
expect_eq "exact-IP ipport wins over SNI sitev2" "$(served_cert "$P" sitev2.mysite.com)" "localhost"
expect_eq "exact-IP ipport serves clients without SNI" "$(served_cert "$P" -)" "localhost"
stop

# --- Central Certificate Store
{ cat <<EOF2
[server]
mode = iis8
access_log = off

[sslcert ccs:$P]
directory = $SB_CERTS/ccs
password = ccs-secret

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

EOF2
sites
cat <<EOF2

[site Others]
id = 3
bindings = https/*:$P:
EOF2
} >"$T/ccs.ini"
run_with ccs || { finish; exit; }
expect_eq "CCS serves sitev2.mysite.com.pfx" "$(served_cert "$P" sitev2.mysite.com)" "sitev2.mysite.com"
expect_eq "CCS serves _.mysite.com.pfx for another name" "$(served_cert "$P" shop.mysite.com)" "*.mysite.com"
expect_eq "CCS finds nothing for other.example: the fallback" "$(served_cert "$P" other.example)" "sitev1.mysite.com"
out=$(curl -sS --cacert "$SB_CERTS/ca.pem" --resolve "shop.mysite.com:$P:127.0.0.1" -H 'Accept: application/json' "https://shop.mysite.com:$P/" 2>&1)
expect_contains "curl verifies shop.mysite.com with the CCS wildcard" "$out" '"verdict": "ok"'
expect_contains "... the blank-host site answers" "$out" '"site": "Others"'
expect_contains "... chosen by the ccs step" "$out" "_.mysite.com.pfx"
stop
finish
