// ExpiredRowSweeper over mocked Connector/C++ objects: what a run does when the database
// refuses GET_LOCK (some MariaDB releases on a Galera node), which a real single server never
// does. The locking and batching themselves are tested against MariaDB
// (expired_row_sweeper_integration_test.cc).
#include "libs/repository/mysql/maintenance/expired_row_sweeper.h"

#include <cppconn/exception.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool_mock.h"
#include "libs/mysql/connector_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql::MockPool;
using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::SqlEq;
using ::auth::mysql::SqlHas;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::AllOf;
using ::testing::Return;
using ::testing::Throw;

constexpr char kNow[] = "2023-11-14 22:13:20.000000";

class ExpiredRowSweeperTest : public ::testing::Test {
 protected:
  // Expects GET_LOCK('auth_sweeper', 0), answered by `error`.
  void ExpectLockRefused(const sql::SQLException& error) {
    MockPreparedStatement* lock = mock_.ExpectPrepare(SqlEq("SELECT GET_LOCK(?, 0)"));
    EXPECT_CALL(*lock, setString(1, SqlEq("auth_sweeper")));
    EXPECT_CALL(*lock, executeQuery()).WillOnce(Throw(error));
  }

  // Expects one batch of at most `batch_size` rows deleted from `table`, which deletes `rows`.
  // `condition` tells apart two sweeps of one table; `cutoff` is what its `?` is bound to.
  void ExpectBatch(const std::string& table, int64_t batch_size, int rows,
                   const std::string& condition = "expires_at", const std::string& cutoff = kNow) {
    MockPreparedStatement* remove =
        mock_.ExpectPrepare(AllOf(SqlHas("DELETE FROM " + table + " "), SqlHas(condition)));
    EXPECT_CALL(*remove, setDateTime(1, SqlEq(cutoff)));
    EXPECT_CALL(*remove, setInt64(2, batch_size));
    EXPECT_CALL(*remove, executeUpdate()).WillOnce(Return(rows));
  }

  MockPool mock_;
};

TEST_F(ExpiredRowSweeperTest, SweepsWithoutTheLockWhereTheDatabaseRefusesGetLock) {
  ExpectLockRefused(sql::SQLException(
      "This version of MariaDB doesn't yet support 'GET_LOCK in cluster (WSREP_ON=ON)'", "42000",
      1235));
  ExpectBatch("sessions", 50, 3);
  ExpectBatch("refresh_tokens", 50, 0);
  ExpectBatch("attempt_counters", 50, 1);
  ExpectBatch("account_tokens", 50, 2);
  ExpectBatch("mfa_tickets", 50, 5);
  // Sent mails an hour after they went, given-up ones a week after.
  ExpectBatch("mail_outbox", 50, 4, "state = 1", "2023-11-14 21:13:20.000000");
  ExpectBatch("mail_outbox", 50, 0, "state = 2", "2023-11-07 22:13:20.000000");
  ExpectBatch("webauthn_ceremonies", 50, 5);
  // No RELEASE_LOCK: it would be refused alike (the mock connection answers no other SQL).
  ExpiredRowSweeper sweeper(mock_.pool(), {.batch_size = 50, .max_rows_per_run = 1000},
                            [] { return absl::FromUnixSeconds(1700000000); });
  absl::StatusOr<SweepResult> result = sweeper.SweepOnce();
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(result->swept);
  EXPECT_EQ(result->sessions_deleted, 3);
  EXPECT_EQ(result->attempt_counters_deleted, 1);
  EXPECT_EQ(result->account_tokens_deleted, 2);
  EXPECT_EQ(result->mfa_tickets_deleted, 5);
  EXPECT_EQ(result->mails_deleted, 4);
  EXPECT_EQ(result->webauthn_ceremonies_deleted, 5);
  EXPECT_EQ(result->batches, 8);
}

TEST_F(ExpiredRowSweeperTest, AnyOtherErrorOfGetLockEndsTheRunUnswept) {
  ExpectLockRefused(sql::SQLException("Lost connection to server during query", "HY000", 2013));
  ExpiredRowSweeper sweeper(mock_.pool(), {}, [] { return absl::FromUnixSeconds(1700000000); });
  EXPECT_THAT(sweeper.SweepOnce(), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace auth::mysql_repository
