#!/usr/bin/env bash
# test_import.sh — an IIS server onto Linux with the real build/sysbind: import the
# two-site scenario's applicationHost.config and `netsh http show sslcert` (Windows Server
# 2012 layout, CRLF), then `check` tells the same name-mismatch as the hand-written
# conf/examples/two-sites.ini; the blog post's appcmd command adds its binding to the file;
# netsh's add/show/delete answer as Windows does; a running daemon picks an edit up on
# SIGHUP.
. "$(dirname "$0")/lib.sh"

FIX="$SB_ROOT/tests/fixtures/iis"

run() {
	"$SB_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# The netsh capture names the demo sitev1 certificate's thumbprint (made per machine).
v1=$(awk '$1 == "sitev1" { print $2 }' "$SB_CERTS/thumbprints.txt")
sed "s/5e537858f558b101c877dd9a442344dd7f110794/$v1/" "$FIX/two-sites.sslcert-2012.txt" \
	>"$T/sslcert.txt"

run import --applicationhost "$FIX/two-sites.applicationHost.config" \
	--sslcert "$T/sslcert.txt" --cert-store "$SB_CERTS/store" -o "$T/imported.ini"
expect_eq "import exits 0" "$rc" 0
expect_eq "import: no warnings" "$err" ""
imported=$(cat "$T/imported.ini")
expect_contains "import: one [sslcert] with the netsh certhash" "$imported" \
	"[sslcert 0.0.0.0:8443]   ; $T/sslcert.txt line 5
certhash = $v1
appid = {4dc3e181-e14b-4a21-b022-59fc669b0914}"
expect_contains "import: cert_store relative to the output" "$imported" "cert_store = "
expect_contains "import: MySite V2 with its bindings" "$imported" "[site MySite V2]
id = 2
bindings = https/127.0.0.1:8443:sitev2.mysite.com, http/127.0.0.1:8080:sitev2.mysite.com"

run check -c "$T/imported.ini"
expect_eq "check imported exits 1" "$rc" 1
got_imported=$(printf '%s\n' "$out" | grep -E '^  (with|without)|predictions')
"$SB_BIN" check -c "$SB_ROOT/conf/examples/two-sites.ini" >"$T/hand" 2>/dev/null
got_hand=$(grep -E '^  (with|without)|predictions' "$T/hand")
expect_eq "check: imported predicts what two-sites.ini predicts" "$got_imported" "$got_hand"
expect_contains "check imported: sitev2 is a name-mismatch" "$out" \
	"  with SNI sitev2.mysite.com  sitev1.mysite.com  ipport 0.0.0.0:8443  name-mismatch"
IIS_DIALOG="At least one other site is using the same HTTPS binding"
expect_eq "check imported: IIS Manager's dialog once, in the note on the shared binding" \
	"$(grep -o "$IIS_DIALOG" "$T/out" | wc -l) $(grep -c "$IIS_DIALOG" "$T/err")" "1 0"

# The import to stdout, warnings to stderr with FILE:LINE.
run import --applicationhost "$FIX/several-sites.applicationHost.config" \
	--sslcert "$FIX/several-sites.sslcert-2022.txt"
expect_eq "import several-sites exits 0" "$rc" 0
expect_contains "import several-sites: iis8" "$out" "mode = iis8"
expect_contains "import several-sites: net.tcp warned with its line" "$err" \
	"several-sites.applicationHost.config:35: warning: site \"Default Web Site\": binding net.tcp/808:*"
run import --applicationhost "$FIX/malformed.applicationHost.config"
expect_eq "import malformed XML exits 2" "$rc" 2
expect_contains "import malformed XML: file:line" "$err" \
	"malformed.applicationHost.config:8: malformed XML: mismatched tag"

# The blog post's appcmd command (port 443, with the scenario's 8443 sites beside it).
cp "$T/imported.ini" "$T/edit.ini"
run appcmd set site /site.name:"MySite V2" \
	"/+bindings.[protocol='https',bindingInformation='*:443:sitev2.mysite.com']" -c "$T/edit.ini"
expect_eq "appcmd set site exits 0" "$rc" 0
expect_eq "appcmd's answer" "$out" 'SITE object "MySite V2" changed'
expect_contains "appcmd: the binding is in the file" "$(cat "$T/edit.ini")" \
	"bindings = https/127.0.0.1:8443:sitev2.mysite.com, http/127.0.0.1:8080:sitev2.mysite.com, https/*:443:sitev2.mysite.com"
expect_contains "appcmd: the comments are kept" "$(cat "$T/edit.ini")" \
	"; backend = http://127.0.0.1:8080   ; fill in; until then the built-in page answers"
run appcmd list site -c "$T/edit.ini"
expect_contains "appcmd list site shows it" "$out" \
	'SITE "MySite V2" (id:2,bindings:https/127.0.0.1:8443:sitev2.mysite.com,http/127.0.0.1:8080:sitev2.mysite.com,https/*:443:sitev2.mysite.com,state:Started)'
run appcmd set site /site.name:"MySite V2" \
	"/+bindings.[protocol='https',bindingInformation='*:443:sitev2.mysite.com']" -c "$T/edit.ini"
expect_eq "appcmd duplicate exits 1" "$rc" 1
expect_contains "appcmd duplicate: appcmd's error" "$out" "Cannot add duplicate collection entry of type 'binding'"

# netsh http show sslcert: the binding table, CRLF.
run netsh http show sslcert -c "$T/edit.ini"
expect_eq "netsh show exits 0" "$rc" 0
expect_contains "netsh show: the table" "$out" "SSL Certificate bindings:"
expect_contains "netsh show: the ipport entry with its hash" "$(tr -d '\r' <"$T/out")" \
	"    IP:port                      : 0.0.0.0:8443
    Certificate Hash             : $v1"
expect_eq "netsh show: CRLF line ends" "$(grep -c $'\r$' "$T/out")" "$(wc -l <"$T/out")"

v2=$(awk '$1 == "both" { print $2 }' "$SB_CERTS/thumbprints.txt")
run netsh http add sslcert ipport=0.0.0.0:8443 certhash="$v2" \
	appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' -c "$T/edit.ini"
expect_eq "netsh add duplicate exits 1" "$rc" 1
expect_eq "netsh add duplicate: error 183" "$(tr -d '\r' <"$T/out")" "
SSL Certificate add failed, Error: 183
Cannot create a file when that file already exists."
run netsh http delete sslcert ipport=0.0.0.0:8443 -c "$T/edit.ini"
expect_eq "netsh delete: netsh's answer" "$(tr -d '\r' <"$T/out")" "
SSL Certificate successfully deleted"
run netsh http add sslcert ipport=0.0.0.0:8443 certhash="$v2" \
	appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' -c "$T/edit.ini"
expect_eq "netsh add: netsh's answer" "$(tr -d '\r' <"$T/out")" "
SSL Certificate successfully added"
# The sites had no certificate between the delete and the add: IIS Manager's "different
# certificate" is not true of it; sysbind says, in its words, who shares the new one.
expect_eq "netsh add: one note, sysbind's words, no IIS Manager dialog" \
	"$(printf '%s\n' "$err" | wc -l) $(grep -c "$IIS_DIALOG" "$T/err")" "1 0"
expect_contains "... naming the sites that now share it" "$err" \
	"sysbind: note: the certificate of [sslcert 0.0.0.0:8443], sitev1.mysite.com, is now the one certificate of https/127.0.0.1:8443:sitev1.mysite.com of [site MySite V1] and https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2]."
# Giving the shared IP:Port another certificate is what IIS Manager asks about.
run netsh http update sslcert ipport=0.0.0.0:8443 certhash="$v1" \
	appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' -c "$T/edit.ini"
expect_eq "netsh update to another certificate: netsh's answer" "$(tr -d '\r' <"$T/out")" "
SSL Certificate successfully updated"
expect_eq "... and IIS Manager's dialog, quoted once" \
	"$(printf '%s\n' "$err" | wc -l) $(grep -o "$IIS_DIALOG" "$T/err" | wc -l)" "1 1"
expect_contains "... with what it did: sitev1's certificate for both sites" "$err" \
	"netsh does not ask: the certificate of [sslcert 0.0.0.0:8443], sitev1.mysite.com, is now the one certificate of https/127.0.0.1:8443:sitev1.mysite.com of [site MySite V1] and https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2]; it does not name sitev2.mysite.com."
run netsh http update sslcert ipport=0.0.0.0:8443 certhash="$v1" \
	appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' clientcertnegotiation=enable -c "$T/edit.ini"
expect_eq "netsh update keeping the certificate: no note" "$rc $err" "0 "
run netsh http update sslcert ipport=0.0.0.0:8443 certhash="$v2" \
	appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' -c "$T/edit.ini"
expect_eq "netsh update back to the certificate naming both: IIS Manager's dialog once" \
	"$rc $(grep -o "$IIS_DIALOG" "$T/err" | wc -l)" "0 1"
run check -c "$T/edit.ini"
expect_contains "check after the fix: sitev2 on 8443 is ok (the certificate names both)" "$out" \
	"  with SNI sitev2.mysite.com  sitev1.mysite.com  ipport 0.0.0.0:8443  ok"
# appcmd added https/*:443:sitev2 but no netsh entry holds port 443: as on Windows, that
# binding's handshake fails until `netsh http add sslcert ipport=0.0.0.0:443 ...`.
expect_contains "check after the fix: *:443 has no certificate binding yet" "$out"$'\n' \
	$'\n6 predictions: 4 ok, 2 no-certificate\n'

finish
