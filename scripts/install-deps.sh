#!/usr/bin/env bash
# Install the Debian packages sysbind needs to build, run and test, if any is missing.
# Usage: scripts/install-deps.sh [extra-package ...]
# Runs apt-get update first (a fresh machine's package lists are empty), then installs
# only what dpkg says is absent. Needs root (or sudo) only when something is missing.
set -euo pipefail

pkgs=(gcc make pkg-config libevent-dev libssl-dev libinih-dev libexpat1-dev libsystemd-dev libnghttp2-dev check node-llhttp
      curl openssl wrk "$@")

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root to install ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
