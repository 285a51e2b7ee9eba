#!/usr/bin/env bash
# Operations (issue 5): workers = 2 serving with a pid file; SIGHUP under load (wrk running)
# with zero failed requests and the new certificate on new connections afterwards;
# listeners added and removed by a reload; a bad configuration refused with every error
# logged while the old one keeps serving; SIGUSR1 reopening the logs; SIGTERM during a
# slow request that still completes, exit 0 and the pid file removed.
. "$(dirname "$0")/lib.sh"

P=$(free_port); H1=$(free_port); H2=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
# conf CERT HTTPPORT: the configuration with that certificate and that http port
conf() {
	cat <<EOF2
[server]
mode = iis7
workers = 2
pid_file = $T/sysbind.pid
access_log = $T/access.log

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/$1.pem
key = $SB_CERTS/$1.key

[site App]
id = 1
bindings = https/*:$P:, http/127.0.0.1:$2:
backend = http://127.0.0.1:$B
EOF2
}
conf sitev1 "$H1" >"$T/ops.ini"
sb_start "$T/ops.ini" "$P" || { finish; exit; }

# --- workers and pid file
expect_eq "pid_file holds the daemon's pid" "$(cat "$T/sysbind.pid" 2>/dev/null)" "$SB_PID"
expect_log "workers = 2: two event-loop threads start" "$T/sysbind.log" ", 2 worker(s))"
expect_eq "... beside the signal thread (3 threads)" "$(ls "/proc/$SB_PID/task" | wc -l)" "3"
codes=""
for i in $(seq 1 20); do
	codes="$codes$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/echo")"
done
expect_eq "20 new connections all answer 200" "$codes" "$(printf '200%.0s' $(seq 1 20))"
expect_eq "the first certificate is served" "$(served_cert "$P" -)" "sitev1.mysite.com"

# --- reload under load: SIGHUP once wrk's requests are flowing, while it still runs
# access_lines_over N: the access log holds more than N request lines (for wait_for).
access_lines_over() { [ "$(grep -vc '^#' "$T/access.log" 2>/dev/null)" -gt "$1" ]; }
if need_tool wrk wrk; then
	before=$(grep -vc '^#' "$T/access.log")
	wrk -t2 -c16 -d4s "https://127.0.0.1:$P/echo" >"$T/wrk.out" 2>&1 &
	wpid=$!
	wait_for access_lines_over $((before + 200)) ||
		not_ok "wrk's requests reach the daemon" "$(cat "$T/wrk.out")"
	conf sitev2 "$H2" >"$T/ops.ini"
	kill -HUP "$SB_PID"
	expect_log "the reload is logged" "$T/sysbind.log" "reloaded: generation 2 serving new connections"
	if kill -0 "$wpid" 2>/dev/null; then ok "... while wrk was still running"
	else not_ok "... while wrk was still running" "wrk had ended: $(cat "$T/wrk.out")"; fi
	at_reload=$(grep -vc '^#' "$T/access.log")
	served=$(served_cert "$P" -)
	wait "$wpid"
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
	if [ -n "$reqs" ] && [ "$reqs" -gt 100 ]; then
		ok "wrk ran across the reload ($reqs requests)"
	else
		not_ok "wrk ran across the reload" "$(cat "$T/wrk.out")"
	fi
	after=$(grep -vc '^#' "$T/access.log")
	if [ "$after" -gt $((at_reload + 100)) ]; then ok "... and kept being served after it ($((after - at_reload)) more requests)"
	else not_ok "... and kept being served after it" "$((after - at_reload)) requests logged after the reload"; fi
	expect_not_contains "... with no socket error" "$(cat "$T/wrk.out")" "Socket errors"
	expect_not_contains "... and no failed response" "$(cat "$T/wrk.out")" "Non-2xx"
	expect_eq "a new connection after the reload gets the new certificate" "$served" "sitev2.mysite.com"
else
	conf sitev2 "$H2" >"$T/ops.ini"
	kill -HUP "$SB_PID"
	expect_log "the reload is logged" "$T/sysbind.log" "reloaded: generation 2 serving new connections"
	expect_eq "a new connection after the reload gets the new certificate" "$(served_cert "$P" -)" "sitev2.mysite.com"
fi

# --- listeners follow the bindings
wait_port "$H2" 127.0.0.1 5
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H2/echo")
expect_eq "a listener added by the reload serves" "$code" "200"
if port_busy "$H1"; then not_ok "a listener removed by the reload is closed"; else ok "a listener removed by the reload is closed"; fi

# --- a bad configuration is refused, every error logged, the old one keeps serving
cat >"$T/ops.ini" <<EOF2
[server]
mode = iis7
workers = two
colour = blue

[sslcert 0.0.0.0:$P]
certificate = $T/missing.pem

[site App]
id = 1
bindings = https/*:$P:
EOF2
kill -HUP "$SB_PID"
expect_log "a bad reload says the old configuration stays" "$T/sysbind.log" "reload failed: still serving generation 2"
log=$(cat "$T/sysbind.log")
expect_contains "... names the bad workers value with file:line" "$log" "ops.ini:3:"
expect_contains "... the unknown key" "$log" "ops.ini:4:"
expect_contains "... and the missing certificate" "$log" "missing.pem"
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/echo")
expect_eq "... which still answers" "$code" "200"
expect_eq "... with its certificate" "$(served_cert "$P" -)" "sitev2.mysite.com"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H2/echo")
expect_eq "... and its listeners" "$code" "200"

# --- a port taken by another process: the reload is refused, naming the holder (not the
# site's own backend's port: a backend that is the site's own binding is refused anyway)
B2=$(free_port)
be_start "$B2" other || { finish; exit; }
OTHER=$BE_PID
conf sitev2 "$H2" >"$T/ops.ini"
sed -i "s|bindings = .*|bindings = https/*:$P:, http/127.0.0.1:$H2:, http/127.0.0.1:$B2:|" "$T/ops.ini"
kill -HUP "$SB_PID"
expect_log "a reload onto a port another process holds is refused" "$T/sysbind.log" "reload: cannot listen on 127.0.0.1:$B2: Address already in use: backend (pid $OTHER) holds it: stop it, or bind the site to a free port"
conf sitev2 "$H2" >"$T/ops.ini"

# --- SIGUSR1 reopens the access log
mv "$T/access.log" "$T/access.log.1"
kill -USR1 "$SB_PID"
expect_log "SIGUSR1: the daemon reopens its one log file (the access log)" "$T/sysbind.log" "SIGUSR1: 1 log file(s) reopened"
expect_log "... the access log is there again with its header" "$T/access.log" "#Fields: date time"
curl -sk -o /dev/null "https://127.0.0.1:$P/after-rotation"
expect_log "... and the next request is logged there" "$T/access.log" "/after-rotation"
expect_not_contains "... not in the renamed file" "$(cat "$T/access.log.1")" "/after-rotation"

# --- SIGTERM during a slow request
r0=$(be_requests "$B")
curl -sk -o "$T/slow" -w '%{http_code}' "https://127.0.0.1:$P/slow/1500" >"$T/slow.code" &
cpid=$!
if be_wait_requests "$B" "$r0" 1 && kill -0 "$cpid" 2>/dev/null; then ok "the slow request is at the backend, unanswered, when SIGTERM comes"
else not_ok "the slow request is at the backend, unanswered, when SIGTERM comes"; fi
kill -TERM "$SB_PID"
wait "$cpid"
expect_eq "a slow request in flight at SIGTERM completes" "$(cat "$T/slow.code")" "200"
wait "$SB_PID"; rc=$?
expect_eq "then the daemon exits 0" "$rc" "0"
if [ -e "$T/sysbind.pid" ]; then not_ok "the pid file is removed"; else ok "the pid file is removed"; fi
if port_busy "$P"; then not_ok "the listener is closed"; else ok "the listener is closed"; fi
finish
