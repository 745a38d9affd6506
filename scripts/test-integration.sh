#!/usr/bin/env bash
# The integration and e2e suites (`make test-integration`), as two groups that run at the same
# time, each against its own local stack:
#   a  .stack-test    ports +10000  the fuzzer, faults at scale, the sender, ops, stack, kit, containers
#   b  .stack-test-b  ports +8200   the CLI scenarios, consumer, dashboard, e2e and handler suites
# Within a group the files run one at a time (some stop parts of their stack). Much of the suites'
# time is spent waiting (outages, retry back-offs, leases), so two groups on two cores finish in
# about two thirds of the time one would take. Each line is prefixed with its group; the failed
# tests of both are listed again at the very end.
#
#   INTEGRATION_GROUPS=1   one group, one stack (the files one after another, as before)
#   any argument           passed to vitest, with INTEGRATION_GROUPS=1 implied (e.g. a file filter)
set -uo pipefail
cd "$(dirname "$0")/.."

HOOKPIPE=(node cli/dist/bin.js)
A_DIR="${TEST_STACK_DIR:-.stack-test}"
A_OFFSET="${TEST_STACK_PORT_OFFSET:-10000}"
B_DIR="${TEST_STACK_B_DIR:-.stack-test-b}"
B_OFFSET="${TEST_STACK_B_PORT_OFFSET:-8200}"
# Group b's folders; group a is everything else, so a new folder runs in a by default.
B_FOLDERS=(test/cli test/consumer test/dashboard test/e2e test/handler)

stop_stacks() {
  for pair in "$A_DIR:$A_OFFSET" "$B_DIR:$B_OFFSET"; do
    local dir="${pair%%:*}" offset="${pair##*:}"
    STACK_DIR="$dir" STACK_PORT_OFFSET="$offset" "${HOOKPIPE[@]}" down >/dev/null 2>&1 || true
    STACK_DIR="$dir-scale" "${HOOKPIPE[@]}" down >/dev/null 2>&1 || true
  done
}

# Runs one group's vitest on its stack: group name, then vitest's arguments.
run_group() {
  local name="$1" dir offset
  shift
  if [ "$name" = a ]; then dir="$A_DIR" offset="$A_OFFSET"; else dir="$B_DIR" offset="$B_OFFSET"; fi
  TEST_STACK_DIR="$dir" TEST_STACK_PORT_OFFSET="$offset" TEST_FAILURES_FILE="test-results/failed-$name.txt" \
    npx vitest run --project integration "$@"
}

# After a failure: both stacks down, then the failed tests as the log's last lines. The failed
# groups follow the message; one that failed without naming a test (its vitest or its global
# set-up died) shows its own last lines instead.
fail() {
  stop_stacks
  echo
  echo "integration: $1"
  local name
  for name in "${@:2}"; do
    if [ -s "test-results/failed-$name.txt" ]; then
      cat "test-results/failed-$name.txt"
    elif [ -s "test-results/integration-$name.log" ]; then
      echo "group $name named no failed test; its last lines (test-results/integration-$name.log):"
      sed 's/\x1b\[[0-9;]*m//g' "test-results/integration-$name.log" | grep -Ev '^\s*($|at )' | tail -n 12 | sed 's/^/  /'
    fi
  done
  exit 1
}

mkdir -p test-results
rm -f test-results/failed-a.txt test-results/failed-b.txt test-results/integration-{a,b}.log

if [ "${INTEGRATION_GROUPS:-2}" = "1" ] || [ "$#" -gt 0 ]; then
  run_group a "$@" 2>&1 | tee test-results/integration-a.log
  status="${PIPESTATUS[0]}"
  [ "$status" -eq 0 ] || fail "vitest exited $status" a
  exit 0
fi

# vitest's --exclude does not reach a project's own file list, so group a names its folders: every
# folder under test/ that is not group b's.
a_folders=()
for folder in test/*/; do
  folder="${folder%/}"
  [[ " ${B_FOLDERS[*]} " == *" $folder "* ]] || a_folders+=("$folder/")
done
b_folders=("${B_FOLDERS[@]/%//}")

# sed -u keeps each group's lines whole and in time; `wait` then gives each vitest's own status.
run_group a "${a_folders[@]}" > >(tee test-results/integration-a.log | sed -u 's/^/[a] /') 2>&1 &
a_pid=$!
run_group b "${b_folders[@]}" > >(tee test-results/integration-b.log | sed -u 's/^/[b] /') 2>&1 &
b_pid=$!
trap 'kill "$a_pid" "$b_pid" 2>/dev/null; stop_stacks; exit 130' INT TERM
wait "$a_pid"
a_status=$?
wait "$b_pid"
b_status=$?
# Let the prefixing processes flush before the summary.
sleep 0.2

failed=()
[ "$a_status" -eq 0 ] || failed+=(a)
[ "$b_status" -eq 0 ] || failed+=(b)
[ "${#failed[@]}" -eq 0 ] || fail "group a exited $a_status, group b exited $b_status" "${failed[@]}"
echo "integration: both groups passed"
