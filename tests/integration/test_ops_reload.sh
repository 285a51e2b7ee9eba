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
expect_contains "workers = 2: two event-loop threads start" "$(cat "$T/sysbind.log")" "2 worker(s)"
expect_eq "... beside the signal thread (3 threads)" "$(ls "/proc/$SB_PID/task" | wc -l)" "3"
codes=""
for i in $(seq 1 20); do
	codes="$codes$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/echo")"
done
expect_eq "20 new connections spread over the workers all answer 200" "$codes" "$(printf '200%.0s' $(seq 1 20))"
expect_eq "the first certificate is served" "$(served_cert "$P" -)" "sitev1.mysite.com"

# --- reload under load
if command -v wrk >/dev/null; then
	wrk -t2 -c16 -d4s "https://127.0.0.1:$P/echo" >"$T/wrk.out" 2>&1 &
	wpid=$!
	sleep 1.2
	conf sitev2 "$H2" >"$T/ops.ini"
	kill -HUP "$SB_PID"
	sleep 0.5
	served=$(served_cert "$P" -)
	wait "$wpid"
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
	if [ -n "$reqs" ] && [ "$reqs" -gt 100 ]; then
		ok "wrk ran across the reload ($reqs requests)"
	else
		not_ok "wrk ran across the reload" "$(cat "$T/wrk.out")"
	fi
	expect_not_contains "... with no socket error" "$(cat "$T/wrk.out")" "Socket errors"
	expect_not_contains "... and no failed response" "$(cat "$T/wrk.out")" "Non-2xx"
	expect_eq "a new connection after the reload gets the new certificate" "$served" "sitev2.mysite.com"
else
	ok "# skip: wrk is not installed (scripts/install-deps.sh installs it)"
	conf sitev2 "$H2" >"$T/ops.ini"
	kill -HUP "$SB_PID"
	sleep 0.5
	expect_eq "a new connection after the reload gets the new certificate" "$(served_cert "$P" -)" "sitev2.mysite.com"
fi
expect_contains "the reload is logged" "$(cat "$T/sysbind.log")" "reloaded: generation 2"

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
sleep 0.5
log=$(cat "$T/sysbind.log")
expect_contains "a bad reload names the bad workers value with file:line" "$log" "ops.ini:3:"
expect_contains "... the unknown key" "$log" "ops.ini:4:"
expect_contains "... and the missing certificate" "$log" "missing.pem"
expect_contains "... and says the old configuration stays" "$log" "reload failed: still serving generation 2"
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/echo")
expect_eq "... which still answers" "$code" "200"
expect_eq "... with its certificate" "$(served_cert "$P" -)" "sitev2.mysite.com"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H2/echo")
expect_eq "... and its listeners" "$code" "200"

# --- a port taken by another process: the reload is refused
conf sitev2 "$H2" >"$T/ops.ini"
sed -i "s|bindings = .*|bindings = https/*:$P:, http/127.0.0.1:$H2:, http/127.0.0.1:$B:|" "$T/ops.ini"
kill -HUP "$SB_PID"
sleep 0.5
expect_contains "a reload onto a port another process holds is refused" "$(cat "$T/sysbind.log")" "reload: cannot listen: 127.0.0.1:$B: Address already in use"
conf sitev2 "$H2" >"$T/ops.ini"

# --- SIGUSR1 reopens the access log
mv "$T/access.log" "$T/access.log.1"
kill -USR1 "$SB_PID"
sleep 0.3
curl -sk -o /dev/null "https://127.0.0.1:$P/after-rotation"
sleep 0.2
expect_contains "SIGUSR1: the access log is reopened with its header" "$(cat "$T/access.log" 2>/dev/null)" "#Fields: date time"
expect_contains "... and the next request is logged there" "$(cat "$T/access.log" 2>/dev/null)" "/after-rotation"

# --- SIGTERM during a slow request
curl -sk -o "$T/slow" -w '%{http_code}' "https://127.0.0.1:$P/slow/1500" >"$T/slow.code" &
cpid=$!
sleep 0.5
kill -TERM "$SB_PID"
wait "$cpid"
expect_eq "a slow request in flight at SIGTERM completes" "$(cat "$T/slow.code")" "200"
wait "$SB_PID"; rc=$?
expect_eq "then the daemon exits 0" "$rc" "0"
if [ -e "$T/sysbind.pid" ]; then not_ok "the pid file is removed"; else ok "the pid file is removed"; fi
if port_busy "$P"; then not_ok "the listener is closed"; else ok "the listener is closed"; fi
finish
