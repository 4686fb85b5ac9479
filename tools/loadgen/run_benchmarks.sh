#!/usr/bin/env bash
# Benchmarks of the auth service on this machine, as BENCHMARKS.md reports them:
#   tools/loadgen/run_benchmarks.sh            # full run, -c opt, about 3 minutes
#   tools/loadgen/run_benchmarks.sh --smoke    # CI: a few seconds per scenario, checks answers
#
# Starts a private MariaDB (own /tmp directory, unix socket only, nothing else touched), the real
# auth_server and the benchmark-only empty_server on 127.0.0.1 with ports picked by the kernel,
# and runs loadgen's scenarios against them. Prints one JSON line per measurement (also kept in
# $LOADGEN_OUT/results.jsonl, default a fresh /tmp/loadgen.XXXXXX) and, when jq is installed, a
# table. Everything it started is stopped on exit.
#
# Full run: the hashing floor first, on an idle machine; the framework floor (empty_server);
# then register, login, validate, mixed, an open-loop login, and the flood (1,000 concurrent
# logins, 2 s deadline) against auth_server with its default (production) Argon2 parameters;
# then, against an auth_server restarted with cheap Argon2 parameters, register and login
# (cheap_hash: the database's share of them, with the hash taken out) and logout: each logout needs a
# session of its own (Logout ends all of a user's sessions), and minting ~100k sessions through
# 20 ms logins would take half an hour. Logout does not hash, so its measured path is the same.
#
# Smoke run (--smoke): the default build, small counts, cheap Argon2 parameters throughout;
# `loadgen --check` makes any wrong answer or unexpected status code fail the script (exit 1).
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE=full
if [[ ${1:-} == --smoke ]]; then MODE=smoke; shift; fi
if (($# != 0)); then echo "usage: $0 [--smoke]" >&2; exit 2; fi

OUT=${LOADGEN_OUT:-$(mktemp -d /tmp/loadgen.XXXXXX)}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"
log() { echo "run_benchmarks: $*" >&2; }

# --- Build ---------------------------------------------------------------------------------
TARGETS=(//services/auth:auth_server //tools/loadgen:loadgen //tools/loadgen:empty_server
  //libs/token:jwt_keygen)
if [[ $MODE == full ]]; then
  # Optimised, and without touching the bazel-* convenience links others may be using.
  BAZEL_FLAGS=(-c opt --symlink_prefix=/)
else
  BAZEL_FLAGS=()
fi
bazel build "${BAZEL_FLAGS[@]}" "${TARGETS[@]}" >&2
BIN=$(bazel info "${BAZEL_FLAGS[@]}" bazel-bin 2>/dev/null)
LOADGEN=$BIN/tools/loadgen/loadgen

# --- Private MariaDB -----------------------------------------------------------------------
# A short /tmp path: unix socket paths are limited to 108 bytes.
DB_DIR=$(mktemp -d /tmp/lgdb.XXXXXX)
SOCKET=$DB_DIR/mysqld.sock
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DB_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_root=()
if [[ $(id -u) -eq 0 ]]; then as_root=(--user=root); fi
mariadb-install-db --no-defaults --datadir="$DB_DIR/data" "${as_root[@]}" \
  --auth-root-authentication-method=socket --skip-test-db >"$OUT/install-db.log" 2>&1
/usr/sbin/mariadbd --no-defaults --datadir="$DB_DIR/data" --socket="$SOCKET" --skip-networking \
  --pid-file="$DB_DIR/mysqld.pid" --log-error="$OUT/mariadb.err" "${as_root[@]}" &
DB_PID=$!
PIDS+=("$DB_PID")
for _ in $(seq 200); do
  mariadb --no-defaults --socket="$SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.1
done
PASSWORD_FILE=$DB_DIR/mysql-password
(umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$PASSWORD_FILE")
mariadb --no-defaults --socket="$SOCKET" -uroot <<SQL
CREATE DATABASE auth CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'auth'@'localhost' IDENTIFIED BY '$(cat "$PASSWORD_FILE")';
GRANT ALL PRIVILEGES ON auth.* TO 'auth'@'localhost';
SQL
"$BIN/libs/token/jwt_keygen" "$DB_DIR/jwt.pem" "$DB_DIR/jwt.pub.pem" >/dev/null
# The key that seals TOTP secrets (complete_login enrols every user it prepares).
(umask 077; head -c 32 /dev/urandom >"$DB_DIR/totp.key")

# --- Servers -------------------------------------------------------------------------------
SERVER_PID=
SERVER_PORT=
# start_server NAME BINARY [FLAGS...]: starts it on 127.0.0.1:0, waits for its "listening on
# port N" line, records start-up time and idle RSS, and sets SERVER_PID and SERVER_PORT.
start_server() {
  local name=$1 binary=$2; shift 2
  local stdout=$OUT/$name.stdout
  # Created before the server starts: the loop below may read it before the background shell
  # has opened it, and sed on a missing file would end the script (set -e).
  : >"$stdout"
  local start_ns; start_ns=$(date +%s%N)
  "$binary" --listen=127.0.0.1:0 "$@" >"$stdout" 2>"$OUT/$name.log" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_PORT=
  for _ in $(seq 3000); do
    SERVER_PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$stdout")
    [[ -n $SERVER_PORT ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { log "$name died, see $OUT/$name.log"; exit 1; }
    sleep 0.005
  done
  [[ -n $SERVER_PORT ]] || { log "$name did not start"; exit 1; }
  local startup_ms=$((($(date +%s%N) - start_ns) / 1000000))
  sleep 1  # idle: let start-up allocations settle
  local idle_rss; idle_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
  echo "{\"scenario\":\"server_start\",\"label\":\"$name\",\"startup_ms\":$startup_ms,\"idle_rss_kib\":$idle_rss}" |
    tee -a "$RESULTS"
}

stop_server() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
}

# The abuse limits are raised out of the way (they stay on, so their counters are still part of
# the measured path): every benchmark call comes from 127.0.0.1, and the login limits count an
# attempt when it starts and refund it when it succeeds, so more than 50 concurrent logins from
# one address, or 5 of one account (from one address, 5 of the pair), are refused even when
# every one would succeed.
AUTH_FLAGS=(--mysql_endpoint="unix://$SOCKET" --mysql_password_file="$PASSWORD_FILE"
  --token_signing_key="$DB_DIR/jwt.pem" --registrations_per_address=1000000000
  --login_failures_per_address=1000000000 --login_failures_per_account=1000000000
  --login_failures_per_account_address=1000000000
  --totp_secret_key_file="$DB_DIR/totp.key" --webauthn_rp_id=localhost
  --webauthn_origins=http://localhost:8080 --webauthn_ceremonies_per_address=0
  ${AUTH_EXTRA_FLAGS:-})
# Cheap hashing: for minting many sessions (logout), and for the smoke run.
CHEAP_ARGON2=(--argon2_memory_kib=64 --argon2_iterations=1)

# Waits (at most QUIET_TIMEOUT s, default 180) until the machine has been nearly idle for 3 s:
# builds or tests running beside a measurement skew it. Full runs only; each summary's
# cores.others says how much else ran anyway.
wait_for_quiet() {
  [[ $MODE == full ]] || return 0
  local deadline=$((SECONDS + ${QUIET_TIMEOUT:-180}))
  local a b busy total
  while ((SECONDS < deadline)); do
    read -ra a </proc/stat
    sleep 3
    read -ra b </proc/stat
    total=0
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    busy=$((total - (b[4] - a[4]) - (b[5] - a[5])))
    # Under 10% of the machine busy.
    if ((busy * 10 < total)); then return 0; fi
  done
  log "the machine is still busy; measuring anyway"
}

# The database's counters around each window, per call (database.per_call in the JSON):
# Questions = statements the server received (each one a round trip), Handler_commit = commits
# (autocommit statements, reads included, COMMITs, and each statement inside a transaction:
# MariaDB counts their statement-level commits too; Com_commit counts COMMITs alone), the
# statements by kind, and InnoDB's row lock waits (and their total ms) for contended rows.
STATUS_COUNTERS="'Questions','Handler_commit','Handler_rollback','Com_commit','Com_begin',\
'Com_rollback','Com_set_option','Com_select','Com_insert','Com_update','Com_delete',\
'Com_stmt_execute','Com_stmt_prepare','Innodb_os_log_fsyncs','Innodb_row_lock_waits',\
'Innodb_row_lock_time'"
DB_STATUS_COMMAND="mariadb --no-defaults --socket=$SOCKET -uroot -N -B -e \"SHOW GLOBAL STATUS \
WHERE Variable_name IN ($STATUS_COUNTERS)\""

# loadgen [FLAGS...]: one measurement against the current server; its JSON line is kept.
loadgen() {
  wait_for_quiet
  "$LOADGEN" --target="127.0.0.1:$SERVER_PORT" --server_pid="$SERVER_PID" --database_pid="$DB_PID" \
    --database_status_command="$DB_STATUS_COMMAND" "$@" | tee -a "$RESULTS"
}

if [[ $MODE == smoke ]]; then
  RUN=(--concurrency=8 --connections=2 --warmup=500ms --duration=2s --check)
  start_server empty_server "$BIN/tools/loadgen/empty_server"
  loadgen --scenario=empty "${RUN[@]}"
  stop_server
  start_server auth_server "$BIN/services/auth/auth_server" "${AUTH_FLAGS[@]}" "${CHEAP_ARGON2[@]}"
  for scenario in register login validate mixed; do
    loadgen --scenario="$scenario" --users=32 "${RUN[@]}"
  done
  # One token per logout, no warm-up: the run ends (ran_dry) when the tokens are used up.
  loadgen --scenario=logout --users=1000 --concurrency=8 --connections=2 --warmup=0s \
    --duration=2s --check
  # The second steps: one prepared ticket or ceremony per call, likewise.
  for scenario in complete_login passkey_login; do
    loadgen --scenario="$scenario" --users=100 --concurrency=8 --connections=2 --warmup=0s \
      --duration=2s --check
  done
  # Open loop: room for 32 calls in flight, so a slow moment on a busy machine (100 calls/s
  # at 80 ms each is 8 in flight) does not leave a scheduled call unsent (NOT_SENT fails --check).
  loadgen --scenario=login --label=open_loop --rate=100 --users=16 --concurrency=32 \
    --connections=2 --warmup=0s --duration=2s --check
  loadgen --scenario=login --label=flood --users=16 --calls=200 --concurrency=200 \
    --connections=2 --deadline=2s --check --allowed_codes=OK,DEADLINE_EXCEEDED
  stop_server
  log "smoke passed ($(wc -l <"$RESULTS") measurements in $RESULTS)"
  exit 0
fi

# The machine, and how busy it was before we started (the load average counts anything else
# running, which skews every figure).
echo "{\"scenario\":\"machine\",\"nproc\":$(nproc),\"cpu\":\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"commit\":\"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\"}" |
  tee -a "$RESULTS"

# LOADGEN_ONLY="flood logout" re-runs some measurements only (names as in the table);
# AUTH_EXTRA_FLAGS="--mysql_pool_size=8 ..." adds auth_server flags (e.g. to compare settings).
want() { [[ -z ${LOADGEN_ONLY:-} || " $LOADGEN_ONLY " == *" $1 "* ]]; }

RUN=(--concurrency=64 --connections=4 --warmup=2s --duration=10s)
if want hash_floor; then
  wait_for_quiet
  "$LOADGEN" --scenario=hash_floor --hashes=30 | tee -a "$RESULTS"
fi

if want empty; then
  start_server empty_server "$BIN/tools/loadgen/empty_server"
  loadgen --scenario=empty "${RUN[@]}"
  stop_server
fi

if want register || want login || want validate || want mixed || want open_loop ||
  want flood; then
  start_server auth_server "$BIN/services/auth/auth_server" "${AUTH_FLAGS[@]}"
  if want register; then loadgen --scenario=register "${RUN[@]}"; fi
  if want login; then loadgen --scenario=login --users=128 "${RUN[@]}"; fi
  if want validate; then loadgen --scenario=validate --users=128 "${RUN[@]}"; fi
  if want mixed; then loadgen --scenario=mixed --users=256 "${RUN[@]}"; fi
  # Open loop at about 75% of the hashing floor: latency when the server keeps up.
  if want open_loop; then
    loadgen --scenario=login --label=open_loop --users=128 --rate="${LOGIN_RATE:-70}" \
      --concurrency=1000 --connections=4 --warmup=2s --duration=10s
  fi
  # The flood: 1,000 logins at once, each with a 2 s deadline.
  if want flood; then
    loadgen --scenario=login --label=flood --users=128 --calls=1000 --concurrency=1000 \
      --connections=4 --deadline=2s
  fi
  stop_server
fi

if want cheap_hash || want logout || want complete_login || want passkey_login; then
  start_server auth_server_cheap_hash "$BIN/services/auth/auth_server" "${AUTH_FLAGS[@]}" \
    "${CHEAP_ARGON2[@]}"
fi
# The hash taken out (m=64 KiB, t=1): what is left of Register and Login is mostly database work.
if want cheap_hash; then
  loadgen --scenario=register --label=register_cheap_hash "${RUN[@]}"
  loadgen --scenario=login --label=login_cheap_hash --users=128 "${RUN[@]}"
fi
if want logout; then
  # One token per logout: the window ends early (ran_dry) if they run out before 10 s.
  loadgen --scenario=logout --users="${LOGOUT_TOKENS:-100000}" --concurrency=64 \
    --connections=4 --warmup=1s --duration=10s
fi
# The steps after the password, on their own: CompleteLogin (a TOTP code) and FinishPasskeyLogin
# (an assertion), each spending one prepared ticket or ceremony per call (ran_dry when they run
# out); beside login_cheap_hash, the same server, to compare with a password login's database
# work.
if want complete_login; then
  loadgen --scenario=complete_login --users="${SECOND_FACTOR_USERS:-20000}" --concurrency=64 \
    --connections=4 --warmup=1s --duration=10s
fi
if want passkey_login; then
  loadgen --scenario=passkey_login --users="${SECOND_FACTOR_USERS:-20000}" --concurrency=64 \
    --connections=4 --warmup=1s --duration=10s
fi
if want cheap_hash || want logout || want complete_login || want passkey_login; then
  stop_server
fi

echo "{\"scenario\":\"machine_end\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" |
  tee -a "$RESULTS"
log "results: $RESULTS"
if command -v jq >/dev/null; then
  jq -r 'select(.qps != null) | [(.label // .scenario), .qps, .ok,
      (.errors | to_entries | map("\(.key)=\(.value)") | join(" ")),
      .latency_ms.p50, .latency_ms.p99, .latency_ms.max,
      (.server.cpu_ms_per_call // ""), (.server.peak_rss_kib // ""),
      (.database.cpu_ms_per_call // ""), (.database.per_call.Questions // ""),
      (.database.per_call.Handler_commit // "")] | @tsv' "$RESULTS" |
    column -t -s $'\t' \
      -N run,qps,ok,errors,p50_ms,p99_ms,max_ms,cpu_ms/call,peak_rss_kib,db_cpu_ms/call,db_statements/call,db_commits/call >&2
fi
# The chart BENCHMARKS.md shows: share of the floor and p50/p99 per scenario. A run of some rows
# only (LOADGEN_ONLY without the floors) has no chart, and that is no failure of the run.
if command -v jq >/dev/null && command -v gnuplot >/dev/null; then
  if tools/loadgen/plot_results.sh "$RESULTS" "$OUT/chart.png" >/dev/null 2>&1; then
    log "chart: $OUT/chart.png"
  else
    log "no chart: it needs the floors (hash_floor, empty) in the run"
  fi
fi
