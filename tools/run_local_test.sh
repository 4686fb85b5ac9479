#!/bin/bash
# tools/run_local.sh without its MariaDB and auth_server (which need set-up and a build):
# - the run_local binary as `bazel run` starts it (from its runfiles tree, with
#   BUILD_WORKSPACE_DIRECTORY set) finds the workspace it was run from: its --help says which;
# - its mail server (tools/local_mail_server.sh) starts, and a mail sent through it over SMTP
#   lands in the Maildir: a new Maildir, one kept from an earlier run, and a folder made by hand
#   without tmp/ new/ cur/; a taken address is refused with a message; the extra flags decide
#   whether it is wanted (--smtp_url points the server elsewhere).
#
#   run_local_test.sh <run_local> <local_mail_server.sh>
set -euo pipefail

readonly RUN_LOCAL="$1"
readonly TMP="${TEST_TMPDIR:-$(mktemp -d)}"
readonly WORKSPACE="$TMP/workspace"
mkdir -p "$WORKSPACE"
fail() { echo "FAIL: $*"; exit 1; }

out=$(BUILD_WORKSPACE_DIRECTORY="$WORKSPACE" "$RUN_LOCAL" --help)
grep -qxF "workspace: $WORKSPACE" <<<"$out" || fail "wrong workspace in: $out"
grep -qF "bazel run //tools:run_local" <<<"$out" || fail "no usage in: $out"
grep -qF "AUTH_SMTP_LISTEN" <<<"$out" || fail "the mail server is not in the usage: $out"

# shellcheck source=tools/local_mail_server.sh
source "$2"

local_mail_wanted || fail "no flags: a local mail server is wanted"
local_mail_wanted --http_listen=127.0.0.1:8081 --smtp_from=a@b.c || fail "other flags: wanted"
local_mail_wanted --smtp_url=smtp://mail.example.com:587 && fail "--smtp_url=...: not wanted"
local_mail_wanted --listen=127.0.0.1:1 --smtp_url smtp://mail.example.com && fail "--smtp_url X"

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LISTEN=127.0.0.1:$PORT
LOG=$TMP/mail-server.log
trap '[[ -n ${LOCAL_MAIL_PID:-} ]] && kill "$LOCAL_MAIL_PID" 2>/dev/null; true' EXIT

# stop_local_mail_server under set -e, as run_local.sh's clean-up runs it: it must return 0
# (a `wait` for the killed server alone would be 143) and the server must be gone.
stop_server() {
  local pid=$LOCAL_MAIL_PID
  stop_local_mail_server
  kill -0 "$pid" 2>/dev/null && fail "the mail server still runs after stop_local_mail_server"
  [[ -z $LOCAL_MAIL_PID ]] || fail "LOCAL_MAIL_PID still set"
}

# send_mail N: one mail whose subject is "Mail N", through the server, as libcurl sends it.
send_mail() {
  printf 'From: auth@localhost\r\nTo: alice@example.com\r\nSubject: Mail %s\r\n\r\n%s\r\n' \
    "$1" "http://localhost:8080/reset-password#token=$1" >"$TMP/mail.eml"
  curl -sS --max-time 10 "smtp://$LISTEN" --mail-from auth@localhost \
    --mail-rcpt alice@example.com -T "$TMP/mail.eml" || fail "SMTP refused mail $1"
}

# expect_mails MAILDIR N: new/ holds N mails (within 5 s), the last one "Mail N".
expect_mails() {
  local count=0
  for _ in $(seq 50); do
    count=$(find "$1/new" -type f | wc -l)
    ((count >= $2)) && break
    sleep 0.1
  done
  ((count == $2)) || fail "$1/new has $count mails, not $2"
  grep -rlqx "Subject: Mail $2" "$1/new" || fail "no 'Mail $2' in $1/new"
}

# A Maildir that does not exist yet.
MAILDIR=$TMP/state/mail
mkdir -p "$TMP/state"
start_local_mail_server "$MAILDIR" "$LISTEN" "$LOG" || fail "did not start: $(cat "$LOG")"
send_mail 1
expect_mails "$MAILDIR" 1

# The address is taken (by the running server): refused, with a message saying so.
if err=$(start_local_mail_server "$TMP/other" "$LISTEN" "$LOG" 2>&1); then
  fail "started a second server on a taken address"
fi
grep -qF "already listens on $LISTEN" <<<"$err" || fail "unclear message: $err"

# The next run: the Maildir kept from the first, its mail still there.
stop_server
start_local_mail_server "$MAILDIR" "$LISTEN" "$LOG" || fail "no restart: $(cat "$LOG")"
send_mail 2
expect_mails "$MAILDIR" 2
stop_server

# A folder that exists without tmp/ new/ cur/ (aiosmtpd alone would fail every delivery).
mkdir "$TMP/by-hand"
start_local_mail_server "$TMP/by-hand" "$LISTEN" "$LOG" || fail "by hand: $(cat "$LOG")"
send_mail 1
expect_mails "$TMP/by-hand" 1
stop_server

echo "PASS"
