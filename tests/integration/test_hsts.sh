#!/usr/bin/env bash
# IIS 10 (1709) native HSTS (issue 24 item 1): Strict-Transport-Security on a site's https
# answers (a backend's 200 and the diagnostic page, over HTTP/1.1 and HTTP/2), never on
# HTTP.SYS's own 400 Invalid Hostname page; redirectHttpToHttps's 301 with an empty body and
# the port dropped, logged in W3C as IIS logs it (no HTTPERR line).
. "$(dirname "$0")/lib.sh"

P=$(free_port); H=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/hsts.ini" <<EOF2
[server]
mode = iis7
access_log = $T/w3c.log
httperr_log = $T/httperr.log

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/both.pem
key = $SB_CERTS/both.key

[site App]
id = 1
bindings = https/*:$P:app.mysite.com, http/*:$H:app.mysite.com
backend = http://127.0.0.1:$B
hsts = on
hsts_max_age = 31536000
hsts_include_subdomains = on
hsts_preload = on
hsts_redirect_http = on

[site Diag]
id = 2
bindings = https/*:$P:sitev2.mysite.com, http/*:$H:sitev2.mysite.com
hsts = on
hsts_max_age = 600
EOF2
sb_start "$T/hsts.ini" "$P" || { finish; exit; }
wait_port "$H" || not_ok "http port $H opens"
R=(--resolve "app.mysite.com:$P:127.0.0.1" --resolve "app.mysite.com:$H:127.0.0.1"
   --resolve "sitev2.mysite.com:$P:127.0.0.1" --resolve "sitev2.mysite.com:$H:127.0.0.1")
STS="max-age=31536000; includeSubDomains; preload"

# sts_of ARGS...: "STATUS|the Strict-Transport-Security values, one per field, ;-joined"
sts_of() {
	local hdr code
	hdr=$(curl -sSk "${R[@]}" -D - -o /dev/null "$@" | tr -d '\r')
	code=$(printf '%s\n' "$hdr" | awk 'NR==1{print $2}')
	printf '%s|%s' "$code" "$(printf '%s\n' "$hdr" | sed -n 's/^[Ss]trict-[Tt]ransport-[Ss]ecurity: //p' | paste -sd';' -)"
}

for v in --http1.1 --http2; do
	expect_eq "$v: a backend's 200 over https carries the site's field, once" \
		"$(sts_of "$v" "https://app.mysite.com:$P/status/200")" "200|$STS"
	expect_eq "$v: a backend's 404 carries it too" \
		"$(sts_of "$v" "https://app.mysite.com:$P/status/404")" "404|$STS"
	expect_eq "$v: the diagnostic page over https carries its site's field" \
		"$(sts_of "$v" "https://sitev2.mysite.com:$P/")" "200|max-age=600"
	expect_eq "$v: HTTP.SYS's 400 Invalid Hostname page carries none" \
		"$(sts_of "$v" -H "Host: nobody.example:$P" "https://app.mysite.com:$P/")" "400|"
done
expect_eq "the diagnostic page over http carries none (RFC 6797 §7.2)" \
	"$(sts_of "http://sitev2.mysite.com:$H/")" "200|"
got=$(curl -sS "${R[@]}" -H 'Accept: application/json' "https://sitev2.mysite.com:$P/" -k | tr -d '\n ' |
	grep -o '"hsts":{[^}]*}')
expect_eq "the diagnostic page's JSON names the policy" "$got" \
	'"hsts":{"strict_transport_security":"max-age=600","redirect_http":false}'

# --- redirectHttpToHttps: 301, empty body, the port dropped
log_mark "$T/w3c.log"; log_mark "$T/httperr.log"
out=$(curl -sS "${R[@]}" -o "$T/body" -D "$T/head" -w '%{http_code} %{size_download} %{redirect_url}' \
	"http://app.mysite.com:$H/path/a%20b?q=1&r=2")
expect_eq "http://host:PORT/path?q is answered 301 to https://host/path?q, empty body" "$out" \
	"301 0 https://app.mysite.com/path/a%20b?q=1&r=2"
expect_eq "... with Content-Length: 0 and no Strict-Transport-Security over http" \
	"$(tr -d '\r' <"$T/head" | grep -ci -e '^content-length: 0$' -e '^strict-transport-security:')" "1"
line=$(log_next "$T/w3c.log")
expect_eq "... logged in W3C as IIS's 301 (method, stem, query, port, status, site)" \
	"$(echo "$line" | awk '{print $4, $5, $6, $7, $13, $14, $15, $17}')" \
	"GET /path/a%20b q=1&r=2 $H 301 0 0 App"
if _next_record "$T/httperr.log" "${_marks[$T/httperr.log]:-0}" >/dev/null; then
	not_ok "... and no HTTPERR line (it is IIS's answer, not HTTP.SYS's)" "$(tail -n 1 "$T/httperr.log")"
else
	ok "... and no HTTPERR line (it is IIS's answer, not HTTP.SYS's)"
fi
out=$(curl -sS "${R[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: [::1]:$H" \
	"http://127.0.0.1:$H/x")
expect_eq "a request for a host no binding names is HTTP.SYS's 400, not redirected" "${out%% *}" "400"
out=$(curl -sS "${R[@]}" -o /dev/null -w '%{http_code}' "http://sitev2.mysite.com:$H/")
expect_eq "a site without hsts_redirect_http answers http as before" "$out" "200"
# following it lands on port 443, where nothing of this test listens: the trap check names
out=$("$SB_BIN" check -c "$T/hsts.ini" 2>/dev/null | grep -c "hsts_redirect_http: http://app.mysite.com:$H/ is redirected to https://app.mysite.com/ (port 443), where this site has no binding (its https port: $P)")
expect_eq "check names the port trap of the http binding" "$out" "1"

finish
