#!/bin/bash
# Each binary given prints "<its name> <version>" for --version, exits 0, and all print the same
# version.
#
#   version_test.sh BINARY...
set -uo pipefail

failures=0
versions=()
for binary in "$@"; do
  name=$(basename "$binary")
  out=$("$binary" --version 2>&1)
  code=$?
  if [[ $code != 0 ]]; then
    echo "FAIL: $name --version exited $code: $out"; failures=$((failures + 1)); continue
  fi
  if [[ ! $out =~ ^$name\ ([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then
    echo "FAIL: $name --version printed: $out"; failures=$((failures + 1)); continue
  fi
  versions+=("${BASH_REMATCH[1]}")
  echo "ok: $out"
done
if (($# == 0)); then echo "FAIL: no binaries given"; exit 1; fi
if [[ $(printf '%s\n' "${versions[@]}" | sort -u | wc -l) -gt 1 ]]; then
  echo "FAIL: the binaries disagree: ${versions[*]}"; failures=$((failures + 1))
fi
exit $((failures > 0))
