#!/bin/bash
# The run_local binary as `bazel run` starts it (from its runfiles tree, with
# BUILD_WORKSPACE_DIRECTORY set) finds the workspace it was run from: its --help says which,
# without starting anything.
#
#   run_local_test.sh <run_local>
set -euo pipefail

readonly RUN_LOCAL="$1"
readonly WORKSPACE="${TEST_TMPDIR:-$(mktemp -d)}/workspace"
mkdir -p "$WORKSPACE"

out=$(BUILD_WORKSPACE_DIRECTORY="$WORKSPACE" "$RUN_LOCAL" --help)
grep -qxF "workspace: $WORKSPACE" <<<"$out" || { echo "FAIL: wrong workspace in: $out"; exit 1; }
grep -qF "bazel run //tools:run_local" <<<"$out" || { echo "FAIL: no usage in: $out"; exit 1; }
echo "PASS"
