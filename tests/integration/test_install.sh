#!/usr/bin/env bash
# `make install` and `make uninstall` into a DESTDIR (issue 10): the files and their modes,
# the paths rewritten for PREFIX, the installed binary's default configuration, a sample
# configuration that `sysbind -t` accepts once a certificate is made as setup-host.sh makes
# it, an existing configuration never overwritten, and an uninstall that leaves only the
# configuration directory.  (Setting up the host itself, user and /var/log/sysbind, is the
# Debian package test's: tests/package/deb.sh on a throw-away machine.)
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
want=$(sed -n 's/^#define CLI_VERSION "\(.*\)"/\1/p' "$SB_ROOT/include/cli.h")
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

# The sample as installed passes -t once the certificate setup-host.sh would make exists.
sans=$(sed -n 's/.*"\$MKCERTS" "\$CERTS" default --san .*/found/p' "$R/usr/share/sysbind/setup-host.sh")
expect_eq "setup-host.sh makes certs/default.pem with the installed mkcerts.sh" "$sans" "found"
"$R/usr/share/sysbind/mkcerts.sh" "$R/etc/sysbind/certs" default --san "localhost,127.0.0.1,::1" >"$T/mkcerts.log" 2>&1
out=$("$R/usr/sbin/sysbind" -t -c "$R/etc/sysbind/sysbind.ini" 2>&1); rc=$?
expect_eq "sysbind -t accepts the installed sample" "$rc:$out" \
	"0:configuration file $R/etc/sysbind/sysbind.ini test is successful"
out=$("$R/usr/sbin/sysbind" check -c "$R/etc/sysbind/sysbind.ini" 2>&1)
expect_contains "... which serves https on 0.0.0.0:443 with the machine's certificate" "$out" \
	"without SNI  localhost    ipport 0.0.0.0:443"

# An existing configuration is never overwritten.
echo "; mine" >>"$R/etc/sysbind/sysbind.ini"
before=$(sha256sum <"$R/etc/sysbind/sysbind.ini")
mk install DESTDIR="$R" PREFIX=/usr UNITDIR=/lib/systemd/system >"$T/install2.log" 2>&1
expect_eq "a second install keeps the configuration as it was" "$(sha256sum <"$R/etc/sysbind/sysbind.ini")" "$before"
expect_contains "... and says where the new sample is" "$(cat "$T/install2.log")" \
	"kept $R/etc/sysbind/sysbind.ini; the new sample is /usr/share/sysbind/sysbind.ini"

# uninstall: everything but the configuration directory, which it names.
mk uninstall DESTDIR="$R" PREFIX=/usr UNITDIR=/lib/systemd/system >"$T/uninstall.log" 2>&1
expect_eq "make uninstall leaves only the configuration and its certificates" \
	"$(files "$R" | awk '{ print $2 }' | sort | tr '\n' ' ')" \
	"etc/sysbind/certs/ca.key etc/sysbind/certs/ca.pem etc/sysbind/certs/default.key etc/sysbind/certs/default.pem etc/sysbind/sysbind.ini "
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
