#!/usr/bin/env bash
# test_completion.sh — the bash completion conf/bash-completion/sysbind, sourced and called
# as bash calls it (COMP_WORDS, COMP_CWORD, then COMPREPLY read back): commands, each
# command's options and objects, option values, and the names of the configuration's
# sections and bindings; every command the usage lists is offered; `make install` puts
# the file where bash-completion looks.
. "$(dirname "$0")/lib.sh"

. "$SB_ROOT/conf/bash-completion/sysbind"

# comp WORD...: complete the last word of "sysbind WORD..."; prints COMPREPLY sorted, one line.
comp() {
	COMP_WORDS=("$SB_BIN" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_sysbind 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

cat >"$T/c.ini" <<'EOF2'
[server]
mode = iis8
[sslcert 0.0.0.0:8443]
certhash = 5e537858f558b101c877dd9a442344dd7f110794
[sslcert sitev2.mysite.com:8443]   ; a comment
certhash = 5e537858f558b101c877dd9a442344dd7f110794
[site MySite V1]
id = 1
bindings = https/127.0.0.1:8443:sitev1.mysite.com, http/*:8080:sitev1.mysite.com
[site Other]
id = 2
bindings = https/*:8443:, https/[::1]:8443:other.example   ; the second
EOF2

expect_eq "the command words" "$(comp "")" "appcmd check explain help import list netsh reverse-proxy scenarios show"
expect_eq "... by prefix" "$(comp im)" "import"
expect_eq "options before a command" "$(comp -)" "--help --version -c -s -t -v"
expect_eq "-s: the actions" "$(comp -s "")" "quit reload reopen stop"
expect_eq "-s r" "$(comp -c x.ini -s re)" "reload reopen"
expect_eq "check's options" "$(comp check -)" "--help --json -c"
expect_eq "explain's options" "$(comp explain --local 127.0.0.1:1 --)" \
	"--h2 --help --host --http --json --local --no-sni --path --sni --tls"
expect_eq "show: its objects" "$(comp show "")" "certs sslcert"
expect_eq "show certs: its options" "$(comp show certs -)" "--help --json -c"
expect_eq "show sslcert: its options" "$(comp show sslcert -)" "--help --json -c"
expect_eq "list: its object" "$(comp list s)" "site"
expect_eq "import's options" "$(comp import --)" "--applicationhost --cert-store --help --sslcert"
expect_eq "help: the commands" "$(comp help ex)" "explain"
expect_eq "reverse-proxy's options" "$(comp reverse-proxy --p)" "--pfx --pfx-password --print-config"
expect_eq "reverse-proxy --mode" "$(comp reverse-proxy --mode "")" "iis7 iis8"
expect_eq "scenarios' options" "$(comp scenarios -)" "--dir --help --port-base -v"
expect_eq "--tls" "$(comp explain --tls "")" "1.2 1.3"
expect_eq "netsh: http" "$(comp netsh "")" "http"
expect_eq "netsh http: the verbs" "$(comp netsh http "")" "add delete show update"
expect_eq "netsh http add: the objects" "$(comp netsh http add "")" "sslcert sslpropertyex"
expect_eq "netsh http show: sslcert and servicestate" "$(comp netsh http show "")" "servicestate sslcert"
expect_eq "netsh http show servicestate: -c and view=requestq" "$(comp netsh http show servicestate "")" "-c view=requestq"
expect_eq "netsh parameter names" "$(comp netsh http add sslcert cl)" "clientcertnegotiation="
expect_eq "ipport= with the [sslcert] names of -c FILE" \
	"$(comp -c "$T/c.ini" netsh http delete sslcert ipport=)" \
	"ipport=0.0.0.0:8443 ipport=sitev2.mysite.com:8443"
expect_eq "appcmd verbs" "$(comp appcmd "")" "list set"
expect_eq "appcmd set: objects" "$(comp appcmd set "")" "config site"
expect_eq "appcmd list: objects" "$(comp appcmd list "")" "app apppool config site"
COMP_WORDS=("$SB_BIN" -c "$T/c.ini" appcmd set site /site.name:My); COMP_CWORD=6; COMPREPLY=()
_sysbind 2>/dev/null
expect_eq "appcmd /site.name: with the site names" "${COMPREPLY[*]}" "/site.name:MySite V1"
expect_eq "explain --host: the bindings' host names" "$(comp -c "$T/c.ini" explain --host "")" \
	"other.example sitev1.mysite.com"
expect_eq "explain --local: the bindings' addresses" "$(comp explain -c "$T/c.ini" --local "")" \
	"127.0.0.1:8443 [::1]:8443"
mkdir -p "$T/d"; : >"$T/d/a.ini"; : >"$T/d/b.txt"
expect_eq "-c: .ini files and directories" "$(comp -c "$T/d/")" "$T/d/a.ini"

# every command of the usage is offered
words=$("$SB_BIN" --help | sed -n 's/^\(usage:\)\{0,1\} *sysbind \([a-z][a-z-]*\).*/\2/p' | sort -u | tr '\n' ' ' | sed 's/ $//')
expect_eq "every command the usage lists is completed" "$(comp "")" "$words"

# installed where bash-completion finds it
make -s -C "$SB_ROOT" BUILD="$SB_BUILD" install DESTDIR="$T/root" PREFIX=/usr >"$T/install.log" 2>&1 ||
	not_ok "make install" "$(tail "$T/install.log")"
if cmp -s "$SB_ROOT/conf/bash-completion/sysbind" "$T/root/usr/share/bash-completion/completions/sysbind"; then
	ok "make install puts it in /usr/share/bash-completion/completions/sysbind"
else
	not_ok "make install puts it in /usr/share/bash-completion/completions/sysbind" "$(ls -R "$T/root/usr/share" | head -30)"
fi

finish
