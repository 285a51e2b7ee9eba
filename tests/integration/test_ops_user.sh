#!/usr/bin/env bash
# `user =` (issue 5): the daemon binds its listeners and loads its keys as root, then runs
# as the named user, and still serves.  Skipped when the tests do not run as root.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	skip "the daemon drops to 'user = nobody' and still serves" "needs root and a 'nobody' user"
	finish; exit
fi
P=$(free_port)
# the key is readable by root only: loading it after the drop would fail
install -m 600 "$SB_CERTS/both.key" "$T/root-only.key"
cat >"$T/user.ini" <<EOF2
[server]
user = nobody
access_log = off

[sslcert 0.0.0.0:$P]
certificate = $SB_CERTS/both.pem
key = $T/root-only.key

[site Diag]
id = 1
bindings = https/*:$P:
EOF2
sb_start "$T/user.ini" "$P" || { finish; exit; }
uid=$(awk '/^Uid:/ { print $2 "," $3 }' "/proc/$SB_PID/status")
want=$(id -u nobody)
expect_eq "after start the daemon runs as nobody (real and effective uid)" "$uid" "$want,$want"
expect_contains "... and says so" "$(cat "$T/sysbind.log")" "running as user nobody"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "https://127.0.0.1:$P/")
expect_eq "... and serves over TLS with the key it loaded as root" "$code" "200"
sb_stop >"$T/stop.rc"
expect_eq "... and stops cleanly" "$(cat "$T/stop.rc")" "0"
finish
