# Process control shared by bench/run.sh and bench/soak.sh (sourced, not run). The sourcing script
# defines log() first; the functions stop on error through die().

die() { log "error: $*"; exit 1; }

# stop_pid PID NAME [SIGNAL]: the signal (TERM unless given), up to 15 s to exit, then SIGKILL. PID need not be our child.
stop_pid() {
  local pid=$1 name=$2 signal=${3:-TERM}
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name ($pid) did not stop within 15 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

require_free_port() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    die "port $1 is in use (a leftover gateway, nginx or broker?); stop it first"
  fi
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s until it succeeds or the time is up.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what not ready within $seconds s"
    sleep 0.2
  done
}
