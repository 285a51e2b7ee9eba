#!/usr/bin/env bash
# The systemd unit conf/systemd/sysbind.service (issue 10), checked with systemd's own tools
# offline (no systemd runs here): `systemd-analyze verify` on the unit as installed, the
# hardening asked for, and `systemd-analyze security` giving an exposure level of at most
# 2.0.  Then that the hardening does not break the daemon: the daemon is run under strace
# through start, https and proxied requests, a reload, a log reopen and a stop, and every
# system call it makes must be one the unit's SystemCallFilter= allows, every socket one
# of the unit's RestrictAddressFamilies=.
. "$(dirname "$0")/lib.sh"

UNIT="$SB_ROOT/conf/systemd/sysbind.service"
if ! command -v systemd-analyze >/dev/null; then
	skip "the systemd unit" "systemd-analyze is not installed (make test installs systemd)"
	finish; exit
fi

# make install links the build's objects again: a sanitizer build needs its flags, which
# `make asan` passes down in MAKEFLAGS
if ldd "$SB_BIN" | grep -q libasan && [[ "${MAKEFLAGS:-}" != *SANFLAGS=* ]]; then
	skip "the unit on an installed tree" "a sanitizer build installs through make asan, which passes its flags down"
	finish; exit
fi

# --- verify, on the unit as installed
R="$T/root"
make -s -C "$SB_ROOT" BUILD="$SB_BUILD" install DESTDIR="$R" PREFIX=/usr \
	UNITDIR=/lib/systemd/system >"$T/install.log" 2>&1 ||
	{ not_ok "make install" "$(tail "$T/install.log")"; finish; exit; }
mkdir -p "$T/verify"
# verify checks that ExecStart's and ExecReload's program exists: point them at the one
# installed in DESTDIR
sed "s|^\(Exec[A-Za-z]*\)=/usr/sbin/sysbind|\1=$R/usr/sbin/sysbind|" \
	"$R/lib/systemd/system/sysbind.service" >"$T/verify/sysbind.service"
out=$(systemd-analyze verify --man=no "$T/verify/sysbind.service" 2>&1); rc=$?
expect_eq "systemd-analyze verify passes, saying nothing" "$rc:$out" "0:"
expect_eq "... and the manual pages of Documentation= are installed" \
	"$(ls "$R/usr/share/man/man8/sysbind.8" "$R/usr/share/man/man5/sysbind.ini.5" | wc -l)" "2"
# a broken unit is not passed: the check can fail
sed 's/^Type=notify/Type=notifyy/' "$T/verify/sysbind.service" >"$T/verify/broken.service"
out=$(systemd-analyze verify --man=no "$T/verify/broken.service" 2>&1)
expect_contains "... while a misspelt Type= is reported" "$out" "Failed to parse service type"

# --- what the issue asks the unit to be
for want in "Type=notify" "ExecReload=/usr/sbin/sysbind -s reload -c /etc/sysbind/sysbind.ini" "User=sysbind" \
	"AmbientCapabilities=CAP_NET_BIND_SERVICE" "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" \
	"NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
	"LogsDirectory=sysbind" "RuntimeDirectory=sysbind"; do
	expect_eq "the unit says $want" "$(grep -cxF "$want" "$UNIT")" "1"
done

# --- exposure
sec=$(systemd-analyze security --offline=true "$UNIT" 2>&1)
level=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for sysbind.service: \([0-9.]*\) .*/\1/p')
if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
	ok "systemd-analyze security: exposure $level (at most 2.0)"
else
	not_ok "systemd-analyze security: exposure at most 2.0" "$(printf '%s\n' "$sec" | tail -25)"
fi

# --- the daemon inside the unit's system call filter
if ! command -v strace >/dev/null; then
	skip "the daemon inside the unit's system call filter" "strace is not installed (make test installs it)"
	finish; exit
fi
if ldd "$SB_BIN" | grep -q -e libasan -e libubsan; then
	skip "the daemon inside the unit's system call filter" "system calls of a sanitizer build are the sanitizer's too (make test checks them)"
	finish; exit
fi
# groups GROUP...: every system call name in the groups, nested groups expanded
groups() {
	local g line
	for g in "$@"; do
		systemd-analyze syscall-filter "$g" | while read -r line; do
			case $line in ''|'#'*) ;; @*) [ "$line" != "$g" ] && groups "$line" ;; *) echo "$line" ;; esac
		done
	done
}
filt=$(sed -n 's/^SystemCallFilter=//p' "$UNIT")
allow=$(echo "$filt" | grep -v '^~' | tr ' ' '\n' | while read -r g; do groups "$g"; done | sort -u)
deny=$(echo "$filt" | sed -n 's/^~//p' | tr ' ' '\n' | while read -r g; do groups "$g"; done | sort -u)
comm -23 <(echo "$allow") <(echo "$deny") >"$T/allowed"
expect_eq "the filter allows the basics (read, accept4, epoll_wait) and not setuid" \
	"$(grep -cx -e read -e accept4 -e epoll_wait "$T/allowed"):$(grep -cx setuid "$T/allowed")" "3:0"

P=$(free_port); H=$(free_port); H2=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
mkdir -p "$T/logs"
cat >"$T/unit.ini" <<EOF
[server]
workers = 2
access_log = $T/logs/access.log
httperr_log = $T/logs/httperr.log
pid_file = $T/run/sysbind.pid

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[site App]
id = 1
bindings = https/127.0.0.1:$P:, http/127.0.0.1:$H:
backend = http://127.0.0.1:$B
EOF
strace -f -qq -o "$T/strace.out" "$SB_BIN" -c "$T/unit.ini" >"$T/sysbind.log" 2>&1 &
SB_PID=$!; _pids+=("$SB_PID")
wait_port "$P" || { not_ok "the daemon starts under strace" "$(cat "$T/sysbind.log")"; finish; exit; }
codes=$(curl -s -o /dev/null -w '%{http_code} ' --cacert "$SB_CERTS/ca.pem" \
	--resolve "sitev1.mysite.com:$P:127.0.0.1" "https://sitev1.mysite.com:$P/echo"
	curl -s -o /dev/null -w '%{http_code} ' "http://127.0.0.1:$H/echo"
	curl -s -o /dev/null -w '%{http_code} ' -H 'Host: x y' "http://127.0.0.1:$H/")
expect_eq "under strace: https and http proxied, and HTTP.SYS's own 400" "$codes" "200 200 400 "
spid=$(cat "$T/run/sysbind.pid")
# a reload that adds a listener (so its binding is among the system calls checked)
sed -i "s|http/127.0.0.1:$H:|http/127.0.0.1:$H:, http/127.0.0.1:$H2:|" "$T/unit.ini"
kill -HUP "$spid"
expect_log "under strace: SIGHUP reloads" "$T/sysbind.log" "info: reloaded: generation 2 serving"
# (each worker takes the new generation on its own thread: the port opens soon after)
wait_port "$H2"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$H2/echo")
expect_eq "... and the listener it adds serves" "$code" "200"
# logrotate's way: the logs are moved, then SIGUSR1 makes the daemon write new ones
mv "$T/logs/access.log" "$T/logs/access.log.1"
mv "$T/logs/httperr.log" "$T/logs/httperr.log.1"
kill -USR1 "$spid"
expect_log "SIGUSR1 reopens the logs" "$T/sysbind.log" "info: SIGUSR1: 2 log file(s) reopened"
curl -s -o /dev/null "http://127.0.0.1:$H/echo?after-reopen"
curl -s -o /dev/null -H 'Host: x y' "http://127.0.0.1:$H/?after-reopen"
expect_log "... the next request goes to a new access.log" "$T/logs/access.log" "GET /echo after-reopen"
expect_log "... and its next error to a new httperr.log" "$T/logs/httperr.log" "after-reopen"
expect_eq "... and none to the moved ones" \
	"$(cat "$T/logs/access.log.1" "$T/logs/httperr.log.1" | grep -c after-reopen)" "0"
kill -TERM "$spid"
wait "$SB_PID"; rc=$?
expect_eq "SIGTERM: it stops, with 0" "$rc:$(grep -c 'info: stopped$' "$T/sysbind.log")" "0:1"
used=$(sed -E -n 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p; s/^[0-9]+ +<\.\.\. ([a-z0-9_]+) resumed>.*/\1/p' \
	"$T/strace.out" | sort -u)
expect_eq "every system call the daemon made is one the unit allows" \
	"$(comm -23 <(echo "$used") "$T/allowed" | tr '\n' ' ')" ""
expect_contains "... (it made $(echo "$used" | wc -l) different ones, accept4 among them)" "$used" "accept4"
fams=$(sed -E -n 's/^[0-9]+ +socket\((AF_[A-Z0-9]+),.*/\1/p' "$T/strace.out" | sort -u | tr '\n' ' ')
expect_eq "every socket it opened is of a family the unit allows" \
	"$(for f in $fams; do grep -qw "$f" <(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT") || echo "$f"; done)" ""
expect_contains "... (IPv4 at least: $fams)" "$fams" "AF_INET"
finish
