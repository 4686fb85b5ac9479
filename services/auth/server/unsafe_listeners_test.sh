#!/bin/bash
# auth_server refuses an unsafe HTTP front while it validates its flags, before it touches the
# database or anything else, with a message naming the flags: --http_listen beside
# --tls_client_ca (the front asks no client certificate), and a non-loopback --http_listen
# without TLS. The --http_allow_* flags let each through (then the missing database stops it).
#
#   unsafe_listeners_test.sh <auth_server>
set -uo pipefail

readonly SERVER="$1"
readonly NO_DATABASE=--mysql_endpoint=tcp://127.0.0.1:1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Runs the server with "$@"; expects it to exit non-zero with "$EXPECT" in its output and,
# unless EXPECT is the database's error, without having reached the database.
expect_refusal() {
  local out
  out=$(timeout 30 "$SERVER" "$NO_DATABASE" --minloglevel=2 "$@" 2>&1) && { fail "started: $*"; return; }
  grep -qF -- "$EXPECT" <<<"$out" || fail "$* -> no '$EXPECT' in: $out"
  if [[ $EXPECT != "cannot prepare the database" ]] && grep -q "cannot prepare the database" <<<"$out"; then
    fail "$* -> reached the database before refusing: $out"
  fi
}

EXPECT=--http_allow_plaintext expect_refusal --http_listen=0.0.0.0:0
EXPECT=--http_allow_plaintext expect_refusal --http_listen=[::]:0
EXPECT=--http_allow_without_client_cert expect_refusal --http_listen=127.0.0.1:0 \
  --tls_cert=cert.pem --tls_key=key.pem --tls_client_ca=ca.pem
# Let through by the flags that say a proxy takes care of it: the database is what stops them.
EXPECT="cannot prepare the database" expect_refusal --http_listen=0.0.0.0:0 --http_allow_plaintext
EXPECT="cannot prepare the database" expect_refusal --http_listen=127.0.0.1:0

exit $((failures > 0))
