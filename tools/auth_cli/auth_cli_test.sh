#!/bin/bash
# End-to-end test of the auth_cli binary against fake_auth_server: output format, exit codes,
# the token files (mode 0600; rotated by refresh, used by validate and logout, removed by logout)
# and that no password is taken from argv; and `mail`, which reads a Maildir written here.
#
#   auth_cli_test.sh <auth_cli> <fake_auth_server>
set -euo pipefail

readonly CLI="$1"
readonly SERVER="$2"
readonly DIR="${TEST_TMPDIR:-$(mktemp -d)}"
readonly PASSWORD="correct horse battery staple"
readonly TOKEN="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl"
readonly REFRESH_TOKEN="ZmFrZS1yZWZyZXNoLXRva2VuLW9uZQ"
readonly ROTATED_TOKEN="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI3In0.cm90YXRlZA"
readonly NEXT_REFRESH_TOKEN="ZmFrZS1yZWZyZXNoLXRva2VuLXR3bw"

"$SERVER" --port_file="$DIR/port" &
readonly SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ -s "$DIR/port" ]] && break
  sleep 0.1
done
[[ -s "$DIR/port" ]] || { echo "fake_auth_server did not start"; exit 1; }
readonly TARGET="127.0.0.1:$(cat "$DIR/port")"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run EXPECTED_EXIT cmd...: runs the command with stdin from $DIR/stdin, keeps its output in
# $DIR/out and $DIR/err, and checks its exit code.
run() {
  local expected="$1"
  shift
  local code=0
  "$@" <"$DIR/stdin" >"$DIR/out" 2>"$DIR/err" || code=$?
  if [[ "$code" != "$expected" ]]; then
    fail "exit $code, want $expected: $*"
    sed 's/^/  stdout: /' "$DIR/out"
    sed 's/^/  stderr: /' "$DIR/err"
  fi
}
expect_line() {  # expect_line FILE LINE
  grep -qxF -- "$2" "$DIR/$1" || fail "no line '$2' in $1: $(cat "$DIR/$1")"
}

: >"$DIR/stdin"
readonly TOKEN_FILE="$DIR/token"

# register: password from the environment.
AUTH_PASSWORD="$PASSWORD" run 0 "$CLI" register --target="$TARGET" --username=alice \
  --email=alice@example.com --phone=+15551234567
expect_line out "message: User registered successfully"
expect_line out "status: 201"

# login: password from stdin (not a terminal, so no prompt is needed).
echo "$PASSWORD" >"$DIR/stdin"
run 0 "$CLI" login --target="$TARGET" --email=alice@example.com --token_file="$TOKEN_FILE"
expect_line out "user_id: 7"
expect_line out "jwt_token: $TOKEN"
expect_line out "set-cookie: user_id=7; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600"
expect_line out \
  "set-cookie: jwt-token=$TOKEN; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600"
expect_line out "token_file: $TOKEN_FILE"
[[ "$(stat -c %a "$TOKEN_FILE")" == 600 ]] || fail "token file mode $(stat -c %a "$TOKEN_FILE")"
[[ "$(cat "$TOKEN_FILE")" == "$TOKEN" ]] || fail "token file holds the wrong token"
expect_line out "expires_at_unix_seconds: 1900000000"
expect_line out "refresh_token_file: $TOKEN_FILE.refresh"
[[ "$(stat -c %a "$TOKEN_FILE.refresh")" == 600 ]] || fail "refresh token file mode"
[[ "$(cat "$TOKEN_FILE.refresh")" == "$REFRESH_TOKEN" ]] || fail "wrong refresh token saved"
grep -q "$REFRESH_TOKEN" "$DIR/out" && fail "login printed the refresh token"

# validate: the saved token, or --token.
run 0 "$CLI" validate --target="$TARGET" --token_file="$TOKEN_FILE"
expect_line out "user_id: 7"
expect_line out "session_id: fake-session"
expect_line out "expires_at_unix_seconds: 1900000000"
run 1 "$CLI" validate --target="$TARGET" --token=some.other.token
expect_line err "error_code: UNAUTHENTICATED"
run 2 "$CLI" validate --target="$TARGET" --token_file="$TOKEN_FILE" --user_id=7

# jwks prints the document on one line.
run 0 "$CLI" jwks --target="$TARGET"
expect_line out 'jwks_json: {"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"fake","alg":"EdDSA"}]}'

# refresh rotates both saved tokens; the spent refresh token is gone, so a second refresh
# presents the new one (which this fake does not know).
run 0 "$CLI" refresh --target="$TARGET" --token_file="$TOKEN_FILE"
expect_line out "user_id: 7"
expect_line out "jwt_token: $ROTATED_TOKEN"
expect_line out "token_file: $TOKEN_FILE"
expect_line out "refresh_token_file: $TOKEN_FILE.refresh"
[[ "$(cat "$TOKEN_FILE")" == "$ROTATED_TOKEN" ]] || fail "refresh did not save the new token"
[[ "$(cat "$TOKEN_FILE.refresh")" == "$NEXT_REFRESH_TOKEN" ]] || fail "refresh token not rotated"
run 1 "$CLI" refresh --target="$TARGET" --token_file="$TOKEN_FILE"
expect_line err "error_code: UNAUTHENTICATED"
run 0 "$CLI" validate --target="$TARGET" --token_file="$TOKEN_FILE"
run 2 "$CLI" refresh --target="$TARGET" --token_file="$DIR/never-logged-in"

# A wrong password is the server's UNAUTHENTICATED: exit 1, code name on stderr, no secret.
echo "not the password" >"$DIR/stdin"
run 1 "$CLI" login --target="$TARGET" --phone=+15551234567 --token_file="$DIR/other"
expect_line err "error_code: UNAUTHENTICATED"
expect_line err "error_message: invalid credentials"
grep -q "not the password" "$DIR/out" "$DIR/err" && fail "the password was printed"
[[ -e "$DIR/other" ]] && fail "a failed login wrote a token file"
: >"$DIR/stdin"

# Another user's id with this token: the server's PERMISSION_DENIED.
run 1 "$CLI" logout --target="$TARGET" --user_id=8 --token_file="$TOKEN_FILE"
expect_line err "error_code: PERMISSION_DENIED"
# A token that is no JWT names no user: without --user_id, a usage error before any RPC.
run 2 "$CLI" logout --target="$TARGET" --token=some.other.token
# logout with the saved token, which it then removes; the user is the token's subject (7).
run 0 "$CLI" logout --target="$TARGET" --token_file="$TOKEN_FILE" --current_session_only
expect_line out "message: User logout successfully"
expect_line out "status: 200"
[[ -e "$TOKEN_FILE" ]] && fail "logout left the token file behind"
[[ -e "$TOKEN_FILE.refresh" ]] && fail "logout left the refresh token file behind"

# Without a token file nor --token there is nothing to present: a usage error.
run 2 "$CLI" logout --target="$TARGET" --user_id=7 --token_file="$TOKEN_FILE"
# A token the server rejects is an RPC error.
run 1 "$CLI" logout --target="$TARGET" --user_id=7 --token=some.other.token
expect_line err "error_code: UNAUTHENTICATED"

# Usage errors exit 2, before any RPC.
run 2 "$CLI"
run 2 "$CLI" frobnicate
run 2 "$CLI" login --target="$TARGET" --email=a@example.com --phone=+1555
run 2 "$CLI" login --target="$TARGET" --password="$PASSWORD" --email=a@example.com
run 2 "$CLI" logout --target="$TARGET" --user_id=seven --token="$TOKEN"
run 2 "$CLI" register --target="$TARGET" --username=bob --email=bob@example.com  # No password.
run 2 "$CLI" login --target="$TARGET" --timeout=0s --email=a@example.com

# Nothing listening: UNAVAILABLE, exit 1.
echo "$PASSWORD" >"$DIR/stdin"
run 1 "$CLI" login --target=127.0.0.1:1 --email=a@example.com --token_file="$DIR/other"
expect_line err "error_code: UNAVAILABLE"

# mail: the newest mails of a Maildir as tools/run_local.sh's aiosmtpd stores them, no RPC.
readonly MAILDIR="$DIR/state/mail"
readonly LINK1="http://localhost:8080/reset-password#token=b2xkZXItdG9rZW4tb2xkZXItdG9rZW4tb2xkZXItdG9r"
readonly LINK2="http://localhost:8080/reset-password#token=bmV3ZXItdG9rZW4tbmV3ZXItdG9rZW4tbmV3ZXItdG9r"
# write_mail SUB NAME TO LINK AGE_SECONDS: a mail with a reset link, its file time AGE ago.
write_mail() {
  printf 'From: auth@localhost\nTo: %s\nSubject: Reset your password\nDate: d\n\nOpen %s now.\n' \
    "$3" "$4" >"$MAILDIR/$1/$2"
  touch -d "-$5 seconds" "$MAILDIR/$1/$2"
}
# Missing: exit 1 and a message naming the folder.
run 1 "$CLI" mail --maildir="$MAILDIR"
grep -qF "no Maildir at $MAILDIR" "$DIR/err" || fail "unclear missing Maildir: $(cat "$DIR/err")"
mkdir -p "$MAILDIR/new" "$MAILDIR/cur" "$MAILDIR/tmp"
# Empty: exit 1 (a script's `link=$(auth_cli mail --links_only)` fails), with a message.
run 1 "$CLI" mail --maildir="$MAILDIR" --links_only
expect_line err "error: no mail in $MAILDIR"
[[ -s "$DIR/out" ]] && fail "output for an empty Maildir: $(cat "$DIR/out")"
write_mail cur 1.M1.host:2,S alice@example.com "$LINK1" 30
echo "no header here" >"$MAILDIR/new/2.M2.host"
touch -d "-20 seconds" "$MAILDIR/new/2.M2.host"
write_mail new 3.M3.host bob@example.com "$LINK2" 10
# The newest (default: $AUTH_LOCAL_DIR/mail): headers, body, then the link alone on its line.
AUTH_LOCAL_DIR="$DIR/state" run 0 "$CLI" mail
expect_line out "To: bob@example.com"
expect_line out "Subject: Reset your password"
expect_line out "Open [link 1] now."
[[ $(grep reset-password "$DIR/out") == "$LINK2" ]] || fail "grep reset-password: $(cat "$DIR/out")"
# Two: the malformed file between them is skipped with a warning.
run 0 "$CLI" mail --maildir="$MAILDIR" --count=2 --links_only
[[ $(cat "$DIR/out") == "$LINK2"$'\n'"$LINK1" ]] || fail "--count=2: $(cat "$DIR/out")"
grep -qF "warning: skipping $MAILDIR/new/2.M2.host" "$DIR/err" || fail "no warning: $(cat "$DIR/err")"
run 0 "$CLI" mail --maildir="$MAILDIR" --to=ALICE@example.com --links_only
expect_line out "$LINK1"
run 1 "$CLI" mail --maildir="$MAILDIR" --to=carol@example.com
expect_line err "error: no mail to carol@example.com in $MAILDIR"
# --wait: a mail that arrives while it waits.
(sleep 0.5 && write_mail new 4.M4.host carol@example.com "$LINK1" 0) &
writer=$!
run 0 "$CLI" mail --maildir="$MAILDIR" --to=carol@example.com --wait=10s --links_only
expect_line out "$LINK1"
wait "$writer"
# --subject: the newest mail about that, past a newer one about something else.
printf 'From: auth@localhost\nTo: carol@example.com\nSubject: Confirm your email address\nDate: d\n\nOpen http://localhost:8080/verify-email#token=x now.\n' \
  >"$MAILDIR/new/5.M5.host"
run 0 "$CLI" mail --maildir="$MAILDIR" --to=carol@example.com --subject="Reset your password" --links_only
expect_line out "$LINK1"
run 1 "$CLI" mail --maildir="$MAILDIR" --to=carol@example.com --subject="Welcome"
expect_line err "error: no mail to carol@example.com about \"Welcome\" in $MAILDIR"
run 2 "$CLI" mail --maildir="$MAILDIR" --count=0
run 2 "$CLI" login --target="$TARGET" --email=a@example.com --links_only
run 2 "$CLI" mail --maildir="$MAILDIR" --email=a@example.com

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "PASS"
