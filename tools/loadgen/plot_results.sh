#!/usr/bin/env bash
# Draws run_benchmarks.sh's results as one chart (PNG, drawn by gnuplot's cairo terminal): for
# each measured scenario, its share of its floor (left) and its p50 / p99 latency (right, log
# scale).
#   tools/loadgen/plot_results.sh RESULTS.jsonl OUT.png
# Floors, as BENCHMARKS.md defines them, from the same file: the hashing floor (hash_floor's
# floor_qps) for register, login and open_loop, ÷ 0.9 for mixed (10% of its calls do not
# hash); the framework floor (the empty scenario's QPS) for validate, logout and the cheap-hash
# rows (with the hash taken out, what is left is RPC and database work). A row whose floor was
# not measured in the file is drawn with its latency only. Needs jq and gnuplot (gnuplot-nox).
set -euo pipefail
if (($# != 2)); then echo "usage: $0 RESULTS.jsonl OUT.png" >&2; exit 2; fi
results=$1 out=$2
for tool in jq gnuplot; do
  command -v "$tool" >/dev/null || { echo "$0: needs $tool" >&2; exit 2; }
done
data=$(mktemp /tmp/plot.XXXXXX)
trap 'rm -f "$data"' EXIT

# label, share of floor in % (or NaN), p50 ms, p99 ms: one line per measured run.
jq -rs '
  (map(select(.scenario == "hash_floor")) | last | .floor_qps // null) as $hash
  | (map(select(.scenario == "empty" and .qps != null)) | last | .qps // null) as $empty
  | map(select(.qps != null and .scenario != "empty" and (.label // "") != "flood"))
  | .[]
  | (.label // .scenario) as $run_name
  | (if ($run_name | test("cheap_hash")) or .scenario == "validate" or .scenario == "logout"
       then $empty
     elif .scenario == "mixed" then (if $hash then $hash / 0.9 else null end)
     else $hash end) as $floor
  | [$run_name, (if $floor then (100 * .qps / $floor) else "NaN" end),
     .latency_ms.p50, .latency_ms.p99]
  | @tsv' "$results" >"$data"
if [[ ! -s $data ]]; then echo "$0: no measured run in $results" >&2; exit 1; fi

gnuplot <<GNUPLOT
set terminal pngcairo size 1100,480 noenhanced font "sans,10" background "white"
set output "$out"
set datafile separator "\t"
set datafile missing "NaN"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by 30 right scale 0 nomirror
set bmargin 9
set grid ytics
set key top left
set multiplot layout 1,2 title "auth_server benchmarks ($(basename "$(dirname "$results")"))"
set title "share of the scenario's floor"
set ylabel "% of floor"
set yrange [0:*]
plot "$data" using 2:xtic(1) title "QPS / floor" linecolor rgb "#4477aa"
set title "latency of the successful calls"
set ylabel "ms (log scale)"
set logscale y
set yrange [*:*]
plot "$data" using 3:xtic(1) title "p50" linecolor rgb "#66ccee", \
     "" using 4 title "p99" linecolor rgb "#ee6677"
unset multiplot
GNUPLOT
echo "$out"
