#!/bin/sh
# The official node image's entrypoint contract: when the first argument is an option (`-e …`)
# or not a command on PATH (a script file), run it with node; otherwise run it as given.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || true)" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
