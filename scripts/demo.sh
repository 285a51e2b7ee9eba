#!/usr/bin/env bash
# The README's two-site story ("The two-site scenario"), told in four acts, and a fifth
# on the second chicken-and-egg (client certificates, issue 14), against the real daemon
# with real curl and openssl s_client.  Each act prints the commands it runs, what they
# showed, and what the audience should look at ("look:"), and checks the outcome the
# story promises ("checked:").  Exits 0 when every act turned out as told, 1 otherwise.
# Unattended, on loopback, on free ports, in a temp dir.
#
#   scripts/demo.sh            (builds build/sysbind first if it is missing)
#   SB_BUILD=DIR SB_CERTS=DIR  use another build directory / existing demo certificates
#   NO_COLOR=1                 plain output
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SB_BUILD:-$ROOT/build}
SB="$BUILD/sysbind"
T=$(mktemp -d /tmp/sysbind-demo.XXXXXX)
PIDS=()
FAILS=0

# live_child PID: PID is a running child of this script.  A reaped child's PID may belong
# to another process by now (pid_max can be 32768): only live children are signalled.
live_child() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	set -- $st
	[ "${1:-}" != Z ] && [ "${2:-}" = "$$" ]
}
cleanup() {
	local p
	for p in "${PIDS[@]}"; do live_child "$p" && kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\e[1m' R=$'\e[31m' G=$'\e[32m' Y=$'\e[33m' N=$'\e[0m'
else
	B='' R='' G='' Y='' N=''
fi
act()    { printf '\n%s=== %s%s\n' "$B" "$*" "$N"; }
say()    { printf '%s\n' "$*"; }
look()   { printf '%slook:%s %s\n' "$Y" "$N" "$*"; }
show()   { sed 's/^/    /'; }
run()    { printf '%s$ %s%s\n' "$B" "$*" "$N"; }
check()  {   # check DESCRIPTION GOT WANT-SUBSTRING
	if [[ "$2" == *"$3"* ]]; then
		printf '%schecked:%s %s\n' "$G" "$N" "$1"
	else
		printf '%sFAILED:%s %s (wanted [%s] in [%s])\n' "$R" "$N" "$1" "$3" \
			"$(printf '%s' "$2" | head -c 400)"
		FAILS=$((FAILS + 1))
	fi
}

[ -x "$SB" ] || make -C "$ROOT" >/dev/null || { echo "demo: cannot build $SB"; exit 1; }
if [ -n "${SB_CERTS:-}" ]; then CERTS=$SB_CERTS; else
	CERTS="$T/certs"; "$ROOT/scripts/mkcerts.sh" --demo "$CERTS" >/dev/null ||
		{ echo "demo: mkcerts.sh failed"; exit 1; }
fi

busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p i
	for i in $(seq 1 200); do
		# below the kernel's ephemeral range (32768-60999 here): a port there can be
		# held by a client socket of an earlier run and refuse the daemon's bind
		p=$((10000 + RANDOM % 22768))
		[ "$p" = "${P:-}" ] && continue
		busy "$p" || { echo "$p"; return 0; }
	done
	return 1
}
P=$(free_port); H=$(free_port)

# stage FILE NAME: the configuration FILE with the demo's ports and certificates, the trace
# on, one worker (connection ids are counted per worker thread) and the access log in the
# temp dir, written to $T/NAME.ini.
stage() {
	sed -e "s/8443/$P/g; s/8080/$H/g" -e "s#\(\.\./\)\{0,1\}certs/#$CERTS/#g" \
		-e '/^trace *=/d; /^access_log *=/d' \
		-e '/^workers *=/d' \
		-e "/^\[server\]/a trace = on\nworkers = 1\naccess_log = $T/$2-access.log" "$1" >"$T/$2.ini"
}
# start NAME: run the daemon on $T/NAME.ini, its log in $T/NAME.log.
start() {
	local i
	"$SB" -c "$T/$1.ini" >"$T/$1.log" 2>&1 &
	SB_PID=$!; PIDS+=("$SB_PID")
	for i in $(seq 1 100); do busy "$P" && return 0; sleep 0.05; done
	echo "demo: sysbind did not start on $1:"; cat "$T/$1.log"; exit 1
}
stop() { live_child "$SB_PID" && kill -TERM "$SB_PID" 2>/dev/null; wait "$SB_PID" 2>/dev/null; }
# cert SNI|-: the subject and names of the certificate served on 127.0.0.1:$P.
cert() {
	local sni=(-noservername)
	[ "$1" != "-" ] && sni=(-servername "$1")
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$P" "${sni[@]}" 2>/dev/null |
		openssl x509 -noout -subject -ext subjectAltName 2>/dev/null |
		sed -n 's/^subject=/subject: /p; s/^ *DNS:/names: DNS:/p'
}
# fingerprint SNI: the SHA-1 thumbprint (netsh's "Certificate Hash") of the certificate
# served on 127.0.0.1:$P, or "(none served)".
fingerprint() {
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername "$1" 2>/dev/null |
		openssl x509 -noout -fingerprint -sha1 2>/dev/null | sed 's/^.*=//; s/://g' |
		tr 'A-F' 'a-f' | grep . || echo "(none served)"
}
# trace_of NAME CONN: the trace lines of connection CONN (without timestamps).
trace_of() { sed -n "s/^.* info: \(trace conn $2: .*\)$/\1/p" "$T/$1.log"; }
last_conn() { sed -n 's/^.* trace conn \([0-9]*\): accepted.*/\1/p' "$T/$1.log" | tail -n 1; }
# settle NAME: wait (10 s at most) until the last connection's trace has reached its close,
# so what follows reads the whole story, however busy the machine.
settle() {
	local i
	for i in $(seq 1 200); do
		trace_of "$1" "$(last_conn "$1")" | grep -q ': closed (' && return 0
		sleep 0.05
	done
}
RES=(--resolve "sitev1.mysite.com:$P:127.0.0.1" --resolve "sitev2.mysite.com:$P:127.0.0.1")

say "${B}sysbind demo: two sites, one IP:Port, and the certificate chosen before the Host is known${N}"
say "daemon $SB, https on 127.0.0.1:$P, http on 127.0.0.1:$H, certificates in $CERTS"

# ---------------------------------------------------------------------------------------
act "Act 1. Two sites on one IP:Port, a certificate for sitev1 only (conf/sysbind.ini, mode iis7)"
say "MySite V1 and MySite V2 share https 127.0.0.1:$P. netsh bound one certificate,"
say "made for sitev1.mysite.com, to 0.0.0.0:$P. What do sitev2's visitors get?"
stage "$ROOT/conf/sysbind.ini" act1
start act1
fp1=$(fingerprint sitev2.mysite.com)

run "openssl s_client -connect 127.0.0.1:$P -servername sitev2.mysite.com | openssl x509 -noout -subject"
out=$(cert sitev2.mysite.com); printf '%s\n' "$out" | show
look "the client asked for sitev2 (SNI), and got sitev1's certificate"
check "sitev2's visitor is served CN=sitev1.mysite.com" "$out" "CN = sitev1.mysite.com"

run "curl --cacert ca.pem https://sitev2.mysite.com:$P/"
out=$(curl -sS --cacert "$CERTS/ca.pem" "${RES[@]}" "https://sitev2.mysite.com:$P/" 2>&1 >/dev/null); rc=$?
printf '%s\n(exit %s)\n' "$out" "$rc" | show
look "curl refuses: the certificate does not name sitev2 (a browser: NET::ERR_CERT_COMMON_NAME_INVALID)"
check "curl fails for sitev2 with exit 60" "$rc" "60"
check "... because of the name" "$out" "no alternative certificate subject name matches target host name 'sitev2.mysite.com'"

run "curl --cacert ca.pem https://sitev1.mysite.com:$P/"
code=$(curl -sS --cacert "$CERTS/ca.pem" "${RES[@]}" -o /dev/null -w '%{http_code}' "https://sitev1.mysite.com:$P/" 2>&1)
printf 'HTTP %s\n' "$code" | show
check "sitev1 works" "$code" "200"

say "Why? Watch sysbind's trace of a visitor who clicks through the warning (curl -k):"
run "curl -k https://sitev2.mysite.com:$P/"
curl -sSk "${RES[@]}" -o /dev/null "https://sitev2.mysite.com:$P/"
settle act1
id=$(last_conn act1); tr=$(trace_of act1 "$id")
printf '%s\n' "$tr" | show
look "the SNI is ignored (iis7), the certificate is picked by IP:Port (step 4) before the"
look "Host header is decrypted; only then is sitev2 read, routed to MySite V2, and the verdict is name-mismatch"
check "the trace says the SNI was ignored" "$tr" "ClientHello SNI sitev2.mysite.com: ignored"
check "... the certificate came from ipport 0.0.0.0:$P" "$tr" "certificate chosen by §1.1 step 4 (ipport 0.0.0.0:$P): subject CN=sitev1.mysite.com"
check "... the Host was read after it" "$tr" "decrypted request: GET / HTTP/2, Host sitev2.mysite.com:$P"
check "... the request went to MySite V2" "$tr" "site \"MySite V2\" (id 2) chosen by §1.2 tier 1"
check "... and the verdict is name-mismatch" "$tr" "§1.3 verdict name-mismatch: certificate names sitev1.mysite.com, not sitev2.mysite.com"

run "sysbind check -c sysbind.ini"
out=$("$SB" check -c "$T/act1.ini" 2>&1); rc=$?
printf '%s\n' "$out" | show
look "check predicts the same without any client, and exits 1"
check "check exits 1 (a client error predicted)" "$rc" "1"
check "... naming the mismatch" "$out" "name-mismatch"
stop

# ---------------------------------------------------------------------------------------
act "Act 2. The fix: one certificate naming both sites (conf/examples/two-names.ini)"
say "Still one certificate per IP:Port (still iis7), but it holds both names."
stage "$ROOT/conf/examples/two-names.ini" act2
start act2
fp2=$(fingerprint sitev2.mysite.com)
run "openssl s_client -connect 127.0.0.1:$P -servername sitev2.mysite.com | openssl x509 -noout -subject -ext subjectAltName"
out=$(cert sitev2.mysite.com); printf '%s\n' "$out" | show
check "the certificate names both sites" "$out" "DNS:sitev1.mysite.com, DNS:sitev2.mysite.com"
run "curl --cacert ca.pem https://sitev2.mysite.com:$P/"
code=$(curl -sS --cacert "$CERTS/ca.pem" "${RES[@]}" -o /dev/null -w '%{http_code}' "https://sitev2.mysite.com:$P/" 2>&1)
printf 'HTTP %s\n' "$code" | show
look "the same certificate is still chosen by IP:Port alone, but now it covers sitev2 too"
check "sitev2 now works with certificate checks on" "$code" "200"
settle act2
tr=$(trace_of act2 "$(last_conn act2)")
check "the trace's verdict is ok" "$tr" "§1.3 verdict ok"
stop

# ---------------------------------------------------------------------------------------
act "Act 3. IIS 8 with SNI: one certificate per name (conf/examples/iis8-sni.ini, mode iis8)"
say "hostnameport bindings for each name, and an ipport 0.0.0.0:$P fallback (sitev1's)"
say "for clients that send no SNI."
stage "$ROOT/conf/examples/iis8-sni.ini" act3
start act3
run "openssl s_client -connect 127.0.0.1:$P -servername sitev2.mysite.com | openssl x509 -noout -subject"
out=$(cert sitev2.mysite.com); printf '%s\n' "$out" | show
check "with SNI sitev2 the client gets sitev2's own certificate" "$out" "CN = sitev2.mysite.com"
run "curl --cacert ca.pem https://sitev2.mysite.com:$P/"
code=$(curl -sS --cacert "$CERTS/ca.pem" "${RES[@]}" -o /dev/null -w '%{http_code}' "https://sitev2.mysite.com:$P/" 2>&1)
printf 'HTTP %s\n' "$code" | show
check "curl for sitev2 succeeds" "$code" "200"
settle act3
tr=$(trace_of act3 "$(last_conn act3)")
printf '%s\n' "$tr" | grep -E 'SNI|certificate chosen' | show
look "now the SNI is used: step 2 (hostnameport) picks the certificate before any HTTP byte"
check "the trace says the SNI was used" "$tr" "ClientHello SNI sitev2.mysite.com: used"
check "... by hostnameport sitev2.mysite.com:$P" "$tr" "(hostnameport sitev2.mysite.com:$P)"

say "A client without SNI (Windows XP's IE, old Java, some scanners) asks for sitev2:"
run "printf 'GET / HTTP/1.1\\r\\nHost: sitev2.mysite.com\\r\\n...' | openssl s_client -connect 127.0.0.1:$P -noservername"
out=$(cert -); printf '%s\n' "$out" | show
check "without SNI the client gets the fallback: sitev1's certificate" "$out" "CN = sitev1.mysite.com"
printf 'GET / HTTP/1.1\r\nHost: sitev2.mysite.com\r\nAccept: application/json\r\nConnection: close\r\n\r\n' |
	timeout 10 openssl s_client -connect "127.0.0.1:$P" -noservername -quiet -ign_eof >"$T/nosni.out" 2>/dev/null
settle act3
tr=$(trace_of act3 "$(last_conn act3)")
printf '%s\n' "$tr" | grep -E 'without SNI|certificate chosen|verdict' | show
look "steps 2 and 3 need a name: without SNI only the 0.0.0.0:$P fallback is left, and sitev2 mismatches again"
check "the trace explains the missing SNI" "$tr" "ClientHello seen, without SNI"
check "... the fallback chose the certificate" "$tr" "certificate chosen by §1.1 step 4 (ipport 0.0.0.0:$P)"
check "... and the verdict is name-mismatch" "$tr" "§1.3 verdict name-mismatch"
check "the diagnostic page says so too" "$(cat "$T/nosni.out")" '"verdict": "name-mismatch"'
stop

# ---------------------------------------------------------------------------------------
act "Act 4. The same three configurations as netsh and appcmd show them"
for n in act1 act2 act3; do
	case $n in act1) what="act 1 (sysbind.ini)";; act2) what="act 2 (two-names.ini)";;
		act3) what="act 3 (iis8-sni.ini)";; esac
	say "-- $what"
	run "sysbind netsh http show sslcert -c $n.ini"
	ns=$("$SB" netsh http show sslcert -c "$T/$n.ini" 2>&1)
	printf '%s\n' "$ns" | grep -E '^ *(IP:port|Hostname:port|Central Certificate Store|Certificate Hash) ' | show
	run "sysbind appcmd list site -c $n.ini"
	ap=$("$SB" appcmd list site -c "$T/$n.ini" 2>&1)
	printf '%s\n' "$ap" | show
	check "appcmd lists MySite V2 with its https binding" "$ap" "https/"
	case $n in
	act1|act2) check "netsh shows one ipport entry for 0.0.0.0:$P" "$ns" "IP:port                      : 0.0.0.0:$P";;
	act3) check "netsh shows a hostnameport entry for sitev2" "$ns" "Hostname:port                : sitev2.mysite.com:$P";;
	esac
done
ns1=$("$SB" netsh http show sslcert -c "$T/act1.ini" 2>/dev/null | tr -d '\r')
ns2=$("$SB" netsh http show sslcert -c "$T/act2.ini" 2>/dev/null | tr -d '\r')
h1=$(printf '%s\n' "$ns1" | sed -n 's/^ *Certificate Hash *: //p' | grep . || echo "(no hash shown)")
h2=$(printf '%s\n' "$ns2" | sed -n 's/^ *Certificate Hash *: //p' | grep . || echo "(no hash shown)")
look "the site table (appcmd) is the same in acts 1 and 2: only the certificate table (netsh) changed;"
look "no certificate is ever attached to a site, a site only shares an IP:Port with one"
check "act 1's netsh hash is the certificate the daemon served in act 1" "$h1" "$fp1"
check "act 2's netsh hash is the certificate the daemon served in act 2" "$h2" "$fp2"
check "... and the rest of the netsh entry is the same in acts 1 and 2" \
	"$(printf '%s\n' "$ns1" | grep -v 'Certificate Hash')" "$(printf '%s\n' "$ns2" | grep -v 'Certificate Hash')"
check "the sites are the same in acts 1 and 2" "$("$SB" appcmd list site -c "$T/act1.ini")" \
	"$("$SB" appcmd list site -c "$T/act2.ini")"

# ---------------------------------------------------------------------------------------
act "Act 5. The second chicken-and-egg: a client certificate (conf/examples/client-cert.ini)"
say "MySite V1's /secure requires a client certificate (IIS sslFlags Ssl, SslNegotiateCert,"
say "SslRequireCert). Which URL wants one is known only after the request is decrypted,"
say "and the binding did not ask in its handshake (clientcertnegotiation = disable)."
stage "$ROOT/conf/examples/client-cert.ini" act5
start act5
CC=(curl -sS --cacert "$CERTS/ca.pem" --http1.1 "${RES[@]}" --cert "$CERTS/client.pem" --key "$CERTS/client.key")
U5="https://sitev1.mysite.com:$P/secure/"
run "curl --tls-max 1.2 --cert client.pem $U5"
code=$("${CC[@]}" --tls-max 1.2 -o "$T/act5-12.out" -w '%{http_code}' "$U5" 2>&1)
check "over TLS 1.2 the client's certificate is asked for and it gets 200" "$code" "200"
settle act5
tr=$(trace_of act5 "$(last_conn act5)")
printf '%s\n' "$tr" | grep -E 'second chicken|renegotiating|second round' | cut -c1-160 | show
look "a second handshake inside the connection (a renegotiation) asked once /secure was read"
check "the trace narrates the renegotiation" "$tr" "renegotiating: HelloRequest sent"
check "... and the certificate the client sent" "$tr" "second round done: the client sent a certificate (CN=client.alice)"
check "the diagnostic page draws the second round" "$(cat "$T/act5-12.out")" "Second round: renegotiation asks for a client certificate"
run "curl --tlsv1.3 --cert client.pem $U5"
out=$("${CC[@]}" --tlsv1.3 -o /dev/null "$U5" 2>&1); rc=$?
printf '%s\n' "$out" | show
look "TLS 1.3 has no renegotiation: Windows Server 2022 resets the connection"
check "over TLS 1.3 the connection is reset (curl exit 56)" "$rc" "56"
check "... 'Connection reset by peer'" "$out" "Connection reset by peer"
run "sysbind check -c act5.ini"
out=$("$SB" check -c "$T/act5.ini" 2>&1)
printf '%s\n' "$out" | grep -E '^  (TLS|HTTP/2|fix)' | cut -c1-160 | show
check "check predicts the reset for a TLS 1.3 browser" "$out" "TLS 1.3 browser (HTTP/1.1)  connection reset"
check "... and names the fix" "$out" "fix: clientcertnegotiation = enable"
stop
say "The fix: clientcertnegotiation = enable, so the first handshake asks for the certificate."
sed 's/^clientcertnegotiation = disable/clientcertnegotiation = enable/' "$T/act5.ini" >"$T/act5fix.ini"
start act5fix
run "curl --tlsv1.3 --cert client.pem $U5   (clientcertnegotiation = enable)"
code=$("${CC[@]}" --tlsv1.3 -o /dev/null -w '%{http_code}' "$U5" 2>&1)
check "with the flag, TLS 1.3 gets 200" "$code" "200"
stop

echo
if [ "$FAILS" -eq 0 ]; then
	say "${G}demo: every act turned out as the story says${N}"; exit 0
fi
say "${R}demo: $FAILS check(s) failed${N}"; exit 1
