#!/bin/sh
# Picks the service the container runs: sender, handler, consumer or init (the one-shot job that
# creates databases, applies migrations and creates topics). Anything else runs as given.
set -e
case "${1:-help}" in
  sender | handler | consumer)
    service=$1
    shift
    # Replicas share one environment: without an explicit id each handler is named after its
    # container, so logs, metrics and GET /ping tell the replicas apart.
    if [ "$service" = handler ] && [ -z "${HANDLER_ID:-}" ]; then
      HANDLER_ID="handler-$(hostname)"
      export HANDLER_ID
    fi
    exec node "/app/$service/dist/index.js" "$@"
    ;;
  init)
    shift
    exec node /app/lib/dist/init-cli.js "$@"
    ;;
  help | --help | -h)
    echo "usage: docker run <image> sender | handler | consumer | init   (or any command)"
    exit 0
    ;;
esac
exec "$@"
