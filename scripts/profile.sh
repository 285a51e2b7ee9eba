#!/usr/bin/env bash
# profile.sh — instruction counts (callgrind) and system-call counts (strace -c) per request
# for sysbind and nginx as TLS-terminating proxies in front of the same nginx backend, with
# the configurations of scripts/bench.sh, under fixed-count loads (independent of machine
# load, unlike bench.sh's timings):
#   ka    h2load --h1 -n N -c 1 on /            keep-alive requests on one connection
#   ka32  h2load --h1 -n N -c 32 on /           the same on 32 connections (bench.sh's wrk -c32)
#   h2    h2load -n N -c 4 -m 8 on /           HTTP/2, 32 streams in flight (bench.sh's first h2 row)
#   h2c32 h2load -n N -c 32 -m 1 on /          HTTP/2, one stream on each of 32 connections
#   h2w   h2load -n N -c 4 -m 32 on /          HTTP/2, 128 streams in flight (more than the 32
#         idle backend connections each proxy keeps)
#   conn  idleconns --count N --hold 0          N new TLS connections, one request each
#   churn idleconns --churn S                   new TLS connections one after the other for
#         PROF_CHURN seconds (default 3) in PROF_CHURN_PARALLEL clients (default 1), one
#         "Connection: close" request each, the client closing after the response
#         (bench.sh's new-connection row); the count is how many completed (not in the
#         default PROF_KINDS)
#   big   h2load --h1 -n N -c 1 on /1m          1 MiB responses
#   up    curl -T of a 1 MiB file, N times      1 MiB uploads (new connection each), read
#         whole by the backend before it answers
#   up2   the same over HTTP/2 (curl --http2)   (not in the default PROF_KINDS)
#   scripts/profile.sh BUILD OUTDIR [PROXY...]     PROXY: sysbind nginx (default both)
#   env PROF_TOOL=callgrind|strace|perf (default callgrind; perf: perf stat's software
#   counters of the proxy over the load, PROF_PERF_EVENTS, into OUTDIR/NAME.KIND.perf), PROF_KA PROF_CONN PROF_BIG PROF_UP counts,
#   PROF_KINDS (default "ka ka32 conn big up"), PROF_SB_SERVER: a line added to sysbind's
#   [server] section (e.g. "tls_session_cache = 0", to price the session cache),
#   PROF_SB_SSLCERT one added to its [sslcert] (e.g. "disablesessionid = disable"),
#   PROF_STRACE_OPTS strace's options in place of -c (e.g. "-e trace=!getpid" with
#   PROF_CONN=3: every system call of three connections, in order).
# Each load is preceded by a warm-up (the same load, smaller) and callgrind's counters are
# zeroed (callgrind_control -z) before it and dumped (-d) after it: OUTDIR/NAME.KIND.cg and
# OUTDIR/NAME.KIND.n (the count).  With strace, OUTDIR/NAME.KIND.strace.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:?BUILD}; OUT=${2:?OUTDIR}; shift 2
PROXIES=("${@:-sysbind nginx}"); PROXIES=(${PROXIES[@]})
TOOL=${PROF_TOOL:-callgrind}
KA=${PROF_KA:-2000}; CONN=${PROF_CONN:-100}; BIG=${PROF_BIG:-20}; UP=${PROF_UP:-10}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
T=$(mktemp -d /tmp/sysbind-prof.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
"$ROOT/scripts/mkcerts.sh" --demo "$T/certs" >/dev/null
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p; for _ in $(seq 1 200); do p=$((10000 + RANDOM % 22000)); port_busy "$p" || { echo "$p"; return; }; done; return 1; }
wait_port() { for _ in $(seq 1 600); do port_busy "$1" && return 0; sleep 0.1; done; echo "nothing on $1" >&2; return 1; }

BODY=$(printf 'x%.0s' $(seq 1 63))
BE=$(free_port); mkdir -p "$T/be/www"
head -c 1048576 /dev/urandom >"$T/be/www/1m"; cp "$T/be/www/1m" "$T/up1m"
cat >"$T/be/nginx.conf" <<EOC
daemon off; master_process off; worker_processes 1;
error_log $T/be/error.log warn; pid $T/be/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off; client_max_body_size 8m;
	client_body_temp_path $T/be; proxy_temp_path $T/be; fastcgi_temp_path $T/be;
	uwsgi_temp_path $T/be; scgi_temp_path $T/be;
	keepalive_requests 100000000; keepalive_timeout 300s;
	sendfile on; tcp_nopush on;
	server {
		listen 127.0.0.1:$BE; root $T/be/www;
		location / { return 200 "$BODY\n"; }
		location = /1m { }
		# /up reads the whole body before it answers (proxied to /, buffered in memory):
		# a backend that answered at once would let a proxy stop forwarding half-way
		location = /up { client_body_buffer_size 2m; proxy_pass http://127.0.0.1:$BE/; }
	}
}
EOC
nginx -p "$T/be" -c "$T/be/nginx.conf" 2>"$T/be/stderr" & PIDS+=($!)
wait_port "$BE"

wrap() {   # wrap NAME: the command prefix that runs the proxy
	if [ "$TOOL" = callgrind ]; then
		echo "valgrind --tool=callgrind --callgrind-out-file=$T/$1.cg.%p --instr-atstart=no --dump-instr=no"
	fi
}
start_sysbind() {
	cat >"$T/sysbind.ini" <<EOC
[server]
mode = iis7
workers = 1
access_log = off
${PROF_SB_SERVER:-}
[sslcert 0.0.0.0:$1]
certificate = $T/certs/both.pem
key = $T/certs/both.key
${PROF_SB_SSLCERT:-}
[site Bench]
id = 1
bindings = https/127.0.0.1:$1:
backend = http://127.0.0.1:$BE
EOC
	$(wrap sysbind) "$BUILD/sysbind" -c "$T/sysbind.ini" >>"$T/sysbind.log" 2>&1 &
	SRV=$!
}
start_nginx() {
	local d="$T/ngx"; mkdir -p "$d"
	cat >"$d/nginx.conf" <<EOC
daemon off; master_process off; worker_processes 1; worker_rlimit_nofile 8192;
error_log $d/error.log warn; pid $d/nginx.pid;
events { worker_connections 8192; }
http {
	access_log off; client_max_body_size 8m;
	client_body_temp_path $d; proxy_temp_path $d; fastcgi_temp_path $d;
	uwsgi_temp_path $d; scgi_temp_path $d;
	keepalive_requests 100000000; keepalive_timeout 300s;
	upstream be { server 127.0.0.1:$BE; keepalive 32; }
	server {
		listen 127.0.0.1:$1 ssl http2;
		ssl_certificate $T/certs/both.pem; ssl_certificate_key $T/certs/both.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / { proxy_pass http://be; proxy_http_version 1.1;
			proxy_set_header Connection ""; proxy_set_header Host \$host; }
	}
}
EOC
	$(wrap nginx) nginx -p "$d" -c "$d/nginx.conf" 2>"$d/stderr" &
	SRV=$!
}
# h2load with OpenSSL's TLS 1.3 suite order (as bench.sh's h2load_run: nginx follows the
# client's order, and h2load's own starts with AES-128)
TLS13_DEFAULT=$(openssl ciphers -s -tls1_3)
h2l() { h2load --tls13-ciphers="$TLS13_DEFAULT" "$@" | grep -E '^requests:|^status codes:|^Cipher:'; }
# the loads: load KIND PORT COUNT
load() {
	case "$1" in
	ka)   h2l --h1 -n "$3" -c 1 "https://127.0.0.1:$2/" ;;
	ka32) h2l --h1 -n "$3" -c 32 "https://127.0.0.1:$2/" ;;
	h2)   h2l -n "$3" -c 4 -m 8 "https://127.0.0.1:$2/" ;;
	h2c32) h2l -n "$3" -c 32 -m 1 "https://127.0.0.1:$2/" ;;
	h2w)  h2l -n "$3" -c 4 -m 32 "https://127.0.0.1:$2/" ;;
	big)  h2l --h1 -n "$3" -c 1 "https://127.0.0.1:$2/1m" ;;
	conn) "$ROOT/build/tests/idleconns" --port "$2" --sni localhost --count "$3" --hold 0 </dev/null | tail -1 ;;
	churn) "$ROOT/build/tests/idleconns" --port "$2" --sni localhost --churn "${PROF_CHURN:-3}" --parallel "${PROF_CHURN_PARALLEL:-1}" ;;
	up)   for _ in $(seq 1 "$3"); do curl -sk --http1.1 -H 'Expect:' -o /dev/null -w '%{http_code} ' -T "$T/up1m" "https://127.0.0.1:$2/up"; done; echo ;;
	up2)  for _ in $(seq 1 "$3"); do curl -sk --http2 -o /dev/null -w '%{http_code} ' -T "$T/up1m" "https://127.0.0.1:$2/up"; done; echo ;;
	esac
}
cg() { [ "$TOOL" = callgrind ] && callgrind_control "$@" "$SRV" >/dev/null 2>&1 || true; }
for name in "${PROXIES[@]}"; do
	port=$(free_port)
	"start_$name" "$port"; PIDS+=("$SRV")
	wait_port "$port"
	for kind in ${PROF_KINDS:-ka ka32 conn big up}; do
		case $kind in ka) n=$KA ;; ka32) n=${PROF_KA32:-$((KA * 4))} ;; h2|h2c32|h2w) n=${PROF_H2:-$((KA * 4))} ;; conn|churn) n=$CONN ;; big) n=$BIG ;; up|up2) n=$UP ;; esac
		load "$kind" "$port" $((n / 5 + 1)) >/dev/null   # warm-up
		sleep 1
		if [ "$TOOL" = strace ]; then
			strace ${PROF_STRACE_OPTS:--c} -f -o "$OUT/$name.$kind.strace" -p "$SRV" & sp=$!
			sleep 1
		elif [ "$TOOL" = perf ]; then
			perf stat -e "${PROF_PERF_EVENTS:-task-clock,context-switches,cpu-migrations,page-faults}" \
				-o "$OUT/$name.$kind.perf" -p "$SRV" & sp=$!
			sleep 1
			nstat -n 2>/dev/null || true
		else
			cg -i on; cg -z
		fi
		res=$(load "$kind" "$port" "$n")
		# TCP segments of the load (all of the host's: run under `unshare -n` to count
		# only these, e.g. unshare -n sh -c 'ip link set lo up; scripts/profile.sh ...')
		[ "$TOOL" = perf ] && { nstat -z TcpOutSegs 2>/dev/null | grep TcpOutSegs >"$OUT/$name.$kind.segs" || true; }
		echo "$name $kind: $res"
		[ "$kind" = churn ] && n=$(echo "$res" | sed -n 's/^done \([0-9]*\) .*/\1/p')
		sleep 1
		if [ "$TOOL" = strace ] || [ "$TOOL" = perf ]; then kill -INT "$sp"; wait "$sp" || true
		else cg -d; cg -i off; sleep 1
			f=$(ls -t "$T/$name".cg.*.* 2>/dev/null | head -1)
			mv "$f" "$OUT/$name.$kind.cg"
		fi
		echo "$n" >"$OUT/$name.$kind.n"
	done
	kill "$SRV"; wait "$SRV" 2>/dev/null || true
done
