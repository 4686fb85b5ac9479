#!/usr/bin/env bash
# Formats every C++ file the style check covers, in place, as .clang-format says:
# tools/style/format.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/style/files.sh h cc | xargs -r -n 50 clang-format -i
