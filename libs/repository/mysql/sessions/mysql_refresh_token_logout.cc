// MysqlRefreshTokenRepository::LogoutWithRefreshToken(); see mysql_refresh_token_repository.h.
// (A file of its own to keep mysql_refresh_token_repository.cc readable.)
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/revocation_statements.h"

namespace auth::mysql_repository {

using ::auth::mysql_repository::revocation::RevokeFamilySessions;
using ::auth::mysql_repository::revocation::RevokeFamilyTokens;
using ::auth::mysql_repository::revocation::RevokeSessionsOfUsers;
using ::auth::mysql_repository::revocation::RevokeTokensOfUsers;

absl::StatusOr<int64_t> MysqlRefreshTokenRepository::LogoutWithRefreshToken(
    absl::string_view token_hash, int64_t user_id, bool current_session_only) {
  const std::string hash(token_hash);
  return mysql::RunInTransaction(
      pool_, "log out with refresh token", "jti",
      [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        // The one primary-key read; its lock keeps a concurrent rotation from handing out a
        // successor that this logout would miss.
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT user_id, family_id, session_jti FROM refresh_tokens WHERE token_hash = ? "
            "AND expires_at > ? AND rotated_at IS NULL AND revoked_at IS NULL FOR UPDATE");
        const std::string now = mysql::ToSqlTime(clock_());
        select.setString(1, hash);
        select.setDateTime(2, now);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError("refresh token not found");
        if (static_cast<int64_t>(rows->getUInt64(1)) != user_id) {
          return absl::PermissionDeniedError("the refresh token belongs to another user");
        }
        const std::string family_id = rows->getString(2);
        const std::string session_jti = rows->getString(3);
        rows.reset();
        if (!current_session_only) {
          RevokeTokensOfUsers(connection, {user_id}, now);
          return RevokeSessionsOfUsers(connection, {user_id}, now);
        }
        // refresh_tokens rows first, then sessions rows (see refresh_token_repository.h).
        RevokeFamilyTokens(connection, family_id, now);
        return RevokeFamilySessions(connection, family_id, now);
      });
}

}  // namespace auth::mysql_repository
