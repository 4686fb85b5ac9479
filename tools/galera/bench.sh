#!/usr/bin/env bash
# Throughput of the auth service on a 3-node Galera cluster against a single MariaDB, with
# tools/loadgen (see BENCHMARKS.md, "Galera"):
#
#   tools/galera/bench.sh                      # register login validate logout; ~6 minutes
#   tools/galera/bench.sh login validate       # some scenarios only
#
# Three set-ups, each measured with the same scenarios:
#   single   1 auth_server on a standalone mariadbd (galera_cluster.sh's InnoDB settings, no Galera)
#   galera1  1 auth_server on the cluster (endpoints node 1,2,3: it uses node 1)
#   galera3  3 auth_servers on the cluster, replica i preferring node i; three loadgens at
#            once, one per replica, sharing the concurrency (their QPS are added up)
# register, login and validate run against servers with the production Argon2 parameters;
# logout against servers restarted with cheap ones (it needs thousands of sessions minted first
# and does not hash). The per-address limits are off (0) and the per-account one raised: every
# call comes from 127.0.0.1, and one address's counter row written through three nodes at once
# is a Galera hot spot (conflicts at COMMIT; see BENCHMARKS.md), which is not what this
# measures. The per-account counters stay on the measured path.
# GALERA_BENCH_SETUPS="galera3" runs some set-ups only; GALERA_BENCH_EXTRA_FLAGS adds auth_server
# flags (e.g. "--argon2_memory_kib=64 --argon2_iterations=1": the database's share, hash taken out). Every loadgen JSON line is kept in $OUT/results.jsonl (OUT: GALERA_BENCH_OUT or a new
# /tmp/gbench.XXXXXX); a table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=(register login validate logout)
OUT=${GALERA_BENCH_OUT:-$(mktemp -d /tmp/gbench.XXXXXX)}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"
log() { echo "galera-bench: $*" >&2; }

BAZEL_FLAGS=(-c opt --symlink_prefix=/)
bazel build "${BAZEL_FLAGS[@]}" //services/auth:auth_server //tools/loadgen:loadgen \
  //libs/token:jwt_keygen >&2
BIN=$(bazel info "${BAZEL_FLAGS[@]}" bazel-bin 2>/dev/null)
CLUSTER=libs/mysql/testing/galera_cluster.sh
GDIR=$OUT/cluster
SINGLE_DIR=$(mktemp -d /tmp/gbsingle.XXXXXX)
PIDS=()
SINGLE_PID=
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $SINGLE_PID ]]; then kill -TERM -- -"$SINGLE_PID" 2>/dev/null || true; fi
  "$CLUSTER" stop --dir "$GDIR" >/dev/null 2>&1 || true
  rm -rf "$SINGLE_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- databases ---------------------------------------------------------------------------------
range_free() {
  local p
  for ((p = $1; p <= $1 + 40; p++)); do
    if ss -Hltn "sport = :$p" | grep -q .; then return 1; fi
  done
}
for _ in $(seq 20); do
  BASE_PORT=$((20000 + (RANDOM % 120) * 100 + 1))  # below the ephemeral range (32768+)
  range_free "$BASE_PORT" && break
done
"$CLUSTER" start --dir "$GDIR" --base-port "$BASE_PORT" >"$OUT/cluster.env"
# shellcheck source=/dev/null
source <(grep '^GALERA_' "$OUT/cluster.env")
IFS=, read -ra NODE_ENDPOINTS <<<"$GALERA_ENDPOINTS"

as_root=()
[[ $(id -u) -eq 0 ]] && as_root=(--user=root)
mariadb-install-db --no-defaults --datadir="$SINGLE_DIR/data" "${as_root[@]}" \
  --auth-root-authentication-method=socket --skip-test-db >"$OUT/single-install.log" 2>&1
setsid /usr/sbin/mariadbd --no-defaults --datadir="$SINGLE_DIR/data" "${as_root[@]}" \
  --socket="$SINGLE_DIR/s.sock" --skip-networking --pid-file="$SINGLE_DIR/s.pid" \
  --log-error="$OUT/single.err" --innodb_buffer_pool_size=64M --innodb_log_file_size=48M \
  --max_connections=200 </dev/null >/dev/null 2>&1 &
SINGLE_PID=$!
for _ in $(seq 200); do
  mariadb --no-defaults --socket="$SINGLE_DIR/s.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.1
done
mariadb --no-defaults --socket="$SINGLE_DIR/s.sock" -uroot <<SQL
CREATE DATABASE auth CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'auth'@'localhost' IDENTIFIED BY '$(cat "$GALERA_PASSWORD_FILE")';
GRANT ALL PRIVILEGES ON auth.* TO 'auth'@'localhost';
SQL
"$BIN/libs/token/jwt_keygen" "$OUT/jwt.pem" "$OUT/jwt.pub.pem" >/dev/null

# --- servers -----------------------------------------------------------------------------------
SERVER_PIDS=()
SERVER_PORTS=()
AUTH_FLAGS=(--mysql_password_file="$GALERA_PASSWORD_FILE" --token_signing_key="$OUT/jwt.pem"
  --registrations_per_address=0 --login_failures_per_address=0
  --login_failures_per_account=1000000000 --login_failures_per_account_address=0
  ${GALERA_BENCH_EXTRA_FLAGS:-})
CHEAP_ARGON2=(--argon2_memory_kib=64 --argon2_iterations=1)

start_server() {  # start_server NAME ENDPOINTS [FLAGS...]
  local name=$1 endpoints=$2; shift 2
  local stdout=$OUT/$name.stdout port=
  : >"$stdout"  # before the server starts: sed on a missing file would end the script (set -e)
  "$BIN/services/auth/auth_server" --listen=127.0.0.1:0 --mysql_endpoint="$endpoints" \
    "${AUTH_FLAGS[@]}" "$@" >"$stdout" 2>"$OUT/$name.log" &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 3000); do
    port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$stdout")
    [[ -n $port ]] && break
    kill -0 "$pid" 2>/dev/null || { log "$name died, see $OUT/$name.log"; exit 1; }
    sleep 0.005
  done
  [[ -n $port ]] || { log "$name did not start"; exit 1; }
  SERVER_PIDS+=("$pid")
  SERVER_PORTS+=("$port")
}

stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid"; wait "$pid" || true; done
  SERVER_PIDS=()
  SERVER_PORTS=()
}

# start_setup SETUP [FLAGS...]: the servers of one set-up.
start_setup() {
  local setup=$1; shift
  case $setup in
    single) start_server single "unix://$SINGLE_DIR/s.sock" "$@" ;;
    galera1) start_server galera1 "$GALERA_ENDPOINTS" "$@" ;;
    galera3)
      local i
      for i in 0 1 2; do
        start_server "galera3-$i" "${NODE_ENDPOINTS[i]},${NODE_ENDPOINTS[(i + 1) % 3]},${NODE_ENDPOINTS[(i + 2) % 3]}" "$@"
      done
      ;;
  esac
}

# measure SETUP SCENARIO [LOADGEN FLAGS...]: one loadgen per server, at once; total
# concurrency 64 (2 connections each when there are several).
measure() {
  local setup=$1 scenario=$2; shift 2
  local n=${#SERVER_PORTS[@]} i pids=()
  local concurrency=$((64 / n)) connections=$((n > 1 ? 2 : 4))
  for ((i = 0; i < n; i++)); do
    "$BIN/tools/loadgen/loadgen" --target="127.0.0.1:${SERVER_PORTS[i]}" --scenario="$scenario" \
      --label="$setup" --concurrency="$concurrency" --connections="$connections" \
      --warmup=3s --duration=10s --server_pid="${SERVER_PIDS[i]}" "$@" \
      >"$OUT/$setup-$scenario-$i.json" 2>"$OUT/$setup-$scenario-$i.log" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || log "a loadgen of $setup/$scenario failed"; done
  cat "$OUT/$setup-$scenario"-*.json >>"$RESULTS"
}

want() { [[ " ${SCENARIOS[*]} " == *" $1 "* ]]; }

for setup in ${GALERA_BENCH_SETUPS:-single galera1 galera3}; do
  log "set-up $setup"
  start_setup "$setup"
  if want register; then measure "$setup" register; fi
  if want login; then measure "$setup" login --users=64; fi
  if want validate; then measure "$setup" validate --users=64; fi
  stop_servers
  if want logout; then
    start_setup "$setup" "${CHEAP_ARGON2[@]}"
    n=${#SERVER_PORTS[@]}
    measure "$setup" logout --users=$((24000 / n)) --prepare_concurrency=32
    stop_servers
  fi
done

# --- table -------------------------------------------------------------------------------------
echo
echo "| scenario | set-up | QPS (sum) | p50 / p99 (ms, worst loadgen) | errors | server CPU/call (ms, mean) | ran dry |"
echo "|---|---|---:|---|---|---:|---|"
jq -s -r '
  group_by([.scenario, .label])
  | sort_by(.[0].scenario)[]
  | "| \(.[0].scenario) | \(.[0].label) | \(map(.qps) | add | . * 10 | round / 10) | \(map(.latency_ms.p50) | max) / \(map(.latency_ms.p99) | max) | \(map(.errors | to_entries | map("\(.key)=\(.value)") | join(" ")) | join(" ")) | \(map(.server.cpu_ms_per_call) | add / length * 1000 | round / 1000) | \(map(.ran_dry // false) | any) |"
' "$RESULTS"
echo
log "results in $RESULTS"
