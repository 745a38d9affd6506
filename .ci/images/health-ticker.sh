#!/usr/bin/env bash
# Runs the healthchecks of every running container that has one, every 2 s, until killed. Podman
# without systemd never runs them by itself; container-engine's own ticker does, but its loop
# feeds the container list on stdin to `podman healthcheck run`, which reads stdin, so only the
# first container of each round is ever checked. Here each check gets /dev/null as stdin.
# Started and stopped by `make test-containers` (harmless next to a fixed ticker).
set -uo pipefail
while sleep 2; do
  mapfile -t ids < <(podman ps --format '{{.ID}} {{.Status}}' 2>/dev/null |
    awk '/\((starting|healthy|unhealthy)\)/ {print $1}')
  for id in "${ids[@]}"; do podman healthcheck run "$id" </dev/null >/dev/null 2>&1 || true; done
done
