#!/usr/bin/env bash
# bench.sh — sysbind against nginx and HAProxy as TLS-terminating reverse proxies (DESIGN.md
# §8), in one run, on loopback, one worker each, in front of the same backend, then a table
# with ratios to nginx.
#
#   scripts/bench.sh [BUILD]        (default build; builds sysbind and the tools first)
#   env: BENCH_SECONDS (keep-alive run, default 8), BENCH_CONN_SECONDS (new-connection run,
#        default 6), BENCH_CONNS (wrk connections, default 32), BENCH_IDLE (idle TLS
#        connections, default 1000)
#
# Installs nginx, haproxy and wrk from Debian when missing (scripts/install-deps.sh).
# The backend is an nginx instance of its own answering every request with a fixed 64-byte
# body (`return 200`), keep-alive, on another port: fast, written in C, and not one of the
# proxies' code paths under test.  Each proxy keeps up to 32 idle backend connections and
# logs nothing.  The TLS certificate (ECDSA P-256), protocol (TLS 1.3) and cipher are the
# same for all three.
#
# Measures, per proxy:
#   keep-alive: wrk --latency for BENCH_SECONDS: requests/s, p50 and p99 latency, and the
#     proxy's CPU (utime+stime from /proc/PID/stat, all threads) per request in µs;
#   new connection: tests/tools/idleconns --churn, 4 processes opening connections one
#     after the other for BENCH_CONN_SECONDS, each a full TLS handshake (no resumption; wrk
#     would resume) plus one request with Connection: close: proxy CPU µs per connection;
#   idle memory: tests/tools/idleconns opens BENCH_IDLE TLS connections, one request each,
#     and holds them: the proxy's RSS delta / BENCH_IDLE, in KiB.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
SECS=${BENCH_SECONDS:-8}
CSECS=${BENCH_CONN_SECONDS:-6}
CONNS=${BENCH_CONNS:-32}
IDLE=${BENCH_IDLE:-1000}

need=()
command -v nginx >/dev/null || need+=(nginx)
command -v haproxy >/dev/null || need+=(haproxy)
command -v wrk >/dev/null || need+=(wrk)
[ ${#need[@]} -eq 0 ] || "$ROOT/scripts/install-deps.sh" "${need[@]}"
make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/sysbind" "$BUILD/tests/idleconns" >/dev/null

T=$(mktemp -d /tmp/sysbind-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
"$ROOT/scripts/mkcerts.sh" --demo "$T/certs" >/dev/null
cat "$T/certs/both.pem" "$T/certs/both.key" >"$T/certs/both-combined.pem"
TCK=$(getconf CLK_TCK)

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p
	# below the ephemeral range (32768-60999): never a port a client socket holds
	while :; do p=$((10000 + RANDOM % 22000)); port_busy "$p" || { echo "$p"; return; }; done
}
wait_port() {
	local i
	for i in $(seq 1 100); do port_busy "$1" && return 0; sleep 0.05; done
	echo "bench: nothing listens on port $1" >&2; return 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# to_ms 1.23ms|456.00us|1.01s
to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
		else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

BODY=$(printf 'x%.0s' $(seq 1 63))   # 63 x + "\n" = 64 bytes
BE=$(free_port)
mkdir -p "$T/be"
cat >"$T/be/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
error_log $T/be/error.log warn; pid $T/be/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $T/be; proxy_temp_path $T/be; fastcgi_temp_path $T/be;
	uwsgi_temp_path $T/be; scgi_temp_path $T/be;
	keepalive_requests 100000000; keepalive_timeout 300s;
	server { listen 127.0.0.1:$BE; location / { return 200 "$BODY\n"; } }
}
EOF
nginx -p "$T/be" -c "$T/be/nginx.conf" 2>"$T/be/stderr" &
PIDS+=($!)
wait_port "$BE"

# ---- the three proxies: start_NAME PORT sets SRV_PID
start_sysbind() {
	cat >"$T/sysbind.ini" <<EOF
[server]
mode = iis7
workers = 1
access_log = off
[sslcert 0.0.0.0:$1]
certificate = $T/certs/both.pem
key = $T/certs/both.key
[site Bench]
id = 1
bindings = https/127.0.0.1:$1:
backend = http://127.0.0.1:$BE
EOF
	"$BUILD/sysbind" -c "$T/sysbind.ini" >"$T/sysbind.log" 2>&1 &
	SRV_PID=$!
}
start_nginx() {
	mkdir -p "$T/ngx"
	cat >"$T/ngx/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1; worker_rlimit_nofile 8192;
error_log $T/ngx/error.log warn; pid $T/ngx/nginx.pid;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $T/ngx; proxy_temp_path $T/ngx; fastcgi_temp_path $T/ngx;
	uwsgi_temp_path $T/ngx; scgi_temp_path $T/ngx;
	keepalive_requests 100000000; keepalive_timeout 300s;
	upstream be { server 127.0.0.1:$BE; keepalive 32; }
	server {
		listen 127.0.0.1:$1 ssl;
		ssl_certificate $T/certs/both.pem; ssl_certificate_key $T/certs/both.key;
		ssl_protocols TLSv1.2 TLSv1.3;   # 1.22's default stops at TLS 1.2
		location / { proxy_pass http://be; proxy_http_version 1.1;
			proxy_set_header Connection ""; proxy_set_header Host \$host; }
	}
}
EOF
	nginx -p "$T/ngx" -c "$T/ngx/nginx.conf" 2>"$T/ngx/stderr" &
	SRV_PID=$!
}
start_haproxy() {
	cat >"$T/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn 8192
defaults
	mode http
	timeout connect 5s
	timeout client 300s
	timeout server 300s
	timeout http-keep-alive 300s
	http-reuse always
frontend fe
	bind 127.0.0.1:$1 ssl crt $T/certs/both-combined.pem
	default_backend be
backend be
	server app 127.0.0.1:$BE pool-max-conn 32
EOF
	haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
	SRV_PID=$!
}

# measure NAME: fills R_<metric>_NAME
measure() {
	local name=$1 port out c0 c1 reqs rss0 rss1 ready
	port=$(free_port)
	"start_$name" "$port"
	PIDS+=("$SRV_PID")
	wait_port "$port"
	local url="https://127.0.0.1:$port/"
	printf -v "R_tls_$name" '%s' "$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
		2>/dev/null | sed -n 's/^New, \(.*\), Cipher is \(.*\)/\1 \2/p')"
	wrk -t1 -c8 -d1s "$url" >/dev/null 2>&1 || true        # warm-up
	sleep 0.5
	# idle TLS connections (first, on a process that has served only the warm-up)
	rss0=$(rss_kb "$SRV_PID")
	rm -f "$T/idle.out"
	( sleep 120 | "$BUILD/tests/idleconns" --port "$port" --count "$IDLE" --sni localhost \
		--hold 120 >"$T/idle.out" 2>"$T/idle.err" ) &
	local ipid=$!
	for _ in $(seq 1 600); do grep -q ready "$T/idle.out" 2>/dev/null && break; sleep 0.1; done
	sleep 0.5
	rss1=$(rss_kb "$SRV_PID")
	ready=$(sed -n 's/^ready //p' "$T/idle.out")
	printf -v "R_idle_$name" '%s' "$(awk -v a="$rss0" -v b="$rss1" -v n="${ready:-0}" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / n; else print "?" }')"
	kill "$ipid" 2>/dev/null || true
	pkill -P "$ipid" 2>/dev/null || true
	wait "$ipid" 2>/dev/null || true
	# keep-alive
	c0=$(cpu_ticks "$SRV_PID")
	out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$url")
	c1=$(cpu_ticks "$SRV_PID")
	reqs=$(printf '%s\n' "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
	printf -v "R_rps_$name" '%s' "$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')"
	printf -v "R_p50_$name" '%s' "$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')")"
	printf -v "R_p99_$name" '%s' "$(to_ms "$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')")"
	printf -v "R_cpureq_$name" '%s' "$(awk -v d=$((c1 - c0)) -v n="$reqs" -v t="$TCK" 'BEGIN { printf "%.1f", d * 1e6 / t / n }')"
	if printf '%s\n' "$out" | grep -q -E 'Socket errors|Non-2xx'; then
		printf -v "R_err_$name" '%s' "$(printf '%s\n' "$out" | grep -E 'Socket errors|Non-2xx' | tr '\n' ' ')"
	fi
	# new TLS connection + one request: full handshakes (wrk would resume sessions)
	c0=$(cpu_ticks "$SRV_PID")
	out=$("$BUILD/tests/idleconns" --port "$port" --sni localhost --churn "$CSECS" --parallel 4)
	c1=$(cpu_ticks "$SRV_PID")
	reqs=$(printf '%s\n' "$out" | sed -n 's/^done \([0-9]*\).*/\1/p')
	printf -v "R_cps_$name" '%s' "$(awk -v n="$reqs" -v t="$CSECS" 'BEGIN { printf "%.0f", n / t }')"
	printf -v "R_cpuconn_$name" '%s' "$(awk -v d=$((c1 - c0)) -v n="$reqs" -v t="$TCK" 'BEGIN { printf "%.1f", d * 1e6 / t / n }')"
	case "$out" in *"failed 0"*) ;; *) printf -v "R_err_$name" '%s' "new connections: $out" ;; esac
	kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true
}

echo "bench: backend nginx on 127.0.0.1:$BE (64-byte body), wrk -c$CONNS, ${SECS}s keep-alive, ${CSECS}s new connections, $IDLE idle connections" >&2
for n in sysbind nginx haproxy; do
	echo "bench: $n ..." >&2
	measure "$n"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
row() {   # row LABEL METRIC
	local s n h
	s=$(eval echo "\${R_$2_sysbind:-?}"); n=$(eval echo "\${R_$2_nginx:-?}"); h=$(eval echo "\${R_$2_haproxy:-?}")
	printf '%-34s %10s %10s %10s %10s %10s\n' "$1" "$s" "$n" "$h" "$(ratio "$s" "$n")" "$(ratio "$h" "$n")"
}
echo
printf '%-34s %10s %10s %10s %10s %10s\n' "" sysbind nginx haproxy "sysb/ngx" "hap/ngx"
row "keep-alive requests/s" rps
row "keep-alive p50 latency (ms)" p50
row "keep-alive p99 latency (ms)" p99
row "CPU µs per keep-alive request" cpureq
row "new TLS connections/s" cps
row "CPU µs per new connection+request" cpuconn
row "RSS KiB per idle TLS connection" idle
for n in sysbind nginx haproxy; do
	echo "$n: $(eval echo "\${R_tls_$n:-?}")"
done
for n in sysbind nginx haproxy; do
	e=$(eval echo "\${R_err_$n:-}")
	[ -z "$e" ] || echo "note: $n: $e"
done
echo
chk() { awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 <= b + 0) }' && echo "met    $1" || echo "MISSED $1"; }
chk "CPU per keep-alive request <= 0.8 x nginx ($R_cpureq_sysbind vs $(awk -v b="$R_cpureq_nginx" 'BEGIN { printf "%.1f", 0.8 * b }'))" \
	"$R_cpureq_sysbind" "$(awk -v b="$R_cpureq_nginx" 'BEGIN { print 0.8 * b }')"
chk "keep-alive p99 <= nginx ($R_p99_sysbind ms vs $R_p99_nginx ms)" "$R_p99_sysbind" "$R_p99_nginx"
chk "CPU per new connection <= nginx ($R_cpuconn_sysbind vs $R_cpuconn_nginx µs)" "$R_cpuconn_sysbind" "$R_cpuconn_nginx"
chk "idle TLS connection <= 12 KiB ($R_idle_sysbind KiB)" "$R_idle_sysbind" 12
