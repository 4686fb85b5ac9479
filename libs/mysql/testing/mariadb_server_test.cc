// Tests for the private MariaDB test fixture itself.
#include "libs/mysql/testing/mariadb_server.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <sys/stat.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/query.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::StartsWith;

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Writes and reads back a row through a pool on `options`.
void ExpectUsable(const mysql::ConnectionPoolOptions& options, int value) {
  mysql::ConnectionPool pool(options);
  ASSERT_OK_AND_ASSIGN(mysql::PooledConnection connection, pool.Acquire());
  std::unique_ptr<sql::PreparedStatement> create(connection->prepareStatement(
      "CREATE TABLE IF NOT EXISTS probe (v INT NOT NULL) ENGINE = InnoDB"));
  create->execute();
  std::unique_ptr<sql::PreparedStatement> insert(
      connection->prepareStatement("INSERT INTO probe VALUES (?)"));
  insert->setInt(1, value);
  insert->executeUpdate();
  EXPECT_EQ(QueryInt(pool, absl::StrCat("SELECT COUNT(*) FROM probe WHERE v = ", value)), 1);
}

TEST(MariadbServerTest, StartsUsableAndCleansUp) {
  std::string socket;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
    socket = server->socket_path();
    EXPECT_THAT(socket, StartsWith("/tmp/mdb."));
    EXPECT_LT(socket.size(), 108u);
    EXPECT_EQ(server->endpoint(), "unix://" + socket);
    EXPECT_EQ(server->user(), "auth");
    EXPECT_EQ(server->database(), "auth");
    EXPECT_GE(server->password().size(), 16u);
    EXPECT_TRUE(server->running());
    ExpectUsable(server->pool_options(), 1);
  }
  EXPECT_FALSE(Exists(socket));
  EXPECT_FALSE(Exists(socket.substr(0, socket.rfind('/'))));
}

TEST(MariadbServerTest, RestartKeepsTheData) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ExpectUsable(server->pool_options(), 7);
  ASSERT_THAT(server->Stop(), IsOk());
  EXPECT_FALSE(server->running());
  {
    mysql::ConnectionPool pool(server->pool_options());
    EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  }
  ASSERT_THAT(server->Restart(), IsOk());
  EXPECT_TRUE(server->running());
  mysql::ConnectionPool pool(server->pool_options());
  EXPECT_EQ(QueryInt(pool, "SELECT COUNT(*) FROM probe WHERE v = 7"), 1);
}

TEST(MariadbServerTest, KillLosesNoCommittedRow) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ExpectUsable(server->pool_options(), 9);
  ASSERT_THAT(server->Kill(), IsOk());
  EXPECT_FALSE(server->running());
  EXPECT_THAT(server->Kill(), IsOk());  // already dead: no-op
  {
    mysql::ConnectionPool pool(server->pool_options());
    EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  }
  // InnoDB recovers from its redo log on start.
  ASSERT_THAT(server->Restart(), IsOk());
  mysql::ConnectionPool pool(server->pool_options());
  EXPECT_EQ(QueryInt(pool, "SELECT COUNT(*) FROM probe WHERE v = 9"), 1);
}

TEST(MariadbServerTest, CreatesExtraDatabases) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MariadbServer> server, MariadbServer::Start());
  ASSERT_OK_AND_ASSIGN(mysql::ConnectionPoolOptions options, server->CreateDatabase("extra_1"));
  EXPECT_EQ(options.database, "extra_1");
  ExpectUsable(options, 3);
  EXPECT_THAT(server->CreateDatabase("bad`name"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(server->CreateDatabase(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::mysql_testing
