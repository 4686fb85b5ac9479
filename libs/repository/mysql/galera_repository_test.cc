// The repository layer on a real 3-node Galera cluster: migrations started through three
// nodes at once, the same username registered through two nodes at once, the attempt limiter
// counted through three nodes, a revocation read back at once through the other nodes, and the
// pool's failover when its preferred node is SIGKILLed and its return once the node rejoined.
// Prints "GALERA <name>: ..." figure lines (quoted in RELIABILITY.md).
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/galera_cluster.h"
#include "libs/mysql/testing/query.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/mysql/attempts/mysql_attempt_limiter.h"
#include "libs/repository/mysql/schema/migrations.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::GaleraCluster;
using ::auth::mysql_testing::QueryInt;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

void Report(const std::string& name, const std::string& figures) {
  std::cout << "GALERA " << name << ": " << figures << std::endl;
}

class GaleraRepositoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<GaleraCluster>> cluster = GaleraCluster::Start();
    ASSERT_THAT(cluster, IsOk());
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr) << "the cluster did not start"; }

  // A new database with the service's schema, applied through node 1.
  static std::string MigratedDatabase(const std::string& name) {
    EXPECT_THAT(cluster_->CreateDatabase(name), IsOk());
    mysql::ConnectionPool pool(cluster_->pool_options({1}, name));
    EXPECT_THAT(ApplyMigrations(pool), IsOk());
    return name;
  }

  inline static GaleraCluster* cluster_ = nullptr;
};

TEST_F(GaleraRepositoryTest, FirstStartsThroughThreeNodesAtOnceMigrateOnce) {
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    const std::string database = absl::StrCat("migrate_", round);
    ASSERT_THAT(cluster_->CreateDatabase(database), IsOk());
    std::vector<std::unique_ptr<mysql::ConnectionPool>> pools;
    for (int node = 1; node <= GaleraCluster::kNodes; ++node) {
      pools.push_back(
          std::make_unique<mysql::ConnectionPool>(cluster_->pool_options({node}, database)));
    }
    std::vector<absl::Status> results(pools.size());
    std::vector<std::thread> starts;
    for (size_t i = 0; i < pools.size(); ++i) {
      starts.emplace_back([&, i] { results[i] = ApplyMigrations(*pools[i]); });
    }
    for (std::thread& start : starts) start.join();
    for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
    const int64_t migrations = static_cast<int64_t>(EmbeddedMigrations().size());
    EXPECT_EQ(QueryInt(*pools[2], "SELECT COUNT(*) FROM schema_migrations WHERE version > 0"),
              migrations);
    EXPECT_EQ(QueryInt(*pools[1], "SELECT COUNT(*) FROM schema_migrations WHERE version = 0"), 0)
        << "the lock row was left behind";
    EXPECT_EQ(QueryInt(*pools[0],
                       "SELECT COUNT(*) FROM information_schema.tables WHERE "
                       "table_schema = DATABASE() AND table_name = 'attempt_counters'"),
              1);
  }
  Report("migrations", absl::StrCat("rounds=", kRounds, " nodes=3 each_version_recorded_once=yes"));
}

TEST_F(GaleraRepositoryTest, TheSameUsernameThroughTwoNodesAtOnceIsStoredOnce) {
  const std::string database = MigratedDatabase("conflicts");
  mysql::ConnectionPool first(cluster_->pool_options({1}, database));
  mysql::ConnectionPool second(cluster_->pool_options({2}, database));
  MysqlUserRepository users_first(first);
  MysqlUserRepository users_second(second);
  constexpr int kRounds = 40;
  int created = 0, taken = 0, other = 0;
  for (int round = 0; round < kRounds; ++round) {
    repository::NewUser user{.username = absl::StrCat("race", round),
                             .email = absl::StrCat("race", round, "@example.com"),
                             .phone_number = std::nullopt,
                             .password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"};
    absl::StatusOr<int64_t> a, b;
    std::thread one([&] { a = users_first.Create(user); });
    std::thread two([&] { b = users_second.Create(user); });
    one.join();
    two.join();
    for (const absl::StatusOr<int64_t>* result : {&a, &b}) {
      if (result->ok()) {
        ++created;
      } else if (result->status().code() == absl::StatusCode::kAlreadyExists) {
        ++taken;
      } else {
        ++other;
        ADD_FAILURE() << result->status();
      }
    }
  }
  // Each name is stored once. Through two nodes at once a few losers were acknowledged as
  // created (a COMMIT that certification rolled back answered OK): measured, not asserted;
  // auth_server writes users through one node (CanonicalEndpointOrder) for that reason.
  EXPECT_EQ(QueryInt(first, "SELECT COUNT(*) FROM users"), kRounds);
  EXPECT_GE(created, kRounds);
  EXPECT_EQ(created + taken, 2 * kRounds);
  Report("unique_race",
         absl::StrCat("rounds=", kRounds, " created=", created, " already_exists=", taken,
                      " other=", other, " acknowledged_but_not_stored=", created - kRounds));
}

// Counts 9 threads x 8 attempts on one key, limit 7, through three pools (three replicas):
// with `endpoints(i)` the endpoint list of pool i. Reports and returns (admitted, counted,
// successful calls).
struct LimiterRun {
  int admitted = 0;
  int refused = 0;
  int errors = 0;
  int64_t counted = 0;  // the counter's value afterwards
  // What the counter must hold if no increment was lost: every attempt, up to the limit + 1
  // (past it, a refusal leaves the row alone).
  int64_t expected_count() const { return std::min<int64_t>(admitted + refused, 8); }
};

LimiterRun CountAttempts(GaleraCluster& cluster, const std::string& database,
                         const std::function<std::vector<int>(int)>& endpoints) {
  std::vector<std::unique_ptr<mysql::ConnectionPool>> pools;
  std::vector<std::unique_ptr<MysqlAttemptLimiter>> limiters;
  for (int i = 0; i < GaleraCluster::kNodes; ++i) {
    pools.push_back(
        std::make_unique<mysql::ConnectionPool>(cluster.pool_options(endpoints(i), database)));
    limiters.push_back(std::make_unique<MysqlAttemptLimiter>(*pools.back()));
  }
  constexpr int kThreads = 9, kAttempts = 8;
  std::atomic<int> admitted{0}, refused{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttempts; ++i) {
        absl::StatusOr<repository::Admission> admission = limiters[t % limiters.size()]->Admit(
            {{"login-account:1", 7, absl::Minutes(15)}}, absl::Now());
        if (!admission.ok()) {
          ++errors;
        } else if (admission->admitted) {
          ++admitted;
        } else {
          ++refused;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  LimiterRun run{admitted.load(), refused.load(), errors.load(),
                 QueryInt(*pools[0],
                          "SELECT attempts FROM attempt_counters "
                          "WHERE counter_key = 'login-account:1'")};
  return run;
}

std::string Figures(const LimiterRun& run) {
  return absl::StrCat("attempts=72 limit=7 admitted=", run.admitted, " refused=", run.refused,
                      " errors=", run.errors, " counted=", run.counted,
                      " lost_updates=", run.expected_count() - run.counted);
}

// As auth_server does with several endpoints: every replica's limiter writes through the
// same node (CanonicalEndpointOrder), whose row locks make the count exact.
TEST_F(GaleraRepositoryTest, TheAttemptLimitIsExactThroughTheCanonicalNode) {
  const std::string database = MigratedDatabase("limits");
  const LimiterRun run = CountAttempts(*cluster_, database, [](int i) {
    std::vector<int> order = {i + 1, (i + 1) % 3 + 1, (i + 2) % 3 + 1};  // each its own order...
    std::sort(order.begin(), order.end());  // ...made canonical, as auth_server does
    return order;
  });
  EXPECT_EQ(run.admitted, 7);
  EXPECT_EQ(run.errors, 0);
  EXPECT_EQ(run.counted, run.expected_count());
  Report("attempt_limiter_canonical_node", Figures(run));
}

// The same with each replica writing through its own node: conflicts are left to Galera's
// certification. Measured, not asserted: under this much contention on one row, some
// successful commits' increments were lost (the reason for the canonical node above).
TEST_F(GaleraRepositoryTest, TheAttemptLimitThroughThreeNodesIsMeasured) {
  const std::string database = MigratedDatabase("limits_spread");
  const LimiterRun run =
      CountAttempts(*cluster_, database, [](int i) { return std::vector<int>{i + 1}; });
  EXPECT_EQ(run.admitted + run.refused + run.errors, 72);
  Report("attempt_limiter_three_nodes", Figures(run));
}

TEST_F(GaleraRepositoryTest, ARevocationIsSeenAtOnceThroughTheOtherNodes) {
  const std::string database = MigratedDatabase("revocations");
  mysql::ConnectionPool writer(cluster_->pool_options({1}, database));
  mysql::ConnectionPool reader2(cluster_->pool_options({2}, database));
  mysql::ConnectionPool reader3(cluster_->pool_options({3}, database));
  MysqlUserRepository users(writer);
  ASSERT_OK_AND_ASSIGN(int64_t user_id, users.Create({.username = "reader",
                                                      .email = "reader@example.com",
                                                      .phone_number = std::nullopt,
                                                      .password_hash = "$argon2id$x"}));
  MysqlSessionRepository sessions(writer);
  MysqlSessionRepository sessions2(reader2);
  MysqlSessionRepository sessions3(reader3);
  // The same reads without wsrep_sync_wait, to show what it prevents.
  mysql::ConnectionPoolOptions no_wait = cluster_->pool_options({2}, database);
  no_wait.wsrep_sync_wait = 0;
  mysql::ConnectionPool lagging(no_wait);
  MysqlSessionRepository sessions_no_wait(lagging);
  constexpr int kRounds = 200;
  int stale = 0, stale_without_sync_wait = 0;
  for (int round = 0; round < kRounds; ++round) {
    repository::Session session;
    session.jti = absl::StrCat("jti-", round);
    session.user_id = user_id;
    session.expires_at = absl::Now() + absl::Hours(1);
    session.token_hash = std::string(64, 'a');
    ASSERT_THAT(sessions.Create(session), IsOk());
    ASSERT_THAT(sessions.Revoke(session.jti), IsOk());
    for (MysqlSessionRepository* reader : {&sessions2, &sessions3}) {
      absl::StatusOr<repository::Session> found = reader->FindActive(session.jti);
      if (found.ok()) ++stale;
      EXPECT_THAT(found, StatusIs(absl::StatusCode::kNotFound)) << round;
    }
    if (sessions_no_wait.FindActive(session.jti).ok()) ++stale_without_sync_wait;
  }
  Report("read_your_writes", absl::StrCat("revocations=", kRounds, " reads_on_other_nodes=",
                                          2 * kRounds, " stale_with_sync_wait=", stale,
                                          " stale_without_sync_wait=", stale_without_sync_wait));
}

TEST_F(GaleraRepositoryTest, ThePoolFailsOverWhenItsNodeIsKilledAndReturnsAfterTheRejoin) {
  const std::string database = MigratedDatabase("failover");
  mysql::ConnectionPool pool(cluster_->pool_options({1, 2, 3}, database));
  MysqlUserRepository users(pool);
  ASSERT_OK_AND_ASSIGN(int64_t user_id, users.Create({.username = "failover",
                                                      .email = "failover@example.com",
                                                      .phone_number = std::nullopt,
                                                      .password_hash = "$argon2id$x"}));
  {
    ASSERT_OK_AND_ASSIGN(mysql::PooledConnection lease, pool.Acquire());
    EXPECT_EQ(lease.endpoint_index(), 0);
  }
  // Reads and writes in a loop while node 1 is killed; count what failed and for how long.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::atomic<int64_t> last_failure_ms{0};
  const absl::Time start = absl::Now();
  std::thread load([&] {
    int i = 0;
    while (!stop) {
      const bool read_ok = users.FindById(user_id).ok();
      const bool write_ok = users.UpdatePasswordHash(user_id, absl::StrCat("$argon2id$", i++)).ok();
      ok += read_ok + write_ok;
      if (!read_ok || !write_ok) {
        failed += !read_ok + !write_ok;
        last_failure_ms = absl::ToInt64Milliseconds(absl::Now() - start);
      }
    }
  });
  absl::SleepFor(absl::Milliseconds(500));
  const int64_t kill_ms = absl::ToInt64Milliseconds(absl::Now() - start);
  ASSERT_THAT(cluster_->Kill(1), IsOk());
  const absl::Time killed = absl::Now();
  // Progress again with node 1 down: 20 more successful calls than at the kill.
  const int ok_at_kill = ok;
  while (ok < ok_at_kill + 20 && absl::Now() - killed < absl::Seconds(20)) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  const absl::Duration recovered = absl::Now() - killed;
  EXPECT_GE(ok.load(), ok_at_kill + 20) << "no progress with node 1 down";
  absl::SleepFor(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(absl::Duration rejoin, cluster_->Restart(1));
  // The pool probes node 1 again within endpoint_retry_after (1 s) and moves back to it.
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    absl::StatusOr<mysql::PooledConnection> lease = pool.Acquire();
    back = lease.ok() && lease->endpoint_index() == 0;
  }
  stop = true;
  load.join();
  EXPECT_TRUE(back) << "the pool did not return to its preferred node";
  const int64_t failure_window = failed > 0 ? last_failure_ms - kill_ms : 0;
  Report("pool_failover",
         absl::StrCat("calls_ok=", ok.load(), " calls_failed=", failed.load(),
                      " last_failure_after_kill_ms=", failure_window,
                      " progress_again_after_kill_ms=", absl::ToInt64Milliseconds(recovered),
                      " node_rejoin_ms=", absl::ToInt64Milliseconds(rejoin),
                      " back_on_preferred=", back ? "yes" : "no"));
}

}  // namespace
}  // namespace auth::mysql_repository
