#!/usr/bin/env bash
# Installs what the integration tests use, when it is missing:
#   chromium        the browser test (test/dashboard) drives it with playwright-core through
#                   executablePath, so no browser is downloaded
#   docker-compose  the static check that `docker-compose config` accepts docker-compose.yml
#   nginx           the ingress of the local stack (the launcher would install it too)
#   schemathesis    the API fuzzer of test/fuzz, and openapi-spec-validator: pinned Python
#                   packages in a virtual environment under .cache/python (FUZZ_PYTHON overrides)
# Does nothing when all are present; as a non-root user it says what to install instead.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS=schemathesis==4.32.5
SPEC_VALIDATOR=openapi-spec-validator==0.9.0
PY_ENV="${FUZZ_PYTHON:-.cache/python}"

python_packages() {
  local versions="import importlib.metadata as m; print(*(f'{p}=={m.version(p)}' for p in ('schemathesis', 'openapi-spec-validator')))"
  [ "$("$PY_ENV/bin/python" -c "$versions" 2>/dev/null)" = "$SCHEMATHESIS $SPEC_VALIDATOR" ] && return 0
  command -v python3 >/dev/null || { echo "the fuzz test needs Python 3 (python3) with venv and pip" >&2; exit 1; }
  echo "installing $SCHEMATHESIS and $SPEC_VALIDATOR in $PY_ENV"
  [ -x "$PY_ENV/bin/pip" ] || python3 -m venv "$PY_ENV"
  "$PY_ENV/bin/pip" install --quiet --disable-pip-version-check "$SCHEMATHESIS" "$SPEC_VALIDATOR"
}
python_packages

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
