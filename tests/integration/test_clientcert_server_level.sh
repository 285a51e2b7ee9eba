#!/usr/bin/env bash
# IIS's server level of <access sslFlags> (issue 24 item 6): a daemon configured by
# `sysbind import` from an applicationHost.config whose <location path="."> requires a
# client certificate.  A site with no rule of its own requires one as the server level
# says (curl with and without --cert), a site's own rule and a path's win over it (path
# over site over server), `check` says where the flags come from, and `appcmd set config`
# without a site changes the server level, which a reload then serves.
. "$(dirname "$0")/lib.sh"

FIX="$SB_ROOT/tests/fixtures/iis"
P1=$(free_port); P2=$(free_port)

# The fixture with the test's ports, and a netsh output binding both to the demo
# certificate that names sitev1.mysite.com (made per machine: its thumbprint).
sed -e "s/\\*:8443:/*:$P2:/" -e "s/\\*:443:/*:$P1:/" \
	"$FIX/server-level.applicationHost.config" >"$T/applicationHost.config"
hash=$(awk '$1 == "both" { print $2 }' "$SB_CERTS/thumbprints.txt")
for p in "$P1" "$P2"; do
	printf '\n    IP:port                      : 0.0.0.0:%s\n' "$p"
	printf '    Certificate Hash             : %s\n' "$hash"
	printf '    Application ID               : {4dc3e181-e14b-4a21-b022-59fc669b0914}\n'
	printf '    Certificate Store Name       : MY\n'
	printf '    Verify Client Certificate Revocation : Enabled\n'
	printf '    Verify Revocation Using Cached Client Certificate Only : Disabled\n'
	printf '    Usage Check                  : Enabled\n'
	printf '    Revocation Freshness Time    : 0\n'
	printf '    URL Retrieval Timeout        : 0\n'
	printf '    Ctl Identifier               : (null)\n'
	printf '    Ctl Store Name               : (null)\n'
	printf '    DS Mapper Usage              : Disabled\n'
	printf '    Negotiate Client Certificate : Disabled\n'
done | { printf '\nSSL Certificate bindings:\n-------------------------\n'; cat; echo; } \
	>"$T/sslcert.txt"

"$SB_BIN" import --applicationhost "$T/applicationHost.config" --sslcert "$T/sslcert.txt" \
	--cert-store "$SB_CERTS/store" -o "$T/imp.ini" 2>"$T/import.err"
expect_eq "import exits 0" "$?" 0
expect_not_contains "import: <location path=\".\"> is not dropped" "$(cat "$T/import.err")" \
	"no site is named by it"
imported=$(cat "$T/imp.ini")
expect_contains "import: the server level is [server] ssl_flags" "$imported" \
	"ssl_flags = Ssl, SslNegotiateCert, SslRequireCert   ; IIS's <access sslFlags> of the server level (line 41): every site's that sets none"
expect_eq "import: one ssl_flags line per level that sets one (server, Intranet, 2 paths)" \
	"$(grep -c '^ssl_flags = ' "$T/imp.ini")" 4
# what the IIS server had and sysbind needs to judge a client certificate
sed -i "/^\[server\]\$/a trust = $SB_CERTS/ca.pem\ncrl = $SB_CERTS/clientca.crl\naccess_log = $T/w3c.log\ntrace = on" \
	"$T/imp.ini"

"$SB_BIN" check -c "$T/imp.ini" >"$T/check.out" 2>&1
expect_contains "check: the site without a rule has the server level's flags" \
	"$(cat "$T/check.out")" "Default Web Site / (Ssl, SslNegotiateCert, SslRequireCert, [server]) on https/*:$P1: via [sslcert 0.0.0.0:$P1]"
expect_contains "check: a path of the site with its own rule says its [location]" \
	"$(cat "$T/check.out")" "Intranet /secure (Ssl, SslNegotiateCert, SslRequireCert, [location Intranet/secure]) on https/*:$P2:"

sb_start "$T/imp.ini" "$P1" || { finish; exit; }
wait_port "$P2" || not_ok "the second site's port opens"

CC=(curl -sS --cacert "$SB_CERTS/ca.pem" --http1.1 --tls-max 1.2
	--resolve "sitev1.mysite.com:$P1:127.0.0.1" --resolve "sitev1.mysite.com:$P2:127.0.0.1")
CERT=(--cert "$SB_CERTS/client.pem" --key "$SB_CERTS/client.key")
# get NAME URL WANT [curl args]: the status of one request
get() {
	local name=$1 url=$2 want=$3 code
	shift 3
	code=$("${CC[@]}" "$@" -o /dev/null -w '%{http_code}' "$url" 2>>"$T/curl.err")
	expect_eq "$name" "$code" "$want"
}
# w3c_fields: "status substatus" of the W3C line the daemon writes next
w3c_fields() { log_next "$T/w3c.log" | awk '{print $13, $14}'; }

A="https://sitev1.mysite.com:$P1"
B="https://sitev1.mysite.com:$P2"
log_mark "$T/w3c.log"
get "server level: a site with no rule of its own, no certificate: 403" "$A/x" 403
expect_eq "... 403.7, as the server level requires a certificate" "$(w3c_fields)" "403 7"
expect_log "trace: the flags are the server level's" "$T/sysbind.log" \
	"client certificate (ssl_flags of [server], which site Default Web Site inherits): /x requires a client certificate"
log_mark "$T/w3c.log"
get "server level: with a certificate: 200 (renegotiated over TLS 1.2)" "$A/x" 200 "${CERT[@]}"
expect_eq "... W3C 200 0" "$(w3c_fields)" "200 0"
get "path over server: Default Web Site/public (Ssl) needs no certificate" "$A/public/x" 200
get "site over server: Intranet's own Ssl needs no certificate" "$B/x" 200
log_mark "$T/w3c.log"
get "path over site: Intranet/secure requires one again: 403" "$B/secure/x" 403
expect_eq "... 403.7" "$(w3c_fields)" "403 7"
get "path over site: with a certificate: 200" "$B/secure/x" 200 "${CERT[@]}"

# appcmd with no site writes the server level; a reload serves it
out=$("$SB_BIN" appcmd set config -section:system.webServer/security/access '/sslFlags:Ssl' \
	/commit:apphost -c "$T/imp.ini" 2>&1)
expect_eq "appcmd set config without a site: IIS's answer for the server level" "$out" \
	'Applied configuration changes to section "system.webServer/security/access" for "MACHINE/WEBROOT/APPHOST" at configuration commit path "MACHINE/WEBROOT/APPHOST"'
expect_eq "appcmd: [server] ssl_flags replaced (its comment kept), no line added" \
	"$(grep -c '^ssl_flags = ' "$T/imp.ini") $(awk '/^\[/ { sec = $0 } sec == "[server]" && /^ssl_flags = Ssl   ; /' "$T/imp.ini" | wc -l)" "4 1"
kill -HUP "$SB_PID"
expect_log "the daemon reloads" "$T/sysbind.log" "reloaded: generation"
get "after the reload: the site with no rule needs no certificate" "$A/x" 200
get "after the reload: Intranet/secure still requires one (its own rule)" "$B/secure/x" 403

finish
