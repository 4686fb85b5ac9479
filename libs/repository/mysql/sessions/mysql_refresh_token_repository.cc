// MysqlRefreshTokenRepository; see mysql_refresh_token_repository.h. Every statement is
// prepared (once per pooled connection, then reused): input only ever travels as a bound
// parameter. Within a transaction refresh_tokens rows are always locked before sessions rows
// (see refresh_token_repository.h).
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/in_list.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/attempts/attempt_counter_statements.h"
#include "libs/repository/mysql/sessions/credential_spend_statements.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/sessions/revocation_statements.h"

namespace auth::mysql_repository {

using ::auth::mysql_repository::revocation::RevokeFamily;
using ::auth::mysql_repository::revocation::RevokeFamilySessions;
using ::auth::mysql_repository::revocation::RevokeFamilyTokens;
using ::auth::mysql_repository::revocation::RevokeSession;
using ::auth::mysql_repository::revocation::RevokeSessionsOfUsers;
using ::auth::mysql_repository::revocation::RevokeTokensOfUsers;
using ::auth::repository::LogoutRequest;
using ::auth::repository::LogoutResults;
using ::auth::repository::RefreshToken;
using ::auth::repository::RotationOutcome;
using ::auth::repository::SessionGrant;

namespace {

// A duplicate primary key is most likely the session's jti (a duplicate 256-bit token digest
// would take a broken random generator), so it is reported as "jti already taken".
constexpr absl::string_view kPrimaryKeyField = "jti";

absl::StatusOr<RefreshToken> ReadRefreshToken(const sql::ResultSet& row) {
  RefreshToken token;
  token.token_hash = row.getString(1);
  token.family_id = row.getString(2);
  token.session_jti = row.getString(3);
  token.user_id = static_cast<int64_t>(row.getUInt64(4));
  absl::StatusOr<absl::Time> expires_at = mysql::ReadUnixTimestamp(row, 5);
  if (!expires_at.ok()) return expires_at.status();
  token.expires_at = *expires_at;
  absl::StatusOr<absl::Time> created_at = mysql::ReadUnixTimestamp(row, 6);
  if (!created_at.ok()) return created_at.status();
  token.created_at = *created_at;
  absl::StatusOr<std::optional<absl::Time>> rotated_at = mysql::ReadOptionalUnixTimestamp(row, 7);
  if (!rotated_at.ok()) return rotated_at.status();
  token.rotated_at = *rotated_at;
  if (!row.isNull(8)) token.replaced_by = std::string(row.getString(8));
  absl::StatusOr<std::optional<absl::Time>> revoked_at = mysql::ReadOptionalUnixTimestamp(row, 9);
  if (!revoked_at.ok()) return revoked_at.status();
  token.revoked_at = *revoked_at;
  absl::StatusOr<absl::Time> family_started_at = mysql::ReadUnixTimestamp(row, 10);
  if (!family_started_at.ok()) return family_started_at.status();
  token.family_started_at = *family_started_at;
  // NULL: stored before amr existed, when every login was a password.
  token.amr = row.isNull(11)
                  ? std::vector<std::string>{"pwd"}
                  : absl::StrSplit(std::string(row.getString(11)), ' ', absl::SkipEmpty());
  return token;
}

// Inserts the refresh token, then its session.
void InsertGrant(mysql::Connection& connection, const SessionGrant& grant) {
  const RefreshToken& token = grant.refresh_token;
  sql::PreparedStatement& insert_token = connection.Prepare(
      "INSERT INTO refresh_tokens (token_hash, family_id, session_jti, user_id, expires_at, "
      "family_started_at, amr) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert_token.setString(1, token.token_hash);
  insert_token.setString(2, token.family_id);
  insert_token.setString(3, token.session_jti);
  insert_token.setInt64(4, token.user_id);
  insert_token.setDateTime(5, mysql::ToSqlTime(token.expires_at));
  insert_token.setDateTime(6, mysql::ToSqlTime(token.family_started_at));
  insert_token.setString(7, absl::StrJoin(token.amr, " "));
  insert_token.executeUpdate();

  const repository::Session& session = grant.session;
  sql::PreparedStatement& insert_session = connection.Prepare(
      "INSERT INTO sessions (jti, user_id, expires_at, token_hash, client_address) "
      "VALUES (?, ?, ?, ?, ?)");
  insert_session.setString(1, session.jti);
  insert_session.setInt64(2, session.user_id);
  insert_session.setDateTime(3, mysql::ToSqlTime(session.expires_at));
  insert_session.setString(4, session.token_hash);
  insert_session.setString(
      5, session.client_address.substr(0, MysqlSessionRepository::kMaxClientAddressLength));
  insert_session.executeUpdate();
}

// The family of session `session_jti`, its refresh token row locked; nullopt for a session
// opened before refresh tokens existed, which has none.
std::optional<std::string> LockFamilyOf(mysql::Connection& connection,
                                        const std::string& session_jti) {
  sql::PreparedStatement& select =
      connection.Prepare("SELECT family_id FROM refresh_tokens WHERE session_jti = ? FOR UPDATE");
  select.setString(1, session_jti);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) return std::nullopt;
  return std::string(rows->getString(1));
}

// Whether the refresh token `token_hash` (a successor) has been rotated itself; its row is
// locked, after its predecessor's (the order every rotation of the family locks them in).
bool SuccessorWasUsed(mysql::Connection& connection, const std::optional<std::string>& token_hash) {
  if (!token_hash.has_value()) return false;
  sql::PreparedStatement& select = connection.Prepare(
      "SELECT rotated_at IS NOT NULL FROM refresh_tokens WHERE token_hash = ? FOR UPDATE");
  select.setString(1, *token_hash);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  return rows->next() && rows->getBoolean(1);
}

absl::Status CheckGrantFollows(const SessionGrant& grant, const RefreshToken& presented) {
  const RefreshToken& next = grant.refresh_token;
  if (next.family_id != presented.family_id ||
      next.family_started_at != presented.family_started_at || next.user_id != presented.user_id ||
      grant.session.user_id != presented.user_id || next.session_jti != grant.session.jti ||
      next.token_hash == presented.token_hash) {
    return absl::InternalError("successor token does not continue the presented one");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MysqlRefreshTokenRepository::Create(const SessionGrant& grant,
                                                 const repository::AttemptSettlement& settlement) {
  if (grant.refresh_token.session_jti != grant.session.jti ||
      grant.refresh_token.user_id != grant.session.user_id) {
    return absl::InternalError("refresh token does not belong to its session");
  }
  if (absl::Status valid = CheckAttemptSettlement(settlement); !valid.ok()) return valid;
  // The settlement goes last: its counter rows are the ones other logins contend for (every
  // login from one address counts on one row), so their locks are held only from the UPDATE to
  // the COMMIT, one client round trip longer than an autocommit settle would hold them (many
  // logins from one address wait on that: BENCHMARKS.md); and the lock order stays
  // refresh_tokens, sessions, then attempt_counters.
  // The credentials are spent after the inserts and before the settlement, keeping that order.
  return mysql::RunInTransaction(pool_, "create session with refresh token", kPrimaryKeyField,
                                 [&](mysql::Connection& connection) {
                                   InsertGrant(connection, grant);
                                   if (!grant.spend.empty()) {
                                     absl::Status spent = credential_spend::SpendCredentials(
                                         connection, grant.session.user_id, grant.spend,
                                         mysql::ToSqlTime(clock_()));
                                     if (!spent.ok()) return spent;
                                   }
                                   SettleAttemptCounters(connection, settlement);
                                   return absl::OkStatus();
                                 });
}

absl::StatusOr<RotationOutcome> MysqlRefreshTokenRepository::Rotate(absl::string_view token_hash,
                                                                    absl::Duration reuse_grace,
                                                                    const GrantFn& grant,
                                                                    repository::TokenOwner* owner) {
  const std::string hash(token_hash);
  // Unknown, expired and revoked (never rotated) tokens are answered from a plain read, without
  // a transaction or a lock: garbage costs the shared database one primary-key lookup.
  absl::StatusOr<bool> worth_locking = mysql::RunQuery(
      pool_, "look up refresh token", [&](mysql::Connection& connection) -> absl::StatusOr<bool> {
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT 1 FROM refresh_tokens WHERE token_hash = ? AND expires_at > ? "
            "AND (revoked_at IS NULL OR rotated_at IS NOT NULL)");
        select.setString(1, hash);
        select.setDateTime(2, mysql::ToSqlTime(clock_()));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        return rows->next();
      });
  if (!worth_locking.ok()) return worth_locking.status();
  if (!*worth_locking) return absl::NotFoundError("refresh token not found");
  return mysql::RunInTransaction(
      pool_, "rotate refresh token", kPrimaryKeyField,
      [&](mysql::Connection& connection) -> absl::StatusOr<RotationOutcome> {
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT token_hash, family_id, session_jti, user_id, UNIX_TIMESTAMP(expires_at), "
            "UNIX_TIMESTAMP(created_at), UNIX_TIMESTAMP(rotated_at), replaced_by, "
            "UNIX_TIMESTAMP(revoked_at), UNIX_TIMESTAMP(COALESCE(family_started_at, created_at)), "
            "amr "
            "FROM refresh_tokens WHERE token_hash = ? FOR UPDATE");
        select.setString(1, hash);
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        if (!rows->next()) return absl::NotFoundError("refresh token not found");
        // Read only now that the row is locked: a rotation this call waited for happened
        // before it, never after (which a negative reuse age would claim).
        const absl::Time now = clock_();
        const std::string now_sql = mysql::ToSqlTime(now);
        absl::StatusOr<RefreshToken> presented = ReadRefreshToken(*rows);
        if (!presented.ok()) return presented.status();
        if (presented->expires_at <= now) return absl::NotFoundError("refresh token not found");
        if (owner != nullptr) *owner = {presented->user_id, presented->family_id};
        // A rotated token is checked before a revoked one: the first reuse revokes the family,
        // including this token, and every later presentation is still reuse, not "unknown".
        if (presented->rotated_at.has_value()) {
          if (reuse_grace > absl::ZeroDuration() && now - *presented->rotated_at < reuse_grace &&
              !SuccessorWasUsed(connection, presented->replaced_by)) {
            return RotationOutcome::kReusedInGrace;
          }
          RevokeFamily(connection, presented->family_id, now_sql);
          return RotationOutcome::kReuseDetected;
        }
        if (presented->revoked_at.has_value()) {
          return absl::NotFoundError("refresh token not found");
        }

        absl::StatusOr<SessionGrant> next = grant(*presented);
        if (!next.ok()) return next.status();
        if (!next->spend.empty()) return absl::InternalError("a refresh spends no credential");
        if (absl::Status follows = CheckGrantFollows(*next, *presented); !follows.ok()) {
          return follows;
        }
        InsertGrant(connection, *next);
        sql::PreparedStatement& retire = connection.Prepare(
            "UPDATE refresh_tokens SET rotated_at = ?, replaced_by = ? WHERE token_hash = ?");
        retire.setDateTime(1, now_sql);
        retire.setString(2, next->refresh_token.token_hash);
        retire.setString(3, hash);
        retire.executeUpdate();
        RevokeSession(connection, presented->session_jti, now_sql);
        return RotationOutcome::kRotated;
      });
}

absl::StatusOr<bool> MysqlRefreshTokenRepository::IsUnused(absl::string_view token_hash) {
  const std::string hash(token_hash);
  return mysql::RunQuery(
      pool_, "look up refresh token", [&](mysql::Connection& connection) -> absl::StatusOr<bool> {
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT 1 FROM refresh_tokens WHERE token_hash = ? AND expires_at > ? "
            "AND rotated_at IS NULL AND revoked_at IS NULL");
        select.setString(1, hash);
        select.setDateTime(2, mysql::ToSqlTime(clock_()));
        std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
        return rows->next();
      });
}

absl::Status MysqlRefreshTokenRepository::RevokeSessionFamily(absl::string_view session_jti) {
  const std::string jti(session_jti);
  const std::string now = mysql::ToSqlTime(clock_());
  return mysql::RunInTransaction(
      pool_, "revoke session family", kPrimaryKeyField, [&](mysql::Connection& connection) {
        if (std::optional<std::string> family = LockFamilyOf(connection, jti)) {
          RevokeFamily(connection, *family, now);
        }
        RevokeSession(connection, jti, now);
        return absl::OkStatus();
      });
}

absl::StatusOr<int64_t> MysqlRefreshTokenRepository::RevokeAllForUser(int64_t user_id) {
  const std::string now = mysql::ToSqlTime(clock_());
  return mysql::RunInTransaction(pool_, "revoke refresh tokens and sessions of user",
                                 kPrimaryKeyField,
                                 [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
                                   // The statements LogoutMany() uses, with a list of one user.
                                   RevokeTokensOfUsers(connection, {user_id}, now);
                                   return RevokeSessionsOfUsers(connection, {user_id}, now);
                                 });
}

absl::StatusOr<LogoutResults> MysqlRefreshTokenRepository::LogoutMany(
    const std::vector<LogoutRequest>& requests) {
  LogoutResults results;
  for (size_t begin = 0; begin < requests.size(); begin += mysql::kMaxInListSize) {
    const size_t count = std::min(mysql::kMaxInListSize, requests.size() - begin);
    absl::StatusOr<LogoutResults> chunk = LogoutChunk(&requests[begin], count);
    if (!chunk.ok()) return chunk.status();
    results.logged_out.insert(results.logged_out.end(), chunk->logged_out.begin(),
                              chunk->logged_out.end());
    results.sessions_revoked += chunk->sessions_revoked;
  }
  return results;
}

absl::StatusOr<LogoutResults> MysqlRefreshTokenRepository::LogoutChunk(
    const LogoutRequest* requests, size_t count) {
  const std::string now = mysql::ToSqlTime(clock_());
  return mysql::RunInTransaction(
      pool_, "log out", kPrimaryKeyField,
      [&](mysql::Connection& connection) -> absl::StatusOr<LogoutResults> {
        // Which presented sessions are active, and whose, with which token. A plain read: the
        // UPDATEs below find their rows again with locks, and revoking twice changes nothing.
        std::vector<std::string> jtis;
        jtis.reserve(count);
        for (size_t i = 0; i < count; ++i) jtis.push_back(requests[i].session_jti);
        sql::PreparedStatement& select = connection.Prepare(
            absl::StrCat("SELECT jti, user_id, token_hash FROM sessions WHERE jti IN (",
                         mysql::InListPlaceholders(mysql::InListSize(count)),
                         ") AND revoked_at IS NULL AND expires_at > ?"));
        select.setDateTime(mysql::BindInList(select, 1, jtis), now);
        struct Active {
          int64_t user_id;
          std::string token_hash;
        };
        absl::flat_hash_map<std::string, Active> active;
        {
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          while (rows->next()) {
            active[std::string(rows->getString(1))] = {static_cast<int64_t>(rows->getUInt64(2)),
                                                       std::string(rows->getString(3))};
          }
        }
        LogoutResults results;
        results.logged_out.assign(count, false);
        std::vector<int64_t> users;                // whose every session ends
        std::vector<std::string> single_sessions;  // that end with their family only
        for (size_t i = 0; i < count; ++i) {
          const LogoutRequest& request = requests[i];
          const auto it = active.find(request.session_jti);
          if (it == active.end() || it->second.user_id != request.user_id ||
              it->second.token_hash != request.token_hash) {
            continue;
          }
          results.logged_out[i] = true;
          if (request.current_session_only) {
            single_sessions.push_back(request.session_jti);
          } else {
            users.push_back(request.user_id);
          }
        }
        std::sort(users.begin(), users.end());
        users.erase(std::unique(users.begin(), users.end()), users.end());

        // refresh_tokens rows first, then sessions rows (see refresh_token_repository.h).
        std::vector<std::string> families;
        for (const std::string& jti : single_sessions) {
          if (std::optional<std::string> family = LockFamilyOf(connection, jti)) {
            families.push_back(*std::move(family));
          }
        }
        for (const std::string& family : families) RevokeFamilyTokens(connection, family, now);
        RevokeTokensOfUsers(connection, users, now);

        for (const std::string& family : families) {
          results.sessions_revoked += RevokeFamilySessions(connection, family, now);
        }
        for (const std::string& jti : single_sessions) {
          results.sessions_revoked += RevokeSession(connection, jti, now);
        }
        results.sessions_revoked += RevokeSessionsOfUsers(connection, users, now);
        return results;
      });
}

absl::StatusOr<int64_t> MysqlRefreshTokenRepository::DeleteExpired(absl::Time now) {
  const std::string cutoff = mysql::ToSqlTime(now);
  return mysql::RunOnConnection(pool_, "delete expired refresh tokens", kPrimaryKeyField,
                                [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
                                  sql::PreparedStatement& remove = connection.Prepare(
                                      "DELETE FROM refresh_tokens WHERE expires_at < ?");
                                  remove.setDateTime(1, cutoff);
                                  return static_cast<int64_t>(remove.executeUpdate());
                                });
}

}  // namespace auth::mysql_repository
