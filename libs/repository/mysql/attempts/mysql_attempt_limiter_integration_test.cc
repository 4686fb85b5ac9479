// MysqlAttemptLimiter against a real, private MariaDB: counting, windows, settling, and the
// limit holding under concurrent attempts from two pools (two replicas).
#include <atomic>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/mysql/testing/query.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/mysql/attempts/mysql_attempt_limiter.h"
#include "libs/repository/mysql/testing/migrated_mariadb_test.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::QueryInt;
using ::auth::repository::Admission;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

class MysqlAttemptLimiterTest : public MigratedMariadbTest {
 protected:
  // A key no other test uses.
  static std::string FreshKey(absl::string_view kind) {
    static std::atomic<int> next{0};
    return absl::StrCat(kind, ":", next++);
  }

  // Admits one attempt against `key` alone; dies on a database error.
  Admission AdmitOne(const std::string& key, int64_t max, absl::Duration window, absl::Time now) {
    absl::StatusOr<Admission> admission = limiter_.Admit({{key, max, window}}, now);
    EXPECT_THAT(admission, IsOk());
    return admission.ok() ? *admission : Admission{};
  }

  MysqlAttemptLimiter limiter_{*pool_};
  const absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(MysqlAttemptLimiterTest, AdmitsUpToTheLimitThenRefusesWithTheWindowsEnd) {
  const std::string key = FreshKey("login-account");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(AdmitOne(key, 5, absl::Minutes(15), now_ + absl::Seconds(i)).admitted) << i;
  }
  const Admission refused = AdmitOne(key, 5, absl::Minutes(15), now_ + absl::Minutes(5));
  EXPECT_FALSE(refused.admitted);
  // The window started with the first attempt.
  EXPECT_EQ(refused.retry_after, absl::Minutes(10));
}

TEST_F(MysqlAttemptLimiterTest, RefusedAttemptsDoNotExtendTheWindow) {
  const std::string key = FreshKey("login-account");
  ASSERT_TRUE(AdmitOne(key, 1, absl::Minutes(1), now_).admitted);
  for (int i = 1; i < 59; i += 7) {
    EXPECT_FALSE(AdmitOne(key, 1, absl::Minutes(1), now_ + absl::Seconds(i)).admitted) << i;
  }
  // The first window ended: a new one starts with this attempt.
  EXPECT_TRUE(AdmitOne(key, 1, absl::Minutes(1), now_ + absl::Minutes(1)).admitted);
  EXPECT_FALSE(AdmitOne(key, 1, absl::Minutes(1), now_ + absl::Seconds(61)).admitted);
}

// The database's own counters, for what one call cost it.
struct StatementCounts {
  int64_t statements = 0;  // Questions: statements received, i.e. round trips
  int64_t row_writes = 0;  // Handler_update: rows changed (an unchanged row is not updated)
};

TEST_F(MysqlAttemptLimiterTest, AdmitIsOneStatementAndARefusalPastTheLimitChangesNoRow) {
  const std::string key = FreshKey("login-account");
  mysql::ConnectionPool observer(server_->pool_options());
  auto counts = [&] {
    return StatementCounts{
        QueryInt(observer,
                 "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                 "WHERE VARIABLE_NAME = 'QUESTIONS'"),
        QueryInt(observer,
                 "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS "
                 "WHERE VARIABLE_NAME IN ('HANDLER_UPDATE')")};
  };
  // What reading the counters itself adds to them.
  const StatementCounts idle_a = counts();
  const StatementCounts idle_b = counts();
  const int64_t overhead = idle_b.statements - idle_a.statements;
  ASSERT_TRUE(AdmitOne(key, 2, absl::Minutes(15), now_).admitted);  // prepares the statement
  StatementCounts before = counts();
  ASSERT_TRUE(AdmitOne(key, 2, absl::Minutes(15), now_).admitted);
  StatementCounts after = counts();
  EXPECT_EQ(after.statements - before.statements - overhead, 1);
  EXPECT_GE(after.row_writes - before.row_writes, 1);

  EXPECT_FALSE(AdmitOne(key, 2, absl::Minutes(15), now_).admitted);  // counted: 3 of 2
  before = counts();
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(AdmitOne(key, 2, absl::Minutes(15), now_).admitted);
  after = counts();
  std::cout << "RELIABILITY attempt_limiter_refusals: 5 refusals past the limit: statements="
            << after.statements - before.statements - overhead
            << " rows_written=" << after.row_writes - before.row_writes << std::endl;
  EXPECT_EQ(after.statements - before.statements - overhead, 5);
  EXPECT_EQ(after.row_writes - before.row_writes, 0);
  EXPECT_EQ(QueryInt(observer, absl::StrCat("SELECT attempts FROM attempt_counters WHERE "
                                            "counter_key = '",
                                            key, "'")),
            3);
}

TEST_F(MysqlAttemptLimiterTest, AnyExhaustedKeyRefusesAndTheLatestWindowEndIsAnnounced) {
  const std::string account = FreshKey("login-account");
  const std::string address = FreshKey("login-address");
  const absl::Duration window = absl::Minutes(15);
  // The address is used up first, elsewhere.
  ASSERT_TRUE(AdmitOne(address, 2, window, now_).admitted);
  ASSERT_TRUE(AdmitOne(address, 2, window, now_).admitted);
  absl::StatusOr<Admission> both =
      limiter_.Admit({{account, 5, window}, {address, 2, window}}, now_ + absl::Minutes(1));
  ASSERT_THAT(both, IsOk());
  EXPECT_FALSE(both->admitted);
  EXPECT_EQ(both->retry_after, absl::Minutes(14));
  // The refused attempt still counted against the account (which is not exhausted).
  EXPECT_TRUE(AdmitOne(account, 2, window, now_ + absl::Minutes(2)).admitted);
  EXPECT_FALSE(AdmitOne(account, 2, window, now_ + absl::Minutes(2)).admitted);
}

TEST_F(MysqlAttemptLimiterTest, SettleResetsAndRefunds) {
  const std::string account = FreshKey("login-account");
  const std::string address = FreshKey("login-address");
  const absl::Duration window = absl::Minutes(15);
  for (int i = 0; i < 2; ++i) {
    ASSERT_THAT(limiter_.Admit({{account, 2, window}, {address, 3, window}}, now_), IsOk());
  }
  // A third attempt on the address alone: 3 of 3 used.
  ASSERT_TRUE(AdmitOne(address, 3, window, now_).admitted);
  ASSERT_THAT(limiter_.Settle({.reset_keys = {account}, .refund_keys = {address}}), IsOk());
  // The account starts over; the address got one attempt back.
  EXPECT_TRUE(AdmitOne(account, 2, window, now_).admitted);
  EXPECT_TRUE(AdmitOne(account, 2, window, now_).admitted);
  EXPECT_TRUE(AdmitOne(address, 3, window, now_).admitted);
  EXPECT_FALSE(AdmitOne(address, 3, window, now_).admitted);
  // Settling keys that have no counter is fine.
  EXPECT_THAT(limiter_.Settle({.reset_keys = {FreshKey("x")}, .refund_keys = {FreshKey("y")}}),
              IsOk());
  EXPECT_THAT(limiter_.Settle({}), IsOk());
}

TEST_F(MysqlAttemptLimiterTest, RejectsBadLimits) {
  EXPECT_THAT(limiter_.Admit({}, now_), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(limiter_.Admit({{"", 1, absl::Minutes(1)}}, now_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(limiter_.Admit({{std::string(161, 'k'), 1, absl::Minutes(1)}}, now_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(limiter_.Admit({{"k", 0, absl::Minutes(1)}}, now_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(limiter_.Admit({{"k", 1, absl::ZeroDuration()}}, now_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(limiter_.Admit({{"k", 1, absl::Minutes(1)}, {"k", 1, absl::Minutes(1)}}, now_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(limiter_.Settle({.reset_keys = {""}, .refund_keys = {}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MysqlAttemptLimiterTest, DeleteExpiredRemovesOnlyEndedWindows) {
  const absl::Time later = now_ + absl::Hours(24 * 365);
  const std::string ended = FreshKey("register-address");
  const std::string running = FreshKey("register-address");
  ASSERT_TRUE(AdmitOne(ended, 1, absl::Minutes(1), later).admitted);
  ASSERT_TRUE(AdmitOne(running, 1, absl::Hours(1), later).admitted);
  absl::StatusOr<int64_t> deleted = limiter_.DeleteExpired(later + absl::Minutes(2));
  ASSERT_THAT(deleted, IsOk());
  EXPECT_GE(*deleted, 1);
  // `running` kept its count; `ended` starts afresh (either way it would be admitted, so check
  // the one that must still be refused).
  EXPECT_FALSE(AdmitOne(running, 1, absl::Hours(1), later + absl::Minutes(3)).admitted);
  EXPECT_TRUE(AdmitOne(ended, 1, absl::Minutes(1), later + absl::Minutes(3)).admitted);
}

// The security property: however many attempts race, on however many replicas, no more than
// the limit are admitted.
TEST_F(MysqlAttemptLimiterTest, ConcurrentAttemptsFromTwoReplicasNeverExceedTheLimit) {
  mysql::ConnectionPool other_pool(server_->pool_options());
  MysqlAttemptLimiter replicas[] = {MysqlAttemptLimiter(*pool_), MysqlAttemptLimiter(other_pool)};
  const std::string account = FreshKey("login-account");
  const std::string address = FreshKey("login-address");
  constexpr int kThreads = 12;
  constexpr int kAttemptsPerThread = 10;
  constexpr int kLimit = 7;
  std::atomic<int> admitted{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        absl::StatusOr<Admission> admission = replicas[t % 2].Admit(
            {{account, kLimit, absl::Minutes(15)}, {address, 1000, absl::Minutes(15)}}, now_);
        if (!admission.ok()) {
          ++errors;
        } else if (admission->admitted) {
          ++admitted;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::cout << "RELIABILITY attempt_limiter_race: attempts=" << kThreads * kAttemptsPerThread
            << " limit=" << kLimit << " admitted=" << admitted.load() << " errors=" << errors.load()
            << std::endl;
  EXPECT_EQ(errors.load(), 0);
  // Exact: each admission reads its own count while it holds the rows.
  EXPECT_EQ(admitted.load(), kLimit);
}

}  // namespace
}  // namespace auth::mysql_repository
