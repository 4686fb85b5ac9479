#!/usr/bin/env bash
# Fails (exit 1) when a C++ file is not as .clang-format says: tools/style/check_format.sh
# tools/style/format.sh fixes what it reports.
set -uo pipefail
cd "$(dirname "$0")/../.."
# Batches of 50 files: few processes, and a command line far below the kernel's limit.
errors=$(tools/style/files.sh h cc | xargs -r -n 50 clang-format --dry-run --Werror 2>&1 |
  grep -E '^[^ ]+:[0-9]+:[0-9]+: error:')
if [[ -z $errors ]]; then
  echo "check_format: $(tools/style/files.sh h cc | wc -l) files formatted"
  exit 0
fi
# The first complaint per file: enough to find it, short enough to read in a CI log.
sort -u -t: -k1,1 <<<"$errors"
echo "check_format: $(cut -d: -f1 <<<"$errors" | sort -u | wc -l) files not formatted;" \
  "run tools/style/format.sh"
exit 1
