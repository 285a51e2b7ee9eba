#!/usr/bin/env bash
# test_config_inputs.sh — what the daemon and -t are given as a configuration, and what
# they make of it (issue 11 item 7, issue 12 items 4, 5 and 8):
# - -t and the daemon agree on every file: a FIFO (it hung both), an empty file (it
#   passed -t while the daemon exited 1), a directory, a device, a file with no site;
#   a FIFO swapped in before SIGHUP is refused and the old configuration keeps serving;
# - an import whose certificate is not at hand: -t accepts it with a warning naming the
#   entry, the daemon serves the rest and fails only that entry's handshakes;
# - a * binding with different certificates on 0.0.0.0 and [::]: check predicts both
#   families, and openssl s_client over IPv4 and IPv6 gets what it predicted;
# - 100,000 generated sites import and load in bounded time (linear, not quadratic).
. "$(dirname "$0")/lib.sh"

run() {
	"$SB_BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

_exited() { ! kill -0 "$1" 2>/dev/null; }
# stop_bounded: SIGTERM the daemon started last and wait for it to exit, at most 15 s
# (a daemon stuck reading a FIFO never would); prints its exit status, or "hung".
stop_bounded() {
	kill -TERM "$SB_PID" 2>/dev/null
	if ! wait_for -t 15 _exited "$SB_PID"; then
		kill -KILL "$SB_PID" 2>/dev/null
		wait "$SB_PID" 2>/dev/null
		echo hung
		return
	fi
	wait "$SB_PID" 2>/dev/null
	echo $?
}

P=$(free_port)
P2=$(free_port)
cat >"$T/ok.ini" <<EOF2
[server]
access_log = off

[site A]
id = 1
bindings = http/127.0.0.1:$P:
EOF2

# --- every kind of file, -t and the daemon side by side
mkfifo "$T/fifo.ini"
: >"$T/empty.ini"
mkdir "$T/dir.ini"
printf '[server]\nmode = iis8\n' >"$T/serveronly.ini"
for f in fifo.ini empty.ini dir.ini serveronly.ini /dev/null; do
	case "$f" in /*) path=$f ;; *) path="$T/$f" ;; esac
	timeout 10 "$SB_BIN" -t -c "$path" >"$T/t.out" 2>"$T/t.err"
	t_rc=$?
	timeout 10 "$SB_BIN" -c "$path" >"$T/d.out" 2>"$T/d.err"
	d_rc=$?
	expect_eq "$f: -t refuses it at once (not a hang: 124)" "$t_rc" 2
	expect_eq "$f: the daemon refuses it at once, as -t does" "$d_rc" 2
	expect_eq "$f: -t and the daemon give the same reason" "$(cat "$T/t.err")" \
		"$(grep -v '^[0-9-]*T[0-9:.]*Z ' "$T/d.err" | head -n 1)"
done
timeout 10 "$SB_BIN" -t -c "$T/fifo.ini" 2>"$T/t.err"
expect_eq "fifo: the message says what it is" "$(cat "$T/t.err")" \
	"$T/fifo.ini: a FIFO (named pipe), not a regular file: sysbind reads it only from a regular file"
timeout 10 "$SB_BIN" -t -c "$T/empty.ini" 2>"$T/t.err"
expect_eq "empty: the message says why it cannot be served" "$(cat "$T/t.err")" \
	"$T/empty.ini: no [site]: there is nothing to serve (the daemon would have no address to listen on); add a [site NAME] with id and bindings"
expect_eq "the FIFO is still a FIFO" "$(stat -c %F "$T/fifo.ini")" "fifo"

# a FIFO swapped in under a running daemon: SIGHUP refuses it, the old one serves on
run -t -c "$T/ok.ini"
expect_eq "ok.ini: -t accepts it" "$rc" 0
sb_start "$T/ok.ini" "$P" reload || { finish; exit; }
mv "$T/ok.ini" "$T/ok.saved"
mkfifo "$T/ok.ini"
kill -HUP "$SB_PID"
expect_log "SIGHUP on a FIFO: refused, with the reason" "$T/reload.log" \
	"ok.ini: a FIFO (named pipe), not a regular file"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$P/")
expect_eq "SIGHUP on a FIFO: the old configuration keeps serving" "$code" 200
stop_bounded >"$T/stop.rc"
expect_eq "SIGHUP on a FIFO: the daemon stops cleanly" "$(cat "$T/stop.rc")" 0
rm -f "$T/ok.ini"
mv "$T/ok.saved" "$T/ok.ini"

# --- an entry whose certificate is not at hand (an import without --cert-store)
mkdir -p "$T/store"
cat >"$T/nocert.ini" <<EOF2
[server]
access_log = off
cert_store = store

[sslcert 0.0.0.0:$P2]
certhash = 5e537858f558b101c877dd9a442344dd7f110794

[site Plain]
id = 1
bindings = http/127.0.0.1:$P:

[site Secure]
id = 2
bindings = https/127.0.0.1:$P2:secure.example.com
EOF2
run -t -c "$T/nocert.ini"
expect_eq "certificate not at hand: -t accepts the file" "$rc" 0
expect_contains "certificate not at hand: -t names the entry and why" "$err" \
	"nocert.ini:6: warning: [sslcert 0.0.0.0:$P2]: certificate not available: no certificate with thumbprint 5e537858f558b101c877dd9a442344dd7f110794 in $T/store"
sb_start "$T/nocert.ini" "$P" nocert || { finish; exit; }
wait_port "$P2" || not_ok "certificate not at hand: the https port listens too"
expect_contains "certificate not at hand: the daemon says the same at start" \
	"$(cat "$T/nocert.log")" "[sslcert 0.0.0.0:$P2]: certificate not available"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$P/")
expect_eq "certificate not at hand: the http site is served" "$code" 200
subj=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$P2" -servername secure.example.com 2>/dev/null \
	| openssl x509 -noout -subject 2>/dev/null)
expect_eq "certificate not at hand: that entry's handshake fails (no certificate sent)" "$subj" ""
code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 "https://127.0.0.1:$P2/"; echo " $?")
expect_eq "certificate not at hand: curl gets no TLS session (exit 35)" "$code" "000 35"
stop_bounded >"$T/stop.rc"
expect_eq "certificate not at hand: the daemon stops cleanly" "$(cat "$T/stop.rc")" 0

# --- a * binding, a different certificate for each family
P3=$(free_port)
cat >"$T/families.ini" <<EOF2
[server]
access_log = off

[sslcert 0.0.0.0:$P3]
certificate = $SB_CERTS/sitev1.pem
key = $SB_CERTS/sitev1.key

[sslcert [::]:$P3]
certificate = $SB_CERTS/sitev2.pem
key = $SB_CERTS/sitev2.key

[site V1]
id = 1
bindings = https/*:$P3:sitev1.mysite.com
EOF2
run check -c "$T/families.ini"
expect_eq "families: check exits 1 (IPv6 clients get sitev2's certificate)" "$rc" 1
expect_contains "families: IPv4 prediction" "$(printf '%s\n' "$out" | tr -s ' ')" \
	"with SNI sitev1.mysite.com (IPv4) sitev1.mysite.com ipport 0.0.0.0:$P3 ok"
expect_contains "families: IPv6 prediction" "$(printf '%s\n' "$out" | tr -s ' ')" \
	"with SNI sitev1.mysite.com (IPv6) sitev2.mysite.com ipport [::]:$P3 name-mismatch"
sb_start "$T/families.ini" "$P3" families || { finish; exit; }
expect_eq "families: an IPv4 client gets what check predicted" \
	"$(served_cert "$P3" sitev1.mysite.com)" "sitev1.mysite.com"
# whether IPv6 works is the machine's fact (::1 on lo), not the daemon's under test
if grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	v6=$(echo | timeout 10 openssl s_client -connect "[::1]:$P3" -servername sitev1.mysite.com 2>/dev/null \
		| openssl x509 -noout -subject -nameopt multiline 2>/dev/null | sed -n 's/^ *commonName *= *//p')
	expect_eq "families: an IPv6 client gets what check predicted" "$v6" "sitev2.mysite.com"
elif declare -F skip >/dev/null; then
	skip "families: an IPv6 client gets what check predicted" "no IPv6 loopback here"
else
	echo "ok - families: an IPv6 client gets what check predicted # SKIP no IPv6 loopback here"
fi
stop_bounded >/dev/null

# --- size: 100,000 sites import and load.  How long they take is measured, not asserted
# here (a shared machine, or AddressSanitizer, is no clock): the times are printed for the
# log; the bound is only a guard against a hang.
if "$SB_ROOT/scripts/gen-iis.sh" 100000 "$T/big" 2>"$T/gen.err"; then
	start=$(date +%s)
	timeout 300 "$SB_BIN" import --applicationhost "$T/big/applicationHost.config" \
		--sslcert "$T/big/sslcert.txt" -o "$T/big/iis.ini" 2>"$T/big/import.err"
	rc=$?
	mid=$(date +%s)
	expect_eq "100,000 sites: import exits 0" "$rc" 0
	echo "# 100,000 sites: import took $((mid - start)) s"
	timeout 300 "$SB_BIN" -t -c "$T/big/iis.ini" >"$T/big/t.out" 2>/dev/null
	rc=$?
	end=$(date +%s)
	expect_eq "100,000 sites: -t accepts the file import wrote (larger than 4 MiB)" "$rc" 0
	echo "# 100,000 sites: -t took $((end - mid)) s"
	expect_eq "100,000 sites: list site lists them all" \
		"$(timeout 300 "$SB_BIN" list site -c "$T/big/iis.ini" 2>/dev/null | wc -l)" 100000
	rm -rf "$T/big"
else
	not_ok "gen-iis.sh 100000" "$(cat "$T/gen.err")"
fi

# ---- make run's configuration shows HTTP.SYS's own answers on the terminal (issue 22) ----
# conf/sysbind.ini as `make run` starts it (its ports made free ones, its certificates the
# test's): `curl -k https://localhost:8443/` names no site, HTTP.SYS answers 400 Invalid
# Hostname, and the terminal (the daemon's standard output and error) shows the HTTPERR
# line with the reason Hostname.
P6=$(free_port); H6=$(free_port)
sed -e "s/8443/$P6/g; s/8080/$H6/g" -e "s#= certs/#= $SB_CERTS/#" "$SB_ROOT/conf/sysbind.ini" \
	>"$T/make-run.ini"
if sb_start "$T/make-run.ini" "$P6" make-run; then
	code=$(curl -sk --resolve "localhost:$P6:127.0.0.1" -o /dev/null -w '%{http_code}' \
		"https://localhost:$P6/")
	expect_eq "make run's configuration: an unknown host gets HTTP.SYS's 400" "$code" "400"
	refusal="^[0-9-]+ [0-9:]+ 127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 $P6 HTTP/[0-9.]+ GET / [0-9-]+ 400 - Hostname -$"
	wait_for grep -qE "$refusal" "$T/make-run.log"
	expect_eq "... and the terminal shows the HTTPERR line, reason Hostname, once" \
		"$(grep -cE "$refusal" "$T/make-run.log")" "1"
	expect_eq "... under HTTP.SYS's field names" \
		"$(grep -c '^#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename$' "$T/make-run.log")" "1"
	# the daemon's start says once that sitev2's visitors get sitev1's certificate,
	# in sysbind's words: nobody is giving a certificate to anything at start
	expect_eq "... its start says once that the shared certificate does not name sitev2" \
		"$(grep -c " info: MySite V1 and MySite V2 share the HTTPS binding 0.0.0.0:$P6 and its one certificate, sitev1.mysite.com, which does not name sitev2.mysite.com: visitors of that name get a certificate error (sysbind check)$" "$T/make-run.log") $(grep -c 'At least one other site' "$T/make-run.log")" "1 0"
	sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
	expect_eq "make run's daemon stops with 0" "$(cat "$T/stop.rc")" "0"
fi

finish
