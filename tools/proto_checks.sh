#!/usr/bin/env bash
# Checks the protos under api/ with buf: `buf lint` (api/buf.yaml), and `buf breaking` of the
# API as it stands against the API before its latest change, which enforces auth.proto's rule
# that fields are only ever added.
#
#   tools/proto_checks.sh            # against the parent of the last commit that changed a
#                                    # .proto under api/ (not one that changed only a BUILD file)
#   tools/proto_checks.sh GIT_REF    # against api/ at GIT_REF
#
# buf comes from npm (@bufbuild/buf, pinned by tools/proto_checks/package-lock.json), installed
# with `npm ci` once per lock file into ${XDG_CACHE_HOME:-~/.cache}/auth-service/.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=tools/proto_checks/package-lock.json
cache=${XDG_CACHE_HOME:-$HOME/.cache}/auth-service/proto-checks-$(sha256sum "$lock" | cut -c1-16)
buf=$cache/node_modules/.bin/buf
if [[ ! -x $buf ]]; then
  echo "proto_checks: installing buf into $cache"
  rm -rf "$cache.partial"
  mkdir -p "$cache.partial"
  cp tools/proto_checks/package.json "$lock" "$cache.partial/"
  # buf's postinstall only re-links the platform binary that npm already put in place.
  (cd "$cache.partial" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  rm -rf "$cache"
  mv "$cache.partial" "$cache"
fi
echo "proto_checks: buf $("$buf" --version)"

"$buf" lint api
echo "proto_checks: buf lint: ok"

if (($# >= 1)); then
  against=$1
else
  last_change=$(git log -1 --format=%H -- ':(glob)api/**/*.proto')
  against=$(git rev-parse --verify --quiet "${last_change}^" || true)
fi
if [[ -z $against ]]; then
  echo "proto_checks: no earlier api/ in git history; buf breaking skipped"
  exit 0
fi
# The old tree is exported rather than read through buf's git input, which needs .git to be a
# directory (it is a file in a git worktree).
old=$(mktemp -d)
trap 'rm -rf "$old"' EXIT
git archive "$against" api | tar -x -C "$old"
"$buf" breaking api --against "$old/api"
echo "proto_checks: buf breaking against $(git rev-parse --short "$against"): ok"
