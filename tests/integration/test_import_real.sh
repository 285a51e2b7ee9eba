#!/usr/bin/env bash
# test_import_real.sh — `sysbind import` on the real forms of IIS's files (issue 12):
# tests/fixtures/iis/ holds one reduced file per form (README.md there says where each
# comes from).  Each is imported with the real build/sysbind, then -t, check, list site
# and show sslcert run on the result, as a user would after an import whose certificates
# are not at hand yet.  Then what import -o and the editors must never do: write over the
# source, replace a symlink by a file, or a device (the test's own) by a file.
. "$(dirname "$0")/lib.sh"

FIX="$SB_ROOT/tests/fixtures/iis"

run() {
	"$SB_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# views NAME INI: -t, check, list site and show sslcert on INI; their outputs in
# $t_out/$t_rc, $check_out/$check_rc, $list_out/$list_rc, $show_out/$show_rc.
views() {
	run -t -c "$2"; t_rc=$rc; t_out=$out; t_err=$err
	run check -c "$2"; check_rc=$rc; check_out=$out
	run list site -c "$2"; list_rc=$rc; list_out=$out
	run show sslcert -c "$2"; show_rc=$rc; show_out=$(tr -d '\r' <"$T/out")
}

# --- Visual Studio's applicationhost.config with a UTF-16LE netsh output (PowerShell 5.1)
mkdir -p "$T/vs"
run import --applicationhost "$FIX/vs.applicationhost.config" \
	--sslcert "$FIX/vs.sslcert-utf16le.txt" -o "$T/vs/iis.ini"
expect_eq "vs: import exits 0" "$rc" 0
expect_eq "vs: no warnings" "$err" ""
views vs "$T/vs/iis.ini"
# -t binds every listener of the file: IIS Express's ports (44300-44399, 54286) lie in
# Linux's ephemeral range, where a client connection of the machine may hold one, so -t
# reads the file with those ports moved to free ones (vs_free FILE OUT); nothing else moves
VP1=$(free_port); VP2=$(free_port); VP3=$(free_port); VP4=$(free_port)
vs_free() { sed -e "s/:44300\b/:$VP1/g; s/:44301\b/:$VP2/g; s/:44369\b/:$VP3/g; s/:54286\b/:$VP4/g" "$1" >"$2"; }
vs_free "$T/vs/iis.ini" "$T/vs/iis-free.ini"
run -t -c "$T/vs/iis-free.ini"; t_rc=$rc; t_out=$out; t_err=$err
expect_eq "vs: -t accepts what import wrote (IIS Express's ports moved to free ones)" \
	"$t_rc $(grep -E 'error' <<<"$t_err")" "0 "
expect_contains "vs: -t says the test is successful" "$t_out" "test is successful"
expect_contains "vs: -t names the certificate that is not at hand" "$t_err" \
	"iis-free.ini:14: warning: [sslcert 0.0.0.0:$VP1]: certificate not available: no certificate with thumbprint 61d34f532da121bbab64723c4871e72c92f03735"
expect_eq "vs: list site exits 0" "$list_rc" 0
expect_eq "vs: list site, the empty IP as *, host * as any host" "$list_out" \
'SITE "WebSite1" (id:1,bindings:http/*:8080:localhost,state:Started)
SITE "POC_WebApi_OAuth" (id:2,bindings:http/*:54286:localhost,https/*:44300:localhost,state:Started)
SITE "POC_Services-Site" (id:3,bindings:http/*:80:localhost,http/127.0.0.1:44369:,state:Started)'
expect_eq "vs: show sslcert exits 0" "$show_rc" 0
expect_contains "vs: show sslcert: the UTF-16 entry's thumbprint and IIS Express's appid" \
	"$show_out" "    IP:port                      : 0.0.0.0:44300
    Certificate Hash             : 61d34f532da121bbab64723c4871e72c92f03735
    Application ID               : {214124cd-d05b-4309-9af9-9caa44b2b74a}"
# check predicts with what it knows: clients of * over IPv4 and IPv6 alike get the
# 0.0.0.0:44300 entry (IIS Express registers no [::] one: 0.0.0.0 "is applicable to all
# IPv4 and IPv6 addresses"), whose certificate is not here: unknown, not an error
expect_eq "vs: check exits 0 (the certificate is not at hand: unknown)" "$check_rc" 0
expect_contains "vs: check names the thumbprint it cannot judge" "$check_out" \
	"  with SNI localhost  (not available)  ipport 0.0.0.0:44300  unknown ([sslcert 0.0.0.0:44300] names certificate 61d34f532da121bbab64723c4871e72c92f03735, not available here"
expect_eq "vs: IPv6 clients get the 0.0.0.0 entry too: one row per client, no failure" \
	"$(printf '%s\n' "$check_out" | grep -cE '\((IPv6|IPv4)\)|no-certificate')" 0
# with the certificate at hand (a PEM with its key, named by its thumbprint), the verdict
v1=$(awk '$1 == "sitev1" { print $2 }' "$SB_CERTS/thumbprints.txt")
sed "s/61d34f532da121bbab64723c4871e72c92f03735/$v1/" "$T/vs/iis.ini" >"$T/vs/known.ini"
cp "$SB_CERTS/sitev1.pem" "$SB_CERTS/sitev1.key" "$T/vs/"
run check -c "$T/vs/known.ini"
expect_contains "vs: with the certificate in cert_store, check gives its verdict" "$out" \
	"  with SNI localhost  sitev1.mysite.com  ipport 0.0.0.0:44300  name-mismatch (certificate names sitev1.mysite.com, not localhost)"
cp "$SB_CERTS/sitev1.pem" "$T/vs/onlycert.pem"; rm "$T/vs/sitev1.pem" "$T/vs/sitev1.key"
run check -c "$T/vs/known.ini"
expect_contains "vs: a certificate without its key is judged, and said to lack the key" "$out" \
	"sitev1.mysite.com (no key here)"
vs_free "$T/vs/known.ini" "$T/vs/known-free.ini"
run -t -c "$T/vs/known-free.ini"
expect_eq "vs: -t still accepts it" "$rc $(grep -E 'error' <<<"$err")" "0 "
expect_contains "vs: -t says the daemon cannot serve it" "$err" \
	"onlycert.pem: no private key in the file, nor beside it as"

# --- Hostable Web Core, the container image
run import --applicationhost "$FIX/hwc.applicationHost.config" -o "$T/hwc.ini"
expect_eq "hwc: import exits 0" "$rc" 0
views hwc "$T/hwc.ini"
expect_eq "hwc: -t accepts it" "$t_rc" 0
expect_eq "hwc: show sslcert exits 0" "$show_rc" 0
expect_eq "hwc: list site: the empty IP as *, the DWORD id kept" "$list_out" \
'SITE "HwcSite" (id:1,bindings:http/*:8080:,https/*:8443:,state:Started)
SITE "Generated" (id:3000000000,bindings:http/*:8081:generated.local,state:Started)'
expect_eq "hwc: check exits 1 (no netsh output: the https binding gets no certificate)" \
	"$check_rc" 1
expect_contains "hwc: check says so" "$check_out" "1 prediction: 1 no-certificate"
run import --applicationhost "$FIX/container.applicationHost.config" -o "$T/container.ini"
expect_eq "container: import exits 0" "$rc" 0
views container "$T/container.ini"
expect_eq "container: -t accepts it" "$t_rc" 0
expect_eq "container: check exits 0 (no https binding)" "$check_rc" 0
expect_eq "container: list site" "$list_out" 'SITE "Default Web Site" (id:1,bindings:http/*:80:,state:Started)'

# --- one of each bad item: carried over, each repair a warning with its source line
run import --applicationhost "$FIX/bad-items.applicationHost.config" \
	--sslcert "$FIX/bad-items.sslcert.txt" -o "$T/bad.ini"
expect_eq "bad items: import exits 0" "$rc" 0
n=$(grep -c "bad-items\.[a-zA-Z.]*:[0-9]*: warning: " "$T/err")
expect_eq "bad items: 13 warnings, each at its source file and line" "$n" 13
expect_not_contains "bad items: no warning cites the file being written" "$err" "bad.ini"
views bad "$T/bad.ini"
expect_eq "bad items: -t accepts what import wrote" "$t_rc" 0
expect_eq "bad items: list site exits 0" "$list_rc" 0
expect_contains "bad items: the second started site with Shop's binding is stopped" "$list_out" \
	'SITE "Shop Staging" (id:2,bindings:http/*:80:shop.example.com,http/*:80:staging.example.com,state:Stopped)'
expect_contains "bad items: a name with a newline, kept" "$list_out" 'SITE "Two
Lines" (id:6,'
expect_contains "bad items: a name with outer blanks, kept" "$list_out" \
	'SITE "  Padded Site  " (id:2147483648,bindings:http/*:80:padded.example.com,state:Started)'
expect_contains "bad items: a 250-character name, kept" "$list_out" \
	"SITE \"$(grep -o 'name="Contoso[^"]*"' "$FIX/bad-items.applicationHost.config" | sed 's/name="//; s/"$//')\" (id:4,"
expect_contains "bad items: http and https on one port: https kept" "$list_out" \
	'SITE "Mixed Port" (id:3,bindings:https/*:8080:secure.example.com,state:Started)'
expect_eq "bad items: show sslcert exits 0" "$show_rc" 0
expect_eq "bad items: show sslcert lists the two good entries" \
	"$(printf '%s\n' "$show_out" | grep -cE '^    (IP|Hostname):port ')" 2
expect_eq "bad items: check exits 0 (every client of * gets a 0.0.0.0 entry; unknown)" "$check_rc" 0

# --- a German netsh output: said so, and how to get the English one
run import --applicationhost "$FIX/two-sites.applicationHost.config" \
	--sslcert "$FIX/german.sslcert.txt" -o "$T/de.ini"
expect_eq "german: import exits 0 (the sites are usable)" "$rc" 0
expect_contains "german: the warning names the language" "$err" \
	"german.sslcert.txt:2: warning: this netsh output is in German, not English"
expect_contains "german: ... and that chcp does not help" "$err" "chcp does not change that"

# --- the netsh outputs of Windows Server 2008 R2 and 2016 (issue 20; 2012, 2019, 2022 and
# 2025 are test_clientcert_config.sh's) and Windows 11 (issue 24): import reads each, names
# its layout in show_layout, and show sslcert gives the output back byte for byte (CRLF,
# 2008 R2's own field widths and trailing spaces, 2016's Reject Connections without
# Disable HTTP2, Windows 11's Enable Caching Client Hello without Disable Session ID and
# its empty Extended Properties blocks of PropertyId 2 to 4).
printf '<configuration><system.applicationHost><sites><site name="S" id="1"><bindings><binding protocol="http" bindingInformation="*:80:" /></bindings></site></sites></system.applicationHost></configuration>\n' >"$T/one.config"
mkdir -p "$T/store"
for layout in 2008r2:2008 2016:2016 win11:win11; do
	name=netsh-${layout%%:*}.txt want=${layout#*:}
	run import --applicationhost "$T/one.config" --sslcert "$FIX/$name" \
		--cert-store "$T/store" -o "$T/$name.ini"
	expect_eq "$name: import exits 0" "$rc" 0
	expect_eq "$name: nothing missing, nothing show sslcert would not give back" \
		"$(grep -c 'has no\|none of the\|header is not\|empty line\|a blank ends' "$T/err")" 0
	expect_eq "$name: the layout import names" \
		"$(sed -n 's/^show_layout = \([0-9a-z]*\) .*/\1/p' "$T/$name.ini")" "$want"
	run -t -c "$T/$name.ini"
	expect_eq "$name: -t accepts the import (certificates not at hand are warnings)" "$rc" 0
	"$SB_BIN" show sslcert -c "$T/$name.ini" >"$T/$name.show" 2>"$T/$name.note"
	expect_eq "$name: show sslcert exits 0" "$?" 0
	if cmp -s "$T/$name.show" "$FIX/$name"; then
		ok "$name: show sslcert gives the output back byte for byte"
	else
		not_ok "$name: show sslcert gives the output back byte for byte" \
			"$(diff <(cat -A "$FIX/$name") <(cat -A "$T/$name.show") | head -n 20)"
	fi
	expect_eq "$name: no line the layout lacks (no \"is not shown\" note)" \
		"$(grep -c 'is not shown\|has no .* entries' "$T/$name.note")" 0
done
expect_contains "2008 R2: the entry with every option away from its default" \
	"$(cat "$T/netsh-2008r2.txt.ini")" "verifyclientcertrevocation = disable
verifyrevocationwithcachedclientcertonly = enable
usagecheck = disable
revocationfreshnesstime = 60
urlretrievaltimeout = 5000"
expect_contains "2016: the hostnameport entry (SNI came with 2012)" \
	"$(cat "$T/netsh-2016.txt.ini")" "[sslcert somehost:8080]"
expect_contains "win11: its five Extended Properties blocks kept" \
	"$(cat "$T/netsh-win11.txt.ini")" "show_property_blocks = 5    ; the Extended Properties blocks"

# --- an entry cut short (issue 24): a line it lacks is named with the default that show
# sslcert prints in its place, at the line where the entry ends; a cut entry alone reads as
# the layout its lines have (2012's here): Reject Connections and later are not missing
head -n 16 "$FIX/netsh-2022.txt" >"$T/cut.txt"
run import --applicationhost "$T/one.config" --sslcert "$T/cut.txt" --cert-store "$T/store" \
	-o "$T/cut.ini"
expect_eq "cut entry: import exits 0" "$rc" 0
expect_eq "cut entry: one warning names what is missing" "$(grep -c 'none of the\|has no' "$T/err")" 1
expect_contains "cut entry: ... the line and the default used" "$err" \
	"cut.txt:16: warning: [sslcert 0.0.0.0:443]: the entry (lines 5 to 16) has no \"Negotiate Client Certificate\" line: netsh's default (Disabled) is used"
expect_contains "cut entry: ... and that it ends without netsh's empty line" "$err" \
	"cut.txt:16: warning: the entries are not each followed by one empty line"

# --- nothing usable: exit 2, and nothing written
printf '<configuration><system.applicationHost><sites><site name="W" id="1"><bindings><binding protocol="net.tcp" bindingInformation="808:*" /></bindings></site></sites></system.applicationHost></configuration>\n' >"$T/wcf.config"
run import --applicationhost "$T/wcf.config" -o "$T/wcf.ini"
expect_eq "nothing usable: import exits 2" "$rc" 2
expect_contains "nothing usable: says so" "$err" "nothing to import"
expect_eq "nothing usable: no file written" "$(test -e "$T/wcf.ini" && echo yes || echo no)" no

# --- never destroy what the user points at (item 6)
APPH="$FIX/two-sites.applicationHost.config"
cp "$APPH" "$T/src.config"
sum_before=$(sha256sum <"$T/src.config")
run import --applicationhost "$T/src.config" -o "$T/src.config"
expect_eq "-o = --applicationhost: refused, exit 2" "$rc" 2
expect_contains "-o = --applicationhost: the message says why" "$err" \
	"is the same file as --applicationhost $T/src.config: refused"
mkdir -p "$T/d"
run import --applicationhost "$T/src.config" -o "$T/d/../src.config"
expect_eq "-o = the source by another path: refused" "$rc" 2
ln "$T/src.config" "$T/hardlink.config"
run import --applicationhost "$T/src.config" -o "$T/hardlink.config"
expect_eq "-o = a hard link to the source: refused" "$rc" 2
expect_eq "the source is untouched" "$(sha256sum <"$T/src.config")" "$sum_before"
cp "$FIX/two-sites.sslcert-2012.txt" "$T/ssl.txt"
run import --applicationhost "$T/src.config" --sslcert "$T/ssl.txt" -o "$T/ssl.txt"
expect_eq "-o = --sslcert: refused" "$rc" 2
expect_contains "-o = --sslcert: named" "$err" "is the same file as --sslcert"

# a symlink: its target is written, the link stays, the target keeps its mode
mkdir -p "$T/real"
echo "old" >"$T/real/iis.ini"
chmod 640 "$T/real/iis.ini"
ln -s real/iis.ini "$T/link.ini"
run import --applicationhost "$APPH" -o "$T/link.ini"
expect_eq "-o symlink: import exits 0" "$rc" 0
expect_eq "-o symlink: still a symlink" "$(stat -c %F "$T/link.ini")" "symbolic link"
expect_eq "-o symlink: to the same target" "$(readlink "$T/link.ini")" "real/iis.ini"
expect_contains "-o symlink: the target holds the import" "$(cat "$T/real/iis.ini")" "[site MySite V2]"
expect_eq "-o symlink: the target keeps its mode" "$(stat -c %a "$T/real/iis.ini")" 640
# a dangling symlink: the file it names is created
ln -s real/new.ini "$T/dangling.ini"
run import --applicationhost "$APPH" -o "$T/dangling.ini"
expect_eq "-o dangling symlink: its target is created" \
	"$(stat -c %F "$T/dangling.ini") $(test -f "$T/real/new.ini" && echo file)" "symbolic link file"

# a device and a FIFO: refused by type, left as they are.  The device is the test's own
# (the null device's numbers, 1:3, in $T), never the machine's /dev/null: a regression
# that renamed a file over it would break only this test.  Its inode is compared too (a
# rename puts another in its place).
DEV="$T/null" dev_made=0
if mknod "$DEV" c 1 3 2>"$T/mknod.err"; then
	dev_made=1
	dev_before=$(stat -c '%F %t:%T %i' "$DEV")
	run import --applicationhost "$APPH" -o "$DEV"
	expect_eq "-o a device: refused, exit 2" "$rc" 2
	expect_contains "-o a device: says what it is" "$err" "$DEV: a character device, not a regular file: refused"
	expect_contains "-o a device: and how to see only the warnings" "$err" ">/dev/null"
	expect_eq "the device is still the same character device 1:3" "$(stat -c '%F %t:%T %i' "$DEV")" "$dev_before"
else
	skip "-o a device: refused, and the device left as it is" "mknod: $(cat "$T/mknod.err")"
fi
mkfifo "$T/fifo"
run import --applicationhost "$APPH" -o "$T/fifo"
expect_eq "-o FIFO: refused" "$rc" 2
expect_eq "the FIFO is still a FIFO" "$(stat -c %F "$T/fifo")" "fifo"
run import --applicationhost "$APPH" -o "$T/d"
expect_eq "-o directory: refused" "$rc" 2
expect_contains "-o directory: says so" "$err" "a directory, not a regular file"

# the editors on a symlinked configuration: the link stays a link
run appcmd set site /site.name:"MySite V2" \
	"/+bindings.[protocol='http',bindingInformation='*:9090:sitev2.mysite.com']" -c "$T/link.ini"
expect_eq "appcmd through a symlink: exits 0" "$rc" 0
expect_eq "appcmd through a symlink: still a symlink" "$(stat -c %F "$T/link.ini")" "symbolic link"
expect_contains "appcmd through a symlink: the target changed" "$(cat "$T/real/iis.ini")" \
	"http/*:9090:sitev2.mysite.com"
expect_eq "appcmd through a symlink: the target keeps its mode" "$(stat -c %a "$T/real/iis.ini")" 640
run netsh http add sslcert ipport=0.0.0.0:9443 certhash=5e537858f558b101c877dd9a442344dd7f110794 \
	appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' certstorename=MY -c "$T/link.ini"
expect_eq "netsh add through a symlink: still a symlink" "$(stat -c %F "$T/link.ini")" "symbolic link"
if [ "$dev_made" = 1 ]; then
	# a device again if import replaced it (that was said above): the editors' own test
	[ -c "$DEV" ] || { rm -f "$DEV" && mknod "$DEV" c 1 3 && dev_before=$(stat -c '%F %t:%T %i' "$DEV"); }
	run appcmd list site -c "$DEV"
	expect_eq "appcmd list on a device: refused" "$rc" 2
	run appcmd set site /site.name:"MySite V2" \
		"/+bindings.[protocol='http',bindingInformation='*:9091:sitev2.mysite.com']" -c "$DEV"
	expect_eq "appcmd set on a device: refused" "$rc" 2
	run netsh http add sslcert ipport=0.0.0.0:9444 certhash=5e537858f558b101c877dd9a442344dd7f110794 \
		appid='{4dc3e181-e14b-4a21-b022-59fc669b0914}' -c "$DEV"
	expect_eq "netsh add on a device: refused" "$rc" 2
	expect_eq "the device is still the same character device 1:3 after the editors" \
		"$(stat -c '%F %t:%T %i' "$DEV")" "$dev_before"
else
	skip "the editors on a device: refused, the device left as it is" "no device of the test's own"
fi


# --- application pools (issue 25): a hosting panel's file, queueLength 4000 in
# <applicationPoolDefaults>; appcmd lists the pools and applications of the result, check
# names the pools away from IIS's defaults
run import --applicationhost "$FIX/apppools.applicationHost.config" -o "$T/pools.ini"
expect_eq "apppools: imported (exit 0)" "$rc" 0
expect_eq "apppools: every site has its pool's queueLength" \
	"$(grep -c '^queue_length = 4000   ; <applicationPoolDefaults queueLength> of IIS.s line 26$' "$T/pools.ini")" 3
run appcmd list apppool -c "$T/pools.ini"
expect_eq "apppools: appcmd list apppool as appcmd prints it" "$out" \
'APPPOOL "DefaultAppPool" (MgdVersion:,MgdMode:Integrated,state:Started)
APPPOOL "redisoncloud.com" (MgdVersion:,MgdMode:Integrated,state:Started)
APPPOOL "ikinci.com" (MgdVersion:,MgdMode:Integrated,state:Started)'
run appcmd list app -c "$T/pools.ini"
expect_eq "apppools: appcmd list app" "$out" \
'APP "Default Web Site/" (applicationPool:DefaultAppPool)
APP "redisoncloud.com/" (applicationPool:redisoncloud.com)
APP "ikinci.com/" (applicationPool:ikinci.com)'
run check -c "$T/pools.ini"
expect_contains "apppools: check names the pools set away from IIS's defaults" "$out" \
	'  application pool "ikinci.com": queue_length 4000, backend_max_connections 0 (no limit: no request waits), rapid_fail on (5 failures within 5 minutes stop it), load_balancer http, verbosity limited: a refused request (QueueFull, AppOffline) gets 503 Service Unavailable'
run import --applicationhost "$FIX/vs.applicationhost.config" -o "$T/vspools.ini"
run appcmd list apppool -c "$T/vspools.ini"
expect_eq "IIS Express: three sites of Clr4IntegratedAppPool (one by <applicationDefaults>): one pool" \
	"$out" 'APPPOOL "Clr4IntegratedAppPool" (MgdVersion:,MgdMode:Integrated,state:Started)'

finish
