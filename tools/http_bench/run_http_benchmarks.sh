#!/usr/bin/env bash
# The HTTP front's figures in BENCHMARKS.md ("The HTTP front"), in one run: ValidateToken and
# Login over gRPC (tools/loadgen) and over Connect JSON with HTTP/1.1 keep-alive (wrk), then
# GET /healthz on the front (Boost.Beast) and on civetweb (tools/http_bench:civetweb_healthz).
#
#   tools/bazel build -c opt //services/auth:auth_server //tools/loadgen:loadgen \
#       //tools/http_bench:civetweb_healthz
#   MYSQL_SOCKET=/tmp/auth-local-0/mysqld.sock MYSQL_PASSWORD_FILE=~/.local/share/auth-service/mysql-password \
#       tools/http_bench/run_http_benchmarks.sh
#
# Needs a MariaDB with the `auth` database and user (tools/run_local.sh makes one), wrk and curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${MYSQL_SOCKET:?the MariaDB socket}" "${MYSQL_PASSWORD_FILE:?the auth user password file}"
DURATION=${DURATION:-10s}
BIN=bazel-bin
OUT=$(mktemp -d /tmp/httpbench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT

$BIN/services/auth/auth_server --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
  --mysql_endpoint="unix://$MYSQL_SOCKET" --mysql_password_file="$MYSQL_PASSWORD_FILE" \
  --registrations_per_address=0 --login_failures_per_address=0 --audit_log= --minloglevel=1 \
  >"$OUT/server.out" 2>"$OUT/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "http on port" "$OUT/server.out" 2>/dev/null && break; sleep 0.1; done
GRPC_PORT=$(sed -n 's/.*listening on port \([0-9]*\)/\1/p' "$OUT/server.out")
HTTP_PORT=$(sed -n 's/.*http on port \([0-9]*\)/\1/p' "$OUT/server.out")
H=http://127.0.0.1:$HTTP_PORT/auth.v1.AuthService
echo "auth_server pid $SERVER_PID: gRPC $GRPC_PORT, HTTP $HTTP_PORT; load $(cut -d' ' -f1-3 /proc/loadavg)"

# 128 accounts for the Login runs (registered once; ALREADY_EXISTS on a second run is fine).
for i in $(seq 0 127); do
  curl -sS -o /dev/null -H 'Content-Type: application/json' -d \
    "{\"username\":\"httpbench$i\",\"email\":\"httpbench$i@example.com\",\"passwordHash\":\"httpbench-digest-0123\"}" \
    "$H/Register"
done
LOGIN_JSON='{"email":"httpbench0@example.com","passwordHash":"httpbench-digest-0123"}'
TOKEN=$(curl -sS -H 'Content-Type: application/json' -d "$LOGIN_JSON" "$H/Login" |
  sed -n 's/.*"jwtToken":"\([^"]*\)".*/\1/p')

# The server's CPU time in ms (utime + stime), to report CPU per call of the wrk runs.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
# Runs wrk ($@) and prints the server's CPU per completed request.
wrk_with_cpu() {
  local before after
  before=$(cpu_ms "$SERVER_PID")
  wrk "$@" | tee "$OUT/wrk.txt"
  after=$(cpu_ms "$SERVER_PID")
  awk -v b="$before" -v a="$after" '/requests in/ {printf "server CPU per request: %.3f ms\n", (a - b) / $1}' \
    "$OUT/wrk.txt"
}

loadgen() {
  $BIN/tools/loadgen/loadgen --target="127.0.0.1:$GRPC_PORT" --scenario="$1" \
    --duration="$DURATION" --server_pid="$SERVER_PID" --label="grpc-$1" | tail -1
}
wrk_post() {  # $1 method, $2 JSON body
  BODY=$2 wrk_with_cpu -t2 -c64 -d"$DURATION" -s tools/http_bench/post_json.lua "$H/$1"
}

echo "== gRPC ValidateToken (loadgen: 64 calls in flight on 4 HTTP/2 connections)"; loadgen validate
echo "== Connect JSON ValidateToken (wrk: 64 keep-alive HTTP/1.1 connections)"
wrk_post ValidateToken "{\"token\":\"$TOKEN\"}"
echo "== gRPC Login"; loadgen login
echo "== Connect JSON Login (128 accounts, round robin)"
wrk_with_cpu -t2 -c64 -d"$DURATION" --timeout 10s -s tools/http_bench/login_round_robin.lua \
  "$H/Login"
echo "== GET /healthz, Boost.Beast (the front)"
wrk_with_cpu -t2 -c64 -d"$DURATION" "http://127.0.0.1:$HTTP_PORT/healthz"
kill "$SERVER_PID"; wait "$SERVER_PID" || true
echo "== GET /healthz, civetweb (a thread per connection, as it works: 64)"
$BIN/tools/http_bench/civetweb_healthz 127.0.0.1:18099 64 >"$OUT/civetweb.out" &
SERVER_PID=$!
sleep 0.5
wrk_with_cpu -t2 -c64 -d"$DURATION" http://127.0.0.1:18099/healthz
echo "load $(cut -d' ' -f1-3 /proc/loadavg); logs in $OUT"
