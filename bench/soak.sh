#!/usr/bin/env bash
# Soak (not in CI): the gateway for SOAK_MINUTES (30) under mixed load: WebSocket and SSE clients connecting and
# leaving, subscription churn, filtered and unfiltered topics of both modes, slow readers, token refreshes and
# expiries, publishers at a steady rate. Every 10 s: live heap after a full GC, RSS, native memory, open files,
# threads, event-loop queues, into bench/results/<timestamp>-soak.csv. Fails (exit 1, naming the series) when one
# trends upward; writes SOAK.md (a run shorter than 30 minutes writes bench/results/<timestamp>-soak.md instead).
#
#   bench/soak.sh                    # the soak: 30 minutes
#   SOAK_MINUTES=2 bench/soak.sh     # a trial of the harness
#
# Ctrl-C (or any failure) stops every process this script started. See bench/README.md "Soak".
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/use-jdk.sh

MINUTES=${SOAK_MINUTES:-30}
WS_CLIENTS=${SOAK_WS_CLIENTS:-200}
SSE_CLIENTS=${SOAK_SSE_CLIENTS:-50}
RATE=${SOAK_RATE:-50}                  # msg/s to the latest topic
STREAM_RATE=${SOAK_STREAM_RATE:-10}    # msg/s to the stream topic
TOKEN_SECONDS=${SOAK_TOKEN_SECONDS:-180}
# NMT (summary) shows the native memory Netty's direct buffers take; it costs a little on every malloc
GATEWAY_JVM_FLAGS=${GATEWAY_JVM_FLAGS:--Xmx1g -XX:+UseSerialGC -Xmn32m -XX:NativeMemoryTracking=summary}
DRIVER_JVM_FLAGS=${SOAK_DRIVER_JVM_FLAGS:--Xmx512m -XX:+UseG1GC --enable-native-access=ALL-UNNAMED}
BROKER_JVM_FLAGS=${BROKER_JVM_FLAGS:--Xmx512m --sun-misc-unsafe-memory-access=allow}
KAFKA_PORT=${BENCH_KAFKA_PORT:-19092}
GATEWAY_PORT=18001

BENCH_JAR=bench/target/streaming-bench-1.0.0.jar
GATEWAY_JAR=service/target/streaming-service-1.0.0.jar
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
CSV=bench/results/$STAMP-soak.csv
LOG=bench/results/$STAMP-soak.log
if [ "$MINUTES" -ge 30 ]; then REPORT=${SOAK_REPORT:-SOAK.md}; else REPORT=${SOAK_REPORT:-bench/results/$STAMP-soak.md}; fi
WORK=$(mktemp -d /tmp/streaming-soak.XXXXXX)
# HS256 tokens of many users and tenants, signed by the driver with the gateway's secret
JWT_SECRET=$(head -c 36 /dev/urandom | base64 | tr -d '/+=\n' | head -c 48)

# Production limits, except where one bench address stands for every client: the per-address connect rate (all
# clients reconnect from 127.0.0.1) and the per-tenant cap (three tenants share hundreds of connections).
# Local mode keeps HS256 and the JWKS fetch out of the way; tokens are real, signed, and expire.
GATEWAY_ENV=(
  ACCESS_ENV=local ACCESS_PORT=$GATEWAY_PORT ACCESS_BIND_ADDRESS=127.0.0.1
  ACCESS_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT ACCESS_LOG_LEVEL=warn
  ACCESS_JWT_SECRET=$JWT_SECRET
  ACCESS_MAX_CONNECTIONS_PER_USER=50 ACCESS_MAX_CONNECTIONS_PER_TENANT=5000
  ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS=1000000 ACCESS_RATE_CONNECTS_PER_MINUTE_PER_USER=600
  ACCESS_DRAIN_SECONDS=1
)

BROKER_PID=""; GATEWAY_PID=""; DRIVER_PID=""

log() { echo "[soak $(date +%H:%M:%S)] $*" >&2; }
. bench/processes.sh

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$DRIVER_PID" "soak driver"
  stop_pid "$GATEWAY_PID" "gateway"
  stop_pid "$BROKER_PID" "Kafka broker"
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

log "building (mvn -B -q -ntp -DskipTests package)"
mvn -B -q -ntp -DskipTests package

require_free_port "$KAFKA_PORT"
require_free_port "$GATEWAY_PORT"
log "starting the Kafka broker on 127.0.0.1:$KAFKA_PORT"
# shellcheck disable=SC2086
java $BROKER_JVM_FLAGS -cp "$BENCH_JAR" io.c254.streaming.bench.BenchBroker --port="$KAFKA_PORT" --dir="$WORK/kafka" \
  >"$WORK/broker.out" 2>>"$LOG" &
BROKER_PID=$!
wait_for 90 "Kafka broker" grep -q "BenchBroker ready" "$WORK/broker.out"

log "starting the gateway: java $GATEWAY_JVM_FLAGS -jar $GATEWAY_JAR"
# shellcheck disable=SC2086
env "${GATEWAY_ENV[@]}" java $GATEWAY_JVM_FLAGS -jar "$GATEWAY_JAR" >>"$LOG" 2>&1 &
GATEWAY_PID=$!
wait_for 90 "gateway /health/ready" curl -sf "http://127.0.0.1:$GATEWAY_PORT/health/ready"

log "$MINUTES min: $WS_CLIENTS WebSocket + $SSE_CLIENTS SSE clients, $RATE + $STREAM_RATE msg/s; samples in $CSV, log in $LOG"
# the secret is the run's own and dies with it; the report shows the environment without it
# shellcheck disable=SC2086
timeout $((MINUTES * 60 + 900)) java $DRIVER_JVM_FLAGS -cp "$BENCH_JAR" io.c254.streaming.bench.Soak \
  --minutes="$MINUTES" --port="$GATEWAY_PORT" --bootstrap=127.0.0.1:"$KAFKA_PORT" --server-pid="$GATEWAY_PID" \
  --ws-clients="$WS_CLIENTS" --sse-clients="$SSE_CLIENTS" --rate="$RATE" --stream-rate="$STREAM_RATE" \
  --jwt-secret="$JWT_SECRET" --token-seconds="$TOKEN_SECONDS" --csv="$CSV" --report="$REPORT" \
  --commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" --gateway-jvm-flags="$GATEWAY_JVM_FLAGS" \
  --gateway-env="$(echo "${GATEWAY_ENV[*]}" | sed 's/ACCESS_JWT_SECRET=[^ ]*/ACCESS_JWT_SECRET=<random>/')" \
  2> >(tee -a "$LOG" >&2) &
DRIVER_PID=$!
status=0
wait "$DRIVER_PID" || status=$?
DRIVER_PID=""
[ -s "$REPORT" ] && log "report: $REPORT"
exit "$status"
