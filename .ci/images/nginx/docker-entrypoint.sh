#!/bin/sh
# The official nginx image's entrypoint contract: when the command is nginx, run the scripts in
# /docker-entrypoint.d/ in version order (*.envsh sourced, *.sh run; only executable ones), then
# exec the command.
set -e
log() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  if find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | grep -q .; then
    log "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    for f in $(find /docker-entrypoint.d/ -follow -type f -print | sort -V); do
      case $f in
        *.envsh) if [ -x "$f" ]; then log "$0: Sourcing $f"; . "$f"; else log "$0: Ignoring $f, not executable"; fi ;;
        *.sh) if [ -x "$f" ]; then log "$0: Launching $f"; "$f"; else log "$0: Ignoring $f, not executable"; fi ;;
        *) log "$0: Ignoring $f" ;;
      esac
    done
    log "$0: Configuration complete; ready for start up"
  else
    log "$0: No files found in /docker-entrypoint.d/, skipping configuration"
  fi
fi
exec "$@"
