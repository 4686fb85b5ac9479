// The per-connection statement cache (connection.h) against a real, private MariaDB: the server
// counts the statements it prepared (Com_stmt_prepare), so a cache that stopped working, or
// one that handed a statement to the wrong call, shows here.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/repository/mysql/schema/migrations.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::MariadbServer;
using ::auth::repository::Session;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

// How many prepares, executions and closes of prepared statements the server has seen.
struct StatementCounts {
  int64_t prepared = 0;
  int64_t executed = 0;
  int64_t closed = 0;
};

// Reads the server-wide counters through `observer`, a pool of its own: its one cached SHOW
// statement is prepared at the first reading, and counted in it.
StatementCounts ReadCounts(mysql::ConnectionPool& observer) {
  StatementCounts counts;
  absl::StatusOr<mysql::PooledConnection> lease = observer.Acquire();
  EXPECT_THAT(lease, IsOk());
  if (!lease.ok()) return counts;
  sql::PreparedStatement& show = lease->connection().Prepare(
      "SHOW GLOBAL STATUS WHERE Variable_name IN "
      "('Com_stmt_prepare', 'Com_stmt_execute', 'Com_stmt_close')");
  std::unique_ptr<sql::ResultSet> rows(show.executeQuery());
  while (rows->next()) {
    const std::string name = rows->getString(1);
    int64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(std::string(rows->getString(2)), &value)) << name;
    if (name == "Com_stmt_prepare") counts.prepared = value;
    if (name == "Com_stmt_execute") counts.executed = value;
    if (name == "Com_stmt_close") counts.closed = value;
  }
  return counts;
}

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(server_, MariadbServer::Start());
    mysql::ConnectionPoolOptions options = server_->pool_options();
    options.size = 1;  // every call on the same connection
    pool_ = std::make_unique<mysql::ConnectionPool>(options);
    observer_ = std::make_unique<mysql::ConnectionPool>(options);
    ASSERT_THAT(ApplyMigrations(*pool_), IsOk());
    MysqlUserRepository users(*pool_);
    ASSERT_OK_AND_ASSIGN(
        user_id_, users.Create({.username = "cached",
                                .email = "cached@example.org",
                                .phone_number = std::nullopt,
                                .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"}));
  }

  Session NewSession(const std::string& jti) {
    Session session;
    session.jti = jti;
    session.user_id = user_id_;
    session.expires_at = absl::Now() + absl::Hours(1);
    session.token_hash = std::string(64, jti.back());
    session.client_address = absl::StrCat("ipv4:127.0.0.1:", jti.size());
    return session;
  }

  std::unique_ptr<MariadbServer> server_;
  std::unique_ptr<mysql::ConnectionPool> pool_;
  std::unique_ptr<mysql::ConnectionPool> observer_;
  int64_t user_id_ = 0;
};

TEST_F(StatementCacheTest, FindActiveIsPreparedOnceAndStillAnswersEachCallRightly) {
  MysqlSessionRepository sessions(*pool_);
  ASSERT_THAT(sessions.Create(NewSession("jti-a")), IsOk());
  ASSERT_THAT(sessions.Create(NewSession("jti-b")), IsOk());
  ASSERT_THAT(sessions.Create(NewSession("jti-c")), IsOk());
  ASSERT_THAT(sessions.Revoke("jti-c"), IsOk());
  ReadCounts(*observer_);  // prepares the observer's own statement before the baseline

  constexpr int kCalls = 50;
  const StatementCounts before = ReadCounts(*observer_);
  for (int i = 0; i < kCalls; ++i) {
    // Different parameters on the one cached statement give each call its own answer.
    switch (i % 4) {
      case 0: {
        ASSERT_OK_AND_ASSIGN(const Session a, sessions.FindActive("jti-a"));
        EXPECT_EQ(a.jti, "jti-a");
        EXPECT_EQ(a.token_hash, std::string(64, 'a'));
        break;
      }
      case 1: {
        ASSERT_OK_AND_ASSIGN(const Session b, sessions.FindActive("jti-b"));
        EXPECT_EQ(b.jti, "jti-b");
        EXPECT_EQ(b.token_hash, std::string(64, 'b'));
        break;
      }
      case 2:  // revoked
        EXPECT_THAT(sessions.FindActive("jti-c"), StatusIs(absl::StatusCode::kNotFound));
        break;
      default:
        EXPECT_THAT(sessions.FindActive(absl::StrCat("jti-none-", i)),
                    StatusIs(absl::StatusCode::kNotFound));
    }
  }
  const StatementCounts after = ReadCounts(*observer_);
  const int64_t prepared = after.prepared - before.prepared;
  const int64_t executed = after.executed - before.executed;
  std::printf(
      "%d FindActive calls on a pool of 1: Com_stmt_prepare +%lld, "
      "Com_stmt_execute +%lld, Com_stmt_close +%lld\n",
      kCalls, static_cast<long long>(prepared), static_cast<long long>(executed),
      static_cast<long long>(after.closed - before.closed));
  // One prepare of FindActive's SELECT (none if an earlier call had cached it): not one a call.
  EXPECT_LE(prepared, 1);
  EXPECT_EQ(after.closed - before.closed, 0);
  // Every call still ran on the server (plus the observer's reading).
  EXPECT_EQ(executed, kCalls + 1);

  // A revocation through the same connection is seen by the cached SELECT at once.
  ASSERT_THAT(sessions.Revoke("jti-a"), IsOk());
  EXPECT_THAT(sessions.FindActive("jti-a"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(sessions.FindActive("jti-b"), IsOk());
}

TEST_F(StatementCacheTest, ADuplicateKeyLeavesTheCachedInsertUsable) {
  MysqlSessionRepository sessions(*pool_);
  ASSERT_THAT(sessions.Create(NewSession("jti-dup")), IsOk());
  ReadCounts(*observer_);
  const StatementCounts before = ReadCounts(*observer_);
  EXPECT_THAT(sessions.Create(NewSession("jti-dup")), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(sessions.Create(NewSession("jti-dup2")), IsOk());
  EXPECT_THAT(sessions.FindActive("jti-dup2"), IsOk());
  const StatementCounts after = ReadCounts(*observer_);
  // The INSERT was cached by the first Create and survived the error: only FindActive's
  // SELECT is new.
  EXPECT_EQ(after.prepared - before.prepared, 1);
  EXPECT_EQ(pool_->OpenCountForTest(), 1);
}

TEST_F(StatementCacheTest, AfterARestartTheNewConnectionPreparesItsOwnStatements) {
  MysqlSessionRepository sessions(*pool_);
  ASSERT_THAT(sessions.Create(NewSession("jti-restart")), IsOk());
  ASSERT_THAT(sessions.FindActive("jti-restart"), IsOk());

  // The server forgets every statement; the pooled connection (and its cache) is now dead.
  ASSERT_THAT(server_->Restart(), IsOk());
  // A read: the lost connection is discarded with its statements and the call runs again on
  // a new connection, which must prepare the SELECT afresh (a reused one would be refused).
  ASSERT_OK_AND_ASSIGN(const Session found, sessions.FindActive("jti-restart"));
  EXPECT_EQ(found.jti, "jti-restart");
  const StatementCounts counts = ReadCounts(*observer_);  // the restarted server's counters
  EXPECT_GE(counts.prepared, 2);                          // the SELECT and the observer's SHOW
  EXPECT_EQ(pool_->OpenCountForTest(), 1);
  ASSERT_THAT(sessions.Revoke("jti-restart"), IsOk());
  EXPECT_THAT(sessions.FindActive("jti-restart"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace auth::mysql_repository
