#!/usr/bin/env bash
# perfload.sh — where a keep-alive request's CPU goes, kernel and user side by side, for
# sysbind and nginx under the same wrk load (bench.sh's keep-alive row: wrk -t1 -c32 on /,
# nginx backend, the same configurations), counted by perf's SOFTWARE events and
# tracepoints, which work where the VM has no PMU and cost the proxy little (strace slows
# it many times over and changes how events batch):
#   scripts/perfload.sh BUILD OUTDIR [PROXY...]       PROXY: sysbind nginx (default both)
#   env PERF_SECONDS (default 8) each turn, PERF_WORKERS (1), PERF_IDLE (0): that many idle
#   TLS connections (idleconns --no-request) held open to the proxy during its turns,
#   PERF_CONNS (32) wrk's connections, PERF_PIN (1: the proxy on the last CPU, backend and
#   wrk on the others, as bench.sh pins), PERF_LOAD (wrk; or h2: `h2load -c PERF_CONNS
#   -m PERF_STREAMS (1)` for the same time, bench.sh's HTTP/2 rows).
# Per proxy, two turns after a warm-up: one under `perf stat` (task-clock, page faults,
# context switches, migrations, every system call and each of the usual ones, wake-ups),
# one under `perf record -e cpu-clock -g`.  OUTDIR/NAME.stat, NAME.perf.data, and
# OUTDIR/summary: per request, the counts of the stat turn (its requests: wrk's, scaled to
# perf's window) and the CPU time (schedstat), then the kernel/user split and the top 20
# symbols of each side.  Timings are as noisy as the machine; the counts are not.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:?BUILD}; OUT=${2:?OUTDIR}; shift 2
PROXIES=("${@:-sysbind nginx}"); PROXIES=(${PROXIES[@]})
S=${PERF_SECONDS:-8}; WORKERS=${PERF_WORKERS:-1}; IDLE=${PERF_IDLE:-0}; CONNS=${PERF_CONNS:-32}
LOAD=${PERF_LOAD:-wrk}; STREAMS=${PERF_STREAMS:-1}
TLS13_DEFAULT=$(openssl ciphers -s -tls1_3)   # (h2load in OpenSSL's order, as bench.sh)
# run_load SECONDS URL: the load; prints "N requests in" as wrk does
run_load() {
	if [ "$LOAD" = h2 ]; then
		"${CL[@]}" h2load --tls13-ciphers="$TLS13_DEFAULT" -c "$CONNS" -m "$STREAMS" -D "$1" "$2" |
		    sed -n 's/^requests: [0-9]* total, [0-9]* started, \([0-9]*\) done.*/\1 requests in/p'
	else
		"${CL[@]}" wrk -t1 -c"$CONNS" -d"$1s" "$2"
	fi
}
[ "$S" -ge 3 ] || { echo "perfload: PERF_SECONDS must be 3 or more" >&2; exit 2; }
NCPU=$(nproc); PX=() CL=()
if [ "${PERF_PIN:-1}" = 1 ] && [ "$NCPU" -ge 2 ] && [ "$WORKERS" -eq 1 ]; then
	PX=(taskset -c $((NCPU - 1))) CL=(taskset -c "0-$((NCPU - 2))")
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); : >"$OUT/summary"
make -s -C "$ROOT" BUILD="$ROOT/build" "$ROOT/build/tests/idleconns" >/dev/null
T=$(mktemp -d /tmp/sysbind-perf.XXXXXX)
PIDS=()
cleanup() { exec 9>&- 2>/dev/null || true; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
"$ROOT/scripts/mkcerts.sh" --demo "$T/certs" >/dev/null
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p; for _ in $(seq 1 200); do p=$((10000 + RANDOM % 22000)); port_busy "$p" || { echo "$p"; return; }; done; return 1; }
wait_port() { for _ in $(seq 1 600); do port_busy "$1" && return 0; sleep 0.1; done; echo "nothing on $1" >&2; return 1; }
established() { ss -Htn state established "( dport = :$1 )" | wc -l; }
procs() { echo "$1" $(pgrep -P "$1" || true); }   # the proxy and its workers
cpu_ns() { local t=0 v p; for p in $(procs "$1"); do v=$(cat /proc/"$p"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f", s }'); t=$((t + v)); done; echo "$t"; }

BODY=$(printf 'x%.0s' $(seq 1 63))
BE=$(free_port); mkdir -p "$T/be"
cat >"$T/be/nginx.conf" <<EOC
daemon off; master_process off; worker_processes 1;
error_log $T/be/error.log warn; pid $T/be/nginx.pid;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000000; keepalive_timeout 300s;
	client_body_temp_path $T/be; proxy_temp_path $T/be; fastcgi_temp_path $T/be;
	uwsgi_temp_path $T/be; scgi_temp_path $T/be;
	server { listen 127.0.0.1:$BE; location / { return 200 "$BODY\n"; } } }
EOC
"${CL[@]}" nginx -p "$T/be" -c "$T/be/nginx.conf" 2>"$T/be/stderr" & PIDS+=($!)
wait_port "$BE"
start_sysbind() {
	cat >"$T/sysbind.ini" <<EOC
[server]
mode = iis7
workers = $WORKERS
access_log = off
idle_connection_timeout = 300
header_wait_timeout = 300
[sslcert 0.0.0.0:$1]
certificate = $T/certs/both.pem
key = $T/certs/both.key
[site Bench]
id = 1
bindings = https/127.0.0.1:$1:
backend = http://127.0.0.1:$BE
EOC
	"${PX[@]}" "$BUILD/sysbind" -c "$T/sysbind.ini" >"$T/sysbind.log" 2>&1 & SRV=$!
}
start_nginx() {
	local master=off d="$T/ngx"; mkdir -p "$d"
	[ "$WORKERS" -gt 1 ] && master=on
	cat >"$d/nginx.conf" <<EOC
daemon off; master_process $master; worker_processes $WORKERS; worker_rlimit_nofile $(ulimit -n);
error_log $d/error.log warn; pid $d/nginx.pid;
events { worker_connections $((IDLE + 2048)); }
http { access_log off; keepalive_requests 100000000; keepalive_timeout 300s;
	client_body_temp_path $d; proxy_temp_path $d; fastcgi_temp_path $d; uwsgi_temp_path $d; scgi_temp_path $d;
	upstream be { server 127.0.0.1:$BE; keepalive 32; }
	server { listen 127.0.0.1:$1 ssl http2;
		ssl_certificate $T/certs/both.pem; ssl_certificate_key $T/certs/both.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / { proxy_pass http://be; proxy_http_version 1.1;
			proxy_set_header Connection ""; proxy_set_header Host \$host; } } }
EOC
	"${PX[@]}" nginx -p "$d" -c "$d/nginx.conf" 2>"$d/stderr" & SRV=$!
}
EVENTS=task-clock,page-faults,context-switches,cpu-migrations,raw_syscalls:sys_enter
for c in epoll_wait read readv recvfrom write writev getsockopt epoll_ctl; do EVENTS+=",syscalls:sys_enter_$c"; done
EVENTS+=",sched:sched_wakeup"
for name in "${PROXIES[@]}"; do
	port=$(free_port); "start_$name" "$port"; pid=$SRV; PIDS+=("$pid")
	wait_port "$port"; sleep 0.5
	if [ "$IDLE" -gt 0 ]; then   # held until fd 9 (the fifo's only writer) closes
		rm -f "$T/fifo"; mkfifo "$T/fifo"
		"${CL[@]}" "$ROOT/build/tests/idleconns" --port "$port" --sni localhost --count "$IDLE" \
		    --hold 100000 --no-request <"$T/fifo" >"$T/idle.$name" 2>&1 & idp=$!
		exec 9>"$T/fifo"
		for _ in $(seq 1 600); do [ "$(established "$port")" -ge "$IDLE" ] && break; sleep 0.2; done
		echo "$name: $(established "$port") idle connections held" | tee -a "$OUT/summary"
	fi
	run_load 2 "https://127.0.0.1:$port/" >/dev/null   # warm-up
	for mode in stat record; do
		pl=$(procs "$pid" | tr ' ' ,)
		c0=$(cpu_ns "$pid")
		if [ "$mode" = stat ]; then
			perf stat -e "$EVENTS" -p "$pl" -o "$OUT/$name.stat" -- sleep $((S - 1)) & pp=$!
		else
			perf record -q -e cpu-clock -F 2000 -g -p "$pl" -o "$OUT/$name.perf.data" -- sleep $((S - 1)) >/dev/null 2>&1 & pp=$!
		fi
		o=$(run_load "$S" "https://127.0.0.1:$port/")
		c1=$(cpu_ns "$pid")
		wait "$pp" || true
		q=$(printf '%s\n' "$o" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
		echo "$name $mode turn: $q requests, CPU $(awk -v d=$((c1 - c0)) -v n="$q" 'BEGIN { printf "%.2f", d / 1000 / n }') us per request (schedstat)" | tee -a "$OUT/summary"
		if [ "$mode" = stat ]; then
			awk -v q="$q" -v s="$S" '/^ *[0-9.,]+ +[a-z]/ && $2 != "seconds" { v = $1; gsub(",", "", v)
				printf "  %-34s %8.3f per request\n", $2, v / (q * (s - 1) / s) }' "$OUT/$name.stat" | tee -a "$OUT/summary"
		fi
	done
	{
		echo "$name: share of samples by object"
		perf report -i "$OUT/$name.perf.data" --stdio --no-children --sort dso -g none 2>/dev/null | grep '%' | head -8
		echo "$name: top 20 kernel symbols"
		perf report -i "$OUT/$name.perf.data" --stdio --no-children --sort sym -g none --dsos '[kernel.kallsyms]' 2>/dev/null | grep '%' | head -20
		echo "$name: top 20 user symbols"
		perf report -i "$OUT/$name.perf.data" --stdio --no-children --sort dso,sym -g none 2>/dev/null | grep '%' | grep -v kernel.kallsyms | head -20
		echo "$name: system calls and epoll, inclusive"
		perf report -i "$OUT/$name.perf.data" --stdio --children --sort sym -g none 2>/dev/null |
		    grep -E ' (ksys_write|ksys_read|do_epoll_wait|ep_send_events|ep_item_poll.isra.0|vfs_readv|vfs_writev|__x64_sys_recvfrom|__x64_sys_getsockopt|net_rx_action)$'
	} >>"$OUT/summary" || true   # (head closes the pipes early)
	if [ "$IDLE" -gt 0 ]; then exec 9>&-; wait "$idp" 2>/dev/null || true; fi
	kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "perfload: $OUT/summary"
