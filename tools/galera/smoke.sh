#!/usr/bin/env bash
# Smoke test and measurements for libs/mysql/testing/galera_cluster.sh:
#   tools/galera/smoke.sh              # ~1 minute on 2 cores; exit 0 only if every check held
#   tools/galera/smoke.sh --no-bench   # steps 1-4 and 6 only (~30 s): what CI runs
#   bazel test //tools/galera:cluster_smoke_test
#
# 1. starts a fresh 3-node cluster (timed) and checks that database user `auth` works on every node;
# 2. writes on node 1, reads on node 3;
# 3. inserts the same UNIQUE key on nodes 1 and 2 at once, 20 times: each key commits exactly once;
# 4. SIGKILLs node 2, waits until the others see a 2-node cluster (timed), writes on nodes 1 and 3
#    while it is down, restarts it (timed; must rejoin by IST) and checks it has every row;
# 5. times 500 single-row autocommit INSERTs through the mariadb client on a cluster node and on a
#    standalone mariadbd with the same InnoDB settings;
# 6. stops everything and checks that no process it started is left.
# The last line is machine-readable: "GALERA_SMOKE start_ms=... rejoin_ms=... ...".
#
# Environment: GALERA_BASE_PORT (default: a random free range; the standalone server uses
# base+40), GALERA_SMOKE_INSERTS (default 500).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)  # the workspace, or the test's runfiles tree
CLUSTER=$ROOT/libs/mysql/testing/galera_cluster.sh
BENCH=1
case ${1:-} in
  "") ;;
  --no-bench) BENCH=0 ;;
  *) echo "usage: $0 [--no-bench]" >&2; exit 2 ;;
esac
INSERTS=${GALERA_SMOKE_INSERTS:-500}

# A base port whose 41 ports have no listener, so that runs in parallel do not collide.
range_free() {
  local p
  for ((p = $1; p <= $1 + 40; p++)); do
    if ss -Hltn "sport = :$p" | grep -q .; then return 1; fi
  done
}
BASE_PORT=${GALERA_BASE_PORT:-}
if [[ -z $BASE_PORT ]]; then
  for _ in $(seq 20); do
    BASE_PORT=$((20000 + (RANDOM % 120) * 100 + 1))  # below the ephemeral range (32768+)
    range_free "$BASE_PORT" && break
  done
fi
DIR=$(mktemp -d /tmp/gsmoke.XXXXXX)
SINGLE_PID=
failures=0

now_ms() { date +%s%3N; }
say() { echo "smoke: $*"; }
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then say "ok: $1"; else
    say "FAIL: $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
cluster() { "$CLUSTER" "$@" --dir "$DIR"; }

stop_single() {  # the standalone server is our child: SIGTERM its group, then reap it
  [[ -n $SINGLE_PID ]] || return 0
  kill -TERM -- -"$SINGLE_PID" 2>/dev/null || true
  wait "$SINGLE_PID" 2>/dev/null || true
  SINGLE_PID=
}

cleanup() {
  set +e
  cluster stop >/dev/null 2>&1
  if [[ -n $SINGLE_PID ]]; then
    stop_single
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT

# --- 1. start -------------------------------------------------------------------------------
t0=$(now_ms)
env_lines=$(GALERA_BASE_PORT=$BASE_PORT "$CLUSTER" start --dir "$DIR")
start_ms=$(($(now_ms) - t0))
say "cluster started in ${start_ms}ms"
ENDPOINTS=$(sed -n 's/^GALERA_ENDPOINTS=//p' <<<"$env_lines")
SOCKETS=$(sed -n 's/^GALERA_SOCKETS=//p' <<<"$env_lines")
PASSWORD_FILE=$(sed -n 's/^GALERA_PASSWORD_FILE=//p' <<<"$env_lines")
IFS=, read -r -a EPS <<<"$ENDPOINTS"
IFS=, read -r -a SOCKS <<<"$SOCKETS"
check "three endpoints printed" 3 "${#EPS[@]}"
export MYSQL_PWD
MYSQL_PWD=$(cat "$PASSWORD_FILE")  # the client reads it from the environment, not argv

q() {  # q N 'SQL' -> rows; as user auth over TCP to node N
  local port=${EPS[$(($1 - 1))]##*:}
  mariadb --no-defaults -h127.0.0.1 -P"$port" -uauth auth -N -B -e "$2"
}
for n in 1 2 3; do check "user auth can query node $n" 1 "$(q "$n" 'SELECT 1')"; done

# --- 2. write on node 1, read on node 3 ---------------------------------------------------------
q 1 "CREATE TABLE smoke (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL UNIQUE,
     node INT NOT NULL)"
q 1 "INSERT INTO smoke (v, node) VALUES ('first-a', 1), ('first-b', 1)"
check "rows written on node 1 are read on node 3" "first-a,first-b" \
  "$(q 3 "SELECT GROUP_CONCAT(v ORDER BY v) FROM smoke")"
check "AUTO_INCREMENT steps by the cluster size" 3 "$(q 1 'SELECT @@auto_increment_increment')"

# --- 3. the same UNIQUE key on two nodes at once ------------------------------------------------
errors_file=$DIR/dup-errors
: >"$errors_file"
for k in $(seq 20); do
  q 1 "INSERT INTO smoke (v, node) VALUES ('dup-$k', 1)" 2>>"$errors_file" &
  q 2 "INSERT INTO smoke (v, node) VALUES ('dup-$k', 2)" 2>>"$errors_file" &
  wait || true
done
check "each contended key committed exactly once" "20 20" \
  "$(q 3 "SELECT CONCAT(COUNT(*), ' ', COUNT(DISTINCT v)) FROM smoke WHERE v LIKE 'dup-%'")"
losers=$(grep -c 'ERROR' "$errors_file" || true)
check "each contended key had exactly one loser" 20 "$losers"
say "loser errors: $(grep -o 'ERROR [0-9]*' "$errors_file" | sort | uniq -c | tr -s ' ' | paste -sd, -)"
other=$(grep 'ERROR' "$errors_file" | grep -v -c 'ERROR 1062\|ERROR 1213' || true)
check "losers got 1062 or 1213 only" 0 "$other"

# --- 4. SIGKILL node 2, write while it is down, restart it --------------------------------------
cluster kill 2
t0=$(now_ms)
deadline=$((SECONDS + 30))
until [[ $(q 1 "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2) == 2 ]]; do
  ((SECONDS < deadline)) || { say "FAIL: node 1 still sees 3 nodes after 30s"; exit 1; }
  sleep 0.1
done
detect_ms=$(($(now_ms) - t0))
say "nodes 1 and 3 saw node 2 gone after ${detect_ms}ms"
if q 2 'SELECT 1' >/dev/null 2>&1; then check "node 2 refuses connections" down up; fi
for i in $(seq 50); do
  q 1 "INSERT INTO smoke (v, node) VALUES ('down-1-$i', 1)"
  q 3 "INSERT INTO smoke (v, node) VALUES ('down-3-$i', 3)"
done
t0=$(now_ms)
restart_log=$(cluster restart 2 2>&1 >/dev/null)
rejoin_ms=$(($(now_ms) - t0))
say "node 2 rejoined in ${rejoin_ms}ms: $(tail -n 1 <<<"$restart_log")"
check "node 2 rejoined by IST" IST "$(grep -o 'by [A-Z a-z]*$' <<<"$restart_log" | sed 's/^by //')"
expected=$(q 1 "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(v))) FROM smoke")
check "100 rows written while node 2 was down" 100 "$(q 1 "SELECT COUNT(*) FROM smoke WHERE v LIKE 'down-%'")"
for n in 2 3; do
  check "node $n has the same rows as node 1" "$expected" \
    "$(q "$n" "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(v))) FROM smoke")"
done

# --- 5. INSERT cost: cluster node vs standalone -------------------------------------------------
admin() {  # admin SOCKET mariadb-args...: as the OS user over the unix socket
  local socket=$1; shift
  mariadb --no-defaults --protocol=socket --socket="$socket" -u"$(id -un)" "$@"
}

time_inserts() {  # time_inserts SOCKET -> microseconds per INSERT (best of 3 runs)
  local socket=$1 best= run t
  admin "$socket" -e "CREATE DATABASE IF NOT EXISTS auth;
    CREATE TABLE IF NOT EXISTS auth.bench (id BIGINT AUTO_INCREMENT PRIMARY KEY,
      name VARCHAR(64) NOT NULL UNIQUE, created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
  for run in 1 2 3; do
    admin "$socket" -e "TRUNCATE TABLE auth.bench"
    t=$(now_ms)
    admin "$socket" auth <"$DIR/inserts.sql"
    t=$((($(now_ms) - t) * 1000 / INSERTS))
    if [[ -z $best ]] || ((t < best)); then best=$t; fi
  done
  echo "$best"
}

# 1 = fsync the redo log at every commit (the default, used everywhere else); 2 = write at commit,
# fsync once a second, which Galera deployments often choose because a commit is already on the
# other nodes. Measuring both separates the fsync cost from the replication cost.
set_flush() {  # set_flush VALUE SOCKET...: innodb_flush_log_at_trx_commit on these servers
  local value=$1 socket; shift
  for socket in "$@"; do admin "$socket" -e "SET GLOBAL innodb_flush_log_at_trx_commit=$value"; done
}

ratio() { awk -v g="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? g / s : 0) }'; }

start_single() {  # a standalone mariadbd with the InnoDB settings of galera_cluster.sh's my.cnf
  local single=$DIR/single as_root=()
  [[ $(id -u) -eq 0 ]] && as_root=(--user=root)
  mkdir -p "$single/data"
  mariadb-install-db --no-defaults --datadir="$single/data" "${as_root[@]}" \
    --auth-root-authentication-method=socket --auth-root-socket-user="$(id -un)" \
    --skip-test-db >"$single/install-db.log" 2>&1
  setsid /usr/sbin/mariadbd --no-defaults --datadir="$single/data" --socket="$DIR/single.sock" \
    --port=$((BASE_PORT + 40)) --bind-address=127.0.0.1 --skip-name-resolve "${as_root[@]}" \
    --pid-file="$single/mysqld.pid" --log-error="$single/error.log" --binlog_format=ROW \
    --innodb_autoinc_lock_mode=2 --innodb_buffer_pool_size=64M --innodb_log_file_size=48M \
    </dev/null >/dev/null 2>&1 &
  SINGLE_PID=$!
  for _ in $(seq 300); do
    admin "$DIR/single.sock" -e 'SELECT 1' >/dev/null 2>&1 && return 0
    kill -0 "$SINGLE_PID" 2>/dev/null || break
    sleep 0.1
  done
  say "FAIL: the standalone mariadbd did not start; see $single/error.log"
  exit 1
}

galera_us=- single_us=- ratio=- galera_flush2_us=- single_flush2_us=- ratio_flush2=- load=-
if ((BENCH)); then
  for i in $(seq "$INSERTS"); do
    echo "INSERT INTO bench (name) VALUES ('user-$i-$RANDOM');"
  done >"$DIR/inserts.sql"
  galera_us=$(time_inserts "${SOCKS[0]}")
  set_flush 2 "${SOCKS[@]}"
  galera_flush2_us=$(time_inserts "${SOCKS[0]}")
  set_flush 1 "${SOCKS[@]}"
  start_single
  single_us=$(time_inserts "$DIR/single.sock")
  set_flush 2 "$DIR/single.sock"
  single_flush2_us=$(time_inserts "$DIR/single.sock")
  ratio=$(ratio "$galera_us" "$single_us")
  ratio_flush2=$(ratio "$galera_flush2_us" "$single_flush2_us")
  load=$(cut -d' ' -f1 /proc/loadavg)
  say "$INSERTS single-row INSERTs, us each (best of 3), Galera node vs standalone:"
  say "  fsync per commit (flush_log_at_trx_commit=1): $galera_us vs $single_us (${ratio}x)"
  say "  fsync once a second (flush_log_at_trx_commit=2): $galera_flush2_us vs $single_flush2_us (${ratio_flush2}x)"
  say "  load average while measuring: $load on $(nproc) cores"
fi

# --- 6. stop, nothing left behind ------------------------------------------------------------
cluster stop 2>/dev/null
stop_single
# Every process this test started has $DIR on its command line (defaults file, datadir or socket).
check "no process left running" "" "$(pgrep -f -- "$DIR" || true)"

echo "GALERA_SMOKE start_ms=$start_ms failure_detect_ms=$detect_ms rejoin_ms=$rejoin_ms" \
  "insert_us_galera=$galera_us insert_us_single=$single_us ratio=$ratio" \
  "insert_us_galera_flush2=$galera_flush2_us insert_us_single_flush2=$single_flush2_us" \
  "ratio_flush2=$ratio_flush2 loadavg=$load failures=$failures"
((failures == 0))
