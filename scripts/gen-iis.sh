#!/usr/bin/env bash
# gen-iis.sh — a large IIS server's two files, generated: an applicationHost.config with N
# sites and the `netsh http show sslcert` output (Windows Server 2022 layout, CRLF) that goes
# with it, as a hosting server with one SNI site per customer has them.  Used to measure
# `sysbind import` and `sysbind -t` on 10,000 and 100,000 sites (item 8 of issue 12) and
# that they grow linearly with N (issue 20); the files are made on demand, never committed.
#
#   scripts/gen-iis.sh [--locations] N DIR
#                                   writes DIR/applicationHost.config and DIR/sslcert.txt
#
# Site i (1..N) is "Customer i" with id i, bindings http/*:80:siteI.example.com and
# https/*:443:siteI.example.com with sslFlags="1" (SNI), and a hostnameport entry
# siteI.example.com:443 in the netsh output; one ipport entry 0.0.0.0:443 is the default
# certificate for clients without SNI.  Every tenth site is stopped (serverAutoStart).
# With --locations each site also has the client-certificate rules a hosting panel writes
# after <system.applicationHost>: <location path="Customer I"> with access sslFlags="Ssl"
# (the site's own flags) and <location path="Customer I/secure"> with "Ssl,
# SslNegotiateCert" (a [location] of its own).
set -euo pipefail
locations=0
if [ "${1:-}" = --locations ]; then
	locations=1
	shift
fi
if [ $# -ne 2 ] || ! [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 [--locations] N DIR" >&2
	exit 2
fi
n=$1 dir=$2
mkdir -p "$dir"

awk -v n="$n" -v locations="$locations" 'function access(path, flags) {
	printf "    <location path=\"%s\">\n", path
	print "        <system.webServer>"
	print "            <security>"
	printf "                <access sslFlags=\"%s\" />\n", flags
	print "            </security>"
	print "        </system.webServer>"
	print "    </location>"
}
BEGIN {
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	print "<configuration>"
	print "    <system.applicationHost>"
	print "        <applicationPools>"
	print "            <add name=\"DefaultAppPool\" />"
	print "        </applicationPools>"
	print "        <sites>"
	for (i = 1; i <= n; i++) {
		printf "            <site name=\"Customer %d\" id=\"%d\"%s>\n", i, i,
		    i % 10 == 0 ? " serverAutoStart=\"false\"" : ""
		print "                <application path=\"/\" applicationPool=\"DefaultAppPool\">"
		printf "                    <virtualDirectory path=\"/\" physicalPath=\"D:\\sites\\c%d\" />\n", i
		print "                </application>"
		print "                <bindings>"
		printf "                    <binding protocol=\"http\" bindingInformation=\"*:80:site%d.example.com\" />\n", i
		printf "                    <binding protocol=\"https\" bindingInformation=\"*:443:site%d.example.com\" sslFlags=\"1\" />\n", i
		print "                </bindings>"
		print "            </site>"
	}
	print "            <applicationDefaults applicationPool=\"DefaultAppPool\" />"
	print "        </sites>"
	print "    </system.applicationHost>"
	for (i = 1; locations && i <= n; i++) {
		access(sprintf("Customer %d", i), "Ssl")
		access(sprintf("Customer %d/secure", i), "Ssl, SslNegotiateCert")
	}
	print "</configuration>"
}' >"$dir/applicationHost.config"

awk -v n="$n" 'function entry(label, key, hash) {
	printf "    %-28s : %s\r\n", label, key
	printf "    %-28s : %s\r\n", "Certificate Hash", hash
	printf "    %-28s : %s\r\n", "Application ID", "{4dc3e181-e14b-4a21-b022-59fc669b0914}"
	printf "    %-28s : %s\r\n", "Certificate Store Name", "WebHosting"
	printf "    %s : %s\r\n", "Verify Client Certificate Revocation", "Enabled"
	printf "    %-28s : %s\r\n", "Usage Check", "Enabled"
	printf "    %-28s : %s\r\n", "Negotiate Client Certificate", "Disabled"
	printf "\r\n"
}
BEGIN {
	printf "\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n"
	entry("IP:port", "0.0.0.0:443", sprintf("%040x", 1))
	for (i = 1; i <= n; i++)
		entry("Hostname:port", sprintf("site%d.example.com:443", i), sprintf("%08x%032x", i, 7))
}' >"$dir/sslcert.txt"
