#!/usr/bin/env bash
# lib.sh's own promises, which every other test file leans on (issue 20):
#   free_port (port_free): a port is free only when it can be bound on every address the
#     tests use: held on 127.0.0.5 (daemons bind 127.0.0.2-7), on [::1], or bound on
#     127.0.0.1 without listening, it is not, though 127.0.0.1 refuses a connection to it;
#   sb_start: started means the daemon's own readiness line and the daemon alive, not
#     "something answers on the port": a daemon whose bind fails on a port another
#     process listens on is a failed start, with its exit status and its log.
. "$(dirname "$0")/lib.sh"

# hold ADDR PORT [listen|bound]: a process holding ADDR:PORT (listening, or only bound)
# until killed; waits until it does.  Sets HOLD_PID.
hold() {
	python3 -c '
import socket, sys, time
addr, port, how, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.bind((addr, port))
if how == "listen":
    s.listen()
open(ready, "w").write("held\n")
time.sleep(120)
' "$1" "$2" "${3:-listen}" "$T/held-$2" 2>"$T/hold-$2.log" &
	HOLD_PID=$!; _pids+=("$HOLD_PID")
	wait_log "$T/held-$2" held
}
unhold() { kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null; }

# --- port_free
P=$(free_port) || { not_ok "free_port finds a port"; finish; exit; }
if port_free "$P"; then ok "a port nobody holds is free"; else not_ok "a port nobody holds is free" "$P"; fi
hold 127.0.0.5 "$P" || { not_ok "a listener on 127.0.0.5:$P" "$(cat "$T/hold-$P.log")"; finish; exit; }
busy=$(port_busy "$P" && echo answers || echo refuses)
if port_free "$P"; then r=free; else r=taken; fi
expect_eq "a port listened on at 127.0.0.5 is taken, though 127.0.0.1 $busy" "$r:$busy" "taken:refuses"
unhold
P=$(free_port)
hold 127.0.0.1 "$P" bound || { not_ok "a socket bound to 127.0.0.1:$P" "$(cat "$T/hold-$P.log")"; finish; exit; }
if port_free "$P"; then r=free; else r=taken; fi
expect_eq "a port bound on 127.0.0.1 but not listening is taken" "$r" "taken"
unhold
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
	P=$(free_port)
	hold ::1 "$P" || { not_ok "a listener on [::1]:$P" "$(cat "$T/hold-$P.log")"; finish; exit; }
	if port_free "$P"; then r=free; else r=taken; fi
	expect_eq "a port listened on at [::1] is taken" "$r" "taken"
	unhold
else
	skip "a port listened on at [::1] is taken" "no ::1 on this machine's loopback"
fi
n=$(for i in $(seq 1 10); do free_port; done | sort -u | wc -l)
expect_eq "free_port hands out 10 different ports to 10 calls in \$(...)" "$n" "10"

# --- sb_start
P=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
cat >"$T/ok.ini" <<EOT
[site App]
id = 1
bindings = http/127.0.0.1:$P:
backend = http://127.0.0.1:$B
EOT
if sb_start "$T/ok.ini" "$P" ok; then
	expect_eq "sb_start returns once the daemon has said it serves, and it runs" \
		"$(grep -c "$SB_READY" "$T/ok.log"):$(our_child "$SB_PID" && echo runs)" "1:runs"
	expect_eq "... and it serves" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/")" "200"
	sb_stop >"$T/stop.rc"
	expect_eq "... and stops with 0" "$(cat "$T/stop.rc")" "0"
fi
# the port is another backend's (not the site's own: that is refused as a loop before any
# bind): the daemon cannot bind it, and exits 1
B2=$(free_port)
be_start "$B2" other || { finish; exit; }
sed "s|127.0.0.1:$P:|127.0.0.1:$B2:|" "$T/ok.ini" >"$T/clash.ini"
out=$(sb_start "$T/clash.ini" "$B2" clash; echo "sb_start returned $?")
expect_contains "a daemon that cannot bind a port another process answers on has not started" \
	"$out" "sb_start returned 1"
expect_contains "... which sb_start says, with its exit status" "$out" \
	"not ok - sysbind starts on $T/clash.ini"$'\n'"    it exited with status 1 during its start"
expect_contains "... and shows its log" "$out" "error: cannot listen on 127.0.0.1:$B2: Address already in use"
finish
