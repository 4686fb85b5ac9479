// ApplyMigrations against a real, private MariaDB: idempotence, concurrency, the lock, and
// failure handling.
#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

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
#include "libs/repository/mysql/schema/migrations.h"
#include "libs/testing/notification.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::MariadbServer;
using ::auth::mysql_testing::QueryInt;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

class MigrationsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<MariadbServer>> server = MariadbServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value().release();
  }
  static void TearDownTestSuite() { delete server_; }

  void SetUp() override { ASSERT_NE(server_, nullptr) << "server did not start"; }

  // Pool options for a new, empty database.
  mysql::ConnectionPoolOptions FreshDatabase(const std::string& name) {
    absl::StatusOr<mysql::ConnectionPoolOptions> options = server_->CreateDatabase(name);
    EXPECT_THAT(options, IsOk());
    return options.ok() ? *options : server_->pool_options();
  }

  // (version, name) rows of schema_migrations, in version order.
  static std::vector<std::pair<int, std::string>> Applied(mysql::ConnectionPool& pool) {
    std::vector<std::pair<int, std::string>> applied;
    absl::StatusOr<mysql::PooledConnection> connection = pool.Acquire();
    EXPECT_THAT(connection, IsOk());
    if (!connection.ok()) return applied;
    std::unique_ptr<sql::PreparedStatement> select(
        (*connection)
            ->prepareStatement("SELECT version, name FROM schema_migrations ORDER BY version"));
    std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
    while (rows->next()) applied.emplace_back(rows->getInt(1), rows->getString(2));
    return applied;
  }

  // Runs `statement`, which returns no rows.
  static void Execute(mysql::ConnectionPool& pool, const std::string& statement) {
    absl::StatusOr<mysql::PooledConnection> connection = pool.Acquire();
    ASSERT_THAT(connection, IsOk());
    std::unique_ptr<sql::PreparedStatement> prepared((*connection)->prepareStatement(statement));
    prepared->execute();
  }

  static bool TableExists(mysql::ConnectionPool& pool, const std::string& table) {
    return QueryInt(pool, absl::StrCat("SELECT COUNT(*) FROM information_schema.tables WHERE "
                                       "table_schema = DATABASE() AND table_name = '",
                                       table, "'")) == 1;
  }

  static MariadbServer* server_;
};

MariadbServer* MigrationsTest::server_ = nullptr;

// Every migration, in order, as the schema_migrations table lists them.
auto EveryMigration() {
  return ElementsAre(Pair(1, "create_users"), Pair(2, "create_sessions"),
                     Pair(3, "create_refresh_tokens"), Pair(4, "create_attempt_counters"),
                     Pair(5, "add_refresh_family_start"), Pair(6, "index_active_sessions_of_user"),
                     Pair(7, "create_mail_outbox"), Pair(8, "create_account_tokens"),
                     Pair(9, "add_users_email_verified_at"), Pair(10, "add_refresh_token_amr"),
                     Pair(11, "create_second_factors"), Pair(12, "create_passkeys"));
}

TEST_F(MigrationsTest, AppliesOnceAndIsSafeToRepeat) {
  mysql::ConnectionPool pool(FreshDatabase("twice"));
  ASSERT_THAT(ApplyMigrations(pool), IsOk());
  ASSERT_THAT(ApplyMigrations(pool), IsOk());
  EXPECT_THAT(Applied(pool), EveryMigration());
  EXPECT_TRUE(TableExists(pool, "users"));
  EXPECT_TRUE(TableExists(pool, "sessions"));
  EXPECT_TRUE(TableExists(pool, "refresh_tokens"));
  EXPECT_TRUE(TableExists(pool, "attempt_counters"));
  EXPECT_TRUE(TableExists(pool, "mail_outbox"));
  EXPECT_TRUE(TableExists(pool, "account_tokens"));
  for (const char* table : {"user_totp", "recovery_codes", "mfa_tickets", "webauthn_user_handles",
                            "passkeys", "webauthn_ceremonies"}) {
    EXPECT_TRUE(TableExists(pool, table)) << table;
  }
}

TEST_F(MigrationsTest, TwoPoolsRacingApplyEachMigrationOnce) {
  const mysql::ConnectionPoolOptions options = FreshDatabase("race");
  mysql::ConnectionPool first(options);
  mysql::ConnectionPool second(options);
  absl::Status first_status;
  absl::Status second_status;
  std::thread a([&] { first_status = ApplyMigrations(first); });
  std::thread b([&] { second_status = ApplyMigrations(second); });
  a.join();
  b.join();
  EXPECT_THAT(first_status, IsOk());
  EXPECT_THAT(second_status, IsOk());
  EXPECT_THAT(Applied(first), EveryMigration());
}

TEST_F(MigrationsTest, WaitsForTheLockHolder) {
  mysql::ConnectionPool pool(FreshDatabase("locked"));
  absl::StatusOr<mysql::PooledConnection> holder = pool.Acquire();
  ASSERT_THAT(holder, IsOk());
  std::unique_ptr<sql::PreparedStatement> lock(
      (*holder)->prepareStatement("SELECT GET_LOCK('auth_schema_migrations', 1)"));
  std::unique_ptr<sql::ResultSet> locked(lock->executeQuery());
  ASSERT_TRUE(locked->next());
  ASSERT_EQ(locked->getInt(1), 1);

  test_util::Notification done;
  absl::Status status;
  std::thread migrate([&] {
    status = ApplyMigrations(pool);
    done.Notify();
  });
  EXPECT_FALSE(done.WaitForNotificationWithTimeout(absl::Milliseconds(500)));
  EXPECT_FALSE(TableExists(pool, "users"));
  std::unique_ptr<sql::PreparedStatement> unlock(
      (*holder)->prepareStatement("SELECT RELEASE_LOCK('auth_schema_migrations')"));
  std::unique_ptr<sql::ResultSet> released(unlock->executeQuery());
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  migrate.join();
  EXPECT_THAT(status, IsOk());
  EXPECT_TRUE(TableExists(pool, "users"));
}

TEST_F(MigrationsTest, AppliesOnlyNewVersionsAndStopsAtAFailure) {
  mysql::ConnectionPool pool(FreshDatabase("later"));
  const Migration v1[] = {{1, "one", "CREATE TABLE t1 (x INT);\n"}};
  ASSERT_THAT(ApplyMigrationsForTest(pool, v1), IsOk());

  const Migration v1_to_3[] = {
      {1, "one", "CREATE TABLE t1 (x INT);\n"},  // would fail if it ran again
      {2, "two", "CREATE TABLE t2 (x INT);\n-- two statements\nINSERT INTO t2 VALUES (1);\n"},
      {3, "broken", "CREATE TABLE t3 (x NOT_A_TYPE);\n"},
  };
  EXPECT_THAT(ApplyMigrationsForTest(pool, v1_to_3), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(Applied(pool), ElementsAre(Pair(1, "one"), Pair(2, "two")));
  EXPECT_TRUE(TableExists(pool, "t2"));
  EXPECT_FALSE(TableExists(pool, "t3"));

  // The lock was released despite the failure: another run gets it at once.
  const Migration fixed[] = {{3, "fixed", "CREATE TABLE t3 (x INT);\n"}};
  EXPECT_THAT(ApplyMigrationsForTest(pool, fixed), IsOk());
  EXPECT_TRUE(TableExists(pool, "t3"));
}

// Migration 5 gives the refresh tokens stored before it the start of their family: the
// earliest created_at among the family's tokens (the login's token).
TEST_F(MigrationsTest, RefreshFamilyStartIsBackfilledFromTheFamilysFirstToken) {
  mysql::ConnectionPool pool(FreshDatabase("family_start"));
  ASSERT_THAT(ApplyMigrationsForTest(pool, EmbeddedMigrations().subspan(0, 4)), IsOk());
  Execute(pool,
          "INSERT INTO users (id, username, email, password_hash) VALUES (1, 'u', 'u@x.io', 'h')");
  Execute(pool,
          "INSERT INTO refresh_tokens (token_hash, family_id, session_jti, user_id, expires_at, "
          "created_at) VALUES "
          "('t2', 'f1', 's2', 1, '2026-03-01', '2026-01-10 00:00:00'), "
          "('t1', 'f1', 's1', 1, '2026-03-01', '2026-01-01 00:00:00'), "
          "('t3', 'f2', 's3', 1, '2026-03-01', '2026-02-01 00:00:00')");
  ASSERT_THAT(ApplyMigrations(pool), IsOk());
  auto started = [&](const std::string& token) {
    return QueryInt(pool, absl::StrCat("SELECT UNIX_TIMESTAMP(family_started_at) FROM "
                                       "refresh_tokens WHERE token_hash = '",
                                       token, "'"));
  };
  EXPECT_EQ(started("t1"), 1767225600);  // 2026-01-01 UTC
  EXPECT_EQ(started("t2"), 1767225600);
  EXPECT_EQ(started("t3"), 1769904000);  // 2026-02-01 UTC
}

TEST_F(MigrationsTest, EmptyListOnlyCreatesTheBookkeepingTable) {
  mysql::ConnectionPool pool(FreshDatabase("empty"));
  ASSERT_THAT(ApplyMigrationsForTest(pool, {}), IsOk());
  EXPECT_TRUE(TableExists(pool, "schema_migrations"));
  EXPECT_THAT(Applied(pool), IsEmpty());
}

// The cluster-wide lock row (version 0): another process's fresh row makes a migration wait
// and give up; a stale one is taken over; no lock row is left behind.
TEST_F(MigrationsTest, TheLockRowIsWaitedForAndAStaleOneTakenOver) {
  mysql::ConnectionPool pool(FreshDatabase("lock_row"));
  ASSERT_THAT(ApplyMigrationsForTest(pool, {}), IsOk());  // creates schema_migrations
  auto run = [&](const std::string& statement) {
    ASSERT_OK_AND_ASSIGN(mysql::PooledConnection connection, pool.Acquire());
    std::unique_ptr<sql::PreparedStatement> s(connection->prepareStatement(statement));
    s->execute();
  };
  run("INSERT INTO schema_migrations (version, name) VALUES (0, 'lock other')");
  const Migration v1[] = {{1, "one", "CREATE TABLE t1 (x INT);\n"}};
  MigrationLockOptions lock;
  lock.wait = absl::Milliseconds(300);
  lock.poll = absl::Milliseconds(50);
  EXPECT_THAT(ApplyMigrationsForTest(pool, v1, lock), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(TableExists(pool, "t1"));

  run("UPDATE schema_migrations SET applied_at = NOW(6) - INTERVAL 1 HOUR WHERE version = 0");
  EXPECT_THAT(ApplyMigrationsForTest(pool, v1, lock), IsOk());
  EXPECT_TRUE(TableExists(pool, "t1"));
  EXPECT_THAT(Applied(pool), ElementsAre(Pair(1, "one")));
}

// (Moved here from the pool's integration test, which no longer knows the migrations.)
TEST(MigrationsNoServerTest, NoServerIsUnavailableQuickly) {
  mysql::ConnectionPoolOptions options;
  options.endpoint = "unix:///tmp/no-such-dir-for-auth-tests/mysqld.sock";
  options.user = "auth";
  options.password = "irrelevant";
  options.database = "auth";
  mysql::ConnectionPool pool(options);
  const absl::Time start = absl::Now();
  EXPECT_THAT(ApplyMigrations(pool), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace auth::mysql_repository
