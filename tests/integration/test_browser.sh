#!/usr/bin/env bash
# The diagnostic page in a real browser (Debian's chromium, headless): the two-site
# scenario (iis7, one certificate for sitev1), a visitor of sitev2 who clicked through the
# warning.  The page must draw the decision path: a stage for the accept, the ClientHello
# (SNI ignored), the certificate (CN=sitev1.mysite.com), the handshake, the decrypted Host
# (sitev2.mysite.com), the site, the verdict, and the mismatch bracket joining the
# certificate to the host; above the picture the line saying how to fix the verdict, under
# it a legend of the markers, each swatch painted in its marker's colour.
#
# What is checked is what Chromium rendered, not the server's markup: driven through the
# DevTools protocol (cdp.sh), diag-page.js reports after load which elements are visible,
# where, with what text, what a click on each stage reaches; then, from a screenshot of
# the page decoded by Chromium itself, which colour each stage box's outline was painted
# in, how much text ink is inside it, and whether the bracket's bar is painted red where
# its geometry says.  Two controls restyle the page (bracket stroke removed, picture
# hidden) and show those checks then fail.  Chromium's ALPN offer gets HTTP/2: the DevTools
# protocol's Network.responseReceived says protocol h2, and the page (HTML and JSON) says
# HTTP/2.  A path that wants a client certificate, asked for over HTTP/2, gets the stream
# reset with HTTP_1_1_REQUIRED, and Chromium retries over HTTP/1.1 and a renegotiation, as
# Chrome does with IIS.  The screenshot is kept at
# $SB_BUILD/artifacts/diag-two-sites.png, what was reported about it beside it (.facts).  Chromium is installed on first use
# (scripts/install-deps.sh chromium).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cdp.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ "$CHROMIUM" = /usr/bin/chromium ]; then
	need_tool chromium chromium || { finish; exit; }
elif [ ! -x "$CHROMIUM" ]; then
	not_ok "CHROMIUM=$CHROMIUM is a program"; finish; exit
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

# render NAME URL [CSS]: open URL in a fresh headless Chromium (1200x1600), optionally add
# CSS to the page once loaded, and write what diag-page.js reports about its layout and
# its painted pixels to $T/NAME.facts, the screenshot to $T/NAME.png.  0 when all of it
# could be asked; else a failed check says why.
render() {
	local name=$1 url=$2 css=${3:-} shot
	: >"$T/$name.facts"
	if ! cdp_open 1200 1600 --ignore-certificate-errors \
		--host-resolver-rules="MAP sitev1.mysite.com 127.0.0.1, MAP sitev2.mysite.com 127.0.0.1" ||
		! cdp_call Page.navigate "{\"url\":\"$url\"}" ||
		! cdp_eval "$(cat "$SB_ROOT/tests/integration/diag-page.js")" >/dev/null ||
		{ [ -n "$css" ] && ! cdp_eval "(() => { const s = document.createElement('style');
			s.textContent = '$css'; document.head.append(s); return 'styled'; })()" >/dev/null; } ||
		! cdp_eval "sbLayout()" >>"$T/$name.facts" ||
		! cdp_call Page.captureScreenshot '{"format":"png"}'; then
		not_ok "chromium renders $url ($name)" "$CDP_ERROR; $(tail -n 5 "$T/chromium.stderr")"
		cdp_close; return 1
	fi
	shot=${CDP_REPLY#*\"data\":\"}; shot=${shot%%\"*}
	printf '%s' "$shot" | base64 -d >"$T/$name.png"
	if ! cdp_eval "sbPaint('data:image/png;base64,$shot')" >>"$T/$name.facts"; then
		not_ok "chromium decodes its screenshot of $url ($name)" "$CDP_ERROR"
		cdp_close; return 1
	fi
	cdp_close
}
# fact NAME KEY: the value diag-page.js reported for KEY.
fact() { sed -n "s/^$2=//p" "$T/$1.facts" | head -n 1; }
# percent NAME KEY WORD: the number before % after WORD in KEY's value (outline colours).
percent() { fact "$1" "$2" | sed -n "s/.*$3 \([0-9]*\)%.*/\1/p"; }
# at_least NAME GOT MIN: a check that the number GOT is at least MIN.
at_least() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ]; then ok "$1 ($2)"; else not_ok "$1" "got [${2:-none}], want at least $3"; fi
}

URL="https://sitev2.mysite.com:$P/"
render two "$URL" || { finish; exit; }
expect_eq "chromium lays out the diagnostic page" "$(fact two viewport) $(fact two h1)" "1200x1600 sysbind diagnostic page"
expect_eq "... with the decision-path picture visible" "$(fact two svg.visible)" "true"
expect_eq "... marked as having a mismatch" "$(fact two svg.class)" "has-mismatch"
expect_eq "... with seven visible stages, in order" "$(fact two stages)" \
	"stage-accept stage-hello stage-cert stage-handshake stage-host stage-site stage-verdict"
expect_eq "the picture fits the window (its whole box is on screen)" \
	"$(fact two svg.box | awk -F, '{ print ($1 >= 0 && $2 >= 0 && $1 + $3 <= 1200 && $2 + $4 <= 1600 && $3 >= 600 && $4 >= 400) }')" "1"
for s in accept hello cert handshake host site verdict; do
	expect_eq "stage $s: visible, and a click on it reaches it" \
		"$(fact two "stage.$s.visible") $(fact two "stage.$s.hit")" "true stage-$s"
	at_least "... its text is painted (dark pixels in its box)" "$(fact two "stage.$s.ink")" 300
done
expect_contains "the accept stage shows the local IP:Port" "$(fact two stage.accept.text)" "connected to 127.0.0.1:$P"
expect_contains "the ClientHello stage: SNI sitev2 ignored" "$(fact two stage.hello.text)" "SNI sitev2.mysite.com: IGNORED"
expect_eq "... its pills: IP:Port known, SNI ignored, Host unknown" "$(fact two stage.hello.pills)" "ipport:known sni:ignored host:unknown"
expect_contains "the certificate stage names CN=sitev1.mysite.com" "$(fact two stage.cert.text)" " / CN=sitev1.mysite.com / "
expect_contains "... chosen by the wildcard ipport entry" "$(fact two stage.cert.text)" "Certificate chosen by ipport 0.0.0.0:$P"
expect_contains "the Host stage shows sitev2" "$(fact two stage.host.text)" "Host: sitev2.mysite.com:$P"
expect_eq "... with the Host now known" "$(fact two stage.host.pills)" "ipport:known sni:ignored host:known"
expect_contains "the site stage routes to MySite V2" "$(fact two stage.site.text)" "Site: MySite V2 (id 2)"
expect_contains "the verdict stage says name-mismatch" "$(fact two stage.verdict.text)" "Verdict: name-mismatch"
# painted: bad stages outlined in red, the others in green
for s in cert host verdict; do
	at_least "stage $s is painted as bad: its outline is red" "$(percent two "stage.$s.outline" red)" 90
done
for s in accept hello handshake site; do
	at_least "stage $s is painted as fine: its outline is green" "$(percent two "stage.$s.outline" green)" 90
done
expect_eq "the mismatch bracket is visible" "$(fact two mismatch.visible)" "true"
expect_eq "... and joins the certificate stage to the Host stage" "$(fact two mismatch.joins)" "stage-cert to stage-host"
at_least "... its bar is painted red all the way (% of pixel rows)" "$(fact two mismatch.bar_painted | cut -d% -f1)" 95
expect_eq "... and its label says which names differ" "$(fact two mismatch.text)" \
	"&#215; name mismatch: the certificate names sitev1.mysite.com, the client asked for sitev2.mysite.com"
# The fix, one line under the verdict and above the picture: concrete for this binding.
expect_eq "the fix line is laid out above the picture" \
	"$(fact two fix.visible) $(awk -F, -v s="$(fact two svg.box)" 'BEGIN { split(s, v, ",") } { print ($2 + $4 <= v[2]) }' <<<"$(fact two fix.box)")" "true 1"
expect_contains "... it binds a certificate naming sitev2 to the ipport entry that chose" "$(fact two fix.text)" \
	"How to fix: bind a certificate that names sitev2.mysite.com and every other host served there to ipport 0.0.0.0:$P (netsh http update sslcert ipport=0.0.0.0:$P certhash=<thumbprint> appid=<guid>; in sysbind.ini: certificate =, pfx = or certhash = in [sslcert 0.0.0.0:$P])"
expect_contains "... or gives sitev2 an SNI binding" "$(fact two fix.text)" \
	", or add an SNI binding for sitev2.mysite.com (mode = iis8, then netsh http add sslcert hostnameport=sitev2.mysite.com:$P "
at_least "... its text is painted" "$(fact two fix.ink)" 300
# The legend under the picture: every marker, drawn in the colour the picture uses for it.
expect_eq "the legend is laid out under the picture, every item visible, in order" \
	"$(fact two legend.visible) $(awk -F, -v s="$(fact two svg.box)" 'BEGIN { split(s, v, ",") } { print ($2 >= v[2] + v[4]) }' <<<"$(fact two legend.box)") $(fact two legend.items)" \
	"true 1 markers known unknown ignored na bracket bad"
expect_eq "... it names the three markers" "$(fact two legend.markers.text)" \
	"IP:Port, SNI, Host: what can choose, at each moment: the local IP:Port the connection came in on, the host name the ClientHello named (SNI), the request's Host header"
expect_contains "... a known marker: green" "$(fact two legend.known.text) / $(fact two legend.known.paint)" "known: sysbind had it at that moment / green "
expect_contains "... an unknown one: blank" "$(fact two legend.unknown.text) / $(fact two legend.unknown.paint)" "unknown: not received yet (the Host header stays encrypted until the handshake is done) / white "
expect_contains "... an ignored one: yellow" "$(fact two legend.ignored.text) / $(fact two legend.ignored.paint)" "ignored: received, not used to choose the certificate (mode iis7 chooses by IP:Port alone) / yellow "
expect_contains "... not applicable: grey" "$(fact two legend.na.text) / $(fact two legend.na.paint)" "not applicable: plain http has no TLS, so no SNI / grey "
expect_contains "... the red bracket: red, and what it joins" "$(fact two legend.bracket.text) / $(fact two legend.bracket.paint)" \
	"red bracket: joins the certificate sent to the host the client asked for, when the certificate does not name that host (name-mismatch) / "
expect_contains "... the red box" "$(fact two legend.bad.text)" "red box: a moment that went wrong"
for k in bracket bad; do
	expect_contains "... the $k swatch is painted red" "$(fact two legend.$k.paint)" "red "
done

mkdir -p "$SB_BUILD/artifacts"
shot="$SB_BUILD/artifacts/diag-two-sites.png"
cp "$T/two.facts" "${shot%.png}.facts"
if cp "$T/two.png" "$shot" && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] &&
	[ "$(fact two shot.size)" = "1200x1600" ]; then
	ok "a 1200x1600 PNG screenshot is kept at $shot"
else
	not_ok "a 1200x1600 PNG screenshot is kept at $shot" "size $(fact two shot.size)"
fi

# Controls: the same page restyled; the checks above must see the difference.
render nobar "$URL" '#decision-path .mismatch .br{stroke:none} #legend .k-yes rect{fill:none}' || { finish; exit; }
n=$(fact nobar mismatch.bar_painted | cut -d% -f1)
if [ -n "$n" ] && [ "$n" -le 5 ]; then ok "control: with the bracket's stroke removed by CSS, its bar is found unpainted ($n%)"
else not_ok "control: with the bracket's stroke removed by CSS, its bar is found unpainted" "${n:-none}%"; fi
expect_eq "control: with the legend's known swatch unfilled by CSS, it is found painted white, not green" \
	"$(fact nobar legend.known.paint | cut -d' ' -f1)" "white"
render hidden "$URL" '#decision-path{visibility:hidden}' || { finish; exit; }
expect_eq "control: with the picture hidden by CSS, no stage is visible" "$(fact hidden svg.visible)|$(fact hidden stages)" "false|"
expect_eq "... no stage text is painted, no outline, no red" \
	"$(fact hidden stage.cert.ink) $(fact hidden stage.cert.outline) $(fact hidden svg.red_pixels)" "0 red 0% green 0% 0"

# A matching visit (sitev1) draws no mismatch: no bracket, nothing painted red.
render v1 "https://sitev1.mysite.com:$P/" || { finish; exit; }
expect_eq "sitev1's page draws the picture too, every stage visible" "$(fact v1 svg.visible) $(fact v1 stages)" \
	"true stage-accept stage-hello stage-cert stage-handshake stage-host stage-site stage-verdict"
expect_eq "... with no mismatch" "$(fact v1 svg.class)" "no-mismatch"
expect_eq "... no mismatch bracket" "$(fact v1 mismatch.present)" "false"
expect_eq "... and no red painted anywhere in the picture" "$(fact v1 svg.red_pixels)" "0"
expect_contains "... its verdict stage says ok" "$(fact v1 stage.verdict.text)" "Verdict: ok"
expect_eq "... and its fix line says none is needed" "$(fact v1 fix.visible) $(fact v1 fix.text)" \
	"true How to fix: none needed: a client accepts this certificate"
at_least "... outlined in green" "$(percent v1 stage.verdict.outline green)" 90

# HTTP/2: Chromium's ALPN offer gets h2 (DevTools' Network.responseReceived says which
# protocol carried the page), and the page itself says HTTP/2, in its HTML and its JSON.
CDP_EVENTS="$T/cdp.events"; : >"$CDP_EVENTS"
# protocol: the response's protocol in a Network.responseReceived event: its own field comes
# first, before its securityDetails' ("TLS 1.3")
protocol() { grep -o '"protocol":"[^"]*"' | head -n 1 | cut -d'"' -f4; }
h2js="(async () => {
	if (document.readyState !== 'complete')
		await new Promise(r => addEventListener('load', r, { once: true }));
	const li = [...document.querySelectorAll('li')].find(e => /Handshake complete/.test(e.innerText));
	const j = await (await fetch(location.href, { headers: { Accept: 'application/json' } })).json();
	return 'html=' + (li ? li.innerText.replace(/\\s+/g, ' ').trim() : 'none') + '\\njson=' + j.http_version +
	    '\\nfix=' + j.fix;
})()"
if cdp_open 1200 1600 --ignore-certificate-errors --host-resolver-rules="MAP sitev2.mysite.com 127.0.0.1" &&
	cdp_call Network.enable '{}' && cdp_call Page.navigate "{\"url\":\"$URL\"}" &&
	cdp_eval "$h2js" >"$T/h2.facts"; then
	cdp_close
	doc=$(grep '"method":"Network.responseReceived"' "$CDP_EVENTS" | grep '"type":"Document"' |
		grep -F "\"url\":\"$URL\"" | head -n 1)
	expect_eq "Chromium got the page over HTTP/2 (Network.responseReceived: protocol h2)" \
		"$(protocol <<<"$doc")" "h2"
	expect_contains "... the page, as Chromium rendered it, says HTTP/2 came after the handshake" \
		"$(sed -n 's/^html=//p' "$T/h2.facts")" ", then HTTP/2. Only now can the request be decrypted."
	expect_eq "... and its JSON, fetched by the page, says http_version HTTP/2" \
		"$(sed -n 's/^json=//p' "$T/h2.facts")" "HTTP/2"
	expect_eq "... and the fix the HTML shows, as \"fix\"" "$(sed -n 's/^fix=//p' "$T/h2.facts")" \
		"$(fact two fix.text | sed 's/^How to fix: //')"
	fetched=$(grep '"method":"Network.responseReceived"' "$CDP_EVENTS" | grep '"type":"Fetch"' | head -n 1)
	expect_eq "... over HTTP/2 too" "$(protocol <<<"$fetched")" "h2"
else
	not_ok "chromium loads $URL with the Network domain enabled" "$CDP_ERROR; $(tail -n 5 "$T/chromium.stderr")"
	cdp_close
fi
CDP_EVENTS=""

# Plain http: accept, request, site; no TLS stages, SNI not applicable.
render http "http://sitev2.mysite.com:$H/" || { finish; exit; }
expect_eq "the http page draws the accept, request and site stages only" "$(fact http stages)" \
	"stage-accept stage-host stage-site"
expect_contains "... the request stage shows the Host read in clear" "$(fact http stage.host.text)" "Host: sitev2.mysite.com:$H"
expect_eq "... SNI shown as not applicable" "$(fact http stage.host.pills)" "ipport:known sni:n/a host:known"

# The second chicken-and-egg: a path that wants a client certificate, asked for by a
# renegotiation once the URL was read.  curl (TLS 1.2, with the demo client certificate)
# fetches the page the server draws; Chromium renders that page from the file.
Q=$(free_port)
cat >"$T/second.ini" <<EOF
[server]
mode = iis8
trust = $SB_CERTS/ca.pem
access_log = off

[sslcert 127.0.0.1:$Q]
certificate = $SB_CERTS/localhost.pem
key = $SB_CERTS/localhost.key

[site Secure]
id = 3
bindings = https/*:$Q:

[location Secure/secure]
ssl_flags = Ssl, SslNegotiateCert, SslRequireCert
EOF
sb_start "$T/second.ini" "$Q" sysbind-second || { finish; exit; }
curl -sS --cacert "$SB_CERTS/ca.pem" --tls-max 1.2 --http1.1 --cert "$SB_CERTS/client.pem" \
	--key "$SB_CERTS/client.key" --resolve "localhost:$Q:127.0.0.1" -o "$T/second.html" \
	"https://localhost:$Q/secure/" || not_ok "curl fetches the page with its client certificate"
render second "file://$T/second.html" || { finish; exit; }
expect_eq "a client certificate asked for: the picture gains a stage between site and verdict" \
	"$(fact second stages)" \
	"stage-accept stage-hello stage-cert stage-handshake stage-host stage-site stage-clientcert stage-verdict"
expect_eq "... visible, and a click on it reaches it" \
	"$(fact second stage.clientcert.visible) $(fact second stage.clientcert.hit)" "true stage-clientcert"
at_least "... its text is painted" "$(fact second stage.clientcert.ink)" 300
expect_contains "... it is the second round, a renegotiation" "$(fact second stage.clientcert.text)" \
	"Second round: renegotiation asks for a client certificate"
expect_contains "... of the path's location and flags" "$(fact second stage.clientcert.text)" \
	"[location Secure/secure] wants Ssl, SslNegotiateCert, SslRequireCert"
expect_contains "... and the certificate the client sent" "$(fact second stage.clientcert.text)" \
	"the client sent CN=client.alice (ok)"
expect_eq "... everything known by then: IP:Port, SNI, Host" "$(fact second stage.clientcert.pills)" \
	"ipport:known sni:ignored host:known"
expect_eq "... and the timeline's client-certificate step says what TLS 1.3 and HTTP/2 clients need" \
	"$(fact second cc-fix.visible) $(fact second cc-fix.text)" \
	"true For TLS 1.3 and HTTP/2 clients, which cannot be asked by a renegotiation: clientcertnegotiation = enable in [sslcert 127.0.0.1:$Q] (the first handshake asks for the certificate, so TLS 1.3 and HTTP/2 clients send it), or disabletls13 = enable there (TLS 1.2 renegotiates; HTTP/2 browsers retry over HTTP/1.1)"
# HTTP/2 meets the second chicken-and-egg, as Chrome meets IIS: a path that wants a client
# certificate, asked for over HTTP/2.  The stream is reset with HTTP_1_1_REQUIRED; Chromium
# retries over HTTP/1.1 on a new connection (TLS 1.2: the binding has disabletls13, else
# Server 2022 would reset it), the renegotiation asks, headless Chromium has no certificate
# to send, and the path only negotiates one (SslNegotiateCert): served without it.
R=$(free_port)
cat >"$T/fallback.ini" <<EOF
[server]
mode = iis8
trust = $SB_CERTS/ca.pem
access_log = $T/fallback-w3c.log
httperr_log = $T/fallback-httperr.log

[sslcert 127.0.0.1:$R]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key
disabletls13 = enable

[site Secure]
id = 3
bindings = https/*:$R:

[location Secure/secure]
ssl_flags = Ssl, SslNegotiateCert
EOF
sb_start "$T/fallback.ini" "$R" sysbind-fallback || { finish; exit; }
FURL="https://sitev1.mysite.com:$R/secure/"
CDP_EVENTS="$T/fallback.events"; : >"$CDP_EVENTS"
fbjs="(async () => {
	if (document.readyState !== 'complete')
		await new Promise(r => addEventListener('load', r, { once: true }));
	const li = document.getElementById('clientcert');
	return li ? li.innerText.replace(/\\s+/g, ' ').replace(/\\x22/g, '|').trim() : 'none';
})()"
if cdp_open 1200 1600 --ignore-certificate-errors --host-resolver-rules="MAP sitev1.mysite.com 127.0.0.1" &&
	cdp_call Network.enable '{}' && cdp_call Page.navigate "{\"url\":\"$FURL\"}" &&
	cdp_eval "$fbjs" >"$T/fallback.text"; then
	cdp_close
	doc=$(grep '"method":"Network.responseReceived"' "$CDP_EVENTS" | grep '"type":"Document"' |
		grep -F "\"url\":\"$FURL\"" | head -n 1)
	expect_contains "HTTPERR: Chromium's HTTP/2 stream was reset with HTTP_1_1_REQUIRED" \
		"$(tail -n 1 "$T/fallback-httperr.log")" " HTTP/2 GET /secure/ 1 - 3 HTTP_1_1_Required Secure"
	expect_eq "... Chromium retried and got the page over HTTP/1.1 (Network.responseReceived)" \
		"$(protocol <<<"$doc")" "http/1.1"
	expect_eq "... with status 200" "$(grep -o '"status":[0-9]*' <<<"$doc" | head -n 1)" '"status":200'
	expect_contains "... over TLS 1.2" "$doc" '"protocol":"TLS 1.2"'
	expect_eq "W3C: the retry, HTTP/1.1 200 0 0, from HeadlessChrome" \
		"$(tail -n 1 "$T/fallback-w3c.log" | awk '{ print $10, $13, $14, $15, ($11 ~ /HeadlessChrome/) }')" "HTTP/1.1 200 0 0 1"
	expect_contains "the page Chromium rendered: a renegotiation asked, Chromium sent none" \
		"$(cat "$T/fallback.text")" "so a second handshake inside the connection (a TLS renegotiation) asked for it. The client sent none."
	expect_contains "... and the path, which only negotiates one, is served without it" \
		"$(cat "$T/fallback.text")" "and the client sent none when the renegotiation asked: served without one"
else
	not_ok "chromium loads $FURL with the Network domain enabled" "$CDP_ERROR; $(tail -n 5 "$T/chromium.stderr")"
	cdp_close
fi
CDP_EVENTS=""
finish
