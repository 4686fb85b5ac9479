#!/usr/bin/env bash
# Builds every cc_fuzzer target (tag "fuzzer") with --config=fuzz (clang, libFuzzer, ASan+UBSan)
# and runs each for SECONDS (default 45) on a copy of its seed corpus, so the repository is
# never modified. Prints, per target, executions, new coverage units and crashes; exits non-zero
# if any target crashed, leaked, timed out, ran out of memory or tripped a sanitizer.
#
#   tools/fuzz/run_fuzzers.sh [SECONDS] [TARGET_PATTERN...]
#   tools/fuzz/run_fuzzers.sh 10 //libs/hashing/fuzz:phc_string_fuzzer
#
# Findings (crash-*, leak-*, timeout-*, oom-* inputs) and each target's log are kept in
# $FUZZ_OUT (default: a new directory under /tmp), named in the summary. Reproduce one with
# `bazel-bin/<pkg>/<target> <file>` after `bazel build --config=fuzz <target>`, or under gcc with
# the plain build, which replays files instead of fuzzing.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-45}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi

BAZEL_FLAGS=(--config=fuzz --color=no --curses=no)
# Per-input limits: a slow input is a finding (denial of service), as is a hungry one.
TIMEOUT_SECONDS=${FUZZ_TIMEOUT_SECONDS:-10}
RSS_LIMIT_MB=${FUZZ_RSS_LIMIT_MB:-2048}
MAX_LEN=${FUZZ_MAX_LEN:-8192}

if (($# > 0)); then
  targets=("$@")
else
  mapfile -t targets < <(bazel query --color=no --curses=no 'attr(tags, "\bfuzzer\b", //...)' 2>/dev/null)
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no cc_fuzzer targets found" >&2
  exit 1
fi

echo "fuzz: building ${#targets[@]} targets with --config=fuzz"
if ! bazel build "${BAZEL_FLAGS[@]}" "${targets[@]}"; then
  echo "fuzz: build failed" >&2
  exit 1
fi
# The output tree of this configuration (bazel-bin may point at another one by now).
bin=$(bazel info "${BAZEL_FLAGS[@]}" bazel-bin 2>/dev/null) || exit 1

out=${FUZZ_OUT:-$(mktemp -d /tmp/fuzz.XXXXXX)}
mkdir -p "$out"
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1:allocator_may_return_null=0:${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}

# Reads one libFuzzer statistic (-print_final_stats=1) from a log.
fuzzer_stat() { grep -oE "^stat::$1: *[0-9]+" "$2" | tail -1 | grep -oE '[0-9]+$' || echo 0; }

failed=0
summary=()
for target in "${targets[@]}"; do
  package=${target#//}
  package=${package%%:*}
  name=${target##*:}
  work="$out/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/findings"
  if [[ -d $package/corpus/$name ]]; then
    cp -R "$package/corpus/$name/." "$work/corpus/"
  fi
  seeds=$(find "$work/corpus" -type f | wc -l)
  log="$work/fuzz.log"
  echo "=== fuzz: $target for ${seconds}s from $seeds seeds"
  "$bin/$package/$name" \
    -max_total_time="$seconds" -timeout="$TIMEOUT_SECONDS" -rss_limit_mb="$RSS_LIMIT_MB" \
    -max_len="$MAX_LEN" -print_final_stats=1 -artifact_prefix="$work/findings/" \
    "$work/corpus" >"$log" 2>&1
  status=$?
  executions=$(fuzzer_stat number_of_executed_units "$log")
  new_units=$(fuzzer_stat new_units_added "$log")
  findings=$(find "$work/findings" -type f | wc -l)
  # libFuzzer stops at the first finding; a sanitizer report without an artifact counts too.
  if ((status != 0)) || ((findings > 0)) ||
    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:' "$log"; then
    ((findings == 0)) && findings=1
    failed=1
    echo "fuzz: $target FAILED (exit $status); log $log, findings in $work/findings/"
    grep -E -A25 'ERROR: |runtime error:|deadly signal|ALARM' "$log" | head -60
  fi
  summary+=("$(printf '%-46s %10s executions  %6s new units  %3s crashes' \
    "$target" "$executions" "$new_units" "$findings")")
done

echo
echo "=== fuzz summary (${seconds}s per target; logs in $out)"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "fuzz: FAILED"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran clean"
