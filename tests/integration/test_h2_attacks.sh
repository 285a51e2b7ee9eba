#!/usr/bin/env bash
# The known HTTP/2 attacks (issue 15 §3), each sent by tests/tools/h2attack.py (Debian's
# python3-h2: hyperframe and hpack) on loopback: rapid reset (CVE-2023-44487) and its
# MadeYouReset variant (CVE-2025-8671: streams the server must reset), a CONTINUATION
# flood, an HPACK bomb, SETTINGS and PING floods, a window that never opens (the stream's,
# and the connection's), too many concurrent streams, a stream left idle, a header block
# that never ends.  For each: the GOAWAY or RST_STREAM code the server sent, the HTTPERR
# line saying why (with the stream id where there is one), the bound (the daemon's CPU time,
# utime + stime from /proc, at most 2 s, and its RSS at most 64 MiB above where it was,
# sampled every 50 ms during the attack), and a normal request served right after.  Also a
# binding's Extended Properties (receivewindow, maxsettingsperframe, maxsettingsperminute)
# as a client meets them, against HTTP.SYS's defaults on another binding.  Every
# attack is bounded in count and in time by the tool, and by `timeout` around it.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOL="$SB_ROOT/tests/tools/h2attack.py"
need_python_h2 || { finish; exit; }

P=$(free_port); P2=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/attacks.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log
workers = 1
max_request_bytes = 8192
max_field_length = 4096
idle_connection_timeout = 2
entity_body_timeout = 2
header_wait_timeout = 2

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

# netsh http update sslpropertyex's Extended Properties, far below HTTP.SYS's defaults
[sslcert 127.0.0.1:$P2]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key
receivewindow = 200000
maxsettingsperframe = 4
maxsettingsperminute = 10

[site App]
id = 1
bindings = https/*:$P:sitev1.mysite.com
bindings = https/*:$P2:sitev1.mysite.com
backend = http://127.0.0.1:$B
EOF2
sb_start "$T/attacks.ini" "$P" || { finish; exit; }
CPU_MS=2000          # the bounds: CPU time of the daemon per attack ...
RSS_KIB=$((64 * 1024))   # ... and growth of its resident memory
asan=0; ldd "$SB_BIN" 2>/dev/null | grep -q libasan && asan=1

# cpu_ms PID: utime + stime of PID, in milliseconds (fields 14 and 15 of /proc/PID/stat,
# counted after the command name, which may hold spaces)
cpu_ms() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat") || { echo 0; return; }
	set -- $st
	echo $(( (${12} + ${13}) * 1000 / $(getconf CLK_TCK) ))
}
# value KEY: what the last attack reported for KEY
value() { sed -n "s/^$1=//p" "$T/attack.out" | head -n 1; }

# attack NAME SUBCOMMAND [ARG...]: run one attack against the daemon (on port ATTACK_PORT, $P
# by default), measuring its CPU
# time and RSS meanwhile; the checks of the bound, of the daemon's survival and of a
# normal request after it are made here, the attack's own by the caller (value, httperr).
attack() {
	local name=$1 cpu0 cpu rss0 rss out st
	shift
	log_mark "$T/httperr.log"
	rss0=$(rss_kb "$SB_PID"); cpu0=$(cpu_ms "$SB_PID")
	rss_watch "$SB_PID" "$T/rss"
	timeout 120 "$PY" "$TOOL" "$@" --port "${ATTACK_PORT:-$P}" --sni sitev1.mysite.com >"$T/attack.out" 2>&1
	st=$?
	kill "$RSS_PID" 2>/dev/null; wait "$RSS_PID" 2>/dev/null
	cpu=$(( $(cpu_ms "$SB_PID") - cpu0 )); rss=$(( $(max_of "$T/rss") - rss0 ))
	if [ "$st" -ne 0 ]; then
		not_ok "$name: the attack ran" "exit $st: $(tail -n 5 "$T/attack.out")"
		return 1
	fi
	echo "# $name: $(tr '\n' ' ' <"$T/attack.out")"
	if kill -0 "$SB_PID" 2>/dev/null; then ok "$name: the daemon is still running"
	else not_ok "$name: the daemon is still running"; return 1; fi
	if [ "$cpu" -le "$CPU_MS" ]; then ok "... it spent ${cpu} ms of CPU on it (bound $CPU_MS ms)"
	else not_ok "... it spent at most $CPU_MS ms of CPU on it" "$cpu ms"; fi
	if [ "$asan" = 1 ]; then
		skip "... its RSS grew by at most 64 MiB" "not measured under AddressSanitizer (its quarantine holds freed memory)"
	elif [ "$rss" -le "$RSS_KIB" ]; then ok "... its RSS grew by $rss KiB (bound $RSS_KIB KiB)"
	else not_ok "... its RSS grew by at most $RSS_KIB KiB" "$rss KiB"; fi
	out=$(curl -sS --http2 --cacert "$SB_CERTS/ca.pem" --resolve "sitev1.mysite.com:$P:127.0.0.1" \
		-w '%{http_version} %{http_code}' -o /dev/null "https://sitev1.mysite.com:$P/status/200" 2>&1)
	expect_eq "... and serves a normal request right after" "$out" "2 200"
	return 0
}
# httperr TEXT: a check that the HTTPERR log gained a line holding TEXT since the attack
httperr() {
	local n=${_marks[$T/httperr.log]:-0}
	if wait_for -t 10 _since_has "$n" "$1"; then ok "... HTTPERR:$1"
	else not_ok "... HTTPERR:$1" "not among: $(sed -n "$((n + 1)),\$p" "$T/httperr.log" | grep -v Connection_Dropped | tail -n 5)"; fi
}
_since_has() { sed -n "$(($1 + 1)),\$p" "$T/httperr.log" | grep -qF -- "$2"; }
# lines_since: how many HTTPERR lines the attack made
lines_since() { sed -n "$((${_marks[$T/httperr.log]:-0} + 1)),\$p" "$T/httperr.log" | wc -l; }

# Rapid reset: streams opened and reset at once, 100 per write, up to 20000 in 10 s
if attack "rapid reset (CVE-2023-44487)" rapid-reset --path /status/200 --count 20000 --batch 100 --seconds 10; then
	expect_eq "... GOAWAY ENHANCE_YOUR_CALM, connection closed" "$(value goaway) $(value closed)" "ENHANCE_YOUR_CALM 1"
	sent=$(value sent)
	if [ "$sent" -gt 200 ] && [ "$sent" -lt 20000 ]; then ok "... after the burst of 200 was spent ($sent streams sent)"
	else not_ok "... after the burst of 200 was spent" "$sent streams sent"; fi
	httperr " - - - - - - H2_RapidReset -"
	n=$(lines_since)
	if [ "$n" -le 400 ]; then ok "... the HTTPERR log grew by a bounded $n lines (the reset streams, then the GOAWAY)"
	else not_ok "... the HTTPERR log grew by at most 400 lines" "$n"; fi
fi

# MadeYouReset: no RST_STREAM from the client, but each request malformed (content-length 1,
# 2 bytes sent) after it started, so the server resets it
if attack "MadeYouReset (CVE-2025-8671)" made-you-reset --path /echo --count 20000 --batch 100 --seconds 10; then
	expect_eq "... GOAWAY ENHANCE_YOUR_CALM, connection closed" "$(value goaway) $(value closed)" "ENHANCE_YOUR_CALM 1"
	sent=$(value sent)
	if [ "$sent" -gt 200 ] && [ "$sent" -lt 20000 ]; then ok "... after the burst of 200 was spent ($sent streams sent)"
	else not_ok "... after the burst of 200 was spent" "$sent streams sent"; fi
	expect_contains "... the streams reset by the server: RST_STREAM PROTOCOL_ERROR (RFC 9113 §8.1.1)" "$(value rst)" "PROTOCOL_ERROR:"
	httperr " HTTP/2 POST /echo 1 - 1 BadRequest App"
	httperr " - - - - - - H2_RapidReset -"
	n=$(lines_since)
	if [ "$n" -le 400 ]; then ok "... the HTTPERR log grew by a bounded $n lines"
	else not_ok "... the HTTPERR log grew by at most 400 lines" "$n"; fi
fi

# CONTINUATION flood: one header block that never ends, 1000 frames per write
if attack "CONTINUATION flood" continuation --path /status/200 --count 100000 --batch 1000 --seconds 10; then
	expect_eq "... GOAWAY ENHANCE_YOUR_CALM, connection closed" "$(value goaway) $(value closed)" "ENHANCE_YOUR_CALM 1"
	httperr " - - - - - - H2_ContinuationFlood -"
fi

# HPACK bomb: 16 KiB blocks of 1-byte references to a 4000-byte table entry (64 MiB each)
if attack "HPACK bomb" hpack-bomb --path /status/200 --field-size 4000 --block 16384 --streams 200; then
	expect_eq "... the request that filled the table was answered 200" "$(value first_status)" "200"
	expect_eq "... then GOAWAY ENHANCE_YOUR_CALM at the first bomb, connection closed" \
		"$(value goaway) $(value goaway_last_stream) $(value closed)" "ENHANCE_YOUR_CALM 3 1"
	httperr " - - - 3 - - H2_HpackBomb -"
fi

# SETTINGS flood: SETTINGS frames, 500 per write, up to 100000
if attack "SETTINGS flood" settings-flood --count 100000 --batch 500 --seconds 10; then
	expect_eq "... GOAWAY ENHANCE_YOUR_CALM, connection closed" "$(value goaway) $(value closed)" "ENHANCE_YOUR_CALM 1"
	httperr " - - - - - - H2_SettingsFlood -"
fi

# The binding's Extended Properties (netsh http update sslpropertyex): the connection's
# receive window, the settings a SETTINGS frame may carry and those a minute may bring.
# HTTP.SYS's defaults first (1 MiB, 2796202, 4294967295): six settings are nothing.
if attack "Extended Properties, HTTP.SYS's defaults: one SETTINGS frame of 6 settings" \
	settings-flood --count 1 --batch 1 --entries 6 --wait 1; then
	expect_eq "... the connection's receive window is 1 MiB (1048576)" "$(value conn_window)" "1048576"
	expect_eq "... the frame is acknowledged (after the preface's), no GOAWAY" \
		"$(value settings_acks) $(value goaway) $(value closed)" "2 none 0"
fi
if attack "Extended Properties, HTTP.SYS's defaults: three SETTINGS frames of 4 settings" \
	settings-flood --count 3 --batch 1 --entries 4 --wait 1; then
	expect_eq "... all acknowledged (after the preface's), no GOAWAY" \
		"$(value settings_acks) $(value goaway) $(value closed)" "4 none 0"
fi
if ATTACK_PORT=$P2 attack "receivewindow = 200000, maxsettingsperframe = 4: a frame of 4 settings" \
	settings-flood --count 1 --batch 1 --entries 4 --wait 1; then
	expect_eq "... the connection's receive window is the binding's 200000" "$(value conn_window)" "200000"
	expect_eq "... the frame is acknowledged (after the preface's), no GOAWAY" \
		"$(value settings_acks) $(value goaway) $(value closed)" "2 none 0"
fi
if ATTACK_PORT=$P2 attack "maxsettingsperframe = 4: a frame of 5 settings" \
	settings-flood --count 1 --batch 1 --entries 5 --wait 5; then
	expect_eq "... GOAWAY ENHANCE_YOUR_CALM, the frame not acknowledged, connection closed" \
		"$(value goaway) $(value settings_acks) $(value closed)" "ENHANCE_YOUR_CALM 1 1"
	# nghttp2 refuses the frame itself (nghttp2_option_set_max_settings): the trace has its
	# words ("SETTINGS: too many setting entries"), HTTPERR the GOAWAY's code
	httperr " - - - - - - H2_EnhanceYourCalm -"
fi
if ATTACK_PORT=$P2 attack "maxsettingsperminute = 10: three frames of 4 settings" \
	settings-flood --count 3 --batch 1 --entries 4 --wait 5; then
	expect_eq "... the first two acknowledged (after the preface's), then GOAWAY ENHANCE_YOUR_CALM" \
		"$(value settings_acks) $(value goaway) $(value closed)" "3 ENHANCE_YOUR_CALM 1"
	httperr " - - - - - - H2_SettingsFlood -"
fi

# PING flood: PINGs, 500 per write, up to 100000
if attack "PING flood" ping-flood --count 100000 --batch 500 --seconds 10; then
	expect_eq "... GOAWAY ENHANCE_YOUR_CALM, connection closed" "$(value goaway) $(value closed)" "ENHANCE_YOUR_CALM 1"
	httperr " - - - - - - H2_PingFlood -"
fi

# A window that never opens: the response cannot be sent; the stream must end after
# idle_connection_timeout (2 s), the connection going on
in_range() {   # NAME VALUE MIN MAX
	if [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then ok "$1 ($2 ms)"
	else not_ok "$1" "${2:-none} ms, want $3..$4"; fi
}
if attack "a stream window that never opens (SETTINGS_INITIAL_WINDOW_SIZE 0)" zero-window \
	--path /bytes/1000000 --then /status/200 --wait 20; then
	expect_eq "... the response's head came (200), no byte of its body" "$(value head_status) $(value body_bytes)" "200 0"
	expect_eq "... RST_STREAM CANCEL on stream 1" "$(value rst) $(value rst_streams)" "CANCEL:1 1"
	in_range "... after idle_connection_timeout (2 s)" "$(value rst_after_ms)" 1500 6000
	httperr " HTTP/2 GET /bytes/1000000 1 - 1 Timer_MinBytesPerSecond App"
	expect_eq "... the connection goes on: its next stream is answered" "$(value then_status) $(value goaway)" "200 none"
fi
if attack "a connection window that never opens (65535 bytes taken, no WINDOW_UPDATE)" zero-window \
	--conn --path /bytes/1000000 --then /status/200 --wait 20; then
	expect_eq "... 200 and the first 65535 bytes came" "$(value head_status) $(value body_bytes)" "200 65535"
	expect_eq "... RST_STREAM CANCEL on stream 1" "$(value rst) $(value rst_streams)" "CANCEL:1 1"
	in_range "... after idle_connection_timeout (2 s)" "$(value rst_after_ms)" 1500 6000
	httperr " HTTP/2 GET /bytes/1000000 1 - 1 Timer_MinBytesPerSecond App"
	expect_eq "... the connection goes on once its window opens" "$(value then_status) $(value goaway)" "200 none"
fi

# Too many concurrent streams: 150 slow requests at once, the limit being 100
if attack "too many concurrent streams (150, limit 100)" streams --path /slow/3000 --count 150 --wait 20; then
	expect_eq "... the server announced SETTINGS_MAX_CONCURRENT_STREAMS 100" "$(value max_concurrent)" "100"
	expect_eq "... GOAWAY PROTOCOL_ERROR (RFC 9113 §5.1.2, §5.4.1), connection closed" \
		"$(value goaway) $(value closed)" "PROTOCOL_ERROR 1"
	httperr " - - - - - - H2_TooManyStreams -"
fi

# A stream left idle: a POST's head without END_STREAM, then no body
if attack "a stream left idle (head without END_STREAM, no body)" idle-stream --path /echo --then /status/200 --wait 20; then
	expect_eq "... RST_STREAM CANCEL on stream 1" "$(value rst) $(value rst_streams)" "CANCEL:1 1"
	in_range "... after entity_body_timeout (2 s)" "$(value rst_after_ms)" 1500 6000
	httperr " HTTP/2 POST /echo 1 - 1 Timer_EntityBody App"
	expect_eq "... the connection goes on: its next stream is answered" "$(value then_status) $(value goaway)" "200 none"
fi

# A header block that never ends: nothing else can use the connection, so it ends
if attack "a header block that never ends (HEADERS without END_HEADERS)" header-wait --path /status/200 --wait 20; then
	expect_eq "... GOAWAY NO_ERROR, stream 1 not processed (last stream 0), connection closed" \
		"$(value goaway) $(value goaway_last_stream) $(value closed)" "NO_ERROR 0 1"
	in_range "... after header_wait_timeout (2 s)" "$(value ended_after_ms)" 1500 6000
	httperr " - - - 1 - - Timer_HeaderWait -"
fi

sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "the daemon stops cleanly (exit 0) after all the attacks" "$(cat "$T/stop.rc")" "0"
finish
