#!/usr/bin/env bash
# The narrated trace of the two-site scenario, in both modes, and the access and HTTPERR
# logs of the same requests.  iis7: SNI ignored, the certificate chosen by ipport
# 0.0.0.0 (step 4), Host read after the handshake, site by tier 1, verdict name-mismatch
# with what a browser and curl say.  iis8: SNI used (hostnameport, step 2), verdict ok;
# without SNI the fallback (step 4) and the mismatch again.  -v traces with trace = off.
. "$(dirname "$0")/lib.sh"

P=$(free_port); H=$(free_port)
write_conf() {   # write_conf NAME MODE TRACE SSLCERT-SECTIONS
	cat >"$T/$1.ini" <<EOF2
[server]
mode = $2
workers = 2
trust = $SB_CERTS/ca.pem
access_log = $T/$1-access.log
httperr_log = $T/$1-httperr.log
trace = $3
$4
[site MySite V1]
id = 1
bindings = https/127.0.0.1:$P:sitev1.mysite.com, http/127.0.0.1:$H:sitev1.mysite.com

[site MySite V2]
id = 2
bindings = https/127.0.0.1:$P:sitev2.mysite.com, http/127.0.0.1:$H:sitev2.mysite.com
EOF2
}
FALLBACK="[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key
"
R=(--resolve "sitev1.mysite.com:$P:127.0.0.1" --resolve "sitev2.mysite.com:$P:127.0.0.1")
# conn_of LOG N: the trace lines (no timestamps) of the N-th connection that got as far as
# a ClientHello or a request: wait_port's probes (accept, then close) are skipped.
# workers = 2 above: ids are process-wide, so no two connections share one.
conn_of() {
	local id n=0 lines
	for id in $(sed -n 's/^.* trace conn \([0-9]*\): accepted.*/\1/p' "$1" | awk '!seen[$0]++'); do
		lines=$(sed -n "s/^.* info: trace conn $id: //p" "$1")
		[[ "$lines" == *"ClientHello"* || "$lines" == *" request: "* ]] || continue
		n=$((n + 1))
		[ "$n" -eq "$2" ] && { printf '%s\n' "$lines"; return; }
	done
}
# in_order NAME TEXT NEEDLE...: each needle is found, each on a later line than the last.
in_order() {
	local name=$1 text=$2 last=0 n; shift 2
	for needle in "$@"; do
		n=$(printf '%s\n' "$text" | grep -nF -- "$needle" | head -n 1 | cut -d: -f1)
		if [ -z "$n" ] || [ "$n" -le "$last" ]; then
			not_ok "$name" "[$needle] missing or out of order in: $text"; return
		fi
		last=$n
	done
	ok "$name"
}
# traced_closed LOG N: the first N traced connections have all logged their close.
traced_closed() {
	local n
	for n in $(seq 1 "$2"); do [[ "$(conn_of "$1" "$n")" == *$'\n'"closed ("* ]] || return 1; done
}
thumb() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }

# ---- iis7: the two-site story
write_conf iis7 iis7 on "$FALLBACK"
sb_start "$T/iis7.ini" "$P" iis7 || { finish; exit; }
curl -sSk "${R[@]}" -A 'Mozilla/5.0 (X11)' -o /dev/null "https://sitev2.mysite.com:$P/a/b?x=1"
curl -sS --cacert "$SB_CERTS/ca.pem" "${R[@]}" -o /dev/null "https://sitev2.mysite.com:$P/" 2>/dev/null
curl -sS -o /dev/null -H 'Host: nosuch.example' "http://127.0.0.1:$H/x"
wait_for traced_closed "$T/iis7.log" 3 || not_ok "iis7: three connections traced to their close" "$(cat "$T/iis7.log")"
tr=$(conn_of "$T/iis7.log" 1)
in_order "iis7: one connection's decisions, in order" "$tr" \
	"accepted a TCP connection on 127.0.0.1:$P (https) from client 127.0.0.1:" \
	"known now: only the local IP:Port 127.0.0.1:$P" \
	"ClientHello seen, SNI sitev2.mysite.com" \
	"ClientHello SNI sitev2.mysite.com: ignored, because mode iis7 is HTTP.SYS before SNI" \
	"§1.1 step 1 ipport 127.0.0.1:$P: no entry" \
	"§1.1 step 4 ipport 0.0.0.0:$P: entry found: chosen" \
	"certificate chosen by §1.1 step 4 (ipport 0.0.0.0:$P): subject CN=sitev1.mysite.com, names sitev1.mysite.com, thumbprint $(thumb "$SB_CERTS/sitev1.pem")" \
	"handshake done: TLSv1.3, cipher TLS_" \
	"decrypted request: GET /a/b?x=1 HTTP/2, Host sitev2.mysite.com:$P: only now" \
	"site \"MySite V2\" (id 2) chosen by §1.2 tier 1 (host name): binding https/127.0.0.1:$P:sitev2.mysite.com" \
	"§1.3 verdict name-mismatch: certificate names sitev1.mysite.com, not sitev2.mysite.com" \
	"what a client reports: a browser warns NET::ERR_CERT_COMMON_NAME_INVALID (\"Your connection is not private\"); curl exits 60: SSL: no alternative certificate subject name matches target host name 'sitev2.mysite.com'" \
	"answered 200 with the built-in diagnostic page (HTML)" \
	"request done: status 200" \
	"closed ("
expect_eq "iis7: every line of the connection carries its id (one accept per id)" \
	"$(printf '%s\n' "$tr" | grep -c '^accepted a TCP connection')" "1"
tr=$(conn_of "$T/iis7.log" 2)
expect_contains "iis7: curl checking the name gives up after the handshake" "$tr" \
	"the client closed after the handshake without sending a request: it checked the certificate CN=sitev1.mysite.com"
tr=$(conn_of "$T/iis7.log" 3)
in_order "http: no certificate, the Host read in clear, no site, 400" "$tr" \
	"accepted a TCP connection on 127.0.0.1:$H (http)" \
	"plain http: no certificate is involved" \
	"plain-text request: GET /x HTTP/1.1, Host nosuch.example" \
	"no site to serve: no http binding on port $H matches host \"nosuch.example\": 400 Invalid Hostname" \
	"answered 400 itself, as HTTP.SYS does (HTTPERR reason Hostname)"

# the logs of the same requests
log=$(cat "$T/iis7-access.log")
expect_contains "W3C: #Software line" "$log" "#Software: Microsoft Internet Information Services 10.0"
expect_contains "W3C: #Version line" "$log" $'\n#Version: 1.0\n'
expect_contains "W3C: #Date line in UTC" "$log" "#Date: $(date -u +%Y-%m-%d) "
expect_contains "W3C: #Fields: IIS's defaults, then sysbind's" "$log" \
	"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken s-sitename cs-host x-sni x-cert-thumbprint x-cert-verdict x-coalesced"
line=$(grep -v '^#' "$T/iis7-access.log" | head -n 1)
read -r -a f <<<"$line"
expect_eq "W3C: 22 fields, as #Fields names" "${#f[@]}" "22"
expect_eq "W3C: date in UTC" "${f[0]}" "$(date -u +%Y-%m-%d)"
expect_eq "W3C: time hh:mm:ss" "$([[ ${f[1]} =~ ^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]$ ]] && echo ok)" "ok"
expect_eq "W3C: s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip" \
	"${f[*]:2:7}" "127.0.0.1 GET /a/b x=1 $P - 127.0.0.1"
expect_eq "W3C: cs-version: curl spoke HTTP/2 (ALPN h2)" "${f[9]}" "HTTP/2"
expect_eq "W3C: User-Agent with + for spaces, Referer -" "${f[*]:10:2}" "Mozilla/5.0+(X11) -"
expect_eq "W3C: sc-status sc-substatus sc-win32-status" "${f[*]:12:3}" "200 0 0"
expect_eq "W3C: time-taken in ms" "$([[ ${f[15]} =~ ^[0-9]+$ ]] && echo ok)" "ok"
expect_eq "W3C: s-sitename cs-host x-sni" "${f[*]:16:3}" "MySite+V2 sitev2.mysite.com:$P sitev2.mysite.com"
expect_eq "W3C: x-cert-thumbprint is sitev1's" "${f[19]}" "$(thumb "$SB_CERTS/sitev1.pem")"
expect_eq "W3C: x-cert-verdict" "${f[20]}" "name-mismatch"
expect_eq "W3C: x-coalesced: the connection was not coalesced" "${f[21]}" "-"
herr=$(cat "$T/iis7-httperr.log")
expect_contains "HTTPERR: #Software line" "$herr" "#Software: Microsoft HTTP API 2.0"
expect_contains "HTTPERR: #Version and #Date" "$herr" $'#Version: 1.0\n#Date: '"$(date -u +%Y-%m-%d)"
expect_contains "HTTPERR: #Fields line" "$herr" \
	"#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename"
line=$(grep -v '^#' "$T/iis7-httperr.log" | head -n 1)
read -r -a f <<<"$line"
expect_eq "HTTPERR: 14 fields" "${#f[@]}" "14"
expect_eq "HTTPERR: c-ip, c-port a number" "${f[2]} $([[ ${f[3]} =~ ^[0-9]+$ ]] && echo port)" "127.0.0.1 port"
expect_eq "HTTPERR: s-ip s-port cs-version cs-method cs-uri streamid" "${f[*]:4:6}" "127.0.0.1 $H HTTP/1.1 GET /x -"
expect_eq "HTTPERR: sc-status s-siteid s-reason s-queuename" "${f[*]:10:4}" "400 - Hostname -"
sb_stop >/dev/null

# ---- iis8: SNI bindings, one certificate per name, sitev1's as the fallback
write_conf iis8 iis8 on "[sslcert sitev2.mysite.com:$P]
certificate = $SB_CERTS/sitev2.pem
key = $SB_CERTS/sitev2.key

$FALLBACK"
sb_start "$T/iis8.ini" "$P" iis8 || { finish; exit; }
curl -sS --cacert "$SB_CERTS/ca.pem" "${R[@]}" -o /dev/null "https://sitev2.mysite.com:$P/"
printf 'GET / HTTP/1.1\r\nHost: sitev2.mysite.com\r\nConnection: close\r\n\r\n' |
	timeout 10 openssl s_client -connect "127.0.0.1:$P" -noservername -quiet -ign_eof >/dev/null 2>&1
wait_for traced_closed "$T/iis8.log" 2 || not_ok "iis8: two connections traced to their close" "$(cat "$T/iis8.log")"
tr=$(conn_of "$T/iis8.log" 1)
in_order "iis8 with SNI: the name chooses the certificate" "$tr" \
	"ClientHello seen, SNI sitev2.mysite.com" \
	"ClientHello SNI sitev2.mysite.com: used, because mode iis8 (IIS 8) looks the name up" \
	"§1.1 step 2 hostnameport sitev2.mysite.com:$P" \
	"certificate chosen by §1.1 step 2 (hostnameport sitev2.mysite.com:$P): subject CN=sitev2.mysite.com" \
	"handshake done: TLSv1.3" \
	"decrypted request: GET / HTTP/2, Host sitev2.mysite.com:$P" \
	"site \"MySite V2\" (id 2) chosen by §1.2 tier 1" \
	"§1.3 verdict ok" \
	"what a client reports: a browser shows the padlock, no warning; curl (trusting the issuer) succeeds"
tr=$(conn_of "$T/iis8.log" 2)
in_order "iis8 without SNI: the fallback, and the mismatch" "$tr" \
	"ClientHello seen, without SNI: the client did not say which host it wants" \
	"mode iis8 skips the SNI steps (2 hostnameport, 3 ccs)" \
	"certificate chosen by §1.1 step 4 (ipport 0.0.0.0:$P): subject CN=sitev1.mysite.com" \
	"decrypted request: GET / HTTP/1.1, Host sitev2.mysite.com" \
	"site \"MySite V2\" (id 2)" \
	"§1.3 verdict name-mismatch: certificate names sitev1.mysite.com, not sitev2.mysite.com"
expect_contains "W3C (iis8): no SNI is logged as -" "$(grep -v '^#' "$T/iis8-access.log" | tail -n 1)" \
	"MySite+V2 sitev2.mysite.com - $(thumb "$SB_CERTS/sitev1.pem") name-mismatch"
sb_stop >/dev/null

# ---- -v narrates whatever the file says
write_conf quiet iis7 off "$FALLBACK"
"$SB_BIN" -v -c "$T/quiet.ini" >"$T/quiet-v.log" 2>&1 &
SB_PID=$!; _pids+=("$SB_PID"); wait_port "$P"
curl -sSk "${R[@]}" -o /dev/null "https://sitev1.mysite.com:$P/"
expect_log "-v traces with trace = off" "$T/quiet-v.log" "§1.3 verdict ok"
sb_stop >/dev/null
sb_start "$T/quiet.ini" "$P" quiet || { finish; exit; }
code=$(curl -sSk "${R[@]}" -o /dev/null -w '%{http_code}' "https://sitev1.mysite.com:$P/")
# the daemon has stopped, and written all it would, before its log is read
sb_stop >"$T/stop.rc"
expect_eq "without -v, trace = off: the request is served (200) and the daemon exits 0" "$code $(cat "$T/stop.rc")" "200 0"
expect_not_contains "... and the trace says nothing" "$(cat "$T/quiet.log")" "trace conn"
# Two workers: every connection got an id of its own.
dups=""
for f in "$T"/*.log; do   # one daemon run per log: ids start again at 1 in each
	dups+=$(sed -n 's/^.* trace conn \([0-9]*\): accepted.*/\1/p' "$f" | sort | uniq -d | head -n 3)
done
expect_eq "with two workers no connection id is used twice" "$dups" ""

finish
