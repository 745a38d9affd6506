# hookpipe — the commands. `make demo` runs the main job, `make test` runs every test.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

STACK := node stack/dist/cli.js
TEST_STACK := STACK_DIR=$${TEST_STACK_DIR:-.stack-test} STACK_PORT_OFFSET=$${TEST_STACK_PORT_OFFSET:-10000} $(STACK)

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
build: install ## compile the TypeScript workspaces
	npm run build --silent

.PHONY: up
up: build ## start the local stack (Kafka, PostgreSQL, nginx, services) in the background
	$(STACK) up

.PHONY: down
down: ## stop the local stack
	@if [ -f stack/dist/cli.js ]; then $(STACK) down; else echo "nothing built, nothing running"; fi

.PHONY: status
status: ## show each part of the local stack and its health
	$(STACK) status

.PHONY: demo
demo: up ## the main job: bring the stack up and show its health
	$(STACK) status

.PHONY: check
check: build ## typecheck, lint and format check
	npm run typecheck --silent
	npm run lint --silent
	npm run format:check --silent

.PHONY: test-unit
test-unit: build ## unit tests only (no services needed)
	npx vitest run --project unit

.PHONY: test-integration
test-integration: build ## integration and e2e suites against a real local stack (brought up and down)
	npx vitest run --project integration || { status=$$?; $(TEST_STACK) down || true; exit $$status; }

.PHONY: test
test: build ## everything: typecheck, lint, format, unit, integration and e2e tests
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-integration

.PHONY: clean
clean: down ## stop the stack and remove build output and stack state (keeps the Kafka jar cache)
	rm -rf .stack .stack-test */dist
