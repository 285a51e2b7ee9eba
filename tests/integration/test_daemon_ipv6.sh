#!/usr/bin/env bash
# IPv6 clients of a "*" binding (issue 19, §1.1 step 4).  HTTP_SERVICE_CONFIG_
# SSL_KEY: 0.0.0.0:port "is applicable to all IPv4 and IPv6 addresses", [::]:port "to all
# IPv6 addresses".  So with only [sslcert 0.0.0.0:P] a client over ::1 gets that
# certificate (IIS Express's table, reached as https://localhost over ::1); with both
# entries the IPv6 client gets [::]'s and the IPv4 client 0.0.0.0's; with only [::] an IPv4
# client gets none.  Real clients: curl -g and openssl s_client over [::1], in iis7 and
# iis8; the trace, the W3C record, the diagnostic JSON and check say the same.
. "$(dirname "$0")/lib.sh"

checks() {   # the names of every check below, to skip them when the machine has no ::1
	local m
	for m in iis7 iis8; do
		echo "$m 0.0.0.0 only: s_client over ::1 gets the 0.0.0.0 certificate"
		echo "$m 0.0.0.0 only: curl over ::1 verifies it"
		echo "$m 0.0.0.0 only: the diagnostic JSON names the 0.0.0.0 entry and why"
		echo "$m 0.0.0.0 only: the W3C record of the ::1 request"
		echo "$m 0.0.0.0 only: the trace names step 4 and the 0.0.0.0 entry"
		echo "$m 0.0.0.0 only: ... after [::] was tried, saying why 0.0.0.0 applies"
		echo "$m 0.0.0.0 only: an IPv4 client gets it too"
		echo "$m 0.0.0.0 only: check exits 0"
		echo "$m both: the IPv6 client gets the [::] certificate"
		echo "$m both: the IPv4 client gets the 0.0.0.0 certificate"
		echo "$m both: curl over ::1: the diagnostic JSON names [::]"
		echo "$m both: the trace names [::] for the IPv6 connection"
	done
	echo "[::] only: the IPv6 client gets it"
	echo "[::] only: the IPv4 client gets no certificate"
	echo "[::] only: ... and curl fails its handshake"
	echo "[::] only: check predicts the IPv4 failure and exits 1"
}
# Whether IPv6 works is the machine's fact (::1 on lo), never the daemon's.
if ! grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null &&
	! { command -v ip >/dev/null && ip -6 addr show lo 2>/dev/null | grep -q '::1/'; }; then
	while IFS= read -r c; do skip "$c" "this machine has no ::1"; done < <(checks)
	finish; exit
fi

P=$(free_port)
CA="$SB_CERTS/ca.pem"
thumb() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
# served_at ADDR SNI|-: the subject CN of the certificate served on ADDR:$P.
served_at() {
	local sni=()
	[ "$2" != "-" ] && sni=(-servername "$2") || sni=(-noservername)
	echo | timeout 10 openssl s_client -connect "$1:$P" "${sni[@]}" 2>/dev/null \
		| openssl x509 -noout -subject -nameopt multiline 2>/dev/null \
		| sed -n 's/^ *commonName *= *//p'
}
# conn6 LOG: the trace lines of the first connection accepted on [::1]:$P that sent a
# ClientHello (the wait_port probes send none).
conn6() {
	local id lines
	for id in $(sed -n "s/^.* trace conn \([0-9]*\): accepted a TCP connection on \[::1\]:$P .*/\1/p" "$1"); do
		lines=$(sed -n "s/^.* info: trace conn $id: //p" "$1")
		[[ "$lines" == *"ClientHello"* ]] && { printf '%s\n' "$lines"; return; }
	done
}
# write_conf NAME MODE SSLCERT-KEY=CERT...: a "*" binding for sitev1.mysite.com on $P.
write_conf() {
	local name=$1 mode=$2 kv; shift 2
	{
		printf '[server]\nmode = %s\ntrust = %s\naccess_log = %s\ntrace = on\n\n' \
			"$mode" "$CA" "$T/$name-access.log"
		for kv in "$@"; do
			printf '[sslcert %s]\ncertificate = %s.pem\nkey = %s.key\n\n' "${kv%%=*}" \
				"$SB_CERTS/${kv#*=}" "$SB_CERTS/${kv#*=}"
		done
		printf '[site MySite V1]\nid = 1\nbindings = https/*:%s:sitev1.mysite.com\n' "$P"
	} >"$T/$name.ini"
}
R6=(-g --resolve "sitev1.mysite.com:$P:::1")
R4=(--resolve "sitev1.mysite.com:$P:127.0.0.1")
V1=$(thumb "$SB_CERTS/sitev1.pem")

for m in iis7 iis8; do
	# --- only 0.0.0.0, the usual IIS (and IIS Express) table
	write_conf "$m-v4" "$m" "0.0.0.0:$P=sitev1"
	sb_start "$T/$m-v4.ini" "$P" "$m-v4" || { finish; exit; }
	wait_port "$P" ::1 || not_ok "$m: the [::] listener opens"
	expect_eq "$m 0.0.0.0 only: s_client over ::1 gets the 0.0.0.0 certificate" \
		"$(served_at '[::1]' sitev1.mysite.com)" "sitev1.mysite.com"
	log_mark "$T/$m-v4-access.log"
	out=$(curl -sS --cacert "$CA" "${R6[@]}" -H 'Accept: application/json' \
		-w '\nexit-status %{http_code}' "https://sitev1.mysite.com:$P/" 2>&1)
	expect_contains "$m 0.0.0.0 only: curl over ::1 verifies it" "$out" "exit-status 200"
	expect_contains "$m 0.0.0.0 only: the diagnostic JSON names the 0.0.0.0 entry and why" \
		"$out" "\"step 4 ipport 0.0.0.0:$P (0.0.0.0 applies to IPv6 clients too when no [::] entry exists): entry found: chosen\"]"
	read -r -a f <<<"$(log_next "$T/$m-v4-access.log")"
	expect_eq "$m 0.0.0.0 only: the W3C record of the ::1 request" \
		"${f[2]:-} ${f[6]:-} ${f[8]:-} ${f[12]:-} ${f[19]:-} ${f[20]:-}" "::1 $P ::1 200 $V1 ok"
	wait_log "$T/$m-v4.log" "certificate chosen by §1.1 step 4 (ipport 0.0.0.0:$P)"
	tr=$(conn6 "$T/$m-v4.log")
	expect_contains "$m 0.0.0.0 only: the trace names step 4 and the 0.0.0.0 entry" "$tr" \
		"certificate chosen by §1.1 step 4 (ipport 0.0.0.0:$P): subject CN=sitev1.mysite.com"
	expect_contains "$m 0.0.0.0 only: ... after [::] was tried, saying why 0.0.0.0 applies" "$tr" \
		"  §1.1 step 4 ipport [::]:$P: no entry
  §1.1 step 4 ipport 0.0.0.0:$P (0.0.0.0 applies to IPv6 clients too when no [::] entry exists): entry found: chosen"
	expect_eq "$m 0.0.0.0 only: an IPv4 client gets it too" \
		"$(served_at 127.0.0.1 sitev1.mysite.com)" "sitev1.mysite.com"
	"$SB_BIN" check -c "$T/$m-v4.ini" >"$T/check.out" 2>&1
	expect_eq "$m 0.0.0.0 only: check exits 0" "$?" 0
	sb_stop >/dev/null

	# --- both: each family its own
	write_conf "$m-both" "$m" "0.0.0.0:$P=sitev1" "[::]:$P=sitev2"
	sb_start "$T/$m-both.ini" "$P" "$m-both" || { finish; exit; }
	wait_port "$P" ::1
	expect_eq "$m both: the IPv6 client gets the [::] certificate" \
		"$(served_at '[::1]' sitev1.mysite.com)" "sitev2.mysite.com"
	expect_eq "$m both: the IPv4 client gets the 0.0.0.0 certificate" \
		"$(served_at 127.0.0.1 sitev1.mysite.com)" "sitev1.mysite.com"
	out=$(curl -sS -k "${R6[@]}" -H 'Accept: application/json' "https://sitev1.mysite.com:$P/" 2>&1)
	expect_contains "$m both: curl over ::1: the diagnostic JSON names [::]" "$out" \
		"\"selected_by\": \"ipport [::]:$P\""
	wait_log "$T/$m-both.log" "certificate chosen by §1.1 step 4 (ipport [::]:$P)"
	expect_contains "$m both: the trace names [::] for the IPv6 connection" "$(conn6 "$T/$m-both.log")" \
		"certificate chosen by §1.1 step 4 (ipport [::]:$P): subject CN=sitev2.mysite.com"
	sb_stop >/dev/null
done

# --- only [::]: for IPv6 clients alone
write_conf v6 iis8 "[::]:$P=sitev1"
sb_start "$T/v6.ini" "$P" v6 || { finish; exit; }
wait_port "$P" ::1
expect_eq "[::] only: the IPv6 client gets it" "$(served_at '[::1]' sitev1.mysite.com)" "sitev1.mysite.com"
# "no certificate" is also what a dead daemon serves: both refusals must be the daemon's
# own (logged, counted), and the IPv6 client is served right after
refusals() { grep -cF "no certificate for 127.0.0.1:$P (sni sitev1.mysite.com): handshake refused" "$T/v6.log"; }
more_refusals() { [ "$(refusals)" -gt "$1" ]; }
n=$(refusals)
expect_eq "[::] only: the IPv4 client gets no certificate" "$(served_at 127.0.0.1 sitev1.mysite.com)" ""
curl -sS --cacert "$CA" "${R4[@]}" "https://sitev1.mysite.com:$P/" >/dev/null 2>&1
expect_eq "[::] only: ... and curl fails its handshake" "$?" 35
wait_for -t 5 more_refusals $((n + 1))
expect_eq "[::] only: ... both refusals are the daemon's, one logged each" "$(( $(refusals) - n ))" 2
expect_eq "[::] only: ... the IPv6 client is served right after" "$(served_at '[::1]' sitev1.mysite.com)" "sitev1.mysite.com"
sb_stop >/dev/null
out=$("$SB_BIN" check -c "$T/v6.ini" 2>&1); rc=$?
expect_eq "[::] only: check predicts the IPv4 failure and exits 1" "$rc $(printf '%s\n' "$out" | grep -c 'over IPv4 gets no certificate')" "1 1"

finish
