#!/usr/bin/env bash
# The diagnostic page in a real browser (Debian's chromium, headless): the two-site
# scenario (iis7, one certificate for sitev1), a visitor of sitev2 who clicked through the
# warning.  The page must draw the decision path: a stage for the accept, the ClientHello
# (SNI ignored), the certificate (CN=sitev1.mysite.com), the handshake, the decrypted Host
# (sitev2.mysite.com), the site, the verdict, and the mismatch marker joining the
# certificate to the host.  A screenshot is kept at $SB_BUILD/artifacts/diag-two-sites.png.
# Chromium is installed on first use (scripts/install-deps.sh chromium).
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "# installing chromium (once)"
	"$SB_ROOT/scripts/install-deps.sh" chromium >"$T/install.log" 2>&1 ||
		{ not_ok "chromium installs" "$(tail -5 "$T/install.log")"; finish; exit; }
fi

P=$(free_port); H=$(free_port)
cat >"$T/two-sites.ini" <<EOF
[server]
mode = iis7
trust = $SB_CERTS/ca.pem
access_log = off

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site MySite V1]
id = 1
bindings = https/127.0.0.1:$P:sitev1.mysite.com, http/127.0.0.1:$H:sitev1.mysite.com

[site MySite V2]
id = 2
bindings = https/127.0.0.1:$P:sitev2.mysite.com, http/127.0.0.1:$H:sitev2.mysite.com
EOF
sb_start "$T/two-sites.ini" "$P" || { finish; exit; }

# browser URL OUT-FLAGS...: run headless chromium on URL with a fresh profile.
browser() {
	local url=$1; shift
	local prof; prof=$(mktemp -d "$T/chromium.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage --user-data-dir="$prof" \
		--ignore-certificate-errors \
		--host-resolver-rules="MAP sitev1.mysite.com 127.0.0.1, MAP sitev2.mysite.com 127.0.0.1" \
		"$@" "$url" 2>>"$T/chromium.log"
}

URL="https://sitev2.mysite.com:$P/"
dom=$(browser "$URL" --dump-dom)
expect_contains "chromium renders the diagnostic page" "$dom" "<h1>sysbind diagnostic page</h1>"
expect_contains "... with the decision-path picture (inline SVG)" "$dom" '<svg id="decision-path"'
expect_contains "... marked as having a mismatch" "$dom" 'class="has-mismatch"'
for s in accept hello cert handshake host site verdict; do
	expect_contains "... a stage for $s" "$dom" "id=\"stage-$s\""
done
stage() {   # the markup of one stage group
	printf '%s' "$dom" | tr '\n' ' ' | grep -o "<g class=\"stage[^\"]*\" id=\"stage-$1\">.*" |
		sed 's|</g> *<g class="stage.*||; s|</g> *<g id="mismatch.*||'
}
expect_contains "the accept stage shows the local IP:Port" "$(stage accept)" "127.0.0.1:$P"
expect_contains "the ClientHello stage: SNI sitev2 ignored" "$(stage hello)" "SNI sitev2.mysite.com: IGNORED"
expect_contains "... the SNI pill says ignored" "$(stage hello)" 'data-know="sni" data-state="ignored"'
expect_contains "... the Host pill says unknown" "$(stage hello)" 'data-know="host" data-state="unknown"'
expect_contains "the certificate stage names CN=sitev1.mysite.com" "$(stage cert)" "CN=sitev1.mysite.com"
expect_contains "... chosen by the wildcard ipport entry" "$(stage cert)" "ipport 0.0.0.0:$P"
expect_contains "... and is drawn as bad" "$(stage cert)" 'class="stage bad" id="stage-cert"'
expect_contains "the Host stage shows sitev2" "$(stage host)" "Host: sitev2.mysite.com:$P"
expect_contains "... with the Host now known" "$(stage host)" 'data-know="host" data-state="known"'
expect_contains "... drawn as bad" "$(stage host)" 'class="stage bad" id="stage-host"'
expect_contains "the site stage routes to MySite V2" "$(stage site)" "Site: MySite V2 (id 2)"
expect_contains "the verdict stage says name-mismatch" "$(stage verdict)" "Verdict: name-mismatch"
expect_contains "the mismatch marker joins certificate and host" "$dom" '<g id="mismatch" class="mismatch">'
expect_contains "... and says which names differ" "$dom" "the certificate names sitev1.mysite.com, the client asked for sitev2.mysite.com"

# What the browser laid out: the picture has a real size (not collapsed or hidden).
geo=$(browser "$URL" --run-all-compositor-stages-before-draw --virtual-time-budget=2000 \
	--dump-dom --window-size=1200,1600 | grep -c '<rect class="box"')
expect_eq "seven stage boxes are drawn" "$geo" "7"

mkdir -p "$SB_BUILD/artifacts"
shot="$SB_BUILD/artifacts/diag-two-sites.png"
rm -f "$shot"
browser "$URL" --screenshot="$shot" --window-size=1200,1600 --hide-scrollbars >/dev/null
if [ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
	ok "a PNG screenshot is kept at $shot"
else
	not_ok "a PNG screenshot is kept at $shot" "$(tail -5 "$T/chromium.log")"
fi

# A matching visit (sitev1) draws no mismatch.
dom=$(browser "https://sitev1.mysite.com:$P/" --dump-dom)
expect_contains "sitev1's page draws the picture too" "$dom" '<svg id="decision-path"'
expect_contains "... with no mismatch" "$dom" 'class="no-mismatch"'
expect_not_contains "... and no mismatch marker" "$dom" 'id="mismatch"'

# Plain http: accept, request, site; no TLS stages, SNI not applicable.
dom=$(browser "http://sitev2.mysite.com:$H/" --dump-dom)
expect_contains "the http page draws the request stage" "$dom" 'id="stage-host"'
expect_not_contains "... and no certificate stage" "$dom" 'id="stage-cert"'
expect_contains "... SNI shown as not applicable" "$dom" 'data-know="sni" data-state="n/a"'
finish
