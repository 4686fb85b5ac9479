// ConnectionPool against a real, private MariaDB: outages and restarts, a missing server,
// and the bound on open connections.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/repository/mysql/migrations.h"
#include "libs/repository/mysql/mysql_session_repository.h"
#include "libs/repository/mysql/mysql_user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::repository::mysql {
namespace {

using ::auth::mysql::ConnectionPool;
using ::auth::mysql::ConnectionPoolOptions;
using ::auth::mysql::PooledConnection;
using ::auth::mysql::testing::MariadbServer;
using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;

NewUser SomeUser(absl::string_view name) {
  return NewUser{.username = std::string(name),
                 .email = absl::StrCat(name, "@example.org"),
                 .phone_number = std::nullopt,
                 .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"};
}

TEST(ConnectionPoolIntegrationTest, SurvivesAServerRestart) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ConnectionPool pool(server->pool_options());
  ASSERT_THAT(ApplyMigrations(pool), IsOk());
  MysqlUserRepository users(pool);
  ASSERT_OK_AND_ASSIGN(const int64_t id, users.Create(SomeUser("before")));
  {
    // Several connections sit idle in the pool when the server goes away.
    std::vector<PooledConnection> leases;
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool.Acquire());
      leases.push_back(std::move(lease));
    }
  }
  ASSERT_EQ(pool.IdleCountForTest(), 3);

  ASSERT_THAT(server->Stop(), IsOk());
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    EXPECT_THAT(users.FindById(id), StatusIs(absl::StatusCode::kUnavailable)) << i;
    EXPECT_LT(absl::Now() - start, absl::Seconds(3)) << i;
  }
  EXPECT_THAT(users.Create(SomeUser("during")), StatusIs(absl::StatusCode::kUnavailable));

  ASSERT_THAT(server->Restart(), IsOk());
  // The same pool serves again; no call after the restart sees a stale connection.
  ASSERT_OK_AND_ASSIGN(const User found, users.FindById(id));
  EXPECT_EQ(found.username, "before");
  EXPECT_THAT(users.Create(SomeUser("after")), IsOk());
  MysqlSessionRepository sessions(pool);
  EXPECT_THAT(sessions.RevokeAllForUser(id), IsOk());
}

TEST(ConnectionPoolIntegrationTest, StaleIdleConnectionsAreReplacedAfterARestart) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ConnectionPoolOptions options = server->pool_options();
  options.validate_after_idle = absl::Milliseconds(100);
  ConnectionPool pool(options);
  ASSERT_THAT(ApplyMigrations(pool), IsOk());
  MysqlUserRepository users(pool);
  ASSERT_OK_AND_ASSIGN(const int64_t id, users.Create(SomeUser("idle")));
  ASSERT_EQ(pool.IdleCountForTest(), 1);

  // A restart nobody noticed: no call failed in between, the idle connection is dead.
  ASSERT_THAT(server->Restart(), IsOk());
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_THAT(users.FindById(id), IsOk());
}

TEST(ConnectionPoolIntegrationTest, NoServerIsUnavailableQuickly) {
  ConnectionPoolOptions options;
  options.endpoint = "unix:///tmp/no-such-dir-for-auth-tests/mysqld.sock";
  options.user = "auth";
  options.password = "irrelevant";
  options.database = "auth";
  ConnectionPool pool(options);
  MysqlUserRepository users(pool);
  const absl::Time start = absl::Now();
  EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(users.FindByEmail("a@example.org"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(ApplyMigrations(pool), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(pool.OpenCountForTest(), 0);
}

TEST(ConnectionPoolIntegrationTest, ClosedTcpPortIsUnavailableQuickly) {
  ConnectionPoolOptions options;
  options.endpoint = "tcp://127.0.0.1:1";  // nothing listens on port 1
  options.user = "auth";
  options.password = "irrelevant";
  options.database = "auth";
  ConnectionPool pool(options);
  const absl::Time start = absl::Now();
  EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ConnectionPoolIntegrationTest, WrongPasswordIsNotUnavailable) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ConnectionPoolOptions options = server->pool_options();
  options.password = "wrong";
  ConnectionPool pool(options);
  EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kInternal));
}

TEST(ConnectionPoolIntegrationTest, NeverOpensMoreThanSize) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ConnectionPoolOptions options = server->pool_options();
  options.size = 2;
  options.acquire_timeout = absl::Milliseconds(300);
  ConnectionPool pool(options);
  ASSERT_OK_AND_ASSIGN(PooledConnection a, pool.Acquire());
  ASSERT_OK_AND_ASSIGN(PooledConnection b, pool.Acquire());
  const absl::Time start = absl::Now();
  EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(pool.OpenCountForTest(), 2);
}

}  // namespace
}  // namespace auth::repository::mysql
