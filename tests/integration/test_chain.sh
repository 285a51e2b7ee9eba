#!/usr/bin/env bash
# The served chain as HTTP.SYS builds it (issue 23): [server] intermediate_store, the cases
# of scripts/mkcerts.sh --chains.  openssl s_client -showcerts sees exactly the chain built
# (count and subjects); curl --cacert ROOT gets 60 while an intermediate is missing and 0
# once it is put in the store and the daemon reloaded (SIGHUP); the stale R3 cross-signed
# by the expired old root is sent until its file is removed; a PFX's intermediate counts as
# imported; check, explain, the trace, the W3C x-cert-verdict and the diagnostic JSON say
# incomplete-chain / stale-intermediate with the clients' outcomes and the fix.
. "$(dirname "$0")/lib.sh"

C="$T/chains"
"$SB_ROOT/scripts/mkcerts.sh" --chains "$C" >"$T/mkcerts.log" 2>&1 ||
	{ not_ok "mkcerts.sh --chains" "$(cat "$T/mkcerts.log")"; finish; exit 1; }
mkdir -p "$T/store"
cp "$C/intermediates/r3-current.pem" "$C/intermediates/r3-cross.pem" "$T/store/"

P1=$(free_port); P2=$(free_port); P3=$(free_port); P4=$(free_port); A=$(free_port)
cat >"$T/chain.ini" <<EOF2
[server]
mode = iis8
workers = 2
trust = $C/trust.pem
intermediate_store = $T/store
access_log = $T/access.log
admin = 127.0.0.1:$A
trace = on

[sslcert 127.0.0.1:$P1]
certificate = $C/missing.pem
key = $C/missing.key
[sslcert 127.0.0.1:$P2]
certificate = $C/stale.pem
key = $C/stale.key
[sslcert 127.0.0.1:$P3]
certificate = $C/other.pem
key = $C/other.key
[sslcert 127.0.0.1:$P4]
pfx = $C/missing.pfx
pfx_password = sysbind

[site Missing]
id = 1
bindings = https/127.0.0.1:$P1:missing.chains.test
[site Stale]
id = 2
bindings = https/127.0.0.1:$P2:stale.chains.test
[site Other]
id = 3
bindings = https/127.0.0.1:$P3:other.chains.test
[site Pfx]
id = 4
bindings = https/127.0.0.1:$P4:missing.chains.test
EOF2

# sent PORT SNI: "N|subject;subject..." of the chain the server sends, as s_client shows it
sent() {
	local out n subj
	out=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername "$2" \
		-showcerts 2>/dev/null)
	n=$(grep -c -- '-----BEGIN CERTIFICATE-----' <<<"$out")
	subj=$(sed -n 's/^ *[0-9][0-9]* s:\(.*\)$/\1/p' <<<"$out" | paste -sd ';')
	echo "$n|$subj"
}
# curl_rc PORT HOST CA: curl's exit status for https://HOST:PORT/ trusting CA
curl_rc() {
	curl -s -o /dev/null --max-time 10 --cacert "$3" --resolve "$2:$1:127.0.0.1" \
		"https://$2:$1/" 2>/dev/null
	echo $?
}

# ---- check and explain, offline
out=$("$SB_BIN" check -c "$T/chain.ini" 2>&1)
expect_contains "check: missing: incomplete-chain with the AIA URL" "$out" \
	"incomplete-chain: incomplete chain: the issuer CN=sysbind chains Issuing CA M1 was not sent; a browser fetches it from the AIA URL http://127.0.0.1:9/sysbind-chains/m1.cer, other clients fail"
expect_contains "check: missing: the fix names the store" "$out" \
	"fix: put the intermediate CN=sysbind chains Issuing CA M1, as published at http://127.0.0.1:9/sysbind-chains/m1.cer (a .cer/.pem file) in intermediate_store $T/store"
expect_contains "check: chain sent, the leaf alone" "$out" \
	"      0 CN=missing.chains.test (the certificate, chain built as Windows does)
      then CN=sysbind chains Issuing CA M1: not found"
expect_contains "check: Firefox's outcome" "$out" \
	"Firefox: no AIA fetching: SEC_ERROR_UNKNOWN_ISSUER"
expect_contains "check: curl's outcome" "$out" \
	"curl, OpenSSL: curl: (60) SSL certificate problem: unable to get local issuer certificate"
expect_contains "check: stale: stale-intermediate naming the file chosen" "$out" \
	"stale-intermediate: stale intermediate: $T/store/r3-cross.pem (issued"
expect_contains "check: stale: the fix removes it" "$out" \
	"fix: remove the stale $T/store/r3-cross.pem from intermediate_store $T/store"
expect_contains "check: other CA: untrusted" "$out" \
	"untrusted: the issuer CN=sysbind chains Other Root was not sent and the certificate names no AIA URL"
v=$(awk '/^Pfx \(id:4\)/ { getline; print $NF; exit }' <<<"$out")
expect_eq "check: the PFX's intermediate is imported: ok" "$v" "ok"
out=$("$SB_BIN" explain -c "$T/chain.ini" --local "127.0.0.1:$P1" --host missing.chains.test 2>&1)
expect_contains "explain: the verdict" "$out" \
	"verdict for missing.chains.test: incomplete-chain: incomplete chain: the issuer CN=sysbind chains Issuing CA M1 was not sent"
expect_contains "explain: Chrome's outcome" "$out" \
	"   Chrome, Edge, Safari: fetch the missing intermediate by AIA and work"
expect_contains "explain: the fix" "$out" "   fix: put the intermediate CN=sysbind chains Issuing CA M1"
out=$("$SB_BIN" check -c "$T/chain.ini" --json 2>&1)
n=$(python3 -c 'import json,sys; r=[p for p in json.load(sys.stdin) if p.get("site")=="Missing" and p.get("sni")]; print(r[0]["verdict"], len(r[0]["chain_sent"]), len(r[0]["clients"]))' <<<"$out" 2>&1)
expect_eq "check --json: verdict, chain_sent lines, client families" "$n" "incomplete-chain 2 4"

# without [server] trust the chain is not checked: explain and check say so (never "no
# warning"), and show the chain as sent, stopping at the issuer not found (curl gets 60)
sed '/^trust = /d' "$T/chain.ini" >"$T/notrust.ini"
out=$("$SB_BIN" explain -c "$T/notrust.ini" --local "127.0.0.1:$P1" --host missing.chains.test 2>&1)
expect_contains "explain, no trust: ok, chain not checked" "$out" \
	"verdict for missing.chains.test: ok: missing.chains.test's certificate names it (chain not checked: no trust)"
expect_not_contains "explain, no trust: never \"no warning\"" "$out" "no warning"
expect_contains "explain, no trust: the clients depend on their roots" "$out" \
	"   browser, curl: chain not checked ([server] trust is unset): whether each accepts it depends on its own trusted roots"
expect_contains "explain, no trust: the chain as sent, the issuer not found" "$out" \
	"   chain sent:
     0 CN=missing.chains.test (the certificate, chain built as Windows does)
     then CN=sysbind chains Issuing CA M1: not found
   a client without CN=sysbind chains Issuing CA M1 among its trusted roots fails (curl: (60)"
out=$("$SB_BIN" check -c "$T/notrust.ini" 2>&1)
expect_contains "check, no trust: chains not checked" "$out" \
	"chains not checked ([server] trust is unset): ok means the names and dates are right"
expect_contains "check, no trust: the issuer not found, as explain says" "$out" \
	"  missing.chains.test: the chain sent stops at CN=sysbind chains Issuing CA M1, not found: a client without it among its trusted roots fails (curl: (60)"
n=$("$SB_BIN" check -c "$T/notrust.ini" --json 2>&1 | python3 -c 'import json,sys; r=[p for p in json.load(sys.stdin) if p.get("site")=="Missing" and p.get("sni")][0]; print(r["verdict"], r["chain_checked"], r["chain_sent"][-1], "|", r["fix"])' 2>&1)
expect_eq "check --json, no trust: chain_checked false, the chain, no overclaiming fix" "$n" \
	"ok False then CN=sysbind chains Issuing CA M1: not found | none needed for the name and dates; the chain was not checked ([server] trust is unset)"

# show certs lists the intermediate store (both R3s: the stale one too), each once
out=$("$SB_BIN" show certs -c "$T/chain.ini" --json 2>&1)
n=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(sorted(c["file"].rsplit("/",1)[-1] for c in d["certificates"] if "intermediate" in c["roles"])))' <<<"$out" 2>&1)
expect_eq "show certs --json: the store's certificates, role intermediate" "$n" "r3-cross.pem r3-current.pem"
expect_contains "show certs: the store named as their source" "$("$SB_BIN" show certs -c "$T/chain.ini" 2>&1)" "[server] intermediate_store $T/store"

# ---- the daemon
sb_start "$T/chain.ini" "$P1" || { finish; exit 1; }
expect_eq "s_client: missing: the leaf alone" "$(sent "$P1" missing.chains.test)" \
	"1|CN = missing.chains.test"
expect_eq "curl --cacert root: missing: exit 60" "$(curl_rc "$P1" missing.chains.test "$C/trust.pem")" 60
expect_eq "s_client: stale: leaf and the R3 cross-signed by the old root" \
	"$(sent "$P2" stale.chains.test)" "2|CN = stale.chains.test;CN = sysbind chains Issuing CA R3"
iss=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$P2" -servername stale.chains.test \
	-showcerts 2>/dev/null | sed -n 's/^ *i:\(.*\)$/\1/p' | sed -n 2p)
expect_eq "s_client: stale: the intermediate sent is the one issued by the old root" "$iss" \
	"CN = sysbind chains Old Root"
expect_eq "curl --cacert root: stale: exit 60" "$(curl_rc "$P2" stale.chains.test "$C/trust.pem")" 60
err=$(curl -sS -o /dev/null --max-time 10 --cacert "$C/trust-both.pem" \
	--resolve "stale.chains.test:$P2:127.0.0.1" "https://stale.chains.test:$P2/" 2>&1; echo " rc=$?")
expect_contains "curl trusting the old root too: certificate has expired" "$err" \
	"SSL certificate problem: certificate has expired"
expect_eq "s_client: other CA: leaf and its intermediate, no root" "$(sent "$P3" other.chains.test)" \
	"2|CN = other.chains.test;CN = sysbind chains Other CA"
expect_eq "curl --cacert root: other CA: exit 60" "$(curl_rc "$P3" other.chains.test "$C/trust.pem")" 60
expect_eq "s_client: PFX: leaf and the intermediate it carried" "$(sent "$P4" missing.chains.test)" \
	"2|CN = missing.chains.test;CN = sysbind chains Issuing CA M1"
expect_eq "curl --cacert root: PFX: exit 0" "$(curl_rc "$P4" missing.chains.test "$C/trust.pem")" 0

# the W3C field, the diagnostic JSON and the trace of a request that went through anyway
log_mark "$T/access.log"
json=$(curl -sk --max-time 10 -H 'Accept: application/json' \
	--resolve "missing.chains.test:$P1:127.0.0.1" "https://missing.chains.test:$P1/")
n=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["verdict"], len(d["chain_sent"]), d["chain_sent"][1], "|", ", ".join(c["family"] for c in d["clients"]))' <<<"$json" 2>&1)
expect_eq "diagnostic JSON: verdict, chain as sent, client families" "$n" \
	"incomplete-chain 2 then CN=sysbind chains Issuing CA M1: not found | Chrome, Edge, Safari, Firefox, curl, OpenSSL, Java, Python, Android"
expect_contains "diagnostic JSON: the fix" "$json" "\"fix\": \"put the intermediate CN=sysbind chains Issuing CA M1"
if log_next "$T/access.log"; then
	read -r -a f <<<"$(grep -v '^#' "$T/access.log" | tail -n 1)"
	expect_eq "W3C x-cert-verdict" "${f[20]}" "incomplete-chain"
else
	not_ok "W3C x-cert-verdict" "no access log line"
fi
expect_log "trace: the chain sent" "$T/sysbind.log" \
	"chain sent: 0 CN=missing.chains.test (the certificate, chain built as Windows does)"
expect_log "trace: Firefox's outcome" "$T/sysbind.log" \
	"Firefox: no AIA fetching: SEC_ERROR_UNKNOWN_ISSUER"
log_mark "$T/access.log"
curl -sk -o /dev/null --max-time 10 --resolve "stale.chains.test:$P2:127.0.0.1" "https://stale.chains.test:$P2/"
if log_next "$T/access.log"; then
	read -r -a f <<<"$(grep -v '^#' "$T/access.log" | tail -n 1)"
	expect_eq "W3C x-cert-verdict: stale" "${f[20]}" "stale-intermediate"
else
	not_ok "W3C x-cert-verdict: stale" "no access log line"
fi
# the admin listener counts the two verdicts of those requests (one connection each)
scrape=$(curl -s --max-time 10 "http://127.0.0.1:$A/metrics")
expect_eq "/metrics: incomplete-chain counted once" \
	"$(awk '$1 == "sysbind_certificate_verdicts_total{verdict=\"incomplete-chain\"}" { print $2 }' <<<"$scrape")" 1
expect_eq "/metrics: stale-intermediate counted once" \
	"$(awk '$1 == "sysbind_certificate_verdicts_total{verdict=\"stale-intermediate\"}" { print $2 }' <<<"$scrape")" 1

# ---- the fixes, then SIGHUP
cp "$C/m1.pem" "$T/store/m1.pem"
rm "$T/store/r3-cross.pem"
kill -HUP "$SB_PID"
expect_log "the reload is logged" "$T/sysbind.log" "reloaded: generation 2 serving new connections"
expect_eq "s_client: missing, M1 in the store: leaf and M1" "$(sent "$P1" missing.chains.test)" \
	"2|CN = missing.chains.test;CN = sysbind chains Issuing CA M1"
expect_eq "curl --cacert root: missing fixed: exit 0" "$(curl_rc "$P1" missing.chains.test "$C/trust.pem")" 0
iss=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$P2" -servername stale.chains.test \
	-showcerts 2>/dev/null | sed -n 's/^ *i:\(.*\)$/\1/p' | sed -n 2p)
expect_eq "s_client: stale removed: R3 issued by the new root" "$iss" "CN = sysbind chains Root X1"
expect_eq "curl --cacert root: stale fixed: exit 0" "$(curl_rc "$P2" stale.chains.test "$C/trust.pem")" 0
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "sysbind stops with 0" "$(cat "$T/stop.rc")" 0

# ---- served_chain = file: the file as written; a bad store file is an error naming it
sed 's/^intermediate_store = .*/&\nserved_chain = file/' "$T/chain.ini" >"$T/file.ini"
out=$("$SB_BIN" check -c "$T/file.ini" 2>&1)
expect_contains "served_chain = file: stale.pem alone is incomplete" "$out" \
	"fix: append the intermediate CN=sysbind chains Issuing CA R3, as published at http://127.0.0.1:9/sysbind-chains/r3.cer to $C/stale.pem"
# a PKCS#7 bundle (.p7b, as Windows exports a chain) in the store is read: M1 from it
# completes missing's chain; a file of another name is a warning naming it
mkdir -p "$T/p7store"
openssl crl2pkcs7 -nocrl -certfile "$C/m1.pem" -outform DER -out "$T/p7store/m1.p7b"
echo "notes" >"$T/p7store/readme.txt"
sed "s|^intermediate_store = .*|intermediate_store = $T/p7store|" "$T/chain.ini" >"$T/p7.ini"
out=$("$SB_BIN" check -c "$T/p7.ini" 2>&1)
v=$(awk '/^Missing \(id:1\)/ { getline; print $NF; exit }' <<<"$out")
expect_eq "check: M1 from a .p7b in the store: missing is ok" "$v" "ok"
out=$("$SB_BIN" -t -c "$T/p7.ini" 2>&1); rc=$?
expect_eq "-t: a stray file in the store: exit 0" "$rc" 0
expect_contains "-t: the stray file is named in a warning" "$out" \
	"p7.ini:5: warning: intermediate_store: $T/p7store/readme.txt is not read: not a certificate file"
echo "not a certificate" >"$T/store/zz.pem"
out=$("$SB_BIN" -t -c "$T/chain.ini" 2>&1); rc=$?
expect_eq "-t: a bad store file: exit 2" "$rc" 2
expect_contains "-t: the file is named at its line" "$out" \
	"chain.ini:5: intermediate_store: $T/store/zz.pem: no certificate in it (PEM, DER or PKCS#7)"
finish
