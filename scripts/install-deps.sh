#!/usr/bin/env bash
# Installs the Debian packages Accord builds, tests and runs with, only when one is missing.
set -euo pipefail
packages=(build-essential pkg-config libzmq3-dev libczmq-dev libsecp256k1-dev libssl-dev
          libjson-c-dev libhiredis-dev liblmdb-dev zlib1g-dev check redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
