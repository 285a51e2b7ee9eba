#!/usr/bin/env bash
# HTTP/2 in depth, on the paths every client takes, with clients nobody here wrote: curl
# --http2, nghttp, h2load (nghttp2-client) and tests/tools/h2attack.py (python3-h2), over
# IPv6 (::1, and `localhost` resolved to ::1 first) and IPv4 to one "*" binding listening
# on 0.0.0.0 and [::].  What a user sees, counted exactly:
#   1. the answers a backend gives (200 with a body, 204, 304 with and without the
#      representation's content-length, an ETag, a Transfer-Encoding; HEAD; 404, 500),
#      502 and 503 when it breaks or is down, and sysbind's own pages: the status, the
#      content-length as the backend gave it, END_STREAM on the HEADERS frame when there
#      is no body, the DATA bytes, the W3C line (s-ip, c-ip, cs-version, sc-status);
#   2. bodies of 0, 1, 16383, 16384, 16385, 65535, 65536 bytes and 1 MiB, down and up,
#      many at once on one connection (sha256 at each end), also through small windows;
#      h2load's mixed 204/304/200/404 streams, counted by status and by DATA bytes;
#   3. early answers: a backend's 403 before it read an upload (keep-alive or close,
#      content-length or chunked): the answer whole, then RST_STREAM(NO_ERROR), the
#      connection's next stream served, an upload beside it unharmed;
#   4. reload and SIGTERM with streams in flight: they complete, GOAWAY NO_ERROR names
#      the last one, the W3C log has a line for each answer and none for the rest, the
#      daemon exits 0 at once (also when an early answer's client stops sending).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOL="$SB_ROOT/tests/tools/h2attack.py"
need_tool nghttp nghttp2-client || { finish; exit; }
need_tool h2load nghttp2-client || { finish; exit; }
if ! curl -V | grep -qw HTTP2; then not_ok "this curl speaks HTTP/2" "$(curl -V | head -n 1)"; finish; exit; fi
if ! "$PY" -c 'import h2, hpack, hyperframe' 2>/dev/null; then
	echo "# installing python3-h2 (once)"
	if ! "$SB_ROOT/scripts/install-deps.sh" python3-h2 >"$T/install-python3-h2.log" 2>&1 ||
		! "$PY" -c 'import h2, hpack, hyperframe' 2>/dev/null; then
		not_ok "python3-h2 installs (scripts/install-deps.sh python3-h2)" "$(tail -n 5 "$T/install-python3-h2.log")"
		finish; exit
	fi
fi
# Whether IPv6 works is the machine's fact (::1 on lo): without it, the checks run over
# 127.0.0.1 only, and say so.
IP6=::1
if ! grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	IP6=127.0.0.1
	skip "IPv6 (::1)" "this machine has no ::1: every check below runs over 127.0.0.1"
fi
url6() { if [ "$IP6" = ::1 ]; then echo "https://[::1]:$1"; else echo "https://127.0.0.1:$1"; fi; }

P=$(free_port); B=$(free_port); DEAD=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/sb.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log
pid_file = $T/sysbind.pid

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

[sslcert [::]:$P]
certificate = $SB_CERTS/wildcard.pem
key = $SB_CERTS/wildcard.key

[site App]
id = 1
bindings = https/*:$P:app.mysite.com
backend = http://127.0.0.1:$B
; the fault paths below fail on purpose: no rapid-fail stop (test_apppool.sh has it)
rapid_fail = off

[site Dead]
id = 2
bindings = https/*:$P:dead.mysite.com
backend = http://127.0.0.1:$DEAD
rapid_fail = off

[site Diag]
id = 3
bindings = https/*:$P:diag.mysite.com

[site Local]
id = 4
bindings = https/*:$P:localhost
backend = http://127.0.0.1:$B
EOF2
sb_start "$T/sb.ini" "$P" || { finish; exit; }
field() { sed -n "s/^$1=//p" <<<"$2"; }   # KEY OUTPUT: h2attack's value of KEY

# ---- 4. reload, then SIGTERM, while an early answer's client neither sends the rest
# nor resets.  The backend answered 403 to an upload of 60000 bytes after 50000 (the rest
# is small enough to be read and dropped, so the stream waits for it, up to
# entity_body_timeout, 120 s); the client stops there.  A reload or SIGTERM must not wait
# for that rest: the stream is told to stop (RST_STREAM NO_ERROR), the connection
# closes (and SIGTERM's daemon exits) at once.
timeout 60 "$PY" "$TOOL" early-hold --host "$IP6" --port "$P" --sni app.mysite.com --size 60000 --first 50000 \
	--wait 10 >"$T/early-hup.out" 2>&1 &
EH=$!; _pids+=("$EH")
if wait_log "$T/early-hup.out" answered 20; then
	kill -HUP "$SB_PID"
	wait "$EH"
	out=$(cat "$T/early-hup.out")
	expect_eq "a reload beside an early answer whose client stopped sending: the 403, then RST_STREAM NO_ERROR, GOAWAY NO_ERROR (last stream 1), the close" \
		"$(field first "$out") rst=$(field rst "$out") $(field goaway "$out") last=$(field goaway_last_stream "$out") closed=$(field closed "$out")" \
		"403 rst=NO_ERROR:1 NO_ERROR last=1 closed=1"
	ms=$(field closed_after_ms "$out")
	if [ "${ms:--1}" -ge 0 ] && [ "$ms" -lt 5000 ]; then ok "... the old connection closes within 5 s ($ms ms), not after entity_body_timeout"
	else not_ok "... the old connection closes within 5 s, not after entity_body_timeout" "closed_after_ms=$ms"; fi
else
	not_ok "an early answer's client is ready" "$(cat "$T/early-hup.out")"
fi

timeout 60 "$PY" "$TOOL" early-hold --host "$IP6" --port "$P" --sni app.mysite.com --size 60000 --first 50000 \
	--wait 30 >"$T/early-term.out" 2>&1 &
EH=$!; _pids+=("$EH")
if wait_log "$T/early-term.out" answered 20; then
	t0=$(_now_ms)
	sb_stop >"$T/stop.rc"
	ms=$(( $(_now_ms) - t0 ))
	wait "$EH"
	out=$(cat "$T/early-term.out")
	expect_eq "SIGTERM beside an early answer whose client stopped sending: the 403, then RST_STREAM NO_ERROR, GOAWAY NO_ERROR (last stream 1), the close" \
		"$(field first "$out") rst=$(field rst "$out") $(field goaway "$out") last=$(field goaway_last_stream "$out") closed=$(field closed "$out")" \
		"403 rst=NO_ERROR:1 NO_ERROR last=1 closed=1"
	expect_eq "... the daemon exits 0" "$(cat "$T/stop.rc")" "0"
	if [ "$ms" -lt 5000 ]; then ok "... within 5 s ($ms ms), not after the shutdown's 10 s grace"
	else not_ok "... within 5 s, not after the shutdown's 10 s grace" "$ms ms"; fi
	expect_not_contains "... no connection was left for the grace to close" "$(cat "$T/sysbind.log")" "still open after"
else
	not_ok "an early answer's client is ready" "$(cat "$T/early-term.out")"
fi
finish
