# hookpipe — the commands. `make demo` runs the main job, `make test` runs every test.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The hookpipe CLI (cli/), run from its build so it works before any `npm link`.
HOOKPIPE := node cli/dist/bin.js

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	@command -v node >/dev/null || { echo "Node.js >= 20.19 is required"; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js >= 20.19 is required, found "+process.version); process.exit(1) }'
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: install
install: node_modules/.package-lock.json ## install npm dependencies (npm ci) when needed

.PHONY: build
build: install ## compile the TypeScript workspaces (then `npx hookpipe` works)
	npm run build --silent
	@# npm links a bin only when its file exists, and cli/dist/bin.js appears with the first build.
	@[ -e node_modules/.bin/hookpipe ] || npm rebuild hookpipe --ignore-scripts --silent

.PHONY: up
up: build ## start the local stack (Kafka, PostgreSQL, nginx, services) in the background
	$(HOOKPIPE) up

.PHONY: down
down: ## stop the local stack
	@if [ -f cli/dist/bin.js ]; then $(HOOKPIPE) down; else echo "nothing built, nothing running"; fi

.PHONY: status
status: ## show each part of the local stack and its health
	$(HOOKPIPE) status

.PHONY: demo
demo: up ## the main job: stack up, a webhook, an emitter with retries and dead letters, live progress, reconcile
	$(HOOKPIPE) demo

.PHONY: check
check: build ## typecheck, lint and format check
	npm run typecheck --silent
	npm run lint --silent
	npm run format:check --silent

.PHONY: test-unit
test-unit: build ## unit tests only (no services needed)
	npx vitest run --project unit

.PHONY: test-integration
test-integration: build ## integration and e2e suites, two groups at once on two real local stacks (brought up and down)
	scripts/ensure-test-packages.sh
	scripts/test-integration.sh

.PHONY: test
test: build ## everything: typecheck, lint, format, unit, integration and e2e tests, the 3-minute soak
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-integration
	$(MAKE) --no-print-directory test-soak

.PHONY: clean
clean: ## stop the stacks, delete their state and data, and the build output (keeps the Kafka jar cache)
	@if [ -f cli/dist/bin.js ]; then for d in .stack .stack-test .stack-test-scale .stack-test-b .stack-test-b-scale .stack-soak .stack-soak-test .stack-pressure; do [ -d $$d ] && STACK_DIR=$$d $(HOOKPIPE) clean || true; done; fi
	rm -rf */dist

# ---- containers: docker compose and Testcontainers (docs/compose.md) -----------------------------
CONTAINER_ENGINE ?= ../shared/tools/container-engine
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo 'docker-compose --compatibility')
# The integration suites that run with TEST_ENV=containers: happy path, retries and DLQ, the ingress,
# the outages that stop and start the Kafka and PostgreSQL containers, and the testing kit's
# containers mode.
CONTAINERS_SUITES := test/stack test/sender/seed-flow test/consumer/retry-dlq test/handler/ingress \
	test/handler/kafka-outage test/consumer/postgres-outage test/kit/containers

.PHONY: images
images: ## container engine up; stand-ins for the official images (once) and hookpipe's image
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) .ci/images/build.sh

# The example receiver is a project of its own (docs/testing-in-ci.md), with its own lockfile and
# install; its suite starts hookpipe with hookpipe/testing in containers.
EXAMPLE := examples/receiver
EXAMPLE_SUITE = set -a; . .ci/images/images.env; set +a; eval "$$($(CONTAINER_ENGINE) env)"; npm test --prefix $(EXAMPLE)

$(EXAMPLE)/node_modules/.package-lock.json: $(EXAMPLE)/package.json $(EXAMPLE)/package-lock.json
	npm ci --prefix $(EXAMPLE) --no-audit --no-fund
	@touch $@

.PHONY: test-containers
test-containers: build images $(EXAMPLE)/node_modules/.package-lock.json ## compose e2e, the e2e suites with TEST_ENV=containers, the example receiver's suite
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) test/containers/compose-e2e.sh
	set -a; . .ci/images/images.env; set +a; eval "$$($(CONTAINER_ENGINE) env)"; \
	TEST_ENV=containers npx vitest run --project integration $(CONTAINERS_SUITES)
	$(EXAMPLE_SUITE)

.PHONY: test-example
test-example: build images $(EXAMPLE)/node_modules/.package-lock.json ## the example receiver's suite only (hookpipe/testing in containers)
	$(EXAMPLE_SUITE)

.PHONY: compose-up
compose-up: ## docker compose up -d --build of the whole topology (creates .env from .env.example)
	@[ -f .env ] || { cp .env.example .env; echo "created .env from .env.example (demo secrets: change them)"; }
	$(COMPOSE) up -d --build

.PHONY: compose-down
compose-down: ## stop the compose topology and delete its volumes
	$(COMPOSE) --profile demo down -v --remove-orphans

# ---- benchmarks (docs/benchmarks.md) -------------------------------------------------------------
# Their own stack (.stack-bench, ports +500), brought up and down by bench/run.ts.
BENCH := node --import tsx bench/run.ts

.PHONY: bench
bench: build ## benchmarks, each against a same-run baseline, then e2e on a scaled stack (~22 min): bench/results, docs/benchmarks.md
	$(BENCH)

.PHONY: bench-smoke
bench-smoke: build ## every benchmark for a few seconds (results in .stack-bench/smoke, docs untouched)
	BENCH_RESULTS_DIR=.stack-bench/smoke BENCH_DOCS=off \
	BENCH_INGEST_CONCURRENCY=4,32 BENCH_INGEST_STEP_S=2 BENCH_INGEST_WARMUP_S=1 BENCH_INGEST_RATE_S=2 \
	BENCH_INGEST_ROUNDS=1 BENCH_INGEST_ROUNDS_S=2 BENCH_SCALED_STEPS=200 BENCH_SCALED_STEP_S=4 BENCH_SCALED_SECONDS=4 \
	BENCH_CONSUME_EVENTS=5000 BENCH_E2E_STEPS=200 BENCH_E2E_STEP_S=4 BENCH_E2E_RATE=200 BENCH_E2E_SECONDS=4 BENCH_E2E_WARMUP_S=2 \
	BENCH_KEYRING_STEP_S=2 BENCH_KEYRING_WARMUP_S=1 BENCH_KEYRING_ROUNDS=1 BENCH_KEYRING_SECRETS=10000 \
	BENCH_E2E_PROFILE=off $(BENCH)

# ---- soak and pressure (docs/reliability.md) ------------------------------------------------------
# Each brings its own stack up and down: the soak .stack-soak (ports +2100), its 3-minute version
# .stack-soak-test (+9000, after the integration suites' stack is down), pressure .stack-pressure
# (+2200). SOAK_* and PRESSURE_* reach the programs through the environment.
SOAK := node --import tsx bench/soak.ts

.PHONY: soak
soak: build ## the stack under chaos for SOAK_MINUTES (30) at SOAK_RATE (300/s), with a verdict: bench/results/soak
	$(SOAK)

# Seed 14 draws a Kafka stop (13 s) about 45 s in: the one action that fits 3 minutes and leaves a
# calm end to judge recovery on. SOAK_SEED=<n> make test-soak draws another. Memory growth is shown,
# not judged: 3 minutes hold no calm minute apart from a young process's first ones and the outage's
# backlog (handlers' RSS grew 13.5% in one run and 26.6% in another, both without a leak); make soak
# judges it after its 5-minute warm-up. Descriptor growth (none allowed) is judged.
.PHONY: test-soak
test-soak: build ## the soak's 3-minute version, same verdict (report under .stack-soak-test/report)
	STACK_DIR=.stack-soak-test STACK_PORT_OFFSET=$${SOAK_TEST_PORT_OFFSET:-9000} \
	SOAK_RESULTS_DIR=.stack-soak-test/report SOAK_MINUTES=3 SOAK_WARMUP_MINUTES=1 SOAK_SEED=$${SOAK_SEED:-14} \
	SOAK_CHAOS_GAP_S=40-45 SOAK_COOLDOWN_S=60 SOAK_CALM_AFTER_S=20 SOAK_KAFKA_STOP_S=10-15 SOAK_JUDGE_MEMORY=off \
	SOAK_SETTLE_TIMEOUT_S=180 $(SOAK)

.PHONY: pressure
pressure: build ## bounded under pressure: Kafka, then PostgreSQL, stopped for 60 s under 1,000 events/s
	node --import tsx bench/pressure.ts

# ---- logs (docs/logs.md) ---------------------------------------------------------------------------
# SERVICE, GREP and LINES reach the tool through the environment (make exports command-line values).
.PHONY: logs
logs: ## follow the local stack's logs, coloured (SERVICE=handler-2,consumer GREP=<webhook-id> LINES=20)
	@[ -f cli/dist/bin.js ] || $(MAKE) --no-print-directory build
	@$(HOOKPIPE) logs
