#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on 127.0.0.1, for tests and measurements (never production).
# Run by GaleraCluster (galera_cluster.h) and by tools/galera (smoke.sh, bench.sh).
#
#   galera_cluster.sh start   [--dir DIR] [--base-port P]  # create or resume, wait for Synced x3
#   galera_cluster.sh status  [--dir DIR]                  # per-node state; exit 1 if all down
#   galera_cluster.sh kill N  [--dir DIR]                  # SIGKILL node N (a crash)
#   galera_cluster.sh restart N [--dir DIR]                # recover + rejoin node N by IST
#   galera_cluster.sh stop    [--dir DIR]                  # graceful, nodes 3, 2, 1
#   galera_cluster.sh env     [--dir DIR]                  # only the machine-readable lines
#
# Every command that leaves the cluster up ends with machine-readable lines for callers:
#   GALERA_ENDPOINTS=tcp://127.0.0.1:33061,tcp://127.0.0.1:33062,tcp://127.0.0.1:33063
#   GALERA_SOCKETS=/tmp/galera-0/n1.sock,...      GALERA_DATABASE=auth  GALERA_USER=auth
#   GALERA_PASSWORD_FILE=/tmp/galera-0/auth-password
#
# Layout (base port P, default 33061, or $GALERA_BASE_PORT): node i (1..3) serves SQL on P+i-1,
# group communication (gmcast.listen_addr) on P+10+i-1, IST (ist.recv_addr) on P+20+i-1 and SST
# (wsrep_sst_receive_address) on P+30+i-1. DIR (default /tmp/galera-$UID, or $GALERA_DIR) holds
# nI/{data,my.cnf,error.log}, the generated password of database user `auth`, and cluster.env
# (the port layout, so later commands need only --dir).
#
# Why it is built this way:
# - Each mariadbd is started with setsid, so it leads its own process group: `kill` and `stop`
#   signal that group and also reach its SST helpers (mariabackup, socat), and nothing else.
# - SST uses mariabackup: it works as root and non-root alike (rsync SST would need the server to
#   run as user `mysql`). Donor and joiner authenticate as the OS user over the unix socket.
# - Short EVS timeouts detect a dead node in ~2-4 s; shorter ones caused false partitions on 2 cores.
# - A node that crashed has seqno -1 in grastate.dat; `--wsrep-recover` reads its last committed
#   position from InnoDB, and `--wsrep_start_position` hands that to Galera, which then asks a
#   donor for the missing write-sets only (IST) instead of a full copy (SST).
set -euo pipefail

readonly NODES=3
readonly PROVIDER=/usr/lib/galera/libgalera_smm.so
readonly EVS_OPTIONS="evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;evs.keepalive_period=PT0.5S"
TIMEOUT=${GALERA_TIMEOUT:-120}  # seconds a node may take to reach Synced

die() { echo "galera: error: $*" >&2; exit 1; }
log() { echo "galera: $*" >&2; }
now_ms() { date +%s%3N; }

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# --- arguments ------------------------------------------------------------------------------
CMD=${1:-}
[[ -n $CMD ]] || usage
shift
NODE=
if [[ $CMD == kill || $CMD == restart ]]; then
  NODE=${1:-}
  [[ $NODE =~ ^[1-3]$ ]] || die "$CMD needs a node number 1..$NODES"
  shift
fi
DIR=${GALERA_DIR:-/tmp/galera-$(id -u)}
BASE_PORT_ARG=${GALERA_BASE_PORT:-}
while (($#)); do
  case $1 in
    --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
    --dir=*) DIR=${1#--dir=}; shift ;;
    --base-port) BASE_PORT_ARG=${2:?--base-port needs a value}; shift 2 ;;
    --base-port=*) BASE_PORT_ARG=${1#--base-port=}; shift ;;
    *) usage ;;
  esac
done
[[ $DIR == /* ]] || DIR=$PWD/$DIR

# --- layout ---------------------------------------------------------------------------------
ENV_FILE=$DIR/cluster.env
if [[ -f $ENV_FILE ]]; then
  # shellcheck source=/dev/null
  source "$ENV_FILE"  # BASE_PORT, SOCK_DIR
  if [[ -n $BASE_PORT_ARG && $BASE_PORT_ARG != "$BASE_PORT" ]]; then
    die "$DIR was created with base port $BASE_PORT; use that, or another --dir"
  fi
else
  BASE_PORT=${BASE_PORT_ARG:-33061}
  # Unix socket paths are limited to 108 bytes: a long DIR gets its sockets under a short path.
  if ((${#DIR} <= 80)); then SOCK_DIR=$DIR; else
    SOCK_DIR=/tmp/gsock-$(printf '%s' "$DIR" | cksum | cut -d' ' -f1)
  fi
fi
[[ $BASE_PORT =~ ^[0-9]+$ ]] && ((BASE_PORT >= 1024 && BASE_PORT + 32 <= 65535)) \
  || die "base port must be in 1024..65503"

PASSWORD_FILE=$DIR/auth-password
OS_USER=$(id -un)

# Per-node functions: ports, paths, config, launch, wait, recovery, signals.
# shellcheck source=libs/mysql/testing/galera_node.sh
source "$(dirname "${BASH_SOURCE[0]}")/galera_node.sh"

print_env() {
  local eps=() socks=() i
  for i in $(seq $NODES); do
    eps+=("tcp://127.0.0.1:$(sql_port "$i")")
    socks+=("$(socket "$i")")
  done
  echo "GALERA_ENDPOINTS=$(IFS=,; echo "${eps[*]}")"
  echo "GALERA_SOCKETS=$(IFS=,; echo "${socks[*]}")"
  echo "GALERA_DATABASE=auth"
  echo "GALERA_USER=auth"
  echo "GALERA_PASSWORD_FILE=$PASSWORD_FILE"
}

create_schema() {  # database `auth` and user `auth`, through node 1; Galera replicates both
  if [[ ! -s $PASSWORD_FILE ]]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$PASSWORD_FILE")
  fi
  local pw; pw=$(cat "$PASSWORD_FILE")
  sql 1 "CREATE DATABASE IF NOT EXISTS auth CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'auth'@'127.0.0.1' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'auth'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'auth'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'auth'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON auth.* TO 'auth'@'127.0.0.1';
GRANT ALL PRIVILEGES ON auth.* TO 'auth'@'localhost';"
}

# The node to bootstrap a stopped cluster from: the one grastate.dat marks safe (the last to
# leave), else the one with the highest recovered seqno, which is then marked safe.
pick_bootstrap_node() {
  local i best=1 best_seqno=-2 pos seqno
  for i in $(seq $NODES); do
    if grep -q '^safe_to_bootstrap: 1' "$(node_dir "$i")/data/grastate.dat" 2>/dev/null; then
      echo "$i"; return 0
    fi
  done
  for i in $(seq $NODES); do
    pos=$(recover_position "$i")
    seqno=${pos##*:}
    if [[ -n $pos ]] && ((seqno > best_seqno)); then best=$i; best_seqno=$seqno; fi
  done
  log "no node marked safe_to_bootstrap; node $best has the highest seqno ($best_seqno)"
  sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$(node_dir "$best")/data/grastate.dat"
  echo "$best"
}

# Gives a new cluster its identity and schema on node 1 alone, then copies node 1's cleanly shut
# down datadir to the others: they join at the same position and need no state transfer, which
# saves two mariabackup SSTs (~12 s each on 2 cores). Afterwards node 1 is the one safe to bootstrap.
seed_cluster() {
  local i
  log "node 1: seeding a new cluster"
  launch 1 --wsrep-new-cluster
  wait_synced 1 1
  create_schema
  signal_node 1 TERM 60
  grep -q '^safe_to_bootstrap: 1' "$(node_dir 1)/data/grastate.dat" \
    || die "node 1 did not shut down cleanly while seeding; see $(node_dir 1)/error.log"
  for i in $(seq 2 $NODES); do
    rm -rf "$(node_dir "$i")/data"
    cp -a "$(node_dir 1)/data" "$(node_dir "$i")/data"
    # Node-local Galera state: the write-set cache and the bootstrap mark stay with node 1.
    rm -f "$(node_dir "$i")/data/galera.cache" "$(node_dir "$i")/data/gvwstate.dat"
    sed -i 's/^safe_to_bootstrap: 1/safe_to_bootstrap: 0/' "$(node_dir "$i")/data/grastate.dat"
  done
}

cmd_start() {
  local i up=0
  for i in $(seq $NODES); do running "$i" && up=$((up + 1)); done
  if ((up == NODES)); then log "already running"; cmd_status; return 0; fi
  ((up == 0)) || die "$up of $NODES nodes are running; use 'restart N' for the others, or 'stop'"
  command -v mariabackup >/dev/null && [[ -f $PROVIDER ]] \
    || die "galera-4 / mariadb-backup missing: run tools/setup.sh"
  check_ports_free $(seq $NODES)
  local t0; t0=$(now_ms)
  mkdir -p "$DIR" "$SOCK_DIR"
  chmod 700 "$DIR" "$SOCK_DIR"
  printf 'BASE_PORT=%s\nSOCK_DIR=%s\n' "$BASE_PORT" "$SOCK_DIR" >"$ENV_FILE"
  for i in $(seq $NODES); do mkdir -p "$(node_dir "$i")/data"; write_config "$i"; done

  local first
  if [[ ! -d $(node_dir 1)/data/mysql ]]; then
    log "creating a new cluster in $DIR (base port $BASE_PORT)"
    local as_root=()
    [[ $(id -u) -eq 0 ]] && as_root=(--user=root)
    mariadb-install-db --no-defaults --datadir="$(node_dir 1)/data" "${as_root[@]}" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$OS_USER" \
      --skip-test-db >"$(node_dir 1)/install-db.log" 2>&1 \
      || die "mariadb-install-db failed; see $(node_dir 1)/install-db.log"
    seed_cluster
  fi
  first=$(pick_bootstrap_node)
  # After a crash the bootstrap node, too, must start from its recovered position: without it,
  # it would start a new history and every joiner would need a full SST.
  local pos; pos=$(recover_position "$first")
  log "node $first: bootstrapping (--wsrep-new-cluster)${pos:+ from position $pos}"
  launch "$first" --wsrep-new-cluster ${pos:+"--wsrep_start_position=$pos"}
  wait_synced "$first" 1
  # Joiners one at a time: a donor serves one state transfer at a time anyway.
  for i in $(seq $NODES); do
    ((i == first)) && continue
    join_node "$i"
    wait_synced "$i" 1
  done
  for i in $(seq $NODES); do wait_synced "$i"; done
  create_schema
  log "cluster of $NODES synced in $(( ($(now_ms) - t0) ))ms"
  print_env
}

cmd_status() {
  local i up=0 state size
  for i in $(seq $NODES); do
    if running "$i"; then
      up=$((up + 1))
      state=$(wsrep_status "$i" wsrep_local_state_comment)
      size=$(wsrep_status "$i" wsrep_cluster_size)
      echo "node $i: pid $(pid_of "$i"), sql 127.0.0.1:$(sql_port "$i"), state ${state:-no answer}, cluster size ${size:-?}"
    else
      echo "node $i: down"
    fi
  done
  print_env
  ((up > 0))
}

cmd_kill() {
  running "$NODE" || die "node $NODE is not running"
  signal_node "$NODE" KILL 10
  log "node $NODE: killed (SIGKILL)"
}

cmd_restart() {
  [[ -f $ENV_FILE ]] || die "no cluster in $DIR"
  if running "$NODE"; then signal_node "$NODE" TERM 60; fi
  local others=0 i
  for i in $(seq $NODES); do ((i != NODE)) && running "$i" && others=$((others + 1)); done
  ((others > 0)) || die "no other node is running: use 'start' to bootstrap the cluster"
  local t0 offset; t0=$(now_ms)
  offset=$(($(stat -c %s "$(node_dir "$NODE")/error.log" 2>/dev/null || echo 0) + 1))
  join_node "$NODE"
  wait_synced "$NODE" $((others + 1))
  log "node $NODE: rejoined in $(($(now_ms) - t0))ms by $(transfer_kind "$NODE" "$offset")"
  print_env
}

cmd_stop() {
  local i
  # Reverse order: the last node to leave (node 1 normally) is marked safe_to_bootstrap.
  for i in $(seq $NODES -1 1); do
    if running "$i"; then signal_node "$i" TERM 60; log "node $i: stopped"; fi
  done
}

case $CMD in
  start) cmd_start ;;
  status) [[ -f $ENV_FILE ]] || die "no cluster in $DIR"; cmd_status ;;
  env) [[ -f $ENV_FILE ]] || die "no cluster in $DIR"; print_env ;;
  kill) cmd_kill ;;
  restart) cmd_restart ;;
  stop) cmd_stop ;;
  *) usage ;;
esac
