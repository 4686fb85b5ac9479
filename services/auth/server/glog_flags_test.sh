#!/bin/bash
# auth_server accepts glog's flags (--v, --minloglevel, --log_dir), and they take effect: a
# start-up error is logged to a file in --log_dir, and not at all with --minloglevel=3 (FATAL).
#
#   glog_flags_test.sh <auth_server>
set -uo pipefail

readonly SERVER="$1"
readonly DIR="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

out=$("$SERVER" --v=1 --minloglevel=0 --log_dir="$DIR" --version 2>&1) ||
  fail "auth_server --v=1 --minloglevel=0 --log_dir=... --version failed: $out"

# No database there: a start-up error, logged (LOG(ERROR)) before the exit.
mkdir -p "$DIR/logs" "$DIR/quiet"
out=$("$SERVER" --log_dir="$DIR/logs" --v=2 --mysql_endpoint=tcp://127.0.0.1:1 2>&1) && fail "started: $out"
grep -qs "cannot prepare the database" "$DIR"/logs/auth_server.*ERROR* ||
  fail "no error logged in --log_dir: $(ls -l "$DIR/logs"; cat "$DIR"/logs/* 2>/dev/null)"

out=$("$SERVER" --log_dir="$DIR/quiet" --minloglevel=3 --mysql_endpoint=tcp://127.0.0.1:1 2>&1) &&
  fail "started: $out"
grep -qs "cannot prepare the database" "$DIR"/quiet/* && fail "--minloglevel=3 still logged the error"
grep -q "cannot prepare the database" <<<"$out" || fail "the error did not reach stderr: $out"

exit $((failures > 0))
