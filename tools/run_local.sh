#!/usr/bin/env bash
# One command to run the auth service locally:
#   tools/run_local.sh [extra auth_server flags...]
#   bazel run //tools:run_local -- [extra auth_server flags...]     # the same
# Installs what is missing, starts a private MariaDB (own data directory, unix socket only, no
# system service touched; data kept between runs), creates the database and its user, starts a
# mail server on loopback (Debian's aiosmtpd, writing every mail to a Maildir kept between runs:
# `auth_cli mail` prints the latest), then runs the server in the foreground on 127.0.0.1:50051
# (gRPC) and 127.0.0.1:8080 (HTTP: the sign-in page, Connect and gRPC-Web), mailing through that
# server with links to http://localhost:8080. Ctrl-C stops all three.
#
# The server gets --smtp_url, --smtp_from=auth@localhost, --public_base_url and passkeys at
# http://localhost:8080 (--webauthn_rp_id=localhost: browsers refuse an IP address as an RP ID,
# so passkeys work at localhost, not 127.0.0.1) (and the flags below) before the extra flags, so an extra flag overrides them: with --smtp_url=... (and then
# --smtp_from=..., which goes with it) it mails through that server, and no local one is started.
#
# Environment: AUTH_LOCAL_DIR (default ~/.local/share/auth-service) holds the database and the
# generated credentials; AUTH_LISTEN (default 127.0.0.1:50051); AUTH_HTTP_LISTEN (default
# 127.0.0.1:8080; empty turns the HTTP front off); AUTH_HTTP_PUBLIC_ORIGINS (default
# http://127.0.0.1:8080,http://localhost:8080: the origins the page is opened at; set it with
# AUTH_HTTP_LISTEN, or any other Host is answered 421); AUTH_SMTP_LISTEN (default 127.0.0.1:2525,
# an IPv4 host:port: the local mail server; empty starts none and passes no --smtp_url). Mail is in
# $AUTH_LOCAL_DIR/mail (new/ holds one file per mail), its server's log in mail-server.log.
set -euo pipefail
# Under `bazel run` the script runs in its runfiles tree; Bazel names the workspace it came from.
WORKSPACE_DIR=${BUILD_WORKSPACE_DIRECTORY:-$(cd "$(dirname "$0")/.." && pwd)}
if [[ ${1:-} == --help || ${1:-} == -h ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
  echo "workspace: $WORKSPACE_DIR"
  exit 0
fi
cd "$WORKSPACE_DIR"

bash tools/setup.sh

STATE_DIR=${AUTH_LOCAL_DIR:-$HOME/.local/share/auth-service}
DATA_DIR=$STATE_DIR/mariadb
mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"
# Unix socket paths are limited to 108 bytes, so the socket lives under a short /tmp path.
RUN_DIR=/tmp/auth-local-$(id -u)
mkdir -p "$RUN_DIR"
chmod 700 "$RUN_DIR"
SOCKET=$RUN_DIR/mysqld.sock

as_root_flag=()
if [[ $(id -u) -eq 0 ]]; then as_root_flag=(--user=root); fi

if [[ ! -d $DATA_DIR/mysql ]]; then
  echo "run_local: creating a private MariaDB in $DATA_DIR"
  mariadb-install-db --no-defaults --datadir="$DATA_DIR" "${as_root_flag[@]}" \
    --auth-root-authentication-method=socket --skip-test-db >"$STATE_DIR/install-db.log" 2>&1
fi

/usr/sbin/mariadbd --no-defaults --datadir="$DATA_DIR" --socket="$SOCKET" --skip-networking \
  --pid-file="$RUN_DIR/mysqld.pid" --log-error="$STATE_DIR/mariadb.err" "${as_root_flag[@]}" &
DB_PID=$!
SERVER_PID=
source tools/local_mail_server.sh  # sets LOCAL_MAIL_PID= ; the mail server starts further down
cleanup() {
  # Every step runs whatever the one before returned: a child killed by SIGTERM reports 143 to
  # `wait`, which under set -e would end the clean-up there, leaving MariaDB running.
  set +e
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  stop_local_mail_server
  kill "$DB_PID" 2>/dev/null && wait "$DB_PID" 2>/dev/null
  echo "run_local: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 100); do
  mariadb --no-defaults --socket="$SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$DB_PID" 2>/dev/null || { echo "run_local: MariaDB failed, see $STATE_DIR/mariadb.err"; exit 1; }
  sleep 0.1
done

PASSWORD_FILE=$STATE_DIR/mysql-password
if [[ ! -s $PASSWORD_FILE ]]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$PASSWORD_FILE")
fi
mariadb --no-defaults --socket="$SOCKET" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS auth CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'auth'@'localhost' IDENTIFIED BY '$(cat "$PASSWORD_FILE")';
ALTER USER 'auth'@'localhost' IDENTIFIED BY '$(cat "$PASSWORD_FILE")';
GRANT ALL PRIVILEGES ON auth.* TO 'auth'@'localhost';
SQL

# A signing key kept with the data, so tokens survive restarts of the local server.
KEY_FILE=$STATE_DIR/jwt-signing-key.pem
bazel build //services/auth:auth_server //libs/token:jwt_keygen
if [[ ! -s $KEY_FILE ]]; then
  bazel-bin/libs/token/jwt_keygen "$KEY_FILE" "$STATE_DIR/jwt-public-key.pem"
fi

# The key that seals TOTP secrets, kept with the data (a new key would turn every enrolled
# authenticator off in effect): 32 random bytes, readable by this user only.
TOTP_KEY_FILE=$STATE_DIR/totp-secret.key
if [[ ! -s $TOTP_KEY_FILE ]]; then
  (umask 077 && head -c 32 /dev/urandom >"$TOTP_KEY_FILE")
fi
chmod 600 "$TOTP_KEY_FILE"

# The local mail server, unless the extra flags name another (or AUTH_SMTP_LISTEN is empty).
SMTP_LISTEN=${AUTH_SMTP_LISTEN-127.0.0.1:2525}
mail_flags=()
if [[ -n $SMTP_LISTEN ]] && local_mail_wanted "$@"; then
  start_local_mail_server "$STATE_DIR/mail" "$SMTP_LISTEN" "$STATE_DIR/mail-server.log"
  echo "run_local: mail server on $SMTP_LISTEN, mail in $STATE_DIR/mail (auth_cli mail)"
  mail_flags=(--smtp_url="smtp://$SMTP_LISTEN" --smtp_from=auth@localhost)
fi

echo "run_local: MariaDB on $SOCKET; starting auth_server (Ctrl-C stops all)"
bazel-bin/services/auth/auth_server \
  --listen="${AUTH_LISTEN:-127.0.0.1:50051}" \
  --http_listen="${AUTH_HTTP_LISTEN-127.0.0.1:8080}" \
  --http_public_origins="${AUTH_HTTP_PUBLIC_ORIGINS-http://127.0.0.1:8080,http://localhost:8080}" \
  --mysql_endpoint="unix://$SOCKET" \
  --mysql_password_file="$PASSWORD_FILE" \
  --token_signing_key="$KEY_FILE" \
  --public_base_url=http://localhost:8080 \
  --totp_secret_key_file="$TOTP_KEY_FILE" \
  --totp_issuer="auth (local)" \
  --webauthn_rp_id=localhost --webauthn_origins=http://localhost:8080 \
  "${mail_flags[@]}" \
  "$@" &
SERVER_PID=$!
wait "$SERVER_PID"
