#!/bin/sh
# setup-host.sh — what an installed sysbind needs on the machine beside its files, made
# only when missing (run by `make install` and by the Debian package's postinst, as root):
#   - the system user and group "sysbind" (the unit's User=, the sample's user =);
#   - /var/log/sysbind (0750, sysbind's), where the sample configuration logs;
#   - a certificate for this machine, so the sample's https binding serves at once:
#     CONFDIR/certs/default.pem + default.key for this host's names, localhost,
#     127.0.0.1 and ::1, signed by a local CA made for this machine (CONFDIR/certs/ca.pem,
#     which clients can be told to trust: curl --cacert CONFDIR/certs/ca.pem ...).  The
#     key is readable by group sysbind only.  CONFDIR/certs/generated.sha256 lists what
#     was made, so a purge removes exactly those files, and only while unchanged.
#
#   setup-host.sh [CONFDIR]        (default /etc/sysbind)
set -eu

CONFDIR=${1:-/etc/sysbind}
CERTS=$CONFDIR/certs
MKCERTS=/usr/share/sysbind/mkcerts.sh
LOGDIR=/var/log/sysbind

[ "$(id -u)" -eq 0 ] || { echo "setup-host.sh: run as root" >&2; exit 1; }

if ! getent passwd sysbind >/dev/null; then
	if command -v adduser >/dev/null 2>&1; then
		adduser --system --group --home /nonexistent --no-create-home --quiet \
			--gecos "sysbind daemon" sysbind
	else
		useradd --system --user-group --home-dir /nonexistent --no-create-home \
			--shell /usr/sbin/nologin --comment "sysbind daemon" sysbind
	fi
	echo "setup-host.sh: made the system user sysbind"
fi

if [ ! -d "$LOGDIR" ]; then
	install -d -m 0750 -o sysbind -g sysbind "$LOGDIR"
	echo "setup-host.sh: made $LOGDIR"
fi

if [ ! -e "$CERTS/default.pem" ] && [ ! -e "$CERTS/default.key" ]; then
	install -d -m 0750 -o root -g sysbind "$CERTS"
	# this host's names (hostname -f may fail without DNS: then the short name only)
	names=""
	for n in "$(hostname --fqdn 2>/dev/null || true)" "$(hostname 2>/dev/null || true)" \
	    localhost 127.0.0.1 ::1; do
		[ -n "$n" ] || continue
		case ",$names," in *",$n,"*) continue ;; esac
		names="${names:+$names,}$n"
	done
	made_ca=0
	[ -e "$CERTS/ca.pem" ] || made_ca=1
	"$MKCERTS" "$CERTS" default --san "$names" >/dev/null
	chgrp sysbind "$CERTS/default.key"
	chmod 0640 "$CERTS/default.key"
	chmod 0644 "$CERTS/default.pem"
	(
		cd "$CERTS"
		if [ $made_ca = 1 ]; then
			sha256sum ca.pem ca.key
		fi
		sha256sum default.pem default.key
	) >>"$CERTS/generated.sha256"
	echo "setup-host.sh: made $CERTS/default.pem for $names (CA: $CERTS/ca.pem)"
fi
