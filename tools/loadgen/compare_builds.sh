#!/usr/bin/env bash
# Compares two checkouts of this repository on the same machine, alternating between them so
# that both see the same background load:
#   tools/loadgen/compare_builds.sh OLD_CHECKOUT NEW_CHECKOUT [ROUNDS]
#   LOADGEN_ONLY="login" tools/loadgen/compare_builds.sh /work/wt-old . 5
# Each round runs `tools/loadgen/run_benchmarks.sh` (full mode, -c opt) in OLD, then in NEW, with
# LOADGEN_ONLY (default "hash_floor login validate"), and prints one line per run. On a shared
# machine single runs vary by ±20%; compare the paired differences over several rounds.
set -euo pipefail
if (($# < 2)); then echo "usage: $0 OLD_CHECKOUT NEW_CHECKOUT [ROUNDS]" >&2; exit 2; fi
old=$(cd "$1" && pwd) new=$(cd "$2" && pwd) rounds=${3:-2}
command -v jq >/dev/null || { echo "$0: needs jq" >&2; exit 2; }
out=$(mktemp -d /tmp/compare.XXXXXX)
for ((round = 1; round <= rounds; round++)); do
  for side in old new; do
    dir=$old; [[ $side == new ]] && dir=$new
    run=$out/$side-$round
    mkdir -p "$run"
    (cd "$dir" && LOADGEN_OUT=$run LOADGEN_ONLY="${LOADGEN_ONLY:-hash_floor login validate}" \
      QUIET_TIMEOUT=${QUIET_TIMEOUT:-60} bash tools/loadgen/run_benchmarks.sh >"$run/log" 2>&1)
    echo "$side $round ($(git -C "$dir" rev-parse --short HEAD)): $(jq -r 'select(.qps != null or .floor_qps != null) | "\(.scenario)=\(.qps // .floor_qps)\(if .latency_ms then " p99=\(.latency_ms.p99)" else "" end)"' "$run/results.jsonl" | tr '\n' ' ')"
  done
done
echo "results: $out"
