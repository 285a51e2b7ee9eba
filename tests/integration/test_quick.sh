#!/usr/bin/env bash
# `sysbind reverse-proxy` (issue 22): the one-line quick start.  The curl line it prints
# reaches the backend through a certificate curl verifies against the local CA (no -k);
# --print-config's INI passes -t and serves the same; a second start keeps the CA (same
# fingerprint); a file at the CA's path that is not a CA, and a symlinked state directory,
# are refused and left as they are; a bad triplet, URL or certificate exits 2.
. "$(dirname "$0")/lib.sh"

P=$(free_port); B=$(free_port)
be_start "$B" app || { finish; exit; }
ST="$T/state"
QP=("$SB_BIN" reverse-proxy --from "https/*:$P:app.test" --to "http://127.0.0.1:$B"
	--dir "$ST")

# qp_start LOGNAME ARGS...: start reverse-proxy, stdout in $T/LOGNAME.log, stderr in
# $T/LOGNAME-err.log; wait for port $P.  Sets SB_PID.
qp_start() {
	local name=$1; shift
	"$@" >"$T/$name.log" 2>"$T/$name-err.log" &
	SB_PID=$!; _pids+=("$SB_PID")
	if ! wait_port "$P"; then not_ok "reverse-proxy starts ($name)" "port $P never opened"; return 1; fi
}

# run_curl_line LOG: run the first printed curl line of LOG; prints "STATUS BODY".
run_curl_line() {
	local line words
	line=$(grep -m 1 '^  curl ' "$1") || return 1
	read -r -a words <<<"$line"
	"${words[@]}" -sS --max-time 10 -w ' %{http_code}' 2>&1
}

ca_fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'; }

# --- first start: a CA is made, the curl line it prints works as printed
qp_start first "${QP[@]}" || { finish; exit; }
expect_eq "the curl line trusts the local CA and resolves the host" \
	"$(grep -m 1 '^  curl ' "$T/first.log")" \
	"  curl --cacert $ST/ca.pem --resolve app.test:$P:127.0.0.1 https://app.test:$P/"
out=$(run_curl_line "$T/first.log")
expect_eq "curl (certificate verified, no -k) gets the backend's 200" "${out##* }" 200
expect_contains "the body is the backend's, for app.test" "$out" \
	'"backend":"app","method":"GET","path":"/","headers":["Host: app.test:'"$P"'"'
fp1=$(ca_fp "$ST/ca.pem")
expect_contains "the CA is said to be made now, with its fingerprint" \
	"$(grep '^local CA: ' "$T/first.log")" "local CA: $ST/ca.pem (made now; SHA-256 $fp1)"
expect_eq "the CA key is mode 0600" "$(stat -c %a "$ST/ca.key")" 600
expect_eq "the certificate's key is mode 0600" "$(stat -c %a "$ST/app.test-key.pem")" 600
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "the daemon stops with 0 on SIGTERM" "$(cat "$T/stop.rc")" 0

# --- --print-config: the INI it stands for passes -t and serves the same
"${QP[@]}" --print-config >"$T/saved.ini" 2>"$T/print-err.log"
expect_eq "--print-config exits 0" "$?" 0
expect_eq "--print-config writes no warning" "$(cat "$T/print-err.log")" ""
out=$("$SB_BIN" -t -c "$T/saved.ini" 2>&1)
expect_eq "the printed INI passes -t" "$out" "configuration file $T/saved.ini test is successful"
expect_eq "its site and certificate entry" \
	"$(grep -E '^\[|^bindings|^backend|^certificate' "$T/saved.ini" | tr '\n' '|')" \
	"[server]|[sslcert 0.0.0.0:$P]|certificate = $ST/app.test.pem|[site reverse-proxy]|bindings = https/*:$P:app.test|backend = http://127.0.0.1:$B|"
if sb_start "$T/saved.ini" "$P" saved; then
	out=$(run_curl_line "$T/first.log")
	expect_eq "sysbind -c on the printed INI serves the same (200, verified)" "${out##* }" 200
	sb_stop >"$T/stop.rc"
	expect_eq "that daemon stops with 0" "$(cat "$T/stop.rc")" 0
fi

# --- a second start keeps the CA
qp_start second "${QP[@]}" || { finish; exit; }
expect_eq "the second start reuses the CA (same fingerprint on disk)" "$(ca_fp "$ST/ca.pem")" "$fp1"
expect_contains "and says so" "$(grep '^local CA: ' "$T/second.log")" \
	"local CA: $ST/ca.pem (made before, kept; SHA-256 $fp1)"
out=$(run_curl_line "$T/second.log")
expect_eq "its curl line gets 200 through the same CA" "${out##* }" 200
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "the second daemon stops with 0" "$(cat "$T/stop.rc")" 0

# --- a file at the CA's path that is not a CA: refused, untouched
mkdir -p "$T/bad"
printf 'my notes\n' >"$T/bad/ca.pem"; printf 'my key\n' >"$T/bad/ca.key"
sum=$(cat "$T/bad/ca.pem" "$T/bad/ca.key" | sha256sum)
out=$("$SB_BIN" reverse-proxy --from "https/*:$P:app.test" --to "http://127.0.0.1:$B" \
	--dir "$T/bad" 2>&1); rc=$?
expect_eq "a non-CA file at the CA path: exit 2" "$rc" 2
expect_contains "it says why" "$out" \
	"sysbind reverse-proxy: $T/bad/ca.pem: not a PEM certificate; not sysbind's CA, left as it is (choose another --dir)"
expect_eq "both files are left as they were" "$(cat "$T/bad/ca.pem" "$T/bad/ca.key" | sha256sum)" "$sum"
expect_eq "nothing else is written there" "$(ls "$T/bad" | tr '\n' ' ')" "ca.key ca.pem "
ln -s "$ST" "$T/link"
out=$("$SB_BIN" reverse-proxy --from "https/*:$P:app.test" --to "http://127.0.0.1:$B" \
	--dir "$T/link" 2>&1); rc=$?
expect_eq "a symlinked state directory: exit 2" "$rc" 2
expect_contains "it says why" "$out" "$T/link: a symlink; the local CA is kept only in a directory of this user's"

# --- errors: exit 2 with a clear message
out=$("$SB_BIN" reverse-proxy --from "https/*:$P" --to "http://127.0.0.1:$B" --dir "$ST" 2>&1); rc=$?
expect_eq "a bad triplet: exit 2" "$rc" 2
expect_eq "its message" "$(head -n 1 <<<"$out")" \
	"sysbind reverse-proxy: --from: binding \"https/*:$P\" is not protocol/IP:Port:Host (the host part, even empty, needs its colon)"
out=$("$SB_BIN" reverse-proxy --from "https/*:$P:app.test" --to "ftp://127.0.0.1:$B" --dir "$ST" 2>&1); rc=$?
expect_eq "a bad URL: exit 2" "$rc" 2
expect_eq "its message" "$out" "sysbind reverse-proxy: backend \"ftp://127.0.0.1:$B\" must be http://HOST:PORT"
out=$("$SB_BIN" reverse-proxy --from "https/*:$P:app.test" --to "http://127.0.0.1:$B" \
	--cert "$T/none.pem" --key "$T/none.key" 2>&1); rc=$?
expect_eq "an unreadable certificate: exit 2" "$rc" 2
expect_contains "its message names the file" "$out" "$T/none.pem: No such file or directory"
expect_eq "no port was opened by the refusals" "$(port_busy "$P" && echo busy || echo free)" free

# --- --cert: the user's own certificate, no CA made
qp_start own "$SB_BIN" reverse-proxy --from "https/*:$P:sitev1.mysite.com" \
	--to "http://127.0.0.1:$B" --cert "$SB_CERTS/sitev1.pem" --key "$SB_CERTS/sitev1.key" ||
	{ finish; exit; }
expect_eq "with --cert the curl line has no --cacert" "$(grep -m 1 '^  curl ' "$T/own.log")" \
	"  curl --resolve sitev1.mysite.com:$P:127.0.0.1 https://sitev1.mysite.com:$P/"
out=$(curl -sS --max-time 10 --cacert "$SB_CERTS/ca.pem" --resolve "sitev1.mysite.com:$P:127.0.0.1" \
	-w ' %{http_code}' "https://sitev1.mysite.com:$P/" 2>&1)
expect_eq "the given certificate is served (verified by its CA): 200" "${out##* }" 200
sb_stop >"$T/stop.rc"   # not in $(...): wait must run in this shell
expect_eq "the --cert daemon stops with 0" "$(cat "$T/stop.rc")" 0

finish
