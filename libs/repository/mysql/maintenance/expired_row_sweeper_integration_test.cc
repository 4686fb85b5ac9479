// ExpiredRowSweeper against a real, private MariaDB: expired rows of the three tables go in
// batches, live ones stay, a run stops at its budget, and only the holder of the lock sweeps.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/testing/query.h"
#include "libs/repository/mysql/maintenance/expired_row_sweeper.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_integration_test_base.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::QueryInt;
using ::auth::test_util::IsOk;

// Runs `sql` on a connection of `pool`; false if it failed.
bool Execute(mysql::ConnectionPool& pool, const std::string& sql) {
  absl::StatusOr<mysql::PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return false;
  std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
  statement->execute(sql);
  return true;
}

class ExpiredRowSweeperTest : public MysqlRefreshTokenTest {
 protected:
  // Each test counts rows from an empty start.
  void SetUp() override {
    MysqlRefreshTokenTest::SetUp();
    for (const char* table : {"refresh_tokens", "sessions", "attempt_counters", "account_tokens",
                              "mfa_tickets", "mail_outbox", "webauthn_ceremonies"}) {
      ASSERT_TRUE(Execute(*pool_, absl::StrCat("DELETE FROM ", table)));
    }
  }

  // Stores `count` grants of the test's user whose session and refresh token expire at
  // now + `lifetime`, and `count` attempt counters that do too.
  void Store(int count, absl::Duration lifetime) {
    MysqlRefreshTokenRepository tokens(*pool_);
    for (int i = 0; i < count; ++i) {
      repository::SessionGrant grant = Grant(user_id_);
      grant.session.expires_at = absl::Now() + lifetime;
      grant.refresh_token.expires_at = absl::Now() + lifetime;
      ASSERT_THAT(tokens.Create(grant, {}), IsOk());
      ASSERT_TRUE(Execute(*pool_, absl::StrCat("INSERT INTO attempt_counters (counter_key, "
                                               "attempts, expires_at) VALUES ('sweep-",
                                               Next(), "', 1, UTC_TIMESTAMP(6) + INTERVAL ",
                                               absl::ToInt64Seconds(lifetime), " SECOND)")));
    }
  }

  int64_t Rows(const std::string& table) {
    return QueryInt(*pool_, absl::StrCat("SELECT COUNT(*) FROM ", table));
  }
};

TEST_F(ExpiredRowSweeperTest, DeletesExpiredRowsInBatchesAndKeepsLiveOnes) {
  Store(25, -absl::Minutes(1));
  Store(3, absl::Hours(1));
  ExpiredRowSweeper sweeper(*pool_, {.batch_size = 10, .max_rows_per_run = 1000});

  ASSERT_OK_AND_ASSIGN(const SweepResult result, sweeper.SweepOnce());
  EXPECT_TRUE(result.swept);
  EXPECT_EQ(result.sessions_deleted, 25);
  EXPECT_EQ(result.refresh_tokens_deleted, 25);
  EXPECT_EQ(result.attempt_counters_deleted, 25);
  EXPECT_EQ(result.batches, 14);  // 10+10+5 in each table; one empty batch of the other five
  EXPECT_EQ(Rows("sessions"), 3);
  EXPECT_EQ(Rows("refresh_tokens"), 3);
  EXPECT_EQ(Rows("attempt_counters"), 3);
  // The lock went back: another connection can take it.
  EXPECT_EQ(QueryInt(*pool_, "SELECT IS_FREE_LOCK('auth_sweeper')"), 1);

  ASSERT_OK_AND_ASSIGN(const SweepResult again, sweeper.SweepOnce());
  EXPECT_TRUE(again.swept);
  EXPECT_EQ(again.sessions_deleted + again.refresh_tokens_deleted + again.attempt_counters_deleted,
            0);
}

TEST_F(ExpiredRowSweeperTest, DeletesExpiredLinkTokensAndMailsSentAnHourAgo) {
  const auto token = [&](const std::string& digest, const std::string& expires) {
    ASSERT_TRUE(
        Execute(*pool_, absl::StrCat("INSERT INTO account_tokens (token_hash, purpose, "
                                     "user_id, email, created_at, expires_at) VALUES ('",
                                     digest, "', 1, ", user_id_,
                                     ", 'a@example.org', UTC_TIMESTAMP(6), ", expires, ")")));
  };
  token(std::string(64, 'e'), "UTC_TIMESTAMP(6) - INTERVAL 1 SECOND");
  token(std::string(64, 'l'), "UTC_TIMESTAMP(6) + INTERVAL 1 HOUR");
  // MFA tickets likewise: the expired one goes, the live one stays.
  for (const char* expires : {"- INTERVAL 1 SECOND", "+ INTERVAL 5 MINUTE"}) {
    ASSERT_TRUE(
        Execute(*pool_, absl::StrCat("INSERT INTO mfa_tickets (ticket_hash, user_id, "
                                     "created_at, expires_at) VALUES (SHA2('",
                                     expires, "', 256), ", user_id_,
                                     ", UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) ", expires, ")")));
  }
  const auto mail = [&](int state, const std::string& finished) {
    ASSERT_TRUE(Execute(
        *pool_, absl::StrCat("INSERT INTO mail_outbox (recipient, subject, body, "
                             "state, next_attempt_at, created_at, finished_at) "
                             "VALUES ('a@example.org', 's', 'link', ",
                             state, ", UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ", finished, ")")));
  };
  mail(1, "UTC_TIMESTAMP(6) - INTERVAL 61 MINUTE");  // sent over an hour ago: deleted
  mail(1, "UTC_TIMESTAMP(6) - INTERVAL 59 MINUTE");  // sent just now: kept
  mail(2, "UTC_TIMESTAMP(6) - INTERVAL 2 DAY");      // given up two days ago: kept
  mail(2, "UTC_TIMESTAMP(6) - INTERVAL 8 DAY");      // given up over a week ago: deleted
  mail(0, "NULL");                                   // pending: kept
  ExpiredRowSweeper sweeper(*pool_, {});
  ASSERT_OK_AND_ASSIGN(const SweepResult result, sweeper.SweepOnce());
  EXPECT_EQ(result.account_tokens_deleted, 1);
  EXPECT_EQ(result.mfa_tickets_deleted, 1);
  EXPECT_EQ(result.mails_deleted, 2);
  EXPECT_EQ(Rows("account_tokens"), 1);
  EXPECT_EQ(Rows("mfa_tickets"), 1);
  EXPECT_EQ(Rows("mail_outbox"), 3);
}

TEST_F(ExpiredRowSweeperTest, DeletesExpiredPasskeyCeremonies) {
  const auto ceremony = [&](char id, const std::string& expires) {
    ASSERT_TRUE(Execute(*pool_, absl::StrCat("INSERT INTO webauthn_ceremonies (ceremony_id, "
                                             "kind, challenge, created_at, expires_at) VALUES ('",
                                             std::string(43, id),
                                             "', 2, 'challenge', "
                                             "UTC_TIMESTAMP(6), ",
                                             expires, ")")));
  };
  ceremony('e', "UTC_TIMESTAMP(6) - INTERVAL 1 SECOND");
  ceremony('l', "UTC_TIMESTAMP(6) + INTERVAL 5 MINUTE");
  ExpiredRowSweeper sweeper(*pool_, {});
  ASSERT_OK_AND_ASSIGN(const SweepResult result, sweeper.SweepOnce());
  EXPECT_EQ(result.webauthn_ceremonies_deleted, 1);
  EXPECT_EQ(Rows("webauthn_ceremonies"), 1);
}

TEST_F(ExpiredRowSweeperTest, ARunStopsAtItsBudgetAndTheNextGoesOn) {
  Store(12, -absl::Minutes(1));
  ExpiredRowSweeper sweeper(*pool_, {.batch_size = 5, .max_rows_per_run = 20});

  ASSERT_OK_AND_ASSIGN(const SweepResult first, sweeper.SweepOnce());
  EXPECT_EQ(first.sessions_deleted, 12);
  EXPECT_EQ(first.refresh_tokens_deleted, 8);
  EXPECT_EQ(first.attempt_counters_deleted, 0);
  ASSERT_OK_AND_ASSIGN(const SweepResult second, sweeper.SweepOnce());
  EXPECT_EQ(second.refresh_tokens_deleted, 4);
  EXPECT_EQ(second.attempt_counters_deleted, 12);
  EXPECT_EQ(Rows("sessions") + Rows("refresh_tokens") + Rows("attempt_counters"), 0);
}

TEST_F(ExpiredRowSweeperTest, OnlyTheHolderOfTheLockSweeps) {
  Store(4, -absl::Minutes(1));
  // Another replica's sweeper, mid-run: its connection holds the lock.
  absl::StatusOr<mysql::PooledConnection> other = pool_->Acquire();
  ASSERT_THAT(other, IsOk());
  std::unique_ptr<sql::Statement> statement((*other)->createStatement());
  std::unique_ptr<sql::ResultSet>(statement->executeQuery("SELECT GET_LOCK('auth_sweeper', 0)"));
  ExpiredRowSweeper sweeper(*pool_, {});

  const absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(const SweepResult skipped, sweeper.SweepOnce());
  EXPECT_FALSE(skipped.swept);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));  // it does not wait for the lock
  EXPECT_EQ(Rows("sessions"), 4);

  std::unique_ptr<sql::ResultSet>(statement->executeQuery("SELECT RELEASE_LOCK('auth_sweeper')"));
  ASSERT_OK_AND_ASSIGN(const SweepResult swept, sweeper.SweepOnce());
  EXPECT_TRUE(swept.swept);
  EXPECT_EQ(swept.sessions_deleted, 4);
}

TEST_F(ExpiredRowSweeperTest, OfTwoSweepersAtOnceOnlyTheLockHolderSweeps) {
  Store(5, -absl::Minutes(1));
  // Hold up the first sweeper inside its run: its first DELETE waits for this row lock.
  absl::StatusOr<mysql::PooledConnection> blocker = pool_->Acquire();
  ASSERT_THAT(blocker, IsOk());
  std::unique_ptr<sql::Statement> statement((*blocker)->createStatement());
  statement->execute("START TRANSACTION");
  std::unique_ptr<sql::ResultSet>(
      statement->executeQuery("SELECT jti FROM sessions ORDER BY expires_at LIMIT 1 FOR UPDATE"));

  ExpiredRowSweeper first(*pool_, {.batch_size = 2, .max_rows_per_run = 1000});
  ExpiredRowSweeper second(*pool_, {.batch_size = 2, .max_rows_per_run = 1000});
  absl::StatusOr<SweepResult> first_result;
  std::thread running([&] { first_result = first.SweepOnce(); });
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  while (QueryInt(*pool_, "SELECT IS_USED_LOCK('auth_sweeper') IS NOT NULL") != 1 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  // Without the lock it would wait for the same row lock, and fail after the read timeout.
  const absl::StatusOr<SweepResult> second_result = second.SweepOnce();
  statement->execute("ROLLBACK");
  running.join();

  ASSERT_THAT(second_result, IsOk());
  EXPECT_FALSE(second_result->swept);
  ASSERT_THAT(first_result, IsOk());
  EXPECT_TRUE(first_result->swept);
  EXPECT_EQ(first_result->sessions_deleted, 5);
  EXPECT_EQ(Rows("sessions"), 0);
}

TEST_F(ExpiredRowSweeperTest, BackgroundThreadSweepsEveryPeriod) {
  Store(2, -absl::Minutes(1));
  ExpiredRowSweeper sweeper(*pool_, {});
  sweeper.Start(absl::Milliseconds(20));
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (Rows("sessions") != 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  sweeper.Stop();
  EXPECT_EQ(Rows("sessions"), 0);
}

}  // namespace
}  // namespace auth::mysql_repository
