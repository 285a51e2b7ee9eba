#!/usr/bin/env bash
# `make install` and `make uninstall` into a DESTDIR (issue 10): the files and their modes,
# the paths rewritten for PREFIX, the installed binary's default configuration, a sample
# configuration that `sysbind -t` accepts once the installed setup-host.sh has made this
# machine's certificate, an existing configuration never overwritten, and an uninstall
# that leaves only the configuration directory.  setup-host.sh runs as root in a mount
# namespace of its own, where /etc (the user it adds) is an overlay whose changes land in
# the test's directory and /var/log a tmpfs: the machine is left as it was.  (The Debian
# package's own run of it is tests/package/deb.sh's, on a throw-away machine.)
. "$(dirname "$0")/lib.sh"

# mk ARGS...: make in the project with the build under test (a sanitizer build passes its
# flags down through MAKEFLAGS).
mk() { make -s -C "$SB_ROOT" BUILD="$SB_BUILD" "$@"; }
# files DIR: every file and link under DIR with its mode, relative, sorted.
files() { (cd "$1" && find . \( -type f -o -type l \) -printf '%m %P\n' | sort); }

# make install links the build's objects again: a sanitizer build needs its flags, which
# `make asan` passes down in MAKEFLAGS
if ldd "$SB_BIN" | grep -q libasan && [[ "${MAKEFLAGS:-}" != *SANFLAGS=* ]]; then
	skip "make install of this build" "a sanitizer build installs through make asan, which passes its flags down"
	finish; exit
fi

R="$T/root"
if ! mk install DESTDIR="$R" PREFIX=/usr UNITDIR=/lib/systemd/system >"$T/install.log" 2>&1; then
	not_ok "make install DESTDIR PREFIX=/usr" "$(tail -20 "$T/install.log")"; finish; exit
fi
expect_eq "make install PREFIX=/usr: the binary, manual pages, sample, unit, logrotate file, bash completion" \
	"$(files "$R")" "644 etc/logrotate.d/sysbind
644 etc/sysbind/sysbind.ini
644 lib/systemd/system/sysbind.service
644 usr/share/bash-completion/completions/sysbind
644 usr/share/doc/sysbind/demo/README
644 usr/share/doc/sysbind/demo/examples/bad.ini
644 usr/share/doc/sysbind/demo/examples/ccs.ini
644 usr/share/doc/sysbind/demo/examples/iis8-sni.ini
644 usr/share/doc/sysbind/demo/examples/two-names.ini
644 usr/share/doc/sysbind/demo/examples/two-sites.ini
644 usr/share/doc/sysbind/demo/sysbind.ini
644 usr/share/man/man5/sysbind.ini.5
644 usr/share/man/man8/sysbind.8
644 usr/share/sysbind/sysbind.ini
755 usr/sbin/sysbind
755 usr/share/sysbind/mkcerts.sh
755 usr/share/sysbind/setup-host.sh"
expect_contains "DESTDIR: the host is left alone, and it says so" "$(cat "$T/install.log")" \
	"DESTDIR given: the host is not set up"
expect_contains "the installed binary reads /etc/sysbind/sysbind.ini without -c" \
	"$("$R/usr/sbin/sysbind" --help)" "(default FILE: /etc/sysbind/sysbind.ini)"
v=$("$R/usr/sbin/sysbind" --version)
want=$(sed -n 's/^#define CLI_VERSION "\(.*\)"/\1/p' "$SB_ROOT/include/cli/cli.h")
expect_eq "--version: sysbind's version first" "$(printf '%s\n' "$v" | head -1)" "sysbind $want"
expect_eq "... then OpenSSL, libevent, llhttp and expat, as they run" \
	"$(printf '%s\n' "$v" | sed -n '2,$p' | awk '{ print $1 }' | tr '\n' ' ')" "OpenSSL libevent llhttp expat "
expect_eq "... the OpenSSL that runs is the one openssl(1) reports" \
	"$(printf '%s\n' "$v" | sed -n 2p | awk '{ print $2 }')" "$(openssl version | awk '{ print $2 }')"
expect_contains "... libevent's version" "$v" "libevent $(pkg-config --modversion libevent)"
expect_eq "the unit starts the installed binary on the installed configuration" \
	"$(grep '^ExecStart=' "$R/lib/systemd/system/sysbind.service")" \
	"ExecStart=/usr/sbin/sysbind -c /etc/sysbind/sysbind.ini"
expect_eq "the sample is the shipped one" "$(cmp "$SB_ROOT/conf/install/sysbind.ini" "$R/etc/sysbind/sysbind.ini" && echo same)" "same"

# setup-host.sh, installed, run as `make install` runs it on a host but on the DESTDIR's
# configuration directory, in its own mount namespace: /etc an overlay (upper layer in
# $T/ns), /var/log a tmpfs, /usr the installed tree over the machine's (so that the
# mkcerts.sh it calls, /usr/share/sysbind/mkcerts.sh, is the one installed).  Inside, it
# says what the user and the log directory it made look like.
C="$R/etc/sysbind/certs"
host_before=$(getent passwd sysbind; ls -ld /var/log/sysbind 2>&1)
setup_ran=0
if [ "$(id -u)" -ne 0 ] || ! unshare --mount --propagation private true 2>/dev/null; then
	skip "the installed setup-host.sh makes this machine's certificate" \
		"not root, or no mount namespace here: it would change the machine itself"
	"$R/usr/share/sysbind/mkcerts.sh" "$C" default --san "localhost,127.0.0.1,::1" >"$T/mkcerts.log" 2>&1
else
	mkdir -p "$T/ns/etc-up" "$T/ns/etc-work"
	out=$(unshare --mount --propagation private sh -ec '
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc-up,workdir=$1/etc-work" /etc
		mount -t tmpfs tmpfs /var/log
		mount -t overlay overlay -o "lowerdir=$2/usr:/usr" /usr
		/usr/share/sysbind/setup-host.sh "$2/etc/sysbind"
		echo "user: $(getent passwd sysbind | cut -d: -f1,6,7)"
		echo "logs: $(stat -c "%a %U:%G" /var/log/sysbind)"
		echo "certs: $(stat -c "%a %U:%G" "$2/etc/sysbind/certs") $(stat -c "%a %U:%G" \
			"$2/etc/sysbind/certs/default.key") $(stat -c "%a" "$2/etc/sysbind/certs/default.pem")"
		' _ "$T/ns" "$R" 2>&1); rc=$?
	setup_ran=1
	expect_eq "setup-host.sh, as installed, runs as root and succeeds" "$rc" "0"
	expect_contains "... saying it made certs/default.pem" "$out" \
		"setup-host.sh: made $C/default.pem for "
	expect_eq "... a certificate signed by the CA it made beside it" \
		"$(openssl verify -CAfile "$C/ca.pem" "$C/default.pem" 2>&1)" "$C/default.pem: OK"
	san=$(openssl x509 -in "$C/default.pem" -noout -ext subjectAltName 2>&1 | tail -n +2)
	expect_contains "... for localhost, 127.0.0.1 and ::1" "$san" \
		"DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
	expect_contains "... and this machine's name" "$san" "DNS:$(hostname)"
	expect_eq "... whose key is the certificate's" \
		"$(openssl pkey -in "$C/default.key" -pubout 2>&1 | sha256sum)" \
		"$(openssl x509 -in "$C/default.pem" -noout -pubkey 2>&1 | sha256sum)"
	expect_eq "... certs/ root's and group sysbind's (0750), the key too (0640), the certificate 0644" \
		"$(printf '%s\n' "$out" | grep '^certs: ')" "certs: 750 root:sysbind 640 root:sysbind 644"
	expect_eq "... generated.sha256 lists what it made, as it is" \
		"$(cd "$C" && sha256sum -c generated.sha256 2>&1 | tr '\n' ' ')" \
		"ca.pem: OK ca.key: OK default.pem: OK default.key: OK "
	expect_eq "... the system user sysbind, with no home and no shell" \
		"$(printf '%s\n' "$out" | grep '^user: ')" "user: sysbind:/nonexistent:/usr/sbin/nologin"
	expect_eq "... and /var/log/sysbind, sysbind's (0750)" \
		"$(printf '%s\n' "$out" | grep '^logs: ')" "logs: 750 sysbind:sysbind"
	expect_eq "... while the machine's own users and /var/log are as they were" \
		"$(getent passwd sysbind; ls -ld /var/log/sysbind 2>&1)" "$host_before"
fi
# -t binds every listener and opens every log as the daemon will: the sample's logs are in
# /var/log/sysbind, which setup-host.sh makes on a host; here a tmpfs /var/log of a mount
# namespace holds it, so that the machine's /var/log is left alone.
if [ "$setup_ran" = 1 ]; then
	out=$(unshare --mount --propagation private sh -c 'mount -t tmpfs tmpfs /var/log &&
		mkdir -p /var/log/sysbind && exec "$1" -t -c "$2"' _ "$R/usr/sbin/sysbind" \
		"$R/etc/sysbind/sysbind.ini" 2>&1); rc=$?
	expect_eq "sysbind -t accepts the installed sample (its log directory made as setup-host.sh makes it)" \
		"$rc:$out" "0:configuration file $R/etc/sysbind/sysbind.ini test is successful"
else
	skip "sysbind -t accepts the installed sample" \
		"not root, or no mount namespace: its logs' directory /var/log/sysbind is the host's"
fi
out=$("$R/usr/sbin/sysbind" check -c "$R/etc/sysbind/sysbind.ini" 2>&1)
cn=$(openssl x509 -in "$C/default.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
line=$(printf '%s\n' "$out" | grep '^  without SNI ' | tr -s ' ')
expect_eq "... which serves https on 0.0.0.0:443 with the machine's certificate ($cn)" \
	"$line" " without SNI $cn ipport 0.0.0.0:443 and [::]:443 n/a (any host)"

# An existing configuration is never overwritten.
echo "; mine" >>"$R/etc/sysbind/sysbind.ini"
before=$(sha256sum <"$R/etc/sysbind/sysbind.ini")
mk install DESTDIR="$R" PREFIX=/usr UNITDIR=/lib/systemd/system >"$T/install2.log" 2>&1
expect_eq "a second install keeps the configuration as it was" "$(sha256sum <"$R/etc/sysbind/sysbind.ini")" "$before"
expect_contains "... and says where the new sample is" "$(cat "$T/install2.log")" \
	"kept $R/etc/sysbind/sysbind.ini; the new sample is /usr/share/sysbind/sysbind.ini"

# uninstall: everything but the configuration directory, which it names.
mk uninstall DESTDIR="$R" PREFIX=/usr UNITDIR=/lib/systemd/system >"$T/uninstall.log" 2>&1
gen=""; [ "$setup_ran" -eq 1 ] && gen="etc/sysbind/certs/generated.sha256 "
expect_eq "make uninstall leaves only the configuration and its certificates" \
	"$(files "$R" | awk '{ print $2 }' | sort | tr '\n' ' ')" \
	"etc/sysbind/certs/ca.key etc/sysbind/certs/ca.pem etc/sysbind/certs/default.key etc/sysbind/certs/default.pem ${gen}etc/sysbind/sysbind.ini "
expect_contains "... and says so" "$(cat "$T/uninstall.log")" "kept $R/etc/sysbind (your configuration and keys)"

# PREFIX=/usr/local: the paths follow.
L="$T/local"
mk install DESTDIR="$L" >"$T/install3.log" 2>&1
expect_eq "PREFIX default /usr/local: the unit runs /usr/local/sbin/sysbind on /usr/local/etc" \
	"$(grep '^ExecStart=' "$L/usr/local/lib/systemd/system/sysbind.service")" \
	"ExecStart=/usr/local/sbin/sysbind -c /usr/local/etc/sysbind/sysbind.ini"
expect_eq "... and reloads with it, on the same configuration" \
	"$(grep '^ExecReload=' "$L/usr/local/lib/systemd/system/sysbind.service")" \
	"ExecReload=/usr/local/sbin/sysbind -s reload -c /usr/local/etc/sysbind/sysbind.ini"
expect_contains "... the binary's default configuration too" "$("$L/usr/local/sbin/sysbind" --help)" \
	"(default FILE: /usr/local/etc/sysbind/sysbind.ini)"
expect_eq "... setup-host.sh calls the mkcerts.sh installed beside it" \
	"$(grep -c '^MKCERTS=/usr/local/share/sysbind/mkcerts.sh$' "$L/usr/local/share/sysbind/setup-host.sh")" "1"
expect_eq "... logrotate's file stays in /etc/logrotate.d, where logrotate reads" \
	"$(test -f "$L/etc/logrotate.d/sysbind" && echo yes)" "yes"
mk uninstall DESTDIR="$L" >/dev/null 2>&1
expect_eq "... and uninstall removes all of it but the configuration" \
	"$(files "$L" | awk '{ print $2 }' | tr '\n' ' ')" "usr/local/etc/sysbind/sysbind.ini "
finish
