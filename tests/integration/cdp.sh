# cdp.sh — a small client of the Chrome DevTools Protocol in bash, for test_browser.sh: it
# drives Debian's headless Chromium over --remote-debugging-pipe (NUL-terminated JSON on
# the browser's fds 3 and 4), so a test can ask what the browser laid out and painted.
# No other program is needed.  Source it after lib.sh (it uses $T and _pids).
#
#   cdp_open WIDTH HEIGHT [CHROMIUM-FLAG...]   start the browser, open a blank page of that
#                                              viewport (device scale 1) and attach to it
#   cdp_call METHOD PARAMS-JSON                a command to the page; the reply in CDP_REPLY
#   cdp_eval JS                                evaluate JS in the page (promises awaited);
#                                              prints the string it returns
#   cdp_close                                  close the browser and wait for it
#
# Events (messages without an id) are dropped, or appended one a line to the file CDP_EVENTS
# names when it is set (after Network.enable: Network.responseReceived, ...).
# The browser's own messages go to $T/chromium.stderr.  Every read is bounded (CDP_TIMEOUT seconds per reply, default 30); a failure returns 1
# with the reason in CDP_ERROR.  Values that cross the pipe are JSON strings: cdp_eval's
# JS must return a string without quotes or backslashes (newlines are fine).

CDP_TIMEOUT=${CDP_TIMEOUT:-30}
CDP_ID=0 CDP_PID="" CDP_SESSION="" CDP_REPLY="" CDP_ERROR="" CDP_EVENTS=${CDP_EVENTS:-}

# _cdp_json_str TEXT: TEXT as the body of a JSON string (without the quotes).
_cdp_json_str() {
	local s=$1
	s=${s//\\/\\\\}; s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
	printf '%s' "$s"
}

# _cdp_send SESSION METHOD PARAMS: send one command (SESSION empty: to the browser) and
# read messages, dropping events, until its reply; CDP_REPLY holds it.
_cdp_send() {
	local sess="" msg end
	CDP_ID=$((CDP_ID + 1))
	[ -n "$1" ] && sess=",\"sessionId\":\"$1\""
	if ! printf '{"id":%d%s,"method":"%s","params":%s}\0' "$CDP_ID" "$sess" "$2" "$3" \
		>&"$CDP_W" 2>/dev/null; then
		CDP_ERROR="$2: the browser's pipe is closed"; return 1
	fi
	end=$(( $(_now_ms) + CDP_TIMEOUT * 1000 ))
	while IFS= read -r -d '' -t "$CDP_TIMEOUT" -u "$CDP_R" msg; do
		if [[ "$msg" == "{\"id\":$CDP_ID,"* ]]; then
			CDP_REPLY=$msg
			if [[ "$msg" == "{\"id\":$CDP_ID,\"error\":"* ]]; then
				CDP_ERROR="$2: $(printf '%s' "$msg" | head -c 400)"; return 1
			fi
			return 0
		fi
		[ -n "$CDP_EVENTS" ] && [[ "$msg" == '{"method":'* ]] && printf '%s\n' "$msg" >>"$CDP_EVENTS"
		[ "$(_now_ms)" -ge "$end" ] && break
	done
	CDP_ERROR="$2: no reply within ${CDP_TIMEOUT}s"
	return 1
}

cdp_open() {
	local w=$1 h=$2 prof tid
	shift 2
	prof=$(mktemp -d "$T/chromium.XXXXXX")
	rm -f "$T/cdp.in" "$T/cdp.out"
	mkfifo "$T/cdp.in" "$T/cdp.out"
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --user-data-dir="$prof" --remote-debugging-pipe "$@" \
		about:blank 3<"$T/cdp.in" 4>"$T/cdp.out" 2>>"$T/chromium.stderr" >&2 &
	CDP_PID=$!; _pids+=("$CDP_PID")
	# the same order as the browser's redirections: its fd 3, then its fd 4
	exec {CDP_W}>"$T/cdp.in" {CDP_R}<"$T/cdp.out"
	_cdp_send "" Target.createTarget '{"url":"about:blank"}' || return 1
	tid=${CDP_REPLY#*\"targetId\":\"}; tid=${tid%%\"*}
	_cdp_send "" Target.attachToTarget "{\"targetId\":\"$tid\",\"flatten\":true}" || return 1
	CDP_SESSION=${CDP_REPLY#*\"sessionId\":\"}; CDP_SESSION=${CDP_SESSION%%\"*}
	cdp_call Emulation.setDeviceMetricsOverride \
		"{\"width\":$w,\"height\":$h,\"deviceScaleFactor\":1,\"mobile\":false}"
}

cdp_call() { _cdp_send "$CDP_SESSION" "$1" "$2"; }

cdp_eval() {
	local v
	cdp_call Runtime.evaluate "{\"expression\":\"$(_cdp_json_str "$1")\",\"awaitPromise\":true,\"returnByValue\":true}" ||
		return 1
	if [[ "$CDP_REPLY" == *'"exceptionDetails":'* ]]; then
		CDP_ERROR="the page's script failed: $(printf '%s' "$CDP_REPLY" | head -c 600)"; return 1
	fi
	if [[ "$CDP_REPLY" != *'"result":{"result":{"type":"string","value":"'* ]]; then
		CDP_ERROR="the script returned no string: $(printf '%s' "$CDP_REPLY" | head -c 300)"; return 1
	fi
	v=${CDP_REPLY#*\"value\":\"}; v=${v%%\"*}
	printf '%s\n' "${v//\\n/$'\n'}"
}

# _cdp_exited PID: PID has exited (gone, or a zombie waiting to be reaped).
_cdp_exited() {
	local st
	[ -r "/proc/$1/stat" ] || return 0
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ]
}

cdp_close() {
	[ -n "$CDP_PID" ] || return 0
	_cdp_send "" Browser.close '{}' >/dev/null 2>&1
	exec {CDP_W}>&- {CDP_R}<&-
	wait_for -t 10 _cdp_exited "$CDP_PID" || kill "$CDP_PID" 2>/dev/null
	wait "$CDP_PID" 2>/dev/null
	CDP_PID=""
}
