#!/usr/bin/env bash
# The rules the tools keep (CI's "style" stage): bash tools/style/check.sh
# Runs every check even after one fails, prints each one's result and time, and exits 1 if any
# failed. Seconds in all: two `bazel query` runs, no build.
set -uo pipefail
cd "$(dirname "$0")/../.."

status=0
report=()
check() {
  local name=$1; shift
  local start=$SECONDS
  echo "--- $name: $*"
  "$@"
  local rc=$?
  ((rc == 0)) || status=1
  report+=("$(printf '%-22s %s  %3ds' "$name" "$( ((rc == 0)) && echo PASS || echo FAIL)" \
    $((SECONDS - start)))")
}

check "clang-format" tools/style/check_format.sh
check "400 lines per file" tools/style/check_lines.sh
check "no absl::Mutex" tools/style/check_sync.sh
check "declared includes" python3 tools/style/check_includes.py
check "visibility" python3 tools/update_visibility.py --check

echo "--- style checks"
printf '%s\n' "${report[@]}"
exit "$status"
