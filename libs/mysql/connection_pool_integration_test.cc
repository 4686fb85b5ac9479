// ConnectionPool against a real, private MariaDB, through the runners of transaction_runner.h
// as the repositories use it: outages and restarts, a missing server, and the bound on open
// connections.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql {
namespace {

using ::auth::mysql_testing::MariadbServer;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

// Creates table `probe` (a value per row) on a connection of `pool`.
absl::Status CreateProbeTable(ConnectionPool& pool) {
  return RunOnConnection(pool, "create probe", "", [](Connection& connection) {
    connection.Prepare("CREATE TABLE IF NOT EXISTS probe (v INT NOT NULL) ENGINE = InnoDB")
        .execute();
    return absl::OkStatus();
  });
}

// Inserts `value` into `probe`: an autocommit write.
absl::Status Insert(ConnectionPool& pool, int value) {
  return RunOnConnection(pool, "insert probe", "", [value](Connection& connection) {
    sql::PreparedStatement& insert = connection.Prepare("INSERT INTO probe VALUES (?)");
    insert.setInt(1, value);
    insert.executeUpdate();
    return absl::OkStatus();
  });
}

// How many rows of `probe` hold `value`: a read.
absl::StatusOr<int> Count(ConnectionPool& pool, int value) {
  return RunQuery(pool, "count probe", [value](Connection& connection) -> absl::StatusOr<int> {
    sql::PreparedStatement& select = connection.Prepare("SELECT COUNT(*) FROM probe WHERE v = ?");
    select.setInt(1, value);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    return rows->next() ? rows->getInt(1) : 0;
  });
}

// Deletes the rows of `probe` that hold `value`, in a transaction.
absl::Status Delete(ConnectionPool& pool, int value) {
  return RunInTransaction(pool, "delete probe", "", [value](Connection& connection) {
    sql::PreparedStatement& remove = connection.Prepare("DELETE FROM probe WHERE v = ?");
    remove.setInt(1, value);
    remove.executeUpdate();
    return absl::OkStatus();
  });
}

TEST(ConnectionPoolIntegrationTest, SurvivesAServerRestart) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ConnectionPool pool(server->pool_options());
  ASSERT_THAT(CreateProbeTable(pool), IsOk());
  ASSERT_THAT(Insert(pool, 1), IsOk());
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
    EXPECT_THAT(Count(pool, 1), StatusIs(absl::StatusCode::kUnavailable)) << i;
    EXPECT_LT(absl::Now() - start, absl::Seconds(3)) << i;
  }
  EXPECT_THAT(Insert(pool, 2), StatusIs(absl::StatusCode::kUnavailable));

  ASSERT_THAT(server->Restart(), IsOk());
  // The same pool serves again; no call after the restart sees a stale connection.
  ASSERT_OK_AND_ASSIGN(const int before, Count(pool, 1));
  EXPECT_EQ(before, 1);
  EXPECT_THAT(Insert(pool, 3), IsOk());
  EXPECT_THAT(Delete(pool, 3), IsOk());
}

TEST(ConnectionPoolIntegrationTest, StaleIdleConnectionsAreReplacedAfterARestart) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ConnectionPoolOptions options = server->pool_options();
  options.validate_after_idle = absl::Milliseconds(100);
  ConnectionPool pool(options);
  ASSERT_THAT(CreateProbeTable(pool), IsOk());
  ASSERT_THAT(Insert(pool, 1), IsOk());
  ASSERT_EQ(pool.IdleCountForTest(), 1);

  // A restart nobody noticed: no call failed in between, the idle connection is dead.
  ASSERT_THAT(server->Restart(), IsOk());
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_THAT(Count(pool, 1), IsOk());
}

TEST(ConnectionPoolIntegrationTest, NoServerIsUnavailableQuickly) {
  ConnectionPoolOptions options;
  options.endpoint = "unix:///tmp/no-such-dir-for-auth-tests/mysqld.sock";
  options.user = "auth";
  options.password = "irrelevant";
  options.database = "auth";
  ConnectionPool pool(options);
  const absl::Time start = absl::Now();
  EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Count(pool, 1), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Delete(pool, 1), StatusIs(absl::StatusCode::kUnavailable));
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
}  // namespace auth::mysql
