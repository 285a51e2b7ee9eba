#!/usr/bin/env bash
# The request queues, live (issue 25): /metrics' queue series (HTTP Service Request Queues:
# CurrentQueueSize, MaxQueueItemAge, ArrivalRate, RejectedRequests by HTTPERR reason, the
# pool's state, its busy backend connections) hold exact values after a known state (a
# pool stopped by rapid-fail protection; one request holding the backend's only connection,
# ten waiting, one refused QueueFull), promtool check metrics passes, and `sysbind netsh
# http show servicestate -c FILE` prints the same state in netsh's request-queue layout,
# line for line (the daemon's pid filled in); with no admin listener, or none answering,
# it exits 1 naming the file (and the line of admin =).
. "$(dirname "$0")/lib.sh"

H=$(free_port); B=$(free_port); DEAD=$(free_port); A=$(free_port)
be_start "$B" app || { finish; exit; }
conf() {   # ADMIN-LINE
	cat <<EOF2
[server]
workers = 1
access_log = off
httperr_log = $T/httperr.log
pid_file = $T/sysbind.pid
trace = on
$1

[site App]
id = 1
bindings = http/*:$H:app.test, http/127.0.0.1:$H:
backend = http://127.0.0.1:$B
queue_length = 10
backend_max_connections = 1

[site Dead]
id = 2
bindings = http/*:$H:dead.test
backend = http://127.0.0.1:$DEAD
app_pool = DeadPool

[site Tcp]
id = 3
bindings = http/*:$H:tcp.test
backend = http://127.0.0.1:$B
load_balancer = tcp
EOF2
}
conf "admin = 127.0.0.1:$A" >"$T/sb.ini"
sb_start "$T/sb.ini" "$H" || { finish; exit; }
metrics() { curl -s --max-time 10 "http://127.0.0.1:$A/metrics"; }

# --- DeadPool: a refused backend five times (503 N/A), rapid-fail protection stops it;
# the 6th request gets 503 AppOffline
for i in 1 2 3 4 5 6; do
	curl -s --max-time 10 -o /dev/null -w '%{http_code}\n' -H 'Host: dead.test' "http://127.0.0.1:$H/" >>"$T/dead.codes"
done
expect_eq "six requests to a refused backend: 503 each" "$(sort "$T/dead.codes" | uniq -c | tr -s ' ')" " 6 503"
expect_log "... the 5th stopped DeadPool" "$T/sysbind.log" 'application pool "DeadPool" of site "Dead" stopped by rapid-fail protection'

# --- App: one request holds the backend's only connection, ten wait (queue_length 10),
# the 11th is refused QueueFull
waiting() { grep -c "waits in application pool \"App\"'s queue" "$T/sysbind.log"; }
waiting_is() { [ "$(waiting)" -ge "$1" ]; }
breq=$(be_requests "$B")
# (the holder writes its own file: a waiter served on the connection it frees can end first,
# and the holder's write at offset 0 of a shared file would overwrite that line)
curl -s --max-time 30 -o /dev/null -w '%{http_code}\n' -H 'Host: app.test' "http://127.0.0.1:$H/slow/8000" >"$T/holder.code" &
_pids+=($!); holder=$!
be_wait_requests "$B" "$breq" 1 || not_ok "the holder reaches the backend"
args=()
for i in $(seq 1 10); do args+=(-o /dev/null "http://127.0.0.1:$H/echo?$i"); done
curl -s --no-progress-meter --max-time 30 -Z --parallel-immediate --parallel-max 10 -w '%{http_code}\n' \
	-H 'Host: app.test' "${args[@]}" >"$T/app.codes" &
_pids+=($!); waiters=$!
wait_for -t 10 waiting_is 10 || not_ok "ten requests wait in App's queue" "$(waiting) logged"
expect_eq "the 11th waiting request: 503 (QueueFull)" \
	"$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Host: app.test' "http://127.0.0.1:$H/echo")" 503

# --- /metrics, while they wait (once the oldest has waited 2 s: the age is seen moving)
age_of_app() { metrics | awk '$1 == "sysbind_queue_max_item_age_seconds{queue=\"App\"}" { print $2 }'; }
age_ge2() { [ "$(age_of_app)" -ge 2 ] 2>/dev/null; }
wait_for -t 5 age_ge2 || not_ok "MaxQueueItemAge of App reaches 2 s" "[$(age_of_app)]"
metrics >"$T/scrape.txt"
expect_series() { expect_eq "$3: $1 $2" "$(awk -v k="$1" '$1 == k { print $2 }' "$T/scrape.txt")" "$2"; }
expect_series 'sysbind_queue_current_size{queue="App"}' 10 "CurrentQueueSize: ten waiting"
expect_series 'sysbind_backend_busy_connections{queue="App"}' 1 "the holder's backend connection"
expect_series 'sysbind_queue_arrivals_total{queue="App"}' 12 "ArrivalRate as a count: holder, ten waiting, the refused one"
expect_series 'sysbind_queue_rejected_requests_total{queue="App",reason="QueueFull"}' 1 "RejectedRequests QueueFull"
expect_series 'sysbind_queue_rejected_requests_total{queue="App",reason="AppOffline"}' 0 "... AppOffline"
expect_series 'sysbind_queue_state{queue="App"}' 1 "App started"
expect_series 'sysbind_queue_state{queue="DeadPool"}' 0 "DeadPool stopped by rapid-fail protection"
expect_series 'sysbind_queue_rejected_requests_total{queue="DeadPool",reason="AppOffline"}' 1 "RejectedRequests AppOffline (the 6th request)"
expect_series 'sysbind_queue_rejected_requests_total{queue="DeadPool",reason="QueueFull"}' 0 "... QueueFull"
expect_series 'sysbind_queue_backend_failures_total{queue="DeadPool"}' 5 "the five failures rapid-fail protection counted"
expect_series 'sysbind_queue_arrivals_total{queue="DeadPool"}' 6 "DeadPool's arrivals"
expect_series 'sysbind_queue_current_size{queue="DeadPool"}' 0 "nothing waits for DeadPool"
expect_series 'sysbind_queue_max_item_age_seconds{queue="DeadPool"}' 0 "... so no age"
expect_series 'sysbind_queue_current_size{queue="Tcp"}' 0 "the third pool is listed, empty"
age=$(awk '$1 == "sysbind_queue_max_item_age_seconds{queue=\"App\"}" { print $2 }' "$T/scrape.txt")
if [[ "$age" =~ ^[0-9]+$ ]] && [ "$age" -ge 2 ] && [ "$age" -le 8 ]; then ok "MaxQueueItemAge of App: $age s (2 to 8: the holder takes 8 s)"
else not_ok "MaxQueueItemAge of App: 2 to 8 seconds" "[$age]"; fi
expect_eq "one series per queue and reason (three pools, two reasons)" \
	"$(grep -c '^sysbind_queue_rejected_requests_total{' "$T/scrape.txt")" 6
if need_tool promtool prometheus; then
	if promtool check metrics <"$T/scrape.txt" >"$T/promtool.out" 2>&1; then
		ok "promtool check metrics passes on the scrape with the queue series"
	else
		not_ok "promtool check metrics passes on the scrape with the queue series" "$(cat "$T/promtool.out")"
	fi
else
	skip "promtool check metrics" "package prometheus cannot be installed"
fi

# --- netsh http show servicestate, while they wait: line for line
"$SB_BIN" netsh http show servicestate -c "$T/sb.ini" >"$T/ss.got" 2>"$T/ss.err"; rc=$?
expect_eq "netsh http show servicestate: exit 0, nothing on stderr" "$rc:$(cat "$T/ss.err")" "0:"
age_line=$(grep -a -m1 '^    Max queued request age: ' "$T/ss.got" | tr -d '\r')
if [[ "$age_line" =~ ^"    Max queued request age: "([0-9]+)s$ ]] && [ "${BASH_REMATCH[1]}" -ge 2 ] &&
	[ "${BASH_REMATCH[1]}" -le 8 ]; then
	ok "App's Max queued request age: ${BASH_REMATCH[1]}s"
else
	not_ok "App's Max queued request age: seconds with an s" "[$age_line]"
fi
P=$SB_PID
{
printf '%s\r\n' "Snapshot of HTTP service state (Request Queue View):" \
	"-----------------------------------------------------" "" \
	"Request queue name: App" \
	"    Version: 2.0" \
	"    State: Active" \
	"    Request queue 503 verbosity level: Limited" \
	"    Max requests: 10" \
	"    Active requests: 1" \
	"    Queued requests: 10" \
	"    Max queued request age: Ns" \
	"    Requests arrived: 12" \
	"    Requests rejected: 1" \
	"    Cache hits: 0" \
	"    Number of active processes attached: 1" \
	"    Controller process ID: $P" \
	"    Process IDs:" \
	"        $P" \
	"    URL groups:" \
	"    URL group ID: FF00000000000001" \
	"        State: Active" \
	"        Request queue name: App" \
	"        Properties:" \
	"            Max bandwidth: inherited" \
	"            Max connections: inherited" \
	"            Timeouts:" \
	"                Timeout values inherited" \
	"            Number of registered URLs: 2" \
	"            Registered URLs:" \
	"                HTTP://APP.TEST:$H/" \
	"                HTTP://127.0.0.1:$H:127.0.0.1/" \
	"" \
	"Request queue name: DeadPool" \
	"    Version: 2.0" \
	"    State: Inactive" \
	"    Request queue 503 verbosity level: Limited" \
	"    Max requests: 1000" \
	"    Active requests: 0" \
	"    Queued requests: 0" \
	"    Max queued request age: 0s" \
	"    Requests arrived: 6" \
	"    Requests rejected: 1" \
	"    Cache hits: 0" \
	"    Number of active processes attached: 0" \
	"    Controller process ID: $P" \
	"    Process IDs:" \
	"    URL groups:" \
	"    URL group ID: FF00000000000002" \
	"        State: Active" \
	"        Request queue name: DeadPool" \
	"        Properties:" \
	"            Max bandwidth: inherited" \
	"            Max connections: inherited" \
	"            Timeouts:" \
	"                Timeout values inherited" \
	"            Number of registered URLs: 1" \
	"            Registered URLs:" \
	"                HTTP://DEAD.TEST:$H/" \
	"" \
	"Request queue name: Tcp" \
	"    Version: 2.0" \
	"    State: Active" \
	"    Request queue 503 verbosity level: Basic" \
	"    Max requests: 1000" \
	"    Active requests: 0" \
	"    Queued requests: 0" \
	"    Max queued request age: 0s" \
	"    Requests arrived: 0" \
	"    Requests rejected: 0" \
	"    Cache hits: 0" \
	"    Number of active processes attached: 1" \
	"    Controller process ID: $P" \
	"    Process IDs:" \
	"        $P" \
	"    URL groups:" \
	"    URL group ID: FF00000000000003" \
	"        State: Active" \
	"        Request queue name: Tcp" \
	"        Properties:" \
	"            Max bandwidth: inherited" \
	"            Max connections: inherited" \
	"            Timeouts:" \
	"                Timeout values inherited" \
	"            Number of registered URLs: 1" \
	"            Registered URLs:" \
	"                HTTP://TCP.TEST:$H/" \
	""
} >"$T/ss.want"
# the App queue's age is whatever it is now (checked above): the first age line is masked
awk 'BEGIN { m = 0 } /^    Max queued request age: / && !m { sub(/[0-9]+s\r$/, "Ns\r"); m = 1 } { print }' "$T/ss.got" >"$T/ss.cmp"
if cmp -s "$T/ss.want" "$T/ss.cmp"; then
	ok "the request-queue view, line for line: $(wc -l <"$T/ss.want") lines, CRLF, the daemon's pid $P"
else
	not_ok "the request-queue view, line for line" "$(diff <(cat -A "$T/ss.want") <(cat -A "$T/ss.cmp") | head -20)"
fi
expect_eq "the admin listener's /servicestate is the same text" \
	"$(curl -s --max-time 10 "http://127.0.0.1:$A/servicestate" | grep -av '^    Max queued request age: ' | grep -av "^    Queued requests\|^    Active requests")" \
	"$(grep -av '^    Max queued request age: ' "$T/ss.got" | grep -av "^    Queued requests\|^    Active requests")"

wait "$holder" "$waiters"
expect_eq "the holder and the ten waiting requests are served" "$(cat "$T/holder.code" "$T/app.codes" | sort | uniq -c | tr -s ' ')" " 11 200"
queue_empty() { [ "$(metrics | awk '$1 == "sysbind_queue_current_size{queue=\"App\"}" { print $2 }')" = 0 ]; }
if wait_for -t 10 queue_empty; then ok "then CurrentQueueSize of App: 0"
else not_ok "then CurrentQueueSize of App: 0" "$(metrics | grep 'queue="App"')"; fi
expect_eq "... MaxQueueItemAge 0" "$(metrics | awk '$1 == "sysbind_queue_max_item_age_seconds{queue=\"App\"}" { print $2 }')" 0
expect_eq "... servicestate: Queued requests: 0, Max queued request age: 0s, Active requests: 0" \
	"$("$SB_BIN" netsh http show servicestate -c "$T/sb.ini" | sed -n '/^Request queue name: App/,/^\r$/p' | grep -a 'Queued\|age:\|Active req' | tr -d '\r' | tr '\n' '|')" \
	"    Active requests: 0|    Queued requests: 0|    Max queued request age: 0s|"

# --- a reload starts DeadPool again; a pool that keeps its name keeps its counts
arrived_before=$("$SB_BIN" netsh http show servicestate -c "$T/sb.ini" | sed -n '/^Request queue name: DeadPool/,/^\r$/p' | grep -a 'arrived' | head -1 | tr -d '\r')
kill -HUP "$SB_PID"
wait_log "$T/sysbind.log" "reloaded: generation 2" 10
expect_eq "after a reload: DeadPool Active again, its counts kept (the same pool)" \
	"$("$SB_BIN" netsh http show servicestate -c "$T/sb.ini" | sed -n '/^Request queue name: DeadPool/,/^\r$/p' | grep -a 'State:\|arrived' | head -2 | tr -d '\r' | tr '\n' '|')" \
	"    State: Active|$arrived_before|"

# --- the errors: the daemon down (exit 1, the file:line of admin =), no admin listener
sb_stop >/dev/null
line=$(grep -n '^admin = ' "$T/sb.ini" | cut -d: -f1)
out=$("$SB_BIN" netsh http show servicestate -c "$T/sb.ini" 2>&1); rc=$?
expect_eq "the daemon down: exit 1" "$rc" 1
expect_eq "... saying so, with admin ='s file:line" "$out" \
	"sysbind: netsh http show servicestate: no daemon answers on the admin listener of $T/sb.ini:$line (admin = 127.0.0.1:$A): cannot connect to 127.0.0.1:$A: Connection refused"
conf "" >"$T/noadmin.ini"
out=$("$SB_BIN" netsh http show servicestate -c "$T/noadmin.ini" 2>&1); rc=$?
expect_eq "no admin listener configured: exit 1" "$rc" 1
expect_eq "... saying so" "$out" \
	"sysbind: netsh http show servicestate: $T/noadmin.ini sets no admin listener ([server] admin = 127.0.0.1:PORT or a socket path): the service state is read from the running daemon's"
conf "admin = $T/admin.sock" >"$T/unix.ini"
out=$("$SB_BIN" netsh http show servicestate -c "$T/unix.ini" 2>&1); rc=$?
expect_eq "a unix socket no daemon listens on: exit 1, why" "$rc:$out" \
	"1:sysbind: netsh http show servicestate: no daemon answers on the admin listener of $T/unix.ini:$line (admin = $T/admin.sock): cannot connect to $T/admin.sock: No such file or directory"
out=$("$SB_BIN" netsh http show servicestate view=session -c "$T/unix.ini" 2>&1); rc=$?
expect_eq "view=session: not emulated (exit 2)" "$rc:$out" \
	'2:sysbind: netsh http show servicestate: "view=session" is not emulated: sysbind prints the request queue view (view=requestq) only'
finish
