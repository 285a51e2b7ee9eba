#!/usr/bin/env bash
# logrotate (issue 10): the shipped conf/logrotate/sysbind, pointed at this test's logs and
# pid file (nothing else changed), run with `logrotate -f` twice against a running daemon
# while curl keeps it busy, the loads stopping only after the second rotation: keep-alive
# requests proxied to a backend (access log) from two clients, and requests with an invalid
# Host that HTTP.SYS answers itself, closing each connection (HTTPERR log).  Then every request is in the logs exactly once, whole: the W3C and HTTPERR lines
# over the new, the rotated and the compressed files add up to the requests curl sent, each
# URL once, each line with all its fields; each file starts with its header.
. "$(dirname "$0")/lib.sh"

if ! command -v logrotate >/dev/null; then
	skip "logrotate against a running daemon" "logrotate is not installed (make test installs it)"
	finish; exit
fi
H=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
mkdir -p "$T/logs"
cat >"$T/rot.ini" <<EOF
[server]
workers = 2
access_log = $T/logs/access.log
httperr_log = $T/logs/httperr.log
pid_file = $T/run/sysbind.pid

[site App]
id = 1
bindings = http/127.0.0.1:$H:app.example
backend = http://127.0.0.1:$B
EOF
sb_start "$T/rot.ini" "$H" || { finish; exit; }
expect_eq "the pid file's missing directory is made" "$(cat "$T/run/sysbind.pid" 2>/dev/null)" "$SB_PID"

sed -e "s|/var/log/sysbind/|$T/logs/|g" -e "s|/run/sysbind/sysbind.pid|$T/run/sysbind.pid|g" \
	"$SB_ROOT/conf/logrotate/sysbind" >"$T/logrotate.conf"
expect_eq "the test's logrotate file differs from the shipped one in its paths only" \
	"$(diff <(grep -v '^#' "$SB_ROOT/conf/logrotate/sysbind") <(grep -v '^#' "$T/logrotate.conf") | grep -c '^>')" "2"

# count_lines FILE-GLOB: request lines (not # headers) in the files, compressed or not
count_lines() { zcat -f "$T"/logs/$1 2>/dev/null | grep -vc '^#'; }
# wait_reopens N: wait until the daemon logged its Nth SIGUSR1 reopen (at most 10 s)
_reopens() { [ "$(grep -c 'SIGUSR1: 2 log file(s) reopened' "$T/sysbind.log")" -ge "$1" ]; }
wait_reopens() { wait_for -t 10 _reopens "$1"; }
# wait_lines FILE N: wait until FILE holds N request lines (at most 30 s)
_lines() { [ "$(grep -vc '^#' "$T/logs/$1" 2>/dev/null)" -ge "$2" ]; }
wait_lines() { wait_for -t 30 _lines "$1" "$2"; }

# load NAME HOST PATH: batches of 100 requests to http://127.0.0.1:$H/PATH/BATCH-N with
# Host HOST (one keep-alive connection per batch; a new connection per request when the
# server closes), until $T/stop exists; at most 300 batches.  Writes "URL CODE" per request.
load() {
	local b
	for b in $(seq 1 300); do
		[ -e "$T/stop" ] && break
		curl -s -o /dev/null -w '%{url_effective} %{http_code}\n' -H "Host: $2" \
			"http://127.0.0.1:$H/$3/$b-[1-100]" >>"$T/sent-$1"
	done
}
timeout 180 bash -c "$(declare -f load); T=$T H=$H; load a app.example a" &
la=$!; _pids+=("$la")
timeout 180 bash -c "$(declare -f load); T=$T H=$H; load b app.example b" &
lb=$!; _pids+=("$lb")
timeout 180 bash -c "$(declare -f load); T=$T H=$H; load e nobody.example e" &
le=$!; _pids+=("$le")

busy=""
for round in 1 2; do
	wait_lines access.log 300 || not_ok "round $round: requests reach the access log"
	wait_lines httperr.log 30 || not_ok "round $round: errors reach the HTTPERR log"
	if ! logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate-$round.out" 2>&1; then
		not_ok "logrotate -f (round $round)" "$(cat "$T/logrotate-$round.out")"
	fi
	wait_reopens "$round" || not_ok "round $round: the daemon reopens its logs on SIGUSR1"
	kill -0 "$la" 2>/dev/null && kill -0 "$lb" 2>/dev/null && kill -0 "$le" 2>/dev/null &&
		busy="$busy$round"
done
wait_lines access.log 300
wait_lines httperr.log 30
touch "$T/stop"
wait "$la" "$lb" "$le"
expect_eq "both rotations happened while all three loads were sending" "$busy" "12"

sent_ok=$(cat "$T/sent-a" "$T/sent-b" | awk '$2 == 200' | wc -l)
expect_eq "curl: every keep-alive request answered 200 ($sent_ok of them)" \
	"$(cat "$T/sent-a" "$T/sent-b" | awk '$2 != 200' | wc -l)" "0"
sent_err=$(awk '$2 == 400' "$T/sent-e" | wc -l)
expect_eq "curl: every bad-Host request answered 400 ($sent_err of them)" \
	"$(awk '$2 != 400' "$T/sent-e" | wc -l)" "0"
expect_eq "rotation made access.log.1 and access.log.2.gz (delaycompress), the same for httperr" \
	"$(cd "$T/logs" && ls | tr '\n' ' ')" \
	"access.log access.log.1 access.log.2.gz httperr.log httperr.log.1 httperr.log.2.gz "
expect_eq "access log: as many lines as requests, over the three files" \
	"$(count_lines 'access.log*')" "$sent_ok"
expect_eq "... each URL exactly once" \
	"$(zcat -f "$T"/logs/access.log* | grep -v '^#' | awk '{ print $5 }' | sort)" \
	"$(cat "$T/sent-a" "$T/sent-b" | awk '{ sub("^http://[^/]*", "", $1); print $1 }' | sort)"
expect_eq "... every line whole: 22 fields, status 200" \
	"$(zcat -f "$T"/logs/access.log* | grep -v '^#' | awk '{ print NF " " $13 }' | sort | uniq -c | awk '{ print $1 " " $2 " " $3 }')" \
	"$sent_ok 22 200"
for f in access.log access.log.1 access.log.2.gz; do
	expect_eq "$f starts with IIS's W3C header and holds requests" \
		"$(zcat -f "$T/logs/$f" | head -1):$([ "$(zcat -f "$T/logs/$f" | grep -vc '^#')" -gt 0 ] && echo some)" \
		"#Software: Microsoft Internet Information Services 10.0:some"
done
expect_eq "HTTPERR log: as many lines as bad requests" "$(count_lines 'httperr.log*')" "$sent_err"
expect_eq "... each URL exactly once" \
	"$(zcat -f "$T"/logs/httperr.log* | grep -v '^#' | awk '{ print $9 }' | sort)" \
	"$(awk '{ sub("^http://[^/]*", "", $1); print $1 }' "$T/sent-e" | sort)"
expect_eq "... every line whole: 14 fields, 400 Hostname" \
	"$(zcat -f "$T"/logs/httperr.log* | grep -v '^#' | awk '{ print NF " " $11 " " $13 }' | sort | uniq -c | awk '{ print $1 " " $2 " " $3 " " $4 }')" \
	"$sent_err 14 400 Hostname"
for f in httperr.log httperr.log.1 httperr.log.2.gz; do
	expect_eq "$f starts with HTTP.SYS's header and holds errors" \
		"$(zcat -f "$T/logs/$f" | head -1):$([ "$(zcat -f "$T/logs/$f" | grep -vc '^#')" -gt 0 ] && echo some)" \
		"#Software: Microsoft HTTP API 2.0:some"
done

# a pid file left behind by a dead daemon: the postrotate signals nobody, and succeeds
sb_stop >"$T/stop.rc"
expect_eq "the daemon stops with 0 and removes its pid file" \
	"$(cat "$T/stop.rc"):$(test -e "$T/run/sysbind.pid" && echo left)" "0:"
echo "$$" >"$T/run/sysbind.pid"   # this shell: alive, but not sysbind
echo "x" >>"$T/logs/access.log"
logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate-3.out" 2>&1; rc=$?
expect_eq "a pid file naming another process: logrotate succeeds and signals nothing" \
	"$rc:$(kill -0 $$ && echo alive)" "0:alive"

# --- started as root, running as another user (the sample's user = sysbind by hand):
# the logs it opened as root are handed to that user, so after logrotate re-creates them
# with the same owner the daemon can still reopen them
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	skip "logrotate with a daemon that dropped to another user" "needs root and a 'nobody' user"
	finish; exit
fi
chmod 711 "$T"
install -d -m 0755 -o nobody "$T/ulogs"
H2=$(free_port)
cat >"$T/user.ini" <<EOF
[server]
user = nobody
access_log = $T/ulogs/access.log
httperr_log = $T/ulogs/httperr.log
pid_file = $T/urun/sysbind.pid

[site App]
id = 1
bindings = http/127.0.0.1:$H2:
EOF
sb_start "$T/user.ini" "$H2" user || { finish; exit; }
expect_eq "user = nobody: the logs opened as root now belong to nobody, the pid directory too" \
	"$(stat -c %U "$T/ulogs/access.log" "$T/ulogs/httperr.log" "$T/urun" | tr '\n' ' ')" "nobody nobody nobody "
sed -e "s|/var/log/sysbind/|$T/ulogs/|g" -e "s|/run/sysbind/sysbind.pid|$T/urun/sysbind.pid|g" \
	"$SB_ROOT/conf/logrotate/sysbind" >"$T/logrotate-user.conf"
curl -s -o /dev/null "http://127.0.0.1:$H2/before"
wait_log "$T/ulogs/access.log" /before || not_ok "the request before the rotation is logged"
logrotate -f -s "$T/logrotate-user.state" "$T/logrotate-user.conf" >"$T/logrotate-user.out" 2>&1
expect_log "... logrotate -f: the daemon, now nobody, reopens both" "$T/user.log" \
	"SIGUSR1: 2 log file(s) reopened"
curl -s -o /dev/null "http://127.0.0.1:$H2/after"
wait_log "$T/ulogs/access.log" /after || not_ok "the request after the rotation is logged"
expect_eq "... and logs the next request in the new file" \
	"$(grep -vc '^#' "$T/ulogs/access.log"):$(grep -c '/before' "$T/ulogs/access.log.1")" "1:1"
sb_stop >"$T/stop.rc"
expect_eq "... and stops with 0, its pid file removed" \
	"$(cat "$T/stop.rc"):$(test -e "$T/urun/sysbind.pid" && echo left)" "0:"
finish
