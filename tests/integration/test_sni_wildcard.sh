#!/usr/bin/env bash
# Wildcard SNI entries (issue 24 item 2): a netsh output holding "Hostname:port :
# *.example.fr:443" is imported, accepted by -t, predicted by check with a real client name
# and shown back byte for byte; the daemon serves the *.example.fr:PORT entry's certificate
# to an SNI name one label under example.fr, after every exact hostnameport entry, and
# never with hostnameport_wildcard = off.
. "$(dirname "$0")/lib.sh"

FIX="$SB_ROOT/tests/fixtures/iis"
run() {   # run ARGS...: $out, $err, $rc of sysbind
	out=$("$SB_BIN" "$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err")
}

# --- the fixture: import, -t, check, show sslcert
mkdir -p "$T/store"
run import --applicationhost "$FIX/wildcard-sni.applicationHost.config" \
	--sslcert "$FIX/wildcard-sni.sslcert-2016.txt" --cert-store "$T/store" -o "$T/imp.ini"
expect_eq "import exits 0" "$rc" 0
expect_eq "import carries the wildcard entry over" \
	"$(grep -c '^\[sslcert \*\.example\.fr:443\]' "$T/imp.ini")" 1
expect_eq "import warns about no entry being dropped" "$(grep -c 'not carried over' <<<"$err")" 0
run -t -c "$T/imp.ini"
expect_eq "-t accepts it (exit 0)" "$rc" 0
run check -c "$T/imp.ini"
expect_eq "check exits 0 (certificates not at hand are unknown, not errors)" "$rc" 0
expect_contains "check predicts the wildcard site with a real name" "$out" \
	"with SNI app.example.fr (for *.example.fr)"
expect_contains "... chosen by the wildcard entry" "$out" \
	"hostnameport *.example.fr:443 (wildcard)"
expect_eq "check never sends \"*.\" as SNI" "$(grep -c 'with SNI \*' <<<"$out")" 0
expect_contains "check says which name stands for the wildcard" "$out" \
	"app.example.fr stands for *.example.fr (IIS 10 wildcard host)"
"$SB_BIN" show sslcert -c "$T/imp.ini" >"$T/show" 2>/dev/null
if cmp -s "$T/show" "$FIX/wildcard-sni.sslcert-2016.txt"; then
	ok "show sslcert gives the netsh output back byte for byte"
else
	not_ok "show sslcert gives the netsh output back byte for byte" \
		"$(diff <(cat -A "$FIX/wildcard-sni.sslcert-2016.txt") <(cat -A "$T/show") | head -n 20)"
fi

# --- the daemon: which certificate each SNI name is served
mk() {   # mk NAME CN
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$2" \
		-addext "subjectAltName=DNS:$2" -keyout "$T/$1.key" -out "$T/$1.pem" 2>/dev/null
}
mk wild '*.example.fr' && mk www www.example.fr && mk fallback fallback.example.net ||
	{ not_ok "openssl makes the certificates"; finish; exit; }
P=$(free_port)
conf() {   # conf SETTING: the configuration with [server] hostnameport_wildcard = SETTING
	cat <<EOF2
[server]
mode = iis8
hostnameport_wildcard = $1
access_log = off
pid_file = $T/sysbind-$1.pid

[sslcert *.example.fr:$P]
certificate = $T/wild.pem
key = $T/wild.key

[sslcert www.example.fr:$P]
certificate = $T/www.pem
key = $T/www.key

[sslcert 0.0.0.0:$P]
certificate = $T/fallback.pem
key = $T/fallback.key

[site Tenants]
id = 1
bindings = https/*:$P:*.example.fr

[site Www]
id = 2
bindings = https/*:$P:www.example.fr
EOF2
}
conf after-exact >"$T/after.ini"
sb_start "$T/after.ini" "$P" after || { finish; exit; }
expect_eq "SNI a.example.fr: the *.example.fr entry's certificate" \
	"$(served_cert "$P" a.example.fr)" "*.example.fr"
expect_eq "SNI A.Example.FR: the same (case-insensitive)" \
	"$(served_cert "$P" A.Example.FR)" "*.example.fr"
expect_eq "SNI www.example.fr: its exact entry comes first" \
	"$(served_cert "$P" www.example.fr)" "www.example.fr"
expect_eq "SNI example.fr (the apex): not under the wildcard, the fallback" \
	"$(served_cert "$P" example.fr)" "fallback.example.net"
expect_eq "SNI a.b.example.fr (two labels): the fallback" \
	"$(served_cert "$P" a.b.example.fr)" "fallback.example.net"
expect_eq "no SNI: the fallback" "$(served_cert "$P" -)" "fallback.example.net"
out=$(curl -sS -k --resolve "a.example.fr:$P:127.0.0.1" -H 'Accept: application/json' \
	"https://a.example.fr:$P/" 2>&1)
expect_contains "the diagnostic page names the step" "$out" \
	"\"selected_by\": \"hostnameport *.example.fr:$P (wildcard)\""
sb_stop >"$T/stop.rc"
expect_eq "the daemon stops cleanly" "$(cat "$T/stop.rc")" 0

conf off >"$T/off.ini"
sb_start "$T/off.ini" "$P" off || { finish; exit; }
expect_eq "hostnameport_wildcard = off: a.example.fr gets the fallback" \
	"$(served_cert "$P" a.example.fr)" "fallback.example.net"
expect_eq "hostnameport_wildcard = off: www.example.fr still its own" \
	"$(served_cert "$P" www.example.fr)" "www.example.fr"
sb_stop >"$T/stop.rc"
expect_eq "the daemon stops cleanly" "$(cat "$T/stop.rc")" 0
finish
