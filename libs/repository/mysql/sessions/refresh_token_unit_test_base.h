// MysqlRefreshTokenRepositoryTest: the base of the MysqlRefreshTokenRepository unit tests, a
// repository over a MockPool (one connection, one run per call) on a fixed clock, with the
// expectations of the statements its transactions run.
#ifndef LIBS_REPOSITORY_MYSQL_SESSIONS_REFRESH_TOKEN_UNIT_TEST_BASE_H_
#define LIBS_REPOSITORY_MYSQL_SESSIONS_REFRESH_TOKEN_UNIT_TEST_BASE_H_

#include <cppconn/sqlstring.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool_mock.h"
#include "libs/mysql/connector_mock.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/session_repository.h"

namespace auth::mysql_repository {

inline constexpr int64_t kNow = 1700000000;  // 2023-11-14 22:13:20 UTC
inline constexpr char kNowSql[] = "2023-11-14 22:13:20.000000";
inline const std::string kOldHash(64, 'a');
inline const std::string kNewHash(64, 'b');

// The columns Rotate() selects, as the mocked row returns them.
struct TokenRow {
  std::string family_id = "family-1";
  std::string session_jti = "jti-old";
  uint64_t user_id = 42;
  std::string expires_at = "1700003600.000000";
  std::string family_started_at = "1699990000.000000";  // 2023-11-14 19:26:40 UTC
  std::optional<std::string> rotated_at;
  std::optional<std::string> revoked_at;
};

class MysqlRefreshTokenRepositoryTest : public ::testing::Test {
 protected:
  MysqlRefreshTokenRepositoryTest();

  mysql::MockConnection& connection() { return mock_.connection(); }

  mysql::MockPreparedStatement* ExpectPrepare(::testing::Matcher<const sql::SQLString&> sql) {
    return mock_.ExpectPrepare(std::move(sql));
  }

  // Expects the plain (autocommit, non-locking) look-up of kOldHash that comes before any
  // transaction, answering whether it is worth locking. Prepared the first time, then reused.
  void ExpectLookup(bool found);
  // Expects the locking SELECT of kOldHash, answering `row` (or no row). Prepared the first
  // time only: later calls on the same connection reuse the cached statement.
  void ExpectSelect(const std::optional<TokenRow>& row);
  // Expects the locking read of whether the successor kNewHash was rotated, answering `used`.
  void ExpectSuccessorSelect(bool used);
  // Expects the inserts of Successor().
  void ExpectInsertGrant();
  // Expects the family revocation: refresh tokens first, then their sessions.
  void ExpectRevokeFamily();
  // Expects a transaction that commits. COMMIT runs as a statement (see internal::Commit in
  // libs/mysql/transaction_runner.h).
  void ExpectCommit();
  // Expects a transaction that rolls back.
  void ExpectRollback();

  // The grant of session "jti-new" and its refresh token kNewHash in family "family-1",
  // started at TokenRow's family_started_at.
  static repository::SessionGrant Successor();
  // A GrantFn that must not be called.
  static absl::StatusOr<repository::SessionGrant> NoGrant(const repository::RefreshToken&);

  mysql::MockPool mock_;
  mysql::MockPreparedStatement* select_ = nullptr;  // ExpectSelect()'s, cached
  mysql::MockPreparedStatement* lookup_ = nullptr;  // ExpectLookup()'s, cached
  std::unique_ptr<MysqlRefreshTokenRepository> repository_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_SESSIONS_REFRESH_TOKEN_UNIT_TEST_BASE_H_
