#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser test (test/dashboard): playwright-core
# drives it through executablePath, so no browser is downloaded. Does nothing when it is present.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "the browser test needs Chromium at $CHROMIUM: install Debian's package (apt-get install chromium)" >&2
  echo "or set CHROMIUM_PATH to a Chromium binary" >&2
  exit 1
fi
echo "installing Debian's chromium for the browser test (apt-get install chromium)"
# Another apt run (a parallel make) holds the lock for a while: wait for it instead of failing.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }
apt_get install -y chromium || { apt_get update && apt_get install -y chromium; }
"$CHROMIUM" --version
