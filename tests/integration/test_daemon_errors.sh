#!/usr/bin/env bash
# What HTTP.SYS answers itself and what the proxy answers when a backend
# fails: Invalid Hostname byte for byte and then close, over http and
# https; 400 without Host; Request Too Long; 414; 503 for a stopped site; 503 for a
# refused backend, 504 for a slow one, 502 for a broken one; the HTTPERR log.
. "$(dirname "$0")/lib.sh"

P=$(free_port); H=$(free_port); B=$(free_port); DEAD=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/err.ini" <<EOF2
[server]
mode = iis7
access_log = $T/access.log
httperr_log = $T/httperr.log
backend_timeout = 1
max_url_length = 1024
trace = on

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site App]
id = 1
bindings = https/*:$P:app.test, http/*:$H:app.test
backend = http://127.0.0.1:$B

[site Dead]
id = 2
bindings = https/*:$P:dead.test, http/*:$H:dead.test
backend = http://127.0.0.1:$DEAD

[site Stopped]
id = 3
bindings = http/*:$H:stopped.test
state = stopped
EOF2
sb_start "$T/err.ini" "$P" || { finish; exit; }
wait_port "$H"

printf 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=us-ascii\r\nServer: Microsoft-HTTPAPI/2.0\r\nDate: X\r\nConnection: close\r\nContent-Length: 334\r\n\r\n<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n<BODY><h2>Bad Request - Invalid Hostname</h2>\r\n<hr><p>HTTP Error 400. The request hostname is invalid.</p>\r\n</BODY></HTML>\r\n' >"$T/want"

# raw_http returns only once the server closes: that it returns at all is the close.
raw_http "$H" 'GET / HTTP/1.1\r\nHost: nomatch.test\r\n\r\n' | no_date >"$T/got"; rc=${PIPESTATUS[0]}
expect_eq "http: no matching host gets Invalid Hostname byte for byte" "$(cmp "$T/want" "$T/got" && echo same)" "same"
expect_eq "... and the connection is closed (keep-alive asked or not)" "$rc" "0"
raw_https "$P" nomatch.test 'GET / HTTP/1.1\r\nHost: nomatch.test\r\n\r\n' | no_date >"$T/got"
expect_eq "https: no matching host gets Invalid Hostname byte for byte" "$(cmp "$T/want" "$T/got" && echo same)" "same"
raw_http "$H" 'GET / HTTP/1.1\r\nHost: app.test\r\n\r\nGET / HTTP/1.1\r\nHost: nomatch.test\r\n\r\nGET /status/201 HTTP/1.1\r\nHost: app.test\r\n\r\n' >"$T/got"
expect_eq "pipelined: answered in order, nothing after the Invalid Hostname" \
	"$(grep -a '^HTTP/1.1' "$T/got" | tr -d '\r' | tr '\n' '|')" "HTTP/1.1 200 OK|HTTP/1.1 400 Bad Request|"

out=$(raw_http "$H" 'GET / HTTP/1.1\r\n\r\n')
expect_contains "HTTP/1.1 without Host: 400" "$out" "HTTP/1.1 400 Bad Request"
out=$(raw_http "$H" 'GET / HTTP/1.0\r\n\r\n')
expect_contains "HTTP/1.0 without Host matches no host binding: Invalid Hostname" "$out" "Invalid Hostname"
long=$(head -c 17000 /dev/zero | tr '\0' a)
out=$(raw_http "$H" "GET / HTTP/1.1\r\nHost: app.test\r\nX-Long: $long\r\n\r\n")
expect_contains "a header over the limits: Request Too Long" "$out" "Bad Request - Request Too Long"
url=$(head -c 2000 /dev/zero | tr '\0' b)
out=$(raw_http "$H" "GET /$url HTTP/1.1\r\nHost: app.test\r\n\r\n")
expect_contains "a URL over max_url_length: 414" "$out" "HTTP/1.1 414"
out=$(raw_http "$H" 'GET / HTTP/1.1\r\nHost: app.test\r\nX-Fold: a\r\n b\r\n\r\n')
expect_contains "obs-fold: 400" "$out" "HTTP/1.1 400 Bad Request"
out=$(raw_http "$H" 'GET / HTTP/1.1\r\nHost: stopped.test\r\n\r\n')
expect_contains "a stopped site: 503 Service Unavailable" "$out" "HTTP/1.1 503 Service Unavailable"
expect_contains "... HTTP.SYS's page" "$out" "HTTP Error 503. The service is unavailable."

R=(--resolve "app.test:$P:127.0.0.1" --resolve "dead.test:$P:127.0.0.1")
code=$(curl -sk "${R[@]}" -o "$T/body" -w '%{http_code}' "https://dead.test:$P/")
expect_eq "backend refused: 503" "$code" "503"
expect_contains "... with HTTP.SYS's 503 page" "$(cat "$T/body")" "HTTP Error 503."
code=$(curl -sk "${R[@]}" -o /dev/null -w '%{http_code}' "https://app.test:$P/slow/3000")
expect_eq "backend slower than backend_timeout: 504" "$code" "504"
code=$(curl -sk "${R[@]}" -o /dev/null -w '%{http_code}' "https://app.test:$P/bad")
expect_eq "backend sends an invalid response: 502" "$code" "502"
code=$(curl -sk "${R[@]}" -o /dev/null -w '%{http_code}' "https://app.test:$P/reset")
expect_eq "backend resets before answering: 502" "$code" "502"
code=$(curl -sk "${R[@]}" -o /dev/null -w '%{http_code}' "https://app.test:$P/status/200")
expect_eq "the daemon serves on after all that" "$code" "200"

expect_log "HTTPERR log header" "$T/httperr.log" "#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename"
expect_log "HTTPERR records Invalid Hostname" "$T/httperr.log" "127.0.0.1 $H HTTP/1.1 GET / - 400 - Hostname -"
expect_log "HTTPERR records the stopped site" "$T/httperr.log" "GET / - 503 3 Disabled Stopped"
expect_log "HTTPERR records the request too long" "$T/httperr.log" " 400 - RequestLength -"
sb_stop >"$T/stop.rc"
expect_eq "exit status 0 after SIGTERM" "$(cat "$T/stop.rc")" "0"
finish
