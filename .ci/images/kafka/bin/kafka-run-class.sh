#!/usr/bin/env bash
# Runs a Kafka class with the image's classpath and the environment the Apache Kafka scripts
# read: KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS,
# KAFKA_LOG4J_OPTS, KAFKA_OPTS, LOG_DIR. `-daemon`, `-name <n>` and `-loggc` are accepted and
# ignored (a container runs one process in the foreground).
set -euo pipefail
base_dir=$(cd "$(dirname "$0")/.." && pwd)
while [[ $# -gt 0 ]]; do
  case $1 in
    -name) shift 2 ;;
    -loggc | -daemon) shift ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || { echo "usage: $0 [-daemon] [-name servicename] [-loggc] classname [opts]" >&2; exit 1; }
LOG_DIR=${LOG_DIR:-$base_dir/logs}
mkdir -p "$LOG_DIR" 2>/dev/null || true
: "${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
: "${KAFKA_LOG4J_OPTS:=-Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties}"
# shellcheck disable=SC2086 # each *_OPTS variable is a list of JVM options
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} ${KAFKA_JMX_OPTS:-} \
  "-Dkafka.logs.dir=$LOG_DIR" $KAFKA_LOG4J_OPTS -cp "$base_dir/libs/*" ${KAFKA_OPTS:-} "$@"
