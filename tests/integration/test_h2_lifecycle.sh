#!/usr/bin/env bash
# The life of HTTP/2 streams and connections (issue 19), as real clients see it: curl
# --http2, h2load (nghttp2-client) and tests/tools/h2attack.py (python3-h2) where a client
# must hold a connection across a reload or SIGTERM, end its own side, or pack many TLS
# records in one write.  What a user sees, counted exactly: statuses, bodies, curl's exit
# status, h2load's totals, GOAWAY frames and their codes, how many connections the backend
# accepted, the W3C lines' sc-status and sc-win32-status.
#   1. responses without a body (204, 304, HEAD) end their stream, and the backend
#      connection goes back to the pool: 4 of them on one client connection, 1 backend
#      connection; 600 in a row, no GOAWAY;
#   2. a dead backend: 1000 streams in a row, each answered 503, none cut;
#   3. an answer before the request's body ended (a 503, the diagnostic page, a
#      backend's early 403 to a 1 MiB upload) reaches the client whole;
#   4. a reload: the connections of the old configuration are told (GOAWAY NO_ERROR on
#      HTTP/2, Connection: close on HTTP/1.1) and in-flight streams finish;
#   5. the idle timer and SIGTERM say GOAWAY (NO_ERROR) before they close;
#   6. a client that ends its side (close_notify, FIN) still gets its in-flight answer;
#   7. 40 requests in 40 TLS records of one TCP write: 40 answers.
# (4 and 5 come last: the reload changes the configuration, SIGTERM ends the daemon.)
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOL="$SB_ROOT/tests/tools/h2attack.py"
need_tool h2load nghttp2-client || { finish; exit; }
if ! curl -V | grep -qw HTTP2; then not_ok "this curl speaks HTTP/2" "$(curl -V | head -n 1)"; finish; exit; fi
need_python_h2 || { finish; exit; }

P=$(free_port); P2=$(free_port)
B204=$(free_port); B304=$(free_port); BHEAD=$(free_port); BAPP=$(free_port); BREL=$(free_port)
DEAD=$(free_port)   # nothing listens there: connections to it are refused
# one backend per site of check 1, so that each one's count of accepted connections is
# that check's alone
be_start "$B204" b204 && be_start "$B304" b304 && be_start "$BHEAD" bhead &&
	be_start "$BAPP" app && be_start "$BREL" rel || { finish; exit; }

# conf RELOAD-STATE: the daemon's configuration; the site "Reload" started or stopped
conf() {
	cat <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

[site S204]
id = 1
bindings = https/*:$P:s204.mysite.com
backend = http://127.0.0.1:$B204

[site S304]
id = 2
bindings = https/*:$P:s304.mysite.com
backend = http://127.0.0.1:$B304

[site Head]
id = 3
bindings = https/*:$P:head.mysite.com
backend = http://127.0.0.1:$BHEAD

[site App]
id = 4
bindings = https/*:$P:app.mysite.com
backend = http://127.0.0.1:$BAPP

[site Dead]
id = 5
bindings = https/*:$P:dead.mysite.com
backend = http://127.0.0.1:$DEAD
; every request tries the dead backend (with IIS's rapid-fail protection the 5th failure
; would stop the pool: test_apppool.sh tests that)
rapid_fail = off

[site Diag]
id = 6
bindings = https/*:$P:diag.mysite.com

[site Stopped]
id = 7
bindings = https/*:$P:stopped.mysite.com
backend = http://127.0.0.1:$BAPP
state = stopped

[site Reload]
id = 8
bindings = https/*:$P:reload.mysite.com
backend = http://127.0.0.1:$BREL
state = $1
EOF2
}
conf started >"$T/sb.ini"
sb_start "$T/sb.ini" "$P" || { finish; exit; }
R=(--max-time 30 --cacert "$SB_CERTS/ca.pem")
for h in s204 s304 head app dead diag stopped reload; do R+=(--resolve "$h.mysite.com:$P:127.0.0.1"); done
u() { echo "https://$1.mysite.com:$P$2"; }   # HOST PATH

# w3c_new FILE: the records FILE gained since log_mark FILE; w3c_has FILE N: at least N
w3c_new() { sed -n "$(( ${_marks[$1]:-0} + 1 )),\$p" "$1" 2>/dev/null | grep -v '^#'; }
w3c_has() { [ "$(w3c_new "$1" | wc -l)" -ge "$2" ]; }
# w3c_summary N: once the access log has N new records, "COUNT x METHOD VERSION STATUS
# WIN32" for each kind of them
w3c_summary() {
	wait_for -t 10 w3c_has "$T/access.log" "$1"
	w3c_new "$T/access.log" | awk '{ n[$4 " " $10 " " $13 " " $15]++ }
		END { for (k in n) print n[k] " x " k }' | sort
}
field() { sed -n "s/^$1=//p" <<<"$2"; }   # KEY OUTPUT: h2attack's value of KEY

# ---- 1. 204, 304 and HEAD: the response ends the stream; the backend connection is reused
bodiless() {   # NAME HOST PATH STATUS CURL-ARGS...: four of them on one client connection
	local name=$1 host=$2 path=$3 st=$4 port=$5 out before
	shift 5
	log_mark "$T/access.log"
	before=$(be_accepted "$port")   # counts itself
	out=$(curl -sS --http2 "${R[@]}" "$@" -w '%{http_code} %{num_connects}\n' \
		-o /dev/null -o /dev/null -o /dev/null -o /dev/null \
		"$(u "$host" "$path?1")" "$(u "$host" "$path?2")" "$(u "$host" "$path?3")" "$(u "$host" "$path?4")" 2>&1)
	expect_eq "$name over HTTP/2, four on one connection: four $st" \
		"$(awk '{ n += $2; s = s $1 " " } END { print n " connection, " s }' <<<"$out")" \
		"1 connection, $st $st $st $st "
	expect_eq "... the backend accepted ONE connection for them (each went back to the pool)" \
		"$(( $(be_accepted "$port") - before - 1 ))" "1"
	expect_eq "... W3C: four lines, $st, sc-win32-status 0" "$(w3c_summary 4)" "4 x ${name%% *} HTTP/2 $st 0"
}
bodiless "GET of a 204" s204 /status/204 204 "$B204"
bodiless "GET of a 304" s304 /status/304 304 "$B304"
bodiless "HEAD of a 200" head /status/200 200 "$BHEAD" -I

log_mark "$T/httperr.log"
out=$(timeout 60 h2load -n 600 -c 1 -m 1 -H ":authority: s204.mysite.com:$P" "https://127.0.0.1:$P/status/204?h2load" 2>&1)
expect_contains "h2load: 600 requests for a 204, one at a time on one connection: all succeed" "$out" \
	"requests: 600 total, 600 started, 600 done, 600 succeeded, 0 failed, 0 errored, 0 timeout"
expect_contains "... all 2xx" "$out" "status codes: 600 2xx, 0 3xx, 0 4xx, 0 5xx"
expect_eq "... no HTTPERR line (no GOAWAY, no H2_RapidReset)" "$(w3c_new "$T/httperr.log" | cut -d' ' -f7-)" ""

# ---- 2. a dead backend (a closed port): every stream gets its 503, none is cut
log_mark "$T/access.log"
out=$(curl -sS --http1.1 "${R[@]}" -o /dev/null -w '%{http_code}' "$(u dead /dead?h1)" 2>&1)
expect_eq "HTTP/1.1 to a site whose backend refuses connections: 503" "$out" "503"
h1=$(w3c_summary 1)
expect_eq "... W3C: 503, sc-win32-status 1225 (ERROR_CONNECTION_REFUSED)" "$h1" "1 x GET HTTP/1.1 503 1225"
log_mark "$T/access.log"
out=$(timeout 60 h2load -n 1000 -c 1 -m 1 -H ":authority: dead.mysite.com:$P" "https://127.0.0.1:$P/dead?h2load" 2>&1)
expect_contains "h2load: 1000 requests to it, one at a time on one connection: 1000 answered, none errored" "$out" \
	"requests: 1000 total, 1000 started, 1000 done, 0 succeeded, 1000 failed, 0 errored, 0 timeout"
expect_contains "... all 503" "$out" "status codes: 0 2xx, 0 3xx, 0 4xx, 1000 5xx"
expect_eq "... W3C: 1000 lines, 503 with HTTP/1.1's sc-win32-status" "$(w3c_summary 1000)" "1000 x GET HTTP/2 503 ${h1##* }"

# ---- 3. answers that come before the request's body ended
curl -sS --http1.1 "${R[@]}" -o "$T/stopped-get" "$(u stopped /get)"
out=$(curl -sS --http2 "${R[@]}" -d x -o "$T/stopped-post" -w '%{http_code}' "$(u stopped /post)" 2>&1; echo " exit $?")
expect_eq "a POST over HTTP/2 to a stopped site: 503, curl exits 0" "$out" "503 exit 0"
if cmp -s "$T/stopped-get" "$T/stopped-post"; then ok "... with HTTP.SYS's whole 503 page"
else not_ok "... with HTTP.SYS's whole 503 page" "$(head -c 300 "$T/stopped-post")"; fi
out=$(curl -sS --http2 "${R[@]}" -d x -o "$T/diag-post" -w '%{http_code}' "$(u diag /post)" 2>&1; echo " exit $?")
expect_eq "a POST over HTTP/2 to a site without a backend: the diagnostic page's 200, curl exits 0" "$out" "200 exit 0"
expect_eq "... the whole page (it ends with </html>)" "$(tail -n 1 "$T/diag-post")" "</body></html>"
# the backend answers 403 (Connection: close) on the request's head, then reads and drops
# the body until sysbind closes: a refusal done well, that no reset can overtake
head -c 1048576 /dev/urandom >"$T/1m"
out=$(curl -sS --http1.1 "${R[@]}" --data-binary @"$T/1m" -w '%{http_code}' "$(u app /fault/early-403-close)" 2>&1; echo " exit $?")
expect_eq "HTTP/1.1: a 1 MiB upload the backend refuses (403) before reading it: curl gets the 403 and its body, exits 0" \
	"$out" "forbidden
403 exit 0"
# HTTP/2: the 403 ends the stream, then RST_STREAM(NO_ERROR), in a TLS record of its own,
# asks the client to stop sending (RFC 9113 8.1): curl (7.88 loses the response when the
# reset shares its record) and nghttp, which shows the frames
out=$(curl -sS --http2 "${R[@]}" --data-binary @"$T/1m" -w '%{http_code}' "$(u app /fault/early-403-close)" 2>&1; echo " exit $?")
expect_eq "HTTP/2: a 1 MiB upload the backend refuses (403) before reading it: curl gets the 403 and its body, exits 0" \
	"$out" "forbidden
403 exit 0"
out=$(timeout 20 nghttp -v --no-dep -H ":authority: app.mysite.com:$P" -d "$T/1m" "https://127.0.0.1:$P/fault/early-403-close" 2>&1)
# (when the whole upload got in before the 403 came out, the stream ends without one)
rst=$(grep -A1 'recv RST_STREAM' <<<"$out" | grep -oE 'error_code=[A-Z_]+')
expect_eq "HTTP/2: a 1 MiB upload the backend refuses (403) before reading it: nghttp gets the 403 and its body, then RST_STREAM NO_ERROR or none" \
	"$(grep -cE '^forbidden$' <<<"$out") $(grep -oE ':status: [0-9]+' <<<"$out") ${rst:-error_code=NO_ERROR}" \
	"1 :status: 403 error_code=NO_ERROR"

# ---- 6. the client's FIN: the answer to its in-flight stream still comes
out=$(timeout 30 "$PY" "$TOOL" half-close --port "$P" --sni app.mysite.com --path /slow/1000 2>&1)
expect_eq "a request, then close_notify and FIN (TLS 1.3): its answer still comes, whole" \
	"$(field tls "$out") $(field first "$out") ended=$(field first_ended "$out")" "TLSv1.3 200 ended=1"

# ---- 7. many TLS records in one TCP write
out=$(timeout 30 "$PY" "$TOOL" records --port "$P" --sni app.mysite.com --count 40 --path /slow/5000 --wait 8 2>&1)
expect_eq "40 requests (each HEADERS frame its own TLS record, all in one write) to a backend answering in 5 s: 40 answers within 8 s" \
	"$(field responses "$out") $(field status "$out")" "40 200:40"

# ---- 4. reload: the old configuration's connections are told to go
# HTTP/2: a stream in flight (the backend answers in 4 s) across a reload that stops its
# site; after the GOAWAY the client tries one more stream on the old connection
base=$(be_requests "$BREL")
timeout 60 "$PY" "$TOOL" hold --port "$P" --sni reload.mysite.com --path /slow/4000 --then /status/200?after \
	>"$T/hold-reload.out" 2>&1 &
HOLD=$!; _pids+=("$HOLD")
# HTTP/1.1: a kept-alive connection answered once before the reload, asking again after
timeout 60 "$PY" "$TOOL" h1-keepalive --port "$P" --sni reload.mysite.com --path /status/200?before \
	--then /status/200?after --release "$T/h1-release" >"$T/h1-reload.out" 2>&1 &
H1=$!; _pids+=("$H1")
if wait_log "$T/hold-reload.out" inflight && wait_log "$T/h1-reload.out" ready &&
	be_wait_requests "$BREL" "$base" 2; then
	conf stopped >"$T/sb.ini"
	kill -HUP "$SB_PID"
	expect_log "the reload (site Reload stopped) is logged" "$T/sysbind.log" "reloaded: generation 2 serving new connections"
	touch "$T/h1-release"
	wait "$HOLD"; wait "$H1"
	out=$(cat "$T/hold-reload.out")
	expect_eq "HTTP/2 across the reload: the server sends GOAWAY NO_ERROR while the stream is in flight, last stream 1" \
		"$(field goaway "$out") last=$(field goaway_last_stream "$out") in-flight=$(field goaway_before_first_end "$out")" \
		"NO_ERROR last=1 in-flight=1"
	expect_eq "... the in-flight stream completes (200, END_STREAM)" \
		"$(field first "$out") ended=$(field first_ended "$out")" "200 ended=1"
	case "$(field then "$out")" in
	none | rst:REFUSED_STREAM) ok "... a stream opened after the GOAWAY is not served by the old configuration ($(field then "$out"))" ;;
	*) not_ok "... a stream opened after the GOAWAY is not served by the old configuration" "it got $(field then "$out")" ;;
	esac
	expect_eq "... then the server closes the connection" "$(field closed "$out")" "1"
	out=$(curl -sS --http2 "${R[@]}" -o /dev/null -w '%{http_code}' "$(u reload /status/200?fresh)" 2>&1)
	expect_eq "... a new connection gets the new configuration: 503 (the site is stopped)" "$out" "503"
	out=$(cat "$T/h1-reload.out")
	expect_eq "HTTP/1.1: the answer before the reload keeps the connection" \
		"$(field first_status "$out") $(field first_connection "$out")" "200 -"
	expect_eq "... its next answer, after the reload, says Connection: close (its own configuration's), and the server closes" \
		"$(field then_status "$out") $(field then_connection "$out") closed=$(field closed "$out")" "200 close closed=1"
else
	not_ok "connections held across a reload are ready" "$(cat "$T/hold-reload.out" "$T/h1-reload.out")"
fi

# ---- 5. the idle timer says GOAWAY before it closes
cat >"$T/idle.ini" <<EOF2
[server]
access_log = off
httperr_log = $T/httperr-idle.log
idle_connection_timeout = 2

[sslcert 0.0.0.0:$P2]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

[site App]
id = 1
bindings = https/*:$P2:app.mysite.com
backend = http://127.0.0.1:$BAPP
EOF2
"$SB_BIN" -c "$T/idle.ini" >"$T/sysbind-idle.log" 2>&1 &
IDLE_PID=$!; _pids+=("$IDLE_PID")
if wait_port "$P2"; then
	out=$(timeout 30 "$PY" "$TOOL" hold --port "$P2" --sni app.mysite.com --wait 10 2>&1)
	ms=$(field elapsed_ms "$out")
	expect_eq "idle_connection_timeout = 2: an idle HTTP/2 connection gets GOAWAY NO_ERROR, then the close" \
		"$(field goaway "$out") closed=$(field closed "$out")" "NO_ERROR closed=1"
	if [ "${ms:-0}" -ge 1500 ] && [ "${ms:-0}" -le 8000 ]; then ok "... after about 2 s ($ms ms)"
	else not_ok "... after about 2 s" "$ms ms"; fi
else
	not_ok "sysbind starts with idle_connection_timeout = 2" "port $P2 never opened"
fi
our_child "$IDLE_PID" && kill "$IDLE_PID"; wait "$IDLE_PID" 2>/dev/null

# ---- 5. SIGTERM: an idle connection gets GOAWAY before the close; a stream in flight
# completes
base=$(be_requests "$BAPP")
timeout 60 "$PY" "$TOOL" hold --port "$P" --sni app.mysite.com >"$T/term-idle.out" 2>&1 &
TI=$!; _pids+=("$TI")
timeout 60 "$PY" "$TOOL" hold --port "$P" --sni app.mysite.com --path /slow/2000 >"$T/term-busy.out" 2>&1 &
TB=$!; _pids+=("$TB")
if wait_log "$T/term-idle.out" ready && wait_log "$T/term-busy.out" inflight && be_wait_requests "$BAPP" "$base" 1; then
	sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
	wait "$TI"; wait "$TB"
	out=$(cat "$T/term-idle.out")
	expect_eq "SIGTERM: an idle HTTP/2 connection gets GOAWAY NO_ERROR, then the close" \
		"$(field goaway "$out") closed=$(field closed "$out")" "NO_ERROR closed=1"
	out=$(cat "$T/term-busy.out")
	expect_eq "... a connection with a stream in flight gets GOAWAY NO_ERROR (last stream 1) while it is" \
		"$(field goaway "$out") last=$(field goaway_last_stream "$out") in-flight=$(field goaway_before_first_end "$out")" \
		"NO_ERROR last=1 in-flight=1"
	expect_eq "... and the stream completes (200, END_STREAM) before the close" \
		"$(field first "$out") ended=$(field first_ended "$out") closed=$(field closed "$out")" "200 ended=1 closed=1"
	expect_eq "... the daemon exits 0" "$(cat "$T/stop.rc")" "0"
else
	not_ok "connections held across SIGTERM are ready" "$(cat "$T/term-idle.out" "$T/term-busy.out")"
fi
finish
