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

mkdir -p test-results
rm -f test-results/failed-a.txt test-results/failed-b.txt

if [ "${INTEGRATION_GROUPS:-2}" = "1" ] || [ "$#" -gt 0 ]; then
  TEST_STACK_DIR="$A_DIR" TEST_STACK_PORT_OFFSET="$A_OFFSET" TEST_FAILURES_FILE=test-results/failed-a.txt \
    npx vitest run --project integration "$@"
  status=$?
  if [ "$status" -ne 0 ]; then
    stop_stacks
    cat test-results/failed-a.txt 2>/dev/null
  fi
  exit "$status"
fi

# vitest's --exclude does not reach a project's own file list, so group a names its folders: every
# folder under test/ that is not group b's.
a_folders=()
for folder in test/*/; do
  folder="${folder%/}"
  [[ " ${B_FOLDERS[*]} " == *" $folder "* ]] || a_folders+=("$folder/")
done
b_filters=()
for folder in "${B_FOLDERS[@]}"; do b_filters+=("$folder/"); done

# sed -u keeps each group's lines whole and in time; `wait` then gives each vitest's own status.
TEST_STACK_DIR="$A_DIR" TEST_STACK_PORT_OFFSET="$A_OFFSET" TEST_FAILURES_FILE=test-results/failed-a.txt \
  npx vitest run --project integration "${a_folders[@]}" > >(sed -u 's/^/[a] /') 2>&1 &
a_pid=$!
TEST_STACK_DIR="$B_DIR" TEST_STACK_PORT_OFFSET="$B_OFFSET" TEST_FAILURES_FILE=test-results/failed-b.txt \
  npx vitest run --project integration "${b_filters[@]}" > >(sed -u 's/^/[b] /') 2>&1 &
b_pid=$!
trap 'kill "$a_pid" "$b_pid" 2>/dev/null; stop_stacks; exit 130' INT TERM
wait "$a_pid"
a_status=$?
wait "$b_pid"
b_status=$?
# Let the prefixing processes flush before the summary.
sleep 0.2

if [ "$a_status" -ne 0 ] || [ "$b_status" -ne 0 ]; then
  stop_stacks
  echo
  echo "integration: group a exited $a_status, group b exited $b_status"
  cat test-results/failed-a.txt test-results/failed-b.txt 2>/dev/null
  exit 1
fi
echo "integration: both groups passed"
