// MysqlRefreshTokenRepository::ChangePassword(); see mysql_refresh_token_repository.h. Its own
// file: it writes the users row besides the repository's own tables. Lock order: the users row
// (which serialises the changes of one user), then refresh_tokens rows, then sessions rows (the
// repository's order), then attempt_counters (as Create()).
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/attempts/attempt_counter_statements.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"

namespace auth::mysql_repository {

namespace {

// Stores the new hash if the stored one is still the verified one.
absl::Status ReplacePasswordHash(mysql::Connection& connection,
                                 const repository::PasswordChange& change) {
  sql::PreparedStatement& update = connection.Prepare(
      "UPDATE users SET password_hash = ?, updated_at = CURRENT_TIMESTAMP(6) "
      "WHERE id = ? AND password_hash = ?");
  update.setString(1, change.new_password_hash);
  update.setUInt64(2, static_cast<uint64_t>(change.user_id));
  update.setString(3, change.verified_password_hash);
  // A new Argon2id hash has a new salt, so a matched row is always a changed one.
  if (update.executeUpdate() > 0) return absl::OkStatus();
  sql::PreparedStatement& exists = connection.Prepare("SELECT 1 FROM users WHERE id = ?");
  exists.setUInt64(1, static_cast<uint64_t>(change.user_id));
  std::unique_ptr<sql::ResultSet> rows(exists.executeQuery());
  if (!rows->next()) return absl::NotFoundError("user not found");
  return absl::FailedPreconditionError("the password changed since it was verified");
}

// The family of the user's session `jti`, its refresh token row locked; "" if it has none.
std::string LockFamilyOfUserSession(mysql::Connection& connection, int64_t user_id,
                                    const std::string& jti) {
  sql::PreparedStatement& select = connection.Prepare(
      "SELECT family_id FROM refresh_tokens WHERE session_jti = ? AND user_id = ? FOR UPDATE");
  select.setString(1, jti);
  select.setUInt64(2, static_cast<uint64_t>(user_id));
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  return rows->next() ? std::string(rows->getString(1)) : std::string();
}

}  // namespace

absl::StatusOr<int64_t> MysqlRefreshTokenRepository::ChangePassword(
    const repository::PasswordChange& change, const repository::AttemptSettlement& settlement) {
  if (change.user_id <= 0) return absl::NotFoundError("user not found");
  if (absl::Status valid = CheckAttemptSettlement(settlement); !valid.ok()) return valid;
  return mysql::RunInTransaction(
      pool_, "change password", "", [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        if (absl::Status replaced = ReplacePasswordHash(connection, change); !replaced.ok()) {
          return replaced;
        }
        const std::string now = mysql::ToSqlTime(clock_());
        // "" matches no family and no session: with nothing kept, everything ends.
        const std::string kept_family =
            change.kept_session_jti.empty()
                ? std::string()
                : LockFamilyOfUserSession(connection, change.user_id, change.kept_session_jti);
        sql::PreparedStatement& tokens = connection.Prepare(
            "UPDATE refresh_tokens SET revoked_at = ? "
            "WHERE user_id = ? AND revoked_at IS NULL AND family_id <> ?");
        tokens.setDateTime(1, now);
        tokens.setUInt64(2, static_cast<uint64_t>(change.user_id));
        tokens.setString(3, kept_family);
        tokens.executeUpdate();
        // The kept family's other sessions were revoked when their tokens rotated.
        sql::PreparedStatement& sessions = connection.Prepare(
            "UPDATE sessions SET revoked_at = ? "
            "WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? AND jti <> ?");
        sessions.setDateTime(1, now);
        sessions.setUInt64(2, static_cast<uint64_t>(change.user_id));
        sessions.setDateTime(3, now);
        sessions.setString(4, change.kept_session_jti);
        const int64_t revoked = sessions.executeUpdate();
        SettleAttemptCounters(connection, settlement);
        return revoked;
      });
}

}  // namespace auth::mysql_repository
