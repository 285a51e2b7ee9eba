#!/usr/bin/env bash
# test_show_certs.sh — `sysbind show certs` (the certificate inventory) and check's expiry
# warning, run by the real build/sysbind: on conf/sysbind.ini (the demo certificates of
# mkcerts.sh --demo) and on fixtures made here (a leaf expiring in 12 days, an expired
# one: scripts/mkcerts.sh --not-after, --expired); every fact compared with what openssl
# itself says of the file (SHA-1 fingerprint, subject, serial, dates and the days left
# from them); the JSON parsed by python3.
. "$(dirname "$0")/lib.sh"

"$SB_ROOT/scripts/mkcerts.sh" --demo "$SB_ROOT/conf/certs" >/dev/null \
	|| not_ok "mkcerts.sh --demo conf/certs"
need_tool python3 python3 || { finish; exit; }

run() {
	"$SB_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# sha1 FILE: the thumbprint as netsh prints certhash, from openssl.
sha1() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
# epoch FILE -startdate|-enddate
epoch() { date -u -d "$(openssl x509 -in "$1" -noout "$2" | sed 's/^[^=]*=//')" +%s; }
# utc FILE -startdate|-enddate: as show certs prints a date
utc() { date -u -d "@$(epoch "$1" "$2")" '+%Y-%m-%d %H:%M:%S UTC'; }
# days SECONDS: whole days, rounded down (negative too), as show certs counts them
days() { local s=$1; if ((s >= 0)); then echo $((s / 86400)); else echo $(((s - 86399) / 86400)); fi; }

# ---- the demo: conf/sysbind.ini, one certificate for two sites (iis7) ----
C="$SB_ROOT/conf/certs"
run show certs -c "$SB_ROOT/conf/sysbind.ini"
now=$(date -u +%s)
expect_eq "show certs on the demo: exit 1 (sitev2 is served sitev1's certificate)" "$rc" 1
expect_eq "... nothing on stderr" "$err" ""
left=$(days $(($(epoch "$C/sitev1.pem" -enddate) - now)))
want="sitev1.mysite.com [served]: 1 error, 0 warnings
  thumbprint  $(sha1 "$C/sitev1.pem")
  subject     $(openssl x509 -in "$C/sitev1.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  issuer      CN=sysbind demo CA
  names       DNS:sitev1.mysite.com
  serial      $(openssl x509 -in "$C/sitev1.pem" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
  valid       $(utc "$C/sitev1.pem" -startdate) to $(utc "$C/sitev1.pem" -enddate) (expires in $left days)
  file        $C/sitev1.pem
  private key yes
  chain sent  1. CN=sitev1.mysite.com
  used by     [sslcert 0.0.0.0:8443]
              MySite V1 (id:1) https/127.0.0.1:8443:sitev1.mysite.com, with and without SNI
              MySite V2 (id:2) https/127.0.0.1:8443:sitev2.mysite.com, with and without SNI
  error       name-mismatch: MySite V2 (https/127.0.0.1:8443:sitev2.mysite.com) gets it with SNI sitev2.mysite.com, a name it does not hold"
expect_eq "the demo's certificate first, as openssl reads its file" "$(head -15 "$T/out")" "$want"
expect_eq "... then the trust CA, ok" "$(sed -n '16,17p' "$T/out")" \
	"sysbind demo CA [trust]: ok
  thumbprint  $(sha1 "$C/ca.pem")"
expect_eq "... and the count" "$(tail -1 "$T/out")" \
	"2 certificates: 1 with errors, 0 with warnings only, 1 ok"

run show certs --json -c "$SB_ROOT/conf/sysbind.ini"
expect_eq "show certs --json: exit 1" "$rc" 1
got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["certificates"]:
    print(c["thumbprint"], c["roles"], c["days_left"], [p["problem"] for p in c["problems"]],
          [b["site"] for b in c["bindings"]], c["sslcert"], c["lists"])
print(d["certificates_count"], d["with_errors"], d["with_warnings"], d["soon_days"])
' "$T/out" 2>&1)
left_ca=$(days $(($(epoch "$C/ca.pem" -enddate) - now)))
expect_eq "... parsed by python3: thumbprints, roles, days, problems, users" "$got" \
	"$(sha1 "$C/sitev1.pem") ['served'] $left ['name-mismatch'] ['MySite V1', 'MySite V2'] ['0.0.0.0:8443'] []
$(sha1 "$C/ca.pem") ['trust'] $left_ca [] [] [] ['[server] trust']
2 1 0 30"

# ---- fixtures: expiring in 12 days, expired, both on one file ----
F="$T/fx"
mkdir -p "$F"
cp "$C/ca.pem" "$C/ca.key" "$F/"
# valid until 12 days and an hour from now (openssl ca -enddate): "expires in 12 days"
"$SB_ROOT/scripts/mkcerts.sh" "$F" soon --san soon.example \
	--not-after "$(date -u -d "@$(($(date -u +%s) + 12 * 86400 + 3600))" +%Y%m%d%H%M%SZ)" \
	>/dev/null || not_ok "mkcerts.sh soon --not-after"
"$SB_ROOT/scripts/mkcerts.sh" "$F" old --san old.example --expired >/dev/null || not_ok "mkcerts.sh old --expired"
cat >"$F/f.ini" <<'EOF'
[server]
mode = iis8
[sslcert soon.example:443]
certificate = soon.pem
key = soon.key
[sslcert old.example:443]
certificate = old.pem
key = old.key
[site Soon]
id = 1
bindings = https/*:443:soon.example
[site Old]
id = 2
bindings = https/*:443:old.example
EOF
run show certs -c "$F/f.ini"
now=$(date -u +%s)
soon_left=$(days $(($(epoch "$F/soon.pem" -enddate) - now)))
old_ago=$((-$(days $(($(epoch "$F/old.pem" -enddate) - now))) - 1))
expect_eq "fixtures: 12 days left by openssl's dates" "$soon_left" 12
expect_eq "fixtures: exit 1 (one expired)" "$rc" 1
expect_eq "the leading lines: expired, then expiring in 12 days, a blank line" "$(head -3 "$T/out" | sed '$s/^$/(blank)/')" \
	"error: old.example ($(sha1 "$F/old.pem")) EXPIRED $old_ago days ago (not after $(utc "$F/old.pem" -enddate))
warning: soon.example ($(sha1 "$F/soon.pem")) expires in 12 days (not after $(utc "$F/soon.pem" -enddate))
(blank)"
expect_eq "the blocks: errors first, then warnings" "$(grep -E '^[a-z].*\[served\]' "$T/out")" \
	"old.example [served]: 1 error, 0 warnings
soon.example [served]: 0 errors, 1 warning"
expect_eq "the count" "$(tail -1 "$T/out")" "2 certificates: 1 with errors, 1 with warnings only, 0 ok"

# check: the expiry is a warning; the expired certificate is check's client error
run check -c "$F/f.ini"
expect_eq "check: exit 1 (the expired certificate, not the expiring one)" "$rc" 1
expect_eq "check: one warning line for the certificate expiring in 12 days" \
	"$(sed -n '/^warnings:$/,/^[^ w]/p' "$T/out" | sed -n 2p)" \
	"  certificate soon.example ($(sha1 "$F/soon.pem")) expires in 12 days (not after $(utc "$F/soon.pem" -enddate))"
expect_eq "... said once" "$(grep -c 'expires in 12 days' "$T/out")" 1
run check --json -c "$F/f.ini"
got=$(python3 -c '
import json, sys
for p in json.load(open(sys.argv[1])):
    print(p["sni"], p["verdict"], p.get("warning", "-")[:40])
' "$T/out" 2>&1)
expect_eq "check --json: the warning on the predictions that get it" "$got" \
	"soon.example ok certificate soon.example ($(sha1 "$F/soon.pem" | cut -c1-14)
soon.example ok certificate soon.example ($(sha1 "$F/soon.pem" | cut -c1-14)
None no-certificate -
None no-certificate -
old.example expired -
old.example expired -
None no-certificate -
None no-certificate -"

# only the soon one: exit 0, a warning only
sed -i '/^\[sslcert old/,/^key = old/d; /^\[site Old\]/,$d' "$F/f.ini"
run show certs -c "$F/f.ini"
expect_eq "a certificate expiring in 12 days alone: exit 0" "$rc" 0

finish
