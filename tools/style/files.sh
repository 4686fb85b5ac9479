#!/usr/bin/env bash
# Lists the tracked source files the style checks cover, one per line: tools/style/files.sh [EXT...]
# (extensions without the dot; default h cc). Only files under api/ libs/ services/ tools/ that
# git tracks, so node_modules, bazel-* and generated code (never checked in) are left out;
# third_party is not ours to restyle.
set -euo pipefail
cd "$(dirname "$0")/../.."
(($# > 0)) || set -- h cc
patterns=()
for ext in "$@"; do
  for dir in api libs services tools; do patterns+=("$dir/*.$ext"); done
done
git ls-files -- "${patterns[@]}" | grep -v '/node_modules/' || true
