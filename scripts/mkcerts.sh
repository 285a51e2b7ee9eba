#!/usr/bin/env bash
# mkcerts.sh — demo and test certificates for sysbind, made with the openssl CLI only.
#
#   scripts/mkcerts.sh --demo DIR
#       The demo/test set (idempotent: does nothing when it is all there already):
#       DIR/ca.pem + ca.key            local CA "sysbind demo CA"
#       DIR/NAME.pem, NAME.key, NAME.pfx (password "sysbind") for the leaves
#           sitev1     CN + SAN sitev1.mysite.com
#           sitev2     CN + SAN sitev2.mysite.com
#           both       CN sitev1.mysite.com, SANs sitev1.mysite.com, sitev2.mysite.com
#           wildcard   CN + SAN *.mysite.com
#           expired    sitev1.mysite.com, validity 2020-2021
#           notyet     sitev1.mysite.com, notBefore in 2090
#           cnonly     CN sitev1.mysite.com, no subjectAltName
#           localhost  SAN localhost, IP 127.0.0.1
#           selfsigned sitev1.mysite.com, self-signed (not from the CA: untrusted)
#       DIR/sitev1-combined.pem        sitev1's chain and key in one file
#       DIR/ccs/                       sitev1.mysite.com.pfx, sitev2.mysite.com.pfx,
#                                      _.mysite.com.pfx (password "ccs-secret")
#       DIR/store/                     sitev1.pem+.key, both.pem+.key, sitev2.pfx ("sysbind")
#       DIR/thumbprints.txt            "NAME sha1-hex" per leaf
#       Client certificates (issue 14), a set of their own, made together:
#       DIR/clientca.pem + clientca.key  "sysbind demo client CA", an intermediate CA
#                                      signed by ca.pem (so trust = ca.pem checks clients)
#       DIR/ClientAuthIssuer/clientca.pem  the client CA alone: a directory for
#                                      sslctlstorename = (the CertificateRequest's CA list)
#       DIR/client.pem, .key, .pfx     CN=client.alice, clientAuth, chain: leaf + client CA
#       DIR/client-expired.pem, .key   the same CA, validity 2020-2021
#       DIR/client-unknown.pem, .key   from "sysbind unknown CA", a CA nobody trusts
#       DIR/client-revoked.pem, .key   the client CA, then revoked
#       DIR/client-serverauth.pem, .key  the client CA, extendedKeyUsage serverAuth only
#       DIR/clientca.crl               the client CA's CRL (PEM) listing client-revoked
#
#   scripts/mkcerts.sh --chains DIR
#       The served-chain cases (issue 23), remade whole on every run (their dates are
#       relative to today); every leaf file holds the leaf alone unless said:
#       DIR/root.pem + .key            "sysbind chains Root X1", the root clients trust
#       DIR/oldroot.pem + .key         "sysbind chains Old Root", self-signed, expired
#                                      yesterday (DST Root CA X3's part)
#       DIR/trust.pem                  root.pem: trust = for a client trusting the new root
#       DIR/trust-both.pem             root.pem and oldroot.pem (a client still trusting
#                                      the old root: it sees "certificate has expired")
#       DIR/intermediates/             the intermediate store (intermediate_store = DIR):
#           r3-current.pem   "sysbind chains Issuing CA R3" by root, issued 60 days ago
#           r3-cross.pem     the same name and key cross-signed by oldroot, issued
#                            yesterday: the stale one Windows prefers (issued last)
#           x2-cross.pem     "sysbind chains Issuing CA X2", only cross-signed by oldroot
#       DIR/m1.pem + .key              "sysbind chains Issuing CA M1" by root, kept OUT of
#                                      the store: the missing intermediate
#       DIR/missing.pem, .key          missing.chains.test by M1, AIA caIssuers URL
#       DIR/missing-noaia.pem, .key    missing-noaia.chains.test by M1, no AIA URL
#       DIR/missing.pfx                missing's leaf with m1 inside ("sysbind"): a PFX's
#                                      extra certificates count as imported
#       DIR/stale.pem, .key            stale.chains.test by R3 (both R3s verify it)
#       DIR/expiredroot.pem, .key      expiredroot.chains.test by X2 (root expired)
#       DIR/other.pem, .key            other.chains.test from "sysbind chains Other CA"
#                                      (leaf then the other CA's intermediate): a leaf
#                                      from another CA, untrusted whatever the store
#
#   scripts/mkcerts.sh DIR NAME [--san n,n,...] [--cn CN]
#                      [--expired|--not-yet-valid|--not-after YYYYMMDDHHMMSSZ]
#                      [--pfx PASSWORD] [--self-signed]
#       One more leaf DIR/NAME.pem + NAME.key (+ NAME.pfx), signed by DIR's CA (made if
#       missing).  Names: --san given: those SANs (IP literals become IP SANs), CN = --cn
#       or the first SAN; only --cn given: that CN and no SAN (a CN-only certificate);
#       neither: CN and SAN = NAME.
#
# NAME.pem holds the leaf and intermediates (none here); the CA is only in ca.pem.
# Keys are EC P-256.  Dates are set with `openssl ca` (OpenSSL 3.0's x509 has no
# -not_before).  Exit status 0, or 1 with a message on standard error.
set -euo pipefail

PROG=mkcerts.sh
DEMO_PASS=sysbind
CCS_PASS=ccs-secret
DEMO_LEAVES=(sitev1 sitev2 both wildcard expired notyet cnonly localhost selfsigned)
CLIENT_LEAVES=(client client-expired client-unknown client-revoked client-serverauth)

die() { echo "$PROG: $*" >&2; exit 1; }

usage() {
	cat >&2 <<'EOF'
usage: scripts/mkcerts.sh --demo DIR
       scripts/mkcerts.sh --chains DIR
       scripts/mkcerts.sh DIR NAME [--san name,name,...] [--cn CN]
                          [--expired|--not-yet-valid|--not-after YYYYMMDDHHMMSSZ]
                          [--pfx PASSWORD] [--self-signed]
EOF
	exit 1
}

command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install openssl)"

WORK=""
cleanup() { [ -n "$WORK" ] && rm -rf "$WORK"; return 0; }
trap cleanup EXIT

# Run openssl quietly; on failure show what it said and stop.
ossl() {
	if ! openssl "$@" >"$WORK/ossl.log" 2>&1; then
		cat "$WORK/ossl.log" >&2
		die "openssl $1 failed"
	fi
}

work_init() {
	[ -n "$WORK" ] && return 0
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mkcerts.XXXXXX") || die "cannot make a temporary directory"
	mkdir -p "$WORK/new"
	: >"$WORK/index.txt"
	echo 1000 >"$WORK/serial"
	cat >"$WORK/openssl.cnf" <<EOF
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
[ ca ]
default_ca = demo_ca
[ demo_ca ]
database        = $WORK/index.txt
new_certs_dir   = $WORK/new
serial          = $WORK/serial
default_md      = sha256
policy          = policy_any
unique_subject  = no
email_in_dn     = no
copy_extensions = none
[ policy_any ]
commonName = optional
[ v3_ca ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
EOF
}

newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; chmod 600 "$1"; }

make_ca() {
	local dir=$1
	work_init
	newkey "$dir/ca.key"
	ossl req -config "$WORK/openssl.cnf" -new -x509 -key "$dir/ca.key" -sha256 -days 3650 \
		-subj "/CN=sysbind demo CA" -extensions v3_ca -out "$dir/ca.pem"
	echo "made $dir/ca.pem (CA \"sysbind demo CA\") and $dir/ca.key"
}

# make_leaf DIR NAME CN SANS(comma list, may be empty) DATES(normal|expired|notyet|
#           end:YYYYMMDDHHMMSSZ: valid from now to then)
#           SELFSIGNED(0|1) PFXPASS(may be empty)
make_leaf() {
	local dir=$1 name=$2 cn=$3 sans=$4 dates=$5 self=$6 pass=$7
	local ext="$WORK/$name.ext" csr="$WORK/$name.csr" san list=() entry
	work_init
	{
		echo "[ leaf ]"
		echo "basicConstraints = critical,CA:FALSE"
		echo "keyUsage = critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage = serverAuth"
		echo "subjectKeyIdentifier = hash"
		[ "$self" = 1 ] || echo "authorityKeyIdentifier = keyid"
		if [ -n "$sans" ]; then
			IFS=, read -r -a list <<<"$sans"
			san=""
			for entry in "${list[@]}"; do
				[ -n "$entry" ] || continue
				if [[ $entry =~ ^[0-9.]+$ || $entry == *:* ]]; then
					san+="${san:+,}IP:$entry"
				else
					san+="${san:+,}DNS:$entry"
				fi
			done
			[ -n "$san" ] && echo "subjectAltName = $san"
		fi
	} >"$ext"

	newkey "$dir/$name.key"
	ossl req -config "$WORK/openssl.cnf" -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$csr"

	local args=(ca -batch -config "$WORK/openssl.cnf" -in "$csr" -out "$WORK/$name.crt"
		-notext -rand_serial -preserveDN -md sha256 -extfile "$ext" -extensions leaf)
	if [ "$self" = 1 ]; then
		args+=(-selfsign -keyfile "$dir/$name.key")
	else
		args+=(-cert "$dir/ca.pem" -keyfile "$dir/ca.key")
	fi
	case $dates in
	expired) args+=(-startdate 20200101000000Z -enddate 20210101000000Z) ;;
	notyet)  args+=(-startdate 20900101000000Z -enddate 20910101000000Z) ;;
	end:*)   args+=(-enddate "${dates#end:}") ;;
	*)       args+=(-days 825) ;;
	esac
	ossl "${args[@]}"
	# `openssl ca` output is PEM only thanks to -notext; normalise it anyway.
	ossl x509 -in "$WORK/$name.crt" -out "$dir/$name.pem"
	if [ -n "$pass" ]; then
		ossl pkcs12 -export -in "$dir/$name.pem" -inkey "$dir/$name.key" -name "$name" \
			-passout "pass:$pass" -out "$dir/$name.pfx"
	fi
	local what="CN=$cn${sans:+, SAN $sans}"
	[ "$self" = 1 ] && what+=", self-signed"
	[ "$dates" = expired ] && what+=", expired (2020-2021)"
	[ "$dates" = notyet ] && what+=", not valid before 2090"
	echo "made $dir/$name.pem and $name.key${pass:+ and $name.pfx} ($what)"
}

thumbprint() {
	local fp
	fp=$(openssl x509 -in "$1" -noout -fingerprint -sha1) || die "cannot read $1"
	fp=${fp#*=}
	fp=${fp//:/}
	echo "${fp,,}"
}

topfx() { # topfx PEM KEY OUT PASSWORD NAME
	ossl pkcs12 -export -in "$1" -inkey "$2" -name "$5" -passout "pass:$4" -out "$3"
}

demo_files() {
	local dir=$1 n
	echo "$dir/ca.pem" "$dir/ca.key"
	for n in "${DEMO_LEAVES[@]}"; do echo "$dir/$n.pem" "$dir/$n.key" "$dir/$n.pfx"; done
	echo "$dir/sitev1-combined.pem" "$dir/thumbprints.txt"
	echo "$dir/ccs/sitev1.mysite.com.pfx" "$dir/ccs/sitev2.mysite.com.pfx" "$dir/ccs/_.mysite.com.pfx"
	echo "$dir/store/sitev1.pem" "$dir/store/sitev1.key" "$dir/store/both.pem"
	echo "$dir/store/both.key" "$dir/store/sitev2.pfx"
	client_files "$dir"
}

client_files() {
	local dir=$1 n
	echo "$dir/clientca.pem" "$dir/clientca.key" "$dir/ClientAuthIssuer/clientca.pem"
	for n in "${CLIENT_LEAVES[@]}"; do echo "$dir/$n.pem" "$dir/$n.key"; done
	echo "$dir/client.pfx" "$dir/clientca.crl"
}

# make_client DIR NAME CN CAPEM CAKEY DATES(normal|expired) EKU: a client certificate
# NAME.pem (the leaf, then the client CA when it issued it: the chain a client sends).
make_client() {
	local dir=$1 name=$2 cn=$3 capem=$4 cakey=$5 dates=$6 eku=$7
	local ext="$WORK/$name.ext" csr="$WORK/$name.csr"
	{
		echo "[ leaf ]"
		echo "basicConstraints = critical,CA:FALSE"
		echo "keyUsage = critical,digitalSignature"
		echo "extendedKeyUsage = $eku"
		echo "subjectKeyIdentifier = hash"
		echo "authorityKeyIdentifier = keyid"
	} >"$ext"
	newkey "$dir/$name.key"
	ossl req -config "$WORK/openssl.cnf" -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$csr"
	local args=(ca -batch -config "$WORK/openssl.cnf" -in "$csr" -out "$WORK/$name.crt"
		-notext -rand_serial -preserveDN -md sha256 -extfile "$ext" -extensions leaf
		-cert "$capem" -keyfile "$cakey")
	case $dates in
	expired) args+=(-startdate 20200101000000Z -enddate 20210101000000Z) ;;
	*)       args+=(-days 825) ;;
	esac
	ossl "${args[@]}"
	ossl x509 -in "$WORK/$name.crt" -out "$dir/$name.pem"
	if [ "$capem" = "$dir/clientca.pem" ]; then
		cat "$dir/clientca.pem" >>"$dir/$name.pem"
	fi
	local what="client certificate CN=$cn, $eku"
	[ "$dates" = expired ] && what+=", expired (2020-2021)"
	echo "made $dir/$name.pem and $name.key ($what)"
}

# The client set: remade whole when any of it is missing, or when the CA was remade (the
# CRL must list the serial its own run gave client-revoked).
clients() {
	local dir=$1 missing=$2 f
	for f in $(client_files "$dir"); do [ -e "$f" ] || { missing=1; break; }; done
	[ "$missing" = 1 ] || return 0
	work_init
	mkdir -p "$dir/ClientAuthIssuer" || die "cannot create $dir/ClientAuthIssuer"
	{
		echo "[ v3_client_ca ]"
		echo "basicConstraints       = critical,CA:TRUE,pathlen:0"
		echo "keyUsage               = critical,keyCertSign,cRLSign"
		echo "subjectKeyIdentifier   = hash"
		echo "authorityKeyIdentifier = keyid"
	} >>"$WORK/openssl.cnf"
	newkey "$dir/clientca.key"
	ossl req -config "$WORK/openssl.cnf" -new -key "$dir/clientca.key" \
		-subj "/CN=sysbind demo client CA" -out "$WORK/clientca.csr"
	ossl ca -batch -config "$WORK/openssl.cnf" -in "$WORK/clientca.csr" \
		-out "$WORK/clientca.crt" -notext -rand_serial -preserveDN -md sha256 -days 3650 \
		-cert "$dir/ca.pem" -keyfile "$dir/ca.key" -extensions v3_client_ca
	ossl x509 -in "$WORK/clientca.crt" -out "$dir/clientca.pem"
	cp "$dir/clientca.pem" "$dir/ClientAuthIssuer/clientca.pem"
	echo "made $dir/clientca.pem (intermediate CA \"sysbind demo client CA\", signed by ca.pem)"
	# A CA nobody trusts, kept only for as long as it signs client-unknown.
	newkey "$WORK/unknownca.key"
	ossl req -config "$WORK/openssl.cnf" -new -x509 -key "$WORK/unknownca.key" -sha256 \
		-days 3650 -subj "/CN=sysbind unknown CA" -extensions v3_ca -out "$WORK/unknownca.pem"
	local ca="$dir/clientca.pem" cakey="$dir/clientca.key"
	make_client "$dir" client client.alice "$ca" "$cakey" normal clientAuth
	make_client "$dir" client-expired client.expired "$ca" "$cakey" expired clientAuth
	make_client "$dir" client-unknown client.unknown "$WORK/unknownca.pem" \
		"$WORK/unknownca.key" normal clientAuth
	make_client "$dir" client-revoked client.revoked "$ca" "$cakey" normal clientAuth
	make_client "$dir" client-serverauth client.serverauth "$ca" "$cakey" normal serverAuth
	topfx "$dir/client.pem" "$dir/client.key" "$dir/client.pfx" "$DEMO_PASS" client.alice
	echo "made $dir/client.pfx (password $DEMO_PASS)"
	ossl ca -config "$WORK/openssl.cnf" -cert "$ca" -keyfile "$cakey" \
		-revoke "$WORK/client-revoked.crt" -crl_reason keyCompromise
	ossl ca -config "$WORK/openssl.cnf" -cert "$ca" -keyfile "$cakey" -gencrl \
		-crldays 3650 -out "$dir/clientca.crl"
	echo "made $dir/clientca.crl (the client CA's CRL: client-revoked is revoked)"
}

demo() {
	local dir=$1 f missing=0 n
	for f in $(demo_files "$dir"); do [ -e "$f" ] || { missing=1; break; }; done
	if [ $missing = 0 ]; then
		echo "$PROG: $dir already holds the demo certificates"
		return 0
	fi
	mkdir -p "$dir" "$dir/ccs" "$dir/store" || die "cannot create $dir"
	work_init
	# Missing CA: everything signed by the old one is stale, so remake it all.
	local fresh=0
	if [ ! -e "$dir/ca.pem" ] || [ ! -e "$dir/ca.key" ]; then
		make_ca "$dir"
		fresh=1
	fi
	have() { [ $fresh = 0 ] && [ -e "$dir/$1.pem" ] && [ -e "$dir/$1.key" ] && [ -e "$dir/$1.pfx" ]; }
	have sitev1     || make_leaf "$dir" sitev1 sitev1.mysite.com sitev1.mysite.com normal 0 "$DEMO_PASS"
	have sitev2     || make_leaf "$dir" sitev2 sitev2.mysite.com sitev2.mysite.com normal 0 "$DEMO_PASS"
	have both       || make_leaf "$dir" both sitev1.mysite.com sitev1.mysite.com,sitev2.mysite.com normal 0 "$DEMO_PASS"
	have wildcard   || make_leaf "$dir" wildcard '*.mysite.com' '*.mysite.com' normal 0 "$DEMO_PASS"
	have expired    || make_leaf "$dir" expired sitev1.mysite.com sitev1.mysite.com expired 0 "$DEMO_PASS"
	have notyet     || make_leaf "$dir" notyet sitev1.mysite.com sitev1.mysite.com notyet 0 "$DEMO_PASS"
	have cnonly     || make_leaf "$dir" cnonly sitev1.mysite.com "" normal 0 "$DEMO_PASS"
	have localhost  || make_leaf "$dir" localhost localhost localhost,127.0.0.1 normal 0 "$DEMO_PASS"
	have selfsigned || make_leaf "$dir" selfsigned sitev1.mysite.com sitev1.mysite.com normal 1 "$DEMO_PASS"

	# The derived files are cheap: always rebuild them from the leaves.
	cat "$dir/sitev1.pem" "$dir/sitev1.key" >"$dir/sitev1-combined.pem"
	chmod 600 "$dir/sitev1-combined.pem"
	echo "made $dir/sitev1-combined.pem (sitev1 chain and key)"
	topfx "$dir/sitev1.pem" "$dir/sitev1.key" "$dir/ccs/sitev1.mysite.com.pfx" "$CCS_PASS" sitev1
	topfx "$dir/sitev2.pem" "$dir/sitev2.key" "$dir/ccs/sitev2.mysite.com.pfx" "$CCS_PASS" sitev2
	topfx "$dir/wildcard.pem" "$dir/wildcard.key" "$dir/ccs/_.mysite.com.pfx" "$CCS_PASS" wildcard
	echo "made $dir/ccs/ (sitev1.mysite.com.pfx, sitev2.mysite.com.pfx, _.mysite.com.pfx; password $CCS_PASS)"
	for f in sitev1.pem sitev1.key both.pem both.key sitev2.pfx; do
		cp -p "$dir/$f" "$dir/store/$f"
	done
	echo "made $dir/store/ (sitev1.pem+.key, both.pem+.key, sitev2.pfx)"
	: >"$WORK/thumbprints.txt"
	for n in "${DEMO_LEAVES[@]}"; do
		echo "$n $(thumbprint "$dir/$n.pem")" >>"$WORK/thumbprints.txt"
	done
	cp "$WORK/thumbprints.txt" "$dir/thumbprints.txt"
	echo "made $dir/thumbprints.txt"
	clients "$dir" "$fresh"
}

# A UTC time `openssl ca` takes, DAYS from now (negative: ago).
utc_days() { date -u -d "$1 days" +%Y%m%d%H%M%SZ; }

# chains_ca DIR NAME CN ISSUER(pem, or "self") ISSUERKEY START END KEY(existing or new)
chains_ca() {
	local dir=$1 name=$2 cn=$3 issuer=$4 ikey=$5 start=$6 end=$7 key=$8
	[ -e "$key" ] || newkey "$key"
	ossl req -config "$WORK/openssl.cnf" -new -key "$key" -subj "/CN=$cn" -out "$WORK/$name.csr"
	local args=(ca -batch -config "$WORK/openssl.cnf" -in "$WORK/$name.csr"
		-out "$WORK/$name.crt" -notext -rand_serial -preserveDN -md sha256
		-startdate "$start" -enddate "$end")
	if [ "$issuer" = self ]; then
		args+=(-selfsign -keyfile "$key" -extensions v3_ca)
	else
		args+=(-cert "$issuer" -keyfile "$ikey" -extensions v3_inter)
	fi
	ossl "${args[@]}"
	ossl x509 -in "$WORK/$name.crt" -out "$dir/$name.pem"
}

# chains_leaf DIR NAME CN ISSUERPEM ISSUERKEY AIA(url or empty)
chains_leaf() {
	local dir=$1 name=$2 cn=$3 issuer=$4 ikey=$5 aia=$6
	{
		echo "[ leaf ]"
		echo "basicConstraints = critical,CA:FALSE"
		echo "keyUsage = critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage = serverAuth"
		echo "subjectKeyIdentifier = hash"
		echo "authorityKeyIdentifier = keyid"
		echo "subjectAltName = DNS:$cn"
		[ -z "$aia" ] || echo "authorityInfoAccess = caIssuers;URI:$aia"
	} >"$WORK/$name.ext"
	newkey "$dir/$name.key"
	ossl req -config "$WORK/openssl.cnf" -new -key "$dir/$name.key" -subj "/CN=$cn" \
		-out "$WORK/$name.csr"
	ossl ca -batch -config "$WORK/openssl.cnf" -in "$WORK/$name.csr" -out "$WORK/$name.crt" \
		-notext -rand_serial -preserveDN -md sha256 -extfile "$WORK/$name.ext" \
		-extensions leaf -cert "$issuer" -keyfile "$ikey" -startdate "$(utc_days -1)" \
		-enddate "$(utc_days 397)"
	ossl x509 -in "$WORK/$name.crt" -out "$dir/$name.pem"
}

chains() {
	local dir=$1 now5 aia=http://127.0.0.1:9/sysbind-chains
	mkdir -p "$dir/intermediates" || die "cannot create $dir/intermediates"
	rm -f "$dir"/intermediates/*.pem
	work_init
	{
		echo "[ v3_inter ]"
		echo "basicConstraints       = critical,CA:TRUE,pathlen:0"
		echo "keyUsage               = critical,keyCertSign,cRLSign"
		echo "subjectKeyIdentifier   = hash"
		echo "authorityKeyIdentifier = keyid"
	} >>"$WORK/openssl.cnf"
	now5=$(utc_days 1825)
	chains_ca "$dir" root "sysbind chains Root X1" self "" "$(utc_days -400)" "$(utc_days 3650)" "$dir/root.key"
	chains_ca "$dir" oldroot "sysbind chains Old Root" self "" "$(utc_days -7300)" "$(utc_days -1)" "$dir/oldroot.key"
	cp "$dir/root.pem" "$dir/trust.pem"
	cat "$dir/root.pem" "$dir/oldroot.pem" >"$dir/trust-both.pem"
	echo "made $dir/root.pem, oldroot.pem (expired yesterday), trust.pem, trust-both.pem"
	rm -f "$WORK/r3.key" "$WORK/x2.key"
	chains_ca "$dir/intermediates" r3-current "sysbind chains Issuing CA R3" "$dir/root.pem" "$dir/root.key" "$(utc_days -60)" "$now5" "$WORK/r3.key"
	chains_ca "$dir/intermediates" r3-cross "sysbind chains Issuing CA R3" "$dir/oldroot.pem" "$dir/oldroot.key" "$(utc_days -1)" "$now5" "$WORK/r3.key"
	chains_ca "$dir/intermediates" x2-cross "sysbind chains Issuing CA X2" "$dir/oldroot.pem" "$dir/oldroot.key" "$(utc_days -1)" "$now5" "$WORK/x2.key"
	rm -f "$dir/m1.key"
	chains_ca "$dir" m1 "sysbind chains Issuing CA M1" "$dir/root.pem" "$dir/root.key" "$(utc_days -60)" "$now5" "$dir/m1.key"
	echo "made $dir/intermediates/ (r3-current.pem, r3-cross.pem issued later, x2-cross.pem) and $dir/m1.pem (kept out)"
	chains_leaf "$dir" missing missing.chains.test "$dir/m1.pem" "$dir/m1.key" "$aia/m1.cer"
	chains_leaf "$dir" missing-noaia missing-noaia.chains.test "$dir/m1.pem" "$dir/m1.key" ""
	cat "$dir/missing.pem" "$dir/m1.pem" >"$WORK/missing-chain.pem"
	topfx "$WORK/missing-chain.pem" "$dir/missing.key" "$dir/missing.pfx" "$DEMO_PASS" missing
	chains_leaf "$dir" stale stale.chains.test "$dir/intermediates/r3-current.pem" "$WORK/r3.key" "$aia/r3.cer"
	chains_leaf "$dir" expiredroot expiredroot.chains.test "$dir/intermediates/x2-cross.pem" "$WORK/x2.key" "$aia/x2.cer"
	rm -f "$WORK/other-root.key" "$WORK/other-ca.key"
	chains_ca "$WORK" other-root "sysbind chains Other Root" self "" "$(utc_days -400)" "$(utc_days 3650)" "$WORK/other-root.key"
	chains_ca "$WORK" other-ca "sysbind chains Other CA" "$WORK/other-root.pem" "$WORK/other-root.key" "$(utc_days -60)" "$now5" "$WORK/other-ca.key"
	chains_leaf "$dir" other other.chains.test "$WORK/other-ca.pem" "$WORK/other-ca.key" ""
	cat "$WORK/other-ca.pem" >>"$dir/other.pem"
	echo "made $dir/missing.pem (+ missing.pfx with m1 inside), missing-noaia.pem, stale.pem, expiredroot.pem, other.pem (leaf + Other CA)"
}

one() {
	local dir=$1 name=$2 sans="" cn="" dates=normal pass="" self=0 have_san=0 have_cn=0
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--san)           [ $# -ge 2 ] || usage; sans=$2; have_san=1; shift 2 ;;
		--cn)            [ $# -ge 2 ] || usage; cn=$2; have_cn=1; shift 2 ;;
		--expired)       dates=expired; shift ;;
		--not-yet-valid) dates=notyet; shift ;;
		--not-after)     [ $# -ge 2 ] || usage; dates="end:$2"; shift 2 ;;
		--pfx)           [ $# -ge 2 ] || usage; pass=$2; shift 2 ;;
		--self-signed)   self=1; shift ;;
		*)               echo "$PROG: unknown option $1" >&2; usage ;;
		esac
	done
	[[ $name =~ ^[A-Za-z0-9_.*-]+$ ]] || die "bad certificate name \"$name\""
	if [ $have_san = 1 ]; then
		[ -n "$sans" ] || die "--san needs at least one name"
		[ $have_cn = 1 ] || cn=${sans%%,*}
	elif [ $have_cn = 0 ]; then
		cn=$name
		sans=$name
	fi
	[ -n "$cn" ] || die "empty common name"
	mkdir -p "$dir" || die "cannot create $dir"
	work_init
	if [ $self = 0 ] && { [ ! -e "$dir/ca.pem" ] || [ ! -e "$dir/ca.key" ]; }; then
		make_ca "$dir"
	fi
	make_leaf "$dir" "$name" "$cn" "$sans" "$dates" "$self" "$pass"
	echo "thumbprint $(thumbprint "$dir/$name.pem")"
}

[ $# -ge 1 ] || usage
case $1 in
--demo)      [ $# -eq 2 ] || usage; demo "$2" ;;
--chains)    [ $# -eq 2 ] || usage; chains "$2" ;;
-h|--help)   usage ;;
-*)          usage ;;
*)           [ $# -ge 2 ] || usage; one "$@" ;;
esac
