// MysqlSessionRepository; see mysql_session_repository.h. Every statement is prepared (once
// per pooled connection, then reused): input only ever travels as a bound parameter.
#include "libs/repository/mysql/sessions/mysql_session_repository.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/in_list.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"

namespace auth::mysql_repository {

using ::auth::repository::Session;

namespace {

// The primary key of `sessions` is the jti: a duplicate is reported as "jti already taken".
constexpr absl::string_view kPrimaryKeyField = "jti";

// The columns ReadSession() reads, in its order.
constexpr absl::string_view kSelectSession =
    "SELECT jti, user_id, UNIX_TIMESTAMP(expires_at), token_hash, client_address, "
    "UNIX_TIMESTAMP(created_at), UNIX_TIMESTAMP(revoked_at) FROM sessions ";

absl::StatusOr<Session> ReadSession(const sql::ResultSet& row) {
  Session session;
  session.jti = row.getString(1);
  session.user_id = static_cast<int64_t>(row.getUInt64(2));
  absl::StatusOr<absl::Time> expires_at = mysql::ReadUnixTimestamp(row, 3);
  if (!expires_at.ok()) return expires_at.status();
  session.expires_at = *expires_at;
  session.token_hash = row.getString(4);
  session.client_address = row.getString(5);
  absl::StatusOr<absl::Time> created_at = mysql::ReadUnixTimestamp(row, 6);
  if (!created_at.ok()) return created_at.status();
  session.created_at = *created_at;
  absl::StatusOr<std::optional<absl::Time>> revoked_at = mysql::ReadOptionalUnixTimestamp(row, 7);
  if (!revoked_at.ok()) return revoked_at.status();
  session.revoked_at = *revoked_at;
  return session;
}

}  // namespace

absl::Status MysqlSessionRepository::Create(const Session& session) {
  return mysql::RunOnConnection(
      pool_, "create session", kPrimaryKeyField, [&](mysql::Connection& connection) {
        sql::PreparedStatement& insert = connection.Prepare(
            "INSERT INTO sessions (jti, user_id, expires_at, token_hash, client_address) "
            "VALUES (?, ?, ?, ?, ?)");
        insert.setString(1, session.jti);
        insert.setInt64(2, session.user_id);
        insert.setDateTime(3, mysql::ToSqlTime(session.expires_at));
        insert.setString(4, session.token_hash);
        insert.setString(5, session.client_address.substr(0, kMaxClientAddressLength));
        insert.executeUpdate();
        return absl::OkStatus();
      });
}

absl::StatusOr<Session> MysqlSessionRepository::FindActive(absl::string_view jti) {
  // The batched read with a list of one: the same statement, prepared once per connection.
  absl::StatusOr<std::vector<Session>> found = FindActiveMany({std::string(jti)});
  if (!found.ok()) return found.status();
  if (found->empty()) return absl::NotFoundError("session not found");
  return std::move(found->front());
}

absl::StatusOr<std::vector<Session>> MysqlSessionRepository::FindActiveMany(
    const std::vector<std::string>& jtis) {
  const std::string now = mysql::ToSqlTime(clock_());
  std::vector<Session> found;
  for (size_t begin = 0; begin < jtis.size(); begin += mysql::kMaxInListSize) {
    const size_t count = std::min(mysql::kMaxInListSize, jtis.size() - begin);
    const size_t padded = mysql::InListSize(count);
    // A read: safe to run again on another node. On Galera the session's wsrep_sync_wait
    // makes it see a revocation committed through any node before it started.
    absl::StatusOr<std::vector<Session>> chunk = mysql::RunQuery(
        pool_, "find active sessions",
        [&](mysql::Connection& connection) -> absl::StatusOr<std::vector<Session>> {
          sql::PreparedStatement& select = connection.Prepare(
              absl::StrCat(kSelectSession, "WHERE jti IN (", mysql::InListPlaceholders(padded),
                           ") AND revoked_at IS NULL AND expires_at > ?"));
          const int next = mysql::BindInList(select, 1, absl::MakeConstSpan(&jtis[begin], count));
          select.setDateTime(next, now);
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          std::vector<Session> sessions;
          while (rows->next()) {
            absl::StatusOr<Session> session = ReadSession(*rows);
            if (!session.ok()) return session.status();
            sessions.push_back(*std::move(session));
          }
          return sessions;
        });
    if (!chunk.ok()) return chunk.status();
    for (Session& session : *chunk) found.push_back(std::move(session));
  }
  return found;
}

absl::Status MysqlSessionRepository::Revoke(absl::string_view jti) {
  const std::string id(jti);
  const std::string now = mysql::ToSqlTime(clock_());
  return mysql::RunOnConnection(
      pool_, "revoke session", kPrimaryKeyField, [&](mysql::Connection& connection) {
        sql::PreparedStatement& update = connection.Prepare(
            "UPDATE sessions SET revoked_at = ? "
            "WHERE jti = ? AND revoked_at IS NULL AND expires_at > ?");
        update.setDateTime(1, now);
        update.setString(2, id);
        update.setDateTime(3, now);
        return update.executeUpdate() > 0 ? absl::OkStatus()
                                          : absl::NotFoundError("session not found");
      });
}

absl::StatusOr<int64_t> MysqlSessionRepository::RevokeAllForUser(int64_t user_id) {
  const std::string now = mysql::ToSqlTime(clock_());
  return mysql::RunOnConnection(
      pool_, "revoke sessions of user", kPrimaryKeyField,
      [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
        sql::PreparedStatement& update = connection.Prepare(
            "UPDATE sessions SET revoked_at = ? "
            "WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?");
        update.setDateTime(1, now);
        update.setInt64(2, user_id);
        update.setDateTime(3, now);
        return static_cast<int64_t>(update.executeUpdate());
      });
}

absl::StatusOr<int64_t> MysqlSessionRepository::DeleteExpired(absl::Time now) {
  const std::string cutoff = mysql::ToSqlTime(now);
  return mysql::RunOnConnection(pool_, "delete expired sessions", kPrimaryKeyField,
                                [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
                                  sql::PreparedStatement& remove = connection.Prepare(
                                      "DELETE FROM sessions WHERE expires_at < ?");
                                  remove.setDateTime(1, cutoff);
                                  return static_cast<int64_t>(remove.executeUpdate());
                                });
}

}  // namespace auth::mysql_repository
