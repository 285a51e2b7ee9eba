#!/usr/bin/env bash
# `sysbind scenarios` (issue 23): every scenario of the manifest against real clients.
# The command is started on a fresh directory and a free block of 18 ports; once it says it
# serves, scenarios.json is read and, for each scenario, curl runs exactly as the manifest
# says (exit status, and the HTTP status when it succeeds), openssl s_client says which
# certificate is served and its verify return code (or that the handshake failed), and
# headless Chromium (its NSS store trusting the manifest's CA) shows its net error or
# the HTTP status for the browser scenarios.  Any difference from the manifest fails.
# Also: the directory refusals (a non-empty directory that is not a scenarios directory,
# a file), a second run on the same directory keeps the CA, and SIGTERM stops it with 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cdp.sh"

NPORTS=18
# _block_free BASE: the NPORTS ports from BASE are free.
_block_free() {
	local i
	for ((i = 0; i < NPORTS; i++)); do port_free $(($1 + i)) || return 1; done
}
# free_base: a base of NPORTS free ports below the ephemeral range (at most 50 tries).
free_base() {
	local b i
	for i in $(seq 1 50); do
		b=$((10000 + RANDOM % 21000))
		_block_free "$b" && { echo "$b"; return 0; }
	done
	return 1
}

need_tool python3 python3 || { finish; exit; }
BASE=$(free_base) || { not_ok "a block of $NPORTS free ports"; finish; exit; }
SC="$T/sc"

# sc_start LOGNAME: start `sysbind scenarios` on $SC and $BASE (stdout LOGNAME.out, stderr
# LOGNAME.log) and wait for its readiness line.  Sets SB_PID.
sc_start() {
	"$SB_BIN" scenarios --dir "$SC" --port-base "$BASE" >"$T/$1.out" 2>"$T/$1.log" &
	SB_PID=$!; _pids+=("$SB_PID")
	if ! wait_for -t 30 _sb_up "$SB_PID" "$T/$1.log" || ! _sb_running "$SB_PID"; then
		not_ok "sysbind scenarios starts ($1)" "$(tail -n 5 "$T/$1.log")"; return 1
	fi
}

out=$("$SB_BIN" help scenarios 2>&1); rc=$?
expect_eq "help scenarios: its own usage, as scenarios --help prints it" "$rc:$out" \
	"0:$("$SB_BIN" scenarios --help 2>&1)"
expect_contains "the usage names --port-base" "$out" "--port-base N"

# --- refusals: never write into a directory that is not ours
mkdir -p "$T/notours"; echo keep >"$T/notours/notes.txt"
out=$("$SB_BIN" scenarios --dir "$T/notours" --port-base "$BASE" 2>&1); rc=$?
expect_eq "a non-empty directory that is not a scenarios directory: exit 2" "$rc" 2
expect_contains "and why" "$out" "not empty and not made by \`sysbind scenarios\`"
expect_eq "its files are left as they are" "$(ls -A "$T/notours")" "notes.txt"
echo file >"$T/afile"
out=$("$SB_BIN" scenarios --dir "$T/afile" --port-base "$BASE" 2>&1); rc=$?
expect_eq "a file given as --dir: exit 2, untouched" "$rc $(cat "$T/afile")" "2 file"
out=$("$SB_BIN" scenarios --dir "$SC" --port-base 65530 2>&1); rc=$?
expect_eq "a port base whose 18 ports pass 65535: exit 2" "$rc" 2
expect_eq "and nothing was made" "$(ls -A "$T" | grep -c '^sc$')" 0

# --- a port of the block taken: a start-up error, exit 2 with the port and its holder
# named, and no table (it would promise scenarios nobody serves)
HELD=$((BASE + 5))
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(60)' \
	"$HELD" &
HOLDER=$!; _pids+=("$HOLDER")
if wait_for -t 10 port_busy "$HELD"; then
	timeout 30 "$SB_BIN" scenarios --dir "$T/sc-busy" --port-base "$BASE" \
		>"$T/busy.out" 2>"$T/busy.log"; rc=$?
	expect_eq "a port of the block in use: exit 2" "$rc" 2
	expect_contains "the reason names the port and who holds it" "$(cat "$T/busy.log")" \
		"error: cannot listen on 0.0.0.0:$HELD: Address already in use: python3 (pid $HOLDER) holds it"
	expect_eq "no table printed" "$(wc -c <"$T/busy.out")" 0
else
	not_ok "a python3 listener holds port $HELD"
fi
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null
wait_for -t 10 port_free "$HELD" || not_ok "port $HELD free again"

sc_start first || { finish; exit; }
M="$SC/scenarios.json"
CA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca"])' "$M")
expect_eq "the manifest's CA is DIR/certs/ca.pem" "$CA" "$SC/certs/ca.pem"
NS=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["scenarios"]))' "$M")
[ "$NS" -ge 14 ] && ok "the manifest has $NS scenarios (at least 14)" ||
	not_ok "the manifest has at least 14 scenarios" "it has $NS"
for name in shared-ipport missing-intermediate tls13-client-cert sni-less-client \
	no-sni-fallback specific-ip-beats-sni ccs-parent-wildcard stale-intermediate expired \
	not-yet-valid ipv6-entry disablelegacytls http11-required stopped-site unknown-host ok; do
	grep -qF "{\"name\": \"$name\"," "$M" || not_ok "the manifest has the scenario $name"
done
expect_eq "the printed table has one row per scenario" \
	"$(sed -n '/^SCENARIO /,/^$/p' "$T/first.out" | grep -c '^[a-z]')" "$NS"

# Each scenario's own fields agree: address is IP:PORT ([IPv6]:PORT), the URL is
# https://HOST:PORT/..., sni is the host or null, what and sees are said, and a fix
# for every scenario that breaks (a control has none) (the issue's
# fields; the loops below read ip, port and url, so a wrong address would pass them)
bad=$(python3 - "$M" <<'EOF2'
import json, sys
m = json.load(open(sys.argv[1]))
for x in m["scenarios"]:
    ip, port = x["ip"], x["port"]
    addr = ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)
    if x["address"] != addr:
        print("%s: address %s, not %s" % (x["name"], x["address"], addr))
    if not x["url"].startswith("https://%s:%d/" % (x["host"], port)):
        print("%s: url %s is not on %s:%d" % (x["name"], x["url"], x["host"], port))
    if x["sni"] not in (None, x["host"]):
        print("%s: sni %s is neither the host nor null" % (x["name"], x["sni"]))
    for k in ("what", "sees"):
        if not isinstance(x.get(k), str) or not x[k]:
            print("%s: no %s" % (x["name"], k))
    works = x["expect"]["curl"] == 0 and x["expect"]["http"] == 200
    if not (x["fix"] is None if works else isinstance(x["fix"], str) and x["fix"]):
        print("%s: fix %r (a control has none, a breakage says one)" % (x["name"], x["fix"]))
EOF2
)
expect_eq "every scenario's address, url, sni, what, sees and fix agree with its ip, port, host and outcome" "$bad" ""

# The manifest as one tab-separated line a scenario:
# name ip port host sni url curl_args openssl_args curl http verify subject chromium
python3 - "$M" >"$T/rows" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
def s(v): return "-" if v is None else str(v)
for x in m["scenarios"]:
    e = x["expect"]
    print("\t".join([x["name"], x["ip"], str(x["port"]), x["host"], s(x["sni"]), x["url"],
        " ".join(x["curl_args"]) or "-", " ".join(x["openssl_args"]) or "-", str(e["curl"]),
        s(e["http"]), s(e["openssl"]["verify"]), s(e["openssl"]["subject"]),
        s(e["chromium"])]))
EOF

# --- curl, exactly as the manifest says
while IFS=$'\t' read -r name ip port host sni url cargs oargs ecurl ehttp everify esubj echrome; do
	args=(); [ "$cargs" != - ] && read -r -a args <<<"$cargs"
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$CA" \
		--resolve "$host:$port:$ip" "${args[@]}" "$url"); rc=$?
	got="exit $rc"; want="exit $ecurl"
	[ "$rc" -eq 0 ] && got="$got HTTP $code"
	[ "$ecurl" -eq 0 ] && want="$want HTTP $ehttp"
	expect_eq "curl $name ($url via $ip)" "$got" "$want"
done <"$T/rows"

# --- openssl s_client: the certificate served and its verify return code
while IFS=$'\t' read -r name ip port host sni url cargs oargs ecurl ehttp everify esubj echrome; do
	args=(); [ "$oargs" != - ] && read -r -a args <<<"$oargs"
	if [ "$sni" = - ]; then args+=(-noservername); else args+=(-servername "$sni"); fi
	addr="$ip:$port"; [[ $ip == *:* ]] && addr="[$ip]:$port"
	out=$(timeout 20 openssl s_client -connect "$addr" -CAfile "$CA" "${args[@]}" \
		</dev/null 2>/dev/null)
	subj=$(printf '%s\n' "$out" | sed -n 's/^subject=.*CN = //p')
	if [ -z "$subj" ]; then
		got="no certificate"
	else
		got="CN $subj, verify $(printf '%s\n' "$out" | sed -n 's/^ *Verify return code: \([0-9]*\).*/\1/p' | tail -n 1)"
	fi
	want="no certificate"; [ "$esubj" != - ] && want="CN $esubj, verify $everify"
	expect_eq "openssl s_client $name ($addr, SNI $sni)" "$got" "$want"
done <"$T/rows"

# the fallback port still gives an SNI client its own certificate (what no-sni-fallback says)
row=$(grep -m 1 '^no-sni-fallback	' "$T/rows")
IFS=$'\t' read -r name ip port _ <<<"$row"
expect_eq "no-sni-fallback: a client sending SNI sni.test gets CN sni.test" \
	"$(echo | timeout 20 openssl s_client -connect "$ip:$port" -servername sni.test 2>/dev/null |
		sed -n 's/^subject=.*CN = //p')" "sni.test"

# --- Chromium, for the browser scenarios, trusting the CA through its NSS store
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
chrome_ok=1
if ! command -v chromium >/dev/null && [ "$CHROMIUM" = /usr/bin/chromium ]; then
	need_tool chromium chromium || chrome_ok=0
fi
[ "$chrome_ok" = 1 ] && { need_tool certutil libnss3-tools || chrome_ok=0; }
if [ "$chrome_ok" = 1 ]; then
	CH="$T/chome"; mkdir -p "$CH/.pki/nssdb"
	if ! certutil -N -d "sql:$CH/.pki/nssdb" --empty-password >/dev/null 2>&1 ||
		! certutil -A -d "sql:$CH/.pki/nssdb" -n sysbind-scenarios -t "C,," \
			-i "$SC/certs/root.pem" >/dev/null 2>&1; then
		not_ok "an NSS store trusting the scenarios' root for Chromium"; chrome_ok=0
	fi
fi
rules=$(awk -F'\t' '$13 != "-" && $4 !~ /^[0-9.]+$/ { printf "%sMAP %s %s", sep, $4, $2; sep = ", " }' "$T/rows")
if [ "$chrome_ok" = 1 ] && HOME="$CH" cdp_open 800 600 --host-resolver-rules="$rules"; then
	while IFS=$'\t' read -r name ip port host sni url cargs oargs ecurl ehttp everify esubj echrome; do
		[ "$echrome" = - ] && continue
		if ! cdp_call Page.navigate "{\"url\":\"$url\"}"; then
			not_ok "chromium navigates to $url ($name)" "$CDP_ERROR"; continue
		fi
		if [[ $CDP_REPLY == *'"errorText":"net::'* ]]; then
			got=${CDP_REPLY#*\"errorText\":\"net::}; got=${got%%\"*}
		else
			got=$(cdp_eval "new Promise(r => { const f = () => r(String(performance.getEntriesByType('navigation')[0].responseStatus)); document.readyState === 'complete' ? f() : addEventListener('load', f); })") ||
				got="no status: $CDP_ERROR"
		fi
		expect_eq "chromium $name ($url)" "$got" "$echrome"
	done <"$T/rows"
	cdp_close
elif [ "$chrome_ok" = 1 ]; then
	not_ok "headless chromium starts" "$CDP_ERROR; $(tail -n 5 "$T/chromium.stderr" 2>/dev/null)"
else
	skip "chromium outcomes" "chromium or certutil cannot be installed"
fi

sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "SIGTERM stops sysbind scenarios with 0" "$(cat "$T/stop.rc")" 0

# --- a second run on the same directory: accepted, the CA kept, the files rewritten
fp1=$(openssl x509 -in "$SC/certs/root.pem" -noout -fingerprint -sha256)
sc_start second || { finish; exit; }
expect_eq "a second run keeps the root CA" \
	"$(openssl x509 -in "$SC/certs/root.pem" -noout -fingerprint -sha256)" "$fp1"
row=$(grep -m 1 '^ok	' "$T/rows")
IFS=$'\t' read -r name ip port host sni url _ <<<"$row"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$CA" \
	--resolve "$host:$port:$ip" "$url")
expect_eq "and serves again (ok: 200)" "$code" 200
sb_stop >"$T/stop.rc"
expect_eq "the second run stops with 0" "$(cat "$T/stop.rc")" 0
finish
