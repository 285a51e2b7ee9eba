#!/usr/bin/env bash
# HTTP/2 conformance (issue 19, item 5), h2spec's way without h2spec (not in Debian):
# tests/tools/h2spec.py sends raw frames (Debian's python3-h2 family, over h2attack.py's
# connection) and checks each MUST of RFC 9113 sections 3.4 to 8 and of RFC 7541 a server
# can be tested on, one check per line, each on a new connection and bounded to 2 s per
# outcome: the GOAWAY or RST_STREAM code the RFC demands (then the close, for a connection
# error), or the response, and for a malformed request that nothing of it reached the
# backend (its --record file, read once the backend has answered a request of ours sent
# after).  The sites: App (the test backend), Stopped (state = stopped: 503) and Diag (no
# backend: the diagnostic page), for the early answers of RFC 9113 8.1.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOL="$SB_ROOT/tests/tools/h2spec.py"
need_python_h2 || { finish; exit; }

P=$(free_port); B=$(free_port)
# be_start, with a record of every byte the backend receives
"$SB_BUILD/tests/backend" --port "$B" --name app --record "$T/backend.rec" >"$T/backend-app.log" 2>&1 &
_pids+=($!)
wait_port "$B" || { not_ok "backend app starts" "port $B never opened"; finish; exit; }
cat >"$T/conformance.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site App]
id = 1
bindings = https/*:$P:sitev1.mysite.com
backend = http://127.0.0.1:$B

[site Stopped]
id = 2
bindings = https/*:$P:stopped.mysite.com
backend = http://127.0.0.1:$B
state = stopped

[site Diag]
id = 3
bindings = https/*:$P:diag.mysite.com
EOF2
sb_start "$T/conformance.ini" "$P" || { finish; exit; }

# what sysbind answers an HTTP/1.1 CONNECT: the h2 CONNECT check expects the same
h1=$(raw_https "$P" sitev1.mysite.com "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n" | head -n 1 | tr -d '\r')
expect_eq "HTTP/1.1 CONNECT is refused 400 (what 8.5's check expects of h2)" "${h1%% *} ${h1#* }" "HTTP/1.1 400 Bad Request"

timeout 600 "$PY" "$TOOL" --port "$P" --sni sitev1.mysite.com \
	--authority "sitev1.mysite.com:$P" --stopped-authority "stopped.mysite.com:$P" \
	--nobackend-authority "diag.mysite.com:$P" --backend "$B" --record "$T/backend.rec" \
	--timeout 2 ${SB_H2SPEC_ONLY:+--only "$SB_H2SPEC_ONLY"} >"$T/h2spec.out" 2>"$T/h2spec.err"
st=$?
ran=0 ended=""
while IFS=$'\t' read -r verdict name detail; do
	case "$verdict" in
	PASS) ok "$name"; [ -n "$detail" ] && echo "    # $detail"; ran=$((ran + 1)) ;;
	FAIL) not_ok "$name" "$detail"; ran=$((ran + 1)) ;;
	SKIP) skip "$name" "$detail"; ran=$((ran + 1)) ;;
	END) ended=$name ;;
	esac
done <"$T/h2spec.out"
expect_eq "h2spec.py ran every check to its end (exit $st)" "$st $ended" "0 $ran"
[ -s "$T/h2spec.err" ] && sed 's/^/# h2spec.py: /' "$T/h2spec.err" | head -n 20

if kill -0 "$SB_PID" 2>/dev/null; then ok "the daemon is still running after the checks"
else not_ok "the daemon is still running after the checks"; fi
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "the daemon stops cleanly (exit 0)" "$(cat "$T/stop.rc")" "0"
finish
