#!/usr/bin/env bash
# Logs in a flood (issue 19 item 3): a backend that is down makes one daemon-log line per
# refused request; alike lines are counted and summarised, so 300 refusals give a handful
# of lines whose counts add up to exactly 300, while HTTPERR keeps all 300.  An access log
# on a pipe nobody reads never stops the daemon: requests are answered, the lines that do
# not fit are dropped and counted, and once the reader reads it finds a #Remark with the
# count, which the daemon log repeats.
. "$(dirname "$0")/lib.sh"

# ---- a dead backend, 300 requests ----
H=$(free_port); DEAD=$(free_port)
cat >"$T/dead.ini" <<EOF2
[server]
access_log = $T/access.log
httperr_log = $T/httperr.log
workers = 2

[site Dead]
id = 1
bindings = http/*:$H:dead.test
backend = http://127.0.0.1:$DEAD
; every request tries the dead backend (IIS's rapid-fail protection would stop the pool
; at the 5th failure: test_apppool.sh tests that)
rapid_fail = off
EOF2
sb_start "$T/dead.ini" "$H" || { finish; exit; }
timeout 120 curl -s --parallel --parallel-max 20 -H 'Host: dead.test' -o /dev/null \
	-w '%{http_code}\n' "http://127.0.0.1:$H/down/[1-300]" >"$T/codes" 2>/dev/null
expect_eq "300 requests to a dead backend: 300 answers of 503" \
	"$(grep -c '^503$' "$T/codes")/$(wc -l <"$T/codes")" "300/300"
httperr_lines() { grep -c '^[^#].* 503 1 N/A ' "$T/httperr.log"; }
httperr_is_300() { [ "$(httperr_lines)" -eq 300 ]; }
wait_for httperr_is_300
expect_eq "HTTPERR keeps every line (N/A, 503)" "$(httperr_lines)" "300"

# refused_count: "WRITTEN COUNTED": the refusal lines written, and the sum of the
# summaries that follow them
refused_count() {
	awk -v pat="backend 127.0.0.1:$DEAD: Connection refused" '
		index($0, pat) { w++; prev = 1; next }
		prev && / \.\.\. [0-9]+ more like the line above / {
			for (i = 1; i <= NF; i++) if ($i == "more") c += $(i - 1)
			next
		}
		{ prev = 0 }
		END { printf "%d %d\n", w, c }' "$T/sysbind.log"
}
refusals_add_up() { set -- $(refused_count); [ $(($1 + $2)) -eq 300 ]; }
# the last summary comes with the workers' tick, about a second after the flood
if wait_for -t 10 refusals_add_up; then
	ok "the daemon log accounts for exactly 300 refusals ($(refused_count | awk '{print $1" written, "$2" counted"}'))"
else
	not_ok "the daemon log accounts for exactly 300 refusals" "written, counted: $(refused_count)"
fi
set -- $(refused_count)
if [ "$1" -le 8 ]; then ok "... in a handful of lines ($1 refusal lines)"; else
	not_ok "... in a handful of lines" "$1 refusal lines"; fi
expect_eq "... the summary is the line after a refusal" \
	"$(grep -c -- '... [0-9]* more like the line above in the last [0-9]* s$' "$T/sysbind.log")" "$1"
sb_stop >/dev/null

# ---- an access log on a FIFO nobody reads for a while ----
need_tool python3 python3 || { finish; exit; }
H=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
mkfifo "$T/stdout.fifo"
# The reader opens the FIFO (so the daemon's open does not wait), makes the pipe small,
# and reads nothing until $T/go exists; then it reads until the daemon closes its end.
cat >"$T/reader.py" <<'EOF2'
import fcntl, os, select, sys, time
fifo, ready, go, out = sys.argv[1:5]
fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
try:
    fcntl.fcntl(fd, 1031, 4096)          # F_SETPIPE_SZ: one page
except OSError:
    pass
open(ready, "w").close()
end = time.time() + 60
while not os.path.exists(go) and time.time() < end:
    time.sleep(0.05)
data, seen_writer = b"", False
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        continue
    chunk = os.read(fd, 65536)
    if chunk:
        data += chunk
        seen_writer = True
    elif seen_writer:
        break                            # the daemon closed its end
    else:
        time.sleep(0.05)
open(out, "wb").write(data)
EOF2
python3 "$T/reader.py" "$T/stdout.fifo" "$T/ready" "$T/go" "$T/fifo.out" &
READER=$!; _pids+=("$READER")
wait_for test -e "$T/ready" || { not_ok "the FIFO reader starts"; finish; exit; }
cat >"$T/pipe.ini" <<EOF2
[server]
access_log = -
workers = 1

[site App]
id = 1
bindings = http/*:$H:app.test
backend = http://127.0.0.1:$B
EOF2
"$SB_BIN" -c "$T/pipe.ini" >"$T/stdout.fifo" 2>"$T/sysbind.log" &
SB_PID=$!; _pids+=("$SB_PID")
wait_port "$H" || { not_ok "sysbind starts with its stdout on a FIFO"; finish; exit; }
N=1500
timeout 60 curl -s --max-time 5 -H 'Host: app.test' -o /dev/null -w '%{http_code}\n' \
	"http://127.0.0.1:$H/[1-$N]" >"$T/codes2" 2>/dev/null
expect_eq "with the access log's pipe full, every request is answered (200) in time" \
	"$(grep -c '^200$' "$T/codes2")/$(wc -l <"$T/codes2")" "$N/$N"
expect_eq "... nothing said yet about dropped lines (the pipe is still full)" \
	"$(grep -c 'lines dropped' "$T/sysbind.log")" "0"
touch "$T/go"
expect_log "once the reader reads, the daemon log says how many lines were dropped" \
	"$T/sysbind.log" "access log -: "
DROPPED=$(sed -n 's/.*access log -: \([0-9]*\) lines dropped (pipe full)$/\1/p' "$T/sysbind.log")
expect_eq "... (one notice)" "$(grep -c 'access log -: [0-9]* lines dropped (pipe full)$' "$T/sysbind.log")" "1"
sb_stop >/dev/null
wait "$READER" 2>/dev/null
expect_eq "the reader finds the #Remark with the same count" \
	"$(grep -c "^#Remark: $DROPPED lines dropped (pipe full)$" "$T/fifo.out")" "1"
GOT=$(grep -c '^[^#].* GET /[0-9]* ' "$T/fifo.out")
expect_eq "... lines written + lines dropped = requests" "$((GOT + DROPPED))" "$N"
expect_eq "... every line whole (each ends with its fields)" \
	"$(grep -v '^#' "$T/fifo.out" | awk 'NF != 22' | wc -l)" "0"
finish
