#!/usr/bin/env bash
# Installs the Debian packages the integration tests use, when they are missing:
#   chromium        the browser test (test/dashboard) drives it with playwright-core through
#                   executablePath, so no browser is downloaded
#   docker-compose  the static check that `docker-compose config` accepts docker-compose.yml
#   nginx           the ingress of the local stack (the launcher would install it too)
# Does nothing when all are present; as a non-root user it says what to install instead.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "the integration tests need: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
  echo "(or set CHROMIUM_PATH to a Chromium binary)" >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${missing[*]}"
# Another apt run (a parallel make) holds the lock for a while: wait for it instead of failing.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }
apt_get install -y -qq "${missing[@]}" >/dev/null || { apt_get update -qq && apt_get install -y -qq "${missing[@]}" >/dev/null; }
