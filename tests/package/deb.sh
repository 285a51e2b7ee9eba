#!/usr/bin/env bash
# The Debian package on a machine of its own (issue 10): build it with `make deb`, install
# it with apt-get, then check what an administrator would: the sysbind user, the
# certificate made for the machine, `sysbind -t` on the installed sample, the daemon
# started by hand (no systemd here) answering https and http through the sample, a reload,
# logrotate with the installed file, a stop; a reinstall that keeps the certificate; a
# purge that leaves nothing but the sysbind user (Debian leaves users); and a second purge
# that keeps a certificate the administrator added or changed.
#
# It installs and purges a package and adds a system user, so it runs only on a throw-away
# machine, and only when told so:
#   ../shared/tools/fresh-machine.sh 'tests/package/deb.sh --throw-away-machine'
# Requests go to 127.0.0.1, ::1 and localhost only.  Output: ok / not ok lines, then
# "N passed, N failed"; exit 0 when all passed.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

if [ "${1:-}" != "--throw-away-machine" ]; then
	echo "usage: tests/package/deb.sh --throw-away-machine   (installs and purges sysbind)" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "deb.sh: run as root" >&2; exit 2; }
if dpkg-query -W sysbind >/dev/null 2>&1 || [ -e /etc/sysbind ]; then
	echo "deb.sh: sysbind is installed here (or /etc/sysbind exists): not touching it" >&2
	exit 2
fi

T=$(mktemp -d /tmp/sysbind-deb.XXXXXX)
_pass=0 _fail=0 DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
ok()     { echo "ok - $1"; _pass=$((_pass + 1)); }
not_ok() { echo "not ok - $1"; [ $# -gt 1 ] && printf '    %s\n' "$2"; _fail=$((_fail + 1)); }
expect_eq() { if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "got [$2], want [$3]"; fi; }
expect_contains() {
	if [[ "$2" == *"$3"* ]]; then ok "$1"; else not_ok "$1" "[$3] not in: $(printf '%s' "$2" | head -c 800)"; fi
}
finish() { echo "$_pass passed, $_fail failed"; [ "$_fail" -eq 0 ]; exit $?; }
port_busy() { (exec 3<>"/dev/tcp/$2/$1") 2>/dev/null; }
wait_port() { local i; for i in $(seq 1 200); do port_busy "$1" "$2" && return 0; sleep 0.05; done; return 1; }
wait_count() { local i; for i in $(seq 1 200); do [ "$(grep -vc '^#' "$1" 2>/dev/null)" -ge "$2" ] && return 0; sleep 0.05; done; return 1; }
wait_log() { local i; for i in $(seq 1 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# snapshot: every path of the system a package may touch, with a checksum for each file
# (the package managers' own state, the logs of apt and dpkg, logrotate's state, /tmp,
# /run and the project are left out)
snapshot() {
	local prune=(\( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /run
		-o -path "$ROOT" -o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache
		-o -path /var/log/apt -o -path /var/log/dpkg.log -o -path /var/log/alternatives.log
		-o -path /var/lib/logrotate -o -path /root \) -prune)
	{
		find / -xdev "${prune[@]}" -o ! -type f -printf '%p %y\n'
		find / -xdev "${prune[@]}" -o -type f -print0 | xargs -0 sha256sum |
			awk '{ print $2 " " substr($1, 1, 16) }'
	} | sort
}

echo "# make deb"
if ! make deb >"$T/make-deb.log" 2>&1; then
	not_ok "make deb" "$(tail -30 "$T/make-deb.log")"; finish
fi
V=$(sed -n 's/^#define CLI_VERSION "\(.*\)"/\1/p' include/cli/cli.h)
ARCH=$(dpkg --print-architecture)
DEB="$ROOT/build/deb/sysbind_${V}_${ARCH}.deb"
expect_eq "make deb builds build/deb/sysbind_VERSION_ARCH.deb" "$(test -f "$DEB" && echo yes)" "yes"
echo "# $(ls -l "$DEB")"
dpkg-deb -f "$DEB" Depends | sed 's/^/# Depends: /'

# tools the checks use, installed before the snapshot so they are not counted as leftovers;
# with systemd installed (not running) the package also enables its unit, which the purge
# must undo
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl logrotate \
	systemd >"$T/tools.log" 2>&1 ||
	{ not_ok "installing curl, logrotate and systemd" "$(tail "$T/tools.log")"; finish; }

# the package's dependencies too: what apt installs for them stays after a purge (until
# autoremove), which is apt's doing, not the package's
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep -v '^$')
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $deps \
	>"$T/deps.log" 2>&1 || { not_ok "installing the dependencies" "$(tail "$T/deps.log")"; finish; }
snapshot >"$T/before"
echo "# apt-get install ./build/deb/$(basename "$DEB")"
DEBIAN_FRONTEND=noninteractive apt-get install -y "$DEB" >"$T/install.log" 2>&1; rc=$?
sed 's/^/#   /' "$T/install.log" | grep -v -e '^#   W: Target' -e 'configured multiple times'
expect_eq "apt-get install ./sysbind_${V}_${ARCH}.deb" "$rc" "0"
expect_eq "dpkg: installed" "$(dpkg-query -W -f '${Status}' sysbind)" "install ok installed"
expect_eq "the configuration and the logrotate file are conffiles" \
	"$(dpkg-query -W -f '${Conffiles}\n' sysbind | awk 'NF { print $1 }' | sort | tr '\n' ' ')" \
	"/etc/logrotate.d/sysbind /etc/sysbind/sysbind.ini "
expect_eq "the system user sysbind exists, with no login" \
	"$(getent passwd sysbind | cut -d: -f6,7)" "/nonexistent:/usr/sbin/nologin"
expect_eq "a certificate was made for this machine, its key readable by group sysbind only" \
	"$(stat -c '%a %U:%G' /etc/sysbind/certs/default.key) $(stat -c '%a %U:%G' /etc/sysbind/certs)" \
	"640 root:sysbind 750 root:sysbind"
expect_eq "... signed by the machine's CA" \
	"$(openssl verify -CAfile /etc/sysbind/certs/ca.pem /etc/sysbind/certs/default.pem 2>&1)" \
	"/etc/sysbind/certs/default.pem: OK"
expect_eq "/var/log/sysbind belongs to sysbind" "$(stat -c '%a %U:%G' /var/log/sysbind)" "750 sysbind:sysbind"
out=$(sysbind --version)
expect_contains "sysbind --version" "$out" "sysbind $V"
echo "$out" | sed 's/^/#   /'
out=$(sysbind -t 2>&1); rc=$?
expect_eq "sysbind -t (default: the installed /etc/sysbind/sysbind.ini)" "$rc:$out" \
	"0:configuration file /etc/sysbind/sysbind.ini test is successful"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify /lib/systemd/system/sysbind.service 2>&1); rc=$?
	expect_eq "systemd-analyze verify on the installed unit" "$rc:$out" "0:"
else
	ok "# skip: systemd-analyze verify (systemd is not installed here)"
fi
expect_eq "the unit is enabled (multi-user.target wants it)" \
	"$(readlink /etc/systemd/system/multi-user.target.wants/sysbind.service)" "/lib/systemd/system/sysbind.service"
for m in sysbind.8 sysbind.ini.5; do
	expect_eq "man page $m installed" "$(dpkg -L sysbind | grep -c "/$m.gz$")" "1"
done

# --- the daemon by hand, as an administrator without systemd would start it
sysbind >"$T/daemon.log" 2>&1 &
DPID=$!
if ! wait_port 443 127.0.0.1; then
	not_ok "the daemon serves the sample on port 443" "$(cat "$T/daemon.log")"; finish
fi
wait_port 80 127.0.0.1
expect_eq "it dropped to user sysbind after binding 80 and 443 (real, effective uid)" \
	"$(awk '/^Uid:/ { print $2 "," $3 }' "/proc/$DPID/status")" "$(id -u sysbind),$(id -u sysbind)"
expect_eq "its pid file, in /run/sysbind it made" "$(cat /run/sysbind/sysbind.pid 2>/dev/null)" "$DPID"
expect_eq "the logs it opened as root now belong to sysbind" \
	"$(stat -c %U /var/log/sysbind/access.log /var/log/sysbind/httperr.log | tr '\n' ' ')" "sysbind sysbind "
out=$(curl -sS --cacert /etc/sysbind/certs/ca.pem -H 'Accept: application/json' https://localhost/ 2>&1)
echo "# curl --cacert /etc/sysbind/certs/ca.pem -H 'Accept: application/json' https://localhost/"
echo "$out" | head -c 600 | sed 's/^/#   /'; echo
expect_contains "https://localhost/ with the machine's CA: the Default Web Site answers" "$out" '"site": "Default Web Site"'
expect_contains "... certificate verdict ok" "$out" '"verdict": "ok"'
expect_contains "... chosen by the 0.0.0.0:443 binding" "$out" "ipport 0.0.0.0:443"
code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/)
expect_eq "http://127.0.0.1/: 200" "$code" "200"
NREQ=2
if port_busy 443 ::1; then
	NREQ=3
	out=$(curl -sS --cacert /etc/sysbind/certs/ca.pem -H 'Accept: application/json' 'https://[::1]/' 2>&1)
	expect_contains "https://[::1]/: IPv6 gets the [::]:443 binding's certificate" "$out" "ipport [::]:443"
else
	ok "# skip: no IPv6 loopback here"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: no such host!' http://127.0.0.1/)
expect_eq "an invalid Host: HTTP.SYS's 400" "$code" "400"
wait_count /var/log/sysbind/access.log "$NREQ"
expect_eq "one line per request in /var/log/sysbind/access.log" \
	"$(grep -vc '^#' /var/log/sysbind/access.log)" "$NREQ"
wait_count /var/log/sysbind/httperr.log 1
expect_contains "HTTP.SYS's own 400 in /var/log/sysbind/httperr.log" "$(cat /var/log/sysbind/httperr.log)" " 400 - Hostname -"

kill -HUP "$DPID"
wait_log "$T/daemon.log" "reloaded: generation 2"
expect_contains "SIGHUP reloads (as user sysbind, re-reading the key)" "$(cat "$T/daemon.log")" "reloaded: generation 2"
logrotate -f /etc/logrotate.d/sysbind >"$T/logrotate.log" 2>&1; rc=$?
expect_eq "logrotate -f /etc/logrotate.d/sysbind" "$rc:$(cat "$T/logrotate.log")" "0:"
wait_log "$T/daemon.log" "SIGUSR1: 2 log file(s) reopened"
expect_contains "... signals the daemon, which reopens both logs" "$(cat "$T/daemon.log")" "SIGUSR1: 2 log file(s) reopened"
curl -s -o /dev/null http://127.0.0.1/after-rotation
wait_log /var/log/sysbind/access.log "after-rotation" || true
expect_eq "... the next request is in the new access.log, the old ones in access.log.1" \
	"$(grep -c after-rotation /var/log/sysbind/access.log):$(grep -vc '^#' /var/log/sysbind/access.log.1)" \
	"1:$NREQ"
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=""
expect_eq "SIGTERM: exit 0, pid file removed" "$rc:$(test -e /run/sysbind/sysbind.pid && echo left)" "0:"
echo "# daemon log:"; sed 's/^/#   /' "$T/daemon.log"

# --- reinstall: the certificate is kept
before=$(sha256sum /etc/sysbind/certs/default.pem)
DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall "$DEB" >"$T/reinstall.log" 2>&1; rc=$?
expect_eq "apt-get install --reinstall: the certificate is not made again" \
	"$rc:$(sha256sum /etc/sysbind/certs/default.pem)" "0:$before"

# --- purge
echo "# apt-get purge sysbind"
DEBIAN_FRONTEND=noninteractive apt-get purge -y sysbind >"$T/purge.log" 2>&1; rc=$?
sed 's/^/#   /' "$T/purge.log" | grep -v -e '^#   W: Target' -e 'configured multiple times'
expect_eq "apt-get purge sysbind" "$rc:$(dpkg-query -W -f '${Status}' sysbind 2>&1 | grep -c installed)" "0:0"
snapshot >"$T/after"
diff "$T/before" "$T/after" >"$T/diff"
echo "# what purge left, compared with before the install:"; sed 's/^/#   /' "$T/diff"
expect_eq "purge leaves nothing but the sysbind user and group (passwd, group, shadow, gshadow)" \
	"$(grep '^[<>]' "$T/diff" | awk '{ print $2 }' | sort -u | tr '\n' ' ')" \
	"/etc/group /etc/group- /etc/gshadow /etc/gshadow- /etc/passwd /etc/passwd- /etc/shadow /etc/shadow- "

# --- a purge keeps what the administrator put in /etc/sysbind/certs
DEBIAN_FRONTEND=noninteractive apt-get install -y "$DEB" >"$T/install2.log" 2>&1
echo "mine" >/etc/sysbind/certs/mine.pem
echo "# changed" >>/etc/sysbind/certs/default.pem
DEBIAN_FRONTEND=noninteractive apt-get purge -y sysbind >"$T/purge2.log" 2>&1
expect_eq "a purge keeps a certificate the administrator added, and one they changed" \
	"$(cd /etc/sysbind/certs 2>/dev/null && ls | tr '\n' ' ')" "default.pem mine.pem "
rm -rf /etc/sysbind
finish
