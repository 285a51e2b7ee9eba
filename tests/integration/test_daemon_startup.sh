#!/usr/bin/env bash
# Start-up and -t (issue 22): -t binds every listener and opens every log file as the
# daemon will, so a port another program holds, a port below 1024 without the right to
# bind it and a missing log directory fail -t as they fail the start; a port the running
# daemon of the pid_file holds is not tested; an https binding no [sslcert] entry answers
# is a warning.  A failed start says "error:", what to do, "sysbind did not start" last,
# and exits 1.  A backend that is the site's own binding is refused with file:line; a loop
# through another site or another sysbind is cut after one hop with 508 Loop Detected.
. "$(dirname "$0")/lib.sh"

strip_ts() { sed 's/^[0-9-]* [0-9:]* //'; }

B=$(free_port)
be_start "$B" app || { finish; exit; }

# ---- a port another program holds ----
HP=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("listening", flush=True); time.sleep(60)' "$HP" >"$T/holder.out" 2>&1 &
HOLD=$!; _pids+=("$HOLD")
wait_log "$T/holder.out" listening || not_ok "a python listener holds port $HP"
cat >"$T/busy.ini" <<EOF
[server]
mode = iis8
access_log = off

[site App]
id = 1
bindings = http/127.0.0.1:$HP:
backend = http://127.0.0.1:$B
EOF
out=$("$SB_BIN" -t -c "$T/busy.ini" 2>&1); rc=$?
expect_eq "-t: a port another program holds: exit 1 (was 0, 'test is successful')" "$rc" 1
expect_eq "... naming the holder and what to do" "$out" \
"error: cannot listen on 127.0.0.1:$HP: Address already in use: python3 (pid $HOLD) holds it: stop it, or bind the site to a free port
sysbind: configuration file $T/busy.ini test failed"
timeout 10 "$SB_BIN" -c "$T/busy.ini" >"$T/busy-start.log" 2>&1; rc=$?
expect_eq "the daemon on that port: exit 1" "$rc" 1
expect_eq "... error:, who holds it, and 'did not start' last" "$(strip_ts <"$T/busy-start.log")" \
"error: cannot listen on 127.0.0.1:$HP: Address already in use: python3 (pid $HOLD) holds it: stop it, or bind the site to a free port
error: sysbind did not start: cannot listen on 127.0.0.1:$HP: Address already in use"

# ---- a port below 1024 as an unprivileged user ----
UNPRIV=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	skip "-t: port 80 as a user without CAP_NET_BIND_SERVICE" "needs root and setpriv to become nobody"
	skip "... the daemon: exit 1 with the setcap / user = hint" "needs root and setpriv"
elif [ "$UNPRIV" -le 80 ]; then
	skip "-t: port 80 as a user without CAP_NET_BIND_SERVICE" "net.ipv4.ip_unprivileged_port_start is $UNPRIV: anyone may bind 80"
	skip "... the daemon: exit 1 with the setcap / user = hint" "ip_unprivileged_port_start is $UNPRIV"
else
	mkdir -p "$T/pub"; chmod 711 "$T"; chmod 755 "$T/pub"
	cat >"$T/pub/low.ini" <<EOF
[server]
mode = iis8
access_log = off

[site App]
id = 1
bindings = http/127.0.0.1:80:
backend = http://127.0.0.1:$B
EOF
	chmod 644 "$T/pub/low.ini"
	as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		--inh-caps=-all --bounding-set=-all "$@"; }
	# a checkout in a directory only root may enter (mktemp -d makes it 0700): nobody
	# runs a copy of the binary from the test's own public directory
	NB_BIN=$SB_BIN
	if ! as_nobody test -x "$SB_BIN"; then
		cp "$SB_BIN" "$T/pub/sysbind"; chmod 755 "$T/pub/sysbind"; NB_BIN=$T/pub/sysbind
	fi
	out=$(as_nobody "$NB_BIN" -t -c "$T/pub/low.ini" 2>&1); rc=$?
	hint="a port below $UNPRIV needs root or CAP_NET_BIND_SERVICE: start sysbind as root (with \`user = NAME\` in [server] it binds, then runs as NAME), or give it the capability: sudo setcap cap_net_bind_service=+ep $NB_BIN (the systemd unit grants it with AmbientCapabilities=)"
	expect_eq "-t: port 80 as nobody: exit 1 (was 0)" "$rc" 1
	expect_eq "... saying what grants it" "$out" \
"error: cannot listen on 127.0.0.1:80: Permission denied: $hint
sysbind: configuration file $T/pub/low.ini test failed"
	out=$(as_nobody timeout 10 "$NB_BIN" -c "$T/pub/low.ini" 2>&1); rc=$?
	expect_eq "... the daemon: exit 1" "$rc" 1
	expect_eq "... with the setcap / user = hint and 'did not start'" "$(strip_ts <<<"$out")" \
"error: cannot listen on 127.0.0.1:80: Permission denied: $hint
error: sysbind did not start: cannot listen on 127.0.0.1:80: Permission denied"
fi

# ---- log files: a missing directory fails; an existing file is neither written nor
# truncated; a missing file in a writable directory is not made by -t ----
LP=$(free_port)
printf 'kept line\n' >"$T/kept.log"
cat >"$T/logs.ini" <<EOF
[server]
mode = iis8
access_log = $T/nodir/access.log
httperr_log = $T/kept.log

[site App]
id = 1
bindings = http/127.0.0.1:$LP:
backend = http://127.0.0.1:$B
EOF
out=$("$SB_BIN" -t -c "$T/logs.ini" 2>&1); rc=$?
expect_eq "-t: a log in a missing directory: exit 1 (was 0)" "$rc" 1
expect_eq "... saying which directory to make" "$out" \
"error: cannot open access_log $T/nodir/access.log: No such file or directory: the directory $T/nodir does not exist: make it (mkdir -p $T/nodir), writable by the user sysbind runs as, or choose another path
sysbind: configuration file $T/logs.ini test failed"
expect_eq "... the existing log is left as it was" "$(cat "$T/kept.log")" "kept line"
timeout 10 "$SB_BIN" -c "$T/logs.ini" >"$T/logs-start.log" 2>&1; rc=$?
expect_eq "the daemon with that log: exit 1" "$rc" 1
expect_eq "... error: and 'did not start'" "$(grep -v 'info: listening' "$T/logs-start.log" | strip_ts)" \
"error: cannot open access_log $T/nodir/access.log: No such file or directory: the directory $T/nodir does not exist: make it (mkdir -p $T/nodir), writable by the user sysbind runs as, or choose another path
error: sysbind did not start: cannot open access_log $T/nodir/access.log: No such file or directory"
sed -i "s|^access_log = .*|access_log = $T/new.log|" "$T/logs.ini"
out=$("$SB_BIN" -t -c "$T/logs.ini" 2>&1); rc=$?
expect_eq "-t: a log file not made yet in a writable directory: exit 0" "$rc" 0
expect_eq "... test is successful" "$out" "configuration file $T/logs.ini test is successful"
expect_eq "... and -t did not make it" "$([ -e "$T/new.log" ] && echo made || echo absent)" absent

# ---- -t while the daemon of this configuration runs ----
RP=$(free_port)
cat >"$T/run.ini" <<EOF
[server]
mode = iis8
access_log = off
pid_file = $T/sysbind.pid

[site App]
id = 1
bindings = http/127.0.0.1:$RP:
backend = http://127.0.0.1:$B
EOF
sb_start "$T/run.ini" "$RP" run || { finish; exit; }
wait_for test -s "$T/sysbind.pid" || not_ok "the daemon writes its pid_file"
out=$("$SB_BIN" -t -c "$T/run.ini" 2>&1); rc=$?
expect_eq "-t while this configuration's daemon runs: exit 0" "$rc" 0
expect_eq "... its port not tested, and said so" "$out" \
"note: 127.0.0.1:$RP: not tested: sysbind (pid $SB_PID, the pid_file's) listens on it
configuration file $T/run.ini test is successful"
sed "s|^pid_file = .*|pid_file = $T/other.pid|" "$T/run.ini" >"$T/run2.ini"
out=$("$SB_BIN" -t -c "$T/run2.ini" 2>&1); rc=$?
expect_eq "-t of another file on the running daemon's port: exit 1" "$rc" 1
expect_eq "... naming the other sysbind" "$out" \
"error: cannot listen on 127.0.0.1:$RP: Address already in use: another sysbind (pid $SB_PID) serves it: stop that one (kill $SB_PID), or bind the site to a free port
sysbind: configuration file $T/run2.ini test failed"
timeout 10 "$SB_BIN" -c "$T/run2.ini" >"$T/second.log" 2>&1; rc=$?
expect_eq "a second sysbind on the same port does not share it through SO_REUSEPORT: exit 1" "$rc" 1
expect_eq "... the first still serves" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RP/echo")" 200
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "... which stops cleanly" "$(cat "$T/stop.rc")" 0

# ---- iis7: an https binding with no certificate entry ----
SP=$(free_port)
cat >"$T/nocert.ini" <<EOF
[server]
mode = iis7
access_log = off

[site App]
id = 1
bindings = https/*:$SP:app.test
backend = http://127.0.0.1:$B
EOF
out=$("$SB_BIN" -t -c "$T/nocert.ini" 2>&1); rc=$?
expect_eq "-t: iis7 https binding without an [sslcert] entry: still valid, exit 0" "$rc" 0
expect_eq "... a warning naming the entry to add" "$out" \
"$T/nocert.ini:7: warning: https binding https/*:$SP:app.test: no [sslcert] entry for 0.0.0.0:$SP: every TLS handshake on it fails, as HTTP.SYS's does; add one: [sslcert 0.0.0.0:$SP] with certificate = and key = (sysbind netsh http add sslcert ipport=0.0.0.0:$SP certhash=... appid={...})
configuration file $T/nocert.ini test is successful"

# ---- a backend that is the site's own binding ----
OP=$(free_port)
cat >"$T/self.ini" <<EOF
[server]
mode = iis8
access_log = off

[site App]
id = 1
bindings = http/*:$OP:sitev1.mysite.com
backend = http://127.0.0.1:$OP
EOF
self_msg="$T/self.ini:8: backend http://127.0.0.1:$OP is this site's own binding http/*:$OP:sitev1.mysite.com (line 7): every request through it would come back to the site, without end; point backend at the application's port"
out=$("$SB_BIN" -t -c "$T/self.ini" 2>&1); rc=$?
expect_eq "-t: a backend that is the site's own binding: exit 2 (was 0)" "$rc" 2
expect_eq "... with file:line" "$out" "$self_msg"
out=$(timeout 10 "$SB_BIN" -c "$T/self.ini" 2>&1); rc=$?
expect_eq "the daemon refuses it: exit 2" "$rc" 2
expect_eq "... with file:line" "$out" "$self_msg"

# ---- a loop at run time: A's backend is B's binding, B's backend is A's ----
PA=$(free_port); PB=$(free_port)
cat >"$T/loop.ini" <<EOF
[server]
mode = iis8
access_log = $T/loop-access.log
httperr_log = $T/loop-httperr.log

[site A]
id = 1
bindings = http/127.0.0.1:$PA:
backend = http://127.0.0.1:$PB

[site B]
id = 2
bindings = http/127.0.0.1:$PB:
backend = http://127.0.0.1:$PA

[site Real]
id = 3
bindings = http/127.0.0.1:$PB:real.test
backend = http://127.0.0.1:$B
EOF
sb_start "$T/loop.ini" "$PA" loop || { finish; exit; }
wait_port "$PB"
code=$(curl -s -o "$T/loop.body" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PA/x")
expect_eq "a request into the A -> B -> A loop: 508 Loop Detected" "$code" 508
expect_contains "... a page that says what happened" "$(cat "$T/loop.body")" \
	"The request came back to the server that forwarded it"
wait_for test "$(grep -vc '^#' "$T/loop-access.log")" -ge 2 || true
expect_eq "... after one hop: A's line and B's, no more" \
	"$(grep -v '^#' "$T/loop-access.log" | awk '{print $NF}' | wc -l)" 2
expect_eq "... one HTTPERR line, reason Loop" \
	"$(grep -v '^#' "$T/loop-httperr.log" | grep -c ' 508 .* Loop ')" 1
expect_eq "... one log line saying why" "$(grep -c 'came back to this sysbind' "$T/loop.log")" 1
expect_log "... naming the site and its backend" "$T/loop.log" \
	"a request for site \"B\" came back to this sysbind"
# a real backend sees the client's Via, then sysbind's
be=$(curl -s -H 'Host: real.test' -H 'Via: 1.0 fred' "http://127.0.0.1:$PB/echo")
expect_eq "a backend receives the client's Via, then sysbind's" \
	"$(grep -o '"[Vv]ia: [^"]*"' <<<"$be" | sed 's/sysbind-[0-9a-f]\{16\}/sysbind-TOKEN/')" \
	'"Via: 1.0 fred"
"Via: 1.1 sysbind-TOKEN"'
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "sysbind stops cleanly" "$(cat "$T/stop.rc")" 0

# ---- through another sysbind: P1 -> P2 -> P1 is cut at P1's second sight ----
Q1=$(free_port); Q2=$(free_port)
cat >"$T/one.ini" <<EOF
[server]
mode = iis8
access_log = $T/one-access.log

[site One]
id = 1
bindings = http/127.0.0.1:$Q1:
backend = http://127.0.0.1:$Q2
EOF
cat >"$T/two.ini" <<EOF
[server]
mode = iis8
access_log = $T/two-access.log

[site Two]
id = 1
bindings = http/127.0.0.1:$Q2:
backend = http://127.0.0.1:$Q1
EOF
sb_start "$T/one.ini" "$Q1" one || { finish; exit; }
ONE=$SB_PID
sb_start "$T/two.ini" "$Q2" two || { finish; exit; }
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$Q1/y")
expect_eq "sysbind behind another sysbind behind itself: 508" "$code" 508
wait_for test "$(grep -vc '^#' "$T/one-access.log")" -ge 2 || true
expect_eq "... the first saw it twice (in, and back once)" "$(grep -vc '^#' "$T/one-access.log")" 2
expect_eq "... the second once" "$(grep -vc '^#' "$T/two-access.log")" 1
expect_eq "... the first says so" "$(grep -c 'came back to this sysbind' "$T/one.log")" 1
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "... the second stops cleanly" "$(cat "$T/stop.rc")" 0
SB_PID=$ONE
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "... the first stops cleanly" "$(cat "$T/stop.rc")" 0
finish
