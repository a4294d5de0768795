#!/usr/bin/env bash
# Benchmark session: the gateway against Nginx + Nchan, same load generator, same machine, one after the
# other. Builds everything, starts a Kafka broker (its own JVM), then for each scenario starts the peer
# fresh, runs the load generator, and stops the peer. Writes the raw result lines to
# bench/results/<timestamp>.jsonl and the report to BENCHMARKS.md. See bench/README.md.
#
#   bench/run.sh                          # every scenario (about 25 minutes)
#   BENCH_SCENARIOS=a,c bench/run.sh      # a subset
#   BENCH_QUICK=1 bench/run.sh            # smoke run: 100 subscribers, two rates, 3 s windows
#   BENCH_SCENARIOS=g,h BENCH_PEERS=gateway bench/run.sh   # the load shapes (stalled clients, reconnect storm)
#
# Ctrl-C (or any failure) stops every process this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
. bin/use-jdk.sh

# ---- settings ---------------------------------------------------------------------------------------

QUICK=${BENCH_QUICK:-0}
SCENARIOS=${BENCH_SCENARIOS:-a,b,c,d,e,f,g,h}
if [ "$QUICK" = 1 ]; then
  DURATION=${BENCH_DURATION:-3}; WARMUP=${BENCH_WARMUP:-1}
  SUBS_RATE=100; SUBS_SCALE=100; RATES="10 50"
  STORM_CLIENTS=${BENCH_STORM_CLIENTS:-500}; STORM_STEADY=${BENCH_STORM_STEADY:-100}
else
  DURATION=${BENCH_DURATION:-10}; WARMUP=${BENCH_WARMUP:-3}
  SUBS_RATE=1000; SUBS_SCALE=10000; RATES=${BENCH_RATES:-10 25 50 100 150 200 300 500 700 1000}
  STORM_CLIENTS=${BENCH_STORM_CLIENTS:-3000}; STORM_STEADY=${BENCH_STORM_STEADY:-200}
fi
# the load shapes (g, h): one rate, gateway only
SHAPE_RATE=${BENCH_SHAPE_RATE:-50}
STALLED=${BENCH_STALLED:-100}                     # (g) clients that stop reading
STALL_RCVBUF=${BENCH_STALL_RCVBUF:-4096}          # (g) their SO_RCVBUF, bytes
STALL_FILL_TIMEOUT=${BENCH_STALL_FILL_TIMEOUT:-240}   # (g) seconds the gateway may take to fill their outbound bound
# (g) msg/s while the stalled clients' bound fills (unmeasured): the live subscribers get it too, so it must stay
# within what the machine delivers to them (1,000 msg/s to 1,000 live subscribers stalled the whole gateway here)
STALL_FILL_RATE=${BENCH_STALL_FILL_RATE:-200}
STORM_SOURCE_ADDRESSES=${BENCH_STORM_SOURCE_ADDRESSES:-16}   # (h) storm clients connect from 127.0.0.1 … 127.0.0.N
# (h) one loopback address stands for STORM_CLIENTS / STORM_SOURCE_ADDRESSES clients (~190): 2,000 attempts a
# minute is ~10 per client, less than the 120 a lone production address gets, and holds first connect, reconnect
# and their retries, so the storm meets the pending caps (production defaults), not an endless throttle
STORM_CONNECTS_PER_MINUTE=${BENCH_STORM_CONNECTS_PER_MINUTE_PER_ADDRESS:-2000}
GRACE=${BENCH_GRACE:-5}
PEERS=${BENCH_PEERS:-gateway nchan}
# a fresh peer first serves this many seconds of load whose figures are dropped: a JVM is measured warm,
# as it runs in production, not while its hot path is still interpreted (Nchan gets the same)
PRIME_SECONDS=${BENCH_PRIME:-15}     # one of them alone while tuning; the report needs both
GATEWAY_JVM_FLAGS=${GATEWAY_JVM_FLAGS:--Xmx1g -XX:+UseSerialGC -Xmn32m}   # as the Dockerfile runs it
GENERATOR_JVM_FLAGS=${GENERATOR_JVM_FLAGS:--Xmx1g -XX:+UseG1GC}
BROKER_JVM_FLAGS=${BROKER_JVM_FLAGS:--Xmx512m --sun-misc-unsafe-memory-access=allow}
KAFKA_PORT=${BENCH_KAFKA_PORT:-19092}
GATEWAY_PORT=18001
NCHAN_PORT=18080          # fixed by nchan.conf.tmpl
TOPIC=served.market.latest_prices.v1
# the shared template beside the repository, else the module's own copy (the harness stands alone)
if [ -z "${NCHAN_CONF_TEMPLATE:-}" ]; then
  NCHAN_CONF_TEMPLATE=$(dirname "$ROOT")/shared/bench/nchan.conf.tmpl
  [ -f "$NCHAN_CONF_TEMPLATE" ] || NCHAN_CONF_TEMPLATE=$ROOT/bench/nchan.conf.tmpl
fi
[ -f "$NCHAN_CONF_TEMPLATE" ] || { echo "error: NCHAN_CONF_TEMPLATE=$NCHAN_CONF_TEMPLATE does not exist" >&2; exit 2; }
NCHAN_MODULE=/usr/lib/nginx/modules/ngx_nchan_module.so

BENCH_JAR=bench/target/streaming-bench-1.0.0.jar
GATEWAY_JAR=service/target/streaming-service-1.0.0.jar
GENERATOR="java $GENERATOR_JVM_FLAGS -jar $BENCH_JAR"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/results
RESULTS=bench/results/$STAMP.jsonl
LOG=bench/results/$STAMP.log
if [ "$QUICK" = 1 ]; then REPORT=${BENCH_REPORT:-bench/results/$STAMP-quick.md}; else REPORT=${BENCH_REPORT:-BENCHMARKS.md}; fi
WORK=$(mktemp -d /tmp/streaming-bench.XXXXXX)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

# The gateway's settings: local mode (test-token), and limits far above what the scenarios open.
GATEWAY_ENV=(
  ACCESS_ENV=local ACCESS_PORT=$GATEWAY_PORT ACCESS_BIND_ADDRESS=127.0.0.1
  ACCESS_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT ACCESS_LOG_LEVEL=warn
  ACCESS_MAX_WS_CONNECTIONS=60000 ACCESS_MAX_SSE_CONNECTIONS=60000
  ACCESS_MAX_CONNECTIONS_PER_USER=60000 ACCESS_MAX_CONNECTIONS_PER_TENANT=60000
  ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS=1000000 ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS=100000 ACCESS_MAX_PENDING_CONNECTIONS=100000 ACCESS_RATE_CONNECTS_PER_MINUTE_PER_USER=1000000
  ACCESS_DRAIN_SECONDS=1
  # Nchan keeps no current values: the scenarios measure live fan-out alone, so no snapshot goes out at subscribe
  ACCESS_SNAPSHOT_MAX_KEYS=0
)

# (h) the gateway as production admits connections that are not streams yet; limits on users stay raised (every
# bench client is test-token's one user)
STORM_ENV=(
  ACCESS_MAX_PENDING_CONNECTIONS_PER_ADDRESS=64 ACCESS_MAX_PENDING_CONNECTIONS=1000
  ACCESS_RATE_CONNECTS_PER_MINUTE_PER_ADDRESS=$STORM_CONNECTS_PER_MINUTE
)
GATEWAY_ENV_EXTRA=()   # set around one scenario's with_peer: overrides GATEWAY_ENV

BROKER_PID=""; GATEWAY_PID=""; GENERATOR_PID=""; NGINX_MASTER=""; NGINX_DIR=""
NOTES=""

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
. bench/processes.sh
has() { [[ ",$SCENARIOS," == *",$1,"* ]]; }

# ---- process control ---------------------------------------------------------------------------------

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$GENERATOR_PID" "load generator" TERM
  stop_nchan
  stop_gateway
  stop_pid "$BROKER_PID" "Kafka broker" TERM
  BROKER_PID=""
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

start_broker() {
  require_free_port "$KAFKA_PORT"
  log "starting the Kafka broker on 127.0.0.1:$KAFKA_PORT"
  java $BROKER_JVM_FLAGS -cp "$BENCH_JAR" io.c254.streaming.bench.BenchBroker \
    --port="$KAFKA_PORT" --dir="$WORK/kafka" >"$WORK/broker.out" 2>>"$LOG" &
  BROKER_PID=$!
  wait_for 90 "Kafka broker" grep -q "BenchBroker ready" "$WORK/broker.out"
}

start_gateway() {
  require_free_port "$GATEWAY_PORT"
  log "starting the gateway: java $GATEWAY_JVM_FLAGS -jar $GATEWAY_JAR"
  # shellcheck disable=SC2086 # the flags are words
  env "${GATEWAY_ENV[@]}" ${GATEWAY_ENV_EXTRA[@]+"${GATEWAY_ENV_EXTRA[@]}"} java $GATEWAY_JVM_FLAGS -jar "$GATEWAY_JAR" >>"$LOG" 2>&1 &
  GATEWAY_PID=$!
  wait_for 90 "gateway /health/ready" curl -sf "http://127.0.0.1:$GATEWAY_PORT/health/ready"
}

stop_gateway() {
  [ -n "$GATEWAY_PID" ] || return 0
  stop_pid "$GATEWAY_PID" "gateway" TERM
  GATEWAY_PID=""
}

nchan_installed() {
  command -v nginx >/dev/null 2>&1 && [ -f "$NCHAN_MODULE" ]
}

start_nchan() {
  require_free_port "$NCHAN_PORT"
  NGINX_DIR=$(mktemp -d "$WORK/nchan.XXXXXX")
  sed -e "s|WORKERS|1|g" -e "s|RUNDIR|$NGINX_DIR|g" "$NCHAN_CONF_TEMPLATE" >"$NGINX_DIR/nginx.conf"
  log "starting Nginx + Nchan (1 worker) from $NCHAN_CONF_TEMPLATE"
  nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR/" -e "$NGINX_DIR/error.log"
  wait_for 10 "nginx pid file" test -s "$NGINX_DIR/nginx.pid"
  NGINX_MASTER=$(cat "$NGINX_DIR/nginx.pid")
  wait_for 10 "Nchan" curl -sf "http://127.0.0.1:$NCHAN_PORT/nchan_status"
}

# The worker serves the connections: its CPU and RSS are Nchan's figures (the master only supervises).
nchan_worker_pid() {
  local children
  children=$(cat "/proc/$NGINX_MASTER/task/$NGINX_MASTER/children" 2>/dev/null || true)
  set -- $children
  [ $# -eq 1 ] || die "expected one nginx worker under master $NGINX_MASTER, found: ${children:-none}"
  echo "$1"
}

stop_nchan() {
  [ -n "$NGINX_MASTER" ] || return 0
  local worker
  worker=$(cat "/proc/$NGINX_MASTER/task/$NGINX_MASTER/children" 2>/dev/null || true)
  stop_pid "$NGINX_MASTER" "nginx master" QUIT
  for pid in $worker; do stop_pid "$pid" "nginx worker" TERM; done
  [ -f "$NGINX_DIR/error.log" ] && cat "$NGINX_DIR/error.log" >>"$LOG"
  NGINX_MASTER=""
}

# ---- one load-generator run --------------------------------------------------------------------------

# step SCENARIO PEER TRANSPORT SUBSCRIBERS RATE [more generator options]: runs the generator against the
# running peer, appends its line to the results, prints a summary, and returns 1 when the step is not good.
step() {
  local scenario=$1 peer=$2 transport=$3 subscribers=$4 rate=$5; shift 5
  local pid=0 port
  if [ "$peer" = gateway ]; then
    pid=$GATEWAY_PID; port=$GATEWAY_PORT
  else
    port=$NCHAN_PORT
    # no nginx running for a step the generator skips at once (Nchan in f)
    if [ -n "$NGINX_MASTER" ]; then pid=$(nchan_worker_pid) || return 1; fi
  fi
  local args=(--scenario="$scenario" --peer="$peer" --transport="$transport" --port="$port" --subscribers="$subscribers"
    --rate="$rate" --duration="$DURATION" --warmup="$WARMUP" --grace="$GRACE" --size=200 --server-pid="$pid")
  if [ "$peer" = gateway ]; then args+=(--bootstrap=127.0.0.1:"$KAFKA_PORT" --topic="$TOPIC"); else args+=(--nchan-channel=bench); fi
  args+=("$@")
  log "($scenario) $peer $transport: $subscribers subscribers × $rate msg/s"
  # in the background, so that Ctrl-C or SIGTERM reach the trap at once, and the trap stops the generator
  # shellcheck disable=SC2086
  timeout 600 $GENERATOR "${args[@]}" >"$WORK/line" 2>>"$LOG" &
  GENERATOR_PID=$!
  local status=0
  wait "$GENERATOR_PID" || status=$?
  GENERATOR_PID=""
  local line
  line=$(cat "$WORK/line")
  if [ "$status" -ne 0 ] || [ -z "$line" ]; then
    log "($scenario) $peer $transport: the load generator failed (exit $status; see $LOG)"
    return 1
  fi
  echo "$line" >>"$RESULTS"
  summarize "$line"
  [[ "$line" == *'"step_good":true'* ]]
}

# One line per step on the terminal: the few figures that tell whether it went well.
summarize() {
  local line=$1 field
  local summary=""
  for field in connected_ok connect_failed expected delivered loss other_received server_cpu_pct server_rss_kb_after_connect step_good skipped; do
    local value
    value=$(grep -o "\"$field\":[^,}]*" <<<"$line" | head -n1 | cut -d: -f2-) || true
    [ -n "$value" ] && summary+="$field=$value "
  done
  local p99
  p99=$(grep -o '"latency_ms":{[^}]*}' <<<"$line" | grep -o '"p99":[^,}]*' | cut -d: -f2) || true
  log "   $summary${p99:+p99_ms=$p99}"
}

# ---- scenarios ---------------------------------------------------------------------------------------

with_peer() { # with_peer PEER FUNCTION ARGS...: a fresh peer for FUNCTION, stopped after it
  [[ " $PEERS " == *" $1 "* ]] || return 0
  local peer=$1; shift
  if [ "$peer" = nchan ] && ! $NCHAN; then return 0; fi
  if [ "$peer" = gateway ]; then start_gateway; else start_nchan; fi
  prime "$peer"
  "$@" || true
  if [ "$peer" = gateway ]; then stop_gateway; else stop_nchan; fi
}

prime() { # prime PEER: 200 WebSocket and 200 SSE subscribers at 200 msg/s for PRIME_SECONDS; the line is dropped
  local peer=$1 port transport
  [ "$QUICK" != 1 ] && [ "$PRIME_SECONDS" -gt 0 ] || return 0
  if [ "$peer" = gateway ]; then port=$GATEWAY_PORT; else port=$NCHAN_PORT; fi
  for transport in ws sse; do
    local args=(--scenario=prime --peer="$peer" --transport="$transport" --port="$port" --subscribers=200 --rate=200 --ramp-per-second=200
      --duration=$((PRIME_SECONDS / 2)) --warmup=1 --grace=2 --size=200)
    if [ "$peer" = gateway ]; then args+=(--bootstrap=127.0.0.1:"$KAFKA_PORT" --topic="$TOPIC"); else args+=(--nchan-channel=bench); fi
    # shellcheck disable=SC2086
    timeout 120 $GENERATOR "${args[@]}" >/dev/null 2>>"$LOG" || log "priming $peer over $transport failed (see $LOG)"
  done
}

ladder() { # ladder PEER TRANSPORT: climbs the rates until a step is not good
  local peer=$1 transport=$2 rate
  for rate in $RATES; do
    step a "$peer" "$transport" "$SUBS_RATE" "$rate" || { log "   ladder of $peer $transport ends at $rate msg/s"; return 0; }
  done
}

scenario_a() {
  for transport in ws sse; do
    for peer in gateway nchan; do with_peer "$peer" ladder "$peer" "$transport"; done
  done
}

scenario_b() { # (a)'s 50 msg/s WebSocket step is (b)'s figure; run it alone only where (a) has none
  for peer in gateway nchan; do
    if [ -f "$RESULTS" ] && grep '"scenario":"a"' "$RESULTS" | grep "\"peer\":\"$peer\"" | grep '"transport":"ws"' | grep -q '"rate":50,'; then
      continue
    fi
    with_peer "$peer" step b "$peer" ws "$SUBS_RATE" 50
  done
}

scenario_c() {
  with_peer gateway step c gateway ws "$SUBS_RATE" 10 --baseline=true
  with_peer nchan step c nchan ws "$SUBS_RATE" 10
}

scenario_d() {
  for peer in gateway nchan; do with_peer "$peer" step d "$peer" ws "$SUBS_SCALE" 10; done
}

scenario_e() {
  for peer in gateway nchan; do with_peer "$peer" step e "$peer" ws "$SUBS_SCALE" 0; done
}

scenario_f() {
  with_peer gateway step f gateway ws "$SUBS_SCALE" 10 --filtered="$SUBS_SCALE"
  # the generator prints why Nchan is not comparable (no server-side filters); that line goes in the report
  if $NCHAN; then step f nchan ws "$SUBS_SCALE" 10 --filtered="$SUBS_SCALE" || true; fi
}

# shape_step SCENARIO SUBSCRIBERS [more generator options]: a load shape (g, h) against the running gateway; its
# line goes to the results, its summary (logged by the generator) to the terminal
shape_step() {
  local scenario=$1 subscribers=$2; shift 2
  local args=(--scenario="$scenario" --peer=gateway --transport=ws --port="$GATEWAY_PORT" --subscribers="$subscribers"
    --rate="$SHAPE_RATE" --duration="$DURATION" --warmup="$WARMUP" --grace="$GRACE" --size=200 --server-pid="$GATEWAY_PID"
    --bootstrap=127.0.0.1:"$KAFKA_PORT" --topic="$TOPIC" "$@")
  log "($scenario) gateway: $subscribers subscribers × $SHAPE_RATE msg/s, $*"
  # shellcheck disable=SC2086
  timeout 1200 $GENERATOR "${args[@]}" >"$WORK/line" 2>"$WORK/step.err" &
  GENERATOR_PID=$!
  local status=0
  wait "$GENERATOR_PID" || status=$?
  GENERATOR_PID=""
  cat "$WORK/step.err" >>"$LOG"
  if [ "$status" -ne 0 ] || [ ! -s "$WORK/line" ]; then
    log "($scenario) the load generator failed (exit $status; see $LOG)"
    return 1
  fi
  cat "$WORK/line" >>"$RESULTS"
  grep -o 'summary: .*' "$WORK/step.err" | sed 's/^summary: /   /' >&2 || true
}

scenario_g() {
  with_peer gateway shape_step g "$SUBS_RATE" --shape=stall --stalled="$STALLED" --stalled-rcvbuf="$STALL_RCVBUF" \
    --fill-timeout="$STALL_FILL_TIMEOUT" --fill-rate="$STALL_FILL_RATE"
}

scenario_h() {
  GATEWAY_ENV_EXTRA=("${STORM_ENV[@]}")
  # the steady subscribers connect at a pace the production pending cap per address admits
  with_peer gateway shape_step h "$STORM_STEADY" --shape=storm --ramp-per-second=200 --storm-clients="$STORM_CLIENTS" \
    --storm-source-addresses="$STORM_SOURCE_ADDRESSES"
  GATEWAY_ENV_EXTRA=()
}

# ---- the session -------------------------------------------------------------------------------------

log "building (mvn -B -q -ntp -DskipTests package)"
mvn -B -q -ntp -DskipTests package

NCHAN=true
if ! nchan_installed; then
  NCHAN=false
  echo "Nchan not installed (apt-get install nginx-light libnginx-mod-nchan): gateway figures only" >&2
  NOTES="Nchan not installed on this machine: gateway figures only."
  NGINX_VERSION="not installed"
else
  NGINX_VERSION="$(nginx -v 2>&1 | sed 's/^nginx version: //'), Nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?') (1 worker, $(basename "$NCHAN_CONF_TEMPLATE") from $(dirname "$NCHAN_CONF_TEMPLATE"))"
fi

log "scenarios $SCENARIOS, ${DURATION} s windows after ${WARMUP} s warm-up$([ "$QUICK" = 1 ] && echo ', QUICK')"
log "results: $RESULTS, log: $LOG, report: $REPORT"
: >"$RESULTS"
start_broker
for s in a b c d e f g h; do
  if has "$s"; then "scenario_$s"; fi
done

java -cp "$BENCH_JAR" io.c254.streaming.bench.Report \
  --results="$RESULTS" --out="$REPORT" --quick="$([ "$QUICK" = 1 ] && echo true || echo false)" \
  --gateway-jvm-flags="$GATEWAY_JVM_FLAGS" --gateway-env="${GATEWAY_ENV[*]}" --storm-env="${STORM_ENV[*]}" \
  --generator-command="$GENERATOR" --nginx="$NGINX_VERSION" \
  --commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --load-at-start="$LOAD_AT_START" --notes="$NOTES"
log "report written to $REPORT"
