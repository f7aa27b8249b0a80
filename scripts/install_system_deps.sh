#!/usr/bin/env bash
# Debian packages the test suite drives for real: Chromium (browser tests) and PostgreSQL (store tests).
# Installs them when missing and we are root; otherwise says which tests will be skipped.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fonts=$(fc-list 2>/dev/null | grep -ci dejavu || true)
[ "${fonts:-0}" -gt 0 ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "note: not root, cannot install ${need[*]}: browser/PostgreSQL tests will be skipped" >&2
  exit 0
fi
echo "installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
