#!/usr/bin/env bash
# Fails (exit 1) when a source file is over 400 lines, tests included: tools/style/check_lines.sh
# A file that long does more than one thing; split it rather than raise the limit.
set -uo pipefail
cd "$(dirname "$0")/../.."
MAX_LINES=400
files=$(tools/style/files.sh h cc py sh js ts)
long=$(xargs -r wc -l <<<"$files" | awk -v max="$MAX_LINES" '$2 != "total" && $1 > max')
if [[ -z $long ]]; then
  echo "check_lines: $(wc -l <<<"$files") files, none over $MAX_LINES lines"
  exit 0
fi
awk -v max="$MAX_LINES" '{print $2 ": " $1 " lines (at most " max ")"}' <<<"$long"
echo "check_lines: $(wc -l <<<"$long") files over $MAX_LINES lines"
exit 1
