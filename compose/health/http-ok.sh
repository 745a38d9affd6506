#!/usr/bin/env bash
# Healthcheck for the nginx containers (no curl in the image): `http-ok.sh PORT PATH [PORT PATH ...]`
# succeeds when every GET answers 200. A script file, not an inline `bash -c` string: the engine
# behind docker-compose 1.29 splits a healthcheck's CMD on spaces, so an inline script never ran.
set -uo pipefail
while (($# >= 2)); do
  exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3
  head -n 1 <&3 | grep -q ' 200 ' || exit 1
  exec 3<&- 3>&-
  shift 2
done
