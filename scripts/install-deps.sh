#!/usr/bin/env bash
# Installs the Debian packages that building and testing need, when they are missing.
# As root it installs them; otherwise it names them and how to install them, and fails.
set -euo pipefail

# curl and jq drive the API in `make demo`; python3-jsonschema validates handbook-verify's JSON against its schema in the tests;
# chromium, chromium-driver and python3-selenium walk the public website in a real headless browser in the tests, and
# fonts-noto-cjk lets it render Chinese (without it, boxes).
packages=(pcscd libpcsclite-dev vsmartcard-vpcd libssl-dev libsqlite3-dev pkg-config openssl python3-jsonschema curl jq
  chromium chromium-driver python3-selenium fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
