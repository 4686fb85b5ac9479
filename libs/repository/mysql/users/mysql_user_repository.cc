// MysqlUserRepository; see mysql_user_repository.h. Every statement is prepared (once per
// pooled connection, then reused): input only ever travels as a bound parameter.
#include "libs/repository/mysql/users/mysql_user_repository.h"

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"

namespace auth::mysql_repository {

using ::auth::repository::User;

namespace {

constexpr char kSelectUser[] =
    "SELECT id, username, email, phone_number, password_hash, UNIX_TIMESTAMP(created_at), "
    "UNIX_TIMESTAMP(updated_at), email_verified_at IS NOT NULL, "
    "EXISTS (SELECT 1 FROM user_totp WHERE user_totp.user_id = users.id "
    "AND user_totp.confirmed_at IS NOT NULL) FROM users WHERE ";

// Maps the current row of a kSelectUser result.
absl::StatusOr<User> ReadUser(const sql::ResultSet& row) {
  User user;
  const uint64_t id = row.getUInt64(1);
  if (id > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InternalError("user id out of range");
  }
  user.id = static_cast<int64_t>(id);
  user.username = row.getString(2);
  user.email = row.getString(3);
  if (!row.isNull(4)) user.phone_number = std::string(row.getString(4));
  user.password_hash = row.getString(5);
  absl::StatusOr<absl::Time> created_at = mysql::ReadUnixTimestamp(row, 6);
  if (!created_at.ok()) return created_at.status();
  absl::StatusOr<absl::Time> updated_at = mysql::ReadUnixTimestamp(row, 7);
  if (!updated_at.ok()) return updated_at.status();
  user.created_at = *created_at;
  user.updated_at = *updated_at;
  user.email_verified = row.getBoolean(8);
  user.totp_enabled = row.getBoolean(9);
  return user;
}

// Runs kSelectUser + `where` with one string or integer parameter bound by `bind`.
template <typename Bind>
absl::StatusOr<User> FindOne(mysql::ConnectionPool& pool, absl::string_view operation,
                             const char* where, Bind bind) {
  const std::string query = absl::StrCat(kSelectUser, where);
  return mysql::RunQuery(pool, operation,
                         [&](mysql::Connection& connection) -> absl::StatusOr<User> {
                           sql::PreparedStatement& statement = connection.Prepare(query);
                           bind(statement);
                           std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
                           if (!rows->next()) return absl::NotFoundError("user not found");
                           return ReadUser(*rows);
                         });
}

}  // namespace

absl::StatusOr<int64_t> MysqlUserRepository::Create(const repository::NewUser& user) {
  // One autocommit statement that hands back the new id (RETURNING): one round trip and one
  // commit. It is run again only where it cannot have committed (a conflict rolled it back, a
  // node refused it, a stale statement never ran); a connection lost on the way is UNAVAILABLE
  // (the user may or may not exist; a retry by the caller gets ALREADY_EXISTS if it does).
  return mysql::RunOnConnection(
      pool_, "create user", "", [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        sql::PreparedStatement& insert = connection.Prepare(
            "INSERT INTO users (username, email, phone_number, password_hash) "
            "VALUES (?, ?, ?, ?) RETURNING id");
        insert.setString(1, user.username);
        insert.setString(2, absl::AsciiStrToLower(user.email));
        if (user.phone_number.has_value()) {
          insert.setString(3, *user.phone_number);
        } else {
          insert.setNull(3, sql::DataType::VARCHAR);
        }
        insert.setString(4, user.password_hash);
        std::unique_ptr<sql::ResultSet> rows(insert.executeQuery());
        if (!rows->next()) return absl::InternalError("database error");
        const uint64_t id = rows->getUInt64(1);
        if (id == 0 || id > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return absl::InternalError("database error");
        }
        return static_cast<int64_t>(id);
      });
}

absl::StatusOr<User> MysqlUserRepository::FindById(int64_t id) {
  if (id <= 0) return absl::NotFoundError("user not found");
  return FindOne(pool_, "find user by id", "id = ?",
                 [id](sql::PreparedStatement& s) { s.setUInt64(1, static_cast<uint64_t>(id)); });
}

absl::StatusOr<User> MysqlUserRepository::FindByEmail(absl::string_view email) {
  const std::string lowered = absl::AsciiStrToLower(email);
  return FindOne(pool_, "find user by email", "email = ?",
                 [&lowered](sql::PreparedStatement& s) { s.setString(1, lowered); });
}

absl::StatusOr<User> MysqlUserRepository::FindByPhone(absl::string_view phone_number) {
  const std::string phone(phone_number);
  return FindOne(pool_, "find user by phone", "phone_number = ?",
                 [&phone](sql::PreparedStatement& s) { s.setString(1, phone); });
}

absl::Status MysqlUserRepository::UpdatePasswordHash(int64_t id, absl::string_view password_hash) {
  if (id <= 0) return absl::NotFoundError("user not found");
  return mysql::RunOnConnection(
      pool_, "update password hash", "", [&](mysql::Connection& connection) {
        sql::PreparedStatement& update = connection.Prepare(
            "UPDATE users SET password_hash = ?, updated_at = CURRENT_TIMESTAMP(6) WHERE id = ?");
        update.setString(1, std::string(password_hash));
        update.setUInt64(2, static_cast<uint64_t>(id));
        if (update.executeUpdate() > 0) return absl::OkStatus();
        // MySQL counts changed rows, not matched ones: zero can also mean "same values".
        sql::PreparedStatement& exists = connection.Prepare("SELECT 1 FROM users WHERE id = ?");
        exists.setUInt64(1, static_cast<uint64_t>(id));
        std::unique_ptr<sql::ResultSet> rows(exists.executeQuery());
        return rows->next() ? absl::OkStatus() : absl::NotFoundError("user not found");
      });
}

}  // namespace auth::mysql_repository
