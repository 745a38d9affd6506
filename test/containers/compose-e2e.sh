#!/usr/bin/env bash
# The compose half of `make test-containers` (after .ci/images/build.sh): brings the whole
# docker-compose.yml topology up with docker-compose 1.29 (--compatibility, for deploy.replicas),
# waits until every healthcheck is green, runs the demo profile and the seed's curl flow against
# the published ports, then the short e2e (test/containers/compose.e2e.ts), and always ends with
# `down -v`. Published ports are the contract's (8080/8081/8082, Kafka 9092, PostgreSQL 55432)
# when they are free, else the app ports +20000 and PostgreSQL on 25432 (a local stack may be running).
# Env: CONTAINER_ENGINE, COMPOSE_E2E_PROJECT (hookpipe-e2e), KEEP_COMPOSE=1 (leave it running).
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
engine=${CONTAINER_ENGINE:-$root/../shared/tools/container-engine}
eval "$("$engine" env)"
set -a
# shellcheck source=../../.ci/images/images.env
. .ci/images/images.env
set +a
project=${COMPOSE_E2E_PROJECT:-hookpipe-e2e}
started=$SECONDS
current_phase="start"
phase() { current_phase=$*; echo "compose-e2e: [$((SECONDS - started)) s] $*"; }
# The command that failed, for the last line of the output (a CI log often shows only its tail).
failed_at=""
trap 'failed_at="line $LINENO${FUNCNAME:+ in ${FUNCNAME[0]}(), called at line ${BASH_LINENO[0]}}: $BASH_COMMAND"' ERR

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
offset=0
for p in 8080 8081 8082 9092 55432; do port_free "$p" || offset=20000; done
((offset == 0)) || phase "a contract port is taken on this machine: publishing on ports +$offset"

# The settings a user keeps in .env, with fresh secrets and the stand-in images.
mkdir -p .cache
envfile=$root/.cache/compose-e2e.env
failures=$root/.cache/compose-e2e-failed.txt
rm -f "$failures"
secret() { node -e 'process.stdout.write(require("crypto").randomBytes(18).toString("base64url"))'; }
{
  grep -vE '^(COMPOSE_PROJECT_NAME|POSTGRES_PASSWORD|SENDER_API_KEY|RECEIVER_API_KEY)=' .env.example
  echo "COMPOSE_PROJECT_NAME=$project"
  echo "POSTGRES_PASSWORD=$(secret)"
  echo "SENDER_API_KEY=sk_$(secret)"
  echo "RECEIVER_API_KEY=rk_$(secret)"
  for v in HOOKPIPE_IMAGE NODE_IMAGE KAFKA_IMAGE POSTGRES_IMAGE NGINX_IMAGE; do echo "$v=${!v}"; done
  echo "SENDER_PUBLISHED_PORT=$((8080 + offset))"
  echo "INGRESS_PUBLISHED_PORT=$((8081 + offset))"
  echo "CONSUMER_PUBLISHED_PORT=$((8082 + offset))"
  echo "KAFKA_PUBLISHED_PORT=$((9092 + offset))"
  echo "POSTGRES_PUBLISHED_PORT=$((offset == 0 ? 55432 : 25432))"
} >"$envfile"
chmod 600 "$envfile"
set -a
# shellcheck disable=SC1090
. "$envfile"
set +a
compose() { docker-compose --env-file "$envfile" -p "$project" --compatibility "$@"; }

# container-engine's ticker checks only one container per round (see .ci/images/health-ticker.sh).
"$root/.ci/images/health-ticker.sh" &
ticker=$!
finish() {
  local status=$?
  kill "$ticker" 2>/dev/null || true
  if ((status != 0)); then
    # The noisiest logs first, the state and the failure itself last.
    echo "compose-e2e: FAILED (exit $status); recent logs:" >&2
    for s in kafka postgres init demo api nginx consumer handler sender; do
      compose logs --no-color --tail 25 "$s" >&2 2>/dev/null || true
    done
    compose ps >&2 || true
    [[ -s $failures ]] && cat "$failures" >&2
    echo "compose-e2e: FAILED (exit $status) in phase \"$current_phase\" after $((SECONDS - started)) s${failed_at:+, at $failed_at}" >&2
  fi
  if [[ ${KEEP_COMPOSE:-0} == 1 ]]; then
    phase "left running (KEEP_COMPOSE=1): docker-compose --env-file $envfile -p $project down -v"
  else
    compose down -v --remove-orphans >/dev/null 2>&1 || true
    phase "down -v"
  fi
  exit "$status"
}
trap finish EXIT

compose config -q
compose down -v --remove-orphans >/dev/null 2>&1 || true
phase "up (project $project)"
compose up -d --no-build

# Every long-running container healthy (3 handler replicas), init exited 0.
wait_healthy() {
  local deadline=$((SECONDS + 240)) service state code health bad handlers
  while :; do
    bad=0 handlers=0
    while read -r service state code health; do
      if [[ $service == init ]]; then
        [[ $state == exited && $code == 0 ]] || bad=1
      else
        [[ $health == healthy ]] || bad=1
        [[ $service != handler || $state != running ]] || handlers=$((handlers + 1))
      fi
    done < <(docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker inspect -f \
      '{{ index .Config.Labels "com.docker.compose.service" }} {{ .State.Status }} {{ .State.ExitCode }} {{ if .State.Health }}{{ .State.Health.Status }}{{ end }}')
    ((bad == 0 && handlers == 3)) && return 0
    ((SECONDS < deadline)) || { echo "compose-e2e: not healthy after 240 s" >&2; return 1; }
    sleep 2
  done
}
wait_healthy
phase "every healthcheck is green"
# `nginx -t` resolves the upstream names again: an engine DNS stall (docs/compose.md) makes it
# answer "host not found" for a while, so it is tried again for up to 2 minutes.
nginx_checked=$((SECONDS + 120))
until compose exec -T nginx nginx -t; do
  ((SECONDS < nginx_checked)) || { echo "compose-e2e: nginx -t failed for 2 minutes" >&2; exit 1; }
  phase "nginx -t failed (a name lookup in the engine's network?): trying again in 5 s"
  sleep 5
done

sender=http://127.0.0.1:$SENDER_PUBLISHED_PORT
ingress=http://127.0.0.1:$INGRESS_PUBLISHED_PORT
consumer=http://127.0.0.1:$CONSUMER_PUBLISHED_PORT

phase "demo profile"
DEMO_CUSTOMER_ID=demo-profile@hookpipe compose --profile demo run --rm demo

phase "the seed's curl flow (plus X-API-Key; the webhook targets the ingress by its compose name)"
# A 503 (a service whose database connection is being re-made, e.g. while the engine's DNS stalls,
# docs/compose.md) or a 429 is "try again": curl retries it, after Retry-After, for up to 60 s.
curl() { command curl --retry 10 --retry-max-time 60 "$@"; }
json() { node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>process.stdout.write(String(JSON.parse(s)[process.argv[1]])))' "$1"; }
customer=ben@webhooksystem
curl -fsS -X GET "$sender/ping" && echo
curl -fsS -X GET "$sender/" -H "X-API-Key: $SENDER_API_KEY" >/dev/null
reg=$(curl -fsS -X POST "$sender/register" -H "X-API-Key: $SENDER_API_KEY" \
  -d "{\"customer_id\":\"$customer\",\"webhook_url\":\"http://nginx:8081/webhook\"}")
webhook_id=$(json webhook_id <<<"$reg")
# No POST /secrets: the sender installed the webhook's secret on this stack's receiver (linked secrets).
echo "registered $webhook_id"
curl -fsS -X POST "$sender/emitter/start?customer_id=$customer&webhook_id=$webhook_id&rate=5" \
  -H "X-API-Key: $SENDER_API_KEY" >/dev/null
deadline=$((SECONDS + 60))
until curl -fsS "$consumer/events?customer_id=$customer&limit=500" -H "X-API-Key: $RECEIVER_API_KEY" |
  grep -q "\"webhook_id\""; do
  ((SECONDS < deadline)) || { echo "compose-e2e: no event of $customer reached the consumer" >&2; exit 1; }
  sleep 1
done
echo "events arrive at the consumer"
curl -fsS -X POST "$sender/emitter/stop?customer_id=$customer&webhook_id=$webhook_id" \
  -H "X-API-Key: $SENDER_API_KEY" >/dev/null
curl -fsS -X GET "$ingress/ping" && echo

phase "short e2e (test/containers/compose.e2e.ts)"
SENDER_URL=$sender INGRESS_URL=$ingress CONSUMER_URL=$consumer \
  RECEIVER_DATABASE_URL="postgres://${POSTGRES_USER:-hookpipe}:$POSTGRES_PASSWORD@127.0.0.1:$POSTGRES_PUBLISHED_PORT/hookpipe_receiver" \
  SENDER_DATABASE_URL="postgres://${POSTGRES_USER:-hookpipe}:$POSTGRES_PASSWORD@127.0.0.1:$POSTGRES_PUBLISHED_PORT/hookpipe_sender" \
  TEST_FAILURES_FILE=$failures npx vitest run --config test/containers/vitest.compose.config.ts
phase "passed"
