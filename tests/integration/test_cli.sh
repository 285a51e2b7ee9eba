#!/usr/bin/env bash
# test_cli.sh — the real build/sysbind's command line: -t, check (table and JSON), explain,
# show sslcert, list site, --version/--help and bad usage, on the example configurations
# (conf/examples/*.ini, whose certificates are conf/certs made by mkcerts.sh --demo).
. "$(dirname "$0")/lib.sh"

"$SB_ROOT/scripts/mkcerts.sh" --demo "$SB_ROOT/conf/certs" >/dev/null \
	|| not_ok "mkcerts.sh --demo conf/certs"
EX="$SB_ROOT/conf/examples"

# run NAME ARGS...: run sysbind, stdout in $out, stderr in $err, status in $rc.
run() {
	"$SB_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# -t on a broken configuration: every error with file:line, on stderr, exit 2.
run -t -c "$EX/bad.ini"
expect_eq "-t bad.ini exits 2" "$rc" 2
# bad.ini holds one mistake of each kind; every one is reported, with its line
expect_eq "-t bad.ini reports each mistake with file:line" \
	"$(sed -n 's/^[^:]*bad\.ini:\([0-9]*\): .*/\1/p' "$T/err" | tr '\n' ' ')" \
	"6 7 10 16 17 22 26 26 27 30 31 31 32 34 "
expect_eq "... and nothing else" "$(grep -cvE '^[^:]*bad\.ini:[0-9]+: ' "$T/err")" "0"
expect_eq "-t bad.ini prints nothing on stdout" "$out" ""
expect_not_contains "-t bad.ini does not claim success" "$out$err" "test is successful"

# -t on a good one.
run -t -c "$EX/two-names.ini"
expect_eq "-t two-names.ini exits 0" "$rc" 0
expect_eq "-t says the test is successful" "$out" \
	"configuration file $EX/two-names.ini test is successful"

# check: the two-site story, sitev2 gets sitev1's certificate.
run check -c "$EX/two-sites.ini"
expect_eq "check two-sites.ini exits 1" "$rc" 1
expect_contains "check two-sites: sitev2 with SNI is a name-mismatch" "$out" \
	"  with SNI sitev2.mysite.com  sitev1.mysite.com  ipport 0.0.0.0:8443  name-mismatch"
expect_contains "check two-sites: the problem line names both hosts" "$out" \
	"sitev2.mysite.com with and without SNI is served sitev1.mysite.com's certificate"
expect_contains "check two-sites: summary" "$out"$'\n' $'\n4 predictions: 2 ok, 2 name-mismatch\n'
# IIS Manager's dialog (issue 22): check predicts it once, below the table, for the site
# whose host the shared certificate does not name; the commands that change nothing and
# -t do not print it.
IIS_DIALOG="At least one other site is using the same HTTPS binding"
expect_eq "check two-sites: IIS Manager's dialog once, on standard output" \
	"$(grep -o "$IIS_DIALOG" "$T/out" | wc -l) $(grep -c "$IIS_DIALOG" "$T/err")" "1 0"
expect_contains "... in the note on the shared binding" "$out" \
	"note: MySite V1 and MySite V2 share the HTTPS binding 0.0.0.0:8443: one certificate, sitev1.mysite.com, for https/127.0.0.1:8443:sitev1.mysite.com of [site MySite V1] and https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2]; it does not name sitev2.mysite.com. Giving one of these sites a different certificate gives it to all of them, and IIS Manager asks first: \"$IIS_DIALOG"
for args in "-t" "list site" "show sslcert" "netsh http show sslcert" "appcmd list site" \
	"explain --local 127.0.0.1:8443 --host sitev2.mysite.com"; do
	# shellcheck disable=SC2086
	run $args -c "$EX/two-sites.ini"
	expect_eq "$args two-sites.ini: exit 0 and no word of the shared binding" \
		"$rc $(cat "$T/out" "$T/err" | grep -c -e "$IIS_DIALOG" -e 'HTTPS binding')" "0 0"
done

run check -c "$EX/two-names.ini"
expect_eq "check two-names.ini exits 0" "$rc" 0
expect_contains "check two-names: all ok" "$out"$'\n' $'\n4 predictions: 4 ok\n'
expect_eq "check two-names: the one-certificate fix is no \"different certificate\"" \
	"$(cat "$T/out" "$T/err" | grep -c "$IIS_DIALOG")" "0"
expect_contains "... the sites still share the binding, in sysbind's words" "$out" \
	"; it names every host of theirs (a new certificate for [sslcert 0.0.0.0:8443] is a new certificate for all of them)."

# The edit that makes a site reuse another's HTTPS binding says so, once: appcmd adding
# sitev2's https binding back beside sitev1's certificate quotes IIS Manager's dialog.
mkdir -p "$T/edit"
sed 's#\.\./certs/#'"$SB_ROOT"'/conf/certs/#' "$EX/two-sites.ini" >"$T/edit/two-sites.ini"
run appcmd set site /site.name:"MySite V2" \
	"/-bindings.[protocol='https',bindingInformation='127.0.0.1:8443:sitev2.mysite.com']" \
	-c "$T/edit/two-sites.ini"
expect_eq "appcmd removing sitev2's https binding: no note" "$rc $err" "0 "
run appcmd set site /site.name:"MySite V2" \
	"/+bindings.[protocol='https',bindingInformation='127.0.0.1:8443:sitev2.mysite.com']" \
	-c "$T/edit/two-sites.ini"
expect_eq "appcmd adding it back: appcmd's answer" "$rc $out" '0 SITE object "MySite V2" changed'
expect_eq "... and one note on standard error, IIS Manager's dialog quoted once" \
	"$(printf '%s\n' "$err" | wc -l) $(grep -o "$IIS_DIALOG" "$T/err" | wc -l)" "1 1"
expect_contains "... saying what the binding reuses and why IIS Manager would ask" "$err" \
	"sysbind: note: https/127.0.0.1:8443:sitev2.mysite.com of [site MySite V2] reuses the HTTPS binding 0.0.0.0:8443 of MySite V1 and its one certificate, sitev1.mysite.com, which does not name sitev2.mysite.com (name-mismatch). Giving MySite V2 a different certificate gives it to MySite V1 too, and IIS Manager asks first: \"$IIS_DIALOG"
run -t -c "$T/edit/two-sites.ini"
expect_eq "-t after the edit: successful, and silent about the shared binding" \
	"$rc $out $err" "0 configuration file $T/edit/two-sites.ini test is successful "

run check --json -c "$EX/two-sites.ini"
expect_eq "check --json two-sites.ini exits 1" "$rc" 1
if need_tool python3 python3; then
	got=$(python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
r = [x for x in rows if x["sni"] == "sitev2.mysite.com"][0]
print(len(rows), r["site"], r["verdict"], r["certificate"]["subject"], r["certificate"]["selected_by"])
' "$T/out" 2>&1)
	expect_eq "check --json parses and tells sitev2's story" "$got" \
		"4 MySite V2 name-mismatch CN=sitev1.mysite.com ipport 0.0.0.0:8443"
fi

# --json for the other views a script reads: explain, show sslcert, list site.
if need_tool python3 python3; then
	run explain --json -c "$EX/two-sites.ini" --local 127.0.0.1:8443 --host sitev2.mysite.com
	expect_eq "explain --json exits 0" "$rc" "0"
	got=$(python3 -c '
import json, sys
x = json.load(open(sys.argv[1]))
print(x["site"], x["verdict"], x["certificate"]["subject"], x["certificate"]["selected_by"], x["status"], x["steps"][0])
' "$T/out" 2>&1)
	expect_eq "explain --json parses and tells the same story" "$got" \
		"MySite V2 name-mismatch CN=sitev1.mysite.com ipport 0.0.0.0:8443 None 1. accepted a connection on 127.0.0.1:8443 (https)"
	run explain --json -c "$EX/two-sites.ini" --http --local 127.0.0.1:8080 --host nope.example
	got=$(python3 -c '
import json, sys
x = json.load(open(sys.argv[1]))
print(x["scheme"], x["site"], x["status"], x["reason"], x["certificate"], x["verdict"])
' "$T/out" 2>&1)
	expect_eq "explain --json --http: HTTP.SYS's 400" "$got" "http None 400 Hostname None None"
	run show sslcert --json -c "$EX/iis8-sni.ini"
	got=$(python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
print(len(rows), " ".join(r["kind"] + ":" + r["name"] for r in rows), rows[0]["usagecheck"],
      any("password" in k for r in rows for k in r))
' "$T/out" 2>&1)
	expect_eq "show sslcert --json: one object per entry, no password" "$got" \
		"3 hostnameport:sitev1.mysite.com:8443 hostnameport:sitev2.mysite.com:8443 ipport:0.0.0.0:8443 True False"
	run list site --json -c "$EX/two-sites.ini"
	got=$(python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
print(len(rows), rows[1]["name"], rows[1]["id"], rows[1]["state"], rows[1]["bindings"][0])
' "$T/out" 2>&1)
	expect_eq "list site --json" "$got" "2 MySite V2 2 Started https/127.0.0.1:8443:sitev2.mysite.com"
fi

# The README's fixes and the sysbind(8) example, over IPv4 and IPv6 alike: a "*" binding's
# IPv6 clients get the 0.0.0.0 entry when there is no [::] one (issue 19).
run check -c "$EX/ccs.ini"
expect_eq "check ccs.ini exits 0" "$rc" 0
expect_contains "check ccs: all ok, IPv6 clients too" "$out"$'\n' $'\n4 predictions: 4 ok\n'
run check -c "$EX/iis8-sni.ini"
expect_eq "check iis8-sni.ini: exits 1 for sitev2's clients without SNI only" \
	"$rc $(printf '%s\n' "$out" | sed -n '/^client errors:/,$p' | sed 1d)" \
	"1   MySite V2 (https/*:8443:sitev2.mysite.com): sitev2.mysite.com without SNI is served sitev1.mysite.com's certificate (ipport 0.0.0.0:8443): name-mismatch: certificate names sitev1.mysite.com, not sitev2.mysite.com
    fix: bind a certificate that names sitev2.mysite.com and every other host served there to ipport 0.0.0.0:8443 (netsh http update sslcert ipport=0.0.0.0:8443 certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate =, pfx = or certhash = in [sslcert 0.0.0.0:8443])"
mkdir -p "$T/man"
ln -s "$SB_ROOT/conf/certs" "$T/man/certs"
sed -n '/^IIS 7.s story/,/^\.Ed/p' "$SB_ROOT/man/sysbind.8" | sed '1,/^\.Bd/d; /^\.Ed/d' \
	>"$T/man/two-sites.ini"
(cd "$T/man" && "$SB_BIN" check -c two-sites.ini >"$T/out" 2>"$T/err"); rc=$?
expect_eq "sysbind(8)'s example: check exits 1, for sitev2's name-mismatch alone" \
	"$rc $(grep -E '^[0-9]+ predictions?:' "$T/out")" "1 4 predictions: 2 ok, 2 name-mismatch"
# sysbind.ini(5)'s example: -t accepts it with the demo certificates (its PFX password is
# mkcerts.sh's).  Its ports (443, 80 on "*") and log directory are the host's: they are moved
# to free loopback ports and a directory of ours; the certificates, keys, password and every
# other line are the page's.  The same file with another password is refused, so the check
# would see a wrong one.
P5=$(free_port); P5h=$(free_port)
mkdir -p "$T/man5/log"
ln -s "$SB_ROOT/conf/certs" "$T/man5/certs"
sed -n '/^\.Sh EXAMPLES/,/^\.Ed/p' "$SB_ROOT/man/sysbind.ini.5" | sed '1,/^\.Bd/d; /^\.Ed/d' \
	>"$T/man5/page.ini"
sed -e "s/\*:443:/127.0.0.1:$P5:/g; s/\*:80:/127.0.0.1:$P5h:/g; s/:443\]/:$P5]/" \
	-e "s|/var/log/sysbind/|$T/man5/log/|" "$T/man5/page.ini" >"$T/man5/example.ini"
expect_eq "sysbind.ini(5)'s example: extracted, with its PFX password" \
	"$(grep -c '^\[' "$T/man5/example.ini") $(grep -c '^pfx_password = sysbind ' "$T/man5/example.ini")" "5 1"
(cd "$T/man5" && "$SB_BIN" -t -c example.ini >"$T/out" 2>"$T/err"); rc=$?
expect_eq "sysbind.ini(5)'s example: -t accepts it, with no warning" "$rc $(cat "$T/out" "$T/err")" \
	"0 configuration file example.ini test is successful"
sed 's/^pfx_password = sysbind /pfx_password = secret /' "$T/man5/example.ini" >"$T/man5/wrong.ini"
(cd "$T/man5" && "$SB_BIN" -t -c wrong.ini >"$T/out" 2>"$T/err"); rc=$?
expect_eq "... and with another PFX password -t refuses it at its pfx line" "$rc $(cat "$T/err")" \
	"2 wrong.ini:$(grep -n '^pfx = ' "$T/man5/wrong.ini" | cut -d: -f1): certs/sitev2.pfx: wrong password or corrupt PKCS#12 file"
# certhash without cert_store: a warning at the certhash line, as sysbind.ini(5) says, not
# an error: -t succeeds and the entry's handshakes fail.
printf '[sslcert 0.0.0.0:%s]\ncerthash = %s\n[site A]\nid = 1\nbindings = https/*:%s:a.test\n' \
	"$P5" 0123456789abcdef0123456789abcdef01234567 "$P5" >"$T/man5/nostore.ini"
(cd "$T/man5" && "$SB_BIN" -t -c nostore.ini >"$T/out" 2>"$T/err"); rc=$?
expect_eq "certhash without cert_store: -t exits 0 and says it succeeded" "$rc $(cat "$T/out")" \
	"0 configuration file nostore.ini test is successful"
expect_eq "... with one warning, at the certhash line" "$(cat "$T/err")" \
	"nostore.ini:2: warning: [sslcert 0.0.0.0:$P5]: certificate not available: no cert_store in [server] to look the thumbprint up in; a handshake that chooses this entry fails, as HTTP.SYS's does when the bound certificate is missing from the store"
run explain -c "$EX/iis8-sni.ini" --local '[::1]:8443' --host sitev1.mysite.com --no-sni
expect_contains "explain over ::1 without SNI: 0.0.0.0 after [::], and why" "$out" \
	"     step 4 ipport [::]:8443: no entry
     step 4 ipport 0.0.0.0:8443 (0.0.0.0 applies to IPv6 clients too when no [::] entry exists): entry found: chosen"
expect_contains "... verdict ok" "$out" "5. verdict for sitev1.mysite.com: ok"

# explain: one connection, step by step.
run explain -c "$EX/two-sites.ini" --local 127.0.0.1:8443 --host sitev2.mysite.com
expect_eq "explain exits 0 even for a predicted error" "$rc" 0
expect_contains "explain: SNI ignored in iis7" "$out" \
	'2. ClientHello with SNI "sitev2.mysite.com": ignored in mode iis7'
expect_contains "explain: the chosen certificate" "$out" \
	"   chosen: CN=sitev1.mysite.com, thumbprint "
expect_contains "explain: the site" "$out" 'site "MySite V2" (id:2)'
expect_contains "explain: curl's message" "$out" \
	"curl: (60) SSL: no alternative certificate subject name matches target host name 'sitev2.mysite.com'"

run explain -c "$EX/iis8-sni.ini" --local 127.0.0.1:8443 --host sitev2.mysite.com
expect_contains "explain iis8: SNI used" "$out" "used in mode iis8"
expect_contains "explain iis8: verdict ok" "$out" "5. verdict for sitev2.mysite.com: ok"

# show sslcert: netsh's layout with CRLF line ends.
run show sslcert -c "$EX/two-sites.ini"
expect_eq "show sslcert exits 0" "$rc" 0
expect_eq "show sslcert: first 5 lines" "$(head -n 5 "$T/out" | od -An -c | tr -s ' ' | tr -d '\n')" \
	"$(printf '\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n    IP:port                      : 0.0.0.0:8443\r\n' | od -An -c | tr -s ' ' | tr -d '\n')"
tp=$(openssl x509 -in "$SB_ROOT/conf/certs/sitev1.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
expect_contains "show sslcert: the thumbprint of sitev1.pem" "$out" \
	"    Certificate Hash             : $tp"$'\r'
expect_contains "show sslcert: a long label keeps one space" "$out" \
	"    Verify Client Certificate Revocation : Enabled"$'\r'

run show sslcert -c "$EX/ccs.ini"
expect_contains "show sslcert ccs: Central Certificate Store line" "$out" \
	"    Central Certificate Store    : 8443"$'\r\n'"    Certificate Hash             : (null)"$'\r'

# list site: appcmd's layout.
run list site -c "$EX/two-sites.ini"
expect_eq "list site" "$out" \
'SITE "MySite V1" (id:1,bindings:https/127.0.0.1:8443:sitev1.mysite.com,http/127.0.0.1:8080:sitev1.mysite.com,state:Started)
SITE "MySite V2" (id:2,bindings:https/127.0.0.1:8443:sitev2.mysite.com,http/127.0.0.1:8080:sitev2.mysite.com,state:Started)'

# Invalid configuration for a view: exit 2 with the errors.
run list site -c "$EX/bad.ini"
expect_eq "list site on bad.ini exits 2" "$rc" 2
expect_contains "list site on bad.ini prints the errors" "$err" "bad.ini:"

run check -c "$T/missing.ini"
expect_eq "check on a missing file exits 2" "$rc" 2

# --version, --help, bad usage.
run --version
expect_eq "--version: sysbind's version first" "$(printf '%s\n' "$out" | head -1)" "sysbind 0.1.0"
expect_eq "... then the libraries it runs with" \
	"$(printf '%s\n' "$out" | sed 1d | awk '{ print $1 }' | tr '\n' ' ')" "OpenSSL libevent llhttp expat "
run --help
expect_eq "--help exits 0" "$rc" 0
expect_contains "--help shows explain" "$out" "sysbind explain [-c FILE] --local IP:PORT --host NAME"
expect_contains "--help shows import" "$out" "sysbind import --applicationhost"
for args in "import" "check --bogus" "show" "list sslcert" "explain --host x" "-t check" "check -c"; do
	# shellcheck disable=SC2086
	run $args
	expect_eq "bad usage [$args] exits 2" "$rc" 2
	expect_contains "bad usage [$args] prints the usage" "$err" "usage: sysbind"
done
run import
expect_eq "a command's bad usage prints that command's usage only" \
	"$(grep -c 'sysbind ' "$T/err")" "1"
run iisreset --bogus
expect_contains "an unknown command is named first" "$err" 'sysbind: unknown command "iisreset"'
expect_eq "... with no usage text: the way to the commands" "$(sed 1d "$T/err")" \
	'sysbind: `sysbind help` lists the commands'
expect_eq "... exit 2" "$rc" 2

# Per-command help and the nearest command for a typo.
run improt
expect_eq "a typo: exit 2" "$rc" 2
expect_eq "... the nearest command, not the usage" "$err" 'sysbind: unknown command "improt"; did you mean "import"?
sysbind: `sysbind help` lists the commands'
run help import
expect_eq "help import: exit 0" "$rc" 0
expect_eq "... its usage first" "$(printf '%s\n' "$out" | head -1)" \
	"usage: sysbind import --applicationhost F [--sslcert F] [--cert-store D] [-o OUT]"
expect_eq "... import's usage only: one usage line" "$(grep -c 'sysbind ' "$T/out")" "1"
expect_contains "... and its options" "$out" "  --cert-store DIR"
help_import=$out
run import --help
expect_eq "import --help: exit 0" "$rc" 0
expect_eq "... the same text as help import" "$out" "$help_import"
run show sslcert --help
expect_contains "show sslcert --help: show's usage" "$out" "usage: sysbind show sslcert [-c FILE] [--json]"
run -s --help
expect_contains "-s --help: -s's usage" "$out" "usage: sysbind -s reload|reopen|stop|quit [-c FILE]"
readme=$(sed -n '/^## Commands$/,/^## /p' "$SB_ROOT/README.md" | sed -n '/^```$/,/^```$/p' | sed '1d;$d')
expect_eq "the README's command list is the usage" "$readme" \
	"$("$SB_BIN" --help | sed -n '1,/^$/p' | sed '$d' | cut -c8-)"
run help
expect_eq "help: the whole usage (15 commands), exit 0" "$rc:$(grep -c 'sysbind ' "$T/out")" "0:15"
run help reverse-proxy
expect_eq "help reverse-proxy: its own usage, as reverse-proxy --help prints it" "$rc:$out" \
	"0:$("$SB_BIN" reverse-proxy --help 2>&1)"
run revers-proxy
expect_contains "a typo of reverse-proxy" "$err" 'did you mean "reverse-proxy"?' 

finish
