#!/bin/bash
# tools/bazel, as /usr/bin/bazel runs it (BAZEL_REAL naming a binary that does not exist, as it
# does for a .bazelversion that Debian's install lacks under that name), starts the installed
# Bazel for the pinned version and refuses a pin it cannot satisfy.
#
#   bazel_launcher_test.sh <tools/bazel> <.bazelversion>
set -euo pipefail

readonly LAUNCHER="$1"
readonly PIN="$2"
readonly DIR="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

[[ $(cat "$PIN") =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail ".bazelversion is not a version: $(cat "$PIN")"

# The launcher reads ../.bazelversion from where it lies: lay out a workspace per case.
make_workspace() {  # make_workspace NAME VERSION
  mkdir -p "$DIR/$1/tools"
  cp "$LAUNCHER" "$DIR/$1/tools/bazel"
  echo "$2" >"$DIR/$1/.bazelversion"
}

make_workspace pinned "$(cat "$PIN")"
out=$(BAZEL_REAL=/nonexistent/bazel-x "$DIR/pinned/tools/bazel" --version 2>&1) ||
  fail "the pinned version did not start: $out"
# (Bazel first notes, under a test, that $TEST_TMPDIR moves its output root.)
grep -q '^bazel ' <<<"$out" || fail "unexpected --version output: $out"

make_workspace other 0.0.1
if out=$(BAZEL_REAL=/nonexistent/bazel-x "$DIR/other/tools/bazel" --version 2>&1); then
  fail "a pin of 0.0.1 ran: $out"
fi
[[ $out == *"needs Bazel 0.0.1"* ]] || fail "no advice for a missing version: $out"

exit $((failures > 0))
